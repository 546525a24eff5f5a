"""The Optimizer base: param groups, per-parameter state, state_dict, step hooks, and one jitted update per group.

A subclass describes its algorithm as an optax ``GradientTransformation`` built by ``_transform(h, flags)``,
where ``h`` holds the group's numeric hyperparameters and ``flags`` the structural options (static). Numbers
from ``param_groups`` enter the jitted step as weakly typed float64 scalars, so editing
``param_groups[i]['lr']`` takes effect on the next step without recompiling, and ``beta ** step`` style
corrections are computed in float64 while the arithmetic on parameters stays in their own dtype, as in
PyTorch. A Tensor hyperparameter enters as its array (never read to the host).

The transformation is applied to each parameter separately (PyTorch keeps a ``step`` per parameter), all
parameters of a group traced into one compiled call. ``_state_names`` maps PyTorch's state names (in
PyTorch's order) to the field names of the optax states in the chain (``step`` is optax's int32 ``count``;
like PyTorch's other 0-dim states it is stored in PyTorch's scalar dtype: float32, or float64 when that is
the default dtype). State is created lazily inside the first step from the
transformation's ``init``; later steps rebind the existing state and parameter Tensors, so the step also
runs when the arrays are JAX tracers. Complex parameters are updated through their real views
``(..., 2)``, as PyTorch does.
"""
from __future__ import annotations

import copy
from collections import OrderedDict, defaultdict
from typing import Callable, Iterable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

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


# ------------------------------------------------------------------ optax pieces shared by the optimizers
class StepCountState(NamedTuple):
    """PyTorch's per-parameter ``step`` for chains whose optax states keep no count."""

    count: jax.Array


def step_counter() -> optax.GradientTransformation:
    """Counts steps and leaves the updates as they are."""
    return optax.GradientTransformation(lambda params: StepCountState(jnp.zeros([], jnp.int32)),
                                        lambda updates, state, params=None:
                                        (updates, StepCountState(optax.safe_increment(state.count))))


def torch_chain(h: dict, flags: dict, *core: optax.GradientTransformation, decoupled: bool = False,
                lr: bool = True) -> optax.GradientTransformation:
    """PyTorch's common frame around an update rule ``core``: negate the gradient for ``maximize``, add
    ``weight_decay * p`` to it (L2), run ``core``, add ``weight_decay * p`` to the result instead when the decay
    is decoupled (``p * (1 - lr * wd)`` before the step, in PyTorch's spelling), then scale by ``-lr``."""
    wd = flags.get("weight_decay", False)
    chain = [optax.scale(-1.0)] if flags.get("maximize") else []
    if wd and not decoupled:
        chain.append(optax.add_decayed_weights(h["weight_decay"]))
    chain.extend(core)
    if wd and decoupled:
        chain.append(optax.add_decayed_weights(h["weight_decay"]))
    if lr:
        chain.append(optax.scale_by_learning_rate(h["lr"]))
    return optax.chain(*chain)


