"""The nn examples run and print what the tutorials they mirror print.

Oracles: the tutorials' printed text (the "hello" embedding, the first trigrams); NumPy float64
re-implementations of the polynomial fits, started from the same initial weights (drawn here
with the random primitives in the order the modules draw them); and the tutorials' claims
(losses decrease every epoch).
"""

import ast
import math
import random
import re

import numpy as np
import rtensor
from example_runner import run


def printed_losses(out):
    return {int(m[1]): float(m[2]) for m in re.finditer(r"^(\d+) (\S+)$", out, re.M)}


def sin_data():
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32).astype(np.float64)
    return x, np.sin(x)


# ----- Learning PyTorch with Examples --------------------------------------------------------


def test_polynomial_nn_matches_a_numpy_fit():
    out = run("polynomial_nn.py", steps=1000)
    losses = printed_losses(out)
    assert list(losses) == list(range(99, 1000, 100))
    # Linear(3, 1) after manual_seed(0): weight then bias, uniform(-1/sqrt(3), 1/sqrt(3)).
    rtensor.manual_seed(0)
    bound = math.sqrt(3.0) * (math.sqrt(2.0 / 6.0) / math.sqrt(3))
    w = rtensor.empty(1, 3).uniform_(-bound, bound).numpy().astype(np.float64)[0]
    b = float(rtensor.empty(1).uniform_(-1 / math.sqrt(3), 1 / math.sqrt(3)).item())
    x, y = sin_data()
    xx = np.stack([x, x ** 2, x ** 3], axis=1)
    expected = {}
    for t in range(1000):
        r = xx @ w + b - y
        if t % 100 == 99:
            expected[t] = float((r ** 2).sum())
        g = 2 * r
        w, b = w - 1e-6 * (xx.T @ g), b - 1e-6 * g.sum()
    for t, loss in expected.items():
        assert math.isclose(losses[t], loss, rel_tol=2e-3), (t, losses[t], loss)
    result = re.search(r"Result: y = (\S+) \+ (\S+) x \+ (\S+) x\^2 \+ (\S+) x\^3", out)
    assert np.allclose([float(v) for v in result.groups()], [b, *w], atol=2e-3)


def test_polynomial_nn_full_run_converges():
    losses = printed_losses(run("polynomial_nn.py"))
    values = list(losses.values())
    assert len(values) == 20 and all(a > b for a, b in zip(values, values[1:]))
    assert values[-1] < 15  # the tutorial ends near 9


def test_polynomial_module_matches_a_numpy_fit():
    out = run("polynomial_module.py", steps=600)
    losses = printed_losses(out)
    rtensor.manual_seed(0)
    coef = np.array([rtensor.randn(()).item() for _ in range(4)])  # a, b, c, d in order
    x, y = sin_data()
    powers = np.stack([np.ones_like(x), x, x ** 2, x ** 3])
    expected = {}
    for t in range(600):
        r = coef @ powers - y
        if t % 100 == 99:
            expected[t] = float((r ** 2).sum())
        coef = coef - 1e-6 * (powers @ (2 * r))  # SGD without momentum
    assert list(losses) == list(expected)
    for t, loss in expected.items():
        assert math.isclose(losses[t], loss, rel_tol=2e-3), (t, losses[t], loss)
    assert out.splitlines()[-1].startswith("Result: y = ")


def test_dynamic_net_matches_a_numpy_fit():
    out = run("dynamic_net.py", steps=4000)
    losses = printed_losses(out)
    rtensor.manual_seed(0)
    coef = np.array([rtensor.randn(()).item() for _ in range(5)])  # a, b, c, d, e
    rng = random.Random(0)
    x, y = sin_data()
    powers = [x ** k for k in range(6)]
    bufs = [None] * 5
    expected = {}
    for t in range(4000):
        top = rng.randint(4, 6)  # orders 4 .. top-1 reuse e
        pred = sum(coef[k] * powers[k] for k in range(4))
        pred = pred + sum(coef[4] * powers[k] for k in range(4, top))
        r = pred - y
        if t % 2000 == 1999:
            expected[t] = float((r ** 2).sum())
        g = 2 * r
        # When e is not used its .grad is None (zero_grad sets None) and SGD skips it.
        grads = [g @ powers[k] for k in range(4)]
        grads.append(sum(g @ powers[k] for k in range(4, top)) if top > 4 else None)
        for i, gi in enumerate(grads):
            if gi is None:
                continue
            # SGD momentum (dampening 0): the first buffer is the gradient itself.
            bufs[i] = gi if bufs[i] is None else 0.9 * bufs[i] + gi
            coef[i] -= 1e-8 * bufs[i]
    assert list(losses) == [1999, 3999]
    for t, loss in expected.items():
        assert math.isclose(losses[t], loss, rel_tol=5e-3), (t, losses[t], loss)
    assert "x^4 ?" in out.splitlines()[-1]


# ----- Word embeddings -----------------------------------------------------------------------


def test_word_embeddings_ngram():
    out = run("word_embeddings_ngram.py").splitlines()
    # The tutorial's print of the "hello" embedding after manual_seed(1).
    assert out[0] == "tensor([[ 0.6614,  0.2669,  0.0617,  0.6213, -0.4519]],"
    assert out[1] == "       grad_fn=<EmbeddingBackward0>)"
    assert out[2] == ("[(['When', 'forty'], 'winters'), (['forty', 'winters'], 'shall'), "
                      "(['winters', 'shall'], 'besiege')]")
    losses = ast.literal_eval(out[3])
    assert len(losses) == 10 and all(a > b for a, b in zip(losses, losses[1:]))
    # 113 trigrams over 97 words start near 113 * ln(97) (the tutorial: 519.5 ... 497.4).
    assert abs(losses[0] - 113 * math.log(97)) < 10
    assert 15 < losses[0] - losses[-1] < 35
    assert out[4].startswith("tensor([") and "grad_fn=<SelectBackward0>" in out[5]


def test_word_embeddings_cbow():
    out = run("word_embeddings_cbow.py").splitlines()
    assert out[0].startswith("[(['are', 'We', 'to', 'study'], 'about'), ")
    losses = ast.literal_eval(out[2])
    assert len(losses) == 20 and all(a > b for a, b in zip(losses, losses[1:]))
    assert losses[-1] < losses[0] / 2
    assert out[3] == "context ['are', 'We', 'to', 'study'] -> predicted 'about', target 'about'"
