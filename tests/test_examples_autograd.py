"""The autograd examples run and print what the tutorials print (oracles: the tutorial text,
a NumPy float64 re-implementation, and the hand-written-gradient example)."""

import math
import re

import numpy as np
from example_runner import run

# The "out:" blocks of the autograd section of introduction_to_pytorch.with_outputs.txt
# (that rendering of the page is lower-cased; object addresses vary from run to run).
TUTORIAL_OUT = """\
tensor([5., 7., 9.], grad_fn=<addbackward0>)
<addbackward0 object at ADDR>
tensor(21., grad_fn=<sumbackward0>)
<sumbackward0 object at ADDR>
tensor([1., 1., 1.])
false false
none
<addbackward0 object at ADDR>
true
none
true
true
false
"""


def test_autograd_intro_prints_the_tutorial_output():
    out = run("autograd_intro.py")
    out = re.sub(r"0x[0-9a-f]+", "ADDR", out.lower())
    assert out == TUTORIAL_OUT


def _losses(out):
    return [float(line.split()[1]) for line in out.splitlines() if re.match(r"^\d+ ", line)]


def _result_numbers(out):
    last = out.strip().splitlines()[-1]
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", last)]


def test_autograd_gradients_equal_hand_written_ones():
    manual = run("polynomial_tensors.py", steps=300)
    auto = run("polynomial_autograd.py", steps=300)
    np.testing.assert_allclose(_result_numbers(auto), _result_numbers(manual), rtol=1e-4, atol=1e-6)
    losses = _losses(auto)
    assert losses == sorted(losses, reverse=True) and len(losses) == 3


def test_numpy_polynomial_runs():
    losses = _losses(run("polynomial_numpy.py", steps=500))
    assert losses[-1] < losses[0]


def test_custom_function_matches_numpy_float64():
    steps = 400
    a, b, c, d = _result_numbers(run("polynomial_custom_function.py", steps=steps))
    # The same training in float64 NumPy with the derivative of P3 written out.
    x = np.linspace(-math.pi, math.pi, 2000)
    y = np.sin(x)
    wa, wb, wc, wd = 0.0, -1.0, 0.0, 0.3
    for _ in range(steps):
        u = wc + wd * x
        p3 = 0.5 * (5 * u ** 3 - 3 * u)
        g = 2.0 * (wa + wb * p3 - y)
        dp = 1.5 * (5 * u ** 2 - 1)
        ga, gb = g.sum(), (g * p3).sum()
        gc, gd = (g * wb * dp).sum(), (g * wb * dp * x).sum()
        wa, wb, wc, wd = wa - 5e-6 * ga, wb - 5e-6 * gb, wc - 5e-6 * gc, wd - 5e-6 * gd
    np.testing.assert_allclose([b, d], [wb, wd], rtol=1e-3)
    np.testing.assert_allclose([a, c], [wa, wc], atol=1e-5)
