"""Custom differentiable functions: subclasses of ``Function`` with static ``forward`` and
``backward``; ``apply`` runs forward without recording and attaches one native node whose
backward calls the subclass's ``backward``.

NOTE [saved outputs]: the native node holds ``ctx`` (through the backward callable), so a tensor
that is both saved and returned by ``forward`` would form a cycle the Python GC cannot see (output
-> native node -> ctx -> output), and the graph would live forever when backward is never run.
Saved outputs are therefore kept as detached aliases (same storage and version counter, no
history). The cost: a second derivative does not flow through a saved *output* (it does through
saved inputs).
"""

from .. import _C
from .._C import Tensor
from .grad_mode import no_grad


def _modified_error(t, saved_version):
    kind = "rtensor." + t.dtype._legacy_name
    sizes = ", ".join(str(s) for s in t.shape)
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{kind} [{sizes}]] is at version {t._version}; expected version "
        f"{saved_version} instead."
    )


class FunctionCtx:
    def __init__(self):
        self._saved = ()
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._non_differentiable = set()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument "
                    f"{tensors.index(t)} is of type {type(t).__name__}"
                )
        self._saved = tuple((t, None if t is None else t._version) for t in tensors)

    @property
    def saved_tensors(self):
        out = []
        for t, version in self._saved:
            if t is not None and t._version != version:
                raise _modified_error(t, version)
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        pass

    def _detach_saved_outputs(self, outs):
        """See NOTE [saved outputs]."""
        ids = {id(o) for o in outs if isinstance(o, Tensor)}
        self._saved = tuple(
            (t.detach(), v) if t is not None and id(t) in ids else (t, v) for t, v in self._saved
        )


class Function:
    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. "
            "Please use new-style autograd function with static forward method."
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = FunctionCtx()
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(
            isinstance(a, Tensor) and a.requires_grad and _C.is_grad_enabled() for a in args
        )
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        ctx._detach_saved_outputs(outs)
        if not (_C.is_grad_enabled() and any(t.requires_grad for t in tensor_args)):
            return out
        # Differentiable outputs get the node; backward still receives one gradient per
        # output (zeros, or None without materialize_grads, for the others).
        diff_pos = [
            i for i, o in enumerate(outs)
            if isinstance(o, Tensor) and o.dtype.is_floating_point
            and id(o) not in ctx._non_differentiable
        ]
        shapes = [(tuple(o.shape), o.dtype) if isinstance(o, Tensor) else None for o in outs]
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        n_args = len(args)
        name = cls.__name__

        def backward(*grads):
            full = [None] * len(shapes)
            for p, g in zip(diff_pos, grads):
                full[p] = g
            if ctx.materialize_grads:
                for p, s in enumerate(shapes):
                    if full[p] is None and s is not None and s[1].is_floating_point:
                        full[p] = _C.full(s[0], 0.0, s[1])
            r = cls.backward(ctx, *full)
            r = r if isinstance(r, tuple) else (r,)
            if len(r) != n_args:
                raise RuntimeError(
                    f"function {name}Backward returned an incorrect number of gradients "
                    f"(expected {n_args}, got {len(r)})"
                )
            return tuple(r[i] for i in positions)

        diff = [outs[i] for i in diff_pos]
        recorded = _C._record_function(name + "Backward", tensor_args, diff, backward, False)
        new_outs = list(outs)
        for p, r in zip(diff_pos, recorded):
            new_outs[p] = r
        return new_outs[0] if single else tuple(new_outs)
