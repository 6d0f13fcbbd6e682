"""Elementwise math with broadcasting, compared with NumPy as the oracle.

Every op is reached as a function (``rtensor.exp``), a method (``t.exp()``), an operator where
one exists, and an in-place form; inputs cover the dtypes, 0-d / empty / large shapes,
non-contiguous views (transposes, stepped slices, expands) and broadcasting. Where PyTorch's
documented behaviour differs from NumPy's (integer division by zero, ``sign(nan)``, integer
``pow`` with negative exponents) the expected values are written from PyTorch's rules and the
difference is named in the test.
"""

import math
import operator

import numpy as np
import pytest
import rtensor as torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

NP = {
    torch.float32: np.float32,
    torch.float64: np.float64,
    torch.float16: np.float16,
    torch.int64: np.int64,
    torch.int32: np.int32,
    torch.int16: np.int16,
    torch.int8: np.int8,
    torch.uint8: np.uint8,
    torch.bool: np.bool_,
}
FLOATS = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
INTS = [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]
# Relative tolerance per float dtype (float32: a few ulp; half types: one rounding step).
RTOL = {torch.float32: 1e-5, torch.float64: 1e-12, torch.float16: 2e-3, torch.bfloat16: 1.6e-2}
ATOL = {torch.float32: 1e-6, torch.float64: 1e-12, torch.float16: 1e-3, torch.bfloat16: 1e-2}

