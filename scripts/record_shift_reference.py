#!/usr/bin/env python
"""Record PyTorch's bitwise shifts (every integer dtype, shift amounts from -1 to past the width)
into tests/data/shift_reference.json for tests/test_function_forms.py.

    PYTHONPATH=python /work/venv-torch/bin/python scripts/record_shift_reference.py
"""

import json
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
SHIFTS = [-1, 0, 1, 3, 7, 8, 15, 16, 31, 32, 63, 64]
SIGNED = [-100, -7, -1, 0, 1, 7, 100]
UNSIGNED = [0, 1, 7, 100, 200, 255]


def main():
    rows = []
    for name in ["uint8", "int8", "int16", "int32", "int64"]:
        dt = getattr(torch, name)
        a = torch.tensor(UNSIGNED if name == "uint8" else SIGNED).to(dt)
        for s in SHIFTS:
            rows.append({"dtype": name, "shift": s, "values": a.tolist(),
                         "left": (a << s).tolist(), "right": (a >> s).tolist()})
    out = ROOT / "tests/data/shift_reference.json"
    out.write_text(json.dumps({"torch": torch.__version__, "rows": rows}, indent=0))
    print(f"{out}: {len(rows)} rows")


if __name__ == "__main__":
    main()
