//! Op semantics on the GPU: the same dtype, broadcasting and error rules as the CPU ops in
//! `ops/` (whose helpers are reused), with the arithmetic in WGSL. Each CPU op entry that has
//! a GPU path routes here when an input is on the GPU; operand casts happen inside the kernels
//! (a loaded word converts to the compute type), so no converted copies are made.

use super::kernels::{Src, map, reduce};
use super::shaders::{ReduceOp, ReduceSpec, Ty};
use super::{check_dtype, empty, not_implemented, same_device, upload};
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp, result_type};
use crate::ops::reduce::{reduce_dims, reduced_shape};
use crate::shape::{broadcast_shapes, wrap_dim};
use crate::tensor::{Device, Tensor};

/// A contiguous copy of `t` (same dtype).
pub fn contiguous_copy(t: &Tensor) -> Result<Tensor> {
    let out = empty(t.shape(), t.dtype())?;
    let ty = Ty::of(t.dtype());
    map(&out, &[Src::T(t)], ty, "a", ty)?;
    Ok(out)
}

pub fn contiguous(t: &Tensor) -> Result<Tensor> {
    if t.is_contiguous() {
        Ok(t.clone())
    } else {
        contiguous_copy(t)
    }
}

/// A new contiguous tensor with `t`'s elements converted to `dtype`.
pub fn cast(t: &Tensor, dtype: DType) -> Result<Tensor> {
    check_dtype(dtype)?;
    let out = empty(t.shape(), dtype)?;
    let ty = Ty::of(t.dtype());
    map(&out, &[Src::T(t)], ty, "a", ty)?;
    Ok(out)
}

/// `dst.copy_(src)` for a GPU `dst`; `src` may be on the CPU (it is uploaded) and broadcasts.
pub fn copy(dst: &Tensor, src: &Tensor) -> Result<()> {
    let src = if src.is_gpu() {
        src.clone()
    } else {
        upload(src)?
    };
    let ty = Ty::of(src.dtype());
    map(dst, &[Src::T(&src)], ty, "a", ty)
}

/// Fills every element of a GPU view with `v`.
pub fn fill(dst: &Tensor, v: Scalar) -> Result<()> {
    let ty = Ty::of(dst.dtype());
    map(dst, &[Src::S(v.to_f64())], ty, "a", ty)
}

