"""torch.distributions against PyTorch's recorded values (scripts/record_distributions_reference.py,
cases in tests/distribution_cases.py): seeded samples, log_prob/cdf/icdf and moments, their
gradients, KL divergences, shapes and reprs, validate_args errors, transforms, constraints,
biject_to/transform_to."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.distributions as D
import rtensor.distributions.constraints as C
import rtensor.distributions.transforms as T
from distribution_cases import (
    BAD,
    CASES,
    CONSTRAINTS,
    KL_PAIRS,
    KL_Q,
    SAMPLER_BAD,
    TRANSFORMS,
    biject_cases,
    constraint_values,
    sampler_cases,
)

DATA = np.load(Path(__file__).parent / "data" / "distributions_reference.npz", allow_pickle=False)
META = json.loads(str(DATA["meta"]))
BY_ID = {cid: (params, build) for cid, params, build in CASES}

# Ops that the torch.special work (another branch) adds; a case that needs one is skipped,
# naming it, until that branch is merged (then it runs).
# Samples whose draws are PyTorch's but which then pass through float32 elementwise ops (exp,
# log, log1p, matmul, cholesky...) whose last bits can differ from PyTorch's vectorised (SLEEF,
# MKL) versions: compared to a few ulp. Every other case's samples are bit for bit PyTorch's.
SAMPLE_RTOL = {
    "laplace": 2e-6, "lognormal": 1e-6, "gumbel": 2e-6, "mvn": 1e-6, "transformed": 1e-6,
    "relaxed_bernoulli": 1e-6, "relaxed_onehot": 1e-6, "cbernoulli": 1e-6, "lkj": 2e-6,
    "wishart": 2e-6, "logistic_normal": 1e-6, "gen_pareto": 1e-6,
}

# log_prob values that cancel float32 lgamma terms of size ~10^3 (one ulp there is 6e-5), so
# a one-ulp difference in lgamma shows: compared with this absolute tolerance.
LOGPROB_ATOL = {"poisson": 3e-4, "binomial": 3e-4, "negbinomial": 1e-4}

# grad_fn names that differ from PyTorch's for a reason outside this package: rtensor names
# the node of an in-place masked assignment (``sample[mask] = new``) CopySlices where PyTorch
# says IndexPutBackward0.
GRAD_FN_DIFFERS = {"wishart": "CopySlices"}


def rt(text):
    """PyTorch's text as rtensor prints it (``rtensor.Size``, ``rtensor.float32``)."""
    return text.replace("torch.", "rtensor.")


def run(fn):
    return fn()


def tensors(params):
    out = {}
    for k, v in params.items():
        if isinstance(v, np.ndarray):
            out[k] = torch.tensor(v, requires_grad=v.dtype.kind == "f")
        else:
            out[k] = v
    return out


def build(cid, params=None):
    p0, b = BY_ID[cid]
    p = tensors(p0 if params is None else params)
    return run(lambda: b(torch, p)), p


def npy(t):
    return t.detach().numpy()


def close(actual, key, rtol=1e-5, atol=1e-6, exact=False):
    expected = DATA[key]
    a = npy(actual) if isinstance(actual, torch.Tensor) else np.asarray(actual)
    assert a.shape == expected.shape, (key, a.shape, expected.shape)
    if exact:
        np.testing.assert_array_equal(a, expected, err_msg=key)
    else:
        np.testing.assert_allclose(a, expected, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=key)


def grads(out_sum, p):
    leaves = [(k, v) for k, v in p.items() if isinstance(v, torch.Tensor) and v.requires_grad]
    if not leaves or not out_sum.requires_grad:
        return {}
    gs = torch.autograd.grad(out_sum, [v for _, v in leaves], allow_unused=True,
                             retain_graph=True)
    return {k: g for (k, _), g in zip(leaves, gs)}


IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("cid", IDS)
def test_shapes_and_repr(cid):
    d, _ = build(cid)
    info = META["cases"][cid]
    assert list(d.batch_shape) == info["batch_shape"]
    assert list(d.event_shape) == info["event_shape"]
    assert d.has_rsample == info["has_rsample"]
    assert d.has_enumerate_support == info["has_enumerate_support"]
    assert repr(d) == rt(info["repr"])
    if info["support"] is not None:
        assert repr(d.support) == rt(info["support"])


@pytest.mark.parametrize("cid", IDS)
def test_seeded_samples(cid):
    d, _ = build(cid)
    rtol = SAMPLE_RTOL.get(cid)
    for seed, key, shape in ((11, "sample0", ()), (12, "sample3", (3,)), (13, "sample22", (2, 2))):
        torch.manual_seed(seed)
        s = run(lambda shape=shape: d.sample(shape))
        assert not s.requires_grad
        assert npy(s).dtype == DATA[f"{cid}|{key}"].dtype, key
        if rtol is None:
            close(s, f"{cid}|{key}", exact=True)
        else:
            close(s, f"{cid}|{key}", rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("cid", [c for c in IDS if META["cases"][c]["has_rsample"]])
def test_rsample_and_gradients(cid):
    d, p = build(cid)
    info = META["cases"][cid]
    torch.manual_seed(14)
    r = run(lambda: d.rsample((3,)))
    rtol = SAMPLE_RTOL.get(cid)
    if rtol is None:
        close(r, f"{cid}|rsample", exact=True)
    else:
        close(r, f"{cid}|rsample", rtol=rtol, atol=1e-6)
    want = info.get("rsample_grad_fn")
    if cid in GRAD_FN_DIFFERS:
        want = GRAD_FN_DIFFERS[cid]
    assert (r.grad_fn.name() if r.grad_fn is not None else None) == want
    if "rsample_grad" in info["errors"]:
        return
    gs = run(lambda: grads((r * torch.tensor(DATA[f"{cid}|w"])).sum(), p))
    for k, g in gs.items():
        key = f"{cid}|rgrad|{k}"
        if key in DATA:
            close(g, key, rtol=1e-4, atol=1e-5)
        else:
            assert g is None or not np.any(npy(g)), key


@pytest.mark.parametrize("cid", IDS)
def test_log_prob_and_gradients(cid):
    d, p = build(cid)
    info = META["cases"][cid]
    value = torch.tensor(DATA[f"{cid}|value"])
    if "log_prob" in info["errors"]:
        with pytest.raises(Exception) as ei:
            d.log_prob(value)
        assert type(ei.value).__name__ == info["errors"]["log_prob"]["type"]
        return
    lp = run(lambda: d.log_prob(value))
    close(lp, f"{cid}|log_prob", rtol=1e-5, atol=LOGPROB_ATOL.get(cid, 1e-5))
    assert (lp.grad_fn.name() if lp.grad_fn is not None else None) == info["log_prob_grad_fn"]
    for k, g in run(lambda: grads(lp.sum(), p)).items():
        key = f"{cid}|lpgrad|{k}"
        if key in DATA:
            close(g, key, rtol=1e-4, atol=1e-4)


STATS = ("cdf", "icdf", "mean", "mode", "variance", "stddev", "entropy", "perplexity")


@pytest.mark.parametrize("cid,name", [(c, n) for c in IDS for n in STATS])
def test_statistics(cid, name):
    """cdf/icdf at recorded points, moments, entropy: PyTorch's values, or its error."""
    d, _ = build(cid)
    errors = META["cases"][cid]["errors"]
    if name == "cdf":
        get = lambda: d.cdf(torch.tensor(DATA[f"{cid}|value"]))  # noqa: E731
    elif name == "icdf":
        get = lambda: d.icdf(torch.tensor(DATA[f"{cid}|q"]))  # noqa: E731
    elif name in ("entropy", "perplexity"):
        get = lambda: getattr(d, name)()  # noqa: E731
    else:
        get = lambda: getattr(d, name)  # noqa: E731
    if name in errors:
        with pytest.raises(Exception) as ei:
            run(get)
        assert type(ei.value).__name__ == errors[name]["type"], name
        assert str(ei.value) == rt(errors[name]["message"]), name
    else:
        close(run(get), f"{cid}|{name}", rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cid", [c for c in IDS if META["cases"][c]["has_enumerate_support"]])
def test_enumerate_support(cid):
    d, _ = build(cid)
    errors = META["cases"][cid]["errors"]
    if "enumerate_support" in errors:
        with pytest.raises(NotImplementedError, match=errors["enumerate_support"]["message"]):
            d.enumerate_support()
        return
    close(d.enumerate_support(), f"{cid}|support", exact=True)
    close(d.enumerate_support(expand=False), f"{cid}|support_noexpand", exact=True)


@pytest.mark.parametrize("pair", KL_PAIRS, ids=[f"{a}-{b}" for a, b in KL_PAIRS])
def test_kl_divergence(pair):
    pid, qid = pair
    key = f"kl|{pid}|{qid}"
    p, _ = build(pid)
    q, _ = build(qid, KL_Q.get(qid, BY_ID[qid][0]))
    expected = META["kl"][key]
    if expected is not None:
        with pytest.raises(Exception) as ei:
            run(lambda: D.kl_divergence(p, q))
        assert type(ei.value).__name__ == expected["type"]
        return
    close(run(lambda: D.kl_divergence(p, q)), key, rtol=1e-5, atol=1e-5)


def test_register_kl_dispatch():
    class MyNormal(D.Normal):
        pass

    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return torch.full(p.batch_shape, 7.0)

    out = D.kl_divergence(MyNormal(torch.zeros(2), torch.ones(2)), D.Normal(0.0, 1.0))
    assert out.tolist() == [7.0, 7.0]
    # the Normal-Normal rule still applies to plain Normals
    kl = D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 1.0))
    assert abs(kl.item() - 0.5) < 1e-6


