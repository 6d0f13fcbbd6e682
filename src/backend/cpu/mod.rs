//! CPU kernels: the strided iterator, the thread pool, vectorised float32 math and the
//! float32 GEMM (other dtypes use the `gemm` crate).
pub mod attention;
pub mod elementwise;
pub mod iter;
pub mod math;
pub mod threads;
pub mod vecmath;
