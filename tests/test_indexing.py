"""Indexing (issue "Core tensor engine", part 5): ``t[...]`` reads and writes, and the
gather/scatter family.

Oracle: NumPy. PyTorch indexes like NumPy with one documented difference: an integer in an
index tuple is applied as a ``select`` before any advanced (tensor/list/mask) index, so it
never counts as an advanced index when placing the advanced result dims. ``torch_index_numpy``
below encodes exactly that with NumPy doing all the work: basic indexing first (a NumPy view),
then the advanced indices on that view. When no int is mixed with advanced indices this is
plain NumPy indexing, which the tests also check directly.
"""

import numpy as np
import pytest
import rtensor as torch
from hypothesis import given, settings
from hypothesis import strategies as st

INT_DTYPES = [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]
DTYPES = [torch.float32, torch.float64, torch.float16, *INT_DTYPES, torch.bool]


def base(shape, dtype=torch.int64):
    n = int(np.prod(shape))
    t = torch.arange(n).reshape(shape).to(dtype)
    return t, t.numpy().copy()


def check(t, a):
    assert isinstance(t, torch.Tensor)
    assert tuple(t.shape) == np.shape(a), (tuple(t.shape), np.shape(a))
    np.testing.assert_array_equal(t.numpy(), a)


def to_torch_index(idx):
    """NumPy index tuple -> the same index for rtensor (arrays become tensors)."""
    out = []
    for i in idx:
        if isinstance(i, np.ndarray):
            out.append(torch.from_numpy(i.copy()))
        else:
            out.append(i)
    return tuple(out)


def torch_index_numpy(a, idx):
    """PyTorch's indexing semantics evaluated with NumPy: ints/slices/None/... first (as a
    view), then the advanced indices in their positions on that view. Returns (view, adv)
    where ``view[adv]`` is the result (adv is None when there is no advanced index)."""
    basic = []
    adv_pos = []
    dim = 0
    n_consumed = sum(1 if not isinstance(i, np.ndarray) or i.dtype != bool else i.ndim
                     for i in idx if i is not None and i is not Ellipsis)
    if n_consumed > a.ndim:
        raise IndexError("too many indices")
    for i in idx:
        if i is Ellipsis:
            basic.append(Ellipsis)
            dim += a.ndim - n_consumed
        elif i is None:
            basic.append(None)
            dim += 1
        elif isinstance(i, (int, np.integer)) or (
            isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype != bool
        ):
            basic.append(int(i))  # PyTorch: a 0-d integer tensor is an int (a select)
        elif isinstance(i, slice):
            basic.append(i)
            dim += 1
        else:
            k = i.ndim if i.dtype == bool else 1
            basic.extend([slice(None)] * k)
            adv_pos.append((dim, i))
            dim += k
    view = a[tuple(basic) + ((Ellipsis,) if Ellipsis not in basic else ())]
    if not adv_pos:
        return view, None
    adv = []
    d = 0
    pending = list(adv_pos)
    while d < view.ndim or pending:
        if pending and pending[0][0] == d:
            _, i = pending.pop(0)
            adv.append(i)
            d += i.ndim if i.dtype == bool else 1  # a 0-d mask consumes no dim
        else:
            adv.append(slice(None))
            d += 1
    return view, tuple(adv)


def expected_get(a, idx):
    view, adv = torch_index_numpy(a, idx)
    return view if adv is None else view[adv]


def has_int_mixed_with_advanced(idx):
    ints = any(isinstance(i, (int, np.integer)) or (isinstance(i, np.ndarray) and i.ndim == 0
               and i.dtype != bool) for i in idx)
    arrays = any(isinstance(i, np.ndarray) and (i.ndim or i.dtype == bool) for i in idx)
    return ints and arrays


def ellipsis_between_advanced(idx):
    """NumPy keeps advanced indices separated by an Ellipsis apart even when the Ellipsis spans
    no dims (the result dims go first); PyTorch places them by dims, so they are adjacent."""
    pos = [k for k, i in enumerate(idx) if isinstance(i, np.ndarray)]
    return any(i is Ellipsis for i in idx[pos[0]:pos[-1]]) if len(pos) > 1 else False


