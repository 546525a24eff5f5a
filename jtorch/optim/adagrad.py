"""Adagrad with learning-rate decay and an initial accumulator value."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .._tensor import Tensor
from .optimizer import Optimizer, check, check_common, scalar, scalar_state, signed_grad, step_count


class Adagrad(Optimizer):
    """Adagrad: ``s += g^2``, ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)``.

    Its state is created when parameters are added (not at the first step), as in PyTorch."""

    _hyper_keys = ("lr", "lr_decay", "eps", "weight_decay")
    _flag_keys = ("maximize",)

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        check_common(lr=lr, eps=eps, weight_decay=weight_decay)
        check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        check(0.0 <= initial_accumulator_value,
              f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))

    def _on_add_group(self, group: dict) -> None:
        for p in group["params"]:
            if not self.state[p]:
                self.state[p].update(self._init_state(p, group))

    def _init_state(self, p, group):
        init = group["initial_accumulator_value"]
        return {"step": scalar_state(), "sum": Tensor._make(jnp.full_like(p._value, init))}

    def share_memory(self) -> None:
        """A no-op: JAX arrays need no shared-memory move."""

    @staticmethod
    def _rule(p, g, state, h, flags):
        g = signed_grad(g, p, h, flags)
        step, t = step_count(state)
        clr = h["lr"] / (1 + (t - 1) * h["lr_decay"])
        total = state["sum"] + g * g
        std = jnp.sqrt(total) + scalar(h["eps"], p)
        return p - scalar(clr, p) * (g / std), {"step": step, "sum": total}
