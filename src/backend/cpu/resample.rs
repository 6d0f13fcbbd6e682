//! Resampling one dim by a tap table (`spec::resample`): a contiguous input viewed as
//! `(outer, n_in, inner)` becomes `(outer, n_out, inner)` with
//! `out[p, j, :] = sum_k w[k] * x[p, idx[k], :]` over row `j` of the table, summed in table
//! order (the first product starts the sum, as ATen's separable kernels do). The adjoint runs
//! the same kernel on the transposed table, so every output element is written by one thread
//! and nothing needs atomics. Work is split over rows `(p, j)` when a row is long enough to
//! vectorise (`inner` elements), else over planes `p`.

use crate::backend::cpu::iter::GRAIN;
use crate::backend::cpu::threads::pool;
use crate::spec::resample::Taps;
use rayon::prelude::*;
use std::ops::{Add, Mul};

/// Rows shorter than this are handled a plane at a time.
const ROW_MIN: usize = 32;

/// The arithmetic the weighted kernel needs (float32 and float64).
pub trait TapFloat: Copy + Send + Sync + Default + Add<Output = Self> + Mul<Output = Self> {}
impl TapFloat for f32 {}
impl TapFloat for f64 {}

fn units(n: usize) -> usize {
    (GRAIN / n.max(1)).max(1)
}

/// `x` (`outer * t.n_in * inner` elements) resampled by the single-tap table `t` (a copy;
/// any element type) into `out` (`outer * t.n_out() * inner`). The caller checked the lengths
/// and that `t` has one tap per row.
pub fn gather<T: Copy + Send + Sync>(x: &[T], out: &mut [T], inner: usize, t: &Taps) {
    let (n_in, n_out) = (t.n_in, t.n_out());
    if out.is_empty() || inner == 0 || n_out == 0 {
        return;
    }
    let src = |p: usize, j: usize| {
        let i = t.idx[t.off[j]];
        &x[(p * n_in + i) * inner..(p * n_in + i + 1) * inner]
    };
    pool().install(|| {
        if inner >= ROW_MIN {
            out.par_chunks_mut(inner)
                .enumerate()
                .with_min_len(units(inner))
                .for_each(|(r, o)| o.copy_from_slice(src(r / n_out, r % n_out)));
        } else {
            out.par_chunks_mut(n_out * inner)
                .enumerate()
                .with_min_len(units(n_out * inner))
                .for_each(|(p, o)| {
                    if inner == 1 {
                        let xs = &x[p * n_in..(p + 1) * n_in];
                        for (o, &i) in o.iter_mut().zip(&t.idx) {
                            *o = xs[i];
                        }
                    } else {
                        for (j, o) in o.chunks_mut(inner).enumerate() {
                            o.copy_from_slice(src(p, j));
                        }
                    }
                });
        }
    });
}

/// One output row of the weighted kernel: `o = sum_k w[k] * x_row(idx[k])`.
#[inline(always)]
fn row<T: TapFloat>(o: &mut [T], x: &[T], base: usize, inner: usize, idx: &[usize], w: &[T]) {
    let mut taps = idx.iter().zip(w);
    let Some((&i, &wk)) = taps.next() else {
        o.fill(T::default());
        return;
    };
    let s = &x[base + i * inner..base + (i + 1) * inner];
    for (o, &v) in o.iter_mut().zip(s) {
        *o = wk * v;
    }
    for (&i, &wk) in taps {
        let s = &x[base + i * inner..base + (i + 1) * inner];
        for (o, &v) in o.iter_mut().zip(s) {
            *o = *o + wk * v;
        }
    }
}

/// `Some(k)` when every row of `t` has exactly `k` taps.
fn uniform(t: &Taps) -> Option<usize> {
    let k = t.off.get(1).copied()?;
    t.off.windows(2).all(|r| r[1] - r[0] == k).then_some(k)
}

/// One line (`inner == 1`) of a table with `K` taps in every row.
#[inline(always)]
fn line<T: TapFloat, const K: usize>(o: &mut [T], xs: &[T], idx: &[usize], w: &[T]) {
    for ((o, i), w) in o.iter_mut().zip(idx.chunks_exact(K)).zip(w.chunks_exact(K)) {
        let mut acc = w[0] * xs[i[0]];
        for (&wk, &ik) in w[1..].iter().zip(&i[1..]) {
            acc = acc + wk * xs[ik];
        }
        *o = acc;
    }
}

/// `x` resampled by the weighted table `t` with its weights `w` in `T` (one per tap). The
/// caller checked the lengths.
pub fn apply<T: TapFloat>(x: &[T], out: &mut [T], inner: usize, t: &Taps, w: &[T]) {
    let (n_in, n_out) = (t.n_in, t.n_out());
    if out.is_empty() || inner == 0 || n_out == 0 {
        return;
    }
    let taps = |j: usize| (&t.idx[t.off[j]..t.off[j + 1]], &w[t.off[j]..t.off[j + 1]]);
    // Average taps per row, to size the tasks.
    let per = (t.idx.len() / n_out).max(1);
    pool().install(|| {
        if inner >= ROW_MIN {
            out.par_chunks_mut(inner)
                .enumerate()
                .with_min_len(units(inner * per))
                .for_each(|(r, o)| {
                    let (p, j) = (r / n_out, r % n_out);
                    let (idx, wj) = taps(j);
                    row(o, x, p * n_in * inner, inner, idx, wj);
                });
        } else if inner == 1 {
            let k = uniform(t);
            out.par_chunks_mut(n_out)
                .enumerate()
                .with_min_len(units(n_out * per))
                .for_each(|(p, o)| {
                    let xs = &x[p * n_in..(p + 1) * n_in];
                    match k {
                        Some(1) => line::<T, 1>(o, xs, &t.idx, w),
                        Some(2) => line::<T, 2>(o, xs, &t.idx, w),
                        Some(4) => line::<T, 4>(o, xs, &t.idx, w),
                        _ => {
                            for (j, o) in o.iter_mut().enumerate() {
                                let (idx, wj) = taps(j);
                                let mut it = idx.iter().zip(wj);
                                *o = match it.next() {
                                    Some((&i, &wk)) => {
                                        let mut acc = wk * xs[i];
                                        for (&i, &wk) in it {
                                            acc = acc + wk * xs[i];
                                        }
                                        acc
                                    }
                                    None => T::default(),
                                };
                            }
                        }
                    }
                });
        } else {
            out.par_chunks_mut(n_out * inner)
                .enumerate()
                .with_min_len(units(n_out * inner * per))
                .for_each(|(p, o)| {
                    for (j, o) in o.chunks_mut(inner).enumerate() {
                        let (idx, wj) = taps(j);
                        row(o, x, p * n_in * inner, inner, idx, wj);
                    }
                });
        }
    });
}
