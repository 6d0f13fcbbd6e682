//! Batched compact factorizations in LAPACK's conventions (float32/float64, CPU), the
//! primitives behind `linalg.lu_factor`/`lu_solve`/`lu_unpack`, `linalg.ldl_factor`/
//! `ldl_solve`, `geqrf`, `householder_product` (`orgqr`) and `ormqr` in
//! `python/rtensor/_linalg_factor.py`. Each loops over the batch items (batch dims already
//! broadcast by the Python layer) and calls the one-matrix kernels of
//! `backend/cpu/lapack_factor.rs`; pivots are int32 and 1-based, as LAPACK returns them.
//! Numerical failure comes back as an `info` tensor; shape, dtype, device and pivot-range
//! errors are raised here, so no input reaches a panic. No autograd here (the Python layer
//! records PyTorch's nodes).

use crate::backend::cpu::lapack_factor as lf;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

fn cpu(t: &Tensor, op: &str) -> Result<()> {
    if t.is_gpu() {
        return Err(Error::NotImplemented(format!(
            "\"{op}\" is not implemented for the GPU device"
        )));
    }
    Ok(())
}

/// A contiguous float32/float64 CPU tensor of at least `min_dims` dims.
fn floats(t: &Tensor, op: &str, min_dims: usize) -> Result<Tensor> {
    cpu(t, op)?;
    if !matches!(t.dtype(), DType::F32 | DType::F64) {
        return Err(Error::Type(format!(
            "{op}: expected a float32 or float64 tensor, got {:?}",
            t.dtype()
        )));
    }
    if t.ndim() < min_dims {
        return Err(Error::Runtime(format!(
            "{op}: expected a tensor of at least {min_dims} dimensions, got {}",
            t.ndim()
        )));
    }
    t.try_contiguous()
}

/// A contiguous int32 CPU tensor of at least one dim (pivots).
fn pivots(t: &Tensor, op: &str) -> Result<Tensor> {
    cpu(t, op)?;
    if t.dtype() != DType::I32 {
        return Err(Error::Runtime(format!(
            "{op}: Expected pivots to be int32, got {:?}",
            t.dtype()
        )));
    }
    if t.ndim() < 1 {
        return Err(Error::Runtime(format!(
            "{op}: expected pivots of at least 1 dimension"
        )));
    }
    t.try_contiguous()
}

fn lead(shape: &[usize], k: usize) -> &[usize] {
    &shape[..shape.len() - k]
}

fn with(lead: &[usize], tail: &[usize]) -> Vec<usize> {
    let mut s = lead.to_vec();
    s.extend_from_slice(tail);
    s
}

fn data<T: Element>(t: &Tensor) -> &[T] {
    if t.numel() == 0 {
        &[]
    } else {
        t.as_slice::<T>()
    }
}

fn item<T: Element>(t: &Tensor, i: usize, len: usize) -> &[T] {
    if len == 0 {
        &[]
    } else {
        &data::<T>(t)[i * len..(i + 1) * len]
    }
}

fn item_mut<T>(v: &mut [T], i: usize, len: usize) -> &mut [T] {
    if len == 0 {
        &mut []
    } else {
        &mut v[i * len..(i + 1) * len]
    }
}

fn same_lead(op: &str, a: &Tensor, ka: usize, b: &Tensor, kb: usize) -> Result<()> {
    if lead(a.shape(), ka) != lead(b.shape(), kb) {
        return Err(Error::Runtime(format!(
            "{op}: batch dimensions of {:?} and {:?} differ",
            a.shape(),
            b.shape()
        )));
    }
    Ok(())
}

/// `getrf` of `a` `(*, m, n)`: `(LU, pivots (*, min(m, n)) int32, info (*) int32)`.
pub fn lu_factor(a: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
    let op = "linalg.lu_factor";
    let a = floats(a, op, 2)?;
    let s = a.shape();
    let (m, n) = (s[s.len() - 2], s[s.len() - 1]);
    let k = m.min(n);
    let bs = lead(s, 2);
    let batch: usize = bs.iter().product();
    let mut piv = vec![0i32; batch * k];
    let mut info = vec![0i32; batch];
    let lu = real_dispatch!(a.dtype(), op, T => {
        let mut x: Vec<T> = data::<T>(&a).to_vec();
        for (i, code) in info.iter_mut().enumerate() {
            *code = lf::lu_factor(item_mut(&mut x, i, m * n), m, n, item_mut(&mut piv, i, k));
        }
        Tensor::from_vec(x, s)
    });
    Ok((
        lu,
        Tensor::from_vec(piv, &with(bs, &[k])),
        Tensor::from_vec(info, bs),
    ))
}

fn check_lu_pivots(op: &str, piv: &[i32], n: usize) -> Result<()> {
    if piv.iter().any(|&p| p < 1 || p as usize > n) {
        return Err(Error::Runtime(format!(
            "{op}: pivots must be between 1 and LU.size(-2) = {n} inclusive. Did you properly \
             pass the result of lu_factor?"
        )));
    }
    Ok(())
}

