//! Differentiable `nn.functional` ops (see `ops.rs` for the pattern): each runs its raw kernel
//! from `ops/nn.rs` and records a node named as PyTorch names it. Backward formulas are written
//! with differentiable ops wherever a second derivative exists, so `create_graph=True` works.
//!
//! NOTE [recompute under create_graph]: PyTorch saves softmax's *result* for backward. Saving
//! our own output (which holds this node as its grad_fn) would form a reference cycle, so the
//! node keeps a detached alias of the output for the ordinary backward and, when the backward
//! itself is being recorded (grad mode on, i.e. `create_graph=True`), recomputes the output
//! from the saved input so that the formula is differentiable with respect to it.

use crate::autograd::grad_mode;
use crate::autograd::node::{BackwardFn, Saved};
use crate::autograd::ops::{self as ag, needs_grad, record, record1};
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{self as ew, BinaryOp, Operand, UnaryOp};
use crate::ops::nn::{self, Act, Ctc, Reduction};
use crate::shape::{broadcast_shapes, wrap_dim};
use crate::tensor::Tensor;

fn s(v: f64) -> Operand {
    Operand::Scalar(Scalar::Float(v))
}

fn tn(x: &Tensor) -> Operand {
    Operand::Tensor(x.clone())
}

fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    ag::binary(BinaryOp::Sub, &tn(a), &tn(b))
}

// ----- softmax -----

/// `softmax(x, dim)` (`log=false`, SoftmaxBackward0) or `log_softmax(x, dim)`
/// (LogSoftmaxBackward0).
pub fn softmax(x: &Tensor, dim: i64, log: bool) -> Result<Tensor> {
    let out = nn::softmax(x, dim, log)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let d = wrap_dim(dim, x.ndim())? as i64;
    let name = if log {
        "LogSoftmaxBackward0"
    } else {
        "SoftmaxBackward0"
    };
    let (sx, sy) = (Saved::new(x), Saved::new(&out.detach()));
    Ok(record1(name, &[x], out, true, move |g| {
        // See NOTE [recompute under create_graph].
        let y = if grad_mode::is_enabled() {
            softmax(&sx.get(name, 0)?, d, log)?
        } else {
            sy.get(name, 0)?
        };
        let keep = |t: &Tensor| ag::sum(t, Some(&[d]), true, None);
        let gx = if x_is_scalar(&y) {
            // A 0-d (or single-element) row: softmax is constant 1, log_softmax constant 0.
            ag::mul_scalar(g, 0.0)?
        } else if log {
            // g - exp(y) * sum(g)
            sub(g, &ag::mul(&ag::unary(UnaryOp::Exp, &y)?, &keep(g)?)?)?
        } else {
            // y * (g - sum(g * y))
            ag::mul(&y, &sub(g, &keep(&ag::mul(g, &y)?)?)?)?
        };
        Ok(vec![Some(gx)])
    }))
}

fn x_is_scalar(y: &Tensor) -> bool {
    y.ndim() == 0
}

// ----- losses -----

/// `nll_loss(input, target, weight, reduction, ignore_index)`: NllLossBackward0, differentiable
/// in `input` (PyTorch has no derivative for `weight` either).
pub fn nll_loss(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
    ignore_index: i64,
) -> Result<Tensor> {
    let (out, total) = nn::nll_loss(input, target, weight, reduction, ignore_index)?;
    if !needs_grad(&[input]) {
        return Ok(out);
    }
    let shape = input.shape().to_vec();
    let dtype = input.dtype();
    let st = Saved::new(target);
    let w = weight.map(|w| w.detach());
    let name = "NllLossBackward0";
    Ok(record1(name, &[input], out, true, move |g| {
        let target = st.get(name, 1)?;
        let scale = if reduction == Reduction::Mean {
            1.0 / total
        } else {
            1.0
        };
        let coef = nn::nll_grad_coef(&shape, dtype, &target, w.as_ref(), ignore_index, scale)?;
        // The unreduced loss has the target's shape: line it up with the class dim.
        let gk = if reduction == Reduction::None && shape.len() >= 2 {
            ag::unsqueeze(g, 1)?
        } else {
            g.clone()
        };
        Ok(vec![Some(ag::mul(&coef, &gk)?)])
    }))
}