HYP = settings(max_examples=40, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def bf16_round(x):
    """Round float32 values to bfloat16 (nearest, ties to even), returned as float32."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), x, out)


def round_to(x, dtype):
    """NumPy values rounded to what `dtype` can hold (float32 carrier for bfloat16)."""
    if dtype == torch.bfloat16:
        return bf16_round(np.asarray(x, dtype=np.float32))
    return np.asarray(x).astype(NP[dtype])


def make(arr, dtype):
    """rtensor tensor of `dtype` holding `arr` (values already representable)."""
    if dtype == torch.bfloat16:
        return torch.tensor(np.asarray(arr, dtype=np.float32)).to(torch.bfloat16)
    return torch.tensor(np.asarray(arr).astype(NP[dtype]))


def to_np(t):
    """Values of `t` as a NumPy array (bfloat16 read through float32)."""
    if t.dtype == torch.bfloat16:
        t = t.float()
    return np.array(t.tolist(), dtype=NP[t.dtype]).reshape(tuple(t.shape))


def check(actual, expected, dtype=None, rtol=None, atol=None):
    """`actual` (tensor) equals `expected` (NumPy) in shape, dtype and values."""
    assert isinstance(actual, torch.Tensor)
    expected = np.asarray(expected)
    assert tuple(actual.shape) == expected.shape
    if dtype is not None:
        assert actual.dtype == dtype
    got = to_np(actual)
    if actual.dtype.is_floating_point:
        np.testing.assert_allclose(
            got.astype(np.float64), expected.astype(np.float64),
            rtol=RTOL[actual.dtype] if rtol is None else rtol,
            atol=ATOL[actual.dtype] if atol is None else atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, expected)


def rand(shape, lo=-5.0, hi=5.0, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape)


# ----------------------------------------------------------------------------------------------
# unary ops
# ----------------------------------------------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _torch_sign(x):
    # PyTorch computes (0 < x) - (x < 0): sign(nan) is 0 (pytorch/pytorch#41245), unlike NumPy.
    return ((0 < x).astype(x.dtype) - (x < 0).astype(x.dtype)).astype(x.dtype)


# name -> (NumPy oracle computed in float64, input domain (lo, hi))
UNARY_FLOAT = {
    "exp": (np.exp, (-5, 5)),
    "exp2": (np.exp2, (-5, 5)),
    "expm1": (np.expm1, (-2, 2)),
    "log": (np.log, (0.05, 10)),
    "log2": (np.log2, (0.05, 10)),
    "log10": (np.log10, (0.05, 10)),
    "log1p": (np.log1p, (-0.9, 5)),
    "sqrt": (np.sqrt, (0, 10)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.1, 10)),
    "sin": (np.sin, (-4, 4)),
    "cos": (np.cos, (-4, 4)),
    "tan": (np.tan, (-1.4, 1.4)),
    "asin": (np.arcsin, (-0.99, 0.99)),
    "acos": (np.arccos, (-0.99, 0.99)),
    "atan": (np.arctan, (-5, 5)),
    "asinh": (np.arcsinh, (-50, 50)),
    "acosh": (np.arccosh, (1.0, 50)),
    "atanh": (np.arctanh, (-0.99, 0.99)),
    "sinh": (np.sinh, (-3, 3)),
    "cosh": (np.cosh, (-3, 3)),
    "tanh": (np.tanh, (-3, 3)),
    "sigmoid": (_sigmoid, (-8, 8)),
    "relu": (lambda x: np.maximum(x, 0), (-5, 5)),
    "neg": (np.negative, (-5, 5)),
    "abs": (np.abs, (-5, 5)),
    "sign": (_torch_sign, (-5, 5)),
    "floor": (np.floor, (-5, 5)),
    "ceil": (np.ceil, (-5, 5)),
    "round": (np.round, (-5, 5)),
    "trunc": (np.trunc, (-5, 5)),
    "frac": (lambda x: x - np.trunc(x), (-5, 5)),
    "reciprocal": (lambda x: 1 / x, (0.2, 5)),
    "square": (np.square, (-5, 5)),
}
# Ops on integer tensors that keep the integer dtype (PyTorch), with their exact oracle.
UNARY_INT_KEEP = {
    "neg": np.negative,
    "abs": np.abs,
    "sign": np.sign,
    "relu": lambda x: np.maximum(x, 0),
    "floor": lambda x: x,
    "ceil": lambda x: x,
    "round": lambda x: x,
    "trunc": lambda x: x,
    "square": np.square,
}


def _expected_unary(name, x, dtype):
    """Oracle in float64 on the (already rounded) inputs, rounded to the output dtype."""
    fn = UNARY_FLOAT[name][0]
    with np.errstate(all="ignore"):
        if dtype in (torch.float16, torch.bfloat16):
            # PyTorch computes half types in float32 and rounds the result once.
            r = fn(x.astype(np.float32)).astype(np.float32)
        else:
            r = fn(x.astype(np.float64))
    return round_to(r, dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY_FLOAT))
def test_unary_float(name, dtype):
    lo, hi = UNARY_FLOAT[name][1]
    x = round_to(rand((4, 7), lo, hi, seed=len(name)), dtype)
    if name in ("round", "floor", "ceil", "trunc", "frac"):
        x = np.concatenate([x.ravel(), round_to([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], dtype)])
    t = make(x, dtype)
    want = _expected_unary(name, x, dtype)
    check(getattr(torch, name)(t), want, dtype)
    check(getattr(t, name)(), want, dtype)
    # in-place form: same object, same storage, new values
    c = t.clone()
    ptr = c.data_ptr()
    r = getattr(c, name + "_")()
    assert r is c and c.data_ptr() == ptr
    check(c, want, dtype)
    check(t, x.astype(np.float32) if dtype == torch.bfloat16 else x, dtype)  # input untouched


@pytest.mark.parametrize("dtype", INTS, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY_INT_KEEP))
def test_unary_int_keeps_dtype(name, dtype):
    lo = 0 if dtype == torch.uint8 else -9
    x = np.arange(lo, 10).astype(NP[dtype])
    t = torch.tensor(x)
    check(getattr(torch, name)(t), UNARY_INT_KEEP[name](x).astype(NP[dtype]), dtype)
    c = t.clone()
    getattr(c, name + "_")()
    check(c, UNARY_INT_KEEP[name](x).astype(NP[dtype]), dtype)


@pytest.mark.parametrize("dtype", INTS + [torch.bool], ids=str)
@pytest.mark.parametrize("name", ["exp", "sqrt", "sin", "log1p", "sigmoid", "reciprocal",
                                  "rsqrt", "tanh", "exp2"])
def test_unary_int_to_default_float(name, dtype):
    x = np.arange(0, 2 if dtype == torch.bool else 10).astype(NP[dtype])
    t = torch.tensor(x)
    fn = UNARY_FLOAT[name][0]
    with np.errstate(all="ignore"):
        want = fn(x.astype(np.float64)).astype(np.float32)
    check(torch.__dict__[name](t), want, torch.float32)
    # the result (float) cannot be written back into an integer tensor
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        getattr(t.clone(), name + "_")()


def test_unary_int_to_float_follows_default_dtype():
    torch.set_default_dtype(torch.float64)
    try:
        check(torch.exp(torch.tensor([1, 2])), np.exp([1.0, 2.0]), torch.float64)
        check(torch.tensor([1, 2]) / 2, np.array([0.5, 1.0]), torch.float64)
    finally:
        torch.set_default_dtype(torch.float32)


def test_sign_nan_and_signed_zero():
    t = torch.tensor([float("nan"), -0.0, 0.0, -3.0, 2.0, float("inf"), -float("inf")])
    # PyTorch: sign(nan) == 0 (not nan as in NumPy).
    check(torch.sign(t), np.array([0.0, 0.0, 0.0, -1.0, 1.0, 1.0, -1.0], np.float32))
    assert math.copysign(1.0, torch.sign(t)[1].item()) == 1.0


def test_special_values():
    inf, nan = float("inf"), float("nan")
    x = np.array([inf, -inf, nan, 0.0, -0.0, 1e-30, -1e30], np.float32)
    t = torch.tensor(x)
    with np.errstate(all="ignore"):
        for name in ["exp", "log", "sqrt", "tanh", "sigmoid", "floor", "ceil", "round", "trunc",
                     "abs", "neg", "reciprocal", "atan", "expm1", "log1p", "relu", "frac"]:
            check(getattr(torch, name)(t),
                  UNARY_FLOAT[name][0](x.astype(np.float64)).astype(np.float32),
                  rtol=1e-5, atol=0)
    check(torch.isnan(t), np.isnan(x), torch.bool)
    check(torch.isinf(t), np.isinf(x), torch.bool)
    check(torch.isfinite(t), np.isfinite(x), torch.bool)
    # large-magnitude inputs: no overflow in sigmoid's intermediate terms
    check(torch.sigmoid(torch.tensor([-100.0, 100.0])), np.array([0.0, 1.0], np.float32))


def test_round_half_to_even_and_decimals():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.4999, 1e7 + 0.5], np.float64)
    check(torch.round(torch.tensor(x, dtype=torch.float64)), np.round(x), torch.float64)
    # PyTorch scales in the tensor's own precision: nearbyint(x * 100) / 100 in float32
    # (so float32 10.005 becomes 10.0), and divides first for negative decimals.
    y = np.array([1.2345, -2.5551, 10.005, 0.125], np.float32)
    h = np.float32(100)
    check(torch.round(torch.tensor(y), decimals=2), np.round(y * h) / h, torch.float32,
          rtol=0, atol=0)
    z = np.array([1234.5, -2551.0, 15.0, 25.0], np.float32)
    check(torch.round(torch.tensor(z), decimals=-1), np.round(z / np.float32(10)) * 10,
          torch.float32, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.uint8, torch.bool], ids=str)
def test_predicates_and_logical_not(dtype):
    x = np.array([0, 1, 2, 0, 5]).astype(NP[dtype])
    t = torch.tensor(x)
    check(torch.isnan(t), np.zeros(5, bool), torch.bool)
    check(torch.isinf(t), np.zeros(5, bool), torch.bool)
    check(torch.isfinite(t), np.ones(5, bool), torch.bool)
    check(torch.logical_not(t), np.logical_not(x), torch.bool)
    check(t.logical_not(), np.logical_not(x), torch.bool)


@pytest.mark.parametrize("dtype", INTS + [torch.bool], ids=str)
def test_bitwise_not(dtype):
    x = (np.array([0, 1, 1, 0]) if dtype == torch.bool else np.arange(0, 8)).astype(NP[dtype])
    t = torch.tensor(x)
    check(~t, np.invert(x), dtype)
    check(torch.bitwise_not(t), np.invert(x), dtype)
    with pytest.raises(RuntimeError, match="bitwise_not"):
        ~torch.tensor([1.0])


def test_bool_negation_is_an_error():
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -torch.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool"):
        torch.tensor([True]) - torch.tensor([False])


def test_absolute_aliases():
    x = np.array([-1.5, 0.5], np.float32)
    t = torch.tensor(x)
    check(abs(t), np.abs(x))
    check(torch.absolute(t), np.abs(x))
    check(-t, -x)
    check(+t, x)
    check(torch.negative(t), -x)
    check(torch.arcsin(t / 2), np.arcsin(x / 2))
    check(torch.fix(t), np.trunc(x))


# ----------------------------------------------------------------------------------------------
# binary ops
# ----------------------------------------------------------------------------------------------

def _floor_div(a, b):
    return np.floor_divide(a, b)


BINARY_FLOAT = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.true_divide,
    "remainder": np.remainder,
    "fmod": np.fmod,
    "pow": np.power,
    "atan2": np.arctan2,
    "minimum": np.minimum,
    "maximum": np.maximum,
    "floor_divide": _floor_div,
}
COMPARE = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
           "gt": np.greater, "ge": np.greater_equal}
LOGICAL = {"logical_and": np.logical_and, "logical_or": np.logical_or,
           "logical_xor": np.logical_xor}
BITWISE = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
           "bitwise_xor": np.bitwise_xor}


def _float_pair(dtype, shape=(3, 5), seed=1):
    a = round_to(rand(shape, -4, 4, seed), dtype)
    b = round_to(rand(shape, 0.5, 3, seed + 1) * np.where(rand(shape, seed=seed + 2) > 0, 1, -1),
                 dtype)
    return a, b


def _expected_binary(fn, a, b, dtype):
    with np.errstate(all="ignore"):
        if dtype in (torch.float16, torch.bfloat16):
            r = fn(a.astype(np.float32), b.astype(np.float32)).astype(np.float32)
        else:
            r = fn(a.astype(np.float64), b.astype(np.float64))
    return round_to(r, dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("name", sorted(BINARY_FLOAT))
def test_binary_float(name, dtype):
    a, b = _float_pair(dtype)
    if name == "pow":
        a = np.abs(a)  # real results only
    want = _expected_binary(BINARY_FLOAT[name], a, b, dtype)
    ta, tb = make(a, dtype), make(b, dtype)
    check(getattr(torch, name)(ta, tb), want, dtype)
    check(getattr(ta, name)(tb), want, dtype)
    c = ta.clone()
    assert getattr(c, name + "_")(tb) is c if hasattr(c, name + "_") else True
    if hasattr(c, name + "_"):
        check(c, want, dtype)


@pytest.mark.parametrize("dtype", INTS, ids=str)
@pytest.mark.parametrize("name", ["add", "sub", "mul", "remainder", "fmod", "minimum",
                                  "maximum", "floor_divide", "bitwise_and", "bitwise_or",
                                  "bitwise_xor"])
def test_binary_int(name, dtype):
    rng = np.random.default_rng(3)
    lo = 0 if dtype == torch.uint8 else -20
    a = rng.integers(lo, 20, size=(4, 6)).astype(NP[dtype])
    b = rng.integers(1, 7, size=(4, 6)).astype(NP[dtype])
    if dtype != torch.uint8:
        b = b * np.where(rng.integers(0, 2, size=b.shape) > 0, 1, -1).astype(NP[dtype])
    fn = {**BINARY_FLOAT, **BITWISE}[name]
    with np.errstate(all="ignore"):
        want = fn(a, b).astype(NP[dtype])  # NumPy wraps on overflow like PyTorch
    ta, tb = torch.tensor(a), torch.tensor(b)
    check(getattr(torch, name)(ta, tb), want, dtype)
    c = ta.clone()
    getattr(c, name + "_")(tb)
    check(c, want, dtype)


@pytest.mark.parametrize("dtype", INTS, ids=str)
def test_integer_overflow_wraps(dtype):
    info = np.iinfo(NP[dtype])
    a = np.array([info.max, info.min, info.max], NP[dtype])
    b = np.array([1, 1, 2], NP[dtype])
    ta, tb = torch.tensor(a), torch.tensor(b)
    with np.errstate(all="ignore"):
        check(ta + tb, a + b, dtype)
        check(ta - tb, a - b, dtype)
        check(ta * tb, a * b, dtype)


def test_true_division_of_integers_is_float():
    a = np.array([7, -7, 0, 3])
    b = np.array([2, 2, 5, -4])
    check(torch.tensor(a) / torch.tensor(b), (a / b).astype(np.float32), torch.float32)
    check(torch.tensor(a, dtype=torch.uint8 if False else torch.int32) / 2, a / 2, torch.float32)
    check(torch.true_divide(torch.tensor(a), torch.tensor(b)), a / b, torch.float32)
    check(torch.divide(torch.tensor(a), 4), a / 4, torch.float32)
    check(torch.tensor([True, False]) / torch.tensor([True, True]), [1.0, 0.0], torch.float32)
    # division by zero of integers gives inf / nan (float division)
    check(torch.tensor([1, -1, 0]) / 0, np.array([np.inf, -np.inf, np.nan], np.float32))


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.float32, torch.float64],
                         ids=str)
def test_div_rounding_modes(dtype):
    a = np.array([7, -7, 7, -7, 0, 9, -9, 5])
    b = np.array([2, 2, -2, -2, 3, 4, 4, -1])
    ta, tb = torch.tensor(a, dtype=dtype), torch.tensor(b, dtype=dtype)
    trunc = np.trunc(a / b)
    floor = np.floor(a / b)
    out_dtype = dtype
    check(torch.div(ta, tb, rounding_mode="trunc"), trunc, out_dtype)
    check(torch.div(ta, tb, rounding_mode="floor"), floor, out_dtype)
    check(ta.div(tb, rounding_mode=None), a / b, dtype if dtype.is_floating_point
          else torch.float32)
    check(ta // tb, floor, out_dtype)
    check(torch.floor_divide(ta, tb), floor, out_dtype)
    c = ta.clone()
    c.div_(tb, rounding_mode="floor")
    check(c, floor, out_dtype)
    with pytest.raises(ValueError, match="rounding_mode"):
        ta.div(tb, rounding_mode="round")


def test_float_floor_divide_and_remainder_match_python():
    a = np.array([5.5, -5.5, 5.5, -5.5, 1e-3, -0.0, 7.0], np.float64)
    b = np.array([2.0, 2.0, -2.0, -2.0, 7.0, 3.0, 0.5], np.float64)
    ta, tb = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    check(ta // tb, np.array([x // y for x, y in zip(a, b)]), torch.float64)
    check(ta % tb, np.array([x % y for x, y in zip(a, b)]), torch.float64)
    check(torch.fmod(ta, tb), np.array([math.fmod(x, y) for x, y in zip(a, b)]), torch.float64)
    # float division by zero: inf / nan as IEEE says
    with np.errstate(all="ignore"):
        check(torch.tensor([1.0, -1.0, 0.0]) // 0.0, np.array([1.0, -1.0, 0.0]) / 0.0)
        check(torch.remainder(torch.tensor([1.0]), 0.0), np.array([np.nan]))


def test_integer_division_by_zero_raises():
    # PyTorch raises for integer division by zero (NumPy returns 0 and warns).
    t = torch.tensor([1, 2, 3])
    for f in (lambda: t // 0, lambda: t % 0, lambda: torch.fmod(t, 0),
              lambda: t.div(torch.tensor([1, 0, 1]), rounding_mode="trunc")):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            f()


def test_pow_forms_and_dtypes():
    a = np.array([1, 2, 3, 4])
    t = torch.tensor(a)
    check(t ** 2, a ** 2, torch.int64)
    check(2 ** t, 2 ** a, torch.int64)
    check(torch.pow(2, t), 2 ** a, torch.int64)
    check(2.0 ** t, 2.0 ** a, torch.float32)
    check(t ** 0.5, np.sqrt(a), torch.float32)
    check(t.float() ** t, a.astype(np.float64) ** a, torch.float32)
    check(torch.pow(t.double(), -1), 1 / a, torch.float64)
    check(torch.tensor([2], dtype=torch.uint8) ** 9, np.array([0]), torch.uint8)  # wraps
    # integer tensor exponents: PyTorch defines negative powers (1 and -1 stay, the rest 0)
    base = torch.tensor([1, -1, -1, 2, 0])
    check(base ** torch.tensor([-1, -1, -2, -1, 0]), np.array([1, -1, 1, 0, 1]), torch.int64)
    # a negative Python int exponent on an integer tensor is an error in PyTorch
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        t ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        torch.pow(t, -2)
    c = t.clone()
    c.pow_(2)
    check(c, a ** 2)
    x = torch.tensor([1.0, 2.0])
    x **= 3
    check(x, [1.0, 8.0])
    check(torch.tensor([-8.0]) ** (1 / 3), np.array([np.nan]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.int8, torch.uint8,
                                   torch.bool], ids=str)
@pytest.mark.parametrize("name", sorted(COMPARE))
def test_comparisons(name, dtype):
    rng = np.random.default_rng(5)
    a = rng.integers(0, 4, size=(3, 4)).astype(NP[dtype])
    b = rng.integers(0, 4, size=(3, 4)).astype(NP[dtype])
    ta, tb = torch.tensor(a), torch.tensor(b)
    want = COMPARE[name](a, b)
    check(getattr(torch, name)(ta, tb), want, torch.bool)
    check(getattr(ta, name)(tb), want, torch.bool)
    op = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
          "gt": operator.gt, "ge": operator.ge}[name]
    check(op(ta, tb), want, torch.bool)
    # against a Python number (a bool tensor promotes to int64 against an int)
    check(op(ta, 2), COMPARE[name](a.astype(np.int64), 2), torch.bool)
    check(op(2, ta), COMPARE[name](2, a.astype(np.int64)), torch.bool)


def test_comparison_aliases_and_mixed_dtypes():
    a = torch.tensor([1, 2, 3])
    f = torch.tensor([1.5, 2.0, 2.5])
    check(a < f, np.array([True, False, False]))
    check(torch.greater(a, f), np.array([False, False, True]))
    check(torch.greater_equal(a, f), np.array([False, True, True]))
    check(torch.less(a, 2.5), np.array([True, True, False]))
    check(torch.less_equal(a, 2), np.array([True, True, False]))
    check(torch.not_equal(a, 2), np.array([True, False, True]))
    check(2 < a, np.array([False, False, True]))  # reflected
    check(2.5 >= a, np.array([True, True, False]))
    nan = torch.tensor([float("nan")])
    check(nan == nan, np.array([False]))
    check(nan != nan, np.array([True]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bool], ids=str)
@pytest.mark.parametrize("name", sorted(LOGICAL))
def test_logical(name, dtype):
    a = np.array([0, 1, 2, 0, 3]).astype(NP[dtype])
    b = np.array([0, 0, 5, 1, 1]).astype(NP[dtype])
    want = LOGICAL[name](a, b)
    check(getattr(torch, name)(torch.tensor(a), torch.tensor(b)), want, torch.bool)
    check(getattr(torch.tensor(a), name)(torch.tensor(b)), want, torch.bool)


@pytest.mark.parametrize("dtype", INTS + [torch.bool], ids=str)
def test_bitwise_operators(dtype):
    rng = np.random.default_rng(9)
    hi = 2 if dtype == torch.bool else 100
    a = rng.integers(0, hi, size=7).astype(NP[dtype])
    b = rng.integers(0, hi, size=7).astype(NP[dtype])
    ta, tb = torch.tensor(a), torch.tensor(b)
    check(ta & tb, a & b, dtype)
    check(ta | tb, a | b, dtype)
    check(ta ^ tb, a ^ b, dtype)
    for fn, npfn in [(torch.bitwise_and, np.bitwise_and), (torch.bitwise_or, np.bitwise_or),
                     (torch.bitwise_xor, np.bitwise_xor)]:
        check(fn(ta, tb), npfn(a, b), dtype)
    c = ta.clone()
    c &= tb
    c |= tb
    c ^= ta
    check(c, ((a & b) | b) ^ a, dtype)
    with pytest.raises(RuntimeError, match="bitwise_and"):
        torch.tensor([1.0]) & torch.tensor([1.0])


def test_add_sub_alpha():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    b = np.array([0.5, -1.0, 4.0], np.float32)
    ta, tb = torch.tensor(a), torch.tensor(b)
    check(torch.add(ta, tb, alpha=2), a + 2 * b)
    check(torch.sub(ta, tb, alpha=0.5), a - 0.5 * b)
    check(ta.add(3, alpha=2), a + 6)
    check(ta.sub(tb, alpha=-1), a + b)
    check(torch.subtract(ta, tb), a - b)
    check(torch.tensor([1, 2]).add(torch.tensor([3, 4]), alpha=3), np.array([10, 14]),
          torch.int64)
    c = ta.clone()
    c.add_(tb, alpha=3)
    check(c, a + 3 * b)
    c.sub_(tb, alpha=3)
    check(c, a, rtol=1e-6)
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        torch.tensor([1, 2]).add(torch.tensor([1, 1]), alpha=0.5)
    with pytest.raises(TypeError):
        ta.add(tb, alpha="2")


def test_clamp_and_clip():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, np.nan], np.float32)
    t = torch.tensor(x)
    check(torch.clamp(t, -1, 1), np.clip(x, -1, 1))
    check(t.clamp(min=0), np.maximum(x, 0))
    check(t.clamp(max=0), np.minimum(x, 0))
    check(torch.clip(t, -0.5, 0.5), np.clip(x, -0.5, 0.5))
    check(t.clip(0.1, 0.2), np.clip(x, 0.1, 0.2))
    check(torch.clamp(t, 1.0, -1.0), np.minimum(np.maximum(x, 1.0), -1.0))  # min > max -> max
    lo = np.array([0.0, -2.0, 1.0, 0.0, 0.0, 0.0], np.float32)
    check(torch.clamp(t, min=torch.tensor(lo)), np.maximum(x, lo))
    i = torch.tensor([-5, 0, 5])
    check(torch.clamp(i, -2, 2), np.array([-2, 0, 2]), torch.int64)
    check(torch.clamp(i, 1.5), np.array([1.5, 1.5, 5.0]), torch.float32)  # float bound promotes
    c = t.clone()
    assert c.clamp_(-1, 1) is c
    check(c, np.clip(x, -1, 1))
    c = t.clone()
    c.clip_(0, 1)
    check(c, np.clip(x, 0, 1))
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        torch.clamp(t)
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.tensor([1, 2]).clamp_(0.5, 1.5)


def test_minimum_maximum_nan_and_mixed():
    a = np.array([1.0, np.nan, 3.0, -0.5], np.float32)
    b = np.array([2.0, 1.0, np.nan, -1.0], np.float32)
    check(torch.minimum(torch.tensor(a), torch.tensor(b)), np.minimum(a, b))
    check(torch.maximum(torch.tensor(a), torch.tensor(b)), np.maximum(a, b))
    check(torch.maximum(torch.tensor([1, 5]), torch.tensor([2.5, 2.5])),
          np.array([2.5, 5.0]), torch.float32)
    check(torch.tensor([3, 1]).max(torch.tensor([2, 2])), np.array([3, 2]), torch.int64)


def test_lerp():
    s = np.array([1.0, 2.0, -3.0, 10.0], np.float32)
    e = np.array([3.0, 2.0, 5.0, -10.0], np.float32)
    w = np.array([0.0, 0.3, 0.5, 1.0], np.float32)
    check(torch.lerp(torch.tensor(s), torch.tensor(e), 0.25), s + 0.25 * (e - s))
    check(torch.lerp(torch.tensor(s), torch.tensor(e), torch.tensor(w)), s + w * (e - s))
    check(torch.tensor(s).lerp(torch.tensor(e), 1.0), e)  # exact at weight 1
    c = torch.tensor(s)
    c.lerp_(torch.tensor(e), 0.5)
    check(c, (s + e) / 2)
    # broadcasting
    check(torch.lerp(torch.tensor(s), torch.tensor([[0.0], [1.0]]), 0.5),
          s + 0.5 * (np.array([[0.0], [1.0]], np.float32) - s))


def test_reciprocal_square_and_friends():
    x = np.array([0.5, -2.0, 4.0, 0.0], np.float32)
    t = torch.tensor(x)
    with np.errstate(divide="ignore"):
        check(torch.reciprocal(t), 1 / x)
        check(torch.rsqrt(torch.tensor([4.0, 0.0])), np.array([0.5, np.inf]))
    check(torch.square(t), x * x)
    check(torch.square(torch.tensor([-3, 4])), np.array([9, 16]), torch.int64)
    check(torch.atan2(t, torch.tensor([1.0, 1.0, -1.0, -1.0])),
          np.arctan2(x, np.array([1.0, 1.0, -1.0, -1.0], np.float32)))
    check(torch.arctan2(t, 2.0), np.arctan2(x, 2.0))


# ----------------------------------------------------------------------------------------------
# type promotion in ops (values as well as dtype)
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fa,fb,want", [
    (torch.int64, torch.float32, torch.float32),
    (torch.int32, torch.int64, torch.int64),
    (torch.uint8, torch.int8, torch.int16),
    (torch.bool, torch.uint8, torch.uint8),
    (torch.float16, torch.bfloat16, torch.float32),
    (torch.float16, torch.int64, torch.float16),
    (torch.bfloat16, torch.int32, torch.bfloat16),
    (torch.float32, torch.float64, torch.float64),
], ids=str)
def test_mixed_dtype_arithmetic(fa, fb, want):
    a = np.array([1, 2, 3, 0])
    b = np.array([3, 0, 1, 1])
    ta, tb = torch.tensor(a, dtype=fa), torch.tensor(b, dtype=fb)
    a = a.astype(bool).astype(np.int64) if fa == torch.bool else a
    for op, npop in [(operator.add, np.add), (operator.mul, np.multiply),
                     (operator.sub, np.subtract)]:
        if fa == torch.bool and op is operator.sub:
            continue
        r = op(ta, tb)
        assert r.dtype == want
        check(r, npop(a.astype(np.float64), b.astype(np.float64)), want)
        r = op(tb, ta)
        assert r.dtype == want


def test_scalar_operands_keep_tensor_dtype():
    u = torch.tensor([250, 3], dtype=torch.uint8)
    r = u + 300  # 300 wraps to 44 in uint8, as PyTorch casts the wrapped number
    assert r.dtype == torch.uint8
    check(r, (np.array([250, 3], np.uint8) + np.uint8(44)).astype(np.uint8))
    assert (torch.tensor([1], dtype=torch.int8) + 1000).dtype == torch.int8
    assert (torch.tensor([1], dtype=torch.int16) * 2.5).dtype == torch.float32
    assert (torch.tensor([1.0], dtype=torch.float16) + 2.5).dtype == torch.float16
    assert (torch.tensor([1.0], dtype=torch.bfloat16) * 3).dtype == torch.bfloat16
    assert (torch.tensor([True]) + 1).dtype == torch.int64
    assert (torch.tensor([True]) + True).dtype == torch.bool
    assert (torch.tensor([True]) * 1.5).dtype == torch.float32
    assert (torch.tensor([1, 2]) + True).dtype == torch.int64
    check(2 - torch.tensor([1, 2]), np.array([1, 0]), torch.int64)
    check(1.5 - torch.tensor([1, 2]), np.array([0.5, -0.5]), torch.float32)
    check(6 / torch.tensor([4, 3]), np.array([1.5, 2.0]), torch.float32)
    check(7 // torch.tensor([2, -2]), np.array([3, -4]), torch.int64)
    check(7 % torch.tensor([2, -2]), np.array([1, -1]), torch.int64)


def test_zero_dim_tensor_operands():
    i32 = torch.tensor([1, 2], dtype=torch.int32)
    assert (i32 + torch.tensor(2.5, dtype=torch.float64)).dtype == torch.float64
    check(i32 + torch.tensor(2.5, dtype=torch.float64), np.array([3.5, 4.5]))
    assert (torch.tensor([1.0], dtype=torch.float16)
            + torch.tensor(2.5, dtype=torch.float64)).dtype == torch.float16
    assert (i32 + torch.tensor(5)).dtype == torch.int32  # same category: the dim tensor wins
    assert (torch.tensor([1], dtype=torch.uint8) + torch.tensor(1, dtype=torch.int8)).dtype \
        == torch.uint8
    assert (torch.tensor([True]) + torch.tensor(1, dtype=torch.int16)).dtype == torch.int16
    assert (torch.tensor(1, dtype=torch.int32) + torch.tensor(1)).dtype == torch.int64
    assert (torch.tensor(1, dtype=torch.int32) + 2.5).dtype == torch.float32
    assert (torch.tensor(1.0, dtype=torch.float64) + 2).dtype == torch.float64
    r = torch.tensor(3.0) * torch.tensor([[1.0], [2.0]])
    check(r, np.array([[3.0], [6.0]]), torch.float32)


def test_function_forms_accept_numbers_first():
    t = torch.tensor([1, 2])
    check(torch.add(2, t), np.array([3, 4]), torch.int64)
    check(torch.sub(2.5, t), np.array([1.5, 0.5]), torch.float32)
    check(torch.mul(3, torch.tensor([1.0])), np.array([3.0]), torch.float32)
    # two numbers: PyTorch wraps them into a 0-d tensor
    r = torch.add(5, 5)
    assert isinstance(r, torch.Tensor) and r.dtype == torch.int64 and r.item() == 10
    assert torch.mul(2.0, 3).dtype == torch.float32


# ----------------------------------------------------------------------------------------------
# shapes: 0-d, empty, large, non-contiguous, broadcasting
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (1,), (1, 1, 1)], ids=str)
def test_degenerate_shapes(shape):
    a = rand(shape, seed=4).astype(np.float32)
    b = rand(shape, 1, 2, seed=5).astype(np.float32)
    ta, tb = torch.tensor(a), torch.tensor(b)
    check(ta + tb, a + b)
    check(ta * 2, a * 2)
    check(torch.exp(ta), np.exp(a))
    check(ta < tb, a < b)
    check(torch.maximum(ta, tb), np.maximum(a, b))
    c = ta.clone()
    c += tb
    check(c, a + b)
    # broadcasting an empty dim against 1
    check(torch.zeros(2, 0) + torch.ones(2, 1), np.zeros((2, 0)))


def test_zero_dim_results_are_zero_dim():
    r = torch.tensor(2.0) + torch.tensor(3.0)
    assert r.shape == () and r.item() == 5.0
    assert torch.exp(torch.tensor(0.0)).shape == ()
    assert (torch.tensor(1) == 1).shape == ()


def test_large_tensors_parallel_path():
    n = 300_007  # several chunks for the thread pool, not a multiple of the grain
    a = rand(n, -3, 3, seed=11).astype(np.float32)
    b = rand(n, 0.5, 3, seed=12).astype(np.float32)
    ta, tb = torch.from_numpy(a.copy()), torch.from_numpy(b.copy())
    check(ta + tb, a + b)
    check(ta / tb, a / b)
    check(torch.exp(ta), np.exp(a.astype(np.float64)).astype(np.float32))
    check(torch.sin(ta), np.sin(a.astype(np.float64)).astype(np.float32))
    check(ta > tb, a > b)
    ai = np.arange(n, dtype=np.int64)
    check(torch.from_numpy(ai.copy()) * 3 - 1, ai * 3 - 1)
    c = ta.clone()
    c.mul_(tb)
    check(c, a * b)
    # large and non-contiguous: transpose of a matrix, then a stepped slice
    m = rand((700, 513), seed=13).astype(np.float32)
    tm = torch.from_numpy(m.copy())
    check(tm.t() * 2 + tm.t(), m.T * 3)
    check(torch.exp(tm.t()[::3]), np.exp(m.T[::3].astype(np.float64)).astype(np.float32))
    check(tm + tm.t().t(), 2 * m)


def _views(base):
    """(rtensor view, NumPy view) pairs over the same values: every kind of stride pattern."""
    t = torch.from_numpy(base.copy())
    return [
        ("transpose", t.t(), base.T),
        ("step-slice", t[::2, 1::3], base[::2, 1::3]),
        ("column", t[:, 2], base[:, 2]),
        ("expand", t[:, :1].expand(6, 8), np.broadcast_to(base[:, :1], (6, 8))),
        ("expand-row", t[1].expand(3, 8), np.broadcast_to(base[1], (3, 8))),
        ("permute3d", t.view(2, 3, 8).permute(2, 0, 1), base.reshape(2, 3, 8).transpose(2, 0, 1)),
        ("narrow", t.narrow(1, 3, 4), base[:, 3:7]),
    ]


@pytest.mark.parametrize("kind", ["transpose", "step-slice", "column", "expand", "expand-row",
                                  "permute3d", "narrow"])
def test_non_contiguous_inputs(kind):
    base = rand((6, 8), 0.1, 4, seed=21).astype(np.float32)
    other = rand((6, 8), 0.5, 2, seed=22).astype(np.float32)
    (_, tv, nv), = [v for v in _views(base) if v[0] == kind]
    (_, ov, onv), = [v for v in _views(other) if v[0] == kind]
    assert tv.shape == nv.shape
    with np.errstate(all="ignore"):
        check(tv + ov, nv + onv)
        check(tv * ov - tv, nv * onv - nv)
        check(tv / ov, nv / onv)
        check(tv ** ov, (nv.astype(np.float64) ** onv).astype(np.float32))
        check(torch.maximum(tv, ov), np.maximum(nv, onv))
        check(torch.sqrt(tv), np.sqrt(nv))
        check(torch.log(tv), np.log(nv.astype(np.float64)).astype(np.float32))
        check(tv > ov, nv > onv)
        check(tv.int() % 3, nv.astype(np.int32) % 3)
        check(torch.clamp(tv, 1, 2), np.clip(nv, 1, 2))
        # a contiguous operand against a non-contiguous one, and a broadcast scalar tensor
        check(tv + torch.tensor(np.ascontiguousarray(onv)), nv + onv)
        check(tv * torch.tensor(2.0), nv * 2)


def test_in_place_on_non_contiguous_views_writes_through():
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    t = torch.from_numpy(base.copy())
    want = base.copy()
    t.t().mul_(2)
    want.T[...] *= 2
    check(t, want)
    t[::2, 1::2].add_(100)
    want[::2, 1::2] += 100
    check(t, want)
    col = t[:, 3]
    col += torch.tensor([1.0, 2.0, 3.0, 4.0])
    want[:, 3] += [1, 2, 3, 4]
    check(t, want)
    t[1].fill_(-1)
    want[1] = -1
    check(t, want)
    t[:, 0].zero_()
    want[:, 0] = 0
    check(t, want)
    t.t()[2].copy_(torch.tensor([9.0, 8.0, 7.0, 6.0]))
    want.T[2] = [9, 8, 7, 6]
    check(t, want)
    t[2:].clamp_(0, 10)
    want[2:] = np.clip(want[2:], 0, 10)
    check(t, want)


def test_in_place_into_expanded_tensor_is_an_error():
    t = torch.zeros(3, 1).expand(3, 4)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        t.add_(1)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        t.mul_(torch.ones(3, 4))


@HYP
@given(data=st.data())
def test_broadcasting_property(data):
    sa, sb = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4,
                                                         max_side=4)).input_shapes
    el = st.floats(-100, 100, width=32, allow_nan=False)
    a = data.draw(hnp.arrays(np.float32, sa, elements=el))
    b = data.draw(hnp.arrays(np.float32, sb, elements=el))
    ta, tb = torch.tensor(a), torch.tensor(b)
    want_shape = np.broadcast_shapes(sa, sb)
    for op in (operator.add, operator.sub, operator.mul):
        r = op(ta, tb)
        assert tuple(r.shape) == want_shape
        check(r, op(a, b))
    check(torch.maximum(ta, tb), np.maximum(a, b))
    check(torch.atan2(ta, tb), np.arctan2(a.astype(np.float64), b).astype(np.float32))
    check(ta == tb, a == b)
    check(ta <= tb, a <= b)
    check(torch.where(ta > tb, ta, tb), np.where(a > b, a, b))


@HYP
@given(data=st.data())
def test_broadcasting_property_int(data):
    sa, sb = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3,
                                                         max_side=5)).input_shapes
    el = st.integers(-1000, 1000)
    a = data.draw(hnp.arrays(np.int32, sa, elements=el))
    b = data.draw(hnp.arrays(np.int64, sb, elements=st.integers(1, 50)))
    ta, tb = torch.tensor(a), torch.tensor(b)
    # a 0-d int64 operand does not widen a dimensioned int32 one (same category)
    want = torch.int32 if (b.ndim == 0 and a.ndim > 0) else torch.int64
    wide = a.astype(np.int64)
    check(ta + tb, wide + b, want)
    check(ta * tb, wide * b, want)
    check(ta // tb, wide // b, want)
    check(ta % tb, wide % b, want)
    check(ta / tb, (a / b).astype(np.float32), torch.float32)


@HYP
@given(data=st.data())
def test_broadcasting_on_non_contiguous_property(data):
    """A transposed / sliced operand broadcast against another gives NumPy's answer."""
    shape = data.draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=5))
    a = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-10, 10)))
    ta = torch.tensor(a, dtype=torch.float64)
    tv, nv = ta.transpose(0, -1), a.swapaxes(0, -1)
    b = data.draw(hnp.arrays(np.float64, nv.shape[-1:], elements=st.floats(-10, 10)))
    check(tv + torch.tensor(b, dtype=torch.float64), nv + b, torch.float64)
    check(tv[::2] * 3, nv[::2] * 3, torch.float64)
    inplace = tv.clone()
    inplace.sub_(torch.tensor(b, dtype=torch.float64))
    check(inplace, nv - b, torch.float64)


