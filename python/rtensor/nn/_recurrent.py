"""The recurrent layers' computation (``_VF.lstm``/``gru``/``rnn_tanh``/``rnn_relu`` and the cells).

NOTE [recurrent layer node]: each layer and direction of ``nn.RNN``/``LSTM``/``GRU`` is one autograd
node, as PyTorch's oneDNN path records one ``MkldnnRnnLayerBackward0`` per layer. Its forward runs
without history: the input projection of every time step is ONE matrix product (``x @ W_ih^T``
plus the biases), then each step is one hidden product (``addmm``) plus the gate arithmetic.
Its backward is backpropagation through time written out: the factors that do not depend on the
incoming gradient (gate derivatives, ``o * (1 - tanh(c)^2)``...) are computed for all steps at
once, each step then costs a handful of ops (one ``cat``, one multiply, one hidden product), and
the weight gradients are one matrix product each over all steps (``dG^T @ x``, ``dG^T @ h``).
The computation works on the packed layout: rows of step ``t`` are ``batch_sizes[t]`` rows of a
2-D ``(N, features)`` tensor, so a padded (T, B) batch is the packed batch with ``[B] * T``; a
packed batch shrinks as sequences end (the forward direction keeps the final state of the rows
that stop, the reverse direction starts them from ``h0``), as ATen's packed layers do.
The backward is first-order only: like PyTorch's ``mkldnn_rnn_layer_backward`` it is not itself
differentiable, and asking for it (``create_graph=True``) raises.

The cells (``RNNCell``...) are composed from differentiable ops in ATen's order, so their
``grad_fn`` names are PyTorch's (``TanhBackward0``, ``MulBackward0``/``AddBackward0``...).
"""

import rtensor

from .. import _C
from .._C import Tensor
from ..autograd.grad_mode import no_grad

LAYER_NODE = "MkldnnRnnLayerBackward0"
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _t(w):
    return w.t()


# ---------------------------------------------------------------------------------------------
# One layer, one direction: forward without history, backward through time.


def _steps(batch_sizes, reverse):
    order = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    offsets, o = [], 0
    for b in batch_sizes:
        offsets.append(o)
        o += b
    return list(order), offsets


def _resize_state(h, h0, b, pieces):
    """The carried state cut (the forward direction: rows that ended go to ``pieces``) or grown
    (the reverse direction: new rows start from ``h0``) to ``b`` rows."""
    cur = h.shape[0]
    if b < cur:
        pieces.append(h[b:cur])
        return h[:b]
    if b > cur:
        return rtensor.cat([h, h0[cur:b]], 0)
    return h


def _final(h, pieces):
    return rtensor.cat([h] + pieces[::-1], 0) if pieces else h


