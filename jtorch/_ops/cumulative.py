"""Cumulative ops along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp; differences, numerical gradients and
trapezoid integration: diff, gradient, trapezoid/trapz, cumulative_trapezoid."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from .. import _dtype as dt
from .. import return_types
from .._tensor import Tensor
from ._dispatch import apply
from ._registry import register
from ._util import dims_tuple, float_dtype, np_dtype, result_dtype, write_out, wrap_dim


def _scan(fn):
    """``fn(a, axis)`` on an array of any rank (a 0-d array is scanned as one element); float16 and bfloat16 are
    accumulated in float32 and rounded once, as PyTorch's CPU kernels do."""
    def run(a, *, dim, dtype):
        acc = jnp.float32 if jnp.dtype(dtype) in (jnp.float16, jnp.bfloat16) else dtype
        a = a.astype(dtype).astype(acc)
        if a.ndim == 0:
            return fn(a.reshape(1), 0).reshape(()).astype(dtype)
        return fn(a, dim).astype(dtype)
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
        if d is dt.bool:
            raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")
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


def _trapezoid(y, x, *, dx, dim, cumulative, dtype, product):
    """PyTorch's formulas, including their integer arithmetic: neighbour sums in ``y``'s dtype and spacings in
    ``x``'s dtype wrap, products are in ``product`` (the promoted dtype), integer totals in int64."""
    n = y.shape[dim]
    pair = jax.lax.slice_in_dim(y, 0, n - 1, axis=dim) + jax.lax.slice_in_dim(y, 1, n, axis=dim)
    if x is None:
        if cumulative:
            return jnp.cumsum(pair.astype(dtype) * (dx / 2), axis=dim)
        ends = jax.lax.index_in_dim(y, 0, dim, keepdims=False) + jax.lax.index_in_dim(y, n - 1, dim, keepdims=False)
        total = jnp.sum(y, axis=dim, dtype=_total_dtype(y.dtype))
        return (total.astype(dtype) - ends.astype(dtype) * 0.5) * dx
    x = jnp.asarray(x)
    if x.ndim == 1:
        spacing = (x[1:] - x[:-1]).reshape((-1,) + (1,) * (y.ndim - dim - 1))
    else:
        x = jnp.broadcast_to(x, y.shape) if x.ndim != y.ndim else x
        spacing = jax.lax.slice_in_dim(x, 1, x.shape[dim], axis=dim) - jax.lax.slice_in_dim(x, 0, x.shape[dim] - 1,
                                                                                             axis=dim)
    pieces = spacing.astype(product) * pair.astype(product)
    total = (jnp.cumsum if cumulative else jnp.sum)(pieces, axis=dim, dtype=_total_dtype(product))
    return total.astype(dtype) / 2


def _total_dtype(dtype):
    """The dtype PyTorch sums ``dtype`` in: int64 for integers and bool."""
    return dtype if jnp.issubdtype(dtype, jnp.inexact) else jnp.int64


def _integrate(y, x, dx, dim, cumulative: bool):
    if y.dtype is dt.bool:
        raise RuntimeError(f"{'cumulative_trapezoid' if cumulative else 'trapezoid'}: received a bool input for `y`, "
                           "but bool is not supported")
    d = wrap_dim(dim, y.ndim)
    product = result_dtype(*(t for t in (y, x) if isinstance(t, Tensor)))
    out_dtype = product if product.is_floating_point or product.is_complex else dt.get_default_dtype()
    if isinstance(x, Tensor):
        spacing = None
    else:
        spacing = float(1.0 if dx is None and x is None else (x if dx is None else dx))
        x = None
    if y.shape[d] == 0 if y.ndim else True:
        if not cumulative:
            from .creation import zeros
            shape = tuple(s for i, s in enumerate(y.shape) if i != d)
            return zeros(shape, dtype=out_dtype)
    return apply(_trapezoid, y, x, static=(("dx", spacing), ("dim", d), ("cumulative", cumulative),
                                           ("dtype", np_dtype(out_dtype)), ("product", np_dtype(product))))


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


