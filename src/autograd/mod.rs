//! Reverse-mode automatic differentiation, entirely in Rust.
//!
//! - `grad_mode`: thread-local no_grad / enable_grad / inference mode.
//! - `meta`: per-tensor state (requires_grad, .grad, grad_fn edge, hooks).
//! - `node`: graph nodes; each holds its backward closure and the edges to its inputs' nodes.
//! - `engine`: dependency-counted traversal that runs the closures and accumulates into leaves.
//! - `ops`: the differentiable ops: run the raw op from `crate::ops`, then record a node whose
//!   backward is written with these same ops, so `create_graph=True` differentiates it again.

pub mod engine;
pub mod grad_mode;
pub mod meta;
pub mod node;
pub mod ops;
pub mod ops_attention;
pub mod ops_complex;
pub mod ops_conv;
pub mod ops_nn;
pub mod ops_norm;
pub mod ops_pool;
pub mod ops_resample;
pub mod ops_rnn;
pub mod ops_shape;
pub mod ops_special;
