//! Sizes, strides and views. A `Layout` is a value: every view op is a pure function from
//! one layout to another, and never touches storage. Broadcasting is a stride-0 view.

use crate::error::{Error, Result};
use smallvec::SmallVec;

pub type Dims = SmallVec<[usize; 6]>;
pub type Strides = SmallVec<[isize; 6]>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub shape: Dims,
    pub strides: Strides,
    /// Offset of element 0, in elements.
    pub offset: usize,
}

pub fn contiguous_strides(shape: &[usize]) -> Strides {
    let mut strides: Strides = SmallVec::from_elem(0, shape.len());
    let mut acc = 1isize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i].max(1) as isize;
    }
    strides
}

pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Wraps a possibly negative dim into `0..ndim` with PyTorch's IndexError text.
pub fn wrap_dim(dim: i64, ndim: usize) -> Result<usize> {
    let n = ndim.max(1) as i64; // 0-d tensors accept dim 0 and -1
    if dim < -n || dim >= n {
        return Err(Error::Index(format!(
            "Dimension out of range (expected to be in range of [{}, {}], but got {})",
            -n,
            n - 1,
            dim
        )));
    }
    Ok(if dim < 0 {
        (dim + n) as usize
    } else {
        dim as usize
    })
}

/// Shape of `a` and `b` broadcast together (NumPy/PyTorch rules).
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Dims> {
    let n = a.len().max(b.len());
    let mut out: Dims = SmallVec::from_elem(0, n);
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(Error::Runtime(format!(
                "The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension {}",
                da, db, i
            )));
        };
    }
    Ok(out)
}

impl Layout {
    pub fn contiguous(shape: &[usize]) -> Layout {
        Layout {
            shape: shape.into(),
            strides: contiguous_strides(shape),
            offset: 0,
        }
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub fn numel(&self) -> usize {
        numel(&self.shape)
    }

    /// PyTorch's definition: strides match the row-major ones, ignoring dims of size 1.
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1isize;
        for i in (0..self.shape.len()).rev() {
            if self.shape[i] == 1 {
                continue;
            }
            if self.strides[i] != expected {
                return self.numel() == 0;
            }
            expected *= self.shape[i] as isize;
        }
        true
    }

    /// Range of storage elements this layout can touch: (lowest, one past highest).
    pub fn storage_span(&self) -> (isize, isize) {
        if self.numel() == 0 {
            return (self.offset as isize, self.offset as isize);
        }
        let mut lo = self.offset as isize;
        let mut hi = self.offset as isize;
        for (&s, &st) in self.shape.iter().zip(&self.strides) {
            let ext = (s as isize - 1) * st;
            if ext < 0 {
                lo += ext;
            } else {
                hi += ext;
            }
        }
        (lo, hi + 1)
    }

    /// View with `shape`, broadcasting this layout (new leading dims, size-1 dims stretched).
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Layout> {
        if shape.len() < self.ndim() {
            return Err(Error::Runtime(format!(
                "The expanded size of the tensor ({}) must match the existing size ({}) at non-singleton dimension 0.  Target sizes: {:?}.  Tensor sizes: {:?}",
                shape.len(),
                self.ndim(),
                shape,
                self.shape.as_slice()
            )));
        }
        let lead = shape.len() - self.ndim();
        let mut strides: Strides = SmallVec::from_elem(0, shape.len());
        for i in 0..shape.len() {
            if i < lead {
                continue;
            }
            let (s, st) = (self.shape[i - lead], self.strides[i - lead]);
            if s == shape[i] {
                strides[i] = st;
            } else if s == 1 {
                strides[i] = 0;
            } else {
                return Err(Error::Runtime(format!(
                    "The expanded size of the tensor ({}) must match the existing size ({}) at non-singleton dimension {}.  Target sizes: {:?}.  Tensor sizes: {:?}",
                    shape[i],
                    s,
                    i,
                    shape,
                    self.shape.as_slice()
                )));
            }
        }
        Ok(Layout {
            shape: shape.into(),
            strides,
            offset: self.offset,
        })
    }

