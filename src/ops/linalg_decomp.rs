//! Batched dense decompositions for `torch.linalg` (float32/float64, CPU): the native
//! primitives behind `python/rtensor/linalg.py`. Each takes `(*, m, n)` tensors whose batch
//! dims the Python layer has already broadcast, loops over the batch items and calls the
//! one-matrix kernels of `backend/cpu/lapack.rs` (faer).
//!
//! Numerical failure (a singular matrix, a matrix that is not positive-definite, no
//! convergence) comes back as a per-item LAPACK-style `info` tensor (int32, shape `*`), from
//! which the Python layer raises `LinAlgError` with PyTorch's text (or returns it, for the
//! `_ex` forms). Shape, dtype and device errors are raised here, so no input reaches a panic.
//! Gradients are the Python layer's (NOTE [linalg autograd] in `linalg.py`).

use crate::backend::cpu::lapack;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// A contiguous CPU float32/float64 tensor of at least two dims: `(batch, rows, cols)`.
fn input(t: &Tensor, op: &str) -> Result<(Tensor, usize, usize, usize)> {
    if t.is_gpu() {
        return Err(Error::NotImplemented(format!(
            "\"{op}\" is not implemented for the GPU device"
        )));
    }
    if !matches!(t.dtype(), DType::F32 | DType::F64) {
        return Err(Error::Type(format!(
            "{op}: expected a float32 or float64 tensor, got {:?}",
            t.dtype()
        )));
    }
    let nd = t.ndim();
    if nd < 2 {
        return Err(Error::Runtime(format!(
            "{op}: The input tensor A must have at least 2 dimensions."
        )));
    }
    let s = t.shape();
    let batch = s[..nd - 2].iter().product();
    Ok((t.try_contiguous()?, batch, s[nd - 2], s[nd - 1]))
}

fn square(op: &str, m: usize, n: usize) -> Result<()> {
    if m != n {
        return Err(Error::Runtime(format!(
            "{op}: A must be batches of square matrices, but they are {m} by {n} matrices"
        )));
    }
    Ok(())
}

/// `shape` with its last two dims replaced by `tail`.
fn with_tail(shape: &[usize], tail: &[usize]) -> Vec<usize> {
    let mut s = shape[..shape.len() - 2].to_vec();
    s.extend_from_slice(tail);
    s
}

fn batch_shape(shape: &[usize]) -> Vec<usize> {
    shape[..shape.len() - 2].to_vec()
}

/// Mutable chunks of `len` elements (one per batch item; `len == 0` gives empty chunks).
fn items<T>(v: &mut [T], len: usize, batch: usize) -> Vec<&mut [T]> {
    if len == 0 {
        return (0..batch).map(|_| <&mut [T]>::default()).collect();
    }
    v.chunks_mut(len).collect()
}

/// The elements of a contiguous tensor (none for an empty one, whose storage pointer may be
/// dangling).
fn data<T: Element>(t: &Tensor) -> &[T] {
    if t.numel() == 0 {
        &[]
    } else {
        t.as_slice::<T>()
    }
}

fn slice_of<T: Element>(t: &Tensor, i: usize, len: usize) -> &[T] {
    if len == 0 {
        return &[];
    }
    &data::<T>(t)[i * len..(i + 1) * len]
}

/// `A X = B` for square `a` `(*, n, n)` and `b` `(*, n, k)` with the same batch dims and
/// dtype: `(X, info)`, info = first zero pivot of U (1-based) per item.
pub fn solve(a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor)> {
    let op = "linalg.solve";
    let (a, batch, m, n) = input(a, op)?;
    square(op, m, n)?;
    let (b, bb, bm, k) = input(b, op)?;
    if a.dtype() != b.dtype()
        || bb != batch
        || bm != n
        || batch_shape(a.shape()) != batch_shape(b.shape())
    {
        return Err(Error::Runtime(format!(
            "{op}: Incompatible shapes of A and B for the equation AX = B ({:?} and {:?})",
            a.shape(),
            b.shape()
        )));
    }
    let mut info = vec![0i32; batch];
    let x = real_dispatch!(a.dtype(), op, T => {
        let mut x: Vec<T> = data::<T>(&b).to_vec();
        for (i, xi) in items(&mut x, n * k, batch).into_iter().enumerate() {
            info[i] = lapack::lu_solve(slice_of::<T>(&a, i, n * n), n, xi, k);
        }
        Tensor::from_vec(x, b.shape())
    });
    Ok((x, Tensor::from_vec(info, &batch_shape(a.shape()))))
}

