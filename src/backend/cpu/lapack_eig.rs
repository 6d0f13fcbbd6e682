//! The general (non-symmetric) eigendecomposition of one square matrix through `faer`, with
//! LAPACK `geev`'s conventions (what `torch.linalg.eig` returns on CPU):
//!
//! - the matrix is balanced first (`gebal` with job 'B': permutations that isolate
//!   eigenvalues, then diagonal scaling by powers of two), the eigenvectors are transformed
//!   back (`gebak`), so the Schur form, hence the order of the eigenvalues, is the one LAPACK
//!   computes from the same balanced matrix;
//! - the Hessenberg reduction, Schur form and eigenvectors of the Schur form are faer's
//!   (`evd_real` / `evd_cplx`, ports of LAPACK's `gehrd`, `lahqr`/`laqr0` and `trevc`);
//! - each eigenvector is scaled to Euclidean norm 1 and its largest component is made real:
//!   for a real matrix with a complex pair by the plane rotation `dgeev` applies (`lartg`),
//!   for a complex matrix by the phase `zgeev` applies (the component becomes positive).
//!
//! Matrices are row-major slices in and out; eigenvectors are the columns of `v`. Numerical
//! failure is a LAPACK-style `info` (0 = success, 1 = the QR iteration did not converge).

use super::lapack::Real;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{ComputeEigenvectors, evd_cplx, evd_real, evd_scratch};
use faer::{Mat, MatMut, Par};
use num_complex::Complex;
use num_traits::{Float, One, ToPrimitive, Zero};

/// An element the balancing and normalization work on: a real float or a complex number.
pub trait Elem: Copy + Send + Sync + 'static {
    type R: Real;
    /// The modulus.
    fn modulus(self) -> Self::R;
    /// `|re| + |im|` (what LAPACK's `i?amax` compares).
    fn abs1(self) -> Self::R;
    /// `re^2 + im^2`.
    fn sq(self) -> Self::R;
    fn times(self, s: Self::R) -> Self;
    fn is_zero(self) -> bool;
}

impl<T: Real> Elem for T {
    type R = T;
    fn modulus(self) -> T {
        Float::abs(self)
    }
    fn abs1(self) -> T {
        Float::abs(self)
    }
    fn sq(self) -> T {
        self * self
    }
    fn times(self, s: T) -> T {
        self * s
    }
    fn is_zero(self) -> bool {
        self == T::zero()
    }
}

impl<T: Real> Elem for Complex<T> {
    type R = T;
    fn modulus(self) -> T {
        Float::hypot(self.re, self.im)
    }
    fn abs1(self) -> T {
        Float::abs(self.re) + Float::abs(self.im)
    }
    fn sq(self) -> T {
        self.re * self.re + self.im * self.im
    }
    fn times(self, s: T) -> Complex<T> {
        Complex::new(self.re * s, self.im * s)
    }
    fn is_zero(self) -> bool {
        self.re == T::zero() && self.im == T::zero()
    }
}

/// The column-major `n x n` matrix that balancing works on (1-based accessors, as LAPACK).
struct Cm<'a, E> {
    a: &'a mut [E],
    n: usize,
}

impl<E: Elem> Cm<'_, E> {
    fn at(&self, i: usize, j: usize) -> E {
        self.a[(i - 1) + (j - 1) * self.n]
    }
    fn swap_cols(&mut self, c1: usize, c2: usize, rows: usize) {
        for i in 1..=rows {
            self.a
                .swap((i - 1) + (c1 - 1) * self.n, (i - 1) + (c2 - 1) * self.n);
        }
    }
    fn swap_rows(&mut self, r1: usize, r2: usize, from_col: usize) {
        for j in from_col..=self.n {
            self.a
                .swap((r1 - 1) + (j - 1) * self.n, (r2 - 1) + (j - 1) * self.n);
        }
    }
    /// Euclidean norm of rows `r0..=r1` of column `j` (`col`) or of columns of row `j`.
    fn nrm2(&self, j: usize, r0: usize, r1: usize, col: bool) -> E::R {
        let mut s = 0.0f64;
        for k in r0..=r1 {
            let v = if col { self.at(k, j) } else { self.at(j, k) };
            s += v.sq().to_f64().unwrap_or(f64::NAN);
        }
        <E::R as num_traits::NumCast>::from(s.sqrt()).unwrap_or(E::R::infinity())
    }
    /// The largest modulus among rows `r0..=r1` of column `j` (`col`) or columns of row `j`
    /// (the entry LAPACK's `i?amax` picks, by `|re| + |im|` for complex entries).
    fn amax(&self, j: usize, r0: usize, r1: usize, col: bool) -> E::R {
        let mut best = (E::R::neg_infinity(), E::R::zero());
        for k in r0..=r1 {
            let v = if col { self.at(k, j) } else { self.at(j, k) };
            let key = v.abs1();
            if key > best.0 {
                best = (key, v.modulus());
            }
        }
        best.1
    }
}

