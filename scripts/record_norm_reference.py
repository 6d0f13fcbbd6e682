#!/usr/bin/env python
"""Record PyTorch's normalization layers for tests/test_nn_norm.py (the suite never imports
torch).

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_norm_reference.py

It writes tests/data/norm_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch", "cases", "modules", "errors"}``. A case is ``{"id",
  "fn" (a name in nn.functional), "x" (the input's shape), "tensors" ({argument: shape} of the
  tensor arguments among weight, bias, running_mean, running_var), "kwargs" (the other
  arguments), "grad_fn"}``. A module is ``{"id", "expr", "inputs" (shapes, one training step
  each), "repr", "state_dict" (keys), "buffers" ({name: dtype}), "grad_fn"}``; ``expr`` builds it
  after ``torch.manual_seed(0)`` with ``nn`` in scope. An error is ``{"expr", "type",
  "message"}`` (``expr`` uses ``F``, ``nn`` and ``torch``).
- case arrays ``"<id>|x"``, ``"<id>|<tensor argument>"`` and ``"<id>|gout"`` (inputs, float32 from
  NumPy's seeded generator); ``"<id>|out"``; ``"<id>|gx"`` and ``"<id>|g<argument>"`` (gradients
  of ``(out * gout).sum()`` for the input, weight and bias); ``"<id>|after_<running stat>"``
  (the running statistics after the call).
- module arrays ``"<id>|init_<param>"`` (parameters set before the steps, drawn from NumPy),
  ``"<id>|x<k>"`` (step k's input), ``"<id>|y<k>"`` (its output in training mode),
  ``"<id>|<buffer>"`` after the steps, ``"<id>|grad_<param>"`` (the parameters' gradients,
  accumulated over the steps' ``(y * y).sum().backward()``), ``"<id>|eval"`` (the output for
  the first input in eval mode after the steps).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "norm_reference.npz"

W, B, RM, RV = "weight", "bias", "running_mean", "running_var"

# (id, fn, input shape, {tensor argument: shape}, other kwargs)
CASES = [
    ("bn2d_train", "batch_norm", (4, 3), {RM: 3, RV: 3, W: 3, B: 3}, {"training": True}),
    ("bn3d_train", "batch_norm", (4, 3, 5), {RM: 3, RV: 3, W: 3, B: 3},
     {"training": True, "momentum": 0.3, "eps": 1e-3}),
    ("bn4d_train", "batch_norm", (2, 4, 3, 5), {RM: 4, RV: 4, W: 4, B: 4}, {"training": True}),
    ("bn5d_train", "batch_norm", (2, 3, 2, 3, 4), {RM: 3, RV: 3, W: 3}, {"training": True}),
    ("bn6d_train", "batch_norm", (2, 2, 2, 1, 3, 2), {W: 2, B: 2}, {"training": True}),
    ("bn_train_nostats", "batch_norm", (3, 4, 6), {}, {"training": True}),
    ("bn_train_bias_only", "batch_norm", (3, 2, 4), {B: 2}, {"training": True}),
    ("bn2d_eval", "batch_norm", (5, 3), {RM: 3, RV: 3, W: 3, B: 3}, {}),
    ("bn4d_eval", "batch_norm", (2, 3, 4, 4), {RM: 3, RV: 3, W: 3, B: 3}, {"eps": 0.1}),
    ("bn5d_eval_noaffine", "batch_norm", (2, 3, 2, 2, 3), {RM: 3, RV: 3}, {}),
    ("bn_empty_batch", "batch_norm", (0, 3, 4), {RM: 3, RV: 3}, {"training": True}),
    ("in3d", "instance_norm", (3, 4, 6), {}, {}),
    ("in4d_affine", "instance_norm", (2, 3, 4, 5), {W: 3, B: 3}, {"eps": 1e-3}),
    ("in5d_stats", "instance_norm", (2, 3, 2, 3, 2), {RM: 3, RV: 3, W: 3, B: 3},
     {"momentum": 0.2}),
    ("in_eval_stats", "instance_norm", (2, 3, 5), {RM: 3, RV: 3},
     {"use_input_stats": False}),
    ("gn3d", "group_norm", (2, 6, 5), {W: 6, B: 6}, {"num_groups": 3}),
    ("gn4d_noaffine", "group_norm", (3, 4, 3, 3), {}, {"num_groups": 2, "eps": 1e-3}),
    ("gn2d_one_group", "group_norm", (4, 6), {W: 6}, {"num_groups": 1}),
    ("gn5d", "group_norm", (2, 4, 2, 3, 2), {W: 4, B: 4}, {"num_groups": 4}),
    ("ln", "layer_norm", (3, 4, 5), {W: (4, 5), B: (4, 5)}, {"normalized_shape": (4, 5)}),
    ("rms", "rms_norm", (3, 4, 5), {W: (5,)}, {"normalized_shape": (5,)}),
    ("rms_eps", "rms_norm", (2, 3, 4), {}, {"normalized_shape": (3, 4), "eps": 1e-3}),
    ("lrn3d", "local_response_norm", (2, 5, 6), {}, {"size": 3}),
    ("lrn4d", "local_response_norm", (2, 6, 3, 4), {},
     {"size": 4, "alpha": 0.1, "beta": 0.5, "k": 2.0}),
    ("lrn5d", "local_response_norm", (2, 4, 2, 3, 2), {}, {"size": 2, "alpha": 1e-2}),
    ("normalize", "normalize", (3, 4, 5), {}, {}),
    ("normalize_p1", "normalize", (3, 4), {}, {"p": 1.0, "dim": 0}),
]

# (id, expr, input shapes: one training step each)
MODULES = [
    ("bn1d", "nn.BatchNorm1d(3)", [(4, 3), (5, 3), (6, 3, 2)]),
    ("bn2d", "nn.BatchNorm2d(4, momentum=0.2)", [(2, 4, 3, 3), (3, 4, 2, 3)]),
    ("bn3d", "nn.BatchNorm3d(2, eps=1e-3)", [(2, 2, 2, 3, 2), (2, 2, 3, 2, 2)]),
    ("bn_cma", "nn.BatchNorm2d(3, momentum=None)", [(2, 3, 2, 2), (3, 3, 2, 2), (2, 3, 3, 2)]),
    ("bn_notrack", "nn.BatchNorm1d(3, track_running_stats=False)", [(4, 3, 5)]),
    ("bn_noaffine", "nn.BatchNorm2d(3, affine=False)", [(2, 3, 2, 2)]),
    ("bn_nobias", "nn.BatchNorm1d(3, bias=False)", [(4, 3)]),
    ("sync", "nn.SyncBatchNorm(3, momentum=None)", [(4, 3, 2), (3, 3, 2)]),
    ("in1d", "nn.InstanceNorm1d(3)", [(2, 3, 5)]),
    ("in1d_unbatched", "nn.InstanceNorm1d(3, affine=True)", [(3, 5)]),
    ("in2d_track", "nn.InstanceNorm2d(3, affine=True, track_running_stats=True)",
     [(2, 3, 3, 4), (2, 3, 2, 2)]),
    ("in3d", "nn.InstanceNorm3d(2, momentum=0.3, track_running_stats=True)",
     [(2, 2, 2, 2, 3)]),
    ("gn", "nn.GroupNorm(2, 4)", [(3, 4, 5)]),
    ("gn_noaffine", "nn.GroupNorm(3, 6, eps=1e-3, affine=False)", [(2, 6, 2, 2)]),
    ("lrn", "nn.LocalResponseNorm(3, alpha=0.01)", [(2, 5, 4)]),
    ("rms", "nn.RMSNorm(4)", [(3, 4)]),
    ("rms2", "nn.RMSNorm([2, 3], eps=1e-3, elementwise_affine=False)", [(4, 2, 3)]),
    ("ln", "nn.LayerNorm(4)", [(3, 4)]),
]

ERRORS = [
    "F.batch_norm(torch.randn(1, 3), None, None, training=True)",
    "F.batch_norm(torch.randn(1, 3, 1, 1), torch.zeros(3), torch.ones(3), training=True)",
    "F.batch_norm(torch.randn(2, 3), torch.zeros(4), torch.ones(3))",
    "F.batch_norm(torch.randn(2, 3), torch.zeros(3), torch.ones(4))",
    "F.batch_norm(torch.randn(2, 3, 4), torch.zeros(3), torch.ones(3), torch.ones(4))",
    "F.batch_norm(torch.randn(2, 3, 4), None, None, None, torch.ones(2), training=True)",
    "F.batch_norm(torch.randn(2, 3), None, None)",
    "F.batch_norm(torch.randn(2, 3), torch.zeros(3), None, training=True)",
    "F.batch_norm(torch.randn(2, 3), None, torch.ones(3), training=True)",
    "F.batch_norm(torch.randn(2, 3), torch.zeros(3), None)",
    "F.batch_norm(torch.randn(3), torch.zeros(3), torch.ones(3))",
    "F.batch_norm(torch.randn(3), None, None, training=True)",
    "F.batch_norm(torch.randn(2, 3), None, None, training=True, eps=0.0)",
    "F.batch_norm(torch.randn(2, 3), torch.zeros(3), torch.ones(3), eps=-1.0)",
    "F.batch_norm(torch.ones(2, 3, dtype=torch.long), None, None, training=True)",
    "F.batch_norm(torch.randn(2, 3).double(), torch.zeros(3), torch.ones(3), training=True)",
    "F.batch_norm(torch.randn(2, 3), torch.zeros(3, dtype=torch.long), torch.ones(3))",
    "nn.BatchNorm1d(3)(torch.randn(2, 3, 4, 4))",
    "nn.BatchNorm2d(3)(torch.randn(2, 3, 4))",
    "nn.BatchNorm3d(3)(torch.randn(2, 3, 4, 4))",
    "nn.BatchNorm2d(3)(torch.randn(1, 3, 1, 1))",
    "nn.SyncBatchNorm(3)(torch.randn(3))",
    "nn.SyncBatchNorm(0)(torch.randn(2, 0))",
    "nn.InstanceNorm1d(3)(torch.randn(2, 3, 4, 4))",
    "nn.InstanceNorm2d(3)(torch.randn(2, 3))",
    "nn.InstanceNorm3d(3)(torch.randn(2, 3, 4))",
    "nn.InstanceNorm1d(3, affine=True)(torch.randn(2, 4, 5))",
    "nn.InstanceNorm1d(3)(torch.randn(2, 3, 1))",
    "F.instance_norm(torch.randn(2, 3, 4), use_input_stats=False)",
    "nn.GroupNorm(4, 6)",
    "nn.GroupNorm(2, 6)(torch.randn(2, 4, 5))",
    "F.group_norm(torch.randn(2, 5, 3), 2)",
    "F.group_norm(torch.randn(3), 1)",
    "F.group_norm(torch.randn(1, 2, 1), 2)",
    "nn.LocalResponseNorm(2)(torch.randn(2, 3))",
    "nn.RMSNorm(4)(torch.randn(3, 5))",
]


def _arg(name, shape, rng):
    a = rng.standard_normal(shape).astype(np.float32)
    return np.abs(a) + 0.5 if name == RV else a


def record_cases(rng, arrays):
    cases = []
    for cid, fn, xs, tensors, kwargs in CASES:
        x = rng.standard_normal(xs).astype(np.float32)
        tx = torch.tensor(x, requires_grad=True)
        targs = {}
        for name, shape in tensors.items():
            a = _arg(name, shape, rng)
            arrays[f"{cid}|{name}"] = a
            targs[name] = torch.tensor(a, requires_grad=name in (W, B))
        if fn == "batch_norm":  # running_mean and running_var are required arguments
            targs.setdefault(RM, None)
            targs.setdefault(RV, None)
        out = getattr(F, fn)(tx, **targs, **kwargs)
        gout = rng.standard_normal(tuple(out.shape)).astype(np.float32)
        (out * torch.tensor(gout)).sum().backward()
        arrays.update({f"{cid}|x": x, f"{cid}|gout": gout, f"{cid}|out": out.detach().numpy(),
                       f"{cid}|gx": tx.grad.numpy()})
        for name in (W, B):
            if targs.get(name) is not None:
                arrays[f"{cid}|g{name}"] = targs[name].grad.numpy()
        for name in (RM, RV):
            if targs.get(name) is not None:
                arrays[f"{cid}|after_{name}"] = targs[name].detach().numpy()
        kw = {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}
        cases.append({"id": cid, "fn": fn, "x": xs,
                      "tensors": {k: [int(s) for s in np.atleast_1d(v)] for k, v in tensors.items()},
                      "kwargs": kw, "grad_fn": out.grad_fn.name()})
    return cases


def record_modules(rng, arrays):
    modules = []
    for mid, expr, inputs in MODULES:
        torch.manual_seed(0)
        m = eval(expr, {"nn": nn})
        with torch.no_grad():  # non-trivial affine parameters, drawn from NumPy
            for name, p in m.named_parameters():
                a = rng.standard_normal(tuple(p.shape)).astype(np.float32)
                arrays[f"{mid}|init_{name}"] = a
                p.copy_(torch.tensor(a))
        grad_fn = None
        for k, shape in enumerate(inputs):
            x = rng.standard_normal(shape).astype(np.float32)
            arrays[f"{mid}|x{k}"] = x
            y = m(torch.tensor(x, requires_grad=True))
            grad_fn = y.grad_fn.name()
            arrays[f"{mid}|y{k}"] = y.detach().numpy()
            (y * y).sum().backward()
        for name, p in m.named_parameters():
            arrays[f"{mid}|grad_{name}"] = p.grad.numpy()
        buffers = {}
        for name, b in m.named_buffers():
            arrays[f"{mid}|{name}"] = b.numpy()
            buffers[name] = str(b.dtype).replace("torch.", "")
        m.eval()
        with torch.no_grad():
            arrays[f"{mid}|eval"] = m(torch.tensor(arrays[f"{mid}|x0"])).numpy()
        modules.append({"id": mid, "expr": expr, "inputs": inputs, "repr": repr(m),
                        "state_dict": list(m.state_dict().keys()), "buffers": buffers,
                        "grad_fn": grad_fn})
    return modules


def record_errors():
    errors = []
    for expr in ERRORS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(expr, {"F": F, "nn": nn, "torch": torch})
        except Exception as e:  # noqa: BLE001 - every class PyTorch raises is recorded
            errors.append({"expr": expr, "type": type(e).__name__, "message": str(e)})
        else:
            raise SystemExit(f"no error from {expr}")
    return errors


def main():
    rng = np.random.default_rng(0)
    arrays = {}
    cases = record_cases(rng, arrays)
    modules = record_modules(rng, arrays)
    meta = {"torch": torch.__version__, "cases": cases, "modules": modules,
            "errors": record_errors()}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases, {len(modules)} modules)")


if __name__ == "__main__":
    main()
