//! The GPU paths of `nn.functional` ops whose CPU path is one fused kernel: softmax and
//! log_softmax from the device's reductions and elementwise ops, `nll_loss`, embedding and CTC
//! through the offsets and gather/scatter kernels. The op entries in `ops/nn.rs` check the
//! arguments and route here for GPU tensors.

use super::reduce as ops;
use crate::backend::gpu::kernels::{self, CtcDims};
use crate::backend::gpu::kernels::{gather, offsets, scatter};
use crate::backend::gpu::ops::cast;
use crate::backend::gpu::shaders::Combine;
use crate::backend::gpu::{download, empty, same_device, upload, zeros};
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp, binary, unary};
use crate::ops::nn::{NllShape, Reduction};
use crate::ops::view;
use crate::tensor::Tensor;

fn t(x: &Tensor) -> Operand {
    Operand::Tensor(x.clone())
}

fn s(v: f64) -> Operand {
    Operand::Scalar(Scalar::Float(v))
}

fn si(v: i64) -> Operand {
    Operand::Scalar(Scalar::Int(v))
}

/// `softmax`/`log_softmax` along `d`: max-shifted, as the CPU kernel (a row of -inf gives NaN
/// there too).
pub fn softmax(x: &Tensor, d: usize, log: bool) -> Result<Tensor> {
    let dl = [d as i64];
    let m = ops::amax(x, Some(&dl), true, true)?;
    let z = binary(BinaryOp::Sub, &t(x), &t(&m))?;
    let e = unary(UnaryOp::Exp, &z)?;
    let sum = ops::sum(&e, Some(&dl), true, None)?;
    if log {
        binary(BinaryOp::Sub, &t(&z), &t(&unary(UnaryOp::Log, &sum)?))
    } else {
        binary(BinaryOp::Div, &t(&e), &t(&sum))
    }
}

/// Offsets (into a tensor of `layout`, viewed as (n, c, k)) of each position's target class,
/// and the weight each position carries (0 where the target is `ignore_index`). Targets out
/// of range are PyTorch's IndexError, naming the first one (read back only then).
fn nll_picks(
    x3: &Tensor,
    sh: &NllShape,
    target: &Tensor,
    weight: Option<&Tensor>,
    ignore_index: i64,
) -> Result<(Tensor, Tensor)> {
    let (n, c, k) = (sh.n, sh.c, sh.k);
    same_device(&[x3, target])?;
    // Only the first target of a 1-d input counts (see `nll_shape`).
    let flat = view::reshape(target, &[-1])?;
    let flat = view::narrow(&flat, 0, 0, (n * k) as i64)?;
    let t3 = view::reshape(&flat, &[n as i64, 1, k as i64])?;
    let keep = binary(BinaryOp::Ne, &t(&t3), &si(ignore_index))?;
    let t0 = crate::ops::elementwise::where_(&keep, &t(&t3), &si(0))?;
    let low = binary(BinaryOp::Lt, &t(&t0), &si(0))?;
    let high = binary(BinaryOp::Ge, &t(&t0), &si(c as i64))?;
    let bad = binary(BinaryOp::LogicalOr, &t(&low), &t(&high))?;
    let any = ops::all_any(&bad, None, false, true)?;
    if download(&any)?.try_to_vec::<bool>()?[0] {
        let tv = crate::backend::gpu::host(&t3)?.try_to_vec::<i64>()?;
        let first = tv
            .iter()
            .find(|&&v| v != ignore_index && (v < 0 || v >= c as i64))
            .copied()
            .unwrap_or(-1);
        return Err(Error::Index(format!("Target {} is out of bounds.", first)));
    }
    let st = x3.strides();
    let offs = offsets(
        &t0,
        &[n, 1, k],
        &[st[0], 0, st[2]],
        x3.layout().offset as isize,
        c,
        st[1],
        None,
    )?;
    let keep_f = cast(&keep, DType::F32)?;
    let w = match weight {
        Some(w) => {
            same_device(&[x3, w])?;
            let wt = crate::ops::index::take(w, &t0)?;
            binary(BinaryOp::Mul, &t(&wt), &t(&keep_f))?
        }
        None => keep_f,
    };
    Ok((offs, w))
}

