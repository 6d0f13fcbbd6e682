"""Function forms (``rtensor.exp(t)``, ``rtensor.sum(t, dim)``...) generated from the Tensor
methods, plus factories that take PyTorch's keyword arguments."""

import numbers

from . import _C
from . import _memory_format as _mf
from ._C import Tensor
from ._device import device as _device
from ._out import writes_out

# Every method that has a function form of the same name and signature: the registered ops
# (`_C._op_registry()`) with a Python name, and the rest of the API by hand.
_REGISTERED = [
    r["name"]
    for r in _C._op_registry()
    if r["kind"] != "activation" and r["py_forms"] != "internal"
]
_FROM_METHODS = _REGISTERED + (
    "lerp isclose allclose equal "
    "mm bmm mv dot matmul outer addmm addmv baddbmm view_as reshape transpose "
    "swapaxes swapdims t permute squeeze unsqueeze flatten unflatten narrow select chunk split "
    "unbind movedim diagonal index_select gather scatter scatter_add index_add index_fill "
    "masked_fill masked_select nonzero take flip roll tril triu diag tile clamp clip numel "
    "absolute negative adjoint isreal arcsin arccos arctan arcsinh arccosh arctanh arctan2 fix greater greater_equal less less_equal "
    "not_equal subtract multiply divide true_divide is_floating_point is_complex clone "
    "square_ exp_ relu_ sigmoid_ tanh_ softmax log_softmax erf"
).split()


# Functions PyTorch lets take two plain numbers (`torch.add(5, 5)` is a 0-d tensor):
# `should_allow_numbers_as_tensors` in torch/csrc/utils/python_arg_parser.cpp.
_NUMBERS_AS_TENSORS = set(
    "add sub subtract mul multiply div divide true_divide floor_divide".split()
)


def _function(name):
    method = getattr(Tensor, name)
    both_numbers = name in _NUMBERS_AS_TENSORS

    def f(input, *args, out=None, **kwargs):
        if not isinstance(input, Tensor):
            if isinstance(input, numbers.Number) and args and (
                isinstance(args[0], Tensor)
                or (both_numbers and isinstance(args[0], numbers.Number))
            ):
                # rtensor.add(2, t) promotes the number like an operator does (a wrapped
                # number); two numbers promote together.
                input = _C.tensor(input, dtype=_C.result_type(input, args[0]))
            else:
                raise TypeError(
                    f"{name}(): argument 'input' (position 1) must be Tensor, not "
                    f"{type(input).__name__}"
                )
        r = method(input, *args, **kwargs)
        if out is not None:
            out._set_data(r)
            return out
        return r

    f.__name__ = name
    f.__qualname__ = name
    return f


FUNCTIONS = {name: _function(name) for name in _FROM_METHODS}


def _check_device(device):
    if device is not None:
        _device(device)._check_available()


