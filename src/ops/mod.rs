//! Ops, one file per family. Each op is defined once here; every Python form reaches it.

pub mod create;
pub mod elementwise;
pub mod index;
pub mod join;
pub mod linalg;
pub mod math;
pub mod nn;
pub mod optim;
pub mod reduce;
pub mod view;

use crate::dtype::DType;
use std::sync::atomic::{AtomicU8, Ordering};

static DEFAULT_FLOAT: AtomicU8 = AtomicU8::new(DType::F32 as u8);

/// The dtype Python floats and `torch.tensor([1.5])` get (`set_default_dtype`).
pub fn default_float() -> DType {
    DType::ALL[DEFAULT_FLOAT.load(Ordering::Relaxed) as usize]
}

pub fn set_default_float(d: DType) {
    DEFAULT_FLOAT.store(d as u8, Ordering::Relaxed);
}
