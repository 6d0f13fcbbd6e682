"""ATen-level functions (native_layer_norm, native_batch_norm, _chunk_cat, grid_sampler...),
the stride/storage functions (empty_strided, empty_permuted, resize_) and small methods (mH,
adjoint, isreal, cfloat, __rdiv__), against NumPy and formulas. PyTorch's OpInfo samples for
them are replayed by test_opinfo_sweep.py."""

import math
import re

import numpy as np
import pytest
import rtensor
import rtensor.nn.functional as F
from rtensor.autograd import gradcheck

RNG = np.random.default_rng(5)


def t(a, **kw):
    return rtensor.tensor(np.asarray(a), **kw)


def test_native_layer_norm_statistics():
    x = RNG.standard_normal((2, 3, 4))
    w, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    out, mean, rstd = rtensor.native_layer_norm(t(x), [3, 4], t(w), t(b), 1e-5)
    m = x.mean(axis=(1, 2), keepdims=True)
    v = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(mean.numpy(), m, rtol=1e-12)
    np.testing.assert_allclose(rstd.numpy(), 1 / np.sqrt(v + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), (x - m) / np.sqrt(v + 1e-5) * w + b, rtol=1e-10)


def test_native_group_norm_statistics():
    x = RNG.standard_normal((2, 6, 5))
    out, mean, rstd = rtensor.native_group_norm(t(x), None, None, 2, 6, 5, 3, 1e-5)
    g = x.reshape(2, 3, -1)
    assert mean.shape == (2, 3) and rstd.shape == (2, 3)
    np.testing.assert_allclose(mean.numpy(), g.mean(-1), rtol=1e-12)
    np.testing.assert_allclose(rstd.numpy(), 1 / np.sqrt(g.var(-1) + 1e-5), rtol=1e-12)
    want = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5))
    np.testing.assert_allclose(out.numpy(), want.reshape(x.shape), rtol=1e-10)


@pytest.mark.parametrize("training", [True, False])
def test_native_batch_norm_outputs_and_running_stats(training):
    x = RNG.standard_normal((4, 3, 5))
    rm, rv = t(np.zeros(3)), t(np.ones(3))
    out, sm, si = rtensor.native_batch_norm(t(x), None, None, rm, rv, training, 0.1, 1e-5)
    if training:
        m, v = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
        np.testing.assert_allclose(sm.numpy(), m, rtol=1e-12)
        np.testing.assert_allclose(si.numpy(), 1 / np.sqrt(v + 1e-5), rtol=1e-12)
        n = x.size / 3
        np.testing.assert_allclose(rm.numpy(), 0.1 * m, rtol=1e-12)
        np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * v * n / (n - 1), rtol=1e-12)
    else:
        assert sm.shape == (0,) and si.shape == (0,)
        np.testing.assert_allclose(out.numpy(), x / np.sqrt(1 + 1e-5), rtol=1e-12)
    r = rtensor._native_batch_norm_legit(t(x), None, None, True, 0.1, 1e-5)
    np.testing.assert_allclose(r[1].numpy(), x.mean(axis=(0, 2)), rtol=1e-12)


def test_softmax_helpers():
    x = t([[1.0, 2.0, 3.0], [-math.inf, -math.inf, -math.inf]])
    s = rtensor._safe_softmax(x, 1)
    assert s[1].tolist() == [0.0, 0.0, 0.0]
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(s[0].numpy(), e / e.sum(), rtol=1e-12)
    y = t(RNG.standard_normal((3, 4)), requires_grad=True)
    g = t(RNG.standard_normal((3, 4)))
    out = y.softmax(1)
    (want,) = rtensor.autograd.grad(out, y, g)
    got = rtensor._softmax_backward_data(g, out.detach(), 1, rtensor.float64)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_chunk_cat_pads_and_concatenates_chunks():
    a, b = np.arange(6.0).reshape(1, 2, 3), np.arange(4.0).reshape(1, 2, 2)
    got = rtensor._chunk_cat([t(a), t(b)], -1, 2)
    # PyTorch 2.13's result for these inputs.
    want = [[[[0, 1, 0], [2, 0, 1]], [[3, 4, 2], [5, 0, 3]]]]
    assert got.tolist() == want


def test_unsafe_masked_index_ignores_out_of_range_where_masked():
    x = t(np.arange(5.0))
    idx = rtensor.tensor([0, 7, 4])
    mask = rtensor.tensor([True, False, True])
    assert rtensor._unsafe_masked_index(x, mask, [idx], -1.0).tolist() == [0.0, -1.0, 4.0]
    r = rtensor._unsafe_masked_index_put_accumulate(x, mask, [idx], t([1.0, 2.0, 3.0]))
    assert r.tolist() == [1.0, 1.0, 2.0, 3.0, 7.0]