/// `(det, sign, logabsdet)` of square `a` `(*, n, n)`, each of shape `*`.
pub fn det(a: &Tensor) -> Result<(Tensor, Tensor, Tensor)> {
    let op = "linalg.det";
    let (a, batch, m, n) = input(a, op)?;
    square(op, m, n)?;
    let bs = batch_shape(a.shape());
    Ok(real_dispatch!(a.dtype(), op, T => {
        let (mut d, mut s, mut l) = (Vec::<T>::new(), Vec::<T>::new(), Vec::<T>::new());
        for i in 0..batch {
            let (di, si, li) = lapack::det(slice_of::<T>(&a, i, n * n), n);
            d.push(di);
            s.push(si);
            l.push(li);
        }
        (Tensor::from_vec(d, &bs), Tensor::from_vec(s, &bs), Tensor::from_vec(l, &bs))
    }))
}

/// Lower Cholesky factor of square `a` (its lower triangle is read): `(L, info)`.
pub fn cholesky(a: &Tensor) -> Result<(Tensor, Tensor)> {
    let op = "linalg.cholesky";
    let (a, batch, m, n) = input(a, op)?;
    square(op, m, n)?;
    let mut info = vec![0i32; batch];
    let l = real_dispatch!(a.dtype(), op, T => {
        let mut l = vec![<T as num_traits::Zero>::zero(); batch * n * n];
        for (i, li) in items(&mut l, n * n, batch).into_iter().enumerate() {
            info[i] = lapack::cholesky(slice_of::<T>(&a, i, n * n), n, li);
        }
        Tensor::from_vec(l, a.shape())
    });
    Ok((l, Tensor::from_vec(info, &batch_shape(a.shape()))))
}

/// QR of `a` `(*, m, n)`: `(Q, R)`; `complete` gives `Q (*, m, m)`, `R (*, m, n)`, otherwise
/// `Q (*, m, k)`, `R (*, k, n)`; without `compute_q` Q is an empty tensor.
pub fn qr(a: &Tensor, complete: bool, compute_q: bool) -> Result<(Tensor, Tensor)> {
    let op = "linalg.qr";
    let (a, batch, m, n) = input(a, op)?;
    let k = m.min(n);
    let (qc, rr) = if complete { (m, m) } else { (k, k) };
    Ok(real_dispatch!(a.dtype(), op, T => {
        let mut q = vec![<T as num_traits::Zero>::zero(); if compute_q { batch * m * qc } else { 0 }];
        let mut r = vec![<T as num_traits::Zero>::zero(); batch * rr * n];
        let mut qs = if compute_q { items(&mut q, m * qc, batch) } else { Vec::new() };
        let rs = items(&mut r, rr * n, batch);
        for (i, ri) in rs.into_iter().enumerate() {
            let qi = if compute_q { Some(&mut *qs[i]) } else { None };
            lapack::qr(slice_of::<T>(&a, i, m * n), m, n, complete, qi, ri);
        }
        drop(qs);
        let qt = if compute_q {
            Tensor::from_vec(q, &with_tail(a.shape(), &[m, qc]))
        } else {
            Tensor::from_vec(q, &[0])
        };
        (qt, Tensor::from_vec(r, &with_tail(a.shape(), &[rr, n])))
    }))
}

