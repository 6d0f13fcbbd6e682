//! Differentiable elementwise ops and reductions: each runs the raw op from `crate::ops` and,
//! when grad mode is on and an input requires grad, records a node whose backward formula is
//! written with these same functions (so it can itself be differentiated).
//! Shape ops, indexing, joins and matrix products are in `ops_shape.rs`.

use crate::autograd::engine::gradient_edge;
use crate::autograd::grad_mode;
use crate::autograd::node::{BackwardFn, Node, Saved};
pub use crate::autograd::ops_shape::*;
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{self as ew, BinaryOp, Operand, UnaryOp};
use crate::ops::reduce;
use crate::tensor::Tensor;

/// Whether an op on these inputs must be recorded.
pub fn needs_grad(inputs: &[&Tensor]) -> bool {
    grad_mode::is_enabled() && inputs.iter().any(|t| t.requires_grad())
}

/// Records `name` as the grad_fn of `outputs` with edges to `inputs`. Outputs that share an
/// impl with anything else get a fresh one first, so history is never attached to an input.
pub fn record(name: &str, inputs: &[&Tensor], outputs: Vec<Tensor>, saves: bool, f: BackwardFn) -> Vec<Tensor> {
    let next = inputs
        .iter()
        .map(|t| if t.requires_grad() { gradient_edge(t) } else { None })
        .collect();
    let node = Node::new(name, next, outputs.len(), saves, f);
    outputs
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            if !o.dtype().is_float() {
                return o;
            }
            let o = if o.meta().is_some() || inputs.iter().any(|t| t.same_impl(&o)) { o.detach() } else { o };
            let m = o.meta_or_init();
            m.set_requires_grad(true);
            *m.grad_fn.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(crate::autograd::node::Edge { node: node.clone(), input_nr: i });
            o
        })
        .collect()
}

/// Single-output form of `record`, applied only when needed.
pub fn record1(name: &str, inputs: &[&Tensor], out: Tensor, saves: bool, f: impl Fn(&Tensor) -> Result<Vec<Option<Tensor>>> + Send + Sync + 'static) -> Tensor {
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
    let lead = g.ndim() - shape.len();
    let mut dims: Vec<i64> = (0..lead as i64).collect();
    for (i, &s) in shape.iter().enumerate() {
        if s == 1 && g.shape()[lead + i] != 1 {
            dims.push((lead + i) as i64);
        }
    }
    let r = if dims.is_empty() { g.clone() } else { sum(g, Some(&dims), true, None)? };
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
    let r = sum_to(&g, of.shape())?;
    Ok(Some(if r.dtype() != of.dtype() && of.dtype().is_float() { to_dtype(&r, of.dtype())? } else { r }))
}

