// Moves words by offsets, in both directions. Element (b, k) of an index-major [n_index,
// block] walk sits at offs[b] plus the offset of k in the remaining dims' layout (rest_shape
// with strides of the indexed tensor). Gather (advanced indexing, index_select, gather, take,
// embedding lookups) copies `src[o]` into a contiguous `dst[i]`; scatter combines the
// contiguous `src[i]` into `dst[o]`: a store, an integer atomic, or, for float32 (WGSL has no
// float atomics), a compare-exchange loop on the word's bits, so every update lands exactly
// once whatever the number of duplicate indices (the summation order, as on CUDA, is
// unspecified). Values are raw 4-byte words (any dtype). <DST> is dst's array type, <BODY>
// the move.
//
// meta words: [n, block, rest_ndim, 0, rest_shape[8], rest_strides[8]]

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> dst: {{DST}};
@group(0) @binding(2) var<storage, read> src: array<u32>;
@group(0) @binding(3) var<storage, read> offs: array<i32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i >= prm[0]) {
        return;
    }
    let block = prm[1];
    var o = offs[i / block];
    var rem = i % block;
    let nd = prm[2];
    for (var j = 0u; j < nd; j++) {
        let d = nd - 1u - j;
        let size = prm[4u + d];
        o += i32(rem % size) * bitcast<i32>(prm[12u + d]);
        rem = rem / size;
    }
    {{BODY}}
}
