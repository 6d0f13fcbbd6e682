//! `_C` primitives behind `rtensor.linalg` (`python/rtensor/linalg.py`): the batched faer
//! decompositions of `ops/linalg_decomp.rs`. They record no autograd node (the Python layer
//! records PyTorch's named nodes) and return LAPACK-style `info` tensors instead of raising on
//! singular input, so the Python layer raises `LinAlgError` (or returns info for `_ex`).

use crate::ops::linalg_decomp as ld;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use crate::tensor::Tensor;
use pyo3::prelude::*;

type Obj = Py<PyAny>;

fn arg(o: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    Ok(tensor_arg(o, "linalg")?.detach())
}

/// `(X, info)` for `A X = B` (LU with partial pivoting); batch dims already broadcast.
#[pyfunction]
#[pyo3(name = "_linalg_solve")]
fn solve(py: Python<'_>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<(Obj, Obj)> {
    let (a, b) = (arg(a)?, arg(b)?);
    let (x, info) = py.detach(|| ld::solve(&a, &b))?;
    Ok((wrap(py, x)?, wrap(py, info)?))
}

/// `(det, sign, logabsdet)` from the LU factors.
#[pyfunction]
#[pyo3(name = "_linalg_det")]
fn det(py: Python<'_>, a: &Bound<'_, PyAny>) -> PyResult<(Obj, Obj, Obj)> {
    let a = arg(a)?;
    let (d, s, l) = py.detach(|| ld::det(&a))?;
    Ok((wrap(py, d)?, wrap(py, s)?, wrap(py, l)?))
}

/// `(L, info)`: the lower Cholesky factor of the lower triangle.
#[pyfunction]
#[pyo3(name = "_linalg_cholesky")]
fn cholesky(py: Python<'_>, a: &Bound<'_, PyAny>) -> PyResult<(Obj, Obj)> {
    let a = arg(a)?;
    let (l, info) = py.detach(|| ld::cholesky(&a))?;
    Ok((wrap(py, l)?, wrap(py, info)?))
}

/// `(Q, R)`; `Q` is empty without `compute_q`.
#[pyfunction]
#[pyo3(name = "_linalg_qr")]
fn qr(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    complete: bool,
    compute_q: bool,
) -> PyResult<(Obj, Obj)> {
    let a = arg(a)?;
    let (q, r) = py.detach(|| ld::qr(&a, complete, compute_q))?;
    Ok((wrap(py, q)?, wrap(py, r)?))
}

/// `(eigenvalues, eigenvectors, info)`; eigenvectors empty without `compute_v`.
#[pyfunction]
#[pyo3(name = "_linalg_eigh")]
fn eigh(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    upper: bool,
    compute_v: bool,
) -> PyResult<(Obj, Obj, Obj)> {
    let a = arg(a)?;
    let (w, v, info) = py.detach(|| ld::eigh(&a, upper, compute_v))?;
    Ok((wrap(py, w)?, wrap(py, v)?, wrap(py, info)?))
}

/// `(U, S, Vh, info)`; U and Vh empty without `compute_uv`.
#[pyfunction]
#[pyo3(name = "_linalg_svd")]
fn svd(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    full_matrices: bool,
    compute_uv: bool,
) -> PyResult<(Obj, Obj, Obj, Obj)> {
    let a = arg(a)?;
    let (u, s, vh, info) = py.detach(|| ld::svd(&a, full_matrices, compute_uv))?;
    Ok((wrap(py, u)?, wrap(py, s)?, wrap(py, vh)?, wrap(py, info)?))
}

/// `X` with `A X = B` for triangular `A`.
#[pyfunction]
#[pyo3(name = "_linalg_solve_triangular")]
fn solve_triangular(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    upper: bool,
    unitriangular: bool,
) -> PyResult<Obj> {
    let (a, b) = (arg(a)?, arg(b)?);
    let x = py.detach(|| ld::solve_triangular(&a, &b, upper, unitriangular))?;
    wrap(py, x)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add_function(wrap_pyfunction!(det, m)?)?;
    m.add_function(wrap_pyfunction!(cholesky, m)?)?;
    m.add_function(wrap_pyfunction!(qr, m)?)?;
    m.add_function(wrap_pyfunction!(eigh, m)?)?;
    m.add_function(wrap_pyfunction!(svd, m)?)?;
    m.add_function(wrap_pyfunction!(solve_triangular, m)?)?;
    Ok(())
}
