"""dtypes: the dtype objects and aliases, conversions, legacy type names, the default dtype,
and PyTorch's type promotion (written from PyTorch's documented rules and its
``promoteTypesLookup`` table in c10/core/ScalarType.cpp, not from rtensor's output)."""

import itertools

import numpy as np
import pytest
import rtensor as torch

ALL = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
       torch.float16, torch.bfloat16, torch.float32, torch.float64]
NAMES = {torch.bool: "bool", torch.uint8: "uint8", torch.int8: "int8", torch.int16: "int16",
         torch.int32: "int32", torch.int64: "int64", torch.float16: "float16",
         torch.bfloat16: "bfloat16", torch.float32: "float32", torch.float64: "float64"}
ITEMSIZE = {torch.bool: 1, torch.uint8: 1, torch.int8: 1, torch.int16: 2, torch.int32: 4,
            torch.int64: 8, torch.float16: 2, torch.bfloat16: 2, torch.float32: 4,
            torch.float64: 8}
FLOATING = {torch.float16, torch.bfloat16, torch.float32, torch.float64}
NP = {torch.bool: np.bool_, torch.uint8: np.uint8, torch.int8: np.int8, torch.int16: np.int16,
      torch.int32: np.int32, torch.int64: np.int64, torch.float16: np.float16,
      torch.float32: np.float32, torch.float64: np.float64}

# PyTorch's promoteTypesLookup restricted to the dtypes rtensor has (rows and columns in the
# order u1 i1 i2 i4 i8 f2 f4 f8 b1 bf).
_CODES = {"u1": torch.uint8, "i1": torch.int8, "i2": torch.int16, "i4": torch.int32,
          "i8": torch.int64, "f2": torch.float16, "f4": torch.float32, "f8": torch.float64,
          "b1": torch.bool, "bf": torch.bfloat16}
_TABLE = """
      u1 i1 i2 i4 i8 f2 f4 f8 b1 bf
  u1  u1 i2 i2 i4 i8 f2 f4 f8 u1 bf
  i1  i2 i1 i2 i4 i8 f2 f4 f8 i1 bf
  i2  i2 i2 i2 i4 i8 f2 f4 f8 i2 bf
  i4  i4 i4 i4 i4 i8 f2 f4 f8 i4 bf
  i8  i8 i8 i8 i8 i8 f2 f4 f8 i8 bf
  f2  f2 f2 f2 f2 f2 f2 f4 f8 f2 f4
  f4  f4 f4 f4 f4 f4 f4 f4 f8 f4 f4
  f8  f8 f8 f8 f8 f8 f8 f8 f8 f8 f8
  b1  u1 i1 i2 i4 i8 f2 f4 f8 b1 bf
  bf  bf bf bf bf bf f4 f4 f8 bf bf
"""


def _promote_table():
    rows = [line.split() for line in _TABLE.strip().splitlines()]
    cols = rows[0]
    table = {}
    for row in rows[1:]:
        for c, v in zip(cols, row[1:]):
            table[(_CODES[row[0]], _CODES[c])] = _CODES[v]
    return table


PROMOTE = _promote_table()


@pytest.fixture
def default_float64():
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(torch.float32)


# ----------------------------------------------------------------------------------------------
# dtype objects
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", ALL, ids=str)
def test_dtype_attributes(dt):
    assert repr(dt) == f"rtensor.{NAMES[dt]}"
    assert dt.is_floating_point == (dt in FLOATING)
    assert dt.itemsize == ITEMSIZE[dt]
    assert dt.is_signed == (dt not in (torch.bool, torch.uint8))
    assert dt.is_complex is False
    assert getattr(torch, NAMES[dt]) is dt or getattr(torch, NAMES[dt]) == dt
    t = torch.zeros(2, dtype=dt)
    assert t.dtype == dt
    assert t.element_size() == ITEMSIZE[dt]
    assert t.is_floating_point() == (dt in FLOATING)
    assert torch.is_floating_point(t) == (dt in FLOATING)


