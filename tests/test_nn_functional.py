"""``rtensor.nn.functional`` outside the losses: activations, the softmax family, linear maps,
embeddings, padding, dropout, normalization and distances.

Oracles: NumPy implementations of the documented formulas (written here in float64, with the
stable forms where the naive one overflows), float64 finite differences
(``rtensor.autograd.gradcheck``), ``tests/data/grad_fn_names.json`` (PyTorch's node names) and
``tests/data/rng_cases.json`` (PyTorch's own dropout output).
"""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from rtensor.autograd import gradcheck, gradgradcheck

DATA = Path(__file__).parent / "data"
F64 = torch.float64


def t(a, dtype=None):
    return torch.tensor(np.asarray(a).tolist(), dtype=dtype)


def n(x):
    return np.asarray(x.detach().double().numpy(), dtype=np.float64)


def leaf(a):
    return torch.tensor(np.asarray(a, dtype=np.float64).tolist(), dtype=F64).requires_grad_()


# ----- NumPy references -----

_erf = np.vectorize(math.erf)


def np_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def np_softplus(x):
    return np.logaddexp(0.0, x)


SELU_A = 1.6732632423543772848170429916717
SELU_S = 1.0507009873554804934193349852946

# name -> (rtensor call, NumPy reference, smooth enough for a second derivative)
ACTIVATIONS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0), False),
    "relu6": (F.relu6, lambda x: np.clip(x, 0, 6), False),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), False),
    "leaky_relu_0.2": (lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x),
                       False),
    "elu": (F.elu, lambda x: np.where(x > 0, x, np.expm1(x)), False),
    "elu_0.5": (lambda x: F.elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
                False),
    "selu": (F.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)), False),
    "celu_2": (lambda x: F.celu(x, 2.0), lambda x: np.where(x > 0, x, 2 * np.expm1(x / 2)),
               False),
    "gelu": (F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), True),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                   * (x + 0.044715 * x ** 3))), True),
    "silu": (F.silu, lambda x: x * np_sigmoid(x), True),
    "mish": (F.mish, lambda x: x * np.tanh(np_softplus(x)), True),
    "sigmoid": (F.sigmoid, np_sigmoid, True),
    "logsigmoid": (F.logsigmoid, lambda x: -np_softplus(-x), True),
    "tanh": (F.tanh, np.tanh, True),
    "tanhshrink": (F.tanhshrink, lambda x: x - np.tanh(x), True),
    "softplus": (F.softplus, lambda x: np.where(x > 20, x, np_softplus(x)), True),
    "softplus_beta2_th5": (lambda x: F.softplus(x, beta=2, threshold=5),
                           lambda x: np.where(2 * x > 5, x, np_softplus(2 * x) / 2), False),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), True),
    "hardtanh": (F.hardtanh, lambda x: np.clip(x, -1, 1), False),
    "hardtanh_-2_3": (lambda x: F.hardtanh(x, -2.0, 3.0), lambda x: np.clip(x, -2, 3), False),
    "hardswish": (F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6, False),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, False),
    "hardshrink": (F.hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0), False),
    "softshrink": (F.softshrink,
                   lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)), False),
    "softshrink_1": (lambda x: F.softshrink(x, 1.0),
                     lambda x: np.where(x > 1, x - 1, np.where(x < -1, x + 1, 0)), False),
    "threshold": (lambda x: F.threshold(x, 0.3, -2.0), lambda x: np.where(x > 0.3, x, -2.0),
                  False),
    "rrelu_eval": (F.rrelu, lambda x: np.where(x >= 0, x, x * (1 / 8 + 1 / 3) / 2), False),
    "prelu_scalar": (lambda x: F.prelu(x, torch.tensor([0.25], dtype=x.dtype)),
                     lambda x: np.where(x > 0, x, 0.25 * x), False),
}


def inputs(dtype, seed=0):
    """Random values plus large magnitudes (where naive exp/log forms overflow) and exact
    zeros."""
    rng = np.random.default_rng(seed)
    a = np.concatenate([
        rng.normal(0, 3, 40),
        [0.0, -0.0, 1e-8, -1e-8, 25.0, -25.0, 90.0, -90.0, 1e3, -1e3, 1e4, -1e4],
    ])
    return a, torch.tensor(a.tolist(), dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_forward(name, dtype):
    fn, ref, _ = ACTIVATIONS[name]
    a, x = inputs(dtype)
    if dtype == torch.float32:
        a = a.astype(np.float32).astype(np.float64)  # the reference sees the rounded input
    out = fn(x)
    assert out.dtype == dtype and tuple(out.shape) == a.shape
    with np.errstate(over="ignore"):
        expect = ref(a)
    if dtype == torch.float32:
        np.testing.assert_allclose(n(out), expect, rtol=2e-6, atol=1e-6)
    else:
        np.testing.assert_allclose(n(out), expect, rtol=1e-12, atol=1e-13)
    assert np.isfinite(n(out)).all()


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_gradcheck(name):
    fn, _, smooth = ACTIVATIONS[name]
    rng = np.random.default_rng(1)
    x = leaf(rng.uniform(-4, 4, (3, 5)))
    assert gradcheck(fn, [x], eps=1e-6, atol=1e-5, rtol=1e-4)
    if smooth:
        assert gradgradcheck(fn, [x], eps=1e-6, atol=1e-5, rtol=1e-4)


def test_prelu_per_channel():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(2, 3, 4))
    w = np.array([0.1, 0.5, -0.3])
    out = F.prelu(t(a, F64), t(w, F64))
    np.testing.assert_allclose(n(out), np.where(a > 0, a, w[None, :, None] * a))
    assert gradcheck(F.prelu, [leaf(a), leaf(w)])
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel"):
        F.prelu(t(a, F64), t([0.1, 0.2], F64))
    with pytest.raises(RuntimeError, match="Type promoting not supported"):
        F.prelu(t(a, torch.float32), t(w, F64))
    # 1-d input: one channel.
    np.testing.assert_allclose(n(F.prelu(t([-2.0, 3.0]), t([0.5]))), [-1.0, 3.0])


