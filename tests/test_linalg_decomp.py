"""``rtensor.linalg``: the faer decompositions and their compositions.

Oracles: NumPy's ``np.linalg`` (values), identities (A = QR, A = U S Vh, V^T V = I...) where the
factors are unique only up to signs, finite differences (``rtensor.autograd.gradcheck``, float64)
for every backward, and PyTorch's documented error texts and node names.
"""

import math

import numpy as np
import pytest
import rtensor as torch
from rtensor import linalg as LA
from rtensor.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def arr(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def t(a, requires_grad=False):
    x = torch.from_numpy(np.ascontiguousarray(a)).clone()
    if requires_grad:
        x.requires_grad_()
    return x


def spd(*shape):
    if len(shape) == 1:
        shape = (shape[0], shape[0])
    n = shape[-1]
    a = arr(*shape)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def close(x, y, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(x.detach().numpy() if isinstance(x, torch.Tensor) else x, y,
                               rtol=rtol, atol=atol)


DTYPES = [(np.float32, 1e-4), (np.float64, 1e-10)]
SHAPES = [(3, 3), (2, 4, 4), (2, 1, 5, 5), (1, 1)]


# ----- solve, inv, det ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_inv_det_slogdet_match_numpy(dtype, tol, shape):
    a = arr(*shape, dtype=dtype) + 3 * np.eye(shape[-1], dtype=dtype)
    A = t(a)
    close(LA.inv(A), np.linalg.inv(a), rtol=tol * 10, atol=tol)
    close(LA.det(A), np.linalg.det(a), rtol=tol * 10, atol=tol)
    sign, logabs = LA.slogdet(A)
    s2, l2 = np.linalg.slogdet(a)
    close(sign, s2)
    close(logabs, l2, rtol=tol * 10, atol=tol)
    assert LA.inv(A).dtype == A.dtype and LA.det(A).shape == shape[:-2]
    close(torch.inverse(A), np.linalg.inv(a), rtol=tol * 10, atol=tol)
    close(A.inverse(), np.linalg.inv(a), rtol=tol * 10, atol=tol)
    close(A.det(), np.linalg.det(a), rtol=tol * 10, atol=tol)
    close(torch.det(A), np.linalg.det(a), rtol=tol * 10, atol=tol)


def test_det_signs_singular_and_logdet():
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert LA.det(t(a)).item() == -1.0
    s, la = torch.slogdet(t(a))
    assert s.item() == -1.0 and la.item() == 0.0
    assert math.isnan(torch.logdet(t(a)).item())
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert LA.det(t(sing)).item() == 0.0
    s, la = LA.slogdet(t(sing))
    assert s.item() == 0.0 and la.item() == -math.inf
    assert t(sing).logdet().item() == -math.inf
    b = spd(3)
    close(t(b).logdet(), np.log(np.linalg.det(b)))
    r = t(b).slogdet()
    assert type(r).__name__ == "slogdet" and r.sign.item() == 1.0
    assert type(LA.slogdet(t(b))).__name__ == "linalg_slogdet"
    assert LA.det(t(np.zeros((0, 0)))).item() == 1.0


@pytest.mark.parametrize("dtype,tol", DTYPES)
def test_solve_matches_numpy_with_broadcasting(dtype, tol):
    a = arr(2, 1, 4, 4, dtype=dtype) + 4 * np.eye(4, dtype=dtype)
    b = arr(3, 4, 2, dtype=dtype)
    x = LA.solve(t(a), t(b))
    assert tuple(x.shape) == (2, 3, 4, 2)
    close(x, np.linalg.solve(a, b), rtol=tol * 10, atol=tol)
    # vector right-hand side: B of shape A.shape[:-1]
    v = arr(2, 1, 4, dtype=dtype)
    xv = LA.solve(t(a), t(v))
    assert tuple(xv.shape) == (2, 1, 4)
    close(xv, np.linalg.solve(a, v[..., None])[..., 0], rtol=tol * 10, atol=tol)
    # left=False: X A = B
    c = arr(2, 1, 3, 4, dtype=dtype)
    xl = LA.solve(t(a), t(c), left=False)
    close(xl @ t(a), c, rtol=tol * 10, atol=tol * 10)
    r = LA.solve_ex(t(a), t(b))
    assert type(r).__name__ == "linalg_solve_ex" and r.info.dtype == torch.int32
    assert r.info.shape == (2, 3) and not r.info.any().item()


def test_singular_errors_are_linalg_errors():
    sing = t(np.array([[1.0, 2.0], [2.0, 4.0]]))
    assert issubclass(LA.LinAlgError, RuntimeError)
    with pytest.raises(LA.LinAlgError) as e:
        LA.inv(sing)
    assert str(e.value) == ("linalg.inv: The diagonal element 2 is zero, the inversion could not "
                            "be completed because the input matrix is singular.")
    with pytest.raises(LA.LinAlgError) as e:
        LA.solve(sing, t(np.ones((2, 1))))
    assert str(e.value) == "linalg.solve: The solver failed because the input matrix is singular."
    batch = t(np.stack([np.eye(2), np.zeros((2, 2))]))
    with pytest.raises(LA.LinAlgError) as e:
        LA.inv(batch)
    assert str(e.value) == (
        "linalg.inv: (Batch element 1): The diagonal element 1 is zero, the inversion could not "
        "be completed because the input matrix is singular.")
    r = LA.inv_ex(batch)
    assert type(r).__name__ == "linalg_inv_ex" and r.info.tolist() == [0, 1]
    with pytest.raises(LA.LinAlgError):
        LA.inv_ex(batch, check_errors=True)


def test_shape_dtype_device_errors():
    with pytest.raises(RuntimeError, match=r"^linalg.inv: A must be batches of square matrices, "
                                           r"but they are 3 by 4 matrices$"):
        LA.inv(torch.zeros(3, 4))
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        LA.det(torch.zeros(3))
    with pytest.raises(RuntimeError, match=r"^linalg.inv: Expected a floating point or complex "
                                           r"tensor as input. Got Long$"):
        LA.inv(torch.zeros(2, 2, dtype=torch.int64))
    with pytest.raises(RuntimeError, match=r"^linalg.cholesky: Low precision dtypes not "
                                           r"supported. Got Half$"):
        LA.cholesky(torch.zeros(2, 2, dtype=torch.float16))
    with pytest.raises(RuntimeError, match="Incompatible shapes of A and B"):
        LA.solve(torch.eye(3), torch.zeros(4, 2))
    with pytest.raises(RuntimeError, match="Expected A and B to have the same dtype"):
        LA.solve(torch.eye(3), torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="must be batches of square matrices"):
        LA.eigh(torch.zeros(2, 3))


def test_gpu_tensors_raise_not_implemented(gpu):
    x = torch.eye(3).to(gpu)
    for fn, name in [(LA.inv, "linalg.inv"), (LA.det, "linalg.det"), (LA.svd, "linalg.svd"),
                     (LA.cholesky, "linalg.cholesky"), (LA.qr, "linalg.qr")]:
        with pytest.raises(NotImplementedError, match=name):
            fn(x)


def test_empty_matrices():
    assert LA.inv(torch.zeros(2, 0, 0)).shape == (2, 0, 0)
    assert LA.det(torch.zeros(0, 3, 3)).shape == (0,)
    assert LA.svdvals(torch.zeros(2, 0, 3)).shape == (2, 0)
    q, r = LA.qr(torch.zeros(3, 0), mode="complete")
    close(q, np.eye(3))
    assert r.shape == (3, 0)


# ----- autograd: solve, inv, det --------------------------------------------------------------


def test_solve_inv_det_gradcheck():
    a = t(arr(2, 3, 3) + 3 * np.eye(3), True)
    b = t(arr(3, 2), True)
    assert gradcheck(lambda a, b: LA.solve(a, b), [a, b])
    v = t(arr(2, 3), True)
    assert gradcheck(lambda a, v: LA.solve(a, v), [a, v])
    assert gradcheck(lambda a, b: LA.solve(a, b.mT, left=False), [a, b])
    assert gradcheck(LA.inv, [a])
    assert gradcheck(LA.det, [a])
    assert gradcheck(lambda a: LA.slogdet(a).logabsdet, [a])
    assert gradcheck(lambda a: torch.logdet(a @ a.mT), [a])
    assert gradgradcheck(LA.inv, [a])
    assert gradgradcheck(lambda a, b: LA.solve(a, b), [a, b])
    assert gradgradcheck(LA.det, [a])


def test_det_gradient_of_singular_matrices_is_the_adjugate():
    sing = t(np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]]]), True)
    LA.det(sing).sum().backward()
    close(sing.grad, np.array([[[4.0, -2.0], [-2.0, 1.0]], [[3.0, -1.0], [-1.0, 2.0]]]),
          atol=1e-12)
    zero = t(np.zeros((3, 3)), True)
    assert LA.det(zero).item() == 0.0
    assert LA.slogdet(zero).logabsdet.item() == -math.inf
    LA.det(zero).backward()
    close(zero.grad, np.zeros((3, 3)))


