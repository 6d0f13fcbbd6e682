//! Winograd F(2x2, 3x3) convolution: the float32 CPU path for 3x3 kernels with unit stride and
//! dilation (the shape of most CNN layers), for the forward and both gradients.
//!
//! Each 2x2 block of outputs ("tile") is computed from the 4x4 input patch under it as
//! `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A`: after the transforms the 3x3 correlation is 16 independent
//! elementwise products, and summing them over input channels makes 16 matrix products
//! `M[ξ] = U[ξ] · V[ξ]` (U: out x in channels, V: in channels x tiles). That is 2.25x fewer
//! multiplications than im2col + GEMM, and the transforms only add and halve, so float32 results
//! differ from the direct sum by a few units in the last place (float64 keeps im2col).
//! - The input gradient of a stride-1 3x3 convolution is the same convolution of the output
//!   gradient with the kernels rotated and their channels swapped, padded by `2 - p`.
//! - The weight gradient is the adjoint of the forward's last two steps: `Ū[ξ] = Σ_tiles M̄[ξ] ·
//!   V[ξ]ᵀ` with `M̄ = A Ȳ Aᵀ`, then `ḡ = Gᵀ Ū G`.
//!
//! Tiles are taken a block of tile rows at a time so that V and M of one block stay in L2;
//! threads run over (item, group, block). The weight gradient gives each worker a fixed,
//! contiguous share of the blocks and adds the workers' sums in worker order, so the result
//! does not depend on scheduling.

use super::conv::{ConvElem, ConvGeometry, SendPtr};
use super::threads::pool;
use rayon::prelude::*;

/// Bytes of the transformed input of one block of tiles (kept within L2 with its product).
const BLOCK_BYTES: usize = 512 << 10;
/// Channel counts below this make the transforms cost more than the products save.
const MIN_CHANNELS: usize = 32;
/// Planes with fewer tiles make products too narrow to beat im2col's, which takes several
/// items per product (measured: 16 -> 32 channels on 13x13 planes ran 1.4x slower).
const MIN_TILES: usize = 64;

/// Whether `g` takes the Winograd path.
pub fn applies<T: ConvElem>(g: &ConvGeometry) -> bool {
    T::WINOGRAD
        && g.kernel == [1, 3, 3]
        && g.stride == [1; 3]
        && g.dilation[1..] == [1, 1]
        && g.input[0] == 1
        && g.padding[0] == 0
        && g.padding[1] <= 2
        && g.padding[2] <= 2
        && g.output[1].div_ceil(2) * g.output[2].div_ceil(2) >= MIN_TILES
        && g.c / g.groups >= MIN_CHANNELS
        && g.o / g.groups >= MIN_CHANNELS
}

/// The tile grid of one plane: `th x tw` tiles over an `oh x ow` output, read from an `h x w`
/// input padded by `(ph, pw)`, taken `rows` tile rows at a time.
#[derive(Clone, Copy)]
struct Grid {
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    ph: usize,
    pw: usize,
    th: usize,
    tw: usize,
    rows: usize,
}

impl Grid {
    fn new(input: (usize, usize), output: (usize, usize), pad: (usize, usize), ch: usize) -> Self {
        let (th, tw) = (output.0.div_ceil(2), output.1.div_ceil(2));
        let per_tile = 16 * ch.max(1) * std::mem::size_of::<f32>();
        let rows = (BLOCK_BYTES / per_tile / tw.max(1)).clamp(1, th.max(1));
        Grid {
            h: input.0,
            w: input.1,
            oh: output.0,
            ow: output.1,
            ph: pad.0,
            pw: pad.1,
            th,
            tw,
            rows,
        }
    }
    fn blocks(&self) -> usize {
        self.th.div_ceil(self.rows)
    }
    /// Tile rows of block `b`.
    fn block(&self, b: usize) -> (usize, usize) {
        (b * self.rows, ((b + 1) * self.rows).min(self.th))
    }
    fn max_tiles(&self) -> usize {
        self.rows * self.tw
    }
}