def test_glu():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(2, 6, 3))
    for dim in (1, -2):
        out = F.glu(t(a, F64), dim)
        np.testing.assert_allclose(n(out), a[:, :3] * np_sigmoid(a[:, 3:]), rtol=1e-12)
    np.testing.assert_allclose(n(F.glu(t(a[:, :, :2], F64))),
                               a[:, :, :1] * np_sigmoid(a[:, :, 1:2]), rtol=1e-12)
    assert gradcheck(lambda x: F.glu(x, 1), [leaf(a)])
    assert gradgradcheck(lambda x: F.glu(x, 1), [leaf(a)])
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 2 is "
                                           "size 3"):
        F.glu(t(a))
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(torch.tensor(1.0))


def test_rrelu_training_draws():
    # Training mode: positives pass, each element <= 0 is scaled by its own uniform draw from
    # [lower, upper]; the draws are the float64 uniform_ stream over those elements in order.
    rng = np.random.default_rng(4)
    a = rng.normal(size=(4, 5))
    x = t(a)
    torch.manual_seed(7)
    out = F.rrelu(x, 0.1, 0.4, training=True)
    torch.manual_seed(7)
    neg = a.reshape(-1) <= 0
    draws = n(torch.empty(int(neg.sum()), dtype=F64).uniform_(0.1, 0.4))
    slopes = np.ones(a.size)
    slopes[neg] = draws.astype(np.float32)
    np.testing.assert_allclose(n(out).reshape(-1), (a.astype(np.float32).reshape(-1) * slopes),
                               rtol=1e-6)
    r = n(out)[a < 0] / a[a < 0]
    assert ((r >= 0.1 - 1e-6) & (r <= 0.4 + 1e-6)).all()
    # The gradient is the drawn slope (1 for positives).
    xl = leaf(a)
    torch.manual_seed(7)
    F.rrelu(xl, 0.1, 0.4, training=True).sum().backward()
    slopes = np.ones(a.size)
    slopes[neg] = draws
    np.testing.assert_allclose(n(xl.grad).reshape(-1), slopes)
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal"):
        F.rrelu(x, 0.5, 0.1, training=True)


def test_inplace_activations():
    rng = np.random.default_rng(5)
    a = rng.normal(0, 2, (3, 4))
    cases = [
        (lambda x: F.relu(x, inplace=True), F.relu),
        (F.relu_, F.relu),
        (lambda x: F.elu(x, 0.7, inplace=True), lambda x: F.elu(x, 0.7)),
        (F.elu_, F.elu),
        (lambda x: F.leaky_relu(x, 0.3, inplace=True), lambda x: F.leaky_relu(x, 0.3)),
        (F.leaky_relu_, F.leaky_relu),
        (lambda x: F.hardtanh(x, -0.5, 0.5, inplace=True), lambda x: F.hardtanh(x, -0.5, 0.5)),
        (F.hardtanh_, F.hardtanh),
        (lambda x: F.relu6(x, inplace=True), F.relu6),
        (lambda x: F.threshold(x, 0.1, 20.0, inplace=True), lambda x: F.threshold(x, 0.1, 20.)),
        (lambda x: F.threshold_(x, 0.1, 20.0), lambda x: F.threshold(x, 0.1, 20.0)),
        (lambda x: F.selu(x, inplace=True), F.selu),
        (F.selu_, F.selu),
        (F.celu_, F.celu),
        (lambda x: F.silu(x, inplace=True), F.silu),
        (lambda x: F.mish(x, inplace=True), F.mish),
        (lambda x: F.hardswish(x, inplace=True), F.hardswish),
        (lambda x: F.hardsigmoid(x, inplace=True), F.hardsigmoid),
        (lambda x: F.rrelu(x, inplace=True), F.rrelu),
        (F.rrelu_, F.rrelu),
    ]
    for inplace, plain in cases:
        x = t(a, F64)
        expect = n(plain(t(a, F64)))
        r = inplace(x)
        assert r is x
        np.testing.assert_allclose(n(x), expect, rtol=1e-15)
    # In place on a non-leaf keeps the gradient of the out-of-place form.
    for inplace, plain in cases[:4]:
        x1, x2 = leaf(a), leaf(a)
        inplace(x1 * 1.0).sum().backward()
        plain(x2).sum().backward()
        np.testing.assert_allclose(n(x1.grad), n(x2.grad))


def test_activation_errors():
    x = torch.randn(3)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(x, approximate="fast")
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0, but found to "
                                           r"be -0\.5\."):
        F.softshrink(x, -0.5)
    with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
        F.celu(x, 0.0)
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        F.elu(torch.tensor([1, 2]))


def test_hardtanh_integer_input_clamps():
    x = torch.tensor([-5, -1, 0, 3, 9])
    assert F.hardtanh(x, -2.5, 3.9).tolist() == [-2, -1, 0, 3, 3]
    assert F.relu6(x).tolist() == [0, 0, 0, 3, 6]
    with pytest.raises(RuntimeError, match="Bool inputs not supported for hardtanh"):
        F.hardtanh(torch.tensor([True]))


# ----- softmax family -----


def np_softmax(a, dim):
    m = a.max(axis=dim, keepdims=True)
    e = np.exp(a - m)
    return e / e.sum(axis=dim, keepdims=True)


