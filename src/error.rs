//! Errors grouped by the Python exception class PyTorch raises for them; the binding layer
//! maps each variant to its class in one place (`python/error.rs`).

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Shape, dtype and state mismatches (`RuntimeError`).
    #[error("{0}")]
    Runtime(String),
    /// Index or dim out of range (`IndexError`).
    #[error("{0}")]
    Index(String),
    /// Wrong argument types or a dtype an op cannot take (`TypeError`).
    #[error("{0}")]
    Type(String),
    /// Bad argument values where PyTorch raises `ValueError`.
    #[error("{0}")]
    Value(String),
    /// An op this device or dtype cannot run (`NotImplementedError`).
    #[error("{0}")]
    NotImplemented(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand for the most common error kind.
pub fn runtime<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error::Runtime(msg.into()))
}
