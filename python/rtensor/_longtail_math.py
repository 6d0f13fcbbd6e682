"""The long tail of pointwise, reduction and statistics functions (``addcmul``,
``nan_to_num``, ``diff``, ``cross``, ``cov``, ``trapezoid``, ``cummax``, ``logcumsumexp``,
``kthvalue``, ``quantile``...). The elementwise binary ones with a kernel of their own
(``logaddexp``, ``hypot``, ``copysign``, ``fmax``, ``heaviside``, ``ldexp``, ``xlogy``...) are
rows of the native op registry (``src/spec/elementwise.rs``), not compositions here.

The differentiable ones are compositions of differentiable native ops, written so that their
gradients are PyTorch's; scans (``cummax``, ``logcumsumexp``) are Hillis-Steele
scans of ``log2(n)`` whole-tensor steps. Integer-only results with data-dependent sizes
(``unique``, ``bincount``, ``searchsorted``...) are in ``_longtail_count.py``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import _C, return_types
from ._C import Tensor
from ._longtail_shape import (
    _inplace,
    cpu_only,
    infer_size,
    on_device_of,
    type_name,
    wrap_dim,
)

FUNCTIONS: dict = {}
METHODS: dict = {}


def _export(method=False, inplace=False, function=True):
    """As ``_longtail_shape.export``, into this module's tables; ``inplace`` also adds
    ``Tensor.<name>_`` (the result written back into ``self``)."""

    def deco(fn):
        if function:
            FUNCTIONS[fn.__name__] = fn
        if method:
            METHODS[fn.__name__] = fn
        if inplace:
            METHODS[fn.__name__ + "_"] = _inplace(fn, fn.__name__ + "_")
        return fn

    return deco


def _not_implemented(kernel, dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{type_name(dtype)}\'')


def _is_float(t):
    return t.dtype.is_floating_point


def _as_tensor(x, like):
    if isinstance(x, Tensor):
        return x
    return on_device_of(_C.tensor(x, _C.result_type(like, x)), like)


# ----- pointwise -----


@_export(method=True, inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2


@_export(method=True, inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    if not _is_float(tensor1) and not _is_float(tensor2):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes."
        )
    return input + value * tensor1 / tensor2


@_export(method=True)
def float_power(input, exponent):
    base = input.to(_C.float64) if isinstance(input, Tensor) else input
    exp = exponent.to(_C.float64) if isinstance(exponent, Tensor) else float(exponent)
    if not isinstance(base, Tensor):
        return _C.tensor(float(base), _C.float64).to(exp.device).pow(exp)
    return base.pow(exp)


def float_power_(self, exponent):
    if self.dtype != _C.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {type_name(self.dtype)} but the "
            "operation's result requires dtype Double"
        )
    return self.copy_(float_power(self, exponent))


METHODS["float_power_"] = float_power_


def _to_float(t):
    return t if _is_float(t) else t.to(_C.get_default_dtype())


@_export(method=True, inplace=True)
def deg2rad(input):
    return _to_float(input) * (math.pi / 180.0)


@_export(method=True, inplace=True)
def rad2deg(input):
    return _to_float(input) * (180.0 / math.pi)


_FLOAT_LIMITS = {
    _C.float16: float(np.finfo(np.float16).max),
    _C.bfloat16: 3.3895313892515355e38,
    _C.float32: float(np.finfo(np.float32).max),
    _C.float64: float(np.finfo(np.float64).max),
}


@_export(method=True, inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    if not _is_float(input):
        return input.clone()
    big = _FLOAT_LIMITS[input.dtype]
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    r = _C.where(input.isnan(), nan, input)
    r = _C.where(input == math.inf, posinf, r)
    return _C.where(input == -math.inf, neginf, r).to(input.dtype)


@_export(method=True)
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    if not _is_float(input) and dtype is None:
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{type_name(input.dtype)}"
        )
    x = input if dtype is None else input.to(dtype)
    count = (~x.isnan()).sum(dim, keepdim)
    return x.nansum(dim, keepdim) / count


_INT_VIEW = {_C.float16: _C.int16, _C.bfloat16: _C.int16, _C.float32: _C.int32,
             _C.float64: _C.int64}


@_export(method=True)
def signbit(input):
    if input.dtype == _C.bool:
        return input.new_zeros(*input.shape, dtype=_C.bool)
    if not _is_float(input):
        return input < 0
    # The sign bit itself: -0.0 and -NaN count as negative.
    bits = input.detach().contiguous().view(_INT_VIEW[input.dtype])
    return bits < 0


@_export(method=True, inplace=True)
def sgn(input):
    return input.sign()


@_export(method=True)
def frexp(input):
    if not _is_float(input):
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    cpu_only(input, "frexp")
    arr = np.asarray(input.detach().to(_C.float64))
    _, e = np.frexp(arr)
    e = np.array(e.astype(np.int32), order="C")
    exponent = on_device_of(_C.from_numpy(e).clone(), input)
    # mantissa = input * 2**-e, in two factors: 2**-e alone overflows for subnormal inputs.
    two = on_device_of(_C.tensor(2.0, input.dtype), input)
    half1 = on_device_of(_C.from_numpy(np.array(-(e // 2), order="C")).clone(), input)
    half2 = -exponent - half1
    mantissa = input * two.pow(half1) * two.pow(half2)
    return return_types.frexp(mantissa, exponent)


def _int_binary(name, np_fn):
    def f(input, other):
        a = _as_tensor(input, other) if not isinstance(input, Tensor) else input
        b = _as_tensor(other, a)
        dt = _C.result_type(a, b)
        if dt.is_floating_point or dt == _C.bool:
            raise _not_implemented(f"{name}_cpu", dt)
        shape = infer_size(list(a.shape), list(b.shape))
        cpu_only(a, name)
        cpu_only(b, name)
        x = np.asarray(a.detach().to(_C.int64))
        y = np.asarray(b.detach().to(_C.int64))
        r = np.array(np.broadcast_to(np_fn(x, y), shape).astype(np.int64), order="C")
        return on_device_of(_C.from_numpy(r).to(dt).clone(), a)

    f.__name__ = name
    return f


gcd = _export(method=True, inplace=True)(_int_binary("gcd", np.gcd))
lcm = _export(method=True, inplace=True)(_int_binary("lcm", np.lcm))


def _shift(name, left):
    kernel = "lshift_cpu" if left else "rshift_cpu"

    def f(input, other):
        a = _as_tensor(input, other) if not isinstance(input, Tensor) else input
        b = _as_tensor(other, a)
        dt = _C.result_type(a, b)
        if dt.is_floating_point or dt == _C.bool or dt.is_complex:
            raise _not_implemented(kernel, dt)
        a, b = a.to(dt), b.to(dt)
        bits = dt.itemsize * 8
        # ATen: a shift by a negative amount or by the width or more gives 0 (left) or the
        # sign fill a >> (bits - 1) (right); otherwise a multiply (wrapping) or a floor
        # division by 2^b, which is the arithmetic shift.
        if left:
            ok = (b >= 0) & (b < bits)
            p = _C.where(ok, b, b.new_zeros(()))
            r = a * (a.new_full((), 2) ** p)
            return _C.where(ok, r, r.new_zeros(()))
        # 2^(bits - 1) overflows a signed type, whose a >> (bits - 1) is the sign fill anyway.
        ok = (b >= 0) & (b < (bits if dt == _C.uint8 else bits - 1))
        p = _C.where(ok, b, b.new_zeros(()))
        r = a.div(a.new_full((), 2) ** p, rounding_mode="floor")
        # uint8 never holds a negative value: its fill is 0 (a logical shift).
        fill = _C.where(a < 0, a.new_full((), -1), a.new_zeros(()))
        return _C.where(ok, r, fill)

    f.__name__ = name
    return f


bitwise_left_shift = _export(method=True, inplace=True)(_shift("bitwise_left_shift", True))
bitwise_right_shift = _export(method=True, inplace=True)(_shift("bitwise_right_shift", False))
METHODS["__lshift__"] = bitwise_left_shift
METHODS["__rshift__"] = bitwise_right_shift
METHODS["__rlshift__"] = lambda self, other: bitwise_left_shift(other, self)
METHODS["__rrshift__"] = lambda self, other: bitwise_right_shift(other, self)
METHODS["__ilshift__"] = METHODS["bitwise_left_shift_"]
METHODS["__irshift__"] = METHODS["bitwise_right_shift_"]


# ----- reductions and statistics -----


@_export(method=True)
def aminmax(input, *, dim=None, keepdim=False):
    if input.numel() == 0:
        if dim is None or input.ndim == 0 or input.shape[wrap_dim(dim, input.ndim)] == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation "
                "has no identity."
            )
    if dim is None:
        if keepdim:
            shape = [1] * input.ndim
            return return_types.aminmax(input.amin().reshape(*shape),
                                        input.amax().reshape(*shape))
        return return_types.aminmax(input.amin(), input.amax())
    return return_types.aminmax(input.amin(dim, keepdim), input.amax(dim, keepdim))


def _stat_mean(take_sqrt):
    def f(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if isinstance(dim, bool):
            unbiased, dim = dim, None
        kw = {"correction": correction} if correction is not None else {}
        if unbiased is not None and correction is None:
            kw = {"correction": 1 if unbiased else 0}
        spread = (input.std if take_sqrt else input.var)(dim, keepdim=keepdim, **kw)
        return spread, input.mean(dim, keepdim)

    f.__name__ = "std_mean" if take_sqrt else "var_mean"
    return f


std_mean = _export()(_stat_mean(True))
var_mean = _export()(_stat_mean(False))


@_export(method=True)
def diff(input, n=1, dim=-1, prepend=None, append=None):
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    for p in parts:
        if p.ndim != input.ndim:
            raise RuntimeError(
                "diff expects prepend or append to be the same dimension as input"
            )
    x = _C.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        size = x.shape[d]
        if size == 0:
            break
        hi, lo = x.narrow(d, 1, size - 1), x.narrow(d, 0, size - 1)
        x = hi.logical_xor(lo) if x.dtype == _C.bool else hi - lo
    return x


@_export(method=True)
def cross(input, other, dim=None):
    if input.ndim != other.ndim:
        raise RuntimeError(
            "linalg.cross: inputs must have the same number of dimensions."
        )
    shape = infer_size(list(input.shape), list(other.shape))
    a, b = input.expand(*shape), other.expand(*shape)
    if dim is None:
        # ATen's _default_cross_dim: the input's first dim of size 3 (deprecated).
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
            "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of "
            "dim will change to agree with that of linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        d = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if d is None:
            raise RuntimeError("no dimension of size 3 in input")
    else:
        d = wrap_dim(dim, len(shape))
        if input.shape[d] != 3 or other.shape[d] != 3:
            raise RuntimeError(
                f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                f"{input.shape[d]} and {other.shape[d]}"
            )
    # component i is a[i+1] b[i+2] - a[i+2] b[i+1]
    return a.roll(-1, d) * b.roll(-2, d) - a.roll(-2, d) * b.roll(-1, d)


def _check_weights(w, name, observations, integral):
    if w.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
            f"{w.ndim} dimensions"
        )
    if w.numel() != observations:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the "
            f"input but got {w.numel()} != {observations}"
        )
    if integral and (w.dtype.is_floating_point or w.dtype == _C.bool):
        raise RuntimeError(
            f"cov(): expected {name} to have integral dtype but got {name} with "
            f"{type_name(w.dtype)} dtype"
        )
    if not integral and not w.dtype.is_floating_point:
        raise RuntimeError(
            f"cov(): expected {name} to have floating point dtype but got {name} with "
            f"{type_name(w.dtype)} dtype"
        )
    if bool((w < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


@_export(method=True)
def cov(input, *, correction=1, fweights=None, aweights=None):
    """ATen's ``cov``: variables are rows, observations columns."""
    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    x = _to_float(input)
    observations = x.numel() if x.ndim < 2 else x.shape[1]
    x = x.reshape(1, -1) if x.ndim < 2 else x
    w = None
    if fweights is not None:
        _check_weights(fweights, "fweights", observations, True)
        w = fweights
    if aweights is not None:
        _check_weights(aweights, "aweights", observations, False)
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        w_sum = float(observations)
        norm_factor = w_sum - correction
    else:
        w = w.to(x.dtype)
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        if aweights is not None:
            norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
        else:
            norm_factor = w_sum - correction
    if isinstance(norm_factor, Tensor):
        norm_factor = _C.where(norm_factor <= 0, 0.0, norm_factor)
    elif norm_factor <= 0:
        norm_factor = 0.0
    xc = x - avg.unsqueeze(1)
    c = xc.mm((xc if w is None else xc * w).t())
    return (c / norm_factor).squeeze()


