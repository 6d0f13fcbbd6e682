"""``torch.stft`` / ``torch.istft``: the short-time Fourier transform and its inverse.

Composed as PyTorch composes them (``torch/functional.py``'s ``stft`` pads the centred signal,
ATen's ``SpectralOps.cpp`` frames, windows and transforms): framing is ``unfold`` (PyTorch's
``as_strided``), the transforms are ``torch.fft``'s recorded primitives (``FftR2CBackward0``,
``FftC2CBackward0``, ``FftC2RBackward0``), and ``istft``'s overlap-add is ``index_add`` on the
(real) frames (PyTorch's ``unfold_backward``), so both differentiate by composition. The
checks and their messages are ATen's, including its ``REPR`` prefix, and the last node of
each result carries PyTorch's name (``SqueezeBackward4``/``TransposeBackward1`` for stft,
whose ATen code squeezes and transposes in place). The transforms have no GPU kernel: a GPU
tensor raises ``NotImplementedError`` naming ``stft``/``istft``.
"""

from __future__ import annotations

import warnings

from . import _C
from . import fft as _fft
from ._C import Tensor
from ._longtail_shape import cpu_only
from .nn import functional as F

METHODS: dict = {}
FUNCTIONS: dict = {}


def _opt(v):
    """ATen's ``writeOpt``: the value (a bool as 0/1) or ``None``."""
    if v is None:
        return "None"
    return str(int(v)) if isinstance(v, bool) else str(v)


def _sizes(shape):
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def _type_string(t):
    """``Tensor::toString()``: ``torch.FloatTensor`` for real dtypes, ``CPUComplexFloatType``
    for complex ones (ATen has no legacy tensor type name for them)."""
    legacy = t.dtype._legacy_name
    if t.dtype.is_complex:
        return "CPU" + legacy[: -len("Tensor")] + "Type"
    return "torch." + legacy


def _window_repr(window):
    if window is None:
        return "None"
    return f"{_type_string(window)}{{{_sizes(window.shape)}}}"


def _renamed(name, x, fn, adjoint):
    """``fn(x)`` recorded as one node called ``name`` whose backward is ``adjoint(g)``."""
    out = fn(x.detach())
    return F._node(name, [x], out, lambda g: (adjoint(g),))


def _real_dtype(d):
    if d == _C.complex128:
        return _C.float64
    return _C.float32 if d == _C.complex64 else d


def _pad_window(window, n_fft, win_length, like):
    """The window zero-padded on both sides to ``n_fft`` (ones when none is given); ``None``
    for no window at all (a rectangular window of length ``n_fft``)."""
    if window is None:
        if win_length == n_fft:
            return None
        window = _C.ones([win_length], dtype=_real_dtype(like.dtype))
        if like.device.type != "cpu":
            window = window.to(like.device)
    if win_length < n_fft:
        left = (n_fft - win_length) // 2
        window = F.pad(window, [left, n_fft - win_length - left])
    return window


