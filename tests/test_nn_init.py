"""``nn.init``: each function draws exactly what ``torch.nn.init`` draws.

Oracles: PyTorch's formulas for bounds and standard deviations (``torch/nn/init.py``), applied
here with the random primitives after the same seed (bit for bit); closed-form properties
(orthogonality, the sign convention of the QR fix, truncation bounds, sparsity counts);
an independent inverse error function (bisection on ``math.erf``) for ``trunc_normal_``;
PyTorch's error messages.
"""

import math
import warnings

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
from rtensor.nn import init


def hexes(t):
    return [float.hex(float(v)) for v in t.detach().reshape(-1).tolist()]


def seeded(seed, fn):
    torch.manual_seed(seed)
    return fn()


# ----- calculate_gain and fans ---------------------------------------------------------------


def test_calculate_gain():
    for name in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid"]:
        assert init.calculate_gain(name) == 1
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / 1.04)
    assert init.calculate_gain("leaky_relu", 3) == math.sqrt(2.0 / 10)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")


def test_fan_in_and_fan_out():
    assert init._calculate_fan_in_and_fan_out(torch.empty(5, 3)) == (3, 5)
    # Convolution weights (out, in, *kernel): fans include the receptive field.
    assert init._calculate_fan_in_and_fan_out(torch.empty(8, 4, 3, 2)) == (24, 48)
    with pytest.raises(ValueError) as e:
        init._calculate_fan_in_and_fan_out(torch.empty(3))
    assert str(e.value) == ("Fan in and fan out can not be computed for tensor with fewer than "
                            "2 dimensions")


# ----- simple fills --------------------------------------------------------------------------


def test_uniform_and_normal_draw_like_the_tensor_methods():
    assert hexes(seeded(0, lambda: init.uniform_(torch.empty(3, 4), -2, 3))) == hexes(
        seeded(0, lambda: torch.empty(3, 4).uniform_(-2, 3)))
    assert hexes(seeded(0, lambda: init.uniform_(torch.empty(5)))) == hexes(
        seeded(0, lambda: torch.rand(5)))
    assert hexes(seeded(1, lambda: init.normal_(torch.empty(20), 1.5, 0.5))) == hexes(
        seeded(1, lambda: torch.empty(20).normal_(1.5, 0.5)))


def test_fills():
    t = torch.empty(2, 3)
    assert init.constant_(t, 0.3) is t and t.tolist() == [[np.float32(0.3).item()] * 3] * 2
    assert init.ones_(t).tolist() == [[1.0] * 3] * 2
    assert init.zeros_(t).tolist() == [[0.0] * 3] * 2
    assert np.array_equal(init.eye_(torch.empty(3, 5)).numpy(), np.eye(3, 5, dtype=np.float32))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(torch.empty(3))


def test_dirac():
    w = init.dirac_(torch.empty(3, 2, 3))
    expected = np.zeros((3, 2, 3), dtype=np.float32)
    expected[0, 0, 1] = expected[1, 1, 1] = 1
    assert np.array_equal(w.numpy(), expected)
    w = init.dirac_(torch.empty(4, 2, 3, 3), groups=2)
    expected = np.zeros((4, 2, 3, 3), dtype=np.float32)
    for g in range(2):
        for d in range(2):
            expected[g * 2 + d, d, 1, 1] = 1
    assert np.array_equal(w.numpy(), expected)
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(torch.empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(torch.empty(3, 2, 3), groups=2)


def test_init_runs_without_grad_on_parameters():
    p = nn.Parameter(torch.empty(4, 3))
    for fn in (init.uniform_, init.normal_, init.ones_, init.zeros_, init.xavier_uniform_,
               init.kaiming_normal_, init.orthogonal_, init.trunc_normal_):
        assert fn(p) is p
        assert p.is_leaf and p.requires_grad and p.grad_fn is None


# ----- xavier / kaiming ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3, 2)])
def test_xavier(shape):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    gain = 1.7
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    got = seeded(3, lambda: init.xavier_uniform_(torch.empty(*shape), gain=gain))
    assert hexes(got) == hexes(seeded(3, lambda: torch.empty(*shape).uniform_(-a, a)))
    got = seeded(3, lambda: init.xavier_normal_(torch.empty(*shape), gain=gain))
    assert hexes(got) == hexes(seeded(3, lambda: torch.empty(*shape).normal_(0, std)))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("leaky_relu", 0), ("relu", 0),
                                            ("leaky_relu", math.sqrt(5))])
def test_kaiming(mode, nonlinearity, a):
    shape = (6, 4, 3)
    fan = 12 if mode == "fan_in" else 18
    gain = math.sqrt(2.0) if nonlinearity == "relu" else math.sqrt(2.0 / (1 + a ** 2))
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    got = seeded(7, lambda: init.kaiming_uniform_(torch.empty(*shape), a=a, mode=mode,
                                                  nonlinearity=nonlinearity))
    assert hexes(got) == hexes(seeded(7, lambda: torch.empty(*shape).uniform_(-bound, bound)))
    got = seeded(7, lambda: init.kaiming_normal_(torch.empty(*shape), a=a, mode=mode,
                                                 nonlinearity=nonlinearity))
    assert hexes(got) == hexes(seeded(7, lambda: torch.empty(*shape).normal_(0, std)))


def test_kaiming_errors_and_empty_tensors():
    with pytest.raises(ValueError) as e:
        init.kaiming_uniform_(torch.empty(3, 3), mode="fan_avg")
    assert str(e.value) == "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']"
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(torch.empty(0, 3))


