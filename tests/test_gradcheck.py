"""Gradients of every differentiable op (issue "Autograd graph in Rust").

Oracles: float64 central finite differences (``rtensor.autograd.gradcheck``, which perturbs each
input element in place so transposed and step-sliced inputs are checked as they are), and closed
forms where finite differences cannot decide (ties of max/min, second derivatives).

One line per op, as tinygrad's ``helper_test_op``: ``op(id, shapes, fn, **options)``; every case
runs on contiguous inputs and again on non-contiguous ones (transposed views for 2-d and up,
step-sliced views for 1-d).
"""

import numpy as np
import pytest
import rtensor as torch
from rtensor.autograd import gradcheck, gradgradcheck
from rtensor.autograd.gradcheck import GradcheckError

F64 = torch.float64


def t(data, dtype=None):
    return torch.tensor(data, dtype=dtype)


def make_input(spec, layout, rng, low, high):
    """A float64 leaf requiring grad from a shape (random values in [low, high)) or from
    explicit values; ``layout='noncontig'`` gives the same values through a non-contiguous
    view."""
    a = np.asarray(spec, dtype=np.float64) if isinstance(spec, np.ndarray) else (
        rng.uniform(low, high, size=spec))
    x = torch.tensor(a, dtype=F64)
    if layout == "noncontig" and a.ndim >= 2:
        rev = tuple(reversed(range(a.ndim)))
        x = torch.tensor(np.ascontiguousarray(a.transpose(rev)), dtype=F64).permute(*rev)
    if layout == "noncontig" and a.ndim >= 1 and x.is_contiguous() and a.size > 1:
        # step-sliced along the longest dim (transposing dims of size 1 stays contiguous)
        d = int(np.argmax(a.shape))
        shape = list(a.shape)
        shape[d] *= 2
        base = torch.zeros(*shape, dtype=F64)
        sl = tuple(slice(None, None, 2) if i == d else slice(None) for i in range(a.ndim))
        base[sl] = x
        x = base[sl]
    return x.requires_grad_()


def helper_test_op(shapes, fn, layout, low=-2.0, high=2.0, atol=1e-5, rtol=1e-3, eps=1e-6,
                   gradgrad=False, seed=0):
    rng = np.random.default_rng(seed)
    xs = [make_input(s, layout, rng, low, high) for s in shapes]
    if layout == "noncontig":
        assert all(not x.is_contiguous() for x in xs if x.numel() > 1)
    assert gradcheck(fn, xs, eps=eps, atol=atol, rtol=rtol)
    if gradgrad:
        assert gradgradcheck(fn, xs, eps=eps, atol=atol, rtol=rtol)


def op(name, shapes, fn, **kw):
    return pytest.param(shapes, fn, kw, id=name)


def arr(*v):
    return np.array(v, dtype=np.float64)


POS = dict(low=0.5, high=2.0)
UNIT = dict(low=-0.9, high=0.9)

IDX = t([0, 2])
DUP = t([2, 0, 2, 2])
MASK = t([[True, False, True, False], [False, False, True, True], [True, True, False, False]])

