//! Core GPU kernels every op uses: contiguous copies, casts, fills and copies between views,
//! and the inventory of every shader variant (`all_variants`).

use super::kernels::{Src, map, reduce};
use super::shaders::{ReduceOp, ReduceSpec, Ty};
use super::{check_dtype, empty, upload};
use crate::dtype::{DType, Scalar};
use crate::error::Result;
use crate::tensor::Tensor;

/// A contiguous copy of `t` (same dtype).
pub fn contiguous_copy(t: &Tensor) -> Result<Tensor> {
    let out = empty(t.shape(), t.dtype())?;
    let ty = Ty::of(t.dtype());
    map(&out, &[Src::T(t)], ty, "a", ty)?;
    Ok(out)
}

pub fn contiguous(t: &Tensor) -> Result<Tensor> {
    if t.is_contiguous() {
        Ok(t.clone())
    } else {
        contiguous_copy(t)
    }
}

/// A new contiguous tensor with `t`'s elements converted to `dtype`.
pub fn cast(t: &Tensor, dtype: DType) -> Result<Tensor> {
    check_dtype(dtype)?;
    let out = empty(t.shape(), dtype)?;
    let ty = Ty::of(t.dtype());
    map(&out, &[Src::T(t)], ty, "a", ty)?;
    Ok(out)
}

/// `dst.copy_(src)` for a GPU `dst`; `src` may be on the CPU (it is uploaded) and broadcasts.
pub fn copy(dst: &Tensor, src: &Tensor) -> Result<()> {
    let src = if src.is_gpu() {
        src.clone()
    } else {
        upload(src)?
    };
    let ty = Ty::of(src.dtype());
    map(dst, &[Src::T(&src)], ty, "a", ty)
}

/// Fills every element of a GPU view with `v`.
pub fn fill(dst: &Tensor, v: Scalar) -> Result<()> {
    let ty = Ty::of(dst.dtype());
    map(dst, &[Src::S(v.to_f64())], ty, "a", ty)
}

pub fn fill_new(t: Tensor, v: f64) -> Result<Tensor> {
    fill(&t, Scalar::Float(v))?;
    Ok(t)
}

/// Whether any element of the bool GPU tensor `z` is true (one number read back).
pub fn any_true(z: &Tensor) -> Result<bool> {
    let dims: Vec<usize> = (0..z.ndim()).collect();
    let spec = ReduceSpec {
        op: ReduceOp::Sum,
        input: Ty::Bool,
        acc: Ty::I32,
        out: Ty::Bool,
    };
    let (any, _) = reduce(z, &dims, &[], &spec, DType::Bool)?;
    Ok(super::download(&any)?.try_to_vec::<bool>()?[0])
}

/// Every kernel variant the op tables above can instantiate, as (pipeline key, WGSL source):
/// for `_C._gpu_shader_sources()` and an independent compile check with wgpu-py.
pub fn all_variants() -> Vec<(String, String)> {
    use super::shaders::{
        Combine, ScanSpec, gather_source, matmul_key, matmul_source, nonzero_source,
        offsets_source, rank_sort_key, rank_sort_source,
    };
    let tys = [Ty::F32, Ty::I32, Ty::Bool];
    let mut maps = super::elementwise::variants();
    maps.extend(super::activation::act_variants());
    let mut out: Vec<(String, String)> = maps.iter().map(|m| (m.key(), m.source())).collect();
    // all/any: truth values folded as int32 into a bool.
    for op in [ReduceOp::Sum, ReduceOp::Min] {
        let r = ReduceSpec {
            op,
            input: Ty::Bool,
            acc: Ty::I32,
            out: Ty::Bool,
        };
        out.push((r.key(), r.source()));
    }
    for op in [
        ReduceOp::Sum,
        ReduceOp::Mean,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::ArgMax,
        ReduceOp::ArgMin,
        ReduceOp::Prod,
    ] {
        for input in tys {
            let accs: &[Ty] = match op {
                ReduceOp::Mean => &[Ty::F32],
                _ => &[Ty::F32, Ty::I32],
            };
            for &acc in accs {
                let r = ReduceSpec {
                    op,
                    input,
                    acc,
                    out: acc,
                };
                out.push((r.key(), r.source()));
            }
        }
    }
    for t in [Ty::F32, Ty::I32] {
        for vec4 in [false, true] {
            out.push((matmul_key(t, vec4), matmul_source(t, vec4)));
        }
        out.push((rank_sort_key(t), rank_sort_source(t)));
        out.push((
            super::shaders::bitonic_sort_key(t),
            super::shaders::bitonic_sort_source(t),
        ));
    }
    for product in [false, true] {
        for input in tys {
            for acc in [Ty::F32, Ty::I32] {
                let s = ScanSpec {
                    product,
                    input,
                    acc,
                    out: acc,
                };
                out.push((s.key(), s.source()));
            }
        }
    }
    for c in Combine::ALL {
        out.push((c.key(), c.source()));
    }
    out.push(("offsets".into(), offsets_source()));
    out.push(("gather".into(), gather_source()));
    out.push(("nonzero".into(), nonzero_source()));
    out.push(("ctc".into(), super::shaders::ctc_source()));
    out.push(("pool".into(), super::shaders::pool_source()));
    out.push(("resample".into(), super::resample::source()));
    out.push(("distance".into(), super::distance::source()));
    out.push(("multinomial".into(), super::shaders::multinomial_source()));
    out.extend(super::optim::variants());
    out.extend(super::conv::variants());
    out.extend(super::attention::variants());
    out.extend(super::rnn::variants());
    out
}
