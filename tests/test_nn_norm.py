"""Normalization (F.batch_norm, instance_norm, group_norm, layer_norm, rms_norm,
local_response_norm, normalize; nn.BatchNorm1d/2d/3d, SyncBatchNorm, InstanceNorm1d/2d/3d,
GroupNorm, LocalResponseNorm, RMSNorm, LayerNorm) against PyTorch's answers recorded by
scripts/record_norm_reference.py into tests/data/norm_reference.npz; NumPy oracles; float64
gradcheck and gradgradcheck; the GPU against the CPU."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.functional as F
from gpu_util import close
from rtensor.autograd import gradcheck, gradgradcheck

REF = np.load(Path(__file__).parent / "data" / "norm_reference.npz")
META = json.loads(str(REF["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
MODULES = {m["id"]: m for m in META["modules"]}
RTOL, ATOL = 1e-5, 1e-5
STATS = ("running_mean", "running_var")
AFFINE = ("weight", "bias")


def _kwargs(case):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}


def _call(case, device="cpu", dtype=torch.float32):
    """F.<fn> on the case's recorded inputs; returns (out, input, {tensor argument: tensor})."""
    cid = case["id"]
    x = torch.tensor(REF[f"{cid}|x"], dtype=dtype, device=device, requires_grad=True)
    targs = {n: torch.tensor(REF[f"{cid}|{n}"], dtype=dtype, device=device,
                             requires_grad=n in AFFINE) for n in case["tensors"]}
    if case["fn"] == "batch_norm":
        targs.setdefault("running_mean", None)
        targs.setdefault("running_var", None)
    return getattr(F, case["fn"])(x, **targs, **_kwargs(case)), x, targs


def _run(case, device="cpu"):
    out, x, targs = _call(case, device)
    (out * torch.tensor(REF[f"{case['id']}|gout"], device=device)).sum().backward()
    return out, x, targs


