// Scalar helpers shared by the elementwise kernels: IEEE semantics written out where WGSL
// leaves them open (an implementation may assume no NaN or infinity at run time, so NaN and
// inf are tested through the bits and produced as bit patterns), accurate versions of the
// builtins whose accuracy WGSL does not bound (trig with range reduction, atan, exp/log at
// their limits), and PyTorch's definitions of pow, fmod, remainder and floor division.

fn f32_inf() -> f32 {
    return bitcast<f32>(0x7f800000u);
}

fn nan_f() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

fn is_neg_f(x: f32) -> bool {
    // The sign bit (true for -0.0 too).
    return (bitcast<u32>(x) >> 31u) == 1u;
}

fn copysign_f(m: f32, s: f32) -> f32 {
    return bitcast<f32>((bitcast<u32>(m) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}

// `r`, or `x` itself where x is NaN: NaN in, NaN out, whatever the builtin in `r` did with it.
fn keep_nan(x: f32, r: f32) -> f32 {
    return select(r, x, is_nan_f(x));
}

fn keep_nan2(a: f32, b: f32, r: f32) -> f32 {
    if (is_nan_f(a)) {
        return a;
    }
    return select(r, b, is_nan_f(b));
}

// NaN-aware comparisons (false with a NaN operand, except !=).
fn eq_f(a: f32, b: f32) -> bool {
    return !is_nan_f(a) && !is_nan_f(b) && a == b;
}

fn ne_f(a: f32, b: f32) -> bool {
    return is_nan_f(a) || is_nan_f(b) || a != b;
}

fn lt_f(a: f32, b: f32) -> bool {
    return !is_nan_f(a) && !is_nan_f(b) && a < b;
}

fn le_f(a: f32, b: f32) -> bool {
    return !is_nan_f(a) && !is_nan_f(b) && a <= b;
}

fn is_nan_f(x: f32) -> bool {
    // Compared through the bits: compilers may assume x != x is false.
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn is_inf_f(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u;
}

fn is_finite_f(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// pow with C's special cases (WGSL's pow(x, y) is only defined for x > 0).
fn pow_f(x: f32, y: f32) -> f32 {
    if (y == 0.0 || x == 1.0) {
        return 1.0;
    }
    if (y == 1.0) {
        return x;
    }
    if (is_nan_f(x) || is_nan_f(y)) {
        return nan_f();
    }
    // An odd integer (floats from 2^24 on are all even).
    let odd = !is_inf_f(y) && abs(y) < 16777216.0 && trunc(y) == y && fract(y * 0.5) != 0.0;
    if (is_inf_f(y)) {
        if (abs(x) == 1.0) {
            return 1.0;
        }
        return select(0.0, f32_inf(), (abs(x) > 1.0) == (y > 0.0));
    }
    if (is_inf_f(x) || x == 0.0) {
        // |x|^y is inf or 0; the sign of x survives odd integer powers.
        let big = (y > 0.0) == is_inf_f(x);
        let m = select(0.0, f32_inf(), big);
        return select(m, copysign_f(m, x), odd);
    }
    let r = exp2_f(y * log2(abs(x)));
    if (x > 0.0) {
        return r;
    }
    if (trunc(y) != y) {
        return nan_f();
    }
    return select(r, -r, odd);
}

fn max_f(a: f32, b: f32) -> f32 {
    return keep_nan2(a, b, max(a, b));
}

fn min_f(a: f32, b: f32) -> f32 {
    return keep_nan2(a, b, min(a, b));
}

// exp, exp2 and log at the ends of their range, where WGSL leaves the builtins open.
fn exp_f(x: f32) -> f32 {
    if (x > 88.72284) {
        return f32_inf();
    }
    if (x < -103.97209) {
        return 0.0;
    }
    return exp(x);
}

fn exp2_f(x: f32) -> f32 {
    if (x >= 128.0) {
        return f32_inf();
    }
    if (x < -150.0) {
        return 0.0;
    }
    return exp2(x);
}

fn log_f(x: f32) -> f32 {
    if (x < 0.0) {
        return nan_f();
    }
    if (x == 0.0) {
        return -f32_inf();
    }
    if (is_inf_f(x)) {
        return x;
    }
    if (x >= 0.5 && x <= 1.5) {
        // x - 1 is exact here (Sterbenz), and the series is relatively accurate near 1.
        return log1p_small(x - 1.0);
    }
    return log(x);
}

fn log2_f(x: f32) -> f32 {
    if (x >= 0.5 && x <= 1.5) {
        return log1p_small(x - 1.0) * 1.4426950408889634;
    }
    if (x < 0.0) {
        return nan_f();
    }
    if (x == 0.0) {
        return -f32_inf();
    }
    if (is_inf_f(x)) {
        return x;
    }
    return log2(x);
}

fn sqrt_f(x: f32) -> f32 {
    if (x < 0.0) {
        return nan_f();
    }
    if (x == 0.0 || is_inf_f(x)) {
        return x;
    }
    return sqrt(x);
}

fn rsqrt_f(x: f32) -> f32 {
    if (x < 0.0) {
        return nan_f();
    }
    if (x == 0.0) {
        return copysign_f(f32_inf(), x);
    }
    if (is_inf_f(x)) {
        return 0.0;
    }
    return inverseSqrt(x);
}

fn reciprocal_f(x: f32) -> f32 {
    if (x == 0.0) {
        return copysign_f(f32_inf(), x);
    }
    if (is_inf_f(x)) {
        return copysign_f(0.0, x);
    }
    return 1.0 / x;
}

// log(1 + x) for |x| <= 1/2 as 2 atanh(s), s = x / (2 + x), |s| <= 1/3: the series keeps
// full relative accuracy where log(1 + x) would cancel (driver logs are only absolutely
// accurate near 1).
fn log1p_small(x: f32) -> f32 {
    let s = x / (2.0 + x);
    let z = s * s;
    let p = 1.0 + z * (1.0 / 3.0 + z * (0.2 + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z * (1.0 / 11.0
        + z * (1.0 / 13.0 + z * (1.0 / 15.0 + z * (1.0 / 17.0))))))));
    return 2.0 * s * p;
}

fn log1p_f(x: f32) -> f32 {
    if (x < -1.0) {
        return nan_f();
    }
    if (x == -1.0) {
        return -f32_inf();
    }
    if (abs(x) <= 0.5) {
        return log1p_small(x);
    }
    return log_f(1.0 + x);
}

// exp(x) - 1: its Taylor series for |x| <= 1/2 (exp(x) - 1 cancels there), exp above.
fn expm1_f(x: f32) -> f32 {
    if (abs(x) <= 0.5) {
        let p = 1.0 + x / 2.0 * (1.0 + x / 3.0 * (1.0 + x / 4.0 * (1.0 + x / 5.0 * (1.0 + x / 6.0
            * (1.0 + x / 7.0 * (1.0 + x / 8.0 * (1.0 + x / 9.0 * (1.0 + x / 10.0))))))));
        return x * p;
    }
    if (x < -18.0) {
        return -1.0;
    }
    return exp_f(x) - 1.0;
}

fn sigmoid_f(x: f32) -> f32 {
    return 1.0 / (1.0 + exp_f(-x));
}

// PyTorch's sign: (0 < x) - (x < 0), so NaN gives 0.
fn sign_f(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return 0.0;
    }
    return sign(x);
}

// C's fmod, exact for every pair of finite floats: |b| scaled by a power of two to just below
// the remaining |a| is subtracted until the rest is below |b|. Each subtraction is exact
// (the operands are within a factor of two: Sterbenz), so huge quotients lose nothing.
fn fmod_f(a: f32, b: f32) -> f32 {
    if (is_nan_f(a) || is_nan_f(b) || is_inf_f(a) || b == 0.0) {
        return nan_f();
    }
    let ab = abs(b);
    var r = abs(a);
    if (is_inf_f(b) || r < ab) {
        return a;
    }
    let eb = frexp(ab).exp;
    for (var i = 0; i < 300 && r >= ab; i++) {
        var t = ldexp(ab, frexp(r).exp - eb);
        if (t > r) {
            t = t * 0.5;
        }
        r = r - t;
    }
    return copysign_f(r, a);
}

// Python's remainder: the result takes the divisor's sign.
fn py_rem_f(a: f32, b: f32) -> f32 {
    let m = fmod_f(a, b);
    if (is_nan_f(m)) {
        return m;
    }
    if (m != 0.0 && ((b < 0.0) != (m < 0.0))) {
        return m + b;
    }
    return m;
}

// PyTorch's div_floor, derived from fmod so that a == q * b + r holds as in Python.
fn floor_div_f(a: f32, b: f32) -> f32 {
    if (is_nan_f(a) || is_nan_f(b)) {
        return nan_f();
    }
    if (b == 0.0) {
        if (a == 0.0) {
            return nan_f();
        }
        return select(f32_inf(), -f32_inf(), is_neg_f(a) != is_neg_f(b));
    }
    let m = fmod_f(a, b);
    if (is_nan_f(m)) {
        return m;
    }
    var d = (a - m) / b;
    if (m != 0.0 && ((b < 0.0) != (m < 0.0))) {
        d = d - 1.0;
    }
    if (d != 0.0) {
        let f = floor(d);
        return select(f, f + 1.0, d - f > 0.5);
    }
    // Zero with the sign of a / b.
    return select(0.0, bitcast<f32>(0x80000000u), a / b < 0.0);
}

// Integer floor division and remainder (the host refuses a zero divisor first).
fn floor_div_i(a: i32, b: i32) -> i32 {
    if (b == 0) {
        return 0;
    }
    let q = a / b;
    let r = a % b;
    return select(q, q - 1, r != 0 && ((r < 0) != (b < 0)));
}

fn py_rem_i(a: i32, b: i32) -> i32 {
    if (b == 0) {
        return 0;
    }
    let r = a % b;
    return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}

// Integer power with wrapping products; negative exponents as PyTorch (1 and -1 defined).
fn pow_i(a: i32, b: i32) -> i32 {
    if (b < 0) {
        if (a == 1) {
            return 1;
        }
        if (a == -1) {
            return select(-1, 1, b % 2 == 0);
        }
        return 0;
    }
    var base = a;
    var e = u32(b);
    var acc = 1;
    while (e > 0u) {
        if ((e & 1u) == 1u) {
            acc = acc * base;
        }
        base = base * base;
        e = e >> 1u;
    }
    return acc;
}

// sinh without the cancellation of (e^x - e^-x) / 2 near zero.
fn sinh_f(x: f32) -> f32 {
    if (abs(x) < 0.5) {
        let x2 = x * x;
        return x * (1.0 + x2 / 6.0 * (1.0 + x2 / 20.0 * (1.0 + x2 / 42.0 * (1.0 + x2 / 72.0))));
    }
    if (abs(x) > 20.0) {
        return copysign_f(half_exp_f(abs(x)), x);
    }
    return (exp(x) - exp(-x)) * 0.5;
}

fn cosh_f(x: f32) -> f32 {
    if (abs(x) > 20.0) {
        return half_exp_f(abs(x));
    }
    return (exp(x) + exp(-x)) * 0.5;
}

// exp(x) / 2 without overflowing where the result is finite (x up to 89.4), as PyTorch's
// vectorised sinh/cosh.
fn half_exp_f(x: f32) -> f32 {
    if (x > 178.0) {
        return f32_inf();
    }
    let h = exp(x * 0.5);
    return (0.5 * h) * h;
}

// tanh from expm1: relatively accurate near 0 (a driver's tanh need not be), finite where an
// exp-based tanh overflows.
fn tanh_f(x: f32) -> f32 {
    if (abs(x) > 15.0) {
        return sign(x);
    }
    let e = expm1_f(2.0 * x);
    return e / (e + 2.0);
}

// log(1 + exp(x)) without overflow or loss for large |x|.
fn softplus1_f(x: f32) -> f32 {
    return max(x, 0.0) + log1p_f(exp_f(-abs(x)));
}

// erf: its Taylor series below 1 (relative accuracy near 0), Abramowitz-Stegun 7.1.26 on
// erfc above (absolute error below 1.5e-7).
fn erf_f(x: f32) -> f32 {
    let ax = abs(x);
    if (ax < 1.0) {
        let x2 = x * x;
        var term = x;
        var sum = x;
        for (var n = 1; n < 13; n++) {
            term = -term * x2 / f32(n);
            sum += term / f32(2 * n + 1);
        }
        return 1.1283791670955126 * sum;
    }
    let t = 1.0 / (1.0 + 0.3275911 * ax);
    let poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
    let y = 1.0 - poly * exp(-ax * ax);
    return select(y, -y, x < 0.0);
}

fn silu_d(x: f32) -> f32 {
    let s = sigmoid_f(x);
    return s * (1.0 + x * (1.0 - s));
}

fn mish_d(x: f32) -> f32 {
    let t = tanh_f(softplus1_f(x));
    return t + x * sigmoid_f(x) * (1.0 - t * t);
}

fn gelu_tanh(x: f32) -> f32 {
    return 0.5 * x * (1.0 + tanh_f(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

fn gelu_tanh_d(x: f32) -> f32 {
    let t = tanh_f(0.7978845608028654 * (x + 0.044715 * x * x * x));
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * x * x);
}

// ----- trigonometry: range reduction by pi/2, then minimax polynomials on [-pi/4, pi/4] -----

// 2/pi to 224 bits, for Payne-Hanek reduction of large arguments.
var<private> TWO_OVER_PI: array<u32, 7> = array<u32, 7>(
    0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u, 0xdb629599u, 0x3c439041u, 0xfe5163abu
);

// Bits i .. i+11 of the fraction of 2/pi (bit 1 is the first after the point).
fn two_over_pi_bits12(i: i32) -> u32 {
    var r = 0u;
    for (var k = 0; k < 12; k++) {
        let n = i + k;
        var b = 0u;
        if (n >= 1 && n <= 224) {
            let j = u32(n - 1);
            b = (TWO_OVER_PI[j / 32u] >> (31u - j % 32u)) & 1u;
        }
        r = (r << 1u) | b;
    }
    return r;
}

// x = (q + f) * pi/2 for finite |x| of any size, f in [-1/2, 1/2]: returns (f * pi/2, q mod 4).
// |x| = m * 2^e with a 24-bit integer m; m * (2/pi) * 2^e mod 4 needs the bits of 2/pi from
// 2^-(e-1) on, taken in 12-bit limbs so that every limb product is exact in a u32.
fn reduce_big(x: f32) -> vec2<f32> {
    let bits = bitcast<u32>(x) & 0x7fffffffu;
    let e = i32(bits >> 23u) - 150;
    let m = (bits & 0x7fffffu) | 0x800000u;
    let mh = m >> 12u;
    let ml = m & 0xfffu;
    var limb: array<u32, 7>;
    for (var k = 0; k < 7; k++) {
        limb[k] = two_over_pi_bits12(e - 1 + 12 * k);
    }
    // acc[t] weighs 2^(2 - 12 t); acc[0] only holds multiples of 4 and is dropped.
    var acc: array<u32, 8>;
    acc[0] = mh * limb[0];
    for (var t = 1; t < 7; t++) {
        acc[t] = mh * limb[t] + ml * limb[t - 1];
    }
    acc[7] = ml * limb[6];
    for (var t = 7; t > 1; t--) {
        acc[t - 1] += acc[t] >> 12u;
        acc[t] = acc[t] & 0xfffu;
    }
    var q = (acc[1] >> 10u) & 3u;
    acc[1] = acc[1] & 0x3ffu;
    let upper = (acc[1] & 0x200u) != 0u;
    if (upper) {
        // f = frac - 1: the two's complement of the fraction's limbs, negated below.
        q = (q + 1u) & 3u;
        var carry = 1u;
        for (var t = 7; t > 0; t--) {
            let mask = select(0xfffu, 0x3ffu, t == 1);
            let v = (~acc[t] & mask) + carry;
            carry = v >> select(12u, 10u, t == 1);
            acc[t] = v & mask;
        }
    }
    var f = 0.0;
    for (var t = 7; t > 0; t--) {
        f += ldexp(f32(acc[t]), -10 - 12 * (t - 1));
    }
    var r = f * 1.5707963267948966;
    if (upper) {
        r = -r;
    }
    if (is_neg_f(x)) {
        r = -r;
        q = (4u - q) & 3u;
    }
    return vec2<f32>(r, f32(q));
}

// (r, k) with x = k * pi/2 + r: Cody-Waite with pi/2 in three parts (k * part exact for
// |k| < 2^13) below 12000, Payne-Hanek above.
fn reduce_pi2(x: f32) -> vec2<f32> {
    if (abs(x) < 12000.0) {
        let k = round(x * 0.6366197723675814);
        let r = ((x - k * 1.5703125) - k * 4.837512969970703e-4) - k * 7.549790126404332e-8;
        return vec2<f32>(r, k);
    }
    return reduce_big(x);
}

// Cephes' sinf/cosf polynomials on [-pi/4, pi/4].
fn sin_poly(r: f32) -> f32 {
    let z = r * r;
    return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
}

fn cos_poly(r: f32) -> f32 {
    let z = r * r;
    return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z
        - 0.5 * z + 1.0;
}

// (sin x, cos x) for finite x.
fn sincos_f(x: f32) -> vec2<f32> {
    let v = reduce_pi2(x);
    let s = sin_poly(v.x);
    let c = cos_poly(v.x);
    switch (i32(v.y) & 3) {
        case 0: {
            return vec2<f32>(s, c);
        }
        case 1: {
            return vec2<f32>(c, -s);
        }
        case 2: {
            return vec2<f32>(-s, -c);
        }
        default: {
            return vec2<f32>(-c, s);
        }
    }
}

fn sin_f(x: f32) -> f32 {
    if (!is_finite_f(x)) {
        return nan_f();
    }
    if (x == 0.0) {
        return x;
    }
    return sincos_f(x).x;
}

fn cos_f(x: f32) -> f32 {
    if (!is_finite_f(x)) {
        return nan_f();
    }
    return sincos_f(x).y;
}

fn tan_f(x: f32) -> f32 {
    if (!is_finite_f(x)) {
        return nan_f();
    }
    if (x == 0.0) {
        return x;
    }
    let v = sincos_f(x);
    return v.x / v.y;
}

// Cephes' atanf: reduced to [0, tan(pi/8)] around 0, pi/4 or pi/2.
fn atan_f(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return x;
    }
    var a = abs(x);
    var y = 0.0;
    if (a > 2.414213562373095) {
        y = 1.5707963267948966;
        a = -1.0 / a;
    } else if (a > 0.4142135623730950) {
        y = 0.7853981633974483;
        a = (a - 1.0) / (a + 1.0);
    }
    let z = a * a;
    y += (((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z
        - 3.33329491539e-1) * z * a + a;
    return copysign_f(y, x);
}

// atan2 with C's special cases for zeros and infinities.
fn atan2_f(y: f32, x: f32) -> f32 {
    if (is_nan_f(x) || is_nan_f(y)) {
        return nan_f();
    }
    let pi = 3.1415926535897932;
    if (y == 0.0) {
        // +-0 for x > 0 or +0, +-pi for x < 0 or -0.
        return copysign_f(select(0.0, pi, is_neg_f(x)), y);
    }
    if (is_inf_f(x)) {
        if (is_inf_f(y)) {
            return copysign_f(select(0.25 * pi, 0.75 * pi, x < 0.0), y);
        }
        return copysign_f(select(0.0, pi, x < 0.0), y);
    }
    if (x == 0.0 || is_inf_f(y)) {
        return copysign_f(0.5 * pi, y);
    }
    // |y/x| <= 1 keeps atan's argument in range; otherwise pi/2 - atan(x/y).
    var r = 0.0;
    if (abs(y) <= abs(x)) {
        r = atan_f(y / x);
        if (x < 0.0) {
            r = r + copysign_f(pi, y);
        }
    } else {
        r = copysign_f(0.5 * pi, y) - atan_f(x / y);
    }
    return r;
}

fn asin_f(x: f32) -> f32 {
    if (is_nan_f(x) || abs(x) > 1.0) {
        return nan_f();
    }
    return atan2_f(x, sqrt((1.0 - x) * (1.0 + x)));
}

// asinh/acosh/atanh through log1p: no cancellation near 0 (asinh, atanh) or 1 (acosh), and
// log(2|x|) where x^2 would overflow.
fn asinh_f(x: f32) -> f32 {
    let ax = abs(x);
    if (ax > 1.0e8) {
        return copysign_f(log(ax) + 0.69314718055994531, x);
    }
    return copysign_f(log1p_f(ax + ax * ax / (1.0 + sqrt(1.0 + ax * ax))), x);
}

fn acosh_f(x: f32) -> f32 {
    if (x < 1.0) {
        return nan_f();
    }
    if (x > 1.0e8) {
        return log(x) + 0.69314718055994531;
    }
    let t = x - 1.0;
    return log1p_f(t + sqrt(2.0 * t + t * t));
}

fn atanh_f(x: f32) -> f32 {
    let ax = abs(x);
    if (ax > 1.0) {
        return nan_f();
    }
    if (ax == 1.0) {
        return copysign_f(f32_inf(), x);
    }
    return copysign_f(0.5 * log1p_f(2.0 * ax / (1.0 - ax)), x);
}

fn acos_f(x: f32) -> f32 {
    if (is_nan_f(x) || abs(x) > 1.0) {
        return nan_f();
    }
    return atan2_f(sqrt((1.0 - x) * (1.0 + x)), x);
}

// ----- products with a float32 mantissa and an unbounded exponent (cumprod) -----
// (m, e) stands for m * 2^e with m in [0.5, 1) (or 0, inf, NaN and e = 0): a running product
// neither overflows nor underflows before its end, as PyTorch's float64 accumulator doesn't.

fn me_of(x: f32) -> vec2<f32> {
    if (x == 0.0 || !is_finite_f(x)) {
        return vec2<f32>(x, 0.0);
    }
    let f = frexp(x);
    return vec2<f32>(f.fract, f32(f.exp));
}

fn me_mul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    let m = me_of(a.x * b.x);
    return vec2<f32>(m.x, a.y + b.y + m.y);
}

fn me_value(a: vec2<f32>) -> f32 {
    if (a.x == 0.0 || !is_finite_f(a.x)) {
        return a.x;
    }
    if (a.y > 128.0) {
        return copysign_f(f32_inf(), a.x);
    }
    if (a.y < -150.0) {
        return copysign_f(0.0, a.x);
    }
    return ldexp(a.x, i32(a.y));
}
