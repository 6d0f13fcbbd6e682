"""``rtensor.device``. Two devices exist: the CPU and one GPU. The GPU's device type is
``'cuda'``, as in PyTorch, so that code written for CUDA runs unchanged; ``'gpu'`` is accepted
as an alias everywhere a device is named (``device('gpu')`` equals ``device('cuda')``).
Printing follows PyTorch: ``device(type='cuda', index=0)``, tensors show ``device='cuda:0'``."""

_TYPES = {"cpu": "cpu", "gpu": "cuda", "cuda": "cuda"}


class device:
    __slots__ = ("index", "type")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = "cuda", type
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

    @property
    def _is_gpu(self):
        return self.type == "cuda"

    def _check_available(self):
        """RuntimeError (PyTorch's class) naming why this device cannot be used."""
        if self.type == "cpu":
            return
        from . import _C

        if self.index not in (None, 0):
            raise RuntimeError(
                f"CUDA error: invalid device ordinal (device '{self}' requested; rtensor has one GPU, "
                "cuda:0)"
            )
        reason = _C._gpu_unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"device '{self}' is not available: {reason}")

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
GPU0 = device("cuda", 0)
