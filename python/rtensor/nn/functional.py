"""``rtensor.nn.functional``: PyTorch's functional API (signatures, defaults, errors and
warnings as ``torch.nn.functional``).

Each function is argument handling around one native primitive of ``rtensor._C`` (``_softmax``,
``_nll_loss``, ``_mse_loss``, ``_linear``, ``_embedding``, ``_activation``, ``_ctc_loss``: fused
and numerically stable) or a composition of differentiable tensor ops. The module classes in
``nn.modules`` call these functions, so every op is defined once.

NOTE [named composites]: PyTorch computes several of these ops with one fused kernel and records
one backward node named after it (``GluBackward0``, ``BinaryCrossEntropyBackward0``...), which is
what ``print(loss)`` shows in its ``grad_fn=<...>``. rtensor composes them from differentiable
ops; ``_named`` runs the composition on detached aliases of the inputs and records a single node
under PyTorch's name whose backward differentiates that inner graph. The gradient is therefore
exactly the composition's. When the backward is itself recorded (``create_graph=True``) the node
rebuilds the composition from the real inputs, so second derivatives flow to them too. The
composed function must be pure (it may run again in backward).
"""

import math
import numbers
import warnings

import numpy as np

import rtensor

from .. import _C
from .. import _memory_format as _mf
from .._C import Tensor
from ..autograd.grad_mode import enable_grad, no_grad


def _grad(outputs, inputs, grad_outputs, **kw):
    from .. import autograd

    return autograd.grad(outputs, inputs, grad_outputs, allow_unused=True, **kw)


def _named(name, fn, *args):
    """``fn(*args)`` recorded as one node called ``name``; see NOTE [named composites]."""
    diff, seen = [], set()
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad and id(a) not in seen:
            seen.add(id(a))
            diff.append(a)
    if not diff or not _C.is_grad_enabled():
        return fn(*args)
    alias = {id(t): t.detach().requires_grad_() for t in diff}
    leaves = [alias[id(t)] for t in diff]
    with enable_grad():
        out = fn(*[alias.get(id(a), a) if isinstance(a, Tensor) else a for a in args])
    if not out.requires_grad:
        return out

    def backward(g):
        if _C.is_grad_enabled():
            return tuple(_grad(fn(*args), diff, g, create_graph=True))
        return tuple(_grad(out, leaves, g, retain_graph=True))

    return _C._record_function(name, diff, [out.detach()], backward, False)[0]


def _node(name, inputs, out, backward):
    """Attaches ``out`` (computed without history) to a node called ``name``; ``backward(g)``
    returns one gradient per entry of ``inputs`` (written with differentiable ops, so that a
    recorded backward is differentiable too)."""
    pos = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not pos or not _C.is_grad_enabled():
        return out

    def bw(g):
        gs = backward(g)
        return tuple(gs[i] for i in pos)

    return _C._record_function(name, [inputs[i] for i in pos], [out], bw, False)[0]


def _scalar_name(dtype):
    """ATen's ScalarType name (``Float``, ``Long``...), as its messages print it."""
    return dtype._legacy_name[: -len("Tensor")]


def _sizes(shape):
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def _cfmt(v):
    """A double as C++'s ``operator<<`` prints it in ATen's messages (``%g``)."""
    return f"{v:g}"


def _infer_size(a, b):
    """The broadcast of two shapes, with ATen's ``infer_size`` error."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    out = [1] * n
    for i in range(n - 1, -1, -1):
        off = n - 1 - i
        sa = a[len(a) - 1 - off] if len(a) - 1 - off >= 0 else 1
        sb = b[len(b) - 1 - off] if len(b) - 1 - off >= 0 else 1
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(
                f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at "
                f"non-singleton dimension {i}"
            )
        out[i] = sb if sa == 1 else sa
    return tuple(out)


def _broadcast_tensors(a, b):
    shape = _infer_size(a.shape, b.shape)
    return (
        a if tuple(a.shape) == shape else a.expand(*shape),
        b if tuple(b.shape) == shape else b.expand(*shape),
    )


# ----- pooling -----
#
# NOTE [pooling]: every pooling op is one native table kernel (``_C._max_pool``,
# ``_C._avg_pool``, ``_C._adaptive_*``, ``_C._fractional_max_pool``, ``_C._max_unpool``; see
# src/spec/pool.rs). As in ATen, the 1-d forms run the 2-d ops on ``input.unsqueeze(-2)`` and
# squeeze the result (so their grad_fn is SqueezeBackward1), adaptive average pooling to size 1
# is a mean (MeanBackward1), and LP pooling is composed from ``avg_pool`` of ``x ** p``. This
# layer expands int arguments and checks their counts with ATen's messages.

_POOL_WORDS = {1: "one", 2: "two", 3: "three"}


def _pool_list(v):
    """An int-list argument as PyTorch's argument parser reads it (an int is one element)."""
    if v is None:
        return []
    if isinstance(v, numbers.Integral) or (isinstance(v, Tensor) and v.dim() == 0):
        return [int(v)]
    return [int(x) for x in v]


def _pool_expand(v, nd, msg, allow_empty=False, default=None):
    """ATen's ``safe_downcast``-style expansion: one value for every dim, or ``nd`` values;
    ``[]`` (stride omitted) becomes ``default``."""
    if allow_empty and not v:
        return list(default)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError(msg)
    return v


def _max_pool_args(name, nd, kernel_size, stride, padding, dilation):
    w = _POOL_WORDS[nd]
    k = _pool_expand(_pool_list(kernel_size), nd,
                     f"{name}: kernel_size must either be a single int, or a tuple of {w} ints")
    s = _pool_expand(_pool_list(stride), nd,
                     f"{name}: stride must either be omitted, a single int, or a tuple of {w} ints",
                     allow_empty=True, default=k)
    p = _pool_expand(_pool_list(padding), nd,
                     f"{name}: padding must either be a single int, or a tuple of {w} ints")
    d = _pool_expand(_pool_list(dilation), nd,
                     f"{name}: dilation must be either a single int, or a tuple of {w} ints")
    return k, s, p, d


def _max_pool_nd(input, nd, kernel_size, stride, padding, dilation, ceil_mode, indices=True):
    """(values, indices); the indices are None (and not computed) unless ``indices``."""
    k, s, p, d = _max_pool_args(f"max_pool{nd}d", nd, kernel_size, stride, padding, dilation)
    out, idx = _C._max_pool(input, nd, k, s, p, d, bool(ceil_mode), indices)
    return _mf.keep_layout(input, out), _mf.keep_layout(input, idx)


def _check1d(fn, arg, v):
    if len(v) != 1:
        raise RuntimeError(f"{fn}() argument '{arg}' should contain one int (got {len(v)})")


def _check_dim_range(fn, x, lo, hi):
    if not lo <= x.dim() < hi:
        raise RuntimeError(
            f"Expected {lo} to {hi - 1} dimensions, but got {x.dim()}-dimensional tensor for "
            f"argument #1 'self' (while checking arguments for {fn})"
        )


def _check_max_pool1d(x, k, s, p, d, ceil_mode):
    """ATen's ``check_max_pool1d`` (``max_pool1d`` without indices)."""
    sizes = list(x.shape)
    if x.dim() not in (2, 3) or any(v == 0 for v in sizes[-1:] if x.dim() == 2) or (
            x.dim() == 3 and any(v == 0 for v in sizes[1:])):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size "
            f"for input, but got:{_sizes(sizes)}"
        )
    if len(k) != 1:
        raise RuntimeError("max_pool1d() kernel_size must be an int, list of ints or tuple of "
                           f"ints of size 1 but got size {len(k)}")
    if len(s) > 1:
        raise RuntimeError("max_pool1d() stride must be None, an int, list of ints, or tuple of "
                           f"ints of size 1 but got size {len(s)}")
    if len(p) != 1:
        raise RuntimeError("max_pool1d() padding must be an int, list of ints, or tuple of ints "
                           f"of size 1 but got size {len(p)}")
    if len(d) != 1:
        raise RuntimeError("max_pool1d() dilation must be an int, list of ints or tuple of ints "
                           f"of size 1 but got size {len(d)}")
    s = s or k
    checks = [
        (k[0] > 0, f"max_pool1d() kernel_size must be greater than zero, but got {k[0]}"),
        (s[0] > 0, f"max_pool1d() stride must be greater than zero, but got {s[0]}"),
        (p[0] >= 0, f"max_pool1d() padding must be non-negative, but got {p[0]}"),
        (p[0] <= k[0] // 2, "max_pool1d() padding should be at most half of kernel size, but "
                            f"got padding={p[0]} and kernel_size={k[0]}"),
        (d[0] > 0, f"max_pool1d() dilation must be greater than zero, but got {d[0]}"),
    ]
    for ok, msg in checks:
        if not ok:
            raise RuntimeError(msg)
    n = x.shape[-1] + 2 * p[0] - d[0] * (k[0] - 1) - 1 + (s[0] - 1 if ceil_mode else 0)
    out = n // s[0] + 1
    if ceil_mode and (out - 1) * s[0] >= x.shape[-1] + p[0]:
        out -= 1
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")


def _max_pool1d_2d(input, k, s, p, d, ceil_mode, indices=True):
    out, idx = _C._max_pool(input.unsqueeze(-2), 2, [1, k[0]], [1, s[0]], [0, p[0]],
                            [1, d[0]], bool(ceil_mode), indices)
    return out.squeeze(-2), (idx.squeeze(-2) if indices else None)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    k, s, p, d = (_pool_list(v) for v in (kernel_size, stride, padding, dilation))
    s = s or k
    _check_dim_range("max_pool1d", input, 2, 4)
    for arg, v in (("kernel_size", k), ("stride", s), ("padding", p), ("dilation", d)):
        _check1d("max_pool1d", arg, v)
    return _max_pool1d_2d(input, k, s, p, d, ceil_mode)


