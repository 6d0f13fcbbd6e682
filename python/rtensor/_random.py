"""Random sampling: the in-place Tensor methods (``uniform_``, ``normal_``, ``random_``...) and
the factories (``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial``), with PyTorch's signatures.

Each function allocates its output and calls one native fill of ``rtensor._C``, which draws
from the given ``generator`` or from the default one, in PyTorch's order and arithmetic (see
``src/python/random.rs``), so seeded programs print the numbers PyTorch prints.
"""

import math
import numbers
import operator

from . import _C
from . import _memory_format as _mf
from ._C import Tensor
from ._device import device as _device

_MISSING = object()


def _type_name(x):
    return type(x).__name__


def _parse(name, args, kwargs, params):
    """Binds ``args``/``kwargs`` to ``params`` ((name, default) pairs; ``_MISSING`` marks a
    required one), for signatures whose names Python cannot spell (``from``)."""
    if len(args) > len(params):
        raise TypeError(f"{name}() takes at most {len(params)} arguments ({len(args)} given)")
    values = {}
    for (pname, _), value in zip(params, args):
        values[pname] = value
    for key, value in kwargs.items():
        if key not in dict(params):
            raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
        if key in values:
            raise TypeError(f"{name}() got multiple values for argument '{key}'")
        values[key] = value
    for pname, default in params:
        if pname not in values:
            if default is _MISSING:
                raise TypeError(f"{name}() missing required argument '{pname}'")
            values[pname] = default
    return [values[pname] for pname, _ in params]


def _float(name, argname, x):
    if isinstance(x, Tensor) or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        return float(x)
    if isinstance(x, bool):
        return float(x)
    raise TypeError(f"{name}(): argument '{argname}' must be float, not {_type_name(x)}")


def _int(name, argname, x):
    if isinstance(x, float):
        raise TypeError(f"{name}(): argument '{argname}' must be int, not float")
    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(
            f"{name}(): argument '{argname}' must be int, not {_type_name(x)}"
        ) from None


# ----- in-place methods -----


def _check_inplace(t):
    # Autograd cannot let a random fill overwrite a leaf that requires grad (nn's init
    # functions fill under no_grad). Filling a tensor that has history is left to autograd.
    if t.requires_grad and t.is_leaf and _C.is_grad_enabled():
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


def _uniform_fill(t, lo, hi, generator):
    # A complex tensor draws its (re, im) pairs as reals, as ATen's uniform_ does.
    _C._uniform_(_C.view_as_real(t) if t.dtype.is_complex else t, lo, hi, generator)


def _normal_fill(t, mean, std, generator):
    # ATen: a complex normal_ draws (re, im) as reals with std / sqrt(2), so that E|z|^2 = std^2.
    if t.dtype.is_complex:
        _C._normal_(_C.view_as_real(t), mean, std / math.sqrt(2), generator)
    else:
        _C._normal_(t, mean, std, generator)


def uniform_(self, *args, generator=None, **kwargs):
    _check_inplace(self)
    lo, hi = _parse("uniform_", args, kwargs, (("from", 0.0), ("to", 1.0)))
    _uniform_fill(self, _float("uniform_", "from", lo), _float("uniform_", "to", hi), generator)
    return self


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    _check_inplace(self)
    _normal_fill(self, _float("normal_", "mean", mean), _float("normal_", "std", std),
                 generator)
    return self


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    _check_inplace(self)
    _C._log_normal_(
        self, _float("log_normal_", "mean", mean), _float("log_normal_", "std", std), generator
    )
    return self


def random_(self, *args, generator=None, **kwargs):
    """``random_()``, ``random_(to)``, ``random_(from, to)`` (``to=None``: up to the dtype's
    largest value)."""
    _check_inplace(self)
    if len(args) == 1 and not kwargs:
        _C._random_(self, None, _int("random_", "to", args[0]), generator)
        return self
    if not args and list(kwargs) == ["to"]:
        _C._random_(self, None, _int("random_", "to", kwargs["to"]), generator)
        return self
    if not args and not kwargs:
        _C._random_(self, None, None, generator)
        return self
    lo, hi = _parse("random_", args, kwargs, (("from", _MISSING), ("to", None)))
    hi = None if hi is None else _int("random_", "to", hi)
    _C._random_(self, _int("random_", "from", lo), hi, generator)
    return self


