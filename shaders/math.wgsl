// Scalar helpers shared by the elementwise kernels: the cases where WGSL's builtins differ
// from the CPU kernels (pow of negative bases, NaN propagation, log1p/expm1 precision).

fn f32_inf() -> f32 {
    return bitcast<f32>(0x7f800000u);
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

// pow with C semantics: WGSL's pow(x, y) is only defined for x > 0.
fn pow_f(x: f32, y: f32) -> f32 {
    if (y == 0.0) {
        return 1.0;
    }
    if (is_nan_f(x) || is_nan_f(y)) {
        return x + y;
    }
    if (x == 0.0) {
        if (y > 0.0) {
            let odd = fract(y * 0.5) != 0.0;
            return select(0.0, x, odd);
        }
        return f32_inf();
    }
    let r = exp2(y * log2(abs(x)));
    if (x > 0.0) {
        return r;
    }
    if (trunc(y) != y) {
        return bitcast<f32>(0x7fc00000u);
    }
    let odd = fract(y * 0.5) != 0.0;
    return select(r, -r, odd);
}

fn max_f(a: f32, b: f32) -> f32 {
    if (is_nan_f(a) || is_nan_f(b)) {
        return a + b;
    }
    return max(a, b);
}

fn min_f(a: f32, b: f32) -> f32 {
    if (is_nan_f(a) || is_nan_f(b)) {
        return a + b;
    }
    return min(a, b);
}

// Kahan's log1p: exact for tiny x where log(1 + x) rounds to 0.
fn log1p_f(x: f32) -> f32 {
    let u = 1.0 + x;
    if (u == 1.0) {
        return x;
    }
    return log(u) * x / (u - 1.0);
}

fn expm1_f(x: f32) -> f32 {
    let u = exp(x);
    if (u == 1.0) {
        return x;
    }
    if (u - 1.0 == -1.0) {
        return -1.0;
    }
    return (u - 1.0) * x / log(u);
}

fn sigmoid_f(x: f32) -> f32 {
    return 1.0 / (1.0 + exp(-x));
}

fn sign_f(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return x;
    }
    return sign(x);
}

// Veltkamp's split of x into a high half and a low half whose products are exact in f32.
fn split_f(x: f32) -> vec2<f32> {
    let c = 4097.0 * x;
    let hi = c - (c - x);
    return vec2<f32>(hi, x - hi);
}

// C's fmod: a - q*b for q = trunc(a / b), with q*b formed exactly (Dekker's two-product:
// drivers need not fuse fma), then q corrected by one where the rounded quotient crossed an
// integer, so the result keeps a's sign and stays below |b| as the exact remainder does.
fn fmod_f(a: f32, b: f32) -> f32 {
    if (is_nan_f(a) || is_nan_f(b) || is_inf_f(a) || b == 0.0) {
        return bitcast<f32>(0x7fc00000u);
    }
    if (is_inf_f(b)) {
        return a;
    }
    let q = trunc(a / b);
    let p = q * b;
    let qs = split_f(q);
    let bs = split_f(b);
    let err = ((qs.x * bs.x - p) + qs.x * bs.y + qs.y * bs.x) + qs.y * bs.y;
    var r = (a - p) - err;
    let ab = abs(b);
    if (r != 0.0 && ((r < 0.0) != (a < 0.0))) {
        r = r + select(ab, -ab, a < 0.0);
    }
    if (abs(r) >= ab) {
        r = r - select(ab, -ab, a < 0.0);
    }
    return r;
}

// Python's remainder: the result takes the divisor's sign.
fn py_rem_f(a: f32, b: f32) -> f32 {
    let m = fmod_f(a, b);
    if (m != 0.0 && ((b < 0.0) != (m < 0.0))) {
        return m + b;
    }
    return m;
}

// PyTorch's div_floor, derived from fmod so that a == q * b + r holds as in Python.
fn floor_div_f(a: f32, b: f32) -> f32 {
    if (b == 0.0) {
        return a / b;
    }
    let m = fmod_f(a, b);
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
    return (exp(x) - exp(-x)) * 0.5;
}

fn cosh_f(x: f32) -> f32 {
    return (exp(x) + exp(-x)) * 0.5;
}

// tanh that stays finite where a driver's exp-based tanh overflows.
fn tanh_f(x: f32) -> f32 {
    if (abs(x) > 15.0) {
        return sign(x);
    }
    return tanh(x);
}

// log(1 + exp(x)) without overflow or loss for large |x|.
fn softplus1_f(x: f32) -> f32 {
    return max(x, 0.0) + log1p_f(exp(-abs(x)));
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
