#!/usr/bin/env python
"""Record PyTorch's indexing long tail (scatter_reduce, index_reduce, index_put, put,
masked_scatter, take_along_dim, index_copy/fill, the ``*_scatter`` and ``*_copy`` functions),
``torch.masked.*`` and the window functions for tests/test_longtail_tail.py (the suite never
imports torch).

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_tail_reference.py

It writes tests/data/tail_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": [...], "errors": [...]}``. A case is
  ``{"id", "expr", "inputs": {name: dtype}, "grad": [names], "outs": n, "grad_fn": name or
  null, "dtypes": [...], "shapes": [...]}``: ``expr`` is evaluated with ``torch`` bound to the
  library and the inputs (NumPy arrays made tensors) in scope; names in ``grad`` require
  grad and get the gradient of ``sum(out_k * gout_k)``. An error is ``{"id", "expr",
  "inputs", "type", "message"}``.
- ``"<id>|in|<name>"``, ``"<id>|out|<k>"``, ``"<id>|gout|<k>"``, ``"<id>|grad|<name>"``.
"""

import json
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "tail_reference.npz"
rng = np.random.default_rng(16)


def randn(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def ints(lo, hi, *shape):
    return rng.integers(lo, hi, shape).astype(np.int64)


def ties(*shape):
    """Small integer-valued floats: many exact ties (amax/amin) and zeros (prod)."""
    return rng.integers(-2, 3, shape).astype(np.float64)


CASES = []  # (id, expr, inputs, grad)
ERRORS = []  # (id, expr, inputs)


def case(cid, expr, inputs, grad=()):
    CASES.append((cid, expr, inputs, list(grad)))


def error(cid, expr, inputs=None):
    ERRORS.append((cid, expr, inputs or {}))


# --- scatter_reduce -------------------------------------------------------------------------
for red in ["sum", "prod", "mean", "amax", "amin"]:
    for inc in [True, False]:
        tag = f"{red}_{'inc' if inc else 'exc'}"
        case(f"sr1_{tag}", f"torch.scatter_reduce(x, 0, idx, src, '{red}', include_self={inc})",
             {"x": ties(5), "idx": np.array([0, 1, 0, 1, 2, 1, 0, 2]), "src": ties(8)},
             ["x", "src"])
        case(f"sr2_{tag}",
             f"x.scatter_reduce(1, idx, src, reduce='{red}', include_self={inc})",
             {"x": randn(3, 4), "idx": ints(0, 4, 2, 5), "src": randn(2, 5)}, ["x", "src"])
        case(f"sr3_{tag}",
             f"torch.scatter_reduce(x, -3, idx, src, '{red}', include_self={inc})",
             {"x": ties(3, 2, 3), "idx": ints(0, 3, 4, 2, 2), "src": ties(4, 2, 2)},
             ["x", "src"])
        # An index smaller than src (PyTorch's backward rejects it: forward only).
        case(f"sr4_{tag}",
             f"torch.scatter_reduce(x, 1, idx, src, '{red}', include_self={inc})",
             {"x": ties(3, 4), "idx": ints(0, 4, 2, 3), "src": ties(3, 6)})
        case(f"srint_{tag}", f"torch.scatter_reduce(x, 0, idx, src, '{red}', include_self={inc})",
             {"x": ints(-5, 6, 4), "idx": np.array([0, 0, 1, 3, 0]), "src": ints(-7, 8, 5)})
    case(f"sr_inplace_{red}", f"x.clone().scatter_reduce_(0, idx, src, '{red}')",
         {"x": randn(4, 2), "idx": ints(0, 4, 3, 2), "src": randn(3, 2)})
case("sr_prod_zeros", "torch.scatter_reduce(x, 0, idx, src, 'prod')",
     {"x": np.array([2.0, 0.0, 3.0, 1.5]), "idx": np.array([0, 0, 1, 2, 2, 3]),
      "src": np.array([0.0, 4.0, 5.0, 0.0, 0.0, 2.0])}, ["x", "src"])
case("sr_nan", "torch.scatter_reduce(x, 0, idx, src, 'amax')",
     {"x": np.array([1.0, np.nan, 3.0]), "idx": np.array([0, 1, 2, 0]),
      "src": np.array([np.nan, 2.0, 1.0, 0.5])})
case("sr_empty_index", "torch.scatter_reduce(x, 0, idx, src, 'sum')",
     {"x": randn(3), "idx": np.zeros(0, np.int64), "src": randn(0)})
case("sr_0d", "torch.scatter_reduce(x, 0, idx, src, 'prod')",
     {"x": np.array(2.0), "idx": np.array(0), "src": np.array(3.0)}, ["x", "src"])
case("sr_0d_index_1d", "torch.scatter_reduce(x, 0, idx, src, 'amin', include_self=False)",
     {"x": np.array(2.0), "idx": np.array([0, 0]), "src": np.array([3.0, 5.0])})
case("sr_noncontig", "torch.scatter_reduce(x.t(), 0, idx.t(), src.t(), 'sum')",
     {"x": randn(4, 3), "idx": ints(0, 3, 4, 2), "src": randn(4, 2)}, ["x", "src"])
case("sr_f32", "torch.scatter_reduce(x, 1, idx, src, 'mean', include_self=False)",
     {"x": randn(2, 3, dtype=np.float32), "idx": ints(0, 3, 2, 4),
      "src": randn(2, 4, dtype=np.float32)}, ["x", "src"])
error("sr_bad_reduce", "torch.scatter_reduce(x, 0, idx, src, 'add')",
      {"x": randn(3), "idx": np.array([0]), "src": randn(1)})
case("sr_max_alias", "torch.scatter_reduce(x, 0, idx, src, 'max')",
     {"x": randn(3), "idx": np.array([0, 0, 2]), "src": randn(3)})
case("sr_min_alias", "torch.scatter_reduce(x, 0, idx, src, 'min', include_self=False)",
     {"x": randn(3), "idx": np.array([0, 0, 2]), "src": randn(3)})
error("sr_max_alias_backward",
      "torch.scatter_reduce(x.requires_grad_(), 0, idx, src, 'max').sum().backward()",
      {"x": randn(3), "idx": np.array([0, 0, 2]), "src": randn(3)})
error("sr_dtype", "torch.scatter_reduce(x, 0, idx, src, 'sum')",
      {"x": randn(3), "idx": np.array([0]), "src": randn(1, dtype=np.float32)})
error("sr_index_dtype", "torch.scatter_reduce(x, 0, idx, src, 'sum')",
      {"x": randn(3), "idx": np.array([0.0]), "src": randn(1)})
case("sr_index_int32", "torch.scatter_reduce(x, 0, idx, src, 'sum')",
     {"x": randn(3), "idx": np.array([0, 2, 0], np.int32), "src": randn(3)})
error("sr_oob", "torch.scatter_reduce(x, 0, idx, src, 'sum')",
      {"x": randn(3), "idx": np.array([5]), "src": randn(1)})
error("sr_negative", "torch.scatter_reduce(x, 0, idx, src, 'sum')",
      {"x": randn(3), "idx": np.array([-1]), "src": randn(1)})
error("sr_src_small", "torch.scatter_reduce(x, 1, idx, src, 'sum')",
      {"x": randn(3, 4), "idx": ints(0, 3, 2, 3), "src": randn(2, 2)})
error("sr_self_small", "torch.scatter_reduce(x, 1, idx, src, 'sum')",
      {"x": randn(1, 4), "idx": ints(0, 3, 2, 3), "src": randn(2, 3)})
error("ir_negative", "torch.index_reduce(x, 0, idx, src, 'prod')",
      {"x": randn(3), "idx": np.array([-1]), "src": randn(1)})
error("ir_oob", "torch.index_reduce(x, 0, idx, src, 'amax')",
      {"x": randn(3, 2), "idx": np.array([0, 3]), "src": randn(2, 2)})
error("sr_ndim", "torch.scatter_reduce(x, 0, idx, src, 'sum')",
      {"x": randn(3, 2), "idx": np.array([0]), "src": randn(1)})

# --- segment_reduce -------------------------------------------------------------------------
for red in ["sum", "mean", "max", "min", "prod"]:
    case(f"seg_{red}", f"torch.segment_reduce(x, '{red}', lengths=L)",
         {"x": randn(5), "L": np.array([2, 0, 3])}, ["x"])
    case(f"seg_{red}_init", f"torch.segment_reduce(x, '{red}', lengths=L, initial=0.5)",
         {"x": randn(5, 2), "L": np.array([1, 0, 4])}, ["x"])
    case(f"seg_{red}_axis1", f"torch.segment_reduce(x, '{red}', lengths=L, axis=1)",
         {"x": randn(2, 6), "L": np.array([[2, 4], [3, 3]])}, ["x"])
case("seg_offsets", "torch.segment_reduce(x, 'sum', offsets=o)",
     {"x": randn(5), "o": np.array([0, 2, 2, 5])}, ["x"])
error("seg_bad_reduce", "torch.segment_reduce(x, 'foo', lengths=L)",
      {"x": randn(5), "L": np.array([2, 3])})
error("seg_bad_lengths", "torch.segment_reduce(x, 'sum', lengths=L)",
      {"x": randn(5), "L": np.array([2, 2])})
error("seg_none", "torch.segment_reduce(x, 'sum')", {"x": randn(5)})

# --- index_reduce ---------------------------------------------------------------------------
for red in ["prod", "mean", "amax", "amin"]:
    for inc in [True, False]:
        tag = f"{red}_{'inc' if inc else 'exc'}"
        case(f"ir1_{tag}", f"torch.index_reduce(x, 0, idx, src, '{red}', include_self={inc})",
             {"x": ties(4, 3), "idx": np.array([0, 2, 0, 3, 0]), "src": ties(5, 3)},
             ["x", "src"])
        case(f"ir2_{tag}", f"x.index_reduce(-1, idx, src, '{red}', include_self={inc})",
             {"x": randn(2, 3, 4), "idx": np.array([3, 1, 3]), "src": randn(2, 3, 3)},
             ["x", "src"])
    case(f"irint_{red}", f"torch.index_reduce(x, 0, idx, src, '{red}')",
         {"x": ints(-5, 6, 3), "idx": np.array([0, 0, 2, 0], np.int32), "src": ints(-7, 8, 4)})
case("ir_inplace", "x.clone().index_reduce_(1, idx, src, 'amax', include_self=False)",
     {"x": randn(2, 4), "idx": np.array([1, 1, 0]), "src": randn(2, 3)})
error("ir_bad_reduce", "torch.index_reduce(x, 0, idx, src, 'sum')",
      {"x": randn(3), "idx": np.array([0]), "src": randn(1)})
error("ir_count", "torch.index_reduce(x, 0, idx, src, 'prod')",
      {"x": randn(3), "idx": np.array([0, 1]), "src": randn(3)})
error("ir_dtype", "torch.index_reduce(x, 0, idx, src, 'prod')",
      {"x": randn(3), "idx": np.array([0]), "src": randn(1, dtype=np.float32)})
error("ir_index_dtype", "torch.index_reduce(x, 0, idx, src, 'prod')",
      {"x": randn(3), "idx": np.array([0.0]), "src": randn(1)})
error("ir_index_2d", "torch.index_reduce(x, 0, idx, src, 'prod')",
      {"x": randn(3), "idx": np.array([[0]]), "src": randn(1)})

# --- index_put / put ------------------------------------------------------------------------
for acc in [False, True]:
    t = "acc" if acc else "set"
    case(f"ip1_{t}", f"torch.index_put(x, (i0,), v, accumulate={acc})",
         {"x": randn(5), "i0": np.array([0, 3, 0, -1]), "v": randn(4)}, ["x", "v"])
    case(f"ip2_{t}", f"x.index_put((i0, i1), v, {acc})",
         {"x": randn(3, 4, 2), "i0": np.array([0, 2, 0]), "i1": np.array([1, 1, 1]),
          "v": randn(2)}, ["x", "v"])
    case(f"ip_mask_{t}", f"torch.index_put(x, (m,), v, accumulate={acc})",
         {"x": randn(3, 2), "m": np.array([True, False, True]), "v": randn(2)}, ["x", "v"])
    case(f"ip_inplace_{t}", f"x.clone().index_put_((i0,), v, accumulate={acc})",
         {"x": randn(4, 2), "i0": np.array([1, 1]), "v": randn(2, 2)})
    case(f"put_{t}", f"torch.put(x, idx, src, accumulate={acc})",
         {"x": randn(3, 4), "idx": np.array([[0, 11], [-1, 5]]), "src": randn(2, 2)},
         ["x", "src"])
    case(f"put_inplace_{t}", f"x.clone().put_(idx, src, {acc})",
         {"x": randn(2, 3), "idx": np.array([1, 1, 4]), "src": randn(3)})
error("ip_dtype", "torch.index_put(x, (i0,), v)",
      {"x": randn(3), "i0": np.array([0]), "v": randn(1, dtype=np.float32)})
error("ip_shape", "torch.index_put(x, (i0,), v, accumulate=True)",
      {"x": randn(3), "i0": np.array([0, 1]), "v": randn(3)})
error("put_count", "torch.put(x, idx, src)",
      {"x": randn(3), "idx": np.array([0, 1]), "src": randn(3)})
error("put_oob", "torch.put(x, idx, src)",
      {"x": randn(3), "idx": np.array([0, 3]), "src": randn(2)})
error("put_index_dtype", "torch.put(x, idx, src)",
      {"x": randn(3), "idx": np.array([0, 1], np.int32), "src": randn(2)})

# --- masked_scatter, take_along_dim, index_copy, index_fill ---------------------------------
case("ms1", "torch.masked_scatter(x, m, src)",
     {"x": randn(3, 4), "m": rng.random((3, 4)) > 0.5, "src": randn(14)}, ["x", "src"])
case("ms_bcast", "x.masked_scatter(m, src)",
     {"x": randn(2, 3), "m": np.array([True, False, True]), "src": randn(2, 3)}, ["x", "src"])
case("ms_inplace", "x.clone().masked_scatter_(m, src)",
     {"x": randn(2, 3), "m": np.array([[True], [False]]), "src": randn(4)})
error("ms_few", "torch.masked_scatter(x, m, src)",
      {"x": randn(3), "m": np.array([True, True, True]), "src": randn(2)})
error("ms_mask_dtype", "torch.masked_scatter(x, m, src)",
      {"x": randn(3), "m": np.array([1.0, 0.0, 1.0]), "src": randn(3)})
case("tad1", "torch.take_along_dim(x, idx, 1)",
     {"x": randn(3, 4), "idx": ints(0, 4, 3, 2)}, ["x"])
case("tad_none", "torch.take_along_dim(x, idx)",
     {"x": randn(3, 4), "idx": ints(0, 12, 5)}, ["x"])
case("tad_bcast", "x.take_along_dim(idx, dim=0)",
     {"x": randn(3, 4), "idx": ints(0, 3, 2, 1)}, ["x"])
case("icopy", "torch.index_copy(x, 1, idx, src)",
     {"x": randn(2, 4), "idx": np.array([3, 0]), "src": randn(2, 2)}, ["x", "src"])
case("ifill", "torch.index_fill(x, 0, idx, -2.5)",
     {"x": randn(3, 2), "idx": np.array([2, 0])}, ["x"])
case("take1", "torch.take(x, idx)", {"x": randn(3, 4), "idx": np.array([[0, -1], [5, 5]])},
     ["x"])

# --- *_scatter ------------------------------------------------------------------------------
case("dscat", "torch.diagonal_scatter(x, src)", {"x": randn(3, 4), "src": randn(3)},
     ["x", "src"])
case("dscat_off", "torch.diagonal_scatter(x, src, 1, 0, 2)",
     {"x": randn(3, 2, 4), "src": randn(2, 3)}, ["x", "src"])
case("sscat", "torch.select_scatter(x, src, 1, -1)", {"x": randn(2, 3, 2), "src": randn(2, 2)},
     ["x", "src"])
case("slscat", "torch.slice_scatter(x, src, dim=1, start=1, end=6, step=2)",
     {"x": randn(2, 6), "src": randn(2, 3)}, ["x", "src"])
case("slscat_def", "x.slice_scatter(src)", {"x": randn(2, 3), "src": randn(2, 3)},
     ["x", "src"])
# PyTorch 2.13's as_strided_scatter gradient for `input` is wrong (its own gradcheck fails:
# it passes the gradient through the overwritten elements and drops the others), so only
# src's gradient is recorded; tests/test_longtail_tail.py gradchecks both.
case("asscat", "torch.as_strided_scatter(x, src, (2, 2), (1, 2))",
     {"x": randn(3, 3), "src": randn(2, 2)}, ["src"])
case("asscat_off", "x.as_strided_scatter(src, (3,), (3,), 1)",
     {"x": randn(3, 3), "src": randn(3)}, ["src"])
error("dscat_shape", "torch.diagonal_scatter(x, src)", {"x": randn(3, 3), "src": randn(2)})
error("sscat_shape", "torch.select_scatter(x, src, 0, 0)", {"x": randn(3, 3), "src": randn(2)})
error("slscat_shape", "torch.slice_scatter(x, src, 0, 0, 2)",
      {"x": randn(3, 3), "src": randn(3, 3)})

# --- *_copy ---------------------------------------------------------------------------------
case("c_view", "torch.view_copy(x, (3, 2))", {"x": randn(2, 3)}, ["x"])
case("c_view_list", "torch.view_copy(x, [-1])", {"x": randn(2, 3)}, ["x"])
case("c_expand", "torch.expand_copy(x, (2, 3, 4))", {"x": randn(3, 1)}, ["x"])
case("c_permute", "torch.permute_copy(x, (2, 0, 1))", {"x": randn(2, 3, 4)}, ["x"])
case("c_t", "torch.t_copy(x)", {"x": randn(2, 3)}, ["x"])
case("c_transpose", "torch.transpose_copy(x, 0, 2)", {"x": randn(2, 3, 4)}, ["x"])
case("c_unsqueeze", "torch.unsqueeze_copy(x, -1)", {"x": randn(2, 3)}, ["x"])
case("c_squeeze", "torch.squeeze_copy(x)", {"x": randn(2, 1, 3, 1)}, ["x"])
case("c_squeeze_dim", "torch.squeeze_copy(x, 1)", {"x": randn(2, 1, 3, 1)}, ["x"])
case("c_diagonal", "torch.diagonal_copy(x, -1)", {"x": randn(4, 3)}, ["x"])
case("c_select", "torch.select_copy(x, 1, 2)", {"x": randn(2, 3)}, ["x"])
case("c_slice", "torch.slice_copy(x, 1, 0, 3, 2)", {"x": randn(2, 4)}, ["x"])
case("c_split", "torch.split_copy(x, 2)", {"x": randn(5, 2)}, ["x"])
case("c_split_sizes", "torch.split_with_sizes_copy(x, [1, 3], 1)", {"x": randn(2, 4)}, ["x"])
case("c_unbind", "torch.unbind_copy(x, 1)", {"x": randn(2, 3)}, ["x"])
case("c_alias", "torch.alias_copy(x)", {"x": randn(2, 3)}, ["x"])
case("c_detach", "torch.detach_copy(x)", {"x": randn(2, 3)})
case("c_as_strided", "torch.as_strided_copy(x, (2, 2), (1, 3), 1)", {"x": randn(3, 3)}, ["x"])
case("c_unfold", "torch.unfold_copy(x, 1, 2, 1)", {"x": randn(2, 4)}, ["x"])
case("c_narrow", "torch.narrow_copy(x, 0, 1, 2)", {"x": randn(4, 2)}, ["x"])
case("c_narrow_m", "x.narrow_copy(1, 1, 2)", {"x": randn(4, 3)})
case("as_strided", "torch.as_strided(x, (2, 2), (1, 3), 1)", {"x": randn(3, 3)}, ["x"])
case("as_strided_overlap", "x.as_strided((3, 3), (1, 1))", {"x": randn(6)}, ["x"])
case("as_strided_view_of_view", "x[1:].as_strided((2, 2), (2, 1))", {"x": randn(3, 3)}, ["x"])
case("as_strided_t", "x.t().as_strided((2,), (4,), 0)", {"x": randn(3, 3)}, ["x"])
case("c_as_strided_t", "torch.as_strided_copy(x.t(), (2, 3), (1, 2))", {"x": randn(3, 3)},
     ["x"])
error("as_strided_neg", "torch.as_strided(x, (2,), (-1,))", {"x": randn(3)})
error("as_strided_oob", "x.as_strided((4,), (1,), 3)", {"x": randn(3, 2)})
error("c_view_bad", "torch.view_copy(x, (4, 2))", {"x": randn(2, 3)})
error("c_as_strided_oob", "torch.as_strided_copy(x, (3, 3), (3, 1), 2)", {"x": randn(3, 3)})

# --- function forms and aliases -------------------------------------------------------------
FX = np.array([[0.0, 1.5, -2.0], [np.inf, 0.0, -np.inf]])
case("f_argwhere", "torch.argwhere(x)", {"x": FX})
case("f_argwhere_m", "x.argwhere()", {"x": ints(0, 2, 2, 3)})
case("f_ravel", "torch.ravel(x)", {"x": randn(2, 3)}, ["x"])
case("f_ravel_t", "x.t().ravel()", {"x": randn(2, 3)}, ["x"])
case("f_moveaxis", "torch.moveaxis(x, 0, -1)", {"x": randn(2, 3, 4)}, ["x"])
case("f_moveaxis_m", "x.moveaxis((0, 1), (1, 0))", {"x": randn(2, 3, 4)}, ["x"])
case("f_msort", "torch.msort(x)", {"x": randn(4, 3)}, ["x"])
case("f_row_stack", "torch.row_stack((x, y))", {"x": randn(3), "y": randn(2, 3)}, ["x", "y"])
case("f_unravel", "torch.unravel_index(i, (3, 4))", {"i": np.array([0, 5, 11, -1])})
case("f_unravel_2d", "torch.unravel_index(i, (2, 3, 2))", {"i": ints(0, 12, 2, 2)})
case("f_nonzero_static", "torch.nonzero_static(x, size=5)", {"x": FX})
case("f_nonzero_static_cut", "x.nonzero_static(size=2, fill_value=7)", {"x": FX})
case("f_unsafe_split", "torch.unsafe_split(x, 2, 1)", {"x": randn(2, 5)}, ["x"])
case("f_unsafe_chunk", "torch.unsafe_chunk(x, 2)", {"x": randn(4, 2)}, ["x"])
case("f_unsafe_sws", "torch.unsafe_split_with_sizes(x, [1, 2])", {"x": randn(3, 2)}, ["x"])
case("f_swapaxes_", "x.clone().swapaxes_(0, 1)", {"x": randn(2, 3)})
case("f_swapdims_", "x.clone().swapdims_(0, 2)", {"x": randn(2, 3, 1)})
case("f_scalar_tensor", "torch.scalar_tensor(2)", {})
case("f_scalar_tensor_dt", "torch.scalar_tensor(1.5, dtype=torch.float64)", {})
case("f_fill", "torch.fill(x, 2.5)", {"x": randn(2, 3)}, ["x"])
case("f_fill_", "torch.fill_(x.clone(), -1.0)", {"x": randn(2, 3)})
case("f_zero_", "torch.zero_(x.clone())", {"x": randn(2, 3)})
case("f_fill_graph", "(x * 2).fill_(1.5) + x", {"x": randn(2, 3)}, ["x"])
case("f_zero_graph", "(x * 2).zero_() * x", {"x": randn(2, 3)}, ["x"])
case("f_detach", "torch.detach(x)", {"x": randn(2)}, [])
case("f_cpad", "torch.constant_pad_nd(x, (1, 2, 0, 1), 0.5)", {"x": randn(2, 3)}, ["x"])
case("f_clamp_min", "torch.clamp_min(x, -0.2)", {"x": randn(2, 3)}, ["x"])
case("f_clamp_max_m", "x.clamp_max(0.3)", {"x": randn(2, 3)}, ["x"])
case("f_clamp_min_", "torch.clamp_min_(x.clone(), 0.0)", {"x": randn(2, 3)})
case("f_clamp_max_", "x.clone().clamp_max_(0.0)", {"x": randn(2, 3)})
case("f_rsub", "torch.rsub(x, y)", {"x": randn(3), "y": randn(3)}, ["x", "y"])
case("f_rsub_alpha", "torch.rsub(x, 2.0, alpha=3)", {"x": randn(3)}, ["x"])
case("f_ger", "torch.ger(x, y)", {"x": randn(3), "y": randn(2)}, ["x", "y"])
case("f_dist", "torch.dist(x, y)", {"x": randn(3, 2), "y": randn(2)}, ["x", "y"])
case("f_dist_p", "x.dist(y, 3)", {"x": randn(4), "y": randn(4)}, ["x", "y"])
case("f_chain", "torch.chain_matmul(a, b, c)", {"a": randn(2, 3), "b": randn(3, 4),
                                                 "c": randn(4, 2)}, ["a", "b", "c"])
case("f_isposinf", "torch.isposinf(x)", {"x": FX})
case("f_isneginf", "x.isneginf()", {"x": FX})
case("f_isneginf_int", "torch.isneginf(x)", {"x": ints(-3, 3, 4)})
case("f_positive", "torch.positive(x)", {"x": randn(3)}, ["x"])
case("f_is_same_size", "torch.tensor(torch.is_same_size(x, y))", {"x": randn(2, 3),
                                                                  "y": randn(2, 3)})
case("f_is_nonzero", "torch.tensor(torch.is_nonzero(x))", {"x": np.array([0.5])})
case("f_is_signed", "torch.tensor([torch.is_signed(x), y.is_signed()])",
     {"x": ints(0, 2, 2), "y": np.array([True])})
for name in ["abs_", "ceil_", "neg_", "sqrt_", "trunc_", "rsqrt_", "frac_", "exp2_"]:
    case(f"f_{name}", f"torch.{name}(x.clone().abs())", {"x": randn(2, 3)})
case("f_clamp_", "torch.clamp_(x.clone(), -0.5, 0.5)", {"x": randn(2, 3)})
case("f_fill_diag", "x.clone().fill_diagonal_(2.5)", {"x": randn(3, 4)})
case("f_fill_diag_tall", "x.clone().fill_diagonal_(-1.0)", {"x": randn(7, 3)})
case("f_fill_diag_wrap", "x.clone().fill_diagonal_(-1.0, wrap=True)", {"x": randn(7, 3)})
case("f_fill_diag_3d", "x.clone().fill_diagonal_(4.0)", {"x": randn(3, 3, 3)})
case("f_type_as", "x.type_as(y)", {"x": randn(3), "y": ints(0, 2, 2)})
case("f_ndimension", "torch.tensor(x.ndimension())", {"x": randn(2, 1, 3)})
case("f_sum_to_size", "x.sum_to_size(3, 1)", {"x": randn(2, 3, 4)}, ["x"])
case("f_sum_to_size_list", "x.sum_to_size([1, 4])", {"x": randn(3, 4)}, ["x"])
error("f_fill_diag_1d", "x.fill_diagonal_(1.0)", {"x": randn(3)})
error("f_fill_diag_uneven", "x.fill_diagonal_(1.0)", {"x": randn(2, 3, 2)})
error("f_sum_to_size_bad", "x.sum_to_size(3, 2)", {"x": randn(3, 4)})
case("f_isin", "torch.isin(x, y)", {"x": ints(0, 5, 3, 4), "y": np.array([1, 3, 7])})
case("f_isin_invert", "torch.isin(x, y, invert=True)", {"x": ints(0, 5, 6), "y": ints(0, 5, 2, 2)})
case("f_isin_promote", "torch.isin(x, y)", {"x": np.array([1, 2]), "y": np.array([2.0, 1.5])})
case("f_isin_scalar_test", "torch.isin(x, 2.0)", {"x": np.array([1.0, 2.0])})
case("f_isin_scalar_elem", "torch.isin(2, y)", {"y": np.array([1, 2])})
case("f_isin_empty", "torch.isin(x, y)", {"x": randn(0, 2), "y": randn(3)})
error("f_isin_bool", "torch.isin(x, y)", {"x": np.array([True]), "y": np.array([1])})
error("f_is_nonzero_many", "torch.is_nonzero(x)", {"x": randn(2)})
error("f_is_nonzero_empty", "torch.is_nonzero(x)", {"x": randn(0)})
case("f_unravel_oob", "torch.unravel_index(i, (2, 2))", {"i": np.array([4, -1, -5, 9])})
error("f_unravel_zero", "torch.unravel_index(i, (2, 0))", {"i": np.array([1])})
error("f_unravel_neg", "torch.unravel_index(i, (2, -1))", {"i": np.array([1])})
error("f_unravel_float", "torch.unravel_index(i, (2, 2))", {"i": np.array([1.0])})
error("f_positive_bool", "torch.positive(x)", {"x": np.array([True])})
error("f_chain_dim", "torch.chain_matmul(a, b)", {"a": randn(2, 3), "b": randn(3)})

# --- masked.* -------------------------------------------------------------------------------
MX = randn(3, 4)
MASK = np.array([[True, False, True, True], [False, False, False, False],
                 [True, True, False, True]])
MROW = np.array([True, False, True, True])
for fn in ["sum", "prod", "mean", "amax", "amin", "logsumexp"]:
    case(f"m_{fn}_dim1", f"torch.masked.{fn}(x, 1, mask=m)", {"x": MX, "m": MASK}, ["x"])
    case(f"m_{fn}_all", f"torch.masked.{fn}(x, mask=m)", {"x": MX, "m": MROW}, ["x"])
    case(f"m_{fn}_keep", f"torch.masked.{fn}(x, (0, 1), keepdim=True, mask=m)",
         {"x": MX, "m": MROW}, ["x"])
    case(f"m_{fn}_nomask", f"torch.masked.{fn}(x, 0)", {"x": MX}, ["x"])
case("m_sum_int", "torch.masked.sum(x, 1, mask=m)", {"x": ints(-3, 4, 3, 4).astype(np.int32),
                                                     "m": MASK})
case("m_sum_dtype", "torch.masked.sum(x, 0, dtype=torch.float64, mask=m)",
     {"x": randn(3, 4, dtype=np.float32), "m": MASK})
case("m_prod_int", "torch.masked.prod(x, 0, mask=m)", {"x": ints(-3, 4, 3, 4), "m": MASK})
case("m_amax_int", "torch.masked.amax(x, 1, mask=m)", {"x": ints(-3, 4, 3, 4), "m": MASK})
for fn in ["argmax", "argmin"]:
    case(f"m_{fn}", f"torch.masked.{fn}(x, 1, mask=m)", {"x": MX, "m": MASK})
    case(f"m_{fn}_keep", f"torch.masked.{fn}(x, 0, keepdim=True, mask=m)",
         {"x": MX, "m": MROW})
for fn in ["var", "std"]:
    case(f"m_{fn}", f"torch.masked.{fn}(x, 1, mask=m)", {"x": MX, "m": MASK}, ["x"])
    case(f"m_{fn}_biased", f"torch.masked.{fn}(x, 1, False, keepdim=True, mask=m)",
         {"x": MX, "m": MROW}, ["x"])
    case(f"m_{fn}_corr", f"torch.masked.{fn}(x, 0, correction=0, mask=m)",
         {"x": MX, "m": MROW}, ["x"])
    case(f"m_{fn}_all", f"torch.masked.{fn}(x, mask=m)", {"x": MX, "m": MROW}, ["x"])
for o in ["2.0", "1", "float('inf')", "float('-inf')", "3.5"]:
    k = o.replace("float('", "").replace("')", "").replace(".", "p").replace("-", "m")
    case(f"m_norm_{k}", f"torch.masked.norm(x, {o}, 1, mask=m)", {"x": MX, "m": MROW}, ["x"])
case("m_norm_all", "torch.masked.norm(x, mask=m)", {"x": MX, "m": MROW}, ["x"])
for fn in ["softmax", "log_softmax", "softmin"]:
    case(f"m_{fn}", f"torch.masked.{fn}(x, 1, mask=m)", {"x": MX, "m": MROW}, ["x"])
    case(f"m_{fn}_d0", f"torch.masked.{fn}(x, 0, mask=m)", {"x": MX, "m": MROW}, ["x"])
case("m_median", "torch.masked.median(x, 1, mask=m)", {"x": MX, "m": MASK}, ["x"])
case("m_median_d0_keep", "torch.masked.median(x, 0, keepdim=True, mask=m)",
     {"x": randn(4, 3), "m": np.array([[True, False, True], [True, False, False], [False, False, True], [True, False, True]])}, ["x"])
case("m_median_default", "torch.masked.median(x, mask=m)", {"x": MX, "m": MROW}, ["x"])
case("m_median_nomask", "torch.masked.median(x, 1)", {"x": randn(3, 5)}, ["x"])
case("m_median_int", "torch.masked.median(x, 1, mask=m)", {"x": ints(-5, 5, 3, 4), "m": MROW})
error("m_median_int_empty", "torch.masked.median(x, 1, mask=m)",
      {"x": ints(-5, 5, 3, 4), "m": MASK})
case("m_normalize", "torch.masked.normalize(x, 2.0, 1, mask=m)", {"x": MX, "m": MROW}, ["x"])
case("m_normalize_1", "torch.masked.normalize(x, 1.0, 0, eps=1e-3, mask=m)",
     {"x": MX, "m": MROW}, ["x"])
for fn in ["cumsum", "cumprod"]:
    case(f"m_{fn}", f"torch.masked.{fn}(x, 1, mask=m)", {"x": MX, "m": MASK}, ["x"])
    case(f"m_{fn}_nomask", f"torch.masked.{fn}(x, 0)", {"x": MX}, ["x"])
case("m_logaddexp", "torch.masked.logaddexp(x, y, input_mask=m, other_mask=n)",
     {"x": MX, "y": randn(3, 4), "m": MROW, "n": MASK}, ["x", "y"])
error("m_mean_int", "torch.masked.mean(x, 0, mask=m)", {"x": ints(0, 3, 3), "m": MROW[:3]})
error("m_mask_ndim", "torch.masked.sum(x, 0, mask=m)", {"x": randn(3), "m": MASK})
error("m_dim_dup", "torch.masked.sum(x, (0, 0), mask=m)", {"x": randn(3), "m": MROW[:3]})
error("m_dim_oob", "torch.masked.amax(x, 3, mask=m)", {"x": randn(3), "m": MROW[:3]})

# --- windows --------------------------------------------------------------------------------
W = "torch.signal.windows."
for M in [0, 1, 2, 7, 10]:
    for sym in [True, False]:
        s = "sym" if sym else "per"
        for fn in ["bartlett", "blackman", "cosine", "hamming", "hann", "nuttall"]:
            case(f"w_{fn}_{M}_{s}", f"{W}{fn}({M}, sym={sym})", {})
        case(f"w_kaiser_{M}_{s}", f"{W}kaiser({M}, beta=5.5, sym={sym}, dtype=torch.float64)", {})
        case(f"w_gauss_{M}_{s}", f"{W}gaussian({M}, std=1.7, sym={sym})", {})
        case(f"w_gcos_{M}_{s}", f"{W}general_cosine({M}, a=[0.46, 0.23, 0.31], sym={sym})", {})
        case(f"w_gham_{M}_{s}", f"{W}general_hamming({M}, alpha=0.6, sym={sym})", {})
        case(f"w_exp_{M}_{s}", f"{W}exponential({M}, tau=2.5, sym={sym})", {})
        for fn in ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                   "kaiser_window"]:
            case(f"{fn}_{M}_{s}", f"torch.{fn}({M}, {sym})", {})
