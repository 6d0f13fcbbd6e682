//! Batch norm with autograd: runs `ops::norm::batch_norm` and records `NativeBatchNormBackward0`
//! over the input, weight and bias (those given).
//!
//! The ordinary backward is the native closed form (`ops::norm::batch_norm_backward`, fused
//! kernels on the CPU), which is not itself recorded. When the backward is being recorded
//! (grad mode on, i.e. `create_graph=True`), the node instead writes the same closed form with
//! differentiable ops, recomputing the batch statistics from the saved input so that second
//! derivatives see their dependence on it (the pattern of NOTE [recompute under create_graph]
//! in `ops_nn.rs`).

use crate::autograd::grad_mode;
use crate::autograd::node::{BackwardFn, Saved};
use crate::autograd::ops::{self as ag, needs_grad, record};
use crate::dtype::{DType, Scalar};
use crate::error::Result;
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp};
use crate::ops::norm::{self, BatchNormArgs, GradMask};
use crate::tensor::Tensor;

const NAME: &str = "NativeBatchNormBackward0";

/// `batch_norm(x, ...)`; updates the running statistics in training mode.
pub fn batch_norm(x: &Tensor, a: &BatchNormArgs) -> Result<Tensor> {
    let r = norm::batch_norm(x, a)?;
    let (w, b) = (a.weight, a.bias);
    let mut inputs: Vec<&Tensor> = vec![x];
    inputs.extend(w);
    inputs.extend(b);
    if !needs_grad(&inputs) {
        return Ok(r.out);
    }
    let need = GradMask {
        input: x.requires_grad(),
        weight: w.is_some_and(|t| t.requires_grad()),
        bias: b.is_some_and(|t| t.requires_grad()),
    };
    let sx = Saved::new(x);
    let sw = w.map(Saved::new);
    let (mean, invstd) = (r.mean, r.invstd);
    let (training, eps) = (a.training, a.eps);
    let (has_w, has_b) = (w.is_some(), b.is_some());
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let x = sx.get(NAME, 0)?;
        let w = sw.as_ref().map(|s| s.get(NAME, 1)).transpose()?;
        let [gx, gw, gb] = if grad_mode::is_enabled() {
            differentiable_backward(g, &x, w.as_ref(), &mean, &invstd, training, eps, need)?
        } else {
            norm::batch_norm_backward(g, &x, w.as_ref(), &mean, &invstd, training, need)?
        };
        let mut out = vec![gx];
        if has_w {
            out.push(gw);
        }
        if has_b {
            out.push(gb);
        }
        Ok(out)
    });
    Ok(record(NAME, &inputs, vec![r.out], true, f).remove(0))
}

fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    ag::binary(
        BinaryOp::Sub,
        &Operand::Tensor(a.clone()),
        &Operand::Tensor(b.clone()),
    )
}

/// A `[c]` vector viewed as `[1, c, 1, ...]` against `x`.
fn per_channel(v: &Tensor, x: &Tensor) -> Result<Tensor> {
    let mut s = vec![1i64; x.ndim()];
    s[1] = -1;
    ag::reshape(v, &s)
}

/// The closed form of `norm::batch_norm_backward` written with differentiable ops.
#[allow(clippy::too_many_arguments)]
fn differentiable_backward(
    g: &Tensor,
    x: &Tensor,
    w: Option<&Tensor>,
    mean: &Tensor,
    invstd: &Tensor,
    training: bool,
    eps: f64,
    need: GradMask,
) -> Result<[Option<Tensor>; 3]> {
    let dims: Vec<i64> = std::iter::once(0).chain(2..x.ndim() as i64).collect();
    let dt = x.dtype();
    let (mean, invstd) = if training {
        let m = ag::mean(x, Some(&dims), true, None)?;
        let xc = sub(x, &m)?;
        let var = ag::mean(&ag::mul(&xc, &xc)?, Some(&dims), true, None)?;
        let eps = Operand::Scalar(Scalar::Float(eps));
        let v = ag::binary(BinaryOp::Add, &Operand::Tensor(var), &eps)?;
        (m, ag::unary(UnaryOp::Rsqrt, &v)?)
    } else {
        (
            per_channel(&mean.try_to_dtype(dt)?, x)?,
            per_channel(&invstd.try_to_dtype(dt)?, x)?,
        )
    };
    let xhat = ag::mul(&sub(x, &mean)?, &invstd)?;
    let gw = if need.weight || (need.input && training) {
        Some(ag::sum(&ag::mul(g, &xhat)?, Some(&dims), false, None)?)
    } else {
        None
    };
    let gb = if need.bias || (need.input && training) {
        Some(ag::sum(g, Some(&dims), false, None)?)
    } else {
        None
    };
    let gx = if need.input {
        let scale = match w {
            Some(w) => ag::mul(&invstd, &per_channel(&ag::to_dtype(w, dt)?, x)?)?,
            None => invstd.clone(),
        };
        let inner = match (&gw, &gb, training) {
            (Some(sw), Some(sb), true) => {
                let m = (x.numel() / x.shape()[1].max(1)).max(1) as f64;
                let mb = ag::mul_scalar(&per_channel(sb, x)?, 1.0 / m)?;
                let mw = ag::mul_scalar(&per_channel(sw, x)?, 1.0 / m)?;
                sub(&sub(g, &mb)?, &ag::mul(&xhat, &mw)?)?
            }
            _ => g.clone(),
        };
        Some(ag::mul(&inner, &scale)?)
    } else {
        None
    };
    let pdt = w.map(|w| w.dtype()).unwrap_or(DType::F32);
    let cast = |t: Option<Tensor>, keep: bool| -> Result<Option<Tensor>> {
        match t {
            Some(t) if keep => Ok(Some(if w.is_some() {
                ag::to_dtype(&t, pdt)?
            } else {
                t
            })),
            _ => Ok(None),
        }
    };
    Ok([gx, cast(gw, need.weight)?, cast(gb, need.bias)?])
}
