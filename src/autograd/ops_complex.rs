//! Complex arithmetic, composed from the differentiable float ops on a complex tensor's
//! (re, im) views.
//!
//! NOTE [complex by composition]: every complex op below is written with the float ops of
//! `ops.rs` on `view_as_real`/`select` views and reassembled with `stack` + `view_as_complex`.
//! So its gradient needs no formula of its own and follows PyTorch's convention by
//! construction: for a real loss L of z = a + ib, `z.grad = dL/da + i dL/db` (twice the
//! conjugate Wirtinger derivative), which is what the float graph computes for the two parts.
//! The price: a complex op records several float nodes (its grad_fn is the last of them,
//! `ViewAsComplexBackward0`, not PyTorch's `MulBackward0`) and runs several float kernels.
//! The matrix product without autograd runs the gemm crate's complex kernels directly.

use crate::autograd::ops::{self as ag, needs_grad, record1};
use crate::dtype::{DType, ResultType, Scalar, default_float};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp};
use crate::spec::elementwise::{not_implemented_for, type_title};
use crate::tensor::Tensor;

fn tn(x: &Tensor) -> Operand {
    Operand::Tensor(x.clone())
}

fn f(v: f64) -> Operand {
    Operand::Scalar(Scalar::Float(v))
}

fn bin(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    ag::binary(op, &tn(a), &tn(b))
}

fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    bin(BinaryOp::Mul, a, b)
}

fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    bin(BinaryOp::Add, a, b)
}

fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    bin(BinaryOp::Sub, a, b)
}

fn un(op: UnaryOp, a: &Tensor) -> Result<Tensor> {
    ag::unary(op, a)
}

/// Whether an operand is (or holds) a complex tensor.
pub fn is_complex(o: &Operand) -> bool {
    matches!(o, Operand::Tensor(t) if t.dtype().is_complex())
}

/// `torch.view_as_real`: the float view with a trailing (re, im) dim (ViewAsRealBackward0).
pub fn view_as_real(x: &Tensor) -> Result<Tensor> {
    if !x.dtype().is_complex() {
        return Err(Error::Runtime(
            "view_as_real is only supported for complex tensors".into(),
        ));
    }
    let out = x.real_view();
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    Ok(record1("ViewAsRealBackward0", &[x], out, false, |g| {
        Ok(vec![Some(view_as_complex(&g.try_contiguous()?)?)])
    }))
}

/// `torch.view_as_complex`: a float tensor whose last dim is (re, im) pairs, seen as complex
/// (ViewAsComplexBackward0). PyTorch's checks and messages.
pub fn view_as_complex(x: &Tensor) -> Result<Tensor> {
    if !matches!(x.dtype(), DType::F32 | DType::F64) {
        return Err(Error::Runtime(format!(
            "view_as_complex is only supported for float and double tensors, but got a tensor of scalar type: {}",
            type_title(x.dtype())
        )));
    }
    if x.is_gpu() {
        return Err(Error::NotImplemented(
            "\"view_as_complex\" is not implemented for the GPU device (no complex dtypes there)"
                .into(),
        ));
    }
    let (shape, strides) = (x.shape(), x.strides());
    if shape.last() != Some(&2) {
        return Err(Error::Runtime(
            "Tensor must have a last dimension of size 2".into(),
        ));
    }
    if strides.last() != Some(&1) {
        return Err(Error::Runtime(
            "Tensor must have a last dimension with stride 1".into(),
        ));
    }
    let nd = shape.len() - 1;
    if strides[..nd].iter().any(|s| s % 2 != 0) {
        return Err(Error::Runtime(
            "Tensor must have a stride divisible by 2 for all but last dimension".into(),
        ));
    }
    if !x.layout().offset.is_multiple_of(2) {
        return Err(Error::Runtime(
            "Tensor must have a storage_offset divisible by 2".into(),
        ));
    }
    let layout = crate::shape::Layout {
        shape: shape[..nd].into(),
        strides: strides[..nd].iter().map(|s| s / 2).collect(),
        offset: x.layout().offset / 2,
    };
    let out =
        crate::tensor::Tensor::from_parts(x.storage().clone(), layout, x.dtype().to_complex());
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    Ok(record1("ViewAsComplexBackward0", &[x], out, false, |g| {
        Ok(vec![Some(view_as_real(g)?)])
    }))
}

