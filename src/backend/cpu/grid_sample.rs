//! `grid_sample` on the CPU (2-d and 3-d; bilinear, nearest, bicubic; zeros, border,
//! reflection padding), forward and both gradients, in ATen's arithmetic
//! (`aten/src/ATen/native/GridSampler.h`): each sample point becomes a list of taps (a flat
//! position in the input plane, its weight, and the weight's derivative along each
//! unnormalised coordinate), computed once per chunk of points and applied to every channel.
//!
//! Work splits over (batch item, channel block) for the forward and the input gradient, so a
//! plane of the input gradient is accumulated by one thread in point order (deterministic, no
//! atomics), and over (batch item, point chunk) for the grid gradient, whose per-point sums run
//! over the channels in order.

use crate::backend::cpu::threads::pool;
use crate::spec::resample::{GridArgs, GridMode, GridPadding};
use num_traits::Float;
use rayon::prelude::*;

/// Sample points handled together (their taps are computed once per channel block).
const CHUNK: usize = 64;
/// At most 16 taps per point (bicubic: 4 x 4; trilinear: 8).
const MAXT: usize = 16;

/// The taps of one sample point.
#[derive(Clone, Copy)]
struct PointTaps<T> {
    n: usize,
    idx: [usize; MAXT],
    w: [T; MAXT],
    /// d w / d (unnormalised coordinate), per axis (x = W, y = H, z = D).
    dw: [[T; 3]; MAXT],
    /// d (unnormalised coordinate) / d (grid value), per axis.
    mult: [T; 3],
}

impl<T: Float> PointTaps<T> {
    fn empty() -> Self {
        PointTaps {
            n: 0,
            idx: [0; MAXT],
            w: [T::zero(); MAXT],
            dw: [[T::zero(); 3]; MAXT],
            mult: [T::zero(); 3],
        }
    }
}

/// A heap buffer of `n` point tap lists.
fn taps_buffer<T: Float>(n: usize) -> Vec<PointTaps<T>> {
    (0..n).map(|_| PointTaps::empty()).collect()
}

fn c<T: Float>(v: f64) -> T {
    T::from(v).unwrap_or_else(T::nan)
}

/// ATen's `grid_sampler_unnormalize_set_grad`.
fn unnormalize<T: Float>(coord: T, size: usize, align: bool) -> (T, T) {
    let s: T = c(size as f64);
    let one = T::one();
    let two: T = c(2.0);
    if align {
        (((coord + one) / two) * (s - one), (s - one) / two)
    } else {
        (((coord + one) * s - one) / two, s / two)
    }
}

/// ATen's `clip_coordinates_set_grad`.
fn clip<T: Float>(x: T, size: usize) -> (T, T) {
    let max: T = c(size as f64 - 1.0);
    if x <= T::zero() {
        (T::zero(), T::zero())
    } else if x >= max {
        (max, T::zero())
    } else {
        (x, T::one())
    }
}

/// ATen's `reflect_coordinates_set_grad` over `[twice_low / 2, twice_high / 2]`.
fn reflect<T: Float>(x: T, twice_low: i64, twice_high: i64) -> (T, T) {
    if twice_low == twice_high {
        return (T::zero(), T::zero());
    }
    let two: T = c(2.0);
    let min: T = c(twice_low as f64 / 2.0);
    let span: T = c::<T>((twice_high - twice_low) as f64) / two;
    let mut v = x - min;
    let mut g = T::one();
    if v < T::zero() {
        g = -T::one();
        v = -v;
    }
    let extra = v % span;
    let flips = (v / span).floor();
    if flips % two == T::zero() {
        (extra + min, g)
    } else {
        (span - extra + min, -g)
    }
}

/// ATen's `compute_coordinates` (with the gradient factor of the padding transform).
fn pad_coord<T: Float>(x: T, size: usize, padding: GridPadding, align: bool) -> (T, T) {
    match padding {
        GridPadding::Zeros => (x, T::one()),
        GridPadding::Border => clip(x, size),
        GridPadding::Reflection => {
            let s = size as i64;
            let (r, gr) = if align {
                reflect(x, 0, 2 * (s - 1))
            } else {
                reflect(x, -1, 2 * s - 1)
            };
            let (v, gc) = clip(r, size);
            (v, gr * gc)
        }
    }
}

/// An integer position `v` (a float holding an integer) inside `[0, size)`.
fn inside<T: Float>(v: T, size: usize) -> Option<usize> {
    (v >= T::zero() && v < c(size as f64)).then(|| v.to_usize().unwrap_or(0))
}

