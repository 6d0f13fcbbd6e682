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
}

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

    pub fn ptr(&self) -> *mut u8 {
        self.0.ptr.as_ptr()
    }

    pub fn nbytes(&self) -> usize {
        self.0.nbytes
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
