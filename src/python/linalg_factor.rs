//! `_C` primitives behind `python/rtensor/_linalg_factor.py`: the batched LAPACK-convention
//! factorizations of `ops/linalg_factor.rs` (LU, LDL^T, Householder QR) and the solves and
//! products that read them. They record no autograd node and return `info` tensors instead
//! of raising on singular input.

use crate::ops::linalg_factor as lf;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use crate::tensor::Tensor;
use pyo3::prelude::*;

type Obj = Py<PyAny>;

fn arg(o: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    Ok(tensor_arg(o, "linalg")?.detach())
}

/// `(LU, pivots, info)` (LAPACK getrf).
#[pyfunction]
#[pyo3(name = "_linalg_lu_factor")]
fn lu_factor(py: Python<'_>, a: &Bound<'_, PyAny>) -> PyResult<(Obj, Obj, Obj)> {
    let a = arg(a)?;
    let (lu, piv, info) = py.detach(|| lf::lu_factor(&a))?;
    Ok((wrap(py, lu)?, wrap(py, piv)?, wrap(py, info)?))
}

/// `X` from the LU factors (LAPACK getrs); batch dims already broadcast.
#[pyfunction]
#[pyo3(name = "_linalg_lu_solve")]
fn lu_solve(
    py: Python<'_>,
    lu: &Bound<'_, PyAny>,
    pivots: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    adjoint: bool,
) -> PyResult<Obj> {
    let (lu, pivots, b) = (arg(lu)?, arg(pivots)?, arg(b)?);
    let x = py.detach(|| lf::lu_solve(&lu, &pivots, &b, adjoint))?;
    wrap(py, x)
}

/// The int64 row order `perm` (`P[perm[i], i] = 1`) from getrf's pivots, for `m` rows.
#[pyfunction]
#[pyo3(name = "_linalg_lu_perm")]
fn lu_perm(py: Python<'_>, pivots: &Bound<'_, PyAny>, m: usize) -> PyResult<Obj> {
    let pivots = arg(pivots)?;
    let p = py.detach(|| lf::lu_perm(&pivots, m))?;
    wrap(py, p)
}

/// `(LD, pivots, info)` (LAPACK sytrf, lower).
#[pyfunction]
#[pyo3(name = "_linalg_ldl_factor")]
fn ldl_factor(py: Python<'_>, a: &Bound<'_, PyAny>) -> PyResult<(Obj, Obj, Obj)> {
    let a = arg(a)?;
    let (ld, piv, info) = py.detach(|| lf::ldl_factor(&a))?;
    Ok((wrap(py, ld)?, wrap(py, piv)?, wrap(py, info)?))
}

/// `X` from the LDL^T factors (LAPACK sytrs); batch dims already broadcast.
#[pyfunction]
#[pyo3(name = "_linalg_ldl_solve")]
fn ldl_solve(
    py: Python<'_>,
    ld: &Bound<'_, PyAny>,
    pivots: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
) -> PyResult<Obj> {
    let (ld, pivots, b) = (arg(ld)?, arg(pivots)?, arg(b)?);
    let x = py.detach(|| lf::ldl_solve(&ld, &pivots, &b))?;
    wrap(py, x)
}

/// `(QR, tau)` (LAPACK geqrf).
#[pyfunction]
#[pyo3(name = "_linalg_geqrf")]
fn geqrf(py: Python<'_>, a: &Bound<'_, PyAny>) -> PyResult<(Obj, Obj)> {
    let a = arg(a)?;
    let (qr, tau) = py.detach(|| lf::geqrf(&a))?;
    Ok((wrap(py, qr)?, wrap(py, tau)?))
}

/// The first n columns of `H_1 ... H_k` (LAPACK orgqr).
#[pyfunction]
#[pyo3(name = "_linalg_householder_product")]
fn householder_product(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    tau: &Bound<'_, PyAny>,
) -> PyResult<Obj> {
    let (a, tau) = (arg(a)?, arg(tau)?);
    let q = py.detach(|| lf::householder_product(&a, &tau))?;
    wrap(py, q)
}

/// `op(Q) C` or `C op(Q)` (LAPACK ormqr); batch dims already broadcast.
#[pyfunction]
#[pyo3(name = "_linalg_ormqr")]
fn ormqr(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    tau: &Bound<'_, PyAny>,
    c: &Bound<'_, PyAny>,
    left: bool,
    transpose: bool,
) -> PyResult<Obj> {
    let (a, tau, c) = (arg(a)?, arg(tau)?, arg(c)?);
    let x = py.detach(|| lf::ormqr(&a, &tau, &c, left, transpose))?;
    wrap(py, x)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lu_factor, m)?)?;
    m.add_function(wrap_pyfunction!(lu_solve, m)?)?;
    m.add_function(wrap_pyfunction!(lu_perm, m)?)?;
    m.add_function(wrap_pyfunction!(ldl_factor, m)?)?;
    m.add_function(wrap_pyfunction!(ldl_solve, m)?)?;
    m.add_function(wrap_pyfunction!(geqrf, m)?)?;
    m.add_function(wrap_pyfunction!(householder_product, m)?)?;
    m.add_function(wrap_pyfunction!(ormqr, m)?)?;
    Ok(())
}
