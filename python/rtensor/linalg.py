"""``rtensor.linalg``: PyTorch's ``torch.linalg`` for float32/float64 CPU tensors.

The decompositions run natively on faer (``_C._linalg_solve``, ``_linalg_det``,
``_linalg_cholesky``, ``_linalg_qr``, ``_linalg_eigh``, ``_linalg_svd``,
``_linalg_solve_triangular``: batched loops in ``src/ops/linalg_decomp.rs`` over the
one-matrix kernels of ``src/backend/cpu/lapack.rs``); everything else (inverse, norms, pinv,
rank, lstsq...) is composed from them here, as ATen composes its linalg functions.

NOTE [linalg autograd]: each native decomposition is recorded as one node under PyTorch's name
(``LinalgSolveExBackward0``, ``LinalgCholeskyExBackward0``, ``LinalgSvdBackward0``...) whose
backward is PyTorch's formula (``FunctionsManual.cpp``) written with differentiable rtensor ops.
The backward reads the forward's results; when it is itself recorded (``create_graph=True``) it
recomputes them from the real inputs, so second derivatives flow to the inputs as well.

Numerical failures come back from the natives as LAPACK ``info`` codes; ``_check_errors``
raises ``LinAlgError`` with ATen's ``_linalg_check_errors`` text, and the ``_ex`` forms return
the codes instead.
"""

import math
import numbers

from . import _C
from . import return_types as _rt
from ._C import Tensor
from ._functions import zeros as _zeros
from ._out import writes_out
from .autograd.grad_mode import no_grad

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
    "eigvalsh", "inv", "inv_ex", "matmul", "matrix_norm", "matrix_power",
    "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
    "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm",
]


class LinAlgError(RuntimeError):
    """Raised for singular or non-positive-definite input (``torch.linalg.LinAlgError``)."""


LinAlgError.__module__ = "rtensor.linalg"


# ---------------------------------------------------------------------------------------------
# checks


def _scalar_name(dtype):
    return dtype._legacy_name[: -len("Tensor")]


def _check_tensor(A, op, name="A"):
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    if A.is_cuda:
        raise NotImplementedError(f'"{op}" is not implemented for the GPU device')


def _check_float(A, op):
    d = A.dtype
    if d.is_complex:
        # No silent fallback: faer's complex factorizations are not wired in yet.
        raise NotImplementedError(f"{op}: complex input is not supported yet (of torch.linalg's "
                                  "decompositions only eig and eigvals take complex matrices)")
    if not d.is_floating_point:
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. "
                           f"Got {_scalar_name(d)}")
    if d.itemsize < 4:
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {_scalar_name(d)}")


def _check_matrix(A, op, name="A"):
    _check_tensor(A, op, name)
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    _check_float(A, op)


def _check_square(A, op, name="A"):
    _check_matrix(A, op, name)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: {name} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _check_errors(info, api, is_matrix):
    """ATen's ``_linalg_check_errors``: raises for the first nonzero code of ``info``."""
    codes = info.reshape(-1).tolist()
    for i, code in enumerate(codes):
        if code == 0:
            continue
        where = api if is_matrix else f"{api}: (Batch element {i})"
        if "inv" in api:
            msg = (f"The diagonal element {code} is zero, the inversion could not be completed "
                   "because the input matrix is singular.")
        elif "solve" in api:
            msg = "The solver failed because the input matrix is singular."
        elif "cholesky" in api:
            msg = ("The factorization could not be completed because the input is not "
                   f"positive-definite (the leading minor of order {code} is not "
                   "positive-definite).")
        elif "svd" in api:
            msg = ("The algorithm failed to converge because the input matrix is "
                   "ill-conditioned or has too many repeated singular values (error code: "
                   f"{code}).")
        else:
            msg = ("The algorithm failed to converge because the input matrix is "
                   "ill-conditioned or has too many repeated eigenvalues (error code: "
                   f"{code}).")
        raise LinAlgError(f"{where}: {msg}")


# ---------------------------------------------------------------------------------------------
# small helpers


