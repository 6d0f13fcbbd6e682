//! Compact factorizations in LAPACK's storage conventions (one matrix at a time, row-major
//! slices), which `torch.linalg` returns as they are: `getrf`'s LU with 1-based pivots
//! (`lu_factor`), `sytrf`'s Bunch-Kaufman LDL^T with its signed pivots (`ldl_factor`),
//! `geqrf`'s Householder vectors and `tau`, and the solves and products that read them back
//! (`getrs`, `sytrs`, `orgqr`, `ormqr`).
//!
//! The factorizations run in faer (partial-pivoting LU, Bunch-Kaufman LBL^T, Householder
//! reflectors); this file converts faer's output to LAPACK's layout:
//!
//! - faer returns the row permutation, LAPACK the sequence of interchanges (`ipiv`). Both
//!   algorithms choose interchange `i` with a row `p >= i` at step `i`, and faer composes the
//!   permutation by swapping in that order, so the interchanges are recovered exactly from
//!   the permutation (`interchanges`).
//! - faer's LBL^T applies every later interchange to the columns of L already computed
//!   (`P^T A P = L B L^T`); LAPACK's `sytrf` leaves them in place (L is a product of
//!   elementary factors). `ldl_factor` undoes the later interchanges column by column.
//! - faer divides by an exactly-zero LU pivot (NaN below it); LAPACK skips the column and
//!   reports it in `info`. A factorization that meets an exact zero pivot is redone by the
//!   unblocked LAPACK `getf2` algorithm (`lu_unblocked`), which keeps the rest finite.

use super::lapack::Real;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::lblt::factor as bk;
use faer::linalg::lu::partial_pivoting::factor as plu;
use faer::{ColMut, MatMut, MatRef, Par, Spec};
use num_traits::Float;

fn zero<T: Real>() -> T {
    <T as num_traits::Zero>::zero()
}

fn one<T: Real>() -> T {
    <T as num_traits::One>::one()
}

/// The interchanges `t` (`t[i] >= i`) whose application in order, `perm.swap(i, t[i])` from
/// the identity, gives `perm` (the first `k` of them).
fn interchanges(perm: &[usize], k: usize) -> Vec<usize> {
    let n = perm.len();
    let mut cur: Vec<usize> = (0..n).collect();
    let mut pos: Vec<usize> = (0..n).collect();
    let mut t = Vec::with_capacity(k);
    for i in 0..k {
        let p = pos[perm[i]];
        t.push(p);
        let (a, b) = (cur[i], cur[p]);
        cur.swap(i, p);
        pos[a] = p;
        pos[b] = i;
    }
    t
}

/// LU with partial pivoting of the `m x n` row-major `a`, in place (unit-lower L below the
/// diagonal, U on and above it), LAPACK `getrf`'s 1-based interchanges into `piv`
/// (`min(m, n)` of them). Returns `getrf`'s info: the 1-based index of the first exactly-zero
/// diagonal element of U, or 0.
pub fn lu_factor<T: Real>(a: &mut [T], m: usize, n: usize, piv: &mut [i32]) -> i32 {
    let k = m.min(n);
    if k == 0 {
        return 0;
    }
    let orig = a.to_vec();
    let mut fwd = vec![0usize; m];
    let mut bwd = vec![0usize; m];
    {
        // faer's LU runs down columns: factor a column-major copy (3x faster at 512 than
        // the strided row-major view), then copy back.
        let mut col = vec![zero::<T>(); m * n];
        for i in 0..m {
            for j in 0..n {
                col[j * m + i] = a[i * n + j];
            }
        }
        let par = Par::Seq;
        let mut mem = MemBuffer::new(plu::lu_in_place_scratch::<usize, T>(
            m,
            n,
            par,
            Spec::default(),
        ));
        plu::lu_in_place(
            MatMut::from_column_major_slice_mut(&mut col, m, n),
            &mut fwd,
            &mut bwd,
            par,
            MemStack::new(&mut mem),
            Spec::default(),
        );
        for i in 0..m {
            for j in 0..n {
                a[i * n + j] = col[j * m + i];
            }
        }
    }
    let zero_pivot = (0..k).find(|&i| a[i * n + i] == zero::<T>());
    if let Some(i) = zero_pivot {
        if orig.iter().all(|x| Float::is_finite(*x)) {
            a.copy_from_slice(&orig);
            return lu_unblocked(a, m, n, piv);
        }
        for (j, p) in interchanges(&fwd, k).into_iter().enumerate() {
            piv[j] = p as i32 + 1;
        }
        return i as i32 + 1;
    }
    for (j, p) in interchanges(&fwd, k).into_iter().enumerate() {
        piv[j] = p as i32 + 1;
    }
    0
}

