"""Tensor methods with Python-style argument handling, added to the native ``Tensor`` class.

Each method is a thin call into one native primitive of ``rtensor._C``; the function forms
(``rtensor.exp(t)``) are generated from these methods in ``_functions.py``, so every op has
one definition reached from every API form.
"""

from __future__ import annotations

import numpy as np

from . import _C, _gpu_guard, return_types
from . import _memory_format as _mf
from ._C import Tensor
from ._dtype import dtype_from_legacy_name, legacy_type_name
from ._size import Size
from ._tensor_str import tensor_repr

# The generated methods come from the native op registry (`_C._op_registry()`): every unary
# and binary op whose Python forms are plain gets a method, and an in-place `name_` where
# PyTorch has one. Ops with extra arguments (`add(alpha=)`, `round(decimals=)`) are "custom"
# and written out below.
_REGISTRY = _C._op_registry()
UNARY_OPS = [
    r["name"] for r in _REGISTRY if r["kind"] == "unary" and r["py_forms"] in ("all", "no_inplace")
]
UNARY_INPLACE = [r["name"] for r in _REGISTRY if r["kind"] == "unary" and r["py_forms"] == "all"]
BINARY_OPS = [
    r["name"]
    for r in _REGISTRY
    if r["kind"] in ("binary", "comparison") and r["py_forms"] in ("all", "no_inplace")
]
BINARY_INPLACE = [
    r["name"]
    for r in _REGISTRY
    if r["kind"] in ("binary", "comparison") and r["py_forms"] == "all"
]



def _method(name):
    def f(self):
        return self._unary(name)

    f.__name__ = name
    return f


def _method_(name):
    def f(self):
        return self._unary_(name)

    f.__name__ = name + "_"
    return f


def _bmethod(name):
    def f(self, other):
        return self._binary(name, other)

    f.__name__ = name
    return f


def _bmethod_(name):
    def f(self, other):
        return self._binary_(name, other)

    f.__name__ = name + "_"
    return f


for _n in UNARY_OPS:
    setattr(Tensor, _n, _method(_n))
for _n in UNARY_INPLACE:
    setattr(Tensor, _n + "_", _method_(_n))
for _n in BINARY_OPS:
    setattr(Tensor, _n, _bmethod(_n))
for _n in BINARY_INPLACE:
    setattr(Tensor, _n + "_", _bmethod_(_n))


def erf(self):
    """The error function (ErfBackward0); integer inputs raise as PyTorch's CPU kernel does."""
    return _C._activation(self, "erf", 0.0, 0.0, 0.0, False)


def erf_(self):
    return _C._activation(self, "erf", 0.0, 0.0, 0.0, True)


def _round(self, decimals=0):
    if decimals == 0:
        return self._unary("round")
    if not self.dtype.is_floating_point:
        # ATen's round.decimals kernel is built for floats only.
        name = self.dtype._legacy_name[: -len("Tensor")]
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{name}'")
    # PyTorch scales in the tensor's precision: round(x * 10**d) / 10**d, or for negative
    # decimals round(x / 10**-d) * 10**-d.
    if decimals > 0:
        scale = 10.0**decimals
        return (self * scale)._unary("round") / scale
    scale = 10.0 ** (-decimals)
    return (self / scale)._unary("round") * scale


def _round_(self, decimals=0):
    return self.copy_(_round(self, decimals))


def add(self, other, *, alpha=None):
    return self._binary("add", other, alpha)


def add_(self, other, *, alpha=None):
    return self._binary_("add", other, alpha)


def sub(self, other, *, alpha=None):
    return self._binary("sub", other, alpha)


def sub_(self, other, *, alpha=None):
    return self._binary_("sub", other, alpha)


def mul(self, other):
    return self._binary("mul", other)


def mul_(self, other):
    return self._binary_("mul", other)


# "div_floor": floor_divide's kernel recorded as div's DivBackward2 (floor_divide itself has
# no derivative in PyTorch).
_ROUNDING = {None: "div", "trunc": "div_trunc", "floor": "div_floor"}


def _rounding(mode):
    if mode not in _ROUNDING:
        raise ValueError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' "
            f"but found '{mode}'"
        )
    return _ROUNDING[mode]


def div(self, other, *, rounding_mode=None):
    return self._binary(_rounding(rounding_mode), other)


