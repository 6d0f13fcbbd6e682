//! `_C._convolution`: the native convolution behind `F.conv1d/2d/3d`,
//! `F.conv_transpose1d/2d/3d` and the `nn.Conv*` modules (their argument handling and ATen's
//! messages live in `python/rtensor/nn/functional.py`).

use crate::autograd::ops_conv;
use crate::ops::conv::ConvArgs;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

fn sizes(v: &[i64], what: &str, min: i64) -> PyResult<Vec<usize>> {
    v.iter()
        .map(|&x| {
            if x < min {
                Err(PyRuntimeError::new_err(format!(
                    "convolution: {} must be at least {}, but got {:?}",
                    what, min, v
                )))
            } else {
                Ok(x as usize)
            }
        })
        .collect()
}

/// ATen's `convolution(input, weight, bias, stride, padding, dilation, transposed,
/// output_padding, groups)` for batched input and symmetric padding.
#[pyfunction]
#[pyo3(name = "_convolution")]
#[allow(clippy::too_many_arguments)]
fn convolution(
    py: Python<'_>,
    input: &Bound<'_, PyAny>,
    weight: &Bound<'_, PyAny>,
    bias: Option<&Bound<'_, PyAny>>,
    stride: Vec<i64>,
    padding: Vec<i64>,
    dilation: Vec<i64>,
    transposed: bool,
    output_padding: Vec<i64>,
    groups: i64,
) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(input, "convolution")?;
    let w = tensor_arg(weight, "convolution")?;
    let b = match bias {
        Some(v) if !v.is_none() => Some(tensor_arg(v, "convolution")?),
        _ => None,
    };
    let args = ConvArgs {
        stride: sizes(&stride, "stride", 1)?,
        padding: sizes(&padding, "padding", 0)?,
        dilation: sizes(&dilation, "dilation", 1)?,
        groups: sizes(&[groups], "groups", 1)?[0],
    };
    let op = sizes(&output_padding, "output_padding", 0)?;
    let out = py.detach(|| ops_conv::convolution(&x, &w, b.as_ref(), &args, transposed, &op))?;
    wrap(py, out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(convolution, m)?)?;
    Ok(())
}
