// Fused scaled-dot-product attention (NOTE [fused attention] in src/backend/cpu/attention.rs),
// FlashAttention-style: the L x S score matrix is never stored. A workgroup of 16 x 16
// invocations owns one (batch*head, block of 16 rows); invocation (r = lid.y, t = lid.x) works
// on row r of the block and, for the 16-wide inner blocks, on entry t; each row's output
// columns are spread over its 16 invocations (t, t + 16, ... : 8 per invocation, so 128 columns
// per pass; wider heads take several passes). Scores are scale * q.k + mask, excluded (zero
// probability) past the causal diagonal (top-left aligned), where the mask is -inf and outside
// the sizes. A row with no visible key gives zeros and log-sum-exp +inf (ATen's _safe_softmax).
// Every sum runs in a fixed order in one invocation: results are deterministic (no atomics).
//
// <MODE>:
//   0 forward: row blocks of queries, an online softmax over key blocks: res = [out | lse].
//   1 backward preparation, one invocation per query row: res = [lse | delta], delta = the row
//     sum of dout * out (binding 2 holds out and binding 3 the forward's lse in this mode).
//   2 dK and dV: row blocks of keys, looping over query blocks: P = exp(s - lse),
//     dS = P * (dout.v - delta); dV = sum P dout, dK = scale * sum dS q: res = [dK | dV].
//   3 dQ: row blocks of queries, looping over key blocks: dQ = scale * sum dS k: res = dQ.
// q (bh, L, D), k (bh, S, D), v (bh, S, DV), dout (bh, L, DV) are contiguous from element 0;
// the mask (b, h, L, S) is read through its offset and strides (broadcast views in place);
// stats = [lse | delta] (modes 2 and 3).
//
// meta words: [bh, heads, L, S, D, DV, scale (f32 bits), causal, has_mask, mask_off,
//   mask_st[4], q_blocks, k_blocks, passes, rows (mode 1: bh * L), out offset, lse offset
//   (mode 1)]

const MODE: u32 = {{MODE}}u;
const B: u32 = 16u;
// Output columns per invocation per pass.
const PER: u32 = 8u;
const NEG_INF: u32 = 0xff800000u;
const POS_INF: u32 = 0x7f800000u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> res: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> k: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read> mask: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<f32>;
@group(0) @binding(7) var<storage, read> stats: array<f32>;

var<workgroup> sh_a: array<f32, 256>;
var<workgroup> sh_b: array<f32, 256>;
var<workgroup> sh_ok: array<u32, 256>;

fn s(i: u32) -> i32 {
    return bitcast<i32>(prm[i]);
}

struct Score {
    ok: bool,
    val: f32,
}

// The score of query i and key j of head `head` (both in range): scale * q.k + mask, or
// excluded (causal, a -inf mask entry).
fn score(head: u32, i: u32, j: u32) -> Score {
    let L = prm[2];
    let S = prm[3];
    let D = prm[4];
    if (prm[7] == 1u && j > i) {
        return Score(false, 0.0);
    }
    var acc = 0.0;
    let qo = (head * L + i) * D;
    let ko = (head * S + j) * D;
    for (var c = 0u; c < D; c++) {
        acc += q[qo + c] * k[ko + c];
    }
    var val = bitcast<f32>(prm[6]) * acc;
    if (prm[8] == 1u) {
        let heads = prm[1];
        let mo = s(9u) + i32(head / heads) * s(10u) + i32(head % heads) * s(11u)
            + i32(i) * s(12u) + i32(j) * s(13u);
        let mv = mask[mo];
        if (bitcast<u32>(mv) == NEG_INF) {
            return Score(false, 0.0);
        }
        val += mv;
    }
    return Score(true, val);
}

