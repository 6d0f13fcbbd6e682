//! Module-level functions of `rtensor._C`: factories, joins, and global settings. Function
//! forms of Tensor methods (`rtensor.add`) are generated in Python from the methods.

use crate::autograd::ops as ag;
use crate::backend::cpu::threads;
use crate::dtype::{DType, Scalar};
use crate::ops::elementwise::{self as ew, Operand};
use crate::ops::{create, default_float, set_default_float};
use crate::python::convert::*;
use crate::python::tensor::{PyTensor, wrap};
use crate::tensor::Tensor;
use numpy::PyUntypedArray;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PySequence, PyTuple};

fn tensors(seq: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Tensor>> {
    let s = seq.cast::<PySequence>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{}(): argument 'tensors' must be tuple of Tensors, not {}",
            what,
            seq.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    let mut v = vec![];
    for (i, item) in s.try_iter()?.enumerate() {
        let item = item?;
        v.push(item.cast::<PyTensor>().map(|t| t.get().t()).map_err(|_| {
            PyTypeError::new_err(format!(
                "expected Tensor as element {} in argument 0, but got {}",
                i,
                item.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?);
    }
    Ok(v)
}

#[pyfunction]
#[pyo3(signature = (data, dtype=None))]
fn tensor(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    wrap(py, tensor_from_data(data, dtype_arg(dtype)?)?)
}

#[pyfunction]
#[pyo3(name = "from_numpy")]
fn from_numpy_(py: Python<'_>, arr: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let a = arr.cast::<PyUntypedArray>().map_err(|_| {
        PyTypeError::new_err(format!(
            "expected np.ndarray (got {})",
            arr.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    wrap(py, crate::python::convert::from_numpy(a)?)
}

#[pyfunction]
#[pyo3(signature = (shape, value, dtype=None))]
fn full(
    py: Python<'_>,
    shape: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let s = shape_arg(&PyTuple::new(py, [shape])?)?;
    let v = match to_operand(value)? {
        Some(Operand::Scalar(s)) => s,
        Some(Operand::Tensor(t)) if t.numel() == 1 => t.item()?,
        _ => {
            return Err(PyTypeError::new_err(
                "full(): argument 'fill_value' must be Number",
            ));
        }
    };
    let d = dtype_arg(dtype)?.unwrap_or(v.natural_dtype(default_float()));
    wrap(py, create::try_full(&s, v, d)?)
}

#[pyfunction]
#[pyo3(signature = (*size, dtype=None))]
fn zeros(
    py: Python<'_>,
    size: &Bound<'_, PyTuple>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let d = dtype_arg(dtype)?.unwrap_or(default_float());
    wrap(py, create::try_zeros(&shape_arg(size)?, d)?)
}

#[pyfunction]
#[pyo3(signature = (*size, dtype=None))]
fn ones(
    py: Python<'_>,
    size: &Bound<'_, PyTuple>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let d = dtype_arg(dtype)?.unwrap_or(default_float());
    wrap(py, create::try_full(&shape_arg(size)?, Scalar::Int(1), d)?)
}

#[pyfunction]
#[pyo3(signature = (start, end, step, dtype=None))]
fn arange(
    py: Python<'_>,
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    step: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let num = |o: &Bound<'_, PyAny>| -> PyResult<Scalar> {
        match to_operand(o)? {
            Some(Operand::Scalar(s)) => Ok(s),
            Some(Operand::Tensor(t)) if t.numel() == 1 => Ok(t.item()?),
            _ => Err(PyTypeError::new_err("arange(): arguments must be numbers")),
        }
    };
    let (s, e, st) = (num(start)?, num(end)?, num(step)?);
    let natural = if [s, e, st].iter().any(|v| matches!(v, Scalar::Float(_))) {
        default_float()
    } else {
        DType::I64
    };
    let d = dtype_arg(dtype)?.unwrap_or(natural);
    wrap(py, create::arange(s, e, st, d)?)
}

#[pyfunction]
#[pyo3(signature = (start, end, steps, dtype=None))]
fn linspace(
    py: Python<'_>,
    start: f64,
    end: f64,
    steps: i64,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let d = dtype_arg(dtype)?.unwrap_or(default_float());
    wrap(py, create::linspace(start, end, steps, d)?)
}

#[pyfunction]
#[pyo3(signature = (start, end, steps, base=10.0, dtype=None))]
fn logspace(
    py: Python<'_>,
    start: f64,
    end: f64,
    steps: i64,
    base: f64,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let d = dtype_arg(dtype)?.unwrap_or(default_float());
    wrap(py, create::logspace(start, end, steps, base, d)?)
}

#[pyfunction]
#[pyo3(signature = (n, m=None, dtype=None))]
fn eye(
    py: Python<'_>,
    n: i64,
    m: Option<i64>,
    dtype: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let m = m.unwrap_or(n);
    if n < 0 || m < 0 {
        return Err(crate::error::Error::Runtime(format!(
            "n must be greater or equal to 0, got {}",
            n.min(m)
        ))
        .into());
    }
    let d = dtype_arg(dtype)?.unwrap_or(default_float());
    wrap(py, create::eye(n as usize, m as usize, d)?)
}

#[pyfunction]
#[pyo3(signature = (tensors_, dim=0))]
fn cat(py: Python<'_>, tensors_: &Bound<'_, PyAny>, dim: i64) -> PyResult<Py<PyAny>> {
    wrap(py, ag::cat(&tensors(tensors_, "cat")?, dim)?)
}

#[pyfunction]
#[pyo3(signature = (tensors_, dim=0))]
fn stack(py: Python<'_>, tensors_: &Bound<'_, PyAny>, dim: i64) -> PyResult<Py<PyAny>> {
    wrap(py, ag::stack(&tensors(tensors_, "stack")?, dim)?)
}

#[pyfunction]
fn hstack(py: Python<'_>, tensors_: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let ts: Vec<Tensor> = tensors(tensors_, "hstack")?
        .iter()
        .map(|t| {
            if t.ndim() == 0 {
                ag::reshape(t, &[1])
            } else {
                Ok(t.clone())
            }
        })
        .collect::<Result<_, _>>()?;
    let dim = if ts.iter().all(|t| t.ndim() == 1) {
        0
    } else {
        1
    };
    wrap(py, ag::cat(&ts, dim)?)
}

#[pyfunction]
fn vstack(py: Python<'_>, tensors_: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let ts: Vec<Tensor> = tensors(tensors_, "vstack")?
        .iter()
        .map(|t| match t.ndim() {
            0 => ag::reshape(t, &[1, 1]),
            1 => ag::unsqueeze(t, 0),
            _ => Ok(t.clone()),
        })
        .collect::<Result<_, _>>()?;
    wrap(py, ag::cat(&ts, 0)?)
}

#[pyfunction]
#[pyo3(name = "where")]
fn where_(
    py: Python<'_>,
    cond: &Bound<'_, PyAny>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let c = tensor_arg(cond, "where")?;
    wrap(
        py,
        ag::where_(&c, &operand_arg(a, "where")?, &operand_arg(b, "where")?)?,
    )
}

#[pyfunction]
#[pyo3(signature = (equation, *operands))]
fn einsum(py: Python<'_>, equation: &str, operands: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
    let ops = if operands.len() == 1 && !operands.get_item(0)?.is_instance_of::<PyTensor>() {
        tensors(&operands.get_item(0)?, "einsum")?
    } else {
        tensors(operands.as_any(), "einsum")?
    };
    wrap(py, crate::autograd::ops::einsum(equation, &ops)?)
}

/// Dtype a binary op of these operands produces (`torch.result_type`).
#[pyfunction]
fn result_type(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<PyDType> {
    Ok(PyDType {
        d: ew::result_type(
            &operand_arg(a, "result_type")?,
            &operand_arg(b, "result_type")?,
        ),
    })
}

#[pyfunction]
fn promote_types(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<PyDType> {
    Ok(PyDType {
        d: DType::promote(to_dtype(a)?, to_dtype(b)?),
    })
}

#[pyfunction]
fn can_cast(from_: &Bound<'_, PyAny>, to: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(ew::can_cast(to_dtype(from_)?, to_dtype(to)?))
}

#[pyfunction]
fn set_num_threads(n: i64) -> PyResult<()> {
    if n <= 0 {
        return Err(PyValueError::new_err("Number of threads must be positive"));
    }
    threads::set_num_threads(n as usize);
    Ok(())
}

#[pyfunction]
fn get_num_threads() -> usize {
    threads::get_num_threads()
}

#[pyfunction]
fn get_default_dtype() -> PyDType {
    PyDType { d: default_float() }
}

#[pyfunction]
fn set_default_dtype(d: &Bound<'_, PyAny>) -> PyResult<()> {
    let d = to_dtype(d)?;
    if !d.is_float() {
        return Err(PyTypeError::new_err(
            "only floating-point types are supported as the default type",
        ));
    }
    set_default_float(d);
    Ok(())
}

/// The op registry (`spec::registry`): one dict per op with its name, kind, grad_fn and the
/// Python forms the package generates from it.
#[pyfunction]
fn _op_registry(py: Python<'_>) -> PyResult<Vec<Py<PyAny>>> {
    crate::spec::registry()
        .into_iter()
        .map(|r| {
            let d = pyo3::types::PyDict::new(py);
            d.set_item("name", r.name)?;
            d.set_item("kind", r.kind)?;
            d.set_item("grad_fn", r.grad_fn)?;
            d.set_item("py_forms", r.py_forms)?;
            Ok(d.into_any().unbind())
        })
        .collect()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_op_registry, m)?)?;
    m.add_function(wrap_pyfunction!(tensor, m)?)?;
    m.add_function(wrap_pyfunction!(from_numpy_, m)?)?;
    m.add_function(wrap_pyfunction!(full, m)?)?;
    m.add_function(wrap_pyfunction!(zeros, m)?)?;
    m.add_function(wrap_pyfunction!(ones, m)?)?;
    m.add_function(wrap_pyfunction!(arange, m)?)?;
    m.add_function(wrap_pyfunction!(linspace, m)?)?;
    m.add_function(wrap_pyfunction!(logspace, m)?)?;
    m.add_function(wrap_pyfunction!(eye, m)?)?;
    m.add_function(wrap_pyfunction!(cat, m)?)?;
    m.add_function(wrap_pyfunction!(stack, m)?)?;
    m.add_function(wrap_pyfunction!(hstack, m)?)?;
    m.add_function(wrap_pyfunction!(vstack, m)?)?;
    m.add_function(wrap_pyfunction!(where_, m)?)?;
    m.add_function(wrap_pyfunction!(einsum, m)?)?;
    m.add_function(wrap_pyfunction!(result_type, m)?)?;
    m.add_function(wrap_pyfunction!(promote_types, m)?)?;
    m.add_function(wrap_pyfunction!(can_cast, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_default_dtype, m)?)?;
    m.add_function(wrap_pyfunction!(set_default_dtype, m)?)?;
    Ok(())
}