# ----- basic indexing -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_basic_getitem(dtype):
    t, a = base((3, 4, 5), dtype)
    for idx in [1, -1, (1, 2), (-1, -2, -3), slice(1, None), (slice(None), slice(None, None, 2)),
                (Ellipsis, 1), (1, Ellipsis), (None, 1), (slice(None), None, 2), (None,),
                (Ellipsis, None), (slice(-3, -1), Ellipsis, slice(None, None, 3)),
                (slice(10, 20),), (slice(None, None, 4), 0, slice(3, 1)), (), Ellipsis,
                (0, 0, 0), (Ellipsis, None, Ellipsis)[:2]]:
        r = t[idx]
        check(r, a[idx])
        assert r._same_storage(t)


def test_basic_getitem_0d_and_scalars():
    s = torch.tensor(5.0)
    check(s[()], np.array(5.0))
    check(s[None], np.array([5.0]))
    check(s[...], np.array(5.0))
    check(s[None, None, ...], np.array(5.0)[None, None])
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        s[0]
    t, a = base((4,))
    check(t[torch.tensor(2)], a[2])  # 0-d integer tensor indexes like an int
    assert t[torch.tensor(2)]._same_storage(t)
    check(t[np.int64(1)], a[1])


def test_index_errors_name_index_and_size():
    t, _ = base((3, 4))
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        t[5]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        t[-4]
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        t[0, 4]
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        t[:, 4]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        t[[0, 3]]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 0 with size 4"):
        t[:, [1, 7]]  # PyTorch names the dim of the indexed (sub)tensor
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        t[5] = 1
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        t[0, 0, 0]
    with pytest.raises(IndexError, match="an index can only have a single ellipsis"):
        t[..., ...]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t[::-1]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        t[::0]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        t[torch.tensor([0.0])]
    with pytest.raises(IndexError):
        t["a"]
    with pytest.raises(IndexError, match="shape mismatch"):
        t[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="The shape of the mask"):
        t[torch.tensor([True, False])]


# ----- advanced indexing ----------------------------------------------------------------------


ADVANCED_CASES = [
    ([0, 2],),
    ([[0, 1], [2, 0]],),
    ([-1, 0, -3],),
    ([],),
    (slice(None), [3, 0]),
    ([0, 1], [1, 2]),
    ([0, 1], slice(None), [1, 2]),  # separated: index dims go first
    (slice(None), [0, 1], [1, 2]),  # adjacent: stay in place
    ([[0], [1]], [0, 1, 2]),  # broadcast together
    ([[0], [2]], slice(1, 3), [[0, 1]]),
    (Ellipsis, [0, 4]),
    ([1, 0], Ellipsis, [4, 4]),
    (None, [0, 1], None, [1, 2]),
    ([0, 1], None, [1, 2]),
    (slice(None, None, 2), [1], slice(None), ),
    (np.array([True, False, True]),),
    (np.array([[True, False, True, False]] * 3),),
    (np.ones((3, 4, 5), bool),),
    (slice(None), np.array([False, True, True, False])),
    (np.array([True, False, True]), slice(None), [1, 2]),
    (np.array([[True, False, True, False], [False] * 4, [True] * 4]), [0, 4, 2, 1, 3, 0]),
    (Ellipsis, np.array([False] * 5)),
    (np.array(True),),
    (np.array(False),),
    (slice(None), np.array(True), [0, 1]),
]


@pytest.mark.parametrize("idx", ADVANCED_CASES, ids=range(len(ADVANCED_CASES)))
def test_advanced_getitem_matches_numpy(idx):
    t, a = base((3, 4, 5))
    idx = tuple(np.array(i, dtype=np.int64) if isinstance(i, list) else i for i in idx)
    check(t[to_torch_index(idx)], a[idx])


@pytest.mark.parametrize("dtype", DTYPES)
def test_advanced_getitem_dtypes(dtype):
    t, a = base((4, 3), dtype)
    check(t[torch.tensor([3, 0, 3])], a[[3, 0, 3]])
    check(t[:, torch.tensor([2, 0])], a[:, [2, 0]])
    check(t[t.to(torch.int64) % 2 == 0], a[a.astype(np.int64) % 2 == 0])


