"""Records PyTorch's complex-number and torch.fft behaviour into tests/data/complex_reference.json.

Run in a venv with torch: ``PYTHONPATH=python python scripts/record_complex_reference.py``.
Values are stored as [re, im] pairs (float.hex strings are not needed at these tolerances).
"""

import json
import pathlib

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "complex_reference.json"


def enc(t):
    t = t.detach()
    if t.is_complex():
        a = torch.view_as_real(t.resolve_conj()).double().numpy()
        return {"dtype": str(t.dtype).split(".")[1], "shape": list(t.shape), "re": a[..., 0].ravel().tolist(), "im": a[..., 1].ravel().tolist()}
    return {"dtype": str(t.dtype).split(".")[1], "shape": list(t.shape), "re": t.double().numpy().ravel().tolist()}


def main():
    torch.manual_seed(0)
    z = torch.complex(torch.randn(3, 4), torch.randn(3, 4))
    w = torch.complex(torch.randn(3, 4), torch.randn(3, 4))
    x = torch.randn(3, 4)
    inputs = {"z": enc(z), "w": enc(w), "x": enc(x)}

    ops = {
        "z + w": lambda: z + w, "z - w": lambda: z - w, "z * w": lambda: z * w, "z / w": lambda: z / w,
        "z * x": lambda: z * x, "x / z": lambda: x / z, "z + 2.5": lambda: z + 2.5, "z * 1j": lambda: z * 1j,
        "z ** 2": lambda: z ** 2, "z ** w": lambda: z ** w, "z.exp()": lambda: z.exp(), "z.log()": lambda: z.log(),
        "z.sqrt()": lambda: z.sqrt(), "z.abs()": lambda: z.abs(), "z.angle()": lambda: z.angle(),
        "z.sin()": lambda: z.sin(), "z.cos()": lambda: z.cos(), "z.tanh()": lambda: z.tanh(),
        "z.sigmoid()": lambda: z.sigmoid(), "z.reciprocal()": lambda: z.reciprocal(), "z.rsqrt()": lambda: z.rsqrt(),
        "z.conj()": lambda: z.conj(), "z.sgn()": lambda: z.sgn(), "z.sum()": lambda: z.sum(),
        "z.mean(0)": lambda: z.mean(0), "z.sum(1, keepdim=True)": lambda: z.sum(1, keepdim=True),
        "z @ w.T": lambda: z @ w.T, "z.real": lambda: z.real, "z.imag": lambda: z.imag,
        "torch.view_as_real(z)": lambda: torch.view_as_real(z), "z == w": lambda: z == w,
        "torch.polar(x.abs(), x)": lambda: torch.polar(x.abs(), x), "z.log10()": lambda: z.log10(),
        "z.square()": lambda: z.square(), "z.neg()": lambda: z.neg(), "z.exp2()": lambda: z.exp2(),
        "z.sinh()": lambda: z.sinh(), "z.cosh()": lambda: z.cosh(), "z.tan()": lambda: z.tan(),
    }
    values = {k: enc(f()) for k, f in ops.items()}

    def grads(expr, fn):
        a = z.clone().requires_grad_()
        b = w.clone().requires_grad_()
        c = x.clone().requires_grad_()
        fn(a, b, c).backward()
        return {"expr": expr, "z": enc(a.grad) if a.grad is not None else None,
                "w": enc(b.grad) if b.grad is not None else None,
                "x": enc(c.grad) if c.grad is not None else None}

    grad_cases = [
        ("(z * w).abs().sum()", lambda a, b, c: (a * b).abs().sum()),
        ("(z / w).real.sum()", lambda a, b, c: (a / b).real.sum()),
        ("(z.exp() * x).imag.sum()", lambda a, b, c: (a.exp() * c).imag.sum()),
        ("(z @ w.T).abs().sum()", lambda a, b, c: (a @ b.T).abs().sum()),
        ("z.sqrt().angle().sum()", lambda a, b, c: a.sqrt().angle().sum()),
        ("torch.view_as_real(z.log()).pow(2).sum()", lambda a, b, c: torch.view_as_real(a.log()).pow(2).sum()),
        ("(z.conj() * w).real.sum()", lambda a, b, c: (a.conj() * b).real.sum()),
        ("(x * 1j + z).abs().sum()", lambda a, b, c: (c * 1j + a).abs().sum()),
        ("torch.fft.fft(z).abs().sum()", lambda a, b, c: torch.fft.fft(a).abs().sum()),
        ("torch.fft.rfft(x).abs().sum()", lambda a, b, c: torch.fft.rfft(c).abs().sum()),
        ("torch.fft.irfft(z).pow(2).sum()", lambda a, b, c: torch.fft.irfft(a).pow(2).sum()),
        ("torch.fft.ifft2(z, norm='ortho').real.sum()", lambda a, b, c: torch.fft.ifft2(a, norm="ortho").real.sum()),
        ("torch.fft.hfft(z, n=7).sum()", lambda a, b, c: (torch.fft.hfft(a, n=7) * torch.arange(7.0)).sum()),
        ("torch.fft.ihfft(x).abs().sum()", lambda a, b, c: torch.fft.ihfft(c).abs().sum()),
    ]
    grad_values = [grads(e, f) for e, f in grad_cases]

    promo = {}
    for a in ["complex64", "complex128", "float32", "float64", "int64", "bool"]:
        for b in ["complex64", "complex128", "float32", "float64", "int64"]:
            ta = torch.ones(2, dtype=getattr(torch, a))
            tb = torch.ones((), dtype=getattr(torch, b))
            promo[f"{a},{b}0d"] = str((ta + tb).dtype).split(".")[1]
            promo[f"{a},{b}"] = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
        promo[f"{a},1j"] = str((torch.ones(2, dtype=getattr(torch, a)) * 1j).dtype).split(".")[1]

    reprs = {}
    cases = {
        "torch.tensor([1+2j, 3-4j])": torch.tensor([1 + 2j, 3 - 4j]),
        "torch.tensor([[0.5+1j, -2.25j], [1e-5+0j, 3+0j]])": torch.tensor([[0.5 + 1j, -2.25j], [1e-5 + 0j, 3 + 0j]]),
        "torch.tensor(1.5-2j)": torch.tensor(1.5 - 2j),
        "torch.tensor([1+1j], dtype=torch.complex128)": torch.tensor([1 + 1j], dtype=torch.complex128),
        "torch.zeros(2, dtype=torch.cfloat)": torch.zeros(2, dtype=torch.cfloat),
        "torch.tensor([1e10+1j, 1-1e-10j])": torch.tensor([1e10 + 1j, 1 - 1e-10j]),
        "torch.arange(6.).reshape(3, 2) * (1+1j)": torch.arange(6.0).reshape(3, 2) * (1 + 1j),
        "torch.tensor([float('nan')+1j, complex(float('inf'), -1)])": torch.tensor([float("nan") + 1j, complex(float("inf"), -1)]),
    }
    for k, t in cases.items():
        reprs[k] = str(t)

    fft = {}
    torch.manual_seed(1)
    r = torch.randn(4, 6)
    c = torch.complex(torch.randn(4, 6), torch.randn(4, 6))
    fcases = {
        "fft(c)": lambda: torch.fft.fft(c), "fft(c, n=8, dim=0, norm='ortho')": lambda: torch.fft.fft(c, n=8, dim=0, norm="ortho"),
        "ifft(c, n=4)": lambda: torch.fft.ifft(c, n=4), "fft(r)": lambda: torch.fft.fft(r), "ifft(r, norm='forward')": lambda: torch.fft.ifft(r, norm="forward"),
        "rfft(r)": lambda: torch.fft.rfft(r), "rfft(r, n=9)": lambda: torch.fft.rfft(r, n=9), "irfft(c)": lambda: torch.fft.irfft(c),
        "irfft(c, n=7, dim=0)": lambda: torch.fft.irfft(c, n=7, dim=0), "hfft(c)": lambda: torch.fft.hfft(c), "ihfft(r)": lambda: torch.fft.ihfft(r),
        "fft2(c)": lambda: torch.fft.fft2(c), "ifft2(r)": lambda: torch.fft.ifft2(r), "fftn(c, s=(3, 5))": lambda: torch.fft.fftn(c, s=(3, 5)),
        "rfft2(r)": lambda: torch.fft.rfft2(r), "irfft2(c)": lambda: torch.fft.irfft2(c), "rfftn(r, norm='ortho')": lambda: torch.fft.rfftn(r, norm="ortho"),
        "irfftn(c, s=(4, 10))": lambda: torch.fft.irfftn(c, s=(4, 10)), "hfft2(c)": lambda: torch.fft.hfft2(c), "ihfft2(r)": lambda: torch.fft.ihfft2(r),
        "hfftn(c, norm='forward')": lambda: torch.fft.hfftn(c, norm="forward"), "ihfftn(r, norm='ortho')": lambda: torch.fft.ihfftn(r, norm="ortho"),
        "fftfreq(5)": lambda: torch.fft.fftfreq(5), "fftfreq(6, d=0.5)": lambda: torch.fft.fftfreq(6, d=0.5),
        "rfftfreq(7)": lambda: torch.fft.rfftfreq(7), "fftshift(r)": lambda: torch.fft.fftshift(r), "ifftshift(r, dim=1)": lambda: torch.fft.ifftshift(r, dim=1),
    }
    for k, f in fcases.items():
        fft[k] = enc(f())
    json.dump({"inputs": inputs, "values": values, "grads": grad_values, "promotion": promo,
               "reprs": reprs, "fft_inputs": {"r": enc(r), "c": enc(c)}, "fft": fft},
              open(OUT, "w"), indent=0)
    print("wrote", OUT)


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
