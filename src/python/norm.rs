//! `_C._batch_norm`: the native batch norm behind `F.batch_norm`, `F.instance_norm` and
//! `F.group_norm` (argument defaults and the Python-side checks live in `functional.py`).

use crate::autograd::ops_norm;
use crate::ops::norm::BatchNormArgs;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use crate::tensor::Tensor;
use pyo3::prelude::*;

fn opt_tensor(o: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Tensor>> {
    match o {
        Some(v) if !v.is_none() => Ok(Some(tensor_arg(v, "batch_norm")?)),
        _ => Ok(None),
    }
}

/// `torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)`.
#[pyfunction]
#[pyo3(name = "_batch_norm")]
#[allow(clippy::too_many_arguments)]
fn batch_norm(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
    weight: Option<&Bound<'_, PyAny>>,
    bias: Option<&Bound<'_, PyAny>>,
    running_mean: Option<&Bound<'_, PyAny>>,
    running_var: Option<&Bound<'_, PyAny>>,
    training: bool,
    momentum: f64,
    eps: f64,
) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(input, "batch_norm")?;
    let (w, b) = (opt_tensor(weight)?, opt_tensor(bias)?);
    let (rm, rv) = (opt_tensor(running_mean)?, opt_tensor(running_var)?);
    let args = BatchNormArgs {
        weight: w.as_ref(),
        bias: b.as_ref(),
        running_mean: rm.as_ref(),
        running_var: rv.as_ref(),
        training,
        momentum,
        eps,
    };
    let out = py.detach(|| ops_norm::batch_norm(&x, &args))?;
    wrap(py, out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(batch_norm, m)?)?;
    Ok(())
}
