//! Batch normalisation (`torch.batch_norm`, ATen's `native_batch_norm`): the argument checks in
//! ATen's order, the forward (batch statistics or running statistics, the normalise-and-affine
//! map, the running-stat update) and the closed-form backward. No autograd here:
//! `autograd/ops_norm.rs` records `NativeBatchNormBackward0`.
//!
//! The CPU runs the fused kernels of `backend/cpu/norm.rs`. Other devices compose the same
//! arithmetic from reductions and elementwise ops (on the GPU the statistics are its `mean` and
//! `var` reductions), so every device computes one formula.
//!
//! NOTE [batch-norm saved statistics]: as ATen's `native_batch_norm`, the forward returns the
//! per-channel mean and inverse standard deviation `1 / sqrt(var + eps)` it normalised with
//! (the batch's in training, the running statistics' in evaluation), and the backward takes
//! them instead of recomputing. On the CPU they are float64 (the kernels compute in float64);
//! on other devices they have the input's dtype.

use crate::backend::cpu::norm::{self as k, Geometry};
use crate::dtype::{DType, Element, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{
    self as ew, BinaryOp, Operand, UnaryOp, not_implemented_for, type_title,
};
use crate::ops::{reduce, view};
use crate::tensor::{Tensor, try_copy_into};

/// The optional tensors and flags of a batch-norm call.
#[derive(Clone, Copy)]
pub struct BatchNormArgs<'a> {
    pub weight: Option<&'a Tensor>,
    pub bias: Option<&'a Tensor>,
    pub running_mean: Option<&'a Tensor>,
    pub running_var: Option<&'a Tensor>,
    pub training: bool,
    pub momentum: f64,
    pub eps: f64,
}

/// The forward's result: the output and the statistics it used
/// (see NOTE [batch-norm saved statistics]).
pub struct BatchNormOut {
    pub out: Tensor,
    pub mean: Tensor,
    pub invstd: Tensor,
}

/// ATen's `_batch_norm_impl_index` checks, in its order; returns the channel count.
pub fn check(x: &Tensor, a: &BatchNormArgs) -> Result<usize> {
    // ATen reads size(1) before it checks the rank; a 1-d input reads as 0 channels there.
    let c = if x.ndim() >= 2 { x.shape()[1] } else { 0 };
    let count = |name: &str, t: &Tensor| -> Result<()> {
        if t.numel() != c {
            return Err(Error::Runtime(format!(
                "{} should contain {} elements not {}",
                name,
                c,
                t.numel()
            )));
        }
        Ok(())
    };
    for (name, t) in [
        ("running_mean", a.running_mean),
        ("running_var", a.running_var),
    ] {
        match t {
            Some(t) => count(name, t)?,
            None if !a.training => {
                return Err(Error::Runtime(format!(
                    "{} must be defined in evaluation mode",
                    name
                )));
            }
            None => {}
        }
    }
    for (name, t) in [("weight", a.weight), ("bias", a.bias)] {
        if let Some(t) = t {
            count(name, t)?;
        }
    }
    if a.running_mean.is_some() != a.running_var.is_some() {
        return Err(Error::Value(
            "running_mean and running_var must either both be None or neither be None".into(),
        ));
    }
    if x.ndim() < 2 {
        return Err(Error::Index(
            "Dimension out of range (expected to be in range of [-1, 0], but got 1)".into(),
        ));
    }
    if !x.dtype().is_float() {
        return Err(not_implemented_for("batch_norm", x.dtype()));
    }
    check_mixed(
        x.dtype(),
        &[a.weight, a.bias, a.running_mean, a.running_var],
    )?;
    let mut all = vec![x];
    all.extend(
        [a.weight, a.bias, a.running_mean, a.running_var]
            .into_iter()
            .flatten(),
    );
    crate::backend::gpu::same_device(&all)?;
    Ok(c)
}

/// ATen's `check_mixed_data_type`: the parameters share one dtype, which is the input's, or
/// float32 under a float16/bfloat16 input.
fn check_mixed(x: DType, params: &[Option<&Tensor>]) -> Result<()> {
    let mut defined = params.iter().flatten();
    let Some(first) = defined.next() else {
        return Ok(());
    };
    let p = first.dtype();
    if defined.any(|t| t.dtype() != p) {
        return Err(Error::Runtime(
            "mixed dtype (CPU): expect parameter to have scalar type of Float".into(),
        ));
    }
    if p != x {
        let reduced = matches!(x, DType::F16 | DType::BF16);
        if !reduced {
            return Err(Error::Runtime(
                "mixed dtype (CPU): all inputs must share same datatype.".into(),
            ));
        }
        if p != DType::F32 {
            return Err(Error::Runtime(format!(
                "mixed dtype (CPU): expect parameter to have scalar type of {}",
                type_title(DType::F32)
            )));
        }
    }
    Ok(())
}