@pytest.mark.parametrize("bid", [b[0] for b in BAD])
def test_invalid_arguments(bid):
    expr = dict(BAD)[bid]
    expected = META["bad"][bid]
    if expected is None:
        eval(expr, {"D": D, "lib": torch})
        return
    with pytest.raises(Exception) as ei:
        eval(expr, {"D": D, "lib": torch})
    assert type(ei.value).__name__ == expected["type"]
    assert str(ei.value) == rt(expected["message"])


@pytest.mark.parametrize("tid", [t[0] for t in TRANSFORMS])
def test_transforms(tid):
    expr = dict((t[0], t[1]) for t in TRANSFORMS)[tid]
    info = META["transforms"][tid]
    t = eval(expr, {"T": T, "D": D, "lib": torch})
    x = torch.tensor(DATA[f"t|{tid}|x"])
    y = run(lambda: t(x))
    close(y, f"t|{tid}|y", rtol=2e-5, atol=1e-5)
    assert repr(t) == rt(info["repr"])
    assert t.bijective == info["bijective"]
    assert t.domain.event_dim == info["domain_event_dim"]
    assert t.codomain.event_dim == info["codomain_event_dim"]
    assert list(t.forward_shape(x.shape)) == info["forward_shape"]
    yr = torch.tensor(DATA[f"t|{tid}|y"])
    for name, fn in (("inv", lambda: t.inv(yr)), ("ladj", lambda: t.log_abs_det_jacobian(x, yr))):
        if name in info["errors"]:
            with pytest.raises(Exception) as ei:
                run(fn)
            assert type(ei.value).__name__ == info["errors"][name]["type"]
        else:
            close(run(fn), f"t|{tid}|{name}", rtol=1e-4, atol=1e-4)
    if "sign" in info:
        sign = t.sign
        sign = sign if isinstance(sign, (int, float)) else npy(sign).tolist()
        assert sign == info["sign"]


