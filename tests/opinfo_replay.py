"""Replay PyTorch's recorded OpInfo samples (tests/data/opinfo_samples.npz, written by
scripts/export_opinfo.py; its docstring describes the format) against rtensor.

Used by tests/test_opinfo_sweep.py and scripts/opinfo_sweep.py; never imports torch.

A sample passes **forward** when the call returns without an exception and its result has
PyTorch's structure (tuples/lists of the same length, Python scalars of the same kind), and each
tensor PyTorch's shape, dtype and values: floating and complex to ``rtol=1e-4, atol=1e-5`` (NaN
equal to NaN, infinities equal), integers and booleans exactly (the ``empty*`` ops: shapes and
dtypes only). A sample with recorded gradients passes **backward** when it passes forward,
``rtensor.autograd.grad`` of the same weighted sum (of the outputs, or of ``abs()`` of some, as
recorded from OpInfo's ``output_process_fn_grad``; for cholesky, eigh, eigvalsh, pinv.hermitian
and ctc_loss through OpInfo's ``gradcheck_wrapper``, as recorded) runs, and
each gradient matches PyTorch's the same way (a missing gradient, ``None``, counts as equal to a
zero one). An op rtensor lacks fails all its samples ("missing").
"""

import hashlib
import importlib
import json
import math
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import rtensor
import rtensor.nn.functional  # noqa: F401

DATA = Path(__file__).resolve().parent / "data" / "opinfo_samples.npz"
PASSING = Path(__file__).resolve().parent / "data" / "opinfo_passing.json"
RTOL, ATOL = 1e-4, 1e-5
NP_DTYPES = {"float32": np.float32, "float16": np.float32, "bfloat16": np.float32,
             "float64": np.float64, "complex64": np.complex64, "complex128": np.complex128,
             "bool": np.bool_, "int64": np.int64, "int32": np.int32, "int16": np.int16,
             "int8": np.int8, "uint8": np.uint8}


# the gradcheck wrappers of scripts/export_opinfo.py (float32 inputs: mH is mT)
WRAP_INPUT = {"hermitian": lambda x: x + x.transpose(-2, -1),
              "log_softmax_dim2": lambda x: x.log_softmax(dim=2)}


def weights(shape, k):
    """The loss weights of output ``k``: the same formula as scripts/export_opinfo.py."""
    n = int(np.prod(shape, dtype=np.int64))
    return np.cos(1.3 * np.arange(n, dtype=np.float64) + 0.7 + k).astype(np.float32).reshape(shape)


class InputUnsupported(Exception):
    """rtensor cannot even build the sample's inputs (a dtype it lacks, ...)."""


class Ref:
    """An expected tensor."""

    def __init__(self, dtype, array):
        self.dtype, self.array = dtype, array


def data_digest():
    """A digest of the data's contents (not of the zip file, which holds timestamps)."""
    h = hashlib.sha256()
    with np.load(DATA, allow_pickle=False) as z:
        for k in sorted(z.files):
            h.update(k.encode())
            h.update(np.ascontiguousarray(z[k]).tobytes())
    return h.hexdigest()


