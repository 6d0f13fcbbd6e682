//! Fused scaled-dot-product attention on the CPU (float32 / float64), forward and backward.
//!
//! NOTE [fused attention]: per (batch, head) the queries are taken in blocks of `BLOCK` rows;
//! a block's scores `scale * Q K^T + mask` are one GEMM into a `BLOCK x S` scratch, turned into
//! probabilities in place (row maximum subtracted before `exp`) and multiplied by V in a second
//! GEMM, so the `L x S` matrix is never held: memory is `BLOCK x S` per thread. The forward
//! keeps each row's log-sum-exp; the backward recomputes a block's probabilities from it
//! (`P = exp(s - lse)`) and forms `dV += P^T dO`, `dP = dO V^T`, `dS = P * (dP - rowsum(dO * O))`,
//! `dQ = scale * dS K`, `dK += scale * dS^T Q` block by block (FlashAttention's backward). A
//! causal mask (top-left aligned, as PyTorch's) also shortens each block's key range. A row
//! whose keys are all masked gives zeros and a zero gradient (log-sum-exp +inf), as ATen's
//! `_safe_softmax`. Heads run in parallel on the rtensor pool; GEMMs are `matrixmultiply`'s,
//! small ones plain loops (`SMALL`).

use crate::backend::cpu::threads::{get_num_threads, pool};
use crate::backend::cpu::vecmath::{self, VecFn};
use num_traits::Float;
use rayon::prelude::*;

/// Query rows per block.
const BLOCK: usize = 64;

/// Sizes of one call: `bh` (batch x heads) independent heads of `l` queries and `s` keys, key
/// width `d`, value width `dv`; `heads` splits a head index into (batch, head) for the mask.
#[derive(Clone, Copy, Debug)]
pub struct AttnDims {
    pub bh: usize,
    pub heads: usize,
    pub l: usize,
    pub s: usize,
    pub d: usize,
    pub dv: usize,
}

/// An additive mask read through strides (batch, head, query, key), so a broadcast mask is not
/// copied; `data` spans every element the strides reach.
#[derive(Clone, Copy)]
pub struct MaskView<'a, T> {
    pub data: &'a [T],
    pub strides: [usize; 4],
}

impl<T: Copy> MaskView<'_, T> {
    #[inline]
    fn row(&self, head: usize, heads: usize, i: usize) -> (usize, usize) {
        let (b, h) = (head / heads, head % heads);
        let st = self.strides;
        (b * st[0] + h * st[1] + i * st[2], st[3])
    }
}

/// The element types the kernels run in.
pub trait AttnFloat: Float + Send + Sync + 'static {
    /// `C = alpha * A B + beta * C` for an (m x k) A, (k x n) B and (m x n) C given by their
    /// first element and (row, column) strides.
    ///
    /// # Safety
    /// Every element the sizes and strides reach must lie inside the pointed-to buffers, and
    /// C must not overlap A or B.
    #[allow(clippy::too_many_arguments)]
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: (*const Self, isize, isize),
        b: (*const Self, isize, isize),
        beta: Self,
        c: (*mut Self, isize, isize),
    );

    /// The register block of [`small_gemm_body`], `A[0..ROWS, 0..k] · B[0..k, 0..COLS]` with A
    /// at (r * rsa + p * csa) and B at (p * ldb + j), by explicit SIMD where a type has it;
    /// `None` leaves it to the generic loop.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA, and every element the sizes and strides reach must lie
    /// inside the pointed-to buffers.
    #[inline(always)]
    unsafe fn block_fma(
        _k: usize,
        _a: (*const Self, usize, usize),
        _b: (*const Self, usize),
    ) -> Option<[[Self; COLS]; ROWS]> {
        None
    }

    /// `row[j] = exp(row[j] - shift)` for every element.
    fn exp_shifted(row: &mut [Self], shift: Self) {
        for x in row.iter_mut() {
            *x = (*x - shift).exp();
        }
    }
}

