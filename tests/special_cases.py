"""Inputs and calls of tests/test_special.py, shared with scripts/record_special_reference.py.

Each case is an expression evaluated with ``T`` bound to the tensor library (``torch`` or
``rtensor``), ``S`` to its ``special`` namespace and the named inputs as tensors of that
library, so both halves make the same call on the same bits. Nothing here imports a tensor
library.
"""

import numpy as np

NAN, INF = float("nan"), float("inf")

# Values with NaN, infinities, signed zeros, poles of the gamma family (0, negative integers),
# the zeros of lgamma (1, 2), small and large magnitudes.
GRID = np.array([NAN, INF, -INF, 0.0, -0.0, 1e-6, -1e-6, 1e-3, 0.1, 0.3, 0.5, 0.75, 1.0, 1.5,
                 2.0, 2.5, 3.7, 7.25, 8.5, 10.0, 25.5, 50.0, 100.0, 1e4, -0.1, -0.5, -0.75,
                 -1.0, -1.5, -2.0, -2.5, -3.7, -7.25, -8.5, -10.0, -25.5, -50.0, -100.0])
GRID_NO_POLES = GRID[np.isfinite(GRID) & ~((GRID <= 0) & (GRID == np.round(GRID)))]
# (0, 1) with its ends and outside points: ndtri, erfinv, logit.
UNIT = np.array([NAN, -INF, INF, -1.0, -0.5, 0.0, -0.0, 1e-30, 1e-10, 1e-6, 1e-3, 0.01, 0.1,
                 0.135, 0.2, 0.3, 0.5, 0.7, 0.8, 0.865, 0.9, 0.99, 0.999, 0.999999, 1.0, 1.5,
                 -0.999, -0.9, -0.3])
POSITIVE = np.array([1e-6, 1e-3, 0.1, 0.5, 0.9, 1.0, 1.2, 2.0, 3.5, 7.25, 10.0, 20.0, 30.0,
                     100.0, 250.0, 1e4])
POLY_X = np.array([NAN, -INF, INF, -2.0, -1.0, -0.75, -0.5, -0.1, 0.0, 0.1, 0.3, 0.5, 0.75,
                   0.99, 1.0, 1.5, 3.0])[:, None]
POLY_N = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 9.0, 12.0, 20.0])[None, :]
IGAM_A = np.array([NAN, 0.0, 1e-3, 0.5, 1.0, 2.5, 10.0, 25.0, 150.0, 500.0, INF, -1.0])[:, None]
IGAM_X = np.array([NAN, 0.0, 1e-4, 0.1, 0.5, 1.0, 2.0, 10.0, 24.0, 30.0, 160.0, 480.0, 1e4, INF,
                   -1.0])[None, :]
XY_X = np.array([NAN, 0.0, -0.0, 1.0, -1.0, 2.5, -3.0, 1e-3])[:, None]
XY_Y = np.array([NAN, INF, -INF, 0.0, -1.0, -0.5, 1e-6, 0.5, 1.0, 3.0, 100.0])[None, :]
ZETA_X = np.array([NAN, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 10.0, 30.0, INF])[:, None]
ZETA_Q = np.array([NAN, -2.0, -1.5, -0.5, 0.0, 1e-3, 0.5, 1.0, 2.0, 7.25, 50.0, 1e4, INF])[None, :]

POLYS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
         "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
         "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p"]
BESSEL = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1"]
GRID_UNARY = ["spherical_bessel_j0", "modified_bessel_i0", "modified_bessel_k0",
              "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "modified_bessel_i1", "ndtr", "log_ndtr", "erfcx", "i0",
              "i0e", "i1", "i1e", "entr", "gammaln", "digamma", "psi", "erfc", "erf", "sinc",
              "expit", "exp2", "expm1", "log1p", "round"]
UNIT_UNARY = ["ndtri", "erfinv", "logit"]

