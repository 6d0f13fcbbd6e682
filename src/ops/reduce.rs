//! Reductions over any set of dims. The reduced dims are moved last; each output element then
//! reduces one run of the input ("row"). Rows are contiguous when the layout allows it, else
//! the input is copied once. A single long row is split across threads and recombined.

use crate::backend::cpu::iter::{GRAIN, par_runs};
use crate::backend::cpu::threads::pool;
use crate::backend::gpu;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp, binary, type_title, unary};
use crate::ops::view;
use crate::shape::{Dims, Layout, wrap_dim};
use crate::tensor::{Tensor, scalar_of};
use rayon::prelude::*;

/// Normalised reduction dims: `None` reduces everything. Duplicates are an error.
pub fn reduce_dims(t: &Tensor, dims: Option<&[i64]>) -> Result<Vec<usize>> {
    let n = t.ndim();
    let Some(dims) = dims else {
        return Ok((0..n).collect());
    };
    let mut out = Vec::with_capacity(dims.len());
    for &d in dims {
        let w = wrap_dim(d, n)?;
        if out.contains(&w) {
            return Err(Error::Runtime(format!(
                "dim {} appears multiple times in the list of dims",
                w
            )));
        }
        if n > 0 {
            out.push(w);
        }
    }
    out.sort_unstable();
    if dims.is_empty() {
        // PyTorch: an empty dim list reduces over all dims.
        return Ok((0..n).collect());
    }
    Ok(out)
}

/// Output shape of a reduction over `dims`.
pub fn reduced_shape(shape: &[usize], dims: &[usize], keepdim: bool) -> Dims {
    let mut out = Dims::new();
    for (i, &s) in shape.iter().enumerate() {
        if dims.contains(&i) {
            if keepdim {
                out.push(1);
            }
        } else {
            out.push(s);
        }
    }
    out
}

/// Reduces each row (the `dims` of `x`, moved last) with `partial`, splitting a row across
/// threads and merging pieces with `combine` when there are too few rows to share out.
pub fn reduce_rows<T: Element, A: Send + Copy, O: Element>(
    x: &Tensor,
    dims: &[usize],
    keepdim: bool,
    partial: impl Fn(&[T]) -> A + Sync,
    combine: impl Fn(A, A) -> A + Sync,
    finish: impl Fn(A, usize) -> O + Sync,
) -> Tensor {
    let kept: Vec<usize> = (0..x.ndim()).filter(|d| !dims.contains(d)).collect();
    let mut perm = kept.clone();
    perm.extend_from_slice(dims);
    let pl = x.layout().permute(&perm);
    let k = kept.len();
    let row_len: usize = pl.shape[k..].iter().product();
    // Rows are usable in place when the reduced dims are one contiguous run.
    let rows_contiguous = Layout {
        shape: pl.shape[k..].into(),
        strides: pl.strides[k..].into(),
        offset: 0,
    }
    .is_contiguous();
    let src = if rows_contiguous {
        x.with_layout(pl)
    } else {
        x.with_layout(pl).contiguous()
    };
    let out_shape = reduced_shape(x.shape(), dims, keepdim);
    let out = Tensor::zeros(&out_shape, O::DTYPE);
    let kept_shape: Dims = src.shape()[..k].into();
    let kept_strides: Vec<isize> = src.strides()[..k].to_vec();
    let out_strides = crate::shape::contiguous_strides(&kept_shape);
    let (ps, po) = (src.ptr::<T>() as usize, out.ptr::<O>() as usize);
    let rows: usize = kept_shape.iter().product();
    let threads = pool().current_num_threads();
    if rows < threads && row_len >= 2 * GRAIN {
        // Few long rows: split each row across threads.
        for r in 0..rows {
            let mut off = 0isize;
            let mut rem = r;
            for d in (0..k).rev() {
                off += (rem % kept_shape[d]) as isize * kept_strides[d];
                rem /= kept_shape[d];
            }
            // SAFETY: the row lies inside src's storage.
            let row = unsafe { std::slice::from_raw_parts((ps as *const T).offset(off), row_len) };
            let chunk = row_len.div_ceil(threads * 4).max(GRAIN);
            let acc = pool().install(|| {
                row.par_chunks(chunk)
                    .map(&partial)
                    .reduce_with(&combine)
                    .expect("non-empty row")
            });
            // SAFETY: r < rows = out numel.
            unsafe { *(po as *mut O).add(r) = finish(acc, row_len) };
        }
        return out;
    }
    par_runs(
        &kept_shape,
        [&out_strides[..], &kept_strides[..]],
        |o, n, s| {
            for i in 0..n as isize {
                // SAFETY: offsets from the iterator stay inside both buffers.
                unsafe {
                    let row = std::slice::from_raw_parts(
                        (ps as *const T).offset(o[1] + i * s[1]),
                        row_len,
                    );
                    *(po as *mut O).offset(o[0] + i * s[0]) = finish(partial(row), row_len);
                }
            }
        },
    );
    out
}

/// Sum of a slice in float64 with 8 independent lanes (vectorisable, and accurate enough to
/// match NumPy's pairwise sums on float32 data).
#[inline]
fn sum_f64<T: Element>(xs: &[T]) -> f64 {
    let mut lanes = [0f64; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..8 {
            lanes[l] += c[l].to_f64();
        }
    }
    let mut s = lanes.iter().sum::<f64>();
    for &v in rest {
        s += v.to_f64();
    }
    s
}

