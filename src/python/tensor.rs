//! `rtensor.Tensor`: the PyO3 class. Operators and hot methods live here; the long tail of
//! methods with Python-style argument handling is added in `python/rtensor/_tensor.py`, which
//! calls the primitives below. Every method reaches the one op in `ops/`.

use crate::autograd::ops as ag;
use crate::dispatch;
use crate::dtype::{DType, Scalar};
use crate::error::Error;
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp};
use crate::ops::index::{self, IndexItem, ScatterMode};
use crate::ops::{join, reduce, view};
use crate::python::convert::*;
use crate::tensor::{Tensor, scalar_of};
use pyo3::basic::CompareOp;
use pyo3::exceptions::{PyIndexError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyEllipsis, PyInt, PyList, PySlice, PyTuple};
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

pub fn binary_op(name: &str) -> PyResult<BinaryOp> {
    use BinaryOp::*;
    Ok(match name {
        "add" => Add,
        "sub" => Sub,
        "mul" => Mul,
        "div" => Div,
        "div_trunc" => DivTrunc,
        "floor_divide" => DivFloor,
        "remainder" => Remainder,
        "fmod" => Fmod,
        "pow" => Pow,
        "atan2" => Atan2,
        "minimum" => Minimum,
        "maximum" => Maximum,
        "eq" => Eq,
        "ne" => Ne,
        "lt" => Lt,
        "le" => Le,
        "gt" => Gt,
        "ge" => Ge,
        "logical_and" => LogicalAnd,
        "logical_or" => LogicalOr,
        "logical_xor" => LogicalXor,
        "bitwise_and" => BitAnd,
        "bitwise_or" => BitOr,
        "bitwise_xor" => BitXor,
        _ => return Err(PyValueError::new_err(format!("unknown binary op {}", name))),
    })
}

pub fn unary_op(name: &str) -> PyResult<UnaryOp> {
    use UnaryOp::*;
    Ok(match name {
        "neg" => Neg,
        "abs" => Abs,
        "sign" => Sign,
        "exp" => Exp,
        "exp2" => Exp2,
        "expm1" => Expm1,
        "log" => Log,
        "log2" => Log2,
        "log10" => Log10,
        "log1p" => Log1p,
        "sqrt" => Sqrt,
        "rsqrt" => Rsqrt,
        "sin" => Sin,
        "cos" => Cos,
        "tan" => Tan,
        "asin" => Asin,
        "acos" => Acos,
        "atan" => Atan,
        "sinh" => Sinh,
        "cosh" => Cosh,
        "tanh" => Tanh,
        "sigmoid" => Sigmoid,
        "relu" => Relu,
        "floor" => Floor,
        "ceil" => Ceil,
        "round" => Round,
        "trunc" => Trunc,
        "frac" => Frac,
        "reciprocal" => Reciprocal,
        "square" => Square,
        "logical_not" => LogicalNot,
        "bitwise_not" => BitwiseNot,
        "isnan" => IsNan,
        "isinf" => IsInf,
        "isfinite" => IsFinite,
        _ => return Err(PyValueError::new_err(format!("unknown unary op {}", name))),
    })
}

/// Applies `alpha` to the second operand (`add(x, y, alpha=2)` is `x + 2*y`).
fn scaled(other: Operand, alpha: Option<Scalar>) -> Result<Operand, Error> {
    match alpha {
        None => Ok(other),
        Some(a) => Ok(Operand::Tensor(ag::binary(
            BinaryOp::Mul,
            &other,
            &Operand::Scalar(a),
        )?)),
    }
}

/// `alpha=` of add/sub: a number (TypeError otherwise), checked like PyTorch's `alpha_check`
/// against the dtype the op computes in.
fn alpha_arg(
    name: &str,
    alpha: Option<&Bound<'_, PyAny>>,
    a: &Tensor,
    other: &Operand,
) -> PyResult<Option<Scalar>> {
    let Some(obj) = alpha.filter(|x| !x.is_none()) else {
        return Ok(None);
    };
    let Some(s) = to_scalar(obj)? else {
        return Err(PyTypeError::new_err(format!(
            "{}(): argument 'alpha' must be Number, not {}",
            name,
            obj.get_type().name()?
        )));
    };
    let common = crate::ops::elementwise::result_type(&Operand::Tensor(a.clone()), other);
    if matches!(s, Scalar::Bool(_)) && common != DType::Bool {
        return Err(PyRuntimeError::new_err(
            "Boolean alpha only supported for Boolean results.",
        ));
    }
    if !common.is_float() && matches!(s, Scalar::Float(_)) {
        return Err(PyRuntimeError::new_err(
            "For integral input tensors, argument alpha must not be a floating point number.",
        ));
    }
    Ok(Some(s))
}

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

