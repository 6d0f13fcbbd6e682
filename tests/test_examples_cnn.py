"""The CNN examples: lenet.py prints what PyTorch prints for the same script and seed
(recorded by scripts/record_example_reference.py into tests/data/lenet.torch.txt), on the CPU
and on the GPU; cnn_classifier.py trains to the accuracy the tutorial promises, with the first
running losses PyTorch prints (tests/data/cnn_classifier.torch.txt)."""

import re
from pathlib import Path

import numpy as np
from example_runner import run

DATA = Path(__file__).parent / "data"
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def _split(text):
    """(text with numbers replaced by '#' and object addresses dropped, the numbers)."""
    text = re.sub(r" object at 0x[0-9a-f]+", " object", text)
    return NUMBER.sub("#", text), [float(v) for v in NUMBER.findall(text)]


def _same_printout(got, want, atol):
    # PyTorch's printout names its module: rtensor prints `rtensor.Size`, as the reference
    # data's README says.
    want = want.replace("torch.", "rtensor.")
    got_text, got_nums = _split(got)
    want_text, want_nums = _split(want)
    assert got_text == want_text
    # Printed to 4 decimals: the last digit may round the other way.
    np.testing.assert_allclose(got_nums, want_nums, rtol=0, atol=atol)


def test_lenet_prints_what_pytorch_prints():
    _same_printout(run("lenet.py"), (DATA / "lenet.torch.txt").read_text(), atol=1.5e-4)


def test_lenet_on_the_gpu(gpu):
    got = run("lenet.py", args=("--device", "gpu"))
    # The GPU tensors print their device, as PyTorch's CUDA tensors do.
    assert "device='cuda:0'" in got
    got = re.sub(r",\s*device='cuda:0'", "", got)
    _same_printout(got, (DATA / "lenet.torch.txt").read_text(), atol=1e-3)


def _losses(text):
    return [float(m[1]) for m in re.finditer(r"loss: (\d+\.\d+)", text)]


def test_cnn_classifier_trains_past_97_percent():
    out = run("cnn_classifier.py")
    want = (DATA / "cnn_classifier.torch.txt").read_text()
    acc = float(re.search(r"test images: (\d+\.\d) %", out)[1])
    assert acc >= 97.0, out
    per_class = [float(v) for v in re.findall(r"Accuracy for class: \d +is (\d+\.\d) %", out)]
    assert len(per_class) == 10 and min(per_class) >= 85.0, out
    # Same seed, same split, same shuffles and initial weights as PyTorch: the first epoch's
    # running losses agree with PyTorch's to the printed precision (later ones drift apart
    # as float32 rounding differences grow).
    got, ref = _losses(out), _losses(want)
    assert len(got) == len(ref)
    np.testing.assert_allclose(got[:3], ref[:3], atol=2e-3)
    assert got[-1] < got[0] / 4


def test_cnn_classifier_on_the_gpu(gpu):
    out = run("cnn_classifier.py", steps=1, args=("--device", "gpu"))
    got, ref = _losses(out), _losses((DATA / "cnn_classifier.torch.txt").read_text())
    np.testing.assert_allclose(got[:3], ref[:3], atol=2e-3)
    assert re.search(r"test images: \d+\.\d %", out)
