"""GPU kernels for indexing, scans, sorting, statistics and nn ops, against the CPU path.

Every case runs the same call on a CPU tensor and on its GPU copy (contiguous and strided
views) and compares results with the tolerances of the GPU suite (1e-5 relative; 1e-4 for
reductions). Errors must match the CPU's class and message.
"""

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn.functional as F
from gpu_util import ATOL_RED, RTOL_RED, close, views

RNG = np.random.default_rng(1)
BASE = RNG.standard_normal((5, 6)).astype(np.float32)
INTS = RNG.integers(-20, 20, (5, 6)).astype(np.int32)
TIES = RNG.integers(0, 3, (4, 9)).astype(np.float32)


def both(f, *arrays):
    """f applied to CPU tensors and to their GPU copies."""
    cs = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in arrays]
    gs = [c.cuda() if isinstance(c, torch.Tensor) else c for c in cs]
    return f(*gs), f(*cs)


def same_error(f, *arrays):
    """The CPU and the GPU raise the same exception class with the same message."""
    cs = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in arrays]
    with pytest.raises(Exception) as ec:
        f(*cs)
    gs = [c.cuda() if isinstance(c, torch.Tensor) else c for c in cs]
    with pytest.raises(type(ec.value)) as eg:
        f(*gs)
    assert str(eg.value) == str(ec.value)


# ----- sorting, scans, statistics -----


@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort_on_views(gpu, descending):
    for _name, c, g in views(BASE):
        for dim in range(c.ndim):
            gv, gi = g.sort(dim=dim, descending=descending)
            cv, ci = c.sort(dim=dim, descending=descending)
            close(gv, cv)
            close(gi, ci)
            close(g.argsort(dim=dim, descending=descending), c.argsort(dim=dim, descending=descending))


def test_sort_is_stable_with_ties_nan_and_ints(gpu):
    t = TIES.copy()
    t[1, 3] = np.nan
    t[2, [0, 5]] = np.nan
    for desc in (False, True):
        g, c = both(lambda x, desc=desc: x.sort(dim=1, descending=desc), t)
        close(g[0], c[0])
        close(g[1], c[1])
        g, c = both(lambda x, desc=desc: x.sort(dim=0, descending=desc), INTS)
        close(g[0], c[0])
        close(g[1], c[1])
    g, c = both(lambda x: x.sort(), np.array([True, False, True, False]))
    close(g[0], c[0])
    close(g[1], c[1])


@pytest.mark.parametrize("largest", [True, False])
def test_topk(gpu, largest):
    for _name, c, g in views(BASE):
        k = min(3, c.shape[-1])
        gv, gi = g.topk(k, dim=-1, largest=largest)
        cv, ci = c.topk(k, dim=-1, largest=largest)
        close(gv, cv)
        close(gi, ci)
    g, c = both(lambda x: x.topk(2, dim=0), INTS)
    close(g[0], c[0])
    close(g[1], c[1])
    same_error(lambda x: x.topk(9), BASE)


def test_median(gpu):
    t = BASE.copy()
    t[2, 4] = np.nan
    for arr in (BASE, t, TIES, INTS):
        for dim in (0, 1):
            for keep in (False, True):
                g, c = both(lambda x, dim=dim, keep=keep: x.median(dim=dim, keepdim=keep), arr)
                close(g[0], c[0])
                close(g[1], c[1])
        g, c = both(lambda x: x.median(), arr)
        close(g, c)
    g, c = both(lambda x: x.median(), np.zeros((0,), np.float32))
    close(g, c)