def _layer_forward(mode, x, bs, w, h0, c0, reverse):
    """Returns (out (N, P), h_n, c_n or None, saved) for one layer and direction."""
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    order, offsets = _steps(bs, reverse)
    n_steps = len(bs)
    if mode == "GRU":
        xg = rtensor.addmm(b_ih, x, _t(w_ih)) if b_ih is not None else x.matmul(_t(w_ih))
    elif b_ih is not None:
        xg = rtensor.addmm(b_ih + b_hh, x, _t(w_ih))
    else:
        xg = x.matmul(_t(w_ih))
    xs = xg.split(bs)
    w_hh_t = _t(w_hh).contiguous()  # row-major W_hh^T: the per-step product reads it fastest
    w_hr_t = _t(w_hr) if w_hr is not None else None
    H = w_hh.shape[0] // _GATES[mode]
    h = h0[: bs[order[0]]]
    c = c0[: bs[order[0]]] if c0 is not None else None
    hp_pieces, cp_pieces = [], []
    outs = [None] * n_steps
    hprev = [None] * n_steps
    saved = {k: [None] * n_steps for k in ("s", "g", "tc", "cp", "hf", "n", "ghn")}
    for t in order:
        b = bs[t]
        if h.shape[0] != b:
            h = _resize_state(h, h0, b, hp_pieces)
            if c is not None:
                c = _resize_state(c, c0, b, cp_pieces)
        hprev[t] = h
        if mode == "LSTM":
            gates = h.matmul(w_hh_t) + xs[t]
            s = gates.sigmoid()
            g = gates[:, 2 * H:3 * H].tanh()
            cp = c
            c = s[:, H:2 * H] * c + s[:, :H] * g
            tc = c.tanh()
            hf = s[:, 3 * H:] * tc
            h = hf.matmul(w_hr_t) if w_hr_t is not None else hf
            saved["s"][t], saved["g"][t], saved["tc"][t], saved["cp"][t] = s, g, tc, cp
            saved["hf"][t] = hf
        elif mode == "GRU":
            gh = h.matmul(w_hh_t) + b_hh if b_hh is not None else h.matmul(w_hh_t)
            xt = xs[t]
            rz = (xt[:, :2 * H] + gh[:, :2 * H]).sigmoid()
            ghn = gh[:, 2 * H:]
            n = (xt[:, 2 * H:] + rz[:, :H] * ghn).tanh()
            h = n + rz[:, H:] * (h - n)
            saved["s"][t], saved["n"][t], saved["ghn"][t] = rz, n, ghn
        else:
            pre = h.matmul(w_hh_t) + xs[t]
            h = pre.tanh() if mode == "RNN_TANH" else pre.relu()
        outs[t] = h
    h_n = _final(h, hp_pieces)
    c_n = _final(c, cp_pieces) if c is not None else None
    out = rtensor.cat(outs, 0)
    saved = {k: rtensor.cat(v, 0) for k, v in saved.items() if v[0] is not None}
    saved["hp"] = rtensor.cat(hprev, 0)
    saved["out"] = out
    return out, h_n, c_n, saved


def _layer_backward(mode, x, bs, w, reverse, saved, dout, dhn, dcn, need_dx):
    """Gradients (dx, dw_ih, dw_hh, db_ih, db_hh, dw_hr, dh0, dc0) of one layer/direction."""
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    order, _ = _steps(bs, reverse)
    order = order[::-1]  # backward visits the steps in the opposite order
    dout_s = dout.split(bs)
    H = w_hh.shape[0] // _GATES[mode]
    if mode == "LSTM":
        s, g, tc, cp = saved["s"], saved["g"], saved["tc"], saved["cp"]
        i, f, o = s[:, :H], s[:, H:2 * H], s[:, 3 * H:]
        a_s = (o * (1 - tc * tc)).split(bs)
        k_s = rtensor.cat([g * i * (1 - i), cp * f * (1 - f), i * (1 - g * g),
                           tc * o * (1 - o)], 1).split(bs)
        f_s = f.split(bs)
    elif mode == "GRU":
        rz, n, ghn, hp = saved["s"], saved["n"], saved["ghn"], saved["hp"]
        r, z = rz[:, :H], rz[:, H:]
        q = (1 - z) * (1 - n * n)
        z2 = (hp - n) * z * (1 - z)
        r2 = q * ghn * r * (1 - r)
        kx_s = rtensor.cat([r2, z2, q], 1).split(bs)
        kh_s = rtensor.cat([r2, z2, q * r], 1).split(bs)
        z_s = z.split(bs)
    else:
        out = saved["out"]
        d_s = (1 - out * out if mode == "RNN_TANH" else (out > 0).to(out.dtype)).split(bs)
    w_hr_ = w_hr
    dh = dhn[: bs[order[0]]]
    dc = dcn[: bs[order[0]]] if dcn is not None else None
    dh_pieces, dc_pieces = [], []
    n_steps = len(bs)
    dg = [None] * n_steps
    dgh = [None] * n_steps
    dhp = [None] * n_steps
    for t in order:
        b = bs[t]
        if dh.shape[0] != b:
            dh = _resize_state(dh, dhn, b, dh_pieces)
            if dc is not None:
                dc = _resize_state(dc, dcn, b, dc_pieces)
        dh = dh + dout_s[t]
        if mode == "LSTM":
            if w_hr_ is not None:
                dhp[t] = dh
                dhf = dh.matmul(w_hr_)
            else:
                dhf = dh
            dc = dc + dhf * a_s[t]
            d = rtensor.cat([dc, dc, dc, dhf], 1) * k_s[t]
            dh = d.matmul(w_hh)
            dc = dc * f_s[t]
            dg[t] = d
        elif mode == "GRU":
            d3 = rtensor.cat([dh, dh, dh], 1)
            dg[t] = d3 * kx_s[t]
            dgh[t] = d3 * kh_s[t]
            dh = rtensor.addmm(dh * z_s[t], dgh[t], w_hh)
        else:
            d = dh * d_s[t]
            dh = d.matmul(w_hh)
            dg[t] = d
    dh0 = _final(dh, dh_pieces)
    dc0 = _final(dc, dc_pieces) if dc is not None else None
    dG = rtensor.cat(dg, 0)
    dGh = rtensor.cat(dgh, 0) if mode == "GRU" else dG
    dx = dG.matmul(w_ih) if need_dx else None
    # (x^T dG)^T: the product with the long dimension inner runs fastest.
    dw_ih = _t(_t(x).matmul(dG))
    dw_hh = _t(_t(saved["hp"]).matmul(dGh))
    db_ih = dG.sum(0) if b_ih is not None else None
    db_hh = dGh.sum(0) if b_hh is not None else None
    dw_hr = None
    if w_hr_ is not None:
        dw_hr = _t(_t(saved["hf"]).matmul(rtensor.cat(dhp, 0)))
    return dx, dw_ih, dw_hh, db_ih, db_hh, dw_hr, dh0, dc0


