//! Element-wise distributions over a buffer in memory order: `uniform_`/`rand`, `bernoulli`,
//! `exponential_`, `geometric_`, `cauchy_`. Each consumes the generator exactly as ATen's CPU
//! kernel does (one draw per element, serially), with the same arithmetic and fusions.

// `!(x >= y)` forms are deliberate: NaN must fail each check, as it does in ATen.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::fmt_double;
use super::generator::Generator;

/// Which floating dtype a bounds check talks about (names as PyTorch prints them there).
#[derive(Clone, Copy)]
enum FloatKind {
    F16,
    BF16,
    F32,
    F64,
}

impl FloatKind {
    fn max(self) -> f64 {
        match self {
            FloatKind::F16 => 65504.0,
            FloatKind::BF16 => f32::from_bits(0x7f7f_0000) as f64,
            FloatKind::F32 => f32::MAX as f64,
            FloatKind::F64 => f64::MAX,
        }
    }
    fn type_meta(self) -> &'static str {
        match self {
            FloatKind::F16 => "c10::Half",
            FloatKind::BF16 => "c10::BFloat16",
            FloatKind::F32 => "float",
            FloatKind::F64 => "double",
        }
    }
    fn scalar_type(self) -> &'static str {
        match self {
            FloatKind::F16 => "Half",
            FloatKind::BF16 => "BFloat16",
            FloatKind::F32 => "Float",
            FloatKind::F64 => "Double",
        }
    }
}

/// The checks of ATen's `uniform_impl_` (made for empty tensors too).
fn check_uniform(kind: FloatKind, from: f64, to: f64) -> Result<(), String> {
    let max = kind.max();
    for (name, v) in [("from", from), ("to", to)] {
        if !(v >= -max && v <= max) {
            return Err(format!("{name} is out of bounds for {}", kind.type_meta()));
        }
    }
    if !(from <= to) {
        return Err(format!(
            "uniform_ expects to return a [from, to) range, but found from={} > to={}",
            fmt_double(from),
            fmt_double(to)
        ));
    }
    if !(to - from <= max) {
        return Err(format!(
            "uniform_ expects to-from <= std::numeric_limits<{}>::max(), but found to={} and from={} \
             which result in to-from to exceed the limit",
            kind.scalar_type(),
            fmt_double(to),
            fmt_double(from)
        ));
    }
    Ok(())
}

/// `uniform_(from, to)` on float32 (and `rand` with 0, 1): from and to are rounded to f32,
/// `range = to - from` in f32, element = fma(u, range, from) with u a 24-bit uniform; a result
/// that rounds to `to` becomes `from`, keeping the range half-open as PyTorch does.
pub fn fill_uniform_f32(
    g: &mut Generator,
    out: &mut [f32],
    from: f64,
    to: f64,
) -> Result<(), String> {
    check_uniform(FloatKind::F32, from, to)?;
    let (from, to) = (from as f32, to as f32);
    let range = to - from;
    for v in out.iter_mut() {
        let x = g.uniform_f32().mul_add(range, from);
        *v = if x == to { from } else { x };
    }
    Ok(())
}

/// `uniform_(from, to)` on float64: fma(u, to - from, from) with u a 53-bit uniform, `to`
/// mapped to `from`.
pub fn fill_uniform_f64(
    g: &mut Generator,
    out: &mut [f64],
    from: f64,
    to: f64,
) -> Result<(), String> {
    check_uniform(FloatKind::F64, from, to)?;
    let range = to - from;
    for v in out.iter_mut() {
        let x = g.uniform_f64().mul_add(range, from);
        *v = if x == to { from } else { x };
    }
    Ok(())
}

/// `uniform_(from, to)` for float16 (`bfloat16 == false`) or bfloat16, as f32 values already
/// rounded to the dtype by `round` (the caller's f32 -> dtype -> f32 conversion, round to
/// nearest even). PyTorch computes fma(u, to - from, from) in f32 with a 24-bit uniform and
/// f32 bounds, rounds to the dtype, and maps a result equal to the rounded `to` back to the
/// rounded `from`.
pub fn fill_uniform_reduced(
    g: &mut Generator,
    out: &mut [f32],
    from: f64,
    to: f64,
    bfloat16: bool,
    round: impl Fn(f32) -> f32,
) -> Result<(), String> {
    check_uniform(
        if bfloat16 {
            FloatKind::BF16
        } else {
            FloatKind::F16
        },
        from,
        to,
    )?;
    let (from, to) = (from as f32, to as f32);
    let range = to - from;
    let (from_r, to_r) = (round(from), round(to));
    for v in out.iter_mut() {
        let x = round(g.uniform_f32().mul_add(range, from));
        *v = if x == to_r { from_r } else { x };
    }
    Ok(())
}

/// `bernoulli_(p)` with a Python float p (also `dropout`'s mask with p = 1 - drop
/// probability): 1 where a 53-bit f64 uniform is < p. Works for any output element type.
pub fn fill_bernoulli_scalar<T: From<bool>>(
    g: &mut Generator,
    out: &mut [T],
    p: f64,
) -> Result<(), String> {
    if !(0.0..=1.0).contains(&p) {
        return Err(format!(
            "bernoulli_ expects p to be in [0, 1], but got p={}",
            fmt_double(p)
        ));
    }
    for v in out.iter_mut() {
        *v = T::from(g.uniform_f64() < p);
    }
    Ok(())
}