/// LAPACK `gebal` with job 'B' on the column-major `a`: returns `(ilo, ihi, scale)` (1-based
/// `ilo..=ihi`; `scale[j]` the permutation index or scaling factor of row/column j+1).
fn balance<E: Elem>(a: &mut [E], n: usize) -> (usize, usize, Vec<E::R>) {
    let one = E::R::one();
    let mut scale = vec![one; n];
    let mut m = Cm { a, n };
    let mut k = 1usize;
    let mut l = n;
    // rows isolating an eigenvalue go to the bottom
    let mut noconv = true;
    while noconv {
        noconv = false;
        let mut i = l;
        while i >= 1 {
            let canswap = (1..=l).all(|j| i == j || m.at(i, j).is_zero());
            if canswap {
                scale[l - 1] = as_real::<E::R>(i);
                if i != l {
                    m.swap_cols(i, l, l);
                    m.swap_rows(i, l, k);
                }
                noconv = true;
                if l == 1 {
                    return (1, 1, scale);
                }
                l -= 1;
            }
            i -= 1;
        }
    }
    // columns isolating an eigenvalue go to the left
    noconv = true;
    while noconv {
        noconv = false;
        let mut j = k;
        while j <= l {
            let canswap = (k..=l).all(|i| i == j || m.at(i, j).is_zero());
            if canswap {
                scale[k - 1] = as_real::<E::R>(j);
                if j != k {
                    m.swap_cols(j, k, l);
                    m.swap_rows(j, k, k);
                }
                noconv = true;
                k += 1;
            }
            j += 1;
        }
    }
    for s in &mut scale[k - 1..l] {
        *s = one;
    }
    // scaling of rows/columns k..=l
    let two = one + one;
    let factor = as_real::<E::R>(95) / as_real::<E::R>(100);
    let sfmin1 = E::R::min_positive_value() / E::R::epsilon();
    let sfmax1 = one / sfmin1;
    let sfmin2 = sfmin1 * two;
    let sfmax2 = one / sfmin2;
    noconv = true;
    while noconv {
        noconv = false;
        for i in k..=l {
            let mut c = m.nrm2(i, k, l, true);
            let mut r = m.nrm2(i, k, l, false);
            let mut ca = m.amax(i, 1, l, true);
            let mut ra = m.amax(i, k, n, false);
            if c == E::R::zero() || r == E::R::zero() {
                continue;
            }
            if Float::is_nan(c + ca + r + ra) {
                // LAPACK returns info = -3; the caller has rejected non-finite input
                return (k, l, scale);
            }
            let mut g = r / two;
            let mut f = one;
            let s = c + r;
            while c < g && f.max(c).max(ca) < sfmax2 && r.min(g).min(ra) > sfmin2 {
                f *= two;
                c *= two;
                ca *= two;
                r /= two;
                g /= two;
                ra /= two;
            }
            g = c / two;
            while g >= r && r.max(ra) < sfmax2 && f.min(c).min(g).min(ca) > sfmin2 {
                f /= two;
                c /= two;
                g /= two;
                ca /= two;
                r *= two;
                ra *= two;
            }
            if c + r >= factor * s {
                continue;
            }
            if f < one && scale[i - 1] < one && f * scale[i - 1] <= sfmin1 {
                continue;
            }
            if f > one && scale[i - 1] > one && scale[i - 1] >= sfmax1 / f {
                continue;
            }
            let g = one / f;
            scale[i - 1] *= f;
            noconv = true;
            for j in k..=n {
                let p = (i - 1) + (j - 1) * n;
                m.a[p] = m.a[p].times(g);
            }
            for r in 1..=l {
                let p = (r - 1) + (i - 1) * n;
                m.a[p] = m.a[p].times(f);
            }
        }
    }
    (k, l, scale)
}

