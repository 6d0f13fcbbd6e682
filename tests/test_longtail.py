"""The long-tail functions (issue "numerical breadth", part B): values against NumPy, gradients
by float64 finite differences (``gradcheck``), PyTorch's result dtypes and error texts."""

import math

import numpy as np
import pytest
import rtensor as torch
from hypothesis import given, settings
from hypothesis import strategies as st
from rtensor.autograd import gradcheck

F64 = torch.float64
RNG = np.random.default_rng(0)


def leaf(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=F64).requires_grad_()


def rand(*shape, low=-2.0, high=2.0):
    return leaf(RNG.uniform(low, high, size=shape))


def npy(t):
    return t.detach().numpy()


def close(t, a, **kw):
    np.testing.assert_allclose(npy(t), a, **kw)


# ----- dims, broadcasting, joins, splits -----


def test_atleast():
    s, v, m = torch.tensor(1.0), torch.arange(3.0), torch.zeros(2, 3)
    assert torch.atleast_1d(s).shape == (1,)
    assert torch.atleast_2d(s).shape == (1, 1) and torch.atleast_2d(v).shape == (1, 3)
    assert torch.atleast_3d(s).shape == (1, 1, 1)
    assert torch.atleast_3d(v).shape == (1, 3, 1) and torch.atleast_3d(m).shape == (2, 3, 1)
    for f, g in ((torch.atleast_1d, np.atleast_1d), (torch.atleast_2d, np.atleast_2d),
                 (torch.atleast_3d, np.atleast_3d)):
        r = f(s, v, m)
        assert isinstance(r, tuple)
        assert [x.shape for x in r] == [g(np.zeros(x.shape)).shape for x in (s, v, m)]
        assert isinstance(f([s, v]), tuple)
    assert torch.atleast_2d(m) is m


def test_broadcast():
    assert torch.broadcast_shapes((2, 1), (3,), 1) == torch.Size([2, 3])
    assert torch.broadcast_shapes() == torch.Size([])
    with pytest.raises(RuntimeError, match="Shape mismatch"):
        torch.broadcast_shapes((2,), (3,))
    a, b = torch.broadcast_tensors(torch.zeros(2, 1), torch.arange(3.0))
    assert a.shape == b.shape == (2, 3)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match the size of "
                                           r"tensor b \(3\) at non-singleton dimension 0"):
        torch.broadcast_tensors(torch.zeros(2), torch.zeros(3))
    x = rand(3, 1)
    assert torch.broadcast_to(x, (2, 3, 4)).shape == (2, 3, 4)
    assert x.broadcast_to((3, 5)).shape == (3, 5)
    assert gradcheck(lambda t: torch.broadcast_to(t, (2, 3, 4)), [x])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(1, 3), min_size=0, max_size=3), min_size=1, max_size=3))
def test_broadcast_shapes_property(shapes):
    try:
        expect = np.broadcast_shapes(*[tuple(s) for s in shapes])
    except ValueError:
        with pytest.raises(RuntimeError):
            torch.broadcast_shapes(*shapes)
        return
    assert tuple(torch.broadcast_shapes(*shapes)) == expect
    ts = torch.broadcast_tensors(*[torch.zeros(*s) for s in shapes])
    assert all(tuple(t.shape) == expect for t in ts)


def test_stacks():
    a, b = np.arange(3.0), np.arange(3.0, 6.0)
    np.testing.assert_array_equal(
        torch.column_stack([torch.tensor(a), torch.tensor(b)]).numpy(), np.column_stack([a, b]))
    m = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(
        torch.column_stack([torch.tensor(a), torch.tensor(m)]).numpy(), np.column_stack([a, m]))
    np.testing.assert_array_equal(
        torch.dstack([torch.tensor(a), torch.tensor(b)]).numpy(), np.dstack([a, b]))
    np.testing.assert_array_equal(
        torch.dstack([torch.tensor(m), torch.tensor(m)]).numpy(), np.dstack([m, m]))
    x, y = rand(3), rand(3, 2)
    assert gradcheck(lambda p, q: torch.column_stack([p, q]), [x, y])


def _sizes(parts):
    return [tuple(p.shape) for p in parts]


@pytest.mark.parametrize("ios", [3, 4, 1, [1, 4], [2, 2, 9], [-2], (0,)])
def test_tensor_split(ios):
    a = np.arange(14.0).reshape(7, 2)
    parts = torch.tensor_split(torch.tensor(a), ios)
    expect = np.array_split(a, ios) if isinstance(ios, int) else np.split(a, ios)
    assert len(parts) == len(expect)
    for p, e in zip(parts, expect):
        np.testing.assert_array_equal(p.numpy(), e)
    parts = torch.tensor(a.T).tensor_split(ios, dim=1)
    assert _sizes(parts) == [e.T.shape for e in expect]


def test_tensor_split_tensor_and_errors():
    x = torch.arange(10)
    assert _sizes(torch.tensor_split(x, torch.tensor(3))) == [(4,), (3,), (3,)]
    assert _sizes(torch.tensor_split(x, torch.tensor([2, 5]))) == [(2,), (3,), (5,)]
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0, got 0"):
        torch.tensor_split(x, 0)
    with pytest.raises(RuntimeError, match="dtype of long"):
        torch.tensor_split(x, torch.tensor([1.0]))
    g = rand(5, 2)
    assert gradcheck(lambda t: torch.tensor_split(t, [1, 3])[1] * 2, [g])


def test_hvd_split():
    a = np.arange(24.0).reshape(2, 4, 3)
    x = torch.tensor(a)
    for f, g in ((torch.hsplit, np.hsplit), (torch.vsplit, np.vsplit),
                 (torch.dsplit, np.dsplit)):
        for ios in ([1], 2 if f is not torch.dsplit else 3):
            parts, expect = f(x, ios), g(a, ios)
            assert len(parts) == len(expect)
            for p, e in zip(parts, expect):
                np.testing.assert_array_equal(p.numpy(), e)
    assert _sizes(torch.arange(6).hsplit(3)) == [(2,)] * 3
    with pytest.raises(RuntimeError, match="torch.hsplit attempted to split along dimension 1, "
                                           "but the size of the dimension 4 is not divisible "
                                           "by the split_size 3!"):
        torch.hsplit(x, 3)
    with pytest.raises(RuntimeError, match="torch.vsplit requires a tensor with at least 2 "
                                           "dimension, but got a tensor with 1 dimensions!"):
        torch.vsplit(torch.arange(4), 2)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        torch.hsplit(torch.tensor(1.0), 1)


def test_split_with_sizes():
    x = torch.arange(10.0)
    assert _sizes(torch.split_with_sizes(x, [3, 7])) == [(3,), (7,)]
    assert _sizes(x.reshape(2, 5).split_with_sizes([2, 3], dim=1)) == [(2, 2), (2, 3)]
    with pytest.raises(RuntimeError):
        x.split_with_sizes([3, 3])


# ----- products -----


