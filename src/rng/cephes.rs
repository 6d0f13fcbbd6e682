//! Scalar ports of `log256_ps` and `sincos256_ps` from ATen's `avx_mathfun.h` (Cephes-derived
//! float32 approximations, by way of Pommier's sse_mathfun), which `normal_fill_16_AVX2` uses
//! for float32 `randn`/`normal_` blocks of 16.
//!
//! Bit exactness depends on reproducing how GCC compiles those intrinsics on x86-64: with
//! `-mfma` and the default `-ffp-contract=fast`, every `_mm256_mul_ps` whose only use is an
//! `_mm256_add_ps`/`_mm256_sub_ps` becomes one fused multiply-add (the earlier multiply in
//! statement order wins when both operands of an add are products). Each `mul_add` below
//! marks one such contraction; every other step is a separately rounded f32 operation.

// The constants are spelled exactly as in the C source; they round to the same f32 values.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

const MIN_NORM_POS: f32 = f32::MIN_POSITIVE; // 0x00800000
const SQRTHF: f32 = 0.707_106_781_186_547_524;
const LOG_P: [f32; 9] = [
    7.037_683_629_2E-2,
    -1.151_461_031_0E-1,
    1.167_699_874_0E-1,
    -1.242_014_084_6E-1,
    1.424_932_278_7E-1,
    -1.666_805_766_5E-1,
    2.000_071_476_5E-1,
    -2.499_999_399_3E-1,
    3.333_333_117_4E-1,
];
const LOG_Q1: f32 = -2.121_944_40e-4;
const LOG_Q2: f32 = 0.693_359_375;

const MINUS_DP1: f32 = -0.785_156_25;
const MINUS_DP2: f32 = -2.418_756_484_985_351_562_5e-4;
const MINUS_DP3: f32 = -3.774_894_977_445_941_08e-8;
const SINCOF: [f32; 3] = [-1.951_529_589_1E-4, 8.332_160_873_6E-3, -1.666_665_461_1E-1];
const COSCOF: [f32; 3] = [
    2.443_315_711_809_948E-5,
    -1.388_731_625_493_765E-3,
    4.166_664_568_298_827E-2,
];
const FOPI: f32 = 1.273_239_544_735_16; // 4 / pi

/// `log256_ps` for one lane: natural log, NaN for x <= 0, denormals treated as MIN_POSITIVE.
#[inline(always)]
pub fn log_ps(x: f32) -> f32 {
    // _CMP_LE_OS is false for NaN; _mm256_max_ps(x, m) returns m unless x > m, so a NaN
    // lane comes out as log(MIN_POSITIVE), as in the vector code.
    let invalid = x <= 0.0;
    let x = if x > MIN_NORM_POS { x } else { MIN_NORM_POS };
    let bits = x.to_bits();
    let exponent = (bits >> 23) as i32 - 0x7f;
    // Keep the mantissa (and sign) and force the exponent of 0.5: m in [0.5, 1).
    let m = f32::from_bits((bits & !0x7f80_0000) | 0.5f32.to_bits());
    let mut e = exponent as f32 + 1.0;
    let below = m < SQRTHF;
    let tmp = if below { m } else { 0.0 };
    let mut x = m - 1.0;
    e -= if below { 1.0 } else { 0.0 };
    x += tmp;

    let z = x * x;
    let mut y = LOG_P[0];
    for &p in &LOG_P[1..] {
        y = y.mul_add(x, p);
    }
    y *= x;
    y = y.mul_add(z, e * LOG_Q1);
    y = (-z).mul_add(0.5, y);
    let r = e.mul_add(LOG_Q2, x + y);
    if invalid { f32::NAN } else { r }
}

/// `sincos256_ps` for one lane: returns (sin x, cos x). Accurate for |x| < 8192, which covers
/// the Box–Muller angles in [0, 2*pi).
#[inline(always)]
pub fn sincos_ps(x: f32) -> (f32, f32) {
    let sign_sin = x.to_bits() & 0x8000_0000;
    let mut x = x.abs();
    // cvttps truncates; out-of-range lanes give i32::MIN like the instruction does.
    let scaled = x * FOPI;
    let mut j = if scaled < 2_147_483_648.0 {
        scaled as i32
    } else {
        i32::MIN
    };
    j = j.wrapping_add(1) & !1;
    let y = j as f32;
    let swap_sign_sin = ((j & 4) as u32) << 29;
    let poly_mask = j & 2 == 0;
    let sign_cos = ((!j.wrapping_sub(2) & 4) as u32) << 29;
    let sign_sin = sign_sin ^ swap_sign_sin;

    // Extended precision modular arithmetic: x = ((x - y*DP1) - y*DP2) - y*DP3, fused.
    x = y.mul_add(MINUS_DP1, x);
    x = y.mul_add(MINUS_DP2, x);
    x = y.mul_add(MINUS_DP3, x);

    let z = x * x;
    // Cosine polynomial, valid on [0, pi/4].
    let mut yc = COSCOF[0].mul_add(z, COSCOF[1]);
    yc = yc.mul_add(z, COSCOF[2]);
    yc *= z;
    yc = yc.mul_add(z, -(z * 0.5));
    yc += 1.0;
    // Sine polynomial.
    let mut ys = SINCOF[0].mul_add(z, SINCOF[1]);
    ys = ys.mul_add(z, SINCOF[2]);
    ys *= z;
    ys = ys.mul_add(x, x);

    // Select with masks and recombine with adds of +0.0, as the vector code does.
    let ysin2 = if poly_mask { ys } else { 0.0 };
    let ysin1 = if poly_mask { 0.0 } else { yc };
    let ys = ys - ysin2;
    let yc = yc - ysin1;
    let s = f32::from_bits((ysin1 + ysin2).to_bits() ^ sign_sin);
    let c = f32::from_bits((yc + ys).to_bits() ^ sign_cos);
    (s, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_to_libm() {
        for k in 1..2000 {
            let x = k as f32 / 2000.0;
            assert!((log_ps(x) - x.ln()).abs() <= 2.0 * f32::EPSILON * x.ln().abs().max(1e-6));
            let t = x * 6.283_185_5;
            let (s, c) = sincos_ps(t);
            assert!(
                (s - t.sin()).abs() < 3e-7 && (c - t.cos()).abs() < 3e-7,
                "{t}"
            );
        }
        assert!(log_ps(0.0).is_nan() && log_ps(-1.0).is_nan());
        assert_eq!(log_ps(1.0), 0.0);
    }
}
