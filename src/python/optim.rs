//! `_C._optim_step`: one native call applies an optimizer's update to every parameter of a
//! param group (the fused multi-tensor step behind `rtensor.optim`). float32 GPU parameters
//! (with their gradients and states on the GPU too) run `backend::gpu::optim::step`.

use crate::backend::gpu;
use crate::dtype::{DType, Element};
use crate::ops::optim::{self, Hyper};
use crate::python::convert::tensor_arg;
use crate::tensor::Tensor;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The hyperparameters of parameter `i` of the `n` in one call. Each value of `d` is either
/// one number (or bool) for the whole group or a list with one value per parameter: state
/// that each parameter carries (NAdam's `step` and `mu_product`, ASGD's `eta` and `mu`)
/// arrives that way, so that the group is still one call.
fn hyper(d: &Bound<'_, PyDict>, i: usize, n: usize) -> PyResult<Hyper> {
    let get = |k: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
        let Some(v) = d.get_item(k)? else {
            return Ok(None);
        };
        let Ok(list) = v.cast::<PyList>() else {
            return Ok(Some(v));
        };
        if list.len() != n {
            return Err(PyValueError::new_err(format!(
                "hyperparameter {}: expected one value per parameter ({}), got {}",
                k,
                n,
                list.len()
            )));
        }
        Ok(Some(list.get_item(i)?))
    };
    let f = |k: &str| -> PyResult<f64> {
        match get(k)? {
            Some(v) if !v.is_none() => v.extract(),
            _ => Ok(0.0),
        }
    };
    let b = |k: &str| -> PyResult<bool> {
        match get(k)? {
            Some(v) => v.is_truthy(),
            None => Ok(false),
        }
    };
    Ok(Hyper {
        lr: f("lr")?,
        weight_decay: f("weight_decay")?,
        maximize: b("maximize")?,
        step: f("step")?,
        momentum: f("momentum")?,
        dampening: f("dampening")?,
        nesterov: b("nesterov")?,
        beta1: f("beta1")?,
        beta2: f("beta2")?,
        eps: f("eps")?,
        amsgrad: b("amsgrad")?,
        decoupled: b("decoupled")?,
        alpha: f("alpha")?,
        centered: b("centered")?,
        rho: f("rho")?,
        lr_decay: f("lr_decay")?,
        momentum_decay: f("momentum_decay")?,
        mu_product: f("mu_product")?,
        lambd: f("lambd")?,
        eta: f("eta")?,
        mu: f("mu")?,
        etaminus: f("etaminus")?,
        etaplus: f("etaplus")?,
        step_min: f("step_min")?,
        step_max: f("step_max")?,
        first: b("first")?,
    })
}

/// Mutable view of a contiguous tensor's elements.
///
/// # Safety
/// The caller must not hold two slices of the same storage at once.
#[allow(clippy::mut_from_ref)] // storage is shared memory; exclusivity is checked by `check`
unsafe fn slice_mut<T: Element>(t: &Tensor) -> &mut [T] {
    unsafe { std::slice::from_raw_parts_mut(t.ptr::<T>(), t.numel()) }
}

