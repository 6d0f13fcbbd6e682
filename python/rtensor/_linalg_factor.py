"""The rest of ``torch.linalg`` and its legacy top-level names (float32/float64, CPU).

Compact factorizations in LAPACK's conventions run natively (``_C._linalg_lu_factor``,
``_linalg_lu_solve``, ``_linalg_lu_perm``, ``_linalg_ldl_factor``, ``_linalg_ldl_solve``,
``_linalg_geqrf``, ``_linalg_householder_product``, ``_linalg_ormqr``: batched loops in
``src/ops/linalg_factor.rs`` over ``src/backend/cpu/lapack_factor.rs``, on faer); the rest
(``matrix_exp``, ``lstsq``, ``tensorinv``/``tensorsolve``, ``vander``, ``cholesky_solve``...)
is composed here from those and the natives of ``linalg.py``.

NOTE [composite backward]: ops whose output is a differentiable composition of other ops
(``lu_solve`` from the triangular solves, ``householder_product`` from its reflectors,
``ormqr``, ``cholesky_solve``...) compute their forward natively and record one node under
PyTorch's name whose backward differentiates that composition (``_composite``), so the
gradient is the composition's exact one and a recorded backward (``create_graph``) is itself
differentiable. ``lu``/``lu_factor`` use PyTorch's closed-form ``linalg_lu_backward``;
``matrix_exp`` the block-matrix identity.
"""

import math

from . import _C
from . import return_types as _rt
from ._C import Tensor
from ._functions import arange as _arange_f
from ._functions import ones as _ones_f
from ._functions import zeros as _zeros_f
from ._out import writes_out
from .autograd.grad_mode import enable_grad, no_grad
from .linalg import (
    LinAlgError,
    _broadcast_batch,
    _check_float,
    _check_matrix,
    _check_square,
    _check_tensor,
    _eye,
    _record,
    _scalar_name,
    inv,
    qr,
    solve,
    solve_triangular,
    svd,
)

# ---------------------------------------------------------------------------------------------
# helpers


def _grad_mode():
    return _C.is_grad_enabled()


def _composite(name, inputs, outputs, compose):
    """Attaches ``outputs`` (computed without history) to one node ``name`` whose backward
    differentiates ``compose(*inputs)`` (NOTE [composite backward])."""
    from . import autograd

    pos = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not pos or not _C.is_grad_enabled():
        return list(outputs)
    diff = [inputs[i] for i in pos]

    def bw(*grads):
        if _C.is_grad_enabled():
            leaves, args, create = diff, list(inputs), True
            outs = compose(*args)
        else:
            leaves = [t.detach().requires_grad_() for t in diff]
            args = list(inputs)
            for j, i in enumerate(pos):
                args[i] = leaves[j]
            with enable_grad():
                outs = compose(*args)
            create = False
        outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and o.requires_grad]
        if not pairs:
            return tuple(None for _ in diff)
        return tuple(autograd.grad([o for o, _ in pairs], leaves, [g for _, g in pairs],
                                   allow_unused=True, create_graph=create))

    return _C._record_function(name, diff, list(outputs), bw, False)


def _zeros(shape, like):
    return _zeros_f(tuple(shape), dtype=like.dtype)


def _int_tensor_check(t, op, name):
    _check_tensor(t, op, name)
    if t.dtype != _C.int32:
        raise RuntimeError(f"{op}: Expected {name} to be int32, but got {_scalar_name(t.dtype)}")


def _perm_matrix(pivots, m, like):
    """P (``(*, m, m)``, dtype of ``like``) with ``A = P L U`` from getrf's pivots."""
    with no_grad():
        perm = _C._linalg_lu_perm(pivots.contiguous(), m)
        eye = _eye(m, like)
        # P[perm[i], i] = 1: column i of P is the unit vector e_{perm[i]}.
        return eye.index_select(0, perm.reshape(-1)).reshape(*perm.shape, m).mT.contiguous()


def _unpack(LU, pivots, k=None):
    """``(P, L, U)`` of a (possibly rectangular) getrf result; L and U are differentiable
    functions of LU."""
    m, n = LU.shape[-2], LU.shape[-1]
    k = min(m, n)
    P = _perm_matrix(pivots, m, LU)
    L = LU[..., :, :k].tril(-1) + _eye(m, LU)[:, :k]
    U = LU[..., :k, :].triu()
    return P, L, U


# ---------------------------------------------------------------------------------------------
# LU


