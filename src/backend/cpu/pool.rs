//! Pooling kernels over the window tables of `spec::pool` (see that module): one max kernel
//! (values and flat per-plane argmax, PyTorch's NaN rule), one average kernel and its adjoint,
//! and the per-plane gather / scatter-add / scatter that max pooling's backward and max
//! unpooling use. Each kernel splits the planes (batch x channels) over the thread pool; a
//! plane is written by one thread, so the scatters need no atomics.

use crate::backend::cpu::threads::pool;
use crate::dtype::Element;
use crate::spec::pool::Windows;
use rayon::prelude::*;

/// Planes per task: enough work per task that small planes do not pay rayon per plane.
fn min_planes(plane_elems: usize) -> usize {
    (crate::backend::cpu::iter::GRAIN / plane_elems.max(1)).max(1)
}

/// The tap rows of plane `p`: (x0, n) per dim plus the steps.
struct Taps<'a> {
    x0: [&'a [i64]; 3],
    n: [&'a [i64]; 3],
    step: [i64; 3],
}

fn taps(w: &Windows, p: usize) -> Taps<'_> {
    let row = |d: usize| {
        let r = w.row(p, d);
        (
            &w.dims[d].x0[r..r + w.out[d]],
            &w.dims[d].n[r..r + w.out[d]],
        )
    };
    let (a, b, c) = (row(0), row(1), row(2));
    Taps {
        x0: [a.0, b.0, c.0],
        n: [a.1, b.1, c.1],
        step: [w.dims[0].step, w.dims[1].step, w.dims[2].step],
    }
}

/// Whether every tap of every window lies inside the input plane (the tables of `ops/pool.rs`
/// are built so; checked once per call so that the hot loops can read without bounds checks).
fn in_bounds(w: &Windows) -> bool {
    (0..3).all(|d| {
        let dw = &w.dims[d];
        let rows = if w.per_plane { w.planes } else { 1 } * w.out[d];
        dw.x0.len() >= rows
            && dw.n.len() >= rows
            && dw.step >= 0
            && dw.x0.iter().zip(&dw.n).all(|(&x0, &n)| {
                n <= 0
                    || (x0 >= 0
                        && (n - 1)
                            .checked_mul(dw.step)
                            .and_then(|s| s.checked_add(x0))
                            .is_some_and(|e| e < w.inp[d] as i64))
            })
    })
}

/// Max over one window: the value and its flat index in the plane (the first tap starts the
/// search; a later tap wins when larger or NaN).
///
/// # Safety
/// Every tap `((d0 + i sd) ih + h0 + j sh) iw + w0 + l sw` for `i < dn, j < hn, l < wn`
/// must index inside `xs`, and `dn, hn, wn >= 1`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn window_max<T: Element>(
    xs: &[T],
    (d0, dn, sd): (i64, i64, i64),
    (h0, hn, sh): (i64, i64, i64),
    (w0, wn, sw): (i64, i64, i64),
    ih: i64,
    iw: i64,
) -> (T, i64) {
    let mut bi = (d0 * ih + h0) * iw + w0;
    // SAFETY: the caller's contract (all taps in range).
    let mut m = unsafe { *xs.get_unchecked(bi as usize) };
    for i in 0..dn {
        for j in 0..hn {
            let rowp = ((d0 + i * sd) * ih + h0 + j * sh) * iw + w0;
            for l in 0..wn {
                let q = rowp + l * sw;
                // SAFETY: as above.
                let v = unsafe { *xs.get_unchecked(q as usize) };
                #[allow(clippy::eq_op)]
                if v > m || v != v {
                    m = v;
                    bi = q;
                }
            }
        }
    }
    (m, bi)
}