# (id, expression, {input name: array}, value tolerance for float32 (rtol, atol))
VALUE_CASES = (
    [(f"{f}", f"S.{f}(x)", {"x": GRID}, (1e-5, 1e-6)) for f in GRID_UNARY]
    # The Bessel functions are the C library's (f64, rounded): PyTorch's float32 Cephes ports
    # lose digits at large |x| (y0(1e4) is 0.0036461 there, 0.0036478 exactly).
    + [(f"{f}", f"S.{f}(x)", {"x": GRID}, (1e-5, 1e-5)) for f in BESSEL]
    + [(f"{f}", f"S.{f}(x)", {"x": UNIT}, (1e-5, 1e-6)) for f in UNIT_UNARY]
    + [("logit_eps", "S.logit(x, eps=0.1)", {"x": UNIT}, (1e-5, 1e-6)),
       ("lgamma", "T.lgamma(x)", {"x": GRID}, (1e-5, 1e-6)),
       ("mvlgamma_p1", "T.mvlgamma(x, 1)", {"x": POSITIVE}, (1e-5, 1e-6)),
       ("multigammaln_p3", "S.multigammaln(x, 3)", {"x": POSITIVE + 1.0}, (1e-5, 1e-5)),
       ("polygamma_0", "S.polygamma(0, x)", {"x": GRID}, (1e-5, 1e-6)),
       # Without the infinities and the poles: there PyTorch's trigamma answers 0 at +inf, NaN
       # at -inf and large finite values at negative integers (sin(pi x) is not exactly 0),
       # where polygamma(1, x) = zeta(2, x) here answers NaN, inf and inf.
       ("polygamma_1", "S.polygamma(1, x)", {"x": GRID_NO_POLES}, (1e-5, 1e-6)),
       ("polygamma_2", "T.polygamma(2, x)", {"x": GRID}, (1e-5, 1e-6)),
       ("polygamma_3", "x.polygamma(3)", {"x": GRID}, (1e-5, 1e-6)),
       ("xlogy", "S.xlogy(x, y)", {"x": XY_X, "y": XY_Y}, (1e-5, 1e-6)),
       ("xlogy_scalar", "S.xlogy(2.0, y)", {"y": XY_Y}, (1e-5, 1e-6)),
       ("xlog1py", "S.xlog1py(x, y)", {"x": XY_X, "y": XY_Y}, (1e-5, 1e-6)),
       ("zeta", "S.zeta(x, q)", {"x": ZETA_X, "q": ZETA_Q}, (1e-5, 1e-6)),
       ("zeta_scalar", "S.zeta(2.0, q)", {"q": ZETA_Q}, (1e-5, 1e-6)),
       ("gammainc", "S.gammainc(a, x)", {"a": IGAM_A, "x": IGAM_X}, (1e-4, 1e-6)),
       ("gammaincc", "S.gammaincc(a, x)", {"a": IGAM_A, "x": IGAM_X}, (1e-4, 1e-6)),
       ("igamma", "T.igamma(a, x)", {"a": IGAM_A, "x": IGAM_X}, (1e-4, 1e-6)),
       ("igammac", "a.igammac(x)", {"a": IGAM_A, "x": IGAM_X}, (1e-4, 1e-6)),
       ("softmax", "S.softmax(x, 0)", {"x": POSITIVE}, (1e-5, 1e-7)),
       ("log_softmax", "S.log_softmax(x, 0)", {"x": POSITIVE}, (1e-5, 1e-6)),
       ("logsumexp", "S.logsumexp(x, 0)", {"x": POSITIVE}, (1e-5, 1e-6))]
    + [(f"{p}", f"S.{p}(x, n)", {"x": POLY_X, "n": POLY_N}, (1e-5, 1e-5)) for p in POLYS]
    + [(f"{p}_scalar_n", f"S.{p}(x, 3)", {"x": POLY_X}, (1e-5, 1e-5)) for p in POLYS[:1]]
)

# Smooth points of every differentiable function: (id, expression, inputs); the gradient of
# the sum with respect to each input, in float64, and the grad_fn name.
GX = np.array([0.3, 0.7, 1.6, 2.9, 4.2, 9.5])
GU = np.array([0.05, 0.2, 0.45, 0.6, 0.85, 0.97])
GN = np.array([-2.6, -1.2, -0.4, 0.0, 0.6, 3.3])
GRAD_CASES = [
    ("lgamma", "T.lgamma(x)", {"x": GN + 0.05}),
    ("digamma", "S.digamma(x)", {"x": GN + 0.05}),
    ("polygamma_0", "T.polygamma(0, x)", {"x": GN + 0.05}),
    ("polygamma_1", "T.polygamma(1, x)", {"x": GX}),
    ("polygamma_3", "T.polygamma(3, x)", {"x": GX}),
    ("mvlgamma", "T.mvlgamma(x, 3)", {"x": GX + 1.5}),
    ("erfinv", "T.erfinv(x)", {"x": GU * 2 - 1}),
    ("erfc", "S.erfc(x)", {"x": GN}),
    ("erfcx", "S.erfcx(x)", {"x": GN}),
    ("i0", "T.i0(x)", {"x": GN * 3}),
    ("i0e", "S.i0e(x)", {"x": GN * 3}),
    ("i1", "S.i1(x)", {"x": GN * 3}),
    ("i1e", "S.i1e(x)", {"x": GN * 3}),
    ("ndtr", "S.ndtr(x)", {"x": GN}),
    ("ndtri", "S.ndtri(x)", {"x": GU}),
    ("log_ndtr", "S.log_ndtr(x)", {"x": GN * 2}),
    ("sinc", "T.sinc(x)", {"x": GN}),
    ("entr", "S.entr(x)", {"x": GX}),
    ("logit", "T.logit(x)", {"x": GU}),
    ("logit_eps", "T.logit(x, 0.1)", {"x": GU}),
    ("xlogy", "T.xlogy(x, y)", {"x": GN, "y": GX}),
    ("xlog1py", "S.xlog1py(x, y)", {"x": GN, "y": GX}),
    ("zeta_q", "S.zeta(3.0, q)", {"q": GX}),
    ("gammainc_x", "S.gammainc(a.detach(), x)", {"a": GX, "x": GX[::-1].copy()}),
    ("gammaincc_x", "S.gammaincc(a.detach(), x)", {"a": GX, "x": GX[::-1].copy()}),
    ("logaddexp", "T.logaddexp(x, y)", {"x": GN, "y": GX}),
    ("logaddexp2", "T.logaddexp2(x, y)", {"x": GN, "y": GX}),
    ("hypot", "T.hypot(x, y)", {"x": GN, "y": GX}),
    ("copysign", "T.copysign(x, y)", {"x": GX, "y": GN}),
    ("fmax", "T.fmax(x, y)", {"x": GN, "y": GX - 2}),
    ("fmin", "T.fmin(x, y)", {"x": GN, "y": GX - 2}),
    ("ldexp", "T.ldexp(x, y)", {"x": GN, "y": GX}),
    ("nextafter", "T.nextafter(x, y)", {"x": GN, "y": GX}),
]

