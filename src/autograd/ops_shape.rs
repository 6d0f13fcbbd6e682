//! Differentiable views, indexing, joins and matrix products (see `ops.rs` for the pattern).
//! A view's gradient is "embedded" back into a zero tensor of the input's shape by applying
//! the same view to it; embedding is itself differentiable (its backward re-applies the view).

use crate::autograd::node::{BackwardFn, Saved};
use crate::autograd::ops::{self as ag, needs_grad, record, record1};
use crate::dtype::{DType, Scalar};
use crate::error::Result;
use crate::ops::elementwise::{BinaryOp, Operand};
use crate::ops::index::{self, IndexItem, ScatterMode};
use crate::ops::{join, linalg, view};
use crate::tensor::Tensor;
use std::sync::Arc;

/// Re-applies a view (with fixed arguments) to any tensor of the input's shape.
pub type ViewFn = Arc<dyn Fn(&Tensor) -> Result<Tensor> + Send + Sync>;

fn ivec(s: &[usize]) -> Vec<i64> {
    s.iter().map(|&v| v as i64).collect()
}

/// zeros(shape) with `g` written into `f(zeros)`; differentiable in `g`.
pub fn embed(g: &Tensor, shape: &[usize], f: ViewFn) -> Result<Tensor> {
    let z = g.zeros_like_here(shape, g.dtype())?;
    let target = f(&z)?;
    crate::tensor::try_copy_into(&target, g)?;
    Ok(record1("EmbedBackward0", &[g], z, false, move |gg| {
        Ok(vec![Some(f(gg)?.try_contiguous()?)])
    }))
}

/// Records a view op: `out = f(x)`, gradient embedded through `f`.
fn view_op(name: &'static str, x: &Tensor, f: ViewFn) -> Result<Tensor> {
    let out = f(x)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let shape = x.shape().to_vec();
    Ok(record1(name, &[x], out, false, move |g| {
        Ok(vec![Some(embed(g, &shape, f.clone())?)])
    }))
}

/// Records a view whose gradient is another view (reshape-like ops): `back(g)`.
fn view_op_with(
    name: &'static str,
    x: &Tensor,
    out: Tensor,
    back: impl Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static,
) -> Result<Tensor> {
    Ok(record1(name, &[x], out, false, move |g| {
        Ok(vec![Some(back(g)?)])
    }))
}

pub fn reshape(x: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let out = view::reshape(x, shape)?;
    let s = ivec(x.shape());
    let name = if out.same_storage(x) {
        "ViewBackward0"
    } else {
        "UnsafeViewBackward0"
    };
    view_op_with(name, x, out, move |g| reshape(g, &s))
}

pub fn view(x: &Tensor, shape: &[i64]) -> Result<Tensor> {
    let out = view::view(x, shape)?;
    let s = ivec(x.shape());
    view_op_with("ViewBackward0", x, out, move |g| reshape(g, &s))
}

pub fn transpose(x: &Tensor, d0: i64, d1: i64) -> Result<Tensor> {
    let out = view::transpose(x, d0, d1)?;
    view_op_with("TransposeBackward0", x, out, move |g| transpose(g, d0, d1))
}

pub fn t(x: &Tensor) -> Result<Tensor> {
    let out = view::t(x)?;
    view_op_with("TBackward0", x, out, t)
}

pub fn permute(x: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let out = view::permute(x, dims)?;
    let n = x.ndim() as i64;
    let mut inv = vec![0i64; dims.len()];
    for (i, &d) in dims.iter().enumerate() {
        inv[(if d < 0 { d + n } else { d }) as usize] = i as i64;
    }
    view_op_with("PermuteBackward0", x, out, move |g| permute(g, &inv))
}

pub fn movedim(x: &Tensor, src: &[i64], dst: &[i64]) -> Result<Tensor> {
    let out = view::movedim(x, src, dst)?;
    let (s, d) = (src.to_vec(), dst.to_vec());
    view_op_with("PermuteBackward0", x, out, move |g| movedim(g, &d, &s))
}

pub fn unsqueeze(x: &Tensor, dim: i64) -> Result<Tensor> {
    let out = view::unsqueeze(x, dim)?;
    // PyTorch's formula `grad.squeeze(dim)` (so a recorded backward shows SqueezeBackward1).
    let d = crate::shape::wrap_dim(dim, x.ndim() + 1)? as i64;
    view_op_with("UnsqueezeBackward0", x, out, move |g| {
        squeeze(g, Some(&[d]))
    })
}

pub fn squeeze(x: &Tensor, dims: Option<&[i64]>) -> Result<Tensor> {
    let out = view::squeeze(x, dims)?;
    let s = ivec(x.shape());
    let name = match dims {
        None => "SqueezeBackward0",
        Some(d) if d.len() == 1 => "SqueezeBackward1",
        Some(_) => "SqueezeBackward2",
    };
    view_op_with(name, x, out, move |g| reshape(g, &s))
}

