//! CPU convolution kernels for float32 and float64 (NOTE [convolution lowering] in
//! `ops/conv.rs`). Every convolution is a 3-d one here: 1-d and 2-d convolutions arrive with
//! unit leading spatial dims. Inputs are contiguous (N, C, D, H, W), weights (O, C/groups, KD,
//! KH, KW); each (batch item, group) is one GEMM against the im2col matrix of its window values
//! (rows: channel and kernel offset, columns: output positions), which a pointwise convolution
//! (1x1x1 kernel, unit stride, no padding) skips: its input already is that matrix.
//!
//! Small images make narrow products, so items are taken in blocks whose column matrices sit
//! side by side (at least `MIN_COLUMNS` columns a product); outputs and gradients of a block are
//! staged as one matrix and moved to their items. Threads: blocks are spread over the pool
//! when there are at least as many blocks as workers (scratch buffers per worker); otherwise
//! they run in turn and each GEMM uses the pool. The weight gradient sums over the batch: each
//! worker accumulates its share of the blocks into a private buffer and the buffers are added
//! in worker order, so the result does not depend on scheduling.

use crate::backend::cpu::threads::pool;
use crate::backend::cpu::winograd;
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
pub trait ConvElem:
    Copy
    + Send
    + Sync
    + Default
    + std::ops::AddAssign
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + 'static
{
    const ONE: Self;
    const HALF: Self;
    /// Whether 3x3 stride-1 kernels take the Winograd path (`winograd.rs`).
    const WINOGRAD: bool;
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
    ($T:ty, $winograd:expr) => {
        impl ConvElem for $T {
            const ONE: Self = 1.0;
            const HALF: Self = 0.5;
            const WINOGRAD: bool = $winograd;
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
                // SAFETY: forwarded from the caller's contract.
                unsafe { super::gemm::gemm(m, n, k, a, b, c, acc, threads) }
            }
        }
    };
}

// float64 keeps the direct sums: its users ask for the last digits Winograd's transforms move.
conv_elem!(f32, true);
conv_elem!(f64, false);

/// The output positions `lo..hi` whose input index `o*stride + off` lies in `0..n_in`.
fn span(n_out: usize, stride: usize, off: isize, n_in: usize) -> (usize, usize) {
    let s = stride as isize;
    let lo = if off >= 0 { 0 } else { (-off + s - 1) / s };
    let room = n_in as isize - off;
    let hi = if room <= 0 { 0 } else { (room + s - 1) / s };
    let hi = (hi as usize).min(n_out);
    ((lo as usize).min(hi), hi)
}