fn parse_index(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Vec<IndexItem>> {
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
    let _ = py;
    Ok(out)
}

#[pymethods]
impl PyTensor {
    /// Legacy constructor: `Tensor(2, 3)` (sizes) or `Tensor(data)`; default float dtype.
    #[new]
    #[pyo3(signature = (*args, **kwargs))]
    fn py_new(args: &Bound<'_, PyTuple>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let dtype = crate::ops::default_float();
        if let Some(kw) = kwargs {
            if let Some(w) = kw.get_item("_wrap")? {
                return Ok(PyTensor::new(tensor_arg(&w, "Tensor")?));
            }
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
        scalar_to_py(py, self.t().item()?)
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
        let _ = non_blocking;
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

    // ----- elementwise -----
    #[pyo3(signature = (name, other, alpha=None))]
    fn _binary(
        &self,
        py: Python<'_>,
        name: &str,
        other: &Bound<'_, PyAny>,
        alpha: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let op = binary_op(name)?;
        let o = operand_arg(other, name)?;
        let alpha = alpha_arg(name, alpha, &self.t(), &o)?;
        wrap(
            py,
            ag::binary(op, &Operand::Tensor(self.t()), &scaled(o, alpha)?)?,
        )
    }
    #[pyo3(signature = (name, other, alpha=None))]
    fn _binary_(
        slf: &Bound<'_, Self>,
        name: &str,
        other: &Bound<'_, PyAny>,
        alpha: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let op = binary_op(name)?;
        let o = operand_arg(other, name)?;
        let alpha = alpha_arg(name, alpha, &slf.get().t(), &o)?;
        ag::binary_inplace(op, &slf.get().t(), &scaled(o, alpha)?)?;
        Ok(slf.clone().into_any().unbind())
    }
    fn _unary(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unary(unary_op(name)?, &self.t())?)
    }
    fn _unary_(slf: &Bound<'_, Self>, name: &str) -> PyResult<Py<PyAny>> {
        ag::unary_inplace(unary_op(name)?, &slf.get().t())?;
        Ok(slf.clone().into_any().unbind())
    }
    #[pyo3(signature = (min=None, max=None))]
    fn clamp(
        &self,
        py: Python<'_>,
        min: Option<&Bound<'_, PyAny>>,
        max: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (lo, hi) = clamp_bounds(min, max)?;
        let t = self.t();
        let r = ag::clamp(&t, lo.as_ref(), hi.as_ref())?;
        // clamp keeps the input dtype unless a tensor bound promotes it.
        let r = if matches!(
            (&lo, &hi),
            (Some(Operand::Tensor(_)), _) | (_, Some(Operand::Tensor(_)))
        ) {
            r
        } else if t.dtype().is_float() || r.dtype() == t.dtype() {
            r.try_to_dtype(t.dtype())?
        } else {
            r
        };
        wrap(py, r)
    }
    #[pyo3(signature = (min=None, max=None))]
    fn clamp_(
        slf: &Bound<'_, Self>,
        min: Option<&Bound<'_, PyAny>>,
        max: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (lo, hi) = clamp_bounds(min, max)?;
        let t = slf.get().t();
        ag::inplace(&t, &[], |src| ag::clamp(src, lo.as_ref(), hi.as_ref()))?;
        Ok(slf.clone().into_any().unbind())
    }

    fn __add__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Add, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __radd__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Add, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __iadd__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__iadd__")?;
        ag::binary_inplace(BinaryOp::Add, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __sub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Sub, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __rsub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Sub, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __isub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__isub__")?;
        ag::binary_inplace(BinaryOp::Sub, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __mul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Mul, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __rmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Mul, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __imul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__imul__")?;
        ag::binary_inplace(BinaryOp::Mul, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __truediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Div, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __rtruediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Div, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __itruediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__itruediv__")?;
        ag::binary_inplace(BinaryOp::Div, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __floordiv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::DivFloor, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __rfloordiv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::DivFloor, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __ifloordiv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__ifloordiv__")?;
        ag::binary_inplace(BinaryOp::DivFloor, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __mod__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Remainder, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __rmod__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Remainder, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __imod__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__imod__")?;
        ag::binary_inplace(BinaryOp::Remainder, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __and__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::BitAnd, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __rand__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::BitAnd, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __iand__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__iand__")?;
        ag::binary_inplace(BinaryOp::BitAnd, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __or__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::BitOr, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __ror__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::BitOr, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __ior__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__ior__")?;
        ag::binary_inplace(BinaryOp::BitOr, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __xor__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::BitXor, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __rxor__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::BitXor, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __ixor__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
        let o = operand_arg(other, "__ixor__")?;
        ag::binary_inplace(BinaryOp::BitXor, &slf.get().t(), &o)?;
        Ok(())
    }

    fn __pow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        _mod: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Pow, &Operand::Tensor(slf.get().t()), &o)?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __rpow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        _mod: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match to_operand(other)? {
            Some(o) => wrap(
                py,
                ag::binary(BinaryOp::Pow, &o, &Operand::Tensor(slf.get().t()))?,
            ),
            None => Ok(py.NotImplemented()),
        }
    }
    fn __ipow__(
        slf: &Bound<'_, Self>,
        other: &Bound<'_, PyAny>,
        _mod: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let o = operand_arg(other, "pow_")?;
        ag::binary_inplace(BinaryOp::Pow, &slf.get().t(), &o)?;
        Ok(())
    }
    fn __matmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match other.cast::<PyTensor>() {
            Ok(o) => wrap(py, ag::matmul(&slf.get().t(), &o.get().t())?),
            Err(_) => Ok(py.NotImplemented()),
        }
    }
    fn __rmatmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match other.cast::<PyTensor>() {
            Ok(o) => wrap(py, ag::matmul(&o.get().t(), &slf.get().t())?),
            Err(_) => Ok(py.NotImplemented()),
        }
    }
    fn __neg__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unary(UnaryOp::Neg, &self.t())?)
    }
    fn __pos__(slf: &Bound<'_, Self>) -> Py<PyAny> {
        slf.clone().into_any().unbind()
    }
    fn __abs__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unary(UnaryOp::Abs, &self.t())?)
    }
    fn __invert__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unary(UnaryOp::BitwiseNot, &self.t())?)
    }
    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Some(o) = to_operand(other)? else {
            return Ok(py.NotImplemented());
        };
        let bop = match op {
            CompareOp::Eq => BinaryOp::Eq,
            CompareOp::Ne => BinaryOp::Ne,
            CompareOp::Lt => BinaryOp::Lt,
            CompareOp::Le => BinaryOp::Le,
            CompareOp::Gt => BinaryOp::Gt,
            CompareOp::Ge => BinaryOp::Ge,
        };
        wrap(py, ag::binary(bop, &Operand::Tensor(self.t()), &o)?)
    }

    // ----- reductions -----
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
        let (v, i) = reduce::median_dim(&flat, 0, false)?;
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

    // ----- linear algebra -----
    fn mm(&self, py: Python<'_>, mat2: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::mm(&self.t(), &tensor_arg(mat2, "mm")?)?)
    }
    fn bmm(&self, py: Python<'_>, mat2: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::bmm(&self.t(), &tensor_arg(mat2, "bmm")?)?)
    }
    fn mv(&self, py: Python<'_>, vec: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::mv(&self.t(), &tensor_arg(vec, "mv")?)?)
    }
    fn dot(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::dot(&self.t(), &tensor_arg(other, "dot")?)?)
    }
    fn matmul(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::matmul(&self.t(), &tensor_arg(other, "matmul")?)?)
    }
    fn outer(&self, py: Python<'_>, vec2: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::outer(&self.t(), &tensor_arg(vec2, "outer")?)?)
    }
    fn _addmm(
        &self,
        py: Python<'_>,
        kind: &str,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
        beta: &Bound<'_, PyAny>,
        alpha: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let (a, b) = (tensor_arg(a, kind)?, tensor_arg(b, kind)?);
        let beta = to_scalar(beta)?.unwrap_or(Scalar::Int(1));
        let alpha = to_scalar(alpha)?.unwrap_or(Scalar::Int(1));
        let i = self.t();
        wrap(py, ag::addmm_like(kind, &i, &a, &b, beta, alpha)?)
    }

    // ----- indexing -----
    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let t = self.t();
        if let Ok(i) = key.cast::<PyInt>() {
            // Fast path for t[i].
            return wrap(py, ag::select(&t, 0, i.extract()?).map_err(|e| match e {
                Error::Index(m) if t.ndim() == 0 => Error::Index(format!("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number{}", if m.is_empty() { "" } else { "" })),
                e => e,
            })?);
        }
        let items = parse_index(py, key)?;
        wrap(py, ag::getitem(&t, &items)?)
    }
    fn __setitem__(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let items = parse_index(py, key)?;
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
        wrap(py, join::diag(&self.t(), diagonal)?)
    }
    // ----- autograd -----
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
        if on && !t.dtype().is_float() {
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

    #[pyo3(signature = (*dims))]
    fn tile(&self, py: Python<'_>, dims: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        wrap(py, join::tile(&self.t(), &sizes_arg(dims)?)?)
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

/// Elements of a bool tensor, for tests of the binding layer.
#[allow(dead_code)]
fn bools(t: &Tensor) -> Vec<bool> {
    dispatch!(t.dtype(), T => t.to_vec::<T>().into_iter().map(|v| matches!(scalar_of(v), Scalar::Bool(true))).collect())
}

/// `clamp`'s optional `min`/`max` (None or absent: no bound on that side).
type ClampBounds = (Option<Operand>, Option<Operand>);
fn clamp_bounds(
    min: Option<&Bound<'_, PyAny>>,
    max: Option<&Bound<'_, PyAny>>,
) -> PyResult<ClampBounds> {
    let bound = |b: Option<&Bound<'_, PyAny>>| {
        b.filter(|m| !m.is_none())
            .map(|m| operand_arg(m, "clamp"))
            .transpose()
    };
    Ok((bound(min)?, bound(max)?))
}
