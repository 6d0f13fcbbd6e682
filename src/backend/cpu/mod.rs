//! CPU kernels: the strided iterator, the thread pool, vectorised float32 math and the
//! float32 GEMM (other dtypes use the `gemm` crate).
pub mod attention;
pub mod conv;
pub mod distance;
pub mod elementwise;
pub mod fft;
pub mod gemm;
pub mod grid_sample;
pub mod iter;
pub mod lapack;
pub mod math;
pub mod norm;
pub mod pool;
pub mod resample;
pub mod rnn;
pub mod scatter_reduce;
pub mod special;
pub mod threads;
pub mod transpose;
pub mod vecmath;
pub mod winograd;
// LAPACK-convention factorizations
pub mod lapack_factor;
// the Airy function Ai (torch.special.airy_ai)
pub mod airy;
// the general eigendecomposition (linalg.eig/eigvals)
pub mod lapack_eig;
