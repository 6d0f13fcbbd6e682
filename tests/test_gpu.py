"""The GPU device (wgpu + WGSL), checked against the CPU ops as the oracle.

Runs on any Vulkan/Metal/DX12 adapter; in CI on Mesa's lavapipe with
``RTENSOR_ALLOW_SOFTWARE_GPU=1``. Without an adapter the device tests skip with the reason.
"""

import numpy as np
import pytest
import rtensor as torch
from gpu_util import ATOL_RED, RTOL, RTOL_RED, close, views
from rtensor import _C, _gpu_guard

RNG = np.random.default_rng(0)
BASE = RNG.standard_normal((5, 6)).astype(np.float32)
POS = (RNG.random((5, 6)) * 3 + 0.1).astype(np.float32)
UNIT = (RNG.random((5, 6)) * 1.8 - 0.9).astype(np.float32)
INTS = RNG.integers(-20, 20, (5, 6)).astype(np.int32)


# ----- device model (no adapter needed) -----


def test_device_names_and_aliases():
    assert torch.device("gpu") == torch.device("cuda")
    assert torch.device("gpu:0") == torch.device("cuda:0")
    assert repr(torch.device("cuda:0")) == "device(type='cuda', index=0)"
    assert str(torch.device("gpu")) == "cuda"
    assert torch.device(0) == torch.device("cuda:0")
    with pytest.raises(RuntimeError, match="Expected one of cpu, gpu, cuda"):
        torch.device("tpu")
    assert torch.cuda is torch.gpu
    import rtensor.cuda as cuda_mod

    assert cuda_mod is torch.gpu


def test_cpu_tensor_device_flags():
    t = torch.ones(2)
    assert t.device == torch.device("cpu")
    assert not t.is_cuda and t.is_cpu
    assert t.cpu() is t
    assert t.to("cpu") is t


def test_availability_is_consistent():
    avail = torch.cuda.is_available()
    assert torch.cuda.device_count() == (1 if avail else 0)
    if not avail:
        with pytest.raises(RuntimeError, match="not available"):
            torch.ones(2, device="cuda")


# ----- transfers and creation -----


def test_roundtrip_dtypes(gpu):
    for dt, data in [
        (torch.float32, [1.5, -2.0, 3.25]),
        (torch.int32, [1, -2, 2**31 - 1]),
        (torch.int64, [-(2**31), 5, 2**31 - 1]),
        (torch.bool, [True, False, True]),
    ]:
        c = torch.tensor(data, dtype=dt)
        g = c.to(gpu)
        assert g.is_cuda and g.dtype == dt and g.device == torch.device("cuda:0")
        assert g.cpu().tolist() == c.tolist()
        assert g.tolist() == c.tolist()


def test_float64_and_other_dtypes_raise_type_error(gpu):
    with pytest.raises(TypeError, match="float64"):
        torch.ones(2, dtype=torch.float64).cuda()
    with pytest.raises(TypeError, match="float64"):
        torch.zeros(3, dtype=torch.float64, device="cuda")
    with pytest.raises(TypeError, match="float16"):
        torch.ones(2, dtype=torch.float16).to("cuda")
    g = torch.ones(2, device="cuda")
    with pytest.raises(TypeError, match="float64"):
        g.double()
    # float64 CPU data converted on the way is fine.
    h = torch.ones(2, dtype=torch.float64).to("cuda", torch.float32)
    assert h.dtype == torch.float32 and h.is_cuda


def test_int64_range_check(gpu):
    with pytest.raises(RuntimeError, match="does not fit"):
        torch.tensor([2**31], dtype=torch.int64).cuda()
    with pytest.raises(RuntimeError, match="does not fit"):
        torch.tensor([-(2**31) - 1]).to("cuda")


