"""``rtensor.linalg.eig`` / ``eigvals``: the general eigendecomposition (faer, with LAPACK
geev's balancing, order and normalization).

Oracles: PyTorch's outputs, gradients, errors and node names recorded by
scripts/record_linalg_eig_reference.py (tests/data/linalg_eig_reference.npz); NumPy's
``np.linalg.eig`` (eigenvalues, compared sorted) and the identity ``A V = V diag(L)``; finite
differences (``rtensor.autograd.gradcheck``, float64) through gauge-invariant functions
(eigenvalues, moduli of eigenvector entries).

Eigenvectors are unique up to a unit factor per column. PyTorch (LAPACK geev) fixes it by
making each column of norm 1 with its largest component real; for a complex input (zgeev) that
component is positive, so the whole result is determined, and rtensor's equals PyTorch's. For a
real input with complex eigenvalues the component's sign comes from the Schur vectors and the
rotation (``lartg``) convention, which differ between LAPACK implementations: MKL, which PyTorch
uses, and the reference LAPACK in NumPy's OpenBLAS disagree on about a quarter of random
matrices. rtensor follows MKL's ``lartg``; faer's Schur vectors still flip the sign of a column
(nearly always a complex pair's) on about 6% of random 2..7 x 2..7 matrices, so the tests compare
complex-pair columns of real input up to that sign.
"""

import json
import pathlib

import numpy as np
import pytest
import rtensor as torch
from rtensor import linalg as LA
from rtensor.autograd import gradcheck, gradgradcheck