/// `mse_loss(input, target, reduction)`: MseLossBackward0; the operands broadcast (the
/// Python layer warns when their shapes differ, as PyTorch does).
pub fn mse_loss(input: &Tensor, target: &Tensor, reduction: Reduction) -> Result<Tensor> {
    let shape = broadcast_shapes(input.shape(), target.shape())?;
    let sizes: Vec<i64> = shape.iter().map(|&v| v as i64).collect();
    let bx = if input.shape() == shape.as_slice() {
        input.clone()
    } else {
        ag::expand(input, &sizes)?
    };
    let by = if target.shape() == shape.as_slice() {
        target.clone()
    } else {
        ag::expand(target, &sizes)?
    };
    let d = ew::binary(BinaryOp::Sub, &tn(&bx), &tn(&by))?;
    let sq = ew::binary(BinaryOp::Mul, &tn(&d), &tn(&d))?;
    let out = match reduction {
        Reduction::None => sq,
        Reduction::Mean => crate::ops::reduce::mean(&sq, None, false, None)?,
        Reduction::Sum => crate::ops::reduce::sum(&sq, None, false, None)?,
    };
    if !needs_grad(&[&bx, &by]) {
        return Ok(out);
    }
    let name = "MseLossBackward0";
    let (sx, sy) = (Saved::new(&bx), Saved::new(&by));
    let n = shape.iter().product::<usize>().max(1) as f64;
    let need = (bx.requires_grad(), by.requires_grad());
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let d = sub(&sx.get(name, 0)?, &sy.get(name, 1)?)?;
        let k = if reduction == Reduction::Mean {
            2.0 / n
        } else {
            2.0
        };
        let gx = ag::mul(&ag::mul_scalar(&d, k)?, g)?;
        let gy = if need.1 { Some(ag::neg(&gx)?) } else { None };
        Ok(vec![if need.0 { Some(gx) } else { None }, gy])
    });
    Ok(record(name, &[&bx, &by], vec![out], true, f).remove(0))
}

// ----- linear and embedding -----

/// `input @ weight.T + bias`: AddmmBackward0 for a 2-d input with bias, MmBackward0 without;
/// other ranks go through a 2-d view (ViewBackward0 on top, as in PyTorch).
pub fn linear(input: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let wt = ag::t(weight)?;
    let one = Scalar::Int(1);
    match (input.ndim(), bias) {
        (2, Some(b)) => ag::addmm_like("addmm", b, input, &wt, one, one),
        (2, None) => ag::mm(input, &wt),
        (0, _) => Err(Error::Runtime(
            "both arguments to linear need to be at least 1D, but they are 0D and 2D".into(),
        )),
        (1, _) => {
            let r = ag::matmul(input, &wt)?;
            match bias {
                Some(b) => ag::add(&r, b),
                None => Ok(r),
            }
        }
        (_, _) => {
            let last = *input.shape().last().unwrap_or(&0) as i64;
            let x2 = ag::reshape(input, &[-1, last])?;
            let r = match bias {
                Some(b) => ag::addmm_like("addmm", b, &x2, &wt, one, one)?,
                None => ag::mm(&x2, &wt)?,
            };
            let mut shape: Vec<i64> = input.shape()[..input.ndim() - 1]
                .iter()
                .map(|&v| v as i64)
                .collect();
            shape.push(r.shape()[1] as i64);
            ag::view(&r, &shape)
        }
    }
}

/// `weight[indices]`: EmbeddingBackward0, whose backward scatter-adds the output gradient's
/// rows into a zero table; rows looked up through `padding_idx` get no gradient. With
/// `scale_grad_by_freq` each looked-up row's gradient is divided by how often its index occurs
/// in `indices` (PyTorch's `embedding_dense_backward`).
pub fn embedding(
    weight: &Tensor,
    indices: &Tensor,
    padding_idx: Option<i64>,
    scale_grad_by_freq: bool,
) -> Result<Tensor> {
    let out = nn::embedding(weight, indices)?;
    if !needs_grad(&[weight]) {
        return Ok(out);
    }
    let shape = weight.shape().to_vec();
    let flat = crate::ops::view::reshape(indices, &[-1])?
        .try_to_dtype(DType::I64)?
        .try_contiguous()?;
    // One factor per looked-up position: 1 / (occurrences of its index). `check_embedding`
    // has already bounded every index by the table's rows.
    let freq = if scale_grad_by_freq && flat.is_gpu() {
        // Occurrences counted on the device: ones scattered into a per-row count.
        let counts = Tensor::zeros_on(&[shape[0]], weight.dtype(), weight.device())?;
        let ones = crate::ops::elementwise::binary(
            BinaryOp::Add,
            &tn(&Tensor::zeros_on(
                &[flat.numel()],
                weight.dtype(),
                weight.device(),
            )?),
            &s(1.0),
        )?;
        crate::ops::index::index_add_(&counts, 0, &flat, &ones, Scalar::Int(1))?;
        let per = crate::ops::index::take(&counts, &flat)?;
        let inv = ew::binary(BinaryOp::Div, &s(1.0), &tn(&per))?;
        Some(crate::ops::view::reshape(&inv, &[-1, 1])?)
    } else if scale_grad_by_freq {
        let idx = flat.try_to_vec::<i64>()?;
        let mut counts = vec![0f64; shape[0]];
        for &i in &idx {
            counts[i as usize] += 1.0;
        }
        let inv: Vec<f64> = idx.iter().map(|&i| 1.0 / counts[i as usize]).collect();
        Some(Tensor::from_vec(inv, &[idx.len(), 1]).try_to_dtype(weight.dtype())?)
    } else {
        None
    };
    Ok(record1(
        "EmbeddingBackward0",
        &[weight],
        out,
        false,
        move |g| {
            let g2 = ag::reshape(g, &[-1, shape[1] as i64])?;
            let g2 = match &freq {
                Some(f) => ag::mul(&g2, f)?,
                None => g2,
            };
            let g2 = match padding_idx {
                Some(p) => {
                    let pad =
                        ew::binary(BinaryOp::Eq, &tn(&flat), &Operand::Scalar(Scalar::Int(p)))?;
                    let pad = crate::ops::view::unsqueeze(&pad, 1)?;
                    ag::where_(&pad, &s(0.0), &tn(&g2))?
                }
                None => g2,
            };
            let z = g.zeros_like_here(&shape, g.dtype())?;
            Ok(vec![Some(ag::index_add(&z, 0, &flat, &g2)?)])
        },
    ))
}

