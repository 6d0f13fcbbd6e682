//! The strided N-d iterator. Operands share one logical shape; each has its own strides (0 for
//! broadcast dims). Dims are coalesced first, then the kernel is handed contiguous "runs"
//! along the innermost dim: element offsets of each operand, the run length and the inner
//! strides, so it can special-case strides (1, 1), (1, 0) and (0, 1).

use super::threads::pool;
use crate::shape::{Dims, Strides, coalesce};
use smallvec::SmallVec;

/// Smallest number of elements worth handing to another thread (PyTorch's GRAIN_SIZE).
pub const GRAIN: usize = 32768;

struct Plan<const N: usize> {
    shape: Dims,
    strides: [Strides; N],
    numel: usize,
}

fn plan<const N: usize>(shape: &[usize], strides: [&[isize]; N]) -> Plan<N> {
    let numel = shape.iter().product();
    let (shape, strides) = coalesce(shape, strides);
    Plan {
        shape,
        strides,
        numel,
    }
}

/// Visits elements `start..end` (row-major order of the logical shape) as runs.
fn walk_range<const N: usize, F: FnMut([isize; N], usize, [isize; N])>(
    p: &Plan<N>,
    start: usize,
    end: usize,
    f: &mut F,
) {
    if start >= end {
        return;
    }
    let nd = p.shape.len();
    if nd == 0 {
        f([0; N], 1, [0; N]);
        return;
    }
    let inner = p.shape[nd - 1];
    let inner_st: [isize; N] = std::array::from_fn(|o| p.strides[o][nd - 1]);
    let mut idx: SmallVec<[usize; 6]> = SmallVec::from_elem(0, nd);
    let mut off = [0isize; N];
    let mut rem = start;
    for d in (0..nd).rev() {
        idx[d] = rem % p.shape[d];
        rem /= p.shape[d];
        for (o, off) in off.iter_mut().enumerate() {
            *off += idx[d] as isize * p.strides[o][d];
        }
    }
    let mut pos = start;
    while pos < end {
        let run = (inner - idx[nd - 1]).min(end - pos);
        f(off, run, inner_st);
        pos += run;
        idx[nd - 1] += run;
        for (off, st) in off.iter_mut().zip(inner_st) {
            *off += run as isize * st;
        }
        let mut d = nd - 1;
        while d > 0 && idx[d] == p.shape[d] {
            for (o, off) in off.iter_mut().enumerate() {
                *off += p.strides[o][d - 1] - p.shape[d] as isize * p.strides[o][d];
            }
            idx[d] = 0;
            idx[d - 1] += 1;
            d -= 1;
        }
    }
}

/// Runs `f` over all runs, in parallel chunks when the work is large enough.
pub fn par_runs<const N: usize, F>(shape: &[usize], strides: [&[isize]; N], f: F)
where
    F: Fn([isize; N], usize, [isize; N]) + Sync,
{
    let p = plan(shape, strides);
    let threads = if p.numel >= 2 * GRAIN {
        pool().current_num_threads()
    } else {
        1
    };
    if threads <= 1 {
        walk_range(&p, 0, p.numel, &mut |o, n, s| f(o, n, s));
        return;
    }
    let chunks = (p.numel / GRAIN).min(threads * 4).max(1);
    let per = p.numel.div_ceil(chunks);
    super::threads::run_tasks(chunks, threads - 1, &|c| {
        let start = c * per;
        let end = ((c + 1) * per).min(p.numel);
        walk_range(&p, start, end, &mut |o, n, s| f(o, n, s));
    });
}

/// Runs `f(start, len)` over the flat range `0..n` (contiguous operands): one call when the
/// work is small, else chunks shared out on the pool.
pub fn par_flat<F: Fn(usize, usize) + Sync>(n: usize, f: F) {
    let threads = if n >= 2 * GRAIN {
        pool().current_num_threads()
    } else {
        1
    };
    if threads <= 1 {
        if n > 0 {
            f(0, n);
        }
        return;
    }
    let chunks = (n / GRAIN).min(threads * 4).max(1);
    // Chunk starts on 64-element boundaries keep vector loads aligned alike.
    let per = n.div_ceil(chunks).next_multiple_of(64);
    super::threads::run_tasks(chunks, threads - 1, &|c| {
        let start = c * per;
        let end = ((c + 1) * per).min(n);
        if start < end {
            f(start, end - start);
        }
    });
}

/// Runs `f(lo, hi)` over the items `0..items` in ranges. Each item touches about `cost`
/// elements: under 2 * GRAIN elements in all (or with a one-thread pool) it is a single call on
/// this thread, since handing work to the pool costs more than such work; else chunks of at
/// least GRAIN elements are shared out on the pool.
pub fn par_ranges<F: Fn(usize, usize) + Sync>(items: usize, cost: usize, f: F) {
    if items == 0 {
        return;
    }
    let total = items.saturating_mul(cost.max(1));
    let threads = if total >= 2 * GRAIN {
        pool().current_num_threads()
    } else {
        1
    };
    if threads <= 1 {
        f(0, items);
        return;
    }
    let chunks = (total / GRAIN).min(threads * 4).min(items).max(1);
    let per = items.div_ceil(chunks);
    super::threads::run_tasks(chunks, threads - 1, &|c| {
        let (lo, hi) = (c * per, ((c + 1) * per).min(items));
        if lo < hi {
            f(lo, hi);
        }
    });
}

/// Sequential walk, for kernels that must visit elements in order.
pub fn seq_runs<const N: usize, F>(shape: &[usize], strides: [&[isize]; N], mut f: F)
where
    F: FnMut([isize; N], usize, [isize; N]),
{
    let p = plan(shape, strides);
    walk_range(&p, 0, p.numel, &mut f);
}

/// One operand: `f(offset, len, stride)`.
pub fn for_each_run<F: Fn(isize, usize, isize) + Sync>(shape: &[usize], strides: &[isize], f: F) {
    par_runs(shape, [strides], |o, n, s| f(o[0], n, s[0]));
}

/// Two operands: `f(offset_a, offset_b, len, stride_a, stride_b)`.
pub fn for_each_run2<F: Fn(isize, isize, usize, isize, isize) + Sync>(
    shape: &[usize],
    a: &[isize],
    b: &[isize],
    f: F,
) {
    par_runs(shape, [a, b], |o, n, s| f(o[0], o[1], n, s[0], s[1]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn walks_every_offset_once_in_order() {
        // a (3, 4) view transposed: offsets must come out in row-major order of the view.
        let shape = [4usize, 3];
        let strides = [1isize, 4];
        let mut seen = vec![];
        seq_runs(&shape, [&strides[..]], |o, n, s| {
            for k in 0..n as isize {
                seen.push(o[0] + k * s[0]);
            }
        });
        assert_eq!(seen, vec![0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    }

    #[test]
    fn parallel_chunks_cover_everything() {
        let shape = [300usize, 700];
        let strides = [700isize, 1];
        let total = Mutex::new(0usize);
        par_runs(&shape, [&strides[..]], |_, n, _| {
            *total.lock().unwrap() += n
        });
        assert_eq!(*total.lock().unwrap(), 300 * 700);
    }
}
