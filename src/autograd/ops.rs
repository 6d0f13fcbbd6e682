//! Differentiable elementwise ops and reductions: each runs the raw op from `crate::ops` and,
//! when grad mode is on and an input requires grad, records a node whose backward formula is
//! written with these same functions (so it can itself be differentiated).
//! Shape ops, indexing, joins and matrix products are in `ops_shape.rs`.

use crate::autograd::engine::gradient_edge;
use crate::autograd::grad_mode;
use crate::autograd::node::{BackwardFn, Node, Saved};
pub use crate::autograd::ops_shape::*;
use crate::autograd::ops_special::{special_binary_grads, special_unary_grad};
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{self as ew, BinaryOp, Operand, UnaryOp};
use crate::ops::reduce;
use crate::spec::elementwise::NOT_IMPLEMENTED_GRAD;
use crate::spec::reduce::ReduceOp;
use crate::tensor::Tensor;

/// Whether an op on these inputs must be recorded.
pub fn needs_grad(inputs: &[&Tensor]) -> bool {
    grad_mode::is_enabled() && inputs.iter().any(|t| t.requires_grad())
}

/// Records `name` as the grad_fn of `outputs` with edges to `inputs`. Outputs that share an
/// impl with anything else get a fresh one first, so history is never attached to an input.
pub fn record(
    name: &str,
    inputs: &[&Tensor],
    outputs: Vec<Tensor>,
    saves: bool,
    f: BackwardFn,
) -> Vec<Tensor> {
    let next = inputs
        .iter()
        .map(|t| {
            if t.requires_grad() {
                gradient_edge(t)
            } else {
                None
            }
        })
        .collect();
    let node = Node::new(name, next, outputs.len(), saves, f);
    outputs
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            if !o.dtype().is_float() && !o.dtype().is_complex() {
                return o;
            }
            let o = if o.meta().is_some() || inputs.iter().any(|t| t.same_impl(&o)) {
                o.detach()
            } else {
                o
            };
            let m = o.meta_or_init();
            m.set_requires_grad(true);
            *m.grad_fn.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(crate::autograd::node::Edge {
                    node: node.clone(),
                    input_nr: i,
                });
            o
        })
        .collect()
}

/// Single-output form of `record`, applied only when needed.
pub fn record1(
    name: &str,
    inputs: &[&Tensor],
    out: Tensor,
    saves: bool,
    f: impl Fn(&Tensor) -> Result<Vec<Option<Tensor>>> + Send + Sync + 'static,
) -> Tensor {
    if !needs_grad(inputs) {
        return out;
    }
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| match &g[0] {
        Some(g) => f(g),
        None => Ok(vec![]),
    });
    record(name, inputs, vec![out], saves, f).remove(0)
}

fn s(v: f64) -> Operand {
    Operand::Scalar(Scalar::Float(v))
}

fn tn(x: &Tensor) -> Operand {
    Operand::Tensor(x.clone())
}

/// Sums a broadcast gradient back to `shape`.
pub fn sum_to(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if g.shape() == shape {
        return Ok(g.clone());
    }
    if shape.len() > g.ndim() {
        // The extra leading dims of `shape` are 1s (it broadcast to g's shape).
        let k = shape.len() - g.ndim();
        let r = sum_to(g, &shape[k..])?;
        return reshape(&r, &shape.iter().map(|&v| v as i64).collect::<Vec<_>>());
    }
    let lead = g.ndim() - shape.len();
    let mut dims: Vec<i64> = (0..lead as i64).collect();
    for (i, &s) in shape.iter().enumerate() {
        if s == 1 && g.shape()[lead + i] != 1 {
            dims.push((lead + i) as i64);
        }
    }
    let r = if dims.is_empty() {
        g.clone()
    } else {
        sum(g, Some(&dims), true, None)?
    };
    let target: Vec<i64> = shape.iter().map(|&v| v as i64).collect();
    reshape(&r, &target)
}

// ----- elementwise -----

fn operand_tensor(o: &Operand) -> Option<Tensor> {
    match o {
        Operand::Tensor(t) => Some(t.clone()),
        Operand::Scalar(_) => None,
    }
}

/// A gradient for an operand: reduced to its shape and cast to its dtype.
fn grad_for(g: Tensor, of: &Tensor) -> Result<Option<Tensor>> {
    grad_for_shape(g, of.shape(), of.dtype())
}

type ShapeVec = smallvec::SmallVec<[usize; 4]>;

fn grad_for_shape(g: Tensor, shape: &[usize], dtype: DType) -> Result<Option<Tensor>> {
    let r = sum_to(&g, shape)?;
    Ok(Some(if r.dtype() != dtype && dtype.is_float() {
        to_dtype(&r, dtype)?
    } else {
        r
    }))
}

pub fn binary(op: BinaryOp, a: &Operand, b: &Operand) -> Result<Tensor> {
    binary_as(op, a, b, GradName::Op)
}

/// The grad_fn a binary call records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradName {
    /// PyTorch's name for the op and these operands (`BinaryOp::grad_fn_for`).
    Op,
    /// The in-place form: as `Op`, and an op without a derivative names `aten::<op>_` in its
    /// backward error.
    Inplace,
    /// Another overload's name: `div(rounding_mode='floor')` runs `floor_divide`'s kernel but
    /// is ATen's `div.Tensor_mode` (DivBackward2, zero gradients), where `floor_divide` has
    /// no derivative.
    As(&'static str),
}

