//! One layer and direction of `nn.RNN`/`LSTM`/`GRU` (NOTE [native recurrent layer]); the node
//! that records it is `autograd/ops_rnn.rs`, the gate kernels are `backend/cpu/rnn.rs` and
//! `backend/gpu/rnn.rs` (`shaders/rnn.wgsl`).
//!
//! NOTE [native recurrent layer]: the layer works on the packed layout: the rows of step `t` are
//! `batch_sizes[t]` rows of a 2-d `(N, features)` tensor (a padded (T, B) batch is the packed one
//! with `[B] * T`). The forward is one product for the input projection of all steps
//! (`x @ W_ih^T` + biases) into the gate buffer, then per step one hidden product added into
//! the step's gate rows (`h_prev @ W_hh^T`; GRU keeps it apart, its n gate needs the hidden
//! part alone) and one fused gate kernel that turns the pre-activations into the activated
//! gates in place and writes the new h (and c) to the output rows and to the carried state.
//! The carried state is a `(B, ·)` buffer started from h0 (c0); step `t` reads and writes its
//! first `batch_sizes[t]` rows, so in the forward direction the rows of sequences that ended
//! keep their final state, and in the reverse direction (batch sizes grow) new rows start from
//! h0 — ATen's packed semantics; after the last step the carry is h_n (c_n).
//! The backward runs the steps in the opposite order with carried gradients `(B, ·)` started
//! from dh_n (dc_n): per step the gate backward kernel turns the step's dh (carry + output
//! gradient) into the gate-gradient rows dG and the carried dc, then one product gives the
//! carried dh (`dG @ W_hh`, GRU adding its direct term dh * z). The weight gradients are one
//! product each over all steps (`dG^T @ x`, `dG^T @ h_prev`, `dh^T @ h_f` for the projection),
//! the bias gradients column sums of dG. Saved for the backward: the activated gates, the
//! per-step h_prev rows (`hp`), and per mode tanh(c) / c_prev (LSTM), the pre-projection h (LSTM
//! with proj_size), the hidden n part (GRU), the output (RNN: the activation's derivative).
//! The per-step products and kernels write into preallocated buffers (row ranges); on the CPU
//! they run on the calling thread (a step is a few rows), on the GPU they are kernels on views.

use crate::backend::cpu::rnn as cpu;
use crate::backend::cpu::threads::pool;
use crate::backend::gpu;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, binary, binary_};
use crate::ops::{linalg, reduce, view};
use crate::spec::elementwise::not_implemented_for;
use crate::tensor::{Tensor, try_copy_into};

const OP: &str = "_rnn_layer";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Lstm,
    Gru,
    RnnTanh,
    RnnRelu,
}

impl Mode {
    /// PyTorch's mode names (`nn.RNNBase.mode`).
    pub fn parse(s: &str) -> Result<Mode> {
        Ok(match s {
            "LSTM" => Mode::Lstm,
            "GRU" => Mode::Gru,
            "RNN_TANH" => Mode::RnnTanh,
            "RNN_RELU" => Mode::RnnRelu,
            _ => {
                return Err(Error::Value(format!(
                    "Unknown mode '{s}': expected LSTM, GRU, RNN_TANH or RNN_RELU"
                )));
            }
        })
    }

    fn gates(self) -> usize {
        match self {
            Mode::Lstm => 4,
            Mode::Gru => 3,
            _ => 1,
        }
    }
}

/// A layer's parameters: w_ih (G*H, in), w_hh (G*H, P), biases (G*H), w_hr (P, H) (LSTM with
/// a projection; P = H otherwise).
#[derive(Clone)]
pub struct Weights {
    pub w_ih: Tensor,
    pub w_hh: Tensor,
    pub b_ih: Option<Tensor>,
    pub b_hh: Option<Tensor>,
    pub w_hr: Option<Tensor>,
}

/// Where the per-step work runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dev {
    F32,
    F64,
    Gpu,
}

/// The sizes of a layer.
#[derive(Clone, Copy, Debug)]
struct Dims {
    n: usize,
    h: usize,
    p: usize,
    b: usize,
}

/// What the backward needs from the forward (besides the inputs).
pub struct LayerState {
    mode: Mode,
    reverse: bool,
    bs: Vec<usize>,
    dims: Dims,
    dev: Dev,
    /// (N, G*H) activated gates (LSTM i f g o, GRU r z n); RNN: unused pre-activations.
    gates: Tensor,
    /// (N, P) h_prev of each step's rows.
    hp: Tensor,
    /// (N, P) the output (RNN's activation derivative reads it).
    out: Tensor,
    /// LSTM: (N, H) tanh(c) and c_prev.
    c: Option<(Tensor, Tensor)>,
    /// LSTM with projection: (N, H) h before the projection.
    hf: Option<Tensor>,
    /// GRU: (N, H) the hidden n part with b_hn.
    ghn: Option<Tensor>,
}

