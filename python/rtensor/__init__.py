"""rtensor: a tensor library with a Rust core and PyTorch's API (``import rtensor as torch``)."""

import sys as _sys

from . import (
    _C,
    _aten_internal,
    _complex,
    _function_forms,
    _gpu_guard,  # noqa: F401  (wraps CPU-only natives before anything captures one)
    _longtail_count,
    _longtail_index,
    _longtail_math,
    _longtail_shape,
    _longtail_stats,
    _storage_ops,
    _tensor,  # noqa: F401  (adds the Python-level Tensor methods)
    autograd,
    fft,
    gpu,
    linalg,
    masked,
    nn,
    optim,
    random,
    signal,
    special,
    utils,
)
from ._C import (
    Tensor,
    can_cast,
    dtype,  # noqa: F401
    einsum,
    from_numpy,
    get_default_dtype,
    get_num_threads,
    hstack,
    promote_types,
    result_type,
    set_default_dtype,
    set_num_threads,
    vstack,
)
from ._device import device
from ._dtype import (
    bfloat16,
    bool,
    complex64,
    complex128,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from ._functions import FUNCTIONS as _FUNCTIONS
from ._functions import (
    arange,
    as_tensor,
    cat,
    clone,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from ._legacy import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from ._memory_format import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from ._random import FUNCTIONS as _RANDOM_FUNCTIONS
from ._random_samplers import FUNCTIONS as _SAMPLER_FUNCTIONS
from ._size import Size
from ._tensor_str import get_printoptions, printoptions, set_printoptions
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .nn.functional import (  # torch.conv2d is F.conv2d
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .serialization import load, save

# torch.inverse, torch.det... are the linalg functions (their Tensor methods are set there)
cholesky = linalg._legacy_cholesky
det = linalg.det
inverse = linalg.inverse
logdet = linalg.logdet
slogdet = linalg._legacy_slogdet
matrix_power = linalg.matrix_power
# torch.lu, lu_unpack, lu_solve, matrix_exp, geqrf, orgqr, ormqr,
# triangular_solve, cholesky_solve, cholesky_inverse, vander, svd, qr, pinverse, chain_matmul
globals().update(linalg._lf.TOP_LEVEL)
# torch.eig (removed in PyTorch: raises its message)
globals().update(linalg._le.TOP_LEVEL)

cuda = gpu  # PyTorch's name for the GPU module: rtensor.cuda.is_available() ...

# torch.pixel_shuffle, torch.pdist... are the nn.functional functions
channel_shuffle = nn.functional.channel_shuffle
cosine_similarity = nn.functional.cosine_similarity
native_channel_shuffle = nn.functional.native_channel_shuffle
pairwise_distance = nn.functional.pairwise_distance
pdist = nn.functional.pdist
pixel_shuffle = nn.functional.pixel_shuffle
pixel_unshuffle = nn.functional.pixel_unshuffle
_sys.modules[__name__ + ".cuda"] = gpu

float = float32
double = float64
cfloat = complex64
cdouble = complex128
half = float16
long = int64
int = int32
short = int16
concat = cat
concatenate = cat

globals().update({k: v for k, v in _FUNCTIONS.items() if k not in globals()})
globals().update(_RANDOM_FUNCTIONS)

# The long tail (atleast_2d, kron, cov, cummax, unique...): function forms and Tensor methods.
for _lt in (_longtail_shape, _longtail_math, _longtail_count, _longtail_index,
            _longtail_stats, _storage_ops):
    _longtail_shape.register(_lt.METHODS)
    globals().update(_lt.FUNCTIONS)
del _lt
_longtail_index.add_inplace_forms()  # torch.abs_(t) ... (after every method exists)
globals().update({k: v for k, v in _longtail_index.FUNCTIONS.items() if k not in globals()})
globals().update(signal.windows.TOPLEVEL)  # torch.hann_window, kaiser_window...
# Complex numbers (after the long tail: `sgn` and `angle` take complex inputs here).
_complex.register()
globals().update(_complex.FUNCTIONS)

# torch.dropout, torch.batch_norm, torch.kl_div... (ATen's signatures) and in-place function
# forms; only names nothing above defined.
_longtail_shape.register({k: v for k, v in _function_forms.METHODS.items()
                          if not hasattr(Tensor, k)})
globals().update({k: v for k, v in _function_forms.FUNCTIONS.items() if k not in globals()})

from_dlpack = utils.dlpack.from_dlpack  # DLPack on the CPU (Tensor.__dlpack__ there too)

# ATen-level functions (native_layer_norm, _chunk_cat, grid_sampler...).
globals().update({k: v for k, v in _aten_internal.FUNCTIONS.items() if k not in globals()})

# torch.distributions' samplers: _standard_gamma, _sample_dirichlet, poisson, binomial.
globals().update(_SAMPLER_FUNCTIONS)

# torch.special's top-level aliases and methods (polygamma, mvlgamma, igamma, logit...).
_longtail_shape.register(special.METHODS)
globals().update(special.FUNCTIONS)

# torch.stft / torch.istft and their Tensor methods.
from . import _stft  # noqa: E402

_longtail_shape.register(_stft.METHODS)
globals().update(_stft.FUNCTIONS)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.dtype.is_floating_point


def numel(input):
    return input.numel()


def swapaxes(input, axis0, axis1):
    return input.transpose(axis0, axis1)


__version__ = "0.1.0"

# torch.distributions, imported with the package as PyTorch does (it needs the names above).
from . import distributions  # noqa: E402