def _broadcast_batch(a, b):
    """The broadcast of two batch shapes (PyTorch's rules and error text)."""
    out = []
    for i in range(max(len(a), len(b))):
        x = a[len(a) - 1 - i] if i < len(a) else 1
        y = b[len(b) - 1 - i] if i < len(b) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {max(len(a), len(b)) - 1 - i}")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def _sum_to(g, shape):
    """``g`` summed over the dims broadcasting added to ``shape``."""
    shape = tuple(shape)
    if tuple(g.shape) == shape:
        return g
    lead = g.ndim - len(shape)
    if lead > 0:
        g = g.sum(tuple(range(lead)))
    dims = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if dims:
        g = g.sum(dims, keepdim=True)
    return g


def _eye(n, like):
    return _C.eye(n, None, like.dtype)


def _diag_embed(v):
    return v.unsqueeze(-1) * _eye(v.shape[-1], v)


def _needs_grad(*ts):
    return _C.is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in ts)


def _record(name, inputs, outputs, backward):
    """Attaches ``outputs`` (computed without history) to one node ``name`` whose
    ``backward(*grads)`` returns one gradient per entry of ``inputs`` (see NOTE [linalg
    autograd]); inputs that need no gradient are left out of the node."""
    pos = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not pos or not _C.is_grad_enabled():
        return list(outputs)

    def bw(*grads):
        gs = backward(*grads)
        return tuple(gs[i] for i in pos)

    return _C._record_function(name, [inputs[i] for i in pos], list(outputs), bw, False)


def _grad_mode():
    return _C.is_grad_enabled()


# ---------------------------------------------------------------------------------------------
# solve, inv, det


def _solve_is_vector_rhs(A, B):
    """ATen's ``linalg_solve_is_vector_rhs``."""
    vector_case = B.ndim == 1 or (A.ndim - 1 == B.ndim and tuple(B.shape) == tuple(A.shape[:-1]))
    return vector_case


def _solve_core(A, B, api, left=True):
    """``(X, info)`` with the autograd node; B already a (batched) matrix; no error check."""
    if not left:
        X, info = _solve_core(A.mT, B.mT, api)
        return X.mT, info
    batch = _broadcast_batch(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    with no_grad():
        Ae = A.detach().expand(*batch, *A.shape[-2:]).contiguous()
        Be = B.detach().expand(*batch, *B.shape[-2:]).contiguous()
        X0, info = _C._linalg_solve(Ae, Be)

    def backward(gX, ginfo=None):
        if gX is None:
            return None, None
        gB = _solve_plain(A.mT, gX)
        Xs = _solve_plain(A, B) if _grad_mode() else X0
        gA = -(gB @ Xs.mT)
        return _sum_to(gA, A.shape), _sum_to(gB, B.shape)

    (X,) = _record("LinalgSolveExBackward0", [A, B], [X0], backward)
    return X, info


def _solve_plain(A, B):
    """``A^-1 B`` for matrices (differentiable, no error check): used inside backward."""
    return _solve_core(A, B, "linalg.solve")[0]


def _solve_checked(A, B, left, api, check_errors):
    _check_tensor(A, api)
    _check_tensor(B, api, "B")
    _check_float(A, api)
    if A.dtype != B.dtype:
        raise RuntimeError(f"{api}: Expected A and B to have the same dtype, but found A of type "
                           f"{_scalar_name(A.dtype)} and B of type {_scalar_name(B.dtype)} "
                           "instead")
    vector_case = _solve_is_vector_rhs(A, B)
    B_ = B.unsqueeze(-1 if left else -2) if vector_case else B
    _check_square(A, api)
    if B_.ndim < 2:
        raise RuntimeError(f"{api}: The input tensor B must have at least 2 dimensions.")
    if (A.shape[-2] if left else A.shape[-1]) != (B_.shape[-2] if left else B_.shape[-1]):
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{api}: Incompatible shapes of A and B for the equation {eq} "
                           f"({A.shape[-2]}x{A.shape[-1]} and {B_.shape[-2]}x{B_.shape[-1]})")
    X, info = _solve_core(A, B_, api, left)
    if check_errors:
        _check_errors(info, api, A.ndim == 2)
    if vector_case:
        X = X.squeeze(-1 if left else -2)
    return X, info


