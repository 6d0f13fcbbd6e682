"""Reductions (issue "Core tensor engine", part 7).

Oracle: NumPy on the same data (float64 NumPy results for float32 inputs, compared with a
tolerance), and PyTorch's documented rules for result dtypes (integer sums and products are
int64), named (values, indices) results, ties (the first index of the extreme) and NaN (it
propagates; sort puts it last).
"""

import pickle
import warnings

import numpy as np
import pytest
import rtensor as torch
from hypothesis import given, settings
from hypothesis import strategies as st

FLOATS = [torch.float32, torch.float64]
INTS = [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]
ALL = FLOATS + [torch.float16] + INTS + [torch.bool]
NP = {torch.float32: np.float32, torch.float64: np.float64, torch.float16: np.float16,
      torch.int64: np.int64, torch.int32: np.int32, torch.int16: np.int16, torch.int8: np.int8,
      torch.uint8: np.uint8, torch.bool: np.bool_}

rng = np.random.default_rng(0)


def data(shape, dtype, lo=-50, hi=50):
    if dtype == torch.bool:
        a = rng.random(shape) < 0.5
    elif dtype.is_floating_point and hi - lo <= 4:
        a = rng.integers(lo, hi, shape).astype(np.float64)  # small integers: zeros and ties
    elif dtype.is_floating_point:
        a = rng.standard_normal(shape) * 10
    else:
        lo = 0 if dtype == torch.uint8 else lo
        a = rng.integers(lo, hi, shape)
    a = np.asarray(a).astype(NP[dtype])
    return torch.from_numpy(a.copy()), a


def close(t, expect, dtype=None, rtol=None, atol=None):
    assert isinstance(t, torch.Tensor)
    expect = np.asarray(expect)
    assert tuple(t.shape) == expect.shape, (tuple(t.shape), expect.shape)
    if dtype is not None:
        assert t.dtype == dtype, (t.dtype, dtype)
    got = t.numpy()
    if t.dtype in (torch.float32, torch.float16):
        r = 1e-5 if t.dtype == torch.float32 else 2e-3
        np.testing.assert_allclose(got.astype(np.float64), expect.astype(np.float64),
                                   rtol=rtol or r, atol=atol or r, equal_nan=True)
    elif t.dtype == torch.float64:
        np.testing.assert_allclose(got, expect, rtol=rtol or 1e-12, atol=atol or 1e-12,
                                   equal_nan=True)
    else:
        np.testing.assert_array_equal(got, expect)


NONCONTIG = {
    "contiguous": lambda t: t,
    "transposed": lambda t: t.transpose(0, -1),
    "stepped": lambda t: t[::2],
    "expanded": lambda t: t[:1].expand(3, *t.shape[1:]),
}
NP_NONCONTIG = {
    "contiguous": lambda a: a,
    "transposed": lambda a: np.swapaxes(a, 0, -1),
    "stepped": lambda a: a[::2],
    "expanded": lambda a: np.broadcast_to(a[:1], (3, *a.shape[1:])),
}


def inputs(dtype, shape=(4, 3, 5), lo=-50, hi=50):
    t, a = data(shape, dtype, lo, hi)
    for k, make in NONCONTIG.items():
        yield k, make(t), NP_NONCONTIG[k](a)


DIMS = [None, 0, 1, -1, (0, 2), (2, 0), (-1, -2, 0)]


def np_dims(d):
    return d if not isinstance(d, list) else tuple(d)


# ----- sum / mean / prod ---------------------------------------------------------------------


def sum_dtype(dtype):
    return dtype if dtype.is_floating_point else torch.int64


@pytest.mark.parametrize("dtype", ALL)
def test_sum(dtype):
    for _, t, a in inputs(dtype):
        acc = np.float64 if dtype.is_floating_point else np.int64
        for d in DIMS:
            for keepdim in (False, True):
                r = t.sum() if d is None and not keepdim else t.sum(d, keepdim)
                close(r, a.astype(acc).sum(axis=d, keepdims=keepdim), sum_dtype(dtype))
        close(torch.sum(t, 1), a.astype(acc).sum(1), sum_dtype(dtype))
        close(t.sum(dim=0, dtype=torch.float64), a.astype(np.float64).sum(0), torch.float64)