def np_log_softmax(a, dim):
    m = a.max(axis=dim, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=dim, keepdims=True))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_softmax_family_values(dtype):
    rng = np.random.default_rng(6)
    a = rng.normal(0, 3, (3, 4, 5))
    x = t(a, dtype)
    tol = dict(rtol=1e-5, atol=1e-7) if dtype == torch.float32 else dict(rtol=1e-12)
    for dim in (0, 1, 2, -1):
        np.testing.assert_allclose(n(F.softmax(x, dim)), np_softmax(a, dim), **tol)
        np.testing.assert_allclose(n(F.log_softmax(x, dim)), np_log_softmax(a, dim), **tol)
        np.testing.assert_allclose(n(F.softmin(x, dim)), np_softmax(-a, dim), **tol)
        assert F.softmax(x, dim).dtype == dtype


def test_softmax_stable_for_large_logits():
    for dtype in (torch.float32, torch.float64):
        x = torch.tensor([[1e4, 0.0, -1e4], [1e4, 1e4 - 1, 1e4 - 2]], dtype=dtype)
        s, ls = F.softmax(x, 1), F.log_softmax(x, 1)
        assert np.isfinite(n(s)).all() and np.isfinite(n(ls)).all()
        np.testing.assert_allclose(n(s)[0], [1.0, 0.0, 0.0])
        np.testing.assert_allclose(n(ls)[0], [0.0, -1e4, -2e4])
        np.testing.assert_allclose(n(s)[1], np_softmax(np.array([2.0, 1.0, 0.0]), 0), rtol=1e-6)
        np.testing.assert_allclose(n(ls)[1], np_log_softmax(np.array([2.0, 1.0, 0.0]), 0),
                                   rtol=1e-6)
    # The gradient of log_softmax at huge logits is finite too.
    x = leaf([[1e4, 0.0, -1e4]])
    F.log_softmax(x, 1)[0, 1].backward()
    np.testing.assert_allclose(n(x.grad), [[-1.0, 1.0, 0.0]])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.data())
