//! float32 matrix product for x86-64 with AVX2 + FMA, in the BLIS layout: B is packed into
//! `KC x NR` column panels, A into `MR x KC` row panels, and a 6x16 register-blocked
//! micro-kernel (12 accumulators of 8 lanes) runs over them. Blocks are sized for the caches of
//! current x86 cores (A block in L2, B panel in L1, B block in L3).
//!
//! Threads split C into bands (along the larger of m and n) and each runs the whole blocked
//! loop on its band, so there is no synchronisation inside a product. Other CPUs (and other
//! dtypes) use the `gemm` crate; [`available`] says which path runs.

use std::cell::RefCell;

/// Rows and columns of the register tile: 6 x 16 floats = 12 AVX registers.
const MR: usize = 6;
const NR: usize = 16;
/// Rows of A per packed block (96 x 384 floats = 144 KiB, within L2).
const MC: usize = 96;
/// Depth of a block: 384 keeps a B micro-panel (24 KiB) near L1 and C re-reads few.
const KC: usize = 384;
/// Columns of B per packed block (within L3).
const NC: usize = 4080;

/// Whether this CPU runs the AVX2 kernel.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A matrix view: pointer to element (0, 0) and row / column strides in elements.
#[derive(Clone, Copy)]
pub struct MatRef {
    pub ptr: *const f32,
    pub rs: isize,
    pub cs: isize,
}

#[derive(Clone, Copy)]
pub struct MatMut {
    pub ptr: *mut f32,
    pub rs: isize,
    pub cs: isize,
}

// SAFETY: plain pointers into buffers that outlive the product; bands of C written by
// different threads are disjoint.
unsafe impl Send for MatRef {}
unsafe impl Sync for MatRef {}
unsafe impl Send for MatMut {}
unsafe impl Sync for MatMut {}

/// `C (m x n) = A (m x k) @ B (k x n)`, overwriting C, on up to `threads` threads of the
/// current rayon pool.
///
/// # Safety
/// [`available`] must be true; the views must be valid for their shapes and C must not
/// overlap A or B, nor itself (no zero strides in C).
pub unsafe fn sgemm(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: MatMut, threads: usize) {
    if m == 0 || n == 0 {
        return;
    }
    let threads = threads.max(1);
    // Bands: along m in multiples of MR, or along n in multiples of NR.
    let split_m = m >= n;
    let (len, unit) = if split_m { (m, MR) } else { (n, NR) };
    let units = len.div_ceil(unit);
    let parts = threads.min(units);
    if parts <= 1 {
        // SAFETY: forwarded.
        unsafe { band(m, n, k, a, b, c) };
        return;
    }
    let per = units.div_ceil(parts) * unit;
    let views = &(a, b, c);
    let run = move |t: usize| {
        let (a, b, c) = *views;
        let lo = t * per;
        if lo >= len {
            return;
        }
        let hi = (lo + per).min(len);
        // SAFETY: each band is a disjoint sub-block of C; A / B sub-views stay inside.
        unsafe {
            if split_m {
                let a = MatRef {
                    ptr: a.ptr.offset(lo as isize * a.rs),
                    ..a
                };
                let c = MatMut {
                    ptr: c.ptr.offset(lo as isize * c.rs),
                    ..c
                };
                band(hi - lo, n, k, a, b, c);
            } else {
                let b = MatRef {
                    ptr: b.ptr.offset(lo as isize * b.cs),
                    ..b
                };
                let c = MatMut {
                    ptr: c.ptr.offset(lo as isize * c.cs),
                    ..c
                };
                band(m, hi - lo, k, a, b, c);
            }
        }
    };
    rayon::scope(|s| {
        for t in 1..parts {
            let run = &run;
            s.spawn(move |_| run(t));
        }
        run(0);
    });
}

