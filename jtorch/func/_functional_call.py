"""functional_call and stack_module_state: a Module called with parameters and buffers given per call."""
from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from .._tensor import Tensor
from ..nn.modules.module import Module

_MISSING = object()


def functional_call(module: Module, parameter_and_buffer_dicts: dict[str, Tensor] | Sequence[dict[str, Tensor]],
                    args: Any = None, kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the parameters and buffers named in ``parameter_and_buffer_dicts``
    (dotted names, as in ``state_dict``) replaced by the given tensors for the duration of the call.

    ``args`` that is not a tuple is one argument. ``tie_weights``: names tied in the module (one tensor under
    several names) all take the value given for any of them. ``strict``: the names must be exactly the
    module's. The module's own tensors are back in place afterwards, also when the call raises; a tensor the
    module assigned during the call is written back into the given dict.
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        given = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        keys = [k for d in parameter_and_buffer_dicts for k in d]
        repeated = [k for k in dict.fromkeys(keys) if keys.count(k) > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is "
                             "ambiguous")
        given = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    with _reparametrize(module, given, tie_weights, strict):
        return module(*args, **(kwargs or {}))


def _named_tensors(module: Module) -> dict[str, Tensor]:
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    return named


def _untie(module: Module, given: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """``given`` with every name tied to a given name added, carrying that name's value."""
    names_of: dict = {}
    for name, t in _named_tensors(module).items():
        names_of.setdefault(id(t), set()).add(name)
    tied = {name: names for names in names_of.values() if len(names) > 1 for name in names}
    out = dict(given)
    for name in given:
        if name not in tied:
            continue
        values = {id(given[n]) for n in tied[name] if n in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied[name])}, which are tied. "
                             "Consider using tie_weights=False")
        for other in tied[name]:
            out[other] = given[name]
    return out


@contextlib.contextmanager
def _reparametrize(module: Module, given: dict, tie_weights: bool, strict: bool):
    values = _untie(module, given) if tie_weights else dict(given)
    if strict:
        valid = set(_named_tensors(module))
        unexpected, missing = sorted(set(values) - valid), sorted(valid - set(values))
        errors = []
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(errors))
    for name, t in values.items():
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{t} is not an instance of torch.Tensor")
    swapped: list = []
    try:
        for name, t in values.items():
            owner, attr = _owner(module, name)
            swapped.append((owner, attr, name, _swap(owner, attr, t)))
        yield
    finally:
        for owner, attr, name, orig in reversed(swapped):
            now = _swap(owner, attr, orig)
            if name in given:
                given[name] = now


def _owner(module: Module, name: str) -> tuple[Module, str]:
    path, _, attr = name.rpartition(".")
    return (module.get_submodule(path) if path else module), attr


def _swap(module: Module, name: str, value):
    """Put ``value`` (or nothing, for ``_MISSING``) under ``name``; return what was there."""
    for table in (module._parameters, module._buffers):
        if name in table:
            orig = table[name]
            if value is _MISSING:
                del table[name]
            else:
                table[name] = value
            return orig
    orig = getattr(module, name, _MISSING)
    if orig is not _MISSING and orig is not None and not isinstance(orig, Tensor):
        raise TypeError(f"attribute `{name}`: {orig} is not an instance of torch.Tensor")
    if value is not _MISSING:
        setattr(module, name, value)
    elif hasattr(module, name):
        delattr(module, name)
    return orig


def stack_module_state(models: Sequence[Module]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(params, buffers)``: each of the models' parameters and buffers stacked along a new leading dimension
    (for ``vmap`` over an ensemble with ``functional_call``). Stacked parameters are new leaves that require
    grad when the models' do."""
    from .. import stack
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(named: list[dict]) -> dict:
        out = {}
        for k in named[0]:
            tensors = [d[k] for d in named]
            flags = {t.requires_grad for t in tensors}
            if len(flags) > 1:
                raise RuntimeError(f"Expected {k} from each model to have the same .requires_grad")
            result = stack(tensors)
            out[k] = result.detach().requires_grad_() if flags == {True} else result
        return out

    return (stacked([dict(m.named_parameters()) for m in models]),
            stacked([dict(m.named_buffers()) for m in models]))


def replace_all_batch_norm_modules_(root: Module) -> Module:
    """Make every BatchNorm in ``root`` use batch statistics only (no running statistics), in place, so that
    it can run under ``vmap``; returns ``root``."""
    from ..nn.modules.batchnorm import _BatchNorm
    for module in root.modules():
        if isinstance(module, _BatchNorm) and module.track_running_stats:
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root
