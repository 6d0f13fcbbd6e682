//! CPU kernels of the recurrent layers (`ops/rnn.rs`, NOTE [native recurrent layer]): the fused
//! gate kernel of one time step per mode, forward and backward, on the step's contiguous
//! row-major rows, and the small per-step products. A step is a few rows (the batch), so the
//! kernels run on the calling thread; the loops are plain element passes that LLVM vectorises,
//! and the float32 sigmoid/tanh passes are the SIMD `vecmath` kernels.
//!
//! Layout of a step's `b` rows (H the hidden size, P the output size: H, or the LSTM
//! projection size):
//! - LSTM: gates rows of 4H (pre-activations in, then i f g o activated), c/cp rows of H.
//! - GRU: gates rows of 3H (x-projection with b_ih in, then r z n), the hidden product rows of
//!   3H (without b_hh), ghn = the hidden n part with b_hn, rows of H.
//! - RNN: pre-activation rows of H (x-projection and hidden product summed).

use super::conv::ConvElem;
use super::vecmath;
use std::ops::{Add, Mul, Sub};

/// The float types with recurrent kernels.
pub trait RnnElem:
    ConvElem + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + PartialOrd
{
    const ZERO: Self;
    /// `v = sigmoid(v)` elementwise.
    fn sigmoid_(v: &mut [Self]);
    /// `v = tanh(v)` elementwise.
    fn tanh_(v: &mut [Self]);
}

impl RnnElem for f32 {
    const ZERO: Self = 0.0;
    fn sigmoid_(v: &mut [f32]) {
        let (p, n) = (v.as_mut_ptr(), v.len());
        // SAFETY: in place over one contiguous slice of n elements.
        unsafe { vecmath::run(vecmath::VecFn::Sigmoid, p, 1, p, 1, n) }
    }
    fn tanh_(v: &mut [f32]) {
        let (p, n) = (v.as_mut_ptr(), v.len());
        // SAFETY: in place over one contiguous slice of n elements.
        unsafe { vecmath::run(vecmath::VecFn::Tanh, p, 1, p, 1, n) }
    }
}

impl RnnElem for f64 {
    const ZERO: Self = 0.0;
    fn sigmoid_(v: &mut [f64]) {
        for x in v {
            *x = 1.0 / (1.0 + (-*x).exp());
        }
    }
    fn tanh_(v: &mut [f64]) {
        for x in v {
            *x = x.tanh();
        }
    }
}

/// `C (+)= A B` on the calling thread (`threads` > 1 lets the product use the pool): A (m, k),
/// B (k, n) and C (m, n) given as (pointer, row stride, column stride).
///
/// # Safety
/// As [`ConvElem::gemm`]: the pointers and strides describe valid matrices, C writable and not
/// overlapping A or B.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm<T: RnnElem>(
    m: usize,
    n: usize,
    k: usize,
    a: (*const T, isize, isize),
    b: (*const T, isize, isize),
    c: (*mut T, isize, isize),
    acc: bool,
    threads: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !acc {
            for i in 0..m as isize {
                for j in 0..n as isize {
                    // SAFETY: inside C as the caller guarantees.
                    unsafe { *c.0.offset(i * c.1 + j * c.2) = T::ZERO };
                }
            }
        }
        return;
    }
    // SAFETY: forwarded from the caller.
    unsafe { T::gemm(m, n, k, a, b, c, acc, threads) }
}

