"""Tensor creation: ``tensor`` with PyTorch's dtype inference, the size factories and their
``*_like`` forms, ``arange/linspace/logspace/eye`` against NumPy, ``clone/as_tensor/
from_numpy`` and the legacy typed constructors."""

import math

import numpy as np
import pytest
import rtensor as torch

NP = {torch.bool: np.bool_, torch.uint8: np.uint8, torch.int8: np.int8, torch.int16: np.int16,
      torch.int32: np.int32, torch.int64: np.int64, torch.float16: np.float16,
      torch.float32: np.float32, torch.float64: np.float64}


def values(t):
    if t.dtype == torch.bfloat16:
        t = t.float()
    return np.array(t.tolist(), dtype=NP[t.dtype]).reshape(tuple(t.shape))


# ----------------------------------------------------------------------------------------------
# tensor(data)
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    [1, 2, 3],
    [[1, 2], [3, 4], [5, 6]],
    ((1.5, 2.5), (3.5, 4.5)),
    [[[1], [2]], [[3], [4]]],
    [True, False],
    [1, 2.5],
    [True, 2],
    [[1.0, 2], [3, 4]],
    [],
    [[]],
    [[], []],
    [[[]]],
    3,
    -2.5,
    True,
], ids=repr)
def test_tensor_from_python_data(data):
    t = torch.tensor(data)
    want = np.array(data)
    assert tuple(t.shape) == want.shape
    # PyTorch's inference: bool < int64 < default float (NumPy's float64 becomes float32)
    kind = want.dtype.kind
    expected = {"b": torch.bool, "i": torch.int64, "f": torch.float32}[kind]
    assert t.dtype == expected
    np.testing.assert_array_equal(values(t), want.astype(NP[expected]))


def test_tensor_from_numpy_keeps_dtype_and_copies():
    for np_dt, dt in [(np.float64, torch.float64), (np.float32, torch.float32),
                      (np.float16, torch.float16), (np.int64, torch.int64),
                      (np.int32, torch.int32), (np.int16, torch.int16), (np.int8, torch.int8),
                      (np.uint8, torch.uint8), (np.bool_, torch.bool)]:
        a = np.arange(6).reshape(2, 3).astype(np_dt)
        t = torch.tensor(a)
        assert t.dtype == dt and t.shape == (2, 3)
        np.testing.assert_array_equal(values(t), a)
        a[0, 0] = 1 if np_dt is np.bool_ else 42
        assert values(t)[0, 0] == 0  # a copy, not a view
    # Fortran order and non-contiguous arrays are copied row-major
    f = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(values(torch.tensor(f)), f)
    s = np.arange(20.0).reshape(4, 5)[::2, 1::2]
    np.testing.assert_array_equal(values(torch.tensor(s)), s)
    assert torch.tensor(s).is_contiguous()


def test_tensor_numpy_scalars_keep_their_dtype():
    # PyTorch's infer_scalar_type: NumPy scalars bring their own dtype.
    assert torch.tensor(np.float64(2.5)).dtype == torch.float64
    assert torch.tensor(np.float32(2.5)).dtype == torch.float32
    assert torch.tensor(np.int32(7)).dtype == torch.int32
    assert torch.tensor(np.int16(7)).item() == 7
    assert torch.tensor(np.bool_(True)).dtype == torch.bool
    assert torch.tensor([np.float64(1.0), 2.0]).dtype == torch.float64
    assert torch.tensor([np.int32(1), np.int8(2)]).dtype == torch.int32
    assert torch.tensor([np.int32(1), 2]).dtype == torch.int64
    assert torch.tensor([np.float16(1.0), 2]).dtype == torch.float16
    assert torch.tensor(np.array(3.5)).dtype == torch.float64  # 0-d array
    assert torch.tensor(np.array(3.5)).shape == ()