/// Walks the column matrix of one group of one batch item, whose rows are `ld` apart:
/// `f(line, x_line, off, span)` for each line of output positions along the width. `line` is
/// the offset of the line in the column matrix, `x_line` that of the input line it reads (`None`
/// when its depth or height index falls in the padding), `off` the width offset of the kernel
/// tap and `span` the output positions whose input is in range.
fn walk(
    g: &ConvGeometry,
    ld: usize,
    (l0, l1): (usize, usize),
    mut f: impl FnMut(usize, Option<usize>, isize, (usize, usize)),
) {
    let [id, ih, iw] = g.input;
    let [kd, kh, kw] = g.kernel;
    let [od, oh, ow] = g.output;
    let l_in = g.l_in();
    let mut row = 0;
    for c in 0..g.cg() {
        for a in 0..kd {
            for b in 0..kh {
                for e in 0..kw {
                    let base = row * ld;
                    row += 1;
                    let off = (e * g.dilation[2]) as isize - g.padding[2] as isize;
                    let xs = span(ow, g.stride[2], off, iw);
                    for zo in 0..od {
                        let zi =
                            (zo * g.stride[0] + a * g.dilation[0]) as isize - g.padding[0] as isize;
                        for yo in 0..oh {
                            let li = zo * oh + yo;
                            if li < l0 || li >= l1 {
                                continue;
                            }
                            let yi = (yo * g.stride[1] + b * g.dilation[1]) as isize
                                - g.padding[1] as isize;
                            let line = base + (li - l0) * ow;
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

/// Writes the column matrix (rows x output positions, rows `ld` apart) of one group's input
/// `x` (cg x L_in), for the output lines (depth x height positions) `lines` only.
fn im2col<T: ConvElem>(
    g: &ConvGeometry,
    x: &[T],
    cols: &mut [T],
    ld: usize,
    lines: (usize, usize),
) {
    let ow = g.output[2];
    let st = g.stride[2];
    walk(g, ld, lines, |line, x_line, off, (lo, hi)| {
        let dst = &mut cols[line..line + ow];
        let Some(xl) = x_line else {
            dst.fill(T::default());
            return;
        };
        dst[..lo].fill(T::default());
        dst[hi..].fill(T::default());
        // The first in-range input; `xl + off` itself may lie before the line (padding).
        let first = (xl as isize + off + (lo * st) as isize) as usize;
        if st == 1 {
            dst[lo..hi].copy_from_slice(&x[first..first + (hi - lo)]);
        } else {
            for (k, d) in dst[lo..hi].iter_mut().enumerate() {
                *d = x[first + k * st];
            }
        }
    });
}

/// Adds a column matrix back onto the positions it was read from (the adjoint of `im2col`).
fn col2im<T: ConvElem>(
    g: &ConvGeometry,
    cols: &[T],
    ld: usize,
    x: &mut [T],
    lines: (usize, usize),
) {
    let st = g.stride[2];
    walk(g, ld, lines, |line, x_line, off, (lo, hi)| {
        let Some(xl) = x_line else { return };
        let first = (xl as isize + off + (lo * st) as isize) as usize;
        for (k, &v) in cols[line + lo..line + hi].iter().enumerate() {
            x[first + k * st] += v;
        }
    });
}

/// The output lines (depth x height positions; a line is the output row along the width).
fn all_lines(g: &ConvGeometry) -> usize {
    g.output[0] * g.output[1]
}

/// Column matrices of one item above this size are built and used in chunks of output lines,
/// so that a chunk stays in cache between im2col and the GEMM's packing (a whole matrix, 2.4 MB
/// for 64 channels x 3x3 x 32x32, went to memory and back twice). Measured on the 2-core
/// AVX-512 machine, 1 thread, Conv2d(64, 64, 3, padding=1) on 32x32: the weight gradient went
/// from 39.9 to 19.3 ms, the input gradient from 23.3 to 19.8 ms; the forward, whose GEMM has
/// only the output channels as rows, is fastest with larger chunks (`FORWARD_CHUNK_BYTES`).
const CHUNK_BYTES: usize = 256 * 1024;
const FORWARD_CHUNK_BYTES: usize = 1024 * 1024;

/// Chunks of output lines `(l0, l1)` for one item's column matrix, or None when it is at most
/// `limit` bytes (or pointwise, which has no column matrix).
fn line_chunks<T>(g: &ConvGeometry, limit: usize) -> Option<Vec<(usize, usize)>> {
    let (ow, n) = (g.output[2].max(1), all_lines(g));
    let bytes = g.rows() * ow * n * std::mem::size_of::<T>();
    if g.pointwise() || bytes <= limit || n < 2 {
        return None;
    }
    let per = (limit / (g.rows() * ow * std::mem::size_of::<T>()).max(1)).max(1);
    Some(
        (0..n)
            .step_by(per)
            .map(|l0| (l0, (l0 + per).min(n)))
            .collect(),
    )
}

/// How batch items are processed: in blocks of `items` (one GEMM per block and group, so that
/// small images still make wide products), spread over the pool when there are at least as
/// many blocks as workers (`gemm_threads` = 1), else one block at a time with the GEMM using
/// the pool.
#[derive(Clone, Copy)]
struct Plan {
    items: usize,
    blocks: usize,
    spread: bool,
    threads: usize,
    gemm_threads: usize,
}

/// Products narrower than this many columns are widened by taking several items per block.
const MIN_COLUMNS: usize = 512;

fn plan(g: &ConvGeometry) -> Plan {
    let threads = pool().current_num_threads();
    let l_out = g.l_out().max(1);
    let wanted = if g.pointwise() {
        1
    } else {
        MIN_COLUMNS.div_ceil(l_out)
    };
    let items = wanted.min((g.n / threads).max(1)).max(1);
    let mut blocks = g.n.div_ceil(items);
    if threads > 1 && blocks >= threads {
        // A multiple of the worker count, of nearly equal blocks, so that no worker waits on
        // another's extra block (32 items of 5 would make 7 blocks: 4 for one worker, 3 for
        // the other; 8 blocks of 4 split evenly).
        blocks = blocks.div_ceil(threads) * threads;
    }
    let items = g.n.div_ceil(blocks).max(1);
    let blocks = g.n.div_ceil(items);
    let spread = threads > 1 && blocks >= threads;
    Plan {
        items,
        blocks,
        spread,
        threads,
        gemm_threads: if spread { 1 } else { threads },
    }
}

impl Plan {
    fn range(&self, b: usize, n: usize) -> (usize, usize) {
        ((b * self.items).min(n), ((b + 1) * self.items).min(n))
    }
}

/// Per-block scratch: the column matrix and a staging matrix for outputs or gradients.
struct Scratch<T> {
    cols: Vec<T>,
    stage: Vec<T>,
}

/// Runs `f(first item, item count, scratch, gemm threads)` for each block of items.
fn for_blocks<T: ConvElem>(
    p: Plan,
    n: usize,
    lens: (usize, usize),
    f: impl Fn(usize, usize, &mut Scratch<T>, usize) + Send + Sync,
) {
    let new = || Scratch {
        cols: vec![T::default(); lens.0],
        stage: vec![T::default(); lens.1],
    };
    pool().install(|| {
        if p.spread {
            (0..p.blocks)
                .into_par_iter()
                .with_min_len(1)
                .for_each_init(new, |s, b| {
                    let (lo, hi) = p.range(b, n);
                    f(lo, hi - lo, s, 1)
                });
        } else {
            let mut s = new();
            for b in 0..p.blocks {
                let (lo, hi) = p.range(b, n);
                f(lo, hi - lo, &mut s, p.gemm_threads);
            }
        }
    });
}

/// The column matrix of items `i0..i0 + m` of group `grp` (rows x m * L_out), or the input
/// itself for a pointwise kernel on one item.
fn block_cols<'a, T: ConvElem>(
    g: &ConvGeometry,
    x: &'a [T],
    (i0, m, grp): (usize, usize, usize),
    cols: &'a mut [T],
) -> &'a [T] {
    let (cg, l_in, l_out) = (g.cg(), g.l_in(), g.l_out());
    let ld = m * l_out;
    if g.pointwise() && m == 1 {
        return &x[(i0 * g.c + grp * cg) * l_in..][..cg * l_in];
    }
    for b in 0..m {
        let xg = &x[((i0 + b) * g.c + grp * cg) * l_in..][..cg * l_in];
        im2col(g, xg, &mut cols[b * l_out..], ld, (0, all_lines(g)));
    }
    &cols[..g.rows() * ld]
}

/// Rows `grp * og..` of items `i0..i0 + m` of `t` (N, O, L_out) side by side: og x m * L_out.
fn gather_rows<'a, T: ConvElem>(
    g: &ConvGeometry,
    t: &'a [T],
    (i0, m, grp): (usize, usize, usize),
    stage: &'a mut [T],
) -> &'a [T] {
    let (og, l_out) = (g.og(), g.l_out());
    let start = (i0 * g.o + grp * og) * l_out;
    if m == 1 {
        return &t[start..start + og * l_out];
    }
    let ld = m * l_out;
    for b in 0..m {
        for r in 0..og {
            let src = &t[((i0 + b) * g.o + grp * og + r) * l_out..][..l_out];
            stage[r * ld + b * l_out..][..l_out].copy_from_slice(src);
        }
    }
    &stage[..og * ld]
}

/// `y = conv(x, w) (+ bias)`; `y` is fully written.
pub fn forward<T: ConvElem>(g: &ConvGeometry, x: &[T], w: &[T], bias: Option<&[T]>, y: &mut [T]) {
    if winograd::applies::<T>(g) {
        return winograd::forward(g, x, w, bias, y);
    }
    let (cg, og, rows, l_in, l_out) = (g.cg(), g.og(), g.rows(), g.l_in(), g.l_out());
    let p = plan(g);
    let chunks = line_chunks::<T>(g, FORWARD_CHUNK_BYTES);
    let ow = g.output[2];
    let lens = (rows * p.items * l_out, og * p.items * l_out);
    let yp = SendPtr(y.as_mut_ptr());
    for_blocks::<T>(p, g.n, lens, |i0, m, s, threads| {
        let ld = m * l_out;
        for grp in 0..g.groups {
            if let (1, Some(chunks)) = (m, &chunks) {
                // One large item: its column matrix in cache-sized chunks of output lines,
                // each multiplied straight into its columns of y.
                // SAFETY: each (item, group) owns its og x l_out block of y.
                let dst = unsafe { yp.get().add((i0 * g.o + grp * og) * l_out) };
                if let Some(bias) = bias {
                    for r in 0..og {
                        // SAFETY: row r of the og x l_out destination.
                        unsafe { std::slice::from_raw_parts_mut(dst.add(r * l_out), l_out) }
                            .fill(bias[grp * og + r]);
                    }
                }
                let xg = &x[(i0 * g.c + grp * cg) * l_in..][..cg * l_in];
                let wg = &w[grp * og * rows..][..og * rows];
                for &(l0, l1) in chunks {
                    let ldc = (l1 - l0) * ow;
                    im2col(g, xg, &mut s.cols, ldc, (l0, l1));
                    // SAFETY: wg is og x rows, the chunk rows x ldc, and its destination the
                    // og x ldc column block of y starting at column l0 * ow (rows l_out apart).
                    unsafe {
                        T::gemm(
                            og,
                            ldc,
                            rows,
                            (wg.as_ptr(), rows as isize, 1),
                            (s.cols.as_ptr(), ldc as isize, 1),
                            (dst.add(l0 * ow), l_out as isize, 1),
                            bias.is_some(),
                            threads,
                        );
                    }
                }
                continue;
            }
            let b = block_cols(g, x, (i0, m, grp), &mut s.cols);
            // One item writes straight into y; a block stages its og x m*L result.
            let dst: *mut T = if m == 1 {
                // SAFETY: each (item, group) owns its og x l_out block of y.
                unsafe { yp.get().add((i0 * g.o + grp * og) * l_out) }
            } else {
                s.stage.as_mut_ptr()
            };
            if let Some(bias) = bias {
                for r in 0..og {
                    // SAFETY: row r of the og x ld destination.
                    unsafe { std::slice::from_raw_parts_mut(dst.add(r * ld), ld) }
                        .fill(bias[grp * og + r]);
                }
            }
            let wg = &w[grp * og * rows..][..og * rows];
            // SAFETY: wg is og x rows, b rows x ld, dst og x ld, all row-major.
            unsafe {
                T::gemm(
                    og,
                    ld,
                    rows,
                    (wg.as_ptr(), rows as isize, 1),
                    (b.as_ptr(), ld as isize, 1),
                    (dst, ld as isize, 1),
                    bias.is_some(),
                    threads,
                );
            }
            if m > 1 {
                for bi in 0..m {
                    for r in 0..og {
                        // SAFETY: the block's items own these rows of y.
                        let dst_row = unsafe {
                            std::slice::from_raw_parts_mut(
                                yp.get().add(((i0 + bi) * g.o + grp * og + r) * l_out),
                                l_out,
                            )
                        };
                        dst_row.copy_from_slice(&s.stage[r * ld + bi * l_out..][..l_out]);
                    }
                }
            }
        }
    });
}

/// `gx = conv_input_grad(gy, w)` (a transposed convolution); `gx` must hold zeros.
pub fn backward_input<T: ConvElem>(g: &ConvGeometry, gy: &[T], w: &[T], gx: &mut [T]) {
    if winograd::applies::<T>(g) {
        return winograd::backward_input(g, gy, w, gx);
    }
    let (cg, og, rows, l_in, l_out) = (g.cg(), g.og(), g.rows(), g.l_in(), g.l_out());
    let p = plan(g);
    let chunks = line_chunks::<T>(g, CHUNK_BYTES);
    let ow = g.output[2];
    let lens = (rows * p.items * l_out, og * p.items * l_out);
    let xp = SendPtr(gx.as_mut_ptr());
    for_blocks::<T>(p, g.n, lens, |i0, m, s, threads| {
        let ld = m * l_out;
        for grp in 0..g.groups {
            let gyb = gather_rows(g, gy, (i0, m, grp), &mut s.stage);
            let wg = &w[grp * og * rows..][..og * rows];
            if let (1, Some(chunks)) = (m, &chunks) {
                // SAFETY: each (item, group) owns its cg x l_in block of gx.
                let gxg = unsafe {
                    std::slice::from_raw_parts_mut(
                        xp.get().add((i0 * g.c + grp * cg) * l_in),
                        cg * l_in,
                    )
                };
                for &(l0, l1) in chunks {
                    let ldc = (l1 - l0) * ow;
                    // SAFETY: wg^T is rows x og, the og x ldc column block of gyb (rows l_out
                    // apart), the chunk rows x ldc.
                    unsafe {
                        T::gemm(
                            rows,
                            ldc,
                            og,
                            (wg.as_ptr(), 1, rows as isize),
                            (gyb.as_ptr().add(l0 * ow), l_out as isize, 1),
                            (s.cols.as_mut_ptr(), ldc as isize, 1),
                            false,
                            threads,
                        );
                    }
                    col2im(g, &s.cols, ldc, gxg, (l0, l1));
                }
                continue;
            }
            let direct = g.pointwise() && m == 1;
            let dst: *mut T = if direct {
                // SAFETY: each (item, group) owns its cg x l_in block of gx.
                unsafe { xp.get().add((i0 * g.c + grp * cg) * l_in) }
            } else {
                s.cols.as_mut_ptr()
            };
            // SAFETY: wg^T is rows x og (column-major view of wg), gyb og x ld, dst rows x ld.
            unsafe {
                T::gemm(
                    rows,
                    ld,
                    og,
                    (wg.as_ptr(), 1, rows as isize),
                    (gyb.as_ptr(), ld as isize, 1),
                    (dst, ld as isize, 1),
                    false,
                    threads,
                );
            }
            if !direct {
                for bi in 0..m {
                    // SAFETY: the block's items own these blocks of gx.
                    let gxg = unsafe {
                        std::slice::from_raw_parts_mut(
                            xp.get().add(((i0 + bi) * g.c + grp * cg) * l_in),
                            cg * l_in,
                        )
                    };
                    col2im(g, &s.cols[bi * l_out..], ld, gxg, (0, all_lines(g)));
                }
            }
        }
    });
}

/// `gw = conv_weight_grad(x, gy)`, summed over the batch; `gw` is fully written.
pub fn backward_weight<T: ConvElem>(g: &ConvGeometry, x: &[T], gy: &[T], gw: &mut [T]) {
    if winograd::applies::<T>(g) {
        return winograd::backward_weight(g, x, gy, gw);
    }
    let (cg, og, rows, l_in, l_out) = (g.cg(), g.og(), g.rows(), g.l_in(), g.l_out());
    let p = plan(g);
    let chunks = line_chunks::<T>(g, CHUNK_BYTES);
    let ow = g.output[2];
    let lens = (rows * p.items * l_out, og * p.items * l_out);
    // Blocks [b0, b1) accumulated into `acc` (o x rows).
    let run = |b0: usize, b1: usize, acc: &mut [T], threads: usize| {
        let mut s = Scratch {
            cols: vec![T::default(); lens.0],
            stage: vec![T::default(); lens.1],
        };
        for blk in b0..b1 {
            let (lo, hi) = p.range(blk, g.n);
            let (i0, m) = (lo, hi - lo);
            let ld = m * l_out;
            for grp in 0..g.groups {
                let accg_ptr = acc[grp * og * rows..][..og * rows].as_mut_ptr();
                if let (1, Some(chunks)) = (m, &chunks) {
                    let xg = &x[(i0 * g.c + grp * cg) * l_in..][..cg * l_in];
                    let gyg = &gy[(i0 * g.o + grp * og) * l_out..][..og * l_out];
                    for &(l0, l1) in chunks {
                        let ldc = (l1 - l0) * ow;
                        im2col(g, xg, &mut s.cols, ldc, (l0, l1));
                        // SAFETY: the og x ldc column block of gyg (rows l_out apart) times the
                        // chunk transposed (ldc x rows, column-major view), into og x rows.
                        unsafe {
                            T::gemm(
                                og,
                                rows,
                                ldc,
                                (gyg.as_ptr().add(l0 * ow), l_out as isize, 1),
                                (s.cols.as_ptr(), 1, ldc as isize),
                                (accg_ptr, rows as isize, 1),
                                true,
                                threads,
                            );
                        }
                    }
                    continue;
                }
                let b = block_cols(g, x, (i0, m, grp), &mut s.cols);
                let gyb = gather_rows(g, gy, (i0, m, grp), &mut s.stage);
                let accg = &mut acc[grp * og * rows..][..og * rows];
                // SAFETY: gyb is og x ld, b^T ld x rows (column-major view of b), accg og x rows.
                unsafe {
                    T::gemm(
                        og,
                        rows,
                        ld,
                        (gyb.as_ptr(), ld as isize, 1),
                        (b.as_ptr(), 1, ld as isize),
                        (accg.as_mut_ptr(), rows as isize, 1),
                        true,
                        threads,
                    );
                }
            }
        }
    };
    gw.fill(T::default());
    pool().install(|| {
        if p.spread {
            let per = p.blocks.div_ceil(p.threads);
            let parts: Vec<Vec<T>> = (0..p.threads)
                .into_par_iter()
                .map(|t| {
                    let mut acc = vec![T::default(); gw.len()];
                    run(
                        (t * per).min(p.blocks),
                        ((t + 1) * per).min(p.blocks),
                        &mut acc,
                        1,
                    );
                    acc
                })
                .collect();
            for part in parts {
                for (d, v) in gw.iter_mut().zip(part) {
                    *d += v;
                }
            }
        } else {
            run(0, p.blocks, gw, p.gemm_threads);
        }
    });
}

/// A raw pointer that may cross threads (each thread writes a disjoint block); also used by
/// `winograd.rs`.
#[derive(Clone, Copy)]
pub(super) struct SendPtr<T>(pub(super) *mut T);
// SAFETY: used only for disjoint writes, as the call sites explain.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}

impl<T> SendPtr<T> {
    pub(super) fn get(self) -> *mut T {
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
        // Batch sizes that give one item per block, several, and a ragged last block.
        for n in [1, 2, 5, 9] {
            let g = ConvGeometry {
                n,
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
            let bias = vals(g.o, 11);
            let mut y = vec![0.0; g.n * g.o * g.l_out()];
            forward(&g, &x, &w, Some(&bias), &mut y);
            let want = naive(&g, &x, &w);
            for (k, (a, b)) in y.iter().zip(&want).enumerate() {
                let bv = bias[(k / g.l_out()) % g.o];
                assert!((a - b - bv).abs() < 1e-12, "{a} {b}");
            }
            forward(&g, &x, &w, None, &mut y);
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
}