/// `(w, x, y, z)[k] = f(a[k], b[k], c[k], d[k])` over `w.len()` elements. A function of its
/// own so that its slices are known not to overlap: the loop then vectorises.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn quad<T: ConvElem>(
    f: impl Fn(T, T, T, T) -> [T; 4],
    (a, b, c, d): (&[T], &[T], &[T], &[T]),
    w: &mut [T],
    x: &mut [T],
    y: &mut [T],
    z: &mut [T],
) {
    let n = w.len();
    let (a, b, c, d, x, y, z) = (
        &a[..n],
        &b[..n],
        &c[..n],
        &d[..n],
        &mut x[..n],
        &mut y[..n],
        &mut z[..n],
    );
    for k in 0..n {
        [w[k], x[k], y[k], z[k]] = f(a[k], b[k], c[k], d[k]);
    }
}

/// `(w, x)[k] = f(a[k], b[k], c[k], d[k])`, as [`quad`].
#[inline(never)]
fn pair<T: ConvElem>(
    f: impl Fn(T, T, T, T) -> [T; 2],
    (a, b, c, d): (&[T], &[T], &[T], &[T]),
    w: &mut [T],
    x: &mut [T],
) {
    let n = w.len();
    let (a, b, c, d, x) = (&a[..n], &b[..n], &c[..n], &d[..n], &mut x[..n]);
    for k in 0..n {
        [w[k], x[k]] = f(a[k], b[k], c[k], d[k]);
    }
}

/// Splits `row` (zero outside it) read from `x0 = -pad` into its even and odd columns:
/// `e[k] = row[2k - pad]`, `o[k] = row[2k + 1 - pad]`, through the padded copy `tmp`.
fn split_row<T: ConvElem>(row: Option<&[T]>, pad: usize, e: &mut [T], o: &mut [T], tmp: &mut [T]) {
    let z = T::default();
    let Some(row) = row else {
        e.fill(z);
        o.fill(z);
        return;
    };
    let tmp = &mut tmp[..2 * e.len()];
    let pad = pad.min(tmp.len());
    let len = row.len().min(tmp.len() - pad);
    tmp[..pad].fill(z);
    tmp[pad..pad + len].copy_from_slice(&row[..len]);
    tmp[pad + len..].fill(z);
    for ((pair, e), o) in tmp.chunks_exact(2).zip(e.iter_mut()).zip(o.iter_mut()) {
        *e = pair[0];
        *o = pair[1];
    }
}

/// `V[ξ][c][t]` for channel `c` of tile rows `r0..r1`: `Bᵀ d B` of each 4x4 patch. A tile row
/// at a time, with the input rows split into even and odd columns (each row once: tile rows
/// overlap by two input rows), so that every step is a whole-row operation the compiler
/// vectorises: column `j` of tile `k` is `e[k + j/2]` or `o[k + j/2]`.
fn input_transform<T: ConvElem>(
    gr: &Grid,
    plane: &[T],
    (r0, r1): (usize, usize),
    mut out: Out<T>,
    buf: &mut Vec<T>,
) {
    let (tw, n) = (gr.tw, gr.tw + 1);
    let lines = 2 * (r1 - r0) + 2;
    buf.resize((2 * lines + 8) * n + 2 * n, T::default());
    let (eo, rest) = buf.split_at_mut(2 * lines * n);
    let (m, tmp) = rest.split_at_mut(8 * n);
    for l in 0..lines {
        let y = (2 * r0 + l) as isize - gr.ph as isize;
        let row = (y >= 0 && y < gr.h as isize).then(|| &plane[y as usize * gr.w..][..gr.w]);
        let (e, o) = eo[2 * l * n..][..2 * n].split_at_mut(n);
        split_row(row, gr.pw, e, o, tmp);
    }
    for tr in r0..r1 {
        let first = 2 * (tr - r0);
        // Bᵀ d on rows, for the even and the odd halves alike.
        for half in 0..2 {
            let d = |i: usize| &eo[(2 * (first + i) + half) * n..][..n];
            let (d0, d1, d2, d3) = (d(0), d(1), d(2), d(3));
            let dst = &mut m[half * 4 * n..][..4 * n];
            let (m0, rest) = dst.split_at_mut(n);
            let (m1, rest) = rest.split_at_mut(n);
            let (m2, m3) = rest.split_at_mut(n);
            quad(
                |d0, d1, d2, d3| [d0 - d2, d1 + d2, d2 - d1, d1 - d3],
                (d0, d1, d2, d3),
                m0,
                m1,
                m2,
                m3,
            );
        }
        // ... then B on columns: (c0 - c2, c1 + c2, c2 - c1, c1 - c3).
        let t0 = (tr - r0) * tw;
        for i in 0..4 {
            let (e, e1) = (&m[i * n..][..tw], &m[i * n + 1..][..tw]);
            let (o, o1) = (&m[(4 + i) * n..][..tw], &m[(4 + i) * n + 1..][..tw]);
            let [v0, v1, v2, v3] = out.runs(4 * i, t0, tw);
            quad(
                |e, e1, o, o1| [e - e1, o + e1, e1 - o, o - o1],
                (e, e1, o, o1),
                v0,
                v1,
                v2,
                v3,
            );
        }
    }
}

