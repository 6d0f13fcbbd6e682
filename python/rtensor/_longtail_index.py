"""The long tail of indexing: ``scatter_reduce``, ``index_reduce``, ``index_put``, ``put``,
``masked_scatter``, the ``*_scatter`` functions (``diagonal_scatter``, ``select_scatter``,
``slice_scatter``, ``as_strided_scatter``) and the ``*_copy`` variants of the view ops.

``scatter_reduce`` and ``index_reduce`` run one native kernel (``_C._scatter_reduce``, host
only: a GPU tensor raises naming the op) and record PyTorch's node (``ScatterReduceBackward0``,
``IndexReduceBackward0``) whose backward is PyTorch's formula written with differentiable ops.
The others are compositions of differentiable native ops (``index_add``, ``t[...] = v``, views,
``clone``) recorded under PyTorch's node names, so autograd and devices follow those ops.
"""

from __future__ import annotations

import builtins

from . import _C
from ._C import Tensor
from ._longtail_shape import _inplace, _shape_str, infer_size, type_name, wrap_dim
from ._out import writes_out

FUNCTIONS: dict = {}
METHODS: dict = {}


def _export(method=False, function=True, name=None):
    def deco(fn):
        n = name or fn.__name__
        if function:
            FUNCTIONS[n] = fn
        if method:
            METHODS[n] = fn
        return fn

    return deco


def _rt():
    import rtensor

    return rtensor


def _nf():
    from .nn import functional

    return functional


def _named(name, fn, *args):
    return _nf()._named(name, fn, *args)


def _node(name, inputs, out, backward):
    return _nf()._node(name, inputs, out, backward)


# --- scatter_reduce / index_reduce ------------------------------------------------------------

def _reduce_backward(g, x, dim, index, src, reduce, include_self, result, native):
    """PyTorch's ``scatter_reduce_backward`` (torch/csrc/autograd/FunctionsManual.cpp), with
    ``native(x, src)`` re-running the forward for the product's exclusive products."""
    if reduce == "sum":
        gx, gs = g, g.gather(dim, index)
    elif reduce == "prod":
        masked_self = x.masked_fill(x == 0, 1)
        gx = g * native(masked_self, src) / masked_self
        src_zero = src == 0
        nz = g.new_zeros(tuple(g.shape)).scatter_add(dim, index, src_zero.to(g.dtype)).gather(dim, index)
        single = src_zero & (nz == 1)
        masked_src_result = native(x, src.masked_fill(single, 1))
        gs = _rt().where(
            single,
            (g * masked_src_result).gather(dim, index),
            (g * result).gather(dim, index) / src.masked_fill(src_zero, 1),
        )
    elif reduce == "mean":
        ones = g.new_ones(tuple(src.shape))
        base = g.new_ones if include_self else g.new_zeros
        n = base(tuple(g.shape)).scatter_add(dim, index, ones)
        n = n.masked_fill(n == 0, 1)
        gx = g / n
        gs = gx.gather(dim, index)
    else:  # amax / amin: the gradient is shared evenly between the tied extremes
        value = result.gather(dim, index)
        self_is = (x == result).to(g.dtype)
        src_is = (src == value).to(g.dtype)
        share = g / self_is.scatter_add(dim, index, src_is)
        gx = self_is * share
        gs = src_is * share.gather(dim, index)
    if not include_self:
        gx = gx.scatter(dim, index, 0)
    return gx, gs


def _reduce_op(op, node, x, dim, index, src, reduce, include_self):
    alias = {"max": "amax", "min": "amin"}.get(reduce)

    for t in (x, index, src):
        if t.device.type != "cpu":
            raise NotImplementedError(f'"{op}" is not implemented for the GPU device')

    def native(a, b):
        return _C._scatter_reduce(a, dim, index, b, alias or reduce, include_self, op)

    out = native(x, src)
    if not (x.requires_grad or src.requires_grad) or not x.dtype.is_floating_point:
        return out
    d = wrap_dim(dim, x.ndim)
    if alias:
        # PyTorch's forward takes the legacy names; its backward does not.
        def refuse(g):
            raise RuntimeError(
                "Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', 'amin' but got "
                f"{reduce}."
            )

        return _node(node, [x, src], out, refuse)

    def backward(g):
        return _reduce_backward(g, x, d, index, src, reduce, include_self, out, rec)

    def rec(a, b):
        # The forward again, recorded (double backward goes through it).
        return _node(node, [a, b], native(a, b),
                     lambda g: _reduce_backward(g, a, d, index, b, reduce, include_self,
                                                native(a, b), rec))

    return _node(node, [x, src], out, backward)


