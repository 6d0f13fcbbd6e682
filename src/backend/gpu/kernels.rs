//! Launching the WGSL kernels on tensors: meta words (sizes, strides, offsets) from layouts,
//! pipelines from the cache, buffers bound in the order the shaders declare them.

use super::shaders::{
    Combine, Input, MapSpec, ReduceOp, ReduceSpec, ScanSpec, Ty, gather_source, matmul_key,
    matmul_source, nonzero_source, offsets_source, rank_sort_key, rank_sort_source,
};
use super::{WORD, buffer, empty, gpu};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

pub const MAXD: usize = 8;

/// An elementwise operand: a GPU tensor (broadcast to the output's shape) or a number.
pub enum Src<'a> {
    T(&'a Tensor),
    S(f64),
}

fn too_many_dims(n: usize) -> Error {
    Error::NotImplemented(format!(
        "GPU kernels take at most {} dims after merging contiguous ones; got {}",
        MAXD, n
    ))
}

fn check_elems(n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < (1 << 30))
        .ok_or_else(|| Error::Runtime(format!("GPU kernels take at most 2^30 elements; got {}", n)))
}

/// Drops size-1 dims and merges neighbours that every operand walks contiguously, so that
/// most views fit the kernels' `MAXD` dims. Returns the shape and each operand's strides.
pub fn coalesce(shape: &[usize], strides: &[Vec<isize>]) -> (Vec<usize>, Vec<Vec<isize>>) {
    let mut out_shape: Vec<usize> = Vec::new();
    let mut out_strides: Vec<Vec<isize>> = vec![Vec::new(); strides.len()];
    for d in 0..shape.len() {
        if shape[d] == 1 {
            continue;
        }
        let merge = !out_shape.is_empty()
            && strides.iter().enumerate().all(|(k, s)| {
                let last = *out_strides[k].last().expect("same length");
                last == s[d] * shape[d] as isize
            });
        if merge {
            let l = out_shape.len() - 1;
            out_shape[l] *= shape[d];
            for (k, s) in strides.iter().enumerate() {
                out_strides[k][l] = s[d];
            }
        } else {
            out_shape.push(shape[d]);
            for (k, s) in strides.iter().enumerate() {
                out_strides[k].push(s[d]);
            }
        }
    }
    (out_shape, out_strides)
}

fn groups_for(n: u32, per_group: u32) -> u32 {
    n.div_ceil(per_group)
}

