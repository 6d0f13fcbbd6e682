"""Pickling of tensors (``pickle.dumps(t)``, ``copy.copy``, and the queues of DataLoader worker
processes).

A tensor pickles as the bytes of the storage span it covers plus its dtype, sizes, strides,
offset within that span and ``requires_grad``, so the copy has the same layout and values.
Each tensor carries its own bytes: views pickled together do not share storage after loading
(``rtensor.save`` keeps sharing), and a small view of a large tensor does not drag the rest
of the storage along. bfloat16 travels as its int16 bit pattern, since NumPy lacks the type.
"""

import numpy as np

from . import (
    _C,
    _tensor,  # noqa: F401  (defines Tensor's Python methods first: this overrides one)
)
from ._dtype import bfloat16, by_name, int16


def _span(t):
    """(first element, element count) of the storage range ``t`` reads."""
    if t.numel() == 0:
        return 0, 0
    return t.storage_offset(), 1 + sum((n - 1) * s for n, s in zip(t.shape, t.stride()))


def storage_bytes(t, start, count):
    """``count`` elements of ``t``'s storage from ``start``, as a NumPy array (no copy)."""
    flat = t._storage_view([count], [1], start)
    if t.dtype == bfloat16:
        flat = flat.view(int16)
    return flat.numpy()


def storage_from_bytes(data, dtype):
    """A fresh 1-D tensor of ``dtype`` holding ``data`` (bytes-like), in memory rtensor owns
    through NumPy: the buffer is copied so that it is writable and aligned."""
    np_dtype = np.dtype(np.int16) if dtype == bfloat16 else _np_dtype(dtype)
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.size % np_dtype.itemsize:
        raise RuntimeError(
            f"storage of {raw.size} bytes is not a whole number of {dtype} elements"
        )
    arr = np.empty(raw.size // np_dtype.itemsize, dtype=np_dtype)
    arr.view(np.uint8)[:] = raw
    if np_dtype == np.bool_:
        # Any byte but 0 or 1 would be an invalid bool in the core: normalise.
        arr.view(np.uint8)[:] = raw != 0
    t = _C.from_numpy(arr)
    return t.view(bfloat16) if dtype == bfloat16 else t


def _np_dtype(dtype):
    return np.dtype(dtype._name if dtype._name != "bool" else np.bool_)


def __reduce_ex__(self, proto):
    start, count = _span(self)
    data = storage_bytes(self, start, count).tobytes()
    meta = (self.dtype._name, tuple(self.shape), self.stride(), self.storage_offset() - start)
    return (_rebuild_tensor, (data, *meta, self.requires_grad))


def _rebuild_tensor(data, dtype_name, size, stride, offset, requires_grad):
    storage = storage_from_bytes(data, by_name(dtype_name))
    t = storage._storage_view(list(size), list(stride), offset)
    if requires_grad:
        t.requires_grad_(True)
    return t


_C.Tensor.__reduce_ex__ = __reduce_ex__
