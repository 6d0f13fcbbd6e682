"""Finite-difference checks of analytical gradients (float64 central differences)."""

import numpy as np

from .. import _C
from .._C import Tensor


class GradcheckError(RuntimeError):
    pass


def _inputs(inputs):
    return (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)


def _outputs(out):
    return (out,) if isinstance(out, Tensor) else tuple(o for o in out if isinstance(o, Tensor))


def _numerical(fn, inputs, i, eps):
    """Jacobian of every output w.r.t. input i, as (numel_in, total_out) float64."""
    x = inputs[i]
    flat = x.detach()
    n = x.numel()
    cols = []
    base = flat.clone()
    view = base.view(-1) if base.is_contiguous() else None
    for k in range(n):
        vals = []
        for sign in (1, -1):
            pert = base.clone()
            pv = pert.view(-1)
            pv[k] = float(view[k]) + sign * eps if view is not None else float(base.reshape(-1)[k]) + sign * eps
            args = list(inputs)
            args[i] = pert
            outs = _outputs(fn(*[a.detach() if isinstance(a, Tensor) else a for a in args]))
            vals.append(np.concatenate([o.detach().double().numpy().reshape(-1) for o in outs]))
        cols.append((vals[0] - vals[1]) / (2 * eps))
    return np.array(cols)


def _analytical(fn, inputs, i):
    outs = _outputs(fn(*inputs))
    total = sum(o.numel() for o in outs)
    rows = np.zeros((inputs[i].numel(), total))
    col = 0
    from . import grad as _grad

    for o in outs:
        for k in range(o.numel()):
            g = _C.zeros(*o.shape, dtype=o.dtype)
            g.view(-1)[k] = 1.0
            if not o.requires_grad:
                col += 1
                continue
            r = _grad([o], [inputs[i]], [g], retain_graph=True, allow_unused=True)[0]
            if r is not None:
                rows[:, col] = r.double().numpy().reshape(-1)
            col += 1
    return rows


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False):
    inputs = _inputs(inputs)
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        if x.dtype != _C.float64:
            import warnings

            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point."
            )
        num = _numerical(func, inputs, i, eps)
        ana = _analytical(func, inputs, i)
        if not np.allclose(ana, num, rtol=rtol, atol=atol):
            if raise_exception:
                raise GradcheckError(
                    f"Jacobian mismatch for output 0 with respect to input {i},\n"
                    f"numerical:{num}\nanalytical:{ana}\n"
                )
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True):
    """Checks second derivatives by gradchecking the first-derivative function."""
    from . import grad as _grad

    inputs = _inputs(inputs)
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]

    def first(*args):
        outs = _outputs(func(*args))
        gs = [_C.ones(*o.shape, dtype=o.dtype) for o in outs]
        d = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        return _grad(outs, d, gs, create_graph=True, allow_unused=True)

    del diff
    return gradcheck(first, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