/// The real (0) or imaginary (1) part of a complex tensor, a differentiable float view.
pub fn part(x: &Tensor, i: i64) -> Result<Tensor> {
    ag::select(&view_as_real(x)?, -1, i)
}

/// Builds a complex tensor from float parts, broadcasting them against each other and
/// promoting them to one float dtype.
pub fn complex(re: &Tensor, im: &Tensor) -> Result<Tensor> {
    let shape = crate::shape::broadcast_shapes(re.shape(), im.shape())?;
    let dt = DType::promote(re.dtype(), im.dtype());
    let dt = if dt.is_float() && dt != DType::F16 && dt != DType::BF16 {
        dt
    } else {
        return Err(Error::Runtime(format!(
            "Expected both inputs to be Half, Float or Double tensors but got {} and {}",
            type_title(re.dtype()),
            type_title(im.dtype())
        )));
    };
    let sizes: Vec<i64> = shape.iter().map(|&v| v as i64).collect();
    let re = ag::expand(&ag::to_dtype(re, dt)?, &sizes)?;
    let im = ag::expand(&ag::to_dtype(im, dt)?, &sizes)?;
    view_as_complex(&ag::stack(&[re, im], -1)?)
}

/// The (re, im) parts of an operand; a real operand's imaginary part is `None` (zero).
fn parts(o: &Operand) -> Result<(Operand, Option<Tensor>)> {
    Ok(match o {
        Operand::Tensor(t) if t.dtype().is_complex() => (tn(&part(t, 0)?), Some(part(t, 1)?)),
        other => (other.clone(), None),
    })
}

fn binop(op: BinaryOp, a: &Operand, b: &Operand) -> Result<Tensor> {
    ag::binary(op, a, b)
}

/// The complex dtype a binary op on these operands produces (PyTorch's result_type).
fn result_dtype(a: &Operand, b: &Operand) -> DType {
    let r = ResultType::default();
    let r = a.promote_into(r);
    b.promote_into(r).result()
}

