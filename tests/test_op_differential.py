"""Differential test: every op of the registry, on each device, against PyTorch's answers.

The op list is ``rtensor._C._op_registry()``, so a new op is tested without anyone adding it:
an op without an entry in ``tests/data/op_reference.npz`` fails, asking for
``scripts/record_op_reference.py`` to be rerun (it records PyTorch 2.13's answers in a venv of
its own; this file never imports torch). The inputs and the call of each op kind are in
``tests/op_cases.py``, shared with that script.

Each reference case runs on the CPU and on the GPU (float32, int32 and bool there: int64 is
stored as int32 on the GPU and float64 is refused, by design), in several layouts of the same
values: contiguous, transposed and step-sliced views, and for binary ops the broadcast of a
column with a row. Reductions run over everything and along each dim. The float32 inputs
include magnitudes up to 1e4 (range reduction of sin/cos/tan, overflow of the exp family).
Four checks per (op, device), each its own test so that a known failure of one does not hide
a regression in another (NOTE [known disagreements]):

- ``test_values``: where PyTorch returns a result, rtensor returns the same.
- ``test_errors``: where PyTorch raises, rtensor raises the same class with the same message,
  on the GPU too (PyTorch's CPU text: the project holds GPU errors to the CPU's).
- ``test_gpu_matches_cpu``: larger random inputs (several workgroups, the bitonic sort for rows
  over 2048) on the GPU against rtensor's CPU, with the GPU suite's tolerances.
- ``test_backward``: on float32 inputs requiring grad, the grad_fn PyTorch records (the
  registry's ``grad_fn`` must be that name too) and the gradient of ``y.sum()``; for ops
  without one, no grad_fn and PyTorch's "element 0 of tensors does not require grad" error.

NOTE [how results are compared] The rules of ``torch.testing.assert_close`` with
``equal_nan=True``: dtype and shape equal; NaN where PyTorch has NaN; an infinity where
PyTorch has one, with its sign; other values within ``TINY + rtol * |expected|``. The sign of
zero is not compared (assert_close does not; no case here needs it). ``rtol`` is 0 for results
that are one of the inputs or an integer value (``EXACT``), 1e-6 for single IEEE operations,
1e-5 for transcendental functions and reductions. The activations also allow an absolute
error of ``ACTIVATION_ATOL`` (1e-6, a tenth of assert_close's float32 default): in their
tails PyTorch's float32 kernels cancel (gelu(-7.25) is -0.0 there, -1.5e-12 exactly, and
gelu(-3.16) is off by 6e-7), so only an absolute bound is meaningful. ``TINY`` is float32's smallest normal: a
subnormal result may be flushed to zero (GPUs do). Integer and bool results are exact. Index
results are exact where PyTorch documents which index wins (max, argmax: the first), and
compared by the values they select where it does not (``op_cases.TIE_AGNOSTIC``). Where
PyTorch raises, rtensor must raise the same class with the same message.

``python tests/test_op_differential.py [OUT.md]`` writes every disagreement (op, device,
case, layouts, input, rtensor's value, PyTorch's value) as a Markdown report.
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import op_cases
import pytest
import rtensor as torch
from gpu_util import RTOL_RED
from rtensor import _C

# NOTE [known disagreements] (check, op, device) triples that disagree with PyTorch, marked
# xfail(strict=True) so that the suite runs while a kernel is being fixed; none are left today.
# DISAGREEMENTS.md (written by this file run as a script) lists each value. Remove an entry
# when its kernel is fixed: the strict xfail fails as soon as the op agrees. check: "values" (test_values: inputs PyTorch accepts),
# "errors" (test_errors: inputs PyTorch rejects), "bulk" (test_gpu_matches_cpu), "grad"
# (test_backward). The checks are separate so that an entry for one does not hide a
# regression in another.
_F32_CANCELLATION = (
    "float32 cancellation on the GPU (no f64 there): near the zeros of lgamma/digamma and "
    "where logaddexp's max and log1p terms cancel, the GPU's rounding differs from the CPU's "
    "by more than rtol 1e-5 relative to a tiny result; the CPU kernels agree with PyTorch")
KNOWN_DISAGREEMENTS = {
    ("values", "lgamma", "cuda"): _F32_CANCELLATION,
    ("values", "digamma", "cuda"): _F32_CANCELLATION,
    ("values", "logaddexp2", "cuda"): "logaddexp2(-1, -1): PyTorch's fused multiply-add gives "
    "-1.06e-8 where the GPU rounds to 0",
    ("bulk", "lgamma", "cuda"): _F32_CANCELLATION,
    ("bulk", "digamma", "cuda"): _F32_CANCELLATION,
    ("bulk", "logaddexp", "cuda"): _F32_CANCELLATION,
    ("bulk", "logaddexp2", "cuda"): _F32_CANCELLATION,
}

REFERENCE = Path(__file__).parent / "data" / "op_reference.npz"
with np.load(REFERENCE, allow_pickle=False) as _z:
    META = json.loads(str(_z["meta"]))
    ARRAYS = {k: _z[k] for k in _z.files if k != "meta"}

REGISTRY = {op["name"]: op for op in _C._op_registry()}
DEVICES = ("cpu", "cuda")
RERUN = "rerun scripts/record_op_reference.py (see its docstring)"

TINY = float(np.finfo(np.float32).tiny)
# Results that are one of the inputs, or an integer value: no rounding anywhere.
EXACT = {"neg", "abs", "sign", "floor", "ceil", "round", "trunc", "relu", "minimum", "maximum",
         "hardtanh", "threshold", "hardshrink", "amax", "amin", "max", "min", "median", "sort",
         "topk", "floor_divide", "div_trunc", "fmod", "fmax", "fmin", "copysign", "heaviside",
         "nextafter"}
# One correctly rounded IEEE operation (or two: frac, reciprocal, softshrink).
IEEE = {"add", "sub", "mul", "div", "sqrt", "square", "reciprocal", "frac", "softshrink"}
GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-6


def rtol_of(name):
    if name in EXACT:
        return 0.0
    return 1e-6 if name in IEEE else 1e-5


# ----- layouts: the same values in several memory layouts -----

def _junk(a):
    """Filler for the skipped elements of a step slice: it shows if a kernel reads them."""
    return np.nan if a.dtype.kind == "f" else (True if a.dtype == bool else 99)


def on_device(a, device, layout):
    """A tensor on `device` holding `a`'s values (2-D), stored as `layout` says."""
    if layout == "contiguous":
        return torch.from_numpy(a.copy()).to(device)
    if layout == "transposed":
        return torch.from_numpy(np.ascontiguousarray(a.T)).to(device).t()
    if layout == "step":
        base = np.full(a.shape[:-1] + (2 * a.shape[-1],), _junk(a), dtype=a.dtype)
        base[..., ::2] = a
        return torch.from_numpy(base).to(device)[..., ::2]
    raise KeyError(layout)