@pytest.mark.parametrize("idx_dtype", [torch.int64, torch.int32, torch.int16, torch.int8])
def test_integer_index_tensor_dtypes(idx_dtype):
    t, a = base((5, 3))
    i = torch.tensor([4, -1, 0]).to(idx_dtype)
    check(t[i], a[[4, -1, 0]])
    j = torch.tensor([2, -1, 0]).to(idx_dtype)
    check(t[1:, j], a[1:, [2, -1, 0]])


def test_uint8_index_is_a_mask():
    t, a = base((3, 2))
    m = torch.tensor([1, 0, 1], dtype=torch.uint8)
    check(t[m], a[np.array([True, False, True])])


def test_int_mixed_with_advanced_is_applied_first_as_pytorch():
    # PyTorch: t[0, :, [1, 2]] == t[0][:, [1, 2]] (shape (4, 2)); NumPy would give (2, 4).
    t, a = base((3, 4, 5))
    check(t[0, :, [1, 2]], a[0][:, [1, 2]])
    check(t[[1, 2], :, 0], a[:, :, 0][[1, 2], :])
    check(t[[0, 2], 1, [1, 2]], a[:, 1, :][[0, 2], [1, 2]])


def test_list_of_sequences_is_an_index_tuple_as_pytorch():
    # PyTorch treats a short list holding sequences/slices/None/... like a tuple.
    t, a = base((3, 4))
    check(t[[[0, 1], [1, 2]]], a[[0, 1], [1, 2]])
    check(t[[(0, 1), slice(1, 3)]], a[[0, 1], 1:3])
    check(t[[0, 1]], a[[0, 1]])
    check(t[(0, 2), ], a[[0, 2]])  # a tuple inside the index tuple is an index tensor
    check(t[1, (0, 2, 3)], a[1, [0, 2, 3]])


def test_getitem_non_contiguous_base():
    t, a = base((4, 6))
    v, av = t.t()[::2], a.T[::2]
    check(v[[0, 2], 1:], av[[0, 2], 1:])
    check(v[v > 10], av[av > 10])
    e = torch.arange(3).unsqueeze(0).expand(4, 3)
    check(e[[0, 3], [2, 1]], np.broadcast_to(np.arange(3), (4, 3))[[0, 3], [2, 1]])


def test_advanced_result_is_a_copy():
    t, a = base((3, 4))
    r = t[[0, 1]]
    assert not r._same_storage(t)
    r.fill_(-1)
    check(t, a)


def test_large_index():
    t = torch.arange(200000)
    i = torch.arange(199999, -1, -7)
    check(t[i], np.arange(200000)[np.arange(199999, -1, -7)])
    check(t[t % 3 == 0], np.arange(0, 200000, 3))


# ----- __setitem__ ----------------------------------------------------------------------------


SET_CASES = [
    (1,),
    (slice(None), 2),
    (Ellipsis, slice(1, 4, 2)),
    (None, 0),
    ([0, 2],),
    ([0, 2], slice(None), [1, 3]),
    (slice(None), [0, 1], [1, 2]),
    (np.array([True, False, True]),),
    (slice(None), np.array([False, True, True, False])),
    ([[0], [1]], [0, 3]),
    (0, slice(None), [0, 4]),
    (np.array(True),),
    (np.array(False), 0),
]


@pytest.mark.parametrize("idx", SET_CASES, ids=range(len(SET_CASES)))
@pytest.mark.parametrize("kind", ["scalar", "full", "broadcast", "leading_ones"])
def test_setitem_matches_numpy(idx, kind):
    t, a = base((3, 4, 5), torch.float32)
    idx = tuple(np.array(i) if isinstance(i, list) else i for i in idx)
    view, adv = torch_index_numpy(a, idx)
    shape = (view if adv is None else view[adv]).shape
    if kind == "scalar":
        value = -7.0
        tv = value
    else:
        vshape = {"full": shape, "broadcast": shape[1:],
                  "leading_ones": (1, 1) + tuple(shape)}[kind]
        value = -np.arange(int(np.prod(vshape)), dtype=np.float32).reshape(vshape) - 1
        tv = torch.from_numpy(np.array(value))
    if adv is None:
        view[...] = value
    else:
        view[adv] = value
    t[to_torch_index(idx)] = tv
    check(t, a)


