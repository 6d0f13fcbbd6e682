"""Joining and rearranging (issue "Core tensor engine", part 9): cat/concat, stack, hstack,
vstack, split, repeat, tile, flip, roll, tril, triu, diag, diagonal.

Oracle: NumPy (concatenate, stack, hstack, vstack, split, tile, flip, roll, tril, triu, diag,
diagonal); PyTorch's documented rules where they differ from NumPy (``repeat`` is NumPy's
``tile`` with at least as many reps as dims; ``cat`` promotes dtypes and skips 1-d empty
tensors; error classes and texts).
"""

import numpy as np
import pytest
import rtensor as torch
from hypothesis import given, settings
from hypothesis import strategies as st

DTYPES = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16,
          torch.int8, torch.uint8, torch.bool]


def base(shape, dtype=torch.int64, start=0):
    n = int(np.prod(shape))
    t = (torch.arange(n) + start).reshape(shape).to(dtype)
    return t, t.numpy().copy()


def check(t, a, dtype=None):
    assert isinstance(t, torch.Tensor)
    a = np.asarray(a)
    assert tuple(t.shape) == a.shape, (tuple(t.shape), a.shape)
    if dtype is not None:
        assert t.dtype == dtype, (t.dtype, dtype)
    np.testing.assert_array_equal(t.numpy(), a)


# ----- cat / concat ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_cat(dtype):
    x, a = base((2, 3), dtype)
    y, b = base((4, 3), dtype, 6)
    z, c = base((2, 5), dtype, 3)
    check(torch.cat([x, y]), np.concatenate([a, b]), dtype)
    check(torch.cat((x, y), 0), np.concatenate([a, b]))
    check(torch.cat([x, z], dim=1), np.concatenate([a, c], 1))
    check(torch.cat([x, z], -1), np.concatenate([a, c], -1))
    check(torch.concat([x, x, x], 1), np.concatenate([a, a, a], 1))
    check(torch.concatenate([x, y], axis=0), np.concatenate([a, b]))
    check(torch.cat([x]), a)
    assert not torch.cat([x])._same_storage(x)  # always a new tensor


def test_cat_non_contiguous_and_3d():
    x, a = base((3, 4, 5))
    y, b = base((3, 2, 5), start=100)
    check(torch.cat([x, y], 1), np.concatenate([a, b], 1))
    check(torch.cat([x.transpose(0, 2), y.transpose(0, 2)], 1),
          np.concatenate([a.transpose(2, 1, 0), b.transpose(2, 1, 0)], 1))
    check(torch.cat([x[:, ::2], y[:, :1].expand(3, 4, 5)], 1),
          np.concatenate([a[:, ::2], np.broadcast_to(b[:, :1], (3, 4, 5))], 1))


def test_cat_promotes_dtypes():
    i = torch.tensor([1, 2])
    f = torch.tensor([0.5])
    b = torch.tensor([True])
    check(torch.cat([i, f]), np.array([1.0, 2.0, 0.5], np.float32), torch.float32)
    check(torch.cat([b, i]), np.array([1, 1, 2]), torch.int64)
    check(torch.cat([i.to(torch.int8), i.to(torch.uint8)]), np.array([1, 2, 1, 2], np.int16),
          torch.int16)
    check(torch.cat([f, f.double()]), np.array([0.5, 0.5]), torch.float64)


def test_cat_empty_and_legacy_skip():
    x, a = base((2, 3))
    e = torch.tensor([], dtype=torch.int64)  # 1-d of size 0: skipped (PyTorch's legacy rule)
    check(torch.cat([x, e]), a)
    check(torch.cat([e, x, e], 1), a)
    check(torch.cat([x, torch.zeros(0, 3, dtype=torch.int64)]), a)
    check(torch.cat([torch.zeros(2, 0), torch.zeros(2, 0)], 1), np.zeros((2, 0)))
    check(torch.cat([e, e]), np.zeros(0))