def _max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
    k, s, p, d = (_pool_list(v) for v in (kernel_size, stride, padding, dilation))
    _check_max_pool1d(input, k, s, p, d, ceil_mode)
    return _max_pool1d_2d(input, k, s or k, p, d, ceil_mode, False)[0]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool_nd(input, 2, kernel_size, stride, padding, dilation, ceil_mode)


def _max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
    return _max_pool_nd(input, 2, kernel_size, stride, padding, dilation, ceil_mode, False)[0]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    out, idx = _max_pool_nd(input, 2, kernel_size, stride, padding, dilation, ceil_mode,
                            bool(return_indices))
    return (out, idx) if return_indices else out


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    return _max_pool_nd(input, 3, kernel_size, stride, padding, dilation, ceil_mode)


def _max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
    return _max_pool_nd(input, 3, kernel_size, stride, padding, dilation, ceil_mode, False)[0]


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    out, idx = _max_pool_nd(input, 3, kernel_size, stride, padding, dilation, ceil_mode,
                            bool(return_indices))
    return (out, idx) if return_indices else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    k, s, p = (_pool_list(v) for v in (kernel_size, stride, padding))
    s = s or k
    _check_dim_range("avg_pool1d", input, 2, 4)
    for arg, v in (("kernel_size", k), ("stride", s), ("padding", p)):
        _check1d("avg_pool1d", arg, v)
    out = _C._avg_pool(input.unsqueeze(-2), 2, [1, k[0]], [1, s[0]], [0, p[0]],
                       bool(ceil_mode), bool(count_include_pad), None)
    return out.squeeze(-2)


def _avg_pool_nd(input, nd, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override):
    w = _POOL_WORDS[nd]
    name = f"avg_pool{nd}d"
    if nd == 2:
        km = f"{name}: kernel_size must either be a single int, or a tuple of {w} ints"
        sm = f"{name}: stride must either be omitted, a single int, or a tuple of {w} ints"
        pm = f"{name}: padding must either be a single int, or a tuple of {w} ints"
    else:
        km = f"{name}: kernel_size must be a single int, or a tuple of {w} ints"
        sm = f"{name}: stride must be omitted, a single int, or a tuple of {w} ints"
        pm = f"{name}: padding must be a single int, or a tuple of {w} ints"
    k = _pool_expand(_pool_list(kernel_size), nd, km)
    s = _pool_expand(_pool_list(stride), nd, sm, allow_empty=True, default=k)
    p = _pool_expand(_pool_list(padding), nd, pm)
    div = None if divisor_override is None else int(divisor_override)
    out = _C._avg_pool(input, nd, k, s, p, bool(ceil_mode), bool(count_include_pad), div)
    return _mf.keep_layout(input, out)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool_nd(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool_nd(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


def _list_with_default(out_size, defaults):
    if isinstance(out_size, numbers.Integral):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d
            for v, d in zip(out_size, defaults[-len(out_size):], strict=False)]


def _adaptive_size(output_size, nd):
    v = _pool_list(output_size)
    return v * nd if isinstance(output_size, numbers.Integral) else v


def _adaptive_avg(input, nd, size):
    """ATen's ``adaptive_avg_pool2d/3d``: size checks, then a mean when every size is 1."""
    name = f"adaptive_avg_pool{nd}d"
    if len(size) != nd:
        raise RuntimeError(f"{name}: output_size must be {nd}")
    if any(v < 0 for v in size):
        # ATen prints the 3-d sizes as "{a, b,c}".
        shown = ", ".join(str(v) for v in size) if nd == 2 else f"{size[0]}, {size[1]},{size[2]}"
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to "
                           f"0 but received {{{shown}}}")
    if all(v == 1 for v in size):
        out = input.mean(tuple(range(-1, -nd - 1, -1)), keepdim=True)
    else:
        out = _C._adaptive_avg_pool(input, nd, size)
    return _mf.keep_layout(input, out)


def adaptive_avg_pool1d(input, output_size):
    size = _pool_list(output_size)
    _check_dim_range("adaptive_avg_pool1d", input, 2, 4)
    _check1d("adaptive_avg_pool1d", "output_size", size)
    return _adaptive_avg(input.unsqueeze(-2), 2, [1, size[0]]).squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    size = _list_with_default(output_size, list(input.shape))
    return _adaptive_avg(input, 2, _adaptive_size(size, 2))