@pytest.mark.parametrize("dtype", DTYPES)
def test_setitem_dtypes_and_value_conversion(dtype):
    t, a = base((4, 3), dtype)
    t[1] = 1
    a[1] = 1
    t[:, 0] = torch.tensor([1, 0, 1, 0], dtype=torch.int64)  # value converted to t's dtype
    a[:, 0] = np.array([1, 0, 1, 0]).astype(a.dtype)
    t[torch.tensor([3])] = torch.tensor(0.0).to(dtype)
    a[[3]] = 0
    t[t.to(torch.int64) == 2] = 0
    a[a.astype(np.int64) == 2] = 0
    check(t, a)
    t[0, 1] = True
    a[0, 1] = True
    t[2] = [1, 1, 0]  # Python list values
    a[2] = [1, 1, 0]
    check(t, a)


def test_setitem_advanced_needs_matching_dtype_as_pytorch():
    t = torch.zeros(3, 3)
    t[:, 1] = torch.tensor([1, 2, 3])  # a slice assignment converts (copy_)
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes "
                       "match, got Float for the destination and Double for the source."):
        t[[0, 1], :] = torch.tensor(5.0, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="got Float for the destination and Long for the source"):
        t[t > 1] = torch.tensor(7)
    t[t > 1] = 7  # Python numbers convert
    check(t, np.array([[0, 1, 0], [0, 7, 0], [0, 7, 0]], np.float32))


def test_setitem_float_into_int_truncates():
    t = torch.zeros(3, dtype=torch.int64)
    t[0] = 2.7
    t[1] = -2.7
    check(t, np.array([2, -2, 0]))


def test_setitem_through_views_and_non_contiguous():
    t, a = base((4, 6), torch.float64)
    v, av = t.t(), a.T
    v[1:4, [0, 3]] = 100.0
    av[1:4, [0, 3]] = 100.0
    check(t, a)
    v[v > 20] = -1.0
    av[av > 20] = -1.0
    check(t, a)
    s = t[:, ::2]
    s[[0, 1], [1, 2]] = torch.tensor([5.0, 6.0], dtype=torch.float64)
    a[:, ::2][[0, 1], [1, 2]] = [5.0, 6.0]
    check(t, a)


def test_setitem_duplicate_indices_last_write_wins_like_numpy():
    t = torch.zeros(3)
    t[[0, 0, 2]] = torch.tensor([1.0, 2.0, 3.0])
    # PyTorch leaves the winner of duplicates unspecified; on CPU it is the last, as NumPy.
    check(t, np.array([2.0, 0.0, 3.0]))


def test_setitem_shape_errors():
    t = torch.zeros(3, 4)
    with pytest.raises(RuntimeError, match="shape mismatch: value tensor of shape \\[3\\] cannot "
                       "be broadcast to indexing result of shape \\[2, 4\\]"):
        t[[0, 1]] = torch.ones(3)
    with pytest.raises(RuntimeError):
        t[0] = torch.ones(3)
    with pytest.raises(RuntimeError):
        t[:, 0] = torch.ones(2, 3)


def test_setitem_self_overlap():
    t, a = base((6,))
    t[1:] = t[:-1].clone()
    a[1:] = a[:-1].copy()
    check(t, a)
    t2, a2 = base((6,))
    t2[[1, 2, 3]] = t2[[0, 1, 2]]
    a2[[1, 2, 3]] = a2[[0, 1, 2]]
    check(t2, a2)


# ----- hypothesis: random index tuples vs NumPy ------------------------------------------------


