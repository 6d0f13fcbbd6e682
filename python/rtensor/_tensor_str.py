"""PyTorch-compatible ``str``/``repr`` of tensors, plus the print options.

The output of :func:`tensor_repr` is meant to be identical, character for
character, to what ``str(torch_tensor)`` prints in PyTorch (with ``torch.``
spelled ``rtensor.`` in dtype names).

This module is deliberately standalone: it imports nothing from ``rtensor`` at
module level, so it can be loaded (and tested) before the Rust core exists.
It reads only the following from a tensor ``t``:

* ``t.shape``              -- tuple-like of ints
* ``t.dtype``              -- ``str()`` like ``rtensor.float32``; ``.is_floating_point``
* ``t.device``             -- ``.type`` ('cpu' / 'gpu'); ``str()`` like ``gpu:0``
* ``t.requires_grad``      -- bool
* ``t.grad_fn``            -- None, or an object whose ``.name()`` is e.g. ``AddBackward0``
* ``t._print_values()``    -- NumPy array of the tensor's shape: float64 for floating
                              dtypes, int64 for integer dtypes, bool for bool
                              (complex128 is also accepted for complex dtypes)

and, lazily, ``rtensor.get_default_dtype()`` (float32 is assumed when that is
not available).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any

import numpy as np

__all__ = [
    "PRINT_OPTS",
    "get_printoptions",
    "printoptions",
    "set_printoptions",
    "tensor_repr",
]


# --------------------------------------------------------------------------
# Print options
# --------------------------------------------------------------------------


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """Set options for printing tensors (same semantics as ``torch.set_printoptions``).

    Args:
        precision: digits after the decimal point for floating output (default 4).
        threshold: number of elements above which the output is summarized (default 1000).
        edgeitems: items shown at the start and end of each summarized dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``'default'``, ``'short'`` or ``'full'``; applied first, the other
            arguments then override it. Unknown names are ignored.
        sci_mode: True / False forces / disables scientific notation; None (the
            default) lets the formatter decide. Like PyTorch, every call sets this
            option, so a call that omits it resets it to None.
    """
    if profile is not None:
        values = _PROFILES.get(profile)
        if values is not None:
            for name, value in values.items():
                setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as a dict usable as ``set_printoptions(**opts)``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that temporarily changes the print options.

    Accepts the same keyword arguments as :func:`set_printoptions`.
    """
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# --------------------------------------------------------------------------
# Element formatting
# --------------------------------------------------------------------------


class _Formatter:
    """Decides the common width / notation for all printed elements of a tensor.

    ``values`` is a NumPy array holding (a summary of) the tensor's values;
    ``floating`` says whether the tensor has a floating dtype.
    """

    def __init__(self, values, floating):
        self.floating_dtype = bool(floating)
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        flat = np.asarray(values).reshape(-1)

        if not self.floating_dtype:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(str(value)))
            return

        flat = flat.astype(np.float64, copy=False)
        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            # Nothing to measure: keep int_mode, no sci_mode, width 1
            # (PyTorch returns before looking at the sci_mode option here).
            return

        abs_vals = np.abs(nonzero_finite)
        nz_min = float(abs_vals.min())
        nz_max = float(abs_vals.max())
        self.int_mode = bool(np.all(np.ceil(nonzero_finite) == nonzero_finite))

        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = nz_max / nz_min > 1000.0 or nz_max > 1.0e8 or nz_min < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        precision = PRINT_OPTS.precision
        items = nonzero_finite.tolist()
        if self.sci_mode:
            spec = "." + str(precision) + "e"
            width = max(len(format(v, spec)) for v in items)
        elif self.int_mode:
            # A "." is appended to every finite value in int mode.
            width = max(len(format(v, ".0f")) for v in items) + 1
        else:
            spec = "." + str(precision) + "f"
            width = max(len(format(v, spec)) for v in items)
        self.max_width = max(self.max_width, width)

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating_dtype:
            value = float(value)
            if self.sci_mode:
                ret = format(value, str(self.max_width) + "." + str(PRINT_OPTS.precision) + "e")
            elif self.int_mode:
                ret = format(value, ".0f")
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = format(value, "." + str(PRINT_OPTS.precision) + "f")
        else:
            ret = str(value)
        return (self.max_width - len(ret)) * " " + ret


def _join_complex(real_str, imag_str):
    imag_str = (imag_str + "j").lstrip()
    # handles negative numbers, +0.0, -0.0
    if imag_str[0] in "+-":
        return real_str + imag_str
    return real_str + "+" + imag_str


def _format_value(value, formatter1, formatter2):
    if formatter2 is None:
        return formatter1.format(value)
    return _join_complex(formatter1.format(value.real), formatter2.format(value.imag))


