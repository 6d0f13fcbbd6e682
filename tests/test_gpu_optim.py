"""The fused optimizer updates on the GPU (``_C._optim_step`` with float32 GPU parameters,
``shaders/optim.wgsl``) against the CPU updates as the oracle: identical CPU and GPU copies of
the parameters are trained for several steps with the same gradients, and the parameters and
every state tensor must agree.

Runs on any Vulkan/Metal/DX12 adapter; in CI on Mesa's lavapipe with
``RTENSOR_ALLOW_SOFTWARE_GPU=1``.
"""

import numpy as np
import pytest
import rtensor as torch
from rtensor import _C, optim

if not torch.gpu.is_available():
    pytest.skip(f"no GPU adapter: {_C._gpu_unavailable_reason()}", allow_module_level=True)

RTOL, ATOL = 1e-5, 1e-6
STEPS = 8  # RAdam takes its rectified step from step 6 on (beta2 = 0.999); ASGD averages
#            after t0 steps

# Several parameters per group: a matrix, one spanning two workgroups, a 0-d one.
SHAPES = [(5, 7), (300,), ()]


def _grads(seed, shape, sparse=False):
    """Per-step gradients; `sparse` zeroes about half the entries (SparseAdam updates only the
    others; Rprop then sees zero products and sign changes)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(STEPS):
        g = rng.standard_normal(shape).astype(np.float32)
        if sparse:
            g = np.where(rng.random(shape) < 0.5, np.float32(0), g).astype(np.float32)
        out.append(g)
    return out


def _params(seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


def _train(cls, kwargs, device, sparse=False):
    ps = [torch.tensor(a, device=device, requires_grad=True) for a in _params(1)]
    opt = cls(ps, **kwargs)
    grads = [_grads(10 + i, s, sparse) for i, s in enumerate(SHAPES)]
    for step in range(STEPS):
        for p, gs in zip(ps, grads):
            p.grad = torch.tensor(gs[step], device=device)
        opt.step()
    return ps, opt


def _host(t):
    return t.detach().cpu().numpy() if t.is_cuda else t.detach().numpy()


def _compare(cls, kwargs, sparse=False):
    cps, copt = _train(cls, kwargs, "cpu", sparse)
    gps, gopt = _train(cls, kwargs, "cuda", sparse)
    for cp, gp in zip(cps, gps):
        assert gp.is_cuda
        np.testing.assert_allclose(_host(gp), _host(cp), rtol=RTOL, atol=ATOL)
        cs, gs = copt.state[cp], gopt.state[gp]
        assert sorted(cs) == sorted(gs)
        for name, cv in cs.items():
            gv = gs[name]
            if not isinstance(cv, torch.Tensor):
                assert gv == cv, name
                continue
            if name in type(gopt)._state_names:
                assert gv.is_cuda, name  # per-element state lives with the parameter
            np.testing.assert_allclose(_host(gv), _host(cv), rtol=RTOL, atol=ATOL,
                                       err_msg=f"{cls.__name__} {kwargs} state {name}")


CASES = [
    (optim.SGD, dict(lr=0.1)),
    (optim.SGD, dict(lr=0.1, weight_decay=0.1)),
    (optim.SGD, dict(lr=0.1, maximize=True)),
    (optim.SGD, dict(lr=0.05, momentum=0.9)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    (optim.SGD, dict(lr=0.05, momentum=0.5, nesterov=True, weight_decay=0.1)),
    (optim.Adam, dict()),
    (optim.Adam, dict(lr=0.01, amsgrad=True)),
    (optim.Adam, dict(lr=0.01, weight_decay=0.1, maximize=True)),
    (optim.Adam, dict(lr=0.01, betas=(0.3, 0.6), eps=1e-6)),  # lerp weight above one half
    (optim.Adam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, amsgrad=True)),
    (optim.AdamW, dict(lr=0.01)),
    (optim.AdamW, dict(lr=0.01, amsgrad=True, maximize=True)),
    (optim.Adamax, dict()),
    (optim.Adamax, dict(lr=0.01, weight_decay=0.1, maximize=True, betas=(0.2, 0.9))),
    (optim.NAdam, dict()),
    (optim.NAdam, dict(lr=0.01, weight_decay=0.1, maximize=True)),
    (optim.NAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    (optim.RAdam, dict()),
    (optim.RAdam, dict(lr=0.01, weight_decay=0.1, maximize=True)),
    (optim.RAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    (optim.RMSprop, dict()),
    (optim.RMSprop, dict(lr=0.01, centered=True)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.9)),
    (optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1)),
    (optim.RMSprop, dict(lr=0.01, alpha=0.3, maximize=True, centered=True)),
    (optim.Adagrad, dict()),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    (optim.Adagrad, dict(lr=0.1, maximize=True)),
    (optim.Adadelta, dict()),
    (optim.Adadelta, dict(lr=0.5, rho=0.5, weight_decay=0.1, maximize=True)),
    (optim.ASGD, dict()),
    (optim.ASGD, dict(lr=0.05, lambd=0.01, t0=2, weight_decay=0.1, maximize=True)),
]


def _id(case):
    cls, kw = case
    return cls.__name__ + "-" + ("-".join(f"{k}={v}" for k, v in kw.items()) or "default")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_update_matches_cpu(case):
    cls, kwargs = case
    _compare(cls, kwargs)


SPARSE_CASES = [
    (optim.Rprop, dict()),
    (optim.Rprop, dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08), maximize=True)),
    (optim.SparseAdam, dict()),
    (optim.SparseAdam, dict(lr=0.01, betas=(0.3, 0.9), maximize=True)),
    (optim.Adam, dict(lr=0.01, amsgrad=True)),
]


@pytest.mark.parametrize("case", SPARSE_CASES, ids=[_id(c) for c in SPARSE_CASES])
def test_update_with_zero_gradients_matches_cpu(case):
    cls, kwargs = case
    _compare(cls, kwargs, sparse=True)


def test_rprop_dense_gradients_match_cpu():
    _compare(optim.Rprop, dict(lr=0.05))


def test_every_fused_optimizer_is_covered():
    fused = {c for c in vars(optim).values()
             if isinstance(c, type) and issubclass(c, optim.Optimizer) and c._kernel}
    assert fused == {c for c, _ in CASES + SPARSE_CASES}


def test_training_with_backward_matches_cpu():
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((4, 3)).astype(np.float32)
    x0 = rng.standard_normal((6, 4)).astype(np.float32)
    y0 = rng.standard_normal((6, 3)).astype(np.float32)

    def run(device, cls, kwargs):
        w = torch.tensor(w0, device=device, requires_grad=True)
        b = torch.zeros(3, device=device, requires_grad=True)
        x, y = torch.tensor(x0, device=device), torch.tensor(y0, device=device)
        opt = cls([w, b], **kwargs)
        for _ in range(5):
            opt.zero_grad()
            loss = (((x @ w + b) - y) ** 2).sum()
            loss.backward()
            opt.step()
        return [_host(w), _host(b)]

    for cls, kwargs in [(optim.SGD, dict(lr=0.01, momentum=0.9)),
                        (optim.AdamW, dict(lr=0.05, amsgrad=True))]:
        for c, g in zip(run("cpu", cls, kwargs), run("cuda", cls, kwargs)):
            np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)


def test_state_dict_loaded_into_gpu_optimizer_moves_state():
    p0, g0 = _params(4)[0], _grads(5, SHAPES[0])
    cp = torch.tensor(p0, requires_grad=True)
    copt = optim.Adam([cp], lr=0.01, amsgrad=True)
    cp.grad = torch.tensor(g0[0])
    copt.step()
    gp = cp.detach().clone().cuda().requires_grad_()
    gopt = optim.Adam([gp], lr=0.01, amsgrad=True)
    gopt.load_state_dict(copt.state_dict())
    assert gopt.state[gp]["exp_avg"].is_cuda
    assert not gopt.state[gp]["step"].is_cuda
    for g in g0[1:4]:
        cp.grad, gp.grad = torch.tensor(g), torch.tensor(g, device="cuda")
        copt.step()
        gopt.step()
    np.testing.assert_allclose(_host(gp), _host(cp), rtol=RTOL, atol=ATOL)
    # And back: a GPU optimizer's state dict into another GPU optimizer.
    gp2 = gp.detach().clone().requires_grad_()
    gopt2 = optim.Adam([gp2], lr=0.01, amsgrad=True)
    gopt2.load_state_dict(gopt.state_dict())
    assert gopt2.state[gp2]["max_exp_avg_sq"].is_cuda
    np.testing.assert_allclose(_host(gopt2.state[gp2]["max_exp_avg_sq"]),
                               _host(copt.state[cp]["max_exp_avg_sq"]), rtol=RTOL, atol=ATOL)


# ----- the native entry directly: views, aliasing, errors -----


def _pair(a):
    return torch.tensor(a), torch.tensor(a, device="cuda")


def test_native_step_reads_and_writes_offset_views():
    rng = np.random.default_rng(6)
    n = 260
    big = [rng.standard_normal(n + 9).astype(np.float32) for _ in range(4)]
    hyper = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, step=1.0, amsgrad=False)
    out = {}
    for dev in ("cpu", "cuda"):
        p, g, m, v = (torch.tensor(b, device=dev) for b in big)
        views = [p[3:3 + n], g[1:1 + n], m[5:5 + n], v[9:]]
        _C._optim_step("adam", [views[0]], [views[1]], [[views[2], views[3]]], hyper)
        out[dev] = [_host(t) for t in (p, g, m, v)]
    for c, g in zip(out["cpu"], out["cuda"]):
        np.testing.assert_allclose(g, c, rtol=RTOL, atol=ATOL)
    # Elements outside the views are untouched.
    np.testing.assert_array_equal(out["cuda"][0][:3], big[0][:3])
    np.testing.assert_array_equal(out["cuda"][2][:5], big[2][:5])


def test_native_step_gradient_sharing_a_states_storage():
    rng = np.random.default_rng(7)
    n = 40
    p0, both = rng.standard_normal(n).astype(np.float32), rng.standard_normal(2 * n)
    both = both.astype(np.float32)
    hyper = dict(lr=0.1, momentum=0.9, dampening=0.0, first=False)
    out = {}
    for dev in ("cpu", "cuda"):
        p, gb = torch.tensor(p0, device=dev), torch.tensor(both, device=dev)
        _C._optim_step("sgd", [p], [gb[:n]], [[gb[n:]]], hyper)
        out[dev] = (_host(p), _host(gb))
    for c, g in zip(out["cpu"], out["cuda"]):
        np.testing.assert_allclose(g, c, rtol=RTOL, atol=ATOL)


def test_native_step_empty_parameter():
    p, g, s = (torch.zeros(0, 3, device="cuda") for _ in range(3))
    _C._optim_step("sgd", [p], [g], [[s]], dict(lr=0.1, momentum=0.9))
    assert tuple(p.shape) == (0, 3)


def test_mixing_devices_raises_same_device():
    cp, gp = _pair(np.ones(4, np.float32))
    msg = "same device"
    with pytest.raises(RuntimeError, match=msg):
        _C._optim_step("sgd", [gp], [cp], [[None]], dict(lr=0.1))  # GPU param, CPU grad
    with pytest.raises(RuntimeError, match=msg):
        _C._optim_step("sgd", [cp], [gp], [[None]], dict(lr=0.1))  # CPU param, GPU grad
    with pytest.raises(RuntimeError, match=msg):
        _C._optim_step("adam", [gp], [gp.clone()], [[gp.clone(), cp.clone()]],
                       dict(lr=0.1, step=1.0, beta1=0.9, beta2=0.99))  # a CPU state
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, "
                       "but found at least two devices, cuda:0 and cpu!"):
        p = torch.ones(4, device="cuda", requires_grad=True)
        p.grad = torch.ones(4)
        optim.SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(_host(gp), np.ones(4, np.float32))  # nothing was written


def test_unsupported_inputs_raise():
    gp = torch.ones(4, device="cuda")
    ip = torch.ones(4, dtype=torch.int32, device="cuda")
    with pytest.raises(TypeError, match="float32"):
        _C._optim_step("sgd", [ip], [ip.clone()], [[None]], dict(lr=0.1))
    with pytest.raises(ValueError, match="unknown optimizer"):
        _C._optim_step("lbfgs", [gp], [gp.clone()], [[None]], dict(lr=0.1))
    with pytest.raises(ValueError, match="missing state"):
        _C._optim_step("adam", [gp], [gp.clone()], [[gp.clone(), None]], dict(lr=0.1, step=1.0))
    with pytest.raises(RuntimeError, match="contiguous"):
        m = torch.ones(4, 2, device="cuda")
        _C._optim_step("sgd", [gp], [m[:, 0]], [[None]], dict(lr=0.1))
    with pytest.raises(RuntimeError, match="aliases the parameter"):
        _C._optim_step("sgd", [gp], [gp.clone()], [[gp.view(4)]], dict(lr=0.1, momentum=0.9))
    both = torch.zeros(8, device="cuda")
    with pytest.raises(RuntimeError, match="share storage"):
        _C._optim_step("adam", [gp], [gp.clone()], [[both[:4], both[4:]]],
                       dict(lr=0.1, step=1.0, beta1=0.9, beta2=0.99))


def test_gpu_step_is_one_dispatch_per_parameter_without_a_submit():
    ps = [torch.zeros(10, device="cuda", requires_grad=True) for _ in range(2)]
    opt = optim.Adam(ps, lr=0.1)
    for p in ps:
        p.grad = torch.ones(10, device="cuda")
    opt.step()  # creates the state (uploads submit the batch)
    _C._gpu_synchronize()
    d0, s0 = _C._gpu_counters()
    opt.step()
    d1, s1 = _C._gpu_counters()
    assert (d1 - d0, s1 - s0) == (2, 0)  # recorded into the open batch, nothing read back
    # Two Adam steps of lr 0.1 on a constant gradient move each element by 0.2.
    for p in ps:
        np.testing.assert_allclose(_host(p), np.full(10, -0.2, np.float32), rtol=1e-5)
