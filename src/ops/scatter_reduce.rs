//! `scatter_reduce(dim, index, src, reduce, include_self)`: the reduction of `src` into a copy
//! of `x` at `index` (sum, prod, mean, amax, amin). `index_reduce` reaches it from Python with
//! its row index expanded to `src`'s shape. Host kernel in `backend/cpu/scatter_reduce.rs`; a
//! GPU tensor raises naming the op (no silent host round trip).

use crate::backend::cpu::scatter_reduce::{self as kernel, Reduce};
use crate::dispatch;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::ops::index::IndexItem;
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
    // 0-d tensors walk as shape [1] (ATen's ensure_nonempty_dim).
    let nd = x.ndim().max(1);
    let one = |t: &Tensor| -> Vec<usize> {
        if t.ndim() == 0 {
            vec![1]
        } else {
            t.shape().to_vec()
        }
    };
    let (xs, is, ss) = (one(x), one(index), one(src));
    if is.len() != nd {
        return Err(Error::Runtime(
            "Index tensor must have the same number of dimensions as self tensor".to_string(),
        ));
    }
    if ss.len() != nd {
        return Err(Error::Runtime(
            "Index tensor must have the same number of dimensions as src tensor".to_string(),
        ));
    }
    if (0..nd).any(|k| (k != d && is[k] > xs[k]) || is[k] > ss[k]) {
        return Err(Error::Runtime(format!(
            "Expected index [{}] to be no larger than self [{}] apart from dimension {} and to be no larger size than src [{}]",
            fmt(index.shape()),
            fmt(x.shape()),
            d,
            fmt(src.shape())
        )));
    }
    let out = x.to_dtype_copy(x.dtype());
    let n: usize = is.iter().product();
    if n == 0 {
        return Ok(out);
    }
    let offs = offsets(&index.try_contiguous()?, &xs, &is, d)?;
    // src read at the index positions, row-major (a view when the shapes agree).
    let src1 = crate::ops::view::reshape(src, &ss.iter().map(|&v| v as i64).collect::<Vec<_>>())?;
    let vals = if is == ss {
        src1.try_contiguous()?
    } else {
        let items: Vec<IndexItem> = is
            .iter()
            .map(|&k| IndexItem::Slice(Some(0), Some(k as i64), 1))
            .collect();
        crate::ops::index::getitem(&src1, &items)?.try_contiguous()?
    };
    dispatch!(x.dtype(), T => {
        let len = out.numel();
        // SAFETY: `out` is a fresh contiguous tensor of `len` elements, not shared.
        let dst = unsafe { std::slice::from_raw_parts_mut(out.ptr::<T>(), len) };
        kernel::scatter_reduce(dst, &offs, vals.as_slice::<T>(), r, include_self);
    });
    Ok(out)
}

/// The offset in a contiguous tensor of shape `xs` of every element of the (contiguous int64)
/// `index` of shape `is` (its value taken along `dim`), with ATen's out-of-range error.
fn offsets(index: &Tensor, xs: &[usize], is: &[usize], dim: usize) -> Result<Vec<usize>> {
    let nd = xs.len();
    let mut ost = vec![1usize; nd];
    for k in (0..nd.saturating_sub(1)).rev() {
        ost[k] = ost[k + 1] * xs[k + 1];
    }
    let iv = index.as_slice::<i64>();
    let inner = is[nd - 1];
    let size = xs[dim];
    let mut offs = Vec::with_capacity(iv.len());
    let mut counter = vec![0usize; nd - 1];
    for row in iv.chunks(inner) {
        let base: usize = (0..nd - 1)
            .filter(|&k| k != dim)
            .map(|k| counter[k] * ost[k])
            .sum();
        for (j, &v) in row.iter().enumerate() {
            if v < 0 || v as usize >= size {
                return Err(Error::Runtime(format!(
                    "index {} is out of bounds for dimension {} with size {}",
                    v, dim, size
                )));
            }
            let lane = if dim == nd - 1 { 0 } else { j * ost[nd - 1] };
            offs.push(base + lane + v as usize * ost[dim]);
        }
        for k in (0..nd - 1).rev() {
            counter[k] += 1;
            if counter[k] < is[k] {
                break;
            }
            counter[k] = 0;
        }
    }
    Ok(offs)
}

fn fmt(s: &[usize]) -> String {
    s.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
