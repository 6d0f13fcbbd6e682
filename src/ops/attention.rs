//! Fused scaled-dot-product attention (`_scaled_dot_product_flash_attention_for_cpu`): checks,
//! layouts and outputs; the kernels are `backend/cpu/attention.rs` (NOTE [fused attention])
//! for CPU float32/float64 and `backend/gpu/attention.rs` (`shaders/attention.wgsl`, the same
//! blocked algorithm with an online softmax) for GPU float32, which cover the same calls
//! (causal, scale, an additive mask view; grouped heads arrive expanded). No autograd here:
//! `autograd/ops_attention.rs` records the node. The Python layer
//! (`nn.functional.scaled_dot_product_attention`) calls this on PyTorch's flash path for those
//! dtypes and composes attention from other ops everywhere else (NOTE [attention paths]).

use crate::backend::cpu::attention::{self as kernel, AttnDims, AttnFloat, MaskView};
use crate::backend::gpu::attention as gpu_attn;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::spec::elementwise::not_implemented_for;
use crate::tensor::Tensor;

const OP: &str = "_scaled_dot_product_flash_attention_for_cpu";

fn shape_str(t: &Tensor) -> String {
    format!("{:?}", t.shape())
}

/// The sizes of a call, after ATen-style checks: q (B, H, L, D), k (B, H, S, D),
/// v (B, H, S, Dv), an additive mask of exactly (B, H, L, S) (a broadcast view is fine), all
/// of one float dtype on one device (float32 or float64 on the CPU, float32 on the GPU).
fn check(q: &Tensor, k: &Tensor, v: &Tensor, mask: Option<&Tensor>) -> Result<AttnDims> {
    let all: Vec<&Tensor> = [q, k, v].into_iter().chain(mask).collect();
    crate::backend::gpu::same_device(&all)?;
    if !matches!(q.dtype(), DType::F32 | DType::F64) {
        return Err(not_implemented_for(OP, q.dtype()));
    }
    if all.iter().any(|t| t.dtype() != q.dtype()) {
        return Err(Error::Runtime(format!(
            "{OP}: expected query, key, value and attn_mask to share the dtype {:?}",
            q.dtype()
        )));
    }
    if [q, k, v].iter().any(|t| t.ndim() != 4) {
        return Err(Error::Runtime(format!(
            "{OP}: expected 4-d query, key and value, got {}, {} and {}",
            shape_str(q),
            shape_str(k),
            shape_str(v)
        )));
    }
    let (qs, ks, vs) = (q.shape(), k.shape(), v.shape());
    if ks[..2] != qs[..2] || vs[..3] != ks[..3] || ks[3] != qs[3] {
        return Err(Error::Runtime(format!(
            "{OP}: query {}, key {} and value {} do not match",
            shape_str(q),
            shape_str(k),
            shape_str(v)
        )));
    }
    if let Some(m) = mask {
        let want = [qs[0], qs[1], qs[2], ks[2]];
        if m.shape() != want {
            return Err(Error::Runtime(format!(
                "{OP}: attn_mask {} should be {:?}",
                shape_str(m),
                want
            )));
        }
    }
    Ok(AttnDims {
        bh: qs[0] * qs[1],
        heads: qs[1],
        l: qs[2],
        s: ks[2],
        d: qs[3],
        dv: vs[3],
    })
}

/// The mask's elements as a slice spanning its view, with its strides; a view with negative
/// strides is copied to a contiguous one first.
fn mask_parts(m: &Tensor) -> Result<(Tensor, [usize; 4])> {
    let m = if m.strides().iter().any(|&s| s < 0) {
        m.try_contiguous()?
    } else {
        m.clone()
    };
    let mut st = [0usize; 4];
    for (o, &s) in st.iter_mut().zip(m.strides()) {
        *o = s as usize;
    }
    Ok((m, st))
}

fn mask_view<'a, T: Element>(m: &'a Tensor, strides: [usize; 4]) -> Option<MaskView<'a, T>> {
    if m.numel() == 0 {
        return None;
    }
    let span = 1 + m
        .shape()
        .iter()
        .zip(strides)
        .map(|(&n, s)| (n - 1) * s)
        .sum::<usize>();
    // SAFETY: the layout of a tensor is validated against its storage when it is made, so
    // every element its shape and (non-negative) strides reach, i.e. `span` elements from the
    // view's first one, lies inside the storage; the tensor (and its storage) outlives 'a.
    let data = unsafe { std::slice::from_raw_parts(m.ptr::<T>() as *const T, span) };
    Some(MaskView { data, strides })
}

