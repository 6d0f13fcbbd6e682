#!/usr/bin/env python
"""Record PyTorch's convolutions and transposed convolutions for tests/test_nn_conv.py (the suite never imports torch).

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_conv_reference.py

It writes tests/data/conv_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": [...], "modules": [...], "errors":
  [...], "forwards": [...]}``. A case is ``{"id", "fn" (conv1d/2d/3d, conv_transpose1d/2d/3d),
  "x", "w" (shapes), "bias", "kwargs",
  "mode" (a padding mode applied by ``F.pad`` first, or null), "grad_fn" (the output's)}``; a module is ``{"id",
  "expr", "repr"}`` (``expr`` builds it after ``torch.manual_seed(0)``, with ``nn`` in scope);
  an error is ``{"expr", "type", "message"}`` (``expr`` uses ``F``, ``nn`` and ``torch``); a
  forward is ``{"id", "expr", "x", "output_size", "grad_fn"}``: the seeded module ``expr`` applied to an
  input of shape ``x`` with ``output_size``.
- ``"<id>|x"``, ``"<id>|w"``, ``"<id>|b"``, ``"<id>|gout"``: the inputs (float32, drawn from
  NumPy's seeded generator); ``"<id>|out"``, ``"<id>|gx"``, ``"<id>|gw"``, ``"<id>|gb"``: the
  output and the gradients of ``(out * gout).sum()``.
- ``"<module id>|<parameter name>"``: a seeded module's parameters.
- ``"<forward id>|x"``, ``"<forward id>|out"``: a module forward's input and output.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "conv_reference.npz"

CASES = [
    ("c1_basic", "conv1d", (2, 4, 10), (6, 4, 3), True, {}, None),
    ("c1_stride_pad", "conv1d", (2, 4, 11), (6, 4, 3), True, {"stride": 2, "padding": 1}, None),
    ("c1_dil_groups", "conv1d", (2, 4, 12), (6, 2, 3), False,
     {"dilation": 2, "groups": 2, "padding": "same"}, None),
    ("c1_unbatched", "conv1d", (3, 9), (5, 3, 4), True, {"padding": "valid"}, None),
    ("c1_reflect", "conv1d", (2, 3, 8), (4, 3, 3), True, {}, ("reflect", [2, 1])),
    ("c2_basic", "conv2d", (2, 3, 8, 7), (6, 3, 3, 3), True, {}, None),
    ("c2_mixed", "conv2d", (2, 3, 9, 10), (4, 3, 3, 2), True,
     {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2)}, None),
    ("c2_same_even", "conv2d", (1, 2, 6, 7), (3, 2, 4, 2), True, {"padding": "same"}, None),
    ("c2_same_dil", "conv2d", (1, 2, 7, 7), (3, 2, 3, 4), True,
     {"padding": "same", "dilation": (2, 1)}, None),
    ("c2_groups", "conv2d", (2, 6, 6, 5), (4, 3, 2, 2), True, {"groups": 2, "stride": 2}, None),
    ("c2_depthwise", "conv2d", (2, 4, 7, 6), (8, 1, 3, 3), True,
     {"groups": 4, "padding": 1}, None),
    ("c2_unbatched", "conv2d", (3, 6, 5), (2, 3, 2, 3), True, {"stride": (1, 2)}, None),
    ("c2_replicate", "conv2d", (1, 2, 5, 6), (3, 2, 3, 3), True, {}, ("replicate", [1, 1, 2, 0])),
    ("c2_circular", "conv2d", (2, 2, 5, 4), (3, 2, 3, 3), False, {}, ("circular", [1, 1, 1, 1])),
    ("c2_reflect", "conv2d", (1, 3, 6, 6), (2, 3, 3, 3), True, {"stride": 2},
     ("reflect", [1, 1, 1, 1])),
    ("c3_basic", "conv3d", (2, 2, 5, 6, 5), (4, 2, 2, 3, 2), True, {}, None),
    ("c3_mixed", "conv3d", (1, 4, 6, 5, 6), (4, 2, 3, 2, 2), True,
     {"stride": (1, 2, 1), "padding": 1, "dilation": (2, 1, 1), "groups": 2}, None),
    ("c3_unbatched", "conv3d", (2, 4, 4, 4), (3, 2, 2, 2, 2), False, {"padding": "same"}, None),
    ("t1_basic", "conv_transpose1d", (2, 4, 7), (4, 3, 3), True, {}, None),
    ("t1_full", "conv_transpose1d", (2, 4, 7), (4, 3, 3), False,
     {"stride": 3, "padding": 2, "output_padding": 2, "dilation": 2, "groups": 2}, None),
    ("t1_unbatched", "conv_transpose1d", (3, 6), (3, 2, 4), True, {"stride": 2}, None),
    ("t2_basic", "conv_transpose2d", (2, 3, 5, 4), (3, 4, 3, 3), True, {}, None),
    ("t2_stride_pad", "conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 2), True,
     {"stride": 2, "padding": 1, "output_padding": 1}, None),
    ("t2_mixed", "conv_transpose2d", (2, 4, 5, 6), (4, 3, 3, 2), True,
     {"stride": (2, 1), "padding": (0, 1), "dilation": (1, 2), "groups": 2}, None),
    ("t2_outpad_dil", "conv_transpose2d", (1, 2, 3, 3), (2, 3, 2, 2), True,
     {"dilation": 2, "output_padding": 1}, None),
    ("t2_depthwise", "conv_transpose2d", (2, 4, 4, 5), (4, 1, 3, 3), True,
     {"groups": 4, "stride": 2, "padding": 1}, None),
    ("t2_unbatched", "conv_transpose2d", (2, 4, 3), (2, 3, 2, 3), False,
     {"stride": (2, 3), "output_padding": (1, 2)}, None),
    ("t3_basic", "conv_transpose3d", (2, 2, 3, 4, 3), (2, 3, 2, 2, 2), True, {}, None),
    ("t3_mixed", "conv_transpose3d", (1, 4, 3, 4, 3), (4, 2, 2, 3, 2), True,
     {"stride": (1, 2, 2), "padding": 1, "output_padding": (0, 1, 0), "groups": 2,
      "dilation": (2, 1, 1)}, None),
    ("t3_unbatched", "conv_transpose3d", (2, 3, 3, 3), (2, 2, 2, 2, 2), False,
     {"stride": 2}, None),
    ("c2_pointwise", "conv2d", (3, 8, 5, 6), (6, 8, 1, 1), True, {}, None),
    ("c2_pointwise_groups", "conv2d", (2, 8, 4, 4), (6, 4, 1, 1), False, {"groups": 2}, None),
    ("t2_pointwise", "conv_transpose2d", (2, 6, 4, 5), (6, 5, 1, 1), True, {}, None),
]

MODULES = [
    ("m2", "nn.Conv2d(3, 6, 5)"),
    ("m1", "nn.Conv1d(4, 8, 3, stride=2, padding=1, groups=2)"),
    ("m3", "nn.Conv3d(2, 4, (2, 3, 2), bias=False)"),
    ("m2_full", "nn.Conv2d(3, 6, (5, 3), stride=2, padding=1, dilation=2, groups=3, bias=False, "
                "padding_mode='reflect')"),
    ("m1_same", "nn.Conv1d(3, 6, 5, padding='same')"),
    ("m3_circ", "nn.Conv3d(3, 6, 5, padding=(1, 2, 3), padding_mode='circular')"),
    ("m2_valid", "nn.Conv2d(2, 2, 3, padding='valid', dilation=(1, 2))"),
    ("mt1", "nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)"),
    ("mt2", "nn.ConvTranspose2d(3, 6, 5)"),
    ("mt2_full", "nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0), "
                 "output_padding=(1, 2), groups=2, bias=False, dilation=(2, 1))"),
    ("mt3", "nn.ConvTranspose3d(2, 4, (2, 3, 2), stride=2, bias=False)"),
    ("mt3_dil", "nn.ConvTranspose3d(2, 2, 3, dilation=2, output_padding=1)"),
]

FORWARDS = [
    ("f2_size", "nn.ConvTranspose2d(2, 3, 3, stride=2)", (1, 2, 4, 4), (10, 9)),
    ("f2_size_full", "nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)", (2, 2, 4, 5),
     (2, 3, 8, 10)),
    ("f2_size_unbatched", "nn.ConvTranspose2d(2, 3, 3, stride=3)", (2, 4, 4), (3, 13, 14)),
    ("f1_size", "nn.ConvTranspose1d(2, 3, 4, stride=3, dilation=2)", (1, 2, 5), [20]),
    ("f3_none", "nn.ConvTranspose3d(2, 3, 2, stride=2, output_padding=1)", (1, 2, 2, 3, 2),
     None),
    ("f2_conv", "nn.Conv2d(2, 4, 3, stride=2, padding=1, padding_mode='circular')",
     (2, 2, 7, 6), None),
]

ERRORS = [
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 3, 3, 3))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), groups=2)",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 2, 3, 3), groups=4)",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3))",
    "F.conv2d(torch.zeros(2, 4, 8), torch.zeros(6, 4, 3, 3))",
    "F.conv2d(torch.zeros(2, 2, 4, 8, 8), torch.zeros(6, 4, 3, 3))",
    "F.conv1d(torch.zeros(2, 4), torch.zeros(6, 4, 3))",
    "F.conv3d(torch.zeros(2, 4, 4, 4), torch.zeros(6, 4, 3, 3, 3))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 9, 9))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 5, 3), dilation=(2, 1))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), stride=0)",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), padding=-1)",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), dilation=0)",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), groups=0)",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), padding='same', stride=2)",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), padding='foo')",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), bias=torch.zeros(5))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), stride=(1, 1, 1))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), padding=(1, 1, 1))",
    "F.conv1d(torch.zeros(2, 4, 8), torch.zeros(6, 4, 3), stride=(1, 1))",
    "F.conv2d(torch.zeros(4, 8, 8), torch.zeros(6, 3, 3, 3))",
    "nn.Conv2d(4, 6, 3, groups=4)",
    "nn.Conv2d(4, 6, 3, groups=0)",
    "nn.Conv2d(4, 6, 3, groups=3)",
    "nn.Conv2d(4, 6, 3, padding='foo')",
    "nn.Conv2d(4, 6, 3, padding='same', stride=2)",
    "nn.Conv2d(4, 6, 3, padding_mode='foo')",
    "F.conv2d(torch.zeros(2, 4, 8, 8).double(), torch.zeros(6, 4, 3, 3))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3).double())",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), bias=torch.zeros(6).double())",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), bias=torch.zeros(6).long())",
    "F.conv2d(torch.zeros(2, 3, 8, 8).double(), torch.zeros(6, 4, 3, 3))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), groups=0, stride=(1, 1, 1))",
    "F.conv2d(torch.zeros(2, 4, 8, 8), torch.zeros(6, 4, 3, 3), padding='same', stride=2, "
    "bias=torch.zeros(6).double())",
    "torch.arange(10.).unfold(0, 3, 0)",
    "torch.arange(10.).unfold(0, 3, -1)",
    "torch.arange(10.).unfold(0, 11, 1)",
    "torch.arange(10.).unfold(0, -1, 1)",
    "torch.arange(10.).unfold(1, 2, 1)",
    "torch.tensor(3.).unfold(0, 2, 1)",
    "torch.zeros(2, 3).unfold(-3, 1, 1)",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), stride=2, "
    "output_padding=2)",
    "F.conv_transpose1d(torch.zeros(1, 2, 3), torch.zeros(2, 3, 2), output_padding=1)",
    "F.conv_transpose3d(torch.zeros(1, 2, 3, 3, 3), torch.zeros(2, 3, 2, 2, 2), "
    "stride=(1, 2, 2), output_padding=(1, 0, 0))",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(3, 3, 2, 2))",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), padding=5)",
    "F.conv_transpose1d(torch.zeros(1, 2, 3), torch.zeros(2, 3, 2), padding=5)",
    "F.conv_transpose3d(torch.zeros(1, 2, 3, 3, 3), torch.zeros(2, 3, 2, 2, 2), padding=5)",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), padding='same')",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), stride=0)",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), padding=-1)",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), output_padding=-1)",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), dilation=0)",
    "F.conv_transpose3d(torch.zeros(1, 2, 3, 3, 3), torch.zeros(2, 3, 2, 2, 2), dilation=(1, 0, 1))",
    "F.conv_transpose1d(torch.zeros(1, 2, 3), torch.zeros(2, 3, 2), dilation=0)",
    "nn.ConvTranspose1d(2, 3, 3, padding='valid')(torch.zeros(1, 2, 4))",
    "F.conv_transpose2d(torch.zeros(3, 3), torch.zeros(2, 3, 2, 2))",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), bias=torch.zeros(2))",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), groups=3)",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2), "
    "output_padding=(1, 1, 1))",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2, 2).double())",
    "F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 3, 2))",
    "nn.ConvTranspose2d(2, 3, 3, padding_mode='reflect')",
    "nn.ConvTranspose2d(4, 6, 3, groups=4)",
    "nn.ConvTranspose2d(2, 3, 3, stride=2)(torch.zeros(1, 2, 4, 4), output_size=(20, 20))",
    "nn.ConvTranspose2d(2, 3, 3, stride=2)(torch.zeros(1, 2, 4, 4), output_size=(1, 10, 10))",
    "nn.ConvTranspose2d(2, 3, 3, padding='same')(torch.zeros(1, 2, 4, 4))",
]


def main():
    rng = np.random.default_rng(0)
    arrays, cases, modules, errors = {}, [], [], []
    for cid, fn, xs, ws, has_bias, kwargs, mode in CASES:
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        n_out = ws[1] * kwargs.get("groups", 1) if "transpose" in fn else ws[0]
        b = rng.standard_normal(n_out).astype(np.float32) if has_bias else None
        tx = torch.tensor(x, requires_grad=True)
        tw = torch.tensor(w, requires_grad=True)
        tb = torch.tensor(b, requires_grad=True) if has_bias else None
        inp = F.pad(tx, mode[1], mode=mode[0]) if mode else tx
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 'same' with an even kernel
            out = getattr(F, fn)(inp, tw, tb, **kwargs)
        gout = rng.standard_normal(tuple(out.shape)).astype(np.float32)
        (out * torch.tensor(gout)).sum().backward()
        arrays.update({f"{cid}|x": x, f"{cid}|w": w, f"{cid}|gout": gout,
                       f"{cid}|out": out.detach().numpy(), f"{cid}|gx": tx.grad.numpy(),
                       f"{cid}|gw": tw.grad.numpy()})
        if has_bias:
            arrays[f"{cid}|b"] = b
            arrays[f"{cid}|gb"] = tb.grad.numpy()
        cases.append({"id": cid, "fn": fn, "x": xs, "w": ws, "bias": has_bias,
                      "kwargs": kwargs, "mode": mode, "grad_fn": out.grad_fn.name()})
    for mid, expr in MODULES:
        torch.manual_seed(0)
        m = eval(expr, {"nn": nn})
        for name, p in m.named_parameters():
            arrays[f"{mid}|{name}"] = p.detach().numpy()
        modules.append({"id": mid, "expr": expr, "repr": repr(m)})
    forwards = []
    for fid, expr, xs, size in FORWARDS:
        torch.manual_seed(0)
        m = eval(expr, {"nn": nn})
        x = rng.standard_normal(xs).astype(np.float32)
        out = m(torch.tensor(x), output_size=size) if size is not None else m(torch.tensor(x))
        arrays.update({f"{fid}|x": x, f"{fid}|out": out.detach().numpy()})
        forwards.append({"id": fid, "expr": expr, "x": xs, "output_size": size,
                         "grad_fn": out.grad_fn.name()})
    for expr in ERRORS:
        try:
            eval(expr, {"F": F, "nn": nn, "torch": torch})
        except Exception as e:  # noqa: BLE001 - every class PyTorch raises is recorded
            errors.append({"expr": expr, "type": type(e).__name__, "message": str(e)})
        else:
            raise SystemExit(f"no error from {expr}")
    meta = {"torch": torch.__version__, "cases": cases, "modules": modules, "errors": errors,
            "forwards": forwards}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