def test_sum_special_shapes():
    close(torch.zeros(0, 3).sum(), np.float32(0), torch.float32)
    close(torch.zeros(0, 3).sum(0), np.zeros(3), torch.float32)
    close(torch.zeros(0, 3).sum(1), np.zeros(0), torch.float32)
    close(torch.tensor(3).sum(), np.int64(3), torch.int64)
    close(torch.tensor(3.5).sum(0), np.float32(3.5), torch.float32)
    close(torch.tensor(3.5).sum(-1, keepdim=True), np.float32(3.5), torch.float32)
    t, a = data((300, 70, 11), torch.float32)
    close(t.sum(), a.astype(np.float64).sum())
    close(t.sum((0, 2)), a.astype(np.float64).sum((0, 2)), rtol=1e-4)
    t, a = data((1_000_003,), torch.float32)
    close(t.sum(), a.astype(np.float64).sum(), rtol=1e-4)
    close(t.mean(), a.astype(np.float64).mean(), rtol=1e-4, atol=1e-4)
    i = torch.full((100_000,), 2**40, dtype=torch.int64)
    close(i.sum(), np.int64(100_000 * 2**40), torch.int64)
    b = torch.ones(70_000, dtype=torch.bool)
    close(b.sum(), np.int64(70_000), torch.int64)
    close(torch.ones(200, dtype=torch.int8).sum(), np.int64(200), torch.int64)
    close(torch.ones(5, dtype=torch.uint8).sum(dtype=torch.uint8), np.uint8(5), torch.uint8)


def test_sum_errors():
    t = torch.zeros(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        t.sum(2)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        t.sum((0, 0))
    with pytest.raises(RuntimeError, match="appears multiple times"):
        t.sum((1, -1))


@pytest.mark.parametrize("dtype", FLOATS + [torch.float16])
def test_mean(dtype):
    for _, t, a in inputs(dtype):
        for d in DIMS:
            for keepdim in (False, True):
                r = t.mean() if d is None and not keepdim else t.mean(d, keepdim)
                close(r, a.astype(np.float64).mean(axis=d, keepdims=keepdim), dtype)
    close(torch.zeros(0).mean(), np.float32(np.nan), torch.float32)
    close(torch.zeros(2, 0).mean(1), np.full(2, np.nan), torch.float32)


def test_mean_integer_input():
    t = torch.arange(6)
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype. Input dtype "
                       "must be either a floating point or complex dtype. Got: Long"):
        t.mean()
    close(t.mean(dtype=torch.float64), np.float64(2.5), torch.float64)
    close(torch.mean(t.float()), np.float32(2.5), torch.float32)
    f, a = data((4, 5), torch.float32)
    close(f.mean(1, dtype=torch.float64), a.astype(np.float64).mean(1), torch.float64)


@pytest.mark.parametrize("dtype", FLOATS + INTS + [torch.bool])
def test_prod(dtype):
    t, a = data((3, 4, 2), dtype, -3, 4)
    if dtype.is_floating_point:
        t, a = t / 10, a / 10
    acc = np.float64 if dtype.is_floating_point else np.int64
    for d in (None, 0, 1, -1):
        r = t.prod() if d is None else t.prod(d)
        close(r, a.astype(acc).prod(axis=d), sum_dtype(dtype))
        if d is not None:
            close(t.prod(d, keepdim=True), a.astype(acc).prod(axis=d, keepdims=True))
    close(t.t().prod(0) if t.ndim == 2 else t.transpose(0, 2).prod(0),
          np.swapaxes(a, 0, 2).astype(acc).prod(0))
    close(torch.zeros(0).prod(), np.float32(1), torch.float32)
    close(torch.tensor([2, 3]).prod(dtype=torch.float64), np.float64(6), torch.float64)


# ----- max / min / amax / amin / argmax / argmin -------------------------------------------


@pytest.mark.parametrize("dtype", ALL)
def test_max_min_whole(dtype):
    for _, t, a in inputs(dtype):
        close(t.max(), a.max(), dtype)
        close(t.min(), a.min(), dtype)
        close(torch.max(t), a.max(), dtype)
        close(torch.min(t), a.min(), dtype)


def first_arg(a, axis, largest):
    return np.argmax(a, axis=axis) if largest else np.argmin(a, axis=axis)