def test_cumsum_cumprod(gpu):
    for _name, c, g in views(BASE):
        for dim in range(c.ndim):
            close(g.cumsum(dim), c.cumsum(dim), RTOL_RED, ATOL_RED)
            close(g.cumprod(dim), c.cumprod(dim), RTOL_RED, ATOL_RED)
    long_row = RNG.standard_normal((3, 1000)).astype(np.float32)
    g, c = both(lambda x: x.cumsum(1), long_row)
    close(g, c, RTOL_RED, 1e-4)
    g, c = both(lambda x: x.cumsum(0), INTS)
    close(g, c)
    g, c = both(lambda x: x.cumsum(1, dtype=torch.float32), INTS)
    close(g, c)
    g, c = both(lambda x: (x > 0).cumsum(1), BASE)
    close(g, c)
    g, c = both(lambda x: x.cumsum(0), np.array(2.5, np.float32))
    close(g, c)


@pytest.mark.parametrize("dims", [None, 0, 1, (0, 1)])
def test_prod_var_std_norm_logsumexp(gpu, dims):
    for _name, c, g in views(BASE):
        d = dims if dims is None or c.ndim > 2 else dims
        kw = {} if d is None else {"dim": d}
        close(g.prod(**kw), c.prod(**kw), RTOL_RED, ATOL_RED)
        close(g.var(**kw), c.var(**kw), RTOL_RED, ATOL_RED)
        close(g.std(**kw, correction=0), c.std(**kw, correction=0), RTOL_RED, ATOL_RED)
        for p in (2, 1, 0, 3, float("inf"), float("-inf")):
            close(g.norm(p=p, **kw), c.norm(p=p, **kw), RTOL_RED, ATOL_RED)
        if d is not None:
            close(g.logsumexp(d), c.logsumexp(d), RTOL_RED, ATOL_RED)
            close(g.var(d, keepdim=True), c.var(d, keepdim=True), RTOL_RED, ATOL_RED)
    g, c = both(lambda x: x.prod(1), INTS % 3)
    close(g, c)


def test_logsumexp_infinities(gpu):
    t = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 0.0], [1.0, 2.0]], np.float32)
    g, c = both(lambda x: x.logsumexp(1), t)
    close(g, c)


def test_all_any_count_nonzero(gpu):
    arrs = [BASE > 0, INTS, BASE, np.zeros((3, 0), np.float32)]
    for a in arrs:
        for f in (
            lambda x: x.all(),
            lambda x: x.any(),
            lambda x: x.all(dim=0),
            lambda x: x.any(dim=1, keepdim=True),
            lambda x: x.count_nonzero(),
            lambda x: x.count_nonzero(dim=0),
        ):
            g, c = both(f, a)
            close(g, c)


# ----- indexing -----


def test_nonzero_and_masks(gpu):
    for _name, c, g in views(BASE):
        close((g > 0.2).nonzero(), (c > 0.2).nonzero())
        close(g[g > 0.2], c[c > 0.2])
        close(g.masked_select(g < 0), c.masked_select(c < 0))
        close(g.masked_fill(g > 0, -1.5), c.masked_fill(c > 0, -1.5))
    g, c = both(lambda x: torch.nonzero(x, as_tuple=True)[1], INTS)
    close(g, c)
    g, c = both(lambda x: (x > 100).nonzero(), BASE)
    close(g, c)
    g, c = both(lambda x: x[torch.tensor(True)], BASE)
    close(g, c)


def test_advanced_getitem(gpu):
    i = torch.tensor([4, 0, -1, 2])
    j = torch.tensor([[0, 4], [1, -2]])
    cases = [
        lambda x: x[i],
        lambda x: x[:, i],
        lambda x: x[i, 1:],
        lambda x: x[i.cuda() if x.is_cuda else i],
        lambda x: x[j, j],
        lambda x: x[j[:, :1], torch.tensor([0, 1, 2])],
        lambda x: x[[0, 2], ::2],
        lambda x: x[None, [1, 3], ..., None],
        lambda x: x.unsqueeze(1).expand(5, 2, 6)[[0, 4], :, [1, 2]],
        lambda x: x.t()[i],
        lambda x: x[x[:, 0] > 0],
    ]
    for f in cases:
        g, c = both(f, BASE)
        close(g, c)
        g, c = both(f, INTS)
        close(g, c)


