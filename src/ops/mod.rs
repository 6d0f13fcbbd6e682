//! Ops, one file per family. Each op is defined once here; every Python form reaches it.

pub mod attention;
pub mod conv;
pub mod create;
pub mod elementwise;
pub mod gpu;
pub mod index;
pub mod join;
pub mod linalg;
pub mod nn;
pub mod norm;
pub mod optim;
pub mod pool;
pub mod reduce;
pub mod view;

pub use crate::dtype::{default_float, set_default_float};
