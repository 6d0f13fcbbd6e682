//! `_C._rnn_layer`: one layer and direction of `nn.RNN`/`LSTM`/`GRU` (NOTE [native recurrent
//! layer] in `ops/rnn.rs`); `nn/_recurrent.py` stacks layers and directions.

use crate::autograd::ops_rnn as agr;
use crate::ops::rnn::{Mode, Weights};
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn opt(o: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<crate::tensor::Tensor>> {
    match o {
        Some(o) if !o.is_none() => Ok(Some(tensor_arg(o, what)?)),
        _ => Ok(None),
    }
}

/// Returns (out (N, P), or viewed as `out_shape`, h_n (B, P), c_n (B, H) or None).
#[pyfunction]
#[pyo3(name = "_rnn_layer")]
#[pyo3(signature = (mode, x, batch_sizes, w_ih, w_hh, b_ih, b_hh, w_hr, h0, c0, reverse, out_shape=None))]
#[allow(clippy::too_many_arguments)]
fn rnn_layer(
    py: Python<'_>,
    mode: &str,
    x: &Bound<'_, PyAny>,
    batch_sizes: Vec<i64>,
    w_ih: &Bound<'_, PyAny>,
    w_hh: &Bound<'_, PyAny>,
    b_ih: Option<&Bound<'_, PyAny>>,
    b_hh: Option<&Bound<'_, PyAny>>,
    w_hr: Option<&Bound<'_, PyAny>>,
    h0: &Bound<'_, PyAny>,
    c0: Option<&Bound<'_, PyAny>>,
    reverse: bool,
    out_shape: Option<Vec<i64>>,
) -> PyResult<(Py<PyAny>, Py<PyAny>, Py<PyAny>)> {
    let op = "_rnn_layer";
    let mode = Mode::parse(mode)?;
    let bs = batch_sizes
        .iter()
        .map(|&b| usize::try_from(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| PyValueError::new_err(format!("{op}: batch_sizes must be non-negative")))?;
    let w = Weights {
        w_ih: tensor_arg(w_ih, op)?,
        w_hh: tensor_arg(w_hh, op)?,
        b_ih: opt(b_ih, op)?,
        b_hh: opt(b_hh, op)?,
        w_hr: opt(w_hr, op)?,
    };
    let x = tensor_arg(x, op)?;
    let h0 = tensor_arg(h0, op)?;
    let c0 = opt(c0, op)?;
    let (out, h_n, c_n) = agr::rnn_layer(
        mode,
        &x,
        &bs,
        &w,
        &h0,
        c0.as_ref(),
        reverse,
        out_shape.as_deref(),
    )?;
    let c_n = match c_n {
        Some(c) => wrap(py, c)?,
        None => py.None(),
    };
    Ok((wrap(py, out)?, wrap(py, h_n)?, c_n))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(rnn_layer, m)?)?;
    Ok(())
}
