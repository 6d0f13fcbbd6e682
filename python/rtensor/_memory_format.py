"""Memory formats: the order in which a tensor's elements lie in memory.

A format is not stored on the tensor; as in PyTorch it is read from the strides
(``is_contiguous(memory_format=)``, ``suggest_memory_format``) and chosen when a copy is made
(``clone``, ``contiguous``, ``to``, the ``*_like`` factories). The rules below are c10's
(``Contiguity.h``, ``MemoryFormat.h``), including its tie-breaks for size-1 dims.
"""

from __future__ import annotations


class memory_format:
    """``rtensor.contiguous_format``, ``channels_last``, ``channels_last_3d``,
    ``preserve_format``."""

    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "rtensor." + self._name

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# Channels-last orders, innermost dim first (c10's loops run over dims in this order).
_CL_ORDER = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}


def _check(fmt):
    if fmt is None:
        return contiguous_format
    if not isinstance(fmt, memory_format):
        raise TypeError(f"memory_format must be rtensor.memory_format, not {type(fmt).__name__}")
    return fmt


def _rank(fmt, ndim):
    want = 4 if fmt is channels_last else 5
    if ndim != want:
        raise RuntimeError(f"required rank {want} tensor to use {fmt._name} format")


def contiguous_strides(shape):
    strides, acc = [0] * len(shape), 1
    for d in reversed(range(len(shape))):
        strides[d] = acc
        acc *= max(shape[d], 1)
    return strides


def format_strides(shape, fmt):
    """The strides of a tensor of ``shape`` laid out in ``fmt`` (not preserve_format)."""
    if fmt is contiguous_format:
        return contiguous_strides(shape)
    _rank(fmt, len(shape))
    strides, acc = [0] * len(shape), 1
    for d in _CL_ORDER[len(shape)]:
        strides[d] = acc
        acc *= shape[d]
    return strides


def is_contiguous_as(t, fmt):
    fmt = _check(fmt)
    if fmt is contiguous_format or fmt is preserve_format:
        return t.is_contiguous()
    order = _CL_ORDER.get(t.ndim)
    if order is None or (fmt is channels_last) != (t.ndim == 4):
        return False
    shape, strides, expected = t.shape, t.stride(), 1
    for d in order:
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def _is_channels_last_strides(shape, strides):
    """c10's ``is_channels_last_strides_{2,3}d_s{4,5}``: a best-effort reading of the layout."""
    order = _CL_ORDER.get(len(shape))
    if order is None or strides[1] == 0:
        return False
    lo = 0
    for d in order:
        if shape[d] == 0 or strides[d] < lo:
            return False
        if d == 0 and lo == strides[1]:
            return False
        lo = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def suggest_memory_format(t):
    if _is_channels_last_strides(t.shape, t.stride()):
        return channels_last if t.ndim == 4 else channels_last_3d
    return contiguous_format


def is_non_overlapping_and_dense(shape, strides):
    n = len(shape)
    if n == 1:
        return shape[0] < 2 or strides[0] == 1
    # c10 sorts the size<2 dims last and stops at the first of them.
    big = sorted((d for d in range(n) if shape[d] >= 2), key=lambda d: strides[d])
    required = 1
    for d in big:
        if strides[d] != required:
            return False
        required *= shape[d]
    return True


def preserve_strides(t):
    """``preserve_format``: a dense tensor keeps its strides, anything else takes the format
    its strides suggest."""
    shape, strides = tuple(t.shape), t.stride()
    if is_non_overlapping_and_dense(shape, strides):
        return list(strides)
    return format_strides(shape, suggest_memory_format(t))


def target_strides(t, fmt):
    fmt = _check(fmt)
    if fmt is preserve_format:
        return preserve_strides(t)
    return format_strides(tuple(t.shape), fmt)


def copy_as(t, fmt, dtype=None):
    """A copy of ``t`` (converted to ``dtype``) laid out in ``fmt``; CloneBackward0 (or
    ToCopyBackward0 when the dtype changes)."""
    strides = target_strides(t, fmt)
    if dtype is None or dtype == t.dtype:
        return t._clone_strided(strides)
    if dtype.is_complex or t.is_complex():
        # Complex conversions are compositions (NOTE [complex by composition]): convert, then
        # lay out, so that the gradient flows.
        return t._to_dtype(dtype)._clone_strided(strides)
    return t._clone_strided(strides, dtype)


def keep_layout(input, out, fmt=None):
    """The layout rule of conv, pooling, batch norm and interpolate: channels-last input (by its
    strides: ``suggest_memory_format``) gives channels-last output. ``out`` keeps its autograd
    node: only its data is swapped for a relaid-out copy (as ``out.data = ...``)."""
    fmt = suggest_memory_format(input) if fmt is None else fmt
    if fmt is contiguous_format or out is None or out.ndim != input.ndim:
        return out
    strides = format_strides(tuple(out.shape), fmt)
    if list(out.stride()) != strides:
        out._set_data(out.detach()._clone_strided(strides))
    return out
