//! Elementwise ops with broadcasting: one table of unary and binary ops, each reached from the
//! function, the method, the operator and the in-place form. Kernels take strides; half types
//! compute in float32 and round per op, as PyTorch does.

use crate::backend::cpu::iter::{par_flat, par_runs};
use crate::backend::cpu::vecmath::{self, VecFn};
use crate::dtype::{Category, DType, Element, ResultType, Scalar};
use crate::error::{Error, Result};
use crate::ops::default_float;
use crate::ops::math::{FloatMath, IntMath};

use crate::backend::gpu;
use crate::shape::broadcast_shapes;
use crate::tensor::{Tensor, copy_into, try_copy_into};
use std::sync::atomic::{AtomicBool, Ordering};

/// An op argument: a tensor or a Python number.
#[derive(Clone)]
pub enum Operand {
    Tensor(Tensor),
    Scalar(Scalar),
}

impl Operand {
    fn promote_into(&self, r: ResultType) -> ResultType {
        match self {
            Operand::Tensor(t) => r.tensor(t.dtype(), t.ndim()),
            Operand::Scalar(s) => r.scalar(*s, default_float()),
        }
    }
    fn shape(&self) -> &[usize] {
        match self {
            Operand::Tensor(t) => t.shape(),
            Operand::Scalar(_) => &[],
        }
    }
    /// The operand as a tensor of `dtype` (numbers become 0-d tensors).
    /// The operand as a tensor of `dtype` (a GPU tensor is cast on its device, which can fail).
    pub fn as_tensor(&self, dtype: DType) -> Result<Tensor> {
        match self {
            Operand::Tensor(t) => t.try_to_dtype(dtype),
            Operand::Scalar(s) => Ok(Tensor::scalar_tensor(*s, dtype)),
        }
    }
}

impl From<&Tensor> for Operand {
    fn from(t: &Tensor) -> Self {
        Operand::Tensor(t.clone())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    DivTrunc,
    DivFloor,
    Remainder,
    Fmod,
    Pow,
    Atan2,
    Minimum,
    Maximum,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LogicalAnd,
    LogicalOr,
    LogicalXor,
    BitAnd,
    BitOr,
    BitXor,
}

impl BinaryOp {
    pub fn name(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            DivTrunc => "div_trunc",
            DivFloor => "floor_divide",
            Remainder => "remainder",
            Fmod => "fmod",
            Pow => "pow",
            Atan2 => "atan2",
            Minimum => "minimum",
            Maximum => "maximum",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
            LogicalAnd => "logical_and",
            LogicalOr => "logical_or",
            LogicalXor => "logical_xor",
            BitAnd => "bitwise_and",
            BitOr => "bitwise_or",
            BitXor => "bitwise_xor",
        }
    }

    pub(crate) fn is_comparison(self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge)
    }

    pub(crate) fn is_logical(self) -> bool {
        use BinaryOp::*;
        matches!(self, LogicalAnd | LogicalOr | LogicalXor)
    }

    /// (dtype the kernel computes in, dtype of the result) for inputs promoting to `common`.
    pub(crate) fn dtypes(self, common: DType) -> Result<(DType, DType)> {
        use BinaryOp::*;
        if self.is_logical() {
            return Ok((DType::Bool, DType::Bool));
        }
        if self.is_comparison() {
            return Ok((compute_dtype(common), DType::Bool));
        }
        match self {
            Div | Atan2 if !common.is_float() => Ok((compute_dtype(default_float()), default_float())),
            Sub if common == DType::Bool => Err(Error::Runtime(
                "Subtraction, the `-` operator, with two bool tensors is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.".into(),
            )),
            BitAnd | BitOr | BitXor if common.is_float() => Err(Error::Runtime(format!(
                "\"{}_cpu\" not implemented for '{}'",
                self.name(),
                type_title(common)
            ))),
            _ => Ok((compute_dtype(common), common)),
        }
    }
}

