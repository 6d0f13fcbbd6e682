"""Graph inspection: ``t.grad_fn`` objects are ``Node``s with ``name()`` and
``next_functions``."""

from .._C import Node  # noqa: F401