def test_aliases():
    assert torch.float is torch.float32 or torch.float == torch.float32
    assert torch.double == torch.float64
    assert torch.half == torch.float16
    assert torch.long == torch.int64
    assert torch.int == torch.int32
    assert torch.short == torch.int16
    assert torch.float != torch.double
    assert len({torch.float32, torch.float, torch.float64}) == 2  # hashable, alias-equal
    assert isinstance(torch.float32, torch.dtype)


def test_default_dtypes():
    assert torch.get_default_dtype() == torch.float32
    assert torch.tensor([1.5]).dtype == torch.float32
    assert torch.tensor([1]).dtype == torch.int64
    assert torch.tensor([True]).dtype == torch.bool
    assert torch.tensor([]).dtype == torch.float32
    assert torch.zeros(2).dtype == torch.float32
    assert torch.arange(3).dtype == torch.int64
    assert torch.arange(3.0).dtype == torch.float32


def test_set_default_dtype(default_float64):
    assert torch.get_default_dtype() == torch.float64
    assert torch.tensor([1.5]).dtype == torch.float64
    assert torch.tensor([1]).dtype == torch.int64
    assert torch.zeros(2).dtype == torch.float64
    assert torch.ones(2).dtype == torch.float64
    assert torch.arange(0.0, 1.0, 0.5).dtype == torch.float64
    assert torch.linspace(0, 1, 3).dtype == torch.float64
    assert torch.Tensor(2).dtype == torch.float64
    # Python floats promote to the default dtype; float32 tensors keep theirs
    assert (torch.tensor([1, 2]) + 2.5).dtype == torch.float64
    assert (torch.tensor([1.0], dtype=torch.float32) * 2.5).dtype == torch.float32
    assert (torch.tensor([1, 2]) / 2).dtype == torch.float64


def test_set_default_dtype_rejects_non_float():
    for dt in (torch.int32, torch.int64, torch.bool, torch.uint8):
        with pytest.raises(TypeError, match="floating-point"):
            torch.set_default_dtype(dt)
    assert torch.get_default_dtype() == torch.float32
    torch.set_default_dtype(torch.float16)
    try:
        assert torch.tensor([1.5]).dtype == torch.float16
    finally:
        torch.set_default_dtype(torch.float32)


# ----------------------------------------------------------------------------------------------
# conversions
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src,dst", list(itertools.product(
    [torch.int64, torch.int32, torch.int16, torch.int8, torch.float32, torch.float64], ALL)),
    ids=str)
def test_to_dtype_values(src, dst):
    # values every dtype can hold exactly (uint8 and bool need non-negative / 0-1 ones)
    x = np.array([0, 1, 2, 5, 7, 100, 1, 0])
    t = torch.tensor(x, dtype=src)
    r = t.to(dst)
    assert r.dtype == dst and r.shape == (8,)
    want = x.astype(bool) if dst == torch.bool else x
    assert r.tolist() == want.tolist()


def test_float_to_int_truncates_toward_zero():
    x = np.array([1.9, -1.9, 0.5, -0.5, 126.99, -127.99], np.float64)
    for dt in (torch.int64, torch.int32, torch.int16, torch.int8):
        r = torch.tensor(x, dtype=torch.float64).to(dt)
        assert r.tolist() == np.trunc(x).astype(np.int64).tolist()
    assert torch.tensor([0.0, -0.0, 0.1, float("nan"), -3.0]).bool().tolist() == \
        [False, False, True, True, True]


def test_int_narrowing_wraps_like_numpy():
    x = np.array([300, -1, 128, -129, 65537, 2**40 + 5], np.int64)
    for dt in (torch.int32, torch.int16, torch.int8, torch.uint8):
        r = torch.tensor(x).to(dt)
        assert r.tolist() == x.astype(NP[dt]).tolist()


def test_float16_rounding_matches_numpy():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 100, 200), [65504.0, 65520.0, 1e-8, 6e-5, -0.0]])
    x32 = x.astype(np.float32)
    r = torch.tensor(x32).half()
    assert r.dtype == torch.float16
    with np.errstate(over="ignore"):  # 65520 rounds to inf in both
        want = x32.astype(np.float16)
    np.testing.assert_array_equal(np.asarray(r), want)
    # back to float32 exactly
    np.testing.assert_array_equal(np.asarray(r.float()), want.astype(np.float32))