def _lu_backward(gL, gU, P, L, U):
    """FunctionsManual's ``linalg_lu_backward`` (pivot=True), real case."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        gA = None
        if gL is not None:
            gA = (L.mT @ gL).tril(-1)
        if gU is not None:
            t = (gU @ U.mT).triu()
            gA = t if gA is None else gA + t
        gA = solve_triangular(U.mT, gA, upper=False, left=False)
        gA = solve_triangular(L.mT, gA, upper=True, left=True, unitriangular=True)
        return P @ gA
    if m < n:
        U1 = U[..., :, :k]
        gA = None
        if gL is not None:
            gA = L.mT @ gL
        if gU is not None:
            t = gU.triu() @ U.mT
            gA = -t if gA is None else gA - t
        gA = solve_triangular(U1.mT, gA.tril(-1), upper=False, left=False)
        if gU is not None:
            gA = _C.cat([gA + gU[..., :, :k].triu(), gU[..., :, k:]], -1)
        gA = solve_triangular(L.mT, gA, upper=True, left=True, unitriangular=True)
        if gU is None:
            gA = _C.cat([gA, _zeros(U[..., :, k:].shape, U)], -1)
        return P @ gA
    L1 = L[..., :k, :]
    gA = None
    if gU is not None:
        gA = gU @ U.mT
    if gL is not None:
        t = L.mT @ gL.tril(-1)
        gA = -t if gA is None else gA - t
    gA = solve_triangular(L1.mT, gA.triu(), upper=True, left=True, unitriangular=True)
    if gL is not None:
        gA = _C.cat([gA + gL[..., :k, :].tril(-1), gL[..., k:, :]], -2)
    gA = solve_triangular(U.mT, gA, upper=False, left=False)
    if gL is None:
        gA = _C.cat([gA, _zeros(L[..., k:, :].shape, L)], -2)
    return P @ gA


def _check_pivot(pivot, op):
    if not pivot:
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def _lu_factor_core(A, op):
    _check_tensor(A, op)
    if A.ndim < 2:
        raise RuntimeError("torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A.shape)} instead")
    if not A.dtype.is_floating_point:
        raise NotImplementedError(f'"lu_cpu" not implemented for \'{_scalar_name(A.dtype)}\'')
    _check_float(A, op)
    with no_grad():
        LU0, piv, info = _C._linalg_lu_factor(A.detach())

    def backward(gLU, gpiv=None, ginfo=None):
        if gLU is None:
            return (None,)
        if _grad_mode():
            LUs = _lu_factor_core(A, op)[0]
        else:
            LUs = LU0
        P, L, U = _unpack(LUs, piv)
        m, n = A.shape[-2], A.shape[-1]
        k = min(m, n)
        return (_lu_backward(gLU[..., :, :k].tril(-1), gLU[..., :k, :].triu(), P, L, U),)

    (LU,) = _record("LinalgLuFactorExBackward0", [A], [LU0], backward)
    return LU, piv, info


@writes_out
def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """``(LU, pivots, info)``: the compact LU factorization with partial pivoting (getrf)."""
    op = "linalg.lu_factor_ex"
    _check_tensor(A, op)
    _check_pivot(pivot, "linalg.lu_factor")
    LU, piv, info = _lu_factor_core(A, op)
    if check_errors:
        _check_lu_errors(info, "torch.linalg.lu_factor_ex", A.ndim == 2)
    return _rt.linalg_lu_factor_ex(LU, piv, info)


def _check_lu_errors(info, api, is_matrix):
    for i, code in enumerate(info.reshape(-1).tolist()):
        if code > 0:
            where = api if is_matrix else f"{api}: (Batch element {i})"
            raise LinAlgError(f"{where}: U[{code},{code}] is zero and using it on lu_solve "
                              "would result in a division by zero. If you still want to perform "
                              "the factorization, consider calling linalg.lu(A, pivot) or "
                              "linalg.lu_factor_ex(A, pivot)")


@writes_out
def lu_factor(A, *, pivot=True, out=None):
    """``(LU, pivots)``; raises ``LinAlgError`` for an exactly singular U."""
    op = "linalg.lu_factor"
    _check_tensor(A, op)
    _check_pivot(pivot, op)
    LU, piv, info = _lu_factor_core(A, op)
    _check_lu_errors(info, "torch.linalg.lu_factor", A.ndim == 2)
    return _rt.linalg_lu_factor(LU, piv)


@writes_out
def lu(A, *, pivot=True, out=None):
    """``(P, L, U)`` with ``A = P L U`` (L unit lower ``m x k``, U upper ``k x n``)."""
    op = "linalg.lu"
    _check_matrix(A, op)
    _check_pivot(pivot, "linalg.lu_factor")
    with no_grad():
        LU, piv, _ = _C._linalg_lu_factor(A.detach())
        P, L0, U0 = _unpack(LU, piv)

    def backward(gL, gU):
        if gL is None and gU is None:
            return (None,)
        if _grad_mode():
            _, Ls, Us = lu(A)
        else:
            Ls, Us = L0, U0
        return (_lu_backward(gL, gU, P, Ls, Us),)

    L, U = _record("LinalgLuBackward0", [A], [L0, U0], backward)
    return _rt.linalg_lu(P, L, U)


def _lu_solve_compose(LU, pivots, B, left, adjoint):
    """``lu_solve`` written with differentiable ops (P from the pivots, triangular solves)."""
    n = LU.shape[-1]
    P = _perm_matrix(pivots, n, LU)
    L = LU.tril(-1) + _eye(n, LU)
    U = LU.triu()
    A = P @ L @ U
    A = A.mT if adjoint else A
    return solve(A, B, left=left)


@writes_out
def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with ``A X = B`` (``adjoint``: ``A^T X = B``; ``left=False``: ``X A = B``) from the
    ``lu_factor`` of A."""
    op = "linalg.lu_solve"
    _check_tensor(LU, op, "LU")
    _check_tensor(B, op, "B")
    _check_tensor(pivots, op, "pivots")
    if pivots.dtype != _C.int32:
        raise RuntimeError(f"{op}: pivots should be a Tensor of scalar type torch.int32")
    _check_float(LU, op)
    if LU.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor LU must have at least 2 dimensions.")
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f"{op}: LU must be batches of square matrices, but they are "
                           f"{LU.shape[-2]} by {LU.shape[-1]} matrices")
    if B.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    if LU.dtype != B.dtype:
        raise RuntimeError(f"{op}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {_scalar_name(LU.dtype)} and B of type "
                           f"{_scalar_name(B.dtype)} instead")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    if tuple(pivots.shape[-1:]) != (n,) or tuple(pivots.shape[:-1]) != tuple(LU.shape[:-2]):
        raise RuntimeError(f"{op}: Incompatible shapes of LU and pivots: {tuple(LU.shape)} and "
                           f"{tuple(pivots.shape)}")
    batch = _broadcast_batch(tuple(LU.shape[:-2]), tuple(B.shape[:-2]))
    with no_grad():
        LUe = LU.detach().expand(*batch, n, n).contiguous()
        Pe = pivots.expand(*batch, n).contiguous()
        Bl = B.detach() if left else B.detach().mT
        Be = Bl.expand(*batch, *Bl.shape[-2:]).contiguous()
        # X A = B  <=>  A^T X^T = B^T.
        X = _C._linalg_lu_solve(LUe, Pe, Be, adjoint == left)
        X = X if left else X.mT
    return _composite("LinalgLuSolveBackward0", [LU, pivots, B], [X],
                      lambda lu_, p_, b_: _lu_solve_compose(lu_, p_, b_, left, adjoint))[0]


