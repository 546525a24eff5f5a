"""SGD with momentum, dampening, Nesterov momentum, L2 weight decay and maximize.

Without dampening PyTorch's rule is optax's ``add_decayed_weights -> trace -> scale_by_learning_rate`` chain (a
zero-initialised trace gives PyTorch's first-step buffer ``buf = g``). With dampening PyTorch's buffer update
``momentum * buf + (1 - dampening) * g`` still starts from ``buf = g`` undamped, which no optax trace does:
``dampened_trace`` is that rule, its "no buffer yet" state being ``None`` as in PyTorch.
"""
from __future__ import annotations

from typing import Iterable

import jax
import optax

from .optimizer import Optimizer, check, check_common, torch_chain


def dampened_trace(momentum, dampening) -> optax.GradientTransformation:
    """``buf = g`` at the first step, then ``buf = momentum * buf + (1 - dampening) * g``; the update is ``buf``."""

    def update(updates, state, params=None):
        if state.trace is None:
            trace = updates
        else:
            trace = jax.tree.map(lambda b, g: b * momentum + (1 - dampening) * g, state.trace, updates)
        return trace, optax.TraceState(trace=trace)

    return optax.GradientTransformation(lambda params: optax.TraceState(trace=None), update)


class SGD(Optimizer):
    """Stochastic gradient descent: ``p -= lr * v`` with ``v = momentum * v + (1 - dampening) * g``."""

    _hyper_keys = ("lr", "momentum", "dampening", "weight_decay")
    _flag_keys = ("maximize", "nesterov")
    _nonzero_keys = ("momentum", "dampening", "weight_decay")
    _state_names = {"momentum_buffer": "trace"}

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

    @staticmethod
    def _transform(h, flags):
        core = []
        if flags["momentum"]:
            core.append(dampened_trace(h["momentum"], h["dampening"]) if flags["dampening"]
                        else optax.trace(decay=h["momentum"], nesterov=flags["nesterov"]))
        return torch_chain(h, flags, *core)