@pytest.mark.parametrize("cname", [c[0] for c in CONSTRAINTS])
def test_constraints(cname):
    c = eval(dict(CONSTRAINTS)[cname], {"C": C})
    info = META["constraints"][cname]
    assert repr(c) == rt(info["repr"])
    assert c.is_discrete == info["is_discrete"]
    assert c.event_dim == info["event_dim"]
    vals = constraint_values(cname)
    np.testing.assert_array_equal(vals, DATA[f"c|{cname}|value"])
    close(c.check(torch.tensor(vals)), f"c|{cname}|check", exact=True)


@pytest.mark.parametrize("i", range(len(biject_cases())))
def test_biject_to_transform_to(i):
    kind, expr, _ = biject_cases()[i]
    c = eval(expr, {"C": C})
    fn = D.biject_to if kind == "biject" else D.transform_to
    info = META["biject"][str(i)]
    if "error" in info:
        with pytest.raises(NotImplementedError) as ei:
            fn(c)
        assert str(ei.value) == rt(info["error"]["message"])
        return
    t = fn(c)
    assert type(t).__name__ == info["type"]
    assert repr(t) == rt(info["repr"])
    y = t(torch.tensor(DATA[f"b|{i}|x"]))
    close(y, f"b|{i}|y", rtol=1e-5, atol=1e-5)
    assert bool(c.check(y).all())


@pytest.mark.parametrize("cid", IDS)
def test_expand(cid):
    """``expand`` adds batch dims: shapes follow, and ``log_prob`` is the unexpanded one's
    (checked against PyTorch above) broadcast."""
    d, _ = build(cid)
    new_batch = (2,) + tuple(d.batch_shape)
    e = d.expand(new_batch)
    assert type(e) is type(d)
    assert tuple(e.batch_shape) == new_batch and e.event_shape == d.event_shape
    torch.manual_seed(0)
    s = run(lambda: e.sample())
    assert tuple(s.shape) == new_batch + tuple(d.event_shape)
    value = torch.tensor(DATA[f"{cid}|value"])[0]
    if "log_prob" in META["cases"][cid]["errors"]:
        return
    lp = npy(run(lambda: d.log_prob(value)))
    lpe = npy(run(lambda: e.log_prob(value)))
    np.testing.assert_allclose(lpe, np.broadcast_to(lp, lpe.shape), rtol=1e-6, atol=1e-6)


# ----- the native samplers -----

SAMPLERS = sampler_cases()


@pytest.mark.parametrize("case", SAMPLERS, ids=[c[0] for c in SAMPLERS])
def test_native_sampler_bit_exact(case):
    """``_standard_gamma``/``poisson``/``binomial``/``_sample_dirichlet`` draw PyTorch's numbers
    bit for bit, and leave the generator where PyTorch leaves it."""
    sid, fn, args, seed = case
    torch.manual_seed(seed)
    out = getattr(torch, fn)(*[torch.tensor(a) for a in args])
    close(out, f"s|{sid}", exact=True)
    close(torch.rand(3), f"s|{sid}|after", exact=True)


@pytest.mark.parametrize("bid", [b[0] for b in SAMPLER_BAD])
def test_native_sampler_errors(bid):
    expected = META["samplers"][bid]
    with pytest.raises(Exception) as ei:
        eval(dict(SAMPLER_BAD)[bid], {"lib": torch})
    assert type(ei.value).__name__ == expected["type"]
    assert str(ei.value) == expected["message"]


