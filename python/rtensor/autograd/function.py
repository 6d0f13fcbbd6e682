"""Custom differentiable functions: subclasses of ``Function`` with static ``forward`` and
``backward``; ``apply`` runs forward without recording and attaches one native node whose
backward calls the subclass's ``backward``."""

from .. import _C
from .._C import Tensor
from .grad_mode import no_grad


class FunctionCtx:
    def __init__(self):
        self.saved_tensors = ()
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._non_differentiable = set()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tuple(tensors)

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        pass


class Function:
    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. "
            "Please use new-style autograd function with static forward method."
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        if not (_C.is_grad_enabled() and any(t.requires_grad for t in tensor_args)):
            return out
        diff = [o for o in outs if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable]
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]

        def backward(*grads):
            r = cls.backward(ctx, *grads)
            r = r if isinstance(r, tuple) else (r,)
            if len(r) != len(args):
                raise RuntimeError(
                    f"function {cls.__name__}Backward returned an incorrect number of gradients "
                    f"(expected {len(args)}, got {len(r)})"
                )
            return tuple(r[i] for i in positions)

        recorded = _C._record_function(
            cls.__name__ + "Backward", tensor_args, diff, backward, ctx.materialize_grads
        )
        mapping = {id(o): r for o, r in zip(diff, recorded)}
        new_outs = tuple(mapping.get(id(o), o) if isinstance(o, Tensor) else o for o in outs)
        return new_outs[0] if single else new_outs