/// LSTM step forward over `b = cc.len() / h` rows: `gates` (pre-activations) become i f g o;
/// `cp` receives the carried cell state and `cc` the new one c, `tc` tanh(c); `hout` receives
/// h = o * tanh(c) and so does `hc` when given (no projection).
pub fn lstm_forward<T: RnnElem>(
    h: usize,
    gates: &mut [T],
    cc: &mut [T],
    cp: &mut [T],
    tc: &mut [T],
    hout: &mut [T],
    mut hc: Option<&mut [T]>,
) {
    let b = cc.len() / h;
    for r in 0..b {
        let g = &mut gates[r * 4 * h..(r + 1) * 4 * h];
        T::sigmoid_(&mut g[..2 * h]);
        T::tanh_(&mut g[2 * h..3 * h]);
        T::sigmoid_(&mut g[3 * h..]);
        let (i, rest) = g.split_at(h);
        let (f, rest) = rest.split_at(h);
        let (gg, o) = rest.split_at(h);
        let rs = r * h..(r + 1) * h;
        let (ccr, cpr, tr, hr) = (
            &mut cc[rs.clone()],
            &mut cp[rs.clone()],
            &mut tc[rs.clone()],
            &mut hout[rs.clone()],
        );
        for j in 0..h {
            let prev = ccr[j];
            let nc = f[j] * prev + i[j] * gg[j];
            cpr[j] = prev;
            ccr[j] = nc;
            tr[j] = nc;
        }
        T::tanh_(tr);
        for j in 0..h {
            hr[j] = o[j] * tr[j];
        }
        if let Some(hc) = hc.as_deref_mut() {
            hc[rs].copy_from_slice(hr);
        }
    }
}

/// One row of [`lstm_backward`]; `dh(j)` is the gradient of h's unit j.
#[inline(always)]
fn lstm_backward_row<T: RnnElem>(
    h: usize,
    g: &[T],
    tc: &[T],
    cp: &[T],
    dcr: &mut [T],
    d: &mut [T],
    dh: impl Fn(usize) -> T,
) {
    let one = T::ONE;
    let (gi, rest) = g.split_at(h);
    let (gf, rest) = rest.split_at(h);
    let (gg, go) = rest.split_at(h);
    let (di, rest) = d.split_at_mut(h);
    let (df, rest) = rest.split_at_mut(h);
    let (dgg, dgo) = rest.split_at_mut(h);
    let (tc, cp, dcr, go, dgo) = (&tc[..h], &cp[..h], &mut dcr[..h], &go[..h], &mut dgo[..h]);
    for j in 0..h {
        let dhf = dh(j);
        let (i, f, g, o) = (gi[j], gf[j], gg[j], go[j]);
        let t = tc[j];
        let dc = dcr[j] + dhf * o * (one - t * t);
        di[j] = dc * g * i * (one - i);
        df[j] = dc * cp[j] * f * (one - f);
        dgg[j] = dc * i * (one - g * g);
        dgo[j] = dhf * t * o * (one - o);
        dcr[j] = dc * f;
    }
}

/// LSTM step backward over `b = dcc.len() / h` rows. `dh` (+ `dout` when given) is the
/// gradient of the step's h (before the projection: of o * tanh(c)); `tc` the forward's
/// tanh(c), `cp` its carried c; `dcc` the carried cell gradient, replaced by the one for the
/// previous step; `dg` receives the gate gradients (i f g o pre-activations).
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward<T: RnnElem>(
    h: usize,
    gates: &[T],
    tc: &[T],
    cp: &[T],
    dh: &[T],
    dout: Option<&[T]>,
    dcc: &mut [T],
    dg: &mut [T],
) {
    let b = dcc.len() / h;
    for r in 0..b {
        let g = &gates[r * 4 * h..(r + 1) * 4 * h];
        let d = &mut dg[r * 4 * h..(r + 1) * 4 * h];
        let rs = r * h..(r + 1) * h;
        let (tr, cpr, dhr) = (&tc[rs.clone()], &cp[rs.clone()], &dh[rs.clone()]);
        let dcr = &mut dcc[rs.clone()];
        match dout {
            Some(x) => {
                let x = &x[rs];
                lstm_backward_row(h, g, tr, cpr, dcr, d, |j| dhr[j] + x[j])
            }
            None => lstm_backward_row(h, g, tr, cpr, dcr, d, |j| dhr[j]),
        }
    }
}

