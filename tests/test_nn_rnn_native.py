"""The native recurrent layer `_C._rnn_layer` (src/ops/rnn.rs, NOTE [native recurrent layer]):
one layer and direction over the packed layout. Oracles: a NumPy recurrence run sequence by
sequence, float64 gradcheck of every mode and argument combination, the GPU against the CPU.
PyTorch's recorded answers for the modules are checked in test_nn_rnn.py."""

import numpy as np
import pytest
import rtensor as torch
from gpu_util import close
from rtensor import _C
from rtensor.autograd import gradcheck

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_layer(mode, x, bs, w, h0, c0, reverse):
    """The layer run one sequence at a time in NumPy (float64): sequence j has the steps t
    with bs[t] > j, its rows at offset(t) + j."""
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    H = w_hh.shape[0] // GATES[mode]
    P = w_hh.shape[1]
    offs = np.concatenate([[0], np.cumsum(bs)[:-1]])
    out = np.zeros((x.shape[0], P))
    h_n = np.zeros_like(h0)
    c_n = None if c0 is None else np.zeros_like(c0)
    bi = np.zeros(w_ih.shape[0]) if b_ih is None else b_ih
    bh = np.zeros(w_ih.shape[0]) if b_hh is None else b_hh
    for j in range(bs[0]):
        steps = [t for t in range(len(bs)) if bs[t] > j]
        if reverse:
            steps = steps[::-1]
        h = h0[j].copy()
        c = None if c0 is None else c0[j].copy()
        for t in steps:
            xt = x[offs[t] + j]
            gi = w_ih @ xt + bi
            gh = w_hh @ h + bh
            if mode == "LSTM":
                g = gi + gh
                i, f, gg, o = _sig(g[:H]), _sig(g[H:2 * H]), np.tanh(g[2 * H:3 * H]), _sig(g[3 * H:])
                c = f * c + i * gg
                h = o * np.tanh(c)
                if w_hr is not None:
                    h = w_hr @ h
            elif mode == "GRU":
                r = _sig(gi[:H] + gh[:H])
                z = _sig(gi[H:2 * H] + gh[H:2 * H])
                n = np.tanh(gi[2 * H:] + r * gh[2 * H:])
                h = (1 - z) * n + z * h
            elif mode == "RNN_TANH":
                h = np.tanh(gi + gh)
            else:
                h = np.maximum(gi + gh, 0)
            out[offs[t] + j] = h
        h_n[j] = h
        if c is not None:
            c_n[j] = c
    return out, h_n, c_n


CONFIGS = [
    # (mode, batch sizes, bias, proj, reverse)
    ("LSTM", [3, 3, 3, 3], True, None, False),
    ("LSTM", [4, 3, 3, 1], True, 2, False),
    ("LSTM", [4, 3, 3, 1], False, None, True),
    ("LSTM", [3, 2, 1], True, 2, True),
    ("GRU", [3, 3, 3], True, None, False),
    ("GRU", [4, 2, 2, 1], False, None, False),
    ("GRU", [4, 2, 2, 1], True, None, True),
    ("RNN_TANH", [3, 3, 2, 1], True, None, False),
    ("RNN_TANH", [3, 3, 2, 1], False, None, True),
    ("RNN_RELU", [2, 2, 2], True, None, False),
    ("RNN_RELU", [4, 3, 1], True, None, True),
]


def _ids(c):
    mode, bs, bias, proj, rev = c
    return f"{mode}-{'x'.join(map(str, bs))}-{'bias' if bias else 'nobias'}" \
           f"{'-proj' if proj else ''}{'-rev' if rev else ''}"


def _inputs(mode, bs, bias, proj, dtype=torch.float64, seed=0, in_f=3, H=4):
    rng = np.random.RandomState(seed)
    G = GATES[mode]
    P = proj or H

    def t(*shape):
        return torch.tensor(rng.uniform(-0.8, 0.8, shape), dtype=dtype)

    x = t(sum(bs), in_f)
    w = [t(G * H, in_f), t(G * H, P), t(G * H) if bias else None, t(G * H) if bias else None,
         t(P, H) if proj else None]
    h0 = t(bs[0], P)
    c0 = t(bs[0], H) if mode == "LSTM" else None
    return x, w, h0, c0