def bernoulli_(self, p=0.5, *, generator=None):
    _check_inplace(self)
    if not isinstance(p, Tensor):
        p = _float("bernoulli_", "p", p)
    _C._bernoulli_(self, p, generator)
    return self


def exponential_(self, lambd=1.0, *, generator=None):
    _check_inplace(self)
    _C._exponential_(self, _float("exponential_", "lambd", lambd), generator)
    return self


def geometric_(self, p, *, generator=None):
    _check_inplace(self)
    _C._geometric_(self, _float("geometric_", "p", p), generator)
    return self


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _check_inplace(self)
    _C._cauchy_(
        self, _float("cauchy_", "median", median), _float("cauchy_", "sigma", sigma), generator
    )
    return self


# ----- factories -----


def _check_device(device):
    if device is not None:
        _device(device)._check_available()


def _finish(t, out, requires_grad, device=None):
    """Numbers are drawn on the CPU generator on every device, so a GPU tensor holds exactly
    the CPU's numbers; it is uploaded here."""
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad = True
    if out is not None:
        out._set_data(t)
        return out
    return t


def _size(name, size, kwargs):
    if "size" in kwargs:
        if size:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return size


def _empty_like(input, dtype, memory_format=None):
    """``empty_like``: laid out as ``memory_format`` (default preserve_format, ``input``'s own
    strides when dense), which decides the order of the draws."""
    t = _C.zeros(*input.shape, dtype=dtype)
    fmt = _mf.preserve_format if memory_format is None else memory_format
    strides = _mf.target_strides(input, fmt)
    if strides == _mf.contiguous_strides(tuple(input.shape)):
        return t
    return t._clone_strided(strides)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kwargs):
    _check_device(device)
    t = _C.zeros(*_size("rand", size, kwargs), dtype=dtype)
    _uniform_fill(t, 0.0, 1.0, generator)
    return _finish(t, out, requires_grad, device)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kwargs):
    _check_device(device)
    t = _C.zeros(*_size("randn", size, kwargs), dtype=dtype)
    _normal_fill(t, 0.0, 1.0, generator)
    return _finish(t, out, requires_grad, device)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    _check_device(device)
    t = _empty_like(input, dtype if dtype is not None else input.dtype, memory_format)
    _uniform_fill(t, 0.0, 1.0, generator)
    return _finish(t, None, requires_grad, input.device if device is None else device)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    _check_device(device)
    t = _empty_like(input, dtype if dtype is not None else input.dtype, memory_format)
    _normal_fill(t, 0.0, 1.0, generator)
    return _finish(t, None, requires_grad, input.device if device is None else device)


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False, **kwargs):
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high)."""
    _check_device(device)
    args = list(args)
    size = kwargs.pop("size", _MISSING)
    if size is _MISSING:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        low, high = kwargs.pop("low", 0), args[0]
        if "high" in kwargs:
            low, high = high, kwargs.pop("high")
    elif not args:
        low, high = kwargs.pop("low", 0), kwargs.pop("high", _MISSING)
        if high is _MISSING:
            raise TypeError("randint() missing required argument 'high'")
    else:
        raise TypeError(f"randint() takes at most 3 positional arguments ({len(args) + 1} given)")
    if kwargs:
        raise TypeError(f"randint() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if isinstance(size, numbers.Integral) or not hasattr(size, "__len__"):
        raise TypeError(
            f"randint(): argument 'size' must be tuple of ints, not {_type_name(size)}"
        )
    t = _C.zeros(tuple(size), dtype=dtype if dtype is not None else _C.int64)
    _C._random_(t, _int("randint", "low", low), _int("randint", "high", high), generator)
    return _finish(t, out, requires_grad, device)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    _check_device(device)
    if high is None:
        low, high = 0, low
    t = _empty_like(input, dtype if dtype is not None else input.dtype, memory_format)
    _C._random_(t, _int("randint_like", "low", low), _int("randint_like", "high", high),
                generator)
    return _finish(t, None, requires_grad, input.device if device is None else device)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    _check_device(device)
    t = _C._randperm(_int("randperm", "n", n), generator)
    if dtype is not None and dtype != _C.int64:
        t = t.to(dtype)
    return _finish(t, out, requires_grad, device)


def _broadcast_shape(a, b):
    shape = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                f"non-singleton dimension {max(len(a), len(b)) - i}"
            )
        shape.append(y if x == 1 else x)
    return tuple(reversed(shape))


def _check_std_tensor(std):
    if std.numel() and not bool((std.min() >= 0).item()):
        raise RuntimeError("normal expects all elements of std >= 0.0")


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, requires_grad=False, pin_memory=False):
    """``normal(mean, std)`` with tensor means and/or stds (the standard normal is drawn
    first, then scaled and shifted as two rounded ops, as PyTorch does), or
    ``normal(mean, std, size)`` with numbers."""
    _check_device(device)
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if (mean_t and mean.requires_grad) or (std_t and std.requires_grad):
        # PyTorch's normal is not reparameterised: the gradients to mean and std are zeros
        # (derivatives.yaml); distributions' rsample is the differentiable draw.
        name = "NormalBackward3" if mean_t and std_t else (
            "NormalBackward1" if mean_t else "NormalBackward2")
        params = [a for a in (mean, std) if isinstance(a, Tensor)]
        t = normal(mean.detach() if mean_t else mean, std.detach() if std_t else std, size,
                   generator=generator, dtype=dtype, layout=layout, device=device)
        t = _zero_grad_node(name, params, t)
        return _finish(t, out, requires_grad and not t.requires_grad)
    if mean_t and std_t:
        _check_std_tensor(std)
        t = _C.zeros(*_broadcast_shape(mean.shape, std.shape), dtype=mean.dtype)
        if mean.is_cuda:  # drawn on the CPU generator into a tensor on mean's device
            t = t.to(mean.device)
        _C._normal_(t, 0.0, 1.0, generator)
        t.mul_(std).add_(mean)
    elif mean_t:
        t = _C.zeros(*mean.shape, dtype=mean.dtype)
        if mean.is_cuda:
            t = t.to(mean.device)
        _C._normal_(t, 0.0, _float("normal", "std", std), generator)
        t.add_(mean)
    elif std_t:
        _check_std_tensor(std)
        t = _C.zeros(*std.shape, dtype=std.dtype)
        if std.is_cuda:
            t = t.to(std.device)
        _C._normal_(t, 0.0, 1.0, generator)
        t.mul_(std).add_(_float("normal", "mean", mean))
    else:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments: with float mean and "
                "std, a size is required"
            )
        t = _C.zeros(size, dtype=dtype)
        _C._normal_(t, _float("normal", "mean", mean), _float("normal", "std", std), generator)
    return _finish(t, out, requires_grad, device)


def bernoulli(input, p=None, *, generator=None, out=None):
    """Samples 0/1 with probabilities ``input`` (or a number ``p``); same dtype as input."""
    t = _C.zeros(*input.shape, dtype=input.dtype)
    if input.is_cuda:
        t = t.to(input.device)
    _C._bernoulli_(t, input.detach() if p is None else _float("bernoulli", "p", p), generator)
    if p is None:
        t = _zero_grad_node("BernoulliBackward0", [input], t)  # zeros, as PyTorch
    return _finish(t, out, False)


def _zero_grad_node(name, params, t):
    """``t`` recorded as node ``name`` whose gradients to ``params`` are zeros (a sample does
    not depend differentiably on its parameters in PyTorch's ``normal``/``bernoulli``)."""
    from .nn.functional import _node

    return _node(name, params, t, lambda g: tuple(g.new_zeros(p.shape) for p in params))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    t = _C._multinomial(input, _int("multinomial", "num_samples", num_samples),
                        bool(replacement), generator)
    return _finish(t, out, False)


_METHODS = {
    "uniform_": uniform_,
    "normal_": normal_,
    "log_normal_": log_normal_,
    "random_": random_,
    "bernoulli_": bernoulli_,
    "exponential_": exponential_,
    "geometric_": geometric_,
    "cauchy_": cauchy_,
    "bernoulli": bernoulli,
    "multinomial": multinomial,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

FUNCTIONS = {
    "rand": rand,
    "randn": randn,
    "rand_like": rand_like,
    "randn_like": randn_like,
    "randint": randint,
    "randint_like": randint_like,
    "randperm": randperm,
    "normal": normal,
    "bernoulli": bernoulli,
    "multinomial": multinomial,
}
