//! CPU kernels: the strided iterator, the thread pool and the GEMM bridge.
pub mod iter;
pub mod threads;
