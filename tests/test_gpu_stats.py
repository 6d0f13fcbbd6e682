"""rtensor.gpu.stats() / reset_stats() (issue 20, part 1's counters) on lavapipe: the counts of
dispatches, submissions, pipeline compilations, allocations and transferred bytes that known
op sequences must produce."""

import numpy as np
import rtensor


def test_stats_count_an_elementwise_chain_and_a_reduction(gpu):
    x = rtensor.tensor(np.ones(1000, np.float32)).to(gpu)
    rtensor.gpu.synchronize()
    (x * 2 + 1).sum().item()  # compiles the three kernels once
    rtensor.gpu.reset_stats()
    assert set(rtensor.gpu.stats().values()) == {0}
    v = (x * 2 + 1).sum().item()
    s = rtensor.gpu.stats()
    assert v == 3000.0
    assert s["dispatches"] == 3  # mul, add, sum: one kernel each (no fusion yet)
    assert s["buffer_allocations"] == 3
    assert s["buffers_created"] <= s["buffer_allocations"]
    assert s["pipeline_compilations"] == 0  # cached from the first run
    assert s["bytes_downloaded"] == 4  # the float32 sum read back by item()
    assert s["bytes_uploaded"] == 0
    assert s["submissions"] >= 1


def test_stats_count_transfers(gpu):
    a = np.arange(1000, dtype=np.float32)
    rtensor.gpu.reset_stats()
    g = rtensor.tensor(a).to(gpu)
    back = g.cpu()
    s = rtensor.gpu.stats()
    assert s["bytes_uploaded"] == a.nbytes and s["bytes_downloaded"] == a.nbytes
    assert s["dispatches"] == 0
    np.testing.assert_array_equal(back.numpy(), a)
    rtensor.gpu.reset_stats()
    assert rtensor.gpu.stats()["bytes_uploaded"] == 0


def test_cuda_alias_and_keys():
    assert rtensor.cuda.stats is rtensor.gpu.stats
    assert set(rtensor.gpu.stats()) == {"dispatches", "submissions", "pipeline_compilations",
                                        "buffer_allocations", "buffers_created",
                                        "bytes_uploaded", "bytes_downloaded"}