/// Error ATen raises (from `bernoulli_distribution`'s constructor) for a probability outside
/// [0, 1] in a tensor `p`; the elements before it have already been drawn.
pub const BERNOULLI_P_ERROR: &str = "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  \
     (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)";

/// `bernoulli(p)` / `bernoulli_(p)` with a float32 (or float16/bfloat16, widened) probability
/// tensor, already broadcast to `out`: 1 where a 24-bit f32 uniform is < p.
pub fn fill_bernoulli_tensor_f32<T: From<bool>>(
    g: &mut Generator,
    out: &mut [T],
    p: &[f32],
) -> Result<(), String> {
    if out.len() != p.len() {
        return Err(format!(
            "bernoulli: expected {} probabilities, got {}",
            out.len(),
            p.len()
        ));
    }
    for (v, &pv) in out.iter_mut().zip(p) {
        if !(0.0..=1.0).contains(&pv) {
            return Err(BERNOULLI_P_ERROR.to_string());
        }
        *v = T::from(g.uniform_f32() < pv);
    }
    Ok(())
}

/// `bernoulli(p)` with a float64 probability tensor: 1 where a 53-bit f64 uniform is < p.
pub fn fill_bernoulli_tensor_f64<T: From<bool>>(
    g: &mut Generator,
    out: &mut [T],
    p: &[f64],
) -> Result<(), String> {
    if out.len() != p.len() {
        return Err(format!(
            "bernoulli: expected {} probabilities, got {}",
            out.len(),
            p.len()
        ));
    }
    for (v, &pv) in out.iter_mut().zip(p) {
        if !(0.0..=1.0).contains(&pv) {
            return Err(BERNOULLI_P_ERROR.to_string());
        }
        *v = T::from(g.uniform_f64() < pv);
    }
    Ok(())
}

/// One `exponential_(lambd)` value in f64: (-1 / lambd) * log1p(-u), u a 53-bit uniform.
fn exponential(g: &mut Generator, lambd: f64) -> f64 {
    (-1.0 / lambd) * (-g.uniform_f64()).ln_1p()
}

fn check_exponential(lambd: f64) -> Result<(), String> {
    if lambd > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "exponential_ expects lambda > 0.0, but found lambda={}",
            fmt_double(lambd)
        ))
    }
}

/// `exponential_(lambd)` on float32: computed in f64, rounded.
pub fn fill_exponential_f32(g: &mut Generator, out: &mut [f32], lambd: f64) -> Result<(), String> {
    check_exponential(lambd)?;
    for v in out.iter_mut() {
        *v = exponential(g, lambd) as f32;
    }
    Ok(())
}

/// `exponential_(lambd)` on float64.
pub fn fill_exponential_f64(g: &mut Generator, out: &mut [f64], lambd: f64) -> Result<(), String> {
    check_exponential(lambd)?;
    for v in out.iter_mut() {
        *v = exponential(g, lambd);
    }
    Ok(())
}

/// `geometric_(p)`: ceil(ln(u) / log1p(-p)) in f64 with u a 53-bit uniform. PyTorch allows any
/// dtype here; the caller casts each value (`as` for integer dtypes). u = 0 gives +inf.
pub fn fill_geometric(g: &mut Generator, out: &mut [f64], p: f64) -> Result<(), String> {
    if !(p > 0.0 && p < 1.0) {
        return Err(format!(
            "geometric_ expects p to be in (0, 1), but got p={}",
            fmt_double(p)
        ));
    }
    let denom = (-p).ln_1p();
    for v in out.iter_mut() {
        *v = (g.uniform_f64().ln() / denom).ceil();
    }
    Ok(())
}

/// One `cauchy_(median, sigma)` value: fma(sigma, tan(pi * (u - 0.5)), median) in f64.
fn cauchy(g: &mut Generator, median: f64, sigma: f64) -> f64 {
    let t = (std::f64::consts::PI * (g.uniform_f64() - 0.5)).tan();
    sigma.mul_add(t, median)
}

/// `cauchy_(median, sigma)` on float32 (computed in f64, rounded).
pub fn fill_cauchy_f32(
    g: &mut Generator,
    out: &mut [f32],
    median: f64,
    sigma: f64,
) -> Result<(), String> {
    check_cauchy(sigma)?;
    for v in out.iter_mut() {
        *v = cauchy(g, median, sigma) as f32;
    }
    Ok(())
}

/// `cauchy_(median, sigma)` on float64.
pub fn fill_cauchy_f64(
    g: &mut Generator,
    out: &mut [f64],
    median: f64,
    sigma: f64,
) -> Result<(), String> {
    check_cauchy(sigma)?;
    for v in out.iter_mut() {
        *v = cauchy(g, median, sigma);
    }
    Ok(())
}

fn check_cauchy(sigma: f64) -> Result<(), String> {
    if sigma > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "cauchy_ expects sigma > 0.0, but found sigma={}",
            fmt_double(sigma)
        ))
    }
}
