"""Views and shape ops (issue "Core tensor engine", part 4).

Oracle: NumPy (same op on an ndarray, including writes through NumPy views) and PyTorch's
documented behaviour for the cases NumPy has no counterpart for (error classes and texts).
Every view op is also checked to share storage with its base, by identity of the storage,
by ``data_ptr`` arithmetic and by writing through the view.
"""

import numpy as np
import pytest
import rtensor as torch
from hypothesis import given, settings
from hypothesis import strategies as st

DTYPES = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16,
          torch.int8, torch.uint8, torch.bool]


def base(shape, dtype=torch.int64):
    """A contiguous tensor with distinct values (as far as the dtype allows) and its NumPy twin."""
    n = int(np.prod(shape))
    a = np.arange(n).reshape(shape)
    t = torch.arange(n).reshape(shape).to(dtype)
    return t, a


def check(t, a):
    """`t` has `a`'s shape and values (NumPy comparison of the materialised data)."""
    assert isinstance(t, torch.Tensor)
    assert tuple(t.shape) == a.shape, (tuple(t.shape), a.shape)
    np.testing.assert_array_equal(t.numpy(), a)


def shares(view, b):
    return view._same_storage(b)


# ----- metadata -------------------------------------------------------------------------------


def test_size_is_a_tuple_subclass_with_pytorch_repr():
    t = torch.zeros(2, 3)
    assert isinstance(t.shape, tuple) and isinstance(t.shape, torch.Size)
    assert isinstance(t.size(), torch.Size)
    assert t.shape == (2, 3) and t.size() == torch.Size([2, 3])
    assert str(t.shape) == "rtensor.Size([2, 3])"
    assert repr(t.size()) == "rtensor.Size([2, 3])"
    assert str(torch.zeros(()).shape) == "rtensor.Size([])"
    assert isinstance(t.shape[0:1], torch.Size)
    assert t.size(1) == 3 and t.size(-1) == 3 and t.size(-2) == 2
    assert t.shape.numel() == 6
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.size(2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_metadata(dtype):
    t = torch.zeros(2, 3, 4, dtype=dtype)
    a = np.zeros((2, 3, 4), dtype=t.numpy().dtype)
    assert t.dim() == t.ndim == 3
    assert t.numel() == t.nelement() == 24
    assert t.element_size() == a.itemsize
    assert t.stride() == tuple(s // a.itemsize for s in a.strides) == (12, 4, 1)
    assert t.stride(0) == 12 and t.stride(-1) == 1
    assert t.storage_offset() == 0
    assert t.is_contiguous()


def test_metadata_0d_and_empty():
    s = torch.tensor(3.0)
    assert s.dim() == 0 and s.numel() == 1 and s.shape == () and s.stride() == ()
    assert s.is_contiguous()
    e = torch.zeros(0, 3)
    assert e.numel() == 0 and e.shape == (0, 3) and e.stride() == (3, 1)
    assert e.is_contiguous() and e.t().is_contiguous()  # empty tensors are contiguous


def test_contiguous_returns_self_or_a_copy():
    t, a = base((3, 4))
    assert t.contiguous() is t
    v = t.t()
    assert not v.is_contiguous()
    c = v.contiguous()
    assert c.is_contiguous() and not shares(c, t)
    check(c, a.T)
    assert c.stride() == (3, 1)


def test_storage_offset_and_data_ptr_of_views():
    t, _ = base((4, 5), torch.float32)
    v = t[1:, 2:]
    assert v.storage_offset() == 7
    assert v.data_ptr() == t.data_ptr() + 7 * 4
    assert t.select(1, 3).storage_offset() == 3
    assert t.narrow(0, 2, 2).data_ptr() == t.data_ptr() + 10 * 4


def test_is_contiguous_ignores_size_one_dims():
    t = torch.zeros(3, 1, 4)
    assert t.transpose(0, 1).is_contiguous() is False or t.shape[1] == 1
    # (1, 3, 4) with the size-1 dim's stride arbitrary is still contiguous
    u = torch.zeros(3, 4).unsqueeze(0)
    assert u.is_contiguous()
    w = torch.zeros(4, 1).t()  # shape (1, 4), strides (1, 1)
    assert w.is_contiguous()
    assert not torch.zeros(4, 3).t().is_contiguous()
    assert not torch.zeros(4, 6)[:, ::2].is_contiguous()


# ----- view / reshape -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,new",
    [((2, 3, 4), (24,)), ((2, 3, 4), (6, 4)), ((2, 3, 4), (4, -1)), ((2, 3, 4), (-1,)),
     ((2, 3, 4), (2, 1, 3, 1, 4)), ((24,), (2, 3, 4)), ((1,), ()), ((), (1, 1)), ((), (-1,)),
     ((0, 3), (3, 0)), ((0, 3), (-1, 3)), ((2, 0), (0,))],
)
def test_view_contiguous(shape, new):
    t, a = base(shape)
    v = t.view(*new) if new else t.view(())
    check(v, a.reshape(new))
    assert shares(v, t)
    assert v.view(shape).shape == shape
    # tuple and list forms
    assert t.view(tuple(new)).shape == v.shape == t.view(list(new)).shape


def test_view_errors():
    t = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[4, 2\]' is invalid for input of size 6"):
        t.view(4, 2)
    with pytest.raises(RuntimeError, match=r"shape '\[-1, 4\]' is invalid for input of size 6"):
        t.view(-1, 4)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        t.view(-1, -1)
    with pytest.raises(RuntimeError, match="invalid shape dimension -2"):
        t.view(-2, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[-1, 0\]' is invalid for input of size 6"):
        t.view(-1, 0)
    with pytest.raises(RuntimeError, match=r"cannot reshape tensor of 0 elements into shape "
                       r"\[0, -1\] because the unspecified dimension size -1 can be any value"):
        torch.zeros(0, 3).reshape(0, -1)


VIEW_MSG = (
    r"view size is not compatible with input tensor's size and stride \(at least one dimension "
    r"spans across two contiguous subspaces\). Use \.reshape\(\.\.\.\) instead\."
)


@pytest.mark.parametrize(
    "make,new,ok",
    [
        (lambda t: t.t(), (12,), False),
        (lambda t: t.t(), (4, 3), True),  # the same shape is always a view
        (lambda t: t.t(), (4, 1, 3), True),
        (lambda t: t.t(), (2, 2, 3), True),  # splitting the non-contiguous dim is fine
        (lambda t: t[:, ::2], (6,), True),  # strides (4, 2): one run of stride 2
        (lambda t: t[:, ::3], (6,), False),
        (lambda t: t[:, ::2], (3, 2, 1), True),
        (lambda t: t[:, :2], (6,), False),
        (lambda t: t[1:], (8,), True),  # rows 1..2 are still one contiguous run
        (lambda t: t[:, 1:2], (3,), True),
        (lambda t: t.unsqueeze(1).expand(3, 2, 4), (6, 4), False),
        (lambda t: t.unsqueeze(1).expand(3, 2, 4), (3, 8), False),
        (lambda t: t.unsqueeze(1).expand(3, 2, 4), (3, 2, 2, 2), True),
    ],
)
def test_view_of_non_contiguous_raises_where_pytorch_does(make, new, ok):
    t, _ = base((3, 4))
    v = make(t)
    na = np.asarray(v.numpy())
    if ok:
        r = v.view(*new)
        check(r, na.reshape(new))
        assert shares(r, t)
        # and NumPy agrees that no copy is needed
        np.reshape(na, new, copy=False)
    else:
        with pytest.raises(RuntimeError, match=VIEW_MSG):
            v.view(*new)
        with pytest.raises(ValueError):
            np.reshape(na, new, copy=False)
    r = v.reshape(*new)
    check(r, na.reshape(new))
    assert shares(r, t) == ok


def test_reshape_returns_view_when_possible_else_copy():
    t, a = base((2, 3, 4))
    r = t.reshape(6, 4)
    assert shares(r, t)
    c = t.transpose(1, 2).reshape(-1)
    check(c, a.transpose(0, 2, 1).reshape(-1))
    assert not shares(c, t) and c.is_contiguous()
    assert t.reshape(()).shape == () if t.numel() == 1 else True
    check(torch.tensor(5).reshape(1, 1, 1), np.array(5).reshape(1, 1, 1))
    check(t.reshape_as(torch.zeros(4, 6)), a.reshape(4, 6))


def test_view_as_and_expand_as():
    t, a = base((2, 6))
    check(t.view_as(torch.zeros(3, 4)), a.reshape(3, 4))
    with pytest.raises(RuntimeError, match="invalid for input of size 12"):
        t.view_as(torch.zeros(5))
    x, b = base((3, 1))
    e = x.expand_as(torch.zeros(2, 3, 4))
    check(e, np.broadcast_to(b, (2, 3, 4)))
    assert shares(e, x) and e.stride() == (0, 1, 0)


def test_view_dtype_reinterprets_bits():
    t = torch.tensor([1.0, -2.0], dtype=torch.float32)
    v = t.view(torch.int32)
    np.testing.assert_array_equal(v.numpy(), np.array([1.0, -2.0], np.float32).view(np.int32))
    assert shares(v, t)


# ----- transpose / permute / T / mT -----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_transpose_and_permute_values(dtype):
    t, a = base((2, 3, 4), dtype)
    a = t.numpy()
    check(t.transpose(0, 2), np.swapaxes(a, 0, 2))
    check(t.transpose(-1, 0), np.swapaxes(a, -1, 0))
    check(t.swapaxes(1, 2), np.swapaxes(a, 1, 2))
    check(t.swapdims(0, 1), np.swapaxes(a, 0, 1))
    check(torch.swapaxes(t, 0, 1), np.swapaxes(a, 0, 1))
    check(t.permute(2, 0, 1), a.transpose(2, 0, 1))
    check(t.permute((1, 2, 0)), a.transpose(1, 2, 0))
    check(t.permute([-1, -2, -3]), a.transpose(2, 1, 0))
    check(torch.permute(t, (0, 2, 1)), a.transpose(0, 2, 1))
    check(t.T, a.transpose(2, 1, 0))
    check(t.mT, np.swapaxes(a, -1, -2))
    for v in (t.transpose(0, 2), t.permute(2, 0, 1), t.T, t.mT):
        assert shares(v, t)
        assert v.data_ptr() == t.data_ptr()


def test_transpose_strides():
    t = torch.zeros(2, 3, 4)
    assert t.transpose(0, 2).stride() == (1, 4, 12)
    assert t.permute(1, 2, 0).stride() == (4, 1, 12)
    assert t.T.shape == (4, 3, 2)
    assert torch.zeros(5).T.shape == (5,)
    assert torch.zeros(()).T.shape == ()


def test_t():
    t, a = base((3, 4))
    check(t.t(), a.T)
    check(torch.t(t), a.T)
    v, b = base((5,))
    check(v.t(), b)
    assert shares(v.t(), v)
    check(torch.tensor(2.0).t(), np.array(2.0))
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        torch.zeros(2, 3, 4).t()
    # t().mm(): a transposed operand goes straight into the product
    m = torch.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(m.t().mm(m).numpy(), m.numpy().T @ m.numpy())


def test_in_place_transpose_forms():
    t, a = base((2, 3))
    t.t_()
    check(t, a.T)
    t.transpose_(0, 1)
    check(t, a)


def test_mT_errors_on_1d():
    with pytest.raises(RuntimeError):
        _ = torch.zeros(3).mT


def test_transpose_and_permute_errors():
    t = torch.zeros(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        t.transpose(0, 2)
    with pytest.raises(RuntimeError, match="number of dimensions"):
        t.permute(0)
    with pytest.raises(RuntimeError, match="duplicate dims"):
        t.permute(0, 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.permute(0, 2)


# ----- squeeze / unsqueeze --------------------------------------------------------------------


def test_squeeze_unsqueeze():
    t, a = base((1, 3, 1, 2))
    check(t.squeeze(), a.squeeze())
    check(t.squeeze(0), a.squeeze(0))
    check(t.squeeze(2), a.squeeze(2))
    check(t.squeeze(-2), a.squeeze(-2))
    check(t.squeeze(1), a)  # not size 1: unchanged
    check(t.squeeze((0, 2)), a.squeeze((0, 2)))
    check(t.squeeze((0, 1)), a.squeeze(0))
    check(torch.squeeze(t, 0), a.squeeze(0))
    check(t.unsqueeze(0), a[None])
    check(t.unsqueeze(4), a[..., None])
    check(t.unsqueeze(-1), a[..., None])
    check(t.unsqueeze(-5), a[None])
    check(t.unsqueeze(2), np.expand_dims(a, 2))
    check(torch.unsqueeze(t, 1), np.expand_dims(a, 1))
    for v in (t.squeeze(), t.squeeze(0), t.unsqueeze(2)):
        assert shares(v, t)
    s = torch.tensor(1.5)
    check(s.unsqueeze(0), np.array([1.5]))
    check(s.squeeze(), np.array(1.5))
    check(s.squeeze(0), np.array(1.5))
    check(s.squeeze(-1), np.array(1.5))
    check(torch.zeros(1, 1, 1).squeeze(), np.zeros(()))
    with pytest.raises(IndexError, match=r"range of \[-5, 4\], but got 5"):
        t.unsqueeze(5)
    with pytest.raises(IndexError, match=r"range of \[-4, 3\], but got 4"):
        t.squeeze(4)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        t.squeeze((0, -4))


def test_unsqueeze_strides_match_pytorch():
    t = torch.zeros(2, 3)
    # PyTorch's inferUnsqueezeGeometry: size[d] * stride[d], or 1 past the last dim
    assert t.unsqueeze(0).stride() == (6, 3, 1)
    assert t.unsqueeze(1).stride() == (3, 3, 1)
    assert t.unsqueeze(2).stride() == (3, 1, 1)


def test_in_place_squeeze_unsqueeze():
    t, a = base((1, 3))
    assert t.unsqueeze_(-1) is t and t.shape == (1, 3, 1)
    assert t.squeeze_() is t
    check(t, a.reshape(3))


# ----- expand ---------------------------------------------------------------------------------


def test_expand():
    t, a = base((3, 1))
    e = t.expand(2, 3, 4)
    check(e, np.broadcast_to(a, (2, 3, 4)))
    assert e.stride() == (0, 1, 0) and shares(e, t)
    check(t.expand(-1, 5), np.broadcast_to(a, (3, 5)))
    check(t.expand((3, 2)), np.broadcast_to(a, (3, 2)))
    check(t.expand(3, 0), np.zeros((3, 0), dtype=a.dtype))
    check(torch.tensor(7).expand(2, 2), np.full((2, 2), 7))
    with pytest.raises(
        RuntimeError,
        match=r"The expanded size of the tensor \(4\) must match the existing size \(3\) at "
              r"non-singleton dimension 0\.  Target sizes: \[4, 2\]\.  Tensor sizes: \[3, 1\]",
    ):
        t.expand(4, 2)
    with pytest.raises(RuntimeError, match="must be greater or equal to the number of dimensions"):
        t.expand(3)
    with pytest.raises(RuntimeError, match="-1"):
        t.expand(-1, 3, 1)


def test_expand_then_contiguous_and_ops():
    t, a = base((1, 3))
    e = t.expand(4, 3)
    check(e.contiguous(), np.broadcast_to(a, (4, 3)))
    check(e + 1, np.broadcast_to(a, (4, 3)) + 1)
    check(e.sum(0), np.broadcast_to(a, (4, 3)).sum(0))


# ----- flatten / unflatten --------------------------------------------------------------------


def test_flatten_unflatten():
    t, a = base((2, 3, 4))
    check(t.flatten(), a.reshape(-1))
    check(t.flatten(1), a.reshape(2, 12))
    check(t.flatten(0, 1), a.reshape(6, 4))
    check(t.flatten(-2, -1), a.reshape(2, 12))
    check(t.flatten(1, 1), a)
    check(torch.flatten(t, 1), a.reshape(2, 12))
    assert shares(t.flatten(), t)
    check(torch.tensor(3).flatten(), np.array([3]))
    check(torch.tensor(3).flatten(-1, 0), np.array([3]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.tensor(3).flatten(1)
    tt = t.transpose(0, 2)
    f = tt.flatten()
    check(f, a.transpose(2, 1, 0).reshape(-1))
    assert not shares(f, t)
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        t.flatten(2, 1)
    check(t.unflatten(2, (2, 2)), a.reshape(2, 3, 2, 2))
    check(t.unflatten(-1, (2, -1)), a.reshape(2, 3, 2, 2))
    check(t.unflatten(0, [1, 2]), a.reshape(1, 2, 3, 4))
    check(torch.unflatten(t, 1, (3, 1)), a.reshape(2, 3, 1, 4))
    assert shares(t.unflatten(1, (3, 1)), t)
    with pytest.raises(RuntimeError):
        t.unflatten(1, (2, 2))


# ----- narrow / select / chunk / split / unbind / movedim ----------------------------------


def test_narrow_select():
    t, a = base((4, 5))
    check(t.narrow(0, 1, 2), a[1:3])
    check(t.narrow(1, -3, 2), a[:, 2:4])
    check(t.narrow(-1, 0, 0), a[:, 0:0])
    check(torch.narrow(t, 1, 4, 1), a[:, 4:5])
    check(t.select(0, 2), a[2])
    check(t.select(1, -1), a[:, -1])
    check(torch.select(t, 1, 0), a[:, 0])
    for v in (t.narrow(0, 1, 2), t.select(1, 3)):
        assert shares(v, t)
    with pytest.raises(RuntimeError, match=r"start \(3\) \+ length \(2\) exceeds dimension size \(4\)"):
        t.narrow(0, 3, 2)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 5"):
        t.select(1, 5)
    with pytest.raises(IndexError, match="index -6 is out of bounds for dimension 1 with size 5"):
        t.select(1, -6)
    with pytest.raises(IndexError, match="select"):
        torch.tensor(1).select(0, 0)


def test_chunk():
    t, a = base((5, 6))
    for n, dim in [(2, 0), (3, 0), (5, 0), (7, 0), (4, 1), (6, 1), (1, 1), (3, -1)]:
        parts = t.chunk(n, dim)
        size = -(-a.shape[dim] // n)
        expect = [a.take(range(i, min(i + size, a.shape[dim])), axis=dim)
                  for i in range(0, a.shape[dim], size)]
        assert isinstance(parts, tuple) and len(parts) == len(expect)
        for p, e in zip(parts, expect):
            check(p, e)
            assert shares(p, t)
    assert [p.shape[1] for p in t.chunk(4, 1)] == [2, 2, 2]  # PyTorch: 3 chunks, not 4
    assert [p.shape[0] for p in torch.chunk(t, 2)] == [3, 2]
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        t.chunk(0)


def test_split():
    t, a = base((5, 6))
    parts = t.split(2)
    assert [p.shape for p in parts] == [(2, 6), (2, 6), (1, 6)]
    for p, e in zip(parts, np.split(a, [2, 4])):
        check(p, e)
    parts = t.split([1, 4, 1], dim=1)
    for p, e in zip(parts, np.split(a, [1, 5], axis=1)):
        check(p, e)
        assert shares(p, t)
    for p, e in zip(torch.split(t, 3, -1), np.split(a, [3], axis=1)):
        check(p, e)
    assert len(t.split(10)) == 1
    assert [p.shape[0] for p in t.split([0, 5])] == [0, 5]
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly to 5"):
        t.split([1, 2])


def test_unbind():
    t, a = base((3, 4))
    r = t.unbind()
    assert isinstance(r, tuple) and len(r) == 3
    for x, e in zip(r, a):
        check(x, e)
        assert shares(x, t)
    for x, e in zip(torch.unbind(t, 1), a.T):
        check(x, e)
    for x, e in zip(t, a):  # iteration unbinds dim 0
        check(x, e)


def test_movedim():
    t, a = base((2, 3, 4, 5))
    check(t.movedim(0, 2), np.moveaxis(a, 0, 2))
    check(t.movedim(-1, 0), np.moveaxis(a, -1, 0))
    check(t.movedim((0, 1), (2, 0)), np.moveaxis(a, (0, 1), (2, 0)))
    check(torch.movedim(t, [3, 0], [0, 3]), np.moveaxis(a, [3, 0], [0, 3]))
    check(t.movedim((), ()), a)
    assert shares(t.movedim(0, 1), t)
    with pytest.raises(RuntimeError):
        t.movedim((0, 1), (1,))
    with pytest.raises(RuntimeError):
        t.movedim((0, 1), (1, 1))
    with pytest.raises(RuntimeError):
        t.movedim((0, 0), (1, 2))


# ----- sharing: writes through views reach the base and every other view -------------------


def test_writes_through_views_are_visible_everywhere():
    t, a = base((4, 6), torch.float32)
    a = a.astype(np.float32)
    tv = t.t()
    sl = t[1:, ::2]
    fl = t.view(-1)
    row = t.select(0, 2)
    tv[5, 0] = 100.0
    a.T[5, 0] = 100.0
    sl[1, 1] = -1.0
    a[1:, ::2][1, 1] = -1.0
    fl[23] = 7.0
    a.reshape(-1)[23] = 7.0
    row.fill_(3.0)
    a[2] = 3.0
    check(t, a)
    check(tv, a.T)
    check(sl, a[1:, ::2])
    check(fl, a.reshape(-1))
    for v in (tv, sl, fl, row):
        assert shares(v, t)
    sl.mul_(2)
    a[1:, ::2] *= 2
    check(t, a)
    tv.add_(1)
    a += 1
    check(t, a)
    check(row, a[2])


def test_in_place_op_on_transposed_view():
    t, a = base((3, 3), torch.float64)
    a = a.astype(np.float64)
    t.t().copy_(t.clone())  # writes the transpose of the original
    check(t, a.T)


def test_views_keep_the_storage_alive():
    v = torch.arange(10.0)[2:5]
    import gc

    gc.collect()
    check(v, np.arange(10.0)[2:5])


# ----- hypothesis: random view chains vs the same chain in NumPy ---------------------------


@st.composite
def view_chains(draw):
    nd = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=nd, max_size=nd)))
    ops = []
    cur = list(shape)
    for _ in range(draw(st.integers(1, 5))):
        kinds = ["unsqueeze"]
        if len(cur) >= 2:
            kinds += ["transpose", "permute", "mT"]
        if len(cur) >= 1:
            kinds += ["slice", "select", "narrow", "squeeze", "flatten", "unbind", "movedim",
                      "view_split", "expand"]
        k = draw(st.sampled_from(kinds))
        n = len(cur)
        if k == "transpose":
            d0, d1 = draw(st.integers(-n, n - 1)), draw(st.integers(-n, n - 1))
            ops.append((k, d0, d1))
            cur[d0], cur[d1] = cur[d1], cur[d0]
        elif k == "permute":
            p = draw(st.permutations(range(n)))
            ops.append((k, tuple(p)))
            cur = [cur[i] for i in p]
        elif k == "mT":
            ops.append((k,))
            cur[-1], cur[-2] = cur[-2], cur[-1]
        elif k == "unsqueeze":
            d = draw(st.integers(-n - 1, n))
            ops.append((k, d))
            cur.insert(d if d >= 0 else d + n + 1, 1)
        elif k == "slice":
            d = draw(st.integers(0, n - 1))
            start = draw(st.one_of(st.none(), st.integers(-5, 5)))
            stop = draw(st.one_of(st.none(), st.integers(-5, 5)))
            step = draw(st.integers(1, 3))
            ops.append((k, d, start, stop, step))
            cur[d] = len(range(*slice(start, stop, step).indices(cur[d])))
        elif k == "select":
            d = draw(st.integers(0, n - 1))
            if cur[d] == 0:
                continue
            i = draw(st.integers(-cur[d], cur[d] - 1))
            ops.append((k, d, i))
            cur.pop(d)
        elif k == "narrow":
            d = draw(st.integers(0, n - 1))
            start = draw(st.integers(0, cur[d]))
            length = draw(st.integers(0, cur[d] - start))
            ops.append((k, d, start, length))
            cur[d] = length
        elif k == "squeeze":
            d = draw(st.one_of(st.none(), st.integers(-n, n - 1)))
            ops.append((k, d))
            if d is None:
                cur = [s for s in cur if s != 1]
            elif cur[d] == 1:
                cur.pop(d)
        elif k == "flatten":
            ops.append((k,))
            cur = [int(np.prod(cur))]
        elif k == "unbind":
            d = draw(st.integers(0, n - 1))
            if cur[d] == 0:
                continue
            i = draw(st.integers(0, cur[d] - 1))
            ops.append((k, d, i))
            cur.pop(d)
        elif k == "movedim":
            s, e = draw(st.integers(-n, n - 1)), draw(st.integers(-n, n - 1))
            ops.append((k, s, e))
            cur = list(np.moveaxis(np.empty(cur), s, e).shape)
        elif k == "view_split":
            # split the last dim into (a, -1) when a divides it: always a valid view
            last = cur[-1]
            divs = [a for a in range(1, 5) if last % a == 0] if last else [1]
            a = draw(st.sampled_from(divs))
            ops.append((k, a))
            cur = cur[:-1] + [a, last // a if a else 0]
        elif k == "expand":
            # expand size-1 dims: a read-only view (writes are not part of this chain)
            d = draw(st.integers(0, n - 1))
            if cur[d] != 1:
                continue
            size = draw(st.integers(0, 3))
            ops.append((k, d, size))
            cur[d] = size
    return shape, ops


def apply_torch(t, op):
    k = op[0]
    if k == "transpose":
        return t.transpose(op[1], op[2])
    if k == "permute":
        return t.permute(*op[1])
    if k == "mT":
        return t.mT
    if k == "unsqueeze":
        return t.unsqueeze(op[1])
    if k == "slice":
        idx = [slice(None)] * t.ndim
        idx[op[1]] = slice(op[2], op[3], op[4])
        return t[tuple(idx)]
    if k == "select":
        return t.select(op[1], op[2])
    if k == "narrow":
        return t.narrow(op[1], op[2], op[3])
    if k == "squeeze":
        return t.squeeze() if op[1] is None else t.squeeze(op[1])
    if k == "flatten":
        return t.reshape(-1)
    if k == "unbind":
        return t.unbind(op[1])[op[2]]
    if k == "movedim":
        return t.movedim(op[1], op[2])
    if k == "view_split":
        last = t.shape[-1] // op[1] if t.numel() == 0 else -1
        return t.reshape(*t.shape[:-1], op[1], last)
    if k == "expand":
        sizes = [-1] * t.ndim
        sizes[op[1]] = op[2]
        return t.expand(*sizes)
    raise AssertionError(k)


def apply_numpy(a, op):
    k = op[0]
    if k == "transpose":
        return np.swapaxes(a, op[1], op[2])
    if k == "permute":
        return a.transpose(op[1])
    if k == "mT":
        return np.swapaxes(a, -1, -2)
    if k == "unsqueeze":
        return np.expand_dims(a, op[1])
    if k == "slice":
        idx = [slice(None)] * a.ndim
        idx[op[1]] = slice(op[2], op[3], op[4])
        return a[tuple(idx)]
    if k in ("select", "unbind"):
        idx = [slice(None)] * a.ndim
        idx[op[1]] = op[2]
        return a[tuple(idx) + (Ellipsis,)]  # `...` keeps a 0-d result a view
    if k == "narrow":
        idx = [slice(None)] * a.ndim
        idx[op[1]] = slice(op[2], op[2] + op[3])
        return a[tuple(idx)]
    if k == "squeeze":
        if op[1] is None:
            return a.squeeze()
        return a.squeeze(op[1]) if a.shape[op[1]] == 1 else a
    if k == "flatten":
        return a.reshape(-1)
    if k == "movedim":
        return np.moveaxis(a, op[1], op[2])
    if k == "view_split":
        last = a.shape[-1] // op[1] if a.size == 0 else -1
        return a.reshape(*a.shape[:-1], op[1], last)
    if k == "expand":
        shape = list(a.shape)
        shape[op[1]] = op[2]
        return np.broadcast_to(a, shape)
    raise AssertionError(k)


@settings(max_examples=100, deadline=None)
@given(view_chains(), st.sampled_from([torch.float32, torch.int64, torch.int16]))
def test_view_chains_match_numpy(chain, dtype):
    shape, ops = chain
    t, a = base(shape, dtype)
    a = t.numpy().copy()
    v, av = t, a
    writable = True
    for op in ops:
        v, av = apply_torch(v, op), apply_numpy(av, op)
        # reshape of a non-viewable layout copies in both libraries
        check(v, av)
        if op[0] == "expand":
            writable = False
        if op[0] in ("flatten", "view_split") and not np.shares_memory(av, a):
            writable = False
    if v.numel() > 0:
        assert shares(v, t) == np.shares_memory(av, a)
    # strides are those NumPy reports for the same view (in elements), where both are views
    if np.shares_memory(av, a) and v.numel() > 0:
        for s, ns, n in zip(v.stride(), av.strides, av.shape):
            if n > 1:
                assert s == ns // a.itemsize
    # a write through the view reaches the base exactly where NumPy's does
    if writable and v.numel() > 0 and np.shares_memory(av, a):
        fill = np.arange(v.numel()).reshape(av.shape).astype(a.dtype) + 1
        v.copy_(torch.tensor(fill))
        av[...] = fill
        check(t, a)
        check(v, av)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=4),
    st.data(),
)
def test_view_succeeds_exactly_when_numpy_needs_no_copy(shape, data):
    t, a = base(tuple(shape))
    perm = data.draw(st.permutations(range(len(shape))))
    steps = [data.draw(st.integers(1, 2)) for _ in shape]
    idx = tuple(slice(None, None, s) for s in steps)
    v = t.permute(*perm)[idx]
    av = a.transpose(perm)[idx]
    new = data.draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    n = int(np.prod(av.shape))
    # make `new` a valid shape: fold what is left into a last dim when it divides
    m = int(np.prod(new)) if new else 1
    if n % m:
        new = [n]
    else:
        new = new + [n // m]
    try:
        expect = np.reshape(av, new, copy=False)
    except ValueError:
        expect = None
    if expect is None:
        with pytest.raises(RuntimeError, match=VIEW_MSG):
            v.view(*new)
    else:
        r = v.view(*new)
        check(r, expect)
        assert shares(r, t)
    check(v.reshape(*new), av.reshape(new))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(16, 16), (17, 40), (300, 33), (3, 20, 18), (2, 3, 64, 48)])
def test_contiguous_of_transposed_views_matches_numpy(dtype, shape):
    """`.mT.contiguous()` (and `.t()`, batched permutes, a strided row pitch) goes through the
    block transpose; NumPy's copy of the same view is the oracle."""
    rng = np.random.default_rng(11)
    a = rng.standard_normal(shape).astype(dtype)
    t = torch.from_numpy(a.copy())
    np.testing.assert_array_equal(t.mT.contiguous().numpy(), np.ascontiguousarray(np.swapaxes(a, -1, -2)))
    wide = rng.standard_normal(shape[:-1] + (shape[-1] + 7,)).astype(dtype)
    tw = torch.from_numpy(wide.copy())[..., : shape[-1]]
    np.testing.assert_array_equal(tw.mT.contiguous().numpy(),
                                  np.ascontiguousarray(np.swapaxes(wide[..., : shape[-1]], -1, -2)))
    if len(shape) == 2:
        np.testing.assert_array_equal(t.t().clone().numpy(), a.T)
        out = torch.empty(shape[::-1], dtype=t.dtype)
        out.copy_(t.t())
        np.testing.assert_array_equal(out.numpy(), a.T)