@writes_out
def solve(A, B, *, left=True, out=None):
    """The solution X of ``A X = B`` (``X A = B`` with ``left=False``)."""
    return _solve_checked(A, B, left, "linalg.solve", True)[0]


@writes_out
def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    X, info = _solve_checked(A, B, left, "linalg.solve", check_errors)
    return _rt.linalg_solve_ex(X, info)


def _inv_core(A, api, check_errors):
    _check_square(A, api)
    n = A.shape[-1]
    with no_grad():
        I_ = _eye(n, A).expand(*A.shape).contiguous()
        X0, info = _C._linalg_solve(A.detach().contiguous(), I_)
    if check_errors:
        _check_errors(info, api, A.ndim == 2)

    def backward(gX, ginfo=None):
        if gX is None:
            return (None,)
        Ai = inv(A) if _grad_mode() else X0
        return (-(Ai.mT @ gX @ Ai.mT),)

    (X,) = _record("LinalgInvExBackward0", [A], [X0], backward)
    return X, info


@writes_out
def inv(A, *, out=None):
    """The inverse of each square matrix of ``A``."""
    return _inv_core(A, "linalg.inv", True)[0]


@writes_out
def inv_ex(A, *, check_errors=False, out=None):
    X, info = _inv_core(A, "linalg.inv", check_errors)
    return _rt.linalg_inv_ex(X, info)


@writes_out
def det(A, *, out=None):
    """The determinant of each square matrix of ``A``."""
    _check_square(A, "linalg.det")
    with no_grad():
        d, _, _ = _C._linalg_det(A.detach())

    def backward(g):
        if g is None:
            return (None,)
        if not _grad_mode() and bool((d == 0).any()):
            return (g.unsqueeze(-1).unsqueeze(-1) * _adjugate_t(A),)
        ds = det(A) if _grad_mode() else d
        return ((g * ds).unsqueeze(-1).unsqueeze(-1) * inv(A).mT,)

    return _record("LinalgDetBackward0", [A], [d], backward)[0]


def _adjugate_t(A):
    """``adj(A)^T`` = ``det(U) det(V) U diag(prod_{j != i} s_j) V^T`` from the SVD: the
    derivative of det that stays finite for singular matrices (first order only)."""
    with no_grad():
        U, S, Vh, _ = _C._linalg_svd(A.detach().contiguous(), False, True)
        du = _C._linalg_det(U)[0]
        dv = _C._linalg_det(Vh)[0]
        n = S.shape[-1]
        eye = _eye(n, S)
        others = (S.unsqueeze(-2) * (1 - eye) + eye).prod(-1)
        return (du * dv).unsqueeze(-1).unsqueeze(-1) * ((U * others.unsqueeze(-2)) @ Vh)


@writes_out
def slogdet(A, *, out=None):
    """``(sign, logabsdet)`` of each square matrix of ``A``."""
    _check_square(A, "linalg.slogdet")
    with no_grad():
        _, sign, logabs = _C._linalg_det(A.detach())

    def backward(g):
        if g is None:
            return (None,)
        return (g.unsqueeze(-1).unsqueeze(-1) * inv(A).mT,)

    (logabs,) = _record("LinalgSlogdetBackward0", [A], [logabs], backward)
    return _rt.linalg_slogdet(sign, logabs)


def _logdet(A):
    _check_square(A, "logdet")
    sign, logabs = slogdet(A)
    return _C.where(sign < 0, _C.full((), math.nan, logabs.dtype), logabs)


# ---------------------------------------------------------------------------------------------
# Cholesky, QR, eigh, SVD


def _phi_sym(P):
    """``0.5 * (P + tril(P, -1)^T)`` for lower-triangular P (FunctionsManual's cholesky
    backward: the symmetric matrix whose lower triangle is P with a halved diagonal)."""
    return 0.5 * (P + P.tril(-1).mT)