/// Writes `expr` over `out`'s elements (any strides), reading `srcs` broadcast to its shape.
/// `compute` is the type the operands are loaded as; `expr_ty` the type of `expr`.
pub fn map(out: &Tensor, srcs: &[Src<'_>], compute: Ty, expr: &str, expr_ty: Ty) -> Result<()> {
    let n = check_elems(out.numel())?;
    if n == 0 {
        return Ok(());
    }
    let shape = out.shape();
    // An operand sharing the output's buffer is read from a copy: one dispatch cannot bind a
    // buffer both read-only and writable, and overlapping views need the old values anyway.
    let mut owned: Vec<Tensor> = Vec::new();
    for s in srcs {
        if let Src::T(t) = s
            && t.same_storage(out)
        {
            owned.push(super::ops::contiguous_copy(t)?);
        }
    }
    let mut tensors: Vec<&Tensor> = Vec::new();
    let mut inputs = Vec::new();
    let mut scalars = Vec::new();
    let mut own = owned.iter();
    for s in srcs {
        match s {
            Src::T(t) => {
                let t = if t.same_storage(out) {
                    own.next().expect("copied above")
                } else {
                    *t
                };
                tensors.push(t);
                inputs.push(Input::Tensor(Ty::of(t.dtype())));
            }
            Src::S(v) => {
                inputs.push(Input::Scalar);
                scalars.push(compute.scalar_bits(*v));
            }
        }
    }
    let mut layouts = vec![out.layout().clone()];
    for t in &tensors {
        layouts.push(t.layout().broadcast_to(shape)?);
    }
    let strides: Vec<Vec<isize>> = layouts.iter().map(|l| l.strides.to_vec()).collect();
    let (cshape, cstrides) = coalesce(shape, &strides);
    if cshape.len() > MAXD {
        return Err(too_many_dims(cshape.len()));
    }
    let mut meta = vec![0u32; 64];
    meta[0] = n;
    meta[1] = cshape.len() as u32;
    for (d, &s) in cshape.iter().enumerate() {
        meta[2 + d] = s as u32;
    }
    for (k, l) in layouts.iter().enumerate() {
        let base = 2 + MAXD + k * (MAXD + 1);
        meta[base] = l.offset as u32;
        for (d, &s) in cstrides[k].iter().enumerate() {
            meta[base + 1 + d] = s as i32 as u32;
        }
    }
    for (i, b) in scalars.iter().enumerate() {
        meta[56 + i] = *b;
    }
    let spec = MapSpec {
        out: Ty::of(out.dtype()),
        inputs,
        compute,
        expr: expr.to_string(),
        expr_ty,
    };
    let g = gpu()?;
    let p = g.pipeline(&spec.key(), || spec.source())?;
    let mut args = vec![buffer(out)];
    args.extend(tensors.iter().map(|t| buffer(t)));
    g.dispatch(&p, &meta, &args, groups_for(n, 256))?;
    out.storage().bump_version();
    Ok(())
}

/// Reduces `x` over `dims` (sorted, distinct) into a new contiguous tensor of `out_shape`
/// (the kept dims in order, with or without the reduced ones as 1) and `out_dtype`; index
/// reductions also return the int64 indices along the (single) reduced dim.
pub fn reduce(
    x: &Tensor,
    dims: &[usize],
    out_shape: &[usize],
    spec: &ReduceSpec,
    out_dtype: DType,
) -> Result<(Tensor, Option<Tensor>)> {
    let (mut ks, mut kst, mut rs, mut rst) = (vec![], vec![], vec![], vec![]);
    for d in 0..x.ndim() {
        if dims.contains(&d) {
            rs.push(x.shape()[d]);
            rst.push(x.strides()[d]);
        } else {
            ks.push(x.shape()[d]);
            kst.push(x.strides()[d]);
        }
    }
    let (ks, kst) = coalesce(&ks, &[kst]);
    let (rs, rst) = coalesce(&rs, &[rst]);
    if ks.len() > MAXD || rs.len() > MAXD {
        return Err(too_many_dims(ks.len().max(rs.len())));
    }
    let n_out = check_elems(ks.iter().product())?;
    let k = check_elems(rs.iter().product())?;
    let out = empty(out_shape, out_dtype)?;
    let idx = if spec.with_index() {
        Some(empty(out_shape, DType::I64)?)
    } else {
        None
    };
    if n_out == 0 {
        return Ok((out, idx));
    }
    let mut meta = vec![0u32; 64];
    meta[0] = n_out;
    meta[1] = k;
    meta[2] = ks.len() as u32;
    meta[3] = rs.len() as u32;
    meta[4] = x.layout().offset as u32;
    for d in 0..ks.len() {
        meta[8 + d] = ks[d] as u32;
        meta[16 + d] = kst[0][d] as i32 as u32;
    }
    for d in 0..rs.len() {
        meta[24 + d] = rs[d] as u32;
        meta[32 + d] = rst[0][d] as i32 as u32;
    }
    let g = gpu()?;
    let p = g.pipeline(&spec.key(), || spec.source())?;
    let mut args = vec![buffer(&out), buffer(x)];
    if let Some(i) = &idx {
        args.push(buffer(i));
    }
    g.dispatch(&p, &meta, &args, n_out)?;
    Ok((out, idx))
}

/// out[b] = a[b] @ b[b] for 3-d GPU tensors of one dtype (any strides); out is contiguous.
pub fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (bs, m, k) = (a.shape()[0], a.shape()[1], a.shape()[2]);
    let n = b.shape()[2];
    let out = empty(&[bs, m, n], a.dtype())?;
    check_elems(bs * m * n)?;
    if bs * m * n == 0 {
        return Ok(out);
    }
    if k == 0 {
        return super::ops::fill_new(out, 0.0);
    }
    let (tiles_m, tiles_n) = (m.div_ceil(64), n.div_ceil(64));
    let groups = check_elems(bs * tiles_m * tiles_n)?;
    let (sa, sb) = (a.strides(), b.strides());
    let (oa, ob) = (a.layout().offset as isize, b.layout().offset as isize);
    let vec4 = vec4_tiles(a.layout(), b.layout());
    let unit = if vec4 { 4 } else { 1 };
    let w = |v: isize| (v / unit) as i32 as u32;
    let meta = [
        m as u32,
        n as u32,
        k as u32,
        bs as u32,
        w(oa),
        w(sa[0]),
        w(sa[1]),
        w(sa[2]),
        w(ob),
        w(sb[0]),
        w(sb[1]),
        w(sb[2]),
        tiles_n as u32,
        tiles_m as u32,
    ];
    let t = Ty::of(a.dtype());
    let g = gpu()?;
    let p = g.pipeline(&matmul_key(t, vec4), || matmul_source(t, vec4))?;
    g.dispatch(&p, &meta, &[buffer(&out), buffer(a), buffer(b)], groups)?;
    Ok(out)
}

