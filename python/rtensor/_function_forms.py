"""``torch.<name>`` forms of the neural-network functions and in-place methods, with ATen's
positional signatures (which differ from ``torch.nn.functional``'s: ``torch.dropout(input, p,
train)``, ``torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum,
eps, cudnn_enabled)``, integer ``reduction`` codes 0/1/2 for none/mean/sum...).

Each forwards to the one definition in ``nn.functional`` or on ``Tensor``; nothing is computed
here.
"""

from __future__ import annotations

FUNCTIONS: dict = {}
METHODS: dict = {}

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _F():
    from .nn import functional

    return functional


def _reduction(code):
    if code not in _REDUCTIONS:
        raise ValueError(f"{code} is not a valid value for reduction")
    return _REDUCTIONS[code]


def _export(fn):
    FUNCTIONS[fn.__name__] = fn
    return fn


# ----- dropout (ATen's _dropout_impl, as nn.functional) -----


@_export
def dropout(input, p, train):
    return _F().dropout(input, p, train)


@_export
def dropout_(input, p, train):
    return _F().dropout(input, p, train, inplace=True)


@_export
def alpha_dropout(input, p, train):
    return _F().alpha_dropout(input, p, train)


@_export
def alpha_dropout_(input, p, train):
    return _F().alpha_dropout(input, p, train, inplace=True)


@_export
def feature_dropout(input, p, train):
    _F()._check_p(p)
    return _F()._dropout_impl(input, p, train, False, feature=True)


@_export
def feature_dropout_(input, p, train):
    _F()._check_p(p)
    return _F()._dropout_impl(input, p, train, True, feature=True)


@_export
def feature_alpha_dropout(input, p, train):
    return _F().feature_alpha_dropout(input, p, train)


@_export
def feature_alpha_dropout_(input, p, train):
    return _F().feature_alpha_dropout(input, p, train, inplace=True)


@_export
def native_dropout(input, p, train):
    """(output, mask): the kept elements scaled by 1 / (1 - p), and the boolean mask."""
    if train is False or p == 0:
        return input.clone(), input.new_ones(input.shape, dtype=_bool())
    if p == 1:
        return input * 0, input.new_zeros(input.shape, dtype=_bool())
    mask = input.detach().new_empty(input.shape).bernoulli_(1 - p).to(_bool())
    return input * mask * (1.0 / (1 - p)), mask


def _bool():
    from . import _C

    return _C.bool


# ----- normalisation -----


@_export
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return _F().layer_norm(input, normalized_shape, weight, bias, eps)


@_export
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    return _F().batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                           eps)


@_export
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return _F().group_norm(input, num_groups, weight, bias, eps)


@_export
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled):
    return _F().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                              momentum, eps)


@_export
def rms_norm(input, normalized_shape, weight=None, eps=None):
    return _F().rms_norm(input, normalized_shape, weight, eps)


# ----- activations -----


@_export
def celu(input, alpha=1.0):
    return _F().celu(input, alpha)


@_export
def celu_(input, alpha=1.0):
    return _F().celu(input, alpha, inplace=True)


@_export
def selu(input):
    return _F().selu(input)


@_export
def selu_(input):
    return _F().selu(input, inplace=True)


@_export
def threshold(input, threshold, value):
    return _F().threshold(input, threshold, value)


@_export
def threshold_(input, threshold, value):
    return _F().threshold(input, threshold, value, inplace=True)


@_export
def rrelu(input, lower=0.125, upper=1.0 / 3, training=False, generator=None):
    return _F().rrelu(input, lower, upper, training)


@_export
def rrelu_(input, lower=0.125, upper=1.0 / 3, training=False, generator=None):
    return _F().rrelu(input, lower, upper, training, inplace=True)


@_export
def prelu(input, weight):
    return _F().prelu(input, weight)


@_export
def hardshrink(input, lambd=0.5):
    return _F().hardshrink(input, lambd)


# ----- pooling, embedding, convolution -----


@_export
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@_export
def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    return _F().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode,
                           return_indices=True)


@_export
def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@_export
def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@_export
def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False,
               count_include_pad=True):
    return _F().avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode,
                           count_include_pad)


@_export
def adaptive_avg_pool1d(input, output_size):
    return _F().adaptive_avg_pool1d(input, output_size)


@_export
def adaptive_max_pool1d(input, output_size):
    return _F().adaptive_max_pool1d(input, output_size, return_indices=True)


@_export
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return _F().embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                          scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


@_export
def bilinear(input1, input2, weight, bias=None):
    return _F().bilinear(input1, input2, weight, bias)


@_export
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """ATen's ``convolution``: ``conv{1,2,3}d`` or ``conv_transpose{1,2,3}d`` by the rank."""
    nd = input.ndim - 2
    if nd not in (1, 2, 3):
        raise RuntimeError(f"Expected 3D, 4D or 5D input to convolution, but got input of size: "
                           f"{list(input.shape)}")
    F = _F()
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    fn = (F.conv1d, F.conv2d, F.conv3d)[nd - 1]
    return fn(input, weight, bias, stride, padding, dilation, groups)


