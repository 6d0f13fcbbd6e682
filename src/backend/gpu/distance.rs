//! Launching `shaders/distance.wgsl`: `pdist` of a float32 `(n, m)` matrix on the GPU (one
//! invocation per pair) and its gradient (one invocation per element of the input, gathering
//! the terms of the row's pairs in increasing partner order: no atomics, deterministic).
//! The formulas per p are ATen's, as `backend/cpu/distance.rs` runs them; the sums run in
//! plain column order, so results agree with the CPU's to rounding, not bit for bit.

use super::{buffer, empty, gpu};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

const SHADER: &str = include_str!("../../../shaders/distance.wgsl");

/// The WGSL source (no placeholders); also listed in the shader inventory.
pub fn source() -> String {
    SHADER.to_string()
}

fn word(n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < (1 << 30))
        .ok_or_else(|| Error::Runtime("pdist: GPU kernels take at most 2^30 elements".into()))
}

/// A contiguous float32 copy starting at offset 0 (the kernel indexes from 0).
fn dense(t: &Tensor) -> Result<Tensor> {
    if t.dtype() == DType::F32 && t.is_contiguous() && t.layout().offset == 0 {
        Ok(t.clone())
    } else {
        super::ops::cast(t, DType::F32)
    }
}

/// The meta words for `program` (0: forward, 1: backward).
fn meta(program: u32, n: usize, m: usize, p: f64) -> Result<Vec<u32>> {
    let pairs = n * n.saturating_sub(1) / 2;
    let norm = if p == 0.0 {
        0
    } else if p == 1.0 {
        1
    } else if p == 2.0 {
        2
    } else if p.is_infinite() {
        3
    } else if p < 2.0 {
        4
    } else {
        5
    };
    word(n * m)?;
    Ok(vec![
        program,
        word(n)?,
        word(m)?,
        word(pairs)?,
        norm,
        (p as f32).to_bits(),
    ])
}

/// The `n (n - 1) / 2` distances of the rows of the float32 GPU matrix `x` (`(n, m)`).
pub fn pdist(x: &Tensor, n: usize, m: usize, p: f64) -> Result<Tensor> {
    let meta = meta(0, n, m, p)?;
    let out = empty(&[meta[3] as usize], DType::F32)?;
    if meta[3] == 0 {
        return Ok(out);
    }
    let xc = dense(x)?;
    let g = gpu()?;
    let pl = g.pipeline("distance", source)?;
    let (b, xb) = (buffer(&out), buffer(&xc));
    g.dispatch(&pl, &meta, &[b, xb, xb, xb], meta[3].div_ceil(256))?;
    Ok(out)
}

/// The gradient with respect to `x` of `sum(g * pdist(x, p))` given the distances `d`
/// (float32 GPU tensors of `n (n - 1) / 2` values).
pub fn pdist_backward(
    g: &Tensor,
    x: &Tensor,
    d: &Tensor,
    n: usize,
    m: usize,
    p: f64,
) -> Result<Tensor> {
    let meta = meta(1, n, m, p)?;
    let out = empty(&[n, m], DType::F32)?;
    if n * m == 0 {
        return Ok(out);
    }
    let (gc, xc, dc) = (dense(g)?, dense(x)?, dense(d)?);
    // the kernel reads g and d only for n >= 2; bind x in their place when they are empty
    let gb = if meta[3] == 0 { &xc } else { &gc };
    let db = if meta[3] == 0 { &xc } else { &dc };
    let dev = gpu()?;
    let pl = dev.pipeline("distance", source)?;
    dev.dispatch(
        &pl,
        &meta,
        &[buffer(&out), buffer(&xc), buffer(gb), buffer(db)],
        word(n * m)?.div_ceil(256),
    )?;
    Ok(out)
}
