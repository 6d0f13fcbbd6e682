//! PyTorch's three FFT primitives (`_fft_c2c`, `_fft_r2c`, `_fft_c2r`), which every
//! `torch.fft` function is composed from (`python/rtensor/fft.py`: sizes `n`/`s`, padding and
//! trimming, `norm` modes and autograd live there).

use crate::backend::cpu::fft;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use num_complex::Complex;

/// PyTorch's `fft_norm_mode`: 0 none, 1 by 1/sqrt(n), 2 by 1/n (n: the signal's numel).
fn scale(norm: i64, n: usize) -> Result<f64> {
    Ok(match norm {
        0 => 1.0,
        1 => 1.0 / (n as f64).sqrt(),
        2 => 1.0 / n as f64,
        _ => {
            return Err(Error::Value(format!(
                "Invalid normalization mode: {}",
                norm
            )));
        }
    })
}

fn check(x: &Tensor, dims: &[usize], op: &str) -> Result<()> {
    if x.is_gpu() {
        return Err(Error::NotImplemented(format!(
            "\"{}\" is not implemented for the GPU device",
            op
        )));
    }
    for (i, &d) in dims.iter().enumerate() {
        if d >= x.ndim() || dims[..i].contains(&d) {
            return Err(Error::Runtime(format!(
                "{}: dims must be unique and in range, got {:?} for a {}-d tensor",
                op,
                dims,
                x.ndim()
            )));
        }
    }
    Ok(())
}

/// Runs `f` on the elements of a fresh contiguous complex tensor.
fn with_data(
    t: &Tensor,
    f32_fn: impl FnOnce(&mut [Complex<f32>]),
    f64_fn: impl FnOnce(&mut [Complex<f64>]),
) {
    let n = t.numel();
    match t.dtype() {
        // SAFETY: `t` is contiguous, owned by the caller and holds n complex elements.
        DType::C64 => {
            f32_fn(unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut Complex<f32>, n) })
        }
        // SAFETY: as above.
        DType::C128 => {
            f64_fn(unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut Complex<f64>, n) })
        }
        d => unreachable!("with_data takes complex tensors, got {:?}", d),
    }
}

/// Transforms `t` (fresh, contiguous, complex) along each of `dims`, then scales it.
fn transform(t: &Tensor, dims: &[usize], forward: bool, factor: f64) {
    let shape = t.shape().to_vec();
    with_data(
        t,
        |d| {
            for &dim in dims {
                fft::c2c(d, &shape, dim, forward);
            }
            if factor != 1.0 {
                d.iter_mut().for_each(|v| *v *= factor as f32);
            }
        },
        |d| {
            for &dim in dims {
                fft::c2c(d, &shape, dim, forward);
            }
            if factor != 1.0 {
                d.iter_mut().for_each(|v| *v *= factor);
            }
        },
    );
}

fn signal_numel(shape: &[usize], dims: &[usize]) -> usize {
    dims.iter().map(|&d| shape[d]).product()
}

/// `_fft_c2c`: the complex transform of a complex tensor over `dims`.
pub fn c2c(x: &Tensor, dims: &[usize], norm: i64, forward: bool) -> Result<Tensor> {
    check(x, dims, "fft_c2c")?;
    if !x.dtype().is_complex() {
        return Err(Error::Runtime(format!(
            "_fft_c2c expects a complex input tensor, but got {}",
            x.dtype().name()
        )));
    }
    let factor = scale(norm, signal_numel(x.shape(), dims))?;
    // A fresh contiguous copy (to_dtype_copy always allocates).
    let out = x.try_to_dtype_copy(x.dtype())?;
    transform(&out, dims, forward, factor);
    Ok(out)
}

/// `_fft_r2c`: the forward transform of a real (float32/float64) tensor over `dims`; with
/// `onesided`, only the first n/2+1 outputs of the last dim (the rest is their conjugate).
pub fn r2c(x: &Tensor, dims: &[usize], norm: i64, onesided: bool) -> Result<Tensor> {
    check(x, dims, "fft_r2c")?;
    if !matches!(x.dtype(), DType::F32 | DType::F64) {
        return Err(Error::Runtime(format!(
            "_fft_r2c expects a real floating point input tensor, but got {}",
            x.dtype().name()
        )));
    }
    let factor = scale(norm, signal_numel(x.shape(), dims))?;
    let full = x.try_to_dtype_copy(x.dtype().to_complex())?;
    transform(&full, dims, true, factor);
    let Some(&last) = dims.last() else {
        return Ok(full);
    };
    if !onesided {
        return Ok(full);
    }
    let half = full.shape()[last] / 2 + 1;
    crate::ops::view::narrow(&full, last as i64, 0, half as i64)?.try_contiguous()
}

/// `_fft_c2r`: the inverse transform of a Hermitian signal given by its first
/// `last_dim_size/2 + 1` values along the last of `dims`; a real result of `last_dim_size`
/// there. Imaginary parts that a real signal cannot have (at 0 and n/2) are ignored.
pub fn c2r(x: &Tensor, dims: &[usize], norm: i64, last_dim_size: usize) -> Result<Tensor> {
    check(x, dims, "fft_c2r")?;
    if !x.dtype().is_complex() {
        return Err(Error::Runtime(format!(
            "_fft_c2r expects a complex input tensor, but got {}",
            x.dtype().name()
        )));
    }
    let Some((&last, rest)) = dims.split_last() else {
        return Err(Error::Runtime("_fft_c2r needs at least one dim".into()));
    };
    let n = last_dim_size;
    let h = n / 2 + 1;
    if n == 0 || x.shape()[last] < h {
        return Err(Error::Runtime(format!(
            "Invalid number of data points ({}) specified",
            n
        )));
    }
    let mut out_shape = x.shape().to_vec();
    out_shape[last] = n;
    let factor = scale(norm, signal_numel(&out_shape, dims))?;
    // The other dims first (a complex inverse), then the Hermitian extension of each line.
    let head = crate::ops::view::narrow(x, last as i64, 0, h as i64)?;
    let y = head.try_to_dtype_copy(x.dtype())?;
    transform(&y, rest, false, 1.0);
    let full = crate::tensor::try_zeros(&out_shape, x.dtype())?;
    let inner: usize = out_shape[last + 1..].iter().product();
    let outer: usize = out_shape[..last].iter().product();
    with_data(
        &full,
        |f| extend(f, &y, outer, inner, n, h),
        |f| extend(f, &y, outer, inner, n, h),
    );
    transform(&full, &[last], false, factor);
    full.complex_part(0).try_contiguous()
}

/// Writes the Hermitian extension of `y` (last-dim length h) into `f` (length n there).
fn extend<T: num_traits::Float + Copy>(
    f: &mut [Complex<T>],
    y: &Tensor,
    outer: usize,
    inner: usize,
    n: usize,
    h: usize,
) {
    // SAFETY: `y` is a fresh contiguous complex tensor of this element type.
    let src =
        unsafe { std::slice::from_raw_parts(y.data_ptr() as *const Complex<T>, outer * h * inner) };
    for o in 0..outer {
        for k in 0..n {
            for i in 0..inner {
                let v = if k < h {
                    src[(o * h + k) * inner + i]
                } else {
                    src[(o * h + (n - k)) * inner + i].conj()
                };
                f[(o * n + k) * inner + i] = v;
            }
        }
    }
}