# (id, expression) that PyTorch rejects; the inputs are x (float32), i (int64), b (bool).
ERROR_CASES = [
    ("polygamma_negative", "T.polygamma(-1, x)"),
    ("mvlgamma_p0", "T.mvlgamma(x, 0)"),
    ("igamma_int", "T.igamma(i, i)"),
    ("igammac_bool", "T.igammac(b, b)"),
    ("logaddexp_int", "T.logaddexp(i, i)"),
    ("logaddexp2_bool", "T.logaddexp2(b, b)"),
    ("hypot_int", "T.hypot(i, i)"),
    ("nextafter_int", "T.nextafter(i, i)"),
    ("heaviside_dtypes", "T.heaviside(x, i)"),
    ("zeta_backward", "S.zeta(x.requires_grad_(), x).sum().backward()"),
    ("igamma_backward", "S.gammainc(x.requires_grad_(), x).sum().backward()"),
    ("heaviside_backward", "T.heaviside(x.requires_grad_(), x).sum().backward()"),
    ("logaddexp_number", "T.logaddexp(x, 2)"),
    ("hypot_number_method", "x.hypot(2.0)"),
    ("heaviside_number", "T.heaviside(x, 0.5)"),
    ("ldexp_number", "T.ldexp(x, 3)"),
    ("hypot_inplace_number", "x.hypot_(2.0)"),
    ("fmax_number", "T.fmax(x, 1.0)"),
]

# Result dtypes of integer and bool inputs.
DTYPE_CASES = [
    ("lgamma_int", "T.lgamma(i)"), ("digamma_bool", "T.digamma(b)"),
    ("erfinv_int", "T.erfinv(i)"), ("i0_int", "T.i0(i)"), ("sinc_bool", "T.sinc(b)"),
    ("i0e_int", "S.i0e(i)"), ("ndtri_int", "S.ndtri(i)"), ("entr_bool", "S.entr(b)"),
    ("ndtr_int", "S.ndtr(i)"), ("logit_int", "S.logit(i)"), ("bessel_j0_int", "S.bessel_j0(i)"),
    ("polygamma_int", "T.polygamma(2, i)"), ("mvlgamma_int", "T.mvlgamma(i, 2)"),
    ("xlogy_int", "T.xlogy(i, i)"), ("xlog1py_bool", "S.xlog1py(b, b)"),
    ("zeta_int", "S.zeta(i, i)"), ("copysign_int", "T.copysign(i, i)"),
    ("ldexp_int", "T.ldexp(i, i)"), ("fmax_int", "T.fmax(i, i)"), ("fmin_bool", "T.fmin(b, b)"),
    ("heaviside_int", "T.heaviside(i, i)"), ("chebyshev_int", "S.chebyshev_polynomial_t(i, i)"),
    ("legendre_f64", "S.legendre_polynomial_p(x.double(), i)"),
    ("xlogy_f64", "T.xlogy(x.double(), x)"),
]
ERROR_INPUTS = {
    "x": np.array([0.5, 1.5, 3.0], dtype=np.float32),
    "i": np.array([1, 2, 3], dtype=np.int64),
    "b": np.array([True, False, True]),
}


def env(lib, arrays, dtype=None, requires_grad=False):
    """The names an expression sees: T, S and the inputs as tensors of `lib`."""
    e = {"T": lib, "S": lib.special}
    for k, a in arrays.items():
        a = np.ascontiguousarray(a if dtype is None else a.astype(dtype))
        t = lib.from_numpy(a.copy())
        e[k] = t.requires_grad_() if requires_grad else t
    return e
