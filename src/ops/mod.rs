//! Ops, one file per family. Each op is defined once here; every Python form reaches it.

/// Runs `$body` with `$T` bound to the element type of a float dtype; other dtypes are
/// PyTorch's "not implemented" NotImplementedError naming `$op` (the caller has `DType` and
/// `not_implemented_for` in scope). Defined before the modules, which all see it.
macro_rules! float_dispatch {
    ($dtype:expr, $op:expr, $T:ident => $body:expr) => {
        match $dtype {
            DType::F16 => {
                type $T = half::f16;
                $body
            }
            DType::BF16 => {
                type $T = half::bf16;
                $body
            }
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
            d => return Err(not_implemented_for($op, d)),
        }
    };
}

/// Runs `$body` with `$T` the element type of a float32/float64 tensor: the linear-algebra
/// kernels (faer) take no other dtype.
macro_rules! real_dispatch {
    ($dtype:expr, $op:expr, $T:ident => $body:expr) => {
        match $dtype {
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
            d => {
                return Err(Error::Type(format!(
                    "{}: expected a float32 or float64 tensor, got {:?}",
                    $op, d
                )));
            }
        }
    };
}

pub mod attention;
pub mod conv;
pub mod create;
pub mod elementwise;
pub mod fft;
pub mod gpu;
pub mod index;
pub mod join;
pub mod linalg;
pub mod linalg_decomp;
pub mod nn;
pub mod norm;
pub mod optim;
pub mod pool;
pub mod reduce;
pub mod resample;
pub mod rnn;
pub mod scatter_reduce;
pub mod special;
pub mod view;
// LAPACK-convention factorizations
pub mod linalg_factor;
// the general eigendecomposition
pub mod linalg_eig;

pub use crate::dtype::{default_float, set_default_float};
