#!/usr/bin/env python
"""Record PyTorch's pooling for tests/test_nn_pool.py (the suite never imports torch).

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_pool_reference.py

It writes tests/data/pool_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": [...], "modules": [...], "errors":
  [...]}``. A case is ``{"id", "fn" (an ``F`` function), "x" (shape), "dtype", "kwargs",
  "unpool" (for ``max_unpool*``: the ``max_pool`` kwargs that made its input, else null),
  "seed" (set with ``manual_seed`` before the call, for seeded fractional pooling, else null),
  "grad_fn", "grad_grad_fn" (the input gradient's under ``create_graph=True``), "indices"
  (whether the call returned indices)}``; a module is ``{"expr",
  "repr"}``; an error is ``{"expr", "type", "message"}`` (``expr`` uses ``F``, ``nn`` and
  ``torch``).
- ``"<id>|x"``, ``"<id>|gout"``: the input (distinct values, so that every max is unique) and
  the output gradient; ``"<id>|out"``, ``"<id>|idx"``, ``"<id>|gx"``: the output, the indices
  and the gradient of ``(out * gout).sum()``; for unpooling ``"<id>|idx"`` is the input
  indices. ``"<id>|samples"`` holds given ``_random_samples``.
"""

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "pool_reference.npz"

# (id, fn, input shape, kwargs[, extra]) ; extra: {"unpool": pool kwargs} / {"seed": s} /
# {"samples": shape} / {"dtype": "float64"} / {"positive": True}
CASES = [
    ("mp1_basic", "max_pool1d", (2, 3, 10), {"kernel_size": 3}),
    ("mp1_stride_pad", "max_pool1d", (2, 3, 11), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("mp1_dil_ceil", "max_pool1d", (2, 2, 12),
     {"kernel_size": 2, "stride": 3, "dilation": 2, "ceil_mode": True}),
    ("mp1_indices", "max_pool1d", (2, 3, 9), {"kernel_size": 2, "return_indices": True}),
    ("mp1_unbatched", "max_pool1d", (3, 9), {"kernel_size": 2, "stride": 1, "padding": 1}),
    ("mp2_basic", "max_pool2d", (2, 3, 8, 7), {"kernel_size": 2}),
    ("mp2_ceil", "max_pool2d", (2, 3, 9, 9),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("mp2_mixed", "max_pool2d", (2, 2, 9, 8),
     {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0), "dilation": (2, 1),
      "return_indices": True}),
    ("mp2_ceil_edge", "max_pool2d", (1, 2, 6, 6),
     {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True, "return_indices": True}),
    ("mp2_unbatched", "max_pool2d", (3, 7, 6),
     {"kernel_size": 3, "stride": 2, "ceil_mode": True, "return_indices": True}),
    ("mp2_f64", "max_pool2d", (2, 2, 6, 6), {"kernel_size": 2, "stride": 1}, {"dtype": "float64"}),
    ("mp3_basic", "max_pool3d", (2, 2, 5, 6, 5), {"kernel_size": 2}),
    ("mp3_ceil", "max_pool3d", (1, 2, 7, 6, 7),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "return_indices": True}),
    ("mp3_dil", "max_pool3d", (1, 2, 7, 6, 5),
     {"kernel_size": (2, 3, 2), "dilation": (2, 1, 1), "stride": 1, "return_indices": True}),
    ("mp3_unbatched", "max_pool3d", (2, 5, 5, 5), {"kernel_size": 2, "stride": 1}),
    ("ap1_basic", "avg_pool1d", (2, 3, 10), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("ap1_ceil_nopad", "avg_pool1d", (2, 3, 10),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
      "count_include_pad": False}),
    ("ap1_unbatched", "avg_pool1d", (3, 8), {"kernel_size": 2}),
    ("ap2_basic", "avg_pool2d", (2, 3, 8, 7), {"kernel_size": 2}),
    ("ap2_ceil_nopad", "avg_pool2d", (2, 2, 9, 8),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
      "count_include_pad": False}),
    ("ap2_ceil_pad", "avg_pool2d", (2, 2, 9, 8),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("ap2_divisor", "avg_pool2d", (2, 2, 7, 7),
     {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1), "divisor_override": 3}),
    ("ap2_unbatched", "avg_pool2d", (3, 6, 5), {"kernel_size": 2, "stride": 1}),
    ("ap3_basic", "avg_pool3d", (2, 2, 4, 6, 5), {"kernel_size": 2}),
    ("ap3_ceil", "avg_pool3d", (1, 2, 7, 6, 7),
     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
      "count_include_pad": False}),
    ("ap3_divisor", "avg_pool3d", (1, 2, 5, 5, 5),
     {"kernel_size": 2, "stride": (1, 2, 1), "padding": 1, "divisor_override": 5}),
    ("aap1", "adaptive_avg_pool1d", (2, 3, 10), {"output_size": 4}),
    ("aap1_one", "adaptive_avg_pool1d", (2, 3, 10), {"output_size": 1}),
    ("aap2", "adaptive_avg_pool2d", (2, 3, 8, 7), {"output_size": (5, 3)}),
    ("aap2_none", "adaptive_avg_pool2d", (2, 3, 8, 7), {"output_size": (None, 4)}),
    ("aap2_one", "adaptive_avg_pool2d", (2, 3, 8, 7), {"output_size": 1}),
    ("aap2_up", "adaptive_avg_pool2d", (3, 4, 5), {"output_size": (6, 7)}),
    ("aap3", "adaptive_avg_pool3d", (1, 2, 5, 6, 7), {"output_size": (2, 3, 4)}),
    ("aap3_one", "adaptive_avg_pool3d", (1, 2, 5, 6, 7), {"output_size": 1}),
    ("aap3_none", "adaptive_avg_pool3d", (2, 5, 6, 7), {"output_size": (None, 2, None)}),
    ("amp1", "adaptive_max_pool1d", (2, 3, 10), {"output_size": 4, "return_indices": True}),
    ("amp1_one", "adaptive_max_pool1d", (2, 3, 10), {"output_size": 1}),
    ("amp2", "adaptive_max_pool2d", (2, 3, 8, 7), {"output_size": (5, 3), "return_indices": True}),
    ("amp2_none", "adaptive_max_pool2d", (3, 8, 7), {"output_size": (None, 2)}),
    ("amp2_one", "adaptive_max_pool2d", (2, 3, 8, 7), {"output_size": 1}),
    ("amp3", "adaptive_max_pool3d", (1, 2, 5, 6, 7),
     {"output_size": (2, 3, 4), "return_indices": True}),
    ("amp3_up", "adaptive_max_pool3d", (2, 3, 2, 4), {"output_size": (4, 3, 5)}),
    ("lp1", "lp_pool1d", (2, 3, 10), {"norm_type": 2, "kernel_size": 3, "stride": 2}),
    ("lp1_ceil", "lp_pool1d", (2, 3, 10), {"norm_type": 3, "kernel_size": 3, "ceil_mode": True}),
    ("lp2", "lp_pool2d", (2, 3, 8, 7), {"norm_type": 2, "kernel_size": 2}),
    ("lp2_frac", "lp_pool2d", (2, 3, 8, 7),
     {"norm_type": 1.5, "kernel_size": (3, 2), "stride": (2, 1)}, {"positive": True}),
    ("lp2_inf", "lp_pool2d", (2, 3, 8, 7), {"norm_type": float("inf"), "kernel_size": 2}),
    ("lp3", "lp_pool3d", (1, 2, 5, 6, 5), {"norm_type": 2, "kernel_size": 2, "ceil_mode": True}),
    ("fmp2_samples", "fractional_max_pool2d", (2, 3, 11, 9),
     {"kernel_size": 2, "output_size": (5, 4), "return_indices": True}, {"samples": (2, 3, 2)}),
    ("fmp2_ratio", "fractional_max_pool2d", (2, 3, 12, 10),
     {"kernel_size": (3, 2), "output_ratio": (0.5, 0.7)}, {"samples": (2, 3, 2)}),
    ("fmp2_seeded", "fractional_max_pool2d", (2, 3, 13, 11),
     {"kernel_size": 3, "output_size": (6, 5), "return_indices": True}, {"seed": 7}),
    ("fmp2_seeded_f64", "fractional_max_pool2d", (2, 2, 10, 10),
     {"kernel_size": 2, "output_ratio": (0.6, 0.6)}, {"seed": 3, "dtype": "float64"}),
    ("fmp2_unbatched", "fractional_max_pool2d", (3, 9, 9),
     {"kernel_size": 2, "output_size": 4, "return_indices": True}, {"seed": 11}),
    ("fmp3_samples", "fractional_max_pool3d", (1, 2, 7, 8, 9),
     {"kernel_size": 2, "output_size": (3, 4, 5), "return_indices": True},
     {"samples": (1, 2, 3)}),
    ("fmp3_seeded", "fractional_max_pool3d", (2, 2, 7, 7, 7),
     {"kernel_size": (2, 3, 2), "output_size": (4, 3, 5)}, {"seed": 5}),
    ("unp1", "max_unpool1d", (2, 3, 10), {"kernel_size": 2},
     {"unpool": {"kernel_size": 2}}),
    ("unp1_size", "max_unpool1d", (2, 3, 11), {"kernel_size": 3, "stride": 2, "output_size": [12]},
     {"unpool": {"kernel_size": 3, "stride": 2}}),
    ("unp2", "max_unpool2d", (2, 3, 8, 6), {"kernel_size": 2},
     {"unpool": {"kernel_size": 2}}),
    ("unp2_pad_size", "max_unpool2d", (1, 2, 9, 9),
     {"kernel_size": 3, "stride": 2, "padding": 1, "output_size": (1, 2, 10, 9)},
     {"unpool": {"kernel_size": 3, "stride": 2, "padding": 1}}),
    ("unp2_unbatched", "max_unpool2d", (3, 6, 6), {"kernel_size": 2, "stride": 2},
     {"unpool": {"kernel_size": 2}}),
    ("unp3", "max_unpool3d", (1, 2, 4, 6, 4), {"kernel_size": 2},
     {"unpool": {"kernel_size": 2}}),
]