pub fn fill_new(t: Tensor, v: f64) -> Result<Tensor> {
    fill(&t, Scalar::Float(v))?;
    Ok(t)
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

/// True when an op on these operands must run on the GPU.
pub fn any_gpu(ops: &[&Operand]) -> bool {
    ops.iter()
        .any(|o| matches!(o, Operand::Tensor(t) if t.is_gpu()))
}

/// WGSL for `a op b` on values of type `t`, and the type of the result.
fn binary_expr(op: BinaryOp, t: Ty) -> Option<(&'static str, Ty)> {
    use BinaryOp::*;
    let cmp = |s| Some((s, Ty::Bool));
    match op {
        Eq => return cmp("a == b"),
        Ne => return cmp("a != b"),
        _ => {}
    }
    match t {
        Ty::Bool => Some((
            match op {
                Add | LogicalOr | BitOr | Maximum => "a || b",
                Mul | LogicalAnd | BitAnd | Minimum => "a && b",
                LogicalXor | BitXor => "a != b",
                Lt => "!a && b",
                Le => "!a || b",
                Gt => "a && !b",
                Ge => "a || !b",
                _ => return None,
            },
            Ty::Bool,
        )),
        _ => {
            let float = t == Ty::F32;
            let e = match op {
                Lt => return cmp("a < b"),
                Le => return cmp("a <= b"),
                Gt => return cmp("a > b"),
                Ge => return cmp("a >= b"),
                Add => "a + b",
                Sub => "a - b",
                Mul => "a * b",
                Div if float => "a / b",
                DivTrunc if float => "trunc(a / b)",
                DivFloor if float => "floor_div_f(a, b)",
                Remainder if float => "py_rem_f(a, b)",
                Fmod if float => "fmod_f(a, b)",
                Pow if float => "pow_f(a, b)",
                DivTrunc => "select(a / b, 0, b == 0)",
                DivFloor => "floor_div_i(a, b)",
                Remainder => "py_rem_i(a, b)",
                Fmod => "select(a % b, 0, b == 0)",
                Pow => "pow_i(a, b)",
                Atan2 if float => "atan2(a, b)",
                Maximum if float => "max_f(a, b)",
                Minimum if float => "min_f(a, b)",
                Maximum => "max(a, b)",
                Minimum => "min(a, b)",
                BitAnd if !float => "a & b",
                BitOr if !float => "a | b",
                BitXor if !float => "a ^ b",
                _ => return None,
            };
            Some((e, t))
        }
    }
}

/// `a op b` with broadcasting and PyTorch's promotion, on the GPU.
pub fn binary(op: BinaryOp, a: &Operand, b: &Operand) -> Result<Tensor> {
    let srcs = operands(&[a, b])?;
    let common = result_type(a, b);
    let (compute, out_dtype) = op.dtypes(common)?;
    crate::ops::elementwise::check_int_pow(op, a, b)?;
    check_dtype(compute)?;
    check_dtype(out_dtype)?;
    let shape = broadcast_shapes(a_shape(a), a_shape(b))?;
    let logical = matches!(
        op,
        BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::LogicalXor
    );
    let ty = if logical { Ty::Bool } else { Ty::of(compute) };
    let (expr, expr_ty) = binary_expr(op, ty).ok_or_else(|| not_implemented(op.name()))?;
    let store = if op.is_comparison() || op.is_logical() {
        DType::Bool
    } else {
        compute
    };
    if ty == Ty::I32
        && matches!(
            op,
            BinaryOp::DivTrunc | BinaryOp::DivFloor | BinaryOp::Remainder | BinaryOp::Fmod
        )
    {
        check_nonzero_divisor(&srcs[1])?;
    }
    let out = empty(&shape, store)?;
    map(&out, &srcs, ty, expr, expr_ty)?;
    if out_dtype == store {
        Ok(out)
    } else {
        cast(&out, out_dtype)
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
            let any = super::reductions::all_any(&z, None, false, true)?;
            super::download(&any)?.try_to_vec::<bool>()?[0]
        }
    };
    if zero {
        return Err(Error::Runtime("ZeroDivisionError".into()));
    }
    Ok(())
}

fn a_shape(o: &Operand) -> &[usize] {
    match o {
        Operand::Tensor(t) => t.shape(),
        Operand::Scalar(_) => &[],
    }
}

fn float_unary_expr(op: UnaryOp) -> Option<&'static str> {
    use UnaryOp::*;
    Some(match op {
        Neg => "-a",
        Abs => "abs(a)",
        Sign => "sign_f(a)",
        Exp => "exp(a)",
        Exp2 => "exp2(a)",
        Expm1 => "expm1_f(a)",
        Log => "log(a)",
        Log2 => "log2(a)",
        Log10 => "(log2(a) * 0.30102999566398120)",
        Log1p => "log1p_f(a)",
        Sqrt => "sqrt(a)",
        Rsqrt => "inverseSqrt(a)",
        Sin => "sin(a)",
        Cos => "cos(a)",
        Tan => "tan(a)",
        // atan2 forms: the builtins' accuracy is loose on some drivers (lavapipe: 4e-4).
        Asin => "atan2(a, sqrt((1.0 - a) * (1.0 + a)))",
        Acos => "atan2(sqrt((1.0 - a) * (1.0 + a)), a)",
        Atan => "atan(a)",
        Sinh => "sinh_f(a)",
        Cosh => "cosh_f(a)",
        Tanh => "tanh(a)",
        Sigmoid => "sigmoid_f(a)",
        Relu => "select(0.0, a, a > 0.0)",
        Floor => "floor(a)",
        Ceil => "ceil(a)",
        Round => "round(a)",
        Trunc => "trunc(a)",
        Frac => "(a - trunc(a))",
        Reciprocal => "(1.0 / a)",
        Square => "(a * a)",
        _ => return None,
    })
}

