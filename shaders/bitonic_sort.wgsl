// Stable sort of long rows by a bitonic network in global memory (rank_sort.wgsl is quadratic
// and serves short rows). Each row is copied into scratch keys and indices padded to a power
// of two P (mode 0), sorted by log2(P)(log2(P)+1)/2 compare-exchange dispatches (mode 1, one
// invocation per pair, for block size k and distance j), and its first kout entries written out
// (mode 2). The order compares (value, index) pairs, NaN largest, ties by index, padding last,
// so the network's result is exactly the stable order whatever its instability.
// <T> is the storage type (f32 or i32); <NAN> tests a value for NaN.
//
// meta words: [rows, n, P, k, j, mode, kout, descending, n_keep, in_off, in_rstride,
//              out_rstride, 0, 0, 0, 0, keep_shape[8], keep_in_strides[8], keep_out_strides[8]]

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> keys: array<{{T}}>;
@group(0) @binding(2) var<storage, read_write> idx: array<i32>;
@group(0) @binding(3) var<storage, read> inp: array<{{T}}>;
@group(0) @binding(4) var<storage, read_write> out: array<{{T}}>;
@group(0) @binding(5) var<storage, read_write> oidx: array<i32>;

{{HELPERS}}

{{ROWS}}

fn s(i: u32) -> i32 {
    return bitcast<i32>(prm[i]);
}

{{SORT_ORDER}}

// Whether entry (ka, ia) comes before (kb, ib) in the requested order.
fn before(ka: {{T}}, ia: i32, kb: {{T}}, ib: i32) -> bool {
    let n = i32(prm[1]);
    let pa = ia >= n;
    let pb = ib >= n;
    if (pa || pb) {
        return pb && (!pa || ia < ib);
    }
    if (prm[7] != 0u) {
        return lt(kb, ka) || (!lt(ka, kb) && ia < ib);
    }
    return lt(ka, kb) || (!lt(kb, ka) && ia < ib);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let g = (wid.x + wid.y * nwg.x) * WG + lid;
    let rows = prm[0];
    let n = prm[1];
    let P = prm[2];
    let mode = prm[5];
    if (mode == 1u) {
        let half = P / 2u;
        if (g >= rows * half) {
            return;
        }
        let row = g / half;
        let i = g % half;
        let k = prm[3];
        let j = prm[4];
        let lo = 2u * j * (i / j) + (i % j);
        let a = row * P + lo;
        let b = a + j;
        let ka = keys[a];
        let kb = keys[b];
        let ia = idx[a];
        let ib = idx[b];
        var swap: bool;
        if ((lo & k) == 0u) {
            swap = before(kb, ib, ka, ia);
        } else {
            swap = before(ka, ia, kb, ib);
        }
        if (swap) {
            keys[a] = kb;
            keys[b] = ka;
            idx[a] = ib;
            idx[b] = ia;
        }
        return;
    }
    if (g >= rows * P) {
        return;
    }
    let row = g / P;
    let j = g % P;
    let bases = row_bases(row, prm[8], s(9), 16u);
    if (mode == 0u) {
        var v = {{T}}(0);
        if (j < n) {
            v = inp[bases.x + i32(j) * s(10)];
        }
        keys[g] = v;
        idx[g] = i32(j);
        return;
    }
    if (j < prm[6]) {
        let o = bases.y + i32(j) * s(11);
        out[o] = keys[g];
        oidx[o] = idx[g];
    }
}