@_export
def conv_tbc(input, weight, bias, pad=0):
    """Convolution over (time, batch, channels) input with a (kernel, in, out) weight."""
    x = input.permute(1, 2, 0)
    w = weight.permute(2, 1, 0)
    return _F().conv1d(x, w, bias, 1, pad).permute(2, 0, 1)


# ----- losses (integer reduction codes) -----


@_export
def kl_div(input, target, reduction=1, *, log_target=False):
    import warnings

    with warnings.catch_warnings():  # F.kl_div's 'mean' warning is Python's, not ATen's
        warnings.simplefilter("ignore", UserWarning)
        return _F().kl_div(input, target, reduction=_reduction(reduction),
                           log_target=log_target)


@_export
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return _F().margin_ranking_loss(input1, input2, target, margin,
                                    reduction=_reduction(reduction))


@_export
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return _F().cosine_embedding_loss(input1, input2, target, margin,
                                      reduction=_reduction(reduction))


@_export
def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return _F().hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


@_export
def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_reduction(reduction))


@_export
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        reduction=1):
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction(reduction))


@_export
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return _F().binary_cross_entropy_with_logits(input, target, weight,
                                                 reduction=_reduction(reduction),
                                                 pos_weight=pos_weight)


@_export
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1,
             zero_infinity=False):
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                         _reduction(reduction), zero_infinity)


# ----- norms -----


@_export
def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    r = input.norm("nuc", dim if dim is not None else [0, 1], keepdim)
    if out is not None:
        out._set_data(r)
        return out
    return r


@_export
def frobenius_norm(input, dim, keepdim=False, *, out=None):
    r = input.norm("fro", dim, keepdim)
    if out is not None:
        out._set_data(r)
        return out
    return r


@_export
def norm_except_dim(v, pow=2, dim=0):
    """``v``'s ``pow``-norm over every dim but ``dim`` (weight normalisation's norm)."""
    if dim == -1:
        return v.norm(pow)
    dims = [d for d in range(v.ndim) if d != dim % max(v.ndim, 1)]
    return v.norm(pow, dims, keepdim=True)


# ----- in-place function forms of methods -----


def _inplace_method(name):
    def f(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    f.__name__ = name
    return f


for _name in ("addmv_", "as_strided_", "conj_physical_", "fix_", "i0_", "logit_", "negative_",
              "sinc_", "xlogy_"):
    FUNCTIONS[_name] = _inplace_method(_name)
del _name


def _addmv_(self, mat, vec, *, beta=1, alpha=1):
    return self.copy_(self.addmv(mat, vec, beta=beta, alpha=alpha))


def _as_strided_(self, size, stride, storage_offset=None):
    self._set_data(self.as_strided(size, stride, storage_offset))
    return self


def _conj_physical_(self):
    return self.copy_(self.conj_physical())


def _unary_(name):
    def f(self, *args, **kwargs):
        return self.copy_(getattr(self, name)(*args, **kwargs))

    f.__name__ = name + "_"
    return f


METHODS.update(addmv_=_addmv_, as_strided_=_as_strided_, conj_physical_=_conj_physical_,
               fix_=lambda self: self.trunc_(), negative_=lambda self: self.neg_(),
               i0_=_unary_("i0"), logit_=_unary_("logit"), sinc_=_unary_("sinc"),
               xlogy_=_unary_("xlogy"))


# ----- functions PyTorch removed in 2.0: they raise with PyTorch's directions (torch.eig:
# _linalg_eig.py) -----

_REMOVED = {
    'lstsq': "This function was deprecated since version 1.9 and is now removed. `torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed arguments and does not return the QR decomposition in the returned tuple (although it returns other information about the problem).\n\nTo get the QR decomposition consider using `torch.linalg.qr`.\n\nThe returned solution in `torch.lstsq` stored the residuals of the solution in the last m - n columns of the returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field 'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\nX, _ = torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\nX = torch.linalg.lstsq(A, B).solution",
    'solve': 'This function was deprecated since version 1.9 and is now removed. `torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has its arguments reversed and does not return the LU factorization.\n\nTo get the LU factorization see `torch.lu`, which can be used with `torch.lu_solve` or `torch.lu_unpack`.\nX = torch.solve(B, A).solution should be replaced with:\nX = torch.linalg.solve(A, B)',
    'symeig': "This function was deprecated since version 1.9 and is now removed. The default behavior has changed from using the upper triangular portion of the matrix by default to using the lower triangular portion.\n\nL, _ = torch.symeig(A, upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) should be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')",
}


def _removed(name):
    def f(*args, **kwargs):
        raise RuntimeError(_REMOVED[name])

    f.__name__ = name
    return f


for _name in _REMOVED:
    FUNCTIONS[_name] = METHODS[_name] = _removed(_name)
del _name


def get_device(input):
    """-1 for a CPU tensor, else the GPU's index."""
    return -1 if input.device.type == "cpu" else (input.device.index or 0)


FUNCTIONS["get_device"] = METHODS["get_device"] = get_device
