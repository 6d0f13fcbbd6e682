//! Discrete Fourier transforms of contiguous complex buffers along one dim, on `rustfft`
//! (its AVX kernels where the CPU has them, chosen at run time by its planner).
//!
//! A transform along the last dim runs on consecutive rows in place; along another dim each
//! line is gathered into a contiguous scratch line, transformed and scattered back. Lines are
//! split over the pool in bands when the work is large.

use crate::backend::cpu::threads::{pool, run_tasks};
use num_complex::Complex;
use rustfft::{Fft, FftNum, FftPlanner};
use std::sync::{Arc, Mutex, OnceLock};

/// Work (elements times log2 of the length) below which one thread does the transform.
const PAR_MIN: usize = 1 << 16;

/// One planner per element type for the process: rustfft's planner caches the plans it has
/// made (and their twiddle tables), which for 2^20 points cost more than the transform.
pub trait Planned: FftNum {
    fn planner() -> &'static Mutex<FftPlanner<Self>>;
}

impl Planned for f32 {
    fn planner() -> &'static Mutex<FftPlanner<f32>> {
        static P: OnceLock<Mutex<FftPlanner<f32>>> = OnceLock::new();
        P.get_or_init(|| Mutex::new(FftPlanner::new()))
    }
}

impl Planned for f64 {
    fn planner() -> &'static Mutex<FftPlanner<f64>> {
        static P: OnceLock<Mutex<FftPlanner<f64>>> = OnceLock::new();
        P.get_or_init(|| Mutex::new(FftPlanner::new()))
    }
}

fn plan<T: Planned>(n: usize, forward: bool) -> Arc<dyn Fft<T>> {
    let mut p = T::planner().lock().unwrap_or_else(|e| e.into_inner());
    if forward {
        p.plan_fft_forward(n)
    } else {
        p.plan_fft_inverse(n)
    }
}

/// Unnormalised DFT of `data` (row-major `shape`) along `dim`: forward `e^{-2 pi i jk/n}`,
/// inverse `e^{+2 pi i jk/n}`.
pub fn c2c<T: Planned>(data: &mut [Complex<T>], shape: &[usize], dim: usize, forward: bool) {
    let n = shape[dim];
    let total: usize = shape.iter().product();
    if n <= 1 || total == 0 {
        return;
    }
    let inner: usize = shape[dim + 1..].iter().product();
    let outer = total / (n * inner);
    let fft = plan::<T>(n, forward);
    // Strided lines are transformed a tile at a time: TILE neighbouring lines are copied into
    // a contiguous (TILE, n) buffer, reading TILE consecutive elements per step instead of one
    // element per cache line, then transformed with one call and copied back.
    const TILE: usize = 16;
    let tiles_per_outer = if inner == 1 { 1 } else { inner.div_ceil(TILE) };
    let units = if inner == 1 {
        outer
    } else {
        outer * tiles_per_outer
    };
    let work = total.saturating_mul(usize::BITS as usize - n.leading_zeros() as usize);
    let threads = pool().current_num_threads();
    let bands = if threads > 1 && work >= PAR_MIN && units > 1 {
        threads.min(units)
    } else {
        1
    };
    let base = data.as_mut_ptr() as usize;
    let run_band = |b: usize| {
        let (lo, hi) = (units * b / bands, units * (b + 1) / bands);
        let mut scratch =
            vec![Complex::<T>::new(T::zero(), T::zero()); fft.get_inplace_scratch_len()];
        let p = base as *mut Complex<T>;
        if inner == 1 {
            // SAFETY: rows lo..hi are disjoint between bands and inside `data`.
            let rows = unsafe { std::slice::from_raw_parts_mut(p.add(lo * n), (hi - lo) * n) };
            fft.process_with_scratch(rows, &mut scratch);
            return;
        }
        let mut buf = vec![Complex::<T>::new(T::zero(), T::zero()); TILE * n];
        for u in lo..hi {
            let (o, t) = (u / tiles_per_outer, u % tiles_per_outer);
            let i0 = t * TILE;
            let w = TILE.min(inner - i0);
            let start = o * n * inner + i0;
            for k in 0..n {
                for j in 0..w {
                    // SAFETY: start + k * inner + j < total; each tile belongs to one band.
                    buf[j * n + k] = unsafe { *p.add(start + k * inner + j) };
                }
            }
            fft.process_with_scratch(&mut buf[..w * n], &mut scratch);
            for k in 0..n {
                for j in 0..w {
                    // SAFETY: as above.
                    unsafe { *p.add(start + k * inner + j) = buf[j * n + k] };
                }
            }
        }
    };
    if bands == 1 {
        run_band(0);
    } else {
        run_tasks(bands, bands - 1, &run_band);
    }
}
