//! `pdist` on the CPU: the p-norm distance of every pair of rows `i < j` of an `(n, m)`
//! matrix, in `torch.pdist`'s order, and its gradient, with ATen's formulas per p (0, 1, 2,
//! infinity, other; `aten/src/ATen/native/cpu/DistanceOpsKernel.cpp`). The forward splits the
//! rows `i` over the threads; the backward gives each row's gradient to one thread, which sums
//! the terms of every pair the row is in (in increasing partner order: deterministic, no
//! atomics).

use crate::backend::cpu::threads::pool;
use num_traits::Float;
use rayon::prelude::*;

/// Which formula a p takes.
#[derive(Clone, Copy)]
pub enum PNorm<T> {
    Zero,
    One,
    Two,
    Inf,
    /// `p < 2` other than 0 and 1 (the gradient is zero where the difference is, for p < 1).
    Lt2(T),
    General(T),
}

impl<T: Float> PNorm<T> {
    pub fn of(p: f64) -> PNorm<T> {
        let t = T::from(p).unwrap_or_else(T::infinity);
        if p == 0.0 {
            PNorm::Zero
        } else if p == 1.0 {
            PNorm::One
        } else if p == 2.0 {
            PNorm::Two
        } else if p.is_infinite() {
            PNorm::Inf
        } else if p < 2.0 {
            PNorm::Lt2(t)
        } else {
            PNorm::General(t)
        }
    }
}

const LANES: usize = 16;

/// Sum of `f(a[k] - b[k])` in sixteen lanes (two vectors of ATen's vectorised accumulation, so
/// that additions overlap), then the lanes.
#[inline(always)]
fn lane_sum<T: Float>(a: &[T], b: &[T], f: impl Fn(T) -> T) -> T {
    let mut acc = [T::zero(); LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (xa, xb) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] = acc[l] + f(xa[l] - xb[l]);
        }
    }
    let mut s = T::zero();
    for (x, y) in ra.iter().zip(rb) {
        s = s + f(*x - *y);
    }
    acc.iter().fold(T::zero(), |t, &v| t + v) + s
}

/// The distance of rows `a` and `b`.
#[inline(always)]
fn dist<T: Float>(a: &[T], b: &[T], p: PNorm<T>) -> T {
    match p {
        PNorm::Zero => lane_sum(a, b, |d| if d != T::zero() { T::one() } else { T::zero() }),
        PNorm::One => lane_sum(a, b, |d| d.abs()),
        PNorm::Two => lane_sum(a, b, |d| d * d).sqrt(),
        PNorm::Inf => a.iter().zip(b).fold(T::zero(), |m, (&x, &y)| {
            let d = (x - y).abs();
            // NaN propagates (ATen's max)
            if d > m || d.is_nan() { d } else { m }
        }),
        PNorm::Lt2(p) | PNorm::General(p) => lane_sum(a, b, |d| d.abs().powf(p)).powf(T::one() / p),
    }
}

/// Index of pair `(i, j)`, `i < j`, among `n` rows.
#[inline(always)]
fn pair(n: usize, i: usize, j: usize) -> usize {
    i * (2 * n - i - 1) / 2 + (j - i - 1)
}

/// The `n (n - 1) / 2` distances of the rows of `x` (`n` rows of `m`).
pub fn pdist<T: Float + Send + Sync>(x: &[T], n: usize, m: usize, p: f64, out: &mut [T]) {
    if n < 2 {
        return;
    }
    let pn = PNorm::<T>::of(p);
    // Row i's pairs are one contiguous run of out: split out by rows.
    let mut runs: Vec<(usize, &mut [T])> = Vec::with_capacity(n);
    let mut rest = out;
    for i in 0..n - 1 {
        let (head, tail) = rest.split_at_mut(n - 1 - i);
        runs.push((i, head));
        rest = tail;
    }
    let avx = crate::backend::cpu::vecmath::uses_avx2();
    pool().install(|| {
        runs.into_par_iter()
            .with_min_len((n / 64).max(1))
            .for_each(|(i, o)| {
                #[cfg(target_arch = "x86_64")]
                if avx {
                    // SAFETY: the CPU has AVX2 and FMA.
                    return unsafe { fwd_row_avx2(x, i, m, pn, o) };
                }
                let _ = avx;
                fwd_row(x, i, m, pn, o)
            })
    });
}

/// Row `i`'s distances to rows `i + 1..`.
#[inline(always)]
fn fwd_row<T: Float>(x: &[T], i: usize, m: usize, pn: PNorm<T>, o: &mut [T]) {
    let a = &x[i * m..(i + 1) * m];
    for (k, o) in o.iter_mut().enumerate() {
        let j = i + 1 + k;
        *o = dist(a, &x[j * m..(j + 1) * m], pn);
    }
}

/// `fwd_row` compiled for AVX2 (eight float32 lanes; no contraction into FMAs).
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fwd_row_avx2<T: Float>(x: &[T], i: usize, m: usize, pn: PNorm<T>, o: &mut [T]) {
    fwd_row(x, i, m, pn, o)
}