pub fn flatten(x: &Tensor, start: i64, end: i64) -> Result<Tensor> {
    let out = view::flatten(x, start, end)?;
    let s = ivec(x.shape());
    view_op_with("ViewBackward0", x, out, move |g| reshape(g, &s))
}

pub fn unflatten(x: &Tensor, dim: i64, sizes: &[i64]) -> Result<Tensor> {
    let out = view::unflatten(x, dim, sizes)?;
    let s = ivec(x.shape());
    view_op_with("ViewBackward0", x, out, move |g| reshape(g, &s))
}

pub fn expand(x: &Tensor, sizes: &[i64]) -> Result<Tensor> {
    let out = view::expand(x, sizes)?;
    let s = x.shape().to_vec();
    view_op_with("ExpandBackward0", x, out, move |g| ag::sum_to(g, &s))
}

pub fn narrow(x: &Tensor, dim: i64, start: i64, len: i64) -> Result<Tensor> {
    let start = if start < 0 && x.ndim() > 0 {
        start + x.shape()[crate::shape::wrap_dim(dim, x.ndim())?] as i64
    } else {
        start
    };
    view_op(
        "SliceBackward0",
        x,
        Arc::new(move |t| view::narrow(t, dim, start, len)),
    )
}

pub fn select(x: &Tensor, dim: i64, i: i64) -> Result<Tensor> {
    view_op(
        "SelectBackward0",
        x,
        Arc::new(move |t| view::select(t, dim, i)),
    )
}

pub fn diagonal(x: &Tensor, offset: i64, d1: i64, d2: i64) -> Result<Tensor> {
    view_op(
        "DiagonalBackward0",
        x,
        Arc::new(move |t| view::diagonal(t, offset, d1, d2)),
    )
}

/// `unfold` as a view; its backward adds every window's gradient back at the window's input
/// positions (overlapping windows accumulate): the window dim is moved beside `dim`, the two
/// merged, and one `index_add` along `dim` with the positions `w*step + j` (differentiable, so
/// double backward works, and it runs on both devices).
pub fn unfold(x: &Tensor, dim: i64, size: i64, step: i64) -> Result<Tensor> {
    let out = view::unfold(x, dim, size, step)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let shape = x.shape().to_vec();
    if shape.is_empty() {
        return view_op_with("UnfoldBackward0", x, out, move |g| ag::sum_to(g, &[]));
    }
    let d = crate::shape::wrap_dim(dim, shape.len())?;
    let windows = out.shape()[d];
    let (size, step) = (size as usize, step as usize);
    let pos: Vec<i64> = (0..windows)
        .flat_map(|w| (0..size).map(move |j| (w * step + j) as i64))
        .collect();
    let pos = Tensor::from_vec(pos, &[windows * size]);
    view_op_with("UnfoldBackward0", x, out, move |g| {
        let mut merged = ivec(g.shape());
        merged.pop();
        merged[d] = (windows * size) as i64;
        let rows = reshape(&movedim(g, &[-1], &[d as i64 + 1])?, &merged)?;
        let z = g.zeros_like_here(&shape, g.dtype())?;
        let idx = crate::backend::gpu::to_device(&pos, g.device())?;
        index_add(&z, d as i64, &idx, &rows)
    })
}

/// `t` written into the leading corner of zeros(shape) (a scatter's `src` may be larger than its
/// index: the elements the index does not reach get no gradient).
fn pad_to(t: &Tensor, shape: &[usize]) -> Result<Tensor> {
    if t.shape() == shape {
        return Ok(t.clone());
    }
    let sizes = t.shape().to_vec();
    embed(
        t,
        shape,
        Arc::new(move |z| {
            let mut v = z.clone();
            for (d, &n) in sizes.iter().enumerate() {
                v = view::narrow(&v, d as i64, 0, n as i64)?;
            }
            Ok(v)
        }),
    )
}

/// Multi-output views (split/chunk/unbind): one node; missing output grads count as zero.
fn multi_view(
    name: &'static str,
    x: &Tensor,
    outs: Vec<Tensor>,
    back: impl Fn(Vec<Tensor>) -> Result<Tensor> + Send + Sync + 'static,
) -> Vec<Tensor> {
    if !needs_grad(&[x]) {
        return outs;
    }
    let shapes: Vec<Vec<usize>> = outs.iter().map(|o| o.shape().to_vec()).collect();
    let dt = x.dtype();
    let f: BackwardFn = Box::new(move |gs: &[Option<Tensor>]| {
        // Missing gradients are zeros on the device of the present ones.
        let like = gs.iter().flatten().next().cloned();
        let full: Vec<Tensor> = gs
            .iter()
            .zip(&shapes)
            .map(|(g, s)| match (g, &like) {
                (Some(g), _) => Ok(g.clone()),
                (None, Some(l)) => l.zeros_like_here(s, dt),
                (None, None) => Ok(Tensor::zeros(s, dt)),
            })
            .collect::<Result<_>>()?;
        Ok(vec![Some(back(full)?)])
    });
    record(name, &[x], outs, false, f)
}

