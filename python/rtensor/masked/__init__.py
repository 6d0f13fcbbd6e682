"""``rtensor.masked``: PyTorch's masked reductions and normalizations on strided tensors
(``torch/masked/_ops.py``): ``mask`` (broadcast to the input, converted to bool) selects the
elements that take part; masked-out elements are replaced by the operation's identity (0 for
``sum``, 1 for ``prod``, -inf for ``amax``/``logsumexp``/``softmax``...) before the ordinary op
runs, so autograd and devices are those of the ordinary ops. Fully masked-out rows give the
identity (``mean``/``var``/``std`` give nan, as 0/0). ``MaskedTensor`` inputs and sparse layouts
are not supported.
"""

import builtins

import rtensor as _rt

__all__ = [
    "amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "log_softmax", "logaddexp",
    "logsumexp", "mean", "median", "norm", "normalize", "prod", "softmax", "softmin", "std", "sum", "var",
]

_SMALL_INTS = None


def _small_ints():
    global _SMALL_INTS
    if _SMALL_INTS is None:
        _SMALL_INTS = {_rt.uint8, _rt.bool, _rt.int8, _rt.int16, _rt.int32}
    return _SMALL_INTS


def _canonical_dim(dim, ndim):
    if dim == ():
        dim = None
    if dim is None:
        return tuple(range(ndim))
    ndim = builtins.max(ndim, 1)
    dims = []
    for d in (dim,) if isinstance(dim, int) else dim:
        if d in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if d >= ndim or d < -ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                f"but got {d})"
            )
        dims.append(d % ndim)
    return tuple(sorted(dims))


def _int_bounds(dtype):
    bits = {_rt.uint8: 8, _rt.int8: 8, _rt.int16: 16, _rt.int32: 32, _rt.int64: 64}[dtype]
    if dtype == _rt.uint8:
        return 0, 255
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def _is_signed(dtype):
    return dtype in (_rt.int8, _rt.int16, _rt.int32, _rt.int64)


def _identity(op, input, *args):
    dtype = input.dtype
    fl = dtype.is_floating_point
    if op in ("sum", "cumsum"):
        return 0
    if op in ("prod", "cumprod"):
        return 1
    if op in ("amax", "argmax", "logaddexp", "logsumexp"):
        if fl:
            return float("-inf")
        if _is_signed(dtype) or dtype == _rt.uint8:
            return _int_bounds(dtype)[0]
    elif op in ("amin", "argmin"):
        if fl:
            return float("inf")
        if _is_signed(dtype) or dtype == _rt.uint8:
            return _int_bounds(dtype)[1]
    elif op == "norm":
        ord = args[0] if args else 2
        if ord == float("-inf"):
            return float("inf")
        return 0
    raise NotImplementedError(f"identity of {op} on {dtype} input")


def _input_mask(input, mask):
    if mask is None:
        raise ValueError("_input_mask requires explicit mask")
    if tuple(mask.shape) != tuple(input.shape):
        if mask.ndim > input.ndim:
            raise IndexError(
                "_input_mask expected broadcastable mask (got mask dimensionality higher than "
                "of the input)"
            )
        mask = _rt.broadcast_to(mask.clone(), tuple(input.shape))
    return mask.to(dtype=_rt.bool)


def _combine(op, input, mask, *args):
    if mask is None:
        return input
    m = _input_mask(input, mask)
    fill = _rt.full((), _identity(op, input, *args), dtype=input.dtype, device=input.device)
    return _rt.where(m, input, fill)


def _sum_dtype(input, dtype):
    if dtype is None:
        return _rt.int64 if input.dtype in _small_ints() else input.dtype
    return dtype


def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = _sum_dtype(input, dtype)
    dim_ = _canonical_dim(dim, input.ndim)
    return _rt.sum(_combine("sum", input, mask), dim_, bool(keepdim), dtype=dtype)


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = _sum_dtype(input, dtype)
    dim_ = _canonical_dim(dim, input.ndim)
    result = _combine("prod", input, mask).to(dtype=dtype)
    for d in reversed(dim_):
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


