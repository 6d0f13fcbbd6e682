"""The long tail of shape, join, split and product functions (``atleast_2d``, ``tensor_split``,
``kron``, ``tensordot``, ``diag_embed``, ``rot90``, ``meshgrid``, ``block_diag``...).

Each is a composition of differentiable native ops (views, ``cat``, ``index_add``, ``mm``), so
autograd and every device work as for those ops; the argument names, defaults and error texts
are PyTorch's. ``export`` records the function form and, where PyTorch has one, the Tensor
method; ``rtensor/__init__.py`` publishes the functions and ``register`` adds the methods.
"""

from __future__ import annotations

import builtins
import itertools
import numbers
import warnings

import numpy as np

from . import _C
from ._C import Tensor
from ._size import Size

FUNCTIONS: dict = {}
METHODS: dict = {}


def export(method=False, function=True, name=None):
    """Publishes ``fn`` as ``rtensor.<name>`` (``function``) and ``Tensor.<name>``
    (``method``)."""

    def deco(fn):
        n = name or fn.__name__
        if function:
            FUNCTIONS[n] = fn
        if method:
            METHODS[n] = fn
        return fn

    return deco


def register(methods):
    for n, fn in methods.items():
        setattr(Tensor, n, fn)


def type_name(dtype):
    """PyTorch's scalar type name in messages (``Float``, ``Long``, ``Bool``)."""
    return dtype._legacy_name[: -len("Tensor")]


def wrap_dim(dim, ndim):
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def _shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _tensors_arg(tensors):
    """``f(a, b)`` or ``f([a, b])``, as PyTorch's variadic tensor-list functions accept."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def cpu_only(t, op):
    """Ops computed on the host (counting, searching, integer number theory) raise on a GPU
    tensor instead of making a silent round trip."""
    if t.device.type != "cpu":
        raise NotImplementedError(f'"{op}" is not implemented for the GPU device')


def on_device_of(t, like):
    """A freshly built (CPU) tensor on ``like``'s device."""
    return t if like.device.type == "cpu" else t.to(like.device)


def _index_tensor(values, like):
    return on_device_of(_C.tensor(list(values), _C.int64), like)


# ----- dims and broadcasting -----


def _atleast(nd, reshape):
    def f(*tensors):
        single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
        ts = _tensors_arg(tensors)
        out = []
        for t in ts:
            out.append(reshape(t) if t.ndim < nd else t)
        return out[0] if single else tuple(out)

    f.__name__ = f"atleast_{nd}d"
    return f


atleast_1d = export()(_atleast(1, lambda t: t.reshape(1)))
atleast_2d = export()(_atleast(2, lambda t: t.reshape(1, -1) if t.ndim == 1 else t.reshape(1, 1)))


def _to_3d(t):
    if t.ndim == 0:
        return t.reshape(1, 1, 1)
    if t.ndim == 1:
        return t.reshape(1, -1, 1)
    return t.unsqueeze(-1)


atleast_3d = export()(_atleast(3, _to_3d))


@export()
def broadcast_shapes(*shapes):
    """PyTorch's Python implementation, including its error texts."""
    max_len = 0
    for shape in shapes:
        if isinstance(shape, numbers.Integral):
            max_len = builtins.max(max_len, 1)
        elif isinstance(shape, (tuple, list)):
            max_len = builtins.max(max_len, len(shape))
    result = [1] * max_len
    for shape in shapes:
        if isinstance(shape, numbers.Integral):
            shape = (shape,)
        if not isinstance(shape, (tuple, list)):
            raise RuntimeError(
                "Input shapes should be of type ints, a tuple of ints, or a list of ints, got ",
                shape,
            )
        for i in range(-1, -1 - len(shape), -1):
            if shape[i] < 0:
                raise RuntimeError(
                    f"Trying to create tensor with negative dimension ({shape[i]}): ({shape[i]})"
                )
            if shape[i] == 1 or shape[i] == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape")
            result[i] = shape[i]
    return Size(result)


