//! The elementwise op registry: every unary and binary op declared once, in one table each,
//! with its Python name, grad_fn, dtype rule and Python forms. The kernels that run an op are
//! exhaustive matches on these enums (CPU in `backend/cpu/elementwise.rs`, WGSL in
//! `backend/gpu/elementwise.rs`, the derivative in `autograd/ops.rs`): a new entry does not
//! compile until each of them has an arm. See ARCHITECTURE.md, "Adding an op".

use crate::dtype::{DType, ResultType, Scalar, default_float};
use crate::error::{Error, Result};

/// An op argument: a tensor or a Python number.
#[derive(Clone)]
pub enum Operand {
    Tensor(crate::tensor::Tensor),
    Scalar(Scalar),
}

impl Operand {
    pub fn promote_into(&self, r: ResultType) -> ResultType {
        match self {
            Operand::Tensor(t) => r.tensor(t.dtype(), t.ndim()),
            Operand::Scalar(s) => r.scalar(*s, default_float()),
        }
    }
    pub fn shape(&self) -> &[usize] {
        match self {
            Operand::Tensor(t) => t.shape(),
            Operand::Scalar(_) => &[],
        }
    }
    /// The dtype PyTorch gives the operand on its own (a Python number wraps into a 0-d
    /// tensor of its kind's default dtype).
    pub fn dtype(&self) -> DType {
        match self {
            Operand::Tensor(t) => t.dtype(),
            Operand::Scalar(Scalar::Bool(_)) => DType::Bool,
            Operand::Scalar(Scalar::Int(_)) => DType::I64,
            Operand::Scalar(_) => default_float(),
        }
    }
    /// The operand as a tensor of `dtype` (numbers become 0-d tensors; a GPU tensor is cast on
    /// its device, which can fail).
    pub fn as_tensor(&self, dtype: DType) -> Result<crate::tensor::Tensor> {
        match self {
            Operand::Tensor(t) => t.try_to_dtype(dtype),
            Operand::Scalar(s) => Ok(crate::tensor::Tensor::scalar_tensor(*s, dtype)),
        }
    }
}

impl From<&crate::tensor::Tensor> for Operand {
    fn from(t: &crate::tensor::Tensor) -> Self {
        Operand::Tensor(t.clone())
    }
}

/// What an op does with integer inputs (and with float inputs: see `unary_plan`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntRule {
    /// Integers are promoted to the default float dtype (`exp`, `sin`...).
    ToFloat,
    /// Integers keep their dtype and compute exactly (`neg`, `abs`, `floor`...).
    Keep,
    /// The result is bool for every input dtype (`isnan`, `logical_not`).
    Predicate,
    /// Floats only: an integer input is PyTorch's NotImplementedError naming this kernel
    /// (`frac`).
    Reject(&'static str),
}

/// What an op does with a bool input: PyTorch decides it per op, not per `IntRule`
/// (`sign(bool)` is a copy, `abs(bool)` an error, `square(bool)` int64).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolRule {
    /// As an integer input (`IntRule::ToFloat`: a float result; `Predicate`; `Reject`).
    AsInt,
    /// The op is the identity on bool: a copy (`sign`).
    Copy,
    /// `~` (`bitwise_not`).
    Not,
    /// Promoted to int64: PyTorch computes `square` as `pow(x, 2)`, and bool with a Python
    /// int promotes to int64.
    ToLong,
    /// PyTorch's NotImplementedError naming this kernel (`"abs_cpu" not implemented for
    /// 'Bool'`).
    Reject(&'static str),
    /// A RuntimeError with PyTorch's text (`neg`, `relu`).
    Error(&'static str),
}

/// Which Python forms the package generates from the table. `Custom` ops have hand-written
/// Python wrappers (extra arguments such as `alpha=` or `rounding_mode=`); `Internal` ones are
/// reached only through other ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PyForms {
    /// Method, function and in-place method `name_`.
    All,
    /// Method and function, no in-place form (PyTorch has none).
    NoInplace,
    Custom,
    Internal,
}

