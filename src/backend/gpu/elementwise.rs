//! GPU elementwise kernels: each registered op's WGSL expression (one exhaustive match per
//! operand class), run by the strided map of `shaders/elementwise.wgsl`. Plans come resolved
//! from `ops::elementwise`; operands convert to the compute type as they load, so no converted
//! copies are made.

use super::kernels::{Src, map};
use super::ops::{cast, contiguous_copy};
use super::shaders::{Input, MapSpec, Ty};
use super::{check_dtype, empty, not_implemented, same_device};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::spec::elementwise::{BinaryOp, BinaryPlan, Operand, UnaryKernel, UnaryOp, UnaryPlan};
use crate::tensor::Tensor;

/// WGSL for `a op b` on values of type `t`, and the type of the result; `None` where the op
/// has no kernel for `t` (the plan never asks for it).
fn binary_expr(op: BinaryOp, t: Ty) -> Option<(&'static str, Ty)> {
    use BinaryOp::*;
    let float = t == Ty::F32;
    let cmp = |s| Some((s, Ty::Bool));
    if t == Ty::Bool {
        return Some((
            match op {
                Add | LogicalOr | BitOr | Maximum => "a || b",
                Mul | LogicalAnd | BitAnd | Minimum => "a && b",
                LogicalXor | BitXor | Ne => "a != b",
                Eq => "a == b",
                Lt => "!a && b",
                Le => "!a || b",
                Gt => "a && !b",
                Ge => "a || !b",
                // heaviside(x, v): v where x is false, true where x is.
                Fmax | Heaviside => "a || b",
                Fmin => "a && b",
                Sub | Div | DivTrunc | DivFloor | Remainder | Fmod | Pow | Atan2 | Logaddexp
                | Logaddexp2 | Hypot | Nextafter | Copysign | Ldexp | Xlogy | SpecialXlog1py
                | SpecialZeta => return None,
            },
            Ty::Bool,
        ));
    }
    if float {
        let e = match op {
            Eq => return cmp("eq_f(a, b)"),
            Ne => return cmp("ne_f(a, b)"),
            Lt => return cmp("lt_f(a, b)"),
            Le => return cmp("le_f(a, b)"),
            Gt => return cmp("lt_f(b, a)"),
            Ge => return cmp("le_f(b, a)"),
            Add => "keep_nan2(a, b, a + b)",
            Sub => "keep_nan2(a, b, a - b)",
            Mul => "keep_nan2(a, b, a * b)",
            Div => "keep_nan2(a, b, a / b)",
            DivTrunc => "keep_nan2(a, b, trunc(a / b))",
            DivFloor => "floor_div_f(a, b)",
            Remainder => "py_rem_f(a, b)",
            Fmod => "fmod_f(a, b)",
            Pow => "pow_f(a, b)",
            Atan2 => "atan2_f(a, b)",
            Maximum => "max_f(a, b)",
            Minimum => "min_f(a, b)",
            Logaddexp => "sp_logaddexp(a, b)",
            Logaddexp2 => "sp_logaddexp2(a, b)",
            Hypot => "sp_hypot(a, b)",
            Nextafter => "sp_nextafter(a, b)",
            Copysign => "copysign_f(a, b)",
            Fmax => "sp_fmax(a, b)",
            Fmin => "sp_fmin(a, b)",
            Heaviside => "sp_heaviside(a, b)",
            Ldexp => "keep_nan2(a, b, a * exp2_f(b))",
            Xlogy => "sp_xlogy(a, b)",
            SpecialXlog1py => "sp_xlog1py(a, b)",
            SpecialZeta => "sp_zeta(a, b)",
            BitAnd | BitOr | BitXor | LogicalAnd | LogicalOr | LogicalXor => return None,
        };
        return Some((e, t));
    }
    let e = match op {
        Eq => return cmp("a == b"),
        Ne => return cmp("a != b"),
        Lt => return cmp("a < b"),
        Le => return cmp("a <= b"),
        Gt => return cmp("a > b"),
        Ge => return cmp("a >= b"),
        Add => "a + b",
        Sub => "a - b",
        Mul => "a * b",
        DivTrunc => "select(a / b, 0, b == 0)",
        DivFloor => "floor_div_i(a, b)",
        Remainder => "py_rem_i(a, b)",
        Fmod => "select(a % b, 0, b == 0)",
        Pow => "pow_i(a, b)",
        Maximum => "max(a, b)",
        Minimum => "min(a, b)",
        BitAnd => "a & b",
        BitOr => "a | b",
        BitXor => "a ^ b",
        Fmax => "max(a, b)",
        Fmin => "min(a, b)",
        Heaviside => "select(select(0, 1, a > 0), b, a == 0)",
        Div | Atan2 | LogicalAnd | LogicalOr | LogicalXor | Logaddexp | Logaddexp2 | Hypot
        | Nextafter | Copysign | Ldexp | Xlogy | SpecialXlog1py | SpecialZeta => return None,
    };
    Some((e, t))
}