def test_factories_take_device(gpu):
    for t, c in [
        (torch.zeros(2, 3, device="cuda"), torch.zeros(2, 3)),
        (torch.ones(4, device="gpu"), torch.ones(4)),
        (torch.full((2, 2), 7.5, device=gpu), torch.full((2, 2), 7.5)),
        (torch.arange(10, device="cuda"), torch.arange(10)),
        (torch.linspace(0, 1, 7, device="cuda"), torch.linspace(0, 1, 7)),
        (torch.eye(3, device="cuda"), torch.eye(3)),
        (torch.tensor([[1, 2], [3, 4]], device="cuda:0"), torch.tensor([[1, 2], [3, 4]])),
        (torch.empty(3, device="cuda").zero_(), torch.zeros(3)),
        (torch.zeros_like(torch.ones(3, device="cuda")), torch.zeros(3)),
        (torch.ones(2, device="cuda").new_zeros(3), torch.zeros(3)),
        (torch.ones(2, device="cuda").new_tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])),
    ]:
        assert t.is_cuda
        close(t, c)


def test_random_numbers_equal_cpu(gpu):
    torch.manual_seed(123)
    a = torch.rand(4, 5, device="cuda")
    b = torch.randn(7, device="cuda")
    torch.manual_seed(123)
    close(a, torch.rand(4, 5), rtol=0, atol=0)
    close(b, torch.randn(7), rtol=0, atol=0)
    g = torch.empty(3, 4, device="cuda")
    torch.manual_seed(5)
    g.uniform_(-1, 1)
    torch.manual_seed(5)
    close(g, torch.empty(3, 4).uniform_(-1, 1), rtol=0, atol=0)
    like = torch.randn_like(g)
    assert like.is_cuda
    torch.manual_seed(9)
    gi = torch.randint(0, 10, (6,), device="cuda")
    torch.manual_seed(9)
    assert gi.cpu().tolist() == torch.randint(0, 10, (6,)).tolist()


def test_item_and_scalar_conversions(gpu):
    g = torch.tensor([3.5], device="cuda")
    assert g.item() == 3.5 and float(g) == 3.5 and bool(g)
    assert int(torch.tensor(7, device="cuda")) == 7
    with pytest.raises(TypeError, match="Use Tensor.cpu"):
        g.numpy()


def test_printing(gpu):
    assert repr(torch.tensor([1.0, 2.0], device="cuda")) == "tensor([1., 2.], device='cuda:0')"
    t = torch.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    assert repr(t) == "tensor([1., 2.], device='cuda:0', requires_grad=True)"
    assert repr(torch.tensor([1, 2], dtype=torch.int32, device="cuda")) == (
        f"tensor([1, 2], device='cuda:0', dtype={torch.int32})"
    )
    assert repr(torch.tensor([True, False], device="cuda")) == (
        "tensor([ True, False], device='cuda:0')"
    )
    c = torch.arange(12.0).reshape(3, 4)
    assert repr(c.cuda().t()) == repr(c.t())[:-1] + ", device='cuda:0')"


# ----- elementwise -----

UNARY = {
    "neg": BASE, "abs": BASE, "exp": BASE, "log": POS, "sqrt": POS, "rsqrt": POS,
    "sin": BASE, "cos": BASE, "tan": UNIT, "tanh": BASE, "sigmoid": BASE, "relu": BASE,
    "floor": BASE * 3, "ceil": BASE * 3, "round": BASE * 3, "trunc": BASE * 3,
    "frac": BASE * 3, "sign": BASE, "reciprocal": POS, "square": BASE, "exp2": BASE,
    "log2": POS, "log10": POS, "log1p": POS, "expm1": BASE, "asin": UNIT, "acos": UNIT,
    "atan": BASE, "asinh": BASE * 30, "acosh": POS + 1, "atanh": UNIT,
}


@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_float(gpu, op):
    for _name, c, g in views(UNARY[op]):
        close(getattr(g, op)(), getattr(c, op)(), rtol=3e-5 if op in ("tan", "expm1") else RTOL)


