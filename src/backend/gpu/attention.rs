//! Launching `shaders/attention.wgsl`: fused scaled-dot-product attention on float32 GPU
//! tensors (the GPU side of NOTE [fused attention]): the forward in one dispatch (output and
//! log-sum-exp in one buffer, returned as two views), the backward in three (the row sums
//! `delta = rowsum(dout * out)` beside the log-sum-exp, dK and dV per key block, dQ per query
//! block), none of them holding an L x S matrix and none using atomics.

use super::{buffer, empty, gpu};
use crate::backend::cpu::attention::AttnDims;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::shape::Layout;
use crate::tensor::Tensor;

/// Rows per block (queries or keys) of a workgroup, and columns per invocation per pass.
const B: usize = 16;
const COLS_PER_PASS: usize = B * 8;

const FORWARD: u32 = 0;
const PREPARE: u32 = 1;
const GRAD_KV: u32 = 2;
const GRAD_Q: u32 = 3;

fn key(mode: u32) -> String {
    format!("attention:{}", mode)
}

fn source(mode: u32) -> String {
    include_str!("../../../shaders/attention.wgsl").replace("{{MODE}}", &mode.to_string())
}

/// Every variant, as (pipeline key, WGSL), for the shader inventory.
pub fn variants() -> Vec<(String, String)> {
    [FORWARD, PREPARE, GRAD_KV, GRAD_Q]
        .into_iter()
        .map(|m| (key(m), source(m)))
        .collect()
}

fn too_big() -> Error {
    Error::Runtime("scaled_dot_product_attention: GPU kernels take at most 2^30 elements".into())
}

fn word(n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < (1 << 30))
        .ok_or_else(too_big)
}

/// The meta words shared by every launch: sizes, scale, causal flag and the mask's view.
fn meta(dims: &AttnDims, mask: Option<&Tensor>, causal: bool, scale: f64) -> Result<Vec<u32>> {
    let mut m = vec![0u32; 20];
    for (i, v) in [dims.bh, dims.heads, dims.l, dims.s, dims.d, dims.dv]
        .into_iter()
        .enumerate()
    {
        m[i] = word(v)?;
    }
    m[6] = (scale as f32).to_bits();
    m[7] = u32::from(causal);
    if let Some(t) = mask {
        m[8] = 1;
        m[9] = word(t.layout().offset)?;
        let mut reach = t.layout().offset;
        for (d, (&st, &n)) in t.strides().iter().zip(t.shape()).enumerate() {
            // Negative strides were made contiguous by the caller.
            let st = usize::try_from(st).map_err(|_| too_big())?;
            m[10 + d] = word(st)?;
            reach += (n.max(1) - 1) * st;
        }
        word(reach)?;
    }
    m[14] = word(dims.l.div_ceil(B))?;
    m[15] = word(dims.s.div_ceil(B))?;
    m[17] = word(dims.bh * dims.l)?;
    for n in [
        dims.bh * dims.l * dims.d,
        dims.bh * dims.s * dims.d,
        dims.bh * dims.s * dims.dv,
        dims.bh * dims.l * (dims.dv + 2),
    ] {
        word(n)?;
    }
    Ok(m)
}

fn passes(width: usize) -> Result<u32> {
    word(width.div_ceil(COLS_PER_PASS).max(1))
}

/// A contiguous view of `len` elements of `flat` from `start`, shaped `shape`.
fn part(flat: &Tensor, start: usize, shape: &[usize]) -> Tensor {
    let mut l = Layout::contiguous(shape);
    l.offset = start;
    flat.with_layout(l)
}

fn launch(mode: u32, meta: &[u32], bufs: [&Tensor; 7], workgroups: usize) -> Result<()> {
    let g = gpu()?;
    let p = g.pipeline(&key(mode), || source(mode))?;
    let args: Vec<&wgpu::Buffer> = bufs.iter().map(|t| buffer(t)).collect();
    g.dispatch(&p, meta, &args, word(workgroups)?)
}

