//! The backward engine: counts how many edges reach each node, then runs nodes whose inputs
//! are complete, latest-created first, summing gradients that meet at a node. Iterative
//! throughout: training graphs are deep.

use crate::autograd::grad_mode::GradModeGuard;
use crate::autograd::meta::AutogradMeta;
use crate::autograd::node::{Edge, Node};
use crate::autograd::ops as ag;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BinaryHeap;
use std::sync::Arc;

/// The edge a gradient for `t` flows into: its grad_fn, or its leaf accumulator.
pub fn gradient_edge(t: &Tensor) -> Option<Edge> {
    let meta = t.meta()?;
    if let Some(e) = meta.grad_fn() {
        return Some(e);
    }
    if !meta.requires_grad() {
        return None;
    }
    Some(Edge {
        node: accumulator(meta),
        input_nr: 0,
    })
}

/// The leaf's `AccumulateGrad` node: shared while any graph holds it, recreated otherwise.
pub fn accumulator(meta: &Arc<AutogradMeta>) -> Arc<Node> {
    let mut slot = meta.accumulator.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = slot.upgrade() {
        return n;
    }
    let n = Node::accumulate_grad(meta.clone());
    *slot = Arc::downgrade(&n);
    n
}

struct Ready(u64, Arc<Node>);
impl PartialEq for Ready {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl Eq for Ready {}
impl PartialOrd for Ready {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ready {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.cmp(&o.0)
    }
}

fn add_grad(slot: &mut Option<Tensor>, g: Tensor) -> Result<()> {
    *slot = Some(match slot.take() {
        None => g,
        Some(old) => ag::add(&old, &g)?,
    });
    Ok(())
}

/// How `run` treats the graph and the gradients it computes.
pub struct Options<'a> {
    pub keep_graph: bool,
    pub create_graph: bool,
    /// `autograd.grad(inputs=...)` / `backward(inputs=...)`.
    pub inputs: Option<&'a [Tensor]>,
    /// Accumulate into `.grad` (backward) rather than returning (grad).
    pub accumulate: bool,
}

