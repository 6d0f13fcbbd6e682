//! `_C._scatter_reduce`: the native behind `scatter_reduce(_)` and `index_reduce(_)`
//! (`python/rtensor/_longtail_index.py`). It records no autograd node: the Python layer
//! records PyTorch's named node with its backward formula.

use crate::ops::scatter_reduce as sr;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use pyo3::prelude::*;

#[pyfunction]
#[pyo3(name = "_scatter_reduce")]
#[allow(clippy::too_many_arguments)]
fn scatter_reduce(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    dim: i64,
    index: &Bound<'_, PyAny>,
    src: &Bound<'_, PyAny>,
    reduce: &str,
    include_self: bool,
    op: &str,
) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(x, op)?.detach();
    let index = tensor_arg(index, op)?.detach();
    let src = tensor_arg(src, op)?.detach();
    let out = py.detach(|| sr::scatter_reduce(&x, dim, &index, &src, reduce, include_self, op))?;
    wrap(py, out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scatter_reduce, m)?)?;
    Ok(())
}
