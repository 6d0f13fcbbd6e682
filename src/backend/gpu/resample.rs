//! Launching `shaders/resample.wgsl`: one dim of a tensor resampled by a tap table
//! (`spec::resample`). The table (row starts, indices, float32 weight bits) is packed into one
//! int32 buffer; the meta words carry the sizes and the offsets.

use super::{buffer, empty, gpu, upload};
use crate::error::{Error, Result};
use crate::spec::resample::Taps;
use crate::tensor::Tensor;

const SHADER: &str = include_str!("../../../shaders/resample.wgsl");

/// The WGSL source (no placeholders); also listed in the shader inventory.
pub fn source() -> String {
    SHADER.to_string()
}

fn word(n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < (1 << 30))
        .ok_or_else(|| Error::Runtime("resample: GPU kernels take at most 2^30 elements".into()))
}

/// A contiguous copy starting at offset 0 (the kernel indexes from 0).
fn dense(t: &Tensor) -> Result<Tensor> {
    if t.is_contiguous() && t.layout().offset == 0 {
        Ok(t.clone())
    } else {
        super::ops::cast(t, t.dtype())
    }
}

/// `x` (contiguous as `(outer, t.n_in, inner)`) resampled into a new tensor of `shape`
/// (`(outer, t.n_out(), inner)` elements): a copy by the single tap of each row when `t` has
/// no weights (any dtype the device holds), else the weighted float32 sum.
pub fn apply(x: &Tensor, t: &Taps, outer: usize, inner: usize, shape: &[usize]) -> Result<Tensor> {
    let out = empty(shape, x.dtype())?;
    let n = outer * t.n_out() * inner;
    if n == 0 {
        return Ok(out);
    }
    let mut tab: Vec<i32> = Vec::with_capacity(t.off.len() + 2 * t.idx.len() + 1);
    for &v in t.off.iter().chain(&t.idx) {
        tab.push(word(v)? as i32);
    }
    let mut meta = vec![0u32; 7];
    meta[1] = word(outer)?;
    meta[2] = word(t.n_in)?;
    meta[3] = word(t.n_out())?;
    meta[4] = word(inner)?;
    meta[5] = word(t.off.len())?;
    meta[6] = word(tab.len())?;
    word(n)?;
    word(outer * t.n_in * inner)?;
    if let Some(w) = &t.w {
        meta[0] = 1;
        tab.extend(w.iter().map(|&v| (v as f32).to_bits() as i32));
    }
    tab.push(0);
    let len = tab.len();
    let tab = upload(&Tensor::from_vec(tab, &[len]))?;
    let g = gpu()?;
    let p = g.pipeline("resample", source)?;
    g.dispatch(
        &p,
        &meta,
        &[buffer(&out), buffer(&dense(x)?), buffer(&tab)],
        word(n)?.div_ceil(256),
    )?;
    Ok(out)
}