def test_tensor_from_lists_of_arrays_and_tensors():
    t = torch.tensor([np.array([1, 2], np.int32), np.array([3, 4], np.int32)])
    assert t.dtype == torch.int32 and t.tolist() == [[1, 2], [3, 4]]
    t = torch.tensor([torch.tensor([1.5, 2.5]), torch.tensor([3.5, 4.5])])
    assert t.dtype == torch.float32 and t.tolist() == [[1.5, 2.5], [3.5, 4.5]]
    t = torch.tensor([torch.tensor(1, dtype=torch.int16), torch.tensor(2, dtype=torch.int16)])
    assert t.dtype == torch.int16 and t.tolist() == [1, 2]
    t = torch.tensor([torch.tensor(1), 2.5])
    assert t.dtype == torch.float32 and t.tolist() == [1.0, 2.5]
    t = torch.tensor([np.arange(3)[::-1], np.arange(3)])  # negative strides inside a list
    assert t.tolist() == [[2, 1, 0], [0, 1, 2]]


def test_tensor_from_tensor_copies():
    src = torch.tensor([1.0, 2.0])
    t = torch.tensor(src)
    assert t.dtype == torch.float32 and t.tolist() == [1.0, 2.0]
    t[0] = 9
    assert src.tolist() == [1.0, 2.0]
    assert torch.tensor(src, dtype=torch.int64).tolist() == [1, 2]


@pytest.mark.parametrize("dt", [torch.float64, torch.float16, torch.bfloat16, torch.int32,
                                torch.int8, torch.uint8, torch.bool], ids=str)
def test_tensor_dtype_argument(dt):
    data = [[0, 1, 2], [3, 4, 5]]
    t = torch.tensor(data, dtype=dt)
    assert t.dtype == dt
    want = np.array(data).astype(NP.get(dt, np.float32))
    np.testing.assert_array_equal(values(t), want)
    assert torch.tensor([1.9, -1.9], dtype=torch.int64).tolist() == [1, -1]


def test_tensor_keyword_arguments():
    t = torch.tensor([1.0], device="cpu", requires_grad=False)
    assert t.device == torch.device("cpu") and t.requires_grad is False
    t = torch.tensor([1.0], device=torch.device("cpu"), dtype=torch.float64)
    assert t.dtype == torch.float64
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad is True and t.is_leaf


@pytest.mark.parametrize("data,msg", [
    ([[1, 2, 3], [4, 5]], r"expected sequence of length 3 at dim 1 \(got 2\)"),
    ([[1, 2], [3, 4, 5]], r"expected sequence of length 2 at dim 1 \(got 3\)"),
    ([[[1, 2], [3, 4]], [[5, 6], [7]]], r"expected sequence of length 2 at dim 2 \(got 1\)"),
    ([[1], []], r"expected sequence of length 1 at dim 1 \(got 0\)"),
    ([[], [1]], r"expected sequence of length 0 at dim 1 \(got 1\)"),
], ids=str)
def test_ragged_lists_are_value_errors(data, msg):
    with pytest.raises(ValueError, match=msg):
        torch.tensor(data)


def test_bad_data():
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        torch.tensor("abc")
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        torch.tensor([1, "a"])
    with pytest.raises(TypeError):
        torch.tensor([[1], 2])  # a number where a sequence was expected
    with pytest.raises(TypeError):
        torch.tensor([1, [2]])  # a sequence where a number was expected
    with pytest.raises(RuntimeError, match="Could not infer dtype of NoneType"):
        torch.tensor(None)
    with pytest.raises(RuntimeError, match="Could not infer dtype of object"):
        torch.tensor([object()])
    with pytest.raises(RuntimeError, match="Overflow"):
        torch.tensor([2**70])
    lst = []
    lst.append(lst)
    with pytest.raises((TypeError, ValueError)):
        torch.tensor(lst)  # self-referential: an error, not a crash
    deep = 1
    for _ in range(80):
        deep = [deep]
    with pytest.raises(ValueError, match="too many dimensions"):
        torch.tensor(deep)


