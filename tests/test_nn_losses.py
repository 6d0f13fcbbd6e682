"""The losses of ``rtensor.nn.functional``.

Oracles: a NumPy implementation of each loss's documented formula (float64, stable forms where
the naive one overflows), written here independently of the code under test; for CTC, a brute
force sum over every alignment; float64 finite differences (``gradcheck``); PyTorch's error
classes and messages; ``tests/data/grad_fn_names.json`` for the node names it lists.
"""

import itertools
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from rtensor.autograd import gradcheck, gradgradcheck

F64 = torch.float64
REDUCTIONS = ["none", "mean", "sum"]


def t(a, dtype=F64):
    return torch.tensor(np.asarray(a).tolist(), dtype=dtype)


def idx(a):
    return torch.tensor(np.asarray(a, dtype=np.int64).tolist(), dtype=torch.int64)


def n(x):
    return np.asarray(x.detach().double().numpy(), dtype=np.float64)


def leaf(a):
    return t(a).requires_grad_()


def reduce_np(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def close(out, expect, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(n(out), np.asarray(expect, dtype=np.float64), rtol=rtol,
                               atol=atol)
    assert tuple(out.shape) == np.shape(expect)


def np_log_softmax(a, axis):
    m = a.max(axis=axis, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=axis, keepdims=True))


def np_logsigmoid(x):
    return -np.logaddexp(0.0, -x)


RNG = np.random.default_rng(0)


# ----- mse, l1, smooth l1, huber -----


def np_pointwise(name, d, param):
    ad = np.abs(d)
    if name == "mse":
        return d * d
    if name == "l1":
        return ad
    if name == "smooth_l1":
        return ad if param == 0 else np.where(ad < param, 0.5 * d * d / param, ad - 0.5 * param)
    return np.where(ad < param, 0.5 * d * d, param * (ad - 0.5 * param))


POINTWISE = {
    "mse": lambda x, y, r, p: F.mse_loss(x, y, reduction=r),
    "l1": lambda x, y, r, p: F.l1_loss(x, y, reduction=r),
    "smooth_l1": lambda x, y, r, p: F.smooth_l1_loss(x, y, reduction=r, beta=p),
    "huber": lambda x, y, r, p: F.huber_loss(x, y, reduction=r, delta=p),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,param", [("mse", None), ("l1", None), ("smooth_l1", 1.0),
                                        ("smooth_l1", 0.3), ("smooth_l1", 0.0), ("huber", 1.0),
                                        ("huber", 2.5)])
def test_pointwise_losses(name, param, reduction):
    a, b = RNG.normal(0, 2, (4, 5)), RNG.normal(0, 2, (4, 5))
    fn = POINTWISE[name]
    close(fn(t(a), t(b), reduction, param), reduce_np(np_pointwise(name, a - b, param),
                                                      reduction))
    out32 = fn(t(a, torch.float32), t(b, torch.float32), reduction, param)
    assert out32.dtype == torch.float32
    np.testing.assert_allclose(n(out32), reduce_np(np_pointwise(name, a - b, param), reduction),
                               rtol=1e-5, atol=1e-5)
    assert gradcheck(lambda x, y: fn(x, y, reduction, param), [leaf(a), leaf(b)])


def test_pointwise_losses_broadcast_with_warning():
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=(4,))
    for name, param in [("mse", None), ("l1", None), ("smooth_l1", 1.0), ("huber", 1.0)]:
        with pytest.warns(UserWarning, match="Using a target size .* that is different to the "
                                             "input size"):
            out = POINTWISE[name](t(a), t(b), "mean", param)
        close(out, np_pointwise(name, a - b, param).mean())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(t(a), t(a))


def test_pointwise_loss_errors_and_names():
    x, y = torch.randn(3, requires_grad=True), torch.randn(3)
    with pytest.raises(RuntimeError, match="smooth_l1_loss does not support negative values for "
                                           "beta"):
        F.smooth_l1_loss(x, y, beta=-1.0)
    with pytest.raises(RuntimeError, match="huber_loss does not support non-positive values for "
                                           "delta"):
        F.huber_loss(x, y, delta=0.0)
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.mse_loss(x, y, reduction="avg")
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.l1_loss(x, y, reduction="avg")
    assert F.smooth_l1_loss(x, y).grad_fn.name() == "SmoothL1LossBackward0"
    assert F.huber_loss(x, y).grad_fn.name() == "HuberLossBackward0"
    names = json.loads((Path(__file__).parent / "data" / "grad_fn_names.json").read_text())
    torch.manual_seed(0)
    env = {"torch": torch, "x": torch.randn(3, 4, requires_grad=True),
           "y": torch.randn(3, 4, requires_grad=True)}
    key = "torch.nn.MSELoss(reduction='sum')(x, y)"
    assert eval(key, env).grad_fn.name() == names[key]