def test_addcmul_addcdiv():
    x, a, b = rand(2, 3), rand(2, 3), rand(3, low=0.5, high=2.0)
    close(torch.addcmul(x, a, b, value=0.5), npy(x) + 0.5 * npy(a) * npy(b))
    close(x.addcdiv(a, b, value=-2), npy(x) - 2 * npy(a) / npy(b))
    assert gradcheck(lambda p, q, r: torch.addcmul(p, q, r, value=3), [x, a, b])
    assert gradcheck(lambda p, q, r: p.addcdiv(q, r), [x, a, b])
    y = torch.ones(2, 3)
    y.addcmul_(torch.ones(2, 3), torch.full((3,), 2.0), value=2)
    assert y.tolist() == [[5.0] * 3] * 2
    y.addcdiv_(torch.ones(3), torch.full((2, 3), 4.0))
    assert y.tolist() == [[5.25] * 3] * 2
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer"):
        torch.addcdiv(torch.ones(2), torch.ones(2, dtype=torch.int64),
                      torch.ones(2, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.ones(3).addcmul_(torch.ones(2, 3), torch.ones(3))
    assert torch.addcmul(torch.ones(2, dtype=torch.int64), torch.ones(2, dtype=torch.int64),
                         torch.ones(2, dtype=torch.int64), value=2).tolist() == [3, 3]


def test_addr_addbmm():
    m, v1, v2 = rand(3, 4), rand(3), rand(4)
    close(torch.addr(m, v1, v2, beta=2, alpha=0.5),
          2 * npy(m) + 0.5 * np.outer(npy(v1), npy(v2)))
    assert gradcheck(lambda a, b, c: torch.addr(a, b, c, beta=0.5, alpha=2), [m, v1, v2])
    nan = torch.full((3, 4), float("nan"))
    assert not torch.addr(nan, v1, v2, beta=0).isnan().any()
    b1, b2 = rand(5, 3, 2), rand(5, 2, 4)
    close(torch.addbmm(m, b1, b2), npy(m) + np.einsum("bij,bjk->ik", npy(b1), npy(b2)))
    close(m.addbmm(b1, b2, beta=0, alpha=-1), -np.einsum("bij,bjk->ik", npy(b1), npy(b2)))
    assert gradcheck(lambda a, b, c: torch.addbmm(a, b, c, alpha=3), [m, b1, b2])
    assert gradcheck(lambda a, b, c: a.addbmm(b, c), [rand(4), b1, b2])
    y = torch.zeros(3, 4)
    y.addr_(torch.ones(3), torch.ones(4))
    assert y.sum().item() == 12
    with pytest.raises(RuntimeError, match="addr: Expected 1-D argument vec1, but got 2-D"):
        torch.addr(m, m, v2)
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        torch.addbmm(m, m, b2)
    with pytest.raises(RuntimeError, match="For integral input tensors, argument beta must not "
                                           "be a floating point number."):
        torch.addr(torch.ones(2, 2, dtype=torch.int64), torch.ones(2, dtype=torch.int64),
                   torch.ones(2, dtype=torch.int64), beta=0.5)
    with pytest.raises(RuntimeError, match="The expanded size of the tensor"):
        torch.addr(torch.ones(3), v1, v2)


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (2, 2)), ((2, 1, 3), (3, 2)),
                                   ((), (3,))])
def test_kron(sa, sb):
    a, b = RNG.normal(size=sa), RNG.normal(size=sb)
    close(torch.kron(torch.tensor(a), torch.tensor(b)), np.kron(a, b), rtol=1e-12)
    assert gradcheck(lambda p, q: p.kron(q), [leaf(a), leaf(b)])
    ia = torch.tensor(np.arange(4).reshape(2, 2))
    assert torch.kron(ia, ia).dtype == torch.int64


@pytest.mark.parametrize("sa,sb,dims", [
    ((3, 4, 5), (4, 5, 2), 2), ((3, 4), (4, 2), 1), ((2, 3), (4,), 0),
    ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0])), ((3, 4), (2, 4), ([1], [1])),
])
def test_tensordot(sa, sb, dims):
    a, b = RNG.normal(size=sa), RNG.normal(size=sb)
    close(torch.tensordot(torch.tensor(a), torch.tensor(b), dims), np.tensordot(a, b, dims),
          rtol=1e-10)
    assert gradcheck(lambda p, q: torch.tensordot(p, q, dims), [leaf(a), leaf(b)])


def test_tensordot_errors():
    with pytest.raises(RuntimeError, match="contracted dimensions need to match, but first has "
                                           "size 3 in dim 0 and second has size 4 in dim 0"):
        torch.tensordot(torch.zeros(3), torch.zeros(4), 1)
    with pytest.raises(RuntimeError, match="tensordot expects dims >= 0, but got dims=-1"):
        torch.tensordot(torch.zeros(3), torch.zeros(3), -1)


def test_inner_vdot_trace():
    a, b = rand(2, 3), rand(4, 3)
    close(torch.inner(a, b), np.inner(npy(a), npy(b)))
    close(a.inner(torch.tensor(2.0, dtype=F64)), 2 * npy(a))
    assert gradcheck(torch.inner, [a, b])
    with pytest.raises(RuntimeError, match=r"inner\(\) the last dimension must match on both "
                                           r"input tensors but got shapes \[2, 3\] and \[3, 2\]"):
        torch.inner(a, torch.zeros(3, 2, dtype=F64))
    u, v = rand(4), rand(4)
    close(torch.vdot(u, v), np.vdot(npy(u), npy(v)))
    assert gradcheck(lambda p, q: p.vdot(q), [u, v])
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D tensors"):
        torch.vdot(a, u)
    with pytest.raises(RuntimeError, match="vdot : expected both vectors to have same dtype, "
                                           "but found Double and Float"):
        torch.vdot(u, torch.ones(4))
    m = rand(3, 5)
    close(torch.trace(m), np.trace(npy(m)))
    assert gradcheck(lambda t: t.trace(), [m])
    it = torch.arange(9, dtype=torch.int32).reshape(3, 3).trace()
    assert it.dtype == torch.int64 and it.item() == 12
    with pytest.raises(RuntimeError, match="trace: expected a matrix, but got tensor with dim 1"):
        torch.trace(u)


# ----- diagonals, rotations, flips -----


@pytest.mark.parametrize("shape,offset,d1,d2", [
    ((3,), 0, -2, -1), ((3,), 2, 0, 1), ((2, 3), -1, -2, -1), ((2, 3), 1, 0, 2),
    ((2, 3), 0, 2, 0), ((4, 2, 3), -2, 1, 3),
])
def test_diag_embed(shape, offset, d1, d2):
    a = RNG.normal(size=shape)
    y = torch.diag_embed(torch.tensor(a), offset, d1, d2)
    # the defining identity: its (offset, d1, d2) diagonal is the input, the rest is zero
    np.testing.assert_array_equal(y.diagonal(offset, d1, d2).numpy(), a)
    assert np.count_nonzero(y.numpy()) == np.count_nonzero(a)
    if len(shape) == 1 and (d1, d2) in ((-2, -1), (0, 1)):
        np.testing.assert_array_equal(y.numpy(), np.diag(a, offset))
    assert gradcheck(lambda t: t.diag_embed(offset, d1, d2), [leaf(a)])
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical -1, 1"):
        torch.diag_embed(torch.zeros(3), 0, -1, 1)