def stft(
    input,
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    pad_mode="reflect",
    normalized=False,
    onesided=None,
    return_complex=None,
    align_to_window=None,
):
    """Short-time Fourier transform: ``(B?, N, T)`` complex frames (see ``torch.stft``)."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"stft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    cpu_only(input, "stft")
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if center:
        signal_dim = input.ndim
        extended = [1] * (3 - signal_dim) + list(input.shape)
        pad = int(n_fft // 2)
        input = F.pad(input.view(extended), [pad, pad], pad_mode)
        input = input.view(list(input.shape)[len(input.shape) - signal_dim :])

    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length

    def fail(msg):
        raise RuntimeError(
            f"stft({_type_string(input)}{_sizes(input.shape)}, n_fft={n_fft}, "
            f"hop_length={hop}, win_length={win}, window={_window_repr(window)}, "
            f"normalized={int(bool(normalized))}, onesided={_opt(onesided)}, "
            f"return_complex={_opt(return_complex)}, align_to_window={_opt(align_to_window)}) "
            f": {msg}"
        )

    if window is None:
        warnings.warn(
            "A window was not provided. A rectangular window will be applied,which is known to "
            "cause spectral leakage. Other windows such as torch.hann_window or "
            "torch.hamming_window are recommended to reduce spectral leakage.To suppress this "
            "warning and use a rectangular window, explicitly set "
            "`window=torch.ones(n_fft, device=<device>)`.",
            UserWarning,
            stacklevel=2,
        )
    rc = (
        return_complex
        if return_complex is not None
        else (input.dtype.is_complex or (window is not None and window.dtype.is_complex))
    )
    if not rc:
        if return_complex is None:
            raise RuntimeError(
                "stft requires the return_complex parameter be given for real inputs, and will "
                "further require that return_complex=True in a future PyTorch release."
            )
        warnings.warn(
            "stft with return_complex=False is deprecated. In a future pytorch release, stft "
            "will return complex tensors for all inputs, and return_complex=False will raise an "
            "error.\nNote: you can still call torch.view_as_real on the complex output to "
            "recover the old return format.",
            UserWarning,
            stacklevel=2,
        )
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        fail("expected a tensor of floating point or complex values")
    if input.ndim > 2 or input.ndim < 1:
        fail("expected a 1D or 2D tensor")
    x = input.unsqueeze(0) if input.ndim == 1 else input
    length = x.shape[1]
    if n_fft <= 0 or n_fft > length:
        # ATen prints win_length after "n_fft=" here.
        fail(f"expected 0 < n_fft < {length}, but got n_fft={win}")
    if hop <= 0:
        fail(f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        fail(f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        fail(
            f"expected a 1D window tensor of size equal to win_length={win}, but got window "
            f"with size {_sizes(window.shape)}"
        )
    if window is not None and window.device != input.device:
        raise RuntimeError(
            f"stft input and window must be on the same device but got self on "
            f"{input.device} and window on {window.device}"
        )
    if input.dtype in (_C.float16, _C.bfloat16):
        raise RuntimeError(
            f"MKL FFT doesn't support tensors of type: {input.dtype._legacy_name[: -len('Tensor')]}"
        )

    w = _pad_window(window, n_fft, win, x)
    if align_to_window and win < n_fft:
        # Frames of win_length samples start at t * hop_length; each sits in the middle of
        # its n_fft-point frame (zeros around it, as the padded window would make them).
        left = (n_fft - win) // 2
        x = F.pad(x, [left, n_fft - win - left])
    frames = _frames(x, n_fft, hop)  # (batch, n_frames, n_fft)
    if w is not None:
        frames = frames * w
    complex_fft = frames.dtype.is_complex
    one = (not complex_fft) if onesided is None else bool(onesided)
    mode = 1 if normalized else 0
    if complex_fft:
        if one:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        out = _fft._c2c(frames, [2], mode, True)
    else:
        out = _fft._r2c(frames, [2], mode, one)
    if input.ndim == 1:
        out = out.transpose(1, 2)
        out = _renamed("SqueezeBackward4", out, lambda t: t.squeeze(0), lambda g: g.unsqueeze(0))
    else:
        out = _renamed(
            "TransposeBackward1", out, lambda t: t.transpose(1, 2), lambda g: g.transpose(1, 2)
        )
    return out if rc else _view_as_real(out)


def _frames(x, n, hop):
    """``x.unfold(-1, n, hop)``; a complex signal is framed through its real view (whose
    ``UnfoldBackward`` has a kernel)."""
    if not x.dtype.is_complex:
        return x.unfold(-1, n, hop)
    from . import view_as_complex

    r = _view_as_real(x).unfold(1, n, hop)  # (batch, n_frames, 2, n)
    return view_as_complex(r.transpose(-1, -2).contiguous())


def _view_as_real(t):
    from . import view_as_real

    return view_as_real(t)


def _overlap_add(frames, hop, total):
    """``unfold_backward``: sums ``frames`` (B, T, n) into (B, total) with frame t starting at
    ``t * hop``. With ``n`` split into ``Q = ceil(n / hop)`` blocks of ``hop`` samples, block
    q of frame t lands on output block t + q: ``Q`` shifted slabs summed (a few ops for the
    usual hop = n/4); many blocks (a small hop) use ``fold`` (col2im) instead. Complex
    frames go through their real view."""
    cplx = frames.dtype.is_complex
    f = _view_as_real(frames) if cplx else frames  # (B, T, n[, 2])
    b, t, n = f.shape[:3]
    tail = list(f.shape[3:])
    q = -(-n // hop)
    if q <= 32:
        if q * hop > n:
            f = _C.cat([f, _zeros_like_shape(f, [b, t, q * hop - n] + tail)], 2)
        f = f.reshape([b, t, q, hop] + tail)
        acc = None
        for i in range(q):
            parts = []
            if i > 0:
                parts.append(_zeros_like_shape(f, [b, i, hop] + tail))
            parts.append(f.select(2, i))
            if q - 1 - i > 0:
                parts.append(_zeros_like_shape(f, [b, q - 1 - i, hop] + tail))
            slab = _C.cat(parts, 1) if len(parts) > 1 else parts[0]
            acc = slab if acc is None else acc + slab
        out = acc.reshape([b, (t + q - 1) * hop] + tail).narrow(1, 0, total)
    else:
        c = 2 if cplx else 1
        cols = f.reshape([b, t, n, c]).permute(0, 3, 2, 1).reshape([b, c * n, t])
        out = F.fold(cols, (1, total), (1, n), stride=(1, hop)).reshape([b, c, total])
        out = out.permute(0, 2, 1).contiguous() if cplx else out.reshape([b, total])
    if cplx:
        from . import view_as_complex

        return view_as_complex(out.contiguous())
    return out


def _zeros_like_shape(t, shape):
    z = _C.zeros(shape, dtype=t.dtype)
    return z if t.device.type == "cpu" else z.to(t.device)


def istft(
    input,
    n_fft,
    hop_length=None,
    win_length=None,
    window=None,
    center=True,
    normalized=False,
    onesided=None,
    length=None,
    return_complex=False,
):
    """Inverse short-time Fourier transform (see ``torch.istft``)."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"istft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    cpu_only(input, "istft")
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length

    def fail(msg):
        raise RuntimeError(
            f"istft({_type_string(input)}{_sizes(input.shape)}, n_fft={n_fft}, "
            f"hop_length={hop}, win_length={win}, window={_window_repr(window)}, "
            f"center={int(bool(center))}, normalized={int(bool(normalized))}, "
            f"onesided={_opt(onesided)}, length={_opt(length)}, "
            f"return_complex={int(bool(return_complex))}) {msg}"
        )

    if window is not None and window.device != input.device:
        raise RuntimeError(
            f"istft input and window must be on the same device but got self on "
            f"{input.device} and window on {window.device}"
        )
    if not input.dtype.is_complex:
        raise RuntimeError(
            "istft requires a complex-valued input tensor matching the output from stft with "
            "return_complex=True."
        )
    x = input.resolve_conj() if hasattr(input, "resolve_conj") else input
    real_dim = input.ndim + 1
    # ATen reads the sizes from the real view before checking its rank.
    n_frames = input.shape[_wrap(-2, real_dim)]
    fft_size = input.shape[_wrap(-3, real_dim)]
    if input.numel() == 0:
        fail(": input tensor cannot be empty.")
    if real_dim != 3 and real_dim != 4:
        fail(f": expected a tensor with 3 or 4 dimensions, but got {real_dim}")
    expected_len = n_fft + hop * (n_frames - 1)
    one = (fft_size != n_fft) if onesided is None else bool(onesided)
    if one:
        if n_fft // 2 + 1 != fft_size:
            fail(
                ": expected the frequency dimension (3rd to the last) of the input tensor to "
                f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}"
            )
    elif n_fft != fft_size:
        fail(
            ": expected the frequency dimension (3rd to the last) of the input tensor to match "
            f"n_fft when onesided=False, but got {fft_size}"
        )
    if not (0 < hop <= win):
        fail(": expected 0 < hop_length <= win_length")
    if not (0 < win <= n_fft):
        fail(": expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        fail(": Invalid window shape. window has to be 1D and length of `win_length`")

    real_dtype = _real_dtype(input.dtype)
    w = window
    if w is None:
        w = _C.ones([win], dtype=real_dtype)
        if input.device.type != "cpu":
            w = w.to(input.device)
    if win != n_fft:
        left = (n_fft - win) // 2
        w = F.pad(w, [left, n_fft - win - left])

    if real_dim == 3:
        x = x.unsqueeze(0)
    x = x.transpose(1, 2)  # (channel, n_frames, fft_size)
    mode = 1 if normalized else 2
    if return_complex:
        if one:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        y = _fft._c2c(x, [2], mode, False)
    else:
        if window is not None and window.dtype.is_complex:
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not one:
            x = x.narrow(-1, 0, n_fft // 2 + 1)
        y = _fft._c2r(x, [2], mode, n_fft)
    y = _overlap_add(y * w, hop, expected_len)
    w2 = (w * w).expand([1, n_frames, n_fft])
    envelope = _overlap_add(w2, hop, expected_len)

    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = -(n_fft // 2)
    else:
        end = expected_len
    y = _slice(y, start, end)
    envelope = _slice(envelope, start, end)
    if envelope.numel() == 0:
        raise RuntimeError(
            "min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
            "reduction dim with the 'dim' argument."
        )
    if bool(envelope.detach().abs().min() < 1e-11):
        fail("window overlap add min: 1\n[ CPUBoolType{} ]")
    y = y / envelope
    if real_dim == 3:
        y = y.squeeze(0)
    if end > expected_len:
        warnings.warn(
            "The length of signal is shorter than the length parameter. Result is being padded "
            "with zeros in the tail. Please check your center and hop_length settings.",
            UserWarning,
            stacklevel=2,
        )
        y = F.pad(y, [0, end - expected_len])
    return y


def _wrap(d, ndim):
    """A negative dim of the real view (``ndim`` dims) as an index into the complex tensor
    (the real view's dims before its last are the complex tensor's),
    with ATen's error when it is out of range."""
    if not -ndim <= d < ndim:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})"
        )
    return d + ndim


def _slice(t, start, end):
    """``Tensor::slice(1, start, end)`` with ATen's clamping of negative and large bounds."""
    n = t.shape[1]
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = min(max(start, 0), n)
    end = min(max(end, start), n)
    return t.narrow(1, start, end - start)


FUNCTIONS["stft"] = stft
FUNCTIONS["istft"] = istft
METHODS["stft"] = stft
METHODS["istft"] = istft