@pytest.mark.parametrize("dtype", ALL)
def test_max_min_dim(dtype):
    for _, t, a in inputs(dtype):
        for d in (0, 1, 2, -1):
            for keepdim in (False, True):
                for largest, fn in ((True, t.max), (False, t.min)):
                    r = fn(d, keepdim)
                    assert isinstance(r, tuple) and len(r) == 2
                    v, i = r
                    assert r.values is v and r.indices is i
                    ev = a.max(d, keepdims=keepdim) if largest else a.min(d, keepdims=keepdim)
                    ei = first_arg(a, d, largest)
                    if keepdim:
                        ei = np.expand_dims(ei, d)
                    close(v, ev, dtype)
                    close(i, ei, torch.int64)
        r = torch.max(t, dim=1)
        close(r.values, a.max(1))
        r = torch.min(t, 0, True)
        close(r.indices, np.argmin(a, 0)[None])


def test_max_min_ties_return_first_index():
    t = torch.tensor([[1, 3, 3, 0], [2, 2, 1, 2], [0, 0, 0, 0]])
    a = t.numpy()
    close(t.max(1).indices, np.argmax(a, 1))
    close(t.min(1).indices, np.argmin(a, 1))
    close(t.argmax(1), np.argmax(a, 1))
    close(t.argmin(0), np.argmin(a, 0))
    close(t.argmax(), np.int64(np.argmax(a)))
    f = t.float().t()
    close(f.max(0).indices, np.argmax(a.T, 0))


def test_max_min_nan_propagates():
    a = np.array([[1.0, np.nan, 3.0, np.nan], [4.0, 5.0, -1.0, 0.0], [np.nan, 1.0, 9.0, 2.0]])
    t = torch.tensor(a)
    close(t.max(), np.float64(np.nan))
    close(t.min(), np.float64(np.nan))
    r = t.max(1)
    close(r.values, np.max(a, 1))
    close(r.indices, np.array([1, 1, 0]))  # the first NaN is the extreme
    r = t.min(1)
    close(r.values, np.min(a, 1))
    close(r.indices, np.array([1, 2, 0]))
    close(t.argmax(1), np.argmax(a, 1))  # NumPy's argmax also returns the first NaN
    close(t.argmin(1), np.argmin(a, 1))
    close(t.amax(1), np.max(a, 1))
    close(t.amin(0), np.min(a, 0))
    close(t.argmax(), np.int64(np.argmax(a)))


def test_max_min_large_int64_exact():
    big = 2**53
    t = torch.tensor([big, big + 1, big - 1, big + 1])
    a = t.numpy()
    close(t.max(), a.max())
    close(t.max(0).values, a.max())
    close(t.max(0).indices, np.int64(1))
    close(t.min(0).indices, np.int64(2))
    close(t.argmax(), np.int64(1))
    close(t.amax(0), a.max())
    lo = torch.tensor([-(2**63), 2**63 - 1, 0])
    close(lo.max(), np.int64(2**63 - 1))
    close(lo.min(0).indices, np.int64(0))


@pytest.mark.parametrize("dtype", ALL)
def test_amax_amin(dtype):
    for _, t, a in inputs(dtype):
        for d in [0, -1, (0, 2), (1, 0), (0, 1, 2)]:
            for keepdim in (False, True):
                close(t.amax(d, keepdim), np.max(a, d, keepdims=keepdim), dtype)
                close(t.amin(d, keepdim), np.min(a, d, keepdims=keepdim), dtype)
        close(t.amax(), a.max())
        close(torch.amin(t, (1, 2)), a.min((1, 2)))


def test_amax_argmax_errors_and_empty():
    e = torch.zeros(0, 3)
    with pytest.raises(RuntimeError, match="max\\(\\): Expected reduction dim to be specified for "
                       "input.numel\\(\\) == 0"):
        e.max()
    with pytest.raises(IndexError, match="max\\(\\): Expected reduction dim 0 to have non-zero size"):
        e.max(0)
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        e.amax(0)
    with pytest.raises(RuntimeError):
        e.argmax()
    close(e.max(1).values, np.zeros(0))
    close(e.amax(1), np.zeros(0))
    close(e.argmax(1), np.zeros(0, np.int64))
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.zeros(2).max(1)


