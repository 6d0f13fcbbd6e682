//! The rayon pool behind `set_num_threads`. Rayon's global pool cannot be resized, so rtensor
//! keeps its own and rebuilds it when the thread count changes.
//!
//! A pool that uses every CPU the process may run on pins worker i to the i-th of them. Rayon's
//! idle workers sleep within microseconds, and the reference VMs' scheduler then packs woken
//! threads onto one vCPU: measured on the 2-core machine, a 256^3 float32 product after a
//! quarter-second pause ran at 46 GFLOP/s unpinned (both workers on CPU 0) and 96 pinned.
//! BLAS libraries escape this by spinning for ~0.1 s after each call. Smaller pools are not
//! pinned, so processes that each take a few threads still spread over the machine.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

static POOL: RwLock<Option<Arc<rayon::ThreadPool>>> = RwLock::new(None);

/// Whether the current pool pins one worker per CPU (see the module note).
static PINNED: AtomicBool = AtomicBool::new(false);

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
    // faer runs sequentially unless a caller hands it our pool (`lapack::eigh` on large
    // matrices): its own default would spread every small factorization over all threads.
    faer::set_global_parallelism(faer::Par::Seq);
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
    let mut slot = POOL.write().unwrap_or_else(|e| e.into_inner());
    PINNED.store(pin, Ordering::Relaxed);
    *slot = Some(Arc::new(p));
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

/// How long a worker that ran part of a [`run_tasks`] call keeps polling the pool for more
/// work before it may sleep. Products in a training step come tens of microseconds apart, and
/// waking a sleeping worker on the reference VMs takes about as long as the half product it
/// would compute (OpenMP runtimes spin after each region for the same reason).
const LINGER: std::time::Duration = std::time::Duration::from_micros(500);

/// Set while one worker lingers (at most one does, so that a core stays free for the caller).
static LINGERING: AtomicBool = AtomicBool::new(false);

/// The tasks of one [`run_tasks`] call, claimed one at a time by the caller and the helpers.
struct Tasks {
    count: usize,
    next: AtomicUsize,
    done: AtomicUsize,
    panicked: AtomicBool,
    /// The caller's closure with its lifetime erased: only called after claiming a task, and
    /// the caller outlives every claimed task (see [`WaitClaimed`]).
    f: *const (dyn Fn(usize) + Sync + 'static),
}

// SAFETY: the closure is `Sync` and outlives each use (see `Tasks::f`); the rest is atomics.
unsafe impl Send for Tasks {}
// SAFETY: as above.
unsafe impl Sync for Tasks {}

impl Tasks {
    /// Claims and runs tasks until none are left.
    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.count {
                return;
            }
            // SAFETY: a claimed task keeps the caller waiting, so the closure is alive.
            let f = unsafe { &*self.f };
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(i))).is_err() {
                self.panicked.store(true, Ordering::Relaxed);
            }
            self.done.fetch_add(1, Ordering::Release);
        }
    }
}

/// Waits (spinning: the caller has nothing else to do) until every claimed task has finished;
/// runs on unwinding too, so a panicking caller never frees what a helper still uses.
struct WaitClaimed<'a>(&'a Tasks);

