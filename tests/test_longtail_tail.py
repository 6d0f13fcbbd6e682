"""The indexing long tail (scatter_reduce, index_reduce, index_put, put, masked_scatter, the
``*_scatter`` and ``*_copy`` functions), ``rtensor.masked`` and the window functions against
PyTorch's outputs, gradients, grad_fn names and errors (tests/data/tail_reference.npz, from
scripts/record_tail_reference.py), NumPy oracles, float64 gradcheck and the GPU."""

import json
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
from rtensor.autograd import gradcheck

DATA = np.load(Path(__file__).parent / "data" / "tail_reference.npz")
META = json.loads(str(DATA["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
ERRORS = {e["id"]: e for e in META["errors"]}


def _env(cid, names, grad=()):
    env = {}
    for n in names:
        a = DATA[f"{cid}|in|{n}"]
        t = torch.from_numpy(a.copy())  # (ascontiguousarray makes 0-d arrays 1-d)
        if n in grad:
            t.requires_grad_(True)
        env[n] = t
    return env


def _close(got, want, what):
    want = np.asarray(want)
    got = np.asarray(got)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    if want.dtype.kind == "f":
        tol = 1e-5 if want.dtype == np.float32 else 1e-9
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True,
                                   err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


@pytest.mark.parametrize("cid", sorted(CASES))
def test_against_pytorch(cid):
    c = CASES[cid]
    env = _env(cid, c["inputs"], c["grad"])
    out = eval(c["expr"], {"torch": torch}, env)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    assert len(outs) == c["outs"]
    for k, o in enumerate(outs):
        assert str(o.dtype).replace("rtensor.", "") == c["dtypes"][k]
        _close(o.detach().numpy(), DATA[f"{cid}|out|{k}"], f"{cid} out {k}")
        assert o.requires_grad == c["requires_grad"][k]
        name = None if o.grad_fn is None else o.grad_fn.name()
        assert name == GRAD_FN_DIFFERS.get(cid, c["grad_fn"][k]), (cid, name, c["grad_fn"][k])
    if c["grad"]:
        diff = [env[n] for n in c["grad"]]
        total = None
        for k, o in enumerate(outs):
            g = torch.from_numpy(DATA[f"{cid}|gout|{k}"]).to(o.dtype)
            term = (o * g).sum()
            total = term if total is None else total + term
        gs = torch.autograd.grad(total, diff, allow_unused=True)
        for n, g in zip(c["grad"], gs):
            got = np.zeros(tuple(env[n].shape)) if g is None else g.numpy()
            _close(got, DATA[f"{cid}|grad|{n}"], f"{cid} grad {n}")


# Names that differ from PyTorch's (none now: logaddexp became a registry op with its own node).
GRAD_FN_DIFFERS = {}

_EXC = {"RuntimeError": RuntimeError, "IndexError": IndexError, "ValueError": ValueError,
        "TypeError": TypeError}


@pytest.mark.parametrize("eid", sorted(ERRORS))
def test_errors_match_pytorch(eid):
    e = ERRORS[eid]
    env = _env(eid, e["inputs"])
    with pytest.raises(_EXC[e["type"]]) as info:
        eval(e["expr"], {"torch": torch}, env)
    assert type(info.value).__name__ == e["type"]
    assert str(info.value).replace("rtensor.", "torch.") == e["message"]


def test_reference_covers_every_family():
    ids = " ".join(CASES)
    for fam in ["sr1_", "ir1_", "ip1_", "put_", "ms1", "dscat", "sscat", "slscat", "asscat",
                "c_view", "c_split", "m_sum", "m_softmax", "w_kaiser", "hann_window"]:
        assert fam in ids, fam
    assert len(CASES) > 300 and len(ERRORS) > 30


# --- NumPy oracles ------------------------------------------------------------------------

def _np_scatter_reduce(x, dim, idx, src, reduce, include_self):
    out = x.copy()
    groups = {}
    for pos in np.ndindex(*idx.shape):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        groups.setdefault(tuple(tgt), []).append(src[pos])
    for tgt, vals in groups.items():
        vals = list(vals) + ([x[tgt]] if include_self else [])
        out[tgt] = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max,
                    "amin": np.min}[reduce](vals)
    return out


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_reduce_numpy(reduce, include_self, dim):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    src = rng.standard_normal((6, 5)) if dim == 0 else rng.standard_normal((4, 7))
    idx = rng.integers(0, x.shape[dim], src.shape)
    got = torch.from_numpy(x).scatter_reduce(dim, torch.from_numpy(idx), torch.from_numpy(src),
                                             reduce, include_self=include_self)
    want = _np_scatter_reduce(x, dim % 2, idx, src, reduce, include_self)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


def test_index_reduce_numpy():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4))
    src = rng.standard_normal((3, 6))
    idx = np.array([0, 3, 3, 1, 0, 3])
    got = torch.from_numpy(x).index_reduce(1, torch.from_numpy(idx), torch.from_numpy(src),
                                           "mean", include_self=False)
    want = _np_scatter_reduce(x, 1, np.broadcast_to(idx, (3, 6)), src, "mean", False)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_index_put_accumulate_numpy():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 3))
    i0, i1 = np.array([0, 3, 0, 0]), np.array([2, 1, 2, 0])
    v = rng.standard_normal(4)
    want = x.copy()
    np.add.at(want, (i0, i1), v)
    got = torch.index_put(torch.from_numpy(x), (torch.from_numpy(i0), torch.from_numpy(i1)),
                          torch.from_numpy(v), accumulate=True)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