@pytest.mark.parametrize("mode,padding", [(0, 0), (1, 1), (2, 2)])
def test_grid_sampler_is_grid_sample_with_integer_modes(mode, padding):
    x = t(RNG.standard_normal((1, 2, 4, 5)), requires_grad=True)
    grid = t(RNG.uniform(-1.2, 1.2, (1, 3, 3, 2)))
    got = rtensor.grid_sampler_2d(x, grid, mode, padding, False)
    want = F.grid_sample(x, grid, mode=["bilinear", "nearest", "bicubic"][mode],
                         padding_mode=["zeros", "border", "reflection"][padding],
                         align_corners=False)
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    assert gradcheck(lambda a: rtensor.grid_sampler(a, grid, 0, padding, True), (x,))
    with pytest.raises(RuntimeError, match="expected interpolation_mode"):
        rtensor.grid_sampler(x, grid, 3, 0, False)


def test_linear_cross_entropy_is_the_reference_composition():
    x = t(RNG.standard_normal((4, 5)), requires_grad=True)
    w = t(RNG.standard_normal((3, 5)), requires_grad=True)
    y = rtensor.tensor([0, 2, 1, 2])
    got = F.linear_cross_entropy(x, w, y, label_smoothing=0.1)
    logits = x.detach().numpy() @ w.detach().numpy().T
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    nll = -logp[np.arange(4), y.numpy()]
    want = (0.9 * nll - 0.1 * logp.mean(1)).mean()
    np.testing.assert_allclose(got.item(), want, rtol=1e-12)
    assert gradcheck(lambda a, b: F.linear_cross_entropy(a, b, y), (x, w))


# ----- strides and storage -----


def test_empty_strided_and_permuted_layouts():
    assert rtensor.empty_strided((2, 3), (1, 2)).stride() == (1, 2)
    e = rtensor.empty_permuted((2, 3, 4), (2, 0, 1))
    assert e.shape == (2, 3, 4) and e.stride() == (3, 1, 6)  # PyTorch's strides
    assert rtensor.zeros(1).new_empty_strided((2, 2), (1, 2)).stride() == (1, 2)
    with pytest.raises(RuntimeError, match="Duplicate dim not allowed"):
        rtensor.empty_permuted((2, 3), (1, 1))
    with pytest.raises(RuntimeError, match=re.escape(
            "dimensionality of sizes (2) must match dimensionality of strides (1)")):
        rtensor.empty_strided((2, 3), (1,))


def test_resize_keeps_the_storage_prefix():
    x = rtensor.arange(6.0).reshape(2, 3)
    y = x.clone().resize_(4)
    assert y.tolist() == [0, 1, 2, 3]
    y = x.clone().resize_(3, 3)
    assert y.shape == (3, 3) and y.flatten()[:6].tolist() == list(range(6))
    z = rtensor.arange(6.0)[1:]
    z.resize_(3)
    assert z.tolist() == [1, 2, 3] and z.storage_offset() == 1
    v = x.t()
    v.resize_(2, 2)
    assert v.stride() == (2, 1) and v.tolist() == [[0, 1], [2, 3]]
    assert rtensor.resize_as_(x.clone(), rtensor.zeros(2)).tolist() == [0, 1]
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        x.clone().requires_grad_().resize_(3)


def test_conjugate_transposes_and_isreal():
    x = RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))
    np.testing.assert_array_equal(t(x).mH.numpy(), x.conj().T)
    np.testing.assert_array_equal(t(x).adjoint().numpy(), x.conj().T)
    np.testing.assert_array_equal(t(x).H.numpy(), x.conj().T)
    assert t(x.real).mH.tolist() == x.real.T.tolist()
    with pytest.raises(RuntimeError, match="tensor.mH is only supported on matrices or batches "
                       "of matrices. Got 1-D tensor."):
        _ = rtensor.zeros(3).mH
    with pytest.raises(RuntimeError, match=re.escape(
            "tensor.H is only supported on matrices (2-D tensors). Got 3-D tensor.")):
        _ = rtensor.zeros(1, 2, 3).H
    assert rtensor.isreal(t([1 + 0j, 1 + 1j])).tolist() == [True, False]
    assert rtensor.isreal(rtensor.zeros(2)).tolist() == [True, True]


def test_cfloat_cdouble_and_rdiv():
    x = t(RNG.standard_normal((2, 3)), requires_grad=True)
    assert x.cfloat().dtype == rtensor.complex64 and x.cdouble().dtype == rtensor.complex128
    c = x.cdouble(memory_format=rtensor.contiguous_format)
    assert c.requires_grad
    c.real.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2
    y = t([1.0, 2.0, 4.0])
    assert y.__rdiv__(2.0).tolist() == [2.0, 1.0, 0.5]
