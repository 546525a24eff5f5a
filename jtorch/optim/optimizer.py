"""The Optimizer base: param groups, per-parameter state, state_dict, step hooks, and one jitted update per group.

A subclass describes its algorithm as a pure per-parameter rule ``rule(p, g, state, h, flags) -> (p, state)``
on JAX arrays, where ``h`` holds the group's numeric hyperparameters (traced float64 scalars, so editing
``param_groups[i]['lr']`` takes effect on the next step without recompiling) and ``flags`` the structural
options (static). The rule is traced once over the whole group (lists of params, grads and state dicts) and
run as a single compiled call; the results are written back into the parameter and state tensors in place.
"""
from __future__ import annotations

import copy
from collections import OrderedDict, defaultdict
from typing import Callable, Iterable

import jax
import jax.numpy as jnp
import numpy as np

from .._compile.capture import hyperparameter, note_optimizer_step
from .._tensor import Tensor
from ..autograd import grad_mode
from ..utils.hooks import RemovableHandle


class _RequiredParameter:
    """Marks a hyperparameter that every param group must give (SGD's lr in old releases)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_GLOBAL_PRE_HOOKS: dict = OrderedDict()
_GLOBAL_POST_HOOKS: dict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` runs before every optimizer's ``step``; may return new (args, kwargs)."""
    return RemovableHandle.add(_GLOBAL_PRE_HOOKS, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` runs after every optimizer's ``step``."""
    return RemovableHandle.add(_GLOBAL_POST_HOOKS, hook)


# ------------------------------------------------------------------ arithmetic helpers shared by the rules
def scalar(x, like):
    """A (float64) hyperparameter expression rounded to ``like``'s dtype, as PyTorch casts Python scalars."""
    return jnp.asarray(x).astype(like.dtype)


def lerp(start, end, weight):
    """PyTorch's lerp: ``start + w * (end - start)`` for w < 0.5, else ``end - (end - start) * (1 - w)``."""
    w = scalar(weight, start)
    diff = end - start
    return jnp.where(jnp.abs(w) < 0.5, start + w * diff, end - diff * (1 - w))


def step_count(state):
    """Advance the float32 ``step`` counter; returns (new step, its value as float64)."""
    step = state["step"] + 1
    return step, step.astype(jnp.float64)


def signed_grad(g, p, h, flags):
    """The gradient after ``maximize`` and L2 ``weight_decay`` (``g + wd * p``)."""
    g = -g if flags["maximize"] else g
    return g + scalar(h["weight_decay"], p) * p


def _run_group(params, grads, states, hyper, *, rule, flags):
    flags = dict(flags)
    outs = [rule(p, g, s, hyper, flags) for p, g, s in zip(params, grads, states)]
    return [o[0] for o in outs], [o[1] for o in outs]


_run_group_jit = jax.jit(_run_group, static_argnames=("rule", "flags"))


def _as_tensor_state(value, param: Tensor):
    """A loaded state value as a jtorch Tensor: floating values follow the param's dtype, ``step`` stays."""
    from .._ops.creation import tensor as make_tensor
    if isinstance(value, (Tensor, np.ndarray, jax.Array)):
        t = value if isinstance(value, Tensor) else make_tensor(np.asarray(value))
        return t.detach().clone() if isinstance(value, Tensor) else t
    if isinstance(value, dict):
        return {k: _as_tensor_state(v, param) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_as_tensor_state(v, param) for v in value)
    return value


def _cast_like_param(key, value, param: Tensor):
    if isinstance(value, Tensor) and key != "step" and value.dtype.is_floating_point and \
            param.dtype.is_floating_point:
        return value.to(param.dtype)
    return value


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, or of dicts (param groups: ``{"params": [...], **options}``).
        defaults: the default options filled into every group that does not set them.
    """

    # numeric group options passed to the rule as traced values, and structural ones passed as static flags
    _hyper_keys: tuple = ()
    _flag_keys: tuple = ()

    def __init__(self, params: Iterable, defaults: dict) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: dict = OrderedDict()
        self._optimizer_step_post_hooks: dict = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got torch.{_type_name(params)}")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k != "params")
        return "\n".join(lines) + "\n)"

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (with its own options) to optimize."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter "
                                 f"{name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in param_group["params"]]
        if len(set(ids)) != len(ids):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if existing & set(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
        self._on_add_group(param_group)

    def _on_add_group(self, group: dict) -> None:
        """Subclasses that create state eagerly (Adagrad) do it here."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None, or to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g = p.grad
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    # ------------------------------------------------------------------ hooks
    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs before ``step`` (``args`` starts with the optimizer, as in
        PyTorch); it may return replacement (args, kwargs)."""
        return RemovableHandle.add(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs after ``step``."""
        return RemovableHandle.add(self._optimizer_step_post_hooks, hook)

    # ------------------------------------------------------------------ stepping
    def step(self, closure: Callable | None = None):
        """One optimization step; ``closure`` (re-evaluating the loss) is called with grad enabled first.

        Returns the closure's loss (or None)."""
        args, kwargs = (self, closure), {}
        for hook in list(_GLOBAL_PRE_HOOKS.values()) + list(self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{hook} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        note_optimizer_step()
        out = self._step(*args[1:], **kwargs)
        for hook in list(self._optimizer_step_post_hooks.values()) + list(_GLOBAL_POST_HOOKS.values()):
            hook(self, args, kwargs)
        return out

    def _step(self, closure: Callable | None = None):
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _init_state(self, p: Tensor, group: dict) -> dict:
        """The fresh state of parameter ``p`` (a dict of jtorch Tensors, PyTorch's names and order)."""
        return {}

    def _flags(self, group: dict) -> tuple:
        return tuple((k, bool(group[k]) if isinstance(group[k], bool) else group[k]) for k in self._flag_keys)

    def _update_group(self, group: dict) -> None:
        params = [p for p in group["params"] if p.grad is not None]
        if not params:
            return
        for p in params:
            if p.grad.is_sparse:
                raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
            if not self.state.get(p):
                fresh = self._init_state(p, group)
                if fresh:
                    self.state[p].update(fresh)
        states = [{k: v._value for k, v in self.state.get(p, {}).items() if isinstance(v, Tensor)}
                  for p in params]
        hyper = {k: hyperparameter(group, k) for k in self._hyper_keys}
        new_params, new_states = _run_group_jit([p._value for p in params], [p.grad._value for p in params],
                                                states, hyper, rule=type(self)._rule, flags=self._flags(group))
        for p, new_p, new_s in zip(params, new_params, new_states):
            p._commit_inplace(Tensor._make(new_p))
            if not new_s:
                continue
            state = self.state[p]
            for k, v in new_s.items():
                if k in state:
                    state[k]._commit_inplace(Tensor._make(v))
                else:
                    state[k] = Tensor._make(v)

    @staticmethod
    def _rule(p, g, state: dict, h: dict, flags: dict):
        raise NotImplementedError

    # ------------------------------------------------------------------ (de)serialisation
    def state_dict(self) -> dict:
        """``{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [index, ...]}]}``."""
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a ``state_dict()`` (tensors may be jtorch Tensors or numpy arrays)."""
        state_dict = copy.copy(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
        id_map = {old: p for group, saved in zip(self.param_groups, saved_groups)
                  for old, p in zip(saved["params"], group["params"])}
        state: defaultdict = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                p = id_map[key]
                value = _as_tensor_state(value, p)
                state[p] = {k: _cast_like_param(k, v, p) for k, v in value.items()}
            else:
                state[key] = value
        self.state = state
        self.param_groups = [{**copy.deepcopy({k: v for k, v in saved.items() if k != "params"}),
                              "params": group["params"]}
                             for group, saved in zip(self.param_groups, saved_groups)]


def _type_name(t: Tensor) -> str:
    from .._tensor import scalar_type_name
    return f"{scalar_type_name(t.dtype)}Tensor"


def check(ok: bool, message: str) -> None:
    """Raise PyTorch's ValueError for an invalid constructor argument."""
    if not ok:
        raise ValueError(message)


def check_common(lr=0.0, eps=0.0, weight_decay=0.0, betas=None) -> None:
    """The argument checks most optimizers share, with PyTorch's messages."""
    check(0.0 <= _num(lr), f"Invalid learning rate: {lr}")
    check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    if betas is not None:
        for i, b in enumerate(betas):
            check(0.0 <= _num(b) < 1.0, f"Invalid beta parameter at index {i}: {b}")
    check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


def _num(x) -> float:
    return x.item() if isinstance(x, Tensor) else x


def zeros_state(p: Tensor) -> Tensor:
    return Tensor._make(jnp.zeros_like(p._value))


def scalar_state(value: float = 0.0) -> Tensor:
    """A 0-dim float32 state tensor (``step``, ``mu_product``, ``eta``...)."""
    return Tensor._make(jnp.asarray(value, dtype=jnp.float32))


__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]
