"""The distributions, parameters and KL pairs shared by scripts/record_distributions_reference.py
(run under PyTorch) and tests/test_distributions.py (run under rtensor).

A case is ``(id, params, build)``: ``params`` maps names to NumPy arrays (float ones become
tensors that require grad) or Python numbers; ``build(lib, p)`` constructs the distribution
with ``lib`` (``torch`` or ``rtensor``) from the tensors ``p``, so both sides run the same code.
"""

import numpy as np


def f32(*a):
    return np.array(a, dtype=np.float32)


def f64(*a):
    return np.array(a, dtype=np.float64)


def m32(rows):
    return np.array(rows, dtype=np.float32)


def D(lib):
    return lib.distributions


COV = m32([[2.0, 0.5, 0.1], [0.5, 1.0, 0.3], [0.1, 0.3, 1.5]])
PROBS3 = m32([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]])

CASES = [
    ("normal", dict(loc=f32(0.0, 1.5, -2.0), scale=f32(1.0, 0.5, 2.0)),
     lambda lib, p: D(lib).Normal(p["loc"], p["scale"])),
    ("normal_f64", dict(loc=f64(0.25, -1.0), scale=f64(2.0, 0.5)),
     lambda lib, p: D(lib).Normal(p["loc"], p["scale"])),
    ("normal_big", dict(loc=np.linspace(-2, 2, 20).astype(np.float32).reshape(4, 5),
                        scale=np.linspace(0.5, 3, 20).astype(np.float32).reshape(4, 5)),
     lambda lib, p: D(lib).Normal(p["loc"], p["scale"])),
    ("normal_scalar", dict(), lambda lib, p: D(lib).Normal(0.5, 2.0)),
    ("uniform", dict(low=f32(0.0, -1.0, 2.0), high=f32(1.0, 3.0, 2.5)),
     lambda lib, p: D(lib).Uniform(p["low"], p["high"])),
    ("uniform_unit", dict(low=f32(0.1, 0.25, 0.0), high=f32(0.6, 0.5, 1.0)),
     lambda lib, p: D(lib).Uniform(p["low"], p["high"])),
    ("bernoulli", dict(probs=f32(0.2, 0.5, 0.9)),
     lambda lib, p: D(lib).Bernoulli(probs=p["probs"])),
    ("bernoulli_logits", dict(logits=f32(-1.0, 0.0, 2.0)),
     lambda lib, p: D(lib).Bernoulli(logits=p["logits"])),
    ("categorical", dict(probs=PROBS3),
     lambda lib, p: D(lib).Categorical(probs=p["probs"])),
    ("categorical_logits", dict(logits=m32([[0.5, -1.0, 2.0, 0.0]])),
     lambda lib, p: D(lib).Categorical(logits=p["logits"])),
    ("onehot", dict(probs=PROBS3),
     lambda lib, p: D(lib).OneHotCategorical(probs=p["probs"])),
    ("exponential", dict(rate=f32(0.5, 1.0, 3.0)),
     lambda lib, p: D(lib).Exponential(p["rate"])),
    ("laplace", dict(loc=f32(0.0, 1.0, -1.0), scale=f32(1.0, 2.0, 0.5)),
     lambda lib, p: D(lib).Laplace(p["loc"], p["scale"])),
    ("cauchy", dict(loc=f32(0.0, 1.0), scale=f32(1.0, 2.0)),
     lambda lib, p: D(lib).Cauchy(p["loc"], p["scale"])),
    ("lognormal", dict(loc=f32(0.0, 1.0), scale=f32(1.0, 0.5)),
     lambda lib, p: D(lib).LogNormal(p["loc"], p["scale"])),
    ("gumbel", dict(loc=f32(0.0, 1.0, -1.0), scale=f32(1.0, 2.0, 0.5)),
     lambda lib, p: D(lib).Gumbel(p["loc"], p["scale"])),
    ("halfnormal", dict(scale=f32(1.0, 2.0)),
     lambda lib, p: D(lib).HalfNormal(p["scale"])),
    ("halfcauchy", dict(scale=f32(1.0, 2.0)),
     lambda lib, p: D(lib).HalfCauchy(p["scale"])),
    ("geometric", dict(probs=f32(0.2, 0.7)),
     lambda lib, p: D(lib).Geometric(probs=p["probs"])),
    ("poisson", dict(rate=f32(0.5, 4.0, 20.0, 150.0)),
     lambda lib, p: D(lib).Poisson(p["rate"])),
    ("poisson_f64", dict(rate=f64(3.0, 12.5)),
     lambda lib, p: D(lib).Poisson(p["rate"])),
    ("gamma", dict(concentration=f32(0.5, 2.0, 9.0), rate=f32(1.0, 0.5, 3.0)),
     lambda lib, p: D(lib).Gamma(p["concentration"], p["rate"])),
    ("gamma_f64", dict(concentration=f64(0.3, 1.0, 30.0), rate=f64(2.0, 1.0, 0.1)),
     lambda lib, p: D(lib).Gamma(p["concentration"], p["rate"])),
    ("beta", dict(concentration1=f32(0.5, 2.0, 1.0), concentration0=f32(1.5, 3.0, 1.0)),
     lambda lib, p: D(lib).Beta(p["concentration1"], p["concentration0"])),
    ("chi2", dict(df=f32(1.0, 5.0)), lambda lib, p: D(lib).Chi2(p["df"])),
    ("studentt", dict(df=f32(3.0, 10.0), loc=f32(0.0, 1.0), scale=f32(1.0, 2.0)),
     lambda lib, p: D(lib).StudentT(p["df"], p["loc"], p["scale"])),
    ("dirichlet", dict(concentration=m32([[0.5, 1.0, 2.0], [3.0, 1.5, 0.7]])),
     lambda lib, p: D(lib).Dirichlet(p["concentration"])),
    ("dirichlet_f64", dict(concentration=f64(0.2, 4.0, 1.0, 2.5)),
     lambda lib, p: D(lib).Dirichlet(p["concentration"])),
    ("binomial", dict(total_count=f32(5.0, 50.0, 200.0, 30.0), probs=f32(0.3, 0.6, 0.45, 0.9)),
     lambda lib, p: D(lib).Binomial(p["total_count"], probs=p["probs"])),
    ("binomial_f64", dict(probs=f64(0.2, 0.7)),
     lambda lib, p: D(lib).Binomial(40, probs=p["probs"])),
    ("multinomial", dict(probs=f32(0.2, 0.3, 0.5)),
     lambda lib, p: D(lib).Multinomial(7, probs=p["probs"])),
    ("negbinomial", dict(total_count=f32(3.0, 5.0), probs=f32(0.3, 0.6)),
     lambda lib, p: D(lib).NegativeBinomial(p["total_count"], probs=p["probs"])),
    ("mvn", dict(loc=f32(0.0, 1.0, -1.0), covariance_matrix=COV),
     lambda lib, p: D(lib).MultivariateNormal(p["loc"], covariance_matrix=p["covariance_matrix"])),
    ("mvn_tril", dict(loc=m32([[0.0, 1.0], [2.0, -1.0]]),
                      scale_tril=m32([[1.5, 0.0], [0.5, 0.8]])),
     lambda lib, p: D(lib).MultivariateNormal(p["loc"], scale_tril=p["scale_tril"])),
    ("lowrank_mvn", dict(loc=f32(0.0, 1.0, 0.5), cov_factor=m32([[1.0], [0.5], [-0.3]]),
                         cov_diag=f32(1.0, 2.0, 0.5)),
     lambda lib, p: D(lib).LowRankMultivariateNormal(p["loc"], p["cov_factor"], p["cov_diag"])),
    ("independent", dict(loc=m32([[0.0, 1.0], [2.0, -1.0]]), scale=m32([[1.0, 2.0], [0.5, 1.5]])),
     lambda lib, p: D(lib).Independent(D(lib).Normal(p["loc"], p["scale"]), 1)),
    ("mixture", dict(logits=f32(0.2, -0.5, 1.0), loc=f32(-1.0, 0.0, 2.0),
                     scale=f32(0.5, 1.0, 0.7)),
     lambda lib, p: D(lib).MixtureSameFamily(D(lib).Categorical(logits=p["logits"]),
                                             D(lib).Normal(p["loc"], p["scale"]))),
    ("transformed", dict(loc=f32(0.0, 1.0), scale=f32(1.0, 0.5)),
     lambda lib, p: D(lib).TransformedDistribution(
         D(lib).Normal(p["loc"], p["scale"]),
         [D(lib).transforms.AffineTransform(1.0, 2.0), D(lib).transforms.SigmoidTransform()])),
    ("relaxed_bernoulli", dict(probs=f32(0.2, 0.7)),
     lambda lib, p: D(lib).RelaxedBernoulli(lib.tensor(0.5), probs=p["probs"])),
    ("relaxed_onehot", dict(probs=f32(0.2, 0.3, 0.5)),
     lambda lib, p: D(lib).RelaxedOneHotCategorical(lib.tensor(0.5), probs=p["probs"])),
    ("vonmises", dict(loc=f32(0.0, 1.0), concentration=f32(1.0, 5.0)),
     lambda lib, p: D(lib).VonMises(p["loc"], p["concentration"])),
    ("weibull", dict(scale=f32(1.0, 2.0), concentration=f32(0.5, 3.0)),
     lambda lib, p: D(lib).Weibull(p["scale"], p["concentration"])),
    ("cbernoulli", dict(probs=f32(0.2, 0.5, 0.7)),
     lambda lib, p: D(lib).ContinuousBernoulli(probs=p["probs"])),
    ("kumaraswamy", dict(concentration1=f32(0.5, 2.0), concentration0=f32(1.5, 3.0)),
     lambda lib, p: D(lib).Kumaraswamy(p["concentration1"], p["concentration0"])),
    ("lkj", dict(concentration=f32(2.0)),
     lambda lib, p: D(lib).LKJCholesky(3, p["concentration"])),
    ("wishart", dict(df=f32(4.0), covariance_matrix=m32([[2.0, 0.5], [0.5, 1.0]])),
     lambda lib, p: D(lib).Wishart(p["df"], covariance_matrix=p["covariance_matrix"])),
    ("pareto", dict(scale=f32(1.0, 2.0, 0.5), alpha=f32(1.5, 3.0, 0.8)),
     lambda lib, p: D(lib).Pareto(p["scale"], p["alpha"])),
    ("inverse_gamma", dict(concentration=f32(0.5, 2.0, 4.0), rate=f32(1.0, 0.5, 3.0)),
     lambda lib, p: D(lib).InverseGamma(p["concentration"], p["rate"])),
    ("fisher", dict(df1=f32(1.0, 4.0, 10.0), df2=f32(3.0, 5.0, 12.0)),
     lambda lib, p: D(lib).FisherSnedecor(p["df1"], p["df2"])),
    ("logistic_normal", dict(loc=f32(0.0, 1.0, -0.5), scale=f32(1.0, 0.5, 2.0)),
     lambda lib, p: D(lib).LogisticNormal(p["loc"], p["scale"])),
    ("gen_pareto", dict(loc=f32(0.0, 1.0, -1.0), scale=f32(1.0, 2.0, 0.5),
                        concentration=f32(0.3, 0.0, -0.4)),
     lambda lib, p: D(lib).GeneralizedPareto(p["loc"], p["scale"], p["concentration"])),
    ("onehot_st", dict(probs=PROBS3),
     lambda lib, p: D(lib).OneHotCategoricalStraightThrough(probs=p["probs"])),
]

