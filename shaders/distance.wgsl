// pdist of the rows of a contiguous (n, m) float32 matrix x, with ATen's formulas per p
// (aten/src/ATen/native/cpu/DistanceOpsKernel.cpp, as src/backend/cpu/distance.rs runs them).
//
// meta words: [program (0: forward, 1: backward), n, m, pairs, norm (0: p = 0, 1: p = 1,
//              2: p = 2, 3: p = inf, 4: other p < 2, 5: other p), p's float32 bits]
// forward: one invocation per pair k (rows i < j in torch.pdist's order): out[k] = the p-norm
//          of x[i] - x[j], the columns summed in increasing order.
// backward: one invocation per (row i, column c): out[i, c] = the sum over the partners j of
//          row i, in increasing j, of the pair's term for x[i, c] (g: the pairs' output
//          gradient, d: the forward's distances). Each element is gathered by one invocation:
//          no atomics, a deterministic order.

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read> d: array<f32>;

// NaN and zero tests on the bits: WGSL lets compilers assume that no NaN occurs, and
// lavapipe's float comparisons do (NaN == 0 is true there, NaN != 0 false).
fn is_nan(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn nonzero(v: f32) -> bool {
    return (bitcast<u32>(v) & 0x7fffffffu) != 0u;
}

// |a| ^ e for a >= 0 (pow is undefined at 0 in WGSL; lavapipe's gives 0 for NaN).
fn pw(a: f32, e: f32) -> f32 {
    if (is_nan(a)) {
        return a;
    }
    if (!nonzero(a)) {
        if (e > 0.0) {
            return 0.0;
        }
        if (e == 0.0) {
            return 1.0;
        }
        return bitcast<f32>(0x7f800000u);
    }
    return pow(a, e);
}

// ATen's sign: (0 < v) - (v < 0).
fn sgn(v: f32) -> f32 {
    return select(0.0, 1.0, v > 0.0) - select(0.0, 1.0, v < 0.0);
}

// Index of pair (i, j), i < j, among n rows.
fn pair(n: u32, i: u32, j: u32) -> u32 {
    return i * (2u * n - i - 1u) / 2u + (j - i - 1u);
}

fn forward(k: u32) {
    let n = prm[1];
    let m = prm[2];
    let norm = prm[4];
    let p = bitcast<f32>(prm[5]);
    // the row i whose run of pairs holds k: estimated in float, then corrected exactly
    let h = f32(n) - 0.5;
    var i = u32(max(floor(h - sqrt(max(h * h - 2.0 * f32(k), 0.0))), 0.0));
    i = min(i, n - 2u);
    while (i > 0u && pair(n, i, i + 1u) > k) {
        i = i - 1u;
    }
    while (i + 2u < n && pair(n, i + 1u, i + 2u) <= k) {
        i = i + 1u;
    }
    let j = k - pair(n, i, i + 1u) + i + 1u;
    let a = i * m;
    let b = j * m;
    var acc = 0.0;
    if (norm == 3u) {
        for (var c = 0u; c < m; c = c + 1u) {
            let v = abs(x[a + c] - x[b + c]);
            // NaN propagates (ATen's max)
            if (v > acc || is_nan(v)) {
                acc = v;
            }
        }
        out[k] = acc;
        return;
    }
    for (var c = 0u; c < m; c = c + 1u) {
        let v = x[a + c] - x[b + c];
        if (norm == 0u) {
            acc = acc + select(0.0, 1.0, nonzero(v));
        } else if (norm == 1u) {
            acc = acc + abs(v);
        } else if (norm == 2u) {
            acc = acc + v * v;
        } else {
            acc = acc + pw(abs(v), p);
        }
    }
    if (norm == 2u) {
        acc = sqrt(acc);
    } else if (norm >= 4u) {
        acc = pw(acc, 1.0 / p);
    }
    out[k] = acc;
}

fn backward(e: u32) {
    let n = prm[1];
    let m = prm[2];
    let norm = prm[4];
    let p = bitcast<f32>(prm[5]);
    let c = e % m;
    let i = e / m;
    let xi = x[e];
    var acc = 0.0;
    if (norm != 0u) {
        for (var j = 0u; j < n; j = j + 1u) {
            if (j == i) {
                continue;
            }
            var k = 0u;
            if (i < j) {
                k = pair(n, i, j);
            } else {
                k = pair(n, j, i);
            }
            let gv = g[k];
            let dv = d[k];
            // diff = x_i - x_j: this row's side of the pair
            let diff = xi - x[j * m + c];
            if (norm == 1u) {
                acc = acc + sgn(diff) * gv;
            } else if (norm == 3u) {
                acc = acc + gv * sgn(diff) * select(0.0, 1.0, abs(diff) == dv);
            } else if (!nonzero(dv)) {
                continue;
            } else if (norm == 2u) {
                acc = acc + diff * (gv / dv);
            } else if (norm == 4u) {
                if (p < 1.0 && !nonzero(diff)) {
                    continue;
                }
                acc = acc + sgn(diff) * pw(abs(diff), p - 1.0) * gv / pw(dv, p - 1.0);
            } else {
                acc = acc + diff * pw(abs(diff), p - 2.0) * gv / pw(dv, p - 1.0);
            }
        }
    }
    out[e] = acc;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let t = (wid.x + wid.y * nwg.x) * WG + lid;
    if (prm[0] == 0u) {
        if (t < prm[3]) {
            forward(t);
        }
    } else if (t < prm[1] * prm[2]) {
        backward(t);
    }
}
