"""nanmedian, mode, histogram, histogramdd and gradient against NumPy (np.nanmedian,
np.histogram(dd), np.gradient, a counting oracle for mode), float64 gradcheck, and PyTorch's
error messages (recorded by hand from PyTorch 2.13). PyTorch's own OpInfo samples for these ops
are replayed by test_opinfo_sweep.py."""

import collections
import re

import numpy as np
import pytest
import rtensor
from rtensor.autograd import gradcheck

RNG = np.random.default_rng(7)
NAN = float("nan")


def t(a, **kw):
    return rtensor.tensor(np.asarray(a), **kw)


# ----- nanmedian -----


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((4, 6), 1), ((4, 6), 0), ((3, 5, 2), -2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_nanmedian_dim_matches_numpy_lower_median(shape, dim, keepdim):
    x = RNG.standard_normal(shape)
    x[RNG.random(shape) < 0.3] = np.nan
    v, i = rtensor.nanmedian(t(x), dim, keepdim)
    xs = np.moveaxis(x, dim, -1)
    # The lower median of the non-NaN values: sorted (NaN last), position (count - 1) // 2.
    s = np.sort(xs, axis=-1)
    k = np.maximum((~np.isnan(xs)).sum(-1) - 1, 0) // 2
    want = np.take_along_axis(s, k[..., None], -1)[..., 0]
    want[np.isnan(xs).all(-1)] = np.nan
    got_v = v.numpy() if not keepdim else v.squeeze(dim).numpy()
    np.testing.assert_array_equal(got_v, want)
    # Indices point at the chosen values.
    got_i = i if keepdim else i.unsqueeze(dim)
    back = np.take_along_axis(x, got_i.numpy(), dim)
    np.testing.assert_array_equal(np.squeeze(back, dim) if not keepdim else back,
                                  v.numpy())


def test_nanmedian_whole_tensor():
    x = np.array([[3.0, NAN, 1.0], [NAN, 2.0, 5.0]])
    assert rtensor.nanmedian(t(x)).item() == 2.0  # lower median of 1, 2, 3, 5
    assert np.isnan(rtensor.nanmedian(t([NAN, NAN])).item())
    assert np.isnan(rtensor.nanmedian(rtensor.tensor([])).item())
    assert t(x).nanmedian().item() == 2.0


def test_nanmedian_gradient_goes_to_the_chosen_element():
    x = t([[1.0, NAN, 3.0, 2.0], [4.0, 0.5, NAN, 9.0]], requires_grad=True)
    v, i = rtensor.nanmedian(x, 1)
    assert v.grad_fn.name() == "NanmedianBackward1"
    v.sum().backward()
    want = np.zeros((2, 4))
    want[[0, 1], i.numpy()] = 1
    np.testing.assert_array_equal(x.grad.numpy(), want)
    y = t(RNG.standard_normal((3, 4)), requires_grad=True)
    assert rtensor.nanmedian(y).grad_fn.name() == "NanmedianBackward0"
    assert gradcheck(lambda a: rtensor.nanmedian(a, 0).values, (y,))
    assert gradcheck(lambda a: rtensor.nanmedian(a), (y,))


def test_nanmedian_empty_dim_raises():
    with pytest.raises(IndexError, match=re.escape(
            "median(): Expected reduction dim 1 to have non-zero size.")):
        rtensor.nanmedian(rtensor.zeros(2, 0), 1)


# ----- mode -----


def _mode_oracle(row):
    counts = collections.Counter(row.tolist())
    top = max(counts.values())
    value = min(v for v, c in counts.items() if c == top)
    return value, max(j for j, v in enumerate(row.tolist()) if v == value)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_mode_matches_a_counting_oracle(dtype, dim):
    x = RNG.integers(0, 4, (5, 9)).astype(dtype)
    v, i = rtensor.mode(t(x), dim)
    xs = np.moveaxis(x, dim, -1)
    for r in range(xs.shape[0]):
        assert (v[r].item(), i[r].item()) == _mode_oracle(xs[r])
    vk, ik = rtensor.mode(t(x), dim, keepdim=True)
    assert vk.shape == tuple(1 if d == dim % 2 else s for d, s in enumerate(x.shape))
    assert ik.squeeze(dim).tolist() == i.tolist()


def test_mode_examples_from_pytorch():
    # Recorded from PyTorch 2.13: ties go to the smaller value, the index is the last one.
    assert tuple(rtensor.mode(t([1.0, 2, 2, 3, 3, 1, 5]))) == (1.0, 5)
    v, i = rtensor.mode(t([[3.0, 1, 3, 1], [2, 2, 0, 0]]), 1)
    assert v.tolist() == [1.0, 0.0] and i.tolist() == [3, 3]
    v, i = rtensor.tensor(3.0).mode()
    assert (v.item(), i.item()) == (3.0, 0)


def test_mode_gradient_and_errors():
    x = t(RNG.integers(0, 3, (3, 6)).astype(np.float64), requires_grad=True)
    v, i = x.mode(1)
    assert v.grad_fn.name() == "ModeBackward0"
    v.sum().backward()
    want = np.zeros((3, 6))
    want[np.arange(3), i.numpy()] = 1
    np.testing.assert_array_equal(x.grad.numpy(), want)
    with pytest.raises(IndexError, match=re.escape(
            "mode(): Expected reduction dim 0 to have non-zero size.")):
        rtensor.mode(rtensor.tensor([]))


# ----- histogram / histogramdd -----


@pytest.mark.parametrize("bins", [1, 3, 10])
@pytest.mark.parametrize("rng", [None, (-1.0, 0.5)])
@pytest.mark.parametrize("density", [False, True])
def test_histogram_matches_numpy(bins, rng, density):
    x = RNG.standard_normal(50)
    w = RNG.random(50)
    for weight in (None, w):
        h, e = rtensor.histogram(t(x), bins, range=rng, density=density,
                                 weight=None if weight is None else t(weight))
        nh, ne = np.histogram(x, bins, range=rng, weights=weight, density=density)
        np.testing.assert_allclose(e.numpy(), ne, rtol=1e-12)
        np.testing.assert_allclose(h.numpy(), nh, rtol=1e-12)


def test_histogram_with_edges_and_pytorch_examples():
    x = t([1.0, 2, 3, 4])
    h, e = rtensor.histogram(x, bins=t([0.0, 2, 2.5]), weight=t([1.0, 2, 3, 4]), density=True)
    np.testing.assert_allclose(h.numpy(), [1 / 6, 4 / 3], rtol=1e-6)  # PyTorch: 0.1667, 1.3333
    h, e = rtensor.histogram(t([1.0, 1, 1]), 3)
    assert h.tolist() == [0, 3, 0]
    np.testing.assert_allclose(e.numpy(), [0.5, 5 / 6, 7 / 6, 1.5], rtol=1e-6)
    h, e = rtensor.histogram(rtensor.tensor([]), 3)
    assert h.tolist() == [0, 0, 0] and np.allclose(e.numpy(), [0, 1 / 3, 2 / 3, 1])
    assert h.dtype == rtensor.float32


@pytest.mark.parametrize("bins", [4, [2, 3], "edges"])
@pytest.mark.parametrize("density", [False, True])
def test_histogramdd_matches_numpy(bins, density):
    x = RNG.standard_normal((40, 2))
    w = RNG.random(40)
    if bins == "edges":
        nb = [np.array([-2.0, -0.5, 0.0, 1.5]), np.array([-1.0, 1.0])]
        rb = [t(b) for b in nb]
    else:
        nb = rb = bins
    h, e = rtensor.histogramdd(t(x), rb, weight=t(w), density=density)
    nh, ne = np.histogramdd(x, nb, weights=w, density=density)
    np.testing.assert_allclose(h.numpy(), nh, rtol=1e-12)
    for a, b in zip(e, ne):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-12)