@pytest.mark.parametrize("op", ["neg", "abs", "sign", "relu", "square", "bitwise_not", "floor"])
def test_unary_int(gpu, op):
    for _name, c, g in views(INTS):
        close(getattr(g, op)(), getattr(c, op)())


def test_unary_int_to_float_and_predicates(gpu):
    for _, c, g in views(INTS):
        close(g.exp(), c.exp())
        close(g.sqrt(), c.sqrt())
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], dtype=np.float32)
    c = torch.from_numpy(x)
    g = c.cuda()
    for op in ("isnan", "isinf", "isfinite", "logical_not"):
        close(getattr(g, op)(), getattr(c, op)())
    b = torch.tensor([True, False])
    close(~b.cuda(), ~b)
    with pytest.raises(RuntimeError, match="Negation"):
        -b.cuda()


BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
          "atan2"]


@pytest.mark.parametrize("op", BINARY)
def test_binary_broadcast_and_views(gpu, op):
    other = RNG.standard_normal((12,)).astype(np.float32)
    oc = torch.from_numpy(other)
    og = oc.cuda()
    for _name, c, g in views(BASE):
        n = c.shape[-1]
        # The broadcast operand is itself a stepped view.
        close(getattr(g, op)(og[::2][:n]), getattr(c, op)(oc[::2][:n]))
        close(getattr(g, op)(g), getattr(c, op)(c))
    col = torch.from_numpy(other[:5].reshape(5, 1).copy())
    close(getattr(BASE_G(), op)(col.cuda()), getattr(torch.from_numpy(BASE), op)(col))


def BASE_G():
    return torch.from_numpy(BASE).cuda()


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow", "maximum", "lt", "eq"])
def test_binary_scalars(gpu, op):
    c = torch.from_numpy(POS)
    g = c.cuda()
    for s in (2, 0.5, -1.5, True):
        if op == "sub" and s is True:
            # PyTorch's sub_check refuses a bool operand, on every device.
            for x in (g, c):
                with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
                    x.sub(s)
            continue
        close(getattr(g, op)(s), getattr(c, op)(s))
    # A 0-d CPU tensor mixes with GPU tensors as a scalar (as in PyTorch).
    close(getattr(g, op)(torch.tensor(3.0)), getattr(c, op)(torch.tensor(3.0)))


def test_pow_negative_bases_and_operators(gpu):
    x = torch.tensor([-2.0, -1.5, 0.0, 2.0, 3.0])
    e = torch.tensor([2.0, 3.0, 2.0, 0.5, -1.0])
    close(x.cuda() ** e.cuda(), x ** e)
    close(x.cuda() ** 2, x ** 2)
    close(2 ** x.cuda(), 2 ** x)
    c = torch.from_numpy(BASE)
    g = c.cuda()
    close(g + 1, c + 1)
    close(1 - g, 1 - c)
    close(g * g - g / 2, c * c - c / 2)
    close(-g, -c)
    close(abs(g), abs(c))
    close((g > 0) & (g < 1), (c > 0) & (c < 1))
    close((g > 0) | (g < -1), (c > 0) | (c < -1))


def test_binary_int_and_promotion(gpu):
    a = torch.from_numpy(INTS)
    b = torch.from_numpy(INTS[::-1].copy())
    ag, bg = a.cuda(), b.cuda()
    for op in ("add", "sub", "mul", "maximum", "minimum", "bitwise_and", "bitwise_or",
               "bitwise_xor", "lt", "eq"):
        close(getattr(ag, op)(bg), getattr(a, op)(b))
    close(ag / bg.clamp(min=1), a / b.clamp(min=1))  # int / int is float
    close(ag + 0.5, a + 0.5)  # int tensor + float promotes
    close(ag * 3, a * 3)
    close(ag.float() + torch.from_numpy(BASE).cuda(), a.float() + torch.from_numpy(BASE))
    i64 = torch.tensor([1, 2, 3])
    close(i64.cuda() + i64.cuda(), i64 + i64)
    bl = torch.tensor([True, False, True])
    close(bl.cuda() + bl.cuda(), bl + bl)
    close(bl.cuda() + 1, bl + 1)