@_export(method=True)
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if index.dtype not in (_C.int64, _C.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if input.dtype != src.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if builtins.max(index.ndim, 1) != builtins.max(input.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if builtins.max(index.ndim, 1) != builtins.max(src.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    index = index.to(_C.int64)
    return _reduce_op("scatter_reduce", "ScatterReduceBackward0", input, dim, index, src,
                      reduce, include_self)


METHODS["scatter_reduce_"] = _inplace(scatter_reduce, "scatter_reduce_")


@_export(method=True)
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce}."
        )
    d = wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError(
            "index_reduce_(): Index is supposed to be a vector, but got dim: "
            f"{index.ndim} with type: {type_name(index.dtype)} and size: "
            f"{_shape_str(index.shape)}"
        )
    if index.dtype not in (_C.int64, _C.int32):
        raise RuntimeError(
            "index_reduce_(): Expected dtype int32/int64 for index but got: "
            f"{type_name(index.dtype)}"
        )
    if input.dtype != source.dtype:
        raise RuntimeError(
            f"index_reduce_(): self ({type_name(input.dtype)}) and source "
            f"({type_name(source.dtype)}) must have the same scalar type"
        )
    n = index.numel()
    sd = source.shape[d] if source.ndim > 0 else 1
    if n != sd:
        raise RuntimeError(
            f"index_reduce_(): Number of indices ({n}) should be equal to source.size(dim): "
            f"({sd}), for dim: {d}"
        )
    xs = [s for i, s in enumerate(input.shape) if i != d]
    ss = [s for i, s in enumerate(source.shape) if i != d]
    if input.ndim > 0 and source.ndim > 0 and xs != ss:
        raise RuntimeError(
            "index_reduce_(): Source/destination tensor must have same slice shapes. "
            f"Destination slice shape: {_shape_str(xs)} at dimension {d} and source slice "
            f"shape: {_shape_str(ss)} at dimension 0."
        )
    size = input.shape[d] if input.ndim else 1
    if n and (int(index.min()) < 0 or int(index.max()) >= size):
        raise IndexError("index out of range in self")
    if input.ndim == 0:
        idx = index.to(_C.int64).reshape(())
        source = source.reshape(())
    else:
        shape = [1] * builtins.max(source.ndim, 1)
        shape[d] = -1
        idx = index.to(_C.int64).reshape(*shape).expand(*source.shape)
    return _reduce_op("index_reduce", "IndexReduceBackward0", input, d, idx, source, reduce,
                      include_self)


METHODS["index_reduce_"] = _inplace(index_reduce, "index_reduce_")


# --- index_put / put / masked_scatter -----------------------------------------------------------

def _accumulate_flat(x, pos, v):
    """``x.reshape(-1)`` with ``v[k]`` added at ``pos[k]`` (repeats add up): the native
    scatter_reduce kernel on the host, ``index_add`` (atomic) on the GPU."""
    flat = x.reshape(-1)
    if flat.device.type == "cpu":
        return scatter_reduce(flat, 0, pos, v.to(flat.dtype), "sum")
    return flat.index_add(0, pos, v)


def _positions(x, indices):
    """The flat offset of every element ``x[indices]`` selects (advanced-indexing rules)."""
    n = x.numel()
    pos = _rt().arange(n, dtype=_C.int64).reshape(*x.shape).to(x.device)
    return pos[tuple(indices)]


@_export(method=True)
def index_put(input, indices, values, accumulate=False):
    if not isinstance(indices, (list, tuple)):
        raise TypeError(
            "index_put(): argument 'indices' (position 2) must be tuple of Tensors, not "
            f"{type(indices).__name__}"
        )
    indices = tuple(indices)
    if len(indices) > input.ndim:
        raise IndexError(
            f"too many indices for tensor of dimension {input.ndim} (got {len(indices)})"
        )
    if values.dtype != input.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{type_name(input.dtype)} for the destination and {type_name(values.dtype)} "
            "for the source."
        )

    if not accumulate:
        def fn(x, v):
            out = x.clone()
            out[indices] = v
            return out

        return _named("IndexPutBackward0", fn, input, values)
    pos = _positions(input, indices)
    shape = tuple(input.shape)
    flat_pos = pos.reshape(-1)

    def acc(x, v):
        v = v.expand(*pos.shape).reshape(-1) if pos.ndim else v.reshape(-1)
        return _accumulate_flat(x, flat_pos, v).reshape(*shape)

    try:
        infer_size(list(pos.shape), list(values.shape))
    except RuntimeError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {_shape_str(values.shape)} cannot be "
            f"broadcast to indexing result of shape {_shape_str(pos.shape)}"
        ) from None
    return _named("IndexPutBackward0", acc, input, values)


