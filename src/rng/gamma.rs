//! Rejection samplers behind `torch._standard_gamma`, `torch._sample_dirichlet`,
//! `torch.poisson` and `torch.binomial`, following ATen's CPU kernels (`_s_gamma_cpu`,
//! `_s_dirichlet_cpu`, `_s_poisson_cpu`, `_s_binomial_cpu`): one element at a time, in memory
//! order, each drawing f64 uniforms (`uniform_real_distribution<double>`) and f64 normals
//! (`normal_distribution<double>`, which uses and refills the generator's cached normal).
//!
//! The arithmetic keeps ATen's mixed precision: `sample_gamma` and `sample_binomial` are
//! templates over the tensor's scalar type, so for float32 some intermediate values are float
//! (`alpha - 1.0f / 3.0f`, `count * prob`, `log1p(-prob)`...) while the accumulator is double.
//! `Real` carries that scalar type. ATen compiles these files without FMA contraction, so no
//! `mul_add` here; `ln`/`exp`/`powf`/`ln_1p` and `lgamma` are the platform libm's, as in
//! PyTorch.

use super::generator::Generator;
use super::normal::standard_normal_f64;

unsafe extern "C" {
    /// C99 `lgamma` (libm), which `std::lgamma(double)` calls.
    fn lgamma(x: f64) -> f64;
}

fn lgamma_f64(x: f64) -> f64 {
    // SAFETY: `lgamma` is a pure libm function of one double (it may write the global
    // `signgam`, which nothing here reads).
    unsafe { lgamma(x) }
}

/// The tensor's scalar type in ATen's templates (float or double).
pub trait Real:
    Copy
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
{
    /// `numeric_limits<scalar_t>::min()`.
    const MIN_POSITIVE: Self;
    /// `nexttoward(scalar_t(1), 0)`.
    const BELOW_ONE: Self;
    fn of(x: f64) -> Self;
    fn f(self) -> f64;
    fn floor_(self) -> Self;
    fn sqrt_(self) -> Self;
    fn ln_1p_(self) -> Self;
}

impl Real for f32 {
    const MIN_POSITIVE: f32 = f32::MIN_POSITIVE;
    const BELOW_ONE: f32 = 1.0 - f32::EPSILON / 2.0;
    fn of(x: f64) -> f32 {
        x as f32
    }
    fn f(self) -> f64 {
        self as f64
    }
    fn floor_(self) -> f32 {
        self.floor()
    }
    fn sqrt_(self) -> f32 {
        self.sqrt()
    }
    fn ln_1p_(self) -> f32 {
        self.ln_1p()
    }
}

impl Real for f64 {
    const MIN_POSITIVE: f64 = f64::MIN_POSITIVE;
    const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;
    fn of(x: f64) -> f64 {
        x
    }
    fn f(self) -> f64 {
        self
    }
    fn floor_(self) -> f64 {
        self.floor()
    }
    fn sqrt_(self) -> f64 {
        self.sqrt()
    }
    fn ln_1p_(self) -> f64 {
        self.ln_1p()
    }
}

/// ATen's `sample_gamma` (Marsaglia and Tsang, with the alpha < 1 boost), in `S`'s
/// arithmetic where ATen's template uses `scalar_t`.
pub fn sample_gamma<S: Real>(g: &mut Generator, alpha: S) -> S {
    let one = S::of(1.0);
    let mut alpha = alpha;
    let mut scale = 1.0f64;
    if alpha < one {
        if alpha == S::of(0.0) {
            return S::of(0.0);
        }
        scale *= (1.0 - g.uniform_f64()).powf((one / alpha).f());
        alpha = alpha + one;
    }
    let d = (alpha - S::of((1.0f32 / 3.0f32) as f64)).f();
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let mut x;
        let mut y;
        loop {
            x = standard_normal_f64(g);
            y = 1.0 + c * x;
            if y > 0.0 {
                break;
            }
        }
        let v = y * y * y;
        let u = 1.0 - g.uniform_f64();
        let xx = x * x;
        if u < 1.0 - (0.0331f32 as f64) * xx * xx {
            return S::of(scale * d * v);
        }
        if u.ln() < 0.5 * xx + d * (1.0 - v + v.ln()) {
            return S::of(scale * d * v);
        }
    }
}

