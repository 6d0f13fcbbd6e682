//! `rtensor.Tensor`: the PyO3 class. Operators and hot methods live here; the long tail of
//! methods with Python-style argument handling is added in `python/rtensor/_tensor.py`, which
//! calls the primitives below. Every method reaches the one op in `ops/`.
//!
//! The class's methods are spread over several `#[pymethods]` blocks (PyO3's
//! `multiple-pymethods` feature), one file per family:
//!
//! | file | holds |
//! | --- | --- |
//! | `mod.rs` | the class, the `wrap` helpers, the constructor, metadata (shape, strides...) |
//! | `data.rs` | conversion to Python/NumPy values, whole-tensor writes (`fill_`, `copy_`) |
//! | `views.rs` | shape and view methods, rearranging (`flip`, `roll`, `tile`...) |
//! | `elementwise.rs` | the named binary/unary primitives (`_binary`, `_unary`), `clamp` |
//! | `operators.rs` | the operator dunders (`+`, `@`, `==`...), arithmetic from one table |
//! | `reductions.rs` | sums, extrema, norms, scans, sorts |
//! | `linalg.rs` | `mm`, `bmm`, `mv`, `dot`, `matmul`, `outer`, the `addmm` family |
//! | `indexing.rs` | `[]` and index parsing, gather/scatter and masked methods |
//! | `grad.rs` | `requires_grad`, `.grad`, `grad_fn`, `retain_grad`, `detach`, hooks |

mod data;
mod elementwise;
mod grad;
mod indexing;
mod linalg;
mod operators;
mod reductions;
mod views;

use crate::python::convert::*;
use crate::tensor::Tensor;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyTuple};
use std::sync::RwLock;

/// Tensor metadata can change in place (`t.data = x`, `t.t_()`), so the handle sits behind a
/// lock; reads are uncontended and cheap.
#[pyclass(name = "Tensor", module = "rtensor", subclass, weakref, dict, frozen)]
pub struct PyTensor {
    inner: RwLock<Tensor>,
}

impl PyTensor {
    pub fn new(t: Tensor) -> Self {
        PyTensor {
            inner: RwLock::new(t),
        }
    }
    pub fn t(&self) -> Tensor {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn set(&self, t: Tensor) {
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = t;
    }
}

pub fn wrap(py: Python<'_>, t: Tensor) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyTensor::new(t))?.into_any())
}

fn wrap_pair(py: Python<'_>, (a, b): (Tensor, Tensor)) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    Ok((wrap(py, a)?, wrap(py, b)?))
}

fn wrap_list(py: Python<'_>, ts: Vec<Tensor>) -> PyResult<Py<PyAny>> {
    let items: Vec<Py<PyAny>> = ts
        .into_iter()
        .map(|t| wrap(py, t))
        .collect::<PyResult<_>>()?;
    Ok(PyTuple::new(py, items)?.into_any().unbind())
}

#[pymethods]
impl PyTensor {
    /// Legacy constructor: `Tensor(2, 3)` (sizes) or `Tensor(data)`; default float dtype.
    #[new]
    #[pyo3(signature = (*args, **kwargs))]
    fn py_new(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let dtype = crate::ops::default_float();
        if let Some(kw) = kwargs
            && let Some(w) = kw.get_item("_wrap")?
        {
            return Ok(PyTensor::new(tensor_arg(&w, "Tensor")?));
        }
        if args.is_empty() {
            return Ok(PyTensor::new(Tensor::zeros(&[0], dtype)));
        }
        if args.iter().all(|a| a.is_instance_of::<PyInt>()) {
            let shape = shape_arg(args)?;
            return Ok(PyTensor::new(crate::ops::create::try_zeros(&shape, dtype)?));
        }
        if args.len() == 1 {
            let a = args.get_item(0)?;
            if a.hasattr("_is_size")? {
                return Ok(PyTensor::new(crate::ops::create::try_zeros(
                    &shape_arg(args)?,
                    dtype,
                )?));
            }
            return Ok(PyTensor::new(tensor_from_data(&a, Some(dtype))?));
        }
        Err(PyTypeError::new_err(
            "new(): invalid arguments: expected sizes (ints) or one data sequence",
        ))
    }