def _np(t):
    return None if t is None else t.detach().cpu().numpy().astype(np.float64)


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_forward_matches_numpy(cfg):
    mode, bs, bias, proj, rev = cfg
    for dtype, tol in ((torch.float64, 1e-12), (torch.float32, 2e-6)):
        x, w, h0, c0 = _inputs(mode, bs, bias, proj, dtype)
        out, h_n, c_n = _C._rnn_layer(mode, x, bs, *w, h0, c0, rev)
        want = _np_layer(mode, _np(x), bs, [_np(a) for a in w], _np(h0), _np(c0), rev)
        assert out.dtype == dtype and tuple(out.shape) == want[0].shape
        np.testing.assert_allclose(_np(out), want[0], rtol=tol, atol=tol)
        np.testing.assert_allclose(_np(h_n), want[1], rtol=tol, atol=tol)
        if mode == "LSTM":
            np.testing.assert_allclose(_np(c_n), want[2], rtol=tol, atol=tol)
        else:
            assert c_n is None


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_gradcheck(cfg):
    mode, bs, bias, proj, rev = cfg
    x, w, h0, c0 = _inputs(mode, bs, bias, proj, seed=1)
    present = [a for a in w if a is not None]
    for a in [x, h0, *present] + ([c0] if c0 is not None else []):
        a.requires_grad_()

    def f(x, h0, *rest):
        ws = list(rest[:len(present)])
        full = [ws.pop(0) if a is not None else None for a in w]
        c = rest[len(present)] if c0 is not None else None
        out, h_n, c_n = _C._rnn_layer(mode, x, bs, *full, h0, c, rev)
        return (out, h_n) if c_n is None else (out, h_n, c_n)

    args = (x, h0, *present) + ((c0,) if c0 is not None else ())
    assert gradcheck(f, args)
    # Only some outputs used: the others' gradients are zero.
    assert gradcheck(lambda *a: f(*a)[1], args)
    assert gradcheck(lambda *a: f(*a)[0], args)


def test_gradient_of_some_inputs_only():
    x, w, h0, c0 = _inputs("LSTM", [3, 2, 2], True, 2, seed=3)
    w[1].requires_grad_()
    out, h_n, c_n = _C._rnn_layer("LSTM", x, [3, 2, 2], *w, h0, c0, False)
    assert out.grad_fn.name() == "MkldnnRnnLayerBackward0"
    assert h_n.grad_fn.name() == c_n.grad_fn.name() == "MkldnnRnnLayerBackward0"
    (g,) = torch.autograd.grad((out * out).sum() + c_n.sum(), [w[1]])
    assert tuple(g.shape) == tuple(w[1].shape)
    # Without any input needing gradients no node is recorded.
    out, _, _ = _C._rnn_layer("LSTM", x, [3, 2, 2], w[0], w[1].detach(), *w[2:], h0, c0, False)
    assert out.grad_fn is None and not out.requires_grad


def test_output_shape_view_and_first_order_only():
    x, w, h0, _ = _inputs("GRU", [2, 2, 2], True, None)
    x.requires_grad_()
    out, h_n, _ = _C._rnn_layer("GRU", x, [2, 2, 2], *w, h0, None, False, [3, 2, 4])
    assert tuple(out.shape) == (3, 2, 4)
    assert out.grad_fn.name() == "MkldnnRnnLayerBackward0"
    flat, _, _ = _C._rnn_layer("GRU", x, [2, 2, 2], *w, h0, None, False)
    np.testing.assert_array_equal(out.detach().numpy().reshape(6, 4), flat.detach().numpy())
    (g,) = torch.autograd.grad((out * out).sum(), [x])
    (g2,) = torch.autograd.grad((flat * flat).sum(), [x])
    np.testing.assert_array_equal(g.numpy(), g2.numpy())
    out, _, _ = _C._rnn_layer("GRU", x, [2, 2, 2], *w, h0, None, False, [3, 2, 4])
    with pytest.raises(RuntimeError, match="derivative for aten::mkldnn_rnn_layer_backward is not "
                                           "implemented"):
        torch.autograd.grad(out.sum(), [x], create_graph=True)


