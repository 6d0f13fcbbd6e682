//! The reparameterization gradients of the gamma and Dirichlet samplers: ATen's
//! `standard_gamma_grad_one` (`_standard_gamma_grad`) and `dirichlet_grad_one`
//! (`_dirichlet_grad`), computed in double and cast to the tensor's scalar type. They draw no
//! random numbers; they live beside the samplers whose draws they differentiate.

use super::gamma::Real;

fn polevl(x: f64, a: &[f64]) -> f64 {
    a.iter().fold(0.0, |r, &c| r * x + c)
}

/// ATen's `digamma_one` in double.
fn digamma(x: f64) -> f64 {
    const PSI_10: f64 = 2.251_752_589_066_721;
    const A: [f64; 7] = [
        8.333_333_333_333_333e-2,
        -2.109_279_609_279_609_3e-2,
        7.575_757_575_757_576e-3,
        -4.166_666_666_666_667e-3,
        3.968_253_968_253_968e-3,
        -8.333_333_333_333_333e-3,
        8.333_333_333_333_333e-2,
    ];
    let mut x = x;
    if x == 0.0 {
        return f64::INFINITY;
    }
    let mut additional = 0.0;
    if x < 0.0 {
        if x == x.floor() {
            return f64::INFINITY;
        }
        additional = -std::f64::consts::PI / (std::f64::consts::PI * x).tan();
        x = 1.0 - x;
    }
    let mut result = 0.0;
    while x < 10.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    if x == 10.0 {
        return result + PSI_10 + additional;
    }
    let mut y = 0.0;
    if x < 1.0e17 {
        let z = 1.0 / (x * x);
        y = z * polevl(z, &A);
    }
    result + x.ln() - (0.5 / x) - y + additional
}

/// `-(d/dalpha cdf(x; alpha)) / pdf(x; alpha)` for a standard gamma draw `x`.
pub fn standard_gamma_grad_one(alpha: f64, x: f64) -> f64 {
    if x < 0.8 {
        let mut numer = 1.0;
        let mut denom = alpha;
        let mut series1 = numer / denom;
        let mut series2 = numer / (denom * denom);
        for i in 1..=5 {
            numer *= -x / i as f64;
            denom += 1.0;
            series1 += numer / denom;
            series2 += numer / (denom * denom);
        }
        let pow_x_alpha = x.powf(alpha);
        let gamma_pdf = x.powf(alpha - 1.0) * (-x).exp();
        let gamma_cdf = pow_x_alpha * series1;
        let gamma_cdf_alpha = (x.ln() - digamma(alpha)) * gamma_cdf - pow_x_alpha * series2;
        let result = -gamma_cdf_alpha / gamma_pdf;
        return if result.is_nan() { 0.0 } else { result };
    }
    if alpha > 8.0 {
        if 0.9 * alpha <= x && x <= 1.1 * alpha {
            let numer_1 = 1.0 + 24.0 * alpha * (1.0 + 12.0 * alpha);
            let numer_2 = 1440.0 * (alpha * alpha) + 6.0 * x * (53.0 - 120.0 * x)
                - 65.0 * x * x / alpha
                + alpha * (107.0 + 3600.0 * x);
            let denom = 1_244_160.0 * (alpha * alpha) * (alpha * alpha);
            return numer_1 * numer_2 / denom;
        }
        let denom = (8.0 * alpha).sqrt();
        let term2 = denom / (alpha - x);
        let term3 = (x - alpha - alpha * (x / alpha).ln()).powf(-1.5);
        let term23 = if x < alpha {
            term2 - term3
        } else {
            term2 + term3
        };
        let term1 = (x / alpha).ln() * term23
            - (2.0 / alpha).sqrt() * (alpha + x) / ((alpha - x) * (alpha - x));
        let stirling = 1.0 + 1.0 / (12.0 * alpha) * (1.0 + 1.0 / (24.0 * alpha));
        let numer = x * term1;
        return -stirling * numer / denom;
    }
    let u = (x / alpha).ln();
    let v = alpha.ln();
    const COEF_UV: [[f64; 8]; 3] = [
        [
            0.16009398,
            -0.094634809,
            0.025146376,
            -0.0030648343,
            1.0,
            0.32668115,
            0.10406089,
            0.0014179084,
        ],
        [
            0.53487893,
            0.1298071,
            0.065735949,
            -0.0015649758,
            0.16639465,
            0.020070113,
            -0.0035938915,
            -0.00058392623,
        ],
        [
            0.040121004,
            -0.0065914022,
            -0.0026286047,
            -0.0013441777,
            0.017050642,
            -0.0021309326,
            0.00085092367,
            -1.5247877e-07,
        ],
    ];
    let mut coef_v = [0.0f64; 8];
    for (i, c) in coef_v.iter_mut().enumerate() {
        *c = COEF_UV[0][i] + u * (COEF_UV[1][i] + u * COEF_UV[2][i]);
    }
    let p = coef_v[0] + v * (coef_v[1] + v * (coef_v[2] + v * coef_v[3]));
    let q = coef_v[4] + v * (coef_v[5] + v * (coef_v[6] + v * coef_v[7]));
    (p / q).exp()
}