@writes_out
def _legacy_lu(A, pivot=True, get_infos=False, out=None):
    """``torch.lu``: ``(LU, pivots)`` or ``(LU, pivots, infos)``; never raises for singular
    input."""
    _check_tensor(A, "lu")
    _check_pivot(pivot, "linalg.lu_factor")
    LU, piv, info = _lu_factor_core(A, "linalg.lu_factor_ex")
    return (LU, piv, info) if get_infos else (LU, piv)


@writes_out
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``torch.lu_unpack``: ``(P, L, U)`` from ``lu_factor``'s output (empty tensors for the
    parts not asked for)."""
    op = "lu_unpack"
    _check_tensor(LU_data, op, "LU_data")
    if LU_data.ndim < 2:
        raise RuntimeError("torch.lu_unpack: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(LU_data.shape)} instead")
    _int_tensor_check(LU_pivots, op, "LU_pivots")
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    if tuple(LU_pivots.shape) != (*LU_data.shape[:-2], k):
        raise RuntimeError("torch.lu_unpack: Expected LU_pivots.size(-1) == min(LU.size(-1), "
                           f"LU.size(-2)) but got {LU_pivots.shape[-1] if LU_pivots.ndim else 0}"
                           f" vs {k}")
    empty = _zeros((0,), LU_data)
    if unpack_pivots:
        P = _perm_matrix(LU_pivots, m, LU_data)
    else:
        P = empty
    if not unpack_data:
        return _rt.lu_unpack(P, empty, _zeros((0,), LU_data))
    with no_grad():
        Ld = LU_data.detach()
        L0 = Ld[..., :, :k].tril(-1) + _eye(m, Ld)[:, :k]
        U0 = Ld[..., :k, :].triu()

    def backward(gL, gU):
        g = _zeros(LU_data.shape, LU_data)
        if gL is not None:
            g = g + _C.cat([gL.tril(-1), _zeros((*gL.shape[:-1], n - k), gL)], -1)
        if gU is not None:
            g = g + _C.cat([gU.triu(), _zeros((*gU.shape[:-2], m - k, n), gU)], -2)
        return (g, None)

    L, U = _record("LuUnpackBackward0", [LU_data, LU_pivots], [L0, U0], backward)
    return _rt.lu_unpack(P, L, U)


@writes_out
def _legacy_lu_solve(b, LU_data, LU_pivots, *, out=None):
    """``torch.lu_solve(b, LU_data, LU_pivots)``."""
    return lu_solve(LU_data, LU_pivots, b)


# ---------------------------------------------------------------------------------------------
# LDL^T


def _check_hermitian_flag(hermitian, op):
    if not isinstance(hermitian, bool):
        raise TypeError(f"{op}(): argument 'hermitian' must be bool, not "
                        f"{type(hermitian).__name__}")


@writes_out
def ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """``(LD, pivots, info)``: Bunch-Kaufman LDL^T of the symmetric A (its lower triangle), in
    LAPACK sytrf's format."""
    op = "torch.linalg.ldl_factor_ex"
    _check_hermitian_flag(hermitian, "linalg_ldl_factor_ex")
    _check_square(A, op)
    with no_grad():
        LD, piv, info = _C._linalg_ldl_factor(A.detach())
    if check_errors:
        _check_ldl_errors(info, "torch.linalg.ldl_factor_ex", A.ndim == 2)
    return _rt.linalg_ldl_factor_ex(LD, piv, info)


def _check_ldl_errors(info, api, is_matrix):
    for i, code in enumerate(info.reshape(-1).tolist()):
        if code > 0:
            where = api if is_matrix else f"{api}: (Batch element {i})"
            raise LinAlgError(f"{where}: The factorization could not be completed because the "
                              f"input is not invertible (the diagonal element {code} of D is "
                              "zero).")


@writes_out
def ldl_factor(A, *, hermitian=False, out=None):
    """``(LD, pivots)``; raises ``LinAlgError`` for a zero 1x1 block of D."""
    op = "torch.linalg.ldl_factor"
    _check_hermitian_flag(hermitian, "linalg_ldl_factor")
    _check_square(A, "torch.linalg.ldl_factor_ex")
    with no_grad():
        LD, piv, info = _C._linalg_ldl_factor(A.detach())
    _check_ldl_errors(info, op, A.ndim == 2)
    return _rt.linalg_ldl_factor(LD, piv)