def layouts(kind, inputs, device):
    """(layout name, operands) for one case."""
    if kind in ("binary", "comparison"):
        x, y = inputs
        shape = np.broadcast_shapes(x.shape, y.shape)
        fx, fy = (np.broadcast_to(a, shape).copy() for a in (x, y))
        return [
            ("broadcast", [on_device(x, device, "contiguous"), on_device(y, device, "contiguous")]),
            ("contiguous", [on_device(fx, device, "contiguous"),
                            on_device(fy, device, "contiguous")]),
            ("transposed x", [on_device(fx, device, "transposed"),
                              on_device(fy, device, "contiguous")]),
            ("step y", [on_device(fx, device, "contiguous"), on_device(fy, device, "step")]),
        ]
    return [(lay, [on_device(inputs[0], device, lay)])
            for lay in ("contiguous", "transposed", "step")]


# ----- running and comparing -----

def run(name, kind, tensors, dim):
    """{output: numpy array}, or ("error", class, message)."""
    try:
        result = op_cases.call(torch, name, kind, tensors, dim)
    except Exception as e:
        return ("error", type(e).__name__, str(e))
    return {k: (op_cases.dtype_name(t.dtype), t.detach().cpu().numpy())
            for k, t in op_cases.outputs(result)}


ACTIVATION_ATOL = 1e-6


def bad_elements(got, exp, rtol, atol=0.0):
    """Mask of the elements of `got` that differ from `exp` (NOTE [how results are compared])."""
    if exp.dtype.kind != "f" and got.dtype.kind != "f":
        return got != exp
    g, e = got.astype(np.float64), exp.astype(np.float64)
    gn, en = np.isnan(g), np.isnan(e)
    bad = gn != en
    both = ~gn & ~en
    inf = both & (np.isinf(g) | np.isinf(e))
    bad |= inf & (g != e)
    fin = both & ~inf
    with np.errstate(invalid="ignore", over="ignore"):
        bad |= fin & ~(np.abs(g - e) <= TINY + atol + rtol * np.abs(e))
    return bad