def test_where_clamp_and_logical(gpu):
    c = torch.from_numpy(BASE)
    g = c.cuda()
    close(torch.where(g > 0, g, -g * 2), torch.where(c > 0, c, -c * 2))
    close(torch.where(g > 0, g, 0.0), torch.where(c > 0, c, 0.0))
    close(g.clamp(-0.5, 0.5), c.clamp(-0.5, 0.5))
    close(g.clamp(min=0.1), c.clamp(min=0.1))
    close(torch.logical_and(g > 0, g < 1), torch.logical_and(c > 0, c < 1))
    close(torch.logical_xor(g > 0, g < 1), torch.logical_xor(c > 0, c < 1))


def test_casts(gpu):
    c = torch.from_numpy(BASE * 10)
    g = c.cuda()
    for dt in (torch.int32, torch.int64, torch.bool, torch.float32):
        close(g.to(dt), c.to(dt))
        close(g.t().to(dt), c.t().to(dt))
    i = torch.from_numpy(INTS)
    close(i.cuda().float(), i.float())
    close(i.cuda().bool(), i.bool())
    close(i.cuda().long(), i.long())
    close((i > 0).cuda().int(), (i > 0).int())


def test_copy_fill_inplace(gpu):
    c = torch.from_numpy(BASE.copy())
    g = c.cuda()
    close(g.t().contiguous(), c.t().contiguous())
    assert g.t().contiguous().is_contiguous()
    g2, c2 = g.clone(), c.clone()
    g2[1:3, ::2] = 5.0
    c2[1:3, ::2] = 5.0
    close(g2, c2)
    g2[0] = torch.arange(6.0)  # CPU value into a GPU slice
    c2[0] = torch.arange(6.0)
    close(g2, c2)
    g2[:, 1].fill_(-1)
    c2[:, 1].fill_(-1)
    close(g2, c2)
    g2.add_(1).mul_(2)
    c2.add_(1).mul_(2)
    close(g2, c2)
    g2.t()[::2].exp_()
    c2.t()[::2].exp_()
    close(g2, c2)
    # Overlapping in-place source reads the old values (PyTorch's semantics for a[1:] += a[:-1]).
    g3, c3 = g.clone(), c.clone()
    g3[1:] += g3[:-1]
    c3[1:] += c3[:-1]
    close(g3, c3)
    dst = torch.zeros(5, 6, device="cuda")
    dst.copy_(c)  # CPU -> GPU copy
    close(dst, c)
    back = torch.zeros(5, 6)
    back.copy_(g)  # GPU -> CPU copy
    np.testing.assert_array_equal(back.numpy(), c.numpy())
    zero = g.clone().zero_()
    close(zero, torch.zeros(5, 6))


def test_cat_and_stack(gpu):
    a, b = torch.from_numpy(BASE), torch.from_numpy(POS)
    ag, bg = a.cuda(), b.cuda()
    close(torch.cat([ag, bg]), torch.cat([a, b]))
    close(torch.cat([ag, bg.t().t()], 1), torch.cat([a, b], 1))
    close(torch.cat([ag[:, ::2], bg[:, 1::2]], 0), torch.cat([a[:, ::2], b[:, 1::2]], 0))
    close(torch.stack([ag, bg], 2), torch.stack([a, b], 2))
    with pytest.raises(RuntimeError, match="same device"):
        torch.cat([ag, b])


