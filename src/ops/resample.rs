//! Resampling by tap tables (`spec::resample`; NOTE [resampling by taps] in
//! `python/rtensor/nn/_interpolate.py`): one dim at a time on the CPU
//! (`backend/cpu/resample.rs`) or the GPU (`shaders/resample.wgsl`), and the chain of dims that
//! makes one `interpolate` call. float16 and bfloat16 are resampled in float32 and rounded once
//! at the end (ATen's opmath); a copy table (the nearest modes) runs on every dtype.
//! No autograd here: `autograd/ops_resample.rs` records the node.

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::spec::elementwise::not_implemented_for;
use crate::spec::resample::{Taps, TapsPair};
use crate::tensor::Tensor;
use std::sync::Arc;

/// A fresh contiguous tensor's elements.
///
/// # Safety
/// `t` must be a fresh contiguous CPU tensor of element type `T` that nothing else aliases.
#[allow(clippy::mut_from_ref)]
unsafe fn slice_mut<T: crate::dtype::Element>(t: &Tensor) -> &mut [T] {
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts_mut(t.ptr::<T>(), t.numel()) }
}

/// `x` resampled along `dim` by the table `t`.
pub fn resample_dim(x: &Tensor, dim: usize, t: &Taps, op: &str) -> Result<Tensor> {
    let s = x.shape();
    if dim >= s.len() || s[dim] != t.n_in {
        return Err(Error::Runtime(format!(
            "{}: a table of {} input positions cannot resample dim {} of a tensor of shape {:?}",
            op, t.n_in, dim, s
        )));
    }
    let outer: usize = s[..dim].iter().product();
    let inner: usize = s[dim + 1..].iter().product();
    let mut shape = s.to_vec();
    shape[dim] = t.n_out();
    if x.is_gpu() {
        if t.w.is_some() && x.dtype() != DType::F32 {
            return Err(not_implemented_for(op, x.dtype()));
        }
        return crate::backend::gpu::resample::apply(x, t, outer, inner, &shape);
    }
    let xc = x.try_contiguous()?;
    let out = Tensor::zeros(&shape, x.dtype());
    match &t.w {
        None => crate::dispatch!(x.dtype(), T => {
            // SAFETY: `out` is fresh, contiguous and unaliased.
            let o = unsafe { slice_mut::<T>(&out) };
            crate::backend::cpu::resample::gather(xc.as_slice::<T>(), o, inner, t);
        }),
        Some(w) => match x.dtype() {
            DType::F32 => {
                let w: Vec<f32> = w.iter().map(|&v| v as f32).collect();
                // SAFETY: as above.
                let o = unsafe { slice_mut::<f32>(&out) };
                crate::backend::cpu::resample::apply(xc.as_slice::<f32>(), o, inner, t, &w);
            }
            DType::F64 => {
                // SAFETY: as above.
                let o = unsafe { slice_mut::<f64>(&out) };
                crate::backend::cpu::resample::apply(xc.as_slice::<f64>(), o, inner, t, w);
            }
            d => return Err(not_implemented_for(op, d)),
        },
    }
    Ok(out)
}

/// The dims of one resampling and their tables, in the order the forward applies them.
pub type Plan = Arc<Vec<(usize, Arc<TapsPair>)>>;

/// Checks a plan against the input's shape: each dim in range and read by its table.
pub fn check_plan(x: &Tensor, plan: &Plan, op: &str) -> Result<()> {
    let mut shape = x.shape().to_vec();
    for (d, t) in plan.iter() {
        if *d >= shape.len() || shape[*d] != t.fwd.n_in {
            return Err(Error::Runtime(format!(
                "{}: a table of {} input positions cannot resample dim {} of a tensor of shape {:?}",
                op, t.fwd.n_in, d, shape
            )));
        }
        shape[*d] = t.fwd.n_out();
    }
    Ok(())
}

