"""The example scripts run as they are and print what the tutorials they mirror print.

Oracle: the tutorials' own printed output, copied into ``tests/data/*.expected.txt``.
"""

import pathlib

import pytest
import rtensor
from example_runner import run

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_example(name):
    return run(name)


def test_tensors_intro():
    # "Introduction to PyTorch": tensors, indexing, randn after manual_seed(1), operations,
    # cat, view. (The tutorial dump breaks one 80-column line in two; the expected file
    # has PyTorch's real line, which tests/data/repr_cases.json also holds.)
    expected = (ROOT / "tests" / "data" / "tensors_intro.expected.txt").read_text()
    assert run_example("tensors_intro.py") == expected


def test_tensors_intro_incompatible_cat_complains():
    # The tutorial's commented-out line: "If your tensors are not compatible, torch will
    # complain." PyTorch's message for it:
    x_1, x_2 = rtensor.randn(2, 5), rtensor.randn(2, 3)
    with pytest.raises(RuntimeError) as info:
        rtensor.cat([x_1, x_2])
    assert str(info.value) == (
        "Sizes of tensors must match except in dimension 0. Expected size 5 but got size 3 "
        "for tensor number 1 in the list."
    )
