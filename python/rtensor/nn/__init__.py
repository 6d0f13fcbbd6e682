"""``rtensor.nn``: modules, parameters, initialisation and utilities, as ``torch.nn``."""

from . import functional, init, utils
from .modules.activation import *  # noqa: F403
from .modules.adaptive import AdaptiveLogSoftmaxWithLoss
from .modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .modules.conv import Conv1d, Conv2d, Conv3d
from .modules.dropout import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from .modules.flatten import Flatten, Unflatten
from .modules.linear import Bilinear, Identity, Linear
from .modules.loss import *  # noqa: F403
from .modules.module import Module
from .modules.normalization import LayerNorm
from .modules.sparse import Embedding, EmbeddingBag
from .modules.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .parameter import Buffer, Parameter