def test_histogram_errors_are_pytorchs():
    with pytest.raises(NotImplementedError, match="\"histogramdd\" not implemented for 'Long'"):
        rtensor.histogram(t([1, 2]), 3)
    with pytest.raises(RuntimeError, match=re.escape(
            "torch.histogram(): bins must be > 0, but got -1 for dimension 0")):
        rtensor.histogram(t([1.0, 2]), -1)
    with pytest.raises(RuntimeError, match=re.escape(
            "torch.histogramdd: min should not exceed max, but got min 2 max 1 for dimension 0")):
        rtensor.histogram(t([1.0, 2]), 3, range=(2.0, 1.0))
    with pytest.raises(RuntimeError, match=re.escape(
            "torch.histogramdd: dimension 0's range [nan, nan] is not finite")):
        rtensor.histogram(t([1.0, NAN]), 3)
    with pytest.raises(RuntimeError, match=re.escape(
            "torch.histogramdd: input tensor should have at least 2 dimensions")):
        rtensor.histogramdd(rtensor.zeros(3), 2)
    with pytest.raises(RuntimeError, match=re.escape(
            "histogramdd: The size of bins must be equal to the innermost dimension of the "
            "input.")):
        rtensor.histogramdd(rtensor.zeros(3, 2), [2])


# ----- gradient -----


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("shape", [(7,), (4, 5), (3, 4, 5)])
def test_gradient_uniform_matches_numpy(edge_order, shape):
    x = RNG.standard_normal(shape)
    got = rtensor.gradient(t(x), edge_order=edge_order)
    want = np.gradient(x, edge_order=edge_order)
    want = [want] if len(shape) == 1 else want
    assert len(got) == len(shape)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-12, atol=1e-12)
    got = rtensor.gradient(t(x), spacing=0.5, dim=-1, edge_order=edge_order)
    np.testing.assert_allclose(got[0].numpy(),
                               np.gradient(x, 0.5, axis=-1, edge_order=edge_order),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_coordinates_match_numpy(edge_order):
    x = RNG.standard_normal((6, 5))
    c0 = np.cumsum(RNG.random(6) + 0.1)
    c1 = np.cumsum(RNG.random(5) + 0.1)
    got = rtensor.gradient(t(x), spacing=(t(c0), t(c1)), edge_order=edge_order)
    want = np.gradient(x, c0, c1, edge_order=edge_order)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-10, atol=1e-12)
    got = rtensor.gradient(t(x), spacing=[2.0, 3.0], dim=[1, 0], edge_order=edge_order)
    np.testing.assert_allclose(got[0].numpy(), np.gradient(x, 2.0, axis=1,
                                                           edge_order=edge_order), rtol=1e-12)
    np.testing.assert_allclose(got[1].numpy(), np.gradient(x, 3.0, axis=0,
                                                           edge_order=edge_order), rtol=1e-12)


