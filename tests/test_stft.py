"""torch.stft / torch.istft (and their Tensor methods) and torch.special.airy_ai against
PyTorch's answers recorded by scripts/record_stft_reference.py into
tests/data/stft_reference.npz; NumPy oracles (numpy.fft on frames), round trips, float64
gradcheck, 50-digit reference values of Ai."""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
from rtensor.autograd import gradcheck

REF = np.load(Path(__file__).parent / "data" / "stft_reference.npz")
META = json.loads(str(REF["meta"]))


def _complex(a):
    """A recorded real view (..., 2) as a complex tensor."""
    return torch.view_as_complex(torch.tensor(np.ascontiguousarray(a)))


def _input(cid, key, is_complex):
    a = REF[f"{cid}|{key}"]
    t = _complex(a) if is_complex else torch.tensor(a)
    return t.requires_grad_()


def _real_view(t):
    t = t.detach()
    return torch.view_as_real(t).numpy() if t.dtype.is_complex else t.numpy()


def _tol(dtype_name):
    return (2e-5, 2e-5) if dtype_name in ("float32", "complex64") else (1e-10, 1e-10)


def _check_case(case, fn, x_complex, w_complex):
    cid = case["id"]
    x = _input(cid, "x", x_complex)
    w = _input(cid, "w", w_complex) if f"{cid}|w" in REF else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(x, window=w, **case["kwargs"])
    assert out.grad_fn.name() == case["grad_fn"]
    assert str(out.dtype).split(".")[-1] == case["out_dtype"]
    assert list(out.shape) == case["out_shape"]
    rtol, atol = _tol(case["out_dtype"])
    np.testing.assert_allclose(_real_view(out), REF[f"{cid}|out"], rtol=rtol, atol=atol)
    rv = torch.view_as_real(out) if out.dtype.is_complex else out
    (rv * torch.tensor(REF[f"{cid}|gout"])).sum().backward()
    np.testing.assert_allclose(_real_view(x.grad), REF[f"{cid}|gx"], rtol=rtol, atol=atol)
    if w is not None:
        np.testing.assert_allclose(_real_view(w.grad), REF[f"{cid}|gw"], rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", META["stft"], ids=lambda c: c["id"])
def test_stft_matches_pytorch(case):
    _check_case(
        case, torch.stft, case["xdtype"].startswith("c"), (case["wdtype"] or "").startswith("c")
    )


@pytest.mark.parametrize("case", META["istft"], ids=lambda c: c["id"])
def test_istft_matches_pytorch(case):
    _check_case(case, torch.istft, True, (case["wdtype"] or "").startswith("complex"))


@pytest.mark.parametrize("err", META["errors"], ids=lambda e: e["expr"][:90])
def test_errors_match_pytorch(err):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            eval(err["expr"], {"torch": torch})
    assert type(info.value).__name__ == err["type"]
    assert str(info.value) == err["message"]


def test_return_complex_is_required_for_real_input_and_warnings():
    x = torch.randn(40)
    with pytest.raises(RuntimeError, match="requires the return_complex parameter"):
        torch.stft(x, 8, window=torch.ones(8))
    with pytest.warns(UserWarning, match="A window was not provided"):
        torch.stft(x, 8, return_complex=True)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        out = torch.stft(x, 8, window=torch.ones(8), return_complex=False)
    assert out.dtype == torch.float32 and list(out.shape) == [5, 21, 2]
    spec = torch.stft(x, 8, window=torch.hann_window(8), return_complex=True)
    with pytest.warns(UserWarning, match="shorter than the length parameter"):
        y = torch.istft(spec, 8, window=torch.hann_window(8), length=50)
    assert list(y.shape) == [50] and float(y[44:].abs().max()) == 0.0  # 44 = 8 + 2 * 20 - 4 computed


# ----- NumPy oracle: frames, window, numpy.fft -----


def _np_stft(x, n_fft, hop, win, window, center, pad_mode, normalized, onesided):
    if center:
        mode = {"reflect": "reflect", "constant": "constant", "replicate": "edge",
                "circular": "wrap"}[pad_mode]
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)], mode=mode)
    w = np.ones(win) if window is None else window
    left = (n_fft - win) // 2
    wp = np.zeros(n_fft, dtype=w.dtype)
    wp[left:left + win] = w
    n_frames = 1 + (x.shape[-1] - n_fft) // hop
    frames = np.stack([x[..., t * hop:t * hop + n_fft] for t in range(n_frames)], -2) * wp
    spec = np.fft.rfft(frames, axis=-1) if onesided else np.fft.fft(frames, axis=-1)
    if normalized:
        spec = spec / math.sqrt(n_fft)
    return np.swapaxes(spec, -1, -2)


