//! Scalar math with PyTorch's semantics where Rust's differs: Python-style remainder and
//! floor division, NaN-propagating min/max, sign of zero, integer pow.

use crate::dtype::Element;
use num_traits::Float;

pub trait FloatMath: Element + Float + Send + Sync {
    #[inline(always)]
    fn floor_div(self, y: Self) -> Self {
        // PyTorch's div_floor: derived from fmod so that x == q*y + r holds as in Python.
        if y == Self::zero() {
            return self / y;
        }
        let m = self % y;
        let mut div = (self - m) / y;
        if m != Self::zero() && ((y < Self::zero()) != (m < Self::zero())) {
            div = div - Self::one();
        }
        if div != Self::zero() {
            let f = div.floor();
            if div - f > Self::from(0.5).unwrap() {
                f + Self::one()
            } else {
                f
            }
        } else {
            Self::zero().copysign(self / y)
        }
    }
    #[inline(always)]
    fn py_rem(self, y: Self) -> Self {
        let m = self % y;
        if m != Self::zero() && ((y < Self::zero()) != (m < Self::zero())) {
            m + y
        } else {
            m
        }
    }
    #[inline(always)]
    fn nan_min(self, y: Self) -> Self {
        if self.is_nan() || y.is_nan() {
            Self::nan()
        } else if self < y {
            self
        } else {
            y
        }
    }
    #[inline(always)]
    fn nan_max(self, y: Self) -> Self {
        if self.is_nan() || y.is_nan() {
            Self::nan()
        } else if self > y {
            self
        } else {
            y
        }
    }
    /// asinh without overflow: Rust's squares |x| and gives inf from about 1.8e19 (f32), where
    /// the C library's (PyTorch's) returns log(2|x|).
    #[inline(always)]
    fn asinh_big(self) -> Self {
        let ax = self.abs();
        let r = if ax > Self::from(1e8).unwrap() {
            ax.ln() + Self::from(std::f64::consts::LN_2).unwrap()
        } else {
            (ax + ax * ax / (Self::one() + (Self::one() + ax * ax).sqrt())).ln_1p()
        };
        r.copysign(self)
    }
    /// acosh without overflow (as `asinh_big`) and without cancellation just above 1.
    #[inline(always)]
    fn acosh_big(self) -> Self {
        if self < Self::one() {
            return Self::nan();
        }
        if self > Self::from(1e8).unwrap() {
            return self.ln() + Self::from(std::f64::consts::LN_2).unwrap();
        }
        let t = self - Self::one();
        (t + (t + t + t * t).sqrt()).ln_1p()
    }
    /// PyTorch's `(0 < x) - (x < 0)`: NaN and -0.0 both give +0.0 (NumPy keeps NaN).
    #[inline(always)]
    fn sign0(self) -> Self {
        if self > Self::zero() {
            Self::one()
        } else if self < Self::zero() {
            -Self::one()
        } else {
            Self::zero()
        }
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        Self::one() / (Self::one() + (-self).exp())
    }
    fn round_ties_even(self) -> Self;
}

impl FloatMath for f32 {
    #[inline(always)]
    fn round_ties_even(self) -> Self {
        f32::round_ties_even(self)
    }
}
impl FloatMath for f64 {
    #[inline(always)]
    fn round_ties_even(self) -> Self {
        f64::round_ties_even(self)
    }
}

pub trait IntMath: Element + Ord {
    fn floor_div(self, y: Self) -> Self;
    fn py_rem(self, y: Self) -> Self;
    fn int_pow(self, y: Self) -> Self;
    fn int_abs(self) -> Self;
    fn int_sign(self) -> Self;
}

macro_rules! int_math {
    ($($t:ty),*) => {$(
        impl IntMath for $t {
            #[inline(always)]
            fn floor_div(self, y: Self) -> Self {
                if y == 0 {
                    return 0;
                }
                let q = self.wrapping_div(y);
                let r = self.wrapping_rem(y);
                #[allow(unused_comparisons)]
                if r != 0 && ((r < 0) != (y < 0)) { q.wrapping_sub(1) } else { q }
            }
            #[inline(always)]
            fn py_rem(self, y: Self) -> Self {
                if y == 0 {
                    return 0;
                }
                let r = self.wrapping_rem(y);
                #[allow(unused_comparisons)]
                if r != 0 && ((r < 0) != (y < 0)) { r.wrapping_add(y) } else { r }
            }
            #[inline(always)]
            fn int_pow(self, y: Self) -> Self {
                #[allow(unused_comparisons)]
                if y < 0 {
                    // PyTorch: integers to negative powers; 1 and -1 stay defined, rest 0.
                    return match self as i64 { 1 => 1 as $t, -1 => if (y as i64) % 2 == 0 { 1 as $t } else { self }, _ => 0 };
                }
                let mut base = self;
                let mut e = y as u64;
                let mut acc: $t = 1;
                while e > 0 {
                    if e & 1 == 1 {
                        acc = acc.wrapping_mul(base);
                    }
                    base = base.wrapping_mul(base);
                    e >>= 1;
                }
                acc
            }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn int_abs(self) -> Self {
                if self < 0 { (0 as $t).wrapping_sub(self) } else { self }
            }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn int_sign(self) -> Self {
                if self > 0 { 1 } else if self < 0 { (0 as $t).wrapping_sub(1) } else { 0 }
            }
        }
    )*};
}
int_math!(u8, i8, i16, i32, i64);