def div_(self, other, *, rounding_mode=None):
    return self._binary_(_rounding(rounding_mode), other)


def floor_divide(self, other):
    return self._binary("floor_divide", other)


def floor_divide_(self, other):
    return self._binary_("floor_divide", other)


def pow(self, exponent):
    return self._binary("pow", exponent)


def pow_(self, exponent):
    return self._binary_("pow", exponent)


def lerp(self, end, weight):
    return self + weight * (end - self)


def lerp_(self, end, weight):
    return self.copy_(lerp(self, end, weight))


def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if self.dtype != other.dtype:
        raise RuntimeError(
            f"{self.dtype} did not match {other.dtype}".replace("rtensor.", "")
        )
    if self.dtype == _C.bool:
        return self == other
    close = self == other
    if equal_nan:
        close = close | (self.isnan() & other.isnan())
    if not self.dtype.is_floating_point:
        diff = (self.double() - other.double()).abs()
        return close | (diff <= atol + rtol * other.double().abs())
    diff = (self - other).abs()
    finite = diff.isfinite()
    return close | (finite & (diff <= atol + rtol * other.abs()))


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(self, other, rtol, atol, equal_nan).all())


def equal(self, other):
    if self.shape != other.shape:
        return False
    return bool((self == other).all())


# ----- reductions -----


def sum(self, dim=None, keepdim=False, *, dtype=None):
    return self._sum(dim, keepdim, dtype)


def nansum(self, dim=None, keepdim=False, *, dtype=None):
    return self._nansum(dim, keepdim, dtype)


def mean(self, dim=None, keepdim=False, *, dtype=None):
    return self._mean(dim, keepdim, dtype)


def prod(self, dim=None, keepdim=False, *, dtype=None):
    return self._prod(dim, keepdim, dtype)


def _max_min(largest):
    def f(self, dim=None, keepdim=False):
        if dim is None:
            return self._max_all(largest)
        if isinstance(dim, Tensor):
            return self._binary("maximum" if largest else "minimum", dim)
        cls = return_types.max if largest else return_types.min
        return cls(*self._max_dim(dim, keepdim, largest))

    f.__name__ = "max" if largest else "min"
    return f


def amax(self, dim=(), keepdim=False):
    return self._amax(dim, keepdim, True)


def amin(self, dim=(), keepdim=False):
    return self._amax(dim, keepdim, False)


def argmax(self, dim=None, keepdim=False):
    return self._argmax(dim, keepdim, True)


def argmin(self, dim=None, keepdim=False):
    return self._argmax(dim, keepdim, False)


def all(self, dim=None, keepdim=False):
    return self._all_any(dim, keepdim, False)


def any(self, dim=None, keepdim=False):
    return self._all_any(dim, keepdim, True)


def _correction(unbiased, correction):
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def _var_args(dim, unbiased, keepdim, correction):
    # PyTorch accepts var(unbiased) positionally as the first argument.
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return dim, _correction(unbiased, correction), keepdim


def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, c, keepdim = _var_args(dim, unbiased, keepdim, correction)
    return self._var(dim, c, keepdim, False)


def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
    dim, c, keepdim = _var_args(dim, unbiased, keepdim, correction)
    return self._var(dim, c, keepdim, True)


def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "fro" or p is None:
        p = 2.0
    elif p == "nuc":
        # torch.norm hands the nuclear norm to matrix_norm over `dim` (every dim by default).
        from . import linalg

        dims = list(range(self.ndim)) if dim is None else dim
        return linalg.matrix_norm(self, "nuc", dims, keepdim, dtype=dtype)
    x = self.abs() if self.dtype.is_complex else self  # the norm of the moduli, real-valued
    r = x._norm(float(p), dim, keepdim)
    return r if dtype is None else r.to(dtype)


_REQUIRED = object()  # a required argument PyTorch's parser reports missing in its own words


def logsumexp(self, dim=_REQUIRED, keepdim=False):
    if dim is _REQUIRED:
        # PyTorch's argument parser's text (its "arguments", plural, included).
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    return self._logsumexp(dim, keepdim)


def cumsum(self, dim, *, dtype=None):
    return self._cumulative(dim, dtype, False)


def cumprod(self, dim, *, dtype=None):
    return self._cumulative(dim, dtype, True)