# ----- reductions -----


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin"])
def test_reductions_over_dims(gpu, op):
    base = RNG.standard_normal((4, 5, 6)).astype(np.float32)
    for _name, c, g in views(base):
        for dims in (None, 0, 1, -1, (0, 2), (1, 2), (0, 1, 2)):
            if dims is None:
                close(getattr(g, op)(), getattr(c, op)(), RTOL_RED, ATOL_RED)
                continue
            for keep in (False, True):
                close(getattr(g, op)(dims, keepdim=keep), getattr(c, op)(dims, keepdim=keep),
                      RTOL_RED, ATOL_RED)


def test_reduction_large_rows_and_ints(gpu):
    big = RNG.standard_normal((3, 5000)).astype(np.float32)
    c = torch.from_numpy(big)
    close(c.cuda().sum(1), c.sum(1), RTOL_RED, 1e-3)
    close(c.cuda().sum(), c.sum(), RTOL_RED, 1e-2)
    close(c.cuda().mean(0), c.mean(0), RTOL_RED, ATOL_RED)
    i = torch.from_numpy(INTS)
    close(i.cuda().sum(), i.sum())  # int32 sums to int64
    close(i.cuda().sum(0), i.sum(0))
    close(i.cuda().amax(1), i.amax(1))
    b = i > 0
    close(b.cuda().sum(1), b.sum(1))
    close(c.cuda().sum(1, dtype=torch.float32), c.sum(1, dtype=torch.float32), RTOL_RED, 1e-3)
    with pytest.raises(RuntimeError, match="mean"):
        i.cuda().mean()


def test_max_min_argmax(gpu):
    x = RNG.standard_normal((4, 7)).astype(np.float32)
    x[2, 3] = x[2, 5] = 9.0  # a tie: the first index wins
    for _name, c, g in views(x):
        for dim in (0, 1, -1):
            for keep in (False, True):
                vg, ig = g.max(dim, keepdim=keep)
                vc, ic = c.max(dim, keepdim=keep)
                close(vg, vc)
                close(ig, ic)
                vg, ig = g.min(dim, keepdim=keep)
                vc, ic = c.min(dim, keepdim=keep)
                close(vg, vc)
                close(ig, ic)
        close(g.argmax(), c.argmax())
        close(g.argmin(1), c.argmin(1))
        close(g.max(), c.max())
        close(g.min(), c.min())
    n = torch.tensor([1.0, float("nan"), 3.0, float("nan")])
    close(n.cuda().max(0)[1], n.max(0)[1])
    close(n.cuda().amax(), n.amax())
    i = torch.from_numpy(INTS)
    close(i.cuda().max(1)[0], i.max(1)[0])
    close(i.cuda().argmax(0), i.argmax(0))


# ----- matmul -----


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (5, 3, 7), (17, 33, 5), (64, 64, 64), (130, 70, 129)])
def test_mm_shapes(gpu, m, k, n):
    a = torch.from_numpy(RNG.standard_normal((m, k)).astype(np.float32))
    b = torch.from_numpy(RNG.standard_normal((k, n)).astype(np.float32))
    close(a.cuda() @ b.cuda(), a @ b, 1e-4, 1e-4)
    close(b.cuda().t() @ a.cuda().t(), b.t() @ a.t(), 1e-4, 1e-4)  # transposed operands


def test_matmul_forms(gpu):
    a = torch.from_numpy(RNG.standard_normal((2, 3, 8, 5)).astype(np.float32))
    b = torch.from_numpy(RNG.standard_normal((3, 5, 4)).astype(np.float32))
    v = torch.from_numpy(RNG.standard_normal((5,)).astype(np.float32))
    close(a.cuda() @ b.cuda(), a @ b, 1e-4, 1e-4)  # broadcast batch
    close(torch.bmm(a[0].cuda(), b.cuda()), torch.bmm(a[0], b), 1e-4, 1e-4)
    close(a.cuda() @ v.cuda(), a @ v, 1e-4, 1e-4)
    close(v.cuda() @ b.cuda(), v @ b, 1e-4, 1e-4)
    close(v.cuda().dot(v.cuda()), v.dot(v), 1e-4, 1e-4)
    m = a[0, 0]
    close(m.cuda().mv(v.cuda()), m.mv(v), 1e-4, 1e-4)
    close(m.cuda()[::2] @ b[0].cuda()[:, 1:], m[::2] @ b[0][:, 1:], 1e-4, 1e-4)
    i = torch.from_numpy(INTS)
    close(i.cuda() @ i.cuda().t(), i @ i.t())
    with pytest.raises(RuntimeError, match="same device"):
        a.cuda() @ b