/// Sum for float32 data in float32 lanes: how PyTorch accumulates, and twice as wide.
#[inline]
fn sum_f32_lanes(xs: &[f32]) -> f64 {
    // Blocks of 1024 summed in f32 lanes, blocks combined in f64: error stays near f32 eps.
    let mut total = 0f64;
    for block in xs.chunks(1024) {
        let mut lanes = [0f32; 16];
        let chunks = block.chunks_exact(16);
        let rest = chunks.remainder();
        for c in chunks {
            for l in 0..16 {
                lanes[l] += c[l];
            }
        }
        let mut s = 0f64;
        for l in lanes {
            s += l as f64;
        }
        for &v in rest {
            s += v as f64;
        }
        total += s;
    }
    total
}

/// Float sums over `dims` whose rows are not contiguous but whose kept dims end in a unit
/// stride (a sum over dim 0 of a row-major matrix): instead of copying the input transposed,
/// whole blocks of the kept dims are accumulated in float64, reading memory in order. `None`
/// when the layout does not fit (the caller then uses `reduce_rows`). Each sum is divided by
/// `div` (the count, for means).
fn sum_outer<T: Element>(x: &Tensor, dims: &[usize], keepdim: bool, div: f64) -> Option<Tensor> {
    if x.numel() == 0 || dims.is_empty() || dims.len() == x.ndim() {
        return None;
    }
    let (shape, strides) = (x.shape(), x.strides());
    let pick = |keep: bool| -> (Vec<usize>, Vec<isize>) {
        (0..x.ndim())
            .filter(|d| dims.contains(d) != keep)
            .map(|d| (shape[d], strides[d]))
            .unzip()
    };
    let (ks, kst) = pick(true);
    let (rs, rst) = pick(false);
    let (ks, [kst]) = crate::shape::coalesce(&ks, [&kst[..]]);
    let (rs, [rst]) = crate::shape::coalesce(&rs, [&rst[..]]);
    // Rows already contiguous (reduce_rows reads them in place), or no unit-stride kept run.
    if rs.is_empty() || ks.is_empty() || rst[rs.len() - 1] == 1 || kst[ks.len() - 1] != 1 {
        return None;
    }
    let inner = ks[ks.len() - 1];
    let outer_shape = &ks[..ks.len() - 1];
    let outer_strides = &kst[..ks.len() - 1];
    // Threads read whole rows in order: a strip of columns per thread touched a new page per
    // row and ran at half NumPy's speed. A block covers up to BLOCK kept columns (f32 + f64
    // accumulators that stay in L2); when blocks alone cannot give every thread work, the
    // first reduced dim is split too, each split summing into its own partial row.
    const BLOCK: usize = 16384;
    let outer: usize = outer_shape.iter().product();
    let parallel = x.numel() >= 2 * GRAIN;
    let threads = if parallel {
        pool().current_num_threads()
    } else {
        1
    };
    let block = BLOCK.min(inner).max(1);
    let nblocks = inner.div_ceil(block);
    let nsplit = if outer * nblocks >= 2 * threads {
        1
    } else {
        rs[0].min((2 * threads).div_ceil(outer * nblocks)).max(1)
    };
    let split_len = rs[0].div_ceil(nsplit);
    let nsplit = rs[0].div_ceil(split_len);
    let items = outer * nblocks * nsplit;
    let out_numel = outer * inner;
    let out = Tensor::zeros(&reduced_shape(shape, dims, keepdim), DType::F64);
    // One partial row set per split (the output itself when there is one split).
    let partials = if nsplit > 1 {
        vec![0f64; nsplit * out_numel]
    } else {
        Vec::new()
    };
    let pp = partials.as_ptr() as usize;
    let (px, po) = (x.ptr::<T>() as usize, out.ptr::<f64>() as usize);
    let work = |item: usize| {
        let (split, item) = (item % nsplit, item / nsplit);
        let (mut q, blk) = (item / nblocks, item % nblocks);
        let mut base = 0isize;
        for d in (0..outer_shape.len()).rev() {
            base += (q % outer_shape[d]) as isize * outer_strides[d];
            q /= outer_shape[d];
        }
        let r0 = split * split_len;
        let mut sub = rs.clone();
        sub[0] = split_len.min(rs[0] - r0);
        base += r0 as isize * rst[0];
        let j0 = blk * block;
        let len = block.min(inner - j0);
        let mut acc = vec![0f64; len];
        if T::DTYPE == DType::F32 {
            // float32 rows are added in float32 lanes (vectorised, as PyTorch accumulates),
            // four rows per pass over the accumulator (a quarter of its load/store traffic,
            // and pairwise sums inside each quad), flushed into the float64 sums every 32
            // rows so that the error stays near float32 eps.
            let mut starts: Vec<isize> = Vec::with_capacity(sub.iter().product());
            crate::backend::cpu::iter::seq_runs(&sub, [&rst[..]], |o, n, st| {
                starts.extend((0..n as isize).map(|i| base + o[0] + i * st[0]));
            });
            // SAFETY: offsets of the reduced dims plus a kept block stay inside the view,
            // whose elements are f32.
            let row = |start: isize| unsafe {
                std::slice::from_raw_parts((px as *const f32).offset(start).add(j0), len)
            };
            let mut acc32 = vec![0f32; len];
            for group in starts.chunks(32) {
                let mut quads = group.chunks_exact(4);
                for q in quads.by_ref() {
                    let (r0, r1, r2, r3) = (row(q[0]), row(q[1]), row(q[2]), row(q[3]));
                    for j in 0..len {
                        acc32[j] += (r0[j] + r1[j]) + (r2[j] + r3[j]);
                    }
                }
                for &st in quads.remainder() {
                    for (a, &v) in acc32.iter_mut().zip(row(st)) {
                        *a += v;
                    }
                }
                for (a, b) in acc.iter_mut().zip(acc32.iter_mut()) {
                    *a += *b as f64;
                    *b = 0.0;
                }
            }
        } else {
            crate::backend::cpu::iter::seq_runs(&sub, [&rst[..]], |o, n, st| {
                for i in 0..n as isize {
                    let start = base + o[0] + i * st[0];
                    // SAFETY: as above, elements of type T.
                    let row = unsafe {
                        std::slice::from_raw_parts((px as *const T).offset(start).add(j0), len)
                    };
                    for (a, &v) in acc.iter_mut().zip(row) {
                        *a += v.to_f64();
                    }
                }
            });
        }
        // Outputs are contiguous in kept-dim order: the block starts at q * inner + j0.
        let o0 = (item / nblocks) * inner + j0;
        let (dst, scale) = if nsplit > 1 {
            ((pp as *mut f64).wrapping_add(split * out_numel), 1.0)
        } else {
            (po as *mut f64, div)
        };
        for (j, &a) in acc.iter().enumerate() {
            // SAFETY: o0 + j < out_numel; each (split, block) item owns its own range.
            unsafe { *dst.add(o0 + j) = divide::<T>(a, scale) };
        }
    };
    if parallel && items > 1 {
        pool().install(|| (0..items).into_par_iter().for_each(work));
    } else {
        (0..items).for_each(work);
    }
    if nsplit > 1 {
        // SAFETY: `out` is a fresh contiguous f64 tensor of out_numel elements.
        let o = unsafe { std::slice::from_raw_parts_mut(po as *mut f64, out_numel) };
        for (j, v) in o.iter_mut().enumerate() {
            let mut t = 0f64;
            for sp in 0..nsplit {
                t += partials[sp * out_numel + j];
            }
            *v = divide::<T>(t, div);
        }
    }
    Some(out)
}

