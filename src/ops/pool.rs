//! Pooling: PyTorch's argument checks (in its order, with its messages), the window formulas of
//! each pooling op turned into the tables of `spec::pool`, and the device dispatch of the
//! table kernels (`backend/cpu/pool.rs`, `shaders/pool.wgsl`). No autograd here:
//! `autograd/ops_pool.rs` records the nodes.
//!
//! Inputs are (lead..., spatial...) with one or two lead dims (unbatched or batched); the lead
//! dims are flattened into planes. The Python layer runs 1-d pooling through the 2-d ops with a
//! unit height, as PyTorch does.

use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::elementwise::not_implemented_for;
use crate::spec::pool::{DimWindows, Windows};
use crate::tensor::Tensor;

fn rt<T>(msg: String) -> Result<T> {
    Err(Error::Runtime(msg))
}

fn sizes(s: &[usize]) -> String {
    let v: Vec<String> = s.iter().map(|v| v.to_string()).collect();
    format!("[{}]", v.join(", "))
}

/// ATen's `pooling_output_shape` with its checks: the windows' count along one dim. With
/// `ceil_mode` the last window must start inside the input or the left padding.
fn pooling_output_shape(
    input: i64,
    k: i64,
    pad: i64,
    stride: i64,
    dilation: i64,
    ceil: bool,
) -> Result<i64> {
    if stride == 0 {
        return rt("stride should not be zero".into());
    }
    if pad < 0 {
        return rt(format!("pad must be non-negative, but got pad: {}", pad));
    }
    if pad as i128 > ((k as i128 - 1) * dilation as i128 + 1) / 2 {
        return rt(format!(
            "pad should be at most half of effective kernel size, but got pad={}, kernel_size={} and dilation={}",
            pad, k, dilation
        ));
    }
    // In 128 bits: the arguments are any int64 values from Python.
    let (input, k, pad, stride, dilation) = (
        input as i128,
        k as i128,
        pad as i128,
        stride as i128,
        dilation as i128,
    );
    let num = input + 2 * pad - dilation * (k - 1) - 1 + if ceil { stride - 1 } else { 0 };
    let mut out = num.div_euclid(stride) + 1;
    if ceil && (out - 1) * stride >= input + pad {
        out -= 1;
    }
    i64::try_from(out)
        .map_err(|_| Error::Runtime(format!("pooling: output size {} is too large", out)))
}

/// The lead dims (flattened into planes) and the spatial sizes of an input pooled over `nd`
/// dims; the caller has checked the rank.
fn split(x: &Tensor, nd: usize) -> (Vec<usize>, [usize; 3]) {
    let s = x.shape();
    let lead = s[..s.len() - nd].to_vec();
    let mut inp = [1usize; 3];
    inp[3 - nd..].copy_from_slice(&s[s.len() - nd..]);
    (lead, inp)
}

/// Which pooling family a check sequence follows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Max,
    Avg,
}

/// `kernel`/`stride`/`padding`/`dilation` of a max or average pooling over `nd` (2 or 3)
/// dims, each already `nd` long (the Python layer expands ints and checks lengths).
pub struct PoolArgs<'a> {
    pub nd: usize,
    pub kernel: &'a [i64],
    pub stride: &'a [i64],
    pub padding: &'a [i64],
    pub dilation: &'a [i64],
    pub ceil_mode: bool,
}

