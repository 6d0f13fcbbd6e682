"""``rtensor.signal.windows`` (PyTorch's ``torch/signal/windows/windows.py``): each window is
the same composition of ``linspace``/``exp``/``cos``... as PyTorch's, so ``requires_grad=True``
gives the same graph (a non-leaf tensor). ``TOPLEVEL`` holds ``rtensor.hann_window``,
``hamming_window``, ``blackman_window``, ``bartlett_window`` and ``kaiser_window``: ATen's
native window factories (``periodic=``, a leaf result), computed in float64 on the host and
converted to ``dtype``.
"""

import math
from collections.abc import Iterable

import numpy as np

import rtensor as _rt

__all__ = [
    "bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
    "general_hamming", "hamming", "hann", "kaiser", "nuttall",
]


def _checks(name, M, dtype, layout):
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and layout != _rt.strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (_rt.float32, _rt.float64):
        raise ValueError(
            f"{name} expects float32 or float64 dtypes, got: {dtype}".replace(
                "rtensor.", "torch.")
        )


def _dtype(dtype):
    return _rt.get_default_dtype() if dtype is None else dtype


def _fill(M, value, dtype, device, requires_grad):
    make = _rt.empty if value is None else _rt.ones
    return make((M,), dtype=dtype, device=device, requires_grad=requires_grad)


def _linspace(start, end, M, dtype, device, requires_grad):
    return _rt.linspace(start, end, M, dtype=dtype, device=device, requires_grad=requires_grad)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None,
                requires_grad=False):
    dtype = _dtype(dtype)
    _checks("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return _fill(0, None, dtype, device, requires_grad)
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    constant = 1 / tau
    k = _linspace(-center * constant, (-center + (M - 1)) * constant, M, dtype, device,
                  requires_grad)
    return _rt.exp(-_rt.abs(k))


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = _dtype(dtype)
    _checks("cosine", M, dtype, layout)
    if M == 0:
        return _fill(0, None, dtype, device, requires_grad)
    start = 0.5
    constant = math.pi / (M + 1 if not sym and M > 1 else M)
    k = _linspace(start * constant, (start + (M - 1)) * constant, M, dtype, device,
                  requires_grad)
    return _rt.sin(k)


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None,
             requires_grad=False):
    dtype = _dtype(dtype)
    _checks("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return _fill(0, None, dtype, device, requires_grad)
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    constant = 1 / (std * math.sqrt(2))
    k = _linspace(start * constant, (start + (M - 1)) * constant, M, dtype, device,
                  requires_grad)
    return _rt.exp(-(k ** 2))


def _i0(x, bound):
    """The modified Bessel function I0 as its power series (differentiable ops), summed until
    the terms of arguments up to ``bound`` are below double precision."""
    fn = getattr(_rt, "i0", None)
    if fn is not None:
        return fn(x)
    q = x * x / 4
    term = _rt.ones_like(x)
    total = term
    for k in range(1, int(bound) + 60):
        term = term * q / (k * k)
        total = total + term
    return total


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None,
           requires_grad=False):
    dtype = _dtype(dtype)
    _checks("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if M == 0:
        return _fill(0, None, dtype, device, requires_grad)
    if M == 1:
        return _fill(1, 1, dtype, device, requires_grad)
    bound = float(beta)
    beta = _rt.tensor(float(beta), dtype=dtype, device=device)
    start = -beta
    constant = 2.0 * beta / (M if not sym else M - 1)
    end = _rt.minimum(beta, start + (M - 1) * constant)
    k = _linspace(float(start), float(end), M, dtype, device, requires_grad)
    return _i0(_rt.sqrt(beta * beta - _rt.pow(k, 2)), bound) / _i0(beta, bound)


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None,
                   requires_grad=False):
    dtype = _dtype(dtype)
    _checks("general_cosine", M, dtype, layout)
    if M == 0:
        return _fill(0, None, dtype, device, requires_grad)
    if M == 1:
        return _fill(1, 1, dtype, device, requires_grad)
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    constant = 2 * math.pi / (M if not sym else M - 1)
    k = _linspace(0, (M - 1) * constant, M, dtype, device, requires_grad)
    a_i = _rt.tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, device=device,
                     requires_grad=requires_grad)
    i = _rt.arange(a_i.shape[0], dtype=a_i.dtype, device=a_i.device,
                   requires_grad=a_i.requires_grad)
    return (a_i.unsqueeze(-1) * _rt.cos(i.unsqueeze(-1) * k)).sum(0)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None,
                    requires_grad=False):
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = _dtype(dtype)
    _checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    dtype = _dtype(dtype)
    _checks("bartlett", M, dtype, layout)
    if M == 0:
        return _fill(0, None, dtype, device, requires_grad)
    if M == 1:
        return _fill(1, 1, dtype, device, requires_grad)
    start = -1
    constant = 2 / (M if not sym else M - 1)
    k = _linspace(start, start + (M - 1) * constant, M, dtype, device, requires_grad)
    return 1 - _rt.abs(k)


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


