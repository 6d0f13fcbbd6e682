//! Conversions between Python objects and core values: dtypes, numbers, sizes, dims,
//! nested sequences and NumPy arrays.

use crate::dispatch;
use crate::dtype::{DType, Element, Scalar};
use crate::ops::default_float;
use crate::ops::elementwise::Operand;
use crate::python::tensor::PyTensor;
use crate::shape::Layout;
use crate::storage::Storage;
use crate::tensor::Tensor;
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyBytes, PyComplex, PyFloat, PyInt, PyList, PySequence, PyString, PyTuple,
};

#[pyclass(name = "dtype", module = "rtensor", frozen, eq, hash)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyDType {
    pub d: DType,
}

#[pymethods]
impl PyDType {
    fn __repr__(&self) -> String {
        format!("rtensor.{}", self.d.name())
    }
    #[getter]
    fn is_floating_point(&self) -> bool {
        self.d.is_float()
    }
    #[getter]
    fn is_signed(&self) -> bool {
        self.d.is_signed()
    }
    #[getter]
    fn itemsize(&self) -> usize {
        self.d.size()
    }
    #[getter]
    fn is_complex(&self) -> bool {
        self.d.is_complex()
    }
    /// Name used by `Tensor.type()` (`FloatTensor`).
    #[getter]
    fn _legacy_name(&self) -> &'static str {
        self.d.legacy_name()
    }
    #[getter]
    fn _name(&self) -> &'static str {
        self.d.name()
    }
    fn __reduce__(&self) -> (String,) {
        (self.d.name().to_string(),)
    }
}

pub fn dtype_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<DType>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => Ok(Some(to_dtype(o)?)),
    }
}

/// Accepts an `rtensor.dtype`, Python's `float`/`int`/`bool` types, or NumPy dtypes.
pub fn to_dtype(o: &Bound<'_, PyAny>) -> PyResult<DType> {
    if let Ok(d) = o.cast::<PyDType>() {
        return Ok(d.get().d);
    }
    let py = o.py();
    if o.is(py.get_type::<PyFloat>()) {
        return Ok(DType::F64);
    }
    if o.is(py.get_type::<PyBool>()) {
        return Ok(DType::Bool);
    }
    if o.is(py.get_type::<PyInt>()) {
        return Ok(DType::I64);
    }
    if let Ok(name) = o.getattr("name").and_then(|n| n.extract::<String>())
        && let Some(d) = DType::from_name(&name)
    {
        return Ok(d);
    }
    Err(PyTypeError::new_err(format!(
        "dtype must be rtensor.dtype, not {}",
        o.get_type().name()?
    )))
}

/// A Python number (bool before int: bool is an int subclass). NumPy scalars too.
pub fn to_scalar(o: &Bound<'_, PyAny>) -> PyResult<Option<Scalar>> {
    if let Ok(b) = o.cast::<PyBool>() {
        return Ok(Some(Scalar::Bool(b.is_true())));
    }
    if let Ok(i) = o.cast::<PyInt>() {
        return match i.extract::<i64>() {
            Ok(v) => Ok(Some(Scalar::Int(v))),
            Err(_) => Err(PyRuntimeError::new_err("Overflow when unpacking long")),
        };
    }
    if let Ok(f) = o.cast::<PyFloat>() {
        return Ok(Some(Scalar::Float(f.value())));
    }
    // NumPy scalars: np.bool_, integer and floating types.
    let tname = o.get_type().name()?.to_string();
    if tname == "bool" || tname == "bool_" {
        return Ok(Some(Scalar::Bool(o.is_truthy()?)));
    }
    if o.hasattr("dtype")?
        && !o.is_instance_of::<PyTensor>()
        && o.hasattr("item")?
        && o.getattr("ndim")?.extract::<usize>().unwrap_or(1) == 0
    {
        return to_scalar(&o.call_method0("item")?);
    }
    Ok(None)
}