/// `torch._standard_gamma`: one draw per concentration, in order, floored at the dtype's
/// smallest normal number.
pub fn standard_gamma<S: Real>(g: &mut Generator, alpha: &[S]) -> Vec<S> {
    alpha
        .iter()
        .map(|&a| {
            let s = sample_gamma(g, a);
            if S::MIN_POSITIVE > s {
                S::MIN_POSITIVE
            } else {
                s
            }
        })
        .collect()
}

/// `torch._sample_dirichlet` over rows of length `k` (the last dim): gamma draws computed in
/// double from the double-cast concentrations, normalised by their row sum, cast back and
/// clamped to [min, nexttoward(1, 0)].
pub fn sample_dirichlet<S: Real>(g: &mut Generator, alpha: &[S], k: usize) -> Vec<S> {
    let gam: Vec<f64> = alpha
        .iter()
        .map(|&a| sample_gamma(g, a.f()).max(f64::MIN_POSITIVE))
        .collect();
    let mut out = Vec::with_capacity(gam.len());
    if k == 0 {
        return out;
    }
    for row in gam.chunks(k) {
        let sum = row_sum(row);
        for &v in row {
            let r = S::of(v / sum);
            let r = if S::MIN_POSITIVE > r {
                S::MIN_POSITIVE
            } else {
                r
            };
            out.push(if r > S::BELOW_ONE { S::BELOW_ONE } else { r });
        }
    }
    out
}

/// The row sum of ATen's `sum(-1)` on doubles (its vectorised inner reduction): four lane
/// accumulators over the whole groups of four, then a scalar sum that starts with the leftover
/// tail and adds the lanes in order. Checked bit for bit against PyTorch for rows of 2 to 19;
/// much longer rows go through ATen's multi-level cascade, which can differ in the last bit.
fn row_sum(row: &[f64]) -> f64 {
    let whole = row.len() / 4 * 4;
    let mut lanes = [0.0f64; 4];
    for (i, &v) in row[..whole].iter().enumerate() {
        lanes[i % 4] += v;
    }
    let tail = row[whole..].iter().fold(0.0, |a, &b| a + b);
    lanes.iter().fold(tail, |a, &b| a + b)
}

/// ATen's `sample_poisson` (`_s_poisson_cpu`): Hörmann's transformed rejection for rates of
/// 10 or more, the product of uniforms below.
pub fn sample_poisson(g: &mut Generator, lambda: f64) -> Result<i64, String> {
    if lambda.is_nan() || lambda < 0.0 {
        return Err("invalid Poisson rate, expected rate to be non-negative".to_string());
    }
    if lambda >= 10.0 {
        let slam = lambda.sqrt();
        let loglam = lambda.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let invalpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = g.uniform_f64() - 0.5;
            let v = g.uniform_f64();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lambda + 0.43).floor() as i64;
            if us >= 0.07 && v <= vr {
                return Ok(k);
            }
            if k < 0 || (us < 0.013 && v > us) {
                continue;
            }
            if (v.ln() + invalpha.ln() - (a / (us * us) + b).ln())
                <= (-lambda + k as f64 * loglam - lgamma_f64(k as f64 + 1.0))
            {
                return Ok(k);
            }
        }
    } else if lambda == 0.0 {
        Ok(0)
    } else {
        let enlam = (-lambda).exp();
        let mut x = 0i64;
        let mut prod = 1.0f64;
        loop {
            prod *= g.uniform_f64();
            if prod > enlam {
                x += 1;
            } else {
                return Ok(x);
            }
        }
    }
}

/// `torch.poisson`: one draw per rate, in order (rates as doubles).
pub fn poisson(g: &mut Generator, rates: &[f64]) -> Result<Vec<f64>, String> {
    rates
        .iter()
        .map(|&r| sample_poisson(g, r).map(|k| k as f64))
        .collect()
}