impl AttnFloat for f32 {
    #[inline(always)]
    unsafe fn block_fma(
        k: usize,
        a: (*const f32, usize, usize),
        b: (*const f32, usize),
    ) -> Option<[[f32; COLS]; ROWS]> {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: forwarded from the caller's contract.
            Some(unsafe { block_f32_avx2(k, a, b) })
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (k, a, b);
            None
        }
    }

    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: f32,
        a: (*const f32, isize, isize),
        b: (*const f32, isize, isize),
        beta: f32,
        c: (*mut f32, isize, isize),
    ) {
        // SAFETY: forwarded from the caller's contract.
        unsafe {
            matrixmultiply::sgemm(
                m, k, n, alpha, a.0, a.1, a.2, b.0, b.1, b.2, beta, c.0, c.1, c.2,
            )
        }
    }

    /// The loops vectorise; `exp` is `vecmath`'s (AVX2 where the CPU has it). Shifted scores
    /// below -87 would give subnormal results (probabilities under 2^-125 of the row's
    /// largest, below float32's normal range): they are flushed to zero, which also keeps
    /// masked (-inf) entries off the subnormal path, where every multiply takes a microcode
    /// assist. NaN passes through (the comparisons are false for it).
    fn exp_shifted(row: &mut [f32], shift: f32) {
        for x in row.iter_mut() {
            let v = *x - shift;
            *x = if v < -87.0 { -87.0 } else { v };
        }
        let n = row.len();
        let p = row.as_mut_ptr();
        // SAFETY: in place over one contiguous slice of n elements.
        unsafe { vecmath::run(VecFn::Exp, p, 1, p, 1, n) }
        for x in row.iter_mut() {
            if *x < 2.0e-38 {
                *x = 0.0;
            }
        }
    }
}

impl AttnFloat for f64 {
    unsafe fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: f64,
        a: (*const f64, isize, isize),
        b: (*const f64, isize, isize),
        beta: f64,
        c: (*mut f64, isize, isize),
    ) {
        // SAFETY: forwarded from the caller's contract.
        unsafe {
            matrixmultiply::dgemm(
                m, k, n, alpha, a.0, a.1, a.2, b.0, b.1, b.2, beta, c.0, c.1, c.2,
            )
        }
    }
}

/// Products up to this many multiply-adds run as plain loops (no packing; the inner loop is
/// an axpy over a row of B and C, which vectorises); larger ones go to `matrixmultiply`.
const SMALL: usize = 1 << 16;

/// `C (m x n) = alpha * A B + beta * C` by loops: A read at (i * rsa + p * csa), B row-major
/// (row stride ldb), C row-major (row stride ldc). Indexing is bounds-checked. The AVX2 + FMA
/// build is taken where the CPU has it (as `vecmath` does).
#[allow(clippy::too_many_arguments)]
fn small_gemm<T: AttnFloat>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: (&[T], usize, usize),
    b: &[T],
    ldb: usize,
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if vecmath::uses_avx2() {
        // SAFETY: the CPU has AVX2 and FMA.
        unsafe { small_gemm_avx2(m, k, n, alpha, a, b, ldb, beta, c, ldc) };
        return;
    }
    small_gemm_body::<T, false>(m, k, n, alpha, a, b, ldb, beta, c, ldc)
}

/// [`small_gemm`] compiled with AVX2 and FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn small_gemm_avx2<T: AttnFloat>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: (&[T], usize, usize),
    b: &[T],
    ldb: usize,
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    small_gemm_body::<T, true>(m, k, n, alpha, a, b, ldb, beta, c, ldc)
}

/// The register block of [`small_gemm_body`]: rows of A by columns of B.
const ROWS: usize = 4;
const COLS: usize = 16;

