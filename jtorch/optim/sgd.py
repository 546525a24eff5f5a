"""SGD with momentum, dampening, Nesterov momentum, L2 weight decay and maximize."""
from __future__ import annotations

from typing import Iterable

from .optimizer import Optimizer, check, check_common, scalar, signed_grad


class SGD(Optimizer):
    """Stochastic gradient descent: ``p -= lr * v`` with ``v = momentum * v + (1 - dampening) * g``."""

    _hyper_keys = ("lr", "momentum", "dampening", "weight_decay")

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None) -> None:
        check_common(lr=lr, weight_decay=weight_decay)
        check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        check(not nesterov or (momentum > 0 and dampening == 0),
              "Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _flags(self, group: dict) -> tuple:
        return (("maximize", bool(group["maximize"])), ("nesterov", bool(group["nesterov"])),
                ("momentum", group["momentum"] != 0))

    @staticmethod
    def _rule(p, g, state, h, flags):
        g = signed_grad(g, p, h, flags)
        if flags["momentum"]:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g
            else:
                buf = buf * scalar(h["momentum"], p) + scalar(1 - h["dampening"], p) * g
            state = {"momentum_buffer": buf}
            g = g + scalar(h["momentum"], p) * buf if flags["nesterov"] else buf
        return p - scalar(h["lr"], p) * g, state