@_export(method=True)
def corrcoef(input):
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    std = d.sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    return c.clamp(-1, 1)


def _trapezoid_dx(y, x, dx, d, name):
    """The spacing as a number or a tensor broadcastable against y's pairs along ``d``."""
    if x is None:
        return 1.0 if dx is None else dx
    if dx is not None:
        raise RuntimeError(f"{name}: expected only one of x and dx")
    if not isinstance(x, Tensor):
        return x
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(
                f"{name}: There must be one `x` value for each sample point"
            )
        view = [1] * y.ndim
        view[d] = -1
        x = x.reshape(*view)
    return diff(x, dim=d if x.ndim == y.ndim else -1)


@_export()
def trapezoid(y, x=None, *, dx=None, dim=-1):
    if y.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, y.ndim)
    n = y.shape[d]
    spacing = _trapezoid_dx(y, x, dx, d, "trapezoid")
    if n == 0:
        return (y * 0).sum(d)
    if isinstance(spacing, Tensor):
        pair = y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)
        return (spacing * pair).sum(d) / 2.0
    ends = y.select(d, 0) + y.select(d, -1)
    return (y.sum(d) - ends * 0.5) * spacing


FUNCTIONS["trapz"] = trapezoid


@_export()
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    d = wrap_dim(dim, y.ndim)
    n = y.shape[d]
    spacing = _trapezoid_dx(y, x, dx, d, "cumulative_trapezoid")
    if n == 0:
        return y.narrow(d, 0, 0) * 1.0
    pair = y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)
    if isinstance(spacing, Tensor):
        return (spacing * pair / 2.0).cumsum(d)
    return (spacing / 2.0 * pair).cumsum(d)


