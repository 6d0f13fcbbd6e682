"""Optimizers against their documented update rules (NumPy float64 references of the algorithms
in PyTorch's docs), over several steps and with each option; state_dict round trips."""

import math

import numpy as np
import pytest
import rtensor as torch

STEPS = 5


def _grads(rng, shape, n):
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(n)]


def run_rt(cls, kwargs, p0, grads):
    p = torch.tensor(p0, requires_grad=True)
    opt = cls([p], **kwargs)
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
    return p.detach().numpy(), opt


def ref_sgd(p, grads, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    p = p.astype(np.float64)
    buf = None
    for g in grads:
        g = -g if maximize else g.astype(np.float64)
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
             maximize=False, decoupled=False):
    p = p.astype(np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = -g if maximize else g.astype(np.float64)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        elif weight_decay:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        bc1, bc2 = 1 - betas[0] ** t, 1 - betas[1] ** t
        if amsgrad:
            vmax = np.maximum(vmax, v)
            denom = np.sqrt(vmax) / math.sqrt(bc2) + eps
        else:
            denom = np.sqrt(v) / math.sqrt(bc2) + eps
        p = p - lr / bc1 * m / denom
    return p


def ref_rmsprop(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                centered=False):
    p = p.astype(np.float64)
    sq = np.zeros_like(p)
    ga = np.zeros_like(p)
    buf = np.zeros_like(p)
    for g in grads:
        g = g.astype(np.float64) + weight_decay * p
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            avg = np.sqrt(sq - ga * ga) + eps
        else:
            avg = np.sqrt(sq) + eps
        if momentum > 0:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
    return p


def ref_adagrad(p, grads, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                eps=1e-10):
    p = p.astype(np.float64)
    s = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64) + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
    return p


def ref_adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0):
    p = p.astype(np.float64)
    sq = np.zeros_like(p)
    acc = np.zeros_like(p)
    for g in grads:
        g = g.astype(np.float64) + weight_decay * p
        sq = rho * sq + (1 - rho) * g * g
        delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
        acc = rho * acc + (1 - rho) * delta * delta
        p = p - lr * delta
    return p


def ref_adamax(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
    p = p.astype(np.float64)
    m = np.zeros_like(p)
    u = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64) + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        u = np.maximum(betas[1] * u, np.abs(g) + eps)
        p = p - lr / (1 - betas[0] ** t) * m / u
    return p


def ref_nadam(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              momentum_decay=4e-3):
    p = p.astype(np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    mu_prod = 1.0
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64) + weight_decay * p
        mu = betas[0] * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = betas[0] * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_prod *= mu
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        denom = np.sqrt(v / (1 - betas[1] ** t)) + eps
        p = p - lr * (1 - mu) / (1 - mu_prod) * g / denom
        p = p - lr * mu_next / (1 - mu_prod * mu_next) * m / denom
    return p


def ref_radam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0):
    p = p.astype(np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    rho_inf = 2 / (1 - betas[1]) - 1
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64) + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        mhat = m / (1 - betas[0] ** t)
        rho_t = rho_inf - 2 * t * betas[1] ** t / (1 - betas[1] ** t)
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            ada = math.sqrt(1 - betas[1] ** t) / (np.sqrt(v) + eps)
            p = p - lr * mhat * ada * rect
        else:
            p = p - lr * mhat
    return p


def ref_rprop(p, grads, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50)):
    p = p.astype(np.float64)
    prev = np.zeros_like(p)
    step = np.full_like(p, lr)
    for g in grads:
        g = g.astype(np.float64).copy()
        s = np.sign(g * prev)
        factor = np.where(s > 0, etas[1], np.where(s < 0, etas[0], 1.0))
        step = np.clip(step * factor, *step_sizes)
        g[factor == etas[0]] = 0
        p = p - np.sign(g) * step
        prev = g
    return p


def ref_asgd(p, grads, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0):
    p = p.astype(np.float64)
    ax = np.zeros_like(p)
    eta, mu = lr, 1.0
    for t, g in enumerate(grads, 1):
        g = g.astype(np.float64) + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax) if mu != 1 else p.copy()
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)
    return p


