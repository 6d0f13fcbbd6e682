//! Autograd for Python: grad_fn objects, backward/grad entry points, grad mode, hooks and
//! custom `autograd.Function` nodes (whose backward calls back into Python).

use crate::autograd::engine::{self, Options};
use crate::autograd::grad_mode;
use crate::autograd::meta::Hook;
use crate::autograd::node::{BackwardFn, Node};
use crate::autograd::ops::record;
use crate::error::Error;
use crate::python::convert::tensor_arg;
use crate::python::tensor::{PyTensor, wrap};
use crate::tensor::Tensor;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use std::sync::Arc;

/// A graph node as Python sees it (`t.grad_fn`).
#[pyclass(name = "Node", module = "rtensor.autograd.graph", frozen)]
pub struct PyNode {
    pub node: Arc<Node>,
}

#[pymethods]
impl PyNode {
    fn name(&self) -> String {
        self.node.name.clone()
    }
    #[getter]
    fn next_functions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items: Vec<Py<PyAny>> = self
            .node
            .next
            .iter()
            .map(|e| -> PyResult<Py<PyAny>> {
                Ok(match e {
                    Some(e) => (
                        Py::new(
                            py,
                            PyNode {
                                node: e.node.clone(),
                            },
                        )?,
                        e.input_nr,
                    )
                        .into_pyobject(py)?
                        .into_any()
                        .unbind(),
                    None => (py.None(), 0usize).into_pyobject(py)?.into_any().unbind(),
                })
            })
            .collect::<PyResult<_>>()?;
        PyTuple::new(py, items)
    }
    fn __repr__(slf: &Bound<'_, Self>) -> String {
        format!(
            "<{} object at {:#x}>",
            slf.get().node.name,
            slf.as_ptr() as usize
        )
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyNode>()
            .is_ok_and(|o| Arc::ptr_eq(&o.get().node, &self.node))
    }
    fn __hash__(&self) -> usize {
        Arc::as_ptr(&self.node) as usize
    }
    /// The class name PyTorch users inspect: `type(t.grad_fn).__name__` is approximated by
    /// `t.grad_fn.name()`; expose it as an attribute too.
    #[getter]
    fn __name__(&self) -> String {
        self.node.name.clone()
    }
}

pub fn node_of(py: Python<'_>, t: &Tensor) -> PyResult<Option<Py<PyNode>>> {
    match t.meta().and_then(|m| m.grad_fn()) {
        Some(e) => Ok(Some(Py::new(py, PyNode { node: e.node })?)),
        None => Ok(None),
    }
}

/// Wraps a Python callable as a gradient hook.
pub fn py_hook(f: Py<PyAny>) -> Hook {
    Arc::new(move |g: &Tensor| {
        Python::attach(|py| {
            let r = f
                .call1(py, (wrap(py, g.clone()).map_err(py_err)?,))
                .map_err(py_err)?;
            if r.is_none(py) {
                Ok(None)
            } else {
                Ok(Some(tensor_arg(r.bind(py), "hook").map_err(py_err)?))
            }
        })
    })
}

/// A Python exception raised inside backward, carried through the Rust engine.
fn py_err(e: PyErr) -> Error {
    Python::attach(|py| {
        let msg = e.value(py).to_string();
        let kind = e
            .get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        match kind.as_str() {
            "TypeError" => Error::Type(msg),
            "ValueError" => Error::Value(msg),
            "IndexError" => Error::Index(msg),
            "NotImplementedError" => Error::NotImplemented(msg),
            _ => Error::Runtime(msg),
        }
    })
}