fn map_new(x: &Tensor, dtype: DType, compute: Ty, expr: &str, expr_ty: Ty) -> Result<Tensor> {
    let out = empty(x.shape(), dtype)?;
    map(&out, &[Src::T(x)], compute, expr, expr_ty)?;
    Ok(out)
}

/// Elementwise unary op on a GPU tensor, with the CPU op's dtype rules.
pub fn unary(op: UnaryOp, a: &Tensor) -> Result<Tensor> {
    use UnaryOp::*;
    let d = a.dtype();
    let float_in = d.is_float();
    if op.to_bool() {
        let (t, e) = match op {
            LogicalNot => (Ty::Bool, "!a"),
            IsNan if float_in => (Ty::F32, "is_nan_f(a)"),
            // Bit tests: drivers may fold float comparisons with NaN.
            IsInf if float_in => (Ty::F32, "is_inf_f(a)"),
            IsFinite if float_in => (Ty::F32, "is_finite_f(a)"),
            IsFinite => (Ty::I32, "true"),
            _ => (Ty::I32, "false"), // integers are never nan or inf
        };
        return map_new(a, DType::Bool, t, e, Ty::Bool);
    }
    if d == DType::Bool {
        return match op {
            BitwiseNot => map_new(a, DType::Bool, Ty::Bool, "!a", Ty::Bool),
            Neg => Err(Error::Runtime(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.".into(),
            )),
            Abs | Relu | Floor | Ceil | Round | Trunc | Sign | Square => contiguous_copy(a),
            _ => float_unary(op, a),
        };
    }
    if d.is_int() {
        if !op.keeps_int() {
            return float_unary(op, a);
        }
        let e = match op {
            Neg => "-a",
            Abs => "abs(a)",
            Sign => "sign(a)",
            Relu => "max(a, 0)",
            Square => "a * a",
            BitwiseNot => "~a",
            _ => "a", // rounding is the identity on integers
        };
        return map_new(a, d, Ty::I32, e, Ty::I32);
    }
    if op == BitwiseNot {
        return Err(Error::Runtime(format!(
            "\"bitwise_not_cpu\" not implemented for '{}'",
            crate::ops::elementwise::type_title(d)
        )));
    }
    float_unary(op, a)
}

fn float_unary(op: UnaryOp, a: &Tensor) -> Result<Tensor> {
    let e = float_unary_expr(op).ok_or_else(|| not_implemented(op.name()))?;
    map_new(a, DType::F32, Ty::F32, e, Ty::F32)
}

/// `where(cond, a, b)` on the GPU.
pub fn where_(cond: &Tensor, a: &Operand, b: &Operand) -> Result<Tensor> {
    let c = Operand::Tensor(cond.clone());
    let srcs = operands(&[&c, a, b])?;
    let dtype = result_type(a, b);
    check_dtype(dtype)?;
    let shape = broadcast_shapes(&broadcast_shapes(cond.shape(), a_shape(a))?, a_shape(b))?;
    let ty = Ty::of(dtype);
    let e = match ty {
        Ty::F32 => "select(c, b, a != 0.0)",
        Ty::I32 => "select(c, b, a != 0)",
        Ty::Bool => "select(c, b, a)",
    };
    let out = empty(&shape, dtype)?;
    map(&out, &srcs, ty, e, ty)?;
    Ok(out)
}

fn acc_ty(d: DType) -> Ty {
    if d.is_float() { Ty::F32 } else { Ty::I32 }
}