/// Backpropagates `root_grads` from `roots`. Gradients that flow into `opts.inputs` (found
/// as (node id, slot)) are captured instead of (or, with `accumulate`, as well as) being
/// accumulated into `.grad`; returns them in `inputs` order (empty without `inputs`).
pub fn run(
    roots: &[Tensor],
    root_grads: &[Tensor],
    opts: Options<'_>,
) -> Result<Vec<Option<Tensor>>> {
    let _mode = GradModeGuard::new(opts.create_graph);
    let mut root_edges = Vec::with_capacity(roots.len());
    for (i, r) in roots.iter().enumerate() {
        match gradient_edge(r) {
            Some(e) => root_edges.push(e),
            None => {
                return Err(Error::Runtime(format!(
                    "element {} of tensors does not require grad and does not have a grad_fn",
                    i
                )));
            }
        }
    }
    // Where captured gradients come from: (node id, slot) -> index into `inputs`.
    let mut capture: HashMap<(usize, usize), Vec<usize>> = HashMap::default();
    let mut capture_nodes: HashSet<usize> = HashSet::default();
    if let Some(inputs) = opts.inputs {
        for (k, t) in inputs.iter().enumerate() {
            let e = gradient_edge(t).ok_or_else(|| {
                Error::Runtime("One of the differentiated Tensors does not require grad".into())
            })?;
            capture
                .entry((e.node.id(), e.input_nr))
                .or_default()
                .push(k);
            capture_nodes.insert(e.node.id());
        }
    }
    // Dependency counts and, when capturing, the set of nodes that lead to a target.
    let mut deps: HashMap<usize, usize> = HashMap::default();
    let mut nodes: HashMap<usize, Arc<Node>> = HashMap::default();
    let mut stack: Vec<Arc<Node>> = vec![];
    for e in &root_edges {
        if nodes.insert(e.node.id(), e.node.clone()).is_none() {
            stack.push(e.node.clone());
        }
    }
    let mut order: Vec<Arc<Node>> = vec![];
    while let Some(n) = stack.pop() {
        order.push(n.clone());
        for e in n.next.iter().flatten() {
            *deps.entry(e.node.id()).or_insert(0) += 1;
            if nodes.insert(e.node.id(), e.node.clone()).is_none() {
                stack.push(e.node.clone());
            }
        }
    }
    let needed: Option<HashSet<usize>> = opts.inputs.map(|_| {
        // A node must run if one of its edges leads to a capture node or to a node that must
        // run (a capture node itself only needs its incoming gradient); fixpoint. `order` lists
        // a node before the nodes it reaches, so a reverse pass settles almost everything.
        let mut needed: HashSet<usize> = HashSet::default();
        let mut changed = true;
        while changed {
            changed = false;
            for n in order.iter().rev() {
                if !needed.contains(&n.id())
                    && n.next.iter().flatten().any(|e| {
                        needed.contains(&e.node.id()) || capture_nodes.contains(&e.node.id())
                    })
                {
                    needed.insert(n.id());
                    changed = true;
                }
            }
        }
        needed
    });
    let mut buffers: HashMap<usize, Vec<Option<Tensor>>> = HashMap::default();
    for (e, g) in root_edges.iter().zip(root_grads) {
        let buf = buffers
            .entry(e.node.id())
            .or_insert_with(|| vec![None; e.node.num_outputs]);
        add_grad(&mut buf[e.input_nr], g.clone())?;
    }
    let mut heap = BinaryHeap::new();
    let mut queued: HashSet<usize> = HashSet::default();
    for e in &root_edges {
        if deps.get(&e.node.id()).copied().unwrap_or(0) == 0 && queued.insert(e.node.id()) {
            heap.push(Ready(e.node.seq, e.node.clone()));
        }
    }
    let n_inputs = opts.inputs.map_or(0, |i| i.len());
    let mut captured: Vec<Option<Tensor>> = vec![None; n_inputs];
    while let Some(Ready(_, node)) = heap.pop() {
        let id = node.id();
        let mut grads = buffers
            .remove(&id)
            .unwrap_or_else(|| vec![None; node.num_outputs]);
        // Tensor hooks: a leaf's (they also change what `autograd.grad` returns for it), or
        // those on this node's outputs; then retain_grad, which sees the hooked gradient.
        if let Some(leaf) = &node.leaf {
            let hooks = leaf.hooks.lock().unwrap_or_else(|e| e.into_inner()).clone();
            for hook in hooks {
                if let Some(g) = grads.first().cloned().flatten()
                    && let Some(r) = hook(&g)?
                {
                    grads[0] = Some(r);
                }
            }
        }
        for list in [&node.tensor_hooks, &node.retain_hooks] {
            let hooks = list.lock().unwrap_or_else(|e| e.into_inner()).clone();
            for (nr, hook) in hooks {
                if let Some(g) = grads.get(nr).cloned().flatten()
                    && let Some(r) = hook(&g)?
                {
                    grads[nr] = Some(r);
                }
            }
        }
        for (slot, g) in grads.iter().enumerate() {
            if let Some(ks) = capture.get(&(id, slot)) {
                for &k in ks {
                    captured[k] = g.clone();
                }
            }
        }
        if let Some(leaf) = &node.leaf {
            let in_inputs = capture_nodes.contains(&id);
            if opts.accumulate
                && (opts.inputs.is_none() || in_inputs)
                && let Some(g) = grads.into_iter().next().flatten()
            {
                accumulate(leaf, g, opts.create_graph)?;
            }
            continue;
        }
        if let Some(needed) = &needed
            && !needed.contains(&id)
        {
            continue;
        }
        let outs = if grads.iter().all(|g| g.is_none()) {
            vec![None; node.next.len()]
        } else {
            node.apply(&grads)?
        };
        if !opts.keep_graph {
            node.release();
        }
        for (edge, g) in node.next.iter().zip(outs) {
            let Some(edge) = edge else { continue };
            let cid = edge.node.id();
            if let Some(g) = g {
                let buf = buffers
                    .entry(cid)
                    .or_insert_with(|| vec![None; edge.node.num_outputs]);
                add_grad(&mut buf[edge.input_nr], g)?;
            }
            let d = deps.get_mut(&cid).expect("counted");
            *d -= 1;
            if *d == 0 && queued.insert(cid) {
                heap.push(Ready(edge.node.seq, edge.node.clone()));
            }
        }
    }
    // `backward(inputs=[h])` with a non-leaf `h` fills `h.grad` too (leaves were done above).
    if opts.accumulate
        && let Some(inputs) = opts.inputs
    {
        for (t, g) in inputs.iter().zip(&captured) {
            if let (Some(m), Some(g)) = (t.meta(), g)
                && !m.is_leaf()
                && !m.retains_grad.load(std::sync::atomic::Ordering::Relaxed)
            {
                accumulate(m, g.clone(), opts.create_graph)?;
            }
        }
    }
    Ok(captured)
}

/// Whether `g` is the only handle to its tensor and buffer and spans all of it contiguously
/// (what a copy for `.grad` would produce).
fn owns_whole_buffer(g: &Tensor) -> bool {
    g.is_sole_owner()
        && g.layout().offset == 0
        && g.is_contiguous()
        && g.numel() * g.dtype().size() == g.storage().nbytes()
}

/// Adds `g` into `.grad` (hooks have already run), in place when not building a graph.
fn accumulate(meta: &Arc<AutogradMeta>, g: Tensor, create_graph: bool) -> Result<()> {
    let mut slot = meta.grad.lock().unwrap_or_else(|e| e.into_inner());
    match slot.take() {
        None => {
            *slot = Some(if create_graph {
                g
            } else if owns_whole_buffer(&g) {
                // A gradient nothing else refers to is adopted as it is, as PyTorch's
                // AccumulateGrad steals a buffer whose use count allows it.
                g.detach()
            } else {
                g.detach().try_to_dtype_copy(g.dtype())?
            });
        }
        Some(old) => {
            if create_graph || old.requires_grad() {
                *slot = Some(ag::add(&old, &g)?);
            } else {
                crate::ops::elementwise::binary_(
                    crate::ops::elementwise::BinaryOp::Add,
                    &old,
                    &crate::ops::elementwise::Operand::Tensor(g.detach()),
                )?;
                *slot = Some(old);
            }
        }
    }
    Ok(())
}