@pytest.mark.parametrize("dtype", ALL)
def test_argmax_argmin(dtype):
    if dtype == torch.bool:
        # PyTorch refuses bool input (argmax(): does not support bool input).
        t = torch.tensor([True, False])
        for f, name in ((t.argmax, "argmax"), (t.argmin, "argmin")):
            for d in (None, 0):
                with pytest.raises(RuntimeError, match=f"^{name}\\(\\): does not support bool"):
                    f(d)
        return
    for _, t, a in inputs(dtype):
        close(t.argmax(), np.int64(np.argmax(a)), torch.int64)
        close(t.argmin(), np.int64(np.argmin(a)), torch.int64)
        for d in (0, 1, -1):
            close(t.argmax(d), np.argmax(a, d), torch.int64)
            close(torch.argmin(t, d, keepdim=True), np.expand_dims(np.argmin(a, d), d))
        close(t.argmax(keepdim=True), np.argmax(a).reshape(1, 1, 1))


def test_max_with_a_tensor_is_maximum():
    a, b = torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0])
    close(torch.max(a, b), np.array([3.0, 5.0], np.float32))
    close(a.min(b), np.array([1.0, 2.0], np.float32))


def test_0d_max_and_argmax():
    s = torch.tensor(4.0)
    close(s.max(), np.float32(4.0))
    r = s.max(0)
    close(r.values, np.float32(4.0))
    close(r.indices, np.int64(0))
    close(s.argmax(), np.int64(0))
    close(s.argmax(0), np.int64(0))
    close(s.amax(0), np.float32(4.0))


# ----- return types ---------------------------------------------------------------------------


def test_return_types_print_like_pytorch():
    t = torch.tensor([[1, 5], [7, 2]])
    r = t.max(1)
    assert type(r).__name__ == "max"
    assert type(r).__module__ == "rtensor.return_types"
    assert isinstance(r, torch.return_types.max)
    assert repr(r) == ("rtensor.return_types.max(\nvalues=tensor([5, 7]),\n"
                       "indices=tensor([1, 0]))")
    assert str(r) == repr(r)
    assert repr(t.min(0)) == ("rtensor.return_types.min(\nvalues=tensor([1, 2]),\n"
                              "indices=tensor([0, 1]))")
    assert type(t.sort()).__name__ == "sort"
    assert repr(t.sort()).startswith("rtensor.return_types.sort(\nvalues=tensor([[1, 5],\n")
    assert type(t.topk(1)).__name__ == "topk"
    assert type(t.median(0)).__name__ == "median"
    v, i = r  # unpacks like a tuple
    assert r[0] is v and r[1] is i and len(r) == 2
    r2 = pickle.loads(pickle.dumps(r))
    assert type(r2) is type(r)
    close(r2.values, np.array([5, 7]))


# ----- std / var ------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy on 0 degrees of freedom
@pytest.mark.parametrize("dtype", FLOATS + [torch.float16])
def test_var_std(dtype):
    for _, t, a in inputs(dtype):
        a64 = a.astype(np.float64)
        for d in [None, 0, -1, (0, 2)]:
            for keepdim in (False, True):
                kw = {} if d is None else {"dim": d, "keepdim": keepdim}
                if d is None and keepdim:
                    continue
                close(t.var(**kw), np.var(a64, axis=d, ddof=1, keepdims=keepdim), dtype)
                close(t.std(**kw), np.std(a64, axis=d, ddof=1, keepdims=keepdim), dtype)
                close(t.var(**kw, unbiased=False), np.var(a64, axis=d, keepdims=keepdim), dtype)
                close(t.std(**kw, correction=0), np.std(a64, axis=d, keepdims=keepdim), dtype)
                close(t.var(**kw, correction=2), np.var(a64, axis=d, ddof=2, keepdims=keepdim),
                      dtype)
        close(t.var(False), np.var(a64))  # positional `unbiased`
        close(torch.std(t, 1), np.std(a64, 1, ddof=1))
        close(torch.var(t, (0, 1), correction=0), np.var(a64, (0, 1)))


def test_var_edge_cases():
    with np.errstate(all="ignore"):
        close(torch.tensor([2.0]).var(), np.float32(np.nan))
        close(torch.tensor([2.0]).std(unbiased=False), np.float32(0.0))
        close(torch.zeros(0).var(), np.float32(np.nan))
        close(torch.tensor([1.0, np.nan]).std(), np.float32(np.nan))
        close(torch.tensor([1.0, 3.0]).var(correction=3), np.float32(np.inf))
    big = torch.tensor([1e8 + 1, 1e8 + 2, 1e8 + 3], dtype=torch.float64)
    close(big.var(), np.float64(1.0))
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex "
                       "dtypes"):
        torch.arange(3).var()


