//! `_C` primitives behind the pooling functions of `rtensor.nn.functional` (the Python layer
//! expands int arguments to tuples, checks their lengths, and runs 1-d pooling through the 2-d
//! ops). `nd` is 2 or 3. The max forms return (values, indices), the indices `None` unless
//! `return_indices` (they are computed only when returned or needed by the backward).

use crate::autograd::ops_pool::{self as agp, PoolNames};
use crate::ops::pool::{self, PoolArgs};
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use crate::tensor::Tensor;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// (values, indices or None).
fn pair(py: Python<'_>, (out, idx): (Tensor, Option<Tensor>)) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let idx = match idx {
        Some(i) => wrap(py, i)?,
        None => py.None(),
    };
    Ok((wrap(py, out)?, idx))
}

fn check_nd(nd: usize) -> PyResult<()> {
    if nd == 2 || nd == 3 {
        Ok(())
    } else {
        Err(PyValueError::new_err("pooling: nd must be 2 or 3"))
    }
}

fn check_len(name: &str, v: &[i64], nd: usize) -> PyResult<()> {
    if v.len() == nd {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "{}: {} must have {} elements",
            name,
            if v.is_empty() { "argument" } else { "tuple" },
            nd
        )))
    }
}

#[pyfunction]
#[pyo3(name = "_max_pool")]
#[allow(clippy::too_many_arguments)]
fn max_pool(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    nd: usize,
    kernel: Vec<i64>,
    stride: Vec<i64>,
    padding: Vec<i64>,
    dilation: Vec<i64>,
    ceil_mode: bool,
    return_indices: bool,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    check_nd(nd)?;
    for v in [&kernel, &stride, &padding, &dilation] {
        check_len("max_pool", v, nd)?;
    }
    let x = tensor_arg(x, "max_pool")?;
    let a = PoolArgs {
        nd,
        kernel: &kernel,
        stride: &stride,
        padding: &padding,
        dilation: &dilation,
        ceil_mode,
    };
    let w = pool::max_pool_windows(&x, &a)?;
    let names = if nd == 2 {
        PoolNames {
            node: "MaxPool2DWithIndicesBackward0",
            double: "MaxPool2DWithIndicesBackwardBackward0",
            kernel: "max_pool2d",
        }
    } else {
        PoolNames {
            node: "MaxPool3DWithIndicesBackward0",
            double: "MaxPool3DWithIndicesBackwardBackward0",
            kernel: "max_pool3d",
        }
    };
    pair(py, agp::max_pool(&x, w, nd, names, return_indices)?)
}

#[pyfunction]
#[pyo3(name = "_avg_pool")]
#[allow(clippy::too_many_arguments)]
fn avg_pool(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    nd: usize,
    kernel: Vec<i64>,
    stride: Vec<i64>,
    padding: Vec<i64>,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Option<i64>,
) -> PyResult<Py<PyAny>> {
    check_nd(nd)?;
    for v in [&kernel, &stride, &padding] {
        check_len("avg_pool", v, nd)?;
    }
    let x = tensor_arg(x, "avg_pool")?;
    let ones = vec![1i64; nd];
    let a = PoolArgs {
        nd,
        kernel: &kernel,
        stride: &stride,
        padding: &padding,
        dilation: &ones,
        ceil_mode,
    };
    let w = pool::avg_pool_windows(&x, &a, count_include_pad, divisor_override)?;
    let names = if nd == 2 {
        PoolNames {
            node: "AvgPool2DBackward0",
            double: "AvgPool2DBackwardBackward0",
            kernel: "avg_pool2d",
        }
    } else {
        PoolNames {
            node: "AvgPool3DBackward0",
            double: "AvgPool3DBackwardBackward0",
            kernel: "avg_pool3d",
        }
    };
    wrap(py, agp::avg_pool(&x, w, nd, names)?)
}

