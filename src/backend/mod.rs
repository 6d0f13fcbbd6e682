//! Kernel backends. Only the CPU exists so far; the GPU backend (wgpu) slots in beside it.
pub mod cpu;
