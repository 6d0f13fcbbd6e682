//! Random numbers: `rtensor.Generator`, the process-wide default generator, and the native
//! fill primitives behind `uniform_`, `normal_`, `random_`, `bernoulli_`... (the Python
//! signatures live in `python/rtensor/_random.py`). The streams themselves are `crate::rng`.
//!
//! NOTE [order of draws]: PyTorch's CPU kernels draw one value per element, serially, in
//! TensorIterator order: the dims sorted by stride, so a transposed or sliced tensor is filled
//! in memory order, not in row-major index order. Contiguous tensors are filled in place; any
//! other tensor is read into a buffer through its memory-order view (`memory_order`), filled,
//! and written back the same way. `normal_` takes its block path only for contiguous tensors of
//! 16 or more elements, as ATen's `normal_kernel` does; everything else is per element.

use crate::dispatch;
use crate::dtype::{DType, Element};
use crate::error::Error;
use crate::ops::elementwise::{not_implemented_for, type_title};
use crate::python::convert::*;
use crate::python::tensor::{PyTensor, wrap};
use crate::rng::{self, Generator, RngDType};
use crate::shape::Layout;
use crate::tensor::Tensor;
use half::{bf16, f16};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyFloat;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

/// The default CPU generator (`torch.default_generator`), seeded with `rng::DEFAULT_SEED`.
static DEFAULT: LazyLock<Arc<Mutex<Generator>>> =
    LazyLock::new(|| Arc::new(Mutex::new(Generator::default())));

/// `rtensor.Generator`: a handle on one generator state. `rtensor.default_generator` is a
/// handle on the default state; every other `Generator()` owns a state of its own.
#[pyclass(name = "Generator", module = "rtensor._C", frozen, weakref)]
pub struct PyGenerator {
    inner: Arc<Mutex<Generator>>,
}

fn lock(g: &Mutex<Generator>) -> MutexGuard<'_, Generator> {
    g.lock().unwrap_or_else(|e| e.into_inner())
}

/// A seed as PyTorch unpacks it: a uint64, or a negative int64 reinterpreted as uint64.
/// (`rtensor.manual_seed` applies Python's `int()` first; `Generator.manual_seed` takes ints.)
fn seed_arg(seed: &Bound<'_, PyAny>) -> PyResult<u64> {
    let i = match seed.call_method0("__index__") {
        Ok(i) if !seed.is_instance_of::<PyFloat>() => i,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "manual_seed expected a long, but got {}",
                seed.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            )));
        }
    };
    if let Ok(u) = i.extract::<u64>() {
        return Ok(u);
    }
    i.extract::<i64>()
        .map(|s| s as u64)
        .map_err(|_| PyRuntimeError::new_err("Overflow when unpacking long"))
}

