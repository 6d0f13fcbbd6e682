//! WGSL sources: the files in `shaders/` with their placeholders filled in. Generation is pure
//! (no device), so `_C._gpu_shader_sources()` can hand every variant to wgpu-py for an
//! independent compile check. Each spec's `key()` names its cached pipeline.

use crate::dtype::DType;

const ELEMENTWISE: &str = include_str!("../../../shaders/elementwise.wgsl");
const MATH: &str = include_str!("../../../shaders/math.wgsl");
/// The special functions (`sp_*`), appended to the helpers of the maps that call them.
const SPECIAL: &str = include_str!("../../../shaders/special.wgsl");
const REDUCE: &str = include_str!("../../../shaders/reduce.wgsl");
const MATMUL: &str = include_str!("../../../shaders/matmul.wgsl");
const OFFSETS: &str = include_str!("../../../shaders/offsets.wgsl");
const BY_OFFSETS: &str = include_str!("../../../shaders/by_offsets.wgsl");
const ROWS: &str = include_str!("../../../shaders/rows.wgsl");
const SORT_ORDER: &str = include_str!("../../../shaders/sort_order.wgsl");
const NONZERO: &str = include_str!("../../../shaders/nonzero.wgsl");
const SCAN: &str = include_str!("../../../shaders/scan.wgsl");
const RANK_SORT: &str = include_str!("../../../shaders/rank_sort.wgsl");
const CTC: &str = include_str!("../../../shaders/ctc.wgsl");
const BITONIC_SORT: &str = include_str!("../../../shaders/bitonic_sort.wgsl");
const MULTINOMIAL: &str = include_str!("../../../shaders/multinomial.wgsl");
const POOL: &str = include_str!("../../../shaders/pool.wgsl");

/// Types a value can have inside a kernel: float32, int32 (also int64's representation) and
/// WGSL bool (stored as a u32 word).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    F32,
    I32,
    Bool,
}

impl Ty {
    pub fn of(d: DType) -> Ty {
        match d {
            DType::F32 => Ty::F32,
            DType::Bool => Ty::Bool,
            _ => Ty::I32,
        }
    }
    /// The WGSL type of a storage word.
    pub fn storage(self) -> &'static str {
        match self {
            Ty::F32 => "f32",
            Ty::I32 => "i32",
            Ty::Bool => "u32",
        }
    }
    /// The WGSL type of a computed value.
    pub fn value(self) -> &'static str {
        match self {
            Ty::F32 => "f32",
            Ty::I32 => "i32",
            Ty::Bool => "bool",
        }
    }
    /// Bits of a number as the meta word a kernel reads for this type.
    pub fn scalar_bits(self, v: f64) -> u32 {
        match self {
            Ty::F32 => (v as f32).to_bits(),
            Ty::I32 => v as i64 as i32 as u32,
            Ty::Bool => u32::from(v != 0.0),
        }
    }
}

/// `x` (a storage word of type `from`) as a value of type `to`.
pub fn load(from: Ty, to: Ty, x: &str) -> String {
    use Ty::*;
    match (from, to) {
        (F32, F32) | (I32, I32) => x.to_string(),
        (F32, I32) => format!("i32({})", x),
        // Through the bits: drivers may fold `NaN != 0.0` to false (it is true).
        (F32, Bool) => format!("((bitcast<u32>({}) & 0x7fffffffu) != 0u)", x),
        (I32, F32) | (Bool, F32) => format!("f32({})", x),
        (I32, Bool) => format!("({} != 0)", x),
        (Bool, I32) => format!("i32({})", x),
        (Bool, Bool) => format!("({} != 0u)", x),
    }
}