// ----- pointwise activations -----

/// An activation's derivative written with differentiable ops (used when the backward is
/// itself recorded); piecewise-constant parts are plain masks.
fn act_derivative(x: &Tensor, act: Act) -> Result<Tensor> {
    let cmp = |op: BinaryOp, v: f64| ew::binary(op, &tn(x), &s(v));
    let exp = |t: &Tensor| ag::unary(UnaryOp::Exp, t);
    let sig = |t: &Tensor| ag::unary(UnaryOp::Sigmoid, t);
    let one_minus = |t: &Tensor| ag::binary(BinaryOp::Sub, &s(1.0), &tn(t));
    match act {
        Act::Elu {
            alpha,
            scale,
            input_scale,
        } => {
            let neg = ag::mul_scalar(
                &exp(&ag::mul_scalar(x, input_scale)?)?,
                scale * alpha * input_scale,
            )?;
            ag::where_(&cmp(BinaryOp::Gt, 0.0)?, &s(scale), &tn(&neg))
        }
        Act::Gelu { tanh: false } => {
            let cdf = ag::mul_scalar(
                &ag::binary(
                    BinaryOp::Add,
                    &tn(&activation(
                        &ag::mul_scalar(x, std::f64::consts::FRAC_1_SQRT_2)?,
                        Act::Erf,
                    )?),
                    &s(1.0),
                )?,
                0.5,
            )?;
            let pdf = ag::mul_scalar(
                &exp(&ag::mul_scalar(&ag::mul(x, x)?, -0.5)?)?,
                0.398_942_280_401_432_7,
            )?;
            ag::add(&cdf, &ag::mul(x, &pdf)?)
        }
        Act::Gelu { tanh: true } => {
            let k = 0.797_884_560_802_865_4;
            let x2 = ag::mul(x, x)?;
            let inner = ag::mul_scalar(
                &ag::mul(
                    x,
                    &ag::binary(BinaryOp::Add, &tn(&ag::mul_scalar(&x2, 0.044715)?), &s(1.0))?,
                )?,
                k,
            )?;
            let t = ag::unary(UnaryOp::Tanh, &inner)?;
            let left = ag::mul_scalar(&ag::binary(BinaryOp::Add, &tn(&t), &s(1.0))?, 0.5)?;
            let du = ag::mul_scalar(
                &ag::binary(
                    BinaryOp::Add,
                    &tn(&ag::mul_scalar(&x2, 3.0 * 0.044715)?),
                    &s(1.0),
                )?,
                k,
            )?;
            let right = ag::mul(
                &ag::mul_scalar(x, 0.5)?,
                &ag::mul(&one_minus(&ag::mul(&t, &t)?)?, &du)?,
            )?;
            ag::add(&left, &right)
        }
        Act::Silu => {
            let sg = sig(x)?;
            ag::mul(
                &sg,
                &ag::binary(BinaryOp::Add, &tn(&ag::mul(x, &one_minus(&sg)?)?), &s(1.0))?,
            )
        }
        Act::Mish => {
            let t = ag::unary(
                UnaryOp::Tanh,
                &activation(
                    x,
                    Act::Softplus {
                        beta: 1.0,
                        threshold: 20.0,
                    },
                )?,
            )?;
            ag::add(
                &t,
                &ag::mul(&ag::mul(x, &sig(x)?)?, &one_minus(&ag::mul(&t, &t)?)?)?,
            )
        }
        Act::LogSigmoid => sig(&ag::neg(x)?),
        Act::Softplus { beta, threshold } => {
            let sg = sig(&ag::mul_scalar(x, beta)?)?;
            let big = ew::binary(
                BinaryOp::Gt,
                &tn(&ew::binary(BinaryOp::Mul, &tn(x), &s(beta))?),
                &s(threshold),
            )?;
            ag::where_(&big, &s(1.0), &tn(&sg))
        }
        Act::Hardswish => {
            let mid = ag::binary(BinaryOp::Add, &tn(&ag::mul_scalar(x, 1.0 / 3.0)?), &s(0.5))?;
            let hi = ag::where_(&cmp(BinaryOp::Le, 3.0)?, &tn(&mid), &s(1.0))?;
            ag::where_(&cmp(BinaryOp::Lt, -3.0)?, &s(0.0), &tn(&hi))
        }
        Act::Erf => {
            let e = exp(&ag::neg(&ag::mul(x, x)?)?)?;
            ag::mul_scalar(&e, std::f64::consts::FRAC_2_SQRT_PI)
        }
        // Piecewise-linear activations: the derivative is a constant mask.
        _ => nn::activation_deriv(x, act),
    }
}

