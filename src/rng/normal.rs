//! Normal and log-normal draws (`randn`, `normal_`, `normal`, `log_normal_`), following ATen's
//! CPU `normal_kernel`: a scalar Box–Muller with a cached second value for fewer than 16
//! elements (or non-contiguous outputs), and an in-place block transform of 16 uniforms at a
//! time for 16 or more contiguous elements.

use super::cephes::{log_ps, sincos_ps};
use super::fmt_double;
use super::generator::Generator;

/// `_mm256_set1_ps(2.0f * c10::pi<double>)`: the double 2*pi rounded to f32.
const TWO_PI_F32: f32 = (2.0 * std::f64::consts::PI) as f32;
const TWO_PI_F64: f64 = 2.0 * std::f64::consts::PI;

fn check_std(std: f64) -> Result<(), String> {
    if std >= 0.0 {
        Ok(())
    } else {
        Err(format!(
            "normal expects std >= 0.0, but found std {}",
            fmt_double(std)
        ))
    }
}

/// One standard normal from `normal_distribution<double>`: the cached sine half if present,
/// otherwise a fresh pair from two f64 uniforms (u1 for the angle, u2 for the radius), caching
/// the sine half and returning the cosine half.
pub fn standard_normal_f64(g: &mut Generator) -> f64 {
    if let Some(z) = g.take_double_normal() {
        return z;
    }
    let u1 = g.uniform_f64();
    let u2 = g.uniform_f64();
    let r = (-2.0 * (-u2).ln_1p()).sqrt();
    let theta = TWO_PI_F64 * u1;
    g.set_double_normal(r * theta.sin());
    r * theta.cos()
}

/// One element of the scalar path: `z * std + mean`, fused as PyTorch's build fuses it.
/// Use this per element, in PyTorch's iteration order, for non-contiguous outputs of any size
/// and for float16/bfloat16 (round the f64 to f32, then to the dtype).
pub fn normal_scalar(g: &mut Generator, mean: f64, std: f64) -> f64 {
    standard_normal_f64(g).mul_add(std, mean)
}

/// `normal_(mean, std)` / `randn` (mean 0, std 1) on a contiguous float32 buffer.
pub fn fill_normal_f32(
    g: &mut Generator,
    out: &mut [f32],
    mean: f64,
    std: f64,
) -> Result<(), String> {
    check_std(std)?;
    if out.len() < 16 {
        for v in out.iter_mut() {
            *v = normal_scalar(g, mean, std) as f32;
        }
        return Ok(());
    }
    // The block path works in f32 throughout, with mean and std rounded to f32 first.
    let (mean, std) = (mean as f32, std as f32);
    block_fill(g, out, Generator::uniform_f32, |d| blocks_f32(d, mean, std));
    Ok(())
}

/// `normal_(mean, std)` / `randn` on a contiguous float64 buffer.
pub fn fill_normal_f64(
    g: &mut Generator,
    out: &mut [f64],
    mean: f64,
    std: f64,
) -> Result<(), String> {
    check_std(std)?;
    if out.len() < 16 {
        for v in out.iter_mut() {
            *v = normal_scalar(g, mean, std);
        }
        return Ok(());
    }
    block_fill(g, out, Generator::uniform_f64, |d| blocks_f64(d, mean, std));
    Ok(())
}

/// `normal_(mean, std)` / `randn` for float16 and bfloat16, as f32 values the caller rounds to
/// the dtype. Fewer than 16 elements take the scalar path (f64, then f32). From 16 on, PyTorch
/// runs the float32 block transform over each full block of 16 fresh f32 uniforms, and for a
/// ragged tail draws 16 more and transforms them into the last 16 slots; unlike float32 it
/// draws no uniforms for the tail elements beforehand.
pub fn fill_normal_reduced(
    g: &mut Generator,
    out: &mut [f32],
    mean: f64,
    std: f64,
) -> Result<(), String> {
    check_std(std)?;
    if out.len() < 16 {
        for v in out.iter_mut() {
            *v = normal_scalar(g, mean, std) as f32;
        }
        return Ok(());
    }
    let (mean, std) = (mean as f32, std as f32);
    let n = out.len();
    let full = n - n % 16;
    for v in out[..full].iter_mut() {
        *v = g.uniform_f32();
    }
    blocks_f32(&mut out[..full], mean, std);
    if !n.is_multiple_of(16) {
        let tail = &mut out[n - 16..];
        for v in tail.iter_mut() {
            *v = g.uniform_f32();
        }
        blocks_f32(tail, mean, std);
    }
    Ok(())
}

