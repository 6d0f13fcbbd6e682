//! The Airy function Ai (`torch.special.airy_ai`), written from its textbook formulas
//! (DLMF 9.4 and 9.7) rather than from a rational fit:
//!
//! - near the origin (-9.66 < x < 8.67), the Taylor series about the nearest of 77 nodes
//!   spaced 1/4 apart, its coefficients from Airy's equation `Ai'' = x Ai`; the nodes'
//!   values Ai(x0), Ai'(x0) come (once, at first use) from the Maclaurin series
//!   `Ai(x) = c1 f(x) - c2 g(x)` with `f = sum 3^k (1/3)_k x^(3k) / (3k)!`,
//!   `g = sum 3^k (2/3)_k x^(3k+1) / (3k+1)!`, `c1 = Ai(0)`, `c2 = -Ai'(0)`. Both series
//!   grow like `exp(zeta)` (`zeta = 2/3 |x|^(3/2)`) while Ai decays (x > 0) or stays
//!   O(|x|^(-1/4)) (x < 0), so the difference cancels about `2 zeta` (x > 0) or `zeta`
//!   (x < 0) nats: it is summed in double-double arithmetic (about 32 digits);
//! - far from it, the asymptotic expansions (DLMF 9.7.5 and 9.7.9) in `1/zeta` with the
//!   coefficients `u_k = (6k-5)(6k-3)(6k-1) / (216 k (2k-1)) u_(k-1)`, whose optimally
//!   truncated error is about `exp(-2 zeta)`.
//!
//! The special values follow ATen's kernel: NaN at the infinities (and for NaN), 0 above
//! x = 103.892 (where the float64 value underflows). In float32 the phase `zeta + pi/4` of
//! the oscillating branch is rounded to float32 as ATen's float kernel rounds it, so that
//! results at large negative x (where that rounding is all the value there is) agree.

use super::special::SpecialFloat;

/// `Ai(0) = 1 / (3^(2/3) Gamma(2/3))` as a double-double (hi, lo).
const C1: (f64, f64) = (0.3550280538878172, 2.05233632436212e-17);
/// `-Ai'(0) = 1 / (3^(1/3) Gamma(1/3))` as a double-double.
const C2: (f64, f64) = (0.2588194037928068, -2.522243111610832e-17);
/// `1 / sqrt(pi)`.
const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;
/// Above this ATen returns 0 (the value is below the smallest normal float64).
const MAX_X: f64 = 103.892;

// ----- double-double arithmetic (Dekker / Knuth error-free transformations) -----

#[derive(Clone, Copy)]
struct Dd(f64, f64);

fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let bb = s - a;
    Dd(s, (a - (s - bb)) + (b - bb))
}

fn quick_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd(s, b - (s - a))
}

impl Dd {
    fn add(self, o: Dd) -> Dd {
        let s = two_sum(self.0, o.0);
        let t = two_sum(self.1, o.1);
        let s = quick_two_sum(s.0, s.1 + t.0);
        quick_two_sum(s.0, s.1 + t.1)
    }

    fn mul(self, o: Dd) -> Dd {
        let p = self.0 * o.0;
        let e = self.0.mul_add(o.0, -p);
        quick_two_sum(p, e + (self.0 * o.1 + self.1 * o.0))
    }

    fn mul_f(self, b: f64) -> Dd {
        let p = self.0 * b;
        let e = self.0.mul_add(b, -p);
        quick_two_sum(p, e + self.1 * b)
    }

    fn div_f(self, b: f64) -> Dd {
        let q1 = self.0 / b;
        // self - q1 * b, exactly in its leading part.
        let p = q1 * b;
        let e = q1.mul_add(b, -p);
        let r = (self.0 - p - e + self.1) / b;
        quick_two_sum(q1, r)
    }

    fn neg(self) -> Dd {
        Dd(-self.0, -self.1)
    }
}

