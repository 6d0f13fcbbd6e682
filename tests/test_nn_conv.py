"""Convolutions (F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, nn.Conv1d/2d/3d,
nn.ConvTranspose1d/2d/3d) and Tensor.unfold against PyTorch's answers
recorded by scripts/record_conv_reference.py into tests/data/conv_reference.npz; float64
gradcheck; the GPU against the CPU."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.functional as F
from gpu_util import close
from rtensor.autograd import gradcheck, gradgradcheck

REF = np.load(Path(__file__).parent / "data" / "conv_reference.npz")
META = json.loads(str(REF["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
RTOL, ATOL = 1e-5, 1e-5


def _kwargs(case):
    kw = dict(case["kwargs"])
    for k, v in kw.items():
        if isinstance(v, list):
            kw[k] = tuple(v)
    return kw


def _run(case, device="cpu"):
    cid = case["id"]
    x = torch.tensor(REF[f"{cid}|x"], device=device, requires_grad=True)
    w = torch.tensor(REF[f"{cid}|w"], device=device, requires_grad=True)
    b = torch.tensor(REF[f"{cid}|b"], device=device, requires_grad=True) if case["bias"] else None
    inp = F.pad(x, case["mode"][1], mode=case["mode"][0]) if case["mode"] else x
    out = getattr(F, case["fn"])(inp, w, b, **_kwargs(case))
    (out * torch.tensor(REF[f"{cid}|gout"], device=device)).sum().backward()
    return out, x, w, b


@pytest.mark.parametrize("cid", list(CASES))
def test_conv_matches_pytorch(cid):
    out, x, w, b = _run(CASES[cid])
    assert out.grad_fn.name() == CASES[cid]["grad_fn"]
    np.testing.assert_allclose(out.detach().numpy(), REF[f"{cid}|out"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x.grad.numpy(), REF[f"{cid}|gx"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w.grad.numpy(), REF[f"{cid}|gw"], rtol=RTOL, atol=ATOL)
    if b is not None:
        np.testing.assert_allclose(b.grad.numpy(), REF[f"{cid}|gb"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("cid", ["c1_stride_pad", "c2_mixed", "c2_depthwise", "c2_circular",
                                 "c2_same_even", "c3_mixed", "c3_unbatched", "c2_pointwise",
                                 "t1_full", "t2_stride_pad", "t2_mixed", "t2_outpad_dil",
                                 "t2_unbatched", "t3_mixed"])
def test_conv_gpu_matches_cpu(gpu, cid):
    c_out, *c_in = _run(CASES[cid])
    g_out, *g_in = _run(CASES[cid], gpu)
    close(g_out.detach(), c_out.detach(), rtol=1e-4, atol=1e-4)
    for g, c in zip(g_in, c_in):
        if c is not None:
            close(g.grad, c.grad, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("m", META["modules"], ids=lambda m: m["id"])
def test_seeded_module_parameters_and_repr(m):
    torch.manual_seed(0)
    mod = eval(m["expr"], {"nn": nn})
    assert repr(mod) == m["repr"]
    names = [n for n, _ in mod.named_parameters()]
    assert names == (["weight", "bias"] if f"{m['id']}|bias" in REF else ["weight"])
    for name, p in mod.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), REF[f"{m['id']}|{name}"])


@pytest.mark.parametrize("f", META["forwards"], ids=lambda f: f["id"])
def test_seeded_module_forward(f):
    torch.manual_seed(0)
    mod = eval(f["expr"], {"nn": nn})
    x = torch.tensor(REF[f"{f['id']}|x"])
    size = f["output_size"]
    out = mod(x, output_size=tuple(size)) if size is not None else mod(x)
    assert out.grad_fn.name() == f["grad_fn"]
    np.testing.assert_allclose(out.detach().numpy(), REF[f"{f['id']}|out"], rtol=RTOL, atol=ATOL)


def test_module_forward_and_padding_modes():
    torch.manual_seed(0)
    m = nn.Conv2d(2, 4, 3, padding=1, padding_mode="reflect")
    x = torch.randn(1, 2, 5, 5)
    ref = F.conv2d(F.pad(x, [1, 1, 1, 1], mode="reflect"), m.weight, m.bias)
    np.testing.assert_allclose(m(x).detach().numpy(), ref.detach().numpy(), rtol=1e-6)
    same = nn.Conv1d(2, 3, 4, padding="same", padding_mode="replicate")
    assert same._reversed_padding_repeated_twice == [1, 2]
    assert tuple(same(torch.randn(2, 2, 7)).shape) == (2, 3, 7)
    assert nn.Conv3d(1, 2, 3)(torch.randn(1, 5, 5, 5)).shape == (2, 3, 3, 3)
    assert m.weight.grad_fn is None and m.weight.requires_grad
    assert (torch.conv1d, torch.conv2d, torch.conv3d) == (F.conv1d, F.conv2d, F.conv3d)


def _set_order(msg):
    """A message with the items of each printed set sorted (a set's order follows the hash seed)."""
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m[1].split(", "))) + "}", msg)