@_export(method=True, inplace=True)
def renorm(input, p, dim, maxnorm):
    if not _is_float(input):
        raise RuntimeError(
            "renorm: expected a floating point or complex tensor as input. Got "
            f"{type_name(input.dtype)}"
        )
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions"
        )
    d = wrap_dim(dim, input.ndim)
    others = [i for i in range(input.ndim) if i != d]
    norm = input.norm(p, others, True)
    factor = _C.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return input * factor.to(input.dtype)


@_export()
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    if x1.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            "X1 and X2 must have the same number of columns. X1: "
            f"{x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    for nm, t in (("X1", x1), ("X2", x2)):
        if not _is_float(t):
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {nm} got: {type_name(t.dtype)}"
            )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    diff_ = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 0:
        return (diff_ != 0).to(diff_.dtype).sum(-1)
    if p == math.inf:
        return diff_.abs().amax(-1)
    return diff_.norm(p, -1)


# ----- scans -----


def _scan_last(x, step):
    """Hillis-Steele inclusive scan along the last dim: ``step(prev, cur)`` combines the
    summary of the elements ``s`` positions back with the current one, for s = 1, 2, 4..."""
    n = x[0].shape[-1] if isinstance(x, tuple) else x.shape[-1]
    s = 1
    while s < n:
        x = step(x, s, n)
        s *= 2
    return x