def _is_record(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _fill(opt_state, values: dict):
    """``opt_state`` with the named fields replaced by ``values`` (cast to the dtypes ``init`` gave them)."""
    if _is_record(opt_state):
        def cast(field):
            old, new = getattr(opt_state, field), values[field]
            return new if old is None else new.astype(old.dtype)
        return opt_state._replace(**{f: cast(f) for f in opt_state._fields if f in values})
    if isinstance(opt_state, (tuple, list)):
        return type(opt_state)(_fill(s, values) for s in opt_state)
    return opt_state


def _fields(opt_state, out: dict) -> dict:
    """Every named field of the optax states in ``opt_state`` (a chain's nested tuples)."""
    if _is_record(opt_state):
        out.update(opt_state._asdict())
    elif isinstance(opt_state, (tuple, list)):
        for s in opt_state:
            _fields(s, out)
    return out


# the states PyTorch keeps as 0-dim tensors of its scalar dtype (float64 when that is the default dtype)
_SCALAR_STATES = ("step", "eta", "mu", "mu_product")


def _scalar_dtype() -> str:
    from .._dtype import float64, get_default_dtype
    return "float64" if get_default_dtype() is float64 else "float32"


def _named_state(opt_state, names: dict, scalar_dtype: str) -> dict:
    """The optax state as PyTorch's ``{name: array}`` (the int32 count becomes the ``step`` value)."""
    fields = _fields(opt_state, {})
    out = {}
    for name, field in names.items():
        value = fields.get(field)
        if value is not None:
            out[name] = value.astype(scalar_dtype) if name in _SCALAR_STATES else value
    return out


def _as_real(x):
    return jnp.stack([x.real, x.imag], axis=-1) if jnp.iscomplexobj(x) else x


def _as_complex(x, real_param):
    """Undo ``_as_real`` for the values shaped like the real view of a complex parameter."""
    if x.shape == real_param.shape and jnp.issubdtype(x.dtype, jnp.floating):
        return jax.lax.complex(x[..., 0], x[..., 1])
    return x


def _run_group(params, grads, states, hyper, *, transform, names, flags, scalar_dtype):
    flags, names = dict(flags), dict(names)
    tx = transform(hyper, flags)
    new_params, new_states = [], []
    for p, g, state in zip(params, grads, states):
        is_complex = jnp.iscomplexobj(p)
        p, g = _as_real(p), _as_real(g)
        opt_state = tx.init(p)
        if state:
            opt_state = _fill(opt_state, {names[k]: _as_real(v) for k, v in state.items()})
        updates, opt_state = tx.update(g, opt_state, p)
        p, state = optax.apply_updates(p, updates), _named_state(opt_state, names, scalar_dtype)
        if is_complex:
            state = {k: _as_complex(v, p) for k, v in state.items()}
            p = _as_complex(p, p)
        new_params.append(p)
        new_states.append(state)
    return new_params, new_states


_run_group_jit = jax.jit(_run_group, static_argnames=("transform", "names", "flags", "scalar_dtype"))


def _rebind(t: Tensor, array) -> None:
    """Write a step's result into ``t`` in place (under no_grad, same shape): for a tensor that is not a view
    and keeps its dtype this is all ``_commit_inplace`` does (bump the version, rebind the array), without
    building a Tensor for the result; the general path takes the rest."""
    if t._view is None and t._array.dtype == array.dtype:
        t._version_counter[0] += 1
        t._array = array
    else:
        t._commit_inplace(Tensor._make(array))


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

    # numeric group options passed to ``_transform`` as traced values; boolean options, and numeric ones whose
    # zero-ness decides which terms PyTorch computes, passed as static flags; options that shape the computation
    # (loop counts, a choice among rules, a ``None`` default) passed as static values
    _hyper_keys: tuple = ()
    _flag_keys: tuple = ()
    _nonzero_keys: tuple = ()
    _static_keys: tuple = ()
    _supports_complex: bool = True
    # PyTorch state name -> field of an optax state in the chain, in PyTorch's order
    _state_names: dict = {}

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
                p._reset_grad(set_to_none)

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

    def _flags(self, group: dict) -> tuple:
        return tuple((k, bool(group[k])) for k in self._flag_keys) + \
            tuple((k, bool(group[k] != 0)) for k in self._nonzero_keys) + \
            tuple((k, tuple(group[k]) if isinstance(group[k], list) else group[k]) for k in self._static_keys)

    def _hypers(self, group: dict) -> dict:
        return {k: hyperparameter(group, k) for k in self._hyper_keys}

    def _initial_state(self, p: Tensor, group: dict) -> dict:
        """The fresh state of ``p`` from the transformation's ``init`` (for optimizers that, like PyTorch's
        Adagrad, create it before the first step)."""
        tx = type(self)._transform(self._hypers(group), dict(self._flags(group)))
        real = _as_real(p._value)
        state = _named_state(tx.init(real), self._state_names, _scalar_dtype())
        if jnp.iscomplexobj(p._value):
            state = {k: _as_complex(v, real) for k, v in state.items()}
        return {k: Tensor._make(v) for k, v in state.items()}

    def _update_group(self, group: dict) -> None:
        params = [p for p in group["params"] if p.grad is not None]
        if not params:
            return
        for p in params:
            if not self._supports_complex and p.is_complex():
                raise RuntimeError(f"{type(self).__name__} does not support complex parameters")
            if p.grad.is_sparse:
                raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
        names = self._state_names
        states = [{k: v._value for k, v in self.state[p].items() if k in names and isinstance(v, Tensor)}
                  if p in self.state else {} for p in params]
        new_params, new_states = _run_group_jit([p._value for p in params], [p.grad._value for p in params],
                                                states, self._hypers(group), transform=type(self)._transform,
                                                names=tuple(names.items()), flags=self._flags(group),
                                                scalar_dtype=_scalar_dtype())
        for p, new_p, new_s in zip(params, new_params, new_states):
            _rebind(p, new_p)
            if not new_s:
                continue
            state = self.state[p]
            for k in names:  # the jitted call returns the dict sorted; PyTorch's order is kept here
                if k not in new_s:
                    continue
                if k in state:
                    _rebind(state[k], new_s[k])
                else:
                    state[k] = Tensor._make(new_s[k])

    @staticmethod
    def _transform(h: dict, flags: dict) -> optax.GradientTransformation:
        """The group's update rule as an optax transformation (built inside the jitted step)."""
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


def check_tensor_lr(lr) -> None:
    """A Tensor learning rate must hold one value."""
    check(not isinstance(lr, Tensor) or lr.numel() == 1, "Tensor lr must be 1-element")


def check_common(lr=0.0, eps=0.0, weight_decay=0.0, betas=None) -> None:
    """The argument checks most optimizers share, with PyTorch's messages."""
    check_tensor_lr(lr)
    check(0.0 <= _num(lr), f"Invalid learning rate: {lr}")
    check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    if betas is not None:
        for i, b in enumerate(betas):
            check(0.0 <= _num(b) < 1.0, f"Invalid beta parameter at index {i}: {b}")
    check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


def _num(x) -> float:
    return x.item() if isinstance(x, Tensor) else x


__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]
