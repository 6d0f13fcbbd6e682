//! Batch-norm kernels on contiguous `(n, c, hw)` data: per-channel statistics, the fused
//! normalise-and-affine map, and the closed-form backward. Threads run over channels (the
//! statistics and the backward) or over `(n, c)` planes (the elementwise map).
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

/// Applies `f(channel, plane_slices)` for every channel in parallel, handing it the channel's
/// `n` planes of `hw` contiguous elements each.
fn per_channel<R: Send>(g: Geometry, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    pool().install(|| (0..g.c).into_par_iter().map(f).collect())
}

/// Per-channel mean and biased variance of `x` (see NOTE [batch-norm statistics]).
pub fn channel_stats<T: Element>(x: &[T], g: Geometry) -> (Vec<f64>, Vec<f64>) {
    let r = per_channel(g, |c| {
        let mut acc = Moments::default();
        for i in 0..g.n {
            let plane = &x[(i * g.c + c) * g.hw..(i * g.c + c + 1) * g.hw];
            for chunk in plane.chunks(CHUNK) {
                acc = acc.merge(Moments::of(chunk));
            }
        }
        let var = if acc.n > 0.0 {
            acc.m2 / acc.n
        } else {
            f64::NAN
        };
        (if acc.n > 0.0 { acc.mean } else { f64::NAN }, var)
    });
    r.into_iter().unzip()
}

/// `out = x * scale[c] + shift[c]` for every element of channel `c`.
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

/// Per-channel `(sum(dy), sum(dy * (x - mean)))`.
pub fn grad_sums<T: Element>(dy: &[T], x: &[T], g: Geometry, mean: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let r = per_channel(g, |c| {
        let m = mean[c];
        let (mut s, mut d) = ([0f64; 4], [0f64; 4]);
        let (mut st, mut dt) = (0f64, 0f64);
        for i in 0..g.n {
            let at = (i * g.c + c) * g.hw;
            let (gp, xp) = (&dy[at..at + g.hw], &x[at..at + g.hw]);
            let mut gi = gp.chunks_exact(4);
            let mut xi = xp.chunks_exact(4);
            for (gq, xq) in (&mut gi).zip(&mut xi) {
                for k in 0..4 {
                    let gv = gq[k].to_f64();
                    s[k] += gv;
                    d[k] += gv * (xq[k].to_f64() - m);
                }
            }
            for (gv, xv) in gi.remainder().iter().zip(xi.remainder()) {
                let gv = gv.to_f64();
                st += gv;
                dt += gv * (xv.to_f64() - m);
            }
        }
        (
            st + (s[0] + s[1]) + (s[2] + s[3]),
            dt + (d[0] + d[1]) + (d[2] + d[3]),
        )
    });
    r.into_iter().unzip()
}

/// The input gradient `dx = dy * a[c] + x * b[c] + k[c]` (the closed form of batch norm's
/// backward written per channel; the caller folds mean, invstd, weight and the sums in).
pub fn grad_input<T: Element>(
    dy: &[T],
    x: &[T],
    dx: &mut [T],
    g: Geometry,
    a: &[f64],
    b: &[f64],
    k: &[f64],
) {
    if g.hw == 0 {
        return;
    }
    pool().install(|| {
        dx.par_chunks_mut(g.hw)
            .zip(dy.par_chunks(g.hw).zip(x.par_chunks(g.hw)))
            .enumerate()
            .for_each(|(p, (o, (gp, xp)))| {
                let c = p % g.c;
                let (a, b, k) = (a[c], b[c], k[c]);
                for ((o, &gv), &xv) in o.iter_mut().zip(gp).zip(xp) {
                    *o = T::from_f64(gv.to_f64() * a + xv.to_f64() * b + k);
                }
            })
    });
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
        let (mean, var) = channel_stats(&x, g);
        for c in 0..g.c {
            let vals: Vec<f64> = (0..g.n)
                .flat_map(|i| x[(i * g.c + c) * g.hw..(i * g.c + c + 1) * g.hw].to_vec())
                .collect();
            let m = vals.iter().sum::<f64>() / vals.len() as f64;
            let v = vals.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / vals.len() as f64;
            assert!((mean[c] - m).abs() < 1e-9);
            assert!((var[c] - v).abs() < 1e-9 * v);
        }
    }
}
