"""The rest of ``torch.linalg`` (lu*, ldl*, matrix_exp, householder_product, tensorinv,
tensorsolve, vander, lstsq) and the legacy names (torch.lu, lu_unpack, lu_solve, geqrf, orgqr,
ormqr, triangular_solve, cholesky_solve, cholesky_inverse, svd, qr, pinverse, chain_matmul).

Oracles: PyTorch's outputs, gradients, grad_fn names and error texts recorded by
``scripts/record_linalg_reference.py`` (``tests/data/linalg_reference.npz``); NumPy
(``np.linalg``) and reconstruction identities (A = P L U, A = L D L^T, A = Q R...); float64
finite differences (``gradcheck``) for every differentiable function.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
from rtensor import linalg as LA
from rtensor.autograd import gradcheck

DATA = np.load(Path(__file__).parent / "data" / "linalg_reference.npz")
META = json.loads(str(DATA["meta"]))
RNG = np.random.default_rng(3)

# Compositions whose node PyTorch names after an internal op (their gradients are checked).
COMPOSED = ("tensorinv", "tensorsolve", "vander", "pinverse", "legacy_vander")


def arr(*shape):
    return RNG.standard_normal(shape)


def t(a, requires_grad=False):
    x = torch.from_numpy(np.ascontiguousarray(a)).clone()
    return x.requires_grad_() if requires_grad else x


def flat(r):
    if isinstance(r, torch.Tensor):
        return [r]
    out = []
    for x in r:
        out.extend(flat(x))
    return out


def tol(dtype):
    return (2e-4, 2e-5) if dtype == np.float32 else (1e-9, 1e-11)


def run_case(case, grad=False):
    env = {}
    for k in case["inputs"]:
        env[k] = t(DATA[f"{case['id']}|in|{k}"], grad and k in case["grad"])
    return env, flat(eval(case["expr"], {"torch": torch, **env}))


@pytest.mark.parametrize("case", [c for c in META["cases"] if c["compare"] == "exact"],
                         ids=lambda c: c["id"])
def test_outputs_match_pytorch(case):
    _, outs = run_case(case)
    assert len(outs) == case["outputs"]
    for i, o in enumerate(outs):
        want = DATA[f"{case['id']}|out|{i}"]
        got = o.numpy()
        assert got.shape == want.shape, (i, got.shape, want.shape)
        assert got.dtype == want.dtype, (i, got.dtype, want.dtype)
        if np.issubdtype(want.dtype, np.floating):
            rtol, atol = tol(want.dtype)
            scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
            np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale)
        else:
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", [c for c in META["cases"] if c["grad"]], ids=lambda c: c["id"])
def test_gradients_and_node_names_match_pytorch(case):
    env, outs = run_case(case, grad=True)
    loss = None
    for i, o in enumerate(outs):
        key = f"{case['id']}|w|{i}"
        if key in DATA.files:
            term = (o * t(DATA[key]).to(o.dtype)).sum()
            loss = term if loss is None else loss + term
    gs = torch.autograd.grad(loss, [env[k] for k in case["grad"]], allow_unused=True)
    for k, g in zip(case["grad"], gs):
        want = DATA[f"{case['id']}|grad|{k}"]
        got = np.zeros_like(want) if g is None else g.numpy()
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9 * scale, err_msg=k)
    if not case["id"].startswith(COMPOSED):
        names = [o.grad_fn.name() if o.grad_fn is not None else None for o in outs]
        assert names == case["grad_fn"]


@pytest.mark.parametrize("e", META["errors"], ids=lambda e: e["expr"])
def test_errors_match_pytorch(e):
    cls = {"RuntimeError": RuntimeError, "NotImplementedError": NotImplementedError,
           "TypeError": TypeError, "ValueError": ValueError}[e["type"]]
    with pytest.raises(cls) as info:
        eval(e["expr"], {"torch": torch})
    assert str(info.value) == e["message"]


def test_lu_factor_singular_is_linalg_error_and_finite():
    with pytest.raises(LA.LinAlgError):
        LA.lu_factor(torch.zeros(2, 2))
    r = LA.lu_factor_ex(t(np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 2.0], [1.0, 1.0, 1.0]])))
    assert type(r).__name__ == "linalg_lu_factor_ex"
    assert r.info.item() == 2 and r.pivots.tolist() == [3, 2, 3]
    assert np.isfinite(r.LU.numpy()).all()


# ----- checkable-only cases (not unique, or a different pivoting) ----------------------------


def _case(id_):
    return next(c for c in META["cases"] if c["id"] == id_)


@pytest.mark.parametrize("tag", ["f64", "f32"])
def test_ldl_factor_reconstructs_and_solves(tag):
    """faer's Bunch-Kaufman test (|a_kk| >= alpha * gamma_r^2 / gamma_i) differs from LAPACK
    sytrf's (|a_kk| >= alpha * colmax^2 / rowmax), so pivots may differ from PyTorch's; the
    factors are in sytrf's format (PyTorch's ldl_solve, recorded, reads them) and solve A."""
    case = _case(f"ldl_factor_{tag}")
    A = DATA[f"{case['id']}|in|A"]
    r = LA.ldl_factor_ex(t(A))
    assert type(r).__name__ == "linalg_ldl_factor_ex"
    assert r.LD.shape == A.shape and r.pivots.dtype == torch.int32 and r.info.tolist() == [0] * 3
    b = arr(3, 5, 2).astype(A.dtype)
    x = LA.ldl_solve(r.LD, r.pivots, t(b))
    rtol = 1e-3 if tag == "f32" else 1e-9
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(A.astype(np.float64), b), rtol=rtol,
                               atol=rtol)
    # The recorded PyTorch factors solve through our sytrs as well (the ldl_solve_* cases).


def test_ldl_factor_matches_sytrf_when_the_pivots_agree():
    # A diagonally dominant matrix takes 1x1 pivots without interchanges in both algorithms.
    a = arr(4, 4)
    a = a + a.T + 10 * np.eye(4)
    LD, piv = LA.ldl_factor(t(a))
    assert piv.tolist() == [1, 2, 3, 4]
    L = np.tril(LD.numpy(), -1) + np.eye(4)
    D = np.diag(np.diag(LD.numpy()))
    np.testing.assert_allclose(L @ D @ L.T, a, rtol=1e-12, atol=1e-12)


def test_ldl_two_by_two_blocks_and_batches():
    a = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]])
    LD, piv = LA.ldl_factor(t(np.stack([a, a + 5 * np.eye(3)])))
    assert (piv.numpy()[0] < 0).any()
    b = arr(2, 3, 4)
    x = LA.ldl_solve(LD, piv, t(b))
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(np.stack([a, a + 5 * np.eye(3)]), b),
                               rtol=1e-10, atol=1e-10)
    assert LA.ldl_factor(torch.zeros(0, 3, 3)).LD.shape == (0, 3, 3)
    with pytest.raises(LA.LinAlgError, match="diagonal element 1 of D is zero"):
        LA.ldl_factor(torch.zeros(3, 3))
    assert LA.ldl_factor_ex(torch.zeros(2, 3, 3)).info.tolist() == [1, 1]
    with pytest.raises(RuntimeError, match="not a valid result of ldl_factor"):
        LA.ldl_solve(LD, piv * 0 + 7, t(b))


@pytest.mark.parametrize("tag", ["f64", "f32"])
def test_legacy_svd_and_qr_reconstruct(tag):
    A = DATA[f"legacy_svd_{tag}|in|A"]
    U, S, V = torch.svd(t(A))
    assert type(torch.svd(t(A))).__name__ == "svd"
    np.testing.assert_allclose(S.numpy(), DATA[f"legacy_svd_{tag}|out|1"], rtol=1e-5)
    np.testing.assert_allclose((U.numpy() * S.numpy()) @ V.numpy().T, A, rtol=1e-4, atol=1e-5)
    assert U.shape == (4, 3) and V.shape == (3, 3)
    A = DATA[f"legacy_qr_{tag}|in|A"]
    Q, R = torch.qr(t(A), some=False)
    assert Q.shape == (5, 5) and R.shape == (5, 3)
    np.testing.assert_allclose(Q.numpy() @ R.numpy(), A, rtol=1e-4, atol=1e-5)
    _, S2, V2 = t(A).svd(compute_uv=False)
    assert float(np.abs(V2.numpy()).max()) == 0.0 and V2.shape == (3, 3)


# ----- NumPy oracles and identities ------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 5), (3, 6, 4), (2, 4, 7), (1, 1), (0, 4, 4), (3, 0)])
def test_lu_reconstructs(shape):
    a = arr(*shape)
    P, L, U = LA.lu(t(a))
    k = min(shape[-2:])
    assert L.shape == (*shape[:-1], k) and U.shape == (*shape[:-2], k, shape[-1])
    np.testing.assert_allclose((P @ L @ U).numpy(), a, rtol=1e-12, atol=1e-12)
    LU, piv = LA.lu_factor(t(a)) if 0 not in shape[-2:] or k == 0 else (None, None)
    if LU is not None:
        P2, L2, U2 = torch.lu_unpack(LU, piv)
        np.testing.assert_array_equal(P2.numpy(), P.numpy())
        P3, L3, U3 = torch.lu_unpack(LU, piv, unpack_data=False)
        assert L3.numel() == 0 and U3.numel() == 0


def test_lu_solve_matches_numpy_and_methods():
    a = arr(2, 4, 4) + 4 * np.eye(4)
    b = arr(2, 4, 3)
    LU, piv = LA.lu_factor(t(a))
    np.testing.assert_allclose(LA.lu_solve(LU, piv, t(b)).numpy(), np.linalg.solve(a, b),
                               rtol=1e-10)
    np.testing.assert_allclose(t(b).lu_solve(LU, piv).numpy(), np.linalg.solve(a, b), rtol=1e-10)
    LU2, piv2, info = t(a).lu(get_infos=True)
    np.testing.assert_array_equal(LU2.numpy(), LU.numpy())
    assert info.tolist() == [0, 0]
    x = LA.lu_solve(LU, piv, t(b.swapaxes(-1, -2)), left=False, adjoint=True)
    np.testing.assert_allclose(x.numpy() @ a.swapaxes(-1, -2), b.swapaxes(-1, -2), rtol=1e-10)


def _sym_expm(s):
    w, v = np.linalg.eigh(s)
    return (v * np.exp(w)[..., None, :]) @ np.swapaxes(v, -1, -2)


@pytest.mark.parametrize("scale", [1e-10, 1e-3, 0.1, 1.0, 8.0])
def test_matrix_exp_matches_eigen_oracle(scale):
    s = arr(3, 5, 5)
    s = (s + np.swapaxes(s, -1, -2)) * scale
    np.testing.assert_allclose(torch.matrix_exp(t(s)).numpy(), _sym_expm(s), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(t(s.astype(np.float32)).matrix_exp().numpy(), _sym_expm(s),
                               rtol=2e-4, atol=1e-5)
    assert LA.matrix_exp(torch.zeros(0, 3, 3)).shape == (0, 3, 3)


def test_householder_geqrf_ormqr_identities():
    a = arr(2, 6, 4)
    q, tau = torch.geqrf(t(a))
    Q = LA.householder_product(q, tau)
    R = np.triu(q.numpy()[..., :4, :])
    np.testing.assert_allclose(Q.numpy() @ R, a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(Q.numpy(), -1, -2) @ Q.numpy(),
                               np.broadcast_to(np.eye(4), (2, 4, 4)), atol=1e-12)
    c = arr(2, 6, 3)
    full = torch.ormqr(q, tau, t(np.broadcast_to(np.eye(6), (2, 6, 6)).copy()))
    np.testing.assert_allclose(torch.ormqr(q, tau, t(c)).numpy(), full.numpy() @ c, atol=1e-12)
    np.testing.assert_allclose(q.ormqr(tau, t(c), True, True).numpy(),
                               np.swapaxes(full.numpy(), -1, -2) @ c, atol=1e-12)
    np.testing.assert_allclose(torch.orgqr(q, tau).numpy(), Q.numpy())


def test_cholesky_solve_inverse_triangular_solve_vs_numpy():
    m = arr(3, 4, 4)
    s = m @ np.swapaxes(m, -1, -2) + 4 * np.eye(4)
    L = np.linalg.cholesky(s)
    b = arr(3, 4, 2)
    np.testing.assert_allclose(torch.cholesky_solve(t(b), t(L)).numpy(), np.linalg.solve(s, b),
                               rtol=1e-10)
    np.testing.assert_allclose(t(L).cholesky_inverse().numpy(), np.linalg.inv(s), rtol=1e-10)
    x, c = torch.triangular_solve(t(b), t(L), upper=False)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(L, b), rtol=1e-10)
    np.testing.assert_array_equal(c.numpy(), L)
    assert type(t(b).triangular_solve(t(L), upper=False)).__name__ == "triangular_solve"


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
def test_lstsq_matches_numpy(driver):
    a, b = arr(3, 7, 4), arr(3, 7, 2)
    r = LA.lstsq(t(a), t(b), driver=driver)
    want = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[0] for i in range(3)])
    np.testing.assert_allclose(r.solution.numpy(), want, rtol=1e-9, atol=1e-10)
    if driver in ("gels", "gelsd", "gelss"):
        res = np.stack([np.linalg.lstsq(a[i], b[i], rcond=None)[1] for i in range(3)])
        np.testing.assert_allclose(r.residuals.numpy(), res, rtol=1e-9)
    else:
        assert r.residuals.numel() == 0
    assert (r.rank.numel() == 0) == (driver == "gels")
    # rank-deficient: the minimum-norm solution
    d = arr(6, 2) @ arr(2, 4)
    e = arr(6, 2)
    r = LA.lstsq(t(d), t(e), driver=driver if driver != "gels" else "gelsd")
    np.testing.assert_allclose(r.solution.numpy(), np.linalg.pinv(d) @ e, rtol=1e-7,
                               atol=1e-9)


def test_tensorinv_tensorsolve_vander_vs_numpy():
    a = arr(4, 6, 8, 3)
    np.testing.assert_allclose(LA.tensorinv(t(a), ind=2).numpy(), np.linalg.tensorinv(a, ind=2),
                               rtol=1e-9, atol=1e-10)
    A, B = arr(2, 3, 6), arr(2, 3)
    np.testing.assert_allclose(LA.tensorsolve(t(A), t(B)).numpy(), np.linalg.tensorsolve(A, B),
                               rtol=1e-9)
    x = arr(5)
    np.testing.assert_allclose(torch.vander(t(x)).numpy(), np.vander(x), rtol=1e-12)
    np.testing.assert_allclose(LA.vander(t(x), N=3).numpy(), np.vander(x, 3, increasing=True),
                               rtol=1e-12)
    assert torch.vander(torch.tensor([1, 2, 3])).dtype == torch.int64


def test_chain_matmul_and_pinverse():
    a, b = arr(2, 3), arr(3, 4)
    np.testing.assert_allclose(torch.chain_matmul(t(a), t(b)).numpy(), a @ b, rtol=1e-12)
    np.testing.assert_allclose(t(a).pinverse().numpy(), np.linalg.pinv(a), rtol=1e-9)


# ----- gradcheck (float64) for every differentiable function --------------------------------


def _chol_factor(n=4, batch=()):
    m = arr(*batch, n, n)
    return np.linalg.cholesky(m @ np.swapaxes(m, -1, -2) + n * np.eye(n))


GRADCHECKS = {
    "lu_square": (lambda a: LA.lu(a)[1:], [(2, 4, 4)]),
    "lu_wide": (lambda a: LA.lu(a)[1:], [(3, 5)]),
    "lu_tall": (lambda a: LA.lu(a)[1:], [(2, 5, 3)]),
    "lu_factor": (lambda a: LA.lu_factor(a)[0], [(2, 4, 4)]),
    "lu_factor_tall": (lambda a: LA.lu_factor_ex(a)[0], [(5, 3)]),
    "lu_unpack": (lambda lu_: torch.lu_unpack(lu_, torch.ones(3, dtype=torch.int32))[1:],
                  [(3, 4)]),
    "matrix_exp": (LA.matrix_exp, [(2, 3, 3)]),
    "matrix_exp_large": (lambda a: LA.matrix_exp(a * 4), [(3, 3)]),
    "householder_product": (LA.householder_product, [(5, 3), (2,)]),
    "ormqr_left": (lambda a, tau, c: torch.ormqr(a, tau, c), [(5, 3), (3,), (5, 2)]),
    "ormqr_right_t": (lambda a, tau, c: torch.ormqr(a, tau, c, False, True),
                      [(4, 2), (2,), (3, 4)]),
    "tensorinv": (lambda a: LA.tensorinv(a + 3 * torch.eye(4).reshape(2, 2, 2, 2), 2),
                  [(2, 2, 2, 2)]),
    "tensorsolve": (lambda a, b: LA.tensorsolve(a + 3 * torch.eye(6).reshape(2, 3, 6), b),
                    [(2, 3, 6), (2, 3)]),
    "vander": (lambda x: LA.vander(x, N=4), [(2, 3)]),
    "legacy_vander": (lambda x: torch.vander(x, 3), [(4,)]),
    "lstsq_gels": (lambda a, b: LA.lstsq(a, b, driver="gels")[:2], [(6, 3), (6, 2)]),
    "lstsq_gelsd": (lambda a, b: LA.lstsq(a, b, driver="gelsd")[:2], [(6, 3), (6, 2)]),
    "lstsq_gelsy_wide": (lambda a, b: LA.lstsq(a, b)[0], [(3, 5), (3,)]),
    "pinverse": (lambda a: torch.pinverse(a), [(4, 3)]),
    "chain_matmul": (lambda a, b, c: torch.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 2)]),
}


@pytest.mark.parametrize("name", list(GRADCHECKS))
def test_gradcheck(name):
    fn, shapes = GRADCHECKS[name]
    inputs = [t(arr(*s), True) for s in shapes]
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("left,adjoint", [(True, False), (True, True), (False, False),
                                          (False, True)])
def test_gradcheck_lu_solve(left, adjoint):
    a = arr(2, 4, 4) + 3 * np.eye(4)
    LU, piv = LA.lu_factor(t(a))
    b = arr(2, 4, 3) if left else arr(2, 3, 4)
    assert gradcheck(lambda lu_, b_: LA.lu_solve(lu_, piv, b_, left=left, adjoint=adjoint),
                     [t(LU.numpy(), True), t(b, True)])


@pytest.mark.parametrize("upper", [False, True])
def test_gradcheck_cholesky_solve_inverse_triangular(upper):
    L = _chol_factor(4, (2,))
    F = np.swapaxes(L, -1, -2) if upper else L
    b = arr(2, 4, 3)
    # PyTorch's formula differentiates L L^T over every entry of L while the forward reads one
    # triangle: finite differences agree on triangular inputs (PyTorch's gradcheck wrapper).
    def tri(f_):
        return f_.triu() if upper else f_.tril()

    assert gradcheck(lambda b_, f_: torch.cholesky_solve(b_, tri(f_), upper=upper),
                     [t(b, True), t(F, True)])
    assert gradcheck(lambda f_: torch.cholesky_inverse(tri(f_), upper=upper), [t(F, True)])
    for tr in (False, True):
        for unit in (False, True):
            assert gradcheck(lambda b_, f_, tr=tr, unit=unit: torch.triangular_solve(
                b_, f_, upper=upper, transpose=tr, unitriangular=unit), [t(b, True), t(F, True)])


# ----- devices and argument forms -----------------------------------------------------------


def test_gpu_tensors_raise_not_implemented(gpu):
    x = torch.eye(3).to(gpu)
    piv = torch.ones(3, dtype=torch.int32)
    for fn, name in [(LA.lu_factor, "linalg.lu_factor"), (LA.lu, "linalg.lu"),
                     (LA.ldl_factor, "linalg.ldl_factor"), (LA.matrix_exp, "linalg.matrix_exp"),
                     (torch.geqrf, "geqrf"), (lambda a: LA.lu_solve(a, piv, a), "linalg.lu_solve"),
                     (lambda a: LA.householder_product(a, a[0]), "householder_product"),
                     (lambda a: torch.cholesky_inverse(a), "cholesky_inverse"),
                     (lambda a: torch.triangular_solve(a, a), "triangular_solve"),
                     (lambda a: LA.lstsq(a, a), "linalg.lstsq")]:
        with pytest.raises(NotImplementedError, match=name):
            fn(x)


def test_batched_and_empty_batch_shapes():
    assert LA.lu_factor(torch.zeros(0, 3, 3)).pivots.shape == (0, 3)
    P, L, U = LA.lu(torch.zeros(2, 0, 3, 2))
    assert P.shape == (2, 0, 3, 3) and L.shape == (2, 0, 3, 2) and U.shape == (2, 0, 2, 2)
    assert torch.geqrf(torch.zeros(0, 4, 3)).tau.shape == (0, 3)
    assert LA.householder_product(torch.zeros(0, 4, 3), torch.zeros(0, 2)).shape == (0, 4, 3)
    assert LA.lstsq(torch.zeros(0, 4, 3), torch.zeros(0, 4, 2)).solution.shape == (0, 3, 2)
    assert torch.cholesky_inverse(torch.zeros(0, 2, 2)).shape == (0, 2, 2)
    a = arr(3, 2, 4, 4) + 4 * np.eye(4)
    LU, piv = LA.lu_factor(t(a))
    assert LU.shape == (3, 2, 4, 4) and piv.shape == (3, 2, 4)
    np.testing.assert_allclose(LA.lu_solve(LU, piv, t(arr(4, 1))).shape, (3, 2, 4, 1))


def test_linalg_namespace_is_complete_for_real_dtypes():
    names = {"cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh",
             "householder_product", "inv", "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve",
             "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp",
             "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
             "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv",
             "tensorsolve", "vander", "vecdot", "vector_norm"}
    assert names <= set(LA.__all__)
    for n in ("lu", "lu_unpack", "lu_solve", "matrix_exp", "geqrf", "orgqr", "ormqr",
              "triangular_solve", "cholesky_solve", "cholesky_inverse", "vander", "svd", "qr",
              "pinverse", "chain_matmul"):
        assert callable(getattr(torch, n)), n


def test_gradgradcheck_second_order():
    """A recorded backward (create_graph) is itself differentiable (NOTE [composite
    backward]; lu/matrix_exp recompute their factors from the inputs)."""
    from rtensor.autograd import gradgradcheck

    assert gradgradcheck(LA.matrix_exp, [t(arr(3, 3), True)])
    assert gradgradcheck(lambda a: LA.lu(a)[1:], [t(arr(3, 3), True)])
    assert gradgradcheck(lambda a: LA.lu_factor(a)[0], [t(arr(3, 3), True)])
    LU, piv = LA.lu_factor(t(arr(3, 3) + 3 * np.eye(3)))
    assert gradgradcheck(lambda lu_, b_: LA.lu_solve(lu_, piv, b_),
                         [t(LU.numpy(), True), t(arr(3, 2), True)])
    assert gradgradcheck(LA.householder_product, [t(arr(4, 3), True), t(arr(2), True)])
    assert gradgradcheck(lambda a, b: LA.lstsq(a, b, driver="gels")[0],
                         [t(arr(5, 3), True), t(arr(5, 2), True)])