/// The plan applied to `x` (the forward tables in order), or with `adjoint` its adjoint
/// applied to a gradient (the transposed tables in reverse order).
pub fn run_plan(x: &Tensor, plan: &Plan, adjoint: bool, op: &str) -> Result<Tensor> {
    let low = matches!(x.dtype(), DType::F16 | DType::BF16);
    let weighted = adjoint || plan.iter().any(|(_, t)| t.fwd.w.is_some());
    let mut y = if low && weighted {
        x.try_to_dtype_copy(DType::F32)?
    } else {
        x.clone()
    };
    let steps: Box<dyn Iterator<Item = &(usize, Arc<TapsPair>)>> = if adjoint {
        Box::new(plan.iter().rev())
    } else {
        Box::new(plan.iter())
    };
    for (d, t) in steps {
        let table = if adjoint { &t.bwd } else { &t.fwd };
        y = resample_dim(&y, *d, table, op)?;
    }
    if y.dtype() != x.dtype() {
        y = y.try_to_dtype_copy(x.dtype())?;
    }
    if y.same_impl(x) {
        y = y.try_to_dtype_copy(x.dtype())?;
    }
    Ok(y)
}

// ----- grid_sample -----

use crate::spec::resample::GridArgs;

/// The geometry of `grid_sample(x, grid)` with the caller's mode, padding and alignment in
/// `a` (the sizes are filled in here). The Python layer made ATen's checks; these guard the
/// kernels.
pub fn grid_geometry(x: &Tensor, grid: &Tensor, mut a: GridArgs) -> Result<GridArgs> {
    let (xs, gs) = (x.shape(), grid.shape());
    let nd = xs.len().saturating_sub(2);
    if !(nd == 2 || nd == 3)
        || gs.len() != xs.len()
        || gs[0] != xs[0]
        || gs[gs.len() - 1] != nd
        || xs[2..].contains(&0)
        || (nd == 3 && a.mode == crate::spec::resample::GridMode::Bicubic)
    {
        return Err(Error::Runtime(format!(
            "grid_sampler(): unsupported input of sizes {:?} and grid of sizes {:?}",
            xs, gs
        )));
    }
    a.nd = nd;
    a.n = xs[0];
    a.c = xs[1];
    a.inp = [1; 3];
    a.inp[3 - nd..].copy_from_slice(&xs[2..]);
    a.points = gs[1..gs.len() - 1].iter().product();
    Ok(a)
}

fn cpu_only(t: &Tensor, op: &str) -> Result<()> {
    if t.is_gpu() {
        return Err(crate::backend::gpu::not_implemented(op));
    }
    Ok(())
}

/// `(x, grid)` in the dtype the kernels compute in (float32 for half types).
fn compute_dtype(d: DType, op: &str) -> Result<DType> {
    match d {
        DType::F32 | DType::F64 => Ok(d),
        DType::F16 | DType::BF16 => Ok(DType::F32),
        d => Err(not_implemented_for(op, d)),
    }
}

/// A contiguous tensor of `dtype`.
fn dense_as(t: &Tensor, dtype: DType) -> Result<Tensor> {
    if t.dtype() == dtype {
        t.try_contiguous()
    } else {
        t.try_to_dtype_copy(dtype)
    }
}

/// `grid_sample` (no autograd): `(n, c, *grid's spatial)`.
pub fn grid_sample(x: &Tensor, grid: &Tensor, a: GridArgs, op: &str) -> Result<Tensor> {
    cpu_only(x, op)?;
    cpu_only(grid, op)?;
    let a = grid_geometry(x, grid, a)?;
    let cd = compute_dtype(x.dtype(), op)?;
    let (xc, gc) = (dense_as(x, cd)?, dense_as(grid, cd)?);
    let gs = grid.shape();
    let mut shape = vec![a.n, a.c];
    shape.extend_from_slice(&gs[1..gs.len() - 1]);
    let out = Tensor::zeros(&shape, cd);
    match cd {
        DType::F32 => {
            // SAFETY: `out` is fresh, contiguous and unaliased.
            let o = unsafe { slice_mut::<f32>(&out) };
            crate::backend::cpu::grid_sample::forward(xc.as_slice(), gc.as_slice(), &a, o);
        }
        _ => {
            // SAFETY: as above.
            let o = unsafe { slice_mut::<f64>(&out) };
            crate::backend::cpu::grid_sample::forward(xc.as_slice(), gc.as_slice(), &a, o);
        }
    }
    Ok(out.to_dtype(x.dtype()))
}

