//! The pointwise activations (and their derivatives) as WGSL expressions, with their
//! parameters passed as scalars.

use super::empty;
use super::kernels::{Src, map};
use super::shaders::{Input, MapSpec, Ty};
use crate::dtype::DType;
use crate::error::Result;
use crate::spec::nn::Act;
use crate::tensor::Tensor;

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
        // PyTorch's vectorised kernel: a * (1 + erf) overflows first for a from 2^127 on, and
        // +-inf give NaN (written out: a compiler may reassociate the products).
        Act::Gelu { tanh: false } => (
            "select(select(0.5 * a * (1.0 + erf_f(a * 0.7071067811865476)), f32_inf(), a >= 1.7014118e38), nan_f(), is_inf_f(a))",
            "0.5 * (1.0 + erf_f(a * 0.7071067811865476)) + a * exp(-0.5 * a * a) * 0.3989422804014327",
            vec![],
        ),
        Act::Gelu { tanh: true } => ("gelu_tanh(a)", "gelu_tanh_d(a)", vec![]),
        Act::Silu => ("a * sigmoid_f(a)", "silu_d(a)", vec![]),
        // Below -20, tanh(softplus(a)) = exp(a) to float32 precision; a * exp(a) is formed as
        // one exp so that it stays normal where exp(a) alone would be subnormal (flushed).
        Act::Mish => (
            "select(a * tanh_f(softplus1_f(a)), -exp_f(a + log_f(-a)), a < -20.0)",
            "mish_d(a)",
            vec![],
        ),
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
        // a * 6 overflows in PyTorch's kernel from FLT_MAX / 6 on.
        Act::Hardswish => (
            "select(a * clamp(a + 3.0, 0.0, 6.0) / 6.0, f32_inf(), a > 5.6713727e37)",
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

/// The activation (or its derivative) of a float32 GPU tensor.
pub fn activation(x: &Tensor, act: Act, deriv: bool) -> Result<Tensor> {
    let (v, dv, params) = act_exprs(act);
    let out = empty(x.shape(), DType::F32)?;
    let mut srcs = vec![Src::T(x)];
    srcs.extend(params.iter().map(|&p| Src::S(p)));
    let e = if deriv { dv.to_string() } else { value_expr(v) };
    map(&out, &srcs, Ty::F32, &e, Ty::F32)?;
    Ok(out)
}

/// Every activation's value is NaN at NaN, whatever its clamps and selects do with it.
fn value_expr(v: &str) -> String {
    format!("keep_nan(a, {})", v)
}

/// Kernel specs of every activation, for the shader inventory.
pub fn act_variants() -> Vec<MapSpec> {
    let mut out = vec![];
    for &act in Act::EXAMPLES {
        let (v, dv, params) = act_exprs(act);
        for e in [value_expr(v), dv.to_string()] {
            let mut inputs = vec![Input::Tensor(Ty::F32)];
            inputs.extend(params.iter().map(|_| Input::Scalar));
            out.push(MapSpec {
                out: Ty::F32,
                inputs,
                compute: Ty::F32,
                expr: e,
                expr_ty: Ty::F32,
            });
        }
    }
    out
}