/// Dtype of `op`'s result for inputs promoting to `common` (errors for unsupported dtypes).
pub fn binary_result_dtype(op: BinaryOp, common: DType) -> Result<DType> {
    Ok(op.dtypes(common)?.1)
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
    }
}

/// Half types are computed in float32 and rounded back.
pub fn compute_dtype(d: DType) -> DType {
    match d {
        DType::F16 | DType::BF16 => DType::F32,
        _ => d,
    }
}

/// Dtype a binary op's result has for these operands.
pub fn result_type(a: &Operand, b: &Operand) -> DType {
    b.promote_into(a.promote_into(ResultType::default()))
        .result()
}

/// `a op b` with broadcasting and type promotion, into a new tensor.
pub fn binary(op: BinaryOp, a: &Operand, b: &Operand) -> Result<Tensor> {
    if gpu::ops::any_gpu(&[a, b]) {
        return gpu::ops::binary(op, a, b);
    }
    // Fast path for the common `x + y`: two tensors of one dtype and one shape whose op
    // computes in that dtype, so there is nothing to promote, broadcast or convert.
    if let (Operand::Tensor(x), Operand::Tensor(y)) = (a, b) {
        let d = x.dtype();
        if d == y.dtype() && x.shape() == y.shape() && !op.is_comparison() && !op.is_logical() {
            if let Ok((compute, out_dtype)) = op.dtypes(d) {
                if compute == d && out_dtype == d {
                    let out = crate::ops::create::try_zeros(x.shape(), d)?;
                    run_binary(op, x, y, &out)?;
                    return Ok(out);
                }
            }
        }
    }
    let common = result_type(a, b);
    let (compute, out_dtype) = op.dtypes(common)?;
    check_int_pow(op, a, b)?;
    let shape = broadcast_shapes(a.shape(), b.shape())?;
    let ta = a.as_tensor(compute)?;
    let tb = b.as_tensor(compute)?;
    let out_compute = if op.is_comparison() || op.is_logical() {
        DType::Bool
    } else {
        compute
    };
    let out = crate::ops::create::try_zeros(&shape, out_compute)?;
    run_binary(op, &ta, &tb, &out)?;
    Ok(out.try_to_dtype(out_dtype)?)
}

/// PyTorch's `pow(Tensor, Scalar)` check: an integer (or bool) tensor to a negative Python
/// int is an error (a tensor exponent is not checked: those elements become 0).
pub(crate) fn check_int_pow(op: BinaryOp, a: &Operand, b: &Operand) -> Result<()> {
    if let (BinaryOp::Pow, Operand::Tensor(t), Operand::Scalar(Scalar::Int(e))) = (op, a, b) {
        if *e < 0 && !t.dtype().is_float() {
            return Err(Error::Runtime(
                "Integers to negative integer powers are not allowed.".into(),
            ));
        }
    }
    Ok(())
}

/// PyTorch's `assert_no_internal_overlap`: a target with several elements at one memory
/// location (a stride-0 dim of size > 1, as `expand` makes) cannot be written in place.
pub fn check_no_internal_overlap(t: &Tensor) -> Result<()> {
    if t.shape()
        .iter()
        .zip(t.strides())
        .any(|(&n, &s)| n > 1 && s == 0)
    {
        return Err(Error::Runtime(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.".into(),
        ));
    }
    Ok(())
}

/// In-place `a op= b`: the result must be castable to `a`'s dtype, and `b` must broadcast to
/// `a`'s shape.
pub fn binary_(op: BinaryOp, a: &Tensor, b: &Operand) -> Result<()> {
    let common = result_type(&Operand::Tensor(a.clone()), b);
    let (_, out_dtype) = op.dtypes(common)?;
    check_no_internal_overlap(a)?;
    if !can_cast(out_dtype, a.dtype()) {
        return Err(Error::Runtime(format!(
            "result type {} can't be cast to the desired output type {}",
            type_title(out_dtype),
            type_title(a.dtype())
        )));
    }
    let shape = broadcast_shapes(a.shape(), b.shape())?;
    if shape.as_slice() != a.shape() {
        return Err(Error::Runtime(format!(
            "output with shape {:?} doesn't match the broadcast shape {:?}",
            a.shape(),
            shape.as_slice()
        )));
    }
    let r = binary(op, &Operand::Tensor(a.clone()), b)?;
    try_copy_into(a, &r)?;
    a.storage().bump_version();
    Ok(())
}