/// A float sum divided by a count (1 for `sum`), rounded to float32 first when the input is
/// float32: PyTorch's mean divides the float32 sum, which overflows to inf for rows of huge
/// values.
fn divide<T: Element>(sum: f64, n: f64) -> f64 {
    if T::DTYPE == DType::F32 {
        (sum as f32 / n as f32) as f64
    } else {
        sum / n
    }
}

/// dtype `sum`/`prod` produce: integers and bool widen to int64 unless `dtype` is given.
fn accum_dtype(x: DType, dtype: Option<DType>) -> DType {
    dtype.unwrap_or(if x.is_float() { x } else { DType::I64 })
}

pub fn sum(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    if x.is_gpu() {
        return crate::ops::gpu::reduce::sum(x, dims, keepdim, dtype);
    }
    let out_dtype = accum_dtype(x.dtype(), dtype);
    if out_dtype.is_float() && out_dtype != x.dtype() {
        // PyTorch casts the input to `dtype` first (float32 data summed as float64 is exact).
        return sum(&x.try_to_dtype(out_dtype)?, dims, keepdim, None);
    }
    let dims = reduce_dims(x, dims)?;
    let outer = match x.dtype() {
        DType::F32 => sum_outer::<f32>(x, &dims, keepdim, 1.0),
        DType::F64 => sum_outer::<f64>(x, &dims, keepdim, 1.0),
        _ => None,
    };
    if let Some(r) = outer {
        return r.try_to_dtype(out_dtype);
    }
    let r = match x.dtype() {
        DType::F32 => {
            reduce_rows::<f32, f64, f64>(x, &dims, keepdim, sum_f32_lanes, |a, b| a + b, |a, _| a)
        }
        DType::F64 => {
            reduce_rows::<f64, f64, f64>(x, &dims, keepdim, sum_f64, |a, b| a + b, |a, _| a)
        }
        d if d.is_float() => {
            let y = x.try_to_dtype(DType::F32)?;
            reduce_rows::<f32, f64, f64>(&y, &dims, keepdim, sum_f32_lanes, |a, b| a + b, |a, _| a)
        }
        _ => {
            let y = x.try_to_dtype(DType::I64)?;
            reduce_rows::<i64, i64, i64>(
                &y,
                &dims,
                keepdim,
                |xs| xs.iter().fold(0i64, |a, &b| a.wrapping_add(b)),
                |a, b| a.wrapping_add(b),
                |a, _| a,
            )
        }
    };
    r.try_to_dtype(out_dtype)
}

