//! GPU backend on `wgpu` with WGSL compute shaders (see the GPU section of ARCHITECTURE.md).
//!
//! Representation: every GPU element is one 4-byte word. float32 is `f32`; int32 and int64
//! are `i32` (int64 values are range-checked on upload, so the representation is exact for
//! every value that reaches the device; arithmetic wraps at 32 bits); bool is `u32` (0 or 1,
//! so that invocations writing neighbouring elements never share a word). float64 raises
//! TypeError (WGSL has no 64-bit floats); the other dtypes raise TypeError as well.
//! Tensors keep their layout (shape, strides, offset in elements) on the device, so views
//! are free and kernels read strided operands in place.

pub mod activation;
pub mod alloc;
pub mod attention;
pub mod context;
pub mod conv;
pub mod distance;
pub mod elementwise;
pub mod kernels;
pub mod ops;
pub mod optim;
pub mod pool;
pub mod resample;
pub mod rnn;
pub mod shaders;

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::shape::Layout;
use crate::storage::Storage;
use crate::tensor::{Device, Tensor};
pub use context::{Gpu, gpu, gpu_if_created};

/// A pooled device buffer owned by one storage; dropping it returns the buffer to the pool.
pub struct GpuBuffer {
    buf: Option<wgpu::Buffer>,
    size: u64,
}

impl GpuBuffer {
    pub fn raw(&self) -> &wgpu::Buffer {
        self.buf.as_ref().expect("buffer present until drop")
    }
    pub fn same(&self, other: &GpuBuffer) -> bool {
        self.raw() == other.raw()
    }
}

impl Drop for GpuBuffer {
    fn drop(&mut self) {
        if let (Some(b), Some(g)) = (self.buf.take(), gpu_if_created()) {
            g.release(b, self.size);
        }
    }
}

/// Bytes one element takes on the device.
pub const WORD: usize = 4;

pub fn is_available() -> bool {
    gpu().is_ok()
}

pub fn device_name() -> Result<String> {
    Ok(gpu()?.name.clone())
}

/// TypeError for dtypes the device cannot hold.
pub fn check_dtype(d: DType) -> Result<()> {
    match d {
        DType::F32 | DType::I32 | DType::I64 | DType::Bool => Ok(()),
        DType::F64 => Err(Error::Type(
            "float64 (torch.float64) is not supported on the GPU device: WGSL has no 64-bit floats; use float32".into(),
        )),
        d => Err(Error::Type(format!(
            "{} is not supported on the GPU device (supported: float32, int32, int64, bool)",
            d.name()
        ))),
    }
}

/// RuntimeError with PyTorch's text when tensors of one op live on different devices.
pub fn same_device(ts: &[&Tensor]) -> Result<Device> {
    let first = ts.first().map(|t| t.device()).unwrap_or(Device::Cpu);
    for t in ts {
        let d = t.device();
        if d != first {
            let (g, c) = if d == Device::Cpu {
                (first, d)
            } else {
                (d, first)
            };
            return Err(Error::Runtime(format!(
                "Expected all tensors to be on the same device, but found at least two devices, {} and {}!",
                g, c
            )));
        }
    }
    Ok(first)
}

/// The error for an op that has no GPU kernel (the no-fallback rule).
pub fn not_implemented(op: &str) -> Error {
    Error::NotImplemented(format!("\"{}\" is not implemented for the GPU device", op))
}

/// A contiguous GPU tensor with unspecified contents.
pub fn empty(shape: &[usize], dtype: DType) -> Result<Tensor> {
    check_dtype(dtype)?;
    let n: usize = shape.iter().product();
    let (buf, size) = gpu()?.alloc((n * WORD) as u64)?;
    Ok(Tensor::from_parts(
        Storage::from_gpu(
            GpuBuffer {
                buf: Some(buf),
                size,
            },
            n * dtype.size(),
        ),
        Layout::contiguous(shape),
        dtype,
    ))
}

/// A zero-filled contiguous GPU tensor.
pub fn zeros(shape: &[usize], dtype: DType) -> Result<Tensor> {
    let t = empty(shape, dtype)?;
    gpu()?.clear(buffer(&t));
    Ok(t)
}

/// The device buffer behind a GPU tensor.
pub fn buffer(t: &Tensor) -> &wgpu::Buffer {
    t.storage().gpu().expect("GPU tensor").raw()
}

/// Copies a CPU tensor to the device (int64 values must fit in int32).
pub fn upload(t: &Tensor) -> Result<Tensor> {
    check_dtype(t.dtype())?;
    let words: Vec<u32> = match t.dtype() {
        DType::F32 => t.to_vec::<f32>().into_iter().map(f32::to_bits).collect(),
        DType::I32 => t.to_vec::<i32>().into_iter().map(|v| v as u32).collect(),
        DType::I64 => {
            let v = t.to_vec::<i64>();
            if let Some(bad) = v.iter().find(|&&x| i32::try_from(x).is_err()) {
                return Err(Error::Runtime(format!(
                    "int64 value {} does not fit the GPU's int32 representation of int64 (range {}..={})",
                    bad,
                    i32::MIN,
                    i32::MAX
                )));
            }
            v.into_iter().map(|x| x as i32 as u32).collect()
        }
        DType::Bool => t.to_vec::<bool>().into_iter().map(u32::from).collect(),
        _ => unreachable!("check_dtype"),
    };
    let out = empty(t.shape(), t.dtype())?;
    gpu()?.write(buffer(&out), bytemuck::cast_slice(&words))?;
    Ok(out)
}

/// Copies a GPU tensor to a new contiguous CPU tensor (submits pending work and waits).
pub fn download(t: &Tensor) -> Result<Tensor> {
    let c = if t.is_contiguous() {
        t.clone()
    } else {
        ops::contiguous(t)?
    };
    let n = c.numel();
    let bytes = gpu()?.read(
        buffer(&c),
        (c.layout().offset * WORD) as u64,
        (n * WORD) as u64,
    )?;
    // Collected, not cast: the byte vector's allocation need not be 4-byte aligned.
    let words: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes);
    Ok(match c.dtype() {
        DType::F32 => Tensor::from_vec(
            words.iter().map(|&w| f32::from_bits(w)).collect(),
            c.shape(),
        ),
        DType::I32 => Tensor::from_vec(words.iter().map(|&w| w as i32).collect(), c.shape()),
        DType::I64 => Tensor::from_vec(words.iter().map(|&w| w as i32 as i64).collect(), c.shape()),
        DType::Bool => Tensor::from_vec(words.iter().map(|&w| w != 0).collect(), c.shape()),
        _ => unreachable!("check_dtype"),
    })
}

/// `t` on `device` (itself when already there).
pub fn to_device(t: &Tensor, device: Device) -> Result<Tensor> {
    match (t.device(), device) {
        (Device::Cpu, Device::Gpu(_)) => upload(t),
        (Device::Gpu(_), Device::Cpu) => download(t),
        _ => Ok(t.clone()),
    }
}

/// A CPU copy for reading values (`item`, `tolist`, printing); CPU tensors pass through.
pub fn host(t: &Tensor) -> Result<Tensor> {
    if t.is_gpu() {
        download(t)
    } else {
        Ok(t.clone())
    }
}
