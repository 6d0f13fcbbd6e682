//! Convolution: the three primitives every convolution form is built from, on every device.
//!
//! NOTE [convolution lowering]: a convolution with 1, 2 or 3 spatial dims is handled as a 3-d
//! one (unit leading spatial dims). Three primitives cover the forward and backward of both the
//! convolution and the transposed convolution:
//! - `conv(x, w)`: y[n, o, p] = sum over (c, k) of w[o, c, k] * x[n, c, p*stride + k*dilation -
//!   padding] (zero outside the input), plus a bias;
//! - `conv_input_grad(gy, w)`: its adjoint in x, which is the transposed convolution;
//! - `conv_weight_grad(x, gy)`: its adjoint in w (summed over the batch).
//!
//! On the CPU, float32 and float64 (and float16/bfloat16, computed in float32 and rounded) run
//! the kernels of `backend/cpu/conv.rs`: im2col (or none for a pointwise kernel), GEMM, and
//! col2im for the input gradient; float32 3x3 stride-1 convolutions with at least 32 channels
//! each side take Winograd F(2x2, 3x3) instead (`backend/cpu/winograd.rs`). On the GPU, float32 runs `backend/gpu/conv.rs`
//! (`shaders/conv.wgsl`): each primitive is one implicit-GEMM dispatch tiled like the matmul,
//! the im2col index arithmetic done in the tile loads (no column matrix), the input gradient
//! gathered per input position and the weight gradient summed in a fixed order (no atomics);
//! the forward adds the bias as it stores. Everything else (integer dtypes, on either device)
//! is composed from device-independent ops with the same lowering: the column matrix is a
//! padded input seen through `unfold` views (a step slice for dilation) and copied once, the
//! products are one batched `matmul` over the groups, and col2im is one `index_add_` per
//! spatial dim.
//!
//! The checks and messages that PyTorch users see are ATen's, made by the Python layer
//! (`nn/functional.py`); the checks here only keep malformed calls from reaching a kernel.

use crate::backend::cpu::conv::{self as kernels, ConvElem, ConvGeometry};
use crate::backend::gpu::conv as gpu_conv;
use crate::dtype::{DType, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, binary};
use crate::ops::{index, linalg, view};
use crate::tensor::Tensor;

/// Stride, padding (both sides) and dilation per spatial dim, and the group count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvArgs {
    pub stride: Vec<usize>,
    pub padding: Vec<usize>,
    pub dilation: Vec<usize>,
    pub groups: usize,
}

impl ConvArgs {
    fn nd(&self) -> usize {
        self.stride.len()
    }
}

fn err(msg: impl Into<String>) -> Error {
    Error::Runtime(msg.into())
}

/// The spatial sizes padded to three dims with `fill` in front.
fn three(v: &[usize], fill: usize) -> [usize; 3] {
    let mut out = [fill; 3];
    out[3 - v.len()..].copy_from_slice(v);
    out
}

/// The forward output size per spatial dim: (in + 2p - d(k-1) - 1) / s + 1.
pub fn output_size(input: &[usize], kernel: &[usize], a: &ConvArgs) -> Result<Vec<usize>> {
    (0..input.len())
        .map(|i| {
            let padded = input[i] + 2 * a.padding[i];
            let span = a.dilation[i] * (kernel[i].max(1) - 1) + 1;
            if padded < span {
                return Err(err(format!(
                    "convolution: kernel of span {} is larger than the padded input size {} in spatial dim {}",
                    span, padded, i
                )));
            }
            Ok((padded - span) / a.stride[i] + 1)
        })
        .collect()
}

/// One stride, padding and dilation per spatial dim, 1 to 3 dims, strides and dilations
/// positive, groups positive.
fn check_args(a: &ConvArgs) -> Result<()> {
    let nd = a.nd();
    if !(1..=3).contains(&nd) || a.padding.len() != nd || a.dilation.len() != nd {
        return Err(err(format!(
            "convolution: expected 1 to 3 spatial dims with one stride, padding and dilation each, but got stride {:?}, padding {:?}, dilation {:?}",
            a.stride, a.padding, a.dilation
        )));
    }
    if a.stride.contains(&0) || a.dilation.contains(&0) || a.groups == 0 {
        return Err(err(
            "convolution: stride, dilation and groups must be positive",
        ));
    }
    Ok(())
}