/// A 0-d tensor of the default complex dtype holding `re + im j`.
pub fn complex_scalar(re: f64, im: f64) -> PyResult<Tensor> {
    let out = Tensor::zeros(&[], default_float().to_complex());
    crate::tensor::try_copy_into(&out.real_view(), &Tensor::from_vec(vec![re, im], &[2]))?;
    Ok(out)
}

pub fn scalar_to_py(py: Python<'_>, s: Scalar) -> PyResult<Py<PyAny>> {
    Ok(match s {
        Scalar::Bool(b) => PyBool::new(py, b).to_owned().into_any().unbind(),
        Scalar::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
        Scalar::Float(f) => f.into_pyobject(py)?.into_any().unbind(),
    })
}

/// An op argument: a tensor or a number; anything else is a TypeError naming the type.
pub fn to_operand(o: &Bound<'_, PyAny>) -> PyResult<Option<Operand>> {
    if let Ok(t) = o.cast::<PyTensor>() {
        return Ok(Some(Operand::Tensor(t.get().t())));
    }
    if let Ok(c) = o.cast::<PyComplex>() {
        // A Python complex number: a 0-d tensor of the default complex dtype, which promotes
        // as PyTorch's wrapped complex number does (float64 * 1j is complex128).
        return Ok(Some(Operand::Tensor(complex_scalar(c.real(), c.imag())?)));
    }
    Ok(to_scalar(o)?.map(Operand::Scalar))
}