pub fn binary(op: BinaryOp, a: &Operand, b: &Operand) -> Result<Tensor> {
    let out = ew::binary(op, a, b)?;
    let (ta, tb) = (operand_tensor(a), operand_tensor(b));
    let mut ins: Vec<&Tensor> = vec![];
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
    let name = match (op, &ta, &tb) {
        (Add, _, _) => "AddBackward0",
        (Sub, None, _) => "RsubBackward1",
        (Sub, _, _) => "SubBackward0",
        (Mul, _, _) => "MulBackward0",
        (Div, _, _) => "DivBackward0",
        (Pow, Some(_), None) => "PowBackward0",
        (Pow, Some(_), Some(_)) => "PowBackward1",
        (Pow, None, _) => "PowBackward2",
        (Atan2, _, _) => "Atan2Backward0",
        (Minimum, _, _) => "MinimumBackward0",
        (Maximum, _, _) => "MaximumBackward0",
        (Remainder, _, _) => "RemainderBackward0",
        (Fmod, _, _) => "FmodBackward0",
        (DivFloor | DivTrunc, _, _) => "DivBackward1",
        _ => return Ok(out),
    };
    let (sa, sb) = (a.clone(), b.clone());
    let saved_a = ta.as_ref().map(Saved::new);
    let saved_b = tb.as_ref().map(Saved::new);
    let nm = name.to_string();
    let (ca, cb) = (ta.clone(), tb.clone());
    // Like PyTorch's needs_input_grad: skip formulas whose result nobody receives.
    let need_a = ta.as_ref().is_some_and(|t| t.requires_grad());
    let need_b = tb.as_ref().is_some_and(|t| t.requires_grad());
    let f = move |g: &Tensor| -> Result<Vec<Option<Tensor>>> {
        let av = match (&saved_a, &sa) {
            (Some(s), _) => Operand::Tensor(s.get(&nm, 0)?),
            (None, o) => o.clone(),
        };
        let bv = match (&saved_b, &sb) {
            (Some(s), _) => Operand::Tensor(s.get(&nm, 0)?),
            (None, o) => o.clone(),
        };
        let (ga, gb): (Option<Tensor>, Option<Tensor>) = match op {
            Add => (Some(g.clone()), Some(g.clone())),
            Sub => (Some(g.clone()), Some(neg(g)?)),
            Mul => (
                if need_a { Some(binary(Mul, &tn(g), &bv)?) } else { None },
                if need_b { Some(binary(Mul, &tn(g), &av)?) } else { None },
            ),
            Div => {
                let ga = binary(Div, &tn(g), &bv)?;
                let gb = if saved_b.is_some() {
                    // -g * a / b^2
                    let q = binary(Div, &av, &bv)?;
                    let q = binary(Div, &tn(&q), &bv)?;
                    Some(neg(&binary(Mul, &tn(g), &tn(&q))?)?)
                } else {
                    None
                };
                (Some(ga), gb)
            }
            Pow => pow_grads(g, &av, &bv, need_a, need_b)?,
            Atan2 => {
                let den = binary(Add, &tn(&binary(Mul, &av, &av)?), &tn(&binary(Mul, &bv, &bv)?))?;
                let ga = binary(Mul, &tn(g), &tn(&binary(Div, &bv, &tn(&den))?))?;
                let gb = neg(&binary(Mul, &tn(g), &tn(&binary(Div, &av, &tn(&den))?))?)?;
                (Some(ga), Some(gb))
            }
            Minimum | Maximum => {
                let (wa, wb) = minmax_weights(op == Maximum, &av, &bv)?;
                (Some(binary(Mul, &tn(g), &tn(&wa))?), Some(binary(Mul, &tn(g), &tn(&wb))?))
            }
            Remainder | Fmod => {
                let q = ew::binary(if op == Remainder { DivFloor } else { DivTrunc }, &av, &bv)?;
                (Some(g.clone()), Some(neg(&binary(Mul, &tn(g), &tn(&q))?)?))
            }
            _ => (Some(zeros_like(g)), Some(zeros_like(g))),
        };
        let mut out = vec![];
        if let Some(x) = &ca {
            out.push(match ga {
                Some(ga) => grad_for(ga, x)?,
                None => None,
            });
        }
        if let Some(x) = &cb {
            out.push(match gb {
                Some(gb) => grad_for(gb, x)?,
                None => None,
            });
        }
        Ok(out)
    };
    Ok(record1(name, &ins, out, true, f))
}

fn zeros_like(g: &Tensor) -> Tensor {
    Tensor::zeros(g.shape(), g.dtype())
}

fn minmax_weights(max: bool, a: &Operand, b: &Operand) -> Result<(Tensor, Tensor)> {
    let win = ew::binary(if max { BinaryOp::Gt } else { BinaryOp::Lt }, a, b)?;
    let tie = ew::binary(BinaryOp::Eq, a, b)?;
    let wa = ew::binary(BinaryOp::Add, &tn(&win.to_dtype(DType::F64)), &tn(&ew::binary(BinaryOp::Mul, &tn(&tie), &s(0.5))?))?;
    let wb = ew::binary(BinaryOp::Sub, &s(1.0), &tn(&wa))?;
    Ok((wa, wb))
}