/// Validates the arguments against the operands' sizes and builds the 3-d geometry.
fn geometry(
    n: usize,
    c: usize,
    o: usize,
    sizes: (&[usize], &[usize], &[usize]),
    a: &ConvArgs,
) -> Result<ConvGeometry> {
    let (input, kernel, output) = sizes;
    let nd = a.nd();
    if !(1..=3).contains(&nd)
        || [
            a.padding.len(),
            a.dilation.len(),
            input.len(),
            kernel.len(),
            output.len(),
        ]
        .iter()
        .any(|&l| l != nd)
    {
        return Err(err(format!(
            "convolution: expected 1 to 3 spatial dims with one stride, padding and dilation each, but got input {:?}, kernel {:?}, stride {:?}, padding {:?}, dilation {:?}",
            input, kernel, a.stride, a.padding, a.dilation
        )));
    }
    if a.groups == 0 || !c.is_multiple_of(a.groups) || !o.is_multiple_of(a.groups) {
        return Err(err(format!(
            "convolution: {} input and {} output channels cannot be split into {} groups",
            c, o, a.groups
        )));
    }
    if a.stride.contains(&0) || a.dilation.contains(&0) {
        return Err(err("convolution: stride and dilation must be positive"));
    }
    Ok(ConvGeometry {
        n,
        c,
        o,
        groups: a.groups,
        input: three(input, 1),
        kernel: three(kernel, 1),
        output: three(output, 1),
        stride: three(&a.stride, 1),
        padding: three(&a.padding, 0),
        dilation: three(&a.dilation, 1),
    })
}

fn check_operands(ts: &[&Tensor], nd: usize) -> Result<()> {
    crate::backend::gpu::same_device(ts)?;
    for t in ts {
        if t.ndim() != nd + 2 {
            return Err(err(format!(
                "convolution: expected {}-dimensional operands, but got one of size {:?}",
                nd + 2,
                t.shape()
            )));
        }
        if t.dtype() != ts[0].dtype() {
            return Err(err(format!(
                "convolution: operands of different dtypes ({} and {})",
                ts[0].dtype().name(),
                t.dtype().name()
            )));
        }
    }
    Ok(())
}

/// How a dtype on a device is computed: the CPU kernel in this float type, the GPU kernel
/// (float32), or the composition.
enum Route {
    Kernel(DType),
    Gpu,
    Composed,
}

fn route(t: &Tensor) -> Result<Route> {
    if t.is_gpu() {
        return Ok(match t.dtype() {
            DType::F32 => Route::Gpu,
            _ => Route::Composed,
        });
    }
    Ok(match t.dtype() {
        DType::F32 | DType::F64 => Route::Kernel(t.dtype()),
        DType::F16 | DType::BF16 => Route::Kernel(DType::F32),
        DType::Bool => {
            return Err(crate::spec::elementwise::not_implemented_for(
                "convolution",
                DType::Bool,
            ));
        }
        _ => Route::Composed,
    })
}

/// Runs a kernel on contiguous copies of the operands in `compute` into a fresh (zero-filled)
/// output of `out_shape`, returned in the operands' dtype.
fn run_kernel(
    compute: DType,
    operands: &[&Tensor],
    out_shape: &[usize],
    f32_kernel: impl FnOnce(&[&[f32]], &mut [f32]),
    f64_kernel: impl FnOnce(&[&[f64]], &mut [f64]),
) -> Result<Tensor> {
    let dtype = operands[0].dtype();
    let owned: Vec<Tensor> = operands
        .iter()
        .map(|t| t.try_to_dtype(compute).map(|t| t.contiguous()))
        .collect::<Result<_>>()?;
    let out = crate::tensor::try_zeros(out_shape, compute)?;
    fn go<T: ConvElem + crate::dtype::Element>(
        owned: &[Tensor],
        out: &Tensor,
        k: impl FnOnce(&[&[T]], &mut [T]),
    ) {
        let slices: Vec<&[T]> = owned.iter().map(|t| t.as_slice::<T>()).collect();
        // SAFETY: `out` is a fresh contiguous tensor of numel elements that nothing else sees.
        let o = unsafe { std::slice::from_raw_parts_mut(out.ptr::<T>(), out.numel()) };
        k(&slices, o);
    }
    match compute {
        DType::F32 => go::<f32>(&owned, &out, f32_kernel),
        _ => go::<f64>(&owned, &out, f64_kernel),
    }
    out.try_to_dtype(dtype)
}

