#!/usr/bin/env python
"""Record PyTorch's ``torch.linalg.eig`` / ``eigvals`` for tests/test_linalg_eig.py (the suite
never imports torch).

Run from the repository root with a Python that has PyTorch:

    PYTHONPATH=python /work/venv-torch/bin/python scripts/record_linalg_eig_reference.py

It writes tests/data/linalg_eig_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": [...], "grads": [...], "errors":
  [...], "grad_fns": {...}}``. A case is ``{"id", "dtype", "shape"}``: ``"<id>|A"`` the input,
  ``"<id>|L"``, ``"<id>|V"`` PyTorch's eigenvalues and eigenvectors (LAPACK geev's order and
  normalization), ``"<id>|W"`` ``eigvals``. A grad is ``{"id", "dtype", "shape", "loss"}``:
  ``"<id>|A"`` the input, ``"<id>|wl"``, ``"<id>|wv"`` real weights and ``"<id>|gA"`` the
  gradient of the gauge-invariant loss ``loss`` (``"eig"``: ``sum(wl * view_as_real(L)) +
  sum(wv * V.abs())``; ``"eigvals"``: ``sum(wl * view_as_real(eigvals(A)))``; ``"vabs"``:
  ``sum(wv * V.abs())``). An error is ``{"expr", "type", "message"}`` (``expr`` uses
  ``torch``).
"""

import json
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "linalg_eig_reference.npz"

rng = np.random.default_rng(16)