def test_cat_errors():
    with pytest.raises(RuntimeError, match=r"Sizes of tensors must match except in dimension 1\. "
                       r"Expected size 2 but got size 3 for tensor number 1 in the list\."):
        torch.cat([torch.zeros(2, 3), torch.zeros(3, 3)], 1)
    with pytest.raises(RuntimeError, match=r"Sizes of tensors must match except in dimension 0\. "
                       r"Expected size 3 but got size 4 for tensor number 2 in the list\."):
        torch.cat([torch.zeros(2, 3), torch.zeros(1, 3), torch.zeros(1, 4)])
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions: got 2 and 3"):
        torch.cat([torch.zeros(2, 3), torch.zeros(1, 2, 3)])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 0\) cannot be "
                       r"concatenated"):
        torch.cat([torch.tensor(1.0), torch.tensor(2.0)])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 1\) cannot be "
                       r"concatenated"):
        torch.cat([torch.zeros(2), torch.tensor(2.0)])
    with pytest.raises(RuntimeError, match="expected a non-empty list of Tensors"):
        torch.cat([])
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                       r"\[-2, 1\], but got 2\)"):
        torch.cat([torch.zeros(2, 3)], 2)
    with pytest.raises(TypeError):
        torch.cat([torch.zeros(2), 3])


# ----- stack / hstack / vstack ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_stack(dtype):
    x, a = base((2, 3), dtype)
    y, b = base((2, 3), dtype, 6)
    for d in (0, 1, 2, -1, -3):
        check(torch.stack([x, y], d), np.stack([a, b], d), dtype)
    check(torch.stack((x.t(), y.t()), 1), np.stack([a.T, b.T], 1))
    check(torch.stack([torch.tensor(1), torch.tensor(2)]), np.array([1, 2]))
    check(torch.stack([x]), a[None])
    check(torch.stack([torch.zeros(0, 2), torch.zeros(0, 2)], 1), np.zeros((0, 2, 2)))


def test_stack_errors():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                       r"\[2, 3\] at entry 0 and \[3, 3\] at entry 1"):
        torch.stack([torch.zeros(2, 3), torch.zeros(3, 3)])
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        torch.stack([])
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                       r"\[-3, 2\], but got 3\)"):
        torch.stack([torch.zeros(2, 3)], 3)


def test_stack_promotes_dtypes():
    r = torch.stack([torch.tensor([1, 2]), torch.tensor([0.5, 1.5])])
    check(r, np.array([[1.0, 2.0], [0.5, 1.5]], np.float32), torch.float32)


@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(2, 3), (2, 1)], [(), ()], [(2, 2, 1), (2, 1, 1)],
                                    [(), (3,)]])
def test_hstack(shapes):
    ts = [base(s, start=10 * i) for i, s in enumerate(shapes)]
    check(torch.hstack([t for t, _ in ts]), np.hstack([a for _, a in ts]))


@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (1, 3)], [(), ()], [(2, 2, 1), (1, 2, 1)],
                                    [(1, 3), (3,)]])
def test_vstack(shapes):
    ts = [base(s, start=10 * i) for i, s in enumerate(shapes)]
    check(torch.vstack([t for t, _ in ts]), np.vstack([a for _, a in ts]))


def test_hstack_vstack_errors():
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        torch.hstack([torch.zeros(2, 3), torch.zeros(3, 3)])
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        torch.vstack([torch.zeros(2, 3), torch.zeros(2)])


# ----- split (the join's inverse) -------------------------------------------------------------


def test_split_then_cat_round_trips():
    x, a = base((7, 4))
    for size in (1, 2, 3, 7, 10):
        parts = torch.split(x, size)
        expect = np.split(a, range(size, 7, size))
        assert len(parts) == len(expect)
        for p, e in zip(parts, expect):
            check(p, e)
        check(torch.cat(parts), a)
    parts = x.split([3, 0, 4])
    for p, e in zip(parts, np.split(a, [3, 3])):
        check(p, e)
    check(torch.cat(x.split([1, 3], 1), 1), a)


# ----- repeat / tile --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_repeat(dtype):
    x, a = base((2, 3), dtype)
    for reps in [(1, 1), (2, 1), (1, 3), (2, 2), (3, 1, 2), (2, 1, 1, 2), (0, 2), (2, 0, 1)]:
        check(x.repeat(*reps), np.tile(a, reps), dtype)
        check(x.repeat(reps), np.tile(a, reps))
    v, b = base((3,), dtype)
    check(v.repeat(2), np.tile(b, 2))
    check(v.repeat(2, 2), np.tile(b, (2, 2)))
    check(x.t().repeat(2, 2), np.tile(a.T, (2, 2)))
    check(torch.tensor(5).repeat(3), np.array([5, 5, 5]))
    check(torch.tensor(5).repeat(()), np.array(5))
    r = x.repeat(2, 1)
    assert not r._same_storage(x)
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be smaller "
                       "than number of dimensions of tensor"):
        x.repeat(2)
    with pytest.raises(RuntimeError):
        x.repeat(-1, 1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bool])
