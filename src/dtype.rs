//! Element types, PyTorch's type-promotion rules and the single dtype dispatch macro.

use half::{bf16, f16};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum DType {
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
    /// `complex64`: interleaved (re, im) float32 pairs (`num_complex::Complex<f32>`).
    C64,
    /// `complex128`: interleaved (re, im) float64 pairs.
    C128,
}

/// The four kinds PyTorch's promotion distinguishes between.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Category {
    Bool,
    Int,
    Float,
    Complex,
}

impl DType {
    pub const ALL: [DType; 12] = [
        DType::Bool,
        DType::U8,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::F16,
        DType::BF16,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];

    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::U8 | DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 | DType::C64 => 8,
            DType::C128 => 16,
        }
    }

    /// The name PyTorch prints after `torch.`.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::C64 => "complex64",
            DType::C128 => "complex128",
        }
    }

    /// Names used by PyTorch's legacy `Tensor.type()` strings (`torch.FloatTensor`).
    pub fn legacy_name(self) -> &'static str {
        match self {
            DType::Bool => "BoolTensor",
            DType::U8 => "ByteTensor",
            DType::I8 => "CharTensor",
            DType::I16 => "ShortTensor",
            DType::I32 => "IntTensor",
            DType::I64 => "LongTensor",
            DType::F16 => "HalfTensor",
            DType::BF16 => "BFloat16Tensor",
            DType::F32 => "FloatTensor",
            DType::F64 => "DoubleTensor",
            DType::C64 => "ComplexFloatTensor",
            DType::C128 => "ComplexDoubleTensor",
        }
    }

    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn category(self) -> Category {
        match self {
            DType::Bool => Category::Bool,
            DType::F16 | DType::BF16 | DType::F32 | DType::F64 => Category::Float,
            DType::C64 | DType::C128 => Category::Complex,
            _ => Category::Int,
        }
    }

    pub fn is_complex(self) -> bool {
        self.category() == Category::Complex
    }

    /// The complex dtype with this float's precision (c10's `toComplexType`); float16 and
    /// bfloat16 map to complex64 (rtensor has no complex32).
    pub fn to_complex(self) -> DType {
        match self {
            DType::F64 | DType::C128 => DType::C128,
            _ => DType::C64,
        }
    }

    /// The real dtype of a complex one (c10's `toRealValueType`); other dtypes map to themselves.
    pub fn to_real(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            d => d,
        }
    }

    pub fn is_float(self) -> bool {
        self.category() == Category::Float
    }

    pub fn is_int(self) -> bool {
        self.category() == Category::Int
    }

    pub fn is_signed(self) -> bool {
        !matches!(self, DType::Bool | DType::U8)
    }

    /// PyTorch's `promote_types` (c10/core/ScalarType.cpp) for the dtypes rtensor has.
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        if a == b {
            return a;
        }
        match (a.category(), b.category()) {
            (Category::Complex, Category::Complex) => a.max(b),
            (Category::Complex, _) => {
                if b == F64 {
                    C128
                } else {
                    a
                }
            }
            (_, Category::Complex) => {
                if a == F64 {
                    C128
                } else {
                    b
                }
            }
            (Category::Bool, _) => b,
            (_, Category::Bool) => a,
            (Category::Float, Category::Int) => a,
            (Category::Int, Category::Float) => b,
            (Category::Float, Category::Float) => match (a, b) {
                (F16, BF16) | (BF16, F16) => F32,
                _ => a.max(b),
            },
            (Category::Int, Category::Int) => {
                // uint8 mixes with a signed type by widening to at least int16.
                if a == U8 || b == U8 {
                    let other = if a == U8 { b } else { a };
                    if other == I8 { I16 } else { other }
                } else {
                    a.max(b)
                }
            }
        }
    }
}

/// A Python number taking part in an op (PyTorch's "wrapped number").
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Scalar {
    pub fn to_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
        }
    }
    pub fn to_i64(self) -> i64 {
        match self {
            Scalar::Bool(b) => b as i64,
            Scalar::Int(i) => i,
            Scalar::Float(f) => f as i64,
        }
    }
    pub fn category(self) -> Category {
        match self {
            Scalar::Bool(_) => Category::Bool,
            Scalar::Int(_) => Category::Int,
            Scalar::Float(_) => Category::Float,
        }
    }
    /// The dtype a Python number gets on its own (`torch.tensor(2.5)`).
    pub fn natural_dtype(self, default_float: DType) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::Int(_) => DType::I64,
            Scalar::Float(_) => default_float,
        }
    }
}

