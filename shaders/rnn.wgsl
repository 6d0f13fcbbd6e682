// The fused gate kernels of the recurrent layers (src/ops/rnn.rs, NOTE [native recurrent
// layer]; the CPU twins are src/backend/cpu/rnn.rs): one time step's b rows, one invocation per
// (row, hidden unit). Each kernel is one section below, compiled as its own pipeline (prelude +
// section; src/backend/gpu/rnn.rs splits the file at the `//// ` lines).
//
// meta words: [h, b, flag, then each buffer's element offset in binding order]
// flag: LSTM forward / GRU forward / RNN: bit 0 = write the carried h (hc) too (LSTM without
// projection) or relu (RNN); LSTM backward: bit 0 = add dout; GRU forward: bit 0 = has b_hh.
//
// Row layouts (H = h): LSTM gates rows of 4H (i f g o), GRU gates rows of 3H (r z n), the
// hidden product rows of 3H, every other buffer rows of H. LSTM saves tanh(c) (tc), not c.

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;

{{HELPERS}}

fn unit(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
    return (wid.x + wid.y * nwg.x) * WG + lid;
}

// Offset of buffer k (in binding order, from 0) plus element e.
fn ix(k: u32, e: u32) -> u32 {
    return prm[3u + k] + e;
}

//// lstm_fwd
@group(0) @binding(1) var<storage, read_write> gates: array<f32>;
@group(0) @binding(2) var<storage, read_write> cc: array<f32>;
@group(0) @binding(3) var<storage, read_write> cp: array<f32>;
@group(0) @binding(4) var<storage, read_write> tc: array<f32>;
@group(0) @binding(5) var<storage, read_write> hout: array<f32>;
@group(0) @binding(6) var<storage, read_write> hc: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let u = unit(wid, nwg, lid);
    let h = prm[0];
    if (u >= h * prm[1]) {
        return;
    }
    let r = u / h;
    let j = u % h;
    let g0 = r * 4u * h + j;
    let i = sigmoid_f(gates[ix(0u, g0)]);
    let f = sigmoid_f(gates[ix(0u, g0 + h)]);
    let g = tanh_f(gates[ix(0u, g0 + 2u * h)]);
    let o = sigmoid_f(gates[ix(0u, g0 + 3u * h)]);
    gates[ix(0u, g0)] = i;
    gates[ix(0u, g0 + h)] = f;
    gates[ix(0u, g0 + 2u * h)] = g;
    gates[ix(0u, g0 + 3u * h)] = o;
    let prev = cc[ix(1u, u)];
    let nc = f * prev + i * g;
    cp[ix(2u, u)] = prev;
    cc[ix(1u, u)] = nc;
    let t = tanh_f(nc);
    tc[ix(3u, u)] = t;
    let hh = o * t;
    hout[ix(4u, u)] = hh;
    if ((prm[2] & 1u) != 0u) {
        hc[ix(5u, u)] = hh;
    }
}

//// lstm_bwd
@group(0) @binding(1) var<storage, read> gates: array<f32>;
@group(0) @binding(2) var<storage, read> tc: array<f32>;
@group(0) @binding(3) var<storage, read> cp: array<f32>;
@group(0) @binding(4) var<storage, read> dh: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read_write> dcc: array<f32>;
@group(0) @binding(7) var<storage, read_write> dg: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let u = unit(wid, nwg, lid);
    let h = prm[0];
    if (u >= h * prm[1]) {
        return;
    }
    let r = u / h;
    let j = u % h;
    let g0 = r * 4u * h + j;
    var dhf = dh[ix(3u, u)];
    if ((prm[2] & 1u) != 0u) {
        dhf = dhf + dout[ix(4u, u)];
    }
    let i = gates[ix(0u, g0)];
    let f = gates[ix(0u, g0 + h)];
    let g = gates[ix(0u, g0 + 2u * h)];
    let o = gates[ix(0u, g0 + 3u * h)];
    let t = tc[ix(1u, u)];
    let dc = dcc[ix(5u, u)] + dhf * o * (1.0 - t * t);
    dg[ix(6u, g0)] = dc * g * i * (1.0 - i);
    dg[ix(6u, g0 + h)] = dc * cp[ix(2u, u)] * f * (1.0 - f);
    dg[ix(6u, g0 + 2u * h)] = dc * i * (1.0 - g * g);
    dg[ix(6u, g0 + 3u * h)] = dhf * t * o * (1.0 - o);
    dcc[ix(5u, u)] = dc * f;
}