def adaptive_avg_pool3d(input, output_size):
    size = _list_with_default(output_size, list(input.shape))
    return _adaptive_avg(input, 3, _adaptive_size(size, 3))


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    size = _pool_list(output_size)
    _check_dim_range("adaptive_max_pool1d", input, 2, 4)
    _check1d("adaptive_max_pool1d", "output_size", size)
    for i in range(1, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(
                "adaptive_max_pool1d(): Expected input to have non-zero size for non-batch "
                f"dimensions, but input has sizes {_sizes(input.shape)} with dimension {i} "
                "being empty"
            )
    out, idx = _C._adaptive_max_pool(input.unsqueeze(-2), 2, [1, size[0]], True)
    return out.squeeze(-2), idx.squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    out, idx = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    size = _list_with_default(output_size, list(input.shape))
    out, idx = _C._adaptive_max_pool(input, 2, _adaptive_size(size, 2), True)
    return _mf.keep_layout(input, out), _mf.keep_layout(input, idx)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    out, idx = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    size = _list_with_default(output_size, list(input.shape))
    out, idx = _C._adaptive_max_pool(input, 3, _adaptive_size(size, 3), True)
    return _mf.keep_layout(input, out), _mf.keep_layout(input, idx)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    out, idx = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


def _lp_pool(input, nd, norm_type, kernel_size, stride, ceil_mode, numel):
    """``F.lp_pool{1,2,3}d`` as PyTorch composes them (``numel`` is its kernel product, which
    for 2-d reads ``kernel_size`` as (kw, kh) and for 1-d takes the kernel as given)."""
    mp = {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}[nd]
    ap = {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d}[nd]
    if isinstance(norm_type, (int, float)):
        if norm_type == float("inf"):
            return mp(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -float("inf"):
            return -mp(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = ap(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = ap(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (rtensor.sign(out) * relu(rtensor.abs(out))).mul(numel).pow(1.0 / norm_type)


def _pool_tuple(v, n):
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return (v,) * n


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode, kernel_size)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kw, kh = _pool_tuple(kernel_size, 2)
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode, kw * kh)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kw, kh = _pool_tuple(kernel_size, 3)
    return _lp_pool(input, 3, norm_type, kernel_size, stride, ceil_mode, kd * kw * kh)


def _fractional(input, nd, kernel_size, output_size, output_ratio, _random_samples):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(
            f"{name} requires specifying either an output_size or an output_ratio"
        )
    if output_size is None:
        if len(output_ratio) > nd:
            raise ValueError(
                f"{name} requires output_ratio to either be a single Int or tuple of Ints."
            )
        ratio = _pool_tuple(output_ratio, nd)
        output_size = [int(input.size(d - nd) * ratio[d]) for d in range(nd)]
    if _random_samples is None:
        n_batch = 1 if input.dim() == nd + 1 else input.size(0)
        _random_samples = rtensor.rand(n_batch, input.size(-nd - 1), nd, dtype=input.dtype,
                                       device=input.device)
    k = _adaptive_size(kernel_size, nd)
    size = _adaptive_size(output_size, nd)
    return _C._fractional_max_pool(input, nd, k, size, _random_samples, True)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional(input, 2, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    out, idx = _fractional(input, 2, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    return _fractional(input, 3, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    out, idx = _fractional(input, 3, kernel_size, output_size, output_ratio, _random_samples)
    return (out, idx) if return_indices else out


def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    input_size = input.size()
    n = len(kernel_size)
    default_size = [(input_size[-n + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
                    for d in range(n)]
    if output_size is None:
        ret = default_size
    else:
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise ValueError(
                f"output_size should be a sequence containing {n} or {n + 2} elements, but it "
                f"has a length of '{len(output_size)}'"
            )
        for d in range(n):
            min_size = default_size[d] - stride[d]
            max_size = default_size[d] + stride[d]
            if not (min_size < output_size[d] < max_size):
                raise ValueError(
                    f'invalid output_size "{output_size}" (dim {d} must be between {min_size} '
                    f"and {max_size})"
                )
        ret = output_size
    for d in range(n):
        if ret[d] < 0:
            raise ValueError(
                "max_unpooling: output_size must contain non-negative spatial dimensions, but "
                f"got output_size[{d}]={ret[d]}"
            )
    return ret


def _max_unpool(input, indices, nd, kernel_size, stride, padding, output_size):
    k = _pool_tuple(kernel_size, nd)
    s = _pool_tuple(stride, nd) if stride is not None else k
    p = _pool_tuple(padding, nd)
    return _unpool_output_size(input, k, s, p, output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    size = list(_max_unpool(input, indices, 1, kernel_size, stride, padding, output_size))
    return _C._max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), 2,
                          [int(v) for v in size] + [1]).squeeze(-1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    size = _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)
    return _C._max_unpool(input, indices, 2, [int(v) for v in size])


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    size = _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)
    return _C._max_unpool(input, indices, 3, [int(v) for v in size])


# ----- reductions (torch.nn._reduction) -----


def _legacy_get_string(size_average, reduce, emit_warning=True):
    """Maps the deprecated ``size_average``/``reduce`` pair to a ``reduction`` string."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        warnings.warn(
            f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
            "instead.",
            stacklevel=3,
        )
    return ret


def _get_enum(reduction):
    """Validates ``reduction`` as ATen's ``get_enum`` does; returns the canonical string."""
    if reduction == "elementwise_mean":
        warnings.warn(
            "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
            stacklevel=3,
        )
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduction(size_average, reduce, reduction):
    if size_average is not None or reduce is not None:
        return _legacy_get_string(size_average, reduce)
    return _get_enum(reduction)


def _apply_reduction(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )


# ----- pointwise activations -----


def _act(input, name, a=0.0, b=0.0, c=0.0, inplace=False):
    return _C._activation(input, name, float(a), float(b), float(c), inplace)


def threshold(input, threshold, value, inplace=False):
    return _act(input, "threshold", threshold, value, inplace=inplace)


def threshold_(input, threshold, value):
    return _act(input, "threshold", threshold, value, inplace=True)


def relu(input, inplace=False):
    return input.relu_() if inplace else input.relu()


def relu_(input):
    return input.relu_()


def _hardtanh(input, min_val, max_val, inplace):
    if input.dtype == rtensor.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if not input.dtype.is_floating_point:
        # ATen clamps integer tensors with the limits truncated to integers.
        lo, hi = int(min_val), int(max_val)
        if input.dtype == rtensor.uint8 and (lo < 0 or hi < 0):
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
        return input.clamp_(lo, hi) if inplace else input.clamp(lo, hi)
    return _act(input, "hardtanh", min_val, max_val, inplace=inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh(input, min_val, max_val, inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return _hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    # ATen's relu6 is hardtanh(0, 6) (HardtanhBackward0).
    return _hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    return _act(input, "elu", alpha, 1.0, 1.0, inplace)


def elu_(input, alpha=1.0):
    return _act(input, "elu", alpha, 1.0, 1.0, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return _act(input, "elu", _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _act(input, "elu", alpha, 1.0, 1.0 / alpha, inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _act(input, "leaky_relu", negative_slope, inplace=inplace)


def leaky_relu_(input, negative_slope=0.01):
    return _act(input, "leaky_relu", negative_slope, inplace=True)


def prelu(input, weight):
    if input.dtype != weight.dtype:
        raise RuntimeError(
            "prelu: Type promoting not supported. Got "
            f"{_scalar_name(input.dtype)} and {_scalar_name(weight.dtype)}"
        )
    n = weight.numel()
    if n != 1:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() > 1 else 1
        if channels != n:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {n} and channel size = {channels}."
            )
    if weight.dim() > 1:
        raise RuntimeError(
            "prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
            f"{weight.dim()}"
        )

    def f(x, w):
        if x.dim() != w.dim():
            shape = [1] * x.dim()
            if x.dim() > 1:
                shape[1] = n
            w = w.reshape(shape)
        return rtensor.where(x > 0, x, w * x)

    return _named("PreluKernelBackward0", f, input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        slope = (lower + upper) / 2
        if inplace:
            return leaky_relu_(input, slope)
        return _named("RreluWithNoiseBackward0", lambda x: leaky_relu(x, slope), input)
    # ATen's training kernel walks the elements in memory order and draws one float64
    # uniform(lower, upper) for each element <= 0 (others keep slope 1): the same stream as a
    # float64 uniform_ over those elements.
    with no_grad():
        neg = input <= 0
        noise = rtensor.ones_like(input)
        count = int(neg.sum().item())
        if count:
            draws = rtensor.empty(count, dtype=rtensor.float64).uniform_(lower, upper)
            noise[neg] = draws.to(input.dtype)
    if inplace:
        return input.mul_(noise)
    return _named("RreluWithNoiseBackward0", lambda x: x * noise, input)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim + input.dim() if dim < 0 else dim
    if d < 0 or d >= input.dim():
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-input.dim()}, "
            f"{input.dim() - 1}], but got {dim})"
        )
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {d} is size {size}"
        )

    def f(x):
        a, b = x.chunk(2, d)
        return a * b.sigmoid()

    return _named("GluBackward0", f, input)


def gelu(input, approximate="none"):
    if approximate == "none":
        return _act(input, "gelu")
    if approximate == "tanh":
        return _act(input, "gelu_tanh")
    raise RuntimeError("approximate argument must be either none or tanh.")


def logsigmoid(input):
    return _act(input, "logsigmoid")


def hardshrink(input, lambd=0.5):
    return _act(input, "hardshrink", lambd)


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(
            f"lambda must be greater or equal to 0, but found to be {_cfmt(lambd)}."
        )
    return _act(input, "softshrink", lambd)


def tanhshrink(input):
    return input - input.tanh()


def softsign(input):
    return input / (input.abs() + 1)


def softplus(input, beta=1, threshold=20):
    return _act(input, "softplus", beta, threshold)


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def hardsigmoid(input, inplace=False):
    return _act(input, "hardsigmoid", inplace=inplace)


def hardswish(input, inplace=False):
    return _act(input, "hardswish", inplace=inplace)


def silu(input, inplace=False):
    return _act(input, "silu", inplace=inplace)


def mish(input, inplace=False):
    return _act(input, "mish", inplace=inplace)


# ----- softmax family -----


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax(input, dim, dtype, log):
    if dtype is not None:
        input = input.to(dtype)
    return _C._softmax(input, dim, log)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return _softmax(input, dim, dtype, False)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return _softmax(-input, dim, dtype, False)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _softmax(input, dim, dtype, True)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -rtensor.empty_like(logits).exponential_().log()  # ~Gumbel(0, 1)
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    # Straight through: one-hot values, the soft sample's gradient.
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = rtensor.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# ----- linear maps and embeddings -----


def linear(input, weight, bias=None):
    if weight.dim() == 2:
        return _C._linear(input, weight, bias)
    # A 1-d weight maps (*, in) to (*): ATen's matmul path.
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def bilinear(input1, input2, weight, bias=None):
    if input1.dim() != input2.dim():
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}"
        )
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(
                "bilinear(): input batch dimensions do not match: got "
                f"{input1.shape[i]} and {input2.shape[i]}"
            )
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, got {weight.dim()}")
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(
            "bilinear(): input1 size does not match weight size: got "
            f"{input1.shape[-1]} but expected {in1}"
        )
    if input2.shape[-1] != in2:
        raise RuntimeError(
            "bilinear(): input2 size does not match weight size: got "
            f"{input2.shape[-1]} but expected {in2}"
        )
    if bias is not None and bias.shape[0] != out_f:
        raise RuntimeError(
            "bilinear(): bias size does not match weight size: got "
            f"{bias.shape[0]} but expected {out_f}"
        )
    batch = tuple(input1.shape[:-1])

    def f(x1, x2, w):
        # y[b, o] = sum_ij x1[b, i] w[o, i, j] x2[b, j]
        a = x1.reshape(-1, in1).matmul(w.permute(1, 0, 2).reshape(in1, out_f * in2))
        y = (a.reshape(-1, out_f, in2) * x2.reshape(-1, 1, in2)).sum(-1)
        return y.reshape(batch + (out_f,))

    out = _named("TrilinearBackward0", f, input1, input2, weight)
    return out if bias is None else out + bias


def _embedding_renorm_(weight, input, max_norm, norm_type):
    """ATen's ``embedding_renorm_``: each distinct looked-up row whose ``norm_type``-norm
    exceeds ``max_norm`` is scaled in place by ``max_norm / (norm + 1e-7)``."""
    with no_grad():
        rows = np.unique(np.asarray(input.detach().reshape(-1).numpy(), dtype=np.int64))
        if rows.size == 0:
            return
        if rows.min() < 0 or rows.max() >= weight.shape[0]:
            raise IndexError("index out of range in self")
        idx = rtensor.tensor(rows.tolist(), dtype=rtensor.int64)
        w = weight.detach()
        sel = w.index_select(0, idx)
        norms = sel.norm(norm_type, 1).double().numpy()
        big = norms > max_norm
        if not big.any():
            return
        scale = np.where(big, max_norm / (norms + 1e-7), 1.0)
        w[idx] = sel * rtensor.tensor(scale.tolist(), dtype=w.dtype).unsqueeze(1)


def _check_padding_idx(padding_idx, num):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < num, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
        padding_idx = num + padding_idx
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    # sparse=True: rtensor has no sparse tensors; the gradient is the equivalent dense one.
    padding_idx = _check_padding_idx(padding_idx, weight.shape[0])
    if max_norm is not None:
        input = input.contiguous()
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return _C._embedding(weight, input, padding_idx, bool(scale_grad_by_freq))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    if weight.dtype == rtensor.int64 and input.is_floating_point():
        warnings.warn(
            "Argument order of nn.functional.embedding_bag was changed. Usage "
            "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
            "`embedding_bag(input, weight, ...)`.",
            stacklevel=2,
        )
        weight, input = input, weight
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
            f"then it must have the same shape as the input ({input.shape})"
        )
    if weight.dim() != 2:
        raise ValueError(
            f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}"
        )
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets)}"
            )
        starts = list(range(0, input.numel(), input.shape[1])) if input.shape[1] else (
            [0] * input.shape[0])
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = [int(v) for v in offsets.tolist()]
    else:
        raise ValueError(
            f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}"
        )
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        _embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub."
        )
    n = input.numel()
    if starts and starts[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {starts[0]}"
        )
    if starts and starts[-1] > n:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {n}, but got offsets[-1] of "
            f"{starts[-1]}"
        )
    if any(b < a for a, b in zip(starts, starts[1:])):
        raise RuntimeError("embedding_bag: offsets must be non-decreasing")
    if include_last_offset:
        if not starts:
            raise RuntimeError("include_last_offset: number of offsets should be at least 1")
        bounds = starts
    else:
        bounds = starts + [n]
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(
                f"padding_idx must be within the number of embeddings, -{num} through "
                f"{num - 1}, but got {padding_idx}"
            )
        padding_idx = padding_idx % num
    bags = len(bounds) - 1
    dim = weight.shape[1]
    # Each looked-up position's bag; positions holding padding_idx take part in no bag.
    bag_of = np.repeat(np.arange(bags), np.diff(np.asarray(bounds, dtype=np.int64)))
    flat = np.asarray(input.reshape(-1).tolist(), dtype=np.int64)[: len(bag_of)]
    keep = np.ones(len(bag_of), dtype=bool) if padding_idx is None else flat != padding_idx
    pos = rtensor.tensor(np.nonzero(keep)[0].tolist(), dtype=rtensor.int64)
    ids = rtensor.tensor(bag_of[keep].tolist(), dtype=rtensor.int64)
    counts = np.bincount(bag_of[keep], minlength=bags)

    def f(w, psw):
        rows = _C._embedding(w, input, None, bool(scale_grad_by_freq))
        if psw is not None:
            rows = rows * psw.unsqueeze(1)
        rows = rows.index_select(0, pos)
        if mode != "max":
            out = rtensor.zeros(bags, dim, dtype=w.dtype).index_add(0, ids, rows)
            if mode == "mean":
                denom = rtensor.tensor(np.maximum(counts, 1).tolist(), dtype=w.dtype)
                out = out / denom.unsqueeze(1)
            return out
        # max: per bag (an empty bag gives zeros, as in PyTorch).
        start = np.concatenate([[0], np.cumsum(counts)])
        out = [rows.narrow(0, int(start[b]), int(counts[b])).max(0)[0] if counts[b] else
               rtensor.zeros(dim, dtype=w.dtype) for b in range(bags)]
        return rtensor.stack(out) if out else rtensor.zeros(0, dim, dtype=w.dtype)

    return _named("EmbeddingBagBackward0", f, weight, per_sample_weights)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype != rtensor.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    shape = tuple(tensor.shape)
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return rtensor.zeros(shape + (num_classes,), dtype=rtensor.int64)
    if int(tensor.min().item()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    top = int(tensor.max().item())
    if num_classes == -1:
        num_classes = top + 1
    elif num_classes <= top:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = rtensor.zeros(shape + (num_classes,), dtype=rtensor.int64)
    return out.scatter_(-1, tensor.unsqueeze(-1), 1)


# ----- padding -----


def _pad_index(size, lo, hi, mode):
    """Source position of every output position along one reflect/replicate-padded dim
    (a negative width crops)."""
    i = np.arange(size + lo + hi) - lo
    if mode == "reflect":
        i = np.abs(i)
        i = np.where(i >= size, 2 * (size - 1) - i, i)
    else:
        i = np.clip(i, 0, size - 1)
    return i


def _aten_slice(start, end, size):
    """The bounds of ATen's ``slice(dim, start, end)`` (negative bounds wrap once, then clamp)."""
    start = start + size if start < 0 else start
    end = end + size if end < 0 else end
    start = min(max(start, 0), size)
    return start, min(max(end, start), size)


def _circular_index(size, lo, hi, dim):
    """Source positions of one circularly padded dim, as ATen's ``_pad_circular`` fills it:
    the (cropped) input is copied to the middle, then the left pad is copied from the end of
    what is there and the right pad from its start (so negative widths crop first). A position
    ATen leaves unwritten (possible only with mixed negative widths: uninitialised memory
    there) reads element 0 here."""
    out = size + lo + hi
    idx = np.zeros(out, dtype=np.int64)
    o0, o1 = _aten_slice(max(lo, 0), out - max(hi, 0), out)
    i0, i1 = _aten_slice(max(-lo, 0), size - max(-hi, 0), size)
    if o1 - o0 != i1 - i0 and i1 - i0 != 1:
        raise RuntimeError(f"The size of tensor a ({o1 - o0}) must match the size of tensor b "
                           f"({i1 - i0}) at non-singleton dimension {dim}")
    idx[o0:o1] = np.arange(i0, i1) if o1 - o0 == i1 - i0 else i0
    if lo > 0:
        s0, s1 = _aten_slice(out - lo - max(hi, 0), out - max(hi, 0), out)
        idx[0:lo] = idx[s0:s1]
    if hi > 0:
        s0, s1 = _aten_slice(max(lo, 0), max(lo, 0) + hi, out)
        idx[out - hi:] = idx[s0:s1]
    return idx


def _pad_dim(x, d, lo, hi, mode):
    """One dim reflect/replicate/circular-padded from slices of ``x`` (views) and one ``cat``:
    the values of ``_pad_index`` (reflect, replicate) or of ATen's circular fill for widths in
    [0, size]; a negative width crops the middle part only, the padded parts still read the
    whole input, as ATen's index arithmetic does."""
    size = x.shape[d]
    core = x.narrow(d, max(-lo, 0), size - max(-lo, 0) - max(-hi, 0))
    parts = [core]
    if lo > 0:
        if mode == "reflect":
            parts.insert(0, x.narrow(d, 1, lo).flip(d))
        elif mode == "replicate":
            parts.insert(0, x.narrow(d, 0, 1).expand(*_with(x.shape, d, lo)))
        else:
            parts.insert(0, x.narrow(d, size - lo, lo))
    if hi > 0:
        if mode == "reflect":
            parts.append(x.narrow(d, size - 1 - hi, hi).flip(d))
        elif mode == "replicate":
            parts.append(x.narrow(d, size - 1, 1).expand(*_with(x.shape, d, hi)))
        else:
            parts.append(x.narrow(d, 0, hi))
    return rtensor.cat(parts, d) if len(parts) > 1 else core.clone()


def _with(shape, d, n):
    shape = list(shape)
    shape[d] = n
    return shape


def _constant_pad(x, pad, value):
    out = x
    for k in range(len(pad) // 2):
        d = x.dim() - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        if lo < 0:
            out = out.narrow(d, -lo, out.shape[d] + lo)
        if hi < 0:
            out = out.narrow(d, 0, out.shape[d] + hi)
        parts = []
        for width in (lo, hi):
            if width > 0:
                shape = list(out.shape)
                shape[d] = width
                parts.append(rtensor.full(shape, value, dtype=x.dtype, device=x.device))
            else:
                parts.append(None)
        if parts[0] is not None or parts[1] is not None:
            out = rtensor.cat([p for p in (parts[0], out, parts[1]) if p is not None], d)
    return out.clone() if out is x else out


_PAD_SIZES = (
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
)


def _pad_checks(input, pad, mode):
    """ATen's checks of reflection_pad*/replication_pad*/_pad_circular, in its order."""
    ndim, k = input.dim(), len(pad) // 2
    shape = list(input.shape)
    if mode == "circular":
        for d in range(ndim - k, ndim):  # outer padded dim first
            j = ndim - 1 - d
            lo, hi, size = pad[2 * j], pad[2 * j + 1], shape[d]
            if lo > size or hi > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if size + lo + hi < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        return
    batched = ndim == k + 2
    if any(s == 0 for s in shape[1 if batched else 0:]):
        raise RuntimeError(
            f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {_sizes(shape)}")
    kind = "reflection" if mode == "reflect" else "replication"
    if input.dtype == rtensor.bool:
        raise NotImplementedError(f"\"{kind}_pad{k}d\" not implemented for 'Bool'")
    if mode == "reflect":
        for j in range(k):
            d = ndim - 1 - j
            lo, hi, size = pad[2 * j], pad[2 * j + 1], shape[d]
            if not (lo < size and hi < size):
                raise RuntimeError(
                    f"Argument #{4 + 2 * j}: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                    f"{_sizes(shape)}")
    out = list(shape)
    for j in range(k):
        out[ndim - 1 - j] += pad[2 * j] + pad[2 * j + 1]
    if k == 1 and out[-1] < 1:
        raise RuntimeError(f"input (W: {shape[-1]}) is too small. Calculated output W: {out[-1]}")
    bad = [s for s in out if s < 0]
    if bad:
        if k == 2 and mode == "reflect":
            raise RuntimeError("numel: integer multiplication overflow")
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {bad[0]}: {_sizes(out)}")


def pad(input, pad, mode="constant", value=None):
    pad = list(pad)
    for pos, p in enumerate(pad):
        if not isinstance(p, numbers.Integral):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found "
                            f"element of type {type(p).__name__} at pos {pos}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pad = [int(p) for p in pad]
    ndim = input.dim()
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > ndim * 2:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension "
            f"but got padding length {len(pad)} and input of dimension {ndim}"
        )
    if mode == "constant":
        # ATen's constant_pad_nd narrows each cropped dim first (outer dims first, the left
        # width before the right one); a crop past the size is narrow's error
        for d in range(ndim - len(pad) // 2, ndim):
            j = ndim - 1 - d
            size = input.shape[d]
            if pad[2 * j] < 0:
                size += pad[2 * j]
                if size < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")
            if pad[2 * j + 1] < 0 and size + pad[2 * j + 1] < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
        fill = 0.0 if value is None else value
        return _named("ConstantPadNdBackward0", lambda x: _constant_pad(x, pad, fill), input)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pad) // 2
    if k not in (1, 2, 3) or ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {ndim}D input tensor.\n" + _PAD_SIZES)
    _pad_checks(input, pad, mode)
    crops = [input.shape[ndim - 1 - j] - max(-pad[2 * j], 0) - max(-pad[2 * j + 1], 0)
             for j in range(k)]
    if (mode == "circular" and min(pad) < 0) or min(crops) < 0:
        # negative circular widths follow ATen's copy order (_circular_index); crops past the
        # middle are read by index
        index = []
        for j in range(k):
            d, lo, hi = ndim - 1 - j, pad[2 * j], pad[2 * j + 1]
            idx = (_circular_index(input.shape[d], lo, hi, d + (ndim == k + 1))
                   if mode == "circular" else _pad_index(input.shape[d], lo, hi, mode))
            index.append(rtensor.tensor(idx.tolist(), dtype=rtensor.int64, device=input.device))

        def f(x):
            for j in range(k):
                x = x.index_select(ndim - 1 - j, index[j])
            return x
    else:
        def f(x):
            for j in range(k):
                x = _pad_dim(x, ndim - 1 - j, pad[2 * j], pad[2 * j + 1], mode)
            return x

    if mode == "circular":
        # ATen fills a new tensor by slice copies: PyTorch's node is CopySlices
        return _named("CopySlices", f, input)
    kind = "ReflectionPad" if mode == "reflect" else "ReplicationPad"
    return _named(f"{kind}{k}DBackward0", f, input)


# ----- resampling and reshaping (in _interpolate.py and _resample.py) -----

from . import _interpolate, _resample  # noqa: E402

affine_grid = _resample.affine_grid
channel_shuffle = _resample.channel_shuffle
fold = _resample.fold
grid_sample = _resample.grid_sample
interpolate = _interpolate.interpolate
native_channel_shuffle = _resample.native_channel_shuffle
pdist = _resample.pdist
pixel_shuffle = _resample.pixel_shuffle
pixel_unshuffle = _resample.pixel_unshuffle
unfold = _resample.unfold
upsample = _interpolate.upsample
upsample_bilinear = _interpolate.upsample_bilinear
upsample_nearest = _interpolate.upsample_nearest


# ----- convolution -----
#
# NOTE [native convolution]: conv1d/2d/3d and conv_transpose1d/2d/3d make ATen's argument checks
# here (its texts and order: ``_convolution_mode``, ``_convolution``, ``check_shape_forward``,
# ``slow_conv_transpose{2,3}d_shape_check``) and then call the one native op,
# ``_C._convolution`` (src/ops/conv.rs: im2col + GEMM kernels on the CPU, a composition of
# views, ``matmul`` and ``index_add_`` elsewhere), which records ``ConvolutionBackward0`` with a
# native backward that is itself differentiable (NOTE [convolution double backward] in
# src/autograd/ops_conv.rs).


def _conv_param(value, name, nd, k):
    """A stride/padding/dilation as ``k`` ints (ATen's ``expand_param_if_needed``)."""
    v = [int(value)] * nd if isinstance(value, numbers.Integral) else [int(x) for x in value]
    if len(v) == 1:
        return v * k
    if len(v) != k:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {k} values to match "
            f"the convolution dimensions, but got {name}={_sizes(v)}"
        )
    return v


# caffe2's TypeMeta names, as ATen's bias-type message prints them.
_TYPEMETA_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
    "uint8": "unsigned char", "bool": "bool",
}


def _typemeta(dtype):
    name = str(dtype).removeprefix("rtensor.")
    return _TYPEMETA_NAMES.get(name, name)


def _conv_checks(x, weight, bias, stride, padding, dilation, groups, nd, output_padding=None):
    """ATen's argument checks in its order (``_convolution_mode``, ``_convolution``,
    ``check_shape_forward``); returns stride, dilation and the (left, right) padding per dim
    (and the output padding for a transposed convolution: ``output_padding`` not None)."""
    transposed = output_padding is not None
    if isinstance(padding, str):
        raw = [int(stride)] * nd if isinstance(stride, numbers.Integral) else list(stride)
        if padding == "same" and any(s != 1 for s in raw):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    if bias is not None and bias.dtype != x.dtype:
        raise RuntimeError(
            f"Input type ({_typemeta(x.dtype)}) and bias type ({_typemeta(bias.dtype)}) "
            f"should be the same"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    k = weight.dim() - 2
    if k <= 0:
        raise RuntimeError("weight should have at least three dimensions")
    stride = _conv_param(stride, "stride", nd, k)
    dilation = _conv_param(dilation, "dilation", nd, k)
    ksize = [int(s) for s in weight.shape[2:]]
    if padding == "valid":
        pads = [(0, 0)] * k
    elif padding == "same":
        pads = []
        for d, ks in zip(dilation, ksize):
            total = d * (ks - 1)
            pads.append((total // 2, total - total // 2))
    else:
        pads = [(p, p) for p in _conv_param(padding, "padding", nd, k)]
    if transposed:
        output_padding = _conv_param(output_padding, "output_padding", nd, k)
    if any(lo < 0 for lo, _ in pads):
        raise RuntimeError("negative padding is not supported")
    if transposed and any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if not transposed and any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    ws = [int(s) for s in weight.shape]
    if weight.dim() != x.dim():
        raise RuntimeError(
            f"Expected {weight.dim()}-dimensional input for {weight.dim()}-dimensional weight "
            f"{_sizes(ws)}, but got {x.dim()}-dimensional input of size {_sizes(x.shape)} instead"
        )
    if ws[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
            f"but got weight of size {_sizes(ws)} instead"
        )
    if ws[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{_sizes(ws)}] instead"
        )
    if transposed:
        if x.shape[1] != ws[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {_sizes(ws)}, expected input"
                f"{_sizes(x.shape)} to have {ws[0]} channels, but got {x.shape[1]} "
                f"channels instead"
            )
        if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[1] * groups):
            raise RuntimeError(
                f"Given transposed=1, weight of size {_sizes(ws)}, expected bias to be "
                f"1-dimensional with {ws[1] * groups} elements, but got bias of size "
                f"{_sizes(bias.shape)} instead"
            )
    else:
        if x.shape[1] != ws[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {_sizes(ws)}, expected input"
                f"{_sizes(x.shape)} to have {ws[1] * groups} channels, but got {x.shape[1]} "
                f"channels instead"
            )
        if bias is not None and (bias.dim() != 1 or bias.shape[0] != ws[0]):
            raise RuntimeError(
                f"Given weight of size {_sizes(ws)}, expected bias to be 1-dimensional with "
                f"{ws[0]} elements, but got bias of size {_sizes(bias.shape)} instead"
            )
        spans = [d * (ks - 1) + 1 for d, ks in zip(dilation, ksize)]
        padded = [x.shape[2 + i] + lo + hi for i, (lo, hi) in enumerate(pads)]
        if any(p < s for p, s in zip(padded, spans)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, spans))}). Kernel size can't be greater "
                f"than actual input size"
            )
    if weight.dtype != x.dtype:
        if x.dtype == rtensor.float32 and not transposed:
            raise RuntimeError(
                f"Input type (torch.{x.dtype._legacy_name}) and weight type "
                f"(torch.{weight.dtype._legacy_name}) should be the same or input should be a "
                f"MKLDNN tensor and weight is a dense tensor"
            )
        raise RuntimeError(
            f"expected scalar type {_scalar_name(x.dtype)} but found "
            f"{_scalar_name(weight.dtype)}"
        )
    if transposed:
        _conv_transpose_shape_check(x, ws, stride, [lo for lo, _ in pads], dilation,
                                    output_padding)
        return stride, dilation, pads, output_padding
    return stride, dilation, pads