def _vector_str(values, indent, summarize, formatter1, formatter2):
    # Element length includes the ", " separator.
    element_length = formatter1.width() + 2
    if formatter2 is not None:
        # imaginary part plus its "j"
        element_length += formatter2.width() + 1

    elements_per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))

    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and values.shape[0] > 2 * edge:
        data = (
            [_format_value(v, formatter1, formatter2) for v in values[:edge].tolist()]
            + [" ..."]
            + [_format_value(v, formatter1, formatter2) for v in values[-edge:].tolist()]
        )
    else:
        data = [_format_value(v, formatter1, formatter2) for v in values.tolist()]

    lines = [
        ", ".join(data[i : i + elements_per_line]) for i in range(0, len(data), elements_per_line)
    ]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(values, indent, summarize, formatter1, formatter2=None):
    dim = values.ndim
    if dim == 0:
        return _format_value(values.item(), formatter1, formatter2)
    if dim == 1:
        return _vector_str(values, indent, summarize, formatter1, formatter2)

    edge = PRINT_OPTS.edgeitems
    size0 = values.shape[0]
    if summarize and size0 > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(size0 - edge, size0))
    else:
        rows = list(range(size0))
    slices = [
        "..."
        if i is None
        else _tensor_str_with_formatter(values[i], indent + 1, summarize, formatter1, formatter2)
        for i in rows
    ]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_data(values):
    """The values that a summarized print shows, flattened (order is irrelevant)."""
    dim = values.ndim
    edge = PRINT_OPTS.edgeitems
    if dim == 0:
        return values.reshape(-1)
    if dim == 1:
        if values.shape[0] > 2 * edge:
            # Note: with edge == 0, values[-0:] is the whole vector (as in PyTorch).
            return np.concatenate((values[:edge], values[-edge:]))
        return values
    if not edge:
        return values.reshape(-1)[:0]
    size0 = values.shape[0]
    if size0 > 2 * edge:
        rows = list(range(edge)) + list(range(size0 - edge, size0))
    else:
        rows = range(size0)
    return np.concatenate([_summarized_data(values[i]) for i in rows])


def _tensor_str(values, floating, indent):
    if values.size == 0:
        return "[]"
    summarize = values.size > PRINT_OPTS.threshold
    shown = _summarized_data(values) if summarize else values
    if np.iscomplexobj(values):
        real_formatter = _Formatter(shown.real, True)
        imag_formatter = _Formatter(shown.imag, True)
        return _tensor_str_with_formatter(values, indent, summarize, real_formatter, imag_formatter)
    formatter = _Formatter(shown, floating)
    return _tensor_str_with_formatter(values, indent, summarize, formatter)


# --------------------------------------------------------------------------
# Suffixes and the whole repr
# --------------------------------------------------------------------------


def _add_suffixes(tensor_str, suffixes, indent, force_newline):
    parts = [tensor_str]
    # (PyTorch's formula, "+ 1" included: it over-counts by two on the first line.)
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        suffix_len = len(suffix)
        if force_newline or last_line_len + suffix_len + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
            force_newline = False
        else:
            parts.append(", " + suffix)
            last_line_len += suffix_len + 2
    parts.append(")")
    return "".join(parts)


def _dtype_name(dtype):
    return str(dtype).rsplit(".", 1)[-1]


def _default_dtype_name():
    """Name of rtensor's default floating dtype ('float32' when it cannot be read)."""
    try:
        from rtensor import get_default_dtype
    except ImportError:  # package not importable yet, or no get_default_dtype
        return "float32"
    return _dtype_name(get_default_dtype())


def _grad_fn_name(t):
    try:
        grad_fn = t.grad_fn
    except RuntimeError:
        return "Invalid"
    if grad_fn is None:
        return None
    name_attr = getattr(grad_fn, "name", None)
    name = name_attr() if callable(name_attr) else type(grad_fn).__name__
    return str(name).rsplit("::", 1)[-1]


def tensor_repr(t, *, tensor_contents=None):
    """PyTorch-style ``str()``/``repr()`` of tensor ``t``.

    ``tensor_contents``, when given, replaces the printed values (as in
    PyTorch's ``Tensor._str``); suffixes are still computed from ``t``.
    """
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []

    device = t.device
    if getattr(device, "type", "cpu") != "cpu":
        suffixes.append("device='" + str(device) + "'")

    dtype = t.dtype
    dtype_name = _dtype_name(dtype)
    default_name = _default_dtype_name()
    default_complex = "complex128" if default_name == "float64" else "complex64"
    has_default_dtype = dtype_name in (default_name, default_complex, "int64", "bool")

    shape = tuple(int(s) for s in t.shape)
    numel = 1
    for s in shape:
        numel *= s

    if numel == 0:
        # Explicitly print the shape if it is not (0,), to match NumPy.
        if len(shape) != 1:
            suffixes.append("size=" + str(shape))
        # No elements to infer the dtype from, so anything but the default float shows.
        if dtype_name != default_name:
            suffixes.append("dtype=" + str(dtype))
        tensor_str = "[]" if tensor_contents is None else tensor_contents
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(shape))
        if not has_default_dtype:
            suffixes.append("dtype=" + str(dtype))
        if tensor_contents is None:
            values = np.asarray(t._print_values())
            floating = bool(getattr(dtype, "is_floating_point", values.dtype.kind == "f"))
            tensor_str = _tensor_str(values, floating, indent)
        else:
            tensor_str = tensor_contents

    grad_fn_name = _grad_fn_name(t)
    if grad_fn_name is not None:
        suffixes.append("grad_fn=<" + grad_fn_name + ">")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    return _add_suffixes(prefix + tensor_str, suffixes, indent, force_newline=False)
