"""The GPU convolution kernels (shaders/conv.wgsl, src/backend/gpu/conv.rs): each primitive
(forward, input gradient = transposed convolution, weight gradient) against the CPU kernels over
a grid of geometries, through F.conv*/F.conv_transpose* and autograd, with double backward,
layouts, determinism and one dispatch per primitive."""

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn.functional as F
from gpu_util import close
from rtensor import _C

RTOL, ATOL = 1e-4, 1e-4
CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONVT = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}

# (id, nd, batch, in channels, out channels, spatial, kernel, stride, padding, dilation, groups)
GRID = [
    ("1d_plain", 1, 2, 3, 5, (13,), (3,), 1, 0, 1, 1),
    ("1d_stride_pad_dil", 1, 3, 4, 6, (17,), (4,), 3, 2, 2, 2),
    ("1d_depthwise", 1, 2, 5, 5, (11,), (5,), 1, 2, 1, 5),
    ("2d_plain_b1", 2, 1, 3, 4, (7, 9), (3, 3), 1, 1, 1, 1),
    ("2d_mixed", 2, 3, 4, 6, (11, 8), (3, 2), (2, 1), (1, 0), (2, 1), 2),
    ("2d_depthwise_mult", 2, 2, 3, 6, (9, 10), (3, 3), 2, 1, 1, 3),
    ("2d_pointwise", 2, 2, 7, 9, (5, 6), (1, 1), 1, 0, 1, 1),
    ("2d_big_channels", 2, 2, 70, 67, (9, 7), (3, 3), 1, 1, 1, 1),
    ("2d_long_rows", 2, 3, 5, 3, (33, 35), (5, 3), (1, 2), (2, 1), (1, 3), 1),
    ("2d_kernel_is_input", 2, 2, 3, 4, (5, 5), (5, 5), 1, 0, 1, 1),
    ("2d_stride_gt_kernel", 2, 2, 2, 3, (13, 12), (2, 2), 3, 1, 1, 1),
    ("3d_plain", 3, 2, 3, 4, (5, 6, 7), (2, 3, 2), 1, 1, 1, 1),
    ("3d_mixed", 3, 2, 4, 4, (6, 7, 5), (2, 3, 2), (1, 2, 1), (1, 0, 1), (2, 1, 1), 4),
]