@writes_out
def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """X with ``A X = B`` from ``ldl_factor``'s output."""
    op = "torch.linalg.ldl_solve"
    _check_tensor(LD, op, "LD")
    _check_tensor(B, op, "B")
    _int_tensor_check(pivots, op, "pivots")
    _check_square(LD, op, "LD")
    if B.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    if LD.dtype != B.dtype:
        raise RuntimeError(f"{op}: Expected LD and B to have the same dtype, but found LD of "
                           f"type {_scalar_name(LD.dtype)} and B of type "
                           f"{_scalar_name(B.dtype)} instead")
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    if tuple(pivots.shape[-1:]) != (n,) or tuple(pivots.shape[:-1]) != tuple(LD.shape[:-2]):
        raise RuntimeError(f"{op}: Incompatible shapes of LD and pivots: {tuple(LD.shape)} and "
                           f"{tuple(pivots.shape)}")
    batch = _broadcast_batch(tuple(LD.shape[:-2]), tuple(B.shape[:-2]))
    with no_grad():
        LDe = LD.detach().expand(*batch, n, n).contiguous()
        Pe = pivots.expand(*batch, n).contiguous()
        Be = B.detach().expand(*batch, *B.shape[-2:]).contiguous()
        return _C._linalg_ldl_solve(LDe, Pe, Be)


# ---------------------------------------------------------------------------------------------
# Householder: geqrf, householder_product (orgqr), ormqr


@writes_out
def geqrf(input, *, out=None):
    """``(a, tau)``: LAPACK geqrf's compact QR (R above the diagonal, the reflectors below)."""
    op = "geqrf"
    _check_tensor(input, op, "input")
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _check_float(input, "torch.geqrf")
    with no_grad():
        a, tau = _C._linalg_geqrf(input.detach())

    def backward(ga, gtau):
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                           "differentiate through linalg.qr.")

    a, tau = _record("GeqrfBackward0", [input], [a, tau], backward)
    return _rt.geqrf(a, tau)


def _reflector(A, i):
    """Column i of the reflectors with its implied unit head and zeros above: ``(*, m)``."""
    m = A.shape[-2]
    col = A[..., :, i]
    with no_grad():
        r = _arange_f(m)
        below = (r > i).to(A.dtype)
        head = (r == i).to(A.dtype)
    return col * below + head


def _householder_compose(A, tau):
    """``H_1 ... H_k`` (first n columns) in differentiable ops: ``H_i = I - tau_i v_i v_i^T``."""
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    Q = _eye(m, A)[:, :n].expand(*A.shape).contiguous()
    for i in reversed(range(k)):
        v = _reflector(A, i)
        w = v.unsqueeze(-2) @ Q
        Q = Q - tau[..., i].unsqueeze(-1).unsqueeze(-1) * (v.unsqueeze(-1) @ w)
    return Q


def _check_householder(A, tau, op):
    _check_tensor(A, op, "input")
    _check_tensor(tau, op, "tau")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    if tau.ndim < 1:
        raise RuntimeError(f"{op}: tau must have at least 1 dimension.")
    _check_float(A, op)
    if A.dtype != tau.dtype:
        raise RuntimeError(f"{op}: tau dtype {tau.dtype} does not match input dtype {A.dtype}")


@writes_out
def householder_product(A, tau, *, out=None):
    """The first n columns of ``H_1 ... H_k`` (LAPACK orgqr) for ``A (*, m, n)``, ``tau (*,
    k)``, ``k <= n <= m``."""
    op = "torch.linalg.householder_product"
    _check_householder(A, tau, op)
    m, n, k = A.shape[-2], A.shape[-1], tau.shape[-1]
    if m < n:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1]")
    if n < k:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if A.ndim - tau.ndim != 1:
        raise RuntimeError(f"{op}: Expected tau to have one dimension less than input, but it "
                           f"has {tau.ndim} dimensions instead")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{op}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {tuple(tau.shape[:-1])}")
    with no_grad():
        Q = _C._linalg_householder_product(A.detach(), tau.detach())
    return _composite("LinalgHouseholderProductBackward0", [A, tau], [Q],
                      _householder_compose)[0]


def _orgqr(input, tau):
    return householder_product(input, tau)


def _ormqr_compose(A, tau, C, left, transpose):
    mn = A.shape[-2]
    k = tau.shape[-1]
    Af = _C.cat([A[..., :, :k], _zeros((*A.shape[:-1], mn - k), A)], -1) if mn != k else A[..., :, :k]
    tf = _C.cat([tau, _zeros((*tau.shape[:-1], mn - k), tau)], -1) if mn != k else tau
    Q = _householder_compose(Af, tf)
    Q = Q.mT if transpose else Q
    return Q @ C if left else C @ Q


@writes_out
def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """``op(Q) other`` (``left``) or ``other op(Q)`` for the Q of ``geqrf``'s output."""
    op = "torch.ormqr"
    _check_householder(input, tau, op)
    _check_tensor(other, op, "other")
    if other.ndim < 2:
        raise RuntimeError(f"{op}: other must have at least 2 dimensions.")
    mn = other.shape[-2] if left else other.shape[-1]
    if input.shape[-2] != mn:
        which = "other.shape[-2]" if left else "other.shape[-1]"
        raise RuntimeError(f"{op}: {which} must be equal to input.shape[-2]")
    if tau.shape[-1] > input.shape[-1]:
        raise RuntimeError(f"{op}: tau.shape[-1] must be less than or equal to input.shape[-1]")
    if tau.shape[-1] > mn:
        raise RuntimeError(f"{op}: tau.shape[-1] must be less than or equal to "
                           f"{'other.shape[-2]' if left else 'other.shape[-1]'}")
    if other.dtype != input.dtype:
        raise RuntimeError(f"{op}: Expected other and input to have the same dtype, but other "
                           f"has dtype {other.dtype} and input has dtype {input.dtype}")
    if tuple(input.shape[:-2]) != tuple(other.shape[:-2]) or \
            tuple(tau.shape[:-1]) != tuple(input.shape[:-2]):
        raise RuntimeError(f"{op}: Expected batch dimensions of input, tau and other to be "
                           f"equal, got {tuple(input.shape)}, {tuple(tau.shape)} and "
                           f"{tuple(other.shape)}")
    with no_grad():
        X = _C._linalg_ormqr(input.detach(), tau.detach(), other.detach(), bool(left),
                             bool(transpose))
    return _composite("OrmqrBackward0", [input, tau, other], [X],
                      lambda a, t, c: _ormqr_compose(a, t, c, left, transpose))[0]