/// The cubic convolution coefficients (A = -0.75) of fraction `t` and their derivatives.
fn cubic<T: Float>(t: T) -> ([T; 4], [T; 4]) {
    let a: T = c(-0.75);
    let one = T::one();
    let two: T = c(2.0);
    let three: T = c(3.0);
    let cc1 = |x: T| ((a + two) * x - (a + three)) * x * x + one;
    let cc2 = |x: T| ((a * x - c::<T>(5.0) * a) * x + c::<T>(8.0) * a) * x - c::<T>(4.0) * a;
    // d/dx of cc1 and cc2
    let d1 = |x: T| (three * (a + two) * x - two * (a + three)) * x;
    let d2 = |x: T| (three * a * x - c::<T>(10.0) * a) * x + c::<T>(8.0) * a;
    let w = [cc2(t + one), cc1(t), cc1(one - t), cc2(two - t)];
    // chain rule: the arguments move with +t, +t, -t, -t
    let dw = [d2(t + one), d1(t), -d1(one - t), -d2(two - t)];
    (w, dw)
}

/// The taps of the point whose grid values are `g` (x, y[, z]); the weights' derivatives only
/// with `DW`.
#[inline(always)]
fn point_taps<T: Float, const DW: bool>(g: &[T], a: &GridArgs, pt: &mut PointTaps<T>) {
    let nd = a.nd;
    // sizes per axis: x = W, y = H, z = D
    let size = |ax: usize| a.inp[2 - ax];
    let mut coord = [T::zero(); 3];
    let mut mult = [T::zero(); 3];
    for ax in 0..nd {
        let (ix, m) = unnormalize(g[ax], size(ax), a.align_corners);
        if a.mode == GridMode::Bicubic {
            coord[ax] = ix;
            mult[ax] = m;
        } else {
            let (v, gp) = pad_coord(ix, size(ax), a.padding, a.align_corners);
            coord[ax] = v;
            mult[ax] = m * gp;
        }
    }
    pt.mult = mult;
    pt.n = 0;
    // Strides of the axes in the input plane.
    let stride = [1, a.inp[2], a.inp[1] * a.inp[2]];
    match a.mode {
        GridMode::Nearest => {
            let mut pos = 0;
            for ax in 0..nd {
                match inside(coord[ax].round_ties_even_(), size(ax)) {
                    Some(i) => pos += i * stride[ax],
                    None => return,
                }
            }
            pt.idx[0] = pos;
            pt.w[0] = T::one();
            pt.dw[0] = [T::zero(); 3];
            pt.n = 1;
        }
        GridMode::Bilinear => {
            let mut base = [T::zero(); 3];
            let mut frac = [T::zero(); 3];
            for ax in 0..nd {
                base[ax] = coord[ax].floor();
                frac[ax] = coord[ax] - base[ax];
            }
            // corners in ATen's order: the outermost axis's bit highest (z, y, x)
            for corner in 0..(1usize << nd) {
                let mut pos = 0;
                let mut ok = true;
                let mut wf = [T::zero(); 3];
                let mut df = [T::zero(); 3];
                for ax in 0..nd {
                    let bit = (corner >> ax) & 1;
                    match inside(base[ax] + c(bit as f64), size(ax)) {
                        Some(i) => pos += i * stride[ax],
                        None => ok = false,
                    }
                    if bit == 1 {
                        wf[ax] = frac[ax];
                        df[ax] = T::one();
                    } else {
                        wf[ax] = T::one() - frac[ax];
                        df[ax] = -T::one();
                    }
                }
                if !ok {
                    continue;
                }
                // weight: the outermost axis's factor first (ATen's products)
                let mut w = wf[nd - 1];
                for &f in wf[..nd - 1].iter().rev() {
                    w = w * f;
                }
                let k = pt.n;
                if DW {
                    let mut dw = [T::zero(); 3];
                    for (d, dv) in dw.iter_mut().enumerate().take(nd) {
                        let mut p = df[d];
                        for (ax, &f) in wf.iter().enumerate().take(nd) {
                            if ax != d {
                                p = p * f;
                            }
                        }
                        *dv = p;
                    }
                    pt.dw[k] = dw;
                }
                pt.idx[k] = pos;
                pt.w[k] = w;
                pt.n += 1;
            }
        }
        GridMode::Bicubic => {
            // 2-d only: x = W, y = H
            let (bx, by) = (coord[0].floor(), coord[1].floor());
            let (wx, dx) = cubic(coord[0] - bx);
            let (wy, dy) = cubic(coord[1] - by);
            // each tap row's and column's position (padded, truncated as ATen's int cast)
            let tap = |b: T, k: usize, size: usize| {
                let t = pad_coord(b + c((k as f64) - 1.0), size, a.padding, a.align_corners).0;
                inside(t.trunc(), size)
            };
            let xs = [0, 1, 2, 3].map(|j| tap(bx, j, size(0)));
            for i in 0..4 {
                let Some(yi) = tap(by, i, size(1)) else {
                    continue;
                };
                for (j, xi) in xs.iter().enumerate() {
                    let Some(xi) = *xi else {
                        continue;
                    };
                    let k = pt.n;
                    pt.idx[k] = yi * stride[1] + xi;
                    pt.w[k] = wy[i] * wx[j];
                    if DW {
                        pt.dw[k] = [wy[i] * dx[j], dy[i] * wx[j], T::zero()];
                    }
                    pt.n += 1;
                }
            }
        }
    }
}