/// LAPACK `getf2`: right-looking LU that leaves a column whose pivot is exactly zero
/// unscaled (and reports the first such column) instead of dividing by it.
fn lu_unblocked<T: Real>(a: &mut [T], m: usize, n: usize, piv: &mut [i32]) -> i32 {
    let mut info = 0;
    for j in 0..m.min(n) {
        let mut p = j;
        let mut best = Float::abs(a[j * n + j]);
        for i in j + 1..m {
            let v = Float::abs(a[i * n + j]);
            if v > best {
                best = v;
                p = i;
            }
        }
        piv[j] = p as i32 + 1;
        if a[p * n + j] != zero::<T>() {
            if p != j {
                for c in 0..n {
                    a.swap(j * n + c, p * n + c);
                }
            }
            let inv = one::<T>() / a[j * n + j];
            for i in j + 1..m {
                a[i * n + j] *= inv;
            }
        } else if info == 0 {
            info = j as i32 + 1;
        }
        for i in j + 1..m {
            let l = a[i * n + j];
            if l != zero::<T>() {
                for c in j + 1..n {
                    let u = a[j * n + c];
                    a[i * n + c] -= l * u;
                }
            }
        }
    }
    info
}

/// Applies the interchanges `piv` (1-based, already checked to lie in `1..=n`) to the rows
/// of the row-major `b` (`n x k`), forwards or backwards.
fn swap_rows<T: Real>(b: &mut [T], k: usize, piv: &[i32], backwards: bool) {
    let mut apply = |i: usize| {
        let p = piv[i] as usize - 1;
        if p != i {
            for c in 0..k {
                b.swap(i * k + c, p * k + c);
            }
        }
    };
    if backwards {
        (0..piv.len()).rev().for_each(&mut apply);
    } else {
        (0..piv.len()).for_each(&mut apply);
    }
}

/// LAPACK `getrs`: solves `A X = B` (`adjoint`: `A^T X = B`) in place for `b` (`n x k`)
/// from `getrf`'s factors `lu` (`n x n`) and interchanges `piv` (in `1..=n`).
pub fn lu_solve<T: Real>(lu: &[T], n: usize, piv: &[i32], b: &mut [T], k: usize, adjoint: bool) {
    if n == 0 || k == 0 {
        return;
    }
    let f = MatRef::from_row_major_slice(lu, n, n);
    if adjoint {
        {
            let x = MatMut::from_row_major_slice_mut(b, n, k);
            f.transpose().solve_lower_triangular_in_place(x);
        }
        {
            let x = MatMut::from_row_major_slice_mut(b, n, k);
            f.transpose().solve_unit_upper_triangular_in_place(x);
        }
        swap_rows(b, k, piv, true);
    } else {
        swap_rows(b, k, piv, false);
        {
            let x = MatMut::from_row_major_slice_mut(b, n, k);
            f.solve_unit_lower_triangular_in_place(x);
        }
        let x = MatMut::from_row_major_slice_mut(b, n, k);
        f.solve_upper_triangular_in_place(x);
    }
}