fn contiguous_strides(shape: &[usize]) -> Vec<isize> {
    crate::shape::contiguous_strides(shape).to_vec()
}

/// Element offsets for an index tensor broadcast to `shape` (see offsets.wgsl): an int32
/// tensor of `shape`, -1 where an index is outside `[-size, size)`.
#[allow(clippy::too_many_arguments)]
pub fn offsets(
    idx: &Tensor,
    shape: &[usize],
    cstrides: &[isize],
    base: isize,
    size: usize,
    istride: isize,
    prev: Option<&Tensor>,
) -> Result<Tensor> {
    let out = empty(shape, DType::I32)?;
    let n = check_elems(out.numel())?;
    if n == 0 {
        return Ok(out);
    }
    let il = idx.layout().broadcast_to(shape)?;
    let (cs, st) = coalesce(
        shape,
        &[
            il.strides.to_vec(),
            cstrides.to_vec(),
            contiguous_strides(shape),
        ],
    );
    if cs.len() > MAXD {
        return Err(too_many_dims(cs.len()));
    }
    let w = |v: isize| v as i32 as u32;
    let mut meta = vec![0u32; 32];
    meta[0] = n;
    meta[1] = cs.len() as u32;
    meta[2] = w(base);
    meta[3] = size as u32;
    meta[4] = w(istride);
    meta[5] = u32::from(prev.is_some());
    meta[6] = il.offset as u32;
    for d in 0..cs.len() {
        meta[8 + d] = cs[d] as u32;
        meta[16 + d] = w(st[0][d]);
        meta[24 + d] = w(st[1][d]);
    }
    let g = gpu()?;
    let p = g.pipeline("offsets", offsets_source)?;
    let prev_buf = prev.map(buffer).unwrap_or(buffer(idx));
    g.dispatch(
        &p,
        &meta,
        &[buffer(&out), buffer(idx), prev_buf],
        groups_for(n, 256),
    )?;
    Ok(out)
}

/// True when an offsets tensor holds a -1 (an index out of range). Reads one number back.
pub fn any_negative(offs: &Tensor) -> Result<bool> {
    if offs.numel() == 0 {
        return Ok(false);
    }
    let dims: Vec<usize> = (0..offs.ndim()).collect();
    let spec = ReduceSpec {
        op: ReduceOp::Min,
        input: Ty::I32,
        acc: Ty::I32,
        out: Ty::I32,
    };
    let (m, _) = reduce(offs, &dims, &[], &spec, DType::I32)?;
    Ok(super::download(&m)?.try_to_vec::<i32>()?[0] < 0)
}

