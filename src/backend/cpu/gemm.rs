//! Float matrix products on the CPU: the one place that picks a GEMM kernel for a layout and
//! splits a product over the pool. `ops/linalg.rs` (mm, bmm, matmul, linear), the convolution
//! and the recurrent layers all multiply through here.
//!
//! Kernels, measured one thread at a time on the reference machine (AVX-512, x86-v4 kernels
//! chosen at run time): the `gemm` crate is the faster one (float32 16^3 in 0.2 us, 64^3 at
//! 105 GFLOP/s, 512^3 at 113; float64 50-53) except where B is stored transposed (`x @ w.T`
//! in every linear layer): see [`layout_plan`].
//!
//! Splitting: products under [`PAR_MIN`] multiply-adds run on the calling thread. Larger ones
//! are cut into one task per batch element or into bands of C (rows or columns, whichever side
//! is longer), each a single-threaded product, run by the calling thread together with pool
//! workers ([`run_tasks`](super::threads::run_tasks): no hand-over to the pool and back, and a
//! worker stays awake for the next product). Both cores then run the crate's best kernel on
//! their own part, which measured faster than the crates' own parallel loops (2048^3 float32
//! on two cores: 204 GFLOP/s).

use super::threads::pool;
use gemm::Parallelism;

/// Fewest multiply-adds (batch x m x n x k) worth splitting: 2^19, ~10 us on one core. In a
/// loop on two threads, 64x64x128 (2^19) ran in 9.6 us against 11.1 on one; 64^3 (2^18)
/// gained too, but by less than a worker's wake-up costs when it has gone to sleep.
pub const PAR_MIN: usize = 1 << 19;

/// A matrix operand: base pointer, row stride, column stride (in elements).
pub type Mat<P> = (P, isize, isize);

/// `matrixmultiply::{s,d}gemm`: (m, k, n, alpha, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc).
pub type MatrixMultiply<T> = unsafe fn(
    usize,
    usize,
    usize,
    T,
    *const T,
    isize,
    isize,
    *const T,
    isize,
    isize,
    T,
    *mut T,
    isize,
    isize,
);

/// The float types with GEMM kernels.
pub trait GemmElem: Copy + Send + Sync + 'static {
    const ZERO: Self;
    const ONE: Self;
    /// How a transposed B (`x @ w.T`) is multiplied where [`Plan::TransposeC`] does not fit
    /// ([`Plan::Crate`]: always the crate; see [`layout_plan`]).
    const TRANSPOSED_B: Plan;
    /// `matrixmultiply`'s kernel for this type, where it has one.
    const MATRIXMULTIPLY: Option<MatrixMultiply<Self>>;
}

impl GemmElem for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const TRANSPOSED_B: Plan = Plan::PackB;
    const MATRIXMULTIPLY: Option<MatrixMultiply<Self>> = Some(matrixmultiply::sgemm);
}

impl GemmElem for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
    const TRANSPOSED_B: Plan = Plan::MatrixMultiply;
    const MATRIXMULTIPLY: Option<MatrixMultiply<Self>> = Some(matrixmultiply::dgemm);
}

impl GemmElem for num_complex::Complex32 {
    const ZERO: Self = num_complex::Complex32::new(0.0, 0.0);
    const ONE: Self = num_complex::Complex32::new(1.0, 0.0);
    const TRANSPOSED_B: Plan = Plan::Crate;
    const MATRIXMULTIPLY: Option<MatrixMultiply<Self>> = None;
}

impl GemmElem for num_complex::Complex64 {
    const ZERO: Self = num_complex::Complex64::new(0.0, 0.0);
    const ONE: Self = num_complex::Complex64::new(1.0, 0.0);
    const TRANSPOSED_B: Plan = Plan::Crate;
    const MATRIXMULTIPLY: Option<MatrixMultiply<Self>> = None;
}

