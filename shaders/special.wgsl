// The special functions of torch.special for the elementwise maps (appended to math.wgsl's
// helpers when an expression calls an `sp_` function). Float32 ports of the CPU kernels in
// src/backend/cpu/special.rs (Cephes' Chebyshev and rational approximations as ATen's Math.h
// uses them); erfc/erfcx use a Chebyshev fit of erfcx with fractional error below 1.2e-7
// (Numerical Recipes' erfcc) since WGSL has no erfc. Every function keeps NaN.

var<private> SP_I0E_A: array<f32, 30> = array<f32, 30>(
    -4.4153416464793394e-18, 3.330794518822238e-17, -2.4312798465479547e-16, 1.715391285555133e-15,
    -1.1685332877993452e-14, 7.676185498604936e-14, -4.8564467831119295e-13, 2.95505266312964e-12,
    -1.7268262914415558e-11, 9.675809035373237e-11, -5.189795601635263e-10, 2.6598237246823866e-9,
    -1.300025009986248e-8, 6.046995022541919e-8, -2.6707938539406117e-7, 1.1173875391201037e-6,
    -4.4167383584587506e-6, 1.6448448070728896e-5, -5.754195010082104e-5, 1.8850288509584165e-4,
    -5.763755745385824e-4, 1.6394756169413357e-3, -4.324309995050576e-3, 1.0546460394594998e-2,
    -2.3737414805899468e-2, 4.930528423967071e-2, -9.490109704804764e-2, 1.7162090152220877e-1,
    -3.046826723431984e-1, 6.767952744094761e-1,
);

var<private> SP_I0E_B: array<f32, 30> = array<f32, 30>(
    0.0, 0.0, 0.0, 0.0,
    0.0, -7.233180487874754e-18, -4.830504485944182e-18, 4.46562142029676e-17,
    3.461222867697461e-17, -2.8276239805165835e-16, -3.425485619677219e-16, 1.7725601330565264e-15,
    3.8116806693526224e-15, -9.554846698828307e-15, -4.150569347287222e-14, 1.54008621752141e-14,
    3.8527783827421426e-13, 7.180124451383666e-13, -1.7941785315068062e-12, -1.3215811840447713e-11,
    -3.1499165279632416e-11, 1.1889147107846439e-11, 4.94060238822497e-10, 3.3962320257083865e-9,
    2.266668990498178e-8, 2.0489185894690637e-7, 2.8913705208347567e-6, 6.889758346916825e-5,
    3.369116478255694e-3, 8.044904110141088e-1,
);

var<private> SP_I1E_A: array<f32, 30> = array<f32, 30>(
    0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0,
    0.0, 9.381537386495773e-9, -4.445059128796328e-8, 2.0032947535521353e-7,
    -8.568720264695455e-7, 3.4702513081376785e-6, -1.3273163656039436e-5, 4.781565107550054e-5,
    -1.6176081582589674e-4, 5.122859561685758e-4, -1.5135724506312532e-3, 4.156422944312888e-3,
    -1.0564084894626198e-2, 2.4726449030626516e-2, -5.294598120809499e-2, 1.026436586898471e-1,
    -1.7641651835783406e-1, 2.5258718644363365e-1,
);

var<private> SP_I1E_B: array<f32, 30> = array<f32, 30>(
    0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, -3.835380385964237e-9,
    -2.6314688468895195e-8, -2.512236237870209e-7, -3.8825648088776904e-6, -1.1058893876262372e-4,
    -9.761097491361469e-3, 7.785762350182801e-1,
);

var<private> SP_NDTRI_P0: array<f32, 9> = array<f32, 9>(
    0.0, 0.0, 0.0, 0.0,
    -5.996335010141079e1, 9.800107541859997e1, -5.667628574690703e1, 1.3931260938727968e1,
    -1.2391658386738126,
);

var<private> SP_NDTRI_Q0: array<f32, 9> = array<f32, 9>(
    1.0, 1.9544885833814176, 4.676279128988815, 8.636024213908906e1,
    -2.2546268785411937e2, 2.0026021238006066e2, -8.203722561683334e1, 1.590562251262117e1,
    -1.1833162112133001,
);

