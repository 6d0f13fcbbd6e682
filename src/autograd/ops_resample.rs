//! Differentiable resampling by tap tables (`ops/resample.rs`): one `interpolate` call is one
//! node named as PyTorch names it (`UpsampleBilinear2DBackward0`, `AdaptiveAvgPool2DBackward0`,
//! ...), whose backward is the adjoint chain of tables. A resampling is linear, so its backward
//! is the adjoint applied to the gradient and the backward of that is the forward again:
//! under `create_graph=True` the backward is recorded as PyTorch's `...BackwardBackward0`
//! node, whose backward reruns the forward, so every order of derivative exists. `pdist` is
//! one `PdistBackward0` node with a native backward.

use crate::autograd::node::Saved;
use crate::autograd::ops::record1;
use crate::error::{Error, Result};
use crate::ops::resample::{self as rs, Plan};
use crate::tensor::Tensor;
use std::sync::Arc;

/// The node names of one resampling.
pub struct ResampleNames {
    /// The forward's node (`UpsampleBilinear2DBackward0`).
    pub node: String,
    /// The backward's node under `create_graph=True` (`UpsampleBilinear2DBackwardBackward0`).
    pub double: String,
    /// Whether the backward's node also has an edge to the forward's input (PyTorch's
    /// `adaptive_avg_pool2d_backward(grad_output, self)`; its gradient there is zero).
    pub double_self: bool,
    /// The op named in errors.
    pub op: &'static str,
}

/// `x` resampled by `plan`, recorded as `names.node`.
pub fn resample(x: &Tensor, plan: Plan, names: Arc<ResampleNames>) -> Result<Tensor> {
    rs::check_plan(x, &plan, names.op)?;
    let out = rs::run_plan(x, &plan, false, names.op)?;
    let input = names.double_self.then(|| x.clone());
    let node = names.node.clone();
    Ok(record1(&node, &[x], out, false, move |g| {
        Ok(vec![Some(backward(g, input.as_ref(), &plan, &names)?)])
    }))
}

/// The adjoint of `plan` applied to `g`, recorded as `names.double` (edges to `g`, and to the
/// forward's input `x` when the names ask for it).
fn backward(
    g: &Tensor,
    x: Option<&Tensor>,
    plan: &Plan,
    names: &Arc<ResampleNames>,
) -> Result<Tensor> {
    let gx = rs::run_plan(g, plan, true, names.op)?;
    let (plan, names) = (plan.clone(), names.clone());
    let double = names.double.clone();
    Ok(match x {
        Some(x) => record1(&double, &[g, x], gx, false, move |gg| {
            Ok(vec![Some(resample(gg, plan.clone(), names.clone())?), None])
        }),
        None => record1(&double, &[g], gx, false, move |gg| {
            Ok(vec![Some(resample(gg, plan.clone(), names.clone())?)])
        }),
    })
}

/// `pdist(x, p)` recorded as `PdistBackward0` (saving `x` and the distances); its backward
/// is the native gradient kernel. As in PyTorch, that backward has no derivative: under
/// `create_graph=True` it is recorded as `PdistBackwardBackward0`, whose backward raises.
pub fn pdist(x: &Tensor, p: f64) -> Result<Tensor> {
    const NODE: &str = "PdistBackward0";
    let out = rs::pdist(x, p)?;
    let (sx, sd) = (Saved::new(x), Saved::new(&out.detach()));
    Ok(record1(NODE, &[x], out, true, move |g| {
        let (x, d) = (sx.get(NODE, 0)?, sd.get(NODE, 0)?);
        let gx = rs::pdist_backward(g, &x, &d, p)?;
        Ok(vec![Some(record1(
            "PdistBackwardBackward0",
            &[g, &x],
            gx,
            false,
            |_| {
                Err(Error::NotImplemented(
                    "the derivative for '_pdist_backward' is not implemented.".into(),
                ))
            },
        ))])
    }))
}