pub fn split_with_sizes(x: &Tensor, sizes: &[i64], dim: i64) -> Result<Vec<Tensor>> {
    let outs = view::split_with_sizes(x, sizes, dim)?;
    Ok(multi_view("SplitWithSizesBackward0", x, outs, move |gs| {
        cat(&gs, dim)
    }))
}

pub fn split(x: &Tensor, size: i64, dim: i64) -> Result<Vec<Tensor>> {
    let outs = view::split(x, size, dim)?;
    Ok(multi_view("SplitBackward0", x, outs, move |gs| {
        cat(&gs, dim)
    }))
}

pub fn chunk(x: &Tensor, chunks: i64, dim: i64) -> Result<Vec<Tensor>> {
    let outs = view::chunk(x, chunks, dim)?;
    Ok(multi_view("SplitBackward0", x, outs, move |gs| {
        cat(&gs, dim)
    }))
}

pub fn unbind(x: &Tensor, dim: i64) -> Result<Vec<Tensor>> {
    let outs = view::unbind(x, dim)?;
    Ok(multi_view("UnbindBackward0", x, outs, move |gs| {
        stack(&gs, dim)
    }))
}

// ----- joins -----

pub fn cat(ts: &[Tensor], dim: i64) -> Result<Tensor> {
    let out = join::cat(ts, dim)?;
    let refs: Vec<&Tensor> = ts.iter().collect();
    if !needs_grad(&refs) {
        return Ok(out);
    }
    let sizes: Vec<(Vec<usize>, DType)> =
        ts.iter().map(|t| (t.shape().to_vec(), t.dtype())).collect();
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let d = if sizes
            .iter()
            .any(|(s, _)| s.len() > 1 || !s.is_empty() && s[0] > 0)
        {
            crate::shape::wrap_dim(dim, g.ndim())?
        } else {
            0
        };
        let mut start = 0i64;
        let mut v = vec![];
        for (s, dt) in &sizes {
            if s.len() == 1 && s[0] == 0 && g.ndim() > 1 {
                v.push(Some(g.zeros_like_here(s, *dt)?));
                continue;
            }
            let n = s[d] as i64;
            v.push(Some(ag::to_dtype(&narrow(g, d as i64, start, n)?, *dt)?));
            start += n;
        }
        Ok(v)
    });
    Ok(record("CatBackward0", &refs, vec![out], false, f).remove(0))
}

pub fn stack(ts: &[Tensor], dim: i64) -> Result<Tensor> {
    let out = join::stack(ts, dim)?;
    let refs: Vec<&Tensor> = ts.iter().collect();
    if !needs_grad(&refs) {
        return Ok(out);
    }
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        Ok(unbind(g, dim)?.into_iter().map(Some).collect())
    });
    Ok(record("StackBackward0", &refs, vec![out], false, f).remove(0))
}

pub fn repeat(x: &Tensor, reps: &[i64]) -> Result<Tensor> {
    let out = join::repeat(x, reps)?;
    let (shape, r) = (x.shape().to_vec(), reps.to_vec());
    Ok(record1("RepeatBackward0", &[x], out, false, move |g| {
        // View the gradient as (rep0, size0, rep1, size1, ...) and sum the rep dims.
        let lead = r.len() - shape.len();
        let mut full: Vec<i64> = vec![1; lead];
        full.extend(shape.iter().map(|&v| v as i64));
        let mut inter = vec![];
        for (i, &s) in full.iter().enumerate() {
            inter.push(r[i]);
            inter.push(s);
        }
        let v = reshape(g, &inter)?;
        let dims: Vec<i64> = (0..full.len() as i64).map(|i| 2 * i).collect();
        let s = ag::sum(&v, Some(&dims), false, None)?;
        Ok(vec![Some(reshape(&s, &ivec(&shape))?)])
    }))
}

pub fn flip(x: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let out = join::flip(x, dims)?;
    let d = dims.to_vec();
    view_op_with("FlipBackward0", x, out, move |g| flip(g, &d))
}

