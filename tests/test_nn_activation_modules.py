"""Activation and loss modules: each module equals its functional form, prints PyTorch's repr
(``extra_repr`` text as in ``torch/nn/modules/activation.py``), and registers what PyTorch
registers (PReLU's weight as a parameter, loss weights as buffers).

Oracles: the functional forms (tested against NumPy in ``test_nn_functional.py`` and
``test_nn_losses.py``) and PyTorch's printed reprs, written out here.
"""

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.functional as F
from rtensor.autograd import gradcheck

F64 = torch.float64


def n(x):
    return np.asarray(x.detach().double().numpy())


def sample(shape=(2, 3, 4), seed=0):
    return torch.tensor(np.random.default_rng(seed).normal(0, 3, shape).tolist(), dtype=F64)


# module -> its functional form
PAIRS = [
    (nn.ReLU(), F.relu),
    (nn.ReLU6(), F.relu6),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.ELU(0.5), lambda x: F.elu(x, 0.5)),
    (nn.CELU(1.5), lambda x: F.celu(x, 1.5)),
    (nn.SELU(), F.selu),
    (nn.GELU(), F.gelu),
    (nn.GELU("tanh"), lambda x: F.gelu(x, approximate="tanh")),
    (nn.SiLU(), F.silu),
    (nn.Mish(), F.mish),
    (nn.Sigmoid(), torch.sigmoid),
    (nn.LogSigmoid(), F.logsigmoid),
    (nn.Tanh(), torch.tanh),
    (nn.Tanhshrink(), F.tanhshrink),
    (nn.Softplus(2.0, 3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    (nn.Softsign(), F.softsign),
    (nn.Hardtanh(-2.0, 0.5), lambda x: F.hardtanh(x, -2.0, 0.5)),
    (nn.Hardswish(), F.hardswish),
    (nn.Hardsigmoid(), F.hardsigmoid),
    (nn.Hardshrink(0.7), lambda x: F.hardshrink(x, 0.7)),
    (nn.Softshrink(0.7), lambda x: F.softshrink(x, 0.7)),
    (nn.Threshold(0.1, -3.0), lambda x: F.threshold(x, 0.1, -3.0)),
    (nn.GLU(1), lambda x: F.glu(x, 1)),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, 1)),
    (nn.LogSoftmax(dim=-1), lambda x: F.log_softmax(x, -1)),
    (nn.Softmin(dim=0), lambda x: F.softmin(x, 0)),
    (nn.Softmax2d(), lambda x: F.softmax(x, -3)),
]


@pytest.mark.parametrize("module,fn", PAIRS, ids=lambda v: type(v).__name__)
def test_module_equals_functional(module, fn):
    x = sample((2, 4, 3))
    np.testing.assert_array_equal(n(module(x)), n(fn(x)))
    x = sample((2, 4, 3)).requires_grad_()
    assert gradcheck(module, [x])


def test_rrelu_module_uses_training_flag():
    x = sample((3, 5))
    m = nn.RReLU(0.1, 0.3)
    torch.manual_seed(1)
    a = m(x)
    torch.manual_seed(1)
    np.testing.assert_array_equal(n(a), n(F.rrelu(x, 0.1, 0.3, training=True)))
    m.eval()
    np.testing.assert_array_equal(n(m(x)), n(F.rrelu(x, 0.1, 0.3, training=False)))


def test_inplace_modules_modify_their_input():
    for m, fn in [(nn.ReLU(inplace=True), F.relu), (nn.ELU(inplace=True), F.elu),
                  (nn.LeakyReLU(inplace=True), F.leaky_relu),
                  (nn.Hardtanh(inplace=True), F.hardtanh), (nn.SiLU(inplace=True), F.silu),
                  (nn.ReLU6(inplace=True), F.relu6), (nn.SELU(inplace=True), F.selu),
                  (nn.CELU(inplace=True), F.celu), (nn.Mish(inplace=True), F.mish),
                  (nn.Hardswish(inplace=True), F.hardswish),
                  (nn.Hardsigmoid(inplace=True), F.hardsigmoid),
                  (nn.Threshold(0.0, 1.0, inplace=True), lambda v: F.threshold(v, 0.0, 1.0))]:
        x = sample()
        expect = n(fn(sample()))
        assert m(x) is x
        np.testing.assert_array_equal(n(x), expect)