# ----- nll_loss and cross_entropy -----


def np_nll(logp, target, weight=None, ignore_index=-100, reduction="mean"):
    """logp: (N, C, *) or (C,); target: (N, *) or ()."""
    if logp.ndim == 1:
        logp, target = logp[None], np.asarray(target)[None]
        squeeze = True
    else:
        squeeze = False
    c = logp.shape[1]
    w = np.ones(c) if weight is None else np.asarray(weight)
    lp = np.moveaxis(logp, 1, -1).reshape(-1, c)
    tg = np.asarray(target).reshape(-1)
    keep = tg != ignore_index
    safe = np.where(keep, tg, 0)
    wy = np.where(keep, w[safe], 0.0)
    losses = -wy * lp[np.arange(len(tg)), safe]
    if reduction == "none":
        out = losses.reshape(np.shape(target))
        return out[0] if squeeze else out
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / wy.sum()


def np_cross_entropy(x, target, weight=None, ignore_index=-100, reduction="mean",
                     smoothing=0.0):
    """The documented formula: targets smoothed to (1 - eps) one_hot + eps / C, each class
    term weighted by w_c; the mean divides by the summed weight of the targets' classes."""
    cdim = 0 if x.ndim == 1 else 1
    logp = np_log_softmax(x, cdim)
    if x.ndim == 1:
        logp, target = logp[None], np.asarray(target)[None]
    c = logp.shape[1]
    w = np.ones(c) if weight is None else np.asarray(weight)
    lp = np.moveaxis(logp, 1, -1).reshape(-1, c)
    tg = np.asarray(target).reshape(-1)
    keep = tg != ignore_index
    safe = np.where(keep, tg, 0)
    soft = (1 - smoothing) * np.eye(c)[safe] + smoothing / c
    losses = np.where(keep, -(soft * w * lp).sum(1), 0.0)
    if reduction == "none":
        return losses.reshape(np.shape(target)) if x.ndim > 1 else losses[0]
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / np.where(keep, w[safe], 0.0).sum()


def np_cross_entropy_probs(x, probs, weight=None, reduction="mean", smoothing=0.0):
    cdim = 0 if x.ndim == 1 else 1
    c = x.shape[cdim]
    p = probs * (1 - smoothing) + smoothing / c
    w = np.ones(c) if weight is None else np.asarray(weight)
    shape = [1] * x.ndim
    shape[cdim] = c
    per = -(np_log_softmax(x, cdim) * p * w.reshape(shape)).sum(cdim)
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    return per.sum() / (x.size // c)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", [(5,), (4, 5), (3, 5, 2), (2, 5, 3, 2), (2, 5, 2, 1, 3)],
                         ids=lambda s: f"{len(s)}d")
