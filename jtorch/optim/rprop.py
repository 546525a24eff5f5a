"""Rprop: resilient backpropagation (sign-based steps with adaptive per-element step sizes)."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .._tensor import Tensor
from .optimizer import Optimizer, check, scalar, scalar_state, step_count, zeros_state


class Rprop(Optimizer):
    """Rprop: step sizes grow by ``etas[1]`` while the gradient keeps its sign and shrink by ``etas[0]`` when
    it flips (then that element does not move), clamped to ``step_sizes``."""

    _hyper_keys = ("etas", "step_sizes")
    _flag_keys = ("maximize",)

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _init_state(self, p, group):
        return {"step": scalar_state(), "prev": zeros_state(p),
                "step_size": Tensor._make(jnp.full_like(p.grad._value, group["lr"]))}

    @staticmethod
    def _rule(p, g, state, h, flags):
        etaminus, etaplus = (scalar(e, p) for e in h["etas"])
        lo, hi = (scalar(s, p) for s in h["step_sizes"])
        g = -g if flags["maximize"] else g
        step, _ = step_count(state)
        sign = jnp.sign(g * state["prev"])
        factor = jnp.where(sign > 0, etaplus, jnp.where(sign < 0, etaminus, jnp.ones_like(p)))
        step_size = jnp.clip(state["step_size"] * factor, lo, hi)
        g = jnp.where(factor == etaminus, jnp.zeros_like(g), g)
        return p - jnp.sign(g) * step_size, {"step": step, "prev": g, "step_size": step_size}
