"""torch.fft: values against numpy.fft and PyTorch's recorded outputs, gradients against
PyTorch's and finite differences (gradcheck through real parametrisations)."""

import json
import pathlib

import numpy as np
import pytest
import rtensor as torch
from rtensor import fft

REF = json.loads((pathlib.Path(__file__).parent / "data" / "complex_reference.json").read_text())


def dec(e):
    re = np.array(e["re"], dtype=np.float64).reshape(e["shape"])
    if "im" in e:
        v = np.asarray(re + 1j * np.array(e["im"]).reshape(e["shape"]))
        return torch.from_numpy(v.astype(np.complex64 if e["dtype"] == "complex64" else np.complex128))
    return torch.from_numpy(np.asarray(re)).to(getattr(torch, e["dtype"]))


R = dec(REF["fft_inputs"]["r"])
C = dec(REF["fft_inputs"]["c"])


@pytest.mark.parametrize("expr", sorted(REF["fft"]))
def test_matches_pytorch(expr):
    got = eval("fft." + expr, {"fft": fft, "r": R, "c": C})
    want = REF["fft"][expr]
    assert str(got.dtype).split(".")[-1] == want["dtype"]
    assert list(got.shape) == want["shape"]
    np.testing.assert_allclose(np.asarray(got), np.asarray(dec(want)), rtol=1e-4, atol=1e-5)


RNG = np.random.default_rng(0)
X64 = RNG.standard_normal((5, 8)) + 1j * RNG.standard_normal((5, 8))
R64 = RNG.standard_normal((6, 7))


@pytest.mark.parametrize(
    "ours, theirs, inp",
    [
        ("fft.fft(x)", "np.fft.fft(x)", "c"),
        ("fft.fft(x, n=11, dim=0)", "np.fft.fft(x, n=11, axis=0)", "c"),
        ("fft.ifft(x, norm='ortho')", "np.fft.ifft(x, norm='ortho')", "c"),
        ("fft.fft2(x, norm='forward')", "np.fft.fft2(x, norm='forward')", "c"),
        ("fft.ifftn(x, s=(3, 9))", "np.fft.ifftn(x, s=(3, 9), axes=(0, 1))", "c"),
        ("fft.rfft(x)", "np.fft.rfft(x)", "r"),
        ("fft.rfft(x, n=4, dim=0)", "np.fft.rfft(x, n=4, axis=0)", "r"),
        ("fft.irfft(x)", "np.fft.irfft(x)", "c"),
        ("fft.irfft(x, n=9)", "np.fft.irfft(x, n=9)", "c"),
        ("fft.rfftn(x)", "np.fft.rfftn(x)", "r"),
        ("fft.irfftn(x, s=(5, 6))", "np.fft.irfftn(x, s=(5, 6), axes=(0, 1))", "c"),
        ("fft.hfft(x)", "np.fft.hfft(x)", "c"),
        ("fft.ihfft(x)", "np.fft.ihfft(x)", "r"),
        ("fft.fftshift(x)", "np.fft.fftshift(x)", "r"),
        ("fft.ifftshift(x, dim=0)", "np.fft.ifftshift(x, axes=0)", "r"),
    ],
)
def test_matches_numpy_float64(ours, theirs, inp):
    x = X64 if inp == "c" else R64
    got = eval(ours, {"fft": fft, "x": torch.from_numpy(x)})
    want = eval(theirs, {"np": np, "x": x})
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n", [1, 2, 7, 64, 97, 1000, 1024])
def test_lengths_against_numpy(n):
    x = RNG.standard_normal(n) + 1j * RNG.standard_normal(n)
    np.testing.assert_allclose(np.asarray(fft.fft(torch.from_numpy(x))), np.fft.fft(x), rtol=1e-9, atol=1e-9)
    r = RNG.standard_normal(n)
    np.testing.assert_allclose(np.asarray(fft.rfft(torch.from_numpy(r))), np.fft.rfft(r), rtol=1e-9, atol=1e-9)


def test_freqs():
    np.testing.assert_allclose(np.asarray(fft.fftfreq(7, d=0.1)), np.fft.fftfreq(7, d=0.1), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(fft.rfftfreq(8)), np.fft.rfftfreq(8), rtol=1e-6)
    assert fft.fftfreq(4).dtype == torch.float32