/// `e` (a value of type `from`) as a storage word of type `to`.
pub fn store(from: Ty, to: Ty, e: &str) -> String {
    use Ty::*;
    match (from, to) {
        (F32, F32) | (I32, I32) => e.to_string(),
        (F32, I32) => format!("i32({})", e),
        (I32, F32) => format!("f32({})", e),
        (F32, Bool) => format!("select(0u, 1u, (bitcast<u32>({}) & 0x7fffffffu) != 0u)", e),
        (I32, Bool) => format!("select(0u, 1u, ({}) != 0)", e),
        (Bool, F32) => format!("select(0.0, 1.0, {})", e),
        (Bool, I32) => format!("select(0, 1, {})", e),
        (Bool, Bool) => format!("select(0u, 1u, {})", e),
    }
}

/// An elementwise operand: a strided tensor of a storage type, or a number in the meta words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Input {
    Tensor(Ty),
    Scalar,
}

/// One elementwise kernel: operands are loaded as `compute` values `a`, `b`, `c`, and
/// `expr` (of type `expr_ty`) is stored into the output.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MapSpec {
    pub out: Ty,
    pub inputs: Vec<Input>,
    pub compute: Ty,
    pub expr: String,
    pub expr_ty: Ty,
}

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

impl MapSpec {
    pub fn key(&self) -> String {
        format!(
            "map:{:?}:{:?}:{:?}:{:?}:{}",
            self.out, self.inputs, self.compute, self.expr_ty, self.expr
        )
    }

    /// Strided operands, the output included.
    pub fn nops(&self) -> usize {
        1 + self
            .inputs
            .iter()
            .filter(|i| matches!(i, Input::Tensor(_)))
            .count()
    }

    pub fn source(&self) -> String {
        let mut bindings = format!(
            "@group(0) @binding(1) var<storage, read_write> out: array<{}>;\n",
            self.out.storage()
        );
        let mut body = String::new();
        let (mut k, mut sc) = (1, 0);
        for (i, inp) in self.inputs.iter().enumerate() {
            let name = NAMES[i];
            match inp {
                Input::Tensor(t) => {
                    bindings += &format!(
                        "@group(0) @binding({}) var<storage, read> in{}: array<{}>;\n",
                        k + 1,
                        k,
                        t.storage()
                    );
                    let x = format!("in{}[off[{}]]", k, k);
                    body += &format!("let {} = {};\n    ", name, load(*t, self.compute, &x));
                    k += 1;
                }
                Input::Scalar => {
                    let w = format!("prm[{}u]", 56 + sc);
                    let v = match self.compute {
                        Ty::F32 => format!("bitcast<f32>({})", w),
                        Ty::I32 => format!("bitcast<i32>({})", w),
                        Ty::Bool => format!("({} != 0u)", w),
                    };
                    body += &format!("let {} = {};\n    ", name, v);
                    sc += 1;
                }
            }
        }
        body += &format!(
            "out[off[0]] = {};",
            store(self.expr_ty, self.out, &self.expr)
        );
        let helpers = if self.expr.contains("sp_") {
            format!("{}\n{}", MATH, SPECIAL)
        } else {
            MATH.to_string()
        };
        ELEMENTWISE
            .replace("{{BINDINGS}}", &bindings)
            .replace("{{HELPERS}}", &helpers)
            .replace("{{NOPS}}", &self.nops().to_string())
            .replace("{{BODY}}", &body)
    }
}

/// The reductions of `reduce.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Mean,
    Max,
    Min,
    /// Value and index of the maximum (`max(dim)`, `argmax`).
    ArgMax,
    ArgMin,
    Prod,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReduceSpec {
    pub op: ReduceOp,
    pub input: Ty,
    /// Accumulator and output value type.
    pub acc: Ty,
    /// Output storage type (values; indices are always i32).
    pub out: Ty,
}

impl ReduceSpec {
    pub fn key(&self) -> String {
        format!(
            "reduce:{:?}:{:?}:{:?}:{:?}",
            self.op, self.input, self.acc, self.out
        )
    }

    pub fn with_index(&self) -> bool {
        matches!(self.op, ReduceOp::ArgMax | ReduceOp::ArgMin)
    }