/// A binary op with at least one complex operand.
pub fn binary(op: BinaryOp, a: &Operand, b: &Operand) -> Result<Tensor> {
    let dt = result_dtype(a, b);
    let (ar, ai) = parts(a)?;
    let (br, bi) = parts(b)?;
    let zero_like = |t: &Operand| -> Result<Tensor> { binop(BinaryOp::Mul, t, &f(0.0)) };
    let out = match op {
        BinaryOp::Add | BinaryOp::Sub => {
            let re = binop(op, &ar, &br)?;
            let im = match (&ai, &bi) {
                (Some(x), Some(y)) => binop(op, &tn(x), &tn(y))?,
                (Some(x), None) => binop(op, &tn(x), &tn(&zero_like(&br)?))?,
                (None, Some(y)) => binop(op, &tn(&zero_like(&ar)?), &tn(y))?,
                (None, None) => unreachable!("one operand is complex"),
            };
            complex(&re, &im)?
        }
        BinaryOp::Mul => match (&ai, &bi) {
            (Some(x), Some(y)) => {
                let (arr, brr) = (to_t(&ar)?, to_t(&br)?);
                let re = sub(&mul(&arr, &brr)?, &mul(x, y)?)?;
                let im = add(&mul(&arr, y)?, &mul(x, &brr)?)?;
                complex(&re, &im)?
            }
            (Some(x), None) => complex(&binop(op, &ar, &br)?, &binop(op, &tn(x), &br)?)?,
            (None, Some(y)) => complex(&binop(op, &ar, &br)?, &binop(op, &ar, &tn(y))?)?,
            (None, None) => unreachable!("one operand is complex"),
        },
        BinaryOp::Div => match (&ai, &bi) {
            (_, Some(y)) => {
                // a / b = a * conj(b) / |b|^2.
                let brr = to_t(&br)?;
                let d = add(&mul(&brr, &brr)?, &mul(y, y)?)?;
                let conj_b = complex(&brr, &un(UnaryOp::Neg, y)?)?;
                let num = binary(BinaryOp::Mul, a, &tn(&conj_b))?;
                let (nr, ni) = (part(&num, 0)?, part(&num, 1)?);
                complex(&bin(BinaryOp::Div, &nr, &d)?, &bin(BinaryOp::Div, &ni, &d)?)?
            }
            (Some(x), None) => complex(&binop(op, &ar, &br)?, &binop(op, &tn(x), &br)?)?,
            (None, None) => unreachable!("one operand is complex"),
        },
        BinaryOp::Pow => {
            // ATen's pow_tensor_scalar shortcuts (exact for the small integer powers).
            if let (Operand::Tensor(z), Operand::Scalar(e)) = (a, b) {
                let z = ag::to_dtype(z, dt)?;
                let zz = || binary(BinaryOp::Mul, &tn(&z), &tn(&z));
                let shortcut = match e.to_f64() {
                    1.0 => Some(ag::clone(&z)?),
                    2.0 => Some(zz()?),
                    3.0 => Some(binary(BinaryOp::Mul, &tn(&zz()?), &tn(&z))?),
                    0.5 => Some(unary(UnaryOp::Sqrt, &z)?),
                    -0.5 => Some(unary(UnaryOp::Rsqrt, &z)?),
                    -1.0 => Some(unary(UnaryOp::Reciprocal, &z)?),
                    -2.0 => Some(unary(UnaryOp::Reciprocal, &zz()?)?),
                    _ => None,
                };
                if let Some(r) = shortcut {
                    return Ok(r);
                }
            }
            // z^w = exp(w log z), with 0^w = 0 for w != 0 (and 0^0 = 1).
            let z = to_complex(a, dt)?;
            let w = to_complex(b, dt)?;
            let logz = unary(UnaryOp::Log, &z)?;
            let r = unary(UnaryOp::Exp, &binary(BinaryOp::Mul, &tn(&w), &tn(&logz))?)?;
            let z0 = binary(BinaryOp::Eq, &tn(&z), &f(0.0))?;
            let w0 = binary(BinaryOp::Eq, &tn(&w), &f(0.0))?;
            let zero_base = ag::where_(&z0, &tn(&Tensor::zeros(r.shape(), dt)), &tn(&r))?;
            let one = ag::to_dtype(&w0, dt)?;
            let both = bin(BinaryOp::LogicalAnd, &z0, &w0)?;
            ag::where_(&both, &tn(&one), &tn(&zero_base))?
        }
        BinaryOp::Eq | BinaryOp::Ne => {
            let zi = |x: &Option<Tensor>, r: &Operand| -> Result<Operand> {
                Ok(match x {
                    Some(t) => tn(t),
                    None => tn(&zero_like(r)?),
                })
            };
            let (xi, yi) = (zi(&ai, &ar)?, zi(&bi, &br)?);
            let re = binop(op, &ar, &br)?;
            let im = binop(op, &xi, &yi)?;
            let join = if op == BinaryOp::Eq {
                BinaryOp::LogicalAnd
            } else {
                BinaryOp::LogicalOr
            };
            return bin(join, &re, &im);
        }
        _ => return Err(not_implemented_for(op.name(), dt)),
    };
    // Parts computed in a wider float than the operands (a float64 0-d tensor times a
    // complex64 tensor) come back to PyTorch's result dtype.
    ag::to_dtype(&out, dt)
}

fn to_t(o: &Operand) -> Result<Tensor> {
    match o {
        Operand::Tensor(t) => Ok(t.clone()),
        Operand::Scalar(s) => Ok(Tensor::scalar_tensor(*s, default_float())),
    }
}

/// An operand as a complex tensor of dtype `dt`.
fn to_complex(o: &Operand, dt: DType) -> Result<Tensor> {
    match o {
        Operand::Tensor(t) => ag::to_dtype(t, dt),
        Operand::Scalar(s) => Ok(Tensor::scalar_tensor(*s, dt)),
    }
}