/// Bunch-Kaufman LDL^T of the symmetric `n x n` row-major `a` (lower triangle read) in
/// LAPACK `sytrf`'s format, in place: D's diagonal on the diagonal, the off-diagonal
/// element of each 2x2 block of D below it, L's multipliers (product form) below that; the
/// upper triangle is set to zero. `piv` gets `sytrf`'s 1-based pivots (positive: 1x1 block
/// with that interchange; two equal negative entries: a 2x2 block whose second row was
/// interchanged with `-piv`). Returns `sytrf`'s info: the 1-based index of the first exactly
/// zero 1x1 block of D, or 0.
pub fn ldl_factor<T: Real>(a: &mut [T], n: usize, piv: &mut [i32]) -> i32 {
    if n == 0 {
        return 0;
    }
    let mut sub = vec![zero::<T>(); n];
    let mut fwd = vec![0usize; n];
    let mut bwd = vec![0usize; n];
    {
        let par = Par::Seq;
        // LAPACK's strategy: the pivot is sought in the current column (no diagonal search).
        let mut params: Spec<bk::LbltParams, T> = Spec::default();
        params.pivoting = bk::PivotingStrategy::Partial;
        let mut mem = MemBuffer::new(bk::cholesky_in_place_scratch::<usize, T>(n, par, params));
        bk::cholesky_in_place(
            MatMut::from_row_major_slice_mut(a, n, n),
            ColMut::from_slice_mut(&mut sub).as_diagonal_mut(),
            &mut fwd,
            &mut bwd,
            par,
            MemStack::new(&mut mem),
            params,
        );
    }
    let t = interchanges(&fwd, n);
    // Block starts and each step's interchange (row `kk` with `t[kk]`), in order.
    let mut steps = Vec::new();
    let mut i = 0;
    while i < n {
        if i + 1 < n && sub[i] != zero::<T>() {
            let p = t[i + 1] as i32 + 1;
            piv[i] = -p;
            piv[i + 1] = -p;
            steps.push((i, i + 1));
            i += 2;
        } else {
            piv[i] = t[i] as i32 + 1;
            steps.push((i, i));
            i += 1;
        }
    }
    // faer applied each step's interchange to the columns of L before the step; LAPACK does
    // not: undo them, latest first.
    for &(start, kk) in steps.iter().rev() {
        let p = t[kk];
        if p != kk {
            for c in 0..start {
                a.swap(kk * n + c, p * n + c);
            }
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            a[i * n + j] = zero::<T>();
        }
        if i + 1 < n && sub[i] != zero::<T>() {
            a[(i + 1) * n + i] = sub[i];
        }
    }
    let mut info = 0;
    for &(start, kk) in &steps {
        let d = a[start * n + start];
        if start == kk && (d == zero::<T>() || Float::is_nan(d)) {
            info = start as i32 + 1;
            break;
        }
    }
    info
}

/// Whether `piv` is a valid `sytrf` pivot array for order `n` (each entry in `1..=n` or
/// `-n..=-1`, negative entries in equal pairs).
pub fn ldl_pivots_valid(piv: &[i32], n: usize) -> bool {
    let mut i = 0;
    while i < piv.len() {
        let p = piv[i];
        if p > 0 && (p as usize) <= n {
            i += 1;
        } else if p < 0 && (p.unsigned_abs() as usize) <= n && i + 1 < piv.len() && piv[i + 1] == p
        {
            i += 2;
        } else {
            return false;
        }
    }
    true
}

