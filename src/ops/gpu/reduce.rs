//! The GPU paths of the reductions: sums, means, extremes and products on the reduction
//! kernel; statistics and norms composed from the device's elementwise ops and reductions
//! (float32 throughout, where the CPU path accumulates in float64); scans; and the rank-order
//! kernel behind sort, topk and median. Argument checks happen in the op entries of
//! `ops/reduce.rs`, which route here.

use crate::backend::gpu::check_dtype;
use crate::backend::gpu::kernels::{rank_sort, reduce, scan};
use crate::backend::gpu::ops::cast;
use crate::backend::gpu::shaders::{ReduceOp, ReduceSpec, Ty};
use crate::dtype::{DType, Scalar};
use crate::error::Result;
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp, binary, unary};
use crate::ops::reduce::{reduce_dims, reduced_shape};
use crate::ops::view;
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

fn t(x: &Tensor) -> Operand {
    Operand::Tensor(x.clone())
}

fn f(v: f64) -> Operand {
    Operand::Scalar(Scalar::Float(v))
}

fn acc_of(d: DType) -> Ty {
    if d.is_float() { Ty::F32 } else { Ty::I32 }
}

/// One basic reduction of `x` over `dims` into `out_dtype`.
fn reduce_to(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    op: ReduceOp,
    acc: Ty,
    out_dtype: DType,
) -> Result<Tensor> {
    check_dtype(out_dtype)?;
    let dims = reduce_dims(x, dims)?;
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op,
        input: Ty::of(x.dtype()),
        acc,
        out: Ty::of(out_dtype),
    };
    Ok(reduce(x, &dims, &shape, &spec, out_dtype)?.0)
}

pub fn prod(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, out_dtype: DType) -> Result<Tensor> {
    reduce_to(
        x,
        dims,
        keepdim,
        ReduceOp::Prod,
        acc_of(out_dtype),
        out_dtype,
    )
}

/// `all` is a minimum of the truth values, `any` a sum tested against zero (so that an empty
/// `any` is false).
pub fn all_any(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, any: bool) -> Result<Tensor> {
    let b = cast(x, DType::Bool)?;
    let op = if any { ReduceOp::Sum } else { ReduceOp::Min };
    reduce_to(&b, dims, keepdim, op, Ty::I32, DType::Bool)
}

pub fn count_nonzero(x: &Tensor, dims: Option<&[i64]>) -> Result<Tensor> {
    let b = cast(x, DType::Bool)?;
    reduce_to(&b, dims, false, ReduceOp::Sum, Ty::I32, DType::I64)
}

/// `var`/`std`: the mean is subtracted first (two passes), as on the CPU.
pub fn var(
    x: &Tensor,
    dims: Option<&[i64]>,
    correction: f64,
    keepdim: bool,
    take_sqrt: bool,
) -> Result<Tensor> {
    let dw = reduce_dims(x, dims)?;
    let n: usize = dw.iter().map(|&i| x.shape()[i]).product();
    let dl: Vec<i64> = dw.iter().map(|&d| d as i64).collect();
    // Without float64 on the device, the values are scaled by their largest magnitude first,
    // so that the mean and the squares of huge values (3e38) do not overflow; a scale that is
    // zero or not finite is 1 (inf and NaN then give NaN, as on the CPU).
    let a = amax(&unary(UnaryOp::Abs, x)?, Some(&dl), true, true)?;
    let ok = binary(
        BinaryOp::LogicalAnd,
        &t(&unary(UnaryOp::IsFinite, &a)?),
        &t(&binary(BinaryOp::Gt, &t(&a), &f(0.0))?),
    )?;
    let scale = crate::ops::elementwise::where_(&ok, &t(&a), &f(1.0))?;
    let xs = binary(BinaryOp::Div, &t(x), &t(&scale))?;
    let m = mean(&xs, Some(&dl), true, None)?;
    let d = binary(BinaryOp::Sub, &t(&xs), &t(&m))?;
    let sq = binary(BinaryOp::Mul, &t(&d), &t(&d))?;
    let s = sum(&sq, Some(&dl), keepdim, None)?;
    let v = binary(BinaryOp::Div, &t(&s), &f((n as f64 - correction).max(0.0)))?;
    let scale = if keepdim {
        scale
    } else {
        view::squeeze(&scale, Some(&dl))?
    };
    if take_sqrt {
        binary(BinaryOp::Mul, &t(&unary(UnaryOp::Sqrt, &v)?), &t(&scale))
    } else {
        let s2 = binary(BinaryOp::Mul, &t(&scale), &t(&scale))?;
        binary(BinaryOp::Mul, &t(&v), &t(&s2))
    }
}

