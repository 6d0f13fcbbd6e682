//! Dense decompositions of one matrix through `faer` (the only file that calls it): LU with
//! partial pivoting (solve, determinant), Cholesky, Householder QR, the self-adjoint
//! eigendecomposition and the SVD, plus triangular solves.
//!
//! Every function reads and writes row-major slices (`rows * cols`, the caller's contiguous
//! batch item) and reports numerical failure as a LAPACK-style `info` (0 = success) instead of
//! an error, so the batch loop in `ops/linalg_decomp.rs` and the Python layer build PyTorch's
//! `LinAlgError` text from it. Shapes are checked by the caller; zero-sized matrices never
//! reach faer.

use faer::linalg::solvers::Solve;
use faer::{MatMut, MatRef, Side};
use num_traits::Float;

/// The real types faer factors (float32 and float64).
pub trait Real: faer::traits::RealField + Float + Copy + Send + Sync + 'static {}
impl Real for f32 {}
impl Real for f64 {}

fn zero<T: Real>() -> T {
    <T as num_traits::Zero>::zero()
}

fn one<T: Real>() -> T {
    <T as num_traits::One>::one()
}

fn mat<T: Real>(a: &[T], rows: usize, cols: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(a, rows, cols)
}

fn mat_mut<T: Real>(a: &mut [T], rows: usize, cols: usize) -> MatMut<'_, T> {
    MatMut::from_row_major_slice_mut(a, rows, cols)
}

/// Copies `m` into the row-major `out` (`m.nrows() * m.ncols()` elements).
fn store<T: Real>(m: MatRef<'_, T>, out: &mut [T]) {
    let c = m.ncols();
    for i in 0..m.nrows() {
        for j in 0..c {
            out[i * c + j] = m[(i, j)];
        }
    }
}

/// Writes the `rows x cols` identity (ones on the main diagonal) into `out`.
fn eye_into<T: Real>(out: &mut [T], rows: usize, cols: usize) {
    for i in 0..rows {
        for j in 0..cols {
            out[i * cols + j] = if i == j { one::<T>() } else { zero::<T>() };
        }
    }
}

/// Parity of a permutation given as its forward array: +1 or -1 (sorted by swaps).
fn perm_sign(p: &[usize]) -> i32 {
    let mut q = p.to_vec();
    let mut sign = 1;
    let mut i = 0;
    while i < q.len() {
        let j = q[i];
        if j != i && j < q.len() {
            q.swap(i, j);
            sign = -sign;
        } else {
            i += 1;
        }
    }
    sign
}

/// Solves `A X = B` in place (`a`: `n x n`, `b`: `n x k`) by LU with partial pivoting.
/// Returns LAPACK getrf's info: the 1-based index of the first exactly-zero pivot of U, or 0
/// (then `b` holds X; otherwise its contents are unspecified).
pub fn lu_solve<T: Real>(a: &[T], n: usize, b: &mut [T], k: usize) -> i32 {
    if n == 0 {
        return 0;
    }
    let lu = mat(a, n, n).partial_piv_lu();
    let u = lu.U();
    if let Some(i) = (0..n).find(|&i| u[(i, i)] == zero::<T>()) {
        return i as i32 + 1;
    }
    if k > 0 {
        lu.solve_in_place(mat_mut(b, n, k));
    }
    0
}

/// The determinant of `a` (`n x n`) from its LU factors: `(det, sign, logabsdet)`, with
/// `sign = 0, logabsdet = -inf` for a singular matrix (PyTorch's slogdet convention).
pub fn det<T: Real>(a: &[T], n: usize) -> (T, T, T) {
    if n == 0 {
        return (one::<T>(), one::<T>(), zero::<T>());
    }
    let lu = mat(a, n, n).partial_piv_lu();
    let u = lu.U();
    let (fwd, _) = lu.P().arrays();
    let mut sign = if perm_sign(fwd) < 0 {
        -one::<T>()
    } else {
        one::<T>()
    };
    let mut det = sign;
    let mut logabs = zero::<T>();
    let mut nan = None;
    for i in 0..n {
        let d = u[(i, i)];
        det *= d;
        logabs += Float::ln(Float::abs(d));
        if d < zero::<T>() {
            sign = -sign;
        } else if d == zero::<T>() {
            // faer divides by a zero pivot (LAPACK skips the column), so the later entries of
            // U may be NaN: the determinant is zero whatever they hold.
            return (zero::<T>(), zero::<T>(), <T as Float>::neg_infinity());
        } else if Float::is_nan(d) {
            nan = Some(d);
        }
    }
    if let Some(d) = nan {
        sign = d;
    }
    (det, sign, logabs)
}

/// Cholesky factor of the lower triangle of `a` (`n x n`) into `out` (lower triangular, zeros
/// above). Returns 0, or LAPACK potrf's info: the order of the first leading minor that is not
/// positive-definite (`out` then holds zeros).
pub fn cholesky<T: Real>(a: &[T], n: usize, out: &mut [T]) -> i32 {
    out.fill(zero::<T>());
    if n == 0 {
        return 0;
    }
    match mat(a, n, n).llt(Side::Lower) {
        Ok(llt) => {
            store(llt.L(), out);
            0
        }
        Err(faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index }) => {
            index as i32 + 1
        }
    }
}

