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
    /// `retain_grad()` of the output tensors: run after every tensor hook, as in PyTorch
    /// ("hooks registered to Tensor are executed, ... then .grad is updated for Tensors that
    /// retain_grad"), so `.grad` shows the hook-modified gradient.
    pub retain_hooks: Mutex<Vec<(usize, Hook)>>,
    /// For `AccumulateGrad`: the leaf whose `.grad` receives the gradient.
    pub leaf: Option<Arc<AutogradMeta>>,
}

impl Node {
    pub fn new(
        name: impl Into<String>,
        next: Vec<Option<Edge>>,
        num_outputs: usize,
        saves: bool,
        f: BackwardFn,
    ) -> Arc<Node> {
        Arc::new(Node {
            name: name.into(),
            next,
            backward: Mutex::new(Some(f)),
            saves,
            seq: SEQ.fetch_add(1, Ordering::Relaxed),
            num_outputs,
            tensor_hooks: Mutex::new(vec![]),
            retain_hooks: Mutex::new(vec![]),
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
            retain_hooks: Mutex::new(vec![]),
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
/// before backward is reported instead of silently giving a wrong gradient. The node that
/// produced it (at save time) names it in that report, as PyTorch's message does.
pub struct Saved {
    t: Tensor,
    version: u64,
    producer: Option<(Arc<Node>, usize)>,
}

impl Saved {
    pub fn new(t: &Tensor) -> Saved {
        let producer = t
            .meta()
            .and_then(|m| m.grad_fn())
            .map(|e| (e.node, e.input_nr));
        Saved {
            t: t.clone(),
            version: t.storage().version(),
            producer,
        }
    }

    /// The saved tensor, or PyTorch's error if its storage was modified in place since.
    /// (`_node`/`_output_nr` name the consumer; kept for call-site compatibility.)
    pub fn get(&self, _node: &str, _output_nr: usize) -> Result<Tensor> {
        let now = self.t.storage().version();
        if now != self.version {
            let from = match &self.producer {
                Some((n, nr)) => format!(", which is output {} of {},", nr, n.name),
                None => String::new(),
            };
            return Err(Error::Runtime(format!(
                "one of the variables needed for gradient computation has been modified by an inplace operation: [rtensor.{} [{}]]{} is at version {}; expected version {} instead. Hint: the variable was changed in place after it was saved for backward; clone it before the in-place change, or make the change out of place.",
                self.t.dtype().legacy_name(),
                self.t
                    .shape()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                from,
                now,
                self.version
            )));
        }
        Ok(self.t.clone())
    }
}
