"""The fused GPU attention kernels (shaders/attention.wgsl, src/backend/gpu/attention.rs) against
the CPU fused kernel: F.scaled_dot_product_attention forward and backward over head widths,
L != S, sizes that do not divide the 16-row blocks, causal, float/boolean/broadcast masks,
grouped heads, layouts; the node name, determinism and that the fused path is taken."""

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn.functional as F
from gpu_util import close
from rtensor import _C

NODE = "ScaledDotProductFlashAttentionForCpuBackward0"
RTOL, ATOL = 1e-4, 2e-5


def _qkv(b, h, hk, L, S, d, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((b, h, L, d)).astype(np.float32)
    k = rng.standard_normal((b, hk, S, d)).astype(np.float32)
    v = rng.standard_normal((b, hk, S, d)).astype(np.float32)
    return q, k, v


def _run(arrays, device, mask=None, **kw):
    ts = [torch.tensor(a, device=device, requires_grad=True) for a in arrays]
    m = None if mask is None else torch.tensor(mask, device=device)
    out = F.scaled_dot_product_attention(*ts, attn_mask=m, **kw)
    g = np.sin(np.arange(out.numel(), dtype=np.float64)).reshape(tuple(out.shape))
    out.backward(torch.tensor(g.astype(np.float32), device=device))
    return out, [t.grad for t in ts]


def _compare(gpu, arrays, mask=None, **kw):
    c_out, c_grads = _run(arrays, "cpu", mask, **kw)
    g_out, g_grads = _run(arrays, gpu, mask, **kw)
    assert c_out.grad_fn.name() == NODE
    assert g_out.grad_fn.name() == NODE
    close(g_out.detach(), c_out.detach(), RTOL, ATOL)
    for g, c in zip(g_grads, c_grads):
        close(g, c, RTOL, ATOL)
    return g_out


# (b, h, L, S, d): head widths 8, 16, 64, odd 20 and one wider than a 128-column pass.
SIZES = [
    (2, 3, 5, 7, 8),
    (1, 2, 16, 16, 16),
    (2, 2, 33, 17, 64),
    (1, 3, 19, 40, 20),
    (1, 1, 9, 21, 130),
    (3, 1, 1, 1, 4),
]


@pytest.mark.parametrize("size", SIZES, ids=[str(s) for s in SIZES])
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_gpu_matches_cpu(gpu, size, causal):
    b, h, L, S, d = size
    _compare(gpu, _qkv(b, h, h, L, S, d), is_causal=causal)


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_gpu_scale_and_long_rows(gpu, causal):
    # L > S with a causal mask leaves the first rows few keys; S spans several key blocks.
    _compare(gpu, _qkv(1, 2, 2, 70, 45, 24, seed=1), is_causal=causal, scale=0.3)


@pytest.mark.parametrize("shape", [(2, 3, 11, 19), (11, 19), (1, 3, 1, 19)])
def test_sdpa_gpu_float_mask(gpu, shape):
    rng = np.random.default_rng(2)
    mask = rng.standard_normal(shape).astype(np.float32)
    _compare(gpu, _qkv(2, 3, 3, 11, 19, 16), mask)


@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_gpu_bool_mask_with_dead_rows(gpu, causal):
    rng = np.random.default_rng(3)
    mask = rng.random((2, 2, 13, 22)) > 0.4
    mask[0, 1, 3] = False  # a row that sees no key: zeros and zero gradients
    mask[1, 0, :, 5] = False
    out = _compare(gpu, _qkv(2, 2, 2, 13, 22, 8), mask, is_causal=causal)
    np.testing.assert_array_equal(out.detach().cpu().numpy()[0, 1, 3], 0.0)


def test_sdpa_gpu_grouped_query_heads(gpu):
    _compare(gpu, _qkv(2, 4, 2, 9, 12, 8, seed=4), enable_gqa=True)


def test_sdpa_gpu_strided_inputs(gpu):
    # (batch, seq, heads, dim) data seen as (batch, heads, seq, dim), as attention modules do.
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal((2, 10, 3, 8)).astype(np.float32) for _ in range(3)]
    res = []
    for device in ("cpu", gpu):
        ts = [torch.tensor(a, device=device, requires_grad=True) for a in arrays]
        out = F.scaled_dot_product_attention(*(t.transpose(1, 2) for t in ts), is_causal=True)
        assert out.grad_fn.name() == NODE
        out.sum().backward()
        res.append([out.detach()] + [t.grad for t in ts])
    for g, c in zip(res[1], res[0]):
        close(g, c, RTOL, ATOL)


def test_sdpa_gpu_one_dispatch_forward_and_deterministic_backward(gpu):
    q, k, v = (torch.tensor(a, device=gpu) for a in _qkv(2, 2, 2, 40, 50, 16, seed=6))
    torch.gpu.synchronize()
    d0 = _C._gpu_counters()[0]
    out = F.scaled_dot_product_attention(q, k, v)
    assert _C._gpu_counters()[0] - d0 == 1  # fused: no score matrix, no softmax pass
    assert tuple(out.shape) == (2, 2, 40, 16)
    grads = []
    for _ in range(2):
        ts = [t.clone().requires_grad_(True) for t in (q, k, v)]
        F.scaled_dot_product_attention(*ts, is_causal=True).sum().backward()
        grads.append([t.grad.cpu().numpy().tobytes() for t in ts])
    assert grads[0] == grads[1]


def test_sdpa_gpu_no_second_derivative(gpu):
    q, k, v = (torch.tensor(a, device=gpu, requires_grad=True) for a in _qkv(1, 1, 1, 4, 5, 8))
    out = F.scaled_dot_product_attention(q, k, v)
    with pytest.raises(RuntimeError, match="derivative for aten::_scaled_dot_product_flash"):
        torch.autograd.grad(out.sum(), q, create_graph=True)