# --- ATen's window factories (torch.hann_window...) -----------------------------------------

def _native_window(name, window_length, periodic, dtype, layout, device, requires_grad,
                   values):
    dtype = _dtype(dtype)
    if layout is not None and layout != _rt.strided:
        raise RuntimeError(f"{name} is not implemented for sparse types, got: {layout}")
    if not dtype.is_floating_point:
        # ATen prints the whole TensorOptions, with C++'s name of the scalar type.
        cname = {_rt.int64: "long int", _rt.int32: "int", _rt.int16: "short int",
                 _rt.int8: "signed char", _rt.uint8: "unsigned char", _rt.bool: "bool"}
        dev = "cpu" if device is None else str(device)
        raise RuntimeError(
            f"{name} expects floating point dtypes, got: TensorOptions(dtype="
            f"{cname.get(dtype, dtype)}, device={dev}, layout=Strided (default), "
            "requires_grad=false (default), pinned_memory=false, memory_format=(nullopt))"
        )
    if window_length < 0:
        raise RuntimeError(
            f"{name} requires non-negative window_length, got window_length={window_length}"
        )
    if window_length == 0:
        w = np.zeros(0)
    elif window_length == 1:
        w = np.ones(1)
    else:
        n = window_length + 1 if periodic else window_length
        w = values(np.arange(n, dtype=np.float64), n)
        if periodic:
            w = w[:-1]
    t = _rt.tensor(w.tolist(), dtype=dtype)
    if window_length == 0:
        t = t.reshape(0)
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, pin_memory=False, requires_grad=False):
    return _native_window(
        "hamming_window", window_length, periodic, dtype, layout, device, requires_grad,
        lambda k, n: alpha - beta * np.cos(k * (2 * math.pi / (n - 1))))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                pin_memory=False, requires_grad=False):
    return _native_window(
        "hann_window", window_length, periodic, dtype, layout, device, requires_grad,
        lambda k, n: 0.5 - 0.5 * np.cos(k * (2 * math.pi / (n - 1))))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    def values(k, n):
        x = k * (math.pi / (n - 1))
        return 0.08 * np.cos(4 * x) - 0.5 * np.cos(2 * x) + 0.42

    return _native_window("blackman_window", window_length, periodic, dtype, layout, device,
                          requires_grad, values)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    pin_memory=False, requires_grad=False):
    def values(k, n):
        w = k * (2.0 / (n - 1))
        half = ((n - 1) >> 1) + 1
        w[half:] = 2 - w[half:]
        return w

    return _native_window("bartlett_window", window_length, periodic, dtype, layout, device,
                          requires_grad, values)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, pin_memory=False, requires_grad=False):
    def values(k, n):
        alpha = (n - 1) / 2.0
        return np.i0(beta * np.sqrt(np.maximum(1 - ((k - alpha) / alpha) ** 2, 0))) / np.i0(
            beta)

    return _native_window("kaiser_window", window_length, periodic, dtype, layout, device,
                          requires_grad, values)


TOPLEVEL = {
    f.__name__: f
    for f in (hamming_window, hann_window, blackman_window, bartlett_window, kaiser_window)
}