/// WGSL of the float kernel of a unary op (`None`: the op has no float kernel).
fn float_expr(op: UnaryOp) -> Option<&'static str> {
    use UnaryOp::*;
    // Every arm keeps NaN (`keep_nan`, or a helper of shaders/math.wgsl that does) except
    // sign, which is 0 for NaN as in PyTorch.
    Some(match op {
        Neg => "-a",
        Abs => "keep_nan(a, abs(a))",
        Sign => "sign_f(a)",
        Exp => "keep_nan(a, exp_f(a))",
        Exp2 => "keep_nan(a, exp2_f(a))",
        Expm1 => "keep_nan(a, expm1_f(a))",
        Log => "keep_nan(a, log_f(a))",
        Log2 => "keep_nan(a, log2_f(a))",
        Log10 => "keep_nan(a, log2_f(a) * 0.30102999566398120)",
        Log1p => "keep_nan(a, log1p_f(a))",
        Sqrt => "keep_nan(a, sqrt_f(a))",
        Rsqrt => "keep_nan(a, rsqrt_f(a))",
        Sin => "keep_nan(a, sin_f(a))",
        Cos => "keep_nan(a, cos_f(a))",
        Tan => "keep_nan(a, tan_f(a))",
        Asin => "asin_f(a)",
        Acos => "acos_f(a)",
        Atan => "atan_f(a)",
        Asinh => "keep_nan(a, asinh_f(a))",
        Acosh => "keep_nan(a, acosh_f(a))",
        Atanh => "keep_nan(a, atanh_f(a))",
        Sinh => "keep_nan(a, sinh_f(a))",
        Cosh => "keep_nan(a, cosh_f(a))",
        Tanh => "keep_nan(a, tanh_f(a))",
        Sigmoid => "keep_nan(a, sigmoid_f(a))",
        Relu => "keep_nan(a, select(0.0, a, a > 0.0))",
        Floor => "keep_nan(a, floor(a))",
        Ceil => "keep_nan(a, ceil(a))",
        Round => "keep_nan(a, round(a))",
        Trunc => "keep_nan(a, trunc(a))",
        // inf - trunc(inf) is NaN, as in PyTorch.
        Frac => "select(keep_nan(a, a - trunc(a)), nan_f(), is_inf_f(a))",
        Reciprocal => "keep_nan(a, reciprocal_f(a))",
        Square => "keep_nan(a, a * a)",
        // shaders/special.wgsl (each keeps NaN).
        Lgamma => "sp_lgamma(a)",
        Digamma => "sp_digamma(a)",
        Erfinv => "sp_erfinv(a)",
        Erfc => "sp_erfc(a)",
        I0 => "sp_i0(a)",
        Sinc => "sp_sinc(a)",
        Logit => "sp_logit(a)",
        SpecialI0e => "sp_i0e(a)",
        SpecialI1 => "sp_i1(a)",
        SpecialI1e => "sp_i1e(a)",
        SpecialNdtri => "sp_ndtri(a)",
        SpecialLogNdtr => "sp_log_ndtr(a)",
        SpecialErfcx => "sp_erfcx(a)",
        SpecialEntr => "sp_entr(a)",
        LogicalNot | BitwiseNot | IsNan | IsInf | IsFinite => return None,
    })
}

/// WGSL of the int32 kernel of a unary op.
fn int_expr(op: UnaryOp) -> Option<&'static str> {
    use UnaryOp::*;
    Some(match op {
        Neg => "-a",
        Abs => "abs(a)",
        Sign => "sign(a)",
        Relu => "max(a, 0)",
        Square => "a * a",
        BitwiseNot => "~a",
        // Rounding is the identity on integers.
        Floor | Ceil | Round | Trunc => "a",
        Exp | Exp2 | Expm1 | Log | Log2 | Log10 | Log1p | Sqrt | Rsqrt | Sin | Cos | Tan | Asin
        | Acos | Atan | Asinh | Acosh | Atanh | Sinh | Cosh | Tanh | Sigmoid | Frac
        | Reciprocal | LogicalNot | IsNan | IsInf | IsFinite | Lgamma | Digamma | Erfinv | Erfc
        | I0 | Sinc | Logit | SpecialI0e | SpecialI1 | SpecialI1e | SpecialNdtri
        | SpecialLogNdtr | SpecialErfcx | SpecialEntr => {
            return None;
        }
    })
}