/// PyTorch's `canCast`: no float into int, no int/float into bool.
pub fn can_cast(from: DType, to: DType) -> bool {
    !(from.category() > to.category())
}

fn run_binary(op: BinaryOp, a: &Tensor, b: &Tensor, out: &Tensor) -> Result<()> {
    use BinaryOp::*;
    let d = a.dtype();
    macro_rules! float_ops {
        ($T:ty) => {{
            match op {
                Add => zip::<$T, $T>(a, b, out, |x, y| x + y),
                Sub => zip::<$T, $T>(a, b, out, |x, y| x - y),
                Mul => zip::<$T, $T>(a, b, out, |x, y| x * y),
                Div => zip::<$T, $T>(a, b, out, |x, y| x / y),
                DivTrunc => zip::<$T, $T>(a, b, out, |x, y| (x / y).trunc()),
                DivFloor => zip::<$T, $T>(a, b, out, |x, y| x.floor_div(y)),
                Remainder => zip::<$T, $T>(a, b, out, |x, y| x.py_rem(y)),
                Fmod => zip::<$T, $T>(a, b, out, |x, y| x % y),
                Pow => zip::<$T, $T>(a, b, out, |x, y| x.powf(y)),
                Atan2 => zip::<$T, $T>(a, b, out, |x, y| x.atan2(y)),
                Minimum => zip::<$T, $T>(a, b, out, |x, y| x.nan_min(y)),
                Maximum => zip::<$T, $T>(a, b, out, |x, y| x.nan_max(y)),
                Eq => zip::<$T, bool>(a, b, out, |x, y| x == y),
                Ne => zip::<$T, bool>(a, b, out, |x, y| x != y),
                Lt => zip::<$T, bool>(a, b, out, |x, y| x < y),
                Le => zip::<$T, bool>(a, b, out, |x, y| x <= y),
                Gt => zip::<$T, bool>(a, b, out, |x, y| x > y),
                Ge => zip::<$T, bool>(a, b, out, |x, y| x >= y),
                _ => unreachable!("dtype rules exclude {}", op.name()),
            }
            Ok(())
        }};
    }
    macro_rules! int_ops {
        ($T:ty) => {{
            let div_zero = AtomicBool::new(false);
            let check = |y: $T| {
                if y == 0 {
                    div_zero.store(true, Ordering::Relaxed);
                }
            };
            match op {
                Add => zip::<$T, $T>(a, b, out, |x, y| x.wrapping_add(y)),
                Sub => zip::<$T, $T>(a, b, out, |x, y| x.wrapping_sub(y)),
                Mul => zip::<$T, $T>(a, b, out, |x, y| x.wrapping_mul(y)),
                DivTrunc => zip::<$T, $T>(a, b, out, |x, y| {
                    check(y);
                    x.checked_div(y).unwrap_or(0)
                }),
                DivFloor => zip::<$T, $T>(a, b, out, |x, y| {
                    check(y);
                    x.floor_div(y)
                }),
                Remainder => zip::<$T, $T>(a, b, out, |x, y| {
                    check(y);
                    x.py_rem(y)
                }),
                Fmod => zip::<$T, $T>(a, b, out, |x, y| {
                    check(y);
                    x.checked_rem(y).unwrap_or(0)
                }),
                Pow => zip::<$T, $T>(a, b, out, |x, y| x.int_pow(y)),
                Minimum => zip::<$T, $T>(a, b, out, |x, y| x.min(y)),
                Maximum => zip::<$T, $T>(a, b, out, |x, y| x.max(y)),
                Eq => zip::<$T, bool>(a, b, out, |x, y| x == y),
                Ne => zip::<$T, bool>(a, b, out, |x, y| x != y),
                Lt => zip::<$T, bool>(a, b, out, |x, y| x < y),
                Le => zip::<$T, bool>(a, b, out, |x, y| x <= y),
                Gt => zip::<$T, bool>(a, b, out, |x, y| x > y),
                Ge => zip::<$T, bool>(a, b, out, |x, y| x >= y),
                BitAnd => zip::<$T, $T>(a, b, out, |x, y| x & y),
                BitOr => zip::<$T, $T>(a, b, out, |x, y| x | y),
                BitXor => zip::<$T, $T>(a, b, out, |x, y| x ^ y),
                _ => unreachable!("dtype rules exclude {}", op.name()),
            }
            if div_zero.load(Ordering::Relaxed) {
                return Err(Error::Runtime("ZeroDivisionError".into()));
            }
            Ok(())
        }};
    }
    match d {
        DType::F32 => float_ops!(f32),
        DType::F64 => float_ops!(f64),
        DType::U8 => int_ops!(u8),
        DType::I8 => int_ops!(i8),
        DType::I16 => int_ops!(i16),
        DType::I32 => int_ops!(i32),
        DType::I64 => int_ops!(i64),
        DType::Bool => {
            match op {
                Add | LogicalOr | BitOr | Maximum => zip::<bool, bool>(a, b, out, |x, y| x | y),
                Mul | LogicalAnd | BitAnd | Minimum => zip::<bool, bool>(a, b, out, |x, y| x & y),
                LogicalXor | BitXor | Ne => zip::<bool, bool>(a, b, out, |x, y| x ^ y),
                Eq => zip::<bool, bool>(a, b, out, |x, y| x == y),
                Lt => zip::<bool, bool>(a, b, out, |x, y| !x & y),
                Le => zip::<bool, bool>(a, b, out, |x, y| x <= y),
                Gt => zip::<bool, bool>(a, b, out, |x, y| x & !y),
                Ge => zip::<bool, bool>(a, b, out, |x, y| x >= y),
                _ => {
                    // Arithmetic that has no bool meaning runs in int64 and casts back.
                    let r = binary(
                        op,
                        &Operand::Tensor(a.try_to_dtype(DType::I64)?),
                        &Operand::Tensor(b.try_to_dtype(DType::I64)?),
                    )?;
                    copy_into(out, &r);
                }
            }
            Ok(())
        }
        DType::F16 | DType::BF16 => unreachable!("half types compute in float32"),
    }
}

