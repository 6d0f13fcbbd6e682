"""``rtensor.optim``: optimizers whose update math runs as one native call per param group."""

from . import lr_scheduler  # noqa: F401
from .adam import Adam, Adamax, AdamW, NAdam, RAdam, SparseAdam  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .rmsprop import ASGD, Adadelta, Adagrad, RMSprop, Rprop  # noqa: F401
from .sgd import SGD  # noqa: F401