def selected(x, idx, dim):
    """The values of x that index tensor `idx` picks along `dim` (out-of-range -> None)."""
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[dim]):
        return None
    if idx.ndim < x.ndim:  # the dim was reduced (median)
        return np.take_along_axis(x, np.expand_dims(idx, dim).astype(np.int64), dim).squeeze(dim)
    return np.take_along_axis(x, idx.astype(np.int64), axis=dim)


def show(v):
    if isinstance(v, (np.floating, float)):
        return str(np.float32(v))
    return str(v.item() if isinstance(v, np.generic) else v)


def show_wide(v):
    return f"{float(v):.9g}" if isinstance(v, np.floating) else show(v)


def show_array(a):
    return "[" + ", ".join(show(v) for v in np.asarray(a).ravel()) + "]"


def describe_input(kind, inputs, dim, index):
    """The input element(s), or the row/column, behind output element `index`."""
    if kind in ("unary", "activation"):
        return f"x={show(inputs[0][index])}"
    if kind in ("binary", "comparison"):
        x, y = (np.broadcast_to(a, np.broadcast_shapes(*(b.shape for b in inputs)))
                for a in inputs)
        return f"x={show(x[index])}, y={show(y[index])}"
    x = inputs[0]
    if dim is None:
        return f"all of x = {show_array(x)}"
    other = index[1 - dim] if len(index) == 2 else index[0]
    line = x[other, :] if dim == 1 else x[:, other]
    where = f"x[{other}, :]" if dim == 1 else f"x[:, {other}]"
    return f"{where} = {show_array(line)}"


class Report:
    """Disagreements of one (op, device), merged across the layouts that show them."""

    # Rows kept per bulk case (random inputs against the CPU): a broken kernel fails on most
    # of its 4000 elements, and the reference cases above already show each kind of failure.
    BULK_ROWS = 10

    def __init__(self, name, device):
        self.name, self.device = name, device
        self.items = {}

    def add(self, case, layout, what, inp, got, exp, wide=""):
        """`wide`: PyTorch's float64 answer for the same inputs, where recorded."""
        key = (case, what, inp, got, exp, wide)
        self.items.setdefault(key, []).append(layout)

    def rows(self):
        out, per_case = [], defaultdict(int)
        for (c, w, i, g, e, f), lays in self.items.items():
            per_case[c] += 1
            if c.startswith("bulk") and per_case[c] > self.BULK_ROWS:
                continue
            out.append(dict(op=self.name, device=self.device, case=c, what=w, input=i, got=g,
                            expected=e, wide=f, layouts=lays))
        for c, n in per_case.items():
            if c.startswith("bulk") and n > self.BULK_ROWS:
                out.append(dict(op=self.name, device=self.device, case=c, what="...",
                                input=f"{n - self.BULK_ROWS} more elements", got="",
                                expected="", wide="", layouts=[]))
        return out

    def count(self):
        return len(self.items)

    def __bool__(self):
        return bool(self.items)

    def text(self, limit=25):
        rows = self.rows()
        lines = [f"{r['case']} [{', '.join(r['layouts'])}] {r['what']}: {r['input']}: "
                 f"rtensor {r['got']}, PyTorch {r['expected']}" for r in rows[:limit]]
        more = f"\n... and {len(rows) - limit} more rows" if len(rows) > limit else ""
        return f"{self.count()} disagreements with PyTorch:\n" + "\n".join(lines) + more


