"""complex64/complex128 tensors: creation, printing, promotion, arithmetic and autograd.

Oracles: NumPy's complex arithmetic, and PyTorch's values, gradients, promotions and reprs
recorded in tests/data/complex_reference.json (scripts/record_complex_reference.py).
"""

import json
import pathlib

import numpy as np
import pytest
import rtensor as torch

REF = json.loads((pathlib.Path(__file__).parent / "data" / "complex_reference.json").read_text())


def dec(e):
    dt = getattr(torch, e["dtype"])
    re = np.array(e["re"], dtype=np.float64).reshape(e["shape"])
    if "im" in e:
        v = re + 1j * np.array(e["im"], dtype=np.float64).reshape(e["shape"])
        v = np.asarray(v, dtype=np.complex64 if dt == torch.complex64 else np.complex128)
        return torch.from_numpy(v)
    return torch.from_numpy(re).to(dt)


def as_np(t):
    return np.asarray(t.detach())


def close(t, e, rtol=1e-4, atol=1e-5):
    assert str(t.dtype).split(".")[-1] == e["dtype"], (t.dtype, e["dtype"])
    assert list(t.shape) == e["shape"]
    want = as_np(dec(e))
    np.testing.assert_allclose(as_np(t), want, rtol=rtol, atol=atol)


Z, W, X = (dec(REF["inputs"][k]) for k in ("z", "w", "x"))


# ----- creation, dtypes, NumPy -----


def test_dtypes_and_aliases():
    assert torch.cfloat is torch.complex64 and torch.cdouble is torch.complex128
    assert torch.complex64.is_complex and not torch.float32.is_complex
    assert not torch.complex64.is_floating_point
    assert torch.complex64.itemsize == 8 and torch.complex128.itemsize == 16


def test_tensor_from_python_complex():
    t = torch.tensor([1 + 2j, 3.5, -1j])
    assert t.dtype == torch.complex64 and t.is_complex()
    np.testing.assert_array_equal(as_np(t), np.array([1 + 2j, 3.5, -1j], dtype=np.complex64))
    assert torch.tensor([[1, 2j]], dtype=torch.complex128).dtype == torch.complex128
    assert torch.tensor([1.0, 2.0], dtype=torch.cfloat).tolist() == [1 + 0j, 2 + 0j]
    assert torch.tensor(2 - 3j).item() == 2 - 3j
    assert torch.tensor([[1 + 1j], [2]]).tolist() == [[1 + 1j], [2 + 0j]]


def test_default_complex_follows_default_dtype():
    torch.set_default_dtype(torch.float64)
    try:
        assert torch.tensor([1j]).dtype == torch.complex128
        assert (torch.ones(2, dtype=torch.int64) * 1j).dtype == torch.complex128
    finally:
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("npdt", [np.complex64, np.complex128])
def test_numpy_roundtrip_shares_memory(npdt):
    a = (np.arange(6) + 1j * np.arange(6)[::-1]).astype(npdt).reshape(2, 3)
    t = torch.from_numpy(a)
    assert t.dtype == (torch.complex64 if npdt == np.complex64 else torch.complex128)
    a[0, 0] = 7 - 7j
    assert t[0, 0].item() == 7 - 7j
    np.testing.assert_array_equal(np.asarray(t), a)
    np.testing.assert_array_equal(t.numpy().T, a.T)


def test_real_imag_are_views():
    z = torch.tensor([1 + 2j, 3 - 4j])
    z.real.mul_(10)
    z.imag[1] = 0.5
    assert z.tolist() == [10 + 2j, 30 + 0.5j]
    z.real = torch.tensor([1.0, 2.0])
    assert z.tolist() == [1 + 2j, 2 + 0.5j]
    assert torch.real(torch.ones(2)).tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        _ = torch.ones(2).imag


