"""``rtensor.special``: PyTorch's ``torch.special`` namespace.

The elementwise functions are rows of the native op registry (``src/spec/elementwise.rs``:
``lgamma``, ``digamma``, ``erfinv``, ``erfc``, ``i0``, ``sinc``, ``logit``, the internal
``special_i0e``/``special_i1``/``special_i1e``/``special_ndtri``/``special_log_ndtr``/
``special_erfcx``/``special_entr`` and the binary ``xlogy``/``special_xlog1py``/``special_zeta``),
so they run on every device, differentiate with PyTorch's formulas and names, and are in the
differential test. ``polygamma`` (``digamma`` or a signed factorial times ``zeta``),
``multigammaln`` (a sum of ``lgamma``) and ``ndtr`` (``erf``) are compositions recorded under
PyTorch's node names. The Bessel functions of the first and second kind, the modified ones
of the second kind (K0, K1 and their scaled forms), the Airy function Ai, the orthogonal
polynomials and the incomplete gamma functions are CPU kernels (``_C._special_cpu_*``): a GPU
tensor raises ``NotImplementedError`` naming the op.
"""

import math

from . import _C
from ._C import Tensor
from ._longtail_shape import cpu_only

# Tensor methods and top-level functions this module adds (``rtensor/__init__.py`` publishes
# them), besides the ones the registry generates.
METHODS: dict = {}
FUNCTIONS: dict = {}


def _finish(r, out):
    if out is not None:
        out._set_data(r)
        return out
    return r


def _tensor_arg(x, like):
    """A Python number as the 0-d tensor PyTorch wraps it into."""
    if isinstance(x, Tensor):
        return x
    return _C.tensor(x, _C.result_type(x, like))


def _unary_row(name, doc_name):
    def f(input, *, out=None):
        return _finish(input._unary(name), out)

    f.__name__ = doc_name
    f.__qualname__ = doc_name
    return f


def _binary_row(name, doc_name):
    def f(input, other, *, out=None):
        if not isinstance(input, Tensor):
            # PyTorch's Scalar-self overload (its own grad_fn name).
            return _finish(other._rbinary(name, input), out)
        return _finish(input._binary(name, other), out)

    f.__name__ = doc_name
    f.__qualname__ = doc_name
    return f


def _method_fn(name):
    def f(input, *, out=None):
        return _finish(getattr(input, name)(), out)

    f.__name__ = name
    f.__qualname__ = name
    return f


# ----- registry rows -----

erfc = _method_fn("erfc")
erfinv = _method_fn("erfinv")
expm1 = _method_fn("expm1")
exp2 = _method_fn("exp2")
log1p = _method_fn("log1p")
gammaln = _method_fn("lgamma")
digamma = _method_fn("digamma")
psi = digamma
i0 = _method_fn("i0")
sinc = _method_fn("sinc")
expit = _method_fn("sigmoid")
erfcx = _unary_row("special_erfcx", "erfcx")
i0e = _unary_row("special_i0e", "i0e")
i1 = _unary_row("special_i1", "i1")
i1e = _unary_row("special_i1e", "i1e")
ndtri = _unary_row("special_ndtri", "ndtri")
log_ndtr = _unary_row("special_log_ndtr", "log_ndtr")
entr = _unary_row("special_entr", "entr")
xlog1py = _binary_row("special_xlog1py", "xlog1py")
zeta = _binary_row("special_zeta", "zeta")


def xlogy(input, other, *, out=None):
    if not isinstance(input, Tensor):
        return _finish(other._rbinary("xlogy", input), out)
    return _finish(input.xlogy(other), out)


FUNCTIONS["xlogy"] = xlogy


def erf(input, *, out=None):
    return _finish(input.erf(), out)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    if eps is not None:
        x = input if input.dtype.is_floating_point else input.to(_C.get_default_dtype())
        input = x.clamp(eps, 1.0 - eps)
    return _finish(input._unary("logit"), out)


def _logit_(self, eps=None):
    if eps is not None:
        self.clamp_(eps, 1.0 - eps)
    return self._unary_("logit")


METHODS["logit"] = lambda self, eps=None: logit(self, eps)
METHODS["logit_"] = _logit_
FUNCTIONS["logit"] = logit


