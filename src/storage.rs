//! Reference-counted element buffers. A storage is either memory rtensor allocated or memory
//! borrowed from another owner (a NumPy array), kept alive for as long as any view exists.

use std::any::Any;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

enum Owner {
    /// 8-byte aligned words: alignment enough for every dtype.
    Words(#[allow(dead_code)] Vec<u64>),
    External(#[allow(dead_code)] Box<dyn Any + Send + Sync>),
    /// A large buffer mapped directly (zeroed by the kernel, backed by huge pages).
    #[cfg(target_os = "linux")]
    Mapped(#[allow(dead_code)] Mapping),
    /// Device memory: a pooled wgpu buffer (returned to the pool on drop). There is no host
    /// pointer; `ptr()` must never be reached for it (see the GPU section of ARCHITECTURE.md).
    Gpu(crate::backend::gpu::GpuBuffer),
}

/// Buffers at least this large are mapped directly with transparent huge pages requested, as
/// NumPy does for its large arrays: a 40 MB output then takes 20 page faults instead of 10,000,
/// and the kernel's zero pages make the allocation itself free. Smaller ones come from malloc,
/// which reuses freed memory up to its 32 MB mapping threshold: a fresh mapping per 4 MB
/// product output (faulted, then unmapped with a cross-CPU TLB flush) measured 1024^2 float32
/// matmul at 105 GFLOP/s against 128 from reused heap memory.
#[cfg(target_os = "linux")]
const HUGE_MIN: usize = 32 << 20;
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

#[cfg(target_os = "linux")]
struct Mapping {
    base: *mut libc::c_void,
    len: usize,
}

#[cfg(target_os = "linux")]
impl Mapping {
    /// A zeroed anonymous mapping of at least `nbytes`, its start aligned to a huge page.
    fn new(nbytes: usize) -> Option<(Mapping, NonNull<u8>)> {
        let want = nbytes.checked_add(HUGE_PAGE - 1)? & !(HUGE_PAGE - 1);
        let len = want.checked_add(HUGE_PAGE)?;
        // SAFETY: a fresh private anonymous mapping; no existing memory is touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        let m = Mapping { base, len };
        let start = (base as usize + HUGE_PAGE - 1) & !(HUGE_PAGE - 1);
        // SAFETY: `start..start+want` lies inside the mapping; madvise is only a hint.
        unsafe {
            libc::madvise(start as *mut libc::c_void, want, libc::MADV_HUGEPAGE);
        }
        Some((m, NonNull::new(start as *mut u8)?))
    }
}

#[cfg(target_os = "linux")]
impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region `new` mapped, once.
        unsafe {
            libc::munmap(self.base, self.len);
        }
    }
}

// SAFETY: the mapping is plain memory owned by this value.
#[cfg(target_os = "linux")]
unsafe impl Send for Mapping {}
#[cfg(target_os = "linux")]
unsafe impl Sync for Mapping {}

struct StorageInner {
    ptr: NonNull<u8>,
    nbytes: usize,
    _owner: Owner,
    /// Bumped by every in-place write; autograd compares it with the value it saved.
    version: AtomicU64,
}

// SAFETY: the buffer is plain memory owned by `_owner`; concurrent access is coordinated by
// the caller as in PyTorch (ops write only to freshly allocated outputs or to in-place
// targets under the interpreter lock).
unsafe impl Send for StorageInner {}
unsafe impl Sync for StorageInner {}

#[derive(Clone)]
pub struct Storage(Arc<StorageInner>);

impl Storage {
    /// Zero-filled buffer of `nbytes` (calloc'd, so large buffers cost nothing until touched).
    pub fn zeroed(nbytes: usize) -> Storage {
        #[cfg(target_os = "linux")]
        if nbytes >= HUGE_MIN
            && let Some(s) = Storage::try_zeroed(nbytes)
        {
            return s;
        }
        let mut words = vec![0u64; nbytes.div_ceil(8).max(1)];
        let ptr = NonNull::new(words.as_mut_ptr() as *mut u8).expect("non-null vec");
        Storage(Arc::new(StorageInner {
            ptr,
            nbytes,
            _owner: Owner::Words(words),
            version: AtomicU64::new(0),
        }))
    }

