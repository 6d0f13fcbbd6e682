//! Launching `shaders/pool.wgsl` on the window tables of `spec::pool`: the tables (and, for
//! the backward kernels, each input position's range of reaching outputs) are packed into one
//! int32 buffer; the meta words carry the sizes and the table offsets.

use super::{buffer, empty, gpu, upload};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::spec::pool::Windows;
use crate::tensor::Tensor;

const MODE_MAX: u32 = 0;
const MODE_AVG: u32 = 1;
const MODE_AVG_BWD: u32 = 2;
const MODE_MAX_BWD: u32 = 3;

fn too_big() -> Error {
    Error::Runtime("pooling: GPU kernels take at most 2^30 elements".into())
}

fn word(n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < (1 << 30))
        .ok_or_else(too_big)
}

fn word_i(v: i64) -> Result<i32> {
    i32::try_from(v).map_err(|_| too_big())
}

/// The meta words and the table buffer of `w` (shared part of every launch).
fn tables(w: &Windows, mode: u32) -> Result<(Vec<u32>, Tensor)> {
    let mut meta = vec![0u32; 29];
    meta[0] = mode;
    meta[1] = word(w.planes)?;
    for d in 0..3 {
        meta[2 + d] = word(w.inp[d])?;
        meta[5 + d] = word(w.out[d])?;
        meta[8 + d] = word(w.dims[d].step.max(0) as usize)?;
    }
    meta[11] = u32::from(w.per_plane);
    if let Some(v) = w.divisor {
        meta[12] = 1;
        meta[13] = word_i(v)? as u32;
    }
    let mut tab: Vec<i32> = Vec::new();
    let rows = if w.per_plane { w.planes } else { 1 };
    for d in 0..3 {
        let dw = &w.dims[d];
        let (no, ni) = (w.out[d], w.inp[d]);
        meta[14 + d * 5] = word(tab.len())?;
        for &v in &dw.x0 {
            tab.push(word_i(v)?);
        }
        meta[14 + d * 5 + 1] = word(tab.len())?;
        for &v in &dw.n {
            tab.push(word_i(v)?);
        }
        meta[14 + d * 5 + 2] = word(tab.len())?;
        for &v in &dw.count {
            tab.push(word_i(v)?);
        }
        // Each input position's range [lo, hi) of outputs whose window spans it.
        let mut lo = vec![i32::MAX; rows * ni];
        let mut hi = vec![0i32; rows * ni];
        for r in 0..rows {
            for o in 0..no {
                let (x0, n) = (dw.x0[r * no + o], dw.n[r * no + o]);
                if n <= 0 {
                    continue;
                }
                let last = x0 + (n - 1) * dw.step.max(1);
                for xi in x0.max(0)..=last.min(ni as i64 - 1) {
                    let k = r * ni + xi as usize;
                    lo[k] = lo[k].min(o as i32);
                    hi[k] = hi[k].max(o as i32 + 1);
                }
            }
        }
        for (l, h) in lo.iter_mut().zip(&hi) {
            if *l > *h {
                *l = *h;
            }
        }
        meta[14 + d * 5 + 3] = word(tab.len())?;
        tab.extend(lo);
        meta[14 + d * 5 + 4] = word(tab.len())?;
        tab.extend(hi);
    }
    tab.push(0);
    let n = tab.len();
    Ok((meta, upload(&Tensor::from_vec(tab, &[n]))?))
}

/// A contiguous float32 copy starting at offset 0 (the kernels index from 0).
fn dense(t: &Tensor) -> Result<Tensor> {
    if t.is_contiguous() && t.layout().offset == 0 {
        Ok(t.clone())
    } else {
        super::ops::cast(t, t.dtype())
    }
}

fn launch(
    meta: &[u32],
    out: &Tensor,
    idx: &Tensor,
    x: &Tensor,
    tab: &Tensor,
    n: usize,
) -> Result<()> {
    let n = word(n)?;
    let g = gpu()?;
    let p = g.pipeline("pool", super::shaders::pool_source)?;
    g.dispatch(
        &p,
        meta,
        &[buffer(out), buffer(idx), buffer(x), buffer(tab)],
        n.div_ceil(256),
    )
}

/// Max over each window: float32 values and int64 flat per-plane indices.
pub fn max_fwd(x: &Tensor, w: &Windows, shape: &[usize]) -> Result<(Tensor, Tensor)> {
    let out = empty(shape, DType::F32)?;
    let idx = empty(shape, DType::I64)?;
    if out.numel() == 0 {
        return Ok((out, idx));
    }
    let (meta, tab) = tables(w, MODE_MAX)?;
    launch(&meta, &out, &idx, &dense(x)?, &tab, out.numel())?;
    Ok((out, idx))
}

/// Average over each window.
pub fn avg_fwd(x: &Tensor, w: &Windows, shape: &[usize]) -> Result<Tensor> {
    let out = empty(shape, DType::F32)?;
    if out.numel() == 0 {
        return Ok(out);
    }
    let dummy = empty(&[1], DType::I64)?;
    let (meta, tab) = tables(w, MODE_AVG)?;
    launch(&meta, &out, &dummy, &dense(x)?, &tab, out.numel())?;
    Ok(out)
}

/// The adjoint of `avg_fwd` for an input of `in_shape`.
pub fn avg_bwd(g: &Tensor, w: &Windows, in_shape: &[usize]) -> Result<Tensor> {
    let gx = empty(in_shape, DType::F32)?;
    if gx.numel() == 0 {
        return Ok(gx);
    }
    if g.numel() == 0 {
        return super::zeros(in_shape, DType::F32);
    }
    let dummy = empty(&[1], DType::I64)?;
    let (meta, tab) = tables(w, MODE_AVG_BWD)?;
    launch(&meta, &gx, &dummy, &dense(g)?, &tab, gx.numel())?;
    Ok(gx)
}

/// Max pooling's backward: each input position sums the gradients of the outputs whose
/// saved argmax it is.
pub fn max_bwd(g: &Tensor, idx: &Tensor, w: &Windows, in_shape: &[usize]) -> Result<Tensor> {
    let gx = empty(in_shape, DType::F32)?;
    if gx.numel() == 0 {
        return Ok(gx);
    }
    if g.numel() == 0 {
        return super::zeros(in_shape, DType::F32);
    }
    let (meta, tab) = tables(w, MODE_MAX_BWD)?;
    launch(&meta, &gx, &dense(idx)?, &dense(g)?, &tab, gx.numel())?;
    Ok(gx)
}