METHODS["index_put_"] = _inplace(index_put, "index_put_")
FUNCTIONS["index_put_"] = METHODS["index_put_"]


@_export(method=True)
def put(input, index, source, accumulate=False):
    if index.dtype != _C.int64:
        raise RuntimeError(
            f"put_(): Expected a long tensor for index, but got {type_name(index.dtype)}"
        )
    if input.dtype != source.dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got "
            f"self.dtype = {type_name(input.dtype)} and source.dtype = "
            f"{type_name(source.dtype)}"
        )
    if index.numel() != source.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}"
        )
    n = input.numel()
    flat = index.reshape(-1)
    if flat.numel():
        lo, hi = int(flat.min()), int(flat.max())
        for v in (lo, hi):
            if v < -n or v >= n:
                raise IndexError(
                    f"out of range: tried to access index {v} on a tensor of {n} elements."
                )
    flat = flat + (flat < 0).to(_C.int64) * n
    shape = tuple(input.shape)

    def fn(x, s):
        s = s.reshape(-1)
        if accumulate:
            return _accumulate_flat(x, flat, s).reshape(*shape)
        out = x.reshape(-1).clone()
        out[flat] = s
        return out.reshape(*shape)

    return _named("PutBackward0", fn, input, source)


METHODS["put_"] = _inplace(put, "put_")


@_export(method=True)
def masked_scatter(input, mask, source):
    if mask.dtype != _C.bool:
        raise RuntimeError(
            "masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{type_name(mask.dtype)}"
        )
    if input.dtype != source.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got "
            f"{type_name(input.dtype)} and {type_name(source.dtype)}"
        )
    shape = tuple(infer_size(list(input.shape), list(mask.shape)))
    m = mask.expand(*shape)
    count = int(m.sum())
    if source.numel() < count:
        raise RuntimeError(
            "Number of elements of source < number of ones in mask"
        )

    # The k-th masked-in position (row-major) takes source element k.
    take = (m.reshape(-1).to(_C.int64).cumsum(0) - 1).clamp(min=0).reshape(*shape)

    def fn(x, s):
        if count == 0:
            return x.expand(*shape).clone()
        return _rt().where(m, s.reshape(-1)[:count].take(take), x.expand(*shape))

    return _named("MaskedScatterBackward0", fn, input, source)


def _masked_scatter_(self, mask, source):
    r = masked_scatter(self, mask, source)
    if tuple(r.shape) != tuple(self.shape):
        raise RuntimeError(
            f"masked_scatter_: expected mask to be broadcastable to self, got mask "
            f"{_shape_str(mask.shape)} and self {_shape_str(self.shape)}"
        )
    return self.copy_(r)


METHODS["masked_scatter_"] = _masked_scatter_


# --- *_scatter --------------------------------------------------------------------------------

def _scatter_into(name, view_fn, input, src, probe=None):
    """``out = input.clone(); view_fn(out).copy_(src)`` (the clone contiguous), attached to a
    node named ``name`` whose backward is ``(g * mask, view_fn(g))``, ``mask`` being zero where
    the view lies (both differentiable, so double backward works)."""
    view = view_fn(input) if probe is None else probe
    if tuple(view.shape) != tuple(src.shape):
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{_shape_str(src.shape)}, slice size = {_shape_str(view.shape)}"
        )
    contiguous = _C_contiguous()
    out = input.detach().clone(memory_format=contiguous)
    view_fn(out).copy_(src.detach())
    if not ((input.requires_grad or src.requires_grad) and _C.is_grad_enabled()):
        return out
    mask = _rt().ones_like(out)
    view_fn(mask).zero_()

    def backward(g):
        return g * mask, view_fn(g.contiguous())

    return _node(name, [input, src], out, backward)


