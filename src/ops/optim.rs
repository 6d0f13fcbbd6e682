//! Fused optimizer updates: one pass over each parameter's elements applying the whole update
//! rule, with the arithmetic done in the parameter's dtype in the order PyTorch's
//! single-tensor implementations use, so results agree to rounding.

use num_traits::Float;

pub use crate::spec::optim::Hyper;

#[inline(always)]
fn c<T: Float>(v: f64) -> T {
    T::from(v).unwrap_or_else(T::nan)
}

/// The gradient as the update sees it: negated for `maximize`, plus L2 weight decay.
#[inline(always)]
fn grad_of<T: Float>(g: T, p: T, h: &Hyper) -> T {
    let g = if h.maximize { -g } else { g };
    if h.weight_decay != 0.0 && !h.decoupled {
        g + p * c(h.weight_decay)
    } else {
        g
    }
}

/// `a + w * (b - a)` as PyTorch's lerp computes it for weights below one half.
#[inline(always)]
fn lerp<T: Float>(a: T, b: T, w: T) -> T {
    if w.abs() < c(0.5) {
        a + w * (b - a)
    } else {
        b - (b - a) * (T::one() - w)
    }
}

pub fn sgd<T: Float>(p: &mut [T], g: &[T], buf: Option<&mut [T]>, h: &Hyper) {
    let (lr, mom, damp) = (c::<T>(h.lr), c::<T>(h.momentum), c::<T>(1.0 - h.dampening));
    match buf {
        None => {
            for (p, &g) in p.iter_mut().zip(g) {
                *p = *p + grad_of(g, *p, h) * -lr;
            }
        }
        Some(buf) => {
            for ((p, &g), b) in p.iter_mut().zip(g).zip(buf.iter_mut()) {
                let d = grad_of(g, *p, h);
                *b = if h.first { d } else { *b * mom + d * damp };
                let step = if h.nesterov { d + *b * mom } else { *b };
                *p = *p + step * -lr;
            }
        }
    }
}

pub fn adam<T: Float>(
    p: &mut [T],
    g: &[T],
    m: &mut [T],
    v: &mut [T],
    vmax: Option<&mut [T]>,
    h: &Hyper,
) {
    let bc1 = 1.0 - h.beta1.powf(h.step);
    let bc2 = 1.0 - h.beta2.powf(h.step);
    let step_size: T = c(h.lr / bc1);
    let bc2_sqrt: T = c(bc2.sqrt());
    let (w1, b2, w2, eps) = (
        c::<T>(1.0 - h.beta1),
        c::<T>(h.beta2),
        c::<T>(1.0 - h.beta2),
        c::<T>(h.eps),
    );
    let decay: T = c(1.0 - h.lr * h.weight_decay);
    let mut vmax = vmax;
    for i in 0..p.len() {
        if h.decoupled && h.weight_decay != 0.0 {
            p[i] = p[i] * decay;
        }
        let gi = grad_of(g[i], p[i], h);
        m[i] = lerp(m[i], gi, w1);
        v[i] = v[i] * b2 + gi * gi * w2;
        let second = match vmax.as_deref_mut() {
            Some(vm) => {
                vm[i] = vm[i].max(v[i]);
                vm[i]
            }
            None => v[i],
        };
        let denom = second.sqrt() / bc2_sqrt + eps;
        p[i] = p[i] + (m[i] / denom) * -step_size;
    }
}

pub fn rmsprop<T: Float>(
    p: &mut [T],
    g: &[T],
    sq: &mut [T],
    gavg: Option<&mut [T]>,
    buf: Option<&mut [T]>,
    h: &Hyper,
) {
    let (a, wa, eps, lr, mom) = (
        c::<T>(h.alpha),
        c::<T>(1.0 - h.alpha),
        c::<T>(h.eps),
        c::<T>(h.lr),
        c::<T>(h.momentum),
    );
    let (mut gavg, mut buf) = (gavg, buf);
    for i in 0..p.len() {
        let gi = grad_of(g[i], p[i], h);
        sq[i] = sq[i] * a + gi * gi * wa;
        let avg = match gavg.as_deref_mut() {
            Some(ga) => {
                ga[i] = lerp(ga[i], gi, wa);
                (sq[i] - ga[i] * ga[i]).sqrt()
            }
            None => sq[i].sqrt(),
        } + eps;
        match buf.as_deref_mut() {
            Some(b) => {
                b[i] = b[i] * mom + gi / avg;
                p[i] = p[i] + b[i] * -lr;
            }
            None => p[i] = p[i] + (gi / avg) * -lr,
        }
    }
}

