// Element offsets for gather, scatter and advanced indexing. For each element of an index
// tensor (any strides, broadcast dims have stride 0):
//     off = base + sum_d coord_d * cstride_d + wrap(idx) * istride (+ prev[i])
// where wrap adds `size` to negative indices. `cstride` carries the indexed tensor's strides
// for the dims the index walks alongside (torch.gather) and zeros otherwise (index_select,
// take, advanced indexing); `prev` accumulates the terms of several advanced index tensors.
// An index outside [-size, size) writes -1 (valid offsets are never negative), which the host
// detects with one min-reduction before the offsets are used.
//
// meta words: [n, ndim, base, size, istride, has_prev, idx_off, 0,
//              shape[8], idx_strides[8], cstrides[8]]

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read> prev: array<i32>;

fn s(i: u32) -> i32 {
    return bitcast<i32>(prm[i]);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i >= prm[0]) {
        return;
    }
    let ndim = prm[1];
    var rem = i;
    var ioff = s(6);
    var coff = s(2);
    for (var j = 0u; j < ndim; j++) {
        let d = ndim - 1u - j;
        let size = prm[8u + d];
        let c = i32(rem % size);
        rem = rem / size;
        ioff += c * s(16u + d);
        coff += c * s(24u + d);
    }
    var v = idx[ioff];
    let size = s(3);
    if (v < -size || v >= size) {
        out[i] = -1;
        return;
    }
    if (v < 0) {
        v += size;
    }
    var o = coff + v * s(4);
    if (prm[5] != 0u) {
        let p = prev[i];
        if (p < 0) {
            out[i] = -1;
            return;
        }
        o += p;
    }
    out[i] = o;
}
