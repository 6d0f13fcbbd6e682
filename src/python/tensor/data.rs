//! Element data in and out: conversion to Python numbers, lists and NumPy (the array
//! interface), dtype casts, and the whole-tensor writes (`fill_`, `zero_`, `copy_`, `.data =`).

use super::{PyTensor, wrap};
use crate::autograd::ops as ag;
use crate::dtype::{DType, Scalar};
use crate::ops::elementwise::Operand;
use crate::python::convert::*;
use crate::tensor::Tensor;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

#[pymethods]
impl PyTensor {
    // ----- conversion -----
    fn contiguous(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let t = slf.get().t();
        if t.is_contiguous() {
            return Ok(slf.clone().into_any().unbind());
        }
        wrap(slf.py(), ag::clone(&t)?)
    }
    fn clone(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::clone(&self.t())?)
    }
    /// `clone(memory_format=)` and `to(dtype, memory_format=)`: a copy (converted to `dtype`)
    /// with the given strides, which must lay the elements out without overlap (the Python
    /// side computes them from the format).
    #[pyo3(signature = (strides, dtype=None))]
    fn _clone_strided(
        &self,
        py: Python<'_>,
        strides: Vec<usize>,
        dtype: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let t = self.t();
        let d = match dtype {
            Some(d) => to_dtype(d)?,
            None => t.dtype(),
        };
        if strides.len() != t.ndim() || !non_overlapping(t.shape(), &strides) {
            return Err(PyRuntimeError::new_err(format!(
                "_clone_strided: strides {strides:?} overlap for sizes {:?}",
                t.shape()
            )));
        }
        wrap(py, ag::clone_strided(&t, d, &strides)?)
    }
    #[pyo3(signature = (dtype, copy=false))]
    fn _to_dtype(
        slf: &Bound<'_, Self>,
        dtype: &Bound<'_, PyAny>,
        copy: bool,
    ) -> PyResult<Py<PyAny>> {
        let d = to_dtype(dtype)?;
        let t = slf.get().t();
        if t.dtype() == d && !copy {
            return Ok(slf.clone().into_any().unbind());
        }
        if t.dtype() == d {
            return wrap(slf.py(), ag::clone(&t)?);
        }
        wrap(slf.py(), ag::to_dtype(&t, d)?)
    }
    fn item(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let t = self.t();
        if t.dtype().is_complex() && t.numel() == 1 {
            let v = crate::backend::gpu::host(&t)?.real_view().to_vec::<f64>();
            return Ok(pyo3::types::PyComplex::from_doubles(py, v[0], v[1])
                .into_any()
                .unbind());
        }
        scalar_to_py(py, t.item()?)
    }
    fn tolist(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        tensor_tolist(py, &self.t())
    }
    fn __float__(&self) -> PyResult<f64> {
        Ok(self.t().item()?.to_f64())
    }
    fn __int__(&self) -> PyResult<i64> {
        Ok(self.t().item()?.to_i64())
    }
    fn __index__(&self) -> PyResult<i64> {
        let t = self.t();
        if !(t.dtype().is_int() || t.dtype() == DType::Bool) || t.numel() != 1 {
            return Err(PyTypeError::new_err(
                "only integer tensors of a single element can be converted to an index",
            ));
        }
        Ok(t.item()?.to_i64())
    }
    fn __bool__(&self) -> PyResult<bool> {
        let t = self.t();
        if t.numel() != 1 {
            return Err(PyRuntimeError::new_err(format!(
                "Boolean value of Tensor with {} values is ambiguous",
                if t.numel() == 0 {
                    "no"
                } else {
                    "more than one"
                }
            )));
        }
        Ok(t.item()?.to_f64() != 0.0)
    }
    fn __len__(&self) -> PyResult<usize> {
        let t = self.t();
        if t.ndim() == 0 {
            return Err(PyTypeError::new_err("len() of a 0-d tensor"));
        }
        Ok(t.shape()[0])
    }
    /// NumPy's array interface: `np.asarray(t)` shares memory and keeps `t` alive.
    #[getter]
    fn __array_interface__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = self.t();
        if t.is_gpu() {
            return Err(PyTypeError::new_err(
                "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.",
            ));
        }
        let typestr = match t.dtype() {
            DType::Bool => "|b1",
            DType::U8 => "|u1",
            DType::I8 => "|i1",
            DType::I16 => "<i2",
            DType::I32 => "<i4",
            DType::I64 => "<i8",
            DType::F16 => "<f2",
            DType::F32 => "<f4",
            DType::F64 => "<f8",
            DType::C64 => "<c8",
            DType::C128 => "<c16",
            DType::BF16 => {
                return Err(PyTypeError::new_err("Got unsupported ScalarType BFloat16"));
            }
        };
        let d = PyDict::new(py);
        let size = t.dtype().size() as isize;
        let strides: Vec<isize> = t.strides().iter().map(|s| s * size).collect();
        d.set_item("shape", PyTuple::new(py, t.shape())?)?;
        d.set_item("typestr", typestr)?;
        d.set_item("data", (t.data_ptr() as usize, false))?;
        d.set_item("strides", PyTuple::new(py, strides)?)?;
        d.set_item("version", 3)?;
        Ok(d)
    }
    /// Values for the printer: float64 for floating dtypes, int64 for integers, bool.
    fn _print_values(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let t = self.t();
        let d = match t.dtype() {
            d if d.is_float() => DType::F64,
            d if d.is_complex() => DType::C128,
            DType::Bool => DType::Bool,
            _ => DType::I64,
        };
        let c = crate::backend::gpu::host(&t)?.try_to_dtype_copy(d)?;
        let np = py.import("numpy")?;
        np.call_method1("asarray", (Py::new(py, PyTensor::new(c))?,))
            .map(|a| a.unbind())
    }

    // ----- in-place whole-tensor writes -----
    fn fill_(slf: &Bound<'_, Self>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let t = slf.get().t();
        let v = match to_operand(value)? {
            Some(Operand::Scalar(s)) => s,
            Some(Operand::Tensor(v)) if v.ndim() == 0 => v.item()?,
            Some(Operand::Tensor(v)) => {
                return Err(PyRuntimeError::new_err(format!(
                    "fill_ only supports 0-dimension value tensor but got tensor with {} dimensions.",
                    v.ndim()
                )));
            }
            None => {
                return Err(PyTypeError::new_err(format!(
                    "fill_(): argument 'value' must be Number, not {}",
                    value.get_type().name()?
                )));
            }
        };
        fill_in_place(&t, v)?;
        Ok(slf.clone().into_any().unbind())
    }
    fn zero_(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        fill_in_place(&slf.get().t(), Scalar::Int(0))?;
        Ok(slf.clone().into_any().unbind())
    }
    #[pyo3(signature = (src, non_blocking=false))]
    fn copy_(
        slf: &Bound<'_, Self>,
        src: &Bound<'_, PyAny>,
        non_blocking: bool,
    ) -> PyResult<Py<PyAny>> {
        // `non_blocking` is accepted as PyTorch accepts it; every copy here completes before
        // it returns, which is what a blocking copy promises.
        let _blocking_anyway = non_blocking;
        let t = slf.get().t();
        let s = tensor_arg(src, "copy_")?;
        if s.layout().broadcast_to(t.shape()).is_err() {
            return Err(PyRuntimeError::new_err(format!(
                "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension {}",
                t.shape().last().unwrap_or(&1),
                s.shape().last().unwrap_or(&1),
                t.ndim().saturating_sub(1)
            )));
        }
        // Copies between devices are explicit here (the core copy refuses GPU -> CPU).
        let s = if s.is_gpu() && !t.is_gpu() && !s.requires_grad() {
            crate::backend::gpu::download(&s)?
        } else {
            s
        };
        if !t.requires_grad() && !s.requires_grad() {
            // A source overlapping the destination is read fully before writing.
            let s = if s.same_storage(&t) {
                s.try_to_dtype_copy(s.dtype())?
            } else {
                s
            };
            crate::tensor::try_copy_into(&t, &s)?;
            t.storage().bump_version();
            return Ok(slf.clone().into_any().unbind());
        }
        let sizes: Vec<i64> = t.shape().iter().map(|&v| v as i64).collect();
        ag::inplace(&t, &[&s], |_| {
            ag::clone(&ag::expand(&ag::to_dtype(&s, t.dtype())?, &sizes)?)
        })?;
        Ok(slf.clone().into_any().unbind())
    }
    /// Replaces this tensor's data with another's (`t.data = x`), keeping its autograd
    /// identity (requires_grad, .grad, grad_fn).
    fn _set_data(&self, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let cur = self.t();
        let new = tensor_arg(other, "data")?;
        self.set(new.with_meta(cur.meta().cloned()));
        Ok(())
    }
}