/// `_standard_gamma_grad(alpha, x)`, elementwise.
pub fn standard_gamma_grad<S: Real>(alpha: &[S], x: &[S]) -> Vec<S> {
    alpha
        .iter()
        .zip(x)
        .map(|(&a, &v)| S::of(standard_gamma_grad_one(a.f(), v.f())))
        .collect()
}

fn beta_grad_alpha_small<S: Real>(x: S, alpha: S, beta: S) -> S {
    let one = S::of(1.0);
    let factor = S::of(digamma(alpha.f())) - S::of(digamma((alpha + beta).f())) - S::of(x.f().ln());
    let mut numer = one;
    let mut series = numer / alpha * (factor + one / alpha);
    for i in 1..=10 {
        let ci = S::of(i as f64);
        numer = numer * ((ci - beta) * x / ci);
        let denom = alpha + ci;
        series = series + numer / denom * (factor + one / denom);
    }
    let result = x * S::of((one - x).f().powf((S::of(0.0) - beta).f())) * series;
    if result.f().is_nan() {
        S::of(0.0)
    } else {
        result
    }
}

fn beta_grad_beta_small<S: Real>(x: S, alpha: S, beta: S) -> S {
    let one = S::of(1.0);
    let factor = S::of(digamma((alpha + beta).f())) - S::of(digamma(beta.f()));
    let (mut numer, mut betas, mut dbetas) = (one, one, S::of(0.0));
    let mut series = factor / alpha;
    for i in 1..=8 {
        let ci = S::of(i as f64);
        numer = numer * (S::of(0.0) - x / ci);
        dbetas = dbetas * (beta - ci) + betas;
        betas = betas * (beta - ci);
        series = series + numer / (alpha + ci) * (dbetas + factor * betas);
    }
    let result = S::of(0.0) - S::of((one - x).f().powf((one - beta).f())) * series;
    if result.f().is_nan() {
        S::of(0.0)
    } else {
        result
    }
}

fn beta_grad_alpha_mid(x: f64, alpha: f64, beta: f64) -> f64 {
    let total = alpha + beta;
    let mean = alpha / total;
    let std = (alpha * beta / (total + 1.0)).sqrt() / total;
    if mean - 0.1 * std <= x && x <= mean + 0.1 * std {
        let poly = 47.0 * x * (beta * beta) * (beta * beta)
            + alpha
                * ((43.0 + 20.0 * (16.0 + 27.0 * beta) * x) * (beta * beta) * beta
                    + alpha
                        * (3.0 * (59.0 + 180.0 * beta - 90.0 * x) * (beta * beta)
                            + alpha
                                * ((453.0 + 1620.0 * beta * (1.0 - x) - 455.0 * x) * beta
                                    + alpha * (8.0 * (1.0 - x) * (135.0 * beta - 11.0)))));
        let prefactor_num = (1.0 + 12.0 * alpha) * (1.0 + 12.0 * beta) / (total * total);
        let prefactor_den = 12960.0 * alpha * alpha * alpha * beta * beta * (1.0 + 12.0 * total);
        return prefactor_num / (1.0 - x) * poly / prefactor_den;
    }
    let prefactor = -x / (2.0 * alpha * beta / total).sqrt();
    let stirling = (1.0 + 1.0 / (12.0 * alpha) + 1.0 / (288.0 * alpha * alpha))
        * (1.0 + 1.0 / (12.0 * beta) + 1.0 / (288.0 * beta * beta))
        / (1.0 + 1.0 / (12.0 * total) + 1.0 / (288.0 * total * total));
    let term1_num =
        2.0 * (alpha * alpha) * (x - 1.0) + alpha * beta * (x - 1.0) - x * (beta * beta);
    let axbx = alpha * (x - 1.0) + beta * x;
    let term1_den = (2.0 * alpha / beta).sqrt() * total.powf(1.5) * axbx * axbx;
    let term1 = term1_num / term1_den;
    let term2 = 0.5 * (alpha / (total * x)).ln();
    let term3_num = (8.0 * alpha * beta / total).sqrt();
    let term3_den = beta * x + alpha * (x - 1.0);
    let term3 = term3_num / term3_den;
    let term4_base = beta * (beta / (total * (1.0 - x))).ln() + alpha * (alpha / (total * x)).ln();
    let term4 = term4_base.powf(-1.5);
    let term1234 = term1 + term2 * (term3 + if x < mean { term4 } else { -term4 });
    stirling * prefactor * term1234
}

