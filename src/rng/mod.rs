//! PyTorch-compatible CPU random streams: the MT19937 generator, its saved-state layout, and
//! the distribution kernels, reproducing PyTorch's CPU results bit for bit (checked against
//! PyTorch's own outputs: shared/reference/rng_cases.json, plus a broad local comparison).
//!
//! Everything works on plain slices in memory order; tensors, shapes, broadcasting and dtype
//! dispatch stay with the caller. Errors are `Err(String)` carrying PyTorch's message; nothing
//! panics. Points that decide the last bit:
//! - float32 `randn`/`normal_` blocks use ATen's `avx_mathfun.h` Cephes log/sincos with the
//!   FMA contractions GCC applies (see `cephes.rs`), not libm and not SLEEF;
//! - `a * b + c` in the kernels is a fused multiply-add (`mul_add`), as PyTorch's x86-64 build
//!   compiles it;
//! - f64 `log1p`/`ln`/`sin`/`cos`/`tan`/`exp` come from the platform libm, as in PyTorch
//!   (glibc on Linux).

mod cephes;
mod distributions;
mod gamma;
mod gamma_grad;
mod generator;
mod integers;
mod mt19937;
mod multinomial;
mod normal;

#[cfg(test)]
mod tests;

pub use distributions::{
    BERNOULLI_P_ERROR, fill_bernoulli_scalar, fill_bernoulli_tensor_f32, fill_bernoulli_tensor_f64,
    fill_cauchy_f32, fill_cauchy_f64, fill_exponential_f32, fill_exponential_f64, fill_geometric,
    fill_uniform_f32, fill_uniform_f64, fill_uniform_reduced,
};
pub use gamma::{Real, binomial, poisson, sample_dirichlet, standard_gamma};
pub use gamma_grad::{dirichlet_grad, standard_gamma_grad};
pub use generator::{DEFAULT_SEED, Generator, STATE_SIZE};
pub use integers::{
    RngDType, fill_randint, fill_random, fill_random_from_to, fill_random_to, randperm,
};
pub use multinomial::{Prob, multinomial};
pub use normal::{
    fill_log_normal_f32, fill_log_normal_f64, fill_normal_f32, fill_normal_f64,
    fill_normal_reduced, normal_scalar, standard_normal_f64,
};

/// Formats a double the way C++'s `operator<<` does by default (`%g`, 6 significant digits),
/// which is how PyTorch prints numbers inside its error messages.
pub fn fmt_double(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".to_string()
        } else {
            "0".to_string()
        };
    }
    // The exponent after rounding to 6 significant digits decides fixed vs scientific.
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_zeros(mantissa), exp.abs())
    } else {
        let decimals = (5 - exp) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}
