"""ASGD: averaged stochastic gradient descent."""
from __future__ import annotations

from typing import Iterable

import jax.numpy as jnp

from .optimizer import Optimizer, check_common, scalar, scalar_state, signed_grad, step_count, zeros_state


class ASGD(Optimizer):
    """Averaged SGD: ``p = p * (1 - lambd * eta) - eta * g``; ``ax`` averages ``p`` from step ``t0`` on."""

    _hyper_keys = ("lr", "lambd", "alpha", "t0", "weight_decay")
    _flag_keys = ("maximize",)

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach=None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_common(lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _init_state(self, p, group):
        return {"step": scalar_state(), "eta": scalar_state(group["lr"]), "mu": scalar_state(1.0),
                "ax": zeros_state(p)}

    @staticmethod
    def _rule(p, g, state, h, flags):
        lr, lambd = h["lr"], h["lambd"]
        g = signed_grad(g, p, h, flags)
        step, t = step_count(state)
        eta = state["eta"].astype(jnp.float64)
        p = p * scalar(1 - lambd * eta, p) - scalar(eta, p) * g
        ax = state["ax"]
        ax = jnp.where(state["mu"] != 1, ax + (p - ax) * scalar(state["mu"], p), p)
        new_eta = lr / (1 + lambd * lr * t) ** h["alpha"]
        new_mu = 1 / jnp.maximum(1.0, t - h["t0"])
        return p, {"step": step, "eta": scalar(new_eta, step), "mu": scalar(new_mu, step), "ax": ax}