/// `U = G g Gᵀ` of one 3x3 kernel (row-major), written to `u[ξ * stride]`.
fn kernel_transform<T: ConvElem>(g: &[T], u: &mut [T], stride: usize) {
    let h = T::HALF;
    let z = T::default();
    // G g: rows (g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2); then the same on columns.
    let mut a = [[z; 3]; 4];
    for j in 0..3 {
        let (g0, g1, g2) = (g[j], g[3 + j], g[6 + j]);
        a[0][j] = g0;
        a[1][j] = (g0 + g1 + g2) * h;
        a[2][j] = (g0 - g1 + g2) * h;
        a[3][j] = g2;
    }
    for (i, r) in a.iter().enumerate() {
        u[(4 * i) * stride] = r[0];
        u[(4 * i + 1) * stride] = (r[0] + r[1] + r[2]) * h;
        u[(4 * i + 2) * stride] = (r[0] - r[1] + r[2]) * h;
        u[(4 * i + 3) * stride] = r[2];
    }
}

/// `ḡ = Gᵀ Ū G` of one kernel, reading `u[ξ * stride]`, into the 3x3 `g`.
fn kernel_transform_adjoint<T: ConvElem>(u: &[T], stride: usize, g: &mut [T]) {
    let h = T::HALF;
    let at = |i: usize, j: usize| u[(4 * i + j) * stride];
    // Gᵀ Ū: rows (u0 + (u1 + u2)/2, (u1 - u2)/2, (u1 + u2)/2 + u3); then the same on columns.
    let cols: [[T; 3]; 4] = std::array::from_fn(|j| {
        let (u0, u1, u2, u3) = (at(0, j), at(1, j), at(2, j), at(3, j));
        [u0 + (u1 + u2) * h, (u1 - u2) * h, (u1 + u2) * h + u3]
    });
    for i in 0..3 {
        let r = cols.map(|c| c[i]);
        g[3 * i] = r[0] + (r[1] + r[2]) * h;
        g[3 * i + 1] = (r[1] - r[2]) * h;
        g[3 * i + 2] = (r[1] + r[2]) * h + r[3];
    }
}

/// A destination laid out as `[ξ][row][t]` with `rows` rows of `ld` tiles.
#[derive(Clone, Copy)]
struct Out<T> {
    ptr: *mut T,
    row: usize,
    rows: usize,
    ld: usize,
}

impl<T> Out<T> {
    /// The runs `t0..t0 + len` of matrices `xi..xi + 4` (of this row).
    fn runs(&mut self, xi: usize, t0: usize, len: usize) -> [&mut [T]; 4] {
        assert!(xi + 4 <= 16 && t0 + len <= self.ld);
        // SAFETY: the buffer holds 16 * rows * ld values (asserted where an Out is made); the
        // four runs lie in different matrices, so they do not overlap.
        std::array::from_fn(|j| unsafe {
            std::slice::from_raw_parts_mut(
                self.ptr
                    .add(((xi + j) * self.rows + self.row) * self.ld + t0),
                len,
            )
        })
    }
}

fn out_of<T>(buf: &mut [T], row: usize, rows: usize, ld: usize) -> Out<T> {
    assert!(row < rows && buf.len() >= 16 * rows * ld);
    Out {
        ptr: buf.as_mut_ptr(),
        row,
        rows,
        ld,
    }
}