def test_diagflat():
    a = RNG.normal(size=(2, 2))
    for off in (0, 1, -3):
        np.testing.assert_array_equal(torch.diagflat(torch.tensor(a), off).numpy(),
                                      np.diagflat(a, off))
    assert gradcheck(lambda t: t.diagflat(1), [leaf(a)])


@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 6])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (2, 0), (-1, -2)])
def test_rot90(k, dims):
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(torch.rot90(torch.tensor(a), k, dims).numpy(),
                                  np.rot90(a, k, dims))
    assert gradcheck(lambda t: t.rot90(k, dims), [leaf(a)])


def test_rot90_errors_and_flips():
    x = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match="expected total rotation dims == 2, but got dims = 1"):
        torch.rot90(x, 1, [0])
    with pytest.raises(RuntimeError, match="expected total dims >= 2, but got total dims = 1"):
        torch.rot90(torch.zeros(3))
    with pytest.raises(RuntimeError, match="expected rotation dims to be different"):
        torch.rot90(x, 1, [1, 1])
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(torch.fliplr(torch.tensor(a)).numpy(), np.fliplr(a))
    np.testing.assert_array_equal(torch.tensor(a).flipud().numpy(), np.flipud(a))
    with pytest.raises(RuntimeError, match="Input must be >= 2-d."):
        torch.fliplr(torch.zeros(3))
    with pytest.raises(RuntimeError, match="Input must be >= 1-d."):
        torch.flipud(torch.tensor(1.0))


# ----- grids and index sets -----


def test_meshgrid():
    a, b, c = np.arange(3.0), np.arange(4.0), np.arange(2.0)
    for idx in ("ij", "xy"):
        got = torch.meshgrid(torch.tensor(a), torch.tensor(b), torch.tensor(c), indexing=idx)
        for g, e in zip(got, np.meshgrid(a, b, c, indexing=idx)):
            np.testing.assert_array_equal(g.numpy(), e)
        got = torch.meshgrid([torch.tensor(a), torch.tensor(b)], indexing=idx)
        for g, e in zip(got, np.meshgrid(a, b, indexing=idx)):
            np.testing.assert_array_equal(g.numpy(), e)
    with pytest.warns(UserWarning, match="indexing"):
        torch.meshgrid(torch.tensor(a))
    with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij", but received: '
                                           'yx'):
        torch.meshgrid(torch.tensor(a), indexing="yx")
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        torch.meshgrid(torch.zeros(2, 2), indexing="ij")
    x, y = rand(3), rand(2)
    assert gradcheck(lambda p, q: torch.meshgrid(p, q, indexing="xy")[0] * 2
                     + torch.meshgrid(p, q, indexing="xy")[1], [x, y])


def test_cartesian_prod_combinations():
    import itertools

    a, b = [1, 2, 3], [4, 5]
    got = torch.cartesian_prod(torch.tensor(a), torch.tensor(b))
    assert got.tolist() == [list(p) for p in itertools.product(a, b)]
    assert torch.cartesian_prod(torch.tensor(a)).tolist() == a
    x = torch.tensor([10, 20, 30, 40])
    for r in (1, 2, 3):
        for rep in (False, True):
            make = itertools.combinations_with_replacement if rep else itertools.combinations
            got = torch.combinations(x, r, with_replacement=rep)
            expect = [list(c) for c in make([10, 20, 30, 40], r)]
            assert got.tolist() == expect
    assert torch.combinations(x, 5).shape == (0, 5)
    assert torch.combinations(x, 0).shape == (0,)
    with pytest.raises(RuntimeError, match=r"Expect a 1D vector, but got shape \[2, 2\]"):
        torch.combinations(torch.zeros(2, 2))
    v = rand(4)
    assert gradcheck(lambda t: torch.combinations(t, 2), [v])


@pytest.mark.parametrize("row,col,off", [(3, 3, 0), (4, 3, 1), (3, 5, -1), (0, 3, 0),
                                         (3, 3, 10), (3, 3, -10)])
def test_tri_indices(row, col, off):
    got = torch.tril_indices(row, col, off)
    assert got.dtype == torch.int64 and got.shape[0] == 2
    np.testing.assert_array_equal(got.numpy(), np.stack(np.tril_indices(row, off, col)))
    got = torch.triu_indices(row, col, off, dtype=torch.int32)
    assert got.dtype == torch.int32
    np.testing.assert_array_equal(got.numpy(), np.stack(np.triu_indices(row, off, col)))


def test_block_diag():
    a, b, c = np.ones((2, 2)), np.arange(3.0), np.array(5.0)
    got = torch.block_diag(torch.tensor(a), torch.tensor(b, dtype=torch.float32),
                           torch.tensor(c))
    expect = np.zeros((4, 6))
    expect[:2, :2] = a
    expect[2, 2:5] = b
    expect[3, 5] = 5
    np.testing.assert_array_equal(got.numpy(), expect)
    assert got.dtype == torch.float64
    assert torch.block_diag(torch.ones(2, dtype=torch.int64)).dtype == torch.int64
    with pytest.raises(RuntimeError, match="Input tensors must have 2 or fewer dimensions. "
                                           "Input 1 has 3 dimensions"):
        torch.block_diag(torch.ones(1), torch.ones(1, 1, 1))
    assert gradcheck(lambda p, q: torch.block_diag(p, q), [rand(2, 3), rand(2)])


def test_take_along_dim():
    a = RNG.normal(size=(3, 4))
    idx = np.argsort(a, axis=1)
    np.testing.assert_array_equal(
        torch.take_along_dim(torch.tensor(a), torch.tensor(idx), 1).numpy(),
        np.take_along_axis(a, idx, 1))
    i0 = np.array([[2, 0, 1, 1]])
    np.testing.assert_array_equal(
        torch.tensor(a).take_along_dim(torch.tensor(i0), dim=0).numpy(),
        np.take_along_axis(a, i0, 0))
    flat = np.array([0, 5, 11])
    np.testing.assert_array_equal(
        torch.take_along_dim(torch.tensor(a), torch.tensor(flat)).numpy(), a.reshape(-1)[flat])
    # broadcasting of the other dims
    got = torch.take_along_dim(torch.tensor(a[:, :1]), torch.tensor([[0, 0, 0]]), 1)
    assert got.shape == (3, 3)
    assert gradcheck(lambda t: torch.take_along_dim(t, torch.tensor(idx), 1), [leaf(a)])
    with pytest.raises(RuntimeError, match="dtype of indices should be Long but got Int"):
        torch.take_along_dim(torch.tensor(a), torch.tensor(idx, dtype=torch.int32), 1)
    with pytest.raises(RuntimeError, match="input and indices should have the same number"):
        torch.take_along_dim(torch.tensor(a), torch.tensor([0]), 1)


