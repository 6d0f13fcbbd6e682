#!/usr/bin/env python
"""Record PyTorch's torch.distributions for tests/test_distributions.py (the suite never imports
torch).

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_distributions_reference.py

The cases (distributions, parameters, KL pairs, invalid constructions, transforms, constraints)
are in tests/distribution_cases.py, shared with the tests. It writes
tests/data/distributions_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": {id: {...}}, "kl": {...}, "bad": {...},
  "transforms": {...}, "constraints": {...}, "biject": {...}}``. A case's entry holds its
  ``batch_shape``, ``event_shape``, ``has_rsample``, ``has_enumerate_support``, ``repr``,
  ``support`` (repr), the ``grad_fn`` names of ``rsample``/``log_prob`` outputs, and for each
  attribute or method that raised, ``{"type", "message"}`` under ``errors``.
- ``"<id>|<what>"``: arrays: ``sample0`` (``sample()`` after ``manual_seed(11)``), ``sample3``
  (``sample((3,))`` after ``manual_seed(12)``), ``sample22`` (``sample((2, 2))`` after
  ``manual_seed(13)``, float64 draws too), ``rsample`` (``rsample((3,))`` after
  ``manual_seed(14)``) and ``rgrad|<param>`` (gradients of ``(rsample * w).sum()``, ``w`` =
  ``"<id>|w"``), ``value`` (a ``sample((2,))`` after ``manual_seed(15)``), ``log_prob``,
  ``lpgrad|<param>`` (gradients of ``log_prob(value).sum()``), ``cdf``, ``icdf`` (at ``q``),
  ``mean``, ``mode``, ``variance``, ``stddev``, ``entropy``, ``perplexity``, ``support`` (from
  ``enumerate_support()``).
- ``"kl|<p>|<q>"``: KL values; ``"t|<id>|x|y|inv|ladj"``: transforms; ``"c|<id>|value"`` and
  ``"c|<id>|check"``: constraint checks; ``"b|<i>|x"``/``"b|<i>|y"``: biject_to/transform_to;
  ``"s|<id>"`` and ``"s|<id>|after"``: a native sampler's draws (``sampler_cases``) and the
  ``rand(3)`` drawn right after them; ``meta["samplers"]``: the errors of ``SAMPLER_BAD``.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.distributions as D
import torch.distributions.constraints as C
import torch.distributions.transforms as T

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from distribution_cases import (  # noqa: E402
    BAD,
    CASES,
    CONSTRAINTS,
    KL_PAIRS,
    KL_Q,
    REINFORCE_SCRIPT,
    SAMPLER_BAD,
    TRANSFORMS,
    biject_cases,
    constraint_values,
    sampler_cases,
)

OUT = ROOT / "tests" / "data" / "distributions_reference.npz"
ATTRS = ["mean", "mode", "variance", "stddev"]
METHODS = ["entropy", "perplexity"]

arrays = {}
meta = {"torch": torch.__version__, "cases": {}, "kl": {}, "bad": {}, "transforms": {},
        "constraints": {}, "biject": {}}


def tensors(params):
    out = {}
    for k, v in params.items():
        if isinstance(v, np.ndarray):
            out[k] = torch.tensor(v, requires_grad=v.dtype.kind == "f")
        else:
            out[k] = v
    return out


def err(e):
    return {"type": type(e).__name__, "message": str(e)}


def npy(t):
    return t.detach().numpy().copy()


def grads(out_sum, p):
    leaves = [(k, v) for k, v in p.items() if isinstance(v, torch.Tensor) and v.requires_grad]
    if not leaves or not out_sum.requires_grad:
        return {}
    gs = torch.autograd.grad(out_sum, [v for _, v in leaves], allow_unused=True,
                             retain_graph=True)
    return {k: (None if g is None else npy(g)) for (k, _), g in zip(leaves, gs)}


def record_case(cid, params, build):
    p = tensors(params)
    d = build(torch, p)
    info = {"batch_shape": list(d.batch_shape), "event_shape": list(d.event_shape),
            "has_rsample": bool(d.has_rsample),
            "has_enumerate_support": bool(d.has_enumerate_support),
            "repr": repr(d), "errors": {}}
    try:
        info["support"] = repr(d.support)
    except NotImplementedError as e:
        info["support"] = None
        info["errors"]["support"] = err(e)
    for seed, key, shape in ((11, "sample0", ()), (12, "sample3", (3,)), (13, "sample22", (2, 2))):
        torch.manual_seed(seed)
        s = d.sample(shape)
        arrays[f"{cid}|{key}"] = npy(s)
    if d.has_rsample:
        torch.manual_seed(14)
        r = d.rsample((3,))
        arrays[f"{cid}|rsample"] = npy(r)
        info["rsample_grad_fn"] = None if r.grad_fn is None else type(r.grad_fn).__name__
        w = np.random.default_rng(len(cid)).standard_normal(r.shape).astype(npy(r).dtype)
        arrays[f"{cid}|w"] = w
        try:
            for k, g in grads((r * torch.tensor(w)).sum(), p).items():
                if g is not None:
                    arrays[f"{cid}|rgrad|{k}"] = g
        except RuntimeError as e:  # PyTorch's own backward fails for some (recorded)
            info["errors"]["rsample_grad"] = err(e)
    torch.manual_seed(15)
    value = d.sample((2,))
    arrays[f"{cid}|value"] = npy(value)
    try:
        lp = d.log_prob(value)
        arrays[f"{cid}|log_prob"] = npy(lp)
        info["log_prob_grad_fn"] = None if lp.grad_fn is None else type(lp.grad_fn).__name__
        if lp.requires_grad:
            for k, g in grads(lp.sum(), p).items():
                if g is not None:
                    arrays[f"{cid}|lpgrad|{k}"] = g
    except Exception as e:  # noqa: BLE001
        info["errors"]["log_prob"] = err(e)
    for name in ("cdf",):
        try:
            arrays[f"{cid}|{name}"] = npy(getattr(d, name)(value))
        except Exception as e:  # noqa: BLE001
            info["errors"][name] = err(e)
    q = torch.linspace(0.1, 0.9, int(np.prod(d.batch_shape)) or 1).reshape(d.batch_shape)
    q = q.to(value.dtype)
    arrays[f"{cid}|q"] = npy(q)
    try:
        arrays[f"{cid}|icdf"] = npy(d.icdf(q))
    except Exception as e:  # noqa: BLE001
        info["errors"]["icdf"] = err(e)
    for name in ATTRS:
        try:
            arrays[f"{cid}|{name}"] = npy(getattr(d, name))
        except Exception as e:  # noqa: BLE001
            info["errors"][name] = err(e)
    for name in METHODS:
        try:
            arrays[f"{cid}|{name}"] = npy(getattr(d, name)())
        except Exception as e:  # noqa: BLE001
            info["errors"][name] = err(e)
    if d.has_enumerate_support:
        try:
            arrays[f"{cid}|support"] = npy(d.enumerate_support())
            arrays[f"{cid}|support_noexpand"] = npy(d.enumerate_support(expand=False))
        except Exception as e:  # noqa: BLE001
            info["errors"]["enumerate_support"] = err(e)
    meta["cases"][cid] = info


def main():
    warnings.simplefilter("ignore")
    by_id = {cid: (params, build) for cid, params, build in CASES}
    for cid, params, build in CASES:
        arrays[f"{cid}|seed"] = np.array(0)
        record_case(cid, params, build)
    for pid, qid in KL_PAIRS:
        pp, pb = by_id[pid]
        qp = KL_Q.get(qid, by_id[qid][0])
        qb = by_id[qid][1]
        key = f"kl|{pid}|{qid}"
        try:
            kl = D.kl_divergence(pb(torch, tensors(pp)), qb(torch, tensors(qp)))
            arrays[key] = npy(kl)
            meta["kl"][key] = None
        except Exception as e:  # noqa: BLE001
            meta["kl"][key] = err(e)
    for bid, expr in BAD:
        try:
            eval(expr, {"D": D, "lib": torch})
            meta["bad"][bid] = None
        except Exception as e:  # noqa: BLE001
            meta["bad"][bid] = err(e)
    rng = np.random.default_rng(5)
    for tid, expr, shape in TRANSFORMS:
        t = eval(expr, {"T": T, "D": D, "lib": torch})
        x = rng.standard_normal(shape).astype(np.float32)
        if tid == "lower_cholesky":
            x = x @ x.T + 3 * np.eye(3, dtype=np.float32)
        arrays[f"t|{tid}|x"] = x
        xt = torch.tensor(x)
        y = t(xt)
        arrays[f"t|{tid}|y"] = npy(y)
        info = {"repr": repr(t), "bijective": t.bijective,
                "domain_event_dim": t.domain.event_dim,
                "codomain_event_dim": t.codomain.event_dim, "errors": {}}
        try:
            arrays[f"t|{tid}|inv"] = npy(t.inv(y))
        except Exception as e:  # noqa: BLE001
            info["errors"]["inv"] = err(e)
        try:
            arrays[f"t|{tid}|ladj"] = npy(t.log_abs_det_jacobian(xt, y))
        except Exception as e:  # noqa: BLE001
            info["errors"]["ladj"] = err(e)
        try:
            info["sign"] = float(t.sign) if isinstance(t.sign, (int, float)) else npy(t.sign).tolist()
        except Exception as e:  # noqa: BLE001
            info["errors"]["sign"] = err(e)
        info["forward_shape"] = list(t.forward_shape(xt.shape))
        meta["transforms"][tid] = info
    for cname, expr in CONSTRAINTS:
        c = eval(expr, {"C": C})
        vals = constraint_values(cname)
        arrays[f"c|{cname}|value"] = vals
        meta["constraints"][cname] = {"repr": repr(c), "is_discrete": bool(c.is_discrete),
                                      "event_dim": c.event_dim}
        arrays[f"c|{cname}|check"] = npy(c.check(torch.tensor(vals)))
    for i, (kind, expr, shape) in enumerate(biject_cases()):
        c = eval(expr, {"C": C})
        fn = D.biject_to if kind == "biject" else D.transform_to
        x = rng.standard_normal(shape).astype(np.float32)
        try:
            t = fn(c)
        except NotImplementedError as e:
            meta["biject"][str(i)] = {"error": err(e)}
            continue
        arrays[f"b|{i}|x"] = x
        arrays[f"b|{i}|y"] = npy(t(torch.tensor(x)))
        meta["biject"][str(i)] = {"type": type(t).__name__, "repr": repr(t)}
    meta["samplers"] = {}
    for sid, fn, args, seed in sampler_cases():
        torch.manual_seed(seed)
        out = getattr(torch, fn)(*[torch.tensor(a) for a in args])
        arrays[f"s|{sid}"] = npy(out)
        arrays[f"s|{sid}|after"] = npy(torch.rand(3))  # where the stream is left
    for bid, expr in SAMPLER_BAD:
        try:
            eval(expr, {"lib": torch})
            meta["samplers"][bid] = None
        except Exception as e:  # noqa: BLE001
            meta["samplers"][bid] = err(e)
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(REINFORCE_SCRIPT, {"__name__": "__main__"})
    meta["reinforce_stdout"] = buf.getvalue()
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT}: {len(arrays)} arrays, {len(meta['cases'])} cases")


if __name__ == "__main__":
    main()
