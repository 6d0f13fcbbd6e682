//! The tensor handle: a cheap-to-clone `Arc` over storage + layout + dtype.

use crate::autograd::meta::AutogradMeta;
use crate::backend::cpu::iter::{for_each_run, for_each_run2};
use crate::backend::gpu;
use crate::dispatch;
use crate::dtype::{DType, Element, Scalar, cast};
use crate::error::{Error, Result};
use crate::shape::{Dims, Layout, Strides};
use crate::storage::Storage;
use std::sync::{Arc, OnceLock};

/// Where a tensor's storage lives. One GPU (index 0) is supported; `cuda` is its Python alias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Cpu,
    Gpu(u32),
}

impl std::fmt::Display for Device {
    /// PyTorch's spelling of the device in messages (`cuda:0`, `cpu`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Gpu(i) => write!(f, "cuda:{}", i),
        }
    }
}

pub struct TensorImpl {
    pub storage: Storage,
    pub layout: Layout,
    pub dtype: DType,
    /// Set once, the first time the tensor takes part in autograd (requires_grad, grad_fn).
    pub autograd: OnceLock<Arc<AutogradMeta>>,
}

#[derive(Clone)]
pub struct Tensor(Arc<TensorImpl>);

impl Tensor {
    pub fn from_parts(storage: Storage, layout: Layout, dtype: DType) -> Tensor {
        Tensor(Arc::new(TensorImpl {
            storage,
            layout,
            dtype,
            autograd: OnceLock::new(),
        }))
    }

    /// Same data and layout, with the given autograd metadata (`t.data = x` keeps the
    /// tensor's identity for autograd while replacing its data).
    /// Whether this handle is the only one to its tensor and to its buffer (which rtensor
    /// allocated itself): nothing else can observe a change to the data.
    pub fn is_sole_owner(&self) -> bool {
        Arc::strong_count(&self.0) == 1
            && Arc::weak_count(&self.0) == 0
            && self.0.storage.is_exclusive()
    }

    pub fn with_meta(&self, meta: Option<Arc<AutogradMeta>>) -> Tensor {
        Tensor(Arc::new(TensorImpl {
            storage: self.0.storage.clone(),
            layout: self.0.layout.clone(),
            dtype: self.0.dtype,
            autograd: meta.map(OnceLock::from).unwrap_or_default(),
        }))
    }

    pub fn meta(&self) -> Option<&Arc<AutogradMeta>> {
        self.0.autograd.get()
    }

    /// The tensor's autograd metadata, created on first use.
    pub fn meta_or_init(&self) -> &Arc<AutogradMeta> {
        self.0
            .autograd
            .get_or_init(|| Arc::new(AutogradMeta::default()))
    }

    pub fn requires_grad(&self) -> bool {
        self.meta().is_some_and(|m| m.requires_grad())
    }

    /// A tensor sharing storage with no autograd history (`detach()`).
    pub fn detach(&self) -> Tensor {
        self.with_meta(None)
    }

    /// Zero-filled contiguous tensor on `device`.
    pub fn zeros_on(shape: &[usize], dtype: DType, device: Device) -> Result<Tensor> {
        match device {
            Device::Cpu => try_zeros(shape, dtype),
            Device::Gpu(_) => gpu::zeros(shape, dtype),
        }
    }

    /// Zero-filled contiguous tensor on the device of `self` (autograd's zero gradients).
    pub fn zeros_like_here(&self, shape: &[usize], dtype: DType) -> Result<Tensor> {
        Tensor::zeros_on(shape, dtype, self.device())
    }

    /// Zeros of this tensor's shape, dtype and device (see NOTE [infallible GPU helpers]).
    pub fn zeros_same_device(&self) -> Tensor {
        gpu_infallible(self.zeros_like_here(self.shape(), self.dtype()))
    }

    /// Zero-filled contiguous tensor.
    pub fn zeros(shape: &[usize], dtype: DType) -> Tensor {
        let n: usize = shape.iter().product();
        Tensor::from_parts(
            Storage::zeroed(n * dtype.size()),
            Layout::contiguous(shape),
            dtype,
        )
    }

    /// Contiguous tensor holding `data` (its length must equal the shape's numel).
    pub fn from_vec<T: Element>(data: Vec<T>, shape: &[usize]) -> Tensor {
        debug_assert_eq!(data.len(), shape.iter().product::<usize>());
        Tensor::from_parts(
            Storage::from_slice(&data),
            Layout::contiguous(shape),
            T::DTYPE,
        )
    }

