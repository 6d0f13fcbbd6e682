//! Integer-valued draws: `random_()`, `random_(to)`, `random_(from, to)`, `randint`, and
//! `randperm`. Values come back as i64 for every dtype; the caller converts to the tensor's
//! dtype (`as f32`/`as f64` rounds to nearest like C++'s conversion; integer dtypes always fit).

use super::generator::Generator;

/// The dtypes `random_` distinguishes (they pick the draw width, the modulus and the checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RngDType {
    Bool,
    U8,
    I8,
    I16,
    I32,
    I64,
    F16,
    BF16,
    F32,
    F64,
}

impl RngDType {
    fn is_float(self) -> bool {
        matches!(
            self,
            RngDType::F16 | RngDType::BF16 | RngDType::F32 | RngDType::F64
        )
    }

    /// `std::numeric_limits<T>::digits` of the floating dtypes.
    fn mantissa_digits(self) -> u32 {
        match self {
            RngDType::F16 => 11,
            RngDType::BF16 => 8,
            RngDType::F32 => 24,
            _ => 53,
        }
    }

    /// The largest value of an integer dtype (`true` for bool).
    fn int_max(self) -> i64 {
        match self {
            RngDType::Bool => 1,
            RngDType::U8 => u8::MAX as i64,
            RngDType::I8 => i8::MAX as i64,
            RngDType::I16 => i16::MAX as i64,
            RngDType::I32 => i32::MAX as i64,
            _ => i64::MAX,
        }
    }

    fn int_min(self) -> i64 {
        match self {
            RngDType::Bool | RngDType::U8 => 0,
            RngDType::I8 => i8::MIN as i64,
            RngDType::I16 => i16::MIN as i64,
            RngDType::I32 => i32::MIN as i64,
            _ => i64::MIN,
        }
    }

    /// The C++ type name PyTorch prints in bounds errors (caffe2::TypeMeta).
    fn type_meta(self) -> &'static str {
        match self {
            RngDType::Bool => "bool",
            RngDType::U8 => "unsigned char",
            RngDType::I8 => "signed char",
            RngDType::I16 => "short int",
            RngDType::I32 => "int",
            RngDType::I64 => "long int",
            RngDType::F16 => "c10::Half",
            RngDType::BF16 => "c10::BFloat16",
            RngDType::F32 => "float",
            RngDType::F64 => "double",
        }
    }

    /// The dtypes whose full 64-bit `random_(i64::MIN, None)` PyTorch implements.
    fn has_full_range(self) -> bool {
        matches!(
            self,
            RngDType::I64 | RngDType::F64 | RngDType::F32 | RngDType::BF16
        )
    }
}

/// `random_()` without bounds: int64 and float64 take `u64() % (max + 1)` (2^63, or 2^53 + 1
/// for float64); narrower dtypes take `u32() % m` with m = max + 1 for integers, 2^24 + 1 for
/// float32, 2^11 + 1 for float16, 2^8 + 1 for bfloat16; bool is `u32() & 1`.
pub fn fill_random(g: &mut Generator, out: &mut [i64], dtype: RngDType) {
    for v in out.iter_mut() {
        *v = match dtype {
            RngDType::I64 => (g.next_u64() % (1u64 << 63)) as i64,
            RngDType::F64 => (g.next_u64() % ((1u64 << 53) + 1)) as i64,
            RngDType::Bool => (g.next_u32() & 1) as i64,
            d if d.is_float() => (g.next_u32() as u64 % ((1u64 << d.mantissa_digits()) + 1)) as i64,
            d => (g.next_u32() as u64 % (d.int_max() as u64 + 1)) as i64,
        };
    }
}

/// `random_(to)`: the same as `random_(0, to)`.
pub fn fill_random_to(
    g: &mut Generator,
    out: &mut [i64],
    to: i64,
    dtype: RngDType,
) -> Result<(), String> {
    fill_random_from_to(g, out, 0, Some(to), dtype)
}

/// `randint(low, high, size)` (int64 unless a dtype is given): `random_(low, high)`.
pub fn fill_randint(
    g: &mut Generator,
    out: &mut [i64],
    low: i64,
    high: i64,
    dtype: RngDType,
) -> Result<(), String> {
    fill_random_from_to(g, out, low, Some(high), dtype)
}

