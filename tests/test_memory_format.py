"""Memory formats (channels_last, channels_last_3d, contiguous_format, preserve_format) against
PyTorch's behaviour recorded by scripts/record_memory_format_reference.py: the strides of every
copy, the answers of is_contiguous, the errors; values and gradients against NumPy."""

import json
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn.functional as F
from gpu_util import close

REF = json.loads((Path(__file__).parent / "data" / "memory_format_reference.json").read_text())
ROWS = REF["tensors"]
LAYERS = REF["layers"]


def _eval(row):
    x = eval(row["source"], {"torch": torch})
    return x, eval(row["call"], {"torch": torch, "x": x, "F": F})


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['source']}|{r['call']}" for r in ROWS])
def test_matches_pytorch(row):
    if "error" in row:
        with pytest.raises(Exception) as e:
            _eval(row)
        assert type(e.value).__name__ == row["error"]
        assert str(e.value) == row["message"]
        return
    x, got = _eval(row)
    if "value" in row:
        assert got == row["value"]
        return
    assert list(got.shape) == row["shape"]
    assert list(got.stride()) == row["stride"]
    if "like" not in row["call"]:
        # The copy holds the same values as the source, whatever its layout.
        np.testing.assert_array_equal(np.asarray(got.detach().double()),
                                      np.asarray(x.detach().double()))


def test_reprs():
    for expr, want in REF["reprs"].items():
        assert repr(eval(expr, {"torch": torch})) == want.replace("torch.", "rtensor.")


def test_clone_strided_gradient_and_grad_fn():
    x = torch.arange(24.0).reshape(1, 2, 3, 4).requires_grad_()
    y = x.contiguous(memory_format=torch.channels_last)
    assert y.grad_fn.name() == "CloneBackward0"
    w = torch.arange(24.0).reshape(1, 3, 4, 2).permute(0, 3, 1, 2)
    (y * w).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), w.numpy())
    z = x.to(torch.float64, memory_format=torch.channels_last)
    assert z.grad_fn.name() == "ToCopyBackward0"
    assert z.dtype == torch.float64 and z.is_contiguous(memory_format=torch.channels_last)


def test_module_to_channels_last():
    conv = torch.nn.Conv2d(3, 4, 3)
    conv.to(memory_format=torch.channels_last)
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert not conv.weight.is_contiguous()
    assert conv.bias.is_contiguous()


def test_clone_strided_rejects_overlap():
    x = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match="overlap"):
        x._clone_strided([1, 1])


def test_gpu_channels_last(gpu):
    x = torch.arange(120.0).reshape(2, 3, 4, 5)
    g = x.to(gpu).contiguous(memory_format=torch.channels_last)
    assert g.stride() == (60, 1, 15, 3)
    close(g, x.contiguous(memory_format=torch.channels_last))
    assert g.device.type == "cuda"


@pytest.mark.parametrize("row", LAYERS, ids=[f"{r['source'][-20:]}|{r['call']}" for r in LAYERS])
def test_layer_output_layout_matches_pytorch(row):
    """Conv, pooling, batch norm and interpolate give PyTorch's output layout: channels-last
    for channels-last input (or, for conv, a channels-last weight)."""
    x, got = _eval(row)
    assert list(got.shape) == row["shape"]
    assert list(got.stride()) == row["stride"]


def test_channels_last_network_values_and_gradients():
    """A channels-last input gives the same values and gradients as the contiguous one, and
    the gradient flows through the relaid-out outputs' nodes."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                              torch.nn.MaxPool2d(2), torch.nn.AdaptiveAvgPool2d(1))
    x = torch.randn(2, 3, 8, 8)
    a = x.clone().requires_grad_()
    b = x.contiguous(memory_format=torch.channels_last).requires_grad_()
    ya, yb = net(a), net(b)
    assert yb.grad_fn.name() == ya.grad_fn.name()
    np.testing.assert_allclose(yb.detach().numpy(), ya.detach().numpy(), rtol=1e-5, atol=1e-6)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-5, atol=1e-6)