/// `binary`, recorded under `grad`.
pub fn binary_as(op: BinaryOp, a: &Operand, b: &Operand, grad: GradName) -> Result<Tensor> {
    if crate::autograd::ops_complex::is_complex(a) || crate::autograd::ops_complex::is_complex(b) {
        return crate::autograd::ops_complex::binary(op, a, b);
    }
    let out = ew::binary(op, a, b)?;
    let (ta, tb) = (operand_tensor(a), operand_tensor(b));
    // (inline storage: no heap allocation on the per-op hot path)
    let mut ins: smallvec::SmallVec<[&Tensor; 2]> = smallvec::SmallVec::new();
    if let Some(x) = &ta {
        ins.push(x);
    }
    if let Some(x) = &tb {
        ins.push(x);
    }
    if !needs_grad(&ins) || !out.dtype().is_float() {
        return Ok(out);
    }
    use BinaryOp::*;
    let name = match grad {
        GradName::As(name) => Some(name),
        GradName::Op | GradName::Inplace => op.grad_fn_for(ta.is_some(), tb.is_some()),
    };
    let Some(name) = name else {
        return Ok(out);
    };
    if name == NOT_IMPLEMENTED_GRAD {
        // PyTorch's `torch::autograd::NotImplemented` node: recorded, and its backward raises.
        let suffix = if grad == GradName::Inplace { "_" } else { "" };
        let msg = format!(
            "derivative for aten::{}{} is not implemented",
            op.aten_name(),
            suffix
        );
        return Ok(record1(name, &ins, out, false, move |_| {
            Err(Error::Runtime(msg.clone()))
        }));
    }
    // Like PyTorch's needs_input_grad: skip formulas whose result nobody receives.
    let need_a = ta.as_ref().is_some_and(|t| t.requires_grad());
    let need_b = tb.as_ref().is_some_and(|t| t.requires_grad());
    // Save only the operands the needed formulas read (add/sub save nothing), so an in-place
    // change of an operand nobody reads is no error and no memory is held for it.
    let (keep_a, keep_b) = match op {
        Add | Sub | DivFloor | DivTrunc => (false, false),
        Mul => (need_b, need_a),
        Div => (need_b, true),
        Remainder | Fmod => (need_b, need_b),
        Pow | Atan2 | Minimum | Maximum => (true, true),
        Logaddexp | Logaddexp2 | Hypot | Fmax | Fmin => (true, true),
        Copysign => (true, need_a),
        Nextafter => (need_a, need_a),
        Heaviside => (false, false),
        Ldexp => (true, true),
        Xlogy | SpecialXlog1py => (need_a || need_b, true),
        SpecialZeta => (need_b, need_b),
        Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor | BitAnd | BitOr
        | BitXor => (false, false),
    };
    let saved_a = if keep_a {
        ta.as_ref().map(Saved::new)
    } else {
        None
    };
    let saved_b = if keep_b {
        tb.as_ref().map(Saved::new)
    } else {
        None
    };
    let scalar = |o: &Operand| match o {
        Operand::Scalar(_) => Some(o.clone()),
        Operand::Tensor(_) => None,
    };
    let (sa, sb) = (scalar(a), scalar(b));
    // Shapes and dtypes to reduce each gradient to (not the tensors: they may be large).
    let meta = |t: &Tensor| (ShapeVec::from_slice(t.shape()), t.dtype());
    let (ma, mb) = (ta.as_ref().map(meta), tb.as_ref().map(meta));
    let nm = name.to_string();
    let f = move |g: &Tensor| -> Result<Vec<Option<Tensor>>> {
        let value = |saved: &Option<Saved>, sc: &Option<Operand>| -> Result<Option<Operand>> {
            Ok(match (saved, sc) {
                (Some(s), _) => Some(Operand::Tensor(s.get(&nm, 0)?)),
                (None, Some(o)) => Some(o.clone()),
                (None, None) => None,
            })
        };
        let (av, bv) = (value(&saved_a, &sa)?, value(&saved_b, &sb)?);
        let req = |o: &Option<Operand>| -> Result<Operand> {
            o.clone()
                .ok_or_else(|| Error::Runtime(format!("{}: operand not saved for backward", nm)))
        };
        let (ga, gb): (Option<Tensor>, Option<Tensor>) = match op {
            Add => (Some(g.clone()), Some(g.clone())),
            Sub => (Some(g.clone()), if need_b { Some(neg(g)?) } else { None }),
            Mul => (
                if need_a {
                    Some(binary(Mul, &tn(g), &req(&bv)?)?)
                } else {
                    None
                },
                if need_b {
                    Some(binary(Mul, &tn(g), &req(&av)?)?)
                } else {
                    None
                },
            ),
            Div => {
                let b = req(&bv)?;
                let ga = if need_a {
                    Some(binary(Div, &tn(g), &b)?)
                } else {
                    None
                };
                let gb = if need_b {
                    // -g * a / b^2
                    let q = binary(Div, &req(&av)?, &b)?;
                    let q = binary(Div, &tn(&q), &b)?;
                    Some(neg(&binary(Mul, &tn(g), &tn(&q))?)?)
                } else {
                    None
                };
                (ga, gb)
            }
            Pow => pow_grads(g, &req(&av)?, &req(&bv)?, need_a, need_b)?,
            Atan2 => {
                let (av, bv) = (req(&av)?, req(&bv)?);
                let den = binary(
                    Add,
                    &tn(&binary(Mul, &av, &av)?),
                    &tn(&binary(Mul, &bv, &bv)?),
                )?;
                let ga = binary(Mul, &tn(g), &tn(&binary(Div, &bv, &tn(&den))?))?;
                let gb = neg(&binary(Mul, &tn(g), &tn(&binary(Div, &av, &tn(&den))?))?)?;
                (Some(ga), Some(gb))
            }
            Minimum | Maximum => {
                let (wa, wb) = minmax_weights(op == Maximum, &req(&av)?, &req(&bv)?, g.dtype())?;
                (
                    Some(binary(Mul, &tn(g), &tn(&wa))?),
                    Some(binary(Mul, &tn(g), &tn(&wb))?),
                )
            }
            Remainder | Fmod => {
                let gb = if need_b {
                    let q = ew::binary(
                        if op == Remainder { DivFloor } else { DivTrunc },
                        &req(&av)?,
                        &req(&bv)?,
                    )?;
                    Some(neg(&binary(Mul, &tn(g), &tn(&q))?)?)
                } else {
                    None
                };
                (Some(g.clone()), gb)
            }
            // Floor and truncating division are piecewise constant.
            DivFloor | DivTrunc => (Some(zeros_like(g)?), Some(zeros_like(g)?)),
            Logaddexp | Logaddexp2 | Hypot | Nextafter | Copysign | Fmax | Fmin | Heaviside
            | Ldexp | Xlogy | SpecialXlog1py | SpecialZeta => {
                let (av, bv) = (av.clone(), bv.clone());
                special_binary_grads(op, g, av.as_ref(), bv.as_ref(), need_a, need_b)?
            }
            Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr | LogicalXor | BitAnd | BitOr
            | BitXor => return Err(not_differentiable(op.name())),
        };
        let mut out = vec![];
        for (m, gx) in [(&ma, ga), (&mb, gb)] {
            if let Some((shape, dtype)) = m {
                out.push(match gx {
                    Some(gx) => grad_for_shape(gx, shape, *dtype)?,
                    None => None,
                });
            }
        }
        Ok(out)
    };
    Ok(record1(name, &ins, out, true, f))
}