    pub fn scalar_tensor(s: Scalar, dtype: DType) -> Tensor {
        dispatch!(dtype, T => Tensor::from_vec(vec![scalar_as::<T>(s)], &[]), complex => {
            let t = Tensor::zeros(&[], dtype);
            cpu_fill(&t, s);
            t
        })
    }

    /// A complex tensor's elements as a float tensor with a trailing dim of 2 (re, im), sharing
    /// storage (`torch.view_as_real`). The caller checks the dtype is complex.
    pub fn real_view(&self) -> Tensor {
        debug_assert!(self.dtype().is_complex());
        let l = self.layout();
        let mut shape: Dims = l.shape.clone();
        shape.push(2);
        let mut strides: Strides = l.strides.iter().map(|s| s * 2).collect();
        strides.push(1);
        Tensor::from_parts(
            self.0.storage.clone(),
            Layout {
                shape,
                strides,
                offset: l.offset * 2,
            },
            self.dtype().to_real(),
        )
    }

    /// The real (`part` 0) or imaginary (1) parts of a complex tensor, as a float view.
    pub fn complex_part(&self, part: usize) -> Tensor {
        let l = self.layout();
        Tensor::from_parts(
            self.0.storage.clone(),
            Layout {
                shape: l.shape.clone(),
                strides: l.strides.iter().map(|s| s * 2).collect(),
                offset: l.offset * 2 + part,
            },
            self.dtype().to_real(),
        )
    }

    /// A view sharing this tensor's storage with another layout.
    pub fn with_layout(&self, layout: Layout) -> Tensor {
        Tensor::from_parts(self.0.storage.clone(), layout, self.0.dtype)
    }