def infer_size(a, b):
    """ATen's ``infer_size``: the broadcast shape of two shapes, with its error text."""
    n = builtins.max(len(a), len(b))
    out = []
    for i in range(n):
        da = a[i - n + len(a)] if i - n + len(a) >= 0 else 1
        db = b[i - n + len(b)] if i - n + len(b) >= 0 else 1
        if da != db and da != 1 and db != 1:
            raise RuntimeError(
                f"The size of tensor a ({da}) must match the size of tensor b ({db}) at "
                f"non-singleton dimension {i}"
            )
        out.append(db if da == 1 else da)
    return out


@export(method=True)
def broadcast_to(input, size):
    return input.expand(*size)


@export()
def broadcast_tensors(*tensors):
    ts = _tensors_arg(tensors)
    shape = []
    for t in ts:
        shape = infer_size(shape, list(t.shape))
    # A tensor that already has the shape comes back as itself, as in PyTorch (no ExpandBackward0).
    return tuple(t if list(t.shape) == shape else t.expand(*shape) for t in ts)


# ----- joins and splits -----


@export()
def column_stack(tensors):
    cols = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors]
    return _C.hstack(cols)


@export()
def dstack(tensors):
    return _C.cat([atleast_3d(t) for t in tensors], 2)


def _slice_dim(t, dim, start, stop):
    return t[(slice(None),) * dim + (slice(start, stop),)]


@export(method=True)
def tensor_split(input, indices_or_sections, dim=0):
    if input.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    d = wrap_dim(dim, input.ndim)
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype != _C.int64:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but "
                f"got {type_name(ios.dtype)}"
            )
        if ios.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                f"one-dimensional tensor, but got a tensor with {ios.ndim} dims"
            )
        ios = int(ios.item()) if ios.ndim == 0 else [int(v) for v in ios.tolist()]
    size = input.shape[d]
    if isinstance(ios, numbers.Integral):
        n = int(ios)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        if n > 2**60 - 1:  # ATen's std::vector<Tensor> limit; a loop this long would never end
            raise RuntimeError("cannot create std::vector larger than max_size()")
        small, extra = divmod(size, n)
        parts, start = [], 0
        for i in range(n):
            length = small + (1 if i < extra else 0)
            parts.append(input.narrow(d, start, length))
            start += length
        return tuple(parts)
    parts, start = [], 0
    for end in ios:
        parts.append(_slice_dim(input, d, start, int(end)))
        start = int(end)
    parts.append(_slice_dim(input, d, start, None))
    return tuple(parts)


def _directional_split(name, min_dims, dim_of):
    def f(input, indices_or_sections):
        if input.ndim < min_dims:
            if name == "hsplit":
                raise RuntimeError(
                    "torch.hsplit requires a tensor with at least 1 dimension, but got a tensor "
                    f"with {input.ndim} dimensions!"
                )
            raise RuntimeError(
                f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a "
                f"tensor with {input.ndim} dimensions!"
            )
        d = dim_of(input)
        if isinstance(indices_or_sections, numbers.Integral):
            n = int(indices_or_sections)
            if n == 0 or input.shape[d] % n != 0:
                raise RuntimeError(
                    f"torch.{name} attempted to split along dimension {d}, but the size of the "
                    f"dimension {input.shape[d]} is not divisible by the split_size {n}!"
                )
        return tensor_split(input, indices_or_sections, d)

    f.__name__ = name
    return f


hsplit = export(method=True)(_directional_split("hsplit", 1, lambda t: 0 if t.ndim == 1 else 1))
vsplit = export(method=True)(_directional_split("vsplit", 2, lambda t: 0))
dsplit = export(method=True)(_directional_split("dsplit", 3, lambda t: 2))


@export(method=True)
def split_with_sizes(input, split_sizes, dim=0):
    return tuple(input.split(list(split_sizes), dim))


# ----- products -----


