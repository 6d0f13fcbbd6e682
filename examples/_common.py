"""Shared by the examples: a way for tests to shorten training loops."""

import os


def steps(default):
    """Number of training steps: ``RTENSOR_EXAMPLE_STEPS`` overrides the tutorial's count."""
    return int(os.environ.get("RTENSOR_EXAMPLE_STEPS", default))
