// Shared by the kernels that walk rows along one dim (scan, rank_sort, bitonic_sort): the input
// and output offsets of a row's first element, found by splitting the row index over the kept
// dims (`nk` of them; sizes at meta word `w`, input strides at `w + 8`, output strides at
// `w + 16`), starting from input offset `in_off`.
fn row_bases(row: u32, nk: u32, in_off: i32, w: u32) -> vec2<i32> {
    var ib = in_off;
    var ob = 0;
    var r = row;
    for (var t = 0u; t < nk; t++) {
        let d = nk - 1u - t;
        let size = prm[w + d];
        let c = i32(r % size);
        r = r / size;
        ib += c * bitcast<i32>(prm[w + 8u + d]);
        ob += c * bitcast<i32>(prm[w + 16u + d]);
    }
    return vec2<i32>(ib, ob);
}