def _cholesky_core(A, upper, api, check_errors):
    _check_square(A, api)
    with no_grad():
        L0, info = _C._linalg_cholesky(A.detach())
    if check_errors:
        _check_errors(info, api, A.ndim == 2)

    def backward(gL, ginfo=None):
        if gL is None:
            return (None,)
        Ls = _cholesky_core(A, False, api, False)[0] if _grad_mode() else L0
        P = (Ls.mT @ gL).tril()  # the node holds L; U = L^T is a view of it
        gA = solve_triangular(Ls.mT, _phi_sym(P), upper=True)
        gA = solve_triangular(Ls, gA, upper=False, left=False)
        return (gA,)

    (L,) = _record("LinalgCholeskyExBackward0", [A], [L0], backward)
    if upper:
        L = L.mT
    return L, info


@writes_out
def cholesky(A, *, upper=False, out=None):
    """The Cholesky factor L (``A = L L^T``; ``upper=True``: U with ``A = U^T U``)."""
    return _cholesky_core(A, upper, "linalg.cholesky", True)[0]


@writes_out
def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    L, info = _cholesky_core(A, upper, "linalg.cholesky", check_errors)
    return _rt.linalg_cholesky_ex(L, info)


def _syminvadj_triu(X):
    """``triu(X) + triu(X, 1)^T`` (FunctionsManual's ``syminvadj`` of an upper triangle)."""
    U = X.triu()
    return U + U.triu(1).mT


def _qr_backward_square_tall(gQ, gR, Q, R):
    """PyTorch's QR backward for ``m >= n`` (reduced): ``gA = (gQ + Q syminvadj(triu(gR R^T
    - Q^T gQ))) R^-T``."""
    M = None
    if gR is not None:
        M = gR @ R.mT
    if gQ is not None:
        M = -(Q.mT @ gQ) if M is None else M - Q.mT @ gQ
    gA = Q @ _syminvadj_triu(M)
    if gQ is not None:
        gA = gA + gQ
    return solve_triangular(R.mT, gA, upper=False, left=False)


