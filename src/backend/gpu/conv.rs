//! Launching `shaders/conv.wgsl`: the three convolution primitives (NOTE [convolution
//! lowering] in `ops/conv.rs`) as implicit GEMMs over float32 GPU tensors, one dispatch each.
//! Operands are read in place through their strides; outputs are fresh contiguous tensors.

use super::{buffer, empty, gpu};
use crate::backend::cpu::conv::ConvGeometry;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Rows of C per workgroup tile (the smallest covering M); the tile has 4096 elements.
const TILE_ROWS: [usize; 3] = [16, 32, 64];

fn tile_rows(m: usize) -> usize {
    TILE_ROWS.into_iter().find(|&t| m <= t).unwrap_or(64)
}

const FORWARD: u32 = 0;
const INPUT_GRAD: u32 = 1;
const WEIGHT_GRAD: u32 = 2;
const SUM_SPLITS: u32 = 3;
/// The weight gradient splits its reduction when fewer workgroups than this cover its output.
const SPLIT_BELOW: usize = 128;
/// The shortest reduction length a split takes.
const MIN_SPLIT: usize = 256;
/// Split lengths are multiples of this (the GEMM's largest K-step).
const BK: usize = 16;

fn key(mode: u32, tm: usize) -> String {
    format!("conv:{}:{}", mode, tm)
}

fn source(mode: u32, tm: usize) -> String {
    // The K-step keeps the shared tiles within 16 KiB.
    let bk = if tm == 16 { 8 } else { 16 };
    include_str!("../../../shaders/conv.wgsl")
        .replace("{{MODE}}", &mode.to_string())
        .replace("{{TM}}", &tm.to_string())
        .replace("{{TN}}", &(4096 / tm).to_string())
        .replace("{{BK}}", &bk.to_string())
        .replace("{{AS}}", &(tm * bk).to_string())
        .replace("{{BS}}", &(4096 / tm * bk).to_string())
        .replace("{{AL}}", &(tm * bk / 256).max(1).to_string())
}

/// Every variant, as (pipeline key, WGSL), for the shader inventory.
pub fn variants() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [FORWARD, INPUT_GRAD, WEIGHT_GRAD]
        .into_iter()
        .flat_map(|m| TILE_ROWS.map(|t| (key(m, t), source(m, t))))
        .collect();
    out.push((key(SUM_SPLITS, 64), source(SUM_SPLITS, 64)));
    out
}

fn too_big() -> Error {
    Error::Runtime("convolution: GPU kernels take at most 2^30 elements per operand".into())
}

fn word(n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < (1 << 30))
        .ok_or_else(too_big)
}

/// (offset, strides of (dim 0, dim 1, three spatial dims)) of an operand with 1 to 3 spatial
/// dims, unit leading spatial dims getting stride 0; checked to address below 2^30 elements.
fn operand_words(t: &Tensor) -> Result<[u32; 6]> {
    let st = t.strides();
    let nd = t.ndim() - 2;
    let mut out = [0u32; 6];
    out[0] = word(t.layout().offset)?;
    let mut reach = t.layout().offset as i64;
    for (i, (&s, &n)) in st.iter().zip(t.shape()).enumerate() {
        let slot = if i < 2 { 1 + i } else { 3 + (3 - nd) + (i - 2) };
        let v = i32::try_from(s).map_err(|_| too_big())?;
        out[slot] = v as u32;
        reach += (n.max(1) as i64 - 1) * (s as i64).abs();
    }
    word(reach as usize)?;
    Ok(out)
}

/// Records one launch computing C (`out`) of `m x n` per group with reduction length `k`, cut
/// into `splits` ranges of `chunk` (each writing its own copy of C into `out`).
#[allow(clippy::too_many_arguments)]
fn launch(
    mode: u32,
    g: &ConvGeometry,
    (m, n, k): (usize, usize, usize),
    (splits, chunk): (usize, usize),
    out: &Tensor,
    p: &Tensor,
    q: &Tensor,
    bias: Option<&Tensor>,
) -> Result<()> {
    let tm = tile_rows(m);
    let (tiles_m, tiles_n) = (m.div_ceil(tm), n.div_ceil(4096 / tm));
    let groups = word(splits * g.groups * tiles_m * tiles_n)?;
    let mut meta = vec![0u32; 47];
    for (i, v) in [
        m,
        n,
        k,
        g.groups,
        tiles_n,
        tiles_m,
        g.n,
        g.c,
        g.o,
        g.c / g.groups,
        g.o / g.groups,
    ]
    .into_iter()
    .enumerate()
    {
        meta[i] = word(v)?;
    }
    for d in 0..3 {
        meta[11 + d] = word(g.input[d])?;
        meta[14 + d] = word(g.kernel[d])?;
        meta[17 + d] = word(g.output[d])?;
        meta[20 + d] = word(g.stride[d])?;
        meta[23 + d] = word(g.padding[d])?;
        meta[26 + d] = word(g.dilation[d])?;
    }
    meta[29..35].copy_from_slice(&operand_words(p)?);
    meta[35..41].copy_from_slice(&operand_words(q)?);
    meta[41] = word(g.kernel.iter().product())?;
    meta[42] = word(g.output.iter().product())?;
    meta[43] = word(g.input.iter().product())?;
    meta[44] = u32::from(bias.is_some());
    meta[45] = word(splits)?;
    meta[46] = word(chunk)?;
    word(out.numel())?;
    let gp = gpu()?;
    let pipe = gp.pipeline(&key(mode, tm), || source(mode, tm))?;
    let b = bias.map(buffer).unwrap_or(buffer(p));
    gp.dispatch(
        &pipe,
        &meta,
        &[buffer(out), buffer(p), buffer(q), b],
        groups,
    )
}

