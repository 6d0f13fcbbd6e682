// The sort kernels' order (rank_sort, bitonic_sort): ascending with NaN last, as PyTorch sorts.
// <T> is the storage type (f32 or i32); <NAN> tests a value for NaN.
fn isnan_t(x: {{T}}) -> bool {
    return {{NAN}};
}

fn lt(a: {{T}}, b: {{T}}) -> bool {
    return (!isnan_t(a) && isnan_t(b)) || a < b;
}