    pub fn source(&self) -> String {
        use ReduceOp::*;
        let acc = self.acc.value();
        let float = self.acc == Ty::F32;
        let mut bindings = format!(
            "@group(0) @binding(1) var<storage, read_write> out: array<{}>;\n@group(0) @binding(2) var<storage, read> inp: array<{}>;\n",
            self.out.storage(),
            self.input.storage()
        );
        if self.with_index() {
            bindings += "@group(0) @binding(3) var<storage, read_write> idx: array<i32>;\n";
        }
        let (lo, hi) = if float {
            ("-f32_inf()", "f32_inf()")
        } else {
            ("i32(-2147483647 - 1)", "2147483647")
        };
        let init = match self.op {
            Sum | Mean => format!("{}(0)", acc),
            Prod => format!("{}(1)", acc),
            Max | ArgMax => lo.to_string(),
            Min | ArgMin => hi.to_string(),
        };
        // NaN wins max and min (PyTorch propagates it) and, among NaNs, the first index.
        let nan = |v: &str| {
            if float {
                format!("is_nan_f({})", v)
            } else {
                "false".to_string()
            }
        };
        let pick = |cmp: &str| {
            format!(
                "if (({xn} && !{vn}) || (!{vn} && x {cmp} v) || ((x == v || ({xn} && {vn})) && xi < vi)) {{ v = x; vi = xi; }}",
                xn = nan("x"),
                vn = nan("v"),
                cmp = cmp
            )
        };
        let combine = match self.op {
            Sum | Mean => "v = v + x;".to_string(),
            Prod => "v = v * x;".to_string(),
            Max | ArgMax => pick(">"),
            Min | ArgMin => pick("<"),
        };
        let value = if self.op == Mean {
            "v / f32(k)".to_string()
        } else {
            "v".to_string()
        };
        let mut st = format!("out[row] = {};", store(self.acc, self.out, &value));
        if self.with_index() {
            st += " idx[row] = vi;";
        }
        REDUCE
            .replace("{{BINDINGS}}", &bindings)
            .replace("{{HELPERS}}", MATH)
            .replace("{{ACC}}", acc)
            .replace("{{INIT}}", &init)
            .replace(
                "{{LOAD}}",
                &load(self.input, self.acc, "inp[in_offset(row, j)]"),
            )
            .replace("{{COMBINE}}", &combine)
            .replace("{{STORE}}", &st)
    }
}

pub fn matmul_key(t: Ty, vec4: bool) -> String {
    format!("matmul:{:?}:{}", t, if vec4 { "vec4" } else { "scalar" })
}

/// Tile loads of matmul.wgsl: strided scalars (any layout).
const MATMUL_LOAD_SCALAR: &str = "        for (var t = 0u; t < 4u; t++) {
            let e = li + t * 256u;
            let m = e / BK;
            let kk = e % BK;
            var v = {{T}}(0);
            if (live && row0 + m < M && k0 + kk < K) {
                v = a[a_base + i32(row0 + m) * s(6) + i32(k0 + kk) * s(7)];
            }
            As[kk * TS + m] = v;
            let kb = e / TS;
            let n = e % TS;
            var w = {{T}}(0);
            if (live && k0 + kb < K && col0 + n < N) {
                w = b[b_base + i32(k0 + kb) * s(10) + i32(col0 + n) * s(11)];
            }
            Bs[kb * TS + n] = w;
        }";

/// Tile loads of matmul.wgsl: one vec4 of A (4 consecutive k) and one of B (4 consecutive n)
/// per invocation; offsets and row strides are in vec4 units.
const MATMUL_LOAD_VEC4: &str = "        {
            let m = li / 4u;
            let kc = (li % 4u) * 4u;
            var v = vec4<{{T}}>();
            if (live && row0 + m < M && k0 + kc < K) {
                v = a[a_base + i32(row0 + m) * s(6) + i32((k0 + kc) / 4u)];
            }
            As[kc * TS + m] = v.x;
            As[(kc + 1u) * TS + m] = v.y;
            As[(kc + 2u) * TS + m] = v.z;
            As[(kc + 3u) * TS + m] = v.w;
            let kb = li / 16u;
            let n = (li % 16u) * 4u;
            var w = vec4<{{T}}>();
            if (live && k0 + kb < K && col0 + n < N) {
                w = b[b_base + i32(k0 + kb) * s(10) + i32((col0 + n) / 4u)];
            }
            Bs[kb * TS + n] = w.x;
            Bs[kb * TS + n + 1u] = w.y;
            Bs[kb * TS + n + 2u] = w.z;
            Bs[kb * TS + n + 3u] = w.w;
        }";

