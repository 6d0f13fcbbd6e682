//! Out-of-place matrix transposition into a contiguous buffer, for GEMM operands whose layout
//! the kernels read slowly (`gemm.rs`: `x @ w.T` packs `w` row-major first). Blocks of 16x16
//! float32 / 8x8 float64 are transposed in AVX-512 registers where the CPU has it (detected at
//! run time); edges and other CPUs take the scalar loop.

/// `dst[j * ld + i] = src[i * rs + j * cs]` for `i < rows`, `j < cols`: `dst` receives the
/// transpose of the (rows, cols) view, row-major with row stride `ld` (>= rows).
///
/// # Safety
/// `src` with strides (rs, cs) must address a valid (rows, cols) view and `dst` a writable
/// (cols, rows) matrix with row stride `ld`, overlapping neither.
pub unsafe fn transpose<T: Copy + 'static>(
    src: *const T,
    rs: isize,
    cs: isize,
    rows: usize,
    cols: usize,
    dst: *mut T,
    ld: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if cs == 1 && std::arch::is_x86_feature_detected!("avx512f") {
        let id = std::any::TypeId::of::<T>();
        // SAFETY: the type checks make the casts identities; the caller's contract covers the
        // memory; the feature was detected.
        unsafe {
            if id == std::any::TypeId::of::<f32>() {
                return avx512::transpose_f32(
                    src as *const f32,
                    rs,
                    rows,
                    cols,
                    dst as *mut f32,
                    ld,
                );
            }
            if id == std::any::TypeId::of::<f64>() {
                return avx512::transpose_f64(
                    src as *const f64,
                    rs,
                    rows,
                    cols,
                    dst as *mut f64,
                    ld,
                );
            }
        }
    }
    // SAFETY: as the caller guarantees.
    unsafe { scalar(src, rs, cs, 0, rows, 0, cols, ld, dst) }
}