/// Meta words 2..28 of gather/scatter: the remaining dims' shape and strides (coalesced).
fn rest_meta(n: u32, rest_shape: &[usize], rest_strides: &[isize]) -> Result<(Vec<u32>, u32)> {
    let block: usize = rest_shape.iter().product();
    let (rs, rst) = coalesce(
        rest_shape,
        &[rest_strides.to_vec(), contiguous_strides(rest_shape)],
    );
    if rs.len() > MAXD {
        return Err(too_many_dims(rs.len()));
    }
    let mut meta = vec![0u32; 20];
    meta[0] = n;
    meta[1] = block.max(1) as u32;
    meta[2] = rs.len() as u32;
    for d in 0..rs.len() {
        meta[4 + d] = rs[d] as u32;
        meta[12 + d] = rst[0][d] as i32 as u32;
    }
    Ok((meta, block as u32))
}

/// `out[b, k] = src[offs[b] + rest(k)]` into `out` (contiguous, `offs.numel() x block`
/// elements, any dtype).
pub fn gather(
    out: &Tensor,
    src: &Tensor,
    offs: &Tensor,
    rest_shape: &[usize],
    rest_strides: &[isize],
) -> Result<()> {
    let n = check_elems(out.numel())?;
    if n == 0 {
        return Ok(());
    }
    let (meta, _) = rest_meta(n, rest_shape, rest_strides)?;
    let g = gpu()?;
    let p = g.pipeline("gather", gather_source)?;
    g.dispatch(
        &p,
        &meta,
        &[buffer(out), buffer(src), buffer(offs)],
        groups_for(n, 256),
    )?;
    out.storage().bump_version();
    Ok(())
}

/// `dst[offs[b] + rest(k)] (combine)= src[b, k]` for a contiguous `src` of
/// `offs.numel() x block` elements.
pub fn scatter(
    dst: &Tensor,
    offs: &Tensor,
    rest_shape: &[usize],
    rest_strides: &[isize],
    src: &Tensor,
    combine: Combine,
) -> Result<()> {
    let n = check_elems(src.numel())?;
    if n == 0 {
        return Ok(());
    }
    // The kernel reads src from word 0 and must not alias dst's (writable) binding.
    let copied;
    let src = if src.same_storage(dst) || !src.is_contiguous() || src.layout().offset != 0 {
        copied = super::ops::contiguous_copy(src)?;
        &copied
    } else {
        src
    };
    let (meta, _) = rest_meta(n, rest_shape, rest_strides)?;
    let g = gpu()?;
    let p = g.pipeline(&combine.key(), || combine.source())?;
    g.dispatch(
        &p,
        &meta,
        &[buffer(dst), buffer(src), buffer(offs)],
        groups_for(n, 256),
    )?;
    dst.storage().bump_version();
    Ok(())
}

/// Meta words for a kernel walking rows along `dim` (scan, rank sort): the kept dims with
/// the input's and the output's strides, coalesced.
fn row_meta(x: &Tensor, dim: usize, out: &Tensor) -> Result<(Vec<u32>, u32)> {
    let (mut ks, mut kin, mut kout) = (vec![], vec![], vec![]);
    for d in 0..x.ndim() {
        if d != dim {
            ks.push(x.shape()[d]);
            kin.push(x.strides()[d]);
            kout.push(out.strides()[d]);
        }
    }
    let (ks, kst) = coalesce(&ks, &[kin, kout]);
    if ks.len() > MAXD {
        return Err(too_many_dims(ks.len()));
    }
    let rows = check_elems(ks.iter().product())?;
    let mut meta = vec![0u32; 32];
    meta[0] = rows;
    meta[1] = check_elems(if x.ndim() == 0 { 1 } else { x.shape()[dim] })?;
    meta[2] = ks.len() as u32;
    meta[3] = x.layout().offset as u32;
    let w = |v: isize| v as i32 as u32;
    if x.ndim() > 0 {
        meta[4] = w(x.strides()[dim]);
        meta[5] = w(out.strides()[dim]);
    }
    for d in 0..ks.len() {
        meta[8 + d] = ks[d] as u32;
        meta[16 + d] = w(kst[0][d]);
        meta[24 + d] = w(kst[1][d]);
    }
    Ok((meta, rows))
}

