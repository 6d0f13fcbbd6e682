"""``rtensor.utils`` (``torch.utils``): data loading lives in :mod:`rtensor.utils.data`, DLPack
interchange in :mod:`rtensor.utils.dlpack`."""

from . import data, dlpack
