//! Fused optimizer updates on the GPU (`_C._optim_step` for float32 GPU parameters): one
//! dispatch per parameter runs `shaders/optim.wgsl` with the algorithm's body, the same
//! arithmetic in the same order as the CPU kernels of `src/ops/optim.rs`.
//!
//! Hyperparameters are derived on the host in f64 exactly as the CPU code derives them (bias
//! corrections, step sizes, `1 - beta`) and rounded to f32, as the CPU code's `c::<f32>` does;
//! branches on them (`rho_t > 5`, `mu != 1`, weight decay on or off) are flags.
//!
//! Variants: one per algorithm and set of bound states. Optional states are a variant each
//! (SGD's momentum buffer, Adam's amsgrad maximum, RMSprop's centered and momentum buffers),
//! so every binding a shader declares is one it uses; `variants()` lists all 16.

use super::{buffer, gpu, same_device};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::spec::optim::Hyper;
use crate::tensor::Tensor;

const TEMPLATE: &str = include_str!("../../../shaders/optim.wgsl");

// Flag bits of meta word 1 (the constants of the same names in optim.wgsl).
const MAXIMIZE: u32 = 1;
const L2_DECAY: u32 = 2;
const DECOUPLED: u32 = 4;
const FIRST: u32 = 8;
const NESTEROV: u32 = 16;
const AVERAGE: u32 = 32;
const RECTIFY: u32 = 64;

/// Meta word of the weight decay; the algorithm's constants k1, k2, ... follow it.
const K0: usize = 8;

/// The algorithms of `src/ops/optim.rs`, by the names `_optim_step` takes.
pub const NAMES: [&str; 11] = [
    "sgd",
    "adam",
    "rmsprop",
    "adagrad",
    "adadelta",
    "adamax",
    "nadam",
    "radam",
    "rprop",
    "asgd",
    "sparse_adam",
];

/// The indices of the bound state slots, in binding order.
fn bound(states: [bool; 3]) -> impl Iterator<Item = usize> {
    (0..3).filter(move |&i| states[i])
}

/// One shader variant: an algorithm and which of its (up to three) state slots are bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Variant {
    name: &'static str,
    states: [bool; 3],
}

impl Variant {
    fn key(&self) -> String {
        let s: String = bound(self.states).map(|i| i.to_string()).collect();
        format!("optim:{}:s{}", self.name, s)
    }

