//! Raw kernels behind `rtensor.nn.functional`: fused softmax / log-softmax, negative
//! log-likelihood, pointwise activations (value and first derivative), embedding lookup and the
//! CTC forward-backward recursions. No autograd here: `autograd/ops_nn.rs` records the nodes.
//!
//! NOTE [nn precision]: every kernel reads its elements into float64, computes there and rounds
//! once to the tensor's dtype. For float32 that is at least as accurate as PyTorch's float32
//! arithmetic (results agree to float32 rounding), and it makes the stable forms simple: the
//! row maximum is subtracted before `exp`, so logits of 1e4 neither overflow nor lose the rest.

use crate::backend::cpu::iter::par_ranges;
use crate::dtype::{DType, Element, Scalar, default_float};
use crate::error::{Error, Result};
use crate::ops::elementwise::{
    self as ew, BinaryOp, Operand, map, not_implemented_for, type_title,
};
use crate::ops::{index, view};
use crate::shape::wrap_dim;
pub use crate::spec::nn::{Act, ActInts};
use crate::tensor::Tensor;
use rayon::prelude::*;

/// `reduction=` of the losses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    None,
    Mean,
    Sum,
}

impl Reduction {
    pub fn parse(s: &str) -> Result<Reduction> {
        Ok(match s {
            "none" => Reduction::None,
            "mean" => Reduction::Mean,
            "sum" => Reduction::Sum,
            _ => {
                return Err(Error::Value(format!(
                    "{} is not a valid value for reduction",
                    s
                )));
            }
        })
    }
}

// ----- softmax -----

/// Applies `f` to every 1-d row along `dim` (read as float64), writing a tensor of `x`'s shape
/// and dtype. A row along a non-last dim is gathered through a contiguous copy of the moved dim.
fn map_rows(
    x: &Tensor,
    dim: usize,
    op: &str,
    f: impl Fn(&[f64], &mut [f64]) + Sync,
) -> Result<Tensor> {
    let last = x.ndim().saturating_sub(1);
    let moved = if x.ndim() == 0 {
        view::reshape(x, &[1])?
    } else {
        view::movedim(x, &[dim as i64], &[-1])?
    };
    let moved = moved.try_contiguous()?;
    let row = *moved.shape().last().unwrap_or(&1);
    let out = Tensor::zeros(moved.shape(), x.dtype());
    if let Some(rows) = moved.numel().checked_div(row) {
        float_dispatch!(x.dtype(), op, T => {
            let (pi, po) = (moved.ptr::<T>() as usize, out.ptr::<T>() as usize);
            par_ranges(rows, row, |lo, hi| {
                let (mut src, mut dst) = (vec![0f64; row], vec![0f64; row]);
                for r in lo..hi {
                    // SAFETY: row r of two contiguous buffers of rows * row elements.
                    let (i, o) = unsafe {
                        (
                            std::slice::from_raw_parts((pi as *const T).add(r * row), row),
                            std::slice::from_raw_parts_mut((po as *mut T).add(r * row), row),
                        )
                    };
                    for (s, v) in src.iter_mut().zip(i) {
                        *s = v.to_f64();
                    }
                    f(&src, &mut dst);
                    for (o, v) in o.iter_mut().zip(dst.iter()) {
                        *o = T::from_f64(*v);
                    }
                }
            });
        });
    }
    if x.ndim() == 0 {
        return view::reshape(&out, &[]);
    }
    if dim == last {
        return Ok(out);
    }
    view::movedim(&out, &[-1], &[dim as i64])?.try_contiguous()
}

/// Row maximum that propagates NaN (so a NaN row gives NaN, as in PyTorch).
fn row_max(xs: &[f64]) -> f64 {
    xs.iter().fold(f64::NEG_INFINITY, |m, &v| {
        if v > m || v.is_nan() || m.is_nan() {
            if m.is_nan() { m } else { v }
        } else {
            m
        }
    })
}