/// Max over each window of each plane: `out` gets the value and, when given, `idx` the flat
/// index inside the input plane (PyTorch's rule: the first tap starts the search and a later
/// tap wins when it is larger or NaN, so a NaN window reports its last NaN). An empty window
/// (impossible after the checks) gives the type's default and index -1; so do all windows of
/// tables that fail `in_bounds` (never built by `ops/pool.rs`).
pub fn max_fwd<T: Element>(x: &[T], w: &Windows, out: &mut [T], idx: Option<&mut [i64]>) {
    let (ip, op) = (w.in_plane(), w.out_plane());
    if op == 0 || w.planes == 0 {
        return;
    }
    let valid = in_bounds(w) && x.len() >= ip * w.planes;
    let [_, ih, iw] = w.inp;
    let (ih, iw) = (ih as i64, iw as i64);
    let run = |p: usize, o: &mut [T], mut ix: Option<&mut [i64]>| {
        let xs = &x[p * ip..(p + 1) * ip];
        let t = taps(w, p);
        let [sd, sh, sw] = t.step;
        let mut k = 0;
        for a in 0..w.out[0] {
            let (d0, dn) = (t.x0[0][a], t.n[0][a]);
            for b in 0..w.out[1] {
                let (h0, hn) = (t.x0[1][b], t.n[1][b]);
                for c in 0..w.out[2] {
                    let (w0, wn) = (t.x0[2][c], t.n[2][c]);
                    let (m, bi) = if valid && dn == 1 && hn == 2 && wn == 2 && sw == 1 {
                        // The common 2x2 window, unrolled (same order and rule as window_max).
                        let r0 = (d0 * ih + h0) * iw + w0;
                        let r1 = r0 + sh * iw;
                        let (mut m, mut bi) = (xs[r0 as usize], r0);
                        for q in [r0 + 1, r1, r1 + 1] {
                            // SAFETY: `in_bounds` checked every tap of every window.
                            let v = unsafe { *xs.get_unchecked(q as usize) };
                            #[allow(clippy::eq_op)]
                            if v > m || v != v {
                                m = v;
                                bi = q;
                            }
                        }
                        (m, bi)
                    } else if valid && dn > 0 && hn > 0 && wn > 0 {
                        // SAFETY: `in_bounds` checked every tap of every window.
                        unsafe { window_max(xs, (d0, dn, sd), (h0, hn, sh), (w0, wn, sw), ih, iw) }
                    } else {
                        (T::default(), -1)
                    };
                    o[k] = m;
                    if let Some(ix) = ix.as_deref_mut() {
                        ix[k] = bi;
                    }
                    k += 1;
                }
            }
        }
    };
    pool().install(|| match idx {
        Some(idx) => out
            .par_chunks_mut(op)
            .zip(idx.par_chunks_mut(op))
            .enumerate()
            .with_min_len(min_planes(ip))
            .for_each(|(p, (o, ix))| run(p, o, Some(ix))),
        None => out
            .par_chunks_mut(op)
            .enumerate()
            .with_min_len(min_planes(ip))
            .for_each(|(p, o)| run(p, o, None)),
    });
}

/// The sum of the window's taps divided by `Windows::divisor_at`: float types sum in float64
/// and round once; integer types sum in int64 and divide truncating, as PyTorch's kernels.
pub fn avg_fwd<T: Element>(x: &[T], w: &Windows, out: &mut [T]) {
    let (ip, op) = (w.in_plane(), w.out_plane());
    if op == 0 || w.planes == 0 {
        return;
    }
    let float = T::DTYPE.is_float();
    let fast = float && !w.per_plane && in_bounds(w) && x.len() >= ip * w.planes;
    // The divisors of one plane's outputs (the same for every plane).
    let mut divs = Vec::with_capacity(if w.per_plane { 0 } else { op });
    if !w.per_plane {
        for a in 0..w.out[0] {
            for b in 0..w.out[1] {
                for c in 0..w.out[2] {
                    divs.push(w.divisor_at([a, b, c]));
                }
            }
        }
    }
    let [_, ih, iw] = w.inp;
    let (ih, iw) = (ih as i64, iw as i64);
    let run = |p: usize, o: &mut [T]| {
        let xs = &x[p * ip..(p + 1) * ip];
        let t = taps(w, p);
        let mut k = 0;
        for a in 0..w.out[0] {
            for b in 0..w.out[1] {
                for c in 0..w.out[2] {
                    let (w0, wn) = (t.x0[2][c], t.n[2][c].max(0));
                    if fast {
                        let mut fs = 0f64;
                        for i in 0..t.n[0][a] {
                            for j in 0..t.n[1][b] {
                                let rowp = ((t.x0[0][a] + i) * ih + t.x0[1][b] + j) * iw + w0;
                                for l in 0..wn {
                                    // SAFETY: `in_bounds` checked every tap of every window.
                                    fs += unsafe { xs.get_unchecked((rowp + l) as usize) }.to_f64();
                                }
                            }
                        }
                        o[k] = T::from_f64(fs / divs[k]);
                        k += 1;
                        continue;
                    }
                    let div = w.divisor_at([a, b, c]);
                    let (mut fs, mut is) = (0f64, 0i64);
                    for i in 0..t.n[0][a] {
                        for j in 0..t.n[1][b] {
                            let rowp = ((t.x0[0][a] + i) * ih + t.x0[1][b] + j) * iw + w0;
                            let row = &xs[rowp as usize..(rowp + wn) as usize];
                            if float {
                                fs += row.iter().map(|v| v.to_f64()).sum::<f64>();
                            } else {
                                is = row.iter().fold(is, |s, v| s.wrapping_add(v.to_i64()));
                            }
                        }
                    }
                    o[k] = if float {
                        T::from_f64(fs / div)
                    } else {
                        T::from_i64(is.checked_div(div as i64).unwrap_or(0))
                    };
                    k += 1;
                }
            }
        }
    };
    pool().install(|| {
        out.par_chunks_mut(op)
            .enumerate()
            .with_min_len(min_planes(ip))
            .for_each(|(p, o)| run(p, o))
    });
}

