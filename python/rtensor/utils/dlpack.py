"""DLPack interchange on the CPU: ``Tensor.__dlpack__``/``__dlpack_device__``,
``rtensor.from_dlpack`` and the capsule functions ``to_dlpack``/``from_dlpack``.

Both directions go through NumPy's DLPack implementation over memory rtensor already shares
with NumPy without copying (``Tensor.numpy()`` and ``rtensor.from_numpy`` are views): a
``DLManagedTensor`` (or the versioned DLPack 1.0 struct, when the consumer asks with
``max_version``) describing the tensor's own buffer, sizes and strides, whose deleter releases
the tensor. Nothing is copied unless ``copy=True`` is asked for. GPU tensors raise a
``BufferError``: wgpu buffers have no device pointer another library could use.
"""

from __future__ import annotations

import ctypes

import numpy as np

from .. import _C
from .._C import Tensor

# DLDeviceType values (dlpack.h).
_KDL_CPU = 1
_KDL_WEBGPU = 15


def _dlpack_device(self):
    """``(device_type, device_id)``: kDLCPU for CPU tensors, kDLWebGPU for GPU ones."""
    return (_KDL_CPU, 0) if self.device.type == "cpu" else (_KDL_WEBGPU, 0)


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule viewing this tensor's memory (PyTorch's checks and messages)."""
    if self.requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    if self.device.type != "cpu":
        raise BufferError("rtensor GPU tensors cannot be exported through DLPack (a wgpu buffer "
                          "has no device pointer to share); move the tensor with .cpu() first")
    if self.dtype == _C.bfloat16:
        raise BufferError("DLPack export of bfloat16 tensors is not supported (NumPy, which "
                          "builds rtensor's capsules, has no bfloat16)")
    if dl_device is not None and tuple(dl_device) != (_KDL_CPU, 0):
        raise BufferError(f"rtensor can only export to the CPU (kDLCPU, 0), not {dl_device}")
    kwargs = {"stream": stream, "copy": copy}
    if max_version is not None:
        kwargs["max_version"] = max_version
    return self.numpy().__dlpack__(**kwargs)


class _Capsule:
    """Adapts a bare capsule (``to_dlpack``'s result, PyTorch's legacy API) to the protocol."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **_):
        return self.capsule

    def __dlpack_device__(self):
        return (_KDL_CPU, 0)


def _capsule_name(capsule):
    get = ctypes.pythonapi.PyCapsule_GetName
    get.restype, get.argtypes = ctypes.c_char_p, [ctypes.py_object]
    return get(capsule)


class _Writable:
    """The memory of a NumPy array that NumPy marked read-only only because a legacy (pre-1.0)
    capsule cannot say; DLPack 0.x memory is writable. Keeps the array, hence the producer, alive."""

    def __init__(self, arr):
        self.arr = arr
        self.__array_interface__ = {**arr.__array_interface__,
                                    "data": (arr.__array_interface__["data"][0], False)}


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing the memory of any DLPack producer on the CPU (NumPy, PyTorch, JAX...)
    or of a capsule; ``copy=True`` copies instead."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.clone() if copy else ext_tensor
    if hasattr(ext_tensor, "__dlpack__"):
        dev = tuple(ext_tensor.__dlpack_device__())
        if dev[0] != _KDL_CPU:
            raise BufferError(f"from_dlpack(): rtensor imports CPU memory only (kDLCPU = 1), "
                              f"got device type {dev[0]}")
        try:
            capsule = ext_tensor.__dlpack__(max_version=(1, 0))
        except TypeError:  # a producer older than DLPack 1.0's keyword
            capsule = ext_tensor.__dlpack__()
    elif type(ext_tensor).__name__ == "PyCapsule":
        capsule = ext_tensor
    else:
        raise TypeError(f"from_dlpack(): expected an object with __dlpack__ or a DLPack capsule, "
                        f"got {type(ext_tensor).__name__}")
    name = _capsule_name(capsule)
    if name not in (b"dltensor", b"dltensor_versioned"):
        raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules "
                           "can be consumed only once, so you might have already constructed a "
                           "tensor from it once.")
    versioned = name == b"dltensor_versioned"
    arr = np.from_dlpack(_Capsule(capsule))
    if copy:
        arr = arr.copy()
    elif not arr.flags.writeable:
        if versioned:
            raise BufferError("from_dlpack(): the producer marked its memory read-only and "
                              "rtensor tensors are writable; pass copy=True for a writable copy")
        arr = np.asarray(_Writable(arr))
    t = _C.from_numpy(arr)
    if device is not None and str(device) != "cpu":
        t = t.to(device)
    return t


def to_dlpack(tensor):
    """The (unversioned) DLPack capsule of ``tensor``, consumed once by a ``from_dlpack``."""
    return _dlpack(tensor)


Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = _dlpack_device