def _check_int_scalars(input, beta, alpha):
    if not input.dtype.is_floating_point and input.dtype != _C.bool:
        for nm, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, float):
                raise RuntimeError(
                    f"For integral input tensors, argument {nm} must not be a floating point "
                    "number."
                )


def expand_error(target, shape):
    """ATen's ``expand`` error for ``shape`` expanded to ``target``."""
    n = len(target)
    for i in range(n):
        j = i - n + len(shape)
        if j >= 0 and shape[j] != 1 and shape[j] != target[i]:
            return RuntimeError(
                f"The expanded size of the tensor ({target[i]}) must match the existing size "
                f"({shape[j]}) at non-singleton dimension {i}.  Target sizes: "
                f"{_shape_str(target)}.  Tensor sizes: {_shape_str(shape)}"
            )
    return RuntimeError(
        f"expand: the number of sizes provided ({n}) must be greater or equal to the number of "
        f"dimensions in the tensor ({len(shape)})"
    )


def _add_scaled(input, product, beta, alpha):
    """``beta * input + alpha * product``, input expanded to the product's shape; ``beta == 0``
    ignores input (NaN included), as PyTorch's addmm family does."""
    prod = product if alpha == 1 else product * alpha
    try:
        shape = infer_size(list(input.shape), list(prod.shape))
    except RuntimeError:
        shape = None
    if shape is None or list(shape) != list(prod.shape):
        raise expand_error(list(prod.shape), list(input.shape))
    if beta == 0:
        return prod
    return prod + (input if beta == 1 else input * beta)


@export(method=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    for nm, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {nm}, but got {v.ndim}-D")
    _check_int_scalars(input, beta, alpha)
    return _add_scaled(input, vec1.outer(vec2), beta, alpha)


@export(method=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    if batch1.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(
            "batch1 and batch2 must have same number of batches, got "
            f"{batch1.shape[0]} and {batch2.shape[0]}"
        )
    _check_int_scalars(input, beta, alpha)
    return _add_scaled(input, batch1.bmm(batch2).sum(0), beta, alpha)


def _inplace(fn, name):
    def f(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        if tuple(r.shape) != tuple(self.shape):
            raise RuntimeError(
                f"output with shape {_shape_str(self.shape)} doesn't match the broadcast shape "
                f"{_shape_str(r.shape)}"
            )
        if r.dtype != self.dtype and not _C.can_cast(r.dtype, self.dtype):
            raise RuntimeError(
                f"result type {type_name(r.dtype)} can't be cast to the desired output type "
                f"{type_name(self.dtype)}"
            )
        return self.copy_(r)

    f.__name__ = name
    return f


METHODS["addr_"] = _inplace(addr, "addr_")
METHODS["addbmm_"] = _inplace(addbmm, "addbmm_")


@export(method=True)
def kron(input, other):
    nd = builtins.max(input.ndim, other.ndim)
    a = input.reshape(*([1] * (nd - input.ndim) + list(input.shape)))
    b = other.reshape(*([1] * (nd - other.ndim) + list(other.shape)))
    a_i = [s for d in a.shape for s in (d, 1)]
    b_i = [s for d in b.shape for s in (1, d)]
    out = a.reshape(*a_i) * b.reshape(*b_i)
    return out.reshape(*[x * y for x, y in zip(a.shape, b.shape)])


@export()
def tensordot(a, b, dims=2, out=None):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > builtins.min(a.ndim, b.ndim):
            raise RuntimeError(
                f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}"
            )
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError("tensordot expects dims to be a pair of lists")
        da, db = dims
        da = [da] if isinstance(da, numbers.Integral) else list(da)
        db = [db] if isinstance(db, numbers.Integral) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    da = [wrap_dim(d, a.ndim) for d in da]
    db = [wrap_dim(d, b.ndim) for d in db]
    for x, y in zip(da, db):
        # ATen sums a contracted dim of size 1 against the other operand's dim right away.
        if b.shape[y] == 1:
            a = a.sum(x, keepdim=True)
        elif a.shape[x] == 1:
            b = b.sum(y, keepdim=True)
        elif a.shape[x] != b.shape[y]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[x]} in dim "
                f"{x} and second has size {b.shape[y]} in dim {y}"
            )
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    am = a.permute(*(fa + da)).reshape(-1, k)
    bm = b.permute(*(db + fb)).reshape(k, -1)
    r = am.mm(bm).reshape(*([a.shape[d] for d in fa] + [b.shape[d] for d in fb]))
    if out is not None:
        out._set_data(r)
        return out
    return r