/// The checks of `max_pool2d/3d_with_indices` and `avg_pool2d/3d` (ATen's order and
/// messages) and the output sizes.
fn check_pool(x: &Tensor, a: &PoolArgs, fam: Family, divisor: Option<i64>) -> Result<[i64; 3]> {
    let nd = a.nd;
    let ndim = x.ndim();
    let s = x.shape();
    if fam == Family::Max && ndim != nd + 1 && ndim != nd + 2 {
        return rt(format!(
            "non-empty {}D or {}D (batch mode) tensor expected for input",
            nd + 1,
            nd + 2
        ));
    }
    if fam == Family::Avg {
        if divisor == Some(0) {
            return rt("divisor must be not zero".into());
        }
        if ndim < nd + 1 {
            return Err(Error::Index(format!(
                "Dimension out of range (expected to be in range of [-{}, {}], but got -{})",
                ndim.max(1),
                ndim.max(1) - 1,
                nd + 1
            )));
        }
    }
    let mut out = [1i64; 3];
    for d in 0..nd {
        let input = s[ndim - nd + d] as i64;
        out[3 - nd + d] = pooling_output_shape(
            input,
            a.kernel[d],
            a.padding[d],
            a.stride[d],
            a.dilation[d],
            a.ceil_mode,
        )?;
    }
    let (k, st, dl, p) = (a.kernel, a.stride, a.dilation, a.padding);
    let lead_ok = |ndim: usize| ndim == nd + 1 || ndim == nd + 2;
    let spatial_ok = s[ndim.saturating_sub(nd + 1)..].iter().all(|&v| v > 0);
    if nd == 2 {
        if k.iter().any(|&v| v <= 0) {
            return rt(format!(
                "kernel size should be greater than zero, but got kH: {} kW: {}",
                k[0], k[1]
            ));
        }
        if st.iter().any(|&v| v <= 0) {
            return rt(format!(
                "stride should be greater than zero, but got dH: {} dW: {}",
                st[0], st[1]
            ));
        }
        if dl.iter().any(|&v| v <= 0) {
            return rt(format!(
                "dilation should be greater than zero, but got dilationH: {} dilationW: {}",
                dl[0], dl[1]
            ));
        }
        if !lead_ok(ndim) || !spatial_ok {
            return rt(format!(
                "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:{}",
                sizes(s)
            ));
        }
        if k[1] / 2 < p[1] || k[0] / 2 < p[0] {
            return rt(format!(
                "pad should be smaller than or equal to half of kernel size, but got padW = {}, padH = {}, kW = {}, kH = {}",
                p[1], p[0], k[1], k[0]
            ));
        }
        if out[1] < 1 || out[2] < 1 {
            return rt(format!(
                "Given input size: ({}x{}x{}). Calculated output size: ({}x{}x{}). Output size is too small",
                s[ndim - 3],
                s[ndim - 2],
                s[ndim - 1],
                s[ndim - 3],
                out[1],
                out[2]
            ));
        }
    } else {
        let fname = match fam {
            Family::Max => "max_pool3d_with_indices_out_cpu_template()",
            Family::Avg => "avg_pool3d()",
        };
        if !lead_ok(ndim) {
            return rt(format!(
                "{}: Expected 4D or 5D tensor for input, but got: {}",
                fname,
                sizes(s)
            ));
        }
        if let Some(d) = (ndim - 4..ndim).find(|&d| s[d] == 0) {
            return rt(format!(
                "{}: Expected input's non-batch dimensions to have positive length, but input has a shape of {} and non-batch dimension {} has length zero!",
                fname,
                sizes(s),
                s[d]
            ));
        }
        if k.iter().any(|&v| v <= 0) {
            return rt(format!(
                "kernel size should be greater than zero, but got kT: {} kH: {} kW: {}",
                k[0], k[1], k[2]
            ));
        }
        if st.iter().any(|&v| v <= 0) {
            return rt(format!(
                "stride should be greater than zero, but got dT: {} dH: {} dW: {}",
                st[0], st[1], st[2]
            ));
        }
        if dl.iter().any(|&v| v <= 0) {
            return rt(format!(
                "dilation should be greater than zero, but got dilationT: {} dilationH: {} dilationW: {}",
                dl[0], dl[1], dl[2]
            ));
        }
        let (it, ih, iw) = (s[ndim - 3] as i64, s[ndim - 2] as i64, s[ndim - 1] as i64);
        if fam == Family::Avg && (it < k[0] || ih < k[1] || iw < k[2]) {
            return rt(format!(
                "input image (T: {} H: {} W: {}) smaller than kernel size (kT: {} kH: {} kW: {})",
                it, ih, iw, k[0], k[1], k[2]
            ));
        }
        if k[0] / 2 < p[0] || k[2] / 2 < p[2] || k[1] / 2 < p[1] {
            return rt(format!(
                "pad should be smaller than or equal to half of kernel size, but got kT: {} kW: {} kH: {} padT: {} padW: {} padH: {}",
                k[0], k[2], k[1], p[0], p[2], p[1]
            ));
        }
        if out.iter().any(|&v| v < 1) {
            return rt(format!(
                "Given input size: ({}x{}x{}x{}). Calculated output size: ({}x{}x{}x{}). Output size is too small",
                s[ndim - 4],
                it,
                ih,
                iw,
                s[ndim - 4],
                out[0],
                out[1],
                out[2]
            ));
        }
    }
    Ok(out)
}