def test_double_to_half_rounds_through_float32():
    # c10::Half and c10::BFloat16 are built from a float, so a double rounds twice.
    x = 1.0 + 2.0**-11 + 2.0**-40  # just above a float16 halfway point; float32 drops 2**-40
    want = np.float16(np.float32(x))
    assert want == np.float16(1.0)
    assert torch.tensor([x], dtype=torch.float64).half().item() == float(want)
    assert torch.tensor([x], dtype=torch.float16).item() == float(want)


def _bf16(x):
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    return bits.astype(np.uint32).view(np.float32)


def test_bfloat16_rounding_to_nearest_even():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1000, 300), [1.0 + 2**-8, 1.0 + 3 * 2**-8, 3e38, -1e-30]])
    x32 = x.astype(np.float32)
    r = torch.tensor(x32).to(torch.bfloat16)
    assert r.dtype == torch.bfloat16
    np.testing.assert_array_equal(np.asarray(r.float()), _bf16(x32))
    assert torch.tensor([1.0 + 2**-8]).bfloat16().item() == 1.0  # tie -> even
    assert torch.tensor([1.0 + 3 * 2**-8]).bfloat16().item() == 1.0 + 2**-6


@pytest.mark.parametrize("method,dt", [
    ("float", torch.float32), ("double", torch.float64), ("half", torch.float16),
    ("bfloat16", torch.bfloat16), ("long", torch.int64), ("int", torch.int32),
    ("short", torch.int16), ("char", torch.int8), ("byte", torch.uint8), ("bool", torch.bool),
])
def test_conversion_methods(method, dt):
    t = torch.tensor([0.0, 1.0, 2.0, 3.0])
    r = getattr(t, method)()
    assert r.dtype == dt
    assert r.tolist() == ([False, True, True, True] if dt == torch.bool else [0, 1, 2, 3])
    # same dtype: no copy (PyTorch returns self)
    same = r.to(dt)
    assert same is r


def test_to_forms():
    t = torch.tensor([1.5, -2.5])
    assert t.to(torch.float64).dtype == torch.float64
    assert t.to(dtype=torch.int32).tolist() == [1, -2]
    assert t.to("cpu") is t
    assert t.to("cpu", torch.float64).dtype == torch.float64
    assert t.to(torch.device("cpu")) is t
    assert t.to(torch.tensor([1], dtype=torch.int16)).dtype == torch.int16
    c = t.to(torch.float32, copy=True)
    assert c is not t and c.data_ptr() != t.data_ptr()
    # conversion makes a new tensor: writes do not reach the source
    d = t.double()
    d.fill_(0)
    assert t.tolist() == [1.5, -2.5]


def test_type_method():
    assert torch.zeros(2).type() == "rtensor.FloatTensor"
    expected = {torch.float64: "DoubleTensor", torch.float16: "HalfTensor",
                torch.bfloat16: "BFloat16Tensor", torch.int64: "LongTensor",
                torch.int32: "IntTensor", torch.int16: "ShortTensor", torch.int8: "CharTensor",
                torch.uint8: "ByteTensor", torch.bool: "BoolTensor"}
    for dt, name in expected.items():
        assert torch.zeros(1, dtype=dt).type() == "rtensor." + name
    t = torch.tensor([1.7, 2.2])
    assert t.type(torch.float64).dtype == torch.float64
    assert t.type("torch.DoubleTensor").dtype == torch.float64
    assert t.type("rtensor.IntTensor").tolist() == [1, 2]
    assert t.type(torch.LongTensor).dtype == torch.int64
    assert t.type(torch.float32) is t
    with pytest.raises((ValueError, TypeError, RuntimeError)):
        t.type("torch.NoSuchTensor")


