"""Resampling and reshaping (F.interpolate, F.grid_sample, F.affine_grid, pixel/channel shuffle,
F.unfold/F.fold, F.pad, F.pdist, F.pairwise_distance, F.cosine_similarity and their modules)
against PyTorch's answers recorded by scripts/record_resample_reference.py into
tests/data/resample_reference.npz; float64 gradcheck of every recorded combination; the GPU
against the CPU."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.functional as F
from gpu_util import close
from rtensor.autograd import gradcheck

REF = np.load(Path(__file__).parent / "data" / "resample_reference.npz")
META = json.loads(str(REF["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
RTOL, ATOL = 1e-5, 1e-5

# PyTorch prints the node of an in-place slice copy with its C++ namespace; rtensor's node is
# the same node under its short name.
_NODE = {"torch::autograd::CopySlices": "CopySlices"}


def _kwargs(case):
    return {k: tuple(v) if isinstance(v, list) and k != "pad" else v
            for k, v in case["kwargs"].items()}


def _inputs(case, device="cpu", dtype=None, grad=None):
    grad = case["grad"] if grad is None else grad
    out = []
    for i, (_, _, dt) in enumerate(case["inputs"]):
        a = REF[f"{case['id']}|in{i}"]
        t = torch.tensor(a, device=device)
        if dt in ("float16", "bfloat16"):  # stored as float32 (NumPy has no bfloat16)
            t = t.to(getattr(torch, dt))
        if dtype is not None and dt == "float32":
            t = t.to(dtype)
        if grad and t.dtype.is_floating_point:
            t.requires_grad_()
        out.append(t)
    return out


def _run(case, device="cpu"):
    xs = _inputs(case, device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(F, case["fn"])(*xs, **_kwargs(case))
    if case["grad"]:
        (out * torch.tensor(REF[f"{case['id']}|gout"], device=device)).sum().backward()
    return out, xs


@pytest.mark.parametrize("cid", list(CASES))
def test_matches_pytorch(cid):
    case = CASES[cid]
    out, xs = _run(case)
    want = case["grad_fn"]
    assert (out.grad_fn.name() if out.grad_fn is not None else None) == _NODE.get(want, want)
    ref = REF[f"{cid}|out"]
    low = case["inputs"][0][2] in ("float16", "bfloat16")
    assert out.dtype == (getattr(torch, case["inputs"][0][2]) if low else torch.tensor(ref).dtype)
    got = out.detach().float().numpy() if low else out.detach().numpy()
    # half/bfloat16: one unit in the last place (a float sum rounded the other way)
    tol = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}.get(case["inputs"][0][2], RTOL)
    np.testing.assert_allclose(got, ref, rtol=tol, atol=max(tol, ATOL), equal_nan=True)
    if not case["grad"]:
        return
    for i, x in enumerate(xs):
        key = f"{cid}|g{i}"
        if key in REF:
            got = x.grad.numpy()
            # a grid's gradient sums terms of the input's size that cancel: absolute tolerance
            # on the scale of the largest entry
            scale = max(1.0, float(np.abs(REF[key]).max(initial=0.0)))
            np.testing.assert_allclose(got, REF[key], rtol=RTOL, atol=ATOL * scale)
        else:
            assert x.grad is None


def _gradcheck_inputs(case):
    xs = _inputs(case, dtype=torch.float64, grad=False)
    grad_mask = [x.dtype == torch.float64 for x in xs]
    if case["fn"] == "grid_sample" and (case["kwargs"]["mode"] == "nearest"
                                        or case["inputs"][1][1] == "lattice"):
        # the sample points are where the output is not differentiable in the grid
        # (nearest everywhere, the lattice on pixel edges): check the input's gradient only
        grad_mask[1] = False
    if case["fn"] == "pdist" and case["kwargs"].get("p") in (0, 0.5, 2):
        # repeated rows: the distance is not differentiable at zero
        xs[0] = xs[0] + torch.arange(xs[0].numel(), dtype=torch.float64).reshape(xs[0].shape)
    return [x.requires_grad_() if m else x for x, m in zip(xs, grad_mask)], grad_mask


# Not checked: an empty input (no derivative), non-finite input, and cos_dim, whose eps=0.5
# clamps norms; PyTorch clamps them under no_grad, so its gradient (recorded, and matched by
# test_matches_pytorch) is not the derivative there.
# (of the long-dim cases, whose gradient is compared with PyTorch's, i_long_linear_grad)
GRADCHECK = ["i_long_linear_grad"] + [cid for cid, c in CASES.items()
             if c["grad"] and cid != "cos_dim" and not cid.startswith("i_long_")
             and all(np.prod(s) > 0 and kind != "nonfinite"
                                                       for s, kind, _ in c["inputs"])]


@pytest.mark.parametrize("cid", GRADCHECK)
def test_gradcheck_float64(cid):
    case = CASES[cid]
    xs, mask = _gradcheck_inputs(case)
    kw = _kwargs(case)
    fn = getattr(F, case["fn"])

    def f(*diff):
        it = iter(diff)
        args = [next(it) if m else x for x, m in zip(xs, mask)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kw)

    assert gradcheck(f, [x for x, m in zip(xs, mask) if m])


GPU_CASES = [cid for cid, c in CASES.items()  # (the GPU holds no float64/float16/bfloat16)
             if all(dt not in ("float64", "float16", "bfloat16") for _, _, dt in c["inputs"])]


@pytest.mark.parametrize("cid", GPU_CASES)
def test_gpu_matches_cpu(gpu, cid):
    case = CASES[cid]
    c_out, c_in = _run(case)
    g_out, g_in = _run(case, gpu)
    close(g_out.detach(), c_out.detach(), rtol=1e-4, atol=1e-4)
    assert (g_out.grad_fn is None) == (c_out.grad_fn is None)
    for g, c in zip(g_in, c_in):
        if c.grad is not None:
            close(g.grad, c.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("m", META["modules"], ids=lambda m: m["id"])
def test_module_repr_and_forward(m):
    mod = eval(m["expr"], {"nn": nn})
    assert repr(mod) == m["repr"]
    assert list(mod.parameters()) == []
    if m["forward"]:
        out = mod(torch.tensor(REF[f"{m['id']}|in"]))
        np.testing.assert_allclose(out.numpy(), REF[f"{m['id']}|out"], rtol=RTOL, atol=ATOL)


def test_distance_modules_forward():
    a = torch.tensor(REF["pwd_bcast|in0"])
    b = torch.tensor(REF["pwd_bcast|in1"])
    np.testing.assert_allclose(nn.PairwiseDistance(p=1.0, eps=0.1, keepdim=True)(a, b).numpy(),
                               REF["pwd_bcast|out"], rtol=RTOL, atol=ATOL)
    a = torch.tensor(REF["cos_dim|in0"])
    b = torch.tensor(REF["cos_dim|in1"])
    np.testing.assert_allclose(nn.CosineSimilarity(dim=-1, eps=0.5)(a, b).numpy(),
                               REF["cos_dim|out"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("e", META["errors"], ids=lambda e: e["expr"])
def test_errors_match_pytorch(e):
    cls = {"RuntimeError": RuntimeError, "ValueError": ValueError, "IndexError": IndexError,
           "TypeError": TypeError, "NotImplementedError": NotImplementedError}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(cls[e["type"]]) as info:
            eval(e["expr"], {"F": F, "nn": nn, "torch": torch})
    assert type(info.value) is cls[e["type"]]
    assert str(info.value) == e["message"]


@pytest.mark.parametrize("w", META["warnings"], ids=lambda w: w["expr"])
def test_warnings_match_pytorch(w):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eval(w["expr"], {"F": F, "nn": nn, "torch": torch})
    assert [(c.category.__name__, str(c.message)) for c in caught] == [
        (w["category"], w["message"])]


# ----- properties beyond the recorded cases -----


def test_interpolate_uint8_nearest_and_identity():
    a = np.arange(24, dtype=np.uint8).reshape(1, 2, 3, 4)
    out = F.interpolate(torch.tensor(a), scale_factor=2)
    np.testing.assert_array_equal(out.numpy(), a.repeat(2, 2).repeat(2, 3))
    x = torch.randn(1, 2, 3, 4)
    y = F.interpolate(x, size=(3, 4), mode="bilinear")
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    assert not y._same_storage(x)


def test_interpolate_scale_vs_size_semantics():
    # scale_factor=1.5 on 4 -> 6 samples at 1/1.5 with the given scale (not 4/6): the same
    # positions here, but 1/1.7 differs from 5/8 (8 = int(5 * 1.7))
    x = torch.arange(5.0).reshape(1, 1, 5)
    by_scale = F.interpolate(x, scale_factor=1.7, mode="linear")
    by_size = F.interpolate(x, size=8, mode="linear")
    recomputed = F.interpolate(x, scale_factor=1.7, mode="linear", recompute_scale_factor=True)
    src = np.clip((np.arange(8) + 0.5) / 1.7 - 0.5, 0, None)
    np.testing.assert_allclose(by_scale.numpy()[0, 0], np.minimum(src, 4), rtol=1e-6)
    np.testing.assert_allclose(recomputed.numpy(), by_size.numpy())
    assert not np.allclose(by_scale.numpy(), by_size.numpy())


def test_area_is_adaptive_average():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 7, 10))
    out = F.interpolate(torch.tensor(a), size=(3, 4), mode="area").numpy()
    want = np.empty((2, 3, 3, 4))
    for i in range(3):
        for j in range(4):
            r0, r1 = (i * 7) // 3, -(-(i + 1) * 7 // 3)
            c0, c1 = (j * 10) // 4, -(-(j + 1) * 10 // 4)
            want[:, :, i, j] = a[:, :, r0:r1, c0:c1].mean((2, 3))
    np.testing.assert_allclose(out, want, rtol=1e-12)


def test_fold_is_adjoint_of_unfold():
    rng = np.random.default_rng(4)
    x = torch.tensor(rng.standard_normal((2, 3, 6, 7)))
    kw = {"kernel_size": (2, 3), "dilation": (2, 1), "padding": (1, 2), "stride": (1, 2)}
    cols = F.unfold(x, **kw)
    y = torch.tensor(rng.standard_normal(tuple(cols.shape)))
    lhs = (cols * y).sum().item()
    rhs = (x * F.fold(y, (6, 7), **kw)).sum().item()
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_pixel_shuffle_roundtrip_and_channel_shuffle_order():
    x = torch.randn(2, 12, 3, 4)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())
    c = F.channel_shuffle(torch.arange(6.0).reshape(1, 6, 1, 1), 2)
    assert c.flatten().tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]


def test_circular_pad_full_size_and_crop():
    x = torch.arange(4.0).reshape(1, 1, 4)
    assert F.pad(x, (4, 4), mode="circular").flatten().tolist() == [0, 1, 2, 3] * 3
    assert F.pad(x, (-1, 2), mode="circular").flatten().tolist() == [1, 2, 3, 1, 2]
    assert F.pad(x, (-2, -2), mode="circular").shape == (1, 1, 0)


def test_native_channel_shuffle_has_no_derivative():
    x = torch.randn(1, 4, 2, 2, requires_grad=True)
    y = F.native_channel_shuffle(x, 2)
    assert y.grad_fn.name() == "NotImplemented"  # PyTorch: torch::autograd::NotImplemented
    np.testing.assert_array_equal(y.detach().numpy(), F.channel_shuffle(x, 2).detach().numpy())
    with pytest.raises(RuntimeError, match="derivative for aten::native_channel_shuffle is not "
                                           "implemented"):
        y.sum().backward()


def test_grid_sample_identity_grid():
    x = torch.randn(1, 2, 4, 5)
    theta = torch.tensor([[[1.0, 0, 0], [0, 1, 0]]])
    for ac in (False, True):
        grid = F.affine_grid(theta, (1, 2, 4, 5), align_corners=ac)
        for mode in ("bilinear", "nearest", "bicubic"):
            out = F.grid_sample(x, grid, mode=mode, align_corners=ac)
            np.testing.assert_allclose(out.numpy(), x.numpy(), rtol=1e-5, atol=1e-5)


def test_top_level_aliases():
    assert torch.pixel_shuffle is F.pixel_shuffle and torch.pixel_unshuffle is F.pixel_unshuffle
    assert torch.channel_shuffle is F.channel_shuffle and torch.pdist is F.pdist
    assert torch.native_channel_shuffle is F.native_channel_shuffle
    assert torch.cosine_similarity is F.cosine_similarity
    assert torch.pairwise_distance is F.pairwise_distance
    for name in ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle",
                 "PixelUnshuffle", "ChannelShuffle", "Fold", "Unfold", "CosineSimilarity",
                 "PairwiseDistance", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d",
                 "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d",
                 "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
                 "CircularPad1d", "CircularPad2d", "CircularPad3d"):
        assert getattr(nn, name) is getattr(nn.modules, name)


def test_strided_inputs_match_contiguous():
    rng = np.random.default_rng(5)
    base = torch.tensor(rng.standard_normal((2, 5, 7, 3)).astype(np.float32))
    x = base.permute(0, 3, 1, 2)  # (2, 3, 5, 7), not contiguous
    xc = x.contiguous()
    for kw in ({"size": (9, 4), "mode": "bilinear"}, {"scale_factor": 0.5, "mode": "area"},
               {"size": (3, 3), "mode": "bicubic", "antialias": True},
               {"size": (8, 8), "mode": "nearest"}):
        np.testing.assert_allclose(F.interpolate(x, **kw).numpy(),
                                   F.interpolate(xc, **kw).numpy(), rtol=1e-6, atol=1e-6)
    g = torch.tensor(rng.uniform(-1, 1, (2, 2, 4, 3)).astype(np.float32)).permute(0, 2, 3, 1)
    np.testing.assert_allclose(F.grid_sample(x, g, align_corners=True).numpy(),
                               F.grid_sample(xc, g.contiguous(), align_corners=True).numpy(),
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(F.pad(x, (1, 2, 2, 1), mode="reflect").numpy(),
                                  F.pad(xc, (1, 2, 2, 1), mode="reflect").numpy())
    np.testing.assert_array_equal(F.unfold(x, 2, stride=2).numpy(),
                                  F.unfold(xc, 2, stride=2).numpy())


def test_interpolate_size_forms():
    x = torch.randn(1, 1, 4, 6)
    a = F.interpolate(x, size=torch.tensor(3), mode="bilinear")
    b = F.interpolate(x, size=[np.int64(3), 3], mode="bilinear")
    c = F.interpolate(x, size=(3, 3), mode="bilinear")
    assert a.shape == b.shape == c.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(a.numpy(), c.numpy())


def test_uint8_linear_modes_are_refused_by_name():
    # PyTorch resamples uint8 bilinear/bicubic with integer weights of its own; rtensor does not
    # (yet) and says so rather than returning other numbers
    x = torch.zeros(1, 1, 4, 4, dtype=torch.uint8)
    for mode in ("bilinear", "bicubic"):
        with pytest.raises(NotImplementedError, match=f"interpolate mode '{mode}' is not "
                                                      "implemented for uint8"):
            F.interpolate(x, size=(2, 2), mode=mode)


def test_unfold_fold_second_derivatives_and_empty_batch():
    # each is the other's backward (NOTE [im2col by views]): second derivatives go through both
    x = torch.randn(1, 2, 5, 6, dtype=torch.float64, requires_grad=True)
    kw = {"dilation": (2, 1), "padding": 1, "stride": (1, 2)}
    assert torch.autograd.gradgradcheck(lambda x: F.unfold(x, (2, 3), **kw), (x,))
    y = torch.randn(1, 12, 12, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(
        lambda y: F.fold(y, (5, 6), (3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1)), (y,))
    assert F.unfold(torch.zeros(0, 2, 5, 6), 2).shape == (0, 8, 20)
    assert F.fold(torch.zeros(0, 8, 4), (3, 3), 2).shape == (0, 2, 3, 3)


def test_shuffles_never_alias_the_input():
    x = torch.randn(2, 4, 2, 2)
    for y in (F.pixel_shuffle(x, 1), F.pixel_unshuffle(x, 1), F.channel_shuffle(x, 1),
              F.pixel_shuffle(x, 2), F.channel_shuffle(x, 2)):
        assert not y._same_storage(x)
