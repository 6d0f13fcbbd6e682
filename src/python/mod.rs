//! PyO3 bindings: the `rtensor._C` extension module.

mod attention;
mod autograd;
mod complex;
mod conv;
mod convert;
mod error;
mod functions;
mod gpu;
mod linalg;
mod nn;
mod norm;
mod optim;
mod pool;
mod random;
mod resample;
mod rnn;
mod scatter_reduce;
mod special;
mod tensor;
// LAPACK-convention factorizations
mod linalg_factor;
// the general eigendecomposition
mod linalg_eig;

use pyo3::prelude::*;

#[pymodule]
#[pyo3(name = "_C")]
fn c_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // faer is sequential unless handed our pool (see `backend::cpu::threads::set_num_threads`).
    faer::set_global_parallelism(faer::Par::Seq);
    m.add_class::<tensor::PyTensor>()?;
    m.add_class::<convert::PyDType>()?;
    for d in crate::dtype::DType::ALL {
        m.add(d.name(), convert::PyDType { d })?;
    }
    functions::register(m)?;
    random::register(m)?;
    autograd::register(m)?;
    optim::register(m)?;
    nn::register(m)?;
    norm::register(m)?;
    conv::register(m)?;
    pool::register(m)?;
    resample::register(m)?;
    gpu::register(m)?;
    attention::register(m)?;
    rnn::register(m)?;
    linalg::register(m)?;
    complex::register(m)?;
    linalg_factor::register(m)?;
    scatter_reduce::register(m)?;
    special::register(m)?;
    linalg_eig::register(m)?;
    Ok(())
}
