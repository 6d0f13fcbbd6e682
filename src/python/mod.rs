//! PyO3 bindings: the `rtensor._C` extension module.

mod convert;
mod error;
mod functions;
mod tensor;

use pyo3::prelude::*;

#[pymodule]
#[allow(non_snake_case)]
fn _C(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<tensor::PyTensor>()?;
    m.add_class::<convert::PyDType>()?;
    for d in crate::dtype::DType::ALL {
        m.add(d.name(), convert::PyDType { d })?;
    }
    functions::register(m)?;
    Ok(())
}