def _gradient(a, *coords, dims, spacings, edge_order, dtypes):
    results = []
    for d, h, x, dtype in zip(dims, spacings, coords or (None,) * len(dims), dtypes):
        f = a.astype(dtype)

        def part(start, stop=None):
            return f[(slice(None),) * d + (slice(start, stop),)]

        if x is None:  # uniform spacing h
            center = (part(2) - part(0, -2)) / h / 2
            if edge_order == 1:
                first, last = (part(1, 2) - part(0, 1)) / h, (part(-1) - part(-2, -1)) / h
            else:
                first = (part(0, 1) * -1.5 + part(1, 2) * 2 + part(2, 3) * -0.5) / h
                last = (part(-3, -2) * 0.5 + part(-2, -1) * -2 + part(-1) * 1.5) / h
        else:  # second-order differences over the sample coordinates x
            step = jnp.diff(x.astype(dtype))
            shape = [1] * a.ndim
            shape[d] = -1
            s1, s2 = step[:-1], step[1:]
            center = ((-s2 / (s1 * (s1 + s2))).reshape(shape) * part(0, -2)
                      + ((s2 - s1) / (s1 * s2)).reshape(shape) * part(1, -1)
                      + (s1 / (s2 * (s1 + s2))).reshape(shape) * part(2))
            if edge_order == 1:
                first, last = (part(1, 2) - part(0, 1)) / step[0], (part(-1) - part(-2, -1)) / step[-1]
            else:
                h0, h1, g0, g1 = step[0], step[1], step[-1], step[-2]
                first = (-(2 * h0 + h1) / (h0 * (h0 + h1)) * part(0, 1) + (h0 + h1) / (h0 * h1) * part(1, 2)
                         - h0 / (h1 * (h0 + h1)) * part(2, 3))
                last = (g0 / (g1 * (g0 + g1)) * part(-3, -2) - (g0 + g1) / (g0 * g1) * part(-2, -1)
                        + (2 * g0 + g1) / (g0 * (g0 + g1)) * part(-1))
        results.append(jnp.concatenate((first, center, last), axis=d))
    return tuple(results)


@register(method=False)
def gradient(input, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """Estimates of ``input``'s partial derivatives along ``dim`` (all dims when None) by central differences,
    with one-sided differences of order ``edge_order`` (1 or 2) at the ends. ``spacing`` is one number, one
    number per dim, or one 1-D tensor of sample coordinates per dim. A tuple of tensors shaped like ``input``."""
    if spacing is None:
        spacing = 1
    if isinstance(spacing, Tensor):
        if spacing.ndim:
            raise TypeError("gradient() received an invalid combination of arguments - got (Tensor, spacing=Tensor): "
                            "spacing must be a number or a list of numbers or of 1-D tensors")
        spacing = spacing.item()
    dims = (dim,) if isinstance(dim, int) else None if dim is None else tuple(dim)
    listed = isinstance(spacing, (list, tuple))
    if input.dtype is dt.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    if listed and dims is None and len(spacing) != input.ndim:
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal "
                           f"to 'self.dim() = {input.ndim}', since dim argument was not given, but got a list of "
                           f"length {len(spacing)}")
    if listed and dims is not None and len(spacing) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length {len(spacing)} "
                           f"and a dim argument of length {len(dims)}.")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = tuple(range(input.ndim)) if dims is None else tuple(wrap_dim(d, input.ndim) for d in dims)
    dims_tuple(dims, input.ndim)  # PyTorch's error for a repeated dim
    if any(input.shape[d] < edge_order + 1 for d in dims):
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    spacing = list(spacing) if listed else [spacing] * len(dims)
    coords = ()
    if any(isinstance(s, Tensor) for s in spacing):
        for s in spacing:
            if not isinstance(s, Tensor) or s.ndim != 1:
                raise RuntimeError(f"torch.gradient expected each element of spacing to have one dimension, but got "
                                   f"an element with {s.ndim if isinstance(s, Tensor) else 0} dimensions!")
        for s, d in zip(spacing, dims):
            if len(s) - 2 not in (1, input.shape[d] - 2) and input.shape[d] != 3:
                raise RuntimeError(f"The size of tensor a ({len(s) - 2}) must match the size of tensor b "
                                   f"({input.shape[d] - 2}) at non-singleton dimension {d}")
        coords, spacing = tuple(spacing), [None] * len(dims)
    dtypes = tuple(np_dtype(float_dtype(result_dtype(input, *((c,) if coords else ()))))
                   for c in (coords or (None,) * len(dims)))
    if not dims:
        return ()
    return apply(_gradient, input, *coords, static=(("dims", dims), ("spacings", tuple(spacing)),
                                                    ("edge_order", int(edge_order)), ("dtypes", dtypes)))
