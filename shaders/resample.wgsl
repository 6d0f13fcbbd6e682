// Resampling one dim by a tap table (src/spec/resample.rs): one invocation per output element
// of a contiguous (outer, n_out, inner) result read from a contiguous (outer, n_in, inner)
// input: out[p, j, c] = sum over row j of the table of w[k] * x[p, idx[k], c], summed in table
// order. The adjoint runs on the transposed table (each input position's row lists the outputs
// that read it), so the backward gathers too: no atomics, a deterministic order.
//
// meta words: [mode (0: copy by the row's single tap, any 4-byte word; 1: weighted float32
//              sum), outer, n_in, n_out, inner, idx offset, weight offset]
// tab: u32 words: the row starts (n_out + 1), the indices, the weights' float32 bits.

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<u32>;
@group(0) @binding(3) var<storage, read> tab: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    let n_in = prm[2];
    let n_out = prm[3];
    let inner = prm[4];
    if (i >= prm[1] * n_out * inner) {
        return;
    }
    let c = i % inner;
    let r = i / inner;
    let j = r % n_out;
    let p = r / n_out;
    let base = p * n_in * inner + c;
    let a = tab[j];
    let b = tab[j + 1u];
    let ib = prm[5];
    if (prm[0] == 0u) {
        out[i] = x[base + tab[ib + a] * inner];
        return;
    }
    let wb = prm[6];
    var acc = 0.0;
    if (b > a) {
        acc = bitcast<f32>(tab[wb + a]) * bitcast<f32>(x[base + tab[ib + a] * inner]);
        for (var k = a + 1u; k < b; k = k + 1u) {
            acc = acc + bitcast<f32>(tab[wb + k]) * bitcast<f32>(x[base + tab[ib + k] * inner]);
        }
    }
    out[i] = bitcast<u32>(acc);
}