def _conv_transpose_shape_check(x, ws, stride, padding, dilation, output_padding):
    """ATen's ``slow_conv_transpose{2,3}d_shape_check`` (a 1-d one runs as 2-d with a unit
    height)."""
    k = len(ws) - 2
    names = ["height", "width"] if k <= 2 else ["depth", "height", "width"]
    lead = 1 if k == 1 else 0  # 1-d: the unit height ATen adds

    def full(v, fill):
        return [fill] * lead + list(v)

    op, st, dl = full(output_padding, 0), full(stride, 1), full(dilation, 1)
    if any(d <= 0 for d in dl):
        raise RuntimeError("dilation should be greater than zero, but got " + ", ".join(
            f"dilation_{n}: {v}" for n, v in zip(names, dl)))
    if not all(o < s or o < d for o, s, d in zip(op, st, dl)):
        parts = ([f"output_padding_{n}: {v}" for n, v in zip(names, op)]
                 + [f"stride_{n}: {v}" for n, v in zip(names, st)]
                 + [f"dilation_{n}: {v}" for n, v in zip(names, dl)])
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(parts)
        )
    ins = [int(s) for s in x.shape[2:]]
    outs = [(i - 1) * s - 2 * p + d * (kk - 1) + 1 + o
            for i, s, p, d, kk, o in zip(ins, stride, padding, dilation, ws[2:], output_padding)]
    if any(o < 1 for o in outs):
        ins, outs = full(ins, 1), full(outs, 1)
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, ins))}). Calculated output "
            f"size per channel: ({' x '.join(map(str, outs))}). Output size is too small"
        )