/// (type the input is read as, WGSL) of a predicate on a float (`float`) or integer input.
fn predicate_expr(op: UnaryOp, float: bool) -> Option<(Ty, &'static str)> {
    use UnaryOp::*;
    Some(match op {
        LogicalNot => (Ty::Bool, "!a"),
        // Bit tests: drivers may fold float comparisons with NaN.
        IsNan if float => (Ty::F32, "is_nan_f(a)"),
        IsInf if float => (Ty::F32, "is_inf_f(a)"),
        IsFinite if float => (Ty::F32, "is_finite_f(a)"),
        IsFinite => (Ty::I32, "true"),
        // Integers are never nan or inf.
        IsNan | IsInf => (Ty::I32, "false"),
        Neg | Abs | Sign | Exp | Exp2 | Expm1 | Log | Log2 | Log10 | Log1p | Sqrt | Rsqrt | Sin
        | Cos | Tan | Asin | Acos | Atan | Asinh | Acosh | Atanh | Sinh | Cosh | Tanh | Sigmoid
        | Relu | Floor | Ceil | Round | Trunc | Frac | Reciprocal | Square | BitwiseNot
        | Lgamma | Digamma | Erfinv | Erfc | I0 | Sinc | Logit | SpecialI0e | SpecialI1
        | SpecialI1e | SpecialNdtri | SpecialLogNdtr | SpecialErfcx | SpecialEntr => return None,
    })
}

fn where_expr(t: Ty) -> &'static str {
    match t {
        Ty::F32 => "select(c, b, a != 0.0)",
        Ty::I32 => "select(c, b, a != 0)",
        Ty::Bool => "select(c, b, a)",
    }
}

/// The kernel operand for an op argument: GPU tensors as they are, numbers and 0-d CPU
/// tensors (which PyTorch lets mix with any device) as scalars; other CPU tensors are a
/// device-mismatch error.
fn operands<'a>(ops: &[&'a Operand]) -> Result<Vec<Src<'a>>> {
    let mut strided: Vec<&Tensor> = Vec::new();
    for o in ops {
        if let Operand::Tensor(t) = o
            && (t.is_gpu() || t.ndim() > 0)
        {
            strided.push(t);
        }
    }
    same_device(&strided)?;
    ops.iter()
        .map(|o| {
            Ok(match o {
                Operand::Tensor(t) if t.is_gpu() => Src::T(t),
                Operand::Tensor(t) => Src::S(t.item()?.to_f64()),
                Operand::Scalar(s) => Src::S(s.to_f64()),
            })
        })
        .collect()
}

/// `a op b` as planned.
pub fn binary(plan: &BinaryPlan, a: &Operand, b: &Operand) -> Result<Tensor> {
    let op = plan.op;
    let srcs = operands(&[a, b])?;
    check_dtype(plan.compute)?;
    check_dtype(plan.out)?;
    let ty = if op.is_logical() {
        Ty::Bool
    } else {
        Ty::of(plan.compute)
    };
    let (expr, expr_ty) = binary_expr(op, ty).ok_or_else(|| not_implemented(op.name()))?;
    if ty == Ty::I32
        && matches!(
            op,
            BinaryOp::DivTrunc | BinaryOp::DivFloor | BinaryOp::Remainder | BinaryOp::Fmod
        )
    {
        check_nonzero_divisor(&srcs[1])?;
    }
    let out = empty(&plan.shape, plan.store)?;
    map(&out, &srcs, ty, expr, expr_ty)?;
    if plan.out == plan.store {
        Ok(out)
    } else {
        cast(&out, plan.out)
    }
}

/// Integer division by zero is the CPU's RuntimeError here too: a scalar divisor is checked
/// directly, a tensor one with a reduction and one number read back.
fn check_nonzero_divisor(b: &Src<'_>) -> Result<()> {
    let zero = match b {
        Src::S(v) => *v == 0.0,
        Src::T(t) => {
            let z = empty(t.shape(), DType::Bool)?;
            map(&z, &[Src::T(t)], Ty::I32, "a == 0", Ty::Bool)?;
            super::ops::any_true(&z)?
        }
    };
    if zero {
        return Err(Error::Runtime("ZeroDivisionError".into()));
    }
    Ok(())
}

