"""DLPack on the CPU (issue 17, part): zero-copy exchange with NumPy's implementation as the
other side (producer and consumer), strides kept, capsules consumed once, versioned capsules on
request, the read-only flag honoured, PyTorch's errors; GPU tensors raise BufferError."""

import re

import numpy as np
import pytest
import rtensor
from rtensor.utils import dlpack

DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
          np.float64, np.complex64, np.complex128]


@pytest.mark.parametrize("dt", DTYPES)
def test_round_trip_shares_memory(dt):
    a = (np.arange(12) % 3).astype(dt).reshape(3, 4)
    x = rtensor.from_dlpack(a)
    assert x.data_ptr() == a.ctypes.data and x.dtype == rtensor.from_numpy(a).dtype
    b = np.from_dlpack(x)
    assert b.dtype == dt and b.ctypes.data == a.ctypes.data
    np.testing.assert_array_equal(b, a)


def test_strides_are_kept_both_ways():
    a = np.arange(24.0).reshape(4, 6)[::2, 1::3]
    x = rtensor.from_dlpack(a)
    assert x.stride() == tuple(s // 8 for s in a.strides)
    assert x.data_ptr() == a.ctypes.data
    y = rtensor.arange(12.0).reshape(3, 4).t()
    n = np.from_dlpack(y)
    assert n.strides == (4 * 1, 4 * 4) and n.ctypes.data == y.data_ptr()  # float32
    n[0, 1] = 42.0  # writes through: the same memory
    assert y[0, 1].item() == 42.0


def test_capsules_are_consumed_once():
    y = rtensor.arange(6.0).reshape(2, 3)
    cap = dlpack.to_dlpack(y)
    z = dlpack.from_dlpack(cap)
    assert z.data_ptr() == y.data_ptr() and z.tolist() == y.tolist()
    z[0, 0] = 5.0  # a DLPack 0.x capsule carries no read-only flag: writable, as in PyTorch
    assert y[0, 0].item() == 5.0
    with pytest.raises(RuntimeError, match="DLTensor capsules can be consumed only once"):
        rtensor.from_dlpack(cap)


def test_versioned_capsule_on_request_and_device():
    y = rtensor.ones(3)
    assert "dltensor_versioned" in repr(y.__dlpack__(max_version=(1, 0)))
    assert '"dltensor"' in repr(y.__dlpack__())
    assert y.__dlpack_device__() == (1, 0)


def test_read_only_memory_is_not_imported_writable():
    ro = np.arange(3.0)
    ro.flags.writeable = False
    with pytest.raises(BufferError, match="read-only"):
        rtensor.from_dlpack(ro)
    c = rtensor.from_dlpack(ro, copy=True)
    assert c.tolist() == [0.0, 1.0, 2.0] and c.data_ptr() != ro.ctypes.data


def test_errors():
    with pytest.raises(RuntimeError, match=re.escape(
            "Can't export tensors that require gradient, use tensor.detach()")):
        rtensor.ones(2, requires_grad=True).__dlpack__()
    with pytest.raises(TypeError, match="expected an object with __dlpack__"):
        rtensor.from_dlpack([1, 2])
    with pytest.raises(BufferError, match="bfloat16"):
        rtensor.ones(2, dtype=rtensor.bfloat16).__dlpack__()


def test_keeps_the_producer_alive():
    x = rtensor.from_dlpack(np.arange(1000.0))
    import gc

    gc.collect()
    assert x.sum().item() == sum(range(1000))


def test_gpu_tensors_raise_buffer_error(gpu):
    g = rtensor.ones(2, device=gpu)
    with pytest.raises(BufferError, match="GPU tensors cannot be exported"):
        g.__dlpack__()
    assert g.__dlpack_device__() == (15, 0)
