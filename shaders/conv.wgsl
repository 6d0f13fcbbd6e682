// Convolution as an implicit GEMM (NOTE [convolution lowering] in src/ops/conv.rs), tiled as
// matmul.wgsl: a workgroup of 256 owns a TM x TN block of C[g] = A[g] @ B[g] (g = the group),
// per 16-wide K-step it stages a TM x 16 tile of A and a 16 x TN tile of B in shared memory and
// every invocation accumulates a 4x4 sub-block in registers. The column matrix is never stored: the
// tile loads compute the im2col index of each element (zero outside the input) on the fly.
// Every C element (or partial sum) is summed by one invocation in a fixed order, so results are
// deterministic (no atomics).
//
// <MODE> picks the primitive (geometry in 3-d: unit leading spatial dims for 1-d and 2-d):
//   0 forward:        C = y      (M = og, N = n*Lout, K = cg*Kv): A = w, B = im2col(x);
//                     the bias (binding 4) is added on store when meta[44] is 1.
//   1 input gradient: C = gx     (M = cg, N = n*Lin,  K = og*Kv): A = w^T per group,
//                     B[(m, k), (n, i)] = gy at the output position that tap k of input
//                     position i belongs to (zero when none: stride not dividing, out of range).
//   2 weight grad:    C = gw     (M = og, N = cg*Kv,  K = n*Lout): A = gy, B = im2col(x)^T;
//                     when few tiles cover C, K is cut into meta[45] splits of meta[46] that
//                     write partial sums, and
//   3 (the same file) adds those partial sums in split order (one invocation per element:
//                     meta[0] elements, meta[1] splits), so the order is fixed.
// Operand P (binding 2) is w, w, gy and operand Q (binding 3) is x, gy, x for modes 0, 1, 2;
// both are read through their (offset, 5 strides), so any layout (channels_last) works in place.
// The output is contiguous.
//
// meta words: [M, N, K, groups, tiles_n, tiles_m, n, c, o, cg, og, in[3], ker[3], out[3],
//   stride[3], pad[3], dil[3], p_off, p_st[5], q_off, q_st[5], Kv, Lout, Lin, bias?, splits,
//   split length (a multiple of 16)]

const MODE: u32 = {{MODE}}u;
// The tile of C per workgroup: TM x TN = 64x64, 32x128 or 16x256 (TM the smallest of these
// covering M, so few rows of a tile are idle), 4x4 per invocation.
const TM: u32 = {{TM}}u;
const TN: u32 = {{TN}}u;
// The K-step: 16, or 8 for the 16 x 256 tile (so the tiles take at most 8.5 KiB of shared
// memory, within every device's 16 KiB).
const BK: u32 = {{BK}}u;
// Invocations per row of 4x4 blocks; A-tile and B-tile loads per invocation and K-step.
// (<AS> = TM * BK, <BS> = BK * TN and <AL> = A_LOADS size the arrays.)
const CX: u32 = TN / 4u;
const A_LOADS: u32 = {{AL}}u;
const A_STEP: u32 = 256u / BK;
const B_LOADS: u32 = BK * TN / 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> c: array<f32>;
@group(0) @binding(2) var<storage, read> pv: array<f32>;
@group(0) @binding(3) var<storage, read> qv: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

var<workgroup> As: array<f32, {{AS}}>;
var<workgroup> Bs: array<f32, {{BS}}>;

fn s(i: u32) -> i32 {
    return bitcast<i32>(prm[i]);
}

// (a, b, c) of a flat index over sizes (d0, d1, d2) (row-major) stored at meta word `base`.
fn split3(v: u32, base: u32) -> vec3<i32> {
    let d1 = prm[base + 1u];
    let d2 = prm[base + 2u];
    return vec3<i32>(vec3<u32>(v / (d1 * d2), (v / d2) % d1, v % d2));
}

fn v3(base: u32) -> vec3<i32> {
    return vec3<i32>(s(base), s(base + 1u), s(base + 2u));
}

