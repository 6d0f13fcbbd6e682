"""``rtensor.Size``: the tuple subclass that ``Tensor.shape`` and ``size()`` return."""


class Size(tuple):
    _is_size = True

    def __repr__(self):
        return f"rtensor.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))