/// A pointwise activation (`F.gelu`, `F.leaky_relu`, ...), recorded under PyTorch's name.
pub fn activation(x: &Tensor, act: Act) -> Result<Tensor> {
    let out = nn::activation(x, act)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let name = act.backward_name();
    let sx = Saved::new(x);
    Ok(record1(name, &[x], out, true, move |g| {
        let x = sx.get(name, 0)?;
        let d = if grad_mode::is_enabled() {
            act_derivative(&x, act)?
        } else {
            nn::activation_deriv(&x, act)?
        };
        Ok(vec![Some(ag::mul(g, &d)?)])
    }))
}

/// The in-place form (`F.elu(x, inplace=True)`, `F.leaky_relu_`...).
pub fn activation_(x: &Tensor, act: Act) -> Result<()> {
    ew::check_no_internal_overlap(x)?;
    ag::inplace(x, &[], |src| activation(src, act))
}

// ----- CTC -----

/// Per-sample CTC negative log-likelihoods (CtcLossBackward0). The gradient is d nll / d
/// log_probs exactly (PyTorch's kernel adds `exp(log_probs)`, which vanishes only after a
/// log_softmax). It is computed with the forward pass (the alpha-beta recursions once), and
/// has no second derivative with respect to `log_probs` (PyTorch has none either).
pub fn ctc_loss(
    log_probs: &Tensor,
    targets: &Tensor,
    input_lengths: &[i64],
    target_lengths: &[i64],
    blank: i64,
    zero_infinity: bool,
) -> Result<Tensor> {
    let ctc = Ctc::new(log_probs, targets, input_lengths, target_lengths, blank)?;
    let need = needs_grad(&[log_probs]);
    let (out, unit) = if log_probs.is_gpu() {
        ctc_values_gpu(log_probs, &ctc, zero_infinity)?
    } else {
        ctc_values_cpu(log_probs, &ctc, zero_infinity, need)?
    };
    let Some(unit) = unit.filter(|_| need) else {
        return Ok(out);
    };
    let n = ctc.n as i64;
    Ok(record1(
        "CtcLossBackward0",
        &[log_probs],
        out,
        false,
        move |g| Ok(vec![Some(ag::mul(&unit, &ag::reshape(g, &[1, n, 1])?)?)]),
    ))
}

/// The losses and, when asked, the per-sample gradient for a unit upstream gradient (scaled
/// by `g` in the backward: differentiable in `g`, constant in `log_probs`).
fn ctc_values_cpu(
    log_probs: &Tensor,
    ctc: &Ctc,
    zero_infinity: bool,
    with_grad: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let mut nll = ctc.nll();
    if zero_infinity {
        for v in nll.iter_mut() {
            if v.is_infinite() {
                *v = 0.0;
            }
        }
    }
    let dtype = log_probs.dtype();
    let out = Tensor::from_vec(nll, &[ctc.n]).try_to_dtype(dtype)?;
    let unit = if with_grad {
        let g = ctc.grad(&vec![1.0; ctc.n], zero_infinity);
        Some(Tensor::from_vec(g, log_probs.shape()).try_to_dtype(dtype)?)
    } else {
        None
    };
    Ok((out, unit))
}

/// The GPU kernel gives the losses and the unit gradient together.
fn ctc_values_gpu(
    log_probs: &Tensor,
    ctc: &Ctc,
    zero_infinity: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let (nll, unit) = crate::ops::gpu::nn::ctc(log_probs, ctc, zero_infinity)?;
    let out = if zero_infinity {
        let inf = ew::unary(UnaryOp::IsInf, &nll)?;
        ew::where_(&inf, &s(0.0), &tn(&nll))?
    } else {
        nll
    };
    Ok((out, Some(unit)))
}