pub fn operand_arg(o: &Bound<'_, PyAny>, what: &str) -> PyResult<Operand> {
    to_operand(o)?.ok_or_else(|| {
        PyTypeError::new_err(format!(
            "{}: expected Tensor or Number as argument, but got {}",
            what,
            o.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })
}

pub fn tensor_arg(o: &Bound<'_, PyAny>, what: &str) -> PyResult<Tensor> {
    o.cast::<PyTensor>().map(|t| t.get().t()).map_err(|_| {
        PyTypeError::new_err(format!(
            "{}: argument must be Tensor, not {}",
            what,
            o.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })
}

/// Sizes given as varargs (`view(2, 3)`) or as one sequence (`view((2, 3))`).
pub fn sizes_arg(args: &Bound<'_, PyTuple>) -> PyResult<Vec<i64>> {
    if args.len() == 1 {
        let a = args.get_item(0)?;
        if !a.is_instance_of::<PyInt>() && a.cast::<PySequence>().is_ok() {
            return int_list(&a);
        }
    }
    int_list(args.as_any())
}

pub fn int_list(o: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    if let Ok(i) = o.extract::<i64>() {
        return Ok(vec![i]);
    }
    let seq = o.cast::<PySequence>().map_err(|_| {
        PyTypeError::new_err(format!(
            "expected a sequence of integers, got {}",
            o.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    let mut v = Vec::with_capacity(seq.len()?);
    for item in seq.try_iter()? {
        let item = item?;
        if item.is_instance_of::<PyFloat>() {
            return Err(PyTypeError::new_err(
                "expected a sequence of integers but got element of type float".to_string(),
            ));
        }
        let i: i64 = match item.extract::<i64>() {
            Ok(i) => i,
            Err(_) => item
                .call_method0("__index__")
                .and_then(|x| x.extract())
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "expected a sequence of integers but got element of type {}",
                        item.get_type()
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_default()
                    ))
                })?,
        };
        v.push(i);
    }
    Ok(v)
}

/// Sizes for factory functions: negative sizes are PyTorch's RuntimeError.
pub fn shape_arg(args: &Bound<'_, PyTuple>) -> PyResult<Vec<usize>> {
    let v = sizes_arg(args)?;
    v.iter()
        .map(|&s| {
            if s < 0 {
                Err(crate::error::Error::Runtime(format!(
                    "Trying to create tensor with negative dimension {}: {:?}",
                    s, v
                ))
                .into())
            } else {
                Ok(s as usize)
            }
        })
        .collect()
}

/// `dim=` arguments: None, an int, or a sequence of ints.
pub fn dims_arg(o: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<i64>>> {
    match o {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => Ok(Some(int_list(o)?)),
    }
}

/// PyTorch's `MAX_DIMS`: deeper nesting is an error (this also stops self-referential lists).
const MAX_DIMS: usize = 64;

fn type_name(o: &Bound<'_, PyAny>) -> String {
    o.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// A NumPy scalar (`np.float32(1)`, `np.int16(2)`, `np.bool_(True)`): its dtype and value.
fn numpy_scalar(o: &Bound<'_, PyAny>) -> PyResult<Option<(Scalar, DType, f64)>> {
    if o.is_instance_of::<PyTensor>()
        || o.cast::<PyUntypedArray>().is_ok()
        || !o.hasattr("dtype")?
    {
        return Ok(None);
    }
    let module = o
        .get_type()
        .getattr("__module__")
        .and_then(|m| m.extract::<String>())
        .unwrap_or_default();
    if module != "numpy" {
        return Ok(None);
    }
    let descr = o.getattr("dtype")?;
    let kind: String = descr.getattr("kind")?.extract()?;
    let size: usize = descr.getattr("itemsize")?.extract()?;
    let dtype = numpy_dtype(kind.bytes().next().unwrap_or(b'?'), size).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "can't convert np.ndarray of type numpy.{}. The only supported types are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool.",
            type_name(o)
        ))
    })?;
    let item = o.call_method0("item")?;
    if let Ok(c) = item.cast::<PyComplex>() {
        return Ok(Some((Scalar::Float(c.real()), dtype, c.imag())));
    }
    match to_scalar(&item)? {
        Some(s) => Ok(Some((s, dtype, 0.0))),
        None => Ok(None),
    }
}

/// A leaf of `tensor(data)`: a Python or NumPy number, with the dtype PyTorch infers for it
/// (`infer_scalar_type`: bool, int64, the default float, or the NumPy scalar's own dtype).
/// Complex numbers come as their real part (the Scalar), dtype and imaginary part.
fn leaf(o: &Bound<'_, PyAny>) -> PyResult<Option<(Scalar, DType, f64)>> {
    if let Some(l) = numpy_scalar(o)? {
        return Ok(Some(l));
    }
    if let Ok(c) = o.cast::<PyComplex>() {
        return Ok(Some((
            Scalar::Float(c.real()),
            default_float().to_complex(),
            c.imag(),
        )));
    }
    if o.is_instance_of::<PyBool>() || o.is_instance_of::<PyInt>() || o.is_instance_of::<PyFloat>()
    {
        let Some(s) = to_scalar(o)? else {
            return Ok(None);
        };
        return Ok(Some((s, s.natural_dtype(default_float()), 0.0)));
    }
    Ok(None)
}

/// Values and shape gathered from nested data; the shape follows the first element at each
/// level (PyTorch's `compute_sizes`) and every other element must match it.
struct Gather {
    shape: Vec<usize>,
    /// The first path down to a leaf (or to an empty sequence) has fixed the shape.
    done: bool,
    dtype: Option<DType>,
    vals: Vec<Scalar>,
    /// Imaginary parts, kept from the first complex value on (zeros before it).
    imag: Option<Vec<f64>>,
}

impl Gather {
    fn push(&mut self, s: Scalar, im: f64) {
        if im != 0.0 && self.imag.is_none() {
            self.imag = Some(vec![0.0; self.vals.len()]);
        }
        if let Some(v) = &mut self.imag {
            v.push(im);
        }
        self.vals.push(s);
    }

    /// The values of a complex tensor (real parts as Scalars, imaginary parts alongside).
    fn complex_values(&mut self, t: &Tensor) -> PyResult<()> {
        let parts = t.real_view().to_vec::<f64>();
        for p in parts.chunks_exact(2) {
            self.push(Scalar::Float(p[0]), p[1]);
        }
        Ok(())
    }

    fn promote(&mut self, d: DType) {
        self.dtype = Some(match self.dtype {
            None => d,
            Some(c) => DType::promote(c, d),
        });
    }

    /// A tensor (or array) found at `depth`: its shape must continue the data's shape.
    fn tensor(&mut self, t: &Tensor, depth: usize) -> PyResult<()> {
        if depth + t.ndim() > MAX_DIMS {
            return Err(PyValueError::new_err("too many dimensions 'Tensor'"));
        }
        if !self.done && depth == self.shape.len() {
            self.shape.extend_from_slice(t.shape());
            self.done = true;
        } else {
            let rest = &self.shape[depth.min(self.shape.len())..];
            if depth > self.shape.len() || rest.len() != t.ndim() {
                return Err(PyValueError::new_err(format!(
                    "expected {} nested dims at dim {} but got a tensor of {} dims (shape {:?})",
                    rest.len(),
                    depth,
                    t.ndim(),
                    t.shape()
                )));
            }
            if let Some(k) = (0..t.ndim()).find(|&k| rest[k] != t.shape()[k]) {
                return Err(PyValueError::new_err(format!(
                    "expected sequence of length {} at dim {} (got {})",
                    rest[k],
                    depth + k,
                    t.shape()[k]
                )));
            }
        }
        self.promote(t.dtype());
        let t = crate::backend::gpu::host(t)?;
        if t.dtype().is_complex() {
            return self.complex_values(&t);
        }
        dispatch!(t.dtype(), T => {
            let vals = t.try_contiguous()?;
            for &v in vals.as_slice::<T>() {
                self.push(crate::tensor::scalar_of(v), 0.0);
            }
        });
        Ok(())
    }

    /// A tensor or array inside the data: 0-d ones are numbers of their own dtype.
    fn tensor_or_leaf(&mut self, t: &Tensor, depth: usize) -> PyResult<()> {
        if t.ndim() > 0 {
            return self.tensor(t, depth);
        }
        if depth < self.shape.len() {
            return Err(PyTypeError::new_err(format!(
                "not a sequence: expected a sequence of length {} at dim {} (got a 0-d tensor)",
                self.shape[depth], depth
            )));
        }
        if self.done && depth > self.shape.len() {
            return Err(PyTypeError::new_err(format!(
                "expected a number at dim {}",
                self.shape.len()
            )));
        }
        self.done = true;
        self.promote(t.dtype());
        if t.dtype().is_complex() {
            return self.complex_values(&crate::backend::gpu::host(t)?);
        }
        let v = t.item()?;
        self.push(v, 0.0);
        Ok(())
    }

    fn walk(&mut self, o: &Bound<'_, PyAny>, depth: usize) -> PyResult<()> {
        if let Some((s, d, im)) = leaf(o)? {
            if depth < self.shape.len() {
                return Err(PyTypeError::new_err(format!(
                    "not a sequence: expected a sequence of length {} at dim {} (got {})",
                    self.shape[depth],
                    depth,
                    type_name(o)
                )));
            }
            self.done = true;
            self.promote(d);
            self.push(s, im);
            return Ok(());
        }
        if o.is_instance_of::<PyString>() || o.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err(format!(
                "new(): invalid data type '{}'",
                type_name(o)
            )));
        }
        if let Ok(t) = o.cast::<PyTensor>() {
            return self.tensor_or_leaf(&t.get().t(), depth);
        }
        if let Ok(arr) = o.cast::<PyUntypedArray>() {
            let np = o.py().import("numpy")?;
            let c = np.call_method1("ascontiguousarray", (arr,))?;
            let t = from_numpy(c.cast::<PyUntypedArray>()?)?;
            return self.tensor_or_leaf(&t, depth);
        }
        let seq = o.cast::<PySequence>().map_err(|_| {
            PyRuntimeError::new_err(format!("Could not infer dtype of {}", type_name(o)))
        })?;
        let n = seq.len()?;
        if depth >= MAX_DIMS {
            return Err(PyValueError::new_err(format!(
                "too many dimensions '{}'",
                type_name(o)
            )));
        }
        if depth == self.shape.len() {
            if self.done {
                return Err(PyTypeError::new_err(format!(
                    "expected a number at dim {} (got a sequence of length {}: {})",
                    depth,
                    n,
                    type_name(o)
                )));
            }
            self.shape.push(n);
            if n == 0 {
                self.done = true;
            }
        } else if self.shape[depth] != n {
            return Err(PyValueError::new_err(format!(
                "expected sequence of length {} at dim {} (got {})",
                self.shape[depth], depth, n
            )));
        }
        if n == 0 {
            // An empty sequence counts as the default float (PyTorch matches NumPy here).
            self.promote(default_float());
        }
        for item in seq.try_iter()? {
            let item = item?;
            if item.is(o) {
                return Err(PyTypeError::new_err(
                    "new(): self-referential lists are incompatible",
                ));
            }
            self.walk(&item, depth + 1)?;
        }
        Ok(())
    }
}