ELEMENTWISE = [
    op("neg", [(3, 4)], lambda x: -x),
    op("abs", [(3, 4)], lambda x: x.abs()),
    op("sign", [(3, 4)], lambda x: x.sign()),
    op("exp", [(3, 4)], lambda x: x.exp()),
    op("exp2", [(3, 4)], lambda x: x.exp2()),
    op("expm1", [(3, 4)], lambda x: x.expm1()),
    op("log", [(3, 4)], lambda x: x.log(), **POS),
    op("log2", [(3, 4)], lambda x: x.log2(), **POS),
    op("log10", [(3, 4)], lambda x: x.log10(), **POS),
    op("log1p", [(3, 4)], lambda x: x.log1p(), **POS),
    op("sqrt", [(3, 4)], lambda x: x.sqrt(), **POS),
    op("rsqrt", [(3, 4)], lambda x: x.rsqrt(), **POS),
    op("sin", [(3, 4)], lambda x: x.sin()),
    op("cos", [(3, 4)], lambda x: x.cos()),
    op("tan", [(3, 4)], lambda x: x.tan(), low=-1.2, high=1.2),
    op("asin", [(3, 4)], lambda x: x.asin(), **UNIT),
    op("acos", [(3, 4)], lambda x: x.acos(), **UNIT),
    op("atan", [(3, 4)], lambda x: x.atan()),
    op("asinh", [(3, 4)], lambda x: x.asinh()),
    op("acosh", [(3, 4)], lambda x: x.acosh(), low=1.2, high=4.0),
    op("atanh", [(3, 4)], lambda x: x.atanh(), **UNIT),
    op("sinh", [(3, 4)], lambda x: x.sinh()),
    op("cosh", [(3, 4)], lambda x: x.cosh()),
    op("tanh", [(3, 4)], lambda x: x.tanh()),
    op("sigmoid", [(3, 4)], lambda x: x.sigmoid()),
    op("relu", [(3, 4)], lambda x: x.relu()),
    op("floor", [(3, 4)], lambda x: x.floor()),
    op("ceil", [(3, 4)], lambda x: x.ceil()),
    op("round", [(3, 4)], lambda x: x.round()),
    op("trunc", [(3, 4)], lambda x: x.trunc()),
    op("frac", [(3, 4)], lambda x: x.frac()),
    op("reciprocal", [(3, 4)], lambda x: x.reciprocal(), **POS),
    op("square", [(3, 4)], lambda x: x.square()),
    op("fn_exp", [(3, 4)], lambda x: torch.exp(x)),
    op("fn_tanh", [(2, 3, 2)], lambda x: torch.tanh(x)),
    op("add", [(3, 4), (3, 4)], lambda x, y: x + y),
    op("add_alpha", [(3, 4), (3, 4)], lambda x, y: x.add(y, alpha=-2.5)),
    op("sub", [(3, 4), (3, 4)], lambda x, y: x - y),
    op("sub_alpha", [(3, 4), (4,)], lambda x, y: torch.sub(x, y, alpha=3)),
    op("mul", [(3, 4), (3, 4)], lambda x, y: x * y),
    op("div", [(3, 4), (3, 4)], lambda x, y: x / y, **POS),
    op("pow_tensor", [(3, 4), (3, 4)], lambda x, y: x ** y, **POS),
    op("atan2", [(3, 4), (3, 4)], lambda x, y: torch.atan2(x, y)),
    op("minimum", [(3, 4), (3, 4)], lambda x, y: torch.minimum(x, y)),
    op("maximum", [(3, 4), (3, 4)], lambda x, y: torch.maximum(x, y)),
    op("max_binary", [(3, 4), (3, 4)], lambda x, y: x.max(y)),
    op("remainder", [(3, 4), (3, 4)], lambda x, y: x % y, **POS),
    op("fmod", [(3, 4), (3, 4)], lambda x, y: torch.fmod(x, y), **POS),
    op("div_floor", [(3, 4), (3, 4)], lambda x, y: x.div(y, rounding_mode="floor"), **POS),
    op("div_trunc", [(3, 4), (3, 4)], lambda x, y: x.div(y, rounding_mode="trunc"), **POS),
    op("lerp", [(3, 4), (3, 4)], lambda x, y: x.lerp(y, 0.3)),
    # broadcasting: each gradient is summed back to its input's shape
    op("add_bcast_row", [(3, 4), (4,)], lambda x, y: x + y),
    op("add_bcast_col", [(3, 1), (1, 4)], lambda x, y: x + y),
    op("sub_bcast_3d", [(2, 3, 4), (3, 1)], lambda x, y: x - y),
    op("mul_bcast_0d", [(3, 4), ()], lambda x, y: x * y),
    op("mul_bcast_lead", [(4,), (2, 3, 4)], lambda x, y: x * y),
    op("div_bcast", [(3, 1), (2, 1, 4)], lambda x, y: x / y, **POS),
    op("pow_bcast", [(3, 4), (4,)], lambda x, y: x ** y, **POS),
    op("atan2_bcast", [(3, 4), (1, 4)], lambda x, y: torch.atan2(x, y)),
    op("maximum_bcast", [(3, 4), (4,)], lambda x, y: torch.maximum(x, y)),
    op("minimum_bcast", [(3, 1), (4,)], lambda x, y: torch.minimum(x, y)),
    op("remainder_bcast", [(3, 4), (4,)], lambda x, y: torch.remainder(x, y), **POS),
    op("where_bcast", [(3, 4), (4,)], lambda x, y: torch.where(MASK, x, y)),
    # scalar operands and reflected forms
    op("add_scalar", [(3, 4)], lambda x: x + 2),
    op("radd_scalar", [(3, 4)], lambda x: 2.5 + x),
    op("sub_scalar", [(3, 4)], lambda x: x - 2),
    op("rsub_scalar", [(3, 4)], lambda x: 2 - x),
    op("mul_scalar", [(3, 4)], lambda x: x * 3),
    op("rmul_scalar", [(3, 4)], lambda x: -1.5 * x),
    op("div_scalar", [(3, 4)], lambda x: x / 4),
    op("rdiv_scalar", [(3, 4)], lambda x: 2 / x, **POS),
    op("pow_2", [(3, 4)], lambda x: x ** 2),
    op("pow_3", [(3, 4)], lambda x: x ** 3),
    op("pow_0", [(3, 4)], lambda x: x ** 0),
    op("pow_1", [(3, 4)], lambda x: x ** 1),
    op("pow_half", [(3, 4)], lambda x: x ** 0.5, **POS),
    op("pow_neg", [(3, 4)], lambda x: x ** -1.5, **POS),
    op("pow_method", [(3, 4)], lambda x: x.pow(2.5), **POS),
    op("rpow", [(3, 4)], lambda x: 2 ** x),
    op("rpow_float", [(3, 4)], lambda x: 0.7 ** x),
    op("pow_int_tensor_exp", [(3, 1)], lambda x: x.pow(t([1, 2, 3]))),
    op("remainder_scalar", [(3, 4)], lambda x: x % 0.7),
    op("fmod_scalar", [(3, 4)], lambda x: torch.fmod(x, 0.7)),
    op("maximum_0d", [(3, 4)], lambda x: torch.maximum(x, t(0.1, F64))),
    op("atan2_scalar_tensor", [(3, 4)], lambda x: torch.atan2(t(0.5, F64), x)),
    op("mixed_chain", [(3, 4), (4,)], lambda x, y: ((x * y).sin() + x / (1 + y * y)).exp()),
    op("same_input_twice", [(3, 4)], lambda x: x * x + x),
    op("clamp_scalar", [(3, 4)], lambda x: x.clamp(-0.5, 0.5)),
    op("clamp_min", [(3, 4)], lambda x: x.clamp(min=0.2)),
    op("clamp_max", [(3, 4)], lambda x: torch.clamp(x, max=-0.1)),
    op("clip", [(3, 4)], lambda x: x.clip(-1, 1)),
    op("clamp_tensor", [(3, 4), (3, 4), (4,)], lambda x, lo, hi: x.clamp(lo - 1, hi + 1)),
    op("clamp_tensor_min", [(3, 4), (1, 4)], lambda x, lo: torch.clamp(x, min=lo)),
    op("clamp_tensor_max", [(3, 4), (3, 1)], lambda x, hi: torch.clamp(x, max=hi)),
    op("where", [(3, 4), (3, 4)], lambda x, y: torch.where(x > y, x, y)),
    op("where_scalar", [(3, 4)], lambda x: torch.where(x > 0, x, 0.0)),
    op("where_method", [(3, 4), (3, 4)], lambda x, y: x.where(MASK, y)),
    op("clone", [(3, 4)], lambda x: x.clone()),
    op("contiguous", [(3, 4)], lambda x: x.contiguous() * 1),
    op("to_float64", [(3, 4)], lambda x: x.to(F64) * 2),
    op("to_copy", [(3, 4)], lambda x: x.to(F64, copy=True)),
]