# ---------------------------------------------------------------------------------------------
# matrix_exp: PyTorch's degree-18 optimized Taylor approximation with scaling and squaring

# Bader, Blanes, Casas (2019), as ATen's ``mexp`` uses them.
_THETAS = {
    4: (1.192092800768788e-07, 5.978858893805233e-04, 5.116619363445086e-02,
        5.800524627688768e-01, 1.461661507209034e+00, 3.010066362817634e+00),
    8: (2.220446049250313e-16, 2.580956802971767e-08, 3.397168839976962e-04,
        4.991228871115323e-02, 2.996158913811580e-01, 1.090863719290036e+00),
}
_SQRT_177 = 0.1330413469565007072504e+2
_X3 = 2.0 / 3.0
_T8 = (_X3 * ((1.0 + _SQRT_177) / 88.0), _X3 * ((1.0 + _SQRT_177) / 352.0),
       (-271.0 + 29.0 * _SQRT_177) / (315.0 * _X3), (-11.0 + 11.0 * _SQRT_177) / (1260.0 * _X3),
       (-99.0 + 11.0 * _SQRT_177) / (5040.0 * _X3), (89.0 - _SQRT_177) / (5040.0 * _X3),
       (857.0 - 58.0 * _SQRT_177) / 630.0)
_B12 = ((9.0198e-16, 0.46932117595418237389, -0.20099424927047284052, -0.04623946134063071740),
        (5.31597895759871264183, 1.19926790417132231573, 0.01179296240992997031,
         0.01108844528519167989),
        (0.18188869982170434744, 0.05502798439925399070, 0.09351590770535414968,
         0.00610700528898058230),
        (-2.0861320e-13, -0.13181061013830184015, -0.02027855540589259079,
         -0.00675951846863086359))
_B18 = ((0.0, -1.00365581030144618291e-01, -8.02924648241156932449e-03,
         -8.92138498045729985177e-04, 0.0),
        (0.0, 3.97849749499645077844e-01, 1.36783778460411720168e+00,
         4.98289622525382669416e-01, -6.37898194594723280150e-04),
        (-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
         -6.98210122488052056106e-03, 3.34975017086070470649e-05),
        (-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
         2.95552570429315521194e-02, -1.39180257516060693404e-05),
        (0.0, 0.0, -9.23364619367118555360e-02, -1.69364939002081722752e-02,
         -1.40086798182036094347e-05))


def _lincomb(mats, coeffs):
    r = None
    for M, c in zip(mats, coeffs):
        if c == 0.0:
            continue
        t = M * c
        r = t if r is None else r + t
    return r if r is not None else mats[0] * 0.0


def _mexp_degree(A, deg):
    """ATen's ``compute_T{deg}`` for one matrix (``(n, n)``)."""
    n = A.shape[-1]
    I_ = _eye(n, A)
    if deg == 1:
        return I_ + A
    A2 = A @ A
    if deg == 2:
        return I_ + A + A2 / 2.0
    if deg == 4:
        return I_ + A + A2 @ _lincomb([I_, A, A2], [1 / 2.0, 1 / 6.0, 1 / 24.0])
    if deg == 8:
        x1, x2, x4, x5, x6, x7, y2 = _T8
        A4 = A2 @ _lincomb([A, A2], [x1, x2])
        A8 = _lincomb([A2, A4], [_X3, 1.0]) @ _lincomb([I_, A, A2, A4], [x4, x5, x6, x7])
        return _lincomb([I_, A, A2, A8], [1.0, 1.0, y2, 1.0])
    A3 = A2 @ A
    if deg == 12:
        pw = [I_, A, A2, A3]
        Bs = [_lincomb(pw, _B12[i]) for i in range(4)]
        Bs[2] = Bs[2] + Bs[3] @ Bs[3]
        return Bs[0] + (Bs[1] + Bs[2]) @ Bs[2]
    A6 = A3 @ A3
    pw = [I_, A, A2, A3, A6]
    Bs = [_lincomb(pw, _B18[i]) for i in range(5)]
    Bs[3] = Bs[3] + Bs[0] @ Bs[4]
    return Bs[1] + (Bs[2] + Bs[3]) @ Bs[3]


def _mexp_one(A, thetas):
    norm = float(A.abs().sum(-2).amax(-1).item())
    for deg, theta in zip((1, 2, 4, 8, 12), thetas[:5]):
        if norm <= theta:
            return _mexp_degree(A, deg)
    s = max(0, math.ceil(math.log2(norm / thetas[5]))) if norm > 0 else 0
    X = _mexp_degree(A / float(2 ** s), 18)
    for _ in range(s):
        X = X @ X
    return X