pub fn matmul_source(t: Ty, vec4: bool) -> String {
    let (load, ab) = if vec4 {
        (MATMUL_LOAD_VEC4, format!("vec4<{}>", t.storage()))
    } else {
        (MATMUL_LOAD_SCALAR, t.storage().to_string())
    };
    MATMUL
        .replace("{{LOAD_TILES}}", load)
        .replace("{{AB}}", &ab)
        .replace("{{T}}", t.storage())
}

/// Sources without placeholders: (pipeline key, WGSL).
pub fn offsets_source() -> String {
    OFFSETS.to_string()
}

/// `by_offsets.wgsl` as a gather: `dst[i] = src[o]`.
pub fn gather_source() -> String {
    BY_OFFSETS
        .replace("{{DST}}", "array<u32>")
        .replace("{{BODY}}", "dst[i] = src[o];")
}

pub fn nonzero_source() -> String {
    NONZERO.to_string()
}

pub fn multinomial_source() -> String {
    MULTINOMIAL.to_string()
}

pub fn bitonic_sort_key(t: Ty) -> String {
    format!("bitonic_sort:{:?}", t)
}

/// `bitonic_sort.wgsl` for f32 or i32 keys.
pub fn bitonic_sort_source(t: Ty) -> String {
    let nan = if t == Ty::F32 { "is_nan_f(x)" } else { "false" };
    BITONIC_SORT
        .replace("{{ROWS}}", ROWS)
        .replace("{{SORT_ORDER}}", SORT_ORDER)
        .replace("{{T}}", t.storage())
        .replace("{{NAN}}", nan)
        .replace("{{HELPERS}}", MATH)
}

/// `pool.wgsl`: the pooling kernels over window tables (one pipeline, a mode word).
pub fn pool_source() -> String {
    POOL.replace("{{HELPERS}}", MATH)
}

pub fn ctc_source() -> String {
    CTC.replace("{{HELPERS}}", MATH)
}

/// How a scatter (`by_offsets.wgsl`) combines a source word `v` into `dst[o]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Combine {
    Replace,
    AddF32,
    /// int32 words (two's complement addition is the same on u32).
    AddI32,
    MulF32,
    MulI32,
    /// bool words: `add` is `or`, `multiply` is `and`.
    Or,
    And,
}

impl Combine {
    pub const ALL: [Combine; 7] = [
        Combine::Replace,
        Combine::AddF32,
        Combine::AddI32,
        Combine::MulF32,
        Combine::MulI32,
        Combine::Or,
        Combine::And,
    ];

    pub fn key(self) -> String {
        format!("scatter:{:?}", self)
    }

    pub fn source(self) -> String {
        let cas = |f: &str| {
            format!(
                "var old = atomicLoad(&dst[o]);\n    loop {{\n        let r = atomicCompareExchangeWeak(&dst[o], old, {});\n        if (r.exchanged) {{\n            break;\n        }}\n        old = r.old_value;\n    }}",
                f
            )
        };
        let body = match self {
            Combine::Replace => "atomicStore(&dst[o], v);".to_string(),
            Combine::AddI32 => "atomicAdd(&dst[o], v);".to_string(),
            Combine::Or => "atomicOr(&dst[o], v);".to_string(),
            Combine::And => "atomicAnd(&dst[o], v);".to_string(),
            Combine::AddF32 => cas("bitcast<u32>(bitcast<f32>(old) + bitcast<f32>(v))"),
            Combine::MulF32 => cas("bitcast<u32>(bitcast<f32>(old) * bitcast<f32>(v))"),
            Combine::MulI32 => cas("bitcast<u32>(bitcast<i32>(old) * bitcast<i32>(v))"),
        };
        BY_OFFSETS
            .replace("{{DST}}", "array<atomic<u32>>")
            .replace("{{BODY}}", &format!("let v = src[i];\n    {}", body))
    }
}

