//! The rayon pool behind `set_num_threads`. Rayon's global pool cannot be resized, so rtensor
//! keeps its own and rebuilds it when the thread count changes.
//!
//! A pool that uses every CPU the process may run on pins worker i to the i-th of them. Rayon's
//! idle workers sleep within microseconds, and the reference VMs' scheduler then packs woken
//! threads onto one vCPU: measured on the 2-core machine, a 256^3 float32 product after a
//! quarter-second pause ran at 46 GFLOP/s unpinned (both workers on CPU 0) and 96 pinned.
//! BLAS libraries escape this by spinning for ~0.1 s after each call. Smaller pools are not
//! pinned, so processes that each take a few threads still spread over the machine.

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
    let n = n.max(1);
    let cpus = allowed_cpus();
    let pin = n > 1 && n == cpus.len();
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("rtensor-{i}"))
        .start_handler(move |i| {
            if pin {
                pin_current_thread(cpus[i]);
            }
        })
        .build()
        .expect("thread pool");
    *POOL.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(p));
}

pub fn get_num_threads() -> usize {
    pool().current_num_threads()
}

/// The CPUs this process may run on (empty where that cannot be asked).
#[cfg(target_os = "linux")]
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity writes at most its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Vec<usize> {
    Vec::new()
}

#[cfg(target_os = "linux")]
fn pin_current_thread(cpu: usize) {
    // SAFETY: as above; pinning is a hint the kernel may refuse, so the result is ignored.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

#[cfg(not(target_os = "linux"))]
fn pin_current_thread(_cpu: usize) {}
