"""The no-silent-fallback rule at the native boundary.

NOTE [GPU guard]: every native entry point (a method of ``_C.Tensor`` or a function of
``_C``) whose kernels run only on the CPU is wrapped here, once, at import: given a GPU tensor
(also inside a list or tuple argument) it raises ``NotImplementedError: "sort" is not
implemented for the GPU device`` before any kernel runs. Entry points with GPU kernels are
listed in ``GPU_NATIVE``; they are not wrapped, and inside them the Rust op refuses the
variants it has no kernel for (``"remainder" is not implemented for the GPU device``).
Python-level methods and ``nn``/``optim`` code reach kernels only through these natives, so
the rule holds for every op. Until the first GPU tensor exists the wrapper costs one flag test.
"""

from . import _C

# Native Tensor methods that run on the GPU (or only touch metadata).
_TENSOR_GPU = frozenset({
    "_shape", "dtype", "ndim", "dim", "numel", "nelement", "element_size", "itemsize", "nbytes",
    "stride", "storage_offset", "data_ptr", "is_contiguous", "_same_storage", "_version",
    "_storage_nbytes", "contiguous", "clone", "_clone_strided", "_to_dtype", "item", "tolist", "__float__",
    "__int__", "__index__", "__bool__", "__len__", "_print_values", "fill_", "zero_", "copy_",
    "_set_data", "view", "reshape", "transpose", "t_", "_t", "permute", "expand", "squeeze",
    "unsqueeze", "squeeze_", "unsqueeze_", "flatten", "unflatten", "narrow", "select", "split",
    "unfold",
    "chunk", "unbind", "movedim", "diagonal", "_slice", "_binary", "_binary_", "_rbinary", "_unary",
    "_unary_", "clamp", "clamp_", "_sum", "_nansum", "_mean", "_amax", "_max_all", "_max_dim", "_argmax",
    "mm", "bmm", "mv", "dot", "matmul", "__getitem__", "__setitem__", "requires_grad_", "detach",
    "_addmm", "_all_any", "_count_nonzero", "_cumulative", "_logsumexp", "_median", "_median_dim",
    "_nonzero", "_norm", "_prod", "_scatter_", "_sort", "_topk", "_tri", "_var", "diag", "flip",
    "gather", "index_add_", "index_fill_", "index_select", "masked_fill", "masked_fill_",
    "masked_select", "outer", "repeat", "roll", "take", "tile", "_storage_view",
    "detach_", "retain_grad", "_register_hook", "_remove_hook", "__hash__", "__repr__", "__str__",
    "__format__", "__new__", "__init__"
})

# Native module functions that run on the GPU (or take no tensors).
_MODULE_GPU = frozenset({
    "cat", "stack", "where", "tensor", "zeros", "ones", "full", "arange", "linspace", "logspace",
    "eye", "from_numpy", "result_type", "can_cast", "promote_types", "get_default_dtype",
    "set_default_dtype", "get_num_threads", "set_num_threads", "_uniform_", "_normal_",
    "_log_normal_", "_random_", "_exponential_", "_geometric_", "_cauchy_", "_randperm",
    "_backward_scalar", "_to_device", "_is_gpu", "_has_gpu_tensor", "_run_backward",
    "is_grad_enabled", "_set_grad_enabled", "is_inference_mode_enabled", "_set_inference_mode",
    "_record_function", "_activation", "_bernoulli_", "_embedding", "_linear", "_mse_loss",
    "_nll_loss", "_softmax", "einsum", "hstack", "vstack", "_ctc_loss",
    "_multinomial",
    "_convolution",
    "_sdpa_flash",
    "_optim_step",
    "_batch_norm",
    "_max_pool", "_avg_pool", "_adaptive_avg_pool", "_adaptive_max_pool", "_fractional_max_pool",
    "_max_unpool",
    "_resample",
    "_pdist",
    "_rnn_layer",
    # torch.distributions' samplers: drawn on the CPU generator (as every random fill is) and
    # uploaded; their gradient helpers (_standard_gamma_grad, _dirichlet_grad) stay CPU-only.
    "_standard_gamma", "_sample_dirichlet", "_poisson", "_binomial",
})

_state = {"gpu_used": False}


def mark_gpu_used():
    _state["gpu_used"] = True


def _op_name(name):
    return name.lstrip("_")


def _wrap(name, fn):
    msg = f'"{_op_name(name)}" is not implemented for the GPU device'
    has_gpu = _C._has_gpu_tensor

    def guarded(*args, **kwargs):
        if _state["gpu_used"] and has_gpu(args, kwargs):
            raise NotImplementedError(msg)
        return fn(*args, **kwargs)

    guarded.__name__ = getattr(fn, "__name__", name)
    guarded.__qualname__ = getattr(fn, "__qualname__", name)
    guarded.__doc__ = getattr(fn, "__doc__", None)
    guarded._gpu_guarded = True
    return guarded


def _native(obj):
    return type(obj).__name__ in ("method_descriptor", "builtin_function_or_method",
                                  "wrapper_descriptor")


def install():
    """Wraps the CPU-only natives of ``_C.Tensor`` and ``_C`` (idempotent)."""
    for name, obj in list(vars(_C.Tensor).items()):
        if _native(obj) and name not in _TENSOR_GPU and not name.startswith("__"):
            setattr(_C.Tensor, name, _wrap(name, obj))
    for name, obj in list(vars(_C).items()):
        if _native(obj) and name not in _MODULE_GPU and not name.startswith("_gpu_"):
            setattr(_C, name, _wrap(name, obj))


def guarded_names():
    """The native entry points the guard wraps (for tests)."""
    t = [n for n, o in vars(_C.Tensor).items() if getattr(o, "_gpu_guarded", False)]
    m = [n for n, o in vars(_C).items() if getattr(o, "_gpu_guarded", False)]
    return t, m


# Installed on import: `rtensor/__init__.py` imports this module before `_tensor` and the
# Python layers, so nothing captures an unwrapped native.
install()