REDUCTIONS = [
    op("sum", [(3, 4)], lambda x: x.sum()),
    op("sum_dim", [(3, 4)], lambda x: x.sum(1)),
    op("sum_dims", [(2, 3, 4)], lambda x: x.sum((0, 2))),
    op("sum_neg_dim_keep", [(2, 3, 4)], lambda x: x.sum(-1, keepdim=True)),
    op("sum_0d", [()], lambda x: x.sum()),
    op("fn_sum", [(3, 4)], lambda x: torch.sum(x, dim=0)),
    op("nansum", [(3, 4)], lambda x: x.nansum(1)),
    op("mean", [(3, 4)], lambda x: x.mean()),
    op("mean_dim", [(3, 4)], lambda x: x.mean(0)),
    op("mean_dims_keep", [(2, 3, 4)], lambda x: x.mean((1, 2), keepdim=True)),
    op("prod", [(3, 4)], lambda x: x.prod()),
    op("prod_dim", [(3, 4)], lambda x: x.prod(1)),
    op("prod_dim_keep", [(2, 3, 4)], lambda x: x.prod(0, keepdim=True)),
    op("prod_one_zero", [arr(1.5, 0.0, -2.0, 0.5)], lambda x: x.prod()),
    op("prod_two_zeros", [arr(1.5, 0.0, -2.0, 0.0)], lambda x: x.prod()),
    op("prod_dim_zeros", [np.array([[1.5, 0.0, -2.0], [0.0, 0.0, 3.0], [1.0, 2.0, 0.5]])],
       lambda x: x.prod(1)),
    op("prod_dim0_zeros", [np.array([[1.5, 0.0, -2.0], [0.0, 0.0, 3.0], [1.0, 2.0, 0.5]])],
       lambda x: x.prod(0)),
    op("max_all", [(3, 4)], lambda x: x.max()),
    op("min_all", [(3, 4)], lambda x: x.min()),
    op("max_dim", [(3, 4)], lambda x: x.max(1).values),
    op("max_dim_keep", [(3, 4)], lambda x: x.max(0, keepdim=True)[0]),
    op("min_dim", [(3, 4)], lambda x: x.min(0)[0]),
    op("min_dim_neg", [(2, 3, 4)], lambda x: torch.min(x, -1).values),
    op("amax", [(3, 4)], lambda x: x.amax(1)),
    op("amin", [(3, 4)], lambda x: x.amin(0)),
    op("amax_dims", [(2, 3, 4)], lambda x: x.amax((0, 2), keepdim=True)),
    op("amax_all", [(3, 4)], lambda x: x.amax()),
    # two-way ties: central differences see 1/2 on each tied element, which is what
    # spreading evenly gives (more-way ties are checked against closed forms below)
    op("amax_tie2", [np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 1.0, 0.0, 2.0]])],
       lambda x: x.amax(1)),
    op("max_all_tie2", [np.array([[1.0, 3.0], [3.0, 0.0]])], lambda x: x.max()),
    op("maximum_tie", [arr(1.0, 2.0, 3.0), arr(1.0, 0.0, 3.0)], lambda x, y: torch.maximum(x, y)),
    op("minimum_tie", [arr(1.0, 2.0, 3.0), arr(1.0, 0.0, 3.0)], lambda x, y: torch.minimum(x, y)),
    op("var", [(3, 4)], lambda x: x.var()),
    op("var_dim", [(3, 4)], lambda x: x.var(1)),
    op("var_correction0", [(3, 4)], lambda x: x.var(0, correction=0)),
    op("var_correction2_keep", [(3, 4)], lambda x: x.var(1, keepdim=True, correction=2)),
    op("var_unbiased_false", [(3, 4)], lambda x: x.var(unbiased=False)),
    op("std", [(3, 4)], lambda x: x.std()),
    op("std_dim", [(3, 4)], lambda x: x.std(0)),
    op("std_correction0", [(2, 3, 4)], lambda x: x.std((0, 2), correction=0)),
    op("std_keep", [(3, 4)], lambda x: torch.std(x, 1, keepdim=True)),
    op("norm", [(3, 4)], lambda x: x.norm()),
    op("norm_fro", [(3, 4)], lambda x: x.norm("fro")),
    op("norm_p1", [(3, 4)], lambda x: x.norm(1)),
    op("norm_p2_dim", [(3, 4)], lambda x: x.norm(2, dim=1)),
    op("norm_inf", [(3, 4)], lambda x: x.norm(float("inf"))),
    op("norm_inf_dim", [(3, 4)], lambda x: x.norm(float("inf"), dim=0)),
    op("norm_neg_inf", [(3, 4)], lambda x: x.norm(float("-inf"), dim=1)),
    op("norm_p3", [(3, 4)], lambda x: x.norm(3)),
    op("norm_p3_dim_keep", [(3, 4)], lambda x: x.norm(3, dim=1, keepdim=True)),
    op("norm_p1_5", [(3, 4)], lambda x: x.norm(1.5, dim=0)),
    op("logsumexp", [(3, 4)], lambda x: x.logsumexp(1)),
    op("logsumexp_dims", [(2, 3, 4)], lambda x: torch.logsumexp(x, (0, 2))),
    op("logsumexp_keep", [(3, 4)], lambda x: x.logsumexp(0, keepdim=True)),
    op("cumsum", [(3, 4)], lambda x: x.cumsum(1)),
    op("cumsum_dim0", [(3, 4)], lambda x: x.cumsum(0)),
    op("cumsum_1d", [(5,)], lambda x: torch.cumsum(x, 0)),
    op("cumprod", [(3, 4)], lambda x: x.cumprod(1)),
    op("cumprod_dim0", [(3, 4)], lambda x: x.cumprod(0)),
    op("cumprod_zeros", [np.array([[1.5, 0.0, -2.0, 0.5], [0.0, 2.0, 0.0, 3.0],
                                   [1.0, 2.0, 0.5, 0.0]])], lambda x: x.cumprod(1)),
    op("cumprod_zeros_dim0", [np.array([[1.5, 0.0, -2.0], [0.0, 2.0, 0.0], [1.0, 2.0, 0.5]])],
       lambda x: x.cumprod(0)),
    op("median_all", [(3, 5)], lambda x: x.median()),
    op("median_dim", [(3, 5)], lambda x: x.median(1).values),
    op("median_dim_keep", [(4, 3)], lambda x: x.median(0, keepdim=True)[0]),
    op("sort", [(3, 4)], lambda x: x.sort(1).values),
    op("sort_desc_dim0", [(3, 4)], lambda x: x.sort(0, descending=True)[0]),
    op("topk", [(3, 4)], lambda x: x.topk(2).values),
    op("topk_smallest_dim0", [(3, 4)], lambda x: x.topk(2, dim=0, largest=False)[0]),
    op("sort_tuple", [(3, 4)], lambda x: torch.sort(x, 1)),
]