    // ----- metadata -----
    #[getter]
    fn _shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.t().shape())
    }
    #[getter]
    fn dtype(&self) -> PyDType {
        PyDType {
            d: self.t().dtype(),
        }
    }
    #[getter]
    fn ndim(&self) -> usize {
        self.t().ndim()
    }
    fn dim(&self) -> usize {
        self.t().ndim()
    }
    fn numel(&self) -> usize {
        self.t().numel()
    }
    fn nelement(&self) -> usize {
        self.t().numel()
    }
    fn element_size(&self) -> usize {
        self.t().dtype().size()
    }
    #[getter]
    fn itemsize(&self) -> usize {
        self.t().dtype().size()
    }
    #[getter]
    fn nbytes(&self) -> usize {
        self.t().dtype().size() * self.t().numel()
    }
    #[pyo3(signature = (dim=None))]
    fn stride<'py>(&self, py: Python<'py>, dim: Option<i64>) -> PyResult<Py<PyAny>> {
        let t = self.t();
        match dim {
            None => Ok(PyTuple::new(py, t.strides())?.into_any().unbind()),
            Some(d) => {
                if t.ndim() == 0 {
                    // wrap_dim treats a 0-d tensor as 1-d (sum(dim=0) works on scalars);
                    // a stride lookup does not.
                    return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                        "Dimension specified as {d} but tensor has no dimensions"
                    )));
                }
                let d = crate::shape::wrap_dim(d, t.ndim())?;
                Ok(t.strides()[d].into_pyobject(py)?.into_any().unbind())
            }
        }
    }
    fn storage_offset(&self) -> usize {
        self.t().layout().offset
    }
    fn data_ptr(&self) -> usize {
        let t = self.t();
        if t.is_gpu() {
            // No host address: a stable per-storage number that still tells views apart.
            return t.storage().id() + t.layout().offset * t.dtype().size();
        }
        t.data_ptr() as usize
    }
    fn is_contiguous(&self) -> bool {
        self.t().is_contiguous()
    }
    fn _same_storage(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.t().same_storage(&tensor_arg(other, "_same_storage")?))
    }
    /// The storage's in-place modification counter (an attribute, as in PyTorch).
    #[getter]
    fn _version(&self) -> u64 {
        self.t().storage().version()
    }
    /// Bytes in the tensor's whole storage: checkpoints save whole storages, as PyTorch does.
    fn _storage_nbytes(&self) -> usize {
        self.t().storage().nbytes()
    }
    /// A view of this tensor's storage with any sizes, strides and offset (in elements), with
    /// no autograd history, checked against the storage's size. `rtensor.load` rebuilds tensors
    /// that share one storage with it, and `rtensor.save` reads whole storages through it.
    fn _storage_view(
        &self,
        py: Python<'_>,
        size: Vec<i64>,
        stride: Vec<i64>,
        offset: i64,
    ) -> PyResult<Py<PyAny>> {
        let t = self.t();
        let item = t.dtype().size() as i128;
        if size.len() != stride.len() {
            return Err(PyRuntimeError::new_err(format!(
                "mismatch in length of strides and shape: {} sizes, {} strides",
                size.len(),
                stride.len()
            )));
        }
        if offset < 0 || size.iter().any(|&s| s < 0) || stride.iter().any(|&s| s < 0) {
            return Err(PyRuntimeError::new_err(format!(
                "sizes {size:?}, strides {stride:?} and storage offset {offset} must be non-negative"
            )));
        }
        let numel: i128 = size.iter().map(|&s| s as i128).product();
        // Even an empty view must not point past the storage (its data_ptr is computed).
        let need = if numel == 0 {
            offset as i128 * item
        } else {
            let span: i128 = size
                .iter()
                .zip(&stride)
                .map(|(&d, &s)| (d as i128 - 1) * s as i128)
                .sum();
            (offset as i128 + span + 1) * item
        };
        let have = t.storage().nbytes() as i128;
        if need > have {
            return Err(PyRuntimeError::new_err(format!(
                "setStorage: sizes {size:?}, strides {stride:?}, storage offset {offset}, and itemsize {item} requiring a storage size of {need} are out of bounds for storage of size {have}"
            )));
        }
        let layout = crate::shape::Layout {
            shape: size.iter().map(|&s| s as usize).collect(),
            strides: stride.iter().map(|&s| s as isize).collect(),
            offset: offset as usize,
        };
        wrap(py, t.detach().with_layout(layout))
    }
    fn __hash__(slf: &Bound<'_, Self>) -> isize {
        slf.as_ptr() as isize
    }
}
