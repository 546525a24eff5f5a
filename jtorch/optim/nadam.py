"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule.

optax's ``scale_by_adam(nesterov=True)`` is Dozat's NAdam with a constant ``b1``; PyTorch's follows the
momentum schedule ``mu_t = b1 * (1 - 0.5 * 0.96^(t * momentum_decay))`` and keeps the running product
``mu_product`` of the ``mu_t`` as state. ``scale_by_nadam_torch`` below is that rule, built from optax's
moment and bias-correction helpers.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check, check_common, torch_chain


class ScaleByNAdamState(NamedTuple):
    count: jax.Array
    mu_product: jax.Array
    mu: optax.Updates
    nu: optax.Updates


def scale_by_nadam_torch(b1, b2, eps, momentum_decay) -> optax.GradientTransformation:
    """The update ``(1 - mu_t) / (1 - prod mu) * g / d + mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d`` with
    ``d = sqrt(v / (1 - b2^t)) + eps``."""

    def init(params):
        return ScaleByNAdamState(count=jnp.zeros([], jnp.int32), mu_product=jnp.ones([], jnp.float32),
                                 mu=optax.tree.zeros_like(params), nu=optax.tree.zeros_like(params))

    def update(updates, state, params=None):
        count = optax.safe_increment(state.count)
        momentum = b1 * (1.0 - 0.5 * 0.96 ** (count * momentum_decay))
        momentum_next = b1 * (1.0 - 0.5 * 0.96 ** ((count + 1) * momentum_decay))
        mu_product = state.mu_product * momentum
        product = mu_product.astype(jnp.float64)
        grad_coef, avg_coef = (1.0 - momentum) / (1.0 - product), momentum_next / (1.0 - product * momentum_next)
        mu = optax.tree.update_moment(updates, state.mu, b1, 1)
        nu = optax.tree.update_moment_per_elem_norm(updates, state.nu, b2, 2)
        denom = jax.tree.map(lambda v: jnp.sqrt(v) + eps, optax.tree.bias_correction(nu, b2, count))
        updates = jax.tree.map(lambda g, m, d: grad_coef.astype(g.dtype) * (g / d) + avg_coef.astype(g.dtype) * (m / d),
                               updates, mu, denom)
        return updates, ScaleByNAdamState(count=count, mu_product=mu_product, mu=mu, nu=nu)

    return optax.GradientTransformation(init, update)


class NAdam(Optimizer):
    """NAdam; ``decoupled_weight_decay`` gives NAdamW-style decay."""

    _hyper_keys = ("lr", "betas", "eps", "weight_decay", "momentum_decay")
    _flag_keys = ("maximize", "decoupled_weight_decay")
    _nonzero_keys = ("weight_decay",)
    _state_names = {"step": "count", "mu_product": "mu_product", "exp_avg": "mu", "exp_avg_sq": "nu"}

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

    @staticmethod
    def _transform(h, flags):
        b1, b2 = h["betas"]
        return torch_chain(h, flags, scale_by_nadam_torch(b1, b2, h["eps"], h["momentum_decay"]),
                           decoupled=flags["decoupled_weight_decay"])
