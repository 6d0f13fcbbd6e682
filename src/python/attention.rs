//! `_C._sdpa_flash`: the fused CPU attention behind `nn.functional.scaled_dot_product_attention`
//! (which decides when to take it; see NOTE [attention paths] in functional.py).

use crate::autograd::ops_attention as aga;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use pyo3::prelude::*;

#[pyfunction]
#[pyo3(name = "_sdpa_flash")]
fn sdpa_flash(
    py: Python<'_>,
    query: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
    mask: Option<&Bound<'_, PyAny>>,
    is_causal: bool,
    scale: f64,
) -> PyResult<Py<PyAny>> {
    let op = "scaled_dot_product_attention";
    let q = tensor_arg(query, op)?;
    let k = tensor_arg(key, op)?;
    let v = tensor_arg(value, op)?;
    let m = match mask {
        Some(m) if !m.is_none() => Some(tensor_arg(m, op)?),
        _ => None,
    };
    wrap(
        py,
        aga::flash_attention(&q, &k, &v, m.as_ref(), is_causal, scale)?,
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sdpa_flash, m)?)?;
    Ok(())
}