    fn body(&self) -> String {
        let [_, s1, s2] = self.states;
        let b = match self.name {
            "sgd" if self.states[0] => "
    let d = grad_of(gr, pv);
    var b = s0[i0];
    if (flag(FIRST)) {
        b = d;
    } else {
        b = b * k(2u) + d * k(3u);
    }
    s0[i0] = b;
    var st = b;
    if (flag(NESTEROV)) {
        st = d + b * k(2u);
    }
    param[ip] = pv + st * -k(1u);"
                .to_string(),
            "sgd" => "
    param[ip] = pv + grad_of(gr, pv) * -k(1u);"
                .to_string(),
            "adam" => format!(
                "
    if (flag(DECOUPLED)) {{
        pv = pv * k(7u);
    }}
    let gi = grad_of(gr, pv);
    let m = lerp_w(s0[i0], gi, k(3u));
    s0[i0] = m;
    let v = s1[i1] * k(4u) + gi * gi * k(5u);
    s1[i1] = v;
    {}
    let denom = sqrt(second) / k(2u) + k(6u);
    param[ip] = pv + (m / denom) * -k(1u);",
                if s2 {
                    "let second = num_max(s2[i2], v);\n    s2[i2] = second;"
                } else {
                    "let second = v;"
                }
            ),
            "rmsprop" => format!(
                "
    let gi = grad_of(gr, pv);
    let sq = s0[i0] * k(2u) + gi * gi * k(3u);
    s0[i0] = sq;
    {}
    {}",
                if s1 {
                    "let ga = lerp_w(s1[i1], gi, k(3u));\n    s1[i1] = ga;\n    let avg = sqrt(sq - ga * ga) + k(4u);"
                } else {
                    "let avg = sqrt(sq) + k(4u);"
                },
                if s2 {
                    "let b = s2[i2] * k(5u) + gi / avg;\n    s2[i2] = b;\n    param[ip] = pv + b * -k(1u);"
                } else {
                    "param[ip] = pv + (gi / avg) * -k(1u);"
                }
            ),
            "adagrad" => "
    let gi = grad_of(gr, pv);
    let sm = s0[i0] + gi * gi;
    s0[i0] = sm;
    param[ip] = pv + (gi / (sqrt(sm) + k(2u))) * -k(1u);"
                .to_string(),
            "adadelta" => "
    let gi = grad_of(gr, pv);
    let sq = s0[i0] * k(1u) + gi * gi * k(2u);
    s0[i0] = sq;
    let sd = sqrt(sq + k(3u));
    let delta = sqrt(s1[i1] + k(3u)) / sd * gi;
    s1[i1] = s1[i1] * k(1u) + delta * delta * k(2u);
    param[ip] = pv + delta * -k(4u);"
                .to_string(),
            "adamax" => "
    let gi = grad_of(gr, pv);
    let m = lerp_w(s0[i0], gi, k(2u));
    s0[i0] = m;
    let u = num_max(s1[i1] * k(3u), abs(gi) + k(4u));
    s1[i1] = u;
    param[ip] = pv + (m / u) * -k(1u);"
                .to_string(),
            "nadam" => "
    if (flag(DECOUPLED)) {
        pv = pv * k(8u);
    }
    let gi = grad_of(gr, pv);
    let m = lerp_w(s0[i0], gi, k(4u));
    s0[i0] = m;
    let v = s1[i1] * k(5u) + gi * gi * k(6u);
    s1[i1] = v;
    let denom = sqrt(v / k(1u)) + k(7u);
    pv = pv + (gi / denom) * k(2u);
    param[ip] = pv + (m / denom) * k(3u);"
                .to_string(),
            "radam" => "
    if (flag(DECOUPLED)) {
        pv = pv * k(9u);
    }
    let gi = grad_of(gr, pv);
    let m = lerp_w(s0[i0], gi, k(1u));
    s0[i0] = m;
    let v = s1[i1] * k(2u) + gi * gi * k(3u);
    s1[i1] = v;
    let corrected = m / k(6u);
    if (flag(RECTIFY)) {
        let adaptive = k(7u) / (sqrt(v) + k(4u));
        param[ip] = pv - corrected * k(5u) * adaptive * k(8u);
    } else {
        param[ip] = pv - corrected * k(5u);
    }"
            .to_string(),
            "rprop" => "
    var gi = select(gr, -gr, flag(MAXIMIZE));
    let s = gi * s0[i0];
    var factor = 1.0;
    if (s > 0.0) {
        factor = k(2u);
    } else if (s < 0.0) {
        factor = k(1u);
    }
    let ss = num_min(num_max(s1[i1] * factor, k(3u)), k(4u));
    s1[i1] = ss;
    if (factor == k(1u)) {
        gi = 0.0;
    }
    var sgn = 0.0;
    if (gi > 0.0) {
        sgn = 1.0;
    } else if (gi < 0.0) {
        sgn = -1.0;
    }
    param[ip] = pv - sgn * ss;
    s0[i0] = gi;"
                .to_string(),
            "asgd" => "
    let gi = grad_of(gr, pv);
    pv = pv * k(1u);
    pv = pv + gi * -k(2u);
    param[ip] = pv;
    if (flag(AVERAGE)) {
        s0[i0] = s0[i0] + (pv - s0[i0]) * k(3u);
    } else {
        s0[i0] = pv;
    }"
            .to_string(),
            "sparse_adam" => "
    let gi = select(gr, -gr, flag(MAXIMIZE));
    if (gi == 0.0) {
        return;
    }
    let m = s0[i0] + (gi - s0[i0]) * k(2u);
    s0[i0] = m;
    let v = s1[i1] + (gi * gi - s1[i1]) * k(3u);
    s1[i1] = v;
    param[ip] = pv + (m / (sqrt(v) + k(4u))) * -k(1u);"
                .to_string(),
            other => unreachable!("no optimizer variant {}", other),
        };
        let mut idx = String::new();
        for i in bound(self.states) {
            idx += &format!("let i{} = prm[{}u] + i;\n    ", i, 4 + i);
        }
        idx + b.trim_start()
    }

    fn source(&self) -> String {
        // States follow the parameter (binding 1) and the gradient (binding 2).
        let mut bindings = String::new();
        for (j, i) in bound(self.states).enumerate() {
            bindings += &format!(
                "@group(0) @binding({}) var<storage, read_write> s{}: array<f32>;\n",
                3 + j,
                i
            );
        }
        TEMPLATE
            .replace("{{BINDINGS}}", &bindings)
            .replace("{{BODY}}", &self.body())
    }
}

/// Which state slots algorithm `name` reads and writes, given the states passed (for the
/// optional ones) and the hyperparameters; None for an unknown name.
fn slots(name: &str, given: &[bool; 3], h: &Hyper) -> Option<(&'static str, [bool; 3])> {
    let name = NAMES.iter().copied().find(|&n| n == name)?;
    let states = match name {
        "sgd" => [given[0], false, false],
        "adam" => [true, true, h.amsgrad],
        "rmsprop" => [true, given[1], given[2]],
        "adagrad" | "asgd" => [true, false, false],
        _ => [true, true, false],
    };
    Some((name, states))
}

