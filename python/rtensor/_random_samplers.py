"""The rejection samplers under ``torch.distributions``: ``torch._standard_gamma``,
``torch._sample_dirichlet``, ``torch.poisson``, ``torch.binomial`` (draws equal to PyTorch's CPU
kernels for the same seed; see ``src/rng/gamma.rs``), and the reparameterization gradients
``torch._standard_gamma_grad`` / ``torch._dirichlet_grad`` (``src/rng/gamma_grad.rs``).

Autograd follows PyTorch's derivatives: ``_standard_gamma`` records ``StandardGammaBackward0``
(gradient ``grad * _standard_gamma_grad(alpha, sample)``); ``poisson`` and ``binomial`` record
nodes whose gradients are zeros; the gradient helpers themselves are not differentiable.
"""

from . import _C
from ._C import Tensor


def _tensor(name, x, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return x


def _node(name, inputs, out, backward):
    pos = [i for i, t in enumerate(inputs) if t.requires_grad]
    if not pos or not _C.is_grad_enabled():
        return out

    def bw(g):
        gs = backward(g)
        return tuple(gs[i] for i in pos)

    return _C._record_function(name, [inputs[i] for i in pos], [out], bw, False)[0]


def _standard_gamma(input, generator=None):
    alpha = _tensor("_standard_gamma", input)
    out = _C._standard_gamma(alpha.detach(), generator)
    return _node(
        "StandardGammaBackward0", [alpha], out,
        lambda g: (g * _C._standard_gamma_grad(alpha.detach(), out),),
    )


def _standard_gamma_grad(input, output):
    return _C._standard_gamma_grad(_tensor("_standard_gamma_grad", input).detach(),
                                   _tensor("_standard_gamma_grad", output, "output").detach())


def _sample_dirichlet(input, generator=None):
    return _C._sample_dirichlet(_tensor("_sample_dirichlet", input).detach(), generator)


def _dirichlet_grad(x, alpha, total):
    return _C._dirichlet_grad(_tensor("_dirichlet_grad", x, "x").detach(),
                              _tensor("_dirichlet_grad", alpha, "alpha").detach(),
                              _tensor("_dirichlet_grad", total, "total").detach())


def poisson(input, generator=None):
    rates = _tensor("poisson", input)
    out = _C._poisson(rates.detach(), generator)
    return _node("PoissonBackward0", [rates], out, lambda g: (g * 0,))


def binomial(count, prob, generator=None):
    count = _tensor("binomial", count, "count")
    prob = _tensor("binomial", prob, "prob")
    for name, t in (("count", count), ("prob", prob)):
        if not t.dtype.is_floating_point:
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: "
                             f"{t.dtype._legacy_name[: -len('Tensor')]}")
    n, p = count.detach(), prob.detach()
    if tuple(p.shape) != tuple(n.shape):
        p = p.expand(n.shape).contiguous()
    # A NaN count would loop forever in ATen's inversion sampler (PyTorch hangs); it draws
    # nothing and gives NaN here, as a NaN probability does.
    nan_count = n != n
    has_nan = bool(nan_count.any()) if n.numel() else False
    if has_nan:
        n = n.masked_fill(nan_count, 0.0)
    out = _C._binomial(n.contiguous(), p, generator)
    if has_nan:
        out = out.masked_fill(nan_count, float("nan"))
    return _node("BinomialBackward0", [count, prob], out, lambda g: (g * 0, g * 0))


FUNCTIONS = {
    "_standard_gamma": _standard_gamma,
    "_standard_gamma_grad": _standard_gamma_grad,
    "_sample_dirichlet": _sample_dirichlet,
    "_dirichlet_grad": _dirichlet_grad,
    "poisson": poisson,
    "binomial": binomial,
}
