#!/usr/bin/env python
"""Record PyTorch's torch.linalg factorizations, solves and their legacy names for
tests/test_linalg_factor.py (the suite never imports torch).

Run from the repository root with a Python that has PyTorch:

    PYTHONPATH=python /work/venv-torch/bin/python scripts/record_linalg_reference.py

It writes tests/data/linalg_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": [...], "errors": [...]}``. A case is
  ``{"id", "expr", "inputs" (names), "grad" (names of the inputs differentiated), "outputs"
  (number of tensors in the flattened result), "grad_fn" (names of the outputs' nodes, or
  null), "compare" ("exact": values, "checkable": only what is unique)}``; ``expr`` is Python
  evaluated with ``torch`` and the inputs in scope (the test evaluates it with rtensor). An
  error is ``{"expr", "type", "message"}``.
- ``"<id>|in|<name>"``: the inputs; ``"<id>|out|<i>"``: the flattened outputs;
  ``"<id>|w|<i>"``: seeded weights of the float outputs; ``"<id>|grad|<name>"``: the gradient of
  ``sum_i (out_i * w_i).sum()`` with respect to each input in ``grad``.
"""

import json
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "linalg_reference.npz"
RNG = np.random.default_rng(16)


def randn(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def sym(*shape):
    a = randn(*shape)
    return a + np.swapaxes(a, -1, -2)


def spd_chol(*shape):
    a = randn(*shape)
    n = shape[-1]
    return np.linalg.cholesky(a @ np.swapaxes(a, -1, -2) + n * np.eye(n))


def lu_of(a):
    LU, piv = torch.linalg.lu_factor(torch.from_numpy(a))
    return LU.numpy(), piv.numpy()


def ldl_of(a):
    LD, piv = torch.linalg.ldl_factor(torch.from_numpy(a))
    return LD.numpy(), piv.numpy()


def geqrf_of(a):
    q, tau = torch.geqrf(torch.from_numpy(a))
    return q.numpy(), tau.numpy()


def cases():
    c = []

    def add(id_, expr, inputs, grad=(), compare="exact"):
        c.append((id_, expr, inputs, list(grad), compare))

    for dt, tag in ((np.float64, "f64"), (np.float32, "f32")):
        for shape in ((4, 4), (2, 5, 3), (3, 5), (2, 1, 3, 3), (0, 3, 3)):
            s = "x".join(map(str, shape))
            add(f"lu_factor_{tag}_{s}", "torch.linalg.lu_factor(A)", {"A": randn(*shape, dtype=dt)},
                ["A"] if dt == np.float64 and 0 not in shape else [])
            add(f"lu_{tag}_{s}", "torch.linalg.lu(A)", {"A": randn(*shape, dtype=dt)},
                ["A"] if dt == np.float64 and 0 not in shape else [])
        a = randn(3, 4, 4, dtype=dt)
        LU, piv = lu_of(a)
        for left in (True, False):
            for adj in (False, True):
                b = randn(3, 4, 2, dtype=dt) if left else randn(3, 2, 4, dtype=dt)
                add(f"lu_solve_{tag}_{left}_{adj}",
                    f"torch.linalg.lu_solve(LU, piv, B, left={left}, adjoint={adj})",
                    {"LU": LU, "piv": piv, "B": b}, ["LU", "B"] if dt == np.float64 else [])
        add(f"lu_solve_bcast_{tag}", "torch.linalg.lu_solve(LU, piv, B)",
            {"LU": LU[:1], "piv": piv[:1], "B": randn(2, 3, 4, 2, dtype=dt)})
        add(f"legacy_lu_{tag}", "torch.lu(A, get_infos=True)", {"A": randn(2, 4, 4, dtype=dt)})
        add(f"legacy_lu_solve_{tag}", "torch.lu_solve(B, LU, piv)",
            {"B": randn(3, 4, 2, dtype=dt), "LU": LU, "piv": piv}, ["B", "LU"] if dt == np.float64 else [])
        lu53, piv53 = lu_of(randn(2, 5, 3, dtype=dt))
        add(f"lu_unpack_{tag}", "torch.lu_unpack(LU, piv)", {"LU": lu53, "piv": piv53},
            ["LU"] if dt == np.float64 else [])
        lu35, piv35 = lu_of(randn(3, 5, dtype=dt))
        add(f"lu_unpack_wide_{tag}", "torch.lu_unpack(LU, piv)", {"LU": lu35, "piv": piv35},
            ["LU"] if dt == np.float64 else [])
        # LDL: faer's Bunch-Kaufman test differs from sytrf's, so only what is checkable.
        s5 = sym(3, 5, 5).astype(dt)
        add(f"ldl_factor_{tag}", "torch.linalg.ldl_factor_ex(A)", {"A": s5}, compare="checkable")
        LD, lpiv = ldl_of(s5)
        add(f"ldl_solve_{tag}", "torch.linalg.ldl_solve(LD, piv, B)",
            {"LD": LD, "piv": lpiv, "B": randn(3, 5, 2, dtype=dt)})
        for scale in (1e-9, 1e-3, 0.04, 0.2, 0.9, 2.5, 12.0):
            add(f"matrix_exp_{tag}_{scale}", "torch.linalg.matrix_exp(A)",
                {"A": (randn(2, 4, 4) * scale).astype(dt)}, ["A"] if dt == np.float64 else [])
        add(f"matrix_exp_1x1_{tag}", "torch.matrix_exp(A)", {"A": randn(3, 1, 1, dtype=dt)},
            ["A"] if dt == np.float64 else [])
        for shape in ((4, 4), (5, 3), (2, 6, 2)):
            s = "x".join(map(str, shape))
            add(f"geqrf_{tag}_{s}", "torch.geqrf(A)", {"A": randn(*shape, dtype=dt)})
        q, tau = geqrf_of(randn(2, 5, 3, dtype=dt))
        add(f"householder_{tag}", "torch.linalg.householder_product(A, tau)",
            {"A": q, "tau": tau}, ["A", "tau"] if dt == np.float64 else [])
        add(f"householder_k1_{tag}", "torch.linalg.householder_product(A, tau)",
            {"A": q, "tau": tau[:, :1].copy()}, ["A", "tau"] if dt == np.float64 else [])
        add(f"orgqr_{tag}", "torch.orgqr(A, tau)", {"A": q, "tau": tau})
        for left in (True, False):
            for tr in (False, True):
                other = randn(2, 5, 2, dtype=dt) if left else randn(2, 2, 5, dtype=dt)
                add(f"ormqr_{tag}_{left}_{tr}", f"torch.ormqr(A, tau, C, {left}, {tr})",
                    {"A": q, "tau": tau, "C": other}, ["A", "tau", "C"] if dt == np.float64 else [])
        L = spd_chol(2, 4, 4).astype(dt)
        for upper in (False, True):
            f = "L.mT" if upper else "L"
            add(f"cholesky_solve_{tag}_{upper}", f"torch.cholesky_solve(B, {f}, upper={upper})",
                {"B": randn(2, 4, 3, dtype=dt), "L": L}, ["B", "L"] if dt == np.float64 else [])
            add(f"cholesky_inverse_{tag}_{upper}", f"torch.cholesky_inverse({f}, upper={upper})",
                {"L": L}, ["L"] if dt == np.float64 else [])
        for upper, tr, unit in ((True, False, False), (False, True, False), (True, True, True)):
            A = (np.triu(randn(2, 4, 4)) if upper else np.tril(randn(2, 4, 4))) + 4 * np.eye(4)
            add(f"triangular_solve_{tag}_{upper}_{tr}_{unit}",
                f"torch.triangular_solve(B, A, upper={upper}, transpose={tr}, unitriangular={unit})",
                {"B": randn(2, 4, 3, dtype=dt), "A": A.astype(dt)},
                ["B", "A"] if dt == np.float64 else [])
        add(f"tensorinv_{tag}", "torch.linalg.tensorinv(A, ind=2)",
            {"A": (randn(4, 6, 8, 3) + 0.0).astype(dt)}, ["A"] if dt == np.float64 else [])
        add(f"tensorsolve_{tag}", "torch.linalg.tensorsolve(A, B)",
            {"A": randn(2, 3, 6, dtype=dt), "B": randn(2, 3, dtype=dt)},
            ["A", "B"] if dt == np.float64 else [])
        add(f"tensorsolve_dims_{tag}", "torch.linalg.tensorsolve(A, B, dims=(0,))",
            {"A": randn(6, 2, 3, dtype=dt), "B": randn(2, 3, dtype=dt)})
        add(f"vander_{tag}", "torch.linalg.vander(x)", {"x": randn(2, 4, dtype=dt)},
            ["x"] if dt == np.float64 else [])
        add(f"vander_N_{tag}", "torch.linalg.vander(x, N=6)", {"x": randn(3, dtype=dt)})
        add(f"legacy_vander_{tag}", "torch.vander(x, N=4, increasing=False)", {"x": randn(3, dtype=dt)})
        add(f"legacy_vander_inc_{tag}", "torch.vander(x, increasing=True)", {"x": randn(4, dtype=dt)})
        for drv in ("gels", "gelsy", "gelsd", "gelss"):
            add(f"lstsq_{drv}_{tag}", f"torch.linalg.lstsq(A, B, driver='{drv}')",
                {"A": randn(2, 6, 3, dtype=dt), "B": randn(2, 6, 2, dtype=dt)},
                ["A", "B"] if dt == np.float64 else [])
            add(f"lstsq_wide_{drv}_{tag}", f"torch.linalg.lstsq(A, B, driver='{drv}')",
                {"A": randn(3, 5, dtype=dt), "B": randn(3, dtype=dt)})
        rd = randn(6, 2) @ randn(2, 4)
        add(f"lstsq_rankdef_gelsd_{tag}", "torch.linalg.lstsq(A, B, driver='gelsd')",
            {"A": rd.astype(dt), "B": randn(6, 2, dtype=dt)})
        add(f"lstsq_rankdef_gelsy_{tag}", "torch.linalg.lstsq(A, B, rcond=1e-5)",
            {"A": rd.astype(dt), "B": randn(6, 2, dtype=dt)})
        add(f"legacy_svd_{tag}", "torch.svd(A)", {"A": randn(4, 3, dtype=dt)}, compare="checkable")
        add(f"legacy_qr_{tag}", "torch.qr(A, some=False)", {"A": randn(5, 3, dtype=dt)},
            compare="checkable")
        add(f"pinverse_{tag}", "torch.pinverse(A)", {"A": randn(5, 3, dtype=dt)},
            ["A"] if dt == np.float64 else [])
        add(f"chain_matmul_{tag}", "torch.chain_matmul(A, B, C)",
            {"A": randn(2, 3, dtype=dt), "B": randn(3, 4, dtype=dt), "C": randn(4, 2, dtype=dt)})
    sing = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 2.0], [1.0, 1.0, 1.0]])
    add("lu_factor_ex_singular", "torch.linalg.lu_factor_ex(A)", {"A": sing})
    add("lu_singular", "torch.linalg.lu(A)", {"A": sing})
    add("legacy_lu_singular", "torch.lu(A, get_infos=True)", {"A": np.stack([sing, np.eye(3)])})
    return c