def load():
    with np.load(DATA, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        bufs = {k.removeprefix("buf_"): z[k] for k in z.files if k.startswith("buf_")}
    return meta, bufs


class Decoder:
    def __init__(self, meta, bufs):
        self.tensors, self.bufs = meta["tensors"], bufs

    def array(self, i):
        e = self.tensors[i]
        n = int(np.prod(e["shape"], dtype=np.int64))
        a = self.bufs[e["buf"]][e["off"]:e["off"] + n].reshape(e["shape"])
        return e, a.astype(NP_DTYPES[e["dtype"]])

    def value(self, v, leaves):
        """A call argument; floating tensors that require grad are appended to ``leaves``."""
        if isinstance(v, list):
            return [self.value(x, leaves) for x in v]
        if not isinstance(v, dict):
            return v
        (tag, x), = v.items()
        if tag == "T":
            e, a = self.array(x)
            dt = getattr(rtensor, e["dtype"], None)
            if dt is None:
                raise InputUnsupported(f"dtype {e['dtype']}")
            t = rtensor.tensor(a)
            if t.dtype != dt:
                t = t.to(dt)
            if e["rg"]:
                t.requires_grad_(True)
                leaves.append(t)
            return t
        if tag == "tuple":
            return tuple(self.value(y, leaves) for y in x)
        if tag == "dict":
            return {k: self.value(y, leaves) for k, y in x.items()}
        return self.scalar(tag, x)

    def scalar(self, tag, x):
        if tag == "float":
            return float(x)
        if tag == "complex":
            return complex(self.value(x[0], []), self.value(x[1], []))
        if tag == "size":
            return rtensor.Size(x)
        if tag in ("dtype", "memory_format"):
            r = getattr(rtensor, x, None)
            if r is None:
                raise InputUnsupported(f"{tag} {x}")
            return r
        if tag == "device":
            return rtensor.device(x)
        if tag == "slice":
            return slice(*(self.value(y, []) for y in x))
        if tag == "ellipsis":
            return Ellipsis
        raise ValueError(f"unknown tag {tag}")

    def expected(self, v):
        """A recorded result: tensors become Ref."""
        if isinstance(v, list):
            return [self.expected(x) for x in v]
        if not isinstance(v, dict):
            return v
        (tag, x), = v.items()
        if tag == "T":
            e, a = self.array(x)
            return Ref(e["dtype"], a)
        if tag == "tuple":
            return tuple(self.expected(y) for y in x)
        if tag == "dict":
            return {k: self.expected(y) for k, y in x.items()}
        if tag == "size":
            return ("size", tuple(x))
        if tag in ("dtype", "memory_format", "device"):
            return (tag, x)
        return self.scalar(tag, x)


def resolve(name):
    """``rtensor.<name>`` through rtensor's namespaces (importing submodules as needed), or None."""
    obj, path = rtensor, "rtensor"
    for part in name.split("."):
        path += "." + part
        nxt = getattr(obj, part, None)
        if nxt is None:
            try:
                nxt = importlib.import_module(path)
            except ImportError:
                return None
        obj = nxt
    return obj


def op_callable(name, form):
    """A function ``f(input, args, kwargs)`` for the recorded call form, or None when rtensor lacks
    the op."""
    if form in ("function", "function_swap", "function_clone"):
        fn = resolve(name)
        if not callable(fn):
            return None
        if form == "function":
            return lambda i, a, k: fn(i, *a, **k)
        if form == "function_swap":
            return lambda i, a, k: fn(a[0], i, *a[1:], **k)
        return lambda i, a, k: fn(i.clone(), *a, **k)
    attr = name + "_" if form == "method_inplace" else name
    if not hasattr(rtensor.Tensor, attr):
        return None
    if form == "attribute":
        return lambda i, a, k: getattr(i, attr)
    return lambda i, a, k: getattr(i, attr)(*a, **k)


def tensors_of(v):
    if isinstance(v, (rtensor.Tensor, Ref)):
        yield v
    elif isinstance(v, (list, tuple)):
        for x in v:
            yield from tensors_of(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from tensors_of(x)


def dtype_name(t):
    return str(t.dtype).removeprefix("rtensor.")


def to_numpy(t):
    t = t.detach()
    if dtype_name(t) in ("float16", "bfloat16"):
        t = t.float()
    return np.asarray(t.cpu().numpy())


def compare_tensor(want, got, values, what):
    """None, or (kind, message) with kind in shape/dtype/value/structure."""
    if not isinstance(got, rtensor.Tensor):
        return "structure", f"{what}: rtensor gave {type(got).__name__}, PyTorch a tensor"
    if tuple(got.shape) != want.array.shape:
        return "shape", f"{what}: shape {tuple(got.shape)}, PyTorch {want.array.shape}"
    if dtype_name(got) != want.dtype:
        return "dtype", f"{what}: dtype {dtype_name(got)}, PyTorch {want.dtype}"
    if not values:
        return None
    g = to_numpy(got)
    w = want.array
    if w.dtype.kind in "fc":
        if not np.allclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True):
            with np.errstate(invalid="ignore"):
                d = np.abs(g.astype(np.complex128) - w.astype(np.complex128))
            d = d[~np.isnan(d)]
            return "value", f"{what}: max |diff| {d.max() if d.size else float('nan'):.3g}"
    elif not np.array_equal(g, w):
        return "value", f"{what}: values differ"
    return None


def compare(want, got, values=True, what="out"):
    if isinstance(want, Ref):
        return compare_tensor(want, got, values, what)
    if isinstance(want, (tuple, list)) and not (len(want) == 2 and isinstance(want[0], str)
                                                  and want[0] in ("size", "dtype", "memory_format",
                                                                  "device")):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return "structure", f"{what}: rtensor gave {type(got).__name__}, PyTorch a sequence " \
                f"of {len(want)}"
        for i, (w, g) in enumerate(zip(want, got)):
            r = compare(w, g, values, f"{what}[{i}]")
            if r:
                return r
        return None
    if isinstance(want, tuple):  # tagged
        tag, x = want
        if tag == "size":
            ok = isinstance(got, tuple) and tuple(got) == x
        else:
            ok = str(got).removeprefix("rtensor.") == x
        return None if ok else ("value", f"{what}: {got!r}, PyTorch {tag} {x}")
    if isinstance(want, bool) or want is None or isinstance(want, str):
        ok = type(got) is type(want) and got == want
    elif isinstance(want, int):
        ok = isinstance(got, int) and not isinstance(got, bool) and got == want
    elif isinstance(want, (float, complex)):
        ok = isinstance(got, (int, float, complex)) and not isinstance(got, bool) and (
            (isinstance(want, float) and math.isnan(want) and math.isnan(got))
            or abs(got - want) <= ATOL + RTOL * abs(want))
    else:
        ok = got == want
    return None if ok else ("structure" if type(got) is not type(want) else "value",
                            f"{what}: {got!r}, PyTorch {want!r}")


def error_text(e):
    msg = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {msg[:160]}"


def backward(sample, dec, got, leaves):
    """None when the gradients agree, else (kind, message). An output that PyTorch's loss uses but
    that does not require grad in rtensor adds nothing to the loss (PyTorch marks some outputs
    whose gradient is zero, such as slogdet's sign, as requiring grad); if the gradients then
    disagree the failure is "not_differentiable"."""
    outs = list(tensors_of(got))
    loss, dropped = None, []
    for kind_, k, j in sample["grad_out"]:
        o = outs[k]
        if not o.requires_grad:
            dropped.append(k)
            continue
        if kind_ == "abs":
            o = o.abs()
        if dtype_name(o).startswith("complex"):
            o = rtensor.view_as_real(o)
        term = (o * rtensor.tensor(weights(tuple(o.shape), j))).sum()
        loss = term if loss is None else loss + term
    if loss is None:
        grads = [None] * len(leaves)
    else:
        grads = rtensor.autograd.grad(loss, leaves, allow_unused=True)
    want = [None if g is None else dec.expected(g) for g in sample["grads"]]
    if len(want) != len(grads):
        return "grad_structure", f"{len(grads)} gradients, PyTorch {len(want)}"
    bad = None
    for i, (w, g) in enumerate(zip(want, grads)):
        if w is None:
            if g is not None and np.any(to_numpy(g) != 0):
                bad = "grad_value", f"grad[{i}]: PyTorch has none (unused input), rtensor nonzero"
                break
            continue
        if g is None:
            if np.any(w.array != 0):
                bad = "grad_value", f"grad[{i}]: rtensor has none, PyTorch nonzero"
                break
            continue
        r = compare_tensor(w, g, True, f"grad[{i}]")
        if r:
            bad = "grad_" + r[0], r[1]
            break
    if bad and dropped:
        return "not_differentiable", f"outputs {dropped} do not require grad ({bad[1]})"
    return bad


def run_sample(op, sample, dec, fn):
    """(forward, backward) outcomes; each "pass" or (kind, message); backward None when the
    sample has no recorded gradients."""
    has_bwd = sample["grads"] is not None
    if fn is None:
        return ("missing", f"rtensor has no {op['name']} ({sample['form']})"), (
            ("missing", "op missing") if has_bwd else None)
    try:
        leaves = []
        inp = dec.value(sample["input"], leaves)
        args = dec.value(sample["args"], leaves)
        kwargs = dec.value(sample["kwargs"], leaves)
    except InputUnsupported as e:
        f = ("input_unsupported", str(e))
        return f, (f if has_bwd else None)
    except Exception as e:  # noqa: BLE001 - every failure is data here
        f = ("input_unsupported", error_text(e))
        return f, (f if has_bwd else None)
    leaves = [t for t in leaves if t.is_floating_point() or dtype_name(t).startswith("complex")]
    rtensor.manual_seed(42)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = fn(inp, args, kwargs)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:  # noqa: BLE001
        f = ("exception", error_text(e))
        return f, (("forward_failed", "forward raised") if has_bwd else None)
    except BaseException as e:  # noqa: BLE001 - pyo3's PanicException
        f = ("panic", error_text(e))
        return f, (("forward_failed", "forward panicked") if has_bwd else None)
    try:
        bad = compare(dec.expected(sample["out"]), got, sample["values"])
    except Exception as e:  # noqa: BLE001 - e.g. .numpy() of an odd result
        bad = ("exception", "comparing: " + error_text(e))
    fwd = "pass" if bad is None else bad
    if not has_bwd:
        return fwd, None
    if fwd != "pass":
        return fwd, ("forward_failed", "forward did not match")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wrapper = sample.get("grad_wrapper")
            if wrapper is not None:  # differentiate fn(wrapper(input), ...), fresh inputs
                leaves = []
                inp = dec.value(sample["input"], leaves)
                args = dec.value(sample["args"], leaves)
                kwargs = dec.value(sample["kwargs"], leaves)
                rtensor.manual_seed(42)
                got = fn(WRAP_INPUT[wrapper](inp), args, kwargs)
            bad = backward(sample, dec, got, leaves)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:  # noqa: BLE001
        bad = ("backward_exception", error_text(e))
    except BaseException as e:  # noqa: BLE001
        bad = ("backward_panic", error_text(e))
    return fwd, ("pass" if bad is None else bad)


def sweep():
    """Replay every sample. Returns {"ops": [...], "totals": {...}} where each op is
    {"id", "status", "samples": [[fwd, bwd], ...]} with outcomes as run_sample gives them."""
    meta, bufs = load()
    dec = Decoder(meta, bufs)
    ops = []
    for op in meta["ops"]:
        res = {"id": op["id"], "name": op["name"], "status": op["status"], "samples": []}
        fns = {}
        for s in op["samples"]:
            if s["form"] not in fns:
                fns[s["form"]] = op_callable(op["name"], s["form"])
            res["samples"].append(list(run_sample(op, s, dec, fns[s["form"]])))
        ops.append(res)
    return {"ops": ops, "totals": totals(ops), "meta": meta}


def totals(ops):
    t = Counter()
    for op in ops:
        for f, b in op["samples"]:
            t["fwd_total"] += 1
            t["fwd_pass"] += f == "pass"
            if b is not None:
                t["bwd_total"] += 1
                t["bwd_pass"] += b == "pass"
    t = dict(t)
    t["fwd_rate"] = t["fwd_pass"] / max(t["fwd_total"], 1)
    t["bwd_rate"] = t["bwd_pass"] / max(t["bwd_total"], 1)
    return t


def passing_sets(result):
    """{op id: {"fwd": [sample indices], "bwd": [...]}} for the samples that pass."""
    out = {}
    for op in result["ops"]:
        fw = [i for i, (f, _) in enumerate(op["samples"]) if f == "pass"]
        bw = [i for i, (_, b) in enumerate(op["samples"]) if b == "pass"]
        if fw or bw:
            out[op["id"]] = {"fwd": fw, "bwd": bw}
    return out


def kind(outcome):
    return outcome if isinstance(outcome, str) else outcome[0]


def namespace(op_id):
    """A planning group for a missing op."""
    name = op_id.split(".")[0] if not op_id.startswith(("nn.functional.", "signal.windows.")) \
        else ".".join(op_id.split(".")[:2])
    if (op_id.startswith(("_", "native_", "torch.ops.")) and not op_id.startswith("__")) or name in (
            "constant_pad_nd", "scalar_tensor", "nonzero_static"):
        return "internal (aten-level, not public torch API)"
    if name in ("linalg", "fft", "special", "masked", "signal.windows", "nn.functional", "sparse"):
        return f"torch.{name}"
    return "torch / Tensor"


def elsewhere(name):
    """Where rtensor has an op of this name in another form (a hint that the fix is an alias)."""
    last = name.split(".")[-1]
    found = []
    if name.startswith("masked."):  # masked.sum is not sum
        return ""
    if "." in name and callable(getattr(rtensor, last, None)):
        found.append(f"rtensor.{last}")
    if hasattr(rtensor.Tensor, last):
        found.append(f"Tensor.{last}")
    if not name.startswith("nn.functional.") and callable(getattr(rtensor.nn.functional, last,
                                                                  None)):
        found.append(f"F.{last}")
    if callable(getattr(rtensor, "_C", None) and getattr(rtensor._C, "_" + last, None)):
        found.append(f"_C._{last}")
    return ", ".join(found)


def _pct(a, b):
    return f"{a}/{b} ({100 * a / max(b, 1):.1f}%)"


def markdown(result):
    """The sweep as a Markdown report (what the lead plans fixes from)."""
    meta, ops, t = result["meta"], result["ops"], result["totals"]
    mops = {o["id"]: o for o in meta["ops"]}
    lines = ["# OpInfo sweep: rtensor against PyTorch's OpInfo samples (float32, CPU)", ""]
    n_f32 = sum(o["status"] != "no_float32" for o in meta["ops"])
    n_with = sum(bool(o["samples"]) for o in meta["ops"])
    lines += [
        f"Data: tests/data/opinfo_samples.npz, exported by scripts/export_opinfo.py from PyTorch "
        f"{meta['torch']}'s `op_db`: {len(meta['ops'])} OpInfos, {n_f32} support float32 on CPU, "
        f"{n_with} have recorded samples. Per OpInfo the first {meta['per_op']} encodable samples "
        f"of `sample_inputs('cpu', float32, requires_grad=supports_autograd)` (inputs up to "
        f"{meta['max_in']} elements, outputs up to {meta['max_out']}; an op left with fewer than "
        f"{meta['large_fill']} takes larger ones up to {meta['hard_max']}).",
        "",
        "Forward passes when the call returns PyTorch's structure, shapes, dtypes and values "
        "(rtol 1e-4, atol 1e-5; integers exactly). Backward (samples with recorded gradients) "
        "passes when forward passes and the gradients of the same weighted sum of the outputs "
        "match. An op rtensor lacks fails all its samples.",
        "",
        "## Totals",
        "",
        f"- **forward: {_pct(t['fwd_pass'], t['fwd_total'])}**",
        f"- **backward: {_pct(t['bwd_pass'], t['bwd_total'])}**",
    ]
    have = [o for o in ops if o["samples"] and kind(o["samples"][0][0]) != "missing"]
    hf = sum(f == "pass" for o in have for f, _ in o["samples"])
    hn = sum(len(o["samples"]) for o in have)
    hb = sum(b == "pass" for o in have for _, b in o["samples"])
    hbn = sum(b is not None for o in have for _, b in o["samples"])
    lines += [f"- over the ops rtensor has ({len(have)} OpInfos): forward {_pct(hf, hn)}, "
              f"backward {_pct(hb, hbn)}", ""]
    skipped = meta["skipped"]
    lines += ["Samples not recorded (per reason, over all OpInfos): "
              + ", ".join(f"{k} {v}" for k, v in sorted(skipped.items(), key=lambda kv: -kv[1]))
              + ". `no_plain_call`: OpInfo's `op` is a lambda that no plain call of the name "
              "reproduces (e.g. `linalg.pinv.singular`, `svd_lowrank`, aten-internal "
              "`max_pool2d_with_indices_backward`).", ""]
    zero = [o for o in meta["ops"] if not o["samples"]]
    lines += [f"OpInfos without recorded samples ({len(zero)}): " + ", ".join(
        f"`{o['id']}` ({o['status'] if o['status'] != 'ok' else ', '.join(o['skips']) or 'none'})"
        for o in zero), ""]

    for idx, title in ((0, "Forward"), (1, "Backward")):
        cats, cat_ops = Counter(), {}
        for o in ops:
            for s in o["samples"]:
                out = s[idx]
                if out is None or out == "pass":
                    continue
                k = kind(out)
                cats[k] += 1
                cat_ops.setdefault(k, Counter())[o["id"]] += 1
        lines += [f"## {title} failures by cause", "", "| cause | samples | ops |", "|---|---|---|"]
        lines += [f"| {k} | {v} | {len(cat_ops[k])} |" for k, v in cats.most_common()]
        lines += [""]

    miss = Counter()
    for o in ops:
        if o["samples"] and kind(o["samples"][0][0]) == "missing":
            miss[o["id"]] = len(o["samples"])
    groups = {}
    for op_id, n in miss.most_common():
        groups.setdefault(namespace(op_id), []).append((op_id, n))
    lines += ["## Missing ops", "",
              f"{len(miss)} OpInfos ({sum(miss.values())} samples, "
              f"{sum(b is not None for o in ops if o['id'] in miss for _, b in o['samples'])} of "
              "them with gradients). Top 40 by sample count:", ""]
    lines += ["| op | samples | call form | rtensor has it as |", "|---|---|---|---|"]
    for op_id, n in miss.most_common(40):
        lines.append(f"| `{op_id}` | {n} | {mops[op_id]['samples'][0]['form']} | "
                     f"{elsewhere(mops[op_id]['name'])} |")
    lines += ["", "All missing ops by group (samples in parentheses):", ""]
    for g, lst in sorted(groups.items(), key=lambda kv: -sum(n for _, n in kv[1])):
        lines.append(f"- **{g}** ({len(lst)} ops, {sum(n for _, n in lst)} samples): "
                     + ", ".join(f"`{i}` ({n})" for i, n in lst))
    alias = [(i, elsewhere(mops[i]["name"])) for i in miss if elsewhere(mops[i]["name"])]
    lines += ["", f"Missing under the OpInfo's name but present in another form ({len(alias)} "
              "OpInfos; the call form OpInfo uses is in the table above): "
              + ", ".join(f"`{i}` ({w})" for i, w in alias), ""]

    for idx, title, skip in ((0, "Forward failures of ops rtensor has", {"missing"}),
                             (1, "Backward failures where forward passes",
                              {"missing", "forward_failed"})):
        lines += [f"## {title}", "", "| op | cause | samples | first message |", "|---|---|---|---|"]
        for o in ops:
            by = {}
            for s in o["samples"]:
                out = s[idx]
                if out is None or out == "pass" or kind(out) in skip:
                    continue
                by.setdefault(kind(out), []).append(out[1])
            for k, msgs in by.items():
                msg = msgs[0].replace("|", "\\|")
                lines.append(f"| `{o['id']}` | {k} | {len(msgs)}/{len(o['samples'])} | {msg} |")
        lines.append("")

    lines += ["## Per op", "", "| op | samples | forward | backward |", "|---|---|---|---|"]
    for o in ops:
        if not o["samples"]:
            continue
        f = sum(s[0] == "pass" for s in o["samples"])
        b = sum(s[1] == "pass" for s in o["samples"])
        bn = sum(s[1] is not None for s in o["samples"])
        lines.append(f"| `{o['id']}` | {len(o['samples'])} | {f} | {b}/{bn} |")
    return "\n".join(lines) + "\n"


def report_json(result):
    return {"totals": result["totals"],
            "ops": [{"id": o["id"], "samples": [
                [s if isinstance(s, str) or s is None else list(s) for s in pair]
                for pair in o["samples"]]} for o in result["ops"]]}
