"""Tests for rtensor's PyTorch-exact tensor printing (python/rtensor/_tensor_str.py).

The oracle is tests/data/repr_cases.json: PyTorch's own ``str()`` output. Tensors
are faked over NumPy (see ``FakeTensor``) so that these tests run without the
Rust core; cases that need the real library are listed in ``REAL_LIBRARY_CASES``.
"""

import importlib.util
import json
import math
import pathlib
import sys
import types

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CASES = json.loads((ROOT / "tests" / "data" / "repr_cases.json").read_text())


def _load_tensor_str():
    try:
        from rtensor import _tensor_str as module
    except Exception:  # noqa: BLE001
        # The package may not be importable yet (e.g. the Rust extension is
        # not built): load the module on its own, it has no rtensor imports.
        module = None
    if module is not None:
        return module
    path = ROOT / "python" / "rtensor" / "_tensor_str.py"
    spec = importlib.util.spec_from_file_location("_rtensor_tensor_str_standalone", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


ts = _load_tensor_str()
tensor_repr = ts.tensor_repr


# --------------------------------------------------------------------------
# A fake tensor implementing exactly the interface tensor_repr consumes
# --------------------------------------------------------------------------

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


class FakeDType:
    def __init__(self, name):
        self.name = name
        self.is_floating_point = name in FLOAT_DTYPES

    def __str__(self):
        return "rtensor." + self.name

    __repr__ = __str__


class FakeDevice:
    def __init__(self, type="cpu", index=None):
        self.type = type
        self.index = index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


class FakeGradFn:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


def _round_to_bfloat16(x):
    """Round float32 values to the nearest bfloat16 (ties to even); return float64."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32).astype(np.float64)


class FakeTensor:
    """Stores values in the dtype's precision; exposes the tensor_repr interface."""

    def __init__(self, values, dtype="float32", requires_grad=False, grad_fn=None, device=None):
        values = np.asarray(values)
        if dtype == "float16":
            values = values.astype(np.float16).astype(np.float64)
        elif dtype == "bfloat16":
            values = _round_to_bfloat16(values.astype(np.float32))
        elif dtype == "float32":
            values = values.astype(np.float32).astype(np.float64)
        elif dtype == "float64":
            values = values.astype(np.float64)
        elif dtype == "bool":
            values = values.astype(bool)
        else:
            info = np.iinfo(np.dtype(dtype))
            if values.size:
                assert info.min <= values.min() and values.max() <= info.max
            values = values.astype(np.int64)
        self._values = values
        self.shape = tuple(values.shape)
        self.dtype = FakeDType(dtype)
        self.device = device if device is not None else FakeDevice()
        self.grad_fn = None if grad_fn is None else FakeGradFn(grad_fn)
        self.is_leaf = grad_fn is None
        self.requires_grad = bool(requires_grad) or grad_fn is not None

    def _print_values(self):
        return self._values.copy()


def T(values, dtype=None, **kwargs):
    """Like torch.tensor: dtype inferred from Python data (float32 / int64 / bool)."""
    if dtype is None:
        arr = np.asarray(values)
        dtype = {"b": "bool", "i": "int64", "u": "int64"}.get(arr.dtype.kind, "float32")
    return FakeTensor(values, dtype, **kwargs)


def f32(values):
    return np.asarray(values, dtype=np.float32)


def torch_linspace_f32(start, end, steps):
    """torch.linspace's float32 algorithm (forward from start, backward from end)."""
    start, end = np.float32(start), np.float32(end)
    step = (end - start) / np.float32(steps - 1)
    half = steps // 2
    out = np.empty(steps, dtype=np.float32)
    for i in range(steps):
        if i < half:
            out[i] = start + step * np.float32(i)
        else:
            out[i] = end - step * np.float32(steps - i - 1)
    return out


nan, inf = float("nan"), float("inf")

# construct string (exactly as in repr_cases.json) -> builder of a FakeTensor.
# Arithmetic that PyTorch does in float32 is done in float32 here too.
BUILDERS = {
    "torch.tensor([1., 2., 3.])": lambda: T([1.0, 2.0, 3.0]),
    "torch.tensor([[1., 2., 3.], [4., 5., 6]])": lambda: T([[1.0, 2.0, 3.0], [4.0, 5.0, 6]]),
    "torch.tensor([[[1., 2.], [3., 4.]], [[5., 6.], [7., 8.]]])": lambda: T(
        [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]
    ),
    "torch.tensor(1.)": lambda: T(1.0),
    "torch.tensor(3)": lambda: T(3),
    "torch.tensor(True)": lambda: T(True),
    "torch.tensor([5., 7., 9.])": lambda: T([5.0, 7.0, 9.0]),
    "torch.tensor(21.)": lambda: T(21.0),
    "torch.tensor([1, 2, 3])": lambda: T([1, 2, 3]),
    "torch.tensor([[1, -2], [300, 4]])": lambda: T([[1, -2], [300, 4]]),
    "torch.tensor([1, 2], dtype=torch.int32)": lambda: T([1, 2], "int32"),
    "torch.tensor([0, 255], dtype=torch.uint8)": lambda: T([0, 255], "uint8"),
    "torch.tensor([True, False])": lambda: T([True, False]),
    "torch.tensor([1.5, 2.25], dtype=torch.float64)": lambda: T([1.5, 2.25], "float64"),
    "torch.tensor([0.1, 0.2], dtype=torch.float16)": lambda: T([0.1, 0.2], "float16"),
    "torch.tensor([1.0, 2.5], dtype=torch.bfloat16)": lambda: T([1.0, 2.5], "bfloat16"),
    "torch.tensor([1e-5, 1e5])": lambda: T([1e-5, 1e5]),
    "torch.tensor([1e-8, 1.])": lambda: T([1e-8, 1.0]),
    "torch.tensor([1e10, 1.])": lambda: T([1e10, 1.0]),
    "torch.tensor([123456.789, 0.001])": lambda: T([123456.789, 0.001]),
    "torch.tensor([0.1234567, -12.5])": lambda: T([0.1234567, -12.5]),
    "torch.tensor([-1.5256, -0.7502, 0.6540])": lambda: T([-1.5256, -0.7502, 0.6540]),
    "torch.tensor([float('nan'), 1., float('inf'), -float('inf')])": lambda: T(
        [nan, 1.0, inf, -inf]
    ),
    "torch.tensor([float('nan')])": lambda: T([nan]),
    "torch.tensor([1e20, -1e-20])": lambda: T([1e20, -1e-20]),
    "torch.zeros(0)": lambda: T(np.zeros(0)),
    "torch.zeros(2, 0)": lambda: T(np.zeros((2, 0))),
    "torch.zeros(0, 3)": lambda: T(np.zeros((0, 3))),
    "torch.zeros(0, dtype=torch.int64)": lambda: T(np.zeros(0), "int64"),
    "torch.zeros(3)": lambda: T(np.zeros(3)),
    "torch.ones(2, 3)": lambda: T(np.ones((2, 3))),
    "torch.arange(12).view(3, 4)": lambda: T(np.arange(12).reshape(3, 4)),
    "torch.arange(12.).view(2, 3, 2)": lambda: T(np.arange(12.0).reshape(2, 3, 2)),
    "torch.arange(24).view(2, 3, 2, 2)": lambda: T(np.arange(24).reshape(2, 3, 2, 2)),
    "torch.arange(1001.)": lambda: T(np.arange(1001.0)),
    "torch.arange(2000).view(40, 50)": lambda: T(np.arange(2000).reshape(40, 50)),
    "torch.arange(1100.).view(10, 110) / 7": lambda: T(
        np.arange(1100, dtype=np.float32).reshape(10, 110) / np.float32(7)
    ),
    "torch.arange(24.).view(2, 12) / 3 - 2": lambda: T(
        np.arange(24, dtype=np.float32).reshape(2, 12) / np.float32(3) - np.float32(2)
    ),
    "torch.linspace(-3, 3, 16).view(2, 8)": lambda: T(torch_linspace_f32(-3, 3, 16).reshape(2, 8)),
    "torch.arange(30.).view(3, 10) * 1.5": lambda: T(
        np.arange(30, dtype=np.float32).reshape(3, 10) * np.float32(1.5)
    ),
    "torch.tensor([[0.5438, -0.4057, 1.1341, -0.1473, 0.6272, 1.0935, 0.0939, 1.2381], "
    "[-1.1115, 0.3501, -0.7703, -1.3459, 0.5119, -0.6933, -0.1668, -0.9999]])": lambda: T(
        [
            [0.5438, -0.4057, 1.1341, -0.1473, 0.6272, 1.0935, 0.0939, 1.2381],
            [-1.1115, 0.3501, -0.7703, -1.3459, 0.5119, -0.6933, -0.1668, -0.9999],
        ]
    ),
    "torch.tensor([1., 2., 3.], requires_grad=True)": lambda: T(
        [1.0, 2.0, 3.0], requires_grad=True
    ),
    "torch.tensor([1., 2.], requires_grad=True) * 2": lambda: T([2.0, 4.0], grad_fn="MulBackward0"),
    "torch.tensor([1., 2.], requires_grad=True).sum()": lambda: T(3.0, grad_fn="SumBackward0"),
    "torch.tensor([1., 2.], requires_grad=True) + torch.tensor([3., 4.])": lambda: T(
        [4.0, 6.0], grad_fn="AddBackward0"
    ),
    "torch.tensor([1e-5, 1.], requires_grad=True) * 1": lambda: T(
        [1e-5, 1.0], grad_fn="MulBackward0"
    ),
    "torch.tensor([[1, 2], [3, 4]], dtype=torch.float64, requires_grad=True)": lambda: T(
        [[1, 2], [3, 4]], "float64", requires_grad=True
    ),
    "torch.tensor(2.5, requires_grad=True)": lambda: T(2.5, requires_grad=True),
    "torch.tensor([100000.])": lambda: T([100000.0]),
    "torch.tensor([99999.5, 1.])": lambda: T([99999.5, 1.0]),
    "torch.tensor([-0.0, 0.0])": lambda: T([-0.0, 0.0]),
    "torch.tensor([1.0e-4, 2.0e-4])": lambda: T([1.0e-4, 2.0e-4]),
    "torch.tensor([12345678.])": lambda: T([12345678.0]),
    "torch.tensor([1.23456789e-3])": lambda: T([1.23456789e-3]),
    "torch.tensor([[1e-3, 1e3], [1., 2.]])": lambda: T([[1e-3, 1e3], [1.0, 2.0]]),
    "torch.tensor([2**40, -5])": lambda: T([2**40, -5]),
    "torch.tensor([1, 2], dtype=torch.int8)": lambda: T([1, 2], "int8"),
    "torch.tensor([1, 2], dtype=torch.int16)": lambda: T([1, 2], "int16"),
    "torch.arange(6).view(2, 3).t()": lambda: T(np.arange(6).reshape(2, 3).T),
    "torch.tensor([[True, False], [False, True]])": lambda: T([[True, False], [False, True]]),
    "torch.tensor([0.5, 0.25], dtype=torch.float64) * 3": lambda: T(
        np.array([0.5, 0.25]) * 3, "float64"
    ),
    "torch.tensor([1e-10], dtype=torch.float64)": lambda: T([1e-10], "float64"),
    "torch.tensor([3.14159265358979], dtype=torch.float64)": lambda: T(
        [3.14159265358979], "float64"
    ),
    "torch.full((2, 2), 7.)": lambda: T(np.full((2, 2), 7.0)),
    "torch.eye(3)": lambda: T(np.eye(3)),
    "torch.tensor([[-1.]])": lambda: T([[-1.0]]),
    "torch.arange(10.) - 5": lambda: T(np.arange(10, dtype=np.float32) - np.float32(5)),
    "torch.tensor([0.001, 0.01, 0.1])": lambda: T([0.001, 0.01, 0.1]),
    "torch.tensor([1e-4, 1e-5])": lambda: T([1e-4, 1e-5]),
    "torch.tensor([5e-5])": lambda: T([5e-5]),
    "torch.tensor([1.0, 10.0, 100.0, 1000.0, 10000.0])": lambda: T(
        [1.0, 10.0, 100.0, 1000.0, 10000.0]
    ),
    "torch.tensor([1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0, 10000000.0])": (
        lambda: T([1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0, 10000000.0])
    ),
    # (with printoptions)
    "torch.tensor([1.23456, 2.5])": lambda: T([1.23456, 2.5]),
    "torch.tensor([1., 2.])": lambda: T([1.0, 2.0]),
    "torch.arange(10.)": lambda: T(np.arange(10.0)),
    "torch.arange(20).view(4, 5)": lambda: T(np.arange(20).reshape(4, 5)),
    "torch.arange(20.) / 3": lambda: T(np.arange(20, dtype=np.float32) / np.float32(3)),
    "torch.tensor([1/3, 2/3])": lambda: T([1 / 3, 2 / 3]),
}

# Cases of repr_cases.json that need the real library (not tensor printing from
# NumPy values alone): dtype / Size / device reprs, nn module reprs, RNG values.
REAL_LIBRARY_CASES = {
    "torch.float32",
    "torch.int64",
    "torch.Size([2, 3])",
    "torch.randn(2, 3).shape (after any seed)",
    "torch.device('cpu')",
    "torch.nn.Parameter(torch.tensor([1., 2.]))",
    "torch.nn.Linear(3, 1) (module repr)",
    "torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)) (module repr)",
    "torch.nn.Embedding(2, 5) (module repr)",
    "torch.manual_seed(1); torch.nn.Embedding(2, 5)(torch.tensor([0], dtype=torch.long))",
}


def _expected(text):
    return text.replace("torch.", "rtensor.")


def _case_id(case):
    opts = case.get("printoptions")
    suffix = "" if not opts else " " + json.dumps(opts, sort_keys=True)
    return case["construct"] + suffix


@pytest.fixture(autouse=True)
def _default_printoptions():
    ts.set_printoptions(profile="default")
    yield
    ts.set_printoptions(profile="default")


TENSOR_CASES = [c for c in CASES if c["construct"] in BUILDERS]


def test_every_case_is_accounted_for():
    constructs = {c["construct"] for c in CASES}
    unknown = constructs - set(BUILDERS) - REAL_LIBRARY_CASES
    assert not unknown, unknown
    assert not (set(BUILDERS) - constructs), set(BUILDERS) - constructs
    assert len(TENSOR_CASES) == len(CASES) - len(REAL_LIBRARY_CASES)


@pytest.mark.parametrize("case", TENSOR_CASES, ids=_case_id)
def test_repr_matches_pytorch(case):
    t = BUILDERS[case["construct"]]()
    with ts.printoptions(**case.get("printoptions", {})):
        got = tensor_repr(t)
    assert got == _expected(case["repr"])
    # The options are restored afterwards.
    assert ts.get_printoptions() == _DEFAULTS


# --------------------------------------------------------------------------
# The real-library cases, as far as tensor printing is concerned
# --------------------------------------------------------------------------


def _case(construct):
    return next(c for c in CASES if c["construct"] == construct)


def test_parameter_prefix_is_added_by_caller():
    case = _case("torch.nn.Parameter(torch.tensor([1., 2.]))")
    t = T([1.0, 2.0], requires_grad=True)
    assert "Parameter containing:\n" + tensor_repr(t) == _expected(case["repr"])


def test_suffix_wraps_onto_new_line():
    # The Embedding output (values from PyTorch's RNG); its printed values are
    # reproduced here, which print identically.
    case = _case(
        "torch.manual_seed(1); torch.nn.Embedding(2, 5)(torch.tensor([0], dtype=torch.long))"
    )
    t = T([[0.6614, 0.2669, 0.0617, 0.6213, -0.4519]], grad_fn="EmbeddingBackward0")
    assert tensor_repr(t) == _expected(case["repr"])


# --------------------------------------------------------------------------
# Print options
# --------------------------------------------------------------------------

_DEFAULTS = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}


def test_get_printoptions_defaults():
    assert ts.get_printoptions() == _DEFAULTS
    assert list(ts.get_printoptions()) == list(_DEFAULTS)


def test_set_printoptions_individual_and_restore():
    ts.set_printoptions(precision=2)
    assert tensor_repr(T([1.12345])) == "tensor([1.12])"
    ts.set_printoptions(threshold=5)
    # precision stays; threshold now summarizes
    assert ts.get_printoptions()["precision"] == 2
    assert tensor_repr(T(np.arange(10))) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    ts.set_printoptions(profile="default")
    assert ts.get_printoptions() == _DEFAULTS
    assert tensor_repr(T([1.12345])) == "tensor([1.1235])"
    assert tensor_repr(T(np.arange(10))) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


def test_sci_mode_is_reset_by_any_call():
    # Like PyTorch: sci_mode is assigned on every call (None when omitted).
    ts.set_printoptions(sci_mode=True)
    assert ts.get_printoptions()["sci_mode"] is True
    assert tensor_repr(T([1.0, 2.0])) == "tensor([1.0000e+00, 2.0000e+00])"
    ts.set_printoptions(precision=4)
    assert ts.get_printoptions()["sci_mode"] is None
    assert tensor_repr(T([1.0, 2.0])) == "tensor([1., 2.])"


def test_sci_mode_false_pads_fixed_width():
    ts.set_printoptions(sci_mode=False)
    assert tensor_repr(T([1e-5, 1e5])) == "tensor([     0.0000, 100000.0000])"
    assert tensor_repr(T([1e10, 1.0])) == "tensor([10000000000.,           1.])"


def test_profiles():
    ts.set_printoptions(profile="short")
    assert ts.get_printoptions() == {
        "precision": 2,
        "threshold": 1000,
        "edgeitems": 2,
        "linewidth": 80,
        "sci_mode": None,
    }
    assert tensor_repr(T([1.23456, 2.5])) == "tensor([1.23, 2.50])"
    assert tensor_repr(T(np.arange(1001.0) + 100)) == "tensor([ 100.,  101.,  ..., 1099., 1100.])"
    # 1999 / 1 > 1000: scientific notation, at the short profile's precision
    assert tensor_repr(T(np.arange(2000.0))) == (
        "tensor([0.00e+00, 1.00e+00,  ..., 2.00e+03, 2.00e+03])"
    )

    ts.set_printoptions(profile="full")
    opts = ts.get_printoptions()
    assert opts["threshold"] == math.inf
    assert (opts["precision"], opts["edgeitems"], opts["linewidth"]) == (4, 3, 80)
    r = tensor_repr(T(np.arange(1001)))
    assert "..." not in r and r.endswith("998,  999, 1000])")

    # A profile is applied first; explicit options override it.
    ts.set_printoptions(profile="short", precision=6, linewidth=100)
    assert ts.get_printoptions() == {
        "precision": 6,
        "threshold": 1000,
        "edgeitems": 2,
        "linewidth": 100,
        "sci_mode": None,
    }
    # Unknown profiles are ignored (as in PyTorch).
    ts.set_printoptions(profile="bogus")
    assert ts.get_printoptions()["precision"] == 6

    ts.set_printoptions(profile="default")
    assert ts.get_printoptions() == _DEFAULTS


def test_profile_default_resets_linewidth():
    ts.set_printoptions(linewidth=40, precision=1, edgeitems=1, threshold=10)
    ts.set_printoptions(profile="default")
    assert ts.get_printoptions() == _DEFAULTS


def test_printoptions_context_manager_restores():
    ts.set_printoptions(precision=3, linewidth=60)
    before = ts.get_printoptions()
    with ts.printoptions(precision=1, threshold=4, edgeitems=1, sci_mode=False):
        assert ts.get_printoptions() == {
            "precision": 1,
            "threshold": 4,
            "edgeitems": 1,
            "linewidth": 60,
            "sci_mode": False,
        }
        assert tensor_repr(T([0.25, 1.5, 2.0, 3.0, 4.0])) == "tensor([0.2,  ..., 4.0])"
    assert ts.get_printoptions() == before


def test_printoptions_context_manager_restores_on_error():
    with pytest.raises(KeyError), ts.printoptions(profile="full", sci_mode=True):
        assert ts.get_printoptions()["threshold"] == math.inf
        raise KeyError("boom")
    assert ts.get_printoptions() == _DEFAULTS


def test_printoptions_roundtrip_through_get():
    ts.set_printoptions(profile="full", sci_mode=True)
    saved = ts.get_printoptions()
    ts.set_printoptions(profile="default")
    ts.set_printoptions(**saved)
    assert ts.get_printoptions() == saved


# --------------------------------------------------------------------------
# Suffixes, dtypes, devices
# --------------------------------------------------------------------------


def test_default_dtype_follows_get_default_dtype(monkeypatch):
    fake_pkg = types.ModuleType("rtensor")
    fake_pkg.get_default_dtype = lambda: FakeDType("float64")
    monkeypatch.setitem(sys.modules, "rtensor", fake_pkg)
    assert tensor_repr(T([1.5, 2.0], "float64")) == "tensor([1.5000, 2.0000])"
    assert tensor_repr(T([1.5, 2.0], "float32")) == (
        "tensor([1.5000, 2.0000], dtype=rtensor.float32)"
    )
    assert tensor_repr(T(np.zeros(0), "float64")) == "tensor([])"
    assert tensor_repr(T(np.zeros(0), "float32")) == "tensor([], dtype=rtensor.float32)"
    assert tensor_repr(T([1, 2])) == "tensor([1, 2])"


def test_missing_get_default_dtype_falls_back_to_float32(monkeypatch):
    monkeypatch.setitem(sys.modules, "rtensor", types.ModuleType("rtensor"))
    assert tensor_repr(T([1.5])) == "tensor([1.5000])"
    assert tensor_repr(T([1.5], "float64")) == "tensor([1.5000], dtype=rtensor.float64)"