@_export(method=True)
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    return _scatter_into("DiagonalScatterBackward0",
                         lambda t: t.diagonal(offset, dim1, dim2), input, src)


@_export(method=True)
def select_scatter(input, src, dim, index):
    return _scatter_into("SelectScatterBackward0", lambda t: t.select(dim, index), input, src)


def _slice(t, dim, start, end, step):
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    d = wrap_dim(dim, t.ndim)
    key = [slice(None)] * d + [slice(start, end, step)]
    return t[tuple(key)]


@_export(method=True)
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    return _scatter_into("SliceScatterBackward0",
                         lambda t: _slice(t, dim, start, end, step), input, src)


def _strided_positions(size, stride, storage_offset, like):
    size, stride = [int(s) for s in size], [int(s) for s in stride]
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    off = 0 if storage_offset is None else int(storage_offset)
    if builtins.any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, "
                           f"got strides: {_shape_str(stride)}")
    pos = _rt().full((), off, dtype=_C.int64)
    for s, st in zip(size, stride):
        pos = pos.unsqueeze(-1) + _rt().arange(s, dtype=_C.int64) * st
    if builtins.all(size):
        need = off + builtins.sum((s - 1) * st for s, st in zip(size, stride)) + 1
        if need > like.numel():
            item = like.element_size()
            raise RuntimeError(
                f"setStorage: sizes {_shape_str(size)}, strides {_shape_str(stride)}, storage "
                f"offset {off}, and itemsize {item} requiring a storage size of "
                f"{need * item} are out of bounds for storage of size {like.numel() * item}"
            )
    return pos.reshape(*size)


@_export(method=True)
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """``input.clone().as_strided(size, stride, storage_offset).copy_(src)``: the clone is
    contiguous, so the strides address ``input``'s elements in row-major order."""
    pos = _strided_positions(size, stride, storage_offset, input)
    if tuple(pos.shape) != tuple(src.shape):
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{_shape_str(src.shape)}, slice size = {_shape_str(pos.shape)}"
        )
    off = 0 if storage_offset is None else int(storage_offset)
    return _scatter_into("AsStridedScatterBackward0",
                         lambda t: as_strided(t, size, stride, t.storage_offset() + off),
                         input, src, probe=pos)


# --- *_copy -----------------------------------------------------------------------------------

def _copy_of(name, node, view_fn):
    def f(input, *args, **kwargs):
        return _named(node, lambda x: _contig(view_fn(x, *args, **kwargs)), input)

    f.__name__ = name
    FUNCTIONS[name] = f
    return f


def _contig(r):
    if isinstance(r, (list, tuple)):
        return tuple(_contig(t) for t in r)
    return r.clone(memory_format=_C_contiguous())


def _C_contiguous():
    import rtensor

    return rtensor.contiguous_format


def _copy_list(name, node, view_fn):
    # Ops returning several tensors: one node per output, as PyTorch's split/unbind copies.
    def f(input, *args, **kwargs):
        parts = view_fn(input, *args, **kwargs)
        return tuple(
            _named(node, lambda x, i=i: view_fn(x, *args, **kwargs)[i].clone(), input)
            for i in range(len(parts))
        )

    f.__name__ = name
    FUNCTIONS[name] = f
    return f


_copy_of("view_copy", "ViewBackward0_copy", lambda x, *size, **kw: x.view(*size, **kw))
_copy_of("expand_copy", "ExpandBackward0_copy",
         lambda x, size, implicit=False: x.expand(*size))
_copy_of("permute_copy", "PermuteBackward0_copy", lambda x, dims: x.permute(*dims))
_copy_of("t_copy", "TBackward0_copy", lambda x: x.t())
_copy_of("transpose_copy", "TransposeBackward0_copy", lambda x, dim0, dim1: x.transpose(dim0, dim1))
_copy_of("unsqueeze_copy", "UnsqueezeBackward0_copy", lambda x, dim: x.unsqueeze(dim))
_copy_of("squeeze_copy", "SqueezeBackward0_copy", lambda x: x.squeeze())
_squeeze_all = FUNCTIONS["squeeze_copy"]
_copy_of("squeeze_copy", "SqueezeBackward1_copy", lambda x, dim: x.squeeze(dim))
_squeeze_dim = FUNCTIONS["squeeze_copy"]


