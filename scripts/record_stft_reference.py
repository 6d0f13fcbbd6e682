#!/usr/bin/env python
"""Record PyTorch's stft/istft and special.airy_ai for tests/test_stft.py (the suite never
imports torch).

Run from the repository root with a Python that has PyTorch (and mpmath, which PyTorch's
sympy dependency brings):

    /work/venv-torch/bin/python scripts/record_stft_reference.py

It writes tests/data/stft_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "stft": [...], "istft": [...], "errors": [...],
  "airy": {...}}``. An stft case is ``{"id", "x" (shape), "xdtype", "window" (length or
  null), "wdtype", "kwargs", "grad_fn", "out_dtype"}``; an istft case is the same with the
  spectrum as ``x``. An error is ``{"expr", "type", "message"}`` (``expr`` uses ``torch``
  only). ``airy`` holds the backward error through ``airy_ai`` and the known values.
- ``"<id>|x"``, ``"<id>|w"``, ``"<id>|gout"``: the inputs (complex ones as their real views,
  drawn from NumPy's seeded generator); ``"<id>|out"`` (real view), ``"<id>|gx"``,
  ``"<id>|gw"``: the output and the gradients of ``(view_as_real(out) * gout).sum()``.
- ``"airy|x64"``/``"airy|y64"``, ``"airy|x32"``/``"airy|y32"``: airy_ai over a wide range in
  float64 and float32; ``"airy|xk"``/``"airy|yk"``: 50-digit mpmath values (float64).
"""

import json
import warnings
import zlib
from pathlib import Path

import mpmath
import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "stft_reference.npz"

DT = {"f32": torch.float32, "f64": torch.float64, "c64": torch.complex64, "c128": torch.complex128}

# (id, x shape, x dtype, window length or None, window dtype, kwargs)
STFT = [
    ("s_basic", (64,), "f32", 16, "f32", {"n_fft": 16, "return_complex": True}),
    ("s_nowin", (50,), "f32", None, None, {"n_fft": 12, "hop_length": 5, "return_complex": True}),
    ("s_batch", (3, 40), "f32", 10, "f32", {"n_fft": 10, "hop_length": 3, "return_complex": True}),
    ("s_real_out", (2, 33), "f32", 8, "f32", {"n_fft": 8, "return_complex": False}),
    ("s_real_out1", (33,), "f64", 8, "f64", {"n_fft": 8, "return_complex": False}),
    ("s_winlen", (45,), "f64", 6, "f64",
     {"n_fft": 11, "win_length": 6, "hop_length": 2, "return_complex": True}),
    ("s_winlen_none", (45,), "f64", None, None,
     {"n_fft": 10, "win_length": 7, "hop_length": 3, "return_complex": True}),
    ("s_nocenter", (37,), "f64", 9, "f64",
     {"n_fft": 9, "hop_length": 4, "center": False, "return_complex": True}),
    ("s_constant", (30,), "f64", 8, "f64",
     {"n_fft": 8, "pad_mode": "constant", "return_complex": True}),
    ("s_replicate", (2, 30), "f64", 8, "f64",
     {"n_fft": 8, "pad_mode": "replicate", "return_complex": True}),
    ("s_circular", (30,), "f64", 8, "f64",
     {"n_fft": 8, "pad_mode": "circular", "hop_length": 3, "return_complex": True}),
    ("s_normalized", (40,), "f64", 16, "f64",
     {"n_fft": 16, "normalized": True, "return_complex": True}),
    ("s_twosided", (40,), "f64", 16, "f64",
     {"n_fft": 16, "onesided": False, "return_complex": True}),
    ("s_complex", (40,), "c128", 16, "f64", {"n_fft": 16, "hop_length": 5}),
    ("s_complex_batch", (2, 30), "c64", 8, "f32", {"n_fft": 8, "normalized": True}),
    ("s_complex_real_out", (30,), "c128", 8, "f64", {"n_fft": 8, "return_complex": False}),
    ("s_complex_window", (30,), "f64", 8, "c128", {"n_fft": 8, "return_complex": True}),
    ("s_mixed_dtype", (30,), "f32", 8, "f64", {"n_fft": 8, "return_complex": True}),
    ("s_align", (40,), "f64", 6, "f64",
     {"n_fft": 12, "win_length": 6, "hop_length": 3, "center": False, "align_to_window": True,
      "return_complex": True}),
    ("s_align_false", (40,), "f64", 6, "f64",
     {"n_fft": 12, "win_length": 6, "hop_length": 3, "center": False,
      "align_to_window": False, "return_complex": True}),
    ("s_odd", (41,), "f64", 7, "f64", {"n_fft": 7, "hop_length": 2, "return_complex": True}),
]

