#!/usr/bin/env python
"""Record PyTorch's recurrent layers and packed-sequence utilities for tests/test_nn_rnn.py (the
suite never imports torch).

Run from the repository root with a Python that has PyTorch:

    /work/venv-torch/bin/python scripts/record_rnn_reference.py

It writes tests/data/rnn_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": [...], "modules": [...], "utils":
  [...], "errors": [...]}``. A case is ``{"id", "expr" (builds the module after
  ``torch.manual_seed(0)``, with ``nn`` in scope), "x" (the input's shape), "lengths" (packed
  input: ``pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False)``, or null),
  "hx" (shapes of the given initial states, or null), "train", "params" (parameter names in
  order), "grad_fn" (of the output, or of the packed output's data), "h_grad_fn"}``. A module
  is ``{"id", "expr", "repr", "state_keys"}``; a utility case is ``{"id", "expr", "outputs"
  (how many arrays)}``; an error is ``{"expr", "type", "message"}`` (``expr`` uses ``torch``,
  ``nn`` and ``R`` = ``nn.utils.rnn``).
- ``"<id>|x"``, ``"<id>|h0"``, ``"<id>|c0"``: inputs (float32, NumPy's seeded generator);
  ``"<id>|gout"``, ``"<id>|gh"``, ``"<id>|gc"``: the weights of the loss
  ``(out * gout).sum() + (h_n * gh).sum() [+ (c_n * gc).sum()]``; ``"<id>|out"``,
  ``"<id>|h"``, ``"<id>|c"``: the outputs (``out`` is the packed data for packed input);
  ``"<id>|g:x"``, ``"<id>|g:h0"``, ``"<id>|g:c0"``, ``"<id>|g:<param>"``: gradients;
  ``"<id>|p:<param>"``: the seeded parameters.
- ``"<utility id>|<k>"``: the k-th output of a utility expression (``x0``... are inputs).
"""

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.rnn as R

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "rnn_reference.npz"

# (id, module expression, input shape, lengths for packed input, give h0 (and c0), train)
CASES = [
    ("rnn_basic", "nn.RNN(3, 5)", (6, 2, 3), None, False, False),
    ("rnn_relu_h0", "nn.RNN(3, 5, nonlinearity='relu')", (6, 2, 3), None, True, False),
    ("rnn_2l_bi_bf", "nn.RNN(3, 5, 2, batch_first=True, bidirectional=True)", (2, 6, 3), None,
     True, False),
    ("rnn_nobias_packed", "nn.RNN(3, 5, bias=False, bidirectional=True)", (6, 3, 3),
     [4, 6, 2], False, False),
    ("rnn_unbatched", "nn.RNN(3, 5, 2)", (6, 3), None, True, False),
    ("lstm_basic", "nn.LSTM(3, 5)", (6, 2, 3), None, False, False),
    ("lstm_h0", "nn.LSTM(3, 5, 2)", (6, 2, 3), None, True, False),
    ("lstm_bi_bf", "nn.LSTM(3, 5, batch_first=True, bidirectional=True)", (2, 6, 3), None,
     False, False),
    ("lstm_2l_bi", "nn.LSTM(3, 5, 2, bidirectional=True)", (6, 2, 3), None, True, False),
    ("lstm_proj", "nn.LSTM(3, 5, 2, proj_size=3, bidirectional=True)", (6, 2, 3), None, True,
     False),
    ("lstm_nobias", "nn.LSTM(3, 5, bias=False)", (6, 2, 3), None, False, False),
    ("lstm_packed", "nn.LSTM(3, 5, 2, bidirectional=True)", (6, 3, 3), [3, 6, 5], True, False),
    ("lstm_packed_bf_proj", "nn.LSTM(3, 5, batch_first=True, proj_size=2)", (4, 6, 3),
     [2, 6, 1, 6], False, False),
    ("lstm_unbatched", "nn.LSTM(3, 5, bidirectional=True)", (6, 3), None, True, False),
    ("lstm_dropout", "nn.LSTM(3, 5, 3, dropout=0.4)", (6, 2, 3), None, False, True),
    ("gru_basic", "nn.GRU(3, 5)", (6, 2, 3), None, False, False),
    ("gru_2l_bi_h0", "nn.GRU(3, 5, 2, bidirectional=True)", (6, 2, 3), None, True, False),
    ("gru_bf_nobias", "nn.GRU(3, 5, bias=False, batch_first=True)", (2, 6, 3), None, True, False),
    ("gru_packed", "nn.GRU(3, 5, bidirectional=True, batch_first=True)", (3, 6, 3), [5, 2, 6],
     True, False),
    ("gru_unbatched", "nn.GRU(3, 5)", (6, 3), None, False, False),
    ("gru_dropout_bi", "nn.GRU(3, 5, 2, dropout=0.5, bidirectional=True)", (6, 2, 3), None,
     False, True),
    ("rnn_dropout_bf", "nn.RNN(3, 5, 2, dropout=0.3, batch_first=True)", (2, 6, 3), None, False,
     True),
    ("rnncell", "nn.RNNCell(3, 5)", (2, 3), None, True, False),
    ("rnncell_relu_unbatched", "nn.RNNCell(3, 5, nonlinearity='relu', bias=False)", (3,), None,
     True, False),
    ("lstmcell", "nn.LSTMCell(3, 5)", (2, 3), None, True, False),
    ("lstmcell_nohx", "nn.LSTMCell(3, 5, bias=False)", (2, 3), None, False, False),
    ("grucell", "nn.GRUCell(3, 5)", (2, 3), None, True, False),
    ("grucell_unbatched", "nn.GRUCell(3, 5)", (3,), None, False, False),
]

