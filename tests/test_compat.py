"""``python -m rtensor.compat script.py``: PyTorch scripts run on rtensor.

Each test writes a small PyTorch-style script into ``tmp_path`` and runs it in a fresh
interpreter (aliasing ``torch`` inside the test process would leak into other tests). Expected
numbers come from ``tests/data/rng_cases.json`` (PyTorch's own outputs).
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest
import rtensor

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The rtensor under test (installed wheel or source tree), for the child interpreters.
PKG_ROOT = str(pathlib.Path(rtensor.__file__).resolve().parent.parent)
CASES = {(c["seed"], c["call"]): c
         for c in json.loads((ROOT / "tests/data/rng_cases.json").read_text())}


def run(tmp_path, source, *args, name="script.py"):
    script = tmp_path / name
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([PKG_ROOT, env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "rtensor.compat", str(script), *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )


def test_pytorch_script_runs(tmp_path):
    (tmp_path / "helper.py").write_text("SCALE = 2\n")
    result = run(tmp_path, """
        import sys
        import torch
        import torch.optim as optim
        import torch.autograd
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader, TensorDataset
        from torch.optim.lr_scheduler import StepLR
        from helper import SCALE

        print("argv", sys.argv[1:], __name__)
        torch.manual_seed(0)
        print("randn", repr(torch.randn(1).item()))
        torch.manual_seed(7)
        loader = DataLoader(TensorDataset(torch.arange(10)), batch_size=4, shuffle=True)
        print("batches", [b[0].tolist() for b in loader])
        torch.manual_seed(7)
        workers = DataLoader(TensorDataset(torch.arange(10)), batch_size=4, shuffle=True,
                             num_workers=2)
        print("workers", [b[0].tolist() for b in workers])
        print("nn", F.relu(torch.tensor([-1.0, 2.0])).tolist(), isinstance(nn.Linear(2, 1), nn.Module))
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        opt = optim.SGD([w], lr=0.5)
        sched = StepLR(opt, step_size=1, gamma=0.1)
        (w * w).sum().backward()
        opt.step()
        sched.step()
        print("w", w.tolist(), opt.param_groups[0]["lr"] * SCALE)
        torch.save({"w": w.detach()}, "ckpt.pt")
        print("loaded", torch.load("ckpt.pt")["w"].tolist())
        print("same", torch.utils.data.DataLoader is DataLoader, torch.autograd.grad is not None)
        # Feature probes stay quiet; the aliased modules keep their own names.
        print(hasattr(torch, "compile"), getattr(torch, "xpu", None), hasattr(torch, "__wrapped__"))
        print(torch.__spec__.name, torch.utils.data.__spec__.name)
    """, "--epochs", "3")
    assert result.returncode == 0, result.stderr
    randn = CASES[0, "randn(1)"]["results"][0]["values"][0]
    batches = [r["values"] for r in CASES[
        7, "DataLoader(TensorDataset(arange(10)), batch_size=4, shuffle=True) batches"]["results"]]
    assert result.stdout.splitlines() == [
        "argv ['--epochs', '3'] __main__",
        f"randn {randn}",
        f"batches {batches}",
        f"workers {batches}",
        "nn [0.0, 2.0] True",
        "w [0.0, 0.0] 0.1",
        "loaded [0.0, 0.0]",
        "same True True",
        "False None False",
        "rtensor rtensor.utils.data",
    ]


def test_missing_attribute_is_named(tmp_path):
    result = run(tmp_path, """
        import torch
        print("before")
        if torch.distributed.is_available():
            pass
    """, name="train.py")
    assert result.returncode == 1
    assert result.stdout == "before\n"
    assert "AttributeError: rtensor does not implement torch.distributed (needed by train.py)" in (
        result.stderr)
    assert result.stderr.splitlines()[-1] == (
        "rtensor.compat: rtensor does not implement torch.distributed (needed by train.py)")
    assert 'train.py", line 4, in <module>' in result.stderr


def test_missing_module(tmp_path):
    # (torch.distributions was the example here until rtensor.distributions existed)
    result = run(tmp_path, "import torch.fx\n")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2] == (
        "ModuleNotFoundError: rtensor does not implement torch.fx (needed by script.py)")


def test_failures_explained():
    # What the runner appends to a traceback, checked on the exceptions Python raises for a
    # missing name in `from torch.X import name`, a missing Tensor method and class attribute.
    from rtensor.compat.__main__ import _missing

    with pytest.raises(ImportError) as e:
        from rtensor.optim import Frobnicator  # noqa: F401
    assert _missing(e.value, "s.py") == (
        "rtensor does not implement torch.optim.Frobnicator (needed by s.py)")
    with pytest.raises(AttributeError) as e:
        torch_zeros().frobnicate()
    assert _missing(e.value, "s.py") == (
        "rtensor does not implement Tensor.frobnicate (needed by s.py)")
    with pytest.raises(AttributeError) as e:
        type(torch_zeros()).frobnicate()
    assert _missing(e.value, "s.py") == (
        "rtensor does not implement Tensor.frobnicate (needed by s.py)")
    assert _missing(ValueError("x"), "s.py") is None
    assert _missing(AttributeError("'int' object has no attribute 'y'"), "s.py") is None


def torch_zeros():
    import rtensor

    return rtensor.zeros(2)


def test_exit_status_and_usage(tmp_path):
    assert run(tmp_path, "import sys\nsys.exit(3)\n").returncode == 3
    env = dict(os.environ, PYTHONPATH=PKG_ROOT)
    usage = subprocess.run([sys.executable, "-m", "rtensor.compat"], capture_output=True,
                           text=True, env=env, timeout=60)
    assert usage.returncode == 2 and "usage: python -m rtensor.compat script.py" in usage.stderr
    missing = subprocess.run([sys.executable, "-m", "rtensor.compat", "nope.py"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert missing.returncode == 2 and "can't open file 'nope.py'" in missing.stderr