/// Inclusive cumulative sum/product of `x` along `dim` into a new contiguous tensor.
pub fn scan(x: &Tensor, dim: usize, product: bool, out_dtype: DType) -> Result<Tensor> {
    let out = empty(x.shape(), out_dtype)?;
    if x.numel() == 0 {
        return Ok(out);
    }
    let acc = if out_dtype.is_float() {
        Ty::F32
    } else {
        Ty::I32
    };
    let spec = ScanSpec {
        product,
        input: Ty::of(x.dtype()),
        acc,
        out: Ty::of(out_dtype),
    };
    let (meta, rows) = row_meta(x, dim, &out)?;
    let g = gpu()?;
    let p = g.pipeline(&spec.key(), || spec.source())?;
    g.dispatch(&p, &meta, &[buffer(&out), buffer(x)], rows)?;
    Ok(out)
}

/// Rows longer than this are sorted by the bitonic network (O(n log^2 n)) instead of by rank
/// counting (O(n^2)).
pub const RANK_SORT_MAX: usize = 2048;

/// Stable order along `dim`: `mode` 0 ascending, 1 descending (NaN first), 2 median (short
/// rows only); `kout` positions kept. Values and int64 indices, contiguous, with `dim` of size
/// `kout`.
pub fn rank_sort(x: &Tensor, dim: usize, mode: u32, kout: usize) -> Result<(Tensor, Tensor)> {
    let len = if x.ndim() == 0 { 1 } else { x.shape()[dim] };
    if len > RANK_SORT_MAX && mode != 2 {
        return bitonic_sort(x, dim, mode == 1, kout);
    }
    let mut shape = x.shape().to_vec();
    if x.ndim() > 0 {
        shape[dim] = kout;
    }
    let out = empty(&shape, x.dtype())?;
    let idx = empty(&shape, DType::I64)?;
    if x.numel() == 0 || out.numel() == 0 {
        return Ok((out, idx));
    }
    let (mut meta, rows) = row_meta(x, dim, &out)?;
    meta[6] = kout as u32;
    meta[7] = mode;
    let n = check_elems(rows as usize * meta[1] as usize)?;
    let t = if x.dtype() == DType::F32 {
        Ty::F32
    } else {
        Ty::I32
    };
    let g = gpu()?;
    let p = g.pipeline(&rank_sort_key(t), || rank_sort_source(t))?;
    g.dispatch(
        &p,
        &meta,
        &[buffer(&out), buffer(&idx), buffer(x)],
        groups_for(n, 256),
    )?;
    Ok((out, idx))
}

/// The bitonic network of bitonic_sort.wgsl over rows padded to a power of two.
fn bitonic_sort(x: &Tensor, dim: usize, descending: bool, kout: usize) -> Result<(Tensor, Tensor)> {
    let mut shape = x.shape().to_vec();
    shape[dim] = kout;
    let out = empty(&shape, x.dtype())?;
    let oidx = empty(&shape, DType::I64)?;
    if x.numel() == 0 || out.numel() == 0 {
        return Ok((out, oidx));
    }
    let (rmeta, rows) = row_meta(x, dim, &out)?;
    let n = x.shape()[dim];
    let p = n.next_power_of_two();
    let total = check_elems(rows as usize * p)?;
    let keys = empty(&[total as usize], x.dtype())?;
    let idx = empty(&[total as usize], DType::I32)?;
    let t = if x.dtype() == DType::F32 {
        Ty::F32
    } else {
        Ty::I32
    };
    let mut meta = vec![0u32; 40];
    meta[0] = rows;
    meta[1] = n as u32;
    meta[2] = p as u32;
    meta[6] = kout as u32;
    meta[7] = u32::from(descending);
    meta[8] = rmeta[2];
    meta[9] = rmeta[3];
    meta[10] = rmeta[4];
    meta[11] = rmeta[5];
    meta[16..40].copy_from_slice(&rmeta[8..32]);
    let g = gpu()?;
    let pl = g.pipeline(&super::shaders::bitonic_sort_key(t), || {
        super::shaders::bitonic_sort_source(t)
    })?;
    let bufs = [
        buffer(&keys),
        buffer(&idx),
        buffer(x),
        buffer(&out),
        buffer(&oidx),
    ];
    meta[5] = 0;
    g.dispatch(&pl, &meta, &bufs, groups_for(total, 256))?;
    let mut k = 2;
    while k <= p {
        let mut j = k / 2;
        while j >= 1 {
            meta[3] = k as u32;
            meta[4] = j as u32;
            meta[5] = 1;
            g.dispatch(&pl, &meta, &bufs, groups_for(total / 2, 256))?;
            j /= 2;
        }
        k *= 2;
    }
    meta[5] = 2;
    g.dispatch(&pl, &meta, &bufs, groups_for(total, 256))?;
    Ok((out, oidx))
}