fn zeros_like(g: &Tensor) -> Result<Tensor> {
    g.zeros_like_here(g.shape(), g.dtype())
}

/// The share of the gradient each operand of `maximum`/`minimum` receives: 1 to the winner,
/// half to each on a tie, in `dtype` (the gradient's: the GPU has no float64).
fn minmax_weights(max: bool, a: &Operand, b: &Operand, dtype: DType) -> Result<(Tensor, Tensor)> {
    let win = ew::binary(if max { BinaryOp::Gt } else { BinaryOp::Lt }, a, b)?;
    let tie = ew::binary(BinaryOp::Eq, a, b)?;
    let wa = ew::binary(
        BinaryOp::Add,
        &tn(&win.try_to_dtype(dtype)?),
        &tn(&ew::binary(
            BinaryOp::Mul,
            &tn(&tie.try_to_dtype(dtype)?),
            &s(0.5),
        )?),
    )?;
    let wb = ew::binary(BinaryOp::Sub, &s(1.0), &tn(&wa))?;
    Ok((wa, wb))
}

fn pow_grads(
    g: &Tensor,
    a: &Operand,
    b: &Operand,
    a_grad: bool,
    b_grad: bool,
) -> Result<(Option<Tensor>, Option<Tensor>)> {
    use BinaryOp::*;
    let ga = if a_grad && let Operand::Scalar(e) = b {
        // Scalar exponent: g * e * a^(e-1) (zero for e == 0), with x^1 and x^0 spelled out.
        let e = e.to_f64();
        Some(match e {
            0.0 => binary(Mul, &tn(g), &s(0.0))?,
            1.0 => g.clone(),
            2.0 => binary(Mul, &tn(g), &tn(&binary(Mul, a, &s(2.0))?))?,
            _ => binary(
                Mul,
                &tn(g),
                &tn(&binary(Mul, &tn(&binary(Pow, a, &s(e - 1.0))?), &s(e))?),
            )?,
        })
    } else if a_grad {
        // g * b * a^(b-1), and 0 where b == 0 (so 0^-1 never leaks a NaN).
        let bm1 = binary(Sub, b, &s(1.0))?;
        let p = binary(Pow, a, &tn(&bm1))?;
        let r = binary(Mul, &tn(g), &tn(&binary(Mul, b, &tn(&p))?))?;
        let bz = ew::binary(Eq, b, &s(0.0))?;
        Some(where_(&bz, &s(0.0), &tn(&r))?)
    } else {
        None
    };
    let gb = if b_grad {
        // g * a^b * ln(a), and 0 where a == 0 and b >= 0.
        let p = binary(Pow, a, b)?;
        let la = match a {
            Operand::Tensor(x) => unary(UnaryOp::Log, x)?,
            Operand::Scalar(v) => Tensor::scalar_tensor(Scalar::Float(v.to_f64().ln()), DType::F64),
        };
        let r = binary(Mul, &tn(g), &tn(&binary(Mul, &tn(&p), &tn(&la))?))?;
        let az = ew::binary(
            LogicalAnd,
            &tn(&ew::binary(Eq, a, &s(0.0))?),
            &tn(&ew::binary(Ge, b, &s(0.0))?),
        )?;
        Some(where_(&az, &s(0.0), &tn(&r))?)
    } else {
        None
    };
    Ok((ga, gb))
}

pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(BinaryOp::Add, &tn(a), &tn(b))
}

pub fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary(BinaryOp::Mul, &tn(a), &tn(b))
}

pub fn mul_scalar(a: &Tensor, v: f64) -> Result<Tensor> {
    binary(BinaryOp::Mul, &tn(a), &s(v))
}

pub fn neg(a: &Tensor) -> Result<Tensor> {
    unary(UnaryOp::Neg, a)
}

