"""Adafactor: second moments factored into row and column means for matrices, relative step sizes.

optax's ``scale_by_factored_rms`` follows the paper (eps added to the squared gradient, a fixed decay schedule,
updates clipped after the moment estimate); PyTorch's rule differs: ``eps1`` bounds the row-mean normaliser
and the variance estimate instead, the running means move by ``lerp`` with weight ``t^beta2_decay``, the step
size is ``min(lr, 1/sqrt(t)) * max(eps2, RMS(p))``, and ``lr`` also scales a decoupled weight decay.
``adafactor_torch`` below is that rule as an optax transformation; like ASGD's it needs ``params`` and returns
``p_new - p``. Matrices (and stacks of them: the last two dimensions) keep ``row_var`` ``(..., m, 1)`` and
``col_var`` ``(..., 1, n)``; vectors and scalars keep a full ``variance``.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

import jax
import jax.numpy as jnp
import optax

from .._ops.pointwise import _lerp_impl
from .optimizer import Optimizer, check, check_tensor_lr, torch_chain


class AdafactorState(NamedTuple):
    count: jax.Array
    row_var: jax.Array | None
    col_var: jax.Array | None
    variance: jax.Array | None


def _norm(x):
    """``||x||`` computed in ``x``'s dtype, then in float64 (PyTorch reads it to the host)."""
    return jnp.linalg.norm(x).astype(jnp.float64)


def adafactor_torch(lr, beta2_decay, eps1, eps2, d, weight_decay) -> optax.GradientTransformation:
    """One parameter's Adafactor step; ``eps1`` None means the machine epsilon of the parameter's dtype."""

    def init(p):
        if p.ndim > 1:
            return AdafactorState(jnp.zeros([], jnp.int32), jnp.zeros((*p.shape[:-1], 1), p.dtype),
                                  jnp.zeros((*p.shape[:-2], 1, p.shape[-1]), p.dtype), None)
        return AdafactorState(jnp.zeros([], jnp.int32), None, None, jnp.zeros_like(p))

    def update(g, state, p):
        count = optax.safe_increment(state.count)
        t = count.astype(jnp.float64)
        weight = t ** beta2_decay
        alpha = jnp.maximum(eps2, _norm(p) / p.size ** 0.5) * jnp.minimum(lr, 1 / jnp.sqrt(t))
        tiny = jnp.finfo(p.dtype).eps if eps1 is None else eps1
        lerp = lambda a, b: _lerp_impl(a, b, weight, dtype=p.dtype)  # noqa: E731
        if p.ndim > 1:
            # the mean of g^2 along a dimension, as the square of the norm over its length (PyTorch's spelling)
            row_var = lerp(state.row_var, jnp.square(jnp.linalg.norm(g, axis=-1, keepdims=True)) / g.shape[-1])
            col_var = lerp(state.col_var, jnp.square(jnp.linalg.norm(g, axis=-2, keepdims=True)) / g.shape[-2])
            var = row_var * col_var / jnp.maximum(row_var.mean(-2, keepdims=True), tiny)
            state = AdafactorState(count, row_var, col_var, None)
        else:
            var = lerp(state.variance, g * g)
            state = AdafactorState(count, None, None, var)
        u = 1 / jnp.sqrt(jnp.maximum(var, tiny * tiny)) * g
        scale = -alpha / jnp.maximum(1.0, _norm(u) / (u.size ** 0.5 * d))
        # without weight decay the factor is exactly one, as PyTorch's skipped multiplication
        return p * (1 - lr * weight_decay) + scale.astype(p.dtype) * u - p, state

    return optax.GradientTransformation(init, update)


class Adafactor(Optimizer):
    """Adafactor: factored second moments, steps of relative size ``min(lr, 1/sqrt(t)) * max(eps2, RMS(p))``
    with the update's RMS clipped to ``d``, decoupled weight decay ``p *= 1 - lr * weight_decay``.

    Args:
        params: Tensors or param groups (real, dense gradients).
        lr: the cap of the relative step size, and the weight decay's scale.
        beta2_decay: the second moments move by ``t ** beta2_decay`` each step (``<= 0``).
        eps: ``(eps1, eps2)``: the floor of the variance estimate's denominators (``None``: the dtype's machine
            epsilon) and of the parameters' RMS in the step size.
        d: the clipping threshold of the update's RMS (``>= 1``).
        weight_decay: the decoupled weight decay coefficient.
    """

    _hyper_keys = ("lr", "beta2_decay", "d", "weight_decay")
    _flag_keys = ("maximize",)
    _static_keys = ("eps",)
    _supports_complex = False
    _state_names = {"step": "count", "row_var": "row_var", "col_var": "col_var", "variance": "variance"}

    def __init__(self, params: Iterable, lr: float = 1e-2, beta2_decay: float = -0.8, eps: tuple = (None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach=None, maximize: bool = False) -> None:
        check_tensor_lr(lr)
        check(0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}")
        check(0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}")
        check(eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}")
        check(0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}")
        check(1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}")
        check(0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    @staticmethod
    def _transform(h, flags):
        eps1, eps2 = flags["eps"]
        return torch_chain(h, flags, adafactor_torch(h["lr"], h["beta2_decay"], eps1, eps2, h["d"],
                                                     h["weight_decay"]), lr=False)