/// Indices of the non-zero elements of `x` as a (count, ndim) int64 tensor. Reads the count
/// back (the result's size depends on the data, as on every device).
pub fn nonzero(x: &Tensor) -> Result<Tensor> {
    let nd = x.ndim();
    let mask = super::ops::cast(x, DType::Bool)?;
    let n = check_elems(mask.numel())?;
    if n == 0 {
        return empty(&[0, nd], DType::I64);
    }
    let flat = mask.with_layout(crate::shape::Layout::contiguous(&[n as usize]));
    let pos = scan(&flat, 0, false, DType::I32)?;
    let last = pos.with_layout(crate::shape::Layout {
        shape: crate::shape::Dims::from_slice(&[]),
        strides: Default::default(),
        offset: n as usize - 1,
    });
    let count = super::download(&last)?.try_to_vec::<i32>()?[0] as usize;
    let out = empty(&[count, nd], DType::I64)?;
    if count == 0 || nd == 0 {
        return Ok(out);
    }
    let mut meta = vec![0u32; 12];
    meta[0] = n;
    meta[1] = nd as u32;
    for d in 0..nd {
        meta[4 + d] = x.shape()[d] as u32;
    }
    if nd > MAXD {
        return Err(too_many_dims(nd));
    }
    let g = gpu()?;
    let p = g.pipeline("nonzero", nonzero_source)?;
    g.dispatch(
        &p,
        &meta,
        &[buffer(&out), buffer(&mask), buffer(&pos)],
        groups_for(n, 256),
    )?;
    Ok(out)
}

/// Whether a product of 3-d operands can stage its tiles with vec4 loads: both row-major in
/// their last dim, K and N multiples of 4, and every offset and stride a multiple of 4, so
/// that each vec4 starts on a 16-byte boundary.
pub fn vec4_tiles(a: &crate::shape::Layout, b: &crate::shape::Layout) -> bool {
    let (sa, sb) = (&a.strides, &b.strides);
    let (k, n) = (a.shape[2], b.shape[2]);
    let four = |v: isize| v % 4 == 0;
    sa[2] == 1
        && sb[2] == 1
        && k % 4 == 0
        && n % 4 == 0
        && [
            a.offset as isize,
            b.offset as isize,
            sa[0],
            sa[1],
            sb[0],
            sb[1],
        ]
        .into_iter()
        .all(four)
}

/// Bytes a GPU tensor's elements occupy on the device.
pub fn device_bytes(t: &Tensor) -> usize {
    t.numel() * WORD
}

/// Sizes of a batch of CTC problems: time steps, batch, classes, the longest extended target
/// (blanks interleaved) and the blank class.
pub struct CtcDims {
    pub t: usize,
    pub n: usize,
    pub c: usize,
    pub cap: usize,
    pub blank: usize,
}