MODULES = [
    "nn.MaxPool1d(3)",
    "nn.MaxPool2d(2)",
    "nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=2, return_indices=True, "
    "ceil_mode=True)",
    "nn.MaxPool3d(3, stride=2)",
    "nn.MaxUnpool1d(2)",
    "nn.MaxUnpool2d(3, stride=2, padding=1)",
    "nn.MaxUnpool3d((2, 3, 2))",
    "nn.AvgPool1d(3, stride=2)",
    "nn.AvgPool2d(2)",
    "nn.AvgPool2d((3, 2), stride=1, padding=1, ceil_mode=True, count_include_pad=False, "
    "divisor_override=2)",
    "nn.AvgPool3d(2, stride=(1, 2, 1))",
    "nn.FractionalMaxPool2d(3, output_size=5)",
    "nn.FractionalMaxPool3d(2, output_ratio=0.5)",
    "nn.LPPool1d(2, 3)",
    "nn.LPPool2d(1.5, (3, 2), stride=2, ceil_mode=True)",
    "nn.LPPool3d(2, 2)",
    "nn.AdaptiveMaxPool1d(3)",
    "nn.AdaptiveMaxPool2d((None, 4), return_indices=True)",
    "nn.AdaptiveMaxPool3d(2)",
    "nn.AdaptiveAvgPool1d(5)",
    "nn.AdaptiveAvgPool2d((5, 7))",
    "nn.AdaptiveAvgPool3d((2, None, 3))",
    "nn.Sequential(nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1))",
]