/// `softmax(x, dim)` or, with `log`, `log_softmax(x, dim)`: max-subtracted, so any finite
/// logits are safe.
pub fn softmax(x: &Tensor, dim: i64, log: bool) -> Result<Tensor> {
    let d = wrap_dim(dim, x.ndim())?;
    let name = if log {
        "log_softmax_lastdim_kernel_impl"
    } else {
        "softmax_lastdim_kernel_impl"
    };
    if x.is_gpu() {
        if !x.dtype().is_float() {
            return Err(not_implemented_for(name, x.dtype()));
        }
        return crate::ops::gpu::nn::softmax(x, d, log);
    }
    map_rows(x, d, name, move |xs, out| {
        let m = row_max(xs);
        let mut s = 0.0;
        for (o, &v) in out.iter_mut().zip(xs) {
            *o = (v - m).exp();
            s += *o;
        }
        if log {
            let ls = s.ln();
            for (o, &v) in out.iter_mut().zip(xs) {
                *o = v - m - ls;
            }
        } else {
            let inv = 1.0 / s;
            for o in out.iter_mut() {
                *o *= inv;
            }
        }
    })
}

// ----- negative log-likelihood -----

/// The checked geometry of an `nll_loss` call: input viewed as (n, c, k), targets as (n, k).
pub struct NllShape {
    pub n: usize,
    pub c: usize,
    pub k: usize,
    /// Shape of the unreduced loss (the target's shape).
    pub out_shape: Vec<usize>,
}

