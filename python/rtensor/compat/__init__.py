"""Running PyTorch scripts on rtensor: ``python -m rtensor.compat script.py [args]``.

:func:`install` puts a finder first on ``sys.meta_path`` that answers ``import torch`` and
``import torch.X.Y`` with ``rtensor`` and ``rtensor.X.Y`` (the same module objects, imported
lazily, so any rtensor module works without a list here). Each aliased module gets a module
``__getattr__`` that imports a not-yet-imported submodule on first use (``torch.nn.functional``
after ``import torch``) and otherwise raises
``AttributeError: rtensor does not implement torch.X.name (needed by script.py)``; an import of a
module rtensor lacks raises ``ModuleNotFoundError`` with the same wording.
"""

import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["install"]


def _rtensor_name(torch_name):
    return "rtensor" + torch_name[len("torch"):]


def _install_getattr(module, torch_name, needed_by):
    if module.__dict__.get("_rtensor_compat_getattr"):
        return
    previous = module.__dict__.get("__getattr__")

    def __getattr__(name):
        if previous is not None:
            try:
                return previous(name)
            except AttributeError:
                pass
        if name.startswith("__"):
            # Protocol probes (__path__, __wrapped__, __all__...) must fail quietly.
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        sub = f"{module.__name__}.{name}"
        try:
            return importlib.import_module(sub)
        except ModuleNotFoundError as e:
            if e.name != sub:
                raise
        raise AttributeError(
            f"rtensor does not implement {torch_name}.{name} (needed by {needed_by})",
            name=name, obj=module,
        )

    module.__getattr__ = __getattr__
    module._rtensor_compat_getattr = True


class _AliasLoader(importlib.abc.Loader):
    """Hands back the already imported rtensor module; the import system's bookkeeping must
    not rename it, so its own ``__spec__`` is restored after."""

    def __init__(self, module):
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        module.__spec__ = self.spec


class _TorchFinder(importlib.abc.MetaPathFinder):
    def __init__(self, needed_by):
        self.needed_by = needed_by

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        real_name = _rtensor_name(fullname)
        try:
            module = importlib.import_module(real_name)
        except ModuleNotFoundError as e:
            if e.name != real_name:
                raise
            raise ModuleNotFoundError(
                f"rtensor does not implement {fullname} (needed by {self.needed_by})",
                name=fullname,
            ) from None
        _install_getattr(module, fullname, self.needed_by)
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module))


def install(needed_by="this program"):
    """Makes ``import torch`` (and its submodules) import rtensor in this process."""
    for finder in sys.meta_path:
        if isinstance(finder, _TorchFinder):
            finder.needed_by = needed_by
            return
    sys.meta_path.insert(0, _TorchFinder(needed_by))