/// `fill_`/`zero_`: with nothing for autograd to record, the view is filled where it lies (not
/// through a full-size temporary); otherwise through the recorded in-place path.
fn fill_in_place(t: &Tensor, v: Scalar) -> PyResult<()> {
    if !t.requires_grad() && !crate::autograd::grad_mode::is_inference() {
        crate::tensor::try_fill(t, v)?;
        t.storage().bump_version();
        return Ok(());
    }
    ag::inplace(t, &[], |src| {
        crate::backend::gpu::to_device(
            &crate::ops::create::full(src.shape(), v, src.dtype()),
            src.device(),
        )
    })?;
    Ok(())
}

/// Whether `strides` address each element of `shape` at a distinct offset: sorted by stride,
/// each dim's stride must step past the largest offset the smaller-strided dims reach.
fn non_overlapping(shape: &[usize], strides: &[usize]) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut dims: Vec<(usize, usize)> = shape
        .iter()
        .zip(strides)
        .filter(|&(&n, _)| n > 1)
        .map(|(&n, &s)| (s, n))
        .collect();
    dims.sort_unstable();
    let mut span = 1usize;
    for (s, n) in dims {
        if s < span {
            return false;
        }
        match s.checked_mul(n - 1).and_then(|v| v.checked_add(span)) {
            Some(v) if v <= isize::MAX as usize => span = v,
            _ => return false,
        }
    }
    true
}