fn as_real<T: Real>(i: usize) -> T {
    <T as num_traits::NumCast>::from(i).unwrap_or(T::zero())
}

/// LAPACK `gebak` for right eigenvectors: undoes the balancing on the rows of the column-major
/// `n x n` `v`.
fn unbalance<E: Elem>(v: &mut [E], n: usize, ilo: usize, ihi: usize, scale: &[E::R]) {
    for i in ilo..=ihi {
        let s = scale[i - 1];
        for j in 0..n {
            v[(i - 1) + j * n] = v[(i - 1) + j * n].times(s);
        }
    }
    for ii in 1..=n {
        let mut i = ii;
        if i >= ilo && i <= ihi {
            continue;
        }
        if i < ilo {
            i = ilo - ii;
        }
        let k = scale[i - 1].to_usize().unwrap_or(i);
        if k != i && (1..=n).contains(&k) {
            for j in 0..n {
                v.swap((i - 1) + j * n, (k - 1) + j * n);
            }
        }
    }
}

fn nrm2_col<E: Elem>(v: &[E], n: usize, j: usize) -> E::R {
    let mut s = 0.0f64;
    for i in 0..n {
        s += v[i + j * n].sq().to_f64().unwrap_or(f64::NAN);
    }
    <E::R as num_traits::NumCast>::from(s.sqrt()).unwrap_or(E::R::infinity())
}

/// The index of the first largest of `key(0..n)` (LAPACK's `i?amax`).
fn argmax<T: Real>(n: usize, key: impl Fn(usize) -> T) -> usize {
    let mut best = 0;
    for i in 1..n {
        if key(i) > key(best) {
            best = i;
        }
    }
    best
}