def test_advanced_setitem(gpu):
    i = torch.tensor([4, 0, 2])

    def put(f):
        def run(x):
            x = x.clone()
            f(x)
            return x

        return run

    for f in [
        lambda x: x.__setitem__(i, 9.0),
        lambda x: x.__setitem__((slice(None), i), torch.tensor([1.0, 2.0, 3.0])),
        lambda x: x.__setitem__((i, i), torch.tensor(-1.0)),
        lambda x: x.__setitem__(x > 0.5, 0.0),
        lambda x: x.__setitem__((torch.tensor([[0], [1]]), torch.tensor([1, 3])), 7.0),
    ]:
        g, c = both(put(f), BASE)
        close(g, c)
    g = torch.zeros(3, 4, device="cuda")
    g[torch.tensor([0, 2])] = torch.arange(8.0).reshape(2, 4).cuda()
    close(g, torch.tensor([[0.0, 1, 2, 3], [0, 0, 0, 0], [4, 5, 6, 7]]))


def on(x, data, **kw):
    """A tensor on x's device."""
    return torch.tensor(data, **kw).to(x.device)


def test_index_errors_match_cpu(gpu):
    same_error(lambda x: x[torch.tensor([5])], BASE)
    same_error(lambda x: x[on(x, [5])], BASE)
    same_error(lambda x: x[:, on(x, [0, -7])], BASE)
    same_error(lambda x: x.index_select(0, on(x, [7])), BASE)
    same_error(lambda x: x.gather(1, on(x, [[6]])), BASE)
    same_error(lambda x: x.take(on(x, [30])), BASE)
    same_error(lambda x: x.index_add_(0, on(x, [5]), torch.ones(1, 6, device=x.device)), BASE)
    same_error(lambda x: x.index_fill_(1, on(x, [-7]), 1.0), BASE)
    same_error(lambda x: x.scatter_(0, on(x, [[5]]), 1.0), BASE)
    same_error(lambda x: x[on(x, [1.0])], BASE)
    with pytest.raises(RuntimeError, match="indices should be either on cpu"):
        torch.from_numpy(BASE)[torch.tensor([0]).cuda()]
    with pytest.raises(RuntimeError, match="same device"):
        torch.from_numpy(BASE).cuda().index_select(0, torch.tensor([0]))


def test_gather_scatter_family(gpu):
    idx = RNG.integers(0, 5, (3, 6)).astype(np.int64)
    src = RNG.standard_normal((3, 6)).astype(np.float32)
    for _name, c, g in views(BASE):
        if c.shape[0] < 5 or c.ndim != 2:
            continue
        ci = torch.from_numpy(idx[:, : c.shape[1]])
        close(g.gather(0, ci.cuda()), c.gather(0, ci))
        close(g.gather(1, ci.cuda() % c.shape[1]), c.gather(1, ci % c.shape[1]))
    cases = [
        lambda x, i, s: x.clone().scatter_(0, i, s),
        lambda x, i, s: x.t().clone().scatter_(1, i[:, :5], s),
        lambda x, i, s: x.clone().scatter_(0, i, 2.5),
        lambda x, i, s: x.clone().scatter_add_(0, i, s),
        lambda x, i, s: x.clone().scatter_(0, i, s, reduce="multiply"),
        lambda x, i, s: x.clone().scatter_(1, i % 6, s, reduce="add"),
        lambda x, i, s: torch.scatter_add(x, 0, i, s),
    ]
    for f in cases:
        g, c = both(f, BASE, idx, src)
        close(g, c)
    g, c = both(lambda x, i: x.clone().scatter_add_(0, i, x[:3].clone()), INTS, idx)
    close(g, c)