def test_node_names():
    a = t(spd(3), True)
    b = t(arr(3, 2), True)
    assert LA.solve(a, b).grad_fn.name() == "LinalgSolveExBackward0"
    assert LA.inv(a).grad_fn.name() == "LinalgInvExBackward0"
    assert LA.det(a).grad_fn.name() == "LinalgDetBackward0"
    sign, logabs = LA.slogdet(a)
    assert logabs.grad_fn.name() == "LinalgSlogdetBackward0"
    assert not sign.requires_grad
    assert LA.cholesky(a).grad_fn.name() == "LinalgCholeskyExBackward0"
    assert LA.qr(a).Q.grad_fn.name() == "LinalgQrBackward0"
    assert LA.eigh(a).eigenvalues.grad_fn.name() == "LinalgEighBackward0"
    assert LA.eigvalsh(a).grad_fn.name() == "LinalgEighBackward0"
    assert LA.svd(a).S.grad_fn.name() == "LinalgSvdBackward0"
    assert LA.svdvals(a).grad_fn.name() == "LinalgSvdBackward0"


# ----- Cholesky ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_cholesky_matches_numpy(dtype, tol, shape):
    a = spd(*shape).astype(dtype)
    L = LA.cholesky(t(a))
    close(L, np.linalg.cholesky(a), rtol=tol * 10, atol=tol * 10)
    U = LA.cholesky(t(a), upper=True)
    close(U, np.swapaxes(np.linalg.cholesky(a), -1, -2), rtol=tol * 10, atol=tol * 10)
    close(torch.cholesky(t(a)), np.linalg.cholesky(a), rtol=tol * 10, atol=tol * 10)
    close(t(a).cholesky(), np.linalg.cholesky(a), rtol=tol * 10, atol=tol * 10)
    r = LA.cholesky_ex(t(a))
    assert type(r).__name__ == "linalg_cholesky_ex" and not r.info.any().item()