@pytest.mark.parametrize("e", META["errors"], ids=lambda e: e["expr"])
def test_errors_match_pytorch(e):
    cls = {"RuntimeError": RuntimeError, "ValueError": ValueError, "IndexError": IndexError,
           "TypeError": TypeError}
    with pytest.raises(cls[e["type"]]) as info:
        eval(e["expr"], {"F": F, "nn": nn, "torch": torch})
    assert _set_order(str(info.value)) == _set_order(e["message"])


# ----- unfold -----


def test_unfold_is_a_view():
    x = torch.arange(24.0).reshape(2, 12)
    u = x.unfold(1, 4, 3)
    assert tuple(u.shape) == (2, 3, 4) and u.stride() == (12, 3, 1)
    assert u._same_storage(x)
    np.testing.assert_array_equal(u.numpy(), np.lib.stride_tricks.sliding_window_view(
        x.numpy(), 4, axis=1)[:, ::3])
    x[0, 3] = -1.0
    assert u[0, 0, 3].item() == -1.0 and u[0, 1, 0].item() == -1.0
    assert tuple(torch.zeros(0, 5).unfold(0, 0, 1).shape) == (1, 5, 0)
    s = torch.tensor(3.0).unfold(0, 1, 1)
    assert tuple(s.shape) == (1,) and s.item() == 3.0
    assert tuple(torch.tensor(3.0).unfold(-1, 0, 1).shape) == (0,)


def test_unfold_backward_accumulates_windows():
    y = torch.ones(2, 7, requires_grad=True)
    u = y.unfold(1, 3, 2)
    assert u.grad_fn.name() == "UnfoldBackward0"
    u.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[1, 1, 2, 1, 2, 1, 1]] * 2)
    z = torch.tensor(2.0, requires_grad=True)
    z.unfold(0, 1, 1).sum().backward()
    assert z.grad.item() == 1.0


def test_unfold_gradcheck():
    x = torch.randn(3, 8, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda t: t.unfold(1, 3, 2) * 1.5, (x,))
    assert gradcheck(lambda t: t.transpose(0, 1).unfold(0, 4, 1).unfold(1, 2, 1), (x,))


def test_conv2d_gradcheck():
    torch.manual_seed(1)
    x = torch.randn(2, 4, 5, 6, dtype=torch.float64, requires_grad=True)
    w = torch.randn(6, 2, 3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1,
                                              dilation=(1, 2), groups=2), (x, w, b))


