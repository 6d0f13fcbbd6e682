"""``rtensor.utils`` (``torch.utils``): data loading lives in :mod:`rtensor.utils.data`."""

from . import data