@export(method=True)
def inner(input, other):
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            "inner() the last dimension must match on both input tensors but got shapes "
            f"{_shape_str(input.shape)} and {_shape_str(other.shape)}"
        )
    return tensordot(input, other, ([-1], [-1]))


@export(method=True)
def vdot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors"
        )
    if input.dtype != other.dtype:
        raise RuntimeError(
            "vdot : expected both vectors to have same dtype, but found "
            f"{type_name(input.dtype)} and {type_name(other.dtype)}"
        )
    return input.dot(other)


@export(method=True)
def trace(input):
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return input.diagonal().sum()


# ----- diagonals, rotations, flips -----


@export(method=True)
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    nd = input.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if input.ndim == 0:
        input = input.reshape(1)
    n = input.shape[-1]
    m = n + abs(offset)
    row0, col0 = (0, offset) if offset >= 0 else (-offset, 0)
    lead = list(input.shape[:-1])
    flat = _C.zeros(*(lead + [m * m]), dtype=input.dtype)
    flat = on_device_of(flat, input)
    pos = _index_tensor(((row0 + k) * m + col0 + k for k in range(n)), input)
    out = flat.index_add(-1, pos, input).reshape(*(lead + [m, m]))
    # out's last two dims are (dim1, dim2) of the result: move them into place.
    return out.movedim((-2, -1), (d1, d2))


@export(method=True)
def diagflat(input, offset=0):
    return input.reshape(-1).diag(offset)


@export(method=True)
def rot90(input, k=1, dims=(0, 1)):
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = dims
    if d0 == d1 or abs(d0 - d1) == input.ndim:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    if not -input.ndim <= d0 < input.ndim:
        raise RuntimeError(f"Rotation dim0 out of range, dim0 = {d0}")
    if not -input.ndim <= d1 < input.ndim:
        raise RuntimeError(f"Rotation dim1 out of range, dim1 = {d1}")
    k = k % 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip(d0, d1)
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


@export(method=True)
def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return input.flip(1)


@export(method=True)
def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return input.flip(0)


# ----- grids and index sets -----


