//! The operator dunders. The arithmetic and bitwise ones (`+ - * / // % & | ^ **`, reflected
//! and in place) come from the one table at `binary_dunders!`; `@`, the unary operators and the
//! comparisons are written out below it.

use super::{PyTensor, wrap};
use crate::autograd::ops as ag;
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp};
use crate::python::convert::*;
use pyo3::basic::CompareOp;
use pyo3::prelude::*;

/// Per table row `(forward, reflected, in_place, BinaryOp variant, error name)`, the three
/// methods of one operator:
/// - forward `self op other` and reflected `other op self` (Python calls it when the left
///   operand does not handle the operator) return NotImplemented for an operand that is neither
///   a tensor nor a number, so that Python tries the other side and raises its own TypeError;
/// - in place `self op= other` raises TypeError through `operand_arg` under the row's error
///   name, and returns nothing (Python rebinds the name to `self`).
///
/// A sixth entry names the third argument that Python passes to `__pow__`/`__rpow__`/`__ipow__`
/// (the modulo of `pow(a, b, m)`); it is ignored.
///
/// The macro expands to a whole `#[pymethods] impl` block, not to methods inside one:
/// `#[pymethods]` runs before the macros in its block are expanded, so it would not see them.
/// Several blocks for one class need PyO3's `multiple-pymethods` feature (Cargo.toml). The
/// class name comes from the invocation, not from the macro body: PyO3's generated slot code
/// calls an `unsafe fn` without an `unsafe` block, which the 2024 edition's
/// `unsafe_op_in_unsafe_fn` lint reports when the class token carries this macro's span.
macro_rules! binary_dunders {
    (
        $cls:ident;
        $(($fwd:ident, $rev:ident, $inplace:ident, $op:ident, $err:literal $(, $modulo:ident)?)),*
        $(,)?
    ) => {
        #[pymethods]
        impl $cls {
            $(
                fn $fwd(
                    slf: &Bound<'_, Self>,
                    other: &Bound<'_, PyAny>,
                    $($modulo: Option<&Bound<'_, PyAny>>,)?
                ) -> PyResult<Py<PyAny>> {
                    let py = slf.py();
                    match to_operand(other)? {
                        Some(o) => wrap(
                            py,
                            ag::binary(BinaryOp::$op, &Operand::Tensor(slf.get().t()), &o)?,
                        ),
                        None => Ok(py.NotImplemented()),
                    }
                }
                fn $rev(
                    slf: &Bound<'_, Self>,
                    other: &Bound<'_, PyAny>,
                    $($modulo: Option<&Bound<'_, PyAny>>,)?
                ) -> PyResult<Py<PyAny>> {
                    let py = slf.py();
                    match to_operand(other)? {
                        Some(o) => wrap(
                            py,
                            ag::binary(BinaryOp::$op, &o, &Operand::Tensor(slf.get().t()))?,
                        ),
                        None => Ok(py.NotImplemented()),
                    }
                }
                fn $inplace(
                    slf: &Bound<'_, Self>,
                    other: &Bound<'_, PyAny>,
                    $($modulo: Option<&Bound<'_, PyAny>>,)?
                ) -> PyResult<()> {
                    let o = operand_arg(other, $err)?;
                    ag::binary_inplace(BinaryOp::$op, &slf.get().t(), &o, ag::GradName::Op)?;
                    Ok(())
                }
            )*
        }
    };
}

binary_dunders! {
    PyTensor;
    // forward     reflected      in place       BinaryOp   operand_arg name
    (__add__,      __radd__,      __iadd__,      Add,       "__iadd__"),
    (__sub__,      __rsub__,      __isub__,      Sub,       "__isub__"),
    (__mul__,      __rmul__,      __imul__,      Mul,       "__imul__"),
    (__truediv__,  __rtruediv__,  __itruediv__,  Div,       "__itruediv__"),
    (__floordiv__, __rfloordiv__, __ifloordiv__, DivFloor,  "__ifloordiv__"),
    (__mod__,      __rmod__,      __imod__,      Remainder, "__imod__"),
    (__and__,      __rand__,      __iand__,      BitAnd,    "__iand__"),
    (__or__,       __ror__,       __ior__,       BitOr,     "__ior__"),
    (__xor__,      __rxor__,      __ixor__,      BitXor,    "__ixor__"),
    (__pow__,      __rpow__,      __ipow__,      Pow,       "pow_", _mod),
}

#[pymethods]
impl PyTensor {
    fn __matmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match other.cast::<PyTensor>() {
            Ok(o) => wrap(py, ag::matmul(&slf.get().t(), &o.get().t())?),
            Err(_) => Ok(py.NotImplemented()),
        }
    }
    fn __rmatmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        match other.cast::<PyTensor>() {
            Ok(o) => wrap(py, ag::matmul(&o.get().t(), &slf.get().t())?),
            Err(_) => Ok(py.NotImplemented()),
        }
    }
    fn __neg__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unary(UnaryOp::Neg, &self.t())?)
    }
    fn __pos__(slf: &Bound<'_, Self>) -> Py<PyAny> {
        slf.clone().into_any().unbind()
    }
    fn __abs__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unary(UnaryOp::Abs, &self.t())?)
    }
    fn __invert__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unary(UnaryOp::BitwiseNot, &self.t())?)
    }
    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Some(o) = to_operand(other)? else {
            return Ok(py.NotImplemented());
        };
        let bop = match op {
            CompareOp::Eq => BinaryOp::Eq,
            CompareOp::Ne => BinaryOp::Ne,
            CompareOp::Lt => BinaryOp::Lt,
            CompareOp::Le => BinaryOp::Le,
            CompareOp::Gt => BinaryOp::Gt,
            CompareOp::Ge => BinaryOp::Ge,
        };
        wrap(py, ag::binary(bop, &Operand::Tensor(self.t()), &o)?)
    }
}