def test_prelu_module():
    m = nn.PReLU()
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    assert isinstance(m.weight, nn.Parameter) and m.weight.tolist() == [0.25]
    assert tuple(nn.PReLU(3, init=0.1).weight.shape) == (3,)
    m3 = nn.PReLU(3, init=0.1).double()
    x = sample((2, 3, 4))
    xv = n(x)
    np.testing.assert_allclose(n(m3(x)), np.where(xv > 0, xv, 0.1 * xv))
    m3(x).sum().backward()
    np.testing.assert_allclose(n(m3.weight.grad), np.where(xv > 0, 0, xv).sum((0, 2)))
    assert m3(x).grad_fn.name() == "PreluKernelBackward0"


def test_softmax2d_rejects_other_ranks():
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D "
                                         "instead"):
        nn.Softmax2d()(torch.randn(2, 3))


def test_softmax_module_without_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(sample((2, 3)))
    np.testing.assert_allclose(n(out.sum(1)), [1.0, 1.0])


# PyTorch's printed reprs (``print(module)``).
REPRS = [
    (nn.ReLU(), "ReLU()"),
    (nn.ReLU(inplace=True), "ReLU(inplace=True)"),
    (nn.ReLU6(), "ReLU6()"),
    (nn.ReLU6(True), "ReLU6(inplace=True)"),
    (nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
    (nn.LeakyReLU(0.2, inplace=True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (nn.PReLU(), "PReLU(num_parameters=1)"),
    (nn.PReLU(4), "PReLU(num_parameters=4)"),
    (nn.RReLU(), "RReLU(lower=0.125, upper=0.3333333333333333)"),
    (nn.RReLU(0.1, 0.3, True), "RReLU(lower=0.1, upper=0.3, inplace=True)"),
    (nn.ELU(), "ELU(alpha=1.0)"),
    (nn.ELU(alpha=0.5, inplace=True), "ELU(alpha=0.5, inplace=True)"),
    (nn.SELU(), "SELU()"),
    (nn.SELU(inplace=True), "SELU(inplace=True)"),
    (nn.CELU(), "CELU(alpha=1.0)"),
    (nn.GELU(), "GELU(approximate='none')"),
    (nn.GELU(approximate="tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), "SiLU()"),
    (nn.SiLU(inplace=True), "SiLU(inplace=True)"),
    (nn.Mish(), "Mish()"),
    (nn.Sigmoid(), "Sigmoid()"),
    (nn.LogSigmoid(), "LogSigmoid()"),
    (nn.Tanh(), "Tanh()"),
    (nn.Tanhshrink(), "Tanhshrink()"),
    (nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
    (nn.Softplus(beta=2, threshold=5), "Softplus(beta=2, threshold=5)"),
    (nn.Softsign(), "Softsign()"),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.Hardtanh(-2, 2, inplace=True), "Hardtanh(min_val=-2, max_val=2, inplace=True)"),
    (nn.Hardswish(), "Hardswish()"),
    (nn.Hardsigmoid(), "Hardsigmoid()"),
    (nn.Hardshrink(), "Hardshrink(0.5)"),
    (nn.Softshrink(0.3), "Softshrink(0.3)"),
    (nn.Threshold(0.1, 20), "Threshold(threshold=0.1, value=20)"),
    (nn.Threshold(0.1, 20, inplace=True), "Threshold(threshold=0.1, value=20, inplace=True)"),
    (nn.Softmax(dim=1), "Softmax(dim=1)"),
    (nn.Softmax(), "Softmax(dim=None)"),
    (nn.Softmax2d(), "Softmax2d()"),
    (nn.LogSoftmax(dim=-1), "LogSoftmax(dim=-1)"),
    (nn.Softmin(dim=0), "Softmin(dim=0)"),
    (nn.GLU(), "GLU(dim=-1)"),
    (nn.CrossEntropyLoss(), "CrossEntropyLoss()"),
    (nn.MSELoss(reduction="sum"), "MSELoss()"),
    (nn.NLLLoss(weight=torch.ones(3)), "NLLLoss()"),
    (nn.BCEWithLogitsLoss(pos_weight=torch.ones(2)), "BCEWithLogitsLoss()"),
    (nn.CTCLoss(), "CTCLoss()"),
]


@pytest.mark.parametrize("module,text", REPRS, ids=[r for _, r in REPRS])
def test_repr(module, text):
    assert repr(module) == text


def test_sequential_repr():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.2), nn.Linear(4, 2),
                          nn.LogSoftmax(dim=1))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.2, inplace=False)\n"
        "  (3): Linear(in_features=4, out_features=2, bias=True)\n"
        "  (4): LogSoftmax(dim=1)\n"
        ")"
    )


def test_hardtanh_deprecated_keywords():
    with pytest.warns(FutureWarning, match="keyword argument `min_value` is deprecated"):
        m = nn.Hardtanh(min_value=-3.0)
    assert m.min_val == -3.0
    with pytest.raises(AssertionError):
        nn.Hardtanh(1.0, 1.0)


# ----- loss modules -----


def t(a, dtype=F64):
    return torch.tensor(np.asarray(a).tolist(), dtype=dtype)


def i64(a):
    return torch.tensor(np.asarray(a).tolist(), dtype=torch.int64)


RNG = np.random.default_rng(5)
X, Y = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
P = 1 / (1 + np.exp(-X))
U = RNG.uniform(size=(4, 3))
LABELS = np.array([0, 2, 1, 2])
W3 = RNG.uniform(0.5, 2, 3)
SIGNS = np.array([1.0, -1.0, 1.0, -1.0])

LOSS_PAIRS = [
    (nn.L1Loss(), lambda: (t(X), t(Y)), F.l1_loss),
    (nn.MSELoss(reduction="sum"), lambda: (t(X), t(Y)),
     lambda a, b: F.mse_loss(a, b, reduction="sum")),
    (nn.NLLLoss(t(W3), ignore_index=1), lambda: (F.log_softmax(t(X), 1), i64(LABELS)),
     lambda a, b: F.nll_loss(a, b, t(W3), ignore_index=1)),
    (nn.CrossEntropyLoss(t(W3), label_smoothing=0.1, reduction="none"),
     lambda: (t(X), i64(LABELS)),
     lambda a, b: F.cross_entropy(a, b, t(W3), reduction="none", label_smoothing=0.1)),
    (nn.BCELoss(t(W3)), lambda: (t(P), t(U)), lambda a, b: F.binary_cross_entropy(a, b, t(W3))),
    (nn.BCEWithLogitsLoss(pos_weight=t(W3)), lambda: (t(X), t(U)),
     lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=t(W3))),
    (nn.SmoothL1Loss(beta=0.5), lambda: (t(X), t(Y)),
     lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)),
    (nn.HuberLoss(delta=0.5), lambda: (t(X), t(Y)), lambda a, b: F.huber_loss(a, b, delta=0.5)),
    (nn.KLDivLoss(reduction="batchmean"), lambda: (F.log_softmax(t(X), 1), F.softmax(t(Y), 1)),
     lambda a, b: F.kl_div(a, b, reduction="batchmean")),
    (nn.PoissonNLLLoss(full=True), lambda: (t(X), t(np.abs(Y) * 3)),
     lambda a, b: F.poisson_nll_loss(a, b, full=True)),
    (nn.GaussianNLLLoss(), lambda: (t(X), t(Y), t(U + 0.1)), F.gaussian_nll_loss),
    (nn.MarginRankingLoss(0.2), lambda: (t(X[:, 0]), t(Y[:, 0]), t(SIGNS)),
     lambda a, b, c: F.margin_ranking_loss(a, b, c, 0.2)),
    (nn.HingeEmbeddingLoss(0.5), lambda: (t(X[:, 0]), t(SIGNS)),
     lambda a, b: F.hinge_embedding_loss(a, b, 0.5)),
    (nn.SoftMarginLoss(), lambda: (t(X[:, 0]), t(SIGNS)), F.soft_margin_loss),
    (nn.CosineEmbeddingLoss(0.1), lambda: (t(X), t(Y), t(SIGNS)),
     lambda a, b, c: F.cosine_embedding_loss(a, b, c, 0.1)),
    (nn.MultiMarginLoss(p=2, weight=t(W3)), lambda: (t(X), i64(LABELS)),
     lambda a, b: F.multi_margin_loss(a, b, p=2, weight=t(W3))),
    (nn.MultiLabelMarginLoss(), lambda: (t(X), i64([[0, -1, 0], [2, 1, -1], [1, 1, 1],
                                                     [-1, 0, 0]])), F.multilabel_margin_loss),
    (nn.MultiLabelSoftMarginLoss(t(W3)), lambda: (t(X), t(U > 0.5)),
     lambda a, b: F.multilabel_soft_margin_loss(a, b, t(W3))),
    (nn.TripletMarginLoss(margin=0.5, p=1.0), lambda: (t(X), t(Y), t(U)),
     lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=0.5, p=1.0)),
    (nn.TripletMarginWithDistanceLoss(swap=True), lambda: (t(X), t(Y), t(U)),
     lambda a, b, c: F.triplet_margin_with_distance_loss(a, b, c, swap=True)),
]


