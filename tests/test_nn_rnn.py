"""Recurrent layers (nn.RNN/LSTM/GRU, the cells) and nn.utils.rnn against PyTorch's answers
recorded by scripts/record_rnn_reference.py into tests/data/rnn_reference.npz; float64 gradcheck;
the GPU against the CPU."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.utils.rnn as R
from gpu_util import close
from rtensor.autograd import gradcheck
from rtensor.nn import _recurrent

REF = np.load(Path(__file__).parent / "data" / "rnn_reference.npz")
META = json.loads(str(REF["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
RTOL, ATOL = 1e-5, 1e-5

# Where rtensor's output node differs from PyTorch's CPU one. PyTorch runs LSTM through oneDNN
# (one MkldnnRnnLayerBackward0 per layer) but composes RNN/GRU and every packed layer step by
# step (StackBackward0 / CatBackward0 of the steps) and transposes batch-first RNN/GRU output in
# place (TransposeBackward1); rtensor runs every layer as one node (NOTE [recurrent layer node]).
OUR_GRAD_FN = {
    "rnn_basic": "MkldnnRnnLayerBackward0",
    "rnn_relu_h0": "MkldnnRnnLayerBackward0",
    "rnn_2l_bi_bf": "TransposeBackward0",
    "gru_basic": "MkldnnRnnLayerBackward0",
    "gru_bf_nobias": "TransposeBackward0",
    "rnn_dropout_bf": "TransposeBackward0",
    "lstm_packed_bf_proj": "MkldnnRnnLayerBackward0",
}


def _build(case):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eval(case["expr"], {"nn": nn})


def _run(case, device="cpu", dtype=None):
    cid = case["id"]
    m = _build(case).to(device)
    if dtype is not None:
        m = m.to(dtype)
    m.train(case["train"])

    def t(key, grad=False):
        a = torch.tensor(REF[f"{cid}|{key}"], device=device, dtype=dtype)
        return a.requires_grad_() if grad else a

    x = t("x", True)
    hx = [t(k, True) for k in ("h0", "c0") if f"{cid}|{k}" in REF]
    inp = x
    if case["lengths"] is not None:
        inp = R.pack_padded_sequence(x, case["lengths"], batch_first=m.batch_first,
                                     enforce_sorted=False)
    lstm = "LSTM" in case["expr"]
    args = [inp] + ([tuple(hx) if lstm else hx[0]] if hx else [])
    res = m(*args)
    if "Cell" in case["expr"]:
        outs = list(res) if lstm else [res]
    else:
        out, h = res
        if case["lengths"] is not None:
            assert isinstance(out, R.PackedSequence)
            out = out.data
        outs = [out] + (list(h) if lstm else [h])
    loss = sum((o * t(f"g{n}")).sum() for o, n in zip(outs, case["outputs"]))
    loss.backward()
    return m, x, hx, outs


@pytest.mark.parametrize("cid", list(CASES))
def test_matches_pytorch(cid):
    case = CASES[cid]
    m, x, hx, outs = _run(case)
    assert [n for n, _ in m.named_parameters()] == case["params"]
    for name, p in m.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), REF[f"{cid}|p:{name}"])
    for o, n in zip(outs, case["outputs"]):
        np.testing.assert_allclose(o.detach().numpy(), REF[f"{cid}|{n}"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x.grad.numpy(), REF[f"{cid}|g:x"], rtol=RTOL, atol=ATOL)
    for t, k in zip(hx, ("h0", "c0")):
        np.testing.assert_allclose(t.grad.numpy(), REF[f"{cid}|g:{k}"], rtol=RTOL, atol=ATOL)
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), REF[f"{cid}|g:{name}"], rtol=RTOL,
                                   atol=ATOL, err_msg=name)
    assert outs[0].grad_fn.name() == OUR_GRAD_FN.get(cid, case["grad_fn"])
    assert outs[-1 if "Cell" in case["expr"] else 1].grad_fn.name() == case["h_grad_fn"]


@pytest.mark.parametrize("cid", ["lstm_2l_bi", "lstm_proj", "lstm_packed", "gru_packed",
                                 "gru_2l_bi_h0", "rnn_2l_bi_bf", "rnn_nobias_packed",
                                 "lstm_unbatched", "lstmcell", "grucell"])
def test_gpu_matches_cpu(gpu, cid):
    case = CASES[cid]
    cm, cx, chx, couts = _run(case)
    gm, gx, ghx, gouts = _run(case, gpu)
    for g, c in zip(gouts, couts):
        close(g.detach(), c.detach(), rtol=1e-4, atol=1e-4)
    close(gx.grad, cx.grad, rtol=1e-4, atol=1e-4)
    for g, c in zip(ghx, chx):
        close(g.grad, c.grad, rtol=1e-4, atol=1e-4)
    for gp, cp in zip(gm.parameters(), cm.parameters()):
        close(gp.grad, cp.grad, rtol=1e-4, atol=1e-4)


def test_float64_matches_pytorch_closely():
    # The float32 answers recorded, recomputed in float64: the composition is the same math.
    case = CASES["lstm_packed"]
    m, x, hx, outs = _run(case, dtype=torch.float64)
    np.testing.assert_allclose(outs[0].detach().numpy(), REF["lstm_packed|out"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(m.weight_hh_l1_reverse.grad.numpy(),
                               REF["lstm_packed|g:weight_hh_l1_reverse"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("m", META["modules"], ids=lambda m: m["id"])
def test_seeded_module_parameters_repr_and_state_dict(m):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mod = eval(m["expr"], {"nn": nn})
    assert repr(mod) == m["repr"]
    assert list(mod.state_dict()) == m["state_keys"]
    for name, p in mod.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), REF[f"{m['id']}|{name}"])
    # PyTorch's state_dict loads into a differently seeded module.
    torch.manual_seed(5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other = eval(m["expr"], {"nn": nn})
    other.load_state_dict({k: torch.tensor(REF[f"{m['id']}|{k}"]) for k in m["state_keys"]})
    for name, p in other.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), REF[f"{m['id']}|{name}"])


def test_loaded_parameters_are_used():
    torch.manual_seed(3)
    a, b = nn.LSTM(3, 4, 2, bidirectional=True), nn.LSTM(3, 4, 2, bidirectional=True)
    b.load_state_dict(a.state_dict())
    x = torch.randn(5, 2, 3)
    np.testing.assert_array_equal(a(x)[0].detach().numpy(), b(x)[0].detach().numpy())
    b.weight_ih_l0 = nn.Parameter(torch.zeros(16, 3))  # reassigned parameters are read
    assert not np.array_equal(a(x)[0].detach().numpy(), b(x)[0].detach().numpy())
    b.flatten_parameters()
    assert [len(w) for w in a.all_weights] == [4, 4, 4, 4]


@pytest.mark.parametrize("u", META["utils"], ids=lambda u: u["id"])
def test_utils_match_pytorch(u):
    env = {"R": R, "torch": torch}
    for k in range(u["inputs"]):
        env[f"x{k}"] = torch.tensor(REF[f"{u['id']}|x{k}"])
    res = eval(u["expr"], env)
    flat = []

    def walk(v):
        if isinstance(v, torch.Tensor) or v is None:
            flat.append(v)
        else:
            for item in v:
                walk(item)

    walk(res)
    assert len(flat) == len(u["outputs"])
    for k, (t, dtype) in enumerate(zip(flat, u["outputs"])):
        if dtype is None:
            assert t is None
            continue
        assert str(t.dtype) == dtype.replace("torch", "rtensor")
        np.testing.assert_array_equal(t.numpy(), REF[f"{u['id']}|{k}"])


def test_packed_sequence_api():
    p = R.pack_sequence([torch.ones(3, 2), torch.ones(1, 2)])
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert batch_sizes.tolist() == [2, 1, 1] and sorted_indices is None
    assert p.to(torch.float32) is p
    q = p.double()
    assert q.data.dtype == torch.float64 and q.batch_sizes is p.batch_sizes
    assert not p.is_cuda and p.cpu() is p
    assert R.PackedSequence((data, batch_sizes)).batch_sizes is batch_sizes
    assert "PackedSequence(data=" in repr(p)


def test_pack_pad_autograd():
    x = torch.randn(4, 3, 2, requires_grad=True)
    p = R.pack_padded_sequence(x, [2, 4, 3], enforce_sorted=False)
    assert p.data.grad_fn.name() == "PackPaddedSequenceBackward0"
    out, lengths = R.pad_packed_sequence(p, padding_value=-1.0)
    assert lengths.tolist() == [2, 4, 3]
    np.testing.assert_array_equal(out[2:, 0].detach().numpy(), -np.ones((2, 2)))
    (out * 2).sum().backward()
    g = np.full((4, 3, 2), 2.0)
    g[2:, 0] = 0
    g[3:, 2] = 0
    np.testing.assert_array_equal(x.grad.numpy(), g)
    s = torch.ones(2, requires_grad=True)
    (R.pad_sequence([s, torch.ones(3)]) * 3).sum().backward()
    np.testing.assert_array_equal(s.grad.numpy(), [3, 3])


def test_unsorted_lengths_refused():
    # PyTorch reads past the input for a length longer than the sequence; rtensor refuses.
    with pytest.raises(RuntimeError, match="at most the sequence length 5, but got 6"):
        R.pack_padded_sequence(torch.zeros(5, 3, 2), [6, 3, 2])


def test_dropout_warning_and_eval_mode():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, "
                                         "but got dropout=0.5 and num_layers=1"):
        nn.GRU(3, 4, dropout=0.5)
    torch.manual_seed(0)
    m = nn.LSTM(3, 4, 3, dropout=0.9).eval()
    x = torch.randn(5, 2, 3)
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())


def _errors_types():
    return {"RuntimeError": RuntimeError, "ValueError": ValueError, "TypeError": TypeError,
            "AssertionError": AssertionError}


@pytest.mark.parametrize("e", META["errors"], ids=lambda e: e["expr"])
def test_errors_match_pytorch(e):
    with pytest.raises(_errors_types()[e["type"]]) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            eval(e["expr"], {"R": R, "nn": nn, "torch": torch})
    # dtypes print as rtensor.float32 where PyTorch prints torch.float32.
    assert str(info.value) == e["message"].replace("torch.float", "rtensor.float")


def test_no_grad_and_double_backward():
    m = nn.GRU(3, 4)
    x = torch.randn(5, 2, 3, requires_grad=True)
    with torch.no_grad():
        out, h = m(x)
    assert out.grad_fn is None and not out.requires_grad
    out, h = m(x)
    (g,) = torch.autograd.grad(out.sum(), x, create_graph=False)
    assert tuple(g.shape) == (5, 2, 3)
    with pytest.raises(RuntimeError, match="mkldnn_rnn_layer_backward is not implemented"):
        torch.autograd.grad(m(x)[0].sum(), x, create_graph=True)


def _layer_fn(mode, n_layers, bidirectional, batch_first, packed_bs, has_bias):
    def f(x, h0, c0, *ws):
        out, h, c = _recurrent.rnn_forward(mode, x, packed_bs, h0, c0, list(ws), has_bias,
                                           n_layers, 0.0, False, bidirectional, batch_first)
        return (out, h) if c is None else (out, h, c)
    return f


@pytest.mark.parametrize("cls,kw,packed", [
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}, False),
    ("LSTM", {"bias": False, "batch_first": True}, False),
    ("LSTM", {"bidirectional": True}, True),
    ("GRU", {"num_layers": 2, "bidirectional": True}, True),
    ("GRU", {"batch_first": True}, False),
    ("RNN", {"nonlinearity": "relu", "bidirectional": True}, False),
    ("RNN", {"num_layers": 2, "bias": False}, True),
])
def test_gradcheck(cls, kw, packed):
    torch.manual_seed(2)
    m = getattr(nn, cls)(2, 3, **kw).double()
    dirs = 2 if m.bidirectional else 1
    real = m.proj_size or m.hidden_size
    ws = [p.detach().requires_grad_() for p in m._flat_weights]
    if packed:
        bs = [3, 2, 2, 1]
        x = torch.randn(sum(bs), 2, dtype=torch.float64, requires_grad=True)
        batch = 3
    else:
        bs = None
        x = torch.randn(3 if m.batch_first else 4, 4 if m.batch_first else 3, 2,
                        dtype=torch.float64, requires_grad=True)
        batch = 3
    h0 = torch.randn(m.num_layers * dirs, batch, real, dtype=torch.float64, requires_grad=True)
    c0 = (torch.randn(m.num_layers * dirs, batch, 3, dtype=torch.float64, requires_grad=True)
          if cls == "LSTM" else None)
    f = _layer_fn(m.mode, m.num_layers, m.bidirectional, m.batch_first, bs, m.bias)
    if c0 is None:
        assert gradcheck(lambda x, h0, *w: f(x, h0, None, *w), (x, h0, *ws))
    else:
        assert gradcheck(f, (x, h0, c0, *ws))


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_gradcheck(cls):
    torch.manual_seed(2)
    m = getattr(nn, cls)(2, 3).double()
    x = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
    h = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    ws = [p.detach().requires_grad_() for p in m.parameters()]
    if cls == "LSTMCell":
        c = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
        assert gradcheck(lambda x, h, c, *w: _recurrent.lstm_cell(x, h, c, *w), (x, h, c, *ws))
    elif cls == "GRUCell":
        assert gradcheck(lambda x, h, *w: _recurrent.gru_cell(x, h, *w), (x, h, *ws))
    else:
        assert gradcheck(lambda x, h, *w: _recurrent.rnn_cell(x, h, *w, "tanh"), (x, h, *ws))


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_gpu_backward_with_unused_states(gpu, cls):
    # Only the output feeds the loss: the layer node gets no gradient for h_n (and c_n) and
    # must make its zeros on the GPU.
    grads = []
    for device in ("cpu", gpu):
        torch.manual_seed(4)
        m = getattr(nn, cls)(3, 4, 2).to(device)
        x = torch.randn(5, 2, 3).to(device).requires_grad_()
        m(x)[0].sum().backward()
        grads.append((x.grad, m.weight_hh_l0.grad))
    for g, c in zip(grads[1], grads[0]):
        close(g, c, rtol=1e-4, atol=1e-5)


def test_packed_sequence_to_gpu(gpu):
    p = R.pack_sequence([torch.ones(1, 2), torch.arange(6.0).reshape(3, 2)],
                        enforce_sorted=False)
    q = p.cuda()
    assert q.is_cuda and q.data.device.type == "cuda"
    assert q.sorted_indices.device.type == "cuda" and q.batch_sizes.device.type == "cpu"
    assert p.to(gpu).is_cuda and q.cpu().data.device.type == "cpu"
    torch.manual_seed(0)
    m = nn.GRU(2, 3)
    out_c, h_c = m(p)
    out_g, h_g = m.to(gpu)(q)
    close(out_g.data, out_c.data.detach(), rtol=1e-4, atol=1e-5)
    close(h_g, h_c.detach(), rtol=1e-4, atol=1e-5)
    padded, lengths = R.pad_packed_sequence(out_g, batch_first=True)
    assert padded.device.type == "cuda" and lengths.tolist() == [1, 3]