/// One `scan.wgsl` kernel: cumulative sum or product of `input` words accumulated as `acc`
/// and stored as `out`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScanSpec {
    pub product: bool,
    pub input: Ty,
    pub acc: Ty,
    pub out: Ty,
}

impl ScanSpec {
    pub fn key(&self) -> String {
        format!(
            "scan:{}:{:?}:{:?}:{:?}",
            self.product, self.input, self.acc, self.out
        )
    }

    pub fn source(&self) -> String {
        let acc = self.acc.value();
        let bindings = format!(
            "@group(0) @binding(1) var<storage, read_write> out: array<{}>;\n@group(0) @binding(2) var<storage, read> inp: array<{}>;\n",
            self.out.storage(),
            self.input.storage()
        );
        let element = load(self.input, self.acc, "inp[ib + i32(j) * irs]");
        // Float products run on (mantissa, exponent) pairs (`me_*` in math.wgsl): without
        // float64, that is how the running product keeps PyTorch's range.
        let (acc, id, op, element, value) = if self.product && self.acc == Ty::F32 {
            (
                "vec2<f32>",
                "vec2<f32>(1.0, 0.0)".to_string(),
                "me_mul(a, b)",
                format!("me_of({})", element),
                "me_value(acc)",
            )
        } else if self.product {
            (acc, format!("{}(1)", acc), "a * b", element, "acc")
        } else {
            (acc, format!("{}(0)", acc), "a + b", element, "acc")
        };
        SCAN.replace("{{BINDINGS}}", &bindings)
            .replace("{{HELPERS}}", MATH)
            .replace("{{ROWS}}", ROWS)
            .replace("{{ACC}}", acc)
            .replace("{{ID}}", &id)
            .replace("{{OP}}", op)
            .replace("{{LOAD}}", &element)
            .replace(
                "{{STORE}}",
                &format!("out[o] = {};", store(self.acc, self.out, value)),
            )
    }
}

pub fn rank_sort_key(t: Ty) -> String {
    format!("rank_sort:{:?}", t)
}

/// `rank_sort.wgsl` for f32 or i32 keys (bool rows are sorted as i32).
pub fn rank_sort_source(t: Ty) -> String {
    let nan = if t == Ty::F32 { "is_nan_f(x)" } else { "false" };
    RANK_SORT
        .replace("{{ROWS}}", ROWS)
        .replace("{{SORT_ORDER}}", SORT_ORDER)
        .replace("{{T}}", t.storage())
        .replace("{{NAN}}", nan)
        .replace("{{HELPERS}}", MATH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_have_no_unfilled_placeholders() {
        let m = MapSpec {
            out: Ty::Bool,
            inputs: vec![Input::Tensor(Ty::F32), Input::Scalar],
            compute: Ty::F32,
            expr: "a < b".into(),
            expr_ty: Ty::Bool,
        };
        let s = m.source();
        assert!(!s.contains("{{"), "{}", s);
        assert!(s.contains("let b = bitcast<f32>(prm[56u]);"));
        assert!(s.contains("out[off[0]] = select(0u, 1u, a < b);"));
        assert_eq!(m.nops(), 2);
        let r = ReduceSpec {
            op: ReduceOp::ArgMax,
            input: Ty::I32,
            acc: Ty::I32,
            out: Ty::I32,
        };
        assert!(!r.source().contains("{{"));
        assert!(!matmul_source(Ty::F32, false).contains("{{"));
        assert!(!matmul_source(Ty::F32, true).contains("{{"));
    }
}