/// Eigenvalues (into `w`) and, when `v` is given, unit right eigenvectors (the columns of the
/// row-major `v`) of the real `n x n` row-major `a`. Returns 0, or 1 when the iteration did not
/// converge. Non-finite input is the caller's to reject. `par`: faer's parallelism.
pub fn eig_real<T: Real>(
    a: &[T],
    n: usize,
    w: &mut [Complex<T>],
    v: Option<&mut [Complex<T>]>,
    par: Par,
) -> i32 {
    if n == 0 {
        return 0;
    }
    let mut cm: Vec<T> = (0..n * n).map(|p| a[(p % n) * n + p / n]).collect();
    let (ilo, ihi, scale) = balance(&mut cm, n);
    let want_v = v.is_some();
    let cv = if want_v {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let mut s_re = faer::diag::Diag::<T>::zeros(n);
    let mut s_im = faer::diag::Diag::<T>::zeros(n);
    let mut u = if want_v {
        Mat::<T>::zeros(n, n)
    } else {
        Mat::<T>::zeros(0, 0)
    };
    let mut buf = MemBuffer::new(evd_scratch::<T>(
        n,
        ComputeEigenvectors::No,
        cv,
        par,
        Default::default(),
    ));
    let am = faer::MatRef::from_column_major_slice(&cm, n, n);
    let u_right: Option<MatMut<'_, T>> = if want_v { Some(u.as_mut()) } else { None };
    if evd_real(
        am,
        s_re.as_mut(),
        s_im.as_mut(),
        None,
        u_right,
        par,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .is_err()
    {
        return 1;
    }
    let (re, im) = (s_re.column_vector(), s_im.column_vector());
    for (j, wj) in w.iter_mut().enumerate() {
        *wj = Complex::new(re[j], im[j]);
    }
    let Some(v) = v else {
        return 0;
    };
    let mut vr: Vec<T> = (0..n * n).map(|p| u[(p % n, p / n)]).collect();
    unbalance(&mut vr, n, ilo, ihi, &scale);
    // dgeev's normalization
    let zero = T::zero();
    let one = T::one();
    let mut j = 0;
    while j < n {
        if im[j] == zero || j + 1 == n {
            let scl = one / nrm2_col(&vr, n, j);
            for i in 0..n {
                vr[i + j * n] *= scl;
                v[i * n + j] = Complex::new(vr[i + j * n], zero);
            }
            j += 1;
            continue;
        }
        let scl = one / Float::hypot(nrm2_col(&vr, n, j), nrm2_col(&vr, n, j + 1));
        for i in 0..n {
            vr[i + j * n] *= scl;
            vr[i + (j + 1) * n] *= scl;
        }
        let k = argmax(n, |i| {
            let (x, y) = (vr[i + j * n], vr[i + (j + 1) * n]);
            x * x + y * y
        });
        let (cs, sn) = lartg(vr[k + j * n], vr[k + (j + 1) * n]);
        for i in 0..n {
            let (x, y) = (vr[i + j * n], vr[i + (j + 1) * n]);
            vr[i + j * n] = cs * x + sn * y;
            vr[i + (j + 1) * n] = cs * y - sn * x;
        }
        vr[k + (j + 1) * n] = zero;
        for i in 0..n {
            let (x, y) = (vr[i + j * n], vr[i + (j + 1) * n]);
            v[i * n + j] = Complex::new(x, y);
            v[i * n + j + 1] = Complex::new(x, -y);
        }
        j += 2;
    }
    0
}

/// `(cs, sn)` with `[cs sn; -sn cs] [f; g] = [r; 0]`, `r = +-hypot(f, g)`: LAPACK's `lartg`
/// as MKL (which PyTorch's CPU build calls) computes it, the pre-3.10 convention: `r` is
/// positive unless `|f| > |g|` and `f < 0` (LAPACK 3.10 gives `r` the sign of `f`). It decides
/// the sign of a real matrix's complex eigenvector pair.
fn lartg<T: Real>(f: T, g: T) -> (T, T) {
    let zero = T::zero();
    if g == zero {
        return (T::one(), zero);
    }
    if f == zero {
        return (zero, T::one());
    }
    let d = Float::hypot(f, g);
    let (cs, sn) = (f / d, g / d);
    if Float::abs(f) > Float::abs(g) && cs < zero {
        (-cs, -sn)
    } else {
        (cs, sn)
    }
}

/// Eigenvalues (into `w`) and, when `v` is given, unit right eigenvectors (the columns of the
/// row-major `v`, each with its largest component real and positive) of the complex `n x n`
/// row-major `a`. Returns 0, or 1 when the iteration did not converge. `par`: faer's
/// parallelism.
pub fn eig_complex<T: Real>(
    a: &[Complex<T>],
    n: usize,
    w: &mut [Complex<T>],
    v: Option<&mut [Complex<T>]>,
    par: Par,
) -> i32 {
    if n == 0 {
        return 0;
    }
    let mut cm: Vec<Complex<T>> = (0..n * n).map(|p| a[(p % n) * n + p / n]).collect();
    let (ilo, ihi, scale) = balance(&mut cm, n);
    let want_v = v.is_some();
    let cv = if want_v {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let mut s = faer::diag::Diag::<Complex<T>>::zeros(n);
    let mut u = if want_v {
        Mat::<Complex<T>>::zeros(n, n)
    } else {
        Mat::<Complex<T>>::zeros(0, 0)
    };
    let mut buf = MemBuffer::new(evd_scratch::<Complex<T>>(
        n,
        ComputeEigenvectors::No,
        cv,
        par,
        Default::default(),
    ));
    let am = faer::MatRef::from_column_major_slice(&cm, n, n);
    let u_right: Option<MatMut<'_, Complex<T>>> = if want_v { Some(u.as_mut()) } else { None };
    if evd_cplx(
        am,
        s.as_mut(),
        None,
        u_right,
        par,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .is_err()
    {
        return 1;
    }
    let sv = s.column_vector();
    for (j, wj) in w.iter_mut().enumerate() {
        *wj = sv[j];
    }
    let Some(v) = v else {
        return 0;
    };
    let mut vr: Vec<Complex<T>> = (0..n * n).map(|p| u[(p % n, p / n)]).collect();
    unbalance(&mut vr, n, ilo, ihi, &scale);
    // zgeev's normalization
    for j in 0..n {
        let scl = T::one() / nrm2_col(&vr, n, j);
        for i in 0..n {
            vr[i + j * n] = vr[i + j * n].times(scl);
        }
        let k = argmax(n, |i| vr[i + j * n].sq());
        let p = vr[k + j * n];
        let m = Float::sqrt(p.sq());
        if m > T::zero() {
            let t = Complex::new(p.re / m, -p.im / m);
            for i in 0..n {
                vr[i + j * n] *= t;
            }
        }
        vr[k + j * n] = Complex::new(vr[k + j * n].re, T::zero());
        for i in 0..n {
            v[i * n + j] = vr[i + j * n];
        }
    }
    0
}
