"""``torch.linalg.eig`` and ``eigvals``: the general (non-symmetric) eigendecomposition.

The decomposition is native (``_C._linalg_eig``: faer's Schur-based eigendecomposition with
LAPACK ``geev``'s balancing, eigenvalue order and normalization: unit eigenvectors whose largest
component is real, see ``src/backend/cpu/lapack_eig.rs``). Real float32/float64 input gives
complex64/complex128 results, as in PyTorch; complex input is taken too.

Autograd (NOTE [linalg autograd] in ``linalg.py``): one ``LinalgEigBackward0`` node over the
input, whose backward is PyTorch's ``linalg_eig_backward`` (FunctionsManual.cpp) written with
differentiable ops: the complex products compose from float ops (NOTE [complex by
composition]) and the solve with ``V^H`` runs as the real ``2n x 2n`` system of its real and
imaginary parts. For a real input the gradient is the real part, as PyTorch takes it.
"""

from . import _C
from . import _complex as _cx
from . import return_types as _rt
from ._C import Tensor
from .autograd.grad_mode import no_grad
from .linalg import _check_errors, _eye, _grad_mode, _record, _scalar_name
from .linalg import solve as _solve_real

_PHASE_MSG = ("linalg_eig_backward: The eigenvectors in the complex case are specified up to "
              "multiplication by e^{i phi}. The specified loss function depends on this quantity, "
              "so it is ill-defined.")

_REMOVED_MSG = (
    "This function was deprecated since version 1.9 and is now removed. `torch.linalg.eig` "
    "returns complex tensors of dtype `cfloat` or `cdouble` rather than real tensors mimicking "
    "complex tensors.\n\nL, _ = torch.eig(A) should be replaced with:\nL_complex = "
    "torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, eigenvectors=True) should be "
    "replaced with:\nL_complex, V_complex = torch.linalg.eig(A)")


def _check(A, op):
    """PyTorch's checks, in its order: tensor, dtype with a complex counterpart, shape, then
    the dtypes the CPU kernel lacks."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    d = A.dtype
    if not (d.is_floating_point or d.is_complex):
        raise RuntimeError(f"Unknown Complex ScalarType for {_scalar_name(d)}")
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{op}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if A.is_cuda:
        raise NotImplementedError(f'"linalg.{op}" is not implemented for the GPU device')
    if d.is_floating_point and d.itemsize < 4:
        raise NotImplementedError(f"\"linalg_eig_out_cpu\" not implemented for "
                                  f"'{_scalar_name(d)}'")


def _re(z):
    return _cx.real(z)


def _im(z):
    return _cx.imag(z)


def _csolve(M, B):
    """``M^-1 B`` for complex matrices, as the real system ``[[P, -Q], [Q, P]] [Xr; Xi] =
    [Br; Bi]`` (``M = P + iQ``), so it is differentiable (and twice) through ``linalg.solve``."""
    P, Q = _re(M), _im(M)
    big = _C.cat([_C.cat([P, -Q], -1), _C.cat([Q, P], -1)], -2)
    rhs = _C.cat([_re(B), _im(B)], -2)
    X = _solve_real(big, rhs)
    n = M.shape[-1]
    return _cx.complex(X[..., :n, :].contiguous(), X[..., n:, :].contiguous())


def _mH(Z):
    return _cx.conj(Z).mT


def _eig_backward(gL, gV, L, V, complex_input):
    """PyTorch's ``linalg_eig_backward`` (``is_hermitian = false``)."""
    if gL is None and gV is None:
        return None
    VH = _mH(V)
    n = V.shape[-1]
    I_ = _eye(n, _re(V))
    if gV is None:
        gA = _csolve(VH, gL.unsqueeze(-1) * VH)
    else:
        VhgV = VH @ gV
        d = VhgV.diagonal(0, -2, -1)
        with no_grad():
            ok = bool((_im(d).abs() <= 1e-2).all())
        if not ok:
            raise RuntimeError(_PHASE_MSG)
        VhgV = VhgV - VH @ (V * _re(d).unsqueeze(-2))
        Lc = _cx.conj(L)
        E = Lc.unsqueeze(-2) - Lc.unsqueeze(-1) + I_
        ret = VhgV / E
        if gL is not None:
            ret = ret * (1 - I_) + gL.unsqueeze(-1) * I_
        gA = _csolve(VH, ret @ VH)
    return gA if complex_input else _re(gA)


def _eig_core(A, op, compute_v):
    """``(L, V)`` (V empty without ``compute_v``), recorded as one ``LinalgEigBackward0`` node
    when ``A`` requires grad (then V is always computed: the backward needs it)."""
    grad = _C.is_grad_enabled() and A.requires_grad
    with no_grad():
        L0, V0, info = _C._linalg_eig(A.detach(), compute_v or grad, f"linalg.{op}")
    _check_errors(info, "torch.linalg.eig", A.ndim == 2)
    if not grad:
        return L0, V0
    complex_input = A.dtype.is_complex

    def backward(gL, gV):
        Ls, Vs = _eig_core(A, op, True) if _grad_mode() else (L0, V0)
        return (_eig_backward(gL, gV, Ls, Vs, complex_input),)

    L, V = _record("LinalgEigBackward0", [A], [L0, V0], backward)
    return L, V


def _write_out(op, results, outs, names):
    """Copies ``results`` into the ``out=`` tensors (complex, of the results' shapes: rtensor
    does not resize them)."""
    for r, o, name in zip(results, outs, names):
        if not isinstance(o, Tensor):
            raise TypeError(f"linalg_{op}(): argument 'out' must be Tensor, not "
                            f"{type(o).__name__}")
        if not o.dtype.is_complex:
            raise RuntimeError(f"torch.linalg.{op}: Expected {name} to be safely castable from "
                               f"{_scalar_name(r.dtype)} dtype, but got {name} with dtype "
                               f"{_scalar_name(o.dtype)}")
        if tuple(o.shape) != tuple(r.shape):
            raise RuntimeError(f"linalg.{op}: out= tensor {name} has shape {tuple(o.shape)}, "
                               f"the result {tuple(r.shape)} (rtensor does not resize out= "
                               "tensors)")
        with no_grad():
            o.copy_(r.to(o.dtype))


def eig(A, *, out=None):
    """``(eigenvalues, eigenvectors)`` of the square matrices of ``A`` (complex, in LAPACK's
    order; unit eigenvectors with their largest component real)."""
    _check(A, "eig")
    L, V = _eig_core(A, "eig", True)
    if out is not None:
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise TypeError("linalg_eig(): argument 'out' must be tuple of Tensors")
        _write_out("eig", (L, V), out, ("eigenvalues", "eigenvectors"))
        return _rt.linalg_eig(*out)
    return _rt.linalg_eig(L, V)


def eigvals(A, *, out=None):
    """The eigenvalues (complex) of the square matrices of ``A``."""
    _check(A, "eigvals")
    L = _eig_core(A, "eigvals", False)[0]
    if out is not None:
        _write_out("eigvals", (L,), (out,), ("eigenvalues",))
        return out
    return L


def _removed_eig(*args, **kwargs):
    raise RuntimeError(_REMOVED_MSG)


Tensor.eig = _removed_eig

# ``rtensor.linalg`` names.
LINALG = {"eig": eig, "eigvals": eigvals}

# Top-level names, published by ``rtensor/__init__.py``.
TOP_LEVEL = {"eig": _removed_eig}
