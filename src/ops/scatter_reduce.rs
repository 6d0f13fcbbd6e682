//! `scatter_reduce(dim, index, src, reduce, include_self)`: the reduction of `src` into a copy
//! of `x` at `index` (sum, prod, mean, amax, amin). `index_reduce` reaches it from Python with
//! its row index expanded to `src`'s shape. Host kernel in `backend/cpu/scatter_reduce.rs`; a
//! GPU tensor raises naming the op (no silent host round trip).

use crate::backend::cpu::scatter_reduce::{self as kernel, Reduce};
use crate::dispatch;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

pub fn parse_reduce(reduce: &str) -> Result<Reduce> {
    Ok(match reduce {
        "sum" => Reduce::Sum,
        "prod" => Reduce::Prod,
        "mean" => Reduce::Mean,
        "amax" => Reduce::Amax,
        "amin" => Reduce::Amin,
        _ => {
            return Err(Error::Runtime(format!(
                "reduce argument must be either sum, prod, mean, amax or amin, got {}",
                reduce
            )));
        }
    })
}

/// A new tensor: `x` with `src` reduced into it at `index` along `dim`.
pub fn scatter_reduce(
    x: &Tensor,
    dim: i64,
    index: &Tensor,
    src: &Tensor,
    reduce: &str,
    include_self: bool,
    op: &str,
) -> Result<Tensor> {
    let r = parse_reduce(reduce)?;
    crate::backend::gpu::same_device(&[x, index, src])?;
    if x.is_gpu() {
        return Err(Error::NotImplemented(format!(
            "\"{}\" is not implemented for the GPU device",
            op
        )));
    }
    let d = wrap_dim(dim, x.ndim())?;
    if index.dtype() != DType::I64 {
        return Err(Error::Runtime(format!(
            "{}(): Expected dtype int64 for index",
            op
        )));
    }
    if src.dtype() != x.dtype() {
        return Err(Error::Runtime(format!(
            "{}(): Expected self.dtype to be equal to src.dtype",
            op
        )));
    }
    if index.ndim().max(1) != src.ndim().max(1) && index.numel() > 0 {
        return Err(Error::Runtime(
            "Index tensor must have the same number of dimensions as src tensor".to_string(),
        ));
    }
    for k in 0..index.ndim() {
        if src.ndim() > k && index.shape()[k] > src.shape()[k] {
            return Err(Error::Runtime(format!(
                "Expected index [{}] to be no larger than self [{}] apart from dimension {} and to be no larger size than src [{}]",
                fmt(index.shape()),
                fmt(x.shape()),
                d,
                fmt(src.shape())
            )));
        }
    }
    let out = x.to_dtype_copy(x.dtype());
    if index.numel() == 0 {
        return Ok(out);
    }
    let offs = crate::ops::index::gather_offsets(&out, d, index, op)?;
    let offs: Vec<usize> = offs.into_iter().map(|o| o as usize).collect();
    // src read at the index positions, row-major (the same walk as the offsets).
    let items: Vec<crate::ops::index::IndexItem> = index
        .shape()
        .iter()
        .map(|&n| crate::ops::index::IndexItem::Slice(Some(0), Some(n as i64), 1))
        .collect();
    let vals = if src.ndim() == 0 {
        src.to_dtype_copy(src.dtype())
    } else {
        crate::ops::index::getitem(src, &items)?.to_dtype_copy(src.dtype())
    };
    dispatch!(x.dtype(), T => {
        let n = out.numel();
        // SAFETY: `out` is a fresh contiguous tensor of n elements, not shared.
        let dst = unsafe { std::slice::from_raw_parts_mut(out.ptr::<T>(), n) };
        kernel::scatter_reduce(dst, &offs, vals.as_slice::<T>(), r, include_self);
    });
    Ok(out)
}

fn fmt(s: &[usize]) -> String {
    s.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
