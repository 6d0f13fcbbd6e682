"""The training examples of the optim/data issue run and reach what the tutorials reach.

Oracles: NumPy float64 re-implementations of the same updates (RMSprop's documented rule, plain
gradient descent), started from the initial weights the modules draw (drawn here with the
random primitives in the order the modules draw them); least squares for the linear regression;
the issue's accuracy bar for the digits classifier.
"""

import math
import re

import numpy as np
import rtensor
from example_runner import run
from test_examples_nn import printed_losses, sin_data


def linear_init(fan_in, fan_out):
    """Linear(fan_in, fan_out)'s weight and bias as PyTorch draws them (kaiming_uniform_ with
    a=sqrt(5) gives the bound 1/sqrt(fan_in); the bias uses the same bound)."""
    bound = 1 / math.sqrt(fan_in)
    w = rtensor.empty(fan_out, fan_in).uniform_(-bound, bound).numpy().astype(np.float64)
    b = rtensor.empty(fan_out).uniform_(-bound, bound).numpy().astype(np.float64)
    return w, b


def test_polynomial_optim_follows_the_rmsprop_rule():
    out = run("polynomial_optim.py", steps=500)
    losses = printed_losses(out)
    rtensor.manual_seed(0)
    w, b = linear_init(3, 1)
    w, b = w[0], b[0]
    x, y = sin_data()
    xx = np.stack([x, x ** 2, x ** 3], axis=1)
    lr, alpha, eps = 1e-3, 0.99, 1e-8  # RMSprop's defaults
    vw, vb = np.zeros(3), 0.0
    expected = {}
    for t in range(500):
        r = xx @ w + b - y
        if t % 100 == 99:
            expected[t] = float((r ** 2).sum())
        gw, gb = xx.T @ (2 * r), (2 * r).sum()
        vw = alpha * vw + (1 - alpha) * gw ** 2
        vb = alpha * vb + (1 - alpha) * gb ** 2
        w = w - lr * gw / (np.sqrt(vw) + eps)
        b = b - lr * gb / (np.sqrt(vb) + eps)
    assert list(losses) == list(expected)
    for t, loss in expected.items():
        assert math.isclose(losses[t], loss, rel_tol=1e-2), (t, losses[t], loss)


def test_polynomial_optim_full_run_fits_sin():
    out = run("polynomial_optim.py")
    losses = printed_losses(out)
    assert len(losses) == 20 and losses[1999] < 15  # the tutorial ends near 9
    coef = [float(v) for v in re.search(
        r"Result: y = (\S+) \+ (\S+) x \+ (\S+) x\^2 \+ (\S+) x\^3", out).groups()]
    # The least-squares cubic for sin on [-pi, pi] is about 0.857 x - 0.0928 x^3.
    assert np.allclose(coef, [0.0, 0.857, 0.0, -0.0928], atol=2e-2)


def test_linear_regression_reaches_least_squares(tmp_path):
    png = tmp_path / "fit.png"
    out = run("linear_regression.py", args=[png])
    # The data, drawn as the script draws it: Linear(1, 1)'s two draws come first.
    rtensor.manual_seed(0)
    linear_init(1, 1)
    x = (rtensor.rand(10, 1) * 5).numpy()[:, 0].astype(np.float64)
    noise = rtensor.rand(10, 1).numpy()[:, 0].astype(np.float64)
    y = np.float32(np.pi) * x + 42 + noise
    slope, intercept = np.polyfit(x, y, 1)
    fits = re.findall(r"tensor\(\[\[(\S+)\]\], requires_grad=True\), Parameter containing:\n"
                      r"tensor\(\[(\S+)\], requires_grad=True\)", out)
    assert len(fits) == 3  # initial, after the manual loop, after optim.SGD
    for w, b in fits[1:]:
        assert abs(float(w) - slope) < 0.02 and abs(float(b) - intercept) < 0.05
    # Both loops print the same losses: the optimizer performs the manual update.
    losses = re.findall(r"^(\d+) (\S+)$", out, re.M)
    half = len(losses) // 2
    assert half == 10 and [k for k, _ in losses[:half]] == [k for k, _ in losses[half:]]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed" in out
    else:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_digits_quickstart_reaches_95_percent_and_survives_save_load():
    out = run("digits_quickstart.py")
    accuracy = float(re.search(r"Final accuracy: (\S+)%", out).group(1))
    assert accuracy >= 95.0
    assert "Predictions unchanged after save/load: True" in out
    assert out.count("Epoch ") == 20 and "Done!" in out
    # Progress lines as the quickstart prints them.
    assert re.search(r"^loss: \d+\.\d{6}  \[   64/ 1438\]$", out, re.M)
    epoch_losses = [float(m) for m in re.findall(r"Avg loss: (\S+)", out)]
    assert epoch_losses[-1] < epoch_losses[0] / 3