pub fn mean(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let d = dtype.unwrap_or(x.dtype());
    if !d.is_float() {
        return Err(Error::Runtime(format!(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: {}",
            type_title(d)
        )));
    }
    if x.is_gpu() {
        return crate::ops::gpu::reduce::mean(x, dims, keepdim, dtype);
    }
    let dims_w = reduce_dims(x, dims)?;
    let count: usize = dims_w.iter().map(|&i| x.shape()[i]).product();
    // The input is cast to `dtype` first, as PyTorch (so dtype=float64 accumulates in float64).
    let wide = x.dtype() == DType::F64 || d == DType::F64;
    let xs = x.try_to_dtype(if wide { DType::F64 } else { DType::F32 })?;
    let outer = match xs.dtype() {
        DType::F64 => sum_outer::<f64>(&xs, &dims_w, keepdim, count as f64),
        _ => sum_outer::<f32>(&xs, &dims_w, keepdim, count as f64),
    };
    if let Some(s) = outer {
        return s.try_to_dtype(d);
    }
    let s = match xs.dtype() {
        DType::F64 => reduce_rows::<f64, f64, f64>(
            &xs,
            &dims_w,
            keepdim,
            sum_f64,
            |a, b| a + b,
            |a, n| a / n as f64,
        ),
        _ => reduce_rows::<f32, f64, f64>(
            &xs,
            &dims_w,
            keepdim,
            sum_f32_lanes,
            |a, b| a + b,
            |a, n| divide::<f32>(a, n as f64),
        ),
    };
    s.try_to_dtype(d)
}

pub fn prod(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let out_dtype = accum_dtype(x.dtype(), dtype);
    if x.is_gpu() {
        return crate::ops::gpu::reduce::prod(x, dims, keepdim, out_dtype);
    }
    let dims = reduce_dims(x, dims)?;
    let r = if out_dtype == DType::F64 {
        float_products::<f64>(&x.try_to_dtype(DType::F64)?, &dims, keepdim)
    } else if out_dtype.is_float() {
        // float32 products accumulate in float32, as PyTorch's: a running product that
        // overflows stays inf (and inf * 0 is NaN) rather than being rescued by a wider type.
        float_products::<f32>(&x.try_to_dtype(DType::F32)?, &dims, keepdim)
    } else {
        let y = x.try_to_dtype(DType::I64)?;
        reduce_rows::<i64, i64, i64>(
            &y,
            &dims,
            keepdim,
            |xs| xs.iter().fold(1i64, |a, &b| a.wrapping_mul(b)),
            |a, b| a.wrapping_mul(b),
            |a, _| a,
        )
    };
    r.try_to_dtype(out_dtype)
}

/// Products of the rows of `x` (of dtype `T`) over `dims`, accumulated in `T`.
fn float_products<T: Element + num_traits::Float>(
    x: &Tensor,
    dims: &[usize],
    keepdim: bool,
) -> Tensor {
    reduce_rows::<T, T, T>(
        x,
        dims,
        keepdim,
        |xs| xs.iter().fold(T::one(), |a, &b| a * b),
        |a, b| a * b,
        |a, _| a,
    )
}

/// PyTorch's `zero_numel_check_dims` for an empty input: a whole-tensor reduction is an error,
/// and so is reducing over a dim of size 0 (other dims may be reduced: the result is empty).
fn check_nonempty(x: &Tensor, raw: Option<&[i64]>, name: &str) -> Result<()> {
    if x.numel() != 0 {
        return Ok(());
    }
    let raw = raw.unwrap_or(&[]);
    if raw.is_empty() {
        return Err(Error::Runtime(format!(
            "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.",
            name
        )));
    }
    for &d in raw {
        if x.ndim() > 0 && x.shape()[wrap_dim(d, x.ndim())?] == 0 {
            return Err(Error::Index(format!(
                "{}(): Expected reduction dim {} to have non-zero size.",
                name, d
            )));
        }
    }
    Ok(())
}

/// `amax`/`amin` (NaN propagates, as in PyTorch).
pub fn amax(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, largest: bool) -> Result<Tensor> {
    check_nonempty(x, dims, if largest { "amax" } else { "amin" })?;
    if x.is_gpu() {
        return crate::ops::gpu::reduce::amax(x, dims, keepdim, largest);
    }
    let dims = reduce_dims(x, dims)?;
    let d = x.dtype();
    let r = if d.is_float() {
        let y = x.try_to_dtype(DType::F64)?;
        let pick = move |a: f64, b: f64| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else if (b > a) == largest {
                b
            } else {
                a
            }
        };
        let init = if largest {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        reduce_rows::<f64, f64, f64>(
            &y,
            &dims,
            keepdim,
            move |xs| xs.iter().fold(init, |a, &b| pick(a, b)),
            pick,
            |a, _| a,
        )
    } else {
        let y = x.try_to_dtype(DType::I64)?;
        let pick = move |a: i64, b: i64| if largest { a.max(b) } else { a.min(b) };
        let init = if largest { i64::MIN } else { i64::MAX };
        reduce_rows::<i64, i64, i64>(
            &y,
            &dims,
            keepdim,
            move |xs| xs.iter().fold(init, |a, &b| pick(a, b)),
            pick,
            |a, _| a,
        )
    };
    r.try_to_dtype(d)
}

pub fn all_any(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, any: bool) -> Result<Tensor> {
    if x.is_gpu() {
        return crate::ops::gpu::reduce::all_any(x, dims, keepdim, any);
    }
    let dims = reduce_dims(x, dims)?;
    let y = x.try_to_dtype(DType::Bool)?;
    let r = reduce_rows::<bool, bool, bool>(
        &y,
        &dims,
        keepdim,
        move |xs| {
            if any {
                xs.iter().any(|&v| v)
            } else {
                xs.iter().all(|&v| v)
            }
        },
        move |a, b| if any { a | b } else { a & b },
        |a, _| a,
    );
    // PyTorch keeps uint8 for uint8 inputs, bool otherwise.
    Ok(if x.dtype() == DType::U8 {
        r.try_to_dtype(DType::U8)?
    } else {
        r
    })
}

