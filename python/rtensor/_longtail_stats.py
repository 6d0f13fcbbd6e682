"""Order statistics and histograms: ``nanmedian``, ``mode``, ``histogram``, ``histogramdd``, and
the finite-difference ``gradient``.

The selections (which element is the median or the mode, which bin a value falls in) run in
NumPy on the host and raise on GPU tensors, as the other counting ops do; the selected values are
then gathered from the input with tensor ops, so they carry PyTorch's gradients (a
value-selecting reduction scatters the gradient back to the chosen index). ``gradient`` is a
composition of slices and arithmetic and runs anywhere.
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from . import _C, _out, return_types
from ._C import Tensor
from ._longtail_count import _np, _tensor
from ._longtail_shape import type_name, wrap_dim

FUNCTIONS: dict = {}
METHODS: dict = {}


def _export(method=True):
    def deco(fn):
        FUNCTIONS[fn.__name__] = fn
        if method:
            METHODS[fn.__name__] = fn
        return fn

    return deco


def _named(name, fn, *args):
    from .nn.functional import _named as named

    return named(name, fn, *args)


def _select(input, dim, keepdim, idx, node):
    """(values, indices) of a value-selecting reduction along ``dim`` whose host-computed
    ``idx`` has the reduced shape with ``dim`` kept (size 1)."""
    index = _tensor(idx, input, _C.int64)
    values = _named(node, lambda x: x.gather(dim, index) if keepdim else
                    x.gather(dim, index).squeeze(dim), input)
    return values, (index if keepdim else index.squeeze(dim))


def _select_along(input, d, keepdim, out, op, rows_index, node, cls):
    """(values, indices) of a value-selecting reduction along dim ``d`` whose per-row choice
    ``rows_index(rows)`` runs on the host over the rows (n, size) of ``input``."""
    if input.ndim == 0:
        r = (input.clone(), _tensor(np.array(0), input, _C.int64))
    else:
        x = np.moveaxis(_np(input, op), d, -1)
        idx = rows_index(x.reshape(-1, x.shape[-1]))
        r = _select(input, d, keepdim, np.expand_dims(idx.reshape(x.shape[:-1]), d), node)
    result = cls(*r)
    return result if out is None else _out.write(op, result, out)


def _reduction_dim(input, dim, op):
    d = wrap_dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    return d


# ----- nanmedian ---------------------------------------------------------------------------


def _nanmedian_index(rows):
    """Per row of ``rows`` (n, k) the index of the lower median of the non-NaN values (ATen's
    k = (count - 1) / 2, truncated); an all-NaN row gives index 0."""
    order = np.argsort(rows, axis=-1, kind="stable")  # NaN sorts last
    count = (~np.isnan(rows)).sum(axis=-1)
    k = np.maximum(count - 1, 0) // 2
    return np.take_along_axis(order, k[:, None], axis=-1)[:, 0]


@_export()
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """``torch.nanmedian``: the lower median of the values that are not NaN (NaN where every
    value is NaN); with ``dim``, (values, indices)."""
    if not input.dtype.is_floating_point and input.dtype not in (_C.int8, _C.int16, _C.int32,
                                                                 _C.int64, _C.uint8):
        raise RuntimeError(f'"nanmedian" not implemented for \'{type_name(input.dtype)}\'')
    if dim is None:
        if input.numel() == 0:
            r = _C.full([], float("nan"), input.dtype)
            return r if input.device.type == "cpu" else r.to(input.device)
        flat = input.reshape(-1)
        x = _np(flat, "nanmedian").reshape(1, -1)
        i = int(_nanmedian_index(x.astype(np.float64))[0]) if x.dtype.kind == "f" else int(
            np.argsort(x[0], kind="stable")[(x.shape[1] - 1) // 2])
        index = _tensor(np.array([i]), input, _C.int64)
        return _named("NanmedianBackward0", lambda t: t.reshape(-1).gather(0, index)[0], input)
    d = _reduction_dim(input, dim, "median")
    return _select_along(input, d, keepdim, out, "nanmedian",
                         lambda rows: _nanmedian_index(rows.astype(np.float64)),
                         "NanmedianBackward1", return_types.nanmedian)


# ----- mode ---------------------------------------------------------------------------------


def _mode_index(rows):
    """Per row the index of the last occurrence of the most frequent value (the smallest among
    ties), as ATen's CPU kernel."""
    n = rows.shape[-1]
    order = np.argsort(rows, axis=-1, kind="stable")
    idx = np.empty(rows.shape[0], np.int64)
    for r in range(rows.shape[0]):
        s = rows[r, order[r]]
        # Run boundaries of the sorted row; NaNs never compare equal, so each is its own run.
        new = np.ones(n, bool)
        new[1:] = s[1:] != s[:-1]
        starts = np.flatnonzero(new)
        lengths = np.diff(np.append(starts, n))
        best = int(np.argmax(lengths))  # first = smallest value among the longest runs
        run = order[r, starts[best]:starts[best] + lengths[best]]
        idx[r] = run.max()
    return idx