fn run_forward<T: AttnFloat + Element>(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&(Tensor, [usize; 4])>,
    dims: AttnDims,
    causal: bool,
    scale: f64,
) -> (Tensor, Tensor) {
    let mut out = vec![T::zero(); dims.bh * dims.l * dims.dv];
    let mut lse = vec![T::zero(); dims.bh * dims.l];
    let mv = mask.and_then(|(m, st)| mask_view::<T>(m, *st));
    kernel::forward(
        q.as_slice::<T>(),
        k.as_slice::<T>(),
        v.as_slice::<T>(),
        mv,
        dims,
        causal,
        T::from_f64(scale),
        &mut out,
        &mut lse,
    );
    let b = q.shape()[0];
    let h = q.shape()[1];
    (
        Tensor::from_vec(out, &[b, h, dims.l, dims.dv]),
        Tensor::from_vec(lse, &[b, h, dims.l]),
    )
}

/// `(out, logsumexp)`: softmax(scale * q k^T + mask, masked past the diagonal when `causal`) v
/// per head, and each query row's log-sum-exp (+inf for a row with no visible key).
pub fn flash_forward(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
    causal: bool,
    scale: f64,
) -> Result<(Tensor, Tensor)> {
    let dims = check(q, k, v, mask)?;
    let m = mask.map(mask_parts).transpose()?;
    if q.is_gpu() {
        return gpu_attn::forward(q, k, v, m.as_ref().map(|p| &p.0), dims, causal, scale);
    }
    let (q, k, v) = (
        q.try_contiguous()?,
        k.try_contiguous()?,
        v.try_contiguous()?,
    );
    Ok(match q.dtype() {
        DType::F32 => run_forward::<f32>(&q, &k, &v, m.as_ref(), dims, causal, scale),
        _ => run_forward::<f64>(&q, &k, &v, m.as_ref(), dims, causal, scale),
    })
}

#[allow(clippy::too_many_arguments)]
fn run_backward<T: AttnFloat + Element>(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&(Tensor, [usize; 4])>,
    out: &Tensor,
    lse: &Tensor,
    grad: &Tensor,
    dims: AttnDims,
    causal: bool,
    scale: f64,
) -> (Tensor, Tensor, Tensor) {
    let mut dq = vec![T::zero(); q.numel()];
    let mut dk = vec![T::zero(); k.numel()];
    let mut dv = vec![T::zero(); v.numel()];
    let mv = mask.and_then(|(m, st)| mask_view::<T>(m, *st));
    kernel::backward(
        q.as_slice::<T>(),
        k.as_slice::<T>(),
        v.as_slice::<T>(),
        mv,
        out.as_slice::<T>(),
        lse.as_slice::<T>(),
        grad.as_slice::<T>(),
        dims,
        causal,
        T::from_f64(scale),
        (&mut dq, &mut dk, &mut dv),
    );
    (
        Tensor::from_vec(dq, q.shape()),
        Tensor::from_vec(dk, k.shape()),
        Tensor::from_vec(dv, v.shape()),
    )
}

/// The gradients of q, k and v from the forward's `out` and `lse` and the output gradient.
#[allow(clippy::too_many_arguments)]
pub fn flash_backward(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: Option<&Tensor>,
    out: &Tensor,
    lse: &Tensor,
    grad: &Tensor,
    causal: bool,
    scale: f64,
) -> Result<(Tensor, Tensor, Tensor)> {
    let dims = check(q, k, v, mask)?;
    let want_out = [q.shape()[0], q.shape()[1], dims.l, dims.dv];
    if out.shape() != want_out
        || grad.shape() != want_out
        || lse.shape() != &want_out[..3]
        || [out, lse, grad]
            .iter()
            .any(|t| t.dtype() != q.dtype() || t.device() != q.device())
    {
        return Err(Error::Runtime(format!(
            "{OP}_backward: expected out and grad_out of {:?} and logsumexp of {:?} ({:?}, \
             {}), got {}, {} and {}",
            want_out,
            &want_out[..3],
            q.dtype(),
            q.device(),
            shape_str(out),
            shape_str(grad),
            shape_str(lse)
        )));
    }
    let m = mask.map(mask_parts).transpose()?;
    if q.is_gpu() {
        if dims.d == 0 || dims.dv == 0 {
            // Degenerate widths: every gradient is zero, as the CPU kernel gives.
            let z = |t: &Tensor| Tensor::zeros_on(t.shape(), t.dtype(), t.device());
            return Ok((z(q)?, z(k)?, z(v)?));
        }
        let mask = m.as_ref().map(|p| &p.0);
        return gpu_attn::backward(q, k, v, mask, out, lse, grad, dims, causal, scale);
    }
    let c = |t: &Tensor| t.try_contiguous();
    let (q, k, v, out, lse, grad) = (c(q)?, c(k)?, c(v)?, c(out)?, c(lse)?, c(grad)?);
    Ok(match q.dtype() {
        DType::F32 => run_backward::<f32>(
            &q,
            &k,
            &v,
            m.as_ref(),
            &out,
            &lse,
            &grad,
            dims,
            causal,
            scale,
        ),
        _ => run_backward::<f64>(
            &q,
            &k,
            &v,
            m.as_ref(),
            &out,
            &lse,
            &grad,
            dims,
            causal,
            scale,
        ),
    })
}