def sort(self, dim=-1, descending=False, stable=False):
    return return_types.sort(*self._sort(dim, descending))


def argsort(self, dim=-1, descending=False, stable=False):
    return self._sort(dim, descending)[1]


def topk(self, k, dim=-1, largest=True, sorted=True):
    return return_types.topk(*self._topk(k, dim, largest))


def median(self, dim=None, keepdim=False):
    if dim is None:
        return self._median()
    return return_types.median(*self._median_dim(dim, keepdim))


def count_nonzero(self, dim=None):
    return self._count_nonzero(dim)


# ----- linear algebra -----


def addmm(self, mat1, mat2, *, beta=1, alpha=1):
    return self._addmm("addmm", mat1, mat2, beta, alpha)


def addmv(self, mat, vec, *, beta=1, alpha=1):
    return self._addmm("addmv", mat, vec, beta, alpha)


def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
    return self._addmm("baddbmm", batch1, batch2, beta, alpha)


# ----- shape and views -----


def size(self, dim=None):
    if dim is None:
        return Size(self._shape)
    n = self.ndim
    if not -max(n, 1) <= dim < max(n, 1):
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-max(n, 1)}, "
            f"{max(n, 1) - 1}], but got {dim})"
        )
    return self._shape[dim]


def view_as(self, other):
    return self.view(other.shape)


def reshape_as(self, other):
    return self.reshape(other.shape)


def expand_as(self, other):
    return self.expand(other.shape)


def swapaxes(self, axis0, axis1):
    return self.transpose(axis0, axis1)


def t(self):
    return self._t()


def _T(self):
    return self.permute(*reversed(range(self.ndim)))


def _mT(self):
    if self.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return self.transpose(-2, -1)


def _mH(self):
    if self.ndim < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return self.transpose(-2, -1).conj()


def _H(self):
    if self.ndim > 2:
        raise RuntimeError("tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor. For batches of matrices, consider using "
                           "tensor.mH")
    return _T(self).conj() if self.is_complex() else _T(self)


def adjoint(self):
    if self.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {self.ndim}-D tensor.")
    return self.transpose(-2, -1).conj()


def isreal(self):
    """True where the imaginary part is zero: everywhere for a real tensor."""
    if self.is_complex():
        return self.imag == 0
    return self.new_ones(self.shape, dtype=_C.bool)


def transpose_(self, dim0, dim1):
    self._set_data(self.transpose(dim0, dim1))
    return self


def tril(self, diagonal=0):
    return self._tri(diagonal, False)


def triu(self, diagonal=0):
    return self._tri(diagonal, True)


def tril_(self, diagonal=0):
    return self.copy_(self._tri(diagonal, False))


def triu_(self, diagonal=0):
    return self.copy_(self._tri(diagonal, True))


def nonzero(self, *, as_tuple=False):
    nz = self._nonzero()
    if as_tuple:
        if self.ndim == 0:
            return (_C.zeros(nz.shape[0], dtype=_C.int64),)
        return tuple(nz[:, i] for i in range(self.ndim))
    return nz


def scatter(self, dim, index, src=None, *, value=None, reduce=None):
    return self.clone().scatter_(dim, index, src, value=value, reduce=reduce)


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    if src is None:
        src = value
    mode = {None: "replace", "add": "add", "multiply": "multiply"}.get(reduce)
    if mode is None:
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    return self._scatter_(dim, index, src, mode)


def scatter_add(self, dim, index, src):
    return self.clone()._scatter_(dim, index, src, "add")


def scatter_add_(self, dim, index, src):
    return self._scatter_(dim, index, src, "add")


def index_add(self, dim, index, source, *, alpha=1):
    return self.clone().index_add_(dim, index, source, alpha=alpha)


def index_fill(self, dim, index, value):
    from .nn.functional import _named

    if not isinstance(value, Tensor):
        return _named("IndexFillBackward0", lambda x: x.clone().index_fill_(dim, index, value),
                      self)

    def fill(x, v):
        # The in-place kernel checks the arguments and fills; `where` over the filled positions
        # carries the gradient to the 0-d `v` (the sum over the filled elements, as ATen).
        out = x.clone().index_fill_(dim, index, v.detach())
        if not v.requires_grad:
            return out
        mask = x.detach().new_zeros(x.shape, dtype=_C.bool).index_fill_(dim, index, True)
        return _C.where(mask, v.to(x.dtype), x)

    return _named("IndexFillBackward1", fill, self, value)