def test_index_add_fill_select_take(gpu):
    dup_c = torch.tensor([0, 2, 2, 4, 0, 2])  # repeated rows accumulate
    for _name, c, g in views(BASE):
        if c.ndim != 2:
            continue
        n = c.shape[0]
        d = dup_c % n
        close(g.index_select(0, d.cuda()), c.index_select(0, d))
        close(g.index_select(1, d.cuda() % c.shape[1]), c.index_select(1, d % c.shape[1]))
        close(g.take(d.cuda()), c.take(d))
    src = RNG.standard_normal((6, 6)).astype(np.float32)
    g, c = both(lambda x, s, d: x.clone().index_add_(0, d, s, alpha=0.5), BASE, src, dup_c)
    close(g, c, 1e-5, 1e-5)
    g, c = both(lambda x, s, d: x.clone().index_add_(1, d, s.t()), BASE, src[:, :5].copy(), dup_c)
    close(g, c, 1e-5, 1e-5)
    g, c = both(lambda x, d: x.clone().index_add_(0, d, x.clone()[[0, 1, 2, 3, 4, 0]]), INTS, dup_c)
    close(g, c)
    g, c = both(lambda x: x.clone().index_fill_(1, on(x, [0, -1]), -3.0), BASE)
    close(g, c)
    g, c = both(lambda x: x.t().clone().index_fill_(0, on(x, [1]), 2), INTS)
    close(g, c)


# ----- joining, rearranging, arithmetic -----


def test_rearranging(gpu):
    for _name, c, g in views(BASE):
        close(g.flip(0), c.flip(0))
        close(g.flip(-1, 0), c.flip(-1, 0))
        close(g.roll(2, 0), c.roll(2, 0))
        close(g.roll((1, -2), (0, -1)), c.roll((1, -2), (0, -1)))
        close(g.roll(3), c.roll(3))
        close(g.repeat(2, 1, 3), c.repeat(2, 1, 3))
        close(g.tile((2,)), c.tile((2,)))
        close(g.tril(), c.tril())
        close(g.triu(1), c.triu(1))
        close(g.tril(-1), c.tril(-1))
    v = torch.from_numpy(BASE[0])
    close(v.cuda().diag(), v.diag())
    close(v.cuda().diag(2), v.diag(2))
    close(torch.from_numpy(BASE).cuda().diag(-1), torch.from_numpy(BASE).diag(-1))
    close(torch.outer(v.cuda(), v.cuda()[:3]), torch.outer(v, v[:3]))
    a, b = torch.from_numpy(BASE), torch.from_numpy(BASE[:2])
    close(torch.vstack([a.cuda(), b.cuda()]), torch.vstack([a, b]))
    close(torch.hstack([a.cuda(), a.cuda()]), torch.hstack([a, a]))
    for eq, ops in [
        ("ij,kj->ik", (a, a)),
        ("ij->j", (a,)),
        ("ii->i", (a[:5, :5],)),
        ("bij,bjk->bik", (a.reshape(2, 3, 5), a.reshape(2, 5, 3))),
    ]:
        close(torch.einsum(eq, *[o.cuda() for o in ops]), torch.einsum(eq, *ops), 1e-4, 1e-5)