/// `conv(x, w) + bias` (NOTE [convolution lowering]); `out` overrides the output size (it may
/// only be smaller than the forward size: the transposed convolution's backward asks for that).
pub fn conv(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    a: &ConvArgs,
    out: Option<&[usize]>,
) -> Result<Tensor> {
    check_args(a)?;
    let nd = a.nd();
    check_operands(&[x, w], nd)?;
    let (n, c, o) = (x.shape()[0], x.shape()[1], w.shape()[0]);
    if w.shape()[1] * a.groups != c {
        return Err(err(format!(
            "convolution: weight of size {:?} with {} groups does not match input of size {:?}",
            w.shape(),
            a.groups,
            x.shape()
        )));
    }
    let full = output_size(&x.shape()[2..], &w.shape()[2..], a)?;
    let out_sp = match out {
        Some(s) if s.len() == nd && s.iter().zip(&full).all(|(p, q)| p <= q) => s.to_vec(),
        Some(s) => {
            return Err(err(format!(
                "convolution: output size {:?} exceeds {:?}",
                s, full
            )));
        }
        None => full,
    };
    let geo = geometry(n, c, o, (&x.shape()[2..], &w.shape()[2..], &out_sp), a)?;
    if let Some(b) = bias {
        if b.ndim() != 1 || b.shape()[0] != o || b.dtype() != x.dtype() {
            return Err(err(format!(
                "convolution: bias of size {:?} ({}) for {} output channels of {}",
                b.shape(),
                b.dtype().name(),
                o,
                x.dtype().name()
            )));
        }
        crate::backend::gpu::same_device(&[x, b])?;
    }
    let mut shape = vec![n, o];
    shape.extend(&out_sp);
    let empty = shape.contains(&0) || geo.c == 0 || w.numel() == 0;
    let y = match route(x)? {
        _ if empty => Tensor::zeros_on(&shape, x.dtype(), x.device())?,
        Route::Kernel(ct) => {
            // The kernel starts each output row from its bias.
            let mut operands = vec![x, w];
            operands.extend(bias);
            return run_kernel(
                ct,
                &operands,
                &shape,
                |s, y| kernels::forward(&geo, s[0], s[1], s.get(2).copied(), y),
                |s, y| kernels::forward(&geo, s[0], s[1], s.get(2).copied(), y),
            );
        }
        Route::Gpu => return gpu_conv::forward(&geo, x, w, bias, &shape),
        Route::Composed => composed_forward(x, w, &geo)?,
    };
    match bias {
        Some(b) => {
            let mut bs = vec![1i64, -1];
            bs.extend(std::iter::repeat_n(1, nd));
            binary(
                BinaryOp::Add,
                &Operand::Tensor(y),
                &Operand::Tensor(view::reshape(b, &bs)?),
            )
        }
        None => Ok(y),
    }
}

/// The adjoint of `conv` in its input (the transposed convolution of `gy` by `w`), of spatial
/// size `input`.
pub fn conv_input_grad(gy: &Tensor, w: &Tensor, a: &ConvArgs, input: &[usize]) -> Result<Tensor> {
    check_args(a)?;
    let nd = a.nd();
    check_operands(&[gy, w], nd)?;
    let (n, o, c) = (gy.shape()[0], gy.shape()[1], w.shape()[1] * a.groups);
    if w.shape()[0] != o {
        return Err(err(format!(
            "convolution: weight of size {:?} does not match gradient of size {:?}",
            w.shape(),
            gy.shape()
        )));
    }
    let geo = geometry(n, c, o, (input, &w.shape()[2..], &gy.shape()[2..]), a)?;
    let mut shape = vec![n, c];
    shape.extend(input);
    if shape.contains(&0) || gy.numel() == 0 || w.numel() == 0 {
        return Tensor::zeros_on(&shape, gy.dtype(), gy.device());
    }
    match route(gy)? {
        Route::Kernel(ct) => run_kernel(
            ct,
            &[gy, w],
            &shape,
            |s, gx| kernels::backward_input(&geo, s[0], s[1], gx),
            |s, gx| kernels::backward_input(&geo, s[0], s[1], gx),
        ),
        Route::Gpu => gpu_conv::input_grad(&geo, gy, w, &shape),
        Route::Composed => composed_input_grad(gy, w, &geo),
    }
}