def test_tile(dtype):
    x, a = base((2, 3), dtype)
    for reps in [(2,), (1,), (2, 2), (3, 1, 2), (0,), ()]:
        check(x.tile(reps), np.tile(a, reps), dtype)
        check(torch.tile(x, reps), np.tile(a, reps))
    check(x.tile(2, 1), np.tile(a, (2, 1)))
    check(x[:, ::2].tile(2), np.tile(a[:, ::2], 2))


# ----- flip / roll ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_flip(dtype):
    x, a = base((2, 3, 4), dtype)
    for dims in [(0,), (1,), (2,), (-1,), (0, 2), (0, 1, 2), (-1, 0), ()]:
        r = x.flip(dims)
        check(r, np.flip(a, dims) if dims else a, dtype)
        assert not r._same_storage(x)  # PyTorch's flip copies
        check(torch.flip(x, dims), np.flip(a, dims) if dims else a)
    check(x.flip(1, 2), np.flip(a, (1, 2)))
    check(x.transpose(0, 2)[::2].flip(0), np.flip(a.transpose(2, 1, 0)[::2], 0))
    check(torch.zeros(0, 3).flip(0), np.zeros((0, 3)))
    check(torch.tensor(3).flip(0), np.array(3))
    check(torch.tensor(3).flip(()), np.array(3))
    with pytest.raises(RuntimeError, match="dims has duplicates"):
        x.flip(0, 0)
    with pytest.raises(RuntimeError, match="dims has duplicates"):
        x.flip(1, -2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.flip(3)


def test_fliplr_flipud_via_flip_match_numpy():
    x, a = base((3, 4))
    check(x.flip(1), np.fliplr(a))
    check(x.flip(0), np.flipud(a))


@pytest.mark.parametrize("dtype", DTYPES)
def test_roll(dtype):
    x, a = base((3, 4), dtype)
    for shifts, dims in [(1, 0), (-1, 0), (5, 1), (-7, 1), (0, 1), ((1, 2), (0, 1)),
                         ((2, -1), (1, 0)), (4, -1)]:
        check(x.roll(shifts, dims), np.roll(a, shifts, dims), dtype)
        check(torch.roll(x, shifts, dims), np.roll(a, shifts, dims))
    for shifts in (1, -5, 13, 0):
        check(x.roll(shifts), np.roll(a, shifts))  # no dims: the flattened tensor rolls
    check(x.t().roll(1, 0), np.roll(a.T, 1, 0))
    check(x.t().roll(3), np.roll(a.T, 3))
    check(torch.zeros(0, 2).roll(1, 0), np.zeros((0, 2)))
    check(torch.tensor(7).roll(1), np.array(7))
    r = x.roll(0, 0)
    assert not r._same_storage(x)
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        x.roll((1, 2), (0,))
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.roll(1, 2)


# ----- tril / triu / diag / diagonal ----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 2), (2, 3, 4), (2, 1, 3, 3), (0, 3),
                                   (3, 0)])
def test_tril_triu(dtype, shape):
    x, a = base(shape, dtype, 1)
    for k in (0, 1, -1, 2, -3, 10, -10):
        check(x.tril(k), np.tril(a, k), dtype)
        check(x.triu(k), np.triu(a, k), dtype)
        check(torch.tril(x, diagonal=k), np.tril(a, k))
        check(torch.triu(x, k), np.triu(a, k))
    if len(shape) == 2:
        check(x.t().tril(1), np.tril(a.T, 1))


def test_tril_triu_in_place_and_special_values():
    x = torch.tensor([[1.0, float("nan")], [float("inf"), 2.0]])
    check(x.tril(), np.array([[1.0, 0.0], [np.inf, 2.0]], np.float32))
    check(x.triu(), np.array([[1.0, np.nan], [0.0, 2.0]], np.float32))
    y, a = base((3, 3), torch.float32)
    assert y.tril_() is y
    check(y, np.tril(a))
    z, b = base((3, 4), torch.int64)
    z.t().triu_()
    check(z, np.triu(b.T).T)
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        torch.zeros(3).tril()
    with pytest.raises(RuntimeError, match="triu: input tensor must have at least 2 dimensions"):
        torch.zeros(3).triu()


