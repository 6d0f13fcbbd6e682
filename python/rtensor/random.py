"""``rtensor.random``: the default generator's seed and state (``torch.random``).

Every random function without ``generator=`` draws from ``default_generator``; a
``Generator()`` owns its own stream and never moves this one.
"""

import contextlib

from ._C import Generator, default_generator

__all__ = [
    "Generator",
    "default_generator",
    "fork_rng",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "seed",
    "set_rng_state",
]


def manual_seed(seed):
    """Seeds the default generator and returns it (``torch.manual_seed``)."""
    return default_generator.manual_seed(int(seed))


def seed():
    """Seeds the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state, a uint8 tensor (PyTorch's 5056-byte layout)."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restores a state returned by :func:`get_rng_state`."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Restores the default generator's state on exit. Every device draws from the one CPU
    generator in rtensor, so ``devices`` and ``device_type`` change nothing."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