def test_windows_numpy():
    np.testing.assert_allclose(torch.hann_window(9, periodic=False, dtype=torch.float64).numpy(),
                               np.hanning(9), atol=1e-12)
    np.testing.assert_allclose(torch.hamming_window(9, False, dtype=torch.float64).numpy(),
                               np.hamming(9), atol=1e-12)
    np.testing.assert_allclose(torch.blackman_window(9, False, dtype=torch.float64).numpy(),
                               np.blackman(9), atol=1e-12)
    np.testing.assert_allclose(torch.bartlett_window(9, False, dtype=torch.float64).numpy(),
                               np.bartlett(9), atol=1e-12)
    np.testing.assert_allclose(
        torch.signal.windows.kaiser(9, beta=7.0, dtype=torch.float64).numpy(),
        np.kaiser(9, 7.0), rtol=1e-12)
    w = torch.hann_window(5, requires_grad=True)
    assert w.is_leaf and w.requires_grad


def test_masked_numpy():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 5))
    m = rng.random((3, 5)) > 0.4
    m[:, 0] = True
    tx, tm = torch.from_numpy(x), torch.from_numpy(m)
    np.testing.assert_allclose(torch.masked.sum(tx, 1, mask=tm).numpy(),
                               np.where(m, x, 0).sum(1), rtol=1e-12)
    np.testing.assert_allclose(torch.masked.mean(tx, 1, mask=tm).numpy(),
                               np.where(m, x, 0).sum(1) / m.sum(1), rtol=1e-12)
    np.testing.assert_allclose(torch.masked.amax(tx, 1, mask=tm).numpy(),
                               np.where(m, x, -np.inf).max(1), rtol=1e-12)
    ma = np.ma.masked_array(x, ~m)
    np.testing.assert_allclose(torch.masked.var(tx, 1, mask=tm).numpy(),
                               ma.var(1, ddof=1).filled(np.nan), rtol=1e-10)
    sm = torch.masked.softmax(tx, 1, mask=tm).numpy()
    e = np.where(m, np.exp(x - np.where(m, x, -np.inf).max(1, keepdims=True)), 0)
    np.testing.assert_allclose(sm, e / e.sum(1, keepdims=True), rtol=1e-12)


# --- float64 gradcheck --------------------------------------------------------------------

def _d(*shape, seed=0):
    g = np.random.default_rng(seed)
    return torch.from_numpy(g.standard_normal(shape)).requires_grad_(True)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_gradcheck_scatter_reduce(reduce, include_self):
    x, src = _d(3, 4, seed=1), _d(3, 5, seed=2)
    idx = torch.tensor([[0, 1, 0, 3, 3], [2, 2, 2, 0, 1], [1, 0, 1, 0, 1]])
    assert gradcheck(lambda a, b: a.scatter_reduce(1, idx, b, reduce,
                                                   include_self=include_self), (x, src))


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_gradcheck_index_reduce(reduce):
    x, src = _d(4, 2, seed=3), _d(3, 2, seed=4)
    idx = torch.tensor([1, 3, 1])
    assert gradcheck(lambda a, b: a.index_reduce(0, idx, b, reduce), (x, src))
    assert gradcheck(lambda a, b: a.index_reduce(0, idx, b, reduce, include_self=False),
                     (x, src))