/// The binary kernel: walks `out` (contiguous) with `a` and `b` broadcast to its shape.
fn zip<T: Element, O: Element>(a: &Tensor, b: &Tensor, out: &Tensor, f: impl Fn(T, T) -> O + Sync) {
    let shape = out.shape();
    let (pa, pb, po) = (
        a.ptr::<T>() as usize,
        b.ptr::<T>() as usize,
        out.ptr::<O>() as usize,
    );
    // Same-shape contiguous operands: one flat loop (split across threads when large).
    if a.shape() == shape
        && b.shape() == shape
        && a.is_contiguous()
        && b.is_contiguous()
        && out.is_contiguous()
    {
        par_flat(out.numel(), |start, n| {
            // SAFETY: start..start+n lies inside all three buffers; `out` aliases neither input.
            unsafe {
                let dst = std::slice::from_raw_parts_mut((po as *mut O).add(start), n);
                let xa = std::slice::from_raw_parts((pa as *const T).add(start), n);
                let xb = std::slice::from_raw_parts((pb as *const T).add(start), n);
                for i in 0..n {
                    dst[i] = f(xa[i], xb[i]);
                }
            }
        });
        return;
    }
    let la = a.layout().broadcast_to(shape).expect("shapes broadcast");
    let lb = b.layout().broadcast_to(shape).expect("shapes broadcast");
    par_runs(
        shape,
        [out.strides(), &la.strides, &lb.strides],
        |o, n, s| {
            // SAFETY: the iterator yields offsets and strides inside each view; `out` is a fresh
            // buffer that aliases neither input.
            unsafe {
                let po = (po as *mut O).offset(o[0]);
                let pa = (pa as *const T).offset(o[1]);
                let pb = (pb as *const T).offset(o[2]);
                let dst = std::slice::from_raw_parts_mut(po, n);
                match (s[0], s[1], s[2]) {
                    (1, 1, 1) => {
                        let xa = std::slice::from_raw_parts(pa, n);
                        let xb = std::slice::from_raw_parts(pb, n);
                        for i in 0..n {
                            dst[i] = f(xa[i], xb[i]);
                        }
                    }
                    (1, 1, 0) => {
                        let xa = std::slice::from_raw_parts(pa, n);
                        let y = *pb;
                        for i in 0..n {
                            dst[i] = f(xa[i], y);
                        }
                    }
                    (1, 0, 1) => {
                        let x = *pa;
                        let xb = std::slice::from_raw_parts(pb, n);
                        for i in 0..n {
                            dst[i] = f(x, xb[i]);
                        }
                    }
                    (so, sa, sb) => {
                        for i in 0..n as isize {
                            *po.offset(i * so) = f(*pa.offset(i * sa), *pb.offset(i * sb));
                        }
                    }
                }
            }
        },
    );
}