#[pyfunction]
#[pyo3(name = "_adaptive_avg_pool")]
fn adaptive_avg_pool(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    nd: usize,
    output_size: Vec<i64>,
) -> PyResult<Py<PyAny>> {
    check_nd(nd)?;
    let x = tensor_arg(x, "adaptive_avg_pool")?;
    let w = pool::adaptive_windows(&x, nd, &output_size, false)?;
    let names = if nd == 2 {
        PoolNames {
            node: "AdaptiveAvgPool2DBackward0",
            double: "AdaptiveAvgPool2DBackwardBackward0",
            kernel: "adaptive_avg_pool2d",
        }
    } else {
        PoolNames {
            node: "AdaptiveAvgPool3DBackward0",
            double: "AdaptiveAvgPool3DBackwardBackward0",
            kernel: "adaptive_avg_pool3d",
        }
    };
    wrap(py, agp::avg_pool(&x, w, nd, names)?)
}

#[pyfunction]
#[pyo3(name = "_adaptive_max_pool")]
fn adaptive_max_pool(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    nd: usize,
    output_size: Vec<i64>,
    return_indices: bool,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    check_nd(nd)?;
    let x = tensor_arg(x, "adaptive_max_pool")?;
    let w = pool::adaptive_windows(&x, nd, &output_size, true)?;
    let names = if nd == 2 {
        PoolNames {
            node: "AdaptiveMaxPool2DBackward0",
            double: "AdaptiveMaxPool2DBackwardBackward0",
            kernel: "adaptive_max_pool2d",
        }
    } else {
        PoolNames {
            node: "AdaptiveMaxPool3DBackward0",
            double: "AdaptiveMaxPool3DBackwardBackward0",
            kernel: "adaptive_max_pool3d",
        }
    };
    pair(py, agp::max_pool(&x, w, nd, names, return_indices)?)
}

#[pyfunction]
#[pyo3(name = "_fractional_max_pool")]
fn fractional_max_pool(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    nd: usize,
    kernel: Vec<i64>,
    output_size: Vec<i64>,
    samples: &Bound<'_, PyAny>,
    return_indices: bool,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    check_nd(nd)?;
    check_len("fractional_max_pool", &kernel, nd)?;
    check_len("fractional_max_pool", &output_size, nd)?;
    let x = tensor_arg(x, "fractional_max_pool")?;
    let s = tensor_arg(samples, "fractional_max_pool")?;
    let w = pool::fractional_windows(&x, nd, &kernel, &output_size, &s)?;
    let names = if nd == 2 {
        PoolNames {
            node: "FractionalMaxPool2DBackward0",
            double: "FractionalMaxPool2DBackwardBackward0",
            kernel: "fractional_max_pool2d",
        }
    } else {
        PoolNames {
            node: "FractionalMaxPool3DBackward0",
            double: "FractionalMaxPool3DBackwardBackward0",
            kernel: "fractional_max_pool3d",
        }
    };
    pair(py, agp::max_pool(&x, w, nd, names, return_indices)?)
}

#[pyfunction]
#[pyo3(name = "_max_unpool")]
fn max_unpool(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    indices: &Bound<'_, PyAny>,
    nd: usize,
    output_size: Vec<i64>,
) -> PyResult<Py<PyAny>> {
    check_nd(nd)?;
    let x = tensor_arg(x, "max_unpool")?;
    let i = tensor_arg(indices, "max_unpool")?;
    wrap(py, agp::max_unpool(&x, &i, nd, &output_size)?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(max_pool, m)?)?;
    m.add_function(wrap_pyfunction!(avg_pool, m)?)?;
    m.add_function(wrap_pyfunction!(adaptive_avg_pool, m)?)?;
    m.add_function(wrap_pyfunction!(adaptive_max_pool, m)?)?;
    m.add_function(wrap_pyfunction!(fractional_max_pool, m)?)?;
    m.add_function(wrap_pyfunction!(max_unpool, m)?)?;
    Ok(())
}