var<private> SP_NDTRI_P1: array<f32, 9> = array<f32, 9>(
    4.0554489230596245, 3.1525109459989387e1, 5.716281922464213e1, 4.408050738932008e1,
    1.4684956192885803e1, 2.1866330685079026, -1.402560791713545e-1, -3.504246268278482e-2,
    -8.574567851546854e-4,
);

var<private> SP_NDTRI_Q1: array<f32, 9> = array<f32, 9>(
    1.0, 1.5779988325646675e1, 4.539076351288792e1, 4.13172038254672e1,
    1.504253856929075e1, 2.504649462083094, -1.4218292285478779e-1, -3.808064076915783e-2,
    -9.332594808954574e-4,
);

var<private> SP_NDTRI_P2: array<f32, 9> = array<f32, 9>(
    3.2377489177694604, 6.915228890689842, 3.9388102529247444, 1.3330346081580755,
    2.0148538954917908e-1, 1.2371663481782002e-2, 3.015815535082354e-4, 2.6580697468673755e-6,
    6.239745391849833e-9,
);

var<private> SP_NDTRI_Q2: array<f32, 9> = array<f32, 9>(
    1.0, 6.02427039364742, 3.6798356385616086, 1.3770209948908133,
    2.1623699359449664e-1, 1.3420400608854319e-2, 3.2801446468212774e-4, 2.8924786474538067e-6,
    6.790194080099813e-9,
);


var<private> SP_ZETA_A: array<f32, 12> = array<f32, 12>(
    12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
    -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
    1.8152105401943546773e17, -7.1661652561756670113e18,
);

var<private> SP_DIGAMMA_A: array<f32, 7> = array<f32, 7>(
    8.33333333333333333333e-2, -2.10927960927960927961e-2, 7.57575757575757575758e-3,
    -4.16666666666666666667e-3, 3.96825396825396825397e-3, -8.33333333333333333333e-3,
    8.33333333333333333333e-2,
);

const SP_PI: f32 = 3.14159265358979323846;

fn sp_chbevl_i0e_a(x: f32) -> f32 {
    var b0 = 0.0;
    var b1 = 0.0;
    var b2 = 0.0;
    for (var i = 0; i < 30; i++) {
        b2 = b1;
        b1 = b0;
        b0 = x * b1 - b2 + SP_I0E_A[i];
    }
    return 0.5 * (b0 - b2);
}

fn sp_chbevl_i0e_b(x: f32) -> f32 {
    var b0 = 0.0;
    var b1 = 0.0;
    var b2 = 0.0;
    for (var i = 0; i < 30; i++) {
        b2 = b1;
        b1 = b0;
        b0 = x * b1 - b2 + SP_I0E_B[i];
    }
    return 0.5 * (b0 - b2);
}

fn sp_chbevl_i1e_a(x: f32) -> f32 {
    var b0 = 0.0;
    var b1 = 0.0;
    var b2 = 0.0;
    for (var i = 0; i < 30; i++) {
        b2 = b1;
        b1 = b0;
        b0 = x * b1 - b2 + SP_I1E_A[i];
    }
    return 0.5 * (b0 - b2);
}

fn sp_chbevl_i1e_b(x: f32) -> f32 {
    var b0 = 0.0;
    var b1 = 0.0;
    var b2 = 0.0;
    for (var i = 0; i < 30; i++) {
        b2 = b1;
        b1 = b0;
        b0 = x * b1 - b2 + SP_I1E_B[i];
    }
    return 0.5 * (b0 - b2);
}

fn sp_i0(a: f32) -> f32 {
    let x = abs(a);
    if (x <= 8.0) {
        return keep_nan(a, exp_f(x) * sp_chbevl_i0e_a(x / 2.0 - 2.0));
    }
    return keep_nan(a, exp_f(x) * sp_chbevl_i0e_b(32.0 / x - 2.0) / sqrt_f(x));
}

fn sp_i0e(a: f32) -> f32 {
    let x = abs(a);
    if (x <= 8.0) {
        return keep_nan(a, sp_chbevl_i0e_a(x / 2.0 - 2.0));
    }
    return keep_nan(a, sp_chbevl_i0e_b(32.0 / x - 2.0) / sqrt_f(x));
}