fn windows_from(
    x: &Tensor,
    nd: usize,
    out: [i64; 3],
    dims: [DimWindows; 3],
    per_plane: bool,
    divisor: Option<i64>,
) -> Windows {
    let (lead, inp) = split(x, nd);
    Windows {
        planes: lead.iter().product(),
        inp,
        out: out.map(|v| v.max(0) as usize),
        dims,
        per_plane,
        divisor,
    }
}

/// The tables of max pooling: output `o` starts at `o * stride - pad` and reads every
/// `dilation`-th position, clipped to the input.
pub fn max_pool_windows(x: &Tensor, a: &PoolArgs) -> Result<Windows> {
    let out = check_pool(x, a, Family::Max, None)?;
    let (_, inp) = split(x, a.nd);
    let dims: [DimWindows; 3] = std::array::from_fn(|d| {
        if d < 3 - a.nd {
            return unit_dim();
        }
        let j = d + a.nd - 3;
        let (k, s, p, dl) = (a.kernel[j], a.stride[j], a.padding[j], a.dilation[j]);
        let n_in = inp[d] as i64;
        let mut w = DimWindows {
            step: dl,
            ..Default::default()
        };
        for o in 0..out[d] {
            // Taps start + j * dl for j < k, kept where inside [0, n_in).
            let start = o * s - p;
            let first = if start >= 0 {
                0
            } else {
                (-start + dl - 1) / dl
            };
            let last = (k - 1).min((n_in - 1 - start).div_euclid(dl));
            w.x0.push(start + first * dl);
            w.n.push((last - first + 1).max(0));
            w.count.push(1);
        }
        w
    });
    Ok(windows_from(x, a.nd, out, dims, false, None))
}

fn unit_dim() -> DimWindows {
    DimWindows {
        x0: vec![0],
        n: vec![1],
        step: 1,
        count: vec![1],
    }
}

/// The tables of average pooling (ATen's `avg_pool2d` window): the window is clipped to the
/// padded input for the `count_include_pad` divisor and to the input for the taps.
pub fn avg_pool_windows(
    x: &Tensor,
    a: &PoolArgs,
    count_include_pad: bool,
    divisor_override: Option<i64>,
) -> Result<Windows> {
    let out = check_pool(x, a, Family::Avg, divisor_override)?;
    let (_, inp) = split(x, a.nd);
    let dims: [DimWindows; 3] = std::array::from_fn(|d| {
        if d < 3 - a.nd {
            return unit_dim();
        }
        let j = d + a.nd - 3;
        let (k, s, p) = (a.kernel[j], a.stride[j], a.padding[j]);
        let n_in = inp[d] as i64;
        let mut w = DimWindows {
            step: 1,
            ..Default::default()
        };
        for o in 0..out[d] {
            let start = o * s - p;
            let end = (start + k).min(n_in + p);
            let pool_size = end - start;
            let (s0, e0) = (start.max(0), end.min(n_in));
            w.x0.push(s0);
            w.n.push((e0 - s0).max(0));
            w.count.push(if count_include_pad {
                pool_size
            } else {
                e0 - s0
            });
        }
        w
    });
    Ok(windows_from(x, a.nd, out, dims, false, divisor_override))
}

/// Adaptive pooling's windows: output `o` of `out` over `n` inputs covers
/// `[floor(o * n / out), ceil((o + 1) * n / out))`.
fn adaptive_dim(n: i64, out: i64) -> DimWindows {
    let mut w = DimWindows {
        step: 1,
        ..Default::default()
    };
    for o in 0..out {
        let start = (o * n) / out;
        let end = ((o + 1) * n + out - 1) / out;
        w.x0.push(start);
        w.n.push(end - start);
        w.count.push(end - start);
    }
    w
}

