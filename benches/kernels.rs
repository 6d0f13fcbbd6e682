//! Criterion benchmarks of the CPU kernels through the Rust API (no Python): elementwise
//! add / mul / exp on contiguous, broadcast and strided (transposed) float32 inputs, sums
//! (all, dim 0, dim -1), float32 matmul at 64, 256, 1024 and 2048, batch norm (training
//! forward with the running-stat update, and the backward) on (32, 64, 32, 32) float32, the
//! convolution kernels (forward, input gradient, weight gradient) on a 3x3, a depthwise and a
//! pointwise layer, and the pooling kernels.
//!
//! The `gpu` group (elementwise add bandwidth, a sum, float32 matmul at 1024/2048/4096 as
//! FLOP/s, and the cost of one small dispatch) runs when a GPU adapter exists and prints a
//! skip line otherwise; each iteration waits for the device, so times are of finished work.
//!
//! `cargo bench` runs them all in a few minutes on two cores (small sample counts);
//! `cargo bench -- matmul` picks a group. The Python-level comparison with NumPy and PyTorch
//! is `benches/compare.py`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rtensor::ops::conv::{self, ConvArgs};
use rtensor::ops::elementwise::{BinaryOp, Operand, UnaryOp, binary, unary};
use rtensor::ops::norm::{BatchNormArgs, GradMask, batch_norm, batch_norm_backward};
use rtensor::ops::{linalg, reduce, view};
use rtensor::tensor::Tensor;
use std::hint::black_box;
use std::time::Duration;

/// Deterministic float32 values in [-1, 1).
fn tensor(shape: &[usize], seed: u32) -> Tensor {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let data: Vec<f32> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect();
    Tensor::from_vec(data, shape)
}

fn configure() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .without_plots()
}

const SIDE: usize = 1024; // 1M-element operands

fn elementwise(c: &mut Criterion) {
    let mut g = c.benchmark_group("elementwise");
    g.throughput(Throughput::Elements((SIDE * SIDE) as u64));
    let x = tensor(&[SIDE, SIDE], 1);
    let y = tensor(&[SIDE, SIDE], 2);
    let row = tensor(&[SIDE], 3);
    let xt = view::t(&x).unwrap(); // strided: a transposed view
    let layouts: [(&str, Operand, Operand); 3] = [
        (
            "contiguous",
            Operand::Tensor(x.clone()),
            Operand::Tensor(y.clone()),
        ),
        (
            "broadcast",
            Operand::Tensor(x.clone()),
            Operand::Tensor(row.clone()),
        ),
        (
            "strided",
            Operand::Tensor(xt.clone()),
            Operand::Tensor(y.clone()),
        ),
    ];
    for (name, a, b) in &layouts {
        g.bench_with_input(BenchmarkId::new("add", name), &(), |bch, _| {
            bch.iter(|| black_box(binary(BinaryOp::Add, a, b).unwrap()))
        });
        g.bench_with_input(BenchmarkId::new("mul", name), &(), |bch, _| {
            bch.iter(|| black_box(binary(BinaryOp::Mul, a, b).unwrap()))
        });
    }
    // exp has one input: contiguous, broadcast (a row expanded to the full shape), strided.
    let row_expanded = view::expand(&row, &[SIDE as i64, SIDE as i64]).unwrap();
    for (name, t) in [
        ("contiguous", &x),
        ("broadcast", &row_expanded),
        ("strided", &xt),
    ] {
        g.bench_with_input(BenchmarkId::new("exp", name), &(), |bch, _| {
            bch.iter(|| black_box(unary(UnaryOp::Exp, t).unwrap()))
        });
    }
    g.finish();
}

fn sums(c: &mut Criterion) {
    let mut g = c.benchmark_group("sum");
    let x = tensor(&[SIDE, SIDE], 4);
    g.throughput(Throughput::Elements((SIDE * SIDE) as u64));
    let cases: [(&str, Option<Vec<i64>>); 3] = [
        ("all", None),
        ("dim0", Some(vec![0])),
        ("dim-1", Some(vec![-1])),
    ];
    for (name, dims) in &cases {
        g.bench_with_input(BenchmarkId::from_parameter(name), &(), |bch, _| {
            bch.iter(|| black_box(reduce::sum(&x, dims.as_deref(), false, None).unwrap()))
        });
    }
    g.finish();
}

