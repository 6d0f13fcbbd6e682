"""Inputs and call forms of the differential test, shared by its two halves.

``scripts/record_op_reference.py`` runs these calls in PyTorch and records the answers in
``tests/data/op_reference.npz``; ``tests/test_op_differential.py`` runs the same calls in
rtensor and compares. Nothing here imports a tensor library: every call takes the library
(``torch`` or ``rtensor``) as its first argument, so both halves make the same call on the
same bits.

An op is named by its row in ``rtensor._C._op_registry()``; its ``kind`` picks the inputs
(``cases``) and the call (``call``). A new op of an existing kind needs nothing here unless
its Python spelling differs from its registry name (the first lines of ``call``).
"""

import hashlib
from dataclasses import dataclass

import numpy as np

F32_MAX = float(np.finfo(np.float32).max)
NAN, INF = float("nan"), float("inf")

# The values the issue names: NaN, ±inf, ±0.0, ±largest finite, ±0.5, ±1, ±2, ±7.25, ±100, ±1e-6.
SPECIALS = [NAN, INF, -INF, 0.0, -0.0, F32_MAX, -F32_MAX, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0,
            7.25, -7.25, 100.0, -100.0, 1e-6, -1e-6]


def _wide():
    """Magnitudes up to 1e4 for the accuracy of the transcendental functions: 4 per decade
    from 1e-3, multiples of pi/2 (zeros and poles of sin/cos/tan, where range reduction
    matters most) and the float32 overflow edges of exp, exp2, sinh and cosh."""
    mags = np.geomspace(1e-3, 1e4, 29)
    turns = np.array([0.5, 1.0, 1.5, 2.0, 100.0, 1000.0, 3000.0]) * np.pi
    edges = np.array([88.5, 88.75, 89.0, 127.5, 128.5, 709.0, 9999.5])
    v = np.concatenate([mags, turns, edges])
    return np.concatenate([v, -v])


# 19 specials + 86 wide values, as a (15, 7) matrix so that it can be transposed.
UNARY_F32 = np.concatenate([np.array(SPECIALS), _wide()]).astype(np.float32).reshape(15, 7)

# Integers: 0, ±1, ±2, ±7, ±100, values whose square overflows int32, the int32 extremes.
UNARY_INT = np.array([0, 1, -1, 2, -2, 7, -7, 100, -100, 46341, -46341, 123456789,
                      2**31 - 1, -(2**31)]).reshape(2, 7)
UNARY_BOOL = np.array([[False, True]])

# Binary ops take every pair: x as a column, y as a row (a broadcast). INT_MIN is left out:
# INT_MIN / -1 traps (SIGFPE) in PyTorch's integer division.
BINARY_F32 = np.array(SPECIALS, dtype=np.float32)
BINARY_INT = np.array([0, 1, -1, 2, -2, 7, -7, 100, -100, 46341, 2**31 - 1, -(2**31 - 1)])
BINARY_BOOL = np.array([False, True])

# Reductions, scans and sorts: rows (and columns) holding NaN, ±inf, both infinities,
# finite values whose float32 sum overflows (+3e38 and -3e38 never share a column, whose sum
# would then depend on the order of the additions), signed zeros and ties. Integer products
# fit in int32 (the GPU computes int64 in 32 bits, by design).
REDUCE_F32 = np.array([
    [0.5, -1.0, 2.0, 7.25, -100.0, 1e-6],
    [NAN, 1.0, 2.0, 3.0, -1.0, 0.5],
    [INF, 1.0, -2.0, 0.5, 100.0, 2.0],
    [-INF, INF, 1.0, 2.0, 3.0, 4.0],
    [3e38, 3e38, 3e38, 1.0, 2.0, 3.0],
    [-1.0, -2.0, -3.0, -3e38, -3e38, -3e38],
    [0.0, -0.0, 0.0, -0.0, 0.0, -0.0],
    [-7.25, NAN, -INF, 2.0, NAN, -0.5],
], dtype=np.float32)
REDUCE_INT = np.array([
    [1, -1, 2, 7, -100, 0],
    [3, 3, 3, 3, 3, 3],
    [0, 0, 0, 0, 0, 0],
    [-7, 100, 5, -2, 7, 1],
    [300, 2, -300, 1, 9, -9],
    [2, 2, 1, 1, 0, 0],
    [-1, -2, -3, -4, -5, -6],
    [100, -100, 7, -7, 1, -1],
])
REDUCE_BOOL = np.array([
    [True, True, True, True, True, True],
    [False, False, False, False, False, False],
    [True, False, True, False, False, True],
    [False, False, False, False, False, True],
    [True, True, False, True, True, True],
    [False, True, False, False, True, False],
    [True, True, True, False, True, True],
    [False, False, True, False, False, False],
])
TOPK_K = 3
ELEMENTWISE = ("unary", "activation", "binary", "comparison")

# The backward check: (3, 4) inputs without ties, away from the kinks of the activations.
GRAD_X = np.array([[0.3, -0.7, 0.9, -0.2], [0.6, -0.4, 0.15, -0.85],
                   [0.75, -0.35, 0.45, -0.65]], dtype=np.float32)