/// The gradients of `grid_sample` for the output gradient `g`: the input's when `want_x`,
/// the grid's when `want_grid`.
pub fn grid_sample_backward(
    g: &Tensor,
    x: &Tensor,
    grid: &Tensor,
    a: GridArgs,
    want_x: bool,
    want_grid: bool,
    op: &str,
) -> Result<(Option<Tensor>, Option<Tensor>)> {
    for t in [g, x, grid] {
        cpu_only(t, op)?;
    }
    let a = grid_geometry(x, grid, a)?;
    let cd = compute_dtype(x.dtype(), op)?;
    let gs = grid.shape();
    let mut oshape = vec![a.n, a.c];
    oshape.extend_from_slice(&gs[1..gs.len() - 1]);
    if g.shape() != oshape.as_slice() {
        return Err(Error::Runtime(format!(
            "{}: expected a gradient of sizes {:?}, got {:?}",
            op,
            oshape,
            g.shape()
        )));
    }
    let (gc, gridc) = (dense_as(g, cd)?, dense_as(grid, cd)?);
    if want_x && want_grid {
        let xc = dense_as(x, cd)?;
        let (gx, gg) = (
            Tensor::zeros(x.shape(), cd),
            Tensor::zeros(grid.shape(), cd),
        );
        let done = match cd {
            DType::F32 => {
                // SAFETY: `gx` and `gg` are fresh, contiguous and unaliased.
                let (o, q) = unsafe { (slice_mut::<f32>(&gx), slice_mut::<f32>(&gg)) };
                let (gs, xs, grs) = (gc.as_slice(), xc.as_slice(), gridc.as_slice());
                crate::backend::cpu::grid_sample::backward_both(gs, xs, grs, &a, o, q)
            }
            _ => {
                // SAFETY: as above.
                let (o, q) = unsafe { (slice_mut::<f64>(&gx), slice_mut::<f64>(&gg)) };
                let (gs, xs, grs) = (gc.as_slice(), xc.as_slice(), gridc.as_slice());
                crate::backend::cpu::grid_sample::backward_both(gs, xs, grs, &a, o, q)
            }
        };
        if done.is_some() {
            return Ok((
                Some(gx.to_dtype(x.dtype())),
                Some(gg.to_dtype(grid.dtype())),
            ));
        }
    }
    let gx = if want_x {
        let gx = Tensor::zeros(x.shape(), cd);
        match cd {
            DType::F32 => {
                // SAFETY: `gx` is fresh, contiguous and unaliased.
                let o = unsafe { slice_mut::<f32>(&gx) };
                crate::backend::cpu::grid_sample::backward_input(
                    gc.as_slice(),
                    gridc.as_slice(),
                    &a,
                    o,
                );
            }
            _ => {
                // SAFETY: as above.
                let o = unsafe { slice_mut::<f64>(&gx) };
                crate::backend::cpu::grid_sample::backward_input(
                    gc.as_slice(),
                    gridc.as_slice(),
                    &a,
                    o,
                );
            }
        }
        Some(gx.to_dtype(x.dtype()))
    } else {
        None
    };
    let gg = if want_grid {
        let xc = dense_as(x, cd)?;
        let gg = Tensor::zeros(grid.shape(), cd);
        match cd {
            DType::F32 => {
                // SAFETY: `gg` is fresh, contiguous and unaliased.
                let o = unsafe { slice_mut::<f32>(&gg) };
                crate::backend::cpu::grid_sample::backward_grid(
                    gc.as_slice(),
                    xc.as_slice(),
                    gridc.as_slice(),
                    &a,
                    o,
                );
            }
            _ => {
                // SAFETY: as above.
                let o = unsafe { slice_mut::<f64>(&gg) };
                crate::backend::cpu::grid_sample::backward_grid(
                    gc.as_slice(),
                    xc.as_slice(),
                    gridc.as_slice(),
                    &a,
                    o,
                );
            }
        }
        Some(gg.to_dtype(grid.dtype()))
    } else {
        None
    };
    Ok((gx, gg))
}

