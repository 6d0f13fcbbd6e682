//! Differentiable convolutions (NOTE [convolution lowering] in `ops/conv.rs`).
//!
//! NOTE [convolution double backward]: the three primitives are each other's adjoints, so each
//! one's backward is written with the other two, and a recorded backward (`create_graph=True`)
//! is differentiable again, to any order:
//! - `y = conv(x, w) + b`:       gx = input_grad(gy, w), gw = weight_grad(x, gy), gb = sum(gy);
//! - `y = input_grad(g, w) + b`: gg = conv(gy, w),       gw = weight_grad(gy, g), gb = sum(gy)
//!   (the transposed convolution);
//! - `v = weight_grad(x, g)`:    gx = input_grad(g, gv), gg = conv(x, gv).
//!
//! The user-facing forms (convolution and transposed convolution) record PyTorch's
//! `ConvolutionBackward0`; the nodes made while differentiating a backward are
//! `ConvolutionBackwardBackward0`, PyTorch's name for its double-backward node.

use crate::autograd::node::Saved;
use crate::autograd::ops::{self as ag, needs_grad, record1};
use crate::error::{Error, Result};
use crate::ops::conv::{self, ConvArgs};
use crate::tensor::Tensor;

const FORWARD: &str = "ConvolutionBackward0";
const DOUBLE: &str = "ConvolutionBackwardBackward0";

fn inputs<'a>(a: &'a Tensor, b: &'a Tensor, bias: Option<&'a Tensor>) -> Vec<&'a Tensor> {
    let mut v = vec![a, b];
    v.extend(bias);
    v
}

/// The bias gradient: `gy` summed over every dim but the channels.
fn bias_grad(gy: &Tensor) -> Result<Tensor> {
    let dims: Vec<i64> = (0..gy.ndim() as i64).filter(|&d| d != 1).collect();
    ag::sum(gy, Some(&dims), false, None)
}

fn spatial(t: &Tensor) -> Vec<usize> {
    t.shape()[2..].to_vec()
}

/// `conv(x, w) + bias`, of output size `out` (the forward size when `None`).
fn conv_node(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    a: &ConvArgs,
    out: Option<&[usize]>,
    name: &'static str,
) -> Result<Tensor> {
    let y = conv::conv(x, w, bias, a, out)?;
    let ins = inputs(x, w, bias);
    if !needs_grad(&ins) {
        return Ok(y);
    }
    let (sx, sw) = (Saved::new(x), Saved::new(w));
    let (rx, rw) = (x.requires_grad(), w.requires_grad());
    let rb = bias.map(|b| b.requires_grad());
    let (in_sp, kernel, a) = (spatial(x), spatial(w), a.clone());
    Ok(record1(name, &ins, y, true, move |gy| {
        let (x, w) = (sx.get(name, 0)?, sw.get(name, 1)?);
        let gx = match rx {
            true => Some(input_grad_node(gy, &w, None, &a, &in_sp, DOUBLE)?),
            false => None,
        };
        let gw = match rw {
            true => Some(weight_grad_node(&x, gy, &a, &kernel)?),
            false => None,
        };
        let mut grads = vec![gx, gw];
        if let Some(rb) = rb {
            grads.push(if rb { Some(bias_grad(gy)?) } else { None });
        }
        Ok(grads)
    }))
}

/// `input_grad(g, w) + bias` of spatial size `input`: the transposed convolution.
fn input_grad_node(
    g: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    a: &ConvArgs,
    input: &[usize],
    name: &'static str,
) -> Result<Tensor> {
    let mut y = conv::conv_input_grad(g, w, a, input)?;
    if let Some(b) = bias {
        y = add_bias(&y, b)?;
    }
    let ins = inputs(g, w, bias);
    if !needs_grad(&ins) {
        return Ok(y);
    }
    let (sg, sw) = (Saved::new(g), Saved::new(w));
    let (rg, rw) = (g.requires_grad(), w.requires_grad());
    let rb = bias.map(|b| b.requires_grad());
    let (g_sp, kernel, a) = (spatial(g), spatial(w), a.clone());
    Ok(record1(name, &ins, y, true, move |gy| {
        let (g, w) = (sg.get(name, 0)?, sw.get(name, 1)?);
        let gg = match rg {
            true => Some(conv_node(gy, &w, None, &a, Some(&g_sp), DOUBLE)?),
            false => None,
        };
        let gw = match rw {
            true => Some(weight_grad_node(gy, &g, &a, &kernel)?),
            false => None,
        };
        let mut grads = vec![gg, gw];
        if let Some(rb) = rb {
            grads.push(if rb { Some(bias_grad(gy)?) } else { None });
        }
        Ok(grads)
    }))
}

