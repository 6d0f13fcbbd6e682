"""Legacy typed constructors: ``rtensor.FloatTensor(2, 3)``, ``LongTensor([1, 2])``. Each is
a class whose instances are ordinary tensors; ``isinstance`` checks the dtype."""

import numbers

from . import _C
from ._C import Tensor


class _LegacyMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


def _make(name, dt):
    def __new__(cls, *args):
        if not args:
            return _C.zeros(0, dtype=dt)
        if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
            return _C.zeros(*args, dtype=dt)
        if len(args) == 1 and getattr(args[0], "_is_size", False):
            return _C.zeros(*args[0], dtype=dt)
        if len(args) == 1:
            return _C.tensor(args[0], dt)
        raise TypeError(f"{name}(): expected sizes (ints) or one data sequence")

    return _LegacyMeta(name, (), {"__new__": __new__, "dtype": dt, "_legacy_name": name})


FloatTensor = _make("FloatTensor", _C.float32)
DoubleTensor = _make("DoubleTensor", _C.float64)
HalfTensor = _make("HalfTensor", _C.float16)
LongTensor = _make("LongTensor", _C.int64)
IntTensor = _make("IntTensor", _C.int32)
ShortTensor = _make("ShortTensor", _C.int16)
CharTensor = _make("CharTensor", _C.int8)
ByteTensor = _make("ByteTensor", _C.uint8)
BoolTensor = _make("BoolTensor", _C.bool)
