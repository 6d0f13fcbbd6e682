// Fused scaled-dot-product attention (NOTE [fused attention] in src/backend/cpu/attention.rs),
// FlashAttention-style: the L x S score matrix is never stored. A workgroup of 16 x 16
// invocations owns one (batch*head, block of 16 rows); invocation (r = lid.y, t = lid.x) works
// on row r of the block and, for the 16-wide inner blocks, on entry t; each row's output
// columns are spread over its 16 invocations (t, t + 16, ... : 8 per invocation, so 128 columns
// per pass; wider heads take several passes). The 16 x 16 dot products of a block pair are
// staged through shared memory 64 columns at a time (`block_dot`), and the rows the
// accumulation reads (v, k, dout, q) 128 columns at a time (`stage`). Scores are scale * q.k + mask, excluded (zero
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

// Shared tiles: two 16 x 64 operand tiles of `block_dot`, or one 16 x 128 tile of `stage`.
var<workgroup> ts: array<f32, 2048>;
var<workgroup> sh_a: array<f32, 256>;
var<workgroup> sh_b: array<f32, 256>;
var<workgroup> sh_ok: array<u32, 256>;

const QB: u32 = 0u;
const KB: u32 = 1u;
const VB: u32 = 2u;
const GB: u32 = 3u;

fn s(i: u32) -> i32 {
    return bitcast<i32>(prm[i]);
}

fn ld(which: u32, idx: u32) -> f32 {
    switch which {
        case 0u: {
            return q[idx];
        }
        case 1u: {
            return k[idx];
        }
        case 2u: {
            return v[idx];
        }
        default: {
            return dout[idx];
        }
    }
}

// The 16 x 16 dot products of rows x0 + r of X and y0 + t of Y (buffers xb, yb with rows of
// `width`; rows at or past xlim / ylim read as zero). Every invocation calls it (barriers).
fn block_dot(xb: u32, x0: u32, xlim: u32, yb: u32, y0: u32, ylim: u32, width: u32,
             r: u32, t: u32, li: u32) -> f32 {
    var acc = 0.0;
    for (var c0 = 0u; c0 < width; c0 += 64u) {
        workgroupBarrier();
        for (var e = li; e < 1024u; e += 256u) {
            let rr = e / 64u;
            let cc = c0 + e % 64u;
            var a = 0.0;
            var b = 0.0;
            if (x0 + rr < xlim && cc < width) {
                a = ld(xb, (x0 + rr) * width + cc);
            }
            if (y0 + rr < ylim && cc < width) {
                b = ld(yb, (y0 + rr) * width + cc);
            }
            ts[e] = a;
            ts[1024u + e] = b;
        }
        workgroupBarrier();
        let n = min(64u, width - c0);
        for (var cc = 0u; cc < n; cc++) {
            acc += ts[r * 64u + cc] * ts[1024u + t * 64u + cc];
        }
    }
    return acc;
}

// Rows x0 .. x0 + 15 (below xlim) of X, columns c0 .. c0 + 127 (below width), into
// ts[row * 128 + column - c0]. Every invocation calls it (barriers).
fn stage(xb: u32, x0: u32, xlim: u32, width: u32, c0: u32, li: u32) {
    workgroupBarrier();
    for (var e = li; e < 2048u; e += 256u) {
        let rr = e / 128u;
        let cc = c0 + e % 128u;
        var a = 0.0;
        if (x0 + rr < xlim && cc < width) {
            a = ld(xb, (x0 + rr) * width + cc);
        }
        ts[e] = a;
    }
    workgroupBarrier();
}

struct Score {
    ok: bool,
    val: f32,
}