/// The checked operands of a solve from a compact factorization: (factor `(*, n, n)`, pivots
/// `(*, n)`, B `(*, n, k)`) as contiguous tensors, with n, k and the batch size.
fn solve_args(
    op: &str,
    what: &str,
    f: &Tensor,
    piv: &Tensor,
    b: &Tensor,
) -> Result<(Tensor, Tensor, Tensor, usize, usize, usize)> {
    let f = floats(f, op, 2)?;
    let b = floats(b, op, 2)?;
    let piv = pivots(piv, op)?;
    let s = f.shape();
    let n = s[s.len() - 1];
    let bsh = b.shape();
    let k = bsh[bsh.len() - 1];
    if s[s.len() - 2] != n
        || bsh[bsh.len() - 2] != n
        || piv.shape()[piv.ndim() - 1] != n
        || f.dtype() != b.dtype()
    {
        return Err(Error::Runtime(format!(
            "{op}: incompatible {what} {:?}, pivots {:?} and B {:?}",
            s,
            piv.shape(),
            bsh
        )));
    }
    same_lead(op, &f, 2, &b, 2)?;
    same_lead(op, &f, 2, &piv, 1)?;
    let batch: usize = lead(s, 2).iter().product();
    Ok((f, piv, b, n, k, batch))
}

/// `getrs`: X with `A X = B` (`adjoint`: `A^T X = B`) from `lu` `(*, n, n)`, `pivots`
/// `(*, n)` and `b` `(*, n, k)` (same batch dims, same dtype).
pub fn lu_solve(lu: &Tensor, piv: &Tensor, b: &Tensor, adjoint: bool) -> Result<Tensor> {
    let op = "linalg.lu_solve";
    let (lu, piv, b, n, k, batch) = solve_args(op, "LU", lu, piv, b)?;
    check_lu_pivots(op, data::<i32>(&piv), n)?;
    Ok(real_dispatch!(lu.dtype(), op, T => {
        let mut x: Vec<T> = data::<T>(&b).to_vec();
        for i in 0..batch {
            lf::lu_solve(
                item::<T>(&lu, i, n * n),
                n,
                item::<i32>(&piv, i, n),
                item_mut(&mut x, i, n * k),
                k,
                adjoint,
            );
        }
        Tensor::from_vec(x, b.shape())
    }))
}

/// The row order of `P^T A` from `getrf`'s interchanges `piv` `(*, k)` for `m` rows: int64
/// `(*, m)`, `perm[i]` = the row of A that lands in row i (so `P[perm[i], i] = 1`).
pub fn lu_perm(piv: &Tensor, m: usize) -> Result<Tensor> {
    let op = "lu_unpack";
    let piv = pivots(piv, op)?;
    let k = piv.shape()[piv.ndim() - 1];
    if k > m {
        return Err(Error::Runtime(format!(
            "{op}: pivots of length {k} for LU with {m} rows"
        )));
    }
    let p = data::<i32>(&piv);
    if p.iter().any(|&x| x < 1 || x as usize > m) {
        return Err(Error::Runtime(
            "pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.Did you \
             properly pass the result of lu_factor?"
                .into(),
        ));
    }
    let bs = lead(piv.shape(), 1);
    let batch: usize = bs.iter().product();
    let mut out = vec![0i64; batch * m];
    for b in 0..batch {
        let perm = item_mut(&mut out, b, m);
        for (i, x) in perm.iter_mut().enumerate() {
            *x = i as i64;
        }
        for i in 0..k {
            perm.swap(i, p[b * k + i] as usize - 1);
        }
    }
    Ok(Tensor::from_vec(out, &with(bs, &[m])))
}

/// `sytrf` (lower) of the symmetric `a` `(*, n, n)`: `(LD, pivots (*, n), info (*))`.
pub fn ldl_factor(a: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
    let op = "linalg.ldl_factor_ex";
    let a = floats(a, op, 2)?;
    let s = a.shape();
    let n = s[s.len() - 1];
    if s[s.len() - 2] != n {
        return Err(Error::Runtime(format!(
            "{op}: A must be batches of square matrices, but they are {} by {n} matrices",
            s[s.len() - 2]
        )));
    }
    let bs = lead(s, 2);
    let batch: usize = bs.iter().product();
    let mut piv = vec![0i32; batch * n];
    let mut info = vec![0i32; batch];
    let ld = real_dispatch!(a.dtype(), op, T => {
        let mut x: Vec<T> = data::<T>(&a).to_vec();
        for (i, code) in info.iter_mut().enumerate() {
            *code = lf::ldl_factor(item_mut(&mut x, i, n * n), n, item_mut(&mut piv, i, n));
        }
        Tensor::from_vec(x, s)
    });
    Ok((
        ld,
        Tensor::from_vec(piv, &with(bs, &[n])),
        Tensor::from_vec(info, bs),
    ))
}