fn sizes(s: &[usize]) -> String {
    format!(
        "[{}]",
        s.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// PyTorch's checks of `nll_loss_nd` and the 1-d/2-d, 4-d and generic kernels, in its order.
pub fn nll_shape(input: &Tensor, target: &Tensor, weight: Option<&Tensor>) -> Result<NllShape> {
    let (xs, ts) = (input.shape(), target.shape());
    if input.ndim() < 1 {
        return Err(Error::Value(format!(
            "Expected 1 or more dimensions (got {})",
            input.ndim()
        )));
    }
    if input.ndim() != 1 && (target.ndim() == 0 || xs[0] != ts[0]) {
        return Err(Error::Value(format!(
            "Expected input batch_size ({}) to match target batch_size ({}).",
            xs[0],
            ts.first().copied().unwrap_or(0)
        )));
    }
    if target.dtype() != DType::I64 && target.dtype() != DType::U8 {
        return Err(Error::Runtime(format!(
            "expected scalar type Long but found {}",
            type_title(target.dtype()).trim_end_matches("Tensor")
        )));
    }
    let c = if input.ndim() == 1 { xs[0] } else { xs[1] };
    match input.ndim() {
        1 | 2 => {
            if target.ndim() > 1 {
                return Err(Error::Runtime(
                    "0D or 1D target tensor expected, multi-target not supported".into(),
                ));
            }
            let no_batch = input.ndim() == 1 && target.ndim() == 0;
            // A 1-d input with a 1-d target passes PyTorch's check when the sizes agree, and
            // its kernel then reads only the first target; an empty one has none to read.
            if (!no_batch && xs[0] != ts[0]) || target.numel() == 0 && input.ndim() == 1 {
                return Err(Error::Runtime(format!(
                    "size mismatch (got input: {}, target: {})",
                    sizes(xs),
                    sizes(ts)
                )));
            }
        }
        4 => {
            if target.ndim() != 3 {
                return Err(Error::Runtime(format!(
                    "only batches of spatial targets supported (3D tensors) but got targets of dimension: {}",
                    target.ndim()
                )));
            }
            if ts[1] != xs[2] || ts[2] != xs[3] {
                return Err(Error::Runtime(format!(
                    "input and target batch or spatial sizes don't match: target {}, input {}",
                    sizes(ts),
                    sizes(xs)
                )));
            }
        }
        _ => {
            if ts[1..] != xs[2..] {
                let mut want = vec![xs[0]];
                want.extend_from_slice(&xs[2..]);
                return Err(Error::Runtime(format!(
                    "Expected target size {}, got {}",
                    sizes(&want),
                    sizes(ts)
                )));
            }
        }
    }
    if let Some(w) = weight
        && (w.ndim() != 1 || w.numel() != c)
    {
        return Err(Error::Runtime(format!(
            "weight tensor should be defined either for all {} classes or no classes but got weight tensor of shape: {}",
            c,
            sizes(w.shape())
        )));
    }
    let n = if input.ndim() == 1 { 1 } else { xs[0] };
    let k = xs.iter().skip(2).product();
    Ok(NllShape {
        n,
        c,
        k,
        // A 1-d input gives a 0-d loss, reduced or not (PyTorch's `nll_loss_out_frame`).
        out_shape: if input.ndim() == 1 {
            vec![]
        } else {
            ts.to_vec()
        },
    })
}

/// Per target position: the class index and its weight (0 for `ignore_index`); an index out
/// of range is PyTorch's IndexError.
fn nll_picks(
    sh: &NllShape,
    target: &Tensor,
    weight: Option<&Tensor>,
    ignore_index: i64,
) -> Result<Vec<(usize, f64)>> {
    let mut t = target.try_to_vec::<i64>()?;
    // Only the first target of a 1-d input counts (see `nll_shape`).
    t.truncate(sh.n * sh.k);
    let w = weight.map(|w| w.try_to_vec::<f64>()).transpose()?;
    let mut picks = Vec::with_capacity(t.len());
    for &ti in &t {
        if ti == ignore_index {
            picks.push((0, 0.0));
            continue;
        }
        if ti < 0 || ti as usize >= sh.c {
            return Err(Error::Index(format!("Target {} is out of bounds.", ti)));
        }
        picks.push((ti as usize, w.as_ref().map_or(1.0, |w| w[ti as usize])));
    }
    Ok(picks)
}

/// `nll_loss`: the loss (reduced or of the target's shape) and the total weight of the
/// non-ignored targets (the mean's denominator).
pub fn nll_loss(
    input: &Tensor,
    target: &Tensor,
    weight: Option<&Tensor>,
    reduction: Reduction,
    ignore_index: i64,
) -> Result<(Tensor, f64)> {
    let sh = nll_shape(input, target, weight)?;
    if input.is_gpu() {
        return crate::ops::gpu::nn::nll_loss(input, target, weight, reduction, ignore_index, &sh);
    }
    let picks = nll_picks(&sh, target, weight, ignore_index)?;
    let x = input.try_contiguous()?;
    let (c, k) = (sh.c, sh.k);
    let losses: Vec<f64> = float_dispatch!(x.dtype(), "nll_loss", T => {
        let xv = x.as_slice::<T>();
        picks
            .iter()
            .enumerate()
            .map(|(p, &(cls, w))| if w == 0.0 { 0.0 } else { -w * xv[(p / k) * c * k + cls * k + p % k].to_f64() })
            .collect()
    });
    let total: f64 = picks.iter().map(|p| p.1).sum();
    let out = match reduction {
        Reduction::None => Tensor::from_vec(losses, &sh.out_shape).try_to_dtype(x.dtype())?,
        Reduction::Sum => {
            Tensor::from_vec(vec![losses.iter().sum::<f64>()], &[]).try_to_dtype(x.dtype())?
        }
        Reduction::Mean => Tensor::from_vec(vec![losses.iter().sum::<f64>() / total], &[])
            .try_to_dtype(x.dtype())?,
    };
    Ok((out, total))
}

/// The constant d loss / d input of `nll_loss` per unit upstream gradient: `-weight * scale` at
/// each (sample, target class) position, zero elsewhere; shaped like `input`.
pub fn nll_grad_coef(
    input_shape: &[usize],
    dtype: DType,
    target: &Tensor,
    weight: Option<&Tensor>,
    ignore_index: i64,
    scale: f64,
) -> Result<Tensor> {
    let n = if input_shape.len() == 1 {
        1
    } else {
        input_shape[0]
    };
    let c = if input_shape.len() == 1 {
        input_shape[0]
    } else {
        input_shape[1]
    };
    let k: usize = input_shape.iter().skip(2).product();
    let sh = NllShape {
        n,
        c,
        k,
        out_shape: target.shape().to_vec(),
    };
    if target.is_gpu() {
        return crate::ops::gpu::nn::nll_grad_coef(
            input_shape,
            dtype,
            target,
            weight,
            ignore_index,
            scale,
            &sh,
        );
    }
    let picks = nll_picks(&sh, target, weight, ignore_index)?;
    let mut coef = vec![0f64; n * c * k];
    for (p, &(cls, w)) in picks.iter().enumerate() {
        if w != 0.0 {
            coef[(p / k) * c * k + cls * k + p % k] = -w * scale;
        }
    }
    Tensor::from_vec(coef, input_shape).try_to_dtype(dtype)
}

// ----- pointwise activations -----

const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
const GELU_C: f64 = 0.044715;

unsafe extern "C" {
    /// libm's `erf` (always linked with std on the supported platforms).
    #[link_name = "erf"]
    fn libm_erf(x: f64) -> f64;
}

pub fn erf(x: f64) -> f64 {
    // SAFETY: a pure libm function of one double.
    unsafe { libm_erf(x) }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `log(1 + exp(x))` without overflow or loss for large |x|.
fn softplus1(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

impl Act {
    /// The value as PyTorch's vectorised CPU kernels give it in a precision whose largest
    /// finite number is `max`: gelu's `x * (1 + erf)` and hardswish's `x * 6` overflow from
    /// `max / 2` and `max / 6` on, and gelu is NaN at +-inf.
    pub fn value_in(self, x: f64, max: f64) -> f64 {
        match self {
            Act::Gelu { tanh: false } if x.is_infinite() => f64::NAN,
            Act::Gelu { tanh: false } if x > max / 2.0 => f64::INFINITY,
            Act::Hardswish if x > max / 6.0 => f64::INFINITY,
            _ => self.value(x),
        }
    }

    pub fn value(self, x: f64) -> f64 {
        match self {
            Act::LeakyRelu(s) => {
                if x > 0.0 {
                    x
                } else {
                    x * s
                }
            }
            Act::Elu {
                alpha,
                scale,
                input_scale,
            } => {
                if x > 0.0 {
                    scale * x
                } else {
                    scale * alpha * (x * input_scale).exp_m1()
                }
            }
            Act::Gelu { tanh: false } => 0.5 * x * (1.0 + erf(x * std::f64::consts::FRAC_1_SQRT_2)),
            Act::Gelu { tanh: true } => {
                0.5 * x * (1.0 + (SQRT_2_OVER_PI * (x + GELU_C * x * x * x)).tanh())
            }
            Act::Silu => x * sigmoid(x),
            Act::Mish => x * softplus1(x).tanh(),
            Act::LogSigmoid => -softplus1(-x),
            Act::Softplus { beta, threshold } => {
                if x * beta > threshold {
                    x
                } else {
                    softplus1(x * beta) / beta
                }
            }
            Act::Hardtanh { lo, hi } => {
                if x.is_nan() {
                    x
                } else {
                    x.max(lo).min(hi)
                }
            }
            Act::Hardswish => x * (x + 3.0).clamp(0.0, 6.0) / 6.0,
            Act::Hardsigmoid => (x + 3.0).clamp(0.0, 6.0) / 6.0,
            Act::Hardshrink(l) => {
                if x >= -l && x <= l {
                    0.0
                } else {
                    x
                }
            }
            Act::Softshrink(l) => {
                if x > l {
                    x - l
                } else if x < -l {
                    x + l
                } else if x.is_nan() {
                    x
                } else {
                    0.0
                }
            }
            Act::Threshold { threshold, value } => {
                if x > threshold || x.is_nan() {
                    x
                } else {
                    value
                }
            }
            Act::Erf => erf(x),
        }
    }

    /// The first derivative, with PyTorch's choices at the kinks (its backward kernels').
    pub fn deriv(self, x: f64) -> f64 {
        match self {
            Act::LeakyRelu(s) => {
                if x > 0.0 {
                    1.0
                } else {
                    s
                }
            }
            Act::Elu {
                alpha,
                scale,
                input_scale,
            } => {
                if x > 0.0 {
                    scale
                } else {
                    scale * alpha * input_scale * (x * input_scale).exp()
                }
            }
            Act::Gelu { tanh: false } => {
                let cdf = 0.5 * (1.0 + erf(x * std::f64::consts::FRAC_1_SQRT_2));
                let pdf = (-0.5 * x * x).exp()
                    * 0.5
                    * std::f64::consts::FRAC_2_SQRT_PI
                    * std::f64::consts::FRAC_1_SQRT_2;
                cdf + x * pdf
            }
            Act::Gelu { tanh: true } => {
                let u = SQRT_2_OVER_PI * (x + GELU_C * x * x * x);
                let t = u.tanh();
                0.5 * (1.0 + t)
                    + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * x * x)
            }
            Act::Silu => {
                let s = sigmoid(x);
                s * (1.0 + x * (1.0 - s))
            }
            Act::Mish => {
                let t = softplus1(x).tanh();
                t + x * sigmoid(x) * (1.0 - t * t)
            }
            Act::LogSigmoid => sigmoid(-x),
            Act::Softplus { beta, threshold } => {
                if x * beta > threshold {
                    1.0
                } else {
                    sigmoid(x * beta)
                }
            }
            Act::Hardtanh { lo, hi } => {
                if x <= lo || x >= hi {
                    0.0
                } else {
                    1.0
                }
            }
            Act::Hardswish => {
                if x < -3.0 {
                    0.0
                } else if x <= 3.0 {
                    x / 3.0 + 0.5
                } else {
                    1.0
                }
            }
            Act::Hardsigmoid => {
                if x > -3.0 && x < 3.0 {
                    1.0 / 6.0
                } else {
                    0.0
                }
            }
            Act::Hardshrink(l) | Act::Softshrink(l) => {
                if x >= -l && x <= l {
                    0.0
                } else {
                    1.0
                }
            }
            Act::Threshold { threshold, .. } => {
                if x <= threshold {
                    0.0
                } else {
                    1.0
                }
            }
            Act::Erf => std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp(),
        }
    }
}

/// `f(v, max)` of every element, `max` being the largest finite value of the precision
/// PyTorch computes the dtype in (float32 for the half types), for the activations whose
/// kernels overflow before the exact result does.
fn pointwise(x: &Tensor, op: &str, f: impl Fn(f64, f64) -> f64 + Sync) -> Result<Tensor> {
    let out = Tensor::zeros(x.shape(), x.dtype());
    let max = if x.dtype() == DType::F64 {
        f64::MAX
    } else {
        f32::MAX as f64
    };
    float_dispatch!(x.dtype(), op, T => map::<T, T>(x, &out, |v| T::from_f64(f(v.to_f64(), max))));
    Ok(out)
}

/// The activation applied elementwise (integer inputs as `Act::ints` says).
pub fn activation(x: &Tensor, act: Act) -> Result<Tensor> {
    let d = x.dtype();
    if !d.is_float() {
        match (act.ints(), act) {
            (ActInts::ToFloat, _) => return activation(&x.try_to_dtype(default_float())?, act),
            (ActInts::Keep, Act::Threshold { threshold, value }) if d != DType::Bool => {
                return int_threshold(x, threshold, value);
            }
            (ActInts::Keep | ActInts::Reject, _) => {
                return Err(not_implemented_for(act.kernel_name(), d));
            }
        }
    }
    if x.is_gpu() {
        return gpu_activation(x, act, false);
    }
    pointwise(x, act.kernel_name(), move |v, max| act.value_in(v, max))
}

/// `threshold` of an integer tensor, as ATen computes it: the parameters converted to the
/// dtype (truncated, an overflow refused), then `x <= threshold ? value : x` in integers.
/// Composed from elementwise ops, so it runs on either device.
fn int_threshold(x: &Tensor, threshold: f64, value: f64) -> Result<Tensor> {
    let d = x.dtype();
    let convert = |v: f64| -> Result<Operand> {
        let (lo, hi) = int_range(d);
        if !(v.trunc() >= lo && v.trunc() <= hi) {
            return Err(Error::Runtime(format!(
                "value cannot be converted to type {} without overflow",
                c_type_name(d)
            )));
        }
        Ok(Operand::Scalar(Scalar::Int(v.trunc() as i64)))
    };
    let (t, v) = (convert(threshold)?, convert(value)?);
    let below = ew::binary(BinaryOp::Le, &Operand::Tensor(x.clone()), &t)?;
    ew::where_(&below, &v, &Operand::Tensor(x.clone()))
}

/// The range of an integer dtype, as float64.
fn int_range(d: DType) -> (f64, f64) {
    match d {
        DType::U8 => (0.0, u8::MAX as f64),
        DType::I8 => (i8::MIN as f64, i8::MAX as f64),
        DType::I16 => (i16::MIN as f64, i16::MAX as f64),
        DType::I32 => (i32::MIN as f64, i32::MAX as f64),
        // 2^63 itself is out of range: the upper bound is the float just below it.
        DType::I64 => (i64::MIN as f64, 9.223372036854775e18),
        DType::Bool
        | DType::F16
        | DType::BF16
        | DType::F32
        | DType::F64
        | DType::C64
        | DType::C128 => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

/// The C++ type c10 names in its "cannot be converted to type ... without overflow" error.
fn c_type_name(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool",
        DType::U8 => "uint8_t",
        DType::I8 => "int8_t",
        DType::I16 => "int16_t",
        DType::I32 => "int",
        DType::I64 => "int64_t",
        DType::F16 => "c10::Half",
        DType::BF16 => "c10::BFloat16",
        DType::F32 => "float",
        DType::F64 => "double",
        DType::C64 => "c10::complex<float>",
        DType::C128 => "c10::complex<double>",
    }
}

fn gpu_activation(x: &Tensor, act: Act, deriv: bool) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return Err(not_implemented_for(act.kernel_name(), x.dtype()));
    }
    crate::backend::gpu::activation::activation(x, act, deriv)
}

/// The activation's derivative elementwise.
pub fn activation_deriv(x: &Tensor, act: Act) -> Result<Tensor> {
    if x.is_gpu() {
        return gpu_activation(x, act, true);
    }
    pointwise(x, act.kernel_name(), move |v, _| act.deriv(v))
}

// ----- embedding -----

/// Checks an embedding lookup: integer indices, all inside the table.
pub fn check_embedding(weight: &Tensor, indices: &Tensor) -> Result<()> {
    if indices.dtype() != DType::I64 && indices.dtype() != DType::I32 {
        return Err(Error::Runtime(format!(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.{} instead (while checking arguments for embedding)",
            type_title(indices.dtype())
        )));
    }
    if weight.ndim() != 2 {
        return Err(Error::Runtime(format!(
            "'weight' must be 2-D, got {}-D",
            weight.ndim()
        )));
    }
    crate::backend::gpu::same_device(&[weight, indices])?;
    if weight.is_gpu() {
        // Checked by the lookup itself (one number read back), see `embedding`.
        return Ok(());
    }
    let rows = weight.shape()[0] as i64;
    if indices
        .try_to_vec::<i64>()?
        .iter()
        .any(|&i| i < 0 || i >= rows)
    {
        return Err(Error::Index("index out of range in self".into()));
    }
    Ok(())
}

/// `weight[indices]`: rows gathered into `indices.shape + [dim]`.
pub fn embedding(weight: &Tensor, indices: &Tensor) -> Result<Tensor> {
    check_embedding(weight, indices)?;
    let flat = view::reshape(indices, &[-1])?;
    let rows = if weight.is_gpu() {
        crate::ops::gpu::nn::embedding(weight, &flat)?
    } else {
        index::index_select(weight, 0, &flat)?
    };
    let mut shape: Vec<i64> = indices.shape().iter().map(|&v| v as i64).collect();
    shape.push(weight.shape()[1] as i64);
    view::reshape(&rows, &shape)
}

// ----- connectionist temporal classification -----

/// One CTC problem: the batch's log-probabilities (time, batch, class) as float64 and each
/// sample's targets and input length.
pub struct Ctc {
    pub lp: Vec<f64>,
    pub t: usize,
    pub n: usize,
    pub c: usize,
    pub targets: Vec<Vec<usize>>,
    pub input_lengths: Vec<usize>,
    pub blank: usize,
}

fn lse(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

impl Ctc {
    /// Reads and checks the arguments as PyTorch's `ctc_loss` does.
    pub fn new(
        log_probs: &Tensor,
        targets: &Tensor,
        input_lengths: &[i64],
        target_lengths: &[i64],
        blank: i64,
    ) -> Result<Ctc> {
        if !log_probs.dtype().is_float() {
            return Err(not_implemented_for("ctc_loss_cpu", log_probs.dtype()));
        }
        if log_probs.ndim() != 3 {
            return Err(Error::Runtime(format!(
                "ctc_loss: expected log_probs to have 3 dimensions, but got {}",
                log_probs.ndim()
            )));
        }
        let (t, n, c) = (
            log_probs.shape()[0],
            log_probs.shape()[1],
            log_probs.shape()[2],
        );
        if blank < 0 || blank as usize >= c {
            return Err(Error::Runtime("blank must be in label range".into()));
        }
        if input_lengths.len() != n {
            return Err(Error::Runtime(format!(
                "input_lengths must be of size batch_size, but got {} (batch_size {})",
                input_lengths.len(),
                n
            )));
        }
        if target_lengths.len() != n {
            return Err(Error::Runtime(format!(
                "target_lengths must be of size batch_size, but got {} (batch_size {})",
                target_lengths.len(),
                n
            )));
        }
        if !targets.dtype().is_int() {
            return Err(Error::Runtime(format!(
                "ctc_loss: expected targets of an integer type, but got {}",
                type_title(targets.dtype())
            )));
        }
        let tv = targets.try_to_vec::<i64>()?;
        let mut out = vec![];
        let mut pos = 0usize;
        for b in 0..n {
            let len = target_lengths[b];
            let il = input_lengths[b];
            if il < 0 || il as usize > t {
                return Err(Error::Runtime(format!(
                    "Expected input_lengths to have value at most {}, but got value {} (while checking arguments for ctc_loss_cpu)",
                    t, il
                )));
            }
            if len < 0 {
                return Err(Error::Runtime(format!(
                    "Expected target_lengths to be non-negative, but got value {}",
                    len
                )));
            }
            let len = len as usize;
            let slice: Vec<i64> = if targets.ndim() == 2 {
                let s = targets.shape()[1];
                if len > s {
                    return Err(Error::Runtime(format!(
                        "Expected tensor to have size at least {} at dimension 1, but got size {} for argument #2 'targets' (while checking arguments for ctc_loss_cpu)",
                        len, s
                    )));
                }
                tv[b * s..b * s + len].to_vec()
            } else {
                if pos + len > tv.len() {
                    return Err(Error::Runtime(
                        "ctc_loss: target_lengths sum to more than the number of targets".into(),
                    ));
                }
                pos += len;
                tv[pos - len..pos].to_vec()
            };
            if let Some(&bad) = slice.iter().find(|&&v| v < 0 || v as usize >= c) {
                return Err(Error::Index(format!("Target {} is out of bounds.", bad)));
            }
            out.push(slice.into_iter().map(|v| v as usize).collect());
        }
        // The GPU kernel reads the probabilities on the device.
        let lp = if log_probs.is_gpu() {
            Vec::new()
        } else {
            log_probs.try_contiguous()?.try_to_vec::<f64>()?
        };
        Ok(Ctc {
            lp,
            t,
            n,
            c,
            targets: out,
            input_lengths: input_lengths.iter().map(|&v| v as usize).collect(),
            blank: blank as usize,
        })
    }

    fn at(&self, t: usize, b: usize, k: usize) -> f64 {
        self.lp[(t * self.n + b) * self.c + k]
    }

    /// The extended label sequence (blanks around and between the targets).
    fn ext(&self, b: usize) -> Vec<usize> {
        let mut e = vec![self.blank];
        for &k in &self.targets[b] {
            e.push(k);
            e.push(self.blank);
        }
        e
    }

    /// Forward variables log alpha (time-major, `t * len + s`) for sample `b`.
    fn alpha(&self, b: usize) -> Vec<f64> {
        let e = self.ext(b);
        let (l, tl) = (e.len(), self.input_lengths[b]);
        let mut a = vec![f64::NEG_INFINITY; tl.max(1) * l];
        if tl == 0 {
            return a;
        }
        a[0] = self.at(0, b, e[0]);
        if l > 1 {
            a[1] = self.at(0, b, e[1]);
        }
        for t in 1..tl {
            for s in 0..l {
                let mut v = a[(t - 1) * l + s];
                if s >= 1 {
                    v = lse(v, a[(t - 1) * l + s - 1]);
                }
                if s >= 2 && e[s] != self.blank && e[s] != e[s - 2] {
                    v = lse(v, a[(t - 1) * l + s - 2]);
                }
                a[t * l + s] = if v == f64::NEG_INFINITY {
                    v
                } else {
                    v + self.at(t, b, e[s])
                };
            }
        }
        a
    }

    /// Backward variables log beta for sample `b` (same layout as `alpha`).
    fn beta(&self, b: usize) -> Vec<f64> {
        let e = self.ext(b);
        let (l, tl) = (e.len(), self.input_lengths[b]);
        let mut be = vec![f64::NEG_INFINITY; tl.max(1) * l];
        if tl == 0 {
            return be;
        }
        let last = tl - 1;
        be[last * l + l - 1] = self.at(last, b, e[l - 1]);
        if l > 1 {
            be[last * l + l - 2] = self.at(last, b, e[l - 2]);
        }
        for t in (0..last).rev() {
            for s in 0..l {
                let mut v = be[(t + 1) * l + s];
                if s + 1 < l {
                    v = lse(v, be[(t + 1) * l + s + 1]);
                }
                if s + 2 < l && e[s] != self.blank && e[s] != e[s + 2] {
                    v = lse(v, be[(t + 1) * l + s + 2]);
                }
                be[t * l + s] = if v == f64::NEG_INFINITY {
                    v
                } else {
                    v + self.at(t, b, e[s])
                };
            }
        }
        be
    }

    /// Per-sample negative log-likelihood (`inf` where no alignment exists).
    pub fn nll(&self) -> Vec<f64> {
        // On rtensor's pool (set_num_threads), not rayon's global one.
        crate::backend::cpu::threads::pool().install(|| self.nll_in_pool())
    }

    fn nll_in_pool(&self) -> Vec<f64> {
        (0..self.n)
            .into_par_iter()
            .map(|b| {
                let tl = self.input_lengths[b];
                let l = 2 * self.targets[b].len() + 1;
                if tl == 0 {
                    return if self.targets[b].is_empty() {
                        0.0
                    } else {
                        f64::INFINITY
                    };
                }
                let a = self.alpha(b);
                let last = (tl - 1) * l;
                let p = if l > 1 {
                    lse(a[last + l - 1], a[last + l - 2])
                } else {
                    a[last]
                };
                -p
            })
            .collect()
    }

    /// d nll_b / d log_probs, scaled by `g[b]` per sample (time, batch, class), from
    /// `-exp(log(sum over s with label k of alpha * beta) + nll - log_prob)`. Samples whose loss
    /// is infinite get zeros when `zero_infinity`.
    pub fn grad(&self, g: &[f64], zero_infinity: bool) -> Vec<f64> {
        let nll = self.nll();
        crate::backend::cpu::threads::pool().install(|| self.grad_in_pool(&nll, g, zero_infinity))
    }

    fn grad_in_pool(&self, nll: &[f64], g: &[f64], zero_infinity: bool) -> Vec<f64> {
        let per: Vec<Vec<f64>> = (0..self.n)
            .into_par_iter()
            .map(|b| {
                let mut gr = vec![0f64; self.t * self.c];
                let tl = self.input_lengths[b];
                if tl == 0 || g[b] == 0.0 || (zero_infinity && nll[b].is_infinite()) {
                    return gr;
                }
                let e = self.ext(b);
                let l = e.len();
                let (a, be) = (self.alpha(b), self.beta(b));
                for t in 0..tl {
                    let mut lcab = vec![f64::NEG_INFINITY; self.c];
                    for s in 0..l {
                        lcab[e[s]] = lse(lcab[e[s]], a[t * l + s] + be[t * l + s]);
                    }
                    for k in 0..self.c {
                        let lp = self.at(t, b, k);
                        // alpha and beta both include log_prob(t, k), and the probability is
                        // linear in it: d(-log P)/d log_prob = -exp(lcab - log_prob) / P.
                        let v = if lcab[k] == f64::NEG_INFINITY {
                            0.0
                        } else {
                            -(lcab[k] + nll[b] - lp).exp()
                        };
                        gr[t * self.c + k] = v * g[b];
                    }
                }
                gr
            })
            .collect();
        let mut out = vec![0f64; self.t * self.n * self.c];
        for (b, gr) in per.iter().enumerate() {
            for t in 0..self.t {
                let dst = (t * self.n + b) * self.c;
                out[dst..dst + self.c].copy_from_slice(&gr[t * self.c..(t + 1) * self.c]);
            }
        }
        out
    }
}