pub struct Forward {
    pub out: Tensor,
    pub h_n: Tensor,
    pub c_n: Option<Tensor>,
    pub state: LayerState,
}

/// Gradients of a layer's inputs; each is computed only where `Need` asks.
pub struct Grads {
    pub x: Option<Tensor>,
    pub w_ih: Option<Tensor>,
    pub w_hh: Option<Tensor>,
    pub b_ih: Option<Tensor>,
    pub b_hh: Option<Tensor>,
    pub w_hr: Option<Tensor>,
    pub h0: Option<Tensor>,
    pub c0: Option<Tensor>,
}

#[derive(Clone, Copy, Default)]
pub struct Need {
    pub x: bool,
    pub w_ih: bool,
    pub w_hh: bool,
    pub b_ih: bool,
    pub b_hh: bool,
    pub w_hr: bool,
    pub h0: bool,
    pub c0: bool,
}

fn err(msg: String) -> Error {
    Error::Runtime(format!("{OP}: {msg}"))
}

fn check(
    mode: Mode,
    x: &Tensor,
    bs: &[usize],
    w: &Weights,
    h0: &Tensor,
    c0: Option<&Tensor>,
) -> Result<(Dims, Dev)> {
    let all: Vec<&Tensor> = [x, &w.w_ih, &w.w_hh, h0]
        .into_iter()
        .chain(w.b_ih.as_ref())
        .chain(w.b_hh.as_ref())
        .chain(w.w_hr.as_ref())
        .chain(c0)
        .collect();
    let dev = if x.is_gpu() {
        gpu::same_device(&all)?;
        gpu::check_dtype(x.dtype())?;
        if x.dtype() != DType::F32 {
            return Err(gpu::not_implemented(&format!(
                "{OP} ({})",
                x.dtype().name()
            )));
        }
        Dev::Gpu
    } else {
        gpu::same_device(&all)?;
        match x.dtype() {
            DType::F32 => Dev::F32,
            DType::F64 => Dev::F64,
            d => return Err(not_implemented_for(OP, d)),
        }
    };
    if let Some(t) = all.iter().find(|t| t.dtype() != x.dtype()) {
        return Err(err(format!(
            "expected every tensor to have the input's dtype {}, got {}",
            x.dtype().name(),
            t.dtype().name()
        )));
    }
    if x.ndim() != 2 {
        return Err(err(format!("expected a 2-d input, got {:?}", x.shape())));
    }
    let (n, input) = (x.shape()[0], x.shape()[1]);
    let g = mode.gates();
    let shape2 = |t: &Tensor| (t.ndim() == 2).then(|| (t.shape()[0], t.shape()[1]));
    let (gh, win) = shape2(&w.w_ih)
        .ok_or_else(|| err(format!("expected a 2-d w_ih, got {:?}", w.w_ih.shape())))?;
    if gh % g != 0 || gh == 0 || win != input {
        return Err(err(format!(
            "w_ih {:?} does not fit {g} gates over an input of {input} features",
            w.w_ih.shape()
        )));
    }
    let h = gh / g;
    if w.w_hr.is_some() && mode != Mode::Lstm {
        return Err(err("only LSTM takes a projection weight".into()));
    }
    let p = match &w.w_hr {
        Some(r) => match shape2(r) {
            Some((p, hh)) if hh == h && p > 0 => p,
            _ => return Err(err(format!("w_hr {:?} should be (P, {h})", r.shape()))),
        },
        None => h,
    };
    if shape2(&w.w_hh) != Some((gh, p)) {
        return Err(err(format!(
            "w_hh {:?} should be [{gh}, {p}]",
            w.w_hh.shape()
        )));
    }
    for b in w.b_ih.iter().chain(w.b_hh.iter()) {
        if b.shape() != [gh] {
            return Err(err(format!("bias {:?} should be [{gh}]", b.shape())));
        }
    }
    // All zero: a padded batch of no sequences (the outputs are empty).
    if bs.is_empty() || (bs.contains(&0) && bs[0] != 0) || bs.windows(2).any(|v| v[1] > v[0]) {
        return Err(err(format!(
            "batch_sizes {bs:?} should be positive (or all 0) and non-increasing"
        )));
    }
    if bs.iter().sum::<usize>() != n {
        return Err(err(format!(
            "batch_sizes {bs:?} do not add up to the input's {n} rows"
        )));
    }
    let b = bs[0];
    if h0.shape() != [b, p] {
        return Err(err(format!("h0 {:?} should be [{b}, {p}]", h0.shape())));
    }
    match (mode, c0) {
        (Mode::Lstm, Some(c)) if c.shape() == [b, h] => {}
        (Mode::Lstm, Some(c)) => {
            return Err(err(format!("c0 {:?} should be [{b}, {h}]", c.shape())));
        }
        (Mode::Lstm, None) => return Err(err("LSTM needs c0".into())),
        (_, Some(_)) => return Err(err("only LSTM takes c0".into())),
        _ => {}
    }
    Ok((Dims { n, h, p, b }, dev))
}