def test_legacy_classes_isinstance():
    assert isinstance(torch.zeros(2), torch.FloatTensor)
    assert not isinstance(torch.zeros(2), torch.DoubleTensor)
    assert isinstance(torch.zeros(2, dtype=torch.int64), torch.LongTensor)
    assert isinstance(torch.zeros(2, dtype=torch.bool), torch.BoolTensor)
    assert isinstance(torch.FloatTensor(2), torch.Tensor)


# ----------------------------------------------------------------------------------------------
# promotion
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", list(itertools.product(ALL, ALL)), ids=str)
def test_promote_types_table(a, b):
    want = PROMOTE[(a, b)]
    assert torch.promote_types(a, b) == want
    # the same through an op on 1-d tensors of each dtype
    ta, tb = torch.ones(2, dtype=a), torch.ones(2, dtype=b)
    if not (a == torch.bool and b == torch.bool):
        assert (ta + tb).dtype == want
        assert (ta * tb).dtype == want
    assert torch.result_type(ta, tb) == want
    assert torch.maximum(ta, tb).dtype == want
    assert (ta == tb).dtype == torch.bool


def test_promote_table_is_symmetric():
    for a, b in itertools.product(ALL, ALL):
        assert PROMOTE[(a, b)] == PROMOTE[(b, a)]


# (tensor dtype, tensor is 0-d?, other operand, expected result) from PyTorch's rules: a
# Python number or a 0-d tensor only decides the result when its category (bool < integer <
# floating) is higher than the dimensioned operands'; then Python floats become the default
# dtype and Python ints int64.
SCALAR_CASES = [
    (torch.int64, 2.5, torch.float32),
    (torch.int32, 2.5, torch.float32),
    (torch.uint8, 300, torch.uint8),
    (torch.int8, 1000, torch.int8),
    (torch.int32, 5, torch.int32),
    (torch.int16, True, torch.int16),
    (torch.bool, True, torch.bool),
    (torch.bool, 3, torch.int64),
    (torch.bool, 3.5, torch.float32),
    (torch.float16, 2.5, torch.float16),
    (torch.bfloat16, 2, torch.bfloat16),
    (torch.float16, 10**6, torch.float16),
    (torch.float64, 2, torch.float64),
    (torch.float32, 1e300, torch.float32),
]


@pytest.mark.parametrize("dt,scalar,want", SCALAR_CASES, ids=str)
def test_tensor_with_python_scalar(dt, scalar, want):
    t = torch.ones(3, dtype=dt)
    assert torch.result_type(t, scalar) == want
    assert (t * scalar).dtype == want
    assert (scalar * t).dtype == want
    assert torch.mul(t, scalar).dtype == want


ZERO_DIM_CASES = [
    # (dimensioned dtype, 0-d dtype, expected)
    (torch.int32, torch.float64, torch.float64),  # higher category: 0-d decides
    (torch.float16, torch.float64, torch.float16),  # same category: dim tensor wins
    (torch.int32, torch.int64, torch.int32),
    (torch.uint8, torch.int8, torch.uint8),
    (torch.int8, torch.uint8, torch.int8),
    (torch.bool, torch.int32, torch.int32),
    (torch.bool, torch.float16, torch.float16),
    (torch.int64, torch.bfloat16, torch.bfloat16),
    (torch.float32, torch.int64, torch.float32),
    (torch.uint8, torch.bool, torch.uint8),
]


@pytest.mark.parametrize("dim_dt,zero_dt,want", ZERO_DIM_CASES, ids=str)
def test_tensor_with_zero_dim_tensor(dim_dt, zero_dt, want):
    a = torch.ones(2, 3, dtype=dim_dt)
    z = torch.ones((), dtype=zero_dt)
    assert torch.result_type(a, z) == want
    assert torch.result_type(z, a) == want
    assert (a * z).dtype == want
    assert (z * a).dtype == want
    assert (a * z).shape == (2, 3)