def _data(case, seed=0):
    _, nd, n, c, o, sp, k, stride, pad, dil, groups = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c) + sp).astype(np.float32)
    w = rng.standard_normal((o, c // groups) + k).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32)
    return x, w, b, dict(stride=stride, padding=pad, dilation=dil, groups=groups)


def _run(fn, x, w, b, kw, device, layout=None):
    xt = torch.tensor(x, device=device)
    if layout is not None:
        xt = xt.contiguous(memory_format=layout)
    xt.requires_grad_(True)
    wt = torch.tensor(w, device=device, requires_grad=True)
    bt = torch.tensor(b, device=device, requires_grad=True)
    y = fn(xt, wt, bt, **kw)
    gy = np.cos(np.arange(y.numel(), dtype=np.float64)).reshape(tuple(y.shape))
    y.backward(torch.tensor(gy.astype(np.float32), device=device))
    return y.detach(), xt.grad, wt.grad, bt.grad


@pytest.mark.parametrize("case", GRID, ids=[c[0] for c in GRID])
def test_conv_primitives_gpu_match_cpu(gpu, case):
    x, w, b, kw = _data(case)
    fn = CONV[case[1]]
    cpu = _run(fn, x, w, b, kw, "cpu")
    dev = _run(fn, x, w, b, kw, gpu)
    for g, c in zip(dev, cpu):
        close(g, c, RTOL, ATOL)


@pytest.mark.parametrize("case", GRID, ids=[c[0] for c in GRID])
def test_conv_transpose_gpu_matches_cpu(gpu, case):
    # The transposed convolution's forward is the input-gradient kernel and its weight gradient
    # the weight-gradient kernel with the roles of input and output exchanged.
    _, nd, n, c, o, sp, k, stride, pad, dil, groups = case
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, o) + sp).astype(np.float32)
    w = rng.standard_normal((o, c // groups) + k).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32)
    kw = dict(stride=stride, padding=pad, dilation=dil, groups=groups)
    s = stride if isinstance(stride, tuple) else (stride,) * nd
    d = dil if isinstance(dil, tuple) else (dil,) * nd
    kw["output_padding"] = tuple(min(si, di) - 1 for si, di in zip(s, d))
    cpu = _run(CONVT[nd], x, w, b, kw, "cpu")
    dev = _run(CONVT[nd], x, w, b, kw, gpu)
    for g, c_ in zip(dev, cpu):
        close(g, c_, RTOL, ATOL)


@pytest.mark.parametrize("nd", [2, 3])
def test_conv_channels_last_and_strided_views_gpu(gpu, nd):
    case = GRID[4] if nd == 2 else GRID[12]
    x, w, b, kw = _data(case)
    fmt = torch.channels_last if nd == 2 else torch.channels_last_3d
    cpu = _run(CONV[nd], x, w, b, kw, "cpu", fmt)
    dev = _run(CONV[nd], x, w, b, kw, gpu, fmt)
    assert dev[0].is_contiguous(memory_format=fmt)
    for g, c in zip(dev, cpu):
        close(g, c, RTOL, ATOL)
    # Operands that are views (a step slice of the input, a transposed weight) are read in place.
    xs = np.ascontiguousarray(np.concatenate([x, x], axis=-1))
    wt = np.ascontiguousarray(np.swapaxes(w, -1, -2))
    outs = []
    for device in ("cpu", gpu):
        xv = torch.tensor(xs, device=device)[..., ::2]
        wv = torch.tensor(wt, device=device).transpose(-1, -2)
        assert not wv.is_contiguous()
        outs.append(CONV[nd](xv, wv, None, **kw))
    close(outs[1], outs[0], RTOL, ATOL)


def test_conv_double_backward_gpu(gpu):
    x, w, b, kw = _data(GRID[4])
    res = []
    for device in ("cpu", gpu):
        xt = torch.tensor(x, device=device, requires_grad=True)
        wt = torch.tensor(w, device=device, requires_grad=True)
        y = F.conv2d(xt, wt, None, **kw)
        gx, gw = torch.autograd.grad((y * y).sum(), (xt, wt), create_graph=True)
        assert gx.grad_fn is not None and gw.grad_fn is not None
        ggx, ggw = torch.autograd.grad((gx * gx).sum() + (gw * gw).sum(), (xt, wt))
        res.append((gx.detach(), gw.detach(), ggx, ggw))
    for g, c in zip(res[1], res[0]):
        close(g, c, 1e-3, 1e-3)


def test_conv_weight_grad_deterministic_gpu(gpu):
    x, w, b, kw = _data(GRID[8])
    runs = [_run(F.conv2d, x, w, b, kw, gpu)[2].cpu().numpy() for _ in range(2)]
    assert runs[0].tobytes() == runs[1].tobytes()


def _dispatches(f):
    torch.gpu.synchronize()
    d0 = _C._gpu_counters()[0]
    out = f()
    return _C._gpu_counters()[0] - d0, out


def test_conv_one_dispatch_per_primitive_gpu(gpu):
    x, w, b, kw = _data(GRID[4])
    xt = torch.tensor(x, device=gpu)
    wt = torch.tensor(w, device=gpu)
    bt = torch.tensor(b, device=gpu)
    n, y = _dispatches(lambda: F.conv2d(xt, wt, bt, **kw))
    assert n == 1  # the bias is added by the forward kernel
    gy = torch.ones(y.shape, device=gpu)
    for needs in (xt, wt):  # the input gradient, then the weight gradient
        needs.requires_grad_(True)
        y = F.conv2d(xt, wt, None, **kw)
        n, (g,) = _dispatches(lambda y=y, needs=needs: torch.autograd.grad(y, needs, gy))
        assert n == 1 and tuple(g.shape) == tuple(needs.shape)
        needs.requires_grad_(False)


def test_conv_split_weight_grad_gpu(gpu):
    # A long reduction (batch x output positions) onto a small weight: the weight gradient is
    # cut into splits whose partial sums a second dispatch adds in split order.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 3, 40, 40)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((4, 5, 38, 38)).astype(np.float32)
    grads = []
    for device in ("cpu", gpu, gpu):
        wt = torch.tensor(w, device=device, requires_grad=True)
        y = F.conv2d(torch.tensor(x, device=device), wt)
        g = torch.tensor(gy, device=device)
        if device == "cpu":
            (gw,) = torch.autograd.grad(y, wt, g)
        else:
            n, (gw,) = _dispatches(lambda y=y, wt=wt, g=g: torch.autograd.grad(y, wt, g))
            assert n == 2
        grads.append(gw)
    close(grads[1], grads[0], RTOL, ATOL)
    assert grads[1].cpu().numpy().tobytes() == grads[2].cpu().numpy().tobytes()


def test_conv_empty_and_integer_gpu(gpu):
    # Empty batches give empty outputs; integer dtypes take the composition on the GPU too.
    x = torch.zeros(0, 4, 5, 5, device=gpu)
    w = torch.ones(6, 2, 3, 3, device=gpu)
    assert tuple(F.conv2d(x, w, groups=2).shape) == (0, 6, 3, 3)
    xi = np.arange(2 * 3 * 6 * 5).reshape(2, 3, 6, 5) % 7 - 3
    wi = np.arange(4 * 3 * 2 * 2).reshape(4, 3, 2, 2) % 5 - 2
    c = F.conv2d(torch.tensor(xi), torch.tensor(wi), stride=2, padding=1)
    g = F.conv2d(torch.tensor(xi, device=gpu), torch.tensor(wi, device=gpu), stride=2, padding=1)
    assert g.dtype == torch.int64
    np.testing.assert_array_equal(g.cpu().numpy(), c.numpy())