@export()
def meshgrid(*tensors, indexing=None):
    ts = _tensors_arg(tensors)
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            'torch.meshgrid: indexing must be one of "xy" or "ij", but received: ' f"{indexing}"
        )
    if not ts:
        return ()
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(
                "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                f"{t!r}"
            )
    for t in ts[1:]:
        if t.dtype != ts[0].dtype:
            raise RuntimeError(
                "torch.meshgrid: Expected all tensors in the tensor list to have the same dtype"
            )
        if t.device != ts[0].device:
            raise RuntimeError(
                "torch.meshgrid: Expected all tensors in the tensor list to have the same device"
            )
    flat = [t.reshape(-1) for t in ts]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = [t.shape[0] for t in flat]
    out = []
    for i, t in enumerate(flat):
        view = [1] * len(flat)
        view[i] = -1
        out.append(t.reshape(*view).expand(*shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


@export()
def cartesian_prod(*tensors):
    ts = _tensors_arg(tensors)
    for t in ts:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {_shape_str(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return _C.stack([g.reshape(-1) for g in grids], 1)


@export()
def combinations(input, r=2, with_replacement=False):
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {_shape_str(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty(0)
    n = input.shape[0]
    make = itertools.combinations_with_replacement if with_replacement else (
        itertools.combinations)
    combos = list(make(range(n), r))
    if not combos:
        return input.new_empty(0, r)
    # ATen stacks r meshgrid columns: (combinations, r), for r == 1 too.
    idx = _index_tensor((i for c in combos for i in c), input)
    return input.index_select(0, idx).reshape(len(combos), r)


def _tri_indices(name, np_fn):
    def f(row, col, offset=0, *, dtype=None, device=None, layout=None):
        if row < 0:
            raise RuntimeError(f"row must be non-negative, got{row}")
        if col < 0:
            raise RuntimeError(f"col must be non-negative, got{col}")
        dtype = _C.int64 if dtype is None else dtype
        if dtype not in (_C.int64, _C.int32):
            raise RuntimeError(f'"{name}" not implemented for \'{type_name(dtype)}\'')
        rows, cols = np_fn(row, offset, col)
        t = _C.tensor(np.stack([rows, cols]).astype(np.int64).reshape(2, -1).tolist(), dtype)
        if t.ndim == 1:
            t = t.reshape(2, 0)
        return t if device is None else t.to(device)

    f.__name__ = name
    return f


tril_indices = export()(_tri_indices("tril_indices", np.tril_indices))
triu_indices = export()(_tri_indices("triu_indices", np.triu_indices))


@export()
def block_diag(*tensors):
    ts = list(tensors)
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                f"{i} has {t.ndim} dimensions"
            )
    if not ts:
        return _C.zeros(1, 0)
    dtype = ts[0].dtype
    for t in ts[1:]:
        dtype = _C.promote_types(dtype, t.dtype)
    mats = [t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t
            for t in ts]
    mats = [m.to(dtype) for m in mats]
    width = builtins.sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m.shape
        parts = []
        if left:
            parts.append(on_device_of(_C.zeros(r, left, dtype=dtype), m))
        parts.append(m)
        if width - left - c:
            parts.append(on_device_of(_C.zeros(r, width - left - c, dtype=dtype), m))
        rows.append(_C.cat(parts, 1) if len(parts) > 1 else m)
        left += c
    return _C.cat(rows, 0)


@export(method=True)
def take_along_dim(input, indices, dim=None):
    if indices.dtype != _C.int64:
        raise RuntimeError(
            "torch.take_along_dim(): dtype of indices should be Long but got "
            f"{type_name(indices.dtype)}"
        )
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices"
        )
    d = wrap_dim(dim, input.ndim)
    si, sx = list(indices.shape), list(input.shape)
    si[d] = sx[d] = 1
    b = infer_size(sx, si)
    xs, is_ = list(b), list(b)
    xs[d], is_[d] = input.shape[d], indices.shape[d]
    return input.expand(*xs).gather(d, indices.expand(*is_))


@export(method=True)
def index_copy(input, dim, index, source):
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    if index.dtype != _C.int64:
        raise IndexError(
            f"index_copy_(): Expected a long tensor for index, but got {type_name(index.dtype)}"
        )
    if input.dtype != source.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{type_name(input.dtype)} and (source) {type_name(source.dtype)}"
        )
    d = wrap_dim(dim, input.ndim)
    n = index.numel()
    if source.ndim > 0 and source.shape[d if input.ndim else 0] != n or (
            source.ndim == 0 and n != 1):
        got = source.shape[d] if source.ndim > 0 else 1
        raise IndexError(
            f"index_copy_(): Number of indices ({n}) should be equal to source.size(dim) "
            f"({got})"
        )
    if input.ndim == 0:
        return source.reshape(()).clone()
    idx = index.reshape(-1)
    one = True if input.dtype == _C.bool else 1
    from .nn.functional import _named

    return _named("IndexCopyBackward0",
                  lambda x, s: x.index_fill(d, idx, 0).index_add(d, idx, s, alpha=one),
                  input, source)


METHODS["index_copy_"] = _inplace(index_copy, "index_copy_")