def test_zero_dim_with_zero_dim_and_scalars():
    # Only 0-d tensors: ordinary promotion among them.
    assert (torch.tensor(1, dtype=torch.int32) + torch.tensor(1)).dtype == torch.int64
    assert (torch.tensor(1.0, dtype=torch.float16)
            + torch.tensor(1.0, dtype=torch.bfloat16)).dtype == torch.float32
    # 0-d tensor and Python number: the number only counts with a higher category
    assert (torch.tensor(1, dtype=torch.int8) + 1000).dtype == torch.int8
    assert (torch.tensor(1, dtype=torch.int8) + 2.5).dtype == torch.float32
    assert (torch.tensor(1.0, dtype=torch.float64) + 2.5).dtype == torch.float64
    # dimensioned int, 0-d float16 and a Python float: the 0-d tensor decides the float type
    a = torch.ones(2, dtype=torch.int32)
    z = torch.tensor(1.0, dtype=torch.float16)
    assert (a + z + 2.5).dtype == torch.float16


def test_documented_examples():
    # the examples of https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc
    float_tensor = torch.ones(1, dtype=torch.float)
    double_tensor = torch.ones(1, dtype=torch.double)
    int_tensor = torch.ones(1, dtype=torch.int)
    long_tensor = torch.ones(1, dtype=torch.long)
    uint_tensor = torch.ones(1, dtype=torch.uint8)
    bool_tensor = torch.ones(1, dtype=torch.bool)
    long_zerodim = torch.tensor(1, dtype=torch.long)
    int_zerodim = torch.tensor(1, dtype=torch.int)
    assert torch.add(5, 5).dtype == torch.int64
    assert (int_tensor + 5).dtype == torch.int32
    assert (int_tensor + long_zerodim).dtype == torch.int32
    assert (long_tensor + int_tensor).dtype == torch.int64
    assert (bool_tensor + long_tensor).dtype == torch.int64
    assert (bool_tensor + uint_tensor).dtype == torch.uint8
    assert (float_tensor + double_tensor).dtype == torch.float64
    assert (bool_tensor + int_tensor).dtype == torch.int32
    assert torch.add(long_tensor, float_tensor).dtype == torch.float32
    assert (int_zerodim + long_zerodim).dtype == torch.int64
    # in-place and out= rules: the result must be castable to the target
    int_tensor += 5  # fine: int32 stays int32
    assert int_tensor.dtype == torch.int32
    with pytest.raises(RuntimeError, match="can't be cast"):
        int_tensor.add_(float_tensor)
    float_tensor *= float_tensor
    float_tensor *= int_tensor
    float_tensor *= uint_tensor
    float_tensor *= bool_tensor
    float_tensor *= double_tensor  # double -> float: same category, allowed
    assert float_tensor.dtype == torch.float32
    with pytest.raises(RuntimeError, match="can't be cast"):
        bool_tensor *= int_tensor
    with pytest.raises(RuntimeError, match="can't be cast"):
        uint_tensor *= 2.5


def test_true_division_promotes_integers_to_default_float():
    for dt in (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64):
        t = torch.ones(2, dtype=dt)
        assert (t / t).dtype == torch.float32
        assert (t / 2).dtype == torch.float32
        assert torch.div(t, t).dtype == torch.float32
    assert (torch.ones(2, dtype=torch.float16) / 2).dtype == torch.float16
    assert (torch.ones(2, dtype=torch.int64) // 2).dtype == torch.int64
    assert torch.div(torch.ones(2, dtype=torch.int64), 2, rounding_mode="floor").dtype \
        == torch.int64


def test_comparisons_and_logical_return_bool():
    for dt in ALL:
        t = torch.ones(2, dtype=dt)
        assert (t == t).dtype == torch.bool
        assert (t < 2.5).dtype == torch.bool
        assert torch.logical_and(t, t).dtype == torch.bool
        assert torch.isnan(t).dtype == torch.bool


def test_can_cast():
    assert torch.can_cast(torch.int64, torch.float16)
    assert torch.can_cast(torch.float32, torch.float16)
    assert not torch.can_cast(torch.float32, torch.int64)
    assert not torch.can_cast(torch.int32, torch.bool)
    assert torch.can_cast(torch.bool, torch.uint8)
    assert torch.can_cast(torch.uint8, torch.int8)