/// `tensor(data)`: nested sequences, numbers, NumPy arrays or tensors, with PyTorch's
/// dtype inference (the promotion of every element's type: bool < int64 < default float,
/// NumPy scalars and arrays and tensors bringing their own dtypes).
pub fn tensor_from_data(data: &Bound<'_, PyAny>, dtype: Option<DType>) -> PyResult<Tensor> {
    if let Ok(t) = data.cast::<PyTensor>() {
        let t = t.get().t();
        return Ok(t.try_to_dtype_copy(dtype.unwrap_or(t.dtype()))?);
    }
    if let Ok(arr) = data.cast::<PyUntypedArray>() {
        let t = from_numpy(arr)?;
        return Ok(t.try_to_dtype_copy(dtype.unwrap_or(t.dtype()))?);
    }
    let mut g = Gather {
        shape: vec![],
        done: false,
        dtype: None,
        vals: vec![],
        imag: None,
    };
    g.walk(data, 0)?;
    let dt = dtype.or(g.dtype).unwrap_or(default_float());
    let out = crate::ops::create::try_zeros(&g.shape, dt)?;
    if dt.is_complex() {
        let parts: Vec<f64> = g
            .vals
            .iter()
            .enumerate()
            .flat_map(|(i, v)| [v.to_f64(), g.imag.as_ref().map_or(0.0, |im| im[i])])
            .collect();
        let mut shape = g.shape.clone();
        shape.push(2);
        crate::tensor::try_copy_into(&out.real_view(), &Tensor::from_vec(parts, &shape))?;
        return Ok(out);
    }
    if g.imag.is_some() {
        return Err(PyTypeError::new_err(format!(
            "can't convert complex to {} (an explicit dtype= drops the imaginary part only for complex dtypes)",
            dt.name()
        )));
    }
    dispatch!(dt, T => {
        // SAFETY: fresh contiguous buffer of exactly vals.len() elements.
        let dst = unsafe { std::slice::from_raw_parts_mut(out.ptr::<T>(), out.numel()) };
        for (d, &s) in dst.iter_mut().zip(&g.vals) {
            *d = crate::tensor::scalar_as::<T>(s);
        }
    });
    Ok(out)
}