def _mexp(A):
    if A.shape[-1] == 1:
        return A.exp()
    if A.numel() == 0:
        return A * 1.0
    thetas = _THETAS[A.dtype.itemsize]
    flat = A.reshape(-1, A.shape[-2], A.shape[-1])
    outs = [_mexp_one(flat[i], thetas) for i in range(flat.shape[0])]
    return _C.stack(outs, 0).reshape(*A.shape)


@writes_out
def matrix_exp(A, *, out=None):
    """The matrix exponential of each square matrix of A."""
    op = "linalg.matrix_exp"
    _check_square(A, op)
    with no_grad():
        E = _mexp(A.detach())

    def backward(g):
        if g is None:
            return (None,)
        n = A.shape[-1]
        At = A.mT
        Z = _zeros(A.shape, A)
        M = _C.cat([_C.cat([At, g], -1), _C.cat([Z, At], -1)], -2)
        return (matrix_exp(M)[..., :n, n:],)

    return _record("LinalgMatrixExpBackward0", [A], [E], backward)[0]


# ---------------------------------------------------------------------------------------------
# Cholesky-based solves, triangular_solve (legacy)


def _chol_A(L, upper):
    return L.mT @ L if upper else L @ L.mT


@writes_out
def cholesky_solve(B, L, upper=False, *, out=None):
    """``torch.cholesky_solve``: X with ``A X = B`` for ``A = L L^T`` (``U^T U``)."""
    op = "cholesky_solve"
    _check_tensor(B, op, "input")
    _check_tensor(L, op, "input2")
    if B.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B.ndim} dimensions "
                           "instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions "
                           "instead")
    if B.dtype != L.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_scalar_name(B.dtype)} and A of type {_scalar_name(L.dtype)} "
                           "instead.")
    _check_float(L, "linalg.cholesky_solve")
    if L.shape[-1] != L.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{L.shape[-2]} by {L.shape[-1]} matrices")
    if L.shape[-1] != B.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{L.shape[-1]} by {L.shape[-1]} but each b matrix is "
                           f"{B.shape[-2]} by {B.shape[-1]}")

    def forward(b, l_):
        if upper:
            y = solve_triangular(l_.mT, b, upper=False)
            return solve_triangular(l_, y, upper=True)
        y = solve_triangular(l_, b, upper=False)
        return solve_triangular(l_.mT, y, upper=True)

    # PyTorch differentiates A = L L^T over every entry of L (not only its triangle).
    def compose(b, l_):
        return solve(_chol_A(l_, upper), b)

    with no_grad():
        X = forward(B.detach(), L.detach())
    return _composite("CholeskySolveBackward0", [B, L], [X], compose)[0]


@writes_out
def cholesky_inverse(L, upper=False, *, out=None):
    """``torch.cholesky_inverse``: the inverse of ``A = L L^T`` (``U^T U``) from its factor."""
    op = "cholesky_inverse"
    _check_tensor(L, op, "input")
    if L.ndim < 2:
        raise RuntimeError("The input tensor input must have at least 2 dimensions.")
    _check_float(L, "cholesky_inverse")
    if L.shape[-1] != L.shape[-2]:
        raise RuntimeError(f"cholesky_inverse: A must be batches of square matrices, but they "
                           f"are {L.shape[-2]} by {L.shape[-1]} matrices")

    def forward(l_):
        n = l_.shape[-1]
        eye = _eye(n, l_).expand(*l_.shape)
        if upper:
            y = solve_triangular(l_.mT, eye, upper=False)
            return solve_triangular(l_, y, upper=True)
        y = solve_triangular(l_, eye, upper=False)
        return solve_triangular(l_.mT, y, upper=True)

    def compose(l_):
        return inv(_chol_A(l_, upper))

    with no_grad():
        X = forward(L.detach())
    return _composite("CholeskyInverseBackward0", [L], [X], compose)[0]


@writes_out
def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """``torch.triangular_solve``: ``(solution, cloned_coefficient)`` with ``op(A) X = b``."""
    op = "triangular_solve"
    _check_tensor(b, op, "input")
    _check_tensor(A, op, "A")
    if b.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions, "
                           f"but it has {b.ndim} dimensions instead")
    if A.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected A to have at least 2 dimensions, "
                           f"but it has {A.ndim} dimensions instead")
    if b.dtype != A.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_scalar_name(b.dtype)} and A of type {_scalar_name(A.dtype)} "
                           "instead.")
    _check_float(A, "triangular_solve")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if A.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for triangular_solve: each A matrix is "
                           f"{A.shape[-1]} by {A.shape[-1]} but each b matrix is "
                           f"{b.shape[-2]} by {b.shape[-1]}")

    def compose(b_, a_):
        m = a_.mT if transpose else a_
        up = (not upper) if transpose else upper
        return (solve_triangular(m, b_, upper=up, unitriangular=unitriangular), a_ * 1.0)

    with no_grad():
        X, C = compose(b.detach(), A.detach())
        C = A.detach().clone()
    X, C = _composite("TriangularSolveBackward0", [b, A], [X, C], compose)
    return _rt.triangular_solve(X, C)


# ---------------------------------------------------------------------------------------------
# tensorinv, tensorsolve, vander


@writes_out
def tensorinv(A, ind=2, *, out=None):
    """The tensor inverse: ``tensordot(tensorinv(A, ind), A, ind) = I``."""
    op = "linalg.tensorinv"
    _check_tensor(A, op)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape_ind_end = tuple(A.shape[:ind])
    shape_start_ind = tuple(A.shape[ind:])
    prod_ind_end = math.prod(shape_ind_end)
    prod_start_ind = math.prod(shape_start_ind)
    if prod_ind_end != prod_start_ind:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {prod_start_ind} != {prod_ind_end}")
    return inv(A.reshape(prod_ind_end, prod_start_ind)).reshape(*shape_start_ind, *shape_ind_end)