/// Eigenvalues `(*, n)` (ascending) and eigenvectors `(*, n, n)` (empty without `compute_v`)
/// of the symmetric matrices stored in the `upper` or lower triangle of `a`, and `info`.
pub fn eigh(a: &Tensor, upper: bool, compute_v: bool) -> Result<(Tensor, Tensor, Tensor)> {
    let op = "linalg.eigh";
    let (a, batch, m, n) = input(a, op)?;
    square(op, m, n)?;
    let mut info = vec![0i32; batch];
    let (w, v) = real_dispatch!(a.dtype(), op, T => {
        let mut w = vec![<T as num_traits::Zero>::zero(); batch * n];
        let mut v = vec![<T as num_traits::Zero>::zero(); if compute_v { batch * n * n } else { 0 }];
        let mut vs = if compute_v { items(&mut v, n * n, batch) } else { Vec::new() };
        for (i, wi) in items(&mut w, n, batch).into_iter().enumerate() {
            let vi = if compute_v { Some(&mut *vs[i]) } else { None };
            info[i] = lapack::eigh(slice_of::<T>(&a, i, n * n), n, upper, wi, vi);
        }
        drop(vs);
        let vt = if compute_v { Tensor::from_vec(v, a.shape()) } else { Tensor::from_vec(v, &[0]) };
        let mut ws = batch_shape(a.shape());
        ws.push(n);
        (Tensor::from_vec(w, &ws), vt)
    });
    Ok((w, v, Tensor::from_vec(info, &batch_shape(a.shape()))))
}

/// SVD of `a` `(*, m, n)`: `(U, S, Vh, info)` with `S (*, k)` descending; U `(*, m, k)` and Vh
/// `(*, k, n)` (`full`: `(*, m, m)`, `(*, n, n)`); U and Vh empty without `compute_uv`.
pub fn svd(a: &Tensor, full: bool, compute_uv: bool) -> Result<(Tensor, Tensor, Tensor, Tensor)> {
    let op = "linalg.svd";
    let (a, batch, m, n) = input(a, op)?;
    let k = m.min(n);
    let (uc, vr) = if full { (m, n) } else { (k, k) };
    let mut info = vec![0i32; batch];
    let (u, s, vh) = real_dispatch!(a.dtype(), op, T => {
        let mut s = vec![<T as num_traits::Zero>::zero(); batch * k];
        let (ul, vl) = if compute_uv { (batch * m * uc, batch * vr * n) } else { (0, 0) };
        let mut u = vec![<T as num_traits::Zero>::zero(); ul];
        let mut vh = vec![<T as num_traits::Zero>::zero(); vl];
        let mut us = if compute_uv { items(&mut u, m * uc, batch) } else { Vec::new() };
        let mut vs = if compute_uv { items(&mut vh, vr * n, batch) } else { Vec::new() };
        for (i, si) in items(&mut s, k, batch).into_iter().enumerate() {
            let uv = if compute_uv { Some((&mut *us[i], &mut *vs[i])) } else { None };
            info[i] = lapack::svd(slice_of::<T>(&a, i, m * n), m, n, full, si, uv);
        }
        drop(us);
        drop(vs);
        let mut ss = batch_shape(a.shape());
        ss.push(k);
        if compute_uv {
            (
                Tensor::from_vec(u, &with_tail(a.shape(), &[m, uc])),
                Tensor::from_vec(s, &ss),
                Tensor::from_vec(vh, &with_tail(a.shape(), &[vr, n])),
            )
        } else {
            (Tensor::from_vec(u, &[0]), Tensor::from_vec(s, &ss), Tensor::from_vec(vh, &[0]))
        }
    });
    Ok((u, s, vh, Tensor::from_vec(info, &batch_shape(a.shape()))))
}

/// `A X = B` for triangular `a` `(*, n, n)` (its `upper` or lower triangle; `unit`: ones on
/// the diagonal) and `b` `(*, n, k)` with the same batch dims and dtype.
pub fn solve_triangular(a: &Tensor, b: &Tensor, upper: bool, unit: bool) -> Result<Tensor> {
    let op = "linalg.solve_triangular";
    let (a, batch, m, n) = input(a, op)?;
    square(op, m, n)?;
    let (b, bb, bm, k) = input(b, op)?;
    if a.dtype() != b.dtype()
        || bb != batch
        || bm != n
        || batch_shape(a.shape()) != batch_shape(b.shape())
    {
        return Err(Error::Runtime(format!(
            "{op}: Incompatible shapes of A and B for the equation AX = B ({:?} and {:?})",
            a.shape(),
            b.shape()
        )));
    }
    Ok(real_dispatch!(a.dtype(), op, T => {
        let mut x: Vec<T> = data::<T>(&b).to_vec();
        for (i, xi) in items(&mut x, n * k, batch).into_iter().enumerate() {
            lapack::solve_triangular(slice_of::<T>(&a, i, n * n), n, xi, k, upper, unit);
        }
        Tensor::from_vec(x, b.shape())
    }))
}
