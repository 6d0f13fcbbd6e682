//! CPU elementwise kernels: the strided map and zip over contiguous runs, and one exhaustive
//! match per dtype class from each registered op (`spec::elementwise`) to its scalar function.
//! Plans come resolved from `ops::elementwise`; nothing is validated again here.

use super::iter::{par_flat, par_runs};
use super::math::{FloatMath, IntMath};
use super::special::{self as sp, SpecialFloat};
use super::vecmath::{self, VecFn};
use crate::dtype::{DType, Element, Scalar};
use crate::error::{Error, Result};
use crate::spec::elementwise::{BinaryOp, BinaryPlan, UnaryKernel, UnaryOp, UnaryPlan, type_title};
use crate::tensor::{Device, Tensor, copy_into};
use std::sync::atomic::{AtomicBool, Ordering};

/// A plan routed an op to a kernel class that has no arm for it: a bug in a plan, reported
/// instead of a panic.
fn no_kernel(op: &str, d: DType) -> Error {
    Error::Runtime(format!(
        "internal error: no CPU kernel for {} on {}",
        op,
        type_title(d)
    ))
}

/// `a op b` for tensors of the plan's compute dtype (numbers already made 0-d tensors),
/// broadcast to the plan's shape.
pub fn binary(plan: &BinaryPlan, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let out = Tensor::zeros_on(&plan.shape, plan.store, Device::Cpu)?;
    run_binary(plan.op, a, b, &out)?;
    out.try_to_dtype(plan.out)
}

/// Elementwise unary op as planned.
pub fn unary(plan: &UnaryPlan, a: &Tensor) -> Result<Tensor> {
    use UnaryOp::*;
    let op = plan.op;
    let out = Tensor::zeros(a.shape(), plan.compute);
    match plan.kernel {
        UnaryKernel::Copy => return a.try_to_dtype_copy(plan.out),
        UnaryKernel::BoolNot => map::<bool, bool>(a, &out, |x| !x),
        UnaryKernel::Predicate => {
            let out = Tensor::zeros(a.shape(), DType::Bool);
            let float = a.dtype().is_float();
            match op {
                LogicalNot => map::<bool, bool>(&a.try_to_dtype(DType::Bool)?, &out, |x| !x),
                IsFinite if float => float_pred(a, &out, |x| x.is_finite()),
                IsNan if float => float_pred(a, &out, |x| x.is_nan()),
                IsInf if float => float_pred(a, &out, |x| x.is_infinite()),
                IsFinite => crate::tensor::fill(&out, Scalar::Bool(true)),
                // Integers are never nan or inf.
                IsNan | IsInf => {}
                Neg | Abs | Sign | Exp | Exp2 | Expm1 | Log | Log2 | Log10 | Log1p | Sqrt
                | Rsqrt | Sin | Cos | Tan | Asin | Acos | Atan | Asinh | Acosh | Atanh | Sinh
                | Cosh | Tanh | Sigmoid | Relu | Floor | Ceil | Round | Trunc | Frac
                | Reciprocal | Square | BitwiseNot | Lgamma | Digamma | Erfinv | Erfc | I0
                | Sinc | Logit | SpecialI0e | SpecialI1 | SpecialI1e | SpecialNdtri
                | SpecialLogNdtr | SpecialErfcx | SpecialEntr => {
                    return Err(no_kernel(op.name(), a.dtype()));
                }
            }
            return Ok(out);
        }
        UnaryKernel::Int => {
            macro_rules! int_unary {
                ($T:ty) => {
                    match op {
                        Neg => map::<$T, $T>(a, &out, |x| x.wrapping_neg()),
                        Abs => map::<$T, $T>(a, &out, |x| x.int_abs()),
                        Sign => map::<$T, $T>(a, &out, |x| x.int_sign()),
                        Relu => map::<$T, $T>(a, &out, |x| if x > 0 { x } else { 0 }),
                        Square => map::<$T, $T>(a, &out, |x| x.wrapping_mul(x)),
                        BitwiseNot => map::<$T, $T>(a, &out, |x| !x),
                        // Rounding is the identity on integers.
                        Floor | Ceil | Round | Trunc => map::<$T, $T>(a, &out, |x| x),
                        Exp | Exp2 | Expm1 | Log | Log2 | Log10 | Log1p | Sqrt | Rsqrt | Sin
                        | Cos | Tan | Asin | Acos | Atan | Asinh | Acosh | Atanh | Sinh | Cosh
                        | Tanh | Sigmoid | Frac | Reciprocal | LogicalNot | IsNan | IsInf
                        | IsFinite | Lgamma | Digamma | Erfinv | Erfc | I0 | Sinc | Logit
                        | SpecialI0e | SpecialI1 | SpecialI1e | SpecialNdtri | SpecialLogNdtr
                        | SpecialErfcx | SpecialEntr => {
                            return Err(no_kernel(op.name(), a.dtype()));
                        }
                    }
                };
            }
            match plan.compute {
                DType::U8 => int_unary!(u8),
                DType::I8 => int_unary!(i8),
                DType::I16 => int_unary!(i16),
                DType::I32 => int_unary!(i32),
                DType::I64 => int_unary!(i64),
                d => return Err(no_kernel(op.name(), d)),
            }
        }
        UnaryKernel::Float => {
            let src = a.try_to_dtype(plan.compute)?;
            match plan.compute {
                DType::F32 => float_unary::<f32>(op, &src, &out)?,
                DType::F64 => float_unary::<f64>(op, &src, &out)?,
                d => return Err(no_kernel(op.name(), d)),
            }
        }
    }
    out.try_to_dtype(plan.out)
}

