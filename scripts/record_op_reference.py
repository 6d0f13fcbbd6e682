#!/usr/bin/env python
"""Record PyTorch's answers for the differential test (tests/test_op_differential.py).

Run it from the repository root after building the extension, with a Python that has
PyTorch (a venv of its own: the test suite never imports torch):

    scripts/dev-build
    PYTHONPATH=python /work/venv-torch/bin/python scripts/record_op_reference.py

The committed file was recorded with PyTorch 2.13.0 (its CPU kernels). Rerun the script whenever an op is
added to the registry, or the inputs or calls in tests/op_cases.py change; the test fails for
every registry op that has no entry.

rtensor is imported only to read the op list, `rtensor._C._op_registry()`. For each op the
inputs and the call come from tests/op_cases.py (shared with the test), and the script writes
tests/data/op_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string, ``{"torch": version, "ops": {name: {"kind", "cases", "grad"}}}``.
  ``cases[id]`` is ``{"outputs": {name: [dtype, shape]}}`` or ``{"error": [class, message]}``
  for inputs PyTorch rejects, with ``inputs``, a fingerprint of the inputs (the test refuses a
  reference recorded from other inputs). ``grad`` is the backward check on float32 inputs
  requiring grad (int32 inputs for ops that take no floats): ``{"input_dtype",
  "requires_grad", "grad_fn" (the name PyTorch records, or null), "grads": n}`` or ``{...,
  "backward_error": [class, message]}`` (PyTorch's text for ``y.sum().backward()`` of a
  result without a grad_fn).
- ``"<op>|<case>|<output>"``: the output arrays, bit-exact; ``"<op>|grad|<i>"``: the gradient
  of ``y.sum()`` with respect to input i; ``"<op>|float32|out|float64"``: for elementwise ops,
  PyTorch's answer for the same float32 inputs computed in float64 (for the report only).
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import op_cases  # noqa: E402  (tests/ is not a package)
from rtensor import _C  # noqa: E402

OUT = ROOT / "tests" / "data" / "op_reference.npz"


def error(e):
    return [type(e).__name__, str(e)]


def tensors(arrays, requires_grad=False):
    return [torch.from_numpy(np.array(a, copy=True)).requires_grad_(requires_grad)
            for a in arrays]


def record_case(op, case, arrays):
    entry = {"inputs": op_cases.fingerprint(case)}
    try:
        result = op_cases.call(torch, op["name"], op["kind"], tensors(case.inputs), case.dim)
    except Exception as e:  # PyTorch rejects these inputs: the test expects the same error
        return entry | {"error": error(e)}
    outs = {}
    for name, t in op_cases.outputs(result):
        a = t.detach().numpy()
        arrays[f"{op['name']}|{case.id}|{name}"] = a
        outs[name] = [op_cases.dtype_name(t.dtype), list(a.shape)]
    if case.dtype == "float32" and op["kind"] in op_cases.ELEMENTWISE:
        # The same call in float64: not compared, it tells the reader of the disagreement
        # report which of two float32 answers is nearer the exact one.
        wide = [torch.from_numpy(a.astype(np.float64)) for a in case.inputs]
        t = op_cases.call(torch, op["name"], op["kind"], wide, case.dim)
        arrays[f"{op['name']}|{case.id}|out|float64"] = t.detach().numpy()
        arrays[f"{op['name']}|{case.id}|out|scalar"] = scalar_path(op, case)
    return entry | {"outputs": outs}


def scalar_path(op, case):
    """The call element by element, on one-element tensors. NOTE [PyTorch's two kernels]:
    PyTorch's CPU elementwise kernels have a vectorised body and a scalar form (std::fmod,
    std::erf, std::sinh...) for the elements that do not fill a vector, and at the ends of the
    float32 range the two disagree (fmod(3.4e38, 0.5) is NaN in the vector body and 0 in the
    scalar form; sinh(88.75) inf and finite; gelu(inf) NaN and inf). Which one an element
    meets depends on its position, so both are PyTorch's answer: the test accepts either."""
    arrays = np.broadcast_arrays(*case.inputs)
    out = np.empty(arrays[0].shape, np.float32)
    for index in np.ndindex(out.shape):
        one = [torch.tensor([a[index]]) for a in arrays]
        t = op_cases.call(torch, op["name"], op["kind"], one, case.dim)
        out[index] = t.detach().float().numpy()[0]
    return out


def record_grad(op, float_ok, arrays):
    dtype = "float32" if float_ok else "int32"
    inputs, dim = op_cases.grad_inputs(op["kind"], dtype)
    xs = tensors(inputs, requires_grad=float_ok)
    y = op_cases.outputs(op_cases.call(torch, op["name"], op["kind"], xs, dim))[0][1]
    entry = {
        "input_dtype": dtype,
        "requires_grad": y.requires_grad,
        "grad_fn": None if y.grad_fn is None else y.grad_fn.name(),
    }
    try:
        y.sum().backward()
    except Exception as e:
        entry["backward_error"] = error(e)
        return entry
    for i, x in enumerate(xs):
        arrays[f"{op['name']}|grad|{i}"] = x.grad.numpy()
    entry["grads"] = len(xs)
    return entry


def main():
    warnings.simplefilter("ignore")
    arrays, ops = {}, {}
    for op in _C._op_registry():
        cases = {c.id: record_case(op, c, arrays) for c in op_cases.cases(op["kind"])}
        # int32 inputs (that cannot require grad) only for ops that take no float32 at all
        float_ok = any("error" not in e for cid, e in cases.items() if cid.startswith("float32"))
        ops[op["name"]] = {"kind": op["kind"], "cases": cases,
                           "grad": record_grad(op, float_ok, arrays)}
    meta = {"torch": torch.__version__, "ops": ops}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta, indent=0)), **arrays)
    print(f"{OUT.relative_to(ROOT)}: {len(ops)} ops, {len(arrays)} arrays, "
          f"{OUT.stat().st_size} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
