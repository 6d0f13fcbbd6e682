#!/usr/bin/env python
"""Run PyTorch's own OpInfo samples through rtensor and report, per op, how many forward and
backward samples agree with PyTorch (float32, CPU). A measuring tool, not a test: it imports
torch (and torch's internal test database, which needs the ``expecttest`` package).

    PYTHONPATH=python /work/venv-torch/bin/python scripts/opinfo_check.py [--ops REGEX] [-v]

Each sample's tensors are copied into rtensor through NumPy; random ops are seeded alike in both
libraries just before the call. Forward outputs must match to rtol 1e-4 / atol 1e-5 (integers
exactly); backward compares the gradients of ``(out * cotangent).sum()`` for every input that
requires grad. Ops whose rtensor function does not exist count as "missing".
"""

import argparse
import re
import sys
import traceback

import numpy as np
import rtensor
import rtensor.nn.functional  # noqa: F401
import torch
from torch.testing._internal.common_methods_invocations import op_db

DEFAULT_OPS = (r"^nn\.functional\.(conv|conv_transpose|avg_pool|max_pool|max_unpool|"
               r"adaptive_|lp_pool|fractional_max_pool|batch_norm|instance_norm|group_norm|"
               r"layer_norm|rms_norm|local_response_norm|normalize|interpolate|upsample|"
               r"grid_sample|affine_grid|pixel_|channel_shuffle|unfold|fold|pad|pdist|"
               r"cosine_similarity|pairwise_distance)")

DTYPES = {getattr(torch, n): getattr(rtensor, n) for n in (
    "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8",
    "bool")}


class Unsupported(Exception):
    pass


def to_rt(v, grads):
    if isinstance(v, torch.Tensor):
        if v.dtype not in DTYPES:
            raise Unsupported(f"dtype {v.dtype}")
        t = rtensor.tensor(v.detach().numpy(), dtype=DTYPES[v.dtype])
        if v.requires_grad:
            t.requires_grad_(True)
            grads.append((v, t))
        return t
    if isinstance(v, torch.dtype):
        if v not in DTYPES:
            raise Unsupported(f"dtype {v}")
        return DTYPES[v]
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, (list, tuple)):
        return type(v)(to_rt(x, grads) for x in v) if not hasattr(v, "_fields") else v
    if isinstance(v, dict):
        return {k: to_rt(x, grads) for k, x in v.items()}
    if isinstance(v, torch.device):
        return "cpu"
    return v


def resolve(name):
    obj = rtensor
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def compare(a, b, path="out"):
    if isinstance(a, torch.Tensor):
        if not isinstance(b, rtensor.Tensor):
            return f"{path}: rtensor gave {type(b).__name__}"
        if tuple(a.shape) != tuple(b.shape):
            return f"{path}: shape {tuple(b.shape)} != {tuple(a.shape)}"
        x, y = a.detach().double().numpy(), b.detach().double().numpy()
        if a.dtype.is_floating_point:
            if not np.allclose(y, x, rtol=1e-4, atol=1e-5, equal_nan=True):
                return f"{path}: max |diff| {np.nanmax(np.abs(y - x))}"
        elif not np.array_equal(x, y):
            return f"{path}: values differ"
        return None
    if isinstance(a, (tuple, list)):
        if not isinstance(b, (tuple, list)) or len(a) != len(b):
            return f"{path}: structure differs"
        for i, (x, y) in enumerate(zip(a, b)):
            r = compare(x, y, f"{path}[{i}]")
            if r:
                return r
        return None
    if a != b:
        return f"{path}: {b!r} != {a!r}"
    return None


def first_tensor(v):
    if isinstance(v, (torch.Tensor, rtensor.Tensor)):
        return v
    if isinstance(v, (tuple, list)) and v:
        return first_tensor(v[0])
    return None


def check_op(op, verbose):
    fn = resolve(op.name)
    if fn is None:
        return {"missing": True}
    stats = {"samples": 0, "fwd": 0, "bwd": 0, "bwd_total": 0, "errors": []}
    samples = list(op.sample_inputs("cpu", torch.float32, requires_grad=op.supports_autograd))
    # OpInfo wraps random ops in `wrapper_set_seed`, which seeds torch with 42 inside the call.
    code = getattr(getattr(op.op, "__code__", None), "co_names", ())
    seed = 42 if "wrapper_set_seed" in code else 0
    for s in samples:
        stats["samples"] += 1
        grads = []
        try:
            args = to_rt([s.input, *s.args], grads)
            kwargs = to_rt(dict(s.kwargs), grads)
        except Unsupported as e:
            stats["errors"].append(f"input: {e}")
            continue
        torch.manual_seed(0)
        want = op(s.input, *s.args, **s.kwargs)
        rtensor.manual_seed(seed)
        try:
            got = fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - every failure is data here
            stats["errors"].append(f"{type(e).__name__}: {str(e).splitlines()[0][:160]}")
            if verbose:
                traceback.print_exc()
            continue
        diff = compare(want, got)
        if diff:
            stats["errors"].append(diff)
            continue
        stats["fwd"] += 1
        tw, tg = first_tensor(want), first_tensor(got)
        if not grads or tw is None or not tw.requires_grad or not tw.dtype.is_floating_point:
            continue
        stats["bwd_total"] += 1
        cot = np.random.default_rng(0).standard_normal(tuple(tw.shape)).astype(np.float32)
        ins = [v for v, _ in grads]
        gw = torch.autograd.grad((tw * torch.from_numpy(cot)).sum(), ins, allow_unused=True)
        try:
            gg = rtensor.autograd.grad((tg * rtensor.tensor(cot)).sum(), [t for _, t in grads],
                                       allow_unused=True)
        except Exception as e:  # noqa: BLE001
            stats["errors"].append(f"backward {type(e).__name__}: {str(e).splitlines()[0][:160]}")
            continue
        bad = None
        for i, (a, b) in enumerate(zip(gw, gg)):
            if a is None and b is None:
                continue
            if (a is None) != (b is None):
                bad = f"grad[{i}]: one side is None"
                break
            bad = compare(a, b, f"grad[{i}]")
            if bad:
                break
        if bad:
            stats["errors"].append(bad)
        else:
            stats["bwd"] += 1
    return stats


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", default=DEFAULT_OPS, help="regex over OpInfo names")
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)
    pat = re.compile(a.ops)
    tot = {"ops": 0, "missing": 0, "samples": 0, "fwd": 0, "bwd": 0, "bwd_total": 0}
    for op in op_db:
        full = op.name + (f".{op.variant_test_name}" if op.variant_test_name else "")
        if not pat.search(full):
            continue
        tot["ops"] += 1
        st = check_op(op, a.verbose)
        if st.get("missing"):
            tot["missing"] += 1
            print(f"{full:45s} missing in rtensor")
            continue
        for k in ("samples", "fwd", "bwd", "bwd_total"):
            tot[k] += st[k]
        line = (f"{full:45s} fwd {st['fwd']:3d}/{st['samples']:<3d} "
                f"bwd {st['bwd']:3d}/{st['bwd_total']:<3d}")
        if st["errors"]:
            line += f"  first failure: {st['errors'][0]}"
        print(line)
    print(f"\n{tot['ops']} ops ({tot['missing']} missing); forward {tot['fwd']}/{tot['samples']} "
          f"samples agree, backward {tot['bwd']}/{tot['bwd_total']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