def test_division_family_and_hyperbolic(gpu):
    for op in (
        lambda x, y: x % y,
        lambda x, y: x // y,
        lambda x, y: torch.fmod(x, y),
        lambda x, y: torch.remainder(x, -0.7),
        lambda x, y: torch.floor_divide(x, 0.3),
    ):
        y = np.where(np.abs(BASE) < 0.1, 0.5, BASE[::-1]).astype(np.float32)
        g, c = both(op, BASE * 3, y)
        close(g, c, 1e-5, 1e-5)
        r = INTS[::-1]
        d = np.where(r == 0, 3, r).astype(np.int32)
        g, c = both(op, INTS, d)
        close(g, c)
    g, c = both(lambda x: x**3, INTS)
    close(g, c)
    g, c = both(lambda x: torch.pow(x, torch.tensor([2, 0, 1, 3, -1, 2], dtype=torch.int32, device=x.device)), INTS)
    close(g, c)
    same_error(lambda x: x // torch.zeros_like(x), INTS)
    same_error(lambda x: x % 0, INTS)
    for f in (torch.sinh, torch.cosh):
        g, c = both(f, BASE)
        close(g, c)
    g, c = both(torch.sinh, np.array([1e-4, -3e-6, 0.3], np.float32))
    close(g, c)


# ----- nn -----


ACTS = [
    lambda x: F.leaky_relu(x, 0.1),
    F.elu,
    F.selu,
    lambda x: F.celu(x, 0.5),
    F.gelu,
    lambda x: F.gelu(x, approximate="tanh"),
    F.silu,
    F.mish,
    F.logsigmoid,
    lambda x: F.softplus(x, beta=2.0, threshold=1.0),
    lambda x: F.hardtanh(x, -0.5, 0.7),
    F.relu6,
    F.hardswish,
    F.hardsigmoid,
    lambda x: F.hardshrink(x, 0.3),
    lambda x: F.softshrink(x, 0.3),
    lambda x: F.threshold(x, 0.1, -2.0),
    torch.erf,
]


@pytest.mark.parametrize("k", range(len(ACTS)))
def test_activations_and_their_gradients(gpu, k):
    f = ACTS[k]
    x = np.concatenate([BASE.ravel() * 3, [0.0, 3.0, -3.0, 25.0, -25.0, 1e-4]]).astype(np.float32)
    c = torch.from_numpy(x).requires_grad_()
    g = torch.from_numpy(x).cuda().requires_grad_()
    yc, yg = f(c), f(g)
    close(yg.detach(), yc.detach(), 1e-5, 1e-6)
    yc.sum().backward()
    yg.sum().backward()
    close(g.grad, c.grad, 1e-5, 1e-6)
    assert yg.grad_fn.name() == yc.grad_fn.name()


def test_softmax_family_and_backward(gpu):
    w = torch.from_numpy(RNG.standard_normal((5, 6)).astype(np.float32))
    for dim in (0, 1, -1):
        for f in (F.softmax, F.log_softmax):
            c = torch.from_numpy(BASE).requires_grad_()
            g = torch.from_numpy(BASE).cuda().requires_grad_()
            yc, yg = f(c, dim=dim), f(g, dim=dim)
            close(yg.detach(), yc.detach())
            (yc * w).sum().backward()
            (yg * w.cuda()).sum().backward()
            close(g.grad, c.grad, 1e-5, 1e-6)
    t = np.array([[-np.inf, -np.inf, 0.0], [1.0, 2.0, np.inf]], np.float32)
    g, c = both(lambda x: x.softmax(1), t)
    close(g, c)
    same_error(lambda x: x.softmax(0), INTS)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_nll_and_backward(gpu, reduction):
    target = torch.tensor([0, 5, 2, -100, 3])
    weight = torch.from_numpy(RNG.random(6).astype(np.float32) + 0.5)
    for w in (None, weight):
        for f in (
            lambda x, w: F.cross_entropy(x, target.to(x.device), weight=w, reduction=reduction),
            lambda x, w: F.nll_loss(x.log_softmax(1), target.to(x.device), weight=w, reduction=reduction),
        ):
            c = torch.from_numpy(BASE).requires_grad_()
            g = torch.from_numpy(BASE).cuda().requires_grad_()
            lc = f(c, w)
            lg = f(g, None if w is None else w.cuda())
            close(lg.detach(), lc.detach(), 1e-5, 1e-6)
            lc.sum().backward()
            lg.sum().backward()
            close(g.grad, c.grad, 1e-5, 1e-6)
            assert lg.grad_fn.name() == lc.grad_fn.name()
    img = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    tgt = torch.from_numpy(RNG.integers(0, 3, (2, 4, 5)).astype(np.int64))
    g, c = both(lambda x: F.cross_entropy(x, tgt.to(x.device), reduction=reduction), img)
    close(g, c, 1e-5, 1e-6)


def test_nll_errors_match_cpu(gpu):
    same_error(lambda x: F.nll_loss(x, torch.tensor([0, 1, 9, 0, 0]).to(x.device)), BASE)
    same_error(lambda x: F.nll_loss(x, torch.tensor([0, 1, -2, 0, 0]).to(x.device)), BASE)
    with pytest.raises(RuntimeError, match="same device"):
        F.nll_loss(torch.from_numpy(BASE).cuda(), torch.tensor([0, 1, 2, 0, 0]))


def test_embedding_forward_backward(gpu):
    table = RNG.standard_normal((7, 4)).astype(np.float32)
    idx = torch.tensor([[0, 3, 3], [6, 0, 3]])
    for kw in ({}, {"padding_idx": 3}, {"scale_grad_by_freq": True}):
        c = torch.from_numpy(table).requires_grad_()
        g = torch.from_numpy(table).cuda().requires_grad_()
        yc, yg = F.embedding(idx, c, **kw), F.embedding(idx.cuda(), g, **kw)
        close(yg.detach(), yc.detach())
        wt = torch.from_numpy(RNG.standard_normal(tuple(yc.shape)).astype(np.float32))
        (yc * wt).sum().backward()
        (yg * wt.cuda()).sum().backward()
        close(g.grad, c.grad, 1e-5, 1e-6)
    emb = torch.nn.Embedding(7, 4).cuda()
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(torch.tensor([7]).cuda())
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(torch.tensor([-1]).cuda())


def test_linear_mse_and_a_training_step(gpu):
    torch.manual_seed(0)
    cpu = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.GELU(), torch.nn.Linear(8, 3))
    torch.manual_seed(0)
    dev = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.GELU(), torch.nn.Linear(8, 3)).cuda()
    x = torch.from_numpy(BASE)
    y = torch.from_numpy(RNG.standard_normal((5, 3)).astype(np.float32))
    lc = F.mse_loss(cpu(x), y)
    lg = F.mse_loss(dev(x.cuda()), y.cuda())
    close(lg.detach(), lc.detach(), 1e-5, 1e-6)
    lc.backward()
    lg.backward()
    for pc, pg in zip(cpu.parameters(), dev.parameters()):
        close(pg.grad, pc.grad, 1e-4, 1e-5)


