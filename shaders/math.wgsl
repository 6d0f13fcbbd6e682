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