# ----- errors and the no-fallback rule -----


def test_mixing_devices_raises(gpu):
    g = torch.ones(3, device="cuda")
    c = torch.ones(3)
    msg = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
    for f in (lambda: g + c, lambda: c * g, lambda: torch.where(g > 0, g, c), lambda: g.maximum(c)):
        with pytest.raises(RuntimeError) as e:
            f()
        assert str(e.value) == msg


def test_every_native_has_a_gpu_path_or_is_guarded(gpu):
    """The no-fallback rule at the native boundary: each native entry point either has a GPU
    path (listed in the guard module) or is wrapped to raise NotImplementedError naming it."""
    listed = _gpu_guard._TENSOR_GPU | _gpu_guard._MODULE_GPU
    methods, functions = _gpu_guard.guarded_names()
    for owner, guarded in ((_C.Tensor, methods), (_C, functions)):
        for name, obj in vars(owner).items():
            if name.startswith("__") or name.startswith("_gpu_"):
                continue
            if _gpu_guard._native(obj) or getattr(obj, "_gpu_guarded", False):
                assert name in listed or name in guarded, name
    g = torch.ones(2, 3, device="cuda")
    for name in methods:
        with pytest.raises(NotImplementedError, match="is not implemented for the GPU device"):
            getattr(g, name)()
    for name in functions:
        with pytest.raises(NotImplementedError, match="is not implemented for the GPU device"):
            getattr(_C, name)([g, g])  # tensors inside a list argument count too


def test_the_guard_refuses_gpu_tensors(gpu):
    wrapped = _gpu_guard._wrap("_demo_op", lambda *a, **k: "ran")
    g = torch.ones(2, device="cuda")
    with pytest.raises(NotImplementedError) as e:
        wrapped(g)
    assert str(e.value) == '"demo_op" is not implemented for the GPU device'
    with pytest.raises(NotImplementedError):
        wrapped(x=[1, (g,)])
    assert wrapped(torch.ones(2)) == "ran"


def test_cpu_calls_are_unaffected_by_the_guard(gpu):
    c = torch.tensor([3.0, 1.0, 2.0])
    assert c.sort()[0].tolist() == [1.0, 2.0, 3.0]
    assert c.cumsum(0).tolist() == [3.0, 4.0, 6.0]


# ----- autograd -----


def _grads(device):
    torch.manual_seed(0)
    x = torch.randn(4, 3, device=device, requires_grad=True)
    w = torch.randn(3, 5, device=device, requires_grad=True)
    b = torch.randn(5, device=device, requires_grad=True)
    h = (x @ w + b).tanh()
    y = (h.sigmoid() * h.exp() - h.relu() / 2).clamp(-2, 2)
    loss = (y ** 2).mean() + y.sum(0).amax() + torch.where(y > 0, y, y * 0.1).sum()
    loss = loss + x.t().abs().sum() * 0.1 + (x[:, ::2] * 3).mean()
    loss.backward()
    return loss, x.grad, w.grad, b.grad


def test_backward_matches_cpu(gpu):
    lg, *gg = _grads("cuda")
    lc, *gc = _grads("cpu")
    close(lg, lc, 1e-4, 1e-5)
    for a, b in zip(gg, gc):
        assert a.is_cuda
        close(a, b, 1e-4, 1e-5)


