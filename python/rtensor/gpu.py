"""``rtensor.gpu`` (also ``rtensor.cuda``): the GPU device, run by wgpu with WGSL kernels.

Environment switches (read when the device is first used):

* ``RTENSOR_ALLOW_SOFTWARE_GPU=1`` -- accept a CPU adapter (Mesa's lavapipe); off by default so
  that a machine without a GPU reports none instead of running "GPU" code on its CPU.
* ``RTENSOR_GPU_BACKEND`` -- ``vulkan``, ``metal``, ``dx12`` or ``gl`` (default: the platform's
  primary backends).
* ``RTENSOR_GPU_FLUSH_EVERY`` -- submit batched kernels after this many dispatches (default 64).
* ``RTENSOR_GPU_SYNC=1`` -- submit and wait after every kernel and raise its error there (debug).
"""

from . import _C


def is_available():
    """True if a usable GPU adapter exists (creating the device on first call)."""
    return _C._gpu_is_available()


def device_count():
    return 1 if is_available() else 0


def _require():
    reason = _C._gpu_unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"no GPU available: {reason}")


def get_device_name(device=None):
    _require()
    return _C._gpu_device_name()


def current_device():
    _require()
    return 0


def set_device(device):
    from ._device import device as _device

    d = _device(device) if not isinstance(device, int) else _device("cuda", device)
    d._check_available()


def synchronize(device=None):
    """Submits queued kernels and waits for the device to finish them."""
    _require()
    _C._gpu_synchronize()


def memory_allocated(device=None):
    """Bytes held by live GPU tensors (in the caching allocator's block sizes)."""
    return _C._gpu_memory_stats()[0]


def max_memory_allocated(device=None):
    return _C._gpu_memory_stats()[1]


def memory_reserved(device=None):
    """Bytes held by live tensors plus cached free blocks."""
    allocated, _, cached = _C._gpu_memory_stats()
    return allocated + cached


def reset_peak_memory_stats(device=None):
    _C._gpu_reset_peak_memory_stats()


def empty_cache():
    """Releases the cached free blocks back to the driver."""
    _C._gpu_empty_cache()


def manual_seed(seed):
    """Random numbers on the GPU come from the CPU generator; this seeds it."""
    from . import random

    random.manual_seed(seed)


manual_seed_all = manual_seed


def stats():
    """What the device did since :func:`reset_stats` (or since it was created): a dict of
    ``dispatches`` (kernels recorded), ``submissions`` (command buffers submitted),
    ``pipeline_compilations`` (kernels compiled: pipeline-cache misses),
    ``buffer_allocations`` (buffers handed out by the caching allocator), ``buffers_created``
    (device buffers created: the allocator's misses), ``bytes_uploaded`` and
    ``bytes_downloaded``. All zeros before the device is first used."""
    return _C._gpu_stats()


def reset_stats():
    """Starts :func:`stats`'s counts from zero."""
    _C._gpu_reset_stats()