/// Maps each element of `a` into the contiguous `out` of the same shape.
pub fn map<T: Element, O: Element>(a: &Tensor, out: &Tensor, f: impl Fn(T) -> O + Sync) {
    let (pa, po) = (a.ptr::<T>() as usize, out.ptr::<O>() as usize);
    if a.is_contiguous() && out.is_contiguous() && a.shape() == out.shape() {
        par_flat(out.numel(), |start, n| {
            // SAFETY: start..start+n lies inside both buffers; `out` is fresh.
            unsafe {
                let dst = std::slice::from_raw_parts_mut((po as *mut O).add(start), n);
                let src = std::slice::from_raw_parts((pa as *const T).add(start), n);
                for i in 0..n {
                    dst[i] = f(src[i]);
                }
            }
        });
        return;
    }
    par_runs(out.shape(), [out.strides(), a.strides()], |o, n, s| {
        // SAFETY: offsets inside both views; `out` is fresh.
        unsafe {
            let po = (po as *mut O).offset(o[0]);
            let pa = (pa as *const T).offset(o[1]);
            if s == [1, 1] {
                let dst = std::slice::from_raw_parts_mut(po, n);
                let src = std::slice::from_raw_parts(pa, n);
                for i in 0..n {
                    dst[i] = f(src[i]);
                }
            } else {
                for i in 0..n as isize {
                    *po.offset(i * s[0]) = f(*pa.offset(i * s[1]));
                }
            }
        }
    });
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Abs,
    Sign,
    Exp,
    Exp2,
    Expm1,
    Log,
    Log2,
    Log10,
    Log1p,
    Sqrt,
    Rsqrt,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Sigmoid,
    Relu,
    Floor,
    Ceil,
    Round,
    Trunc,
    Frac,
    Reciprocal,
    Square,
    LogicalNot,
    BitwiseNot,
    IsNan,
    IsInf,
    IsFinite,
}