def test_cholesky_not_positive_definite():
    a = t(np.array([[1.0, 0.0], [0.0, -1.0]]))
    with pytest.raises(LA.LinAlgError) as e:
        LA.cholesky(a)
    assert str(e.value) == (
        "linalg.cholesky: The factorization could not be completed because the input is not "
        "positive-definite (the leading minor of order 2 is not positive-definite).")
    with pytest.raises(LA.LinAlgError, match=r"^cholesky: The factorization"):
        torch.cholesky(a)
    batch = t(np.stack([np.eye(3), -np.eye(3)]))
    with pytest.raises(LA.LinAlgError) as e:
        LA.cholesky(batch)
    assert str(e.value).startswith("linalg.cholesky: (Batch element 1): The factorization")
    assert "order 1 is" in str(e.value)
    assert LA.cholesky_ex(batch).info.tolist() == [0, 1]


def test_cholesky_gradcheck():
    x = t(arr(2, 3, 3), True)

    def f(x, upper=False):
        return LA.cholesky(x @ x.mT + 3 * torch.eye(3, dtype=x.dtype), upper=upper)

    assert gradcheck(f, [x])
    assert gradcheck(lambda x: f(x, True), [x])
    assert gradgradcheck(f, [x])


# ----- QR -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 2), (2, 2, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_identities(dtype, tol, shape, mode):
    a = arr(*shape, dtype=dtype)
    m, n = shape[-2:]
    k = min(m, n)
    Q, R = LA.qr(t(a), mode=mode)
    R_np = np.linalg.qr(a, mode="r" if mode == "r" else mode)
    R_np = R_np if mode == "r" else R_np[1]
    # R is unique up to the signs of its rows.
    rn = R.numpy()
    assert rn.shape == R_np.shape
    signs = np.sign(np.diagonal(rn, axis1=-2, axis2=-1)[..., :k] *
                    np.diagonal(R_np, axis1=-2, axis2=-1)[..., :k])
    close(rn[..., :k, :] * signs[..., :, None], R_np[..., :k, :], rtol=tol * 100, atol=tol * 100)
    assert np.allclose(np.tril(rn, -1), 0)
    if mode == "r":
        assert Q.shape == (0,)
        return
    qn = Q.numpy()
    assert qn.shape == (*shape[:-2], m, m if mode == "complete" else k)
    close(qn @ rn, a, rtol=tol * 100, atol=tol * 100)
    close(np.swapaxes(qn, -1, -2) @ qn, np.broadcast_to(np.eye(qn.shape[-1]), qn.shape[:-2] +
                                                        (qn.shape[-1],) * 2), atol=tol * 100)


