"""Adamax: Adam with an infinity-norm second moment.

PyTorch's rule is optax's ``scale_by_adamax`` exactly: ``u = max(b2 * u, |g| + eps)`` and the update
``m / (1 - b1^t) / u``, so it runs that transformation.
"""
from __future__ import annotations

from typing import Iterable

import optax

from .optimizer import Optimizer, check_common, torch_chain


class Adamax(Optimizer):
    """Adamax: ``u = max(beta2 * u, |g| + eps)``, ``p -= lr / (1 - beta1^t) * m / u``."""

    _hyper_keys = ("lr", "betas", "eps", "weight_decay")
    _flag_keys = ("maximize",)
    _nonzero_keys = ("weight_decay",)
    _state_names = {"step": "count", "exp_avg": "mu", "exp_inf": "nu"}

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay, betas=betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))

    @staticmethod
    def _transform(h, flags):
        b1, b2 = h["betas"]
        return torch_chain(h, flags, optax.scale_by_adamax(b1, b2, h["eps"]))