X1 = "torch.zeros(2, 3, 8)"
X2 = "torch.zeros(2, 3, 8, 8)"
X3 = "torch.zeros(2, 3, 6, 6, 6)"
ERRORS = [
    f"F.max_pool1d({X1}, 2, padding=2)",
    f"F.max_pool1d({X1}, 2, stride=0)",
    f"F.max_pool1d({X1}, 0)",
    f"F.max_pool1d({X1}, 2, dilation=0)",
    f"F.max_pool1d({X1}, 9)",
    f"F.max_pool1d({X1}, 2, padding=-1)",
    f"F.max_pool1d({X2}, 2)",
    f"F.max_pool1d({X1}, 2, padding=2, return_indices=True)",
    f"F.max_pool1d({X1}, 9, return_indices=True)",
    f"F.max_pool1d({X1}, (2, 2), return_indices=True)",
    f"F.max_pool1d({X2}, 2, return_indices=True)",
    f"F.max_pool2d({X2}, 2, padding=2)",
    f"F.max_pool2d({X2}, 3, padding=2, dilation=2)",
    f"F.max_pool2d({X2}, 2, stride=0)",
    f"F.max_pool2d({X2}, 0)",
    f"F.max_pool2d({X2}, 2, dilation=0)",
    f"F.max_pool2d({X2}, 9)",
    f"F.max_pool2d({X2}, 2, padding=-1)",
    "F.max_pool2d(torch.zeros(8), 2)",
    f"F.max_pool2d({X3}, 2)",
    f"F.max_pool2d({X2}, (2, 2, 2))",
    f"F.max_pool2d({X2}, 2, stride=(1, 1, 1))",
    f"F.max_pool2d({X2}, 2, padding=(1, 1, 1))",
    f"F.max_pool2d({X2}, 2, dilation=(1, 1, 1))",
    "F.max_pool2d(torch.zeros(2, 0, 4, 4), 2)",
    f"F.max_pool3d({X3}, 2, padding=2)",
    f"F.max_pool3d({X3}, 2, stride=0)",
    f"F.max_pool3d({X3}, 0)",
    f"F.max_pool3d({X3}, 2, dilation=0)",
    f"F.max_pool3d({X3}, 7)",
    f"F.max_pool3d({X2}.flatten(0, 1), 9)",
    f"F.max_pool3d({X1}, 2)",
    f"F.max_pool3d({X3}, (2, 2))",
    f"F.avg_pool1d({X1}, 2, padding=2)",
    f"F.avg_pool1d({X1}, 2, stride=0)",
    f"F.avg_pool1d({X1}, 9)",
    f"F.avg_pool1d({X2}, 2)",
    f"F.avg_pool1d({X1}, (2, 2))",
    f"F.avg_pool2d({X2}, 2, padding=2)",
    f"F.avg_pool2d({X2}, 2, stride=0)",
    f"F.avg_pool2d({X2}, 2, divisor_override=0)",
    f"F.avg_pool2d({X2}, 9)",
    f"F.avg_pool2d({X2}, 0)",
    f"F.avg_pool2d({X2}, (2, 2, 2))",
    f"F.avg_pool2d({X2}, 2, padding=-1)",
    f"F.avg_pool3d({X3}, 2, padding=2)",
    f"F.avg_pool3d({X3}, 2, stride=0)",
    f"F.avg_pool3d({X3}, 2, divisor_override=0)",
    f"F.avg_pool3d({X3}, 7)",
    f"F.avg_pool3d({X3}, (2, 2))",
    f"F.adaptive_avg_pool1d({X2}, 2)",
    f"F.adaptive_avg_pool1d({X1}, (2, 2))",
    f"F.adaptive_avg_pool2d({X2}, -1)",
    f"F.adaptive_avg_pool2d({X2}, (1, 2, 3))",
    "F.adaptive_avg_pool2d(torch.zeros(2, 3, 0, 4), 2)",
    f"F.adaptive_avg_pool2d({X3}, 2)",
    "F.adaptive_avg_pool2d(torch.zeros(4), (None, 2))",
    f"F.adaptive_avg_pool3d({X3}, -2)",
    f"F.adaptive_avg_pool3d({X1}, 2)",
    f"F.adaptive_max_pool1d({X2}, 2)",
    "F.adaptive_max_pool1d(torch.zeros(2, 0, 4), 2)",
    f"F.adaptive_max_pool2d({X2}, -1)",
    f"F.adaptive_max_pool2d({X3}, 2)",
    "F.adaptive_max_pool2d(torch.zeros(2, 3, 0, 4), 2)",
    f"F.adaptive_max_pool3d({X1}, 2)",
    f"F.fractional_max_pool2d({X2}, 5, output_size=5)",
    f"F.fractional_max_pool2d({X2}, 2)",
    f"F.fractional_max_pool2d({X2}, 2, output_size=4, _random_samples=torch.rand(1, 3, 2))",
    f"F.fractional_max_pool2d({X2}, 2, output_size=4, _random_samples=torch.rand(2, 2, 2))",
    f"F.fractional_max_pool2d({X2}, 2, output_ratio=(0.5, 0.5, 0.5))",
    f"F.fractional_max_pool3d({X3}, 4, output_size=4)",
    f"F.fractional_max_pool3d({X3}, 2)",
    "nn.FractionalMaxPool2d(2)",
    "nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5)",
    "nn.FractionalMaxPool2d(2, output_ratio=1.5)",
    "nn.FractionalMaxPool3d(0, output_size=2)",
    "F.max_unpool2d(torch.ones(1, 1, 2, 2), torch.full((1, 1, 2, 2), 100), 2)",
    "F.max_unpool2d(torch.ones(1, 1, 2, 2), torch.full((1, 1, 2, 2), -1), 2)",
    "F.max_unpool2d(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2, dtype=torch.long), 2, "
    "output_size=(9, 9))",
    "F.max_unpool2d(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 3, dtype=torch.long), 2)",
    "F.max_unpool2d(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2, dtype=torch.int32), 2)",
    "F.max_unpool2d(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2, dtype=torch.long), 2, "
    "output_size=(4,))",
    "F.max_unpool3d(torch.ones(1, 1, 2, 2, 2), torch.full((1, 1, 2, 2, 2), 100), 2)",
    "F.max_unpool1d(torch.ones(1, 1, 2), torch.full((1, 1, 2), 100), 2)",
    "F.lp_pool2d(torch.zeros(2, 3, 8, 8), 2, 0)",
]


