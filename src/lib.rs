//! rtensor: a tensor library with PyTorch's semantics. The Rust core owns storage, layouts,
//! dtypes, kernels and (later) the autograd graph; `python/` exposes it as `rtensor._C`.

pub mod autograd;
pub mod backend;
pub mod dtype;
pub mod error;
pub mod ops;
pub mod rng;
pub mod shape;
pub mod spec;
pub mod storage;
pub mod tensor;

#[cfg(feature = "python")]
mod python;

pub use dtype::{DType, Scalar};
pub use error::{Error, Result};
pub use tensor::Tensor;
