//! Reference values copied from PyTorch's own outputs (shared/reference/rng_cases.json, as bit
//! patterns), plus state-layout and error-message checks. The full case list is replayed by
//! the Python tests.

use super::*;

fn f32s(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn f64s(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn randn32(g: &mut Generator, n: usize) -> Vec<u32> {
    let mut v = vec![0.0f32; n];
    fill_normal_f32(g, &mut v, 0.0, 1.0).unwrap();
    f32s(&v)
}

fn randn64(g: &mut Generator, n: usize) -> Vec<u64> {
    let mut v = vec![0.0f64; n];
    fill_normal_f64(g, &mut v, 0.0, 1.0).unwrap();
    f64s(&v)
}

fn rand32(g: &mut Generator, n: usize) -> Vec<u32> {
    let mut v = vec![0.0f32; n];
    fill_uniform_f32(g, &mut v, 0.0, 1.0).unwrap();
    f32s(&v)
}

#[test]
fn randn_scalar_path_with_cache() {
    let mut g = Generator::new(0);
    assert_eq!(
        randn32(&mut g, 5),
        [0x3fc53f5c, 0xbe963c50, 0xc00b7149, 0x3f1184b6, 0xbf8ad1a1]
    );
    // randn(3) twice (float64) continues one Box–Muller stream through the cached value.
    let mut g = Generator::new(0);
    assert_eq!(
        randn64(&mut g, 3),
        [0x3ff8a7eb8902be3a, 0xbfd2c78a087c6fea, 0xc0016e2920a70ee5]
    );
    assert_eq!(
        randn64(&mut g, 3),
        [0x3fe23096ca3e350d, 0xbff15a341987e136, 0xbff660a590b74404]
    );
    // A uniform draw in between leaves the cached normal alone.
    let mut g = Generator::new(0);
    assert_eq!(randn64(&mut g, 1), [0x3ff8a7eb8902be3a]);
    assert_eq!(rand32(&mut g, 1), [0x3e9d6686]);
    assert_eq!(randn64(&mut g, 1), [0xbfd2c78a087c6fea]);
}

#[test]
fn randn_block_path_float32() {
    let mut g = Generator::new(0);
    let want17 = [
        0xbf901b85, 0xbfd91446, 0x3f111004, 0x3f4b235d, 0x3f194d8b, 0xbfc70d5b, 0xbeaec6ca,
        0x3fed2f4e, 0x3eefaa55, 0xbf15e32b, 0xbe318eeb, 0x3e3be1a4, 0x3fb1d6c0, 0x3fcb0d00,
        0x3f72409c, 0xbf57fb33, 0x3f6e8c30,
    ];
    assert_eq!(randn32(&mut g, 17), want17);
    let mut g = Generator::new(42);
    let want33 = [
        0x3ff6a529, 0x3fbe5f53, 0x3f669567, 0xc006c0db, 0x3f2dacd5, 0xbf9e0591, 0xbd306786,
        0xbfcd65ba, 0xbf408bf0, 0x3fd3095b, 0xbec8f2f6, 0xbfb3a966, 0xbf3a566e, 0xbf0f36d1,
        0xbf44d2a0, 0x3f432f9f, 0x3fd23771, 0xbf5f0955, 0xbe64ba09, 0x3fdbd280, 0x3ea34448,
        0xbed95a8d, 0x3e9c8774, 0xbf464bb2, 0x3d0f003f, 0x3f7ee202, 0xbf6139a5, 0xbf19e472,
        0xbfa31763, 0x4007dbb6, 0xbf9e091d, 0xbef9cfd9, 0xbfb582fd,
    ];
    assert_eq!(randn32(&mut g, 33), want33);
}

#[test]
fn randn_block_path_float64() {
    let mut g = Generator::new(1);
    let want = [
        0xbfd3ec2b05b54971,
        0x3fd7ef6234f2b7ec,
        0x3fe25d654b7b0adc,
        0x3ff91d911bed3c78,
        0x3febf34427c542ac,
        0xc00da326c6448723,
        0xbffd06c655b7adc3,
        0xbffd7b2c0598141d,
        0x3fb818c389b97035,
        0x3fe17a9eda258ec5,
        0x3ff0d640b68ad8ac,
        0xbfc403bfa0ff88f6,
        0xc000cedbec231a3e,
        0x3ff9469e9fae1e41,
        0x3ff1556e77117cee,
        0x3fec7836b0b2366f,
        0xbffedb7a381131e9,
    ];
    assert_eq!(randn64(&mut g, 17), want);
}

#[test]
fn normal_with_mean_and_std() {
    let mut g = Generator::new(0);
    let mut v = vec![0.0f32; 20];
    fill_normal_f32(&mut g, &mut v, 1.5, 0.5).unwrap();
    assert_eq!(
        &f32s(&v)[..4],
        [0x3f6fe47b, 0x3f6c7f76, 0x3faff685, 0x3fa43b54]
    );
    assert_eq!(
        &f32s(&v)[16..],
        [0x3ffba30c, 0x400849ce, 0x402028cd, 0x3fc3706d]
    );
    let mut g = Generator::new(0);
    let mut v = vec![0.0f32; 5];
    fill_normal_f32(&mut g, &mut v, 1.5, 0.5).unwrap();
    assert_eq!(
        f32s(&v),
        [0x40114fd7, 0x3fad3876, 0x3ed23adc, 0x3fe4612e, 0x3f752e5f]
    );
    let mut g = Generator::new(0);
    let mut v = vec![0.0f64; 20];
    fill_normal_f64(&mut g, &mut v, 1.5, 0.5).unwrap();
    assert_eq!(&f64s(&v)[..2], [0x3fd6111b45b67490, 0x3ff503950d6d8d74]);
    assert_eq!(f64s(&v)[19], 0x3ff20038df8edd3c);
}

#[test]
fn uniform_streams() {
    let mut g = Generator::new(0);
    assert_eq!(
        rand32(&mut g, 7),
        [
            0x3efe1558, 0x3f44aa2f, 0x3db533a8, 0x3e073300, 0x3e9d6686, 0x3f2252fb, 0x3efaed86
        ]
    );
    let mut g = Generator::new(0);
    let mut v = vec![0.0f64; 20];
    fill_uniform_f64(&mut g, &mut v, 0.0, 1.0).unwrap();
    assert_eq!(
        &f64s(&v)[..3],
        [0x3fef0aac97c4aa2f, 0x3fe6a675d821ccc0, 0x3fdd6687b744a5f6]
    );
    let mut g = Generator::new(0);
    let mut v = vec![0.0f32; 12];
    fill_uniform_f32(&mut g, &mut v, -2.0, 3.0).unwrap();
    assert_eq!(
        &f32s(&v)[..4],
        [0x3ef66ab8, 0x3feba976, 0xbfc75fdc, 0xbfab8020]
    );
    assert_eq!(f32s(&v)[11], 0x3c0cae80);
    let mut g = Generator::new(5);
    let mut v = vec![0.0f64; 12];
    fill_uniform_f64(&mut g, &mut v, -2.0, 3.0).unwrap();
    assert_eq!(&f64s(&v)[..2], [0x3ff35c77a350b603, 0xbfe67050d7e67e4f]);
}

#[test]
fn generator_objects_are_independent() {
    let mut default = Generator::new(9);
    let mut g = Generator::new(123);
    assert_eq!(rand32(&mut g, 3), [0x3e979bfc, 0x3f043d6d, 0x3e80dafc]);
    assert_eq!(
        rand32(&mut default, 3),
        [0x3f27e17e, 0x3e9aa2b8, 0x3ef5b4fc]
    );
}

#[test]
fn integer_draws() {
    let mut g = Generator::new(0);
    let mut v = vec![0i64; 6];
    fill_randint(&mut g, &mut v, 0, 1 << 40, RngDType::I64).unwrap();
    assert_eq!(
        v,
        [
            741280623151,
            506137267392,
            291447657211,
            841157541223,
            41332891347,
            91845220082
        ]
    );
    let mut g = Generator::new(5);
    let mut v = vec![0i64; 20];
    fill_randint(&mut g, &mut v, -5, 1000, RngDType::I64).unwrap();
    assert_eq!(&v[..5], [861, 724, 962, 70, 831]);
    let mut g = Generator::new(0);
    let mut v = vec![0i64; 4];
    fill_random(&mut g, &mut v, RngDType::I64);
    assert_eq!(
        v,
        [
            900450186894289455,
            3969543146641149120,
            1895649597198586619,
            827948490035658087
        ]
    );
    let mut g = Generator::new(5);
    fill_random(&mut g, &mut v, RngDType::F32);
    let as_f32: Vec<u32> = v.iter().map(|&x| (x as f32).to_bits()).collect();
    assert_eq!(as_f32, [0x4b548b2b, 0x4a012300, 0x4b684f11, 0x4b51e5e9]);
    let mut g = Generator::new(0);
    let mut v = vec![0i64; 24];
    fill_random_to(&mut g, &mut v, 10, RngDType::I64).unwrap();
    assert_eq!(&v[..8], [4, 9, 3, 0, 3, 9, 7, 3]);
    let mut g = Generator::new(0);
    let mut v = vec![0i64; 6];
    fill_random_from_to(&mut g, &mut v, 3, Some(9), RngDType::I64).unwrap();
    assert_eq!(v, [5, 6, 8, 3, 4, 6]);
}

#[test]
fn permutations_and_dataloader_shuffle() {
    let mut g = Generator::new(5);
    assert_eq!(randperm(&mut g, 5).unwrap(), [1, 3, 0, 4, 2]);
    let mut g = Generator::new(0);
    assert_eq!(&randperm(&mut g, 50).unwrap()[..6], [44, 39, 7, 6, 17, 29]);
    // RandomSampler: seed = int64 random_() from the default stream, fresh generator, randperm.
    let sampler = |g: &mut Generator| {
        let mut s = [0i64];
        fill_random(g, &mut s, RngDType::I64);
        randperm(&mut Generator::new(s[0] as u64), 10).unwrap()
    };
    assert_eq!(
        sampler(&mut Generator::new(3)),
        [7, 0, 9, 1, 6, 4, 5, 3, 2, 8]
    );
    // A DataLoader iterator draws its own base seed first, then the sampler draws.
    let mut g = Generator::new(7);
    let mut base = [0i64];
    fill_random(&mut g, &mut base, RngDType::I64);
    assert_eq!(sampler(&mut g), [3, 2, 7, 8, 6, 1, 5, 9, 0, 4]);
    assert_eq!(randperm(&mut g, 0).unwrap(), Vec::<i64>::new());
    assert_eq!(
        randperm(&mut g, -1).unwrap_err(),
        "Trying to create tensor with negative dimension -1: [-1]"
    );
}

#[test]
fn nn_init_draws() {
    // nn.Linear(3, 1) after manual_seed(1): weight then bias, uniform_(-1/sqrt(3), 1/sqrt(3)).
    let mut g = Generator::new(1);
    let bound = 1.0 / 3f64.sqrt();
    let (mut w, mut b) = (vec![0.0f32; 3], vec![0.0f32; 1]);
    fill_uniform_f32(&mut g, &mut w, -bound, bound).unwrap();
    fill_uniform_f32(&mut g, &mut b, -bound, bound).unwrap();
    assert_eq!(f32s(&w), [0x3e985043, 0xbe82790e, 0xbde53973]);
    assert_eq!(f32s(&b), [0x3e8abf3d]);
    // nn.Embedding(2, 5): normal_(0, 1) over 10 elements takes the scalar path.
    let mut g = Generator::new(1);
    let want = [
        0x3f294e60, 0x3e88aa47, 0x3d7ca14b, 0x3f1f0ea7, 0xbee76038, 0xbe2a1e0b, 0xbfc2ea14,
        0x3ec36c13, 0xbf8388ae, 0xbf10243a,
    ];
    assert_eq!(randn32(&mut g, 10), want);
}

#[test]
fn bernoulli_dropout_exponential_multinomial() {
    let mut g = Generator::new(0);
    let mut v = vec![0u8; 30];
    fill_bernoulli_scalar(&mut g, &mut v, 0.2).unwrap();
    let ones: Vec<usize> = (0..30).filter(|&i| v[i] == 1).collect();
    assert_eq!(ones, [6, 11, 22]);
    // F.dropout(ones(20), p=0.5): mask = bernoulli_(1 - p), scaled by 1 / (1 - p).
    let mut g = Generator::new(2);
    let mut m = vec![0.0f32; 20];
    fill_bernoulli_scalar(&mut g, &mut m, 0.5).unwrap();
    let kept: Vec<usize> = (0..20).filter(|&i| m[i] == 1.0).collect();
    assert_eq!(kept, [1, 6, 7, 9, 10, 15, 17, 19]);
    let mut g = Generator::new(4);
    let mut v = vec![0.0f32; 8];
    fill_bernoulli_tensor_f32(&mut g, &mut v, &[0.3; 8]).unwrap();
    assert_eq!(v, [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]);
    let mut g = Generator::new(4);
    let mut v = vec![0.0f32; 6];
    fill_exponential_f32(&mut g, &mut v, 2.0).unwrap();
    assert_eq!(
        f32s(&v),
        [
            0x3ea5fc6d, 0x3f2861ad, 0x3cf2cf75, 0x3fb78481, 0x3fbe0000, 0x3ecd2833
        ]
    );
    let mut g = Generator::new(4);
    assert_eq!(
        multinomial(&mut g, &[0.1f32, 0.2, 0.7], 3, 5, true).unwrap(),
        [2, 2, 0, 2, 2]
    );
    // normal(zeros(4), ones(4)) = randn(4) * std + mean.
    let mut g = Generator::new(4);
    assert_eq!(
        randn32(&mut g, 4),
        [0xbfcd79b2, 0x3e6e10bc, 0x400f5a08, 0x3f58e83f]
    );
}

#[test]
fn state_round_trip_and_layout() {
    let mut g = Generator::new(1234);
    let mut one = [0.0f64];
    fill_normal_f64(&mut g, &mut one, 0.0, 1.0).unwrap(); // leaves a cached normal
    let s = g.get_state();
    assert_eq!(s.len(), STATE_SIZE);
    assert_eq!(&s[0..8], &1234u64.to_le_bytes());
    assert_eq!(&s[8..12], &621i32.to_le_bytes()); // left after four 32-bit draws of a fresh block
    assert_eq!(&s[12..16], &1i32.to_le_bytes());
    assert_eq!(&s[16..24], &4u64.to_le_bytes());
    assert_eq!(&s[5040..5044], &1i32.to_le_bytes()); // normal_is_valid
    let mut h = Generator::new(0);
    h.set_state(&s).unwrap();
    assert_eq!(h, g);
    let (mut a, mut b) = (vec![0.0f32; 40], vec![0.0f32; 40]);
    fill_normal_f32(&mut g, &mut a, 0.0, 1.0).unwrap();
    fill_normal_f32(&mut h, &mut b, 0.0, 1.0).unwrap();
    assert_eq!(f32s(&a), f32s(&b));
    assert_eq!(
        normal_scalar(&mut g, 0.0, 1.0).to_bits(),
        normal_scalar(&mut h, 0.0, 1.0).to_bits()
    );
    // A fresh default generator: seed 67280421310721, left 1, next 0, no cached normal.
    let d = Generator::default().get_state();
    assert_eq!(&d[0..8], &DEFAULT_SEED.to_le_bytes());
    assert_eq!(&d[8..12], &1i32.to_le_bytes());
    assert!(d[5016..].iter().all(|&b| b == 0));
    assert_eq!(
        h.set_state(&d[..5048]).unwrap_err(),
        "Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 5048"
    );
}

#[test]
fn state_errors() {
    let mut g = Generator::new(3);
    let before = g.clone();
    assert_eq!(
        g.set_state(&[0u8; 10]).unwrap_err(),
        "Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 10"
    );
    let mut bad = g.get_state();
    bad[8..12].copy_from_slice(&0i32.to_le_bytes()); // left = 0 is invalid
    assert_eq!(g.set_state(&bad).unwrap_err(), "Invalid mt19937 state");
    assert_eq!(g, before);
}

#[test]
fn seeds() {
    let mut a = Generator::new((1 << 33) + 5);
    let mut b = Generator::new(5);
    assert_eq!(a.next_u64(), b.next_u64());
    assert_eq!(a.initial_seed(), (1 << 33) + 5);
    let mut g = Generator::new(0);
    let _ = randn64(&mut g, 1);
    g.manual_seed(0); // also clears the cached normal
    assert_eq!(randn64(&mut g, 1), [0x3ff8a7eb8902be3a]);
    let s = g.seed_nondeterministic();
    assert_eq!(g.initial_seed(), s);
}

#[test]
fn error_messages() {
    let mut g = Generator::new(0);
    let mut v = vec![0i64; 3];
    assert_eq!(
        fill_random_from_to(&mut g, &mut v, 5, Some(5), RngDType::I64).unwrap_err(),
        "random_ expects 'from' to be less than 'to', but got from=5 >= to=5"
    );
    assert_eq!(
        fill_randint(&mut g, &mut v, 0, 300, RngDType::U8).unwrap_err(),
        "to - 1 is out of bounds for unsigned char"
    );
    let mut f = vec![0.0f32; 3];
    assert_eq!(
        fill_uniform_f32(&mut g, &mut f, 3.0, 2.5).unwrap_err(),
        "uniform_ expects to return a [from, to) range, but found from=3 > to=2.5"
    );
    assert_eq!(
        fill_normal_f32(&mut g, &mut f, 0.0, -1.0).unwrap_err(),
        "normal expects std >= 0.0, but found std -1"
    );
    assert_eq!(
        fill_bernoulli_scalar(&mut g, &mut f, 1.5).unwrap_err(),
        "bernoulli_ expects p to be in [0, 1], but got p=1.5"
    );
    assert_eq!(
        fill_exponential_f32(&mut g, &mut f, 0.0).unwrap_err(),
        "exponential_ expects lambda > 0.0, but found lambda=0"
    );
    assert_eq!(
        multinomial(&mut g, &[0.5f32, -1.0], 2, 1, false).unwrap_err(),
        "probability tensor contains either `inf`, `nan` or element < 0"
    );
    assert_eq!(
        multinomial(&mut g, &[0.5f32, 0.5], 2, 3, false).unwrap_err(),
        "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
    );
    assert_eq!(fmt_double(1e-5), "1e-05");
    assert_eq!(fmt_double(123456789.0), "1.23457e+08");
    assert_eq!(fmt_double(0.1), "0.1");
    assert_eq!(fmt_double(-2.0), "-2");
}

#[test]
fn float_random_bounds_follow_representable_values() {
    let mut g = Generator::new(0);
    let mut v = vec![0i64; 1000];
    fill_random(&mut g, &mut v, RngDType::Bool);
    assert!(v.iter().all(|&x| x == 0 || x == 1));
    fill_random(&mut g, &mut v, RngDType::U8);
    assert!(v.iter().all(|&x| (0..=255).contains(&x)));
    // random_(from) on float32 covers [from, 2^24] inclusive.
    fill_random_from_to(&mut g, &mut v, 16_777_200, None, RngDType::F32).unwrap();
    assert!(v.iter().all(|&x| (16_777_200..=16_777_216).contains(&x)));
    // Full 64-bit range for int64.
    fill_random_from_to(&mut g, &mut v, i64::MIN, None, RngDType::I64).unwrap();
    assert!(v.iter().any(|&x| x < 0));
    assert!(fill_random_from_to(&mut g, &mut v, i64::MIN, None, RngDType::I32).is_err());
}

#[test]
fn multinomial_without_replacement_is_a_permutation_prefix() {
    let mut g = Generator::new(0);
    let probs = [0.1f64, 0.0, 0.3, 0.6, 0.2, 0.5, 0.1, 0.2];
    let out = multinomial(&mut g, &probs, 4, 3, false).unwrap();
    assert_eq!(out.len(), 6);
    for row in out.chunks(3) {
        let mut r = row.to_vec();
        r.sort();
        r.dedup();
        assert_eq!(r.len(), 3);
    }
    assert!(!out[..3].contains(&1)); // zero probability is never drawn before the others
}

#[test]
fn extreme_arguments_do_not_panic() {
    let mut g = Generator::new(0);
    let ints = [
        i64::MIN,
        i64::MIN + 1,
        -(1 << 40),
        -300,
        -1,
        0,
        1,
        2,
        255,
        256,
        1 << 24,
        (1 << 24) + 1,
        1 << 53,
        i64::MAX,
    ];
    let floats = [
        f64::NAN,
        f64::NEG_INFINITY,
        -1e300,
        -1.0,
        0.0,
        1e-300,
        0.5,
        1.0,
        2.0,
        1e300,
        f64::INFINITY,
    ];
    let dtypes = [
        RngDType::Bool,
        RngDType::U8,
        RngDType::I8,
        RngDType::I16,
        RngDType::I32,
        RngDType::I64,
        RngDType::F16,
        RngDType::BF16,
        RngDType::F32,
        RngDType::F64,
    ];
    let mut v = vec![0i64; 5];
    for &d in &dtypes {
        fill_random(&mut g, &mut v, d);
        for &a in &ints {
            let _ = fill_random_from_to(&mut g, &mut v, a, None, d);
            let _ = fill_random_to(&mut g, &mut v, a, d);
            for &b in &ints {
                let _ = fill_random_from_to(&mut g, &mut v, a, Some(b), d);
            }
        }
    }
    let (mut f, mut d) = (vec![0.0f32; 17], vec![0.0f64; 17]);
    for &a in &floats {
        let _ = fill_bernoulli_scalar(&mut g, &mut f, a);
        let _ = fill_exponential_f32(&mut g, &mut f, a);
        let _ = fill_geometric(&mut g, &mut d, a);
        for &b in &floats {
            let _ = fill_uniform_f32(&mut g, &mut f, a, b);
            let _ = fill_uniform_f64(&mut g, &mut d, a, b);
            let _ = fill_uniform_reduced(&mut g, &mut f, a, b, false, |x| x);
            let _ = fill_normal_f32(&mut g, &mut f, a, b);
            let _ = fill_normal_f64(&mut g, &mut d, a, b);
            let _ = fill_normal_reduced(&mut g, &mut f, a, b);
            let _ = fill_log_normal_f32(&mut g, &mut f, a, b);
            let _ = fill_cauchy_f64(&mut g, &mut d, a, b);
        }
    }
    let _ = fill_bernoulli_tensor_f32(&mut g, &mut f, &[0.5; 3]);
    for probs in [
        &[][..],
        &[f32::NAN, 1.0][..],
        &[0.0, 0.0, 0.0][..],
        &[1.0, 2.0, 3.0, 4.0][..],
    ] {
        for cats in [0, 1, 2, 3, 5] {
            for k in [-1, 0, 1, 2, 7] {
                let _ = multinomial(&mut g, probs, cats, k, true);
                let _ = multinomial(&mut g, probs, cats, k, false);
            }
        }
    }
    assert!(randperm(&mut g, i64::MAX).is_err());
    let mut s = g.get_state();
    for k in 0..64 {
        s[k * 79 % STATE_SIZE] ^= 0xa5;
        let _ = g.set_state(&s);
        let _ = randn32(&mut g, 20);
    }
}

#[test]
fn checks_apply_to_empty_outputs() {
    let mut g = Generator::new(0);
    assert!(fill_uniform_f32(&mut g, &mut [], 3.0, 2.0).is_err());
    assert!(fill_normal_f64(&mut g, &mut [], 0.0, -1.0).is_err());
    assert!(fill_random_from_to(&mut g, &mut [], 5, Some(5), RngDType::I64).is_err());
    assert_eq!(
        multinomial(&mut g, &[0.0f32; 0], 3, 2, true).unwrap(),
        Vec::<i64>::new()
    );
}
