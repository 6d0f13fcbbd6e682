//! `torch.special` functions without a GPU kernel (the Airy function Ai, the Bessel functions of the first and
//! second kind, the modified Bessel functions of the second kind, the orthogonal polynomial families, the regularized incomplete gamma
//! functions): CPU only; a GPU tensor is refused naming the op (`python/rtensor/special.py`
//! checks before calling, the native GPU guard behind it). Values from
//! `backend/cpu/special.rs`; no autograd node (PyTorch records none for these, except
//! igamma/igammac, whose node `special.py` records).

use crate::backend::cpu::special::{self as sp, Poly, SpecialFloat};
use crate::dtype::{DType, default_float};
use crate::error::{Error, Result};
use crate::shape::broadcast_shapes;
use crate::spec::elementwise::not_implemented_for;
use crate::tensor::Tensor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    J0,
    J1,
    Y0,
    Y1,
    SphericalJ0,
    K0,
    K1,
    ScaledK0,
    ScaledK1,
    Poly(Poly),
    Igamma,
    Igammac,
    AiryAi,
}

fn op_of(name: &str) -> Option<Op> {
    use Poly::*;
    Some(match name {
        "bessel_j0" => Op::J0,
        "bessel_j1" => Op::J1,
        "bessel_y0" => Op::Y0,
        "bessel_y1" => Op::Y1,
        "spherical_bessel_j0" => Op::SphericalJ0,
        "modified_bessel_k0" => Op::K0,
        "modified_bessel_k1" => Op::K1,
        "scaled_modified_bessel_k0" => Op::ScaledK0,
        "scaled_modified_bessel_k1" => Op::ScaledK1,
        "chebyshev_polynomial_t" => Op::Poly(ChebyshevT),
        "chebyshev_polynomial_u" => Op::Poly(ChebyshevU),
        "chebyshev_polynomial_v" => Op::Poly(ChebyshevV),
        "chebyshev_polynomial_w" => Op::Poly(ChebyshevW),
        "shifted_chebyshev_polynomial_t" => Op::Poly(ShiftedT),
        "shifted_chebyshev_polynomial_u" => Op::Poly(ShiftedU),
        "shifted_chebyshev_polynomial_v" => Op::Poly(ShiftedV),
        "shifted_chebyshev_polynomial_w" => Op::Poly(ShiftedW),
        "hermite_polynomial_h" => Op::Poly(HermiteH),
        "hermite_polynomial_he" => Op::Poly(HermiteHe),
        "laguerre_polynomial_l" => Op::Poly(LaguerreL),
        "legendre_polynomial_p" => Op::Poly(LegendreP),
        "igamma" => Op::Igamma,
        "igammac" => Op::Igammac,
        "airy_ai" => Op::AiryAi,
        _ => return None,
    })
}

fn unknown(name: &str) -> Error {
    Error::Value(format!("unknown special function {}", name))
}

fn cpu_only(name: &str, ts: &[&Tensor]) -> Result<()> {
    if ts.iter().any(|t| t.is_gpu()) {
        return Err(Error::NotImplemented(format!(
            "\"{}\" is not implemented for the GPU device",
            name
        )));
    }
    Ok(())
}

/// (dtype computed in, dtype of the result) for operands promoting to `common`: integers and
/// bool become the default float (igamma refuses them, naming its kernel).
fn float_dtypes(op: Op, name: &str, common: DType) -> Result<(DType, DType)> {
    if common.is_float() {
        let compute = if common == DType::F64 {
            DType::F64
        } else {
            DType::F32
        };
        return Ok((compute, common));
    }
    if matches!(op, Op::Igamma | Op::Igammac) {
        return Err(not_implemented_for(&format!("{}_cpu", name), common));
    }
    let d = default_float();
    Ok((
        if d == DType::F64 {
            DType::F64
        } else {
            DType::F32
        },
        d,
    ))
}

fn unary_kernel<T: SpecialFloat + crate::dtype::Element>(op: Op, mut v: Vec<T>) -> Vec<T> {
    if op == Op::AiryAi {
        crate::backend::cpu::airy::airy_ai_slice(&mut v);
        return v;
    }
    // ATen's Cephes ports return NaN at the infinities (their asymptotic forms reduce
    // inf - inf), where the C library's Bessel functions return 0.
    let f: fn(T) -> T = match op {
        Op::J0 => |x: T| if x.is_infinite() { T::nan() } else { x.j0() },
        Op::J1 => |x: T| if x.is_infinite() { T::nan() } else { x.j1() },
        Op::Y0 => |x: T| if x.is_infinite() { T::nan() } else { x.y0() },
        Op::Y1 => |x: T| if x.is_infinite() { T::nan() } else { x.y1() },
        Op::K0 => |x: T| sp::k0(x, false),
        Op::K1 => |x: T| sp::k1(x, false),
        Op::ScaledK0 => |x: T| sp::k0(x, true),
        Op::ScaledK1 => |x: T| sp::k1(x, true),
        _ => sp::spherical_bessel_j0,
    };
    v.into_iter().map(f).collect()
}

/// A one-operand function (`bessel_j0`, `spherical_bessel_j0`...).
pub fn unary(name: &str, x: &Tensor) -> Result<Tensor> {
    let op = op_of(name).ok_or_else(|| unknown(name))?;
    if matches!(op, Op::Poly(_) | Op::Igamma | Op::Igammac) {
        return Err(unknown(name));
    }
    cpu_only(name, &[x])?;
    let (compute, out) = float_dtypes(op, name, x.dtype())?;
    let src = x.try_to_dtype(compute)?;
    let r = match compute {
        DType::F64 => Tensor::from_vec(unary_kernel(op, src.try_to_vec::<f64>()?), x.shape()),
        _ => Tensor::from_vec(unary_kernel(op, src.try_to_vec::<f32>()?), x.shape()),
    };
    r.try_to_dtype(out)
}

fn binary_kernel<T: SpecialFloat + crate::dtype::Element>(op: Op, a: Vec<T>, b: Vec<T>) -> Vec<T> {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| match op {
            Op::Poly(p) => sp::polynomial(p, x, y),
            Op::Igamma => sp::igamma(x, y, false),
            Op::Igammac => sp::igamma(x, y, true),
            _ => T::nan(),
        })
        .collect()
}

/// A two-operand function (the polynomials `(x, n)`, `igamma(a, x)`), broadcast; both
/// operands are tensors (the Python layer wraps numbers as PyTorch does).
pub fn binary(name: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let op = op_of(name).ok_or_else(|| unknown(name))?;
    if !matches!(op, Op::Poly(_) | Op::Igamma | Op::Igammac) {
        return Err(unknown(name));
    }
    cpu_only(name, &[a, b])?;
    let shape = broadcast_shapes(a.shape(), b.shape())?;
    let common = DType::promote(a.dtype(), b.dtype());
    let (compute, out) = float_dtypes(op, name, common)?;
    let view = |t: &Tensor| -> Result<Tensor> {
        let t = t.try_to_dtype(compute)?;
        Ok(t.with_layout(t.layout().broadcast_to(&shape)?))
    };
    let (va, vb) = (view(a)?, view(b)?);
    let r = match compute {
        DType::F64 => Tensor::from_vec(
            binary_kernel(op, va.try_to_vec::<f64>()?, vb.try_to_vec::<f64>()?),
            &shape,
        ),
        _ => Tensor::from_vec(
            binary_kernel(op, va.try_to_vec::<f32>()?, vb.try_to_vec::<f32>()?),
            &shape,
        ),
    };
    r.try_to_dtype(out)
}