case("w_kaiser_default", f"{W}kaiser(8)", {})
case("w_exp_center", f"{W}exponential(6, center=1.5, sym=False, dtype=torch.float64)", {})
case("w_hann_f64", f"{W}hann(9, dtype=torch.float64)", {})
case("w_hann_grad", f"{W}hann(6, requires_grad=True)", {})
case("w_kaiser_grad", f"{W}kaiser(6, beta=3.0, requires_grad=True, dtype=torch.float64)", {})
case("hamming_window_ab", "torch.hamming_window(8, False, 0.6, 0.3)", {})
case("kaiser_window_beta", "torch.kaiser_window(9, True, 4.0, dtype=torch.float64)", {})
case("hann_window_grad", "torch.hann_window(5, requires_grad=True)", {})
error("w_neg", f"{W}hann(-1)")
error("w_int", f"{W}cosine(4, dtype=torch.int64)")
error("w_tau", f"{W}exponential(4, tau=0.0)")
error("w_center", f"{W}exponential(4, center=1.0)")
error("w_std", f"{W}gaussian(4, std=-1.0)")
error("w_beta", f"{W}kaiser(4, beta=-1.0)")
error("w_coeff_empty", f"{W}general_cosine(4, a=[])")
error("w_coeff_type", f"{W}general_cosine(4, a=1.0)")
error("hann_window_neg", "torch.hann_window(-2)")
error("hann_window_int", "torch.hann_window(4, dtype=torch.int64)")