pub fn adagrad<T: Float>(p: &mut [T], g: &[T], sum: &mut [T], h: &Hyper) {
    let clr: T = c(h.lr / (1.0 + (h.step - 1.0) * h.lr_decay));
    let eps: T = c(h.eps);
    for i in 0..p.len() {
        let gi = grad_of(g[i], p[i], h);
        sum[i] = sum[i] + gi * gi;
        p[i] = p[i] + (gi / (sum[i].sqrt() + eps)) * -clr;
    }
}

pub fn adadelta<T: Float>(p: &mut [T], g: &[T], sq: &mut [T], acc: &mut [T], h: &Hyper) {
    let (rho, wr, eps, lr) = (
        c::<T>(h.rho),
        c::<T>(1.0 - h.rho),
        c::<T>(h.eps),
        c::<T>(h.lr),
    );
    for i in 0..p.len() {
        let gi = grad_of(g[i], p[i], h);
        sq[i] = sq[i] * rho + gi * gi * wr;
        let std = (sq[i] + eps).sqrt();
        let delta = (acc[i] + eps).sqrt() / std * gi;
        acc[i] = acc[i] * rho + delta * delta * wr;
        p[i] = p[i] + delta * -lr;
    }
}

pub fn adamax<T: Float>(p: &mut [T], g: &[T], m: &mut [T], inf: &mut [T], h: &Hyper) {
    let clr: T = c(h.lr / (1.0 - h.beta1.powf(h.step)));
    let (w1, b2, eps) = (c::<T>(1.0 - h.beta1), c::<T>(h.beta2), c::<T>(h.eps));
    for i in 0..p.len() {
        let gi = grad_of(g[i], p[i], h);
        m[i] = lerp(m[i], gi, w1);
        inf[i] = (inf[i] * b2).max(gi.abs() + eps);
        p[i] = p[i] + (m[i] / inf[i]) * -clr;
    }
}

/// NAdam; `h.mu_product` is the product of mu up to and including this step.
pub fn nadam<T: Float>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], h: &Hyper) {
    let bc2: T = c(1.0 - h.beta2.powf(h.step));
    let mu = h.beta1 * (1.0 - 0.5 * 0.96f64.powf(h.step * h.momentum_decay));
    let mu_next = h.beta1 * (1.0 - 0.5 * 0.96f64.powf((h.step + 1.0) * h.momentum_decay));
    let s1: T = c(-h.lr * (1.0 - mu) / (1.0 - h.mu_product));
    let s2: T = c(-h.lr * mu_next / (1.0 - h.mu_product * mu_next));
    let (w1, b2, w2, eps) = (
        c::<T>(1.0 - h.beta1),
        c::<T>(h.beta2),
        c::<T>(1.0 - h.beta2),
        c::<T>(h.eps),
    );
    let decay: T = c(1.0 - h.lr * h.weight_decay);
    for i in 0..p.len() {
        if h.decoupled && h.weight_decay != 0.0 {
            p[i] = p[i] * decay;
        }
        let gi = grad_of(g[i], p[i], h);
        m[i] = lerp(m[i], gi, w1);
        v[i] = v[i] * b2 + gi * gi * w2;
        let denom = (v[i] / bc2).sqrt() + eps;
        p[i] = p[i] + (gi / denom) * s1;
        p[i] = p[i] + (m[i] / denom) * s2;
    }
}

pub fn radam<T: Float>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], h: &Hyper) {
    let bc1 = 1.0 - h.beta1.powf(h.step);
    let bc2 = 1.0 - h.beta2.powf(h.step);
    let rho_inf = 2.0 / (1.0 - h.beta2) - 1.0;
    let rho_t = rho_inf - 2.0 * h.step * h.beta2.powf(h.step) / bc2;
    let rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
        / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
        .sqrt();
    let (w1, b2, w2, eps, lr) = (
        c::<T>(1.0 - h.beta1),
        c::<T>(h.beta2),
        c::<T>(1.0 - h.beta2),
        c::<T>(h.eps),
        c::<T>(h.lr),
    );
    let (bc1t, bc2s, rect_t) = (c::<T>(bc1), c::<T>(bc2.sqrt()), c::<T>(rect));
    let decay: T = c(1.0 - h.lr * h.weight_decay);
    for i in 0..p.len() {
        if h.decoupled && h.weight_decay != 0.0 {
            p[i] = p[i] * decay;
        }
        let gi = grad_of(g[i], p[i], h);
        m[i] = lerp(m[i], gi, w1);
        v[i] = v[i] * b2 + gi * gi * w2;
        let corrected = m[i] / bc1t;
        p[i] = if rho_t > 5.0 {
            let adaptive = bc2s / (v[i].sqrt() + eps);
            p[i] - corrected * lr * adaptive * rect_t
        } else {
            p[i] - corrected * lr
        };
    }
}

