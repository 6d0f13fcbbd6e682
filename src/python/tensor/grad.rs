//! Autograd state on the tensor: `requires_grad`, `.grad` (with PyTorch's checks), `grad_fn`,
//! `is_leaf`, `retain_grad`, `detach`, and gradient hooks.

use super::{PyTensor, wrap};
use crate::dtype::DType;
use crate::ops::elementwise::{BinaryOp, Operand};
use crate::tensor::Tensor;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;

#[pymethods]
impl PyTensor {
    #[getter]
    fn requires_grad(&self) -> bool {
        self.t().requires_grad()
    }
    #[setter]
    fn set_requires_grad(&self, on: bool) -> PyResult<()> {
        let t = self.t();
        if let Some(m) = t.meta()
            && !m.is_leaf()
        {
            if !on {
                return Err(PyRuntimeError::new_err(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
                ));
            }
            return Ok(());
        }
        if on && !t.dtype().is_float() && !t.dtype().is_complex() {
            return Err(PyRuntimeError::new_err(
                "only Tensors of floating point and complex dtype can require gradients",
            ));
        }
        t.meta_or_init().set_requires_grad(on);
        Ok(())
    }
    #[pyo3(signature = (requires_grad=true))]
    fn requires_grad_(slf: &Bound<'_, Self>, requires_grad: bool) -> PyResult<Py<PyAny>> {
        slf.get().set_requires_grad(requires_grad)?;
        Ok(slf.clone().into_any().unbind())
    }
    #[getter]
    fn grad(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let t = self.t();
        match t.meta().and_then(|m| m.grad()) {
            Some(g) => wrap(py, g),
            None => {
                if let Some(m) = t.meta()
                    && !m.is_leaf()
                    && !m.retains_grad.load(std::sync::atomic::Ordering::Relaxed)
                {
                    let cat = py.get_type::<pyo3::exceptions::PyUserWarning>();
                    PyErr::warn(py, cat.as_any(), c"The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead.", 1)?;
                }
                Ok(py.None())
            }
        }
    }
    #[setter]
    fn set_grad(&self, g: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let t = self.t();
        let g = match g {
            None => None,
            Some(g) if g.is_none() => None,
            Some(g) => {
                let Ok(pg) = g.cast::<PyTensor>() else {
                    return Err(PyTypeError::new_err(format!(
                        "assigned grad expected to be a Tensor or None but got grad of type {}",
                        g.get_type().name()?
                    )));
                };
                let g = pg.get().t();
                // PyTorch's checks and messages (THPVariable_set_grad), in its order.
                let c10 = |d: DType| match d {
                    DType::F32 => "float",
                    DType::F64 => "double",
                    DType::F16 => "c10::Half",
                    DType::BF16 => "c10::BFloat16",
                    DType::I64 => "long int",
                    DType::I32 => "int",
                    DType::I16 => "short int",
                    DType::I8 => "signed char",
                    DType::U8 => "unsigned char",
                    DType::Bool => "bool",
                    DType::C64 => "c10::complex<float>",
                    DType::C128 => "c10::complex<double>",
                };
                if g.dtype() != t.dtype() {
                    return Err(PyRuntimeError::new_err(format!(
                        "attempting to assign a gradient with dtype '{}' to a tensor with dtype '{}'. Please ensure that the gradient and the tensor have the same dtype",
                        c10(g.dtype()),
                        c10(t.dtype())
                    )));
                }
                if g.shape() != t.shape() {
                    let list = |s: &[usize]| {
                        s.iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    return Err(PyRuntimeError::new_err(format!(
                        "attempting to assign a gradient of size '[{}]' to a tensor of size '[{}]'. Please ensure that the gradient and the tensor are the same size",
                        list(g.shape()),
                        list(t.shape())
                    )));
                }
                Some(g)
            }
        };
        if g.is_none() && t.meta().is_none() {
            return Ok(());
        }
        t.meta_or_init().set_grad(g);
        Ok(())
    }
    #[getter]
    fn grad_fn(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(match crate::python::autograd::node_of(py, &self.t())? {
            Some(n) => n.into_any(),
            None => py.None(),
        })
    }
    #[getter]
    fn is_leaf(&self) -> bool {
        self.t().meta().is_none_or(|m| m.is_leaf())
    }
    fn retain_grad(&self) -> PyResult<()> {
        let t = self.t();
        if !t.requires_grad() {
            return Err(PyRuntimeError::new_err(
                "can't retain_grad on Tensor that has requires_grad=False",
            ));
        }
        let m = t.meta_or_init().clone();
        let Some(e) = m.grad_fn() else { return Ok(()) };
        if m.retains_grad
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return Ok(());
        }
        let weak = std::sync::Arc::downgrade(&m);
        let hook: crate::autograd::meta::Hook = std::sync::Arc::new(move |g: &Tensor| {
            if let Some(m) = weak.upgrade() {
                let new = match m.grad() {
                    Some(old) => crate::ops::elementwise::binary(
                        BinaryOp::Add,
                        &Operand::Tensor(old),
                        &Operand::Tensor(g.detach()),
                    )?,
                    None => g.detach().try_to_dtype_copy(g.dtype())?,
                };
                m.set_grad(Some(new));
            }
            Ok(None)
        });
        e.node
            .retain_hooks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((e.input_nr, hook));
        Ok(())
    }
    #[getter]
    fn retains_grad(&self) -> bool {
        self.t()
            .meta()
            .is_some_and(|m| m.retains_grad.load(std::sync::atomic::Ordering::Relaxed))
    }
    fn detach(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, self.t().detach())
    }
    fn detach_(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        let t = slf.get().t();
        slf.get().set(t.detach());
        Ok(slf.clone().into_any().unbind())
    }
    /// Registers a gradient hook; returns an id for `_remove_hook`.
    fn _register_hook(&self, hook: Py<PyAny>) -> PyResult<usize> {
        let t = self.t();
        if !t.requires_grad() {
            return Err(PyRuntimeError::new_err(
                "cannot register a hook on a tensor that doesn't require gradient",
            ));
        }
        let h = crate::python::autograd::py_hook(hook);
        let id = std::sync::Arc::as_ptr(&h) as *const () as usize;
        let m = t.meta_or_init();
        match m.grad_fn() {
            Some(e) => e
                .node
                .tensor_hooks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((e.input_nr, h)),
            None => m.hooks.lock().unwrap_or_else(|e| e.into_inner()).push(h),
        }
        Ok(id)
    }
    fn _remove_hook(&self, id: usize) {
        let t = self.t();
        let Some(m) = t.meta() else { return };
        let same =
            |h: &crate::autograd::meta::Hook| std::sync::Arc::as_ptr(h) as *const () as usize == id;
        m.hooks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|h| !same(h));
        if let Some(e) = m.grad_fn() {
            e.node
                .tensor_hooks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|(_, h)| !same(h));
        }
    }
}
