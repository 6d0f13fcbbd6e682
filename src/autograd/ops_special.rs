//! Derivatives of the special-function rows of the elementwise registry (`lgamma`,
//! `digamma`, `erfinv`, `i0`, `logaddexp`, `xlogy`, `zeta`...): PyTorch's formulas from its
//! `derivatives.yaml`, written with differentiable ops so that double backward works.

use crate::autograd::ops::{binary, mul, unary, where_};
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{self as ew, BinaryOp, Operand, UnaryOp};
use crate::tensor::Tensor;
use std::f64::consts::{LN_2, PI};

fn s(v: f64) -> Operand {
    Operand::Scalar(Scalar::Float(v))
}

fn tn(x: &Tensor) -> Operand {
    Operand::Tensor(x.clone())
}

fn zeros(g: &Tensor) -> Result<Tensor> {
    g.zeros_like_here(g.shape(), g.dtype())
}

fn eps_of(d: DType) -> f64 {
    if d == DType::F64 {
        f64::EPSILON
    } else {
        f32::EPSILON as f64
    }
}

/// `g * d(op)/dx` for a unary special function.
pub fn special_unary_grad(op: UnaryOp, g: &Tensor, x: &Tensor) -> Result<Tensor> {
    use BinaryOp::{Add, Div, Mul, Sub};
    use UnaryOp::*;
    let u = |o: UnaryOp| unary(o, x);
    let sq = |t: &Tensor| mul(t, t);
    let scale = |t: Tensor, v: f64| binary(Mul, &tn(&t), &s(v));
    // (|x| > eps, x where it is, eps elsewhere): the i1/i1e formulas at 0.
    let tiny_split = || -> Result<(Tensor, Tensor)> {
        let eps = eps_of(x.dtype());
        let big = ew::binary(BinaryOp::Gt, &tn(&unary(Abs, x)?), &s(eps))?;
        let safe = where_(&big, &tn(x), &s(eps))?;
        Ok((big, safe))
    };
    let d = match op {
        Lgamma => u(Digamma)?,
        // polygamma(1, x) = zeta(2, x).
        Digamma => binary(BinaryOp::SpecialZeta, &s(2.0), &tn(x))?,
        Erfinv => scale(unary(Exp, &sq(&u(Erfinv)?)?)?, PI.sqrt() / 2.0)?,
        Erfc => scale(unary(Exp, &unary(Neg, &sq(x)?)?)?, -2.0 / PI.sqrt())?,
        I0 => u(SpecialI1)?,
        SpecialI0e => {
            let r = mul(&unary(Sign, x)?, &u(SpecialI0e)?)?;
            binary(Sub, &tn(&u(SpecialI1e)?), &tn(&r))?
        }
        SpecialI1 => {
            let (big, safe) = tiny_split()?;
            let q = binary(Div, &tn(&u(SpecialI1)?), &tn(&safe))?;
            let dx = binary(Sub, &tn(&unary(I0, &safe)?), &tn(&q))?;
            where_(&big, &tn(&dx), &s(0.5))?
        }
        SpecialI1e => {
            let (big, safe) = tiny_split()?;
            let f = binary(
                Add,
                &tn(&unary(Sign, &safe)?),
                &tn(&unary(Reciprocal, &safe)?),
            )?;
            let dx = binary(
                Sub,
                &tn(&unary(SpecialI0e, &safe)?),
                &tn(&mul(&u(SpecialI1e)?, &f)?),
            )?;
            where_(&big, &tn(&dx), &s(0.5))?
        }
        SpecialNdtri => scale(
            unary(Exp, &scale(sq(&u(SpecialNdtri)?)?, 0.5)?)?,
            (2.0 * PI).sqrt(),
        )?,
        SpecialLogNdtr => {
            let e = binary(Add, &tn(&u(SpecialLogNdtr)?), &tn(&scale(sq(x)?, 0.5)?))?;
            scale(unary(Exp, &unary(Neg, &e)?)?, 1.0 / (2.0 * PI).sqrt())?
        }
        SpecialErfcx => {
            let t = scale(mul(x, &u(SpecialErfcx)?)?, 2.0)?;
            binary(Sub, &tn(&t), &s(2.0 / PI.sqrt()))?
        }
        SpecialEntr => unary(Neg, &binary(Add, &tn(&u(Log)?), &s(1.0))?)?,
        Sinc => {
            let xp = scale(x.clone(), PI)?;
            let x2p = scale(sq(x)?, PI)?;
            let num = binary(
                Sub,
                &tn(&mul(&xp, &unary(Cos, &xp)?)?),
                &tn(&unary(Sin, &xp)?),
            )?;
            let out = binary(Div, &tn(&mul(g, &num)?), &tn(&x2p))?;
            let zero = ew::binary(BinaryOp::Eq, &tn(&x2p), &s(0.0))?;
            return where_(&zero, &s(0.0), &tn(&out));
        }
        Logit => {
            let den = mul(x, &binary(Sub, &s(1.0), &tn(x))?)?;
            let out = binary(Div, &tn(g), &tn(&den))?;
            let outside = ew::binary(
                BinaryOp::LogicalOr,
                &tn(&ew::binary(BinaryOp::Lt, &tn(x), &s(0.0))?),
                &tn(&ew::binary(BinaryOp::Gt, &tn(x), &s(1.0))?),
            )?;
            return where_(&outside, &s(f64::NAN), &tn(&out));
        }
        _ => {
            return Err(Error::Runtime(format!(
                "internal error: {} is not a special function",
                op.name()
            )));
        }
    };
    mul(g, &d)
}

