"""``Optimizer``: param groups, per-parameter state, state_dict round trips, and the fused step.

Each subclass lists the state tensors its update keeps (``_state_names``) and the group
hyperparameters it passes on; ``step`` gathers a group's parameters, gradients and state and
makes one native call (``_C._optim_step``) that updates them all.
"""

from collections import defaultdict
from copy import deepcopy

from .. import _C
from .._C import Tensor
from ..autograd.grad_mode import enable_grad, no_grad


def _on_device_of(t, p):
    """``t`` (a new CPU tensor) moved to ``p``'s device when ``p`` is on the GPU."""
    return _C._to_device(t, True) if _C._is_gpu(p) else t


def zeros_like(p):
    """Zero state for parameter ``p``: its shape, dtype and device."""
    return _on_device_of(_C.zeros(*p.shape, dtype=p.dtype), p)


def full_like(p, value):
    """State for parameter ``p`` filled with ``value``: its shape, dtype and device."""
    return _on_device_of(_C.full(tuple(p.shape), value, p.dtype), p)


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    _kernel = None  # name of the native update
    _state_names = ()  # state tensors in the order the native update expects them

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}"
            )
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + type(p).__name__)
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            param_group.setdefault(name, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if existing & {id(p) for p in param_group["params"]}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.zero_()

    # ----- state dicts -----

    def state_dict(self):
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        state_dict = deepcopy(state_dict)
        groups, saved = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = {}
        for g, s in zip(groups, saved):
            for old, p in zip(s["params"], g["params"]):
                id_map[old] = p
        self.state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            p = id_map.get(k)
            if p is None:
                continue
            self.state[p] = {name: self._load_value(p, name, val) for name, val in v.items()}
        for g, s in zip(groups, saved):
            for k, v in s.items():
                if k != "params":
                    g[k] = v

    def _load_value(self, p, name, val):
        # Floating-point state takes the parameter's dtype; the per-element state tensors that
        # the update reads also take its device (scalars such as ASGD's eta stay on the CPU).
        if not isinstance(val, Tensor) or name == "step" or not val.dtype.is_floating_point:
            return val
        if name in self._state_names:
            return val.to(dtype=p.dtype, device=p.device)
        return val.to(p.dtype)

    # ----- the fused step -----

    def _init_state(self, p, group):
        """Creates the per-parameter state on the first step."""
        state = self.state[p]
        state["step"] = _C.tensor(0.0)
        for name in self._state_names:
            state[name] = zeros_like(p)
        return state

    def _hyper(self, group, state):
        """Hyperparameters for the native update (subclasses add their own)."""
        return {"lr": group["lr"], "weight_decay": group.get("weight_decay", 0.0),
                "maximize": group.get("maximize", False)}

    def _group_step(self, group):
        by_step = {}
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state = self._init_state(p, group)
            state["step"] += 1
            step = float(state["step"])
            by_step.setdefault(step, []).append((p, state))
        for step, items in by_step.items():
            hyper = self._hyper(group, items[0][1])
            hyper["step"] = step
            _C._optim_step(
                self._kernel,
                [p for p, _ in items],
                [p.grad for p, _ in items],
                [[s.get(n) for n in self._state_names] for _, s in items],
                hyper,
            )
            self._after_step(group, items)

    def _after_step(self, group, items):
        pass

    @no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._group_step(group)
        return loss