/// `random_(from, to)` with `to = None` meaning "up to the dtype's largest value, inclusive"
/// (2^digits for floating dtypes). Draws `from + u32() % range`, or `from + u64() % range` when
/// the range is 2^28 or more (any dtype); `from = i64::MIN` with `to = None` takes every 64-bit
/// pattern of `u64()` (int64/float64/float32/bfloat16 only).
pub fn fill_random_from_to(
    g: &mut Generator,
    out: &mut [i64],
    from: i64,
    to: Option<i64>,
    dtype: RngDType,
) -> Result<(), String> {
    let (base, range) = match to {
        Some(to) => {
            if from >= to {
                return Err(format!(
                    "random_ expects 'from' to be less than 'to', but got from={from} >= to={to}"
                ));
            }
            let (mut from, mut to) = (from, to);
            if dtype.is_float() {
                from = update_from(from, dtype);
                to = update_to(to, dtype);
                if from >= to {
                    return Err(format!(
                        "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got \
                         from={from} >= to={to}"
                    ));
                }
            }
            check_in_range(from, to.wrapping_sub(1), dtype)?;
            (from, (to as u64).wrapping_sub(from as u64))
        }
        None if from != i64::MIN => {
            let mut from = from;
            let to_inc = if dtype.is_float() {
                let to_inc = 1i64 << dtype.mantissa_digits();
                from = update_from(from, dtype);
                if from >= to_inc {
                    return Err(format!(
                        "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to \
                         dtype, but got from={from} > to_inc={to_inc}"
                    ));
                }
                to_inc
            } else {
                dtype.int_max()
            };
            check_in_range(from, to_inc, dtype)?;
            (
                from,
                (to_inc as u64).wrapping_sub(from as u64).wrapping_add(1),
            )
        }
        None => {
            if !dtype.has_full_range() {
                return Err(
                    "random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16".to_string()
                );
            }
            for v in out.iter_mut() {
                *v = g.next_u64() as i64;
            }
            return Ok(());
        }
    };
    // PyTorch's public builds switch to 64-bit draws from a range of 2^28 on, for every dtype
    // ("allow approx 5% skew"); only Meta-internal builds use 2^32 and a dtype list.
    let wide = range >= 1u64 << 28;
    for v in out.iter_mut() {
        let r = if wide {
            g.next_u64()
        } else {
            g.next_u32() as u64
        };
        // range == 0 cannot happen: it would need to - from == 2^64.
        *v = (r.checked_rem(range).unwrap_or(r)).wrapping_add(base as u64) as i64;
    }
    Ok(())
}

/// ATen's `check_from_to_in_range` (its precision warnings for floats are not reproduced).
fn check_in_range(from: i64, to_inc: i64, dtype: RngDType) -> Result<(), String> {
    if dtype.is_float() {
        // Every i64 lies within the float dtypes' finite range.
        return Ok(());
    }
    let (min, max) = (dtype.int_min(), dtype.int_max());
    for (name, v) in [("from", from), ("to - 1", to_inc)] {
        if v < min || v > max {
            return Err(format!("{name} is out of bounds for {}", dtype.type_meta()));
        }
    }
    Ok(())
}

/// i64 -> floating dtype -> i64, as `static_cast<int64_t>(static_cast<scalar_t>(v))`.
fn through_float(v: i64, dtype: RngDType) -> i64 {
    match dtype {
        RngDType::F64 => v as f64 as i64,
        RngDType::F32 => v as f32 as i64,
        // Half/BFloat16 convert via float: round the f32 to the narrower mantissa.
        d => round_mantissa(v as f32, d.mantissa_digits()) as i64,
    }
}

/// Round-to-nearest-even of an f32 to `digits` significant bits (overflow is not modelled).
fn round_mantissa(x: f32, digits: u32) -> f32 {
    let drop = 24 - digits;
    let bits = x.to_bits();
    let half = 1u32 << (drop - 1);
    let lsb = (bits >> drop) & 1;
    f32::from_bits(bits.wrapping_add(half - 1 + lsb) & !((1u32 << drop) - 1))
}

/// ATen's `update_from`: nudge `from` up to the next value the float dtype represents.
fn update_from(from: i64, dtype: RngDType) -> i64 {
    let from_plus_1 = through_float(from.wrapping_add(1), dtype);
    if from_plus_1 < from {
        let n = 63 - (from.wrapping_add(1).unsigned_abs() | 1).leading_zeros() as i64;
        let shift = n - dtype.mantissa_digits() as i64 + 1;
        return from_plus_1.wrapping_add(1i64.wrapping_shl(shift.max(0) as u32));
    }
    from
}

/// ATen's `update_to`: nudge `to` down to the previous value the float dtype represents.
fn update_to(to: i64, dtype: RngDType) -> i64 {
    let to_minus_1 = through_float(to.wrapping_sub(1), dtype);
    if to_minus_1 >= to {
        let n = 63 - (to.wrapping_sub(1).unsigned_abs() | 1).leading_zeros() as i64;
        let shift = n - dtype.mantissa_digits() as i64 + 1;
        return to_minus_1.wrapping_sub(1i64.wrapping_shl(shift.max(0) as u32));
    }
    to
}

/// Threshold below which `randperm` keeps its original forward Fisher–Yates with 32-bit draws.
const RANDPERM_SMALL: i64 = (u32::MAX / 20) as i64;

/// `randperm(n)`: for n < 214748364, start from 0..n and for i in 0..n-1 swap i with
/// i + u32() % (n - i); beyond that, the "inside-out" shuffle with 64-bit draws.
pub fn randperm(g: &mut Generator, n: i64) -> Result<Vec<i64>, String> {
    if n < 0 {
        // PyTorch fails while allocating the result, before randperm's own check.
        return Err(format!(
            "Trying to create tensor with negative dimension {n}: [{n}]"
        ));
    }
    let len = usize::try_from(n).map_err(|_| format!("randperm: n={n} is too large"))?;
    let mut r: Vec<i64> = Vec::new();
    r.try_reserve_exact(len)
        .map_err(|_| format!("randperm: cannot allocate {n} elements"))?;
    if n < RANDPERM_SMALL {
        r.extend(0..n);
        for i in 0..len.saturating_sub(1) {
            let z = (g.next_u32() as u64 % (len - i) as u64) as usize;
            r.swap(i, i + z);
        }
    } else {
        for i in 0..len {
            let z = (g.next_u64() % (i as u64 + 1)) as usize;
            r.push(i as i64);
            r[i] = r[z];
            r[z] = i as i64;
        }
    }
    Ok(r)
}