def test_gradcheck_scatter_reduce_second_order():
    x, src = _d(4, seed=5), _d(5, seed=6)
    idx = torch.tensor([0, 1, 0, 2, 0])
    for r in ["sum", "mean", "prod"]:
        assert torch.autograd.gradgradcheck(
            lambda a, b, r=r: torch.scatter_reduce(a, 0, idx, b, r), (x, src))


@pytest.mark.parametrize("accumulate", [False, True])
def test_gradcheck_index_put_put(accumulate):
    x, v = _d(4, 3, seed=7), _d(3, seed=8)
    # Repeated indices only when accumulating (a repeated write keeps one value).
    i0 = torch.tensor([0, 2, 0] if accumulate else [0, 2, 3])
    assert gradcheck(lambda a, b: torch.index_put(a, (i0,), b.unsqueeze(-1).expand(3, 3),
                                                  accumulate), (x, v))
    pi = torch.tensor([1, 5, 1] if accumulate else [1, 5, 7])
    assert gradcheck(lambda a, b: torch.put(a, pi, b, accumulate),
                     (x, v))


def test_gradcheck_scatter_family():
    x = _d(3, 4, seed=9)
    assert gradcheck(lambda a, b: torch.diagonal_scatter(a, b, 1), (x, _d(3, seed=10)))
    assert gradcheck(lambda a, b: torch.select_scatter(a, b, 1, 2), (x, _d(3, seed=11)))
    assert gradcheck(lambda a, b: torch.slice_scatter(a, b, 1, 0, 4, 2), (x, _d(3, 2, seed=12)))
    assert gradcheck(lambda a, b: torch.as_strided_scatter(a, b, (2, 2), (2, 1), 1),
                     (x, _d(2, 2, seed=13)))
    m = torch.tensor([[True, False, True, False]])
    assert gradcheck(lambda a, b: torch.masked_scatter(a, m, b), (x, _d(6, seed=14)))


def test_gradcheck_as_strided():
    x = _d(3, 4, seed=20)
    assert gradcheck(lambda a: a.as_strided((2, 3), (1, 2), 1), (x,))
    assert gradcheck(lambda a: torch.as_strided(a[1:], (3, 2), (1, 1)), (x,))  # overlapping
    v = x.detach().as_strided((2,), (5,))
    v.fill_(7.0)  # a view: writes reach the base
    assert x[0, 0].item() == 7.0 and x[1, 1].item() == 7.0


def test_gradcheck_segment_reduce():
    x = _d(6, 2, seed=21)
    lengths = torch.tensor([2, 0, 4])
    for r in ["sum", "mean", "max", "min", "prod"]:
        assert gradcheck(lambda a, r=r: torch.segment_reduce(a, r, lengths=lengths, initial=0.5),
                         (x,))


@pytest.mark.parametrize("fn", ["view_copy", "expand_copy", "permute_copy", "transpose_copy",
                                "diagonal_copy", "slice_copy", "split_copy", "unbind_copy",
                                "as_strided_copy", "unfold_copy", "narrow_copy"])
def test_gradcheck_copies(fn):
    args = {"view_copy": ((6, 2),), "expand_copy": ((2, 3, 4),), "permute_copy": ((1, 0),),
            "transpose_copy": (0, 1), "diagonal_copy": (1,), "slice_copy": (1, 1, 4, 2),
            "split_copy": (2,), "unbind_copy": (1,), "as_strided_copy": ((2, 2), (4, 1), 1),
            "unfold_copy": (1, 2, 1), "narrow_copy": (1, 1, 2)}[fn]
    x = _d(3, 4, seed=15)
    f = getattr(torch, fn)
    out = f(x, *args)
    for o in out if isinstance(out, tuple) else (out,):
        assert o.is_contiguous()
    assert gradcheck(lambda a: f(a, *args), (x,))


