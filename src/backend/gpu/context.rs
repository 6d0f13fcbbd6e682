//! The wgpu device singleton: adapter choice, the buffer pool, the pipeline cache and the one
//! open command encoder into which dispatches are batched.
//!
//! NOTE [batching]: each dispatch is recorded into the open encoder and its parameters (the
//! "meta" words: sizes, strides, offsets, scalars) are appended to a host array, one 256-byte
//! slot per dispatch, bound at that slot's offset of one device meta buffer. The batch is
//! submitted when a result is read back, on `synchronize()`, before an upload, or after
//! `RTENSOR_GPU_FLUSH_EVERY` dispatches (default 64); at submit the meta array is written with
//! one `queue.write_buffer`, which the queue orders before the batch's commands and after every
//! earlier batch, so one meta buffer serves every batch. Uploads flush first because
//! `write_buffer` would otherwise land before already-recorded commands that use a pooled
//! buffer's previous contents. `RTENSOR_GPU_SYNC=1` submits and waits after every dispatch and
//! checks for errors, to find the kernel at fault.

use super::alloc::{Pool, Stats, bucket};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// Bytes of meta words one dispatch may use (also the binding offset alignment on all
/// desktop drivers; a larger device alignment is honoured).
const META_SLOT: u64 = 256;
const MAX_SLOTS: usize = 1024;

pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub name: String,
    /// A CPU adapter (lavapipe): benches skip the large sizes there.
    pub software: bool,
    pub limits: wgpu::Limits,
    pool: Mutex<Pool<wgpu::Buffer>>,
    pipelines: Mutex<HashMap<String, Arc<wgpu::ComputePipeline>>>,
    batch: Mutex<Batch>,
    /// Errors wgpu reports outside an error scope (validation, device loss), raised at the
    /// next check instead of wgpu's default handler, which panics.
    errors: Arc<Mutex<Vec<String>>>,
    slot: u64,
    flush_every: usize,
    sync_each: bool,
    counts: Counts,
    /// The counters at the last `reset_stats` (what `op_stats` subtracts).
    base: Mutex<OpStats>,
}

/// Work counters since the device was created (dispatches and submissions live in `Batch`).
#[derive(Default)]
struct Counts {
    pipelines: AtomicU64,
    allocations: AtomicU64,
    buffers_created: AtomicU64,
    bytes_uploaded: AtomicU64,
    bytes_downloaded: AtomicU64,
}

/// What the device did since the last `reset_stats` (`rtensor.gpu.stats()`).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct OpStats {
    /// kernel dispatches recorded
    pub dispatches: u64,
    /// command buffers submitted to the queue
    pub submissions: u64,
    /// compute pipelines compiled (cache misses)
    pub pipeline_compilations: u64,
    /// buffers handed out by the pool (reused or new)
    pub buffer_allocations: u64,
    /// device buffers created (pool misses)
    pub buffers_created: u64,
    /// bytes written from the host
    pub bytes_uploaded: u64,
    /// bytes read back to the host
    pub bytes_downloaded: u64,
}

struct Batch {
    encoder: Option<wgpu::CommandEncoder>,
    meta: Vec<u8>,
    meta_buf: wgpu::Buffer,
    pending: usize,
    dispatches: u64,
    submits: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

static GPU: OnceLock<std::result::Result<Gpu, String>> = OnceLock::new();

/// The device, created on first use; the error says why there is none.
pub fn gpu() -> Result<&'static Gpu> {
    GPU.get_or_init(|| {
        // wgpu may panic in unusual driver setups; that must not cross into Python.
        std::panic::catch_unwind(init).unwrap_or_else(|_| Err("GPU initialisation panicked".into()))
    })
    .as_ref()
    .map_err(|e| Error::Runtime(e.clone()))
}

/// The device if one was already created (buffer drops must not create one).
pub fn gpu_if_created() -> Option<&'static Gpu> {
    GPU.get().and_then(|r| r.as_ref().ok())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn backends() -> std::result::Result<wgpu::Backends, String> {
    Ok(match env("RTENSOR_GPU_BACKEND").as_deref() {
        None => wgpu::Backends::PRIMARY,
        Some("vulkan") => wgpu::Backends::VULKAN,
        Some("metal") => wgpu::Backends::METAL,
        Some("dx12") => wgpu::Backends::DX12,
        Some("gl") => wgpu::Backends::GL,
        Some(other) => {
            return Err(format!(
                "RTENSOR_GPU_BACKEND must be one of vulkan, metal, dx12, gl; got '{}'",
                other
            ));
        }
    })
}