def real(shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def cplx(shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def scaled(n):
    """A badly scaled matrix (balancing scales it)."""
    a = rng.standard_normal((n, n))
    d = 2.0 ** rng.integers(-12, 12, n)
    return (d[:, None] * a / d[None, :]).astype(np.float64)


def isolated():
    """A matrix whose rows/columns isolate eigenvalues (balancing permutes it)."""
    a = rng.standard_normal((5, 5))
    a[3, [0, 1, 2, 4]] = 0.0  # row 3 isolates a[3, 3]
    a[[1, 2, 3, 4], 0] = 0.0  # column 0 isolates a[0, 0]
    return a


CASES = {
    "r64_4": real((4, 4), np.float64),
    "r32_5": real((5, 5), np.float32),
    "r64_6": real((6, 6), np.float64),
    "r64_batch": real((2, 3, 4, 4), np.float64),
    "r32_batch": real((3, 3, 3), np.float32),
    "r64_20": real((20, 20), np.float64),
    "r64_sym": (lambda a: a + a.T)(real((5, 5), np.float64)),
    "r64_rot": np.array([[0.0, -1.0], [1.0, 0.0]]),
    "r64_triu": np.triu(real((4, 4), np.float64)),
    "r64_isolated": isolated(),
    "r64_scaled": scaled(5),
    "r64_1": np.array([[2.5]]),
    "r32_diag": np.diag([3.0, -1.0, 2.0]).astype(np.float32),
    "r64_empty": np.zeros((0, 0)),
    "r32_empty_batch": np.zeros((2, 0, 0), np.float32),
    "r64_zero_batch": np.zeros((0, 3, 3)),
    "c128_4": cplx((4, 4), np.complex128),
    "c64_3": cplx((3, 3), np.complex64),
    "c128_batch": cplx((2, 3, 3), np.complex128),
    "c128_scaled": scaled(4).astype(np.complex128) * (1 + 0.5j),
}

GRADS = [
    ("g_r64_4", real((4, 4), np.float64), "eig"),
    ("g_r64_batch", real((2, 3, 3), np.float64), "eig"),
    ("g_r64_sym", (lambda a: a + a.T)(real((4, 4), np.float64)), "eig"),
    ("g_r32_4", real((4, 4), np.float32), "eig"),
    ("g_c128_3", cplx((3, 3), np.complex128), "eig"),
    ("g_c128_batch", cplx((2, 3, 3), np.complex128), "eig"),
    ("g_r64_vals", real((5, 5), np.float64), "eigvals"),
    ("g_c128_vals", cplx((4, 4), np.complex128), "eigvals"),
    ("g_r64_vabs", real((4, 4), np.float64), "vabs"),
]

ERRORS = [
    "torch.linalg.eig(torch.ones(3))",
    "torch.linalg.eigvals(torch.ones(3))",
    "torch.linalg.eig(torch.ones(2, 3))",
    "torch.linalg.eigvals(torch.ones(2, 4, 3))",
    "torch.linalg.eig(torch.ones(2, 2, dtype=torch.int64))",
    "torch.linalg.eigvals(torch.ones(2, 2, dtype=torch.int32))",
    "torch.linalg.eig(torch.ones(2, 2, dtype=torch.float16))",
    "torch.linalg.eigvals(torch.ones(2, 2, dtype=torch.bfloat16))",
    "torch.linalg.eig(torch.tensor([[1.0, float('nan')], [0.0, 1.0]]))",
    "torch.linalg.eig(torch.tensor([[1.0, float('inf')], [0.0, 1.0]], dtype=torch.float64))",
    "torch.linalg.eig([[1.0]])",
    "torch.eig(torch.eye(2))",
    "torch.eye(2).eig()",
    # a loss that depends on the eigenvectors' phase
    "torch.linalg.eig(torch.tensor([[0.0, -1.0], [1.0, 0.5]], requires_grad=True))[1]"
    ".real.sum().backward()",
    "torch.linalg.eig(torch.tensor([[1.0, 2.0], [0.5, 1.0]], dtype=torch.complex128, "
    "requires_grad=True))[1].imag.sum().backward()",
]


def loss_of(kind, A, wl, wv):
    if kind == "eigvals":
        return (torch.view_as_real(torch.linalg.eigvals(A)) * wl).sum()
    L, V = torch.linalg.eig(A)
    vterm = (V.abs() * wv).sum()
    if kind == "vabs":
        return vterm
    return (torch.view_as_real(L) * wl).sum() + vterm


def main():
    arrays = {}
    meta = {"torch": torch.__version__, "cases": [], "grads": [], "errors": [], "grad_fns": {}}
    for cid, a in CASES.items():
        A = torch.from_numpy(np.ascontiguousarray(a))
        L, V = torch.linalg.eig(A)
        W = torch.linalg.eigvals(A)
        arrays[f"{cid}|A"] = a
        arrays[f"{cid}|L"] = L.numpy()
        arrays[f"{cid}|V"] = V.numpy()
        arrays[f"{cid}|W"] = W.numpy()
        meta["cases"].append({"id": cid, "dtype": str(A.dtype).removeprefix("torch."),
                              "shape": list(a.shape), "out_dtype":
                              str(L.dtype).removeprefix("torch.")})
    for gid, a, kind in GRADS:
        A = torch.from_numpy(np.ascontiguousarray(a)).requires_grad_(True)
        n = a.shape[-1]
        real_dt = np.float32 if a.dtype in (np.float32, np.complex64) else np.float64
        wl = rng.standard_normal(a.shape[:-1] + (2,)).astype(real_dt)
        wv = rng.standard_normal(a.shape[:-2] + (n, n)).astype(real_dt)
        loss = loss_of(kind, A, torch.from_numpy(wl), torch.from_numpy(wv))
        (gA,) = torch.autograd.grad(loss, A)
        arrays[f"{gid}|A"] = a
        arrays[f"{gid}|wl"] = wl
        arrays[f"{gid}|wv"] = wv
        arrays[f"{gid}|gA"] = gA.numpy()
        meta["grads"].append({"id": gid, "dtype": str(A.dtype).removeprefix("torch."),
                              "shape": list(a.shape), "loss": kind})
    for expr in ERRORS:
        try:
            eval(expr, {"torch": torch})
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            meta["errors"].append({"expr": expr, "type": type(e).__name__,
                                   "message": str(e)})
        else:
            raise SystemExit(f"no error from {expr}")
    A = torch.randn(3, 3, requires_grad=True)
    L, V = torch.linalg.eig(A)
    meta["grad_fns"] = {"eig_L": type(L.grad_fn).__name__, "eig_V": type(V.grad_fn).__name__,
                        "eigvals": type(torch.linalg.eigvals(A).grad_fn).__name__,
                        "return_type": type(torch.linalg.eig(A)).__name__}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT}: {len(meta['cases'])} cases, {len(meta['grads'])} grads, "
          f"{len(meta['errors'])} errors")


if __name__ == "__main__":
    main()
