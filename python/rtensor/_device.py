"""``rtensor.device``. Only the CPU exists in this build; GPU names are recognised (``gpu``,
and ``cuda`` as its alias) so that the error says what is missing."""

_TYPES = {"cpu": "cpu", "gpu": "gpu", "cuda": "gpu"}


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = "gpu", type
        name, _, idx = str(type).partition(":")
        if name not in _TYPES:
            raise RuntimeError(
                "Expected one of cpu, gpu, cuda device type at start of device string: "
                f"{type}"
            )
        if idx:
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was passed explicitly")
            index = int(idx)
        self.type = _TYPES[name]
        self.index = index

    def _check_available(self):
        if self.type != "cpu":
            raise RuntimeError(
                f"device '{self}' is not available: this build of rtensor has no GPU backend yet"
            )

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


CPU = device("cpu")
