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
                        adv.push((dim + k, col.try_contiguous()?));
                    }
                    dim += x.ndim();
                    real_dim += x.ndim();
                } else {
                    adv.push((dim, x.try_to_dtype(DType::I64)?));
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
    offsets: Offsets,
    index_shape: Dims,
    rest: Layout,
    insert_at: usize,
}

/// Host offsets for a CPU tensor; an int32 device tensor of the index shape for a GPU one.
enum Offsets {
    Host(Vec<isize>),
    Device(Tensor),
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
    let offsets = if v.is_gpu() {
        Offsets::Device(device_offsets(v, adv, &shape)?)
    } else {
        Offsets::Host(host_offsets(v, adv, &shape)?)
    };
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

fn host_offsets(v: &Tensor, adv: &[(usize, Tensor)], shape: &[usize]) -> Result<Vec<isize>> {
    let n: usize = shape.iter().product();
    let mut offsets = vec![v.layout().offset as isize; n];
    for (k, (d, t)) in adv.iter().enumerate() {
        let b = t.with_layout(t.layout().broadcast_to(shape)?);
        let vals = b.try_to_vec::<i64>()?;
        let (size, stride) = (v.shape()[*d], v.strides()[*d]);
        for (o, &i) in offsets.iter_mut().zip(&vals) {
            // PyTorch's index kernel names the position among the index tensors.
            *o += norm_index(i, size, k)? * stride;
        }
    }
    Ok(offsets)
}

/// The offsets computed on the device; an out-of-range index is found with one number read
/// back, and only then are the indices read to name it as the CPU path does.
fn device_offsets(v: &Tensor, adv: &[(usize, Tensor)], shape: &[usize]) -> Result<Tensor> {
    use crate::backend::gpu::kernels;
    let zeros = vec![0isize; shape.len()];
    let mut prev: Option<Tensor> = None;
    let mut idx_dev = Vec::with_capacity(adv.len());
    for (d, t) in adv {
        let t = on_gpu(t)?;
        let base = if prev.is_none() {
            v.layout().offset as isize
        } else {
            0
        };
        let o = kernels::offsets(
            &t,
            shape,
            &zeros,
            base,
            v.shape()[*d],
            v.strides()[*d],
            prev.as_ref(),
        )?;
        prev = Some(o);
        idx_dev.push(t);
    }
    let offs = prev.expect("at least one index tensor");
    if kernels::any_negative(&offs)? {
        host_offsets(v, adv, shape)?;
        return Err(Error::Index("index out of range".into()));
    }
    Ok(offs)
}

/// An integer index tensor on the GPU (CPU indices are uploaded, as PyTorch accepts them
/// for device tensors).
fn on_gpu(t: &Tensor) -> Result<Tensor> {
    if t.is_gpu() {
        Ok(t.clone())
    } else {
        crate::backend::gpu::upload(&t.try_to_dtype(DType::I64)?)
    }
}

/// CPU tensors indexed by GPU index tensors: PyTorch's error.
fn check_index_devices(t: &Tensor, items: &[IndexItem]) -> Result<()> {
    if !t.is_gpu()
        && items
            .iter()
            .any(|i| matches!(i, IndexItem::Tensor(x) if x.is_gpu()))
    {
        return Err(Error::Runtime(
            "indices should be either on cpu or on the same device as the indexed tensor (cpu)"
                .into(),
        ));
    }
    Ok(())
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
    check_index_devices(t, items)?;
    let (v, adv) = apply_basic(t, items)?;
    if adv.is_empty() {
        return Ok(v);
    }
    let a = advanced(&v, &adv)?;
    let (shape, perm) = result_order(&a);
    let out = Tensor::zeros_on(&shape, v.dtype(), v.device())?;
    match &a.offsets {
        Offsets::Device(offs) => {
            crate::backend::gpu::kernels::gather(&out, &v, offs, &a.rest.shape, &a.rest.strides)?
        }
        Offsets::Host(offsets) => {
            let block: usize = a.rest.shape.iter().product();
            dispatch!(v.dtype(), T => {
                let src = v.storage().ptr() as *const T;
                let dst = out.ptr::<T>();
                for (bi, &base) in offsets.iter().enumerate() {
                    let mut sub = a.rest.clone();
                    sub.offset = base as usize;
                    for_each_offset(&sub, |k, off| {
                        // SAFETY: offsets were bounds-checked against v's layout.
                        unsafe { *dst.add(bi * block + k) = *src.offset(off) };
                    });
                }
            });
        }
    }
    view::permute(&out, &perm)
}

pub fn setitem(t: &Tensor, items: &[IndexItem], value: &Operand) -> Result<()> {
    check_index_devices(t, items)?;
    let (v, adv) = apply_basic(t, items)?;
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
    let src = view::permute(&src, &inv)?;
    match &a.offsets {
        Offsets::Device(offs) => {
            let src = if src.is_gpu() {
                src
            } else {
                crate::backend::gpu::upload(&src.try_contiguous()?)?
            };
            crate::backend::gpu::kernels::scatter(
                &v,
                offs,
                &a.rest.shape,
                &a.rest.strides,
                &src,
                crate::backend::gpu::shaders::Combine::Replace,
            )?;
        }
        Offsets::Host(offsets) => {
            crate::backend::gpu::same_device(&[&v, &src])?;
            let src = src.try_contiguous()?;
            let block: usize = a.rest.shape.iter().product();
            dispatch!(v.dtype(), T => {
                let dst = v.storage().ptr() as *mut T;
                let s = src.ptr::<T>();
                for (bi, &base) in offsets.iter().enumerate() {
                    let mut sub = a.rest.clone();
                    sub.offset = base as usize;
                    for_each_offset(&sub, |k, off| {
                        // SAFETY: offsets were bounds-checked; src is contiguous of the full shape.
                        unsafe { *dst.offset(off) = *s.add(bi * block + k) };
                    });
                }
            });
        }
    }
    t.storage().bump_version();
    Ok(())
}

/// The value of `t[...] = value` as a tensor of `dtype`: leading size-1 dims dropped (PyTorch's
/// `slicePrefix1sSize`, so a (1, n) value fills an (n,) slice), and copied first when it
/// shares `t`'s storage, so that overlapping reads see the old values (as NumPy).
fn setitem_value(t: &Tensor, value: &Operand, dtype: DType) -> Result<Tensor> {
    let src = value.as_tensor(dtype)?;
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
        src.try_to_dtype_copy(dtype)?
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
    if x.is_gpu() {
        return crate::backend::gpu::kernels::nonzero(x);
    }
    let b = x.try_to_dtype(DType::Bool)?.try_contiguous()?;
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
    crate::backend::gpu::same_device(&[x, mask])?;
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
        &[IndexItem::Tensor(
            mb.try_contiguous()?.try_to_dtype(DType::Bool)?,
        )],
    )
}

