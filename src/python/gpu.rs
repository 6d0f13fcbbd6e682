//! `_C` primitives behind `rtensor.gpu` (alias `rtensor.cuda`) and device moves.

use crate::autograd::ops::record1;
use crate::backend::gpu;
use crate::python::convert::tensor_arg;
use crate::python::tensor::{PyTensor, wrap};
use crate::tensor::{Device, Tensor};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

/// `t` on the CPU (`gpu=False`) or the GPU; differentiable like PyTorch's `.to(device)`.
pub fn to_device(x: &Tensor, device: Device) -> crate::Result<Tensor> {
    if x.device() == device {
        return Ok(x.clone());
    }
    let out = gpu::to_device(x, device)?;
    let src = x.device();
    Ok(record1("ToCopyBackward0", &[x], out, false, move |g| {
        Ok(vec![Some(to_device(g, src)?)])
    }))
}

#[pyfunction]
fn _to_device(py: Python<'_>, t: &Bound<'_, PyAny>, to_gpu: bool) -> PyResult<Py<PyAny>> {
    let t = tensor_arg(t, "to")?;
    let d = if to_gpu { Device::Gpu(0) } else { Device::Cpu };
    wrap(py, to_device(&t, d)?)
}

#[pyfunction]
fn _is_gpu(t: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(tensor_arg(t, "is_cuda")?.is_gpu())
}

/// True if any argument (or an element of a list/tuple argument) is a GPU tensor: the check
/// of the no-fallback guard in `rtensor/_gpu_guard.py`.
#[pyfunction]
#[pyo3(signature = (args, kwargs=None))]
fn _has_gpu_tensor(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> bool {
    fn any(o: &Bound<'_, PyAny>, depth: u32) -> bool {
        if let Ok(t) = o.cast::<PyTensor>() {
            return t.get().t().is_gpu();
        }
        if depth > 0 {
            if let Ok(l) = o.cast::<PyList>() {
                return l.iter().any(|x| any(&x, depth - 1));
            }
            if let Ok(l) = o.cast::<PyTuple>() {
                return l.iter().any(|x| any(&x, depth - 1));
            }
        }
        false
    }
    args.iter().any(|a| any(&a, 2)) || kwargs.is_some_and(|k| k.values().iter().any(|a| any(&a, 2)))
}

#[pyfunction]
fn _gpu_is_available() -> bool {
    gpu::is_available()
}

/// Why there is no GPU (None when there is one).
#[pyfunction]
fn _gpu_unavailable_reason() -> Option<String> {
    gpu::gpu().err().map(|e| e.to_string())
}

#[pyfunction]
fn _gpu_device_name() -> PyResult<String> {
    Ok(gpu::device_name()?)
}

#[pyfunction]
fn _gpu_synchronize(py: Python<'_>) -> PyResult<()> {
    py.detach(|| gpu::gpu()?.synchronize())?;
    Ok(())
}

/// (allocated, peak, cached) bytes of the caching allocator; zeros before the device exists.
#[pyfunction]
fn _gpu_memory_stats() -> (u64, u64, u64) {
    match gpu::gpu_if_created() {
        Some(g) => {
            let s = g.stats();
            (s.allocated, s.peak, s.cached)
        }
        None => (0, 0, 0),
    }
}

#[pyfunction]
fn _gpu_empty_cache() {
    if let Some(g) = gpu::gpu_if_created() {
        g.empty_cache();
    }
}

#[pyfunction]
fn _gpu_reset_peak_memory_stats() {
    if let Some(g) = gpu::gpu_if_created() {
        g.reset_peak();
    }
}

/// The device's work counters since the last `_gpu_reset_stats` (`rtensor.gpu.stats()`);
/// zeros before the device exists.
#[pyfunction]
fn _gpu_stats(py: Python<'_>) -> PyResult<Py<PyAny>> {
    let s = gpu::gpu_if_created()
        .map(|g| g.op_stats())
        .unwrap_or_default();
    let d = pyo3::types::PyDict::new(py);
    d.set_item("dispatches", s.dispatches)?;
    d.set_item("submissions", s.submissions)?;
    d.set_item("pipeline_compilations", s.pipeline_compilations)?;
    d.set_item("buffer_allocations", s.buffer_allocations)?;
    d.set_item("buffers_created", s.buffers_created)?;
    d.set_item("bytes_uploaded", s.bytes_uploaded)?;
    d.set_item("bytes_downloaded", s.bytes_downloaded)?;
    Ok(d.into_any().unbind())
}

#[pyfunction]
fn _gpu_reset_stats() {
    if let Some(g) = gpu::gpu_if_created() {
        g.reset_stats();
    }
}

/// (dispatches recorded, batches submitted): lets tests see the batching.
#[pyfunction]
fn _gpu_counters() -> PyResult<(u64, u64)> {
    Ok(gpu::gpu()?.counters())
}

/// Every shader variant the library instantiates for its op tables, as (key, WGSL source),
/// so that tests can compile them with an independent WGSL implementation (wgpu-py).
#[pyfunction]
fn _gpu_shader_sources() -> Vec<(String, String)> {
    gpu::ops::all_variants()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_to_device, m)?)?;
    m.add_function(wrap_pyfunction!(_is_gpu, m)?)?;
    m.add_function(wrap_pyfunction!(_has_gpu_tensor, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_is_available, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_unavailable_reason, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_device_name, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_synchronize, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_memory_stats, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_empty_cache, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_reset_peak_memory_stats, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_counters, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_stats, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_reset_stats, m)?)?;
    m.add_function(wrap_pyfunction!(_gpu_shader_sources, m)?)?;
    Ok(())
}