def test_native_samplers_generator_and_statistics():
    g = torch.Generator().manual_seed(5)
    a = torch.full((20000,), 2.5, dtype=torch.float64)
    x = torch._standard_gamma(a, generator=g)
    torch.manual_seed(5)
    y = torch._standard_gamma(a)
    assert np.array_equal(npy(x), npy(y))  # an explicit generator draws the same stream
    assert abs(npy(x).mean() - 2.5) < 0.05 and abs(npy(x).var() - 2.5) < 0.15
    lam = torch.full((20000,), 30.0)
    p = npy(torch.poisson(lam))
    assert abs(p.mean() - 30) < 0.3 and abs(p.var() - 30) < 2.0
    b = npy(torch.binomial(torch.full((20000,), 50.0), torch.full((20000,), 0.3)))
    assert abs(b.mean() - 15) < 0.2 and abs(b.var() - 10.5) < 0.8
    d = npy(torch._sample_dirichlet(torch.tensor([[1.0, 2.0, 3.0]]).expand(20000, 3)
                                   .contiguous()))
    np.testing.assert_allclose(d.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(d.mean(0), [1 / 6, 2 / 6, 3 / 6], atol=0.01)


def test_binomial_nan_count_draws_nothing():
    """PyTorch's inversion sampler never ends for a NaN count; here it is NaN and the other
    elements draw exactly what they draw without it."""
    torch.manual_seed(3)
    ref = torch.binomial(torch.tensor([5.0, 7.0]), torch.tensor([0.3, 0.6]))
    torch.manual_seed(3)
    out = torch.binomial(torch.tensor([5.0, float("nan"), 7.0]), torch.tensor([0.3, 0.5, 0.6]))
    assert math.isnan(out[1].item())
    assert out[0].item() == ref[0].item() and out[2].item() == ref[1].item()


def test_standard_gamma_gradient():
    """``_standard_gamma`` records StandardGammaBackward0; its gradient is the implicit
    reparameterization gradient, checked against the finite difference of the gamma CDF
    (the draw held fixed): d x / d alpha = -(dF/dalpha) / f."""
    from scipy import special, stats

    alpha = torch.tensor([0.5, 1.5, 4.0, 12.0], dtype=torch.float64, requires_grad=True)
    torch.manual_seed(9)
    x = torch._standard_gamma(alpha)
    assert x.grad_fn.name() == "StandardGammaBackward0"
    (g,) = torch.autograd.grad(x.sum(), alpha)
    a, xv = npy(alpha), npy(x)
    h = 1e-6
    dF = (special.gammainc(a + h, xv) - special.gammainc(a - h, xv)) / (2 * h)
    expected = -dF / stats.gamma.pdf(xv, a)
    np.testing.assert_allclose(npy(g), expected, rtol=2e-3)


# ----- oracles besides the recorded values -----


def test_default_validate_args():
    assert D.Distribution._validate_args is True
    with pytest.raises(ValueError):
        D.Normal(torch.tensor([0.0]), torch.tensor([-1.0]))
    D.Distribution.set_default_validate_args(False)
    try:
        d = D.Normal(torch.tensor([0.0]), torch.tensor([-1.0]))
        assert d.scale.item() == -1.0
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")
    assert D.Distribution._validate_args is True


def test_normal_formulas_numpy():
    loc, scale = np.array([0.5, -1.0]), np.array([2.0, 0.3])
    x = np.array([[0.1, 0.2], [-3.0, 1.0]])
    d = D.Normal(torch.tensor(loc), torch.tensor(scale))
    lp = -((x - loc) ** 2) / (2 * scale**2) - np.log(scale) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(npy(d.log_prob(torch.tensor(x))), lp, rtol=1e-12)
    cdf = 0.5 * (1 + np.vectorize(math.erf)((x - loc) / (scale * np.sqrt(2))))
    np.testing.assert_allclose(npy(d.cdf(torch.tensor(x))), cdf, rtol=1e-12)
    ent = 0.5 + 0.5 * np.log(2 * np.pi) + np.log(scale)
    np.testing.assert_allclose(npy(d.entropy()), ent, rtol=1e-12)


def test_exponential_laplace_geometric_formulas_numpy():
    rate = np.array([0.5, 2.0])
    x = np.array([0.3, 1.7])
    np.testing.assert_allclose(
        npy(D.Exponential(torch.tensor(rate)).log_prob(torch.tensor(x))),
        np.log(rate) - rate * x, rtol=1e-12)
    np.testing.assert_allclose(
        npy(D.Laplace(torch.tensor(0.5, dtype=torch.float64), torch.tensor(2.0, dtype=torch.float64))
            .log_prob(torch.tensor(x))),
        -np.log(4.0) - np.abs(x - 0.5) / 2.0, rtol=1e-12)
    p = np.array([0.2, 0.6])
    k = np.array([3.0, 0.0])
    np.testing.assert_allclose(
        npy(D.Geometric(torch.tensor(p)).log_prob(torch.tensor(k))),
        k * np.log1p(-p) + np.log(p), rtol=1e-12)


@pytest.mark.parametrize("cid,stat", [
    ("normal", "mean"), ("exponential", "mean"), ("gamma", "mean"), ("poisson", "mean"),
    ("binomial", "mean"), ("beta", "mean"), ("dirichlet", "mean"), ("laplace", "variance"),
    ("gamma", "variance"), ("poisson", "variance"), ("binomial", "variance"),
    ("geometric", "mean"), ("uniform", "mean"), ("negbinomial", "mean"),
])
def test_sample_statistics(cid, stat):
    """Large-sample moments agree with the analytic ones (independent of the recorded draws)."""
    d, _ = build(cid)
    torch.manual_seed(123)
    s = npy(run(lambda: d.sample((40000,)))).astype(np.float64)
    expected = npy(run(lambda: getattr(d, stat))).astype(np.float64)
    var = npy(run(lambda: d.variance)).astype(np.float64)
    if stat == "mean":
        got = s.mean(0)
        tol = 6 * np.sqrt(var / s.shape[0]) + 1e-6
    else:
        got = s.var(0)
        tol = 0.06 * expected + 1e-6
    assert np.all(np.abs(got - expected) <= tol), (got, expected)


@pytest.mark.parametrize("cid", ["normal_f64", "gamma_f64", "dirichlet_f64", "poisson_f64",
                                 "binomial_f64"])
def test_float64_draws_keep_dtype(cid):
    d, _ = build(cid)
    torch.manual_seed(0)
    assert run(lambda: d.sample((2,))).dtype == torch.float64


def _gradcheck_case(make, *params):
    ok = torch.autograd.gradcheck(lambda *a: make(*a), params, eps=1e-6, atol=1e-5)
    assert ok


def test_gradcheck_log_prob():
    x = torch.tensor([0.3, 1.2, -0.5], dtype=torch.float64)
    loc = torch.tensor([0.1, 0.5, -1.0], dtype=torch.float64, requires_grad=True)
    scale = torch.tensor([1.0, 0.7, 2.0], dtype=torch.float64, requires_grad=True)
    _gradcheck_case(lambda a, b: D.Normal(a, b).log_prob(x), loc, scale)
    _gradcheck_case(lambda a, b: D.Laplace(a, b).log_prob(x), loc, scale)
    _gradcheck_case(lambda a, b: D.Cauchy(a, b).log_prob(x), loc, scale)
    _gradcheck_case(lambda a, b: D.Gumbel(a, b).log_prob(x), loc, scale)
    _gradcheck_case(lambda a, b: D.Normal(a, b).cdf(x), loc, scale)
    _gradcheck_case(lambda a, b: D.Normal(a, b).entropy(), loc, scale)
    rate = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    _gradcheck_case(lambda r: D.Exponential(r).log_prob(torch.tensor([0.2, 2.0],
                                                                     dtype=torch.float64)), rate)
    probs = torch.tensor([0.2, 0.6], dtype=torch.float64, requires_grad=True)
    k = torch.tensor([1.0, 0.0], dtype=torch.float64)
    _gradcheck_case(lambda p: D.Bernoulli(probs=p).log_prob(k), probs)
    _gradcheck_case(lambda p: D.Geometric(probs=p).log_prob(k), probs)
    logits = torch.tensor([[0.2, -0.4, 1.0]], dtype=torch.float64, requires_grad=True)
    _gradcheck_case(lambda lg: D.Categorical(logits=lg).log_prob(torch.tensor([2])), logits)
    _gradcheck_case(lambda lg: D.Categorical(logits=lg).entropy(), logits)
    cov = torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64, requires_grad=True)
    m = torch.tensor([0.5, -0.5], dtype=torch.float64, requires_grad=True)
    v = torch.tensor([[0.1, 0.2], [1.0, -1.0]], dtype=torch.float64)
    _gradcheck_case(lambda a, c: D.MultivariateNormal(a, covariance_matrix=(c + c.mT) / 2)
                    .log_prob(v), m, cov)