@pytest.mark.parametrize("cid", list(CASES))
def test_functional_matches_pytorch(cid):
    case = CASES[cid]
    out, x, targs = _run(case)
    assert out.grad_fn.name() == case["grad_fn"]
    np.testing.assert_allclose(out.detach().numpy(), REF[f"{cid}|out"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x.grad.numpy(), REF[f"{cid}|gx"], rtol=1e-4, atol=1e-4)
    for name in AFFINE:
        if targs.get(name) is not None:
            np.testing.assert_allclose(targs[name].grad.numpy(), REF[f"{cid}|g{name}"],
                                       rtol=1e-4, atol=1e-4)
    for name in STATS:
        if targs.get(name) is not None:
            np.testing.assert_allclose(targs[name].numpy(), REF[f"{cid}|after_{name}"],
                                       rtol=1e-6, atol=1e-6)


def _differentiable(case):
    """(function of the float64 input and affine parameters, those tensors)."""
    cid = case["id"]
    leaves = [torch.tensor(REF[f"{cid}|x"], dtype=torch.float64, requires_grad=True)]
    names = [n for n in AFFINE if n in case["tensors"]]
    leaves += [torch.tensor(REF[f"{cid}|{n}"], dtype=torch.float64, requires_grad=True)
               for n in names]
    stats = {n: REF[f"{cid}|{n}"] for n in STATS if n in case["tensors"]}

    def f(x, *params):
        kw = dict(zip(names, params))
        # Fresh running statistics each call: training updates them in place.
        kw.update({n: torch.tensor(a, dtype=torch.float64) for n, a in stats.items()})
        if case["fn"] == "batch_norm":
            kw.setdefault("running_mean", None)
            kw.setdefault("running_var", None)
        return getattr(F, case["fn"])(x, **kw, **_kwargs(case))

    return f, leaves


@pytest.mark.parametrize("cid", [c for c in CASES if c != "bn_empty_batch"])
def test_functional_gradcheck(cid):
    f, leaves = _differentiable(CASES[cid])
    assert gradcheck(f, leaves)


@pytest.mark.parametrize("cid", [c for c, v in CASES.items() if c != "bn_empty_batch" and
                                 v["fn"] in ("batch_norm", "instance_norm", "group_norm")])
def test_functional_gradgradcheck(cid):
    # The native backward is replaced by the differentiable closed form under create_graph.
    f, leaves = _differentiable(CASES[cid])
    assert gradgradcheck(f, leaves)


@pytest.mark.parametrize("cid", list(CASES))
def test_functional_gpu_matches_cpu(gpu, cid):
    case = CASES[cid]
    c_out, c_x, c_args = _run(case)
    g_out, g_x, g_args = _run(case, gpu)
    assert g_out.grad_fn.name() == c_out.grad_fn.name()
    close(g_out.detach(), c_out.detach(), rtol=1e-4, atol=1e-4)
    close(g_x.grad, c_x.grad, rtol=1e-4, atol=1e-4)
    for name, c in c_args.items():
        if c is None:
            continue
        g = g_args[name]
        close(g.grad if name in AFFINE else g, c.grad if name in AFFINE else c,
              rtol=1e-4, atol=1e-4)


def test_batch_norm_against_numpy_large_offset_and_views():
    # Channels longer than one statistics chunk, with a mean far from zero; a strided view.
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 2, 5000)) * 0.01 + 1e4
    x = torch.tensor(a)
    xt = torch.tensor(np.ascontiguousarray(a.transpose(0, 2, 1))).transpose(1, 2)
    assert not xt.is_contiguous()
    rm, rv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    out = F.batch_norm(xt, rm, rv, training=True, momentum=0.5)
    m, v = a.mean((0, 2)), a.var((0, 2))
    expect = (a - m[None, :, None]) / np.sqrt(v[None, :, None] + 1e-5)
    np.testing.assert_allclose(out.numpy(), expect, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(rm.numpy(), 0.5 * m, rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.5 + 0.5 * a.var((0, 2), ddof=1), rtol=1e-9)
    np.testing.assert_allclose(F.batch_norm(x, None, None, training=True).numpy(), expect,
                               rtol=1e-9, atol=1e-9)


def test_batch_norm_half_input_with_float_parameters():
    x = torch.randn(4, 3, 5)
    w, b = torch.rand(3), torch.rand(3)
    rm, rv = torch.zeros(3), torch.ones(3)
    for dt in (torch.float16, torch.bfloat16):
        out = F.batch_norm(x.to(dt), rm.clone(), rv.clone(), w, b, training=True)
        ref = F.batch_norm(x.to(dt).float(), rm.clone(), rv.clone(), w, b, training=True)
        assert out.dtype == dt
        np.testing.assert_allclose(out.float().numpy(), ref.numpy(), rtol=2e-2, atol=2e-2)


def _module(mid, device="cpu"):
    m = MODULES[mid]
    torch.manual_seed(0)
    mod = eval(m["expr"], {"nn": nn}).to(device)
    with torch.no_grad():
        for name, p in mod.named_parameters():
            p.copy_(torch.tensor(REF[f"{mid}|init_{name}"]))
    ys = []
    for k in range(len(m["inputs"])):
        y = mod(torch.tensor(REF[f"{mid}|x{k}"], device=device, requires_grad=True))
        ys.append(y)
        (y * y).sum().backward()
    return mod, ys


@pytest.mark.parametrize("mid", list(MODULES))
def test_module_training_steps_match_pytorch(mid):
    m = MODULES[mid]
    mod, ys = _module(mid)
    assert repr(mod) == m["repr"]
    assert list(mod.state_dict().keys()) == m["state_dict"]
    assert ys[-1].grad_fn.name() == m["grad_fn"]
    for k, y in enumerate(ys):
        np.testing.assert_allclose(y.detach().numpy(), REF[f"{mid}|y{k}"], rtol=1e-4, atol=1e-4)
    for name, p in mod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), REF[f"{mid}|grad_{name}"], rtol=1e-4,
                                   atol=1e-4)
    assert {n: str(b.dtype).split(".")[-1] for n, b in mod.named_buffers()} == m["buffers"]
    for name, b in mod.named_buffers():
        np.testing.assert_allclose(b.numpy(), REF[f"{mid}|{name}"], rtol=1e-5, atol=1e-6)
    mod.eval()
    with torch.no_grad():
        out = mod(torch.tensor(REF[f"{mid}|x0"]))
    np.testing.assert_allclose(out.numpy(), REF[f"{mid}|eval"], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("mid", ["bn1d", "bn_cma", "bn3d", "in2d_track", "gn", "sync"])
def test_module_gpu_matches_cpu(gpu, mid):
    c_mod, c_ys = _module(mid)
    g_mod, g_ys = _module(mid, gpu)
    for g, c in zip(g_ys, c_ys):
        close(g.detach(), c.detach(), rtol=1e-4, atol=1e-4)
    for (_, g), (_, c) in zip(g_mod.named_parameters(), c_mod.named_parameters()):
        close(g.grad, c.grad, rtol=1e-4, atol=1e-4)
    for (_, g), (_, c) in zip(g_mod.named_buffers(), c_mod.named_buffers()):
        close(g, c, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("e", META["errors"], ids=lambda e: e["expr"])
def test_errors_match_pytorch(e):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            eval(e["expr"], {"F": F, "nn": nn, "torch": torch})
    assert type(info.value).__name__ == e["type"]
    assert str(info.value) == e["message"].replace("torch.Size", "rtensor.Size")


def test_running_stats_reset_and_buffers():
    m = nn.BatchNorm2d(3)
    m(torch.randn(2, 3, 4, 4))
    m(torch.randn(2, 3, 4, 4))
    assert m.num_batches_tracked.item() == 2 and m.num_batches_tracked.dtype == torch.int64
    assert m.num_batches_tracked.shape == ()
    assert not np.allclose(m.running_mean.numpy(), 0)
    m.reset_running_stats()
    assert m.num_batches_tracked.item() == 0
    np.testing.assert_array_equal(m.running_mean.numpy(), np.zeros(3, np.float32))
    np.testing.assert_array_equal(m.running_var.numpy(), np.ones(3, np.float32))
    with torch.no_grad():
        m.weight.fill_(2.0)
    m.reset_parameters()
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.ones(3, np.float32))
    assert nn.BatchNorm1d(3, track_running_stats=False).running_mean is None


def test_state_dict_without_num_batches_tracked_loads():
    # A version-1 checkpoint (before num_batches_tracked) loads, keeping the buffer.
    src = nn.BatchNorm1d(3)
    sd = src.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""] = {"version": 1}
    dst = nn.BatchNorm1d(3)
    dst.load_state_dict(sd)
    assert dst.num_batches_tracked.item() == 0


