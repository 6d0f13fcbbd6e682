//! Batched general eigendecomposition for `torch.linalg.eig` / `eigvals` (CPU): real
//! float32/float64 or complex64/complex128 `(*, n, n)` input, complex eigenvalues `(*, n)` and
//! eigenvectors `(*, n, n)`, through the one-matrix kernels of `backend/cpu/lapack_eig.rs`
//! (faer, with LAPACK geev's balancing and normalization). Gradients are the Python layer's
//! (`python/rtensor/_linalg_eig.py`).

use crate::backend::cpu::lapack_eig;
use crate::backend::cpu::threads::{pool, run_tasks};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::shape::Layout;
use crate::storage::Storage;
use crate::tensor::Tensor;
use faer::Par;
use num_complex::Complex;
use std::sync::Mutex;

/// A contiguous complex tensor of `shape` holding `data`.
fn complex_tensor<T: Copy>(data: &[Complex<T>], shape: &[usize], dtype: DType) -> Tensor {
    Tensor::from_parts(Storage::from_slice(data), Layout::contiguous(shape), dtype)
}

/// The elements of a contiguous tensor as `E` (none for an empty one).
fn elems<E: Copy>(t: &Tensor) -> &[E] {
    let n = t.numel();
    if n == 0 {
        return &[];
    }
    // SAFETY: `t` is contiguous and holds `n` elements of `E` (checked by the caller's
    // dtype dispatch); the slice lives as long as the borrow of `t`.
    unsafe { std::slice::from_raw_parts(t.data_ptr() as *const E, n) }
}

/// Batch items' work (`n^3` summed) below which one thread runs the whole batch.
const PAR_MIN: usize = 1 << 15;
/// Order from which one matrix runs on faer's threads.
const PAR_N: usize = 192;

/// The kernel's outputs for batch items `lo..hi`: eigenvalues, eigenvectors, info.
type Band<R> = (Vec<Complex<R>>, Vec<Complex<R>>, Vec<i32>);

fn run<T: lapack_eig::Elem, R>(
    a: &Tensor,
    batch: usize,
    n: usize,
    compute_v: bool,
    out: DType,
    kernel: impl Fn(&[T], usize, &mut [Complex<R>], Option<&mut [Complex<R>]>, Par) -> i32 + Sync,
) -> Result<(Tensor, Tensor, Vec<i32>)>
where
    R: Copy + Default + Send + Sync,
{
    let src = elems::<T>(a);
    let zero = Complex::new(R::default(), R::default());
    let vn = if compute_v { n * n } else { 0 };
    // Several batch items: bands of items over the pool, each matrix on one thread. One
    // matrix: faer's own parallelism.
    let threads = pool().current_num_threads();
    let work = batch.saturating_mul(n.saturating_mul(n).saturating_mul(n));
    let bands = if batch > 1 && threads > 1 && work >= PAR_MIN {
        threads.min(batch)
    } else {
        1
    };
    // faer's threads pay off only for large matrices
    let par = if batch == 1 && n >= PAR_N {
        faer::get_global_parallelism()
    } else {
        Par::Seq
    };
    let run_band = |lo: usize, hi: usize| -> Band<R> {
        let m = hi - lo;
        let (mut w, mut v, mut info) = (vec![zero; m * n], vec![zero; m * vn], vec![0i32; m]);
        for (k, code) in info.iter_mut().enumerate() {
            let i = lo + k;
            let ai = &src[i * n * n..(i + 1) * n * n];
            let wi = &mut w[k * n..(k + 1) * n];
            let vi = if compute_v {
                Some(&mut v[k * vn..(k + 1) * vn])
            } else {
                None
            };
            *code = kernel(ai, n, wi, vi, par);
        }
        (w, v, info)
    };
    let (w, v, info) = if bands == 1 {
        run_band(0, batch)
    } else {
        let parts: Vec<Mutex<Option<Band<R>>>> = (0..bands).map(|_| Mutex::new(None)).collect();
        run_tasks(bands, bands - 1, &|b| {
            let r = run_band(batch * b / bands, batch * (b + 1) / bands);
            if let Ok(mut slot) = parts[b].lock() {
                *slot = Some(r);
            }
        });
        let (mut w, mut v, mut info) = (Vec::new(), Vec::new(), Vec::new());
        for p in parts {
            let Some((pw, pv, pi)) = p.into_inner().ok().flatten() else {
                return Err(Error::Runtime(
                    "linalg.eig: a worker thread did not finish its batch items".into(),
                ));
            };
            w.extend(pw);
            v.extend(pv);
            info.extend(pi);
        }
        (w, v, info)
    };
    let shape = a.shape();
    // (*, n, n) -> (*, n)
    let ws = &shape[..shape.len() - 1];
    let wt = complex_tensor(&w, ws, out);
    let vt = if compute_v {
        complex_tensor(&v, shape, out)
    } else {
        complex_tensor(&v, &[0], out)
    };
    Ok((wt, vt, info))
}

/// `(eigenvalues (*, n), eigenvectors (*, n, n) (empty without compute_v), info (*))` of the
/// square matrices of `a`; `op` names the caller in errors. Non-finite input raises
/// PyTorch's error.
pub fn eig(a: &Tensor, compute_v: bool, op: &str) -> Result<(Tensor, Tensor, Tensor)> {
    if a.is_gpu() {
        return Err(Error::NotImplemented(format!(
            "\"{op}\" is not implemented for the GPU device"
        )));
    }
    let dt = a.dtype();
    if !matches!(dt, DType::F32 | DType::F64 | DType::C64 | DType::C128) {
        return Err(Error::Type(format!(
            "{op}: expected a float32, float64, complex64 or complex128 tensor, got {dt:?}"
        )));
    }
    let nd = a.ndim();
    if nd < 2 {
        return Err(Error::Runtime(format!(
            "{op}: The input tensor A must have at least 2 dimensions."
        )));
    }
    let s = a.shape();
    let (m, n) = (s[nd - 2], s[nd - 1]);
    if m != n {
        return Err(Error::Runtime(format!(
            "{op}: A must be batches of square matrices, but they are {m} by {n} matrices"
        )));
    }
    let batch: usize = s[..nd - 2].iter().product();
    let a = a.try_contiguous()?;
    let finite = match dt {
        DType::F32 => elems::<f32>(&a).iter().all(|x| x.is_finite()),
        DType::F64 => elems::<f64>(&a).iter().all(|x| x.is_finite()),
        DType::C64 => elems::<f32>(&a.real_view().try_contiguous()?)
            .iter()
            .all(|x| x.is_finite()),
        _ => elems::<f64>(&a.real_view().try_contiguous()?)
            .iter()
            .all(|x| x.is_finite()),
    };
    if !finite {
        return Err(Error::Runtime(
            "torch.linalg.eig: input tensor should not contain infs or NaNs.".into(),
        ));
    }
    let out = dt.to_complex();
    let (w, v, info) = match dt {
        DType::F32 => run::<f32, f32>(&a, batch, n, compute_v, out, lapack_eig::eig_real),
        DType::F64 => run::<f64, f64>(&a, batch, n, compute_v, out, lapack_eig::eig_real),
        DType::C64 => run::<Complex<f32>, f32>(&a, batch, n, compute_v, out, |x, n, w, v, p| {
            lapack_eig::eig_complex(x, n, w, v, p)
        }),
        _ => run::<Complex<f64>, f64>(&a, batch, n, compute_v, out, |x, n, w, v, p| {
            lapack_eig::eig_complex(x, n, w, v, p)
        }),
    }?;
    Ok((w, v, Tensor::from_vec(info, &s[..nd - 2])))
}