VIEWS = [
    op("view", [(3, 4)], lambda x: x.contiguous().view(12)),
    op("view_2d", [(3, 4)], lambda x: x.contiguous().view(2, 6)),
    op("reshape", [(3, 4)], lambda x: x.reshape(2, -1)),
    op("reshape_3d", [(3, 4)], lambda x: x.reshape(2, 3, 2)),
    op("transpose", [(3, 4)], lambda x: x.transpose(0, 1)),
    op("transpose_3d", [(2, 3, 4)], lambda x: x.transpose(0, 2) * 1),
    op("t", [(3, 4)], lambda x: x.t()),
    op("T", [(2, 3, 4)], lambda x: x.T),
    op("permute", [(2, 3, 4)], lambda x: x.permute(2, 0, 1)),
    op("squeeze", [(3, 1, 4)], lambda x: x.squeeze()),
    op("squeeze_dim", [(3, 1, 4)], lambda x: x.squeeze(1)),
    op("unsqueeze", [(3, 4)], lambda x: x.unsqueeze(0)),
    op("unsqueeze_neg", [(3, 4)], lambda x: x.unsqueeze(-1)),
    op("expand", [(3, 4)], lambda x: x.expand(2, 3, 4)),
    op("expand_col", [(3, 1)], lambda x: x.expand(3, 4)),
    op("expand_neg1", [(3, 1)], lambda x: x.expand(-1, 5)),
    op("expand_as", [(1, 4)], lambda x: x.expand_as(torch.zeros(3, 4))),
    op("flatten", [(2, 3, 2)], lambda x: x.flatten()),
    op("flatten_from1", [(2, 3, 2)], lambda x: x.flatten(1)),
    op("unflatten", [(3, 4)], lambda x: x.unflatten(1, (2, 2))),
    op("narrow", [(3, 4)], lambda x: x.narrow(1, 1, 2)),
    op("narrow_neg_start", [(3, 4)], lambda x: x.narrow(0, -2, 2)),
    op("select", [(3, 4)], lambda x: x.select(1, 2)),
    op("select_neg", [(3, 4)], lambda x: x.select(0, -1)),
    op("split", [(3, 4)], lambda x: x.split(2, dim=1)),
    op("split_sizes", [(3, 4)], lambda x: x.split([1, 3], dim=1)),
    op("split_uneven", [(5, 2)], lambda x: torch.split(x, 2)),
    op("split_first_only", [(3, 4)], lambda x: x.split(2, dim=1)[0]),
    op("chunk", [(3, 4)], lambda x: x.chunk(2)),
    op("chunk_dim1", [(3, 4)], lambda x: x.chunk(3, dim=1)),
    op("unbind", [(3, 4)], lambda x: x.unbind(1)),
    op("unbind_one_used", [(3, 4)], lambda x: x.unbind(0)[1] * 2),
    op("movedim", [(2, 3, 4)], lambda x: x.movedim(0, 2)),
    op("movedim_multi", [(2, 3, 4)], lambda x: torch.movedim(x, (0, 1), (2, 0))),
    op("diagonal", [(3, 4)], lambda x: x.diagonal()),
    op("diagonal_offset", [(3, 4)], lambda x: x.diagonal(1)),
    op("diagonal_neg_offset", [(4, 3)], lambda x: x.diagonal(-1)),
    op("diagonal_3d", [(2, 3, 3)], lambda x: x.diagonal(0, 1, 2)),
    op("view_chain", [(2, 3, 4)], lambda x: x.permute(1, 0, 2).reshape(3, 8).t()[1:5]),
    op("getitem_int", [(3, 4)], lambda x: x[0]),
    op("getitem_int_neg", [(3, 4)], lambda x: x[-1, 2]),
    op("getitem_slice", [(3, 4)], lambda x: x[:, 1:3]),
    op("getitem_step", [(5, 4)], lambda x: x[::2]),
    op("getitem_step_both", [(5, 4)], lambda x: x[1:, ::3]),
    op("getitem_ellipsis", [(2, 3, 4)], lambda x: x[..., 1]),
    op("getitem_none", [(3, 4)], lambda x: x[None, :, None]),
    op("getitem_mixed", [(2, 3, 4)], lambda x: x[1, ::2, None, 1:]),
    op("getitem_adv", [(3, 4)], lambda x: x[IDX]),
    op("getitem_adv_dup", [(3, 4)], lambda x: x[DUP]),
    op("getitem_adv_list_dup", [(3, 4)], lambda x: x[:, [1, 1, 3]]),
    op("getitem_adv_pair", [(3, 4)], lambda x: x[t([0, 2, 0]), t([1, 1, 1])]),
    op("getitem_adv_2d_idx", [(3, 4)], lambda x: x[t([[0, 1], [2, 0]])]),
    op("getitem_adv_slice_mix", [(2, 3, 4)], lambda x: x[:, t([2, 0, 2]), 1:3]),
    op("getitem_mask", [(3, 4)], lambda x: x[MASK]),
    op("getitem_mask_data", [(3, 4)], lambda x: x[x > 0]),
    op("getitem_mask_row", [(3, 4)], lambda x: x[t([True, False, True])]),
]


def _set_int(x, v):
    x = x * 1
    x[1] = v
    return x


def _set_slice(x, v):
    x = x * 1
    x[:, 1:3] = v
    return x


def _set_adv(x, v):
    x = x * 1
    x[IDX] = v
    return x


def _set_mask_scalar(x):
    x = x * 1
    x[MASK] = 0.5
    return x


def _set_scalar(x):
    x = x.exp()
    x[0, 0] = 5.0
    return x


def _set_bcast(x, v):
    x = x + 0
    x[:, 2] = v
    return x


def _set_then_use(x, v):
    y = x * 2
    y[1:, 1] = v * v
    return (y * x).sum(0)


def _scatter_(x, src):
    y = x * 1
    return y.scatter_(1, t([[0, 1], [2, 3], [1, 0]]), src)