/// The 16 products `c[ξ] (m x n) = a[ξ] (m x k) · b[ξ] (k x n)`, or `+=` when `acc`; each
/// operand given as (base, ξ stride, row stride, column stride).
#[allow(clippy::too_many_arguments)]
fn products<T: ConvElem>(
    (m, n, k): (usize, usize, usize),
    a: (&[T], usize, isize, isize),
    b: (&[T], usize, isize, isize),
    c: (&mut [T], usize),
    acc: bool,
) {
    for xi in 0..16 {
        // SAFETY: callers size each operand for 16 matrices at the given strides.
        unsafe {
            T::gemm(
                m,
                n,
                k,
                (a.0.as_ptr().add(xi * a.1), a.2, a.3),
                (b.0.as_ptr().add(xi * b.1), b.2, b.3),
                (c.0.as_mut_ptr().add(xi * c.1), n as isize, 1),
                acc,
                1,
            );
        }
    }
}

/// The kernels of `w` (O, C/groups, 3, 3) transformed for each group: `[grp][ξ][o][c]`, or for
/// the input gradient (`swap`) rotated by 180° with channels swapped: `[grp][ξ][c][o]`.
fn transformed_kernels<T: ConvElem>(g: &ConvGeometry, w: &[T], swap: bool) -> Vec<T> {
    let (cg, og) = (g.c / g.groups, g.o / g.groups);
    let mut u = vec![T::default(); g.groups * 16 * og * cg];
    let per = 16 * og * cg;
    let mut rot = [T::default(); 9];
    for grp in 0..g.groups {
        for o in 0..og {
            for c in 0..cg {
                let k = &w[((grp * og + o) * cg + c) * 9..][..9];
                let (dst, kern) = if swap {
                    for (i, v) in rot.iter_mut().enumerate() {
                        *v = k[8 - i];
                    }
                    (grp * per + c * og + o, &rot[..])
                } else {
                    (grp * per + o * cg + c, k)
                };
                kernel_transform(kern, &mut u[dst..], og * cg);
            }
        }
    }
    u
}

/// The Winograd convolution of `x` (N, groups * ci, H, W) with transformed kernels `u`
/// (`[grp][ξ][co][ci]`) into `y` (N, groups * co, OH, OW), plus `bias`; `y` is fully written.
#[allow(clippy::too_many_arguments)]
fn convolve<T: ConvElem>(
    n: usize,
    groups: usize,
    (ci, co): (usize, usize),
    gr: Grid,
    x: &[T],
    u: &[T],
    bias: Option<&[T]>,
    y: &mut [T],
) {
    let (l_in, l_out) = (gr.h * gr.w, gr.oh * gr.ow);
    let blocks = gr.blocks();
    let items = n * groups * blocks;
    let tmax = gr.max_tiles();
    let yp = SendPtr(y.as_mut_ptr());
    let z = T::default();
    let work = |item: usize, s: &mut (Vec<T>, Vec<T>, Vec<T>)| {
        let (img, rest) = (item / (groups * blocks), item % (groups * blocks));
        let (grp, blk) = (rest / blocks, rest % blocks);
        let (r0, r1) = gr.block(blk);
        let tb = (r1 - r0) * gr.tw;
        let (v, m, buf) = (&mut s.0, &mut s.1, &mut s.2);
        for c in 0..ci {
            let plane = &x[((img * groups + grp) * ci + c) * l_in..][..l_in];
            input_transform(&gr, plane, (r0, r1), out_of(v, c, ci, tb), buf);
        }
        buf.resize(10 * gr.tw, z);
        let ug = &u[grp * 16 * co * ci..][..16 * co * ci];
        products(
            (co, tb, ci),
            (ug, co * ci, ci as isize, 1),
            (v, ci * tb, tb as isize, 1),
            (m, co * tb),
            false,
        );
        let z = T::default();
        let tw = gr.tw;
        for o in 0..co {
            let b = bias.map_or(z, |b| b[grp * co + o]);
            // SAFETY: each (item, group, block) writes its own output rows of its own plane.
            let plane = unsafe {
                std::slice::from_raw_parts_mut(
                    yp.get().add(((img * groups + grp) * co + o) * l_out),
                    l_out,
                )
            };
            for tr in r0..r1 {
                let t0 = (tr - r0) * tw;
                let at = |xi: usize| &m[(xi * co + o) * tb + t0..][..tw];
                // Aᵀ m on rows: (m0 + m1 + m2, m1 - m2 - m3), tile by tile across the row ...
                let (s, rest) = buf.split_at_mut(8 * tw);
                for j in 0..4 {
                    let (m0, m1, m2, m3) = (at(j), at(4 + j), at(8 + j), at(12 + j));
                    let (s0, s1) = s[2 * j * tw..][..2 * tw].split_at_mut(tw);
                    pair(
                        |m0, m1, m2, m3| [m0 + m1 + m2, m1 - m2 - m3],
                        (m0, m1, m2, m3),
                        s0,
                        s1,
                    );
                }
                // ... then A on columns: the even output column c0 + c1 + c2, the odd one
                // c1 - c2 - c3.
                for i in 0..2 {
                    let yy = 2 * tr + i;
                    if yy >= gr.oh {
                        break;
                    }
                    let c = |j: usize| &s[(2 * j + i) * tw..][..tw];
                    let (c0, c1, c2, c3) = (c(0), c(1), c(2), c(3));
                    let (ev, od) = rest[..2 * tw].split_at_mut(tw);
                    pair(
                        |c0, c1, c2, c3| [b + (c0 + c1 + c2), b + (c1 - c2 - c3)],
                        (c0, c1, c2, c3),
                        ev,
                        od,
                    );
                    let row = &mut plane[yy * gr.ow..][..gr.ow];
                    let mut pairs = row.chunks_exact_mut(2);
                    for ((pair, &e), &o) in (&mut pairs).zip(ev.iter()).zip(od.iter()) {
                        pair[0] = e;
                        pair[1] = o;
                    }
                    if let [last] = pairs.into_remainder() {
                        *last = ev[gr.ow / 2];
                    }
                }
            }
        }
    };
    let new = || {
        (
            vec![T::default(); 16 * ci * tmax],
            vec![T::default(); 16 * co * tmax],
            Vec::new(),
        )
    };
    pool().install(|| {
        (0..items)
            .into_par_iter()
            .with_min_len(1)
            .for_each_init(new, |s, item| work(item, s));
    });
}