fn pow_grads(g: &Tensor, a: &Operand, b: &Operand, a_grad: bool, b_grad: bool) -> Result<(Option<Tensor>, Option<Tensor>)> {
    use BinaryOp::*;
    let ga = if a_grad && let Operand::Scalar(e) = b {
        // Scalar exponent: g * e * a^(e-1) (zero for e == 0), with x^1 and x^0 spelled out.
        let e = e.to_f64();
        Some(match e {
            0.0 => binary(Mul, &tn(g), &s(0.0))?,
            1.0 => g.clone(),
            2.0 => binary(Mul, &tn(g), &tn(&binary(Mul, a, &s(2.0))?))?,
            _ => binary(Mul, &tn(g), &tn(&binary(Mul, &tn(&binary(Pow, a, &s(e - 1.0))?), &s(e))?))?,
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
        let az = ew::binary(LogicalAnd, &tn(&ew::binary(Eq, a, &s(0.0))?), &tn(&ew::binary(Ge, b, &s(0.0))?))?;
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
    let out = ew::unary(op, x)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    use UnaryOp::*;
    let name = match op {
        Neg => "NegBackward0",
        Abs => "AbsBackward0",
        Sign => "SignBackward0",
        Exp => "ExpBackward0",
        Exp2 => "Exp2Backward0",
        Expm1 => "Expm1Backward0",
        Log => "LogBackward0",
        Log2 => "Log2Backward0",
        Log10 => "Log10Backward0",
        Log1p => "Log1PBackward0",
        Sqrt => "SqrtBackward0",
        Rsqrt => "RsqrtBackward0",
        Sin => "SinBackward0",
        Cos => "CosBackward0",
        Tan => "TanBackward0",
        Asin => "AsinBackward0",
        Acos => "AcosBackward0",
        Atan => "AtanBackward0",
        Sinh => "SinhBackward0",
        Cosh => "CoshBackward0",
        Tanh => "TanhBackward0",
        Sigmoid => "SigmoidBackward0",
        Relu => "ReluBackward0",
        Floor => "FloorBackward0",
        Ceil => "CeilBackward0",
        Round => "RoundBackward0",
        Trunc => "TruncBackward0",
        Frac => "FracBackward0",
        Reciprocal => "ReciprocalBackward0",
        Square => "PowBackward0",
        _ => return Ok(out),
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
            Sign | Floor | Ceil | Round | Trunc => zeros_like(g),
            Exp => gm(u(Exp)?)?,
            Exp2 => gm(mul_scalar(&u(Exp2)?, std::f64::consts::LN_2)?)?,
            Expm1 => gm(binary(BinaryOp::Add, &tn(&u(Expm1)?), &s(1.0))?)?,
            Log => binary(BinaryOp::Div, &tn(g), &tn(&x))?,
            Log2 => binary(BinaryOp::Div, &tn(g), &tn(&mul_scalar(&x, std::f64::consts::LN_2)?))?,
            Log10 => binary(BinaryOp::Div, &tn(g), &tn(&mul_scalar(&x, std::f64::consts::LN_10)?))?,
            Log1p => binary(BinaryOp::Div, &tn(g), &tn(&binary(BinaryOp::Add, &tn(&x), &s(1.0))?))?,
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
            Atan => binary(BinaryOp::Div, &tn(g), &tn(&binary(BinaryOp::Add, &tn(&mul(&x, &x)?), &s(1.0))?))?,
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
            _ => zeros_like(g),
        };
        Ok(vec![Some(r)])
    };
    Ok(record1(name, &[x], out, true, f))
}

pub fn where_(cond: &Tensor, a: &Operand, b: &Operand) -> Result<Tensor> {
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

pub fn clamp(x: &Tensor, min: Option<&Operand>, max: Option<&Operand>) -> Result<Tensor> {
    let out = ew::clamp(x, min, max)?;
    let out = if out.dtype() != x.dtype() && x.dtype().is_float() && !matches!((min, max), (Some(Operand::Tensor(_)), _) | (_, Some(Operand::Tensor(_)))) {
        out.to_dtype(x.dtype())
    } else {
        out
    };
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (lo, hi) = (min.cloned(), max.cloned());
    let saved = Saved::new(x);
    let tensor_bounds = matches!(lo, Some(Operand::Tensor(_))) || matches!(hi, Some(Operand::Tensor(_)));
    let f = move |g: &Tensor| -> Result<Vec<Option<Tensor>>> {
        let x = saved.get("ClampBackward1", 0)?;
        let mut keep = Tensor::scalar_tensor(Scalar::Bool(true), DType::Bool);
        if let Some(lo) = &lo {
            keep = ew::binary(BinaryOp::LogicalAnd, &tn(&keep), &tn(&ew::binary(BinaryOp::Ge, &tn(&x), lo)?))?;
        }
        if let Some(hi) = &hi {
            keep = ew::binary(BinaryOp::LogicalAnd, &tn(&keep), &tn(&ew::binary(BinaryOp::Le, &tn(&x), hi)?))?;
        }
        Ok(vec![Some(where_(&keep, &tn(g), &s(0.0))?)])
    };
    Ok(record1(if tensor_bounds { "ClampBackward0" } else { "ClampBackward1" }, &[x], out, true, f))
}

pub fn to_dtype(x: &Tensor, dtype: DType) -> Result<Tensor> {
    if x.dtype() == dtype {
        return Ok(x.clone());
    }
    let out = x.to_dtype_copy(dtype);
    if !dtype.is_float() {
        return Ok(out);
    }
    let src = x.dtype();
    Ok(record1("ToCopyBackward0", &[x], out, false, move |g| Ok(vec![Some(to_dtype(g, src)?)])))
}

pub fn clone(x: &Tensor) -> Result<Tensor> {
    let out = x.to_dtype_copy(x.dtype());
    Ok(record1("CloneBackward0", &[x], out, false, |g| Ok(vec![Some(g.clone())])))
}

// ----- reductions -----

/// Re-inserts reduced dims (size 1) so a reduced gradient broadcasts against the input.
fn unreduce(g: &Tensor, in_shape: &[usize], dims: &[usize], keepdim: bool) -> Result<Tensor> {
    let mut r = g.clone();
    if !keepdim {
        for &d in dims {
            r = unsqueeze(&r, d as i64)?;
        }
    }
    let _ = in_shape;
    Ok(r)
}

fn expand_to(g: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let sizes: Vec<i64> = shape.iter().map(|&v| v as i64).collect();
    expand(g, &sizes)
}

pub fn sum(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let out = reduce::sum(x, dims, keepdim, dtype)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let shape = x.shape().to_vec();
    let name = if dims.is_none() { "SumBackward0" } else { "SumBackward1" };
    let xd = x.dtype();
    Ok(record1(name, &[x], out, false, move |g| {
        let r = expand_to(&unreduce(g, &shape, &wdims, keepdim)?, &shape)?;
        Ok(vec![Some(to_dtype(&r, xd)?)])
    }))
}

pub fn mean(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let out = reduce::mean(x, dims, keepdim, dtype)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let count: usize = wdims.iter().map(|&d| x.shape()[d]).product();
    let shape = x.shape().to_vec();
    let name = if dims.is_none() { "MeanBackward0" } else { "MeanBackward1" };
    Ok(record1(name, &[x], out, false, move |g| {
        let r = expand_to(&unreduce(g, &shape, &wdims, keepdim)?, &shape)?;
        Ok(vec![Some(mul_scalar(&r, 1.0 / count as f64)?)])
    }))
}

/// Product of all other elements along the last dim, without dividing (zeros are exact).
fn prod_others_last(x: &Tensor) -> Result<Tensor> {
    let n = *x.shape().last().unwrap_or(&1) as i64;
    let ones_shape: Vec<usize> = x.shape()[..x.ndim() - 1].iter().copied().chain([1]).collect();
    let one = crate::ops::create::full(&ones_shape, Scalar::Int(1), x.dtype());
    let left = cumulative(&narrow(x, -1, 0, n - 1)?, -1, true)?;
    let left = cat(&[one.clone(), left], -1)?;
    let fx = flip(x, &[-1])?;
    let right = flip(&cumulative(&narrow(&fx, -1, 0, n - 1)?, -1, true)?, &[-1])?;
    let right = cat(&[right, one], -1)?;
    mul(&left, &right)
}

pub fn prod(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Tensor> {
    let out = reduce::prod(x, dims, keepdim, dtype)?;
    if !needs_grad(&[x]) || !out.dtype().is_float() {
        return Ok(out);
    }
    let saved = Saved::new(x);
    let all = dims.is_none();
    let dim = dims.and_then(|d| d.first().copied()).unwrap_or(0);
    let name = if all { "ProdBackward0" } else { "ProdBackward1" };
    Ok(record1(name, &[x], out, true, move |g| {
        let x = saved.get(name, 0)?;
        let shape: Vec<i64> = x.shape().iter().map(|&v| v as i64).collect();
        if x.numel() == 0 {
            return Ok(vec![Some(zeros_like(&x))]);
        }
        if all {
            let flat = reshape(&x, &[1, -1])?;
            let others = reshape(&prod_others_last(&flat)?, &shape)?;
            return Ok(vec![Some(mul(&others, g)?)]);
        }
        let moved = movedim(&x, &[dim], &[-1])?;
        let others = movedim(&prod_others_last(&moved)?, &[-1], &[dim])?;
        let gk = if keepdim || x.ndim() == 0 { g.clone() } else { unsqueeze(g, dim)? };
        Ok(vec![Some(mul(&others, &gk)?)])
    }))
}

/// Gradient spread evenly over the elements equal to the (kept-dim) result.
fn evenly(g: &Tensor, x: &Tensor, result: &Tensor, dims: &[usize], keepdim: bool) -> Result<Tensor> {
    let rk = unreduce(result, x.shape(), dims, keepdim)?;
    let gk = unreduce(g, x.shape(), dims, keepdim)?;
    let mask = ew::binary(BinaryOp::Eq, &tn(x), &tn(&rk))?.to_dtype(g.dtype());
    let dl: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
    let count = reduce::sum(&mask, Some(&dl), true, None)?;
    let w = ew::binary(BinaryOp::Div, &tn(&mask), &tn(&count))?;
    mul(&gk, &w)
}

pub fn amax(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, largest: bool, name: &'static str) -> Result<Tensor> {
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

pub fn var(x: &Tensor, dims: Option<&[i64]>, correction: f64, keepdim: bool, take_sqrt: bool) -> Result<Tensor> {
    let out = reduce::var(x, dims, correction, keepdim, take_sqrt)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let wdims = reduce::reduce_dims(x, dims)?;
    let n: usize = wdims.iter().map(|&d| x.shape()[d]).product();
    let (sx, so) = (Saved::new(x), out.detach());
    let name = if take_sqrt { "StdBackward0" } else { "VarBackward0" };
    Ok(record1(name, &[x], out, true, move |g| {
        let x = sx.get(name, 0)?;
        let dl: Vec<i64> = wdims.iter().map(|&d| d as i64).collect();
        let m = mean(&x, Some(&dl), true, None)?;
        let centered = binary(BinaryOp::Sub, &tn(&x), &tn(&m))?;
        let gk = unreduce(g, x.shape(), &wdims, keepdim)?;
        let denom = (n as f64 - correction).max(0.0);
        let r = if take_sqrt {
            let sk = unreduce(&so, x.shape(), &wdims, keepdim)?;
            let d = mul_scalar(&sk, denom)?;
            binary(BinaryOp::Div, &tn(&mul(&gk, &centered)?), &tn(&d))?
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
    let name = "LinalgVectorNormBackward0";
    Ok(record1(name, &[x], out, true, move |g| {
        let x = sx.get(name, 0)?;
        let nk = unreduce(&so, x.shape(), &wdims, keepdim)?;
        let gk = unreduce(g, x.shape(), &wdims, keepdim)?;
        let r = if p.is_infinite() {
            let ax = unary(UnaryOp::Abs, &x)?;
            let e = evenly(g, &ax, &so, &wdims, keepdim)?;
            mul(&e, &unary(UnaryOp::Sign, &x)?)?
        } else if p == 0.0 {
            zeros_like(&x)
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
    Ok(record1("LogsumexpBackward0", &[x], out, true, move |g| {
        let x = sx.get("LogsumexpBackward0", 0)?;
        let rk = unreduce(&so, x.shape(), &wdims, keepdim)?;
        let gk = unreduce(g, x.shape(), &wdims, keepdim)?;
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
    let name = if product { "CumprodBackward0" } else { "CumsumBackward0" };
    Ok(record1(name, &[x], out, product, move |g| {
        let rev = |v: &Tensor| -> Result<Tensor> { flip(&cumulative(&flip(v, &[dim])?, dim, false)?, &[dim]) };
        if !product {
            return Ok(vec![Some(rev(g)?)]);
        }
        // d out_j / d x_i = out_j / x_i for j >= i (inputs without zeros).
        let x = sx.get(name, 0)?;
        let r = binary(BinaryOp::Div, &tn(&rev(&mul(g, &so)?)?), &tn(&x))?;
        Ok(vec![Some(r)])
    }))
}

/// Values picked by indices along `dim` (max/min/sort/topk/median along a dim): the gradient
/// goes back to the picked positions.
pub fn index_values(name: &'static str, x: &Tensor, values: Tensor, indices: &Tensor, dim: i64, keepdim: bool) -> Result<Tensor> {
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
        let z = Tensor::zeros(&shape, xd);
        Ok(vec![Some(scatter_add(&z, dim, &ik, &gk)?)])
    }))
}

/// Result of a hook or custom function that must be an `Arc`'d node-compatible error.
pub fn not_differentiable(name: &str) -> Error {
    Error::Runtime(format!("the derivative for '{}' is not implemented.", name))
}

// ----- in-place ops -----

/// A copy of `x` that continues `x`'s history (the value an in-place op reads).
fn snapshot(x: &Tensor) -> Tensor {
    let c = x.detach().to_dtype_copy(x.dtype());
    if let Some(m) = x.meta()
        && let Some(e) = m.grad_fn()
    {
        let cm = c.meta_or_init();
        cm.set_requires_grad(true);
        *cm.grad_fn.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
    }
    c
}

/// Runs an in-place op as `x <- f(x)`. When autograd tracks it, `f` reads a snapshot of `x`
/// and `x` takes over the result's history; a leaf that requires grad cannot be modified.
pub fn inplace(x: &Tensor, others: &[&Tensor], f: impl FnOnce(&Tensor) -> Result<Tensor>) -> Result<()> {
    let tracking = grad_mode::is_enabled() && (x.requires_grad() || others.iter().any(|t| t.requires_grad()));
    if tracking && x.requires_grad() && x.meta().is_some_and(|m| m.is_leaf()) {
        return Err(Error::Runtime(
            "a leaf Variable that requires grad is being used in an in-place operation.".into(),
        ));
    }
    let r = if tracking { f(&snapshot(x))? } else { f(x)? };
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
            x.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
            r.shape().iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    crate::tensor::copy_into(x, &r);
    x.storage().bump_version();
    if tracking && let Some(e) = r.meta().and_then(|m| m.grad_fn()) {
        let m = x.meta_or_init();
        m.set_requires_grad(true);
        *m.grad_fn.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
    }
    Ok(())
}

pub fn binary_inplace(op: BinaryOp, x: &Tensor, other: &Operand) -> Result<()> {
    ew::check_no_internal_overlap(x)?;
    let common = ew::result_type(&Operand::Tensor(x.clone()), other);
    let (_, out_dtype) = (common, ew::binary_result_dtype(op, common)?);
    if !ew::can_cast(out_dtype, x.dtype()) {
        return Err(Error::Runtime(format!(
            "result type {} can't be cast to the desired output type {}",
            ew::type_title(out_dtype),
            ew::type_title(x.dtype())
        )));
    }
    let others: Vec<Tensor> = operand_tensor(other).into_iter().collect();
    let refs: Vec<&Tensor> = others.iter().collect();
    inplace(x, &refs, |src| binary(op, &Operand::Tensor(src.clone()), other))
}

pub fn unary_inplace(op: UnaryOp, x: &Tensor) -> Result<()> {
    ew::check_no_internal_overlap(x)?;
    inplace(x, &[], |src| unary(op, src))
}