/// [`AttnFloat::block_fma`] for float32: the 4 x 16 block in eight AVX registers (LLVM's own
/// vectorisation of the generic loop spilled them), one broadcast of A per row and step.
///
/// # Safety
/// As [`AttnFloat::block_fma`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn block_f32_avx2(
    k: usize,
    (a, rsa, csa): (*const f32, usize, usize),
    (b, ldb): (*const f32, usize),
) -> [[f32; COLS]; ROWS] {
    use std::arch::x86_64::*;
    let mut c = [_mm256_setzero_ps(); 2 * ROWS];
    for p in 0..k {
        // SAFETY: the caller guarantees rows 0..ROWS of A and columns 0..COLS of B exist.
        unsafe {
            let b0 = _mm256_loadu_ps(b.add(p * ldb));
            let b1 = _mm256_loadu_ps(b.add(p * ldb + 8));
            for r in 0..ROWS {
                let f = _mm256_set1_ps(*a.add(r * rsa + p * csa));
                c[2 * r] = _mm256_fmadd_ps(f, b0, c[2 * r]);
                c[2 * r + 1] = _mm256_fmadd_ps(f, b1, c[2 * r + 1]);
            }
        }
    }
    let mut out = [[0f32; COLS]; ROWS];
    for (r, row) in out.iter_mut().enumerate() {
        // SAFETY: each row holds COLS = 16 floats, two 8-lane stores.
        unsafe {
            _mm256_storeu_ps(row.as_mut_ptr(), c[2 * r]);
            _mm256_storeu_ps(row.as_mut_ptr().add(8), c[2 * r + 1]);
        }
    }
    out
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn small_gemm_body<T: AttnFloat, const FMA: bool>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: (&[T], usize, usize),
    b: &[T],
    ldb: usize,
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    let (a, rsa, csa) = a;
    // Full 4 x 16 blocks of C are summed in registers (each B load feeds four rows, C is read
    // and written once); the edges take the row-at-a-time loop below.
    let (mb, nb) = (m / ROWS * ROWS, n / COLS * COLS);
    if mb > 0 && nb > 0 && k > 0 {
        // The explicit-SIMD block reads through pointers: bound its furthest reads here.
        assert!((mb - 1) * rsa + (k - 1) * csa < a.len() && (k - 1) * ldb + nb <= b.len());
    }
    for i0 in (0..mb).step_by(ROWS) {
        for j0 in (0..nb).step_by(COLS) {
            let simd = if FMA {
                // SAFETY: FMA is set only on CPUs with AVX2 and FMA; rows i0..i0 + ROWS of A
                // and columns j0..j0 + COLS of B lie within the bounds asserted above.
                unsafe {
                    T::block_fma(
                        k,
                        (a.as_ptr().add(i0 * rsa), rsa, csa),
                        (b.as_ptr().add(j0), ldb),
                    )
                }
            } else {
                None
            };
            let acc = simd.unwrap_or_else(|| {
                let mut acc = [[T::zero(); COLS]; ROWS];
                for p in 0..k {
                    let brow: &[T; COLS] = b[p * ldb + j0..][..COLS].try_into().unwrap();
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let f = a[(i0 + r) * rsa + p * csa];
                        for (x, &y) in acc.iter_mut().zip(brow) {
                            *x = if FMA { f.mul_add(y, *x) } else { *x + f * y };
                        }
                    }
                }
                acc
            });
            for (r, acc) in acc.iter().enumerate() {
                let crow = &mut c[(i0 + r) * ldc + j0..][..COLS];
                for (x, &v) in crow.iter_mut().zip(acc) {
                    *x = if beta == T::zero() {
                        alpha * v
                    } else {
                        alpha * v + beta * *x
                    };
                }
            }
        }
    }
    for i in 0..m {
        let j0 = if i < mb { nb } else { 0 };
        if j0 == n {
            continue;
        }
        let crow = &mut c[i * ldc + j0..i * ldc + n];
        if beta == T::zero() {
            crow.fill(T::zero());
        } else if beta != T::one() {
            for x in crow.iter_mut() {
                *x = *x * beta;
            }
        }
        for p in 0..k {
            let f = alpha * a[i * rsa + p * csa];
            let brow = &b[p * ldb + j0..p * ldb + n];
            for (x, &y) in crow.iter_mut().zip(brow) {
                *x = if FMA { f.mul_add(y, *x) } else { *x + f * y };
            }
        }
    }
}

/// `C (m x n, row-major, row stride ldc) = alpha * A (m x k, row-major lda) * B^T` where B is
/// (n x k) row-major with row stride ldb, plus `beta * C`. Bounds are checked before the call.
#[allow(clippy::too_many_arguments)]
fn gemm_abt<T: AttnFloat>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: &[T],
    lda: usize,
    b: &[T],
    ldb: usize,
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.len() >= (m - 1) * lda + k && b.len() >= (n - 1) * ldb + k);
    assert!(c.len() >= (m - 1) * ldc + n);
    if m * k * n <= SMALL {
        // B^T as a row-major (k x n) scratch, then the loop product.
        let mut bt = vec![T::zero(); k * n];
        for j in 0..n {
            for p in 0..k {
                bt[p * n + j] = b[j * ldb + p];
            }
        }
        small_gemm(m, k, n, alpha, (a, lda, 1), &bt, n, beta, c, ldc);
        return;
    }
    // SAFETY: the asserts bound every element read and written; c is a distinct &mut slice.
    unsafe {
        T::gemm(
            m,
            k,
            n,
            alpha,
            (a.as_ptr(), lda as isize, 1),
            (b.as_ptr(), 1, ldb as isize),
            beta,
            (c.as_mut_ptr(), ldc as isize, 1),
        )
    }
}