/// (Ai(x), Ai'(x)) from the Maclaurin series, summed in double-double until the terms no
/// longer change it (`f' = sum 3k a_k x^(3k-1)`, `g' = 1 + sum (3k+1) b_k x^(3k)`).
fn series(x: f64) -> (f64, f64) {
    let x3 = Dd(x, 0.0).mul_f(x).mul_f(x);
    let (mut f, mut uf) = (Dd(1.0, 0.0), Dd(1.0, 0.0));
    let (mut g, mut ug) = (Dd(x, 0.0), Dd(x, 0.0));
    // x f' and x (g' - 1), divided by x at the end.
    let (mut xfp, mut xgp) = (Dd(0.0, 0.0), Dd(0.0, 0.0));
    let mut k = 0.0f64;
    // 3k grows past |x|^(3/2) within about a hundred terms for |x| <= 10; the cap is a guard.
    for _ in 0..400 {
        uf = uf.mul(x3).div_f((k + 2.0) * (k + 3.0));
        ug = ug.mul(x3).div_f((k + 3.0) * (k + 4.0));
        f = f.add(uf);
        g = g.add(ug);
        xfp = xfp.add(uf.mul_f(k + 3.0));
        xgp = xgp.add(ug.mul_f(k + 4.0));
        k += 3.0;
        if uf.0.abs() <= 1e-34 * f.0.abs() && ug.0.abs() <= 1e-34 * g.0.abs().max(f64::MIN_POSITIVE)
        {
            break;
        }
    }
    let (c1, c2) = (Dd(C1.0, C1.1), Dd(C2.0, C2.1));
    let ai = c1.mul(f).add(c2.mul(g).neg());
    let dai = if x == 0.0 {
        c2.neg()
    } else {
        let fp = xfp.div_f(x);
        let gp = xgp.div_f(x).add(Dd(1.0, 0.0));
        c1.mul(fp).add(c2.mul(gp).neg())
    };
    (ai.0 + ai.1, dai.0 + dai.1)
}

/// Nodes of the Taylor band: x0 = NODE_LO + i * NODE_STEP.
const NODE_LO: f64 = -10.0;
const NODE_STEP: f64 = 0.25;
const NODES: usize = 77; // up to x0 = 9

/// (Ai(x0), Ai'(x0)) at the nodes, from the double-double series (computed once).
fn nodes() -> &'static [(f64, f64); NODES] {
    static TABLE: std::sync::OnceLock<[(f64, f64); NODES]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|i| series(NODE_LO + i as f64 * NODE_STEP)))
}

/// Ai(x) for -10 <= x <= 9 as the Taylor series about the nearest node (|h| <= 1/8):
/// Airy's equation `Ai'' = x Ai` gives the coefficients `a_(n+2) = (x0 a_n + a_(n-1)) /
/// ((n+1)(n+2))`, which fall off like `(sqrt|x0| |h|)^n / n!`, so a dozen float64 terms
/// reach full precision with no cancellation to speak of.
fn taylor(x: f64) -> f64 {
    let i = (((x - NODE_LO) / NODE_STEP).round() as usize).min(NODES - 1);
    let x0 = NODE_LO + i as f64 * NODE_STEP;
    let (a0, a1) = nodes()[i];
    let h = x - x0;
    let (mut prev2, mut prev1, mut cur) = (0.0f64, a0, a1); // a_(n-1), a_n, a_(n+1) at n = 0
    let mut sum = a0 + a1 * h;
    let mut hp = h;
    // Every third coefficient can vanish (x0 = 0), so stop on three small terms in a row.
    let mut small = 0;
    for n in 0..40 {
        let nf = n as f64;
        let next = (x0 * prev1 + prev2) / ((nf + 1.0) * (nf + 2.0)); // a_(n+2)
        hp *= h;
        let term = next * hp;
        sum += term;
        (prev2, prev1, cur) = (prev1, cur, next);
        small = if term.abs() <= 1e-18 * sum.abs() {
            small + 1
        } else {
            0
        };
        if small == 3 {
            break;
        }
    }
    sum
}

/// The asymptotic sums of DLMF 9.7.9 in `1/zeta`: `P = sum (-1)^j u_2j / zeta^2j` and
/// `Q = sum (-1)^j u_(2j+1) / zeta^(2j+1)`, stopped at the smallest term.
fn asymptotic_sums(zeta: f64) -> (f64, f64) {
    let (mut even, mut odd) = (1.0f64, 0.0f64);
    let mut term = 1.0f64; // u_k / zeta^k
    let mut prev = f64::INFINITY;
    for k in 1..200 {
        let kf = k as f64;
        term *= (6.0 * kf - 5.0) * (6.0 * kf - 3.0) * (6.0 * kf - 1.0)
            / (216.0 * kf * (2.0 * kf - 1.0))
            / zeta;
        if term >= prev || term < 1e-18 {
            break;
        }
        prev = term;
        // (-1)^j u_(2j) for k = 2j, (-1)^j u_(2j+1) for k = 2j+1.
        let sign = if (k / 2) % 2 == 0 { 1.0 } else { -1.0 };
        if k % 2 == 0 {
            even += sign * term;
        } else {
            odd += sign * term;
        }
    }
    (even, odd)
}