# ----- compositions recorded under PyTorch's node names -----


def _named(name, fn, *args):
    from .nn.functional import _named as named

    return named(name, fn, *args)


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma: ``digamma`` for n = 0, else
    ``(-1)^(n+1) n! zeta(n + 1, x)`` (ATen's ``calc_polygamma``)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(
            f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}"
        )
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if n == 0:
        return _finish(_named("PolygammaBackward0", lambda x: x.digamma(), input), out)
    scale = (1.0 if n % 2 else -1.0) * math.exp(math.lgamma(n + 1.0))

    def f(x):
        return x._rbinary("special_zeta", float(n + 1)) * scale

    return _finish(_named("PolygammaBackward0", f, input), out)


METHODS["polygamma"] = lambda self, n: polygamma(n, self)
METHODS["polygamma_"] = lambda self, n: self.copy_(polygamma(n, self))
FUNCTIONS["polygamma"] = polygamma


def multigammaln(input, p, *, out=None):
    """log of the multivariate gamma function: ``sum_j lgamma(x - j/2) + p(p-1)/4 log(pi)``."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    dtype = input.dtype if input.dtype.is_floating_point else _C.get_default_dtype()

    def f(x):
        # Natively allocated (a huge p is the allocator's error, not a huge Python list).
        args = _C.arange(0, p, 1, dtype=dtype) * 0.5 + (0.5 - p / 2.0)
        if x.device.type != "cpu":
            args = args.to(x.device)
        r = (x.unsqueeze(-1) + args).lgamma().sum(-1)
        return r + p * (p - 1) / 4.0 * math.log(math.pi)

    return _finish(_named("MvlgammaBackward0", f, input), out)


FUNCTIONS["mvlgamma"] = lambda input, p, *, out=None: multigammaln(input, p, out=out)
METHODS["mvlgamma"] = lambda self, p: multigammaln(self, p)
METHODS["mvlgamma_"] = lambda self, p: self.copy_(multigammaln(self, p))


def ndtr(input, *, out=None):
    """The standard normal CDF, ``(1 + erf(x / sqrt(2))) / 2`` as ATen composes it."""

    def f(x):
        x = x if x.dtype.is_floating_point else x.to(_C.get_default_dtype())
        return (1 + (x * math.sqrt(0.5)).erf()) * 0.5

    return _finish(_named("MulBackward1", f, input), out)


def round(input, *, decimals=0, out=None):
    return _finish(input.round(decimals=decimals), out)


def softmax(input, dim, *, dtype=None):
    from .nn import functional as F

    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    from .nn import functional as F

    return F.log_softmax(input, dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False, *, out=None):
    return _finish(input.logsumexp(dim, keepdim), out)


# ----- CPU kernels -----


def _cpu_unary(name):
    def f(input, *, out=None):
        cpu_only(input, name)
        return _finish(_C._special_cpu_unary(name, input), out)

    f.__name__ = name
    f.__qualname__ = name
    return f


def _cpu_binary(name):
    def f(input, n, *, out=None):
        if not isinstance(input, Tensor):
            input = _tensor_arg(input, n)
        n = _tensor_arg(n, input)
        cpu_only(input, name)
        cpu_only(n, name)
        return _finish(_C._special_cpu_binary(name, input, n), out)

    f.__name__ = name
    f.__qualname__ = name
    return f


bessel_j0 = _cpu_unary("bessel_j0")
bessel_j1 = _cpu_unary("bessel_j1")
bessel_y0 = _cpu_unary("bessel_y0")
bessel_y1 = _cpu_unary("bessel_y1")
spherical_bessel_j0 = _cpu_unary("spherical_bessel_j0")
modified_bessel_k0 = _cpu_unary("modified_bessel_k0")
modified_bessel_k1 = _cpu_unary("modified_bessel_k1")
scaled_modified_bessel_k0 = _cpu_unary("scaled_modified_bessel_k0")
scaled_modified_bessel_k1 = _cpu_unary("scaled_modified_bessel_k1")
chebyshev_polynomial_t = _cpu_binary("chebyshev_polynomial_t")
chebyshev_polynomial_u = _cpu_binary("chebyshev_polynomial_u")
chebyshev_polynomial_v = _cpu_binary("chebyshev_polynomial_v")
chebyshev_polynomial_w = _cpu_binary("chebyshev_polynomial_w")
shifted_chebyshev_polynomial_t = _cpu_binary("shifted_chebyshev_polynomial_t")
shifted_chebyshev_polynomial_u = _cpu_binary("shifted_chebyshev_polynomial_u")
shifted_chebyshev_polynomial_v = _cpu_binary("shifted_chebyshev_polynomial_v")
shifted_chebyshev_polynomial_w = _cpu_binary("shifted_chebyshev_polynomial_w")
hermite_polynomial_h = _cpu_binary("hermite_polynomial_h")
hermite_polynomial_he = _cpu_binary("hermite_polynomial_he")
laguerre_polynomial_l = _cpu_binary("laguerre_polynomial_l")
legendre_polynomial_p = _cpu_binary("legendre_polynomial_p")
# the Airy function (no gradient, as in PyTorch)
airy_ai = _cpu_unary("airy_ai")


def modified_bessel_i0(input, *, out=None):
    """I0 (the ``i0`` kernel; PyTorch records no gradient for this spelling)."""
    from .autograd.grad_mode import no_grad

    with no_grad():
        return _finish(input.i0(), out)


def modified_bessel_i1(input, *, out=None):
    from .autograd.grad_mode import no_grad

    with no_grad():
        return _finish(input._unary("special_i1"), out)


def _igamma(name, upper):
    node = "IgammacBackward0" if upper else "IgammaBackward0"

    def f(input, other, *, out=None):
        cpu_only(input, name)
        cpu_only(other, name)
        r = _C._special_cpu_binary(name, input, other)
        diff = [t for t in (input, other) if isinstance(t, Tensor) and t.requires_grad]
        if not diff or not _C.is_grad_enabled():
            return _finish(r, out)

        def backward(g):
            if input.requires_grad:
                raise NotImplementedError(
                    f"the derivative for '{name}: input' is not implemented."
                )
            # d/dx P(a, x) = exp((a - 1) log x - x - lgamma(a)); Q = 1 - P.
            a = input.to(r.dtype)
            d = ((a - 1) * other.log() - other - a.lgamma()).exp()
            gx = g * d
            return (-gx if upper else gx,)

        return _finish(_C._record_function(node, diff, [r], backward, False)[0], out)

    f.__name__ = name
    f.__qualname__ = name
    return f


gammainc = _igamma("igamma", False)
gammaincc = _igamma("igammac", True)

FUNCTIONS["igamma"] = gammainc
FUNCTIONS["igammac"] = gammaincc
METHODS["igamma"] = gammainc
METHODS["igammac"] = gammaincc
METHODS["igamma_"] = lambda self, other: self.copy_(gammainc(self, other))
METHODS["igammac_"] = lambda self, other: self.copy_(gammaincc(self, other))


# ----- Tensor-only operands -----
# PyTorch's binary functions below have no Scalar overload: a number operand is its argument
# parser's TypeError, not a wrapped 0-d tensor.


def _tensor_only(name, arg="other"):
    method = getattr(Tensor, name)

    def check(other, position=2, fn=name):
        # The method forms count from self: `other` is their position 1.
        if not isinstance(other, Tensor):
            raise TypeError(
                f"{fn}(): argument '{arg}' (position {position}) must be Tensor, not "
                f"{type(other).__name__}"
            )

    def f(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{name}(): argument 'input' (position 1) must be Tensor, not "
                f"{type(input).__name__}"
            )
        check(other)
        return _finish(method(input, other), out)

    def m(self, other):
        check(other, 1)
        return method(self, other)

    f.__name__ = f.__qualname__ = m.__name__ = m.__qualname__ = name
    FUNCTIONS[name] = f
    METHODS[name] = m
    inplace = getattr(Tensor, name + "_", None)
    if inplace is not None:

        def m_(self, other):
            check(other, 1, name + "_")
            return inplace(self, other)

        m_.__name__ = m_.__qualname__ = name + "_"
        METHODS[name + "_"] = m_


for _name in ("logaddexp", "logaddexp2", "hypot", "fmax", "fmin", "nextafter", "ldexp"):
    _tensor_only(_name)
_tensor_only("heaviside", "values")
del _name