def compare(report, name, kind, case_id, layout, inputs, dim, got, ref, rtol, wide=None,
            scalar=None):
    """Record in `report` where `got` (a `run` result) differs from `ref` ({output: (dtype,
    array)} or ("error", class, message)); `wide`: PyTorch's float64 answer, for the report;
    `scalar`: PyTorch's scalar-kernel answer, also accepted (NOTE [PyTorch's two kernels] in
    scripts/record_op_reference.py)."""
    if isinstance(ref, tuple) or isinstance(got, tuple):
        if got != ref:
            g = f"raises {got[1]}: {got[2]}" if isinstance(got, tuple) else "returns a result"
            e = f"raises {ref[1]}: {ref[2]}" if isinstance(ref, tuple) else "returns a result"
            report.add(case_id, layout, "call", "", g, e)
        return
    for out, (edt, exp) in ref.items():
        gdt, g = got[out]
        if gdt != edt:
            report.add(case_id, layout, f"{out} dtype", "", gdt, edt)
        if g.shape != exp.shape:
            report.add(case_id, layout, f"{out} shape", "", str(g.shape), str(exp.shape))
            continue
        if (name, out) in op_cases.TIE_AGNOSTIC:
            x = inputs[0]
            gs, es = selected(x, g, dim), selected(x, exp, dim)
            if gs is None:
                report.add(case_id, layout, out, "", "index out of range", show_array(exp))
                continue
            g, exp, what = gs, es, f"{out} (values selected)"
        else:
            what = out
        atol = ACTIVATION_ATOL if kind == "activation" else 0.0
        bad = bad_elements(g, exp, rtol, atol)
        if scalar is not None and out == "out" and scalar.shape == exp.shape:
            bad &= bad_elements(g, scalar.astype(exp.dtype), rtol, atol)
        for index in np.argwhere(bad):
            index = tuple(int(i) for i in index)
            report.add(case_id, layout, f"{what}{list(index)}",
                       describe_input(kind, inputs, dim, index), show(g[index]),
                       show(exp[index]),
                       "" if wide is None or exp.dtype.kind != "f" else show_wide(wide[index]))


def reference(name, case):
    entry = META["ops"][name]["cases"][case.id]
    if "error" in entry:
        return ("error", *entry["error"])
    return {out: (dt, ARRAYS[f"{name}|{case.id}|{out}"]) for out, (dt, _shape)
            in entry["outputs"].items()}


# Larger random inputs for the GPU-against-CPU check (no reference: PyTorch's values for
# these would make the file large, and the CPU path is itself checked above).
_RNG = np.random.default_rng(7)
BULK = {
    "elementwise": (_RNG.standard_normal((37, 111)) * 3).astype(np.float32),
    "x": (_RNG.standard_normal((61, 1)) * 3).astype(np.float32),
    "y": (_RNG.standard_normal((1, 67)) * 3).astype(np.float32),
    # values near 1: sums and products of 2501 of them stay well conditioned
    "rows": _RNG.uniform(0.99, 1.01, (5, 2501)).astype(np.float32),
}


def bulk_cases(kind, float_ok):
    """(id, inputs, dim) of the GPU-against-CPU check of an op of `kind`."""
    def cast(a):
        return a if float_ok else np.round(a * 10).astype(np.int32)

    if kind in ("unary", "activation"):
        return [("bulk", (cast(BULK["elementwise"]),), None)]
    if kind in ("binary", "comparison"):
        return [("bulk broadcast", (cast(BULK["x"]), cast(BULK["y"])), None)]
    dims = (None, 0, 1) if kind == "reduction" else (0, 1)
    return [(f"bulk/dim={d}", (cast(BULK["rows"]),), d) for d in dims]


def check_reference(name, device, errors):
    """Disagreements of op `name` on `device` with PyTorch over the reference cases where
    PyTorch returns a result (`errors` false) or raises (`errors` true); the number of calls."""
    op, ref_op = REGISTRY[name], META["ops"][name]
    kind = op["kind"]
    report, n = Report(name, device), 0
    for case in op_cases.cases(kind):
        if device == "cuda" and case.dtype == "int64":
            continue
        assert case.id in ref_op["cases"], f"{name}: no reference for case {case.id}: {RERUN}"
        entry = ref_op["cases"][case.id]
        assert entry["inputs"] == op_cases.fingerprint(case), \
            f"{name}: the inputs of {case.id} changed since the reference was recorded: {RERUN}"
        if ("error" in entry) != errors:
            continue
        ref = reference(name, case)
        wide = ARRAYS.get(f"{name}|{case.id}|out|float64")
        scalar = ARRAYS.get(f"{name}|{case.id}|out|scalar")
        for layout, tensors in layouts(kind, case.inputs, device):
            got = run(name, kind, tensors, case.dim)
            compare(report, name, kind, case.id, layout, case.inputs, case.dim, got, ref,
                    rtol_of(name), wide, scalar)
            n += 1
    return report, n