impl UnaryOp {
    pub fn name(self) -> &'static str {
        use UnaryOp::*;
        match self {
            Neg => "neg",
            Abs => "abs",
            Sign => "sign",
            Exp => "exp",
            Exp2 => "exp2",
            Expm1 => "expm1",
            Log => "log",
            Log2 => "log2",
            Log10 => "log10",
            Log1p => "log1p",
            Sqrt => "sqrt",
            Rsqrt => "rsqrt",
            Sin => "sin",
            Cos => "cos",
            Tan => "tan",
            Asin => "asin",
            Acos => "acos",
            Atan => "atan",
            Sinh => "sinh",
            Cosh => "cosh",
            Tanh => "tanh",
            Sigmoid => "sigmoid",
            Relu => "relu",
            Floor => "floor",
            Ceil => "ceil",
            Round => "round",
            Trunc => "trunc",
            Frac => "frac",
            Reciprocal => "reciprocal",
            Square => "square",
            LogicalNot => "logical_not",
            BitwiseNot => "bitwise_not",
            IsNan => "isnan",
            IsInf => "isinf",
            IsFinite => "isfinite",
        }
    }

    /// Ops defined on integers that keep the integer dtype.
    pub(crate) fn keeps_int(self) -> bool {
        use UnaryOp::*;
        matches!(
            self,
            Neg | Abs | Sign | Relu | Floor | Ceil | Round | Trunc | Square | BitwiseNot
        )
    }

    pub(crate) fn to_bool(self) -> bool {
        matches!(
            self,
            UnaryOp::LogicalNot | UnaryOp::IsNan | UnaryOp::IsInf | UnaryOp::IsFinite
        )
    }
}

pub fn unary(op: UnaryOp, a: &Tensor) -> Result<Tensor> {
    if a.is_gpu() {
        return gpu::ops::unary(op, a);
    }
    use UnaryOp::*;
    let d = a.dtype();
    if op.to_bool() {
        let out = Tensor::zeros(a.shape(), DType::Bool);
        match (op, d.category()) {
            (LogicalNot, _) => map::<bool, bool>(&a.try_to_dtype(DType::Bool)?, &out, |x| !x),
            (IsFinite, Category::Float) => float_pred(a, &out, |x| x.is_finite()),
            (IsNan, Category::Float) => float_pred(a, &out, |x| x.is_nan()),
            (IsInf, Category::Float) => float_pred(a, &out, |x| x.is_infinite()),
            (IsFinite, _) => crate::tensor::fill(&out, Scalar::Bool(true)),
            _ => {} // integers are never nan or inf
        }
        return Ok(out);
    }
    if d == DType::Bool {
        return match op {
            BitwiseNot => {
                let out = Tensor::zeros(a.shape(), DType::Bool);
                map::<bool, bool>(a, &out, |x| !x);
                Ok(out)
            }
            Neg => Err(Error::Runtime(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.".into(),
            )),
            Abs | Relu | Floor | Ceil | Round | Trunc => Ok(a.try_to_dtype_copy(DType::Bool)?),
            Sign | Square => Ok(a.try_to_dtype_copy(DType::Bool)?),
            _ => unary(op, &a.try_to_dtype(default_float())?),
        };
    }
    if d.is_int() {
        if !op.keeps_int() {
            return unary(op, &a.try_to_dtype(default_float())?);
        }
        let out = Tensor::zeros(a.shape(), d);
        macro_rules! int_unary {
            ($T:ty) => {
                match op {
                    Neg => map::<$T, $T>(a, &out, |x| x.wrapping_neg()),
                    Abs => map::<$T, $T>(a, &out, |x| x.int_abs()),
                    Sign => map::<$T, $T>(a, &out, |x| x.int_sign()),
                    Relu => map::<$T, $T>(a, &out, |x| if x > 0 { x } else { 0 }),
                    Square => map::<$T, $T>(a, &out, |x| x.wrapping_mul(x)),
                    BitwiseNot => map::<$T, $T>(a, &out, |x| !x),
                    _ => map::<$T, $T>(a, &out, |x| x), // rounding is the identity on integers
                }
            };
        }
        match d {
            DType::U8 => int_unary!(u8),
            DType::I8 => int_unary!(i8),
            DType::I16 => int_unary!(i16),
            DType::I32 => int_unary!(i32),
            DType::I64 => int_unary!(i64),
            _ => unreachable!(),
        }
        return Ok(out);
    }
    if op == BitwiseNot {
        return Err(Error::Runtime(format!(
            "\"bitwise_not_cpu\" not implemented for '{}'",
            type_title(d)
        )));
    }
    let compute = compute_dtype(d);
    let src = a.try_to_dtype(compute)?;
    let out = Tensor::zeros(a.shape(), compute);
    match compute {
        DType::F32 => float_unary::<f32>(op, &src, &out),
        DType::F64 => float_unary::<f64>(op, &src, &out),
        _ => unreachable!(),
    }
    Ok(out.try_to_dtype(d)?)
}

