//! Differentiable pooling (see `ops/pool.rs` for the checks and tables): each op runs its
//! table kernel and records a node named as PyTorch names it. The backward kernels are
//! themselves recorded when `create_graph=True`: max pooling's backward (a scatter-add by the
//! saved indices) and the gather by those indices are each other's adjoints, as are the
//! average and its backward, so every order of derivative exists.

use crate::autograd::node::Saved;
use crate::autograd::ops::{needs_grad, record1};
use crate::error::Result;
use crate::ops::pool;
use crate::spec::pool::Windows;
use crate::tensor::Tensor;
use std::sync::Arc;

/// Names of one pooling op: its node, its backward's node, and the kernel named in dtype errors.
#[derive(Clone, Copy)]
pub struct PoolNames {
    pub node: &'static str,
    pub double: &'static str,
    pub kernel: &'static str,
}

/// A max pooling over `nd` dims by the tables `w`: the values, recorded as `names.node` with
/// the scatter of the gradient to the argmax as backward, and the indices when asked for
/// (they are computed only when asked for or needed by the backward).
pub fn max_pool(
    x: &Tensor,
    w: Windows,
    nd: usize,
    names: PoolNames,
    return_indices: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let grad = needs_grad(&[x]);
    let (out, idx) = pool::max_by_windows(x, &w, nd, names.kernel, return_indices || grad)?;
    let idx = match idx {
        Some(idx) if grad => idx,
        idx => return Ok((out, idx)),
    };
    let w = Arc::new(w);
    let saved = Saved::new(&idx);
    let input = x.clone();
    let out = record1(names.node, &[x], out, true, move |g| {
        let idx = saved.get(names.node, 1)?;
        Ok(vec![Some(max_backward(g, &input, &idx, &w, nd, names)?)])
    });
    Ok((out, return_indices.then_some(idx)))
}

/// `g` scattered to the argmax positions. Under `create_graph=True` it is recorded as
/// `names.double` with edges to `g` and to the pooled input `x`, as PyTorch's
/// `max_pool2d_with_indices_backward(grad_output, self, ...)` (the gradient with respect to
/// `x` is zero).
fn max_backward(
    g: &Tensor,
    x: &Tensor,
    idx: &Tensor,
    w: &Arc<Windows>,
    nd: usize,
    names: PoolNames,
) -> Result<Tensor> {
    let gx = pool::max_backward(g, idx, w, x.shape(), nd, names.kernel)?;
    let idx = idx.clone();
    Ok(record1(names.double, &[g, x], gx, true, move |gg| {
        Ok(vec![Some(gather(gg, &idx, nd, names)?), None])
    }))
}

/// `src[p, idx[p, k]]` over planes of `src`'s last `nd` dims, recorded with a scatter-add
/// as backward.
fn gather(src: &Tensor, idx: &Tensor, nd: usize, names: PoolNames) -> Result<Tensor> {
    let plane: usize = src.shape()[src.ndim().saturating_sub(nd)..]
        .iter()
        .product();
    let out = pool::gather_planes(src, idx, plane, names.kernel)?;
    let (idx, shape) = (idx.clone(), src.shape().to_vec());
    Ok(record1("GatherBackward0", &[src], out, true, move |g| {
        Ok(vec![Some(scatter_add(g, &idx, &shape, nd, names)?)])
    }))
}

fn scatter_add(
    g: &Tensor,
    idx: &Tensor,
    shape: &[usize],
    nd: usize,
    names: PoolNames,
) -> Result<Tensor> {
    let out = pool::scatter_planes(g, idx, shape, nd, false, names.kernel)?;
    let idx = idx.clone();
    Ok(record1("ScatterAddBackward0", &[g], out, true, move |gg| {
        Ok(vec![Some(gather(gg, &idx, nd, names)?)])
    }))
}

/// An average over the tables `w` (average and adaptive average pooling), recorded as
/// `names.node`.
pub fn avg_pool(x: &Tensor, w: Windows, nd: usize, names: PoolNames) -> Result<Tensor> {
    avg_shared(x, Arc::new(w), nd, names)
}

fn avg_shared(x: &Tensor, w: Arc<Windows>, nd: usize, names: PoolNames) -> Result<Tensor> {
    let out = pool::avg_by_windows(x, &w, nd, names.kernel)?;
    let input = x.clone();
    Ok(record1(names.node, &[x], out, false, move |g| {
        Ok(vec![Some(avg_backward(g, &input, &w, nd, names)?)])
    }))
}

/// The average's adjoint; under `create_graph=True` recorded as `names.double` with edges to
/// `g` and the pooled input `x` (PyTorch's `avg_pool2d_backward(grad_output, self, ...)`;
/// zero gradient with respect to `x`).
fn avg_backward(
    g: &Tensor,
    x: &Tensor,
    w: &Arc<Windows>,
    nd: usize,
    names: PoolNames,
) -> Result<Tensor> {
    let gx = pool::avg_backward(g, w, x.shape(), names.kernel)?;
    let w = w.clone();
    Ok(record1(names.double, &[g, x], gx, false, move |gg| {
        Ok(vec![Some(avg_shared(gg, w.clone(), nd, names)?), None])
    }))
}

/// `max_unpool2d/3d`: `x` written at `idx` into zeros of `out_shape` (MaxUnpool2DBackward0 /
/// MaxUnpool3DBackward0, whose backward gathers by the same indices).
pub fn max_unpool(x: &Tensor, idx: &Tensor, nd: usize, output_size: &[i64]) -> Result<Tensor> {
    let shape = pool::max_unpool_shape(x, idx, nd, output_size)?;
    let (node, kernel) = if nd == 2 {
        ("MaxUnpool2DBackward0", "max_unpooling2d_forward_out")
    } else {
        ("MaxUnpool3DBackward0", "max_unpooling3d_forward_out")
    };
    let names = PoolNames {
        node,
        double: "MaxUnpoolBackwardBackward0",
        kernel,
    };
    let out = pool::scatter_planes(x, idx, &shape, nd, true, kernel)?;
    let idx = idx.clone();
    Ok(record1(node, &[x], out, true, move |g| {
        Ok(vec![Some(gather(g, &idx, nd, names)?)])
    }))
}