def _conv_layout(x, weight):
    """ATen's CPU convolution writes channels-last output when the input or the weight is
    channels-last."""
    fmt = _mf.suggest_memory_format(x)
    return fmt if fmt is not _mf.contiguous_format else _mf.suggest_memory_format(weight)


def _conv(input, weight, bias, stride, padding, dilation, groups, nd):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{nd}d, but got "
            f"input of size: {_sizes(input.shape)}"
        )
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    stride, dilation, pads = _conv_checks(x, weight, bias, stride, padding, dilation, groups, nd)
    # As ATen's 'same': an uneven padding is the extra right part padded first, then the
    # convolution pads both sides equally.
    if any(hi != lo for lo, hi in pads):
        x = pad(x, [p for lo, hi in reversed(pads) for p in (0, hi - lo)])
    sym = [lo for lo, _ in pads]
    out = _C._convolution(x, weight, bias, stride, sym, dilation, False, [0] * len(sym), groups)
    return out.squeeze(0) if unbatched else _mf.keep_layout(x, out, _conv_layout(x, weight))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    name = f"conv_transpose{nd}d"
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
            f"input of size: {_sizes(input.shape)}"
        )
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    stride, dilation, pads, output_padding = _conv_checks(
        x, weight, bias, stride, padding, dilation, groups, nd, output_padding)
    out = _C._convolution(x, weight, bias, stride, [lo for lo, _ in pads], dilation, True,
                          output_padding, groups)
    return out.squeeze(0) if unbatched else _mf.keep_layout(x, out, _conv_layout(x, weight))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3)


# ----- normalization -----


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    if out is None:
        return input / denom
    with no_grad():
        out._set_data(input / denom)
    return out


def _verify_batch_size(size):
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}"
        )