fn sp_i1(a: f32) -> f32 {
    let x = abs(a);
    var r: f32;
    if (x <= 8.0) {
        r = exp_f(x) * x * sp_chbevl_i1e_a(x / 2.0 - 2.0);
    } else {
        r = exp_f(x) * sp_chbevl_i1e_b(32.0 / x - 2.0) / sqrt_f(x);
    }
    return keep_nan(a, select(r, -r, a < 0.0));
}

fn sp_i1e(a: f32) -> f32 {
    let x = abs(a);
    var r: f32;
    if (x <= 8.0) {
        r = sp_chbevl_i1e_a(x / 2.0 - 2.0) * x;
    } else {
        r = sp_chbevl_i1e_b(32.0 / x - 2.0) / sqrt_f(x);
    }
    return keep_nan(a, select(r, -r, a < 0.0));
}

// exp(x^2) erfc(x) for x >= 0 (0 at +inf).
fn sp_erfcx_pos(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.5 * x);
    let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
        + t * 0.17087277))))))));
    return t * exp_f(p);
}

fn sp_erfcx(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return x;
    }
    if (x >= 0.0) {
        return sp_erfcx_pos(x);
    }
    return 2.0 * exp_f(x * x) - sp_erfcx_pos(-x);
}

fn sp_erfc(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return x;
    }
    if (abs(x) < 0.5) {
        return 1.0 - erf_f(x);
    }
    let r = exp_f(-x * x) * sp_erfcx_pos(abs(x));
    return select(r, 2.0 - r, x < 0.0);
}

fn sp_erf(x: f32) -> f32 {
    if (abs(x) < 1.0) {
        return erf_f(x);
    }
    let r = 1.0 - exp_f(-x * x) * sp_erfcx_pos(abs(x));
    return keep_nan(x, select(r, -r, x < 0.0));
}

fn sp_erfinv(y: f32) -> f32 {
    let ya = abs(y);
    if (is_nan_f(y) || ya > 1.0) {
        return nan_f();
    }
    if (ya == 1.0) {
        return copysign_f(f32_inf(), y);
    }
    var x: f32;
    if (ya <= 0.7) {
        let z = y * y;
        let num = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899;
        let dem = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1.0;
        x = y * num / dem;
    } else {
        let z = sqrt_f(-log_f((1.0 - ya) / 2.0));
        let num = ((1.641345311 * z + 3.429567803) * z - 1.624906493) * z - 1.970840454;
        let dem = (1.637067800 * z + 3.543889200) * z + 1.0;
        x = copysign_f(num, y) / dem;
    }
    for (var i = 0; i < 2; i++) {
        x = x - (sp_erf(x) - y) / (1.1283791670955126 * exp_f(-x * x));
    }
    return x;
}

// Gamma on (0, 10) by the recurrence to [2, 3) and Cephes' single-precision polynomial there.
fn sp_gamma_small(x0: f32) -> f32 {
    var x = x0;
    var p = 1.0;
    for (var i = 0; i < 12 && x >= 3.0; i++) {
        x = x - 1.0;
        p = p * x;
    }
    for (var i = 0; i < 12 && x < 2.0; i++) {
        p = p / x;
        x = x + 1.0;
    }
    let z = x - 2.0;
    let g = ((((((1.536830450601906e-3 * z + 5.397581592950993e-3) * z + 4.130370201859976e-3) * z
        + 7.232307985516519e-2) * z + 8.203960091619193e-2) * z + 4.117857447645796e-1) * z
        + 4.227867745131584e-1) * z + 9.999999822945073e-1;
    return p * g;
}

fn sp_lgamma_pos(x: f32) -> f32 {
    if (x == 1.0 || x == 2.0) {
        return 0.0;
    }
    if (x < 10.0) {
        return log_f(abs(sp_gamma_small(x)));
    }
    if (is_inf_f(x)) {
        return x;
    }
    let r = 1.0 / x;
    let r2 = r * r;
    let s = r * (0.083333333333333333 - r2 * (0.0027777777777777778 - r2 * 0.00079365079365079365));
    return (x - 0.5) * log_f(x) - x + 0.91893853320467274 + s;
}