def test_index_copy():
    x = torch.zeros(5, 3)
    src = torch.arange(6.0).reshape(2, 3)
    got = x.index_copy(0, torch.tensor([4, 1]), src)
    expect = np.zeros((5, 3))
    expect[[4, 1]] = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(got.numpy(), expect)
    np.testing.assert_array_equal(torch.index_copy(x, 0, torch.tensor([4, 1]), src).numpy(),
                                  expect)
    x.index_copy_(1, torch.tensor([2]), torch.ones(5, 1))
    assert x[:, 2].tolist() == [1.0] * 5 and x.sum().item() == 5
    xl, sl = rand(5, 3), rand(2, 3)
    assert gradcheck(lambda p, q: p.index_copy(0, torch.tensor([4, 1]), q), [xl, sl])
    with pytest.raises(IndexError, match="Number of indices"):
        x.index_copy(0, torch.tensor([0]), src)
    with pytest.raises(RuntimeError, match=r"self and source expected to have the same dtype, "
                                           r"but got \(self\) Float and \(source\) Double"):
        x.index_copy(0, torch.tensor([0, 1]), src.double())
    bi = torch.zeros(3, dtype=torch.bool).index_copy(0, torch.tensor([1]), torch.tensor([True]))
    assert bi.tolist() == [False, True, False]


# ----- pointwise -----


BINARY = [
    ("logaddexp", np.logaddexp, {}),
    ("logaddexp2", np.logaddexp2, {}),
    ("hypot", np.hypot, {}),
    ("fmax", np.fmax, {}),
    ("fmin", np.fmin, {}),
    ("copysign", np.copysign, {}),
]


@pytest.mark.parametrize("name,ref,kw", BINARY, ids=[b[0] for b in BINARY])
def test_binary_pointwise(name, ref, kw):
    a, b = rand(3, 4, low=-3, high=3), rand(4, low=-3, high=3)
    f = getattr(torch, name)
    close(f(a, b), ref(npy(a), npy(b)), rtol=1e-12, atol=1e-300)
    close(getattr(a, name)(b), ref(npy(a), npy(b)), rtol=1e-12, atol=1e-300)
    if name not in ("fmax", "fmin"):
        assert gradcheck(f, [a, b])
    special = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e300, -1e-300])
    sa, sb = np.meshgrid(special, special)
    got = f(torch.tensor(sa), torch.tensor(sb)).numpy()
    with np.errstate(all="ignore"):
        want = ref(sa, sb)
    # atol: logaddexp2(-1, -1) is PyTorch's fused -4.8e-17 (rtensor matches it), NumPy's 0.
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    if name == "copysign":
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_fmax_grad_and_float32_hypot():
    a, b = rand(5), rand(5)
    assert gradcheck(torch.fmax, [a, b]) and gradcheck(torch.fmin, [a, b])
    big = torch.tensor([3e30, 1e-30], dtype=torch.float32)
    np.testing.assert_allclose(torch.hypot(big, big).numpy(),
                               np.hypot(big.numpy(), big.numpy()), rtol=1e-6)
    assert torch.fmax(torch.tensor([1, 5]), torch.tensor([3, 2])).tolist() == [3, 5]


def test_float_kernels_refuse_ints():
    i = torch.tensor([1, 2])
    for name in ("logaddexp", "hypot"):
        with pytest.raises(NotImplementedError, match=f'"{name}_cpu" not implemented for '
                                                      "'Long'"):
            getattr(torch, name)(i, i)
    assert torch.copysign(i, -1).dtype == torch.float32
    assert torch.copysign(i, -1).tolist() == [-1.0, -2.0]


def test_copysign_gradient_at_zero():
    x = leaf([0.0, 2.0, -3.0])
    torch.copysign(x, torch.tensor([-1.0, -1.0, 1.0], dtype=F64)).sum().backward()
    assert x.grad.tolist() == [0.0, -1.0, -1.0]


def test_float_power_deg_rad():
    a = RNG.uniform(0.5, 2, size=(3,))
    x = torch.tensor(a, dtype=torch.float32)
    r = torch.float_power(x, 2)
    assert r.dtype == torch.float64
    close(r, a.astype(np.float32).astype(np.float64) ** 2)
    assert torch.float_power(torch.tensor([2]), torch.tensor([3])).tolist() == [8.0]
    assert torch.float_power(2, torch.tensor([3])).dtype == torch.float64
    with pytest.raises(RuntimeError, match="the base given to float_power_ has dtype Float but "
                                           "the operation's result requires dtype Double"):
        x.float_power_(2)
    y = torch.tensor(a)
    y.float_power_(0.5)
    close(y, a ** 0.5)
    assert gradcheck(lambda p, q: torch.float_power(p, q), [leaf(a), rand(3)])
    close(torch.deg2rad(torch.tensor(a)), np.deg2rad(a))
    close(torch.tensor(a).rad2deg(), np.rad2deg(a))
    assert torch.deg2rad(torch.tensor([180])).dtype == torch.float32
    assert gradcheck(torch.deg2rad, [leaf(a)])
    z = torch.tensor([180.0])
    z.deg2rad_()
    assert abs(z.item() - math.pi) < 1e-6


def test_nan_to_num():
    a = np.array([np.nan, np.inf, -np.inf, 1.5, -0.0])
    for dt, npdt in ((torch.float32, np.float32), (torch.float64, np.float64)):
        got = torch.nan_to_num(torch.tensor(a, dtype=dt))
        assert got.dtype == dt
        np.testing.assert_array_equal(got.numpy(), np.nan_to_num(a.astype(npdt)))
    got = torch.tensor(a).nan_to_num(nan=7.0, posinf=1.0, neginf=-2.0)
    assert got.tolist() == [7.0, 1.0, -2.0, 1.5, 0.0]
    h = torch.tensor(a, dtype=torch.float16).nan_to_num()
    assert h.float().tolist()[1] == 65504.0
    i = torch.tensor([1, 2])
    assert torch.nan_to_num(i).tolist() == [1, 2]
    x = torch.tensor(a)
    x.nan_to_num_(0.5)
    assert x.tolist()[0] == 0.5
    assert gradcheck(lambda t: t.nan_to_num(), [rand(4)])


def test_nanmean():
    a = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])
    t = torch.tensor(a)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        np.testing.assert_array_equal(torch.nanmean(t, 1).numpy(), np.nanmean(a, 1))
    assert torch.nanmean(t).item() == 2.0
    assert t.nanmean(0, keepdim=True).shape == (1, 3)
    with pytest.raises(RuntimeError, match="nanmean\\(\\): expected input to have floating point"
                                           " or complex dtype but got Long"):
        torch.nanmean(torch.tensor([1, 2]))
    x = leaf([[1.0, 2.0], [3.0, 5.0]])
    assert gradcheck(lambda v: v.nanmean(0), [x])


