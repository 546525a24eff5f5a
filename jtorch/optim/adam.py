"""Adam (with amsgrad, maximize, L2 or decoupled weight decay); AdamW shares the rule."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .optimizer import Optimizer, check_common, lerp, scalar, scalar_state, step_count, zeros_state


class Adam(Optimizer):
    """Adam: bias-corrected first and second moment estimates; ``decoupled_weight_decay`` makes it AdamW."""

    _hyper_keys = ("lr", "betas", "eps", "weight_decay")
    _flag_keys = ("amsgrad", "maximize", "decoupled_weight_decay")

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay, betas=betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, p, group):
        state = {"step": scalar_state(), "exp_avg": zeros_state(p), "exp_avg_sq": zeros_state(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_state(p)
        return state

    @staticmethod
    def _rule(p, g, state, h, flags):
        beta1, beta2 = h["betas"]
        lr, wd = h["lr"], h["weight_decay"]
        g = -g if flags["maximize"] else g
        step, t = step_count(state)
        if flags["decoupled_weight_decay"]:
            p = p * scalar(1 - lr * wd, p)
        else:
            g = g + scalar(wd, p) * p
        exp_avg = lerp(state["exp_avg"], g, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"] * scalar(beta2, p) + scalar(1 - beta2, p) * g * g
        new = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
        second = exp_avg_sq
        if flags["amsgrad"]:
            second = new["max_exp_avg_sq"] = jnp.maximum(state["max_exp_avg_sq"], exp_avg_sq)
        step_size = lr / (1 - beta1 ** t)
        denom = jnp.sqrt(second) / scalar(jnp.sqrt(1 - beta2 ** t), p) + scalar(h["eps"], p)
        return p - scalar(step_size, p) * (exp_avg / denom), new