fn grid_of(g: &ConvGeometry, ch: usize) -> Grid {
    Grid::new(
        (g.input[1], g.input[2]),
        (g.output[1], g.output[2]),
        (g.padding[1], g.padding[2]),
        ch,
    )
}

/// `y = conv(x, w) (+ bias)` for a geometry where [`applies`] holds; `y` is fully written.
pub fn forward<T: ConvElem>(g: &ConvGeometry, x: &[T], w: &[T], bias: Option<&[T]>, y: &mut [T]) {
    let (cg, og) = (g.c / g.groups, g.o / g.groups);
    let u = transformed_kernels(g, w, false);
    convolve(g.n, g.groups, (cg, og), grid_of(g, cg), x, &u, bias, y);
}

/// `gx = conv_input_grad(gy, w)` for a geometry where [`applies`] holds; `gx` is fully written.
pub fn backward_input<T: ConvElem>(g: &ConvGeometry, gy: &[T], w: &[T], gx: &mut [T]) {
    let (cg, og) = (g.c / g.groups, g.o / g.groups);
    let u = transformed_kernels(g, w, true);
    let gr = Grid::new(
        (g.output[1], g.output[2]),
        (g.input[1], g.input[2]),
        (2 - g.padding[1], 2 - g.padding[2]),
        og,
    );
    convolve(g.n, g.groups, (og, cg), gr, gy, &u, None, gx);
}