/// The checks of `adaptive_{avg,max}_pool{2,3}d` and their tables.
pub fn adaptive_windows(x: &Tensor, nd: usize, output_size: &[i64], max: bool) -> Result<Windows> {
    let name = format!("adaptive_{}_pool{}d", if max { "max" } else { "avg" }, nd);
    let (ndim, s) = (x.ndim(), x.shape());
    let rank_ok = ndim == nd + 1 || ndim == nd + 2;
    if max {
        if !rank_ok {
            return rt(format!(
                "{}(): Expected {}D or {}D tensor, but got: {}",
                name,
                nd + 1,
                nd + 2,
                sizes(s)
            ));
        }
        if let Some(d) = (1..ndim).find(|&d| s[d] == 0) {
            return rt(format!(
                "{}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes {} with dimension {} being empty",
                name,
                sizes(s),
                d
            ));
        }
        if output_size.len() != nd {
            return rt(format!(
                "{}(): internal error: output_size.size() must be {}",
                name, nd
            ));
        }
        if let Some(&v) = output_size.iter().find(|&&v| v < 0) {
            let mut shape: Vec<String> = s[..ndim - nd].iter().map(|v| v.to_string()).collect();
            shape.extend(output_size.iter().map(|v| v.to_string()));
            return rt(format!(
                "Trying to create tensor with negative dimension {}: [{}]",
                v,
                shape.join(", ")
            ));
        }
    } else {
        if output_size.len() != nd {
            return rt(format!("{}: output_size must be {}", name, nd));
        }
        if output_size.iter().any(|&v| v < 0) {
            let v: Vec<String> = output_size.iter().map(|v| v.to_string()).collect();
            return rt(format!(
                "{}: elements of output_size must be greater than or equal to 0 but received {{{}}}",
                name,
                v.join(", ")
            ));
        }
        if !rank_ok {
            return rt(format!(
                "{}(): Expected {}D or {}D tensor, but got {}",
                name,
                nd + 1,
                nd + 2,
                sizes(s)
            ));
        }
        if let Some(d) = (ndim - nd..ndim).find(|&d| s[d] == 0) {
            return rt(format!(
                "{}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes {} with dimension {} being empty",
                name,
                sizes(s),
                d
            ));
        }
    }
    let (lead, inp) = split(x, nd);
    let mut out = [1i64; 3];
    out[3 - nd..].copy_from_slice(output_size);
    let elems = out
        .iter()
        .chain(lead.iter().map(|v| *v as i64).collect::<Vec<_>>().iter())
        .try_fold(1i64, |a, &b| a.checked_mul(b.max(1)));
    if elems.is_none_or(|e| e > 1 << 40) {
        return rt(format!(
            "{}: an output of size {:?} is too large to allocate",
            name, output_size
        ));
    }
    let dims = std::array::from_fn(|d| adaptive_dim(inp[d] as i64, out[d]));
    Ok(windows_from(x, nd, out, dims, false, None))
}

/// ATen's `generate_intervals`, in the input's float type: the window starts of one dim of a
/// fractional max pooling for the uniform `sample`.
fn intervals<T>(sample: T, input: i64, out: i64, k: i64) -> Vec<i64>
where
    T: Element + std::ops::Mul<Output = T> + std::ops::Add<Output = T> + std::ops::Div<Output = T>,
{
    let mut seq = vec![0i64; out.max(0) as usize];
    if out > 1 {
        let alpha = T::from_i64(input - k) / T::from_i64(out - 1);
        let base = (sample * alpha).to_f64() as i32 as i64;
        for (i, v) in seq.iter_mut().enumerate().take(out as usize - 1) {
            *v = ((T::from_i64(i as i64) + sample) * alpha).to_f64() as i32 as i64 - base;
        }
    }
    if let Some(last) = seq.last_mut() {
        *last = input - k;
    }
    seq
}