    pub fn storage(&self) -> &Storage {
        &self.0.storage
    }
    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }
    pub fn device(&self) -> Device {
        if self.0.storage.is_gpu() {
            Device::Gpu(0)
        } else {
            Device::Cpu
        }
    }
    pub fn is_gpu(&self) -> bool {
        self.0.storage.is_gpu()
    }
    pub fn shape(&self) -> &[usize] {
        &self.0.layout.shape
    }
    pub fn strides(&self) -> &[isize] {
        &self.0.layout.strides
    }
    pub fn ndim(&self) -> usize {
        self.0.layout.shape.len()
    }
    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }
    pub fn is_contiguous(&self) -> bool {
        self.0.layout.is_contiguous()
    }
    pub fn same_storage(&self, other: &Tensor) -> bool {
        self.0.storage.same(&other.0.storage)
    }
    pub fn same_impl(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Pointer to element 0 of the view.
    pub fn data_ptr(&self) -> *mut u8 {
        // SAFETY: layouts are validated against the storage size when views are made.
        unsafe {
            self.0
                .storage
                .ptr()
                .add(self.0.layout.offset * self.0.dtype.size())
        }
    }

    /// Typed pointer to element 0; panics in debug builds on a dtype mismatch.
    pub fn ptr<T: Element>(&self) -> *mut T {
        debug_assert_eq!(T::DTYPE, self.dtype());
        self.data_ptr() as *mut T
    }

    /// Contiguous slice of the elements (only for contiguous tensors).
    pub fn as_slice<T: Element>(&self) -> &[T] {
        assert!(self.is_contiguous() && T::DTYPE == self.dtype());
        // SAFETY: contiguous view of numel elements inside the storage.
        unsafe { std::slice::from_raw_parts(self.ptr::<T>(), self.numel()) }
    }

    /// Elements in row-major order, converted to `T` (GPU tensors are read back).
    pub fn to_vec<T: Element>(&self) -> Vec<T> {
        let t = if self.is_gpu() {
            gpu_infallible(gpu::download(self))
        } else {
            self.contiguous()
        };
        // A complex tensor converts as its real part (C++'s complex-to-real cast).
        let t = if t.dtype().is_complex() {
            t.complex_part(0).contiguous()
        } else {
            t
        };
        dispatch!(t.dtype(), S => t.as_slice::<S>().iter().map(|&v| cast::<S, T>(v)).collect(),
            complex => unreachable!("converted to its real part above"))
    }

    /// Same tensor if already contiguous, else a contiguous copy.
    pub fn contiguous(&self) -> Tensor {
        if self.is_gpu() {
            return gpu_infallible(gpu::ops::contiguous(self));
        }
        if self.is_contiguous() {
            self.clone()
        } else {
            self.to_dtype_copy(self.dtype())
        }
    }

    /// `contiguous` that reports GPU errors (out of memory, device loss).
    pub fn try_contiguous(&self) -> Result<Tensor> {
        if self.is_gpu() {
            return gpu::ops::contiguous(self);
        }
        if self.is_contiguous() {
            return Ok(self.clone());
        }
        self.try_to_dtype_copy(self.dtype())
    }

    /// `to_dtype` that reports GPU errors (unsupported dtype, out of memory).
    pub fn try_to_dtype(&self, dtype: DType) -> Result<Tensor> {
        if self.dtype() == dtype {
            Ok(self.clone())
        } else {
            self.try_to_dtype_copy(dtype)
        }
    }

    /// `to_vec` that reports GPU errors (device loss).
    pub fn try_to_vec<T: Element>(&self) -> Result<Vec<T>> {
        if self.dtype().is_complex() {
            return Err(crate::dtype::complex_unsupported(self.dtype()));
        }
        if self.is_gpu() {
            return Ok(gpu::download(self)?.to_vec::<T>());
        }
        Ok(self.to_vec::<T>())
    }

    /// A new contiguous tensor with the elements converted to `dtype`.
    pub fn to_dtype_copy(&self, dtype: DType) -> Tensor {
        if self.is_gpu() {
            return gpu_infallible(gpu::ops::cast(self, dtype));
        }
        let out = Tensor::zeros(self.shape(), dtype);
        copy_into(&out, self);
        out
    }

    /// A copy converted to `dtype` with the given strides (those of a non-overlapping layout of this shape, which
    /// the caller checked): the `memory_format` of `clone`/`contiguous`/`to`, e.g. channels-last
    /// strides, or a dense tensor's own strides for `preserve_format`.
    pub fn try_copy_strided(&self, dtype: DType, strides: &[usize]) -> Result<Tensor> {
        let span = if self.numel() == 0 {
            0
        } else {
            1 + self
                .shape()
                .iter()
                .zip(strides)
                .map(|(&n, &s)| (n - 1) * s)
                .sum::<usize>()
        };
        let flat = Tensor::zeros_on(&[span], dtype, self.device())?;
        let out = flat.with_layout(Layout {
            shape: self.shape().into(),
            strides: strides.iter().map(|&s| s as isize).collect(),
            offset: 0,
        });
        try_copy_into(&out, self)?;
        Ok(out)
    }

    /// `to_dtype_copy` that reports GPU errors (unsupported dtype, out of memory).
    pub fn try_to_dtype_copy(&self, dtype: DType) -> Result<Tensor> {
        if self.dtype().is_complex() && !dtype.is_complex() {
            // An op converting its input to a real compute dtype would drop the imaginary
            // part: ops without a complex version refuse complex tensors here.
            return Err(crate::dtype::complex_unsupported(self.dtype()));
        }
        if self.is_gpu() {
            return gpu::ops::cast(self, dtype);
        }
        // Allocated fallibly: an expanded view can describe more elements than memory holds.
        let out = try_zeros(self.shape(), dtype)?;
        copy_into(&out, self);
        Ok(out)
    }

    /// `self` if it already has `dtype`, else a converted copy (PyTorch's `.to(dtype)`).
    pub fn to_dtype(&self, dtype: DType) -> Tensor {
        if self.dtype() == dtype {
            self.clone()
        } else {
            self.to_dtype_copy(dtype)
        }
    }

    /// The single element of a one-element tensor.
    pub fn item(&self) -> Result<Scalar> {
        if self.numel() != 1 {
            return Err(Error::Runtime(format!(
                "a Tensor with {} elements cannot be converted to Scalar",
                self.numel()
            )));
        }
        if self.is_gpu() {
            return Ok(gpu::download(self)?.get_flat(0));
        }
        Ok(self.get_flat(0))
    }

    /// Element `i` in row-major order.
    pub fn get_flat(&self, mut i: usize) -> Scalar {
        if self.dtype().is_complex() {
            // Its real part, as C++ casts complex to real (Python's `item()` reads both
            // parts through NumPy).
            return self.complex_part(0).get_flat(i);
        }
        let l = self.layout();
        let mut off = 0isize;
        for d in (0..l.ndim()).rev() {
            off += (i % l.shape[d]) as isize * l.strides[d];
            i /= l.shape[d];
        }
        dispatch!(self.dtype(), T => {
            // SAFETY: offset inside the view.
            let v = unsafe { *self.ptr::<T>().offset(off) };
            scalar_of(v)
        }, complex => unreachable!("handled above"))
    }
}

