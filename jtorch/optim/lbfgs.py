"""L-BFGS over the flattened parameters, with an optional strong-Wolfe line search.

The control flow is data dependent (history updates, line-search brackets), so it runs eagerly on JAX arrays:
vectors are float32 arrays and scalars 0-dim float32 arrays, which mix with Python floats the way PyTorch's
0-dim tensors do; the state keeps PyTorch's names with jtorch Tensors for the arrays.
"""
from __future__ import annotations

from typing import Callable, Iterable

import jax.numpy as jnp

from .._tensor import Tensor
from ..autograd import grad_mode
from .optimizer import Optimizer, check


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = jnp.sqrt(d2_square)
    if x1 <= x2:
        pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(pos, lo), hi)


class _Bracket:
    """Line-search interval end points: step, loss, flat grad and directional derivative of each."""

    def __init__(self, points):
        self.t, self.f, self.g, self.gtd = (list(v) for v in zip(*points))

    def set(self, i, t, f, g, gtd):
        self.t[i], self.f[i], self.g[i], self.gtd[i] = t, f, g, gtd

    def order(self):
        return (0, 1) if self.f[0] <= self.f[-1] else (1, 0)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions; returns (loss, grad, t, evaluations)."""
    d_norm = jnp.max(jnp.abs(d))
    f_new, g_new = evaluate(t)
    evals, ls_iter, done = 1, 0, False
    gtd_new = jnp.dot(g_new, d)
    prev = (0, f, g, gtd)
    bracket = None
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= prev[1]) or gtd_new >= 0:
            bracket = _Bracket([prev, (t, f_new, g_new, gtd_new)])
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = _Bracket([(t, f_new, g_new, gtd_new)]), True
            break
        t_next = _cubic_min(prev[0], prev[1], prev[3], t, f_new, gtd_new, bounds=(t + 0.01 * (t - prev[0]), t * 10))
        prev = (t, f_new, g_new, gtd_new)
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = jnp.dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = _Bracket([(0, f, g, None), (t, f_new, g_new, None)])
    low, high = bracket.order()
    insufficient = False
    while not done and ls_iter < max_ls:
        if abs(bracket.t[1] - bracket.t[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(bracket.t[0], bracket.f[0], bracket.gtd[0], bracket.t[1], bracket.f[1], bracket.gtd[1])
        top, bottom = max(bracket.t), min(bracket.t)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = jnp.dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket.f[low]:
            bracket.set(high, t, f_new, g_new, gtd_new)
            low, high = bracket.order()
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket.t[high] - bracket.t[low]) >= 0:
                bracket.set(high, bracket.t[low], bracket.f[low], bracket.g[low], bracket.gtd[low])
            bracket.set(low, t, f_new, g_new, gtd_new)
    return bracket.f[low], bracket.g[low], bracket.t[low], evals


def _arr(v):
    return v._value if isinstance(v, Tensor) else v


def _box(v):
    if isinstance(v, list):
        return [_box(x) for x in v]
    return Tensor._make(v) if hasattr(v, "dtype") and hasattr(v, "shape") else v


class LBFGS(Optimizer):
    """Limited-memory BFGS; ``step(closure)`` runs up to ``max_iter`` iterations (one param group only)."""

    def __init__(self, params: Iterable, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check(0.0 <= lr, f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        return jnp.concatenate([jnp.zeros(p.numel(), p._value.dtype) if p.grad is None else
                                p.grad._value.reshape(-1) for p in self._params])

    def _add_step(self, t, d) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            value = p._value
            p._commit_inplace(Tensor._make(value + jnp.asarray(t, value.dtype) * d[offset:offset + n].reshape(
                value.shape)))
            offset += n

    def _set_params(self, values) -> None:
        for p, v in zip(self._params, values):
            p._commit_inplace(Tensor._make(v))

    def _evaluate(self, closure: Callable) -> float:
        with grad_mode.enable_grad():
            return closure()

    def _step(self, closure: Callable):
        with grad_mode.no_grad():
            return self._lbfgs(closure)

    def _lbfgs(self, closure: Callable):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change, history = group["tolerance_grad"], group["tolerance_change"], group["history_size"]
        line_search = group["line_search_fn"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if jnp.max(jnp.abs(flat_grad)) <= tol_grad:
            return orig_loss
        d, t = _arr(state.get("d")), _arr(state.get("t"))
        old_dirs = [_arr(v) for v in state.get("old_dirs", [])]
        old_stps = [_arr(v) for v in state.get("old_stps", [])]
        ro = [_arr(v) for v in state.get("ro", [])]
        h_diag = _arr(state.get("H_diag"))
        prev_flat_grad, prev_loss = _arr(state.get("prev_flat_grad")), state.get("prev_loss")
        al = [_arr(v) for v in state["al"]] if "al" in state else None
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1
            else:
                y, s = flat_grad - prev_flat_grad, d * jnp.asarray(t, d.dtype)
                ys = jnp.dot(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / jnp.dot(y, y)
                if al is None:
                    al = [None] * history
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = jnp.dot(old_stps[i], q) * ro[i]
                    q = q + (-al[i]) * old_dirs[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = jnp.dot(old_dirs[i], r) * ro[i]
                    r = d = r + (al[i] - be_i) * old_stps[i]
            prev_flat_grad, prev_loss = flat_grad, loss
            t = min(1.0, 1.0 / jnp.sum(jnp.abs(flat_grad))) * lr if state["n_iter"] == 1 else lr
            gtd = jnp.dot(flat_grad, d)
            if gtd > -tol_change:
                break
            step_evals = 0
            if line_search is not None:
                if line_search != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                start = [p._value for p in self._params]

                def evaluate(step, start=start, d=d):
                    self._add_step(step, d)
                    value = float(self._evaluate(closure))
                    grad = self._flat_grad()
                    self._set_params(start)
                    return value, grad

                loss, flat_grad, t, step_evals = _strong_wolfe(evaluate, t, d, loss, flat_grad, gtd,
                                                               max_ls=max_eval - evals)
                self._add_step(t, d)
                converged = jnp.max(jnp.abs(flat_grad)) <= tol_grad
            else:
                self._add_step(t, d)
                converged = False
                if n_iter != max_iter:
                    loss = float(self._evaluate(closure))
                    flat_grad = self._flat_grad()
                    converged = jnp.max(jnp.abs(flat_grad)) <= tol_grad
                    step_evals = 1
            evals += step_evals
            state["func_evals"] += step_evals
            if (n_iter == max_iter or evals >= max_eval or converged
                    or jnp.max(jnp.abs(d * jnp.asarray(t, d.dtype))) <= tol_change
                    or abs(loss - prev_loss) < tol_change):
                break
        state.update(d=_box(d), t=_box(t), old_dirs=_box(old_dirs), old_stps=_box(old_stps), ro=_box(ro),
                     H_diag=_box(h_diag), prev_flat_grad=_box(prev_flat_grad), prev_loss=prev_loss)
        if al is not None:
            state["al"] = _box(al)
        return orig_loss
