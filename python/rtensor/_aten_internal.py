"""ATen-level functions that PyTorch exposes as ``torch.<name>`` and that models, decompositions
and tests call directly: ``native_layer_norm``, ``native_group_norm``, ``native_batch_norm``,
``_native_batch_norm_legit``, ``_safe_softmax``, ``_softmax_backward_data``, ``_chunk_cat``,
``_segment_reduce``, ``_unsafe_masked_index(_put_accumulate)``, ``grid_sampler(_2d/_3d)``.

Each is a composition of the public ops, so it runs on every device and differentiates, and
returns the extra outputs ATen returns (the saved mean and reciprocal standard deviation).
"""

from __future__ import annotations

import math

FUNCTIONS: dict = {}


def _export(fn):
    FUNCTIONS[fn.__name__] = fn
    return fn


def _F():
    from .nn import functional

    return functional


def _rt():
    import rtensor

    return rtensor


@_export
def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """(out, mean, rstd); mean and rstd keep the normalised dims as size 1."""
    dims = list(range(input.ndim - len(normalized_shape), input.ndim))
    out = _F().layer_norm(input, list(normalized_shape), weight, bias, eps)
    mean = input.mean(dims, keepdim=True)
    rstd = (input.var(dims, unbiased=False, keepdim=True) + eps).rsqrt()
    return out, mean, rstd


@_export
def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """(out, mean, rstd), the statistics of shape (N, group)."""
    out = _F().group_norm(input, group, weight, bias, eps)
    g = input.reshape(N, group, -1)
    mean = g.mean(-1)
    rstd = (g.var(-1, unbiased=False) + eps).rsqrt()
    return out, mean, rstd


def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    dims = [d for d in range(input.ndim) if d != 1]
    if training:
        save_mean = input.mean(dims)
        save_invstd = (input.var(dims, unbiased=False) + eps).rsqrt()
    else:
        save_mean = input.new_zeros(0)
        save_invstd = input.new_zeros(0)
    out = _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                          eps)
    return out, save_mean, save_invstd


@_export
def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """(out, save_mean, save_invstd): the batch statistics when training (running stats
    updated in place), empty tensors otherwise."""
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


@_export
def _native_batch_norm_legit(input, weight, bias, *args):
    """``(input, weight, bias, running_mean, running_var, training, momentum, eps)`` or, with
    no running statistics, ``(input, weight, bias, training, momentum, eps)``."""
    if len(args) == 3:
        return _batch_norm(input, weight, bias, None, None, *args)
    return _batch_norm(input, weight, bias, *args)


@_export
def _safe_softmax(input, dim, dtype=None):
    """softmax, with 0 (not NaN) where every value along ``dim`` is -inf."""
    out = input.softmax(dim) if dtype is None else input.softmax(dim, dtype=dtype)
    masked = (input == -math.inf).all(dim, keepdim=True)
    return out.masked_fill(masked, 0)


@_export
def _softmax_backward_data(grad_output, output, dim, input_dtype):
    """The gradient of softmax's input from its output: y * (g - sum(g * y))."""
    r = output * (grad_output - (grad_output * output).sum(dim, keepdim=True))
    return r.to(input_dtype)


@_export
def _chunk_cat(tensors, dim, num_chunks, *, out=None):
    """Each tensor padded along ``dim`` to a multiple of ``num_chunks``, viewed as
    (leading dims..., num_chunks, -1), and the views concatenated along the last dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("_chunk_cat expects a non-empty input tensor list")
    if num_chunks < 1:
        raise RuntimeError("_chunk_cat expects positive num_chunks")
    d = dim % tensors[0].ndim
    parts = []
    for t in tensors:
        size = t.shape[d]
        pad = -(-size // num_chunks) * num_chunks - size
        if pad:
            t = _F().pad(t, [0, 0] * (t.ndim - 1 - d) + [0, pad])
        parts.append(t.reshape(*t.shape[:d], num_chunks, -1))
    r = _rt().cat(parts, d + 1)
    if out is not None:
        out._set_data(r)
        return out
    return r


@_export
def _segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0,
                    unsafe=False, initial=None):
    return _rt().segment_reduce(data, reduce, lengths=lengths, indices=indices, offsets=offsets,
                                axis=axis, unsafe=unsafe, initial=initial)


def _clamped(input, indices):
    # Out-of-range indices are allowed where the mask is False: clamp them into range first,
    # as ATen's decomposition does.
    return tuple(None if i is None else i.clamp(-input.shape[d], input.shape[d] - 1)
                 for d, i in enumerate(indices))


@_export
def _unsafe_masked_index(input, mask, indices, fill):
    """``where(mask, input[indices], fill)``."""
    return _rt().where(mask, input[_clamped(input, indices)], fill)


@_export
def _unsafe_masked_index_put_accumulate(input, mask, indices, values):
    """``input.index_put(indices, values masked to 0 where mask is False, accumulate=True)``."""
    return input.index_put(_clamped(input, indices), values.masked_fill(~mask, 0),
                           accumulate=True)


_INTERP = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def _modes(interpolation_mode, padding_mode):
    if interpolation_mode not in _INTERP:
        raise RuntimeError(f"grid_sampler(): expected interpolation_mode to be 0, 1 or 2, but "
                           f"got: {interpolation_mode}")
    if padding_mode not in _PADDING:
        raise RuntimeError(f"grid_sampler(): expected padding_mode to be 0, 1 or 2, but got: "
                           f"{padding_mode}")
    return _INTERP[interpolation_mode], _PADDING[padding_mode]


@_export
def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """``F.grid_sample`` with ATen's integer modes (0 bilinear, 1 nearest, 2 bicubic; padding 0
    zeros, 1 border, 2 reflection)."""
    mode, padding = _modes(interpolation_mode, padding_mode)
    return _F().grid_sample(input, grid, mode=mode, padding_mode=padding,
                            align_corners=align_corners)


def _grid_sampler_nd(nd):
    def f(input, grid, interpolation_mode, padding_mode, align_corners):
        if input.ndim != nd + 2:
            raise RuntimeError(f"grid_sampler(): expected {nd + 2}D input and grid with same "
                               f"number of dimensions, but got input with sizes "
                               f"{list(input.shape)} and grid with sizes {list(grid.shape)}")
        return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)

    f.__name__ = f"grid_sampler_{nd}d"
    return f


grid_sampler_2d = _export(_grid_sampler_nd(2))
grid_sampler_3d = _export(_grid_sampler_nd(3))