pub fn masked_fill(x: &Tensor, mask: &Tensor, value: &Operand) -> Result<Tensor> {
    crate::backend::gpu::same_device(&[x, mask])?;
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
    // Out of place, ATen's `masked_fill` expands input and mask together (`expand_outplace`):
    // the result has their broadcast shape. The in-place form checks that it is the input's
    // (`check_masked_fill_inplace`).
    broadcast_shapes(x.shape(), mask.shape())?;
    let v = value.as_tensor(x.dtype())?;
    where_(mask, &Operand::Tensor(v), &Operand::Tensor(x.clone()))
}

/// `masked_fill_` writes into `x`: the mask must broadcast to `x`'s shape (TensorIterator's
/// text for an output that does not match the broadcast shape).
pub fn check_masked_fill_inplace(x: &Tensor, mask: &Tensor) -> Result<()> {
    let shape = broadcast_shapes(x.shape(), mask.shape())?;
    if shape.as_slice() != x.shape() {
        let list = |s: &[usize]| {
            s.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Error::Runtime(format!(
            "output with shape [{}] doesn't match the broadcast shape [{}]",
            list(x.shape()),
            list(&shape)
        )));
    }
    Ok(())
}

fn index_vec(index: &Tensor, name: &str) -> Result<Vec<i64>> {
    check_int_index(index, name)?;
    index.try_to_vec::<i64>()
}

fn check_int_index(index: &Tensor, name: &str) -> Result<()> {
    if !index.dtype().is_int() {
        return Err(Error::Runtime(format!(
            "{}(): Expected dtype int32/int64 for index but got: {}",
            name,
            type_title(index.dtype())
        )));
    }
    Ok(())
}

