//! Graph nodes. A node owns its backward closure (which captures the saved tensors) and one
//! edge per differentiable input, pointing at the node that will receive that input's grad.

use crate::autograd::meta::{AutogradMeta, Hook};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Maps output gradients (one per output, `None` = zero) to input gradients (one per edge).
pub type BackwardFn = Box<dyn Fn(&[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> + Send + Sync>;

#[derive(Clone)]
pub struct Edge {
    pub node: Arc<Node>,
    /// Which output of `node` (for a grad_fn edge) or which input slot (for a next edge).
    pub input_nr: usize,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

pub struct Node {
    pub name: String,
    pub next: Vec<Option<Edge>>,
    backward: Mutex<Option<BackwardFn>>,
    /// Whether the closure holds saved tensors (only then is a second backward an error).
    saves: bool,
    /// Creation order; the engine runs later nodes first, as PyTorch does.
    pub seq: u64,
    pub num_outputs: usize,
    /// Hooks registered on this node's output tensors, as (output_nr, hook).
    pub tensor_hooks: Mutex<Vec<(usize, Hook)>>,
    /// For `AccumulateGrad`: the leaf whose `.grad` receives the gradient.
    pub leaf: Option<Arc<AutogradMeta>>,
}

impl Node {
    pub fn new(name: impl Into<String>, next: Vec<Option<Edge>>, num_outputs: usize, saves: bool, f: BackwardFn) -> Arc<Node> {
        Arc::new(Node {
            name: name.into(),
            next,
            backward: Mutex::new(Some(f)),
            saves,
            seq: SEQ.fetch_add(1, Ordering::Relaxed),
            num_outputs,
            tensor_hooks: Mutex::new(vec![]),
            leaf: None,
        })
    }

    pub fn accumulate_grad(leaf: Arc<AutogradMeta>) -> Arc<Node> {
        Arc::new(Node {
            name: "AccumulateGrad".into(),
            next: vec![],
            backward: Mutex::new(None),
            saves: false,
            seq: u64::MAX,
            num_outputs: 1,
            tensor_hooks: Mutex::new(vec![]),
            leaf: Some(leaf),
        })
    }

    pub fn apply(&self, grads: &[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> {
        let guard = self.backward.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(f) => f(grads),
            None => Err(Error::Runtime(
                "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.".into(),
            )),
        }
    }

    /// Frees the saved tensors after a backward pass without `retain_graph`.
    pub fn release(&self) {
        if self.saves {
            *self.backward.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    pub fn id(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }
}

/// A tensor saved for backward, with the storage version it had, so that an in-place change
/// before backward is reported instead of silently giving a wrong gradient.
pub struct Saved {
    t: Tensor,
    version: u64,
}

impl Saved {
    pub fn new(t: &Tensor) -> Saved {
        Saved { t: t.clone(), version: t.storage().version() }
    }

    pub fn get(&self, node: &str, output_nr: usize) -> Result<Tensor> {
        let now = self.t.storage().version();
        if now != self.version {
            return Err(Error::Runtime(format!(
                "one of the variables needed for gradient computation has been modified by an inplace operation: [rtensor.{} [{}]], which is output {} of {}, is at version {}; expected version {} instead. Hint: the backtrace further above shows the operation that failed to compute its gradient. The variable in question was changed in there or anywhere later. Good luck!",
                self.t.dtype().legacy_name(),
                self.t.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                output_nr,
                node,
                now,
                self.version
            )));
        }
        Ok(self.t.clone())
    }
}
