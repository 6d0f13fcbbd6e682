"""Fixtures shared by the test modules."""

import pytest
import rtensor as torch
from rtensor import _C


@pytest.fixture(scope="module")
def gpu():
    """The GPU device; skips the test with the reason when no adapter is usable."""
    reason = _C._gpu_unavailable_reason()
    if reason is not None:
        pytest.skip(f"no GPU adapter: {reason}")
    return torch.device("cuda")