ERRORS = [
    "torch.linalg.lu_factor(torch.tensor([[0., 0., 1.], [0., 0., 2.], [1., 1., 1.]]))",
    "torch.linalg.lu_factor(torch.zeros(2, 3, 3))",
    "torch.linalg.lu_factor(torch.ones(3))",
    "torch.linalg.lu_factor(torch.ones(3, 3, dtype=torch.int64))",
    "torch.linalg.lu_factor(torch.eye(3), pivot=False)",
    "torch.linalg.lu(torch.eye(3), pivot=False)",
    "torch.linalg.lu_factor_ex(torch.zeros(3, 3), check_errors=True)",
    "torch.linalg.lu_solve(torch.eye(3), torch.ones(3, dtype=torch.int32), torch.ones(4, 2))",
    "torch.linalg.lu_solve(torch.eye(3), torch.ones(3, dtype=torch.int64), torch.ones(3, 2))",
    "torch.linalg.lu_solve(torch.eye(3), torch.ones(3, dtype=torch.int32), torch.ones(3, 2, dtype=torch.float64))",
    "torch.lu_unpack(torch.eye(3), torch.tensor([1, 5, 3], dtype=torch.int32))",
    "torch.linalg.ldl_factor(torch.zeros(3, 4))",
    "torch.linalg.matrix_exp(torch.zeros(3, 4))",
    "torch.linalg.matrix_exp(torch.zeros(3))",
    "torch.linalg.householder_product(torch.zeros(3, 4), torch.zeros(2))",
    "torch.linalg.householder_product(torch.zeros(4, 3), torch.zeros(4))",
    "torch.ormqr(torch.zeros(4, 3), torch.zeros(3), torch.zeros(5, 2))",
    "torch.linalg.tensorinv(torch.zeros(4, 6, 8, 3), ind=0)",
    "torch.linalg.tensorinv(torch.zeros(4, 6, 8, 2), ind=2)",
    "torch.linalg.tensorsolve(torch.zeros(2, 3, 5), torch.zeros(2, 3))",
    "torch.linalg.vander(torch.ones(3), N=1)",
    "torch.vander(torch.ones(2, 2))",
    "torch.linalg.lstsq(torch.zeros(4, 3), torch.zeros(5, 2))",
    "torch.linalg.lstsq(torch.zeros(4, 3), torch.zeros(4, 2), driver='foo')",
    "torch.cholesky_solve(torch.zeros(4, 2), torch.zeros(3, 3))",
    "torch.triangular_solve(torch.zeros(4, 2), torch.zeros(3, 3))",
    "torch.chain_matmul(torch.zeros(2, 2, 2), torch.zeros(2, 2))",
]