/// Python-facing value of an element.
pub fn scalar_of<T: Element>(v: T) -> Scalar {
    match T::DTYPE {
        DType::Bool => Scalar::Bool(v.is_nonzero()),
        d if d.is_float() => Scalar::Float(v.to_f64()),
        _ => Scalar::Int(v.to_i64()),
    }
}

/// A Python number converted to an element type with PyTorch's cast rules.
pub fn scalar_as<T: Element>(s: Scalar) -> T {
    match s {
        Scalar::Bool(b) => T::from_bool(b),
        Scalar::Int(i) => T::from_i64(i),
        Scalar::Float(f) => {
            if T::DTYPE == DType::Bool {
                T::from_bool(f != 0.0)
            } else {
                T::from_f64(f)
            }
        }
    }
}

/// Writes `src` (broadcast to `dst`'s shape, any dtype) into `dst`: the kernel behind
/// `copy_`, `contiguous` and dtype conversion.
pub fn copy_into(dst: &Tensor, src: &Tensor) {
    gpu_infallible(try_copy_into(dst, src))
}

/// `copy_into` for any device: a GPU destination runs the copy kernel (uploading a CPU
/// source). A GPU source into a CPU destination is a device error here, so that an op that
/// allocated a CPU output cannot silently take GPU inputs; `Tensor.copy_` and `.cpu()` read
/// back explicitly.
pub fn try_copy_into(dst: &Tensor, src: &Tensor) -> Result<()> {
    if dst.is_gpu() {
        return gpu::ops::copy(dst, src);
    }
    if src.is_gpu() {
        gpu::same_device(&[dst, src])?;
    }
    cpu_copy_into(dst, src);
    Ok(())
}

fn cpu_copy_into(dst: &Tensor, src: &Tensor) {
    if copy_transposed(dst, src) {
        return;
    }
    let src_layout = src
        .layout()
        .broadcast_to(dst.shape())
        .expect("caller checked broadcast");
    if dst.dtype().is_complex() || src.dtype().is_complex() {
        return copy_complex(dst, &src.with_layout(src_layout));
    }
    dispatch!(dst.dtype(), D => dispatch!(src.dtype(), S => {
        let dp = dst.ptr::<D>() as usize;
        let sp = src.data_ptr() as usize;
        for_each_run2(dst.shape(), dst.strides(), &src_layout.strides, |o_d, o_s, n, st_d, st_s| {
            let d = dp as *mut D;
            let s = sp as *const S;
            // SAFETY: the iterator yields offsets inside both views.
            unsafe {
                let (d, s) = (d.offset(o_d), s.offset(o_s));
                if st_d == 1 && st_s == 1 {
                    let ds = std::slice::from_raw_parts_mut(d, n);
                    let ss = std::slice::from_raw_parts(s, n);
                    for (a, &b) in ds.iter_mut().zip(ss) {
                        *a = cast::<S, D>(b);
                    }
                } else {
                    for k in 0..n as isize {
                        *d.offset(k * st_d) = cast::<S, D>(*s.offset(k * st_s));
                    }
                }
            }
        });
    }, complex => unreachable!("handled above")), complex => unreachable!("handled above"));
}

/// Copies where either side is complex, as float copies of the (re, im) parts: complex to
/// complex part by part, real into the real part (imaginary zero), complex to real its real
/// part (C++'s cast, which PyTorch warns about in `Tensor.to`). `src` has `dst`'s shape.
fn copy_complex(dst: &Tensor, src: &Tensor) {
    match (dst.dtype().is_complex(), src.dtype().is_complex()) {
        (true, true) => cpu_copy_into(&dst.real_view(), &src.real_view()),
        (true, false) => {
            cpu_copy_into(&dst.complex_part(0), src);
            cpu_fill(&dst.complex_part(1), Scalar::Int(0));
        }
        (false, true) => cpu_copy_into(dst, &src.complex_part(0)),
        (false, false) => unreachable!("copy_complex takes a complex side"),
    }
}

