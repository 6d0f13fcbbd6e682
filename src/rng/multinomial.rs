//! `torch.multinomial` on the CPU. Without replacement, or with a single sample, PyTorch races
//! exponentials: q = exponential_(1) over the whole probability tensor (in its dtype), then
//! argmax / topk of p / q per row. With replacement and more than one sample it inverts the
//! normalised cumulative distribution with one f64 uniform per sample (binary search).

// `!(x >= y)` forms are deliberate: NaN must fail each check, as it does in ATen.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::generator::Generator;
use std::cmp::Ordering;

/// The probability element types PyTorch computes in (float16/bfloat16 rows may be widened to
/// f32 for sampling with replacement, which accumulates in f32 for them too).
pub trait Prob:
    Copy + PartialOrd + std::ops::Add<Output = Self> + std::ops::Div<Output = Self>
{
    const ZERO: Self;
    const ONE: Self;
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn is_nan(self) -> bool;
    fn is_finite(self) -> bool;
}

impl Prob for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
}

impl Prob for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    fn from_f64(v: f64) -> f64 {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}

/// Samples `n_sample` category indices per row of `probs` (row-major, `n_categories` per row;
/// a 1-D tensor is one row). Returns `rows * n_sample` indices, row-major.
pub fn multinomial<T: Prob>(
    g: &mut Generator,
    probs: &[T],
    n_categories: usize,
    n_sample: i64,
    replacement: bool,
) -> Result<Vec<i64>, String> {
    if n_sample <= 0 {
        return Err("cannot sample n_sample <= 0 samples".to_string());
    }
    if !replacement && n_sample as u64 > n_categories as u64 {
        return Err(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement".to_string(),
        );
    }
    if n_categories > 1 << 24 {
        return Err("number of categories cannot exceed 2^24".to_string());
    }
    if n_categories == 0 {
        // Only reachable with replacement: a row with no categories sums to zero.
        return Err("invalid multinomial distribution (sum of probabilities <= 0)".to_string());
    }
    if !probs.len().is_multiple_of(n_categories) {
        return Err(format!(
            "multinomial: {} probabilities do not form rows of {n_categories}",
            probs.len()
        ));
    }
    if probs.is_empty() {
        return Ok(Vec::new()); // zero rows: nothing to draw
    }
    let n_sample = n_sample as usize;
    if !replacement || n_sample == 1 {
        exponential_race(g, probs, n_categories, n_sample)
    } else {
        with_replacement(g, probs, n_categories, n_sample)
    }
}

fn exponential_race<T: Prob>(
    g: &mut Generator,
    probs: &[T],
    n_cat: usize,
    k: usize,
) -> Result<Vec<i64>, String> {
    if probs.iter().any(|&p| !(p >= T::ZERO) || !p.is_finite()) {
        return Err("probability tensor contains either `inf`, `nan` or element < 0".to_string());
    }
    if probs
        .chunks(n_cat)
        .any(|row| row.iter().all(|&p| p == T::ZERO))
    {
        return Err("invalid multinomial distribution (sum of probabilities <= 0)".to_string());
    }
    // q.exponential_(1) in the tensor's dtype, then q = p / q in that dtype.
    let keys: Vec<T> = probs
        .iter()
        .map(|&p| p / T::from_f64(-(-g.uniform_f64()).ln_1p()))
        .collect();
    let mut out = Vec::with_capacity(keys.len() / n_cat * k);
    for row in keys.chunks(n_cat) {
        let mut idx: Vec<usize> = (0..n_cat).collect();
        // Largest first, NaN counting as largest (argmax/topk order); ties keep the lower index,
        // which is argmax's rule (topk leaves tie order unspecified).
        idx.sort_by(|&a, &b| descending(row[a], row[b]).then(a.cmp(&b)));
        out.extend(idx[..k].iter().map(|&i| i as i64));
    }
    Ok(out)
}

fn descending<T: Prob>(a: T, b: T) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
    }
}

fn with_replacement<T: Prob>(
    g: &mut Generator,
    probs: &[T],
    n_cat: usize,
    k: usize,
) -> Result<Vec<i64>, String> {
    let total = (probs.len() / n_cat).checked_mul(k);
    let mut out = Vec::new();
    if total.is_none_or(|t| out.try_reserve_exact(t).is_err()) {
        return Err(format!(
            "multinomial: cannot allocate {} rows of {k} samples",
            probs.len() / n_cat
        ));
    }
    let mut cum = vec![T::ZERO; n_cat];
    for row in probs.chunks(n_cat) {
        // Rows are validated one at a time: earlier rows have already drawn when a later one fails.
        let mut sum = T::ZERO;
        for (c, &p) in cum.iter_mut().zip(row) {
            if !(p >= T::ZERO) {
                return Err(
                    "invalid multinomial distribution (encountering probability entry < 0)"
                        .to_string(),
                );
            }
            if !p.is_finite() {
                return Err(
                    "invalid multinomial distribution (encountering probability entry = infinity or NaN)".to_string()
                );
            }
            sum = sum + p;
            *c = sum;
        }
        if !(sum > T::ZERO) {
            return Err("invalid multinomial distribution (sum of probabilities <= 0)".to_string());
        }
        for c in cum.iter_mut() {
            *c = *c / sum;
        }
        cum[n_cat - 1] = T::ONE;
        for _ in 0..k {
            let u = g.uniform_f64();
            // First slot whose cumulative probability is >= u.
            let (mut left, mut right) = (0usize, n_cat);
            while left < right {
                let mid = left + (right - left) / 2;
                if cum[mid].to_f64() < u {
                    left = mid + 1;
                } else {
                    right = mid;
                }
            }
            out.push(left as i64);
        }
    }
    Ok(out)
}
