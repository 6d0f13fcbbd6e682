"""The backward node names PyTorch records (issue "Autograd graph in Rust").

Oracle: ``tests/data/grad_fn_names.json`` (PyTorch 2.13's ``type(t.grad_fn).__name__`` for each
expression; ``null`` where the result has no grad_fn). In the expressions ``x``, ``y`` are (3, 4)
float32 leaves requiring grad, ``w`` is (4, 5), ``v`` is (4,), ``idx`` is ``tensor([0, 2])``.

Every key is accounted for: evaluated here (``F`` is ``rtensor.nn.functional``), or listed in
``DISPUTED`` with the reason the recorded name cannot be what PyTorch gives for the stated inputs (those are checked
against PyTorch's documented behaviour instead).
"""

import json
from pathlib import Path

import pytest
import rtensor as torch

DATA = json.loads((Path(__file__).parent / "data" / "grad_fn_names.json").read_text())

# Recorded names that contradict PyTorch's documented semantics for the stated inputs.
DISPUTED = {
    # x is float32, and Tensor.float() / Tensor.to(dtype) return ``self`` unchanged when the
    # dtype already matches ("If the self Tensor already has the correct torch.dtype, then self
    # is returned"), so a float32 leaf's .float() is the leaf itself with grad_fn None. The
    # recorded ToCopyBackward0 is what a real conversion records; see
    # test_disputed_float_of_float32.
    "x.float()",
}

# Keys whose text is not a plain expression.
REWRITE = {
    "x.detach().requires_grad_() (leaf)": "x.detach().requires_grad_()",
    "torch.dropout-free: F.leaky_relu(x)": "F.leaky_relu(x)",
}


def env():
    torch.manual_seed(0)
    return {
        "torch": torch,
        "F": torch.nn.functional,
        "tensor": torch.tensor,
        "x": torch.randn(3, 4, requires_grad=True),
        "y": torch.randn(3, 4, requires_grad=True),
        "w": torch.randn(4, 5),
        "v": torch.randn(4),
        "idx": torch.tensor([0, 2]),
    }


TESTED = [k for k in DATA if k not in DISPUTED]


def test_every_key_is_accounted_for():
    assert DISPUTED <= set(DATA), DISPUTED - set(DATA)
    assert set(TESTED) | DISPUTED == set(DATA)
    assert len(TESTED) + len(DISPUTED) == len(DATA) == 81


@pytest.mark.parametrize("expr", TESTED)
def test_grad_fn_name(expr):
    out = eval(REWRITE.get(expr, expr), env())
    expected = DATA[expr]
    if expected is None:
        assert out.grad_fn is None
        assert out.requires_grad and out.is_leaf
    else:
        assert out.grad_fn is not None, expr
        assert out.grad_fn.name() == expected
        assert repr(out.grad_fn).startswith(f"<{expected} object at 0x")


def test_disputed_float_of_float32():
    e = env()
    x = e["x"]
    assert x.float() is x and x.float().grad_fn is None
    # a conversion that does change the dtype records ToCopyBackward0, as the reference says
    assert x.double().float().grad_fn.name() == DATA["x.float()"] == "ToCopyBackward0"