// The spatial part of an element offset in P (st = 30u) or Q (st = 36u).
fn sp_off(st: u32, p: vec3<i32>) -> i32 {
    return dot(p, v3(st + 2u));
}

// Every operand index splits into a part that depends on the row (A) or column (B) of C and a
// part that depends on the reduction index kk; the parts below are computed once per
// invocation (rows, columns) and once per K-step (kk).

// A = P: the row part of row m.
fn a_row(g: u32, m: u32) -> i32 {
    let og = i32(prm[10]);
    let gi = i32(g);
    if (MODE == 0u) {
        return s(29u) + (gi * og + i32(m)) * s(30u);
    } else if (MODE == 1u) {
        return s(29u) + gi * og * s(30u) + i32(m) * s(31u);
    } else {
        return s(29u) + (gi * og + i32(m)) * s(31u);
    }
}

// A = P: the reduction part of kk.
fn a_k(kk: u32) -> i32 {
    if (MODE == 2u) {
        let lout = prm[42];
        return i32(kk / lout) * s(30u) + sp_off(30u, split3(kk % lout, 17u));
    }
    let kv = prm[41];
    let lead = i32(kk / kv) * select(s(31u), s(30u), MODE == 1u);
    return lead + sp_off(30u, split3(kk % kv, 14u));
}

// B = Q: a position split as (element offset, spatial position); see `b_at`.
struct Part {
    off: i32,
    sp: vec3<i32>,
}

fn b_col(g: u32, n: u32) -> Part {
    let gi = i32(g);
    if (MODE == 0u) {
        // (ni, o) = n: x[ni, g*cg + ., o*stride - pad + .]
        let lout = prm[42];
        let o = split3(n % lout, 17u);
        return Part(s(35u) + i32(n / lout) * s(36u) + gi * i32(prm[9]) * s(37u),
                    o * v3(20u) - v3(23u));
    } else if (MODE == 1u) {
        // (ni, i) = n: gy[ni, g*og + ., (i + pad - .) / stride]
        let lin = prm[43];
        let i = split3(n % lin, 11u);
        return Part(s(35u) + i32(n / lin) * s(36u) + gi * i32(prm[10]) * s(37u), i + v3(23u));
    } else {
        // (ci, k) = n: x[., g*cg + ci, . + k*dil]
        let kv = prm[41];
        let k = split3(n % kv, 14u);
        return Part(s(35u) + (gi * i32(prm[9]) + i32(n / kv)) * s(37u), k * v3(26u));
    }
}

fn b_k(kk: u32) -> Part {
    if (MODE == 2u) {
        // (ni, o) = kk
        let lout = prm[42];
        let o = split3(kk % lout, 17u);
        return Part(i32(kk / lout) * s(36u), o * v3(20u) - v3(23u));
    }
    // (ci, k) = kk for the forward, (mo, k) = kk for the input gradient
    let kv = prm[41];
    let k = split3(kk % kv, 14u);
    let tap = k * v3(26u);
    return Part(i32(kk / kv) * s(37u), select(tap, -tap, MODE == 1u));
}

// Q at column part c and reduction part k: x at the summed position (zero outside the input)
// in modes 0 and 2; in mode 1 gy at output position (i + pad - k*dil) / stride when that is an
// in-range whole number, else zero.
fn b_at(c: Part, k: Part) -> f32 {
    var p = c.sp + k.sp;
    var lim = v3(11u);
    if (MODE == 1u) {
        let st = v3(20u);
        if (any(p < vec3<i32>(0)) || any(p % st != vec3<i32>(0))) {
            return 0.0;
        }
        p = p / st;
        lim = v3(17u);
    }
    if (any(p < vec3<i32>(0)) || any(p >= lim)) {
        return 0.0;
    }
    return qv[c.off + k.off + sp_off(36u, p)];
}