/// A unary op on a complex tensor.
pub fn unary(op: UnaryOp, z: &Tensor) -> Result<Tensor> {
    use UnaryOp::*;
    let dt = z.dtype();
    let (a, b) = (part(z, 0)?, part(z, 1)?);
    let cx = |re: Tensor, im: Tensor| complex(&re, &im);
    let cdiv = |x: &Tensor, y: &Tensor| binary(BinaryOp::Div, &tn(x), &tn(y));
    let abs2 = || add(&mul(&a, &a)?, &mul(&b, &b)?);
    Ok(match op {
        Neg => view_as_complex(&un(Neg, &view_as_real(z)?)?)?,
        Abs => un(Sqrt, &abs2()?)?,
        Exp => {
            let e = un(Exp, &a)?;
            cx(mul(&e, &un(Cos, &b)?)?, mul(&e, &un(Sin, &b)?)?)?
        }
        Exp2 => unary(
            Exp,
            &binary(BinaryOp::Mul, &tn(z), &f(std::f64::consts::LN_2))?,
        )?,
        Expm1 => binary(BinaryOp::Sub, &tn(&unary(Exp, z)?), &f(1.0))?,
        Log => cx(
            binop(BinaryOp::Mul, &tn(&un(Log, &abs2()?)?), &f(0.5))?,
            bin(BinaryOp::Atan2, &b, &a)?,
        )?,
        Log2 => binary(
            BinaryOp::Div,
            &tn(&unary(Log, z)?),
            &f(std::f64::consts::LN_2),
        )?,
        Log10 => binary(
            BinaryOp::Div,
            &tn(&unary(Log, z)?),
            &f(std::f64::consts::LN_10),
        )?,
        Log1p => unary(Log, &binary(BinaryOp::Add, &tn(z), &f(1.0))?)?,
        Sqrt => {
            // sqrt(z) = (sqrt((|z| + a) / 2), sign(b) sqrt((|z| - a) / 2)).
            let r = un(Sqrt, &abs2()?)?;
            let half = |x: Tensor| binop(BinaryOp::Mul, &tn(&x), &f(0.5));
            let re = un(Sqrt, &half(add(&r, &a)?)?)?;
            let im = un(Sqrt, &half(sub(&r, &a)?)?)?;
            let neg = binop(BinaryOp::Lt, &tn(&b), &f(0.0))?;
            cx(re, ag::where_(&neg, &tn(&un(Neg, &im)?), &tn(&im))?)?
        }
        Rsqrt => unary(Reciprocal, &unary(Sqrt, z)?)?,
        Reciprocal => {
            let d = abs2()?;
            cx(
                bin(BinaryOp::Div, &a, &d)?,
                bin(BinaryOp::Div, &un(Neg, &b)?, &d)?,
            )?
        }
        Square => binary(BinaryOp::Mul, &tn(z), &tn(z))?,
        Sin => cx(
            mul(&un(Sin, &a)?, &un(Cosh, &b)?)?,
            mul(&un(Cos, &a)?, &un(Sinh, &b)?)?,
        )?,
        Cos => cx(
            mul(&un(Cos, &a)?, &un(Cosh, &b)?)?,
            un(Neg, &mul(&un(Sin, &a)?, &un(Sinh, &b)?)?)?,
        )?,
        Tan => cdiv(&unary(Sin, z)?, &unary(Cos, z)?)?,
        Sinh => cx(
            mul(&un(Sinh, &a)?, &un(Cos, &b)?)?,
            mul(&un(Cosh, &a)?, &un(Sin, &b)?)?,
        )?,
        Cosh => cx(
            mul(&un(Cosh, &a)?, &un(Cos, &b)?)?,
            mul(&un(Sinh, &a)?, &un(Sin, &b)?)?,
        )?,
        Tanh => cdiv(&unary(Sinh, z)?, &unary(Cosh, z)?)?,
        Sigmoid => {
            let e = unary(Exp, &unary(Neg, z)?)?;
            unary(Reciprocal, &binary(BinaryOp::Add, &tn(&e), &f(1.0))?)?
        }
        IsNan => bin(BinaryOp::LogicalOr, &un(IsNan, &a)?, &un(IsNan, &b)?)?,
        IsInf => bin(BinaryOp::LogicalOr, &un(IsInf, &a)?, &un(IsInf, &b)?)?,
        IsFinite => bin(BinaryOp::LogicalAnd, &un(IsFinite, &a)?, &un(IsFinite, &b)?)?,
        LogicalNot => bin(
            BinaryOp::LogicalAnd,
            &un(LogicalNot, &a)?,
            &un(LogicalNot, &b)?,
        )?,
        Sign => {
            return Err(Error::Runtime(
                "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use torch.sgn instead.".into(),
            ));
        }
        Asin | Acos | Atan | Asinh | Acosh | Atanh | Relu | Floor | Ceil | Round | Trunc | Frac
        | BitwiseNot | Lgamma | Digamma | Erfinv | Erfc | I0 | Sinc | Logit | SpecialI0e
        | SpecialI1 | SpecialI1e | SpecialNdtri | SpecialLogNdtr | SpecialErfcx | SpecialEntr => {
            return Err(not_implemented_for(op.name(), dt));
        }
    })
}