GRAD_Y = np.array([[0.55, 0.8, -0.3, 1.2], [-1.1, 0.25, 0.7, -0.45],
                   [1.3, -0.6, 0.35, 0.95]], dtype=np.float32)
GRAD_DIM = 1

# Index outputs that PyTorch does not pin down for ties ("indices are not necessarily the
# first occurrence"; sort is not stable by default): compared by the values they select.
TIE_AGNOSTIC = {("median", "indices"), ("sort", "indices"), ("argsort", "out"),
                ("topk", "indices")}


@dataclass(frozen=True)
class Case:
    """One call of an op: ``inputs`` are the operands (x, or x and y), ``dim`` the reduced
    dim (``None``: all of them; unused by elementwise kinds)."""

    id: str
    dtype: str
    inputs: tuple
    dim: object = None


def _as(a, dtype):
    return np.ascontiguousarray(a.astype(dtype))


def cases(kind):
    """The cases of every op of `kind`. int64 cases run on the CPU only (the GPU stores int64
    as int32 and its float64 is refused by design; see ARCHITECTURE.md, GPU)."""
    if kind in ELEMENTWISE[:2]:
        out = [Case("float32", "float32", (UNARY_F32,))]
        out += [Case(d, d, (_as(UNARY_INT, d),)) for d in ("int32", "int64")]
        if kind == "unary":
            out.append(Case("bool", "bool", (UNARY_BOOL,)))
        return out
    if kind in ELEMENTWISE[2:]:
        out = [Case("float32", "float32", (BINARY_F32[:, None], BINARY_F32[None, :]))]
        ys = BINARY_INT[BINARY_INT != 0]
        for d in ("int32", "int64"):
            x = _as(BINARY_INT[:, None], d)
            out.append(Case(d, d, (x, _as(ys[None, :], d))))
            # Integer division by zero raises in PyTorch: its own case, so that it does not
            # turn the whole matrix above into an error.
            out.append(Case(f"{d}-zero-divisor", d, (x, np.zeros((1, 1), dtype=d))))
        out.append(Case("bool", "bool", (BINARY_BOOL[:, None], BINARY_BOOL[None, :])))
        return out
    if kind in ("reduction", "scan", "sort"):
        dims = (None, 0, 1) if kind == "reduction" else (0, 1)
        mats = [("float32", REDUCE_F32), ("int32", REDUCE_INT), ("int64", REDUCE_INT),
                ("bool", REDUCE_BOOL)]
        return [Case(f"{d}/dim={dim}", d, (_as(m, d),), dim) for d, m in mats for dim in dims]
    raise KeyError(f"no cases for op kind {kind!r}: add them to tests/op_cases.py")


def call(lib, name, kind, inputs, dim=None):
    """`name` (a registry row of `kind`) applied to `inputs`, tensors of `lib`."""
    F = lib.nn.functional
    x = inputs[0]
    if name == "div_trunc":
        return lib.div(x, inputs[1], rounding_mode="trunc")
    if name == "gelu_tanh":
        return F.gelu(x, approximate="tanh")
    if name == "threshold":
        return F.threshold(x, 0.0, 0.0)
    if name == "erf":
        return lib.erf(x)
    if name.startswith("special_"):
        # Rows with no top-level spelling in PyTorch: torch.special.<name>.
        return getattr(lib.special, name[len("special_"):])(*inputs)
    if kind == "unary":
        return getattr(lib, name)(x)
    if kind == "activation":
        return getattr(F, name)(x)
    if kind in ("binary", "comparison"):
        return getattr(lib, name)(x, inputs[1])
    if kind == "reduction":
        f = getattr(lib, name)
        return f(x) if dim is None else f(x, dim=dim)
    if kind == "scan":
        return getattr(lib, name)(x, dim=dim)
    if kind == "sort":
        if name == "topk":
            return lib.topk(x, TOPK_K, dim=dim)
        return getattr(lib, name)(x, dim=dim)
    raise KeyError(f"no call form for op kind {kind!r}: add one to tests/op_cases.py")


def grad_inputs(kind, dtype="float32"):
    """The operands of the backward check in `dtype` (float32; int32 for ops that take no
    floats, such as the bitwise ones), and the dim of a reduction-like kind."""
    n = 2 if kind in ("binary", "comparison") else 1
    dim = GRAD_DIM if kind in ("reduction", "scan", "sort") else None
    xs = (GRAD_X, GRAD_Y)[:n]
    if dtype != "float32":
        xs = tuple(np.round(a * 20).astype(dtype) for a in xs)
    return xs, dim


def outputs(result):
    """(name, tensor) pairs of a result: ``values`` and ``indices`` of the tuple results."""
    if isinstance(result, tuple):
        return [("values", result[0]), ("indices", result[1])]
    return [("out", result)]


def dtype_name(dtype):
    """``torch.float32`` / ``rtensor.float32`` -> ``float32``."""
    return str(dtype).rsplit(".", 1)[-1]


def fingerprint(case):
    """A short hash of a case's inputs and dim: the reference records it, the test checks it."""
    h = hashlib.sha256(repr(case.dim).encode())
    for a in case.inputs:
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]