/// Running state of PyTorch's `result_type`: tensors with dims outrank 0-d tensors, which
/// outrank Python numbers, unless a lower rank brings a higher category (int -> float).
#[derive(Default, Clone, Copy)]
pub struct ResultType {
    dim: Option<DType>,
    zero_dim: Option<DType>,
    wrapped: Option<DType>,
}

fn promote_opt(a: Option<DType>, b: DType) -> Option<DType> {
    Some(match a {
        None => b,
        Some(a) => DType::promote(a, b),
    })
}

fn combine(higher: Option<DType>, lower: Option<DType>) -> Option<DType> {
    match (higher, lower) {
        (None, l) => l,
        (h, None) => h,
        (Some(h), Some(l)) => {
            if h.is_complex() {
                Some(h)
            } else if l.is_complex() {
                // c10's combine_categories: a float keeps its precision, an integer takes
                // the lower-ranked complex dtype.
                Some(if h.is_float() { h.to_complex() } else { l })
            } else if h.is_float() {
                Some(h)
            } else if h == DType::Bool || l.is_float() {
                Some(DType::promote(h, l))
            } else {
                Some(h)
            }
        }
    }
}

impl ResultType {
    pub fn tensor(mut self, dtype: DType, ndim: usize) -> Self {
        if ndim > 0 {
            self.dim = promote_opt(self.dim, dtype);
        } else {
            self.zero_dim = promote_opt(self.zero_dim, dtype);
        }
        self
    }
    pub fn scalar(mut self, s: Scalar, default_float: DType) -> Self {
        self.wrapped = promote_opt(self.wrapped, s.natural_dtype(default_float));
        self
    }
    pub fn result(self) -> DType {
        combine(self.dim, combine(self.zero_dim, self.wrapped)).unwrap_or(DType::F32)
    }
}

/// A Rust type stored in a tensor. Conversions follow C++ casts as PyTorch does them
/// (float to int truncates; Rust's `as` saturates instead of being undefined).
pub trait Element: Copy + Send + Sync + 'static + PartialOrd + Default + std::fmt::Debug {
    const DTYPE: DType;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn to_i64(self) -> i64;
    fn from_i64(v: i64) -> Self;
    fn from_bool(v: bool) -> Self {
        Self::from_i64(v as i64)
    }
    fn is_nonzero(self) -> bool;
}

macro_rules! int_element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn is_nonzero(self) -> bool {
                self != 0
            }
        }
    };
}
int_element!(u8, U8);
int_element!(i8, I8);
int_element!(i16, I16);
int_element!(i32, I32);
int_element!(i64, I64);

macro_rules! float_element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn is_nonzero(self) -> bool {
                self != 0.0
            }
        }
    };
}
float_element!(f32, F32);
float_element!(f64, F64);

macro_rules! half_element {
    ($t:ty, $d:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self.to_f64()
            }
            /// Through float32, as c10's `Half(float)` / `BFloat16(float)` constructors do
            /// (so a double rounds twice, exactly like PyTorch's casts).
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                <$t>::from_f32(v as f32)
            }
            #[inline(always)]
            fn to_i64(self) -> i64 {
                self.to_f32() as i64
            }
            #[inline(always)]
            fn from_i64(v: i64) -> Self {
                <$t>::from_f32(v as f32)
            }
            #[inline(always)]
            fn is_nonzero(self) -> bool {
                self.to_f32() != 0.0
            }
        }
    };
}
half_element!(f16, F16);
half_element!(bf16, BF16);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as u8 as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    #[inline(always)]
    fn to_i64(self) -> i64 {
        self as i64
    }
    #[inline(always)]
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    #[inline(always)]
    fn is_nonzero(self) -> bool {
        self
    }
}

