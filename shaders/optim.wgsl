// Fused optimizer updates, elementwise: one invocation per parameter element applies the
// whole update rule of one algorithm (<BODY>, filled in by src/backend/gpu/optim.rs) in the
// arithmetic order of the CPU kernels in src/ops/optim.rs (PyTorch's single-tensor order).
// The parameter, gradient and state tensors are contiguous views; each is read at its own
// element offset. Hyperparameters are computed on the host in f64 exactly as the CPU code
// computes them (bias corrections, step sizes) and arrive here rounded to f32.
//
// meta words: [n, flags, offset of param, grad, state 0, state 1, state 2, unused,
//              weight_decay (f32 bits), k1, k2, ... (the algorithm's constants, f32 bits)].
// The optional states a variant binds (<BINDINGS>) are declared only when its body uses them,
// so the derived bind-group layout matches the buffers bound.

const WG: u32 = 256u;

// Flag bits of meta word 1.
const MAXIMIZE: u32 = 1u;
// L2 weight decay added to the gradient (weight_decay != 0 and not decoupled).
const L2_DECAY: u32 = 2u;
// Decoupled (AdamW-style) decay of the parameter (weight_decay != 0 and decoupled).
const DECOUPLED: u32 = 4u;
// SGD: the first step copies the gradient into the momentum buffer.
const FIRST: u32 = 8u;
const NESTEROV: u32 = 16u;
// ASGD: mu != 1, so ax averages instead of copying the parameter.
const AVERAGE: u32 = 32u;
// RAdam: the variance is tractable (rho_t > 5), so the rectified step is taken.
const RECTIFY: u32 = 64u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
{{BINDINGS}}

fn flag(f: u32) -> bool {
    return (prm[1] & f) != 0u;
}

// Constant j of the algorithm (k(0) is the weight decay).
fn k(j: u32) -> f32 {
    return bitcast<f32>(prm[8u + j]);
}

fn is_nan_f(x: f32) -> bool {
    // Compared through the bits: compilers may assume x != x is false.
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// max and min ignoring a NaN operand, as Rust's f32::max/min (the CPU kernels) do.
fn num_max(a: f32, b: f32) -> f32 {
    if (is_nan_f(a)) {
        return b;
    }
    if (is_nan_f(b)) {
        return a;
    }
    return max(a, b);
}

fn num_min(a: f32, b: f32) -> f32 {
    if (is_nan_f(a)) {
        return b;
    }
    if (is_nan_f(b)) {
        return a;
    }
    return min(a, b);
}

// The gradient as the update sees it: negated for maximize, plus L2 weight decay.
fn grad_of(g: f32, p: f32) -> f32 {
    var d = g;
    if (flag(MAXIMIZE)) {
        d = -g;
    }
    if (flag(L2_DECAY)) {
        d = d + p * k(0u);
    }
    return d;
}

// a + w * (b - a) as PyTorch's lerp computes it.
fn lerp_w(a: f32, b: f32, w: f32) -> f32 {
    if (abs(w) < 0.5) {
        return a + w * (b - a);
    }
    return b - (b - a) * (1.0 - w);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i >= prm[0]) {
        return;
    }
    let ip = prm[2] + i;
    let ig = prm[3] + i;
    var pv = param[ip];
    let gr = grad[ig];
    {{BODY}}
}