    pub fn transpose(&self, d0: usize, d1: usize) -> Layout {
        let mut l = self.clone();
        l.shape.swap(d0, d1);
        l.strides.swap(d0, d1);
        l
    }

    pub fn permute(&self, dims: &[usize]) -> Layout {
        Layout {
            shape: dims.iter().map(|&d| self.shape[d]).collect(),
            strides: dims.iter().map(|&d| self.strides[d]).collect(),
            offset: self.offset,
        }
    }

    /// `narrow(dim, start, len)`: assumes the caller validated the range.
    pub fn narrow(&self, dim: usize, start: usize, len: usize) -> Layout {
        let mut l = self.clone();
        l.offset = (l.offset as isize + start as isize * l.strides[dim]) as usize;
        l.shape[dim] = len;
        l
    }

    /// Strided slice along `dim`: `start, start+step, ...` (`len` elements), step > 0.
    pub fn slice(&self, dim: usize, start: usize, len: usize, step: usize) -> Layout {
        let mut l = self.narrow(dim, start, len);
        l.strides[dim] *= step as isize;
        l
    }

    pub fn select(&self, dim: usize, index: usize) -> Layout {
        let mut l = self.narrow(dim, index, 1);
        l.shape.remove(dim);
        l.strides.remove(dim);
        l
    }

    pub fn unsqueeze(&self, dim: usize) -> Layout {
        let mut l = self.clone();
        let st = if dim < self.ndim() {
            self.strides[dim] * self.shape[dim] as isize
        } else {
            1
        };
        l.shape.insert(dim, 1);
        l.strides.insert(dim, st);
        l
    }

    /// Strides for viewing this layout with `shape` without copying, if possible
    /// (PyTorch's `computeStride`: each run of merged old dims must be contiguous).
    pub fn view_strides(&self, shape: &[usize]) -> Option<Strides> {
        if self.ndim() == 0 {
            // A 0-d tensor views as any shape of one element (all strides 1, as PyTorch).
            return Some(SmallVec::from_elem(1, shape.len()));
        }
        let old_numel = self.numel();
        if old_numel == 0 {
            if self.shape.as_slice() == shape {
                return Some(self.strides.clone());
            }
            return Some(contiguous_strides(shape));
        }
        let mut new_strides: Strides = SmallVec::from_elem(0, shape.len());
        let mut view_d = shape.len() as isize - 1;
        let mut chunk_base_stride = *self.strides.last().unwrap_or(&1);
        let mut tensor_numel = 1usize;
        let mut view_numel = 1usize;
        for tensor_d in (0..self.ndim()).rev() {
            tensor_numel *= self.shape[tensor_d];
            if tensor_d == 0
                || (self.shape[tensor_d - 1] != 1
                    && self.strides[tensor_d - 1] != (tensor_numel as isize) * chunk_base_stride)
            {
                while view_d >= 0 && (view_numel < tensor_numel || shape[view_d as usize] == 1) {
                    new_strides[view_d as usize] = view_numel as isize * chunk_base_stride;
                    view_numel *= shape[view_d as usize];
                    view_d -= 1;
                }
                if view_numel != tensor_numel {
                    return None;
                }
                if tensor_d > 0 {
                    chunk_base_stride = self.strides[tensor_d - 1];
                    tensor_numel = 1;
                    view_numel = 1;
                }
            }
        }
        if view_d != -1 {
            return None;
        }
        Some(new_strides)
    }
}