def test_convert_sync_batchnorm_shares_parameters():
    net = nn.Sequential(nn.Conv1d(2, 3, 1), nn.BatchNorm1d(3, momentum=None), nn.ReLU())
    net(torch.randn(4, 2, 5))
    out = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert isinstance(out[1], nn.SyncBatchNorm) and isinstance(out[0], nn.Conv1d)
    assert out[1].weight is net[1].weight and out[1].running_mean is net[1].running_mean
    assert out[1].num_batches_tracked.item() == 1 and out[1].momentum is None
    x = torch.randn(3, 2, 5)
    out.eval()
    net.eval()
    np.testing.assert_array_equal(out(x).detach().numpy(), net(x).detach().numpy())


def test_instance_norm_warns_on_channel_mismatch_without_affine():
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        nn.InstanceNorm1d(3)(torch.randn(2, 4, 5))


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_double_backward_gpu_matches_cpu(gpu, training):
    rng = np.random.default_rng(2)
    a, gout = rng.standard_normal((3, 2, 4)).astype(np.float32), rng.standard_normal(
        (3, 2, 4)).astype(np.float32)
    w = rng.standard_normal(2).astype(np.float32)
    grads = []
    for dev in ("cpu", gpu):
        x = torch.tensor(a, device=dev, requires_grad=True)
        wt = torch.tensor(w, device=dev, requires_grad=True)
        rm, rv = torch.zeros(2, device=dev), torch.ones(2, device=dev)
        y = F.batch_norm(x, rm, rv, wt, None, training=training)
        (gx,) = torch.autograd.grad((y * torch.tensor(gout, device=dev)).sum(), x,
                                    create_graph=True)
        (gx * gx).sum().backward()
        grads.append((x.grad, wt.grad))
    for c, g in zip(grads[0], grads[1]):
        if c is None:  # in evaluation dx = dy * w * invstd does not depend on x
            assert g is None and not training
        else:
            close(g, c, rtol=1e-3, atol=1e-4)
