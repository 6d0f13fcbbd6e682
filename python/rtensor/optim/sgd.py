"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize."""

from .. import _C
from ..autograd.grad_mode import enable_grad, no_grad
from .optimizer import Optimizer, required, zeros_like


class SGD(Optimizer):
    _kernel = "sgd"
    _state_names = ("momentum_buffer",)  # created by step itself, on the first momentum step

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            items = [p for p in group["params"] if p.grad is not None]
            if not items:
                continue
            hyper = dict(lr=group["lr"], weight_decay=group["weight_decay"],
                         maximize=group["maximize"], momentum=group["momentum"],
                         dampening=group["dampening"], nesterov=group["nesterov"])
            if group["momentum"] == 0:
                _C._optim_step("sgd", items, [p.grad for p in items], [[None]] * len(items), hyper)
                continue
            # The first step copies the gradient into the buffer, later steps accumulate.
            new = [p for p in items if "momentum_buffer" not in self.state[p]]
            old = [p for p in items if "momentum_buffer" in self.state[p]]
            for p in new:
                self.state[p]["momentum_buffer"] = zeros_like(p)
            for first, ps in ((True, new), (False, old)):
                if not ps:
                    continue
                _C._optim_step("sgd", ps, [p.grad for p in ps],
                               [[self.state[p]["momentum_buffer"]] for p in ps],
                               dict(hyper, first=first))
        return loss