def test_view_as_real_and_complex():
    z = torch.tensor([[1 + 2j, 3 - 4j]])
    r = torch.view_as_real(z)
    assert r.shape == (1, 2, 2) and r.dtype == torch.float32
    r[0, 1, 1] = 9.0
    assert z[0, 1].item() == 3 + 9j
    back = torch.view_as_complex(r)
    assert back.tolist() == z.tolist()
    with pytest.raises(RuntimeError, match="Tensor must have a last dimension of size 2"):
        torch.view_as_complex(torch.zeros(2, 3))
    with pytest.raises(RuntimeError, match="Tensor must have a last dimension with stride 1"):
        torch.view_as_complex(torch.zeros(2, 2).t())
    with pytest.raises(RuntimeError, match="only supported for complex tensors"):
        torch.view_as_real(torch.zeros(2))
    with pytest.raises(RuntimeError, match="only supported for float and double"):
        torch.view_as_complex(torch.zeros(2, 2, dtype=torch.int64))


def test_casts():
    z = torch.tensor([1.5 + 2j, -3 - 4j])
    assert z.to(torch.complex128).dtype == torch.complex128
    assert z.to(torch.complex128).tolist() == [1.5 + 2j, -3 - 4j]
    # Complex to real keeps the real part (C++'s cast, as PyTorch does with a warning).
    assert z.to(torch.float32).tolist() == [1.5, -3.0]
    assert torch.tensor([1, 2]).to(torch.complex64).tolist() == [1 + 0j, 2 + 0j]
    assert torch.zeros(2, 2, dtype=torch.cfloat).sum().item() == 0


# ----- printing -----


@pytest.mark.parametrize("expr", sorted(REF["reprs"]))
def test_repr_matches_pytorch(expr):
    t = eval(expr, {"torch": torch})
    assert str(t) == REF["reprs"][expr].replace("torch.", "rtensor.")


# ----- promotion -----


@pytest.mark.parametrize("case", sorted(REF["promotion"]))
def test_promotion(case):
    a, b = case.split(",")
    ta = torch.ones(2, dtype=getattr(torch, a))
    if b == "1j":
        got = (ta * 1j).dtype
    elif b.endswith("0d"):
        got = (ta + torch.ones((), dtype=getattr(torch, b[:-2]))).dtype
    else:
        got = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert str(got).split(".")[-1] == REF["promotion"][case]


# ----- values -----

ENV = {"z": Z, "w": W, "x": X, "torch": torch}


@pytest.mark.parametrize("expr", sorted(REF["values"]))
def test_values_match_pytorch(expr):
    close(eval(expr, ENV), REF["values"][expr])


@pytest.mark.parametrize(
    "expr, npexpr",
    [
        ("z * w", "z * w"),
        ("z / w", "z / w"),
        ("z - 3", "z - 3"),
        ("2 / z", "2 / z"),
        ("z.exp()", "np.exp(z)"),
        ("z.log()", "np.log(z)"),
        ("z.sqrt()", "np.sqrt(z)"),
        ("z.abs()", "np.abs(z)"),
        ("z.angle()", "np.angle(z)"),
        ("z.sin()", "np.sin(z)"),
        ("z.cosh()", "np.cosh(z)"),
        ("z.tanh()", "np.tanh(z)"),
        ("z @ w.T", "z @ w.T"),
        ("z.sum(0)", "z.sum(0)"),
        ("z.mean()", "z.mean()"),
        ("z.conj()", "np.conj(z)"),
        ("z ** 3", "z ** 3"),
    ],
)
def test_values_match_numpy_complex128(expr, npexpr):
    z = Z.to(torch.complex128)
    w = W.to(torch.complex128)
    got = eval(expr, {"z": z, "w": w, "torch": torch})
    want = eval(npexpr, {"z": as_np(z), "w": as_np(w), "np": np})
    np.testing.assert_allclose(as_np(got), want, rtol=1e-12, atol=1e-12)


def test_special_values():
    z = torch.tensor([0j, complex(float("nan"), 1), complex(float("inf"), 0)])
    assert z.isnan().tolist() == [False, True, False]
    assert z.isinf().tolist() == [False, False, True]
    assert z.isfinite().tolist() == [True, False, False]
    np.testing.assert_allclose(as_np(torch.tensor([0j, 3 + 4j]).sgn()), [0j, 0.6 + 0.8j], rtol=1e-7)
    assert (torch.tensor([0j]) ** 0).tolist() == [1 + 0j]
    assert (torch.tensor([0j]) ** 2).tolist() == [0j]