def test_autograd_through_gpu_index_and_sort_ops(gpu):
    def run(device):
        x = torch.from_numpy(BASE).to(device).requires_grad_()
        i = torch.tensor([3, 0, 0, 4]).to(device)
        a = x.index_select(0, i).sum() + x[i, 1:].pow(2).sum()
        b = x.gather(1, torch.tensor([[1], [0], [5], [5], [2]]).to(device)).sum()
        c = x.sort(1)[0][:, :2].sum() + x.topk(2, dim=0)[0].sum() + x.cumsum(1).sum()
        d = x.masked_select(x > 0).sum() + x.take(i).sum() + x.logsumexp(1).sum()
        e = x.prod(1).sum() + x.var(0).sum() + x.norm() + x.median(1)[0].sum()
        (a + b + c + d + e).backward()
        return x.grad

    close(run("cuda"), run("cpu"), 1e-4, 1e-5)


def test_bernoulli_with_probabilities_equals_cpu(gpu):
    p = np.linspace(0.0, 1.0, 30, dtype=np.float32).reshape(5, 6)
    torch.manual_seed(7)
    c = torch.empty(5, 6).bernoulli_(torch.from_numpy(p))
    torch.manual_seed(7)
    g = torch.empty(5, 6, device="cuda").bernoulli_(torch.from_numpy(p).cuda())
    close(g, c)
    torch.manual_seed(7)
    c = torch.bernoulli(torch.from_numpy(p).t())
    torch.manual_seed(7)
    g = torch.bernoulli(torch.from_numpy(p).cuda().t())
    close(g, c)
    with pytest.raises(RuntimeError, match="p_in >= 0"):
        torch.empty(2, device="cuda").bernoulli_(torch.tensor([0.5, 1.5]).cuda())


