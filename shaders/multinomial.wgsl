// multinomial with replacement: one invocation per (row, sample) inverts the row's normalised
// cumulative distribution at the sample's uniform, accumulating the row in the CPU kernel's
// order (one float32 running sum, then each partial sum divided by the total, the last slot
// forced to 1), so the chosen category equals the CPU's for the same uniforms. The uniform is
// a float64 on the CPU: it arrives as its nearest float32 and a flag telling whether the
// exact value lies above it, which keeps `cum < u` exact.
//
// meta words: [rows, n_cat, k]; u holds (bits of the rounded uniform, above flag) per sample.

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@group(0) @binding(2) var<storage, read> probs: array<f32>;
@group(0) @binding(3) var<storage, read> u: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    let n = prm[1];
    let k = prm[2];
    if (i >= prm[0] * k) {
        return;
    }
    let row = (i / k) * n;
    var sum = 0.0;
    for (var j = 0u; j < n; j++) {
        sum = sum + probs[row + j];
    }
    let hi = bitcast<f32>(u[2u * i]);
    let above = u[2u * i + 1u] != 0u;
    var c = 0.0;
    var pick = n - 1u;
    for (var j = 0u; j < n; j++) {
        c = c + probs[row + j];
        var cum = c / sum;
        if (j == n - 1u) {
            cum = 1.0;
        }
        if (!(cum < hi || (cum == hi && above))) {
            pick = j;
            break;
        }
    }
    out[i] = i32(pick);
}