def test_heaviside_signbit_sgn():
    a = np.array([-1.5, 0.0, 2.0, -0.0])
    v = np.array([0.5])
    np.testing.assert_array_equal(torch.heaviside(torch.tensor(a), torch.tensor(v)).numpy(),
                                  np.heaviside(a, v))
    assert torch.heaviside(torch.tensor([0, 3, -1]), torch.tensor([7])).tolist() == [7, 1, 0]
    with pytest.raises(RuntimeError, match="heaviside is not yet implemented for tensors with "
                                           "different dtypes"):
        torch.heaviside(torch.tensor(a), torch.tensor([1]))
    s = np.array([-1.0, 0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan])
    for dt in (torch.float32, torch.float64, torch.float16):
        got = torch.signbit(torch.tensor(s, dtype=dt))
        assert got.dtype == torch.bool
        np.testing.assert_array_equal(got.numpy(), np.signbit(s))
    assert torch.tensor([-2, 0, 3]).signbit().tolist() == [True, False, False]
    assert torch.tensor([True]).signbit().tolist() == [False]
    assert torch.sgn(torch.tensor([-2.0, 0.0, 3.0])).tolist() == [-1.0, 0.0, 1.0]


def test_ldexp_frexp():
    a = RNG.normal(size=(2, 3)) * 100
    e = RNG.integers(-5, 5, size=(2, 3))
    close(torch.ldexp(torch.tensor(a), torch.tensor(e)), np.ldexp(a, e))
    assert torch.ldexp(torch.tensor([1.0]), torch.tensor([3])).dtype == torch.float32
    assert gradcheck(lambda t: t.ldexp(torch.tensor(e)), [leaf(a)])
    s = np.array([0.0, -0.0, 1.0, -3.5, 1e300, 5e-324, np.inf, np.nan], dtype=np.float64)
    m, ex = torch.frexp(torch.tensor(s))
    nm, ne = np.frexp(s)
    np.testing.assert_array_equal(m.numpy(), nm)
    assert ex.dtype == torch.int32
    np.testing.assert_array_equal(ex.numpy()[:6], ne[:6])
    r = torch.tensor(a, dtype=torch.float32).frexp()
    assert r.mantissa.dtype == torch.float32
    np.testing.assert_array_equal(r.mantissa.numpy(), np.frexp(a.astype(np.float32))[0])
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        torch.frexp(torch.tensor([1]))
    assert gradcheck(lambda t: torch.frexp(t)[0], [leaf(a)])


def test_gcd_lcm():
    a = RNG.integers(-50, 50, size=(3, 4))
    b = RNG.integers(-50, 50, size=(4,))
    for f, g in ((torch.gcd, np.gcd), (torch.lcm, np.lcm)):
        got = f(torch.tensor(a), torch.tensor(b))
        assert got.dtype == torch.int64
        np.testing.assert_array_equal(got.numpy(), g(a, b))
    i32 = torch.tensor([12, 18], dtype=torch.int32)
    assert i32.gcd(torch.tensor([8, 27], dtype=torch.int32)).dtype == torch.int32
    x = torch.tensor([12, 18])
    x.lcm_(torch.tensor([8, 4]))
    assert x.tolist() == [24, 36]
    with pytest.raises(NotImplementedError, match="\"gcd_cpu\" not implemented for 'Float'"):
        torch.gcd(torch.ones(2), torch.ones(2))


# ----- reductions, statistics -----


def test_aminmax_std_var_mean():
    a = RNG.normal(size=(3, 4))
    r = torch.aminmax(torch.tensor(a))
    assert r.min.item() == a.min() and r.max.item() == a.max()
    r = torch.tensor(a).aminmax(dim=1, keepdim=True)
    np.testing.assert_array_equal(r[0].numpy(), a.min(1, keepdims=True))
    np.testing.assert_array_equal(r[1].numpy(), a.max(1, keepdims=True))
    assert repr(r).startswith("rtensor.return_types.aminmax(")
    with pytest.raises(RuntimeError, match="cannot compute aminmax over an empty dimension"):
        torch.aminmax(torch.zeros(0))
    s, m = torch.std_mean(torch.tensor(a), 1)
    close(s, a.std(1, ddof=1))
    close(m, a.mean(1))
    v, m = torch.var_mean(torch.tensor(a), dim=0, correction=0, keepdim=True)
    close(v, a.var(0, keepdims=True))
    v, m = torch.var_mean(torch.tensor(a), False)
    close(v, a.var())
    assert gradcheck(lambda t: torch.std_mean(t, 1)[0] + torch.var_mean(t, 1)[1], [leaf(a)])


@pytest.mark.parametrize("n,dim", [(1, -1), (2, 0), (3, 1), (5, 1)])
def test_diff(n, dim):
    a = RNG.normal(size=(4, 5))
    close(torch.diff(torch.tensor(a), n, dim), np.diff(a, n, dim))
    pre, app = RNG.normal(size=(4, 1)), RNG.normal(size=(4, 2))
    if dim != 0:
        close(torch.tensor(a).diff(n, dim, torch.tensor(pre), torch.tensor(app)),
              np.diff(a, n, dim, prepend=pre, append=app))
    assert gradcheck(lambda t: t.diff(n, dim), [leaf(a)])


def test_diff_bool_and_errors():
    b = np.array([True, True, False, True])
    np.testing.assert_array_equal(torch.diff(torch.tensor(b)).numpy(), np.diff(b))
    with pytest.raises(RuntimeError, match="diff expects input to be at least one-dimensional"):
        torch.diff(torch.tensor(1.0))
    with pytest.raises(RuntimeError, match="order must be non-negative but got -1"):
        torch.diff(torch.zeros(3), -1)


def test_cross():
    a, b = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 3))
    close(torch.cross(torch.tensor(a), torch.tensor(b), dim=1), np.cross(a, b))
    close(torch.tensor(a).T.cross(torch.tensor(b).T, dim=0), np.cross(a, b).T)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        close(torch.cross(torch.tensor(a), torch.tensor(b)), np.cross(a, b))
    close(torch.cross(torch.tensor(a[:1]), torch.tensor(b), dim=-1), np.cross(a[:1], b))
    assert gradcheck(lambda p, q: torch.cross(p, q, dim=1), [leaf(a), leaf(b)])
    with pytest.raises(RuntimeError, match="linalg.cross: inputs dimension 0 must have length 3."
                                           " Got 4 and 4"):
        torch.cross(torch.tensor(a), torch.tensor(b), dim=0)
    with pytest.raises(RuntimeError, match="no dimension of size 3 in input"), \
            pytest.warns(UserWarning):
        torch.cross(torch.zeros(2, 2), torch.zeros(2, 2))


