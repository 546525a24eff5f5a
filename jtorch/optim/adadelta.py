"""Adadelta."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .optimizer import Optimizer, check, check_common, scalar, scalar_state, signed_grad, step_count, zeros_state


class Adadelta(Optimizer):
    """Adadelta: ``delta = sqrt(u + eps) / sqrt(v + eps) * g`` with running averages ``v`` of g^2, ``u`` of
    delta^2; ``p -= lr * delta``."""

    _hyper_keys = ("lr", "rho", "eps", "weight_decay")
    _flag_keys = ("maximize",)

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        check_common(eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    def _init_state(self, p, group):
        return {"step": scalar_state(), "square_avg": zeros_state(p), "acc_delta": zeros_state(p)}

    @staticmethod
    def _rule(p, g, state, h, flags):
        rho, eps = h["rho"], h["eps"]
        g = signed_grad(g, p, h, flags)
        step, _ = step_count(state)
        square_avg = state["square_avg"] * scalar(rho, p) + scalar(1 - rho, p) * g * g
        std = jnp.sqrt(square_avg + scalar(eps, p))
        delta = jnp.sqrt(state["acc_delta"] + scalar(eps, p)) / std * g
        acc_delta = state["acc_delta"] * scalar(rho, p) + scalar(1 - rho, p) * delta * delta
        return p - scalar(h["lr"], p) * delta, {"step": step, "square_avg": square_avg, "acc_delta": acc_delta}
