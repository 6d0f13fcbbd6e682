//! Views: ops that return a tensor sharing storage, computed purely on the layout.

use crate::error::{Error, Result};
use crate::shape::{Dims, Layout, infer_size, wrap_dim};
use crate::tensor::Tensor;

fn sizes_str(s: &[usize]) -> String {
    format!(
        "[{}]",
        s.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub fn view(t: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let shape = infer_size(shape, t.numel())?;
    match t.layout().view_strides(&shape) {
        Some(strides) => Ok(t.with_layout(Layout {
            shape,
            strides,
            offset: t.layout().offset,
        })),
        None => Err(Error::Runtime(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.".into(),
        )),
    }
}

pub fn reshape(t: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let dims = infer_size(shape, t.numel())?;
    match t.layout().view_strides(&dims) {
        Some(strides) => Ok(t.with_layout(Layout {
            shape: dims,
            strides,
            offset: t.layout().offset,
        })),
        None => {
            // Through `try_zeros`: copying a huge expanded view is an error, not an abort.
            let c = Tensor::zeros_on(t.shape(), t.dtype(), t.device())?;
            crate::tensor::try_copy_into(&c, t)?;
            Ok(c.with_layout(Layout::contiguous(&dims)))
        }
    }
}

pub fn transpose(t: &Tensor, d0: i64, d1: i64) -> Result<Tensor> {
    let n = t.ndim();
    let (a, b) = (wrap_dim(d0, n)?, wrap_dim(d1, n)?);
    if n == 0 {
        return Ok(t.clone());
    }
    Ok(t.with_layout(t.layout().transpose(a, b)))
}

/// `t()`: transposes a matrix; 0-d and 1-d tensors are returned as they are.
pub fn t(x: &Tensor) -> Result<Tensor> {
    if x.ndim() > 2 {
        return Err(Error::Runtime(format!(
            "t() expects a tensor with <= 2 dimensions, but self is {}D",
            x.ndim()
        )));
    }
    if x.ndim() < 2 {
        return Ok(x.clone());
    }
    transpose(x, 0, 1)
}

pub fn permute(t: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let n = t.ndim();
    if dims.len() != n {
        return Err(Error::Runtime(format!(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}",
            n,
            dims.len()
        )));
    }
    let mut seen = vec![false; n];
    let mut w = Vec::with_capacity(n);
    for &d in dims {
        let d = wrap_dim(d, n)?;
        if seen[d] {
            return Err(Error::Runtime(
                "permute(): duplicate dims are not allowed.".into(),
            ));
        }
        seen[d] = true;
        w.push(d);
    }
    Ok(t.with_layout(t.layout().permute(&w)))
}

pub fn movedim(t: &Tensor, src: &[i64], dst: &[i64]) -> Result<Tensor> {
    let n = t.ndim();
    if src.len() != dst.len() {
        return Err(Error::Runtime(format!(
            "movedim: Invalid source or destination dims: source ({:?} dims) should contain the same number of dims as destination ({:?} dims)",
            src, dst
        )));
    }
    let s: Vec<usize> = src.iter().map(|&d| wrap_dim(d, n)).collect::<Result<_>>()?;
    let d: Vec<usize> = dst.iter().map(|&d| wrap_dim(d, n)).collect::<Result<_>>()?;
    if n == 0 {
        return Ok(t.clone()); // dims 0 / -1 of a 0-d tensor: nothing to move
    }
    let mut order: Vec<Option<usize>> = vec![None; n];
    for (&si, &di) in s.iter().zip(&d) {
        if order[di].is_some() {
            return Err(Error::Runtime(
                "movedim: repeated dim in `destination`".into(),
            ));
        }
        order[di] = Some(si);
    }
    let mut rest = (0..n).filter(|x| !s.contains(x));
    let perm: Vec<i64> = order
        .into_iter()
        .map(|o| o.or_else(|| rest.next()).unwrap_or(0) as i64)
        .collect();
    permute(t, &perm)
}

pub fn unsqueeze(t: &Tensor, dim: i64) -> Result<Tensor> {
    let d = wrap_dim(dim, t.ndim() + 1)?;
    Ok(t.with_layout(t.layout().unsqueeze(d)))
}

/// `squeeze(dims)`: removes the listed dims of size 1 (all size-1 dims when `dims` is None).
pub fn squeeze(t: &Tensor, dims: Option<&[i64]>) -> Result<Tensor> {
    let n = t.ndim();
    let drop: Vec<bool> = match dims {
        None => t.shape().iter().map(|&s| s == 1).collect(),
        Some(ds) => {
            let mut v = vec![false; n];
            let mut seen = vec![];
            for &d in ds {
                let d = wrap_dim(d, n)?;
                if seen.contains(&d) {
                    return Err(Error::Runtime(format!(
                        "dim {} appears multiple times in the list of dims",
                        d
                    )));
                }
                seen.push(d);
                if n > 0 && t.shape()[d] == 1 {
                    v[d] = true;
                }
            }
            v
        }
    };
    let l = t.layout();
    let mut out = l.clone();
    out.shape = Dims::new();
    out.strides = Default::default();
    for (i, _) in drop.iter().enumerate().take(n).filter(|(_, d)| !**d) {
        out.shape.push(l.shape[i]);
        out.strides.push(l.strides[i]);
    }
    Ok(t.with_layout(out))
}

pub fn expand(t: &Tensor, sizes: &[i64]) -> Result<Tensor> {
    let n = t.ndim();
    if sizes.len() < n {
        return Err(Error::Runtime(format!(
            "expand(torch.FloatTensor{{{}}}, size=[{}]): the number of sizes provided ({}) must be greater or equal to the number of dimensions in the tensor ({})",
            t.shape()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            sizes
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            sizes.len(),
            n
        )));
    }
    let lead = sizes.len() - n;
    let mut target = Vec::with_capacity(sizes.len());
    for (i, &s) in sizes.iter().enumerate() {
        if s == -1 {
            if i < lead {
                return Err(Error::Runtime(format!(
                    "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension {}",
                    i
                )));
            }
            target.push(t.shape()[i - lead]);
        } else if s < 0 {
            return Err(Error::Runtime(format!("invalid shape dimension {}", s)));
        } else {
            target.push(s as usize);
        }
    }
    // PyTorch's safe_compute_numel: the element count must fit in int64.
    if target
        .iter()
        .try_fold(1i64, |acc, &s| acc.checked_mul(s as i64))
        .is_none()
    {
        return Err(Error::Runtime(
            "numel: integer multiplication overflow".into(),
        ));
    }
    Ok(t.with_layout(t.layout().broadcast_to(&target)?))
}

pub fn flatten(t: &Tensor, start: i64, end: i64) -> Result<Tensor> {
    let n = t.ndim();
    let (s, e) = (wrap_dim(start, n)?, wrap_dim(end, n)?);
    if s > e {
        return Err(Error::Runtime(
            "flatten() has invalid args: start_dim cannot come after end_dim".into(),
        ));
    }
    if n == 0 {
        return reshape(t, &[1]);
    }
    let mut shape: Vec<i64> = t.shape()[..s].iter().map(|&v| v as i64).collect();
    shape.push(t.shape()[s..=e].iter().product::<usize>() as i64);
    shape.extend(t.shape()[e + 1..].iter().map(|&v| v as i64));
    reshape(t, &shape)
}

pub fn unflatten(t: &Tensor, dim: i64, sizes: &[i64]) -> Result<Tensor> {
    let n = t.ndim();
    if n == 0 {
        return Err(no_dims(dim));
    }
    let d = wrap_dim(dim, n)?;
    let inner = infer_size(sizes, t.shape()[d]).map_err(|_| {
        Error::Runtime(format!(
            "unflatten: Provided sizes {:?} don't multiply up to the size of dim {} ({}) in the input tensor",
            sizes,
            dim,
            t.shape()[d]
        ))
    })?;
    let mut shape: Vec<i64> = t.shape()[..d].iter().map(|&v| v as i64).collect();
    shape.extend(inner.iter().map(|&v| v as i64));
    shape.extend(t.shape()[d + 1..].iter().map(|&v| v as i64));
    view(t, &shape).or_else(|_| reshape(t, &shape))
}

pub fn narrow(t: &Tensor, dim: i64, start: i64, length: i64) -> Result<Tensor> {
    if t.ndim() == 0 {
        return Err(Error::Runtime(
            "narrow() cannot be applied to a 0-dim tensor.".into(),
        ));
    }
    let d = wrap_dim(dim, t.ndim())?;
    if length < 0 {
        return Err(Error::Runtime(
            "narrow(): length must be non-negative.".into(),
        ));
    }
    let size = t.shape()[d] as i64;
    if start < -size || start > size {
        return Err(Error::Index(format!(
            "start out of range (expected to be in range of [{}, {}], but got {})",
            -size, size, start
        )));
    }
    let start = if start < 0 { start + size } else { start };
    if start > size - length {
        return Err(Error::Runtime(format!(
            "start ({}) + length ({}) exceeds dimension size ({}).",
            start, length, size
        )));
    }
    Ok(t.with_layout(t.layout().narrow(d, start as usize, length as usize)))
}

pub fn select(t: &Tensor, dim: i64, index: i64) -> Result<Tensor> {
    if t.ndim() == 0 {
        return Err(Error::Index(
            "select() cannot be applied to a 0-dim tensor.".into(),
        ));
    }
    let d = wrap_dim(dim, t.ndim())?;
    let size = t.shape()[d] as i64;
    if index < -size || index >= size {
        return Err(Error::Index(format!(
            "index {} is out of bounds for dimension {} with size {}",
            index, d, size
        )));
    }
    let i = if index < 0 { index + size } else { index } as usize;
    Ok(t.with_layout(t.layout().select(d, i)))
}

/// `unfold(dim, size, step)`: the windows `[i*step, i*step + size)` along `dim`, as a view
/// (PyTorch's `Tensor.unfold`): `dim` becomes the window count `(n - size) / step + 1` with
/// stride `step * stride`, and a new last dim of `size` walks one window with the old stride.
/// Windows overlap when `step < size`; the checks and their order are ATen's.
pub fn unfold(t: &Tensor, dim: i64, size: i64, step: i64) -> Result<Tensor> {
    let n = t.ndim();
    let d = wrap_dim(dim, n)?;
    let max = if n == 0 { 1 } else { t.shape()[d] as i64 };
    if size > max {
        return Err(Error::Runtime(format!(
            "maximum size for tensor at dimension {} is {} but size is {}",
            d, max, size
        )));
    }
    if size < 0 {
        return Err(Error::Runtime(format!("size is {} but must be >= 0", size)));
    }
    if step <= 0 {
        return Err(Error::Runtime(format!("step is {} but must be > 0", step)));
    }
    let mut out = t.layout().clone();
    let inner = if n == 0 { 1 } else { out.strides[d] };
    if n > 0 {
        out.shape[d] = ((max - size) / step + 1) as usize;
        out.strides[d] = inner * step as isize;
    }
    out.shape.push(size as usize);
    out.strides.push(inner);
    Ok(t.with_layout(out))
}

/// Python-style slice along `dim` with already-normalised `start`, `stop`, `step > 0`.
pub fn slice(t: &Tensor, dim: usize, start: i64, stop: i64, step: i64) -> Result<Tensor> {
    if step <= 0 {
        return Err(Error::Value("step must be greater than zero".into()));
    }
    let size = t.shape()[dim] as i64;
    let clamp = |v: i64| {
        let v = if v < 0 { v + size } else { v };
        v.clamp(0, size)
    };
    let (s, e) = (clamp(start), clamp(stop));
    let len = if e > s { (e - s - 1) / step + 1 } else { 0 }; // no overflow for a huge step
    Ok(t.with_layout(
        t.layout()
            .slice(dim, s as usize, len as usize, step as usize),
    ))
}

/// Splits `dim` into pieces of `sizes` (which must add up to the dim's size).
pub fn split_with_sizes(t: &Tensor, sizes: &[i64], dim: i64) -> Result<Vec<Tensor>> {
    if t.ndim() == 0 {
        return Err(Error::Runtime(
            "split_with_sizes expects at least a 1-dimensional tensor".into(),
        ));
    }
    let d = wrap_dim(dim, t.ndim())?;
    let total: i64 = sizes.iter().sum();
    if sizes.iter().any(|&s| s < 0) || total != t.shape()[d] as i64 {
        return Err(Error::Runtime(format!(
            "split_with_sizes expects split_sizes to sum exactly to {} (input tensor's size at dimension {}), but got split_sizes={}",
            t.shape()[d],
            dim,
            sizes_str(&sizes.iter().map(|&v| v.max(0) as usize).collect::<Vec<_>>())
        )));
    }
    let mut start = 0usize;
    let mut out = Vec::with_capacity(sizes.len());
    for &s in sizes {
        out.push(t.with_layout(t.layout().narrow(d, start, s as usize)));
        start += s as usize;
    }
    Ok(out)
}

/// `split(int)`: pieces of `size` along `dim`, the last one smaller.
pub fn split(t: &Tensor, size: i64, dim: i64) -> Result<Vec<Tensor>> {
    if t.ndim() == 0 {
        return Err(Error::Runtime(
            "split expects at least a 1-dimensional tensor".into(),
        ));
    }
    let d = wrap_dim(dim, t.ndim())?;
    let n = t.shape()[d] as i64;
    if size < 0 || (size == 0 && n != 0) {
        return Err(Error::Runtime(format!(
            "split expects split_size be non-negative, but got split_size={}",
            size
        )));
    }
    if n == 0 {
        return Ok(vec![t.clone()]);
    }
    let mut sizes = vec![];
    let mut left = n;
    while left > 0 {
        sizes.push(size.min(left));
        left -= size;
    }
    split_with_sizes(t, &sizes, dim)
}

pub fn chunk(t: &Tensor, chunks: i64, dim: i64) -> Result<Vec<Tensor>> {
    if chunks <= 0 {
        return Err(Error::Runtime(format!(
            "chunk expects `chunks` to be greater than 0, got: {}",
            chunks
        )));
    }
    if t.ndim() == 0 {
        return Err(Error::Runtime(
            "chunk expects at least a 1-dimensional tensor".into(),
        ));
    }
    let d = wrap_dim(dim, t.ndim())?;
    let n = t.shape()[d] as i64;
    let size = (n + chunks - 1) / chunks;
    split(t, size.max(if n == 0 { 1 } else { 0 }), dim)
}

/// PyTorch's error for a dim of a 0-d tensor where the op needs a real dim.
fn no_dims(dim: i64) -> Error {
    Error::Index(format!(
        "Dimension specified as {} but tensor has no dimensions",
        dim
    ))
}

pub fn unbind(t: &Tensor, dim: i64) -> Result<Vec<Tensor>> {
    if t.ndim() == 0 {
        return Err(no_dims(dim));
    }
    let d = wrap_dim(dim, t.ndim())?;
    Ok((0..t.shape()[d])
        .map(|i| t.with_layout(t.layout().select(d, i)))
        .collect())
}

/// `diagonal(offset, dim1, dim2)` as a view.
pub fn diagonal(t: &Tensor, offset: i64, dim1: i64, dim2: i64) -> Result<Tensor> {
    let n = t.ndim();
    let (a, b) = (wrap_dim(dim1, n)?, wrap_dim(dim2, n)?);
    if a == b {
        return Err(Error::Runtime(format!(
            "diagonal dimensions cannot be identical {}, {}",
            dim1, dim2
        )));
    }
    let l = t.layout();
    let (sa, sb) = (l.shape[a] as i64, l.shape[b] as i64);
    let (len, off) = if offset >= 0 {
        ((sa).min(sb - offset).max(0), offset * l.strides[b] as i64)
    } else {
        ((sa + offset).min(sb).max(0), -offset * l.strides[a] as i64)
    };
    let mut out = Layout {
        shape: Dims::new(),
        strides: Default::default(),
        offset: if len > 0 {
            (l.offset as i64 + off) as usize
        } else {
            l.offset
        },
    };
    for i in 0..n {
        if i != a && i != b {
            out.shape.push(l.shape[i]);
            out.strides.push(l.strides[i]);
        }
    }
    out.shape.push(len as usize);
    out.strides.push(l.strides[a] + l.strides[b]);
    Ok(t.with_layout(out))
}
