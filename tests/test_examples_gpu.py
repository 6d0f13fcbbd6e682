"""The examples train on the GPU with ``--device gpu`` and print what their CPU runs print.

Oracle: the same example run with ``--device cpu``. Both runs draw their initial weights (and the
digits example its split and shuffles) from the same CPU generator, so they start identical and
differ only by float32 rounding: sums reduce in another order on the GPU, and over many steps
the difference grows. Measured on Mesa's lavapipe, CPU against GPU (the runs here / the full,
default-length runs):

* polynomial losses, rel: 2.4e-7 (500 steps) / 7.6e-7 (2000 steps); fitted coefficients, abs:
  6e-8 / 6e-8. polynomial_optim agrees to 7e-7 up to step 1200 only: later RMSprop's lr-sized
  steps on the near-zero even coefficients part even the CPU's float32 and float64 runs (by up
  to 5e-2), so its run here stays short (100 steps: losses equal, coefficients 6e-8);
* n-gram epoch losses, rel: 1.8e-8 (2 epochs) / 2.2e-8 (10); the embedding, printed to 4
  decimals: equal / equal;
* digits: printed values equal (2 epochs) / batch losses (printed to 6 decimals) abs 4.6e-5,
  the epochs' average test losses rel 2.9e-4, accuracies equal (20 epochs).

The tolerances below are at least the full runs' differences and 10x or more those measured at
these lengths, so that a wrong GPU kernel (errors of 1e-3 and up) fails them.

Each GPU run also reports, after the example ends, the device of the tensors and modules it
left in its globals: a run that ignored ``--device`` would fail there, not just match the CPU.
"""

import ast
import json
import re

import numpy as np
import pytest
from example_runner import EXAMPLES, run

pytestmark = pytest.mark.usefixtures("gpu")  # skips the module, naming why, without an adapter

# Runs an example as `python examples/<name> ARGS` does, then prints one line with the devices
# of the tensors (and of the modules' parameters and buffers) in the example's globals.
WRAPPER = '''\
import json, runpy, sys
from pathlib import Path

import rtensor

example = Path(sys.argv[1])
sys.argv = [str(example), *sys.argv[2:]]
sys.path.insert(0, str(example.parent))
g = runpy.run_path(str(example), run_name="__main__")
devices = {}
for name, value in g.items():
    if isinstance(value, rtensor.Tensor):
        devices[name] = [str(value.device)]
    elif isinstance(value, rtensor.nn.Module):
        tensors = [*value.parameters(), *value.buffers()]
        devices[name] = sorted({str(t.device) for t in tensors})
print("@@devices", json.dumps(devices))
'''

NUMBER = r"-?\d+\.\d+(?:e[-+]?\d+)?"


@pytest.fixture(scope="module")
def wrapper(tmp_path_factory):
    path = tmp_path_factory.mktemp("examples_gpu") / "run_example.py"
    path.write_text(WRAPPER)
    return path


def run_on(wrapper, name, device, steps, placed):
    """stdout of ``examples/<name> --device DEVICE`` with ``steps``; checks that each global in
    ``placed`` (tensors, modules) ended on that device."""
    out = run(str(wrapper), steps=steps, args=[EXAMPLES / name, "--device", device])
    out, marker = out.rsplit("@@devices ", 1)
    devices = json.loads(marker)
    expected = ["cuda:0"] if device == "gpu" else ["cpu"]
    for name_ in placed:
        assert devices.get(name_) == expected, (name, name_, devices.get(name_), expected)
    return out


def cpu_and_gpu(wrapper, name, steps, placed):
    cpu = run_on(wrapper, name, "cpu", steps, placed)
    # `--device cpu` is the default: the flag leaves the CPU run's output as it was.
    assert cpu == run(name, steps=steps)
    return cpu, run_on(wrapper, name, "gpu", steps, placed)


def printed_losses(out):
    return {int(m[1]): float(m[2]) for m in re.finditer(r"^(\d+) (\S+)$", out, re.M)}


def result_numbers(out):
    last = out.strip().splitlines()[-1]
    assert last.startswith("Result: y = "), last
    return [float(v) for v in re.findall(NUMBER, last)]


def assert_same_fit(cpu, gpu, steps, loss_rtol=1e-5, coef_atol=1e-6):
    lc, lg = printed_losses(cpu), printed_losses(gpu)
    assert list(lc) == list(lg) == list(range(99, steps, 100))
    for t in lc:
        assert lg[t] == pytest.approx(lc[t], rel=loss_rtol), (t, lg[t], lc[t])
    rc, rg = result_numbers(cpu), result_numbers(gpu)
    assert len(rc) == len(rg) == 4
    np.testing.assert_allclose(rg, rc, rtol=0, atol=coef_atol)