/// Every shader variant `step` can dispatch, as (pipeline key, WGSL source).
pub fn variants() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in NAMES {
        let sets: &[[bool; 3]] = match name {
            "sgd" => &[[false, false, false], [true, false, false]],
            "adam" => &[[true, true, false], [true, true, true]],
            "rmsprop" => &[
                [true, false, false],
                [true, true, false],
                [true, false, true],
                [true, true, true],
            ],
            "adagrad" | "asgd" => &[[true, false, false]],
            _ => &[[true, true, false]],
        };
        for &states in sets {
            let v = Variant { name, states };
            out.push((v.key(), v.source()));
        }
    }
    out
}

/// f32 bits of a constant computed in f64 (the CPU kernels' `c::<f32>`: round to nearest).
fn bits(v: f64) -> u32 {
    (v as f32).to_bits()
}

/// The algorithm's constants k1, k2, ... and its extra flags, in f64 as the CPU code computes
/// them.
fn constants(name: &str, h: &Hyper) -> (Vec<f64>, u32) {
    let mut flags = 0;
    let k = match name {
        "sgd" => {
            if h.first {
                flags |= FIRST;
            }
            if h.nesterov {
                flags |= NESTEROV;
            }
            vec![h.lr, h.momentum, 1.0 - h.dampening]
        }
        "adam" => {
            let bc1 = 1.0 - h.beta1.powf(h.step);
            let bc2 = 1.0 - h.beta2.powf(h.step);
            vec![
                h.lr / bc1,
                bc2.sqrt(),
                1.0 - h.beta1,
                h.beta2,
                1.0 - h.beta2,
                h.eps,
                1.0 - h.lr * h.weight_decay,
            ]
        }
        "rmsprop" => vec![h.lr, h.alpha, 1.0 - h.alpha, h.eps, h.momentum],
        "adagrad" => vec![h.lr / (1.0 + (h.step - 1.0) * h.lr_decay), h.eps],
        "adadelta" => vec![h.rho, 1.0 - h.rho, h.eps, h.lr],
        "adamax" => vec![
            h.lr / (1.0 - h.beta1.powf(h.step)),
            1.0 - h.beta1,
            h.beta2,
            h.eps,
        ],
        "nadam" => {
            let bc2 = 1.0 - h.beta2.powf(h.step);
            let mu = h.beta1 * (1.0 - 0.5 * 0.96f64.powf(h.step * h.momentum_decay));
            let mu_next = h.beta1 * (1.0 - 0.5 * 0.96f64.powf((h.step + 1.0) * h.momentum_decay));
            vec![
                bc2,
                -h.lr * (1.0 - mu) / (1.0 - h.mu_product),
                -h.lr * mu_next / (1.0 - h.mu_product * mu_next),
                1.0 - h.beta1,
                h.beta2,
                1.0 - h.beta2,
                h.eps,
                1.0 - h.lr * h.weight_decay,
            ]
        }
        "radam" => {
            let bc1 = 1.0 - h.beta1.powf(h.step);
            let bc2 = 1.0 - h.beta2.powf(h.step);
            let rho_inf = 2.0 / (1.0 - h.beta2) - 1.0;
            let rho_t = rho_inf - 2.0 * h.step * h.beta2.powf(h.step) / bc2;
            let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                .sqrt();
            if rho_t > 5.0 {
                flags |= RECTIFY;
            }
            vec![
                1.0 - h.beta1,
                h.beta2,
                1.0 - h.beta2,
                h.eps,
                h.lr,
                bc1,
                bc2.sqrt(),
                rect,
                1.0 - h.lr * h.weight_decay,
            ]
        }
        "rprop" => vec![h.etaminus, h.etaplus, h.step_min, h.step_max],
        "asgd" => {
            if h.mu != 1.0 {
                flags |= AVERAGE;
            }
            vec![1.0 - h.lambd * h.eta, h.eta, h.mu]
        }
        "sparse_adam" => {
            let bc1 = 1.0 - h.beta1.powf(h.step);
            let bc2 = 1.0 - h.beta2.powf(h.step);
            vec![h.lr * bc2.sqrt() / bc1, 1.0 - h.beta1, 1.0 - h.beta2, h.eps]
        }
        other => unreachable!("no optimizer {}", other),
    };
    (k, flags)
}