// The score of query i and key j of head `head` (both in range) from q.k: scale * q.k + mask,
// or excluded (causal, a -inf mask entry).
fn score(head: u32, i: u32, j: u32, dot: f32) -> Score {
    if (prm[7] == 1u && j > i) {
        return Score(false, 0.0);
    }
    var val = bitcast<f32>(prm[6]) * dot;
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

// (P, dS) of query i and key j (both in range) from q.k, dout.v and the saved log-sum-exp and
// delta.
fn grad_entry(head: u32, i: u32, j: u32, qk: f32, gv: f32) -> vec2<f32> {
    let row = head * prm[2] + i;
    let lse = stats[row];
    let sc = score(head, i, j, qk);
    if (!sc.ok || bitcast<u32>(lse) == POS_INF) {
        return vec2<f32>(0.0, 0.0);
    }
    let p = exp(sc.val - lse);
    return vec2<f32>(p, p * (gv - stats[prm[0] * prm[2] + row]));
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
    // No early return: every invocation must reach the barriers. Rows of a workgroup past the
    // last head read as zero (limits 0).
    let live = head < bh;
    let hq = head * L;
    let hk = head * S;
    let qlim = select(0u, hq + L, live);
    let klim = select(0u, hk + S, live);
    let b0 = blk * B;
    let passes = prm[16];
    if (MODE == 0u || MODE == 3u) {
        let i = b0 + r;
        let row_ok = live && i < L;
        var kend = S;
        if (causal) {
            kend = min(S, b0 + B);
        }
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
                let qk = block_dot(QB, hq + b0, qlim, KB, hk + j0, klim, D, r, t, li);
                if (MODE == 0u) {
                    var sc = Score(false, 0.0);
                    if (row_ok && j < S) {
                        sc = score(head, i, j, qk);
                    }
                    // (The previous block's readers of sh_a are done: a zero-width block_dot
                    // has no barrier of its own.)
                    workgroupBarrier();
                    sh_a[li] = sc.val;
                    sh_ok[li] = u32(sc.ok);
                    stage(VB, hk + j0, klim, DV, c0, li);
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
                                for (var u = 0u; u < PER; u++) {
                                    acc[u] += p * ts[jj * 128u + t + B * u];
                                }
                            }
                        }
                        l = l * alpha + psum;
                        m = mn;
                        seen = true;
                    }
                } else {
                    let gv = block_dot(GB, hq + b0, qlim, VB, hk + j0, klim, DV, r, t, li);
                    var e = vec2<f32>(0.0, 0.0);
                    if (row_ok && j < S) {
                        e = grad_entry(head, i, j, qk, gv);
                    }
                    workgroupBarrier();
                    sh_a[li] = e.y;
                    stage(KB, hk + j0, klim, D, c0, li);
                    for (var jj = 0u; jj < B; jj++) {
                        let ds = sh_a[r * B + jj];
                        for (var u = 0u; u < PER; u++) {
                            acc[u] += ds * ts[jj * 128u + t + B * u];
                        }
                    }
                }
            }
            if (row_ok) {
                let row = hq + i;
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
                        if (c < D) {
                            res[row * D + c] = scale * acc[u];
                        }
                    }
                }
            }
        }
    } else {
        // MODE 2: row r of the block is key j; the inner blocks are queries.
        let j = b0 + r;
        let key_ok = live && j < S;
        var ibeg = 0u;
        if (causal) {
            ibeg = b0;
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
                let qk = block_dot(KB, hk + b0, klim, QB, hq + i0, qlim, D, r, t, li);
                let gv = block_dot(VB, hk + b0, klim, GB, hq + i0, qlim, DV, r, t, li);
                var e = vec2<f32>(0.0, 0.0);
                if (key_ok && i < L) {
                    e = grad_entry(head, i, j, qk, gv);
                }
                workgroupBarrier();
                sh_a[li] = e.x;
                sh_b[li] = e.y;
                stage(GB, hq + i0, qlim, DV, c0, li);
                for (var tt = 0u; tt < B; tt++) {
                    let p = sh_a[r * B + tt];
                    for (var u = 0u; u < PER; u++) {
                        av[u] += p * ts[tt * 128u + t + B * u];
                    }
                }
                stage(QB, hq + i0, qlim, D, c0, li);
                for (var tt = 0u; tt < B; tt++) {
                    let ds = sh_b[r * B + tt];
                    for (var u = 0u; u < PER; u++) {
                        ak[u] += ds * ts[tt * 128u + t + B * u];
                    }
                }
            }
            if (key_ok) {
                let kr = hk + j;
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