def _input(rng, shape, dtype, positive=False):
    """Distinct values (a shuffled grid with a small jitter) so that no window has a tie."""
    n = int(np.prod(shape))
    v = (rng.permutation(n).astype(np.float64) - n / 2) / max(n, 1) * 4.0
    if positive:
        v = v - v.min() + 0.5
    return v.reshape(shape).astype(dtype)


def main():
    rng = np.random.default_rng(0)
    arrays = {}
    cases = []
    for case in CASES:
        cid, fn, shape, kwargs = case[:4]
        extra = case[4] if len(case) > 4 else {}
        dtype = extra.get("dtype", "float32")
        x = _input(rng, shape, dtype, extra.get("positive", False))
        arrays[f"{cid}|x"] = x
        kw = dict(kwargs)
        xt = torch.tensor(x, requires_grad=True)
        if "unpool" in extra:
            nd = int(fn[-2])
            pooled, idx = getattr(F, f"max_pool{nd}d")(
                torch.tensor(x), return_indices=True, **extra["unpool"])
            arrays[f"{cid}|x"] = pooled.numpy()
            arrays[f"{cid}|idx"] = idx.numpy()
            xt = pooled.clone().requires_grad_(True)
            res = getattr(F, fn)(xt, idx, **kw)
        else:
            if "samples" in extra:
                s = torch.tensor(rng.random(extra["samples"]).astype(dtype))
                arrays[f"{cid}|samples"] = s.numpy()
                kw["_random_samples"] = s
            if "seed" in extra:
                torch.manual_seed(extra["seed"])
            res = getattr(F, fn)(xt, **kw)
        out, idx = res if isinstance(res, tuple) else (res, None)
        gout = rng.standard_normal(tuple(out.shape)).astype(dtype)
        (gg,) = torch.autograd.grad(out, xt, torch.tensor(gout), create_graph=True)
        (out * torch.tensor(gout)).sum().backward()
        arrays[f"{cid}|gout"] = gout
        arrays[f"{cid}|out"] = out.detach().numpy()
        arrays[f"{cid}|gx"] = xt.grad.numpy()
        if idx is not None:
            arrays[f"{cid}|idx"] = idx.numpy()
        cases.append({
            "id": cid, "fn": fn, "x": list(shape), "dtype": dtype,
            "kwargs": {k: (v if v != float("inf") else "inf") for k, v in kwargs.items()},
            "unpool": extra.get("unpool"), "seed": extra.get("seed"),
            "grad_fn": type(out.grad_fn).__name__, "indices": idx is not None,
            "grad_grad_fn": type(gg.grad_fn).__name__ if gg.grad_fn is not None else None,
        })
    modules = [{"expr": e, "repr": repr(eval(e, {"nn": nn}))} for e in MODULES]
    errors = []
    for e in ERRORS:
        try:
            eval(e, {"F": F, "nn": nn, "torch": torch})
        except Exception as exc:  # noqa: BLE001 - recording whatever PyTorch raises
            errors.append({"expr": e, "type": type(exc).__name__, "message": str(exc)})
        else:
            raise SystemExit(f"no error from {e}")
    meta = {"torch": torch.__version__, "cases": cases, "modules": modules, "errors": errors}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT}: {len(cases)} cases, {len(modules)} modules, {len(errors)} errors")


if __name__ == "__main__":
    main()