def test_cov_corrcoef():
    a = RNG.normal(size=(3, 6))
    close(torch.cov(torch.tensor(a)), np.cov(a), rtol=1e-12)
    close(torch.tensor(a).cov(correction=0), np.cov(a, ddof=0), rtol=1e-12)
    fw = RNG.integers(1, 4, size=6)
    aw = RNG.uniform(0.1, 1, size=6)
    close(torch.cov(torch.tensor(a), fweights=torch.tensor(fw), aweights=torch.tensor(aw)),
          np.cov(a, fweights=fw, aweights=aw), rtol=1e-12)
    close(torch.cov(torch.tensor(a), aweights=torch.tensor(aw), correction=0),
          np.cov(a, aweights=aw, ddof=0), rtol=1e-12)
    close(torch.cov(torch.tensor(a[0])), np.cov(a[0]), rtol=1e-12)
    assert torch.cov(torch.tensor([[1, 2, 4]])).dtype == torch.float32
    close(torch.corrcoef(torch.tensor(a)), np.corrcoef(a), rtol=1e-12)
    close(torch.tensor(a).corrcoef(), np.corrcoef(a), rtol=1e-12)
    assert gradcheck(torch.cov, [leaf(a)])
    assert gradcheck(lambda t: torch.cov(t, aweights=torch.tensor(aw)), [leaf(a)])
    assert gradcheck(torch.corrcoef, [leaf(a)])
    with pytest.raises(RuntimeError, match="expected fweights to have integral dtype"):
        torch.cov(torch.tensor(a), fweights=torch.tensor(aw))
    with pytest.raises(RuntimeError, match="fweights cannot be negative"):
        torch.cov(torch.tensor(a), fweights=-torch.tensor(fw))
    with pytest.raises(RuntimeError, match="expected input to have two or fewer dimensions"):
        torch.cov(torch.zeros(2, 2, 2))


def _np_trapz(y, x=None, dx=1.0, axis=-1):
    fn = getattr(np, "trapezoid", None) or np.trapz
    return fn(y, x=x, dx=dx, axis=axis)


def test_trapezoid():
    y = RNG.normal(size=(3, 5))
    x = np.sort(RNG.normal(size=5))
    close(torch.trapezoid(torch.tensor(y)), _np_trapz(y))
    close(torch.trapezoid(torch.tensor(y), dx=0.5, dim=0), _np_trapz(y, dx=0.5, axis=0))
    close(torch.trapezoid(torch.tensor(y), torch.tensor(x)), _np_trapz(y, x=x))
    xx = np.sort(RNG.normal(size=(3, 5)), axis=1)
    close(torch.trapz(torch.tensor(y), torch.tensor(xx)), _np_trapz(y, x=xx))
    assert gradcheck(lambda t: torch.trapezoid(t, dx=0.3), [leaf(y)])
    assert gradcheck(lambda t, s: torch.trapezoid(t, s), [leaf(y), leaf(x)])
    c = torch.cumulative_trapezoid(torch.tensor(y), torch.tensor(x))
    expect = np.stack([[_np_trapz(y[r, :k + 1], x=x[:k + 1]) for k in range(1, 5)]
                       for r in range(3)])
    close(c, expect, rtol=1e-12)
    close(torch.cumulative_trapezoid(torch.tensor(y), dx=2.0, dim=0),
          np.stack([_np_trapz(y[:k + 1], dx=2.0, axis=0) for k in range(1, 3)]))
    assert gradcheck(lambda t: torch.cumulative_trapezoid(t), [leaf(y)])
    assert torch.trapezoid(torch.zeros(3, 0)).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="There must be one `x` value for each sample point"):
        torch.trapezoid(torch.tensor(y), torch.tensor(x[:3]))


def test_renorm():
    a = RNG.normal(size=(4, 3)) * 3
    for p, dim, maxnorm in ((2, 0, 1.0), (1, 1, 2.0), (3, 0, 0.5)):
        got = torch.renorm(torch.tensor(a), p, dim, maxnorm)
        moved = np.moveaxis(a, dim, 0)
        norms = (np.abs(moved) ** p).sum(1) ** (1 / p)
        scale = np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
        close(got, np.moveaxis(moved * scale[:, None], 0, dim), rtol=1e-12)
        assert gradcheck(lambda t, p=p, dim=dim, m=maxnorm: t.renorm(p, dim, m), [leaf(a)])
    x = torch.tensor(a)
    x.renorm_(2, 0, 1.0)
    assert (x.norm(2, 1) <= 1.0 + 1e-6).all()
    with pytest.raises(RuntimeError, match="renorm: expected maxnorm to be >= 0 but got -1"):
        torch.renorm(torch.tensor(a), 2, 0, -1)


@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, math.inf])
def test_cdist(p):
    a, b = RNG.normal(size=(2, 4, 3)), RNG.normal(size=(2, 5, 3))
    d = a[:, :, None, :] - b[:, None, :, :]
    if p == 0:
        expect = (d != 0).sum(-1).astype(float)
    elif p == math.inf:
        expect = np.abs(d).max(-1)
    else:
        expect = (np.abs(d) ** p).sum(-1) ** (1 / p)
    close(torch.cdist(torch.tensor(a), torch.tensor(b), p), expect, rtol=1e-10)
    if p != 0:
        assert gradcheck(lambda x, y: torch.cdist(x, y, p), [leaf(a), leaf(b)])


def test_cdist_errors():
    with pytest.raises(RuntimeError, match="X1 and X2 must have the same number of columns. "
                                           "X1: 3 X2: 2"):
        torch.cdist(torch.zeros(2, 3), torch.zeros(2, 2))
    with pytest.raises(RuntimeError, match="cdist only supports non-negative p values"):
        torch.cdist(torch.zeros(2, 3), torch.zeros(2, 3), -1)


# ----- scans -----


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 9), 1), ((5, 2), 0), ((2, 3, 4), -2)])
def test_logcumsumexp(shape, dim):
    a = RNG.normal(size=shape) * 3
    ref = np.logaddexp.accumulate(a, axis=dim)
    close(torch.logcumsumexp(torch.tensor(a), dim), ref, rtol=1e-12)
    close(torch.tensor(a).logcumsumexp(dim), ref, rtol=1e-12)
    assert gradcheck(lambda t: t.logcumsumexp(dim), [leaf(a)])


def test_logcumsumexp_stable():
    a = np.array([-1000.0, 0.0, 1000.0, -np.inf, np.inf])
    got = torch.logcumsumexp(torch.tensor(a), 0).numpy()
    assert got[0] == -1000.0 and got[1] == 0.0 and got[2] == 1000.0 and got[4] == np.inf
    with pytest.raises(NotImplementedError):
        torch.logcumsumexp(torch.tensor([1, 2]), 0)


def _np_cum(a, dim, largest):
    a = np.moveaxis(a, dim, -1)
    vals, idx = np.empty_like(a), np.zeros(a.shape, np.int64)
    for pos in np.ndindex(a.shape[:-1]):
        best, bi = None, 0
        for k, x in enumerate(a[pos]):
            if best is None or np.isnan(x) or (not np.isnan(best) and (
                    x >= best if largest else x <= best)):
                best, bi = x, k
            vals[pos + (k,)], idx[pos + (k,)] = best, bi
    return np.moveaxis(vals, -1, dim), np.moveaxis(idx, -1, dim)


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dtype", [torch.float64, torch.int64, torch.float32])
def test_cummax_cummin(largest, dtype):
    a = RNG.integers(-3, 4, size=(4, 9)).astype(np.float64)
    if dtype.is_floating_point:
        a[1, 3] = np.nan
        a[2, 5] = np.nan
        a[2, 7] = np.nan
    t = torch.tensor(a).to(dtype)
    f = torch.cummax if largest else torch.cummin
    for dim in (0, 1):
        v, i = f(t, dim)
        ev, ei = _np_cum(np.asarray(t.double()), dim, largest)
        np.testing.assert_array_equal(v.double().numpy(), ev)
        np.testing.assert_array_equal(i.numpy(), ei)
        assert v.dtype == dtype and i.dtype == torch.int64
    r = t.cummax(1) if largest else t.cummin(1)
    assert repr(r).startswith("rtensor.return_types.cum")
    x = rand(3, 6)
    assert gradcheck(lambda u: f(u, 1)[0], [x])
    z = f(torch.tensor(2.0), 0)
    assert z.values.item() == 2.0 and z.indices.item() == 0


