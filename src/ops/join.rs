//! Joining and rearranging: cat/stack, repeat, flip, roll, triangular masks, diag.

use crate::dtype::ResultType;
use crate::error::{Error, Result};
use crate::ops::view;

use crate::shape::{Dims, wrap_dim};
use crate::tensor::Tensor;

fn sizes(s: &[usize]) -> String {
    format!(
        "[{}]",
        s.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub fn cat(ts: &[Tensor], dim: i64) -> Result<Tensor> {
    if ts.is_empty() {
        return Err(Error::Runtime(
            "torch.cat(): expected a non-empty list of Tensors".into(),
        ));
    }
    // Legacy rule: 1-d empty tensors are skipped.
    let parts: Vec<&Tensor> = ts
        .iter()
        .filter(|t| !(t.ndim() == 1 && t.numel() == 0))
        .collect();
    let dtype = ts
        .iter()
        .fold(ResultType::default(), |r, t| r.tensor(t.dtype(), 1))
        .result();
    if parts.is_empty() {
        return Ok(Tensor::zeros(&[0], dtype));
    }
    if let Some(i) = ts.iter().position(|t| t.ndim() == 0) {
        return Err(Error::Runtime(format!(
            "zero-dimensional tensor (at position {}) cannot be concatenated",
            i
        )));
    }
    let first = parts[0];
    let d = wrap_dim(dim, first.ndim())?;
    let mut total = 0;
    for (i, t) in parts.iter().enumerate() {
        if t.ndim() != first.ndim() {
            return Err(Error::Runtime(format!(
                "Tensors must have same number of dimensions: got {} and {}",
                first.ndim(),
                t.ndim()
            )));
        }
        for k in 0..t.ndim() {
            if k != d && t.shape()[k] != first.shape()[k] {
                return Err(Error::Runtime(format!(
                    "Sizes of tensors must match except in dimension {}. Expected size {} but got size {} for tensor number {} in the list.",
                    d,
                    first.shape()[k],
                    t.shape()[k],
                    i
                )));
            }
        }
        total += t.shape()[d];
    }
    let mut shape: Dims = first.shape().into();
    shape[d] = total;
    let device = crate::backend::gpu::same_device(&parts)?;
    let out = if device == crate::tensor::Device::Cpu {
        Tensor::zeros(&shape, dtype)
    } else {
        crate::backend::gpu::empty(&shape, dtype)?
    };
    let mut start = 0;
    for t in parts {
        let n = t.shape()[d];
        let dst = out.with_layout(out.layout().narrow(d, start, n));
        crate::tensor::try_copy_into(&dst, t)?;
        start += n;
    }
    Ok(out)
}

pub fn stack(ts: &[Tensor], dim: i64) -> Result<Tensor> {
    if ts.is_empty() {
        return Err(Error::Runtime(
            "stack expects a non-empty TensorList".into(),
        ));
    }
    for (i, t) in ts.iter().enumerate() {
        if t.shape() != ts[0].shape() {
            return Err(Error::Runtime(format!(
                "stack expects each tensor to be equal size, but got {} at entry 0 and {} at entry {}",
                sizes(ts[0].shape()),
                sizes(t.shape()),
                i
            )));
        }
    }
    let d = wrap_dim(dim, ts[0].ndim() + 1)?;
    let us: Vec<Tensor> = ts
        .iter()
        .map(|t| view::unsqueeze(t, d as i64))
        .collect::<Result<_>>()?;
    cat(&us, d as i64)
}

pub fn hstack(ts: &[Tensor]) -> Result<Tensor> {
    let ts: Vec<Tensor> = ts.iter().map(atleast_1d).collect::<Result<_>>()?;
    if ts.iter().all(|t| t.ndim() == 1) {
        cat(&ts, 0)
    } else {
        cat(&ts, 1)
    }
}

pub fn vstack(ts: &[Tensor]) -> Result<Tensor> {
    let ts: Vec<Tensor> = ts
        .iter()
        .map(|t| match t.ndim() {
            0 => view::reshape(t, &[1, 1]),
            1 => view::unsqueeze(t, 0),
            _ => Ok(t.clone()),
        })
        .collect::<Result<_>>()?;
    cat(&ts, 0)
}

fn atleast_1d(t: &Tensor) -> Result<Tensor> {
    if t.ndim() == 0 {
        view::reshape(t, &[1])
    } else {
        Ok(t.clone())
    }
}

/// `repeat(sizes)`: tiles the tensor; `sizes` may have more dims than the tensor.
pub fn repeat(t: &Tensor, reps: &[i64]) -> Result<Tensor> {
    if reps.len() < t.ndim() {
        return Err(Error::Runtime(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor".into(),
        ));
    }
    if reps.iter().any(|&r| r < 0) {
        return Err(Error::Runtime(format!(
            "Trying to create tensor with negative dimension {}: {:?}",
            reps.iter().find(|&&r| r < 0).unwrap_or(&0),
            reps
        )));
    }
    let lead = reps.len() - t.ndim();
    let mut src_shape: Vec<i64> = vec![1; lead];
    src_shape.extend(t.shape().iter().map(|&s| s as i64));
    let src = view::reshape(t, &src_shape)?;
    // Expand an interleaved (rep, size) view, then collapse pairs.
    let mut exp_shape = vec![];
    let mut unsq = vec![];
    for (i, &s) in src_shape.iter().enumerate() {
        exp_shape.push(reps[i]);
        exp_shape.push(s);
        unsq.push(1);
        unsq.push(s);
    }
    let u = view::reshape(&src, &unsq)?;
    let e = view::expand(&u, &exp_shape)?;
    let out_shape: Vec<i64> = src_shape.iter().zip(reps).map(|(&s, &r)| s * r).collect();
    // Allocated through `try_zeros`: an impossible size is an error, not an abort.
    let dims: Vec<usize> = e.shape().to_vec();
    let out = t.zeros_like_here(&dims, t.dtype())?;
    crate::tensor::try_copy_into(&out, &e)?;
    view::reshape(&out, &out_shape)
}

pub fn flip(t: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let mut l = t.layout().clone();
    let mut seen = vec![];
    for &d in dims {
        let d = wrap_dim(d, t.ndim())?;
        if seen.contains(&d) {
            return Err(Error::Runtime(format!(
                "dims has duplicates, original flip dims size={}, but unique flip dims size={}",
                dims.len(),
                seen.len()
            )));
        }
        seen.push(d);
        if t.ndim() == 0 {
            continue; // a 0-d tensor accepts dim 0 / -1 and has nothing to flip
        }
        if l.shape[d] > 0 {
            l.offset = (l.offset as isize + (l.shape[d] as isize - 1) * l.strides[d]) as usize;
        }
        l.strides[d] = -l.strides[d];
    }
    // Always a new tensor, as PyTorch (`contiguous()` could hand back a view).
    t.with_layout(l).try_to_dtype_copy(t.dtype())
}

pub fn roll(t: &Tensor, shifts: &[i64], dims: &[i64]) -> Result<Tensor> {
    if dims.is_empty() {
        let flat = view::reshape(t, &[-1])?;
        let r = roll(&flat, shifts, &[0])?;
        let shape: Vec<i64> = t.shape().iter().map(|&s| s as i64).collect();
        return view::reshape(&r, &shape);
    }
    if shifts.len() != dims.len() {
        return Err(Error::Runtime(format!(
            "shifts and dimensions must align. shifts: {}, dims:{}",
            shifts.len(),
            dims.len()
        )));
    }
    let mut cur = t.clone();
    for (&s, &d) in shifts.iter().zip(dims) {
        let dd = wrap_dim(d, t.ndim())?;
        let n = if t.ndim() == 0 {
            0
        } else {
            t.shape()[dd] as i64
        };
        if n == 0 {
            continue;
        }
        let s = s.rem_euclid(n);
        if s == 0 {
            continue;
        }
        let a = view::narrow(&cur, dd as i64, n - s, s)?;
        let b = view::narrow(&cur, dd as i64, 0, n - s)?;
        cur = cat(&[a, b], dd as i64)?;
    }
    Ok(if cur.same_storage(t) {
        cur.try_to_dtype_copy(cur.dtype())?
    } else {
        cur
    })
}

/// `tril`/`triu` on the last two dims.
pub fn tri(t: &Tensor, diagonal: i64, upper: bool) -> Result<Tensor> {
    if t.ndim() < 2 {
        return Err(Error::Runtime(format!(
            "{}: input tensor must have at least 2 dimensions",
            if upper { "triu" } else { "tril" }
        )));
    }
    let (r, c) = (t.shape()[t.ndim() - 2], t.shape()[t.ndim() - 1]);
    let mut mask = vec![false; r * c];
    for i in 0..r {
        for j in 0..c {
            let k = j as i64 - i as i64;
            mask[i * c + j] = if upper { k >= diagonal } else { k <= diagonal };
        }
    }
    let m = Tensor::from_vec(mask, &[r, c]);
    let m = crate::backend::gpu::to_device(&m, t.device())?;
    let zero = crate::ops::elementwise::Operand::Scalar(crate::dtype::Scalar::Int(0));
    crate::ops::elementwise::where_(
        &m,
        &crate::ops::elementwise::Operand::Tensor(t.clone()),
        &zero,
    )
    .and_then(|x| x.try_to_dtype(t.dtype()))
}

/// `diag`: vector -> matrix with it on a diagonal; matrix -> that diagonal.
pub fn diag(t: &Tensor, diagonal: i64) -> Result<Tensor> {
    match t.ndim() {
        1 => {
            let n = (t.shape()[0] as u64).saturating_add(diagonal.unsigned_abs()) as usize;
            let out = t.zeros_like_here(&[n, n], t.dtype())?;
            let d = view::diagonal(&out, diagonal, 0, 1)?;
            crate::tensor::try_copy_into(&d, t)?;
            Ok(out)
        }
        2 => {
            let d = view::diagonal(t, diagonal, 0, 1)?;
            Ok(d.try_to_dtype_copy(d.dtype())?)
        }
        n => Err(Error::Runtime(format!(
            "diag(): Supports 1D or 2D tensors. Got {}D",
            n
        ))),
    }
}
