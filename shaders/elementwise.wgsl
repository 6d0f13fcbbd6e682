// Strided elementwise map: one invocation per output element. The flat index is split over
// the output shape once, and each operand's element offset is accumulated with its own
// strides (stride 0 = a broadcast dim), so transposed, sliced, stepped and expanded views are
// read and written in place, never copied first. The Rust side (`MapSpec::source` in
// src/backend/gpu/shaders.rs) fills in the operand declarations (<BINDINGS>), the helpers of
// math.wgsl (<HELPERS>), the number of strided operands (<NOPS>, output included) and the
// body (<BODY>), which loads the operands at off[k], computes and stores.
//
// meta words: [n, ndim, shape[MAXD], then per operand k (0 = output): offset, strides[MAXD]];
// scalar operands are bit patterns in words 56..59.

const MAXD: u32 = 8u;
const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
{{BINDINGS}}

{{HELPERS}}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i >= prm[0]) {
        return;
    }
    let ndim = prm[1];
    var off: array<i32, {{NOPS}}>;
    for (var k = 0u; k < {{NOPS}}u; k++) {
        off[k] = bitcast<i32>(prm[2u + MAXD + k * (MAXD + 1u)]);
    }
    var rem = i;
    for (var j = 0u; j < ndim; j++) {
        let d = ndim - 1u - j;
        let size = prm[2u + d];
        let c = i32(rem % size);
        rem = rem / size;
        for (var k = 0u; k < {{NOPS}}u; k++) {
            off[k] += c * bitcast<i32>(prm[3u + MAXD + k * (MAXD + 1u) + d]);
        }
    }
    {{BODY}}
}