/// The step order of a direction and each step's first row.
fn steps(bs: &[usize], reverse: bool) -> (Vec<usize>, Vec<usize>) {
    let order: Vec<usize> = if reverse {
        (0..bs.len()).rev().collect()
    } else {
        (0..bs.len()).collect()
    };
    let mut offsets = Vec::with_capacity(bs.len());
    let mut o = 0;
    for &b in bs {
        offsets.push(o);
        o += b;
    }
    (order, offsets)
}

fn zeros(rows: usize, cols: usize, like: &Tensor) -> Result<Tensor> {
    Tensor::zeros_on(&[rows, cols], like.dtype(), like.device())
}

/// A fresh contiguous copy (a buffer this op writes).
fn fresh(t: &Tensor) -> Result<Tensor> {
    let c = Tensor::zeros_on(t.shape(), t.dtype(), t.device())?;
    try_copy_into(&c, t)?;
    Ok(c)
}

fn rows(t: &Tensor, r0: usize, n: usize) -> Result<Tensor> {
    view::narrow(t, 0, r0 as i64, n as i64)
}

/// Rows `r0..r0 + n` of a contiguous 2-d CPU tensor.
///
/// # Safety
/// `t` must be a contiguous 2-d CPU tensor of element type `T` with at least `r0 + n` rows.
unsafe fn rd<T: Element>(t: &Tensor, r0: usize, n: usize) -> &[T] {
    let cols = t.shape()[1];
    // SAFETY: inside the contiguous tensor, as the caller guarantees.
    unsafe { std::slice::from_raw_parts(t.ptr::<T>().add(r0 * cols), n * cols) }
}

/// Mutable rows `r0..r0 + n` of a buffer of this module.
///
/// # Safety
/// As [`rd`]; besides, `t` must be a buffer this module created for the layer (no other
/// tensor shares its storage), and no other slice of the same rows may be alive while the
/// returned one is: each kernel call below takes its slices from distinct buffers.
#[allow(clippy::mut_from_ref)]
unsafe fn wr<T: Element>(t: &Tensor, r0: usize, n: usize) -> &mut [T] {
    let cols = t.shape()[1];
    // SAFETY: as the caller guarantees.
    unsafe { std::slice::from_raw_parts_mut(t.ptr::<T>().add(r0 * cols), n * cols) }
}

