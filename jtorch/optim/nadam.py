"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .optimizer import Optimizer, check, check_common, lerp, scalar, scalar_state, step_count, zeros_state


class NAdam(Optimizer):
    """NAdam; ``decoupled_weight_decay`` gives NAdamW-style decay."""

    _hyper_keys = ("lr", "betas", "eps", "weight_decay", "momentum_decay")
    _flag_keys = ("maximize", "decoupled_weight_decay")

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay, betas=betas)
        check(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _init_state(self, p, group):
        return {"step": scalar_state(), "mu_product": scalar_state(1.0), "exp_avg": zeros_state(p),
                "exp_avg_sq": zeros_state(p)}

    @staticmethod
    def _rule(p, g, state, h, flags):
        beta1, beta2 = h["betas"]
        lr, wd, decay = h["lr"], h["weight_decay"], h["momentum_decay"]
        g = -g if flags["maximize"] else g
        step, t = step_count(state)
        if flags["decoupled_weight_decay"]:
            p = p * scalar(1 - lr * wd, p)
        else:
            g = g + scalar(wd, p) * p
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * decay))
        mu_product = state["mu_product"] * scalar(mu, state["mu_product"])
        mu_product_next = mu_product.astype(jnp.float64) * mu_next
        exp_avg = lerp(state["exp_avg"], g, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"] * scalar(beta2, p) + scalar(1 - beta2, p) * g * g
        denom = jnp.sqrt(exp_avg_sq / scalar(1 - beta2 ** t, p)) + scalar(h["eps"], p)
        p = p + scalar(-lr * (1.0 - mu) / (1.0 - mu_product.astype(jnp.float64)), p) * (g / denom)
        p = p + scalar(-lr * mu_next / (1.0 - mu_product_next), p) * (exp_avg / denom)
        return p, {"step": step, "mu_product": mu_product, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
