//! Resampling along one dim by taps (NOTE [resampling by taps] in
//! `python/rtensor/nn/_interpolate.py`): output position `j` of the resampled dim is
//! `sum_k w[k] * x[idx[k]]` over its row `off[j]..off[j + 1]` of the table, in table order.
//! Every mode of `interpolate` is such a table per spatial dim (the Python layer computes the
//! indices and weights in ATen's arithmetic). The adjoint of a table is its transpose (each
//! input position's row lists the outputs that read it, in increasing output order), which is
//! again a table, so one gather kernel serves the forward, the backward and every higher
//! derivative, with no atomics and a deterministic order.

/// One dim's taps as a compressed row table.
#[derive(Clone, Debug)]
pub struct Taps {
    /// Length of the resampled dim in the input.
    pub n_in: usize,
    /// Row starts, `n_out + 1` entries, non-decreasing, the last one `idx.len()`.
    pub off: Vec<usize>,
    /// Input positions, each `< n_in`.
    pub idx: Vec<usize>,
    /// One weight per tap; `None`: every row has exactly one tap of weight one (a copy; the
    /// nearest modes), which also runs on integer tensors.
    pub w: Option<Vec<f64>>,
}

impl Taps {
    /// Length of the resampled dim in the output.
    pub fn n_out(&self) -> usize {
        self.off.len().saturating_sub(1)
    }

    /// A table of `rows` rows of `k` taps each (`idx` and `w` row-major, `rows * k` entries);
    /// a negative index marks a padded tap that reads nothing. `None` when an index is out of
    /// range or the lengths disagree.
    pub fn from_rows(n_in: usize, k: usize, idx: &[i64], w: Option<&[f64]>) -> Option<Taps> {
        if k == 0 || !idx.len().is_multiple_of(k) || w.is_some_and(|w| w.len() != idx.len()) {
            return None;
        }
        let rows = idx.len() / k;
        if w.is_none() && (k != 1 || idx.iter().any(|&i| i < 0)) {
            return None;
        }
        let mut off = Vec::with_capacity(rows + 1);
        let mut ti = Vec::with_capacity(idx.len());
        let mut tw = w.map(|_| Vec::with_capacity(idx.len()));
        off.push(0);
        for r in 0..rows {
            for c in 0..k {
                let i = idx[r * k + c];
                if i < 0 {
                    continue;
                }
                if i as u64 >= n_in as u64 {
                    return None;
                }
                ti.push(i as usize);
                if let (Some(tw), Some(w)) = (tw.as_mut(), w) {
                    tw.push(w[r * k + c]);
                }
            }
            off.push(ti.len());
        }
        Some(Taps {
            n_in,
            off,
            idx: ti,
            w: tw,
        })
    }

    /// The adjoint table: row `i` (an input position) lists every `(j, w)` with `i` among
    /// row `j`'s taps, in increasing `j`. Always weighted.
    pub fn transposed(&self) -> Taps {
        let n_out = self.n_out();
        let mut count = vec![0usize; self.n_in + 1];
        for &i in &self.idx {
            count[i + 1] += 1;
        }
        for i in 0..self.n_in {
            count[i + 1] += count[i];
        }
        let off = count.clone();
        let mut pos = count;
        let mut idx = vec![0usize; self.idx.len()];
        let mut w = vec![0f64; self.idx.len()];
        for j in 0..n_out {
            for t in self.off[j]..self.off[j + 1] {
                let i = self.idx[t];
                idx[pos[i]] = j;
                w[pos[i]] = self.w.as_ref().map_or(1.0, |w| w[t]);
                pos[i] += 1;
            }
        }
        Taps {
            n_in: n_out,
            off,
            idx,
            w: Some(w),
        }
    }
}

/// A table and its adjoint, built once per call.
#[derive(Clone, Debug)]
pub struct TapsPair {
    pub fwd: Taps,
    pub bwd: Taps,
}

impl TapsPair {
    pub fn new(fwd: Taps) -> TapsPair {
        let bwd = fwd.transposed();
        TapsPair { fwd, bwd }
    }
}

/// `grid_sample`'s interpolation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GridMode {
    Bilinear,
    Nearest,
    Bicubic,
}

/// `grid_sample`'s treatment of sample points outside the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GridPadding {
    Zeros,
    Border,
    Reflection,
}

/// The geometry of one `grid_sample` call: `nd` (2 or 3) spatial dims, the input's spatial
/// sizes `inp` (`[D,] H, W`, outermost first), `n` batch items of `c` channels, `points`
/// sample points per batch item.
#[derive(Clone, Copy, Debug)]
pub struct GridArgs {
    pub mode: GridMode,
    pub padding: GridPadding,
    pub align_corners: bool,
    pub nd: usize,
    pub n: usize,
    pub c: usize,
    pub inp: [usize; 3],
    pub points: usize,
}