/// `dst[d0..d0 + m] (+)= a[a0..a0 + m] @ w` for a contiguous row buffer `dst` of this module
/// and 2-d views `a` and `w` (any strides). Small products (a step's) run on the calling
/// thread, large ones (over all steps) on the pool.
#[allow(clippy::too_many_arguments)]
fn gemm_rows(
    dev: Dev,
    dst: &Tensor,
    d0: usize,
    a: &Tensor,
    a0: usize,
    m: usize,
    w: &Tensor,
    acc: bool,
) -> Result<()> {
    if m == 0 {
        return Ok(());
    }
    let (k, n) = (w.shape()[0], w.shape()[1]);
    macro_rules! run {
        ($T:ty) => {{
            // Addresses as integers so that the closure may run on the pool.
            let (sa, sw) = (a.strides(), w.strides());
            let (pa, pw, pc) = (
                a.ptr::<$T>() as usize,
                w.ptr::<$T>() as usize,
                dst.ptr::<$T>() as usize,
            );
            let pool_threads = pool().current_num_threads();
            let threads = if m * n * k >= 1 << 22 {
                pool_threads
            } else {
                1
            };
            // A step's product (16x128 @ 128x512: ~30 us on one core) is cut into bands of
            // columns, one per thread, each a single-threaded product.
            let bands = if threads == 1 && pool_threads > 1 && m * n * k >= 1 << 18 {
                pool_threads.min(n / 64)
            } else {
                1
            };
            if bands > 1 {
                use rayon::prelude::*;
                let width = n.div_ceil(bands);
                pool().install(|| {
                    (0..bands).into_par_iter().for_each(|t| {
                        let (c0, c1) = (t * width, ((t + 1) * width).min(n));
                        if c0 >= c1 {
                            return;
                        }
                        // SAFETY: as below; each band writes its own columns of `dst`.
                        unsafe {
                            cpu::gemm::<$T>(
                                m,
                                c1 - c0,
                                k,
                                ((pa as *const $T).offset(a0 as isize * sa[0]), sa[0], sa[1]),
                                ((pw as *const $T).offset(c0 as isize * sw[1]), sw[0], sw[1]),
                                ((pc as *mut $T).add(d0 * n + c0), n as isize, 1),
                                acc,
                                1,
                            )
                        }
                    })
                });
                return Ok(());
            }
            let go = || {
                // SAFETY: `a` is a valid view with at least a0 + m rows of k elements, `w` a
                // valid (k, n) view, `dst` a contiguous (.., n) buffer of this module with
                // d0 + m rows that overlaps neither (the layer's sizes are checked).
                unsafe {
                    cpu::gemm::<$T>(
                        m,
                        n,
                        k,
                        ((pa as *const $T).offset(a0 as isize * sa[0]), sa[0], sa[1]),
                        (pw as *const $T, sw[0], sw[1]),
                        ((pc as *mut $T).add(d0 * n), n as isize, 1),
                        acc,
                        threads,
                    )
                }
            };
            if threads > 1 {
                pool().install(go)
            } else {
                go()
            }
        }};
    }
    match dev {
        Dev::F32 => run!(f32),
        Dev::F64 => run!(f64),
        Dev::Gpu => {
            let prod = linalg::mm(&rows(a, a0, m)?, w)?;
            let d = rows(dst, d0, m)?;
            if acc {
                binary_(BinaryOp::Add, &d, &Operand::Tensor(prod))?;
            } else {
                try_copy_into(&d, &prod)?;
            }
        }
    }
    Ok(())
}

/// `a @ w` as a fresh (rows of a, cols of w) buffer.
fn product(dev: Dev, a: &Tensor, w: &Tensor) -> Result<Tensor> {
    if dev == Dev::Gpu {
        return linalg::mm(a, w);
    }
    let out = zeros(a.shape()[0], w.shape()[1], a)?;
    gemm_rows(dev, &out, 0, a, 0, a.shape()[0], w, false)?;
    Ok(out)
}

/// `dst[d0..d0 + m] = src[s0..s0 + m]` (+ `add[a0..a0 + m]` when given).
fn copy_rows(
    dev: Dev,
    dst: &Tensor,
    d0: usize,
    src: &Tensor,
    s0: usize,
    add: Option<(&Tensor, usize)>,
    m: usize,
) -> Result<()> {
    macro_rules! run {
        ($T:ty) => {{
            // SAFETY: row buffers of this layer with these rows; `dst` is distinct from both.
            unsafe {
                let d = wr::<$T>(dst, d0, m);
                match add {
                    Some((t, a0)) => cpu::add(d, rd::<$T>(src, s0, m), rd::<$T>(t, a0, m)),
                    None => d.copy_from_slice(rd::<$T>(src, s0, m)),
                }
            }
        }};
    }
    match dev {
        Dev::F32 => run!(f32),
        Dev::F64 => run!(f64),
        Dev::Gpu => {
            let d = rows(dst, d0, m)?;
            let s = rows(src, s0, m)?;
            match add {
                Some((t, a0)) => {
                    let v = binary(
                        BinaryOp::Add,
                        &Operand::Tensor(s),
                        &Operand::Tensor(rows(t, a0, m)?),
                    )?;
                    try_copy_into(&d, &v)?;
                }
                None => try_copy_into(&d, &s)?,
            }
        }
    }
    Ok(())
}