def test_saved_input_modified_in_place_is_reported():
    x, w, h0, c0 = _inputs("LSTM", [2, 2], True, None)
    w[0].requires_grad_()
    xs = x.clone()
    out, _, _ = _C._rnn_layer("LSTM", xs, [2, 2], *w, h0, c0, False)
    xs.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_bad_inputs():
    x, w, h0, c0 = _inputs("LSTM", [2, 1], True, None)

    def call(mode="LSTM", x=x, bs=(2, 1), w=w, h0=h0, c0=c0):
        return _C._rnn_layer(mode, x, list(bs), *w, h0, c0, False)

    with pytest.raises(ValueError, match="Unknown mode 'LSTMX'"):
        call("LSTMX")
    with pytest.raises(RuntimeError, match=r"batch_sizes \[1, 2\] should be positive \(or all "
                                           r"0\) and non-increasing"):
        call(bs=(1, 2))
    with pytest.raises(RuntimeError, match=r"batch_sizes \[2, 0, 1\] should be positive"):
        call(bs=(2, 0, 1))
    with pytest.raises(RuntimeError, match=r"batch_sizes \[2, 0\] should be positive"):
        call(bs=(2, 0))
    with pytest.raises(RuntimeError, match=r"batch_sizes \[2, 2\] do not add up to the "
                                           r"input's 3 rows"):
        call(bs=(2, 2))
    with pytest.raises(ValueError, match="batch_sizes must be non-negative"):
        call(bs=(2, -1))
    with pytest.raises(RuntimeError, match=r"h0 \[3, 4\] should be \[2, 4\]"):
        call(h0=torch.zeros(3, 4, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="LSTM needs c0"):
        call(c0=None)
    with pytest.raises(RuntimeError, match="only LSTM takes c0"):
        call("GRU", w=[torch.zeros(12, 3, dtype=torch.float64),
                       torch.zeros(12, 4, dtype=torch.float64), None, None, None])
    with pytest.raises(RuntimeError, match="does not fit 4 gates over an input of 5 features"):
        call(x=torch.zeros(3, 5, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="expected every tensor to have the input's dtype "
                                           "float64, got float32"):
        call(h0=torch.zeros(2, 4))
    with pytest.raises(NotImplementedError, match='"_rnn_layer" not implemented for \'Half\''):
        call(x=x.half(), w=[None if a is None else a.half() for a in w], h0=h0.half(),
             c0=c0.half())
    with pytest.raises(RuntimeError, match="expected a 2-d input"):
        call(x=x.unsqueeze(0))
    with pytest.raises(RuntimeError, match=r"w_hh \[16, 3\] should be \[16, 4\]"):
        call(w=[w[0], torch.zeros(16, 3, dtype=torch.float64), *w[2:]])
    with pytest.raises(RuntimeError, match="only LSTM takes a projection weight"):
        call("RNN_TANH", w=[torch.zeros(4, 3, dtype=torch.float64),
                            torch.zeros(4, 4, dtype=torch.float64), None, None,
                            torch.zeros(4, 4, dtype=torch.float64)], c0=None)


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_gpu_matches_cpu(gpu, cfg):
    mode, bs, bias, proj, rev = cfg
    res = []
    for device in ("cpu", gpu):
        x, w, h0, c0 = _inputs(mode, bs, bias, proj, torch.float32, seed=5, H=5)
        leaves = [a.to(device).requires_grad_() for a in [x, *[a for a in w if a is not None],
                                                           h0] + ([c0] if c0 is not None else [])]
        it = iter(leaves[1:])
        full = [next(it) if a is not None else None for a in w]
        xd, h0d = leaves[0], next(it)
        c0d = next(it) if c0 is not None else None
        out, h_n, c_n = _C._rnn_layer(mode, xd, bs, *full, h0d, c0d, rev)
        # Weighted so that each output row's gradient differs.
        wt = torch.linspace(-1.0, 1.0, out.numel()).reshape(tuple(out.shape)).to(device)
        loss = (out * wt).sum() + (h_n * h_n).sum()
        if c_n is not None:
            loss = loss + (c_n * 0.5).sum()
        loss.backward()
        res.append(([out, h_n] + ([c_n] if c_n is not None else []), [a.grad for a in leaves]))
    for g, c in zip(res[1][0], res[0][0]):
        close(g.detach(), c.detach(), rtol=1e-4, atol=1e-5)
    for g, c in zip(res[1][1], res[0][1]):
        close(g, c, rtol=1e-4, atol=1e-5)


def test_gpu_refuses_mixed_devices(gpu):
    x, w, h0, c0 = _inputs("GRU", [2, 1], True, None, torch.float32)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        _C._rnn_layer("GRU", x.to(gpu), [2, 1], *[a for a in [w[0]]],
                      torch.zeros(12, 4), None, None, None, h0.to(gpu), None, False)


@pytest.mark.parametrize("cls,kw", [
    ("LSTM", {"proj_size": 2, "bidirectional": True}),
    ("LSTM", {"bias": False, "num_layers": 2}),
    ("GRU", {"bidirectional": True, "num_layers": 2}),
    ("RNN", {"bias": False, "bidirectional": True}),
])
def test_gradcheck_unsorted_packed_module(cls, kw):
    # Unsorted sequences: the module permutes h0/c0 rows and the outputs around the layers.
    import rtensor.nn as nn
    import rtensor.nn.utils.rnn as R

    torch.manual_seed(3)
    m = getattr(nn, cls)(2, 3, **kw).double()
    dirs = 2 if m.bidirectional else 1
    real = m.proj_size or m.hidden_size
    seqs = [torch.randn(n, 2, dtype=torch.float64, requires_grad=True) for n in (2, 4, 1)]
    h0 = torch.randn(m.num_layers * dirs, 3, real, dtype=torch.float64, requires_grad=True)
    extra = ()
    if cls == "LSTM":
        extra = (torch.randn(m.num_layers * dirs, 3, 3, dtype=torch.float64,
                             requires_grad=True),)

    def f(a, b, c, h0, *c0):
        p = R.pack_sequence([a, b, c], enforce_sorted=False)
        out, hn = m(p, (h0, c0[0]) if c0 else h0)
        padded, _ = R.pad_packed_sequence(out)
        return (padded, *hn) if isinstance(hn, tuple) else (padded, hn)

    assert gradcheck(f, (*seqs, h0, *extra))


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_empty_batch(cls):
    # PyTorch: a (T, 0, in) batch gives (T, 0, H) outputs and (layers, 0, H) states.
    import rtensor.nn as nn

    m = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True)
    x = torch.zeros(5, 0, 3, requires_grad=True)
    out, h = m(x)
    h = h[0] if isinstance(h, tuple) else h
    assert tuple(out.shape) == (5, 0, 8) and tuple(h.shape) == (4, 0, 4)
    (out.sum() + h.sum()).backward()
    assert tuple(x.grad.shape) == (5, 0, 3)
    assert float(m.weight_hh_l0.grad.abs().sum()) == 0.0