@pytest.mark.parametrize("dtype", DTYPES)
def test_diag(dtype):
    v, a = base((3,), dtype, 1)
    for k in (0, 1, -1, 3, -4):
        check(v.diag(k), np.diag(a, k), dtype)
        check(torch.diag(v, k), np.diag(a, k))
    m, b = base((3, 4), dtype, 1)
    for k in (0, 1, -1, 3, 4, -3, -5):
        r = m.diag(k)
        check(r, np.diag(b, k), dtype)
        assert not r._same_storage(m)
    check(m.t().diag(1), np.diag(b.T, 1))
    check(v[::2].diag(), np.diag(a[::2]))
    check(torch.zeros(0, dtype=dtype).diag(), np.zeros((0, 0)))
    with pytest.raises(RuntimeError, match="diag\\(\\): Supports 1D or 2D tensors. Got 3D"):
        torch.zeros(2, 2, 2).diag()
    with pytest.raises(RuntimeError, match="diag\\(\\): Supports 1D or 2D tensors. Got 0D"):
        torch.tensor(1.0).diag()


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (2, 3, 4), (2, 3, 4, 5), (0, 3)])
def test_diagonal_is_a_view(shape):
    x, a = base(shape, torch.float32)
    nd = len(shape)
    for off in (0, 1, -1, 2, -2, 5):
        for d1, d2 in [(0, 1), (1, 0), (-1, -2), (0, nd - 1)]:
            if d1 % nd == d2 % nd:
                continue
            r = x.diagonal(off, d1, d2)
            check(r, np.diagonal(a, off, d1, d2))
            assert r._same_storage(x)
            check(torch.diagonal(x, offset=off, dim1=d1, dim2=d2), np.diagonal(a, off, d1, d2))
    d = x.diagonal()
    if d.numel():
        d.fill_(-1)
        a_w = a.copy()
        idx = np.arange(min(shape[0], shape[1]))
        a_w[idx, idx] = -1
        check(x, a_w)
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 0, 0"):
        x.diagonal(0, 0, 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.diagonal(0, 0, nd)


def test_diagonal_of_non_contiguous():
    x, a = base((4, 5))
    check(x.t().diagonal(1), np.diagonal(a.T, 1))
    check(x[::2, 1:].diagonal(-1), np.diagonal(a[::2, 1:], -1))


# ----- hypothesis: cat/stack of random operands vs NumPy ---------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_cat_stack_random(d):
    nd = d.draw(st.integers(1, 4))
    shape = d.draw(st.lists(st.integers(0, 3), min_size=nd, max_size=nd))
    dim = d.draw(st.integers(-nd, nd - 1))
    n = d.draw(st.integers(1, 4))
    dtypes = d.draw(st.lists(st.sampled_from([torch.int64, torch.float32, torch.int16]),
                             min_size=n, max_size=n))
    ts, arrs = [], []
    for i, dt in enumerate(dtypes):
        s = list(shape)
        s[dim] = d.draw(st.integers(0, 3))
        t, a = base(tuple(s), dt, 10 * i)
        if d.draw(st.booleans()) and nd >= 2:  # a transposed layout holding the same values
            t = t.transpose(0, -1).contiguous().transpose(0, -1)
        ts.append(t)
        arrs.append(a)
    r = torch.cat(ts, dim)
    expect = np.concatenate(arrs, dim)
    check(r, expect.astype(r.numpy().dtype))
    if torch.float32 in dtypes:
        assert r.dtype == torch.float32
    same = [t[tuple(slice(0, 1) if k == dim % nd else slice(None) for k in range(nd))]
            for t in ts]
    same_np = [a[tuple(slice(0, 1) if k == dim % nd else slice(None) for k in range(nd))]
               for a in arrs]
    if all(s.shape == same[0].shape for s in same):
        sd = d.draw(st.integers(-nd - 1, nd))
        r = torch.stack(same, sd)
        check(r, np.stack(same_np, sd).astype(r.numpy().dtype))