def check_bulk(name):
    """Disagreements of op `name` on the GPU with rtensor's CPU on the bulk inputs."""
    kind = REGISTRY[name]["kind"]
    report, n = Report(name, "cuda"), 0
    float_ok = META["ops"][name]["grad"]["input_dtype"] == "float32"
    rtol = RTOL_RED if kind in ("reduction", "scan") else max(rtol_of(name), 1e-5)
    for cid, inputs, dim in bulk_cases(kind, float_ok):
        cpu = run(name, kind, [torch.from_numpy(a.copy()) for a in inputs], dim)
        for layout, tensors in layouts(kind, inputs, "cuda"):
            got = run(name, kind, tensors, dim)
            compare(report, name, kind, f"{cid} (against the CPU)", layout, inputs, dim, got,
                    cpu, rtol)
            n += 1
    return report, n


def check_grad(name, device):
    """Disagreements of op `name`'s backward on `device` with PyTorch's."""
    op, g = REGISTRY[name], META["ops"][name]["grad"]
    report = Report(name, device)
    float_ok = g["input_dtype"] == "float32"
    arrays, dim = op_cases.grad_inputs(op["kind"], g["input_dtype"])
    xs = [torch.from_numpy(a.copy()).to(device) for a in arrays]
    if float_ok:
        xs = [x.requires_grad_() for x in xs]
    case = f"backward ({g['input_dtype']})"
    if device == "cpu" and op["grad_fn"] != g["grad_fn"]:
        report.add(case, "registry", "registry grad_fn", "", str(op["grad_fn"]),
                   str(g["grad_fn"]))
    try:
        y = op_cases.outputs(op_cases.call(torch, name, op["kind"], xs, dim))[0][1]
    except Exception as e:
        report.add(case, "forward", "call", "", f"raises {type(e).__name__}: {e}",
                   "returns a result")
        return report
    grad_fn = None if y.grad_fn is None else y.grad_fn.name()
    if grad_fn != g["grad_fn"]:
        report.add(case, "forward", "grad_fn", "", str(grad_fn), str(g["grad_fn"]))
    if y.requires_grad != g["requires_grad"]:
        report.add(case, "forward", "requires_grad", "", str(y.requires_grad),
                   str(g["requires_grad"]))
    try:
        y.sum().backward()
        got = None
    except Exception as e:
        got = [type(e).__name__, str(e)]
    if "backward_error" in g or got is not None:
        exp = g.get("backward_error")
        if got != exp:
            report.add(case, "backward", "y.sum().backward()", "",
                       "gives gradients" if got is None else f"raises {got[0]}: {got[1]}",
                       "gives gradients" if exp is None else f"raises {exp[0]}: {exp[1]}")
        return report
    for i, x in enumerate(xs):
        exp = ARRAYS[f"{name}|grad|{i}"]
        if x.grad is None:
            report.add(case, "backward", f"grad of input {i}", "", "None", show_array(exp))
            continue
        gr = x.grad.cpu().numpy()
        bad = bad_elements(gr, exp, GRAD_RTOL) & ~(np.abs(gr - exp) <= GRAD_ATOL)
        for index in np.argwhere(bad):
            index = tuple(int(k) for k in index)
            report.add(case, "backward", f"grad of input {i} {list(index)}",
                       describe_input("unary", arrays[i:], None, index), show(gr[index]),
                       show(exp[index]))
    return report


# ----- the tests -----

CHECKS = ("values", "errors", "bulk", "grad")


def _params(check):
    out = []
    for device in ("cuda",) if check == "bulk" else DEVICES:
        for name in REGISTRY:
            reason = KNOWN_DISAGREEMENTS.get((check, name, device))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(device, name, marks=marks, id=f"{device}-{name}"))
    return out


def _setup(device, name, request):
    if device == "cuda":
        request.getfixturevalue("gpu")
    if name not in META["ops"]:
        pytest.fail(f"op {name!r} is in the registry but has no PyTorch reference: {RERUN}")
    assert META["ops"][name]["kind"] == REGISTRY[name]["kind"], RERUN


@pytest.mark.parametrize("device,name", _params("values"))
def test_values(device, name, request):
    """Where PyTorch returns a result, rtensor returns the same (dtype, shape, values)."""
    _setup(device, name, request)
    report, _n = check_reference(name, device, errors=False)
    assert not report, report.text()