pub fn count_nonzero(x: &Tensor, dims: Option<&[i64]>) -> Result<Tensor> {
    if x.is_gpu() {
        return crate::ops::gpu::reduce::count_nonzero(x, dims);
    }
    let dims = reduce_dims(x, dims)?;
    let y = x.try_to_dtype(DType::Bool)?;
    Ok(reduce_rows::<bool, i64, i64>(
        &y,
        &dims,
        false,
        |xs| xs.iter().filter(|&&v| v).count() as i64,
        |a, b| a + b,
        |a, _| a,
    ))
}

/// `var`/`std` with Bessel-style `correction` (1 = unbiased).
pub fn var(
    x: &Tensor,
    dims: Option<&[i64]>,
    correction: f64,
    keepdim: bool,
    take_sqrt: bool,
) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return Err(Error::Runtime(
            "std and var only support floating point and complex dtypes".into(),
        ));
    }
    if x.is_gpu() {
        return crate::ops::gpu::reduce::var(x, dims, correction, keepdim, take_sqrt);
    }
    let dims_w = reduce_dims(x, dims)?;
    let n: usize = dims_w.iter().map(|&i| x.shape()[i]).product();
    let xd = x.try_to_dtype(DType::F64)?;
    let dl: Vec<i64> = dims_w.iter().map(|&d| d as i64).collect();
    let m = mean(&xd, Some(&dl), true, None)?;
    let diff = binary(BinaryOp::Sub, &Operand::Tensor(xd), &Operand::Tensor(m))?;
    let sq = binary(
        BinaryOp::Mul,
        &Operand::Tensor(diff.clone()),
        &Operand::Tensor(diff),
    )?;
    let s = sum(&sq, Some(&dl), keepdim, None)?;
    let denom = (n as f64 - correction).max(0.0);
    let v = binary(
        BinaryOp::Div,
        &Operand::Tensor(s),
        &Operand::Scalar(crate::dtype::Scalar::Float(denom)),
    )?;
    let v = if take_sqrt {
        unary(UnaryOp::Sqrt, &v)?
    } else {
        v
    };
    v.try_to_dtype(x.dtype())
}

/// Vector p-norm over `dims` (p = 2 by default; inf, -inf, 0 and any real p).
pub fn norm(x: &Tensor, p: f64, dims: Option<&[i64]>, keepdim: bool) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return Err(Error::Runtime(format!(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got {}",
            type_title(x.dtype())
        )));
    }
    if x.is_gpu() {
        return crate::ops::gpu::reduce::norm(x, p, dims, keepdim);
    }
    let x_is_f64 = x.dtype() == DType::F64;
    let dims = reduce_dims(x, dims)?;
    let y = x.try_to_dtype(DType::F64)?;
    // The sum of powers is rounded to float32 before the root for float32 (and half) inputs:
    // PyTorch's float32 accumulation overflows to inf for huge values.
    let narrow = move |a: f64| if x_is_f64 { a } else { a as f32 as f64 };
    let r = if p.is_infinite() {
        let largest = p > 0.0;
        let a = unary(UnaryOp::Abs, &y)?;
        let dl: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
        amax(&a, Some(&dl), keepdim, largest)?
    } else if p == 0.0 {
        reduce_rows::<f64, f64, f64>(
            &y,
            &dims,
            keepdim,
            |xs| xs.iter().filter(|v| **v != 0.0).count() as f64,
            |a, b| a + b,
            |a, _| a,
        )
    } else if p == 2.0 {
        reduce_rows::<f64, f64, f64>(
            &y,
            &dims,
            keepdim,
            |xs| xs.iter().map(|v| v * v).sum(),
            |a, b| a + b,
            move |a, _| narrow(a).sqrt(),
        )
    } else if p == 1.0 {
        reduce_rows::<f64, f64, f64>(
            &y,
            &dims,
            keepdim,
            |xs| xs.iter().map(|v| v.abs()).sum(),
            |a, b| a + b,
            |a, _| a,
        )
    } else {
        reduce_rows::<f64, f64, f64>(
            &y,
            &dims,
            keepdim,
            move |xs| xs.iter().map(|v| v.abs().powf(p)).sum(),
            |a, b| a + b,
            move |a, _| narrow(a).powf(1.0 / p),
        )
    };
    r.try_to_dtype(x.dtype())
}

pub fn logsumexp(x: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    let xf = if x.dtype().is_float() {
        x.clone()
    } else {
        x.try_to_dtype(crate::ops::default_float())?
    };
    if xf.is_gpu() {
        return crate::ops::gpu::reduce::logsumexp(&xf, dims, keepdim);
    }
    let dims_w = reduce_dims(&xf, Some(dims))?;
    let y = xf.try_to_dtype(DType::F64)?;
    let r = reduce_rows::<f64, (f64, f64), f64>(
        &y,
        &dims_w,
        keepdim,
        |xs| {
            let m = xs.iter().fold(f64::NEG_INFINITY, |a, &b| nan_max(a, b));
            if !m.is_finite() {
                return (m, 1.0);
            }
            (m, xs.iter().map(|v| (v - m).exp()).sum())
        },
        |(m1, s1), (m2, s2)| {
            let m = nan_max(m1, m2);
            if !m.is_finite() {
                return (m, 1.0);
            }
            (m, s1 * (m1 - m).exp() + s2 * (m2 - m).exp())
        },
        // A row with NaN is NaN; one with +-inf as its maximum is that infinity.
        |(m, s), _| if m.is_finite() { m + s.ln() } else { m },
    );
    r.try_to_dtype(xf.dtype())
}

