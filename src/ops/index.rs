//! Indexing: `t[...]` reads and writes (basic indexing as views, advanced indexing with
//! integer/bool tensors following NumPy's placement rules), and the gather/scatter family.

use crate::dispatch;
use crate::dtype::{DType, Element, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{Operand, type_title, where_};
use crate::ops::view;
use crate::shape::{Dims, Layout, broadcast_shapes, wrap_dim};
use crate::tensor::{Tensor, scalar_as};

#[derive(Clone)]
pub enum IndexItem {
    Int(i64),
    Slice(Option<i64>, Option<i64>, i64),
    NewAxis,
    Ellipsis,
    Tensor(Tensor),
}

/// Calls `f(flat_position, element_offset)` for every element of `layout`, row-major.
fn for_each_offset(layout: &Layout, mut f: impl FnMut(usize, isize)) {
    let mut k = 0usize;
    crate::backend::cpu::iter::seq_runs(&layout.shape, [&layout.strides[..]], |o, n, s| {
        for i in 0..n as isize {
            f(k, layout.offset as isize + o[0] + i * s[0]);
            k += 1;
        }
    });
}

fn check_index_dtype(t: &Tensor) -> Result<()> {
    match t.dtype() {
        DType::I64 | DType::I32 | DType::I16 | DType::I8 | DType::U8 | DType::Bool => Ok(()),
        d => Err(Error::Index(format!(
            "tensors used as indices must be long, int, byte or bool tensors (got {})",
            type_title(d)
        ))),
    }
}

/// Normalises an index value against `size`, with PyTorch's IndexError.
fn norm_index(i: i64, size: usize, dim: usize) -> Result<isize> {
    let s = size as i64;
    if i < -s || i >= s {
        return Err(Error::Index(format!(
            "index {} is out of bounds for dimension {} with size {}",
            i, dim, size
        )));
    }
    Ok(if i < 0 { i + s } else { i } as isize)
}

/// Basic indexing applied as views; returns the view and the advanced index tensors as
/// (dim of the view, int64 indices).
fn apply_basic(t: &Tensor, items: &[IndexItem]) -> Result<(Tensor, Vec<(usize, Tensor)>)> {
    let consumed: usize = items
        .iter()
        .map(|it| match it {
            IndexItem::Int(_) | IndexItem::Slice(..) => 1,
            IndexItem::Tensor(x) if x.dtype() == DType::Bool || x.dtype() == DType::U8 => x.ndim(),
            IndexItem::Tensor(_) => 1,
            _ => 0,
        })
        .sum();
    if items
        .iter()
        .filter(|i| matches!(i, IndexItem::Ellipsis))
        .count()
        > 1
    {
        return Err(Error::Index(
            "an index can only have a single ellipsis ('...')".into(),
        ));
    }
    if consumed > t.ndim() {
        return Err(Error::Index(format!(
            "too many indices for tensor of dimension {}",
            t.ndim()
        )));
    }
    let mut v = t.clone();
    // `dim` walks the view being built; `real_dim` walks `t`, for PyTorch's error texts.
    let mut dim = 0usize;
    let mut real_dim = 0usize;
    let mut adv = vec![];
    for it in items {
        match it {
            IndexItem::Ellipsis => {
                dim += t.ndim() - consumed;
                real_dim += t.ndim() - consumed;
            }
            IndexItem::NewAxis => {
                v = view::unsqueeze(&v, dim as i64)?;
                dim += 1;
            }
            IndexItem::Int(i) => {
                let size = v.shape()[dim];
                let i = norm_index(*i, size, real_dim)?;
                v = v.with_layout(v.layout().select(dim, i as usize));
                real_dim += 1;
            }
            IndexItem::Slice(start, stop, step) => {
                let size = v.shape()[dim] as i64;
                v = view::slice(&v, dim, start.unwrap_or(0), stop.unwrap_or(size), *step)?;
                dim += 1;
                real_dim += 1;
            }
            IndexItem::Tensor(x) => {
                check_index_dtype(x)?;
                if x.dtype() == DType::Bool || x.dtype() == DType::U8 {
                    for (k, &s) in x.shape().iter().enumerate() {
                        if v.shape()[dim + k] != s {
                            return Err(Error::Index(format!(
                                "The shape of the mask [{}] at index {} does not match the shape of the indexed tensor [{}] at index {}",
                                x.shape()
                                    .iter()
                                    .map(|s| s.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                k,
                                v.shape()
                                    .iter()
                                    .map(|s| s.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                                dim + k
                            )));
                        }
                    }
                    if x.ndim() == 0 {
                        // A 0-d mask (PyTorch): a new dim of size 1, indexed by [0] (true) or
                        // [] (false) as an advanced index, so it broadcasts with the others.
                        v = view::unsqueeze(&v, dim as i64)?;
                        let keep = x.item()?.to_i64() != 0;
                        let idx: Vec<i64> = if keep { vec![0] } else { vec![] };
                        let n = idx.len();
                        adv.push((dim, Tensor::from_vec(idx, &[n])));
                        dim += 1;
                        continue;
                    }
                    let nz = nonzero(x)?;
                    for k in 0..x.ndim() {
                        let col = view::select(&nz, 1, k as i64)?;
                        adv.push((dim + k, col.contiguous()));
                    }
                    dim += x.ndim();
                    real_dim += x.ndim();
                } else {
                    adv.push((dim, x.to_dtype(DType::I64)));
                    dim += 1;
                    real_dim += 1;
                }
            }
        }
    }
    Ok((v, adv))
}

/// Element offsets (into `v`'s storage) of each advanced-index position, the broadcast index
/// shape, the layout of the remaining dims, and where the index dims go in the result.
struct Advanced {
    offsets: Vec<isize>,
    index_shape: Dims,
    rest: Layout,
    insert_at: usize,
}

fn advanced(v: &Tensor, adv: &[(usize, Tensor)]) -> Result<Advanced> {
    let mut shape: Dims = Dims::new();
    for (_, t) in adv {
        shape = broadcast_shapes(&shape, t.shape()).map_err(|_| {
            Error::Index(format!(
                "shape mismatch: indexing tensors could not be broadcast together with shapes {}",
                adv.iter()
                    .map(|(_, t)| format!(
                        "[{}]",
                        t.shape()
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    }
    let adjacent = adv.windows(2).all(|w| w[1].0 == w[0].0 + 1);
    let insert_at = if adjacent { adv[0].0 } else { 0 };
    let n: usize = shape.iter().product();
    let mut offsets = vec![v.layout().offset as isize; n];
    for (k, (d, t)) in adv.iter().enumerate() {
        let b = t.with_layout(t.layout().broadcast_to(&shape)?);
        let vals = b.to_vec::<i64>();
        let (size, stride) = (v.shape()[*d], v.strides()[*d]);
        for (o, &i) in offsets.iter_mut().zip(&vals) {
            // PyTorch's index kernel names the position among the index tensors.
            *o += norm_index(i, size, k)? * stride;
        }
    }
    let dims: Vec<usize> = adv.iter().map(|(d, _)| *d).collect();
    let mut rest = Layout {
        shape: Dims::new(),
        strides: Default::default(),
        offset: 0,
    };
    for i in 0..v.ndim() {
        if !dims.contains(&i) {
            rest.shape.push(v.shape()[i]);
            rest.strides.push(v.strides()[i]);
        }
    }
    Ok(Advanced {
        offsets,
        index_shape: shape,
        rest,
        insert_at,
    })
}

/// Shape of the advanced result in "index dims first" order, and the permutation that puts
/// the index dims at `insert_at`.
fn result_order(a: &Advanced) -> (Dims, Vec<i64>) {
    let mut shape = a.index_shape.clone();
    shape.extend_from_slice(&a.rest.shape);
    let k = a.index_shape.len();
    let r = a.rest.shape.len();
    let mut perm: Vec<i64> = vec![];
    for i in 0..a.insert_at.min(r) {
        perm.push((k + i) as i64);
    }
    for i in 0..k {
        perm.push(i as i64);
    }
    for i in a.insert_at.min(r)..r {
        perm.push((k + i) as i64);
    }
    (shape, perm)
}

pub fn getitem(t: &Tensor, items: &[IndexItem]) -> Result<Tensor> {
    let (v, adv) = apply_basic(t, items)?;
    if adv.is_empty() {
        return Ok(v);
    }
    gpu_guard("index (advanced indexing)", t, items)?;
    let a = advanced(&v, &adv)?;
    let (shape, perm) = result_order(&a);
    let out = Tensor::zeros(&shape, v.dtype());
    let block: usize = a.rest.shape.iter().product();
    dispatch!(v.dtype(), T => {
        let src = v.storage().ptr() as *const T;
        let dst = out.ptr::<T>();
        for (bi, &base) in a.offsets.iter().enumerate() {
            let mut sub = a.rest.clone();
            sub.offset = base as usize;
            for_each_offset(&sub, |k, off| {
                // SAFETY: offsets were bounds-checked against v's layout.
                unsafe { *dst.add(bi * block + k) = *src.offset(off) };
            });
        }
    });
    view::permute(&out, &perm)
}

pub fn setitem(t: &Tensor, items: &[IndexItem], value: &Operand) -> Result<()> {
    let (v, adv) = apply_basic(t, items)?;
    if !adv.is_empty() {
        gpu_guard("index_put_ (advanced indexing)", t, items)?;
    }
    let src = setitem_value(t, value, v.dtype())?;
    if adv.is_empty() {
        // PyTorch's copy_ errors (TensorIterator broadcasting of value to the slice).
        let b = broadcast_shapes(v.shape(), src.shape())?;
        if b.as_slice() != v.shape() {
            return Err(Error::Runtime(format!(
                "output with shape [{}] doesn't match the broadcast shape [{}]",
                v.shape()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                b.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        crate::tensor::try_copy_into(&v, &src)?;
        t.storage().bump_version();
        return Ok(());
    }
    // PyTorch's index_put_ does not convert tensor values (a slice assignment does).
    if let Operand::Tensor(val) = value
        && val.dtype() != t.dtype()
    {
        return Err(Error::Runtime(format!(
            "Index put requires the source and destination dtypes match, got {} for the destination and {} for the source.",
            type_title(t.dtype()),
            type_title(val.dtype())
        )));
    }
    let a = advanced(&v, &adv)?;
    let (shape, perm) = result_order(&a);
    // Bring the value into "index dims first" order by inverting the result permutation.
    let mut target_shape: Vec<usize> = vec![0; shape.len()];
    for (i, &p) in perm.iter().enumerate() {
        target_shape[i] = shape[p as usize];
    }
    check_broadcast_to(&src, &target_shape)?;
    let src = src.with_layout(src.layout().broadcast_to(&target_shape)?);
    let mut inv = vec![0i64; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p as usize] = i as i64;
    }
    let src = view::permute(&src, &inv)?.contiguous();
    let block: usize = a.rest.shape.iter().product();
    dispatch!(v.dtype(), T => {
        let dst = v.storage().ptr() as *mut T;
        let s = src.ptr::<T>();
        for (bi, &base) in a.offsets.iter().enumerate() {
            let mut sub = a.rest.clone();
            sub.offset = base as usize;
            for_each_offset(&sub, |k, off| {
                // SAFETY: offsets were bounds-checked; src is contiguous of the full shape.
                unsafe { *dst.offset(off) = *s.add(bi * block + k) };
            });
        }
    });
    t.storage().bump_version();
    Ok(())
}

/// The value of `t[...] = value` as a tensor of `dtype`: leading size-1 dims dropped (PyTorch's
/// `slicePrefix1sSize`, so a (1, n) value fills an (n,) slice), and copied first when it
/// shares `t`'s storage, so that overlapping reads see the old values (as NumPy).
fn setitem_value(t: &Tensor, value: &Operand, dtype: DType) -> Result<Tensor> {
    let src = value.as_tensor(dtype);
    let lead = src.shape().iter().take_while(|&&s| s == 1).count();
    let src = if lead > 0 {
        let mut l = src.layout().clone();
        l.shape.drain(..lead);
        l.strides.drain(..lead);
        src.with_layout(l)
    } else {
        src
    };
    Ok(if src.same_storage(t) {
        src.to_dtype_copy(dtype)
    } else {
        src
    })
}

fn check_broadcast_to(src: &Tensor, shape: &[usize]) -> Result<()> {
    if src.layout().broadcast_to(shape).is_err() {
        return Err(Error::Runtime(format!(
            "shape mismatch: value tensor of shape [{}] cannot be broadcast to indexing result of shape [{}]",
            src.shape()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            shape
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// Indices of non-zero elements as an (n, ndim) int64 tensor.
pub fn nonzero(x: &Tensor) -> Result<Tensor> {
    crate::backend::gpu::cpu_only("nonzero", &[x])?;
    let b = x.to_dtype(DType::Bool).contiguous();
    let vals = b.as_slice::<bool>();
    let nd = x.ndim();
    let mut out: Vec<i64> = vec![];
    let mut count = 0;
    for (flat, &v) in vals.iter().enumerate() {
        if v {
            let mut rem = flat;
            let start = out.len();
            out.resize(start + nd, 0);
            for d in (0..nd).rev() {
                out[start + d] = (rem % x.shape()[d]) as i64;
                rem /= x.shape()[d];
            }
            count += 1;
        }
    }
    Ok(Tensor::from_vec(out, &[count, nd]))
}

pub fn masked_select(x: &Tensor, mask: &Tensor) -> Result<Tensor> {
    crate::backend::gpu::cpu_only("masked_select", &[x, mask])?;
    if mask.dtype() != DType::Bool && mask.dtype() != DType::U8 {
        return Err(Error::Runtime(format!(
            "masked_select: expected BoolTensor for mask, but got {}",
            type_title(mask.dtype())
        )));
    }
    let shape = broadcast_shapes(x.shape(), mask.shape())?;
    let xb = x.with_layout(x.layout().broadcast_to(&shape)?);
    let mb = mask.with_layout(mask.layout().broadcast_to(&shape)?);
    getitem(
        &xb,
        &[IndexItem::Tensor(mb.contiguous().to_dtype(DType::Bool))],
    )
}

pub fn masked_fill(x: &Tensor, mask: &Tensor, value: &Operand) -> Result<Tensor> {
    crate::backend::gpu::cpu_only("masked_fill", &[x, mask])?;
    if mask.dtype() != DType::Bool {
        return Err(Error::Runtime(format!(
            "masked_fill_ only supports boolean masks, but got mask with dtype {}",
            mask.dtype().name()
        )));
    }
    if let Operand::Tensor(v) = value
        && v.ndim() != 0
    {
        return Err(Error::Runtime(format!(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {} dimension(s).",
            v.ndim()
        )));
    }
    let shape = broadcast_shapes(x.shape(), mask.shape())?;
    if shape.as_slice() != x.shape() {
        return Err(Error::Runtime(format!(
            "The expanded size of the tensor ({}) must match the existing size ({}) at non-singleton dimension 0",
            x.shape().first().unwrap_or(&0),
            shape[0]
        )));
    }
    let v = value.as_tensor(x.dtype());
    where_(mask, &Operand::Tensor(v), &Operand::Tensor(x.clone()))
}

fn index_vec(index: &Tensor, name: &str) -> Result<Vec<i64>> {
    if !index.dtype().is_int() {
        return Err(Error::Runtime(format!(
            "{}(): Expected dtype int32/int64 for index but got: {}",
            name,
            type_title(index.dtype())
        )));
    }
    Ok(index.to_vec::<i64>())
}

pub fn index_select(x: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    crate::backend::gpu::cpu_only("index_select", &[x, index])?;
    if index.ndim() > 1 {
        return Err(Error::Index(
            "index_select(): Index is supposed to be a vector".into(),
        ));
    }
    index_vec(index, "index_select")?;
    let d = wrap_dim(dim, x.ndim())?;
    let idx = view::reshape(index, &[-1])?;
    let mut items: Vec<IndexItem> = (0..d).map(|_| IndexItem::Slice(None, None, 1)).collect();
    if x.ndim() == 0 {
        let i = index.to_vec::<i64>();
        norm_index(*i.first().unwrap_or(&0), 1, 0)?;
        return Ok(x.clone());
    }
    items.push(IndexItem::Tensor(idx.to_dtype(DType::I64)));
    getitem(x, &items)
}

/// Offsets of `x[..., index[i], ...]` for gather/scatter: for each element of `index`,
/// the offset in `x` (with `index` values along `dim`) and its position in `index`.
fn gather_offsets(x: &Tensor, dim: usize, index: &Tensor, name: &str) -> Result<Vec<isize>> {
    let vals = index_vec(index, name)?;
    if index.ndim() != x.ndim().max(1) && !(x.ndim() == 0 && index.ndim() <= 1) {
        return Err(Error::Runtime(format!(
            "Index tensor must have the same number of dimensions as input tensor"
        )));
    }
    for d in 0..index.ndim() {
        if d != dim && x.ndim() > 0 && index.shape()[d] > x.shape()[d] {
            return Err(Error::Runtime(format!(
                "Size does not match at dimension {} expected index [{}] to be no larger than self [{}] apart from dimension {}",
                d,
                index
                    .shape()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                x.shape()
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                dim
            )));
        }
    }
    let size = if x.ndim() == 0 { 1 } else { x.shape()[dim] };
    let mut out = Vec::with_capacity(vals.len());
    let nd = index.ndim();
    for (flat, &v) in vals.iter().enumerate() {
        if v < -(size as i64) || v >= size as i64 {
            return Err(Error::Runtime(format!(
                "index {} is out of bounds for dimension {} with size {}",
                v, dim, size
            )));
        }
        let v = if v < 0 { v + size as i64 } else { v } as isize;
        let mut rem = flat;
        let mut off = x.layout().offset as isize;
        for d in (0..nd).rev() {
            let i = (rem % index.shape()[d]) as isize;
            rem /= index.shape()[d];
            if x.ndim() > 0 {
                off += if d == dim { v } else { i } * x.strides()[d];
            }
        }
        out.push(off);
    }
    Ok(out)
}

pub fn gather(x: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    crate::backend::gpu::cpu_only("gather", &[x, index])?;
    let d = wrap_dim(dim, x.ndim())?;
    let offs = gather_offsets(x, d, index, "gather")?;
    let out = Tensor::zeros(index.shape(), x.dtype());
    dispatch!(x.dtype(), T => {
        let src = x.storage().ptr() as *const T;
        let dst = out.ptr::<T>();
        for (k, &o) in offs.iter().enumerate() {
            // SAFETY: offsets were bounds-checked against x.
            unsafe { *dst.add(k) = *src.offset(o) };
        }
    });
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ScatterMode {
    Replace,
    Add,
    Multiply,
}

/// In-place `scatter_` / `scatter_add_` into `x`.
pub fn scatter_(
    x: &Tensor,
    dim: i64,
    index: &Tensor,
    src: &Operand,
    mode: ScatterMode,
) -> Result<()> {
    crate::backend::gpu::cpu_only("scatter_", &[x, index])?;
    let d = wrap_dim(dim, x.ndim())?;
    let offs = gather_offsets(x, d, index, "scatter")?;
    let vals: Tensor = match src {
        Operand::Tensor(s) => {
            if s.dtype() != x.dtype() {
                return Err(Error::Runtime(format!(
                    "scatter(): Expected self.dtype to be equal to src.dtype"
                )));
            }
            for k in 0..index.ndim() {
                if s.ndim() > k && index.shape()[k] > s.shape()[k] {
                    return Err(Error::Runtime(format!(
                        "Expected index [{}] to be no larger than src [{}]",
                        index
                            .shape()
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        s.shape()
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            // Read src at the index positions.
            let mut items = vec![];
            for k in 0..index.ndim() {
                items.push(IndexItem::Slice(Some(0), Some(index.shape()[k] as i64), 1));
            }
            getitem(s, &items)?.contiguous()
        }
        Operand::Scalar(v) => {
            let t = Tensor::scalar_tensor(*v, x.dtype());
            t.with_layout(t.layout().broadcast_to(index.shape())?)
                .contiguous()
        }
    };
    dispatch!(x.dtype(), T => {
        let dst = x.storage().ptr() as *mut T;
        let s = vals.as_slice::<T>();
        for (k, &o) in offs.iter().enumerate() {
            // SAFETY: bounds-checked offsets into x.
            unsafe {
                let p = dst.offset(o);
                *p = match mode {
                    ScatterMode::Replace => s[k],
                    ScatterMode::Add => add_elem(*p, s[k]),
                    ScatterMode::Multiply => mul_elem(*p, s[k]),
                };
            }
        }
    });
    x.storage().bump_version();
    Ok(())
}

fn add_elem<T: Element>(a: T, b: T) -> T {
    if T::DTYPE.is_float() {
        T::from_f64(a.to_f64() + b.to_f64())
    } else {
        T::from_i64(a.to_i64().wrapping_add(b.to_i64()))
    }
}

fn mul_elem<T: Element>(a: T, b: T) -> T {
    if T::DTYPE.is_float() {
        T::from_f64(a.to_f64() * b.to_f64())
    } else {
        T::from_i64(a.to_i64().wrapping_mul(b.to_i64()))
    }
}

/// `index_add_(dim, index, source, alpha)` and `index_fill_` / `index_copy_` share this walk.
pub fn index_add_(
    x: &Tensor,
    dim: i64,
    index: &Tensor,
    source: &Tensor,
    alpha: Scalar,
) -> Result<()> {
    crate::backend::gpu::cpu_only("index_add_", &[x, index, source])?;
    let d = wrap_dim(dim, x.ndim())?;
    let idx = index_vec(index, "index_add")?;
    if index.ndim() > 1 {
        return Err(Error::Index(
            "index_add_(): Index is supposed to be a vector".into(),
        ));
    }
    let src_dim_size = if source.ndim() == 0 {
        1
    } else {
        source.shape()[d.min(source.ndim() - 1)]
    };
    if idx.len() != src_dim_size {
        return Err(Error::Index(format!(
            "index_add_(): Number of indices ({}) should be equal to source.size(dim) ({})",
            idx.len(),
            src_dim_size
        )));
    }
    let size = if x.ndim() == 0 { 1 } else { x.shape()[d] };
    let src = source.to_dtype(x.dtype());
    for (k, &i) in idx.iter().enumerate() {
        let i = norm_index(i, size, d)?;
        let dst = if x.ndim() == 0 {
            x.clone()
        } else {
            view::select(x, d as i64, i as i64)?
        };
        let s = if source.ndim() == 0 {
            src.clone()
        } else {
            view::select(&src, d as i64, k as i64)?
        };
        let scaled = crate::ops::elementwise::binary(
            crate::ops::elementwise::BinaryOp::Mul,
            &Operand::Tensor(s),
            &Operand::Scalar(alpha),
        )?;
        crate::ops::elementwise::binary_(
            crate::ops::elementwise::BinaryOp::Add,
            &dst,
            &Operand::Tensor(scaled),
        )?;
    }
    Ok(())
}

pub fn index_fill_(x: &Tensor, dim: i64, index: &Tensor, value: Scalar) -> Result<()> {
    crate::backend::gpu::cpu_only("index_fill_", &[x, index])?;
    let d = wrap_dim(dim, x.ndim())?;
    let idx = index_vec(index, "index_fill")?;
    let size = if x.ndim() == 0 { 1 } else { x.shape()[d] };
    for &i in &idx {
        let i = norm_index(i, size, d)?;
        let dst = if x.ndim() == 0 {
            x.clone()
        } else {
            view::select(x, d as i64, i as i64)?
        };
        crate::tensor::fill(&dst, value);
    }
    x.storage().bump_version();
    Ok(())
}

/// `take(index)`: indexes the flattened tensor.
pub fn take(x: &Tensor, index: &Tensor) -> Result<Tensor> {
    crate::backend::gpu::cpu_only("take", &[x, index])?;
    let idx = index_vec(index, "take")?;
    let n = x.numel();
    let flat = x.contiguous();
    let out = Tensor::zeros(index.shape(), x.dtype());
    dispatch!(x.dtype(), T => {
        let s = flat.as_slice::<T>();
        let dst = out.ptr::<T>();
        for (k, &i) in idx.iter().enumerate() {
            if i < -(n as i64) || i >= n as i64 {
                return Err(Error::Index(format!(
                    "out of range: tried to access index {} on a tensor of {} elements.",
                    i, n
                )));
            }
            let i = if i < 0 { i + n as i64 } else { i } as usize;
            // SAFETY: k < index numel = out numel.
            unsafe { *dst.add(k) = s[i] };
        }
    });
    Ok(out)
}

/// Fills with a scalar converted to the tensor's dtype (helper for the binding layer).
pub fn scalar_fill<T: Element>(v: Scalar) -> T {
    scalar_as(v)
}

/// Advanced indexing has no GPU kernel yet (index tensors included).
fn gpu_guard(op: &str, t: &Tensor, items: &[IndexItem]) -> Result<()> {
    let idx_gpu = items
        .iter()
        .any(|i| matches!(i, IndexItem::Tensor(x) if x.is_gpu()));
    if t.is_gpu() || idx_gpu {
        return Err(crate::backend::gpu::not_implemented(op));
    }
    Ok(())
}
