"""``rtensor.autograd``: reverse-mode differentiation (the engine is native; see src/autograd)."""

from .. import _C
from .._C import Tensor
from . import graph  # noqa: F401
from .function import Function, FunctionCtx  # noqa: F401
from .grad_mode import (  # noqa: F401
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401


def Variable(data, requires_grad=False, volatile=False):
    """Old PyTorch's Variable: now just a tensor (sharing ``data``'s storage)."""
    t = data.detach() if isinstance(data, Tensor) else _C.tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _make_grads(outputs, grads):
    out = []
    for i, (o, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if o.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not o.dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {o.dtype}"
                )
            g = _C.full(tuple(o.shape), 1.0, o.dtype).to(o.device)
        elif not isinstance(g, Tensor):
            g = _C.full(tuple(o.shape), g, o.dtype).to(o.device)
        elif tuple(g.shape) != tuple(o.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {o.shape}."
            )
        out.append(g)
    return out


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    tensors = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(
            f"grad_tensors should have the same length as tensors: {len(grads)} vs {len(tensors)}"
        )
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_list(inputs) or None
    _C._run_backward(tensors, grads, retain_graph, create_graph, inputs, True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    single_input = isinstance(inputs, Tensor)
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
    grads = _as_list(grad_outputs) or [None] * len(outputs)
    grads = _make_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    result = _C._run_backward(outputs, grads, retain_graph, create_graph, inputs, False)
    for i, r in enumerate(result):
        if r is None:
            if materialize_grads:
                result[i] = _C.zeros(*inputs[i].shape, dtype=inputs[i].dtype).to(inputs[i].device)
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
    return tuple(result) if not single_input or True else result[0]