/// The checks of `fractional_max_pool2d/3d` and its per-plane tables from `samples`
/// (batch, channels, nd) as uniforms in `x`'s dtype; sample `[.., 0]` drives the last dim
/// for 2-d pooling (width, then height) and the first for 3-d (time, height, width), as ATen.
pub fn fractional_windows(
    x: &Tensor,
    nd: usize,
    kernel: &[i64],
    output_size: &[i64],
    samples: &Tensor,
) -> Result<Windows> {
    let (ndim, s) = (x.ndim(), x.shape());
    let name = if nd == 2 {
        "fractional_max_pool2d()"
    } else {
        "fractional_max_pool3d_out()"
    };
    if samples.ndim() != 3 {
        return rt(format!(
            "Expect _random_samples to have 3 dimensions, got {}",
            samples.ndim()
        ));
    }
    if ndim != nd + 1 && ndim != nd + 2 {
        return rt(format!(
            "{}: Expected {}D or {}D tensor, but got: {}",
            name,
            nd + 1,
            nd + 2,
            sizes(s)
        ));
    }
    // ATen checks every dim after the first, batched or not.
    if let Some(d) = (1..ndim).find(|&d| s[d] == 0) {
        return rt(format!(
            "{}: Expected input to have non-zero size for non-batch dimensions, but got{} with dimension {} being empty.",
            name,
            sizes(s),
            d
        ));
    }
    let batch = if ndim == nd + 2 { s[0] } else { 1 };
    let chans = s[ndim - nd - 1];
    let ss = samples.shape();
    if ss[0] < batch {
        return rt("Expect _random_samples.size(0) no less then input batch size.".into());
    }
    if ss[1] != chans {
        return rt("Expect _random_samples.size(1) equals to input channel size.".into());
    }
    if ss[2] != nd {
        return rt(format!(
            "Expect _random_samples.size(2) equals to {}; got {}.",
            nd, ss[2]
        ));
    }
    if samples.dtype() != x.dtype() {
        return rt(format!(
            "expected scalar type {} but found {}",
            crate::ops::elementwise::type_title(x.dtype()),
            crate::ops::elementwise::type_title(samples.dtype())
        ));
    }
    if output_size.iter().any(|&o| o < 0) {
        let mut shape: Vec<i64> = s[..ndim - nd].iter().map(|&v| v as i64).collect();
        shape.extend_from_slice(output_size);
        let bad = output_size.iter().find(|&&o| o < 0).copied().unwrap_or(-1);
        return rt(format!(
            "Trying to create tensor with negative dimension {}: {:?}",
            bad, shape
        ));
    }
    let (_, inp) = split(x, nd);
    let what = ["time", "height", "width"];
    let order: Vec<usize> = if nd == 2 { vec![1, 2] } else { vec![0, 1, 2] };
    for (j, &d) in order.iter().enumerate() {
        if output_size[j] + kernel[j] - 1 > inp[d] as i64 {
            return rt(format!(
                "{}: pool {} {} too large relative to input {} {}",
                name, what[d], kernel[j], what[d], inp[d]
            ));
        }
    }
    let host = crate::backend::gpu::host(samples)?.try_contiguous()?;
    let planes = batch * chans;
    let mut out = [1i64; 3];
    out[3 - nd..].copy_from_slice(output_size);
    let mut dims: [DimWindows; 3] = std::array::from_fn(|_| DimWindows {
        step: 1,
        ..Default::default()
    });
    for p in 0..planes {
        let (b, c) = (p / chans, p % chans);
        for d in 0..3 {
            let dw = &mut dims[d];
            if d < 3 - nd {
                dw.x0.push(0);
                dw.n.push(1);
                continue;
            }
            let j = d + nd - 3;
            // 2-d: sample 0 drives width (j = 1), sample 1 height; 3-d: sample j drives dim j.
            let si = if nd == 2 { 1 - j } else { j };
            let at = (b * chans + c) * nd + si;
            let seq = match x.dtype() {
                DType::F32 => {
                    intervals(host.as_slice::<f32>()[at], inp[d] as i64, out[d], kernel[j])
                }
                DType::F64 => {
                    intervals(host.as_slice::<f64>()[at], inp[d] as i64, out[d], kernel[j])
                }
                d => return Err(not_implemented_for("fractional_max_pool2d_out_frame", d)),
            };
            // Samples outside [0, 1) could place a window outside the input.
            if seq.iter().any(|&v| v < 0 || v + kernel[j] > inp[d] as i64) {
                return rt(format!(
                    "{}: _random_samples must lie in [0, 1) (plane {})",
                    name, p
                ));
            }
            dw.x0.extend(seq);
            dw.n.extend(std::iter::repeat_n(kernel[j], out[d] as usize));
        }
    }
    for (d, dw) in dims.iter_mut().enumerate() {
        dw.count = vec![1; out[d].max(0) as usize];
    }
    let mut w = windows_from(x, nd, out, dims, true, None);
    w.planes = planes;
    Ok(w)
}