# (p, q) case ids whose KL divergence is registered in PyTorch.
KL_PAIRS = [
    ("normal", "normal"), ("normal", "laplace"), ("uniform", "normal"), ("uniform", "uniform"),
    ("bernoulli", "bernoulli"), ("categorical", "categorical"), ("onehot", "onehot"),
    ("exponential", "exponential"), ("exponential", "gamma"), ("laplace", "laplace"),
    ("laplace", "normal"), ("cauchy", "cauchy"), ("lognormal", "lognormal"),
    ("gumbel", "gumbel"), ("halfnormal", "halfnormal"), ("geometric", "geometric"),
    ("poisson", "poisson"), ("gamma", "gamma"), ("gamma", "exponential"), ("beta", "beta"),
    ("dirichlet", "dirichlet"), ("binomial", "binomial"), ("mvn", "mvn"),
    ("lowrank_mvn", "lowrank_mvn"), ("lowrank_mvn", "mvn"), ("mvn", "lowrank_mvn"),
    ("independent", "independent"), ("cbernoulli", "cbernoulli"), ("exponential", "normal"),
    ("gamma", "normal"), ("beta", "uniform"), ("uniform", "gumbel"), ("normal", "gumbel"),
    ("pareto", "pareto"), ("chi2", "chi2"),
    # infinite everywhere (p's support is not inside q's)
    ("bernoulli", "poisson"), ("beta", "pareto"), ("cbernoulli", "pareto"),
    ("exponential", "beta"), ("exponential", "cbernoulli"), ("exponential", "pareto"),
    ("exponential", "uniform"), ("gamma", "beta"), ("gamma", "cbernoulli"), ("gamma", "pareto"),
    ("gamma", "uniform"), ("gumbel", "beta"), ("gumbel", "cbernoulli"), ("gumbel", "exponential"),
    ("gumbel", "gamma"), ("gumbel", "pareto"), ("gumbel", "uniform"), ("laplace", "beta"),
    ("laplace", "cbernoulli"), ("laplace", "exponential"), ("laplace", "gamma"),
    ("laplace", "pareto"), ("laplace", "uniform"), ("normal", "beta"), ("normal", "cbernoulli"),
    ("normal", "exponential"), ("normal", "gamma"), ("normal", "pareto"), ("normal", "uniform"),
    ("pareto", "beta"), ("pareto", "cbernoulli"), ("pareto", "uniform"), ("poisson", "bernoulli"),
    ("poisson", "binomial"),
    # closed forms across families
    ("beta", "cbernoulli"), ("beta", "exponential"), ("beta", "gamma"), ("beta", "normal"),
    ("cbernoulli", "exponential"), ("cbernoulli", "normal"), ("cbernoulli", "uniform"),
    ("exponential", "gumbel"), ("gamma", "gumbel"), ("gumbel", "normal"),
    ("pareto", "exponential"), ("pareto", "gamma"), ("pareto", "normal"), ("uniform", "beta"),
    ("uniform", "cbernoulli"), ("uniform", "exponential"), ("uniform", "gamma"),
    ("uniform", "pareto"), ("uniform_unit", "beta"), ("uniform_unit", "cbernoulli"),
    ("uniform_unit", "gamma"), ("uniform_unit", "pareto"),
]