def test_broadcast_mismatch_names_sizes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 1"):
        torch.ones(2, 3) + torch.ones(2, 4)
    with pytest.raises(RuntimeError, match=r"doesn't match the broadcast shape"):
        torch.ones(3).add_(torch.ones(2, 3))


# ----------------------------------------------------------------------------------------------
# operators and in-place forms
# ----------------------------------------------------------------------------------------------

def test_all_operators_against_numpy():
    a = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)
    b = np.array([2.0, -0.5, 1.5], np.float32)
    ta, tb = torch.tensor(a), torch.tensor(b)
    check(ta + tb, a + b)
    check(ta - tb, a - b)
    check(ta * tb, a * b)
    check(ta / tb, a / b)
    check(ta // tb, a // b)
    check(ta % tb, a % b)
    check(abs(ta) ** tb, np.abs(a) ** b)
    check(ta @ tb, a @ b, rtol=1e-5)
    check(-ta, -a)
    check(2 + ta, 2 + a)
    check(2 - ta, 2 - a)
    check(2 * ta, 2 * a)
    check(2 / ta, 2 / a)
    check(2 // ta, 2 // a)
    check(2 % ta, 2 % a)
    check(2 ** ta, 2.0 ** a.astype(np.float64))


def test_in_place_operators_keep_identity_and_storage():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    t = torch.tensor(a)
    alias = t
    ptr = t.data_ptr()
    t += 1
    t -= torch.tensor([0.5, 0.5, 0.5])
    t *= 2
    t /= 4
    assert t is alias and t.data_ptr() == ptr
    check(t, ((a + 1 - 0.5) * 2) / 4)
    i = torch.tensor([5, 6, 7])
    i //= 2
    i %= 2
    i **= 2
    check(i, ((np.array([5, 6, 7]) // 2) % 2) ** 2, torch.int64)
    x = torch.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        x /= 2
    with pytest.raises(RuntimeError, match="can't be cast"):
        x += 1.5
    check(x, np.array([1, 2, 3]))  # untouched after the failed in-place ops
    b = torch.tensor([True, False])
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired "
                                           "output type Bool"):
        b += 1


def test_in_place_methods():
    a = np.array([1.0, -2.0, 3.0], np.float32)
    t = torch.tensor(a)
    for name, arg, fn in [("add_", 2.0, lambda x: x + 2), ("sub_", 1.0, lambda x: x - 1),
                          ("mul_", -3.0, lambda x: x * -3), ("div_", 2.0, lambda x: x / 2),
                          ("pow_", 2, lambda x: x ** 2)]:
        c = t.clone()
        assert getattr(c, name)(arg) is c
        check(c, fn(a))
    c = t.clone()
    c.zero_()
    check(c, np.zeros(3))
    c.fill_(2.5)
    check(c, np.full(3, 2.5))
    c.fill_(torch.tensor(4))
    check(c, np.full(3, 4.0))
    c.copy_(torch.tensor([7, 8, 9]))  # copy_ converts the dtype
    check(c, np.array([7.0, 8.0, 9.0]), torch.float32)
    c.copy_(torch.tensor([1.0]))  # and broadcasts
    check(c, np.ones(3))
    i = torch.tensor([1, 2, 3])
    i.fill_(7.9)  # fill_ casts the value to the tensor dtype (truncation)
    check(i, np.array([7, 7, 7]), torch.int64)
    i.copy_(torch.tensor([1.9, -1.9, 2.5]))
    check(i, np.array([1, -1, 2]), torch.int64)
    v = t.clone()
    v.copy_(v.flip(0))  # overlapping source is read before it is written
    check(v, a[::-1])


def test_fill_and_zero_in_place_through_views_bump_the_version_and_guard_autograd():
    base = torch.zeros(4, 6)
    col = base[:, 2]
    v0 = base._version
    col.fill_(3.0)
    base[1].zero_()
    expect = np.zeros((4, 6), np.float32)
    expect[:, 2] = 3.0
    expect[1] = 0.0
    np.testing.assert_array_equal(base.numpy(), expect)
    assert base._version == v0 + 2 and col._version == base._version
    # a tensor saved for backward and then filled: backward refuses, as in PyTorch
    w = torch.ones(3, requires_grad=True)
    x = torch.full((3,), 2.0)
    y = (w * x).sum()
    x.fill_(5.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# ----------------------------------------------------------------------------------------------
# closeness
# ----------------------------------------------------------------------------------------------

def test_isclose_allclose_equal():
    a = np.array([1.0, 2.0, np.nan, np.inf, -np.inf, 1e-9], np.float32)
    b = np.array([1.0 + 1e-6, 2.1, np.nan, np.inf, np.inf, 0.0], np.float32)
    ta, tb = torch.tensor(a), torch.tensor(b)
    check(torch.isclose(ta, tb), np.isclose(a, b))
    check(torch.isclose(ta, tb, equal_nan=True), np.isclose(a, b, equal_nan=True))
    check(torch.isclose(ta, tb, rtol=0.1, atol=0), np.isclose(a, b, rtol=0.1, atol=0))
    check(ta.isclose(tb, atol=1e-3), np.isclose(a, b, atol=1e-3))
    assert torch.allclose(ta[:2], tb[:2], rtol=0.1) is True
    assert torch.allclose(ta[:2], tb[:2]) is False
    assert torch.allclose(ta, ta) is False  # nan != nan
    assert torch.allclose(ta, ta, equal_nan=True) is True
    assert ta[:2].allclose(ta[:2] + 1e-7)
    i = torch.tensor([1, 2, 3])
    check(torch.isclose(i, torch.tensor([1, 3, 3])), np.array([True, False, True]))
    assert torch.equal(i, torch.tensor([1, 2, 3])) is True
    assert torch.equal(i, torch.tensor([1, 2, 4])) is False
    assert torch.equal(i, torch.tensor([1, 2])) is False
    assert i.equal(i.clone())
    assert torch.equal(torch.zeros(2, 0), torch.zeros(2, 0))
    # broadcasting in isclose
    check(torch.isclose(torch.ones(2, 3), torch.ones(3)), np.ones((2, 3), bool))
    with pytest.raises(RuntimeError, match=r"(Float|float32) did not match (Long|int64)"):
        torch.isclose(torch.ones(2), torch.ones(2, dtype=torch.int64))


def test_where():
    c = np.array([True, False, True])
    a = np.array([1.0, 2.0, 3.0], np.float32)
    check(torch.where(torch.tensor(c), torch.tensor(a), 0.0), np.where(c, a, 0.0))
    check(torch.where(torch.tensor(c), 1, torch.tensor([5, 6, 7])), np.where(c, 1, [5, 6, 7]),
          torch.int64)
    check(torch.where(torch.tensor([[True], [False]]), torch.tensor(a), torch.tensor(-a)),
          np.where([[True], [False]], a, -a))


def test_bool_dtype_rules_follow_pytorch():
    # Checked against PyTorch 2.13: its pow(Tensor, Scalar) answers the exponents True/False
    # without its kernel, so only pow of two bool tensors is refused.
    b = torch.tensor([True, False])
    assert (b ** True).tolist() == [True, False] and (b ** True).dtype == torch.bool
    assert (b ** False).tolist() == [True, True]
    assert (b ** 2).dtype == torch.int64
    with pytest.raises(NotImplementedError, match="^\"pow\" not implemented for 'Bool'$"):
        b.pow(b)
    assert torch.square(b).dtype == torch.int64
    for x in (b, torch.tensor([1, 2])):
        with pytest.raises(NotImplementedError, match="\"round_cpu\" not implemented for"):
            torch.round(x, decimals=1)
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        torch.tensor([1, 2]) - b
    with pytest.raises(RuntimeError, match="Use the `\\^` or `logical_xor\\(\\)` operator"):
        b - b


def test_threshold_of_integers_converts_its_parameters():
    x = torch.tensor([[1, -2, 0]], dtype=torch.int32)
    r = torch.nn.functional.threshold(x, -0.5, 5)
    assert r.dtype == torch.int32 and r.tolist() == [[1, 5, 5]]
    with pytest.raises(RuntimeError, match="cannot be converted to type int without overflow"):
        torch.nn.functional.threshold(x, 0.0, 1e10)
    assert torch.erf(x).dtype == torch.float32


def test_sub_with_alpha_refuses_bool_operands_before_scaling():
    # PyTorch 2.13's texts: alpha does not turn a bool operand into a number first.
    x, b = torch.tensor([1.0, 2.0]), torch.tensor([True, False])
    one = "Subtraction, the `-` operator, with a bool tensor is not supported"
    two = "Subtraction, the `-` operator, with two bool tensors is not supported"
    with pytest.raises(RuntimeError, match=one):
        torch.sub(x, b, alpha=2)
    with pytest.raises(RuntimeError, match=one):
        x.sub_(b, alpha=2)
    with pytest.raises(RuntimeError, match=two):
        torch.sub(b, b, alpha=2)
    assert torch.add(x, b, alpha=2).tolist() == [3.0, 2.0]
    assert torch.sub(x, x, alpha=2).tolist() == [-1.0, -2.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("e", [0, 1, 2, 3, 0.5, -1, -2, 2.0, 3.0, -1.0])
def test_pow_by_small_scalar_matches_pytorchs_formulas(dtype, e):
    """PyTorch writes x**e out for these exponents (x*x, x*x*x, sqrt, 1/x, 1/(x*x)); the
    same formulas in NumPy are the oracle, so the last bits agree too (x*x*x rounds twice)."""
    rng = np.random.default_rng(7)
    a = np.concatenate([rng.uniform(-3, 3, 61), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30]])
    a = a.astype(dtype)
    with np.errstate(all="ignore"):
        expect = {0: np.ones_like(a), 1: a, 2: a * a, 3: a * a * a, 0.5: np.sqrt(a),
                  -1: dtype(1) / a, -2: dtype(1) / (a * a)}[e]
    t = torch.from_numpy(a.copy())
    strided = torch.from_numpy(np.stack([a, a], 1))[:, 1]
    for got in (t ** e, t.pow(e), torch.pow(t, e), strided ** e):
        assert got.dtype == t.dtype
        np.testing.assert_array_equal(got.numpy(), expect)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scalar", [2, -3, 0, 2.5, -0.0, 1e30, float("inf")])
def test_float_tensor_and_python_number_arithmetic(dtype, scalar):
    """+ - * / between a float tensor and a Python number, either side: computed in the
    tensor's dtype with the number cast to it (NumPy with the number as that dtype is the
    oracle), contiguous or not."""
    rng = np.random.default_rng(8)
    a = np.concatenate([rng.uniform(-5, 5, 29), [0.0, -0.0, np.inf, np.nan]]).astype(dtype)
    s = dtype(scalar)
    t = torch.from_numpy(a.copy())
    strided = torch.from_numpy(np.stack([a, a], 1))[:, 0]
    with np.errstate(all="ignore"):
        cases = [(lambda x: x + scalar, a + s), (lambda x: scalar + x, s + a),
                 (lambda x: x - scalar, a - s), (lambda x: scalar - x, s - a),
                 (lambda x: x * scalar, a * s), (lambda x: scalar * x, s * a),
                 (lambda x: x / scalar, a / s), (lambda x: scalar / x, s / a)]
    for f, expect in cases:
        for x in (t, strided):
            got = f(x)
            assert got.dtype == t.dtype
            np.testing.assert_array_equal(got.numpy(), expect.astype(dtype))
    # An integer tensor still promotes with a float number.
    assert (torch.tensor([1, 2]) * 2.5).dtype == torch.float32