/// `diag` is ATen's composite: `diag_embed` for a vector (DiagEmbedBackward0: the gradient's
/// `offset` diagonal) and `diagonal_copy` for a matrix (DiagonalBackward0_copy: the gradient
/// written onto that diagonal of zeros, by one differentiable `index_add` into the flattened
/// matrix, so double backward works and it runs on both devices).
pub fn diag(x: &Tensor, offset: i64) -> Result<Tensor> {
    let out = join::diag(x, offset)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    if x.ndim() == 1 {
        return Ok(record1("DiagEmbedBackward0", &[x], out, false, move |g| {
            Ok(vec![Some(diagonal(g, offset, 0, 1)?)])
        }));
    }
    let (r, c) = (x.shape()[0] as i64, x.shape()[1] as i64);
    let n = out.numel() as i64;
    let (row0, col0) = if offset >= 0 {
        (0, offset)
    } else {
        (-offset, 0)
    };
    let pos: Vec<i64> = (0..n).map(|i| (row0 + i) * c + col0 + i).collect();
    let pos = Tensor::from_vec(pos, &[n as usize]);
    Ok(record1(
        "DiagonalBackward0_copy",
        &[x],
        out,
        false,
        move |g| {
            let z = g.zeros_like_here(&[(r * c) as usize], g.dtype())?;
            let idx = crate::backend::gpu::to_device(&pos, g.device())?;
            let flat = index_add(&z, 0, &idx, g)?;
            Ok(vec![Some(reshape(&flat, &[r, c])?)])
        },
    ))
}

pub fn roll(x: &Tensor, shifts: &[i64], dims: &[i64]) -> Result<Tensor> {
    let out = join::roll(x, shifts, dims)?;
    let (s, d): (Vec<i64>, Vec<i64>) = (shifts.iter().map(|v| -v).collect(), dims.to_vec());
    view_op_with("RollBackward0", x, out, move |g| roll(g, &s, &d))
}

pub fn tri(x: &Tensor, diagonal: i64, upper: bool) -> Result<Tensor> {
    let out = join::tri(x, diagonal, upper)?;
    view_op_with(
        if upper {
            "TriuBackward0"
        } else {
            "TrilBackward0"
        },
        x,
        out,
        move |g| tri(g, diagonal, upper),
    )
}

// ----- indexing -----

/// Flat positions (into the input) of each element that `pick` selects, as int64.
fn positions(
    shape: &[usize],
    like: &Tensor,
    pick: &dyn Fn(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let ar = Tensor::from_vec((0..n as i64).collect::<Vec<_>>(), shape);
    pick(&crate::backend::gpu::to_device(&ar, like.device())?)
}

/// Gradient of a gather-like selection: scatter-add `g` back to the picked positions.
fn unpick(g: &Tensor, shape: &[usize], pos: &Tensor) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let z = g.zeros_like_here(&[n], g.dtype())?;
    let flat = index_add(&z, 0, &view::reshape(pos, &[-1])?, &reshape(g, &[-1])?)?;
    reshape(&flat, &ivec(shape))
}

pub fn getitem(x: &Tensor, items: &[IndexItem]) -> Result<Tensor> {
    let out = index::getitem(x, items)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let advanced = items.iter().any(|i| matches!(i, IndexItem::Tensor(_)));
    let shape = x.shape().to_vec();
    let its: Arc<Vec<IndexItem>> = Arc::new(items.to_vec());
    if !advanced {
        let name = match items
            .iter()
            .rev()
            .find(|i| !matches!(i, IndexItem::Ellipsis))
        {
            Some(IndexItem::Int(_)) => "SelectBackward0",
            Some(IndexItem::NewAxis) => "UnsqueezeBackward0",
            _ => "SliceBackward0",
        };
        let f: ViewFn = Arc::new(move |t| index::getitem(t, &its));
        return Ok(record1(name, &[x], out, false, move |g| {
            Ok(vec![Some(embed(g, &shape, f.clone())?)])
        }));
    }
    Ok(record1("IndexBackward0", &[x], out, false, move |g| {
        let pos = positions(&shape, g, &|t| index::getitem(t, &its))?;
        Ok(vec![Some(unpick(g, &shape, &pos)?)])
    }))
}

pub fn index_add(x: &Tensor, dim: i64, idx: &Tensor, src: &Tensor) -> Result<Tensor> {
    let out = x.try_to_dtype_copy(x.dtype())?;
    index::index_add_(
        &out,
        dim,
        idx,
        &src.try_to_dtype(x.dtype())?,
        Scalar::Int(1),
    )?;
    if !needs_grad(&[x, src]) {
        return Ok(out);
    }
    let i = idx.clone();
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        Ok(vec![Some(g.clone()), Some(index_select(g, dim, &i)?)])
    });
    Ok(record("IndexAddBackward0", &[x, src], vec![out], false, f).remove(0))
}

pub fn index_select(x: &Tensor, dim: i64, idx: &Tensor) -> Result<Tensor> {
    let out = index::index_select(x, dim, idx)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (shape, i) = (x.shape().to_vec(), idx.clone());
    Ok(record1(
        "IndexSelectBackward0",
        &[x],
        out,
        false,
        move |g| {
            let z = g.zeros_like_here(&shape, g.dtype())?;
            Ok(vec![Some(index_add(
                &z,
                dim,
                &view::reshape(&i, &[-1])?,
                g,
            )?)])
        },
    ))
}

pub fn gather(x: &Tensor, dim: i64, idx: &Tensor) -> Result<Tensor> {
    let out = index::gather(x, dim, idx)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (shape, i) = (x.shape().to_vec(), idx.clone());
    Ok(record1("GatherBackward0", &[x], out, false, move |g| {
        let z = g.zeros_like_here(&shape, g.dtype())?;
        Ok(vec![Some(scatter_add(&z, dim, &i, g)?)])
    }))
}

