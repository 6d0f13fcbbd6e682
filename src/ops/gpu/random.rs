//! Random sampling that depends on a GPU tensor's values (`multinomial`): the generator's
//! numbers are drawn on the CPU in the CPU kernel's order and uploaded, and the selection runs
//! on the device, so a seeded GPU run samples the same categories as the CPU run.

use crate::backend::gpu::kernels::rank_sort;
use crate::backend::gpu::ops::cast;
use crate::backend::gpu::{download, upload};
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, UnaryOp, binary, unary};
use crate::ops::reduce::all_any;
use crate::rng::Generator;
use crate::tensor::Tensor;

fn t(x: &Tensor) -> Operand {
    Operand::Tensor(x.clone())
}

fn any(x: &Tensor, dims: Option<&[i64]>) -> Result<bool> {
    let a = all_any(x, dims, false, true)?;
    let a = if a.ndim() > 0 {
        all_any(&a, None, false, true)?
    } else {
        a
    };
    Ok(download(&a)?.try_to_vec::<bool>()?[0])
}

/// Samples `k` categories per row of a float32 GPU `probs` (rows x n_cat); the caller has
/// checked the arguments that do not depend on the values. Returns int64 indices (rows x k).
pub fn multinomial(
    g: &mut Generator,
    probs: &Tensor,
    rows: usize,
    n_cat: usize,
    k: usize,
    replacement: bool,
) -> Result<Tensor> {
    let p = cast(probs, DType::F32)?; // contiguous rows
    let p2 = crate::ops::view::reshape(&p, &[rows as i64, n_cat as i64])?;
    let zero = Operand::Scalar(Scalar::Float(0.0));
    let neg = binary(BinaryOp::Lt, &t(&p2), &zero)?;
    let bad_val = binary(
        BinaryOp::LogicalOr,
        &t(&neg),
        &t(&unary(
            UnaryOp::LogicalNot,
            &unary(UnaryOp::IsFinite, &p2)?,
        )?),
    )?;
    let zero_rows = all_any(
        &binary(BinaryOp::Eq, &t(&p2), &zero)?,
        Some(&[1]),
        false,
        false,
    )?;
    if !replacement || k == 1 {
        if any(&bad_val, None)? {
            return Err(Error::Runtime(
                "probability tensor contains either `inf`, `nan` or element < 0".into(),
            ));
        }
        if any(&zero_rows, None)? {
            return Err(Error::Runtime(
                "invalid multinomial distribution (sum of probabilities <= 0)".into(),
            ));
        }
        // q.exponential_(1) in float32, keys p / q, then the k largest (stable, NaN first).
        let q: Vec<f32> = (0..rows * n_cat)
            .map(|_| (-(-g.uniform_f64()).ln_1p()) as f32)
            .collect();
        let q = upload(&Tensor::from_vec(q, &[rows, n_cat]))?;
        let keys = binary(BinaryOp::Div, &t(&p2), &t(&q))?;
        return Ok(rank_sort(&keys, 1, 1, k)?.1);
    }
    if any(&neg, None)? {
        return Err(Error::Runtime(
            "invalid multinomial distribution (encountering probability entry < 0)".into(),
        ));
    }
    if any(&bad_val, None)? {
        return Err(Error::Runtime(
            "invalid multinomial distribution (encountering probability entry = infinity or NaN)"
                .into(),
        ));
    }
    if any(&zero_rows, None)? {
        return Err(Error::Runtime(
            "invalid multinomial distribution (sum of probabilities <= 0)".into(),
        ));
    }
    let mut words = Vec::with_capacity(2 * rows * k);
    for _ in 0..rows * k {
        let u = g.uniform_f64();
        let hi = u as f32;
        words.push(hi.to_bits() as i32);
        words.push(i32::from(u > hi as f64));
    }
    let u = upload(&Tensor::from_vec(words, &[2 * rows * k]))?;
    crate::backend::gpu::kernels::multinomial(&p, &u, rows, n_cat, k)
}
