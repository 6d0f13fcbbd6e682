"""Finite-difference checks of analytical gradients (central differences, as PyTorch's
``torch.autograd.gradcheck``).

The numerical Jacobian perturbs each input element in place (through a detached alias, so the
input keeps its layout: a transposed or step-sliced input is checked as such) and re-runs the
function with grad mode off; the analytical Jacobian is one ``autograd.grad`` call per output
element with respect to every differentiable input at once.
"""

import warnings

import numpy as np

from .. import _C
from .._C import Tensor
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck``/``gradgradcheck`` when a check fails (a RuntimeError)."""


def _as_tuple(x):
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _float_outputs(out):
    """The outputs that can carry a gradient (integer outputs such as indices are ignored)."""
    return [o for o in _as_tuple(out) if isinstance(o, Tensor) and o.dtype.is_floating_point]


def _flat(outs):
    if not outs:
        return np.zeros(0)
    return np.concatenate([np.asarray(o.detach().double().numpy(), dtype=np.float64).reshape(-1)
                           for o in outs])


def _positions(shape):
    n = int(np.prod(shape)) if len(shape) else 1
    for k in range(n):
        yield tuple(int(v) for v in np.unravel_index(k, tuple(shape))) if len(shape) else ()


def _numerical(func, inputs, diff, eps, grad_enabled):
    """Per differentiable input: the (numel_in, numel_out) Jacobian by central differences."""
    jac = []
    for i in diff:
        alias = inputs[i].detach()
        cols = []
        for pos in _positions(tuple(alias.shape)):
            orig = alias[pos].item()
            vals = []
            for delta in (eps, -eps):
                with no_grad():
                    alias[pos] = orig + delta
                if grad_enabled:
                    with enable_grad():
                        vals.append(_flat(_float_outputs(func(*inputs))))
                else:
                    with no_grad():
                        vals.append(_flat(_float_outputs(func(*inputs))))
            with no_grad():
                alias[pos] = orig
            cols.append((vals[0] - vals[1]) / (2 * eps))
        jac.append(np.array(cols).reshape(alias.numel(), -1))
    return jac


def _analytical(func, inputs, diff):
    """Per differentiable input: the (numel_in, numel_out) Jacobian from backward passes."""
    from . import grad as _grad

    outs = _float_outputs(func(*inputs))
    total = int(sum(o.numel() for o in outs))
    jac = [np.zeros((inputs[i].numel(), total)) for i in diff]
    targets = [inputs[i] for i in diff]
    col = 0
    for j, o in enumerate(outs):
        if not o.requires_grad:
            col += o.numel()
            continue
        for k in range(o.numel()):
            g = _C.full((o.numel(),), 0.0, o.dtype)
            g[k] = 1.0
            g = g.reshape(tuple(o.shape))
            rs = _grad([o], targets, [g], retain_graph=True, allow_unused=True)
            for n, (i, r) in enumerate(zip(diff, rs)):
                if r is None:
                    continue
                x = inputs[i]
                if tuple(r.shape) != tuple(x.shape):
                    raise GradcheckError(
                        f"Gradient has shape mismatch for input {i}: got {tuple(r.shape)}, "
                        f"expected {tuple(x.shape)} (output {j})"
                    )
                if r.dtype != x.dtype:
                    raise GradcheckError(
                        f"Gradient has dtype mismatch for input {i}: got {r.dtype}, "
                        f"expected {x.dtype} (output {j})"
                    )
                jac[n][:, col] = r.detach().double().numpy().reshape(-1)
            col += 1
    return jac, [o.numel() for o in outs]


def _check(func, inputs, eps, atol, rtol, raise_exception, grad_enabled):
    inputs = _as_tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of "
            "the them have requires_grad=True."
        )
    for i in diff:
        if inputs[i].dtype != _C.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point. ",
                stacklevel=3,
            )
    ana, sizes = _analytical(func, inputs, diff)
    num = _numerical(func, inputs, diff, eps, grad_enabled)
    bounds = np.cumsum([0] + sizes)
    for n, i in enumerate(diff):
        if num[n].shape != ana[n].shape:
            raise GradcheckError(
                f"Numerical and analytical Jacobians differ in shape for input {i}: "
                f"{num[n].shape} vs {ana[n].shape} (the function's outputs changed shape?)"
            )
        for j in range(len(sizes)):
            a = ana[n][:, bounds[j]:bounds[j + 1]]
            m = num[n][:, bounds[j]:bounds[j + 1]]
            if not np.allclose(a, m, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{m}\nanalytical:{a}\n"
                )
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Checks ``func``'s backward against central differences for every input that requires
    grad; returns True, or raises ``GradcheckError`` (returns False with
    ``raise_exception=False``)."""
    return _check(func, inputs, eps, atol, rtol, raise_exception, grad_enabled=False)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Checks second derivatives: gradchecks the vector-Jacobian product of ``func`` (built
    with ``create_graph=True``) with respect to the inputs and the output gradients."""
    from . import grad as _grad

    inputs = _as_tuple(inputs)
    n = len(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = [o for o in _float_outputs(func(*inputs)) if o.requires_grad]
        grad_outputs = tuple(
            _C.tensor(rng.standard_normal(tuple(o.shape)), o.dtype).requires_grad_()
            for o in outs
        )
    grad_outputs = _as_tuple(grad_outputs)

    def vjp(*args):
        xs, gos = args[:n], args[n:]
        with enable_grad():
            outs = [o for o in _float_outputs(func(*xs)) if o.requires_grad]
            d = [a for a in xs if isinstance(a, Tensor) and a.requires_grad]
            gs = _grad(outs, d, list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return _check(vjp, inputs + grad_outputs, eps, atol, rtol, raise_exception,
                  grad_enabled=True)