@pytest.mark.parametrize("module,args,fn", LOSS_PAIRS, ids=lambda v: type(v).__name__)
def test_loss_module_equals_functional(module, args, fn):
    np.testing.assert_array_equal(n(module(*args())), n(fn(*args())))


def test_ctc_loss_module():
    lp = F.log_softmax(t(RNG.normal(size=(6, 2, 4))), 2)
    tg, il, tl = i64([[1, 2], [3, 0]]), i64([6, 5]), i64([2, 1])
    m = nn.CTCLoss(blank=0, reduction="sum")
    np.testing.assert_array_equal(n(m(lp, tg, il, tl)),
                                  n(F.ctc_loss(lp, tg, il, tl, reduction="sum")))


def test_loss_weights_are_buffers():
    w = torch.tensor([1.0, 2.0, 3.0])
    m = nn.CrossEntropyLoss(weight=w)
    assert m.weight is w
    assert list(m.state_dict()) == ["weight"] and [b for b in m.buffers()] == [w]
    assert list(m.parameters()) == []
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    b = nn.BCEWithLogitsLoss(weight=w, pos_weight=w * 2)
    assert list(b.state_dict()) == ["weight", "pos_weight"]
    m.double()
    assert m.weight.dtype == F64  # buffers follow module conversions


def test_loss_module_defaults_and_checks():
    assert nn.CrossEntropyLoss().ignore_index == -100
    assert nn.CrossEntropyLoss().label_smoothing == 0.0
    assert nn.NLLLoss().reduction == "mean"
    assert nn.HuberLoss().delta == 1.0 and nn.SmoothL1Loss().beta == 1.0
    assert nn.KLDivLoss().log_target is False
    assert nn.CTCLoss().blank == 0 and nn.CTCLoss().zero_infinity is False
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than "
                                         "0, got 0 instead"):
        nn.TripletMarginLoss(margin=0)


def test_training_step_with_modules():
    # A small classifier trained a few steps with CrossEntropyLoss decreases its loss.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 3))
    x = torch.randn(16, 4)
    y = torch.tensor((np.arange(16) % 3).tolist())
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    first = None
    for _ in range(20):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < first
    assert loss.grad_fn.name() == "NllLossBackward0"