    /// Like `zeroed`, but `None` when the allocator cannot provide the memory (instead of
    /// aborting the process), so factories can raise PyTorch's allocation error.
    pub fn try_zeroed(nbytes: usize) -> Option<Storage> {
        #[cfg(target_os = "linux")]
        if nbytes >= HUGE_MIN {
            let (m, ptr) = Mapping::new(nbytes)?;
            return Some(Storage(Arc::new(StorageInner {
                ptr,
                nbytes,
                _owner: Owner::Mapped(m),
                version: AtomicU64::new(0),
            })));
        }
        let n = nbytes.div_ceil(8).max(1);
        let layout = std::alloc::Layout::array::<u64>(n).ok()?;
        // SAFETY: `layout` has a non-zero size.
        let p = unsafe { std::alloc::alloc_zeroed(layout) } as *mut u64;
        let ptr = NonNull::new(p as *mut u8)?;
        // SAFETY: allocated by the global allocator with the layout of `n` u64s, all zeroed,
        // so it is a valid `Vec<u64>` of length and capacity `n`.
        let words = unsafe { Vec::from_raw_parts(p, n, n) };
        Some(Storage(Arc::new(StorageInner {
            ptr,
            nbytes,
            _owner: Owner::Words(words),
            version: AtomicU64::new(0),
        })))
    }

    /// Buffer holding a copy of `data`.
    pub fn from_slice<T: Copy>(data: &[T]) -> Storage {
        let nbytes = std::mem::size_of_val(data);
        let s = Storage::zeroed(nbytes);
        // SAFETY: fresh buffer of exactly nbytes, 8-byte aligned.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr() as *const u8, s.ptr(), nbytes);
        }
        s
    }

    /// Wraps memory owned by `owner`.
    ///
    /// # Safety
    /// `ptr..ptr+nbytes` must stay valid and suitably aligned while `owner` lives.
    pub unsafe fn from_external(
        ptr: *mut u8,
        nbytes: usize,
        owner: Box<dyn Any + Send + Sync>,
    ) -> Storage {
        let ptr = NonNull::new(ptr).unwrap_or(NonNull::dangling());
        Storage(Arc::new(StorageInner {
            ptr,
            nbytes,
            _owner: Owner::External(owner),
            version: AtomicU64::new(0),
        }))
    }

    /// Device memory as a storage. `nbytes` is the logical size (numel x the dtype's CPU size)
    /// so that layout checks agree across devices; the buffer holds 4-byte words.
    pub fn from_gpu(buf: crate::backend::gpu::GpuBuffer, nbytes: usize) -> Storage {
        Storage(Arc::new(StorageInner {
            ptr: NonNull::dangling(),
            nbytes,
            _owner: Owner::Gpu(buf),
            version: AtomicU64::new(0),
        }))
    }

    /// The device buffer of a GPU storage.
    pub fn gpu(&self) -> Option<&crate::backend::gpu::GpuBuffer> {
        match &self.0._owner {
            Owner::Gpu(b) => Some(b),
            _ => None,
        }
    }

    pub fn is_gpu(&self) -> bool {
        self.gpu().is_some()
    }

    /// Host address of the bytes. CPU kernels are the only callers; every op entry refuses GPU
    /// tensors before a CPU kernel runs (`backend::gpu::guard`), so reaching this with a GPU
    /// storage is a bug in rtensor, reported loudly instead of touching invalid memory.
    pub fn ptr(&self) -> *mut u8 {
        if let Owner::Gpu(_) = self.0._owner {
            gpu_host_access_bug();
        }
        self.0.ptr.as_ptr()
    }

    pub fn nbytes(&self) -> usize {
        self.0.nbytes
    }

    /// A number unique to this storage while it lives.
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// Whether this handle is the only one to a buffer rtensor allocated itself (not memory
    /// shared with NumPy or another owner): its tensor may then be adopted without a copy.
    pub fn is_exclusive(&self) -> bool {
        Arc::strong_count(&self.0) == 1
            && Arc::weak_count(&self.0) == 0
            && !matches!(self.0._owner, Owner::External(_))
    }

    pub fn same(&self, other: &Storage) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub fn version(&self) -> u64 {
        self.0.version.load(Ordering::Relaxed)
    }

    pub fn bump_version(&self) {
        self.0.version.fetch_add(1, Ordering::Relaxed);
    }
}

#[cold]
#[inline(never)]
fn gpu_host_access_bug() -> ! {
    panic!("internal error: a CPU kernel was handed a GPU tensor (missing device guard)")
}