impl PyForms {
    pub fn name(self) -> &'static str {
        match self {
            PyForms::All => "all",
            PyForms::NoInplace => "no_inplace",
            PyForms::Custom => "custom",
            PyForms::Internal => "internal",
        }
    }
}

macro_rules! unary_ops {
    ($($V:ident = $name:literal, grad: $grad:expr, ints: $ints:ident $(($ik:literal))?,
       bools: $bools:ident $(($bk:expr))?, py: $py:ident;)*) => {
        /// Elementwise unary ops (the registry table).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum UnaryOp { $($V),* }

        impl UnaryOp {
            pub const ALL: &'static [UnaryOp] = &[$(UnaryOp::$V),*];
            pub fn name(self) -> &'static str {
                match self { $(UnaryOp::$V => $name),* }
            }
            pub fn from_name(s: &str) -> Option<UnaryOp> {
                match s { $($name => Some(UnaryOp::$V),)* _ => None }
            }
            /// The grad_fn PyTorch records; `None`: not differentiable (the result never
            /// requires grad).
            pub fn grad_fn(self) -> Option<&'static str> {
                match self { $(UnaryOp::$V => $grad),* }
            }
            pub fn int_rule(self) -> IntRule {
                match self { $(UnaryOp::$V => IntRule::$ints $(($ik))?),* }
            }
            pub fn bool_rule(self) -> BoolRule {
                match self { $(UnaryOp::$V => BoolRule::$bools $(($bk))?),* }
            }
            pub fn py_forms(self) -> PyForms {
                match self { $(UnaryOp::$V => PyForms::$py),* }
            }
        }
    };
}

