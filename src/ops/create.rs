//! Factory functions whose values follow a formula: arange, linspace, logspace, eye, full.
//! Each allocates through `try_zeros`, so an impossible size is PyTorch's RuntimeError rather
//! than an aborted process, and computes its values in the precision PyTorch's CPU kernels use.

use crate::dispatch;
use crate::dtype::{DType, Element, Scalar};
use crate::error::{Error, Result};
use crate::tensor::{Tensor, fill};
use half::{bf16, f16};

pub use crate::tensor::try_zeros;

pub fn full(shape: &[usize], value: Scalar, dtype: DType) -> Tensor {
    let t = Tensor::zeros(shape, dtype);
    if value.to_f64() != 0.0 || matches!(value, Scalar::Float(f) if f.is_nan()) {
        fill(&t, value);
    }
    t
}

/// `full` for sizes that come from the user: fails cleanly instead of aborting.
pub fn try_full(shape: &[usize], value: Scalar, dtype: DType) -> Result<Tensor> {
    let t = try_zeros(shape, dtype)?;
    if value.to_f64() != 0.0 || matches!(value, Scalar::Float(f) if f.is_nan()) {
        fill(&t, value);
    }
    Ok(t)
}

/// The elements of a fresh contiguous 1-d tensor, to be written by a factory.
///
/// # Safety
/// `t` must have just been allocated by the caller (contiguous, seen by nothing else), so the
/// returned slice is the only access to its storage while it lives.
#[allow(clippy::mut_from_ref)] // the tensor's storage is written through its raw pointer
unsafe fn values_mut<T: Element>(t: &Tensor) -> &mut [T] {
    debug_assert!(t.is_contiguous() && t.ndim() == 1);
    unsafe { std::slice::from_raw_parts_mut(t.ptr::<T>(), t.numel()) }
}

/// `arange(start, end, step)`. Length: `ceil((end - start) / step)` in double, or PyTorch's
/// integer formula for int64 output. Values: `start + i * step` in the dtype's accumulate type
/// (double for float/double, float for the half types, int64 for integers).
pub fn arange(start: Scalar, end: Scalar, step: Scalar, dtype: DType) -> Result<Tensor> {
    let (s, e, st) = (start.to_f64(), end.to_f64(), step.to_f64());
    let int_out = !dtype.is_float();
    let (si, ei, sti) = (start.to_i64(), end.to_i64(), step.to_i64());
    if st == 0.0 || (dtype == DType::I64 && sti == 0) {
        return Err(Error::Runtime("step must be nonzero".into()));
    }
    if !s.is_finite() || !e.is_finite() {
        return Err(Error::Runtime(format!(
            "unsupported range: {} -> {}",
            fmt_num(s),
            fmt_num(e)
        )));
    }
    if (st > 0.0 && e < s) || (st < 0.0 && e > s) {
        return Err(Error::Runtime(
            "upper bound and larger bound inconsistent with step sign".into(),
        ));
    }
    let len = if dtype == DType::I64 {
        let sgn = sti.signum();
        let d = (ei as i128) - (si as i128) + (sti as i128) - (sgn as i128);
        (d / sti as i128) as f64
    } else {
        ((e - s) / st).ceil()
    };
    if !(0.0..=i64::MAX as f64).contains(&len) {
        return Err(Error::Runtime("invalid size, possible overflow?".into()));
    }
    let n = len as usize;
    let out = try_zeros(&[n], dtype)?;
    match dtype {
        DType::F16 => fill_arange::<f16>(&out, |i| f16::from_f32(s as f32 + st as f32 * i as f32)),
        DType::BF16 => {
            fill_arange::<bf16>(&out, |i| bf16::from_f32(s as f32 + st as f32 * i as f32))
        }
        _ if int_out => dispatch!(dtype, T => fill_arange::<T>(&out, |i| {
            T::from_i64(si.wrapping_add((i as i64).wrapping_mul(sti)))
        })),
        _ => dispatch!(dtype, T => fill_arange::<T>(&out, |i| T::from_f64(s + st * i as f64))),
    }
    Ok(out)
}

fn fill_arange<T: Element>(out: &Tensor, f: impl Fn(usize) -> T) {
    // SAFETY: `arange` passes the tensor it has just allocated.
    for (i, v) in unsafe { values_mut::<T>(out) }.iter_mut().enumerate() {
        *v = f(i);
    }
}

/// Python-style number in messages (`inf`, `nan`, `0`, `2.5`).
fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{}", v)
    }
}

/// Rounds a float32 through a half type (c10's `Half` arithmetic rounds after every op).
fn rh<H: Element>(x: f32) -> f32 {
    H::from_f64(x as f64).to_f64() as f32
}