/// The rows `r0..r1` and columns `c0..c1` of the transpose, in tiles that keep both sides in
/// cache.
///
/// # Safety
/// As [`transpose`]; `ld` is the full row count (the stride of `dst`).
#[allow(clippy::too_many_arguments)]
unsafe fn scalar<T: Copy>(
    src: *const T,
    rs: isize,
    cs: isize,
    r0: usize,
    r1: usize,
    c0: usize,
    c1: usize,
    ld: usize,
    dst: *mut T,
) {
    const TILE: usize = 32;
    for i0 in (r0..r1).step_by(TILE) {
        for j0 in (c0..c1).step_by(TILE) {
            for i in i0..(i0 + TILE).min(r1) {
                for j in j0..(j0 + TILE).min(c1) {
                    // SAFETY: i < rows, j < cols.
                    unsafe {
                        *dst.add(j * ld + i) = *src.offset(i as isize * rs + j as isize * cs)
                    };
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// Row-major (rows, cols) float32 view with row stride `rs` (unit column stride) into its
    /// transpose.
    ///
    /// # Safety
    /// As [`super::transpose`], on a CPU with AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn transpose_f32(
        src: *const f32,
        rs: isize,
        rows: usize,
        cols: usize,
        dst: *mut f32,
        ld: usize,
    ) {
        let (rb, cb) = (rows / 16 * 16, cols / 16 * 16);
        for i0 in (0..rb).step_by(16) {
            for j0 in (0..cb).step_by(16) {
                // SAFETY: the 16x16 block lies inside both matrices.
                unsafe {
                    let mut r = [_mm512_setzero_ps(); 16];
                    for (k, v) in r.iter_mut().enumerate() {
                        *v = _mm512_loadu_ps(src.offset((i0 + k) as isize * rs + j0 as isize));
                    }
                    // 32-bit then 64-bit interleaves: u[4i + j] lane k holds column 4k + j of
                    // rows 4i..4i+3.
                    let mut t = [_mm512_setzero_ps(); 16];
                    for i in 0..8 {
                        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
                        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
                    }
                    let mut u = [_mm512_setzero_ps(); 16];
                    for i in 0..4 {
                        let pd = |x: __m512| _mm512_castps_pd(x);
                        let ps = |x: __m512d| _mm512_castpd_ps(x);
                        u[4 * i] = ps(_mm512_unpacklo_pd(pd(t[4 * i]), pd(t[4 * i + 2])));
                        u[4 * i + 1] = ps(_mm512_unpackhi_pd(pd(t[4 * i]), pd(t[4 * i + 2])));
                        u[4 * i + 2] = ps(_mm512_unpacklo_pd(pd(t[4 * i + 1]), pd(t[4 * i + 3])));
                        u[4 * i + 3] = ps(_mm512_unpackhi_pd(pd(t[4 * i + 1]), pd(t[4 * i + 3])));
                    }
                    // Gather lane k of u[j], u[4 + j], u[8 + j], u[12 + j]: column 4k + j.
                    for j in 0..4 {
                        let v0 = _mm512_shuffle_f32x4::<0x88>(u[j], u[4 + j]);
                        let v1 = _mm512_shuffle_f32x4::<0xDD>(u[j], u[4 + j]);
                        let w0 = _mm512_shuffle_f32x4::<0x88>(u[8 + j], u[12 + j]);
                        let w1 = _mm512_shuffle_f32x4::<0xDD>(u[8 + j], u[12 + j]);
                        let out = |c: usize| dst.add((j0 + c) * ld + i0);
                        _mm512_storeu_ps(out(j), _mm512_shuffle_f32x4::<0x88>(v0, w0));
                        _mm512_storeu_ps(out(4 + j), _mm512_shuffle_f32x4::<0x88>(v1, w1));
                        _mm512_storeu_ps(out(8 + j), _mm512_shuffle_f32x4::<0xDD>(v0, w0));
                        _mm512_storeu_ps(out(12 + j), _mm512_shuffle_f32x4::<0xDD>(v1, w1));
                    }
                }
            }
        }
        // SAFETY: the edges, inside both matrices.
        unsafe {
            super::scalar(src, rs, 1, 0, rows, cb, cols, ld, dst);
            super::scalar(src, rs, 1, rb, rows, 0, cb, ld, dst);
        }
    }

    /// As [`transpose_f32`] for float64, in 8x8 blocks.
    ///
    /// # Safety
    /// As [`super::transpose`], on a CPU with AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn transpose_f64(
        src: *const f64,
        rs: isize,
        rows: usize,
        cols: usize,
        dst: *mut f64,
        ld: usize,
    ) {
        let (rb, cb) = (rows / 8 * 8, cols / 8 * 8);
        for i0 in (0..rb).step_by(8) {
            for j0 in (0..cb).step_by(8) {
                // SAFETY: the 8x8 block lies inside both matrices.
                unsafe {
                    let mut r = [_mm512_setzero_pd(); 8];
                    for (k, v) in r.iter_mut().enumerate() {
                        *v = _mm512_loadu_pd(src.offset((i0 + k) as isize * rs + j0 as isize));
                    }
                    // t[2i + j] lane k holds column 2k + j of rows 2i, 2i + 1.
                    let mut t = [_mm512_setzero_pd(); 8];
                    for i in 0..4 {
                        t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
                        t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
                    }
                    for j in 0..2 {
                        let v0 = _mm512_shuffle_f64x2::<0x88>(t[j], t[2 + j]);
                        let v1 = _mm512_shuffle_f64x2::<0xDD>(t[j], t[2 + j]);
                        let w0 = _mm512_shuffle_f64x2::<0x88>(t[4 + j], t[6 + j]);
                        let w1 = _mm512_shuffle_f64x2::<0xDD>(t[4 + j], t[6 + j]);
                        let out = |c: usize| dst.add((j0 + c) * ld + i0);
                        _mm512_storeu_pd(out(j), _mm512_shuffle_f64x2::<0x88>(v0, w0));
                        _mm512_storeu_pd(out(2 + j), _mm512_shuffle_f64x2::<0x88>(v1, w1));
                        _mm512_storeu_pd(out(4 + j), _mm512_shuffle_f64x2::<0xDD>(v0, w0));
                        _mm512_storeu_pd(out(6 + j), _mm512_shuffle_f64x2::<0xDD>(v1, w1));
                    }
                }
            }
        }
        // SAFETY: the edges, inside both matrices.
        unsafe {
            super::scalar(src, rs, 1, 0, rows, cb, cols, ld, dst);
            super::scalar(src, rs, 1, rb, rows, 0, cb, ld, dst);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn transposes_every_shape_and_stride() {
        for &(rows, cols) in &[
            (1, 1),
            (16, 16),
            (17, 33),
            (40, 8),
            (8, 40),
            (64, 48),
            (3, 100),
        ] {
            let rs = cols + 5;
            let src32: Vec<f32> = (0..rows * rs).map(|v| v as f32).collect();
            let src64: Vec<f64> = (0..rows * rs).map(|v| v as f64 * 0.5).collect();
            let ld = rows + 3;
            let mut d32 = vec![0f32; ld * cols];
            let mut d64 = vec![0f64; ld * cols];
            // SAFETY: the buffers hold the views.
            unsafe {
                super::transpose(
                    src32.as_ptr(),
                    rs as isize,
                    1,
                    rows,
                    cols,
                    d32.as_mut_ptr(),
                    ld,
                );
                super::transpose(
                    src64.as_ptr(),
                    rs as isize,
                    1,
                    rows,
                    cols,
                    d64.as_mut_ptr(),
                    ld,
                );
            }
            for i in 0..rows {
                for j in 0..cols {
                    assert_eq!(d32[j * ld + i], src32[i * rs + j]);
                    assert_eq!(d64[j * ld + i], src64[i * rs + j]);
                }
            }
        }
    }
}