/// Resolves one `-1` in a requested shape, with PyTorch's error for a bad size.
pub fn infer_size(requested: &[i64], numel: usize) -> Result<Dims> {
    let mut infer = None;
    let mut known = 1usize;
    for (i, &s) in requested.iter().enumerate() {
        if s == -1 {
            if infer.is_some() {
                return Err(Error::Runtime("only one dimension can be inferred".into()));
            }
            infer = Some(i);
        } else if s < 0 {
            return Err(Error::Runtime(format!("invalid shape dimension {}", s)));
        } else {
            // An overflowing product can never match a real element count.
            known = known.saturating_mul(s as usize);
        }
    }
    let shape_str = format!(
        "[{}]",
        requested
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut out: Dims = requested.iter().map(|&s| s.max(0) as usize).collect();
    match infer {
        Some(_) if known == 0 && numel == 0 => {
            return Err(Error::Runtime(format!(
                "cannot reshape tensor of 0 elements into shape {} because the unspecified dimension size -1 can be any value and is ambiguous",
                shape_str
            )));
        }
        Some(i) => {
            if known == 0 || !numel.is_multiple_of(known) {
                return Err(Error::Runtime(format!(
                    "shape '{}' is invalid for input of size {}",
                    shape_str, numel
                )));
            }
            out[i] = numel / known;
        }
        None => {
            if known != numel {
                return Err(Error::Runtime(format!(
                    "shape '{}' is invalid for input of size {}",
                    shape_str, numel
                )));
            }
        }
    }
    Ok(out)
}

/// Merges adjacent dims that several operands can walk as one (the strided iterator's
/// coalescing); drops size-1 dims. Returns the merged shape and per-operand strides.
pub fn coalesce<const N: usize>(shape: &[usize], strides: [&[isize]; N]) -> (Dims, [Strides; N]) {
    let mut out_shape: Dims = SmallVec::new();
    let mut out_strides: [Strides; N] = std::array::from_fn(|_| SmallVec::new());
    for d in 0..shape.len() {
        let s = shape[d];
        if s == 1 {
            continue;
        }
        if let Some(&last) = out_shape.last() {
            let k = out_shape.len() - 1;
            let mergeable = (0..N).all(|o| out_strides[o][k] == strides[o][d] * s as isize);
            if mergeable {
                out_shape[k] = last * s;
                for o in 0..N {
                    out_strides[o][k] = strides[o][d];
                }
                continue;
            }
        }
        out_shape.push(s);
        for o in 0..N {
            out_strides[o].push(strides[o][d]);
        }
    }
    (out_shape, out_strides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_and_contiguity() {
        let l = Layout::contiguous(&[2, 3, 4]);
        assert_eq!(l.strides.as_slice(), &[12, 4, 1]);
        assert!(l.is_contiguous());
        assert!(!l.transpose(0, 2).is_contiguous());
    }

    #[test]
    fn broadcasting() {
        assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap().as_slice(), &[3, 4]);
        assert!(broadcast_shapes(&[3], &[4]).is_err());
        let b = Layout::contiguous(&[3, 1])
            .broadcast_to(&[2, 3, 4])
            .unwrap();
        assert_eq!(b.strides.as_slice(), &[0, 1, 0]);
    }

    #[test]
    fn view_of_transpose_fails_where_pytorch_fails() {
        let t = Layout::contiguous(&[2, 3]).transpose(0, 1);
        assert!(t.view_strides(&[6]).is_none());
        assert_eq!(t.view_strides(&[3, 2, 1]).unwrap().as_slice(), &[1, 3, 3]);
        let c = Layout::contiguous(&[4, 6]);
        assert_eq!(c.view_strides(&[2, 2, 6]).unwrap().as_slice(), &[12, 6, 1]);
    }

    #[test]
    fn infer_minus_one() {
        assert_eq!(infer_size(&[-1, 4], 12).unwrap().as_slice(), &[3, 4]);
        assert!(infer_size(&[-1, 5], 12).is_err());
        assert!(infer_size(&[-1, -1], 12).is_err());
    }

    #[test]
    fn coalescing_merges_contiguous_runs() {
        let l = Layout::contiguous(&[2, 3, 4]);
        let (s, st) = coalesce(&l.shape, [&l.strides[..]]);
        assert_eq!(s.as_slice(), &[24]);
        assert_eq!(st[0].as_slice(), &[1]);
        let t = l.transpose(0, 2);
        let (s, _) = coalesce(&t.shape, [&t.strides[..]]);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn wrap_dim_errors() {
        assert_eq!(wrap_dim(-1, 3).unwrap(), 2);
        assert!(wrap_dim(3, 3).is_err());
        assert_eq!(wrap_dim(0, 0).unwrap(), 0);
        assert_eq!(wrap_dim(-1, 0).unwrap(), 0);
        assert!(wrap_dim(1, 0).is_err());
        assert!(wrap_dim(-4, 3).is_err());
        assert!(wrap_dim(i64::MIN, 3).is_err());
    }

    fn layout(shape: &[usize], strides: &[isize], offset: usize) -> Layout {
        Layout {
            shape: shape.into(),
            strides: strides.into(),
            offset,
        }
    }

    #[test]
    fn view_strides_of_0d_and_empty_tensors() {
        // A 0-d tensor views as any one-element shape, all strides 1 (PyTorch's computeStride).
        let s = Layout::contiguous(&[]);
        assert_eq!(s.view_strides(&[1, 1]).unwrap().as_slice(), &[1, 1]);
        assert_eq!(s.view_strides(&[]).unwrap().as_slice(), &[] as &[isize]);
        // Empty: the same shape keeps its strides, another shape gets contiguous ones.
        let e = Layout::contiguous(&[0, 3]).transpose(0, 1);
        assert_eq!(e.view_strides(&[3, 0]).unwrap().as_slice(), &[1, 3]);
        assert_eq!(e.view_strides(&[0, 3]).unwrap().as_slice(), &[3, 1]);
        assert_eq!(e.view_strides(&[2, 0, 5]).unwrap().as_slice(), &[5, 5, 1]);
    }

    #[test]
    fn view_strides_size_one_dims_steps_and_broadcasts() {
        // A size-1 dim with an arbitrary stride does not break a contiguous run.
        let l = layout(&[2, 1, 3], &[3, 99, 1], 0);
        assert_eq!(l.view_strides(&[6]).unwrap().as_slice(), &[1]);
        assert_eq!(l.view_strides(&[3, 2]).unwrap().as_slice(), &[2, 1]);
        // A stepped slice (strides (4, 2)) is one run of stride 2 ...
        let st = layout(&[3, 2], &[4, 2], 0);
        assert_eq!(st.view_strides(&[6]).unwrap().as_slice(), &[2]);
        assert_eq!(st.view_strides(&[2, 3]).unwrap().as_slice(), &[6, 2]);
        // ... a narrowed one (strides (4, 1), 2 of 4 columns) is not.
        let nr = layout(&[3, 2], &[4, 1], 1);
        assert!(nr.view_strides(&[6]).is_none());
        assert_eq!(nr.view_strides(&[3, 2, 1]).unwrap().as_slice(), &[4, 1, 1]);
        // Broadcast (stride 0) dims can be split but not merged with a real dim.
        let b = layout(&[3, 4], &[1, 0], 0);
        assert!(b.view_strides(&[12]).is_none());
        assert_eq!(b.view_strides(&[3, 2, 2]).unwrap().as_slice(), &[1, 0, 0]);
        // Splitting the non-contiguous dim of a transpose keeps its stride.
        let t = Layout::contiguous(&[3, 4]).transpose(0, 1);
        assert_eq!(t.view_strides(&[2, 2, 3]).unwrap().as_slice(), &[2, 1, 4]);
        assert_eq!(t.view_strides(&[4, 3]).unwrap().as_slice(), &[1, 4]);
        assert!(t.view_strides(&[12]).is_none());
        assert!(t.view_strides(&[2, 6]).is_none());
    }

    #[test]
    fn broadcast_to_edge_cases() {
        let s = Layout::contiguous(&[]);
        assert_eq!(s.broadcast_to(&[2, 3]).unwrap().strides.as_slice(), &[0, 0]);
        // Size 1 to size 0 is allowed (stride 0); a real size to 0 is not.
        assert_eq!(
            Layout::contiguous(&[1])
                .broadcast_to(&[0])
                .unwrap()
                .strides
                .as_slice(),
            &[0]
        );
        assert!(Layout::contiguous(&[2]).broadcast_to(&[0]).is_err());
        // Same shape keeps non-contiguous strides and the offset.
        let t = layout(&[2, 3], &[1, 2], 5);
        let b = t.broadcast_to(&[4, 2, 3]).unwrap();
        assert_eq!(b.strides.as_slice(), &[0, 1, 2]);
        assert_eq!(b.offset, 5);
        // Fewer target dims, and a mismatch, are PyTorch's errors.
        assert!(Layout::contiguous(&[2, 3]).broadcast_to(&[3]).is_err());
        let err = Layout::contiguous(&[3, 1])
            .broadcast_to(&[4, 2])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 0.  Target sizes: [4, 2].  Tensor sizes: [3, 1]"
        );
    }

    #[test]
    fn infer_size_errors_and_overflow() {
        assert_eq!(infer_size(&[], 1).unwrap().as_slice(), &[] as &[usize]);
        assert!(infer_size(&[], 2).is_err());
        assert_eq!(
            infer_size(&[0, -1], 0)
                .map_err(|e| e.to_string())
                .unwrap_err(),
            "cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified dimension size -1 can be any value and is ambiguous"
        );
        assert_eq!(
            infer_size(&[-1, 0], 6)
                .map_err(|e| e.to_string())
                .unwrap_err(),
            "shape '[-1, 0]' is invalid for input of size 6"
        );
        assert_eq!(
            infer_size(&[2, -1, 0], 0)
                .map_err(|e| e.to_string())
                .unwrap_err(),
            "cannot reshape tensor of 0 elements into shape [2, -1, 0] because the unspecified dimension size -1 can be any value and is ambiguous"
        );
        assert_eq!(infer_size(&[3, -1, 2], 0).unwrap().as_slice(), &[3, 0, 2]);
        assert!(infer_size(&[-2, 3], 6).is_err());
        // Products that overflow never match a real element count.
        assert!(infer_size(&[1 << 62, 1 << 62], 0).is_err());
        assert!(infer_size(&[1 << 62, 4, -1], 16).is_err());
    }

    #[test]
    fn coalesce_edge_cases() {
        // Size-1 dims are dropped; all of them leaves a 0-d walk.
        let (s, st) = coalesce(&[1, 1], [&[5, 7][..]]);
        assert!(s.is_empty() && st[0].is_empty());
        // A broadcast operand merges only where it is stride 0 in both dims.
        let (s, st) = coalesce(&[2, 3], [&[3, 1][..], &[0, 0][..]]);
        assert_eq!(s.as_slice(), &[6]);
        assert_eq!((st[0].as_slice(), st[1].as_slice()), (&[1][..], &[0][..]));
        let (s, _) = coalesce(&[2, 3], [&[3, 1][..], &[1, 0][..]]);
        assert_eq!(s.as_slice(), &[2, 3]);
        // Negative strides (a flip) merge like positive ones.
        let (s, st) = coalesce(&[2, 3], [&[-3, -1][..]]);
        assert_eq!((s.as_slice(), st[0].as_slice()), (&[6][..], &[-1][..]));
        // A stepped inner dim merges with its outer dim when the outer stride matches.
        let (s, st) = coalesce(&[4, 3], [&[6, 2][..]]);
        assert_eq!((s.as_slice(), st[0].as_slice()), (&[12][..], &[2][..]));
        // Zero-size dims keep the element count at zero.
        let (s, _) = coalesce(&[2, 0, 3], [&[0, 3, 1][..]]);
        assert_eq!(s.iter().product::<usize>(), 0);
    }
}
