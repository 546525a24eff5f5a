"""ASGD: averaged stochastic gradient descent.

optax has no averaged SGD, so ``asgd_torch`` below is PyTorch's rule as an optax transformation: it needs
``params`` (the decay ``p * (1 - lambd * eta)`` and the average ``ax`` of the updated parameters) and returns
the update ``p_new - p``, which ``apply_updates`` turns back into ``p_new`` exactly.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check_common, torch_chain


class ASGDState(NamedTuple):
    count: jax.Array
    eta: jax.Array
    mu: jax.Array
    ax: optax.Updates


def asgd_torch(lr, lambd, alpha, t0) -> optax.GradientTransformation:
    """``p = p * (1 - lambd * eta) - eta * g``; ``ax`` tracks ``p`` (averaging once ``mu < 1``, from step
    ``t0``); then ``eta = lr / (1 + lambd * lr * t)^alpha`` and ``mu = 1 / max(1, t - t0)``."""

    def init(params):
        return ASGDState(count=jnp.zeros([], jnp.int32), eta=jnp.asarray(lr, jnp.float32),
                         mu=jnp.ones([], jnp.float32), ax=optax.tree.zeros_like(params))

    def update(updates, state, params):
        count = optax.safe_increment(state.count)
        eta = state.eta.astype(jnp.float64)
        new = jax.tree.map(lambda p, g: p * (1 - lambd * eta).astype(p.dtype) - eta.astype(p.dtype) * g,
                           params, updates)
        ax = jax.tree.map(lambda a, p: jnp.where(state.mu != 1, a + (p - a) * state.mu.astype(p.dtype), p),
                          state.ax, new)
        eta = jnp.asarray(lr / (1 + lambd * lr * count) ** alpha, jnp.float32)
        mu = jnp.asarray(1 / jnp.maximum(1.0, count - t0), jnp.float32)
        return optax.tree.sub(new, params), ASGDState(count=count, eta=eta, mu=mu, ax=ax)

    return optax.GradientTransformation(init, update)


class ASGD(Optimizer):
    """Averaged SGD: ``p = p * (1 - lambd * eta) - eta * g``; ``ax`` averages ``p`` from step ``t0`` on."""

    _hyper_keys = ("lr", "lambd", "alpha", "t0", "weight_decay")
    _flag_keys = ("maximize",)
    _nonzero_keys = ("weight_decay",)
    _state_names = {"step": "count", "eta": "eta", "mu": "mu", "ax": "ax"}

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach=None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_common(lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    @staticmethod
    def _transform(h, flags):
        return torch_chain(h, flags, asgd_torch(h["lr"], h["lambd"], h["alpha"], h["t0"]), lr=False)