impl Drop for WaitClaimed<'_> {
    fn drop(&mut self) {
        let t = self.0;
        let claimed = t.next.fetch_add(t.count, Ordering::Relaxed).min(t.count);
        let mut spins = 0u32;
        while t.done.load(Ordering::Acquire) < claimed {
            spins += 1;
            if spins < 1 << 16 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// Runs `f(0)`, ..., `f(tasks - 1)` on up to `helpers + 1` threads: the calling thread and
/// `helpers` pool workers, each claiming the next unclaimed task. The caller works instead of
/// waiting for a worker to wake and then for the pool to wake it back (`install`'s two
/// hand-overs), and a task no helper has claimed yet is run by the caller itself, so a slow
/// wake-up costs at most the spawn. A helper then lingers (see [`LINGER`]) so the next call
/// finds it awake. From inside the pool the tasks run as an ordinary parallel loop.
pub fn run_tasks(tasks: usize, helpers: usize, f: &(dyn Fn(usize) + Sync)) {
    let p = pool();
    if tasks <= 1 || helpers == 0 || p.current_thread_index().is_some() {
        use rayon::prelude::*;
        if tasks > 1 && helpers > 0 {
            p.install(|| (0..tasks).into_par_iter().for_each(f));
        } else {
            (0..tasks).for_each(f);
        }
        return;
    }
    // SAFETY: only the lifetime is erased; see `Tasks::f`.
    let erased: &'static (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(f) };
    let t = Arc::new(Tasks {
        count: tasks,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        panicked: AtomicBool::new(false),
        f: erased,
    });
    let caller_cpu = if PINNED.load(Ordering::Relaxed) {
        current_cpu()
    } else {
        None
    };
    if caller_cpu.is_some()
        && !LINGERING.load(Ordering::Relaxed)
        && helpers + 1 >= p.current_num_threads()
    {
        // No worker awake: wake them all, since rayon wakes the lowest-numbered sleeper first
        // and that may be the one beside the caller (which then declines).
        let t = t.clone();
        p.spawn_broadcast(move |_| {
            if current_cpu() != caller_cpu {
                t.work();
                linger();
            }
        });
    } else {
        spawn_helpers(&p, &t, helpers.min(tasks - 1), caller_cpu);
    }
    {
        let _wait = WaitClaimed(&t);
        t.work();
    }
    if t.panicked.load(Ordering::Relaxed) {
        panic!("a parallel task panicked");
    }
}

/// `n` helper jobs for [`run_tasks`].
fn spawn_helpers(p: &rayon::ThreadPool, t: &Arc<Tasks>, n: usize, caller_cpu: Option<usize>) {
    for _ in 0..n {
        let t = t.clone();
        p.spawn(move || {
            // A worker pinned to the caller's CPU could only take turns with it there: it
            // leaves the tasks to the caller and does not linger beside it.
            if caller_cpu.is_none() || current_cpu() != caller_cpu {
                t.work();
                drop(t);
                linger();
            }
        });
    }
}

/// The CPU this thread runs on, where the OS says.
#[cfg(target_os = "linux")]
fn current_cpu() -> Option<usize> {
    // SAFETY: no arguments; returns -1 on failure.
    let c = unsafe { libc::sched_getcpu() };
    usize::try_from(c).ok()
}

#[cfg(not(target_os = "linux"))]
fn current_cpu() -> Option<usize> {
    None
}

/// Keeps this worker polling the pool for [`LINGER`] after its last job (one worker at a time).
fn linger() {
    if LINGERING.swap(true, Ordering::Acquire) {
        return;
    }
    let mut last = std::time::Instant::now();
    loop {
        match rayon::yield_now() {
            Some(rayon::Yield::Executed) => last = std::time::Instant::now(),
            Some(rayon::Yield::Idle) => {
                for _ in 0..64 {
                    std::hint::spin_loop();
                }
                if last.elapsed() > LINGER {
                    break;
                }
            }
            None => break,
        }
    }
    LINGERING.store(false, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_tasks_runs_each_task_once_and_reports_panics() {
        set_num_threads(2);
        for tasks in [0usize, 1, 2, 3, 17, 1000] {
            let hits: Vec<AtomicUsize> = (0..tasks).map(|_| AtomicUsize::new(0)).collect();
            run_tasks(tasks, 1, &|i| {
                hits[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(
                hits.iter().all(|h| h.load(Ordering::Relaxed) == 1),
                "{tasks} tasks"
            );
        }
        // Nested inside the pool: an ordinary parallel loop.
        let total = AtomicUsize::new(0);
        pool().install(|| {
            run_tasks(8, 1, &|i| {
                total.fetch_add(i, Ordering::Relaxed);
            })
        });
        assert_eq!(total.load(Ordering::Relaxed), 28);
        let caught = std::panic::catch_unwind(|| {
            run_tasks(4, 1, &|i| {
                if i == 3 {
                    panic!("task 3");
                }
            })
        });
        assert!(caught.is_err());
    }
}
