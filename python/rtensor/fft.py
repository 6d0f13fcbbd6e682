"""``torch.fft``: discrete Fourier transforms on rustfft.

Every function is composed, as in PyTorch (``torch/_refs/fft.py`` and ATen's
``SpectralOps.cpp``), from three native primitives: ``_fft_c2c`` (complex to complex),
``_fft_r2c`` (real to complex, optionally one-sided) and ``_fft_c2r`` (Hermitian one-sided
complex to real). This module resizes inputs for ``n``/``s``, picks the normalisation for
``norm`` and records each primitive as PyTorch's node (``FftC2CBackward0``...), whose backward
is the adjoint transform (FunctionsManual's ``fft_r2c_backward`` / ``fft_c2r_backward``).
"""

from __future__ import annotations

import builtins
import math

from . import _C
from ._C import Tensor
from .nn.functional import _node

__all__ = [
    "fft",
    "ifft",
    "fft2",
    "ifft2",
    "fftn",
    "ifftn",
    "rfft",
    "irfft",
    "rfft2",
    "irfft2",
    "rfftn",
    "irfftn",
    "hfft",
    "ihfft",
    "hfft2",
    "ihfft2",
    "hfftn",
    "ihfftn",
    "fftfreq",
    "rfftfreq",
    "fftshift",
    "ifftshift",
]

# ----- the recorded primitives -----


def _c2c(x, dims, norm, forward):
    out = _C._fft_c2c(x, list(dims), norm, forward)
    return _node("FftC2CBackward0", [x], out, lambda g: (_c2c(g, dims, norm, not forward),))


def _r2c(x, dims, norm, onesided):
    out = _C._fft_r2c(x, list(dims), norm, onesided)
    full = x.shape[dims[-1]]

    def backward(g):
        if onesided and g.shape[dims[-1]] < full:
            pad = list(g.shape)
            pad[dims[-1]] = full - g.shape[dims[-1]]
            g = _C.cat([g, _C.zeros(pad, dtype=g.dtype)], dims[-1])
        return (_c2c(g, dims, norm, False).real,)

    return _node("FftR2CBackward0", [x], out, backward)


def _c2r(x, dims, norm, last_dim_size):
    out = _C._fft_c2r(x, list(dims), norm, last_dim_size)

    def backward(g):
        gi = _r2c(g, dims, norm, True)
        # Each value but the first (and the middle one for an even length) stands for two.
        h = gi.shape[dims[-1]]
        double = g.shape[dims[-1]] - h
        if double > 0:
            w = [1.0] + [2.0] * double + [1.0] * (h - 1 - double)
            shape = [1] * gi.ndim
            shape[dims[-1]] = h
            gi = gi * _C.tensor(w, dtype=gi.real.dtype).reshape(shape)
        return (gi,)

    return _node("FftC2RBackward0", [x], out, backward)


# ----- argument handling -----


def _norm_mode(norm, forward):
    """ATen's ``norm_from_string``: 0 no scaling, 1 by 1/sqrt(n), 2 by 1/n."""
    if norm is None or norm == "backward":
        return 0 if forward else 2
    if norm == "ortho":
        return 1
    if norm == "forward":
        return 2 if forward else 0
    raise ValueError(f'Invalid normalization mode: "{norm}"')


def _apply_norm(x, norm, n, forward):
    if norm == "ortho":
        return x * (1.0 / math.sqrt(n))
    if (not forward and norm in (None, "backward")) or (forward and norm == "forward"):
        return x * (1.0 / n)
    return x


def _check_tensor(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(
            f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}"
        )


def _promote(x, name, require_complex=False):
    """Integers and bool to the default float; float16/bfloat16 are refused (as on PyTorch's
    CPU); with ``require_complex``, real inputs become complex."""
    _check_tensor(x, name)
    d = x.dtype
    if not (d.is_floating_point or d.is_complex):
        x = x.to(_C.get_default_dtype())
    elif d in (_C.float16, _C.bfloat16):
        raise RuntimeError(f"Unsupported dtype {str(d).split('.')[-1].capitalize()}")
    if require_complex and not x.dtype.is_complex:
        x = x.to(_C.complex128 if x.dtype == _C.float64 else _C.complex64)
    return x


def _wrap(d, ndim):
    n = builtins.max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return d % n


def _resize(x, dims, sizes):
    """Zero-pads or trims ``x`` to ``sizes`` along ``dims`` (differentiably)."""
    for d, s in zip(dims, sizes):
        cur = x.shape[d]
        if s < cur:
            x = x.narrow(d, 0, s)
        elif s > cur:
            pad = list(x.shape)
            pad[d] = s - cur
            x = _C.cat([x, _C.zeros(pad, dtype=x.dtype)], d)
    return x


