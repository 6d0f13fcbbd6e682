//! Batch-norm kernels on contiguous `(n, c, hw)` data: the training forward (per-channel
//! statistics and the fused normalise-and-affine map), the evaluation map, and the closed-form
//! backward. The training forward and the backward run one channel per task and finish a
//! channel (statistics then output; sums then input gradient) while its planes are still in
//! cache, so memory is read about once; the evaluation map runs over `(n, c)` planes. The
//! channel tasks are also compiled for AVX2 (float64 arithmetic four lanes wide), picked at
//! run time as in `vecmath`.
//!
//! NOTE [batch-norm statistics]: each channel's mean and biased variance come from one pass
//! over memory: the channel's data is walked in chunks of at most `CHUNK` contiguous elements
//! (small enough to stay in L1), each chunk's mean and centred sum of squares are computed
//! with two passes over the cached chunk in float64, and the chunks are merged with Chan's
//! pairwise formula. That is as accurate as a two-pass algorithm over the whole channel
//! (no cancellation for data with a large mean) while reading memory once.

use crate::backend::cpu::threads::pool;
use crate::dtype::Element;
use rayon::prelude::*;

/// Contiguous elements per statistics chunk (see NOTE [batch-norm statistics]).
const CHUNK: usize = 2048;

/// Dims of a batch-norm input viewed as `(n, c, hw)`.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    pub n: usize,
    pub c: usize,
    pub hw: usize,
}

impl Geometry {
    /// Elements per channel.
    pub fn count(&self) -> usize {
        self.n * self.hw
    }
}

/// Running (count, mean, centred sum of squares) merged by Chan's formula.
#[derive(Clone, Copy, Default)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Moments {
    #[inline(always)]
    fn of<T: Element>(xs: &[T]) -> Moments {
        let n = xs.len() as f64;
        if xs.is_empty() {
            return Moments::default();
        }
        let mut s = [0f64; 4];
        let mut it = xs.chunks_exact(4);
        for q in &mut it {
            for k in 0..4 {
                s[k] += q[k].to_f64();
            }
        }
        let mut sum = (s[0] + s[1]) + (s[2] + s[3]);
        for v in it.remainder() {
            sum += v.to_f64();
        }
        let mean = sum / n;
        let mut m = [0f64; 4];
        let mut it = xs.chunks_exact(4);
        for q in &mut it {
            for k in 0..4 {
                let d = q[k].to_f64() - mean;
                m[k] += d * d;
            }
        }
        let mut m2 = (m[0] + m[1]) + (m[2] + m[3]);
        for v in it.remainder() {
            let d = v.to_f64() - mean;
            m2 += d * d;
        }
        Moments { n, mean, m2 }
    }

    #[inline(always)]
    fn merge(self, o: Moments) -> Moments {
        if o.n == 0.0 {
            return self;
        }
        if self.n == 0.0 {
            return o;
        }
        let n = self.n + o.n;
        let d = o.mean - self.mean;
        Moments {
            n,
            mean: self.mean + d * (o.n / n),
            m2: self.m2 + o.m2 + d * d * (self.n * o.n / n),
        }
    }
}

/// Runs `f(c)` for every channel in parallel.
fn per_channel<R: Send>(g: Geometry, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    pool().install(|| (0..g.c).into_par_iter().map(f).collect())
}

/// Channel `c`'s plane `i` (`hw` contiguous elements) of a `(n, c, hw)` buffer.
#[inline(always)]
fn plane<T>(x: &[T], g: Geometry, i: usize, c: usize) -> &[T] {
    &x[(i * g.c + c) * g.hw..(i * g.c + c + 1) * g.hw]
}

/// Channel `c`'s plane `i` of the output buffer at address `out`.
///
/// # Safety
/// `out` holds `n * c * hw` elements of `T`, and no other task touches channel `c`'s planes.
#[inline(always)]
unsafe fn plane_mut<'a, T>(out: usize, g: Geometry, i: usize, c: usize) -> &'a mut [T] {
    // SAFETY: as guaranteed by the caller.
    unsafe { std::slice::from_raw_parts_mut((out as *mut T).add((i * g.c + c) * g.hw), g.hw) }
}

