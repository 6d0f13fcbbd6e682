//! Indexing: `t[key]` and `t[key] = v` (the key parsed into `IndexItem`s), and the index-taking
//! methods (`index_select`, `gather`, scatter, `index_add_`/`index_fill_`, masked fill/select,
//! `take`, `nonzero`).

use super::{PyTensor, wrap};
use crate::autograd::ops as ag;
use crate::dtype::{DType, Scalar};
use crate::error::Error;
use crate::ops::elementwise::{BinaryOp, Operand};
use crate::ops::index::{self, IndexItem, ScatterMode};
use crate::python::convert::*;
use crate::tensor::Tensor;
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyEllipsis, PyInt, PyList, PySlice, PyTuple};

/// PyTorch's `treatSequenceAsTuple` (NumPy's old rule), for lists: `t[[[0, 1], [1, 2]]]` is
/// `t[[0, 1], [1, 2]]` when the list is short and holds a sequence, tensor, slice, `...`
/// or None; a list of plain ints stays one index tensor.
fn list_is_index_tuple(key: &Bound<'_, PyAny>) -> PyResult<bool> {
    let Ok(l) = key.cast::<PyList>() else {
        return Ok(false);
    };
    if l.len() >= 32 {
        return Ok(false);
    }
    for it in l.iter() {
        if it.is_none()
            || it.is_instance_of::<PyEllipsis>()
            || it.is_instance_of::<PySlice>()
            || it.is_instance_of::<PyTensor>()
            || it.is_instance_of::<PyList>()
            || it.is_instance_of::<PyTuple>()
            || it.hasattr("__array_interface__")?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn parse_index(key: &Bound<'_, PyAny>) -> PyResult<Vec<IndexItem>> {
    let items: Vec<Bound<'_, PyAny>> = if let Ok(t) = key.cast::<PyTuple>() {
        t.iter().collect()
    } else if list_is_index_tuple(key)? {
        key.cast::<PyList>()?.iter().collect()
    } else {
        vec![key.clone()]
    };
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        if it.is_none() {
            out.push(IndexItem::NewAxis);
        } else if it.is_instance_of::<PyEllipsis>() {
            out.push(IndexItem::Ellipsis);
        } else if let Ok(s) = it.cast::<PySlice>() {
            let get = |name: &str| -> PyResult<Option<i64>> {
                let v = s.getattr(name)?;
                if v.is_none() {
                    Ok(None)
                } else if let Ok(t) = v.cast::<PyTensor>() {
                    Ok(Some(t.get().t().item()?.to_i64()))
                } else {
                    Ok(Some(v.call_method0("__index__")?.extract()?))
                }
            };
            let step = get("step")?.unwrap_or(1);
            if step <= 0 {
                return Err(PyValueError::new_err("step must be greater than zero"));
            }
            out.push(IndexItem::Slice(get("start")?, get("stop")?, step));
        } else if let Ok(t) = it.cast::<PyTensor>() {
            let t = t.get().t();
            // A 0-d integer tensor indexes like an int (a view), as in PyTorch.
            if t.ndim() == 0 && t.dtype().is_int() {
                out.push(IndexItem::Int(t.item()?.to_i64()));
            } else {
                out.push(IndexItem::Tensor(t));
            }
        } else if it.is_instance_of::<pyo3::types::PyBool>() {
            let t = Tensor::scalar_tensor(Scalar::Bool(it.is_truthy()?), DType::Bool);
            out.push(IndexItem::Tensor(t));
        } else if it.is_instance_of::<PyInt>() {
            out.push(IndexItem::Int(it.extract()?));
        } else if it.is_instance_of::<PyList>()
            || it.is_instance_of::<PyTuple>()
            || it.hasattr("__array_interface__")?
        {
            let t = tensor_from_data(&it, None)?;
            if !(t.dtype().is_int() || t.dtype() == DType::Bool) && t.numel() > 0 {
                return Err(PyIndexError::new_err(
                    "tensors used as indices must be long, int, byte or bool tensors",
                ));
            }
            let t = if t.numel() == 0 {
                t.try_to_dtype(DType::I64)?
            } else {
                t
            };
            out.push(IndexItem::Tensor(t));
        } else if let Ok(i) = it.call_method0("__index__") {
            out.push(IndexItem::Int(i.extract()?));
        } else {
            return Err(PyIndexError::new_err(format!(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})",
                it.get_type().name()?
            )));
        }
    }
    Ok(out)
}