thread_local! {
    static PACK_A: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    static PACK_B: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// The blocked product on one thread.
unsafe fn band(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: MatMut) {
    if k == 0 {
        for i in 0..m as isize {
            for j in 0..n as isize {
                // SAFETY: inside C.
                unsafe { *c.ptr.offset(i * c.rs + j * c.cs) = 0.0 };
            }
        }
        return;
    }
    PACK_A.with_borrow_mut(|pa| {
        PACK_B.with_borrow_mut(|pb| {
            let need_a = MC.min(m.next_multiple_of(MR)) * KC.min(k);
            let need_b = NC.min(n.next_multiple_of(NR)) * KC.min(k);
            if pa.len() < need_a {
                pa.resize(need_a, 0.0);
            }
            if pb.len() < need_b {
                pb.resize(need_b, 0.0);
            }
            for jc in (0..n).step_by(NC) {
                let nc = NC.min(n - jc);
                for pc in (0..k).step_by(KC) {
                    let kc = KC.min(k - pc);
                    // SAFETY: the block lies inside B; pb holds nc rounded up to NR times kc.
                    unsafe {
                        pack_b(
                            kc,
                            nc,
                            b.ptr.offset(pc as isize * b.rs + jc as isize * b.cs),
                            b.rs,
                            b.cs,
                            pb,
                        )
                    };
                    for ic in (0..m).step_by(MC) {
                        let mc = MC.min(m - ic);
                        // SAFETY: as for B.
                        unsafe {
                            pack_a(
                                mc,
                                kc,
                                a.ptr.offset(ic as isize * a.rs + pc as isize * a.cs),
                                a.rs,
                                a.cs,
                                pa,
                            )
                        };
                        for jr in (0..nc).step_by(NR) {
                            let nr = NR.min(nc - jr);
                            for ir in (0..mc).step_by(MR) {
                                let mr = MR.min(mc - ir);
                                // SAFETY: the tile lies inside C, the panels inside the buffers.
                                unsafe {
                                    let cp = c.ptr.offset(
                                        (ic + ir) as isize * c.rs + (jc + jr) as isize * c.cs,
                                    );
                                    tile(
                                        kc,
                                        pa.as_ptr().add(ir * kc),
                                        pb.as_ptr().add(jr * kc),
                                        cp,
                                        c.rs,
                                        c.cs,
                                        mr,
                                        nr,
                                        pc > 0,
                                    );
                                }
                            }
                        }
                    }
                }
            }
        })
    });
}

/// Packs `mc x kc` of A into MR-row panels: panel i holds, for each p, A[i*MR..][p] (rows past
/// mc are zero).
unsafe fn pack_a(mc: usize, kc: usize, a: *const f32, rs: isize, cs: isize, dst: &mut [f32]) {
    for (pi, i0) in (0..mc).step_by(MR).enumerate() {
        let rows = MR.min(mc - i0);
        let panel = &mut dst[pi * MR * kc..(pi + 1) * MR * kc];
        for r in 0..MR {
            if r < rows {
                // SAFETY: row i0 + r of the block.
                let src = unsafe { a.offset((i0 + r) as isize * rs) };
                for p in 0..kc {
                    panel[p * MR + r] = unsafe { *src.offset(p as isize * cs) };
                }
            } else {
                for p in 0..kc {
                    panel[p * MR + r] = 0.0;
                }
            }
        }
    }
}

/// Packs `kc x nc` of B into NR-column panels: panel j holds, for each p, B[p][j*NR..] (columns
/// past nc are zero).
unsafe fn pack_b(kc: usize, nc: usize, b: *const f32, rs: isize, cs: isize, dst: &mut [f32]) {
    for (pj, j0) in (0..nc).step_by(NR).enumerate() {
        let cols = NR.min(nc - j0);
        let panel = &mut dst[pj * NR * kc..(pj + 1) * NR * kc];
        for p in 0..kc {
            let out = &mut panel[p * NR..(p + 1) * NR];
            // SAFETY: row p, columns j0..j0+cols of the block.
            unsafe {
                let src = b.offset(p as isize * rs + j0 as isize * cs);
                if cs == 1 && cols == NR {
                    // Fixed-size copy: two vector moves instead of a memcpy call.
                    out.copy_from_slice(&*(src as *const [f32; NR]));
                } else if cs == 1 {
                    out[..cols].copy_from_slice(std::slice::from_raw_parts(src, cols));
                } else {
                    for (j, o) in out[..cols].iter_mut().enumerate() {
                        *o = *src.offset(j as isize * cs);
                    }
                }
            }
            out[cols..].fill(0.0);
        }
    }
}

/// One MR x NR tile of C (only `mr x nr` of it inside C) from packed panels.
#[allow(clippy::too_many_arguments)]
unsafe fn tile(
    kc: usize,
    ap: *const f32,
    bp: *const f32,
    c: *mut f32,
    rs: isize,
    cs: isize,
    mr: usize,
    nr: usize,
    acc: bool,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if mr == MR && nr == NR && cs == 1 {
            // SAFETY: a full tile with unit column stride; AVX2 checked by the caller of sgemm.
            unsafe { avx2::kernel(kc, ap, bp, c, rs, acc) };
            return;
        }
        let mut t = [0f32; MR * NR];
        // SAFETY: t is a full tile with row stride NR.
        unsafe { avx2::kernel(kc, ap, bp, t.as_mut_ptr(), NR as isize, false) };
        for i in 0..mr {
            for j in 0..nr {
                // SAFETY: (i, j) inside the part of the tile that lies in C.
                unsafe {
                    let p = c.offset(i as isize * rs + j as isize * cs);
                    *p = if acc {
                        *p + t[i * NR + j]
                    } else {
                        t[i * NR + j]
                    };
                }
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (kc, ap, bp, c, rs, cs, mr, nr, acc);
        unreachable!("sgemm::available() is false off x86-64");
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{MR, NR};
    use std::arch::x86_64::*;

    /// `C[0..6][0..16] (+)= sum_p A[p][0..6] (x) B[p][0..16]` with rows of C `rs` apart.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn kernel(
        kc: usize,
        ap: *const f32,
        bp: *const f32,
        c: *mut f32,
        rs: isize,
        acc: bool,
    ) {
        // Pull the C tile towards L1 while the products run.
        for i in 0..MR as isize {
            // SAFETY: prefetches never fault.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(c.offset(i * rs) as *const i8);
                _mm_prefetch::<_MM_HINT_T0>(c.offset(i * rs + 15) as *const i8);
            }
        }
        let mut r = [[_mm256_setzero_ps(); 2]; MR];
        let (mut ap, mut bp) = (ap, bp);
        macro_rules! step {
            ($u:expr) => {
                // SAFETY: the packed panels hold kc steps of MR and NR values.
                unsafe {
                    let b0 = _mm256_loadu_ps(bp.add($u * NR));
                    let b1 = _mm256_loadu_ps(bp.add($u * NR + 8));
                    for (i, ri) in r.iter_mut().enumerate() {
                        let a = _mm256_broadcast_ss(&*ap.add($u * MR + i));
                        ri[0] = _mm256_fmadd_ps(a, b0, ri[0]);
                        ri[1] = _mm256_fmadd_ps(a, b1, ri[1]);
                    }
                }
            };
        }
        for _ in 0..kc / 4 {
            step!(0);
            step!(1);
            step!(2);
            step!(3);
            // SAFETY: still inside (or one past) the panels.
            unsafe {
                ap = ap.add(4 * MR);
                bp = bp.add(4 * NR);
            }
        }
        for _ in 0..kc % 4 {
            step!(0);
            // SAFETY: as above.
            unsafe {
                ap = ap.add(MR);
                bp = bp.add(NR);
            }
        }
        for (i, ri) in r.iter().enumerate() {
            // SAFETY: row i of the tile, 16 contiguous values.
            unsafe {
                let p = c.offset(i as isize * rs);
                let (mut v0, mut v1) = (ri[0], ri[1]);
                if acc {
                    v0 = _mm256_add_ps(v0, _mm256_loadu_ps(p));
                    v1 = _mm256_add_ps(v1, _mm256_loadu_ps(p.add(8)));
                }
                _mm256_storeu_ps(p, v0);
                _mm256_storeu_ps(p.add(8), v1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, n: usize, k: usize, a: &[f32], b: &[f32]) -> Vec<f64> {
        let mut c = vec![0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    c[i * n + j] += a[i * k + p] as f64 * b[p * n + j] as f64;
                }
            }
        }
        c
    }

    #[test]
    fn matches_naive_for_edge_sizes_strides_and_threads() {
        if !available() {
            return;
        }
        let sizes = [
            (1, 1, 1),
            (5, 17, 3),
            (6, 16, 256),
            (7, 33, 257),
            (13, 15, 0),
            (150, 40, 300),
            (40, 150, 520),
            (145, 4100, 5),
        ];
        for &(m, n, k) in &sizes {
            let a: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7 % 13) as f32 - 6.0) / 8.0)
                .collect();
            let b: Vec<f32> = (0..k * n)
                .map(|i| ((i * 5 % 11) as f32 - 5.0) / 4.0)
                .collect();
            let want = naive(m, n, k, &a, &b);
            // Transposed copies, to multiply through column-major views too.
            let at: Vec<f32> = (0..m * k).map(|i| a[(i % m) * k + i / m]).collect();
            let bt: Vec<f32> = (0..k * n).map(|i| b[(i % k) * n + i / k]).collect();
            for threads in [1, 2, 3] {
                for (a_view, b_view) in [
                    (
                        MatRef {
                            ptr: a.as_ptr(),
                            rs: k as isize,
                            cs: 1,
                        },
                        MatRef {
                            ptr: b.as_ptr(),
                            rs: n as isize,
                            cs: 1,
                        },
                    ),
                    (
                        MatRef {
                            ptr: at.as_ptr(),
                            rs: 1,
                            cs: m as isize,
                        },
                        MatRef {
                            ptr: bt.as_ptr(),
                            rs: 1,
                            cs: k as isize,
                        },
                    ),
                ] {
                    let mut c = vec![f32::NAN; m * n];
                    let cv = MatMut {
                        ptr: c.as_mut_ptr(),
                        rs: n as isize,
                        cs: 1,
                    };
                    unsafe { sgemm(m, n, k, a_view, b_view, cv, threads) };
                    for (g, w) in c.iter().zip(&want) {
                        assert!(
                            (*g as f64 - w).abs() <= 1e-4 * (1.0 + w.abs()),
                            "{}x{}x{}: {} vs {}",
                            m,
                            n,
                            k,
                            g,
                            w
                        );
                    }
                    // Column-major C.
                    let mut ct = vec![f32::NAN; m * n];
                    let cv = MatMut {
                        ptr: ct.as_mut_ptr(),
                        rs: 1,
                        cs: m as isize,
                    };
                    unsafe { sgemm(m, n, k, a_view, b_view, cv, threads) };
                    for i in 0..m {
                        for j in 0..n {
                            assert!(
                                (ct[j * m + i] as f64 - want[i * n + j]).abs()
                                    <= 1e-4 * (1.0 + want[i * n + j].abs())
                            );
                        }
                    }
                }
            }
        }
    }
}