def _finish(t, device, requires_grad):
    """Moves a factory's CPU result to ``device`` (values are computed on the CPU, so random
    and formula-based tensors equal their CPU versions), then marks it as a leaf."""
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    _check_device(device)
    return _finish(_C.tensor(data, dtype), device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    _check_device(device)
    if isinstance(data, Tensor):
        t = data if dtype is None else data.to(dtype)
        return t if device is None else t.to(device)
    try:
        import numpy as np

        if isinstance(data, np.ndarray):
            t = _C.from_numpy(data)
            t = t if dtype is None else t.to(dtype)
            return t if device is None else t.to(device)
    except ImportError:
        pass
    return _finish(_C.tensor(data, dtype), device, False)


def _factory(native):
    def f(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
        _check_device(device)
        t = native(*size, dtype=dtype)
        if memory_format is not None and memory_format is not _mf.contiguous_format:
            if memory_format is _mf.preserve_format:
                raise RuntimeError("preserve memory format is unsupported by the contiguous "
                                   "operator")
            t = _mf.copy_as(t, memory_format)
        return _finish(t, device, requires_grad)

    f.__name__ = native.__name__
    return f


zeros = writes_out(_factory(_C.zeros))
ones = writes_out(_factory(_C.ones))
empty = writes_out(_factory(_C.zeros), "empty")


@writes_out
def _complex_default():
    return _C.complex128 if _C.get_default_dtype() == _C.float64 else _C.complex64


def _real_of(dtype):
    return _C.float64 if dtype == _C.complex128 else _C.float32


def _complex_from_parts(re, im, dtype):
    """A complex tensor of ``dtype`` whose real and imaginary parts are ``re`` and ``im``."""
    t = _C.zeros(*re.shape, dtype=dtype)
    parts = _C.view_as_real(t)
    parts.select(-1, 0).copy_(re)
    parts.select(-1, 1).copy_(im)
    return t


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    _check_device(device)
    if isinstance(size, int):
        size = (size,)
    if isinstance(fill_value, complex) or (dtype is not None and dtype.is_complex):
        # A complex fill (or dtype) gives a complex tensor, as PyTorch's type inference does.
        dt = dtype or _complex_default()
        c, rdt = complex(fill_value), _real_of(dt)
        t = _complex_from_parts(_C.full(tuple(size), c.real, rdt),
                                _C.full(tuple(size), c.imag, rdt), dt)
        return _finish(t, device, requires_grad)
    return _finish(_C.full(tuple(size), fill_value, dtype), device, requires_grad)


def _laid_out_like(t, input, memory_format):
    """A ``*_like`` result in ``memory_format`` (default preserve_format: ``input``'s layout)."""
    fmt = _mf.preserve_format if memory_format is None else memory_format
    strides = _mf.target_strides(input, fmt)
    if strides == _mf.contiguous_strides(tuple(t.shape)):
        return t
    return t._clone_strided(strides)


def _like(native):
    def f(input, *, dtype=None, device=None, requires_grad=False, memory_format=None,
          layout=None):
        _check_device(device)
        t = _laid_out_like(native(*input.shape, dtype=dtype or input.dtype), input,
                           memory_format)
        return _finish(t, input.device if device is None else device, requires_grad)

    f.__name__ = native.__name__ + "_like"
    return f


zeros_like = _like(_C.zeros)
ones_like = _like(_C.ones)
empty_like = _like(_C.zeros)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    _check_device(device)
    t = _C.full(tuple(input.shape), fill_value, dtype or input.dtype)
    t = _laid_out_like(t, input, memory_format)
    return _finish(t, input.device if device is None else device, requires_grad)


@writes_out
def arange(start=0, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad=False, layout=None):
    _check_device(device)
    if end is None:
        start, end = 0, start
    return _finish(_C.arange(start, end, step, dtype), device, requires_grad)


@writes_out
def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    if isinstance(start, complex) or isinstance(end, complex) or (
            dtype is not None and dtype.is_complex):
        dt = dtype or _complex_default()
        s, e, rdt = complex(start), complex(end), _real_of(dt)
        t = _complex_from_parts(_C.linspace(s.real, e.real, steps, rdt),
                                _C.linspace(s.imag, e.imag, steps, rdt), dt)
        return _finish(t, device, requires_grad)
    return _finish(_C.linspace(float(start), float(end), steps, dtype), device, requires_grad)


@writes_out
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, device=None,
             requires_grad=False):
    _check_device(device)
    t = _C.logspace(float(start), float(end), steps, float(base), dtype)
    return _finish(t, device, requires_grad)


@writes_out
def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    if dtype is not None and dtype.is_complex:
        return _finish(_C.eye(n, m, _real_of(dtype)).to(dtype), device, requires_grad)
    return _finish(_C.eye(n, m, dtype), device, requires_grad)


@writes_out
def cat(tensors, dim=0, *, out=None, axis=None):
    return _C.cat(tensors, dim if axis is None else axis)


@writes_out
def stack(tensors, dim=0, *, out=None):
    return _C.stack(tensors, dim)


def where(condition, input=None, other=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    return _C.where(condition, input, other)


def clone(input, *, memory_format=None):
    return input.clone(memory_format=memory_format)
