"""SGD with momentum, dampening, Nesterov momentum, L2 weight decay and maximize.

Without dampening PyTorch's rule is exactly optax's ``add_decayed_weights -> trace -> scale(-lr)`` chain (a
zero-initialised trace gives PyTorch's first-step buffer ``buf = g``), so that chain runs the update; with
dampening the buffer update ``momentum * buf + (1 - dampening) * g`` (``buf = g`` at the first step) is custom.
"""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp
import optax

from .optimizer import Optimizer, check, check_common, scalar


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
                ("momentum", group["momentum"] != 0), ("dampening", group["dampening"] != 0))

    @staticmethod
    def _rule(p, g, state, h, flags):
        g = -g if flags["maximize"] else g
        if flags["momentum"] and flags["dampening"]:
            return SGD._damped(p, g, state, h)
        momentum = scalar(h["momentum"], p)
        chain = [optax.add_decayed_weights(scalar(h["weight_decay"], p))]
        if flags["momentum"]:
            chain.append(optax.trace(decay=momentum, nesterov=flags["nesterov"]))
        tx = optax.chain(*chain, optax.scale(-scalar(h["lr"], p)))
        buf = state.get("momentum_buffer", jnp.zeros_like(p))
        opt_state = (optax.EmptyState(), optax.TraceState(trace=buf), optax.EmptyState()) if flags["momentum"] \
            else (optax.EmptyState(), optax.EmptyState())
        updates, opt_state = tx.update(g, opt_state, p)
        new_state = {"momentum_buffer": opt_state[1].trace} if flags["momentum"] else {}
        return optax.apply_updates(p, updates), new_state

    @staticmethod
    def _damped(p, g, state, h):
        g = g + scalar(h["weight_decay"], p) * p
        buf = state.get("momentum_buffer")
        buf = g if buf is None else buf * scalar(h["momentum"], p) + scalar(1 - h["dampening"], p) * g
        return p - scalar(h["lr"], p) * buf, {"momentum_buffer": buf}