ORACLE = [
    # (signal shape, n_fft, hop, win, windowed, center, pad_mode, normalized, onesided, complex)
    ((50,), 16, 4, 16, True, True, "reflect", False, True, False),
    ((3, 61), 20, 7, 13, True, True, "constant", True, True, False),
    ((2, 40), 9, 2, 9, False, False, "reflect", False, False, False),
    ((33,), 8, 3, 5, False, True, "replicate", False, True, False),
    ((45,), 10, 10, 10, True, True, "circular", False, True, False),
    ((2, 30), 8, 2, 6, True, True, "reflect", True, False, True),
]


@pytest.mark.parametrize("case", ORACLE, ids=lambda c: f"{c[0]}-{c[1]}-{c[6]}")
def test_stft_against_numpy(case):
    shape, n_fft, hop, win, windowed, center, pad_mode, normalized, onesided, cplx = case
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    if cplx:
        x = x + 1j * rng.standard_normal(shape)
    window = rng.uniform(0.2, 1.0, win) if windowed else None
    xt = torch.tensor(x)
    wt = None if window is None else torch.tensor(window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = torch.stft(xt, n_fft, hop, win, wt, center, pad_mode, normalized, onesided,
                         return_complex=True)
    want = _np_stft(x, n_fft, hop, win, window, center, pad_mode, normalized, onesided)
    assert out.dtype == torch.complex128
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-10)


# ----- round trips -----

ROUND = [
    # (shape, n_fft, hop, win_length, center, normalized, onesided, dtype)
    ((100,), 16, 4, None, True, False, None, "float64"),
    ((2, 77), 12, 3, 9, True, True, None, "float64"),
    ((3, 64), 16, 8, None, False, False, None, "float64"),
    ((64,), 10, 5, None, True, False, False, "float32"),
    ((2, 50), 8, 2, None, True, False, None, "complex128"),
    # more than 32 hop-sized blocks per frame: the overlap-add goes through fold
    ((2, 90), 40, 1, None, True, False, None, "float64"),
    ((70,), 36, 1, 30, True, False, None, "complex128"),
]


@pytest.mark.parametrize("case", ROUND, ids=lambda c: f"{c[0]}-{c[1]}-{c[7]}")
def test_istft_inverts_stft(case):
    shape, n_fft, hop, win, center, normalized, onesided, dtype = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    if dtype == "complex128":
        x = x + 1j * rng.standard_normal(shape)
    xt = torch.tensor(x).to(getattr(torch, dtype))
    wl = n_fft if win is None else win
    window = torch.hann_window(wl, dtype=torch.float64 if dtype != "float32" else torch.float32)
    window = window + 0.1  # non-zero everywhere: the overlap-add envelope never vanishes
    spec = torch.stft(xt, n_fft, hop, win, window, center, normalized=normalized,
                      onesided=onesided, return_complex=True)
    length = shape[-1]
    y = torch.istft(spec, n_fft, hop, win, window, center, normalized, onesided, length=length,
                    return_complex=dtype == "complex128")
    if not center:
        # Without padding, only the samples covered by whole frames come back.
        covered = n_fft + hop * (spec.shape[-1] - 1)
        y, xt = y[..., :covered], xt[..., :covered]
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert y.dtype == xt.dtype
    np.testing.assert_allclose(y.numpy(), xt.numpy(), rtol=tol, atol=tol)