fn numpy_dtype(kind: u8, size: usize) -> Option<DType> {
    Some(match (kind, size) {
        (b'b', 1) => DType::Bool,
        (b'u', 1) => DType::U8,
        (b'i', 1) => DType::I8,
        (b'i', 2) => DType::I16,
        (b'i', 4) => DType::I32,
        (b'i', 8) => DType::I64,
        (b'f', 2) => DType::F16,
        (b'f', 4) => DType::F32,
        (b'f', 8) => DType::F64,
        (b'c', 8) => DType::C64,
        (b'c', 16) => DType::C128,
        _ => return None,
    })
}

/// A tensor sharing the array's memory; the array is kept alive by the storage.
pub fn from_numpy(arr: &Bound<'_, PyUntypedArray>) -> PyResult<Tensor> {
    let descr = arr.dtype();
    let dtype = numpy_dtype(descr.kind(), descr.itemsize()).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "can't convert np.ndarray of type {}. The only supported types are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool.",
            descr.typeobj().name().map(|n| n.to_string()).unwrap_or_default()
        ))
    })?;
    if descr.byteorder() == b'>' {
        return Err(PyValueError::new_err(
            "given numpy array has byte order different from the native byte order. Conversion between byte orders is currently not supported.",
        ));
    }
    let size = dtype.size() as isize;
    let shape: Vec<usize> = arr.shape().to_vec();
    let mut strides = Vec::with_capacity(shape.len());
    for &s in arr.strides() {
        if s % size != 0 {
            return Err(PyValueError::new_err(
                "given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory.",
            ));
        }
        if s < 0 {
            return Err(PyValueError::new_err(
                "At least one stride in the given numpy array is negative, and tensors with negative strides are not currently supported. (You can probably work around this by making a copy of your array  with array.copy().) ",
            ));
        }
        strides.push(s / size);
    }
    // SAFETY: the array object owns the buffer and is kept alive in the storage.
    let ptr = unsafe { (*arr.as_array_ptr()).fields.data } as *mut u8;
    let numel: usize = shape.iter().product();
    let span = if numel == 0 {
        0
    } else {
        shape
            .iter()
            .zip(&strides)
            .map(|(&d, &s)| (d as isize - 1) * s)
            .sum::<isize>() as usize
            + 1
    };
    let owner: Py<PyAny> = arr.clone().into_any().unbind();
    // SAFETY: span elements starting at ptr lie inside the array's buffer.
    let storage = unsafe { Storage::from_external(ptr, span * dtype.size(), Box::new(owner)) };
    Ok(Tensor::from_parts(
        storage,
        Layout {
            shape: shape.into(),
            strides: strides.into(),
            offset: 0,
        },
        dtype,
    ))
}