DATA = np.load(pathlib.Path(__file__).parent / "data" / "linalg_eig_reference.npz")
META = json.loads(str(DATA["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
GRADS = {g["id"]: g for g in META["grads"]}
RNG = np.random.default_rng(7)


def t(a, requires_grad=False):
    x = torch.from_numpy(np.ascontiguousarray(a)).clone()
    if requires_grad:
        x.requires_grad_()
    return x


def tol_of(dtype):
    return 2e-4 if dtype in (np.float32, np.complex64) else 1e-9


def check_normalized(V, tol):
    """Unit columns whose largest component is real (LAPACK geev's normalization)."""
    if V.size == 0:
        return
    norms = np.linalg.norm(V, axis=-2)
    np.testing.assert_allclose(norms, 1.0, atol=tol * 10)
    k = np.argmax(np.abs(V), axis=-2)
    top = np.take_along_axis(V, k[..., None, :], axis=-2)
    assert np.all(top.imag == 0), top


# ----- PyTorch's recorded outputs ---------------------------------------------------------------


@pytest.mark.parametrize("cid", sorted(CASES))
def test_eig_matches_pytorch(cid):
    case = CASES[cid]
    A = DATA[f"{cid}|A"]
    Lr, Vr, Wr = DATA[f"{cid}|L"], DATA[f"{cid}|V"], DATA[f"{cid}|W"]
    tol = tol_of(A.dtype)
    L, V = LA.eig(t(A))
    W = LA.eigvals(t(A))
    assert str(L.dtype) == f"rtensor.{case['out_dtype']}" == str(V.dtype) == str(W.dtype)
    assert tuple(L.shape) == Lr.shape and tuple(V.shape) == Vr.shape and tuple(W.shape) == Wr.shape
    # the eigenvalues in PyTorch's (LAPACK's) order
    np.testing.assert_allclose(L.numpy(), Lr, rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(W.numpy(), Wr, rtol=tol, atol=tol * 10)
    Vn = V.numpy()
    check_normalized(Vn, tol)
    if np.iscomplexobj(A):
        np.testing.assert_allclose(Vn, Vr, rtol=tol, atol=tol * 10)
        return
    # real input: real-eigenvalue columns equal PyTorch's; complex-pair columns up to sign
    if Vn.size == 0:
        return
    same = np.all(np.abs(Vn - Vr) <= tol * 10 + tol * np.abs(Vr), axis=-2)
    flipped = np.all(np.abs(Vn + Vr) <= tol * 10 + tol * np.abs(Vr), axis=-2)
    assert np.all(same | (flipped & (Lr.imag != 0))), (same, flipped)


def test_real_eigenvalue_columns_equal_pytorch_exactly_in_sign():
    # symmetric, triangular, diagonal and isolated-eigenvalue cases have only real eigenvalues
    for cid in ("r64_sym", "r64_triu", "r32_diag", "r64_isolated", "r64_1"):
        A = DATA[f"{cid}|A"]
        _, V = LA.eig(t(A))
        np.testing.assert_allclose(V.numpy(), DATA[f"{cid}|V"], rtol=1e-4, atol=1e-6)


def test_return_type_and_node_names():
    A = t(DATA["r64_4|A"], requires_grad=True)
    r = LA.eig(A)
    assert type(r).__name__ == META["grad_fns"]["return_type"] == "linalg_eig"
    assert r._fields == ("eigenvalues", "eigenvectors")
    assert r.eigenvalues.grad_fn.name() == META["grad_fns"]["eig_L"]
    assert r.eigenvectors.grad_fn.name() == META["grad_fns"]["eig_V"]
    assert LA.eigvals(A).grad_fn.name() == META["grad_fns"]["eigvals"]
    assert r.eigenvalues.requires_grad and r.eigenvectors.requires_grad
    with torch.no_grad():
        assert LA.eigvals(A).grad_fn is None
    assert LA.eig(A.detach()).eigenvalues.grad_fn is None


@pytest.mark.parametrize("e", META["errors"], ids=lambda e: e["expr"][:60])
def test_errors_match_pytorch(e):
    with pytest.raises(Exception) as info:
        eval(e["expr"], {"torch": torch})
    assert type(info.value).__name__ == e["type"]
    assert str(info.value) == e["message"]


def test_out_tensors():
    A = t(DATA["r64_4|A"])
    L, V = LA.eig(A)
    lo, vo = torch.zeros(4, dtype=torch.complex128), torch.zeros(4, 4, dtype=torch.complex64)
    r = LA.eig(A, out=(lo, vo))
    assert r.eigenvalues is lo and r.eigenvectors is vo
    np.testing.assert_array_equal(lo.numpy(), L.numpy())
    np.testing.assert_allclose(vo.numpy(), V.numpy(), rtol=1e-6, atol=1e-7)
    wo = torch.zeros(4, dtype=torch.complex128)
    assert LA.eigvals(A, out=wo) is wo
    np.testing.assert_array_equal(wo.numpy(), L.numpy())
    # PyTorch's text for a real out= tensor
    with pytest.raises(RuntimeError, match="^torch.linalg.eigvals: Expected eigenvalues to be "
                       "safely castable from ComplexDouble dtype, but got eigenvalues with "
                       "dtype Double$"):
        LA.eigvals(A, out=torch.zeros(4, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="does not resize"):
        LA.eigvals(A, out=torch.zeros(3, dtype=torch.complex128))


def test_gpu_tensors_raise_not_implemented(gpu):
    x = torch.eye(3).to(gpu)
    for fn, name in [(LA.eig, "linalg.eig"), (LA.eigvals, "linalg.eigvals")]:
        with pytest.raises(NotImplementedError, match=name):
            fn(x)


# ----- gradients ---------------------------------------------------------------------------------


def loss_of(kind, A, wl, wv):
    if kind == "eigvals":
        return (torch.view_as_real(LA.eigvals(A)) * wl).sum()
    L, V = LA.eig(A)
    vterm = (V.abs() * wv).sum()
    if kind == "vabs":
        return vterm
    return (torch.view_as_real(L) * wl).sum() + vterm


@pytest.mark.parametrize("gid", sorted(GRADS))
def test_gradients_match_pytorch(gid):
    g = GRADS[gid]
    A = DATA[f"{gid}|A"]
    tol = tol_of(A.dtype)
    x = t(A, requires_grad=True)
    loss = loss_of(g["loss"], x, t(DATA[f"{gid}|wl"]), t(DATA[f"{gid}|wv"]))
    (gA,) = torch.autograd.grad(loss, [x])
    assert gA.dtype == x.dtype
    want = DATA[f"{gid}|gA"]
    np.testing.assert_allclose(gA.numpy(), want, rtol=tol * 50, atol=tol * 50)


def test_phase_dependent_loss_raises_and_invariant_loss_does_not():
    A = t(np.array([[0.0, -1.0], [1.0, 0.5]]), requires_grad=True)
    _, V = LA.eig(A)
    with pytest.raises(RuntimeError, match="specified up to multiplication by e\\^\\{i phi\\}"):
        torch.view_as_real(V)[..., 0].sum().backward()
    _, V = LA.eig(A)
    (V.abs() ** 2).sum().backward()  # |v_ij| does not depend on the phase
    assert A.grad is not None and np.all(np.isfinite(A.grad.numpy()))


def test_gradcheck_real_input():
    A = t(RNG.standard_normal((4, 4)), requires_grad=True)
    assert gradcheck(lambda a: torch.view_as_real(LA.eigvals(a)), [A])
    assert gradcheck(lambda a: torch.view_as_real(LA.eig(a)[0]), [A])
    assert gradcheck(lambda a: LA.eig(a)[1].abs(), [A])
    B = t(RNG.standard_normal((2, 3, 3)), requires_grad=True)
    assert gradcheck(lambda a: torch.view_as_real(LA.eig(a)[0]) + LA.eig(a)[1].abs().sum(-2, keepdim=True).mT, [B])


def test_gradcheck_complex_input():
    Ar = t(RNG.standard_normal((3, 3, 2)), requires_grad=True)
    assert gradcheck(lambda a: torch.view_as_real(LA.eigvals(torch.view_as_complex(a))), [Ar])
    assert gradcheck(lambda a: LA.eig(torch.view_as_complex(a))[1].abs(), [Ar])


def test_gradgradcheck_eigenvalues():
    A = t(RNG.standard_normal((3, 3)), requires_grad=True)
    assert gradgradcheck(lambda a: torch.view_as_real(LA.eigvals(a)), [A])


def test_empty_and_zero_batch_gradients():
    A = torch.zeros(2, 0, 0, dtype=torch.float64, requires_grad=True)
    L, V = LA.eig(A)
    assert L.shape == (2, 0) and V.shape == (2, 0, 0)
    B = torch.zeros(0, 3, 3, requires_grad=True)
    L = LA.eigvals(B)
    assert L.shape == (0, 3) and L.dtype == torch.complex64


# ----- NumPy oracle ------------------------------------------------------------------------------


def assert_same_spectrum(got, want, tol):
    """Each eigenvalue of ``want`` matched to a distinct nearest one of ``got``."""
    got = list(np.asarray(got, np.complex128))
    for w in np.asarray(want, np.complex128):
        d = [abs(g - w) for g in got]
        i = int(np.argmin(d))
        assert d[i] <= tol * (1 + abs(w)), (w, got)
        got.pop(i)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (5, 5), (3, 4, 4), (2, 1, 6, 6), (12, 12)])
def test_against_numpy(dtype, shape):
    a = RNG.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * RNG.standard_normal(shape)
    a = a.astype(dtype)
    tol = tol_of(a.dtype)
    L, V = LA.eig(t(a))
    Ln, Vn = L.numpy(), V.numpy()
    w = np.linalg.eigvals(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64))
    for idx in np.ndindex(*shape[:-2]):
        assert_same_spectrum(Ln[idx], w[idx], tol * 100)
    # A V = V diag(L)
    np.testing.assert_allclose(a.astype(np.complex128) @ Vn, Vn * Ln[..., None, :],
                               rtol=tol * 10, atol=tol * 100)
    check_normalized(Vn, tol)
    np.testing.assert_allclose(LA.eigvals(t(a)).numpy(), Ln, rtol=tol, atol=tol)


def test_structured_matrices():
    # a rotation (a complex pair), a Jordan block (a defective matrix), a permutation
    rot = np.array([[0.0, -2.0], [2.0, 0.0]])
    L, V = LA.eig(t(rot))
    np.testing.assert_allclose(L.numpy(), [2j, -2j], atol=1e-12)
    np.testing.assert_allclose(np.abs(V.numpy()), np.full((2, 2), 2 ** -0.5), atol=1e-12)
    jordan = np.array([[1.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(LA.eigvals(t(jordan)).numpy(), [1, 1], atol=1e-12)
    perm = np.roll(np.eye(4), 1, axis=0)
    assert_same_spectrum(LA.eigvals(t(perm)).numpy(), np.linalg.eigvals(perm), 1e-9)


def test_badly_scaled_and_non_contiguous():
    a = RNG.standard_normal((6, 6)) * (2.0 ** np.arange(-15, 15, 5))[:, None]
    x = t(a).mT  # non-contiguous
    L, V = LA.eig(x)
    at = a.T
    assert_same_spectrum(L.numpy(), np.linalg.eigvals(at), 1e-9)
    np.testing.assert_allclose(at @ V.numpy(), V.numpy() * L.numpy()[None, :], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.complex128])
def test_large_batch_equals_one_matrix_at_a_time(dtype):
    # enough work that the batch runs in bands over the thread pool
    a = RNG.standard_normal((70, 9, 9))
    if np.dtype(dtype).kind == "c":
        a = a + 1j * RNG.standard_normal(a.shape)
    a = a.astype(dtype)
    L, V = LA.eig(t(a))
    W = LA.eigvals(t(a))
    for i in (0, 1, 34, 35, 69):
        Li, Vi = LA.eig(t(a[i]))
        np.testing.assert_array_equal(L.numpy()[i], Li.numpy())
        np.testing.assert_array_equal(V.numpy()[i], Vi.numpy())
        np.testing.assert_array_equal(W.numpy()[i], Li.numpy())
    tol = tol_of(a.dtype)
    np.testing.assert_allclose(a.astype(np.complex128) @ V.numpy(), V.numpy() * L.numpy()[..., None, :],
                               rtol=tol * 10, atol=tol * 100)