/// `sytrs`: X with `A X = B` from `ld` `(*, n, n)`, `pivots` `(*, n)` and `b` `(*, n, k)`.
pub fn ldl_solve(ld: &Tensor, piv: &Tensor, b: &Tensor) -> Result<Tensor> {
    let op = "linalg.ldl_solve";
    let (ld, piv, b, n, k, batch) = solve_args(op, "LD", ld, piv, b)?;
    for i in 0..batch {
        if !lf::ldl_pivots_valid(item::<i32>(&piv, i, n), n) {
            return Err(Error::Runtime(format!(
                "{op}: pivots are not a valid result of ldl_factor for matrices of order {n}"
            )));
        }
    }
    Ok(real_dispatch!(ld.dtype(), op, T => {
        let mut x: Vec<T> = data::<T>(&b).to_vec();
        for i in 0..batch {
            lf::ldl_solve(item::<T>(&ld, i, n * n), n, item::<i32>(&piv, i, n), item_mut(&mut x, i, n * k), k);
        }
        Tensor::from_vec(x, b.shape())
    }))
}

/// `geqrf` of `a` `(*, m, n)`: `(QR (*, m, n), tau (*, min(m, n)))`.
pub fn geqrf(a: &Tensor) -> Result<(Tensor, Tensor)> {
    let op = "geqrf";
    let a = floats(a, op, 2)?;
    let s = a.shape();
    let (m, n) = (s[s.len() - 2], s[s.len() - 1]);
    let k = m.min(n);
    let bs = lead(s, 2);
    let batch: usize = bs.iter().product();
    Ok(real_dispatch!(a.dtype(), op, T => {
        let mut x: Vec<T> = data::<T>(&a).to_vec();
        let mut tau = vec![<T as num_traits::Zero>::zero(); batch * k];
        for i in 0..batch {
            lf::geqrf(item_mut(&mut x, i, m * n), m, n, item_mut(&mut tau, i, k));
        }
        (Tensor::from_vec(x, s), Tensor::from_vec(tau, &with(bs, &[k])))
    }))
}

fn check_tau(op: &str, a: &Tensor, tau: &Tensor) -> Result<()> {
    if tau.dtype() != a.dtype() || tau.ndim() + 1 != a.ndim() {
        return Err(Error::Runtime(format!(
            "{op}: incompatible input {:?} and tau {:?}",
            a.shape(),
            tau.shape()
        )));
    }
    same_lead(op, a, 2, tau, 1)
}

/// `orgqr`: the first n columns of `H_1 ... H_k` from `a` `(*, m, n)` and `tau` `(*, k)`
/// (`k <= n <= m`, checked by the caller's messages; re-checked here).
pub fn householder_product(a: &Tensor, tau: &Tensor) -> Result<Tensor> {
    let op = "linalg.householder_product";
    let a = floats(a, op, 2)?;
    let tau = floats(tau, op, 1)?;
    check_tau(op, &a, &tau)?;
    let s = a.shape();
    let (m, n) = (s[s.len() - 2], s[s.len() - 1]);
    let k = tau.shape()[tau.ndim() - 1];
    if n > m || k > n {
        return Err(Error::Runtime(format!(
            "{op}: expected k <= n <= m, got m = {m}, n = {n}, k = {k}"
        )));
    }
    let batch: usize = lead(s, 2).iter().product();
    Ok(real_dispatch!(a.dtype(), op, T => {
        let mut out = vec![<T as num_traits::Zero>::zero(); batch * m * n];
        for i in 0..batch {
            lf::householder_product(
                item::<T>(&a, i, m * n),
                m,
                n,
                item::<T>(&tau, i, k),
                item_mut(&mut out, i, m * n),
            );
        }
        Tensor::from_vec(out, s)
    }))
}

/// `ormqr`: `op(Q) C` (`left`) or `C op(Q)` with Q given by `a` `(*, mn, ka)` and `tau`
/// `(*, k)`, `c` `(*, p, q)` (`mn` = p when `left`, else q; `k <= min(mn, ka)`).
pub fn ormqr(a: &Tensor, tau: &Tensor, c: &Tensor, left: bool, transpose: bool) -> Result<Tensor> {
    let op = "ormqr";
    let a = floats(a, op, 2)?;
    let tau = floats(tau, op, 1)?;
    let c = floats(c, op, 2)?;
    check_tau(op, &a, &tau)?;
    same_lead(op, &a, 2, &c, 2)?;
    let s = a.shape();
    let (mn, ka) = (s[s.len() - 2], s[s.len() - 1]);
    let k = tau.shape()[tau.ndim() - 1];
    let cs = c.shape();
    let (p, q) = (cs[cs.len() - 2], cs[cs.len() - 1]);
    if c.dtype() != a.dtype() || (if left { p } else { q }) != mn || k > mn.min(ka) {
        return Err(Error::Runtime(format!(
            "{op}: incompatible input {:?}, tau {:?} and other {:?}",
            s,
            tau.shape(),
            cs
        )));
    }
    let batch: usize = lead(s, 2).iter().product();
    Ok(real_dispatch!(a.dtype(), op, T => {
        let mut x: Vec<T> = data::<T>(&c).to_vec();
        for i in 0..batch {
            lf::ormqr(
                item::<T>(&a, i, mn * ka),
                mn,
                ka,
                item::<T>(&tau, i, k),
                item_mut(&mut x, i, p * q),
                p,
                q,
                left,
                transpose,
            );
        }
        Tensor::from_vec(x, cs)
    }))
}