def squeeze_copy(input, dim=None):
    return _squeeze_all(input) if dim is None else _squeeze_dim(input, dim)


FUNCTIONS["squeeze_copy"] = squeeze_copy
_copy_of("diagonal_copy", "DiagonalBackward0_copy",
         lambda x, offset=0, dim1=0, dim2=1: x.diagonal(offset, dim1, dim2))
_copy_of("select_copy", "SelectBackward0_copy", lambda x, dim, index: x.select(dim, index))
_copy_of("slice_copy", "SliceBackward0_copy",
         lambda x, dim=0, start=None, end=None, step=1: _slice(x, dim, start, end, step))
_copy_of("alias_copy", "AliasBackward0_copy", lambda x: x.view(*x.shape))
_copy_of("unfold_copy", "UnfoldBackward0_copy",
         lambda x, dimension, size, step: x.unfold(dimension, size, step))
_copy_of("narrow_copy", "NarrowCopyBackward0",
         lambda x, dim, start, length: x.narrow(dim, start, length))
METHODS["narrow_copy"] = FUNCTIONS["narrow_copy"]
_copy_list("split_copy", "SplitBackward0_copy",
           lambda x, split_size, dim=0: x.split(split_size, dim))
_copy_list("split_with_sizes_copy", "SplitWithSizesBackward0_copy",
           lambda x, split_sizes, dim=0: x.split(list(split_sizes), dim))
_copy_list("unbind_copy", "UnbindBackward0_copy", lambda x, dim=0: x.unbind(dim))


def detach_copy(input):
    return input.detach().clone()


FUNCTIONS["detach_copy"] = detach_copy


def _storage_positions(size, stride, offset, device):
    """The storage offset of every element of a (size, stride, offset) view, row-major."""
    pos = _rt().full((), int(offset), dtype=_C.int64)
    for n, st in zip(size, stride):
        pos = pos.unsqueeze(-1) + _rt().arange(int(n), dtype=_C.int64) * int(st)
    return pos.reshape(-1).to(device)


@_export(method=True)
def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with any sizes, strides and offset (in elements). Its
    ``AsStridedBackward0`` sums the gradient into a zero storage at the view's positions and
    reads it back at ``input``'s positions."""
    size, stride = [int(v) for v in size], [int(v) for v in stride]
    if len(size) != len(stride):
        raise RuntimeError(
            "mismatch in length of strides and shape"
        )
    if builtins.any(v < 0 for v in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, "
                           f"got strides: {_shape_str(stride)}")
    if builtins.any(v < 0 for v in size):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {builtins.min(size)}: "
            f"{_shape_str(size)}"
        )
    off = input.storage_offset() if storage_offset is None else int(storage_offset)
    out = input._storage_view(size, stride, off)
    if not (input.requires_grad and _C.is_grad_enabled()):
        return out
    in_geom = (tuple(input.shape), tuple(input.stride()), input.storage_offset())
    total = input._storage_nbytes() // builtins.max(input.element_size(), 1)

    def backward(g):
        p_out = _storage_positions(size, stride, off, g.device)
        p_in = _storage_positions(*in_geom, g.device)
        store = g.new_zeros((total,)).index_add(0, p_out, g.reshape(-1))
        return (store.index_select(0, p_in).reshape(*in_geom[0]),)

    return _node("AsStridedBackward0", [input], out.detach(), backward)


@_export()
def as_strided_copy(input, size, stride, storage_offset=None):
    return _named("AsStridedBackward0_copy",
                  lambda x: as_strided(x, size, stride, storage_offset).clone(), input)


# --- function forms and aliases PyTorch has (torch.argwhere, torch.ravel, ...) ---------------

@_export(method=True)
def argwhere(input):
    return input.nonzero()


@_export(method=True)
def ravel(input):
    return input.contiguous().view(-1)


@_export(method=True)
def moveaxis(input, source, destination):
    return input.movedim(source, destination)


@_export(method=True)
def msort(input):
    return input.sort(0)[0]


@_export()
def row_stack(tensors):
    return _rt().vstack(tensors)


