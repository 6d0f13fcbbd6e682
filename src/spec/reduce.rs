//! The registry rows of the reductions, scans and sorts: each op's Python name, the grad_fn
//! PyTorch records for its `dim=` form, and how it is called (for the generated tests).

/// How a reduction-like op is called along a dim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceKind {
    /// `f(x)` over everything and `f(x, dim)`; the result (or `.values`) has the dim removed.
    Reduction,
    /// `f(x, dim)`, same shape as `x`.
    Scan,
    /// `f(x, dim)` returning values (and indices) in sorted order.
    Sort,
}

macro_rules! reductions {
    ($($V:ident = $name:literal, grad: $grad:expr, kind: $kind:ident;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ReduceOp { $($V),* }

        impl ReduceOp {
            pub const ALL: &'static [ReduceOp] = &[$(ReduceOp::$V),*];
            pub fn name(self) -> &'static str {
                match self { $(ReduceOp::$V => $name),* }
            }
            /// The grad_fn of the `dim=` form; `None`: not differentiable.
            pub fn grad_fn(self) -> Option<&'static str> {
                match self { $(ReduceOp::$V => $grad),* }
            }
            pub fn kind(self) -> ReduceKind {
                match self { $(ReduceOp::$V => ReduceKind::$kind),* }
            }
        }
    };
}

reductions! {
    Sum = "sum", grad: Some("SumBackward1"), kind: Reduction;
    Nansum = "nansum", grad: Some("NansumBackward0"), kind: Reduction;
    Mean = "mean", grad: Some("MeanBackward1"), kind: Reduction;
    Prod = "prod", grad: Some("ProdBackward1"), kind: Reduction;
    Amax = "amax", grad: Some("AmaxBackward0"), kind: Reduction;
    Amin = "amin", grad: Some("AminBackward0"), kind: Reduction;
    Max = "max", grad: Some("MaxBackward0"), kind: Reduction;
    Min = "min", grad: Some("MinBackward0"), kind: Reduction;
    Argmax = "argmax", grad: None, kind: Reduction;
    Argmin = "argmin", grad: None, kind: Reduction;
    Var = "var", grad: Some("VarBackward0"), kind: Reduction;
    Std = "std", grad: Some("StdBackward0"), kind: Reduction;
    Logsumexp = "logsumexp", grad: Some("LogsumexpBackward0"), kind: Reduction;
    Norm = "norm", grad: Some("LinalgVectorNormBackward0"), kind: Reduction;
    All = "all", grad: None, kind: Reduction;
    Any = "any", grad: None, kind: Reduction;
    CountNonzero = "count_nonzero", grad: None, kind: Reduction;
    Median = "median", grad: Some("MedianBackward1"), kind: Reduction;
    Cumsum = "cumsum", grad: Some("CumsumBackward0"), kind: Scan;
    Cumprod = "cumprod", grad: Some("CumprodBackward0"), kind: Scan;
    Sort = "sort", grad: Some("SortBackward0"), kind: Sort;
    Argsort = "argsort", grad: None, kind: Sort;
    Topk = "topk", grad: Some("TopkBackward0"), kind: Sort;
}
