#!/usr/bin/env python
"""Record what PyTorch prints for an example, for the tests that compare rtensor's printout
with it (the suite never imports torch).

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_example_reference.py lenet.py

The example runs unchanged, with ``rtensor`` (and its submodules) bound to ``torch``; its
stdout goes to tests/data/<example>.torch.txt.
"""

import contextlib
import io
import runpy
import sys
from pathlib import Path

import torch
import torch.nn
import torch.nn.functional
import torch.optim
import torch.utils.data  # noqa: F401  (bound as rtensor.utils.data)

ROOT = Path(__file__).resolve().parent.parent


def main(argv):
    for name in argv:
        for mod in ("", ".nn", ".nn.functional", ".optim", ".utils", ".utils.data"):
            sys.modules["rtensor" + mod] = sys.modules["torch" + mod]
        sys.path.insert(0, str(ROOT / "examples"))
        sys.argv = [name]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")
        dest = ROOT / "tests" / "data" / (Path(name).stem + ".torch.txt")
        dest.write_text(out.getvalue())
        print(f"wrote {dest}")


if __name__ == "__main__":
    main(sys.argv[1:])