/// The input projection of all steps: `x @ W_ih^T` plus the biases the gate kernels do not add
/// (b_ih + b_hh; GRU: b_ih, its b_hh goes with the hidden product), as a fresh contiguous
/// (N, G*H) buffer: the bias rows first, then the product added in one pass.
fn input_projection(dev: Dev, mode: Mode, x: &Tensor, w: &Weights) -> Result<Tensor> {
    let wt = view::t(&w.w_ih)?;
    let bias = match (&w.b_ih, &w.b_hh) {
        (Some(bi), Some(bh)) if mode != Mode::Gru => Some(binary(
            BinaryOp::Add,
            &Operand::Tensor(bi.clone()),
            &Operand::Tensor(bh.clone()),
        )?),
        (Some(bi), _) => Some(bi.clone()),
        (None, Some(bh)) if mode != Mode::Gru => Some(bh.clone()),
        _ => None,
    };
    let n = x.shape()[0];
    match bias {
        Some(b) => {
            let xg = zeros(n, wt.shape()[1], x)?;
            try_copy_into(&xg, &view::expand(&b, &[n as i64, -1])?)?;
            gemm_rows(dev, &xg, 0, x, 0, n, &wt, true)?;
            Ok(xg)
        }
        None => product(dev, x, &wt),
    }
}

/// The forward of one layer and direction (NOTE [native recurrent layer]). `x` is the packed
/// (N, in) input, `bs` the batch sizes, `h0` (B, P), `c0` (B, H) for LSTM.
pub fn layer_forward(
    mode: Mode,
    x: &Tensor,
    bs: &[usize],
    w: &Weights,
    h0: &Tensor,
    c0: Option<&Tensor>,
    reverse: bool,
) -> Result<Forward> {
    let (dims, dev) = check(mode, x, bs, w, h0, c0)?;
    let Dims { n, h, p, b, .. } = dims;
    let gates = input_projection(dev, mode, x, w)?;
    let w_hh_t = view::t(&w.w_hh)?.try_contiguous()?;
    let w_hr_t = match &w.w_hr {
        Some(r) => Some(view::t(r)?.try_contiguous()?),
        None => None,
    };
    let hc = fresh(h0)?;
    let out = zeros(n, p, x)?;
    let hp = zeros(n, p, x)?;
    let (mut c, mut hf, mut ghn, mut cc) = (None, None, None, None);
    let mut hg = None;
    match mode {
        Mode::Lstm => {
            c = Some((zeros(n, h, x)?, zeros(n, h, x)?));
            cc = Some(fresh(c0.ok_or_else(|| err("LSTM needs c0".into()))?)?);
            if w_hr_t.is_some() {
                hf = Some(zeros(n, h, x)?);
            }
        }
        Mode::Gru => {
            ghn = Some(zeros(n, h, x)?);
            hg = Some(zeros(b, 3 * h, x)?);
        }
        _ => {}
    }
    let (order, offsets) = steps(bs, reverse);
    for &t in &order {
        let (o, m) = (offsets[t], bs[t]);
        copy_rows(dev, &hp, o, &hc, 0, None, m)?;
        match mode {
            Mode::Lstm => {
                gemm_rows(dev, &gates, o, &hp, o, m, &w_hh_t, true)?;
                let (cb, cpb) = c.as_ref().expect("LSTM buffers");
                let cc = cc.as_ref().expect("LSTM carry");
                let hout = hf.as_ref().unwrap_or(&out);
                lstm_fwd(dev, h, m, &gates, o, cc, cpb, cb, hout, &hc, hf.is_none())?;
                if let (Some(hf), Some(wr_t)) = (&hf, &w_hr_t) {
                    gemm_rows(dev, &out, o, hf, o, m, wr_t, false)?;
                    copy_rows(dev, &hc, 0, &out, o, None, m)?;
                }
            }
            Mode::Gru => {
                let hg = hg.as_ref().expect("GRU scratch");
                gemm_rows(dev, hg, 0, &hp, o, m, &w_hh_t, false)?;
                let ghn = ghn.as_ref().expect("GRU buffer");
                gru_fwd(
                    dev,
                    h,
                    m,
                    &gates,
                    o,
                    hg,
                    w.b_hh.as_ref(),
                    ghn,
                    &hp,
                    &out,
                    &hc,
                )?;
            }
            Mode::RnnTanh | Mode::RnnRelu => {
                gemm_rows(dev, &gates, o, &hp, o, m, &w_hh_t, true)?;
                rnn_fwd(dev, mode == Mode::RnnRelu, h, m, &gates, o, &out, &hc)?;
            }
        }
    }
    Ok(Forward {
        // Its own handle (the state's copy never gets the node's history).
        out: out.detach(),
        h_n: hc,
        c_n: cc,
        state: LayerState {
            mode,
            reverse,
            bs: bs.to_vec(),
            dims,
            dev,
            gates,
            hp,
            out,
            c,
            hf,
            ghn,
        },
    })
}