/// `where(cond, a, b)`: `cond` is bool, `a` and `b` are of the result dtype; all broadcast to
/// `shape`.
pub fn where_(cond: &Tensor, a: &Tensor, b: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let dtype = a.dtype();
    let out = Tensor::zeros(shape, dtype);
    let lc = cond.layout().broadcast_to(shape)?;
    let la = a.layout().broadcast_to(shape)?;
    let lb = b.layout().broadcast_to(shape)?;
    crate::dispatch!(dtype, T => {
        let (pc, pa, pb, po) = (cond.ptr::<bool>() as usize, a.ptr::<T>() as usize, b.ptr::<T>() as usize, out.ptr::<T>() as usize);
        par_runs(shape, [out.strides(), &lc.strides, &la.strides, &lb.strides], |o, n, s| {
            // SAFETY: offsets inside each view; `out` is fresh.
            unsafe {
                if s[0] == 1 && s[1] == 1 && s[2] <= 1 && s[3] <= 1 && s[2] >= 0 && s[3] >= 0 {
                    // Contiguous runs (a or b possibly a broadcast scalar, as in ReLU's
                    // backward): both sides loaded, then a branch-free select that LLVM
                    // vectorises (a branch per element measured ~1 ns each).
                    let c = std::slice::from_raw_parts((pc as *const bool).offset(o[1]), n);
                    let out = std::slice::from_raw_parts_mut((po as *mut T).offset(o[0]), n);
                    let (a0, b0) = ((pa as *const T).offset(o[2]), (pb as *const T).offset(o[3]));
                    match (s[2], s[3]) {
                        (1, 1) => {
                            let (a, b) = (std::slice::from_raw_parts(a0, n), std::slice::from_raw_parts(b0, n));
                            for i in 0..n {
                                out[i] = std::hint::select_unpredictable(c[i], a[i], b[i]);
                            }
                        }
                        (1, _) => {
                            let (a, bv) = (std::slice::from_raw_parts(a0, n), *b0);
                            for i in 0..n {
                                out[i] = std::hint::select_unpredictable(c[i], a[i], bv);
                            }
                        }
                        (_, 1) => {
                            let (av, b) = (*a0, std::slice::from_raw_parts(b0, n));
                            for i in 0..n {
                                out[i] = std::hint::select_unpredictable(c[i], av, b[i]);
                            }
                        }
                        _ => {
                            let (av, bv) = (*a0, *b0);
                            for i in 0..n {
                                out[i] = std::hint::select_unpredictable(c[i], av, bv);
                            }
                        }
                    }
                    return;
                }
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

/// Runs a binary op on two tensors already of one compute dtype, broadcast into the
/// contiguous `out` (of the plan's store dtype).
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
                Logaddexp => zip::<$T, $T>(a, b, out, sp::logaddexp),
                Logaddexp2 => zip::<$T, $T>(a, b, out, sp::logaddexp2),
                Hypot => zip::<$T, $T>(a, b, out, |x, y| x.hypot(y)),
                Nextafter => zip::<$T, $T>(a, b, out, sp::nextafter),
                Copysign => zip::<$T, $T>(a, b, out, sp::copysign),
                Fmax => zip::<$T, $T>(a, b, out, sp::fmax),
                Fmin => zip::<$T, $T>(a, b, out, sp::fmin),
                Heaviside => zip::<$T, $T>(a, b, out, sp::heaviside),
                Ldexp => zip::<$T, $T>(a, b, out, sp::ldexp),
                Xlogy => zip::<$T, $T>(a, b, out, sp::xlogy),
                SpecialXlog1py => zip::<$T, $T>(a, b, out, sp::xlog1py),
                SpecialZeta => zip::<$T, $T>(a, b, out, sp::zeta),
                LogicalAnd | LogicalOr | LogicalXor | BitAnd | BitOr | BitXor => {
                    return Err(no_kernel(op.name(), <$T as Element>::DTYPE));
                }
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
                Fmax => zip::<$T, $T>(a, b, out, |x, y| x.max(y)),
                Fmin => zip::<$T, $T>(a, b, out, |x, y| x.min(y)),
                Heaviside => zip::<$T, $T>(a, b, out, |x, y| match x {
                    0 => y,
                    _ if x > 0 => 1,
                    _ => 0,
                }),
                Div | Atan2 | LogicalAnd | LogicalOr | LogicalXor | Logaddexp | Logaddexp2
                | Hypot | Nextafter | Copysign | Ldexp | Xlogy | SpecialXlog1py | SpecialZeta => {
                    return Err(no_kernel(op.name(), <$T as Element>::DTYPE));
                }
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
        // Complex arithmetic is composed from float ops on the (re, im) views (ops/complex.rs).
        DType::C64 | DType::C128 => Err(no_kernel(op.name(), d)),
        DType::Bool => {
            match op {
                // heaviside(x, v): v where x is 0 (false), 1 where x is true.
                Add | LogicalOr | BitOr | Maximum | Fmax | Heaviside => {
                    zip::<bool, bool>(a, b, out, |x, y| x | y)
                }
                Mul | LogicalAnd | BitAnd | Minimum | Fmin => {
                    zip::<bool, bool>(a, b, out, |x, y| x & y)
                }
                LogicalXor | BitXor | Ne => zip::<bool, bool>(a, b, out, |x, y| x ^ y),
                Eq => zip::<bool, bool>(a, b, out, |x, y| x == y),
                Lt => zip::<bool, bool>(a, b, out, |x, y| !x & y),
                Le => zip::<bool, bool>(a, b, out, |x, y| x <= y),
                Gt => zip::<bool, bool>(a, b, out, |x, y| x & !y),
                Ge => zip::<bool, bool>(a, b, out, |x, y| x >= y),
                Logaddexp | Logaddexp2 | Hypot | Nextafter | Copysign | Ldexp | Xlogy
                | SpecialXlog1py | SpecialZeta => {
                    return Err(no_kernel(op.name(), d));
                }
                Sub | Div | DivTrunc | DivFloor | Remainder | Fmod | Pow | Atan2 => {
                    // Arithmetic that has no bool meaning runs in int64 and casts back.
                    let r = Tensor::zeros(out.shape(), DType::I64);
                    run_binary(
                        op,
                        &a.try_to_dtype(DType::I64)?,
                        &b.try_to_dtype(DType::I64)?,
                        &r,
                    )?;
                    copy_into(out, &r);
                }
            }
            Ok(())
        }
        DType::F16 | DType::BF16 => Err(no_kernel(op.name(), d)),
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

fn float_pred(a: &Tensor, out: &Tensor, f: impl Fn(f64) -> bool + Sync) {
    match a.dtype() {
        DType::F32 => map::<f32, bool>(a, out, |x| f(x as f64)),
        DType::F64 => map::<f64, bool>(a, out, f),
        _ => map::<f32, bool>(&a.to_dtype(DType::F32), out, |x| f(x as f64)),
    }
}

fn float_unary<T: FloatMath + SpecialFloat>(op: UnaryOp, a: &Tensor, out: &Tensor) -> Result<()> {
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
            return Ok(());
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
        Asinh => map::<T, T>(a, out, |x| x.asinh_big()),
        Acosh => map::<T, T>(a, out, |x| x.acosh_big()),
        Atanh => map::<T, T>(a, out, |x| x.atanh()),
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
        Lgamma => map::<T, T>(a, out, |x| SpecialFloat::lgamma(x)),
        Digamma => map::<T, T>(a, out, sp::digamma),
        Erfinv => map::<T, T>(a, out, sp::erfinv),
        Erfc => map::<T, T>(a, out, |x| SpecialFloat::erfc(x)),
        I0 => map::<T, T>(a, out, sp::i0),
        Sinc => map::<T, T>(a, out, sp::sinc),
        Logit => map::<T, T>(a, out, sp::logit),
        SpecialI0e => map::<T, T>(a, out, sp::i0e),
        SpecialI1 => map::<T, T>(a, out, sp::i1),
        SpecialI1e => map::<T, T>(a, out, sp::i1e),
        SpecialNdtri => map::<T, T>(a, out, sp::ndtri),
        SpecialLogNdtr => map::<T, T>(a, out, sp::log_ndtr),
        SpecialErfcx => map::<T, T>(a, out, sp::erfcx),
        SpecialEntr => map::<T, T>(a, out, sp::entr),
        LogicalNot | BitwiseNot | IsNan | IsInf | IsFinite => {
            return Err(no_kernel(op.name(), T::DTYPE));
        }
    }
    Ok(())
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