fn init() -> std::result::Result<Gpu, String> {
    let backends = backends()?;
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends;
    let instance = wgpu::Instance::new(desc);
    let allow_software = env("RTENSOR_ALLOW_SOFTWARE_GPU").as_deref() == Some("1");
    let rank = |t: wgpu::DeviceType| match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    let mut adapters: Vec<wgpu::Adapter> =
        pollster::block_on(instance.enumerate_adapters(backends))
            .into_iter()
            .filter(|a| allow_software || a.get_info().device_type != wgpu::DeviceType::Cpu)
            .collect();
    adapters.sort_by_key(|a| rank(a.get_info().device_type));
    let Some(adapter) = adapters.into_iter().next() else {
        return Err(format!(
            "no GPU adapter found (backends {:?}){}",
            backends,
            if allow_software {
                ""
            } else {
                "; set RTENSOR_ALLOW_SOFTWARE_GPU=1 to allow a software adapter such as lavapipe"
            }
        ));
    };
    let info = adapter.get_info();
    let limits = adapter.limits();
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("rtensor"),
        required_features: wgpu::Features::empty(),
        required_limits: limits.clone(),
        experimental_features: wgpu::ExperimentalFeatures::default(),
        memory_hints: wgpu::MemoryHints::Performance,
        trace: wgpu::Trace::Off,
    }))
    .map_err(|e| format!("could not open the GPU device {}: {}", info.name, e))?;
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = errors.clone();
    device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
        lock(&sink).push(describe(&e))
    }));
    let lost = errors.clone();
    device.set_device_lost_callback(move |_, msg| {
        lock(&lost).push(format!("GPU device lost: {}", msg))
    });
    let flush_every = env("RTENSOR_GPU_FLUSH_EVERY")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(64)
        .clamp(1, MAX_SLOTS);
    let slot = META_SLOT.max(limits.min_storage_buffer_offset_alignment as u64);
    let meta_buf = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("rtensor meta"),
        size: slot * flush_every as u64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    Ok(Gpu {
        device,
        queue,
        name: format!("{} ({:?})", info.name, info.backend),
        software: info.device_type == wgpu::DeviceType::Cpu,
        limits,
        pool: Mutex::default(),
        pipelines: Mutex::default(),
        batch: Mutex::new(Batch {
            encoder: None,
            meta: Vec::new(),
            meta_buf,
            pending: 0,
            dispatches: 0,
            submits: 0,
        }),
        errors,
        slot,
        flush_every,
        sync_each: env("RTENSOR_GPU_SYNC").as_deref() == Some("1"),
        counts: Counts::default(),
        base: Mutex::default(),
    })
}

/// One argument buffer of a dispatch, bound in order after the meta words.
pub type Arg<'a> = &'a wgpu::Buffer;

impl Gpu {
    /// Errors wgpu reported since the last check, as one RuntimeError.
    pub fn check_errors(&self) -> Result<()> {
        let mut e = lock(&self.errors);
        if e.is_empty() {
            return Ok(());
        }
        let msg = e.join("; ");
        e.clear();
        Err(Error::Runtime(format!("GPU error: {}", msg)))
    }

    pub fn stats(&self) -> Stats {
        lock(&self.pool).stats()
    }

    pub fn reset_peak(&self) {
        lock(&self.pool).reset_peak()
    }

    /// Releases the cached free buffers (`empty_cache`).
    pub fn empty_cache(&self) {
        // Submit first so no recorded command still waits on a buffer being released; wgpu
        // keeps in-flight buffers alive anyway, this only makes the release prompt. Submit,
        // not `flush`: `flush` would take (and this would drop) any captured GPU error, which
        // stays queued for the next checked call instead.
        self.submit(&mut lock(&self.batch));
        lock(&self.pool).empty_cache();
    }

    fn raw_stats(&self) -> OpStats {
        let (dispatches, submissions) = self.counters();
        let c = &self.counts;
        OpStats {
            dispatches,
            submissions,
            pipeline_compilations: c.pipelines.load(Ordering::Relaxed),
            buffer_allocations: c.allocations.load(Ordering::Relaxed),
            buffers_created: c.buffers_created.load(Ordering::Relaxed),
            bytes_uploaded: c.bytes_uploaded.load(Ordering::Relaxed),
            bytes_downloaded: c.bytes_downloaded.load(Ordering::Relaxed),
        }
    }