/// LAPACK `sytrs` (lower): solves `A X = B` in place for `b` (`n x k`) from `sytrf`'s
/// factors `ld` and valid pivots `piv` (see `ldl_pivots_valid`).
pub fn ldl_solve<T: Real>(ld: &[T], n: usize, piv: &[i32], b: &mut [T], k: usize) {
    let at = |i: usize, j: usize| ld[i * n + j];
    let swap = |b: &mut [T], i: usize, p: usize| {
        if i != p {
            for c in 0..k {
                b.swap(i * k + c, p * k + c);
            }
        }
    };
    // L D Y = B.
    let mut s = 0;
    while s < n {
        if piv[s] > 0 {
            swap(b, s, piv[s] as usize - 1);
            for r in s + 1..n {
                let l = at(r, s);
                for c in 0..k {
                    let v = b[s * k + c];
                    b[r * k + c] -= l * v;
                }
            }
            let d = at(s, s);
            for c in 0..k {
                b[s * k + c] /= d;
            }
            s += 1;
        } else {
            swap(b, s + 1, piv[s].unsigned_abs() as usize - 1);
            for r in s + 2..n {
                let (l0, l1) = (at(r, s), at(r, s + 1));
                for c in 0..k {
                    let (v0, v1) = (b[s * k + c], b[(s + 1) * k + c]);
                    b[r * k + c] -= l0 * v0 + l1 * v1;
                }
            }
            let akm1k = at(s + 1, s);
            let akm1 = at(s, s) / akm1k;
            let ak = at(s + 1, s + 1) / akm1k;
            let denom = akm1 * ak - one::<T>();
            for c in 0..k {
                let bkm1 = b[s * k + c] / akm1k;
                let bk = b[(s + 1) * k + c] / akm1k;
                b[s * k + c] = (ak * bkm1 - bk) / denom;
                b[(s + 1) * k + c] = (akm1 * bk - bkm1) / denom;
            }
            s += 2;
        }
    }
    // L^T X = Y, from the last block up.
    let mut e = n;
    while e > 0 {
        let s = e - 1;
        if piv[s] > 0 {
            for r in s + 1..n {
                let l = at(r, s);
                for c in 0..k {
                    let v = b[r * k + c];
                    b[s * k + c] -= l * v;
                }
            }
            swap(b, s, piv[s] as usize - 1);
            e -= 1;
        } else {
            // 2x2 block in rows s - 1, s.
            for r in s + 1..n {
                let (l0, l1) = (at(r, s - 1), at(r, s));
                for c in 0..k {
                    let v = b[r * k + c];
                    b[(s - 1) * k + c] -= l0 * v;
                    b[s * k + c] -= l1 * v;
                }
            }
            swap(b, s, piv[s].unsigned_abs() as usize - 1);
            e -= 2;
        }
    }
}

/// LAPACK `geqrf` (unblocked `geqr2` order): Householder QR of the `m x n` row-major `a`
/// in place (R on and above the diagonal, the reflectors' vectors below it, their leading
/// 1 implied) and the `min(m, n)` scalars `tau` (`H = I - tau v v^T`).
pub fn geqrf<T: Real>(a: &mut [T], m: usize, n: usize, tau: &mut [T]) {
    let k = m.min(n);
    // Column-major working copy: column j is `c[j * m..(j + 1) * m]`.
    let mut c = vec![zero::<T>(); m * n];
    for i in 0..m {
        for j in 0..n {
            c[j * m + i] = a[i * n + j];
        }
    }
    for j in 0..k {
        let (left, right) = c.split_at_mut((j + 1) * m);
        let col = &mut left[j * m..];
        let (head, tail) = col[j..].split_at_mut(1);
        let info = faer::linalg::householder::make_householder_in_place(
            &mut head[0],
            ColMut::from_slice_mut(tail),
        );
        // faer's H = I - v v^T / tau_faer; LAPACK's tau is its reciprocal (0 for H = I).
        let t = if Float::is_finite(info.tau) {
            one::<T>() / info.tau
        } else {
            zero::<T>()
        };
        tau[j] = t;
        if t == zero::<T>() {
            continue;
        }
        for l in 0..n - j - 1 {
            let other = &mut right[l * m + j..(l + 1) * m];
            let mut dot = other[0];
            for (x, v) in other[1..].iter().zip(tail.iter()) {
                dot += *x * *v;
            }
            let s = -dot * t;
            other[0] += s;
            for (x, v) in other[1..].iter_mut().zip(tail.iter()) {
                *x += s * *v;
            }
        }
    }
    for i in 0..m {
        for j in 0..n {
            a[i * n + j] = c[j * m + i];
        }
    }
}

