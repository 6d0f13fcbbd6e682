"""Counting and searching functions whose result sizes depend on the data: ``searchsorted``,
``bucketize``, ``bincount``, ``histc``, ``unique``, ``unique_consecutive``,
``repeat_interleave``.

None of them is differentiable in PyTorch except ``repeat_interleave`` (an ``index_select``
here). The counting runs in NumPy on the host, as a GPU runtime reads back a data-dependent
size; results are moved to the input's device, with PyTorch's dtypes (int64 indices and
counts, ``out_int32``).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _C
from ._C import Tensor
from ._longtail_shape import _shape_str, cpu_only, on_device_of, type_name, wrap_dim

FUNCTIONS: dict = {}
METHODS: dict = {}


def _export(method=False, function=True):
    def deco(fn):
        if function:
            FUNCTIONS[fn.__name__] = fn
        if method:
            METHODS[fn.__name__] = fn
        return fn

    return deco


def _np(t, op):
    """The values of ``t`` as a NumPy array (bfloat16 through float32). These ops count and
    search on the host; a GPU tensor raises rather than making a silent round trip."""
    cpu_only(t, op)
    t = t.detach()
    if t.dtype == _C.bfloat16:
        t = t.to(_C.float32)
    return np.array(t)


def _tensor(arr, like, dtype):
    arr = np.array(arr, order="C")
    if arr.dtype == np.float16 or dtype == _C.bfloat16:
        t = _C.from_numpy(arr.astype(np.float32)).to(dtype)
    else:
        t = _C.from_numpy(arr).to(dtype)
    return on_device_of(t.clone(), like)


def _check_int(t, name):
    if t.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for \'{type_name(t.dtype)}\'')


@_export()
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                "torch.searchsorted(): side can only be 'left' or 'right' but got "
                f"{side}"
            )
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True"
            )
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    seq = _np(sorted_sequence, "searchsorted")
    vals = np.asarray(input) if scalar else _np(input, "searchsorted")
    if seq.ndim == 0:
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
            "dimension"
        )
    if not scalar and seq.ndim > 1 and (
            vals.ndim != seq.ndim or seq.shape[:-1] != vals.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {_shape_str(seq.shape)} and input value tensor "
            f"{_shape_str(vals.shape)}"
        )
    if scalar and seq.ndim > 1:
        raise RuntimeError(
            "torch.searchsorted(): input value can be a scalar only when boundaries tensor "
            f"dimension is 1, but we got boundaries tensor dim({seq.ndim}) and input value's "
            "dim(0) numel(1)"
        )
    order = None
    if sorter is not None:
        if sorter.dtype != _C.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but "
                               f"got {type_name(sorter.dtype)}")
        if tuple(sorter.shape) != tuple(sorted_sequence.shape):
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got "
                f"boundary tensor {_shape_str(seq.shape)}and got sorter tensor "
                f"{_shape_str(sorter.shape)}"
            )
        order = _np(sorter, "searchsorted")
        if order.size and (order.min() < 0 or order.max() >= seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    how = "right" if right else "left"
    if seq.ndim == 1:
        res = np.searchsorted(seq, vals, side=how, sorter=order)
    else:
        rows_s = seq.reshape(-1, seq.shape[-1])
        rows_v = vals.reshape(-1, vals.shape[-1])
        rows_o = None if order is None else order.reshape(-1, seq.shape[-1])
        res = np.stack([
            np.searchsorted(rows_s[i], rows_v[i], side=how,
                            sorter=None if rows_o is None else rows_o[i])
            for i in range(rows_s.shape[0])
        ]).reshape(vals.shape) if rows_s.shape[0] else np.zeros(vals.shape, np.int64)
    dtype = _C.int32 if out_int32 else _C.int64
    r = _tensor(np.asarray(res, dtype=np.int64), sorted_sequence, dtype)
    if out is not None:
        out._set_data(r)
        return out
    return r


@_export()
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    if boundaries.ndim != 1:
        raise RuntimeError(
            f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})"
        )
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


@_export(method=True)
def bincount(input, weights=None, minlength=0):
    _check_int(input, "_bincount_cpu")
    if input.dtype == _C.bool:
        raise NotImplementedError("\"_bincount_cpu\" not implemented for 'Bool'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    x = _np(input, "bincount")
    if input.ndim == 1 and x.size == 0:
        pass
    elif input.ndim != 1 or x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if weights is None:
        counts = np.bincount(x.astype(np.int64), minlength=minlength)
        return _tensor(counts.astype(np.int64), input, _C.int64)
    # ATen keeps float weights in float32; every other weight dtype sums in float64.
    dtype = _C.float32 if weights.dtype == _C.float32 else _C.float64
    w = _np(weights, "bincount").astype(np.float32 if dtype == _C.float32 else np.float64)
    counts = np.zeros(max(minlength, int(x.max()) + 1 if x.size else 0), dtype=w.dtype)
    np.add.at(counts, x.astype(np.int64), w)
    return _tensor(counts, input, dtype)


@_export(method=True)
def histc(input, bins=100, min=0, max=0, *, out=None):
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{type_name(input.dtype)}'"
        )
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    x = _np(input, "histc").reshape(-1)
    ftype = x.dtype.type
    lo, hi = float(min), float(max)
    if lo == hi and x.size > 0:
        finite = x[~np.isnan(x)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
        else:
            lo, hi = float("nan"), float("nan")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    # ATen's linear interpolation in the input's precision over the linspace edges.
    edges = np.linspace(lo, hi, bins + 1).astype(ftype)
    left, right = edges[0], edges[-1]
    keep = (x >= left) & (x <= right)
    v = x[keep]
    pos = ((v - left) * ftype(bins) / (right - left)).astype(np.int64)
    pos[pos == bins] = bins - 1
    hist = np.bincount(pos, minlength=bins).astype(x.dtype)
    r = _tensor(hist, input, input.dtype)
    if out is not None:
        out._set_data(r)
        return out
    return r


def _unique_result(values, inverse, counts, like, return_inverse, return_counts, inv_shape):
    out = [_tensor(values, like, like.dtype)]
    if return_inverse:
        out.append(_tensor(np.asarray(inverse, np.int64).reshape(inv_shape), like, _C.int64))
    if return_counts:
        out.append(_tensor(np.asarray(counts, np.int64), like, _C.int64))
    return out[0] if len(out) == 1 else tuple(out)


@_export(method=True)
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    x = _np(input, "unique")
    if dim is None:
        kw = {"equal_nan": False} if np.lib.NumpyVersion(np.__version__) >= "1.24.0" else {}
        vals, inv, cnt = np.unique(x.reshape(-1), return_inverse=True, return_counts=True, **kw)
        return _unique_result(vals, inv, cnt, input, return_inverse, return_counts,
                              tuple(input.shape))
    d = wrap_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        vals = x
        inv = np.zeros(0, np.int64)
        cnt = np.zeros(0, np.int64)
    else:
        vals, inv, cnt = np.unique(x, return_inverse=True, return_counts=True, axis=d)
    return _unique_result(vals, inv.reshape(-1), cnt, input, return_inverse, return_counts,
                          (x.shape[d] if x.ndim else 1,))


@_export(method=True)
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    x = _np(input, "unique_consecutive")
    if dim is None:
        flat = x.reshape(-1)
        if flat.size == 0:
            starts = np.zeros(0, bool)
        else:
            starts = np.concatenate([[True], flat[1:] != flat[:-1]])
        vals = flat[starts]
        inv = np.cumsum(starts) - 1
        idx = np.flatnonzero(starts)
        cnt = np.diff(np.append(idx, flat.size))
        return _unique_result(vals, inv, cnt, input, return_inverse, return_counts,
                              tuple(input.shape))
    d = wrap_dim(dim, input.ndim)
    rows = np.moveaxis(x, d, 0).reshape(x.shape[d], -1)
    n = rows.shape[0]
    starts = np.ones(n, bool)
    if n > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    keep = np.flatnonzero(starts)
    vals = np.take(x, keep, axis=d)
    inv = np.cumsum(starts) - 1
    cnt = np.diff(np.append(keep, n))
    return _unique_result(vals, inv, cnt, input, return_inverse, return_counts, (n,))


@_export(method=True)
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:
        # repeat_interleave(repeats): the indices 0..n-1, each repeated.
        reps = input
        if reps.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if reps.dtype not in (_C.int64, _C.int32):
            raise RuntimeError("repeats has to be Long or Int tensor")
        r = _np(reps, "repeat_interleave").astype(np.int64).reshape(-1)
        if r.size and r.min() < 0:
            raise RuntimeError("repeats can not be negative")
        total = sum(map(int, r))
        if total > 2**63 - 1:  # ATen's int64 cumsum wraps around
            raise RuntimeError(
                "IntArrayRef contains an int that cannot be represented as a SymInt: "
                f"{(total + 2**63) % 2**64 - 2**63}")
        return _tensor(np.repeat(np.arange(r.size, dtype=np.int64), r), input, reps.dtype)
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else wrap_dim(dim, input.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    n = x.shape[d]
    if isinstance(repeats, numbers.Integral):
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        r = np.full(n, int(repeats), dtype=np.int64)
    else:
        if repeats.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if repeats.dtype not in (_C.int64, _C.int32):
            raise RuntimeError("repeats has to be Long or Int tensor")
        r = _np(repeats, "repeat_interleave").astype(np.int64).reshape(-1)
        if r.size == 1:
            r = np.full(n, int(r[0]), dtype=np.int64)
        elif r.size != n:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{r.size} and input.size({d}) = {n}"
            )
        if r.size and r.min() < 0:
            raise RuntimeError("repeats can not be negative")
    if r.size and int(r.max()) > (2**63 - 1) // r.size and sum(map(int, r)) > 2**63 - 1:
        # np.repeat would wrap the total around (and crash the process)
        raise RuntimeError("numel: integer multiplication overflow")
    if output_size is not None and int(r.sum()) != output_size:
        raise RuntimeError("allocated size does not match required size")
    idx = _tensor(np.repeat(np.arange(n, dtype=np.int64), r), input, _C.int64)
    return x.index_select(d, idx)