fn geometry(x: &Tensor) -> Geometry {
    let s = x.shape();
    Geometry {
        n: s[0],
        c: s[1],
        hw: s[2..].iter().product(),
    }
}

/// The reduced dims of a batch norm: every dim but 1.
fn stat_dims(x: &Tensor) -> Vec<i64> {
    std::iter::once(0)
        .chain(2..x.ndim() as i64)
        .collect::<Vec<i64>>()
}

/// `x`'s elements as float64 (a parameter or running statistic of `c` elements).
fn values(t: Option<&Tensor>, c: usize, default: f64) -> Result<Vec<f64>> {
    match t {
        Some(t) => t.try_to_vec::<f64>(),
        None => Ok(vec![default; c]),
    }
}

/// A fresh contiguous CPU tensor of `shape` filled by `f` with its elements.
fn fill_new<T: Element>(shape: &[usize], f: impl FnOnce(&mut [T])) -> Tensor {
    let out = Tensor::zeros(shape, T::DTYPE);
    // SAFETY: `out` was just allocated contiguous with numel elements and is not shared.
    let s = unsafe { std::slice::from_raw_parts_mut(out.ptr::<T>(), out.numel()) };
    f(s);
    out
}

/// The batch norm forward (after `check`), updating the running statistics in training.
pub fn batch_norm(x: &Tensor, a: &BatchNormArgs) -> Result<BatchNormOut> {
    let c = check(x, a)?;
    if !x.is_gpu() {
        return cpu_forward(x, a, c);
    }
    composed_forward(x, a, c)
}

/// ATen's running-statistics update: `r = (1 - momentum) * r + momentum * batch`, the variance
/// unbiased (`var * n / (n - 1)`).
fn updated(old: f64, batch: f64, momentum: f64) -> f64 {
    momentum * batch + (1.0 - momentum) * old
}

fn cpu_forward(x: &Tensor, a: &BatchNormArgs, c: usize) -> Result<BatchNormOut> {
    let g = geometry(x);
    let xc = x.try_contiguous()?;
    let w = values(a.weight, c, 1.0)?;
    let b = values(a.bias, c, 0.0)?;
    let (out, mean, var) = if a.training {
        let mut stats = (Vec::new(), Vec::new());
        let out = float_dispatch!(x.dtype(), "batch_norm", T => fill_new::<T>(x.shape(), |o| {
            stats = k::forward_train(xc.as_slice::<T>(), o, g, &w, &b, a.eps)
        }));
        (out, stats.0, stats.1)
    } else {
        let mean = values(a.running_mean, c, 0.0)?;
        let var = values(a.running_var, c, 1.0)?;
        let scale: Vec<f64> = (0..c).map(|i| w[i] / (var[i] + a.eps).sqrt()).collect();
        let shift: Vec<f64> = (0..c).map(|i| b[i] - mean[i] * scale[i]).collect();
        let out = float_dispatch!(x.dtype(), "batch_norm", T => fill_new::<T>(x.shape(), |o| {
            k::scale_shift(xc.as_slice::<T>(), o, g, &scale, &shift)
        }));
        (out, mean, var)
    };
    let invstd: Vec<f64> = var.iter().map(|v| 1.0 / (v + a.eps).sqrt()).collect();
    if a.training && x.numel() > 0 {
        let n = g.count() as f64;
        if let Some(rm) = a.running_mean {
            let old = rm.try_to_vec::<f64>()?;
            let new: Vec<f64> = (0..c)
                .map(|i| updated(old[i], mean[i], a.momentum))
                .collect();
            write_stat(rm, new)?;
        }
        if let Some(rv) = a.running_var {
            let old = rv.try_to_vec::<f64>()?;
            let new: Vec<f64> = (0..c)
                .map(|i| updated(old[i], var[i] * n / (n - 1.0), a.momentum))
                .collect();
            write_stat(rv, new)?;
        }
    }
    Ok(BatchNormOut {
        out,
        mean: Tensor::from_vec(mean, &[c]),
        invstd: Tensor::from_vec(invstd, &[c]),
    })
}