@_export()
def mode(input, dim=-1, keepdim=False, *, out=None):
    """``torch.mode``: the most frequent value along ``dim`` (the smallest of equally frequent
    ones) and the index of its last occurrence."""
    d = _reduction_dim(input, dim, "mode")
    return _select_along(input, d, keepdim, out, "mode", _mode_index, "ModeBackward0",
                         return_types.mode)


# ----- histogram / histogramdd ----------------------------------------------------------------


def _float_only(input):
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"histogramdd\" not implemented for '{type_name(input.dtype)}'")


def _edges(x, bins, lo_hi, d, ftype):
    """Bin edges of dimension ``d``: PyTorch's ``linspace`` over the range (given, or the data's
    min and max widened by 0.5 when they are equal; [0, 1] for no data)."""
    if lo_hi is not None:
        lo, hi = float(lo_hi[0]), float(lo_hi[1])
    elif x.size:
        lo, hi = float(np.min(x)), float(np.max(x))
    else:
        lo, hi = 0.0, 0.0
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} "
                           f"max {hi:g} for dimension {d}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histogramdd: dimension {d}'s range [{lo:g}, {hi:g}] is not "
                           "finite")
    if lo == hi:
        if lo_hi is None and not x.size:
            lo, hi = 0.0, 1.0
        else:
            lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1).astype(ftype)


def _histdd(input, bins, range, weight, density, op):
    _float_only(input)
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    nd = input.shape[-1]
    x = _np(input, op).reshape(-1, nd)
    ftype = x.dtype.type
    if isinstance(bins, Tensor):
        bins = [bins]
    if isinstance(bins, numbers.Integral):
        bins = [int(bins)] * nd
    bins = list(bins)
    if len(bins) != nd:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    if range is not None:
        range = [float(v) for v in range]
        if len(range) != 2 * nd:
            raise RuntimeError(f"torch.histogramdd: for a {nd}-dimensional histogram range "
                               f"should have {2 * nd} elements, but got {len(range)}")
    edges = []
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            e = _np(b, op).reshape(-1).astype(ftype)
            if e.size < 1:
                raise RuntimeError(f"torch.histogramdd: bins tensor should have at least 1 "
                                   f"element, but got {e.size} elements for dimension {d}")
        else:
            b = int(b)
            if b <= 0:
                op_name = "histogram" if op == "histogram" else "histogramdd"
                raise RuntimeError(f"torch.{op_name}(): bins must be > 0, but got {b} for "
                                   f"dimension {d}")
            e = _edges(x[:, d], b, None if range is None else range[2 * d:2 * d + 2], d, ftype)
        edges.append(e)
    w = None
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape[:-1]):
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have "
                               "the same shape as the input tensor excluding its innermost "
                               f"dimension, but got input with shape {list(input.shape)} and "
                               f"weight with shape {list(weight.shape)}")
        w = _np(weight, op).reshape(-1).astype(ftype)
    # A value in [edges[0], edges[-1]] goes to the bin whose left edge is the last one <= it; the
    # right edge of the last bin is inclusive (ATen's upper_bound search).
    keep = np.ones(x.shape[0], bool)
    pos = []
    for d, e in enumerate(edges):
        v = x[:, d]
        keep &= (v >= e[0]) & (v <= e[-1])
        p = np.searchsorted(e, v, side="right") - 1
        pos.append(np.minimum(p, e.size - 2))
    shape = [e.size - 1 for e in edges]
    hist = np.zeros(shape, ftype)
    if keep.any() and builtins.min(shape) > 0:
        np.add.at(hist, tuple(p[keep] for p in pos), 1 if w is None else w[keep])
    if density:
        total = hist.sum()
        hist = hist / total
        for d, e in enumerate(edges):
            widths = np.diff(e).astype(ftype)
            hist = hist / widths.reshape([-1 if i == d else 1 for i in builtins.range(nd)])
        hist = hist.astype(ftype)
    return (_tensor(hist, input, input.dtype),
            [_tensor(e, input, input.dtype) for e in edges])