@_export()
def unravel_index(indices, shape):
    if not isinstance(indices, _C.Tensor):
        indices = _rt().tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype == _C.bool:
        raise TypeError(
            "expected 'indices' to be integer dtype, but got "
            f"{indices.dtype}".replace("rtensor.", "torch.")
        )
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    if builtins.any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got "
                         f"{tuple(shape)}")
    if 0 in shape:
        raise RuntimeError("ZeroDivisionError")
    # PyTorch's torch/functional.py: (indices // coef) % size per dim, no range check.
    idx = indices.to(_C.int64)
    out, coef = [], 1
    for s in reversed(shape):
        out.append(idx.div(coef, rounding_mode="floor").remainder(s))
        coef *= s
    return tuple(reversed(out))


@_export(method=True)
def nonzero_static(input, *, size, fill_value=-1):
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got "
                           f"size = {size}")
    nz = input.nonzero()
    k = nz.shape[0]
    if k >= size:
        return nz[:size].clone()
    pad = _rt().full((size - k, input.ndim), fill_value, dtype=_C.int64, device=input.device)
    return _rt().cat([nz, pad], 0)


def _unsafe(name, method):
    def f(input, *args, **kwargs):
        parts = getattr(input, method)(*args, **kwargs)
        node = {"unsafe_split": "UnsafeSplitBackward0",
                "unsafe_split_with_sizes": "UnsafeSplitWithSizesBackward0",
                "unsafe_chunk": "UnsafeSplitBackward0"}[name]
        return tuple(
            _named(node, lambda x, i=i: getattr(x, method)(*args, **kwargs)[i].clone(), input)
            for i in range(len(parts)))

    f.__name__ = name
    FUNCTIONS[name] = METHODS[name] = f


_unsafe("unsafe_split", "split")
_unsafe("unsafe_chunk", "chunk")
_unsafe("unsafe_split_with_sizes", "split")


def _swap_(name):
    def f(self, dim0, dim1):
        return self.transpose_(dim0, dim1)

    f.__name__ = name
    METHODS[name] = f


_swap_("swapaxes_")
_swap_("swapdims_")


@_export()
def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad=False):
    dtype = _C.get_default_dtype() if dtype is None else dtype
    t = _rt().tensor(s, dtype=dtype)
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


@_export(method=True)
def is_same_size(input, other):
    return tuple(input.shape) == tuple(other.shape)


@_export(method=True)
def is_nonzero(input):
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


@_export(method=True)
def is_signed(input):
    return input.dtype not in (_C.uint8, _C.bool)


@_export()
def fill(input, value):
    out = _rt().full_like(input.detach(), value.item() if isinstance(value, _C.Tensor) else value)
    name = "FillBackward1" if isinstance(value, _C.Tensor) else "FillBackward0"
    return _node(name, [input], out, lambda g: (g.new_zeros(tuple(g.shape)),))


_native_fill_ = _C.Tensor.fill_
_native_zero_ = _C.Tensor.zero_


def _fill_(self, value):
    """``Tensor.fill_``: on a tensor with history the result is attached to the graph (the
    gradient through the overwritten values is zero), as PyTorch's ``FillBackward0``."""
    if self.requires_grad and not self.is_leaf and _C.is_grad_enabled():
        return self.copy_(fill(self, value))
    return _native_fill_(self, value)


def _zero_(self):
    if self.requires_grad and not self.is_leaf and _C.is_grad_enabled():
        return self.copy_(fill(self, 0))
    return _native_zero_(self)


METHODS["fill_"] = _fill_
METHODS["zero_"] = _zero_


@_export()
def fill_(input, value):
    return input.fill_(value)


@_export()
def zero_(input):
    return input.zero_()


@_export()
def detach(input):
    return input.detach()


@_export()
def detach_(input):
    return input.detach_()


@_export()
def constant_pad_nd(input, pad, value=0):
    return _named("ConstantPadNdBackward0",
                  lambda x: _rt().nn.functional.pad(x, list(pad), value=value), input)


@_export(method=True)
def clamp_min(input, min):
    if isinstance(min, Tensor):  # clamp_min.Tensor: the gradient also reaches `min`
        return _named("ClampMinBackward1", lambda x, m: x.clamp(min=m), input, min)
    return _named("ClampMinBackward0", lambda x: x.clamp(min=min), input)