def test_gradcheck_rsample():
    loc = torch.tensor([0.1, 0.5], dtype=torch.float64, requires_grad=True)
    scale = torch.tensor([1.0, 0.7], dtype=torch.float64, requires_grad=True)

    def seeded(fn):
        def inner(*a):
            torch.manual_seed(3)
            return fn(*a)
        return inner

    for cls in (D.Normal, D.Laplace, D.Cauchy, D.Gumbel, D.LogNormal):
        _gradcheck_case(seeded(lambda a, b, cls=cls: cls(a, b).rsample((4,))), loc, scale)
    lo = torch.tensor([0.0, -1.0], dtype=torch.float64, requires_grad=True)
    hi = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    _gradcheck_case(seeded(lambda a, b: D.Uniform(a, b).rsample((4,))), lo, hi)
    rate = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    _gradcheck_case(seeded(lambda r: D.Exponential(r).rsample((4,))), rate)


def test_compat_resolves_torch_distributions():
    import subprocess
    import sys
    code = ("from rtensor.compat import install; install('t');"
            "import torch, torch.distributions as d, rtensor;"
            "from torch.distributions import Normal, constraints;"
            "assert d is rtensor.distributions and Normal is rtensor.distributions.Normal;"
            "assert torch.distributions.kl_divergence is rtensor.distributions.kl_divergence")
    # The rtensor this suite imports (the installed wheel under CI, python/ in development).
    root = str(Path(torch.__file__).resolve().parent.parent)
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={**__import__("os").environ, "PYTHONPATH": root})