def test_unsupported_ops_raise_clearly():
    z = torch.tensor([1 + 1j])
    with pytest.raises(RuntimeError, match="torch.sgn"):
        z.sign()
    with pytest.raises(NotImplementedError, match="ComplexFloat"):
        z.floor()
    with pytest.raises(NotImplementedError, match="ComplexFloat"):
        _ = z < z
    with pytest.raises(NotImplementedError, match="complex"):
        z.sort()


def test_polar_and_complex():
    a, t = torch.tensor([2.0, 1.0]), torch.tensor([0.0, np.pi / 2])
    np.testing.assert_allclose(as_np(torch.polar(a, t)), [2 + 0j, 1j], atol=1e-7)
    c = torch.complex(torch.tensor([1.0]), torch.tensor([-2.0]))
    assert c.tolist() == [1 - 2j] and c.dtype == torch.complex64
    with pytest.raises(RuntimeError, match="Expected object of scalar type"):
        torch.complex(torch.ones(1), torch.ones(1, dtype=torch.float64))


def test_gpu_refuses_complex():
    if not torch.cuda.is_available():
        pytest.skip("no GPU adapter")
    with pytest.raises(TypeError, match="complex64 is not supported on the GPU device"):
        torch.tensor([1j]).to("cuda")


# ----- autograd -----

GRAD_ENV_FNS = {
    "(z * w).abs().sum()": lambda a, b, c: (a * b).abs().sum(),
    "(z / w).real.sum()": lambda a, b, c: (a / b).real.sum(),
    "(z.exp() * x).imag.sum()": lambda a, b, c: (a.exp() * c).imag.sum(),
    "(z @ w.T).abs().sum()": lambda a, b, c: (a @ b.T).abs().sum(),
    "z.sqrt().angle().sum()": lambda a, b, c: a.sqrt().angle().sum(),
    "torch.view_as_real(z.log()).pow(2).sum()": lambda a, b, c: torch.view_as_real(a.log()).pow(2).sum(),
    "(z.conj() * w).real.sum()": lambda a, b, c: (a.conj() * b).real.sum(),
    "(x * 1j + z).abs().sum()": lambda a, b, c: (c * 1j + a).abs().sum(),
}


@pytest.mark.parametrize("case", [g for g in REF["grads"] if g["expr"] in GRAD_ENV_FNS], ids=lambda g: g["expr"])
def test_gradients_match_pytorch(case):
    a = Z.clone().requires_grad_()
    b = W.clone().requires_grad_()
    c = X.clone().requires_grad_()
    GRAD_ENV_FNS[case["expr"]](a, b, c).backward()
    for name, leaf in (("z", a), ("w", b), ("x", c)):
        if case[name] is None:
            assert leaf.grad is None
        else:
            close(leaf.grad, case[name], rtol=1e-4, atol=1e-4)


def test_gradcheck_through_real_parametrisation():
    # A real-valued function of the (re, im) parts of complex inputs, in float64.
    def f(zr, wr):
        z, w = torch.view_as_complex(zr), torch.view_as_complex(wr)
        y = (z * w + z.exp() / (w + 3)).sqrt() @ w.T
        return torch.view_as_real(y.tanh())

    g = torch.Generator().manual_seed(0)
    zr = torch.randn(3, 4, 2, dtype=torch.float64, generator=g).requires_grad_()
    wr = torch.randn(3, 4, 2, dtype=torch.float64, generator=g).requires_grad_()
    assert torch.autograd.gradcheck(f, (zr, wr))


def test_requires_grad_on_complex_leaf():
    z = torch.tensor([1 + 1j], requires_grad=True)
    assert z.requires_grad
    (z * z).real.sum().backward()
    # d/dz of Re(z^2) -> conj(2z) by the convention: 2 - 2j.
    assert z.grad.tolist() == [2 - 2j]


