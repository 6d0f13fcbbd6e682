"""``nn.utils``: gradient clipping and parameter/vector conversion.

Oracles: NumPy norms and PyTorch's documented rule (scale by
``min(1, max_norm / (total_norm + 1e-6))``); PyTorch's error messages.
"""

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
from rtensor.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def params_with_grads(grads):
    ps = []
    for g in grads:
        p = nn.Parameter(torch.zeros(*np.shape(g)))
        p.grad = torch.tensor(np.asarray(g, dtype=np.float32))
        ps.append(p)
    return ps


GRADS = [[[3.0, -4.0], [1.0, 2.0]], [12.0, -0.5, 0.25], 7.0]


def flat(grads):
    return np.concatenate([np.ravel(np.asarray(g, dtype=np.float64)) for g in grads])


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf")])
def test_clip_grad_norm_total_norm_and_scaling(norm_type):
    ps = params_with_grads(GRADS)
    v = flat(GRADS)
    expected_norm = np.abs(v).max() if norm_type == float("inf") else np.linalg.norm(v, norm_type)
    total = clip_grad_norm_(ps, max_norm=1.0, norm_type=norm_type)
    assert isinstance(total, torch.Tensor) and total.shape == ()
    assert np.isclose(total.item(), expected_norm, rtol=1e-6)
    coef = 1.0 / (expected_norm + 1e-6)
    for p, g in zip(ps, GRADS):
        assert np.allclose(p.grad.numpy(), np.asarray(g) * coef, rtol=1e-5)


def test_clip_grad_norm_leaves_small_gradients_alone():
    ps = params_with_grads(GRADS)
    total = clip_grad_norm_(ps, max_norm=100.0)
    assert np.isclose(total.item(), np.linalg.norm(flat(GRADS)), rtol=1e-6)
    for p, g in zip(ps, GRADS):
        assert np.array_equal(p.grad.numpy(), np.asarray(g, dtype=np.float32))


def test_clip_grad_norm_inputs():
    ps = params_with_grads(GRADS[:1])
    assert np.isclose(clip_grad_norm_(ps[0], 1.0).item(), np.linalg.norm(flat(GRADS[:1])))
    no_grad = nn.Parameter(torch.ones(2))
    ps = params_with_grads(GRADS[1:2]) + [no_grad]
    clip_grad_norm_(iter(ps), 1.0)  # generators work; parameters without grad are skipped
    assert no_grad.grad is None
    assert clip_grad_norm_([no_grad], 1.0).item() == 0.0
    model = nn.Linear(3, 2)
    model(torch.randn(4, 3)).pow(2).sum().backward()
    clip_grad_norm_(model.parameters(), 0.5)
    assert np.isclose(np.linalg.norm(np.concatenate(
        [p.grad.numpy().ravel() for p in model.parameters()])), 0.5, rtol=1e-5)


def test_clip_grad_norm_nonfinite():
    ps = params_with_grads([[1.0, float("inf")]])
    with pytest.raises(RuntimeError) as e:
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    assert str(e.value) == (
        "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot "
        "be clipped. To disable this error and scale the gradients by the non-finite norm "
        "anyway, set `error_if_nonfinite=False`")
    assert clip_grad_norm_(ps, 1.0).item() == float("inf")


def test_clip_grad_value():
    ps = params_with_grads(GRADS)
    assert clip_grad_value_(ps, 2) is None
    for p, g in zip(ps, GRADS):
        assert np.array_equal(p.grad.numpy(), np.clip(np.asarray(g, dtype=np.float32), -2, 2))


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = parameters_to_vector(model.parameters())
    expected = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    assert vec.shape == (11,) and np.array_equal(vec.detach().numpy(), expected)
    new = torch.arange(11, dtype=torch.float32)
    vector_to_parameters(new, model.parameters())
    assert model[0].weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert model[1].bias.tolist() == [10.0]
    assert isinstance(model[0].weight, nn.Parameter)
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        vector_to_parameters([1.0], model.parameters())
