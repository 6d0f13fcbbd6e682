"""Pooling (max, average, adaptive, LP, fractional, unpooling; functional forms and modules)
against PyTorch's answers recorded by scripts/record_pool_reference.py into
tests/data/pool_reference.npz; float64 gradcheck (and gradgradcheck) for every op and argument
combination; the GPU against the CPU."""

import json
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.functional as F
from gpu_util import close
from rtensor.autograd import gradcheck, gradgradcheck

REF = np.load(Path(__file__).parent / "data" / "pool_reference.npz")
META = json.loads(str(REF["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
RTOL, ATOL = 1e-5, 1e-5


def _kwargs(case):
    kw = {}
    for k, v in case["kwargs"].items():
        kw[k] = float(v) if v == "inf" else (tuple(v) if isinstance(v, list) else v)
    return kw


def _call(case, x, device="cpu", dtype=None):
    """Runs a case's function on `x`; returns (out, indices or None)."""
    cid, kw = case["id"], _kwargs(case)
    if case["fn"].startswith("max_unpool"):
        idx = torch.tensor(REF[f"{cid}|idx"], device=device)
        if "output_size" in kw:
            kw["output_size"] = list(kw["output_size"])
        return getattr(F, case["fn"])(x, idx, **kw), None
    if f"{cid}|samples" in REF:
        s = torch.tensor(REF[f"{cid}|samples"], device=device)
        kw["_random_samples"] = s if dtype is None else s.to(dtype)
    if case["seed"] is not None:
        torch.manual_seed(case["seed"])
    res = getattr(F, case["fn"])(x, **kw)
    return res if isinstance(res, tuple) else (res, None)


def _run(case, device="cpu"):
    cid = case["id"]
    x = torch.tensor(REF[f"{cid}|x"], device=device, requires_grad=True)
    out, idx = _call(case, x, device)
    (out * torch.tensor(REF[f"{cid}|gout"], device=device)).sum().backward()
    return out, idx, x


@pytest.mark.parametrize("cid", list(CASES))
def test_pool_matches_pytorch(cid):
    case = CASES[cid]
    out, idx, x = _run(case)
    assert out.grad_fn.name() == case["grad_fn"]
    assert out.dtype == x.dtype
    np.testing.assert_allclose(out.detach().numpy(), REF[f"{cid}|out"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x.grad.numpy(), REF[f"{cid}|gx"], rtol=RTOL, atol=ATOL)
    assert (idx is not None) == case["indices"]
    if idx is not None:
        assert idx.dtype == torch.int64 and idx.grad_fn is None
        np.testing.assert_array_equal(idx.numpy(), REF[f"{cid}|idx"])


@pytest.mark.parametrize("cid", list(CASES))
def test_double_backward_node_matches_pytorch(cid):
    # The input gradient under create_graph=True: PyTorch's backward-of-backward node (its
    # native backward ops take the pooled input too, so the node exists whenever x needs grad).
    case = CASES[cid]
    x = torch.tensor(REF[f"{cid}|x"], requires_grad=True)
    out = _call(case, x)[0]
    (gx,) = torch.autograd.grad(out, x, torch.tensor(REF[f"{cid}|gout"]), create_graph=True)
    name = gx.grad_fn.name() if gx.grad_fn is not None else None
    assert name == case["grad_grad_fn"]
    np.testing.assert_allclose(gx.detach().numpy(), REF[f"{cid}|gx"], rtol=RTOL, atol=ATOL)


def _float32_cases():
    return [c for c in CASES if CASES[c]["dtype"] == "float32"]


@pytest.mark.parametrize("cid", _float32_cases())
def test_pool_gpu_matches_cpu(gpu, cid):
    case = CASES[cid]
    c_out, c_idx, c_x = _run(case)
    g_out, g_idx, g_x = _run(case, gpu)
    assert g_out.grad_fn.name() == c_out.grad_fn.name()
    close(g_out.detach(), c_out.detach(), rtol=1e-4, atol=1e-5)
    close(g_x.grad, c_x.grad, rtol=1e-4, atol=1e-5)
    if c_idx is not None:
        close(g_idx, c_idx)


# Float64 gradcheck for every recorded op and argument combination (the GPU has no float64).
def _has_repeats(case):
    idx = REF[f"{case['id']}|idx"]
    nd = int(case["fn"][-2])
    flat = idx.reshape(-1, int(np.prod(idx.shape[-nd:])))
    return any(len(set(r.tolist())) < len(r) for r in flat)


# Unpooling with overlapping pooling windows writes one position twice; its recorded
# (PyTorch's) gradient gathers both, which is not the derivative, so gradcheck takes the
# cases whose indices are distinct.
GRADCHECK = [c for c in CASES if not (CASES[c]["unpool"] and _has_repeats(CASES[c]))]


@pytest.mark.parametrize("cid", GRADCHECK)
def test_gradcheck(cid):
    case = CASES[cid]
    x = REF[f"{cid}|x"].astype(np.float64)
    if case["fn"].startswith("lp_pool"):
        x = np.abs(x) + 0.5  # x ** p and its p-th root are smooth away from 0
    x = torch.tensor(x, requires_grad=True)

    def f(t):
        return _call(case, t, dtype=torch.float64)[0]

    assert gradcheck(f, (x,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("cid", ["mp2_mixed", "mp3_ceil", "ap2_ceil_nopad", "ap3_divisor",
                                 "aap2", "amp3", "fmp2_samples", "unp2", "lp2"])
def test_gradgradcheck(cid):
    case = CASES[cid]
    x = torch.tensor(REF[f"{cid}|x"].astype(np.float64), requires_grad=True)

    if case["fn"].startswith("lp_pool"):
        x = (x.detach().abs() + 0.5).requires_grad_(True)

    def f(t):
        return _call(case, t, dtype=torch.float64)[0]

    assert gradgradcheck(f, (x,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("m", META["modules"], ids=lambda m: m["expr"])
def test_module_repr(m):
    assert repr(eval(m["expr"], {"nn": nn})) == m["repr"]


@pytest.mark.parametrize("e", META["errors"], ids=lambda e: e["expr"])
def test_errors_match_pytorch(e):
    cls = {"RuntimeError": RuntimeError, "ValueError": ValueError, "IndexError": IndexError,
           "TypeError": TypeError}
    with pytest.raises(cls[e["type"]]) as info:
        eval(e["expr"], {"F": F, "nn": nn, "torch": torch})
    assert str(info.value) == e["message"]


# ----- modules, dtypes and edge cases -----


def test_modules_call_the_functional_forms():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 9, 8)
    out, idx = nn.MaxPool2d(3, 2, 1, return_indices=True)(x)
    ref, ref_idx = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    assert torch.equal(out, ref) and torch.equal(idx, ref_idx)
    back = nn.MaxUnpool2d(3, 2, 1)(out, idx, output_size=x.shape)
    assert tuple(back.shape) == tuple(x.shape)
    assert torch.equal(nn.AvgPool2d(2, divisor_override=3)(x), F.avg_pool2d(x, 2,
                                                                             divisor_override=3))
    assert torch.equal(nn.AdaptiveAvgPool2d((None, 3))(x), F.adaptive_avg_pool2d(x, (9, 3)))
    assert torch.equal(nn.LPPool2d(2, 2)(x), F.lp_pool2d(x, 2.0, 2))
    s = torch.rand(2, 3, 2)
    fm = nn.FractionalMaxPool2d(2, output_size=4, _random_samples=s)
    assert "_random_samples" in dict(fm.named_buffers())
    assert torch.equal(fm(x), F.fractional_max_pool2d(x, 2, output_size=4, _random_samples=s))
    x1 = torch.randn(2, 3, 10)
    assert torch.equal(nn.MaxPool1d(3)(x1), F.max_pool1d(x1, 3))
    assert torch.equal(nn.AdaptiveMaxPool1d(4)(x1), F.adaptive_max_pool1d(x1, 4))


def test_nan_window_reports_the_last_nan():
    # PyTorch: a tap wins when it is larger or NaN, so the window's last NaN is the argmax.
    nan = float("nan")
    x = torch.tensor([[[[nan, 1.0], [2.0, nan]]]])
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert np.isnan(out.item()) and idx.item() == 3
    out, idx = F.adaptive_max_pool2d(torch.tensor([[[[1.0, nan], [nan, 0.0]]]]), 1, True)
    assert np.isnan(out.item()) and idx.item() == 2


def test_integer_inputs_match_numpy():
    a = np.arange(2 * 3 * 6 * 6).reshape(2, 3, 6, 6)[..., ::-1].copy()
    x = torch.tensor(a)
    ref = a.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5))
    np.testing.assert_array_equal(F.max_pool2d(x, 2).numpy(), ref)
    assert F.max_pool2d(x, 2).dtype == torch.int64
    # Integer averages divide with truncation, as PyTorch's kernel.
    avg = a.reshape(2, 3, 3, 2, 3, 2).sum(axis=(3, 5)) // 4
    np.testing.assert_array_equal(F.avg_pool2d(x, 2).numpy(), avg)


def test_strided_input_and_zero_batch():
    torch.manual_seed(1)
    x = torch.randn(3, 2, 8, 10).transpose(2, 3)
    np.testing.assert_allclose(F.max_pool2d(x, 2).numpy(),
                               F.max_pool2d(x.contiguous(), 2).numpy())
    np.testing.assert_allclose(F.avg_pool2d(x, 3, 1, 1).numpy(),
                               F.avg_pool2d(x.contiguous(), 3, 1, 1).numpy())
    e = torch.zeros(0, 3, 4, 4, requires_grad=True)
    out = F.max_pool2d(e, 2)
    assert tuple(out.shape) == (0, 3, 2, 2)
    out.sum().backward()
    assert tuple(e.grad.shape) == (0, 3, 4, 4)


def test_seeded_fractional_draws_its_samples_with_rand():
    # PyTorch draws torch.rand(n, c, 2, dtype=input.dtype) when no samples are given.
    case = CASES["fmp2_seeded"]
    x = torch.tensor(REF["fmp2_seeded|x"])
    torch.manual_seed(7)
    s = torch.rand(2, 3, 2)
    out = F.fractional_max_pool2d(x, **_kwargs(case), _random_samples=s)[0]
    np.testing.assert_array_equal(out.numpy(), REF["fmp2_seeded|out"])


def test_unpool_output_size_gradcheck():
    x = torch.tensor(np.random.default_rng(3).permutation(48).reshape(1, 3, 4, 4) / 7.0)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert gradcheck(lambda t: F.max_unpool2d(t, idx, 2, output_size=(5, 5)),
                     (out.detach().requires_grad_(True),))
    x1 = x.reshape(1, 3, 16)[..., :8]
    out1, idx1 = F.max_pool1d(x1, 2, return_indices=True)
    assert gradcheck(lambda t: F.max_unpool1d(t, idx1, 2, output_size=[9]),
                     (out1.detach().requires_grad_(True),))


def test_gpu_errors_name_the_op(gpu):
    x = torch.zeros(1, 1, 4, 4, dtype=torch.int32, device=gpu)
    with pytest.raises(NotImplementedError, match="max_pool2d"):
        F.max_pool2d(x, 2)
    with pytest.raises(RuntimeError, match="Found an invalid max index: 100"):
        F.max_unpool2d(torch.ones(1, 1, 2, 2, device=gpu),
                       torch.full((1, 1, 2, 2), 100, device=gpu), 2)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_inputs(dtype):
    dt = getattr(torch, dtype)
    x = torch.tensor(REF["mp2_ceil|x"]).to(dt)
    out, idx = F.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)
    ref, ref_idx = F.max_pool2d(x.float(), 3, 2, 1, ceil_mode=True, return_indices=True)
    assert out.dtype == dt
    np.testing.assert_array_equal(out.float().numpy(), ref.numpy())
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    avg = F.avg_pool2d(x, 2)
    assert avg.dtype == dt
    np.testing.assert_allclose(avg.float().numpy(), F.avg_pool2d(x.float(), 2).numpy(),
                               rtol=1e-2, atol=1e-2)