/// (gradient of a, gradient of b) of a binary special function, each only where needed.
pub fn special_binary_grads(
    op: BinaryOp,
    g: &Tensor,
    a: Option<&Operand>,
    b: Option<&Operand>,
    need_a: bool,
    need_b: bool,
) -> Result<(Option<Tensor>, Option<Tensor>)> {
    use BinaryOp::*;
    let req = |o: Option<&Operand>| -> Result<Operand> {
        o.cloned()
            .ok_or_else(|| Error::Runtime(format!("{}: operand not saved for backward", op.name())))
    };
    let gm = |t: Tensor| binary(Mul, &tn(g), &tn(&t));
    let when = |need: bool, f: &dyn Fn() -> Result<Tensor>| -> Result<Option<Tensor>> {
        if need { f().map(Some) } else { Ok(None) }
    };
    Ok(match op {
        Logaddexp | Logaddexp2 => {
            let (a, b) = (req(a)?, req(b)?);
            let e = if op == Logaddexp {
                UnaryOp::Exp
            } else {
                UnaryOp::Exp2
            };
            // g / (1 + e(other - self))
            let share = |x: &Operand, y: &Operand| -> Result<Tensor> {
                let t = unary(e, &binary(Sub, y, x)?)?;
                binary(Div, &tn(g), &tn(&binary(Add, &tn(&t), &s(1.0))?))
            };
            (
                when(need_a, &|| share(&a, &b))?,
                when(need_b, &|| share(&b, &a))?,
            )
        }
        Hypot => {
            let (a, b) = (req(a)?, req(b)?);
            let h = binary(Hypot, &a, &b)?;
            let part = |x: &Operand| gm(binary(Div, x, &tn(&h))?);
            (when(need_a, &|| part(&a))?, when(need_b, &|| part(&b))?)
        }
        Nextafter => {
            // PyTorch passes the gradient to self except where self == other.
            let ga = when(need_a, &|| {
                let eq = ew::binary(Eq, &req(a)?, &req(b)?)?;
                where_(&eq, &s(0.0), &tn(g))
            })?;
            (ga, when(need_b, &|| zeros(g))?)
        }
        Copysign => {
            let ga = when(need_a, &|| {
                let (a, b) = (req(a)?, req(b)?);
                let r = binary(Div, &tn(&binary(Copysign, &a, &b)?), &a)?;
                let z = ew::binary(Eq, &a, &s(0.0))?;
                gm(where_(&z, &s(0.0), &tn(&r))?)
            })?;
            (ga, when(need_b, &|| zeros(g))?)
        }
        Fmax | Fmin => {
            let (a, b) = (req(a)?, req(b)?);
            let cmp = if op == Fmax { Ge } else { Le };
            let bnan = match &b {
                Operand::Tensor(t) => ew::unary(UnaryOp::IsNan, t)?,
                Operand::Scalar(v) => {
                    Tensor::scalar_tensor(Scalar::Bool(v.to_f64().is_nan()), DType::Bool)
                }
            };
            let to_a = ew::binary(LogicalOr, &tn(&ew::binary(cmp, &a, &b)?), &tn(&bnan))?;
            (
                when(need_a, &|| where_(&to_a, &tn(g), &s(0.0)))?,
                when(need_b, &|| where_(&to_a, &s(0.0), &tn(g)))?,
            )
        }
        Ldexp => {
            let (a, b) = (req(a)?, req(b)?);
            let p = match &b {
                Operand::Tensor(t) => unary(UnaryOp::Exp2, t)?,
                Operand::Scalar(v) => {
                    Tensor::scalar_tensor(Scalar::Float(v.to_f64().exp2()), DType::F64)
                }
            };
            (
                when(need_a, &|| gm(p.clone()))?,
                when(need_b, &|| {
                    gm(binary(Mul, &tn(&binary(Mul, &a, &tn(&p))?), &s(LN_2))?)
                })?,
            )
        }
        Xlogy | SpecialXlog1py => {
            let (a, b) = (req(a)?, req(b)?);
            // self: op(grad, other), 0 where self == 0 and other is at or below the log's pole.
            let ga = when(need_a, &|| {
                let r = binary(op, &tn(g), &b)?;
                let pole = if op == Xlogy { 0.0 } else { -1.0 };
                let mask = ew::binary(
                    LogicalAnd,
                    &tn(&ew::binary(Eq, &a, &s(0.0))?),
                    &tn(&ew::binary(Le, &b, &s(pole))?),
                )?;
                where_(&mask, &s(0.0), &tn(&r))
            })?;
            let gb = when(need_b, &|| {
                let den = if op == Xlogy {
                    b.clone()
                } else {
                    tn(&binary(Add, &b, &s(1.0))?)
                };
                gm(binary(Div, &a, &den)?)
            })?;
            (ga, gb)
        }
        SpecialZeta => {
            if need_a {
                return Err(Error::NotImplemented(
                    "the derivative for 'zeta' is not implemented.".into(),
                ));
            }
            let (a, b) = (req(a)?, req(b)?);
            let gb = when(need_b, &|| {
                let z = binary(SpecialZeta, &tn(&binary(Add, &a, &s(1.0))?), &b)?;
                gm(binary(Mul, &tn(&z), &tn(&binary(Mul, &a, &s(-1.0))?))?)
            })?;
            (None, gb)
        }
        _ => {
            return Err(Error::Runtime(format!(
                "internal error: {} is not a special function",
                op.name()
            )));
        }
    })
}
