"""Reductions: sum, mean, prod, max/min (with indices along a dim), amax/amin, argmax/argmin, all/any,
std/var, logsumexp, norm."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from .. import _dtype as dt
from .. import return_types
from .._tensor import Tensor
from ._dispatch import apply
from ._registry import register
from ._util import dims_tuple, np_dtype, write_out, wrap_dim


def _rdims(dim, input: Tensor) -> tuple | None:
    """Reduction dims of ``dim`` over ``input`` (a 0-d tensor reduces over no axis)."""
    dims = dims_tuple(dim, input.ndim)
    return () if dims is not None and input.ndim == 0 else dims


def _sum(a, *, dims, keepdim, dtype):
    return jnp.sum(a.astype(dtype), axis=dims, keepdims=keepdim)


def _sum_dtype(input: Tensor, dtype) -> dt.dtype:
    if dtype is not None:
        return dtype
    d = input.dtype
    return dt.int64 if d is dt.bool or d._kind in "iu" else d


@register
def sum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum over ``dim`` (all dims when None); integer and bool inputs sum to int64."""
    dims = _rdims(dim, input)
    d = _sum_dtype(input, dtype)
    return write_out(apply(_sum, input, static=(("dims", dims), ("keepdim", keepdim), ("dtype", np_dtype(d))),
                           saves=False, name="SumBackward0" if dims is None else "SumBackward1"), out)


@register
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum treating NaN as zero."""
    dims = _rdims(dim, input)
    return write_out(apply(_nansum, input, static=(("dims", dims), ("keepdim", keepdim),
                                                   ("dtype", np_dtype(_sum_dtype(input, dtype))))), out)


def _nansum(a, *, dims, keepdim, dtype):
    return jnp.nansum(a.astype(dtype), axis=dims, keepdims=keepdim)


def _mean(a, *, dims, keepdim, dtype):
    return jnp.mean(a.astype(dtype), axis=dims, keepdims=keepdim)


def _require_float(input: Tensor, name: str, dtype) -> dt.dtype:
    d = dtype or input.dtype
    if not (d.is_floating_point or d.is_complex):
        from .._tensor import scalar_type_name
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {scalar_type_name(d)}")
    return d


@register
def mean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Mean over ``dim`` (all dims when None); needs a floating-point or complex input."""
    d = _require_float(input, "mean", dtype)
    dims = _rdims(dim, input)
    return write_out(apply(_mean, input, static=(("dims", dims), ("keepdim", keepdim), ("dtype", np_dtype(d))),
                           saves=False, name="MeanBackward0" if dims is None else "MeanBackward1"), out)


def _nanmean(a, *, dims, keepdim):
    return jnp.nanmean(a, axis=dims, keepdims=keepdim)


@register
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Mean ignoring NaN."""
    _require_float(input, "nanmean", dtype)
    return write_out(apply(_nanmean, input, static=(("dims", _rdims(dim, input)), ("keepdim", keepdim))),
                     out)


def _prod(a, *, dims, keepdim, dtype):
    return jnp.prod(a.astype(dtype), axis=dims, keepdims=keepdim)


@register
def prod(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Product over ``dim`` (all dims when None)."""
    dims = _rdims(dim, input)
    return write_out(apply(_prod, input, static=(("dims", dims), ("keepdim", keepdim),
                                                 ("dtype", np_dtype(_sum_dtype(input, dtype))))), out)


def _extreme(a, *, dims, keepdim, largest):
    return (jnp.max if largest else jnp.min)(a, axis=dims, keepdims=keepdim)


def _extreme_with_index(a, *, dim, keepdim, largest):
    if a.ndim == 0:
        return a, jnp.zeros((), jnp.int64)
    # NaN wins, as in PyTorch; ties resolve to the first index
    key = jnp.where(jnp.isnan(a), jnp.inf if largest else -jnp.inf, a) if jnp.issubdtype(a.dtype, jnp.inexact) else a
    if jnp.issubdtype(a.dtype, jnp.inexact):
        nan_first = jnp.argmax(jnp.isnan(a), axis=dim, keepdims=True)
        has_nan = jnp.any(jnp.isnan(a), axis=dim, keepdims=True)
        idx = jnp.argmax(key, axis=dim, keepdims=True) if largest else jnp.argmin(key, axis=dim, keepdims=True)
        idx = jnp.where(has_nan, nan_first, idx)
    else:
        idx = jnp.argmax(key, axis=dim, keepdims=True) if largest else jnp.argmin(key, axis=dim, keepdims=True)
    values = jnp.take_along_axis(a, idx, axis=dim)
    if not keepdim:
        values, idx = jnp.squeeze(values, dim), jnp.squeeze(idx, dim)
    return values, idx.astype(jnp.int64)


def _check_nonempty(input: Tensor, name: str, dim=None) -> None:
    if input.numel() == 0 and (dim is None or input.shape[wrap_dim(dim, input.ndim)] == 0):
        if dim is None:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        raise IndexError(f"{name}(): Expected reduction dim {wrap_dim(dim, input.ndim)} to have non-zero size.")


