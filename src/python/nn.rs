//! `_C` primitives behind `rtensor.nn.functional` (argument defaults and the long tail of
//! losses live in `python/rtensor/nn/functional.py`).

use crate::autograd::ops_nn as agnn;
use crate::ops::nn::{Act, Reduction};
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn opt_tensor(o: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<crate::tensor::Tensor>> {
    match o {
        Some(v) if !v.is_none() => Ok(Some(tensor_arg(v, what)?)),
        _ => Ok(None),
    }
}

#[pyfunction]
#[pyo3(name = "_softmax")]
fn softmax(py: Python<'_>, x: &Bound<'_, PyAny>, dim: i64, log: bool) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(x, "softmax")?;
    wrap(py, agnn::softmax(&x, dim, log)?)
}

#[pyfunction]
#[pyo3(name = "_nll_loss")]
fn nll_loss(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
    target: &Bound<'_, PyAny>,
    weight: Option<&Bound<'_, PyAny>>,
    reduction: &str,
    ignore_index: i64,
) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(input, "nll_loss")?;
    let t = tensor_arg(target, "nll_loss")?;
    let w = opt_tensor(weight, "nll_loss")?;
    wrap(
        py,
        agnn::nll_loss(
            &x,
            &t,
            w.as_ref(),
            Reduction::parse(reduction)?,
            ignore_index,
        )?,
    )
}

#[pyfunction]
#[pyo3(name = "_mse_loss")]
fn mse_loss(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
    target: &Bound<'_, PyAny>,
    reduction: &str,
) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(input, "mse_loss")?;
    let t = tensor_arg(target, "mse_loss")?;
    wrap(py, agnn::mse_loss(&x, &t, Reduction::parse(reduction)?)?)
}

#[pyfunction]
#[pyo3(name = "_linear")]
fn linear(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
    weight: &Bound<'_, PyAny>,
    bias: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(input, "linear")?;
    let w = tensor_arg(weight, "linear")?;
    let b = opt_tensor(bias, "linear")?;
    wrap(py, agnn::linear(&x, &w, b.as_ref())?)
}

#[pyfunction]
#[pyo3(name = "_embedding", signature = (weight, indices, padding_idx=None, scale_grad_by_freq=false))]
fn embedding(
    py: Python<'_>,
    weight: &Bound<'_, PyAny>,
    indices: &Bound<'_, PyAny>,
    padding_idx: Option<i64>,
    scale_grad_by_freq: bool,
) -> PyResult<Py<PyAny>> {
    let w = tensor_arg(weight, "embedding")?;
    let i = tensor_arg(indices, "embedding")?;
    wrap(
        py,
        agnn::embedding(&w, &i, padding_idx, scale_grad_by_freq)?,
    )
}

/// An activation by name with up to three float parameters (see `Act::from_name`).
fn act(name: &str, a: f64, b: f64, c: f64) -> PyResult<Act> {
    Act::from_name(name, a, b, c)
        .ok_or_else(|| PyValueError::new_err(format!("unknown activation {}", name)))
}

#[pyfunction]
#[pyo3(name = "_activation", signature = (x, name, a=0.0, b=0.0, c=0.0, inplace=false))]
fn activation(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    name: &str,
    a: f64,
    b: f64,
    c: f64,
    inplace: bool,
) -> PyResult<Py<PyAny>> {
    let t = tensor_arg(x, name)?;
    let f = act(name, a, b, c)?;
    if inplace {
        agnn::activation_(&t, f)?;
        return Ok(x.clone().unbind());
    }
    wrap(py, agnn::activation(&t, f)?)
}

#[pyfunction]
#[pyo3(name = "_ctc_loss")]
fn ctc_loss(
    py: Python<'_>,
    log_probs: &Bound<'_, PyAny>,
    targets: &Bound<'_, PyAny>,
    input_lengths: Vec<i64>,
    target_lengths: Vec<i64>,
    blank: i64,
    zero_infinity: bool,
) -> PyResult<Py<PyAny>> {
    let lp = tensor_arg(log_probs, "ctc_loss")?;
    let t = tensor_arg(targets, "ctc_loss")?;
    wrap(
        py,
        agnn::ctc_loss(
            &lp,
            &t,
            &input_lengths,
            &target_lengths,
            blank,
            zero_infinity,
        )?,
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(softmax, m)?)?;
    m.add_function(wrap_pyfunction!(nll_loss, m)?)?;
    m.add_function(wrap_pyfunction!(mse_loss, m)?)?;
    m.add_function(wrap_pyfunction!(linear, m)?)?;
    m.add_function(wrap_pyfunction!(embedding, m)?)?;
    m.add_function(wrap_pyfunction!(activation, m)?)?;
    m.add_function(wrap_pyfunction!(ctc_loss, m)?)?;
    Ok(())
}
