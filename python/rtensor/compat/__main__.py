"""``python -m rtensor.compat script.py [args...]``: runs a PyTorch script as ``__main__`` with
``torch`` resolved to rtensor (see :mod:`rtensor.compat`). The script sees ``sys.argv`` and
``sys.path[0]`` as if Python had run it directly. When it fails on something rtensor lacks,
the last line of the output says what."""

import os
import re
import runpy
import sys
import traceback

from . import install

USAGE = "usage: python -m rtensor.compat script.py [args...]"


def _missing(exc, script):
    """What rtensor lacks, if that is why ``exc`` was raised."""
    if str(exc).startswith("rtensor does not implement"):
        return str(exc)  # raised by the aliased modules themselves
    if isinstance(exc, ImportError) and (exc.name or "").startswith(("torch", "rtensor")):
        m = re.match(r"cannot import name '(\w+)'", str(exc))
        if m:
            module = "torch" + exc.name[len("rtensor"):] if exc.name.startswith("rtensor") else (
                exc.name)
            return f"rtensor does not implement {module}.{m.group(1)} (needed by {script})"
    if isinstance(exc, AttributeError) and getattr(exc, "obj", None) is not None and exc.name:
        owner = exc.obj if isinstance(exc.obj, type) else type(exc.obj)
        if owner.__module__.split(".")[0] == "rtensor":
            return f"rtensor does not implement {owner.__name__}.{exc.name} (needed by {script})"
    return None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    script = argv[0]
    if not os.path.isfile(script):
        print(f"rtensor.compat: can't open file {script!r}: no such file", file=sys.stderr)
        return 2
    name = os.path.basename(script)
    install(needed_by=name)
    sys.argv = [script, *argv[1:]]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as exc:
        # Show the traceback from the script's first frame on, as Python would.
        tb = exc.__traceback__
        path = os.path.abspath(script)
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != path:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
        note = _missing(exc, name)
        if note:
            print(f"rtensor.compat: {note}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