def test_qr_gradcheck_and_errors():
    for shape in [(4, 3), (3, 3), (3, 5), (2, 4, 2)]:
        x = t(arr(*shape), True)
        assert gradcheck(lambda x: tuple(LA.qr(x)), [x])
    x = t(arr(3, 3), True)
    assert gradcheck(lambda x: tuple(LA.qr(x, mode="complete")), [x])
    assert gradgradcheck(lambda x: tuple(LA.qr(x)), [x])
    with pytest.raises(RuntimeError, match="unrecognized mode 'full'"):
        LA.qr(x, mode="full")
    with pytest.raises(RuntimeError, match="not computed when mode='r'"):
        LA.qr(x, mode="r").R.sum().backward()
    y = t(arr(4, 2), True)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        LA.qr(y, mode="complete").Q.sum().backward()


# ----- eigh -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_matches_numpy(dtype, tol, shape, uplo):
    a = arr(*shape, dtype=dtype)  # not symmetric: only the UPLO triangle may be read
    w, V = LA.eigh(t(a), UPLO=uplo)
    w_np = np.linalg.eigvalsh(a, UPLO=uplo)
    close(w, w_np, rtol=tol * 100, atol=tol * 100)
    close(LA.eigvalsh(t(a), UPLO=uplo), w_np, rtol=tol * 100, atol=tol * 100)
    sym = np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2) if uplo == "L" else \
        np.triu(a) + np.swapaxes(np.triu(a, 1), -1, -2)
    vn = V.numpy()
    close(vn @ (w.numpy()[..., :, None] * np.swapaxes(vn, -1, -2)), sym, rtol=tol * 100,
          atol=tol * 100)
    r = LA.eigh(t(a), uplo)
    assert type(r).__name__ == "linalg_eigh" and r.eigenvalues.shape == shape[:-1]
    with pytest.raises(RuntimeError, match="Expected UPLO argument to be 'L' or 'U', but got X"):
        LA.eigh(t(a), "X")


def test_eigh_gradcheck():
    x = t(arr(2, 4, 4), True)

    def f(x):
        w, V = LA.eigh(x + x.mT)
        return w, V * V  # V's columns are defined up to sign; V * V is not

    assert gradcheck(f, [x])
    assert gradcheck(lambda x: LA.eigvalsh(x + x.mT), [x])
    assert gradgradcheck(lambda x: LA.eigvalsh(x + x.mT), [x])


