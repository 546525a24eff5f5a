"""Adam (with amsgrad, maximize, L2 or decoupled weight decay); AdamW shares the rule.

Plain Adam is optax's ``scale_by_adam``: PyTorch's ``m / (1 - b1^t) / (sqrt(v) / sqrt(1 - b2^t) + eps)`` is
optax's ``m_hat / (sqrt(v_hat) + eps)`` (eps outside the square root, after the bias correction; the
corrections ``1 - b^t`` are computed in float64 from an integer step in both). AMSGrad differs: PyTorch keeps
the running maximum of the *uncorrected* ``v`` and divides it by the current ``1 - b2^t``, while optax's
``scale_by_amsgrad`` takes the maximum of bias-corrected values (or of uncorrected ones with no correction at
all), so ``scale_by_amsgrad_torch`` below is PyTorch's rule on optax's ``ScaleByAmsgradState``.
"""
from __future__ import annotations

from typing import Iterable

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check_common, torch_chain


def scale_by_amsgrad_torch(b1, b2, eps) -> optax.GradientTransformation:
    """AMSGrad as PyTorch: ``v_max = max(v_max, v)``, update ``m_hat / (sqrt(v_max / (1 - b2^t)) + eps)``."""

    def update(updates, state, params=None):
        mu = optax.tree.update_moment(updates, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(updates, state.nu, b2, 2)
        count = optax.safe_increment(state.count)
        nu_max = jax.tree.map(jnp.maximum, state.nu_max, nu)
        updates = jax.tree.map(lambda m, v: m / (jnp.sqrt(v) + eps), optax.tree.bias_correction(mu, b1, count),
                               optax.tree.bias_correction(nu_max, b2, count))
        return updates, optax.ScaleByAmsgradState(count=count, mu=mu, nu=nu, nu_max=nu_max)

    return optax.GradientTransformation(optax.scale_by_amsgrad(b1, b2, eps).init, update)


class Adam(Optimizer):
    """Adam: bias-corrected first and second moment estimates; ``decoupled_weight_decay`` makes it AdamW."""

    _hyper_keys = ("lr", "betas", "eps", "weight_decay")
    _flag_keys = ("amsgrad", "maximize", "decoupled_weight_decay")
    _nonzero_keys = ("weight_decay",)
    _state_names = {"step": "count", "exp_avg": "mu", "exp_avg_sq": "nu", "max_exp_avg_sq": "nu_max"}

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
                 decoupled_weight_decay: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay, betas=betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    @staticmethod
    def _transform(h, flags):
        b1, b2 = h["betas"]
        core = (scale_by_amsgrad_torch if flags["amsgrad"] else optax.scale_by_adam)(b1, b2, h["eps"])
        return torch_chain(h, flags, core, decoupled=flags["decoupled_weight_decay"])