# Second cases for the KL pairs, with different parameters of the same shapes.
KL_Q = {
    "normal": dict(loc=f32(0.5, 1.0, -1.0), scale=f32(2.0, 1.0, 1.0)),
    "uniform": dict(low=f32(-1.0, -2.0, 1.0), high=f32(2.0, 4.0, 3.0)),
    "bernoulli": dict(probs=f32(0.4, 0.1, 0.5)),
    "categorical": dict(probs=m32([[0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])),
    "onehot": dict(probs=m32([[0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])),
    "exponential": dict(rate=f32(1.0, 2.0, 0.5)),
    "laplace": dict(loc=f32(0.5, 0.0, 0.0), scale=f32(2.0, 1.0, 1.0)),
    "cauchy": dict(loc=f32(0.5, 0.0), scale=f32(2.0, 1.0)),
    "lognormal": dict(loc=f32(0.5, 0.0), scale=f32(2.0, 1.0)),
    "gumbel": dict(loc=f32(0.5, 0.0, 0.0), scale=f32(2.0, 1.0, 1.0)),
    "halfnormal": dict(scale=f32(0.5, 3.0)),
    "geometric": dict(probs=f32(0.5, 0.3)),
    "poisson": dict(rate=f32(1.0, 2.0, 25.0, 100.0)),
    "gamma": dict(concentration=f32(1.0, 3.0, 4.0), rate=f32(2.0, 1.0, 1.0)),
    "beta": dict(concentration1=f32(1.0, 1.5, 2.0), concentration0=f32(2.0, 0.5, 2.0)),
    "dirichlet": dict(concentration=m32([[1.0, 1.0, 1.0], [0.5, 2.0, 3.0]])),
    "binomial": dict(total_count=f32(5.0, 50.0, 200.0, 30.0), probs=f32(0.5, 0.2, 0.5, 0.7)),
    "mvn": dict(loc=f32(1.0, 0.0, 0.0),
                covariance_matrix=m32([[1.0, 0.2, 0.0], [0.2, 2.0, 0.1], [0.0, 0.1, 1.0]])),
    "lowrank_mvn": dict(loc=f32(0.5, 0.0, 0.0), cov_factor=m32([[0.3], [0.2], [1.0]]),
                        cov_diag=f32(2.0, 1.0, 1.0)),
    "independent": dict(loc=m32([[1.0, 0.0], [0.0, 0.0]]), scale=m32([[2.0, 1.0], [1.0, 1.0]])),
    "cbernoulli": dict(probs=f32(0.6, 0.3, 0.5)),
    "pareto": dict(scale=f32(0.5, 1.0, 0.2), alpha=f32(2.0, 1.0, 1.5)),
    "chi2": dict(df=f32(2.0, 3.0)),
}

# Constructions that validate_args rejects: (id, expression with D = lib.distributions and lib).
BAD = [
    ("normal_scale", "D.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0]), validate_args=True)"),
    ("normal_nan", "D.Normal(lib.tensor([0.0, float('nan')]), lib.tensor([1.0, 1.0]), validate_args=True)"),
    ("uniform_order", "D.Uniform(lib.tensor([1.0]), lib.tensor([0.0]), validate_args=True)"),
    ("bernoulli_both", "D.Bernoulli(probs=lib.tensor([0.5]), logits=lib.tensor([0.0]))"),
    ("bernoulli_none", "D.Bernoulli()"),
    ("bernoulli_probs", "D.Bernoulli(probs=lib.tensor([1.5]), validate_args=True)"),
    ("categorical_neg", "D.Categorical(probs=lib.tensor([0.5, -0.1]), validate_args=True)"),
    ("categorical_0d", "D.Categorical(probs=lib.tensor(1.0))"),
    ("exponential_rate", "D.Exponential(lib.tensor([0.0]), validate_args=True)"),
    ("gamma_conc", "D.Gamma(lib.tensor([-1.0]), lib.tensor([1.0]), validate_args=True)"),
    ("dirichlet_1d", "D.Dirichlet(lib.tensor(1.0))"),
    ("mvn_none", "D.MultivariateNormal(lib.tensor([0.0, 0.0]))"),
    ("mvn_two", "D.MultivariateNormal(lib.tensor([0.0, 0.0]), covariance_matrix=lib.eye(2), scale_tril=lib.eye(2))"),
    ("mvn_1d_cov", "D.MultivariateNormal(lib.tensor([0.0, 0.0]), covariance_matrix=lib.tensor([1.0, 1.0]))"),
    ("normal_logprob_support", "D.HalfNormal(lib.tensor([1.0]), validate_args=True).log_prob(lib.tensor([-1.0]))"),
    ("bernoulli_logprob_support", "D.Bernoulli(lib.tensor([0.3]), validate_args=True).log_prob(lib.tensor([0.5]))"),
    ("logprob_shape", "D.Normal(lib.zeros(3), lib.ones(3), validate_args=True).log_prob(lib.zeros(2))"),
    ("sample_shape_type", "D.Normal(0.0, 1.0).sample(3)"),
    ("independent_ndims", "D.Independent(D.Normal(lib.zeros(2), lib.ones(2)), 2)"),
    ("binomial_probs", "D.Binomial(3, probs=lib.tensor([1.2]), validate_args=True)"),
    ("poisson_rate", "D.Poisson(lib.tensor([-1.0]), validate_args=True)"),
    ("affine_event_dim", "D.transforms.AffineTransform(0.0, 1.0, event_dim=-1)"),
    ("kl_not_impl", "D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(0.5))"),
]

# Transforms checked forward, inverse and log_abs_det_jacobian: (id, expression with T).
TRANSFORMS = [
    ("exp", "T.ExpTransform()", (3, 4)),
    ("affine", "T.AffineTransform(lib.tensor([1.0, -2.0, 0.5, 3.0]), lib.tensor([2.0, 0.5, -1.0, 3.0]))", (3, 4)),
    ("sigmoid", "T.SigmoidTransform()", (3, 4)),
    ("tanh", "T.TanhTransform()", (3, 4)),
    ("softmax", "T.SoftmaxTransform()", (3, 4)),
    ("stickbreaking", "T.StickBreakingTransform()", (3, 4)),
    ("power", "T.PowerTransform(lib.tensor(2.5))", (3, 4)),
    ("abs", "T.AbsTransform()", (3, 4)),
    ("softplus", "T.SoftplusTransform()", (3, 4)),
    ("compose", "T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.ExpTransform()])", (3, 4)),
    ("exp_inv", "T.ExpTransform().inv", (3, 4)),
    ("lower_cholesky", "T.LowerCholeskyTransform()", (3, 3)),
    ("corr_cholesky", "T.CorrCholeskyTransform()", (2, 3)),
    ("reshape", "T.ReshapeTransform((4,), (2, 2))", (3, 4)),
    ("independent_t", "T.IndependentTransform(T.ExpTransform(), 1)", (3, 4)),
    ("cumulative", "T.CumulativeDistributionTransform(D.Normal(0.0, 1.0))", (3, 4)),
    ("stack", "T.StackTransform([T.ExpTransform(), T.SigmoidTransform()], dim=1)", (3, 2)),
    ("cat", "T.CatTransform([T.ExpTransform(), T.SigmoidTransform()], dim=1, lengths=[2, 2])",
     (3, 4)),
    ("cat_event", "T.CatTransform([T.StickBreakingTransform(), T.ExpTransform()], dim=-1, "
     "lengths=[2, 2])", (3, 4)),
]

# Constraints: (name, expression with C = lib.distributions.constraints) checked on fixed values.
CONSTRAINTS = [
    ("real", "C.real"), ("positive", "C.positive"), ("nonnegative", "C.nonnegative"),
    ("unit_interval", "C.unit_interval"), ("boolean", "C.boolean"),
    ("nonnegative_integer", "C.nonnegative_integer"), ("positive_integer", "C.positive_integer"),
    ("simplex", "C.simplex"), ("interval", "C.interval(-1.0, 2.0)"),
    ("half_open", "C.half_open_interval(0.0, 1.0)"), ("greater_than", "C.greater_than(0.5)"),
    ("greater_than_eq", "C.greater_than_eq(0.5)"), ("less_than", "C.less_than(0.5)"),
    ("integer_interval", "C.integer_interval(0, 3)"), ("real_vector", "C.real_vector"),
    ("lower_triangular", "C.lower_triangular"), ("lower_cholesky", "C.lower_cholesky"),
    ("corr_cholesky", "C.corr_cholesky"), ("positive_definite", "C.positive_definite"),
    ("positive_semidefinite", "C.positive_semidefinite"), ("square", "C.square"),
    ("symmetric", "C.symmetric"), ("one_hot", "C.one_hot"),
]


def constraint_values(name):
    """The values each constraint is checked on (float32; a batch of candidates)."""
    if name in ("simplex", "real_vector", "one_hot"):
        return m32([[0.2, 0.3, 0.5], [0.5, 0.6, -0.1], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0],
                    [np.nan, 0.5, 0.5], [1.0, 0.0, 0.0]])
    if name in ("lower_triangular", "lower_cholesky", "corr_cholesky", "positive_definite",
                "positive_semidefinite", "square", "symmetric"):
        s = 1 / np.sqrt(2.0)
        return np.array([
            [[1.0, 0.0], [0.5, 2.0]],
            [[1.0, 0.3], [0.5, 2.0]],
            [[1.0, 0.0], [s, s]],
            [[2.0, 0.5], [0.5, 1.0]],
            [[1.0, 1.0], [1.0, 1.0]],
            [[-1.0, 0.0], [0.0, 1.0]],
        ], dtype=np.float32)
    return f32(-1.5, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, np.nan, np.inf)


def biject_cases():
    """(biject or transform, constraint expression with C, input shape) for biject_to and
    transform_to."""
    out = []
    for kind in ("biject", "transform"):
        out += [
            (kind, "C.real", (3,)), (kind, "C.positive", (3,)),
            (kind, "C.greater_than(1.5)", (3,)), (kind, "C.less_than(-1.0)", (3,)),
            (kind, "C.interval(-1.0, 3.0)", (3,)), (kind, "C.unit_interval", (3,)),
            (kind, "C.simplex", (2, 3)), (kind, "C.lower_cholesky", (2, 2, 2)),
            (kind, "C.corr_cholesky", (2, 3)), (kind, "C.real_vector", (2, 3)),
        ]
    out.append(("transform", "C.positive_definite", (2, 2, 2)))
    out.append(("biject", "C.cat([C.positive, C.real], 0, [2, 1])", (3, 2)))
    out.append(("transform", "C.stack([C.positive, C.unit_interval], 1)", (3, 2)))
    return out


def sampler_cases():
    """(id, function name, argument arrays, seed) for the native samplers, drawn from a fixed
    NumPy stream so that recorder and tests agree."""
    rng = np.random.default_rng(2024)
    out = []
    for dt in (np.float32, np.float64):
        tag = "f32" if dt == np.float32 else "f64"
        for seed in range(6):
            n = 7 + 5 * seed
            a = rng.choice([0.01, 0.3, 0.99, 1.0, 2.5, 9.0, 100.0], size=n) * rng.uniform(0.5, 1.5, n)
            out.append((f"gamma_{tag}_{seed}", "_standard_gamma", [a.astype(dt)], seed))
            r = rng.choice([0.0, 0.5, 3.0, 9.99, 10.0, 25.0, 1000.0], size=n) * rng.uniform(0.5, 1.5, n)
            out.append((f"poisson_{tag}_{seed}", "poisson", [r.astype(dt)], seed))
            c = np.floor(rng.choice([0, 1, 5, 30, 100, 1000], size=n) * rng.uniform(0.5, 1.5, n))
            p = rng.choice([0.0, 0.01, 0.3, 0.5, 0.7, 0.99, 1.0], size=n)
            out.append((f"binomial_{tag}_{seed}", "binomial", [c.astype(dt), p.astype(dt)], seed))
            k = 2 + seed % 5
            al = rng.uniform(0.1, 5, (3, k))
            out.append((f"dirichlet_{tag}_{seed}", "_sample_dirichlet", [al.astype(dt)], seed))
    return out


# Native sampler calls that raise: (id, expression with lib).
SAMPLER_BAD = [
    ("poisson_negative", "lib.poisson(lib.tensor([1.0, -1.0]))"),
    ("gamma_long", "lib._standard_gamma(lib.tensor([1, 2]))"),
    ("poisson_long", "lib.poisson(lib.tensor([1, 2]))"),
    ("binomial_long", "lib.binomial(lib.tensor([1, 2]), lib.tensor([0.5, 0.5]))"),
    ("dirichlet_long", "lib._sample_dirichlet(lib.tensor([[1, 2]]))"),
]


# A small REINFORCE loop written for PyTorch; the tests run it with ``python -m rtensor.compat``
# and compare its output with what the recorder printed under PyTorch.
REINFORCE_SCRIPT = """\
import torch
import torch.nn as nn
from torch.distributions import Categorical, Normal, kl_divergence

torch.manual_seed(0)
policy = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
opt = torch.optim.Adam(policy.parameters(), lr=0.01)
for step in range(5):
    obs = torch.randn(8, 4)
    dist = Categorical(logits=policy(obs))
    action = dist.sample()
    reward = (action == 1).float() - 0.5
    loss = -(dist.log_prob(action) * reward).mean() - 0.01 * dist.entropy().mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, action.tolist(), round(loss.item(), 5))
p, q = Normal(torch.zeros(2), torch.ones(2)), Normal(torch.ones(2), 2 * torch.ones(2))
print(kl_divergence(p, q))
"""