/// `C (m x n) = alpha * A (m x k) * B (k x n) + beta * C`, all row-major with the given row
/// strides.
#[allow(clippy::too_many_arguments)]
fn gemm_ab<T: AttnFloat>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: &[T],
    lda: usize,
    b: &[T],
    ldb: usize,
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(k == 0 || (a.len() >= (m - 1) * lda + k && b.len() >= (k - 1) * ldb + n));
    assert!(c.len() >= (m - 1) * ldc + n);
    if m * k * n <= SMALL {
        small_gemm(m, k, n, alpha, (a, lda, 1), b, ldb, beta, c, ldc);
        return;
    }
    // SAFETY: the asserts bound every element read and written; c is a distinct &mut slice.
    unsafe {
        T::gemm(
            m,
            k,
            n,
            alpha,
            (a.as_ptr(), lda as isize, 1),
            (b.as_ptr(), ldb as isize, 1),
            beta,
            (c.as_mut_ptr(), ldc as isize, 1),
        )
    }
}

/// `C (m x n) = alpha * A^T * B + beta * C` where A is (k x m) row-major (row stride lda) and B
/// (k x n) row-major (row stride ldb).
#[allow(clippy::too_many_arguments)]
fn gemm_atb<T: AttnFloat>(
    m: usize,
    k: usize,
    n: usize,
    alpha: T,
    a: &[T],
    lda: usize,
    b: &[T],
    ldb: usize,
    beta: T,
    c: &mut [T],
    ldc: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(k == 0 || (a.len() >= (k - 1) * lda + m && b.len() >= (k - 1) * ldb + n));
    assert!(c.len() >= (m - 1) * ldc + n);
    if m * k * n <= SMALL {
        small_gemm(m, k, n, alpha, (a, 1, lda), b, ldb, beta, c, ldc);
        return;
    }
    // SAFETY: the asserts bound every element read and written; c is a distinct &mut slice.
    unsafe {
        T::gemm(
            m,
            k,
            n,
            alpha,
            (a.as_ptr(), 1, lda as isize),
            (b.as_ptr(), ldb as isize, 1),
            beta,
            (c.as_mut_ptr(), ldc as isize, 1),
        )
    }
}

/// Whether a call is worth the pool's hand-off (waking its threads costs tens of
/// microseconds): at least `PAR_MIN` multiply-adds in all, more than one head and more than
/// one thread.
fn parallel(dims: &AttnDims) -> bool {
    const PAR_MIN: usize = 1 << 18;
    dims.bh > 1
        && dims.bh * dims.l * dims.s * (dims.d + dims.dv) >= PAR_MIN
        && get_num_threads() > 1
}

/// The keys a block of queries starting at `i0` (with `rows` rows) can see.
#[inline]
fn key_range(causal: bool, s: usize, i0: usize, rows: usize) -> usize {
    if causal { s.min(i0 + rows) } else { s }
}

/// Scores of one block: `scale * Q_blk K^T + mask`, with -inf past the causal diagonal, into
/// `buf` (row stride `s`, the first `s_eff` columns).
#[allow(clippy::too_many_arguments)]
fn block_scores<T: AttnFloat>(
    q: &[T],
    k: &[T],
    mask: Option<&MaskView<'_, T>>,
    dims: &AttnDims,
    head: usize,
    i0: usize,
    rows: usize,
    s_eff: usize,
    causal: bool,
    scale: T,
    buf: &mut [T],
) {
    let (s, d) = (dims.s, dims.d);
    gemm_abt(
        rows,
        d,
        s_eff,
        scale,
        &q[i0 * d..],
        d,
        k,
        d,
        T::zero(),
        buf,
        s,
    );
    for r in 0..rows {
        let i = i0 + r;
        let row = &mut buf[r * s..r * s + s_eff];
        if let Some(m) = mask {
            let (start, step) = m.row(head, dims.heads, i);
            for (j, x) in row.iter_mut().enumerate() {
                *x = *x + m.data[start + j * step];
            }
        }
        if causal && i + 1 < s_eff {
            for x in &mut row[i + 1..] {
                *x = T::neg_infinity();
            }
        }
    }
}