/// `x.t().contiguous()` and its batched forms (float32/float64, the last two dims of `src`
/// stored transposed, `dst` contiguous): the AVX-512 block transpose instead of the
/// element-at-a-time strided loop (256x256 float32: 64 us before). Returns false where the
/// layouts do not fit.
fn copy_transposed(dst: &Tensor, src: &Tensor) -> bool {
    let nd = dst.ndim();
    if nd < 2
        || src.dtype() != dst.dtype()
        || src.shape() != dst.shape()
        || !dst.is_contiguous()
        || dst.same_storage(src)
    {
        return false;
    }
    let (rows, cols) = (dst.shape()[nd - 2], dst.shape()[nd - 1]);
    let (ss, rs) = (src.strides(), src.strides()[nd - 1]);
    if rows < 16 || cols < 16 || ss[nd - 2] != 1 || rs < rows as isize {
        return false;
    }
    let batch: usize = dst.shape()[..nd - 2].iter().product();
    macro_rules! run {
        ($T:ty) => {{
            let (sp, dp) = (src.ptr::<$T>(), dst.ptr::<$T>());
            for b in 0..batch {
                // Offset of batch item b in `src` (its leading dims, any strides).
                let (mut rem, mut off) = (b, 0isize);
                for d in (0..nd - 2).rev() {
                    off += (rem % dst.shape()[d]) as isize * ss[d];
                    rem /= dst.shape()[d];
                }
                // SAFETY: src (rows, cols) at `off` has strides (1, rs), so its transpose is a
                // row-major (cols, rows) view with row stride rs; dst item b is contiguous.
                unsafe {
                    crate::backend::cpu::transpose::transpose(
                        sp.offset(off),
                        rs,
                        1,
                        cols,
                        rows,
                        dp.add(b * rows * cols),
                        cols,
                    )
                }
            }
        }};
    }
    match dst.dtype() {
        DType::F32 => run!(f32),
        DType::F64 => run!(f64),
        _ => return false,
    }
    true
}

/// Fills every element of a view with `value`.
pub fn fill(dst: &Tensor, value: Scalar) {
    gpu_infallible(try_fill(dst, value))
}

pub fn try_fill(dst: &Tensor, value: Scalar) -> Result<()> {
    if dst.is_gpu() {
        return gpu::ops::fill(dst, value);
    }
    cpu_fill(dst, value);
    Ok(())
}

fn cpu_fill(dst: &Tensor, value: Scalar) {
    if dst.dtype().is_complex() {
        cpu_fill(&dst.complex_part(0), value);
        cpu_fill(&dst.complex_part(1), Scalar::Int(0));
        return;
    }
    dispatch!(dst.dtype(), D => {
        let v: D = scalar_as(value);
        let dp = dst.ptr::<D>() as usize;
        for_each_run(dst.shape(), dst.strides(), |o, n, st| {
            let d = dp as *mut D;
            // SAFETY: offsets inside the view.
            unsafe {
                for k in 0..n as isize {
                    *d.offset(o + k * st) = v;
                }
            }
        });
    }, complex => unreachable!("handled above"));
}

pub fn dims(shape: &[usize]) -> Dims {
    shape.into()
}

/// NOTE [infallible GPU helpers]: `contiguous`, `to_dtype`, `to_dtype_copy`, `copy_into`,
/// `fill` and `to_vec` return plain values because the CPU kernels rely on that. Their GPU
/// branches can fail (unsupported dtype, out-of-memory, device loss), which becomes a panic
/// with the message (PyO3 raises it as PanicException), so code that may hold a GPU tensor
/// calls the `Result` forms (`try_contiguous`, `try_to_dtype`, `try_to_dtype_copy`,
/// `try_to_vec`, `try_copy_into`, `try_fill`, `gpu::ops::*`) instead.
#[track_caller]
fn gpu_infallible<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("GPU error: {}", e),
    }
}

/// Zero-filled contiguous tensor, or PyTorch's error when the size overflows or the memory
/// cannot be allocated.
pub fn try_zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
    let overflow = || {
        Error::Runtime(format!(
            "Storage size calculation overflowed with sizes={:?}",
            shape
        ))
    };
    let nbytes = shape
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= isize::MAX as usize)
        .ok_or_else(overflow)?;
    // Strides are products of the sizes (zeros counted as one): they must fit in isize too.
    shape
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d.max(1)))
        .filter(|&n| n <= isize::MAX as usize)
        .ok_or_else(overflow)?;
    let storage = Storage::try_zeroed(nbytes).ok_or_else(|| {
        Error::Runtime(format!(
            "DefaultCPUAllocator: can't allocate memory: you tried to allocate {} bytes.",
            nbytes
        ))
    })?;
    Ok(Tensor::from_parts(
        storage,
        Layout::contiguous(shape),
        dtype,
    ))
}
