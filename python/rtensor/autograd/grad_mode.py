"""Grad-mode switches, usable as context managers and as decorators (thread-local state).

As in PyTorch: ``no_grad`` / ``enable_grad`` / ``inference_mode`` also work as bare decorators
(``@rtensor.no_grad``); ``set_grad_enabled(mode)`` switches at once when called, and restores
the previous mode when used as a context manager or when it decorates a function (decorating
does not leave the mode changed).
"""

import functools
import inspect

from .. import _C


class _DecoratorContextManager:
    """A context manager that also decorates functions: each call runs in a fresh copy."""

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            def gen_wrapper(*args, **kwargs):
                gen = fn(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as e:  # noqa: BLE001  (forwarded into the generator)
                        with self.clone():
                            response = gen.throw(e)
                    else:
                        try:
                            with self.clone():
                                response = gen.send(request)
                        except StopIteration as stop:
                            return stop.value

            return functools.wraps(fn)(gen_wrapper)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Also allows the bare form ``@no_grad`` (without parentheses)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    def __init__(self):
        self._prev = []

    def __enter__(self):
        self._prev.append(_C.is_grad_enabled())
        _C._set_grad_enabled(False)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev.pop())


class enable_grad(_NoParamDecoratorContextManager):
    def __init__(self):
        self._prev = []

    def __enter__(self):
        self._prev.append(_C.is_grad_enabled())
        _C._set_grad_enabled(True)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev.pop())


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode at once (as a function) and restores it when used as a context."""

    def __init__(self, mode):
        self.prev = _C.is_grad_enabled()
        self.mode = bool(mode)
        _C._set_grad_enabled(self.mode)

    def __call__(self, fn):
        # Decorating must not leave the mode switched: undo what __init__ did.
        _C._set_grad_enabled(self.prev)
        return super().__call__(fn)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _C._set_grad_enabled(self.prev)

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Inference mode: grad mode off (``inference_mode(False)`` turns both back)."""

    def __new__(cls, mode=True):
        if mode is None or isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self._prev = []

    def __enter__(self):
        self._prev.append((_C.is_grad_enabled(), _C.is_inference_mode_enabled()))
        _C._set_grad_enabled(not self.mode)
        _C._set_inference_mode(self.mode)

    def __exit__(self, *exc):
        grad, inference = self._prev.pop()
        _C._set_grad_enabled(grad)
        _C._set_inference_mode(inference)

    def clone(self):
        return self.__class__(self.mode)


is_grad_enabled = _C.is_grad_enabled
is_inference_mode_enabled = _C.is_inference_mode_enabled
