//! Factory functions whose values follow a formula: arange, linspace, logspace, eye, full.

use crate::dispatch;
use crate::dtype::{DType, Element, Scalar};
use crate::error::{Error, Result};
use crate::tensor::{Tensor, fill};

pub fn full(shape: &[usize], value: Scalar, dtype: DType) -> Tensor {
    let t = Tensor::zeros(shape, dtype);
    if value.to_f64() != 0.0 || matches!(value, Scalar::Float(f) if f.is_nan()) {
        fill(&t, value);
    }
    t
}

/// `arange(start, end, step)`: length `ceil((end - start) / step)` computed in double, as
/// PyTorch does; values `start + i * step` in the output dtype's arithmetic.
pub fn arange(start: Scalar, end: Scalar, step: Scalar, dtype: DType) -> Result<Tensor> {
    let (s, e, st) = (start.to_f64(), end.to_f64(), step.to_f64());
    if st == 0.0 {
        return Err(Error::Runtime("step must be nonzero".into()));
    }
    if !s.is_finite() || !e.is_finite() {
        return Err(Error::Runtime(format!("unsupported range: {} -> {}", s, e)));
    }
    if (st > 0.0 && e < s) || (st < 0.0 && e > s) {
        return Err(Error::Runtime(
            "upper bound and larger bound inconsistent with step sign".into(),
        ));
    }
    let len = if dtype.is_float() || matches!(start, Scalar::Float(_)) || matches!(end, Scalar::Float(_)) || matches!(step, Scalar::Float(_)) {
        ((e - s) / st).ceil()
    } else {
        let (si, ei, sti) = (start.to_i64(), end.to_i64(), step.to_i64());
        let d = ei - si;
        ((d + sti - sti.signum()) / sti) as f64
    };
    if len < 0.0 || len > (1u64 << 48) as f64 {
        return Err(Error::Runtime(format!(
            "invalid size, possible overflow?"
        )));
    }
    let n = len as usize;
    Ok(dispatch!(dtype, T => {
        let v: Vec<T> = if dtype.is_float() {
            (0..n).map(|i| T::from_f64(s + i as f64 * st)).collect()
        } else {
            let (si, sti) = (start.to_i64(), step.to_i64());
            (0..n).map(|i| T::from_i64(si + i as i64 * sti)).collect()
        };
        Tensor::from_vec(v, &[n])
    }))
}

/// `linspace`: PyTorch fills the first half forward from `start` and the second half
/// backward from `end`, which makes the endpoints exact.
pub fn linspace(start: f64, end: f64, steps: i64, dtype: DType) -> Result<Tensor> {
    if steps < 0 {
        return Err(Error::Runtime("number of steps must be non-negative".into()));
    }
    let n = steps as usize;
    let vals: Vec<f64> = if n == 1 {
        vec![start]
    } else {
        let step = (end - start) / (n as f64 - 1.0);
        let half = n / 2;
        (0..n)
            .map(|i| {
                if i < half {
                    start + step * i as f64
                } else {
                    end - step * (n - 1 - i) as f64
                }
            })
            .collect()
    };
    Ok(from_f64s(&vals, dtype, start, end, n))
}

fn from_f64s(vals: &[f64], dtype: DType, start: f64, end: f64, n: usize) -> Tensor {
    dispatch!(dtype, T => {
        let v: Vec<T> = if dtype == DType::F32 {
            // float32 linspace computes the step in float32.
            let (s, e) = (start as f32, end as f32);
            let step = if n > 1 { (e - s) / (n as f32 - 1.0) } else { 0.0 };
            let half = n / 2;
            (0..n).map(|i| T::from_f64(if n == 1 { s } else if i < half { s + step * i as f32 } else { e - step * (n - 1 - i) as f32 } as f64)).collect()
        } else {
            vals.iter().map(|&x| T::from_f64(if dtype.is_float() { x } else { x.trunc() })).collect()
        };
        Tensor::from_vec(v, &[n])
    })
}

pub fn logspace(start: f64, end: f64, steps: i64, base: f64, dtype: DType) -> Result<Tensor> {
    let lin = linspace(start, end, steps, DType::F64)?;
    let v: Vec<f64> = lin.to_vec::<f64>().iter().map(|&x| base.powf(x)).collect();
    let n = v.len();
    Ok(dispatch!(dtype, T => Tensor::from_vec(v.iter().map(|&x| T::from_f64(x)).collect::<Vec<T>>(), &[n])))
}

pub fn eye(n: usize, m: usize, dtype: DType) -> Tensor {
    dispatch!(dtype, T => {
        let mut v = vec![T::from_i64(0); n * m];
        for i in 0..n.min(m) {
            v[i * m + i] = T::from_i64(1);
        }
        Tensor::from_vec(v, &[n, m])
    })
}
