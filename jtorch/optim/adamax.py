"""Adamax: Adam with an infinity-norm second moment."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .optimizer import Optimizer, check_common, lerp, scalar, scalar_state, signed_grad, step_count, zeros_state


class Adamax(Optimizer):
    """Adamax: ``u = max(beta2 * u, |g| + eps)``, ``p -= lr / (1 - beta1^t) * m / u``."""

    _hyper_keys = ("lr", "betas", "eps", "weight_decay")
    _flag_keys = ("maximize",)

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay, betas=betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    def _init_state(self, p, group):
        return {"step": scalar_state(), "exp_avg": zeros_state(p), "exp_inf": zeros_state(p)}

    @staticmethod
    def _rule(p, g, state, h, flags):
        beta1, beta2 = h["betas"]
        g = signed_grad(g, p, h, flags)
        step, t = step_count(state)
        exp_avg = lerp(state["exp_avg"], g, 1 - beta1)
        exp_inf = jnp.maximum(state["exp_inf"] * scalar(beta2, p), jnp.abs(g) + scalar(h["eps"], p))
        clr = h["lr"] / (1 - beta1 ** t)
        return p - scalar(clr, p) * (exp_avg / exp_inf), {"step": step, "exp_avg": exp_avg, "exp_inf": exp_inf}