// ----- running the tables -----

fn out_shape(x: &Tensor, w: &Windows, nd: usize) -> Vec<usize> {
    let mut shape = x.shape()[..x.ndim() - nd].to_vec();
    shape.extend_from_slice(&w.out[3 - nd..]);
    shape
}

/// Runs `$body` with `$T` bound to the element type of a real (non-bool, non-complex) dtype.
macro_rules! real_dispatch {
    ($dtype:expr, $op:expr, $T:ident => $body:expr) => {
        match $dtype {
            DType::U8 => {
                type $T = u8;
                $body
            }
            DType::I8 => {
                type $T = i8;
                $body
            }
            DType::I16 => {
                type $T = i16;
                $body
            }
            DType::I32 => {
                type $T = i32;
                $body
            }
            DType::I64 => {
                type $T = i64;
                $body
            }
            DType::F16 => {
                type $T = half::f16;
                $body
            }
            DType::BF16 => {
                type $T = half::bf16;
                $body
            }
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
            d => return Err(not_implemented_for($op, d)),
        }
    };
}

fn gpu_f32(x: &Tensor, op: &str) -> Result<()> {
    if x.dtype() != DType::F32 {
        return Err(not_implemented_for(op, x.dtype()));
    }
    Ok(())
}

/// The max over each window and, with `with_indices`, the flat per-plane indices (int64),
/// shaped as `x` with the pooled dims replaced by the output sizes.
pub fn max_by_windows(
    x: &Tensor,
    w: &Windows,
    nd: usize,
    op: &str,
    with_indices: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let shape = out_shape(x, w, nd);
    if x.is_gpu() {
        gpu_f32(x, op)?;
        let (out, idx) = crate::backend::gpu::pool::max_fwd(x, w, &shape)?;
        return Ok((out, with_indices.then_some(idx)));
    }
    let xc = x.try_contiguous()?;
    let out = Tensor::zeros(&shape, x.dtype());
    let idx = with_indices.then(|| Tensor::zeros(&shape, DType::I64));
    real_dispatch!(x.dtype(), op, T => {
        // SAFETY: `out` and `idx` are fresh contiguous tensors of `shape`, unaliased.
        let (o, i) = unsafe {
            (
                std::slice::from_raw_parts_mut(out.ptr::<T>(), out.numel()),
                idx.as_ref()
                    .map(|t| std::slice::from_raw_parts_mut(t.ptr::<i64>(), t.numel())),
            )
        };
        crate::backend::cpu::pool::max_fwd(xc.as_slice::<T>(), w, o, i);
    });
    Ok((out, idx))
}

/// The average over each window (`Windows::divisor_at`).
pub fn avg_by_windows(x: &Tensor, w: &Windows, nd: usize, op: &str) -> Result<Tensor> {
    let shape = out_shape(x, w, nd);
    if x.is_gpu() {
        gpu_f32(x, op)?;
        return crate::backend::gpu::pool::avg_fwd(x, w, &shape);
    }
    let xc = x.try_contiguous()?;
    let out = Tensor::zeros(&shape, x.dtype());
    real_dispatch!(x.dtype(), op, T => {
        // SAFETY: fresh contiguous output.
        let o = unsafe { std::slice::from_raw_parts_mut(out.ptr::<T>(), out.numel()) };
        crate::backend::cpu::pool::avg_fwd(xc.as_slice::<T>(), w, o);
    });
    Ok(out)
}

/// The adjoint of `avg_by_windows`: the gradient with respect to an input of `in_shape`.
pub fn avg_backward(g: &Tensor, w: &Windows, in_shape: &[usize], op: &str) -> Result<Tensor> {
    if g.is_gpu() {
        gpu_f32(g, op)?;
        return crate::backend::gpu::pool::avg_bwd(g, w, in_shape);
    }
    let gc = g.try_contiguous()?;
    let gx = Tensor::zeros(in_shape, g.dtype());
    float_dispatch!(g.dtype(), op, T => {
        // SAFETY: fresh contiguous output.
        let o = unsafe { std::slice::from_raw_parts_mut(gx.ptr::<T>(), gx.numel()) };
        crate::backend::cpu::pool::avg_bwd(gc.as_slice::<T>(), w, o);
    });
    Ok(gx)
}