# ----- CTC, multinomial, checkpoints -----


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_and_gradient(gpu, reduction, zero_infinity):
    torch.manual_seed(0)
    lp = torch.randn(12, 4, 6).log_softmax(2)
    targets = torch.randint(1, 6, (4, 5))
    il, tl = [12, 10, 7, 2], [5, 2, 0, 4]  # the last sample has no alignment (inf loss)
    c = lp.clone().requires_grad_()
    g = lp.cuda().requires_grad_()
    lc = F.ctc_loss(c, targets, il, tl, reduction=reduction, zero_infinity=zero_infinity)
    lg = F.ctc_loss(g, targets.cuda(), il, tl, reduction=reduction, zero_infinity=zero_infinity)
    close(lg.detach(), lc.detach(), 1e-5, 1e-5)
    w = torch.rand(*lc.shape)
    (lc * w).sum().backward()
    (lg * w.cuda()).sum().backward()
    close(g.grad, c.grad, 1e-4, 1e-5)
    assert lg.grad_fn.name() == lc.grad_fn.name()


@pytest.mark.parametrize("replacement", [False, True])
def test_multinomial_draws_the_cpu_categories(gpu, replacement):
    p = torch.rand(6, 11)
    p[2, :5] = 0.0
    for k in (1, 4, 9):
        torch.manual_seed(3)
        c = torch.multinomial(p, k, replacement)
        rc = torch.rand(3)
        torch.manual_seed(3)
        g = torch.multinomial(p.cuda(), k, replacement)
        rg = torch.rand(3)
        close(g, c)
        # The generator advanced the same way: the next numbers agree too.
        assert rg.tolist() == rc.tolist()
    torch.manual_seed(1)
    c = torch.multinomial(torch.tensor([0.1, 0.0, 0.9]), 40, True)
    torch.manual_seed(1)
    g = torch.multinomial(torch.tensor([0.1, 0.0, 0.9]).cuda(), 40, True)
    close(g, c)
    same_error(lambda x: torch.multinomial(x, 2), np.array([[0.5, -1.0, 0.5]], np.float32))
    same_error(lambda x: torch.multinomial(x, 2, True), np.array([[0.0, 0.0]], np.float32))
    same_error(lambda x: torch.multinomial(x, 4), np.array([0.2, 0.8], np.float32))


def test_checkpoints_of_gpu_tensors(gpu):
    import io

    torch.manual_seed(0)
    m = torch.nn.Linear(4, 3).cuda()
    x = torch.arange(10.0).cuda()
    buf = io.BytesIO()
    torch.save({"model": m.state_dict(), "x": x, "view": x[2:5]}, buf)
    assert b"cuda:0" in buf.getvalue()
    buf.seek(0)
    back = torch.load(buf)
    assert back["x"].is_cuda and back["model"]["weight"].is_cuda
    assert back["view"]._same_storage(back["x"])  # views still share the storage
    close(back["model"]["weight"], m.weight.detach().cpu())
    close(back["view"], torch.arange(2.0, 5.0))
    buf.seek(0)
    host = torch.load(buf, map_location="cpu")
    assert not host["x"].is_cuda
    np.testing.assert_array_equal(host["x"].numpy(), np.arange(10.0, dtype=np.float32))
    cpu_buf = io.BytesIO()
    torch.save(torch.nn.Linear(4, 3).state_dict(), cpu_buf)
    cpu_buf.seek(0)
    sd = torch.load(cpu_buf, map_location="cuda")
    assert all(v.is_cuda for v in sd.values())