INDEXING = [
    op("setitem_int", [(3, 4), (4,)], _set_int),
    op("setitem_slice", [(3, 4), (3, 2)], _set_slice),
    op("setitem_adv", [(3, 4), (2, 4)], _set_adv),
    op("setitem_mask_scalar", [(3, 4)], _set_mask_scalar),
    op("setitem_scalar", [(3, 4)], _set_scalar),
    op("setitem_broadcast", [(3, 4), (1,)], _set_bcast),
    op("setitem_then_use", [(3, 4), (2,)], _set_then_use),
    op("gather", [(3, 4)], lambda x: x.gather(1, t([[0, 3], [1, 1], [2, 0]]))),
    op("gather_dim0_dup", [(3, 4)], lambda x: torch.gather(x, 0, t([[2, 2, 0, 1], [2, 2, 2, 2]]))),
    op("scatter", [(3, 4), (3, 2)], lambda x, s: x.scatter(1, t([[0, 1], [2, 3], [1, 0]]), s)),
    op("scatter_value", [(3, 4)], lambda x: x.scatter(1, t([[0], [2], [3]]), 1.5)),
    op("scatter_src_bigger", [(3, 4), (3, 3)],
       lambda x, s: torch.scatter(x, 0, t([[0, 1, 2], [2, 0, 1]]), s)),
    op("scatter_inplace", [(3, 4), (3, 2)], _scatter_),
    op("scatter_add", [(3, 4), (3, 3)],
       lambda x, s: x.scatter_add(1, t([[0, 0, 1], [3, 3, 3], [2, 1, 2]]), s)),
    op("index_select", [(3, 4)], lambda x: x.index_select(0, t([0, 2, 0]))),
    op("index_select_dim1", [(3, 4)], lambda x: torch.index_select(x, 1, t([3, 1, 3]))),
    op("index_add", [(3, 4), (3, 4)], lambda x, s: x.index_add(0, t([2, 0, 2]), s)),
    op("index_add_alpha", [(3, 4), (3, 2)],
       lambda x, s: x.index_add(1, t([1, 1]), s, alpha=-2.0)),
    op("index_fill", [(3, 4)], lambda x: x.index_fill(1, t([0, 2]), -1.0)),
    op("masked_fill", [(3, 4)], lambda x: x.masked_fill(MASK, 0.0)),
    op("masked_fill_bcast_mask", [(3, 4)], lambda x: x.masked_fill(t([True, False, False, True]), 2.0)),
    op("masked_fill_tensor_value", [(3, 4), ()], lambda x, v: x.masked_fill(MASK, v)),
    op("masked_select", [(3, 4)], lambda x: x.masked_select(MASK)),
    op("masked_select_bcast", [(3, 4)], lambda x: torch.masked_select(x, t([False, True, True, False]))),
    op("take", [(3, 4)], lambda x: x.take(t([0, 5, 5, 11]))),
    op("take_2d_idx", [(3, 4)], lambda x: torch.take(x, t([[1, 1], [7, 0]]))),
]

LINALG = [
    op("mm", [(3, 4), (4, 2)], lambda a, b: a.mm(b)),
    op("fn_mm", [(2, 3), (3, 3)], lambda a, b: torch.mm(a, b)),
    op("mv", [(3, 4), (4,)], lambda a, v: a.mv(v)),
    op("bmm", [(2, 3, 4), (2, 4, 2)], lambda a, b: a.bmm(b)),
    op("dot", [(4,), (4,)], lambda a, b: a.dot(b)),
    op("outer", [(3,), (4,)], lambda a, b: torch.outer(a, b)),
    op("matmul_1_1", [(4,), (4,)], lambda a, b: a @ b),
    op("matmul_2_1", [(3, 4), (4,)], lambda a, b: a @ b),
    op("matmul_1_2", [(3,), (3, 4)], lambda a, b: a @ b),
    op("matmul_2_2", [(3, 4), (4, 2)], lambda a, b: a.matmul(b)),
    op("matmul_3_3", [(2, 3, 4), (2, 4, 2)], lambda a, b: a @ b),
    op("matmul_3_2", [(2, 3, 4), (4, 2)], lambda a, b: a @ b),
    op("matmul_2_3", [(3, 4), (2, 4, 2)], lambda a, b: a @ b),
    op("matmul_1_3", [(3,), (2, 3, 2)], lambda a, b: a @ b),
    op("matmul_3_1", [(2, 3, 4), (4,)], lambda a, b: torch.matmul(a, b)),
    op("matmul_4_3_bcast", [(2, 1, 2, 3), (3, 3, 2)], lambda a, b: a @ b),
    op("matmul_bcast_batch1", [(1, 2, 3), (2, 3, 2)], lambda a, b: a @ b),
    op("addmm", [(3, 2), (3, 4), (4, 2)], lambda i, a, b: torch.addmm(i, a, b)),
    op("addmm_bias_bcast", [(2,), (3, 4), (4, 2)], lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=2.0)),
    op("addmm_beta0", [(3, 2), (3, 4), (4, 2)], lambda i, a, b: i.addmm(a, b, beta=0)),
    op("addmv", [(3,), (3, 4), (4,)], lambda i, a, v: torch.addmv(i, a, v, alpha=-1.5)),
    op("addmv_bcast", [(1,), (3, 4), (4,)], lambda i, a, v: i.addmv(a, v, beta=2)),
    op("baddbmm", [(2, 3, 2), (2, 3, 4), (2, 4, 2)], lambda i, a, b: torch.baddbmm(i, a, b)),
    op("baddbmm_bcast", [(3, 2), (2, 3, 4), (2, 4, 2)],
       lambda i, a, b: torch.baddbmm(i, a, b, beta=0.5, alpha=0.25)),
    op("einsum_mm", [(3, 4), (4, 2)], lambda a, b: torch.einsum("ij,jk->ik", a, b)),
    op("einsum_batch", [(2, 3, 4), (2, 4, 2)], lambda a, b: torch.einsum("bij,bjk->bik", a, b)),
    op("einsum_sum", [(3, 4)], lambda a: torch.einsum("ij->j", a)),
    op("einsum_transpose", [(3, 4)], lambda a: torch.einsum("ij->ji", a)),
    op("einsum_dot", [(4,), (4,)], lambda a, b: torch.einsum("i,i->", a, b)),
    op("einsum_outer_implicit", [(3,), (4,)], lambda a, b: torch.einsum("i,j", a, b)),
    op("einsum_contract_out", [(3, 4), (5, 4)], lambda a, b: torch.einsum("ij,kj->ik", a, b)),
    op("einsum_sum_only_in_one", [(3, 4), (4, 2)], lambda a, b: torch.einsum("ij,jk->k", a, b)),
]