const STIRLING_TAIL: [f64; 10] = [
    0.0810614667953272,
    0.0413406959554092,
    0.0276779256849983,
    0.02079067210376509,
    0.0166446911898211,
    0.0138761288230707,
    0.0118967099458917,
    0.0104112652619720,
    0.00925546218271273,
    0.00833056343336287,
];

fn stirling_approx_tail(k: f64) -> f64 {
    if k < STIRLING_TAIL.len() as f64 {
        // k is a non-negative integer value here (counts and draws).
        return STIRLING_TAIL[k as usize];
    }
    let kp1sq = (k + 1.0) * (k + 1.0);
    (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / (k + 1.0)
}

fn binomial_inversion<S: Real>(g: &mut Generator, count: S, prob: S) -> S {
    let mut geom_sum = 0.0f64;
    let mut num_geom = S::of(0.0);
    let logprob = (S::of(0.0) - prob).ln_1p_().f();
    loop {
        let u = g.uniform_f64();
        let geom = (u.ln() / logprob).ceil();
        geom_sum += geom;
        if geom_sum > count.f() {
            break;
        }
        num_geom = num_geom + S::of(1.0);
    }
    num_geom
}

fn btrs<S: Real>(g: &mut Generator, count: S, prob: S) -> S {
    let one = S::of(1.0);
    let stddev = (count * prob * (one - prob)).sqrt_().f();
    let b = 1.15 + 2.53 * stddev;
    let a = -0.0873 + 0.0248 * b + 0.01 * prob.f();
    let c = (count * prob).f() + 0.5;
    let v_r = 0.92 - 4.2 / b;
    let r = (prob / (one - prob)).f();
    let alpha = (2.83 + 5.1 / b) * stddev;
    let m = ((count + one) * prob).floor_().f();
    let n = count.f();
    loop {
        let u = g.uniform_f64() - 0.5;
        let mut v = g.uniform_f64();
        let us = 0.5 - u.abs();
        let k = S::of(((2.0 * a / us + b) * u + c).floor());
        if k < S::of(0.0) || k > count {
            continue;
        }
        if us >= 0.07 && v <= v_r {
            return k;
        }
        v = (v * alpha / (a / (us * us) + b)).ln();
        let kf = k.f();
        let upperbound = (m + 0.5) * ((m + 1.0) / (r * (n - m + 1.0))).ln()
            + (count + one).f() * ((n - m + 1.0) / (count - k + one).f()).ln()
            + (kf + 0.5) * (r * (count - k + one).f() / (k + one).f()).ln()
            + stirling_approx_tail(m)
            + stirling_approx_tail(n - m)
            - stirling_approx_tail(kf)
            - stirling_approx_tail((count - k).f());
        if v <= upperbound {
            return k;
        }
    }
}

/// ATen's `sample_binomial`: BTRS when the mean of the smaller tail is 10 or more, inversion
/// by geometric waiting times otherwise; NaN for a NaN probability.
pub fn sample_binomial<S: Real>(g: &mut Generator, count: S, prob: S) -> S {
    let zero = S::of(0.0);
    if count <= zero || prob <= zero {
        zero
    } else if prob >= S::of(1.0) {
        count
    } else if prob <= S::of(0.5) {
        if count * prob >= S::of(10.0) {
            btrs(g, count, prob)
        } else {
            binomial_inversion(g, count, prob)
        }
    } else if prob > S::of(0.5) {
        let q = S::of(1.0) - prob;
        if count * q >= S::of(10.0) {
            count - btrs(g, count, q)
        } else {
            count - binomial_inversion(g, count, q)
        }
    } else {
        S::of(f64::NAN)
    }
}

/// `torch.binomial`: one draw per (count, prob) pair, in order.
pub fn binomial<S: Real>(g: &mut Generator, count: &[S], prob: &[S]) -> Vec<S> {
    count
        .iter()
        .zip(prob)
        .map(|(&n, &p)| sample_binomial(g, n, p))
        .collect()
}