@writes_out
def tensorsolve(A, B, dims=None, *, out=None):
    """X with ``tensordot(A, X, X.ndim) = B``."""
    op = "linalg.tensorsolve"
    _check_tensor(A, op)
    _check_tensor(B, op, "B")
    ndim = A.ndim
    if dims is not None:
        # ATen: movedim(dims -> the last len(dims) positions), then only the products must agree.
        dims = [d + ndim if d < 0 else d for d in dims]
        A = A.movedim(list(dims), list(range(ndim - len(dims), ndim)))
    result_shape = tuple(A.shape[B.ndim:])
    result_product = math.prod(result_shape)
    other_product = B.numel()
    if result_product != other_product:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:])"
                           f" == prod(self.shape[:other.ndim]), but got {result_product} != "
                           f"{other_product}")
    X = solve(A.reshape(other_product, result_product), B.reshape(other_product))
    return X.reshape(*result_shape)


def vander(x, *, N=None):
    """``linalg.vander``: the powers ``x^0, x^1, ..., x^(N-1)`` along a new last dim."""
    op = "linalg.vander"
    _check_tensor(x, op, "x")
    if x.dtype not in (_C.float32, _C.float64) and x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer "
                           f"tensors, but got {_scalar_name(x.dtype)}")
    if x.dtype == _C.bool:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer "
                           "tensors, but got Bool")
    x_ = x.unsqueeze(-1) if x.ndim == 0 else x
    n = x_.shape[-1] if N is None else int(N)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    result = x_.unsqueeze(-1).expand(*x_.shape, n - 1).cumprod(-1)
    ones = _ones_f((*x_.shape, 1), dtype=result.dtype)
    return _C.cat([ones, result], -1)


def _legacy_vander(x, N=None, increasing=False):
    """``torch.vander``: the decreasing (or ``increasing``) powers of the 1-D ``x``."""
    _check_tensor(x, "vander", "x")
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dtype = x.dtype if x.dtype.is_floating_point else _C.int64
    if n == 0:
        return _zeros_f((x.shape[0], 0), dtype=dtype)
    ones = _ones_f((x.shape[0], 1), dtype=dtype)
    if n == 1:
        result = ones
    else:
        result = _C.cat([ones, x.to(dtype).unsqueeze(1).expand(x.shape[0], n - 1).cumprod(1)],
                        1)
    return result if increasing else result.flip(1)


# ---------------------------------------------------------------------------------------------
# lstsq


def _lstsq_qr(A, B):
    """Least squares / minimum norm through QR (driver 'gels'; A of full rank)."""
    m, n = A.shape[-2], A.shape[-1]
    if m >= n:
        Q, R = qr(A)
        return solve_triangular(R, Q.mT @ B, upper=True)
    Q, R = qr(A.mT)  # A = R^T Q^T: x = Q R^-T b
    return Q @ solve_triangular(R.mT, B, upper=False)


def _lstsq_svd(A, B, rcond):
    """Minimum-norm least squares through the SVD, singular values below ``rcond * S_max``
    treated as zero (drivers 'gelsy', 'gelsd', 'gelss')."""
    U, S, Vh = svd(A, full_matrices=False)
    with no_grad():
        keep = S > rcond * S[..., :1] if S.shape[-1] else S > 0
        rank = keep.sum(-1)
    Sinv = _C.where(keep, 1 / _C.where(keep, S, _C.full((), 1.0, S.dtype)),
                    _C.full((), 0.0, S.dtype))
    return Vh.mT @ (Sinv.unsqueeze(-1) * (U.mT @ B)), rank, S


def _lstsq(A, B, rcond, driver):
    """``lstsq`` as differentiable compositions (QR for 'gels', the SVD otherwise)."""
    op = "torch.linalg.lstsq"
    _check_tensor(A, "linalg.lstsq")
    _check_tensor(B, "linalg.lstsq", "B")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise RuntimeError(f"{op}: other must have at least 1 dimension.")
    _check_float(A, "linalg.lstsq")
    if A.dtype != B.dtype:
        raise RuntimeError(f"{op}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {A.dtype} and other's dtype {B.dtype}")
    if driver is None:
        driver = "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           f"gelss)")
    vector_case = B.ndim == A.ndim - 1
    B_ = B.unsqueeze(-1) if vector_case else B
    if B_.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2)")
    m, n = A.shape[-2], A.shape[-1]
    eps = 1.1920928955078125e-07 if A.dtype.itemsize == 4 else 2.220446049250313e-16
    rc = eps * max(m, n) if rcond is None or rcond < 0 else float(rcond)
    batch = _broadcast_batch(tuple(A.shape[:-2]), tuple(B_.shape[:-2]))
    Ae = A.expand(*batch, m, n)
    Be = B_.expand(*batch, *B_.shape[-2:])

    def empty():
        return _zeros((0,), A)

    if min(m, n) == 0:
        X = _zeros((*batch, n, Be.shape[-1]), A)
        rank = _zeros_f(batch, dtype=_C.int64) if driver != "gels" else _zeros_f((0,), dtype=_C.int64)
        sv = _zeros((*batch, 0), A) if driver in ("gelsd", "gelss") else empty()
        res = empty()
    elif driver == "gels":
        X = _lstsq_qr(Ae, Be)
        rank, sv = _zeros_f((0,), dtype=_C.int64), empty()
        res = ((Ae @ X - Be) ** 2).sum(-2) if m > n else empty()
    else:
        X, rank, S = _lstsq_svd(Ae, Be, rc)
        sv = S.detach() if driver in ("gelsd", "gelss") else empty()
        full = bool((rank == n).all())
        res = ((Ae @ X - Be) ** 2).sum(-2) if m > n and driver != "gelsy" and full else empty()
    if vector_case:
        X = X.squeeze(-1)
        if res.numel():
            res = res.squeeze(-1)
    return _rt.linalg_lstsq(X, res, rank, sv)