/// GRU step forward over `b = hp.len() / h` rows: `gates` (x-projection with b_ih) become
/// r z n, `ghn` receives the hidden n part (with b_hn), `hout` and `hc` the new h =
/// n + z * (hp - n).
#[allow(clippy::too_many_arguments)]
pub fn gru_forward<T: RnnElem>(
    h: usize,
    gates: &mut [T],
    hg: &[T],
    b_hh: Option<&[T]>,
    ghn: &mut [T],
    hp: &[T],
    hout: &mut [T],
    hc: &mut [T],
) {
    let b = hp.len() / h;
    for r in 0..b {
        let g = &mut gates[r * 3 * h..(r + 1) * 3 * h];
        let hgr = &hg[r * 3 * h..(r + 1) * 3 * h];
        match b_hh {
            Some(bh) => {
                for j in 0..2 * h {
                    g[j] += hgr[j] + bh[j];
                }
            }
            None => {
                for j in 0..2 * h {
                    g[j] += hgr[j];
                }
            }
        }
        T::sigmoid_(&mut g[..2 * h]);
        let rs = r * h..(r + 1) * h;
        let gn = &mut ghn[rs.clone()];
        match b_hh {
            Some(bh) => {
                for j in 0..h {
                    gn[j] = hgr[2 * h + j] + bh[2 * h + j];
                }
            }
            None => gn.copy_from_slice(&hgr[2 * h..]),
        }
        let (rz, n) = g.split_at_mut(2 * h);
        for j in 0..h {
            n[j] += rz[j] * gn[j];
        }
        T::tanh_(n);
        let (hpr, hr) = (&hp[rs.clone()], &mut hout[rs.clone()]);
        for j in 0..h {
            hr[j] = n[j] + rz[h + j] * (hpr[j] - n[j]);
        }
        hc[rs].copy_from_slice(hr);
    }
}

/// GRU step backward over `b = hp.len() / h` rows. `dh` holds the carried gradient of the
/// step's h (`dout` is added) and is replaced by its direct part for the previous step
/// (dh * z; the caller adds `dgh @ W_hh`); `dg` receives the x-side gate gradients, `dgh` the
/// hidden-side ones (they differ in the n gate: dn * r).
#[allow(clippy::too_many_arguments)]
pub fn gru_backward<T: RnnElem>(
    h: usize,
    gates: &[T],
    ghn: &[T],
    hp: &[T],
    dh: &mut [T],
    dout: &[T],
    dg: &mut [T],
    dgh: &mut [T],
) {
    let b = hp.len() / h;
    let one = T::ONE;
    for r in 0..b {
        let g = &gates[r * 3 * h..(r + 1) * 3 * h];
        let d = &mut dg[r * 3 * h..(r + 1) * 3 * h];
        let e = &mut dgh[r * 3 * h..(r + 1) * 3 * h];
        let rs = r * h..(r + 1) * h;
        let (gn, hpr, dor) = (&ghn[rs.clone()], &hp[rs.clone()], &dout[rs.clone()]);
        let dhr = &mut dh[rs];
        for j in 0..h {
            let (rr, z, n) = (g[j], g[h + j], g[2 * h + j]);
            let x = dhr[j] + dor[j];
            let dn = x * (one - z) * (one - n * n);
            let dz = x * (hpr[j] - n) * z * (one - z);
            let dr = dn * gn[j] * rr * (one - rr);
            d[j] = dr;
            d[h + j] = dz;
            d[2 * h + j] = dn;
            e[j] = dr;
            e[h + j] = dz;
            e[2 * h + j] = dn * rr;
            dhr[j] = x * z;
        }
    }
}

/// RNN step forward: `hout` and `hc` receive tanh or relu of the pre-activations.
pub fn rnn_forward<T: RnnElem>(relu: bool, pre: &[T], hout: &mut [T], hc: &mut [T]) {
    hout.copy_from_slice(pre);
    if relu {
        for v in hout.iter_mut() {
            // NaN stays NaN (as PyTorch's relu).
            if *v < T::ZERO {
                *v = T::ZERO;
            }
        }
    } else {
        T::tanh_(hout);
    }
    hc.copy_from_slice(hout);
}

/// RNN step backward: `dg` = (dh + dout) * act'(pre), act' from the output (1 - out^2 for tanh,
/// out > 0 for relu).
pub fn rnn_backward<T: RnnElem>(relu: bool, out: &[T], dh: &[T], dout: &[T], dg: &mut [T]) {
    let one = T::ONE;
    for j in 0..dg.len() {
        let x = dh[j] + dout[j];
        let y = out[j];
        dg[j] = if relu {
            if y > T::ZERO { x } else { T::ZERO }
        } else {
            x * (one - y * y)
        };
    }
}