@_export(method=True)
def clamp_max(input, max):
    if isinstance(max, Tensor):
        return _named("ClampMaxBackward1", lambda x, m: x.clamp(max=m), input, max)
    return _named("ClampMaxBackward0", lambda x: x.clamp(max=max), input)


METHODS["clamp_min_"] = lambda self, min: self.clamp_(min=min)
METHODS["clamp_max_"] = lambda self, max: self.clamp_(max=max)
FUNCTIONS["clamp_min_"] = METHODS["clamp_min_"]
FUNCTIONS["clamp_max_"] = METHODS["clamp_max_"]


@_export(method=True)
def positive(input):
    if input.dtype == _C.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


@_export()
def rsub(input, other, *, alpha=1):
    if isinstance(other, _C.Tensor):
        return _named("RsubBackward0", lambda a, b: _rt().sub(b, a, alpha=alpha), input, other)
    return _named("RsubBackward1", lambda a: _rt().sub(other, a, alpha=alpha), input)


@_export(method=True)
def ger(input, vec2):
    return input.outer(vec2)


@_export(method=True)
def dist(input, other, p=2):
    return _named("DistBackward0", lambda a, b: _rt().linalg.vector_norm(a - b, p), input,
                  other)


@writes_out
@_export()
def chain_matmul(*matrices, out=None):
    ms = list(matrices[0]) if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)) \
        else list(matrices)
    if not ms:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in ms:
        if m.ndim != 2:
            raise RuntimeError(
                f"Tensor dimension is {m.ndim}, expected 2 instead."
            )
    if len(ms) == 1:
        return ms[0].clone()
    r = ms[0]
    for m in ms[1:]:
        r = r.mm(m)
    return r.view(*r.shape)  # PyTorch's multi_dot ends with a view


@_export(method=True)
def isposinf(input):
    return input == float("inf") if input.dtype.is_floating_point else input != input


@_export(method=True)
def isneginf(input):
    return input == float("-inf") if input.dtype.is_floating_point else input != input


@_export()
def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0,
                   unsafe=False, initial=None):
    """``torch.segment_reduce``: consecutive segments of ``data`` along ``axis`` (``lengths``
    or ``offsets``, batched over the leading dims) reduced with ``scatter_reduce``'s kernel;
    an empty segment gives ``initial`` or the reduction's identity (nan for the mean)."""
    ops = {"sum": "sum", "mean": "sum", "max": "amax", "min": "amin", "prod": "prod"}
    if reduce not in ops:
        raise RuntimeError(
            "reduce argument must be either sum, prod, mean, amax or amin, got "
            f"{reduce}")
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    if indices is not None:
        raise NotImplementedError("segment_reduce(): indices are not supported (as PyTorch)")
    ax = wrap_dim(axis, data.ndim)
    if lengths is None:
        off = offsets.cpu().numpy()
        lens = off[..., 1:] - off[..., :-1]
    else:
        lens = lengths.cpu().numpy()
    import numpy as np

    lens = np.asarray(lens, dtype=np.int64)
    if lens.ndim != ax + 1 or tuple(lens.shape[:-1]) != tuple(data.shape[:ax]):
        raise RuntimeError(
            "segment_reduce(): Expected lengths to have the leading dims of data up to axis")
    if not unsafe and (lens.sum(-1) != data.shape[ax]).any():
        raise RuntimeError(
            "segment_reduce(): Expected all rows of lengths along axis to sum to "
            "data.size(lengths.dim()-1) when !unsafe.")
    nseg = lens.shape[-1]
    # Segment id of every position along axis, per leading index.
    ids = np.zeros(tuple(data.shape[:ax + 1]), dtype=np.int64)
    for lead in np.ndindex(*lens.shape[:-1]):
        ids[lead] = np.repeat(np.arange(nseg), lens[lead])[: data.shape[ax]]
    tail = tuple(data.shape[ax + 1:])
    idx = _rt().tensor(ids.tolist(), dtype=_C.int64).reshape(
        *ids.shape, *([1] * len(tail))).expand(*data.shape).to(data.device)
    ident = {"sum": 0.0, "mean": 0.0, "max": float("-inf"), "min": float("inf"),
             "prod": 1.0}[reduce]
    fill = ident if initial is None else initial
    shape = tuple(data.shape[:ax]) + (nseg,) + tail
    base = _rt().full(shape, fill, dtype=data.dtype, device=data.device)
    count = _rt().tensor(lens.tolist(), dtype=data.dtype).reshape(
        *lens.shape, *([1] * len(tail))).to(data.device)
    if initial is not None:
        count = count.clamp(min=1)

    def fn(x):
        r = _reduce_op("segment_reduce", "SegmentReduceBackward0", base, ax, idx, x,
                       ops[reduce], True)
        return r / count if reduce == "mean" else r

    return _named("SegmentReduceBackward0", fn, data)