fn map_new(x: &Tensor, dtype: DType, compute: Ty, expr: &str, expr_ty: Ty) -> Result<Tensor> {
    let out = empty(x.shape(), dtype)?;
    map(&out, &[Src::T(x)], compute, expr, expr_ty)?;
    Ok(out)
}

/// A unary op as planned.
pub fn unary(plan: &UnaryPlan, a: &Tensor) -> Result<Tensor> {
    let op = plan.op;
    let missing = || not_implemented(op.name());
    match plan.kernel {
        UnaryKernel::Predicate => {
            let (t, e) = predicate_expr(op, a.dtype().is_float()).ok_or_else(missing)?;
            map_new(a, DType::Bool, t, e, Ty::Bool)
        }
        UnaryKernel::BoolNot => map_new(a, DType::Bool, Ty::Bool, "!a", Ty::Bool),
        UnaryKernel::Copy => contiguous_copy(a),
        UnaryKernel::Int => {
            let e = int_expr(op).ok_or_else(missing)?;
            map_new(a, plan.out, Ty::I32, e, Ty::I32)
        }
        UnaryKernel::Float => {
            check_dtype(plan.compute)?;
            let e = float_expr(op).ok_or_else(missing)?;
            let out = map_new(a, DType::F32, Ty::F32, e, Ty::F32)?;
            if plan.out == DType::F32 {
                Ok(out)
            } else {
                cast(&out, plan.out)
            }
        }
    }
}

/// `where(cond, a, b)` with the result dtype and broadcast shape resolved by the op.
pub fn where_(
    cond: &Tensor,
    a: &Operand,
    b: &Operand,
    dtype: DType,
    shape: &[usize],
) -> Result<Tensor> {
    let c = Operand::Tensor(cond.clone());
    let srcs = operands(&[&c, a, b])?;
    check_dtype(dtype)?;
    let ty = Ty::of(dtype);
    let out = empty(shape, dtype)?;
    map(&out, &srcs, ty, where_expr(ty), ty)?;
    Ok(out)
}

/// Every map variant the elementwise tables can instantiate (for the shader inventory).
pub fn variants() -> Vec<MapSpec> {
    let tys = [Ty::F32, Ty::I32, Ty::Bool];
    let mut maps: Vec<MapSpec> = Vec::new();
    let mut spec = |out: Ty, inputs: Vec<Input>, compute: Ty, expr: &str, expr_ty: Ty| {
        maps.push(MapSpec {
            out,
            inputs,
            compute,
            expr: expr.into(),
            expr_ty,
        });
    };
    for &op in BinaryOp::ALL {
        for t in tys {
            if let Some((e, et)) = binary_expr(op, t) {
                let out = if et == Ty::Bool { Ty::Bool } else { t };
                for ins in [
                    vec![Input::Tensor(t), Input::Tensor(t)],
                    vec![Input::Tensor(t), Input::Scalar],
                    vec![Input::Scalar, Input::Tensor(t)],
                ] {
                    spec(out, ins, t, e, et);
                }
            }
        }
    }
    for &op in UnaryOp::ALL {
        if let Some(e) = float_expr(op) {
            for from in tys {
                spec(Ty::F32, vec![Input::Tensor(from)], Ty::F32, e, Ty::F32);
            }
        }
        if let Some(e) = int_expr(op) {
            spec(Ty::I32, vec![Input::Tensor(Ty::I32)], Ty::I32, e, Ty::I32);
        }
        for float in [false, true] {
            if let Some((t, e)) = predicate_expr(op, float) {
                spec(Ty::Bool, vec![Input::Tensor(t)], t, e, Ty::Bool);
            }
        }
    }
    spec(
        Ty::Bool,
        vec![Input::Tensor(Ty::Bool)],
        Ty::Bool,
        "!a",
        Ty::Bool,
    );
    for from in tys {
        for to in tys {
            spec(to, vec![Input::Tensor(from)], from, "a", from); // copies and casts
        }
        spec(from, vec![Input::Scalar], from, "a", from); // fill
        let e = where_expr(from);
        let ins = vec![
            Input::Tensor(Ty::Bool),
            Input::Tensor(from),
            Input::Tensor(from),
        ];
        spec(from, ins, from, e, from);
        spec(
            from,
            vec![Input::Tensor(Ty::Bool), Input::Tensor(from), Input::Scalar],
            from,
            e,
            from,
        );
    }
    // Integer division's zero-divisor check.
    spec(
        Ty::Bool,
        vec![Input::Tensor(Ty::I32)],
        Ty::I32,
        "a == 0",
        Ty::Bool,
    );
    maps
}