/// `where(cond, a, b)` with a complex operand: the selection of (re, im) pairs.
pub fn where_(cond: &Tensor, a: &Operand, b: &Operand) -> Result<Tensor> {
    let dt = result_dtype(a, b);
    let (za, zb) = (to_complex(a, dt)?, to_complex(b, dt)?);
    let c = ag::unsqueeze(cond, -1)?;
    let r = ag::where_(&c, &tn(&view_as_real(&za)?), &tn(&view_as_real(&zb)?))?;
    view_as_complex(&r.try_contiguous()?)
}

/// `conj_physical`: (re, -im); a real tensor is returned as it is.
pub fn conj(z: &Tensor) -> Result<Tensor> {
    if !z.dtype().is_complex() {
        return Ok(z.clone());
    }
    complex(&part(z, 0)?, &un(UnaryOp::Neg, &part(z, 1)?)?)
}

/// `sgn`: z / |z|, and 0 at 0.
pub fn sgn(z: &Tensor) -> Result<Tensor> {
    let r = unary(UnaryOp::Abs, z)?;
    let zero = binop(BinaryOp::Eq, &tn(&r), &f(0.0))?;
    let safe = ag::where_(&zero, &f(1.0), &tn(&r))?;
    let q = binary(BinaryOp::Div, &tn(z), &tn(&safe))?;
    let zeros = Tensor::zeros(q.shape(), q.dtype());
    ag::where_(&zero, &tn(&zeros), &tn(&q))
}

/// `angle`: atan2(im, re).
pub fn angle(z: &Tensor) -> Result<Tensor> {
    bin(BinaryOp::Atan2, &part(z, 1)?, &part(z, 0)?)
}

/// Sum or mean of a complex tensor over `dims` (of the complex shape): the reduction of the
/// (re, im) view over the same dims.
pub fn reduce(
    z: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
    mean: bool,
) -> Result<Tensor> {
    let nd = z.ndim();
    let all: Vec<i64> = (0..nd as i64).collect();
    let dims: Vec<i64> = match dims {
        None => all,
        Some(ds) if ds.is_empty() && !mean => all,
        Some(ds) => ds
            .iter()
            .map(|&d| crate::shape::wrap_dim(d, nd).map(|d| d as i64))
            .collect::<Result<_>>()?,
    };
    let rdt = match dtype {
        Some(d) if d.is_complex() => Some(d.to_real()),
        Some(d) => {
            return Err(Error::Runtime(format!(
                "Value of dtype {} cannot hold the sum of a complex tensor",
                d.name()
            )));
        }
        None => None,
    };
    let r = view_as_real(z)?;
    let out = if mean {
        ag::mean(&r, Some(&dims), keepdim, rdt)?
    } else {
        ag::sum(&r, Some(&dims), keepdim, rdt)?
    };
    view_as_complex(&out.try_contiguous()?)
}

/// Matrix products with a complex operand (both must have the same dtype, as PyTorch asks).
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dtype() != b.dtype() || !needs_grad(&[a, b]) {
        // The gemm crate's complex kernels (or PyTorch's error for mixed dtypes).
        return crate::ops::linalg::matmul(a, b);
    }
    let (ar, ai) = (part(a, 0)?, part(a, 1)?);
    let (br, bi) = (part(b, 0)?, part(b, 1)?);
    let mm = ag::matmul;
    let re = sub(&mm(&ar, &br)?, &mm(&ai, &bi)?)?;
    let im = add(&mm(&ar, &bi)?, &mm(&ai, &br)?)?;
    complex(&re, &im)
}