# ----------------------------------------------------------------------------------------------
# size factories
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,fill", [("zeros", 0), ("ones", 1), ("empty", None)])
def test_size_factories(name, fill):
    f = getattr(torch, name)
    for args, shape in [((2, 3), (2, 3)), (((2, 3),), (2, 3)), (([4],), (4,)), ((), ()),
                        (((),), ()), ((0,), (0,)), ((2, 0, 3), (2, 0, 3)),
                        ((torch.Size([3, 1]),), (3, 1))]:
        t = f(*args)
        assert t.shape == shape and t.dtype == torch.float32
        if fill is not None:
            np.testing.assert_array_equal(values(t), np.full(shape, fill, np.float32))
    for dt in (torch.int32, torch.bool, torch.float64, torch.bfloat16, torch.uint8):
        t = f(2, 2, dtype=dt)
        assert t.dtype == dt
        if fill is not None:
            assert values(t).tolist() == np.full((2, 2), fill).astype(NP.get(dt, np.float32)).tolist()
    assert f(3, device="cpu").shape == (3,)


def test_full():
    t = torch.full((2, 3), 7)
    assert t.dtype == torch.int64 and t.tolist() == [[7] * 3] * 2
    assert torch.full((2,), 2.5).dtype == torch.float32
    assert torch.full((2,), True).dtype == torch.bool
    assert torch.full([2, 2], 3, dtype=torch.float64).tolist() == [[3.0, 3.0]] * 2
    assert torch.full((3,), float("nan")).isnan().all()
    assert torch.full((), 4.0).shape == ()
    assert torch.full((2,), -1, dtype=torch.uint8).tolist() == [255, 255]
    assert torch.full((0, 2), 1.0).shape == (0, 2)


def test_like_factories():
    src = torch.ones(2, 3, dtype=torch.int32).t()  # non-contiguous source
    for f, fill in [(torch.zeros_like, 0), (torch.ones_like, 1), (torch.empty_like, None)]:
        t = f(src)
        assert t.shape == (3, 2) and t.dtype == torch.int32
        if fill is not None:
            assert t.tolist() == [[fill] * 2] * 3
        assert f(src, dtype=torch.float64).dtype == torch.float64
    t = torch.full_like(src, 5)
    assert t.dtype == torch.int32 and t.tolist() == [[5, 5]] * 3
    assert torch.full_like(torch.zeros(2), 2.5).tolist() == [2.5, 2.5]
    assert torch.full_like(src, 2.5, dtype=torch.float32).tolist() == [[2.5, 2.5]] * 3
    assert torch.zeros_like(torch.tensor(3.0)).shape == ()


def test_new_factories():
    base = torch.zeros(2, dtype=torch.float64)
    assert base.new_zeros(3).dtype == torch.float64
    assert base.new_ones((2, 2)).tolist() == [[1.0, 1.0]] * 2
    assert base.new_full((2,), 3).tolist() == [3.0, 3.0]
    assert base.new_tensor([1, 2]).dtype == torch.float64
    assert base.new_empty(4).shape == (4,)


def test_factory_errors():
    with pytest.raises(RuntimeError, match=r"negative dimension -1"):
        torch.zeros(2, -1)
    with pytest.raises(RuntimeError, match=r"negative dimension -3"):
        torch.ones((-3,))
    with pytest.raises(TypeError):
        torch.zeros(2.5)
    with pytest.raises(TypeError):
        torch.zeros("a")
    with pytest.raises(TypeError):
        torch.full((2,), "a")
    with pytest.raises(RuntimeError):
        torch.zeros(2**62, 2**62)  # size overflows: an error, not a crash
    with pytest.raises(RuntimeError):
        torch.zeros(2**61)  # 16 EiB: the allocator refuses
    with pytest.raises(RuntimeError):
        torch.empty(2**40, 2**30, dtype=torch.int8)
    with pytest.raises(RuntimeError):
        torch.eye(2**40)