/// Nested Python lists of the tensor's values (`tolist()`).
pub fn tensor_tolist(py: Python<'_>, t: &Tensor) -> PyResult<Py<PyAny>> {
    let t = crate::backend::gpu::host(t)?.try_contiguous()?;
    if t.dtype().is_complex() {
        let parts = t.real_view().to_vec::<f64>();
        let vals: Vec<Py<PyAny>> = parts
            .chunks_exact(2)
            .map(|p| PyComplex::from_doubles(py, p[0], p[1]).into_any().unbind())
            .collect();
        fn nest(py: Python<'_>, vals: &[Py<PyAny>], shape: &[usize]) -> PyResult<Py<PyAny>> {
            if shape.is_empty() {
                return Ok(vals[0].clone_ref(py));
            }
            let n = shape[0];
            let step = vals.len().checked_div(n).unwrap_or(0);
            let items: Vec<Py<PyAny>> = (0..n)
                .map(|i| nest(py, &vals[i * step..(i + 1) * step], &shape[1..]))
                .collect::<PyResult<_>>()?;
            Ok(PyList::new(py, items)?.into_any().unbind())
        }
        return nest(py, &vals, t.shape());
    }
    fn build<T: Element>(py: Python<'_>, vals: &[T], shape: &[usize]) -> PyResult<Py<PyAny>> {
        if shape.is_empty() {
            return scalar_to_py(py, crate::tensor::scalar_of(vals[0]));
        }
        let n = shape[0];
        let step = vals.len().checked_div(n).unwrap_or(0);
        let items: Vec<Py<PyAny>> = (0..n)
            .map(|i| build(py, &vals[i * step..(i + 1) * step], &shape[1..]))
            .collect::<PyResult<_>>()?;
        Ok(PyList::new(py, items)?.into_any().unbind())
    }
    dispatch!(t.dtype(), T => build::<T>(py, t.as_slice::<T>(), t.shape()))
}
