//! Grad mode is thread-local, as in PyTorch: `no_grad` in one thread does not affect another.

use std::cell::Cell;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(true) };
    static INFERENCE: Cell<bool> = const { Cell::new(false) };
}

pub fn is_enabled() -> bool {
    ENABLED.with(|c| c.get())
}

pub fn set_enabled(on: bool) {
    ENABLED.with(|c| c.set(on));
}

pub fn is_inference() -> bool {
    INFERENCE.with(|c| c.get())
}

pub fn set_inference(on: bool) {
    INFERENCE.with(|c| c.set(on));
}

/// Restores the previous grad mode when dropped.
pub struct GradModeGuard(bool);

impl GradModeGuard {
    pub fn new(on: bool) -> Self {
        let prev = is_enabled();
        set_enabled(on);
        GradModeGuard(prev)
    }
}

impl Drop for GradModeGuard {
    fn drop(&mut self) {
        set_enabled(self.0);
    }
}