# ----------------------------------------------------------------------------------------------
# arange / linspace / logspace / eye
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    (5,), (0,), (1, 4), (-5, 5, 3), (10, 0, -3), (0, 10, 7), (-3, -10, -2), (3, 3),
])
def test_arange_int(args):
    t = torch.arange(*args)
    want = np.arange(*args)
    assert t.dtype == torch.int64
    assert t.tolist() == want.tolist()


@pytest.mark.parametrize("args", [
    (0.0, 1.0, 0.1), (1, 2.5, 0.5), (0, 5.0), (-1.0, 1.0, 0.25), (2.0, -1.0, -0.3),
    (0, 1, 1 / 3), (0.5,), (0, 10.1, 1.0), (1e-3, 1e-2, 1e-3),
])
def test_arange_float(args):
    t = torch.arange(*args)
    assert t.dtype == torch.float32
    start, end, step = (0.0, args[0], 1.0) if len(args) == 1 else (
        args[0], args[1], args[2] if len(args) > 2 else 1.0)
    # PyTorch's length rule: ceil((end - start) / step), computed in double
    assert t.shape == (math.ceil((end - start) / step),)
    np.testing.assert_allclose(values(t), np.arange(*args).astype(np.float32), rtol=1e-6,
                               atol=1e-7)


def test_arange_dtypes_and_keywords():
    assert torch.arange(5, dtype=torch.float64).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert torch.arange(0, 6, 2, dtype=torch.int32).tolist() == [0, 2, 4]
    assert torch.arange(start=1, end=4).tolist() == [1, 2, 3]
    assert torch.arange(4, dtype=torch.uint8).dtype == torch.uint8
    assert torch.arange(torch.tensor(3)).tolist() == [0, 1, 2]
    t = torch.arange(0, 1, 0.1, dtype=torch.float64)
    np.testing.assert_allclose(values(t), np.arange(0, 1, 0.1), rtol=0, atol=1e-15)
    h = torch.arange(0, 4, 0.5, dtype=torch.float16)
    assert h.dtype == torch.float16 and h.tolist() == np.arange(0, 4, 0.5).tolist()
    assert torch.arange(1e6, 1e6 + 3).tolist() == [1e6, 1e6 + 1, 1e6 + 2]
    big = torch.arange(100_000)
    assert big[-1].item() == 99_999 and big.sum().item() == 99_999 * 100_000 // 2


def test_arange_errors():
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        torch.arange(0, 10, 0)
    with pytest.raises(RuntimeError, match="upper bound and larger bound inconsistent"):
        torch.arange(0, -1)
    with pytest.raises(RuntimeError, match="upper bound and larger bound inconsistent"):
        torch.arange(0, 10, -1)
    with pytest.raises(RuntimeError, match="unsupported range"):
        torch.arange(0, float("inf"))
    with pytest.raises(RuntimeError, match="unsupported range"):
        torch.arange(float("nan"), 1)
    with pytest.raises(RuntimeError):
        torch.arange(0, 1e30, 1e-10)  # impossible size: an error, not a crash
    with pytest.raises(TypeError):
        torch.arange("a")


@pytest.mark.parametrize("start,end,steps", [
    (0, 1, 5), (-1, 1, 7), (0, 10, 2), (3, -3, 4), (0, 1, 1), (0, 1, 0), (1.5, 2.5, 11),
    (0, 1, 1000),
])
def test_linspace(start, end, steps):
    t = torch.linspace(start, end, steps)
    assert t.dtype == torch.float32 and t.shape == (steps,)
    want = np.linspace(start, end, steps)
    np.testing.assert_allclose(values(t), want.astype(np.float32), rtol=1e-6, atol=1e-6)
    if steps >= 2:
        assert t[0].item() == np.float32(start) and t[-1].item() == np.float32(end)
    t64 = torch.linspace(start, end, steps, dtype=torch.float64)
    np.testing.assert_allclose(values(t64), want, rtol=1e-14, atol=1e-14)


