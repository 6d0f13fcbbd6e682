//! The differentiable recurrent layer (`ops/rnn.rs`, NOTE [native recurrent layer]): one node
//! per layer and direction, named as PyTorch's oneDNN path names it.
//!
//! NOTE [recurrent layer backward is first order]: as in PyTorch, where
//! `mkldnn_rnn_layer_backward` has no derivative, the gradients this node produces are not
//! themselves differentiable; asking for them to be (`create_graph=True`) raises instead of
//! returning gradients without history.

use crate::autograd::grad_mode;
use crate::autograd::node::{BackwardFn, Saved};
use crate::autograd::ops::{needs_grad, record};
use crate::error::{Error, Result};
use crate::ops::rnn::{self as rnn, Mode, Need, Weights};
use crate::ops::view;
use crate::tensor::Tensor;

const NAME: &str = "MkldnnRnnLayerBackward0";

/// One layer and direction over the packed input `x` (N, in) with batch sizes `bs`: returns
/// (out (N, P), or a view of it shaped `out_shape`, h_n (B, P), c_n (B, H) for LSTM).
#[allow(clippy::too_many_arguments)]
pub fn rnn_layer(
    mode: Mode,
    x: &Tensor,
    bs: &[usize],
    w: &Weights,
    h0: &Tensor,
    c0: Option<&Tensor>,
    reverse: bool,
    out_shape: Option<&[i64]>,
) -> Result<(Tensor, Tensor, Option<Tensor>)> {
    let mut f = rnn::layer_forward(mode, x, bs, w, h0, c0, reverse)?;
    if let Some(s) = out_shape {
        f.out = view::view(&f.out, s)?;
    }
    let inputs: Vec<&Tensor> = [x, &w.w_ih, &w.w_hh]
        .into_iter()
        .chain(w.b_ih.as_ref())
        .chain(w.b_hh.as_ref())
        .chain(w.w_hr.as_ref())
        .chain([h0])
        .chain(c0)
        .collect();
    if !needs_grad(&inputs) {
        return Ok((f.out, f.h_n, f.c_n));
    }
    let need = Need {
        x: x.requires_grad(),
        w_ih: w.w_ih.requires_grad(),
        w_hh: w.w_hh.requires_grad(),
        b_ih: w.b_ih.as_ref().is_some_and(|t| t.requires_grad()),
        b_hh: w.b_hh.as_ref().is_some_and(|t| t.requires_grad()),
        w_hr: w.w_hr.as_ref().is_some_and(|t| t.requires_grad()),
        h0: h0.requires_grad(),
        c0: c0.is_some_and(|t| t.requires_grad()),
    };
    // The inputs the backward reads, saved so that an in-place change since is reported.
    let saved: Vec<Saved> = [x, &w.w_ih, &w.w_hh]
        .into_iter()
        .chain(w.w_hr.as_ref())
        .map(Saved::new)
        .collect();
    // The output, which the RNN modes' backward reads (an in-place change is reported too).
    let saved_out = Saved::new(&f.out.detach());
    let has_b = (w.b_ih.is_some(), w.b_hh.is_some());
    let has_c = c0.is_some();
    let state = f.state;
    let bf: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        if g.iter().all(|t| t.is_none()) {
            return Ok(vec![]);
        }
        if grad_mode::is_enabled() {
            // See NOTE [recurrent layer backward is first order].
            return Err(Error::Runtime(
                "derivative for aten::mkldnn_rnn_layer_backward is not implemented".into(),
            ));
        }
        let mut it = saved.iter().map(|s| s.get(NAME, 0));
        let x = it.next().expect("saved x")?;
        let w_ih = it.next().expect("saved w_ih")?;
        let w_hh = it.next().expect("saved w_hh")?;
        let w_hr = it.next().transpose()?;
        saved_out.get(NAME, 0)?;
        let w = Weights {
            w_ih,
            w_hh,
            b_ih: None,
            b_hh: None,
            w_hr,
        };
        let at = |i: usize| g.get(i).and_then(|t| t.as_ref());
        let gr = rnn::layer_backward(&state, &x, &w, at(0), at(1), at(2), need)?;
        let mut out = vec![gr.x, gr.w_ih, gr.w_hh];
        if has_b.0 {
            out.push(gr.b_ih);
        }
        if has_b.1 {
            out.push(gr.b_hh);
        }
        if w.w_hr.is_some() {
            out.push(gr.w_hr);
        }
        out.push(gr.h0);
        if has_c {
            out.push(gr.c0);
        }
        Ok(out)
    });
    let mut outputs = vec![f.out, f.h_n];
    outputs.extend(f.c_n);
    let mut rec = record(NAME, &inputs, outputs, true, bf).into_iter();
    let out = rec.next().expect("out");
    let h_n = rec.next().expect("h_n");
    Ok((out, h_n, rec.next()))
}
