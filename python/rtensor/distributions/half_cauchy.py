"""``HalfCauchy(scale)``: ``|x|`` for ``x ~ Cauchy(0, scale)``."""

import math

from ._folded import _Folded, _torch
from .cauchy import Cauchy

__all__ = ["HalfCauchy"]


class HalfCauchy(_Folded):
    _base = Cauchy

    @property
    def mean(self):
        return _torch().full(self._extended_shape(), math.inf, dtype=self.scale.dtype,
                             device=self.scale.device)

    @property
    def variance(self):
        return self.base_dist.variance
