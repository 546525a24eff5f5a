"""Cumulative ops along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp; differences and
trapezoid integration: diff, trapezoid/trapz, cumulative_trapezoid."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from .. import _dtype as dt
from .. import return_types
from .._tensor import Tensor
from ._dispatch import apply
from ._registry import register
from ._util import np_dtype, result_dtype, write_out, wrap_dim


def _scan(fn):
    """``fn(a, axis)`` on an array of any rank (a 0-d array is scanned as one element)."""
    def run(a, *, dim, dtype):
        a = a.astype(dtype)
        if a.ndim == 0:
            return fn(a.reshape(1), 0).reshape(())
        return fn(a, dim)
    return run


_cumsum = _scan(lambda a, d: jnp.cumsum(a, axis=d))
_cumsum.__name__ = "cumsum"
_cumprod = _scan(lambda a, d: jnp.cumprod(a, axis=d))
_cumprod.__name__ = "cumprod"
_logcumsumexp = _scan(lambda a, d: jax.lax.cumlogsumexp(a, axis=d))
_logcumsumexp.__name__ = "logcumsumexp"


def _cumulative(name: str, impl, *, integer_to_long: bool, float_only: bool = False):
    def op(input, dim, *, dtype=None, out=None):
        d = dtype or input.dtype
        if dtype is None and integer_to_long and (d is dt.bool or d._kind in "iu"):
            d = dt.int64
        if float_only and not (d.is_floating_point or d.is_complex):
            from .._tensor import scalar_type_name
            raise RuntimeError(f"\"{name}_out_cpu\" not implemented for '{scalar_type_name(d)}'")
        static = (("dim", wrap_dim(dim, input.ndim)), ("dtype", np_dtype(d)))
        return write_out(apply(impl, input, static=static, name=_camel(name) + "Backward0"), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}`` of ``input`` along ``dim`` (same shape as ``input``)."
    return register(op, name=name, inplace=name != "logcumsumexp")


def _camel(name: str) -> str:
    return name[:1].upper() + name[1:]


cumsum = _cumulative("cumsum", _cumsum, integer_to_long=True)
cumprod = _cumulative("cumprod", _cumprod, integer_to_long=True)


@register
def logcumsumexp(input, dim, *, out=None) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably (same shape as ``input``)."""
    d = input.dtype
    if not (d.is_floating_point or d.is_complex):
        from .._tensor import scalar_type_name
        raise RuntimeError(f"\"logcumsumexp_out_cpu\" not implemented for '{scalar_type_name(d)}'")
    return write_out(apply(_logcumsumexp, input, static=(("dim", wrap_dim(dim, input.ndim)), ("dtype", np_dtype(d))),
                           name="LogcumsumexpBackward0"), out)


def _running_extreme(a, *, dim, largest):
    """Running max/min with the index where it was reached (ties and NaN go to the later index)."""
    scalar = a.ndim == 0
    if scalar:
        a = a.reshape(1)
    idx = jnp.broadcast_to(jnp.arange(a.shape[dim], dtype=jnp.int64).reshape(
        (-1,) + (1,) * (a.ndim - dim - 1)), a.shape)
    nan_aware = jnp.issubdtype(a.dtype, jnp.inexact)

    def combine(left, right):
        lv, li = left
        rv, ri = right
        take = rv >= lv if largest else rv <= lv
        if nan_aware:
            take = (take | jnp.isnan(rv)) & ~(jnp.isnan(lv) & ~jnp.isnan(rv))
        return jnp.where(take, rv, lv), jnp.where(take, ri, li)

    _, indices = jax.lax.associative_scan(combine, (jax.lax.stop_gradient(a), idx), axis=dim)
    values = jnp.take_along_axis(a, indices, axis=dim)
    if scalar:
        return values.reshape(()), indices.reshape(())
    return values, indices


def _cum_extreme(name: str, largest: bool, result_type):
    def op(input, dim, *, out=None):
        static = (("dim", wrap_dim(dim, input.ndim) if input.ndim else 0), ("largest", largest))
        values, indices = apply(_running_extreme, input, static=static, name=_camel(name) + "Backward0")
        if out is not None:
            write_out((values, indices), out)
        return result_type(values, indices)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Running {name[3:]}imum along ``dim``: ``(values, indices)``, each shaped like ``input``."
    return register(op, name=name)