# ----- SVD ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 2), (2, 2, 3)])
@pytest.mark.parametrize("full", [True, False])
def test_svd_matches_numpy(dtype, tol, shape, full):
    a = arr(*shape, dtype=dtype)
    m, n = shape[-2:]
    k = min(m, n)
    U, S, Vh = LA.svd(t(a), full_matrices=full)
    close(S, np.linalg.svd(a, compute_uv=False), rtol=tol * 100, atol=tol * 100)
    close(LA.svdvals(t(a)), np.linalg.svd(a, compute_uv=False), rtol=tol * 100, atol=tol * 100)
    assert U.shape == (*shape[:-2], m, m if full else k)
    assert Vh.shape == (*shape[:-2], n if full else k, n)
    un, sn, vn = U.numpy(), S.numpy(), Vh.numpy()
    close((un[..., :k] * sn[..., None, :]) @ vn[..., :k, :], a, rtol=tol * 100, atol=tol * 100)
    close(np.swapaxes(un, -1, -2) @ un, np.broadcast_to(np.eye(un.shape[-1]), un.shape[:-2] +
                                                        (un.shape[-1],) * 2), atol=tol * 100)
    close(vn @ np.swapaxes(vn, -1, -2), np.broadcast_to(np.eye(vn.shape[-2]), vn.shape[:-2] +
                                                        (vn.shape[-2],) * 2), atol=tol * 100)
    assert type(LA.svd(t(a))).__name__ == "linalg_svd"


def test_svd_gradcheck():
    for shape in [(4, 3), (3, 5), (3, 3), (2, 3, 2)]:
        x = t(arr(*shape), True)

        def f(x):
            U, S, Vh = LA.svd(x, full_matrices=False)
            # singular vectors are defined up to a common sign per pair: the projectors
            # U U^T and V V^T are not
            return S, U @ U.mT, Vh.mT @ Vh

        assert gradcheck(lambda x: LA.svd(x, full_matrices=False).S, [x])
        assert gradcheck(f, [x])
        assert gradcheck(LA.svdvals, [x])
        assert gradcheck(lambda x: LA.svd(x, full_matrices=True).S, [x])
    y = t(arr(4, 3), True)
    # U[:, i] * Vh[i, j] is sign-invariant
    assert gradcheck(lambda y: (LA.svd(y, full_matrices=False).U[:, :, None] *
                                LA.svd(y, full_matrices=False).Vh[None, :, :]), [y])
    assert gradgradcheck(LA.svdvals, [y])