/// Forward: `out` (bh x l x dv) and `lse` (bh x l) from contiguous q (bh x l x d), k (bh x s x d),
/// v (bh x s x dv).
#[allow(clippy::too_many_arguments)]
pub fn forward<T: AttnFloat>(
    q: &[T],
    k: &[T],
    v: &[T],
    mask: Option<MaskView<'_, T>>,
    dims: AttnDims,
    causal: bool,
    scale: T,
    out: &mut [T],
    lse: &mut [T],
) {
    let AttnDims {
        l, s, d, dv, bh, ..
    } = dims;
    if l == 0 || bh == 0 {
        return;
    }
    let run = |head: usize, o: &mut [T], ls: &mut [T]| {
        let (qh, kh, vh) = (&q[head * l * d..], &k[head * s * d..], &v[head * s * dv..]);
        let br = BLOCK.min(l);
        let mut buf = vec![T::zero(); br * s.max(1)];
        for i0 in (0..l).step_by(br) {
            let rows = br.min(l - i0);
            let s_eff = key_range(causal, s, i0, rows);
            block_scores(
                qh,
                kh,
                mask.as_ref(),
                &dims,
                head,
                i0,
                rows,
                s_eff,
                causal,
                scale,
                &mut buf,
            );
            for r in 0..rows {
                let row = &mut buf[r * s..r * s + s_eff];
                let m = row.iter().fold(T::neg_infinity(), |a, &b| a.max(b));
                if m == T::neg_infinity() {
                    row.fill(T::zero());
                    ls[i0 + r] = T::infinity();
                    continue;
                }
                T::exp_shifted(row, m);
                let sum = row.iter().fold(T::zero(), |a, &b| a + b);
                let inv = sum.recip();
                for x in row.iter_mut() {
                    *x = *x * inv;
                }
                ls[i0 + r] = m + sum.ln();
            }
            if s_eff == 0 {
                o[i0 * dv..(i0 + rows) * dv].fill(T::zero());
            } else {
                gemm_ab(
                    rows,
                    s_eff,
                    dv,
                    T::one(),
                    &buf,
                    s,
                    vh,
                    dv,
                    T::zero(),
                    &mut o[i0 * dv..],
                    dv,
                );
            }
        }
    };
    let chunk_o = (l * dv).max(1);
    if dv == 0 {
        lse.chunks_mut(l)
            .enumerate()
            .for_each(|(h, ls)| run(h, &mut [][..], ls));
    } else if !parallel(&dims) {
        out.chunks_mut(chunk_o)
            .zip(lse.chunks_mut(l))
            .enumerate()
            .for_each(|(h, (o, ls))| run(h, o, ls));
    } else {
        pool().install(|| {
            out.par_chunks_mut(chunk_o)
                .zip(lse.par_chunks_mut(l))
                .enumerate()
                .for_each(|(h, (o, ls))| run(h, o, ls))
        });
    }
}

