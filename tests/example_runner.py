"""Runs an example script the way a user does, against the rtensor the tests import."""

import os
import subprocess
import sys
from pathlib import Path

import rtensor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(name, steps=None, args=()):
    """stdout of ``examples/<name> *args`` in a fresh interpreter; ``steps`` sets
    ``RTENSOR_EXAMPLE_STEPS`` (shortens training loops)."""
    env = dict(os.environ)
    # The installed wheel or the source tree, whichever the tests imported.
    pkg_root = str(Path(rtensor.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, env.get("PYTHONPATH")) if p)
    if steps is not None:
        env["RTENSOR_EXAMPLE_STEPS"] = str(steps)
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *map(str, args)], cwd=EXAMPLES, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout
