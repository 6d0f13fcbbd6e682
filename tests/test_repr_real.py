"""Printing with the real library: the cases of ``tests/data/repr_cases.json`` evaluated with
rtensor itself (``torch`` bound to ``rtensor``), compared character for character with
PyTorch's output (``torch.`` spelled ``rtensor.``).

``tests/test_printing.py`` checks the formatter on NumPy-backed fakes; this file checks that
the real tensors, dtypes, sizes and devices reach it with PyTorch's values and metadata.
"""

import json
import pathlib

import pytest
import rtensor

ROOT = pathlib.Path(__file__).resolve().parents[1]
CASES = json.loads((ROOT / "tests" / "data" / "repr_cases.json").read_text())

# Constructs that are descriptions rather than expressions.
DESCRIBED = {
    "torch.randn(2, 3).shape (after any seed)": lambda: rtensor.randn(2, 3).shape,
    "torch.manual_seed(1); torch.nn.Embedding(2, 5)(torch.tensor([0], dtype=torch.long))":
        lambda: (rtensor.manual_seed(1),
                 rtensor.nn.Embedding(2, 5)(rtensor.tensor([0], dtype=rtensor.long)))[1],
}
MODULE_REPR = " (module repr)"

RUN = CASES


def build(construct):
    if construct in DESCRIBED:
        return DESCRIBED[construct]()
    construct = construct.removesuffix(MODULE_REPR)
    return eval(construct, {"torch": rtensor, "__builtins__": __builtins__})


def _id(case):
    opts = case.get("printoptions")
    return case["construct"] + ("" if not opts else " " + json.dumps(opts, sort_keys=True))


def test_every_case_is_run():
    assert len(RUN) == 89


@pytest.mark.parametrize("case", RUN, ids=_id)
def test_repr_with_the_real_library(case):
    rtensor.manual_seed(0)
    value = build(case["construct"])
    expected = case["repr"].replace("torch.", "rtensor.")
    with rtensor.printoptions(**case.get("printoptions", {})):
        got = repr(value)
        if isinstance(value, rtensor.Tensor):
            assert str(value) == got
    assert got == expected
    assert rtensor.get_printoptions()["precision"] == 4


def test_str_of_size_and_dtype_equals_repr():
    assert str(rtensor.Size([2, 3])) == "rtensor.Size([2, 3])"
    assert str(rtensor.float32) == "rtensor.float32"
    assert str(rtensor.device("cpu")) == "cpu"
