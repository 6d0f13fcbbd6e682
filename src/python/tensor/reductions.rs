//! Reductions: sums, means, products, extrema (with their indices), `all`/`any`, variance and
//! norms, `logsumexp`, cumulative sums/products, sort/topk/median, `count_nonzero`.

use super::{PyTensor, wrap, wrap_pair};
use crate::autograd::ops as ag;
use crate::ops::reduce;
use crate::python::convert::*;
use pyo3::prelude::*;

#[pymethods]
impl PyTensor {
    #[pyo3(signature = (dim=None, keepdim=false, dtype=None))]
    fn _sum(
        &self,
        py: Python<'_>,
        dim: Option<&Bound<'_, PyAny>>,
        keepdim: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(
            py,
            ag::sum(&self.t(), d.as_deref(), keepdim, dtype_arg(dtype)?)?,
        )
    }
    #[pyo3(signature = (dim=None, keepdim=false, dtype=None))]
    fn _nansum(
        &self,
        py: Python<'_>,
        dim: Option<&Bound<'_, PyAny>>,
        keepdim: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(
            py,
            ag::nansum(&self.t(), d.as_deref(), keepdim, dtype_arg(dtype)?)?,
        )
    }
    #[pyo3(signature = (dim=None, keepdim=false, dtype=None))]
    fn _mean(
        &self,
        py: Python<'_>,
        dim: Option<&Bound<'_, PyAny>>,
        keepdim: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(
            py,
            ag::mean(&self.t(), d.as_deref(), keepdim, dtype_arg(dtype)?)?,
        )
    }
    #[pyo3(signature = (dim=None, keepdim=false, dtype=None))]
    fn _prod(
        &self,
        py: Python<'_>,
        dim: Option<&Bound<'_, PyAny>>,
        keepdim: bool,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(
            py,
            ag::prod(&self.t(), d.as_deref(), keepdim, dtype_arg(dtype)?)?,
        )
    }
    #[pyo3(signature = (dim, keepdim, largest))]
    fn _amax(
        &self,
        py: Python<'_>,
        dim: Option<&Bound<'_, PyAny>>,
        keepdim: bool,
        largest: bool,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(
            py,
            ag::amax(
                &self.t(),
                d.as_deref(),
                keepdim,
                largest,
                if largest {
                    "AmaxBackward0"
                } else {
                    "AminBackward0"
                },
            )?,
        )
    }
    fn _max_all(&self, py: Python<'_>, largest: bool) -> PyResult<Py<PyAny>> {
        wrap(
            py,
            ag::amax(
                &self.t(),
                None,
                false,
                largest,
                if largest {
                    "MaxBackward1"
                } else {
                    "MinBackward1"
                },
            )?,
        )
    }
    fn _max_dim(
        &self,
        py: Python<'_>,
        dim: i64,
        keepdim: bool,
        largest: bool,
    ) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
        let x = self.t();
        let (v, i) = reduce::max_dim(&x, dim, keepdim, largest)?;
        let v = ag::index_values(
            if largest {
                "MaxBackward0"
            } else {
                "MinBackward0"
            },
            &x,
            v,
            &i,
            dim,
            keepdim,
        )?;
        wrap_pair(py, (v, i))
    }
    fn _argmax(
        &self,
        py: Python<'_>,
        dim: Option<i64>,
        keepdim: bool,
        largest: bool,
    ) -> PyResult<Py<PyAny>> {
        wrap(py, reduce::argmax(&self.t(), dim, keepdim, largest)?)
    }
    fn _all_any(
        &self,
        py: Python<'_>,
        dim: Option<&Bound<'_, PyAny>>,
        keepdim: bool,
        any: bool,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(py, reduce::all_any(&self.t(), d.as_deref(), keepdim, any)?)
    }
    fn _var(
        &self,
        py: Python<'_>,
        dim: Option<&Bound<'_, PyAny>>,
        correction: f64,
        keepdim: bool,
        sqrt: bool,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(
            py,
            ag::var(&self.t(), d.as_deref(), correction, keepdim, sqrt)?,
        )
    }
    fn _norm(
        &self,
        py: Python<'_>,
        p: f64,
        dim: Option<&Bound<'_, PyAny>>,
        keepdim: bool,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(py, ag::norm(&self.t(), p, d.as_deref(), keepdim)?)
    }
    fn _logsumexp(
        &self,
        py: Python<'_>,
        dim: &Bound<'_, PyAny>,
        keepdim: bool,
    ) -> PyResult<Py<PyAny>> {
        wrap(py, ag::logsumexp(&self.t(), &int_list(dim)?, keepdim)?)
    }
    fn _cumulative(
        &self,
        py: Python<'_>,
        dim: i64,
        dtype: Option<&Bound<'_, PyAny>>,
        product: bool,
    ) -> PyResult<Py<PyAny>> {
        let x = match dtype_arg(dtype)? {
            Some(d) => ag::to_dtype(&self.t(), d)?,
            None => self.t(),
        };
        wrap(py, ag::cumulative(&x, dim, product)?)
    }
    fn _sort(
        &self,
        py: Python<'_>,
        dim: i64,
        descending: bool,
    ) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
        let x = self.t();
        let (v, i) = reduce::sort(&x, dim, descending)?;
        let v = ag::index_values("SortBackward0", &x, v, &i, dim, true)?;
        wrap_pair(py, (v, i))
    }
    fn _topk(
        &self,
        py: Python<'_>,
        k: i64,
        dim: i64,
        largest: bool,
    ) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
        let x = self.t();
        let (v, i) = reduce::topk(&x, k, dim, largest)?;
        let v = ag::index_values("TopkBackward0", &x, v, &i, dim, true)?;
        wrap_pair(py, (v, i))
    }
    fn _median(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let x = self.t();
        if x.numel() == 0 {
            return wrap(py, reduce::median(&x)?);
        }
        let flat = ag::reshape(&x, &[-1])?;
        let (v, i) = reduce::median_along(&flat, 0, false, "median_cpu")?;
        wrap(
            py,
            ag::index_values("MedianBackward0", &flat, v, &i, 0, false)?,
        )
    }
    fn _median_dim(
        &self,
        py: Python<'_>,
        dim: i64,
        keepdim: bool,
    ) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
        let x = self.t();
        let (v, i) = reduce::median_dim(&x, dim, keepdim)?;
        let v = ag::index_values("MedianBackward1", &x, v, &i, dim, keepdim)?;
        wrap_pair(py, (v, i))
    }
    fn _count_nonzero(
        &self,
        py: Python<'_>,
        dim: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let d = dims_arg(dim)?;
        wrap(py, reduce::count_nonzero(&self.t(), d.as_deref())?)
    }
}