CASES = [
    (torch.optim.SGD, dict(lr=0.1), ref_sgd),
    (torch.optim.SGD, dict(lr=0.1, momentum=0.9), ref_sgd),
    (torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), ref_sgd),
    (torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True), ref_sgd),
    (torch.optim.SGD, dict(lr=0.1, maximize=True), ref_sgd),
    (torch.optim.Adam, dict(lr=0.01), ref_adam),
    (torch.optim.Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True), ref_adam),
    (torch.optim.Adam, dict(lr=0.01, maximize=True), ref_adam),
    (torch.optim.AdamW, dict(lr=0.01), lambda p, g, **k: ref_adam(p, g, decoupled=True, weight_decay=1e-2, **k)),
    (torch.optim.AdamW, dict(lr=0.01, amsgrad=True),
     lambda p, g, **k: ref_adam(p, g, decoupled=True, weight_decay=1e-2, **k)),
    (torch.optim.RMSprop, dict(lr=0.01), ref_rmsprop),
    (torch.optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1), ref_rmsprop),
    (torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1), ref_adagrad),
    (torch.optim.Adadelta, dict(lr=1.0, weight_decay=0.01), ref_adadelta),
    (torch.optim.Adamax, dict(lr=0.01), ref_adamax),
    (torch.optim.NAdam, dict(lr=0.01), ref_nadam),
    (torch.optim.RAdam, dict(lr=0.01), ref_radam),
    (torch.optim.Rprop, dict(lr=0.01), ref_rprop),
    (torch.optim.ASGD, dict(lr=0.01, t0=2), ref_asgd),
]


@pytest.mark.parametrize("cls,kwargs,ref", CASES, ids=[f"{c.__name__}-{k}" for c, k, _ in CASES])
def test_update_rule(cls, kwargs, ref):
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal((3, 4)).astype(np.float32)
    grads = _grads(rng, (3, 4), STEPS)
    got, _ = run_rt(cls, kwargs, p0, grads)
    want = ref(p0, grads, **{k: v for k, v in kwargs.items()})
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


def test_float64_params_match_tightly():
    rng = np.random.default_rng(1)
    p0 = rng.standard_normal(5)
    grads = [rng.standard_normal(5) for _ in range(STEPS)]
    got, _ = run_rt(torch.optim.Adam, dict(lr=0.01), p0, grads)
    np.testing.assert_allclose(got, ref_adam(p0, grads, lr=0.01), rtol=1e-12)


