//! Autograd state attached to a tensor.

use crate::autograd::node::{Edge, Node};
use crate::error::Result;
use crate::tensor::Tensor;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// A gradient hook: may return a replacement gradient.
pub type Hook = Arc<dyn Fn(&Tensor) -> Result<Option<Tensor>> + Send + Sync>;

#[derive(Default)]
pub struct AutogradMeta {
    requires_grad: AtomicBool,
    pub grad: Mutex<Option<Tensor>>,
    /// For non-leaves: the node that produced the tensor and which of its outputs it is.
    pub grad_fn: Mutex<Option<Edge>>,
    pub retains_grad: AtomicBool,
    /// Hooks of a leaf (a non-leaf's hooks live on its grad_fn, keyed by output number).
    pub hooks: Mutex<Vec<Hook>>,
    /// The leaf's gradient accumulator, shared by every graph that uses the leaf.
    pub accumulator: Mutex<Weak<Node>>,
}

impl AutogradMeta {
    pub fn requires_grad(&self) -> bool {
        self.requires_grad.load(Ordering::Relaxed)
    }
    pub fn set_requires_grad(&self, on: bool) {
        self.requires_grad.store(on, Ordering::Relaxed);
    }
    pub fn grad_fn(&self) -> Option<Edge> {
        self.grad_fn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
    pub fn is_leaf(&self) -> bool {
        self.grad_fn().is_none()
    }
    pub fn grad(&self) -> Option<Tensor> {
        self.grad.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub fn set_grad(&self, g: Option<Tensor>) {
        *self.grad.lock().unwrap_or_else(|e| e.into_inner()) = g;
    }
}