/// Vector p-norm (p = 2, 1, 0, +-inf, or any real p).
pub fn norm(x: &Tensor, p: f64, dims: Option<&[i64]>, keepdim: bool) -> Result<Tensor> {
    let a = unary(UnaryOp::Abs, x)?;
    if p.is_infinite() {
        return amax(&a, dims, keepdim, p > 0.0);
    }
    if p == 0.0 {
        let nz = binary(BinaryOp::Ne, &t(x), &f(0.0))?;
        let nz = cast(&nz, x.dtype())?;
        return sum(&nz, dims, keepdim, None);
    }
    if p == 1.0 {
        return sum(&a, dims, keepdim, None);
    }
    if p == 2.0 {
        let sq = binary(BinaryOp::Mul, &t(x), &t(x))?;
        return unary(UnaryOp::Sqrt, &sum(&sq, dims, keepdim, None)?);
    }
    let pw = binary(BinaryOp::Pow, &t(&a), &f(p))?;
    let s = sum(&pw, dims, keepdim, None)?;
    binary(BinaryOp::Pow, &t(&s), &f(1.0 / p))
}

/// `log(sum(exp(x - m))) + m` with the row maximum `m` replaced by 0 where it is infinite, so
/// that all -inf rows give -inf, a +inf gives +inf and NaN propagates, as on the CPU.
pub fn logsumexp(x: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    let m = amax(x, Some(dims), true, true)?;
    let inf = unary(UnaryOp::IsInf, &m)?;
    let m0 = crate::ops::elementwise::where_(&inf, &f(0.0), &t(&m))?;
    let e = unary(UnaryOp::Exp, &binary(BinaryOp::Sub, &t(x), &t(&m0))?)?;
    let s = sum(&e, Some(dims), true, None)?;
    let r = binary(BinaryOp::Add, &t(&unary(UnaryOp::Log, &s)?), &t(&m0))?;
    if keepdim {
        Ok(r)
    } else {
        let dw = reduce_dims(x, Some(dims))?;
        let dl: Vec<i64> = dw.iter().map(|&d| d as i64).collect();
        view::squeeze(&r, Some(&dl))
    }
}

fn dim_of(x: &Tensor, dim: i64) -> Result<usize> {
    if x.ndim() == 0 {
        wrap_dim(dim, 1)?;
        Ok(0)
    } else {
        wrap_dim(dim, x.ndim())
    }
}

/// `cumsum`/`cumprod` along `dim` into `out_dtype` (integers accumulate in 32 bits on the
/// device, the int64 representation there).
pub fn cumulative(x: &Tensor, dim: i64, product: bool, out_dtype: DType) -> Result<Tensor> {
    check_dtype(out_dtype)?;
    scan(x, dim_of(x, dim)?, product, out_dtype)
}

/// Stable sort along `dim` (NaN last, first when descending).
pub fn sort(x: &Tensor, dim: i64, descending: bool) -> Result<(Tensor, Tensor)> {
    let d = dim_of(x, dim)?;
    let len = if x.ndim() == 0 { 1 } else { x.shape()[d] };
    rank_sort(x, d, u32::from(descending), len)
}

/// The `k` largest (or smallest) along `dim`, in sorted order; `k` is checked by the caller.
pub fn topk(x: &Tensor, k: usize, dim: i64, largest: bool) -> Result<(Tensor, Tensor)> {
    rank_sort(x, dim_of(x, dim)?, u32::from(largest), k)
}

