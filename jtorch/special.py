"""torch.special: special functions, elementwise unless noted (same shape as the input).

Functions PyTorch has here but JAX offers no accurate kernel for raise ``NotImplementedError`` by name.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

from . import _dtype as dt
from ._ops._registry import TORCH_FUNCTIONS
from ._ops._dispatch import apply
from ._ops._util import float_dtype, np_dtype, operand, result_dtype, write_out, wrap_dim
from ._tensor import Tensor

__all__ = []


def _unary(name: str, jfn, doc: str):
    def impl(a, *, dtype):
        return jfn(a.astype(dtype))
    impl.__name__ = impl.__qualname__ = "special_" + name

    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        d = float_dtype(input.dtype)
        return write_out(apply(impl, input, static=(("dtype", np_dtype(d)),)), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    globals()[name] = op
    __all__.append(name)


def _spherical_j0(x):
    safe = jnp.where(x == 0, 1, x)
    return jnp.where(x == 0, 1, jnp.sin(safe) / safe).astype(x.dtype)


def _entr(x):
    safe = jnp.where(x > 0, x, 1)
    return jnp.where(x > 0, -safe * jnp.log(safe), jnp.where(x == 0, 0, -jnp.inf)).astype(x.dtype)


for _name, _fn, _doc in (
        ("erfcx", jss.erfcx, "Scaled complementary error function ``exp(x**2) * erfc(x)``."),
        ("ndtr", jss.ndtr, "Standard normal CDF."),
        ("ndtri", jss.ndtri, "Inverse of the standard normal CDF."),
        ("log_ndtr", jss.log_ndtr, "Log of the standard normal CDF."),
        ("i0e", jss.i0e, "Exponentially scaled modified Bessel function of order 0."),
        ("i1", jss.i1, "Modified Bessel function of the first kind, order 1."),
        ("i1e", jss.i1e, "Exponentially scaled modified Bessel function of order 1."),
        ("modified_bessel_i1", jss.i1, "Modified Bessel function of the first kind, order 1."),
        ("entr", _entr, "Elementwise entropy ``-x * log(x)`` (0 at 0, -inf for negative x)."),
        ("spherical_bessel_j0", _spherical_j0, "Spherical Bessel function of the first kind, order 0."),
):
    _unary(_name, _fn, _doc)


def _alias(name: str, fn) -> None:
    globals()[name] = fn
    __all__.append(name)


for _name, _target in (("expit", "sigmoid"), ("exp2", "exp2"), ("expm1", "expm1"), ("log1p", "log1p"),
                       ("erf", "erf"), ("erfc", "erfc"), ("erfinv", "erfinv"), ("gammaln", "lgamma"),
                       ("digamma", "digamma"), ("psi", "digamma"), ("i0", "i0"), ("modified_bessel_i0", "i0"),
                       ("sinc", "sinc"), ("round", "round"), ("logit", "logit"), ("xlogy", "xlogy"),
                       ("xlog1py", "xlog1py"), ("zeta", "zeta"), ("polygamma", "polygamma"),
                       ("multigammaln", "mvlgamma"), ("gammainc", "igamma"), ("gammaincc", "igammac"),
                       ("logsumexp", "logsumexp")):
    _alias(_name, TORCH_FUNCTIONS[_target])


def _softmax_impl(a, *, dim, dtype, log):
    a = a.astype(dtype)
    return (jax.nn.log_softmax if log else jax.nn.softmax)(a, axis=dim)


def _softmax_family(name: str, log: bool):
    def op(input: Tensor, dim: int, *, dtype: dt.dtype | None = None) -> Tensor:
        d = dtype or float_dtype(input.dtype)
        return apply(_softmax_impl, input, static=(("dim", wrap_dim(dim, input.ndim) if input.ndim else None),
                                                   ("dtype", np_dtype(d)), ("log", log)))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{'Log-softmax' if log else 'Softmax'} of ``input`` along ``dim``."
    _alias(name, op)


_softmax_family("softmax", False)
_softmax_family("log_softmax", True)


def _missing(name: str) -> None:
    def op(*args, **kwargs):
        raise NotImplementedError(f"torch.special.{name} is not available: JAX has no kernel for it")
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Not available (raises NotImplementedError)."
    _alias(name, op)


for _name in ("airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
              "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"):
    _missing(_name)


# ------------------------------------------------------------------ orthogonal polynomials of integer degree n
def _three_term(start, step, n, nan_stop: bool):
    """Run ``r = step(j, p, q)`` for j = 1 .. n-1 elementwise (from ``p = 1``, ``q = start``); the last ``q``.

    Each element stops after its own ``n - 1`` steps (or, with ``nan_stop``, once ``q`` is NaN); the loop runs
    until every element has stopped.
    """
    def active(j, q):
        keep = j <= n - 1
        return keep & ~jnp.isnan(q) if nan_stop else keep

    def cond(state):
        j, _, q = state
        return jnp.any(active(j, q))

    def body(state):
        j, p, q = state
        go = active(j, q)
        r = step(j.astype(q.dtype), p, q)
        return j + 1, jnp.where(go, q, p), jnp.where(go, r, q)

    _, _, q = jax.lax.while_loop(cond, body, (jnp.asarray(1, n.dtype), jnp.ones_like(start), start))
    return q


def _chebyshev(y, n, *, kind, closed_above):
    """Chebyshev polynomials of the first to fourth kind (t, u, v, w) at ``y`` (PyTorch's special cases)."""
    two_y = y + y
    start = {"t": y, "u": two_y, "v": two_y - 1, "w": two_y + 1}[kind]
    nf = n.astype(y.dtype)
    even = n % 2 == 0
    theta = jnp.arccos(jnp.clip(y, -1, 1))
    if kind == "t":
        edge = jnp.where((y > 0) | even, 1, -1)
        closed = jnp.cos(nf * theta)
    elif kind == "u":
        edge = jnp.where((y > 0) | even, nf + 1, -(nf + 1))
        sin_theta = jnp.sin(theta)
        closed = jnp.where(sin_theta != 0, jnp.sin((nf + 1) * theta) / jnp.where(sin_theta != 0, sin_theta, 1),
                           (nf + 1) * jnp.cos((nf + 1) * theta) / y)
    elif kind == "v":
        odd_value = jnp.where(even, nf + nf + 1, -(nf + nf + 1))
        edge = jnp.where(y > 0, 1, odd_value)
        half = jnp.cos(theta / 2)
        closed = jnp.where(jnp.sin(theta / 2) != 1, jnp.cos((nf + 0.5) * theta) / half, odd_value)
    else:
        edge = jnp.where(y > 0, nf + nf + 1, jnp.where(even, 1, -1))
        half = jnp.sin(theta / 2)
        closed = jnp.where(jnp.cos(theta / 2) != 1, jnp.sin((nf + 0.5) * theta) / jnp.where(half != 0, half, 1), edge)
    recurrence = _three_term(start, lambda j, p, q: two_y * q - p, jnp.where(jnp.abs(y) == 1, 0, n), True)
    out = jnp.where(n == 0, 1, jnp.where(n == 1, start, recurrence))
    out = jnp.where((n > closed_above) & (jnp.abs(y) < 1), closed, out)
    out = jnp.where(jnp.abs(y) == 1, edge, out)
    return jnp.where(n < 0, 0, out).astype(y.dtype)


def _hermite(x, n, *, physicists):
    limit = {jnp.dtype(jnp.float32): 128, jnp.dtype(jnp.float64): 512}.get(jnp.dtype(x.dtype), 1024)
    start = x + x if physicists else x
    if physicists:
        step = lambda j, p, q: (x + x) * q - (j + j) * p  # noqa: E731
    else:
        step = lambda j, p, q: x * q - j * p  # noqa: E731
    recurrence = _three_term(start, step, jnp.where(n > limit, 0, n), False)
    out = jnp.where(n == 0, 1, jnp.where(n == 1, start, jnp.where(n > limit, jnp.nan, recurrence)))
    return jnp.where(n < 0, 0, out).astype(x.dtype)


def _laguerre(x, n):
    step = lambda j, p, q: (((j + j) + (1 - x)) * q - j * p) / (j + 1)  # noqa: E731
    out = jnp.where(n == 0, 1, jnp.where(n == 1, 1 - x, _three_term(1 - x, step, n, True)))
    return jnp.where(n < 0, 0, jnp.where(x == 0, 1, out)).astype(x.dtype)


def _legendre(x, n):
    step = lambda j, p, q: ((j + j + 1) * x * q - j * p) / (j + 1)  # noqa: E731
    out = jnp.where(n == 0, 1, jnp.where(n == 1, x, _three_term(x, step, jnp.where(jnp.abs(x) == 1, 0, n), True)))
    out = jnp.where(jnp.abs(x) == 1, jnp.where((x > 0) | (n % 2 == 0), 1, -1), out)
    return jnp.where(n < 0, 0, out).astype(x.dtype)


def _polynomial_impl(x, n, *, fn, shifted, dtype):
    x = jnp.asarray(x).astype(dtype)
    n = jnp.asarray(n)
    if jnp.issubdtype(n.dtype, jnp.inexact):
        n = jnp.where(jnp.isfinite(n), jnp.trunc(n), -1)
    x, n = jnp.broadcast_arrays(x, n.astype(jnp.int64))
    return fn(x + x - 1 if shifted else x, n)


def _polynomial(name: str, fn, doc: str, shifted: bool = False):
    def op(input, n, *, out: Tensor | None = None) -> Tensor:
        d = float_dtype(result_dtype(input, n))
        static = (("fn", fn), ("shifted", shifted), ("dtype", np_dtype(d)))
        return write_out(apply(_polynomial_impl, operand(input), operand(n), static=static), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc + " of integer degree ``n`` (truncated toward zero) at ``input``, elementwise (broadcast)."
    _alias(name, op)


for _kind, _above, _shifted_above in (("t", 6, 6), ("u", 8, 6), ("v", 8, 6), ("w", 8, 4)):
    _polynomial(f"chebyshev_polynomial_{_kind}", partial(_chebyshev, kind=_kind, closed_above=_above),
                f"Chebyshev polynomial of kind {_kind}")
    _polynomial(f"shifted_chebyshev_polynomial_{_kind}", partial(_chebyshev, kind=_kind, closed_above=_shifted_above),
                f"Shifted Chebyshev polynomial of kind {_kind} (of ``2 * input - 1``)", shifted=True)
_polynomial("hermite_polynomial_h", partial(_hermite, physicists=True), "Physicists' Hermite polynomial")
_polynomial("hermite_polynomial_he", partial(_hermite, physicists=False), "Probabilists' Hermite polynomial")
_polynomial("laguerre_polynomial_l", _laguerre, "Laguerre polynomial")
_polynomial("legendre_polynomial_p", _legendre, "Legendre polynomial")