/// The adjoint of `conv` in its weight: the weight gradient (kernel size `kernel`), summed
/// over the batch.
pub fn conv_weight_grad(x: &Tensor, gy: &Tensor, a: &ConvArgs, kernel: &[usize]) -> Result<Tensor> {
    check_args(a)?;
    let nd = a.nd();
    check_operands(&[x, gy], nd)?;
    let (n, c, o) = (x.shape()[0], x.shape()[1], gy.shape()[1]);
    if gy.shape()[0] != n {
        return Err(err(format!(
            "convolution: gradient of size {:?} does not match input of size {:?}",
            gy.shape(),
            x.shape()
        )));
    }
    let geo = geometry(n, c, o, (&x.shape()[2..], kernel, &gy.shape()[2..]), a)?;
    let full = output_size(&x.shape()[2..], kernel, a)?;
    if gy.shape()[2..].iter().zip(&full).any(|(p, q)| p > q) {
        return Err(err(format!(
            "convolution: gradient of size {:?} is larger than the output {:?}",
            gy.shape(),
            full
        )));
    }
    let mut shape = vec![o, c / a.groups];
    shape.extend(kernel);
    if shape.contains(&0) || x.numel() == 0 || gy.numel() == 0 {
        return Tensor::zeros_on(&shape, x.dtype(), x.device());
    }
    match route(x)? {
        Route::Kernel(ct) => run_kernel(
            ct,
            &[x, gy],
            &shape,
            |s, gw| kernels::backward_weight(&geo, s[0], s[1], gw),
            |s, gw| kernels::backward_weight(&geo, s[0], s[1], gw),
        ),
        Route::Gpu => gpu_conv::weight_grad(&geo, x, gy, &shape),
        Route::Composed => composed_weight_grad(x, gy, &geo),
    }
}

// ----- the composition (integer dtypes) -----

fn i(v: usize) -> i64 {
    v as i64
}

/// `t` viewed with three spatial dims (unit leading ones added).
fn as_3d(t: &Tensor) -> Result<Tensor> {
    let mut s: Vec<i64> = t.shape()[..2].iter().map(|&v| i(v)).collect();
    s.extend(std::iter::repeat_n(1, 5 - t.ndim()));
    s.extend(t.shape()[2..].iter().map(|&v| i(v)));
    view::reshape(t, &s)
}

/// The column matrix of `x` (N, C, D, H, W) as (groups, rows, N * L_out), contiguous.
fn columns(x: &Tensor, g: &ConvGeometry) -> Result<Tensor> {
    let mut v = if g.padding.iter().any(|&p| p > 0) {
        let mut shape = x.shape().to_vec();
        for d in 0..3 {
            shape[2 + d] += 2 * g.padding[d];
        }
        let z = Tensor::zeros_on(&shape, x.dtype(), x.device())?;
        let mut inner = z.clone();
        for d in 0..3 {
            inner = view::narrow(&inner, i(2 + d), i(g.padding[d]), i(g.input[d]))?;
        }
        crate::tensor::try_copy_into(&inner, x)?;
        z
    } else {
        x.clone()
    };
    for d in 0..3 {
        let span = g.dilation[d] * (g.kernel[d] - 1) + 1;
        v = view::unfold(&v, i(2 + d), i(span), i(g.stride[d]))?;
        if g.dilation[d] > 1 {
            let last = v.ndim() - 1;
            v = view::slice(&v, last, 0, i(span), i(g.dilation[d]))?;
        }
        v = view::narrow(&v, i(2 + d), 0, i(g.output[d]))?;
    }
    // (N, C, O0, O1, O2, K0, K1, K2) -> (G, cg, K0, K1, K2, N, O0, O1, O2)
    let (cg, [o0, o1, o2], [k0, k1, k2]) = (g.c / g.groups, g.output, g.kernel);
    let v = view::reshape(
        &v,
        &[
            i(g.n),
            i(g.groups),
            i(cg),
            i(o0),
            i(o1),
            i(o2),
            i(k0),
            i(k1),
            i(k2),
        ],
    )?;
    let v = view::permute(&v, &[1, 2, 6, 7, 8, 0, 3, 4, 5])?;
    let rows = cg * k0 * k1 * k2;
    view::reshape(&v.try_contiguous()?, &[i(g.groups), i(rows), -1])
}