const DIRICHLET_C: [[[[f64; 4]; 3]; 3]; 2] = [
    [
        [
            [1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
            [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
            [
                -0.03276231906,
                0.004474107445,
                0.002429354597,
                -0.0001557569013,
            ],
        ],
        [
            [0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
            [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
            [
                0.02155310298,
                0.004170831599,
                0.001292462449,
                6.976601077e-05,
            ],
        ],
        [
            [
                -0.05980841433,
                0.008441916499,
                0.01085618172,
                0.002319392565,
            ],
            [
                0.02911413504,
                0.01400243777,
                -0.002721828457,
                0.000751041181,
            ],
            [
                0.005900514878,
                -0.001936558688,
                -9.495446725e-06,
                5.385558597e-05,
            ],
        ],
    ],
    [
        [
            [1.0, -0.02924021934, -0.04438342661, 0.007285809825],
            [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
            [
                -0.03301322327,
                0.004845219414,
                0.00231480583,
                -0.0002307248149,
            ],
        ],
        [
            [0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
            [
                0.1014815858,
                -0.06589186703,
                0.01272886114,
                -0.0007316646956,
            ],
            [
                -0.007258481865,
                0.001096195486,
                0.0003934994223,
                -4.12701925e-05,
            ],
        ],
        [
            [
                0.06469649321,
                -0.0236701437,
                0.002902096474,
                -5.896963079e-05,
            ],
            [
                0.001925008108,
                -0.002869809258,
                0.0008000589141,
                -6.063713228e-05,
            ],
            [
                -0.0003477407336,
                6.959756487e-05,
                1.097287507e-05,
                -1.650964693e-06,
            ],
        ],
    ],
];

/// ATen's `dirichlet_grad_one`: the scaled reparameterized gradient
/// `-(d/dalpha cdf(x; alpha, total - alpha)) / pdf / (1 - x)`.
pub fn dirichlet_grad_one<S: Real>(x: S, alpha: S, total: S) -> S {
    let (xf, af, tf) = (x.f(), alpha.f(), total.f());
    let beta = total - alpha;
    let beta_f = tf - af;
    let one = S::of(1.0);
    let boundary = total * x * (one - x);
    if x <= S::of(0.5) && boundary < S::of(2.5) {
        return beta_grad_alpha_small(x, alpha, beta);
    }
    if x >= S::of(0.5) && boundary < S::of(0.75) {
        return S::of(0.0) - beta_grad_beta_small(one - x, beta, alpha);
    }
    if alpha > S::of(6.0) && beta > S::of(6.0) {
        return S::of(beta_grad_alpha_mid(xf, af, beta_f));
    }
    let u = xf.ln();
    let a = af.ln() - u;
    let b = tf.ln() - a;
    let pow_u = [1.0, u, u * u];
    let pow_a = [1.0, a, a * a];
    let (mut p, mut q) = (0.0f64, 0.0f64);
    for i in 0..3 {
        for j in 0..3 {
            let ua = pow_u[i] * pow_a[j];
            let c0 = &DIRICHLET_C[0][i][j];
            let c1 = &DIRICHLET_C[1][i][j];
            p += ua * (c0[0] + b * (c0[1] + b * (c0[2] + b * c0[3])));
            q += ua * (c1[0] + b * (c1[1] + b * (c1[2] + b * c1[3])));
        }
    }
    let approx = xf * (digamma(tf) - digamma(af)) / beta_f;
    S::of(p / q * approx)
}

/// `_dirichlet_grad(x, alpha, total)`, elementwise.
pub fn dirichlet_grad<S: Real>(x: &[S], alpha: &[S], total: &[S]) -> Vec<S> {
    x.iter()
        .zip(alpha)
        .zip(total)
        .map(|((&x, &a), &t)| dirichlet_grad_one(x, a, t))
        .collect()
}
