#!/usr/bin/env python
"""Record PyTorch's answers for tests/test_nn_resample_native.py (the native resampling
kernels: interpolate's tap tables, grid_sample, pdist; the suite never imports torch): cases
larger than those of scripts/record_resample_reference.py (several rows of tasks, point chunks
and channel blocks, SIMD remainders), the node names of first and second derivatives, the
second derivatives' values, and the errors of derivatives PyTorch does not have.

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_resample_native_reference.py

It writes tests/data/resample_native_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch", "cases", "double", "errors"}``. A case is as in
  record_resample_reference.py (``id``, ``fn``, ``inputs`` [[shape, kind, dtype]], ``kwargs``,
  ``grad``, ``grad_fn``); a double is ``{"id", "fn", "inputs", "kwargs", "node" (the
  output's node), "double" (the node of the input's gradient taken with create_graph=True and
  a cotangent that requires grad), "double_edges" (its number of next functions)}``; an error
  is ``{"id", "type", "message"}`` raised by differentiating a gradient.
- ``"<id>|in<k>"``, ``"<id>|gout"``, ``"<id>|out"``, ``"<id>|g<k>"`` as in that script; for a
  double, ``"<id>|v"`` the cotangent, ``"<id>|w"`` the weights of the second derivative's
  sum and ``"<id>|gv"`` the gradient of ``(grad_x(out . v) * w).sum()`` with respect to v.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_resample_reference import _draw, _kwargs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "resample_native_reference.npz"
f32, f64 = "float32", "float64"


def _cases():
    out = []
    big2, big3 = (1, 1, 36, 37), (1, 1, 4, 12, 33)
    for mode, kw in (("nearest", {}), ("nearest-exact", {}), ("bilinear", {}),
                     ("bicubic", {"align_corners": True}), ("area", {}),
                     ("bilinear", {"antialias": True})):
        tag = mode + ("_aa" if kw.get("antialias") else "")
        out.append((f"n_i_{tag}_up", "interpolate", [[big2, "normal", f32]],
                    dict(size=[41, 70], mode=mode, **kw), True))
        out.append((f"n_i_{tag}_down", "interpolate", [[big2, "normal", f32]],
                    dict(size=[13, 11], mode=mode, **kw), True))
    out.append(("n_i_trilinear", "interpolate", [[big3, "normal", f32]],
                {"size": [3, 14, 40], "mode": "trilinear"}, True))
    out.append(("n_i_linear_long", "interpolate", [[(3, 4, 100), "normal", f32]],
                {"scale_factor": 2.5, "mode": "linear", "align_corners": True}, True))
    for mode in ("bilinear", "nearest", "bicubic"):
        for pm in ("zeros", "border", "reflection"):
            for ac in (False, True):
                tag = f"{mode}_{pm}_{'ac' if ac else 'hp'}"
                kw = {"mode": mode, "padding_mode": pm, "align_corners": ac}
                out.append((f"n_g2_{tag}", "grid_sample",
                            [[(2, 4, 7, 9), "normal", f32], [(2, 9, 10, 2), "grid", f32]],
                            kw, True))
                if mode != "bicubic":
                    out.append((f"n_g3_{tag}", "grid_sample",
                                [[(2, 2, 4, 5, 6), "normal", f32],
                                 [(2, 3, 5, 6, 3), "grid", f32]], kw, True))
    out.append(("n_g2_f64", "grid_sample",
                [[(2, 3, 8, 9), "normal", f64], [(2, 11, 10, 2), "grid", f64]],
                {"mode": "bilinear", "padding_mode": "reflection", "align_corners": False}, True))
    for p in (0, 0.5, 1, 1.5, 2, 3, float("inf")):
        out.append((f"n_pdist_p{p}", "pdist", [[(50, 11), "normal", f32]], {"p": p}, True))
    out.append(("n_pdist_f64", "pdist", [[(33, 8), "normal", f64]], {"p": 2}, True))
    out.append(("n_pdist_clusters", "pdist", [[(40, 17), "clusters", f32]], {}, True))
    return out


def _doubles():
    x4, x3, x5 = (2, 3, 5, 6), (2, 3, 7), (1, 2, 3, 4, 5)
    return [
        ("d_linear", "interpolate", [[x3, "normal", f64]], {"size": 11, "mode": "linear"}),
        ("d_bilinear", "interpolate", [[x4, "normal", f64]],
         {"size": [7, 9], "mode": "bilinear", "align_corners": True}),
        ("d_bicubic", "interpolate", [[x4, "normal", f64]], {"size": [9, 4], "mode": "bicubic"}),
        ("d_trilinear", "interpolate", [[x5, "normal", f64]],
         {"size": [4, 3, 7], "mode": "trilinear"}),
        ("d_nearest1", "interpolate", [[x3, "normal", f64]], {"size": 12, "mode": "nearest"}),
        ("d_nearest2", "interpolate", [[x4, "normal", f64]], {"size": [3, 11], "mode": "nearest"}),
        ("d_nearest3", "interpolate", [[x5, "normal", f64]], {"size": [5, 2, 3], "mode": "nearest"}),
        ("d_nearest_exact2", "interpolate", [[x4, "normal", f64]],
         {"size": [8, 3], "mode": "nearest-exact"}),
        ("d_area2", "interpolate", [[x4, "normal", f64]], {"size": [2, 4], "mode": "area"}),
        ("d_area3", "interpolate", [[x5, "normal", f64]], {"size": [2, 3, 2], "mode": "area"}),
        ("d_aa_bilinear", "interpolate", [[x4, "normal", f64]],
         {"size": [3, 4], "mode": "bilinear", "antialias": True}),
        ("d_aa_bicubic", "interpolate", [[x4, "normal", f64]],
         {"size": [8, 3], "mode": "bicubic", "antialias": True}),
        ("d_lanczos", "interpolate", [[x4, "normal", f64]],
         {"size": [3, 4], "mode": "lanczos", "antialias": True}),
    ]


def main():
    rng = np.random.default_rng(1)
    arrays, cases, doubles, errors = {}, [], [], []
    for cid, fn, inputs, kwargs, grad in _cases():
        xs = [_draw(rng, s, kind, dt) for s, kind, dt in inputs]
        ts = [torch.tensor(x, requires_grad=grad) for x in xs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(F, fn)(*ts, **_kwargs(kwargs))
        for i, x in enumerate(xs):
            arrays[f"{cid}|in{i}"] = x
        arrays[f"{cid}|out"] = out.detach().numpy()
        gout = rng.standard_normal(tuple(out.shape)).astype(xs[0].dtype)
        arrays[f"{cid}|gout"] = gout
        (out * torch.tensor(gout)).sum().backward()
        for i, t in enumerate(ts):
            if t.grad is not None:
                arrays[f"{cid}|g{i}"] = t.grad.numpy()
        cases.append({"id": cid, "fn": fn, "inputs": inputs, "kwargs": kwargs, "grad": grad,
                      "grad_fn": out.grad_fn.name()})
    for cid, fn, inputs, kwargs in _doubles():
        xs = [_draw(rng, s, kind, dt) for s, kind, dt in inputs]
        x = torch.tensor(xs[0], requires_grad=True)
        out = getattr(F, fn)(x, **_kwargs(kwargs))
        v = rng.standard_normal(tuple(out.shape))
        vt = torch.tensor(v, requires_grad=True)
        gx, = torch.autograd.grad(out, x, vt, create_graph=True)
        w = rng.standard_normal(tuple(gx.shape))
        (gx * torch.tensor(w)).sum().backward()
        arrays[f"{cid}|in0"], arrays[f"{cid}|v"], arrays[f"{cid}|w"] = xs[0], v, w
        arrays[f"{cid}|gv"] = vt.grad.numpy()
        doubles.append({"id": cid, "fn": fn, "inputs": inputs, "kwargs": kwargs,
                        "node": out.grad_fn.name(), "double": gx.grad_fn.name(),
                        "double_edges": len(gx.grad_fn.next_functions)})
    x = torch.tensor(_draw(rng, (5, 3), "normal", f64), requires_grad=True)
    gx, = torch.autograd.grad(F.pdist(x).sum(), x, create_graph=True)
    try:
        gx.sum().backward()
    except Exception as e:  # noqa: BLE001 - the class PyTorch raises is recorded
        errors.append({"id": "pdist_double", "node": gx.grad_fn.name(),
                       "type": type(e).__name__, "message": str(e)})
    else:
        raise SystemExit("pdist's gradient was differentiable")
    meta = {"torch": torch.__version__, "cases": cases, "double": doubles, "errors": errors}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases, {len(doubles)} doubles)")


if __name__ == "__main__":
    main()
