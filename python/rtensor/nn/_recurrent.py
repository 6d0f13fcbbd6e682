"""The recurrent layers' computation (``_VF.lstm``/``gru``/``rnn_tanh``/``rnn_relu`` and the cells).

NOTE [recurrent layer node]: each layer and direction of ``nn.RNN``/``LSTM``/``GRU`` is one autograd
node, as PyTorch's oneDNN path records one ``MkldnnRnnLayerBackward0`` per layer: the native
``_C._rnn_layer`` (src/ops/rnn.rs, NOTE [native recurrent layer]). Its forward is one matrix
product for the input projection of every time step, then per step one hidden product and one
fused gate kernel; its backward is backpropagation through time in Rust (per step the gate
backward kernel and one hidden product, the weight gradients one product each over all steps).
It works on the packed layout: rows of step ``t`` are ``batch_sizes[t]`` rows of a 2-D
``(N, features)`` tensor, so a padded (T, B) batch is the packed batch with ``[B] * T``; a
packed batch shrinks as sequences end (the forward direction keeps the final state of the rows
that stop, the reverse direction starts them from ``h0``), as ATen's packed layers do.
The backward is first-order only: like PyTorch's ``mkldnn_rnn_layer_backward`` it is not itself
differentiable, and asking for it (``create_graph=True``) raises.

The cells (``RNNCell``...) are composed from differentiable ops in ATen's order, so their
``grad_fn`` names are PyTorch's (``TanhBackward0``, ``MulBackward0``/``AddBackward0``...).
"""

import rtensor

from .. import _C

LAYER_NODE = "MkldnnRnnLayerBackward0"


def _t(w):
    return w.t()


# ---------------------------------------------------------------------------------------------
# One layer, one direction: the native layer (src/ops/rnn.rs).


def rnn_layer(mode, x, bs, w, h0, c0, reverse, out_shape=None):
    """One layer and direction as one node (NOTE [recurrent layer node]). ``x`` is the packed
    (N, in) input, ``w`` = (w_ih, w_hh, b_ih, b_hh, w_hr) with ``None`` for absent ones.
    Returns (out, h_n, c_n); ``out`` is (N, P), or ``out_shape`` when given (a view)."""
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    return _C._rnn_layer(mode, x, list(bs), w_ih, w_hh, b_ih, b_hh, w_hr, h0, c0, reverse,
                         None if out_shape is None else list(out_shape))


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
