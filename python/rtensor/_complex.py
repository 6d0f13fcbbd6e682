"""Complex numbers: ``complex64``/``complex128`` tensors' functions and methods.

The arithmetic (``+ - * / **``, ``@``, ``exp``, ``abs``, ``sum``...) is native: complex
operands route to the compositions of ``src/autograd/ops_complex.rs`` (NOTE [complex by
composition]), whose gradients follow PyTorch's conjugate-Wirtinger convention. This module
adds the complex-only functions (``view_as_real``, ``real``, ``conj``, ``polar``...).

``conj()`` is not lazy here: PyTorch returns a view with its conjugate bit set, rtensor returns
the conjugated values (``is_conj()`` is always False and ``resolve_conj()`` returns the input).
"""

from __future__ import annotations

import math

from . import _C
from ._C import Tensor

view_as_real = _C.view_as_real
view_as_complex = _C.view_as_complex


def _check_tensor(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def is_complex(input):
    _check_tensor(input, "is_complex")
    return input.dtype.is_complex


def real(input):
    """The real part: a view for complex tensors, the tensor itself otherwise."""
    _check_tensor(input, "real")
    if input.dtype.is_complex:
        return _C._complex_part(input, 0)
    return input


def imag(input):
    _check_tensor(input, "imag")
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _C._complex_part(input, 1)


def conj_physical(input):
    _check_tensor(input, "conj_physical")
    return _C._conj_physical(input)


def conj(input):
    _check_tensor(input, "conj")
    if not input.dtype.is_complex:
        return input
    return _C._conj_physical(input)


def resolve_conj(input):
    return input


def resolve_neg(input):
    return input


def is_conj(input):
    return False


def is_neg(input):
    return False


def angle(input):
    """The argument of each element; for real inputs pi where negative, 0 elsewhere (NaN kept)."""
    _check_tensor(input, "angle")
    if input.dtype.is_complex:
        return _C._complex_angle(input)
    x = input if input.dtype.is_floating_point else input.to(_C.get_default_dtype())
    return _C.where(x.isnan(), x, _C.where(x < 0, math.pi, 0.0).to(x.dtype))


def sgn(input):
    _check_tensor(input, "sgn")
    if input.dtype.is_complex:
        return _C._complex_sgn(input)
    return input.sign()


def complex(real, imag):
    """``real + 1j * imag`` (both float tensors of one dtype)."""
    for name, t in (("real", real), ("imag", imag)):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"complex(): argument '{name}' must be Tensor, not {type(t).__name__}"
            )
    return _C._complex(real, imag)


def polar(abs, angle):
    """``abs * (cos(angle) + 1j * sin(angle))``."""
    for name, t in (("abs", abs), ("angle", angle)):
        if not isinstance(t, Tensor):
            raise TypeError(f"polar(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if abs.dtype != angle.dtype:
        raise RuntimeError(
            f"Expected object of scalar type {abs.dtype} but got scalar type {angle.dtype} "
            "for second argument"
        )
    return _C._complex(abs * angle.cos(), abs * angle.sin())


def _real_prop(self):
    return real(self)


def _imag_prop(self):
    return imag(self)


def _set_part(part):
    def setter(self, value):
        target = real(self) if part == 0 else imag(self)
        target.copy_(value if isinstance(value, Tensor) else _C.tensor(value))

    return setter


FUNCTIONS = {
    "view_as_real": view_as_real,
    "view_as_complex": view_as_complex,
    "real": real,
    "imag": imag,
    "conj": conj,
    "conj_physical": conj_physical,
    "resolve_conj": resolve_conj,
    "resolve_neg": resolve_neg,
    "is_conj": is_conj,
    "is_neg": is_neg,
    "angle": angle,
    "sgn": sgn,
    "complex": complex,
    "polar": polar,
    "is_complex": is_complex,
}

METHODS = {
    "conj": conj,
    "conj_physical": conj_physical,
    "resolve_conj": resolve_conj,
    "resolve_neg": resolve_neg,
    "is_conj": is_conj,
    "is_neg": is_neg,
    "angle": angle,
    "sgn": sgn,
    "is_complex": is_complex,
}


def _is_advanced(key):
    items = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (Tensor, list)) for k in items)


def _wrap_getitem(native):
    """Advanced indexing of a complex tensor indexes its (..., 2) real view with the same key
    and a trailing full slice (the gather kernels are real-only; the result is the same)."""
    if getattr(native, "_complex_aware", False):
        return native

    def __getitem__(self, key):
        if self.is_complex() and _is_advanced(key):
            items = key if isinstance(key, tuple) else (key,)
            return _C.view_as_complex(_C.view_as_real(self)[(*items, slice(None))].contiguous())
        return native(self, key)

    __getitem__._complex_aware = True
    return __getitem__


def register():
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    Tensor.__getitem__ = _wrap_getitem(Tensor.__getitem__)
    Tensor.real = property(_real_prop, _set_part(0))
    Tensor.imag = property(_imag_prop, _set_part(1))


# Registered at import (``_functions`` reads the methods) and again after the long tail,
# whose real-only ``sgn``/``angle`` would otherwise replace these.
register()