/// `w = v^T X[i.., ..]` then `X[i.., ..] -= tau v w^T` for the reflector `(1, v)` acting on
/// rows `i..` of the row-major `x` (`q` columns).
fn reflect_rows<T: Real>(x: &mut [T], q: usize, i: usize, v: &[T], tau: T) {
    if tau == zero::<T>() {
        return;
    }
    let mut w = x[i * q..(i + 1) * q].to_vec();
    for (r, &vr) in v.iter().enumerate() {
        let row = &x[(i + 1 + r) * q..(i + 2 + r) * q];
        for (wc, &xc) in w.iter_mut().zip(row) {
            *wc += vr * xc;
        }
    }
    for (xc, &wc) in x[i * q..(i + 1) * q].iter_mut().zip(&w) {
        *xc -= tau * wc;
    }
    for (r, &vr) in v.iter().enumerate() {
        let f = tau * vr;
        let row = &mut x[(i + 1 + r) * q..(i + 2 + r) * q];
        for (xc, &wc) in row.iter_mut().zip(&w) {
            *xc -= f * wc;
        }
    }
}

/// The tail (below the diagonal) of reflector `i`: rows `i + 1..m` of column `i` of the
/// row-major `m x ncols` `a`.
fn reflector<T: Real>(a: &[T], m: usize, ncols: usize, i: usize) -> Vec<T> {
    (i + 1..m).map(|r| a[r * ncols + i]).collect()
}

/// LAPACK `orgqr`: the first `n` columns of `H_1 ... H_k` into `out` (`m x n` row-major) from
/// the reflectors in the columns of `a` (`m x n`) and `tau` (`k <= n <= m`).
pub fn householder_product<T: Real>(a: &[T], m: usize, n: usize, tau: &[T], out: &mut [T]) {
    out.fill(zero::<T>());
    for i in 0..n.min(m) {
        out[i * n + i] = one::<T>();
    }
    for i in (0..tau.len()).rev() {
        let v = reflector(a, m, n, i);
        reflect_rows(out, n, i, &v, tau[i]);
    }
}

/// LAPACK `ormqr`: `op(Q) C` (`left`) or `C op(Q)` for `Q = H_1 ... H_k` given by the
/// reflectors in the columns of `a` (`mn x ka`, `k = tau.len() <= ka`) and `op` the transpose
/// when `transpose`; `c` (`p x q` row-major) is overwritten.
#[allow(clippy::too_many_arguments)]
pub fn ormqr<T: Real>(
    a: &[T],
    mn: usize,
    ka: usize,
    tau: &[T],
    c: &mut [T],
    p: usize,
    q: usize,
    left: bool,
    transpose: bool,
) {
    let k = tau.len();
    // H_i is symmetric, so C H_i = (H_i C^T)^T: the right side works on the transpose.
    let (mut x, rows, cols) = if left {
        (c.to_vec(), p, q)
    } else {
        let mut t = vec![zero::<T>(); p * q];
        for i in 0..p {
            for j in 0..q {
                t[j * p + i] = c[i * q + j];
            }
        }
        (t, q, p)
    };
    debug_assert_eq!(rows, mn);
    // Q C = H_1 (... (H_k C)); Q^T C = H_k (... (H_1 C)); C Q = (Q^T C^T)^T.
    let forward = transpose == left;
    let order: Vec<usize> = if forward {
        (0..k).collect()
    } else {
        (0..k).rev().collect()
    };
    for i in order {
        let v = reflector(a, mn, ka, i);
        reflect_rows(&mut x, cols, i, &v, tau[i]);
    }
    if left {
        c.copy_from_slice(&x);
    } else {
        for i in 0..p {
            for j in 0..q {
                c[i * q + j] = x[j * p + i];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interchanges_recover_the_swaps() {
        let swaps = [2usize, 1, 4, 4, 4];
        let mut perm: Vec<usize> = (0..5).collect();
        for (i, &s) in swaps.iter().enumerate() {
            perm.swap(i, s);
        }
        assert_eq!(interchanges(&perm, 5), swaps.to_vec());
    }

    #[test]
    fn lu_of_a_singular_matrix_stays_finite() {
        // Column 1 vanishes after the first step: getrf reports info = 2 and divides by nothing.
        let mut a = vec![0.0f64, 0.0, 1.0, 0.0, 0.0, 2.0, 1.0, 1.0, 1.0];
        let mut piv = [0i32; 3];
        let info = lu_factor(&mut a, 3, 3, &mut piv);
        assert_eq!(info, 2);
        assert_eq!(piv, [3, 2, 3]);
        assert!(a.iter().all(|x| x.is_finite()));
    }
}
