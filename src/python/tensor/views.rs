//! Shape and view methods (`view`, `reshape`, `transpose`, `squeeze`, `split`...) and the
//! rearranging ones that copy (`flip`, `roll`, `tril`/`triu`, `diag`, `tile`).

use super::{PyTensor, wrap, wrap_list};
use crate::autograd::ops as ag;
use crate::ops::view;
use crate::python::convert::*;
use crate::tensor::Tensor;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

#[pymethods]
impl PyTensor {
    // ----- views -----
    #[pyo3(signature = (*shape))]
    fn view(&self, py: Python<'_>, shape: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        if shape.len() == 1 {
            let a = shape.get_item(0)?;
            if a.cast::<PyDType>().is_ok()
                || a.hasattr("is_floating_point")?
                    && !a.is_instance_of::<PyTensor>()
                    && !a.is_instance_of::<PyTuple>()
                    && !a.is_instance_of::<PyList>()
            {
                // view(dtype) reinterprets bits; only the same-size case without copying.
                let d = to_dtype(&a)?;
                let t = self.t();
                if d.size() != t.dtype().size() {
                    return Err(PyRuntimeError::new_err(
                        "view(dtype): only dtypes of the same element size are supported",
                    ));
                }
                return wrap(
                    py,
                    Tensor::from_parts(t.storage().clone(), t.layout().clone(), d),
                );
            }
        }
        wrap(py, ag::view(&self.t(), &sizes_arg(shape)?)?)
    }
    #[pyo3(signature = (*shape))]
    fn reshape(&self, py: Python<'_>, shape: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::reshape(&self.t(), &sizes_arg(shape)?)?)
    }
    fn transpose(&self, py: Python<'_>, dim0: i64, dim1: i64) -> PyResult<Py<PyAny>> {
        wrap(py, ag::transpose(&self.t(), dim0, dim1)?)
    }
    fn t_(&self) -> PyResult<()> {
        let r = ag::t(&self.t())?;
        self.set(r);
        Ok(())
    }
    fn _t(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::t(&self.t())?)
    }
    #[pyo3(signature = (*dims))]
    fn permute(&self, py: Python<'_>, dims: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::permute(&self.t(), &sizes_arg(dims)?)?)
    }
    #[pyo3(signature = (*sizes))]
    fn expand(&self, py: Python<'_>, sizes: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::expand(&self.t(), &sizes_arg(sizes)?)?)
    }
    #[pyo3(signature = (*sizes))]
    fn repeat(&self, py: Python<'_>, sizes: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::repeat(&self.t(), &sizes_arg(sizes)?)?)
    }
    #[pyo3(signature = (dim=None))]
    fn squeeze(&self, py: Python<'_>, dim: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(py, ag::squeeze(&self.t(), d.as_deref())?)
    }
    fn unsqueeze(&self, py: Python<'_>, dim: i64) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unsqueeze(&self.t(), dim)?)
    }
    #[pyo3(signature = (dim=None))]
    fn squeeze_(slf: &Bound<'_, Self>, dim: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        let r = ag::squeeze(&slf.get().t(), d.as_deref())?;
        slf.get().set(r);
        Ok(slf.clone().into_any().unbind())
    }
    fn unsqueeze_(slf: &Bound<'_, Self>, dim: i64) -> PyResult<Py<PyAny>> {
        let r = ag::unsqueeze(&slf.get().t(), dim)?;
        slf.get().set(r);
        Ok(slf.clone().into_any().unbind())
    }
    #[pyo3(signature = (start_dim=0, end_dim=-1))]
    fn flatten(&self, py: Python<'_>, start_dim: i64, end_dim: i64) -> PyResult<Py<PyAny>> {
        wrap(py, ag::flatten(&self.t(), start_dim, end_dim)?)
    }
    fn unflatten(&self, py: Python<'_>, dim: i64, sizes: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unflatten(&self.t(), dim, &int_list(sizes)?)?)
    }
    fn narrow(
        &self,
        py: Python<'_>,
        dim: i64,
        start: &Bound<'_, PyAny>,
        length: i64,
    ) -> PyResult<Py<PyAny>> {
        let s: i64 = match start.cast::<PyTensor>() {
            Ok(t) => t.get().t().item()?.to_i64(),
            Err(_) => start.extract()?,
        };
        wrap(py, ag::narrow(&self.t(), dim, s, length)?)
    }
    fn unfold(&self, py: Python<'_>, dimension: i64, size: i64, step: i64) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unfold(&self.t(), dimension, size, step)?)
    }
    fn select(&self, py: Python<'_>, dim: i64, index: i64) -> PyResult<Py<PyAny>> {
        wrap(py, ag::select(&self.t(), dim, index)?)
    }
    #[pyo3(signature = (split_size_or_sections, dim=0))]
    fn split(
        &self,
        py: Python<'_>,
        split_size_or_sections: &Bound<'_, PyAny>,
        dim: i64,
    ) -> PyResult<Py<PyAny>> {
        let t = self.t();
        let parts = if let Ok(n) = split_size_or_sections.extract::<i64>() {
            ag::split(&t, n, dim)?
        } else {
            ag::split_with_sizes(&t, &int_list(split_size_or_sections)?, dim)?
        };
        wrap_list(py, parts)
    }
    #[pyo3(signature = (chunks, dim=0))]
    fn chunk(&self, py: Python<'_>, chunks: i64, dim: i64) -> PyResult<Py<PyAny>> {
        wrap_list(py, ag::chunk(&self.t(), chunks, dim)?)
    }
    #[pyo3(signature = (dim=0))]
    fn unbind(&self, py: Python<'_>, dim: i64) -> PyResult<Py<PyAny>> {
        wrap_list(py, ag::unbind(&self.t(), dim)?)
    }
    fn movedim(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        destination: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        wrap(
            py,
            ag::movedim(&self.t(), &int_list(source)?, &int_list(destination)?)?,
        )
    }
    #[pyo3(signature = (offset=0, dim1=0, dim2=1))]
    fn diagonal(&self, py: Python<'_>, offset: i64, dim1: i64, dim2: i64) -> PyResult<Py<PyAny>> {
        wrap(py, ag::diagonal(&self.t(), offset, dim1, dim2)?)
    }
    fn _slice(
        &self,
        py: Python<'_>,
        dim: i64,
        start: i64,
        stop: i64,
        step: i64,
    ) -> PyResult<Py<PyAny>> {
        let t = self.t();
        let d = crate::shape::wrap_dim(dim, t.ndim())?;
        wrap(py, view::slice(&t, d, start, stop, step)?)
    }

    // ----- rearranging -----
    /// `flip(dims)` or `flip(*dims)`, as PyTorch's method accepts both.
    #[pyo3(signature = (*dims))]
    fn flip(&self, py: Python<'_>, dims: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::flip(&self.t(), &sizes_arg(dims)?)?)
    }
    #[pyo3(signature = (shifts, dims=None))]
    fn roll(
        &self,
        py: Python<'_>,
        shifts: &Bound<'_, PyAny>,
        dims: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dims)?.unwrap_or_default();
        wrap(py, ag::roll(&self.t(), &int_list(shifts)?, &d)?)
    }
    fn _tri(&self, py: Python<'_>, diagonal: i64, upper: bool) -> PyResult<Py<PyAny>> {
        wrap(py, ag::tri(&self.t(), diagonal, upper)?)
    }
    #[pyo3(signature = (diagonal=0))]
    fn diag(&self, py: Python<'_>, diagonal: i64) -> PyResult<Py<PyAny>> {
        wrap(py, ag::diag(&self.t(), diagonal)?)
    }

    /// `tile` is ATen's composite: `reps` padded with leading ones, then `repeat`
    /// (RepeatBackward0).
    #[pyo3(signature = (*dims))]
    fn tile(&self, py: Python<'_>, dims: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let t = self.t();
        let reps = sizes_arg(dims)?;
        let mut r = vec![1i64; t.ndim().saturating_sub(reps.len())];
        r.extend_from_slice(&reps);
        wrap(py, ag::repeat(&t, &r)?)
    }
}
