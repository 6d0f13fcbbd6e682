"""Fixes the OpInfo sweep found (its replay of PyTorch's samples, test_opinfo_sweep.py, locks them
in too): each checked here against NumPy or a formula, with PyTorch's node names and messages
(recorded by hand from PyTorch 2.13)."""

import re

import numpy as np
import pytest
import rtensor
from rtensor.autograd import gradcheck

RNG = np.random.default_rng(11)


def t(a, **kw):
    return rtensor.tensor(np.asarray(a), **kw)


@pytest.mark.parametrize("fn,node", [("clamp_min", "ClampMinBackward1"),
                                     ("clamp_max", "ClampMaxBackward1")])
def test_clamp_min_max_with_a_tensor_bound_differentiate_the_bound(fn, node):
    x = t(RNG.standard_normal((3, 4)), requires_grad=True)
    b = t(RNG.standard_normal((3, 4)), requires_grad=True)
    y = getattr(rtensor, fn)(x, b)
    assert y.grad_fn.name() == node
    np.testing.assert_array_equal(
        y.detach().numpy(), (np.maximum if fn == "clamp_min" else np.minimum)(
            x.detach().numpy(), b.detach().numpy()))
    assert gradcheck(lambda a, c: getattr(rtensor, fn)(a, c), (x, b))


def test_index_fill_with_a_tensor_value_differentiates_the_value():
    x = t(RNG.standard_normal((3, 4)), requires_grad=True)
    v = t(2.0, requires_grad=True)
    idx = rtensor.tensor([0, 2, 2])
    y = x.index_fill(1, idx, v)
    assert y.grad_fn.name() == "IndexFillBackward1"
    w = np.arange(12.0).reshape(3, 4)
    (y * t(w)).sum().backward()
    assert v.grad.item() == w[:, [0, 2]].sum()  # each filled element once
    want = w.copy()
    want[:, [0, 2]] = 0
    np.testing.assert_array_equal(x.grad.numpy(), want)
    assert gradcheck(lambda a, b: a.index_fill(0, rtensor.tensor([1]), b), (x, v))


def test_normal_and_bernoulli_give_pytorchs_zero_gradients():
    m = t([1.0, 2.0], requires_grad=True)
    s = t([1.0, 2.0], requires_grad=True)
    rtensor.manual_seed(0)
    y = rtensor.normal(m, s)
    rtensor.manual_seed(0)
    assert rtensor.equal(y.detach(), rtensor.normal(m.detach(), s.detach()))  # same draw
    assert y.grad_fn.name() == "NormalBackward3"
    assert rtensor.normal(m, 1.0).grad_fn.name() == "NormalBackward1"
    assert rtensor.normal(2.0, s).grad_fn.name() == "NormalBackward2"
    y.sum().backward()
    assert m.grad.tolist() == [0, 0] and s.grad.tolist() == [0, 0]
    p = t([0.3, 0.6], requires_grad=True)
    b = rtensor.bernoulli(p)
    assert b.grad_fn.name() == "BernoulliBackward0"
    b.sum().backward()
    assert p.grad.tolist() == [0, 0]


@pytest.mark.parametrize("dim,keepdim", [(None, False), ([1, 2], False), ([0, 1], True)])
def test_norm_nuc_is_the_sum_of_singular_values(dim, keepdim):
    x = RNG.standard_normal((2, 3, 4)) if dim is not None else RNG.standard_normal((3, 4))
    got = rtensor.norm(t(x), "nuc", dim, keepdim)
    ax = (0, 1) if dim is None else tuple(dim)
    want = np.linalg.norm(x, "nuc", axis=ax, keepdims=keepdim)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)
    with pytest.raises(RuntimeError, match=re.escape(
            "linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 2")):
        rtensor.norm(t(RNG.standard_normal((2, 3, 4))), "nuc")


def test_tensordot_sums_contracted_dims_of_size_one():
    a = RNG.standard_normal((1, 1, 3))
    b = RNG.standard_normal((2, 1, 2))
    got = rtensor.tensordot(t(a), t(b), dims=([0, 1], [2, 0]))
    # A size-1 dim broadcasts: contract it against the other operand's summed dim.
    want = np.tensordot(a, b.sum(axis=(0, 2), keepdims=True), axes=([0, 1], [2, 0]))
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    with pytest.raises(RuntimeError, match="contracted dimensions need to match, but first "
                       "has size 3 in dim 0 and second has size 2 in dim 0"):
        rtensor.tensordot(rtensor.zeros(3), rtensor.zeros(2), dims=([0], [0]))


def test_tensorsolve_with_dims_moves_them_last():
    a = RNG.standard_normal((2, 3, 6))
    b = RNG.standard_normal((2, 3))
    got = rtensor.linalg.tensorsolve(t(a), t(b), dims=(0, 2))
    want = np.linalg.tensorsolve(np.moveaxis(a, (0, 2), (1, 2)), b)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-8)


def test_gather_and_scatter_with_an_empty_index_skip_the_checks():
    x = t(RNG.standard_normal(5), requires_grad=True)
    idx = rtensor.zeros(2, 0, dtype=rtensor.uint8)
    g = rtensor.gather(x, 0, idx)
    assert g.shape == (2, 0) and g.dtype == rtensor.float64
    g.sum().backward()
    assert x.grad.tolist() == [0.0] * 5
    y = rtensor.zeros(5).scatter_add(0, rtensor.zeros(2, 0, dtype=rtensor.int64),
                                     rtensor.zeros(2, 0))
    assert y.tolist() == [0.0] * 5


# ----- out= on the Python-level functions (was silently ignored) -----


def test_out_is_written_and_returned():
    o = rtensor.empty(0, dtype=rtensor.float64)
    r = rtensor.cat([rtensor.ones(2), rtensor.zeros(1)], out=o)
    assert r is o and o.dtype == rtensor.float64 and o.tolist() == [1.0, 1.0, 0.0]
    o = rtensor.empty(0, dtype=rtensor.int32)
    assert rtensor.arange(3, out=o) is o and o.dtype == rtensor.int32 and o.tolist() == [0, 1, 2]
    a = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
    o = rtensor.empty(0, dtype=rtensor.float64)
    rtensor.linalg.inv(t(a), out=o)
    np.testing.assert_allclose(o.numpy(), np.linalg.inv(a), rtol=1e-12)
    L, V = rtensor.empty(0, dtype=rtensor.float64), rtensor.empty(0, dtype=rtensor.float64)
    r = rtensor.linalg.eigh(t(a + a.T), out=(L, V))
    assert r[0] is L and r.eigenvectors is V
    np.testing.assert_allclose(L.numpy(), np.linalg.eigvalsh(a + a.T), rtol=1e-12)
    o = rtensor.empty(0, dtype=rtensor.float64)
    rtensor.linalg.pinv(t(a[:, :2]), out=o)
    np.testing.assert_allclose(o.numpy(), np.linalg.pinv(a[:, :2]), rtol=1e-10)


def test_out_errors_are_pytorchs():
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                       "output type Long"):
        rtensor.cat([rtensor.ones(2)], out=rtensor.empty(0, dtype=rtensor.int64))
    with pytest.raises(RuntimeError, match=re.escape(
            "inv(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad.")):
        rtensor.linalg.inv(rtensor.eye(2, requires_grad=True), out=rtensor.empty(0))


def test_pinv_of_an_empty_hermitian_matrix():
    r = rtensor.linalg.pinv(rtensor.zeros(0, 0), hermitian=True)
    assert r.shape == (0, 0)
    assert rtensor.linalg.pinv(rtensor.zeros(2, 3, 0)).shape == (2, 0, 3)