pub fn sum(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let out_dtype = dtype.unwrap_or(if x.dtype().is_float() {
        x.dtype()
    } else {
        DType::I64
    });
    check_dtype(out_dtype)?;
    let dims = reduce_dims(x, dims)?;
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op: ReduceOp::Sum,
        input: Ty::of(x.dtype()),
        acc: acc_ty(out_dtype),
        out: Ty::of(out_dtype),
    };
    Ok(reduce(x, &dims, &shape, &spec, out_dtype)?.0)
}

pub fn mean(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let d = dtype.unwrap_or(x.dtype());
    check_dtype(d)?;
    let dims = reduce_dims(x, dims)?;
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op: ReduceOp::Mean,
        input: Ty::of(x.dtype()),
        acc: Ty::F32,
        out: Ty::F32,
    };
    Ok(reduce(x, &dims, &shape, &spec, d)?.0)
}

/// `amax`/`amin` (NaN propagates); the caller has checked for empty inputs.
pub fn amax(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, largest: bool) -> Result<Tensor> {
    let dims = reduce_dims(x, dims)?;
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op: if largest {
            ReduceOp::Max
        } else {
            ReduceOp::Min
        },
        input: Ty::of(x.dtype()),
        acc: acc_ty(x.dtype()),
        out: Ty::of(x.dtype()),
    };
    Ok(reduce(x, &dims, &shape, &spec, x.dtype())?.0)
}

/// `max(dim)`/`min(dim)`: values and the index of the first extreme (first NaN wins).
pub fn max_dim(x: &Tensor, dim: i64, keepdim: bool, largest: bool) -> Result<(Tensor, Tensor)> {
    let d = if x.ndim() == 0 {
        0
    } else {
        wrap_dim(dim, x.ndim())?
    };
    let dims: Vec<usize> = if x.ndim() == 0 { vec![] } else { vec![d] };
    let shape = reduced_shape(x.shape(), &dims, keepdim);
    let spec = ReduceSpec {
        op: if largest {
            ReduceOp::ArgMax
        } else {
            ReduceOp::ArgMin
        },
        input: Ty::of(x.dtype()),
        acc: acc_ty(x.dtype()),
        out: Ty::of(x.dtype()),
    };
    let (v, i) = reduce(x, &dims, &shape, &spec, x.dtype())?;
    Ok((v, i.expect("index reduction")))
}

/// Batched product of 3-d tensors on the GPU (float32 or integers; one dtype).
pub fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    same_device(&[a, b])?;
    check_dtype(a.dtype())?;
    if a.dtype() == DType::Bool {
        return Err(not_implemented("matmul (bool)"));
    }
    let (bs, m, k, n) = (a.shape()[0], a.shape()[1], a.shape()[2], b.shape()[2]);
    let tiles = bs * m.div_ceil(64) * n.div_ceil(64);
    if tiles < 4 && k >= 512 && bs * m * n * k <= 1 << 22 {
        // A few output tiles over a long K (a linear layer's weight gradient, x @ w for a
        // narrow w): the tiled kernel would walk K with one workgroup per tile. The product of
        // broadcast views reduced over K spreads each output over a 256-invocation workgroup.
        let p = binary(
            BinaryOp::Mul,
            &Operand::Tensor(crate::ops::view::unsqueeze(a, 3)?),
            &Operand::Tensor(crate::ops::view::unsqueeze(b, 1)?),
        )?;
        return sum(&p, Some(&[2]), false, Some(a.dtype()));
    }
    super::kernels::bmm(a, b)
}

/// The device every tensor of `ts` is on (RuntimeError if they differ).
pub fn device_of(ts: &[&Tensor]) -> Result<Device> {
    same_device(ts)
}