def _cat_tail(head_src, tail, s):
    return _C.cat([head_src.narrow(-1, 0, s), tail], -1)


@_export(method=True)
def logcumsumexp(input, dim):
    if not _is_float(input):
        raise _not_implemented("logcumsumexp_out_cpu", input.dtype)
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return input.clone()
    x = input.movedim(d, -1)

    def step(v, s, n):
        return _cat_tail(v, v.narrow(-1, s, n - s).logaddexp(v.narrow(-1, 0, n - s)), s)

    return _scan_last(x, step).movedim(-1, d).contiguous()


def _cum_extreme(name, largest):
    cls = getattr(return_types, name)

    def f(input, dim):
        d = wrap_dim(dim, input.ndim)
        if input.ndim == 0:
            return cls(input.clone(), on_device_of(_C.zeros((), dtype=_C.int64), input))
        x = input.detach().movedim(d, -1)
        n = x.shape[-1]
        idx = on_device_of(_C.arange(0, n, 1, _C.int64), x).expand(*x.shape)

        def step(vi, s, n):
            v, i = vi
            lv, li = v.narrow(-1, 0, n - s), i.narrow(-1, 0, n - s)
            rv, ri = v.narrow(-1, s, n - s), i.narrow(-1, s, n - s)
            # ATen's running rule: a later NaN, or a later value at least as large, wins.
            better = rv >= lv if largest else rv <= lv
            if _is_float(v):
                better = rv.isnan() | (~lv.isnan() & better)
            tv, ti = _C.where(better, rv, lv), _C.where(better, ri, li)
            return _cat_tail(v, tv, s), _cat_tail(i, ti, s)

        _, i = _scan_last((x, idx), step)
        i = i.movedim(-1, d).contiguous()
        return cls(input.gather(d, i), i)

    f.__name__ = name
    return f