impl GemmElem for half::f16 {
    const ZERO: Self = half::f16::ZERO;
    const ONE: Self = half::f16::ONE;
    const TRANSPOSED_B: Plan = Plan::Crate;
    const MATRIXMULTIPLY: Option<MatrixMultiply<Self>> = None;
}

/// `gemm` crate call: C (m, n) (+)= A (m, k) B (k, n), one thread unless `par` says otherwise.
///
/// # Safety
/// As [`gemm`].
#[allow(clippy::too_many_arguments)]
unsafe fn crate_gemm<T: GemmElem>(
    m: usize,
    n: usize,
    k: usize,
    a: Mat<*const T>,
    b: Mat<*const T>,
    c: Mat<*mut T>,
    acc: bool,
    par: Parallelism,
) {
    let beta = if acc { T::ONE } else { T::ZERO };
    // SAFETY: forwarded from the caller; the crate takes (column stride, row stride) pairs.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.0,
            c.2,
            c.1,
            acc,
            a.0,
            a.2,
            a.1,
            b.0,
            b.2,
            b.1,
            beta,
            T::ONE,
            false,
            false,
            false,
            par,
        )
    }
}

/// Which kernel runs a product on one thread.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The `gemm` crate on the operands as they are.
    Crate,
    /// B transposed into a contiguous buffer first, then the `gemm` crate.
    PackB,
    /// `matrixmultiply`.
    MatrixMultiply,
    /// C computed column-major into a buffer by the `gemm` crate, then transposed into place.
    TransposeC,
}

/// The kernel for a layout (see the module note). B stored transposed (`x @ w.T`, every
/// linear layer) with A row-major is the `gemm` crate's slow case, worst when K is a multiple
/// of 256 (B's rows then lie a multiple of 1 KiB apart and, read unpacked, conflict in the
/// cache: 64x256 @ (256x256)^T float32 at 66 GFLOP/s against 105 with B row-major).
/// Measured one thread at a time:
/// - few rows of A (m <= 64) or a long K (k > 4m), float32 and float64: C^T column-major
///   through the crate, then transposed into C ([`Plan::TransposeC`]): float32 64x256 @
///   (256x256)^T 90 GFLOP/s (transposing B first 82), 32x1024 @ (1024x1024)^T 102 (62), 8x256
///   @ (256x256)^T 45 (37), 128x784 @ (784x512)^T 108 (97); float64 8x256 48 (26), 32x1024
///   54 (44). With more rows the column-major C is slower (256x512 @ (512x128)^T: 60 against 108;
///   256x1024 @ (1024x1024)^T in two column bands: 3.2-3.3 ms against 4.0-4.8, hence k > 4m);
/// - otherwise float32: B is transposed into a buffer first (AVX-512 16x16 blocks,
///   `transpose.rs`), then the crate's fast case ([`Plan::PackB`]): 256x256 @ (256x256)^T 105,
///   256x1024 @ (1024x1024)^T 97 (matrixmultiply 87, the crate 63);
/// - otherwise float64: `matrixmultiply` for K a multiple of 256 (64x512 @ (512x512)^T: 47-50
///   GFLOP/s, packing first 42, the crate 29-32); elsewhere the crate.
///
/// A single row or a few columns stay with the crate (gemv-like, where it is fast).
fn layout_plan<T: GemmElem>(
    m: usize,
    n: usize,
    k: usize,
    a: Mat<*const T>,
    b: Mat<*const T>,
    c: Mat<*mut T>,
    acc: bool,
) -> Plan {
    let b_transposed = b.1 == 1 && b.2 != 1;
    let a_rows = a.2 == 1;
    if b_transposed && a_rows && m >= 8 && n > 16 && k >= 16 {
        if c.2 == 1 && !acc && (m <= 64 || k > 4 * m) && T::TRANSPOSED_B != Plan::Crate {
            return Plan::TransposeC;
        }
        match T::TRANSPOSED_B {
            Plan::PackB => return Plan::PackB,
            Plan::MatrixMultiply if k.is_multiple_of(256) => return Plan::MatrixMultiply,
            _ => {}
        }
    }
    Plan::Crate
}