def test_bool_and_int64_never_show_dtype_unless_empty():
    assert tensor_repr(T([True])) == "tensor([True])"
    assert tensor_repr(T([7])) == "tensor([7])"
    assert tensor_repr(T(np.zeros(0), "bool")) == "tensor([], dtype=rtensor.bool)"
    assert tensor_repr(T(np.zeros((0, 2)), "int32")) == (
        "tensor([], size=(0, 2), dtype=rtensor.int32)"
    )
    assert tensor_repr(T(np.zeros((3, 0, 2)))) == "tensor([], size=(3, 0, 2))"


def test_device_suffix_and_order():
    gpu = FakeDevice("gpu", 0)
    assert tensor_repr(T([1.0, 2.0], device=gpu)) == "tensor([1., 2.], device='gpu:0')"
    t = T([1.0, 2.0], "float64", device=gpu, requires_grad=True)
    assert tensor_repr(t) == (
        "tensor([1., 2.], device='gpu:0', dtype=rtensor.float64, requires_grad=True)"
    )
    t = T([1.0, 2.0], "float16", device=gpu, grad_fn="AddBackward0")
    assert tensor_repr(t) == (
        "tensor([1., 2.], device='gpu:0', dtype=rtensor.float16, grad_fn=<AddBackward0>)"
    )
    e = T(np.zeros((2, 0)), "int64", device=gpu)
    assert tensor_repr(e) == "tensor([], device='gpu:0', size=(2, 0), dtype=rtensor.int64)"
    assert tensor_repr(T(3.0, device=FakeDevice("cpu"))) == "tensor(3.)"