@st.composite
def index_cases(draw):
    nd = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd)))
    idx = []
    dim = 0
    used_ellipsis = False
    while dim < nd and draw(st.booleans()) or (dim == 0 and not idx):
        kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis", "array", "mask"]))
        size = shape[dim] if dim < nd else None
        if kind == "int" and size:
            idx.append(draw(st.integers(-size, size - 1)))
            dim += 1
        elif kind == "slice" and size:
            start = draw(st.one_of(st.none(), st.integers(-6, 6)))
            stop = draw(st.one_of(st.none(), st.integers(-6, 6)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            idx.append(slice(start, stop, step))
            dim += 1
        elif kind == "none":
            idx.append(None)
        elif kind == "ellipsis" and not used_ellipsis:
            # what `...` covers is decided by the later items: skip a random number of dims
            used_ellipsis = True
            skip = draw(st.integers(0, nd - dim))
            idx.append(Ellipsis)
            dim += skip
        elif kind == "array" and size:
            ishape = tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=2)))
            vals = draw(st.lists(st.integers(-size, size - 1), min_size=int(np.prod(ishape)),
                                 max_size=int(np.prod(ishape))))
            idx.append(np.array(vals, dtype=np.int64).reshape(ishape))
            dim += 1
        elif kind == "mask" and size:
            k = draw(st.integers(1, min(2, nd - dim)))
            mshape = shape[dim:dim + k]
            vals = draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)),
                                 max_size=int(np.prod(mshape))))
            idx.append(np.array(vals, dtype=bool).reshape(mshape))
            dim += k
        if len(idx) > 6:
            break
    if used_ellipsis:
        # recompute: dims consumed after the ellipsis must still fit
        consumed = sum(1 if not isinstance(i, np.ndarray) or i.dtype != bool else i.ndim
                       for i in idx if i is not None and i is not Ellipsis)
        if consumed > nd:
            idx = [i for i in idx if i is not Ellipsis]
    return shape, tuple(idx)


def _broadcastable(idx):
    arrays = [i for i in idx if isinstance(i, np.ndarray)]
    shapes = [a.shape if a.dtype != bool else (int(a.sum()),) for a in arrays]
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


@settings(max_examples=100, deadline=None)
@given(index_cases(), st.sampled_from([torch.int64, torch.float32, torch.bool]))
def test_getitem_random_index_tuples(case, dtype):
    shape, idx = case
    t, a = base(shape, dtype)
    try:
        expect = expected_get(a, idx)
    except IndexError:
        with pytest.raises(IndexError):
            t[to_torch_index(idx)]
        return
    r = t[to_torch_index(idx)]
    check(r, expect)
    if not has_int_mixed_with_advanced(idx) and not ellipsis_between_advanced(idx):
        check(r, a[idx])  # identical to plain NumPy semantics
    if not any(isinstance(i, np.ndarray) for i in idx):
        assert r._same_storage(t)  # basic indexing is a view
        if r.numel():
            r.fill_(1)
            view = a[idx + ((Ellipsis,) if Ellipsis not in idx else ())]
            view[...] = 1
            check(t, a)


@settings(max_examples=100, deadline=None)
@given(index_cases(), st.booleans())
def test_setitem_random_index_tuples(case, scalar_value):
    shape, idx = case
    t, a = base(shape, torch.int64)
    try:
        view, adv = torch_index_numpy(a, idx)
        target = view if adv is None else view[adv]
    except IndexError:
        with pytest.raises(IndexError):
            t[to_torch_index(idx)] = 0
        return
    if scalar_value:
        value, tv = -5, -5
    else:
        value = -np.arange(target.size, dtype=np.int64).reshape(target.shape) - 1
        tv = torch.from_numpy(np.array(value))
    # with duplicate indices the written order is unspecified: only write distinct targets
    if adv is not None and not scalar_value:
        probe = np.arange(view.size).reshape(view.shape)[adv]
        if len(np.unique(probe)) != probe.size:
            value, tv = -5, -5
    if adv is None:
        view[...] = value
    else:
        view[adv] = value
    t[to_torch_index(idx)] = tv
    check(t, a)


