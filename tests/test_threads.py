"""The CPU thread pool behind ``set_num_threads``: the count it reports, and the pinning of a
pool that takes every CPU the process may use (see src/backend/cpu/threads.rs for why).

Oracle: the kernel's own view of each worker thread (``/proc/self/task``, ``sched_getaffinity``).
"""

import os
import time

import numpy as np
import pytest
import rtensor as torch

linux = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")


def workers():
    """{thread id: allowed CPUs} of the pool's threads (named rtensor-<i>)."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f.read().strip()
            if name.startswith("rtensor-"):
                out[int(name.split("-")[1])] = os.sched_getaffinity(int(tid))
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread of an old pool that just exited
    return out


def settled(n, want, timeout=5.0):
    """Waits until the pool's n workers exist and `want(affinities)` holds; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        w = workers()
        if sorted(w) == list(range(n)) and want(w):
            return w
        if time.monotonic() > deadline:
            return w
        torch.ones(1000).sum()
        time.sleep(0.01)


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@linux
def test_full_pool_pins_one_worker_per_allowed_cpu(restore_threads):
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("one CPU: a one-thread pool is never pinned")
    torch.set_num_threads(len(cpus))
    assert torch.get_num_threads() == len(cpus)
    w = settled(len(cpus), lambda w: all(len(s) == 1 for s in w.values()))
    assert [w[i] for i in range(len(cpus))] == [{c} for c in cpus]
    # the pinned pool still computes (a product cut into bands across the workers)
    a = np.random.default_rng(0).standard_normal((300, 200))
    np.testing.assert_allclose((torch.from_numpy(a) @ torch.from_numpy(a.T)).numpy(), a @ a.T,
                               rtol=1e-10, atol=1e-10)


@linux
def test_smaller_pool_is_not_pinned(restore_threads):
    cpus = set(os.sched_getaffinity(0))
    for n in {1, max(1, len(cpus) - 1)}:
        torch.set_num_threads(n)
        assert torch.get_num_threads() == n
        w = settled(n, lambda w: all(s == cpus for s in w.values()))
        assert sorted(w) == list(range(n))
        assert all(s == cpus for s in w.values()), w
