//! `_C` primitives behind `interpolate` (`python/rtensor/nn/_interpolate.py`): a tap table of
//! one dim (`_ResampleTaps`, built once per plan and cached by the Python layer) and
//! `_resample`, which applies a chain of them as one PyTorch-named autograd node; the CPU
//! kernels of `grid_sample` (`_grid_sampler`, `_grid_sampler_backward`: the Python layer
//! records the node) and `pdist` (`_pdist`, one `PdistBackward0` node).

use crate::autograd::ops_resample::{self as agr, ResampleNames};
use crate::ops::resample as rs;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use crate::spec::resample::{GridArgs, GridMode, GridPadding, Taps, TapsPair};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::Arc;

/// The taps of one dim: `rows` rows of `k` input positions (`idx`, row-major; a negative
/// position is a padded tap that reads nothing) with their weights (`w`, or `None` for a copy:
/// `k == 1`, every weight one) over an input dim of length `n_in`.
#[pyclass(name = "_ResampleTaps", module = "rtensor._C", frozen)]
pub struct PyResampleTaps {
    t: Arc<TapsPair>,
}

#[pymethods]
impl PyResampleTaps {
    #[new]
    #[pyo3(signature = (n_in, k, idx, w=None))]
    fn new(n_in: usize, k: usize, idx: Vec<i64>, w: Option<Vec<f64>>) -> PyResult<Self> {
        let t = Taps::from_rows(n_in, k, &idx, w.as_deref()).ok_or_else(|| {
            PyValueError::new_err(
                "_ResampleTaps: indices must lie in [0, n_in) (or be negative for padding), \
                 rows must have k entries, weights one per index (none only for k == 1)",
            )
        })?;
        Ok(PyResampleTaps {
            t: Arc::new(TapsPair::new(t)),
        })
    }

    /// Output length of the dim.
    #[getter]
    fn n_out(&self) -> usize {
        self.t.fwd.n_out()
    }
}

/// `x` resampled along each `(dim, taps)` of `plan` in order, recorded as `node` (its backward
/// under `create_graph=True` as `double`, with an edge to `x` too when `double_self`).
#[pyfunction]
#[pyo3(name = "_resample")]
fn resample(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    plan: Vec<(usize, Bound<'_, PyResampleTaps>)>,
    node: String,
    double: String,
    double_self: bool,
) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(x, "_resample")?;
    let plan: Vec<_> = plan.iter().map(|(d, t)| (*d, t.get().t.clone())).collect();
    let names = ResampleNames {
        node,
        double,
        double_self,
        op: "resample",
    };
    wrap(py, agr::resample(&x, Arc::new(plan), Arc::new(names))?)
}

/// `grid_sample`'s arguments as the kernels take them (the Python layer checked the names).
fn grid_args(mode: &str, padding: &str, align_corners: bool) -> PyResult<GridArgs> {
    let mode = match mode {
        "bilinear" => GridMode::Bilinear,
        "nearest" => GridMode::Nearest,
        "bicubic" => GridMode::Bicubic,
        _ => {
            return Err(PyValueError::new_err(format!(
                "grid_sampler: unknown mode '{mode}'"
            )));
        }
    };
    let padding = match padding {
        "zeros" => GridPadding::Zeros,
        "border" => GridPadding::Border,
        "reflection" => GridPadding::Reflection,
        _ => {
            return Err(PyValueError::new_err(format!(
                "grid_sampler: unknown padding_mode '{padding}'"
            )));
        }
    };
    Ok(GridArgs {
        mode,
        padding,
        align_corners,
        nd: 0,
        n: 0,
        c: 0,
        inp: [1; 3],
        points: 0,
    })
}

/// `grid_sample(x, grid)` on the CPU, without history (the Python layer records the node).
#[pyfunction]
#[pyo3(name = "_grid_sampler")]
fn grid_sampler(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    grid: &Bound<'_, PyAny>,
    mode: &str,
    padding_mode: &str,
    align_corners: bool,
) -> PyResult<Py<PyAny>> {
    let a = grid_args(mode, padding_mode, align_corners)?;
    let (x, grid) = (
        tensor_arg(x, "grid_sampler")?,
        tensor_arg(grid, "grid_sampler")?,
    );
    let op = if x.ndim() == 5 {
        "grid_sampler3d_cpu"
    } else {
        "grid_sampler_2d_cpu"
    };
    wrap(py, rs::grid_sample(&x, &grid, a, op)?)
}

/// The gradients of `grid_sample` for the output gradient `g`: (input's or None, grid's or
/// None), as asked for.
#[pyfunction]
#[pyo3(name = "_grid_sampler_backward")]
#[allow(clippy::too_many_arguments)]
fn grid_sampler_backward(
    py: Python<'_>,
    g: &Bound<'_, PyAny>,
    x: &Bound<'_, PyAny>,
    grid: &Bound<'_, PyAny>,
    mode: &str,
    padding_mode: &str,
    align_corners: bool,
    input_grad: bool,
    grid_grad: bool,
) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let a = grid_args(mode, padding_mode, align_corners)?;
    let g = tensor_arg(g, "grid_sampler_backward")?;
    let x = tensor_arg(x, "grid_sampler_backward")?;
    let grid = tensor_arg(grid, "grid_sampler_backward")?;
    let (gx, gg) = rs::grid_sample_backward(
        &g,
        &x,
        &grid,
        a,
        input_grad,
        grid_grad,
        "grid_sampler_backward",
    )?;
    let opt = |t: Option<crate::tensor::Tensor>| -> PyResult<Py<PyAny>> {
        match t {
            Some(t) => wrap(py, t),
            None => Ok(py.None()),
        }
    };
    Ok((opt(gx)?, opt(gg)?))
}

/// `pdist(x, p)` (the CPU kernel, or the GPU's for float32), recorded as `PdistBackward0`.
#[pyfunction]
#[pyo3(name = "_pdist")]
fn pdist(py: Python<'_>, x: &Bound<'_, PyAny>, p: f64) -> PyResult<Py<PyAny>> {
    let x = tensor_arg(x, "pdist")?;
    wrap(py, agr::pdist(&x, p)?)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyResampleTaps>()?;
    m.add_function(wrap_pyfunction!(resample, m)?)?;
    m.add_function(wrap_pyfunction!(grid_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(grid_sampler_backward, m)?)?;
    m.add_function(wrap_pyfunction!(pdist, m)?)?;
    Ok(())
}