pub fn unary(op: UnaryOp, x: &Tensor) -> Result<Tensor> {
    if x.dtype().is_complex() {
        return crate::autograd::ops_complex::unary(op, x);
    }
    let out = ew::unary(op, x)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    use UnaryOp::*;
    let Some(name) = op.grad_fn() else {
        return Ok(out);
    };
    let saved = Saved::new(x);
    let nm = name.to_string();
    let f = move |g: &Tensor| -> Result<Vec<Option<Tensor>>> {
        let x = saved.get(&nm, 0)?;
        let u = |op| unary(op, &x);
        let gm = |d: Tensor| mul(g, &d);
        let r = match op {
            Neg => neg(g)?,
            Abs => gm(u(Sign)?)?,
            Sign | Floor | Ceil | Round | Trunc => zeros_like(g)?,
            Exp => gm(u(Exp)?)?,
            Exp2 => gm(mul_scalar(&u(Exp2)?, std::f64::consts::LN_2)?)?,
            Expm1 => gm(binary(BinaryOp::Add, &tn(&u(Expm1)?), &s(1.0))?)?,
            Log => binary(BinaryOp::Div, &tn(g), &tn(&x))?,
            Log2 => binary(
                BinaryOp::Div,
                &tn(g),
                &tn(&mul_scalar(&x, std::f64::consts::LN_2)?),
            )?,
            Log10 => binary(
                BinaryOp::Div,
                &tn(g),
                &tn(&mul_scalar(&x, std::f64::consts::LN_10)?),
            )?,
            Log1p => binary(
                BinaryOp::Div,
                &tn(g),
                &tn(&binary(BinaryOp::Add, &tn(&x), &s(1.0))?),
            )?,
            Sqrt => binary(BinaryOp::Div, &tn(g), &tn(&mul_scalar(&u(Sqrt)?, 2.0)?))?,
            Rsqrt => {
                let r = u(Rsqrt)?;
                gm(mul_scalar(&mul(&r, &mul(&r, &r)?)?, -0.5)?)?
            }
            Sin => gm(u(Cos)?)?,
            Cos => neg(&gm(u(Sin)?)?)?,
            Tan => {
                let tan = u(Tan)?;
                gm(binary(BinaryOp::Add, &tn(&mul(&tan, &tan)?), &s(1.0))?)?
            }
            Asin | Acos => {
                let d = unary(Rsqrt, &binary(BinaryOp::Sub, &s(1.0), &tn(&mul(&x, &x)?))?)?;
                let r = gm(d)?;
                if op == Acos { neg(&r)? } else { r }
            }
            Atan => binary(
                BinaryOp::Div,
                &tn(g),
                &tn(&binary(BinaryOp::Add, &tn(&mul(&x, &x)?), &s(1.0))?),
            )?,
            // PyTorch: (x^2 + 1).rsqrt(), (x^2 - 1).rsqrt(), 1 / (1 - x^2).
            Asinh | Acosh => {
                let one = if op == Asinh { 1.0 } else { -1.0 };
                gm(unary(
                    Rsqrt,
                    &binary(BinaryOp::Add, &tn(&mul(&x, &x)?), &s(one))?,
                )?)?
            }
            Atanh => binary(
                BinaryOp::Div,
                &tn(g),
                &tn(&binary(BinaryOp::Sub, &s(1.0), &tn(&mul(&x, &x)?))?),
            )?,
            Sinh => gm(u(Cosh)?)?,
            Cosh => gm(u(Sinh)?)?,
            Tanh => {
                let th = u(Tanh)?;
                gm(binary(BinaryOp::Sub, &s(1.0), &tn(&mul(&th, &th)?))?)?
            }
            Sigmoid => {
                let sg = u(Sigmoid)?;
                gm(mul(&sg, &binary(BinaryOp::Sub, &s(1.0), &tn(&sg))?)?)?
            }
            Relu => {
                let m = ew::binary(BinaryOp::Gt, &tn(&x), &s(0.0))?;
                where_(&m, &tn(g), &s(0.0))?
            }
            Frac => g.clone(),
            Reciprocal => neg(&binary(BinaryOp::Div, &tn(g), &tn(&mul(&x, &x)?))?)?,
            Square => gm(mul_scalar(&x, 2.0)?)?,
            Lgamma | Digamma | Erfinv | Erfc | I0 | Sinc | Logit | SpecialI0e | SpecialI1
            | SpecialI1e | SpecialNdtri | SpecialLogNdtr | SpecialErfcx | SpecialEntr => {
                special_unary_grad(op, g, &x)?
            }
            LogicalNot | BitwiseNot | IsNan | IsInf | IsFinite => {
                return Err(not_differentiable(op.name()));
            }
        };
        Ok(vec![Some(r)])
    };
    Ok(record1(name, &[x], out, true, f))
}

pub fn where_(cond: &Tensor, a: &Operand, b: &Operand) -> Result<Tensor> {
    if crate::autograd::ops_complex::is_complex(a) || crate::autograd::ops_complex::is_complex(b) {
        return crate::autograd::ops_complex::where_(cond, a, b);
    }
    let out = ew::where_(cond, a, b)?;
    let (ta, tb) = (operand_tensor(a), operand_tensor(b));
    let mut ins: Vec<&Tensor> = vec![];
    if let Some(x) = &ta {
        ins.push(x);
    }
    if let Some(x) = &tb {
        ins.push(x);
    }
    if !needs_grad(&ins) {
        return Ok(out);
    }
    let c = cond.clone();
    let (ha, hb) = (ta.clone(), tb.clone());
    let f = move |g: &Tensor| -> Result<Vec<Option<Tensor>>> {
        let mut v = vec![];
        if let Some(x) = &ha {
            v.push(grad_for(where_(&c, &tn(g), &s(0.0))?, x)?);
        }
        if let Some(x) = &hb {
            v.push(grad_for(where_(&c, &s(0.0), &tn(g))?, x)?);
        }
        Ok(v)
    };
    Ok(record1("WhereBackward0", &ins, out, false, f))
}

/// A clamp bound as backward keeps it: the saved tensor or the number, and the tensor bound's
/// shape, dtype and whether it requires grad.
type ClampBound = (Option<Saved>, Option<Operand>, ShapeVec, DType, bool);