/// `M̄ = A Ȳ Aᵀ` of the output-gradient tiles of rows `r0..r1` of one plane, into `[ξ][o][t]`,
/// a tile row at a time with the rows split into even and odd columns (as `input_transform`).
fn output_adjoint<T: ConvElem>(
    gr: &Grid,
    plane: &[T],
    (r0, r1): (usize, usize),
    mut out: Out<T>,
    buf: &mut Vec<T>,
) {
    let tw = gr.tw;
    buf.resize(6 * tw, T::default());
    for tr in r0..r1 {
        let (halves, tmp) = buf.split_at_mut(4 * tw);
        for i in 0..2 {
            let yy = 2 * tr + i;
            let row = (yy < gr.oh).then(|| &plane[yy * gr.ow..][..gr.ow]);
            let (e, o) = halves[2 * i * tw..][..2 * tw].split_at_mut(tw);
            split_row(row, 0, e, o, tmp);
        }
        let (d0e, rest) = halves.split_at(tw);
        let (d0o, rest) = rest.split_at(tw);
        let (d1e, d1o) = rest.split_at(tw);
        // A d on rows: (d0, d0 + d1, d0 - d1, -d1); then the same on columns, each element
        // formed from the even and odd halves of its row.
        let t0 = (tr - r0) * tw;
        for i in 0..4 {
            let [v0, v1, v2, v3] = out.runs(4 * i, t0, tw);
            let d = (d0e, d0o, d1e, d1o);
            let z = T::default();
            // Row i of A d is (d0, d0 + d1, d0 - d1, -d1); its columns then the same.
            let cols = |e: T, o: T| [e, e + o, e - o, z - o];
            match i {
                0 => quad(|a, b, _, _| cols(a, b), d, v0, v1, v2, v3),
                1 => quad(|a, b, c, e| cols(a + c, b + e), d, v0, v1, v2, v3),
                2 => quad(|a, b, c, e| cols(a - c, b - e), d, v0, v1, v2, v3),
                _ => quad(|_, _, c, e| cols(z - c, z - e), d, v0, v1, v2, v3),
            }
        }
    }
}