/// Ai(x) in float64; with `f32_phase`, float32's switch points and phase rounding.
fn airy_ai_f64(x: f64, f32_phase: bool) -> f64 {
    if x.is_nan() || x.is_infinite() {
        return f64::NAN;
    }
    if x > MAX_X {
        return 0.0;
    }
    let ax = x.abs();
    let zeta = 2.0 * ax * ax.sqrt() / 3.0;
    // Beyond these the asymptotic expansion's error, about exp(-2 zeta), is below float64's
    // epsilon; within them (-9.66 < x < 8.67) the Taylor band.
    if x >= 0.0 {
        if zeta <= 17.0 {
            return taylor(x);
        }
        // DLMF 9.7.5: Ai(x) ~ exp(-zeta) / (2 sqrt(pi) x^(1/4)) sum (-1)^k u_k / zeta^k.
        let s = alternating_sum(zeta);
        return FRAC_1_SQRT_PI * 0.5 * s * (-zeta).exp() / ax.sqrt().sqrt();
    }
    if zeta <= 20.0 {
        return taylor(x);
    }
    // DLMF 9.7.9: Ai(-x) ~ (sin(zeta + pi/4) P - cos(zeta + pi/4) Q) / (sqrt(pi) x^(1/4)).
    let (p, q) = asymptotic_sums(zeta);
    let theta = if f32_phase {
        let xf = x as f32;
        let z = -2.0f32 * xf * (-xf).sqrt() / 3.0f32;
        (z + std::f32::consts::FRAC_PI_4) as f64
    } else {
        zeta + std::f64::consts::FRAC_PI_4
    };
    FRAC_1_SQRT_PI * (theta.sin() * p - theta.cos() * q) / ax.sqrt().sqrt()
}

/// `sum_k (-1)^k u_k / zeta^k`, stopped at the smallest term.
fn alternating_sum(zeta: f64) -> f64 {
    let mut sum = 1.0f64;
    let mut term = 1.0f64;
    let mut prev = f64::INFINITY;
    for k in 1..200 {
        let kf = k as f64;
        term *= (6.0 * kf - 5.0) * (6.0 * kf - 3.0) * (6.0 * kf - 1.0)
            / (216.0 * kf * (2.0 * kf - 1.0))
            / zeta;
        if term >= prev || term < 1e-18 {
            break;
        }
        prev = term;
        sum += if k % 2 == 0 { term } else { -term };
    }
    sum
}

/// Ai(x) (float32 computed in float64, rounded once).
pub fn airy_ai<T: SpecialFloat>(x: T) -> T {
    T::of(airy_ai_f64(x.f64(), T::IS_F32))
}

/// Ai of every element in place, in chunks over the thread pool.
pub fn airy_ai_slice<T: SpecialFloat>(v: &mut [T]) {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    if v.len() <= CHUNK {
        v.iter_mut().for_each(|x| *x = airy_ai(*x));
        return;
    }
    super::threads::pool().install(|| {
        v.par_chunks_mut(CHUNK)
            .for_each(|c| c.iter_mut().for_each(|x| *x = airy_ai(*x)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Ai(0), and values from a 50-digit evaluation.
        assert!((airy_ai(0.0f64) - 0.355_028_053_887_817_2).abs() < 1e-16);
        let cases = [
            (-10.0f64, 0.040_241_238_486_443_19f64),
            (5.0, 0.000_108_344_428_136_074_42),
            (-100.0, 0.176_753_393_239_552_9),
        ];
        // Beyond the series band the phase 2/3 |x|^(3/2) + pi/4 is rounded to float64 (as in
        // ATen), an error of a few 1e-15 relative to the amplitude |x|^(-1/4) / sqrt(pi).
        for (x, v) in cases {
            let r = airy_ai(x);
            let amplitude = if x < 0.0 {
                (-x).powf(-0.25) * FRAC_1_SQRT_PI
            } else {
                v
            };
            assert!(
                (r - v).abs() <= 2e-14 * amplitude,
                "Ai({x}) = {r}, want {v}"
            );
        }
        assert!(airy_ai(f64::INFINITY).is_nan());
        assert!(airy_ai(f64::NEG_INFINITY).is_nan());
        assert_eq!(airy_ai(104.0f64), 0.0);
        // The Taylor band against the double-double Maclaurin series off the nodes.
        for x in [-9.6f64, -7.3, -2.2, -0.9, 0.13, 1.7, 5.1, 8.6] {
            let (t, m) = (taylor(x), series(x).0);
            assert!(
                (t - m).abs() <= 4e-16 * m.abs().max(0.1),
                "Ai({x}): {t} vs {m}"
            );
        }
        // float32 (rounded once from float64).
        for (x, v) in [(-4.0f32, -0.070_265_53f32), (3.0, 0.006_591_139)] {
            assert!(
                (airy_ai(x) - v).abs() <= 2e-6 * v.abs(),
                "Ai({x}) = {}",
                airy_ai(x)
            );
        }
    }
}