def cumsum(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _rt.cumsum(_combine("sum", input, mask), d, dtype=dtype).to(dtype=dtype)


def cumprod(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _rt.cumprod(_combine("prod", input, mask), d, dtype=dtype).to(dtype=dtype)


def amax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    mi = _combine("amax", input, mask)
    dim_ = _canonical_dim(dim, mi.ndim)
    return _rt.amax(mi, dim_, bool(keepdim)).to(dtype=dtype)


def amin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    mi = _combine("amin", input, mask)
    dim_ = _canonical_dim(dim, mi.ndim)
    return _rt.amin(mi, dim_, bool(keepdim)).to(dtype=dtype)


def argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    return _rt.argmax(_combine("argmax", input, mask), dim, bool(keepdim)).to(dtype=dtype)


def argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    return _rt.argmin(_combine("argmin", input, mask), dim, bool(keepdim)).to(dtype=dtype)


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    source = "Optional"
    if dtype is None:
        dtype = input.dtype
        source = "Input"
    if not dtype.is_floating_point:
        raise ValueError(
            f"mean(): Could not infer output dtype. {source} dtype must be either a floating "
            f"point or complex dtype. Got: {dtype}".replace("rtensor.", "torch.")
        )
    if mask is None:
        count = sum(_rt.ones(tuple(input.shape), dtype=_rt.int64, device=input.device), dim,
                    keepdim=keepdim)
        total = sum(input, dim, keepdim=keepdim, dtype=dtype)
    else:
        inmask = _input_mask(input, mask)
        count = inmask.sum(dim=_canonical_dim(dim, input.ndim), keepdim=bool(keepdim))
        total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=inmask)
    return total / count


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):
    """The lower median of the masked-in elements along ``dim`` (PyTorch's ``nanmedian`` of
    the input with masked-out elements set to nan): nan for a fully masked-out row."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dtype=_rt.float32)
    if mask is None:
        mi = input
    else:
        nan = _rt.full((), float("nan"), dtype=input.dtype, device=input.device)
        mi = _rt.where(_input_mask(input, mask), input, nan)

    def nanmedian(x):
        # sort puts nan last; the lower median of the n non-nan values is at (n - 1) // 2.
        n = (~_rt.isnan(x)).sum(d, keepdim=True)
        k = ((n - 1).clamp(min=0)).div(2, rounding_mode="floor")
        out = x.sort(d)[0].gather(d, k)
        return out if keepdim or x.ndim == 0 else out.squeeze(d)

    from ..nn.functional import _named

    output = _named("NanmedianBackward1", nanmedian, mi)
    if is_float:
        return output
    if not _rt.isnan(output).any():
        return output.to(dtype=dtype)
    raise ValueError(
        "masked median expects no fully masked out rows if dtype is not floating point")


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    dim_ = _canonical_dim(dim, input.ndim)
    return _rt.logsumexp(_combine("logsumexp", input, mask), dim_, keepdim=keepdim).to(
        dtype=dtype)


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):
    dtype = input.dtype if dtype is None else dtype
    a = _combine("logaddexp", input, input_mask)
    b = _combine("logaddexp", other, other_mask)
    return _rt.logaddexp(a, b).to(dtype=dtype)


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    mi = _combine("norm", input, mask, ord)
    dim_ = _canonical_dim(dim, input.ndim)
    return _rt.linalg.vector_norm(mi, ord, dim_, bool(keepdim), dtype=dtype)


def _std_var(input, dim, unbiased, correction_opt, keepdim, dtype, mask, take_sqrt):
    if unbiased is not None and correction_opt is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    correction = 1.0
    if unbiased is not None:
        correction = 1.0 if unbiased else 0.0
    if correction_opt is not None:
        correction = float(correction_opt)
    if dtype is None:
        dtype = input.dtype
        if not dtype.is_floating_point:
            dtype = _rt.float32
    compute_dtype = dtype if dtype.is_floating_point else _rt.float32
    dims = _canonical_dim(dim, input.ndim)
    if mask is None:
        count = sum(_rt.ones(tuple(input.shape), dtype=_rt.int64, device=input.device), dim,
                    keepdim=True)
        sample_total = sum(input, dim, keepdim=True, dtype=dtype)
    else:
        inmask = _input_mask(input, mask)
        count = inmask.sum(dim=dims, keepdim=True)
        sample_total = sum(input, dim, keepdim=True, dtype=dtype, mask=inmask)
    sample_mean = _rt.divide(sample_total, count)
    x = _rt.subtract(input, sample_mean)
    if mask is None:
        total = sum(x * x, dim, keepdim=keepdim, dtype=compute_dtype)
    else:
        total = sum(x * x, dim, keepdim=keepdim, dtype=compute_dtype, mask=inmask)
    if not keepdim:
        count = count.reshape(tuple(total.shape))
    if correction != 0:
        count = count.to(compute_dtype)
        count = _rt.subtract(count, correction)
        count = _rt.maximum(count, count.new_zeros([]))
    output = _rt.divide(total, count).to(dtype=dtype)
    if take_sqrt:
        output = _rt.sqrt(output)
    return output


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,
        mask=None):
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, False)


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,
        mask=None):
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, True)


def softmax(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _rt.nn.functional.softmax(_combine("amax", input, mask), d, dtype=dtype)


def log_softmax(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _rt.nn.functional.log_softmax(_combine("amax", input, mask), d, dtype=dtype)


def softmin(input, dim, *, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return _rt.nn.functional.softmin(_combine("amin", input, mask), d, dtype=dtype)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):
    dtype = input.dtype if dtype is None else dtype
    mi = _combine("sum", input, mask)
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    denom = _rt.maximum(nrm, nrm.new_full([], eps))
    return _rt.divide(mi, denom)