# --- function forms of in-place methods (torch.abs_(t) is t.abs_()) and small methods ---------

_INPLACE_FORMS = (
    "abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_ atanh_ ceil_ clamp_ clip_ cos_ cosh_ deg2rad_ "
    "erf_ erfc_ exp2_ expm1_ fix_ floor_ frac_ gcd_ lcm_ ldexp_ log10_ log1p_ log2_ log_ "
    "nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ round_ rsqrt_ sin_ sinh_ sqrt_ tan_ "
    "trunc_"
).split()


def _inplace_form(name):
    def f(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    f.__name__ = name
    return f


def add_inplace_forms():
    """Publishes ``rtensor.<name>_`` for the in-place methods that exist (called once every
    Tensor method is registered)."""
    for name in _INPLACE_FORMS:
        if hasattr(_C.Tensor, name):
            FUNCTIONS.setdefault(name, _inplace_form(name))


def _fill_diagonal_(self, fill_value, wrap=False):
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    n = self.shape[0]
    if self.ndim > 2 and builtins.any(s != n for s in self.shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    stride = builtins.sum(
        int(_prod(self.shape[k + 1:])) for k in range(self.ndim))
    pos = list(range(0, self.numel(), stride))
    if self.ndim == 2 and not wrap:
        pos = pos[: builtins.min(self.shape)]
    flat = _rt().tensor(pos, dtype=_C.int64).to(self.device)
    fill = _rt().full((len(pos),), fill_value, dtype=self.dtype, device=self.device)
    return self.put_(flat, fill)


def _prod(xs):
    r = 1
    for v in xs:
        r *= v
    return r


METHODS["fill_diagonal_"] = _fill_diagonal_
METHODS["type_as"] = lambda self, other: self.to(other.dtype)
METHODS["ndimension"] = lambda self: self.ndim


def _sum_to_size(self, *size):
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else size
    try:
        infer_size(list(size), list(self.shape))
        ok = tuple(infer_size(list(size), list(self.shape))) == tuple(self.shape)
    except RuntimeError:
        ok = False
    if not ok:
        raise RuntimeError(f"size {{{_shape_str(size)}}} is not expandable to size "
                           f"{{{_shape_str(self.shape)}}}.")
    lead = self.ndim - len(size)
    dims = list(range(lead)) + [lead + k for k, s in enumerate(size)
                                if s == 1 and self.shape[lead + k] != 1]
    r = self.sum(dims, keepdim=True) if dims else self
    return r.reshape(*size) if tuple(r.shape) != tuple(size) else r


METHODS["sum_to_size"] = _sum_to_size


@_export()
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` is in ``test_elements`` (NumPy's ``isin`` on the
    host, compared in the promoted dtype; GPU tensors raise naming the op, as the other
    searching ops)."""
    import numbers

    import numpy as np

    from ._longtail_shape import cpu_only

    a_t, b_t = isinstance(elements, _C.Tensor), isinstance(test_elements, _C.Tensor)
    if not (a_t or b_t) or (not a_t and not isinstance(elements, numbers.Number)) or (
            not b_t and not isinstance(test_elements, numbers.Number)):
        raise TypeError(
            "isin() received an invalid combination of arguments - got "
            f"({type(elements).__name__}, {type(test_elements).__name__})")
    for t in (elements, test_elements):
        if isinstance(t, _C.Tensor):
            cpu_only(t, "isin")
            if t.dtype == _C.bool:
                raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    dtype = _C.result_type(elements, test_elements)
    a = elements.to(dtype).numpy() if a_t else np.array(elements)
    b = test_elements.to(dtype).numpy() if b_t else np.array(test_elements)
    r = np.isin(a, b, invert=invert)
    out = _rt().tensor(r.tolist(), dtype=_C.bool)
    return out.reshape(*a.shape) if a_t else out.reshape(())