fn check(ts: &[&Tensor]) -> Result<()> {
    if ts.iter().any(|t| t.dtype() != DType::F32 || !t.is_gpu()) {
        return Err(Error::Runtime(
            "scaled_dot_product_attention: the GPU kernels take float32 GPU tensors".into(),
        ));
    }
    Ok(())
}

/// A contiguous copy starting at element 0 (the kernels index q, k, v and dout from 0).
fn dense(t: &Tensor) -> Result<Tensor> {
    if t.is_contiguous() && t.layout().offset == 0 {
        Ok(t.clone())
    } else {
        super::ops::cast(t, t.dtype())
    }
}

/// A contiguous tensor (any offset) and its offset as a meta word.
fn offset_of(t: &Tensor) -> Result<(Tensor, u32)> {
    let t = if t.is_contiguous() {
        t.clone()
    } else {
        super::ops::cast(t, t.dtype())?
    };
    let off = word(t.layout().offset)?;
    Ok((t, off))
}

/// `(out, lse)` of contiguous q (b, h, L, D), k (b, h, S, D), v (b, h, S, DV) and an additive
/// mask view (b, h, L, S) with non-negative strides; `l`, `s` and `bh` are positive.
pub fn forward(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
    dims: AttnDims,
    causal: bool,
    scale: f64,
) -> Result<(Tensor, Tensor)> {
    check(&[q, k, v])?;
    let (q, k, v) = (&dense(q)?, &dense(k)?, &dense(v)?);
    let mut meta = meta(&dims, mask, causal, scale)?;
    meta[16] = passes(dims.dv)?;
    let n_out = dims.bh * dims.l * dims.dv;
    let flat = empty(&[n_out + dims.bh * dims.l], DType::F32)?;
    let m = mask.unwrap_or(q);
    launch(
        FORWARD,
        &meta,
        [&flat, q, k, v, m, q, q],
        dims.bh * dims.l.div_ceil(B),
    )?;
    let (b, h) = (q.shape()[0], q.shape()[1]);
    Ok((
        part(&flat, 0, &[b, h, dims.l, dims.dv]),
        part(&flat, n_out, &[b, h, dims.l]),
    ))
}

/// `(dq, dk, dv)` from the forward's `out` and `lse` and the output gradient `grad` (all
/// contiguous float32 GPU tensors), same preconditions as `forward`.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
    out: &Tensor,
    lse: &Tensor,
    grad: &Tensor,
    dims: AttnDims,
    causal: bool,
    scale: f64,
) -> Result<(Tensor, Tensor, Tensor)> {
    check(&[q, k, v, out, lse, grad])?;
    let (q, k, v, grad) = (&dense(q)?, &dense(k)?, &dense(v)?, &dense(grad)?);
    let ((out, out_off), (lse, lse_off)) = (offset_of(out)?, offset_of(lse)?);
    let (out, lse) = (&out, &lse);
    let mut meta = meta(&dims, mask, causal, scale)?;
    let rows = dims.bh * dims.l;
    let stats = empty(&[2 * rows], DType::F32)?;
    // The preparation reads out through binding 2 and lse through binding 3, from their offsets
    // (the forward returns them as views of one buffer).
    meta[18] = out_off;
    meta[19] = lse_off;
    launch(
        PREPARE,
        &meta,
        [&stats, out, lse, q, q, grad, q],
        rows.div_ceil(B * B),
    )?;
    let m = mask.unwrap_or(q);
    let nk = dims.bh * dims.s * dims.d;
    let kv = empty(&[nk + dims.bh * dims.s * dims.dv], DType::F32)?;
    meta[16] = passes(dims.d.max(dims.dv))?;
    launch(
        GRAD_KV,
        &meta,
        [&kv, q, k, v, m, grad, &stats],
        dims.bh * dims.s.div_ceil(B),
    )?;
    let dq = empty(q.shape(), DType::F32)?;
    meta[16] = passes(dims.d)?;
    launch(
        GRAD_Q,
        &meta,
        [&dq, q, k, v, m, grad, &stats],
        dims.bh * dims.l.div_ceil(B),
    )?;
    Ok((dq, part(&kv, 0, k.shape()), part(&kv, nk, v.shape())))
}