/// Householder QR of `a` (`m x n`, `k = min(m, n)`): `q` gets `m x k` (`complete`: `m x m`)
/// when given, `r` gets `k x n` (`complete`: `m x n`, zero below row k).
pub fn qr<T: Real>(a: &[T], m: usize, n: usize, complete: bool, q: Option<&mut [T]>, r: &mut [T]) {
    let k = m.min(n);
    let qcols = if complete { m } else { k };
    r.fill(zero::<T>());
    if k == 0 {
        if let Some(q) = q {
            eye_into(q, m, qcols);
        }
        return;
    }
    let f = mat(a, m, n).qr();
    store(f.thin_R(), &mut r[..k * n]);
    if let Some(q) = q {
        if complete {
            store(f.compute_Q().as_ref(), q);
        } else {
            store(f.compute_thin_Q().as_ref(), q);
        }
    }
}

/// Eigenvalues (ascending, into `w`) and, when `v` is given, eigenvectors (columns of `v`) of
/// the symmetric matrix stored in the lower (`upper = false`) or upper triangle of `a`.
/// Returns 0, or 1 when the iteration did not converge (non-finite input).
/// From this size `eigh` runs faer's parallel tridiagonalisation on our pool.
const EIGH_PAR_N: usize = 256;

pub fn eigh<T: Real>(a: &[T], n: usize, upper: bool, w: &mut [T], v: Option<&mut [T]>) -> i32 {
    if n == 0 {
        return 0;
    }
    let side = if upper { Side::Upper } else { Side::Lower };
    let m = mat(a, n, n);
    let threads = crate::backend::cpu::threads::pool().current_num_threads();
    match v {
        Some(v) if n >= EIGH_PAR_N && threads > 1 => {
            // Large matrices: faer's tridiagonalisation and back-transformation on our pool.
            let a = if upper { m.transpose() } else { m };
            let mut u = faer::Mat::<T>::zeros(n, n);
            let mut s = faer::diag::Diag::<T>::zeros(n);
            let par = faer::Par::rayon(threads);
            let ok = crate::backend::cpu::threads::pool().install(|| {
                use faer::dyn_stack::{MemBuffer, MemStack};
                let req = faer::linalg::evd::self_adjoint_evd_scratch::<T>(
                    n,
                    faer::linalg::evd::ComputeEigenvectors::Yes,
                    par,
                    Default::default(),
                );
                let mut buf = MemBuffer::new(req);
                faer::linalg::evd::self_adjoint_evd(
                    a,
                    s.as_mut(),
                    Some(u.as_mut()),
                    par,
                    MemStack::new(&mut buf),
                    Default::default(),
                )
                .is_ok()
            });
            if !ok {
                return 1;
            }
            let sc = s.column_vector();
            for (i, wi) in w.iter_mut().enumerate() {
                *wi = sc[i];
            }
            store(u.as_ref(), v);
            0
        }
        Some(v) => match m.self_adjoint_eigen(side) {
            Ok(e) => {
                let s = e.S().column_vector();
                for (i, wi) in w.iter_mut().enumerate() {
                    *wi = s[i];
                }
                store(e.U(), v);
                0
            }
            Err(_) => 1,
        },
        None => match m.self_adjoint_eigenvalues(side) {
            Ok(s) => {
                w.copy_from_slice(&s);
                0
            }
            Err(_) => 1,
        },
    }
}

/// Singular values (descending, into `s`) of `a` (`m x n`, `k = min(m, n)`) and, when `uv`
/// is given, U (`m x k`, `full`: `m x m`) and Vh (`k x n`, `full`: `n x n`). Returns 0, or 1
/// when the iteration did not converge (non-finite input).
pub fn svd<T: Real>(
    a: &[T],
    m: usize,
    n: usize,
    full: bool,
    s: &mut [T],
    uv: Option<(&mut [T], &mut [T])>,
) -> i32 {
    let k = m.min(n);
    if k == 0 {
        if let Some((u, vh)) = uv {
            let (uc, vr) = if full { (m, n) } else { (k, k) };
            eye_into(u, m, uc);
            eye_into(vh, vr, n);
        }
        return 0;
    }
    let x = mat(a, m, n);
    match uv {
        Some((u, vh)) => {
            let r = if full { x.svd() } else { x.thin_svd() };
            match r {
                Ok(f) => {
                    let d = f.S().column_vector();
                    for (i, si) in s.iter_mut().enumerate() {
                        *si = d[i];
                    }
                    store(f.U(), u);
                    store(f.V().transpose(), vh);
                    0
                }
                Err(_) => 1,
            }
        }
        None => match x.singular_values() {
            Ok(d) => {
                s.copy_from_slice(&d);
                0
            }
            Err(_) => 1,
        },
    }
}

/// Solves `A X = B` in place for triangular `a` (`n x n`, only its `upper`/lower triangle is
/// read; `unit`: its diagonal is taken as ones), `b`: `n x k`.
pub fn solve_triangular<T: Real>(
    a: &[T],
    n: usize,
    b: &mut [T],
    k: usize,
    upper: bool,
    unit: bool,
) {
    if n == 0 || k == 0 {
        return;
    }
    let m = mat(a, n, n);
    let x = mat_mut(b, n, k);
    match (upper, unit) {
        (false, false) => m.solve_lower_triangular_in_place(x),
        (false, true) => m.solve_unit_lower_triangular_in_place(x),
        (true, false) => m.solve_upper_triangular_in_place(x),
        (true, true) => m.solve_unit_upper_triangular_in_place(x),
    }
}