# Optimizers whose state carries per-parameter scalars (NAdam's mu_product, ASGD's eta and
# mu): the group's values travel as lists, so the group is still one native call.
PER_PARAM_SCALARS = [
    (torch.optim.NAdam, dict(lr=0.01)),
    (torch.optim.NAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    (torch.optim.ASGD, dict(lr=0.05, t0=2, weight_decay=0.1)),
]


@pytest.mark.parametrize("cls,kwargs", PER_PARAM_SCALARS,
                         ids=[f"{c.__name__}-{k}" for c, k in PER_PARAM_SCALARS])
def test_one_native_call_per_group_equals_each_parameter_alone(cls, kwargs, monkeypatch):
    rng = np.random.default_rng(3)
    shapes = [(3, 4), (5,), ()]
    p0 = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grouped = [torch.tensor(a, requires_grad=True) for a in p0]
    alone = [torch.tensor(a, requires_grad=True) for a in p0]
    opt = cls(grouped, **kwargs)
    opts = [cls([p], **kwargs) for p in alone]
    calls = []
    native = torch._C._optim_step
    monkeypatch.setattr(torch._C, "_optim_step", lambda *a: calls.append(a[0]) or native(*a))
    for step in range(STEPS + 1):
        for i, s in enumerate(shapes):
            # The second parameter misses step 2, so the group's step counts differ.
            g = None if (i == 1 and step == 2) else rng.standard_normal(s).astype(np.float32)
            grouped[i].grad = None if g is None else torch.tensor(g)
            alone[i].grad = None if g is None else torch.tensor(g)
        calls.clear()
        opt.step()
        assert len(calls) == 1
        for o in opts:
            o.step()
    for a, b, o in zip(grouped, alone, opts):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert sorted(opt.state[a]) == sorted(o.state[b])
        for name, value in opt.state[a].items():
            np.testing.assert_array_equal(value.numpy(), o.state[b][name].numpy(), err_msg=name)


def test_sparse_adam_updates_only_touched_entries():
    p = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    opt = torch.optim.SparseAdam([p], lr=0.1)
    p.grad = torch.tensor([0.5, 0.0, -1.0])
    opt.step()
    got = p.detach().numpy()
    assert got[1] == 2.0
    np.testing.assert_allclose(got[[0, 2]], [0.9, 3.1], rtol=1e-5)


def test_state_dict_round_trip_continues_identically():
    rng = np.random.default_rng(2)
    p0 = rng.standard_normal(4).astype(np.float32)
    grads = _grads(rng, 4, 6)
    full, _ = run_rt(torch.optim.Adam, dict(lr=0.05), p0, grads)
    first, opt = run_rt(torch.optim.Adam, dict(lr=0.05), p0, grads[:3])
    p = torch.tensor(first, requires_grad=True)
    opt2 = torch.optim.Adam([p], lr=0.05)
    opt2.load_state_dict(opt.state_dict())
    for g in grads[3:]:
        p.grad = torch.tensor(g)
        opt2.step()
    np.testing.assert_array_equal(p.detach().numpy(), full)
    sd = opt2.state_dict()
    assert sorted(sd) == ["param_groups", "state"] and sd["param_groups"][0]["params"] == [0]


def test_param_groups_and_errors():
    a = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = torch.tensor([1.0]), torch.tensor([1.0])
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(TypeError, match="iterable of Tensors"):
        torch.optim.SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        torch.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        torch.optim.Adam([a], lr=-1)
    opt.zero_grad()
    assert a.grad is None
    a.grad = torch.tensor([2.0])
    opt.zero_grad(set_to_none=False)
    assert a.grad.item() == 0.0


def test_closure_and_lbfgs_minimise_a_quadratic():
    target = np.array([1.0, -2.0, 0.5])
    for ls in (None, "strong_wolfe"):
        x = torch.zeros(3, requires_grad=True)
        opt = torch.optim.LBFGS([x], lr=1, line_search_fn=ls)
        t = torch.tensor(target, dtype=torch.float32)

        def closure(opt=opt, x=x, t=t):
            opt.zero_grad()
            loss = ((x - t) ** 2 * torch.tensor([1.0, 10.0, 100.0])).sum()
            loss.backward()
            return loss

        for _ in range(5):
            opt.step(closure)
        np.testing.assert_allclose(x.detach().numpy(), target, atol=1e-4)


def test_lbfgs_rosenbrock_with_strong_wolfe():
    x = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        a, b = x[0], x[1]
        loss = (1 - a) ** 2 + 100 * (b - a * a) ** 2
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-5)


def _sched(cls, n=8, lr=1.0, opt_cls=torch.optim.SGD, **kw):
    p = torch.tensor([0.0], requires_grad=True)
    opt = opt_cls([p], lr=lr, **({"momentum": 0.9} if opt_cls is torch.optim.SGD else {}))
    s = cls(opt, **kw)
    lrs = [s.get_last_lr()[0]]
    for _ in range(n):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
    return np.array(lrs), s