JOINS = [
    op("cat", [(3, 4), (2, 4)], lambda x, y: torch.cat([x, y])),
    op("cat_dim1", [(3, 4), (3, 1)], lambda x, y: torch.cat([x, y], dim=1)),
    op("cat_three_neg", [(2, 2), (2, 3), (2, 1)], lambda x, y, z: torch.cat((x, y, z), -1)),
    op("cat_same_twice", [(2, 3)], lambda x: torch.cat([x, x * 2, x], 0)),
    op("stack", [(3, 4), (3, 4)], lambda x, y: torch.stack([x, y])),
    op("stack_dim1", [(3, 4), (3, 4)], lambda x, y: torch.stack([x, y], dim=1)),
    op("stack_neg", [(3,), (3,), (3,)], lambda x, y, z: torch.stack([x, y, z], -1)),
    op("hstack", [(3,), (2,)], lambda x, y: torch.hstack([x, y])),
    op("vstack", [(3, 2), (1, 2)], lambda x, y: torch.vstack([x, y])),
    op("repeat", [(3, 4)], lambda x: x.repeat(2, 1)),
    op("repeat_lead", [(3, 2)], lambda x: x.repeat(2, 1, 3)),
    op("repeat_1d", [(3,)], lambda x: x.repeat(3)),
    op("flip", [(3, 4)], lambda x: x.flip(0)),
    op("flip_both", [(3, 4)], lambda x: torch.flip(x, (0, 1))),
    op("roll", [(3, 4)], lambda x: x.roll(1, 0)),
    op("roll_multi", [(3, 4)], lambda x: torch.roll(x, (1, -2), (0, 1))),
    op("roll_flat", [(3, 4)], lambda x: x.roll(5)),
    op("tril", [(3, 4)], lambda x: x.tril()),
    op("tril_neg", [(4, 4)], lambda x: torch.tril(x, -1)),
    op("triu", [(3, 4)], lambda x: x.triu(1)),
    op("triu_batch", [(2, 3, 3)], lambda x: x.triu()),
]

ALL_CASES = ELEMENTWISE + REDUCTIONS + VIEWS + INDEXING + LINALG + JOINS


@pytest.mark.parametrize("layout", ["contig", "noncontig"])
@pytest.mark.parametrize("shapes, fn, kw", ALL_CASES)
def test_gradcheck(shapes, fn, kw, layout):
    helper_test_op(shapes, fn, layout, **kw)


# ----- second derivatives: gradgradcheck and closed forms -----

GRADGRAD = [
    op("mul_self", [(3, 4)], lambda x: x * x * x),
    op("div", [(3, 4), (3, 4)], lambda x, y: x / y, **POS),
    op("pow_tensor", [(3, 4), (3, 4)], lambda x, y: x ** y, **POS),
    op("pow_scalar", [(3, 4)], lambda x: x ** 3),
    op("rpow", [(3, 4)], lambda x: 2 ** x),
    op("exp_log", [(3, 4)], lambda x: x.exp() + x.log(), **POS),
    op("sin_cos_tanh", [(3, 4)], lambda x: x.sin() * x.cos() + x.tanh()),
    op("sigmoid", [(3, 4)], lambda x: x.sigmoid()),
    op("sqrt_rsqrt", [(3, 4)], lambda x: x.sqrt() + x.rsqrt(), **POS),
    op("atan2", [(3, 4), (3, 4)], lambda x, y: torch.atan2(x, y)),
    op("bcast_mul", [(3, 4), (4,)], lambda x, y: x * y * y),
    op("sum_mean", [(3, 4)], lambda x: (x * x).sum(1) + x.mean(0).sum()),
    op("prod", [(3, 4)], lambda x: x.prod(1)),
    op("prod_all", [(2, 3)], lambda x: x.prod()),
    op("var_std", [(3, 4)], lambda x: x.var(1) + x.std(0).sum()),
    op("norm", [(3, 4)], lambda x: x.norm(dim=1)),
    op("norm_p3", [(3, 4)], lambda x: x.norm(3)),
    op("logsumexp", [(3, 4)], lambda x: x.logsumexp(1)),
    op("cumprod", [(3, 4)], lambda x: x.cumprod(1)),
    op("cumsum", [(3, 4)], lambda x: (x.cumsum(0) ** 2)),
    op("mm", [(3, 4), (4, 2)], lambda a, b: (a @ b) ** 2),
    op("matmul_bcast", [(2, 3, 4), (4, 2)], lambda a, b: (a @ b).tanh()),
    op("mv", [(3, 4), (4,)], lambda a, v: a.mv(v).exp()),
    op("addmm", [(2,), (3, 4), (4, 2)], lambda i, a, b: torch.addmm(i, a, b) ** 2),
    op("views_index", [(3, 4)], lambda x: (x.t()[1:, IDX] ** 2).sum(0)),
    op("gather_scatter", [(3, 4)], lambda x: x.gather(1, t([[0, 0], [1, 3], [2, 2]])) ** 2),
    op("cat_stack", [(3, 4), (3, 4)], lambda x, y: torch.stack([x * y, torch.cat([x, y], 1)[:, :4]])),
    op("einsum", [(3, 4), (4, 2)], lambda a, b: torch.einsum("ij,jk->ik", a * a, b)),
]


@pytest.mark.parametrize("shapes, fn, kw", GRADGRAD)
def test_gradgradcheck(shapes, fn, kw):
    helper_test_op(shapes, fn, "contig", gradgrad=True, **kw)


def _x(shape=(3, 4), low=0.5, high=2.0, seed=1):
    rng = np.random.default_rng(seed)
    a = rng.uniform(low, high, size=shape)
    return torch.tensor(a, dtype=F64).requires_grad_(), a


def second(f, x):
    """(first derivative, diagonal second derivative) of sum(f(x)) by double backward."""
    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = torch.autograd.grad(g.sum(), x)
    return g.detach().numpy(), h.numpy()


