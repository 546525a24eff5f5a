"""Adagrad with learning-rate decay and an initial accumulator value.

optax's ``scale_by_rss`` puts eps inside the square root (``g / sqrt(s + eps)``, and 0 where ``s == 0``);
PyTorch divides by ``sqrt(s) + eps``. ``scale_by_rss_torch`` below is PyTorch's rule on optax's
``ScaleByRssState``. The decayed learning rate ``lr / (1 + (t - 1) * lr_decay)`` is optax's
``scale_by_learning_rate`` with that schedule, whose count is PyTorch's ``step``.
"""
from __future__ import annotations

from typing import Iterable

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check, check_common, torch_chain


def scale_by_rss_torch(initial_accumulator_value, eps) -> optax.GradientTransformation:
    """``s += g^2``; the update is ``g / (sqrt(s) + eps)``."""

    def update(updates, state, params=None):
        total = jax.tree.map(lambda g, s: s + g * g, updates, state.sum_of_squares)
        updates = jax.tree.map(lambda g, s: g / (jnp.sqrt(s) + eps), updates, total)
        return updates, optax.ScaleByRssState(sum_of_squares=total)

    return optax.GradientTransformation(optax.scale_by_rss(initial_accumulator_value, eps).init, update)


class Adagrad(Optimizer):
    """Adagrad: ``s += g^2``, ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)``.

    Its state is created when parameters are added (not at the first step), as in PyTorch."""

    _hyper_keys = ("lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value")
    _flag_keys = ("maximize",)
    _nonzero_keys = ("weight_decay",)
    _state_names = {"step": "count", "sum": "sum_of_squares"}

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay)
        check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        check(0.0 <= initial_accumulator_value,
              f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))

    def _on_add_group(self, group: dict) -> None:
        for p in group["params"]:
            if not self.state[p]:
                self.state[p].update(self._initial_state(p, group))

    def share_memory(self) -> None:
        """A no-op: JAX arrays need no shared-memory move."""

    @staticmethod
    def _transform(h, flags):
        lr, decay = h["lr"], h["lr_decay"]
        core = (scale_by_rss_torch(h["initial_accumulator_value"], h["eps"]),
                optax.scale_by_learning_rate(lambda count: lr / (1 + count * decay)))
        return torch_chain(h, flags, *core, lr=False)