fn check(name: &str, p: &Tensor, others: &[&Tensor]) -> PyResult<()> {
    if !matches!(p.dtype(), DType::F32 | DType::F64) {
        return Err(PyTypeError::new_err(format!(
            "{}: the fused update supports float32 and float64 parameters, got {}",
            name,
            p.dtype().name()
        )));
    }
    for t in std::iter::once(&p).chain(others.iter()) {
        if !t.is_contiguous() {
            return Err(PyRuntimeError::new_err(format!(
                "{}: expected contiguous tensors",
                name
            )));
        }
        if t.shape() != p.shape() || t.dtype() != p.dtype() {
            return Err(PyRuntimeError::new_err(format!(
                "{}: state and gradient must match the parameter's shape [{}] and dtype",
                name,
                p.shape()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        if !std::ptr::eq(*t, p) && t.same_storage(p) {
            return Err(PyRuntimeError::new_err(format!(
                "{}: state aliases the parameter",
                name
            )));
        }
    }
    Ok(())
}

fn run<T: Element + num_traits::Float>(
    name: &str,
    p: &Tensor,
    g: &Tensor,
    st: &[Option<Tensor>],
    h: &Hyper,
) -> PyResult<()> {
    // SAFETY: `check` verified that every tensor is contiguous, of the parameter's size, and
    // that no state shares the parameter's storage.
    unsafe {
        let (ps, gs) = (slice_mut::<T>(p), &*slice_mut::<T>(g));
        let s = |i: usize| {
            st.get(i)
                .and_then(|t| t.as_ref())
                .map(|t| slice_mut::<T>(t))
        };
        let need = |i: usize| {
            s(i).ok_or_else(|| PyValueError::new_err(format!("{}: missing state {}", name, i)))
        };
        match name {
            "sgd" => optim::sgd(ps, gs, s(0), h),
            "adam" => optim::adam(
                ps,
                gs,
                need(0)?,
                need(1)?,
                if h.amsgrad { Some(need(2)?) } else { None },
                h,
            ),
            "rmsprop" => optim::rmsprop(ps, gs, need(0)?, s(1), s(2), h),
            "adagrad" => optim::adagrad(ps, gs, need(0)?, h),
            "adadelta" => optim::adadelta(ps, gs, need(0)?, need(1)?, h),
            "adamax" => optim::adamax(ps, gs, need(0)?, need(1)?, h),
            "nadam" => optim::nadam(ps, gs, need(0)?, need(1)?, h),
            "radam" => optim::radam(ps, gs, need(0)?, need(1)?, h),
            "rprop" => optim::rprop(ps, gs, need(0)?, need(1)?, h),
            "asgd" => optim::asgd(ps, gs, need(0)?, h),
            "sparse_adam" => optim::sparse_adam(ps, gs, need(0)?, need(1)?, h),
            _ => return Err(PyValueError::new_err(format!("unknown optimizer {}", name))),
        }
    }
    Ok(())
}

/// Applies optimizer `name` to each (param, grad, states) triple with the hyperparameters in
/// `hyper` (a dict of per-group values, or lists of per-parameter values: see `hyper`).
#[pyfunction]
fn _optim_step(
    name: &str,
    params: Vec<Bound<'_, PyAny>>,
    grads: Vec<Bound<'_, PyAny>>,
    states: Vec<Vec<Option<Bound<'_, PyAny>>>>,
    hyper_: &Bound<'_, PyDict>,
) -> PyResult<()> {
    let n = params.len();
    if n != grads.len() || n != states.len() {
        return Err(PyValueError::new_err(
            "params, grads and states must have the same length",
        ));
    }
    // Parsed once for the whole group unless some value is per parameter.
    let per_param = hyper_.values().iter().any(|v| v.is_instance_of::<PyList>());
    let shared = if per_param {
        None
    } else {
        Some(hyper(hyper_, 0, n)?)
    };
    for (i, ((p, g), st)) in params.iter().zip(&grads).zip(&states).enumerate() {
        let h = match shared {
            Some(h) => h,
            None => hyper(hyper_, i, n)?,
        };
        let p = tensor_arg(p, name)?;
        let g = tensor_arg(g, name)?.detach();
        let st: Vec<Option<Tensor>> = st
            .iter()
            .map(|s| s.as_ref().map(|s| tensor_arg(s, name)))
            .map(|o| o.transpose())
            .collect::<PyResult<_>>()?;
        let mut all: Vec<&Tensor> = vec![&g];
        all.extend(st.iter().flatten());
        if p.is_gpu() || all.iter().any(|t| t.is_gpu()) {
            // One device for the whole update (PyTorch's error otherwise); the CPU path must
            // never see a GPU tensor (it has no host memory).
            let mut every = vec![&p];
            every.extend(all.iter().copied());
            gpu::same_device(&every)?;
            check(name, &p, &all)?;
            gpu::optim::step(name, &p, &g, &st, &h)?;
            continue;
        }
        check(name, &p, &all)?;
        match p.dtype() {
            DType::F32 => run::<f32>(name, &p, &g, &st, &h)?,
            _ => run::<f64>(name, &p, &g, &st, &h)?,
        }
        p.storage().bump_version();
    }
    Ok(())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_optim_step, m)?)
}
