"""The GPU's native resampling kernels against the CPU's: ``pdist`` (shaders/distance.wgsl,
NOTE [native pdist]) forward and backward across the p formulas (0, 1, 2, infinity, other p
below and above 2), odd sizes, ties and repeated rows, views; that the GPU path is one kernel
dispatch each way, deterministic, recorded as ``PdistBackward0`` with PyTorch's double-backward
error. The CPU kernels themselves are checked against PyTorch in test_nn_resample_native.py."""

import json
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn.functional as F
from gpu_util import close
from rtensor import _C

REF = np.load(Path(__file__).parent / "data" / "resample_native_reference.npz")
META = json.loads(str(REF["meta"]))

PS = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, float("inf")]
SHAPES = [(2, 1), (3, 4), (7, 5), (13, 37), (31, 3)]


def _both(x, p, gy=None):
    """(distances, gradient) of pdist on the CPU and on the GPU, both returned on the CPU."""
    out = []
    for dev in ("cpu", "cuda"):
        xt = torch.tensor(x, device=dev, requires_grad=True)
        d = F.pdist(xt, p)
        g = torch.tensor(gy, device=dev) if gy is not None else torch.ones(d.shape, device=dev)
        gx, = torch.autograd.grad(d, xt, g)
        out.append((d, gx))
    return out


def _tol(p):
    # the general-p formulas go through pow (exp2/log2 on the GPU)
    return (1e-5, 1e-6) if p in (0.0, 1.0, 2.0, float("inf")) else (2e-4, 1e-5)


@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("shape", SHAPES)
def test_pdist_gpu_matches_cpu(gpu, p, shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    x = rng.standard_normal(shape).astype(np.float32)
    pairs = shape[0] * (shape[0] - 1) // 2
    gy = rng.standard_normal(pairs).astype(np.float32)
    (dc, gc), (dg, gg) = _both(x, p, gy)
    rtol, atol = _tol(p)
    close(dg, dc.detach(), rtol, atol)
    close(gg, gc, rtol, atol)
    assert dg.grad_fn.name() == "PdistBackward0"


@pytest.mark.parametrize("p", PS)
def test_pdist_gpu_ties_and_equal_rows(gpu, p):
    # integer values: equal rows (zero distances), zero differences in single columns and
    # ties of the largest difference (the inf-norm's gradient goes to every tied column)
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, size=(9, 6)).astype(np.float32)
    x[4] = x[1]
    x[7] = x[1]
    gy = rng.standard_normal(36).astype(np.float32)
    (dc, gc), (dg, gg) = _both(x, p, gy)
    assert (dc.detach().numpy() == 0).any()
    rtol, atol = _tol(p)
    close(dg, dc.detach(), rtol, atol)
    close(gg, gc, rtol, atol)


@pytest.mark.parametrize("p", PS)
def test_pdist_gpu_nonfinite(gpu, p):
    # NaN and infinity propagate as on the CPU (the kernel tests NaN and zero on the bits:
    # lavapipe's float comparisons assume no NaN); the last two rows are equal
    x = np.array([[0.0, 1.0], [np.nan, 2.0], [np.inf, 0.0], [3.0, -1.0], [3.0, -1.0]],
                 np.float32)
    (dc, gc), (dg, gg) = _both(x, p)
    close(dg, dc.detach(), *_tol(p))
    close(gg, gc, *_tol(p))


def test_pdist_gpu_many_rows_pair_order(gpu):
    # enough rows that the kernel's float estimate of a pair's row needs its exact correction
    rng = np.random.default_rng(5)
    n = 1500
    x = rng.standard_normal((n, 2)).astype(np.float32)
    dc = F.pdist(torch.tensor(x), 1.0)
    dg = F.pdist(torch.tensor(x, device="cuda"), 1.0)
    close(dg, dc, 1e-5, 1e-6)


@pytest.mark.parametrize("view", ["transposed", "step-slice", "offset-slice"])
def test_pdist_gpu_views(gpu, view):
    rng = np.random.default_rng(9)
    base = rng.standard_normal((8, 12)).astype(np.float32)

    def pick(t):
        return {"transposed": t.t(), "step-slice": t[:, ::2], "offset-slice": t[2:]}[view]

    c, g = torch.tensor(base, requires_grad=True), torch.tensor(base, device="cuda",
                                                                requires_grad=True)
    dc, dg = F.pdist(pick(c), 3.0), F.pdist(pick(g), 3.0)
    close(dg, dc.detach(), 2e-4, 1e-5)
    dc.sum().backward()
    dg.sum().backward()
    close(g.grad, c.grad, 2e-4, 1e-5)


def test_pdist_gpu_small_and_empty(gpu):
    for shape in [(0, 3), (1, 4), (5, 0), (2, 0)]:
        x = torch.zeros(shape, device="cuda", requires_grad=True)
        d = F.pdist(x)
        assert d.device.type == "cuda"
        assert tuple(d.shape) == (shape[0] * (shape[0] - 1) // 2,)
        assert d.grad_fn.name() == "PdistBackward0"
        d.sum().backward()
        assert tuple(x.grad.shape) == shape
        assert not x.grad.cpu().numpy().any()
    d = F.pdist(torch.tensor([[1.0], [4.0]], device="cuda"))
    assert d.cpu().tolist() == [3.0]


def _dispatches(f):
    torch.gpu.synchronize()
    d0 = _C._gpu_counters()[0]
    out = f()
    return _C._gpu_counters()[0] - d0, out


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_pdist_gpu_is_one_kernel_each_way(gpu, p):
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((10, 7)).astype(np.float32), device="cuda",
                     requires_grad=True)
    n, d = _dispatches(lambda: F.pdist(x, p))
    assert n == 1
    gy = torch.tensor(rng.standard_normal(45).astype(np.float32), device="cuda")
    n, (gx,) = _dispatches(lambda: torch.autograd.grad(d, x, gy))
    assert n == 1
    assert gx.device.type == "cuda"


def test_pdist_gpu_backward_deterministic(gpu):
    rng = np.random.default_rng(2)
    x = torch.tensor(rng.standard_normal((40, 33)).astype(np.float32), device="cuda",
                     requires_grad=True)
    gy = torch.tensor(rng.standard_normal(780).astype(np.float32), device="cuda")
    runs = [torch.autograd.grad(F.pdist(x, 1.5), x, gy)[0].cpu().numpy() for _ in range(2)]
    assert runs[0].tobytes() == runs[1].tobytes()


def test_pdist_gpu_second_derivative_raises_as_pytorch(gpu):
    e, = META["errors"]
    x = torch.randn(5, 3, device="cuda", requires_grad=True)
    gx, = torch.autograd.grad(F.pdist(x).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == e["node"]
    with pytest.raises(Exception) as info:  # noqa: PT011 (the class is checked by name)
        gx.sum().backward()
    assert type(info.value).__name__ == e["type"]
    assert str(info.value) == e["message"]
