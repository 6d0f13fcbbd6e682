//! `nn.functional` kernels on the GPU: softmax and log_softmax from the device's reductions
//! and elementwise ops, the pointwise activations (and their derivatives) as WGSL
//! expressions with their parameters passed as scalars, and `nll_loss` through the offsets
//! and gather/scatter kernels. The CPU entries in `ops/nn.rs` check the arguments and route
//! here for GPU tensors.

use super::kernels::{Src, gather, map, offsets, scatter};
use super::shaders::{Combine, Input, MapSpec, Ty};
use super::{download, empty, ops, same_device, zeros};
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp, binary, unary};
use crate::ops::nn::{Act, NllShape, Reduction};
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

/// WGSL for an activation's value and derivative at `a`, with its parameters bound to `b`,
/// `c`, `d` (in that order).
pub fn act_exprs(act: Act) -> (&'static str, &'static str, Vec<f64>) {
    match act {
        Act::LeakyRelu(slope) => (
            "select(a * b, a, a > 0.0)",
            "select(b, 1.0, a > 0.0)",
            vec![slope],
        ),
        Act::Elu {
            alpha,
            scale,
            input_scale,
        } => (
            "select(c * b * expm1_f(a * d), c * a, a > 0.0)",
            "select(c * b * d * exp(a * d), c, a > 0.0)",
            vec![alpha, scale, input_scale],
        ),
        Act::Gelu { tanh: false } => (
            "0.5 * a * (1.0 + erf_f(a * 0.7071067811865476))",
            "0.5 * (1.0 + erf_f(a * 0.7071067811865476)) + a * exp(-0.5 * a * a) * 0.3989422804014327",
            vec![],
        ),
        Act::Gelu { tanh: true } => ("gelu_tanh(a)", "gelu_tanh_d(a)", vec![]),
        Act::Silu => ("a * sigmoid_f(a)", "silu_d(a)", vec![]),
        Act::Mish => ("a * tanh_f(softplus1_f(a))", "mish_d(a)", vec![]),
        Act::LogSigmoid => ("-softplus1_f(-a)", "sigmoid_f(-a)", vec![]),
        Act::Softplus { beta, threshold } => (
            "select(softplus1_f(a * b) / b, a, a * b > c)",
            "select(sigmoid_f(a * b), 1.0, a * b > c)",
            vec![beta, threshold],
        ),
        Act::Hardtanh { lo, hi } => (
            "select(min(max(a, b), c), a, is_nan_f(a))",
            "select(1.0, 0.0, a <= b || a >= c)",
            vec![lo, hi],
        ),
        Act::Hardswish => (
            "a * clamp(a + 3.0, 0.0, 6.0) / 6.0",
            "select(select(1.0, a / 3.0 + 0.5, a <= 3.0), 0.0, a < -3.0)",
            vec![],
        ),
        Act::Hardsigmoid => (
            "clamp(a + 3.0, 0.0, 6.0) / 6.0",
            "select(0.0, 1.0 / 6.0, a > -3.0 && a < 3.0)",
            vec![],
        ),
        Act::Hardshrink(l) => (
            "select(a, 0.0, a >= -b && a <= b)",
            "select(1.0, 0.0, a >= -b && a <= b)",
            vec![l],
        ),
        Act::Softshrink(l) => (
            "select(select(select(0.0, a, is_nan_f(a)), a + b, a < -b), a - b, a > b)",
            "select(1.0, 0.0, a >= -b && a <= b)",
            vec![l],
        ),
        Act::Threshold { threshold, value } => (
            "select(c, a, a > b || is_nan_f(a))",
            "select(1.0, 0.0, a <= b)",
            vec![threshold, value],
        ),
        Act::Erf => ("erf_f(a)", "1.1283791670955126 * exp(-a * a)", vec![]),
    }
}

/// One of each activation (parameters do not change the kernel).
pub const ACT_EXAMPLES: [Act; 15] = [
    Act::LeakyRelu(0.01),
    Act::Elu {
        alpha: 1.0,
        scale: 1.0,
        input_scale: 1.0,
    },
    Act::Gelu { tanh: false },
    Act::Gelu { tanh: true },
    Act::Silu,
    Act::Mish,
    Act::LogSigmoid,
    Act::Softplus {
        beta: 1.0,
        threshold: 20.0,
    },
    Act::Hardtanh { lo: -1.0, hi: 1.0 },
    Act::Hardswish,
    Act::Hardsigmoid,
    Act::Hardshrink(0.5),
    Act::Softshrink(0.5),
    Act::Threshold {
        threshold: 0.0,
        value: 0.0,
    },
    Act::Erf,
];

/// The activation (or its derivative) of a float32 GPU tensor.
pub fn activation(x: &Tensor, act: Act, deriv: bool) -> Result<Tensor> {
    let (v, dv, params) = act_exprs(act);
    let out = empty(x.shape(), DType::F32)?;
    let mut srcs = vec![Src::T(x)];
    srcs.extend(params.iter().map(|&p| Src::S(p)));
    map(&out, &srcs, Ty::F32, if deriv { dv } else { v }, Ty::F32)?;
    Ok(out)
}

/// Kernel specs of every activation, for the shader inventory.
pub fn act_variants() -> Vec<MapSpec> {
    let mut out = vec![];
    for act in ACT_EXAMPLES {
        let (v, dv, params) = act_exprs(act);
        for e in [v, dv] {
            let mut inputs = vec![Input::Tensor(Ty::F32)];
            inputs.extend(params.iter().map(|_| Input::Scalar));
            out.push(MapSpec {
                out: Ty::F32,
                inputs,
                compute: Ty::F32,
                expr: e.into(),
                expr_ty: Ty::F32,
            });
        }
    }
    out
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
    let t0 = ops::where_(&keep, &t(&t3), &si(0))?;
    let low = binary(BinaryOp::Lt, &t(&t0), &si(0))?;
    let high = binary(BinaryOp::Ge, &t(&t0), &si(c as i64))?;
    let bad = binary(BinaryOp::LogicalOr, &t(&low), &t(&high))?;
    let any = super::reductions::all_any(&bad, None, false, true)?;
    if download(&any)?.try_to_vec::<bool>()?[0] {
        let tv = super::host(&t3)?.try_to_vec::<i64>()?;
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
    let keep_f = ops::cast(&keep, DType::F32)?;
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
    let any = super::reductions::all_any(&bad, None, false, true)?;
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
    let lp = ops::cast(log_probs, DType::F32)?; // contiguous float32
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
    let ext = super::upload(&Tensor::from_vec(ext, &[n * cap]))?;
    let lens = super::upload(&Tensor::from_vec(lens, &[2 * n]))?;
    let nll = empty(&[n], DType::F32)?;
    let grad = empty(&[tt, n, c], DType::F32)?;
    let scratch = (n * tt.max(1) * cap).max(1);
    let alpha = empty(&[scratch], DType::F32)?;
    let beta = empty(&[scratch], DType::F32)?;
    if n == 0 {
        return Ok((nll, grad));
    }
    let meta = [
        tt as u32,
        n as u32,
        c as u32,
        cap as u32,
        ctc.blank as u32,
        u32::from(zero_infinity),
    ];
    let g = super::gpu()?;
    let p = g.pipeline("ctc", super::shaders::ctc_source)?;
    let buf = super::buffer;
    g.dispatch(
        &p,
        &meta,
        &[
            buf(&nll),
            buf(&grad),
            buf(&alpha),
            buf(&beta),
            buf(&lp),
            buf(&ext),
            buf(&lens),
        ],
        n as u32,
    )?;
    Ok((nll, grad))
}
