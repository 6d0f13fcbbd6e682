// sort, topk and median by rank: one invocation per element computes its position in the
// row's stable order (the number of elements that come before it: smaller, or equal with a
// smaller index; NaN sorts as the largest value, as in PyTorch) and writes value and index
// there. O(n^2) comparisons per row of n elements, all independent, no shared state, so the
// result is exactly the stable sort; rows of up to a few thousand elements are the intended
// sizes (softmax-free top-k, sorting logits, medians).
// mode 0: ascending, keep ranks < kout; mode 1: descending (NaN first), ranks < kout;
// mode 2: lower median (the first NaN when the row has any) into position 0.
// <T> is the storage type (f32 or i32); <NAN> tests a value for NaN.
//
// meta words: [rows, n, n_keep, in_off, in_rstride, out_rstride, kout, mode,
//              keep_shape[8], keep_in_strides[8], keep_out_strides[8]]

const WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> prm: array<u32, 64>;
@group(0) @binding(1) var<storage, read_write> out: array<{{T}}>;
@group(0) @binding(2) var<storage, read_write> oidx: array<i32>;
@group(0) @binding(3) var<storage, read> inp: array<{{T}}>;

{{HELPERS}}

{{ROWS}}

fn s(i: u32) -> i32 {
    return bitcast<i32>(prm[i]);
}

{{SORT_ORDER}}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let g = (wid.x + wid.y * nwg.x) * WG + lid;
    let n = prm[1];
    let row = g / n;
    let j = g % n;
    if (row >= prm[0]) {
        return;
    }
    let bases = row_bases(row, prm[2], s(3), 8u);
    let ib = bases.x;
    let ob = bases.y;
    let irs = s(4);
    let mode = prm[7];
    let xj = inp[ib + i32(j) * irs];
    var rank = 0u;
    var nans = 0u;
    for (var i = 0u; i < n; i++) {
        let xi = inp[ib + i32(i) * irs];
        var before: bool;
        if (mode == 1u) {
            before = lt(xj, xi) || (!lt(xi, xj) && i < j);
        } else {
            before = lt(xi, xj) || (!lt(xj, xi) && i < j);
        }
        if (before) {
            rank++;
        }
        if (isnan_t(xi)) {
            nans++;
        }
    }
    if (mode == 2u) {
        var want = (n - 1u) / 2u;
        if (nans > 0u) {
            want = n - nans;
        }
        if (rank == want) {
            out[ob] = xj;
            oidx[ob] = i32(j);
        }
        return;
    }
    if (rank < prm[6]) {
        let o = ob + i32(rank) * s(5);
        out[o] = xj;
        oidx[o] = i32(j);
    }
}
