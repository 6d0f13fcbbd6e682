//! The GPU paths of ops whose CPU path is one fused kernel (softmax, nll_loss, embedding, CTC,
//! var/norm/logsumexp, multinomial): compositions of the GPU kernels in `backend::gpu` and of
//! other ops. The op entries check arguments and resolve dtypes before routing here.

pub mod nn;
pub mod random;
pub mod reduce;