def test_linspace_integer_and_half():
    # PyTorch casts start/end to the integer type, steps in double and truncates.
    assert torch.linspace(0, 10, 5, dtype=torch.int64).tolist() == [0, 2, 5, 7, 10]
    assert torch.linspace(0.7, 10.2, 5, dtype=torch.int64).tolist() == [0, 2, 5, 7, 10]
    assert torch.linspace(10, 0, 4, dtype=torch.int32).tolist() == [10, 6, 3, 0]
    h = torch.linspace(0, 1, 5, dtype=torch.float16)
    assert h.dtype == torch.float16 and h.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    b = torch.linspace(-2, 2, 9, dtype=torch.bfloat16)
    assert b.float().tolist() == np.linspace(-2, 2, 9).tolist()
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        torch.linspace(0, 1, -1)
    with pytest.raises(TypeError):
        torch.linspace(0, 1, 2.5)


@pytest.mark.parametrize("start,end,steps,base", [
    (0, 2, 3, 10.0), (0, 3, 4, 2.0), (-1, 1, 5, 10.0), (1, 1, 1, 3.0), (0, 1, 0, 10.0),
    (0.5, 2.5, 9, 2.718281828),
])
def test_logspace(start, end, steps, base):
    t = torch.logspace(start, end, steps, base=base)
    assert t.dtype == torch.float32 and t.shape == (steps,)
    np.testing.assert_allclose(values(t), np.logspace(start, end, steps, base=base),
                               rtol=2e-6)
    t64 = torch.logspace(start, end, steps, base=base, dtype=torch.float64)
    np.testing.assert_allclose(values(t64), np.logspace(start, end, steps, base=base),
                               rtol=1e-13)
    assert torch.logspace(0, 3, 4, base=2, dtype=torch.int64).tolist() == [1, 2, 4, 8]


@pytest.mark.parametrize("n,m", [(3, None), (2, 4), (4, 2), (0, None), (1, 1), (3, 0)])
def test_eye(n, m):
    t = torch.eye(n) if m is None else torch.eye(n, m)
    want = np.eye(n, m)
    assert t.dtype == torch.float32 and tuple(t.shape) == want.shape
    np.testing.assert_array_equal(values(t), want)
    assert torch.eye(n, m, dtype=torch.bool).tolist() == want.astype(bool).tolist()
    assert torch.eye(n, m, dtype=torch.int64).tolist() == want.astype(int).tolist()


def test_eye_errors():
    with pytest.raises(RuntimeError, match="must be greater or equal to 0"):
        torch.eye(-1)
    with pytest.raises(RuntimeError, match="must be greater or equal to 0"):
        torch.eye(2, -3)


# ----------------------------------------------------------------------------------------------
# clone / as_tensor / from_numpy
# ----------------------------------------------------------------------------------------------

def test_clone():
    t = torch.arange(6.0).view(2, 3)
    c = t.clone()
    assert c.tolist() == t.tolist() and c.dtype == t.dtype
    assert c.data_ptr() != t.data_ptr()
    c[0, 0] = 100
    assert t[0, 0].item() == 0
    v = t.t()  # non-contiguous source
    cv = torch.clone(v)
    assert cv.tolist() == v.tolist() and cv.shape == (3, 2)
    for dt in (torch.bfloat16, torch.bool, torch.int8):
        x = torch.ones(3, dtype=dt)
        assert x.clone().dtype == dt


def test_as_tensor():
    a = np.arange(4.0)
    t = torch.as_tensor(a)
    assert t.dtype == torch.float64
    a[0] = 7  # shares memory with the array
    assert t[0].item() == 7
    t2 = torch.as_tensor(a, dtype=torch.float32)  # a conversion copies
    a[1] = 9
    assert t2.dtype == torch.float32 and t2[1].item() == 1
    src = torch.tensor([1, 2])
    assert torch.as_tensor(src) is src
    assert torch.as_tensor(src, dtype=torch.float32).dtype == torch.float32
    assert torch.as_tensor([1, 2]).dtype == torch.int64
    assert torch.as_tensor([1.0], dtype=torch.float64).dtype == torch.float64
    assert torch.as_tensor(3.5).shape == ()


