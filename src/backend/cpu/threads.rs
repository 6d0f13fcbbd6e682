//! The rayon pool behind `set_num_threads`. Rayon's global pool cannot be resized, so rtensor
//! keeps its own and rebuilds it when the thread count changes.

use std::sync::{Arc, RwLock};

static POOL: RwLock<Option<Arc<rayon::ThreadPool>>> = RwLock::new(None);

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

pub fn pool() -> Arc<rayon::ThreadPool> {
    if let Some(p) = POOL.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return p.clone();
    }
    set_num_threads(default_threads());
    pool()
}

pub fn set_num_threads(n: usize) {
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(n.max(1))
        .build()
        .expect("thread pool");
    *POOL.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(p));
}

pub fn get_num_threads() -> usize {
    pool().current_num_threads()
}
