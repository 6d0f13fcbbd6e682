// Tiled, register-blocked batched matrix product C[b] = A[b] @ B[b]. A 16x16 workgroup owns a
// 64x64 block of C; per 16-wide K-step it stages a 64x16 tile of A and a 16x64 tile of B in
// workgroup shared memory (each element loaded once, reused 64 times) and every invocation
// accumulates a 4x4 sub-block in registers. A and B are read through their strides (batch,
// row, col), so transposed operands and stride-0 broadcast batches need no copy; C is
// contiguous. <T> is the element type (f32, or i32 for integer matmul). <LOAD_TILES> stages the
// tiles: element by element through the strides, or, when both operands are row-major with
// K, N, offsets and strides multiples of 4, one vec4 per invocation and operand (<AB> is then
// vec4<T>, the strides are in vec4 units).
//
// meta words: [M, N, K, batch, a_off, a_sb, a_sm, a_sk, b_off, b_sb, b_sk, b_sn, tiles_n, tiles_m]

const TS: u32 = 64u;
const BK: u32 = 16u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> c: array<{{T}}>;
@group(0) @binding(2) var<storage, read> a: array<{{AB}}>;
@group(0) @binding(3) var<storage, read> b: array<{{AB}}>;

var<workgroup> As: array<{{T}}, 1024>;
var<workgroup> Bs: array<{{T}}, 1024>;

fn s(i: u32) -> i32 {
    return bitcast<i32>(prm[i]);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
    let M = prm[0];
    let N = prm[1];
    let K = prm[2];
    let tiles_n = prm[12];
    let per_batch = tiles_n * prm[13];
    let g = wid.x + wid.y * nwg.x;
    let bi = g / per_batch;
    let rem = g % per_batch;
    let row0 = (rem / tiles_n) * TS;
    let col0 = (rem % tiles_n) * TS;
    // No early return: every invocation must reach the barriers.
    let live = bi < prm[3];
    let a_base = s(4) + i32(bi) * s(5);
    let b_base = s(8) + i32(bi) * s(9);
    var acc: array<{{T}}, 16>;
    for (var i = 0u; i < 16u; i++) {
        acc[i] = {{T}}(0);
    }
    for (var k0 = 0u; k0 < K; k0 += BK) {
{{LOAD_TILES}}
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk++) {
            var av: array<{{T}}, 4>;
            var bv: array<{{T}}, 4>;
            for (var i = 0u; i < 4u; i++) {
                av[i] = As[kk * TS + lid.y * 4u + i];
                bv[i] = Bs[kk * TS + lid.x * 4u + i];
            }
            for (var i = 0u; i < 4u; i++) {
                for (var j = 0u; j < 4u; j++) {
                    acc[i * 4u + j] += av[i] * bv[j];
                }
            }
        }
        workgroupBarrier();
    }
    if (live) {
        for (var i = 0u; i < 4u; i++) {
            let m = row0 + lid.y * 4u + i;
            for (var j = 0u; j < 4u; j++) {
                let n = col0 + lid.x * 4u + j;
                if (m < M && n < N) {
                    c[(bi * M + m) * N + n] = acc[i * 4u + j];
                }
            }
        }
    }
}