def test_softmax_sums_to_one_along_any_dim(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    scale = data.draw(st.sampled_from([1.0, 30.0, 1e3]))
    seed = data.draw(st.integers(0, 2**16))
    a = np.random.default_rng(seed).normal(0, scale, shape)
    x = t(a, F64)
    s = F.softmax(x, dim)
    np.testing.assert_allclose(n(s.sum(dim)), np.ones(n(s.sum(dim)).shape), rtol=1e-12)
    np.testing.assert_allclose(n(s), np_softmax(a, dim), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(n(F.log_softmax(x, dim)), np_log_softmax(a, dim), rtol=1e-10,
                               atol=1e-10)


def test_softmax_implicit_dim_rule_warns():
    rng = np.random.default_rng(7)
    for shape, dim in [((), 0), ((4,), 0), ((3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)]:
        a = rng.normal(size=shape)
        for fn, ref, name in [(F.softmax, np_softmax, "softmax"),
                              (F.log_softmax, np_log_softmax, "log_softmax"),
                              (F.softmin, lambda v, d: np_softmax(-v, d), "softmin")]:
            with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has "
                                                 "been deprecated"):
                out = fn(t(a, F64))
            np.testing.assert_allclose(n(out), ref(np.asarray(a), dim), rtol=1e-12)


def test_softmax_dtype_argument():
    a = np.random.default_rng(8).normal(size=(2, 3))
    x = t(a, torch.float32)
    out = F.softmax(x, 1, dtype=F64)
    assert out.dtype == F64
    np.testing.assert_allclose(n(out), np_softmax(a.astype(np.float32).astype(np.float64), 1),
                               rtol=1e-12)
    assert F.log_softmax(x, 1, dtype=F64).dtype == F64
    assert F.softmin(x, 1, dtype=F64).dtype == F64
    with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
        F.softmax(torch.tensor([1, 2]), 0)
    np.testing.assert_allclose(n(F.softmax(torch.tensor([1, 2]), 0, dtype=F64)),
                               np_softmax(np.array([1.0, 2.0]), 0))


def test_softmax_gradcheck():
    a = np.random.default_rng(9).normal(size=(3, 4))
    for fn in (F.softmax, F.log_softmax, F.softmin):
        for dim in (0, 1):
            f = (lambda fn_, d: lambda x: fn_(x, d))(fn, dim)
            assert gradcheck(f, [leaf(a)])
            assert gradgradcheck(f, [leaf(a)])


def test_gumbel_softmax():
    torch.manual_seed(0)
    logits = leaf(np.random.default_rng(10).normal(size=(5, 4)))
    y = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(n(y.sum(-1)), np.ones(5), rtol=1e-12)
    torch.manual_seed(0)
    h = F.gumbel_softmax(logits, tau=0.5, hard=True)
    hv = n(h)
    assert set(np.unique(hv)) <= {0.0, 1.0} and (hv.sum(-1) == 1).all()
    assert (hv.argmax(-1) == n(y).argmax(-1)).all()  # same draws: the soft sample's argmax
    h.sum().backward()
    assert logits.grad is not None


# ----- node names recorded by PyTorch -----


def test_grad_fn_names_from_pytorch():
    names = json.loads((DATA / "grad_fn_names.json").read_text())
    torch.manual_seed(0)
    env = {"torch": torch, "F": F, "tensor": torch.tensor,
           "x": torch.randn(3, 4, requires_grad=True), "y": torch.randn(3, 4, requires_grad=True)}
    keys = ["F.relu(x)", "F.log_softmax(x, dim=1)", "F.softmax(x, dim=1)",
            "F.nll_loss(F.log_softmax(x, 1), tensor([0, 1, 3]))",
            "F.cross_entropy(x, tensor([0, 1, 3]))", "F.mse_loss(x, y)", "F.gelu(x)"]
    for k in keys:
        assert eval(k, env).grad_fn.name() == names[k], k
    key = "torch.dropout-free: F.leaky_relu(x)"
    assert F.leaky_relu(env["x"]).grad_fn.name() == names[key]


# ----- linear maps -----


def test_linear():
    rng = np.random.default_rng(11)
    w, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    for shape in [(4,), (5, 4), (2, 5, 4)]:
        a = rng.normal(size=shape)
        np.testing.assert_allclose(n(F.linear(t(a, F64), t(w, F64), t(b, F64))), a @ w.T + b,
                                   rtol=1e-12)
        np.testing.assert_allclose(n(F.linear(t(a, F64), t(w, F64))), a @ w.T, rtol=1e-12)
        assert gradcheck(F.linear, [leaf(a), leaf(w), leaf(b)])
    # A 1-d weight maps (*, in) to (*).
    a = rng.normal(size=(5, 4))
    np.testing.assert_allclose(n(F.linear(t(a, F64), t(w[0], F64), t(2.0, F64))),
                               a @ w[0] + 2.0, rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(5x4 and 3x3\)"):
        F.linear(t(a), torch.randn(3, 3))


def test_bilinear():
    rng = np.random.default_rng(12)
    x1, x2 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 4))
    w, b = rng.normal(size=(6, 3, 4)), rng.normal(size=6)
    expect = np.einsum("...i,oij,...j->...o", x1, w, x2)
    np.testing.assert_allclose(n(F.bilinear(t(x1, F64), t(x2, F64), t(w, F64))), expect,
                               rtol=1e-12)
    np.testing.assert_allclose(n(F.bilinear(t(x1, F64), t(x2, F64), t(w, F64), t(b, F64))),
                               expect + b, rtol=1e-12)
    assert gradcheck(F.bilinear, [leaf(x1[0]), leaf(x2[0]), leaf(w), leaf(b)])
    with pytest.raises(RuntimeError, match="input1 size does not match weight size: got 3 but "
                                           "expected 4"):
        F.bilinear(t(x1), t(x2), torch.randn(6, 4, 4))
    with pytest.raises(RuntimeError, match="input batch dimensions do not match"):
        F.bilinear(t(x1), t(x2[:, :4]), t(w))


# ----- embeddings -----


def test_embedding_lookup_and_padding_idx():
    rng = np.random.default_rng(13)
    w = rng.normal(size=(6, 3))
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    out = F.embedding(torch.tensor(idx.tolist()), t(w, F64))
    np.testing.assert_allclose(n(out), w[idx])
    wl = leaf(w)
    F.embedding(torch.tensor(idx.tolist()), wl, padding_idx=2).sum().backward()
    counts = np.zeros((6, 1))
    np.add.at(counts, idx.reshape(-1), 1.0)
    counts[2] = 0.0
    np.testing.assert_allclose(n(wl.grad), np.broadcast_to(counts, (6, 3)))
    # A negative padding_idx counts from the end.
    wl = leaf(w)
    F.embedding(torch.tensor([5, 1]), wl, padding_idx=-1).sum().backward()
    assert n(wl.grad)[5].tolist() == [0.0, 0.0, 0.0] and n(wl.grad)[1].tolist() == [1, 1, 1]
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        F.embedding(torch.tensor([0]), t(w), padding_idx=6)
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(torch.tensor([6]), t(w))
    assert gradcheck(lambda v: F.embedding(torch.tensor(idx.tolist()), v), [leaf(w)])


def test_embedding_scale_grad_by_freq_and_sparse():
    rng = np.random.default_rng(14)
    w = rng.normal(size=(5, 2))
    idx = [0, 3, 3, 3, 1, 0]
    g = rng.normal(size=(6, 2))
    wl = leaf(w)
    F.embedding(torch.tensor(idx), wl, scale_grad_by_freq=True).backward(t(g, F64))
    expect = np.zeros((5, 2))
    freq = {i: idx.count(i) for i in idx}
    for p, i in enumerate(idx):
        expect[i] += g[p] / freq[i]
    np.testing.assert_allclose(n(wl.grad), expect, rtol=1e-12)
    # sparse=True: rtensor has no sparse tensors, the gradient is the same dense one.
    w2 = leaf(w)
    F.embedding(torch.tensor(idx), w2, sparse=True).backward(t(g, F64))
    dense = np.zeros((5, 2))
    np.add.at(dense, idx, g)
    np.testing.assert_allclose(n(w2.grad), dense, rtol=1e-12)


def test_embedding_max_norm_renormalises_rows_in_place():
    rng = np.random.default_rng(15)
    w = rng.normal(0, 2, (5, 3))
    weight = t(w)
    idx = torch.tensor([1, 3, 1])
    out = F.embedding(idx, weight, max_norm=1.5)
    w32 = w.astype(np.float32).astype(np.float64)
    expect = w32.copy()
    for r in (1, 3):
        norm = np.linalg.norm(w32[r])
        if norm > 1.5:
            expect[r] = w32[r] * np.float32(1.5 / (norm + 1e-7))
    np.testing.assert_allclose(n(weight), expect, rtol=1e-6)  # rows 0, 2, 4 untouched
    assert (n(weight)[[0, 2, 4]] == w32[[0, 2, 4]]).all()
    np.testing.assert_allclose(n(out), expect[[1, 3, 1]], rtol=1e-6)
    # With norm_type=1 the 1-norm is bounded.
    weight = t(w)
    F.embedding(torch.tensor([0, 4]), weight, max_norm=1.0, norm_type=1.0)
    assert (np.abs(n(weight)[[0, 4]]).sum(1) <= 1.0 + 1e-6).all()


def np_embedding_bag(idx, w, bounds, mode, psw=None, pad=None):
    out = []
    for b in range(len(bounds) - 1):
        rows = [w[idx[p]] * (1.0 if psw is None else psw[p]) for p in range(bounds[b], bounds[b + 1])
                if idx[p] != pad]
        if not rows:
            out.append(np.zeros(w.shape[1]))
        elif mode == "sum":
            out.append(np.sum(rows, 0))
        elif mode == "mean":
            out.append(np.mean(rows, 0))
        else:
            out.append(np.max(rows, 0))
    return np.array(out)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    rng = np.random.default_rng(16)
    w = rng.normal(size=(10, 3))
    idx = [1, 2, 4, 5, 4, 3, 2, 9]
    offsets = [0, 4, 4, 6]  # the second bag is empty
    out = F.embedding_bag(torch.tensor(idx), t(w, F64), torch.tensor(offsets), mode=mode)
    np.testing.assert_allclose(n(out), np_embedding_bag(idx, w, offsets + [8], mode), rtol=1e-12)
    # include_last_offset: the offsets list carries the end of the last bag.
    out = F.embedding_bag(torch.tensor(idx), t(w, F64), torch.tensor([0, 4, 6]), mode=mode,
                          include_last_offset=True)
    np.testing.assert_allclose(n(out), np_embedding_bag(idx, w, [0, 4, 6], mode), rtol=1e-12)
    # 2-d input: fixed-length bags.
    i2 = [[1, 2, 4], [5, 4, 3]]
    out = F.embedding_bag(torch.tensor(i2), t(w, F64), mode=mode)
    np.testing.assert_allclose(n(out), np_embedding_bag(idx[:6], w, [0, 3, 6], mode), rtol=1e-12)
    # padding_idx is left out of the reduction (and of the mean's count).
    out = F.embedding_bag(torch.tensor(idx), t(w, F64), torch.tensor(offsets), mode=mode,
                          padding_idx=4)
    np.testing.assert_allclose(n(out), np_embedding_bag(idx, w, offsets + [8], mode, pad=4),
                               rtol=1e-12)
    assert gradcheck(lambda v: F.embedding_bag(torch.tensor(idx), v, torch.tensor(offsets),
                                               mode=mode), [leaf(w)])


def test_embedding_bag_per_sample_weights_and_errors():
    rng = np.random.default_rng(17)
    w = rng.normal(size=(6, 2))
    idx, off, psw = [0, 1, 5, 2], [0, 2], rng.normal(size=4)
    out = F.embedding_bag(torch.tensor(idx), t(w, F64), torch.tensor(off), mode="sum",
                          per_sample_weights=t(psw, F64))
    np.testing.assert_allclose(n(out), np_embedding_bag(idx, w, off + [4], "sum", psw),
                               rtol=1e-12)
    assert gradcheck(lambda v, p: F.embedding_bag(torch.tensor(idx), v, torch.tensor(off),
                                                  mode="sum", per_sample_weights=p),
                     [leaf(w), leaf(psw)])
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for "
                                                  "mode='sum'"):
        F.embedding_bag(torch.tensor(idx), t(w), torch.tensor(off), per_sample_weights=t(psw))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(torch.tensor(idx), t(w))
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(torch.tensor([idx]), t(w), torch.tensor(off))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(torch.tensor(idx), t(w), torch.tensor(off), mode="median")
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(torch.tensor(idx), t(w), torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient"):
        F.embedding_bag(torch.tensor(idx), t(w), torch.tensor(off), mode="max",
                        scale_grad_by_freq=True)


def test_one_hot():
    v = [0, 2, 1, 2]
    assert F.one_hot(torch.tensor(v)).tolist() == np.eye(3, dtype=int)[v].tolist()
    assert F.one_hot(torch.tensor(v), 5).tolist() == np.eye(5, dtype=int)[v].tolist()
    out = F.one_hot(torch.tensor([[0, 3], [1, 1]]))
    assert out.dtype == torch.int64 and tuple(out.shape) == (2, 2, 4)
    assert out.tolist() == np.eye(4, dtype=int)[[[0, 3], [1, 1]]].tolist()
    assert tuple(F.one_hot(torch.zeros(0, dtype=torch.int64), 3).shape) == (0, 3)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(torch.tensor(v), 2)
    with pytest.raises(RuntimeError, match="Class values must be non-negative"):
        F.one_hot(torch.tensor([-1, 0]))
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor"):
        F.one_hot(torch.tensor([0.0]))
    with pytest.raises(RuntimeError, match="Can not infer total number of classes"):
        F.one_hot(torch.zeros(0, dtype=torch.int64))


# ----- padding -----


def np_pad(a, pad, mode, value=0.0):
    widths = [(0, 0)] * a.ndim
    for k in range(len(pad) // 2):
        widths[a.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    crop = tuple(slice(max(-lo, 0), a.shape[d] - max(-hi, 0)) for d, (lo, hi) in
                 enumerate(widths))
    a = a[crop]
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    kind = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
            "circular": "wrap"}[mode]
    if kind == "constant":
        return np.pad(a, widths, mode="constant", constant_values=value)
    return np.pad(a, widths, mode=kind)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes(mode):
    rng = np.random.default_rng(18)
    cases = [((2, 5), (2, 1)), ((2, 3, 5), (1, 3)), ((1, 2, 4, 5), (2, 1, 0, 3)),
             ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2))]
    for shape, pd in cases:
        a = rng.normal(size=shape)
        out = F.pad(t(a, F64), pd, mode=mode)
        np.testing.assert_array_equal(n(out), np_pad(a, pd, mode))
        assert gradcheck(lambda x, pd=pd: F.pad(x, pd, mode=mode), [leaf(a)])


