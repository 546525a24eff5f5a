"""RMSprop, optionally centered and with momentum.

PyTorch's rule is optax's: ``scale_by_rms`` (centered: ``scale_by_stddev``) with ``eps_in_sqrt=False`` (PyTorch
adds eps after the square root) and no bias correction, then ``trace(momentum)`` for the momentum buffer
(``buf = momentum * buf + g / avg``, zero-initialised), then ``-lr``; ``step_counter`` keeps PyTorch's
``step``.
"""
from __future__ import annotations

from typing import Iterable

import optax

from .optimizer import Optimizer, check, check_common, step_counter, torch_chain


class RMSprop(Optimizer):
    """RMSprop: ``v = alpha * v + (1 - alpha) * g^2``, ``p -= lr * g / (sqrt(v) + eps)``."""

    _hyper_keys = ("lr", "alpha", "eps", "weight_decay", "momentum")
    _flag_keys = ("maximize", "centered")
    _nonzero_keys = ("weight_decay",)
    _state_names = {"step": "count", "square_avg": "nu", "momentum_buffer": "trace", "grad_avg": "mu"}

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay)
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _flags(self, group: dict) -> tuple:
        return super()._flags(group) + (("momentum", bool(group["momentum"] > 0)),)

    @staticmethod
    def _transform(h, flags):
        scale = optax.scale_by_stddev if flags["centered"] else optax.scale_by_rms
        core = [scale(h["alpha"], h["eps"], eps_in_sqrt=False)]
        if flags["momentum"]:
            core.append(optax.trace(decay=h["momentum"]))
        return torch_chain(h, flags, *core, step_counter())