def _verify_spatial_size(size):
    prod = 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {size}"
        )


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """The native batch norm (``_C._batch_norm``, NativeBatchNormBackward0): batch statistics
    in training (updating the running statistics in place: momentum, unbiased variance),
    running statistics in evaluation."""
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.numel() == 0:
        # ATen's empty-input path: the checks (the native op leaves the running statistics of
        # an empty batch alone), then a clone scaled by the parameters (CloneBackward0).
        def d(t):
            return None if t is None else t.detach()

        if input.dim() >= 2:
            # (ATen reads the channel count of an empty 1-d input out of bounds and goes on
            # without checks; it returns the clone below.)
            _C._batch_norm(input.detach(), d(weight), d(bias), running_mean, running_var,
                           training, momentum, eps)
        out = input.clone()
        if weight is not None:
            out = out * weight[0]
        if bias is not None:
            out = out + bias[0]
        return out
    out = _C._batch_norm(input, weight, bias, running_mean, running_var, training, momentum,
                         eps)
    return _mf.keep_layout(input, out)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """ATen's ``instance_norm``: batch norm of the input viewed as ``(1, N*C, *)`` with the
    parameters and statistics repeated per sample; the running statistics become the mean
    over the samples of the updated copies."""
    if use_input_stats:
        _verify_spatial_size(input.size())
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError(
            "Expected running_mean and running_var to be defined when use_input_stats is false"
        )
    b, c = input.shape[0], input.shape[1]
    x = input.contiguous().view([1, b * c] + list(input.shape[2:]))

    def rep(t):
        return None if t is None else t.repeat(b)

    rm, rv = rep(running_mean), rep(running_var)
    out = _C._batch_norm(x, rep(weight), rep(bias), rm, rv, use_input_stats, momentum, eps)
    with no_grad():
        if running_mean is not None:
            running_mean.copy_(rm.view(b, c).mean(0))
        if running_var is not None:
            running_var.copy_(rv.view(b, c).mean(0))
    return out.view(list(input.shape))


def _normalized_dims(input, normalized_shape, weight, bias, shape_sep=", "):
    """The trailing dims ``normalized_shape`` names, with ATen's checks. ``shape_sep`` follows
    the ``*`` of the expected shape in the mismatch message (layer_norm prints ``[*, 4]``,
    rms_norm ``[*4]``)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else (
        tuple(int(s) for s in normalized_shape))
    if len(shape) < 1:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
            f"least one element, but got normalized_shape = {_sizes(shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {_sizes(t.shape)} and normalized_shape = {_sizes(shape)}"
            )
    if input.dim() < len(shape) or tuple(input.shape[input.dim() - len(shape):]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={_sizes(shape)}, expected input with shape [*"
            + shape_sep + ", ".join(str(s) for s in shape)
            + f"], but got input of size{_sizes(input.shape)}"
        )
    return tuple(range(input.dim() - len(shape), input.dim()))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    dims = _normalized_dims(input, normalized_shape, weight, bias)

    def f(x, w, b):
        mean = x.mean(dims, keepdim=True)
        xc = x - mean
        y = xc * ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
        if w is not None:
            y = y * w
        if b is not None:
            y = y + b
        return y

    return _named("NativeLayerNormBackward0", f, input, weight, bias)


_EPS = {"float32": 1.1920928955078125e-07, "float64": 2.220446049250313e-16,
        "float16": 0.0009765625, "bfloat16": 0.0078125}


def rms_norm(input, normalized_shape, weight=None, eps=None):
    dims = _normalized_dims(input, normalized_shape, weight, None, shape_sep="")
    if eps is None:
        eps = _EPS.get(str(input.dtype).split(".")[-1], _EPS["float32"])
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.dim()}"
        )
    _verify_batch_size(
        [input.shape[0] * input.shape[1] // num_groups, num_groups] + list(input.shape[2:])
    )
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {_sizes(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {_sizes(t.shape)} and input of shape "
                f"{_sizes(input.shape)}"
            )
    shape = [1, c] + [1] * (input.dim() - 2)

    # Each (sample, group) is one channel of a batch norm over a (1, N*G, rest) view.
    rest = (c // num_groups) * math.prod(input.shape[2:])

    def f(x, w, b):
        xg = x.reshape(1, n * num_groups, rest)
        y = _C._batch_norm(xg, None, None, None, None, True, 0.0, eps).reshape(list(x.shape))
        if w is not None:
            y = y * w.reshape(shape)
        if b is not None:
            y = y + b.reshape(shape)
        return y

    return _named("NativeGroupNormBackward0", f, input, weight, bias)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    dim = input.dim()
    if dim < 3:
        raise ValueError(
            # (PyTorch's message keeps the run of spaces from its source's line break.)
            f"Expected 3D or higher dimensionality                          input (got {dim} "
            "dimensions)"
        )
    if input.numel() == 0:
        return input
    c = input.shape[1]
    # The mean of x^2 over a window of `size` channels, zero-padded (average pooling that
    # counts the padding, as PyTorch's avg_pool does by default).
    sq = pad(input * input, [0, 0] * (dim - 2) + [size // 2, (size - 1) // 2])
    div = sq.narrow(1, 0, c)
    for j in range(1, size):
        div = div + sq.narrow(1, j, c)
    div = (div / size * alpha + k) ** beta
    return input / div


# ----- dropout -----


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


_SELU_NEG = 1.7580993408473766  # -SELU(-inf): the value alpha dropout drops to


def _dropout_impl(input, p, train, inplace, feature=False, alpha=False):
    """ATen's ``_dropout_impl`` (the CPU path): a Bernoulli(1 - p) mask drawn with
    ``bernoulli_`` in memory order, then scaled (``div_(1 - p)``) or, for alpha dropout,
    turned into an affine map that keeps SELU's mean and variance."""
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        zero = rtensor.zeros((), dtype=input.dtype, device=input.device)
        return input.mul_(zero) if inplace else input * zero
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = [input.shape[0], input.shape[1]] + [1] * (input.dim() - 2)
        noise = rtensor.empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p)
    else:
        # empty_like keeps the input's strides (and device: the GPU draws the CPU generator's
        # numbers), so the draws follow its memory order, as ATen's (a transposed input gets a
        # transposed mask).
        noise = rtensor.empty_like(input).bernoulli_(1 - p)
    if alpha:
        a = 1.0 / math.sqrt((_SELU_NEG * _SELU_NEG * p + 1) * (1 - p))
        b = noise.add(-1).mul_(_SELU_NEG * a).add_(_SELU_NEG * a * p)
        noise.mul_(a)
        out = input.mul_(noise) if inplace else input * noise
        return out.add_(b) if inplace else out + b
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input * noise


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=True, alpha=True)


def _feature_dropout_unbatched(input, p, training, inplace, batched):
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _dropout_impl(input, p, training, inplace, feature=True)
    if not batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


def dropout1d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    return _feature_dropout_unbatched(input, p, training, inplace, input.dim() == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {d}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if d == 3:
        # PyTorch keeps the historical 1-d behaviour for 3-d input (issue 77081).
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret "
            "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
            "the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _dropout_impl(input, p, training, inplace, feature=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {d}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            "and an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2,
        )
    return _feature_dropout_unbatched(input, p, training, inplace, d == 5)


# ----- attention -----
# NOTE [attention paths]: ATen picks a backend for scaled_dot_product_attention. On the CPU it is
# the fused flash kernel (``_scaled_dot_product_flash_attention_for_cpu``) when q, k, v are 4-d
# with equal batch, head and head sizes (or grouped heads with enable_gqa), unit last strides,
# non-empty sequences, no dropout and a mask that is absent, 2-d or 4-d; otherwise the "math"
# composition (``_scaled_dot_product_attention_math``). Both give the same numbers; they differ
# in two observable ways, both kept here: the flash kernel applies an explicit mask *and*
# is_causal together while the math path refuses the pair, and the math path draws dropout with
# ``at::dropout`` on the attention matrix. Rows whose keys are all masked give zeros on both
# (``_safe_softmax``), not NaN. rtensor follows the same choice: the flash path on CPU
# float32/float64 is the fused native ``_C._sdpa_flash`` (src/ops/attention.rs, NOTE [fused
# attention]; its node is PyTorch's ScaledDotProductFlashAttentionForCpuBackward0 and, as
# there, it has no second derivative), and so is GPU float32 (shaders/attention.wgsl, same node);
# the math path and half types run the composition below.


def _sdpa_validate(query, key, value, attn_mask):
    """ATen's ``validate_sdpa_input``."""
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_typemeta(query.dtype)} key.dtype: {_typemeta(key.dtype)} and value.dtype: "
            f"{_typemeta(value.dtype)} instead."
        )
    if not (query.device == key.device == value.device):
        raise RuntimeError(
            "Expected query, key, and value to have the same device type, but got "
            f"query.device: {query.device} key.device: {key.device} and value.device: "
            f"{value.device} instead."
        )
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} instead."
        )
    if attn_mask is not None and attn_mask.dtype not in (rtensor.bool, rtensor.float32,
                                                         query.dtype):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
            f"attn_mask.dtype: {_typemeta(attn_mask.dtype)} and  query.dtype: "
            f"{_typemeta(query.dtype)} instead."
        )


def _sdpa_flash_eligible(query, key, value, attn_mask, dropout_p, enable_gqa):
    """ATen's ``use_flash_attention_cpp`` (see NOTE [attention paths])."""
    if dropout_p != 0.0 or query.dim() != 4 or key.dim() != 4 or value.dim() != 4:
        return False
    if query.dtype not in (rtensor.float32, rtensor.float64, rtensor.float16, rtensor.bfloat16):
        return False
    if not (query.shape[0] == key.shape[0] == value.shape[0]):
        return False
    hq, hk, hv = query.shape[1], key.shape[1], value.shape[1]
    if not (hq == hk == hv):
        if not (enable_gqa and hk == hv and hq % hk == 0):
            return False
    if attn_mask is not None and attn_mask.dim() not in (2, 4):
        return False
    if not (query.shape[-1] == key.shape[-1] == value.shape[-1]):
        return False
    if 0 in (query.shape[-2], key.shape[-2]):
        return False
    return all(t.stride(-1) == 1 for t in (query, key, value))


def _safe_softmax(x, dim):
    """ATen's ``_safe_softmax``: a row whose entries are all -inf gives zeros, not NaN."""
    dead = (x == float("-inf")).all(dim, keepdim=True)
    if not bool(dead.any()):
        return softmax(x, dim)
    # The dead rows are zeroed before the softmax too, so that their gradient is 0, not NaN.
    return softmax(x.masked_fill(dead, 0.0), dim).masked_fill(dead, 0.0)


