//! CPU convolution kernels for float32 and float64 (NOTE [convolution lowering] in
//! `ops/conv.rs`). Every convolution is a 3-d one here: 1-d and 2-d convolutions arrive with
//! unit leading spatial dims. Inputs are contiguous (N, C, D, H, W), weights (O, C/groups, KD,
//! KH, KW); each (batch item, group) is one GEMM against the im2col matrix of its window values
//! (rows: channel and kernel offset, columns: output positions), which a pointwise convolution
//! (1x1x1 kernel, unit stride, no padding) skips: its input already is that matrix.
//!
//! Threads: batch items are spread over the pool when there are at least as many items as
//! workers (one column buffer each); otherwise the items run in turn and each GEMM uses the
//! pool. The weight gradient sums over the batch: each worker accumulates its share of the items
//! into a private buffer and the buffers are added in worker order, so the result does not
//! depend on scheduling.

use crate::backend::cpu::threads::pool;
use gemm::Parallelism;
use rayon::prelude::*;

/// The sizes of one convolution, spatial sizes as (depth, height, width).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    pub n: usize,
    /// Input channels (all groups).
    pub c: usize,
    /// Output channels (all groups).
    pub o: usize,
    pub groups: usize,
    pub input: [usize; 3],
    pub kernel: [usize; 3],
    pub output: [usize; 3],
    pub stride: [usize; 3],
    pub padding: [usize; 3],
    pub dilation: [usize; 3],
}

impl ConvGeometry {
    fn cg(&self) -> usize {
        self.c / self.groups
    }
    fn og(&self) -> usize {
        self.o / self.groups
    }
    /// Rows of the column matrix: one per (channel of a group, kernel offset).
    fn rows(&self) -> usize {
        self.cg() * self.kernel.iter().product::<usize>()
    }
    fn l_in(&self) -> usize {
        self.input.iter().product()
    }
    fn l_out(&self) -> usize {
        self.output.iter().product()
    }
    /// A 1x1x1 kernel with unit stride and no padding: the input is its own column matrix.
    fn pointwise(&self) -> bool {
        self.kernel == [1; 3]
            && self.stride == [1; 3]
            && self.padding == [0; 3]
            && self.output == self.input
    }
}

/// The float types with a convolution kernel.
pub trait ConvElem: Copy + Send + Sync + Default + std::ops::AddAssign + 'static {
    const ONE: Self;
    /// `C = A·B`, or `C += A·B` when `acc`; `threads > 1` lets the product use the pool.
    ///
    /// # Safety
    /// The pointers and strides must describe valid (m, k), (k, n) and (m, n) matrices, the last
    /// one writable and not overlapping the others.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm(
        m: usize,
        n: usize,
        k: usize,
        a: (*const Self, isize, isize),
        b: (*const Self, isize, isize),
        c: (*mut Self, isize, isize),
        acc: bool,
        threads: usize,
    );
}

macro_rules! conv_elem {
    ($T:ty, $mm:path) => {
        impl ConvElem for $T {
            const ONE: Self = 1.0;
            unsafe fn gemm(
                m: usize,
                n: usize,
                k: usize,
                a: (*const Self, isize, isize),
                b: (*const Self, isize, isize),
                c: (*mut Self, isize, isize),
                acc: bool,
                threads: usize,
            ) {
                if m == 0 || n == 0 {
                    return;
                }
                let beta = if acc { 1.0 } else { 0.0 };
                // As in ops/linalg.rs: `matrixmultiply` for large blocks on one thread, `gemm`
                // for small and skinny ones and for products split over the pool.
                // SAFETY: forwarded from the caller's contract.
                unsafe {
                    if threads <= 1 && m >= 32 && n >= 64 && k >= 32 {
                        $mm(
                            m, k, n, 1.0, a.0, a.1, a.2, b.0, b.1, b.2, beta, c.0, c.1, c.2,
                        );
                    } else {
                        let par = if threads > 1 {
                            Parallelism::Rayon(threads)
                        } else {
                            Parallelism::None
                        };
                        gemm::gemm(
                            m, n, k, c.0, c.2, c.1, acc, a.0, a.2, a.1, b.0, b.2, b.1, beta, 1.0,
                            false, false, false, par,
                        );
                    }
                }
            }
        }
    };
}

conv_elem!(f32, matrixmultiply::sgemm);
conv_elem!(f64, matrixmultiply::dgemm);