@pytest.mark.parametrize("m,k,n", [(4, 4, 4), (33, 36, 20), (70, 128, 68), (130, 16, 132)])
def test_matmul_vec4_and_scalar_tile_paths(gpu, m, k, n):
    """Row-major operands with K, N multiples of 4 take the vec4 tile loads; offsets or strides
    that break the alignment (slices, transposes) take the strided ones; both equal the CPU."""
    a = torch.from_numpy(RNG.standard_normal((m + 1, k + 4)).astype(np.float32))
    b = torch.from_numpy(RNG.standard_normal((k + 4, n + 4)).astype(np.float32))
    ga, gb = a.cuda(), b.cuda()
    for sa, sb in [
        ((slice(0, m), slice(0, k)), (slice(0, k), slice(0, n))),  # aligned rows (vec4)
        ((slice(1, m + 1), slice(4, k + 4)), (slice(4, k + 4), slice(4, n + 4))),  # aligned
        ((slice(1, m + 1), slice(1, k + 1)), (slice(0, k), slice(1, n + 1))),  # unaligned
    ]:
        close(ga[sa] @ gb[sb], a[sa] @ b[sb], 1e-4, 1e-4)
    close(ga[:m, :k].contiguous() @ gb[:k, :n].contiguous(), a[:m, :k] @ b[:k, :n], 1e-4, 1e-4)
    bt = torch.from_numpy(RNG.standard_normal((2, k, n)).astype(np.float32))
    at = torch.from_numpy(RNG.standard_normal((2, m, k)).astype(np.float32))
    close(at.cuda() @ bt.cuda(), at @ bt, 1e-4, 1e-4)
    close(at.cuda() @ bt.cuda()[0], at @ bt[0], 1e-4, 1e-4)  # broadcast batch (stride 0)


@pytest.mark.parametrize("m,k,n", [(1, 2000, 3), (2000, 3, 1), (3, 1024, 70), (1, 600, 1)])
def test_skinny_products(gpu, m, k, n):
    """Few output tiles over a long K take the broadcast-product-and-reduce path."""
    a = torch.from_numpy(RNG.standard_normal((m, k)).astype(np.float32))
    b = torch.from_numpy(RNG.standard_normal((k, n)).astype(np.float32))
    close(a.cuda() @ b.cuda(), a @ b, 1e-4, 1e-4)
    close(b.cuda().t() @ a.cuda().t(), b.t() @ a.t(), 1e-4, 1e-4)
    ai = torch.from_numpy(RNG.integers(-3, 4, (m, k)).astype(np.int32))
    bi = torch.from_numpy(RNG.integers(-3, 4, (k, n)).astype(np.int32))
    close(ai.cuda() @ bi.cuda(), ai @ bi)


def test_long_rows_sort_by_the_bitonic_network(gpu):
    """Rows longer than the rank kernel's limit go through the bitonic network: the result is
    still exactly the CPU's stable order (ties, NaN, descending, strided rows, ints)."""
    x = RNG.integers(0, 50, (3, 3000)).astype(np.float32)  # many ties
    x[1, [5, 700, 2999]] = np.nan
    for desc in (False, True):
        for arr, dim in ((x, 1), (x.T.copy(), 0), (np.ascontiguousarray(x[:, ::2]), 1)):
            g, c = both(lambda t, dim=dim, desc=desc: t.sort(dim=dim, descending=desc), arr)
            close(g[0], c[0])
            close(g[1], c[1])
    g, c = both(lambda t: t.t().sort(dim=0), x)  # a transposed view, rows strided
    close(g[0], c[0])
    close(g[1], c[1])
    ints = RNG.integers(-1000, 1000, (2, 5000)).astype(np.int32)
    g, c = both(lambda t: t.sort(dim=1, descending=True), ints)
    close(g[0], c[0])
    close(g[1], c[1])
    g, c = both(lambda t: t.topk(7, dim=1), x)
    close(g[0], c[0])
    close(g[1], c[1])
    for arr in (x, np.nan_to_num(x)):
        g, c = both(lambda t: t.median(dim=1), arr)
        close(g[0], c[0])
        close(g[1], c[1])