@writes_out
def qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` with ``A = Q R``; ``mode`` is ``'reduced'``, ``'complete'`` or ``'r'``."""
    api = "linalg.qr"
    _check_matrix(A, api)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    complete = mode == "complete"
    with no_grad():
        Q0, R0 = _C._linalg_qr(A.detach(), complete, mode != "r")
    m, n = A.shape[-2], A.shape[-1]

    def backward(gQ, gR):
        if gQ is None and gR is None:
            return (None,)
        if mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        if complete and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        Qs, Rs = qr(A, mode) if _grad_mode() else (Q0, R0)
        if m >= n:
            return (_qr_backward_square_tall(gQ, gR, Qs, Rs),)
        # m < n: A = [X | Y], R = [U | V] with X = Q U, Y = Q V (PyTorch's wide case).
        Y = A[..., m:]
        U = Rs[..., :m]
        gU = gR[..., :m] if gR is not None else None
        gV = gR[..., m:] if gR is not None else None
        gQ2 = gQ
        if gV is not None:
            gQ2 = Y @ gV.mT if gQ2 is None else gQ2 + Y @ gV.mT
        gX = _qr_backward_square_tall(gQ2, gU, Qs, U)
        gY = Qs @ gV if gV is not None else _zeros(tuple(Y.shape), dtype=A.dtype)
        return (_C.cat([gX, gY], -1),)

    if mode == "r":
        return _rt.linalg_qr(Q0, _record("LinalgQrBackward0", [A], [R0],
                                         lambda gR: backward(None, gR))[0])
    Q, R = _record("LinalgQrBackward0", [A], [Q0, R0], backward)
    return _rt.linalg_qr(Q, R)


def _check_uplo(UPLO):
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO in ("U", "u")


def _eigh_backward(gL, gV, L, V):
    """PyTorch's ``linalg_eig_backward`` for symmetric input."""
    if gV is None:
        return V @ (gL.unsqueeze(-1) * V.mT)
    VhgV = V.mT @ gV
    VhgV = 0.5 * (VhgV - VhgV.mT)
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    n = L.shape[-1]
    I_ = _eye(n, L)
    inner = VhgV / (E + I_)
    inner = inner * (1 - I_)
    if gL is not None:
        inner = inner + _diag_embed(gL)
    return V @ inner @ V.mT


@writes_out
def eigh(A, UPLO="L", *, out=None):
    """``(eigenvalues, eigenvectors)`` (ascending) of the symmetric matrices of ``A``, read from
    the ``UPLO`` triangle."""
    api = "linalg.eigh"
    _check_square(A, api)
    upper = _check_uplo(UPLO)
    with no_grad():
        L0, V0, info = _C._linalg_eigh(A.detach(), upper, True)
    _check_errors(info, api, A.ndim == 2)

    def backward(gL, gV):
        if gL is None and gV is None:
            return (None,)
        Ls, Vs = eigh(A, UPLO) if _grad_mode() else (L0, V0)
        return (_eigh_backward(gL, gV, Ls, Vs),)

    L, V = _record("LinalgEighBackward0", [A], [L0, V0], backward)
    return _rt.linalg_eigh(L, V)


@writes_out
def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues (ascending) of the symmetric matrices of ``A``."""
    api = "linalg.eigvalsh"
    _check_square(A, api)
    upper = _check_uplo(UPLO)
    if _needs_grad(A):
        return eigh(A, UPLO)[0]
    with no_grad():
        L, _, info = _C._linalg_eigh(A.detach(), upper, False)
    _check_errors(info, api, A.ndim == 2)
    return L


def _svd_backward(gU, gS, gVh, U, S, Vh):
    """PyTorch's ``svd_backward`` for real input (reduced U, Vh)."""
    m, n = U.shape[-2], Vh.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return None
        return U @ (gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)) @ Vh
    UhgU = None if gU is None else U.mT @ gU
    VhgV = None if gVh is None else Vh @ gVh.mT
    UhgU = None if UhgU is None else UhgU - UhgU.mT
    VhgV = None if VhgV is None else VhgV - VhgV.mT
    S2 = S * S
    k = S.shape[-1]
    I_ = _eye(k, S)
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + I_
    if UhgU is not None and VhgV is not None:
        gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif UhgU is not None:
        gA = (UhgU / E) * S.unsqueeze(-2)
    else:
        gA = S.unsqueeze(-1) * (VhgV / E)
    gA = gA * (1 - I_)
    if gS is not None:
        gA = gA + _diag_embed(gS)
    if m > n and gU is not None:
        gA = U @ gA
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - U @ (U.mT @ gUSinv)
        gA = gA @ Vh
    elif m < n and gVh is not None:
        gA = gA @ Vh
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh
        gA = U @ gA
    else:
        gA = U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh
    return gA


def _svd_core(A, full_matrices, api):
    _check_matrix(A, api)
    with no_grad():
        U, S, Vh, info = _C._linalg_svd(A.detach(), bool(full_matrices), True)
    _check_errors(info, api, A.ndim == 2)
    k = S.shape[-1]

    def backward(gU, gS, gVh):
        Us, Ss, Vhs = _svd_core(A, full_matrices, api) if _grad_mode() else (U, S, Vh)
        if full_matrices:
            Us, Vhs = Us[..., :k], Vhs[..., :k, :]
            gU = None if gU is None else gU[..., :k]
            gVh = None if gVh is None else gVh[..., :k, :]
        return (_svd_backward(gU, gS, gVh, Us, Ss, Vhs),)

    return _record("LinalgSvdBackward0", [A], [U, S, Vh], backward)


@writes_out
def svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, S descending."""
    U, S, Vh = _svd_core(A, full_matrices, "linalg.svd")
    return _rt.linalg_svd(U, S, Vh)


@writes_out
def svdvals(A, *, driver=None, out=None):
    """The singular values (descending) of the matrices of ``A``."""
    api = "linalg.svd"
    if _needs_grad(A):
        _check_matrix(A, "linalg.svdvals")
        return _svd_core(A, False, api)[1]
    _check_matrix(A, "linalg.svdvals")
    with no_grad():
        _, S, _, info = _C._linalg_svd(A.detach(), False, False)
    _check_errors(info, api, A.ndim == 2)
    return S


@writes_out
def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with ``A X = B`` (``X A = B`` with ``left=False``) for triangular A."""
    api = "linalg.solve_triangular"
    _check_tensor(A, api)
    _check_tensor(B, api, "B")
    _check_float(A, api)
    if A.dtype != B.dtype:
        raise RuntimeError(f"{api}: Expected A and B to have the same dtype, but found A of type "
                           f"{_scalar_name(A.dtype)} and B of type {_scalar_name(B.dtype)} "
                           "instead")
    _check_square(A, api)
    if B.ndim < 2:
        raise RuntimeError(f"{api}: The input tensor B must have at least 2 dimensions.")
    if (A.shape[-2] if left else A.shape[-1]) != (B.shape[-2] if left else B.shape[-1]):
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{api}: Incompatible shapes of A and B for the equation {eq} "
                           f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    return _triangular_core(A, B, upper, left, unitriangular)


def _triangular_core(A, B, upper, left, unit):
    if not left:
        return _triangular_core(A.mT, B.mT, not upper, True, unit).mT
    batch = _broadcast_batch(tuple(A.shape[:-2]), tuple(B.shape[:-2]))
    with no_grad():
        Ae = A.detach().expand(*batch, *A.shape[-2:]).contiguous()
        Be = B.detach().expand(*batch, *B.shape[-2:]).contiguous()
        X = _C._linalg_solve_triangular(Ae, Be, bool(upper), bool(unit))

    def backward(gX):
        if gX is None:
            return None, None
        gB = _triangular_core(A.mT, gX, not upper, True, unit)
        Xs = _triangular_core(A, B, upper, True, unit) if _grad_mode() else X
        gA = -(gB @ Xs.mT)
        gA = gA.triu() if upper else gA.tril()
        if unit:
            gA = gA * (1 - _eye(gA.shape[-1], gA))
        return _sum_to(gA, A.shape), _sum_to(gB, B.shape)

    return _record("LinalgSolveTriangularBackward0", [A, B], [X], backward)[0]


# ---------------------------------------------------------------------------------------------
# compositions


def _check_norm_input(x, op):
    _check_tensor(x, op, "input")
    _check_float(x, op)


@writes_out
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when ``None``)."""
    op = "linalg.vector_norm"
    _check_tensor(x, op, "x")
    if dtype is not None:
        _check_float_dtype(dtype, op)
        x = x.to(dtype)
    x = _abs_if_complex(x)
    _check_float(x, op)
    if isinstance(ord, str) or not isinstance(ord, numbers.Real):
        raise TypeError(f"linalg.vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    if isinstance(dim, numbers.Integral):
        dim = (int(dim),)
    elif dim is not None:
        dim = tuple(dim)
    return x._norm(float(ord), dim, keepdim)


def _abs_if_complex(x):
    """A norm of a complex tensor is the norm of its moduli (differentiable, real dtype)."""
    return x.abs() if x.dtype.is_complex else x


def _check_float_dtype(dtype, op):
    if not dtype.is_floating_point:
        raise RuntimeError(f"{op}: dtype should be floating point or complex, but got "
                           f"{_scalar_name(dtype)}")


def _matrix_dims(A, dim, op):
    if len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    nd = A.ndim
    d0, d1 = (d + nd if d < 0 else d for d in dim)
    if not (0 <= d0 < nd and 0 <= d1 < nd):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
                         f"but got {dim[0] if not 0 <= d0 < nd else dim[1]})")
    if d0 == d1:
        raise RuntimeError(f"{op}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def _svd_norm(A, d0, d1, keepdim, reduce):
    S = svdvals(A.movedim((d0, d1), (-2, -1)))
    r = reduce(S)
    if keepdim:
        for d in sorted((d0, d1)):
            r = r.unsqueeze(d)
    return r


@writes_out
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """The ``ord`` matrix norm ('fro', 'nuc', 1, -1, 2, -2, inf, -inf) over the dims ``dim``."""
    op = "linalg.matrix_norm"
    _check_tensor(A, op)
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if dtype is not None:
        _check_float_dtype(dtype, op)
        A = A.to(dtype)
    if A.dtype.is_complex and ord in ("fro", 1, -1, math.inf, -math.inf):
        A = A.abs()  # these norms depend on the moduli only
    _check_float(A, op)
    d0, d1 = _matrix_dims(A, tuple(dim), op)
    if isinstance(ord, str):
        if ord == "fro":
            return A._norm(2.0, (d0, d1), keepdim)
        if ord == "nuc":
            return _svd_norm(A, d0, d1, keepdim, lambda S: S.sum(-1))
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    if ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"{op}: Order {ord} not supported.")
    if abs(ord) == 2:
        if ord > 0:
            return _svd_norm(A, d0, d1, keepdim, lambda S: S.amax(-1))
        return _svd_norm(A, d0, d1, keepdim, lambda S: S.amin(-1))
    if math.isinf(ord):
        d0, d1 = d1, d0
    s = A.abs().sum(d0, keepdim=True)
    r = s.amax(d1, keepdim=True) if ord > 0 else s.amin(d1, keepdim=True)
    if not keepdim:
        r = r.squeeze(max(d0, d1)).squeeze(min(d0, d1))
    return r


@writes_out
def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """A vector norm (``dim`` an int, or ``A`` 1-D) or a matrix norm (``dim`` a pair, or ``A``
    2-D), as ``torch.linalg.norm`` chooses."""
    op = "linalg.norm"
    _check_tensor(A, op)
    if isinstance(dim, numbers.Integral):
        dim = (int(dim),)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        raise RuntimeError(f"{op}: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"{op}: If dim is not specified but ord is, the input must be 1D or 2D. "
                       f"Got {A.ndim}D.")


def _tolerance(S_max, A, atol, rtol):
    """PyTorch's ``max(atol, rtol * S_max)`` with its defaults (rtol = eps * max(m, n) when
    neither is given, 0 when only atol is)."""
    m, n = A.shape[-2], A.shape[-1]
    eps = 1.1920928955078125e-07 if A.dtype.itemsize == 4 else 2.220446049250313e-16
    if rtol is None:
        rtol = eps * max(m, n) if atol is None else 0.0
    if atol is None:
        atol = 0.0
    if isinstance(atol, Tensor) or isinstance(rtol, Tensor):
        return _C.where(rtol * S_max > atol, rtol * S_max,
                        atol if isinstance(atol, Tensor) else _C.full((), atol, A.dtype))
    return (rtol * S_max).clamp(min=atol)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse (through the SVD, or eigh when ``hermitian``)."""
    op = "linalg.pinv"
    _check_matrix(A, op)
    if hermitian:
        _check_square(A, op)
    if 0 in tuple(A.shape[-2:]):
        r = _zeros((*A.shape[:-2], A.shape[-1], A.shape[-2]), dtype=A.dtype)
    elif hermitian:
        w, V = eigh(A)
        tol = _tolerance(w.abs().amax(-1, keepdim=True), A, atol, rtol)
        keep = w.abs() > tol
        winv = _C.where(keep, 1 / _C.where(keep, w, _C.full((), 1.0, w.dtype)),
                        _C.full((), 0.0, w.dtype))
        r = (V * winv.unsqueeze(-2)) @ V.mT
    else:
        U, S, Vh = svd(A, full_matrices=False)
        tol = _tolerance(S[..., :1], A, atol, rtol)
        keep = S > tol
        Sinv = _C.where(keep, 1 / _C.where(keep, S, _C.full((), 1.0, S.dtype)),
                        _C.full((), 0.0, S.dtype))
        r = (Vh.mT * Sinv.unsqueeze(-2)) @ U.mT
    if out is not None:
        out._set_data(r)
        return out
    return r


@writes_out
def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    """The number of singular values above the tolerance (int64)."""
    op = "linalg.matrix_rank"
    _check_matrix(A, op)
    if tol is not None:
        atol, rtol = tol, 0.0
    with no_grad():
        S = eigvalsh(A).abs() if hermitian else svdvals(A)
        if S.shape[-1] == 0:
            return _zeros(tuple(S.shape[:-1]), dtype=_C.int64)
        tol_ = _tolerance(S.amax(-1, keepdim=True), A, atol, rtol)
        return (S > tol_).sum(-1)


@writes_out
def matrix_power(A, n, *, out=None):
    """``A`` multiplied by itself ``n`` times (``n < 0``: its inverse's power)."""
    op = "linalg.matrix_power"
    _check_tensor(A, op)
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if not isinstance(n, numbers.Integral):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        return _eye(A.shape[-1], A).expand(*A.shape).clone()
    if n < 0:
        A = inv(A)
        n = -n
    result = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


@writes_out
def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices (the first and last may be vectors)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vec = tensors[0].ndim == 1
    last_vec = tensors[-1].ndim == 1
    for i, t in enumerate(tensors):
        want = 1 if (i == 0 and first_vec) or (i == len(tensors) - 1 and last_vec) else 2
        if t.ndim != want and not (i in (0, len(tensors) - 1) and t.ndim in (1, 2)):
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    r = tensors[0].unsqueeze(0) if first_vec else tensors[0]
    for t in tensors[1:-1]:
        r = r @ t
    last = tensors[-1].unsqueeze(-1) if last_vec else tensors[-1]
    r = r @ last
    if last_vec:
        r = r.squeeze(-1)
    if first_vec:
        r = r.squeeze(0)
    return r


@writes_out
def vecdot(x, y, *, dim=-1, out=None):
    """``sum(x * y, dim)`` (real tensors)."""
    return (x * y).sum(dim)


@writes_out
def cross(input, other, *, dim=-1, out=None):
    """The cross product of 3-vectors along ``dim`` (inputs broadcast)."""
    op = "linalg.cross"
    if input.ndim != other.ndim:
        raise RuntimeError(f"{op}: inputs must have the same number of dimensions.")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"{op}: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[dim]} and {other.shape[dim]}")
    a = [input.narrow(dim, i, 1) for i in range(3)]
    b = [other.narrow(dim, i, 1) for i in range(3)]
    return _C.cat([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                   a[0] * b[1] - a[1] * b[0]], dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices of ``A`` (a view)."""
    return A.diagonal(offset, dim1, dim2)


@writes_out
def matmul(input, other, *, out=None):
    return input @ other


@writes_out
def cond(A, p=None, *, out=None):
    """The condition number ``norm(A, p) * norm(inv(A), p)`` (p None/2/-2: from the SVD)."""
    op = "linalg.cond"
    _check_matrix(A, op)
    if p is None or p in (2, -2):
        S = svdvals(A)
        if p == -2:
            return S[..., -1] / S[..., 0]
        return S[..., 0] / S[..., -1]
    _check_square(A, op)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# ---------------------------------------------------------------------------------------------
# legacy names (torch.inverse, torch.det...) and Tensor methods


@writes_out
def inverse(input, *, out=None):
    return inv(input)


def logdet(input):
    return _logdet(input)


def _legacy_slogdet(input):
    sign, logabs = slogdet(input)
    return _rt.slogdet(sign, logabs)


@writes_out
def _legacy_cholesky(input, upper=False, *, out=None):
    L, info = _cholesky_core(input, upper, "linalg.cholesky", False)
    _check_errors(info, "cholesky", input.ndim == 2)
    return L


Tensor.inverse = lambda self: inv(self)
Tensor.det = lambda self: det(self)
Tensor.logdet = lambda self: _logdet(self)
Tensor.slogdet = lambda self: _legacy_slogdet(self)
Tensor.cholesky = lambda self, upper=False: _legacy_cholesky(self, upper)
Tensor.matrix_power = lambda self, n: matrix_power(self, n)


# lu*, ldl*, matrix_exp, householder_product, tensorinv/tensorsolve, vander
# and a QR/SVD lstsq live in _linalg_factor.py.
from . import _linalg_factor as _lf  # noqa: E402

globals().update(_lf.LINALG)
__all__ = sorted(set(__all__) | set(_lf.LINALG))

# eig and eigvals live in _linalg_eig.py.
from . import _linalg_eig as _le  # noqa: E402

globals().update(_le.LINALG)
__all__ = sorted(set(__all__) | set(_le.LINALG))
