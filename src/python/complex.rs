//! `_C` primitives behind the complex-number functions of `python/rtensor/_complex.py`:
//! the differentiable (re, im) views and the ops composed on them (`autograd/ops_complex.rs`).

use crate::autograd::ops_complex as cx;
use crate::python::convert::tensor_arg;
use crate::python::tensor::wrap;
use pyo3::prelude::*;

type Obj = Py<PyAny>;

#[pyfunction]
#[pyo3(name = "view_as_real")]
fn view_as_real(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Obj> {
    wrap(py, cx::view_as_real(&tensor_arg(input, "view_as_real")?)?)
}

#[pyfunction]
#[pyo3(name = "view_as_complex")]
fn view_as_complex(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Obj> {
    wrap(
        py,
        cx::view_as_complex(&tensor_arg(input, "view_as_complex")?)?,
    )
}

/// `torch.complex(real, imag)`.
#[pyfunction]
#[pyo3(name = "_complex")]
fn complex(py: Python<'_>, real: &Bound<'_, PyAny>, imag: &Bound<'_, PyAny>) -> PyResult<Obj> {
    let (re, im) = (tensor_arg(real, "complex")?, tensor_arg(imag, "complex")?);
    if re.dtype() != im.dtype() {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "Expected object of scalar type {} but got scalar type {} for second argument",
            crate::spec::elementwise::type_title(re.dtype()),
            crate::spec::elementwise::type_title(im.dtype())
        )));
    }
    wrap(py, cx::complex(&re, &im)?)
}

/// The real (0) or imaginary (1) part of a complex tensor, as a differentiable view.
#[pyfunction]
#[pyo3(name = "_complex_part")]
fn complex_part(py: Python<'_>, input: &Bound<'_, PyAny>, part: i64) -> PyResult<Obj> {
    wrap(py, cx::part(&tensor_arg(input, "real")?, part)?)
}

#[pyfunction]
#[pyo3(name = "_conj_physical")]
fn conj_physical(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Obj> {
    wrap(py, cx::conj(&tensor_arg(input, "conj_physical")?)?)
}

#[pyfunction]
#[pyo3(name = "_complex_sgn")]
fn sgn(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Obj> {
    wrap(py, cx::sgn(&tensor_arg(input, "sgn")?)?)
}

#[pyfunction]
#[pyo3(name = "_complex_angle")]
fn angle(py: Python<'_>, input: &Bound<'_, PyAny>) -> PyResult<Obj> {
    wrap(py, cx::angle(&tensor_arg(input, "angle")?)?)
}

fn dims(v: Vec<i64>, ndim: usize) -> PyResult<Vec<usize>> {
    v.into_iter()
        .map(|d| Ok(crate::shape::wrap_dim(d, ndim)?))
        .collect()
}

/// `_fft_c2c(x, dims, norm, forward)`: PyTorch's primitive (no autograd; `fft.py` records it).
#[pyfunction]
#[pyo3(name = "_fft_c2c")]
fn fft_c2c(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    dim: Vec<i64>,
    norm: i64,
    forward: bool,
) -> PyResult<Obj> {
    let x = tensor_arg(x, "fft")?.detach();
    let d = dims(dim, x.ndim())?;
    wrap(
        py,
        py.detach(|| crate::ops::fft::c2c(&x, &d, norm, forward))?,
    )
}

#[pyfunction]
#[pyo3(name = "_fft_r2c")]
fn fft_r2c(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    dim: Vec<i64>,
    norm: i64,
    onesided: bool,
) -> PyResult<Obj> {
    let x = tensor_arg(x, "fft")?.detach();
    let d = dims(dim, x.ndim())?;
    wrap(
        py,
        py.detach(|| crate::ops::fft::r2c(&x, &d, norm, onesided))?,
    )
}

#[pyfunction]
#[pyo3(name = "_fft_c2r")]
fn fft_c2r(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    dim: Vec<i64>,
    norm: i64,
    last_dim_size: usize,
) -> PyResult<Obj> {
    let x = tensor_arg(x, "fft")?.detach();
    let d = dims(dim, x.ndim())?;
    wrap(
        py,
        py.detach(|| crate::ops::fft::c2r(&x, &d, norm, last_dim_size))?,
    )
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fft_c2c, m)?)?;
    m.add_function(wrap_pyfunction!(fft_r2c, m)?)?;
    m.add_function(wrap_pyfunction!(fft_c2r, m)?)?;
    m.add_function(wrap_pyfunction!(view_as_real, m)?)?;
    m.add_function(wrap_pyfunction!(view_as_complex, m)?)?;
    m.add_function(wrap_pyfunction!(complex, m)?)?;
    m.add_function(wrap_pyfunction!(complex_part, m)?)?;
    m.add_function(wrap_pyfunction!(conj_physical, m)?)?;
    m.add_function(wrap_pyfunction!(sgn, m)?)?;
    m.add_function(wrap_pyfunction!(angle, m)?)?;
    Ok(())
}