pub fn index_select(x: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    if index.ndim() > 1 {
        return Err(Error::Index(
            "index_select(): Index is supposed to be a vector".into(),
        ));
    }
    check_int_index(index, "index_select")?;
    crate::backend::gpu::same_device(&[x, index])?;
    let d = wrap_dim(dim, x.ndim())?;
    let idx = view::reshape(index, &[-1])?;
    let mut items: Vec<IndexItem> = (0..d).map(|_| IndexItem::Slice(None, None, 1)).collect();
    if x.ndim() == 0 {
        let i = index.try_to_vec::<i64>()?;
        norm_index(*i.first().unwrap_or(&0), 1, 0)?;
        return Ok(x.clone());
    }
    items.push(IndexItem::Tensor(idx.try_to_dtype(DType::I64)?));
    getitem(x, &items)
}

/// Offsets of `x[..., index[i], ...]` for gather/scatter: for each element of `index`,
/// the offset in `x` (with `index` values along `dim`) and its position in `index`.
fn gather_offsets(x: &Tensor, dim: usize, index: &Tensor, name: &str) -> Result<Vec<isize>> {
    check_gather_shape(x, dim, index, name)?;
    let vals = index.try_to_vec::<i64>()?;
    let size = if x.ndim() == 0 { 1 } else { x.shape()[dim] };
    let mut out = Vec::with_capacity(vals.len());
    // A 0-d index (allowed with a 1-d input: ATen's `ensure_nonempty_dim`) walks as shape [1].
    let ishape: &[usize] = if index.ndim() == 0 {
        &[1]
    } else {
        index.shape()
    };
    let nd = ishape.len();
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
            let i = (rem % ishape[d]) as isize;
            rem /= ishape[d];
            if x.ndim() > 0 {
                off += if d == dim { v } else { i } * x.strides()[d];
            }
        }
        out.push(off);
    }
    Ok(out)
}

/// `gather_offsets` computed on the GPU (an int32 tensor of the index's shape); an index out
/// of range is reported as the CPU path reports it, after one number is read back.
fn gather_offsets_gpu(x: &Tensor, dim: usize, index: &Tensor, name: &str) -> Result<Tensor> {
    check_gather_shape(x, dim, index, name)?;
    let idx = on_gpu(index)?;
    let (size, istride) = if x.ndim() == 0 {
        (1, 0)
    } else {
        (x.shape()[dim], x.strides()[dim])
    };
    let cstrides: Vec<isize> = (0..index.ndim())
        .map(|d| {
            if x.ndim() == 0 || d == dim {
                0
            } else {
                x.strides()[d]
            }
        })
        .collect();
    let offs = crate::backend::gpu::kernels::offsets(
        &idx,
        index.shape(),
        &cstrides,
        x.layout().offset as isize,
        size,
        istride,
        None,
    )?;
    if crate::backend::gpu::kernels::any_negative(&offs)? {
        gather_offsets(x, dim, index, name)?;
        return Err(Error::Runtime("index out of range".into()));
    }
    Ok(offs)
}

/// Offsets of `x.select(dim, index[i])` for a 1-d index (index_add_, index_fill_), on the GPU.
fn row_offsets_gpu(
    x: &Tensor,
    dim: usize,
    index: &Tensor,
    err: impl Fn() -> Result<()>,
) -> Result<Tensor> {
    let idx = on_gpu(&view::reshape(index, &[-1])?)?;
    let n = idx.numel();
    let (size, stride) = if x.ndim() == 0 {
        (1, 0)
    } else {
        (x.shape()[dim], x.strides()[dim])
    };
    let offs = crate::backend::gpu::kernels::offsets(
        &idx,
        &[n],
        &[0],
        x.layout().offset as isize,
        size,
        stride,
        None,
    )?;
    if crate::backend::gpu::kernels::any_negative(&offs)? {
        err()?;
        return Err(Error::Index("index out of range".into()));
    }
    Ok(offs)
}

/// The dims of `x` other than `dim`, as (shape, strides) for the gather/scatter kernels.
fn rest_dims(x: &Tensor, dim: usize) -> (Vec<usize>, Vec<isize>) {
    (0..x.ndim())
        .filter(|&d| d != dim)
        .map(|d| (x.shape()[d], x.strides()[d]))
        .unzip()
}