fn sp_lgamma(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return x;
    }
    if (x > 0.0) {
        return sp_lgamma_pos(x);
    }
    if (x == trunc(x)) {
        return f32_inf();
    }
    // Reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x).
    let r = x - round(x);
    let s = abs(sin_f(SP_PI * r));
    return log_f(SP_PI / s) - sp_lgamma_pos(1.0 - x);
}

fn sp_digamma_pos(x0: f32) -> f32 {
    var x = x0;
    var result = 0.0;
    for (var i = 0; i < 12 && x < 10.0; i++) {
        result -= 1.0 / x;
        x += 1.0;
    }
    if (x == 10.0) {
        return result + 2.25175258906672110764;
    }
    var y = 0.0;
    if (x < 1.0e17) {
        let z = 1.0 / (x * x);
        var pz = 0.0;
        for (var i = 0; i < 7; i++) {
            pz = pz * z + SP_DIGAMMA_A[i];
        }
        y = z * pz;
    }
    return result + log_f(x) - (0.5 / x) - y;
}

fn sp_digamma(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return x;
    }
    if (x == 0.0) {
        return copysign_f(f32_inf(), -x);
    }
    if (x < 0.0) {
        if (x == trunc(x)) {
            return nan_f();
        }
        // tan has period pi: the nearest integer's offset keeps the argument small (float32
        // has no f64 to spare, as ATen's CPU kernel does).
        let r = x - round(x);
        return sp_digamma_pos(1.0 - x) - SP_PI / tan_f(SP_PI * r);
    }
    return sp_digamma_pos(x);
}

fn sp_ndtri(y0: f32) -> f32 {
    if (is_nan_f(y0) || y0 < 0.0 || y0 > 1.0) {
        return nan_f();
    }
    if (y0 == 0.0) {
        return -f32_inf();
    }
    if (y0 == 1.0) {
        return f32_inf();
    }
    let e2 = 0.13533528323661269189;
    var code = true;
    var y = y0;
    if (y > 1.0 - e2) {
        y = 1.0 - y;
        code = false;
    }
    if (y > e2) {
        y = y - 0.5;
        let y2 = y * y;
        var p = 0.0;
        var q = 0.0;
        for (var i = 0; i < 9; i++) {
            p = p * y2 + SP_NDTRI_P0[i];
            q = q * y2 + SP_NDTRI_Q0[i];
        }
        return (y + y * (y2 * p / q)) * 2.50662827463100050242;
    }
    let x = sqrt_f(-2.0 * log_f(y));
    let x0 = x - log_f(x) / x;
    let z = 1.0 / x;
    var p = 0.0;
    var q = 0.0;
    if (x < 8.0) {
        for (var i = 0; i < 9; i++) {
            p = p * z + SP_NDTRI_P1[i];
            q = q * z + SP_NDTRI_Q1[i];
        }
    } else {
        for (var i = 0; i < 9; i++) {
            p = p * z + SP_NDTRI_P2[i];
            q = q * z + SP_NDTRI_Q2[i];
        }
    }
    let r = x0 - z * p / q;
    return select(r, -r, code);
}

fn sp_log_ndtr(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return x;
    }
    let t = x * 0.70710678118654752440;
    if (x < -1.0) {
        return log_f(sp_erfcx(-t) / 2.0) - t * t;
    }
    return log1p_f(-sp_erfc(t) / 2.0);
}

fn sp_sinc(x: f32) -> f32 {
    if (x == 0.0) {
        return 1.0;
    }
    let p = SP_PI * x;
    return keep_nan(x, sin_f(p) / p);
}

fn sp_logit(x: f32) -> f32 {
    return keep_nan(x, log_f(x / (1.0 - x)));
}

fn sp_entr(x: f32) -> f32 {
    if (is_nan_f(x)) {
        return x;
    }
    if (x > 0.0) {
        return -x * log_f(x);
    }
    if (x == 0.0) {
        return 0.0;
    }
    return -f32_inf();
}

fn sp_logaddexp(a: f32, b: f32) -> f32 {
    if (is_inf_f(a) && a == b) {
        return a;
    }
    let m = max(a, b);
    return keep_nan2(a, b, m + log1p_f(exp_f(-abs(a - b))));
}

