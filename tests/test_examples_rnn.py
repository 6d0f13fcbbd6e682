"""The recurrent examples: lstm_tagger.py prints what PyTorch prints for the same script and seed
(recorded by scripts/record_example_reference.py into tests/data/lstm_tagger.torch.txt), on the
CPU and on the GPU; char_rnn_names.py prints PyTorch's set-up and first training losses
(tests/data/char_rnn_names.torch.txt) and learns its training names."""

import re
from pathlib import Path

import numpy as np
from example_runner import EXAMPLES, run

DATA = Path(__file__).parent / "data"
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def _split(text):
    """(text with numbers replaced by '#' and object addresses dropped, the numbers)."""
    text = re.sub(r" object at 0x[0-9a-f]+", " object", text)
    return NUMBER.sub("#", text), [float(v) for v in NUMBER.findall(text)]


def _same_printout(got, want, atol, squash=False):
    got_text, got_nums = _split(got)
    want_text, want_nums = _split(want)
    if squash:  # a printed device moves the grad_fn to the next line
        got_text, want_text = (re.sub(r"\s+", " ", t) for t in (got_text, want_text))
    assert got_text == want_text
    # Printed to 4 decimals: the last digit may round the other way.
    np.testing.assert_allclose(got_nums, want_nums, rtol=0, atol=atol)


def test_lstm_tagger_prints_what_pytorch_prints():
    _same_printout(run("lstm_tagger.py"), (DATA / "lstm_tagger.torch.txt").read_text(),
                   atol=1.5e-4)


def test_lstm_tagger_on_the_gpu(gpu):
    got = run("lstm_tagger.py", args=("--device", "gpu"))
    # The GPU tensors print their device, as PyTorch's CUDA tensors do.
    assert "device='cuda:0'" in got
    got = re.sub(r",\s*device='cuda:0'", "", got)
    _same_printout(got, (DATA / "lstm_tagger.torch.txt").read_text(), atol=1e-3, squash=True)


def _losses(text):
    return [float(m[1]) for m in re.finditer(r"average batch loss = (\d+\.\d+)", text)]


def _check_char_rnn(out, atol, squash=False):
    want = (DATA / "char_rnn_names.torch.txt").read_text()
    # Everything before training (the one-hot tensors, the split, the model, the untrained
    # guess for 'Albert') is PyTorch's printout.
    head = "training on data set"
    _same_printout(out[:out.index(head)], want[:want.index(head)], atol=atol, squash=squash)
    # Same seed, split, shuffles and initial weights: the first losses are PyTorch's.
    got, ref = _losses(out), _losses(want)
    np.testing.assert_allclose(got, ref[:len(got)], atol=atol * 10)
    assert "confusion matrix of the held-out names" in out
    return got


def test_char_rnn_names_matches_pytorch_and_learns():
    for png in ("char_rnn_losses.png", "char_rnn_confusion.png"):
        (EXAMPLES / png).unlink(missing_ok=True)
    out = run("char_rnn_names.py", steps=20)
    got = _check_char_rnn(out, atol=1.5e-4)
    assert len(got) == 4 and got[-1] < got[0] / 3
    train_acc = float(re.search(r"accuracy on the 173 training names: (\d+\.\d)%", out)[1])
    assert train_acc >= 80.0, out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "matplotlib is not installed: no plots" in out
    else:
        for png in ("char_rnn_losses.png", "char_rnn_confusion.png"):
            path = EXAMPLES / png
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            path.unlink()


def test_char_rnn_names_on_the_gpu(gpu):
    out = run("char_rnn_names.py", steps=1, args=("--device", "gpu"))
    out = re.sub(r",\s*device='cuda:0'", "", out)
    _check_char_rnn(out, atol=1e-3, squash=True)
    for png in ("char_rnn_losses.png", "char_rnn_confusion.png"):
        (EXAMPLES / png).unlink(missing_ok=True)