/// `dst = a + b` elementwise.
pub fn add<T: RnnElem>(dst: &mut [T], a: &[T], b: &[T]) {
    for j in 0..dst.len() {
        dst[j] = a[j] + b[j];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    fn vals(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) as f64 / (1u64 << 31) as f64) * 4.0 - 2.0
            })
            .collect()
    }

    #[test]
    fn lstm_gates_match_the_formula() {
        let (h, b) = (3, 2);
        let pre = vals(b * 4 * h, 1);
        let c0 = vals(b * h, 2);
        for dtype32 in [false, true] {
            let mut c_out = vec![0.0; b * h];
            let mut h_out = vec![0.0; b * h];
            if dtype32 {
                let mut g: Vec<f32> = pre.iter().map(|&v| v as f32).collect();
                let mut cc: Vec<f32> = c0.iter().map(|&v| v as f32).collect();
                let (mut cp, mut c, mut ho) =
                    (vec![0f32; b * h], vec![0f32; b * h], vec![0f32; b * h]);
                let mut hc = vec![0f32; b * h];
                lstm_forward(h, &mut g, &mut cc, &mut cp, &mut c, &mut ho, Some(&mut hc));
                assert_eq!(ho, hc);
                for k in 0..b * h {
                    c_out[k] = c[k] as f64;
                    h_out[k] = ho[k] as f64;
                    assert_eq!(cp[k] as f64, c0[k] as f32 as f64);
                }
            } else {
                let mut g = pre.clone();
                let mut cc = c0.clone();
                let mut cp = vec![0.0; b * h];
                lstm_forward(h, &mut g, &mut cc, &mut cp, &mut c_out, &mut h_out, None);
                assert_eq!(cp, c0);
                for (t, c) in c_out.iter().zip(&cc) {
                    assert_eq!(*t, c.tanh());
                }
            }
            let tol = if dtype32 { 1e-6 } else { 1e-14 };
            for r in 0..b {
                for j in 0..h {
                    let p = |k: usize| pre[r * 4 * h + k * h + j];
                    let c = sig(p(1)) * c0[r * h + j] + sig(p(0)) * p(2).tanh();
                    let hh = sig(p(3)) * c.tanh();
                    assert!((c.tanh() - c_out[r * h + j]).abs() < tol);
                    assert!((hh - h_out[r * h + j]).abs() < tol);
                }
            }
        }
    }

    #[test]
    fn gru_gates_match_the_formula() {
        let (h, b) = (2, 3);
        let xg = vals(b * 3 * h, 3);
        let hg = vals(b * 3 * h, 4);
        let bh = vals(3 * h, 5);
        let hp = vals(b * h, 6);
        let mut g = xg.clone();
        let (mut ghn, mut ho, mut hc) = (vec![0.0; b * h], vec![0.0; b * h], vec![0.0; b * h]);
        gru_forward(h, &mut g, &hg, Some(&bh), &mut ghn, &hp, &mut ho, &mut hc);
        for r in 0..b {
            for j in 0..h {
                let x = |k: usize| xg[r * 3 * h + k * h + j];
                let y = |k: usize| hg[r * 3 * h + k * h + j] + bh[k * h + j];
                let rr = sig(x(0) + y(0));
                let z = sig(x(1) + y(1));
                let n = (x(2) + rr * y(2)).tanh();
                let want = (1.0 - z) * n + z * hp[r * h + j];
                assert!((want - ho[r * h + j]).abs() < 1e-14);
                assert_eq!(ho[r * h + j], hc[r * h + j]);
            }
        }
    }

    #[test]
    fn rnn_backward_uses_the_output_derivative() {
        let out = [0.5f64, -0.25, 0.0];
        let dh = [1.0, 2.0, 3.0];
        let dout = [0.5, 0.5, 0.5];
        let mut dg = [0.0; 3];
        rnn_backward(false, &out, &dh, &dout, &mut dg);
        assert_eq!(dg, [1.5 * 0.75, 2.5 * 0.9375, 3.5]);
        rnn_backward(true, &out, &dh, &dout, &mut dg);
        assert_eq!(dg, [1.5, 0.0, 0.0]);
    }
}