pub fn scatter_add(x: &Tensor, dim: i64, idx: &Tensor, src: &Tensor) -> Result<Tensor> {
    let out = x.try_to_dtype_copy(x.dtype())?;
    index::scatter_(
        &out,
        dim,
        idx,
        &Operand::Tensor(src.try_to_dtype(x.dtype())?),
        ScatterMode::Add,
    )?;
    if !needs_grad(&[x, src]) {
        return Ok(out);
    }
    let i = idx.clone();
    let (ss, sd) = (src.shape().to_vec(), src.dtype());
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        Ok(vec![
            Some(g.clone()),
            Some(ag::to_dtype(&pad_to(&gather(g, dim, &i)?, &ss)?, sd)?),
        ])
    });
    Ok(record("ScatterAddBackward0", &[x, src], vec![out], false, f).remove(0))
}

/// `scatter(dim, index, src)` (src a tensor or a number).
pub fn scatter(x: &Tensor, dim: i64, idx: &Tensor, src: &Operand) -> Result<Tensor> {
    let out = x.try_to_dtype_copy(x.dtype())?;
    index::scatter_(&out, dim, idx, src, ScatterMode::Replace)?;
    let st = match src {
        Operand::Tensor(s) => Some(s.clone()),
        Operand::Scalar(_) => None,
    };
    let mut ins = vec![x];
    if let Some(s) = &st {
        ins.push(s);
    }
    if !needs_grad(&ins) {
        return Ok(out);
    }
    let i = idx.clone();
    let has_src = st.is_some();
    let src_meta = st.as_ref().map(|s| (s.shape().to_vec(), s.dtype()));
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let gx = scatter(g, dim, &i, &Operand::Scalar(Scalar::Int(0)))?;
        let mut v = vec![Some(gx)];
        if let Some((ss, sd)) = &src_meta {
            v.push(Some(ag::to_dtype(&pad_to(&gather(g, dim, &i)?, ss)?, *sd)?));
        }
        Ok(v)
    });
    Ok(record(
        if has_src {
            "ScatterBackward0"
        } else {
            "ScatterBackward1"
        },
        &ins,
        vec![out],
        false,
        f,
    )
    .remove(0))
}

pub fn masked_fill(x: &Tensor, mask: &Tensor, value: &Operand) -> Result<Tensor> {
    let out = index::masked_fill(x, mask, value)?;
    let vt = match value {
        Operand::Tensor(v) => Some(v.clone()),
        Operand::Scalar(_) => None,
    };
    let mut ins = vec![x];
    if let Some(v) = &vt {
        ins.push(v);
    }
    if !needs_grad(&ins) {
        return Ok(out);
    }
    let m = mask.clone();
    let has_v = vt.is_some();
    let xshape = x.shape().to_vec();
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        // The result has the broadcast shape of input and mask: sum back to the input's.
        let gx = ag::sum_to(
            &ag::where_(
                &m,
                &Operand::Scalar(Scalar::Int(0)),
                &Operand::Tensor(g.clone()),
            )?,
            &xshape,
        )?;
        let mut v = vec![Some(gx)];
        if has_v {
            let picked = ag::where_(
                &m,
                &Operand::Tensor(g.clone()),
                &Operand::Scalar(Scalar::Int(0)),
            )?;
            v.push(Some(ag::sum(&picked, None, false, None)?));
        }
        Ok(v)
    });
    Ok(record(
        if has_v {
            "MaskedFillBackward1"
        } else {
            "MaskedFillBackward0"
        },
        &ins,
        vec![out],
        false,
        f,
    )
    .remove(0))
}

pub fn masked_select(x: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let out = index::masked_select(x, mask)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (shape, m) = (x.shape().to_vec(), mask.clone());
    Ok(record1(
        "MaskedSelectBackward0",
        &[x],
        out,
        false,
        move |g| {
            let pos = positions(&shape, g, &|t| index::masked_select(t, &m))?;
            Ok(vec![Some(unpick(g, &shape, &pos)?)])
        },
    ))
}

pub fn take(x: &Tensor, idx: &Tensor) -> Result<Tensor> {
    let out = index::take(x, idx)?;
    if !needs_grad(&[x]) {
        return Ok(out);
    }
    let (shape, i) = (x.shape().to_vec(), idx.clone());
    Ok(record1("TakeBackward0", &[x], out, false, move |g| {
        let pos = positions(&shape, g, &|t| index::take(t, &i))?;
        Ok(vec![Some(unpick(g, &shape, &pos)?)])
    }))
}

// ----- matrix products -----

/// Whether a 2-d layout is exactly column-major (a transposed contiguous matrix, as the
/// `weight.t()` of every linear layer).
fn column_major(shape: &[usize], strides: &[isize]) -> bool {
    shape.len() == 2 && strides[0] == 1 && strides[1] == shape[0].max(1) as isize
}

