//! Caching allocator for device buffers: sizes are rounded up to power-of-two buckets, freed
//! buffers go back to their bucket's free list and are reused by the next request of that
//! bucket, and `empty_cache` drops the free lists. Creating a wgpu buffer costs a driver call
//! and (on Vulkan) a memory allocation, so training loops that allocate the same shapes every
//! step reuse buffers instead.
//!
//! The bookkeeping is generic over the buffer type so that it is unit-tested without a device.

use std::collections::HashMap;

/// Smallest bucket: wgpu wants sizes that are multiples of 4, and tiny tensors are common.
pub const MIN_BUCKET: u64 = 256;

/// The bucket (allocation size) serving a request of `nbytes`.
pub fn bucket(nbytes: u64) -> u64 {
    nbytes.max(MIN_BUCKET).next_power_of_two()
}

/// Byte counts in the sense of `torch.cuda.memory_allocated` (bytes held by live tensors,
/// in bucket sizes), `max_memory_allocated` and `memory_reserved` (live + cached).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub allocated: u64,
    pub peak: u64,
    pub cached: u64,
}

pub struct Pool<B> {
    free: HashMap<u64, Vec<B>>,
    stats: Stats,
}

impl<B> Default for Pool<B> {
    fn default() -> Self {
        Pool {
            free: HashMap::new(),
            stats: Stats::default(),
        }
    }
}

impl<B> Pool<B> {
    /// A cached buffer of `size` (a bucket), counted as allocated; `None` if the caller has to
    /// create one (and then report it with `created`).
    pub fn take(&mut self, size: u64) -> Option<B> {
        let b = self.free.get_mut(&size)?.pop()?;
        self.stats.cached -= size;
        self.count_alloc(size);
        Some(b)
    }

    /// Records a freshly created buffer of `size` as allocated.
    pub fn created(&mut self, size: u64) {
        self.count_alloc(size);
    }

    fn count_alloc(&mut self, size: u64) {
        self.stats.allocated += size;
        self.stats.peak = self.stats.peak.max(self.stats.allocated);
    }

    /// Returns a buffer of `size` to its free list.
    pub fn give(&mut self, size: u64, b: B) {
        self.stats.allocated -= size;
        self.stats.cached += size;
        self.free.entry(size).or_default().push(b);
    }

    /// Drops every cached buffer (they are released when the last command using them ends).
    pub fn empty_cache(&mut self) {
        self.free.clear();
        self.stats.cached = 0;
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    pub fn reset_peak(&mut self) {
        self.stats.peak = self.stats.allocated;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_powers_of_two_at_least_min() {
        assert_eq!(bucket(0), 256);
        assert_eq!(bucket(1), 256);
        assert_eq!(bucket(256), 256);
        assert_eq!(bucket(257), 512);
        assert_eq!(bucket(4096), 4096);
        assert_eq!(bucket(4097), 8192);
        assert_eq!(bucket((1 << 30) + 1), 1 << 31);
    }

    #[test]
    fn reuse_within_bucket_and_counts() {
        let mut p: Pool<u32> = Pool::default();
        assert!(p.take(512).is_none());
        p.created(512);
        assert_eq!(p.stats().allocated, 512);
        p.give(512, 7);
        assert_eq!(
            p.stats(),
            Stats {
                allocated: 0,
                peak: 512,
                cached: 512
            }
        );
        // Another bucket does not get it; the same bucket does.
        assert!(p.take(1024).is_none());
        assert_eq!(p.take(512), Some(7));
        assert_eq!(
            p.stats(),
            Stats {
                allocated: 512,
                peak: 512,
                cached: 0
            }
        );
        assert!(p.take(512).is_none());
    }

    #[test]
    fn peak_and_empty_cache() {
        let mut p: Pool<u32> = Pool::default();
        p.created(256);
        p.created(1024);
        p.give(1024, 1);
        p.give(256, 2);
        assert_eq!(p.stats().peak, 1280);
        assert_eq!(p.stats().cached, 1280);
        p.empty_cache();
        assert_eq!(
            p.stats(),
            Stats {
                allocated: 0,
                peak: 1280,
                cached: 0
            }
        );
        assert!(p.take(256).is_none());
        p.reset_peak();
        assert_eq!(p.stats().peak, 0);
    }
}