fn tensor_list(o: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Tensor>> {
    if o.is_instance_of::<PyTensor>() {
        return Ok(vec![tensor_arg(o, what)?]);
    }
    o.try_iter()?.map(|x| tensor_arg(&x?, what)).collect()
}

/// `backward`/`autograd.grad` in one entry: returns captured grads (for `grad`) or None.
#[pyfunction]
#[pyo3(signature = (roots, grads, keep_graph, create_graph, inputs=None, accumulate=true))]
fn _run_backward(
    py: Python<'_>,
    roots: &Bound<'_, PyAny>,
    grads: &Bound<'_, PyAny>,
    keep_graph: bool,
    create_graph: bool,
    inputs: Option<&Bound<'_, PyAny>>,
    accumulate: bool,
) -> PyResult<Py<PyAny>> {
    let roots = tensor_list(roots, "backward")?;
    let grads = tensor_list(grads, "backward")?;
    let inputs = inputs.map(|i| tensor_list(i, "inputs")).transpose()?;
    let out = engine::run(
        &roots,
        &grads,
        Options {
            keep_graph,
            create_graph,
            inputs: inputs.as_deref(),
            accumulate,
        },
    )?;
    let items: Vec<Py<PyAny>> = out
        .into_iter()
        .map(|g| match g {
            Some(g) => wrap(py, g),
            None => Ok(py.None()),
        })
        .collect::<PyResult<_>>()?;
    Ok(PyList::new(py, items)?.into_any().unbind())
}

/// `t.backward()` with the implicit gradient (ones), the common case, without Python glue.
#[pyfunction]
fn _backward_scalar(t: &Bound<'_, PyAny>, keep_graph: bool, create_graph: bool) -> PyResult<()> {
    let t = tensor_arg(t, "backward")?;
    if !t.requires_grad() {
        return Err(Error::Runtime(
            "element 0 of tensors does not require grad and does not have a grad_fn".into(),
        )
        .into());
    }
    if t.numel() != 1 {
        return Err(Error::Runtime(
            "grad can be implicitly created only for scalar outputs".into(),
        )
        .into());
    }
    let ones = crate::ops::create::full(t.shape(), crate::dtype::Scalar::Int(1), t.dtype());
    // The seed lives on the output's device.
    let ones = crate::backend::gpu::to_device(&ones, t.device())?;
    engine::run(
        &[t],
        &[ones],
        Options {
            keep_graph,
            create_graph,
            inputs: None,
            accumulate: true,
        },
    )?;
    Ok(())
}

#[pyfunction]
fn is_grad_enabled() -> bool {
    grad_mode::is_enabled()
}

#[pyfunction]
fn _set_grad_enabled(on: bool) {
    grad_mode::set_enabled(on);
}

#[pyfunction]
fn is_inference_mode_enabled() -> bool {
    grad_mode::is_inference()
}

#[pyfunction]
fn _set_inference_mode(on: bool) {
    grad_mode::set_inference(on);
}

/// Records a custom Function's node: `backward(*grads)` is a Python callable returning one
/// gradient (or None) per entry of `inputs`. Returns the outputs with history attached.
#[pyfunction]
fn _record_function(
    py: Python<'_>,
    name: String,
    inputs: &Bound<'_, PyAny>,
    outputs: &Bound<'_, PyAny>,
    backward: Py<PyAny>,
    materialize: bool,
) -> PyResult<Py<PyAny>> {
    let ins = tensor_list(inputs, "apply")?;
    let outs = tensor_list(outputs, "apply")?;
    let shapes: Vec<(Vec<usize>, crate::dtype::DType)> = outs
        .iter()
        .map(|o| (o.shape().to_vec(), o.dtype()))
        .collect();
    let n_in = ins.len();
    let f: BackwardFn = Box::new(move |grads: &[Option<Tensor>]| {
        Python::attach(|py| {
            let args: Vec<Py<PyAny>> = grads
                .iter()
                .zip(&shapes)
                .map(|(g, (s, d))| match g {
                    Some(g) => wrap(py, g.clone()),
                    None if materialize => wrap(py, Tensor::zeros(s, *d)),
                    None => Ok(py.None()),
                })
                .collect::<PyResult<_>>()
                .map_err(py_err)?;
            let r = backward
                .call1(py, PyTuple::new(py, args).map_err(py_err)?)
                .map_err(py_err)?;
            let r = r.bind(py);
            let items: Vec<Bound<'_, PyAny>> = if let Ok(t) = r.cast::<PyTuple>() {
                t.iter().collect()
            } else {
                vec![r.clone()]
            };
            if items.len() < n_in {
                return Err(Error::Runtime(format!(
                    "function backward returned an incorrect number of gradients (expected {}, got {})",
                    n_in,
                    items.len()
                )));
            }
            items
                .iter()
                .take(n_in)
                .map(|x| {
                    if x.is_none() {
                        Ok(None)
                    } else {
                        tensor_arg(x, "backward").map(Some).map_err(py_err)
                    }
                })
                .collect()
        })
    });
    let refs: Vec<&Tensor> = ins.iter().collect();
    let recorded = record(&name, &refs, outs, true, f);
    let items: Vec<Py<PyAny>> = recorded
        .into_iter()
        .map(|t| wrap(py, t))
        .collect::<PyResult<_>>()?;
    Ok(PyTuple::new(py, items)?.into_any().unbind())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyNode>()?;
    m.add_function(wrap_pyfunction!(_run_backward, m)?)?;
    m.add_function(wrap_pyfunction!(_backward_scalar, m)?)?;
    m.add_function(wrap_pyfunction!(is_grad_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_set_grad_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(is_inference_mode_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(_set_inference_mode, m)?)?;
    m.add_function(wrap_pyfunction!(_record_function, m)?)?;
    Ok(())
}
