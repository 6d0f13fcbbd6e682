"""torch.<name> forms with ATen's positional signatures (torch.dropout, torch.batch_norm,
torch.kl_div with integer reductions...), in-place function forms, bitwise shifts (against
PyTorch's recorded results, tests/data/shift_reference.json, from
scripts/record_shift_reference.py) and the removed functions' errors."""

import json
from pathlib import Path

import numpy as np
import pytest
import rtensor
import rtensor.nn.functional as F

RNG = np.random.default_rng(9)
DATA = Path(__file__).parent / "data" / "shift_reference.json"


def t(a, **kw):
    return rtensor.tensor(np.asarray(a), **kw)


def close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_dropout_forms_draw_as_nn_functional():
    x = t(RNG.standard_normal((4, 6, 3)))
    for fn, ref in [(rtensor.dropout, F.dropout), (rtensor.alpha_dropout, F.alpha_dropout),
                    (rtensor.feature_alpha_dropout, F.feature_alpha_dropout)]:
        rtensor.manual_seed(3)
        a = fn(x, 0.3, True)
        rtensor.manual_seed(3)
        close(a, ref(x, 0.3, True))
    rtensor.manual_seed(3)
    a = rtensor.feature_dropout(x, 0.5, True)
    kept = (a.numpy() != 0).all(axis=2) | (a.numpy() == 0).all(axis=2)
    assert kept.all()  # whole channels kept or dropped
    rtensor.manual_seed(3)
    close(a, F.dropout1d(x, 0.5, True))
    assert rtensor.dropout(x, 0.3, False) is x
    out, mask = rtensor.native_dropout(x, 0.25, True)
    assert mask.dtype == rtensor.bool
    close(out, x * mask / 0.75)


def test_normalisation_forms_take_atens_argument_order():
    x = t(RNG.standard_normal((2, 3, 4)))
    w, b = t(RNG.standard_normal(3)), t(RNG.standard_normal(3))
    rm, rv = t(np.zeros(3)), t(np.ones(3))
    close(rtensor.batch_norm(x, w, b, rm, rv, False, 0.1, 1e-5, False),
          F.batch_norm(x, rm, rv, weight=w, bias=b, training=False, eps=1e-5))
    close(rtensor.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
          F.instance_norm(x, weight=w, bias=b, eps=1e-5))
    close(rtensor.layer_norm(x, [4]), F.layer_norm(x, [4]))
    close(rtensor.group_norm(x, 3), F.group_norm(x, 3))
    close(rtensor.rms_norm(x, [4], None, 1e-6), F.rms_norm(x, [4], eps=1e-6))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("code,name", [(0, "none"), (1, "mean"), (2, "sum")])
def test_loss_forms_take_integer_reductions(code, name):
    a, b = t(RNG.standard_normal((4, 5))), t(RNG.standard_normal((4, 5)))
    y = t(RNG.choice([-1.0, 1.0], 4))
    close(rtensor.kl_div(a.log_softmax(1), b.softmax(1), code),
          F.kl_div(a.log_softmax(1), b.softmax(1), reduction=name))
    close(rtensor.cosine_embedding_loss(a, b, y, 0.1, code),
          F.cosine_embedding_loss(a, b, y, 0.1, reduction=name))
    close(rtensor.margin_ranking_loss(a[:, 0], b[:, 0], y, 0.2, code),
          F.margin_ranking_loss(a[:, 0], b[:, 0], y, 0.2, reduction=name))
    close(rtensor.hinge_embedding_loss(a, t(np.sign(b.numpy())), 1.0, code),
          F.hinge_embedding_loss(a, t(np.sign(b.numpy())), 1.0, reduction=name))
    close(rtensor.binary_cross_entropy_with_logits(a, b.sigmoid(), None, None, code),
          F.binary_cross_entropy_with_logits(a, b.sigmoid(), reduction=name))
    close(rtensor.poisson_nll_loss(a, b.abs(), True, False, 1e-8, code),
          F.poisson_nll_loss(a, b.abs(), True, False, reduction=name))
    with pytest.raises(ValueError, match="3 is not a valid value for reduction"):
        rtensor.kl_div(a, b, 3)


