//! `_C` primitives behind the CPU-only functions of `rtensor.special` (`ops/special.rs`).

use crate::ops::special as sp;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use pyo3::prelude::*;

/// `name(x)` for a one-operand function without a GPU kernel (`bessel_j0`...).
#[pyfunction]
#[pyo3(name = "_special_cpu_unary")]
fn special_cpu_unary(py: Python<'_>, name: &str, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(x, name)?.detach();
    let name = name.to_string();
    let r = py.detach(|| sp::unary(&name, &x))?;
    wrap(py, r)
}

/// `name(a, b)` for a two-operand function without a GPU kernel (the polynomials, igamma).
#[pyfunction]
#[pyo3(name = "_special_cpu_binary")]
fn special_cpu_binary(
    py: Python<'_>,
    name: &str,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let (a, b) = (tensor_arg(a, name)?.detach(), tensor_arg(b, name)?.detach());
    let name = name.to_string();
    let r = py.detach(|| sp::binary(&name, &a, &b))?;
    wrap(py, r)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(special_cpu_unary, m)?)?;
    m.add_function(wrap_pyfunction!(special_cpu_binary, m)?)?;
    Ok(())
}