def test_generator_argument_draws_from_that_generator():
    torch.manual_seed(0)
    default_before = torch.get_rng_state()
    g = torch.Generator().manual_seed(42)
    got = init.kaiming_uniform_(torch.empty(3, 4), generator=g)
    assert torch.equal(torch.get_rng_state(), default_before)  # default stream untouched
    g2 = torch.Generator().manual_seed(42)
    bound = math.sqrt(3.0) * math.sqrt(2.0) / math.sqrt(4)
    assert hexes(got) == hexes(torch.empty(3, 4).uniform_(-bound, bound, generator=g2))
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
               init.kaiming_normal_, init.trunc_normal_, init.orthogonal_):
        a = fn(torch.empty(3, 4), generator=torch.Generator().manual_seed(5))
        b = fn(torch.empty(3, 4), generator=torch.Generator().manual_seed(5))
        assert hexes(a) == hexes(b)
    assert torch.equal(torch.get_rng_state(), default_before)


# ----- trunc_normal_ -------------------------------------------------------------------------


def erfinv_by_bisection(y):
    lo, hi = -10.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.erf(mid) < y:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def test_trunc_normal_is_the_inverse_cdf_of_the_uniform_draw():
    mean, std, a, b = 0.5, 2.0, -1.0, 3.0
    got = seeded(9, lambda: init.trunc_normal_(torch.empty(200, dtype=torch.float64), mean,
                                               std, a, b))

    def cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    lo, up = cdf((a - mean) / std), cdf((b - mean) / std)
    u = seeded(9, lambda: torch.empty(200, dtype=torch.float64).uniform_(2 * lo - 1, 2 * up - 1))
    expected = [min(max(erfinv_by_bisection(v) * std * math.sqrt(2.0) + mean, a), b)
                for v in u.tolist()]
    assert np.allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_trunc_normal_float32_bounds_and_moments():
    t = seeded(0, lambda: init.trunc_normal_(torch.empty(100000), std=1.0, a=-2.0, b=2.0))
    v = t.numpy().astype(np.float64)
    assert v.min() >= -2.0 and v.max() <= 2.0
    # The standard normal truncated to [-2, 2]: mean 0, variance 1 - 4 phi(2) / (2 Phi(2) - 1).
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    var = 1 - 4 * phi2 / math.erf(2 / math.sqrt(2))
    assert abs(v.mean()) < 0.01 and abs(v.var() - var) < 0.01
    # float32 values agree with the float64 computation of the same uniform draw.
    u = seeded(0, lambda: torch.empty(50).uniform_(2 * 0.02275013194817921 - 1,
                                                    2 * 0.9772498680518208 - 1))
    got = seeded(0, lambda: init.trunc_normal_(torch.empty(50)))
    expected = [erfinv_by_bisection(x) * math.sqrt(2.0) for x in u.tolist()]
    assert np.allclose(got.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_trunc_normal_warns_when_mean_is_far():
    with pytest.warns(UserWarning, match="mean is more than 2 std from \\[a, b\\] in "
                                         "nn.init.trunc_normal_"):
        init.trunc_normal_(torch.empty(3), mean=10.0, std=1.0, a=-2.0, b=2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.trunc_normal_(torch.empty(3))


# ----- orthogonal_ ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (6, 2, 2)])
def test_orthogonal(shape):
    rows = shape[0]
    cols = int(np.prod(shape[1:]))
    t = seeded(2, lambda: init.orthogonal_(torch.empty(*shape, dtype=torch.float64), gain=2.0))
    q = t.numpy().reshape(rows, cols) / 2.0
    if rows >= cols:
        assert np.allclose(q.T @ q, np.eye(cols), atol=1e-12)
    else:
        assert np.allclose(q @ q.T, np.eye(rows), atol=1e-12)
    # PyTorch's recipe: draw a (rows, cols) normal matrix A (transposed when rows < cols),
    # A = QR, Q *= sign(diag(R)). So Q^T A is upper triangular with a positive diagonal.
    a = seeded(2, lambda: torch.empty(rows, cols, dtype=torch.float64).normal_()).numpy()
    if rows < cols:
        a, q = a.T, q.T
    r = q.T @ a
    assert np.allclose(np.tril(r, -1), 0, atol=1e-10)
    assert (np.diag(r) > 0).all()


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(torch.empty(3))
    empty = torch.empty(0, 3)
    assert init.orthogonal_(empty) is empty


# ----- sparse_ -------------------------------------------------------------------------------


def test_sparse_zeroes_the_permutation_rows_of_each_column():
    rows, cols, sparsity, std = 10, 4, 0.25, 0.05
    got = seeded(4, lambda: init.sparse_(torch.empty(rows, cols), sparsity, std=std))
    # PyTorch: normal_(0, std) over the tensor, then per column randperm(rows) from the
    # default generator, zeroing its first ceil(sparsity * rows) rows.
    torch.manual_seed(4)
    expected = torch.empty(rows, cols).normal_(0, std).numpy()
    num_zeros = math.ceil(sparsity * rows)
    for c in range(cols):
        expected[torch.randperm(rows)[:num_zeros].numpy(), c] = 0
    assert np.array_equal(got.numpy(), expected)
    assert ((got.numpy() == 0).sum(0) == num_zeros).all()
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(torch.empty(2, 2, 2), 0.5)