def _tensors(inputs, grad):
    env = {}
    for name, arr in inputs.items():
        t = torch.from_numpy(np.array(arr))
        if name in grad:
            t.requires_grad_(True)
        env[name] = t
    return env


def _grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def main():
    arrays, cases, errors = {}, [], []
    for cid, expr, inputs, grad in CASES:
        env = _tensors(inputs, grad)
        out = eval(expr, {"torch": torch}, env)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        for name, arr in inputs.items():
            arrays[f"{cid}|in|{name}"] = np.array(arr)
        meta = {"id": cid, "expr": expr, "inputs": sorted(inputs), "grad": grad,
                "outs": len(outs), "grad_fn": [_grad_fn_name(o) for o in outs],
                "requires_grad": [o.requires_grad for o in outs],
                "dtypes": [str(o.dtype).replace("torch.", "") for o in outs]}
        for k, o in enumerate(outs):
            arrays[f"{cid}|out|{k}"] = o.detach().numpy()
        diff = [env[n] for n in grad]
        if diff:
            gouts = [rng.standard_normal(tuple(o.shape)) for o in outs]
            total = sum((o * torch.from_numpy(g).to(o.dtype)).sum() for o, g in zip(outs, gouts))
            gs = torch.autograd.grad(total, diff, allow_unused=True)
            for k, g in enumerate(gouts):
                arrays[f"{cid}|gout|{k}"] = g
            for n, g in zip(grad, gs):
                arrays[f"{cid}|grad|{n}"] = (np.zeros(env[n].shape) if g is None
                                             else g.numpy())
        cases.append(meta)
    for cid, expr, inputs in ERRORS:
        env = _tensors(inputs, ())
        try:
            eval(expr, {"torch": torch}, env)
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            for name, arr in inputs.items():
                arrays[f"{cid}|in|{name}"] = np.array(arr)
            errors.append({"id": cid, "expr": expr, "inputs": sorted(inputs),
                           "type": type(e).__name__, "message": str(e)})
        else:
            raise SystemExit(f"{cid}: PyTorch raised nothing for {expr}")
    meta = {"torch": torch.__version__, "cases": cases, "errors": errors}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT}: {len(cases)} cases, {len(errors)} errors")


if __name__ == "__main__":
    main()