@pytest.mark.parametrize("name, f, d1, d2", [
    ("cube", lambda x: x ** 3, lambda a: 3 * a ** 2, lambda a: 6 * a),
    ("cube_mul", lambda x: x * x * x, lambda a: 3 * a ** 2, lambda a: 6 * a),
    ("exp", lambda x: x.exp(), np.exp, np.exp),
    ("log", lambda x: x.log(), lambda a: 1 / a, lambda a: -1 / a ** 2),
    ("sin", lambda x: x.sin(), np.cos, lambda a: -np.sin(a)),
    ("tanh", lambda x: x.tanh(), lambda a: 1 - np.tanh(a) ** 2,
     lambda a: -2 * np.tanh(a) * (1 - np.tanh(a) ** 2)),
    ("sigmoid", lambda x: x.sigmoid(), lambda a: np.exp(-a) / (1 + np.exp(-a)) ** 2,
     lambda a: (lambda s: s * (1 - s) * (1 - 2 * s))(1 / (1 + np.exp(-a)))),
    ("sqrt", lambda x: x.sqrt(), lambda a: 0.5 / np.sqrt(a), lambda a: -0.25 * a ** -1.5),
    ("reciprocal", lambda x: 1 / x, lambda a: -1 / a ** 2, lambda a: 2 / a ** 3),
    ("rpow", lambda x: 3 ** x, lambda a: 3 ** a * np.log(3), lambda a: 3 ** a * np.log(3) ** 2),
    ("pow_self", lambda x: x ** x, lambda a: a ** a * (np.log(a) + 1),
     lambda a: a ** a * ((np.log(a) + 1) ** 2 + 1 / a)),
])
def test_second_derivative_elementwise(name, f, d1, d2):
    x, a = _x()
    g, h = second(f, x)
    np.testing.assert_allclose(g, d1(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, d2(a), rtol=1e-10, atol=1e-12)


def test_second_derivative_reductions():
    x, a = _x((4,))
    # d/dx_i of sum(x)^3 = 3 sum^2; Hessian = 6 sum * ones -> row sums 6 * sum * n
    g, h = second(lambda x: x.sum() ** 3, x)
    np.testing.assert_allclose(g, np.full(4, 3 * a.sum() ** 2))
    np.testing.assert_allclose(h, np.full(4, 6 * a.sum() * 4))
    # mean(x^2): gradient 2x/n, second 2/n
    g, h = second(lambda x: (x * x).mean(), x)
    np.testing.assert_allclose(g, 2 * a / 4)
    np.testing.assert_allclose(h, np.full(4, 2 / 4))
    # prod: d/dx_i = prod / x_i; sum_j d2/dx_i dx_j = sum_{j != i} prod / (x_i x_j)
    p = a.prod()
    g, h = second(lambda x: x.prod(), x)
    np.testing.assert_allclose(g, p / a)
    np.testing.assert_allclose(h, np.array([sum(p / (a[i] * a[j]) for j in range(4) if j != i)
                                            for i in range(4)]))
    # var (correction 0): gradient 2 (x - m) / n; Hessian 2/n (I - 1/n) has zero row sums
    g, h = second(lambda x: x.var(correction=0), x)
    np.testing.assert_allclose(g, 2 * (a - a.mean()) / 4)
    np.testing.assert_allclose(h, np.zeros(4), atol=1e-12)
    # logsumexp: gradient softmax, Hessian diag(s) - s s^T has zero row sums
    g, h = second(lambda x: x.logsumexp(0), x)
    s = np.exp(a) / np.exp(a).sum()
    np.testing.assert_allclose(g, s)
    np.testing.assert_allclose(h, np.zeros(4), atol=1e-12)
    # norm: gradient x/|x|; Hessian (I - u u^T)/|x|, row sums (1 - u_i sum(u)) / |x|
    n = np.linalg.norm(a)
    u = a / n
    g, h = second(lambda x: x.norm(), x)
    np.testing.assert_allclose(g, u)
    np.testing.assert_allclose(h, (1 - u * u.sum()) / n)


def test_second_derivative_matmul():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((3, 4))
    B = rng.standard_normal((4, 2))
    a = torch.tensor(A, dtype=F64).requires_grad_()
    b = torch.tensor(B, dtype=F64).requires_grad_()
    # f = sum((A B)^2): df/dA = 2 (A B) B^T; d/dB of sum(df/dA) = 2 A^T (ones(3, 4) B)
    #                                                      + 2 (A^T ones(3, 4))... closed form:
    (ga,) = torch.autograd.grad(((a @ b) ** 2).sum(), a, create_graph=True)
    np.testing.assert_allclose(ga.detach().numpy(), 2 * (A @ B) @ B.T)
    gb, gaa = torch.autograd.grad(ga.sum(), [b, a])
    J = np.ones((3, 4))
    # sum(2 A B B^T): d/dA = 2 J B B^T ; d/dB = 2 (A^T J B + (J^T A B)... expand:
    # s = 2 * sum_{ik} (A B B^T)_{ik} = 2 * 1^T A B B^T 1 ; d/dB = 2 (A^T 1 1^T B + (1^T A)^T... )
    one3, one4 = np.ones((3, 1)), np.ones((4, 1))
    u = A.T @ one3                      # (4, 1)
    exp_b = 2 * (u @ (one4.T @ B) + one4 @ (u.T @ B))
    np.testing.assert_allclose(gb.numpy(), exp_b)
    np.testing.assert_allclose(gaa.numpy(), 2 * J @ B @ B.T)


def test_hessian_vector_product_matches_closed_form():
    # f(x) = 0.5 x^T M x with symmetric M: Hv = M v
    rng = np.random.default_rng(4)
    R = rng.standard_normal((4, 4))
    M = R + R.T
    V = rng.standard_normal(4)
    x = torch.tensor(rng.standard_normal(4), dtype=F64).requires_grad_()
    m = torch.tensor(M, dtype=F64)
    f = 0.5 * (x @ (m @ x))
    (g,) = torch.autograd.grad(f, x, create_graph=True)
    (hv,) = torch.autograd.grad(g, x, grad_outputs=torch.tensor(V, dtype=F64))
    np.testing.assert_allclose(hv.numpy(), M @ V)


def test_third_derivative():
    x, a = _x((3,))
    (g,) = torch.autograd.grad((x ** 4).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x, create_graph=True)
    (k,) = torch.autograd.grad(h.sum(), x)
    np.testing.assert_allclose(k.numpy(), 24 * a)


# ----- ties: PyTorch's documented choices, checked against closed forms -----


def _grad_of(f, a):
    x = torch.tensor(a, dtype=F64).requires_grad_()
    f(x).sum().backward()
    return x.grad.numpy()


def test_max_dim_sends_gradient_to_returned_index():
    a = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 1.0]])
    x = torch.tensor(a, dtype=F64).requires_grad_()
    r = x.max(1)
    r.values.sum().backward()
    expect = np.zeros_like(a)
    for i, j in enumerate(r.indices.tolist()):
        expect[i, j] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expect)
    assert expect.sum() == 2