def test_gradient_integer_input_and_autograd():
    g = rtensor.gradient(t([1, 4, 9, 16]))[0]
    assert g.dtype == rtensor.float32 and g.tolist() == [3, 4, 6, 7]  # PyTorch's result
    x = t(RNG.standard_normal((4, 5)), requires_grad=True)
    assert gradcheck(lambda a: rtensor.gradient(a, edge_order=2), (x,))
    c = t(np.cumsum(RNG.random(5) + 0.2))
    assert gradcheck(lambda a: rtensor.gradient(a, spacing=(c,), dim=1), (x,))


def test_gradient_errors_are_pytorchs():
    x = rtensor.zeros(4, 5)
    with pytest.raises(RuntimeError, match=re.escape(
            "torch.gradient only supports edge_order=1 and edge_order=2.")):
        rtensor.gradient(x, edge_order=3)
    with pytest.raises(RuntimeError, match=re.escape(
            "torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
            "equal to 'self.dim() = 2', since dim argument was not given, but got a list of "
            "length 3")):
        rtensor.gradient(x, spacing=[1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match=re.escape(
            "Dimension out of range (expected to be in range of [-2, 1], but got 5)")):
        rtensor.gradient(x, dim=5)
    with pytest.raises(RuntimeError, match=re.escape(
            "torch.gradient expected each dimension size to be at least edge_order+1")):
        rtensor.gradient(rtensor.ones(1, 5))