@_export()
def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """``torch.histogram``: counts (or ``weight`` sums) of the flattened input in ``bins`` equal
    bins over ``range`` (default: the data's min and max), or between the edges of a 1-d
    ``bins`` tensor; ``density`` divides by the total and the bin widths."""
    _float_only(input)
    if range is not None and len(range) != 2:
        raise RuntimeError("torch.histogram(): range should have 2 elements")
    w = None if weight is None else weight.reshape(-1, 1)[..., 0]
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise RuntimeError("torch.histogram: if weight tensor is provided, it should have the "
                           "same shape as the input tensor")
    hist, edges = _histdd(input.reshape(-1, 1), [bins], range, w, density, "histogram")
    result = return_types.histogram(hist, edges[0])
    if out is not None:
        for o, v in zip(out, result):
            o._set_data(v)
        return return_types.histogram(*out)
    return result


@_export(method=False)
def histogramdd(input, bins=10, *, range=None, weight=None, density=False):
    """``torch.histogramdd``: the joint histogram of the rows of ``input`` (..., D): ``bins`` is an
    int, D ints, or D edge tensors; ``range`` is [min0, max0, min1, max1, ...]."""
    hist, edges = _histdd(input, bins, range, weight, density, "histogramdd")
    return return_types.histogramdd(hist, tuple(edges))


# ----- gradient -----------------------------------------------------------------------------


def _slice(t, d, start, stop=None):
    """``t[..., start:stop]`` along ``d`` (Python's negative indices)."""
    n = t.shape[d]
    start = start + n if start < 0 else start
    stop = n if stop is None else (stop + n if stop < 0 else stop)
    return t.narrow(d, start, stop - start)


@_export(method=False)
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """``torch.gradient``: second-order central differences inside, one-sided differences of
    order ``edge_order`` at the ends, along each dim in ``dim`` (all by default); ``spacing`` is
    a scalar, one scalar per dim, or one coordinate tensor per dim (ATen's formulas)."""
    if spacing is None:
        spacing = 1
    if isinstance(dim, numbers.Integral):
        dims = [dim]
    elif dim is None:
        dims = list(builtins.range(input.ndim))
    else:
        dims = list(dim)
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            if dim is None:
                raise RuntimeError(
                    "torch.gradient expected spacing to be unspecified, a scalar, or a list of "
                    f"length equal to 'self.dim() = {input.ndim}', since dim argument was not "
                    f"given, but got a list of length {len(spacing)}")
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar or a list of length "
                f"equal to 'len(dim) = {len(dims)}', but got a list of length {len(spacing)}")
        spacing = list(spacing)
    else:
        spacing = [spacing] * len(dims)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = [wrap_dim(d, input.ndim) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError("dim {} appears multiple times in the list of dims".format(
            next(d for d in dims if dims.count(d) > 1)))
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError(
                "torch.gradient expected each dimension size to be at least edge_order+1")
    out = []
    for d, h in zip(dims, spacing):
        s = lambda a, b=None, d=d: _slice(input, d, a, b)  # noqa: E731
        if isinstance(h, Tensor):
            if h.ndim != 1:
                raise RuntimeError("torch.gradient expected each tensor to be 1-D")
            if h.shape[0] != input.shape[d]:
                raise RuntimeError(
                    "torch.gradient expected each dimension size to be at least edge_order+1")
            dx = h.diff()
            shape = [-1 if i == d else 1 for i in builtins.range(input.ndim)]
            dx1, dx2 = dx[:-1], dx[1:]
            a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
            b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
            c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
            center = a * s(0, -2) + b * s(1, -1) + c * s(2)
            if edge_order == 1:
                pre = (s(1, 2) - s(0, 1)) / dx[0]
                post = (s(-1) - s(-2, -1)) / dx[-1]
            else:
                d0, d1 = dx[0], dx[1]
                pre = (-(2.0 * d0 + d1) / (d0 * (d0 + d1)) * s(0, 1)
                       + (d0 + d1) / (d0 * d1) * s(1, 2) + (-d0) / (d1 * (d0 + d1)) * s(2, 3))
                e1, e2 = dx[-1], dx[-2]
                post = (e1 / (e2 * (e1 + e2)) * s(-3, -2) - (e1 + e2) / (e1 * e2) * s(-2, -1)
                        + (2 * e1 + e2) / (e1 * (e1 + e2)) * s(-1))
        else:
            center = (s(2) - s(0, -2)) / h / 2
            if edge_order == 1:
                pre = (s(1, 2) - s(0, 1)) / h
                post = (s(-1) - s(-2, -1)) / h
            else:
                pre = (s(0, 1) * -1.5 + s(1, 2) * 2.0 - s(2, 3) * 0.5) / h
                post = (s(-3, -2) * 0.5 + s(-2, -1) * -2.0 + s(-1) * 1.5) / h
        out.append(_C.cat([pre, center, post], d))
    return tuple(out)