/// `gy` (N, O, L...) as (groups, O / groups, N * L_out).
fn grouped_rows(gy: &Tensor, g: &ConvGeometry) -> Result<Tensor> {
    let og = g.o / g.groups;
    let v = view::reshape(gy, &[i(g.n), i(g.groups), i(og), -1])?;
    let v = view::permute(&v, &[1, 2, 0, 3])?;
    view::reshape(&v.try_contiguous()?, &[i(g.groups), i(og), -1])
}

fn grouped_weight(w: &Tensor, g: &ConvGeometry) -> Result<Tensor> {
    view::reshape(&w.try_contiguous()?, &[i(g.groups), i(g.o / g.groups), -1])
}

fn spatial_shape(lead: [usize; 2], orig: &Tensor, sp: [usize; 3]) -> Vec<i64> {
    let mut s = vec![i(lead[0]), i(lead[1])];
    s.extend(sp[3 - (orig.ndim() - 2)..].iter().map(|&v| i(v)));
    s
}

fn composed_forward(x: &Tensor, w: &Tensor, g: &ConvGeometry) -> Result<Tensor> {
    let cols = columns(&as_3d(x)?, g)?;
    let y = linalg::matmul(&grouped_weight(w, g)?, &cols)?; // (G, og, N*L)
    let y = view::reshape(&y, &[i(g.groups), i(g.o / g.groups), i(g.n), -1])?;
    let y = view::permute(&y, &[2, 0, 1, 3])?.try_contiguous()?;
    view::reshape(&y, &spatial_shape([g.n, g.o], x, g.output))
}

fn composed_weight_grad(x: &Tensor, gy: &Tensor, g: &ConvGeometry) -> Result<Tensor> {
    let cols = columns(&as_3d(x)?, g)?;
    let gw = linalg::matmul(&grouped_rows(gy, g)?, &view::transpose(&cols, 1, 2)?)?;
    view::reshape(&gw, &spatial_shape([g.o, g.c / g.groups], x, g.kernel))
}

/// col2im as one `index_add_` per spatial dim: each (kernel offset, output position) pair of a
/// dim lands on padded input position `o*stride + k*dilation`.
fn composed_input_grad(gy: &Tensor, w: &Tensor, g: &ConvGeometry) -> Result<Tensor> {
    let wt = view::transpose(&grouped_weight(w, g)?, 1, 2)?;
    let gc = linalg::matmul(&wt, &grouped_rows(gy, g)?)?; // (G, rows, N*L)
    let (cg, [o0, o1, o2], [k0, k1, k2]) = (g.c / g.groups, g.output, g.kernel);
    let gc = view::reshape(
        &gc,
        &[
            i(g.groups),
            i(cg),
            i(k0),
            i(k1),
            i(k2),
            i(g.n),
            i(o0),
            i(o1),
            i(o2),
        ],
    )?;
    // -> (N, G, cg, K0, O0, K1, O1, K2, O2)
    let mut t = view::permute(&gc, &[5, 0, 1, 2, 6, 3, 7, 4, 8])?;
    let mut padded = [0usize; 3];
    for d in 0..3 {
        let (k, o, s, dil) = (g.kernel[d], g.output[d], g.stride[d], g.dilation[d]);
        let p = (g.input[d] + 2 * g.padding[d]).max((o - 1) * s + (k - 1) * dil + 1);
        padded[d] = p;
        let mut merged: Vec<i64> = t.shape()[..3 + d].iter().map(|&v| i(v)).collect();
        merged.push(i(k * o));
        merged.extend(t.shape()[5 + d..].iter().map(|&v| i(v)));
        let src = view::reshape(&t, &merged)?;
        let pos: Vec<i64> = (0..k)
            .flat_map(|kk| (0..o).map(move |oo| i(oo * s + kk * dil)))
            .collect();
        let idx = crate::backend::gpu::to_device(&Tensor::from_vec(pos, &[k * o]), gy.device())?;
        let mut zs = src.shape().to_vec();
        zs[3 + d] = p;
        let z = Tensor::zeros_on(&zs, gy.dtype(), gy.device())?;
        index::index_add_(&z, i(3 + d), &idx, &src, Scalar::Int(1))?;
        t = z;
    }
    let mut v = view::reshape(
        &t,
        &[i(g.n), i(g.c), i(padded[0]), i(padded[1]), i(padded[2])],
    )?;
    for d in 0..3 {
        v = view::narrow(&v, i(2 + d), i(g.padding[d]), i(g.input[d]))?;
    }
    let v = v.try_contiguous()?;
    view::reshape(&v, &spatial_shape([g.n, g.c], gy, g.input))
}