# istft: the spectrum is the stft of a seeded signal with the same window/n_fft/hop (so the
# NOLA condition holds); then perturbed so that it is not exactly an stft.
ISTFT = [
    ("i_basic", (64,), "f32", 16, "hann", {"n_fft": 16}),
    ("i_batch", (2, 50), "f64", 12, "hann", {"n_fft": 12, "hop_length": 3}),
    ("i_length_short", (60,), "f64", 16, "hann", {"n_fft": 16, "length": 50}),
    ("i_length_long", (60,), "f64", 16, "hann", {"n_fft": 16, "length": 70}),
    ("i_nocenter", (50,), "f64", 10, "hann_f", {"n_fft": 10, "hop_length": 2, "center": False}),
    ("i_winlen", (48,), "f64", 8, "hann", {"n_fft": 12, "win_length": 8, "hop_length": 2}),
    ("i_nowindow", (40,), "f64", None, None, {"n_fft": 8, "hop_length": 4}),
    ("i_normalized", (40,), "f64", 8, "hann", {"n_fft": 8, "hop_length": 2, "normalized": True}),
    ("i_twosided", (40,), "f64", 8, "hann", {"n_fft": 8, "hop_length": 2, "onesided": False}),
    ("i_return_complex", (40,), "c128", 8, "hann",
     {"n_fft": 8, "hop_length": 2, "return_complex": True}),
    ("i_complex_window", (40,), "c128", 8, "hann_c",
     {"n_fft": 8, "hop_length": 2, "return_complex": True}),
]

ERRORS = [
    "torch.stft(torch.ones(100), 16)",
    "torch.stft(torch.ones(100), 16, window=torch.ones(8), return_complex=True)",
    "torch.stft(torch.ones(100), 16, win_length=17, return_complex=True)",
    "torch.stft(torch.ones(100), 16, window=torch.ones(8), win_length=9, return_complex=True)",
    "torch.stft(torch.ones(100), 16, window=torch.ones(4, 4), return_complex=True)",
    "torch.stft(torch.ones(100), 200, return_complex=True)",
    "torch.stft(torch.ones(100), 200, center=False, return_complex=True)",
    "torch.stft(torch.ones(100), 0, return_complex=True)",
    "torch.stft(torch.ones(100), 16, hop_length=0, return_complex=True)",
    "torch.stft(torch.ones(100), 16, hop_length=-1, return_complex=True)",
    "torch.stft(torch.ones(2, 5, 10), 4, return_complex=True)",
    "torch.stft(torch.ones(()), 4, return_complex=True)",
    "torch.stft(torch.ones(100), 16, pad_mode='foo', return_complex=True)",
    "torch.stft(torch.ones(100, dtype=torch.int32), 16, return_complex=True)",
    "torch.stft(torch.ones(10), 16, center=False, return_complex=True)",
    "torch.stft(torch.ones(5), 16, return_complex=True)",
    "torch.stft(torch.ones(100), 16, return_complex=True, align_to_window=True)",
    "torch.stft(torch.ones(10), 16, win_length=8, center=False, align_to_window=True, return_complex=True)",
    "torch.stft(torch.ones(100), 16, onesided=True, window=torch.ones(16, dtype=torch.complex64), return_complex=True)",
    "torch.stft(torch.ones(100, dtype=torch.complex64), 16, onesided=True)",
    "torch.stft(torch.ones(100, dtype=torch.complex64), 16, window=torch.ones(4))",
    "torch.istft(torch.ones(9, 26), 16)",
    "torch.istft(torch.ones(9, 0, dtype=torch.complex64), 16)",
    "torch.istft(torch.ones(9, dtype=torch.complex64), 16)",
    "torch.istft(torch.ones(2, 2, 9, 3, dtype=torch.complex64), 16)",
    "torch.istft(torch.ones(10, 26, dtype=torch.complex64), 16)",
    "torch.istft(torch.ones(10, 26, dtype=torch.complex64), 16, onesided=True)",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, onesided=False)",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, hop_length=17)",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, hop_length=0)",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, win_length=17, hop_length=4)",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, window=torch.ones(8))",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, window=torch.zeros(16))",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, hop_length=16, window=torch.hann_window(16))",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, length=0)",
    "torch.istft(torch.ones(9, 26, dtype=torch.complex64), 16, return_complex=True)",
    "torch.istft(torch.ones(16, 26, dtype=torch.complex64), 16, window=torch.ones(16, dtype=torch.complex64))",
    "torch.special.airy_ai(torch.tensor([0.0, 1.0], requires_grad=True)).sum().backward()",
]


def rng_array(rng, shape, dtype):
    if dtype.startswith("c"):
        a = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        return a.astype(np.complex64 if dtype == "c64" else np.complex128)
    return rng.standard_normal(shape).astype(np.float32 if dtype == "f32" else np.float64)


def real_view(t):
    t = t.detach()
    return torch.view_as_real(t).numpy() if t.is_complex() else t.numpy()


def make_window(kind, n, dtype):
    if kind is None:
        return None
    w = torch.hann_window(n, dtype=torch.float64) + 0.1  # strictly positive: NOLA holds
    if kind == "hann_f":
        w = torch.hann_window(n, periodic=False, dtype=torch.float64) + 0.05
    if kind == "hann_c":
        return (w * (1 + 0.3j)).to(torch.complex64 if dtype == torch.float32 else torch.complex128)
    return w.to(dtype)


