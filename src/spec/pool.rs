//! Pooling windows as tables: every pooling op (max, average, adaptive, fractional) reduces,
//! for each output position, a box of input taps that is separable per spatial dim. The
//! checks and the per-op window formulas live in `ops/pool.rs`; the CPU and GPU kernels read
//! only these tables, so one max kernel and one average kernel serve every pooling op.
//!
//! 1-d and 2-d pooling use three spatial dims with leading size-1 dims (as PyTorch runs 1-d
//! pooling through its 2-d kernels).

/// The taps of one spatial dim: output `o` reads `x0[o] + j * step` for `j < n[o]`, all inside
/// the input (out-of-range taps are clipped away when the tables are built). `count[o]` is this
/// dim's factor of the average's divisor.
#[derive(Clone, Debug, Default)]
pub struct DimWindows {
    pub x0: Vec<i64>,
    pub n: Vec<i64>,
    pub step: i64,
    pub count: Vec<i64>,
}

/// The windows of one pooling call over `planes` planes of `inp` -> `out` (depth, height,
/// width). With `per_plane` (fractional pooling) `x0`/`n` hold `planes * out[d]` entries, plane
/// by plane; otherwise one row shared by every plane.
#[derive(Clone, Debug)]
pub struct Windows {
    pub planes: usize,
    pub inp: [usize; 3],
    pub out: [usize; 3],
    pub dims: [DimWindows; 3],
    pub per_plane: bool,
    /// `divisor_override` of the averages.
    pub divisor: Option<i64>,
}

impl Windows {
    pub fn in_plane(&self) -> usize {
        self.inp.iter().product()
    }
    pub fn out_plane(&self) -> usize {
        self.out.iter().product()
    }
    /// Where plane `p`'s row of dim `d` starts in `x0`/`n`.
    pub fn row(&self, p: usize, d: usize) -> usize {
        if self.per_plane { p * self.out[d] } else { 0 }
    }
    /// The average's divisor for output (od, oh, ow).
    pub fn divisor_at(&self, o: [usize; 3]) -> f64 {
        match self.divisor {
            Some(v) => v as f64,
            None => (0..3).map(|d| self.dims[d].count[o[d]]).product::<i64>() as f64,
        }
    }
}
