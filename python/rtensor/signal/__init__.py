"""``rtensor.signal``: ``signal.windows`` (PyTorch's ``torch.signal``)."""

from . import windows

__all__ = ["windows"]
