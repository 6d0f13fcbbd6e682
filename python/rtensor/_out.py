"""``out=`` for the Python-level functions: the result is computed as without it, then written
into the given tensor(s), as PyTorch's out= variants do: the result's dtype must be castable to
``out``'s (then ``out`` keeps its dtype), ``out`` takes the result's shape, and no argument may
require grad while grad mode is on."""

from __future__ import annotations

import functools

from . import _C
from ._C import Tensor


def _requires_grad(v):
    if isinstance(v, Tensor):
        return v.requires_grad
    if isinstance(v, (list, tuple)):
        return any(_requires_grad(x) for x in v)
    return False


def _scalar_name(dtype):
    return dtype._legacy_name[: -len("Tensor")]


def write(name, result, out):
    """Writes ``result`` (a tensor or a tuple of tensors) into ``out``; returns ``out`` (as the
    result's named-tuple type for tuples)."""
    if isinstance(result, tuple):
        if not isinstance(out, (list, tuple)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        for r, o in zip(result, out):
            write(name, r, o)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if result.dtype != out.dtype and not _C.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_scalar_name(result.dtype)} can't be cast to the "
                           f"desired output type {_scalar_name(out.dtype)}")
    r = result.detach()
    if r.dtype != out.dtype:
        r = r.to(out.dtype)
    if r.device != out.device:
        r = r.to(out.device)
    out._set_data(r)
    return out


def writes_out(fn, name=None):
    """``fn`` with an ``out=`` keyword handled by :func:`write`."""
    name = name or fn.__name__

    @functools.wraps(fn)
    def f(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if _C.is_grad_enabled() and (_requires_grad(args) or
                                     _requires_grad(tuple(kwargs.values()))):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.")
        return write(name, fn(*args, **kwargs), out)

    return f
