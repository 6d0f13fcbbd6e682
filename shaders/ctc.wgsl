// CTC negative log-likelihood and its gradient, one workgroup per sample. The forward (alpha)
// and backward (beta) recursions run over time with the extended labels (blank, l1, blank,
// l2, ..., blank) spread over the invocations, each time step separated by a barrier; both
// tables live in scratch buffers. The gradient per (time, class) is
//     d nll / d log_prob = -exp(logsumexp_{s: ext[s] = k}(alpha + beta) + nll - log_prob)
// (the CPU kernel's formula), zero past the sample's input length, and zero for the whole
// sample when `zero_infinity` is set and no alignment exists.
//
// meta words: [T, N, C, L (extended length capacity), blank, zero_infinity]

const WG: u32 = 64u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> nll: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> alpha: array<f32>;
@group(0) @binding(4) var<storage, read_write> beta: array<f32>;
@group(0) @binding(5) var<storage, read> lp: array<f32>;
@group(0) @binding(6) var<storage, read> ext: array<i32>;
@group(0) @binding(7) var<storage, read> lens: array<i32>;

var<workgroup> w_tl: u32;
var<workgroup> w_l: u32;
var<workgroup> w_nll: f32;

{{HELPERS}}

fn neg_inf() -> f32 {
    return bitcast<f32>(0xff800000u);
}

fn lse(a: f32, b: f32) -> f32 {
    if (a == neg_inf()) {
        return b;
    }
    if (b == neg_inf()) {
        return a;
    }
    let m = max(a, b);
    return m + log(exp(a - m) + exp(b - m));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let T = prm[0];
    let N = prm[1];
    let C = prm[2];
    let L = prm[3];
    let blank = i32(prm[4]);
    let b = wid.x;
    if (lid == 0u) {
        w_tl = u32(lens[2u * b]);
        w_l = u32(lens[2u * b + 1u]);
    }
    let tl = workgroupUniformLoad(&w_tl);
    let l = workgroupUniformLoad(&w_l);
    let base = b * T * L;
    let eb = b * L;
    // alpha
    if (tl > 0u) {
        for (var s = lid; s < l; s += WG) {
            var v = neg_inf();
            if (s < 2u) {
                v = lp[b * C + u32(ext[eb + s])];
            }
            alpha[base + s] = v;
        }
    }
    storageBarrier();
    for (var t = 1u; t < tl; t++) {
        let prev = base + (t - 1u) * L;
        let cur = base + t * L;
        for (var s = lid; s < l; s += WG) {
            let e = ext[eb + s];
            var v = alpha[prev + s];
            if (s >= 1u) {
                v = lse(v, alpha[prev + s - 1u]);
            }
            if (s >= 2u && e != blank && e != ext[eb + s - 2u]) {
                v = lse(v, alpha[prev + s - 2u]);
            }
            if (v != neg_inf()) {
                v = v + lp[(t * N + b) * C + u32(e)];
            }
            alpha[cur + s] = v;
        }
        storageBarrier();
    }
    // beta
    if (tl > 0u) {
        let last = base + (tl - 1u) * L;
        for (var s = lid; s < l; s += WG) {
            var v = neg_inf();
            if (s + 2u >= l) {
                v = lp[((tl - 1u) * N + b) * C + u32(ext[eb + s])];
            }
            beta[last + s] = v;
        }
    }
    storageBarrier();
    for (var q = 1u; q < tl; q++) {
        let t = tl - 1u - q;
        let nxt = base + (t + 1u) * L;
        let cur = base + t * L;
        for (var s = lid; s < l; s += WG) {
            let e = ext[eb + s];
            var v = beta[nxt + s];
            if (s + 1u < l) {
                v = lse(v, beta[nxt + s + 1u]);
            }
            if (s + 2u < l && e != blank && e != ext[eb + s + 2u]) {
                v = lse(v, beta[nxt + s + 2u]);
            }
            if (v != neg_inf()) {
                v = v + lp[(t * N + b) * C + u32(e)];
            }
            beta[cur + s] = v;
        }
        storageBarrier();
    }
    if (lid == 0u) {
        var loss: f32;
        if (tl == 0u) {
            loss = select(bitcast<f32>(0x7f800000u), 0.0, l == 1u);
        } else {
            let last = base + (tl - 1u) * L;
            var p = alpha[last + l - 1u];
            if (l > 1u) {
                p = lse(p, alpha[last + l - 2u]);
            }
            loss = -p;
        }
        nll[b] = loss;
        w_nll = loss;
    }
    let loss = workgroupUniformLoad(&w_nll);
    let skip = tl == 0u || (prm[5] != 0u && is_inf_f(loss));
    for (var t = 0u; t < T; t++) {
        for (var k = lid; k < C; k += WG) {
            var g = 0.0;
            if (!skip && t < tl) {
                var lcab = neg_inf();
                for (var s = 0u; s < l; s++) {
                    if (u32(ext[eb + s]) == k) {
                        lcab = lse(lcab, alpha[base + t * L + s] + beta[base + t * L + s]);
                    }
                }
                if (lcab != neg_inf()) {
                    g = -exp(lcab + loss - lp[(t * N + b) * C + k]);
                }
            }
            grad[(t * N + b) * C + k] = g;
        }
    }
}