/// Max pooling's backward: `g` added at the saved argmax of each window, into zeros of
/// `in_shape`.
pub fn max_backward(
    g: &Tensor,
    idx: &Tensor,
    w: &Windows,
    in_shape: &[usize],
    nd: usize,
    op: &str,
) -> Result<Tensor> {
    if g.is_gpu() {
        gpu_f32(g, op)?;
        return crate::backend::gpu::pool::max_bwd(g, idx, w, in_shape);
    }
    scatter_planes(g, idx, in_shape, nd, false, op)
}

/// `dst[p, idx[p, k]] (+)= src[p, k]` into zeros of `dst_shape`, whose last `plane_dims`
/// dims form the planes (`idx` has `src`'s shape). `write` keeps the later value instead of
/// adding (max unpooling). An index outside the plane is PyTorch's max_unpool error, which
/// names the plane's sizes.
pub fn scatter_planes(
    src: &Tensor,
    idx: &Tensor,
    dst_shape: &[usize],
    plane_dims: usize,
    write: bool,
    op: &str,
) -> Result<Tensor> {
    let plane_shape = &dst_shape[dst_shape.len().saturating_sub(plane_dims)..];
    let dst_plane: usize = plane_shape.iter().product();
    if src.is_gpu() {
        gpu_f32(src, op)?;
        return scatter_planes_gpu(src, idx, dst_shape, plane_shape, write);
    }
    let (sc, ic) = (src.try_contiguous()?, idx.try_contiguous()?);
    let dst = Tensor::zeros(dst_shape, src.dtype());
    let land = if write {
        crate::backend::cpu::pool::Land::Write
    } else {
        crate::backend::cpu::pool::Land::Add
    };
    let bad = real_dispatch!(src.dtype(), op, T => {
        // SAFETY: fresh contiguous output.
        let d = unsafe { std::slice::from_raw_parts_mut(dst.ptr::<T>(), dst.numel()) };
        crate::backend::cpu::pool::scatter_planes(sc.as_slice::<T>(), ic.as_slice::<i64>(), dst_plane, d, land)
    });
    if let Some(b) = bad {
        return rt(format!(
            "Found an invalid max index: {} (output volumes are of size {})",
            b,
            volume(plane_shape)
        ));
    }
    Ok(dst)
}

/// "HxW" / "DxHxW": an unpooling output's plane as ATen's message prints it.
fn volume(shape: &[usize]) -> String {
    let v: Vec<String> = shape.iter().map(|v| v.to_string()).collect();
    v.join("x")
}

fn scatter_planes_gpu(
    src: &Tensor,
    idx: &Tensor,
    dst_shape: &[usize],
    plane_shape: &[usize],
    write: bool,
) -> Result<Tensor> {
    let dst_plane: usize = plane_shape.iter().product();
    use crate::ops::elementwise::{BinaryOp, Operand, binary};
    let np: usize = dst_shape
        .iter()
        .product::<usize>()
        .checked_div(dst_plane)
        .unwrap_or(0);
    let sp = src.numel().checked_div(np).unwrap_or(0);
    let src2 = crate::ops::view::reshape(src, &[np as i64, sp as i64])?;
    let idx2 = crate::ops::view::reshape(idx, &[np as i64, sp as i64])?;
    // The index range check the CPU kernel makes, on the device.
    let lo = binary(
        BinaryOp::Lt,
        &Operand::Tensor(idx2.clone()),
        &Operand::Scalar(crate::dtype::Scalar::Int(0)),
    )?;
    let hi = binary(
        BinaryOp::Ge,
        &Operand::Tensor(idx2.clone()),
        &Operand::Scalar(crate::dtype::Scalar::Int(dst_plane as i64)),
    )?;
    let bad = binary(
        BinaryOp::LogicalOr,
        &Operand::Tensor(lo),
        &Operand::Tensor(hi),
    )?;
    let bad_idx = crate::ops::index::masked_select(&idx2, &bad)?;
    if bad_idx.numel() > 0 {
        let b = crate::backend::gpu::host(&bad_idx)?.try_to_vec::<i64>()?[0];
        return rt(format!(
            "Found an invalid max index: {} (output volumes are of size {})",
            b,
            volume(plane_shape)
        ));
    }
    let dst = Tensor::zeros_on(&[np, dst_plane], src.dtype(), src.device())?;
    let mode = if write {
        crate::ops::index::ScatterMode::Replace
    } else {
        crate::ops::index::ScatterMode::Add
    };
    crate::ops::index::scatter_(&dst, 1, &idx2, &Operand::Tensor(src2), mode)?;
    let shape: Vec<i64> = dst_shape.iter().map(|&v| v as i64).collect();
    crate::ops::view::reshape(&dst, &shape)
}

