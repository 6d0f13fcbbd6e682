"""Names the distribution modules import from ``torch`` in PyTorch (``torch.types``,
``torch.inf``, ``torch.finfo``, ``once_differentiable``, ``is_tensor_like``) that rtensor's
top level does not provide, kept private to this package."""

import functools
import math
import warnings
from typing import Union

from .. import _C
from .._C import Tensor
from .._size import Size

inf = math.inf
nan = math.nan
SymInt = int
Number = Union[int, float, bool]
_Number = (int, float, bool)
_size = Union[Size, list, tuple]
_dtype = object
Device = object

__all__ = [
    "Device", "Number", "Size", "SymInt", "Tensor", "_Number", "_dtype", "_finfo", "_size",
    "deprecated", "inf", "is_tensor_like", "nan", "once_differentiable",
]


def is_tensor_like(x):
    return isinstance(x, Tensor)


def once_differentiable(fn):
    return fn


def deprecated(message, category=FutureWarning):
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            warnings.warn(message, category, stacklevel=2)
            return fn(*args, **kwargs)

        return inner

    return wrap


class _FInfo:
    def __init__(self, bits, eps, tiny, max_, resolution):
        self.bits, self.eps, self.tiny, self.max = bits, eps, tiny, max_
        self.min, self.smallest_normal, self.resolution = -max_, tiny, resolution


_FINFO = {
    _C.float32: _FInfo(32, 2.0**-23, 2.0**-126, (2 - 2.0**-23) * 2.0**127, 1e-6),
    _C.float64: _FInfo(64, 2.0**-52, 2.0**-1022, (2 - 2.0**-52) * 2.0**1023, 1e-15),
    _C.float16: _FInfo(16, 2.0**-10, 2.0**-14, 65504.0, 1e-3),
    _C.bfloat16: _FInfo(16, 2.0**-7, 2.0**-126, (2 - 2.0**-7) * 2.0**127, 1e-2),
}


def _finfo(dtype=None):
    """``torch.finfo(dtype)``'s numbers (eps, tiny, max, min) for the floating dtypes."""
    if dtype is None:
        dtype = _C.get_default_dtype()
    try:
        return _FINFO[dtype]
    except KeyError:
        raise TypeError(f"torch.finfo() requires a floating point input type, got {dtype}") from None