pub fn clamp(x: &Tensor, min: Option<&Operand>, max: Option<&Operand>) -> Result<Tensor> {
    let out = ew::clamp(x, min, max)?;
    let (lo_t, hi_t) = (min.and_then(operand_tensor), max.and_then(operand_tensor));
    let mut ins: smallvec::SmallVec<[&Tensor; 3]> = smallvec::smallvec![x];
    ins.extend(lo_t.iter().chain(hi_t.iter()));
    if !needs_grad(&ins) || !out.dtype().is_float() {
        return Ok(out);
    }
    let tensor_bounds = lo_t.is_some() || hi_t.is_some();
    let name = if tensor_bounds {
        "ClampBackward0"
    } else {
        "ClampBackward1"
    };
    let saved = Saved::new(x);
    // Tensor bounds are saved (versioned); number bounds kept as they are.
    let keep = |o: Option<&Operand>| {
        o.map(|o| match o {
            Operand::Tensor(t) => (
                Some(Saved::new(t)),
                None,
                ShapeVec::from_slice(t.shape()),
                t.dtype(),
                t.requires_grad(),
            ),
            Operand::Scalar(_) => (None, Some(o.clone()), ShapeVec::new(), x.dtype(), false),
        })
    };
    let (lo, hi) = (keep(min), keep(max));
    let f = move |g: &Tensor| -> Result<Vec<Option<Tensor>>> {
        let x = saved.get(name, 0)?;
        let bound = |b: &Option<ClampBound>| -> Result<Option<Operand>> {
            Ok(match b {
                Some((Some(s), _, _, _, _)) => Some(Operand::Tensor(s.get(name, 0)?)),
                Some((None, Some(o), _, _, _)) => Some(o.clone()),
                _ => None,
            })
        };
        let (lov, hiv) = (bound(&lo)?, bound(&hi)?);
        let cmp = |op: BinaryOp, a: &Operand, b: &Operand| ew::binary(op, a, b);
        let and = |a: Tensor, b: Tensor| ew::binary(BinaryOp::LogicalAnd, &tn(&a), &tn(&b));
        let xo = tn(&x);
        // PyTorch's clamp_backward: the input passes where lo <= x <= hi.
        let mut pass = Tensor::scalar_tensor(Scalar::Bool(true), DType::Bool);
        if let Some(l) = &lov {
            pass = and(pass, cmp(BinaryOp::Ge, &xo, l)?)?;
        }
        if let Some(h) = &hiv {
            pass = and(pass, cmp(BinaryOp::Le, &xo, h)?)?;
        }
        let mut v = vec![grad_for(where_(&pass, &tn(g), &s(0.0))?, &x)?];
        // clamp_backward_min_max: lo gets the gradient where x < lo (and lo < hi); hi where
        // x > hi, or everywhere hi < lo (the result is hi there).
        if let (Some((Some(_), _, shape, dt, rg)), Some(l)) = (&lo, &lov) {
            let mut m = cmp(BinaryOp::Lt, &xo, l)?;
            if let Some(h) = &hiv {
                m = and(m, cmp(BinaryOp::Lt, l, h)?)?;
            }
            v.push(if *rg {
                grad_for_shape(where_(&m, &tn(g), &s(0.0))?, shape, *dt)?
            } else {
                None
            });
        }
        if let (Some((Some(_), _, shape, dt, rg)), Some(h)) = (&hi, &hiv) {
            let mut m = cmp(BinaryOp::Gt, &xo, h)?;
            if let Some(l) = &lov {
                m = ew::binary(BinaryOp::LogicalOr, &tn(&m), &tn(&cmp(BinaryOp::Lt, h, l)?))?;
            }
            v.push(if *rg {
                grad_for_shape(where_(&m, &tn(g), &s(0.0))?, shape, *dt)?
            } else {
                None
            });
        }
        Ok(v)
    };
    Ok(record1(name, &ins, out, true, f))
}

pub fn to_dtype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return Ok(x.clone());
    }
    if x.dtype().is_complex() && !dtype.is_complex() {
        // An explicit cast keeps the real part (PyTorch warns that the imaginary part is
        // discarded); implicit casts inside ops refuse complex input (`try_to_dtype_copy`).
        return to_dtype(&crate::autograd::ops_complex::part(x, 0)?, dtype);
    }
    let out = x.try_to_dtype_copy(dtype)?;
    if !dtype.is_float() && !dtype.is_complex() {
        return Ok(out);
    }
    let src = x.dtype();
    Ok(record1("ToCopyBackward0", &[x], out, false, move |g| {
        Ok(vec![Some(to_dtype(g, src)?)])
    }))
}

/// A copy converted to `dtype` with the given (non-overlapping) strides, for `memory_format=`:
/// CloneBackward0, or ToCopyBackward0 when the dtype changes (as `clone` and `to_dtype`).
pub fn clone_strided(x: &Tensor, dtype: DType, strides: &[usize]) -> Result<Tensor> {
    let out = x.try_copy_strided(dtype, strides)?;
    let src = x.dtype();
    if src == dtype {
        return Ok(record1("CloneBackward0", &[x], out, false, |g| {
            Ok(vec![Some(g.clone())])
        }));
    }
    if !dtype.is_float() {
        return Ok(out);
    }
    Ok(record1("ToCopyBackward0", &[x], out, false, move |g| {
        Ok(vec![Some(to_dtype(g, src)?)])
    }))
}

pub fn clone(x: &Tensor) -> Result<Tensor> {
    let out = x.try_to_dtype_copy(x.dtype())?;
    Ok(record1("CloneBackward0", &[x], out, false, |g| {
        Ok(vec![Some(g.clone())])
    }))
}

// ----- reductions -----

/// The grad_fn of a reduction's `dim=` form, from the registry (`spec::reduce`).
fn dim_form(op: ReduceOp) -> &'static str {
    op.grad_fn().unwrap_or(op.name())
}

/// Re-inserts reduced dims (size 1) so a reduced gradient broadcasts against the input.
fn unreduce(g: &Tensor, dims: &[usize], keepdim: bool) -> Result<Tensor> {
    let mut r = g.clone();
    if !keepdim {
        for &d in dims {
            r = unsqueeze(&r, d as i64)?;
        }
    }
    Ok(r)
}

fn expand_to(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let sizes: Vec<i64> = shape.iter().map(|&v| v as i64).collect();
    expand(g, &sizes)
}