/// `linspace` values as PyTorch's CPU kernel computes them: the first half forward from
/// `start`, the second half backward from `end` (so both endpoints are exact), with `start`,
/// `end` and `step` in the output type (double steps for integer outputs).
fn linspace_values(start: f64, end: f64, n: usize, dtype: DType) -> Vec<f64> {
    let half = n / 2;
    let last = (n - 1) as f64;
    match dtype {
        DType::F64 => {
            let step = (end - start) / last;
            (0..n)
                .map(|i| {
                    if i < half {
                        start + step * i as f64
                    } else {
                        end - step * (n - 1 - i) as f64
                    }
                })
                .collect()
        }
        DType::F32 => {
            let (s, e) = (start as f32, end as f32);
            let step = (e - s) / last as f32;
            (0..n)
                .map(|i| {
                    (if i < half {
                        s + step * i as f32
                    } else {
                        e - step * (n - 1 - i) as f32
                    }) as f64
                })
                .collect()
        }
        DType::F16 => half_linspace::<f16>(start, end, n),
        DType::BF16 => half_linspace::<bf16>(start, end, n),
        _ => {
            // Integer outputs: start and end are cast to the integer type first.
            let (s, e) = dispatch!(dtype, T => (T::from_f64(start).to_f64(), T::from_f64(end).to_f64()),
                    complex => (start, end));
            let step = (e - s) / last;
            (0..n)
                .map(|i| {
                    if i < half {
                        s + step * i as f64
                    } else {
                        e - step * (n - 1 - i) as f64
                    }
                })
                .collect()
        }
    }
}

fn half_linspace<H: Element>(start: f64, end: f64, n: usize) -> Vec<f64> {
    let half = n / 2;
    let (s, e) = (rh::<H>(start as f32), rh::<H>(end as f32));
    let step = rh::<H>(rh::<H>(e - s) / rh::<H>((n - 1) as f32));
    (0..n)
        .map(|i| {
            let v = if i < half {
                rh::<H>(s + rh::<H>(step * rh::<H>(i as f32)))
            } else {
                rh::<H>(e - rh::<H>(step * rh::<H>((n - 1 - i) as f32)))
            };
            v as f64
        })
        .collect()
}

fn from_values(vals: &[f64], dtype: DType) -> Result<Tensor> {
    let out = try_zeros(&[vals.len()], dtype)?;
    dispatch!(dtype, T => {
        // SAFETY: `out` was allocated above for this fill.
        for (o, &v) in unsafe { values_mut::<T>(&out) }.iter_mut().zip(vals) {
            *o = T::from_f64(v);
        }
    });
    Ok(out)
}

fn check_steps(steps: i64) -> Result<usize> {
    if steps < 0 {
        return Err(Error::Runtime(
            "number of steps must be non-negative".into(),
        ));
    }
    // Allocate first: an impossible size is the allocator's error, not a huge Vec.
    try_zeros(&[steps as usize], DType::F64)?;
    Ok(steps as usize)
}

pub fn linspace(start: f64, end: f64, steps: i64, dtype: DType) -> Result<Tensor> {
    let n = check_steps(steps)?;
    if n <= 1 {
        let t = try_zeros(&[n], dtype)?;
        fill(&t, Scalar::Float(start));
        return Ok(t);
    }
    from_values(&linspace_values(start, end, n, dtype), dtype)
}

/// `logspace`: `base ** linspace(...)`, with the power taken in the output type as PyTorch does
/// (float32 `powf` for float32, an integer base for integer outputs).
pub fn logspace(start: f64, end: f64, steps: i64, base: f64, dtype: DType) -> Result<Tensor> {
    let n = check_steps(steps)?;
    if n <= 1 {
        let t = try_zeros(&[n], dtype)?;
        fill(&t, Scalar::Float(base.powf(start)));
        return Ok(t);
    }
    let lin = linspace_values(start, end, n, dtype);
    let vals: Vec<f64> = match dtype {
        DType::F64 => lin.iter().map(|&x| base.powf(x)).collect(),
        DType::F32 | DType::F16 | DType::BF16 => {
            let b = if dtype == DType::F32 {
                base as f32
            } else {
                dispatch!(dtype, T => T::from_f64(base).to_f64() as f32)
            };
            lin.iter().map(|&x| b.powf(x as f32) as f64).collect()
        }
        _ => {
            let b = dispatch!(dtype, T => T::from_f64(base).to_f64());
            lin.iter().map(|&x| b.powf(x)).collect()
        }
    };
    from_values(&vals, dtype)
}

pub fn eye(n: usize, m: usize, dtype: DType) -> Result<Tensor> {
    let t = try_zeros(&[n, m], dtype)?;
    dispatch!(dtype, T => {
        let p = t.ptr::<T>();
        for i in 0..n.min(m) {
            // SAFETY: i * m + i < n * m, inside the fresh contiguous buffer.
            unsafe { *p.add(i * m + i) = T::from_i64(1) };
        }
    });
    Ok(t)
}
