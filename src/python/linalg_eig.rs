//! `_C._linalg_eig`: the batched general eigendecomposition of `ops/linalg_eig.rs` behind
//! `rtensor.linalg.eig` / `eigvals` (`python/rtensor/_linalg_eig.py`, which records the
//! autograd node and raises `LinAlgError` from the returned `info`).

use crate::ops::linalg_eig as le;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use pyo3::prelude::*;

type Obj = Py<PyAny>;

/// `(eigenvalues, eigenvectors, info)`; eigenvectors empty without `compute_v`. `op` names the
/// caller in error messages.
#[pyfunction]
#[pyo3(name = "_linalg_eig")]
fn eig(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    compute_v: bool,
    op: &str,
) -> PyResult<(Obj, Obj, Obj)> {
    let a = tensor_arg(a, "linalg")?.detach();
    let op = op.to_string();
    let (w, v, info) = py.detach(|| le::eig(&a, compute_v, &op))?;
    Ok((wrap(py, w)?, wrap(py, v)?, wrap(py, info)?))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(eig, m)?)?;
    Ok(())
}
