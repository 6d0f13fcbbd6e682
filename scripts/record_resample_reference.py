#!/usr/bin/env python
"""Record PyTorch's resampling and reshaping ops for tests/test_nn_resample*.py (the suites never
import torch): F.interpolate in every mode, F.grid_sample, F.affine_grid, pixel (un)shuffle,
channel shuffle, F.unfold/F.fold, F.pad in every mode, F.pdist, F.pairwise_distance,
F.cosine_similarity; module reprs and outputs; errors and warnings.

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_resample_reference.py

It writes tests/data/resample_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": [...], "modules": [...], "errors": [...],
  "warnings": [...]}``. A case is ``{"id", "fn" (a name in torch.nn.functional), "inputs"
  ([[shape, kind, dtype], ...]: kind "normal", "grid" (uniform in [-1.3, 1.3]), "lattice" (a grid
  with points exactly on -1, 0, 1), "dup" (normal rows, some repeated), "nonfinite" (normal
  with an inf, a NaN and a -inf), "clusters" (rows in close groups of 4), "offset" (normal + 30)), "kwargs", "grad"
  (whether the inputs require grad), "grad_fn" (the output's node name or null)}``. A module is
  ``{"id", "expr", "repr", "input" (a shape), "forward" (whether the output was recorded)}``. An
  error is ``{"expr", "type", "message"}``; a warning ``{"expr", "category", "message"}``
  (``expr`` uses ``F``, ``nn`` and ``torch``).
- ``"<id>|in<k>"`` the inputs, ``"<id>|gout"`` the output's cotangent, ``"<id>|out"`` the
  output and ``"<id>|g<k>"`` the gradient of ``(out * gout).sum()`` for input k (absent when
  PyTorch's is None); ``"<module id>|in"`` / ``"<module id>|out"`` a module's input and output.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "resample_reference.npz"


def _interp_cases():
    out = []
    shapes = {1: (2, 3, 7), 2: (2, 2, 5, 7), 3: (1, 2, 3, 5, 4)}
    sizes = {1: (13,), 2: (9, 3), 3: (5, 2, 7)}
    scales = {1: (1.7,), 2: (0.6, 2.5), 3: (1.5, 0.7, 2.0)}
    for mode in ("nearest", "nearest-exact", "area"):
        for k in (1, 2, 3):
            tag = f"{mode}{k}"
            out += [
                (f"i_{tag}_size", [shapes[k]], {"size": list(sizes[k]), "mode": mode}),
                (f"i_{tag}_scale", [shapes[k]], {"scale_factor": list(scales[k]), "mode": mode}),
                (f"i_{tag}_scalar", [shapes[k]], {"scale_factor": 0.6, "mode": mode}),
                (f"i_{tag}_recompute", [shapes[k]],
                 {"scale_factor": list(scales[k]), "mode": mode, "recompute_scale_factor": True}),
            ]
    out.append(("i_nearest2_double", [(1, 2, 4, 3)], {"scale_factor": 2, "mode": "nearest"}))
    out.append(("i_nearest2_down", [(1, 2, 13, 11)], {"size": [4, 5], "mode": "nearest"}))
    out.append(("i_area2_down", [(1, 2, 13, 11)], {"size": [4, 5], "mode": "area"}))
    out.append(("i_area1_int", [(2, 3, 12)], {"size": 4, "mode": "area"}))
    lin = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
    for mode, k in lin.items():
        for ac in (False, True):
            tag = f"{mode}_{'ac' if ac else 'hp'}"
            out += [
                (f"i_{tag}_size", [shapes[k]], {"size": list(sizes[k]), "mode": mode,
                                                "align_corners": ac}),
                (f"i_{tag}_scale", [shapes[k]], {"scale_factor": list(scales[k]), "mode": mode,
                                                 "align_corners": ac}),
                (f"i_{tag}_scalar_down", [shapes[k]], {"scale_factor": 0.45, "mode": mode,
                                                       "align_corners": ac}),
                (f"i_{tag}_recompute", [shapes[k]],
                 {"scale_factor": 0.45, "mode": mode, "align_corners": ac,
                  "recompute_scale_factor": True}),
                (f"i_{tag}_to1", [shapes[k]], {"size": [1] * k, "mode": mode,
                                               "align_corners": ac}),
            ]
    for mode in ("bilinear", "bicubic"):
        for ac in (False, True):
            tag = f"{mode}_aa_{'ac' if ac else 'hp'}"
            out += [
                (f"i_{tag}_down", [(1, 2, 11, 13)], {"size": [3, 5], "mode": mode,
                                                     "align_corners": ac, "antialias": True}),
                (f"i_{tag}_scale", [(1, 2, 11, 13)],
                 {"scale_factor": [0.3, 0.55], "mode": mode, "align_corners": ac,
                  "antialias": True}),
                (f"i_{tag}_up", [(1, 2, 4, 5)], {"size": [7, 9], "mode": mode,
                                                 "align_corners": ac, "antialias": True}),
                (f"i_{tag}_mixed", [(2, 1, 9, 4)], {"size": [4, 9], "mode": mode,
                                                    "align_corners": ac, "antialias": True}),
            ]
    for mode, k, extra in (("bilinear", 2, {"align_corners": False}), ("bicubic", 2, {}),
                           ("area", 2, {}), ("nearest", 2, {}), ("trilinear", 3, {}),
                           ("bilinear", 2, {"antialias": True})):
        tag = "aa" if extra.get("antialias") else mode
        out.append((f"i_{tag}_nonfinite", [shapes[k]], dict(size=list(sizes[k]), mode=mode,
                                                            **extra)))
    out.append(("i_bilinear_explicit_norecompute", [shapes[2]],
                {"scale_factor": 1.3, "mode": "bilinear", "recompute_scale_factor": False}))
    out.append(("i_nearest_int_scale", [shapes[2]], {"scale_factor": 3, "mode": "nearest"}))
    # a dim longer than 256: resampled by blocks (NOTE [dense resampling] in _resample.py)
    for mode, kw in (("nearest", {}), ("nearest-exact", {}), ("bilinear", {}),
                     ("bicubic", {"align_corners": True}), ("area", {})):
        out.append((f"i_long_{mode}_up", [(1, 1, 2, 300)], dict(size=[3, 700], mode=mode, **kw)))
        out.append((f"i_long_{mode}_down", [(1, 1, 2, 300)], dict(size=[3, 45], mode=mode,
                                                                  **kw)))
    out.append(("i_long_aa_down", [(1, 1, 2, 300)], {"size": [2, 70], "mode": "bicubic",
                                                     "antialias": True}))
    out.append(("i_long_linear_grad", [(1, 1, 260)], {"scale_factor": 2.3, "mode": "linear"}))
    for tag, shape, size in (("down", (1, 2, 11, 13), [4, 5]), ("up", (1, 2, 4, 5), [9, 8]),
                             ("mixed", (2, 1, 9, 4), [4, 9])):
        out.append((f"i_lanczos_{tag}", [shape], {"size": size, "mode": "lanczos",
                                                  "antialias": True}))
    out.append(("i_lanczos_scale", [(1, 1, 12, 10)], {"scale_factor": [0.4, 0.7],
                                                      "mode": "lanczos", "antialias": True}))
    out.append(("i_bilinear_empty_batch", [(0, 2, 4, 3)], {"size": [2, 5], "mode": "bilinear"}))
    out.append(("i_bicubic_same", [(1, 2, 4, 3)], {"scale_factor": 1.0, "mode": "bicubic"}))
    cases = [(cid, "interpolate", [[s, "nonfinite" if "nonfinite" in cid else "normal",
                                     "float32"] for s in shapes_], kw, True)
             for cid, shapes_, kw in out]
    # float64 input: ATen's opmath is double (the index arithmetic too)
    for cid, shape, kw in (
            ("i_f64_nearest", shapes[2], {"scale_factor": 1.7, "mode": "nearest"}),
            ("i_f64_nearest_exact", shapes[1], {"size": 11, "mode": "nearest-exact"}),
            ("i_f64_bilinear", shapes[2], {"size": [9, 3], "mode": "bilinear"}),
            ("i_f64_bicubic_ac", shapes[2], {"scale_factor": 1.3, "mode": "bicubic",
                                             "align_corners": True}),
            ("i_f64_aa", (1, 2, 11, 13), {"size": [3, 5], "mode": "bicubic", "antialias": True}),
            ("i_f64_area", shapes[3], {"size": [2, 3, 2], "mode": "area"}),
            ("i_f64_trilinear", shapes[3], {"scale_factor": 0.7, "mode": "trilinear"})):
        cases.append((cid, "interpolate", [[shape, "normal", "float64"]], kw, True))
    # half and bfloat16: computed in float, rounded once
    for cid, dt, kw in (("i_f16_bilinear", "float16", {"size": [9, 3], "mode": "bilinear"}),
                        ("i_bf16_area", "bfloat16", {"size": [2, 3], "mode": "area"}),
                        ("i_f16_nearest", "float16", {"scale_factor": 1.7, "mode": "nearest"})):
        cases.append((cid, "interpolate", [[shapes[2], "normal", dt]], kw, False))
    return cases


def _grid_cases():
    out = []
    for mode in ("bilinear", "nearest", "bicubic"):
        for pm in ("zeros", "border", "reflection"):
            for ac in (False, True):
                tag = f"{mode}_{pm}_{'ac' if ac else 'hp'}"
                kw = {"mode": mode, "padding_mode": pm, "align_corners": ac}
                out.append((f"g2_{tag}", "grid_sample",
                            [[(2, 3, 5, 6), "normal", "float32"], [(2, 4, 3, 2), "grid", "float32"]],
                            kw, True))
                out.append((f"g2_{tag}_lattice", "grid_sample",
                            [[(1, 2, 4, 3), "normal", "float32"], [(1, 5, 5, 2), "lattice",
                                                                    "float32"]], kw, True))
                if mode != "bicubic":
                    out.append((f"g3_{tag}", "grid_sample",
                                [[(2, 2, 4, 5, 3), "normal", "float32"],
                                 [(2, 3, 2, 4, 3), "grid", "float32"]], kw, True))
    out.append(("g2_f64", "grid_sample", [[(1, 2, 4, 5), "normal", "float64"],
                                          [(1, 3, 3, 2), "grid", "float64"]],
                {"mode": "bicubic", "padding_mode": "reflection", "align_corners": False}, True))
    out.append(("ag2_f64", "affine_grid", [[(2, 2, 3), "normal", "float64"]],
                {"size": [2, 1, 3, 4], "align_corners": False}, True))
    for ac in (False, True):
        tag = "ac" if ac else "hp"
        out.append((f"ag2_{tag}", "affine_grid", [[(2, 2, 3), "normal", "float32"]],
                    {"size": [2, 3, 4, 5], "align_corners": ac}, True))
        out.append((f"ag3_{tag}", "affine_grid", [[(2, 3, 4), "normal", "float32"]],
                    {"size": [2, 3, 4, 5, 3], "align_corners": ac}, True))
    out.append(("ag2_unit", "affine_grid", [[(1, 2, 3), "normal", "float32"]],
                {"size": [1, 1, 1, 4], "align_corners": False}, True))
    return out


def _shuffle_fold_cases():
    n = "normal"
    f32 = "float32"
    return [
        ("ps_4d", "pixel_shuffle", [[(2, 8, 3, 4), n, f32]], {"upscale_factor": 2}, True),
        ("ps_3d", "pixel_shuffle", [[(9, 2, 2), n, f32]], {"upscale_factor": 3}, True),
        ("ps_5d", "pixel_shuffle", [[(2, 3, 4, 2, 3), n, f32]], {"upscale_factor": 2}, True),
        ("pu_4d", "pixel_unshuffle", [[(2, 2, 4, 6), n, f32]], {"downscale_factor": 2}, True),
        ("pu_3d", "pixel_unshuffle", [[(1, 6, 9), n, f32]], {"downscale_factor": 3}, True),
        ("pu_5d", "pixel_unshuffle", [[(2, 2, 3, 4, 2), n, f32]], {"downscale_factor": 2}, True),
        ("cs_4d", "channel_shuffle", [[(2, 6, 3, 2), n, f32]], {"groups": 3}, True),
        ("cs_3d", "channel_shuffle", [[(2, 8, 3), n, f32]], {"groups": 2}, True),
        ("cs_5d", "channel_shuffle", [[(1, 6, 2, 2, 2), n, f32]], {"groups": 2}, True),
        ("ncs_4d", "native_channel_shuffle", [[(2, 6, 3, 2), n, f32]], {"groups": 2}, False),
        ("unf_basic", "unfold", [[(2, 3, 5, 6), n, f32]], {"kernel_size": 2}, True),
        ("unf_all", "unfold", [[(2, 3, 6, 7), n, f32]],
         {"kernel_size": [2, 3], "dilation": [1, 2], "padding": [1, 0], "stride": [2, 1]}, True),
        ("unf_3d", "unfold", [[(3, 6, 7), n, f32]], {"kernel_size": 3, "padding": 1}, True),
        ("unf_big_stride", "unfold", [[(1, 2, 7, 7), n, f32]],
         {"kernel_size": 2, "stride": 3, "padding": 2, "dilation": 2}, True),
        ("fold_basic", "fold", [[(2, 12, 15), n, f32]],
         {"output_size": [5, 6], "kernel_size": 2, "stride": [2, 1], "padding": [1, 0]}, True),
        ("fold_all", "fold", [[(2, 12, 12), n, f32]],
         {"output_size": [5, 6], "kernel_size": [3, 2], "dilation": [1, 2], "stride": [2, 1],
          "padding": [1, 0]}, True),
        ("fold_2d", "fold", [[(8, 4), n, f32]], {"output_size": [3, 3], "kernel_size": 2}, True),
        ("fold_gap", "fold", [[(1, 4, 4), n, f32]],
         {"output_size": [5, 5], "kernel_size": 2, "stride": 3}, True),
    ]


def _pad_cases():
    out = []
    f32 = "float32"
    shapes = {1: [(2, 5), (2, 3, 6)], 2: [(3, 4, 5), (1, 2, 4, 5)], 3: [(2, 3, 4, 5), (1, 2, 3, 4, 5)]}
    pads = {
        "constant": {1: [(2, 1), (-1, 3), (-2, -2)], 2: [(2, 1, 0, 3), (-1, 2, 1, -2)],
                     3: [(1, 1, 2, 0, 1, 2), (0, -1, 1, 1, -1, 0)]},
        "reflect": {1: [(2, 1), (-1, 3), (4, 4)], 2: [(2, 1, 0, 3), (-1, 2, 1, -2), (4, 4, 3, 3)],
                    3: [(1, 1, 2, 0, 1, 2), (0, -1, 1, 1, -1, 0)]},
        "replicate": {1: [(2, 1), (-1, 3), (7, 0)], 2: [(2, 1, 0, 3), (-1, 2, 1, -2), (6, 6, 5, 5)],
                      3: [(1, 1, 2, 0, 1, 2), (0, -1, 1, 1, -1, 0)]},
        "circular": {1: [(2, 1), (-1, 3), (5, 5), (-2, -1)], 2: [(2, 1, 0, 3), (-1, 2, 1, -2),
                                                               (5, 5, 4, 4), (-2, 5, 0, -4)],
                     3: [(1, 1, 2, 0, 1, 2), (0, -1, 1, 1, -1, 0), (5, 5, 4, 4, 3, 3)]},
    }
    for mode, by_k in pads.items():
        for k, plist in by_k.items():
            for si, shape in enumerate(shapes[k]):
                for pi, pd in enumerate(plist):
                    if mode == "circular" and pd == (5, 5) and shape[-1] < 5:
                        continue
                    out.append((f"pad_{mode}{k}_{si}{pi}", "pad", [[shape, "normal", f32]],
                                {"pad": list(pd), "mode": mode}, True))
    out.append(("pad_constant_value", "pad", [[(2, 3, 4), "normal", f32]],
                {"pad": [1, 2, 0, 1, 1, 0], "mode": "constant", "value": 2.5}, True))
    out.append(("pad_constant_long_float_value", "pad", [[(2, 3, 4), "normal", "int64"]],
                {"pad": [1, 1], "value": 1.5}, False))
    out.append(("pad_replicate_f64", "pad", [[(2, 3, 4), "normal", "float64"]],
                {"pad": [2, 1, 1, 3], "mode": "replicate"}, True))
    for mode, pd in (("reflect", [-7, 1, 0, 0]), ("replicate", [-6, 1, 1, 0]),
                     ("reflect", [-5, 2, 1, 1]), ("replicate", [1, -7, 0, 2])):
        out.append((f"pad_{mode}_overcrop_{len(out)}", "pad", [[(1, 2, 5, 6), "normal", f32]],
                    {"pad": pd, "mode": mode}, True))
    out.append(("pad_constant_crop_all", "pad", [[(2, 3, 4), "normal", f32]],
                {"pad": [-1, -1, 0, -1]}, True))
    out.append(("pad_reflect_long", "pad", [[(2, 3, 4), "normal", "int64"]],
                {"pad": [2, 1], "mode": "reflect"}, False))
    out.append(("pad_circular_bool", "pad", [[(2, 3, 4), "normal", "bool"]],
                {"pad": [2, 1, 1, 0], "mode": "circular"}, False))
    return out


def _distance_cases():
    n, f32 = "normal", "float32"
    out = []
    for p in (2, 1, 0.5, 3, 0, float("inf")):
        out.append((f"pdist_p{p}", "pdist", [[(5, 4), "dup" if p == 2 else n, f32]], {"p": p},
                    True))
    out += [
        ("pdist_one", "pdist", [[(1, 3), n, f32]], {}, True),
        ("pdist_clusters", "pdist", [[(12, 6), "clusters", f32]], {}, True),
        ("pdist_offset", "pdist", [[(7, 3), "offset", f32]], {}, True),
        ("pwd_basic", "pairwise_distance", [[(4, 5), n, f32], [(4, 5), n, f32]], {}, True),
        ("pwd_bcast", "pairwise_distance", [[(3, 1, 5), n, f32], [(4, 5), n, f32]],
         {"p": 1.0, "eps": 0.1, "keepdim": True}, True),
        ("pwd_1d", "pairwise_distance", [[(5,), n, f32], [(5,), n, f32]], {"p": 3.0}, True),
        ("pwd_inf", "pairwise_distance", [[(4, 5), n, f32], [(4, 5), n, f32]],
         {"p": float("inf")}, True),
        ("cos_basic", "cosine_similarity", [[(4, 5), n, f32], [(4, 5), n, f32]], {}, True),
        ("cos_dim", "cosine_similarity", [[(3, 4, 5), n, f32], [(4, 1), n, f32]],
         {"dim": -1, "eps": 0.5}, True),
        ("cos_1d", "cosine_similarity", [[(6,), n, f32], [(6,), n, f32]], {"dim": 0}, True),
    ]
    return out


CASES = _interp_cases() + _grid_cases() + _shuffle_fold_cases() + _pad_cases() + _distance_cases()

MODULES = [
    ("up_scale", "nn.Upsample(scale_factor=2)", (1, 2, 3, 4)),
    ("up_size_bilinear", "nn.Upsample(size=(5, 6), mode='bilinear', align_corners=True)",
     (1, 2, 3, 4)),
    ("up_tuple", "nn.Upsample(scale_factor=(2, 1.5), mode='bicubic')", (1, 1, 3, 4)),
    ("up_size_int", "nn.Upsample(size=7, mode='linear')", (2, 2, 4)),
    ("up_trilinear", "nn.Upsample(scale_factor=1.5, mode='trilinear', "
                     "recompute_scale_factor=True)", (1, 1, 2, 3, 4)),
    ("up_nearest2d", "nn.UpsamplingNearest2d(scale_factor=2)", (1, 2, 3, 3)),
    ("up_bilinear2d", "nn.UpsamplingBilinear2d(size=(4, 7))", (1, 2, 3, 3)),
    ("ps", "nn.PixelShuffle(2)", (1, 8, 2, 3)),
    ("pu", "nn.PixelUnshuffle(3)", (1, 1, 6, 3)),
    ("cs", "nn.ChannelShuffle(2)", (1, 4, 2, 2)),
    ("fold", "nn.Fold((4, 5), 2)", (1, 8, 12)),
    ("fold_all", "nn.Fold(output_size=(5, 4), kernel_size=(2, 3), dilation=1, padding=(1, 0), "
                 "stride=(2, 1))", (2, 6, 6)),
    ("unfold", "nn.Unfold(2, dilation=2, padding=1, stride=2)", (1, 2, 5, 5)),
    ("zp1", "nn.ZeroPad1d((1, 2))", (2, 3)),
    ("zp2", "nn.ZeroPad2d(2)", (1, 2, 3)),
    ("zp3", "nn.ZeroPad3d((1, 0, 2, 1, 0, 1))", (1, 2, 2, 2)),
    ("cp1", "nn.ConstantPad1d(2, 3.5)", (2, 3)),
    ("cp2", "nn.ConstantPad2d((1, 0, -1, 2), -1.0)", (1, 3, 3)),
    ("cp3", "nn.ConstantPad3d(1, 0.25)", (1, 2, 2, 2)),
    ("rfp1", "nn.ReflectionPad1d(2)", (2, 4)),
    ("rfp2", "nn.ReflectionPad2d((1, 2, 0, 1))", (1, 2, 3, 4)),
    ("rfp3", "nn.ReflectionPad3d(1)", (1, 2, 2, 3)),
    ("rpp1", "nn.ReplicationPad1d((3, 1))", (2, 4)),
    ("rpp2", "nn.ReplicationPad2d(2)", (1, 2, 3, 4)),
    ("rpp3", "nn.ReplicationPad3d((1, 1, 0, 2, 1, 0))", (1, 2, 2, 3)),
    ("crp1", "nn.CircularPad1d(2)", (2, 4)),
    ("crp2", "nn.CircularPad2d((1, 2, 3, 0))", (1, 2, 3, 4)),
    ("crp3", "nn.CircularPad3d(1)", (1, 2, 2, 3)),
    ("cos", "nn.CosineSimilarity()", None),
    ("cos_dim", "nn.CosineSimilarity(dim=0, eps=1e-3)", None),
    ("pwd", "nn.PairwiseDistance()", None),
    ("pwd_all", "nn.PairwiseDistance(p=1, eps=0.1, keepdim=True)", None),
]

ERRORS = [
    # interpolate
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(0, 3))",
    "F.interpolate(torch.zeros(1, 2, 5), size=0)",
    "F.interpolate(torch.zeros(1, 2, 3, 4, 5), size=(0, 3, 3))",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(0, 3), mode='bicubic')",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(2, 0), mode='bilinear', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 0, 3), size=(2, 3))",
    "F.interpolate(torch.zeros(1, 0, 4, 3), size=(2, 3), mode='bilinear')",
    "F.interpolate(torch.zeros(1, 0, 4), size=2)",
    "F.interpolate(torch.zeros(1, 2, 5, 6).long(), size=(2, 3))",
    "F.interpolate(torch.zeros(1, 2, 5).long(), size=2)",
    "F.interpolate(torch.zeros(1, 2, 5).long(), size=2, mode='linear')",
    "F.interpolate(torch.zeros(1, 2, 5, 6).long(), size=(2, 3), mode='bilinear')",
    "F.interpolate(torch.zeros(1, 2, 5, 6).int(), size=(2, 3), mode='bicubic')",
    "F.interpolate(torch.zeros(1, 2, 3, 4, 5).long(), size=2, mode='trilinear')",
    "F.interpolate(torch.zeros(1, 2, 5, 6).long(), size=2, mode='bilinear', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 5, 6).long(), size=(2, 3), mode='area')",
    "F.interpolate(torch.zeros(1, 2, 3, 4, 5).long(), size=2, mode='area')",
    "F.interpolate(torch.zeros(1, 2, 5, 6).bool(), size=(2, 3))",
    "F.interpolate(torch.zeros(1, 2, 5).byte(), size=3, mode='linear')",
    "F.interpolate(torch.zeros(1, 2, 3, 4, 5).byte(), size=3, mode='trilinear')",
    "F.interpolate(torch.zeros(1, 2, 5, 6).byte(), size=3, mode='area')",
    "F.interpolate(torch.zeros(1, 2, 5, 6).half(), size=(2, 3), mode='bilinear', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 5, 6).bfloat16(), size=2, mode='bicubic', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(2, 3), mode='nearest', align_corners=True)",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(2, 3), mode='area', align_corners=False)",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(2, 3), scale_factor=2)",
    "F.interpolate(torch.zeros(1, 2, 5, 6))",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(2, 3, 4))",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(2.5, 3))",
    "F.interpolate(torch.zeros(1, 2, 5, 6), scale_factor=(2, 3, 4))",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=3, recompute_scale_factor=True)",
    "F.interpolate(torch.zeros(1, 2, 5), size=3, mode='linear', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=3, mode='lanczos')",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=3, mode='lanczos', antialias=True, "
    "align_corners=True)",
    "F.interpolate(torch.zeros(1, 2, 5, 6).half(), size=3, mode='lanczos', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 5), size=3, mode='lanczos', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 5), size=3, mode='lanczos')",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=3, mode='nearest', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 3, 4, 5), size=3, mode='trilinear', antialias=True)",
    "F.interpolate(torch.zeros(1, 2, 5), size=3, mode='bilinear')",
    "F.interpolate(torch.zeros(1, 2, 5), size=3, mode='trilinear')",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=3, mode='linear')",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=3, mode='trilinear')",
    "F.interpolate(torch.zeros(1, 2, 3, 4, 5), size=3, mode='linear')",
    "F.interpolate(torch.zeros(1, 2, 3, 4, 5), size=3, mode='bilinear')",
    "F.interpolate(torch.zeros(1, 2, 3, 4, 5), size=3, mode='bicubic')",
    "F.interpolate(torch.zeros(1, 2, 5), size=3, mode='bicubic')",
    "F.interpolate(torch.zeros(5, 6), size=3)",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=3, mode='foo')",
    "F.interpolate(torch.zeros(1, 2, 5, 6), scale_factor=0.1)",
    "F.interpolate(torch.zeros(1, 2, 5, 6), scale_factor=-1)",
    "F.interpolate(torch.zeros(1, 2, 5, 6), scale_factor=1e-9, mode='bilinear', "
    "recompute_scale_factor=True)",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(-1, 3))",
    "F.interpolate(torch.zeros(1, 2, 5, 6), size=(-1, 3), mode='area')",
    "F.interpolate(torch.zeros(1, 2, 5), size=-2, mode='area')",
    "F.interpolate(torch.zeros(1, 2, 0, 4), size=2, mode='area')",
    "F.interpolate(torch.zeros(1, 2, 0), size=2, mode='area')",
    # grid_sample / affine_grid
    "F.grid_sample(torch.zeros(1, 2, 5, 6), torch.zeros(1, 3, 3, 2), mode='foo', "
    "align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 5, 6), torch.zeros(1, 3, 3, 2), padding_mode='foo', "
    "align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 5, 6), torch.zeros(2, 3, 3, 2), align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 5, 6), torch.zeros(1, 3, 3, 3), align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 5, 6), torch.zeros(1, 3, 3, 3, 3), align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 5), torch.zeros(1, 3, 2), align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 5), torch.zeros(1, 3, 1), align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 3, 4, 5), torch.zeros(1, 3, 3, 3, 3), mode='bicubic', "
    "align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 5, 6), torch.zeros(1, 3, 3, 2).double(), "
    "align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 5, 6).long(), torch.zeros(1, 3, 3, 2).long(), "
    "align_corners=False)",
    "F.grid_sample(torch.zeros(1, 2, 0, 3), torch.zeros(1, 3, 3, 2), align_corners=False)",
    "F.affine_grid(torch.zeros(1, 2, 3).long(), (1, 2, 4, 5), align_corners=False)",
    "F.affine_grid(torch.zeros(1, 3, 3), (1, 2, 4, 5), align_corners=False)",
    "F.affine_grid(torch.zeros(1, 2, 3), (1, 2, 4, 5, 3), align_corners=False)",
    "F.affine_grid(torch.zeros(1, 2, 3), (1, 2, 4), align_corners=False)",
    "F.affine_grid(torch.zeros(1, 2, 3), (1, 2, 0, 5), align_corners=False)",
    "F.affine_grid(torch.zeros(1, 2, 3), [1, 2, 4], align_corners=False)",
    "F.affine_grid(torch.zeros(1, 3, 3), [1, 2, 4, 5], align_corners=False)",
    "F.affine_grid(torch.zeros(2, 2, 3), (1, 2, 4, 5), align_corners=False)",
    # pixel shuffle, channel shuffle
    "F.pixel_shuffle(torch.zeros(1, 7, 3, 3), 2)",
    "F.pixel_shuffle(torch.zeros(7, 3), 2)",
    "F.pixel_shuffle(torch.zeros(1, 8, 3, 3), 0)",
    "F.pixel_shuffle(torch.zeros(1, 8, 3, 3), -2)",
    "F.pixel_unshuffle(torch.zeros(1, 2, 5, 4), 2)",
    "F.pixel_unshuffle(torch.zeros(1, 2, 4, 5), 2)",
    "F.pixel_unshuffle(torch.zeros(4, 5), 2)",
    "F.pixel_unshuffle(torch.zeros(1, 2, 4, 4), 0)",
    "F.channel_shuffle(torch.zeros(1, 6, 3, 3), 4)",
    "F.channel_shuffle(torch.zeros(1, 6, 3, 3), 0)",
    "F.channel_shuffle(torch.zeros(1, 6, 3, 3), -2)",
    "F.channel_shuffle(torch.zeros(6), 2)",
    "F.channel_shuffle(torch.zeros(2, 6), 2)",
    "F.native_channel_shuffle(torch.zeros(1, 6, 3, 3), 4)",
    # unfold / fold
    "F.unfold(torch.zeros(1, 2, 5, 6), 7)",
    "F.unfold(torch.zeros(1, 2, 5, 6), 0)",
    "F.unfold(torch.zeros(1, 2, 5, 6), 2, stride=0)",
    "F.unfold(torch.zeros(1, 2, 5, 6), 2, dilation=0)",
    "F.unfold(torch.zeros(1, 2, 5, 6), 2, padding=-1)",
    "F.unfold(torch.zeros(5, 6), 2)",
    "F.unfold(torch.zeros(1, 2, 3, 5, 6), 2)",
    "F.unfold(torch.zeros(1, 0, 5, 6), 2)",
    "F.unfold(torch.zeros(1, 2, 5, 6), (2, 2, 2))",
    "F.unfold(torch.zeros(1, 2, 5, 6).long(), 2)",
    "F.fold(torch.zeros(1, 8, 5), (3, 3), 2)",
    "F.fold(torch.zeros(1, 7, 4), (3, 3), 2)",
    "F.fold(torch.zeros(1, 8, 4), (3, 3), 0)",
    "F.fold(torch.zeros(1, 8, 4), (3, 3), 2, stride=0)",
    "F.fold(torch.zeros(1, 8, 4), (3, 3), 2, padding=-1)",
    "F.fold(torch.zeros(1, 8, 4), (3, 3), 2, dilation=0)",
    "F.fold(torch.zeros(1, 1, 8, 4), (3, 3), 2)",
    "F.fold(torch.zeros(1, 8, 4), (1, 1), 2)",
    "F.fold(torch.zeros(1, 8, 0), (1, 1), 2)",
    "F.fold(torch.zeros(1, 8, 4), (3, 3, 3), 2)",
    "F.fold(torch.zeros(1, 8, 4).long(), (3, 3), 2)",
    # pdist and distances
    "F.pdist(torch.zeros(3))",
    "F.pdist(torch.zeros(2, 3, 4))",
    "F.pdist(torch.zeros(3, 4), p=-1)",
    "F.pdist(torch.zeros(3, 4).long())",
    "F.pdist(torch.zeros(3, 4).half())",
    "F.pairwise_distance(torch.zeros(3, 4), torch.zeros(2, 4))",
    "F.cosine_similarity(torch.zeros(3, 4), torch.zeros(2, 4))",
    "F.cosine_similarity(torch.zeros(3, 4), torch.zeros(3, 4), dim=2)",
    # padding
    "nn.CircularPad2d(1)(torch.zeros(2, 3))",
    "nn.CircularPad1d(1)(torch.zeros(2, 3, 4, 5))",
    "nn.CircularPad3d(1)(torch.zeros(2, 3, 4))",
    "nn.ReflectionPad2d(1)(torch.zeros(2, 3))",
    "nn.ZeroPad2d(1)(torch.zeros(3))",
    "nn.ReplicationPad3d(1)(torch.zeros(2, 3, 4))",
    "F.pad(torch.zeros(1, 2, 5, 6), [7, 6, 0, 0], mode='circular')",
    "F.pad(torch.zeros(1, 2, 5, 6), [6, 7, 0, 0], mode='circular')",
    "F.pad(torch.zeros(1, 2, 5, 6), [0, 0, 6, 0], mode='circular')",
    "F.pad(torch.zeros(1, 2, 5, 6), [-7, 6, 0, 0], mode='circular')",
    "F.pad(torch.zeros(1, 2, 5, 6), [-3, -4, 0, 0], mode='circular')",
    "F.pad(torch.zeros(1, 2, 5, 6), [6, 5, 4, 4], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 5, 6), [1, 1, 5, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 3, 4, 5), [1, 1, 1, 1, 3, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 3, 4, 5), [1, 1, 4, 1, 1, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 3, 4, 5), [1, 1, -9, 1, 1, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 3, 4, 5), [1, 1, -9, 1, 1, 1], mode='replicate')",
    "F.pad(torch.zeros(1, 2, 5, 6), [1, 1, -9, 1], mode='replicate')",
    "F.pad(torch.zeros(1, 2, 5, 6), [1, 1, -9, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 5), [-9, 1], mode='replicate')",
    "F.pad(torch.zeros(1, 2, 5), [-9, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 5), [-3, -2], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 5, 6), [1, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 5, 6), [1, 1, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 5, 6), [1] * 10)",
    "F.pad(torch.zeros(1, 2, 5, 6), [1, 1], mode='foo')",
    "F.pad(torch.zeros(1, 2, 5, 6), [1, 1, 1, 1], mode='reflect', value=1)",
    "F.pad(torch.zeros(1, 2, 5, 6), [1, 1, 1, 1], mode='circular', value=1)",
    "F.pad(torch.zeros(1, 2, 5, 6), [-3, -4])",
    "F.pad(torch.zeros(1, 2, 5, 6), [-7, 1])",
    "F.pad(torch.zeros(1, 2, 5, 6), [0, 0, -5, -1])",
    "F.pad(torch.zeros(5, 6), [1, 1, 1, 1], mode='reflect')",
    "F.pad(torch.zeros(6), [1, 1], mode='replicate')",
    "F.pad(torch.zeros(6), [1, 1], mode='circular')",
    "F.pad(torch.tensor(1.0), [1, 1])",
    "F.pad(torch.zeros(2, 0, 4), [1, 1], mode='reflect')",
    "F.pad(torch.zeros(2, 3, 0), [1, 1], mode='replicate')",
    "F.pad(torch.zeros(2, 0, 4, 5), [1, 1, 1, 1], mode='replicate')",
    "F.pad(torch.zeros(2, 3, 4, 0, 5), [1, 1, 1, 1, 1, 1], mode='reflect')",
    "F.pad(torch.zeros(2, 3, 0), [1, 1], mode='circular')",
    "F.pad(torch.zeros(1, 2, 5, 6).bool(), [1, 1, 1, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 5, 6).bool(), [1, 1, 1, 1], mode='replicate')",
    "F.pad(torch.zeros(1, 2, 1), [1, 1], mode='reflect')",
    "F.pad(torch.zeros(1, 2, 1), [2, 0], mode='circular')",
    "F.pad(torch.zeros(1, 2, 5, 6), [1.5, 1])",
]

WARNINGS = [
    "F.grid_sample(torch.zeros(1, 2, 5, 6), torch.zeros(1, 3, 3, 2))",
    "F.affine_grid(torch.zeros(1, 2, 3), (1, 2, 4, 5))",
    "F.affine_grid(torch.zeros(1, 2, 3), (1, 2, 1, 5), align_corners=True)",
    "F.upsample(torch.zeros(1, 2, 3, 3), scale_factor=2)",
    "F.upsample_nearest(torch.zeros(1, 2, 3, 3), scale_factor=2)",
    "F.upsample_bilinear(torch.zeros(1, 2, 3, 3), scale_factor=2)",
]


def _draw(rng, shape, kind, dtype):
    if kind == "grid":
        a = rng.uniform(-1.3, 1.3, shape)
    elif kind == "lattice":
        a = rng.choice([-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.25], size=shape)
    elif kind == "nonfinite":
        a = rng.standard_normal(shape)
        flat = a.reshape(-1)
        flat[5], flat[17], flat[-3] = np.inf, np.nan, -np.inf
    elif kind == "clusters":  # rows close to one another in groups of 4
        a = np.repeat(rng.standard_normal((shape[0] // 4, shape[1])), 4, 0)
        a = a + 1e-3 * rng.standard_normal(shape)
    elif kind == "offset":  # far from the origin: |a|^2 + |b|^2 dwarfs the distances
        a = rng.standard_normal(shape) + 30
    elif kind == "dup":
        a = rng.standard_normal(shape)
        a[3] = a[1]
    else:
        a = rng.standard_normal(shape)
    if dtype == "int64":
        return (a * 5).astype(np.int64)
    if dtype == "bool":
        return a > 0
    if dtype in ("float16", "bfloat16"):  # (NumPy has no bfloat16: stored as float32)
        return a.astype(np.float16).astype(np.float32)
    return a.astype(np.float64 if dtype == "float64" else np.float32)


def _kwargs(kw):
    return {k: tuple(v) if isinstance(v, list) and k != "pad" else v for k, v in kw.items()}


def main():
    rng = np.random.default_rng(0)
    arrays, cases, modules, errors, warns = {}, [], [], [], []
    for cid, fn, inputs, kwargs, grad in CASES:
        xs = [_draw(rng, s, kind, dt) for s, kind, dt in inputs]
        ts = [torch.tensor(x, requires_grad=grad).to(getattr(torch, dt)) if dt.startswith(
            ("float16", "bfloat16")) else torch.tensor(x, requires_grad=grad)
              for x, (_, _, dt) in zip(xs, inputs)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(F, fn)(*ts, **_kwargs(kwargs))
        for i, x in enumerate(xs):
            arrays[f"{cid}|in{i}"] = x
        arrays[f"{cid}|out"] = out.detach().float().numpy() if out.dtype in (
            torch.float16, torch.bfloat16) else out.detach().numpy()
        if grad:
            gout = rng.standard_normal(tuple(out.shape)).astype(xs[0].dtype)
            arrays[f"{cid}|gout"] = gout
            (out * torch.tensor(gout)).sum().backward()
            for i, t in enumerate(ts):
                if t.grad is not None:
                    arrays[f"{cid}|g{i}"] = t.grad.numpy()
        cases.append({"id": cid, "fn": fn, "inputs": inputs, "kwargs": kwargs, "grad": grad,
                      "grad_fn": out.grad_fn.name() if out.grad_fn is not None else None})
    for mid, expr, shape in MODULES:
        m = eval(expr, {"nn": nn})
        mid = "m_" + mid  # apart from the cases' keys
        entry = {"id": mid, "expr": expr, "repr": repr(m), "input": shape,
                 "forward": shape is not None}
        if shape is not None:
            x = rng.standard_normal(shape).astype(np.float32)
            arrays[f"{mid}|in"] = x
            arrays[f"{mid}|out"] = m(torch.tensor(x)).numpy()
        modules.append(entry)
    for expr in ERRORS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(expr, {"F": F, "nn": nn, "torch": torch})
        except Exception as e:  # noqa: BLE001 - every class PyTorch raises is recorded
            errors.append({"expr": expr, "type": type(e).__name__, "message": str(e)})
        else:
            raise SystemExit(f"no error from {expr}")
    for expr in WARNINGS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            eval(expr, {"F": F, "nn": nn, "torch": torch})
        if len(caught) != 1:
            raise SystemExit(f"expected one warning from {expr}, got {len(caught)}")
        warns.append({"expr": expr, "category": caught[0].category.__name__,
                      "message": str(caught[0].message)})
    meta = {"torch": torch.__version__, "cases": cases, "modules": modules, "errors": errors,
            "warnings": warns}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases, {len(errors)} errors)")


if __name__ == "__main__":
    main()