@pytest.mark.parametrize("fn", ["sum", "prod", "mean", "amax", "amin", "logsumexp", "var",
                                "std", "norm", "softmax", "log_softmax", "softmin", "normalize",
                                "cumsum", "cumprod"])
def test_gradcheck_masked(fn):
    x = _d(3, 4, seed=16)
    m = torch.tensor([[True, False, True, True]])
    f = getattr(torch.masked, fn)
    keep = torch.tensor([0, 2, 3])  # log_softmax is -inf where masked out

    def call(a):
        if fn in ("norm", "normalize"):
            return f(a, 2.0, 1, mask=m)
        out = f(a, 1, mask=m)
        return out.index_select(1, keep) if fn == "log_softmax" else out
    assert gradcheck(call, (x,))


def test_window_requires_grad_is_a_graph():
    # signal.windows with requires_grad are graphs over linspace (PyTorch's composition); the
    # ATen factories give a leaf.
    w = torch.signal.windows.gaussian(5, requires_grad=True, dtype=torch.float64)
    assert w.requires_grad and not w.is_leaf and w.grad_fn.name() == "ExpBackward0"
    w = torch.kaiser_window(5, requires_grad=True)
    assert w.requires_grad and w.is_leaf


# --- GPU ----------------------------------------------------------------------------------

def test_gpu_scatter_reduce_raises(gpu):
    x = torch.zeros(3, device=gpu)
    with pytest.raises(NotImplementedError, match="scatter_reduce"):
        x.scatter_reduce(0, torch.tensor([0], device=gpu), torch.ones(1, device=gpu), "sum")
    with pytest.raises(NotImplementedError, match="index_reduce"):
        x.index_reduce(0, torch.tensor([0], device=gpu), torch.ones(1, device=gpu), "prod")
    with pytest.raises(NotImplementedError, match="segment_reduce"):
        torch.segment_reduce(x, "sum", lengths=torch.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="isin"):
        torch.isin(x, torch.tensor([0.0]))


def test_gpu_compositions_match_cpu(gpu):
    rng = np.random.default_rng(17)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    src = rng.standard_normal((4, 5)).astype(np.float32)
    m = rng.random((4, 5)) > 0.5
    i0 = np.array([0, 3, 0])

    def run(dev):
        t = torch.tensor(x, device=dev)
        s = torch.tensor(src, device=dev)
        mk = torch.tensor(m, device=dev)
        i = torch.tensor(i0, device=dev)
        outs = [
            torch.index_put(t, (i,), s[:3], accumulate=True),
            torch.index_put(t, (i,), s[:3]),
            torch.put(t, i, s[0, :3], accumulate=True),
            torch.masked_scatter(t, mk, s),
            torch.diagonal_scatter(t, s[0, :4]),
            torch.select_scatter(t, s[0], 0, 1),
            torch.slice_scatter(t, s[:, :2], 1, 1, 5, 2),
            torch.as_strided_scatter(t, s[:2, :2], (2, 2), (1, 5)),
            torch.permute_copy(t, (1, 0)),
            t.as_strided((3, 2), (2, 3), 1),
            torch.as_strided_copy(t, (2, 2), (5, 1)),
            t.clone().fill_diagonal_(3.0),
            torch.masked.sum(t, 1, mask=mk),
            torch.masked.softmax(t, 1, mask=mk),
            torch.masked.var(t, 0, mask=mk),
            torch.masked.amax(t, 1, mask=mk),
        ]
        return [o.cpu().numpy() for o in outs]

    for g, c in zip(run(gpu), run("cpu")):
        np.testing.assert_allclose(g, c, rtol=1e-5, atol=1e-6)


def test_gpu_windows(gpu):
    for f in [torch.hann_window, torch.kaiser_window, torch.bartlett_window]:
        w = f(8, device=gpu)
        assert w.device.type == "cuda"
        np.testing.assert_allclose(w.cpu().numpy(), f(8).numpy(), atol=1e-6)
    w = torch.signal.windows.hann(8, device=gpu)
    assert w.device.type == "cuda"
    np.testing.assert_allclose(w.cpu().numpy(), torch.signal.windows.hann(8).numpy(),
                               atol=1e-6)
