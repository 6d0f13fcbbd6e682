// nonzero's output rows: element i of a contiguous 0/1 mask with mask[i] = 1 writes its
// coordinates into row pos[i] - 1 of the (count, ndim) result, where pos is the inclusive
// prefix sum of the mask (scan.wgsl), so rows come out in row-major order as on the CPU.
//
// meta words: [n, ndim, 0, 0, shape[8]]

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@group(0) @binding(2) var<storage, read> mask: array<u32>;
@group(0) @binding(3) var<storage, read> pos: array<i32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    if (i >= prm[0] || mask[i] == 0u) {
        return;
    }
    let nd = prm[1];
    let row = u32(pos[i] - 1);
    var rem = i;
    for (var j = 0u; j < nd; j++) {
        let d = nd - 1u - j;
        let size = prm[4u + d];
        out[row * nd + d] = i32(rem % size);
        rem = rem / size;
    }
}