cummax = _export(method=True)(_cum_extreme("cummax", True))
cummin = _export(method=True)(_cum_extreme("cummin", False))


# ----- order statistics -----


@_export(method=True)
def kthvalue(input, k, dim=-1, keepdim=False):
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if input.ndim == 0:
        return return_types.kthvalue(input.clone(),
                                     on_device_of(_C.zeros((), dtype=_C.int64), input))
    order = input.detach().argsort(d, stable=True)
    i = order.narrow(d, k - 1, 1)
    v = input.gather(d, i)
    if not keepdim:
        v, i = v.squeeze(d), i.squeeze(d)
    return return_types.kthvalue(v, i)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    if input.dtype not in (_C.float32, _C.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or "
            f"nearest. Got {interpolation}"
        )
    scalar_q = not isinstance(q, Tensor)
    if scalar_q and not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    qt = on_device_of(_C.tensor([float(q)], input.dtype), input) if scalar_q else q
    if qt.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if not scalar_q and qt.dtype != input.dtype:
        raise RuntimeError(
            f"{name}() q tensor must be same dtype as the input tensor"
        )
    qv = qt.reshape(-1)
    qn = np.asarray(qv.detach().cpu().to(_C.float64))
    if ((qn < 0) | (qn > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if dim is None:
        x = input.reshape(-1)
        d = 0
    else:
        d = wrap_dim(dim, input.ndim)
        x = input if input.ndim else input.reshape(1)
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    xs = x.movedim(d, -1)
    sorted_, _ = xs.sort(-1)
    n = xs.shape[-1]
    nans = xs.isnan()
    if ignore_nan:
        valid = (~nans).sum(-1, keepdim=True).to(input.dtype)
        last = valid - 1
    else:
        last = on_device_of(_C.full((), n - 1, input.dtype), input).expand(
            *xs.shape[:-1], 1)
    # ranks: one column per q
    ranks = qv.reshape(*([1] * (xs.ndim - 1)), -1) * last.clamp(min=0)
    has_nan = nans.any(-1, keepdim=True) if not ignore_nan else (last < 0)
    ranks = _C.where(has_nan, float(n - 1), ranks)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()
    below = ranks.floor().to(_C.int64)
    above = ranks.ceil().to(_C.int64)
    vb = sorted_.gather(-1, below)
    va = sorted_.gather(-1, above)
    if interpolation == "linear":
        w = (ranks - below.to(ranks.dtype)).detach()
        r = vb + w * (va - vb)
    elif interpolation == "midpoint":
        r = vb + 0.5 * (va - vb)
    else:
        r = vb
    # r: (*rest, nq) -> (nq, *rest)
    r = r.movedim(-1, 0)
    if keepdim:
        if dim is None:
            r = r.reshape(r.shape[0], *([1] * input.ndim))
        else:
            r = r.unsqueeze(d + 1) if input.ndim else r
    if scalar_q:
        r = r.squeeze(0)
    return r


@_export(method=True)
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


@_export(method=True)
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")