cummax = _cum_extreme("cummax", True, return_types.cummax)
cummin = _cum_extreme("cummin", False, return_types.cummin)


# ------------------------------------------------------------------ differences and integration
def _diff(a, prepend, append, *, n, dim, dtype):
    parts = [p.astype(dtype) for p in (prepend, a, append) if p is not None]
    a = jnp.concatenate(parts, axis=dim) if len(parts) > 1 else a.astype(dtype)
    for _ in range(n):
        a = (jnp.not_equal if dtype == jnp.bool_ else jnp.subtract)(
            jax.lax.slice_in_dim(a, 1, a.shape[dim], axis=dim), jax.lax.slice_in_dim(a, 0, a.shape[dim] - 1, axis=dim))
    return a


@register
def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None, *, out=None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (after concatenating ``prepend``/``append``)."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = wrap_dim(dim, input.ndim)
    if n == 0:
        return write_out(input.clone(), out)
    dtype = result_dtype(*(t for t in (input, prepend, append) if t is not None))
    extras = [None if t is None else _expand_along(t, input, d) for t in (prepend, append)]
    length = input.shape[d] + sum(e.shape[d] for e in extras if e is not None)
    return write_out(apply(_diff, input, *extras, static=(("n", min(int(n), length)), ("dim", d),
                                                          ("dtype", np_dtype(dtype)))), out)


def _expand_along(t, input: Tensor, dim: int) -> Tensor:
    if not isinstance(t, Tensor):
        from .creation import full
        shape = list(input.shape)
        shape[dim] = 1
        return full(shape, t, dtype=result_dtype(input, t))
    return t


def _trapezoid(y, x, *, dx, dim, cumulative):
    n = y.shape[dim]
    lo = jax.lax.slice_in_dim(y, 0, n - 1, axis=dim)
    hi = jax.lax.slice_in_dim(y, 1, n, axis=dim)
    if x is None:
        pieces = (lo + hi) * (dx / 2)
    else:
        x = jnp.asarray(x)
        if x.ndim == 1:
            x = x.reshape((-1,) + (1,) * (y.ndim - dim - 1))
        else:
            x = jnp.broadcast_to(x, y.shape) if x.ndim != y.ndim else x
        spacing = jax.lax.slice_in_dim(x, 1, x.shape[dim], axis=dim) - jax.lax.slice_in_dim(x, 0, x.shape[dim] - 1,
                                                                                             axis=dim)
        pieces = (lo + hi) * spacing / 2
    return jnp.cumsum(pieces, axis=dim) if cumulative else jnp.sum(pieces, axis=dim)


def _integrate(y, x, dx, dim, cumulative: bool):
    d = wrap_dim(dim, y.ndim)
    out_dtype = result_dtype(*(t for t in (y, x) if isinstance(t, Tensor)))
    out_dtype = out_dtype if out_dtype.is_floating_point or out_dtype.is_complex else dt.get_default_dtype()
    y = y.to(out_dtype) if y.dtype is not out_dtype else y
    if isinstance(x, Tensor):
        x = x.to(out_dtype) if x.dtype is not out_dtype else x
        spacing = None
    else:
        spacing = float(1.0 if dx is None and x is None else (x if dx is None else dx))
        x = None
    if y.shape[d] == 0 if y.ndim else True:
        if not cumulative:
            from .creation import zeros
            shape = tuple(s for i, s in enumerate(y.shape) if i != d)
            return zeros(shape, dtype=out_dtype)
    return apply(_trapezoid, y, x, static=(("dx", spacing), ("dim", d), ("cumulative", cumulative)))


@register(method=False)
def trapezoid(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """Trapezoid-rule integral of ``y`` along ``dim`` with sample points ``x`` (or spacing ``dx``)."""
    return _integrate(y, x, dx, dim, False)


@register(method=False)
def trapz(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """Alias of :func:`trapezoid`."""
    return _integrate(y, x, dx, dim, False)


@register(method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """Running trapezoid-rule integral of ``y`` along ``dim`` (one element shorter than ``y`` there)."""
    return _integrate(y, x, dx, dim, True)