# ----- counting and searching -----


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_bucketize(right):
    seq = np.array([1.0, 2.0, 2.0, 4.0, 7.0])
    vals = np.array([[0.0, 2.0, 3.0], [7.0, 8.0, np.nan]])
    side = "right" if right else "left"
    got = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right)
    assert got.dtype == torch.int64
    np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, vals, side))
    got = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), side=side, out_int32=True)
    assert got.dtype == torch.int32
    np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, vals, side))
    s = torch.searchsorted(torch.tensor(seq), 2.0, right=right)
    assert s.shape == () and s.item() == np.searchsorted(seq, 2.0, side)
    got = torch.bucketize(torch.tensor(vals), torch.tensor(seq), right=right)
    np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, vals, side))
    seq2 = np.sort(RNG.normal(size=(2, 6)), 1)
    v2 = RNG.normal(size=(2, 3))
    got = torch.searchsorted(torch.tensor(seq2), torch.tensor(v2), right=right)
    for r in range(2):
        np.testing.assert_array_equal(got.numpy()[r], np.searchsorted(seq2[r], v2[r], side))
    perm = np.array([3, 0, 4, 1, 2])
    unsorted = seq[np.argsort(perm)]
    got = torch.searchsorted(torch.tensor(unsorted), torch.tensor(vals), right=right,
                             sorter=torch.tensor(np.argsort(unsorted)))
    np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, vals, side))


def test_searchsorted_errors():
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        torch.searchsorted(torch.zeros(3), torch.zeros(2), side="left", right=True)
    with pytest.raises(RuntimeError, match="boundaries tensor should be 1 dimension or the first"):
        torch.searchsorted(torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(RuntimeError, match=r"boundaries tensor must be 1 dimension, but got "
                                           r"dim\(2\)"):
        torch.bucketize(torch.zeros(2), torch.zeros(2, 2))


def test_bincount():
    x = np.array([0, 1, 1, 3, 5, 1])
    got = torch.bincount(torch.tensor(x))
    assert got.dtype == torch.int64
    np.testing.assert_array_equal(got.numpy(), np.bincount(x))
    np.testing.assert_array_equal(torch.tensor(x).bincount(minlength=9).numpy(),
                                  np.bincount(x, minlength=9))
    w = RNG.uniform(size=6)
    got = torch.bincount(torch.tensor(x), torch.tensor(w, dtype=torch.float32))
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), np.bincount(x, w), rtol=1e-6)
    assert torch.bincount(torch.tensor(x), torch.tensor(w)).dtype == torch.float64
    assert torch.bincount(torch.tensor(x), torch.tensor(x)).dtype == torch.float64
    assert torch.bincount(torch.tensor([], dtype=torch.int64), minlength=3).tolist() == [0] * 3
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral"):
        torch.bincount(torch.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match="weights should be 1-d and have the same length"):
        torch.bincount(torch.tensor(x), torch.ones(2))
    with pytest.raises(RuntimeError, match="minlength should be >= 0"):
        torch.bincount(torch.tensor(x), minlength=-1)


def test_histc():
    a = RNG.normal(size=100)
    for bins, lo, hi in ((10, -1.0, 1.0), (7, 0, 0), (1, -5, 5)):
        got = torch.histc(torch.tensor(a), bins, lo, hi)
        rng_ = (a.min(), a.max()) if lo == hi else (lo, hi)
        expect, _ = np.histogram(a, bins, rng_)
        assert got.dtype == torch.float64
        np.testing.assert_array_equal(got.numpy(), expect)
    got = torch.tensor([1.0, 1.0, 1.0], dtype=torch.float32).histc(4)
    assert got.dtype == torch.float32 and got.tolist() == [0.0, 0.0, 3.0, 0.0]
    with pytest.raises(NotImplementedError):
        torch.histc(torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="torch.histc: max must be larger than min"):
        torch.histc(torch.tensor([1.0]), 4, 3, 1)