/// The backward of one layer and direction: `dout` (N, P) and the final states' gradients
/// (`None`: zero) give the gradients `need` asks for. `x` and `w` are the forward's.
pub fn layer_backward(
    st: &LayerState,
    x: &Tensor,
    w: &Weights,
    dout: Option<&Tensor>,
    dhn: Option<&Tensor>,
    dcn: Option<&Tensor>,
    need: Need,
) -> Result<Grads> {
    let Dims { n, h, p, b, .. } = st.dims;
    let (dev, mode) = (st.dev, st.mode);
    let gh = mode.gates() * h;
    let like = &st.out;
    let dout = match dout {
        Some(d) => {
            let mut d = d.try_to_dtype(like.dtype())?;
            if d.shape() != [n, p] && d.numel() == n * p {
                // The gradient of the output's (T, B, P) view.
                d = view::reshape(&d, &[n as i64, p as i64])?;
            }
            if d.shape() != [n, p] {
                return Err(err(format!(
                    "output gradient {:?} should be [{n}, {p}]",
                    d.shape()
                )));
            }
            d.try_contiguous()?
        }
        None => zeros(n, p, like)?,
    };
    let carry = |g: Option<&Tensor>, cols: usize| -> Result<Tensor> {
        match g {
            Some(g) => fresh(&g.try_to_dtype(like.dtype())?),
            None => zeros(b, cols, like),
        }
    };
    let dhc = carry(dhn, p)?;
    let dcc = if mode == Mode::Lstm {
        Some(carry(dcn, h)?)
    } else {
        None
    };
    if dhc.shape() != [b, p] || dcc.as_ref().is_some_and(|c| c.shape() != [b, h]) {
        return Err(err("final state gradients do not match the states".into()));
    }
    let dg = zeros(n, gh, like)?;
    let dgh = if mode == Mode::Gru {
        Some(zeros(n, gh, like)?)
    } else {
        None
    };
    let w_hh = w.w_hh.try_contiguous()?;
    let w_hr = match &w.w_hr {
        Some(r) => Some(r.try_contiguous()?),
        None => None,
    };
    let (dhp, dhf) = if w_hr.is_some() {
        (Some(zeros(n, p, like)?), Some(zeros(b, h, like)?))
    } else {
        (None, None)
    };
    let (mut order, offsets) = steps(&st.bs, st.reverse);
    order.reverse();
    for &t in &order {
        let (o, m) = (offsets[t], st.bs[t]);
        match mode {
            Mode::Lstm => {
                let (cb, cpb) = st.c.as_ref().expect("LSTM buffers");
                let dcc = dcc.as_ref().expect("LSTM carry");
                if let (Some(dhp), Some(dhf), Some(w_hr)) = (&dhp, &dhf, &w_hr) {
                    copy_rows(dev, dhp, o, &dhc, 0, Some((&dout, o)), m)?;
                    gemm_rows(dev, dhf, 0, dhp, o, m, w_hr, false)?;
                    lstm_bwd(dev, h, m, &st.gates, o, cb, cpb, (dhf, 0), None, dcc, &dg)?;
                } else {
                    lstm_bwd(
                        dev,
                        h,
                        m,
                        &st.gates,
                        o,
                        cb,
                        cpb,
                        (&dhc, 0),
                        Some((&dout, o)),
                        dcc,
                        &dg,
                    )?;
                }
                gemm_rows(dev, &dhc, 0, &dg, o, m, &w_hh, false)?;
            }
            Mode::Gru => {
                let dgh = dgh.as_ref().expect("GRU buffer");
                let ghn = st.ghn.as_ref().expect("GRU buffer");
                gru_bwd(dev, h, m, &st.gates, o, ghn, &st.hp, &dhc, &dout, &dg, dgh)?;
                gemm_rows(dev, &dhc, 0, dgh, o, m, &w_hh, true)?;
            }
            Mode::RnnTanh | Mode::RnnRelu => {
                rnn_bwd(
                    dev,
                    mode == Mode::RnnRelu,
                    h,
                    m,
                    &st.out,
                    o,
                    &dhc,
                    &dout,
                    &dg,
                )?;
                gemm_rows(dev, &dhc, 0, &dg, o, m, &w_hh, false)?;
            }
        }
    }
    let dgh = dgh.as_ref().unwrap_or(&dg);
    let tr = |t: &Tensor| view::t(t);
    let sum0 = |t: &Tensor| reduce::sum(t, Some(&[0]), false, None);
    let mm = |a: &Tensor, b: &Tensor| product(dev, a, b);
    Ok(Grads {
        x: if need.x {
            Some(mm(&dg, &w.w_ih)?)
        } else {
            None
        },
        w_ih: if need.w_ih {
            Some(mm(&tr(&dg)?, x)?)
        } else {
            None
        },
        w_hh: if need.w_hh {
            Some(mm(&tr(dgh)?, &st.hp)?)
        } else {
            None
        },
        b_ih: if need.b_ih { Some(sum0(&dg)?) } else { None },
        b_hh: if need.b_hh { Some(sum0(dgh)?) } else { None },
        w_hr: match (&dhp, &st.hf) {
            (Some(dhp), Some(hf)) if need.w_hr => Some(mm(&tr(dhp)?, hf)?),
            _ => None,
        },
        h0: if need.h0 { Some(dhc) } else { None },
        c0: if need.c0 { dcc } else { None },
    })
}