def rnn_layer(mode, x, bs, w, h0, c0, reverse, out_shape=None):
    """One layer and direction as one node (NOTE [recurrent layer node]). ``x`` is the packed
    (N, in) input, ``w`` = (w_ih, w_hh, b_ih, b_hh, w_hr) with ``None`` for absent ones.
    Returns (out, h_n, c_n); ``out`` is (N, P), or ``out_shape`` when given (a view)."""
    with no_grad():
        out, h_n, c_n, saved = _layer_forward(mode, x, bs, w, h0, c0, reverse)
        if out_shape is not None:
            out = out.view(out_shape)
    inputs = [x, *w, h0, c0]
    pos = [k for k, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not pos or not _C.is_grad_enabled():
        return out, h_n, c_n
    outputs = [out, h_n] + ([c_n] if c_n is not None else [])

    def backward(dout, dhn, dcn=None):
        if _C.is_grad_enabled():
            raise RuntimeError("derivative for aten::mkldnn_rnn_layer_backward is not implemented")
        # Unused outputs get no gradient (None): zeros on the outputs' device.
        dout = rtensor.zeros_like(out) if dout is None else dout
        dhn = rtensor.zeros_like(h_n) if dhn is None else dhn
        if c_n is not None and dcn is None:
            dcn = rtensor.zeros_like(c_n)
        grads = _layer_backward(mode, x, bs, w, reverse, saved,
                                dout.reshape(-1, dout.shape[-1]), dhn, dcn, x.requires_grad)
        return tuple(grads[k] for k in pos)

    rec = _C._record_function(LAYER_NODE, [inputs[k] for k in pos], outputs, backward, False)
    return rec[0], rec[1], (rec[2] if c_n is not None else None)


# ---------------------------------------------------------------------------------------------
# All layers and directions (``_VF.lstm`` and friends).


def rnn_forward(mode, input, batch_sizes, hx, cx, weights, has_biases, num_layers, dropout,
                train, bidirectional, batch_first):
    """The stacked recurrence. ``input`` is (T, B, in) (``batch_first``: (B, T, in)) when
    ``batch_sizes`` is None, else packed data (N, in) with ``batch_sizes`` a list of ints.
    ``weights`` is the module's flat weight list. Returns (output, h_n, c_n or None)."""
    from . import functional as F

    dirs = 2 if bidirectional else 1
    per = len(weights) // (num_layers * dirs)
    packed = batch_sizes is not None
    if packed:
        bs = batch_sizes
        x = input
        shape = None
    else:
        seq = input.transpose(0, 1) if batch_first else input
        steps, batch = seq.shape[0], seq.shape[1]
        if steps == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        bs = [batch] * steps
        x = seq.reshape(steps * batch, seq.shape[2])
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            ws = weights[(layer * dirs + d) * per:(layer * dirs + d + 1) * per]
            if has_biases:
                w_ih, w_hh, b_ih, b_hh = ws[:4]
                w_hr = ws[4] if per == 5 else None
            else:
                w_ih, w_hh = ws[:2]
                b_ih = b_hh = None
                w_hr = ws[2] if per == 3 else None
            idx = layer * dirs + d
            h0 = hx[idx]
            c0 = cx[idx] if cx is not None else None
            if not packed:
                shape = (steps, batch, h0.shape[-1])
            o, h_n, c_n = rnn_layer(mode, x, bs, (w_ih, w_hh, b_ih, b_hh, w_hr), h0, c0, d == 1,
                                    shape)
            outs.append(o)
            hs.append(h_n)
            if c_n is not None:
                cs.append(c_n)
        out = outs[0] if dirs == 1 else rtensor.cat(outs, -1)
        if dropout != 0 and train and layer < num_layers - 1:
            out = F.dropout(out, dropout, True)
        x = out if packed else out.reshape(steps * batch, out.shape[-1])
    output = out
    if not packed and batch_first:
        output = output.transpose(0, 1)
    h_n = rtensor.stack(hs, 0)
    c_n = rtensor.stack(cs, 0) if cs else None
    return output, h_n, c_n


# ---------------------------------------------------------------------------------------------
# Cells (``_VF.rnn_tanh_cell``...), composed in ATen's order.


def _check_cell(input, hx, w_ih, w_hh, name):
    if input.size(1) != w_ih.size(1):
        raise RuntimeError(
            f"input has inconsistent input_size: got {input.size(1)} expected {w_ih.size(1)}"
        )
    if input.size(0) != hx.size(0):
        raise RuntimeError(
            f"Input batch size {input.size(0)} doesn't match hidden{name} batch size "
            f"{hx.size(0)}"
        )
    if hx.size(1) != w_hh.size(1):
        raise RuntimeError(
            f"hidden{name} has inconsistent hidden_size: got {hx.size(1)}, expected "
            f"{w_hh.size(1)}"
        )


def _linear(x, w, b):
    from . import functional as F

    return F.linear(x, w, b)


def rnn_cell(input, hx, w_ih, w_hh, b_ih, b_hh, nonlinearity):
    _check_cell(input, hx, w_ih, w_hh, "0")
    pre = _linear(hx, w_hh, b_hh) + _linear(input, w_ih, b_ih)
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


def lstm_cell(input, hx, cx, w_ih, w_hh, b_ih, b_hh):
    _check_cell(input, hx, w_ih, w_hh, "0")
    _check_cell(input, cx, w_ih, w_hh, "1")
    gates = _linear(hx, w_hh, b_hh) + _linear(input, w_ih, b_ih)
    i, f, g, o = gates.chunk(4, 1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    cy = f * cx + i * g
    hy = o * cy.tanh()
    return hy, cy


def gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh):
    _check_cell(input, hx, w_ih, w_hh, "0")
    ir, iz, in_ = _linear(input, w_ih, b_ih).chunk(3, 1)
    hr, hz, hn = _linear(hx, w_hh, b_hh).chunk(3, 1)
    r = (hr + ir).sigmoid()
    z = (hz + iz).sigmoid()
    n = (in_ + hn * r).tanh()
    return (hx - n) * z + n