/// Backward: the gradients (dq, dk, dv) of q, k, v (shapes as theirs) from the forward's
/// `out` and `lse` and the output gradient `dout` (bh x l x dv, contiguous).
#[allow(clippy::too_many_arguments)]
pub fn backward<T: AttnFloat>(
    q: &[T],
    k: &[T],
    v: &[T],
    mask: Option<MaskView<'_, T>>,
    out: &[T],
    lse: &[T],
    dout: &[T],
    dims: AttnDims,
    causal: bool,
    scale: T,
    grads: (&mut [T], &mut [T], &mut [T]),
) {
    let AttnDims {
        l, s, d, dv, bh, ..
    } = dims;
    let (dq, dk, dvv) = grads;
    dq.fill(T::zero());
    dk.fill(T::zero());
    dvv.fill(T::zero());
    if l == 0 || s == 0 || bh == 0 {
        return;
    }
    let run = |head: usize, gq: &mut [T], gk: &mut [T], gv: &mut [T]| {
        let (qh, kh, vh) = (&q[head * l * d..], &k[head * s * d..], &v[head * s * dv..]);
        let (oh, doh, lh) = (
            &out[head * l * dv..],
            &dout[head * l * dv..],
            &lse[head * l..],
        );
        let br = BLOCK.min(l);
        let mut p = vec![T::zero(); br * s];
        let mut dp = vec![T::zero(); br * s];
        for i0 in (0..l).step_by(br) {
            let rows = br.min(l - i0);
            let s_eff = key_range(causal, s, i0, rows);
            if s_eff == 0 {
                continue;
            }
            block_scores(
                qh,
                kh,
                mask.as_ref(),
                &dims,
                head,
                i0,
                rows,
                s_eff,
                causal,
                scale,
                &mut p,
            );
            for r in 0..rows {
                T::exp_shifted(&mut p[r * s..r * s + s_eff], lh[i0 + r]);
            }
            let dob = &doh[i0 * dv..];
            // dV[..s_eff] += P^T dO
            gemm_atb(s_eff, rows, dv, T::one(), &p, s, dob, dv, T::one(), gv, dv);
            // dP = dO V^T
            gemm_abt(
                rows,
                dv,
                s_eff,
                T::one(),
                dob,
                dv,
                vh,
                dv,
                T::zero(),
                &mut dp,
                s,
            );
            for r in 0..rows {
                let i = i0 + r;
                let di = (0..dv).fold(T::zero(), |a, c| a + doh[i * dv + c] * oh[i * dv + c]);
                let (pr, dpr) = (&mut p[r * s..r * s + s_eff], &dp[r * s..r * s + s_eff]);
                for (x, &g) in pr.iter_mut().zip(dpr) {
                    *x = *x * (g - di);
                }
            }
            // dQ_blk = scale * dS K ; dK[..s_eff] += scale * dS^T Q_blk
            gemm_ab(
                rows,
                s_eff,
                d,
                scale,
                &p,
                s,
                kh,
                d,
                T::zero(),
                &mut gq[i0 * d..],
                d,
            );
            gemm_atb(
                s_eff,
                rows,
                d,
                scale,
                &p,
                s,
                &qh[i0 * d..],
                d,
                T::one(),
                gk,
                d,
            );
        }
    };
    if d == 0 || dv == 0 {
        // Degenerate widths: nothing to multiply, every gradient is zero.
        return;
    }
    if !parallel(&dims) {
        dq.chunks_mut(l * d)
            .zip(dk.chunks_mut(s * d))
            .zip(dvv.chunks_mut(s * dv))
            .enumerate()
            .for_each(|(h, ((gq, gk), gv))| run(h, gq, gk, gv));
        return;
    }
    pool().install(|| {
        dq.par_chunks_mut(l * d)
            .zip(dk.par_chunks_mut(s * d))
            .zip(dvv.par_chunks_mut(s * dv))
            .enumerate()
            .for_each(|(h, ((gq, gk), gv))| run(h, gq, gk, gv));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small integers and halves, so that every sum is exact in both float types.
    fn check_small_gemm<T: AttnFloat>() {
        let v = |x: f64| T::from(x).unwrap();
        // Sizes on and off the 4 x 16 register blocks, strided A (also transposed), and the
        // three beta cases.
        for &(m, k, n) in &[(4, 3, 16), (9, 5, 37), (3, 7, 15), (8, 16, 32), (1, 1, 1)] {
            for &(beta, transposed) in &[(0.0, false), (1.0, true), (0.5, false)] {
                let a: Vec<f64> = (0..m * k).map(|i| (i % 7) as f64 - 3.0).collect();
                let b: Vec<f64> = (0..k * (n + 2)).map(|i| (i % 5) as f64 * 0.5).collect();
                let c0: Vec<f64> = (0..m * (n + 1)).map(|i| (i % 3) as f64).collect();
                let (rsa, csa) = if transposed { (1, m) } else { (k, 1) };
                let at: Vec<T> = a.iter().map(|&x| v(x)).collect();
                let bt: Vec<T> = b.iter().map(|&x| v(x)).collect();
                let mut c: Vec<T> = c0.iter().map(|&x| v(x)).collect();
                small_gemm(
                    m,
                    k,
                    n,
                    v(2.0),
                    (&at, rsa, csa),
                    &bt,
                    n + 2,
                    v(beta),
                    &mut c,
                    n + 1,
                );
                for i in 0..m {
                    for j in 0..n + 1 {
                        let want = if j == n {
                            c0[i * (n + 1) + j]
                        } else {
                            let dot: f64 = (0..k)
                                .map(|p| a[i * rsa + p * csa] * b[p * (n + 2) + j])
                                .sum();
                            2.0 * dot + beta * c0[i * (n + 1) + j]
                        };
                        assert!(c[i * (n + 1) + j] == v(want), "({m},{k},{n}) [{i},{j}]");
                    }
                }
            }
        }
    }

    #[test]
    fn small_gemm_agrees_with_the_definition() {
        check_small_gemm::<f32>();
        check_small_gemm::<f64>();
    }
}