MODULES = [
    ("m_rnn", "nn.RNN(5, 7, 2)"),
    ("m_rnn_relu", "nn.RNN(4, 6, nonlinearity='relu', bias=False)"),
    ("m_lstm", "nn.LSTM(4, 6, 2, batch_first=True, dropout=0.25, bidirectional=True)"),
    ("m_lstm_proj", "nn.LSTM(4, 8, proj_size=3)"),
    ("m_gru", "nn.GRU(5, 7, 3, bias=False)"),
    ("m_rnncell", "nn.RNNCell(4, 6, nonlinearity='relu')"),
    ("m_lstmcell", "nn.LSTMCell(4, 6)"),
    ("m_grucell", "nn.GRUCell(4, 6, bias=False)"),
]

# (id, expression): inputs x0, x1... are float32 arrays drawn here; every output is recorded.
UTILS = [
    ("pad_seq", "R.pad_sequence([x0, x1, x2])", [(3, 2), (5, 2), (1, 2)]),
    ("pad_seq_bf_left", "R.pad_sequence([x0, x1, x2], batch_first=True, padding_value=-1.5, "
                        "padding_side='left')", [(3, 2), (5, 2), (1, 2)]),
    ("pad_seq_1d", "R.pad_sequence((x0, x1), padding_side='left')", [(2,), (4,)]),
    ("pack_padded", "R.pack_padded_sequence(x0, [4, 3, 1])", [(4, 3, 2)]),
    ("pack_padded_unsorted", "R.pack_padded_sequence(x0, torch.tensor([2, 4, 3]), "
                             "batch_first=True, enforce_sorted=False)", [(3, 4, 2)]),
    ("pad_packed", "R.pad_packed_sequence(R.pack_padded_sequence(x0, [2, 4, 3], "
                   "enforce_sorted=False), padding_value=9.0, total_length=6)", [(4, 3, 2)]),
    ("pad_packed_bf", "R.pad_packed_sequence(R.pack_padded_sequence(x0, [4, 1, 3], "
                      "batch_first=True, enforce_sorted=False), batch_first=True)", [(3, 4)]),
    ("pack_seq", "R.pack_sequence([x0, x1, x2], enforce_sorted=False)", [(2, 3), (4, 3), (1, 3)]),
    ("unpack_seq", "R.unpack_sequence(R.pack_sequence([x0, x1, x2], enforce_sorted=False))",
     [(2, 3), (4, 3), (1, 3)]),
    ("unpad_seq", "R.unpad_sequence(x0, torch.tensor([2, 4, 1]))", [(4, 3, 2)]),
    ("unpad_seq_bf", "R.unpad_sequence(x0, torch.tensor([3, 1]), batch_first=True)", [(2, 3)]),
    ("invert_perm", "R.invert_permutation(torch.tensor([2, 0, 3, 1]))", []),
]

