//! The hyperparameters of the fused optimizer steps.

/// Hyperparameters of one step (Python floats, as PyTorch receives them).
#[derive(Clone, Copy, Debug, Default)]
pub struct Hyper {
    pub lr: f64,
    pub weight_decay: f64,
    pub maximize: bool,
    pub step: f64,
    // SGD / RMSprop
    pub momentum: f64,
    pub dampening: f64,
    pub nesterov: bool,
    // Adam family
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub amsgrad: bool,
    pub decoupled: bool,
    // RMSprop / Adadelta / Adagrad / NAdam / ASGD / Rprop extras
    pub alpha: f64,
    pub centered: bool,
    pub rho: f64,
    pub lr_decay: f64,
    pub momentum_decay: f64,
    pub mu_product: f64,
    pub lambd: f64,
    pub eta: f64,
    pub mu: f64,
    pub etaminus: f64,
    pub etaplus: f64,
    pub step_min: f64,
    pub step_max: f64,
    pub first: bool,
}