/// Applies optimizer `name` to one float32 GPU parameter `p` with gradient `g` and its
/// `states` (in the order `_optim_step` takes them), all contiguous GPU tensors of `p`'s shape
/// (the caller checks shapes, contiguity and that no state aliases `p`).
pub fn step(
    name: &str,
    p: &Tensor,
    g: &Tensor,
    states: &[Option<Tensor>],
    h: &Hyper,
) -> Result<()> {
    let given = [0, 1, 2].map(|i| states.get(i).is_some_and(|s| s.is_some()));
    let (name, used) = slots(name, &given, h)
        .ok_or_else(|| Error::Value(format!("unknown optimizer {}", name)))?;
    let mut ts: Vec<&Tensor> = Vec::new();
    for i in bound(used) {
        match states.get(i).and_then(|s| s.as_ref()) {
            Some(t) => ts.push(t),
            None => return Err(Error::Value(format!("{}: missing state {}", name, i))),
        }
    }
    let mut all = vec![p, g];
    all.extend(ts.iter().copied());
    same_device(&all)?;
    for t in &all {
        if !t.is_gpu() {
            return Err(Error::Runtime(format!(
                "{}: the GPU update takes GPU tensors",
                name
            )));
        }
        if t.dtype() != DType::F32 {
            return Err(Error::Type(format!(
                "{}: the fused update on the GPU supports float32 tensors, got {}",
                name,
                t.dtype().name()
            )));
        }
        if !t.is_contiguous() || t.shape() != p.shape() {
            return Err(Error::Runtime(format!(
                "{}: state and gradient must be contiguous and match the parameter's shape",
                name
            )));
        }
    }
    // Every written buffer may be bound only once per dispatch.
    for (a, t) in ts.iter().enumerate() {
        if t.same_storage(p) || ts[..a].iter().any(|u| u.same_storage(t)) {
            return Err(Error::Runtime(format!(
                "{}: optimizer states must not share storage with the parameter or each other",
                name
            )));
        }
    }
    let n = p.numel();
    if n == 0 {
        return Ok(());
    }
    let n32 = u32::try_from(n)
        .ok()
        .filter(|&v| v < (1 << 30))
        .ok_or_else(|| {
            Error::Runtime(format!("GPU kernels take at most 2^30 elements; got {}", n))
        })?;
    // A gradient sharing a state's (or the parameter's) storage is read from a copy: the
    // update reads each gradient element before it writes that element's state.
    let g_copy;
    let g = if g.same_storage(p) || ts.iter().any(|t| t.same_storage(g)) {
        g_copy = super::ops::contiguous_copy(g)?;
        &g_copy
    } else {
        g
    };
    let (k, extra) = constants(name, h);
    let mut flags = extra;
    if h.maximize {
        flags |= MAXIMIZE;
    }
    if h.weight_decay != 0.0 && !h.decoupled {
        flags |= L2_DECAY;
    }
    if h.weight_decay != 0.0 && h.decoupled {
        flags |= DECOUPLED;
    }
    let mut meta = vec![0u32; K0 + 1 + k.len()];
    meta[0] = n32;
    meta[1] = flags;
    meta[2] = p.layout().offset as u32;
    meta[3] = g.layout().offset as u32;
    for i in bound(used) {
        let t = states[i].as_ref().expect("checked above");
        meta[4 + i] = t.layout().offset as u32;
    }
    meta[K0] = bits(h.weight_decay);
    for (j, &v) in k.iter().enumerate() {
        meta[K0 + 1 + j] = bits(v);
    }
    let v = Variant { name, states: used };
    let gpu = gpu()?;
    let pipeline = gpu.pipeline(&v.key(), || v.source())?;
    let mut args = vec![buffer(p), buffer(g)];
    args.extend(ts.iter().map(|t| buffer(t)));
    gpu.dispatch(&pipeline, &meta, &args, n32.div_ceil(256))?;
    p.storage().bump_version();
    for t in &ts {
        t.storage().bump_version();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_distinct_and_filled() {
        let v = variants();
        assert_eq!(v.len(), 16);
        let mut keys: Vec<&str> = v.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 16);
        for (key, src) in &v {
            assert!(!src.contains("{{"), "{}", key);
            assert!(src.starts_with("//"), "{}", key);
        }
        let rms = v.iter().find(|(k, _)| k == "optim:rmsprop:s02").unwrap();
        assert!(rms.1.contains("@binding(4) var<storage, read_write> s2"));
        assert!(!rms.1.contains(" s1:"));
    }

    #[test]
    fn constants_fit_the_meta_slot() {
        let h = Hyper::default();
        for name in NAMES {
            let (k, _) = constants(name, &h);
            assert!(K0 + 1 + k.len() <= 64, "{}", name);
        }
    }

    #[test]
    fn slots_follow_the_cpu_kernels() {
        let h = Hyper {
            amsgrad: true,
            ..Default::default()
        };
        assert_eq!(
            slots("adam", &[true, true, true], &h),
            Some(("adam", [true, true, true]))
        );
        assert_eq!(
            slots("sgd", &[false, false, false], &h),
            Some(("sgd", [false, false, false]))
        );
        assert_eq!(
            slots("rmsprop", &[true, false, true], &h),
            Some(("rmsprop", [true, false, true]))
        );
        assert_eq!(slots("lbfgs", &[false; 3], &h), None);
    }
}
