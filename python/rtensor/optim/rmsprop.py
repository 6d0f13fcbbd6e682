"""RMSprop, Adagrad, Adadelta, Rprop and ASGD (fused native updates)."""

from .. import _C
from .optimizer import Optimizer, full_like


class RMSprop(Optimizer):
    _kernel = "rmsprop"
    _state_names = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        for name, v in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                        ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if not 0.0 <= v:
                raise ValueError(f"Invalid {name}: {v}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _init_state(self, p, group):
        state = super()._init_state(p, group)
        if not group["centered"]:
            del state["grad_avg"]
        if group["momentum"] <= 0:
            del state["momentum_buffer"]
        return state

    def _hyper(self, group, state):
        h = super()._hyper(group, state)
        h.update(alpha=group["alpha"], eps=group["eps"], momentum=group["momentum"],
                 centered=group["centered"])
        return h


class Adagrad(Optimizer):
    _kernel = "adagrad"
    _state_names = ("sum",)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        for name, v in (("learning rate", lr), ("lr_decay value", lr_decay),
                        ("weight_decay value", weight_decay),
                        ("initial_accumulator_value value", initial_accumulator_value),
                        ("epsilon value", eps)):
            if not 0.0 <= v:
                raise ValueError(f"Invalid {name}: {v}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        # PyTorch creates Adagrad's state eagerly.
        for group in self.param_groups:
            for p in group["params"]:
                s = self._init_state(p, group)
                s["sum"] = full_like(p, group["initial_accumulator_value"])

    def _hyper(self, group, state):
        h = super()._hyper(group, state)
        h.update(lr_decay=group["lr_decay"], eps=group["eps"])
        return h


class Adadelta(Optimizer):
    _kernel = "adadelta"
    _state_names = ("square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, capturable=capturable,
                                      foreach=foreach, differentiable=differentiable))

    def _hyper(self, group, state):
        h = super()._hyper(group, state)
        h.update(rho=group["rho"], eps=group["eps"])
        return h


class Rprop(Optimizer):
    _kernel = "rprop"
    _state_names = ("prev", "step_size")

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _init_state(self, p, group):
        state = super()._init_state(p, group)
        state["step_size"] = full_like(p, group["lr"])
        return state

    def _hyper(self, group, state):
        return {"maximize": group["maximize"], "etaminus": group["etas"][0],
                "etaplus": group["etas"][1], "step_min": group["step_sizes"][0],
                "step_max": group["step_sizes"][1]}


class ASGD(Optimizer):
    _kernel = "asgd"
    _state_names = ("ax",)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _init_state(self, p, group):
        state = super()._init_state(p, group)
        state["eta"] = _C.tensor(float(group["lr"]))
        state["mu"] = _C.tensor(1.0)
        return state

    def _group_step(self, group):
        # eta and mu are per parameter: the update takes each parameter's values from before
        # this step as lists (one call for the group); they advance as they are collected.
        lr, lambd = group["lr"], group["lambd"]
        params, states, etas, mus = [], [], [], []
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p] or self._init_state(p, group)
            state["step"] += 1
            step = float(state["step"])
            params.append(p)
            states.append([state["ax"]])
            etas.append(float(state["eta"]))
            mus.append(float(state["mu"]))
            state["eta"] = _C.tensor(lr / ((1 + lambd * lr * step) ** group["alpha"]))
            state["mu"] = _C.tensor(1 / max(1, step - group["t0"]))
        if not params:
            return
        h = self._hyper(group, None)
        h.update(lambd=lambd, eta=etas, mu=mus)
        _C._optim_step("asgd", params, [p.grad for p in params], states, h)