def test_nll_and_cross_entropy(shape, weighted, reduction):
    x = RNG.normal(0, 2, shape)
    c = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    target = RNG.integers(0, c, tshape)
    if len(tshape):
        target.reshape(-1)[0] = -100  # one ignored position
    w = RNG.uniform(0.5, 2.0, c) if weighted else None
    wt = None if w is None else t(w)
    lp = np_log_softmax(x, 0 if len(shape) == 1 else 1)
    close(F.nll_loss(t(lp), idx(target), wt, reduction=reduction),
          np_nll(lp, target, w, reduction=reduction))
    close(F.cross_entropy(t(x), idx(target), wt, reduction=reduction),
          np_cross_entropy(x, target, w, reduction=reduction))
    assert gradcheck(lambda v: F.cross_entropy(v, idx(target), wt, reduction=reduction),
                     [leaf(x)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_ignore_index_and_label_smoothing(reduction):
    x = RNG.normal(0, 2, (6, 4))
    target = np.array([0, 3, 2, 1, 3, 1])
    w = RNG.uniform(0.5, 2.0, 4)
    for ignore in (-100, 3, 0):
        for weight in (None, w):
            for eps in (0.0, 0.1, 1.0):
                wt = None if weight is None else t(weight)
                out = F.cross_entropy(t(x), idx(target), wt, ignore_index=ignore,
                                      reduction=reduction, label_smoothing=eps)
                close(out, np_cross_entropy(x, target, weight, ignore, reduction, eps))
    assert gradcheck(lambda v: F.cross_entropy(v, idx(target), t(w), ignore_index=3,
                                               reduction=reduction, label_smoothing=0.2),
                     [leaf(x)])
    # K-dimensional input with smoothing.
    xk = RNG.normal(size=(2, 4, 3))
    tk = np.array([[0, 1, 3], [2, 2, 1]])
    close(F.cross_entropy(t(xk), idx(tk), t(w), reduction=reduction, label_smoothing=0.3),
          np_cross_entropy(xk, tk, w, reduction=reduction, smoothing=0.3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets(reduction):
    w = RNG.uniform(0.5, 2.0, 4)
    for shape in [(4,), (5, 4), (2, 4, 3)]:
        x = RNG.normal(0, 2, shape)
        cdim = 0 if len(shape) == 1 else 1
        probs = np.exp(np_log_softmax(RNG.normal(size=shape), cdim))
        for weight in (None, w):
            for eps in (0.0, 0.25):
                wt = None if weight is None else t(weight)
                out = F.cross_entropy(t(x), t(probs), wt, reduction=reduction,
                                      label_smoothing=eps)
                close(out, np_cross_entropy_probs(x, probs, weight, reduction, eps))
        assert gradcheck(lambda v, p: F.cross_entropy(v, p, t(w), reduction=reduction),
                         [leaf(x), leaf(probs)])
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point "
                                           "target"):
        F.cross_entropy(t(x), t(probs), ignore_index=1)
    with pytest.raises(RuntimeError, match="Expected floating point type for target with class "
                                           "probabilities, got Long"):
        F.cross_entropy(t(np.zeros(3)), idx([0, 1, 2]))


def test_cross_entropy_stable_for_large_logits():
    for dtype in (torch.float32, torch.float64):
        x = torch.tensor([[1e4, 0.0, -1e4], [-1e4, 1e4, 5e3]], dtype=dtype, requires_grad=True)
        loss = F.cross_entropy(x, idx([1, 0]), reduction="none")
        np.testing.assert_allclose(n(loss), [1e4, 2e4], rtol=1e-6)
        assert np.isfinite(n(F.cross_entropy(x, idx([0, 1])))).all()
        F.cross_entropy(x, idx([1, 0])).backward()
        # d/dx = (softmax - one_hot) / N
        np.testing.assert_allclose(n(x.grad), [[0.5, -0.5, 0.0], [-0.5, 0.5, 0.0]], atol=1e-6)


def test_nll_loss_errors():
    x = torch.randn(3, 5)
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.nll_loss(x, idx([0, 5, 1]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        F.cross_entropy(x, idx([0, -1, 1]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)\."):
        F.cross_entropy(x, idx([0, 1]))
    with pytest.raises(RuntimeError, match="expected scalar type Long but found Int"):
        F.nll_loss(x, torch.tensor([0, 1, 2], dtype=torch.int32))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 5 "
                                           "classes or no classes"):
        F.nll_loss(x, idx([0, 1, 2]), torch.ones(4))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 3\]"):
        F.nll_loss(torch.randn(2, 5, 4), idx(np.zeros((2, 3))))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not "
                                           "supported"):
        F.nll_loss(x, idx(np.zeros((3, 2))))
    with pytest.raises(RuntimeError, match=r"label_smoothing must be between 0\.0 and 1\.0\. "
                                           r"Got: 1\.5"):
        F.cross_entropy(x, idx([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.nll_loss(x, idx([0, 1, 2]), reduction="avg")


def test_nll_loss_unbatched_input():
    lp = t([-1.0, -2.0, -3.0])
    close(F.nll_loss(lp, idx(2)), 3.0)
    close(F.nll_loss(lp, idx(1), t([1.0, 4.0, 1.0]), reduction="none"), -4.0 * -2.0)
    close(F.cross_entropy(t([1.0, 2.0, 3.0]), idx(0)),
          -np_log_softmax(np.array([1.0, 2.0, 3.0]), 0)[0])
    # A 1-d target of the same size passes PyTorch's check; its kernel reads only the first
    # target and gives a 0-d loss.
    close(F.nll_loss(lp, idx([1, 0, 0]), reduction="none"), 2.0)
    x = leaf([-1.0, -2.0, -3.0])
    F.nll_loss(x, idx([1, 0, 0])).backward()
    close(x.grad, [0.0, -1.0, 0.0])
    with pytest.raises(RuntimeError, match=r"size mismatch \(got input: \[3\], target: \[2\]\)"):
        F.nll_loss(lp, idx([1, 0]))


def test_nll_all_ignored_mean_is_nan():
    out = F.nll_loss(torch.randn(2, 3), idx([-100, -100]))
    assert math.isnan(out.item())


def test_legacy_size_average_and_reduce():
    x = RNG.normal(size=(4, 3))
    target = np.array([0, 2, 1, 1])
    lp = np_log_softmax(x, 1)
    cases = [((None, None), "mean"), ((True, None), "mean"), ((False, None), "sum"),
             ((None, False), "none"), ((True, False), "none"), ((False, True), "sum"),
             ((True, True), "mean")]
    for (size_average, reduce), expect in cases:
        if (size_average, reduce) == (None, None):
            continue
        with pytest.warns(UserWarning, match=f"size_average and reduce args will be deprecated, "
                                             f"please use reduction='{expect}' instead."):
            out = F.nll_loss(t(lp), idx(target), size_average=size_average, reduce=reduce,
                             reduction="sum" if expect == "mean" else "mean")
        close(out, np_nll(lp, target, reduction=expect))
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            m = nn.MSELoss(size_average=size_average, reduce=reduce)
        assert m.reduction == expect
    with pytest.warns(UserWarning, match="reduction='elementwise_mean' is deprecated"):
        close(F.mse_loss(t(x), t(x * 2), reduction="elementwise_mean"), (x * x).mean())


# ----- binary cross entropy -----


def np_bce(x, y, w=None):
    loss = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100))
    return loss if w is None else loss * w


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    x = RNG.uniform(0.05, 0.95, (4, 3))
    y = RNG.uniform(0, 1, (4, 3))
    w = RNG.uniform(0.5, 2, 3)
    with np.errstate(divide="ignore"):
        close(F.binary_cross_entropy(t(x), t(y), reduction=reduction), reduce_np(np_bce(x, y),
                                                                                 reduction))
        close(F.binary_cross_entropy(t(x), t(y), t(w), reduction=reduction),
              reduce_np(np_bce(x, y, w), reduction))
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, t(w), reduction=reduction),
                     [leaf(x), leaf(y)])
    assert gradgradcheck(lambda a: F.binary_cross_entropy(a, t(y), reduction=reduction),
                         [leaf(x)])


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    # Probabilities of exactly 0 and 1: each log is clamped at -100, so the loss is finite;
    # the gradient divides by max(x (1 - x), 1e-12) (PyTorch's backward formula).
    x = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=F64, requires_grad=True)
    y = t([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(x, y, reduction="none")
    np.testing.assert_allclose(n(loss), [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    eps = float(np.float32(1e-12))
    np.testing.assert_allclose(n(x.grad), [-1 / eps, 1 / eps, 0.0, 0.0])
    assert np.isfinite(n(x.grad)).all()
    assert loss.grad_fn.name() == "BinaryCrossEntropyBackward0"


def test_binary_cross_entropy_errors():
    with pytest.raises(ValueError, match="Using a target size .* that is different to the input "
                                         "size .* is deprecated"):
        F.binary_cross_entropy(torch.rand(3), torch.rand(3, 1))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(torch.tensor([float("nan")]), torch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        F.binary_cross_entropy(torch.tensor([0.5, 0.5]), torch.tensor([1.0, -1.0]))
    with pytest.raises(RuntimeError, match="The size of tensor a .* must match the size of "
                                           "tensor b"):
        F.binary_cross_entropy(torch.rand(2, 3), torch.rand(2, 3), torch.ones(2))


def np_bce_logits(x, y, w=None, pw=None):
    pw = 1.0 if pw is None else pw
    loss = -(pw * y * np_logsigmoid(x) + (1 - y) * np_logsigmoid(-x))
    return loss if w is None else loss * w


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction):
    x = RNG.normal(0, 3, (4, 3))
    y = RNG.uniform(0, 1, (4, 3))
    w, pw = RNG.uniform(0.5, 2, 3), RNG.uniform(0.5, 3, 3)
    for weight in (None, w):
        for pos in (None, pw):
            out = F.binary_cross_entropy_with_logits(
                t(x), t(y), None if weight is None else t(weight), reduction=reduction,
                pos_weight=None if pos is None else t(pos))
            close(out, reduce_np(np_bce_logits(x, y, weight, pos), reduction))
    def f(a, b):
        return F.binary_cross_entropy_with_logits(a, b, t(w), reduction=reduction,
                                                  pos_weight=t(pw))

    assert gradcheck(f, [leaf(x), leaf(y)])
    assert gradgradcheck(lambda a: F.binary_cross_entropy_with_logits(a, t(y)), [leaf(x)])
    with pytest.raises(ValueError, match=r"Target size \(.*\) must be the same as input size"):
        F.binary_cross_entropy_with_logits(t(x), t(y[:2]))


def test_binary_cross_entropy_with_logits_stable():
    for dtype in (torch.float32, torch.float64):
        x = torch.tensor([1e4, -1e4, 100.0, -100.0], dtype=dtype, requires_grad=True)
        y = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=dtype)
        loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
        np.testing.assert_allclose(n(loss), [1e4, 1e4, 0.0, 0.0], atol=1e-30, rtol=1e-6)
        loss.sum().backward()
        np.testing.assert_allclose(n(x.grad), [1.0, -1.0, 0.0, 0.0], atol=1e-30)
    x = torch.randn(3, requires_grad=True)
    assert F.binary_cross_entropy_with_logits(x, torch.rand(3)).grad_fn.name() == (
        "BinaryCrossEntropyWithLogitsBackward0")


# ----- kl_div, poisson, gaussian -----


@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
def test_kl_div(reduction):
    x = np_log_softmax(RNG.normal(size=(4, 5)), 1)
    q = np.exp(np_log_softmax(RNG.normal(size=(4, 5)), 1))
    q[0, 0] = 0.0  # 0 log 0 = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pointwise = np.where(q > 0, q * (np.log(q) - x), 0.0)
    expect = pointwise.sum() / 4 if reduction == "batchmean" else reduce_np(pointwise, reduction)
    ctx = pytest.warns(UserWarning, match="reduction: 'mean' divides the total loss") if (
        reduction == "mean") else warnings.catch_warnings()
    with ctx:
        close(F.kl_div(t(x), t(q), reduction=reduction), expect)
    lq = np.log(np.exp(np_log_softmax(RNG.normal(size=(4, 5)), 1)))
    pointwise = np.exp(lq) * (lq - x)
    expect = pointwise.sum() / 4 if reduction == "batchmean" else reduce_np(pointwise, reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        close(F.kl_div(t(x), t(lq), reduction=reduction, log_target=True), expect)
        assert gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=True),
                         [leaf(x), leaf(lq)])
        assert gradcheck(lambda a: F.kl_div(a, t(q), reduction=reduction), [leaf(x)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_loss(reduction):
    x = RNG.normal(0, 1, (4, 3))
    y = RNG.poisson(2.0, (4, 3)).astype(np.float64)
    close(F.poisson_nll_loss(t(x), t(y), reduction=reduction),
          reduce_np(np.exp(x) - y * x, reduction))
    rate = np.exp(x)
    close(F.poisson_nll_loss(t(rate), t(y), log_input=False, reduction=reduction),
          reduce_np(rate - y * np.log(rate + 1e-8), reduction))
    with np.errstate(divide="ignore", invalid="ignore"):
        stirling = np.where(y > 1, y * np.log(y) - y + 0.5 * np.log(2 * np.pi * y), 0.0)
    close(F.poisson_nll_loss(t(x), t(y), full=True, reduction=reduction),
          reduce_np(np.exp(x) - y * x + stirling, reduction))
    assert gradcheck(lambda a: F.poisson_nll_loss(a, t(y), reduction=reduction), [leaf(x)])
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.poisson_nll_loss(t(x), t(y), reduction="avg")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_loss(reduction):
    x, y = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    var = RNG.uniform(0.1, 2.0, (4, 3))
    var[0, 0] = 1e-9  # clamped to eps

    def ref(v, full=False, eps=1e-6):
        v = np.maximum(v, eps)
        loss = 0.5 * (np.log(v) + (x - y) ** 2 / v)
        return reduce_np(loss + (0.5 * np.log(2 * np.pi) if full else 0.0), reduction)

    close(F.gaussian_nll_loss(t(x), t(y), t(var), reduction=reduction), ref(var))
    close(F.gaussian_nll_loss(t(x), t(y), t(var), full=True, reduction=reduction),
          ref(var, True))
    # Homoscedastic forms: one variance per sample, with or without the trailing 1.
    v1 = RNG.uniform(0.5, 2, 4)
    close(F.gaussian_nll_loss(t(x), t(y), t(v1), reduction=reduction), ref(v1[:, None]))
    close(F.gaussian_nll_loss(t(x), t(y), t(v1[:, None]), reduction=reduction),
          ref(v1[:, None]))
    close(F.gaussian_nll_loss(t(x), t(y), 0.7, reduction=reduction), ref(np.full((4, 3), 0.7)))
    assert gradcheck(lambda a, v: F.gaussian_nll_loss(a, t(y), v, reduction=reduction),
                     [leaf(x), leaf(var + 0.5)])
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(t(x), t(y), t(np.ones(3)))
    with pytest.raises(ValueError, match="var has negative entry/entries"):
        F.gaussian_nll_loss(t(x), t(y), t(-var))
    with pytest.raises(ValueError, match="avg is not valid"):
        F.gaussian_nll_loss(t(x), t(y), t(var), reduction="avg")


# ----- margin losses -----


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_and_hinge_embedding(reduction):
    a, b = RNG.normal(size=6), RNG.normal(size=6)
    y = np.array([1, -1, 1, 1, -1, -1], dtype=np.float64)
    for margin in (0.0, 0.5):
        close(F.margin_ranking_loss(t(a), t(b), t(y), margin, reduction=reduction),
              reduce_np(np.maximum(0, -y * (a - b) + margin), reduction))
        close(F.hinge_embedding_loss(t(a), t(y), margin, reduction=reduction),
              reduce_np(np.where(y == 1, a, np.maximum(0, margin - a)), reduction))
    assert gradcheck(lambda p, q: F.margin_ranking_loss(p, q, t(y), 0.3, reduction=reduction),
                     [leaf(a), leaf(b)])
    assert gradcheck(lambda p: F.hinge_embedding_loss(p, t(y), reduction=reduction), [leaf(a)])
    with pytest.raises(RuntimeError, match="margin_ranking_loss : All input tensors should have "
                                           "same dimension"):
        F.margin_ranking_loss(t(a), t(b), t(y[None]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_and_multilabel_soft_margin(reduction):
    x = RNG.normal(0, 2, (4, 3))
    y = RNG.choice([-1.0, 1.0], (4, 3))
    close(F.soft_margin_loss(t(x), t(y), reduction=reduction),
          reduce_np(np.log1p(np.exp(-y * x)), reduction))
    assert gradcheck(lambda a: F.soft_margin_loss(a, t(y), reduction=reduction), [leaf(x)])
    y01 = (y > 0).astype(np.float64)
    w = RNG.uniform(0.5, 2, 3)
    per = -(y01 * np_logsigmoid(x) + (1 - y01) * np_logsigmoid(-x))
    close(F.multilabel_soft_margin_loss(t(x), t(y01), reduction=reduction),
          reduce_np(per.mean(1), reduction))
    close(F.multilabel_soft_margin_loss(t(x), t(y01), t(w), reduction=reduction),
          reduce_np((per * w).mean(1), reduction))
    assert gradcheck(lambda a: F.multilabel_soft_margin_loss(a, t(y01), t(w),
                                                             reduction=reduction), [leaf(x)])
    assert F.soft_margin_loss(leaf(x), t(y)).grad_fn.name() == "SoftMarginLossBackward0"


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(reduction):
    a, b = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    y = np.array([1, -1, 1, -1, -1], dtype=np.float64)
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    for margin in (0.0, -0.2, 0.3):
        close(F.cosine_embedding_loss(t(a), t(b), t(y), margin, reduction=reduction),
              reduce_np(np.where(y == 1, 1 - cos, np.maximum(0, cos - margin)), reduction))
    assert gradcheck(lambda p, q: F.cosine_embedding_loss(p, q, t(y), reduction=reduction),
                     [leaf(a), leaf(b)])
    # Unbatched: 1-d inputs with a 0-d target.
    close(F.cosine_embedding_loss(t(a[0]), t(b[0]), t(1.0), reduction=reduction),
          1 - cos[0])
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors"):
        F.cosine_embedding_loss(t(a[0]), t(b[0]), t(y))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected"):
        F.cosine_embedding_loss(t(a), t(b), t(np.ones((5, 1))))


def np_multi_margin(x, y, p=1, margin=1.0, w=None):
    # ATen's kernel: weight applied after the power (the docs write it inside).
    c = x.shape[1]
    out = []
    for i in range(x.shape[0]):
        s = 0.0
        for j in range(c):
            if j == y[i]:
                continue
            z = max(0.0, margin - x[i, y[i]] + x[i, j])
            h = z ** p
            s += h * (1.0 if w is None else w[y[i]])
        out.append(s / c)
    return np.array(out)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_loss(reduction):
    x = RNG.normal(size=(5, 4))
    y = np.array([0, 3, 1, 1, 2])
    w = RNG.uniform(0.5, 2, 4)
    for p in (1, 2):
        for margin in (1.0, 0.4):
            for weight in (None, w):
                out = F.multi_margin_loss(t(x), idx(y), p, margin,
                                          None if weight is None else t(weight),
                                          reduction=reduction)
                close(out, reduce_np(np_multi_margin(x, y, p, margin, weight), reduction))
        assert gradcheck(lambda a, p=p: F.multi_margin_loss(a, idx(y), p, 0.7, t(w),
                                                            reduction=reduction), [leaf(x)])
    # 1-d input: one sample.
    close(F.multi_margin_loss(t(x[0]), idx(y[:1]), reduction="sum"),
          np_multi_margin(x[:1], y[:1]).sum())
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(t(x), idx(y), p=3)
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(t(x), idx([0, 1, 4, 0, 0]))
    with pytest.raises(RuntimeError, match="inconsistent target size, expected 5 but got"):
        F.multi_margin_loss(t(x), idx(y[:3]))
    with pytest.raises(RuntimeError, match="inconsistent weight size, expected 4 but got"):
        F.multi_margin_loss(t(x), idx(y), weight=t(w[:3]))
    assert F.multi_margin_loss(leaf(x), idx(y)).grad_fn.name() == "MultiMarginLossBackward0"


def np_multilabel_margin(x, y):
    out = []
    for i in range(x.shape[0]):
        listed = []
        for v in y[i]:
            if v < 0:
                break
            listed.append(v)
        others = [j for j in range(x.shape[1]) if j not in listed]
        s = sum(max(0.0, 1 - (x[i, a] - x[i, j])) for a in listed for j in others)
        out.append(s / x.shape[1])
    return np.array(out)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    x = RNG.normal(size=(4, 5))
    y = np.array([[3, 0, -1, 1, 1], [1, 2, 3, 4, 0], [-1, 2, 2, 2, 2], [4, 4, -1, 0, 0]])
    close(F.multilabel_margin_loss(t(x), idx(y), reduction=reduction),
          reduce_np(np_multilabel_margin(x, y), reduction))
    assert gradcheck(lambda a: F.multilabel_margin_loss(a, idx(y), reduction=reduction),
                     [leaf(x)])
    close(F.multilabel_margin_loss(t(x[0]), idx(y[0]), reduction=reduction),
          np_multilabel_margin(x[:1], y[:1])[0])
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multilabel_margin_loss(t(x), idx(y[:, :3]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_loss(reduction):
    a, p, ng = (RNG.normal(size=(5, 3)) for _ in range(3))

    def dist(u, v, q=2.0, eps=1e-6):
        return (np.abs(u - v + eps) ** q).sum(-1) ** (1 / q)

    for q in (1.0, 2.0, 3.0):
        for swap in (False, True):
            dn = np.minimum(dist(a, ng, q), dist(p, ng, q)) if swap else dist(a, ng, q)
            expect = np.maximum(dist(a, p, q) - dn + 1.0, 0)
            close(F.triplet_margin_loss(t(a), t(p), t(ng), p=q, swap=swap, reduction=reduction),
                  reduce_np(expect, reduction))
    assert gradcheck(lambda u, v, w: F.triplet_margin_loss(u, v, w, margin=2.0,
                                                           reduction=reduction),
                     [leaf(a), leaf(p), leaf(ng)])
    out = F.triplet_margin_with_distance_loss(
        t(a), t(p), t(ng), distance_function=lambda u, v: ((u - v) ** 2).sum(-1),
        margin=0.5, reduction=reduction)
    close(out, reduce_np(np.maximum(((a - p) ** 2).sum(-1) - ((a - ng) ** 2).sum(-1) + 0.5, 0),
                         reduction))
    with pytest.raises(RuntimeError, match="The anchor, positive, and negative tensors are "
                                           "expected to have the same number of dimensions"):
        F.triplet_margin_loss(t(a), t(p), t(ng[0]))
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_loss(t(a), t(p), t(ng), margin=0)
    with pytest.raises(ValueError, match="margin must be greater than 0, got -1"):
        F.triplet_margin_with_distance_loss(t(a), t(p), t(ng), margin=-1)


# ----- CTC -----


def np_ctc_brute(lp, target, blank=0):
    """-log of the total probability of every length-T path that collapses (merge repeats,
    drop blanks) to ``target``."""
    steps, c = lp.shape
    total = -np.inf
    for path in itertools.product(range(c), repeat=steps):
        out, prev = [], None
        for k in path:
            if k != prev and k != blank:
                out.append(k)
            prev = k
        if out == list(target):
            total = np.logaddexp(total, sum(lp[s, k] for s, k in enumerate(path)))
    return -total


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ctc_loss_against_brute_force(reduction):
    steps, batch, c = 5, 3, 3
    lp = np_log_softmax(RNG.normal(size=(steps, batch, c)), 2)
    targets = np.array([[1, 2, 0], [1, 1, 0], [2, 0, 0]])
    in_len, tg_len = [5, 4, 3], [2, 2, 1]
    per = np.array([np_ctc_brute(lp[:in_len[b], b], targets[b, :tg_len[b]])
                    for b in range(batch)])
    expect = {"none": per, "sum": per.sum(),
              "mean": (per / np.maximum(tg_len, 1)).mean()}[reduction]
    out = F.ctc_loss(t(lp), idx(targets), idx(in_len), idx(tg_len), reduction=reduction)
    close(out, expect, rtol=1e-9)
    # Concatenated targets and plain lists of lengths give the same.
    flat = np.concatenate([targets[b, :tg_len[b]] for b in range(batch)])
    close(F.ctc_loss(t(lp), idx(flat), in_len, tg_len, reduction=reduction), expect, rtol=1e-9)
    assert gradcheck(lambda v: F.ctc_loss(v, idx(targets), in_len, tg_len, reduction=reduction),
                     [leaf(lp)])
    # Unbatched (T, C) input.
    out = F.ctc_loss(t(lp[:, 0]), idx(targets[0, :2]), 5, 2, reduction=reduction)
    close(out, per[0] / 2 if reduction == "mean" else per[0])


def test_ctc_loss_infinite_and_zero_infinity():
    lp = np_log_softmax(RNG.normal(size=(2, 1, 3)), 2)
    # Target [1, 1] needs a blank between the repeats: 3 steps, but only 2 are given.
    out = F.ctc_loss(t(lp), idx([[1, 1]]), [2], [2], reduction="none")
    assert math.isinf(out.item())
    x = leaf(lp)
    out = F.ctc_loss(x, idx([[1, 1]]), [2], [2], reduction="sum", zero_infinity=True)
    assert out.item() == 0.0
    out.backward()
    assert (n(x.grad) == 0).all()
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(t(lp), idx([[1]]), [2], [1], blank=3)
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value at most 2"):
        F.ctc_loss(t(lp), idx([[1]]), [3], [1])


# ----- properties over random shapes -----


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(2, 6), st.lists(st.integers(1, 3), max_size=2),
       st.integers(0, 2**16))
def test_cross_entropy_equals_nll_of_log_softmax(batch, classes, extra, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 5, [batch, classes] + extra)
    target = rng.integers(0, classes, [batch] + extra)
    for reduction in REDUCTIONS:
        close(F.cross_entropy(t(x), idx(target), reduction=reduction),
              np_cross_entropy(x, target, reduction=reduction))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 2**16))
def test_bce_with_logits_equals_bce_of_sigmoid(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 3, shape)
    y = rng.uniform(0, 1, shape)
    a = F.binary_cross_entropy_with_logits(t(x), t(y), reduction="none")
    b = F.binary_cross_entropy(t(1 / (1 + np.exp(-x))), t(y), reduction="none")
    np.testing.assert_allclose(n(a), n(b), rtol=1e-8, atol=1e-12)