/// `gw = conv_weight_grad(x, gy)` for a geometry where [`applies`] holds; `gw` is fully written.
pub fn backward_weight<T: ConvElem>(g: &ConvGeometry, x: &[T], gy: &[T], gw: &mut [T]) {
    let (cg, og, groups) = (g.c / g.groups, g.o / g.groups, g.groups);
    let gr = grid_of(g, cg.max(og));
    let (l_in, l_out) = (gr.h * gr.w, gr.oh * gr.ow);
    let blocks = gr.blocks();
    let items = g.n * groups * blocks;
    let tmax = gr.max_tiles();
    let per_grp = 16 * og * cg;
    // Items [i0, i1) summed into `acc` ([grp][ξ][o][c]).
    let run = |i0: usize, i1: usize| {
        let mut acc = vec![T::default(); groups * per_grp];
        let mut v = vec![T::default(); 16 * cg * tmax];
        let mut mb = vec![T::default(); 16 * og * tmax];
        let mut buf = Vec::new();
        for item in i0..i1 {
            let (img, rest) = (item / (groups * blocks), item % (groups * blocks));
            let (grp, blk) = (rest / blocks, rest % blocks);
            let (r0, r1) = gr.block(blk);
            let tb = (r1 - r0) * gr.tw;
            for c in 0..cg {
                let plane = &x[((img * groups + grp) * cg + c) * l_in..][..l_in];
                input_transform(&gr, plane, (r0, r1), out_of(&mut v, c, cg, tb), &mut buf);
            }
            for o in 0..og {
                let plane = &gy[((img * groups + grp) * og + o) * l_out..][..l_out];
                output_adjoint(&gr, plane, (r0, r1), out_of(&mut mb, o, og, tb), &mut buf);
            }
            // Ū[ξ] (og x cg) += M̄[ξ] (og x tb) · V[ξ]ᵀ (tb x cg, a column-major view of V).
            products(
                (og, cg, tb),
                (&mb, og * tb, tb as isize, 1),
                (&v, cg * tb, 1, tb as isize),
                (&mut acc[grp * per_grp..], og * cg),
                true,
            );
        }
        acc
    };
    let threads = pool().current_num_threads().min(items).max(1);
    let per = items.div_ceil(threads);
    let parts: Vec<Vec<T>> = pool().install(|| {
        (0..threads)
            .into_par_iter()
            .map(|t| run((t * per).min(items), ((t + 1) * per).min(items)))
            .collect()
    });
    let mut sum = vec![T::default(); groups * per_grp];
    for part in parts {
        for (d, v) in sum.iter_mut().zip(part) {
            *d += v;
        }
    }
    for grp in 0..groups {
        for o in 0..og {
            for c in 0..cg {
                let src = &sum[grp * per_grp + o * cg + c..];
                let dst = &mut gw[((grp * og + o) * cg + c) * 9..][..9];
                kernel_transform_adjoint(src, og * cg, dst);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(
        n: usize,
        c: usize,
        o: usize,
        groups: usize,
        hw: (usize, usize),
        p: usize,
    ) -> ConvGeometry {
        ConvGeometry {
            n,
            c,
            o,
            groups,
            input: [1, hw.0, hw.1],
            kernel: [1, 3, 3],
            output: [1, hw.0 + 2 * p - 2, hw.1 + 2 * p - 2],
            stride: [1; 3],
            padding: [0, p, p],
            dilation: [1; 3],
        }
    }

    fn vals(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5
            })
            .collect()
    }

    /// The definition, summed directly in float64.
    fn naive(g: &ConvGeometry, x: &[f64], w: &[f64], gy: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (cg, og) = (g.c / g.groups, g.o / g.groups);
        let (h, wd, oh, ow, p) = (
            g.input[1],
            g.input[2],
            g.output[1],
            g.output[2],
            g.padding[1],
        );
        let mut y = vec![0.0; g.n * g.o * oh * ow];
        let mut gx = vec![0.0; x.len()];
        let mut gw = vec![0.0; w.len()];
        for n in 0..g.n {
            for o in 0..g.o {
                let grp = o / og;
                for i in 0..oh {
                    for j in 0..ow {
                        let yi = ((n * g.o + o) * oh + i) * ow + j;
                        for c in 0..cg {
                            let ci = grp * cg + c;
                            for ki in 0..3 {
                                for kj in 0..3 {
                                    let (yy, xx) = (
                                        (i + ki) as isize - p as isize,
                                        (j + kj) as isize - p as isize,
                                    );
                                    if yy < 0 || xx < 0 || yy >= h as isize || xx >= wd as isize {
                                        continue;
                                    }
                                    let xi = ((n * g.c + ci) * h + yy as usize) * wd + xx as usize;
                                    let wi = ((o * cg + c) * 3 + ki) * 3 + kj;
                                    y[yi] += x[xi] * w[wi];
                                    gx[xi] += gy[yi] * w[wi];
                                    gw[wi] += gy[yi] * x[xi];
                                }
                            }
                        }
                    }
                }
            }
        }
        (y, gx, gw)
    }

    #[test]
    fn agrees_with_the_definition() {
        for &(n, c, o, groups, hw, p) in &[
            (2, 32, 32, 1, (15, 17), 1),
            (1, 64, 64, 2, (18, 19), 0),
            (3, 32, 48, 1, (14, 16), 2),
            (1, 32, 32, 1, (16, 16), 1),
            // Several blocks of tile rows per plane.
            (1, 32, 32, 1, (70, 40), 1),
        ] {
            let g = geometry(n, c, o, groups, hw, p);
            assert!(applies::<f32>(&g) && !applies::<f64>(&g));
            let x = vals(n * c * hw.0 * hw.1, 1);
            let w = vals(o * (c / groups) * 9, 2);
            let bias = vals(o, 3);
            let gy = vals(n * o * g.output[1] * g.output[2], 4);
            let (y, gx, gw) = naive(&g, &x, &w, &gy);
            let f = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<f32>>();
            let (xf, wf, bf, gyf) = (f(&x), f(&w), f(&bias), f(&gy));
            let mut y32 = vec![0f32; y.len()];
            forward(&g, &xf, &wf, Some(&bf), &mut y32);
            let mut gx32 = vec![0f32; gx.len()];
            backward_input(&g, &gyf, &wf, &mut gx32);
            let mut gw32 = vec![0f32; gw.len()];
            backward_weight(&g, &xf, &gyf, &mut gw32);
            let per = o * g.output[1] * g.output[2] / o;
            for (i, (&a, &b)) in y32.iter().zip(&y).enumerate() {
                let b = b + bias[(i / per) % o];
                assert!((a as f64 - b).abs() < 1e-5, "y[{i}] {a} vs {b}");
            }
            for (i, (&a, &b)) in gx32.iter().zip(&gx).enumerate() {
                assert!((a as f64 - b).abs() < 1e-5, "gx[{i}] {a} vs {b}");
            }
            for (i, (&a, &b)) in gw32.iter().zip(&gw).enumerate() {
                assert!((a as f64 - b).abs() < 1e-4, "gw[{i}] {a} vs {b}");
            }
        }
    }
}