// ----- pdist -----

fn pdist_checks(x: &Tensor, op: &str) -> Result<(usize, usize)> {
    if x.ndim() != 2 {
        return Err(Error::Runtime(format!(
            "pdist only supports 2D tensors, got: {}D",
            x.ndim()
        )));
    }
    if !matches!(x.dtype(), DType::F32 | DType::F64) {
        return Err(not_implemented_for(op, x.dtype()));
    }
    Ok((x.shape()[0], x.shape()[1]))
}

/// The distances of every pair of rows `i < j` of the `(n, m)` matrix `x`: the CPU kernel
/// (float32, float64) or the GPU's (float32, `backend/gpu/distance.rs`).
pub fn pdist(x: &Tensor, p: f64) -> Result<Tensor> {
    let (n, m) = pdist_checks(x, "pdist")?;
    if p.is_nan() || p < 0.0 {
        return Err(Error::Runtime(
            "pdist only supports non-negative p values".into(),
        ));
    }
    if x.is_gpu() {
        // float32: the only floating dtype the device holds
        return crate::backend::gpu::distance::pdist(x, n, m, p);
    }
    let xc = x.try_contiguous()?;
    let out = Tensor::zeros(&[n * n.saturating_sub(1) / 2], x.dtype());
    match x.dtype() {
        DType::F32 => {
            // SAFETY: `out` is fresh, contiguous and unaliased.
            let o = unsafe { slice_mut::<f32>(&out) };
            crate::backend::cpu::distance::pdist(xc.as_slice::<f32>(), n, m, p, o);
        }
        _ => {
            // SAFETY: as above.
            let o = unsafe { slice_mut::<f64>(&out) };
            crate::backend::cpu::distance::pdist(xc.as_slice::<f64>(), n, m, p, o);
        }
    }
    Ok(out)
}

/// The gradient of `sum(g * pdist(x, p))` given the distances `d`.
pub fn pdist_backward(g: &Tensor, x: &Tensor, d: &Tensor, p: f64) -> Result<Tensor> {
    let (n, m) = pdist_checks(x, "_pdist_backward")?;
    let pairs = n * n.saturating_sub(1) / 2;
    if g.shape() != [pairs] || d.shape() != [pairs] {
        return Err(Error::Runtime(format!(
            "_pdist_backward: expected {} pair values",
            pairs
        )));
    }
    if x.is_gpu() || g.is_gpu() || d.is_gpu() {
        if !(x.is_gpu() && g.is_gpu() && d.is_gpu()) {
            return Err(Error::Runtime(
                "_pdist_backward: expected all tensors on the same device".into(),
            ));
        }
        return crate::backend::gpu::distance::pdist_backward(g, x, d, n, m, p);
    }
    let (gc, xc, dc) = (
        dense_as(g, x.dtype())?,
        x.try_contiguous()?,
        dense_as(d, x.dtype())?,
    );
    let gx = Tensor::zeros(x.shape(), x.dtype());
    match x.dtype() {
        DType::F32 => {
            // SAFETY: `gx` is fresh, contiguous and unaliased.
            let o = unsafe { slice_mut::<f32>(&gx) };
            crate::backend::cpu::distance::pdist_backward(
                gc.as_slice::<f32>(),
                xc.as_slice::<f32>(),
                dc.as_slice::<f32>(),
                n,
                m,
                p,
                o,
            );
        }
        _ => {
            // SAFETY: as above.
            let o = unsafe { slice_mut::<f64>(&gx) };
            crate::backend::cpu::distance::pdist_backward(
                gc.as_slice::<f64>(),
                xc.as_slice::<f64>(),
                dc.as_slice::<f64>(),
                n,
                m,
                p,
                o,
            );
        }
    }
    Ok(gx)
}