/// `nll_loss` on the GPU: the loss and the total weight of the counted targets (read back:
/// the mean's denominator, also the backward's scale).
pub fn nll_loss(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
    ignore_index: i64,
    sh: &NllShape,
) -> Result<(Tensor, f64)> {
    let x3 = view::reshape(input, &[sh.n as i64, sh.c as i64, sh.k as i64])?;
    let (offs, w) = nll_picks(&x3, sh, target, weight, ignore_index)?;
    let picked = empty(&[sh.n, 1, sh.k], input.dtype())?;
    gather(&picked, &x3, &offs, &[], &[])?;
    let losses = binary(BinaryOp::Mul, &t(&picked), &t(&w))?;
    let losses = unary(UnaryOp::Neg, &losses)?;
    let total_t = ops::sum(&w, None, false, None)?;
    let total = download(&total_t)?.try_to_vec::<f32>()?[0] as f64;
    let out = match reduction {
        Reduction::None => {
            let shape: Vec<i64> = sh.out_shape.iter().map(|&v| v as i64).collect();
            view::reshape(&losses, &shape)?
        }
        Reduction::Sum => ops::sum(&losses, None, false, None)?,
        Reduction::Mean => binary(
            BinaryOp::Div,
            &t(&ops::sum(&losses, None, false, None)?),
            &t(&total_t),
        )?,
    };
    Ok((out, total))
}

/// d loss / d input per unit upstream gradient: `-weight * scale` at each position's target.
pub fn nll_grad_coef(
    input_shape: &[usize],
    dtype: DType,
    target: &Tensor,
    weight: Option<&Tensor>,
    ignore_index: i64,
    scale: f64,
    sh: &NllShape,
) -> Result<Tensor> {
    let coef = zeros(input_shape, dtype)?;
    let c3 = view::reshape(&coef, &[sh.n as i64, sh.c as i64, sh.k as i64])?;
    let (offs, w) = nll_picks(&c3, sh, target, weight, ignore_index)?;
    let vals = binary(BinaryOp::Mul, &t(&w), &s(-scale))?;
    scatter(&c3, &offs, &[], &[], &vals, Combine::Replace)?;
    Ok(coef)
}

/// Rows of a 2-d `weight` looked up by 1-d integer `indices`; any index outside the table is
/// PyTorch's "index out of range in self" (one number read back).
pub fn embedding(weight: &Tensor, indices: &Tensor) -> Result<Tensor> {
    let rows = weight.shape()[0];
    let low = binary(BinaryOp::Lt, &t(indices), &si(0))?;
    let high = binary(BinaryOp::Ge, &t(indices), &si(rows as i64))?;
    let bad = binary(BinaryOp::LogicalOr, &t(&low), &t(&high))?;
    let any = ops::all_any(&bad, None, false, true)?;
    if download(&any)?.try_to_vec::<bool>()?[0] {
        return Err(Error::Index("index out of range in self".into()));
    }
    let n = indices.numel();
    let (st, dim) = (weight.strides(), weight.shape()[1]);
    let offs = offsets(
        indices,
        &[n],
        &[0],
        weight.layout().offset as isize,
        rows,
        st[0],
        None,
    )?;
    let out = empty(&[n, dim], weight.dtype())?;
    gather(&out, weight, &offs, &[dim], &[st[1]])?;
    Ok(out)
}

/// CTC on the GPU (ctc.wgsl): per-sample negative log-likelihoods and the gradient for a unit
/// upstream gradient (time, batch, class). `ctc` holds the checked targets and lengths (read on
/// the host, as PyTorch takes the lengths as host integers).
pub fn ctc(
    log_probs: &Tensor,
    ctc: &crate::ops::nn::Ctc,
    zero_infinity: bool,
) -> Result<(Tensor, Tensor)> {
    let (tt, n, c) = (ctc.t, ctc.n, ctc.c);
    let lp = cast(log_probs, DType::F32)?; // contiguous float32
    let cap = ctc
        .targets
        .iter()
        .map(|t| 2 * t.len() + 1)
        .max()
        .unwrap_or(1);
    let mut ext = vec![-1i32; n * cap];
    let mut lens = vec![0i32; 2 * n];
    for b in 0..n {
        let e = &mut ext[b * cap..(b + 1) * cap];
        e[0] = ctc.blank as i32;
        for (i, &k) in ctc.targets[b].iter().enumerate() {
            e[2 * i + 1] = k as i32;
            e[2 * i + 2] = ctc.blank as i32;
        }
        lens[2 * b] = ctc.input_lengths[b] as i32;
        lens[2 * b + 1] = (2 * ctc.targets[b].len() + 1) as i32;
    }
    let ext = upload(&Tensor::from_vec(ext, &[n * cap]))?;
    let lens = upload(&Tensor::from_vec(lens, &[2 * n]))?;
    let dims = CtcDims {
        t: tt,
        n,
        c,
        cap,
        blank: ctc.blank,
    };
    kernels::ctc(&lp, &ext, &lens, &dims, zero_infinity)
}
