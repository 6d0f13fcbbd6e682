"""The native resampling kernels (interpolate's tap tables, grid_sample, pdist) against
PyTorch's answers recorded by scripts/record_resample_native_reference.py into
tests/data/resample_native_reference.npz: cases large enough for several tasks, point chunks,
channel blocks and SIMD remainders; the node names of first and second derivatives and the
second derivatives' values; float64 gradcheck/gradgradcheck; the GPU's interpolate against the
CPU's, forward and backward."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn.functional as F
from gpu_util import close
from rtensor.autograd import gradcheck, gradgradcheck

REF = np.load(Path(__file__).parent / "data" / "resample_native_reference.npz")
META = json.loads(str(REF["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
DOUBLES = {d["id"]: d for d in META["double"]}
RTOL, ATOL = 1e-5, 1e-5


def _kwargs(kw):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()}


def _call(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(F, fn)(*args, **kw)


@pytest.mark.parametrize("cid", list(CASES))
def test_matches_pytorch(cid):
    case = CASES[cid]
    xs = [torch.tensor(REF[f"{cid}|in{i}"], requires_grad=True)
          for i in range(len(case["inputs"]))]
    out = _call(case["fn"], *xs, **_kwargs(case["kwargs"]))
    assert out.grad_fn.name() == case["grad_fn"]
    np.testing.assert_allclose(out.detach().numpy(), REF[f"{cid}|out"], rtol=RTOL, atol=ATOL)
    (out * torch.tensor(REF[f"{cid}|gout"])).sum().backward()
    for i, x in enumerate(xs):
        want = REF[f"{cid}|g{i}"]
        scale = max(1.0, float(np.abs(want).max(initial=0.0)))
        np.testing.assert_allclose(x.grad.numpy(), want, rtol=RTOL, atol=ATOL * scale)


@pytest.mark.parametrize("did", list(DOUBLES))
def test_second_derivative_names_and_values(did):
    d = DOUBLES[did]
    x = torch.tensor(REF[f"{did}|in0"], requires_grad=True)
    out = _call(d["fn"], x, **_kwargs(d["kwargs"]))
    assert out.grad_fn.name() == d["node"]
    v = torch.tensor(REF[f"{did}|v"], requires_grad=True)
    gx, = torch.autograd.grad(out, x, v, create_graph=True)
    assert gx.grad_fn.name() == d["double"]
    assert len(gx.grad_fn.next_functions) == d["double_edges"]
    (gx * torch.tensor(REF[f"{did}|w"])).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), REF[f"{did}|gv"], rtol=1e-10, atol=1e-12)
    # the backward of the backward is the forward again (and so on)
    assert gx.grad_fn.next_functions[0][0].name() == "AccumulateGrad"


@pytest.mark.parametrize("did", list(DOUBLES))
def test_interpolate_gradgradcheck(did):
    d = DOUBLES[did]
    x = torch.tensor(REF[f"{did}|in0"][..., :4], requires_grad=True)
    kw = _kwargs(d["kwargs"])
    assert gradgradcheck(lambda t: _call(d["fn"], t, **kw), (x,))


def test_pdist_second_derivative_raises_as_pytorch():
    e, = META["errors"]
    x = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    gx, = torch.autograd.grad(F.pdist(x).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == e["node"]
    with pytest.raises(Exception) as info:  # noqa: PT011 (the class is checked by name)
        gx.sum().backward()
    assert type(info.value).__name__ == e["type"]
    assert str(info.value) == e["message"]


GRID_MODES = [(m, p, a) for m in ("bilinear", "nearest", "bicubic")
              for p in ("zeros", "border", "reflection") for a in (False, True)]


@pytest.mark.parametrize("mode,pad,ac", GRID_MODES)
def test_grid_sample_gradcheck_float64(mode, pad, ac):
    rng = np.random.default_rng(5)
    x = torch.tensor(rng.standard_normal((2, 2, 4, 5)), requires_grad=True)
    # points away from pixel edges and borders (where the sample is not differentiable)
    g = rng.uniform(-1.2, 1.2, (2, 3, 4, 2))
    g = torch.tensor(g, requires_grad=mode != "nearest")
    inputs = (x, g) if mode != "nearest" else (x,)

    def f(*t):
        return F.grid_sample(t[0], t[1] if len(t) > 1 else g, mode=mode, padding_mode=pad,
                             align_corners=ac)

    assert gradcheck(f, inputs)


@pytest.mark.parametrize("mode,pad", [(m, p) for m in ("bilinear", "nearest")
                                      for p in ("zeros", "border", "reflection")])
def test_grid_sample_3d_gradcheck_float64(mode, pad):
    rng = np.random.default_rng(6)
    x = torch.tensor(rng.standard_normal((1, 2, 3, 4, 3)), requires_grad=True)
    g = torch.tensor(rng.uniform(-1.2, 1.2, (1, 2, 3, 2, 3)), requires_grad=mode != "nearest")
    inputs = (x, g) if mode != "nearest" else (x,)

    def f(*t):
        return F.grid_sample(t[0], t[1] if len(t) > 1 else g, mode=mode, padding_mode=pad,
                             align_corners=False)

    assert gradcheck(f, inputs)


def test_grid_sample_double_backward_and_determinism():
    rng = np.random.default_rng(7)
    x = torch.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    g = torch.tensor(rng.uniform(-1.1, 1.1, (1, 3, 3, 2)), requires_grad=True)
    assert gradgradcheck(lambda a, b: F.grid_sample(a, b, align_corners=False), (x, g))
    # the native backward gives the same bits every time (no atomics)
    x32 = torch.tensor(rng.standard_normal((3, 8, 30, 31)).astype(np.float32), requires_grad=True)
    g32 = torch.tensor(rng.uniform(-1, 1, (3, 40, 41, 2)).astype(np.float32), requires_grad=True)
    grads = []
    for _ in range(2):
        x32.grad = g32.grad = None
        F.grid_sample(x32, g32, mode="bicubic", align_corners=False).square().sum().backward()
        grads.append((x32.grad.numpy().copy(), g32.grad.numpy().copy()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


def test_grid_sample_nonfinite_grid_reads_nothing():
    x = torch.ones(1, 1, 3, 3)
    g = torch.tensor([[[[float("nan"), 0.0], [float("inf"), 0.0], [0.0, 0.0]]]])
    for pad in ("zeros", "border", "reflection"):
        out = F.grid_sample(x, g, padding_mode=pad, align_corners=False)
        assert out[0, 0, 0, 2].item() == 1.0
        assert np.isfinite(out.numpy()).all() or pad == "zeros"


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, float("inf")])
def test_pdist_gradcheck_float64(p):
    rng = np.random.default_rng(8)
    x = torch.tensor(rng.standard_normal((6, 11)), requires_grad=True)
    assert gradcheck(lambda t: F.pdist(t, p), (x,))
    assert F.pdist(x, p).grad_fn.name() == "PdistBackward0"


def test_pdist_small_and_empty():
    x = torch.randn(1, 4, requires_grad=True)
    d = F.pdist(x)
    assert d.shape == (0,)
    d.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((1, 4), np.float32))
    y = torch.zeros(3, 0, requires_grad=True)
    np.testing.assert_array_equal(F.pdist(y).detach().numpy(), np.zeros(3, np.float32))


INTERP_GPU = [
    ("bilinear", {"scale_factor": 2, "mode": "bilinear"}),
    ("bicubic_ac", {"size": (41, 17), "mode": "bicubic", "align_corners": True}),
    ("nearest", {"size": (50, 9), "mode": "nearest"}),
    ("nearest_exact", {"scale_factor": 0.7, "mode": "nearest-exact"}),
    ("area", {"size": (7, 5), "mode": "area"}),
    ("aa", {"size": (9, 6), "mode": "bicubic", "antialias": True}),
]


@pytest.mark.parametrize("tag,kw", INTERP_GPU, ids=[t for t, _ in INTERP_GPU])
def test_interpolate_gpu_matches_cpu(gpu, tag, kw):
    rng = np.random.default_rng(9)
    a = rng.standard_normal((2, 3, 33, 20)).astype(np.float32)
    go = w = None
    res = []
    for dev in ("cpu", gpu):
        # a transposed (non-contiguous) input
        x = torch.tensor(a.transpose(0, 1, 3, 2).copy(), device=dev).transpose(2, 3)
        x.requires_grad_()
        y = F.interpolate(x, **kw)
        assert y.grad_fn.name() != "CopySlices"
        if go is None:
            go = rng.standard_normal(tuple(y.shape)).astype(np.float32)
            w = rng.standard_normal(a.shape).astype(np.float32)
        v = torch.tensor(go, device=dev, requires_grad=True)
        gx, = torch.autograd.grad(y, x, v, create_graph=True)
        # double backward: the forward applied to w
        gv, = torch.autograd.grad(gx, v, torch.tensor(w, device=dev))
        res.append((y.detach(), gx.detach(), gv))
    for g, c in zip(res[1], res[0]):
        close(g, c, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(res[0][2].numpy(), F.interpolate(torch.tensor(w), **kw).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_interpolate_uint8_nearest_is_a_copy():
    # uint8 is the integer type PyTorch's nearest modes take; rows long enough for the row path
    a = np.arange(2 * 3 * 40 * 50).reshape(2, 3, 40, 50) % 251
    for mode in ("nearest", "nearest-exact"):
        want = F.interpolate(torch.tensor(a.astype(np.float32)), size=(45, 61), mode=mode)
        got = F.interpolate(torch.tensor(a.astype(np.uint8)), size=(45, 61), mode=mode)
        assert got.dtype == torch.uint8
        np.testing.assert_array_equal(got.numpy(), want.numpy().astype(np.uint8))


@pytest.fixture
def threads():
    """Sets the thread count for one test and restores it."""
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


@pytest.mark.parametrize("cid", [c for c in CASES if c.startswith(("n_g2", "n_g3"))])
def test_grid_sample_one_pass_backward_matches_pytorch(threads, cid):
    # one thread: the batch items alone fill the pool, so both gradients come from one pass
    threads(1)
    test_matches_pytorch(cid)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_one_pass_and_two_pass_backward_agree_bitwise(threads, mode):
    rng = np.random.default_rng(11)
    a = rng.standard_normal((4, 5, 9, 8)).astype(np.float32)
    g = rng.uniform(-1.2, 1.2, (4, 70, 3, 2)).astype(np.float32)
    go = torch.tensor(rng.standard_normal((4, 5, 70, 3)).astype(np.float32))
    got = []
    for n in (1, 16):  # 4 items >= 2 x 1 thread: one pass; < 2 x 16 threads: two passes
        threads(n)
        x, gr = torch.tensor(a, requires_grad=True), torch.tensor(g, requires_grad=True)
        F.grid_sample(x, gr, mode=mode, padding_mode="reflection",
                      align_corners=False).backward(go)
        got.append((x.grad.numpy(), gr.grad.numpy()))
    np.testing.assert_array_equal(got[0][0], got[1][0])
    np.testing.assert_array_equal(got[0][1], got[1][1])
