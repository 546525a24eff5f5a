"""Gradient clipping by total norm or by value (in place on ``.grad``)."""
from __future__ import annotations

import warnings
from typing import Iterable

import jax.numpy as jnp

from ..._tensor import Tensor
from ...autograd import grad_mode


def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(a, p: float):
    a = jnp.abs(a.astype(jnp.float64) if a.dtype == jnp.float64 else a)
    if p == float("inf"):
        return a.max() if a.size else jnp.zeros((), a.dtype)
    return (a ** p).sum() ** (1.0 / p)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients so their joint ``norm_type`` norm is at most ``max_norm``; returns the norm before."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(jnp.zeros((), jnp.float32))
    norms = jnp.stack([_norm(g._value, norm_type).astype(grads[0]._value.dtype) for g in grads])
    total = _norm(norms, norm_type)
    if error_if_nonfinite and not bool(jnp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    coef = jnp.minimum(max_norm / (total + 1e-6), 1.0)
    with grad_mode.no_grad():
        for g in grads:
            g._commit_inplace(Tensor._make((g._value * coef).astype(g._value.dtype)))
    return Tensor._make(total)


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """Deprecated spelling of :func:`clip_grad_norm_`."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient into [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    with grad_mode.no_grad():
        for g in _grads(parameters):
            g._commit_inplace(Tensor._make(jnp.clip(g._value, -clip_value, clip_value)))