def test_roundtrips_and_promotion():
    x = torch.arange(8)
    y = fft.fft(x)
    assert y.dtype == torch.complex64
    np.testing.assert_allclose(np.asarray(fft.ifft(y).real), np.arange(8), atol=1e-5)
    r = torch.randn(3, 10, dtype=torch.float64)
    np.testing.assert_allclose(np.asarray(fft.irfft(fft.rfft(r), n=10)), np.asarray(r), atol=1e-12)


def test_errors():
    with pytest.raises(RuntimeError, match="Invalid number of data points \\(0\\)"):
        fft.fft(torch.randn(4), n=0)
    with pytest.raises(ValueError, match="Invalid normalization mode"):
        fft.fft(torch.randn(4), norm="bad")
    with pytest.raises(IndexError, match="Dimension out of range"):
        fft.fft(torch.randn(4), dim=2)
    with pytest.raises(RuntimeError, match="expects a real"):
        fft.rfft(torch.randn(4) * 1j)
    with pytest.raises(TypeError, match="must be Tensor"):
        fft.fft([1.0, 2.0])


def test_gpu_raises_naming_the_op():
    if not torch.cuda.is_available():
        pytest.skip("no GPU adapter")
    with pytest.raises(NotImplementedError, match="fft_r2c"):
        fft.rfft(torch.randn(4).cuda())


GRAD_FNS = {
    "torch.fft.fft(z).abs().sum()": lambda z, x: fft.fft(z).abs().sum(),
    "torch.fft.rfft(x).abs().sum()": lambda z, x: fft.rfft(x).abs().sum(),
    "torch.fft.irfft(z).pow(2).sum()": lambda z, x: fft.irfft(z).pow(2).sum(),
    "torch.fft.ifft2(z, norm='ortho').real.sum()": lambda z, x: fft.ifft2(z, norm="ortho").real.sum(),
    "torch.fft.hfft(z, n=7).sum()": lambda z, x: (fft.hfft(z, n=7) * torch.arange(7.0)).sum(),
    "torch.fft.ihfft(x).abs().sum()": lambda z, x: fft.ihfft(x).abs().sum(),
}


@pytest.mark.parametrize("case", [g for g in REF["grads"] if g["expr"] in GRAD_FNS], ids=lambda g: g["expr"])
def test_gradients_match_pytorch(case):
    z = dec(REF["inputs"]["z"]).requires_grad_()
    x = dec(REF["inputs"]["x"]).requires_grad_()
    GRAD_FNS[case["expr"]](z, x).backward()
    for name, leaf in (("z", z), ("x", x)):
        if case[name] is None:
            assert leaf.grad is None
        else:
            np.testing.assert_allclose(np.asarray(leaf.grad), np.asarray(dec(case[name])), rtol=1e-4, atol=1e-4)


def test_grad_fn_names():
    z = torch.randn(4, 2).requires_grad_()
    c = torch.view_as_complex(z)
    assert fft.fft(c).grad_fn.name() == "FftC2CBackward0"
    assert fft.rfft(z[:, 0]).grad_fn.name() == "FftR2CBackward0"
    assert fft.irfft(c).grad_fn.name() == "FftC2RBackward0"


@pytest.mark.parametrize(
    "fn",
    [
        lambda c, r: torch.view_as_real(fft.fft(c, n=6)),
        lambda c, r: torch.view_as_real(fft.ifftn(c, norm="ortho")),
        lambda c, r: torch.view_as_real(fft.rfft(r, dim=0)),
        lambda c, r: fft.irfft(c, n=7),
        lambda c, r: fft.irfftn(c, s=(3, 4)),
        lambda c, r: fft.hfft(c, norm="forward"),
        lambda c, r: torch.view_as_real(fft.ihfftn(r)),
        lambda c, r: torch.view_as_real(fft.rfft2(r, s=(4, 6))),
    ],
)
def test_gradcheck(fn):
    g = torch.Generator().manual_seed(0)
    cr = torch.randn(3, 5, 2, dtype=torch.float64, generator=g).requires_grad_()
    r = torch.randn(3, 5, dtype=torch.float64, generator=g).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: fn(torch.view_as_complex(a), b), (cr, r))
