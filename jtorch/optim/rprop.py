"""Rprop: resilient backpropagation (sign-based steps with adaptive per-element step sizes).

optax's ``scale_by_rprop`` differs from PyTorch's rule: it keeps the previous *update* rather than the previous
gradient, leaves a step size unclamped where the sign product is zero, and applies the previous step's update.
``scale_by_rprop_torch`` below is PyTorch's rule, keeping its state names ``prev`` and ``step_size``.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check, torch_chain


class ScaleByRpropTorchState(NamedTuple):
    count: jax.Array
    prev: optax.Updates
    step_size: optax.Updates


def scale_by_rprop_torch(lr, etas, step_sizes) -> optax.GradientTransformation:
    """Step sizes grow by ``etas[1]`` where ``g * prev > 0``, shrink by ``etas[0]`` where it is negative (and
    that gradient is zeroed), are clamped to ``step_sizes``; the update is ``-sign(g) * step_size``."""
    eta_minus, eta_plus = etas
    lo, hi = step_sizes

    def init(params):
        return ScaleByRpropTorchState(count=jnp.zeros([], jnp.int32), prev=optax.tree.zeros_like(params),
                                      step_size=optax.tree.full_like(params, lr))

    def update(updates, state, params=None):
        sign = jax.tree.map(lambda g, prev: jnp.sign(g * prev), updates, state.prev)
        factor = jax.tree.map(lambda s: jnp.where(s > 0, eta_plus, jnp.where(s < 0, eta_minus, 1.0)).astype(s.dtype),
                              sign)
        step_size = jax.tree.map(lambda size, f: jnp.clip(size * f, lo, hi), state.step_size, factor)
        grads = jax.tree.map(lambda g, s: jnp.where(s < 0, jnp.zeros_like(g), g), updates, sign)
        updates = jax.tree.map(lambda g, size: -jnp.sign(g) * size, grads, step_size)
        return updates, ScaleByRpropTorchState(count=optax.safe_increment(state.count), prev=grads,
                                               step_size=step_size)

    return optax.GradientTransformation(init, update)


class Rprop(Optimizer):
    """Rprop: step sizes grow by ``etas[1]`` while the gradient keeps its sign and shrink by ``etas[0]`` when
    it flips (then that element does not move), clamped to ``step_sizes``."""

    _hyper_keys = ("lr", "etas", "step_sizes")
    _flag_keys = ("maximize",)
    _state_names = {"step": "count", "prev": "prev", "step_size": "step_size"}

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    @staticmethod
    def _transform(h, flags):
        return torch_chain(h, flags, scale_by_rprop_torch(h["lr"], h["etas"], h["step_sizes"]), lr=False)
