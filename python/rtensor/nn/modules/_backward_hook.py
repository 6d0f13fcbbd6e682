"""Module full backward hooks (``register_full_backward_hook`` / ``_pre_hook``).

As PyTorch's ``torch.utils.hooks.BackwardHook`` does, the module's tensor inputs and outputs are
passed through identity autograd Functions. In backward the output identity sees the gradients
with respect to the outputs (``grad_output``; pre-hooks may replace them) and the input identity
sees the gradients with respect to the inputs (``grad_input``); the user hooks run there and may
replace ``grad_input``.
"""

from ... import _C
from ..._C import Tensor
from ...autograd.function import Function


class _Identity(Function):
    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        ctx.set_materialize_grads(False)
        outs = tuple(t.detach() for t in tensors)
        ctx.mark_non_differentiable(*[o for o, t in zip(outs, tensors) if not t.requires_grad])
        return outs

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.callback(grads))


def _pack_with_none(indices, values, size):
    res = [None] * size
    for idx, val in zip(indices, values):
        res[idx] = val
    return tuple(res)


def _check_count(result, expected, kind, what):
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) != expected:
        raise RuntimeError(
            f"{kind} returned an invalid number of {what}, got {len(result)}, but "
            f"expected {expected}"
        )
    return result


class BackwardHook:
    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_tensors_index = None

    def _wrap(self, values, callback):
        """Passes the tensors among ``values`` through an identity node; returns the new values
        and the positions of the tensors, or None when no tensor requires grad."""
        idx = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        tensors = [values[i] for i in idx]
        if not (_C.is_grad_enabled() and any(t.requires_grad for t in tensors)):
            return values, None
        new = _Identity.apply(callback, *tensors)
        out = list(values)
        for i, t in zip(idx, new):
            out[i] = t
        return tuple(out), idx

    def setup_input_hook(self, args):
        def input_backward(grads):
            grad_input = _pack_with_none(self.input_tensors_index, grads, self.n_inputs)
            for hook in self.user_hooks:
                res = hook(self.module, grad_input, self.grad_outputs)
                if res is not None:
                    grad_input = _check_count(res, len(grad_input), "Backward hook", "grad_input")
            return tuple(grad_input[i] for i in self.input_tensors_index)

        self.n_inputs = len(args)
        new_args, self.input_tensors_index = self._wrap(tuple(args), input_backward)
        return new_args

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        values = (result,) if single else result
        if not isinstance(values, tuple):
            return result

        def output_backward(grads):
            self.grad_outputs = _pack_with_none(out_index, grads, len(values))
            for hook in self.user_pre_hooks:
                res = hook(self.module, self.grad_outputs)
                if res is not None:
                    self.grad_outputs = _check_count(res, len(self.grad_outputs),
                                                     "Backward pre hook", "grad_output")
            if self.input_tensors_index is None:
                # No input requires grad: the input identity never runs, so call the hooks here.
                grad_input = (None,) * self.n_inputs
                for hook in self.user_hooks:
                    res = hook(self.module, grad_input, self.grad_outputs)
                    if res is not None and not (
                        isinstance(res, tuple) and all(r is None for r in res)
                    ):
                        raise RuntimeError(
                            "Backward hook for Modules where no input requires gradient should "
                            "always return None or None for all gradients."
                        )
            return tuple(self.grad_outputs[i] for i in out_index)

        new_values, out_index = self._wrap(values, output_backward)
        if out_index is None:
            return result
        return new_values[0] if single else new_values