# ----- gather / scatter family -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_select(dtype):
    t, a = base((4, 5), dtype)
    i = torch.tensor([3, 0, 3, 1])
    check(t.index_select(0, i), a[[3, 0, 3, 1]])
    check(torch.index_select(t, 1, torch.tensor([4, 0])), a[:, [4, 0]])
    check(t.index_select(-1, torch.tensor([], dtype=torch.int64)), a[:, []])
    check(t.t().index_select(0, torch.tensor([1], dtype=torch.int32)), a.T[[1]])
    check(t.index_select(1, torch.tensor(2)), a[:, [2]])  # 0-d index keeps the dim
    s = torch.tensor(7)
    check(s.index_select(0, torch.tensor([0])), np.array(7))
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        t.index_select(0, torch.tensor([4]))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        t.index_select(0, torch.tensor([[0]]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.index_select(2, i)
    with pytest.raises(RuntimeError, match="index_select"):
        t.index_select(0, torch.tensor([0.0]))


def np_gather(a, dim, idx):
    return np.take_along_axis(a, idx, axis=dim)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gather(dtype):
    t, a = base((3, 4), dtype)
    idx = np.array([[0, 3], [2, 2], [1, 0]])
    check(t.gather(1, torch.from_numpy(idx)), np_gather(a, 1, idx))
    idx0 = np.array([[2, 0, 1, 1]])
    check(torch.gather(t, 0, torch.from_numpy(idx0)), np_gather(a, 0, idx0))
    # index smaller than the input in the other dims
    small = np.array([[1], [0]])
    check(t.gather(1, torch.from_numpy(small)), np_gather(a[:2], 1, small))
    check(t.gather(-1, torch.from_numpy(small)), np_gather(a[:2], 1, small))
    # non-contiguous input and index
    tt, at = t.t(), a.T
    idx2 = np.array([[0, 2, 1], [1, 1, 0]])
    check(tt.gather(1, torch.from_numpy(idx2)), np_gather(at[:2], 1, idx2))
    check(t.gather(1, torch.tensor([[1, 0, 2]]).expand(3, 3)),
          np_gather(a[:, :4], 1, np.broadcast_to([[1, 0, 2]], (3, 3))))
    # empty index
    check(t.gather(1, torch.zeros(3, 0, dtype=torch.int64)), np.zeros((3, 0), a.dtype))
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 4"):
        t.gather(1, torch.tensor([[4]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        t.gather(1, torch.tensor([0]))
    with pytest.raises(RuntimeError, match="Size does not match at dimension 0"):
        t.gather(1, torch.zeros(4, 1, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="gather"):
        t.gather(1, torch.zeros(3, 1))


def np_scatter(a, dim, idx, src, mode="set"):
    out = a.copy()
    for pos in np.ndindex(*idx.shape):
        target = list(pos)
        target[dim] = idx[pos]
        v = src[pos] if isinstance(src, np.ndarray) else src
        if mode == "set":
            out[tuple(target)] = v
        elif mode == "add":
            out[tuple(target)] += v
        else:
            out[tuple(target)] *= v
    return out


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.int32,
                                   torch.uint8])
def test_scatter_and_scatter_add(dtype):
    t, a = base((3, 5), dtype)
    idx = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    src_t, src = base((2, 5), dtype)
    src = src + 1
    src_t = src_t + 1
    # distinct targets per column for scatter (no duplicate writes)
    check(t.scatter(0, torch.from_numpy(idx), src_t), np_scatter(a, 0, idx, src))
    check(torch.scatter(t, 0, torch.from_numpy(idx), src_t), np_scatter(a, 0, idx, src))
    check(t.scatter(0, torch.from_numpy(idx), 9), np_scatter(a, 0, idx, 9))
    check(t.scatter(0, torch.from_numpy(idx), value=9), np_scatter(a, 0, idx, 9))
    check(t, a)  # out-of-place forms leave the input alone
    idx_dup = np.array([[0, 0, 1], [0, 0, 2]])
    check(t.scatter_add(1, torch.from_numpy(idx_dup), src_t),
          np_scatter(a, 1, idx_dup, src, "add"))
    check(torch.scatter_add(t, 1, torch.from_numpy(idx_dup), src_t),
          np_scatter(a, 1, idx_dup, src, "add"))
    r = t.clone()
    assert r.scatter_(1, torch.from_numpy(idx_dup), src_t, reduce="add") is r
    check(r, np_scatter(a, 1, idx_dup, src, "add"))
    r = t.clone()
    r.scatter_(1, torch.from_numpy(idx_dup), src_t, reduce="multiply")
    check(r, np_scatter(a, 1, idx_dup, src, "mul"))
    r = t.clone()
    assert r.scatter_add_(0, torch.from_numpy(idx), src_t) is r
    check(r, np_scatter(a, 0, idx, src, "add"))
    r = t.clone()
    r.scatter_(0, torch.from_numpy(idx), src_t)
    check(r, np_scatter(a, 0, idx, src))


def test_scatter_into_non_contiguous_view():
    t, a = base((4, 4), torch.float32)
    v, av = t.t(), a.T
    idx = np.array([[3, 0], [1, 2]])
    src = np.array([[10.0, 20.0], [30.0, 40.0]], np.float32)
    v.scatter_(1, torch.from_numpy(idx), torch.from_numpy(src))
    av[...] = np_scatter(av, 1, idx, src)
    check(t, a)


def test_scatter_errors():
    t = torch.zeros(3, 4)
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 4"):
        t.scatter_(1, torch.tensor([[4]]), 1.0)
    with pytest.raises(RuntimeError, match="scatter"):
        t.scatter_(1, torch.tensor([[0]]), torch.ones(1, 1, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="reduce"):
        t.scatter_(1, torch.tensor([[0]]), 1.0, reduce="max")
    with pytest.raises(RuntimeError, match="Expected index"):
        t.scatter_(1, torch.tensor([[0, 1, 2]]), torch.ones(1, 2))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.int16])
def test_index_add(dtype):
    t, a = base((4, 3), dtype)
    src_t, src = base((3, 3), dtype)
    idx = [0, 2, 0]
    expect = a.copy()
    np.add.at(expect, idx, src)
    check(t.index_add(0, torch.tensor(idx), src_t), expect)
    check(torch.index_add(t, 0, torch.tensor(idx), src_t), expect)
    expect2 = a.copy()
    np.add.at(expect2, idx, src * 2)
    r = t.clone()
    assert r.index_add_(0, torch.tensor(idx), src_t, alpha=2) is r
    check(r, expect2)
    # along dim 1 with a non-contiguous destination
    r, ar = t.clone(), a.copy()
    src_t1, src1 = base((4, 2), dtype)
    r.t().index_add_(0, torch.tensor([2, 2]), src_t1.t())
    np.add.at(ar.T, [2, 2], src1.T)
    check(r, ar)
    with pytest.raises(IndexError, match="Number of indices"):
        t.index_add_(0, torch.tensor([0, 1]), src_t)
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        t.index_add_(0, torch.tensor([0, 1, 9]), src_t)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bool])
def test_index_fill(dtype):
    t, a = base((3, 4), dtype)
    expect = a.copy()
    expect[:, [0, 3]] = 1
    check(t.index_fill(1, torch.tensor([0, 3]), 1), expect)
    check(torch.index_fill(t, 1, torch.tensor([0, 3]), 1), expect)
    r = t.clone()
    assert r.index_fill_(-1, torch.tensor([3, 0]), 1) is r
    check(r, expect)
    r = t.clone()
    r.index_fill_(0, torch.tensor([1]), torch.tensor(0))
    e2 = a.copy()
    e2[1] = 0
    check(r, e2)
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        t.index_fill(0, torch.tensor([3]), 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_fill(dtype):
    t, a = base((3, 4), dtype)
    m = (np.arange(12).reshape(3, 4) % 3) == 0
    expect = a.copy()
    expect[m] = 1
    check(t.masked_fill(torch.from_numpy(m), 1), expect)
    check(torch.masked_fill(t, torch.from_numpy(m), torch.tensor(1)), expect)
    # broadcast mask
    row = np.array([True, False, False, True])
    e2 = a.copy()
    e2[:, row] = 0
    check(t.masked_fill(torch.from_numpy(row), 0), e2)
    r = t.clone()
    assert r.masked_fill_(torch.from_numpy(m), 1) is r
    check(r, expect)
    # in place through a transposed view
    r, ar = t.clone(), a.copy()
    r.t().masked_fill_(torch.from_numpy(m.T.copy()), 0)
    ar.T[m.T] = 0
    check(r, ar)
    check(t, a)


def test_masked_fill_errors():
    t = torch.zeros(3, 4)
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        t.masked_fill(torch.ones(3, 4, dtype=torch.int64), 0.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        t.masked_fill(torch.ones(3, 4, dtype=torch.bool), torch.ones(2))
    with pytest.raises(RuntimeError):
        t.masked_fill_(torch.ones(2, 3, 4, dtype=torch.bool), 0.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_select(dtype):
    t, a = base((3, 4), dtype)
    m = (np.arange(12).reshape(3, 4) % 5) < 2
    check(t.masked_select(torch.from_numpy(m)), a[m])
    check(torch.masked_select(t, torch.from_numpy(m)), a[m])
    row = np.array([False, True, True, False])
    check(t.masked_select(torch.from_numpy(row)), np.broadcast_to(a, (3, 4))[:, row].reshape(-1))
    check(t.t().masked_select(torch.from_numpy(m.T.copy())), a.T[m.T])
    # mask bigger than the input broadcasts the input
    big = np.ones((2, 3, 4), bool)
    big[0, 0] = False
    check(t.masked_select(torch.from_numpy(big)), np.broadcast_to(a, (2, 3, 4))[big])
    with pytest.raises(RuntimeError, match="masked_select"):
        t.masked_select(torch.zeros(3, 4))


@pytest.mark.parametrize("dtype", DTYPES)
def test_where(dtype):
    t, a = base((3, 4), dtype)
    c = (np.arange(12).reshape(3, 4) % 2) == 0
    o_t, o = base((4,), dtype)
    check(torch.where(torch.from_numpy(c), t, o_t), np.where(c, a, o))
    check(t.where(torch.from_numpy(c), o_t), np.where(c, a, o))
    if dtype.is_floating_point:
        r = torch.where(torch.from_numpy(c), t, 0.5)
        assert r.dtype == dtype
        np.testing.assert_array_equal(r.numpy(), np.where(c, a, 0.5).astype(a.dtype))
    nz = torch.where(torch.from_numpy(c))
    assert isinstance(nz, tuple) and len(nz) == 2
    for x, e in zip(nz, np.nonzero(c)):
        check(x, e)


def test_where_promotes_and_broadcasts():
    c = torch.tensor([True, False, True])
    r = torch.where(c, torch.tensor([1, 2, 3]), torch.tensor([0.5]))
    assert r.dtype == torch.float32
    check(r, np.array([1.0, 0.5, 3.0], np.float32))
    r = torch.where(c[:, None], torch.tensor(1), torch.tensor([10, 20]))
    assert r.dtype == torch.int64
    check(r, np.where(np.array([True, False, True])[:, None], 1, np.array([10, 20])))
    with pytest.raises(RuntimeError, match="must match the size"):
        torch.where(c, torch.ones(2), torch.ones(3))


@pytest.mark.parametrize("shape", [(), (0,), (5,), (3, 4), (2, 3, 4), (2, 0, 3)])
def test_nonzero(shape):
    a = np.asarray((np.arange(int(np.prod(shape))).reshape(shape) % 3) == 1)
    t = torch.from_numpy(a.copy())
    r = t.nonzero()
    assert r.dtype == torch.int64
    check(r, np.argwhere(a))
    check(torch.nonzero(t), np.argwhere(a))
    for x, e in zip(t.nonzero(as_tuple=True), np.nonzero(np.atleast_1d(a))):
        check(x, e)
    f = torch.from_numpy(np.asarray(a.astype(np.float32) * 2.5))
    check(f.nonzero(), np.argwhere(a))
    check(f.t().nonzero() if f.ndim == 2 else f.nonzero(), np.argwhere(a.T if a.ndim == 2 else a))


@pytest.mark.parametrize("dtype", DTYPES)
def test_take(dtype):
    t, a = base((3, 4), dtype)
    idx = np.array([[0, 11], [-1, 5]])
    check(t.take(torch.from_numpy(idx)), np.take(a, idx))
    check(torch.take(t, torch.tensor([2])), np.take(a, [2]))
    check(t.t().take(torch.tensor([1, 2])), np.take(a.T, [1, 2]))
    check(t.take(torch.tensor(3)), np.take(a, 3))
    with pytest.raises(IndexError, match="out of range: tried to access index 12 on a tensor of 12 "
                       "elements"):
        t.take(torch.tensor([12]))


def test_no_panics_on_bad_arguments():
    t = torch.zeros(2, 3)
    bad = [
        lambda: t.gather(5, torch.tensor([[0]])),
        lambda: t.scatter_(-3, torch.tensor([[0]]), 1.0),
        lambda: t.index_select(0, torch.tensor([-3])),
        lambda: t.index_add_(3, torch.tensor([0]), t),
        lambda: t.index_fill_(0, torch.tensor([2]), 1.0),
        lambda: t.take(torch.tensor([-7])),
        lambda: t[torch.tensor([[True]])],
        lambda: t[:, torch.tensor([0, 1, 2, 3])],
        lambda: torch.zeros(0)[0],
        lambda: torch.zeros(0, 2)[:, 5],
        lambda: t.masked_select(torch.ones(3, 3, dtype=torch.bool)),
    ]
    for f in bad:
        with pytest.raises((IndexError, RuntimeError)):
            f()
