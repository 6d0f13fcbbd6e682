// Inclusive scan (cumsum, cumprod) along one dim, one workgroup per row. Each of the 256
// invocations folds a contiguous chunk of the row, the chunk totals are scanned in shared
// memory (Hillis-Steele, log2(256) barrier-separated steps), and each invocation then walks its
// chunk again starting from the total of the chunks before it, writing the running values.
// Rows are found by splitting the row index over the kept dims with the input's and the
// output's strides, so strided inputs are scanned in place.
// Filled in by shaders.rs: <BINDINGS>, <ACC> (accumulator type), <ID> (identity), <OP>
// (combines `a` and `b`), <LOAD> (element j of the row as <ACC>) and <STORE> (writes `acc`
// at `o`).
//
// meta words: [rows, k, n_keep, in_off, in_rstride, out_rstride, 0, 0,
//              keep_shape[8], keep_in_strides[8], keep_out_strides[8]]

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
{{BINDINGS}}

var<workgroup> part: array<{{ACC}}, 256>;

{{HELPERS}}

{{ROWS}}

fn s(i: u32) -> i32 {
    return bitcast<i32>(prm[i]);
}

fn op(a: {{ACC}}, b: {{ACC}}) -> {{ACC}} {
    return {{OP}};
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = wid.x + wid.y * nwg.x;
    // No early return: every invocation must reach the barriers.
    let live = row < prm[0];
    let k = prm[1];
    let bases = row_bases(row, prm[2], s(3), 8u);
    let ib = bases.x;
    let ob = bases.y;
    let irs = s(4);
    let ors = s(5);
    let chunk = (k + WG - 1u) / WG;
    let start = min(lid * chunk, k);
    let end = min(start + chunk, k);
    var acc: {{ACC}} = {{ID}};
    if (live) {
        for (var j = start; j < end; j++) {
            acc = op(acc, {{LOAD}});
        }
    }
    part[lid] = acc;
    workgroupBarrier();
    for (var st = 1u; st < WG; st = st * 2u) {
        var t: {{ACC}} = {{ID}};
        if (lid >= st) {
            t = part[lid - st];
        }
        let mine = part[lid];
        workgroupBarrier();
        part[lid] = op(t, mine);
        workgroupBarrier();
    }
    acc = {{ID}};
    if (lid > 0u) {
        acc = part[lid - 1u];
    }
    if (live) {
        for (var j = start; j < end; j++) {
            acc = op(acc, {{LOAD}});
            let o = ob + i32(j) * ors;
            {{STORE}}
        }
    }
}