/// The gradient of `mat1` in `mat1 @ mat2`, `g @ mat2^T` (PyTorch's mm_mat1_backward): for a
/// column-major `mat1` it is computed as `(mat2 @ g^T)^T`, so that it has `mat1`'s layout.
fn mm_mat1_grad(g: &Tensor, mat2: &Tensor, mat1_col_major: bool) -> Result<Tensor> {
    if mat1_col_major {
        t(&mm(mat2, &t(g)?)?)
    } else {
        mm(g, &t(mat2)?)
    }
}

/// The gradient of `mat2` in `mat1 @ mat2`, `mat1^T @ g` (PyTorch's mm_mat2_backward): for a
/// column-major `mat2` (a linear layer's `weight.t()`) it is computed as `(g^T @ mat1)^T`, so
/// the weight's own gradient comes out contiguous and `.grad` adopts it without a copy.
fn mm_mat2_grad(g: &Tensor, mat1: &Tensor, mat2_col_major: bool) -> Result<Tensor> {
    if mat2_col_major {
        t(&mm(&t(g)?, mat1)?)
    } else {
        mm(&t(mat1)?, g)
    }
}

pub fn mm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dtype().is_complex() || b.dtype().is_complex() {
        if !needs_grad(&[a, b]) {
            return linalg::mm(a, b);
        }
        return crate::autograd::ops_complex::matmul(a, b);
    }
    let out = linalg::mm(a, b)?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    // Like PyTorch's needs_input_grad: each operand is saved only for the other's gradient.
    let (need_a, need_b) = (a.requires_grad(), b.requires_grad());
    let (sa, sb) = (need_b.then(|| Saved::new(a)), need_a.then(|| Saved::new(b)));
    let (a_cm, b_cm) = (
        column_major(a.shape(), a.strides()),
        column_major(b.shape(), b.strides()),
    );
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let ga = match &sb {
            Some(sb) => Some(mm_mat1_grad(g, &sb.get("MmBackward0", 0)?, a_cm)?),
            None => None,
        };
        let gb = match &sa {
            Some(sa) => Some(mm_mat2_grad(g, &sa.get("MmBackward0", 0)?, b_cm)?),
            None => None,
        };
        Ok(vec![ga, gb])
    });
    Ok(record("MmBackward0", &[a, b], vec![out], true, f).remove(0))
}

pub fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dtype().is_complex() || b.dtype().is_complex() {
        if !needs_grad(&[a, b]) {
            return linalg::bmm(a, b);
        }
        return crate::autograd::ops_complex::matmul(a, b);
    }
    let out = linalg::bmm(a, b)?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (sa, sb) = (Saved::new(a), Saved::new(b));
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let (a, b) = (sa.get("BmmBackward0", 0)?, sb.get("BmmBackward0", 0)?);
        Ok(vec![
            Some(bmm(g, &transpose(&b, 1, 2)?)?),
            Some(bmm(&transpose(&a, 1, 2)?, g)?),
        ])
    });
    Ok(record("BmmBackward0", &[a, b], vec![out], true, f).remove(0))
}

pub fn mv(a: &Tensor, v: &Tensor) -> Result<Tensor> {
    if a.dtype().is_complex() || v.dtype().is_complex() {
        if !needs_grad(&[a, v]) {
            return linalg::mv(a, v);
        }
        return crate::autograd::ops_complex::matmul(a, v);
    }
    let out = linalg::mv(a, v)?;
    if !needs_grad(&[a, v]) {
        return Ok(out);
    }
    let (sa, sv) = (Saved::new(a), Saved::new(v));
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let (a, v) = (sa.get("MvBackward0", 0)?, sv.get("MvBackward0", 0)?);
        let ga = ag::mul(&unsqueeze(g, 1)?, &unsqueeze(&v, 0)?)?;
        Ok(vec![Some(ga), Some(mv(&t(&a)?, g)?)])
    });
    Ok(record("MvBackward0", &[a, v], vec![out], true, f).remove(0))
}

pub fn dot(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dtype().is_complex() || b.dtype().is_complex() {
        if !needs_grad(&[a, b]) {
            return linalg::dot(a, b);
        }
        return crate::autograd::ops_complex::matmul(a, b);
    }
    let out = linalg::dot(a, b)?;
    if !needs_grad(&[a, b]) {
        return Ok(out);
    }
    let (sa, sb) = (Saved::new(a), Saved::new(b));
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let (a, b) = (sa.get("DotBackward0", 0)?, sb.get("DotBackward0", 0)?);
        Ok(vec![Some(ag::mul(g, &b)?), Some(ag::mul(g, &a)?)])
    });
    Ok(record("DotBackward0", &[a, b], vec![out], true, f).remove(0))
}

