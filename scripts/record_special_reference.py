#!/usr/bin/env python
"""Record PyTorch's torch.special answers for tests/test_special.py (the suite never imports
torch).

Run from the repository root with a Python that has PyTorch:

    PYTHONPATH=python /work/venv-torch/bin/python scripts/record_special_reference.py

The cases (expressions, inputs) are in tests/special_cases.py, shared with the test. It
writes tests/data/special_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "values": {id: {dtype: [result dtype,
  shape]}}, "grads": {id: {"grad_fn", "inputs": [names]}}, "errors": {id: [class,
  message]}, "dtypes": {id: result dtype}}``.
- ``"value|<id>|<float32|float64>"``: the result of a value case on inputs of that dtype;
  ``"grad|<id>|<input>"``: the float64 gradient of the sum with respect to an input.

The registry's elementwise rows (lgamma, erfinv, logaddexp...) are recorded with every other
registry op by scripts/record_op_reference.py; this file covers torch.special's spellings,
the compositions and the CPU-only functions.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import special_cases as sc  # noqa: E402  (tests/ is not a package)

OUT = ROOT / "tests" / "data" / "special_reference.npz"


def main():
    warnings.simplefilter("ignore")
    arrays, meta = {}, {"torch": torch.__version__, "values": {}, "grads": {}, "errors": {},
                        "dtypes": {}}
    for cid, expr, inputs, _tol in sc.VALUE_CASES:
        entry = {}
        for dt in ("float32", "float64"):
            r = eval(expr, sc.env(torch, inputs, dt))
            arrays[f"value|{cid}|{dt}"] = r.detach().numpy()
            entry[dt] = [str(r.dtype).rsplit(".", 1)[-1], list(r.shape)]
        meta["values"][cid] = entry
    for cid, expr, inputs in sc.GRAD_CASES:
        e = sc.env(torch, inputs, "float64", requires_grad=True)
        y = eval(expr, e)
        y.sum().backward()
        names = []
        for k in inputs:
            if e[k].grad is not None:
                arrays[f"grad|{cid}|{k}"] = e[k].grad.numpy()
                names.append(k)
        meta["grads"][cid] = {"grad_fn": y.grad_fn.name(), "inputs": names}
    for cid, expr in sc.ERROR_CASES:
        try:
            eval(expr, sc.env(torch, sc.ERROR_INPUTS))
        except Exception as ex:
            meta["errors"][cid] = [type(ex).__name__, str(ex)]
        else:
            raise AssertionError(f"{cid}: PyTorch accepted {expr}")
    for cid, expr in sc.DTYPE_CASES:
        r = eval(expr, sc.env(torch, sc.ERROR_INPUTS))
        meta["dtypes"][cid] = str(r.dtype).rsplit(".", 1)[-1]
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta, indent=0)), **arrays)
    print(f"{OUT.relative_to(ROOT)}: {len(arrays)} arrays (torch {torch.__version__})")


if __name__ == "__main__":
    main()