unary_ops! {
    Neg = "neg", grad: Some("NegBackward0"), ints: Keep, bools: Error(NEG_BOOL), py: All;
    Abs = "abs", grad: Some("AbsBackward0"), ints: Keep, bools: Reject("abs_cpu"), py: All;
    Sign = "sign", grad: Some("SignBackward0"), ints: Keep, bools: Copy, py: All;
    Exp = "exp", grad: Some("ExpBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Exp2 = "exp2", grad: Some("Exp2Backward0"), ints: ToFloat, bools: AsInt, py: All;
    Expm1 = "expm1", grad: Some("Expm1Backward0"), ints: ToFloat, bools: AsInt, py: All;
    Log = "log", grad: Some("LogBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Log2 = "log2", grad: Some("Log2Backward0"), ints: ToFloat, bools: AsInt, py: All;
    Log10 = "log10", grad: Some("Log10Backward0"), ints: ToFloat, bools: AsInt, py: All;
    Log1p = "log1p", grad: Some("Log1PBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Sqrt = "sqrt", grad: Some("SqrtBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Rsqrt = "rsqrt", grad: Some("RsqrtBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Sin = "sin", grad: Some("SinBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Cos = "cos", grad: Some("CosBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Tan = "tan", grad: Some("TanBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Asin = "asin", grad: Some("AsinBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Acos = "acos", grad: Some("AcosBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Atan = "atan", grad: Some("AtanBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Asinh = "asinh", grad: Some("AsinhBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Acosh = "acosh", grad: Some("AcoshBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Atanh = "atanh", grad: Some("AtanhBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Sinh = "sinh", grad: Some("SinhBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Cosh = "cosh", grad: Some("CoshBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Tanh = "tanh", grad: Some("TanhBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Sigmoid = "sigmoid", grad: Some("SigmoidBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Relu = "relu", grad: Some("ReluBackward0"), ints: Keep, bools: Error(RELU_BOOL), py: All;
    Floor = "floor", grad: Some("FloorBackward0"), ints: Keep, bools: Reject("floor_vml_cpu"), py: All;
    Ceil = "ceil", grad: Some("CeilBackward0"), ints: Keep, bools: Reject("ceil_vml_cpu"), py: All;
    Round = "round", grad: Some("RoundBackward0"), ints: Keep, bools: Reject("round_vml_cpu"), py: Custom;
    Trunc = "trunc", grad: Some("TruncBackward0"), ints: Keep, bools: Reject("trunc_vml_cpu"), py: All;
    Frac = "frac", grad: Some("FracBackward0"), ints: Reject("frac_cpu"), bools: AsInt, py: All;
    Reciprocal = "reciprocal", grad: Some("ReciprocalBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Square = "square", grad: Some("PowBackward0"), ints: Keep, bools: ToLong, py: All;
    LogicalNot = "logical_not", grad: None, ints: Predicate, bools: AsInt, py: All;
    BitwiseNot = "bitwise_not", grad: None, ints: Keep, bools: Not, py: All;
    IsNan = "isnan", grad: None, ints: Predicate, bools: AsInt, py: NoInplace;
    IsInf = "isinf", grad: None, ints: Predicate, bools: AsInt, py: NoInplace;
    IsFinite = "isfinite", grad: None, ints: Predicate, bools: AsInt, py: NoInplace;
    // torch.special and its top-level aliases (`backend/cpu/special.rs`, `shaders/special.wgsl`).
    // The `special_*` rows have no method or top-level function in PyTorch: `rtensor.special`
    // reaches them.
    Lgamma = "lgamma", grad: Some("LgammaBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Digamma = "digamma", grad: Some("DigammaBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Erfinv = "erfinv", grad: Some("ErfinvBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Erfc = "erfc", grad: Some("ErfcBackward0"), ints: ToFloat, bools: AsInt, py: All;
    I0 = "i0", grad: Some("I0Backward0"), ints: ToFloat, bools: AsInt, py: All;
    Sinc = "sinc", grad: Some("SincBackward0"), ints: ToFloat, bools: AsInt, py: All;
    Logit = "logit", grad: Some("LogitBackward0"), ints: ToFloat, bools: AsInt, py: Internal;
    SpecialI0e = "special_i0e", grad: Some("SpecialI0EBackward0"), ints: ToFloat, bools: AsInt, py: Internal;
    SpecialI1 = "special_i1", grad: Some("SpecialI1Backward0"), ints: ToFloat, bools: AsInt, py: Internal;
    SpecialI1e = "special_i1e", grad: Some("SpecialI1EBackward0"), ints: ToFloat, bools: AsInt, py: Internal;
    SpecialNdtri = "special_ndtri", grad: Some("SpecialNdtriBackward0"), ints: ToFloat, bools: AsInt, py: Internal;
    SpecialLogNdtr = "special_log_ndtr", grad: Some("SpecialLogNdtrBackward0"), ints: ToFloat, bools: AsInt, py: Internal;
    SpecialErfcx = "special_erfcx", grad: Some("SpecialErfcxBackward0"), ints: ToFloat, bools: AsInt, py: Internal;
    SpecialEntr = "special_entr", grad: Some("SpecialEntrBackward0"), ints: ToFloat, bools: AsInt, py: Internal;
}

const NEG_BOOL: &str = "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.";
const RELU_BOOL: &str = "Boolean inputs not supported for relu";
/// PyTorch's `sub_check` (ATen's BinaryOps.h), for two bool operands and for one.
const SUB_BOOLS: &str = "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.";
pub const SUB_BOOL: &str = "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.";

/// The grad_fn name PyTorch records for an op that has no derivative formula
/// (`floor_divide`); its backward raises `derivative for aten::<op> is not implemented`.
pub const NOT_IMPLEMENTED_GRAD: &str = "torch::autograd::NotImplemented";

/// How a binary op's result dtype follows from its operands' common dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryKind {
    /// Result in the common dtype.
    Arith,
    /// Result in the common dtype, integers promoted to the default float (`div`, `atan2`).
    FloatArith,
    /// Integer and bool dtypes only.
    Bitwise,
    /// bool result, computed in the common dtype.
    Comparison,
    /// bool result, operands read as truth values.
    Logical,
    /// Float operands only: integer and bool operands are PyTorch's NotImplementedError naming
    /// the `<op>_cpu` kernel (`logaddexp`, `hypot`, `nextafter`).
    FloatOnly,
}

macro_rules! binary_ops {
    ($($V:ident = $name:literal, grad: $grad:expr, kind: $kind:ident, py: $py:ident;)*) => {
        /// Elementwise binary ops with broadcasting (the registry table).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum BinaryOp { $($V),* }

        impl BinaryOp {
            pub const ALL: &'static [BinaryOp] = &[$(BinaryOp::$V),*];
            pub fn name(self) -> &'static str {
                match self { $(BinaryOp::$V => $name),* }
            }
            pub fn from_name(s: &str) -> Option<BinaryOp> {
                match s { $($name => Some(BinaryOp::$V),)* _ => None }
            }
            /// The grad_fn PyTorch records for two tensor operands (see `grad_fn_for` for the
            /// names that depend on which operand is a number); `None`: not differentiable.
            pub fn grad_fn(self) -> Option<&'static str> {
                match self { $(BinaryOp::$V => $grad),* }
            }
            pub fn kind(self) -> BinaryKind {
                match self { $(BinaryOp::$V => BinaryKind::$kind),* }
            }
            pub fn py_forms(self) -> PyForms {
                match self { $(BinaryOp::$V => PyForms::$py),* }
            }
        }
    };
}

binary_ops! {
    Add = "add", grad: Some("AddBackward0"), kind: Arith, py: Custom;
    Sub = "sub", grad: Some("SubBackward0"), kind: Arith, py: Custom;
    Mul = "mul", grad: Some("MulBackward0"), kind: Arith, py: Custom;
    Div = "div", grad: Some("DivBackward0"), kind: FloatArith, py: Custom;
    DivTrunc = "div_trunc", grad: Some("DivBackward2"), kind: Arith, py: Internal;
    DivFloor = "floor_divide", grad: Some(NOT_IMPLEMENTED_GRAD), kind: Arith, py: Custom;
    Remainder = "remainder", grad: Some("RemainderBackward1"), kind: Arith, py: All;
    Fmod = "fmod", grad: Some("FmodBackward1"), kind: Arith, py: All;
    Pow = "pow", grad: Some("PowBackward1"), kind: Arith, py: Custom;
    Atan2 = "atan2", grad: Some("Atan2Backward0"), kind: FloatArith, py: All;
    Minimum = "minimum", grad: Some("MinimumBackward0"), kind: Arith, py: All;
    Maximum = "maximum", grad: Some("MaximumBackward0"), kind: Arith, py: All;
    Eq = "eq", grad: None, kind: Comparison, py: All;
    Ne = "ne", grad: None, kind: Comparison, py: All;
    Lt = "lt", grad: None, kind: Comparison, py: All;
    Le = "le", grad: None, kind: Comparison, py: All;
    Gt = "gt", grad: None, kind: Comparison, py: All;
    Ge = "ge", grad: None, kind: Comparison, py: All;
    LogicalAnd = "logical_and", grad: None, kind: Logical, py: All;
    LogicalOr = "logical_or", grad: None, kind: Logical, py: All;
    LogicalXor = "logical_xor", grad: None, kind: Logical, py: All;
    BitAnd = "bitwise_and", grad: None, kind: Bitwise, py: All;
    BitOr = "bitwise_or", grad: None, kind: Bitwise, py: All;
    BitXor = "bitwise_xor", grad: None, kind: Bitwise, py: All;
    // The elementwise long tail and torch.special's binary functions (`backend/cpu/special.rs`).
    Logaddexp = "logaddexp", grad: Some("LogaddexpBackward0"), kind: FloatOnly, py: NoInplace;
    Logaddexp2 = "logaddexp2", grad: Some("Logaddexp2Backward0"), kind: FloatOnly, py: NoInplace;
    Hypot = "hypot", grad: Some("HypotBackward0"), kind: FloatOnly, py: All;
    Nextafter = "nextafter", grad: Some("NextafterBackward0"), kind: FloatOnly, py: All;
    Copysign = "copysign", grad: Some("CopysignBackward0"), kind: FloatArith, py: All;
    Fmax = "fmax", grad: Some("FmaxBackward0"), kind: Arith, py: NoInplace;
    Fmin = "fmin", grad: Some("FminBackward0"), kind: Arith, py: NoInplace;
    Heaviside = "heaviside", grad: Some(NOT_IMPLEMENTED_GRAD), kind: Arith, py: All;
    Ldexp = "ldexp", grad: Some("LdexpBackward0"), kind: FloatArith, py: All;
    Xlogy = "xlogy", grad: Some("XlogyBackward0"), kind: FloatArith, py: All;
    SpecialXlog1py = "special_xlog1py", grad: Some("SpecialXlog1PyBackward0"), kind: FloatArith, py: Internal;
    SpecialZeta = "special_zeta", grad: Some("SpecialZetaBackward0"), kind: FloatArith, py: Internal;
}

/// PyTorch's text for `heaviside` of two dtypes.
pub const HEAVISIDE_DTYPES: &str =
    "heaviside is not yet implemented for tensors with different dtypes.";

impl BinaryOp {
    pub fn is_comparison(self) -> bool {
        self.kind() == BinaryKind::Comparison
    }

    pub fn is_logical(self) -> bool {
        self.kind() == BinaryKind::Logical
    }

    /// The grad_fn name for these operands: PyTorch names the ATen overload, so
    /// `number - t`, the three `pow` overloads and `remainder`/`fmod` with a number have
    /// names of their own (`div(rounding_mode=)` wraps a number into a tensor: one name).
    pub fn grad_fn_for(self, a_tensor: bool, b_tensor: bool) -> Option<&'static str> {
        match (self, a_tensor, b_tensor) {
            (BinaryOp::Sub, false, _) => Some("RsubBackward1"),
            (BinaryOp::Pow, true, false) => Some("PowBackward0"),
            (BinaryOp::Pow, false, _) => Some("PowBackward2"),
            (BinaryOp::Remainder, true, false) => Some("RemainderBackward0"),
            // `remainder(number, t)` has no derivative formula in PyTorch.
            (BinaryOp::Remainder, false, _) => Some(NOT_IMPLEMENTED_GRAD),
            (BinaryOp::Fmod, true, false) => Some("FmodBackward0"),
            (BinaryOp::Xlogy, false, _) => Some("XlogyBackward1"),
            (BinaryOp::Xlogy, true, false) => Some("XlogyBackward2"),
            (BinaryOp::SpecialXlog1py, false, _) => Some("SpecialXlog1PyBackward1"),
            (BinaryOp::SpecialXlog1py, true, false) => Some("SpecialXlog1PyBackward2"),
            (BinaryOp::SpecialZeta, false, _) => Some("SpecialZetaBackward1"),
            (BinaryOp::SpecialZeta, true, false) => Some("SpecialZetaBackward2"),
            (BinaryOp::Copysign, true, false) => Some("CopysignBackward1"),
            _ => self.grad_fn(),
        }
    }

    /// The ATen op named in the backward error of a `NOT_IMPLEMENTED_GRAD` node.
    pub fn aten_name(self) -> &'static str {
        match self {
            BinaryOp::DivFloor => "floor_divide",
            _ => self.name(),
        }
    }

    /// (dtype the kernel computes in, dtype of the result) for inputs promoting to `common`.
    /// Dtypes are checked before anything looks at the values (an integer division by zero
    /// of bool operands is the dtype error, as in PyTorch).
    pub fn dtypes(self, common: DType) -> Result<(DType, DType)> {
        use BinaryOp::*;
        if common == DType::Bool {
            // PyTorch's CPU kernel names, in its NotImplementedError for bool operands.
            let kernel = match self {
                DivTrunc => Some("div_trunc_cpu"),
                DivFloor => Some("div_floor_cpu"),
                Remainder => Some("remainder_cpu"),
                Fmod => Some("fmod_cpu"),
                Pow => Some("pow"),
                Sub => return Err(Error::Runtime(SUB_BOOLS.into())),
                Add | Mul | Div | Atan2 | Minimum | Maximum | Eq | Ne | Lt | Le | Gt | Ge
                | LogicalAnd | LogicalOr | LogicalXor | BitAnd | BitOr | BitXor | Logaddexp
                | Logaddexp2 | Hypot | Nextafter | Copysign | Fmax | Fmin | Heaviside | Ldexp
                | Xlogy | SpecialXlog1py | SpecialZeta => None,
            };
            if let Some(kernel) = kernel {
                return Err(not_implemented_for(kernel, common));
            }
        }
        match self.kind() {
            BinaryKind::Logical => Ok((DType::Bool, DType::Bool)),
            BinaryKind::Comparison => Ok((compute_dtype(common), DType::Bool)),
            BinaryKind::FloatOnly if !common.is_float() => {
                Err(not_implemented_for(&format!("{}_cpu", self.name()), common))
            }
            BinaryKind::FloatArith if !common.is_float() => {
                Ok((compute_dtype(default_float()), default_float()))
            }
            BinaryKind::Bitwise if common.is_float() => {
                Err(not_implemented_for(&format!("{}_cpu", self.name()), common))
            }
            _ => Ok((compute_dtype(common), common)),
        }
    }

    /// PyTorch's `sub_check` for one bool operand (two are refused by `dtypes`): checked on
    /// the operands, since `int - bool` promotes to int.
    pub fn check_operands(self, a: &Operand, b: &Operand) -> Result<()> {
        if self == BinaryOp::Sub && (a.dtype() == DType::Bool || b.dtype() == DType::Bool) {
            return Err(Error::Runtime(SUB_BOOL.into()));
        }
        if self == BinaryOp::Heaviside && a.dtype() != b.dtype() {
            return Err(Error::Runtime(HEAVISIDE_DTYPES.into()));
        }
        Ok(())
    }
}

/// PyTorch's NotImplementedError for a dtype a kernel was not built for (its
/// `AT_DISPATCH` message).
pub fn not_implemented_for(kernel: &str, d: DType) -> Error {
    Error::NotImplemented(format!(
        "\"{}\" not implemented for '{}'",
        kernel,
        type_title(d)
    ))
}

/// PyTorch's C++ type names, used in its "not implemented for 'Float'" messages.
pub fn type_title(d: DType) -> &'static str {
    match d {
        DType::Bool => "Bool",
        DType::U8 => "Byte",
        DType::I8 => "Char",
        DType::I16 => "Short",
        DType::I32 => "Int",
        DType::I64 => "Long",
        DType::F16 => "Half",
        DType::BF16 => "BFloat16",
        DType::F32 => "Float",
        DType::F64 => "Double",
        DType::C64 => "ComplexFloat",
        DType::C128 => "ComplexDouble",
    }
}

/// Half types are computed in float32 and rounded back.
pub fn compute_dtype(d: DType) -> DType {
    match d {
        DType::F16 | DType::BF16 => DType::F32,
        _ => d,
    }
}

/// PyTorch's `canCast`: no float into int, no int/float into bool.
pub fn can_cast(from: DType, to: DType) -> bool {
    from.category() <= to.category()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &op in UnaryOp::ALL {
            assert_eq!(UnaryOp::from_name(op.name()), Some(op));
        }
        for &op in BinaryOp::ALL {
            assert_eq!(BinaryOp::from_name(op.name()), Some(op));
        }
    }
}

/// Dtype a binary op's result has for these operands.
pub fn result_type(a: &Operand, b: &Operand) -> DType {
    b.promote_into(a.promote_into(ResultType::default()))
        .result()
}

/// How a unary op runs on one input dtype, decided once by `ops::elementwise::unary_plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryKernel {
    /// The float kernel: the input is read as `compute` (float32 or float64).
    Float,
    /// The integer kernel, in the input's dtype.
    Int,
    /// A bool result from a predicate of the input as it is.
    Predicate,
    /// `~` of a bool tensor.
    BoolNot,
    /// The op is the identity on this dtype (`floor` of an int, `abs` of a bool): a copy.
    Copy,
}

#[derive(Clone, Copy, Debug)]
pub struct UnaryPlan {
    pub op: UnaryOp,
    pub kernel: UnaryKernel,
    /// Dtype the kernel reads and writes.
    pub compute: DType,
    /// Dtype of the result (the kernel's output is cast to it when they differ).
    pub out: DType,
}

/// A binary op resolved for its operands: operands are read as `compute`, the kernel writes
/// `store` (bool for comparisons and logical ops), and the result is `out`.
#[derive(Clone, Debug)]
pub struct BinaryPlan {
    pub op: BinaryOp,
    pub compute: DType,
    pub store: DType,
    pub out: DType,
    pub shape: crate::shape::Dims,
}