def test_suffix_line_breaking():
    # 70 columns of content: the suffix moves onto its own line, indented by 7.
    t = T(np.arange(16.0), "float64")
    assert tensor_repr(t) == (
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "        14., 15.], dtype=rtensor.float64)"
    )
    t = T(np.arange(16.0).reshape(1, 16), "float64", grad_fn="MulBackward0")
    assert tensor_repr(t) == (
        "tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "         14., 15.]], dtype=rtensor.float64, grad_fn=<MulBackward0>)"
    )
    # On a first line PyTorch counts len + 2: 77 + 2 + len('requires_grad=True') + 2 > 80.
    t = T(np.arange(10.0) + 1000, requires_grad=True)
    text = tensor_repr(t)
    assert text == (
        "tensor([1000., 1001., 1002., 1003., 1004., 1005., 1006., 1007., 1008., 1009.],\n"
        "       requires_grad=True)"
    )
    # Several suffixes: each is placed on the current line if it fits, else wraps.
    t = T([1.0, 2.0], "float64", device=FakeDevice("gpu", 0), requires_grad=True)
    with ts.printoptions(linewidth=30):
        assert tensor_repr(t) == (
            "tensor([1., 2.],\n"
            "       device='gpu:0',\n"
            "       dtype=rtensor.float64,\n"
            "       requires_grad=True)"
        )
    with ts.printoptions(linewidth=50):
        assert tensor_repr(t) == (
            "tensor([1., 2.], device='gpu:0',\n       dtype=rtensor.float64, requires_grad=True)"
        )


def test_tensor_contents_override():
    t = T([1.0, 2.0], "float64")
    assert tensor_repr(t, tensor_contents="[...]") == "tensor([...], dtype=rtensor.float64)"


# --------------------------------------------------------------------------
# Formatting details
# --------------------------------------------------------------------------


def test_scalars():
    assert tensor_repr(T(-0.0)) == "tensor(-0.)"
    assert tensor_repr(T(nan)) == "tensor(nan)"
    assert tensor_repr(T(-inf)) == "tensor(-inf)"
    assert tensor_repr(T(1e-5)) == "tensor(1.0000e-05)"
    assert tensor_repr(T(False)) == "tensor(False)"
    assert tensor_repr(T(-7, "int8")) == "tensor(-7, dtype=rtensor.int8)"
    assert tensor_repr(T(0.5, "bfloat16")) == "tensor(0.5000, dtype=rtensor.bfloat16)"


def test_nonfinite_in_each_mode():
    # int mode: no "." after nan/inf, width from finite values only
    assert tensor_repr(T([inf, 100.0])) == "tensor([ inf, 100.])"
    # fixed mode
    assert tensor_repr(T([nan, 0.5])) == "tensor([   nan, 0.5000])"
    # sci mode: nan/inf are right-aligned to the sci width
    assert tensor_repr(T([nan, 1e-5, -inf])) == "tensor([       nan, 1.0000e-05,       -inf])"
    # only non-finite / zero values
    assert tensor_repr(T([nan, inf, 0.0])) == "tensor([nan, inf, 0.])"


def test_sci_mode_true_with_all_zeros_stays_fixed():
    # PyTorch's formatter returns before consulting sci_mode when there is no
    # nonzero finite value.
    with ts.printoptions(sci_mode=True):
        assert tensor_repr(T([0.0, 0.0])) == "tensor([0., 0.])"