/// `out[p, k] = src[p, idx[p, k]]`: the adjoint of `scatter_planes` (max pooling's
/// double backward and max unpooling's backward).
pub fn gather_planes(src: &Tensor, idx: &Tensor, src_plane: usize, op: &str) -> Result<Tensor> {
    let np = src.numel().checked_div(src_plane).unwrap_or(0);
    if src.is_gpu() {
        gpu_f32(src, op)?;
        let op_ = idx.numel().checked_div(np).unwrap_or(0);
        let src2 = crate::ops::view::reshape(src, &[np as i64, src_plane as i64])?;
        let idx2 = crate::ops::view::reshape(idx, &[np as i64, op_ as i64])?;
        let out = crate::ops::index::gather(&src2, 1, &idx2)?;
        let shape: Vec<i64> = idx.shape().iter().map(|&v| v as i64).collect();
        return crate::ops::view::reshape(&out, &shape);
    }
    let (sc, ic) = (src.try_contiguous()?, idx.try_contiguous()?);
    let out = Tensor::zeros(idx.shape(), src.dtype());
    real_dispatch!(src.dtype(), op, T => {
        // SAFETY: fresh contiguous output.
        let o = unsafe { std::slice::from_raw_parts_mut(out.ptr::<T>(), out.numel()) };
        crate::backend::cpu::pool::gather_planes(sc.as_slice::<T>(), ic.as_slice::<i64>(), src_plane, o);
    });
    Ok(out)
}

/// The checks of `max_unpool2d/3d` (ATen's) and the output shape: `x`'s lead dims with the
/// pooled dims replaced by `output_size`.
pub fn max_unpool_shape(
    x: &Tensor,
    idx: &Tensor,
    nd: usize,
    output_size: &[i64],
) -> Result<Vec<usize>> {
    if idx.dtype() != DType::I64 {
        return rt(format!(
            "elements in indices should be type int64 but got: {}",
            crate::ops::elementwise::type_title(idx.dtype())
        ));
    }
    if output_size.len() != nd {
        return rt(format!(
            "There should be exactly {} elements (depth, height, width) in output_size, but got {} elements.",
            nd,
            output_size.len()
        ));
    }
    let (ndim, s) = (x.ndim(), x.shape());
    if ndim != nd + 1 && ndim != nd + 2 {
        return rt(format!(
            "Input to max_unpooling{}d should be a {}d or {}d Tensor, but got a tensor with {} dimensions.",
            nd,
            nd + 1,
            nd + 2,
            ndim
        ));
    }
    if x.shape() != idx.shape() {
        return rt(format!(
            "Expected shape of indices to be same as that of the input tensor ({}) but got indices tensor with shape: {}",
            sizes(x.shape()),
            sizes(idx.shape())
        ));
    }
    if let Some(d) = (1..ndim).find(|&d| s[d] == 0) {
        return rt(format!(
            "max_unpooling{}d(): Expected input to have non-zero size for non-batch dimensions, but got {} with dimension {} being empty.",
            nd,
            sizes(s),
            d
        ));
    }
    if let Some(&v) = output_size.iter().find(|&&v| v < 0) {
        return rt(format!(
            "Trying to create tensor with negative dimension {}",
            v
        ));
    }
    let mut shape = s[..ndim - nd].to_vec();
    shape.extend(output_size.iter().map(|&v| v as usize));
    let elems = shape
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b.max(1)));
    if elems.is_none_or(|e| e > 1 << 40) {
        return rt(format!(
            "max_unpooling{}d: an output of size {} is too large to allocate",
            nd,
            sizes(&shape)
        ));
    }
    Ok(shape)
}