/// Every kernel variant the op tables above can instantiate, as (pipeline key, WGSL source):
/// for `_C._gpu_shader_sources()` and an independent compile check with wgpu-py.
pub fn all_variants() -> Vec<(String, String)> {
    use super::shaders::{
        Combine, Input, MapSpec, ReduceSpec, ScanSpec, gather_source, matmul_key, matmul_source,
        nonzero_source, offsets_source, rank_sort_key, rank_sort_source,
    };
    use BinaryOp::*;
    use UnaryOp::*;
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
    let binops = [
        Add, Sub, Mul, Div, DivTrunc, DivFloor, Remainder, Fmod, Pow, Atan2, Minimum, Maximum, Eq,
        Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor, BitAnd, BitOr, BitXor,
    ];
    for op in binops {
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
    let unops = [
        Neg, Abs, Sign, Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Sin, Cos, Tan,
        Asin, Acos, Atan, Sinh, Cosh, Tanh, Sigmoid, Relu, Floor, Ceil, Round, Trunc, Frac,
        Reciprocal, Square,
    ];
    for op in unops {
        if let Some(e) = float_unary_expr(op) {
            for from in tys {
                spec(Ty::F32, vec![Input::Tensor(from)], Ty::F32, e, Ty::F32);
            }
        }
    }
    for e in ["-a", "abs(a)", "sign(a)", "max(a, 0)", "a * a", "~a", "a"] {
        spec(Ty::I32, vec![Input::Tensor(Ty::I32)], Ty::I32, e, Ty::I32);
    }
    spec(
        Ty::Bool,
        vec![Input::Tensor(Ty::Bool)],
        Ty::Bool,
        "!a",
        Ty::Bool,
    );
    for e in ["is_nan_f(a)", "is_inf_f(a)", "is_finite_f(a)"] {
        spec(Ty::Bool, vec![Input::Tensor(Ty::F32)], Ty::F32, e, Ty::Bool);
    }
    for from in tys {
        for to in tys {
            spec(to, vec![Input::Tensor(from)], from, "a", from); // copies and casts
        }
        spec(from, vec![Input::Scalar], from, "a", from); // fill
        let e = match from {
            Ty::F32 => "select(c, b, a != 0.0)",
            Ty::I32 => "select(c, b, a != 0)",
            Ty::Bool => "select(c, b, a)",
        };
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
    maps.extend(super::nn::act_variants());
    let mut out: Vec<(String, String)> = maps.iter().map(|m| (m.key(), m.source())).collect();
    // all/any: truth values folded as int32 into a bool.
    for op in [ReduceOp::Sum, ReduceOp::Min] {
        let r = ReduceSpec {
            op,
            input: Ty::Bool,
            acc: Ty::I32,
            out: Ty::Bool,
        };
        out.push((r.key(), r.source()));
    }
    for op in [
        ReduceOp::Sum,
        ReduceOp::Mean,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::ArgMax,
        ReduceOp::ArgMin,
        ReduceOp::Prod,
    ] {
        for input in tys {
            let accs: &[Ty] = match op {
                ReduceOp::Mean => &[Ty::F32],
                _ => &[Ty::F32, Ty::I32],
            };
            for &acc in accs {
                let r = ReduceSpec {
                    op,
                    input,
                    acc,
                    out: acc,
                };
                out.push((r.key(), r.source()));
            }
        }
    }
    for t in [Ty::F32, Ty::I32] {
        for vec4 in [false, true] {
            out.push((matmul_key(t, vec4), matmul_source(t, vec4)));
        }
        out.push((rank_sort_key(t), rank_sort_source(t)));
        out.push((
            super::shaders::bitonic_sort_key(t),
            super::shaders::bitonic_sort_source(t),
        ));
    }
    for product in [false, true] {
        for input in tys {
            for acc in [Ty::F32, Ty::I32] {
                let s = ScanSpec {
                    product,
                    input,
                    acc,
                    out: acc,
                };
                out.push((s.key(), s.source()));
            }
        }
    }
    for c in Combine::ALL {
        out.push((c.key(), c.source()));
    }
    out.push(("offsets".into(), offsets_source()));
    out.push(("gather".into(), gather_source()));
    out.push(("nonzero".into(), nonzero_source()));
    out.push(("ctc".into(), super::shaders::ctc_source()));
    out.push(("multinomial".into(), super::shaders::multinomial_source()));
    out.extend(super::optim::variants());
    out
}