/// The training forward of one channel: its moments (see NOTE [batch-norm statistics]), then
/// `out = x * scale + shift` while the channel's planes are still in cache.
///
/// # Safety
/// As `plane_mut` for `out`.
#[inline(always)]
unsafe fn forward_channel<T: Element>(
    x: &[T],
    out: usize,
    g: Geometry,
    c: usize,
    affine: (f64, f64),
    eps: f64,
) -> (f64, f64) {
    let mut acc = Moments::default();
    for i in 0..g.n {
        for chunk in plane(x, g, i, c).chunks(CHUNK) {
            acc = acc.merge(Moments::of(chunk));
        }
    }
    let (mean, var) = if acc.n > 0.0 {
        (acc.mean, acc.m2 / acc.n)
    } else {
        (f64::NAN, f64::NAN)
    };
    let scale = affine.0 / (var + eps).sqrt();
    let shift = affine.1 - mean * scale;
    for i in 0..g.n {
        // SAFETY: forwarded from the caller.
        let o = unsafe { plane_mut::<T>(out, g, i, c) };
        for (o, &v) in o.iter_mut().zip(plane(x, g, i, c)) {
            *o = T::from_f64(v.to_f64() * scale + shift);
        }
    }
    (mean, var)
}

/// `forward_channel` compiled for AVX2 (the float64 arithmetic four lanes wide).
///
/// # Safety
/// The CPU has AVX2 and FMA; as `forward_channel` otherwise.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn forward_channel_avx2<T: Element>(
    x: &[T],
    out: usize,
    g: Geometry,
    c: usize,
    affine: (f64, f64),
    eps: f64,
) -> (f64, f64) {
    // SAFETY: forwarded from the caller.
    unsafe { forward_channel(x, out, g, c, affine, eps) }
}

/// The training forward: each channel's mean and biased variance, and
/// `out = (x - mean) / sqrt(var + eps) * weight + bias`, one channel per task.
pub fn forward_train<T: Element>(
    x: &[T],
    out: &mut [T],
    g: Geometry,
    weight: &[f64],
    bias: &[f64],
    eps: f64,
) -> (Vec<f64>, Vec<f64>) {
    assert!(x.len() == g.n * g.c * g.hw && out.len() == x.len());
    assert!(weight.len() == g.c && bias.len() == g.c);
    let op = out.as_mut_ptr() as usize;
    let r = per_channel(g, |c| {
        let affine = (weight[c], bias[c]);
        #[cfg(target_arch = "x86_64")]
        if crate::backend::cpu::vecmath::uses_avx2() {
            // SAFETY: the CPU has AVX2 and FMA; `out` has x's length (asserted) and each
            // task writes only its own channel's planes.
            return unsafe { forward_channel_avx2(x, op, g, c, affine, eps) };
        }
        // SAFETY: as above.
        unsafe { forward_channel(x, op, g, c, affine, eps) }
    });
    r.into_iter().unzip()
}

/// `out = x * scale[c] + shift[c]` for every element of channel `c` (the evaluation forward).
pub fn scale_shift<T: Element>(x: &[T], out: &mut [T], g: Geometry, scale: &[f64], shift: &[f64]) {
    if g.hw == 0 {
        return;
    }
    pool().install(|| {
        out.par_chunks_mut(g.hw)
            .zip(x.par_chunks(g.hw))
            .enumerate()
            .for_each(|(p, (o, i))| {
                let c = p % g.c;
                let (a, b) = (scale[c], shift[c]);
                for (o, &v) in o.iter_mut().zip(i) {
                    *o = T::from_f64(v.to_f64() * a + b);
                }
            })
    });
}

/// Coefficients `(a, b, k)` of a channel's input gradient `dx = dy * a + x * b + k`, given the
/// channel and its sums `(sum(dy), sum(dy * (x - mean)))`.
pub trait GradCoef: Fn(usize, f64, f64) -> (f64, f64, f64) + Sync {}
impl<F: Fn(usize, f64, f64) -> (f64, f64, f64) + Sync> GradCoef for F {}

