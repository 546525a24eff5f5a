"""RAdam: Adam with a variance rectification term (plain momentum SGD while the variance is intractable)."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .optimizer import Optimizer, check_common, lerp, scalar, scalar_state, step_count, zeros_state


class RAdam(Optimizer):
    """Rectified Adam; ``decoupled_weight_decay`` applies AdamW-style decay."""

    _hyper_keys = ("lr", "betas", "eps", "weight_decay")
    _flag_keys = ("maximize", "decoupled_weight_decay")

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay, betas=betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    def _init_state(self, p, group):
        return {"step": scalar_state(), "exp_avg": zeros_state(p), "exp_avg_sq": zeros_state(p)}

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
        bc2 = 1 - beta2 ** t
        corrected = exp_avg / scalar(1 - beta1 ** t, p)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bc2
        rect = jnp.sqrt(jnp.maximum((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t),
                                    0.0))
        adaptive = scalar(bc2 ** 0.5, p) / (jnp.sqrt(exp_avg_sq) + scalar(h["eps"], p))
        scaled = corrected * scalar(lr, p)
        update = jnp.where(rho_t > 5.0, scaled * adaptive * scalar(rect, p), scaled)
        return p - update, {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