pub fn sum(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    if x.dtype().is_complex() {
        return crate::autograd::ops_complex::reduce(x, dims, keepdim, dtype, false);
    }
    let out = reduce::sum(x, dims, keepdim, dtype)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let shape = x.shape().to_vec();
    let name = if dims.is_none() {
        "SumBackward0"
    } else {
        dim_form(ReduceOp::Sum)
    };
    let xd = x.dtype();
    Ok(record1(name, &[x], out, false, move |g| {
        let r = expand_to(&unreduce(g, &wdims, keepdim)?, &shape)?;
        Ok(vec![Some(to_dtype(&r, xd)?)])
    }))
}

/// `nansum`: the sum with NaNs counted as zero (NansumBackward0: the gradient is the sum's,
/// zero where `x` is NaN).
pub fn nansum(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let nan = ew::unary(UnaryOp::IsNan, x)?;
    let zero = Operand::Scalar(Scalar::Int(0));
    let clean = ew::where_(&nan, &zero, &tn(x))?;
    let out = reduce::sum(&clean, dims, keepdim, dtype)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let shape = x.shape().to_vec();
    let xd = x.dtype();
    Ok(record1(
        dim_form(ReduceOp::Nansum),
        &[x],
        out,
        false,
        move |g| {
            let r = expand_to(&unreduce(g, &wdims, keepdim)?, &shape)?;
            let r = where_(&nan, &zero, &tn(&r))?;
            Ok(vec![Some(to_dtype(&r, xd)?)])
        },
    ))
}

pub fn mean(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    if x.dtype().is_complex() {
        return crate::autograd::ops_complex::reduce(x, dims, keepdim, dtype, true);
    }
    let out = reduce::mean(x, dims, keepdim, dtype)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let count: usize = wdims.iter().map(|&d| x.shape()[d]).product();
    let shape = x.shape().to_vec();
    let name = if dims.is_none() {
        "MeanBackward0"
    } else {
        dim_form(ReduceOp::Mean)
    };
    Ok(record1(name, &[x], out, false, move |g| {
        let r = expand_to(&unreduce(g, &wdims, keepdim)?, &shape)?;
        Ok(vec![Some(mul_scalar(&r, 1.0 / count as f64)?)])
    }))
}

/// Product of all other elements along the last dim, without dividing (zeros are exact).
fn prod_others_last(x: &Tensor) -> Result<Tensor> {
    let n = *x.shape().last().unwrap_or(&1) as i64;
    let ones_shape: Vec<usize> = x.shape()[..x.ndim() - 1]
        .iter()
        .copied()
        .chain([1])
        .collect();
    let one = crate::backend::gpu::to_device(
        &crate::ops::create::full(&ones_shape, Scalar::Int(1), x.dtype()),
        x.device(),
    )?;
    let left = cumulative(&narrow(x, -1, 0, n - 1)?, -1, true)?;
    let left = cat(&[one.clone(), left], -1)?;
    let fx = flip(x, &[-1])?;
    let right = flip(&cumulative(&narrow(&fx, -1, 0, n - 1)?, -1, true)?, &[-1])?;
    let right = cat(&[right, one], -1)?;
    mul(&left, &right)
}

pub fn prod(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let out = reduce::prod(x, dims, keepdim, dtype)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let saved = Saved::new(x);
    let all = dims.is_none();
    let dim = dims.and_then(|d| d.first().copied()).unwrap_or(0);
    let name = if all {
        "ProdBackward0"
    } else {
        dim_form(ReduceOp::Prod)
    };
    Ok(record1(name, &[x], out, true, move |g| {
        let x = saved.get(name, 0)?;
        let shape: Vec<i64> = x.shape().iter().map(|&v| v as i64).collect();
        if x.numel() == 0 {
            return Ok(vec![Some(zeros_like(&x)?)]);
        }
        if x.ndim() == 0 {
            // The product of one element: its gradient is the incoming one (0-d, as x).
            return Ok(vec![Some(reshape(g, &[])?)]);
        }
        if all {
            let flat = reshape(&x, &[1, -1])?;
            let others = reshape(&prod_others_last(&flat)?, &shape)?;
            return Ok(vec![Some(mul(&others, g)?)]);
        }
        let moved = movedim(&x, &[dim], &[-1])?;
        let others = movedim(&prod_others_last(&moved)?, &[-1], &[dim])?;
        let gk = if keepdim || x.ndim() == 0 {
            g.clone()
        } else {
            unsqueeze(g, dim)?
        };
        Ok(vec![Some(mul(&others, &gk)?)])
    }))
}

/// Gradient spread evenly over the elements equal to the (kept-dim) result.
fn evenly(
    g: &Tensor,
    x: &Tensor,
    result: &Tensor,
    dims: &[usize],
    keepdim: bool,
) -> Result<Tensor> {
    let rk = unreduce(result, dims, keepdim)?;
    let gk = unreduce(g, dims, keepdim)?;
    let mask = ew::binary(BinaryOp::Eq, &tn(x), &tn(&rk))?.try_to_dtype(g.dtype())?;
    let dl: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
    let count = reduce::sum(&mask, Some(&dl), true, None)?;
    let w = ew::binary(BinaryOp::Div, &tn(&mask), &tn(&count))?;
    mul(&gk, &w)
}

pub fn amax(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    largest: bool,
    name: &'static str,
) -> Result<Tensor> {
    let out = if name.starts_with("Max") || name.starts_with("Min") {
        reduce::max_all(x, largest)?
    } else {
        reduce::amax(x, dims, keepdim, largest)?
    };
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let (sx, so) = (Saved::new(x), out.detach());
    Ok(record1(name, &[x], out, true, move |g| {
        let x = sx.get(name, 0)?;
        Ok(vec![Some(evenly(g, &x, &so, &wdims, keepdim)?)])
    }))
}