/// Writes new running statistics into `t` in place (a version bump, as ATen's in-place update).
fn write_stat(t: &Tensor, v: Vec<f64>) -> Result<()> {
    let n = v.len();
    let shape: Vec<i64> = t.shape().iter().map(|&v| v as i64).collect();
    try_copy_into(t, &view::reshape(&Tensor::from_vec(v, &[n]), &shape)?)?;
    t.storage().bump_version();
    Ok(())
}

fn tn(t: &Tensor) -> Operand {
    Operand::Tensor(t.clone())
}

fn sc(v: f64) -> Operand {
    Operand::Scalar(Scalar::Float(v))
}

fn bin(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    ew::binary(op, &tn(a), &tn(b))
}

fn bin_s(op: BinaryOp, a: &Tensor, v: f64) -> Result<Tensor> {
    ew::binary(op, &tn(a), &sc(v))
}

/// A `[c]` vector viewed as `[1, c, 1, ...]` to broadcast against `x`.
fn per_channel(v: &Tensor, x: &Tensor) -> Result<Tensor> {
    let mut s = vec![1i64; x.ndim()];
    s[1] = -1;
    view::reshape(v, &s)
}

/// A parameter or statistic in `x`'s dtype.
fn as_x(t: &Tensor, x: &Tensor) -> Result<Tensor> {
    t.try_to_dtype(x.dtype())
}

fn composed_forward(x: &Tensor, a: &BatchNormArgs, c: usize) -> Result<BatchNormOut> {
    let dims = stat_dims(x);
    let (mean, var) = if a.training {
        (
            reduce::mean(x, Some(&dims), false, None)?,
            reduce::var(x, Some(&dims), 0.0, false, false)?,
        )
    } else {
        let (rm, rv) = match (a.running_mean, a.running_var) {
            (Some(m), Some(v)) => (m, v),
            _ => {
                return Err(Error::Runtime(
                    "running_mean must be defined in evaluation mode".into(),
                ));
            }
        };
        (as_x(rm, x)?, as_x(rv, x)?)
    };
    let invstd = ew::unary(UnaryOp::Rsqrt, &bin_s(BinaryOp::Add, &var, a.eps)?)?;
    let scale = match a.weight {
        Some(w) => bin(BinaryOp::Mul, &invstd, &as_x(w, x)?)?,
        None => invstd.clone(),
    };
    let mut shift = ew::binary(BinaryOp::Mul, &tn(&mean), &tn(&scale))?;
    shift = ew::unary(UnaryOp::Neg, &shift)?;
    if let Some(b) = a.bias {
        shift = bin(BinaryOp::Add, &shift, &as_x(b, x)?)?;
    }
    let out = bin(
        BinaryOp::Add,
        &bin(BinaryOp::Mul, x, &per_channel(&scale, x)?)?,
        &per_channel(&shift, x)?,
    )?;
    if a.training && x.numel() > 0 {
        let n = (x.numel() / c.max(1)) as f64;
        let m = a.momentum;
        for (r, batch) in [
            (a.running_mean, mean.clone()),
            (a.running_var, bin_s(BinaryOp::Mul, &var, n / (n - 1.0))?),
        ] {
            if let Some(r) = r {
                let new = bin(
                    BinaryOp::Add,
                    &bin_s(BinaryOp::Mul, &batch.try_to_dtype(r.dtype())?, m)?,
                    &bin_s(BinaryOp::Mul, r, 1.0 - m)?,
                )?;
                try_copy_into(r, &new)?;
                r.storage().bump_version();
            }
        }
    }
    Ok(BatchNormOut { out, mean, invstd })
}

/// Which gradients a backward call needs: input, weight, bias.
#[derive(Clone, Copy)]
pub struct GradMask {
    pub input: bool,
    pub weight: bool,
    pub bias: bool,
}