/// The output positions `lo..hi` whose input index `o*stride + off` lies in `0..n_in`.
fn span(n_out: usize, stride: usize, off: isize, n_in: usize) -> (usize, usize) {
    let s = stride as isize;
    let lo = if off >= 0 { 0 } else { (-off + s - 1) / s };
    let room = n_in as isize - off;
    let hi = if room <= 0 { 0 } else { (room + s - 1) / s };
    let hi = (hi as usize).min(n_out);
    ((lo as usize).min(hi), hi)
}

/// Walks the column matrix of one group of one batch item: `f(column row, input row)` for each
/// run of output positions along the width whose inputs are in range, with the width's span.
/// `col_row` is the slice offset of the output line in the column matrix, `x_row` that of the
/// input line; lines whose depth/height index is out of range are reported with `None`.
fn walk(g: &ConvGeometry, mut f: impl FnMut(usize, Option<usize>, isize, (usize, usize))) {
    let [id, ih, iw] = g.input;
    let [kd, kh, kw] = g.kernel;
    let [od, oh, ow] = g.output;
    let (l_in, l_out) = (g.l_in(), g.l_out());
    let mut row = 0;
    for c in 0..g.cg() {
        for a in 0..kd {
            for b in 0..kh {
                for e in 0..kw {
                    let base = row * l_out;
                    row += 1;
                    let off = (e * g.dilation[2]) as isize - g.padding[2] as isize;
                    let xs = span(ow, g.stride[2], off, iw);
                    for zo in 0..od {
                        let zi =
                            (zo * g.stride[0] + a * g.dilation[0]) as isize - g.padding[0] as isize;
                        for yo in 0..oh {
                            let yi = (yo * g.stride[1] + b * g.dilation[1]) as isize
                                - g.padding[1] as isize;
                            let line = base + (zo * oh + yo) * ow;
                            if zi < 0 || zi >= id as isize || yi < 0 || yi >= ih as isize {
                                f(line, None, off, xs);
                            } else {
                                let x_line = c * l_in + (zi as usize * ih + yi as usize) * iw;
                                f(line, Some(x_line), off, xs);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The column matrix (rows x output positions) of one group's input `x` (cg x L_in).
fn im2col<T: ConvElem>(g: &ConvGeometry, x: &[T], cols: &mut [T]) {
    let ow = g.output[2];
    let st = g.stride[2];
    walk(g, |line, x_line, off, (lo, hi)| {
        let dst = &mut cols[line..line + ow];
        let Some(xl) = x_line else {
            dst.fill(T::default());
            return;
        };
        dst[..lo].fill(T::default());
        dst[hi..].fill(T::default());
        let start = (xl as isize + off) as usize;
        if st == 1 {
            dst[lo..hi].copy_from_slice(&x[start + lo..start + hi]);
        } else {
            for (k, d) in dst[lo..hi].iter_mut().enumerate() {
                *d = x[start + (lo + k) * st];
            }
        }
    });
}

/// Adds a column matrix back onto the positions it was read from (the adjoint of `im2col`).
fn col2im<T: ConvElem>(g: &ConvGeometry, cols: &[T], x: &mut [T]) {
    let st = g.stride[2];
    walk(g, |line, x_line, off, (lo, hi)| {
        let Some(xl) = x_line else { return };
        let start = (xl as isize + off) as usize;
        for (k, &v) in cols[line + lo..line + hi].iter().enumerate() {
            x[start + (lo + k) * st] += v;
        }
    });
}

/// How many workers, and whether the batch items are spread over them.
fn plan(n: usize) -> (usize, bool) {
    let threads = pool().current_num_threads();
    (threads, threads > 1 && n >= threads)
}

/// Runs `f(item, column buffer, gemm threads)` for each batch item, spread as described above.
fn for_items<T: ConvElem>(
    n: usize,
    buf_len: usize,
    f: impl Fn(usize, &mut Vec<T>, usize) + Send + Sync,
) {
    let (threads, spread) = plan(n);
    pool().install(|| {
        if spread {
            (0..n)
                .into_par_iter()
                .with_min_len(1)
                .for_each_init(|| vec![T::default(); buf_len], |buf, i| f(i, buf, 1));
        } else {
            let mut buf = vec![T::default(); buf_len];
            (0..n).for_each(|i| f(i, &mut buf, threads));
        }
    });
}

/// `y = conv(x, w) (+ bias)`; `y` is fully written.
pub fn forward<T: ConvElem>(g: &ConvGeometry, x: &[T], w: &[T], bias: Option<&[T]>, y: &mut [T]) {
    let (cg, og, rows, l_in, l_out) = (g.cg(), g.og(), g.rows(), g.l_in(), g.l_out());
    let pointwise = g.pointwise();
    let buf_len = if pointwise { 0 } else { rows * l_out };
    let yp = SendPtr(y.as_mut_ptr());
    for_items::<T>(g.n, buf_len, |i, cols, threads| {
        for grp in 0..g.groups {
            let xg = &x[(i * g.c + grp * cg) * l_in..][..cg * l_in];
            // SAFETY: each (item, group) writes its own og x l_out block of y.
            let yg = unsafe {
                std::slice::from_raw_parts_mut(
                    yp.get().add((i * g.o + grp * og) * l_out),
                    og * l_out,
                )
            };
            let b: &[T] = if pointwise {
                xg
            } else {
                im2col(g, xg, cols);
                cols
            };
            if let Some(bias) = bias {
                for (r, line) in yg.chunks_exact_mut(l_out.max(1)).enumerate() {
                    line.fill(bias[grp * og + r]);
                }
            }
            let wg = &w[grp * og * rows..][..og * rows];
            // SAFETY: wg is og x rows, b rows x l_out, yg og x l_out, all row-major.
            unsafe {
                T::gemm(
                    og,
                    l_out,
                    rows,
                    (wg.as_ptr(), rows as isize, 1),
                    (b.as_ptr(), l_out as isize, 1),
                    (yg.as_mut_ptr(), l_out as isize, 1),
                    bias.is_some(),
                    threads,
                );
            }
        }
    });
}

/// `gx = conv_input_grad(gy, w)` (a transposed convolution); `gx` must hold zeros.
pub fn backward_input<T: ConvElem>(g: &ConvGeometry, gy: &[T], w: &[T], gx: &mut [T]) {
    let (cg, og, rows, l_in, l_out) = (g.cg(), g.og(), g.rows(), g.l_in(), g.l_out());
    let pointwise = g.pointwise();
    let buf_len = if pointwise { 0 } else { rows * l_out };
    let xp = SendPtr(gx.as_mut_ptr());
    for_items::<T>(g.n, buf_len, |i, cols, threads| {
        for grp in 0..g.groups {
            let gyg = &gy[(i * g.o + grp * og) * l_out..][..og * l_out];
            let wg = &w[grp * og * rows..][..og * rows];
            // SAFETY: each (item, group) owns its cg x l_in block of gx.
            let gxg = unsafe {
                std::slice::from_raw_parts_mut(xp.get().add((i * g.c + grp * cg) * l_in), cg * l_in)
            };
            let dst: *mut T = if pointwise {
                gxg.as_mut_ptr()
            } else {
                cols.as_mut_ptr()
            };
            // SAFETY: wg^T is rows x og (column-major view of wg), gyg og x l_out, dst
            // rows x l_out.
            unsafe {
                T::gemm(
                    rows,
                    l_out,
                    og,
                    (wg.as_ptr(), 1, rows as isize),
                    (gyg.as_ptr(), l_out as isize, 1),
                    (dst, l_out as isize, 1),
                    false,
                    threads,
                );
            }
            if !pointwise {
                col2im(g, cols, gxg);
            }
        }
    });
}

/// `gw = conv_weight_grad(x, gy)`, summed over the batch; `gw` is fully written.
pub fn backward_weight<T: ConvElem>(g: &ConvGeometry, x: &[T], gy: &[T], gw: &mut [T]) {
    let (cg, og, rows, l_in, l_out) = (g.cg(), g.og(), g.rows(), g.l_in(), g.l_out());
    let pointwise = g.pointwise();
    let buf_len = if pointwise { 0 } else { rows * l_out };
    // Items [lo, hi) accumulated into `acc` (o x rows).
    let run = |lo: usize, hi: usize, acc: &mut [T], threads: usize| {
        let mut cols = vec![T::default(); buf_len];
        for i in lo..hi {
            for grp in 0..g.groups {
                let xg = &x[(i * g.c + grp * cg) * l_in..][..cg * l_in];
                let gyg = &gy[(i * g.o + grp * og) * l_out..][..og * l_out];
                let b: &[T] = if pointwise {
                    xg
                } else {
                    im2col(g, xg, &mut cols);
                    &cols
                };
                let accg = &mut acc[grp * og * rows..][..og * rows];
                // SAFETY: gyg is og x l_out, b^T l_out x rows (column-major view of b), accg
                // og x rows.
                unsafe {
                    T::gemm(
                        og,
                        rows,
                        l_out,
                        (gyg.as_ptr(), l_out as isize, 1),
                        (b.as_ptr(), 1, l_out as isize),
                        (accg.as_mut_ptr(), rows as isize, 1),
                        true,
                        threads,
                    );
                }
            }
        }
    };
    gw.fill(T::default());
    let (threads, spread) = plan(g.n);
    pool().install(|| {
        if spread {
            let per = g.n.div_ceil(threads);
            let parts: Vec<Vec<T>> = (0..threads)
                .into_par_iter()
                .map(|t| {
                    let mut acc = vec![T::default(); gw.len()];
                    run((t * per).min(g.n), ((t + 1) * per).min(g.n), &mut acc, 1);
                    acc
                })
                .collect();
            for p in parts {
                for (d, v) in gw.iter_mut().zip(p) {
                    *d += v;
                }
            }
        } else {
            run(0, g.n, gw, threads);
        }
    });
}

/// A raw pointer that may cross threads (each thread writes a disjoint block).
#[derive(Clone, Copy)]
struct SendPtr<T>(*mut T);
// SAFETY: used only for disjoint writes, as the call sites explain.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    fn get(self) -> *mut T {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The convolution by its definition, one output at a time.
    fn naive(g: &ConvGeometry, x: &[f64], w: &[f64]) -> Vec<f64> {
        let (cg, og) = (g.cg(), g.og());
        let [od, oh, ow] = g.output;
        let [kd, kh, kw] = g.kernel;
        let mut y = vec![0.0; g.n * g.o * g.l_out()];
        for i in 0..g.n {
            for o in 0..g.o {
                let grp = o / og;
                for p in 0..od * oh * ow {
                    let (z, yy, xx) = (p / (oh * ow), (p / ow) % oh, p % ow);
                    let mut s = 0.0;
                    for c in 0..cg {
                        for (a, b, e) in
                            (0..kd * kh * kw).map(|k| (k / (kh * kw), (k / kw) % kh, k % kw))
                        {
                            let zi = (z * g.stride[0] + a * g.dilation[0]) as isize
                                - g.padding[0] as isize;
                            let yi = (yy * g.stride[1] + b * g.dilation[1]) as isize
                                - g.padding[1] as isize;
                            let xi = (xx * g.stride[2] + e * g.dilation[2]) as isize
                                - g.padding[2] as isize;
                            let [id, ih, iw] = g.input;
                            if zi < 0
                                || yi < 0
                                || xi < 0
                                || zi >= id as isize
                                || yi >= ih as isize
                                || xi >= iw as isize
                            {
                                continue;
                            }
                            let xv = x[((i * g.c + grp * cg + c) * id + zi as usize) * ih * iw
                                + yi as usize * iw
                                + xi as usize];
                            let wv = w[((o * cg + c) * kd + a) * kh * kw + b * kw + e];
                            s += xv * wv;
                        }
                    }
                    y[(i * g.o + o) * g.l_out() + p] = s;
                }
            }
        }
        y
    }

    fn vals(n: usize, seed: u64) -> Vec<f64> {
        (0..n)
            .map(|i| (((i as u64 * 2654435761 + seed) % 1000) as f64) / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn forward_and_adjoints_agree_with_the_definition() {
        let g = ConvGeometry {
            n: 2,
            c: 4,
            o: 6,
            groups: 2,
            input: [3, 5, 7],
            kernel: [2, 2, 3],
            output: [2, 2, 3],
            stride: [1, 2, 2],
            padding: [0, 1, 1],
            dilation: [1, 1, 2],
        };
        let x = vals(g.n * g.c * g.l_in(), 1);
        let w = vals(g.o * g.rows(), 7);
        let mut y = vec![0.0; g.n * g.o * g.l_out()];
        forward(&g, &x, &w, None, &mut y);
        let want = naive(&g, &x, &w);
        for (a, b) in y.iter().zip(&want) {
            assert!((a - b).abs() < 1e-12, "{a} {b}");
        }
        // <conv(x), gy> = <x, input_grad(gy)> = <w, weight_grad(x, gy)>
        let gy = vals(y.len(), 3);
        let mut gx = vec![0.0; x.len()];
        backward_input(&g, &gy, &w, &mut gx);
        let mut gw = vec![0.0; w.len()];
        backward_weight(&g, &x, &gy, &mut gw);
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
        let lhs = dot(&y, &gy);
        assert!((lhs - dot(&x, &gx)).abs() < 1e-9);
        assert!((lhs - dot(&w, &gw)).abs() < 1e-9);
    }
}
