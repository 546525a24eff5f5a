"""RAdam: Adam with a variance rectification term (plain momentum SGD while the variance is intractable).

optax's ``scale_by_radam`` divides by ``sqrt(v_hat) + eps``; PyTorch's adaptive term is
``sqrt(1 - b2^t) / (sqrt(v) + eps)``, i.e. eps is added before the bias correction, and PyTorch rectifies only
when ``rho_t > 5`` (optax: ``>= 5``). ``scale_by_radam_torch`` below is PyTorch's rule on optax's
``ScaleByAdamState``.
"""
from __future__ import annotations

from typing import Iterable

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check_common, torch_chain


def scale_by_radam_torch(b1, b2, eps) -> optax.GradientTransformation:
    """``m_hat * r_t * sqrt(1 - b2^t) / (sqrt(v) + eps)`` when ``rho_t > 5``, else ``m_hat``."""

    def update(updates, state, params=None):
        mu = optax.tree.update_moment(updates, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(updates, state.nu, b2, 2)
        count = optax.safe_increment(state.count)
        bias2 = 1 - b2 ** count
        rho_inf = 2 / (1 - b2) - 1
        rho = rho_inf - 2 * count * b2 ** count / bias2
        rect = jnp.sqrt(jnp.maximum((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho), 0.0))

        def rectified(m, v):
            adaptive = jnp.sqrt(bias2).astype(v.dtype) / (jnp.sqrt(v) + eps)
            return jnp.where(rho > 5.0, m * adaptive * rect.astype(m.dtype), m)

        updates = jax.tree.map(rectified, optax.tree.bias_correction(mu, b1, count), nu)
        return updates, optax.ScaleByAdamState(count=count, mu=mu, nu=nu)

    return optax.GradientTransformation(optax.scale_by_radam(b1, b2, eps).init, update)


class RAdam(Optimizer):
    """Rectified Adam; ``decoupled_weight_decay`` applies AdamW-style decay."""

    _hyper_keys = ("lr", "betas", "eps", "weight_decay")
    _flag_keys = ("maximize", "decoupled_weight_decay")
    _nonzero_keys = ("weight_decay",)
    _state_names = {"step": "count", "exp_avg": "mu", "exp_avg_sq": "nu"}

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay, betas=betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))

    @staticmethod
    def _transform(h, flags):
        b1, b2 = h["betas"]
        return torch_chain(h, flags, scale_by_radam_torch(b1, b2, h["eps"]),
                           decoupled=flags["decoupled_weight_decay"])