def test_pad_constant_value_negative_and_any_rank():
    rng = np.random.default_rng(19)
    a = rng.normal(size=(3, 4, 5))
    for pd in [(1,), (1, 2), (0, 0, 2, 1, 1, 1), (-1, 2), (2, -3, -1, 0)]:
        if len(pd) % 2:
            continue
        out = F.pad(t(a, F64), pd, value=-7.5)
        np.testing.assert_array_equal(n(out), np_pad(a, pd, "constant", -7.5))
    assert gradcheck(lambda x: F.pad(x, (2, -3, -1, 1), value=1.0), [leaf(a)])
    # No padding at all still returns a new tensor.
    x = t(a)
    y = F.pad(x, (0, 0))
    assert y is not x and (n(y) == n(x)).all()
    # Integer tensors keep their dtype.
    assert F.pad(torch.tensor([1, 2]), (1, 1), value=9).tolist() == [9, 1, 2, 9]


def test_pad_errors():
    x = torch.randn(1, 2, 3)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two "
                                           "times the input dimension"):
        F.pad(x, (1,) * 8)
    with pytest.raises(RuntimeError, match=r"Argument #4: Padding size should be less than the "
                                           r"corresponding input dimension, but got: padding "
                                           r"\(3, 3\) at dimension 2 of input \[1, 2, 3\]"):
        F.pad(x, (3, 3), mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input"):
        F.pad(torch.randn(3), (1, 1), mode="replicate")
    with pytest.raises(RuntimeError, match="Padding mode \"reflect\" doesn't take in value"):
        F.pad(x, (1, 1), mode="reflect", value=2.0)
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode wrap"):
        F.pad(x, (1, 1), mode="wrap")
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once"):
        F.pad(x, (4, 0), mode="circular")
    with pytest.raises(RuntimeError, match=r"narrow\(\): length must be non-negative"):
        F.pad(x, (-2, -2))


def test_pad_node_names():
    x = torch.randn(1, 2, 4, 4, requires_grad=True)
    assert F.pad(x, (1, 1)).grad_fn.name() == "ConstantPadNdBackward0"
    assert F.pad(x, (1, 1, 1, 1), mode="reflect").grad_fn.name() == (
        "ReflectionPad2DBackward0")
    assert F.pad(x[0], (1, 1), mode="replicate").grad_fn.name() == (
        "ReplicationPad1DBackward0")


# ----- dropout -----


def test_dropout_matches_pytorch_stream():
    case = next(c for c in json.loads((DATA / "rng_cases.json").read_text())
                if c["call"] == "F.dropout(ones(20), p=0.5, training=True)")
    torch.manual_seed(case["seed"])
    out = F.dropout(torch.ones(20), p=0.5, training=True)
    expect = [float.fromhex(h) for h in case["results"][0]["hex"]]
    assert n(out).tolist() == expect


def test_dropout_semantics():
    rng = np.random.default_rng(20)
    a = rng.normal(size=(50, 40)) + 3.0
    x = t(a)
    out = n(F.dropout(x, 0.3))
    a32 = a.astype(np.float32).astype(np.float64)
    scale = float(np.float32(1) / np.float32(0.7))
    kept = out != 0
    np.testing.assert_allclose(out[kept], (a32 * np.float32(scale))[kept], rtol=1e-6)
    assert 0.6 < kept.mean() < 0.8
    # The mask is bernoulli_(1 - p), drawn in memory order: same seed, same mask.
    torch.manual_seed(3)
    d = n(F.dropout(x, 0.3))
    torch.manual_seed(3)
    mask = n(torch.empty(50, 40).bernoulli_(0.7))
    assert ((d != 0) == (mask == 1)).all()
    assert F.dropout(x, 0.3, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert (n(F.dropout(x, 1.0)) == 0).all()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got 1.5"):
        F.dropout(x, 1.5)
    y = t(a)
    r = F.dropout(y, 0.5, inplace=True)
    assert r is y and ((n(y) == 0) | np.isclose(n(y), 2 * a32)).all()
    # Gradient: the same mask and scale.
    xl = leaf(a)
    torch.manual_seed(4)
    o = F.dropout(xl, 0.25)
    o.sum().backward()
    np.testing.assert_allclose(n(xl.grad), (n(o) != 0) / 0.75)
    assert o.grad_fn.name() == "MulBackward0"


def test_feature_dropout_zeroes_whole_channels():
    x = torch.ones(8, 6, 5, 4)
    out = n(F.dropout2d(x, 0.5))
    per_channel = out.reshape(8, 6, -1)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    out = n(F.dropout1d(torch.ones(8, 6, 5), 0.5))
    assert ((out == 0).all(-1) | (out == 2).all(-1)).all()
    out = n(F.dropout1d(torch.ones(6, 5), 0.5))  # unbatched
    assert out.shape == (6, 5) and ((out == 0).all(-1) | (out == 2).all(-1)).all()
    out = n(F.dropout3d(torch.ones(4, 3, 2, 2, 2), 0.5))
    r = out.reshape(4, 3, -1)
    assert ((r == 0).all(-1) | (r == 2).all(-1)).all()
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a "
                                           "4D input"):
        F.dropout1d(torch.ones(2, 2, 2, 2))
    with pytest.warns(UserWarning, match="dropout2d: Received a 2-D input to dropout2d"):
        F.dropout2d(torch.ones(3, 4))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(torch.ones(3, 4, 5))


def test_alpha_dropout_affine_map():
    alpha = 1.7580993408473766
    p = 0.2
    a = 1 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
    x = t(np.random.default_rng(21).normal(size=(30, 30)), F64)
    out = n(F.alpha_dropout(x, p, training=True))
    xv = n(x)
    kept = np.isclose(out, xv * a + alpha * a * p)
    dropped = np.isclose(out, np.full_like(xv, -alpha * a + alpha * a * p))
    assert (kept | dropped).all() and 0.7 < kept.mean() < 0.9
    assert F.alpha_dropout(x, p) is x  # training defaults to False
    out = n(F.feature_alpha_dropout(t(np.ones((6, 5, 4)), F64), 0.5, training=True))
    assert np.isclose(out, out[:, :, :1]).all()  # one draw per channel


# ----- normalization -----


def np_layer_norm(a, k, w=None, b=None, eps=1e-5):
    axes = tuple(range(a.ndim - k, a.ndim))
    m = a.mean(axes, keepdims=True)
    v = a.var(axes, keepdims=True)
    y = (a - m) / np.sqrt(v + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def test_layer_norm():
    rng = np.random.default_rng(22)
    a = rng.normal(2, 3, (4, 3, 5))
    w, b = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    np.testing.assert_allclose(n(F.layer_norm(t(a, F64), (5,))), np_layer_norm(a, 1), rtol=1e-10)
    np.testing.assert_allclose(n(F.layer_norm(t(a, F64), [3, 5], t(w, F64), t(b, F64), 1e-3)),
                               np_layer_norm(a, 2, w, b, 1e-3), rtol=1e-10)
    np.testing.assert_allclose(n(F.layer_norm(t(a), 5)), np_layer_norm(a, 1), rtol=1e-5,
                               atol=1e-5)
    assert gradcheck(lambda x, w_, b_: F.layer_norm(x, (3, 5), w_, b_), [leaf(a), leaf(w),
                                                                         leaf(b)])
    assert gradgradcheck(lambda x: F.layer_norm(x, (5,)), [leaf(a[:2])])
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size\[4, 3, 5\]"):
        F.layer_norm(t(a), (4,))
    with pytest.raises(RuntimeError, match="Expected weight to be of same shape as "
                                           "normalized_shape"):
        F.layer_norm(t(a), (5,), torch.ones(4))
    x = torch.randn(2, 3, requires_grad=True)
    assert F.layer_norm(x, (3,)).grad_fn.name() == "NativeLayerNormBackward0"


def test_group_norm_and_rms_norm():
    rng = np.random.default_rng(23)
    a = rng.normal(1, 2, (3, 6, 4))
    w, b = rng.normal(size=6), rng.normal(size=6)
    g = a.reshape(3, 2, -1)
    expect = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)
              ).reshape(a.shape) * w[None, :, None] + b[None, :, None]
    np.testing.assert_allclose(n(F.group_norm(t(a, F64), 2, t(w, F64), t(b, F64))), expect,
                               rtol=1e-10)
    assert gradcheck(lambda x, w_, b_: F.group_norm(x, 3, w_, b_), [leaf(a), leaf(w), leaf(b)])
    with pytest.raises(RuntimeError, match="Expected number of channels in input to be "
                                           "divisible by num_groups"):
        F.group_norm(t(a), 4)
    rms = a / np.sqrt((a ** 2).mean(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(n(F.rms_norm(t(a, F64), (4,), eps=1e-6)), rms, rtol=1e-12)
    eps32 = float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(n(F.rms_norm(t(a), [4])),
                               a / np.sqrt((a ** 2).mean(-1, keepdims=True) + eps32), rtol=1e-5)
    assert gradcheck(lambda x: F.rms_norm(x, (4,)), [leaf(a)])


def test_batch_norm_training_and_eval():
    rng = np.random.default_rng(24)
    a = rng.normal(3, 2, (5, 3, 4))
    w, b = rng.normal(size=3), rng.normal(size=3)
    rm, rv = t(np.zeros(3), F64), t(np.ones(3), F64)
    out = F.batch_norm(t(a, F64), rm, rv, t(w, F64), t(b, F64), training=True, momentum=0.2)
    m = a.mean((0, 2))
    v = a.var((0, 2))
    expect = (a - m[None, :, None]) / np.sqrt(v[None, :, None] + 1e-5) * w[None, :, None] + (
        b[None, :, None])
    np.testing.assert_allclose(n(out), expect, rtol=1e-10)
    np.testing.assert_allclose(n(rm), 0.2 * m, rtol=1e-12)
    np.testing.assert_allclose(n(rv), 0.8 + 0.2 * a.var((0, 2), ddof=1), rtol=1e-12)
    out = F.batch_norm(t(a, F64), rm, rv, None, None, training=False)
    np.testing.assert_allclose(
        n(out), (a - n(rm)[None, :, None]) / np.sqrt(n(rv)[None, :, None] + 1e-5), rtol=1e-10)
    assert gradcheck(lambda x, w_, b_: F.batch_norm(x, None, None, w_, b_, training=True),
                     [leaf(a), leaf(w), leaf(b)])
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        F.batch_norm(torch.randn(1, 3), None, None, training=True)
    # instance norm: per sample and channel.
    inst = (a - a.mean(2, keepdims=True)) / np.sqrt(a.var(2, keepdims=True) + 1e-5)
    np.testing.assert_allclose(n(F.instance_norm(t(a, F64))), inst, rtol=1e-10)


def test_local_response_norm():
    rng = np.random.default_rng(25)
    a = rng.normal(size=(2, 5, 3))
    size, alpha, beta, k = 3, 1e-2, 0.75, 2.0
    sq = np.pad(a ** 2, ((0, 0), (size // 2, (size - 1) // 2), (0, 0)))
    div = np.stack([sq[:, c:c + size].sum(1) for c in range(5)], 1) / size
    expect = a / (k + alpha * div) ** beta
    np.testing.assert_allclose(n(F.local_response_norm(t(a, F64), size, alpha, beta, k)), expect,
                               rtol=1e-12)
    with pytest.raises(ValueError, match=r"Expected 3D or higher dimensionality\s+input"):
        F.local_response_norm(torch.randn(2, 3), 2)


# ----- distances -----


def test_normalize():
    rng = np.random.default_rng(26)
    a = rng.normal(size=(3, 4, 2))
    for p, dim in [(2.0, 1), (1.0, -1), (3.0, 0)]:
        norm = (np.abs(a) ** p).sum(dim, keepdims=True) ** (1 / p)
        np.testing.assert_allclose(n(F.normalize(t(a, F64), p, dim)), a / np.maximum(norm, 1e-12),
                                   rtol=1e-12)
    z = np.zeros((2, 3))
    assert (n(F.normalize(t(z, F64))) == 0).all()
    assert gradcheck(lambda x: F.normalize(x, dim=-1), [leaf(a)])


def test_cosine_similarity():
    rng = np.random.default_rng(27)
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(n(F.cosine_similarity(t(a, F64), t(b, F64))), cos, rtol=1e-12)
    # Broadcasting and another dim.
    c = rng.normal(size=(1, 5))
    cos0 = (a * c).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(c))
    np.testing.assert_allclose(n(F.cosine_similarity(t(a, F64), t(c, F64), dim=1)), cos0,
                               rtol=1e-12)
    # Each norm is clamped to eps separately.
    small = np.full((1, 5), 1e-10)
    out = n(F.cosine_similarity(t(small, F64), t(c, F64), eps=1e-8))
    np.testing.assert_allclose(out, (small / 1e-8 * c / np.linalg.norm(c)).sum(1), rtol=1e-12)
    assert gradcheck(lambda x, y: F.cosine_similarity(x, y, dim=0), [leaf(a), leaf(b)])


def test_pairwise_distance():
    rng = np.random.default_rng(28)
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    for p in (1.0, 2.0, 3.0, math.inf):
        d = a - b + 1e-6
        expect = np.abs(d).max(-1) if p == math.inf else (np.abs(d) ** p).sum(-1) ** (1 / p)
        np.testing.assert_allclose(n(F.pairwise_distance(t(a, F64), t(b, F64), p)), expect,
                                   rtol=1e-12)
    out = F.pairwise_distance(t(a, F64), t(b, F64), keepdim=True)
    assert tuple(out.shape) == (4, 1)
    assert gradcheck(F.pairwise_distance, [leaf(a), leaf(b)])
    x = torch.randn(2, 3, requires_grad=True)
    assert F.pairwise_distance(x, x * 2).grad_fn.name() == "NormBackward1"


def test_named_composites_support_double_backward():
    # NOTE [named composites]: a recorded backward rebuilds the composition from the inputs.
    a = np.random.default_rng(29).normal(size=(2, 6))
    assert gradgradcheck(lambda x: F.glu(x), [leaf(a)])
    assert gradgradcheck(lambda x, w: F.prelu(x, w), [leaf(a), leaf([0.3])])
    assert gradgradcheck(lambda x: F.pad(x, (1, 2), mode="reflect"), [leaf(a)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradgradcheck(lambda x: F.layer_norm(x, (6,)), [leaf(a)])


def test_scaled_dot_product_attention():
    rng = np.random.default_rng(30)
    q, k, v = rng.normal(size=(2, 3, 4, 8)), rng.normal(size=(2, 3, 5, 8)), rng.normal(
        size=(2, 3, 5, 6))

    def ref(q, k, v, bias=0.0, scale=None):
        w = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else
                                          scale) + bias
        return np_softmax(w, -1) @ v

    out = F.scaled_dot_product_attention(t(q, F64), t(k, F64), t(v, F64))
    np.testing.assert_allclose(n(out), ref(q, k, v), rtol=1e-12)
    np.testing.assert_allclose(
        n(F.scaled_dot_product_attention(t(q, F64), t(k, F64), t(v, F64), scale=0.3)),
        ref(q, k, v, scale=0.3), rtol=1e-12)
    mask = rng.uniform(size=(4, 5)) > 0.3
    mask[:, 0] = True
    np.testing.assert_allclose(
        n(F.scaled_dot_product_attention(t(q, F64), t(k, F64), t(v, F64), torch.tensor(
            mask.tolist()))), ref(q, k, v, np.where(mask, 0.0, -np.inf)), rtol=1e-12)
    fmask = rng.normal(size=(4, 5))
    np.testing.assert_allclose(
        n(F.scaled_dot_product_attention(t(q, F64), t(k, F64), t(v, F64), t(fmask, F64))),
        ref(q, k, v, fmask), rtol=1e-12)
    kq = k[:, :, :4]
    causal = np.where(np.tril(np.ones((4, 4))) > 0, 0.0, -np.inf)
    np.testing.assert_allclose(
        n(F.scaled_dot_product_attention(t(q, F64), t(kq, F64), t(v[:, :, :4], F64),
                                         is_causal=True)),
        ref(q, kq, v[:, :, :4], causal), rtol=1e-12)
    # Grouped-query attention: 3 query heads share one key/value head.
    np.testing.assert_allclose(
        n(F.scaled_dot_product_attention(t(q, F64), t(k[:, :1], F64), t(v[:, :1], F64),
                                         enable_gqa=True)),
        ref(q, np.repeat(k[:, :1], 3, 1), np.repeat(v[:, :1], 3, 1)), rtol=1e-12)
    assert gradcheck(F.scaled_dot_product_attention, [leaf(q[0, :1]), leaf(k[0, :1]),
                                                      leaf(v[0, :1])])


def test_tensor_and_torch_forms_of_softmax_match_numpy():
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 5)) * 10
    x = torch.tensor(a)
    e = np.exp(a - a.max(axis=1, keepdims=True))
    sm = e / e.sum(axis=1, keepdims=True)
    for got in (x.softmax(1), torch.softmax(x, dim=1), x.softmax(dim=-1)):
        np.testing.assert_allclose(got.numpy(), sm, rtol=1e-12)
    shifted = a - a.max(axis=1, keepdims=True)
    log_sm = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    for got in (x.log_softmax(1), torch.log_softmax(x, 1)):
        np.testing.assert_allclose(got.numpy(), log_sm, rtol=1e-12)
    assert torch.softmax(x.float(), 0, dtype=torch.float64).dtype == torch.float64