# Closed forms from PyTorch's documentation of each schedule.
@pytest.mark.parametrize("cls,kw,formula", [
    (torch.optim.lr_scheduler.StepLR, dict(step_size=3, gamma=0.5), lambda e: 0.5 ** (e // 3)),
    (torch.optim.lr_scheduler.MultiStepLR, dict(milestones=[2, 5], gamma=0.1),
     lambda e: 0.1 ** ((e >= 2) + (e >= 5))),
    (torch.optim.lr_scheduler.ExponentialLR, dict(gamma=0.9), lambda e: 0.9 ** e),
    (torch.optim.lr_scheduler.ConstantLR, dict(factor=0.5, total_iters=3), lambda e: 0.5 if e < 3 else 1.0),
    (torch.optim.lr_scheduler.LinearLR, dict(start_factor=0.25, total_iters=4),
     lambda e: 0.25 + 0.75 * min(e, 4) / 4),
    (torch.optim.lr_scheduler.PolynomialLR, dict(total_iters=5, power=2.0),
     lambda e: (1 - min(e, 5) / 5) ** 2),
    (torch.optim.lr_scheduler.CosineAnnealingLR, dict(T_max=8, eta_min=0.1),
     lambda e: 0.1 + 0.9 * (1 + math.cos(math.pi * e / 8)) / 2),
    (torch.optim.lr_scheduler.LambdaLR, dict(lr_lambda=lambda e: 1 / (e + 1)), lambda e: 1 / (e + 1)),
    (torch.optim.lr_scheduler.CosineAnnealingWarmRestarts, dict(T_0=3),
     lambda e: (1 + math.cos(math.pi * (e % 3) / 3)) / 2),
])
def test_schedules_follow_closed_forms(cls, kw, formula):
    lrs, _ = _sched(cls, **kw)
    np.testing.assert_allclose(lrs, [formula(e) for e in range(len(lrs))], rtol=1e-12, atol=1e-12)


def test_multiplicative_sequential_chained():
    lrs, _ = _sched(torch.optim.lr_scheduler.MultiplicativeLR, lr_lambda=lambda e: 0.5)
    np.testing.assert_allclose(lrs, [0.5 ** e for e in range(9)])
    p = torch.tensor([0.0], requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    s1 = torch.optim.lr_scheduler.ConstantLR(opt, factor=0.1, total_iters=2)
    s2 = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    seq = torch.optim.lr_scheduler.SequentialLR(opt, [s1, s2], milestones=[2])
    got = [seq.get_last_lr()[0]]
    for _ in range(5):
        opt.step()
        seq.step()
        got.append(seq.get_last_lr()[0])
    np.testing.assert_allclose(got, [0.1, 0.1, 1.0, 0.9, 0.81, 0.729])
    p = torch.tensor([0.0], requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    chain = torch.optim.lr_scheduler.ChainedScheduler([
        torch.optim.lr_scheduler.ConstantLR(opt, factor=0.1, total_iters=2),
        torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)])
    got = [chain.get_last_lr()[0]]
    for _ in range(3):
        opt.step()
        chain.step()
        got.append(chain.get_last_lr()[0])
    np.testing.assert_allclose(got, [0.1, 0.09, 0.81, 0.729])


def test_one_cycle_and_cyclic():
    lrs, _ = _sched(torch.optim.lr_scheduler.OneCycleLR, n=9, max_lr=1.0, total_steps=10)
    start, peak, end = 1 / 25, 1.0, 1 / 25 / 1e4
    up = 0.3 * 10 - 1
    def cos(a, b, pct):
        return b + (a - b) / 2 * (math.cos(math.pi * pct) + 1)
    want = [cos(start, peak, e / up) if e <= up else cos(peak, end, (e - up) / (9 - up)) for e in range(10)]
    np.testing.assert_allclose(lrs, want, rtol=1e-12)
    lrs, _ = _sched(torch.optim.lr_scheduler.CyclicLR, n=8, base_lr=0.1, max_lr=1.0, step_size_up=2)
    want = [0.1 + 0.9 * (1 - abs(e / 2 % 2 - 1)) for e in range(9)]
    np.testing.assert_allclose(lrs, want, rtol=1e-12)


def test_reduce_on_plateau():
    p = torch.tensor([0.0], requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for metric in [1.0, 0.5, 0.6, 0.7, 0.8, 0.9]:
        s.step(metric)
    assert s.get_last_lr() == [0.25]


def test_scheduler_warnings_and_errors():
    p = torch.tensor([0.0], requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    s = torch.optim.lr_scheduler.StepLR(opt, 1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        torch.optim.lr_scheduler.StepLR(object(), 1)
    sd = s.state_dict()
    s2 = torch.optim.lr_scheduler.StepLR(opt, 5)
    s2.load_state_dict(sd)
    assert s2.step_size == 1 and s2.last_epoch == sd["last_epoch"]