// Flat index in the contiguous output of C[g][m][n].
fn c_index(g: u32, m: u32, n: u32) -> u32 {
    if (MODE == 0u) {
        let lout = prm[42];
        return ((n / lout) * prm[8] + g * prm[10] + m) * lout + n % lout;
    } else if (MODE == 1u) {
        let lin = prm[43];
        return ((n / lin) * prm[7] + g * prm[9] + m) * lin + n % lin;
    } else {
        return (g * prm[10] + m) * prm[1] + n;
    }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
    let wg = wid.x + wid.y * nwg.x;
    if (MODE == 3u) {
        // The split weight gradient's partial sums added in split order: c[i] = sum_s pv[s, i].
        let i = wg * 256u + li;
        let total = prm[0];
        if (i < total) {
            var acc = 0.0;
            for (var sp = 0u; sp < prm[1]; sp++) {
                acc += pv[sp * total + i];
            }
            c[i] = acc;
        }
        return;
    }
    let M = prm[0];
    let N = prm[1];
    let K = prm[2];
    let tiles_n = prm[4];
    let per_group = tiles_n * prm[5];
    let per_split = per_group * prm[3];
    // The reduction range of this workgroup's split (the weight gradient may split K).
    let split = wg / per_split;
    let k_begin = split * prm[46];
    let k_end = min(K, k_begin + prm[46]);
    let g = (wg % per_split) / per_group;
    let rem = wg % per_group;
    let row0 = (rem / tiles_n) * TM;
    let col0 = (rem % tiles_n) * TN;
    // This invocation's 4x4 block of the tile.
    let tx = li % CX;
    let ty = li / CX;
    // No early return: every invocation must reach the barriers.
    let live = split < prm[45];
    // The tile loads of this invocation: A rows li/BK + A_STEP t (below TM) at reduction offset
    // li%BK (t < A_LOADS), B rows li/TN + (256/TN)t at column li%TN (t < B_LOADS).
    let ka = li % BK;
    let ma = li / BK;
    let nb = li % TN;
    let kb = li / TN;
    var arow: array<i32, {{AL}}>;
    for (var t = 0u; t < A_LOADS; t++) {
        arow[t] = a_row(g, row0 + ma + A_STEP * t);
    }
    let bcol = b_col(g, col0 + nb);
    let col_ok = col0 + nb < N;
    var acc: array<f32, 16>;
    for (var i = 0u; i < 16u; i++) {
        acc[i] = 0.0;
    }
    for (var k0 = k_begin; k0 < k_end; k0 += BK) {
        let a_ok = live && k0 + ka < k_end;
        var ak = 0;
        if (a_ok) {
            ak = a_k(k0 + ka);
        }
        for (var t = 0u; t < A_LOADS; t++) {
            let m = ma + A_STEP * t;
            if (m < TM) {
                var v = 0.0;
                if (a_ok && row0 + m < M) {
                    v = pv[arow[t] + ak];
                }
                As[ka * TM + m] = v;
            }
        }
        for (var t = 0u; t < B_LOADS; t++) {
            let kr = kb + (256u / TN) * t;
            var w = 0.0;
            if (live && col_ok && k0 + kr < k_end) {
                w = b_at(bcol, b_k(k0 + kr));
            }
            Bs[kr * TN + nb] = w;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk++) {
            var av: array<f32, 4>;
            var bv: array<f32, 4>;
            for (var i = 0u; i < 4u; i++) {
                av[i] = As[kk * TM + ty * 4u + i];
                bv[i] = Bs[kk * TN + tx * 4u + i];
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
        // Split s of the weight gradient writes partial sums at s * (its output size).
        let base = split * prm[8] * prm[1];
        for (var i = 0u; i < 4u; i++) {
            let m = row0 + ty * 4u + i;
            var b = 0.0;
            if (MODE == 0u && prm[44] == 1u && m < M) {
                b = bias[g * prm[10] + m];
            }
            for (var j = 0u; j < 4u; j++) {
                let n = col0 + tx * 4u + j;
                if (m < M && n < N) {
                    c[base + c_index(g, m, n)] = acc[i * 4u + j] + b;
                }
            }
        }
    }
}