/// The backward of one channel: the sums (when `sums`), then (when `dx` is an address) the
/// input gradient while the channel's planes are still in cache.
///
/// # Safety
/// As `plane_mut` for `dx`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn backward_channel<T: Element>(
    dy: &[T],
    x: &[T],
    dx: Option<usize>,
    g: Geometry,
    c: usize,
    mean: f64,
    sums: bool,
    coef: &impl GradCoef,
) -> (f64, f64) {
    let (mut st, mut dt) = (0f64, 0f64);
    if sums {
        let (mut s, mut d) = ([0f64; 4], [0f64; 4]);
        for i in 0..g.n {
            let (gp, xp) = (plane(dy, g, i, c), plane(x, g, i, c));
            let mut gi = gp.chunks_exact(4);
            let mut xi = xp.chunks_exact(4);
            for (gq, xq) in (&mut gi).zip(&mut xi) {
                for k in 0..4 {
                    let gv = gq[k].to_f64();
                    s[k] += gv;
                    d[k] += gv * (xq[k].to_f64() - mean);
                }
            }
            for (gv, xv) in gi.remainder().iter().zip(xi.remainder()) {
                let gv = gv.to_f64();
                st += gv;
                dt += gv * (xv.to_f64() - mean);
            }
        }
        st += (s[0] + s[1]) + (s[2] + s[3]);
        dt += (d[0] + d[1]) + (d[2] + d[3]);
    }
    if let Some(dx) = dx {
        let (a, b, k) = coef(c, st, dt);
        for i in 0..g.n {
            // SAFETY: forwarded from the caller.
            let o = unsafe { plane_mut::<T>(dx, g, i, c) };
            for ((o, &gv), &xv) in o.iter_mut().zip(plane(dy, g, i, c)).zip(plane(x, g, i, c)) {
                *o = T::from_f64(gv.to_f64() * a + xv.to_f64() * b + k);
            }
        }
    }
    (st, dt)
}

/// `backward_channel` compiled for AVX2.
///
/// # Safety
/// The CPU has AVX2 and FMA; as `backward_channel` otherwise.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn backward_channel_avx2<T: Element>(
    dy: &[T],
    x: &[T],
    dx: Option<usize>,
    g: Geometry,
    c: usize,
    mean: f64,
    sums: bool,
    coef: &impl GradCoef,
) -> (f64, f64) {
    // SAFETY: forwarded from the caller.
    unsafe { backward_channel(dy, x, dx, g, c, mean, sums, coef) }
}

/// The backward, one channel per task: each channel's `(sum(dy), sum(dy * (x - mean)))` (zeros
/// unless `sums`) and, with `dx`, the input gradient `dy * a + x * b + k` with `(a, b, k) =
/// coef(c, sums...)`.
pub fn backward<T: Element>(
    dy: &[T],
    x: &[T],
    dx: Option<&mut [T]>,
    g: Geometry,
    mean: &[f64],
    sums: bool,
    coef: impl GradCoef,
) -> (Vec<f64>, Vec<f64>) {
    let len = g.n * g.c * g.hw;
    assert!(dy.len() == len && x.len() == len && mean.len() == g.c);
    assert!(dx.as_ref().is_none_or(|d| d.len() == len));
    let dp = dx.map(|d| d.as_mut_ptr() as usize);
    let r = per_channel(g, |c| {
        #[cfg(target_arch = "x86_64")]
        if crate::backend::cpu::vecmath::uses_avx2() {
            // SAFETY: the CPU has AVX2 and FMA; `dx` has x's length (asserted) and each task
            // writes only its own channel's planes.
            return unsafe { backward_channel_avx2(dy, x, dp, g, c, mean[c], sums, &coef) };
        }
        // SAFETY: as above.
        unsafe { backward_channel(dy, x, dp, g, c, mean[c], sums, &coef) }
    });
    r.into_iter().unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_match_two_pass() {
        let g = Geometry {
            n: 3,
            c: 2,
            hw: 5000,
        };
        let x: Vec<f64> = (0..g.n * g.c * g.hw)
            .map(|i| 1e6 + ((i * 7919) % 1013) as f64 * 0.01)
            .collect();
        let mut out = vec![0f64; x.len()];
        let (mean, var) = forward_train(&x, &mut out, g, &[1.0, 2.0], &[0.0, 0.5], 0.0);
        for c in 0..g.c {
            let vals: Vec<f64> = (0..g.n).flat_map(|i| plane(&x, g, i, c).to_vec()).collect();
            let m = vals.iter().sum::<f64>() / vals.len() as f64;
            let v = vals.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / vals.len() as f64;
            assert!((mean[c] - m).abs() < 1e-12 * m.abs());
            assert!((var[c] - v).abs() < 1e-9 * v);
            let y = plane(&out, g, 1, c)[7];
            let want = (plane(&x, g, 1, c)[7] - m) / v.sqrt() * (c as f64 + 1.0) + c as f64 * 0.5;
            assert!((y - want).abs() < 1e-6);
        }
    }
}
