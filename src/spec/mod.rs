//! Op specifications: what each op is (its name, dtype rules, grad_fn, Python forms), with no
//! kernels. This module imports no backend and nothing from `ops/` or `autograd/`: backends
//! read these types, `ops/` resolves them into plans, `autograd/` records their grad_fns.
//! (Layering: see ARCHITECTURE.md.)

pub mod elementwise;
pub mod nn;
pub mod optim;
pub mod pool;
pub mod reduce;
pub mod resample;

/// One row of the op registry as the Python package and the tests read it
/// (`_C._op_registry()`).
pub struct OpInfo {
    pub name: &'static str,
    /// unary, binary, comparison, activation, reduction, scan or sort.
    pub kind: &'static str,
    pub grad_fn: Option<&'static str>,
    /// Which Python forms the package generates (`elementwise::PyForms::name`); `custom` for
    /// ops with hand-written wrappers.
    pub py_forms: &'static str,
}

/// Every registered op, in table order.
pub fn registry() -> Vec<OpInfo> {
    use elementwise::{BinaryKind, BinaryOp, UnaryOp};
    let mut rows = Vec::new();
    for &op in UnaryOp::ALL {
        rows.push(OpInfo {
            name: op.name(),
            kind: "unary",
            grad_fn: op.grad_fn(),
            py_forms: op.py_forms().name(),
        });
    }
    for &op in BinaryOp::ALL {
        rows.push(OpInfo {
            name: op.name(),
            kind: match op.kind() {
                BinaryKind::Comparison => "comparison",
                _ => "binary",
            },
            grad_fn: op.grad_fn(),
            py_forms: op.py_forms().name(),
        });
    }
    for &act in nn::Act::EXAMPLES {
        rows.push(OpInfo {
            name: act.name_and_params().0,
            kind: "activation",
            grad_fn: Some(act.backward_name()),
            py_forms: "custom",
        });
    }
    for &op in reduce::ReduceOp::ALL {
        rows.push(OpInfo {
            name: op.name(),
            kind: match op.kind() {
                reduce::ReduceKind::Reduction => "reduction",
                reduce::ReduceKind::Scan => "scan",
                reduce::ReduceKind::Sort => "sort",
            },
            grad_fn: op.grad_fn(),
            py_forms: "custom",
        });
    }
    rows
}