/// ATen's `normal_fill`: uniforms for every element first, then each full block of 16 in
/// place; a ragged tail redraws 16 fresh uniforms into the last 16 slots and transforms those.
/// `blocks` transforms a slice made of whole blocks of 16.
fn block_fill<T: Copy>(
    g: &mut Generator,
    out: &mut [T],
    uniform: fn(&mut Generator) -> T,
    blocks: impl Fn(&mut [T]),
) {
    let n = out.len();
    for v in out.iter_mut() {
        *v = uniform(g);
    }
    blocks(&mut out[..n - n % 16]);
    if !n.is_multiple_of(16) {
        let tail = &mut out[n - 16..];
        for v in tail.iter_mut() {
            *v = uniform(g);
        }
        blocks(tail);
    }
}

/// Defines `$name(d, mean, std)`, transforming every block of 16 in `d` with `$block`. On
/// x86-64 CPUs with FMA it runs a copy compiled for FMA, where `mul_add` is one instruction
/// instead of a libm call (several times faster); every `mul_add` is a single-rounding fused
/// operation on both paths, so the results are identical.
macro_rules! fma_dispatched_blocks {
    ($name:ident, $fma_name:ident, $t:ty, $block:ident) => {
        fn $name(d: &mut [$t], mean: $t, std: $t) {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the running CPU supports FMA, checked just above.
                return unsafe { $fma_name(d, mean, std) };
            }
            for chunk in d.chunks_exact_mut(16) {
                $block(chunk, mean, std);
            }
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "fma")]
        fn $fma_name(d: &mut [$t], mean: $t, std: $t) {
            for chunk in d.chunks_exact_mut(16) {
                $block(chunk, mean, std);
            }
        }
    };
}

fma_dispatched_blocks!(blocks_f32, blocks_f32_fma, f32, block16_f32);
fma_dispatched_blocks!(blocks_f64, blocks_f64_fma, f64, block16_f64);

/// `normal_fill_16_AVX2`: pairs (j, j+8), Cephes log/sincos in f32, final explicit FMA.
#[inline(always)]
fn block16_f32(d: &mut [f32], mean: f32, std: f32) {
    for j in 0..8 {
        let u1 = 1.0 - d[j]; // [0, 1) -> (0, 1] for the log
        let u2 = d[j + 8];
        let radius = (-2.0 * log_ps(u1)).sqrt();
        let (sin, cos) = sincos_ps(TWO_PI_F32 * u2);
        d[j] = (radius * cos).mul_add(std, mean);
        d[j + 8] = (radius * sin).mul_add(std, mean);
    }
}

/// `normal_fill_16<double>`: the same transform with libm log/cos/sin in f64.
#[inline(always)]
fn block16_f64(d: &mut [f64], mean: f64, std: f64) {
    for j in 0..8 {
        let u1 = 1.0 - d[j];
        let u2 = d[j + 8];
        let radius = (-2.0 * u1.ln()).sqrt();
        let theta = TWO_PI_F64 * u2;
        d[j] = (radius * theta.cos()).mul_add(std, mean);
        d[j + 8] = (radius * theta.sin()).mul_add(std, mean);
    }
}

fn check_log_normal_std(std: f64) -> Result<(), String> {
    if std > 0.0 {
        Ok(())
    } else {
        Err(format!(
            "log_normal_ expects std > 0.0, but found std={}",
            fmt_double(std)
        ))
    }
}

/// `log_normal_(mean, std)`: exp of a scalar-path normal for every element (any size, shares
/// the cached normal), rounded to f32.
pub fn fill_log_normal_f32(
    g: &mut Generator,
    out: &mut [f32],
    mean: f64,
    std: f64,
) -> Result<(), String> {
    check_log_normal_std(std)?;
    for v in out.iter_mut() {
        *v = normal_scalar(g, mean, std).exp() as f32;
    }
    Ok(())
}

/// `log_normal_(mean, std)` on float64.
pub fn fill_log_normal_f64(
    g: &mut Generator,
    out: &mut [f64],
    mean: f64,
    std: f64,
) -> Result<(), String> {
    check_log_normal_std(std)?;
    for v in out.iter_mut() {
        *v = normal_scalar(g, mean, std).exp();
    }
    Ok(())
}
