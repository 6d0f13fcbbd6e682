"""``rtensor.nn``: modules, parameters, initialisation and utilities, as ``torch.nn``."""

from . import functional, init, utils
from .modules.activation import *  # noqa: F403
from .modules.adaptive import AdaptiveLogSoftmaxWithLoss
from .modules.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, SyncBatchNorm
from .modules.channelshuffle import ChannelShuffle
from .modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .modules.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from .modules.distance import CosineSimilarity, PairwiseDistance
from .modules.dropout import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from .modules.flatten import Flatten, Unflatten
from .modules.fold import Fold, Unfold
from .modules.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .modules.linear import Bilinear, Identity, Linear
from .modules.loss import *  # noqa: F403
from .modules.module import Module
from .modules.normalization import GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm
from .modules.padding import *  # noqa: F403  (Zero/Constant/Reflection/Replication/CircularPadNd)
from .modules.pixelshuffle import PixelShuffle, PixelUnshuffle
from .modules.pooling import *  # noqa: F403  (MaxPool1d ... AdaptiveAvgPool3d)
from .modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .modules.sparse import Embedding, EmbeddingBag
from .modules.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .modules.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .parameter import Buffer, Parameter