pub fn rprop<T: Float>(p: &mut [T], g: &[T], prev: &mut [T], step_size: &mut [T], h: &Hyper) {
    let (em, ep, smin, smax) = (
        c::<T>(h.etaminus),
        c::<T>(h.etaplus),
        c::<T>(h.step_min),
        c::<T>(h.step_max),
    );
    for i in 0..p.len() {
        let mut gi = if h.maximize { -g[i] } else { g[i] };
        let s = gi * prev[i];
        let factor = if s > T::zero() {
            ep
        } else if s < T::zero() {
            em
        } else {
            T::one()
        };
        step_size[i] = (step_size[i] * factor).max(smin).min(smax);
        if factor == em {
            gi = T::zero();
        }
        let sign = if gi > T::zero() {
            T::one()
        } else if gi < T::zero() {
            -T::one()
        } else {
            T::zero()
        };
        p[i] = p[i] - sign * step_size[i];
        prev[i] = gi;
    }
}

/// ASGD; `h.eta`/`h.mu` are the parameter's values from before this step (the caller advances
/// its state).
pub fn asgd<T: Float>(p: &mut [T], g: &[T], ax: &mut [T], h: &Hyper) {
    let (shrink, eta, mu) = (c::<T>(1.0 - h.lambd * h.eta), c::<T>(h.eta), c::<T>(h.mu));
    for i in 0..p.len() {
        let gi = grad_of(g[i], p[i], h);
        p[i] = p[i] * shrink;
        p[i] = p[i] + gi * -eta;
        ax[i] = if h.mu != 1.0 {
            ax[i] + (p[i] - ax[i]) * mu
        } else {
            p[i]
        };
    }
}

/// SparseAdam on a dense gradient: only entries with a non-zero gradient (the entries a sparse
/// gradient would list) are updated, as PyTorch's sparse update does.
pub fn sparse_adam<T: Float>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], h: &Hyper) {
    let bc1 = 1.0 - h.beta1.powf(h.step);
    let bc2 = 1.0 - h.beta2.powf(h.step);
    let step_size: T = c(h.lr * bc2.sqrt() / bc1);
    let (w1, w2, eps) = (c::<T>(1.0 - h.beta1), c::<T>(1.0 - h.beta2), c::<T>(h.eps));
    for i in 0..p.len() {
        let gi = if h.maximize { -g[i] } else { g[i] };
        if gi == T::zero() {
            continue;
        }
        m[i] = m[i] + (gi - m[i]) * w1;
        v[i] = v[i] + (gi * gi - v[i]) * w2;
        p[i] = p[i] + (m[i] / (v[i].sqrt() + eps)) * -step_size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_plain_and_momentum() {
        let mut p = [1.0f64, 2.0];
        let h = Hyper {
            lr: 0.1,
            ..Default::default()
        };
        sgd(&mut p, &[1.0, -1.0], None, &h);
        assert_eq!(p, [0.9, 2.1]);
        let mut p = [1.0f64];
        let mut buf = [0.0f64];
        let h = Hyper {
            lr: 0.1,
            momentum: 0.9,
            first: true,
            ..Default::default()
        };
        sgd(&mut p, &[1.0], Some(&mut buf), &h);
        let h2 = Hyper { first: false, ..h };
        sgd(&mut p, &[1.0], Some(&mut buf), &h2);
        assert!((buf[0] - 1.9).abs() < 1e-12);
        assert!((p[0] - (1.0 - 0.1 - 0.19)).abs() < 1e-12);
    }

    #[test]
    fn adam_first_step_moves_by_lr() {
        // With bias correction the first Adam step is lr * sign(g) (up to eps).
        let (mut p, mut m, mut v) = ([0.0f64], [0.0], [0.0]);
        let h = Hyper {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            step: 1.0,
            ..Default::default()
        };
        adam(&mut p, &[3.0], &mut m, &mut v, None, &h);
        assert!((p[0] + 0.01).abs() < 1e-9);
    }
}