@pytest.mark.parametrize("nd,kw", [
    (1, {"stride": 2, "padding": 1, "output_padding": 1, "dilation": 2}),
    (2, {"stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0), "groups": 2}),
    (2, {"dilation": (2, 1), "output_padding": (1, 0)}),
    (2, {}),
    (3, {"stride": (1, 2, 1), "padding": (0, 1, 1), "output_padding": (0, 1, 0), "groups": 2}),
])
def test_conv_transpose_gradcheck(nd, kw):
    torch.manual_seed(2)
    spatial = [(5,), (4, 5), (3, 4, 3)][nd - 1]
    x = torch.randn(2, 4, *spatial, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, *[3, 2, 2][:nd], dtype=torch.float64, requires_grad=True)
    b = torch.randn(3 * kw.get("groups", 1), dtype=torch.float64, requires_grad=True)
    fn = getattr(F, f"conv_transpose{nd}d")
    assert gradcheck(lambda x, w, b: fn(x, w, b, **kw), (x, w, b))


def test_conv_double_backward():
    # NOTE [convolution double backward]: the backward of each primitive is written with the
    # other two, so second derivatives exist for every operand.
    torch.manual_seed(3)
    x = torch.randn(2, 4, 5, 4, dtype=torch.float64, requires_grad=True)
    w = torch.randn(6, 2, 3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, requires_grad=True)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1,
                                                  dilation=(1, 2), groups=2), (x, w, b))
    wt = torch.randn(4, 3, 2, 3, dtype=torch.float64, requires_grad=True)
    assert gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1,
                                                         output_padding=(1, 0), groups=2),
                         (x, wt))
    xs = torch.randn(1, 2, 6, dtype=torch.float64, requires_grad=True)
    ws = torch.randn(3, 2, 3, dtype=torch.float64, requires_grad=True)
    assert gradgradcheck(lambda x, w: F.conv1d(x, w, stride=2, dilation=2, padding=2), (xs, ws))
    gx, = torch.autograd.grad(F.conv1d(xs, ws).sum(), xs, create_graph=True)
    assert gx.grad_fn.name() == "ConvolutionBackwardBackward0"


def test_conv_integer_and_half_dtypes():
    # Integers go through the composed path, float16 through the float32 kernel: both against
    # the float64 kernel on the same (exactly representable) values.
    rng = np.random.default_rng(4)
    x = rng.integers(-3, 4, (2, 4, 6, 5))
    w = rng.integers(-3, 4, (6, 2, 3, 2))
    kw = {"stride": (2, 1), "padding": 1, "groups": 2}
    want = F.conv2d(torch.tensor(x, dtype=torch.float64), torch.tensor(w, dtype=torch.float64),
                    **kw).numpy()
    got = F.conv2d(torch.tensor(x), torch.tensor(w), **kw)
    assert got.dtype == torch.int64
    np.testing.assert_array_equal(got.numpy(), want)
    half = F.conv_transpose2d(torch.tensor(x, dtype=torch.float16),
                              torch.tensor(w.reshape(4, 3, 3, 2), dtype=torch.float16),
                              stride=2)
    want_t = F.conv_transpose2d(torch.tensor(x, dtype=torch.float64),
                                torch.tensor(w.reshape(4, 3, 3, 2), dtype=torch.float64),
                                stride=2).numpy()
    assert half.dtype == torch.float16
    np.testing.assert_array_equal(half.float().numpy(), want_t)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("transposed", [False, True])