def where(self, condition, other):
    return _C.where(condition, self, other)


def _int_list_kw(native, keyword):
    """``t.flip(0, 1)``, ``t.flip((0, 1))`` and ``t.flip(dims=(0, 1))``: PyTorch's parser takes
    an int-list argument as varargs, as one sequence or by its name."""

    def f(self, *args, **kwargs):
        if kwargs:
            unknown = [k for k in kwargs if k != keyword]
            if unknown:
                raise TypeError(
                    f"{native.__name__}() got an unexpected keyword argument '{unknown[0]}'"
                )
            if args:
                raise TypeError(
                    f"{native.__name__}() got multiple values for argument '{keyword}'"
                )
            args = (kwargs[keyword],)
        return native(self, *args)

    f.__name__ = native.__name__
    return f


# ----- dtype conversion -----


def _parse_to(args, kwargs):
    """PyTorch's three ``to`` overloads: ``to(dtype, non_blocking=False, copy=False)``,
    ``to(device=None, dtype=None, non_blocking=False, copy=False)`` and ``to(other,
    non_blocking=False, copy=False)``; ``memory_format`` is keyword-only."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        dtype, device = other.dtype, other.device
    elif args and isinstance(args[0], _C.dtype):
        dtype = args.pop(0)
    elif args and not isinstance(args[0], bool):
        device = args.pop(0)
        if args and (args[0] is None or isinstance(args[0], _C.dtype)):
            dtype = args.pop(0)
    # What is left are the positional non_blocking and copy flags, in that order.
    # (`all` and `any` are Tensor methods in this module.)
    if len(args) > 2 or [a for a in args if not isinstance(a, bool)]:
        raise TypeError(
            "to() received an invalid combination of arguments - got "
            f"({', '.join(a.__class__.__name__ for a in args)})"
        )
    if len(args) == 2:
        copy = args[1]
    return dtype, device, copy


def to(self, *args, **kwargs):
    from ._device import device as _device

    fmt = kwargs.get("memory_format")
    dtype, device, copy = _parse_to(args, dict(kwargs))
    if fmt is not None and fmt is not _mf.preserve_format:
        # ATen's `to` aliases when nothing changes and the strides already suggest `fmt`;
        # otherwise the copy is laid out in `fmt`.
        t = self if device is None else self.to(device)
        if (t is self and not copy and (dtype is None or dtype == self.dtype)
                and _mf.suggest_memory_format(self) is _mf._check(fmt)):
            return self
        return _mf.copy_as(t, fmt, dtype)
    t = self
    if device is not None:
        d = _device(device)
        d._check_available()
        if d._is_gpu != _C._is_gpu(self):
            # Convert on the CPU side of the move, so that `x64.to('cuda', torch.float32)` works.
            if d._is_gpu and dtype is not None:
                t, dtype = t._to_dtype(dtype), None
            if d._is_gpu:
                _gpu_guard.mark_gpu_used()
            t, copy = _C._to_device(t, d._is_gpu), False
    if dtype is None:
        return t.clone() if copy else t
    if dtype != t.dtype and not t.is_contiguous():
        # preserve_format: a dense permuted tensor keeps its strides.
        return _mf.copy_as(t, _mf.preserve_format, dtype)
    return t._to_dtype(dtype, copy)


def cuda(self, device=None, non_blocking=False, memory_format=None):
    if memory_format is None:
        return self.to("cuda" if device is None else device)
    return self.to("cuda" if device is None else device, memory_format=memory_format)


def cpu(self, memory_format=None):
    if memory_format is None:
        return self.to("cpu")
    return self.to("cpu", memory_format=memory_format)


_native_contiguous = Tensor.contiguous
_native_clone = Tensor.clone
_native_is_contiguous = Tensor.is_contiguous


def _typed(dt):
    def f(self, memory_format=None):
        if memory_format is None:
            if _native_is_contiguous(self):
                return self._to_dtype(dt)
            return self.to(dt)
        return self.to(dt, memory_format=memory_format)

    return f


def contiguous(self, memory_format=None):
    if memory_format is None or memory_format is _mf.contiguous_format:
        return _native_contiguous(self)
    if _mf.is_contiguous_as(self, memory_format):
        return self
    if memory_format is _mf.preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    return _mf.copy_as(self, memory_format)


def is_contiguous(self, memory_format=None):
    if memory_format is None:
        return _native_is_contiguous(self)
    return _mf.is_contiguous_as(self, memory_format)


def clone(self, *, memory_format=None):
    if self.is_contiguous() and (memory_format is None or memory_format is _mf.preserve_format
                                 or memory_format is _mf.contiguous_format):
        return _native_clone(self)
    return _mf.copy_as(self, _mf.preserve_format if memory_format is None else memory_format)


def type(self, dtype=None, non_blocking=False):
    if dtype is None:
        return "rtensor." + self.dtype._legacy_name
    if isinstance(dtype, str):
        return self._to_dtype(dtype_from_legacy_name(dtype))
    if isinstance(dtype, _C.dtype):
        return self._to_dtype(dtype)
    return self._to_dtype(dtype_from_legacy_name(legacy_type_name(dtype)))


def is_floating_point(self):
    return self.dtype.is_floating_point


def numpy(self, *, force=False):
    return np.asarray(self)


def __iter__(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(self.unbind(0))


def __reversed__(self):
    if self.ndim == 0:
        return self
    return self.flip(0)


def __contains__(self, element):
    return bool((self == element).any())


def __format__(self, spec):
    if self.ndim == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


def __deepcopy__(self, memo):
    c = self.clone()
    memo[id(self)] = c
    return c


def softmax(self, dim, dtype=None):
    # The fused native op behind nn.functional.softmax (imported late: nn imports this module).
    from .nn import functional

    return functional._softmax(self, dim, dtype, False)


def log_softmax(self, dim, dtype=None):
    from .nn import functional

    return functional._softmax(self, dim, dtype, True)


def _on(t, device, like, requires_grad):
    """`new_*` results live on `like`'s device unless `device` says otherwise."""
    t = t.to(like.device if device is None else device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    t = _C.tensor(data, dtype if dtype is not None else self.dtype)
    return _on(t, device, self, requires_grad)


def _new_factory(fn):
    def f(self, *size, dtype=None, device=None, requires_grad=False):
        t = fn(*size, dtype=dtype if dtype is not None else self.dtype)
        return _on(t, device, self, requires_grad)

    return f


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    t = _C.full(tuple(size), fill_value, dtype if dtype is not None else self.dtype)
    return _on(t, device, self, requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    t = _C.zeros(*size, dtype=dtype if dtype is not None else self.dtype)
    return _on(t, device, self, requires_grad)


def _shape(self):
    return Size(self._shape)


def _device(self):
    from ._device import CPU, GPU0

    return GPU0 if _C._is_gpu(self) else CPU


def _data_get(self):
    return self.detach()


def _data_set(self, value):
    self._set_data(value)


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    if gradient is None and inputs is None and self.dtype.is_floating_point:
        keep = create_graph if retain_graph is None else retain_graph
        _C._backward_scalar(self, bool(keep), bool(create_graph))
        return
    from .autograd import backward as _backward

    _backward(self, gradient, retain_graph, create_graph, inputs=inputs)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, tensor, hook_id):
        self._tensor, self._id = tensor, hook_id

    def remove(self):
        self._tensor._remove_hook(self._id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def register_hook(self, hook):
    return _HookHandle(self, self._register_hook(hook))


_METHODS = {
    "round": _round,
    "erf": erf,
    "erf_": erf_,
    "round_": _round_,
    "add": add,
    "add_": add_,
    "sub": sub,
    "sub_": sub_,
    "subtract": sub,
    "mul": mul,
    "mul_": mul_,
    "multiply": mul,
    "div": div,
    "div_": div_,
    "divide": div,
    "true_divide": div,
    "floor_divide": floor_divide,
    "floor_divide_": floor_divide_,
    "pow": pow,
    "pow_": pow_,
    "lerp": lerp,
    "lerp_": lerp_,
    "isclose": isclose,
    "allclose": allclose,
    "equal": equal,
    "sum": sum,
    "nansum": nansum,
    "mean": mean,
    "prod": prod,
    "max": _max_min(True),
    "min": _max_min(False),
    "amax": amax,
    "amin": amin,
    "argmax": argmax,
    "argmin": argmin,
    "all": all,
    "any": any,
    "var": var,
    "std": std,
    "norm": norm,
    "logsumexp": logsumexp,
    "cumsum": cumsum,
    "cumprod": cumprod,
    "sort": sort,
    "argsort": argsort,
    "topk": topk,
    "median": median,
    "count_nonzero": count_nonzero,
    "addmm": addmm,
    "addmv": addmv,
    "baddbmm": baddbmm,
    "size": size,
    "view_as": view_as,
    "reshape_as": reshape_as,
    "expand_as": expand_as,
    "swapaxes": swapaxes,
    "swapdims": swapaxes,
    "t": t,
    "transpose_": transpose_,
    "tril": tril,
    "triu": triu,
    "tril_": tril_,
    "triu_": triu_,
    "nonzero": nonzero,
    "scatter": scatter,
    "scatter_": scatter_,
    "scatter_add": scatter_add,
    "scatter_add_": scatter_add_,
    "index_add": index_add,
    "index_fill": index_fill,
    "where": where,
    "flip": _int_list_kw(Tensor.flip, "dims"),
    "tile": _int_list_kw(Tensor.tile, "dims"),
    "to": to,
    "type": type,
    "is_floating_point": is_floating_point,
    "numpy": numpy,
    "__iter__": __iter__,
    "__reversed__": __reversed__,
    "__contains__": __contains__,
    "__format__": __format__,
    "__deepcopy__": __deepcopy__,
    "__repr__": tensor_repr,
    "__str__": tensor_repr,
    "new_tensor": new_tensor,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "new_full": new_full,
    "new_empty": new_empty,
    "new_zeros": _new_factory(_C.zeros),
    "new_ones": _new_factory(_C.ones),
    "float": _typed(_C.float32),
    "double": _typed(_C.float64),
    "cfloat": _typed(_C.complex64),
    "cdouble": _typed(_C.complex128),
    "adjoint": adjoint,
    "isreal": isreal,
    "__rdiv__": lambda self, other: self.__rtruediv__(other),
    "half": _typed(_C.float16),
    "bfloat16": _typed(_C.bfloat16),
    "long": _typed(_C.int64),
    "int": _typed(_C.int32),
    "short": _typed(_C.int16),
    "char": _typed(_C.int8),
    "byte": _typed(_C.uint8),
    "bool": _typed(_C.bool),
    "absolute": lambda self: self._unary("abs"),
    "negative": lambda self: self._unary("neg"),
    "arcsin": lambda self: self._unary("asin"),
    "arccos": lambda self: self._unary("acos"),
    "arctan": lambda self: self._unary("atan"),
    "arcsinh": lambda self: self._unary("asinh"),
    "arccosh": lambda self: self._unary("acosh"),
    "arctanh": lambda self: self._unary("atanh"),
    "arcsin_": lambda self: self.asin_(),
    "arccos_": lambda self: self.acos_(),
    "arctan_": lambda self: self.atan_(),
    "arcsinh_": lambda self: self.asinh_(),
    "arccosh_": lambda self: self.acosh_(),
    "arctanh_": lambda self: self.atanh_(),
    "fix": lambda self: self._unary("trunc"),
    "clip": lambda self, min=None, max=None: self.clamp(min, max),
    "clip_": lambda self, min=None, max=None: self.clamp_(min, max),
    "greater": lambda self, o: self._binary("gt", o),
    "greater_equal": lambda self, o: self._binary("ge", o),
    "less": lambda self, o: self._binary("lt", o),
    "less_equal": lambda self, o: self._binary("le", o),
    "not_equal": lambda self, o: self._binary("ne", o),
    "arctan2": lambda self, o: self._binary("atan2", o),
    "cpu": cpu,
    "cuda": cuda,
    "contiguous": contiguous,
    "is_contiguous": is_contiguous,
    "clone": clone,
    "backward": backward,
    "register_hook": register_hook,
    "nelement": lambda self: self.numel(),
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

Tensor.shape = property(_shape)
Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.H = property(_H)
Tensor.mH = property(_mH)
Tensor.device = property(_device)
Tensor.is_cuda = property(lambda self: _C._is_gpu(self))
Tensor.is_cpu = property(lambda self: not _C._is_gpu(self))
Tensor.data = property(_data_get, _data_set)