fn matmul(c: &mut Criterion) {
    let mut g = c.benchmark_group("matmul_f32");
    for n in [64usize, 256, 1024, 2048] {
        let a = tensor(&[n, n], 5);
        let b = tensor(&[n, n], 6);
        // Reported as elements/s = FLOP/s (2 n^3 per product).
        g.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        if n >= 1024 {
            g.measurement_time(Duration::from_secs(3));
        }
        g.bench_with_input(BenchmarkId::from_parameter(n), &(), |bch, _| {
            bch.iter(|| black_box(linalg::matmul(&a, &b).unwrap()))
        });
    }
    g.finish();
}

fn batchnorm(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch_norm_f32");
    let shape = [32usize, 64, 32, 32];
    let x = tensor(&shape, 7);
    let dy = tensor(&shape, 8);
    let (w, b) = (tensor(&[64], 9), tensor(&[64], 10));
    let (rm, rv) = (Tensor::zeros(&[64], x.dtype()), tensor(&[64], 11));
    let args = BatchNormArgs {
        weight: Some(&w),
        bias: Some(&b),
        running_mean: Some(&rm),
        running_var: Some(&rv),
        training: true,
        momentum: 0.1,
        eps: 1e-5,
    };
    g.throughput(Throughput::Elements(x.numel() as u64));
    g.bench_function("forward_train", |bch| {
        bch.iter(|| black_box(batch_norm(&x, &args).unwrap()))
    });
    let saved = batch_norm(&x, &args).unwrap();
    let all = GradMask {
        input: true,
        weight: true,
        bias: true,
    };
    g.bench_function("backward", |bch| {
        bch.iter(|| {
            black_box(
                batch_norm_backward(&dy, &x, Some(&w), &saved.mean, &saved.invstd, true, all)
                    .unwrap(),
            )
        })
    });
    g.finish();
}

fn gpu(c: &mut Criterion) {
    use rtensor::backend::gpu as dev;
    let g = match dev::gpu() {
        Ok(g) => g,
        Err(e) => {
            println!("gpu: skipped ({})", e);
            return;
        }
    };
    let sync = || g.synchronize().unwrap();
    let up = |t: &Tensor| dev::upload(t).unwrap();
    let mut grp = c.benchmark_group("gpu");
    let n = 4 * SIDE * SIDE;
    let (x, y) = (up(&tensor(&[n], 7)), up(&tensor(&[n], 8)));
    let (ox, oy) = (Operand::Tensor(x.clone()), Operand::Tensor(y));
    grp.throughput(Throughput::Bytes((3 * 4 * n) as u64));
    grp.bench_function("add_4M", |b| {
        b.iter(|| {
            black_box(binary(BinaryOp::Add, &ox, &oy).unwrap());
            sync()
        })
    });
    grp.throughput(Throughput::Bytes((4 * n) as u64));
    grp.bench_function("sum_4M", |b| {
        b.iter(|| {
            black_box(reduce::sum(&x, None, false, None).unwrap());
            sync()
        })
    });
    // Dispatch overhead: 64 tiny kernels recorded and submitted together.
    let tiny = Operand::Tensor(up(&tensor(&[256], 9)));
    grp.throughput(Throughput::Elements(64));
    grp.bench_function("dispatch_x64", |b| {
        b.iter(|| {
            for _ in 0..64 {
                black_box(binary(BinaryOp::Add, &tiny, &tiny).unwrap());
            }
            sync()
        })
    });
    let sizes: &[usize] = if g.software {
        &[1024]
    } else {
        &[1024, 2048, 4096]
    };
    for &m in sizes {
        let (a, b2) = (up(&tensor(&[m, m], 10)), up(&tensor(&[m, m], 11)));
        grp.throughput(Throughput::Elements(2 * (m as u64).pow(3)));
        grp.bench_with_input(BenchmarkId::new("matmul_f32", m), &(), |bch, _| {
            bch.iter(|| {
                black_box(linalg::matmul(&a, &b2).unwrap());
                sync()
            })
        });
    }
    grp.finish();
}