fn sp_logaddexp2(a: f32, b: f32) -> f32 {
    if (is_inf_f(a) && a == b) {
        return a;
    }
    let m = max(a, b);
    return keep_nan2(a, b, fma(log1p_f(exp2_f(-abs(a - b))), 1.4426950408889634, m));
}

fn sp_hypot(a: f32, b: f32) -> f32 {
    if (is_inf_f(a) || is_inf_f(b)) {
        return f32_inf();
    }
    let x = abs(a);
    let y = abs(b);
    let m = max(x, y);
    let n = min(x, y);
    if (m == 0.0) {
        return keep_nan2(a, b, 0.0);
    }
    let r = n / m;
    return keep_nan2(a, b, m * sqrt_f(1.0 + r * r));
}

fn sp_nextafter(a: f32, b: f32) -> f32 {
    if (is_nan_f(a) || is_nan_f(b)) {
        return nan_f();
    }
    if (a == b) {
        return b;
    }
    let bits = bitcast<u32>(a);
    if ((bits & 0x7fffffffu) == 0u) {
        return bitcast<f32>((bitcast<u32>(b) & 0x80000000u) | 1u);
    }
    if ((a < b) == (a > 0.0)) {
        return bitcast<f32>(bits + 1u);
    }
    return bitcast<f32>(bits - 1u);
}

fn sp_fmax(a: f32, b: f32) -> f32 {
    if (is_nan_f(a)) {
        return b;
    }
    if (is_nan_f(b)) {
        return a;
    }
    return max(a, b);
}

fn sp_fmin(a: f32, b: f32) -> f32 {
    if (is_nan_f(a)) {
        return b;
    }
    if (is_nan_f(b)) {
        return a;
    }
    return min(a, b);
}

fn sp_heaviside(a: f32, v: f32) -> f32 {
    if (is_nan_f(a)) {
        return 0.0;
    }
    if (a == 0.0) {
        return v;
    }
    return select(0.0, 1.0, a > 0.0);
}

fn sp_xlogy(x: f32, y: f32) -> f32 {
    if (is_nan_f(y)) {
        return y;
    }
    if (x == 0.0) {
        return 0.0;
    }
    return keep_nan(x, x * log_f(y));
}

fn sp_xlog1py(x: f32, y: f32) -> f32 {
    if (is_nan_f(y)) {
        return y;
    }
    if (x == 0.0) {
        return 0.0;
    }
    return keep_nan(x, x * log1p_f(y));
}

// The Hurwitz zeta function (Cephes' Euler-Maclaurin summation, as the CPU kernel).
fn sp_zeta(x: f32, q: f32) -> f32 {
    if (x == 1.0) {
        return f32_inf();
    }
    if (x < 1.0) {
        return nan_f();
    }
    if (q <= 0.0) {
        if (q == floor(q)) {
            return f32_inf();
        }
        if (x != floor(x)) {
            return nan_f();
        }
    }
    var s = pow_f(q, -x);
    var a = q;
    var i = 0;
    var b = 0.0;
    loop {
        if (!(i < 9 || a <= 9.0)) {
            break;
        }
        i += 1;
        a += 1.0;
        b = pow_f(a, -x);
        s += b;
        if (abs(b) < 1.0e-8 * abs(s)) {
            return s;
        }
        // A sum that underflows float32 while f64 (ATen's CPU accumulator) keeps it tiny and
        // positive: 0, where the Euler-Maclaurin factors below would overflow float32 into
        // inf * 0 (they overflow f64 too, to ATen's NaN, only for x beyond ~7e12).
        if (b == 0.0 && s == 0.0 && a > 0.0 && !is_inf_f(a) && x < 7.0e12) {
            return 0.0;
        }
    }
    let w = a;
    s += b * w / (x - 1.0);
    s -= 0.5 * b;
    var aa = 1.0;
    var k = 0.0;
    for (var j = 0; j < 12; j++) {
        aa *= x + k;
        b /= w;
        let t = aa * b / SP_ZETA_A[j];
        s = s + t;
        if (abs(t / s) < 1.0e-8) {
            return s;
        }
        k += 1.0;
        aa *= x + k;
        b /= w;
        k += 1.0;
    }
    return s;
}
