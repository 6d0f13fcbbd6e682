// Pooling over window tables (src/spec/pool.rs): one invocation per output for the forward
// kernels, one per input element for the backward kernels, which gather (no atomics): for
// each dim the tables give the range [lo, hi) of outputs whose window can reach an input
// position. All pooling ops (max, average, adaptive, fractional) share these kernels; the
// mode word picks the kernel.
//
// mode 0: max forward   out = max over the window, oidx = flat per-plane argmax (PyTorch's
//                       rule: the first tap starts, a larger or NaN tap wins)
// mode 1: avg forward   out = sum over the window / divisor
// mode 2: avg backward  out (input gradient) = sum over reaching outputs of g / divisor
// mode 3: max backward  out (input gradient) = sum over reaching outputs whose argmax is here
//
// meta words: [mode, planes, in d h w, out d h w, step d h w, per_plane, has_divisor,
//              divisor, then per dim 5 table offsets (x0, n, count, lo, hi)]
// tab: int32 tables; x0/n/lo/hi rows are per plane when per_plane is set.

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> oidx: array<i32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> tab: array<i32>;

{{HELPERS}}

fn toff(d: u32, k: u32) -> u32 {
    return prm[14u + d * 5u + k];
}

// Start of plane p's row of dim d in a table with `len` entries per plane.
fn prow(p: u32, len: u32) -> u32 {
    if (prm[11] != 0u) {
        return p * len;
    }
    return 0u;
}

fn divisor(od: u32, oh: u32, ow: u32) -> f32 {
    if (prm[12] != 0u) {
        return f32(bitcast<i32>(prm[13]));
    }
    return f32(tab[toff(0u, 2u) + od]) * f32(tab[toff(1u, 2u) + oh]) * f32(tab[toff(2u, 2u) + ow]);
}

fn forward(i: u32, is_max: bool) {
    let od_n = prm[5];
    let oh_n = prm[6];
    let ow_n = prm[7];
    let ih = i32(prm[3]);
    let iw = i32(prm[4]);
    let ow = i % ow_n;
    let oh = (i / ow_n) % oh_n;
    let od = (i / (ow_n * oh_n)) % od_n;
    let p = i / (ow_n * oh_n * od_n);
    let base = p * prm[2] * prm[3] * prm[4];
    let rd = prow(p, od_n) + od;
    let rh = prow(p, oh_n) + oh;
    let rw = prow(p, ow_n) + ow;
    let d0 = tab[toff(0u, 0u) + rd];
    let dn = tab[toff(0u, 1u) + rd];
    let h0 = tab[toff(1u, 0u) + rh];
    let hn = tab[toff(1u, 1u) + rh];
    let w0 = tab[toff(2u, 0u) + rw];
    let wn = tab[toff(2u, 1u) + rw];
    let sd = i32(prm[8]);
    let sh = i32(prm[9]);
    let sw = i32(prm[10]);
    if (is_max) {
        if (dn <= 0 || hn <= 0 || wn <= 0) {
            out[i] = 0.0;
            oidx[i] = -1;
            return;
        }
        var bi = (d0 * ih + h0) * iw + w0;
        var m = x[base + u32(bi)];
        for (var a = 0; a < dn; a++) {
            for (var b = 0; b < hn; b++) {
                let rowp = ((d0 + a * sd) * ih + h0 + b * sh) * iw + w0;
                for (var c = 0; c < wn; c++) {
                    let q = rowp + c * sw;
                    let v = x[base + u32(q)];
                    if (is_nan_f(v) || (!is_nan_f(m) && v > m)) {
                        m = v;
                        bi = q;
                    }
                }
            }
        }
        out[i] = m;
        oidx[i] = bi;
    } else {
        var s = 0.0;
        for (var a = 0; a < dn; a++) {
            for (var b = 0; b < hn; b++) {
                let rowp = (d0 + a) * ih * iw + (h0 + b) * iw + w0;
                for (var c = 0; c < wn; c++) {
                    s = s + x[base + u32(rowp + c)];
                }
            }
        }
        out[i] = s / divisor(od, oh, ow);
    }
}

fn backward(i: u32, is_max: bool) {
    let id_n = prm[2];
    let ih_n = prm[3];
    let iw_n = prm[4];
    let od_n = prm[5];
    let oh_n = prm[6];
    let ow_n = prm[7];
    let xw = i % iw_n;
    let xh = (i / iw_n) % ih_n;
    let xd = (i / (iw_n * ih_n)) % id_n;
    let p = i / (iw_n * ih_n * id_n);
    let here = i32(i % (iw_n * ih_n * id_n));
    let obase = p * od_n * oh_n * ow_n;
    let rd = prow(p, id_n) + xd;
    let rh = prow(p, ih_n) + xh;
    let rw = prow(p, iw_n) + xw;
    var s = 0.0;
    for (var a = u32(tab[toff(0u, 3u) + rd]); a < u32(tab[toff(0u, 4u) + rd]); a++) {
        for (var b = u32(tab[toff(1u, 3u) + rh]); b < u32(tab[toff(1u, 4u) + rh]); b++) {
            for (var c = u32(tab[toff(2u, 3u) + rw]); c < u32(tab[toff(2u, 4u) + rw]); c++) {
                let o = obase + (a * oh_n + b) * ow_n + c;
                if (is_max) {
                    if (oidx[o] == here) {
                        s = s + x[o];
                    }
                } else {
                    s = s + x[o] / divisor(a, b, c);
                }
            }
        }
    }
    out[i] = s;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = (wid.x + wid.y * nwg.x) * WG + lid;
    let mode = prm[0];
    let planes = prm[1];
    if (mode < 2u) {
        if (i >= planes * prm[5] * prm[6] * prm[7]) {
            return;
        }
        forward(i, mode == 0u);
    } else {
        if (i >= planes * prm[2] * prm[3] * prm[4]) {
            return;
        }
        backward(i, mode == 3u);
    }
}