def test_conv_batch_blocks_match_single_items(threads, transposed):
    # The CPU kernel takes small images in blocks of several items (one wide product each):
    # the whole batch must give what each item gives alone, gradients summed over the items.
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(6)
        x = torch.randn(11, 4, 6, 5, requires_grad=True)
        w = torch.randn(4, 3, 3, 2, requires_grad=True)
        b = torch.randn(6 if transposed else 4, requires_grad=True)
        def fn(x):
            if transposed:
                return F.conv_transpose2d(x, w, b, stride=(2, 1), padding=1, groups=2)
            return F.conv2d(x, w[:, :2], b, padding=(1, 0), groups=2)
        y = fn(x)
        gy = torch.randn(y.shape)
        gx, gw, gb = torch.autograd.grad((y * gy).sum(), [x, w, b])
        parts = [torch.autograd.grad((fn(x[i:i + 1]) * gy[i:i + 1]).sum(), [x, w, b])
                 for i in range(11)]
        for i, (px, _, _) in enumerate(parts):
            np.testing.assert_allclose(fn(x[i:i + 1]).detach().numpy(),
                                       y[i:i + 1].detach().numpy(), rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(gx[i:i + 1].numpy(), px[i:i + 1].numpy(), rtol=1e-5,
                                       atol=1e-5)
        np.testing.assert_allclose(gw.numpy(), sum(p[1] for p in parts).numpy(), rtol=1e-4,
                                   atol=1e-4)
        np.testing.assert_allclose(gb.numpy(), sum(p[2] for p in parts).numpy(), rtol=1e-4,
                                   atol=1e-4)
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", [
    # (batch, in, out, groups, height, width, padding, channels_last)
    (2, 32, 32, 1, 16, 16, 1, False),
    (3, 32, 48, 1, 17, 15, 0, False),
    (1, 64, 64, 2, 19, 18, 2, False),
    (2, 32, 32, 1, 70, 40, 1, False),  # several blocks of tile rows per plane
    (2, 32, 32, 1, 16, 17, (1, 2), True),
])
def test_conv3x3_float32_matches_float64(threads, case):
    # float32 3x3 stride-1 convolutions with enough channels take the Winograd kernels (forward
    # and both gradients); float64 takes im2col, so the two are independent computations of
    # the same sums and must agree to float32 rounding.
    n, c, o, groups, h, w_, pad, channels_last = case
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(11)
        x64 = torch.randn(n, c, h, w_, dtype=torch.float64)
        w64 = torch.randn(o, c // groups, 3, 3, dtype=torch.float64) / 10
        b64 = torch.randn(o, dtype=torch.float64)
        x32 = x64.float()
        if channels_last:
            x32 = x32.to(memory_format=torch.channels_last)
        res = []
        for x, w, b in ((x64, w64, b64), (x32, w64.float(), b64.float())):
            x, w, b = (t.detach().requires_grad_() for t in (x, w, b))
            y = F.conv2d(x, w, b, padding=pad, groups=groups)
            gy = torch.ones_like(y) + torch.arange(y.numel(), dtype=y.dtype).reshape(y.shape) % 7
            res.append((y, *torch.autograd.grad((y * gy).sum(), [x, w, b])))
        for want, got in zip(res[0], res[1]):
            want = want.detach().numpy()
            scale = np.abs(want).max()
            np.testing.assert_allclose(got.detach().numpy(), want, rtol=0, atol=2e-6 * scale)
    finally:
        torch.set_num_threads(before)


def test_conv_empty_batch():
    w = torch.randn(4, 3, 3, 3, requires_grad=True)
    x = torch.zeros(0, 3, 5, 5, requires_grad=True)
    y = F.conv2d(x, w, torch.ones(4))
    assert tuple(y.shape) == (0, 4, 3, 3)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 5, 5)
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((4, 3, 3, 3), np.float32))


def test_conv_integer_gpu(gpu):
    rng = np.random.default_rng(5)
    x = rng.integers(-3, 4, (2, 2, 5, 5)).astype(np.int32)
    w = rng.integers(-3, 4, (2, 3, 2, 2)).astype(np.int32)
    c = F.conv_transpose2d(torch.tensor(x), torch.tensor(w), stride=2, padding=1)
    g = F.conv_transpose2d(torch.tensor(x, device=gpu), torch.tensor(w, device=gpu), stride=2,
                           padding=1)
    np.testing.assert_array_equal(g.cpu().numpy(), c.numpy())


def test_unfold_gpu(gpu):
    base = np.arange(60, dtype=np.float32).reshape(3, 20)
    c = torch.tensor(base, requires_grad=True)
    g = torch.tensor(base, device=gpu, requires_grad=True)
    cu, gu = c.t().unfold(0, 5, 3), g.t().unfold(0, 5, 3)
    close(gu.detach(), cu.detach())
    w = torch.tensor(np.linspace(-1, 1, math.prod(cu.shape), dtype=np.float32)).reshape(cu.shape)
    (cu * w).sum().backward()
    (gu * w.to(gpu)).sum().backward()
    close(g.grad, c.grad)