def test_min_dim_keepdim_ties():
    a = np.array([[1.0, 0.0], [0.0, 0.0], [5.0, 0.0]])
    x = torch.tensor(a, dtype=F64).requires_grad_()
    r = x.min(0, keepdim=True)
    (r.values * torch.tensor([[2.0, 3.0]], dtype=F64)).sum().backward()
    expect = np.zeros_like(a)
    for j, i in enumerate(r.indices[0].tolist()):
        expect[i, j] = [2.0, 3.0][j]
    np.testing.assert_array_equal(x.grad.numpy(), expect)


@pytest.mark.parametrize("f", [lambda x: x.max(), lambda x: x.amax(), lambda x: x.amax((0, 1))])
def test_whole_tensor_max_spreads_over_ties(f):
    a = np.array([[3.0, 1.0, 3.0], [0.0, 3.0, 2.0]])
    np.testing.assert_allclose(_grad_of(f, a), np.where(a == 3.0, 1 / 3, 0.0))


def test_amin_dim_spreads_over_ties():
    a = np.array([[1.0, 1.0, 1.0, 2.0], [0.0, 4.0, 0.0, 5.0]])
    np.testing.assert_allclose(_grad_of(lambda x: x.amin(1), a),
                               [[1 / 3, 1 / 3, 1 / 3, 0], [0.5, 0, 0.5, 0]])


def test_norm_inf_ties_spread_evenly():
    a = np.array([2.0, -2.0, 1.0, 2.0])
    np.testing.assert_allclose(_grad_of(lambda x: x.norm(float("inf")), a),
                               [1 / 3, -1 / 3, 0, 1 / 3])


def test_maximum_minimum_tie_halves():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 0.0])
    x = torch.tensor(a, dtype=F64).requires_grad_()
    y = torch.tensor(b, dtype=F64).requires_grad_()
    torch.maximum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0, 1])
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, 1, 0])


def test_abs_and_relu_at_zero():
    # PyTorch: d|x|/dx = sign(x) = 0 at 0; relu' = (x > 0) = 0 at 0; clamp passes at the bound
    a = np.array([0.0, -1.0, 2.0])
    np.testing.assert_array_equal(_grad_of(lambda x: x.abs(), a), [0, -1, 1])
    np.testing.assert_array_equal(_grad_of(lambda x: x.relu(), a), [0, 0, 1])
    np.testing.assert_array_equal(_grad_of(lambda x: x.clamp(0, 2), a), [1, 0, 1])


def test_pow_special_values():
    # x ** 0 has gradient 0 even at x = 0; 0 ** y with y > 0 has gradient 0 for y
    a = np.array([0.0, 1.0, 2.0])
    np.testing.assert_array_equal(_grad_of(lambda x: x ** 0, a), [0, 0, 0])
    np.testing.assert_array_equal(_grad_of(lambda x: x ** 2.0, a), [0, 2, 4])
    y = torch.tensor([1.0, 2.0, 0.0], dtype=F64).requires_grad_()
    x = torch.tensor([0.0, 0.0, 0.0], dtype=F64).requires_grad_()
    (x ** y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0, 0, 0])
    np.testing.assert_array_equal(x.grad.numpy(), [1, 0, 0])


def test_median_even_count_gradient_goes_to_lower_median():
    a = np.array([4.0, 1.0, 3.0, 2.0])
    np.testing.assert_array_equal(_grad_of(lambda x: x.median(), a), [0, 0, 0, 1])


# ----- dtype conversions -----


def test_float32_double_float_chain():
    x = torch.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    y = x.double()
    assert y.dtype == F64 and y.grad_fn.name() == "ToCopyBackward0"
    z = (y * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=F64)).float().sum()
    z.backward()
    assert x.grad.dtype == torch.float32
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 2], [3, 4]])


def test_half_conversion_gradient_dtype():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x.half() * 3).float().sum().backward()
    assert x.grad.dtype == torch.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])


def test_conversion_chain_gradcheck():
    # float32 in the middle rounds; a larger step keeps the difference quotient accurate
    x = torch.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=F64).requires_grad_()
    assert gradcheck(lambda x: (x.float() * 3).double().float().double(), [x], eps=1e-2,
                     atol=1e-4)


def test_to_same_dtype_returns_self():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert x.float() is x and x.to(torch.float32) is x


# ----- the checker itself -----


def test_ops_without_a_derivative_record_not_implemented():
    # PyTorch has no derivative for floor_divide or remainder(number, tensor): it records
    # torch::autograd::NotImplemented, and backward raises.
    x = torch.tensor([1.5, -2.5, 3.0], requires_grad=True)
    y = torch.tensor([0.7, 2.0, -1.0])
    for f, aten in ((lambda: 5 % x, "remainder"), (lambda: x // y, "floor_divide"),
                    (lambda: torch.floor_divide(x, 2), "floor_divide"),
                    (lambda: x.clone().floor_divide_(y), "floor_divide_")):
        r = f()
        assert r.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match=f"^derivative for aten::{aten} is not implemented$"):
            r.sum().backward()
    # div with a rounding mode is div's overload (zero gradients), floor included.
    for mode in ("trunc", "floor"):
        r = torch.div(x, y, rounding_mode=mode)
        assert r.grad_fn.name() == "DivBackward2"
        r.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
        x.grad = None
    assert (x % y).grad_fn.name() == "RemainderBackward1"
    assert (x % 2).grad_fn.name() == "RemainderBackward0"
    assert torch.fmod(x, y).grad_fn.name() == "FmodBackward1"
    assert torch.fmod(x, 2).grad_fn.name() == "FmodBackward0"
    assert torch.nansum(x).grad_fn.name() == "NansumBackward0"


def test_gradcheck_detects_a_wrong_gradient():
    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 x g

    x = torch.tensor([0.3, 1.5], dtype=F64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(Wrong.apply, [x])
    assert gradcheck(Wrong.apply, [x], raise_exception=False) is False


def test_gradcheck_requires_an_input_requiring_grad():
    with pytest.raises(ValueError, match="requires_grad=True"):
        gradcheck(lambda x: x * 2, [torch.tensor([1.0], dtype=F64)])


def test_gradcheck_float32_warns():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="double precision"):
        gradcheck(lambda x: x * 2, [x], atol=1e-2, eps=1e-3)