//// gru_fwd
@group(0) @binding(1) var<storage, read_write> gates: array<f32>;
@group(0) @binding(2) var<storage, read> hg: array<f32>;
@group(0) @binding(3) var<storage, read> bhh: array<f32>;
@group(0) @binding(4) var<storage, read_write> ghn: array<f32>;
@group(0) @binding(5) var<storage, read> hp: array<f32>;
@group(0) @binding(6) var<storage, read_write> hout: array<f32>;
@group(0) @binding(7) var<storage, read_write> hc: array<f32>;

fn bias(k: u32) -> f32 {
    if ((prm[2] & 1u) != 0u) {
        return bhh[ix(2u, k)];
    }
    return 0.0;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let u = unit(wid, nwg, lid);
    let h = prm[0];
    if (u >= h * prm[1]) {
        return;
    }
    let r = u / h;
    let j = u % h;
    let g0 = r * 3u * h + j;
    let rr = sigmoid_f(gates[ix(0u, g0)] + hg[ix(1u, g0)] + bias(j));
    let z = sigmoid_f(gates[ix(0u, g0 + h)] + hg[ix(1u, g0 + h)] + bias(j + h));
    let gn = hg[ix(1u, g0 + 2u * h)] + bias(j + 2u * h);
    let n = tanh_f(gates[ix(0u, g0 + 2u * h)] + rr * gn);
    gates[ix(0u, g0)] = rr;
    gates[ix(0u, g0 + h)] = z;
    gates[ix(0u, g0 + 2u * h)] = n;
    ghn[ix(3u, u)] = gn;
    let hh = n + z * (hp[ix(4u, u)] - n);
    hout[ix(5u, u)] = hh;
    hc[ix(6u, u)] = hh;
}

//// gru_bwd
@group(0) @binding(1) var<storage, read> gates: array<f32>;
@group(0) @binding(2) var<storage, read> ghn: array<f32>;
@group(0) @binding(3) var<storage, read> hp: array<f32>;
@group(0) @binding(4) var<storage, read_write> dh: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read_write> dg: array<f32>;
@group(0) @binding(7) var<storage, read_write> dgh: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let u = unit(wid, nwg, lid);
    let h = prm[0];
    if (u >= h * prm[1]) {
        return;
    }
    let r = u / h;
    let j = u % h;
    let g0 = r * 3u * h + j;
    let rr = gates[ix(0u, g0)];
    let z = gates[ix(0u, g0 + h)];
    let n = gates[ix(0u, g0 + 2u * h)];
    let x = dh[ix(3u, u)] + dout[ix(4u, u)];
    let dn = x * (1.0 - z) * (1.0 - n * n);
    let dz = x * (hp[ix(2u, u)] - n) * z * (1.0 - z);
    let dr = dn * ghn[ix(1u, u)] * rr * (1.0 - rr);
    dg[ix(5u, g0)] = dr;
    dg[ix(5u, g0 + h)] = dz;
    dg[ix(5u, g0 + 2u * h)] = dn;
    dgh[ix(6u, g0)] = dr;
    dgh[ix(6u, g0 + h)] = dz;
    dgh[ix(6u, g0 + 2u * h)] = dn * rr;
    dh[ix(3u, u)] = x * z;
}

//// rnn_fwd
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read_write> hout: array<f32>;
@group(0) @binding(3) var<storage, read_write> hc: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let u = unit(wid, nwg, lid);
    if (u >= prm[0] * prm[1]) {
        return;
    }
    let x = pre[ix(0u, u)];
    var y = tanh_f(x);
    if ((prm[2] & 1u) != 0u) {
        // relu; NaN stays NaN.
        y = select(x, 0.0, x < 0.0);
    }
    hout[ix(1u, u)] = y;
    hc[ix(2u, u)] = y;
}

//// rnn_bwd
@group(0) @binding(1) var<storage, read> out: array<f32>;
@group(0) @binding(2) var<storage, read> dh: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read_write> dg: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let u = unit(wid, nwg, lid);
    if (u >= prm[0] * prm[1]) {
        return;
    }
    let x = dh[ix(1u, u)] + dout[ix(2u, u)];
    let y = out[ix(0u, u)];
    var d = x * (1.0 - y * y);
    if ((prm[2] & 1u) != 0u) {
        d = select(0.0, x, y > 0.0);
    }
    dg[ix(3u, u)] = d;
}