/// Lower median along `dim` (the first NaN when a row has any).
pub fn median_dim(x: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
    let d = dim_of(x, dim)?;
    let n = if x.ndim() == 0 { 1 } else { x.shape()[d] };
    let (v, i) = if n > crate::backend::gpu::kernels::RANK_SORT_MAX {
        // Long rows: the sorted row at (n - 1) / 2, or at the first NaN (NaN sorts last).
        let (sv, si) = rank_sort(x, d, 0, n)?;
        let nans = sum(&unary(UnaryOp::IsNan, x)?, Some(&[d as i64]), true, None)?;
        let has = binary(BinaryOp::Gt, &t(&nans), &Operand::Scalar(Scalar::Int(0)))?;
        let first_nan = binary(
            BinaryOp::Sub,
            &Operand::Scalar(Scalar::Int(n as i64)),
            &t(&nans),
        )?;
        let pos = crate::ops::elementwise::where_(
            &has,
            &t(&first_nan),
            &Operand::Scalar(Scalar::Int((n as i64 - 1) / 2)),
        )?;
        (
            crate::ops::index::gather(&sv, d as i64, &pos)?,
            crate::ops::index::gather(&si, d as i64, &pos)?,
        )
    } else {
        rank_sort(x, d, 2, 1)?
    };
    if keepdim || x.ndim() == 0 {
        Ok((v, i))
    } else {
        Ok((
            view::squeeze(&v, Some(&[d as i64]))?,
            view::squeeze(&i, Some(&[d as i64]))?,
        ))
    }
}

pub fn sum(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let out_dtype = dtype.unwrap_or(if x.dtype().is_float() {
        x.dtype()
    } else {
        DType::I64
    });
    check_dtype(out_dtype)?;
    let dims = reduce_dims(x, dims)?;
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op: ReduceOp::Sum,
        input: Ty::of(x.dtype()),
        acc: acc_of(out_dtype),
        out: Ty::of(out_dtype),
    };
    Ok(reduce(x, &dims, &shape, &spec, out_dtype)?.0)
}

pub fn mean(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let d = dtype.unwrap_or(x.dtype());
    check_dtype(d)?;
    let dims = reduce_dims(x, dims)?;
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op: ReduceOp::Mean,
        input: Ty::of(x.dtype()),
        acc: Ty::F32,
        out: Ty::F32,
    };
    Ok(reduce(x, &dims, &shape, &spec, d)?.0)
}

/// `amax`/`amin` (NaN propagates); the caller has checked for empty inputs.
pub fn amax(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, largest: bool) -> Result<Tensor> {
    let dims = reduce_dims(x, dims)?;
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op: if largest {
            ReduceOp::Max
        } else {
            ReduceOp::Min
        },
        input: Ty::of(x.dtype()),
        acc: acc_of(x.dtype()),
        out: Ty::of(x.dtype()),
    };
    Ok(reduce(x, &dims, &shape, &spec, x.dtype())?.0)
}

/// `max(dim)`/`min(dim)`: values and the index of the first extreme (first NaN wins).
pub fn max_dim(x: &Tensor, dim: i64, keepdim: bool, largest: bool) -> Result<(Tensor, Tensor)> {
    let d = if x.ndim() == 0 {
        0
    } else {
        wrap_dim(dim, x.ndim())?
    };
    let dims: Vec<usize> = if x.ndim() == 0 { vec![] } else { vec![d] };
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op: if largest {
            ReduceOp::ArgMax
        } else {
            ReduceOp::ArgMin
        },
        input: Ty::of(x.dtype()),
        acc: acc_of(x.dtype()),
        out: Ty::of(x.dtype()),
    };
    let (v, i) = reduce(x, &dims, &shape, &spec, x.dtype())?;
    let i = i.ok_or_else(|| {
        crate::error::Error::Runtime("internal error: no index from an index reduction".into())
    })?;
    Ok((v, i))
}