/// `weight_grad(x, g)` with kernel size `kernel`.
fn weight_grad_node(x: &Tensor, g: &Tensor, a: &ConvArgs, kernel: &[usize]) -> Result<Tensor> {
    let v = conv::conv_weight_grad(x, g, a, kernel)?;
    if !needs_grad(&[x, g]) {
        return Ok(v);
    }
    let (sx, sg) = (Saved::new(x), Saved::new(g));
    let (rx, rg) = (x.requires_grad(), g.requires_grad());
    let (in_sp, g_sp, a) = (spatial(x), spatial(g), a.clone());
    let name = DOUBLE;
    Ok(record1(name, &[x, g], v, true, move |gv| {
        let (x, g) = (sx.get(name, 0)?, sg.get(name, 1)?);
        let gx = match rx {
            true => Some(input_grad_node(&g, gv, None, &a, &in_sp, DOUBLE)?),
            false => None,
        };
        let gg = match rg {
            true => Some(conv_node(&x, gv, None, &a, Some(&g_sp), DOUBLE)?),
            false => None,
        };
        Ok(vec![gx, gg])
    }))
}

fn add_bias(y: &Tensor, b: &Tensor) -> Result<Tensor> {
    let mut shape = vec![1i64, -1];
    shape.extend(std::iter::repeat_n(1, y.ndim().saturating_sub(2)));
    let bv = crate::ops::view::reshape(b, &shape)?;
    crate::ops::elementwise::binary(
        crate::ops::elementwise::BinaryOp::Add,
        &crate::ops::elementwise::Operand::Tensor(y.clone()),
        &crate::ops::elementwise::Operand::Tensor(bv),
    )
}

/// PyTorch's `convolution(input, weight, bias, stride, padding, dilation, transposed,
/// output_padding, groups)` on batched input: ConvolutionBackward0. The transposed form's
/// weight is (C_in, C_out / groups, k...) and its output size is
/// `(in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1`.
pub fn convolution(
    x: &Tensor,
    w: &Tensor,
    bias: Option<&Tensor>,
    a: &ConvArgs,
    transposed: bool,
    output_padding: &[usize],
) -> Result<Tensor> {
    if !transposed {
        return conv_node(x, w, bias, a, None, FORWARD);
    }
    let nd = a.stride.len();
    if output_padding.len() != nd || x.ndim() != nd + 2 || w.ndim() != nd + 2 {
        return Err(Error::Runtime(format!(
            "conv_transpose: expected {}-dimensional input and weight and {} output paddings, but got input {:?}, weight {:?}, output_padding {:?}",
            nd + 2,
            nd,
            x.shape(),
            w.shape(),
            output_padding
        )));
    }
    let mut out = Vec::with_capacity(nd);
    for (d, &op) in output_padding.iter().enumerate() {
        let k = w.shape()[2 + d];
        let full = (x.shape()[2 + d] as i64 - 1) * a.stride[d] as i64
            + (a.dilation[d] * k.max(1).saturating_sub(1)) as i64
            + op as i64
            + 1;
        let size = full - 2 * a.padding[d] as i64;
        if size <= 0 {
            return Err(Error::Runtime(format!(
                "conv_transpose: calculated output size {} in spatial dim {} is too small",
                size, d
            )));
        }
        out.push(size as usize);
    }
    input_grad_node(x, w, bias, a, &out, FORWARD)
}