fn float_pred(a: &Tensor, out: &Tensor, f: impl Fn(f64) -> bool + Sync) {
    match a.dtype() {
        DType::F32 => map::<f32, bool>(a, out, |x| f(x as f64)),
        DType::F64 => map::<f64, bool>(a, out, f),
        _ => map::<f32, bool>(&a.to_dtype(DType::F32), out, |x| f(x as f64)),
    }
}

fn float_unary<T: FloatMath>(op: UnaryOp, a: &Tensor, out: &Tensor) {
    use UnaryOp::*;
    if T::DTYPE == DType::F32 {
        let vf = match op {
            Exp => Some(VecFn::Exp),
            Log => Some(VecFn::Log),
            Tanh => Some(VecFn::Tanh),
            Sigmoid => Some(VecFn::Sigmoid),
            _ => None,
        };
        if let Some(f) = vf {
            map_vec(f, a, out);
            return;
        }
    }
    match op {
        Neg => map::<T, T>(a, out, |x| -x),
        Abs => map::<T, T>(a, out, |x| x.abs()),
        Sign => map::<T, T>(a, out, |x| x.sign0()),
        Exp => map::<T, T>(a, out, |x| x.exp()),
        Exp2 => map::<T, T>(a, out, |x| x.exp2()),
        Expm1 => map::<T, T>(a, out, |x| x.exp_m1()),
        Log => map::<T, T>(a, out, |x| x.ln()),
        Log2 => map::<T, T>(a, out, |x| x.log2()),
        Log10 => map::<T, T>(a, out, |x| x.log10()),
        Log1p => map::<T, T>(a, out, |x| x.ln_1p()),
        Sqrt => map::<T, T>(a, out, |x| x.sqrt()),
        Rsqrt => map::<T, T>(a, out, |x| T::one() / x.sqrt()),
        Sin => map::<T, T>(a, out, |x| x.sin()),
        Cos => map::<T, T>(a, out, |x| x.cos()),
        Tan => map::<T, T>(a, out, |x| x.tan()),
        Asin => map::<T, T>(a, out, |x| x.asin()),
        Acos => map::<T, T>(a, out, |x| x.acos()),
        Atan => map::<T, T>(a, out, |x| x.atan()),
        Sinh => map::<T, T>(a, out, |x| x.sinh()),
        Cosh => map::<T, T>(a, out, |x| x.cosh()),
        Tanh => map::<T, T>(a, out, |x| x.tanh()),
        Sigmoid => map::<T, T>(a, out, |x| x.sigmoid()),
        Relu => map::<T, T>(a, out, |x| {
            if x > T::zero() || x.is_nan() {
                x
            } else {
                T::zero()
            }
        }),
        Floor => map::<T, T>(a, out, |x| x.floor()),
        Ceil => map::<T, T>(a, out, |x| x.ceil()),
        Round => map::<T, T>(a, out, |x| x.round_ties_even()),
        Trunc => map::<T, T>(a, out, |x| x.trunc()),
        Frac => map::<T, T>(a, out, |x| x - x.trunc()),
        Reciprocal => map::<T, T>(a, out, |x| T::one() / x),
        Square => map::<T, T>(a, out, |x| x * x),
        LogicalNot | BitwiseNot | IsNan | IsInf | IsFinite => unreachable!(),
    }
}

