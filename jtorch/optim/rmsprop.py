"""RMSprop, optionally centered and with momentum."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .optimizer import Optimizer, check, check_common, lerp, scalar, scalar_state, signed_grad, step_count, \
    zeros_state


class RMSprop(Optimizer):
    """RMSprop: ``v = alpha * v + (1 - alpha) * g^2``, ``p -= lr * g / (sqrt(v) + eps)``."""

    _hyper_keys = ("lr", "alpha", "eps", "weight_decay", "momentum")

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay)
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _flags(self, group: dict) -> tuple:
        return (("maximize", bool(group["maximize"])), ("centered", bool(group["centered"])),
                ("momentum", group["momentum"] > 0))

    def _init_state(self, p, group):
        state = {"step": scalar_state(), "square_avg": zeros_state(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_state(p)
        if group["centered"]:
            state["grad_avg"] = zeros_state(p)
        return state

    @staticmethod
    def _rule(p, g, state, h, flags):
        alpha = h["alpha"]
        g = signed_grad(g, p, h, flags)
        step, _ = step_count(state)
        square_avg = state["square_avg"] * scalar(alpha, p) + scalar(1 - alpha, p) * g * g
        new = {"step": step, "square_avg": square_avg}
        if flags["centered"]:
            grad_avg = new["grad_avg"] = lerp(state["grad_avg"], g, 1 - alpha)
            avg = jnp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = jnp.sqrt(square_avg)
        avg = avg + scalar(h["eps"], p)
        if flags["momentum"]:
            buf = new["momentum_buffer"] = state["momentum_buffer"] * scalar(h["momentum"], p) + g / avg
            return p - scalar(h["lr"], p) * buf, new
        return p - scalar(h["lr"], p) * (g / avg), new
