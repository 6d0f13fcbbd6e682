//! Specs of the `nn.functional` ops with parameters: the pointwise activations.

/// A pointwise activation with its parameters; `value` and `deriv` are its scalar forms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    LeakyRelu(f64),
    /// `scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))`: elu, selu, celu.
    Elu {
        alpha: f64,
        scale: f64,
        input_scale: f64,
    },
    Gelu {
        tanh: bool,
    },
    Silu,
    Mish,
    LogSigmoid,
    Softplus {
        beta: f64,
        threshold: f64,
    },
    Hardtanh {
        lo: f64,
        hi: f64,
    },
    Hardswish,
    Hardsigmoid,
    Hardshrink(f64),
    Softshrink(f64),
    Threshold {
        threshold: f64,
        value: f64,
    },
    Erf,
}

/// What an activation does with an integer input (`Act::ints`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActInts {
    /// Promoted to the default float dtype (`erf`).
    ToFloat,
    /// Computed in the integer dtype, the float parameters converted to it (`threshold`).
    Keep,
    /// PyTorch's NotImplementedError naming `kernel_name`.
    Reject,
}

impl Act {
    /// The grad_fn name PyTorch records.
    pub fn backward_name(self) -> &'static str {
        match self {
            Act::LeakyRelu(_) => "LeakyReluBackward0",
            Act::Elu { .. } => "EluBackward0",
            Act::Gelu { .. } => "GeluBackward0",
            Act::Silu => "SiluBackward0",
            Act::Mish => "MishBackward0",
            Act::LogSigmoid => "LogSigmoidBackward0",
            Act::Softplus { .. } => "SoftplusBackward0",
            Act::Hardtanh { .. } => "HardtanhBackward0",
            Act::Hardswish => "HardswishBackward0",
            Act::Hardsigmoid => "HardsigmoidBackward0",
            Act::Hardshrink(_) => "HardshrinkBackward0",
            Act::Softshrink(_) => "SoftshrinkBackward0",
            Act::Threshold { .. } => "ThresholdBackward0",
            Act::Erf => "ErfBackward0",
        }
    }

    /// PyTorch's kernel name, for the "not implemented for" error on non-float input.
    pub fn kernel_name(self) -> &'static str {
        match self {
            Act::LeakyRelu(_) => "leaky_relu_cpu",
            Act::Elu { .. } => "elu_cpu",
            Act::Gelu { .. } => "GeluKernelImpl",
            Act::Silu => "silu_cpu",
            Act::Mish => "mish_cpu",
            Act::LogSigmoid => "log_sigmoid_cpu",
            Act::Softplus { .. } => "softplus_cpu",
            Act::Hardtanh { .. } => "hardtanh_cpu",
            Act::Hardswish => "hardswish_cpu",
            Act::Hardsigmoid => "hardsigmoid_cpu",
            Act::Hardshrink(_) => "hardshrink_cpu",
            // PyTorch checks the dtype in `softshrink_check` before its kernel runs.
            Act::Softshrink(_) => "softshrink_check",
            Act::Threshold { .. } => "threshold_cpu",
            Act::Erf => "erf_vml_cpu",
        }
    }

    /// What the activation does with integer inputs; bool inputs are refused (the kernel
    /// name's NotImplementedError) except by `ToFloat` activations.
    pub fn ints(self) -> ActInts {
        match self {
            Act::Erf => ActInts::ToFloat,
            Act::Threshold { .. } => ActInts::Keep,
            // (`F.hardtanh` clamps integer tensors before it reaches the kernel.)
            Act::LeakyRelu(_)
            | Act::Elu { .. }
            | Act::Gelu { .. }
            | Act::Silu
            | Act::Mish
            | Act::LogSigmoid
            | Act::Softplus { .. }
            | Act::Hardtanh { .. }
            | Act::Hardswish
            | Act::Hardsigmoid
            | Act::Hardshrink(_)
            | Act::Softshrink(_) => ActInts::Reject,
        }
    }

    /// One of each activation with PyTorch's default parameters (parameters do not change
    /// the kernel): the registry rows of the activations.
    pub const EXAMPLES: &'static [Act] = &[
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

    /// The name `_C._activation` takes (the `nn.functional` function's), with up to three
    /// float parameters whose meaning per activation is in the enum.
    pub fn from_name(name: &str, a: f64, b: f64, c: f64) -> Option<Act> {
        Some(match name {
            "leaky_relu" => Act::LeakyRelu(a),
            "elu" => Act::Elu {
                alpha: a,
                scale: b,
                input_scale: c,
            },
            "gelu" => Act::Gelu { tanh: false },
            "gelu_tanh" => Act::Gelu { tanh: true },
            "silu" => Act::Silu,
            "mish" => Act::Mish,
            "logsigmoid" => Act::LogSigmoid,
            "softplus" => Act::Softplus {
                beta: a,
                threshold: b,
            },
            "hardtanh" => Act::Hardtanh { lo: a, hi: b },
            "hardswish" => Act::Hardswish,
            "hardsigmoid" => Act::Hardsigmoid,
            "hardshrink" => Act::Hardshrink(a),
            "softshrink" => Act::Softshrink(a),
            "threshold" => Act::Threshold {
                threshold: a,
                value: b,
            },
            "erf" => Act::Erf,
            _ => return None,
        })
    }

    /// The inverse of `from_name`: the name and the three parameters.
    pub fn name_and_params(self) -> (&'static str, [f64; 3]) {
        match self {
            Act::LeakyRelu(s) => ("leaky_relu", [s, 0.0, 0.0]),
            Act::Elu {
                alpha,
                scale,
                input_scale,
            } => ("elu", [alpha, scale, input_scale]),
            Act::Gelu { tanh: false } => ("gelu", [0.0; 3]),
            Act::Gelu { tanh: true } => ("gelu_tanh", [0.0; 3]),
            Act::Silu => ("silu", [0.0; 3]),
            Act::Mish => ("mish", [0.0; 3]),
            Act::LogSigmoid => ("logsigmoid", [0.0; 3]),
            Act::Softplus { beta, threshold } => ("softplus", [beta, threshold, 0.0]),
            Act::Hardtanh { lo, hi } => ("hardtanh", [lo, hi, 0.0]),
            Act::Hardswish => ("hardswish", [0.0; 3]),
            Act::Hardsigmoid => ("hardsigmoid", [0.0; 3]),
            Act::Hardshrink(l) => ("hardshrink", [l, 0.0, 0.0]),
            Act::Softshrink(l) => ("softshrink", [l, 0.0, 0.0]),
            Act::Threshold { threshold, value } => ("threshold", [threshold, value, 0.0]),
            Act::Erf => ("erf", [0.0; 3]),
        }
    }
}
