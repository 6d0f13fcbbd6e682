#!/usr/bin/env python
"""Record PyTorch's memory-format behaviour for tests/test_memory_format.py (the suite never
imports torch).

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_memory_format_reference.py

It writes tests/data/memory_format_reference.json: for each source tensor (an expression over
``torch``) and each call (an expression over ``x`` and ``torch``), the result's shape and
strides, or the bool the call returns, or the error class and message. The expressions are
evaluated the same way by the test with ``torch`` bound to rtensor.
"""

import json
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "memory_format_reference.json"

SOURCES = [
    "torch.arange(120.).reshape(2, 3, 4, 5)",
    "torch.arange(120.).reshape(2, 4, 5, 3).permute(0, 3, 1, 2)",
    "torch.arange(120.).reshape(2, 3, 4, 5).permute(0, 2, 3, 1)",
    "torch.arange(240.).reshape(2, 3, 8, 5)[:, :, ::2]",
    "torch.arange(240.).reshape(2, 8, 5, 3).permute(0, 3, 1, 2)[:, :, ::2]",
    "torch.arange(10.).reshape(2, 1, 1, 5)",
    "torch.arange(6.).reshape(2, 3, 1, 1)",
    "torch.arange(20.).reshape(1, 1, 4, 5)",
    "torch.zeros(0, 3, 4, 5)",
    "torch.arange(360.).reshape(2, 3, 4, 5, 3)",
    "torch.arange(360.).reshape(2, 4, 5, 3, 3).permute(0, 4, 1, 2, 3)",
    "torch.arange(24.).reshape(2, 3, 4)",
    "torch.arange(24.).reshape(2, 3, 4).transpose(1, 2)",
    "torch.arange(6.).reshape(2, 3).expand(4, 2, 3)",
    "torch.arange(30.).reshape(5, 6).t()",
]

FORMATS = ["torch.contiguous_format", "torch.channels_last", "torch.channels_last_3d",
           "torch.preserve_format"]

CALLS = []
for f in FORMATS:
    CALLS += [
        f"x.is_contiguous(memory_format={f})",
        f"x.contiguous(memory_format={f})",
        f"x.clone(memory_format={f})",
        f"torch.clone(x, memory_format={f})",
        f"x.to(memory_format={f})",
        f"x.to(torch.float64, memory_format={f})",
        f"x.double(memory_format={f})",
        f"torch.empty_like(x, memory_format={f})",
        f"torch.zeros_like(x, memory_format={f})",
        f"torch.ones_like(x, memory_format={f})",
        f"torch.full_like(x, 2.0, memory_format={f})",
        f"torch.rand_like(x, memory_format={f})",
    ]
CALLS += [
    "x.is_contiguous()",
    "x.contiguous()",
    "x.clone()",
    "x.to(torch.float64)",
    "torch.empty_like(x)",
    "torch.randn_like(x)",
]

# Layouts of the spatial layers' outputs on channels-last and contiguous input. (Elementwise ops
# are left out: PyTorch's give a channels-last result for a channels-last input, rtensor's are
# contiguous.)
LAYER_CALLS = [
    "F.conv2d(x, torch.ones(4, 3, 3, 3))",
    "F.conv2d(x, torch.ones(4, 3, 1, 1))",
    "F.conv2d(x.contiguous(), torch.ones(4, 3, 3, 3).contiguous(memory_format=torch.channels_last))",
    "F.max_pool2d(x, 2)",
    "F.avg_pool2d(x, 2)",
    "F.adaptive_avg_pool2d(x, 1)",
    "F.batch_norm(x, None, None, training=True)",
    "F.interpolate(x, scale_factor=2)",
]
LAYER_SOURCES = [
    "torch.arange(2 * 3 * 6 * 8.).reshape(2, 3, 6, 8).contiguous(memory_format=torch.channels_last)",
    "torch.arange(2 * 3 * 6 * 8.).reshape(2, 3, 6, 8)",
]


def describe(value):
    if isinstance(value, torch.Tensor):
        return {"shape": list(value.shape), "stride": list(value.stride())}
    return {"value": value}


def record(sources, calls):
    rows = []
    for src in sources:
        for call in calls:
            env = {"torch": torch, "F": F, "x": eval(src)}
            try:
                res = describe(eval(call, env))
            except Exception as e:  # noqa: BLE001 - every error is data here
                res = {"error": type(e).__name__, "message": str(e).split("\n")[0]}
            rows.append({"source": src, "call": call, **res})
    return rows


def main():
    torch.manual_seed(0)
    meta = {
        "torch": torch.__version__,
        "reprs": {f: repr(eval(f)) for f in FORMATS},
        "tensors": record(SOURCES, CALLS),
        "layers": record(LAYER_SOURCES, LAYER_CALLS),
    }
    OUT.write_text(json.dumps(meta, indent=0) + "\n")
    print(f"wrote {OUT} ({len(meta['tensors'])} + {len(meta['layers'])} rows)")


if __name__ == "__main__":
    main()