# ----- triangular solve -----------------------------------------------------------------------


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular(upper, left, unit):
    a = arr(2, 4, 4) + 4 * np.eye(4)
    tri = np.triu(a) if upper else np.tril(a)
    if unit:
        tri = tri - np.diagonal(tri, axis1=-2, axis2=-1)[..., None] * np.eye(4) + np.eye(4)
    b = arr(2, 4, 3) if left else arr(2, 3, 4)
    x = LA.solve_triangular(t(a), t(b), upper=upper, left=left, unitriangular=unit)
    want = np.linalg.solve(tri, b) if left else np.swapaxes(
        np.linalg.solve(np.swapaxes(tri, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    close(x, want, rtol=1e-9, atol=1e-10)
    A = t(a, True)
    B = t(b, True)
    assert gradcheck(lambda A, B: LA.solve_triangular(A, B, upper=upper, left=left,
                                                      unitriangular=unit), [A, B])


# ----- compositions ---------------------------------------------------------------------------


@pytest.mark.parametrize("ord", [2, 1, 0, 3, math.inf, -math.inf])
def test_vector_norm(ord):
    x = arr(3, 4)
    close(LA.vector_norm(t(x), ord), np.linalg.norm(x.ravel(), ord), rtol=1e-10)
    close(LA.vector_norm(t(x), ord, dim=1), np.linalg.norm(x, ord, axis=1), rtol=1e-10)
    assert LA.vector_norm(t(x), ord, dim=(0, 1), keepdim=True).shape == (1, 1)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norm_and_norm(ord):
    x = arr(2, 3, 4)
    want = np.linalg.norm(x, ord, axis=(-2, -1))
    close(LA.matrix_norm(t(x), ord), want, rtol=1e-9)
    close(LA.norm(t(x), ord, dim=(-2, -1)), want, rtol=1e-9)
    k = LA.matrix_norm(t(x), ord, dim=(0, 2), keepdim=True)
    assert k.shape == (1, 3, 1)
    close(k[0, :, 0], np.linalg.norm(np.moveaxis(x, 1, 0), ord, axis=(-2, -1)), rtol=1e-9)
    close(LA.norm(t(x[0]), ord), np.linalg.norm(x[0], ord), rtol=1e-9)


def test_norm_forms():
    x = arr(2, 3, 4)
    close(LA.norm(t(x)), np.linalg.norm(x.ravel()), rtol=1e-10)
    close(LA.norm(t(x), dim=1), np.linalg.norm(x, axis=1), rtol=1e-10)
    close(LA.norm(t(x[0, 0]), 1), np.linalg.norm(x[0, 0], 1), rtol=1e-10)
    with pytest.raises(RuntimeError, match="input must be 1D or 2D"):
        LA.norm(t(x), 2)
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        LA.matrix_norm(t(x), 3)
    y = t(arr(3, 4), True)
    assert gradcheck(lambda y: LA.matrix_norm(y, "nuc"), [y])
    assert gradcheck(lambda y: LA.matrix_norm(y, 1), [y])


def test_pinv_rank_lstsq_cond():
    a = arr(5, 3) @ arr(3, 4)  # rank 3
    close(LA.pinv(t(a)), np.linalg.pinv(a), rtol=1e-7, atol=1e-9)
    assert LA.matrix_rank(t(a)).item() == 3
    assert LA.matrix_rank(t(a)).dtype == torch.int64
    s = spd(4)
    close(LA.pinv(t(s), hermitian=True), np.linalg.inv(s), rtol=1e-8)
    assert LA.matrix_rank(t(s), hermitian=True).item() == 4
    b = arr(5, 2)
    full = arr(5, 3)
    # PyTorch's default CPU driver ('gelsy') returns no residuals; 'gelsd' does.
    r = LA.lstsq(t(full), t(b), driver="gelsd")
    want, res, rank, _ = np.linalg.lstsq(full, b, rcond=None)
    close(r.solution, want, rtol=1e-8)
    close(r.residuals, res, rtol=1e-8)
    assert r.rank.item() == rank and type(r).__name__ == "linalg_lstsq"
    close(LA.lstsq(t(a), t(b)).solution, np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-6,
          atol=1e-9)
    sq = arr(3, 3) + 2 * np.eye(3)
    for p in [None, 2, -2, 1, -1, math.inf, -math.inf, "fro", "nuc"]:
        close(LA.cond(t(sq), p), np.linalg.cond(sq, p), rtol=1e-8)
    x = t(arr(4, 3), True)
    assert gradcheck(LA.pinv, [x])


def test_matrix_power_multi_dot_vecdot_cross_diagonal():
    a = arr(2, 3, 3) + 2 * np.eye(3)
    for n in [0, 1, 2, 3, 5, -1, -2]:
        close(LA.matrix_power(t(a), n), np.linalg.matrix_power(a, n), rtol=1e-8, atol=1e-10)
    close(torch.matrix_power(t(a), 2), a @ a)
    close(t(a).matrix_power(3), a @ a @ a)
    ms = [arr(2, 3), arr(3, 4), arr(4, 5), arr(5)]
    close(LA.multi_dot([t(m) for m in ms]), np.linalg.multi_dot(ms), rtol=1e-10)
    with pytest.raises(RuntimeError, match="expected at least 2 tensors but got 1"):
        LA.multi_dot([t(ms[0])])
    x, y = arr(4, 3), arr(4, 3)
    close(LA.vecdot(t(x), t(y)), (x * y).sum(-1))
    close(LA.cross(t(x), t(y)), np.cross(x, y), rtol=1e-10)
    close(LA.cross(t(x.T.copy()), t(y.T.copy()), dim=0), np.cross(x, y).T, rtol=1e-10)
    with pytest.raises(RuntimeError, match="must have length 3"):
        LA.cross(t(arr(4, 4)), t(arr(4, 4)))
    close(LA.diagonal(t(a)), np.diagonal(a, axis1=-2, axis2=-1))
    close(LA.diagonal(t(a), offset=1), np.diagonal(a, 1, axis1=-2, axis2=-1))


def test_namespace():
    assert torch.linalg is LA
    for name in LA.__all__:
        assert callable(getattr(LA, name)) or name == "LinAlgError"
