// Reduction over any set of dims with a workgroup-shared-memory tree. One workgroup per
// output element: its 256 invocations each fold a strided subset of the row (element j of
// the row is found by splitting j over the reduced dims and the row index over the kept
// dims, each with the input's own strides, so views are reduced in place), then the 256
// partials are halved in shared memory in log2(256) barrier-separated steps. Value and index
// travel together so that max/min along a dim and argmax share the kernel.
// Filled in by `ReduceSpec::source` in src/backend/gpu/shaders.rs: <BINDINGS>, <HELPERS>
// (math.wgsl), <ACC> (accumulator type), <INIT>, <LOAD>, <COMBINE> (folds x, xi into v, vi)
// and <STORE>.
//
// meta words: [n_out, row_len, n_keep, n_red, in_offset, 0, 0, 0,
//              keep_shape[8], keep_strides[8], red_shape[8], red_strides[8]]

const MAXD: u32 = 8u;
const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
{{BINDINGS}}

var<workgroup> sv: array<{{ACC}}, 256>;
var<workgroup> si: array<i32, 256>;

{{HELPERS}}

fn in_offset(row: u32, j: u32) -> i32 {
    var off = bitcast<i32>(prm[4]);
    var r = row;
    let nk = prm[2];
    for (var t = 0u; t < nk; t++) {
        let d = nk - 1u - t;
        let s = prm[8u + d];
        off += i32(r % s) * bitcast<i32>(prm[16u + d]);
        r = r / s;
    }
    var q = j;
    let nr = prm[3];
    for (var t = 0u; t < nr; t++) {
        let d = nr - 1u - t;
        let s = prm[24u + d];
        off += i32(q % s) * bitcast<i32>(prm[32u + d]);
        q = q / s;
    }
    return off;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = wid.x + wid.y * nwg.x;
    // No early return: every invocation must reach the barriers below.
    let live = row < prm[0];
    let k = prm[1];
    var v: {{ACC}} = {{INIT}};
    var vi: i32 = 2147483647;
    if (live) {
        for (var j = lid; j < k; j += WG) {
            let x = {{LOAD}};
            let xi = i32(j);
            {{COMBINE}}
        }
    }
    sv[lid] = v;
    si[lid] = vi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s / 2u) {
        if (lid < s) {
            v = sv[lid];
            vi = si[lid];
            let x = sv[lid + s];
            let xi = si[lid + s];
            {{COMBINE}}
            sv[lid] = v;
            si[lid] = vi;
        }
        workgroupBarrier();
    }
    if (live && lid == 0u) {
        v = sv[0];
        vi = si[0];
        {{STORE}}
    }
}
