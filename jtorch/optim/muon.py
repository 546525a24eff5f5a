"""Muon: momentum whose update is orthogonalised by a Newton–Schulz iteration, for 2-D parameters.

optax's ``contrib.muon`` differs from PyTorch's rule (its own momentum and scaling, float32 iterations);
``muon_torch`` below is PyTorch's: the momentum buffer moves by ``lerp(buf, g, 1 - momentum)``, Nesterov takes
``lerp(g, buf, momentum)``, and the iteration runs in bfloat16 as PyTorch's does. Each bfloat16 product is
accumulated in float32 and rounded once, ``beta * C + alpha * A @ B`` included, as PyTorch's CPU kernels do.
Like ASGD's, the transformation needs ``params`` and returns ``p_new - p``.
"""
from __future__ import annotations

import math
from typing import Iterable

import jax.numpy as jnp
import optax

from .._ops.pointwise import _lerp_impl
from .optimizer import Optimizer, check, check_tensor_lr

# the quintic iteration's coefficients and step count of Keller Jordan's Muon, PyTorch's defaults
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
NS_STEPS = 5
EPS = 1e-7


def _mm(a, b, c=None, beta=0.0, alpha=1.0):
    """``beta * c + alpha * a @ b`` for bfloat16 operands, in float32 with one rounding to bfloat16."""
    out = alpha * jnp.matmul(a, b, preferred_element_type=jnp.float32)
    if c is not None:
        out = beta * c.astype(jnp.float32) + out
    return out.astype(jnp.bfloat16)


def zeropower_via_newtonschulz(g, coefficients, steps: int, eps):
    """The approximate orthogonalisation ``U S' V^T`` of ``g = U S V^T`` (``S'`` near 1): ``steps`` quintic
    Newton–Schulz iterations ``X = a X + (b X X^T + c (X X^T)^2) X`` on ``g / ||g||`` in bfloat16, over the
    wide orientation of ``g``. Shape ``(m, n)`` in and out, bfloat16 out."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if g.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    tall = g.shape[0] > g.shape[1]
    x = g.astype(jnp.bfloat16)
    x = x.T if tall else x
    norm = jnp.linalg.norm(x.astype(jnp.float32)).astype(jnp.bfloat16)
    norm = jnp.maximum(norm.astype(jnp.float32), eps).astype(jnp.bfloat16)
    x = (x.astype(jnp.float32) / norm.astype(jnp.float32)).astype(jnp.bfloat16)
    for _ in range(steps):
        gram = _mm(x, x.T)
        x = _mm(_mm(gram, gram, gram, beta=b, alpha=c), x, x, beta=a)
    return x.T if tall else x


def adjusted_lr_ratio(adjust_lr_fn: str | None, shape: tuple) -> float:
    """The factor on ``lr`` that evens the update's RMS across shapes ``(A, B)``: ``sqrt(max(1, A / B))``
    ("original", the default) or ``0.2 * sqrt(max(A, B))`` ("match_rms_adamw")."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return 0.2 * math.sqrt(max(rows, cols))
    return 1.0


def muon_torch(lr, weight_decay, momentum, nesterov: bool, coefficients, eps, steps: int,
               adjust_lr_fn) -> optax.GradientTransformation:
    """One 2-D parameter's Muon step: ``p = p * (1 - lr * weight_decay) - lr * ratio * NS(update)``."""

    def update(g, state, p):
        if g.ndim != 2:
            raise ValueError("Param gradient must be a 2D matrix")
        buf = _lerp_impl(state.trace, g, 1 - momentum, dtype=g.dtype)
        direction = _lerp_impl(g, buf, momentum, dtype=g.dtype) if nesterov else buf
        ortho = zeropower_via_newtonschulz(direction, coefficients, steps, eps)
        step = -lr * adjusted_lr_ratio(adjust_lr_fn, p.shape)
        new = p * (1 - lr * weight_decay) + jnp.asarray(step, p.dtype) * ortho.astype(p.dtype)
        return new - p, optax.TraceState(trace=buf)

    return optax.GradientTransformation(lambda params: optax.TraceState(trace=jnp.zeros_like(params)), update)


class Muon(Optimizer):
    """Muon for 2-D parameters (hidden layers' weights; optimize biases and embeddings with another optimizer):
    ``buf = momentum * buf + (1 - momentum) * g``, then ``p *= 1 - lr * weight_decay`` and
    ``p -= lr * ratio * NS(buf)`` (``NS(lerp(g, buf, momentum))`` with ``nesterov``), ``NS`` the Newton–Schulz
    orthogonalisation with ``ns_coefficients`` and ``ns_steps``, ``ratio`` chosen by ``adjust_lr_fn``
    (``None``/"original": ``sqrt(max(1, rows / cols))``; "match_rms_adamw": ``0.2 * sqrt(max(rows, cols))``).
    """

    _hyper_keys = ("lr", "weight_decay", "momentum", "ns_coefficients", "eps")
    _flag_keys = ("nesterov",)
    _static_keys = ("ns_steps", "adjust_lr_fn")
    _supports_complex = False
    _state_names = {"momentum_buffer": "trace"}

    def __init__(self, params: Iterable, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients: tuple = NS_COEFFICIENTS, eps: float = EPS,
                 ns_steps: int = NS_STEPS, adjust_lr_fn: str | None = None) -> None:
        check_tensor_lr(lr)
        check(0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}")
        check(0.0 <= momentum, f"momentum should be >= 0 but is: {momentum}")
        check(0.0 <= weight_decay, f"weight decay should be >= 0 but is: {weight_decay}")
        check(adjust_lr_fn in (None, "original", "match_rms_adamw"),
              f"Adjust learning rate function {adjust_lr_fn} is not supported")
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                                      adjust_lr_fn=adjust_lr_fn))
        for group in self.param_groups:
            for p in group["params"]:
                check(p.ndim == 2, f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                   f"{p.size()}")

    @staticmethod
    def _transform(h, flags):
        return muon_torch(h["lr"], h["weight_decay"], h["momentum"], flags["nesterov"], h["ns_coefficients"],
                          h["eps"], flags["ns_steps"], flags["adjust_lr_fn"])
