"""Regressions found by running PyTorch's OpInfo samples (issue "numerical breadth", part A).

Oracles: NumPy and closed forms; the expected error classes and texts are PyTorch's (ATen's
checks named beside each case).
"""

import numpy as np
import pytest
import rtensor as torch
from rtensor.autograd import gradcheck, gradgradcheck

F64 = torch.float64


def leaf(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=F64).requires_grad_()


# ----- prod backward on a 0-d input (a Rust panic: slice end -1) -----


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod_dim_backward_0d(dim, keepdim):
    x = leaf(3.0)
    y = x.prod(dim, keepdim)
    assert y.shape == ()
    y.backward()
    assert x.grad.item() == 1.0
    assert gradcheck(lambda t: t.prod(dim, keepdim), [leaf(-1.5)])


def test_prod_backward_empty_and_single():
    x = leaf(np.zeros((0, 3)))
    x.prod(0).sum().backward()
    assert x.grad.shape == (0, 3)
    x = leaf(np.zeros((2, 0)))
    x.prod(1).sum().backward()
    assert x.grad.shape == (2, 0)
    assert gradcheck(lambda t: t.prod(1), [leaf([[2.0], [3.0]])])
    assert gradcheck(lambda t: t.prod(), [leaf([2.0])])


# ----- tile and diag record their backward -----


def test_tile_backward_is_repeat():
    x = leaf(np.arange(6.0).reshape(2, 3))
    y = x.tile(2)
    assert y.grad_fn.name() == "RepeatBackward0"
    assert y.shape == (2, 6)
    assert gradcheck(lambda t: t.tile(2, 1, 2), [x])
    assert gradcheck(lambda t: torch.tile(t, (3,)), [leaf([1.0, 2.0])])
    np.testing.assert_array_equal(torch.tile(torch.tensor([1, 2]), (2, 2)).numpy(),
                                  np.tile([1, 2], (2, 2)))


@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diag_backward(offset):
    v = leaf([1.0, 2.0, 3.0])
    d = v.diag(offset)
    assert d.grad_fn.name() == "DiagEmbedBackward0"
    np.testing.assert_array_equal(d.detach().numpy(), np.diag([1.0, 2.0, 3.0], offset))
    assert gradcheck(lambda t: torch.diag(t, offset), [v])
    assert gradgradcheck(lambda t: torch.diag(t, offset) * 2, [v])
    m = leaf(np.arange(12.0).reshape(3, 4))
    e = m.diag(offset)
    assert e.grad_fn.name() == "DiagonalBackward0_copy"
    np.testing.assert_array_equal(e.detach().numpy(), np.diag(np.arange(12.0).reshape(3, 4),
                                                              offset))
    assert gradcheck(lambda t: t.diag(offset), [m])
    assert gradgradcheck(lambda t: t.diag(offset).square(), [m])


# ----- flip(dims=) -----


def test_flip_dims_keyword():
    x = torch.arange(6).reshape(2, 3)
    expect = np.flip(np.arange(6).reshape(2, 3), (0, 1))
    for y in (x.flip(dims=(0, 1)), x.flip(dims=[0, 1]), torch.flip(x, dims=(0, 1)),
              x.flip(0, 1), x.flip((0, 1))):
        np.testing.assert_array_equal(y.numpy(), expect)
    with pytest.raises(TypeError):
        x.flip(0, dims=(1,))
    with pytest.raises(TypeError):
        x.flip(axis=0)
    np.testing.assert_array_equal(torch.tile(torch.tensor([1, 2]), dims=(2,)).numpy(),
                                  [1, 2, 1, 2])


# ----- gather with an index of fewer dims -----


def test_gather_dims_must_match():
    x = torch.arange(12.0).reshape(3, 4)
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of "
                                           "dimensions as input tensor"):
        x.gather(1, torch.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="Index tensor must have the same number of"):
        torch.arange(4.0).gather(0, torch.tensor([[0]]))
    # ATen's ensure_nonempty_dim: a 0-d index counts as 1-d, against a 1-d input and a 0-d one
    v = torch.tensor([5.0, 6.0, 7.0])
    r = v.gather(0, torch.tensor(2))
    assert r.shape == () and r.item() == 7.0
    r = torch.tensor(4.0).gather(0, torch.tensor([0, 0]))
    assert r.tolist() == [4.0, 4.0]
    x = leaf([5.0, 6.0, 7.0])
    x.gather(0, torch.tensor(1)).backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


# ----- masked_fill with a mask that broadcasts the input -----


def test_masked_fill_broadcasts_input():
    x = torch.tensor([[1.0], [2.0]])
    mask = torch.tensor([True, False, True])
    y = x.masked_fill(mask, -1.0)
    expect = np.where([True, False, True], -1.0, np.array([[1.0], [2.0]]))
    np.testing.assert_array_equal(y.numpy(), expect)
    np.testing.assert_array_equal(torch.masked_fill(x, mask, -1.0).numpy(), expect)
    xl = leaf([[1.0], [2.0]])
    assert gradcheck(lambda t: t.masked_fill(mask, 0.5), [xl])
    v = leaf(3.0)
    assert gradcheck(lambda t, s: t.masked_fill(mask, s), [xl, v])
    # the same mask in place: the output must keep the input's shape (TensorIterator's text)
    with pytest.raises(RuntimeError, match=r"output with shape \[2, 1\] doesn't match the "
                                           r"broadcast shape \[2, 3\]"):
        x.clone().masked_fill_(mask, 0.0)
    with pytest.raises(RuntimeError, match="must match the size"):
        x.masked_fill(torch.tensor([[True, False]] * 3), 0.0)
    # a mask that broadcasts to the input in place still works
    z = torch.zeros(2, 3)
    z.masked_fill_(mask, 1.0)
    assert z.tolist() == [[1.0, 0.0, 1.0]] * 2


# ----- topk on a 0-d tensor -----


@pytest.mark.parametrize("k", [0, 1])
def test_topk_0d(k):
    x = torch.tensor(2.5)
    v, i = x.topk(k)
    assert v.shape == () and i.shape == ()
    assert v.item() == 2.5 and i.item() == 0 and i.dtype == torch.int64
    v, i = torch.topk(x, k, dim=0, largest=False)
    assert v.item() == 2.5
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        x.topk(2)
    xl = leaf(1.5)
    xl.topk(1)[0].backward()
    assert xl.grad.item() == 1.0


# ----- to(memory_format=) -----


def test_to_memory_format():
    x = torch.arange(24.0).reshape(1, 2, 3, 4)
    y = x.to(memory_format=torch.channels_last)
    assert y.is_contiguous(memory_format=torch.channels_last)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert y.to(memory_format=torch.channels_last) is y
    z = x.to(torch.float64, memory_format=torch.channels_last)
    assert z.dtype == torch.float64 and z.is_contiguous(memory_format=torch.channels_last)
    w = x.to("cpu", torch.float64, memory_format=torch.channels_last)
    assert w.dtype == torch.float64 and w.stride() == z.stride()
    o = x.to(torch.zeros(1, dtype=torch.int32), memory_format=torch.channels_last)
    assert o.dtype == torch.int32 and o.is_contiguous(memory_format=torch.channels_last)
    assert x.to(memory_format=torch.preserve_format) is x
    assert x.to(memory_format=torch.contiguous_format) is x
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
        torch.zeros(2, 3, 4).to(memory_format=torch.channels_last)
    # positional bools are non_blocking then copy, as PyTorch's overloads
    assert x.to(torch.float32, True) is x
    assert x.to(torch.float32, False, True) is not x
    with pytest.raises(TypeError):
        x.to(torch.float32, torch.channels_last)
