"""Helpers shared by the distribution families: parameter broadcasting, the probs/logits
conversions, the standard normal draw behind ``rsample``, and ``lazy_property``."""

import math
import numbers

from .._C import Tensor
from ._types import _finfo

__all__ = [
    "broadcast_all", "clamp_probs", "euler_constant", "lazy_property", "logits_to_probs",
    "probs_to_logits", "sum_rightmost", "standard_normal", "tril_matrix_to_vec",
    "vec_to_tril_matrix",
]

euler_constant = 0.57721566490153286060  # Euler–Mascheroni


def _torch():
    import rtensor

    return rtensor


def broadcast_all(*values):
    """Broadcasts tensors and numbers to one shape: numbers become tensors of the first
    tensor's dtype and device (the default dtype when all are numbers); a tensor that already
    has the broadcast shape is returned as it is."""
    torch = _torch()
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError(
            "Input arguments must all be instances of Number, torch.Tensor or objects "
            "implementing __torch_function__."
        )
    if not all(isinstance(v, Tensor) for v in values):
        like = next((v for v in values if isinstance(v, Tensor)), None)
        opts = (dict(dtype=like.dtype, device=like.device) if like is not None
                else dict(dtype=torch.get_default_dtype()))
        values = [v if isinstance(v, Tensor) else torch.tensor(v, **opts) for v in values]
    return torch.broadcast_tensors(*values)


def standard_normal(shape, dtype, device):
    """``empty(shape).normal_()``: the draw every reparameterized normal sample starts from."""
    torch = _torch()
    return torch.empty(shape, dtype=dtype, device=device).normal_()


def sum_rightmost(value, dim):
    """Sums the ``dim`` rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(value.shape[: value.dim() - dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    torch = _torch()
    if is_binary:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def clamp_probs(probs):
    eps = _finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    torch = _torch()
    ps = clamp_probs(probs)
    if is_binary:
        return torch.log(ps) - torch.log1p(-ps)
    return torch.log(ps)


class lazy_property:
    """A property computed on first access and then stored on the instance (so that a
    distribution built from ``probs`` computes ``logits`` only when asked). Accessed on the
    class it returns itself, which ``Distribution`` uses to skip validating unset parameters."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        torch = _torch()
        with torch.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    def __init__(self, wrapped):
        property.__init__(self, wrapped)
        self.wrapped = wrapped


def tril_matrix_to_vec(mat, diag=0):
    """The entries of the lower triangle (below diagonal ``diag``) as a vector, row by row."""
    torch = _torch()
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    rows, cols = _tril_indices(n, diag)
    idx = torch.tensor([r * n + c for r, c in zip(rows, cols)], dtype=torch.int64)
    return mat.reshape(mat.shape[:-2] + (n * n,)).index_select(-1, idx)


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of ``tril_matrix_to_vec``: a square matrix, zero above diagonal ``diag``."""
    torch = _torch()
    size = vec.shape[-1]
    n = int(round((-(1 + 2 * diag) + math.sqrt((1 + 2 * diag) ** 2 + 8 * size + 4 * abs(diag)
                                               * (diag + 1))) / 2))
    eps = _finfo(vec.dtype).eps
    if round(n) - n > eps:
        raise ValueError(f"The size of last dimension is {size} which cannot be expressed as "
                         "the lower triangular part of a square D x D matrix.")
    rows, cols = _tril_indices(n, diag)
    flat = torch.zeros(vec.shape[:-1] + (n * n,), dtype=vec.dtype, device=vec.device)
    idx = torch.tensor([r * n + c for r, c in zip(rows, cols)], dtype=torch.int64)
    flat = flat.index_add(-1, idx, vec)
    return flat.reshape(vec.shape[:-1] + (n, n))


def _tril_indices(n, diag):
    rows, cols = [], []
    for r in range(n):
        for c in range(n):
            if c - r <= diag:
                rows.append(r)
                cols.append(c)
    return rows, cols


# PyTorch's private spellings, which some libraries import
_standard_normal = standard_normal
_sum_rightmost = sum_rightmost