fn check_f32(ts: &[&Tensor]) -> Result<()> {
    if ts.iter().any(|t| t.dtype() != DType::F32 || !t.is_gpu()) {
        return Err(Error::Runtime(
            "convolution: the GPU kernels take float32 GPU tensors".into(),
        ));
    }
    Ok(())
}

/// `conv(x, w) + bias` into a contiguous (N, O, out...) tensor of `shape`; every size in `g`
/// is positive.
pub fn forward(
    g: &ConvGeometry,
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    shape: &[usize],
) -> Result<Tensor> {
    check_f32(&[x, w])?;
    bias.map(|b| check_f32(&[b])).transpose()?;
    let out = empty(shape, DType::F32)?;
    let kv: usize = g.kernel.iter().product();
    let lout: usize = g.output.iter().product();
    let gemm = (g.o / g.groups, g.n * lout, g.c / g.groups * kv);
    launch(FORWARD, g, gemm, (1, gemm.2), &out, w, x, bias)?;
    Ok(out)
}

/// The input gradient (transposed convolution) of `gy` by `w`, a contiguous (N, C, in...)
/// tensor of `shape`.
pub fn input_grad(g: &ConvGeometry, gy: &Tensor, w: &Tensor, shape: &[usize]) -> Result<Tensor> {
    check_f32(&[gy, w])?;
    let out = empty(shape, DType::F32)?;
    let kv: usize = g.kernel.iter().product();
    let lin: usize = g.input.iter().product();
    let gemm = (g.c / g.groups, g.n * lin, g.o / g.groups * kv);
    launch(INPUT_GRAD, g, gemm, (1, gemm.2), &out, w, gy, None)?;
    Ok(out)
}

/// The weight gradient, a contiguous (O, C / groups, kernel...) tensor of `shape`, summed over
/// the batch in a fixed order. Its reduction (batch x output positions) is long and its output
/// often small: when few tiles cover the output, the reduction is cut into splits that write
/// partial sums, added in split order by a second dispatch (deterministic, no atomics).
pub fn weight_grad(g: &ConvGeometry, x: &Tensor, gy: &Tensor, shape: &[usize]) -> Result<Tensor> {
    check_f32(&[x, gy])?;
    let out = empty(shape, DType::F32)?;
    let kv: usize = g.kernel.iter().product();
    let lout: usize = g.output.iter().product();
    let (m, n, k) = (g.o / g.groups, g.c / g.groups * kv, g.n * lout);
    let tm = tile_rows(m);
    let tiles = g.groups * m.div_ceil(tm) * n.div_ceil(4096 / tm);
    let want = SPLIT_BELOW.div_ceil(tiles).min(k / MIN_SPLIT).max(1);
    let chunk = k.div_ceil(want).div_ceil(BK) * BK;
    let splits = k.div_ceil(chunk);
    if splits == 1 {
        launch(WEIGHT_GRAD, g, (m, n, k), (1, k), &out, gy, x, None)?;
        return Ok(out);
    }
    word(splits * out.numel())?;
    let parts = empty(&[splits, out.numel()], DType::F32)?;
    launch(
        WEIGHT_GRAD,
        g,
        (m, n, k),
        (splits, chunk),
        &parts,
        gy,
        x,
        None,
    )?;
    let total = word(out.numel())?;
    let mut meta = vec![0u32; 2];
    meta[0] = total;
    meta[1] = word(splits)?;
    let gp = gpu()?;
    let pipe = gp.pipeline(&key(SUM_SPLITS, 64), || source(SUM_SPLITS, 64))?;
    let (b, pb) = (buffer(&out), buffer(&parts));
    gp.dispatch(&pipe, &meta, &[b, pb, pb, pb], total.div_ceil(256))?;
    Ok(out)
}
