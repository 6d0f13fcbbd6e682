"""Functions that choose a tensor's strides or storage: ``empty_strided``, ``empty_permuted``,
``Tensor.new_empty_strided``, ``Tensor.resize_`` and ``resize_as_``.

``resize_`` keeps the storage when it is large enough (the tensor becomes a contiguous view of it
from the same offset, as ATen) and otherwise moves the tensor to a new storage holding the old
elements first. ATen grows the storage itself, so other views of it see the new elements; here
they keep the old storage (rtensor storages have a fixed size).
"""

from __future__ import annotations

import math
import numbers

from . import _C

FUNCTIONS: dict = {}
METHODS: dict = {}


def _sizes(size, op):
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = tuple(size[0])
    size = [int(s) for s in size]
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {size}")
    return size


def _contiguous_strides(size):
    strides, acc = [], 1
    for s in reversed(size):
        strides.append(acc)
        acc *= max(s, 1)
    return list(reversed(strides))


def _factory(size, stride, dtype, device, requires_grad):
    size, stride = list(size), list(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of "
                           f"strides ({len(stride)})")
    _sizes(size, "empty_strided")
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {stride}")
    # The storage a strided tensor spans: 1 + sum((size - 1) * stride), none when empty.
    n = 0 if 0 in size else 1 + sum((s - 1) * st for s, st in zip(size, stride))
    base = _C.zeros(n, dtype=dtype)
    if device is not None and str(device) != "cpu":
        base = base.to(device)
    t = base._storage_view(size, stride, 0)
    if requires_grad:
        t.requires_grad_()
    return t


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A tensor with the given sizes and strides (zero-filled: rtensor never hands out
    uninitialised memory)."""
    return _factory(size, stride, dtype or _C.get_default_dtype(), device, requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """A tensor of ``size`` laid out in memory in the dim order ``physical_layout`` (outermost
    first)."""
    size, order = list(size), list(physical_layout)
    if len(order) != len(size):
        raise RuntimeError("Number of dimensions in size does not match the length of the "
                           "physical_layout")
    if sorted(order) != list(range(len(size))):
        raise RuntimeError("Duplicate dim not allowed")
    phys = _contiguous_strides([size[d] for d in order])
    stride = [0] * len(size)
    for pos, d in enumerate(order):
        stride[d] = phys[pos]
    return _factory(size, stride, dtype or _C.get_default_dtype(), device, requires_grad)


def new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None,
                      requires_grad=False, pin_memory=False):
    return _factory(size, stride, dtype or self.dtype, device or self.device, requires_grad)


def resize_(self, *size, memory_format=None):
    """Gives ``self`` the sizes ``size`` with contiguous strides; the first elements of its
    storage (from its offset) are kept."""
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    size = _sizes(size, "resize_")
    n = math.prod(size)
    offset, item = self.storage_offset(), self.element_size()
    avail = self._storage_nbytes() // item - offset
    if n <= avail:
        self._set_data(self._storage_view(size, _contiguous_strides(size), offset))
    else:
        fresh = _C.zeros(n, dtype=self.dtype)
        if self.device.type != "cpu":
            fresh = fresh.to(self.device)
        if avail > 0:
            fresh[:avail] = self._storage_view([avail], [1], offset)
        self._set_data(fresh.view(size))
    if memory_format is not None:
        self._set_data(self.contiguous(memory_format=memory_format))
    return self


def resize_as_(input, the_template, *, memory_format=None):
    return resize_(input, *the_template.shape, memory_format=memory_format)


FUNCTIONS.update(empty_strided=empty_strided, empty_permuted=empty_permuted,
                 resize_as_=resize_as_)
METHODS.update(new_empty_strided=new_empty_strided, resize_=resize_, resize_as_=resize_as_)
