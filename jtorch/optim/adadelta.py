"""Adadelta.

PyTorch's rule is optax's ``scale_by_adadelta`` exactly (``delta = sqrt(u + eps) / sqrt(v + eps) * g``, both
running averages updated the same way), followed by ``-lr``; ``step_counter`` keeps PyTorch's ``step``.
"""
from __future__ import annotations

from typing import Iterable

import optax

from .optimizer import Optimizer, check, check_common, step_counter, torch_chain


class Adadelta(Optimizer):
    """Adadelta: ``delta = sqrt(u + eps) / sqrt(v + eps) * g`` with running averages ``v`` of g^2, ``u`` of
    delta^2; ``p -= lr * delta``."""

    _hyper_keys = ("lr", "rho", "eps", "weight_decay")
    _flag_keys = ("maximize",)
    _nonzero_keys = ("weight_decay",)
    _state_names = {"step": "count", "square_avg": "e_g", "acc_delta": "e_x"}

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        check_common(eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))

    @staticmethod
    def _transform(h, flags):
        return torch_chain(h, flags, optax.scale_by_adadelta(h["rho"], h["eps"]), step_counter())