def _max_or_min(name: str, largest: bool, result_type):
    def op(input, dim=None, keepdim: bool = False, *, out=None):
        if isinstance(dim, Tensor):  # torch.max(a, b) is maximum
            from .pointwise import maximum, minimum
            return (maximum if largest else minimum)(input, dim)
        _check_nonempty(input, name, dim)
        if dim is None:
            return write_out(apply(_extreme, input, static=(("dims", None), ("keepdim", False), ("largest", largest)),
                                   name=f"{name.capitalize()}Backward1"), out)
        d = wrap_dim(dim, input.ndim)
        values, indices = apply(_extreme_with_index, input, static=(("dim", d), ("keepdim", keepdim),
                                                                     ("largest", largest)),
                                name=f"{name.capitalize()}Backward0")
        if out is not None:
            return result_type(*write_out((values, indices), out))
        return result_type(values, indices)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {name}imum of all elements, or ``(values, indices)`` along ``dim``; with a tensor as "
                  f"second argument, the elementwise {name}imum.")
    return register(op, name=name)


max = _max_or_min("max", True, return_types.max)
min = _max_or_min("min", False, return_types.min)


def _amax_amin(name: str, largest: bool):
    def op(input, dim=(), keepdim: bool = False, *, out=None):
        dims = _rdims(dim, input)
        return write_out(apply(_extreme, input, static=(("dims", dims), ("keepdim", keepdim), ("largest", largest))),
                         out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The {name[1:]}imum over ``dim`` (all dims when empty); gradient split evenly among ties."
    return register(op, name=name)


amax = _amax_amin("amax", True)
amin = _amax_amin("amin", False)


def _arg_extreme(a, *, dim, keepdim, largest):
    if dim is None:
        flat = a.reshape(-1)
        _, idx = _extreme_with_index(flat, dim=0, keepdim=False, largest=largest)
        return idx.reshape((1,) * a.ndim) if keepdim else idx
    return _extreme_with_index(a, dim=dim, keepdim=keepdim, largest=largest)[1]


def _argmax_argmin(name: str, largest: bool):
    def op(input, dim=None, keepdim: bool = False, *, out=None):
        _check_nonempty(input, name, dim)
        d = None if dim is None else wrap_dim(dim, input.ndim)
        return write_out(apply(_arg_extreme, input, static=(("dim", d), ("keepdim", keepdim), ("largest", largest))),
                         out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The index of the {name[3:]}imum (of the flattened input when ``dim`` is None)."
    return register(op, name=name)


argmax = _argmax_argmin("argmax", True)
argmin = _argmax_argmin("argmin", False)


def _all(a, *, dims, keepdim):
    return jnp.all(a, axis=dims, keepdims=keepdim)


def _any(a, *, dims, keepdim):
    return jnp.any(a, axis=dims, keepdims=keepdim)


def _bool_reduction(name: str, fn):
    def op(input, dim=None, keepdim: bool = False, *, out=None):
        result = apply(fn, input, static=(("dims", _rdims(dim, input)), ("keepdim", keepdim)))
        if input.dtype is dt.uint8:
            result = result.to(dt.uint8)
        return write_out(result, out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Whether {'all' if name == 'all' else 'any'} elements (along ``dim``) are nonzero."
    return register(op, name=name)


all = _bool_reduction("all", _all)
any = _bool_reduction("any", _any)


def _var(a, *, dims, correction, keepdim, take_sqrt):
    n = a.size if dims is None else math.prod(a.shape[d] for d in dims)
    m = jnp.mean(a, axis=dims, keepdims=True)
    sq = jnp.abs(a - m) ** 2
    v = jnp.sum(sq, axis=dims, keepdims=keepdim) / jnp.maximum(n - correction, 0)
    return jnp.sqrt(v) if take_sqrt else v


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def _var_std(name: str, take_sqrt: bool):
    def op(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None):
        if isinstance(dim, bool):  # var(input, unbiased)
            dim, unbiased = None, dim
        _require_float(input, name, None)
        dims = _rdims(dim, input)
        return write_out(apply(_var, input, static=(("dims", dims), ("correction", _correction(unbiased, correction)),
                                                    ("keepdim", keepdim), ("take_sqrt", take_sqrt)),
                               name=f"{name.capitalize()}Backward0"), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"{'Standard deviation' if take_sqrt else 'Variance'} over ``dim`` with Bessel's "
                  "``correction`` (1 by default).")
    return register(op, name=name)


var = _var_std("var", False)
std = _var_std("std", True)


@register(method=False)
def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """``(var, mean)`` over ``dim``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


@register(method=False)
def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """``(std, mean)`` over ``dim``."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def _logsumexp(a, *, dims, keepdim):
    return jax.nn.logsumexp(a, axis=dims, keepdims=keepdim)


@register
def logsumexp(input, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed stably."""
    x = input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(dt.get_default_dtype())
    return write_out(apply(_logsumexp, x, static=(("dims", _rdims(dim, input) or tuple(range(input.ndim))),
                                                  ("keepdim", keepdim))), out)