ERRORS = [
    "nn.LSTM(3, 6)(torch.zeros(5, 2, 4))",
    "nn.GRU(3, 6)(torch.zeros(5, 1, 3), torch.zeros(1, 2, 6))",
    "nn.RNN(3, 6, 2, bidirectional=True)(torch.zeros(5, 2, 3), torch.zeros(2, 2, 6))",
    "nn.LSTM(3, 6)(torch.zeros(5, 2, 3), (torch.zeros(1, 3, 6), torch.zeros(1, 2, 6)))",
    "nn.LSTM(3, 6, proj_size=2)(torch.zeros(5, 2, 3), (torch.zeros(1, 2, 2), "
    "torch.zeros(1, 2, 2)))",
    "nn.LSTM(3, 6)(torch.zeros(5, 2, 3, 1))",
    "nn.GRU(3, 6)(torch.zeros(5))",
    "nn.RNN(3, 6)(torch.zeros(5))",
    "nn.GRU(3, 6)(torch.zeros(5, 3), torch.zeros(1, 2, 6))",
    "nn.RNN(3, 6)(torch.zeros(5, 2, 3), torch.zeros(2, 6))",
    "nn.LSTM(3, 6)(torch.zeros(5, 2, 3), (torch.zeros(1, 2, 6), torch.zeros(2, 6)))",
    "nn.LSTM(3, 6)(torch.zeros(5, 3), (torch.zeros(1, 2, 6), torch.zeros(1, 6)))",
    "nn.LSTM(3, 6)(torch.zeros(5, 2, 3, dtype=torch.float64))",
    "nn.LSTM(3, 6, batch_first=True)(torch.zeros(5, 2, 4))",
    "nn.LSTM(3, 6)(torch.zeros(0, 2, 3))",
    "nn.GRU(3, 6, batch_first=True)(torch.zeros(2, 0, 3))",
    "nn.LSTM(3, 6, dropout=1.5)",
    "nn.LSTM(3, 6, dropout=True)",
    "nn.GRU(3, 6, bias=1)",
    "nn.GRU(3, 6, batch_first=1)",
    "nn.RNN(0, 6)",
    "nn.RNN(3.0, 6)",
    "nn.RNN(3, 0)",
    "nn.RNN(3, 6.5)",
    "nn.RNN(3, 6, 0)",
    "nn.LSTM(3, 6, proj_size=-1)",
    "nn.LSTM(3, 6, proj_size=6)",
    "nn.GRU(3, 6, proj_size=2)",
    "nn.RNN(3, 6, nonlinearity='gelu')",
    "nn.RNN(3, 6, 2, 'sigmoid')",
    "nn.LSTMCell(3, 6)(torch.zeros(2, 4))",
    "nn.GRUCell(3, 6)(torch.zeros(2, 3), torch.zeros(3, 6))",
    "nn.RNNCell(3, 6)(torch.zeros(2, 3), torch.zeros(2, 5))",
    "nn.LSTMCell(3, 6)(torch.zeros(2, 3), (torch.zeros(2, 6), torch.zeros(1, 6)))",
    "nn.LSTMCell(3, 6)(torch.zeros(2, 3), (torch.zeros(2, 6), torch.zeros(2, 5)))",
    "nn.RNNCell(3, 6)(torch.zeros(2, 3, 1))",
    "nn.GRUCell(3, 6)(torch.zeros(3), torch.zeros(1, 2, 6))",
    "nn.LSTMCell(3, 6)(torch.zeros(3), (torch.zeros(6), torch.zeros(1, 1, 6)))",
    "nn.RNNCell(3, 6, nonlinearity='x')(torch.zeros(2, 3))",
    "R.pack_padded_sequence(torch.zeros(5, 3, 2), [3, 5, 2])",
    "R.pack_padded_sequence(torch.zeros(5, 3, 2), [5, 3, 0])",
    "R.pack_padded_sequence(torch.zeros(5, 3, 2), [5, 3, -1], enforce_sorted=False)",
    "R.pack_padded_sequence(torch.zeros(5, 3, 2), [5, 3])",
    "R.pack_padded_sequence(torch.zeros(5, 3, 2), [5, 3, 2], batch_first=True)",
    "R.pack_padded_sequence(torch.zeros(0, 3, 2), [1, 1, 1])",
    "R.pack_padded_sequence(torch.zeros(5, 3, 2), torch.tensor([[5, 3, 2]]))",
    "R.pack_sequence([torch.ones(2), torch.ones(3)])",
    "R.pad_packed_sequence(R.pack_padded_sequence(torch.zeros(5, 3, 2), [5, 3, 2]), "
    "total_length=4)",
    "R.pad_sequence(3)",
    "R.pad_sequence([torch.ones(2, 3), torch.ones(3, 4)])",
    "R.pad_sequence([])",
    "R.pad_sequence([torch.ones(2)], padding_side='middle')",
    "R.PackedSequence(torch.ones(3))",
]


def _loss_terms(rng, outs):
    ws = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in outs]
    return ws, sum((o * torch.tensor(w)).sum() for o, w in zip(outs, ws))