def test_conv_tbc_matches_a_numpy_correlation():
    x = RNG.standard_normal((5, 2, 3))  # time, batch, channels
    w = RNG.standard_normal((2, 3, 4))  # kernel, in, out
    b = RNG.standard_normal(4)
    got = rtensor.conv_tbc(t(x), t(w), t(b), 1).numpy()
    xp = np.pad(x, ((1, 1), (0, 0), (0, 0)))
    want = np.stack([sum(xp[i + k] @ w[k] for k in range(2)) + b for i in range(6)])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_convolution_dispatches_on_rank_and_transposed():
    x = t(RNG.standard_normal((1, 2, 5, 5)))
    w = t(RNG.standard_normal((3, 2, 3, 3)))
    close(rtensor.convolution(x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1),
          F.conv2d(x, w, padding=1))
    wt = t(RNG.standard_normal((2, 3, 3, 3)))
    close(rtensor.convolution(x, wt, None, [2, 2], [1, 1], [1, 1], True, [1, 1], 1),
          F.conv_transpose2d(x, wt, stride=2, padding=1, output_padding=1))


def test_pool_embedding_and_norm_forms():
    x = t(RNG.standard_normal((2, 3, 8)))
    close(rtensor.max_pool1d(x, 2), F.max_pool1d(x, 2))
    close(rtensor.avg_pool1d(x, 3, 2), F.avg_pool1d(x, 3, 2))
    v, i = rtensor.adaptive_max_pool1d(x, 3)
    close(v, F.adaptive_max_pool1d(x, 3))
    w = t(RNG.standard_normal((10, 4)))
    close(rtensor.embedding(w, rtensor.tensor([1, 7])), w[[1, 7]])
    m = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(rtensor.nuclear_norm(t(m)).item(), np.linalg.norm(m, "nuc"))
    np.testing.assert_allclose(rtensor.frobenius_norm(t(m), [0, 1]).item(),
                               np.linalg.norm(m))
    np.testing.assert_allclose(rtensor.norm_except_dim(t(m), 2, 0).numpy(),
                               np.linalg.norm(m, axis=1, keepdims=True))


def test_inplace_function_forms():
    x = t(RNG.standard_normal(5))
    y = x.clone()
    assert rtensor.negative_(y) is y and rtensor.equal(y, -x)
    y = x.clone()
    rtensor.fix_(y)
    assert rtensor.equal(y, x.trunc())
    y = x.clone()
    rtensor.sinc_(y)
    close(y, x.sinc())
    m, v = t(RNG.standard_normal((5, 3))), t(RNG.standard_normal(3))
    y = x.clone()
    rtensor.addmv_(y, m, v, beta=2.0)
    close(y, 2 * x + m @ v)


def test_shifts_match_pytorch():
    rows = json.loads(DATA.read_text())["rows"]
    assert len(rows) == 60
    for r in rows:
        a = rtensor.tensor(r["values"]).to(getattr(rtensor, r["dtype"]))
        assert (a << r["shift"]).tolist() == r["left"], (r["dtype"], r["shift"])
        assert (a >> r["shift"]).tolist() == r["right"], (r["dtype"], r["shift"])
        assert rtensor.bitwise_left_shift(a, r["shift"]).tolist() == r["left"]


def test_shift_forms_and_errors():
    a = rtensor.tensor([1, 2, -3])
    assert rtensor.bitwise_left_shift(3, rtensor.tensor([1, 2])).tolist() == [6, 12]
    assert (1 << rtensor.tensor([3])).tolist() == [8]
    assert a.bitwise_right_shift(rtensor.tensor([0, 1, 1])).tolist() == [1, 1, -2]
    b = a.clone()
    b <<= 2
    assert b.tolist() == [4, 8, -12]
    with pytest.raises(NotImplementedError, match="\"lshift_cpu\" not implemented for 'Float'"):
        rtensor.tensor([1.0]) << 1


@pytest.mark.parametrize("name", ["eig", "lstsq", "solve", "symeig"])
def test_removed_functions_raise_with_directions(name):
    x = rtensor.eye(3)
    with pytest.raises(RuntimeError, match="This function was deprecated since version 1.9 and "
                       "is now removed"):
        getattr(rtensor, name)(x)
    with pytest.raises(RuntimeError, match="linalg"):
        getattr(x, name)()


def test_get_device():
    assert rtensor.zeros(2).get_device() == -1
    assert rtensor.get_device(rtensor.zeros(2)) == -1
