"""``Parameter``: a Tensor that a Module registers as learnable when it is assigned as an attribute.

``rtensor.Tensor`` is a PyO3 class built with ``subclass``; its constructor takes ``_wrap=t`` to
wrap an existing core tensor. A Parameter wraps ``data.detach()``: it shares ``data``'s storage
but has its own autograd identity (a fresh leaf), as ``Tensor._make_subclass`` does in PyTorch.
Results of operations on a Parameter are plain Tensors, as in PyTorch.
"""

from .. import _C
from .._C import Tensor


class Parameter(Tensor):
    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _C.zeros(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter(): argument 'data' (position 1) must be Tensor, not {type(data).__name__}"
            )
        self = super().__new__(cls, _wrap=data.detach())
        self.requires_grad_(requires_grad)
        return self

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    # rtensor.Tensor defines __str__ (PyTorch's Tensor does not), so print() needs it too.
    __str__ = __repr__

    def __reduce_ex__(self, proto):
        # Tensor pickles its values only; a Parameter must come back as a Parameter that keeps
        # ``requires_grad`` (PyTorch's ``_rebuild_parameter``). The shape travels too, so that
        # a 0-d Parameter stays 0-d whatever the Tensor pickling does with it.
        return (_rebuild_parameter, (self.data, self.requires_grad, tuple(self.shape)))


def _rebuild_parameter(data, requires_grad, shape=None):
    if shape is not None:
        data = data.reshape(shape)
    return Parameter(data, requires_grad)


class _BufferMeta(type):
    # ``isinstance(t, Buffer)`` is true for the tensors ``Buffer(...)`` marks, as in PyTorch.
    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    ``Buffer(t)`` returns ``t.detach()`` (a plain Tensor, as PyTorch does) flagged as a buffer;
    ``persistent=False`` keeps it out of ``state_dict``.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _C.zeros(0)
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t