/// `matmul` decomposed into differentiable dot/mv/mm/bmm and views, as PyTorch does.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dtype().is_complex() || b.dtype().is_complex() {
        if !needs_grad(&[a, b]) {
            return linalg::matmul(a, b);
        }
        return crate::autograd::ops_complex::matmul(a, b);
    }
    let (da, db) = (a.ndim(), b.ndim());
    if da == 0 || db == 0 || (da <= 2 && db <= 2) {
        return match (da, db) {
            (1, 1) => dot(a, b),
            (2, 1) => mv(a, b),
            (1, 2) => squeeze(&mm(&unsqueeze(a, 0)?, b)?, Some(&[0])),
            (2, 2) => mm(a, b),
            _ => linalg::matmul(a, b),
        };
    }
    if !needs_grad(&[a, b]) {
        return linalg::matmul(a, b);
    }
    // Broadcast batch dims, then one bmm.
    let a2 = if da == 1 { unsqueeze(a, 0)? } else { a.clone() };
    let b2 = if db == 1 { unsqueeze(b, 1)? } else { b.clone() };
    let (n, k) = (a2.shape()[a2.ndim() - 2], a2.shape()[a2.ndim() - 1]);
    let p = b2.shape()[b2.ndim() - 1];
    let batch =
        crate::shape::broadcast_shapes(&a2.shape()[..a2.ndim() - 2], &b2.shape()[..b2.ndim() - 2])?;
    let bsz: usize = batch.iter().product();
    let mut ta = ivec(&batch);
    ta.extend([n as i64, k as i64]);
    let mut tb = ivec(&batch);
    tb.extend([b2.shape()[b2.ndim() - 2] as i64, p as i64]);
    let ra = reshape(&expand(&a2, &ta)?, &[bsz as i64, n as i64, k as i64])?;
    let rb = reshape(
        &expand(&b2, &tb)?,
        &[bsz as i64, b2.shape()[b2.ndim() - 2] as i64, p as i64],
    )?;
    let r = bmm(&ra, &rb)?;
    let mut out = ivec(&batch);
    if da > 1 {
        out.push(n as i64);
    }
    if db > 1 {
        out.push(p as i64);
    }
    reshape(&r, &out)
}

/// `beta * input + alpha * (a @ b)` for addmm/addmv/baddbmm.
pub fn addmm_like(
    kind: &str,
    input: &Tensor,
    a: &Tensor,
    b: &Tensor,
    beta: Scalar,
    alpha: Scalar,
) -> Result<Tensor> {
    let out = match kind {
        "addmm" => linalg::addmm(input, a, b, beta, alpha)?,
        "addmv" => linalg::addmv(input, a, b, beta, alpha)?,
        _ => linalg::baddbmm(input, a, b, beta, alpha)?,
    };
    if !needs_grad(&[input, a, b]) {
        return Ok(out);
    }
    let (need_a, need_b) = (a.requires_grad(), b.requires_grad());
    let (si, sa, sb) = (
        input.shape().to_vec(),
        need_b.then(|| Saved::new(a)),
        need_a.then(|| Saved::new(b)),
    );
    let (a_cm, b_cm) = (
        column_major(a.shape(), a.strides()),
        column_major(b.shape(), b.strides()),
    );
    let kind = kind.to_string();
    let name: &'static str = match kind.as_str() {
        "addmm" => "AddmmBackward0",
        "addmv" => "AddmvBackward0",
        _ => "BaddbmmBackward0",
    };
    let (bv, av) = (beta.to_f64(), alpha.to_f64());
    // PyTorch's maybe_multiply: a factor of 1 costs nothing.
    let scaled = |x: Tensor, v: f64| {
        if v == 1.0 {
            Ok(x)
        } else {
            ag::mul_scalar(&x, v)
        }
    };
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let a = sa.as_ref().map(|s| s.get(name, 0)).transpose()?;
        let b = sb.as_ref().map(|s| s.get(name, 0)).transpose()?;
        let gi = if bv == 0.0 {
            None
        } else {
            Some(ag::sum_to(&scaled(g.clone(), bv)?, &si)?)
        };
        let (ga, gb) = match kind.as_str() {
            "addmm" => (
                b.map(|b| mm_mat1_grad(g, &b, a_cm)).transpose()?,
                a.map(|a| mm_mat2_grad(g, &a, b_cm)).transpose()?,
            ),
            "addmv" => (
                b.map(|b| ag::mul(&unsqueeze(g, 1)?, &unsqueeze(&b, 0)?))
                    .transpose()?,
                a.map(|a| mv(&t(&a)?, g)).transpose()?,
            ),
            _ => (
                b.map(|b| bmm(g, &transpose(&b, 1, 2)?)).transpose()?,
                a.map(|a| bmm(&transpose(&a, 1, 2)?, g)).transpose()?,
            ),
        };
        Ok(vec![
            gi,
            ga.map(|x| scaled(x, av)).transpose()?,
            gb.map(|x| scaled(x, av)).transpose()?,
        ])
    });
    Ok(record(name, &[input, a, b], vec![out], true, f).remove(0))
}

