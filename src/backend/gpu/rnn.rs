//! Launching the recurrent gate kernels of `shaders/rnn.wgsl` (NOTE [native recurrent layer] in
//! `ops/rnn.rs`). Each `//// name` section of the file is one pipeline (the prelude before the
//! first section, then the section); operands are contiguous float32 views whose element
//! offsets go in the meta words, so a step's rows are read and written in place.

use super::{buffer, gpu};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

const RNN: &str = include_str!("../../../shaders/rnn.wgsl");
const MATH: &str = include_str!("../../../shaders/math.wgsl");

/// The gate kernels, as named by the file's sections.
pub const KERNELS: [&str; 6] = [
    "lstm_fwd", "lstm_bwd", "gru_fwd", "gru_bwd", "rnn_fwd", "rnn_bwd",
];

/// The WGSL of one kernel (`name` one of [`KERNELS`]).
pub fn source(name: &str) -> String {
    let mut parts = RNN.split("\n//// ");
    let prelude = parts.next().unwrap_or_default();
    let body = parts
        .find_map(|p| {
            let (head, rest) = p.split_once('\n')?;
            (head.trim() == name).then_some(rest)
        })
        .unwrap_or_default();
    format!("{prelude}\n{body}").replace("{{HELPERS}}", MATH)
}

/// `(pipeline key, source)` of every kernel, for the shader inventory.
pub fn variants() -> Vec<(String, String)> {
    KERNELS
        .iter()
        .map(|k| (format!("rnn:{k}"), source(k)))
        .collect()
}

fn word(n: usize) -> Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&v| v < (1 << 30))
        .ok_or_else(|| {
            Error::Runtime("recurrent layer: GPU kernels take at most 2^30 elements".into())
        })
}

/// Runs kernel `name` over `b` rows of `h` units; `bufs` are bound in order from binding 1,
/// each at its view's offset.
pub fn launch(name: &'static str, h: usize, b: usize, flag: u32, bufs: &[&Tensor]) -> Result<()> {
    let n = word(h * b)?;
    if n == 0 {
        return Ok(());
    }
    let mut meta = vec![word(h)?, word(b)?, flag];
    for t in bufs {
        debug_assert!(t.is_contiguous() && t.is_gpu());
        meta.push(word(t.layout().offset)?);
    }
    let g = gpu()?;
    let key = format!("rnn:{name}");
    let p = g.pipeline(&key, || source(name))?;
    let args: Vec<_> = bufs.iter().map(|t| buffer(t)).collect();
    g.dispatch(&p, &meta, &args, n.div_ceil(256))
}