/// The alpha/beta recursions of `shaders/ctc.wgsl`: per-sample losses and the gradient with
/// respect to the float32 log-probabilities `lp` (t, n, c); `ext` holds each sample's extended
/// target and `lens` its (input length, extended length).
pub fn ctc(
    lp: &Tensor,
    ext: &Tensor,
    lens: &Tensor,
    dims: &CtcDims,
    zero_infinity: bool,
) -> Result<(Tensor, Tensor)> {
    let (tt, n, c, cap) = (dims.t, dims.n, dims.c, dims.cap);
    let nll = empty(&[n], DType::F32)?;
    let grad = empty(&[tt, n, c], DType::F32)?;
    let scratch = (n * tt.max(1) * cap).max(1);
    let alpha = empty(&[scratch], DType::F32)?;
    let beta = empty(&[scratch], DType::F32)?;
    if n == 0 {
        return Ok((nll, grad));
    }
    let meta = [
        tt as u32,
        n as u32,
        c as u32,
        cap as u32,
        dims.blank as u32,
        u32::from(zero_infinity),
    ];
    let g = super::gpu()?;
    let p = g.pipeline("ctc", super::shaders::ctc_source)?;
    let buf = super::buffer;
    g.dispatch(
        &p,
        &meta,
        &[
            buf(&nll),
            buf(&grad),
            buf(&alpha),
            buf(&beta),
            buf(lp),
            buf(ext),
            buf(lens),
        ],
        n as u32,
    )?;
    Ok((nll, grad))
}

/// Picks `k` categories per row of the float32 `p` (rows x n_cat) with the uniform numbers in
/// `u` (two words per draw: the float32 rounding and whether it rounded down), into int64
/// indices (rows x k).
pub fn multinomial(p: &Tensor, u: &Tensor, rows: usize, n_cat: usize, k: usize) -> Result<Tensor> {
    let out = empty(&[rows, k], DType::I64)?;
    let n = u32::try_from(rows * k)
        .map_err(|_| Error::Runtime("multinomial: too many samples for the GPU".into()))?;
    let g = gpu()?;
    let pl = g.pipeline("multinomial", super::shaders::multinomial_source)?;
    g.dispatch(
        &pl,
        &[rows as u32, n_cat as u32, k as u32],
        &[buffer(&out), buffer(p), buffer(u)],
        n.div_ceil(256),
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{coalesce, vec4_tiles};
    use crate::shape::Layout;

    #[test]
    fn vec4_tiles_only_for_aligned_row_major_operands() {
        let a = Layout::contiguous(&[2, 5, 8]);
        let b = Layout::contiguous(&[2, 8, 12]);
        assert!(vec4_tiles(&a, &b));
        let mut off = a.clone();
        off.offset = 2;
        assert!(!vec4_tiles(&off, &b));
        let bt = Layout::contiguous(&[2, 12, 8]).permute(&[0, 2, 1]);
        assert!(!vec4_tiles(&a, &bt));
        assert!(!vec4_tiles(
            &Layout::contiguous(&[1, 5, 6]),
            &Layout::contiguous(&[1, 6, 8])
        ));
        let mut bcast = Layout::contiguous(&[1, 8, 12]);
        bcast.shape[0] = 2;
        bcast.strides[0] = 0;
        assert!(vec4_tiles(&a, &bcast));
    }

    #[test]
    fn coalesce_merges_contiguous_and_drops_ones() {
        let (s, st) = coalesce(&[2, 1, 3, 4], &[vec![12, 12, 4, 1], vec![0, 0, 1, 0]]);
        // Dims 2 and 3 merge for the first operand but not the second (strides 1, 0).
        assert_eq!(s, vec![2, 3, 4]);
        assert_eq!(st, vec![vec![12, 4, 1], vec![0, 1, 0]]);
        let (s, st) = coalesce(&[2, 3, 4], &[vec![12, 4, 1]]);
        assert_eq!(s, vec![24]);
        assert_eq!(st, vec![vec![1]]);
        let (s, _) = coalesce(&[1, 1], &[vec![1, 1]]);
        assert!(s.is_empty());
    }
}