pub fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    linalg::check_outer(a, b)?;
    ag::binary(
        BinaryOp::Mul,
        &Operand::Tensor(unsqueeze(a, 1)?),
        &Operand::Tensor(unsqueeze(b, 0)?),
    )
}

/// `x` with `x[items] = v`, as a new tensor (the out-of-place form behind `__setitem__`).
pub fn setitem_out(x: &Tensor, items: &[IndexItem], v: &Operand) -> Result<Tensor> {
    let out = x.detach().try_to_dtype_copy(x.dtype())?;
    index::setitem(&out, items, v)?;
    let vt = match v {
        Operand::Tensor(t) => Some(t.clone()),
        Operand::Scalar(_) => None,
    };
    let mut ins = vec![x];
    if let Some(t) = &vt {
        ins.push(t);
    }
    if !needs_grad(&ins) {
        return Ok(out);
    }
    let its: Arc<Vec<IndexItem>> = Arc::new(items.to_vec());
    let vshape = vt.as_ref().map(|t| (t.shape().to_vec(), t.dtype()));
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        let gx = g.detach().try_to_dtype_copy(g.dtype())?;
        index::setitem(&gx, &its, &Operand::Scalar(Scalar::Int(0)))?;
        let mut r = vec![Some(gx)];
        if let Some((s, d)) = &vshape {
            let picked = getitem(g, &its)?;
            r.push(Some(ag::to_dtype(&ag::sum_to(&picked, s)?, *d)?));
        }
        Ok(r)
    });
    Ok(record("CopySlices", &ins, vec![out], false, f).remove(0))
}

/// Subscripts of an einsum equation: per-operand letters and the output letters (implicit
/// output: letters used once, sorted, as NumPy and PyTorch define it).
fn einsum_subscripts(eq: &str) -> (Vec<Vec<char>>, Vec<char>) {
    let eq: String = eq.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l.to_string(), Some(r.chars().collect::<Vec<char>>())),
        None => (eq.clone(), None),
    };
    let ins: Vec<Vec<char>> = lhs.split(',').map(|s| s.chars().collect()).collect();
    let out = rhs.unwrap_or_else(|| {
        let mut all: Vec<char> = ins.concat();
        all.sort();
        all.iter()
            .copied()
            .filter(|c| all.iter().filter(|x| *x == c).count() == 1)
            .collect()
    });
    (ins, out)
}

/// `einsum` for one or two operands. The gradient of each operand is itself an einsum of the
/// output gradient with the other operand, so it can be differentiated again.
pub fn einsum(eq: &str, ops: &[Tensor]) -> Result<Tensor> {
    let out = linalg::einsum(eq, ops)?;
    let refs: Vec<&Tensor> = ops.iter().collect();
    if !needs_grad(&refs) {
        return Ok(out);
    }
    let (ins, outs) = einsum_subscripts(eq);
    let saved: Vec<Saved> = ops.iter().map(Saved::new).collect();
    let repeated = ins
        .iter()
        .any(|s| s.iter().any(|c| s.iter().filter(|x| *x == c).count() > 1));
    let f: BackwardFn = Box::new(move |g: &[Option<Tensor>]| {
        let Some(g) = &g[0] else { return Ok(vec![]) };
        if repeated {
            return Err(crate::error::Error::NotImplemented(
                "einsum backward with a subscript repeated within one operand is not supported"
                    .into(),
            ));
        }
        let vals: Vec<Tensor> = saved
            .iter()
            .map(|s| s.get("EinsumBackward0", 0))
            .collect::<Result<_>>()?;
        let so: String = outs.iter().collect();
        let mut grads = vec![];
        for k in 0..vals.len() {
            let other: Vec<char> = if vals.len() == 2 {
                ins[1 - k].clone()
            } else {
                vec![]
            };
            // Letters only this operand has are summed out in forward: broadcast them back.
            let kept: Vec<char> = ins[k]
                .iter()
                .copied()
                .filter(|c| outs.contains(c) || other.contains(c))
                .collect();
            let target: String = kept.iter().collect();
            let r = if vals.len() == 2 {
                let so2: String = other.iter().collect();
                einsum(
                    &format!("{},{}->{}", so, so2, target),
                    &[g.clone(), vals[1 - k].clone()],
                )?
            } else {
                einsum(&format!("{}->{}", so, target), std::slice::from_ref(g))?
            };
            let mut r = r;
            for (i, c) in ins[k].iter().enumerate() {
                if !kept.contains(c) {
                    r = unsqueeze(&r, i as i64)?;
                }
            }
            let shape = ivec(vals[k].shape());
            grads.push(Some(expand(&r, &shape)?));
        }
        Ok(grads)
    });
    Ok(record("EinsumBackward0", &refs, vec![out], true, f).remove(0))
}
