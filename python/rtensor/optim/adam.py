"""The Adam family: Adam, AdamW, Adamax, NAdam, RAdam, SparseAdam (fused native updates)."""

from .. import _C
from .optimizer import Optimizer


def _check(lr, eps, betas, weight_decay=0.0):
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    _kernel = "adam"
    _state_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay or self._decoupled)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = super()._init_state(p, group)
        if not group["amsgrad"]:
            del state["max_exp_avg_sq"]
        return state

    def _hyper(self, group, state):
        h = super()._hyper(group, state)
        h.update(beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"],
                 amsgrad=group["amsgrad"], decoupled=group["decoupled_weight_decay"])
        return h


class AdamW(Adam):
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    _kernel = "adamax"
    _state_names = ("exp_avg", "exp_inf")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _hyper(self, group, state):
        h = super()._hyper(group, state)
        h.update(beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"])
        return h


class NAdam(Optimizer):
    _kernel = "nadam"
    _state_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      capturable=capturable, differentiable=differentiable))

    def _init_state(self, p, group):
        state = super()._init_state(p, group)
        state["mu_product"] = _C.tensor(1.0)
        return state

    def _hyper(self, group, state):
        h = super()._hyper(group, state)
        h.update(beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"],
                 momentum_decay=group["momentum_decay"],
                 decoupled=group["decoupled_weight_decay"])
        return h

    def _group_step(self, group):
        # step and mu_product are per parameter (mu_product advances before the update uses
        # it), so they go to the native update as lists with one value each: one call for the
        # whole group.
        beta1, momentum_decay = group["betas"][0], group["momentum_decay"]
        params, states, steps, mu_products = [], [], [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p] or self._init_state(p, group)
            state["step"] += 1
            step = float(state["step"])
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            state["mu_product"] = state["mu_product"] * mu
            params.append(p)
            states.append([state["exp_avg"], state["exp_avg_sq"]])
            steps.append(step)
            mu_products.append(float(state["mu_product"]))
        if not params:
            return
        h = self._hyper(group, None)
        h.update(step=steps, mu_product=mu_products)
        _C._optim_step("nadam", params, [p.grad for p in params], states, h)


class RAdam(Optimizer):
    _kernel = "radam"
    _state_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      capturable=capturable, differentiable=differentiable))

    def _hyper(self, group, state):
        h = super()._hyper(group, state)
        h.update(beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"],
                 decoupled=group["decoupled_weight_decay"])
        return h


class SparseAdam(Optimizer):
    """Adam for gradients that touch few entries. rtensor has no sparse tensors, so the
    gradient is dense and the entries with a non-zero gradient are the ones updated."""

    _kernel = "sparse_adam"
    _state_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        _check(lr, eps, betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def _hyper(self, group, state):
        h = super()._hyper(group, state)
        h.update(beta1=group["betas"][0], beta2=group["betas"][1], eps=group["eps"])
        return h
