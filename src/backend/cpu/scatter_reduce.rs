//! `scatter_reduce` / `index_reduce` on the host: every element `src[k]` is combined into
//! `out[offs[k]]` with a sum, product, mean, maximum or minimum (NaN propagates, as in ATen's
//! `ReduceMaximum`/`ReduceMinimum`). With `include_self = false` the first value that reaches a
//! position replaces what was there.

use crate::dtype::Element;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reduce {
    Sum,
    Prod,
    Mean,
    Amax,
    Amin,
}

#[inline(always)]
fn combine<T: Element>(a: T, b: T, r: Reduce) -> T {
    if T::DTYPE.is_float() {
        let (x, y) = (a.to_f64(), b.to_f64());
        T::from_f64(match r {
            Reduce::Sum | Reduce::Mean => x + y,
            Reduce::Prod => x * y,
            Reduce::Amax => {
                if x.is_nan() || y.is_nan() {
                    f64::NAN
                } else {
                    x.max(y)
                }
            }
            Reduce::Amin => {
                if x.is_nan() || y.is_nan() {
                    f64::NAN
                } else {
                    x.min(y)
                }
            }
        })
    } else if T::DTYPE == crate::dtype::DType::Bool {
        let (x, y) = (a.is_nonzero(), b.is_nonzero());
        T::from_bool(match r {
            Reduce::Sum | Reduce::Mean | Reduce::Amax => x || y,
            Reduce::Prod | Reduce::Amin => x && y,
        })
    } else {
        let (x, y) = (a.to_i64(), b.to_i64());
        T::from_i64(match r {
            Reduce::Sum | Reduce::Mean => x.wrapping_add(y),
            Reduce::Prod => x.wrapping_mul(y),
            Reduce::Amax => x.max(y),
            Reduce::Amin => x.min(y),
        })
    }
}

/// Reduces `src[k]` into `out[offs[k]]` (offsets already bounds-checked against `out`).
pub fn scatter_reduce<T: Element>(
    out: &mut [T],
    offs: &[usize],
    src: &[T],
    r: Reduce,
    include_self: bool,
) {
    // Per-position count of values combined (the mean's divisor); 0 = not reached yet.
    let mut count: Vec<u32> = vec![
        0;
        if r == Reduce::Mean || !include_self {
            out.len()
        } else {
            0
        }
    ];
    for (&o, &s) in offs.iter().zip(src) {
        if !include_self && count[o] == 0 {
            out[o] = s;
            count[o] = 1;
            continue;
        }
        out[o] = combine(out[o], s, r);
        if r == Reduce::Mean {
            count[o] += 1;
        }
    }
    if r != Reduce::Mean {
        return;
    }
    let base = if include_self { 1 } else { 0 };
    for (v, &c) in out.iter_mut().zip(&count) {
        let n = c + base;
        if n <= 1 {
            continue;
        }
        *v = if T::DTYPE.is_float() {
            T::from_f64(v.to_f64() / n as f64)
        } else if T::DTYPE == crate::dtype::DType::Bool {
            *v
        } else {
            // ATen divides integer means with rounding_mode="floor".
            T::from_i64(v.to_i64().div_euclid(n as i64))
        };
    }
}