/// Converts between element types with PyTorch's cast semantics.
#[inline(always)]
pub fn cast<S: Element, D: Element>(v: S) -> D {
    if D::DTYPE == DType::Bool {
        D::from_bool(v.is_nonzero())
    } else if S::DTYPE.is_float() || D::DTYPE.is_float() {
        D::from_f64(v.to_f64())
    } else {
        D::from_i64(v.to_i64())
    }
}

/// Runs `$body` with `$T` bound to the Rust type of `$dtype`: the one dtype `match`.
#[macro_export]
macro_rules! dispatch {
    // The complex arm given explicitly, for the few generic callers that handle complex
    // tensors themselves before dispatching (and cannot return an error).
    ($dtype:expr, $T:ident => $body:expr, complex => $c:expr) => {
        match $dtype {
            $crate::dtype::DType::C64 | $crate::dtype::DType::C128 => $c,
            d => $crate::dispatch!(@real d, $T => $body),
        }
    };
    (@real $dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            $crate::dtype::DType::Bool => {
                type $T = bool;
                $body
            }
            $crate::dtype::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::dtype::DType::I8 => {
                type $T = i8;
                $body
            }
            $crate::dtype::DType::I16 => {
                type $T = i16;
                $body
            }
            $crate::dtype::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::dtype::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::dtype::DType::F16 => {
                type $T = half::f16;
                $body
            }
            $crate::dtype::DType::BF16 => {
                type $T = half::bf16;
                $body
            }
            $crate::dtype::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::dtype::DType::F64 => {
                type $T = f64;
                $body
            }
            $crate::dtype::DType::C64 | $crate::dtype::DType::C128 => {
                unreachable!("complex dtypes are matched first")
            }
        }
    };
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            // Complex tensors reach only the ops written for them (`ops/complex.rs`); every
            // generic kernel refuses them here, as PyTorch's AT_DISPATCH does.
            d @ ($crate::dtype::DType::C64 | $crate::dtype::DType::C128) => {
                return Err($crate::dtype::complex_unsupported(d).into());
            }
            d => $crate::dispatch!(@real d, $T => $body),
        }
    };
}

/// The error a kernel without a complex version raises (PyTorch names the kernel; rtensor
/// names the dtype, and the op where the caller knows it: see `ops::complex`).
pub fn complex_unsupported(d: DType) -> crate::error::Error {
    crate::error::Error::NotImplemented(format!(
        "this operation is not implemented for complex tensors ('{}')",
        crate::spec::elementwise::type_title(d)
    ))
}

static DEFAULT_FLOAT: std::sync::atomic::AtomicU8 =
    std::sync::atomic::AtomicU8::new(DType::F32 as u8);

/// The dtype Python floats and `torch.tensor([1.5])` get (`set_default_dtype`).
pub fn default_float() -> DType {
    DType::ALL[DEFAULT_FLOAT.load(std::sync::atomic::Ordering::Relaxed) as usize]
}

pub fn set_default_float(d: DType) {
    DEFAULT_FLOAT.store(d as u8, std::sync::atomic::Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use DType::*;

    #[test]
    fn promotion_table() {
        assert_eq!(DType::promote(U8, I8), I16);
        assert_eq!(DType::promote(U8, I32), I32);
        assert_eq!(DType::promote(Bool, U8), U8);
        assert_eq!(DType::promote(I64, F16), F16);
        assert_eq!(DType::promote(F16, BF16), F32);
        assert_eq!(DType::promote(F32, F64), F64);
    }

    #[test]
    fn result_type_with_scalars() {
        let int_plus_float = ResultType::default()
            .tensor(I64, 1)
            .scalar(Scalar::Float(2.5), F32);
        assert_eq!(int_plus_float.result(), F32);
        let u8_plus_int = ResultType::default()
            .tensor(U8, 1)
            .scalar(Scalar::Int(300), F32);
        assert_eq!(u8_plus_int.result(), U8);
        let half_plus_double0d = ResultType::default().tensor(F16, 2).tensor(F64, 0);
        assert_eq!(half_plus_double0d.result(), F16);
        let int_plus_float0d = ResultType::default().tensor(I32, 1).tensor(F64, 0);
        assert_eq!(int_plus_float0d.result(), F64);
        let bool_plus_int = ResultType::default()
            .tensor(Bool, 1)
            .scalar(Scalar::Int(1), F32);
        assert_eq!(bool_plus_int.result(), I64);
    }
}
