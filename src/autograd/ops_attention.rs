//! The differentiable fused attention (`ops/attention.rs`, CPU and GPU): one node named as
//! PyTorch's CPU flash kernel's, whose backward is the fused kernel's (NOTE [fused attention]).
//!
//! NOTE [fused attention backward is first order]: as in PyTorch, where
//! `_scaled_dot_product_flash_attention_for_cpu_backward` has no derivative, the gradients
//! this node produces are not themselves differentiable. When the backward is being recorded
//! (`create_graph=True`) the node says so instead of returning gradients without history; the
//! Python layer takes the composed path for inputs that need second derivatives only when the
//! caller asks for it (there is no way to know in advance), so this is an explicit error, never
//! a silently missing term.

use crate::autograd::grad_mode;
use crate::autograd::node::{BackwardFn, Saved};
use crate::autograd::ops::{needs_grad, record};
use crate::error::{Error, Result};
use crate::ops::attention as attn;
use crate::tensor::Tensor;

const NAME: &str = "ScaledDotProductFlashAttentionForCpuBackward0";

/// softmax(scale * q k^T + mask (+ causal)) v for 4-d q, k, v of one float dtype (float32 or
/// float64 on the CPU, float32 on the GPU, where the same node name is kept);
/// `mask` is an additive float mask of the scores' shape (a broadcast view), never
/// differentiated (PyTorch's flash path is not taken for a mask that requires grad).
pub fn flash_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
    causal: bool,
    scale: f64,
) -> Result<Tensor> {
    let (out, lse) = attn::flash_forward(q, k, v, mask, causal, scale)?;
    if !needs_grad(&[q, k, v]) {
        return Ok(out);
    }
    let (sq, sk, sv) = (Saved::new(q), Saved::new(k), Saved::new(v));
    let so = Saved::new(&out.detach());
    let mask = mask.map(|m| m.detach());
    let need = [q.requires_grad(), k.requires_grad(), v.requires_grad()];
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        if grad_mode::is_enabled() {
            // See NOTE [fused attention backward is first order].
            return Err(Error::Runtime(
                "derivative for aten::_scaled_dot_product_flash_attention_for_cpu_backward is \
                 not implemented"
                    .into(),
            ));
        }
        let (q, k, v) = (sq.get(NAME, 0)?, sk.get(NAME, 1)?, sv.get(NAME, 2)?);
        let out = so.get(NAME, 0)?;
        let g = g.try_to_dtype(q.dtype())?;
        let (dq, dk, dv) =
            attn::flash_backward(&q, &k, &v, mask.as_ref(), &out, &lse, &g, causal, scale)?;
        Ok([dq, dk, dv]
            .into_iter()
            .zip(need)
            .map(|(t, n)| if n { Some(t) } else { None })
            .collect())
    });
    Ok(record(NAME, &[q, k, v], vec![out], true, f).remove(0))
}