pub fn var(
    x: &Tensor,
    dims: Option<&[i64]>,
    correction: f64,
    keepdim: bool,
    take_sqrt: bool,
) -> Result<Tensor> {
    let out = reduce::var(x, dims, correction, keepdim, take_sqrt)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let n: usize = wdims.iter().map(|&d| x.shape()[d]).product();
    let (sx, so) = (Saved::new(x), out.detach());
    let name = if take_sqrt {
        dim_form(ReduceOp::Std)
    } else {
        dim_form(ReduceOp::Var)
    };
    let dims_v = dims.map(|d| d.to_vec());
    Ok(record1(name, &[x], out, true, move |g| {
        let x = sx.get(name, 0)?;
        // The output is not kept with history (that would be a cycle); under create_graph it
        // is recomputed so that second derivatives see its dependence on x.
        let so = if take_sqrt && grad_mode::is_enabled() {
            var(&x, dims_v.as_deref(), correction, keepdim, true)?
        } else {
            so.clone()
        };
        let dl: Vec<i64> = wdims.iter().map(|&d| d as i64).collect();
        let m = mean(&x, Some(&dl), true, None)?;
        let centered = binary(BinaryOp::Sub, &tn(&x), &tn(&m))?;
        let gk = unreduce(g, &wdims, keepdim)?;
        let denom = (n as f64 - correction).max(0.0);
        let r = if take_sqrt {
            // g (x - mean) / (std * (n - correction)), and 0 where the std is 0 (as PyTorch).
            let sk = unreduce(&so, &wdims, keepdim)?;
            let d = mul_scalar(&sk, denom)?;
            let q = binary(BinaryOp::Div, &tn(&mul(&gk, &centered)?), &tn(&d))?;
            where_(
                &ew::binary(BinaryOp::Eq, &tn(&sk), &s(0.0))?,
                &s(0.0),
                &tn(&q),
            )?
        } else {
            mul_scalar(&mul(&gk, &centered)?, 2.0 / denom)?
        };
        Ok(vec![Some(r)])
    }))
}

pub fn norm(x: &Tensor, p: f64, dims: Option<&[i64]>, keepdim: bool) -> Result<Tensor> {
    let out = reduce::norm(x, p, dims, keepdim)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let (sx, so) = (Saved::new(x), out.detach());
    let name = dim_form(ReduceOp::Norm);
    let dims_v = dims.map(|d| d.to_vec());
    Ok(record1(name, &[x], out, true, move |g| {
        let x = sx.get(name, 0)?;
        // Recomputed with history under create_graph (see `var`).
        let so = if grad_mode::is_enabled() {
            norm(&x, p, dims_v.as_deref(), keepdim)?
        } else {
            so.clone()
        };
        let nk = unreduce(&so, &wdims, keepdim)?;
        let gk = unreduce(g, &wdims, keepdim)?;
        let r = if p.is_infinite() {
            let ax = unary(UnaryOp::Abs, &x)?;
            let e = evenly(g, &ax, &so, &wdims, keepdim)?;
            mul(&e, &unary(UnaryOp::Sign, &x)?)?
        } else if p == 0.0 {
            zeros_like(&x)?
        } else if p == 1.0 {
            mul(&gk, &unary(UnaryOp::Sign, &x)?)?
        } else {
            // g * x * |x|^(p-2) / norm^(p-1), and 0 where the norm is 0.
            let ax = unary(UnaryOp::Abs, &x)?;
            let num = mul(&x, &binary(BinaryOp::Pow, &tn(&ax), &s(p - 2.0))?)?;
            let den = binary(BinaryOp::Pow, &tn(&nk), &s(p - 1.0))?;
            let q = binary(BinaryOp::Div, &tn(&mul(&gk, &num)?), &tn(&den))?;
            let zero = ew::binary(BinaryOp::Eq, &tn(&nk), &s(0.0))?;
            where_(&zero, &s(0.0), &tn(&q))?
        };
        Ok(vec![Some(r)])
    }))
}

pub fn logsumexp(x: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    let out = reduce::logsumexp(x, dims, keepdim)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, Some(dims))?;
    let (sx, so) = (Saved::new(x), out.detach());
    let dims_v = dims.to_vec();
    let name = dim_form(ReduceOp::Logsumexp);
    Ok(record1(name, &[x], out, true, move |g| {
        let x = sx.get(name, 0)?;
        // Recomputed with history under create_graph (see `var`).
        let so = if grad_mode::is_enabled() {
            logsumexp(&x, &dims_v, keepdim)?
        } else {
            so.clone()
        };
        let rk = unreduce(&so, &wdims, keepdim)?;
        let gk = unreduce(g, &wdims, keepdim)?;
        let e = unary(UnaryOp::Exp, &binary(BinaryOp::Sub, &tn(&x), &tn(&rk))?)?;
        Ok(vec![Some(mul(&gk, &e)?)])
    }))
}

pub fn cumulative(x: &Tensor, dim: i64, product: bool) -> Result<Tensor> {
    let out = reduce::cumulative(x, dim, None, product)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let (sx, so) = (Saved::new(x), out.detach());
    let name = if product {
        dim_form(ReduceOp::Cumprod)
    } else {
        dim_form(ReduceOp::Cumsum)
    };
    Ok(record1(name, &[x], out, product, move |g| {
        let rev = |v: &Tensor| -> Result<Tensor> {
            flip(&cumulative(&flip(v, &[dim])?, dim, false)?, &[dim])
        };
        if !product {
            return Ok(vec![Some(rev(g)?)]);
        }
        let x = sx.get(name, 0)?;
        // Recomputed with history under create_graph (see `var`).
        let so = if grad_mode::is_enabled() {
            cumulative(&x, dim, true)?
        } else {
            so.clone()
        };
        Ok(vec![Some(cumprod_backward(&x, &so, g, dim)?)])
    }))
}