/// float32 `out = f(a)` with the SIMD kernels of `vecmath` (contiguous runs vectorise).
fn map_vec(f: VecFn, a: &Tensor, out: &Tensor) {
    let (pa, po) = (a.ptr::<f32>() as usize, out.ptr::<f32>() as usize);
    if a.is_contiguous() && out.is_contiguous() && a.shape() == out.shape() {
        par_flat(out.numel(), |start, n| {
            // SAFETY: start..start+n lies inside both buffers; `out` is fresh.
            unsafe {
                vecmath::run(
                    f,
                    (pa as *const f32).add(start),
                    1,
                    (po as *mut f32).add(start),
                    1,
                    n,
                )
            }
        });
        return;
    }
    par_runs(out.shape(), [out.strides(), a.strides()], |o, n, s| {
        // SAFETY: the iterator yields runs inside both views; `out` is fresh.
        unsafe {
            vecmath::run(
                f,
                (pa as *const f32).offset(o[1]),
                s[1],
                (po as *mut f32).offset(o[0]),
                s[0],
                n,
            )
        }
    });
}

/// In-place unary op (`exp_`, `neg_`...): the result must keep the tensor's dtype.
pub fn unary_(op: UnaryOp, a: &Tensor) -> Result<()> {
    check_no_internal_overlap(a)?;
    let r = unary(op, a)?;
    if !can_cast(r.dtype(), a.dtype()) {
        return Err(Error::Runtime(format!(
            "result type {} can't be cast to the desired output type {}",
            type_title(r.dtype()),
            type_title(a.dtype())
        )));
    }
    try_copy_into(a, &r)?;
    a.storage().bump_version();
    Ok(())
}

/// `clamp(min, max)`; either bound may be absent. Integer tensors with float bounds promote.
pub fn clamp(a: &Tensor, min: Option<&Operand>, max: Option<&Operand>) -> Result<Tensor> {
    if min.is_none() && max.is_none() {
        return Err(Error::Runtime(
            "torch.clamp: At least one of 'min' or 'max' must not be None".into(),
        ));
    }
    let mut r = a.clone();
    if let Some(lo) = min {
        r = binary(BinaryOp::Maximum, &Operand::Tensor(r), lo)?;
        // NaN bounds propagate in PyTorch; maximum already does.
    }
    if let Some(hi) = max {
        r = binary(BinaryOp::Minimum, &Operand::Tensor(r), hi)?;
    }
    Ok(r)
}

/// `where(cond, a, b)`.
pub fn where_(cond: &Tensor, a: &Operand, b: &Operand) -> Result<Tensor> {
    if cond.dtype() != DType::Bool && cond.dtype() != DType::U8 {
        return Err(Error::Runtime(format!(
            "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
            type_title(cond.dtype())
        )));
    }
    if cond.is_gpu() || gpu::ops::any_gpu(&[a, b]) {
        return gpu::ops::where_(cond, a, b);
    }
    let dtype = result_type(a, b);
    let shape = broadcast_shapes(&broadcast_shapes(cond.shape(), a.shape())?, b.shape())?;
    let ta = a.as_tensor(dtype)?;
    let tb = b.as_tensor(dtype)?;
    let c = cond.try_to_dtype(DType::Bool)?;
    let out = Tensor::zeros(&shape, dtype);
    let lc = c.layout().broadcast_to(&shape)?;
    let la = ta.layout().broadcast_to(&shape)?;
    let lb = tb.layout().broadcast_to(&shape)?;
    crate::dispatch!(dtype, T => {
        let (pc, pa, pb, po) = (c.ptr::<bool>() as usize, ta.ptr::<T>() as usize, tb.ptr::<T>() as usize, out.ptr::<T>() as usize);
        par_runs(&shape, [out.strides(), &lc.strides, &la.strides, &lb.strides], |o, n, s| {
            // SAFETY: offsets inside each view; `out` is fresh.
            unsafe {
                for i in 0..n as isize {
                    let v = if *(pc as *const bool).offset(o[1] + i * s[1]) {
                        *(pa as *const T).offset(o[2] + i * s[2])
                    } else {
                        *(pb as *const T).offset(o[3] + i * s[3])
                    };
                    *(po as *mut T).offset(o[0] + i * s[0]) = v;
                }
            }
        });
    });
    Ok(out)
}