# ----- random complex tensors (PyTorch draws (re, im) as reals, normal with std / sqrt(2)) -----


def test_complex_randn_and_rand_draw_pytorchs_numbers():
    # PyTorch 2.13 with manual_seed(0): randn(3, dtype=complex64) and rand(2, dtype=complex64).
    torch.manual_seed(0)
    z = torch.randn(3, dtype=torch.complex64)
    np.testing.assert_allclose(z.numpy(), [1.0896 - 0.2075j, -1.5406 + 0.4019j,
                                           -0.7669 - 0.9890j], atol=1e-4)
    torch.manual_seed(0)
    r = torch.randn(6)
    torch.manual_seed(0)
    z = torch.randn(3, dtype=torch.complex64)
    np.testing.assert_allclose(torch.view_as_real(z).reshape(-1).numpy(),
                               r.numpy() / np.sqrt(2), rtol=1e-6)
    torch.manual_seed(0)
    u = torch.rand(2, dtype=torch.complex64)
    np.testing.assert_allclose(u.numpy(), [0.4963 + 0.7682j, 0.0885 + 0.1320j], atol=1e-4)
    x = torch.zeros(2, dtype=torch.complex128)
    torch.manual_seed(0)
    x.normal_()
    np.testing.assert_allclose(x.numpy(), [1.0896 - 0.2075j, -1.5406 + 0.4019j], atol=1e-4)
    assert torch.randn_like(x).dtype == torch.complex128


def test_norms_of_complex_tensors_are_norms_of_the_moduli():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    z = torch.tensor(a)
    np.testing.assert_allclose(torch.linalg.vector_norm(z).item(), np.linalg.norm(a))
    np.testing.assert_allclose(torch.linalg.norm(z, dim=1).numpy(), np.linalg.norm(a, axis=1))
    np.testing.assert_allclose(z.norm(p=1).item(), np.abs(a).sum())
    for ord in ["fro", 1, -1, np.inf, -np.inf]:
        np.testing.assert_allclose(torch.linalg.matrix_norm(z, ord).item(),
                                   np.linalg.norm(a, ord))
    assert torch.linalg.vector_norm(z).dtype == torch.float64


@pytest.mark.parametrize("fn", ["solve", "inv", "det", "svd", "qr", "cholesky", "eigh"])
def test_real_only_decompositions_refuse_complex_naming_the_op(fn):
    z = torch.eye(3, dtype=torch.complex64)
    with pytest.raises(NotImplementedError, match=f"linalg.{fn}: complex input is not "
                       "supported yet"):
        getattr(torch.linalg, fn)(*((z, z) if fn == "solve" else (z,)))


def test_complex_factories_and_advanced_indexing_match_pytorch():
    # PyTorch 2.13's results for the same calls.
    assert torch.full((2,), 1 + 2j).tolist() == [1 + 2j, 1 + 2j]
    assert torch.full((2,), 1 + 2j).dtype == torch.complex64
    assert torch.full((2,), 1, dtype=torch.complex128).tolist() == [1 + 0j, 1 + 0j]
    np.testing.assert_allclose(torch.linspace(0, 1 + 1j, 3).numpy(), [0, 0.5 + 0.5j, 1 + 1j])
    assert torch.eye(2, dtype=torch.complex64).tolist() == [[1, 0], [0, 1]]
    a = np.array([[1j, 2j], [3, 4]])
    z = torch.tensor(a)
    np.testing.assert_array_equal(z[torch.tensor([1])].numpy(), a[[1]])
    np.testing.assert_array_equal(z[z.abs() > 1.5].numpy(), a[np.abs(a) > 1.5])
    np.testing.assert_array_equal(z[..., torch.tensor([0])].numpy(), a[..., [0]])
    np.testing.assert_array_equal(z[[0, 1], [1, 0]].numpy(), a[[0, 1], [1, 0]])
    w = torch.tensor(a, requires_grad=True)
    w[torch.tensor([0, 0])].real.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[2, 2], [0, 0]])