thread_local! {
    /// The transposed B of [`Plan::PackB`], reused from product to product (8-byte words:
    /// aligned for every float type).
    static PACKED: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `C = A B` (or `C += A B` when `acc`) on the calling thread, with the kernel that measured
/// fastest for the operands' layout.
///
/// # Safety
/// As [`gemm`].
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_seq<T: GemmElem>(
    m: usize,
    n: usize,
    k: usize,
    a: Mat<*const T>,
    b: Mat<*const T>,
    c: Mat<*mut T>,
    acc: bool,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        match (layout_plan(m, n, k, a, b, c, acc), T::MATRIXMULTIPLY) {
            (Plan::PackB, _) => PACKED.with_borrow_mut(|buf| {
                // B^T is row-major (n, k): lay B out row-major (k, n), then the product is the
                // crate's fast case.
                buf.resize((k * n * std::mem::size_of::<T>()).div_ceil(8), 0);
                let packed = buf.as_mut_ptr() as *mut T;
                super::transpose::transpose(b.0, b.2, 1, n, k, packed, n);
                let b = (packed as *const T, n as isize, 1);
                crate_gemm(m, n, k, a, b, c, acc, Parallelism::None);
            }),
            (Plan::TransposeC, _) => PACKED.with_borrow_mut(|buf| {
                // C^T is the crate's fast case (its column-major output reads B^T as stored);
                // the transpose then moves m x n elements instead of B's k x n.
                buf.resize((m * n * std::mem::size_of::<T>()).div_ceil(8), 0);
                let ct = buf.as_mut_ptr() as *mut T;
                crate_gemm(m, n, k, a, b, (ct, 1, m as isize), false, Parallelism::None);
                super::transpose::transpose(ct as *const T, m as isize, 1, n, m, c.0, c.1 as usize);
            }),
            (Plan::MatrixMultiply, Some(mm)) => {
                let beta = if acc { T::ONE } else { T::ZERO };
                mm(
                    m,
                    k,
                    n,
                    T::ONE,
                    a.0,
                    a.1,
                    a.2,
                    b.0,
                    b.1,
                    b.2,
                    beta,
                    c.0,
                    c.1,
                    c.2,
                );
            }
            _ => crate_gemm(m, n, k, a, b, c, acc, Parallelism::None),
        }
    }
}

/// `C = A B`, or `C += A B` when `acc`, for A (m, k), B (k, n), C (m, n); with `threads` > 1 a
/// large product is split over the pool (from inside a pool task it runs there too).
///
/// # Safety
/// The pointers and strides must describe valid matrices, C writable and overlapping neither
/// A nor B, and no two elements of C at the same address.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm<T: GemmElem>(
    m: usize,
    n: usize,
    k: usize,
    a: Mat<*const T>,
    b: Mat<*const T>,
    c: Mat<*mut T>,
    acc: bool,
    threads: usize,
) {
    // SAFETY: forwarded from the caller (one batch element).
    unsafe { gemm_batched(1, m, n, k, (a, 0), (b, 0), (c, 0), acc, threads) }
}

/// Addresses as integers, so that the tasks may run on the pool.
#[derive(Clone, Copy)]
struct Raw {
    a: (usize, isize, isize, isize),
    b: (usize, isize, isize, isize),
    c: (usize, isize, isize, isize),
    acc: bool,
}

