//! The named elementwise primitives that `_tensor.py` and `_functions.py` build the long tail
//! on (`_binary("atan2", ...)`, `_unary_("exp")`), their name tables, and `clamp`.

use super::{PyTensor, wrap};
use crate::autograd::ops as ag;
use crate::dtype::{DType, Scalar};
use crate::error::Error;
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp};
use crate::python::convert::*;
use crate::tensor::Tensor;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

/// The registry's binary op of this name.
pub fn binary_op(name: &str) -> PyResult<BinaryOp> {
    BinaryOp::from_name(name)
        .ok_or_else(|| PyValueError::new_err(format!("unknown binary op {}", name)))
}

/// A `_binary` name: the registry's op names, and `div_floor` (`div(rounding_mode='floor')`:
/// floor_divide's kernel under div's grad_fn, see `ag::GradName::As`).
fn binary_form(name: &str) -> PyResult<(BinaryOp, ag::GradName)> {
    Ok(match name {
        "div_floor" => (BinaryOp::DivFloor, ag::GradName::As("DivBackward2")),
        _ => (binary_op(name)?, ag::GradName::Op),
    })
}

/// The registry's unary op of this name.
pub fn unary_op(name: &str) -> PyResult<UnaryOp> {
    UnaryOp::from_name(name)
        .ok_or_else(|| PyValueError::new_err(format!("unknown unary op {}", name)))
}

/// Applies `alpha` to the second operand (`add(x, y, alpha=2)` is `x + 2*y`).
fn scaled(other: Operand, alpha: Option<Scalar>) -> Result<Operand, Error> {
    match alpha {
        None => Ok(other),
        Some(a) => Ok(Operand::Tensor(ag::binary(
            BinaryOp::Mul,
            &other,
            &Operand::Scalar(a),
        )?)),
    }
}

/// `alpha=` of add/sub: a number (TypeError otherwise), checked like PyTorch's `alpha_check`
/// against the dtype the op computes in.
fn alpha_arg(
    name: &str,
    op: BinaryOp,
    alpha: Option<&Bound<'_, PyAny>>,
    a: &Tensor,
    other: &Operand,
) -> PyResult<Option<Scalar>> {
    let Some(obj) = alpha.filter(|x| !x.is_none()) else {
        return Ok(None);
    };
    let Some(s) = to_scalar(obj)? else {
        return Err(PyTypeError::new_err(format!(
            "{}(): argument 'alpha' must be Number, not {}",
            name,
            obj.get_type().name()?
        )));
    };
    // The op's own operand checks come first (`sub` refuses a bool operand whatever alpha
    // scales it to).
    crate::ops::elementwise::binary_plan(op, &Operand::Tensor(a.clone()), other)?;
    let common = crate::ops::elementwise::result_type(&Operand::Tensor(a.clone()), other);
    if matches!(s, Scalar::Bool(_)) && common != DType::Bool {
        return Err(PyRuntimeError::new_err(
            "Boolean alpha only supported for Boolean results.",
        ));
    }
    if !common.is_float() && matches!(s, Scalar::Float(_)) {
        return Err(PyRuntimeError::new_err(
            "For integral input tensors, argument alpha must not be a floating point number.",
        ));
    }
    Ok(Some(s))
}

#[pymethods]
impl PyTensor {
    #[pyo3(signature = (name, other, alpha=None))]
    fn _binary(
        &self,
        py: Python<'_>,
        name: &str,
        other: &Bound<'_, PyAny>,
        alpha: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (op, grad) = binary_form(name)?;
        let o = operand_arg(other, name)?;
        let alpha = alpha_arg(name, op, alpha, &self.t(), &o)?;
        wrap(
            py,
            ag::binary_as(op, &Operand::Tensor(self.t()), &scaled(o, alpha)?, grad)?,
        )
    }
    #[pyo3(signature = (name, other, alpha=None))]
    fn _binary_(
        slf: &Bound<'_, Self>,
        name: &str,
        other: &Bound<'_, PyAny>,
        alpha: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (op, grad) = binary_form(name)?;
        let o = operand_arg(other, name)?;
        let alpha = alpha_arg(name, op, alpha, &slf.get().t(), &o)?;
        ag::binary_inplace(op, &slf.get().t(), &scaled(o, alpha)?, grad)?;
        Ok(slf.clone().into_any().unbind())
    }
    /// `name(other, self)` with a number `other` first (`xlogy(2.0, t)`, `special.zeta(2.0,
    /// t)`): PyTorch's Scalar-self overload, with its own grad_fn name.
    fn _rbinary(
        &self,
        py: Python<'_>,
        name: &str,
        other: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let (op, grad) = binary_form(name)?;
        let o = operand_arg(other, name)?;
        wrap(py, ag::binary_as(op, &o, &Operand::Tensor(self.t()), grad)?)
    }
    fn _unary(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        wrap(py, ag::unary(unary_op(name)?, &self.t())?)
    }
    fn _unary_(slf: &Bound<'_, Self>, name: &str) -> PyResult<Py<PyAny>> {
        ag::unary_inplace(unary_op(name)?, &slf.get().t())?;
        Ok(slf.clone().into_any().unbind())
    }
    #[pyo3(signature = (min=None, max=None))]
    fn clamp(
        &self,
        py: Python<'_>,
        min: Option<&Bound<'_, PyAny>>,
        max: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (lo, hi) = clamp_bounds(min, max)?;
        let t = self.t();
        wrap(py, ag::clamp(&t, lo.as_ref(), hi.as_ref())?)
    }
    #[pyo3(signature = (min=None, max=None))]
    fn clamp_(
        slf: &Bound<'_, Self>,
        min: Option<&Bound<'_, PyAny>>,
        max: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (lo, hi) = clamp_bounds(min, max)?;
        let t = slf.get().t();
        ag::inplace(&t, &[], |src| ag::clamp(src, lo.as_ref(), hi.as_ref()))?;
        Ok(slf.clone().into_any().unbind())
    }
}

/// `clamp`'s optional `min`/`max` (None or absent: no bound on that side).
type ClampBounds = (Option<Operand>, Option<Operand>);
fn clamp_bounds(
    min: Option<&Bound<'_, PyAny>>,
    max: Option<&Bound<'_, PyAny>>,
) -> PyResult<ClampBounds> {
    let bound = |b: Option<&Bound<'_, PyAny>>| {
        b.filter(|m| !m.is_none())
            .map(|m| operand_arg(m, "clamp"))
            .transpose()
    };
    Ok((bound(min)?, bound(max)?))
}