# ----- norm / logsumexp -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
def test_norm(dtype):
    for _, t, a in inputs(dtype):
        a64 = a.astype(np.float64)
        close(t.norm(), np.sqrt((a64**2).sum()), dtype)
        close(t.norm("fro"), np.sqrt((a64**2).sum()), dtype)
        for p in (1, 2, 3, 0.5, float("inf"), float("-inf"), 0):
            for d in (None, 1, (0, 2)):
                x = np.abs(a64)
                if p == float("inf"):
                    e = x.max(axis=d)
                elif p == float("-inf"):
                    e = x.min(axis=d)
                elif p == 0:
                    e = (x != 0).sum(axis=d).astype(np.float64)
                else:
                    e = (x**p).sum(axis=d) ** (1 / p)
                close(t.norm(p, d), e, dtype, rtol=1e-4 if dtype == torch.float32 else None)
        close(t.norm(dim=-1, keepdim=True), np.linalg.norm(a64, axis=-1, keepdims=True))
        close(torch.norm(t, 2, 0), np.linalg.norm(a64, axis=0))
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. "
                       "Got Long"):
        torch.arange(3).norm()


def np_logsumexp(a, axis, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


@pytest.mark.parametrize("dtype", FLOATS)
def test_logsumexp(dtype):
    for _, t, a in inputs(dtype):
        a64 = a.astype(np.float64)
        for d in (0, -1, (0, 2)):
            close(t.logsumexp(d), np_logsumexp(a64, d), dtype)
            close(torch.logsumexp(t, d, keepdim=True), np_logsumexp(a64, d, True), dtype)
    big = torch.tensor([1000.0, 1000.0], dtype=dtype)
    close(big.logsumexp(0), np.float64(1000.0 + np.log(2)))
    inf = torch.tensor([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0]], dtype=dtype)
    close(inf.logsumexp(1), np.array([-np.inf, np.inf, np.nan]))
    r = torch.arange(4).logsumexp(0)
    assert r.dtype == torch.float32
    close(r, np.log(np.exp(np.arange(4.0)).sum()))


# ----- all / any / count_nonzero --------------------------------------------------------------


@pytest.mark.parametrize("dtype", ALL)
def test_all_any(dtype):
    out = torch.uint8 if dtype == torch.uint8 else torch.bool
    for _, x, ax in inputs(dtype, (4, 3, 5), 0, 2):
        close(x.all(), np.all(ax).astype(NP[out]), out)
        close(x.any(), np.any(ax).astype(NP[out]), out)
        for d in (0, -1, (0, 2)):
            close(x.all(d), np.all(ax, d).astype(NP[out]), out)
            close(torch.any(x, d, keepdim=True), np.any(ax, d, keepdims=True).astype(NP[out]))
    close(torch.zeros(0).all(), np.bool_(True))
    close(torch.zeros(0).any(), np.bool_(False))
    close(torch.tensor([np.nan]).all(), np.bool_(True))


@pytest.mark.parametrize("dtype", ALL)
def test_count_nonzero(dtype):
    for _, t, a in inputs(dtype):
        close(t.count_nonzero(), np.int64(np.count_nonzero(a)), torch.int64)
        for d in (0, -1, (0, 2)):
            close(t.count_nonzero(d), np.count_nonzero(a, axis=d), torch.int64)
        close(torch.count_nonzero(t, dim=1), np.count_nonzero(a, axis=1))


# ----- cumsum / cumprod -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ALL)
def test_cumsum_cumprod(dtype):
    out = dtype if dtype.is_floating_point else torch.int64
    acc = np.float64 if dtype.is_floating_point else np.int64
    for _, t, a in inputs(dtype):
        for d in (0, 1, -1):
            close(t.cumsum(d), np.cumsum(a.astype(acc), d), out)
            close(torch.cumsum(t, dim=d), np.cumsum(a.astype(acc), d), out)
        small, sa = (t / 20, a / 20) if dtype.is_floating_point else (t % 3, a % 3)
        close(small.cumprod(0), np.cumprod(sa.astype(acc), 0), rtol=1e-3)
    close(t.cumsum(0, dtype=torch.float64), np.cumsum(a.astype(np.float64), 0), torch.float64)
    close(torch.tensor(5).cumsum(0), np.array(5), torch.int64)
    close(torch.zeros(0, 3).cumsum(0), np.zeros((0, 3)))
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.cumsum(3)


# ----- sort / argsort / topk / median ---------------------------------------------------------