    /// The work counters since the last `reset_stats`.
    pub fn op_stats(&self) -> OpStats {
        let (r, b) = (self.raw_stats(), *lock(&self.base));
        OpStats {
            dispatches: r.dispatches - b.dispatches,
            submissions: r.submissions - b.submissions,
            pipeline_compilations: r.pipeline_compilations - b.pipeline_compilations,
            buffer_allocations: r.buffer_allocations - b.buffer_allocations,
            buffers_created: r.buffers_created - b.buffers_created,
            bytes_uploaded: r.bytes_uploaded - b.bytes_uploaded,
            bytes_downloaded: r.bytes_downloaded - b.bytes_downloaded,
        }
    }

    pub fn reset_stats(&self) {
        *lock(&self.base) = self.raw_stats();
    }

    /// (dispatches recorded, batches submitted) since start, for tests of the batching.
    pub fn counters(&self) -> (u64, u64) {
        let b = lock(&self.batch);
        (b.dispatches, b.submits)
    }

    /// A device buffer of at least `nbytes` from the pool. Its contents are unspecified.
    pub fn alloc(&self, nbytes: u64) -> Result<(wgpu::Buffer, u64)> {
        let max = self
            .limits
            .max_buffer_size
            .min(self.limits.max_storage_buffer_binding_size);
        if nbytes > max {
            return Err(Error::Runtime(format!(
                "GPU out of memory: tried to allocate {} bytes, more than the device's largest buffer ({} bytes)",
                nbytes, max
            )));
        }
        let mut size = bucket(nbytes);
        if size > max {
            size = nbytes.div_ceil(256) * 256;
        }
        self.counts.allocations.fetch_add(1, Ordering::Relaxed);
        if let Some(b) = lock(&self.pool).take(size) {
            return Ok((b, size));
        }
        for attempt in 0..2 {
            let scope = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
            let buf = self.device.create_buffer(&wgpu::BufferDescriptor {
                label: None,
                size,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            match pollster::block_on(scope.pop()) {
                None => {
                    self.counts.buffers_created.fetch_add(1, Ordering::Relaxed);
                    lock(&self.pool).created(size);
                    return Ok((buf, size));
                }
                Some(_) if attempt == 0 => self.empty_cache(),
                Some(_) => {}
            }
        }
        Err(Error::Runtime(format!(
            "GPU out of memory: tried to allocate {} bytes",
            size
        )))
    }

    /// Returns a buffer to the pool (called when its storage is dropped).
    pub fn release(&self, buf: wgpu::Buffer, size: u64) {
        lock(&self.pool).give(size, buf);
    }

    /// The pipeline for `key`, compiled from `source()` the first time it is asked for.
    pub fn pipeline(
        &self,
        key: &str,
        source: impl FnOnce() -> String,
    ) -> Result<Arc<wgpu::ComputePipeline>> {
        if let Some(p) = lock(&self.pipelines).get(key) {
            return Ok(p.clone());
        }
        let src = source();
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(key),
                source: wgpu::ShaderSource::Wgsl(src.into()),
            });
        let p = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(key),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(Error::Runtime(format!(
                "GPU kernel {} failed to compile: {}",
                key,
                describe(&e)
            )));
        }
        let p = Arc::new(p);
        self.counts.pipelines.fetch_add(1, Ordering::Relaxed);
        lock(&self.pipelines).insert(key.to_string(), p.clone());
        Ok(p)
    }

    /// Records one dispatch of `groups` workgroups (spread over x and y when above the
    /// per-dimension limit) with `meta` words at binding 0 and `args` at bindings 1...
    pub fn dispatch(
        &self,
        pipeline: &wgpu::ComputePipeline,
        meta: &[u32],
        args: &[Arg<'_>],
        groups: u32,
    ) -> Result<()> {
        if groups == 0 {
            return Ok(());
        }
        let meta_bytes: &[u8] = bytemuck::cast_slice(meta);
        if meta_bytes.len() as u64 > self.slot {
            return Err(Error::Runtime(
                "GPU kernel parameters exceed a meta slot".into(),
            ));
        }
        let mut b = lock(&self.batch);
        if b.pending >= self.flush_every {
            self.submit(&mut b);
        }
        let off = b.pending as u64 * self.slot;
        b.meta.resize(off as usize, 0);
        b.meta.extend_from_slice(meta_bytes);
        let layout = pipeline.get_bind_group_layout(0);
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: &b.meta_buf,
                offset: off,
                size: wgpu::BufferSize::new(self.slot),
            }),
        }];
        for (i, a) in args.iter().enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: i as u32 + 1,
                resource: a.as_entire_binding(),
            });
        }
        let group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &layout,
            entries: &entries,
        });
        let max = self.limits.max_compute_workgroups_per_dimension.max(1);
        let x = groups.min(max);
        let y = groups.div_ceil(x);
        let device = &self.device;
        let enc = b.encoder.get_or_insert_with(|| {
            device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None })
        });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: None,
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
        b.pending += 1;
        b.dispatches += 1;
        if self.sync_each {
            self.submit(&mut b);
            drop(b);
            self.wait()?;
        }
        self.check_errors()
    }

    /// Records a zero fill of `buf` (pooled buffers hold stale data).
    pub fn clear(&self, buf: &wgpu::Buffer) {
        let mut b = lock(&self.batch);
        let device = &self.device;
        let enc = b.encoder.get_or_insert_with(|| {
            device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None })
        });
        enc.clear_buffer(buf, 0, None);
    }

    fn submit(&self, b: &mut Batch) {
        let Some(enc) = b.encoder.take() else {
            return;
        };
        if !b.meta.is_empty() {
            b.meta.resize(b.meta.len().div_ceil(4) * 4, 0);
            self.queue.write_buffer(&b.meta_buf, 0, &b.meta);
        }
        self.queue.submit([enc.finish()]);
        b.meta.clear();
        b.pending = 0;
        b.submits += 1;
    }

    /// Submits the pending batch without waiting.
    pub fn flush(&self) -> Result<()> {
        self.submit(&mut lock(&self.batch));
        self.check_errors()
    }

    fn wait(&self) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Runtime(format!("GPU error while waiting: {}", e)))?;
        self.check_errors()
    }

    /// Submits the pending batch and waits until the device is idle (`synchronize()`).
    pub fn synchronize(&self) -> Result<()> {
        self.flush()?;
        self.wait()
    }

    /// Writes `data` (a multiple of 4 bytes) at the start of `buf`.
    pub fn write(&self, buf: &wgpu::Buffer, data: &[u8]) -> Result<()> {
        self.flush()?;
        if !data.is_empty() {
            self.queue.write_buffer(buf, 0, data);
            (self.counts.bytes_uploaded).fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        self.check_errors()
    }

    /// Copies `nbytes` from `offset` of `buf` to the host through a mapped staging buffer.
    pub fn read(&self, buf: &wgpu::Buffer, offset: u64, nbytes: u64) -> Result<Vec<u8>> {
        if nbytes == 0 {
            return Ok(Vec::new());
        }
        let size = nbytes.div_ceil(4) * 4;
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("rtensor readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        {
            let mut b = lock(&self.batch);
            let device = &self.device;
            let enc = b.encoder.get_or_insert_with(|| {
                device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None })
            });
            enc.copy_buffer_to_buffer(buf, offset, &staging, 0, size);
            self.submit(&mut b);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        staging.map_async(wgpu::MapMode::Read, .., move |r| {
            // The send fails only when `rx` is gone (this function returned early on an
            // error), and then nobody wants the result.
            let _ = tx.send(r);
        });
        self.wait()?;
        match rx.try_recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Error::Runtime(format!("GPU readback failed: {}", e))),
            Err(_) => return Err(Error::Runtime("GPU readback did not complete".into())),
        }
        let out = {
            let view = staging
                .get_mapped_range(..)
                .map_err(|e| Error::Runtime(format!("GPU readback failed: {}", e)))?;
            view[..nbytes as usize].to_vec()
        };
        staging.unmap();
        (self.counts.bytes_downloaded).fetch_add(nbytes, Ordering::Relaxed);
        Ok(out)
    }
}

/// An error with its chain of causes (wgpu's top-level text is only "Validation Error").
fn describe(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s += &format!(": {}", c);
        cur = c.source();
    }
    s
}