/// `max` that propagates NaN (Rust's `f64::max` drops it).
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// Applies `f` to each 1-d row along `dim` (copied contiguous), producing rows of `out_len`
/// values and int64 indices, then moves the dim back.
pub fn along_dim<T: Element, O: Element>(
    x: &Tensor,
    dim: i64,
    out_len: usize,
    f: impl Fn(&[T], &mut [O], &mut [i64]) + Sync,
) -> Result<(Tensor, Tensor)> {
    let d = wrap_dim(dim, x.ndim())?;
    let xx = if x.ndim() == 0 {
        view::reshape(x, &[1])?
    } else {
        x.clone()
    };
    let moved = view::movedim(&xx, &[d as i64], &[-1])?.try_contiguous()?;
    let row_len = *moved.shape().last().unwrap_or(&1);
    let mut out_shape: Dims = moved.shape().into();
    *out_shape.last_mut().expect("ndim >= 1") = out_len;
    let vals = crate::tensor::try_zeros(&out_shape, O::DTYPE)?;
    let idx = crate::tensor::try_zeros(&out_shape, DType::I64)?;
    // The product of the other dims (numel / row_len, also when the rows are empty).
    let rows: usize = out_shape[..out_shape.len() - 1].iter().product();
    let (ps, pv, pi) = (
        moved.ptr::<T>() as usize,
        vals.ptr::<O>() as usize,
        idx.ptr::<i64>() as usize,
    );
    pool().install(|| {
        (0..rows)
            .into_par_iter()
            .with_min_len((GRAIN / row_len.max(1)).max(1))
            .for_each(|r| {
                // SAFETY: row r of each contiguous buffer.
                unsafe {
                    let src =
                        std::slice::from_raw_parts((ps as *const T).add(r * row_len), row_len);
                    let v =
                        std::slice::from_raw_parts_mut((pv as *mut O).add(r * out_len), out_len);
                    let i =
                        std::slice::from_raw_parts_mut((pi as *mut i64).add(r * out_len), out_len);
                    f(src, v, i);
                }
            })
    });
    let back = |t: Tensor| -> Result<Tensor> {
        let t = view::movedim(&t, &[-1], &[d as i64])?;
        if x.ndim() == 0 {
            view::reshape(&t, &[])
        } else {
            Ok(t)
        }
    };
    Ok((back(vals)?, back(idx)?))
}

/// Total order PyTorch sorts floats by: NaN counts as larger than everything.
#[inline]
fn key_lt(a: f64, b: f64) -> bool {
    if a.is_nan() {
        false
    } else if b.is_nan() {
        true
    } else {
        a < b
    }
}

/// Index of the first largest (or smallest) element of a non-empty row without NaN.
fn arg_extreme<T: PartialOrd + Copy>(row: &[T], largest: bool) -> usize {
    let mut best = 0usize;
    for (k, &val) in row.iter().enumerate() {
        if (largest && val > row[best]) || (!largest && val < row[best]) {
            best = k;
        }
    }
    best
}

/// `max(dim)`/`min(dim)`: values and the index of the first extreme (first NaN wins).
pub fn max_dim(x: &Tensor, dim: i64, keepdim: bool, largest: bool) -> Result<(Tensor, Tensor)> {
    let d = wrap_dim(dim, x.ndim())?;
    if x.ndim() > 0 && x.shape()[d] == 0 {
        return Err(Error::Index(format!(
            "{}(): Expected reduction dim {} to have non-zero size.",
            if largest { "max" } else { "min" },
            d
        )));
    }
    if x.is_gpu() {
        return crate::ops::gpu::reduce::max_dim(x, dim, keepdim, largest);
    }
    // Floats compare in float64 (exact for every float dtype, first NaN wins); integers and
    // bool in int64, so large int64 values keep their order.
    let dt = x.dtype();
    let (v, i) = if dt.is_float() {
        let y = x.try_to_dtype(DType::F64)?;
        let (v, i) = along_dim::<f64, f64>(&y, dim, 1, move |row, v, i| {
            let best = match row.iter().position(|x| x.is_nan()) {
                Some(k) => k,
                None => arg_extreme(row, largest),
            };
            v[0] = row[best];
            i[0] = best as i64;
        })?;
        (v.try_to_dtype(dt)?, i)
    } else {
        let y = x.try_to_dtype(DType::I64)?;
        let (v, i) = along_dim::<i64, i64>(&y, dim, 1, move |row, v, i| {
            let best = arg_extreme(row, largest);
            v[0] = row[best];
            i[0] = best as i64;
        })?;
        (v.try_to_dtype(dt)?, i)
    };
    let (v, i) = if keepdim {
        (v, i)
    } else {
        (
            view::squeeze(&v, Some(&[dim]))?,
            view::squeeze(&i, Some(&[dim]))?,
        )
    };
    Ok((v, i))
}