#[pymethods]
impl PyGenerator {
    #[new]
    #[pyo3(signature = (device=None))]
    fn new(py: Python<'_>, device: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        if let Some(d) = device.filter(|d| !d.is_none()) {
            let dev = py
                .import("rtensor._device")?
                .getattr("device")?
                .call1((d,))?;
            dev.call_method0("_check_available")?;
        }
        Ok(PyGenerator {
            inner: Arc::new(Mutex::new(Generator::default())),
        })
    }

    /// Seeds the generator (low 32 bits drive MT19937) and returns it.
    fn manual_seed<'py>(
        slf: &Bound<'py, Self>,
        seed: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let s = seed_arg(seed)?;
        lock(&slf.get().inner).manual_seed(s);
        Ok(slf.clone())
    }

    /// Reseeds from a non-deterministic source; returns the new seed.
    fn seed(&self) -> u64 {
        lock(&self.inner).seed_nondeterministic()
    }

    fn initial_seed(&self) -> u64 {
        lock(&self.inner).initial_seed()
    }

    /// The state as a uint8 tensor of `rng::STATE_SIZE` bytes (PyTorch's layout).
    fn get_state(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let bytes = lock(&self.inner).get_state();
        let n = bytes.len();
        wrap(py, Tensor::from_vec(bytes, &[n]))
    }

    fn set_state<'py>(
        slf: &Bound<'py, Self>,
        new_state: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let t = new_state.cast::<PyTensor>().map_err(|_| {
            PyTypeError::new_err(format!(
                "expected a torch.ByteTensor, but got {}",
                new_state
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        let t = t.get().t();
        if t.dtype() != DType::U8 {
            return Err(PyTypeError::new_err("RNG state must be a torch.ByteTensor"));
        }
        let bytes = t.try_to_vec::<u8>()?;
        lock(&slf.get().inner)
            .set_state(&bytes)
            .map_err(PyRuntimeError::new_err)?;
        Ok(slf.clone())
    }

    #[getter]
    fn device(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(py.import("rtensor._device")?.getattr("CPU")?.unbind())
    }

    /// Pickling and `copy.deepcopy`: a new generator with the same state.
    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, (String,), Py<PyAny>)> {
        let py = slf.py();
        Ok((
            slf.get_type().into_any().unbind(),
            ("cpu".to_string(),),
            slf.get().get_state(py)?,
        ))
    }

    fn __setstate__(slf: &Bound<'_, Self>, state: &Bound<'_, PyAny>) -> PyResult<()> {
        Self::set_state(slf, state).map(|_| ())
    }
}

/// The generator an op draws from: the given `Generator`, or the default one.
fn generator(g: Option<&Bound<'_, PyAny>>) -> PyResult<Arc<Mutex<Generator>>> {
    match g {
        None => Ok(DEFAULT.clone()),
        Some(g) if g.is_none() => Ok(DEFAULT.clone()),
        Some(g) => g
            .cast::<PyGenerator>()
            .map(|g| g.get().inner.clone())
            .map_err(|_| {
                PyTypeError::new_err(format!(
                    "argument 'generator' must be rtensor.Generator, not {}",
                    g.get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            }),
    }
}

// ----- filling a tensor in PyTorch's order -----

/// The permutation of `l`'s dims whose row-major order is the order TensorIterator visits
/// (larger strides outside; equal strides put the larger size outside).
fn memory_dims(l: &Layout) -> Vec<usize> {
    let mut dims: Vec<usize> = (0..l.ndim()).collect();
    dims.sort_by(|&a, &b| {
        l.strides[b]
            .cmp(&l.strides[a])
            .then(l.shape[b].cmp(&l.shape[a]))
    });
    dims
}

fn memory_order(l: &Layout) -> Layout {
    l.permute(&memory_dims(l))
}

fn rt_err(m: String) -> PyErr {
    Error::Runtime(m).into()
}

/// Runs `f` over `t`'s elements in memory order (see NOTE [order of draws]), writing the
/// result into `t`. On error nothing past the error is written.
fn fill_ordered<T: Element>(
    t: &Tensor,
    f: impl FnOnce(&mut [T]) -> Result<(), String>,
) -> PyResult<()> {
    let l = t.layout();
    if l.shape
        .iter()
        .zip(&l.strides)
        .any(|(&s, &st)| s > 1 && st == 0)
    {
        return Err(rt_err(
            "unsupported operation: more than one element of the written-to tensor refers to a single \
             memory location. Please clone() the tensor before performing the operation."
                .to_string(),
        ));
    }
    let n = t.numel();
    let r = if n == 0 {
        f(&mut [])
    } else if t.is_contiguous() && !t.is_gpu() {
        // SAFETY: a contiguous view with n > 0 elements covers n elements of its storage
        // starting at its data pointer; nothing else borrows them during the call.
        let s = unsafe { std::slice::from_raw_parts_mut(t.ptr::<T>(), n) };
        f(s)
    } else {
        // Also the GPU path: the numbers are drawn on the CPU in the same memory order and
        // uploaded, so a GPU tensor gets exactly the CPU's numbers.
        let mo = t.with_layout(memory_order(l));
        let mut buf = if t.is_gpu() {
            vec![T::default(); n]
        } else {
            mo.try_to_vec::<T>()?
        };
        let r = f(&mut buf);
        crate::tensor::try_copy_into(&mo, &Tensor::from_vec(buf, mo.shape()))?;
        r
    };
    t.storage().bump_version();
    r.map_err(rt_err)
}

/// Fills a work buffer of `W` with `f`, then converts each value into `out` with `conv`.
fn via<W: Copy + Default, T>(
    out: &mut [T],
    f: impl FnOnce(&mut [W]) -> Result<(), String>,
    conv: impl Fn(W) -> T,
) -> Result<(), String> {
    let mut w = vec![W::default(); out.len()];
    f(&mut w)?;
    for (o, v) in out.iter_mut().zip(w) {
        *o = conv(v);
    }
    Ok(())
}

fn float_only(t: &Tensor, kernel: &str) -> PyResult<()> {
    if t.dtype().is_float() {
        Ok(())
    } else {
        Err(not_implemented_for(kernel, t.dtype()).into())
    }
}

fn rng_dtype(d: DType) -> PyResult<RngDType> {
    Ok(match d {
        DType::Bool => RngDType::Bool,
        DType::U8 => RngDType::U8,
        DType::I8 => RngDType::I8,
        DType::I16 => RngDType::I16,
        DType::I32 => RngDType::I32,
        DType::I64 => RngDType::I64,
        DType::F16 => RngDType::F16,
        DType::BF16 => RngDType::BF16,
        DType::F32 => RngDType::F32,
        DType::F64 => RngDType::F64,
        DType::C64 | DType::C128 => return Err(not_implemented_for("random_", d).into()),
    })
}

/// A per-element distribution computed in f64 and cast to the tensor's dtype (through f32 for
/// the half types, as C++'s `static_cast<c10::Half>(double)` does).
fn fill_f64_values(t: &Tensor, f: impl FnOnce(&mut [f64]) -> Result<(), String>) -> PyResult<()> {
    if t.dtype() == DType::F64 {
        return fill_ordered::<f64>(t, f);
    }
    dispatch!(t.dtype(), T => fill_ordered::<T>(t, |o| via(o, f, T::from_f64)))
}

fn tensor_self(t: &Bound<'_, PyAny>, what: &str) -> PyResult<Tensor> {
    tensor_arg(t, what)
}

// ----- the primitives (module functions of `_C`, wrapped as Tensor methods in Python) -----

#[pyfunction]
#[pyo3(signature = (t, from_, to, generator=None))]
fn _uniform_(
    t: &Bound<'_, PyAny>,
    from_: f64,
    to: f64,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let x = tensor_self(t, "uniform_")?;
    float_only(&x, "check_uniform_bounds")?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    match x.dtype() {
        DType::F32 => fill_ordered::<f32>(&x, |o| rng::fill_uniform_f32(&mut g, o, from_, to)),
        DType::F64 => fill_ordered::<f64>(&x, |o| rng::fill_uniform_f64(&mut g, o, from_, to)),
        DType::F16 => fill_ordered::<f16>(&x, |o| {
            let round = |v: f32| f16::from_f32(v).to_f32();
            via(
                o,
                |w| rng::fill_uniform_reduced(&mut g, w, from_, to, false, round),
                f16::from_f32,
            )
        }),
        _ => fill_ordered::<bf16>(&x, |o| {
            let round = |v: f32| bf16::from_f32(v).to_f32();
            via(
                o,
                |w| rng::fill_uniform_reduced(&mut g, w, from_, to, true, round),
                bf16::from_f32,
            )
        }),
    }
}

#[pyfunction]
#[pyo3(signature = (t, mean, std, generator=None))]
fn _normal_(
    t: &Bound<'_, PyAny>,
    mean: f64,
    std: f64,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let x = tensor_self(t, "normal_")?;
    if std.is_nan() || std < 0.0 {
        return Err(rt_err(format!(
            "normal expects std >= 0.0, but found std {}",
            rng::fmt_double(std)
        )));
    }
    float_only(&x, "normal_kernel_cpu")?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    if !x.is_contiguous() {
        // ATen's scalar path, one double normal per element in memory order.
        return fill_f64_values(&x, |o| {
            o.iter_mut()
                .for_each(|v| *v = rng::normal_scalar(&mut g, mean, std));
            Ok(())
        });
    }
    match x.dtype() {
        DType::F32 => fill_ordered::<f32>(&x, |o| rng::fill_normal_f32(&mut g, o, mean, std)),
        DType::F64 => fill_ordered::<f64>(&x, |o| rng::fill_normal_f64(&mut g, o, mean, std)),
        DType::F16 => fill_ordered::<f16>(&x, |o| {
            via(
                o,
                |w| rng::fill_normal_reduced(&mut g, w, mean, std),
                f16::from_f32,
            )
        }),
        _ => fill_ordered::<bf16>(&x, |o| {
            via(
                o,
                |w| rng::fill_normal_reduced(&mut g, w, mean, std),
                bf16::from_f32,
            )
        }),
    }
}

#[pyfunction]
#[pyo3(signature = (t, mean, std, generator=None))]
fn _log_normal_(
    t: &Bound<'_, PyAny>,
    mean: f64,
    std: f64,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let x = tensor_self(t, "log_normal_")?;
    float_only(&x, "log_normal_cpu")?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    fill_f64_values(&x, |o| rng::fill_log_normal_f64(&mut g, o, mean, std))
}

/// `random_()` (from and to None), `random_(to)` (from None), `random_(from, to)` (to may be
/// None: up to the dtype's largest value).
#[pyfunction]
#[pyo3(signature = (t, from_=None, to=None, generator=None))]
fn _random_(
    t: &Bound<'_, PyAny>,
    from_: Option<i64>,
    to: Option<i64>,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let x = tensor_self(t, "random_")?;
    let dt = rng_dtype(x.dtype())?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    dispatch!(x.dtype(), T => fill_ordered::<T>(&x, |o| via(o, |w| {
        match (from_, to) {
            (None, None) => {
                rng::fill_random(&mut g, w, dt);
                Ok(())
            }
            (None, Some(to)) => rng::fill_random_to(&mut g, w, to, dt),
            (Some(from), to) => rng::fill_random_from_to(&mut g, w, from, to, dt),
        }
    }, T::from_i64)))
}

/// `bernoulli_(p)`: `p` a Python number (f64 uniforms) or a tensor of probabilities
/// broadcast to `t` (f32 uniforms unless `p` is float64).
#[pyfunction]
#[pyo3(signature = (t, p, generator=None))]
fn _bernoulli_(
    t: &Bound<'_, PyAny>,
    p: &Bound<'_, PyAny>,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let x = tensor_self(t, "bernoulli_")?;
    if let Ok(pt) = p.cast::<PyTensor>() {
        let pt = pt.get().t();
        if !pt.dtype().is_float() {
            return Err(not_implemented_for("bernoulli_tensor_cpu_p_", pt.dtype()).into());
        }
        let pl = pt.layout().broadcast_to(x.shape())?;
        // The probabilities in the order the elements of `t` are drawn.
        let pv = pt.with_layout(pl.permute(&memory_dims(x.layout())));
        let g = self::generator(generator)?;
        let mut g = lock(&g);
        if x.is_gpu() || pt.is_gpu() {
            return bernoulli_gpu(&x, &pv, &mut g);
        }
        return if pt.dtype() == DType::F64 {
            let probs = pv.try_to_vec::<f64>()?;
            dispatch!(x.dtype(), T => fill_ordered::<T>(&x, |o| via(o, |w: &mut [bool]| {
                rng::fill_bernoulli_tensor_f64(&mut g, w, &probs)
            }, T::from_bool)))
        } else {
            let probs = pv.try_to_vec::<f32>()?;
            dispatch!(x.dtype(), T => fill_ordered::<T>(&x, |o| via(o, |w: &mut [bool]| {
                rng::fill_bernoulli_tensor_f32(&mut g, w, &probs)
            }, T::from_bool)))
        };
    }
    let p: f64 = p.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "bernoulli_(): argument 'p' must be float or Tensor, not {}",
            p.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    dispatch!(x.dtype(), T => fill_ordered::<T>(&x, |o| via(o, |w: &mut [bool]| {
        rng::fill_bernoulli_scalar(&mut g, w, p)
    }, T::from_bool)))
}

/// `bernoulli_(p)` for GPU tensors: the same float32 uniforms as the CPU path, drawn in the
/// elements' memory order and uploaded, compared with the probabilities on the device.
fn bernoulli_gpu(x: &Tensor, pv: &Tensor, g: &mut Generator) -> PyResult<()> {
    use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp, binary, unary};
    use crate::ops::reduce::all_any;
    crate::backend::gpu::same_device(&[x, pv])?;
    let sc = |v: f64| Operand::Scalar(crate::dtype::Scalar::Float(v));
    let pt = |t: &Tensor| Operand::Tensor(t.clone());
    let bad = binary(
        BinaryOp::LogicalOr,
        &pt(&binary(BinaryOp::Lt, &pt(pv), &sc(0.0))?),
        &pt(&binary(BinaryOp::Gt, &pt(pv), &sc(1.0))?),
    )?;
    let bad = binary(
        BinaryOp::LogicalOr,
        &pt(&bad),
        &pt(&unary(UnaryOp::IsNan, pv)?),
    )?;
    if pv.numel() > 0 && all_any(&bad, None, false, true)?.item()?.to_i64() != 0 {
        return Err(rt_err(rng::BERNOULLI_P_ERROR.to_string()));
    }
    let mo = x.with_layout(memory_order(x.layout()));
    let u: Vec<f32> = (0..x.numel()).map(|_| g.uniform_f32()).collect();
    let u = crate::backend::gpu::upload(&Tensor::from_vec(u, mo.shape()))?;
    let hit = binary(BinaryOp::Lt, &pt(&u), &pt(pv))?;
    crate::tensor::try_copy_into(&mo, &hit)?;
    x.storage().bump_version();
    Ok(())
}

#[pyfunction]
#[pyo3(signature = (t, lambd, generator=None))]
fn _exponential_(
    t: &Bound<'_, PyAny>,
    lambd: f64,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let x = tensor_self(t, "exponential_")?;
    float_only(&x, "exponential_cpu")?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    fill_f64_values(&x, |o| rng::fill_exponential_f64(&mut g, o, lambd))
}

#[pyfunction]
#[pyo3(signature = (t, p, generator=None))]
fn _geometric_(t: &Bound<'_, PyAny>, p: f64, generator: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    let x = tensor_self(t, "geometric_")?;
    if x.dtype() == DType::Bool {
        return Err(not_implemented_for("geometric_cpu", DType::Bool).into());
    }
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    fill_f64_values(&x, |o| rng::fill_geometric(&mut g, o, p))
}

#[pyfunction]
#[pyo3(signature = (t, median, sigma, generator=None))]
fn _cauchy_(
    t: &Bound<'_, PyAny>,
    median: f64,
    sigma: f64,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let x = tensor_self(t, "cauchy_")?;
    float_only(&x, "cauchy_cpu")?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    fill_f64_values(&x, |o| rng::fill_cauchy_f64(&mut g, o, median, sigma))
}

/// `randperm(n)` as int64 (the caller casts to another dtype).
#[pyfunction]
#[pyo3(signature = (n, generator=None))]
fn _randperm(py: Python<'_>, n: i64, generator: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
    let g = self::generator(generator)?;
    let v = rng::randperm(&mut lock(&g), n).map_err(rt_err)?;
    let len = v.len();
    wrap(py, Tensor::from_vec(v, &[len]))
}

#[pyfunction]
#[pyo3(signature = (probs, num_samples, replacement=false, generator=None))]
fn _multinomial(
    py: Python<'_>,
    probs: &Bound<'_, PyAny>,
    num_samples: i64,
    replacement: bool,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let p = tensor_arg(probs, "multinomial")?;
    if !p.dtype().is_float() {
        return Err(rt_err(format!(
            "multinomial only supports floating-point dtypes for input, got: {}",
            type_title(p.dtype())
        )));
    }
    if p.ndim() == 0 || p.ndim() > 2 {
        return Err(rt_err("prob_dist must be 1 or 2 dim".to_string()));
    }
    let n_categories = *p.shape().last().unwrap_or(&0);
    let rows = if p.ndim() == 2 { p.shape()[0] } else { 1 };
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    if p.is_gpu() {
        // The value-independent checks, in the CPU kernel's order and words.
        let err = if num_samples <= 0 {
            Some("cannot sample n_sample <= 0 samples")
        } else if !replacement && num_samples as u64 > n_categories as u64 {
            Some("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        } else if n_categories > 1 << 24 {
            Some("number of categories cannot exceed 2^24")
        } else if n_categories == 0 {
            Some("invalid multinomial distribution (sum of probabilities <= 0)")
        } else {
            None
        };
        if let Some(e) = err {
            return Err(rt_err(e.to_string()));
        }
        let k = num_samples as usize;
        let out =
            crate::ops::gpu::random::multinomial(&mut g, &p, rows, n_categories, k, replacement)?;
        let shape: Vec<i64> = if p.ndim() == 2 {
            vec![rows as i64, k as i64]
        } else {
            vec![k as i64]
        };
        return wrap(py, crate::ops::view::reshape(&out, &shape)?);
    }
    let v = if p.dtype() == DType::F64 {
        rng::multinomial(
            &mut g,
            &p.try_to_vec::<f64>()?,
            n_categories,
            num_samples,
            replacement,
        )
    } else {
        rng::multinomial(
            &mut g,
            &p.try_to_vec::<f32>()?,
            n_categories,
            num_samples,
            replacement,
        )
    }
    .map_err(rt_err)?;
    let k = v
        .len()
        .checked_div(rows)
        .unwrap_or(num_samples.max(0) as usize);
    let shape: Vec<usize> = if p.ndim() == 2 {
        vec![rows, k]
    } else {
        vec![k]
    };
    wrap(py, Tensor::from_vec(v, &shape))
}

// ----- rejection samplers (`_standard_gamma`, `_sample_dirichlet`, `poisson`, `binomial`) -----

/// A float32/float64 tensor's values in row-major order, or ATen's "not implemented" error
/// naming `kernel`.
fn sampler_input(t: &Bound<'_, PyAny>, what: &str, kernel: &str) -> PyResult<Tensor> {
    let x = tensor_arg(t, what)?;
    match x.dtype() {
        DType::F32 | DType::F64 => Ok(x),
        d => Err(not_implemented_for(kernel, d).into()),
    }
}

fn sampled<S: Element + rng::Real>(
    py: Python<'_>,
    v: Vec<S>,
    like: &Tensor,
) -> PyResult<Py<PyAny>> {
    let out = Tensor::from_vec(v, like.shape());
    let out = if like.is_gpu() {
        crate::python::gpu::to_device(&out, like.device())?
    } else {
        out
    };
    wrap(py, out)
}

#[pyfunction]
#[pyo3(signature = (alpha, generator=None))]
fn _standard_gamma(
    py: Python<'_>,
    alpha: &Bound<'_, PyAny>,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let a = sampler_input(alpha, "_standard_gamma", "gamma_cpu")?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    if a.dtype() == DType::F64 {
        let v = rng::standard_gamma(&mut g, &a.try_to_vec::<f64>()?);
        sampled(py, v, &a)
    } else {
        let v = rng::standard_gamma(&mut g, &a.try_to_vec::<f32>()?);
        sampled(py, v, &a)
    }
}

#[pyfunction]
#[pyo3(signature = (alpha, generator=None))]
fn _sample_dirichlet(
    py: Python<'_>,
    alpha: &Bound<'_, PyAny>,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let a = sampler_input(alpha, "_sample_dirichlet", "dirichlet")?;
    let k = a.shape().last().copied().unwrap_or(1);
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    if a.dtype() == DType::F64 {
        let v = rng::sample_dirichlet(&mut g, &a.try_to_vec::<f64>()?, k);
        sampled(py, v, &a)
    } else {
        let v = rng::sample_dirichlet(&mut g, &a.try_to_vec::<f32>()?, k);
        sampled(py, v, &a)
    }
}

#[pyfunction]
#[pyo3(signature = (rates, generator=None))]
fn _poisson(
    py: Python<'_>,
    rates: &Bound<'_, PyAny>,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let r = sampler_input(rates, "poisson", "poisson_cpu")?;
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    let rates: Vec<f64> = if r.dtype() == DType::F64 {
        r.try_to_vec::<f64>()?
    } else {
        r.try_to_vec::<f32>()?.into_iter().map(f64::from).collect()
    };
    let v = rng::poisson(&mut g, &rates).map_err(rt_err)?;
    if r.dtype() == DType::F64 {
        sampled(py, v, &r)
    } else {
        sampled(py, v.into_iter().map(|x| x as f32).collect(), &r)
    }
}

#[pyfunction]
#[pyo3(signature = (count, prob, generator=None))]
fn _binomial(
    py: Python<'_>,
    count: &Bound<'_, PyAny>,
    prob: &Bound<'_, PyAny>,
    generator: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let n = sampler_input(count, "binomial", "binomial_cpu")?;
    let p = tensor_arg(prob, "binomial")?;
    if p.dtype() != n.dtype() {
        return Err(rt_err(format!(
            "expected scalar type {} but found {}",
            type_title(n.dtype()),
            type_title(p.dtype())
        )));
    }
    if p.shape() != n.shape() {
        return Err(rt_err(format!(
            "binomial: count and prob must have the same shape, got {:?} and {:?}",
            n.shape(),
            p.shape()
        )));
    }
    let g = self::generator(generator)?;
    let mut g = lock(&g);
    if n.dtype() == DType::F64 {
        let v = rng::binomial(&mut g, &n.try_to_vec::<f64>()?, &p.try_to_vec::<f64>()?);
        sampled(py, v, &n)
    } else {
        let v = rng::binomial(&mut g, &n.try_to_vec::<f32>()?, &p.try_to_vec::<f32>()?);
        sampled(py, v, &n)
    }
}

/// The same-dtype, same-shape float tensors of an elementwise gradient helper.
fn grad_inputs(args: &[&Bound<'_, PyAny>], what: &str, kernel: &str) -> PyResult<Vec<Tensor>> {
    let ts = args
        .iter()
        .map(|a| sampler_input(a, what, kernel))
        .collect::<PyResult<Vec<_>>>()?;
    if ts
        .iter()
        .any(|t| t.dtype() != ts[0].dtype() || t.shape() != ts[0].shape())
    {
        return Err(rt_err(format!(
            "{what}: expected tensors of one dtype and shape"
        )));
    }
    Ok(ts)
}

#[pyfunction]
fn _standard_gamma_grad(
    py: Python<'_>,
    alpha: &Bound<'_, PyAny>,
    x: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let t = grad_inputs(
        &[alpha, x],
        "_standard_gamma_grad",
        "_standard_gamma_grad_cpu",
    )?;
    if t[0].dtype() == DType::F64 {
        let v = rng::standard_gamma_grad(&t[0].try_to_vec::<f64>()?, &t[1].try_to_vec::<f64>()?);
        sampled(py, v, &t[0])
    } else {
        let v = rng::standard_gamma_grad(&t[0].try_to_vec::<f32>()?, &t[1].try_to_vec::<f32>()?);
        sampled(py, v, &t[0])
    }
}

#[pyfunction]
fn _dirichlet_grad(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    alpha: &Bound<'_, PyAny>,
    total: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let t = grad_inputs(&[x, alpha, total], "_dirichlet_grad", "_dirichlet_grad_cpu")?;
    if t[0].dtype() == DType::F64 {
        let v = rng::dirichlet_grad(
            &t[0].try_to_vec::<f64>()?,
            &t[1].try_to_vec::<f64>()?,
            &t[2].try_to_vec::<f64>()?,
        );
        sampled(py, v, &t[0])
    } else {
        let v = rng::dirichlet_grad(
            &t[0].try_to_vec::<f32>()?,
            &t[1].try_to_vec::<f32>()?,
            &t[2].try_to_vec::<f32>()?,
        );
        sampled(py, v, &t[0])
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyGenerator>()?;
    m.add(
        "default_generator",
        Py::new(
            py,
            PyGenerator {
                inner: DEFAULT.clone(),
            },
        )?,
    )?;
    m.add_function(wrap_pyfunction!(_uniform_, m)?)?;
    m.add_function(wrap_pyfunction!(_normal_, m)?)?;
    m.add_function(wrap_pyfunction!(_log_normal_, m)?)?;
    m.add_function(wrap_pyfunction!(_random_, m)?)?;
    m.add_function(wrap_pyfunction!(_bernoulli_, m)?)?;
    m.add_function(wrap_pyfunction!(_exponential_, m)?)?;
    m.add_function(wrap_pyfunction!(_geometric_, m)?)?;
    m.add_function(wrap_pyfunction!(_cauchy_, m)?)?;
    m.add_function(wrap_pyfunction!(_randperm, m)?)?;
    m.add_function(wrap_pyfunction!(_multinomial, m)?)?;
    m.add_function(wrap_pyfunction!(_standard_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(_sample_dirichlet, m)?)?;
    m.add_function(wrap_pyfunction!(_poisson, m)?)?;
    m.add_function(wrap_pyfunction!(_binomial, m)?)?;
    m.add_function(wrap_pyfunction!(_standard_gamma_grad, m)?)?;
    m.add_function(wrap_pyfunction!(_dirichlet_grad, m)?)?;
    Ok(())
}