def flat(r):
    if isinstance(r, torch.Tensor):
        return [r]
    out = []
    for x in r:
        out.extend(flat(x))
    return out


def main():
    arrays, metas = {}, []
    for id_, expr, inputs, grad, compare in cases():
        ts = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in inputs.items()}
        for k in grad:
            ts[k].requires_grad_()
        outs = flat(eval(expr, {"torch": torch, **ts}))
        for k, v in inputs.items():
            arrays[f"{id_}|in|{k}"] = np.ascontiguousarray(v)
        names = []
        loss = None
        for i, o in enumerate(outs):
            arrays[f"{id_}|out|{i}"] = o.detach().numpy()
            names.append(o.grad_fn.name() if o.grad_fn is not None else None)
            if grad and o.dtype.is_floating_point and o.requires_grad:
                w = RNG.standard_normal(tuple(o.shape))
                arrays[f"{id_}|w|{i}"] = w
                term = (o * torch.from_numpy(w).to(o.dtype)).sum()
                loss = term if loss is None else loss + term
        if grad:
            gs = torch.autograd.grad(loss, [ts[k] for k in grad], allow_unused=True)
            for k, g in zip(grad, gs):
                arrays[f"{id_}|grad|{k}"] = (g if g is not None else torch.zeros_like(ts[k])).numpy()
        metas.append({"id": id_, "expr": expr, "inputs": list(inputs), "grad": grad,
                      "outputs": len(outs), "grad_fn": names, "compare": compare})
    errors = []
    for expr in ERRORS:
        try:
            eval(expr, {"torch": torch})
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            errors.append({"expr": expr, "type": type(e).__name__, "message": str(e)})
        else:
            raise SystemExit(f"no error from {expr}")
    meta = {"torch": torch.__version__, "cases": metas, "errors": errors}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT}: {len(metas)} cases, {len(errors)} errors")


if __name__ == "__main__":
    main()