def _one_dim(x, n, dim, name):
    if x.ndim == 0:
        raise IndexError(
            "Dimension specified as -1 but tensor has no dimensions"
            if dim == -1
            else f"Dimension specified as {dim} but tensor has no dimensions"
        )
    d = _wrap(dim, x.ndim)
    return d, (x.shape[d] if n is None else n)


def _check_n(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _shape_and_dims(x, s, dim, name):
    """``fftn``'s rules for ``s`` and ``dim`` (PyTorch's ``_canonicalize_fft_shape_and_dim_args``)."""
    if dim is not None:
        dims = [dim] if isinstance(dim, int) else list(dim)
        dims = [_wrap(d, x.ndim) for d in dims]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is not None:
        s = [s] if isinstance(s, int) else list(s)
        if dim is None:
            if len(s) > x.ndim:
                raise RuntimeError(
                    f"Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions."
                )
            dims = list(range(x.ndim - len(s), x.ndim))
        elif len(s) != len(dims):
            raise RuntimeError(
                f"When given, dim and shape arguments must have the same length. "
                f"Got dim: {len(dims)} and shape: {len(s)}"
            )
        shape = [x.shape[d] if v == -1 else v for d, v in zip(dims, s)]
    else:
        if dim is None:
            dims = list(range(x.ndim))
        shape = [x.shape[d] for d in dims]
    for v in shape:
        _check_n(v)
    return shape, dims


# ----- one-dimensional transforms -----


def _fft_c2c(name, x, n, dim, norm, forward):
    x = _promote(x, name)
    d, n = _one_dim(x, n, dim, name)
    _check_n(n)
    x = _resize(x, [d], [n])
    mode = _norm_mode(norm, forward)
    if x.dtype.is_complex:
        return _c2c(x, [d], mode, forward)
    out = _r2c(x, [d], mode, False)
    return out if forward else conj_physical(out)


def fft(input, n=None, dim=-1, norm=None):
    return _fft_c2c("fft", input, n, dim, norm, True)


def ifft(input, n=None, dim=-1, norm=None):
    return _fft_c2c("ifft", input, n, dim, norm, False)


def _fft_r2c(name, x, n, dim, norm, forward, onesided):
    _check_tensor(x, name)
    if x.dtype.is_complex:
        raise RuntimeError(f"{name} expects a real input tensor, but got {_type_name(x.dtype)}")
    x = _promote(x, name)
    d, n = _one_dim(x, n, dim, name)
    _check_n(n)
    x = _resize(x, [d], [n])
    out = _r2c(x, [d], _norm_mode(norm, forward), onesided)
    return out if forward else conj_physical(out)


def rfft(input, n=None, dim=-1, norm=None):
    return _fft_r2c("rfft", input, n, dim, norm, True, True)


def ihfft(input, n=None, dim=-1, norm=None):
    return _fft_r2c("ihfft", input, n, dim, norm, False, True)


def _fft_c2r(name, x, n, dim, norm, forward):
    x = _promote(x, name, require_complex=True)
    d, _ = _one_dim(x, None, dim, name)
    last = n if n is not None else 2 * (x.shape[d] - 1)
    _check_n(last)
    x = _resize(x, [d], [last // 2 + 1])
    if forward:
        x = conj_physical(x)
    return _c2r(x, [d], _norm_mode(norm, forward), last)


def irfft(input, n=None, dim=-1, norm=None):
    return _fft_c2r("irfft", input, n, dim, norm, False)


def hfft(input, n=None, dim=-1, norm=None):
    return _fft_c2r("hfft", input, n, dim, norm, True)


# ----- n-dimensional transforms -----


def _fftn_c2c(name, x, s, dim, norm, forward):
    x = _promote(x, name)
    shape, dims = _shape_and_dims(x, s, dim, name)
    x = _resize(x, dims, shape)
    if not dims:
        return x.to(_C.complex128 if x.dtype == _C.float64 else _C.complex64) if not x.dtype.is_complex else x
    mode = _norm_mode(norm, forward)
    if x.dtype.is_complex:
        return _c2c(x, dims, mode, forward)
    out = _r2c(x, dims, mode, False)
    return out if forward else conj_physical(out)


def fftn(input, s=None, dim=None, norm=None):
    return _fftn_c2c("fftn", input, s, dim, norm, True)


def ifftn(input, s=None, dim=None, norm=None):
    return _fftn_c2c("ifftn", input, s, dim, norm, False)


def fft2(input, s=None, dim=(-2, -1), norm=None):
    return fftn(input, s, dim, norm)


def ifft2(input, s=None, dim=(-2, -1), norm=None):
    return ifftn(input, s, dim, norm)


def rfftn(input, s=None, dim=None, norm=None):
    _check_tensor(input, "rfftn")
    if input.dtype.is_complex:
        raise RuntimeError(f"rfftn expects a real-valued input tensor, but got {_type_name(input.dtype)}")
    x = _promote(input, "rfftn")
    shape, dims = _shape_and_dims(x, s, dim, "rfftn")
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    x = _resize(x, dims, shape)
    return _r2c(x, dims, _norm_mode(norm, True), True)


def rfft2(input, s=None, dim=(-2, -1), norm=None):
    return rfftn(input, s, dim, norm)


def _c2r_shape_and_dims(x, s, dim, name):
    shape, dims = _shape_and_dims(x, s, dim, name)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    if s is None or s[-1] == -1:
        shape[-1] = 2 * (x.shape[dims[-1]] - 1)
    _check_n(shape[-1])
    return shape, dims


def irfftn(input, s=None, dim=None, norm=None):
    x = _promote(input, "irfftn", require_complex=True)
    shape, dims = _c2r_shape_and_dims(x, s, dim, "irfftn")
    x = _resize(x, dims, shape[:-1] + [shape[-1] // 2 + 1])
    return _c2r(x, dims, _norm_mode(norm, False), shape[-1])


def irfft2(input, s=None, dim=(-2, -1), norm=None):
    return irfftn(input, s, dim, norm)


def hfftn(input, s=None, dim=None, norm=None):
    x = _promote(input, "hfftn", require_complex=True)
    shape, dims = _c2r_shape_and_dims(x, s, dim, "hfftn")
    x = _resize(x, dims, shape[:-1] + [shape[-1] // 2 + 1])
    t = _c2c(x, dims[:-1], 0, True) if len(dims) > 1 else x
    t = _apply_norm(t, norm, math.prod(shape[:-1]), True)
    out = _c2r(conj_physical(t), dims[-1:], 0, shape[-1])
    return _apply_norm(out, norm, shape[-1], True)


def hfft2(input, s=None, dim=(-2, -1), norm=None):
    return hfftn(input, s, dim, norm)


def ihfftn(input, s=None, dim=None, norm=None):
    _check_tensor(input, "ihfftn")
    if input.dtype.is_complex:
        raise RuntimeError(f"ihfftn expects a real-valued input tensor, but got {_type_name(input.dtype)}")
    x = _promote(input, "ihfftn")
    shape, dims = _shape_and_dims(x, s, dim, "ihfftn")
    if not dims:
        raise RuntimeError("ihfftn must transform at least one axis")
    x = _resize(x, dims, shape)
    t = _r2c(x, dims[-1:], 0, True)
    if len(dims) == 1:
        return conj_physical(_apply_norm(t, norm, shape[0], False))
    t = _c2c(conj_physical(t), dims[:-1], 0, False)
    return _apply_norm(t, norm, math.prod(shape), False)


def ihfft2(input, s=None, dim=(-2, -1), norm=None):
    return ihfftn(input, s, dim, norm)


# ----- helpers -----


def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Sample frequencies ``[0, 1, ..., (n-1)//2, -(n//2), ..., -1] / (d*n)``."""
    first = (n - 1) // 2 + 1
    vals = list(range(first)) + list(range(-(n // 2), 0))
    out = _C.tensor(vals, dtype=dtype or _C.get_default_dtype()) * (1.0 / (n * d))
    if device is not None:
        out = out.to(device)
    return out.requires_grad_(requires_grad) if requires_grad else out


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Sample frequencies ``[0, 1, ..., n//2] / (d*n)`` of ``rfft``."""
    vals = list(range(n // 2 + 1))
    out = _C.tensor(vals, dtype=dtype or _C.get_default_dtype()) * (1.0 / (n * d))
    if device is not None:
        out = out.to(device)
    return out.requires_grad_(requires_grad) if requires_grad else out


def _shift_dims(x, dim):
    if dim is None:
        return list(range(x.ndim))
    return [dim] if isinstance(dim, int) else list(dim)


def fftshift(input, dim=None):
    dims = _shift_dims(input, dim)
    return input.roll([input.shape[d] // 2 for d in dims], dims)


def ifftshift(input, dim=None):
    dims = _shift_dims(input, dim)
    return input.roll([(input.shape[d] + 1) // 2 for d in dims], dims)


def _type_name(d):
    return {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(str(d).split(".")[-1], str(d))


def conj_physical(x):
    return _C._conj_physical(x)