/// Convolution kernels (NOTE [convolution lowering]): each layer's forward, input gradient
/// and weight gradient, float32, batch 16 at 32x32. The 3x3 layer takes the Winograd kernels
/// (`backend/cpu/winograd.rs`), its stride-2 twin im2col + GEMM.
fn convolution(c: &mut Criterion) {
    let mut grp = c.benchmark_group("conv");
    // (name, in channels, out channels, kernel, padding, stride, groups)
    let layers = [
        ("3x3_64_64", 64, 64, 3, 1, 1, 1),
        ("3x3_64_64_stride2", 64, 64, 3, 1, 2, 1),
        ("depthwise_3x3_64", 64, 64, 3, 1, 1, 64),
        ("pointwise_64_128", 64, 128, 1, 0, 1, 1),
    ];
    for (name, cin, cout, k, p, s, groups) in layers {
        let a = ConvArgs {
            stride: vec![s, s],
            padding: vec![p, p],
            dilation: vec![1, 1],
            groups,
        };
        let out = (32 + 2 * p - k) / s + 1;
        let x = tensor(&[16, cin, 32, 32], 20);
        let w = tensor(&[cout, cin / groups, k, k], 21);
        let gy = tensor(&[16, cout, out, out], 22);
        let flops = 2 * 16 * (out * out) as u64 * (cout * cin / groups * k * k) as u64;
        grp.throughput(Throughput::Elements(flops));
        grp.bench_function(BenchmarkId::new("forward", name), |b| {
            b.iter(|| black_box(conv::conv(&x, &w, None, &a, None).unwrap()))
        });
        grp.bench_function(BenchmarkId::new("input_grad", name), |b| {
            b.iter(|| black_box(conv::conv_input_grad(&gy, &w, &a, &[32, 32]).unwrap()))
        });
        grp.bench_function(BenchmarkId::new("weight_grad", name), |b| {
            b.iter(|| black_box(conv::conv_weight_grad(&x, &gy, &a, &[k, k]).unwrap()))
        });
    }
    grp.finish();
}

/// Pooling kernels (`ops::pool`): MaxPool2d(2) forward (values and indices) and its backward
/// (scatter by the indices), AvgPool2d(3, 1, 1) forward and backward, on (32, 64, 32, 32).
fn pooling(c: &mut Criterion) {
    use rtensor::ops::pool::{self, PoolArgs};
    let x = tensor(&[32, 64, 32, 32], 7);
    let mut grp = c.benchmark_group("pool");
    grp.throughput(Throughput::Elements(x.numel() as u64));
    let two = [2i64, 2];
    let max = PoolArgs {
        nd: 2,
        kernel: &two,
        stride: &two,
        padding: &[0, 0],
        dilation: &[1, 1],
        ceil_mode: false,
    };
    let w = pool::max_pool_windows(&x, &max).expect("max windows");
    grp.bench_function("max2d_k2_fwd", |b| {
        b.iter(|| black_box(pool::max_by_windows(&x, &w, 2, "max_pool2d", true).expect("max")))
    });
    let (out, idx) = pool::max_by_windows(&x, &w, 2, "max_pool2d", true).expect("max");
    let idx = idx.expect("indices");
    grp.bench_function("max2d_k2_bwd", |b| {
        b.iter(|| {
            black_box(pool::max_backward(&out, &idx, &w, x.shape(), 2, "max_pool2d").expect("bwd"))
        })
    });
    let avg = PoolArgs {
        nd: 2,
        kernel: &[3, 3],
        stride: &[1, 1],
        padding: &[1, 1],
        dilation: &[1, 1],
        ceil_mode: false,
    };
    let wa = pool::avg_pool_windows(&x, &avg, true, None).expect("avg windows");
    grp.bench_function("avg2d_k3_fwd", |b| {
        b.iter(|| black_box(pool::avg_by_windows(&x, &wa, 2, "avg_pool2d").expect("avg")))
    });
    let g = pool::avg_by_windows(&x, &wa, 2, "avg_pool2d").expect("avg");
    grp.bench_function("avg2d_k3_bwd", |b| {
        b.iter(|| black_box(pool::avg_backward(&g, &wa, x.shape(), "avg_pool2d").expect("bwd")))
    });
    grp.finish();
}

criterion_group! {
    name = benches;
    config = configure();
    targets = elementwise, sums, matmul, batchnorm, convolution, pooling, gpu
}
criterion_main!(benches);