def test_tensor_methods_are_the_functions():
    x = torch.randn(2, 40, dtype=torch.float64)
    w = torch.hann_window(8, dtype=torch.float64)
    a = x.stft(8, hop_length=2, window=w, return_complex=True)
    b = torch.stft(x, 8, 2, window=w, return_complex=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(
        a.istft(8, hop_length=2, window=w, length=40).numpy(),
        torch.istft(b, 8, 2, window=w, length=40).numpy(),
    )


# ----- float64 gradcheck (complex operands built from real ones) -----

GRADCHECK_STFT = [
    {"n_fft": 6, "hop_length": 2},
    {"n_fft": 7, "hop_length": 3, "win_length": 4, "normalized": True},
    {"n_fft": 6, "hop_length": 2, "center": False, "onesided": False},
    {"n_fft": 6, "hop_length": 2, "pad_mode": "circular"},
    {"n_fft": 8, "hop_length": 2, "win_length": 4, "center": False, "align_to_window": True},
]


@pytest.mark.parametrize("kw", GRADCHECK_STFT, ids=str)
@pytest.mark.parametrize("cplx", [False, True], ids=["real", "complex"])
def test_stft_gradcheck(kw, cplx):
    rng = np.random.default_rng(3)
    re = torch.tensor(rng.standard_normal((2, 17)), requires_grad=True)
    im = torch.tensor(rng.standard_normal((2, 17)), requires_grad=True)
    win = kw.get("win_length", kw["n_fft"])
    w = torch.tensor(rng.uniform(0.5, 1.0, win), requires_grad=True)

    def f(re, im, w):
        x = torch.complex(re, im) if cplx else re
        kw2 = dict(kw)
        if cplx:
            kw2.pop("onesided", None)
        return torch.view_as_real(torch.stft(x, window=w, return_complex=True, **kw2))

    assert gradcheck(f, (re, im, w))


GRADCHECK_ISTFT = [
    {"n_fft": 6, "hop_length": 2},
    {"n_fft": 6, "hop_length": 2, "win_length": 4, "normalized": True, "length": 9},
    {"n_fft": 6, "hop_length": 2, "length": 14},
    {"n_fft": 6, "hop_length": 3, "center": False, "onesided": False},
    {"n_fft": 6, "hop_length": 2, "onesided": False, "return_complex": True},
    {"n_fft": 34, "hop_length": 1},
    {"n_fft": 34, "hop_length": 1, "onesided": False, "return_complex": True},
]


@pytest.mark.parametrize("kw", GRADCHECK_ISTFT, ids=str)
def test_istft_gradcheck(kw):
    rng = np.random.default_rng(4)
    n_fft = kw["n_fft"]
    freq = n_fft if kw.get("onesided") is False else n_fft // 2 + 1
    re = torch.tensor(rng.standard_normal((freq, 5)), requires_grad=True)
    im = torch.tensor(rng.standard_normal((freq, 5)), requires_grad=True)
    win = kw.get("win_length", n_fft)
    w = torch.tensor(rng.uniform(0.5, 1.0, win), requires_grad=True)

    def f(re, im, w):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = torch.istft(torch.complex(re, im), window=w, **kw)
        return torch.view_as_real(out) if out.dtype.is_complex else out

    assert gradcheck(f, (re, im, w))


def test_stft_on_the_gpu_raises_naming_the_op(gpu):
    x = torch.randn(40).to(gpu)
    with pytest.raises(NotImplementedError, match='"stft" is not implemented for the GPU'):
        torch.stft(x, 8, window=torch.ones(8).to(gpu), return_complex=True)


# ----- special.airy_ai -----


def _airy_band(x):
    """-4.7 < x < -2.09: ATen's float64 rational fit of the oscillating branch is accurate to
    only about 3e-6 there (the 50-digit values below agree with ours to 1e-15)."""
    return (x > -4.7) & (x < -2.0)


def test_airy_ai_matches_pytorch_float64():
    x, want = REF["airy|x64"], REF["airy|y64"]
    got = torch.special.airy_ai(torch.tensor(x)).numpy()
    assert got.dtype == np.float64
    band = _airy_band(x)
    np.testing.assert_allclose(got[~band], want[~band], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[band], want[band], rtol=0, atol=5e-6)


def test_airy_ai_matches_pytorch_float32():
    x, want = REF["airy|x32"], REF["airy|y32"]
    got = torch.special.airy_ai(torch.tensor(x)).numpy()
    assert got.dtype == np.float32
    band = _airy_band(x.astype(np.float64))
    np.testing.assert_allclose(got[~band], want[~band], rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(got[band], want[band], rtol=0, atol=1e-5)


def test_airy_ai_known_values():
    x, want = REF["airy|xk"], REF["airy|yk"]
    got = torch.special.airy_ai(torch.tensor(x)).numpy()
    # |x| = 1000: the phase 2/3 |x|^(3/2) ~ 2e4 is itself rounded to float64 (as in PyTorch).
    rtol = np.where(np.abs(x) >= 1000, 1e-10, 1e-12)
    assert np.all(np.abs(got - want) <= rtol * np.abs(want) + 1e-15)
    ai0 = META["airy"]["ai0"]
    assert ai0 == pytest.approx(1 / (3 ** (2 / 3) * math.gamma(2 / 3)), rel=1e-15)
    assert float(torch.special.airy_ai(torch.tensor(0.0, dtype=torch.float64))) == pytest.approx(
        ai0, rel=1e-16, abs=0
    )


def test_airy_ai_special_values_dtypes_and_no_gradient():
    got = torch.special.airy_ai(torch.tensor([float("inf"), -float("inf"), float("nan"), 104.0]))
    v = got.numpy()
    assert np.isnan(v[:3]).all() and v[3] == 0.0
    ints = torch.special.airy_ai(torch.tensor([-3, 0, 2]))
    assert ints.dtype == torch.float32
    np.testing.assert_allclose(ints.numpy(), REF["airy|int"], rtol=2e-6)
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    y = torch.special.airy_ai(x)
    assert y.grad_fn is None and not y.requires_grad
    out = torch.empty(2)
    assert torch.special.airy_ai(x.detach(), out=out) is out
    np.testing.assert_array_equal(out.numpy(), y.numpy())


def test_airy_ai_on_the_gpu_raises_naming_the_op(gpu):
    with pytest.raises(NotImplementedError, match='"airy_ai" is not implemented for the GPU'):
        torch.special.airy_ai(torch.randn(3).to(gpu))
