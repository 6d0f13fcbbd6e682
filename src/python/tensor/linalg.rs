//! Matrix products as methods: `mm`, `bmm`, `mv`, `dot`, `matmul`, `outer`, and the primitive
//! behind `addmm`/`addbmm`/`baddbmm`/`addmv`/`addr`. The `@` operator is in `operators.rs`.

use super::{PyTensor, wrap};
use crate::autograd::ops as ag;
use crate::dtype::Scalar;
use crate::python::convert::*;
use pyo3::prelude::*;

#[pymethods]
impl PyTensor {
    fn mm(&self, py: Python<'_>, mat2: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::mm(&self.t(), &tensor_arg(mat2, "mm")?)?)
    }
    fn bmm(&self, py: Python<'_>, mat2: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::bmm(&self.t(), &tensor_arg(mat2, "bmm")?)?)
    }
    fn mv(&self, py: Python<'_>, vec: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::mv(&self.t(), &tensor_arg(vec, "mv")?)?)
    }
    fn dot(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::dot(&self.t(), &tensor_arg(other, "dot")?)?)
    }
    fn matmul(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::matmul(&self.t(), &tensor_arg(other, "matmul")?)?)
    }
    fn outer(&self, py: Python<'_>, vec2: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::outer(&self.t(), &tensor_arg(vec2, "outer")?)?)
    }
    fn _addmm(
        &self,
        py: Python<'_>,
        kind: &str,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
        beta: &Bound<'_, PyAny>,
        alpha: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let (a, b) = (tensor_arg(a, kind)?, tensor_arg(b, kind)?);
        let beta = to_scalar(beta)?.unwrap_or(Scalar::Int(1));
        let alpha = to_scalar(alpha)?.unwrap_or(Scalar::Int(1));
        let i = self.t();
        wrap(py, ag::addmm_like(kind, &i, &a, &b, beta, alpha)?)
    }
}