def test_half_precision_values():
    # float16 0.1 is 0.0999755859375; bfloat16 0.1 is 0.10009765625
    assert tensor_repr(T([0.1, 1.0 / 3], "float16")) == (
        "tensor([0.1000, 0.3333], dtype=rtensor.float16)"
    )
    with ts.printoptions(precision=8):
        assert tensor_repr(T([0.1], "float16")) == "tensor([0.09997559], dtype=rtensor.float16)"
        assert tensor_repr(T([0.1], "bfloat16")) == ("tensor([0.10009766], dtype=rtensor.bfloat16)")
    assert tensor_repr(T([65504.0, 1.0], "float16")) == (
        "tensor([6.5504e+04, 1.0000e+00], dtype=rtensor.float16)"
    )


def test_summarized_3d():
    t = T(np.arange(4 * 3 * 400).reshape(4, 3, 400))
    with ts.printoptions(edgeitems=1):
        assert tensor_repr(t) == (
            "tensor([[[   0,  ...,  399],\n"
            "         ...,\n"
            "         [ 800,  ..., 1199]],\n"
            "\n"
            "        ...,\n"
            "\n"
            "        [[3600,  ..., 3999],\n"
            "         ...,\n"
            "         [4400,  ..., 4799]]])"
        )
    # Dimensions not longer than 2 * edgeitems are shown whole.
    t = T(np.arange(2 * 2 * 600).reshape(2, 2, 600) * 0.5)
    with ts.printoptions(edgeitems=2):
        assert tensor_repr(t) == (
            "tensor([[[0.0000e+00, 5.0000e-01,  ..., 2.9900e+02, 2.9950e+02],\n"
            "         [3.0000e+02, 3.0050e+02,  ..., 5.9900e+02, 5.9950e+02]],\n"
            "\n"
            "        [[6.0000e+02, 6.0050e+02,  ..., 8.9900e+02, 8.9950e+02],\n"
            "         [9.0000e+02, 9.0050e+02,  ..., 1.1990e+03, 1.1995e+03]]])"
        )


def test_edgeitems_zero():
    with ts.printoptions(threshold=3, edgeitems=0):
        assert tensor_repr(T(np.arange(5))) == "tensor([...], size=(5,))"
        assert tensor_repr(T(np.arange(6).reshape(2, 3))) == "tensor([...], size=(2, 3))"
        # Not summarized: everything is shown, the size suffix still appears.
        assert tensor_repr(T([1, 2])) == "tensor([1, 2], size=(2,))"


def test_linewidth_narrower_than_an_element():
    with ts.printoptions(linewidth=5):
        assert tensor_repr(T([1000, 2000])) == "tensor([1000,\n        2000])"


def test_complex_values():
    class ComplexTensor(FakeTensor):
        def __init__(self, values, name):
            super().__init__(np.zeros(np.shape(values)), "float32")
            self._values = np.asarray(values, dtype=np.complex128)
            self.dtype = FakeDType(name)
            self.dtype.is_floating_point = False

    assert tensor_repr(ComplexTensor([1 + 2j, -0.5 - 1j], "complex64")) == (
        "tensor([ 1.0000+2.j, -0.5000-1.j])"
    )
    assert tensor_repr(ComplexTensor(complex(1, -0.0), "complex128")) == (
        "tensor(1.-0.j, dtype=rtensor.complex128)"
    )


def _brute_width(values, precision, sci):
    if sci:
        return max(len(format(v, f".{precision}e")) for v in values)
    return max(len(format(v, f".{precision}f")) for v in values)


def test_formatter_width_matches_element_strings():
    rng = np.random.default_rng(0)
    for _ in range(50):
        vals = rng.standard_normal(37) * 10.0 ** rng.integers(-6, 9)
        vals = vals.astype(np.float32).astype(np.float64)
        f = ts._Formatter(vals, True)
        strings = [f.format(v) for v in vals.tolist()]
        assert len({len(s) for s in strings}) == 1
        assert len(strings[0]) == f.width()
        assert f.width() == _brute_width(vals.tolist(), 4, f.sci_mode) or f.int_mode