def test_unique():
    a = np.array([[3, 1, 2], [1, 3, 3]])
    t = torch.tensor(a)
    assert torch.unique(t).tolist() == [1, 2, 3]
    u, inv, cnt = t.unique(return_inverse=True, return_counts=True)
    eu, einv, ecnt = np.unique(a, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(u.numpy(), eu)
    np.testing.assert_array_equal(inv.numpy(), einv.reshape(a.shape))
    np.testing.assert_array_equal(cnt.numpy(), ecnt)
    assert inv.dtype == torch.int64 and cnt.dtype == torch.int64 and u.dtype == torch.int64
    r = np.array([[1, 2], [0, 5], [1, 2]])
    u, inv = torch.unique(torch.tensor(r), dim=0, return_inverse=True)
    eu, einv = np.unique(r, axis=0, return_inverse=True)
    np.testing.assert_array_equal(u.numpy(), eu)
    np.testing.assert_array_equal(inv.numpy(), einv.reshape(-1))
    u, cnt = torch.unique(torch.tensor(r), dim=1, return_counts=True)
    np.testing.assert_array_equal(u.numpy(), np.unique(r, axis=1))
    f = torch.unique(torch.tensor([2.0, float("nan"), 1.0, 2.0]))
    assert f.tolist()[:2] == [1.0, 2.0] and f.dtype == torch.float32


def test_unique_consecutive():
    x = torch.tensor([1, 1, 2, 2, 3, 1, 1, 2])
    u, inv, cnt = torch.unique_consecutive(x, return_inverse=True, return_counts=True)
    assert u.tolist() == [1, 2, 3, 1, 2]
    assert inv.tolist() == [0, 0, 1, 1, 2, 3, 3, 4]
    assert cnt.tolist() == [2, 2, 1, 2, 1]
    m = torch.tensor([[1, 1, 2], [1, 1, 2]])
    u, cnt = m.unique_consecutive(dim=1, return_counts=True)
    assert u.tolist() == [[1, 2], [1, 2]] and cnt.tolist() == [2, 1]
    assert torch.unique_consecutive(torch.tensor([], dtype=torch.int64)).shape == (0,)


def test_repeat_interleave():
    a = np.arange(6.0).reshape(2, 3)
    t = torch.tensor(a)
    np.testing.assert_array_equal(torch.repeat_interleave(t, 2).numpy(), np.repeat(a, 2))
    np.testing.assert_array_equal(t.repeat_interleave(torch.tensor([1, 0, 2]), dim=1).numpy(),
                                  np.repeat(a, [1, 0, 2], axis=1))
    np.testing.assert_array_equal(t.repeat_interleave(3, dim=0).numpy(), np.repeat(a, 3, 0))
    assert torch.repeat_interleave(torch.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    assert gradcheck(lambda u: u.repeat_interleave(torch.tensor([1, 3]), dim=0), [leaf(a)])
    with pytest.raises(RuntimeError, match="repeats must have the same size as input along dim"):
        t.repeat_interleave(torch.tensor([1, 2]), dim=1)
    with pytest.raises(RuntimeError, match="repeats can not be negative"):
        t.repeat_interleave(-1)


# ----- order statistics -----


def test_kthvalue():
    a = RNG.normal(size=(4, 6))
    for k in (1, 3, 6):
        v, i = torch.kthvalue(torch.tensor(a), k, 1)
        np.testing.assert_array_equal(v.numpy(), np.sort(a, 1)[:, k - 1])
        np.testing.assert_array_equal(a[np.arange(4), i.numpy()], v.numpy())
    r = torch.tensor(a).kthvalue(2, dim=0, keepdim=True)
    assert r.values.shape == (1, 6) and repr(r).startswith("rtensor.return_types.kthvalue(")
    assert gradcheck(lambda t: t.kthvalue(2, 1)[0], [leaf(a)])
    with pytest.raises(RuntimeError, match="kthvalue\\(\\): selected number k out of range "
                                           "for dimension 1"):
        torch.kthvalue(torch.tensor(a), 7, 1)
    nan = torch.tensor([1.0, float("nan"), 0.0])
    assert math.isnan(nan.kthvalue(3)[0].item())


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(interp):
    a = RNG.normal(size=(5, 7))
    q = [0.0, 0.25, 0.5, 0.9, 1.0]
    t = torch.tensor(a)
    close(torch.quantile(t, 0.3, interpolation=interp), np.quantile(a, 0.3, method=interp))
    close(torch.quantile(t, torch.tensor(q, dtype=F64), dim=1, interpolation=interp),
          np.quantile(a, q, axis=1, method=interp))
    got = t.quantile(torch.tensor(q, dtype=F64), 0, True, interpolation=interp)
    close(got, np.quantile(a, q, axis=0, keepdims=True, method=interp))
    assert t.quantile(0.5, keepdim=True).shape == (1, 1)
    b = a.copy()
    b[1, 2] = np.nan
    b[3, :] = np.nan
    got = torch.nanquantile(torch.tensor(b), torch.tensor(q, dtype=F64), 1, interpolation=interp)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expect = np.nanquantile(b, q, axis=1, method=interp)
    close(got, expect)
    got = torch.quantile(torch.tensor(b), 0.5, dim=1)
    assert np.isnan(npy(got)[[1, 3]]).all()
    if interp in ("linear", "midpoint"):
        assert gradcheck(lambda x: torch.quantile(x, 0.3, dim=1, interpolation=interp),
                         [leaf(a)])


def test_quantile_errors():
    t = torch.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"quantile\(\) q must be in the range \[0, 1\] but "
                                           r"got 1.5"):
        torch.quantile(t, 1.5)
    with pytest.raises(RuntimeError, match=r"q values must be in the range \[0, 1\]"):
        torch.nanquantile(t, torch.tensor([0.5, -0.1]))
    with pytest.raises(RuntimeError, match="input tensor must be non-empty"):
        torch.quantile(torch.zeros(0), 0.5)
    with pytest.raises(RuntimeError, match="input tensor must be either float or double dtype"):
        torch.quantile(torch.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match="interpolation must be one of linear, lower, higher, "
                                           "midpoint or nearest. Got cubic"):
        torch.quantile(t, 0.5, interpolation="cubic")


# ----- the GPU runs the same compositions -----


GPU_CASES = [
    ("kron", lambda a, b: torch.kron(a, b)),
    ("tensordot", lambda a, b: torch.tensordot(a, b.T, 1)),
    ("logaddexp", lambda a, b: torch.logaddexp(a, b)),
    ("hypot", lambda a, b: torch.hypot(a, b)),
    ("fmax", lambda a, b: torch.fmax(a, b)),
    ("copysign", lambda a, b: torch.copysign(a, b)),
    ("addcdiv", lambda a, b: torch.addcdiv(a, a, b.abs() + 1, value=0.5)),
    ("cross", lambda a, b: torch.cross(a[:, :3], b[:, :3], dim=1)),
    ("diag_embed", lambda a, b: torch.diag_embed(a, 1)),
    ("diag", lambda a, b: a.diag(1)),
    ("rot90", lambda a, b: torch.rot90(a, 3)),
    ("cov", lambda a, b: torch.cov(a)),
    ("cdist", lambda a, b: torch.cdist(a, b)),
    ("logcumsumexp", lambda a, b: torch.logcumsumexp(a, 1)),
    ("cummax", lambda a, b: torch.cummax(a, 1)),
    ("kthvalue", lambda a, b: torch.kthvalue(a, 2, 1)),
    ("quantile", lambda a, b: torch.quantile(a, 0.3, dim=1)),
    ("repeat_interleave", lambda a, b: a.repeat_interleave(2, dim=0)),
    ("trapezoid", lambda a, b: torch.trapezoid(a, dx=0.5)),
    ("masked_fill", lambda a, b: a[:, :1].masked_fill(b[0] > 0, 2.0)),
    ("tile", lambda a, b: a.tile(2, 1)),
]


@pytest.mark.parametrize("name,f", GPU_CASES, ids=[c[0] for c in GPU_CASES])
def test_gpu_matches_cpu(gpu, name, f):
    a = RNG.normal(size=(4, 5)).astype(np.float32)
    b = RNG.normal(size=(4, 5)).astype(np.float32)
    c = f(torch.from_numpy(a), torch.from_numpy(b))
    g = f(torch.from_numpy(a).to(gpu), torch.from_numpy(b).to(gpu))
    cs, gs = (c, g) if isinstance(c, tuple) else ((c,), (g,))
    for x, y in zip(cs, gs):
        assert y.device.type == "cuda" and x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_allclose(y.cpu().numpy(), x.numpy(), rtol=1e-4, atol=1e-5)


HOST_ONLY = [
    ("searchsorted", lambda a: torch.searchsorted(a.sort(1)[0], a)),
    ("bincount", lambda a: torch.bincount(a.abs().to(torch.int64).reshape(-1))),
    ("histc", lambda a: torch.histc(a)),
    ("unique", lambda a: torch.unique(a.round(), return_counts=True)),
    ("unique_consecutive", lambda a: torch.unique_consecutive(a)),
    ("frexp", lambda a: torch.frexp(a)),
    ("gcd", lambda a: torch.gcd(a.to(torch.int64), a.to(torch.int64))),
]


@pytest.mark.parametrize("name,f", HOST_ONLY, ids=[c[0] for c in HOST_ONLY])
def test_host_only_ops_refuse_gpu_tensors(gpu, name, f):
    """Counting and searching run on the host: a GPU tensor raises, naming the op, instead of
    a silent round trip."""
    a = torch.from_numpy(RNG.normal(size=(4, 5)).astype(np.float32)).to(gpu)
    with pytest.raises(NotImplementedError, match=f'"{name}" is not implemented for the GPU'):
        f(a)