def test_compat_reinforce_script(tmp_path):
    """A PyTorch policy-gradient script run by ``python -m rtensor.compat`` prints what it
    printed under PyTorch (seeded init, Categorical draws, log_prob/entropy gradients, Adam)."""
    import os
    import subprocess
    import sys

    from distribution_cases import REINFORCE_SCRIPT

    script = tmp_path / "reinforce.py"
    script.write_text(REINFORCE_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(torch.__file__).resolve().parent.parent)}
    out = subprocess.run([sys.executable, "-m", "rtensor.compat", str(script)], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout == META["reinforce_stdout"]


# ----- GPU: draws are made on the CPU generator and uploaded, so they equal the CPU's -----


@pytest.mark.parametrize("cid", ["normal", "uniform", "bernoulli", "exponential", "gamma",
                                 "poisson", "binomial", "dirichlet", "categorical"])
def test_gpu_samples_equal_cpu(gpu, cid):
    from gpu_util import close as gpu_close

    params, b = BY_ID[cid]
    dc = b(torch, {k: torch.tensor(v) for k, v in params.items()})
    dg = b(torch, {k: torch.tensor(v).to("cuda") for k, v in params.items()})
    torch.manual_seed(21)
    sc = dc.sample((4,))
    torch.manual_seed(21)
    sg = dg.sample((4,))
    gpu_close(sg, sc, rtol=0, atol=0)


@pytest.mark.parametrize("form", ["both", "mean", "std"])
def test_gpu_normal_tensor_arguments(gpu, form):
    """``torch.normal`` with GPU mean and/or std (what ``Normal.sample`` calls) returns a GPU
    tensor holding the CPU's draws."""
    from gpu_util import close as gpu_close

    mean, std = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([1.0, 0.5, 3.0])
    args = {"both": (mean, std), "mean": (mean, 2.0), "std": (1.5, std)}[form]
    torch.manual_seed(4)
    c = torch.normal(*args)
    torch.manual_seed(4)
    g = torch.normal(*[a.to("cuda") if isinstance(a, torch.Tensor) else a for a in args])
    gpu_close(g, c, rtol=0, atol=0)