def record_case(rng, arrays, cid, expr, xs, lengths, give_h, train):
    torch.manual_seed(0)
    m = eval(expr, {"nn": nn})
    m.train(train)
    for name, p in m.named_parameters():
        arrays[f"{cid}|p:{name}"] = p.detach().numpy()
    x = rng.standard_normal(xs).astype(np.float32)
    arrays[f"{cid}|x"] = x
    tx = torch.tensor(x, requires_grad=True)
    is_cell = "Cell" in expr
    is_lstm = "LSTM" in expr
    hx, hx_shapes = None, None
    if give_h:
        if is_cell:
            batch = xs[:-1]
            hid = (m.hidden_size,)
            shapes = [batch + hid] * (2 if is_lstm else 1)
        else:
            dirs = 2 if m.bidirectional else 1
            real = m.proj_size or m.hidden_size
            batch = () if len(xs) == 2 else (xs[0] if m.batch_first else xs[1],)
            shapes = [(m.num_layers * dirs,) + batch + (real,)]
            if is_lstm:
                shapes.append((m.num_layers * dirs,) + batch + (m.hidden_size,))
        hx = []
        for k, s in enumerate(shapes):
            a = rng.standard_normal(s).astype(np.float32)
            arrays[f"{cid}|{'hc'[k]}0"] = a
            hx.append(torch.tensor(a, requires_grad=True))
        hx_shapes = shapes
    inp = tx
    if lengths is not None:
        inp = R.pack_padded_sequence(tx, lengths, batch_first=m.batch_first, enforce_sorted=False)
    if hx is None:
        res = m(inp)
    else:
        res = m(inp, tuple(hx) if is_lstm else hx[0])
    if is_cell:
        outs = list(res) if is_lstm else [res]
        names = ["h", "c"][:len(outs)]
        grad_fn = outs[0].grad_fn.name()
        h_grad_fn = outs[-1].grad_fn.name()
    else:
        out, h = res
        out = out.data if lengths is not None else out
        hs = list(h) if is_lstm else [h]
        outs = [out] + hs
        names = ["out", "h", "c"][:len(outs)]
        grad_fn = out.grad_fn.name()
        h_grad_fn = hs[0].grad_fn.name()
    ws, loss = _loss_terms(rng, outs)
    loss.backward()
    for n, o, w in zip(names, outs, ws):
        arrays[f"{cid}|{n}"] = o.detach().numpy()
        arrays[f"{cid}|g{n}"] = w
    arrays[f"{cid}|g:x"] = tx.grad.numpy()
    for k, t in enumerate(hx or []):
        arrays[f"{cid}|g:{'hc'[k]}0"] = t.grad.numpy()
    for name, p in m.named_parameters():
        arrays[f"{cid}|g:{name}"] = p.grad.numpy()
    return {"id": cid, "expr": expr, "x": xs, "lengths": lengths, "hx": hx_shapes,
            "train": train, "outputs": names, "params": [n for n, _ in m.named_parameters()],
            "grad_fn": grad_fn, "h_grad_fn": h_grad_fn}


def _flatten(v):
    if isinstance(v, torch.Tensor):
        return [v]
    if v is None:
        return [None]
    out = []
    for item in v:
        out.extend(_flatten(item))
    return out


def main():
    rng = np.random.default_rng(0)
    arrays, cases, modules, utils, errors = {}, [], [], [], []
    for case in CASES:
        cases.append(record_case(rng, arrays, *case))
    for mid, expr in MODULES:
        torch.manual_seed(0)
        m = eval(expr, {"nn": nn})
        for name, p in m.named_parameters():
            arrays[f"{mid}|{name}"] = p.detach().numpy()
        modules.append({"id": mid, "expr": expr, "repr": repr(m),
                        "state_keys": list(m.state_dict())})
    for uid, expr, shapes in UTILS:
        env = {"R": R, "torch": torch}
        for k, s in enumerate(shapes):
            a = rng.standard_normal(s).astype(np.float32)
            arrays[f"{uid}|x{k}"] = a
            env[f"x{k}"] = torch.tensor(a)
        flat = _flatten(eval(expr, env))
        kinds = []
        for k, t in enumerate(flat):
            if t is None:
                kinds.append(None)
            else:
                arrays[f"{uid}|{k}"] = t.numpy()
                kinds.append(str(t.dtype))
        utils.append({"id": uid, "expr": expr, "inputs": len(shapes), "outputs": kinds})
    for expr in ERRORS:
        try:
            eval(expr, {"R": R, "nn": nn, "torch": torch})
        except Exception as e:  # noqa: BLE001 - every class PyTorch raises is recorded
            errors.append({"expr": expr, "type": type(e).__name__, "message": str(e)})
        else:
            raise SystemExit(f"no error from {expr}")
    meta = {"torch": torch.__version__, "cases": cases, "modules": modules, "utils": utils,
            "errors": errors}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
