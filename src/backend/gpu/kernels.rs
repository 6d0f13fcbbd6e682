//! Launching the WGSL kernels on tensors: meta words (sizes, strides, offsets) from layouts,
//! pipelines from the cache, buffers bound in the order the shaders declare them.

use super::shaders::{Input, MapSpec, ReduceSpec, Ty, matmul_key, matmul_source};
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
    let w = |v: isize| v as i32 as u32;
    let meta = [
        m as u32,
        n as u32,
        k as u32,
        bs as u32,
        a.layout().offset as u32,
        w(sa[0]),
        w(sa[1]),
        w(sa[2]),
        b.layout().offset as u32,
        w(sb[0]),
        w(sb[1]),
        w(sb[2]),
        tiles_n as u32,
        tiles_m as u32,
    ];
    let t = Ty::of(a.dtype());
    let g = gpu()?;
    let p = g.pipeline(&matmul_key(t), || matmul_source(t))?;
    g.dispatch(&p, &meta, &[buffer(&out), buffer(a), buffer(b)], groups)?;
    Ok(out)
}

/// Bytes a GPU tensor's elements occupy on the device.
pub fn device_bytes(t: &Tensor) -> usize {
    t.numel() * WORD
}

#[cfg(test)]
mod tests {
    use super::coalesce;

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