#[pymethods]
impl PyTensor {
    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let t = self.t();
        if let Ok(i) = key.cast::<PyInt>() {
            // Fast path for t[i].
            return wrap(py, ag::select(&t, 0, i.extract()?).map_err(|e| match e {
                Error::Index(_) if t.ndim() == 0 => Error::Index("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number".into()),
                e => e,
            })?);
        }
        let items = parse_index(key)?;
        wrap(py, ag::getitem(&t, &items)?)
    }
    fn __setitem__(&self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let items = parse_index(key)?;
        let v = match to_operand(value)? {
            Some(v) => v,
            None => Operand::Tensor(tensor_from_data(value, Some(self.t().dtype()))?),
        };
        let t = self.t();
        let vt = match &v {
            Operand::Tensor(x) => Some(x.clone()),
            Operand::Scalar(_) => None,
        };
        let tracked = crate::autograd::grad_mode::is_enabled()
            && (t.requires_grad() || vt.as_ref().is_some_and(|x| x.requires_grad()));
        if !tracked {
            index::setitem(&t, &items, &v)?;
            return Ok(());
        }
        let others: Vec<&Tensor> = vt.iter().collect();
        ag::inplace(&t, &others, |src| ag::setitem_out(src, &items, &v))?;
        Ok(())
    }
    fn index_select(
        &self,
        py: Python<'_>,
        dim: i64,
        index: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        wrap(
            py,
            ag::index_select(&self.t(), dim, &tensor_arg(index, "index_select")?)?,
        )
    }
    fn gather(&self, py: Python<'_>, dim: i64, index: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(
            py,
            ag::gather(&self.t(), dim, &tensor_arg(index, "gather")?)?,
        )
    }
    fn _scatter_(
        slf: &Bound<'_, Self>,
        dim: i64,
        index: &Bound<'_, PyAny>,
        src: &Bound<'_, PyAny>,
        mode: &str,
    ) -> PyResult<Py<PyAny>> {
        let m = match mode {
            "add" => ScatterMode::Add,
            "multiply" => ScatterMode::Multiply,
            _ => ScatterMode::Replace,
        };
        let s = operand_arg(src, "scatter")?;
        let t = slf.get().t();
        let idx = tensor_arg(index, "scatter")?;
        let st = match &s {
            Operand::Tensor(x) => Some(x.clone()),
            Operand::Scalar(_) => None,
        };
        if !t.requires_grad() && !st.as_ref().is_some_and(|x| x.requires_grad()) {
            index::scatter_(&t, dim, &idx, &s, m)?;
            return Ok(slf.clone().into_any().unbind());
        }
        let others: Vec<&Tensor> = st.iter().collect();
        ag::inplace(&t, &others, |x| match (m, &st) {
            (ScatterMode::Add, Some(src)) => ag::scatter_add(x, dim, &idx, src),
            (ScatterMode::Replace, _) => ag::scatter(x, dim, &idx, &s),
            _ => Err(Error::Runtime(
                "scatter with reduce='multiply' does not support autograd".into(),
            )),
        })?;
        Ok(slf.clone().into_any().unbind())
    }
    #[pyo3(signature = (dim, index, source, alpha=None))]
    fn index_add_(
        slf: &Bound<'_, Self>,
        dim: i64,
        index: &Bound<'_, PyAny>,
        source: &Bound<'_, PyAny>,
        alpha: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let a = alpha
            .map(to_scalar)
            .transpose()?
            .flatten()
            .unwrap_or(Scalar::Int(1));
        let t = slf.get().t();
        let (idx, src) = (
            tensor_arg(index, "index_add_")?,
            tensor_arg(source, "index_add_")?,
        );
        if !t.requires_grad() && !src.requires_grad() {
            index::index_add_(&t, dim, &idx, &src, a)?;
            return Ok(slf.clone().into_any().unbind());
        }
        ag::inplace(&t, &[&src], |x| {
            let scaled = ag::binary(
                BinaryOp::Mul,
                &Operand::Tensor(src.clone()),
                &Operand::Scalar(a),
            )?;
            ag::index_add(x, dim, &idx, &scaled)
        })?;
        Ok(slf.clone().into_any().unbind())
    }
    fn index_fill_(
        slf: &Bound<'_, Self>,
        dim: i64,
        index: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let v = match operand_arg(value, "index_fill_")? {
            Operand::Scalar(s) => s,
            Operand::Tensor(t) => t.item()?,
        };
        let t = slf.get().t();
        let idx = tensor_arg(index, "index_fill_")?;
        ag::inplace(&t, &[], |x| {
            let mask = x.zeros_like_here(x.shape(), DType::Bool)?;
            index::index_fill_(&mask, dim, &idx, Scalar::Bool(true))?;
            ag::masked_fill(x, &mask, &Operand::Scalar(v))
        })?;
        Ok(slf.clone().into_any().unbind())
    }
    fn masked_fill(
        &self,
        py: Python<'_>,
        mask: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let v = operand_arg(value, "masked_fill")?;
        wrap(
            py,
            ag::masked_fill(&self.t(), &tensor_arg(mask, "masked_fill")?, &v)?,
        )
    }
    fn masked_fill_(
        slf: &Bound<'_, Self>,
        mask: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let v = operand_arg(value, "masked_fill_")?;
        let t = slf.get().t();
        let m = tensor_arg(mask, "masked_fill_")?;
        index::check_masked_fill_inplace(&t, &m)?;
        let vt = match &v {
            Operand::Tensor(x) => Some(x.clone()),
            Operand::Scalar(_) => None,
        };
        let others: Vec<&Tensor> = vt.iter().collect();
        ag::inplace(&t, &others, |x| ag::masked_fill(x, &m, &v))?;
        Ok(slf.clone().into_any().unbind())
    }
    fn masked_select(&self, py: Python<'_>, mask: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(
            py,
            ag::masked_select(&self.t(), &tensor_arg(mask, "masked_select")?)?,
        )
    }
    fn _nonzero(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, index::nonzero(&self.t())?)
    }
    fn take(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::take(&self.t(), &tensor_arg(index, "take")?)?)
    }
}
