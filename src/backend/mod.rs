//! Kernel backends: the CPU (strided iterator, rayon, GEMM) and the GPU (wgpu + WGSL).
pub mod cpu;
pub mod gpu;