def test_from_numpy_dtypes_and_errors():
    for np_dt, dt in [(np.float64, torch.float64), (np.float32, torch.float32),
                      (np.float16, torch.float16), (np.int64, torch.int64),
                      (np.int32, torch.int32), (np.int16, torch.int16), (np.int8, torch.int8),
                      (np.uint8, torch.uint8), (np.bool_, torch.bool)]:
        a = np.zeros((2, 3), np_dt)
        t = torch.from_numpy(a)
        assert t.dtype == dt and t.shape == (2, 3)
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        torch.from_numpy(np.zeros(2, np.uint16))
    with pytest.raises(TypeError, match="can't convert np.ndarray of type"):
        torch.from_numpy(np.zeros(2, np.float128 if hasattr(np, "float128") else np.uint32))
    with pytest.raises(TypeError, match="expected np.ndarray"):
        torch.from_numpy([1, 2])
    with pytest.raises(ValueError, match="negative"):
        torch.from_numpy(np.arange(3)[::-1])
    assert torch.from_numpy(np.zeros((2, 0))).shape == (2, 0)
    assert torch.from_numpy(np.array(2.5)).item() == 2.5


# ----------------------------------------------------------------------------------------------
# legacy constructors
# ----------------------------------------------------------------------------------------------

def test_tensor_class_constructor():
    t = torch.Tensor(4, 6)
    assert t.shape == (4, 6) and t.dtype == torch.float32
    t = torch.Tensor([3.2, 4.3])
    assert t.dtype == torch.float32
    np.testing.assert_allclose(values(t), np.array([3.2, 4.3], np.float32))
    t = torch.Tensor([1, 2])  # data form always has the default float dtype
    assert t.dtype == torch.float32 and t.tolist() == [1.0, 2.0]
    t = torch.Tensor(np.array([[1, 2], [3, 4]]))
    assert t.dtype == torch.float32 and t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert torch.Tensor().shape == (0,)
    assert torch.Tensor(torch.Size([2, 3])).shape == (2, 3)
    assert torch.Tensor(0).shape == (0,)
    assert isinstance(torch.Tensor(2), torch.Tensor)
    with pytest.raises(RuntimeError, match="negative dimension"):
        torch.Tensor(-1)
    with pytest.raises(TypeError):
        torch.Tensor(2, "a")


@pytest.mark.parametrize("cls,dt", [
    (torch.FloatTensor, torch.float32), (torch.DoubleTensor, torch.float64),
    (torch.HalfTensor, torch.float16), (torch.LongTensor, torch.int64),
    (torch.IntTensor, torch.int32), (torch.ShortTensor, torch.int16),
    (torch.CharTensor, torch.int8), (torch.ByteTensor, torch.uint8),
    (torch.BoolTensor, torch.bool),
])
def test_legacy_typed_constructors(cls, dt):
    t = cls(2, 3)
    assert t.dtype == dt and t.shape == (2, 3)
    assert cls(torch.Size([4])).shape == (4,)
    assert cls().shape == (0,)
    t = cls([0, 1, 2])
    assert t.dtype == dt
    assert t.tolist() == np.array([0, 1, 2]).astype(NP[dt]).tolist()
    t = cls([[1, 0], [0, 1]])
    assert t.shape == (2, 2)
    assert isinstance(t, cls)
    assert cls(np.array([1, 0])).dtype == dt


def test_legacy_value_conversion():
    assert torch.LongTensor([1.7, -2.7]).tolist() == [1, -2]
    assert torch.ByteTensor([255, 1]).tolist() == [255, 1]
    assert torch.BoolTensor([0, 2]).tolist() == [False, True]
    assert torch.IntTensor([[1, 2]]).tolist() == [[1, 2]]
    with pytest.raises(TypeError):
        torch.FloatTensor(2, 3.5)
    with pytest.raises(RuntimeError, match="negative dimension"):
        torch.LongTensor(-2)