pub fn argmax(x: &Tensor, dim: Option<i64>, keepdim: bool, largest: bool) -> Result<Tensor> {
    if x.dtype() == DType::Bool {
        return Err(Error::Runtime(format!(
            "{}(): does not support bool input",
            if largest { "argmax" } else { "argmin" }
        )));
    }
    match dim {
        Some(d) => Ok(max_dim(x, d, keepdim, largest)?.1),
        None => {
            if x.numel() == 0 {
                return Err(Error::Runtime(format!(
                    "{}(): Expected reduction dim to be specified for input.numel() == 0.",
                    if largest { "argmax" } else { "argmin" }
                )));
            }
            let flat = view::reshape(x, &[-1])?;
            let i = max_dim(&flat, 0, false, largest)?.1;
            if keepdim {
                let ones: Vec<i64> = vec![1; x.ndim()];
                view::reshape(&i, &ones)
            } else {
                Ok(i)
            }
        }
    }
}

/// Sort along `dim`; stable, NaN last (first when descending), as PyTorch's stable sort.
pub fn sort(x: &Tensor, dim: i64, descending: bool) -> Result<(Tensor, Tensor)> {
    let len = if x.ndim() == 0 {
        1
    } else {
        x.shape()[wrap_dim(dim, x.ndim())?]
    };
    if x.is_gpu() {
        return crate::ops::gpu::reduce::sort(x, dim, descending);
    }
    let dt = x.dtype();
    // `less` is the ascending order of the element type: NaN last for floats; integers are
    // compared as they are (not through f64, which would tie large int64 values).
    macro_rules! go {
        ($T:ty, $less:expr) => {{
            let y = x.try_to_dtype(<$T as Element>::DTYPE)?;
            let less = $less;
            let (v, i) = along_dim::<$T, $T>(&y, dim, len, move |row, v, i| {
                let mut order: Vec<usize> = (0..row.len()).collect();
                order.sort_by(|&a, &b| {
                    let (fa, fb) = (row[a], row[b]);
                    let lt = if descending {
                        less(fb, fa)
                    } else {
                        less(fa, fb)
                    };
                    let gt = if descending {
                        less(fa, fb)
                    } else {
                        less(fb, fa)
                    };
                    if lt {
                        std::cmp::Ordering::Less
                    } else if gt {
                        std::cmp::Ordering::Greater
                    } else {
                        std::cmp::Ordering::Equal
                    }
                });
                for (k, &o) in order.iter().enumerate() {
                    v[k] = row[o];
                    i[k] = o as i64;
                }
            })?;
            (v.try_to_dtype(dt)?, i)
        }};
    }
    Ok(match dt {
        DType::F64 => go!(f64, key_lt),
        d if d.is_float() => go!(f32, |a: f32, b: f32| key_lt(a as f64, b as f64)),
        _ => go!(i64, |a: i64, b: i64| a < b),
    })
}

pub fn topk(x: &Tensor, k: i64, dim: i64, largest: bool) -> Result<(Tensor, Tensor)> {
    let d = wrap_dim(dim, x.ndim())?;
    let size = if x.ndim() == 0 { 1 } else { x.shape()[d] };
    if k < 0 || k as usize > size {
        return Err(Error::Runtime(format!(
            "selected index k out of range: k = {} but size along dim {} is {}",
            k, d, size
        )));
    }
    // PyTorch's CPU text; the GPU raises the CPU's errors.
    if x.dtype() == DType::Bool {
        return Err(Error::Runtime(
            "topk does not support bool dtypes on CPU".into(),
        ));
    }
    if x.ndim() == 0 {
        // ATen copies a one-element 0-d input for any allowed k (its result sizes are the
        // input's, with no dim to set to k).
        return sort(x, dim, largest);
    }
    if x.is_gpu() {
        return crate::ops::gpu::reduce::topk(x, k as usize, dim, largest);
    }
    let (v, i) = sort(x, dim, largest)?;
    Ok((view::narrow(&v, dim, 0, k)?, view::narrow(&i, dim, 0, k)?))
}

/// Lower median (no averaging), NaN propagates; along a dim it returns (values, indices).
pub fn median_dim(x: &Tensor, dim: i64, keepdim: bool) -> Result<(Tensor, Tensor)> {
    median_along(x, dim, keepdim, "median_out")
}

/// `median_dim`; `kernel` names PyTorch's kernel in the error for bool input (`median_cpu`
/// over everything, `median_out` along a dim).
pub fn median_along(x: &Tensor, dim: i64, keepdim: bool, kernel: &str) -> Result<(Tensor, Tensor)> {
    if x.dtype() == DType::Bool {
        return Err(crate::ops::elementwise::not_implemented_for(
            kernel,
            x.dtype(),
        ));
    }
    let d = wrap_dim(dim, x.ndim())?;
    if x.ndim() > 0 && x.shape()[d] == 0 {
        return Err(Error::Index(format!(
            "median(): Expected reduction dim {} to have non-zero size.",
            d
        )));
    }
    if x.is_gpu() {
        return crate::ops::gpu::reduce::median_dim(x, dim, keepdim);
    }
    let (sv, si) = sort(x, dim, false)?;
    let n = if x.ndim() == 0 { 1 } else { x.shape()[d] };
    // With NaNs present the median is NaN (the first NaN in sorted order).
    let svd = sv.try_to_dtype(DType::F64)?;
    let (pos, _) = along_dim::<f64, i64>(&svd, dim, 1, move |row, v, _| {
        let first_nan = row.iter().position(|x| x.is_nan());
        v[0] = first_nan.unwrap_or((n - 1) / 2) as i64;
    })?;
    let v = crate::ops::index::gather(&sv, dim, &pos)?;
    let i = crate::ops::index::gather(&si, dim, &pos)?;
    if keepdim || x.ndim() == 0 {
        Ok((v, i))
    } else {
        Ok((
            view::squeeze(&v, Some(&[dim]))?,
            view::squeeze(&i, Some(&[dim]))?,
        ))
    }
}