@pytest.mark.parametrize("dtype", ALL)
def test_sort(dtype):
    for _, t, a in inputs(dtype):
        for d in (0, 1, -1):
            r = t.sort(d, stable=True)
            ei = np.argsort(a, axis=d, kind="stable")
            close(r.indices, ei, torch.int64)
            close(r.values, np.take_along_axis(a, ei, d), dtype)
            close(t.argsort(d, stable=True), ei)
            # descending, stable: equal elements keep their order
            rd = t.sort(d, descending=True, stable=True)
            key = -a.astype(np.float64) if dtype != torch.bool else ~a
            ed = np.argsort(key, axis=d, kind="stable")
            close(rd.indices, ed)
            close(rd.values, np.take_along_axis(a, ed, d))
        close(torch.sort(t).values, np.sort(a, -1))
        close(torch.argsort(t, dim=0, stable=True), np.argsort(a, 0, kind="stable"))


def test_sort_nan_and_large_ints():
    a = np.array([3.0, np.nan, -1.0, np.inf, np.nan, -np.inf, 0.0])
    t = torch.tensor(a)
    r = t.sort(stable=True)
    close(r.indices, np.argsort(a, kind="stable"))  # NumPy also sorts NaN last
    close(r.values, np.sort(a))
    rd = t.sort(descending=True, stable=True)
    close(rd.values, np.array([np.nan, np.nan, np.inf, 3.0, 0.0, -1.0, -np.inf]))
    close(rd.indices, np.array([1, 4, 3, 0, 6, 2, 5]))
    big = 2**53
    t = torch.tensor([big + 1, big, big + 3, big + 2])
    close(t.sort().values, np.sort(t.numpy()))
    close(t.argsort(), np.argsort(t.numpy()))
    close(t.topk(1).indices, np.array([2]))


def test_sort_0d_and_empty():
    r = torch.tensor(3.0).sort()
    close(r.values, np.float32(3.0))
    close(r.indices, np.int64(0))
    r = torch.zeros(2, 0).sort(1)
    assert r.values.shape == (2, 0) and r.indices.dtype == torch.int64


@pytest.mark.parametrize("dtype", FLOATS + [torch.int64, torch.int32, torch.int16])
def test_topk(dtype):
    t = torch.from_numpy(rng.permutation(60).reshape(3, 4, 5).astype(NP[dtype]))
    a = t.numpy()
    for d in (0, 1, -1):
        n = a.shape[d]
        for k in range(n + 1):
            r = t.topk(k, d)
            ei = np.take(np.argsort(-a.astype(np.float64), axis=d), range(k), axis=d)
            close(r.indices, ei, torch.int64)
            close(r.values, np.take_along_axis(a, ei, d), dtype)
            rs = torch.topk(t, k, dim=d, largest=False)
            es = np.take(np.argsort(a, axis=d), range(k), axis=d)
            close(rs.indices, es)
            close(rs.values, np.take_along_axis(a, es, d))
    tt = t.transpose(0, 2)
    close(tt.topk(2).values, -np.sort(-np.swapaxes(a, 0, 2), -1)[..., :2])
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        t.topk(6)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        t.topk(-1)