/// The closed-form backward of batch norm. With batch statistics (`training`):
/// `dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))`, `xhat = (x - mean) * invstd`;
/// with running statistics `dx = w * invstd * dy`. Always `dw = sum(dy * xhat)`,
/// `db = sum(dy)` over every dim but 1.
pub fn batch_norm_backward(
    dy: &Tensor,
    x: &Tensor,
    weight: Option<&Tensor>,
    mean: &Tensor,
    invstd: &Tensor,
    training: bool,
    need: GradMask,
) -> Result<[Option<Tensor>; 3]> {
    if x.is_gpu() {
        return composed_backward(dy, x, weight, mean, invstd, training, need);
    }
    if dy.shape() != x.shape() {
        return Err(Error::Runtime(format!(
            "batch_norm_backward: grad_output of shape {:?} for an input of shape {:?}",
            dy.shape(),
            x.shape()
        )));
    }
    let g = geometry(x);
    let c = g.c;
    let xc = x.try_contiguous()?;
    let dyc = dy.try_to_dtype(x.dtype())?.try_contiguous()?;
    let mean_v = mean.try_to_vec::<f64>()?;
    let invstd_v = invstd.try_to_vec::<f64>()?;
    let w = values(weight, c, 1.0)?;
    let sums = need.weight || need.bias || (need.input && training);
    let m = g.count() as f64;
    // dx = (dy - sdy / m - (x - mean) * invstd^2 * sdyx / m) * invstd * w in training,
    // dy * invstd * w in evaluation, as dy * a + x * b + k.
    let coef = |i: usize, sdy: f64, sdyx: f64| {
        let a = invstd_v[i] * w[i];
        if !training {
            return (a, 0.0, 0.0);
        }
        let b = -a * invstd_v[i] * invstd_v[i] * sdyx / m;
        (a, b, -a * sdy / m - b * mean_v[i])
    };
    let (mut sdy, mut sdyx) = (Vec::new(), Vec::new());
    let gx = float_dispatch!(x.dtype(), "batch_norm_backward", T => {
        let (dys, xs) = (dyc.as_slice::<T>(), xc.as_slice::<T>());
        if need.input {
            Some(fill_new::<T>(x.shape(), |o| {
                (sdy, sdyx) = k::backward(dys, xs, Some(o), g, &mean_v, sums, coef)
            }))
        } else {
            (sdy, sdyx) = k::backward(dys, xs, None, g, &mean_v, sums, coef);
            None
        }
    });
    let pdt = weight.map(|w| w.dtype()).unwrap_or(x.dtype());
    let gw = if need.weight {
        let v: Vec<f64> = (0..c).map(|i| sdyx[i] * invstd_v[i]).collect();
        Some(Tensor::from_vec(v, &[c]).try_to_dtype(pdt)?)
    } else {
        None
    };
    let gb = if need.bias {
        Some(Tensor::from_vec(sdy, &[c]).try_to_dtype(pdt)?)
    } else {
        None
    };
    Ok([gx, gw, gb])
}

fn composed_backward(
    dy: &Tensor,
    x: &Tensor,
    weight: Option<&Tensor>,
    mean: &Tensor,
    invstd: &Tensor,
    training: bool,
    need: GradMask,
) -> Result<[Option<Tensor>; 3]> {
    let dims = stat_dims(x);
    let (mean, invstd) = (as_x(mean, x)?, as_x(invstd, x)?);
    let xc = bin(BinaryOp::Sub, x, &per_channel(&mean, x)?)?;
    let sums_needed = need.weight || need.bias || (need.input && training);
    let (sdy, sdyx) = if sums_needed {
        (
            reduce::sum(dy, Some(&dims), false, None)?,
            reduce::sum(&bin(BinaryOp::Mul, dy, &xc)?, Some(&dims), false, None)?,
        )
    } else {
        (mean.clone(), mean.clone())
    };
    let gx = if need.input {
        let a = match weight {
            Some(w) => bin(BinaryOp::Mul, &invstd, &as_x(w, x)?)?,
            None => invstd.clone(),
        };
        let inner = if training {
            let m = (x.numel() / x.shape()[1].max(1)).max(1) as f64;
            let k = bin_s(
                BinaryOp::Div,
                &bin(BinaryOp::Mul, &bin(BinaryOp::Mul, &invstd, &invstd)?, &sdyx)?,
                m,
            )?;
            let t = bin(
                BinaryOp::Sub,
                dy,
                &per_channel(&bin_s(BinaryOp::Div, &sdy, m)?, x)?,
            )?;
            bin(
                BinaryOp::Sub,
                &t,
                &bin(BinaryOp::Mul, &xc, &per_channel(&k, x)?)?,
            )?
        } else {
            dy.clone()
        };
        Some(bin(BinaryOp::Mul, &inner, &per_channel(&a, x)?)?)
    } else {
        None
    };
    let pdt = weight.map(|w| w.dtype()).unwrap_or(x.dtype());
    let gw = if need.weight {
        Some(bin(BinaryOp::Mul, &sdyx, &invstd)?.try_to_dtype(pdt)?)
    } else {
        None
    };
    let gb = if need.bias {
        Some(sdy.try_to_dtype(pdt)?)
    } else {
        None
    };
    Ok([gx, gw, gb])
}