// ---------------------------------------------------------------------------------------------
// The gate kernels by device. Row arguments are (buffer, first row); every buffer is a
// contiguous one of this layer (or a contiguous input read only).

#[allow(clippy::too_many_arguments)]
fn lstm_fwd(
    dev: Dev,
    h: usize,
    m: usize,
    gates: &Tensor,
    o: usize,
    cc: &Tensor,
    cp: &Tensor,
    c: &Tensor,
    hout: &Tensor,
    hc: &Tensor,
    write_hc: bool,
) -> Result<()> {
    macro_rules! run {
        ($T:ty) => {{
            // SAFETY: distinct row buffers of this layer (NOTE on `wr`), rows inside each.
            unsafe {
                cpu::lstm_forward::<$T>(
                    h,
                    wr(gates, o, m),
                    wr(cc, 0, m),
                    wr(cp, o, m),
                    wr(c, o, m),
                    wr(hout, o, m),
                    if write_hc { Some(wr(hc, 0, m)) } else { None },
                )
            }
        }};
    }
    match dev {
        Dev::F32 => run!(f32),
        Dev::F64 => run!(f64),
        Dev::Gpu => gpu::rnn::launch(
            "lstm_fwd",
            h,
            m,
            u32::from(write_hc),
            &[
                &rows(gates, o, m)?,
                &rows(cc, 0, m)?,
                &rows(cp, o, m)?,
                &rows(c, o, m)?,
                &rows(hout, o, m)?,
                &rows(hc, 0, m)?,
            ],
        )?,
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn lstm_bwd(
    dev: Dev,
    h: usize,
    m: usize,
    gates: &Tensor,
    o: usize,
    c: &Tensor,
    cp: &Tensor,
    dh: (&Tensor, usize),
    dout: Option<(&Tensor, usize)>,
    dcc: &Tensor,
    dg: &Tensor,
) -> Result<()> {
    macro_rules! run {
        ($T:ty) => {{
            // SAFETY: `dcc` and `dg` are distinct buffers of this layer, the others are read.
            unsafe {
                cpu::lstm_backward::<$T>(
                    h,
                    rd(gates, o, m),
                    rd(c, o, m),
                    rd(cp, o, m),
                    rd(dh.0, dh.1, m),
                    dout.map(|(t, r)| rd(t, r, m)),
                    wr(dcc, 0, m),
                    wr(dg, o, m),
                )
            }
        }};
    }
    match dev {
        Dev::F32 => run!(f32),
        Dev::F64 => run!(f64),
        Dev::Gpu => {
            let dh_v = rows(dh.0, dh.1, m)?;
            let dout_v = match dout {
                Some((t, r)) => rows(t, r, m)?,
                None => dh_v.clone(),
            };
            gpu::rnn::launch(
                "lstm_bwd",
                h,
                m,
                u32::from(dout.is_some()),
                &[
                    &rows(gates, o, m)?,
                    &rows(c, o, m)?,
                    &rows(cp, o, m)?,
                    &dh_v,
                    &dout_v,
                    &rows(dcc, 0, m)?,
                    &rows(dg, o, m)?,
                ],
            )?
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn gru_fwd(
    dev: Dev,
    h: usize,
    m: usize,
    gates: &Tensor,
    o: usize,
    hg: &Tensor,
    b_hh: Option<&Tensor>,
    ghn: &Tensor,
    hp: &Tensor,
    out: &Tensor,
    hc: &Tensor,
) -> Result<()> {
    macro_rules! run {
        ($T:ty) => {{
            let bh = match b_hh {
                Some(b) => Some(b.try_contiguous()?),
                None => None,
            };
            // SAFETY: distinct row buffers of this layer; `hg`, `hp` and the bias are read.
            unsafe {
                cpu::gru_forward::<$T>(
                    h,
                    wr(gates, o, m),
                    rd(hg, 0, m),
                    bh.as_ref()
                        .map(|b| std::slice::from_raw_parts(b.ptr::<$T>() as *const $T, b.numel())),
                    wr(ghn, o, m),
                    rd(hp, o, m),
                    wr(out, o, m),
                    wr(hc, 0, m),
                )
            }
        }};
    }
    match dev {
        Dev::F32 => run!(f32),
        Dev::F64 => run!(f64),
        Dev::Gpu => {
            let bh = match b_hh {
                Some(b) => b.try_contiguous()?,
                None => hg.clone(),
            };
            gpu::rnn::launch(
                "gru_fwd",
                h,
                m,
                u32::from(b_hh.is_some()),
                &[
                    &rows(gates, o, m)?,
                    &rows(hg, 0, m)?,
                    &bh,
                    &rows(ghn, o, m)?,
                    &rows(hp, o, m)?,
                    &rows(out, o, m)?,
                    &rows(hc, 0, m)?,
                ],
            )?
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn gru_bwd(
    dev: Dev,
    h: usize,
    m: usize,
    gates: &Tensor,
    o: usize,
    ghn: &Tensor,
    hp: &Tensor,
    dh: &Tensor,
    dout: &Tensor,
    dg: &Tensor,
    dgh: &Tensor,
) -> Result<()> {
    macro_rules! run {
        ($T:ty) => {{
            // SAFETY: `dh`, `dg` and `dgh` are distinct buffers of this layer; others are read.
            unsafe {
                cpu::gru_backward::<$T>(
                    h,
                    rd(gates, o, m),
                    rd(ghn, o, m),
                    rd(hp, o, m),
                    wr(dh, 0, m),
                    rd(dout, o, m),
                    wr(dg, o, m),
                    wr(dgh, o, m),
                )
            }
        }};
    }
    match dev {
        Dev::F32 => run!(f32),
        Dev::F64 => run!(f64),
        Dev::Gpu => gpu::rnn::launch(
            "gru_bwd",
            h,
            m,
            0,
            &[
                &rows(gates, o, m)?,
                &rows(ghn, o, m)?,
                &rows(hp, o, m)?,
                &rows(dh, 0, m)?,
                &rows(dout, o, m)?,
                &rows(dg, o, m)?,
                &rows(dgh, o, m)?,
            ],
        )?,
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn rnn_fwd(
    dev: Dev,
    relu: bool,
    h: usize,
    m: usize,
    pre: &Tensor,
    o: usize,
    out: &Tensor,
    hc: &Tensor,
) -> Result<()> {
    macro_rules! run {
        ($T:ty) => {{
            // SAFETY: `out` and `hc` are distinct buffers of this layer; `pre` is read.
            unsafe { cpu::rnn_forward::<$T>(relu, rd(pre, o, m), wr(out, o, m), wr(hc, 0, m)) }
        }};
    }
    match dev {
        Dev::F32 => run!(f32),
        Dev::F64 => run!(f64),
        Dev::Gpu => gpu::rnn::launch(
            "rnn_fwd",
            h,
            m,
            u32::from(relu),
            &[&rows(pre, o, m)?, &rows(out, o, m)?, &rows(hc, 0, m)?],
        )?,
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn rnn_bwd(
    dev: Dev,
    relu: bool,
    h: usize,
    m: usize,
    out: &Tensor,
    o: usize,
    dh: &Tensor,
    dout: &Tensor,
    dg: &Tensor,
) -> Result<()> {
    macro_rules! run {
        ($T:ty) => {{
            // SAFETY: `dg` is a buffer of this layer; the others are read.
            unsafe {
                cpu::rnn_backward::<$T>(
                    relu,
                    rd(out, o, m),
                    rd(dh, 0, m),
                    rd(dout, o, m),
                    wr(dg, o, m),
                )
            }
        }};
    }
    match dev {
        Dev::F32 => run!(f32),
        Dev::F64 => run!(f64),
        Dev::Gpu => gpu::rnn::launch(
            "rnn_bwd",
            h,
            m,
            u32::from(relu),
            &[
                &rows(out, o, m)?,
                &rows(dh, 0, m)?,
                &rows(dout, o, m)?,
                &rows(dg, o, m)?,
            ],
        )?,
    }
    Ok(())
}
