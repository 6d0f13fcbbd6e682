"""``torch.distributions``: parameterizable probability distributions with PyTorch's API,
written over rtensor ops. Seeded ``sample``/``rsample`` draw PyTorch's numbers (they use the
same primitive draws: ``normal_``, ``uniform_``, ``bernoulli``, ``multinomial``,
``exponential_``, ``cauchy_``, and the native gamma/Poisson/binomial/Dirichlet samplers in
``rtensor._random_samplers``); ``rsample`` and ``log_prob`` are differentiable.

Contents: ``Distribution``, ``constraints``, ``transforms``, ``biject_to``/``transform_to``,
``kl_divergence``/``register_kl`` and the families listed in ``__all__``.
"""

from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .fishersnedecor import FisherSnedecor
from .gamma import Gamma
from .generalized_pareto import GeneralizedPareto
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from .kumaraswamy import Kumaraswamy
from .laplace import Laplace
from .lkj_cholesky import LKJCholesky
from .log_normal import LogNormal
from .logistic_normal import LogisticNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .pareto import Pareto
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F403
from .uniform import Uniform
from .von_mises import VonMises
from .weibull import Weibull
from .wishart import Wishart

__all__ = [
    "Bernoulli", "Beta", "Binomial", "Categorical", "Chi2", "Dirichlet", "Gamma", "Multinomial",
    "NegativeBinomial", "Poisson", "StudentT", "MultivariateNormal", "LowRankMultivariateNormal",
    "MixtureSameFamily", "RelaxedBernoulli", "RelaxedOneHotCategorical", "Weibull", "Kumaraswamy",
    "Pareto", "ContinuousBernoulli", "VonMises", "GeneralizedPareto",
    "LKJCholesky", "Wishart", "FisherSnedecor", "InverseGamma", "LogisticNormal", "Cauchy", "Distribution", "Exponential", "ExponentialFamily",
    "Geometric", "Gumbel", "HalfCauchy", "HalfNormal", "Independent", "Laplace", "LogNormal",
    "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough",
    "TransformedDistribution", "Uniform", "biject_to", "kl_divergence", "register_kl",
    "transform_to",
]
__all__.extend(transforms.__all__)