/// `C[i] (+)= A[i] B[i]` for `i < bs`: each operand is a matrix and the stride (in elements)
/// between consecutive batch elements. Splits over the pool (up to `threads` parts) when the
/// whole product has at least [`PAR_MIN`] multiply-adds.
///
/// # Safety
/// As [`gemm`], for every batch element; the batch elements of C must not overlap each other.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_batched<T: GemmElem>(
    bs: usize,
    m: usize,
    n: usize,
    k: usize,
    a: (Mat<*const T>, isize),
    b: (Mat<*const T>, isize),
    c: (Mat<*mut T>, isize),
    acc: bool,
    threads: usize,
) {
    if bs == 0 || m == 0 || n == 0 {
        return;
    }
    let raw = Raw {
        a: (a.0.0 as usize, a.0.1, a.0.2, a.1),
        b: (b.0.0 as usize, b.0.1, b.0.2, b.1),
        c: (c.0.0 as usize, c.0.1, c.0.2, c.1),
        acc,
    };
    let work = bs
        .saturating_mul(m)
        .saturating_mul(n)
        .saturating_mul(k.max(1));
    let parts = if threads > 1 && work >= PAR_MIN {
        threads
    } else {
        1
    };
    if parts == 1 {
        for i in 0..bs {
            // SAFETY: forwarded from the caller.
            unsafe { block::<T>(raw, i, (0, m), (0, n), k) };
        }
        return;
    }
    // Bands of C per batch element when the batch alone cannot keep `parts` threads busy.
    let longer = m.max(n);
    let bands = if bs >= 2 * parts || bs.is_multiple_of(parts) {
        1
    } else {
        parts.min(longer.div_ceil(16))
    };
    if bs == 1 && bands == 1 {
        // A tall-and-thin product (C a few elements, K long): the crate splits K itself.
        pool().install(|| {
            let (a, b, c) = (raw.a, raw.b, raw.c);
            // SAFETY: forwarded from the caller.
            unsafe {
                crate_gemm::<T>(
                    m,
                    n,
                    k,
                    (a.0 as *const T, a.1, a.2),
                    (b.0 as *const T, b.1, b.2),
                    (c.0 as *mut T, c.1, c.2),
                    acc,
                    Parallelism::Rayon(parts),
                )
            }
        });
        return;
    }
    let row_bands = m >= n;
    let width = longer.div_ceil(bands).next_multiple_of(16);
    super::threads::run_tasks(bs * bands, parts - 1, &|t| {
        let (i, band) = (t / bands, t % bands);
        let span = (band * width, ((band + 1) * width).min(longer));
        if span.0 >= span.1 {
            return;
        }
        let (rows, cols) = if row_bands {
            (span, (0, n))
        } else {
            ((0, m), span)
        };
        // SAFETY: forwarded from the caller; each task writes its own part of C.
        unsafe { block::<T>(raw, i, rows, cols, k) };
    });
}

/// `C[i][r0..r1, c0..c1] (+)= A[i][r0..r1, :] B[i][:, c0..c1]` on the calling thread.
///
/// # Safety
/// As [`gemm_batched`], whose operands `raw` holds.
unsafe fn block<T: GemmElem>(
    raw: Raw,
    i: usize,
    (r0, r1): (usize, usize),
    (c0, c1): (usize, usize),
    k: usize,
) {
    let (i, r0, c0) = (i as isize, r0 as isize, c0 as isize);
    let (m, n) = (r1 - r0 as usize, c1 - c0 as usize);
    // SAFETY: the offsets stay inside the caller's operands.
    unsafe {
        let a = (raw.a.0 as *const T).offset(i * raw.a.3 + r0 * raw.a.1);
        let b = (raw.b.0 as *const T).offset(i * raw.b.3 + c0 * raw.b.2);
        let c = (raw.c.0 as *mut T).offset(i * raw.c.3 + r0 * raw.c.1 + c0 * raw.c.2);
        if k == 0 {
            // An empty sum: C = 0 (or unchanged).
            if !raw.acc {
                for r in 0..m as isize {
                    for j in 0..n as isize {
                        *c.offset(r * raw.c.1 + j * raw.c.2) = T::ZERO;
                    }
                }
            }
            return;
        }
        gemm_seq::<T>(
            m,
            n,
            k,
            (a, raw.a.1, raw.a.2),
            (b, raw.b.1, raw.b.2),
            (c, raw.c.1, raw.c.2),
            raw.acc,
        );
    }
}