/// Gradient of `out = cumprod(x, dim)`: `sum_{j >= i} g_j out_j / x_i`, which is exact where
/// x_i precedes the first zero of its slice. At the first zero z it is
/// `sum_{j >= z} g_j prod_{k <= j, k != z} x_k` (a cumprod with x_z replaced by 1), and after
/// it 0. Written with differentiable ops, so it can be differentiated again.
fn cumprod_backward(x: &Tensor, out: &Tensor, g: &Tensor, dim: i64) -> Result<Tensor> {
    let rev = |v: &Tensor| -> Result<Tensor> {
        flip(&cumulative(&flip(v, &[dim])?, dim, false)?, &[dim])
    };
    let is_zero = ew::binary(BinaryOp::Eq, &tn(x), &s(0.0))?;
    let any_zero = reduce::all_any(&is_zero, None, false, true)?
        .item()?
        .to_f64()
        != 0.0;
    if !any_zero {
        return binary(BinaryOp::Div, &tn(&rev(&mul(g, out)?)?), &tn(x));
    }
    let zeros_so_far = reduce::cumulative(&is_zero.try_to_dtype(DType::I64)?, dim, None, false)?;
    let before = ew::binary(
        BinaryOp::Eq,
        &tn(&zeros_so_far),
        &Operand::Scalar(Scalar::Int(0)),
    )?;
    let first = ew::binary(
        BinaryOp::LogicalAnd,
        &tn(&is_zero),
        &tn(&ew::binary(
            BinaryOp::Eq,
            &tn(&zeros_so_far),
            &Operand::Scalar(Scalar::Int(1)),
        )?),
    )?;
    let safe_x = where_(&before, &tn(x), &s(1.0))?;
    let a = binary(BinaryOp::Div, &tn(&rev(&mul(g, out)?)?), &tn(&safe_x))?;
    let y = where_(&first, &s(1.0), &tn(x))?;
    let at_zero = rev(&mul(g, &cumulative(&y, dim, true)?)?)?;
    where_(
        &before,
        &tn(&a),
        &tn(&where_(&first, &tn(&at_zero), &s(0.0))?),
    )
}

/// Values picked by indices along `dim` (max/min/sort/topk/median along a dim): the gradient
/// goes back to the picked positions.
pub fn index_values(
    name: &'static str,
    x: &Tensor,
    values: Tensor,
    indices: &Tensor,
    dim: i64,
    keepdim: bool,
) -> Result<Tensor> {
    if !needs_grad(&[x]) {
        return Ok(values);
    }
    let shape = x.shape().to_vec();
    let idx = indices.clone();
    let xd = x.dtype();
    Ok(record1(name, &[x], values, false, move |g| {
        let (gk, ik) = if keepdim || shape.is_empty() {
            (g.clone(), idx.clone())
        } else {
            (unsqueeze(g, dim)?, crate::ops::view::unsqueeze(&idx, dim)?)
        };
        let z = g.zeros_like_here(&shape, xd)?;
        Ok(vec![Some(scatter_add(&z, dim, &ik, &gk)?)])
    }))
}

/// Result of a hook or custom function that must be an `Arc`'d node-compatible error.
pub fn not_differentiable(name: &str) -> Error {
    Error::Runtime(format!("the derivative for '{}' is not implemented.", name))
}

// ----- in-place ops -----

/// A copy of `x` that continues `x`'s history (the value an in-place op reads).
fn snapshot(x: &Tensor) -> Result<Tensor> {
    let c = x.detach().try_to_dtype_copy(x.dtype())?;
    if let Some(m) = x.meta()
        && let Some(e) = m.grad_fn()
    {
        let cm = c.meta_or_init();
        cm.set_requires_grad(true);
        *cm.grad_fn.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
    }
    Ok(c)
}

/// Runs an in-place op as `x <- f(x)`. When autograd tracks it, `f` reads a snapshot of `x`
/// and `x` takes over the result's history; a leaf that requires grad cannot be modified.
pub fn inplace(
    x: &Tensor,
    others: &[&Tensor],
    f: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<()> {
    let tracking =
        grad_mode::is_enabled() && (x.requires_grad() || others.iter().any(|t| t.requires_grad()));
    if tracking && x.requires_grad() && x.meta().is_some_and(|m| m.is_leaf()) {
        return Err(Error::Runtime(
            "a leaf Variable that requires grad is being used in an in-place operation.".into(),
        ));
    }
    let r = if tracking { f(&snapshot(x)?)? } else { f(x)? };
    if !ew::can_cast(r.dtype(), x.dtype()) {
        return Err(Error::Runtime(format!(
            "result type {} can't be cast to the desired output type {}",
            ew::type_title(r.dtype()),
            ew::type_title(x.dtype())
        )));
    }
    if r.shape() != x.shape() {
        return Err(Error::Runtime(format!(
            "output with shape [{}] doesn't match the broadcast shape [{}]",
            x.shape()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            r.shape()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    crate::tensor::try_copy_into(x, &r)?;
    x.storage().bump_version();
    if tracking && let Some(e) = r.meta().and_then(|m| m.grad_fn()) {
        let m = x.meta_or_init();
        m.set_requires_grad(true);
        *m.grad_fn.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
    }
    Ok(())
}

pub fn binary_inplace(op: BinaryOp, x: &Tensor, other: &Operand, grad: GradName) -> Result<()> {
    ew::check_no_internal_overlap(x)?;
    let out_dtype = ew::binary_result_dtype(op, &Operand::Tensor(x.clone()), other)?;
    if !ew::can_cast(out_dtype, x.dtype()) {
        return Err(Error::Runtime(format!(
            "result type {} can't be cast to the desired output type {}",
            ew::type_title(out_dtype),
            ew::type_title(x.dtype())
        )));
    }
    let others: Vec<Tensor> = operand_tensor(other).into_iter().collect();
    let refs: Vec<&Tensor> = others.iter().collect();
    let grad = match grad {
        GradName::Op => GradName::Inplace,
        g => g,
    };
    inplace(x, &refs, |src| {
        binary_as(op, &Operand::Tensor(src.clone()), other, grad)
    })
}

pub fn unary_inplace(op: UnaryOp, x: &Tensor) -> Result<()> {
    ew::check_no_internal_overlap(x)?;
    inplace(x, &[], |src| unary(op, src))
}