@writes_out
def lstsq(A, B, rcond=None, *, driver=None, out=None):
    """``(solution, residuals, rank, singular_values)`` of ``min ||A X - B||``, each as
    PyTorch's CPU drivers return them: 'gelsy' (default) and 'gelsd'/'gelss' give the
    minimum-norm solution of rank-deficient A (rank from ``rcond``), 'gels' assumes full rank;
    residuals when ``m > n`` (for 'gelsd'/'gelss' only when every matrix has full rank, never
    for 'gelsy'); rank except for 'gels'; singular values for 'gelsd'/'gelss'. One
    ``LinalgLstsqBackward0`` node covers the solution and the residuals."""
    with no_grad():
        r = _lstsq(A.detach() if isinstance(A, Tensor) else A,
                   B.detach() if isinstance(B, Tensor) else B, rcond, driver)
    if not (_C.is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad
                                         for t in (A, B))):
        return r

    def compose(a, b):
        s = _lstsq(a, b, rcond, driver)
        return s.solution, s.residuals

    X, res = _composite("LinalgLstsqBackward0", [A, B], [r.solution, r.residuals], compose)
    return _rt.linalg_lstsq(X, res, r.rank, r.singular_values)


# ---------------------------------------------------------------------------------------------
# legacy names: torch.svd, torch.qr, torch.pinverse, torch.chain_matmul


@writes_out
def _legacy_svd(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd``: ``(U, S, V)`` (V, not Vh); zero-filled U and V without ``compute_uv``."""
    _check_matrix(input, "linalg.svd")
    if compute_uv:
        U, S, Vh = svd(input, full_matrices=not some)
        return _rt.svd(U, S, Vh.mT)
    from .linalg import svdvals
    S = svdvals(input)
    m, n = input.shape[-2], input.shape[-1]
    return _rt.svd(_zeros((*input.shape[:-2], m, m), input), S,
                   _zeros((*input.shape[:-2], n, n), input))


@writes_out
def _legacy_qr(input, some=True, *, out=None):
    Q, R = qr(input, "reduced" if some else "complete")
    return _rt.qr(Q, R)


def _pinverse(input, rcond=1e-15):
    from .linalg import pinv
    return pinv(input, rtol=rcond)


@writes_out
def chain_matmul(*matrices, out=None):
    """``torch.chain_matmul``: the product of 2-D matrices (deprecated in PyTorch)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if len(matrices) == 0:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for t in matrices:
        if t.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    from .linalg import multi_dot
    return multi_dot(matrices)


# Tensor methods (PyTorch's names).
Tensor.lu = lambda self, pivot=True, get_infos=False: _legacy_lu(self, pivot, get_infos)
Tensor.lu_solve = lambda self, LU_data, LU_pivots: _legacy_lu_solve(self, LU_data, LU_pivots)
Tensor.triangular_solve = (lambda self, A, upper=True, transpose=False, unitriangular=False:
                           triangular_solve(self, A, upper, transpose, unitriangular))
Tensor.cholesky_solve = lambda self, input2, upper=False: cholesky_solve(self, input2, upper)
Tensor.cholesky_inverse = lambda self, upper=False: cholesky_inverse(self, upper)
Tensor.matrix_exp = lambda self: matrix_exp(self)
Tensor.geqrf = lambda self: geqrf(self)
Tensor.orgqr = lambda self, input2: householder_product(self, input2)
Tensor.ormqr = (lambda self, input2, input3, left=True, transpose=False:
                ormqr(self, input2, input3, left, transpose))
Tensor.svd = lambda self, some=True, compute_uv=True: _legacy_svd(self, some, compute_uv)
Tensor.qr = lambda self, some=True: _legacy_qr(self, some)
Tensor.pinverse = lambda self, rcond=1e-15: _pinverse(self, rcond)

# Top-level names, published by ``rtensor/__init__.py``.
TOP_LEVEL = {
    "lu": _legacy_lu, "lu_unpack": lu_unpack, "lu_solve": _legacy_lu_solve,
    "matrix_exp": matrix_exp, "geqrf": geqrf, "orgqr": _orgqr, "ormqr": ormqr,
    "triangular_solve": triangular_solve, "cholesky_solve": cholesky_solve,
    "cholesky_inverse": cholesky_inverse, "vander": _legacy_vander, "svd": _legacy_svd,
    "qr": _legacy_qr, "pinverse": _pinverse, "chain_matmul": chain_matmul,
}

# ``rtensor.linalg`` names.
LINALG = {
    "lu": lu, "lu_factor": lu_factor, "lu_factor_ex": lu_factor_ex, "lu_solve": lu_solve,
    "ldl_factor": ldl_factor, "ldl_factor_ex": ldl_factor_ex, "ldl_solve": ldl_solve,
    "matrix_exp": matrix_exp, "householder_product": householder_product,
    "tensorinv": tensorinv, "tensorsolve": tensorsolve, "vander": vander, "lstsq": lstsq,
}