# ----- Learning PyTorch with Examples --------------------------------------------------------


@pytest.mark.parametrize("name", [
    "polynomial_tensors.py", "polynomial_autograd.py", "polynomial_custom_function.py",
])
def test_polynomial_by_hand_on_gpu(wrapper, name):
    cpu, gpu = cpu_and_gpu(wrapper, name, 500, placed=["x", "y", "a", "b", "c", "d"])
    assert_same_fit(cpu, gpu, 500)


def test_polynomial_module_on_gpu(wrapper):
    cpu, gpu = cpu_and_gpu(wrapper, "polynomial_module.py", 500,
                           placed=["model", "x", "y", "y_pred", "loss"])
    assert_same_fit(cpu, gpu, 500)


@pytest.mark.parametrize("name", ["polynomial_nn.py", "polynomial_optim.py"])
def test_polynomial_linear_on_gpu(wrapper, name):
    # Linear's skinny (2000 x 3) matmuls take ~0.1 s a step on lavapipe: a short run.
    cpu, gpu = cpu_and_gpu(wrapper, name, 100, placed=["model", "xx", "y", "y_pred", "loss"])
    assert_same_fit(cpu, gpu, 100)


# ----- Word embeddings -----------------------------------------------------------------------


def test_word_embeddings_ngram_on_gpu(wrapper):
    epochs = 2
    placed = ["embeds", "hello_embed", "model", "context_idxs", "log_probs", "loss"]
    cpu, gpu = (o.splitlines() for o in cpu_and_gpu(wrapper, "word_embeddings_ngram.py", epochs,
                                                   placed))
    # The "hello" embedding: the same numbers; PyTorch's repr names the GPU tensor's device.
    assert cpu[0] == "tensor([[ 0.6614,  0.2669,  0.0617,  0.6213, -0.4519]],"
    assert gpu[0] == cpu[0] + " device='cuda:0',"
    assert gpu[1] == cpu[1] == "       grad_fn=<EmbeddingBackward0>)"
    assert gpu[2] == cpu[2]  # the trigrams
    lc, lg = ast.literal_eval(cpu[3]), ast.literal_eval(gpu[3])
    assert len(lc) == len(lg) == epochs and lc[1] < lc[0]
    np.testing.assert_allclose(lg, lc, rtol=1e-6)
    # The "beauty" embedding after training, printed to 4 decimals: at most a rounding flip.
    ec, eg = "\n".join(cpu[4:]), "\n".join(gpu[4:])
    assert "device='cuda:0'" in eg and "device" not in ec
    vc, vg = [float(v) for v in re.findall(NUMBER, ec)], [float(v) for v in re.findall(NUMBER, eg)]
    assert len(vc) == len(vg) == 10
    np.testing.assert_allclose(vg, vc, rtol=0, atol=1.5e-4)


# ----- Learn the Basics on the digits ---------------------------------------------------------


def test_digits_quickstart_on_gpu(wrapper):
    epochs = 2
    cpu, gpu = cpu_and_gpu(wrapper, "digits_quickstart.py", epochs,
                           placed=["model", "restored", "X_test"])
    # The same lines, number for number: only the printed values may differ.
    assert re.sub(NUMBER, "#", gpu) == re.sub(NUMBER, "#", cpu)
    assert cpu.count("Epoch ") == epochs
    batch = r"^loss: (\S+)  \["
    bc = [float(v) for v in re.findall(batch, cpu, re.M)]
    bg = [float(v) for v in re.findall(batch, gpu, re.M)]
    assert len(bc) == len(bg) == 3 * epochs
    np.testing.assert_allclose(bg, bc, rtol=0, atol=5e-5)
    # Accuracy, printed to 0.1%: the same to one test sample (of 359: 0.28%).
    ac = [float(v) for v in re.findall(r"Accuracy: (\S+)%", cpu)]
    ag = [float(v) for v in re.findall(r"Accuracy: (\S+)%", gpu)]
    assert len(ac) == len(ag) == epochs
    np.testing.assert_allclose(ag, ac, rtol=0, atol=100 / 359 + 0.05)
    avg_c = [float(v) for v in re.findall(r"Avg loss: (\S+)", cpu)]
    avg_g = [float(v) for v in re.findall(r"Avg loss: (\S+)", gpu)]
    np.testing.assert_allclose(avg_g, avg_c, rtol=3e-4)
    assert "Predictions unchanged after save/load: True" in gpu