/// The adjoint of `avg_fwd` (float types): each output's gradient divided by its divisor and
/// added to every tap of its window. `gx` must be zero on entry.
pub fn avg_bwd<T: Element>(g: &[T], w: &Windows, gx: &mut [T]) {
    let (ip, op) = (w.in_plane(), w.out_plane());
    if op == 0 || ip == 0 || w.planes == 0 {
        return;
    }
    let [_, ih, iw] = w.inp;
    let (ih, iw) = (ih as i64, iw as i64);
    let run = |p: usize, gi: &mut [T]| {
        let gs = &g[p * op..(p + 1) * op];
        let t = taps(w, p);
        let mut acc = vec![0f64; ip];
        let mut k = 0;
        for a in 0..w.out[0] {
            for b in 0..w.out[1] {
                for c in 0..w.out[2] {
                    let v = gs[k].to_f64() / w.divisor_at([a, b, c]);
                    k += 1;
                    for i in 0..t.n[0][a] {
                        for j in 0..t.n[1][b] {
                            let rowp = ((t.x0[0][a] + i) * ih + t.x0[1][b] + j) * iw + t.x0[2][c];
                            for s in &mut acc[rowp as usize..(rowp + t.n[2][c].max(0)) as usize] {
                                *s += v;
                            }
                        }
                    }
                }
            }
        }
        for (o, s) in gi.iter_mut().zip(acc) {
            *o = T::from_f64(s);
        }
    };
    pool().install(|| {
        gx.par_chunks_mut(ip)
            .enumerate()
            .with_min_len(min_planes(ip))
            .for_each(|(p, gi)| run(p, gi))
    });
}

/// How values land on the flat per-plane indices of `scatter_planes`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Land {
    /// Added (max pooling's backward).
    Add,
    /// Written, the later position winning (max unpooling, as PyTorch's serial CPU loop).
    Write,
}

/// `dst[p, idx[p, k]] (+)= src[p, k]` plane by plane; `dst` (planes x `dst_plane`) must be
/// zero on entry. Returns the first index outside the plane, if any (nothing is written for
/// it; the caller raises).
pub fn scatter_planes<T: Element>(
    src: &[T],
    idx: &[i64],
    dst_plane: usize,
    dst: &mut [T],
    land: Land,
) -> Option<i64> {
    let planes = dst.len().checked_div(dst_plane).unwrap_or(0);
    let sp = src.len().checked_div(planes).unwrap_or(0);
    if sp == 0 || dst_plane == 0 {
        return idx
            .iter()
            .copied()
            .find(|&i| i < 0 || i as usize >= dst_plane);
    }
    let run = |p: usize, d: &mut [T]| -> Option<i64> {
        let mut bad = None;
        for (&i, &v) in idx[p * sp..(p + 1) * sp]
            .iter()
            .zip(&src[p * sp..(p + 1) * sp])
        {
            match usize::try_from(i).ok().filter(|&u| u < dst_plane) {
                Some(u) => {
                    d[u] = match land {
                        Land::Add => T::from_f64(d[u].to_f64() + v.to_f64()),
                        Land::Write => v,
                    }
                }
                None => {
                    bad.get_or_insert(i);
                }
            }
        }
        bad
    };
    let bad: Vec<Option<i64>> = pool().install(|| {
        dst.par_chunks_mut(dst_plane)
            .enumerate()
            .with_min_len(min_planes(dst_plane + sp))
            .map(|(p, d)| run(p, d))
            .collect()
    });
    bad.into_iter().flatten().next()
}

/// `out[p, k] = src[p, idx[p, k]]` (the gradient of max pooling's backward). Indices come
/// from a max pooling of a plane of `src_plane` elements; one outside it reads as zero.
pub fn gather_planes<T: Element>(src: &[T], idx: &[i64], src_plane: usize, out: &mut [T]) {
    let planes = src.len().checked_div(src_plane).unwrap_or(0);
    let op = out.len().checked_div(planes).unwrap_or(0);
    if op == 0 {
        return;
    }
    pool().install(|| {
        out.par_chunks_mut(op)
            .enumerate()
            .with_min_len(min_planes(op))
            .for_each(|(p, o)| {
                let s = &src[p * src_plane..(p + 1) * src_plane];
                for (v, &i) in o.iter_mut().zip(&idx[p * op..(p + 1) * op]) {
                    *v = usize::try_from(i)
                        .ok()
                        .and_then(|u| s.get(u).copied())
                        .unwrap_or_default();
                }
            })
    });
}