// (P, dS) of query i and key j (both in range) from the saved log-sum-exp and delta.
fn grad_entry(head: u32, i: u32, j: u32) -> vec2<f32> {
    let L = prm[2];
    let S = prm[3];
    let DV = prm[5];
    let row = head * L + i;
    let lse = stats[row];
    let sc = score(head, i, j);
    if (!sc.ok || bitcast<u32>(lse) == POS_INF) {
        return vec2<f32>(0.0, 0.0);
    }
    let p = exp(sc.val - lse);
    var dp = 0.0;
    let go = row * DV;
    let vo = (head * S + j) * DV;
    for (var c = 0u; c < DV; c++) {
        dp += dout[go + c] * v[vo + c];
    }
    return vec2<f32>(p, p * (dp - stats[prm[0] * L + row]));
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
    let wg = wid.x + wid.y * nwg.x;
    let bh = prm[0];
    let L = prm[2];
    let S = prm[3];
    let D = prm[4];
    let DV = prm[5];
    let causal = prm[7] == 1u;
    if (MODE == 1u) {
        let row = wg * 256u + li;
        if (row < prm[17]) {
            var acc = 0.0;
            let oo = prm[18] + row * DV;
            for (var c = 0u; c < DV; c++) {
                acc += dout[row * DV + c] * q[oo + c];
            }
            res[row] = k[prm[19] + row];
            res[prm[17] + row] = acc;
        }
        return;
    }
    let r = lid.y;
    let t = lid.x;
    let blocks = select(prm[14], prm[15], MODE == 2u);
    let head = wg / blocks;
    let blk = wg % blocks;
    // No early return: every invocation must reach the barriers.
    let live = head < bh;
    let passes = prm[16];
    if (MODE == 0u || MODE == 3u) {
        let i = blk * B + r;
        let row_ok = live && i < L;
        var kend = S;
        if (causal) {
            kend = min(S, blk * B + B);
        }
        let width = select(D, DV, MODE == 0u);
        for (var ps = 0u; ps < passes; ps++) {
            let c0 = ps * B * PER;
            var acc: array<f32, 8>;
            for (var u = 0u; u < PER; u++) {
                acc[u] = 0.0;
            }
            var m = 0.0;
            var l = 0.0;
            var seen = false;
            for (var j0 = 0u; j0 < kend; j0 += B) {
                let j = j0 + t;
                if (MODE == 0u) {
                    var sc = Score(false, 0.0);
                    if (row_ok && j < S) {
                        sc = score(head, i, j);
                    }
                    sh_a[li] = sc.val;
                    sh_ok[li] = u32(sc.ok);
                } else {
                    var e = vec2<f32>(0.0, 0.0);
                    if (row_ok && j < S) {
                        e = grad_entry(head, i, j);
                    }
                    sh_a[li] = e.y;
                }
                workgroupBarrier();
                if (MODE == 0u) {
                    // Online softmax: the block's maximum, rescaling what came before.
                    var bm = 0.0;
                    var found = false;
                    for (var jj = 0u; jj < B; jj++) {
                        if (sh_ok[r * B + jj] == 1u) {
                            let x = sh_a[r * B + jj];
                            bm = select(x, max(bm, x), found);
                            found = true;
                        }
                    }
                    if (found) {
                        let mn = select(bm, max(m, bm), seen);
                        let alpha = select(0.0, exp(m - mn), seen);
                        for (var u = 0u; u < PER; u++) {
                            acc[u] *= alpha;
                        }
                        var psum = 0.0;
                        for (var jj = 0u; jj < B; jj++) {
                            if (sh_ok[r * B + jj] == 1u) {
                                let p = exp(sh_a[r * B + jj] - mn);
                                psum += p;
                                let vo = (head * S + j0 + jj) * DV;
                                for (var u = 0u; u < PER; u++) {
                                    let c = c0 + t + B * u;
                                    if (c < DV) {
                                        acc[u] += p * v[vo + c];
                                    }
                                }
                            }
                        }
                        l = l * alpha + psum;
                        m = mn;
                        seen = true;
                    }
                } else if (row_ok) {
                    for (var jj = 0u; jj < B; jj++) {
                        let jk = j0 + jj;
                        if (jk < S) {
                            let ds = sh_a[r * B + jj];
                            let ko = (head * S + jk) * D;
                            for (var u = 0u; u < PER; u++) {
                                let c = c0 + t + B * u;
                                if (c < D) {
                                    acc[u] += ds * k[ko + c];
                                }
                            }
                        }
                    }
                }
                workgroupBarrier();
            }
            if (row_ok) {
                let row = head * L + i;
                if (MODE == 0u) {
                    let inv = select(0.0, 1.0 / l, seen);
                    for (var u = 0u; u < PER; u++) {
                        let c = c0 + t + B * u;
                        if (c < DV) {
                            res[row * DV + c] = acc[u] * inv;
                        }
                    }
                    if (ps == 0u && t == 0u) {
                        res[bh * L * DV + row] = select(bitcast<f32>(POS_INF), m + log(l), seen);
                    }
                } else {
                    let scale = bitcast<f32>(prm[6]);
                    for (var u = 0u; u < PER; u++) {
                        let c = c0 + t + B * u;
                        if (c < width) {
                            res[row * D + c] = scale * acc[u];
                        }
                    }
                }
            }
        }
    } else {
        // MODE 2: row r of the block is key j; the inner blocks are queries.
        let j = blk * B + r;
        let key_ok = live && j < S;
        var ibeg = 0u;
        if (causal) {
            ibeg = blk * B;
        }
        let scale = bitcast<f32>(prm[6]);
        for (var ps = 0u; ps < passes; ps++) {
            let c0 = ps * B * PER;
            var ak: array<f32, 8>;
            var av: array<f32, 8>;
            for (var u = 0u; u < PER; u++) {
                ak[u] = 0.0;
                av[u] = 0.0;
            }
            for (var i0 = ibeg; i0 < L; i0 += B) {
                let i = i0 + t;
                var e = vec2<f32>(0.0, 0.0);
                if (key_ok && i < L) {
                    e = grad_entry(head, i, j);
                }
                sh_a[li] = e.x;
                sh_b[li] = e.y;
                workgroupBarrier();
                if (key_ok) {
                    for (var tt = 0u; tt < B; tt++) {
                        let iq = i0 + tt;
                        if (iq < L) {
                            let p = sh_a[r * B + tt];
                            let ds = sh_b[r * B + tt];
                            let row = head * L + iq;
                            for (var u = 0u; u < PER; u++) {
                                let c = c0 + t + B * u;
                                if (c < DV) {
                                    av[u] += p * dout[row * DV + c];
                                }
                                if (c < D) {
                                    ak[u] += ds * q[row * D + c];
                                }
                            }
                        }
                    }
                }
                workgroupBarrier();
            }
            if (key_ok) {
                let kr = head * S + j;
                for (var u = 0u; u < PER; u++) {
                    let c = c0 + t + B * u;
                    if (c < D) {
                        res[kr * D + c] = scale * ak[u];
                    }
                    if (c < DV) {
                        res[bh * S * D + kr * DV + c] = av[u];
                    }
                }
            }
        }
    }
}