def np_lower_median(a, axis):
    s = np.sort(a, axis=axis)
    n = a.shape[axis]
    return np.take(s, (n - 1) // 2, axis=axis)


@pytest.mark.parametrize("dtype", FLOATS + [torch.float16, torch.int64, torch.int32, torch.uint8])
def test_median(dtype):
    for shape in [(7,), (4, 6), (3, 5, 4)]:
        a = rng.permutation(int(np.prod(shape))).reshape(shape).astype(NP[dtype])
        t = torch.from_numpy(a.copy())
        close(t.median(), np_lower_median(a.reshape(-1), 0), dtype)
        close(torch.median(t), np_lower_median(a.reshape(-1), 0))
        for d in range(-1, len(shape)):
            r = t.median(d)
            ev = np_lower_median(a, d)
            close(r.values, ev, dtype)
            # unique values: the index is where the median sits in the input
            np.testing.assert_array_equal(
                np.take_along_axis(a, np.expand_dims(r.indices.numpy(), d), d).squeeze(d), ev)
            rk = t.median(d, keepdim=True)
            close(rk.values, np.expand_dims(ev, d))
    n = torch.tensor([[1.0, np.nan, 3.0], [2.0, 1.0, 0.0]])
    close(n.median(), np.float32(np.nan))
    r = n.median(1)
    close(r.values, np.array([np.nan, 1.0]))
    close(r.indices, np.array([1, 1]))
    close(torch.tensor([4, 1, 3, 2]).median(), np.int64(2))  # lower median, no averaging
    with pytest.raises(IndexError, match="median\\(\\): Expected reduction dim 0 to have non-zero "
                       "size"):
        torch.zeros(0, 2).median(0)


LARGE_LAYOUTS = {
    # one long contiguous row: split across threads
    "row": (lambda a: a, lambda t: t),
    "rows": (lambda a: a.reshape(3, -1), lambda t: t.reshape(3, -1)),
    "strided_rows": (lambda a: a.reshape(-1, 3).T, lambda t: t.reshape(-1, 3).T),
    "stepped": (lambda a: a.reshape(600, -1)[::2], lambda t: t.reshape(600, -1)[::2]),
    "expanded": (lambda a: np.broadcast_to(a[:1000], (300, 1000)),
                 lambda t: t[:1000].expand(300, 1000)),
}


@pytest.mark.parametrize("layout", LARGE_LAYOUTS)
def test_large_reductions(layout):
    base = rng.standard_normal(300_000)
    make_np, make_t = LARGE_LAYOUTS[layout]
    a, t = make_np(base), make_t(torch.from_numpy(base.copy()))
    np.testing.assert_array_equal(t.numpy(), a)
    d = a.ndim - 1
    close(t.sum(), a.sum())
    close(t.sum(d), a.sum(d), rtol=1e-9)
    close(t.mean(d), a.mean(d), rtol=1e-9)
    close(t.amax(d), a.max(d))
    close(t.max(d).indices, np.argmax(a, d))
    close(t.argmin(), np.int64(np.argmin(a)))
    close(t.var(d), np.var(a, d, ddof=1), rtol=1e-9)
    close(t.norm(dim=d), np.linalg.norm(a, axis=d), rtol=1e-9)
    close((t > 3).any(d), np.any(a > 3, d))
    close((t > -5).all(d), np.all(a > -5, d))
    f32 = t.float()
    close(f32.sum(d), a.astype(np.float32).astype(np.float64).sum(d), rtol=1e-4, atol=1e-3)


# ----- hypothesis: reductions over random shapes, dims and layouts ----------------------------


@st.composite
def reduction_case(draw):
    nd = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=nd, max_size=nd)))
    perm = draw(st.permutations(range(nd)))
    dims = None
    if nd and draw(st.booleans()):
        dims = tuple(sorted(set(draw(st.lists(st.integers(-nd, nd - 1), min_size=1,
                                              max_size=nd))), key=lambda d: d % nd))
        # the same dim named twice is an error: keep distinct ones
        seen, uniq = set(), []
        for d in dims:
            if d % nd not in seen:
                seen.add(d % nd)
                uniq.append(d)
        dims = tuple(uniq)
    keepdim = draw(st.booleans())
    return shape, perm, dims, keepdim


@settings(max_examples=100, deadline=None)
@given(reduction_case(), st.sampled_from([torch.float64, torch.int32]))
def test_random_reductions(case, dtype):
    shape, perm, dims, keepdim = case
    t, a = data(shape, dtype)
    t, a = t.permute(*perm), a.transpose(perm)
    acc = np.float64 if dtype.is_floating_point else np.int64
    kw = {} if dims is None else {"dim": dims, "keepdim": keepdim}
    nkw = {"axis": dims, "keepdims": keepdim if dims is not None else False}
    close(t.sum(**kw), a.astype(acc).sum(**nkw))
    with np.errstate(over="ignore"):  # int64 products wrap in both libraries
        close(t.prod(**kw), a.astype(acc).prod(**nkw))
    close(t.any(**kw), np.any(a, **nkw))
    close(t.all(**kw), np.all(a, **nkw))
    if dtype.is_floating_point:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy on empty slices
            close(t.mean(**kw), a.mean(**nkw))
            close(t.var(**kw), np.var(a, ddof=1, **nkw) if np.size(a) else np.var(a, **nkw))
    size = 1 if dims is None else int(np.prod([a.shape[d] for d in dims]))
    if a.size and size:
        close(t.amax(**({} if dims is None else kw)), np.max(a, **nkw))
        close(t.amin(**({} if dims is None else kw)), np.min(a, **nkw))