def _gqa_expand(query, key, value, enable_gqa):
    """ATen's ``pre_process_group_query_attention_input``."""
    if not enable_gqa:
        return key, value
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq == hk == hv:
        return key, value
    if hq % hk != 0 or hq % hv != 0:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    return _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hv)


def _repeat_heads(t, rep):
    """``t.repeat_interleave(rep, -3)``: each head ``rep`` times in a row."""
    shape = list(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-2], rep, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * rep, *shape[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v, with ATen's checks and its choice between the flash and
    the math formulation (NOTE [attention paths]); a boolean mask is True where attending."""
    _sdpa_validate(query, key, value, attn_mask)
    flash = _sdpa_flash_eligible(query, key, value, attn_mask, dropout_p, enable_gqa)
    if is_causal and attn_mask is not None and not flash:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True"
        )
    if dropout_p < 0.0 or dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p:g}")
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    key, value = _gqa_expand(query, key, value, enable_gqa)
    bias = None
    if attn_mask is not None:
        if attn_mask.dtype == rtensor.bool:
            bias = rtensor.zeros(attn_mask.shape, dtype=query.dtype, device=query.device)
            bias = bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            bias = attn_mask
    scores = (*query.shape[:-1], key.shape[-2])
    if bias is not None:
        _infer_size(scores, bias.shape)  # ATen's message (last dims compared first)
    fused = (rtensor.float32, rtensor.float64) if query.device.type == "cpu" else (rtensor.float32,)
    if (flash and query.dtype in fused
            and (bias is None or not bias.requires_grad)
            and (bias is None or _infer_size(scores, bias.shape) == scores)):
        # The fused kernel (src/ops/attention.rs, CPU or GPU): no L x S matrix, its own backward.
        if bias is not None:
            bias = bias.to(query.dtype).expand(*scores)
        return _C._sdpa_flash(query, key, value, bias, is_causal, factor)
    attn = query.matmul(key.transpose(-2, -1)) * factor
    if is_causal:
        length, source = query.shape[-2], key.shape[-2]
        allowed = rtensor.ones(length, source, dtype=rtensor.bool, device=query.device).tril()
        causal = rtensor.zeros(length, source, dtype=query.dtype, device=query.device)
        causal = causal.masked_fill(allowed.logical_not(), float("-inf"))
        bias = causal if bias is None else bias + causal
    if bias is not None:
        attn = attn + bias
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        attn = _dropout_impl(attn, dropout_p, True, False)
    return attn.matmul(value)


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A boolean mask (True = masked) becomes an additive float mask of ``target_type``."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype != rtensor.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type "
            "for both instead.",
            stacklevel=2,
        )
    if not is_float:
        mask = rtensor.zeros_like(mask, dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the input is batched, with PyTorch's AssertionErrors for other ranks."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                f"found {key_padding_mask.dim()}-D tensor instead"
            )
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                f"found {attn_mask.dim()}-D tensor instead"
            )
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.dim()}-D and {value.dim()}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                f"but found {key_padding_mask.dim()}-D tensor instead"
            )
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                    f"but found {attn_mask.dim()}-D tensor instead"
                )
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(
                        f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
                    )
        return False
    raise AssertionError(
        "query should be unbatched 2D or batched 3D tensor but received "
        f"{query.dim()}-D query tensor"
    )


def _in_projection_packed(q, k, v, w, b=None):
    """q, k, v projected by the rows of one packed (3E, E) weight (one GEMM when q is k is v)."""
    e = q.size(-1)
    if k is v:
        if q is k:
            proj = linear(q, w, b)
            proj = proj.unflatten(-1, (3, e)).unsqueeze(0).transpose(0, -2).squeeze(-2)
            proj = proj.contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([e, e * 2])
        b_q, b_kv = (None, None) if b is None else b.split([e, e * 2])
        kv = linear(k, w_kv, b_kv)
        kv = kv.unflatten(-1, (2, e)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        return linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    eq, ek, ev = q.size(-1), k.size(-1), v.size(-1)
    for what, w, shape in (("query", w_q, (eq, eq)), ("key", w_k, (eq, ek)),
                           ("value", w_v, (eq, ev))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {what} weights shape of {shape}, but got {w.shape}")
    for what, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (eq,):
            raise AssertionError(f"expecting {what} bias shape of {(eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """PyTorch's ``multi_head_attention_forward`` (its checks and messages, in its order): inputs
    are (L, N, E) (or unbatched (L, E)); with ``need_weights`` the weights are computed
    explicitly, otherwise the heads go through ``scaled_dot_product_attention``."""
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        # The mask is causal: scaled_dot_product_attention builds it itself.
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                f"{value.shape[:2]}"
            )
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight,
                                 b_q, b_k, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            correct = (tgt_len, src_len)
            if tuple(attn_mask.shape) != correct:
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {correct}."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            correct = (bsz * num_heads, tgt_len, src_len)
            if tuple(attn_mask.shape) != correct:
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be {correct}."
                )
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = rtensor.cat([k, bias_k.repeat(1, bsz, 1)])
        v = rtensor.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _static_heads(k, static_k, "static_k", bsz * num_heads, head_dim)
    v = _static_heads(v, static_v, "static_v", bsz * num_heads, head_dim)

    if add_zero_attn:
        zeros = (bsz * num_heads, 1, head_dim)
        k = rtensor.cat([k, rtensor.zeros(zeros, dtype=k.dtype, device=k.device)], dim=1)
        v = rtensor.cat([v, rtensor.zeros(zeros, dtype=v.dtype, device=v.device)], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.size(1)

    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(
                f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                f"{key_padding_mask.shape[0]}"
            )
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(
                f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                f"{key_padding_mask.shape[1]}"
            )
        key_padding_mask = (key_padding_mask.view(bsz, 1, 1, src_len)
                            .expand(-1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len))
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(q.shape[-1]))
        if is_causal and attn_mask is None:
            # PyTorch's own check and text (torch/nn/functional.py), kept for fidelity.
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = rtensor.baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = rtensor.bmm(q_scaled, k.transpose(-2, -1))
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = rtensor.bmm(weights, v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.size(1))
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out = out.squeeze(1)
            weights = weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.size(1))
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _static_heads(t, static, name, heads, head_dim):
    """k or v split into heads, or the caller's pre-split ``static_k``/``static_v``."""
    if static is None:
        return t.view(t.shape[0], heads, head_dim).transpose(0, 1)
    if static.size(0) != heads:
        raise AssertionError(f"expecting {name}.size(0) of {heads}, but got {static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.size(2)}")
    return static


# ----- distances -----


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    d = max(x1.dim(), x2.dim()) - 1
    return _named("NormBackward1", lambda a, b: (a - b + eps).norm(p, d, keepdim), x1, x2)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    x1, x2 = _broadcast_tensors(x1, x2)
    if not x1.dtype.is_floating_point:
        x1 = x1.to(rtensor.get_default_dtype())
    if not x2.dtype.is_floating_point:
        x2 = x2.to(rtensor.get_default_dtype())
    # ATen divides each input by its own norm first (keeps the result in [-1, 1]); the norms
    # are clamped to eps in place under no_grad, so the gradient is that of the unclamped
    # norms.
    n1 = x1.norm(2, dim, keepdim=True).clone()
    n2 = x2.norm(2, dim, keepdim=True).clone()
    with no_grad():
        n1.clamp_(min=eps)
        n2.clamp_(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


# ----- losses -----


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    return _C._nll_loss(input, target, weight, reduction, ignore_index)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``: PyTorch's
    reference path. A weight of shape (C, d_1, ..., d_K, in_features) gives K-dimensional
    logits (N, C, d_1, ..., d_K). ``options`` (PyTorch's chunked path) is not supported."""
    if options is not None:
        raise NotImplementedError("linear_cross_entropy: the chunked path (options=...) is not "
                                  "supported; pass options=None")
    if linear_weight.ndim == 2:
        logits = linear(input, linear_weight, linear_bias)
    else:
        out_shape = list(linear_weight.shape[:-1])
        logits = input.matmul(linear_weight.reshape(-1, linear_weight.shape[-1]).t())
        logits = logits.reshape(*input.shape[:-1], *out_shape)
        if linear_bias is not None:
            logits = logits + linear_bias
    return cross_entropy(logits, target, weight, ignore_index=-100 if ignore_index is None
                         else ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    class_dim = 0 if input.dim() == 1 else 1
    if tuple(input.shape) == tuple(target.shape):
        return _cross_entropy_probs(input, target, weight, reduction, ignore_index,
                                    label_smoothing, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(
                "label_smoothing must be between 0.0 and 1.0. Got: " + _cfmt(label_smoothing)
            )
        return _cross_entropy_smoothed(input, target, weight, reduction, ignore_index,
                                       label_smoothing, class_dim)
    return _C._nll_loss(log_softmax(input, class_dim), target, weight, reduction, ignore_index)


def _class_view(weight, ndim, class_dim):
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.reshape(shape)


def _cross_entropy_probs(input, target, weight, reduction, ignore_index, smoothing,
                         class_dim):
    """Class-probability targets (ATen's ``cross_entropy_loss_prob_target``); the mean
    divides by the number of samples, not by their weights."""
    if not target.dtype.is_floating_point:
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, got "
            + _scalar_name(target.dtype)
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    c = input.shape[class_dim]
    if weight is not None and (weight.dim() != 1 or weight.numel() != c):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {c} classes or no "
            f"classes but got weight tensor of shape: {_sizes(weight.shape)}"
        )
    logp = log_softmax(input, class_dim)
    if smoothing > 0.0:
        if smoothing > 1.0:
            raise RuntimeError(
                "label_smoothing must be between 0.0 and 1.0. Got: " + _cfmt(smoothing)
            )
        target = target * (1 - smoothing) + smoothing / c
    prod = logp * target
    if weight is not None:
        prod = prod * _class_view(weight, input.dim(), class_dim)
    if reduction == "mean":
        if input.numel() == 0:
            return -prod.sum() * float("nan")
        return -prod.sum() / (input.numel() // c)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(class_dim)


def _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, smoothing,
                            class_dim):
    """Class-index targets with label smoothing (ATen's
    ``cross_entropy_loss_label_smoothing``)."""
    logp = log_softmax(input, class_dim)
    nll = _C._nll_loss(logp, target, weight, reduction, ignore_index)
    c = logp.shape[class_dim]
    ignore = target == ignore_index
    if weight is not None:
        smooth = -(logp * _class_view(weight, logp.dim(), class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        if weight is not None:
            kept = target.masked_select(~ignore).reshape(-1)
            ret = smooth.sum() / weight.gather(0, kept).sum()
        else:
            ret = smooth.sum() / (~ignore).sum()
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return (1 - smoothing) * nll + ret * (smoothing / c)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _C._mse_loss(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _apply_reduction((input - target).abs(), reduction)


# ATen's `constexpr float EPSILON = 1e-12`, as the float it is.
_BCE_EPS = float(np.float32(1e-12))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        weight = weight.expand(*_infer_size(target.shape, weight.shape))
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"binary_cross_entropy\" not implemented for '{_scalar_name(input.dtype)}'"
        )
    with no_grad():
        for v, what in ((input, "input"), (target, "target")):
            if v.numel() and not bool(((v >= 0) & (v <= 1)).all()):
                raise RuntimeError(f"all elements of {what} should be between 0 and 1")
        # PyTorch clamps each log at -100, so a probability of exactly 0 or 1 gives a finite
        # loss.
        loss = (target - 1) * (-input).log1p().clamp(min=-100) - target * input.log().clamp(
            min=-100)
        if weight is not None:
            loss = loss * weight
        out = _apply_reduction(loss, reduction)

    def backward(g):
        # ATen's formulas: d/dx = w (x - y) / max((1 - x) x, EPSILON), d/dy = -w logit(x).
        n = input.numel() if reduction == "mean" else 1
        gx = g * (input - target) / ((1 - input) * input).clamp(min=_BCE_EPS)
        gy = g * ((-input).log1p() - input.log())
        if weight is not None:
            gx, gy = gx * weight, gy * weight
        return gx / n, gy / n, None

    return _node("BinaryCrossEntropyBackward0", [input, target, weight], out, backward)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({target.size()}) must be the same as input size ({input.size()})"
        )

    def f(x, t, w, pw):
        # Stable: log-sigmoid never overflows, so large logits give exact losses.
        ls = logsigmoid(x)
        if pw is not None:
            ls = ls * ((pw - 1) * t + 1)
        loss = (1 - t) * x - ls
        if w is not None:
            loss = loss * w
        return _apply_reduction(loss, reduction)

    return _named("BinaryCrossEntropyWithLogitsBackward0", f, input, target, weight, pos_weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")

    def f(x, t):
        d = (x - t).abs()
        return _apply_reduction(rtensor.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta),
                                reduction)

    return _named("SmoothL1LossBackward0", f, *_broadcast_tensors(input, target))


def huber_loss(input, target, reduction="mean", delta=1.0):
    _warn_size(input, target)
    reduction = _get_enum(reduction)
    if not delta > 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")

    def f(x, t):
        d = (x - t).abs()
        return _apply_reduction(
            rtensor.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)

    return _named("HuberLossBackward0", f, *_broadcast_tensors(input, target))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        enum = _legacy_get_string(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the "
                "support size.'batchmean' divides only by the batch size, and aligns with the "
                "KL div math definition.'mean' will be changed to behave the same as "
                "'batchmean' in the next major release.",
                stacklevel=2,
            )
        enum = "sum" if reduction == "batchmean" else _get_enum(reduction)
    if not input.dtype.is_floating_point or not target.dtype.is_floating_point:
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        out = target.exp() * (target - input)
    else:
        # xlogy(target, target): 0 where target == 0.
        safe = rtensor.where(target == 0, rtensor.ones((), dtype=target.dtype), target)
        out = target * safe.log() - target * input
    reduced = _apply_reduction(out, enum)
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.shape[0]
    return reduced


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        # Stirling's approximation of log(target!), kept only where target > 1.
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _apply_reduction(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if isinstance(var, numbers.Real):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * rtensor.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            # Homoscedastic: one variance per sample, broadcast over the last dim.
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply_reduction(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    return _apply_reduction((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    zeros = rtensor.zeros_like(input)
    margin_clamp = (margin - input).clamp(min=0)
    out = rtensor.where(target != 1, margin_clamp, zeros) + rtensor.where(
        target != -1, input, zeros)
    return _apply_reduction(out, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    # ATen's formula as written, log(1 + exp(-y x)).
    return _named("SoftMarginLossBackward0",
                  lambda x, t: _apply_reduction(((-x * t).exp() + 1).log(), reduction),
                  input, target)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


_EPSILON = 1e-12


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and input1.dim() != 2:
        raise RuntimeError(
            "1D target tensor expects 2D input tensors, but found inputs with sizes "
            f"{_sizes(input1.shape)} and {_sizes(input2.shape)}."
        )
    if td == 0 and input1.dim() != 1:
        raise RuntimeError(
            "0D target tensor expects 1D input tensors, but found inputs with sizes "
            f"{_sizes(input1.shape)} and {_sizes(input2.shape)}."
        )
    prod = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + _EPSILON
    mag2 = (input2 * input2).sum(td) + _EPSILON
    cos = prod / (mag1 * mag2).sqrt()
    zeros = rtensor.zeros_like(cos)
    out = rtensor.where(target == 1, 1 - cos, zeros) + rtensor.where(
        target == -1, (cos - margin).clamp(min=0), zeros)
    return _apply_reduction(out, reduction)


def _check_long(target):
    if target.dtype != rtensor.int64:
        raise RuntimeError(f"expected scalar type Long but found {_scalar_name(target.dtype)}")


def _margin_shape(input):
    nd = input.dim()
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{_sizes(input.shape)}"
        )
    nframe = 1 if nd <= 1 else input.shape[0]
    dim = 1 if nd == 0 else input.shape[nd - 1]
    return nframe, dim


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    nframe, dim = _margin_shape(input)
    if target.dim() > 1 or target.numel() != nframe:
        raise RuntimeError(
            f"inconsistent target size, expected {nframe} but got {_sizes(target.shape)}"
        )
    if weight is not None and weight.numel() != dim:
        raise RuntimeError(
            f"inconsistent weight size, expected {dim} but got {_sizes(weight.shape)}"
        )
    _check_long(target)
    tv = target.reshape(-1).tolist()
    if any(t < 0 or t >= dim for t in tv):
        raise RuntimeError("target out of range")
    y = rtensor.tensor(tv, dtype=rtensor.int64).reshape(nframe, 1)
    others = rtensor.ones(nframe, dim, dtype=input.dtype).scatter_(1, y, 0.0)

    def f(x, w):
        x2 = x.reshape(nframe, dim)
        z = (margin - x2.gather(1, y) + x2).clamp(min=0)
        h = z if p == 1 else z * z
        if w is not None:
            h = h * w.gather(0, y.reshape(-1)).reshape(nframe, 1)
        loss = (h * others).sum(1) / dim
        if reduction == "none":
            return loss if target.dim() > 0 else loss.reshape(())
        return loss.sum() / nframe if reduction == "mean" else loss.sum()

    return _named("MultiMarginLossBackward0", f, input, weight)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    nframe, dim = _margin_shape(input)
    nd = input.dim()
    if nd <= 1:
        ok = target.dim() <= 1 and target.numel() == dim
    else:
        ok = target.dim() == 2 and tuple(target.shape) == (nframe, dim)
    if not ok:
        raise RuntimeError(
            f"inconsistent target size: {_sizes(target.shape)} for input of size: "
            f"{_sizes(input.shape)}"
        )
    _check_long(target)
    # Per sample: how often each class is listed before the first -1 (ATen loops over the
    # listed targets, so a repeated class counts again), and which classes are targets.
    rows = np.asarray(target.reshape(nframe, dim).tolist(), dtype=np.int64).reshape(nframe, dim)
    counts = np.zeros((nframe, dim))
    for i in range(nframe):
        for t in rows[i]:
            if t < 0:
                break
            if t >= dim:
                raise RuntimeError("target out of range")
            counts[i, t] += 1
    listed = rtensor.tensor(counts.tolist(), dtype=input.dtype)
    is_target = rtensor.tensor((counts > 0).tolist())
    pair = listed.unsqueeze(2) * (~is_target).to(input.dtype).unsqueeze(1)

    def f(x):
        x2 = x.reshape(nframe, dim)
        z = (1 - x2.unsqueeze(2) + x2.unsqueeze(1)).clamp(min=0)
        loss = (z * pair).sum((1, 2)) / dim
        if reduction == "none":
            return loss if nd > 1 else loss.reshape(())
        return loss.sum() / nframe if reduction == "mean" else loss.sum()

    return _named("MultilabelMarginLossBackward0", f, input)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd == nd):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs"
        )
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = rtensor.minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _apply_reduction((margin + dist_pos - dist_neg).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd == nd):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs"
        )
    dist = pairwise_distance if distance_function is None else distance_function
    dist_pos = dist(anchor, positive)
    dist_neg = dist(anchor, negative)
    if swap:
        dist_neg = rtensor.minimum(dist_neg, dist(positive, negative))
    return _apply_reduction((margin + dist_pos - dist_neg).clamp(min=0), reduction)


def _lengths(v, what):
    if isinstance(v, Tensor):
        if v.dtype.is_floating_point:
            raise RuntimeError(f"{what} must be integral")
        return [int(x) for x in v.reshape(-1).tolist()]
    if isinstance(v, numbers.Integral):
        return [int(v)]
    return [int(x) for x in v]


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    reduction = _get_enum(reduction)
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    res = _C._ctc_loss(lp, targets, il, tl, blank, zero_infinity)
    if reduction == "mean":
        lengths = rtensor.tensor(tl, dtype=res.dtype, device=res.device).clamp(min=1)
        return (res / lengths).mean()
    if reduction == "sum":
        return res.sum()
    return res if batched else res.squeeze(0)