def record_case(arrays, cid, x_np, w_np, fn, kwargs):
    x = torch.from_numpy(x_np).clone().requires_grad_()
    w = None if w_np is None else torch.from_numpy(w_np).clone().requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(x, window=w, **kwargs)
    rv = torch.view_as_real(out) if out.is_complex() else out
    gout = torch.from_numpy(
        np.random.default_rng(zlib.crc32(cid.encode())).standard_normal(tuple(rv.shape))
    ).to(rv.dtype)
    (rv * gout).sum().backward()
    arrays[f"{cid}|x"] = np.stack([x_np.real, x_np.imag], -1) if np.iscomplexobj(x_np) else x_np
    if w_np is not None:
        arrays[f"{cid}|w"] = (
            np.stack([w_np.real, w_np.imag], -1) if np.iscomplexobj(w_np) else w_np
        )
        arrays[f"{cid}|gw"] = real_view(w.grad)
    arrays[f"{cid}|gout"] = gout.numpy()
    arrays[f"{cid}|out"] = real_view(out)
    arrays[f"{cid}|gx"] = real_view(x.grad)
    return {
        "id": cid,
        "grad_fn": type(out.grad_fn).__name__,
        "out_dtype": str(out.dtype).split(".")[-1],
        "out_shape": list(out.shape),
    }


def main():
    rng = np.random.default_rng(0)
    arrays = {}
    meta = {"torch": torch.__version__, "stft": [], "istft": [], "errors": [], "airy": {}}
    for cid, shape, xd, wlen, wd, kw in STFT:
        x_np = rng_array(rng, shape, xd)
        w_np = None
        if wlen is not None:
            w_np = rng_array(rng, (wlen,), wd)
            if not wd.startswith("c"):
                w_np = np.abs(w_np) + 0.1
        rec = record_case(arrays, cid, x_np, w_np, torch.stft, kw)
        rec.update({"x": list(shape), "xdtype": xd, "window": wlen, "wdtype": wd, "kwargs": kw})
        meta["stft"].append(rec)

    for cid, shape, xd, wlen, wkind, kw in ISTFT:
        kw = dict(kw)
        real_dtype = torch.float32 if xd in ("f32", "c64") else torch.float64
        w = make_window(wkind, wlen, real_dtype) if wlen is not None else None
        sig = torch.from_numpy(rng_array(rng, shape, xd))
        skw = {k: kw[k] for k in ("n_fft", "hop_length", "win_length", "center", "normalized",
                                  "onesided") if k in kw}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec = torch.stft(sig, window=w, return_complex=True, **skw)
        spec = spec + torch.from_numpy(0.05 * rng_array(rng, tuple(spec.shape), "c128")).to(spec.dtype)
        w_np = None if w is None else w.numpy()
        rec = record_case(arrays, cid, spec.numpy(), w_np, torch.istft, kw)
        rec.update({"x": list(spec.shape), "xdtype": xd, "window": wlen,
                    "wdtype": None if w is None else str(w.dtype).split(".")[-1], "kwargs": kw})
        meta["istft"].append(rec)

    for expr in ERRORS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(expr, {"torch": torch})
        except Exception as e:  # noqa: BLE001 - recording whatever PyTorch raises
            meta["errors"].append({"expr": expr, "type": type(e).__name__, "message": str(e)})
        else:
            raise SystemExit(f"expected an error from {expr}")

    # airy_ai: a wide grid, the large |x| tails, the special values.
    xs = np.concatenate([
        np.linspace(-50, 50, 2001),
        -np.logspace(1.7, 6, 60),
        np.logspace(-30, 0, 31),
        [0.0, -0.0, 2.09, -2.09, 2.0899, -2.0901, 8.3203353, 103.8, 103.89, 103.892, 103.9,
         104.0, 200.0, 1e300, -1e300, np.inf, -np.inf, np.nan],
    ])
    for bits, np_dt, t_dt in ((64, np.float64, torch.float64), (32, np.float32, torch.float32)):
        x = xs.astype(np_dt)
        arrays[f"airy|x{bits}"] = x
        arrays[f"airy|y{bits}"] = torch.special.airy_ai(torch.from_numpy(x)).to(t_dt).numpy()
    arrays["airy|int"] = torch.special.airy_ai(torch.tensor([-3, 0, 2])).numpy()
    mpmath.mp.dps = 50
    xk = [0.0, 1.0, -1.0, 0.5, -2.5, 2.5, 4.0, -4.0, 6.0, -7.5, 9.0, -12.0, 15.0, -20.0, 25.0,
          -33.3, 40.0, -60.0, 80.0, -100.0, -1000.0, -2.338107410459767, -4.087949444130970]
    arrays["airy|xk"] = np.array(xk)
    arrays["airy|yk"] = np.array([float(mpmath.airyai(mpmath.mpf(v))) for v in xk])
    meta["airy"]["ai0"] = float(1 / (mpmath.mpf(3) ** (mpmath.mpf(2) / 3)
                                     * mpmath.gamma(mpmath.mpf(2) / 3)))
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT}: {len(meta['stft'])} stft, {len(meta['istft'])} istft, "
          f"{len(meta['errors'])} errors")


if __name__ == "__main__":
    main()