def test_backward_through_device_move_and_accumulation(gpu):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)  # CPU leaf
    y = (x.cuda() * 2).sum()
    assert y.is_cuda and y.grad_fn is not None
    y.backward()
    assert not x.grad.is_cuda
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    g = torch.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    for _ in range(2):
        (g * g).sum().backward()
    assert g.grad.is_cuda
    assert g.grad.tolist() == [4.0, 8.0]
    m = torch.ones(2, 3, device="cuda", requires_grad=True)
    (m.sum(1) * torch.tensor([1.0, 2.0], device="cuda")).sum().backward()
    close(m.grad, torch.tensor([[1.0] * 3, [2.0] * 3]))


def test_autograd_grad_and_explicit_gradient_on_gpu(gpu):
    x = torch.tensor([1.0, 2.0, 3.0], device="cuda", requires_grad=True)
    y = x * x
    y.backward(torch.tensor([1.0, 0.5, 2.0], device="cuda"))
    assert x.grad.is_cuda and x.grad.tolist() == [2.0, 2.0, 12.0]
    (gx,) = torch.autograd.grad((x ** 3).sum(), [x])
    assert gx.is_cuda
    close(gx, 3 * torch.tensor([1.0, 2.0, 3.0]) ** 2)


def test_backward_split_chunk_on_gpu(gpu):
    x = torch.arange(6.0, device="cuda", requires_grad=True)
    a, _b, _c = x.chunk(3)
    (a * 2).sum().backward()  # b and c get zero gradients on the GPU
    assert x.grad.is_cuda
    assert x.grad.tolist() == [2.0, 2.0, 0.0, 0.0, 0.0, 0.0]


# ----- runtime: memory, batching, sync -----


def test_memory_stats_and_empty_cache(gpu):
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    base = torch.cuda.memory_allocated()
    t = torch.zeros(1024, 1024, device="cuda")  # 4 MiB: one 4 MiB bucket
    assert torch.cuda.memory_allocated() == base + 4 * 1024 * 1024
    assert torch.cuda.max_memory_allocated() >= base + 4 * 1024 * 1024
    del t
    assert torch.cuda.memory_allocated() == base
    assert torch.cuda.memory_reserved() >= base + 4 * 1024 * 1024  # cached for reuse
    reserved = torch.cuda.memory_reserved()
    t2 = torch.ones(1000, 1000, device="cuda")  # same 4 MiB bucket: the cached buffer is reused
    assert torch.cuda.memory_reserved() == reserved
    assert torch.cuda.memory_allocated() == base + 4 * 1024 * 1024
    assert t2.sum().item() == 1e6  # a reused buffer is really refilled
    del t2
    torch.cuda.empty_cache()
    assert torch.cuda.memory_reserved() == torch.cuda.memory_allocated() == base


def test_dispatches_are_batched_until_read(gpu):
    g = torch.ones(256, device="cuda")
    torch.cuda.synchronize()
    d0, s0 = _C._gpu_counters()
    y = g
    for _ in range(10):
        y = y * 1.5 + 1
    d1, s1 = _C._gpu_counters()
    assert d1 - d0 == 20  # one kernel per op
    assert s1 - s0 <= 1  # not one submit per op
    expect = 1.0
    for _ in range(10):
        expect = expect * 1.5 + 1
    assert y[0].item() == pytest.approx(expect, rel=1e-6)
    assert _C._gpu_counters()[1] > s1  # reading submitted the batch


def test_views_are_read_in_place(gpu):
    g = torch.ones(64, 32, device="cuda")
    torch.cuda.synchronize()
    d0, _ = _C._gpu_counters()
    r = g.t()[::2] + g.t()[1::2]
    assert _C._gpu_counters()[0] - d0 == 1  # no copy kernels for the strided operands
    assert r.shape == (16, 64)


def test_device_name_and_synchronize(gpu):
    assert isinstance(torch.cuda.get_device_name(), str) and torch.cuda.get_device_name()
    torch.cuda.synchronize()