@pytest.mark.parametrize("device,name", _params("errors"))
def test_errors(device, name, request):
    """Where PyTorch raises, rtensor raises the same class with the same message."""
    _setup(device, name, request)
    report, _n = check_reference(name, device, errors=True)
    assert not report, report.text()


@pytest.mark.parametrize("device,name", _params("bulk"))
def test_gpu_matches_cpu(device, name, request):
    """Larger random inputs (several workgroups, sorts of rows over 2048): GPU equals CPU."""
    _setup(device, name, request)
    report, _n = check_bulk(name)
    assert not report, report.text()


@pytest.mark.parametrize("device,name", _params("grad"))
def test_backward(device, name, request):
    """Every registered op has PyTorch's backward: the grad_fn PyTorch records and its
    gradient, or no grad_fn and PyTorch's 'does not require grad' error."""
    _setup(device, name, request)
    report = check_grad(name, device)
    assert not report, report.text()


def test_reference_has_no_stale_ops():
    stale = sorted(set(META["ops"]) - set(REGISTRY))
    assert not stale, f"reference entries for ops no longer in the registry: {stale}: {RERUN}"


def test_known_disagreements_name_registered_ops():
    for check, name, device in KNOWN_DISAGREEMENTS:
        assert check in CHECKS and name in REGISTRY and device in DEVICES, (check, name, device)
        assert check != "bulk" or device == "cuda", (check, name, device)


# ----- the report -----

def write_report(path):
    """Run every check on every device and write the disagreements as Markdown."""
    devices = ["cpu"] + (["cuda"] if _C._gpu_unavailable_reason() is None else [])
    rows, total, counts = [], 0, {}
    for device in devices:
        for name in REGISTRY:
            if name not in META["ops"]:
                rows.append(dict(op=name, device=device, case="-", what="no reference",
                                 input="", got="", expected="", wide="", layouts=[]))
                continue
            checks = {}
            for check, errors in (("values", False), ("errors", True)):
                checks[check], n = check_reference(name, device, errors)
                total += n
            if device == "cuda":
                checks["bulk"], n = check_bulk(name)
                total += n
            checks["grad"] = check_grad(name, device)
            for check, report in checks.items():
                counts[(name, device, check)] = report.count()
                rows += report.rows()
    by_op = defaultdict(list)
    for r in rows:
        by_op[(r["op"], r["device"])].append(r)

    def count(op, dev, checks=CHECKS):
        return sum(counts.get((op, dev, c), 0) for c in checks)

    lines = [
        "# Disagreements with PyTorch",
        "",
        f"Written by `python tests/test_op_differential.py` against the reference recorded "
        f"with PyTorch {META['torch']}; devices: {', '.join(devices)}; {total} calls compared "
        f"(each case in each layout). Rules: NOTE [how results are compared] in the test. "
        f"Each row: case, the layouts that show it, output element, input, rtensor's value, "
        f"PyTorch's value and, for float32 elementwise cases, PyTorch's value for the same "
        f"inputs computed in float64 (which of the two float32 answers is nearer). Cases "
        f"named `bulk` compare the GPU with rtensor's CPU on random inputs (first "
        f"{Report.BULK_ROWS} rows each). A disagreement is one output element (or one call, "
        f"dtype or grad_fn) of one case, merged over the layouts that show it.",
        "",
        "## Summary",
        "",
        "| op | device | " + " | ".join(CHECKS) + " | total |",
        "| --- | --- | " + " | ".join("---" for _ in CHECKS) + " | --- |",
    ]
    lines += [f"| {op} | {dev} | " + " | ".join(str(count(op, dev, [c]) or "")
                                                 for c in CHECKS)
              + f" | {count(op, dev)} |" for (op, dev) in by_op]
    for (op, dev), rs in by_op.items():
        lines += ["", f"## {op} on {dev} ({count(op, dev)})", "",
                  "| case | layouts | output | input | rtensor | PyTorch (bulk: rtensor CPU) "
                  "| PyTorch float64 |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in rs:
            cells = [r["case"], ", ".join(r["layouts"]), r["what"], r["input"], r["got"],
                     r["expected"], r["wide"]]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    Path(path).write_text("\n".join(lines) + "\n")
    print(f"{path}: {sum(counts.values())} disagreements in {len(by_op)} (op, device) pairs")


if __name__ == "__main__":
    write_report(sys.argv[1] if len(sys.argv) > 1 else "DISAGREEMENTS.md")