pub fn median(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::Bool {
        return Err(crate::ops::elementwise::not_implemented_for(
            "median_cpu",
            x.dtype(),
        ));
    }
    if x.numel() == 0 {
        let nan = Tensor::scalar_tensor(crate::dtype::Scalar::Float(f64::NAN), x.dtype());
        return if x.is_gpu() {
            gpu::upload(&nan)
        } else {
            Ok(nan)
        };
    }
    let flat = view::reshape(x, &[-1])?;
    let (v, _) = median_along(&flat, 0, false, "median_cpu")?;
    Ok(v)
}

/// `cumsum`/`cumprod` along `dim`; integers accumulate in int64.
pub fn cumulative(x: &Tensor, dim: i64, dtype: Option<DType>, product: bool) -> Result<Tensor> {
    let out_dtype = accum_dtype(x.dtype(), dtype);
    if x.is_gpu() {
        return crate::ops::gpu::reduce::cumulative(x, dim, product, out_dtype);
    }
    let len = if x.ndim() == 0 {
        1
    } else {
        x.shape()[wrap_dim(dim, x.ndim())?]
    };
    if out_dtype.is_float() {
        let y = x.try_to_dtype(DType::F64)?;
        let (v, _) = along_dim::<f64, f64>(&y, dim, len, move |row, v, _| {
            let mut acc = if product { 1.0 } else { 0.0 };
            for (k, &r) in row.iter().enumerate() {
                acc = if product { acc * r } else { acc + r };
                v[k] = acc;
            }
        })?;
        Ok(v.try_to_dtype(out_dtype)?)
    } else {
        let y = x.try_to_dtype(DType::I64)?;
        let (v, _) = along_dim::<i64, i64>(&y, dim, len, move |row, v, _| {
            let mut acc: i64 = if product { 1 } else { 0 };
            for (k, &r) in row.iter().enumerate() {
                acc = if product {
                    acc.wrapping_mul(r)
                } else {
                    acc.wrapping_add(r)
                };
                v[k] = acc;
            }
        })?;
        Ok(v.try_to_dtype(out_dtype)?)
    }
}

/// Whole-tensor `max()`/`min()` (error on empty input, as PyTorch).
pub fn max_all(x: &Tensor, largest: bool) -> Result<Tensor> {
    if x.numel() == 0 {
        return Err(Error::Runtime(format!(
            "{}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.",
            if largest { "max" } else { "min" }
        )));
    }
    amax(x, None, false, largest)
}

/// Scalar convenience used by `allclose`/`equal`.
pub fn all_true(x: &Tensor) -> Result<bool> {
    let r = all_any(x, None, false, false)?;
    Ok(matches!(
        scalar_of(r.try_to_vec::<bool>()?[0]),
        crate::dtype::Scalar::Bool(true)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sums over every subset of dims of a (3, 5, 1, 4) tensor and of a transposed view, via
    /// the outer-accumulation path and via reduce_rows (forced through `contiguous`), agree
    /// with a naive loop.
    #[test]
    fn sum_and_mean_over_any_dims_match_naive() {
        let shape = [3usize, 5, 1, 4];
        let data: Vec<f32> = (0..60).map(|i| (i as f32 * 0.37).sin()).collect();
        let base = Tensor::from_vec(data, &shape);
        let views = [base.clone(), view::permute(&base, &[3, 1, 2, 0]).unwrap()];
        for x in &views {
            let xs = x.to_vec::<f32>();
            let sh = x.shape().to_vec();
            for mask in 1u32..16 {
                let dims: Vec<i64> = (0..4).filter(|d| mask & (1 << d) != 0).collect();
                let mut want = vec![0f64; 60];
                let mut out_shape = vec![];
                for (d, &n) in sh.iter().enumerate() {
                    if !dims.contains(&(d as i64)) {
                        out_shape.push(n);
                    }
                }
                let mut idx = [0usize; 4];
                for (flat, &v) in xs.iter().enumerate() {
                    let mut r = flat;
                    for d in (0..4).rev() {
                        idx[d] = r % sh[d];
                        r /= sh[d];
                    }
                    let mut o = 0;
                    for d in 0..4 {
                        if !dims.contains(&(d as i64)) {
                            o = o * sh[d] + idx[d];
                        }
                    }
                    want[o] += v as f64;
                }
                let count: usize = dims.iter().map(|&d| sh[d as usize]).product();
                let got = sum(x, Some(&dims), false, None).unwrap();
                assert_eq!(got.shape(), &out_shape[..]);
                let got_mean = mean(x, Some(&dims), false, None).unwrap().to_vec::<f32>();
                for (i, g) in got.to_vec::<f32>().into_iter().enumerate() {
                    assert!(
                        (g as f64 - want[i]).abs() < 1e-5,
                        "dims {:?}: {} vs {}",
                        dims,
                        g,
                        want[i]
                    );
                    let m = want[i] / count as f64;
                    assert!(
                        (got_mean[i] as f64 - m).abs() < 1e-5,
                        "mean dims {:?}",
                        dims
                    );
                }
            }
        }
    }
}