/// The gradient with respect to `x` of `sum(g * pdist(x))`, given the forward's distances.
pub fn pdist_backward<T: Float + Send + Sync>(
    g: &[T],
    x: &[T],
    d: &[T],
    n: usize,
    m: usize,
    p: f64,
    gx: &mut [T],
) {
    if n < 2 || m == 0 {
        return;
    }
    let pn = PNorm::<T>::of(p);
    let avx = crate::backend::cpu::vecmath::uses_avx2();
    pool().install(|| {
        gx.par_chunks_mut(m)
            .enumerate()
            .with_min_len((n / 64).max(1))
            .for_each(|(i, gi)| {
                #[cfg(target_arch = "x86_64")]
                if avx {
                    // SAFETY: the CPU has AVX2 and FMA.
                    return unsafe { bwd_row_avx2(g, x, d, n, m, pn, i, gi) };
                }
                let _ = avx;
                bwd_row(g, x, d, n, m, pn, i, gi)
            })
    });
}

/// Row `i`'s gradient: the terms of every pair it is in, in increasing partner order.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn bwd_row<T: Float>(
    g: &[T],
    x: &[T],
    d: &[T],
    n: usize,
    m: usize,
    pn: PNorm<T>,
    i: usize,
    gi: &mut [T],
) {
    let a = &x[i * m..(i + 1) * m];
    if let PNorm::Two = pn {
        // each partner's factor g / d (0 for itself and where d is 0), then the columns in
        // blocks held in registers across the partners
        let s: Vec<T> = (0..n)
            .map(|j| {
                if j == i {
                    return T::zero();
                }
                let k = if i < j { pair(n, i, j) } else { pair(n, j, i) };
                if d[k] == T::zero() {
                    T::zero()
                } else {
                    g[k] / d[k]
                }
            })
            .collect();
        two_row(gi, a, x, m, &s);
        return;
    }
    for j in 0..n {
        if j == i {
            continue;
        }
        let k = if i < j { pair(n, i, j) } else { pair(n, j, i) };
        // diff = x_i - x_j: this row's side of the pair
        term(gi, a, &x[j * m..(j + 1) * m], g[k], d[k], pn);
    }
}

/// Euclidean row gradient: `gi[c] += sum_j (a[c] - x[j, c]) * s[j]`, summed in increasing j.
#[inline(always)]
fn two_row<T: Float>(gi: &mut [T], a: &[T], x: &[T], m: usize, s: &[T]) {
    const B: usize = 32;
    let mut c0 = 0;
    while c0 + B <= m {
        let mut acc = [T::zero(); B];
        let ab = &a[c0..c0 + B];
        for (j, &sj) in s.iter().enumerate() {
            let b = &x[j * m + c0..j * m + c0 + B];
            for ((o, &u), &v) in acc.iter_mut().zip(ab).zip(b) {
                *o = *o + (u - v) * sj;
            }
        }
        for (o, &v) in gi[c0..c0 + B].iter_mut().zip(&acc) {
            *o = *o + v;
        }
        c0 += B;
    }
    for cc in c0..m {
        let mut acc = T::zero();
        for (j, &sj) in s.iter().enumerate() {
            acc = acc + (a[cc] - x[j * m + cc]) * sj;
        }
        gi[cc] = gi[cc] + acc;
    }
}

/// `bwd_row` compiled for AVX2.
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn bwd_row_avx2<T: Float>(
    g: &[T],
    x: &[T],
    d: &[T],
    n: usize,
    m: usize,
    pn: PNorm<T>,
    i: usize,
    gi: &mut [T],
) {
    bwd_row(g, x, d, n, m, pn, i, gi)
}

/// Adds row `a`'s gradient of one pair (distance `dv`, output gradient `gv`) to `gi`.
#[inline(always)]
fn term<T: Float>(gi: &mut [T], a: &[T], b: &[T], gv: T, dv: T, p: PNorm<T>) {
    let z = T::zero();
    let it = gi.iter_mut().zip(a.iter().zip(b));
    match p {
        PNorm::Zero => {}
        PNorm::One => {
            for (o, (&x, &y)) in it {
                *o = *o + sign(x - y) * gv;
            }
        }
        PNorm::Two => {
            if dv == z {
                return;
            }
            let s = gv / dv;
            for (o, (&x, &y)) in it {
                *o = *o + (x - y) * s;
            }
        }
        PNorm::Inf => {
            for (o, (&x, &y)) in it {
                let diff = x - y;
                let hit = if diff.abs() == dv { T::one() } else { z };
                *o = *o + gv * sign(diff) * hit;
            }
        }
        PNorm::Lt2(pv) => {
            if dv == z {
                return;
            }
            let den = dv.powf(pv - T::one());
            let below_one = pv < T::one();
            for (o, (&x, &y)) in it {
                let diff = x - y;
                if below_one && diff == z {
                    continue;
                }
                *o = *o + sign(diff) * diff.abs().powf(pv - T::one()) * gv / den;
            }
        }
        PNorm::General(pv) => {
            if dv == z {
                return;
            }
            let den = dv.powf(pv - T::one());
            for (o, (&x, &y)) in it {
                let diff = x - y;
                *o = *o + diff * diff.abs().powf(pv - T::from(2.0).unwrap_or(z)) * gv / den;
            }
        }
    }
}

/// ATen's `sign` (0 at 0, NaN stays NaN... as `(0 < x) - (x < 0)`).
#[inline(always)]
fn sign<T: Float>(x: T) -> T {
    let one = T::one();
    let z = T::zero();
    (if x > z { one } else { z }) - (if x < z { one } else { z })
}
