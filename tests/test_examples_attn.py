"""examples/transformer_lm.py: prints what PyTorch prints for the same script and seed
(recorded by scripts/record_example_reference.py into tests/data/transformer_lm.torch.txt:
the layer's repr, every epoch's loss, the greedy continuation), on the CPU; on the GPU it
trains from the same weights, its losses decreasing as the CPU's do."""

import re
from pathlib import Path

import numpy as np
from example_runner import run

DATA = Path(__file__).parent / "data"
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")
LOSS = re.compile(r"\| loss +(\d+\.\d+) ")


def _split(text):
    return NUMBER.sub("#", text), [float(v) for v in NUMBER.findall(text)]


def test_transformer_lm_prints_what_pytorch_prints():
    got = run("transformer_lm.py")
    want = (DATA / "transformer_lm.torch.txt").read_text()
    got_text, got_nums = _split(got)
    want_text, want_nums = _split(want)
    assert got_text == want_text
    # Printed to 4 decimals (perplexities to 2): the last digit may round the other way.
    np.testing.assert_allclose(got_nums, want_nums, rtol=1e-4, atol=1.5e-4)
    losses = [float(v) for v in LOSS.findall(got)]
    assert len(losses) == 30
    assert losses[-1] < losses[0] / 5
    assert all(b < a for a, b in zip(losses[:10], losses[1:11]))


def test_transformer_lm_on_the_gpu(gpu):
    got = run("transformer_lm.py", steps=8, args=("--device", "gpu"))
    want = [float(v) for v in LOSS.findall((DATA / "transformer_lm.torch.txt").read_text())]
    losses = [float(v) for v in LOSS.findall(got)]
    assert len(losses) == 8
    assert all(b < a for a, b in zip(losses, losses[1:]))
    # Same weights and dropout draws as the CPU: the first epoch's loss is PyTorch's.
    assert abs(losses[0] - want[0]) < 2e-3, (losses[0], want[0])