/// The scatter kernel's combine for a dtype and mode.
fn combine_for(dtype: DType, mode: ScatterMode) -> crate::backend::gpu::shaders::Combine {
    use crate::backend::gpu::shaders::Combine;
    match (mode, dtype) {
        (ScatterMode::Replace, _) => Combine::Replace,
        (ScatterMode::Add, DType::F32) => Combine::AddF32,
        (ScatterMode::Add, DType::Bool) => Combine::Or,
        (ScatterMode::Add, _) => Combine::AddI32,
        (ScatterMode::Multiply, DType::F32) => Combine::MulF32,
        (ScatterMode::Multiply, DType::Bool) => Combine::And,
        (ScatterMode::Multiply, _) => Combine::MulI32,
    }
}

fn check_gather_shape(x: &Tensor, dim: usize, index: &Tensor, name: &str) -> Result<()> {
    check_int_index(index, name)?;
    // ATen's gather_shape_check compares `ensure_nonempty_dim`s: a 0-d tensor counts as 1-d.
    if index.ndim().max(1) != x.ndim().max(1) {
        return Err(Error::Runtime(
            "Index tensor must have the same number of dimensions as input tensor".to_string(),
        ));
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
    Ok(())
}

pub fn gather(x: &Tensor, dim: i64, index: &Tensor) -> Result<Tensor> {
    let d = wrap_dim(dim, x.ndim())?;
    crate::backend::gpu::same_device(&[x, index])?;
    if index.numel() == 0 {
        // ATen returns before its shape and dtype checks when there is nothing to gather.
        return if x.is_gpu() {
            crate::backend::gpu::empty(index.shape(), x.dtype())
        } else {
            Ok(Tensor::zeros(index.shape(), x.dtype()))
        };
    }
    if x.is_gpu() {
        let offs = gather_offsets_gpu(x, d, index, "gather")?;
        let out = crate::backend::gpu::empty(index.shape(), x.dtype())?;
        crate::backend::gpu::kernels::gather(&out, x, &offs, &[], &[])?;
        return Ok(out);
    }
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
    let d = wrap_dim(dim, x.ndim())?;
    crate::backend::gpu::same_device(&[x, index])?;
    if let Operand::Tensor(s) = src {
        crate::backend::gpu::same_device(&[x, s])?;
    }
    if index.numel() == 0 {
        return Ok(()); // ATen: nothing to scatter, so no shape or dtype checks either
    }
    if x.is_gpu() {
        check_gather_shape(x, d, index, "scatter")?;
    }
    let vals: Tensor = match src {
        Operand::Tensor(s) => {
            if s.dtype() != x.dtype() {
                return Err(Error::Runtime(
                    "scatter(): Expected self.dtype to be equal to src.dtype".to_string(),
                ));
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
            getitem(s, &items)?.try_contiguous()?
        }
        Operand::Scalar(v) => {
            let t = Tensor::scalar_tensor(*v, x.dtype());
            let t = if x.is_gpu() {
                crate::backend::gpu::upload(&t)?
            } else {
                t
            };
            t.with_layout(t.layout().broadcast_to(index.shape())?)
                .try_contiguous()?
        }
    };
    if x.is_gpu() {
        let offs = gather_offsets_gpu(x, d, index, "scatter")?;
        let combine = combine_for(x.dtype(), mode);
        return crate::backend::gpu::kernels::scatter(x, &offs, &[], &[], &vals, combine);
    }
    let offs = gather_offsets(x, d, index, "scatter")?;
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
    crate::backend::gpu::same_device(&[x, index, source])?;
    let d = wrap_dim(dim, x.ndim())?;
    if x.is_gpu() {
        return index_add_gpu(x, d, index, source, alpha);
    }
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
    let src = source.try_to_dtype(x.dtype())?;
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

/// `index_add_` on the GPU: the source rows (scaled by `alpha`) are accumulated atomically,
/// so repeated indices add up as on the CPU.
fn index_add_gpu(
    x: &Tensor,
    d: usize,
    index: &Tensor,
    source: &Tensor,
    alpha: Scalar,
) -> Result<()> {
    check_int_index(index, "index_add")?;
    if index.ndim() > 1 {
        return Err(Error::Index(
            "index_add_(): Index is supposed to be a vector".into(),
        ));
    }
    let n = index.numel();
    let mut want: Vec<usize> = x.shape().to_vec();
    if x.ndim() > 0 {
        want[d] = n;
    }
    let ok = if x.ndim() == 0 {
        source.numel() == 1 && n == 1
    } else {
        source.shape() == want.as_slice()
    };
    if !ok {
        let src_dim_size = if source.ndim() == 0 {
            1
        } else {
            source.shape()[d.min(source.ndim() - 1)]
        };
        if n != src_dim_size {
            return Err(Error::Index(format!(
                "index_add_(): Number of indices ({}) should be equal to source.size(dim) ({})",
                n, src_dim_size
            )));
        }
        return Err(Error::Runtime(format!(
            "index_add_(): Source/destination tensor must have same slice shapes. Destination slice shape: [{}] at dimension {} and source slice shape: [{}] at dimension {}.",
            fmt_dims(&rest_dims(x, d).0),
            d,
            fmt_dims(&rest_dims(source, d.min(source.ndim().saturating_sub(1))).0),
            d
        )));
    }
    let size = if x.ndim() == 0 { 1 } else { x.shape()[d] };
    let offs = row_offsets_gpu(x, d, index, || {
        for i in index.try_to_vec::<i64>()? {
            norm_index(i, size, d)?;
        }
        Ok(())
    })?;
    let mut src = crate::backend::gpu::ops::cast(source, x.dtype())?;
    if alpha.to_f64() != 1.0 {
        src = crate::ops::elementwise::binary(
            crate::ops::elementwise::BinaryOp::Mul,
            &Operand::Tensor(src),
            &Operand::Scalar(alpha),
        )?
        .try_to_dtype(x.dtype())?;
    }
    if x.ndim() > 0 {
        src = view::movedim(&src, &[d as i64], &[0])?;
    }
    let (rs, rst) = rest_dims(x, d);
    crate::backend::gpu::kernels::scatter(
        x,
        &offs,
        &rs,
        &rst,
        &src,
        combine_for(x.dtype(), ScatterMode::Add),
    )
}

fn fmt_dims(s: &[usize]) -> String {
    s.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn index_fill_(x: &Tensor, dim: i64, index: &Tensor, value: Scalar) -> Result<()> {
    crate::backend::gpu::same_device(&[x, index])?;
    let d = wrap_dim(dim, x.ndim())?;
    if x.is_gpu() {
        check_int_index(index, "index_fill")?;
        let size = if x.ndim() == 0 { 1 } else { x.shape()[d] };
        let offs = row_offsets_gpu(x, d, index, || {
            for i in index.try_to_vec::<i64>()? {
                norm_index(i, size, d)?;
            }
            Ok(())
        })?;
        let (rs, rst) = rest_dims(x, d);
        let mut shape = vec![offs.numel()];
        shape.extend_from_slice(&rs);
        let src = crate::backend::gpu::empty(&shape, x.dtype())?;
        crate::backend::gpu::ops::fill(&src, value)?;
        return crate::backend::gpu::kernels::scatter(
            x,
            &offs,
            &rs,
            &rst,
            &src,
            crate::backend::gpu::shaders::Combine::Replace,
        );
    }
    let idx = index_vec(index, "index_fill")?;
    let size = if x.ndim() == 0 { 1 } else { x.shape()[d] };
    for &i in &idx {
        let i = norm_index(i, size, d)?;
        let dst = if x.ndim() == 0 {
            x.clone()
        } else {
            view::select(x, d as i64, i as i64)?
        };
        crate::tensor::try_fill(&dst, value)?;
    }
    x.storage().bump_version();
    Ok(())
}

/// `take(index)`: indexes the flattened tensor.
pub fn take(x: &Tensor, index: &Tensor) -> Result<Tensor> {
    crate::backend::gpu::same_device(&[x, index])?;
    if x.is_gpu() {
        check_int_index(index, "take")?;
        let flat = crate::backend::gpu::ops::contiguous(x)?;
        let n = x.numel();
        let offs = crate::backend::gpu::kernels::offsets(
            &on_gpu(index)?,
            index.shape(),
            &vec![0; index.ndim()],
            flat.layout().offset as isize,
            n,
            1,
            None,
        )?;
        if crate::backend::gpu::kernels::any_negative(&offs)? {
            take(
                &crate::backend::gpu::host(x)?,
                &crate::backend::gpu::host(index)?,
            )?;
            return Err(Error::Index("index out of range".into()));
        }
        let out = crate::backend::gpu::empty(index.shape(), x.dtype())?;
        crate::backend::gpu::kernels::gather(&out, &flat, &offs, &[], &[])?;
        return Ok(out);
    }
    let idx = index_vec(index, "take")?;
    let n = x.numel();
    let flat = x.try_contiguous()?;
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