trait RoundEven {
    fn round_ties_even_(self) -> Self;
}

impl<T: Float> RoundEven for T {
    fn round_ties_even_(self) -> Self {
        let r = self.round();
        if (self - self.trunc()).abs() == c(0.5) {
            // a tie: round() went away from zero; take the even neighbour
            let half = r / c(2.0);
            if half.floor() != half {
                return r - self.signum();
            }
        }
        r
    }
}

/// Channel blocks per batch item so that there are at least two tasks per thread.
fn channel_block(n: usize, ch: usize) -> usize {
    let want = 2 * pool().current_num_threads();
    let per_item = want.div_ceil(n.max(1)).max(1);
    ch.div_ceil(per_item).max(1)
}

/// The points' taps of batch item `b`, points `p0..p0 + len`.
fn chunk_taps<T: Float, const DW: bool>(
    grid: &[T],
    a: &GridArgs,
    b: usize,
    p0: usize,
    taps: &mut [PointTaps<T>],
) {
    let nd = a.nd;
    for (i, pt) in taps.iter_mut().enumerate() {
        let p = b * a.points + p0 + i;
        point_taps::<T, DW>(&grid[p * nd..(p + 1) * nd], a, pt);
    }
}

/// The sampled output `(n, c, points)` of input `x` (`(n, c, plane)`) at `grid`
/// (`(n, points, nd)`).
pub fn forward<T: Float + Send + Sync>(x: &[T], grid: &[T], a: &GridArgs, out: &mut [T]) {
    let plane: usize = a.inp.iter().product();
    let (p, ch) = (a.points, a.c);
    if out.is_empty() || p == 0 {
        return;
    }
    let cb = channel_block(a.n, ch);
    pool().install(|| {
        out.par_chunks_mut(ch * p).enumerate().for_each(|(b, ob)| {
            ob.par_chunks_mut(cb * p).enumerate().for_each(|(blk, oc)| {
                let mut taps = taps_buffer::<T>(CHUNK);
                for p0 in (0..p).step_by(CHUNK) {
                    let len = CHUNK.min(p - p0);
                    chunk_taps::<T, false>(grid, a, b, p0, &mut taps[..len]);
                    for (k, o) in oc.chunks_mut(p).enumerate() {
                        let cc = blk * cb + k;
                        let xs = &x[(b * ch + cc) * plane..(b * ch + cc + 1) * plane];
                        for (o, t) in o[p0..p0 + len].iter_mut().zip(&taps[..len]) {
                            *o = if t.n == 0 {
                                T::zero()
                            } else {
                                let mut acc = t.w[0] * xs[t.idx[0]];
                                for (&w, &i) in t.w[1..t.n].iter().zip(&t.idx[1..t.n]) {
                                    acc = acc + w * xs[i];
                                }
                                acc
                            };
                        }
                    }
                }
            });
        });
    });
}

/// The input's gradient (`(n, c, plane)`, zero on entry) for the output gradient `g`.
pub fn backward_input<T: Float + Send + Sync>(g: &[T], grid: &[T], a: &GridArgs, gx: &mut [T]) {
    let plane: usize = a.inp.iter().product();
    let (p, ch) = (a.points, a.c);
    if gx.is_empty() || p == 0 {
        return;
    }
    let cb = channel_block(a.n, ch);
    pool().install(|| {
        gx.par_chunks_mut(ch * plane)
            .enumerate()
            .for_each(|(b, gb)| {
                gb.par_chunks_mut(cb * plane)
                    .enumerate()
                    .for_each(|(blk, gc)| {
                        let mut taps = taps_buffer::<T>(CHUNK);
                        for p0 in (0..p).step_by(CHUNK) {
                            let len = CHUNK.min(p - p0);
                            chunk_taps::<T, false>(grid, a, b, p0, &mut taps[..len]);
                            for (k, gi) in gc.chunks_mut(plane).enumerate() {
                                let cc = blk * cb + k;
                                let gs = &g[(b * ch + cc) * p + p0..(b * ch + cc) * p + p0 + len];
                                for (&gv, t) in gs.iter().zip(&taps[..len]) {
                                    for (&w, &i) in t.w[..t.n].iter().zip(&t.idx[..t.n]) {
                                        gi[i] = gi[i] + w * gv;
                                    }
                                }
                            }
                        }
                    });
            });
    });
}

/// The grid's gradient (`(n, points, nd)`) for the output gradient `g` and input `x`.
pub fn backward_grid<T: Float + Send + Sync>(
    g: &[T],
    x: &[T],
    grid: &[T],
    a: &GridArgs,
    gg: &mut [T],
) {
    let plane: usize = a.inp.iter().product();
    let (p, ch, nd) = (a.points, a.c, a.nd);
    if gg.is_empty() {
        return;
    }
    if a.mode == GridMode::Nearest {
        gg.fill(T::zero());
        return;
    }
    pool().install(|| {
        gg.par_chunks_mut(p * nd).enumerate().for_each(|(b, gb)| {
            gb.par_chunks_mut(CHUNK * nd)
                .enumerate()
                .for_each(|(ci, gc)| {
                    let p0 = ci * CHUNK;
                    let len = gc.len() / nd;
                    let mut taps = taps_buffer::<T>(len);
                    chunk_taps::<T, true>(grid, a, b, p0, &mut taps);
                    // point by point, the channels in order, the sums in registers
                    let base = b * ch;
                    for (q, (o, t)) in gc.chunks_mut(nd).zip(&taps).enumerate() {
                        let mut acc = [T::zero(); 3];
                        for cc in 0..ch {
                            let xs = &x[(base + cc) * plane..(base + cc + 1) * plane];
                            let gv = g[(base + cc) * p + p0 + q];
                            for (&i, dw) in t.idx[..t.n].iter().zip(&t.dw[..t.n]) {
                                let v = xs[i] * gv;
                                acc[0] = acc[0] + v * dw[0];
                                acc[1] = acc[1] + v * dw[1];
                                if nd == 3 {
                                    acc[2] = acc[2] + v * dw[2];
                                }
                            }
                        }
                        for ((o, &a), &m) in o.iter_mut().zip(&acc).zip(&t.mult) {
                            *o = a * m;
                        }
                    }
                });
        });
    });
}

/// Both gradients in one pass when the batch items alone give every thread work (`None`
/// otherwise: the caller runs `backward_input` and `backward_grid`). Each batch item is one
/// task; the sums run in the same order as in the two separate kernels, so the results are
/// the same bits.
pub fn backward_both<T: Float + Send + Sync>(
    g: &[T],
    x: &[T],
    grid: &[T],
    a: &GridArgs,
    gx: &mut [T],
    gg: &mut [T],
) -> Option<()> {
    let plane: usize = a.inp.iter().product();
    let (p, ch, nd) = (a.points, a.c, a.nd);
    if a.n < 2 * pool().current_num_threads() || a.mode == GridMode::Nearest || p == 0 || ch == 0 {
        return None;
    }
    pool().install(|| {
        gx.par_chunks_mut(ch * plane)
            .zip(gg.par_chunks_mut(p * nd))
            .enumerate()
            .for_each(|(b, (gi, gb))| {
                let base = b * ch;
                let mut taps = taps_buffer::<T>(CHUNK);
                for p0 in (0..p).step_by(CHUNK) {
                    let len = CHUNK.min(p - p0);
                    chunk_taps::<T, true>(grid, a, b, p0, &mut taps[..len]);
                    let gc = &mut gb[p0 * nd..(p0 + len) * nd];
                    for (q, (o, t)) in gc.chunks_mut(nd).zip(&taps[..len]).enumerate() {
                        let mut acc = [T::zero(); 3];
                        for cc in 0..ch {
                            let xs = &x[(base + cc) * plane..(base + cc + 1) * plane];
                            let gis = &mut gi[cc * plane..(cc + 1) * plane];
                            let gv = g[(base + cc) * p + p0 + q];
                            for ((&i, &w), dw) in
                                t.idx[..t.n].iter().zip(&t.w[..t.n]).zip(&t.dw[..t.n])
                            {
                                gis[i] = gis[i] + w * gv;
                                let v = xs[i] * gv;
                                acc[0] = acc[0] + v * dw[0];
                                acc[1] = acc[1] + v * dw[1];
                                if nd == 3 {
                                    acc[2] = acc[2] + v * dw[2];
                                }
                            }
                        }
                        for ((o, &s), &m) in o.iter_mut().zip(&acc).zip(&t.mult) {
                            *o = s * m;
                        }
                    }
                }
            })
    });
    Some(())
}
