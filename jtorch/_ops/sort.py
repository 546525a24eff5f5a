"""Sorting and selection: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, unique,
unique_consecutive. Orderings are stable and put NaN above every number, as PyTorch does."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import return_types
from .._tensor import Tensor, _host
from ._dispatch import apply
from ._registry import register
from ._util import write_out, wrap_dim


def _order(a, dim: int, descending: bool):
    """Stable argsort along ``dim``; NaN counts as the largest value."""
    if jnp.issubdtype(a.dtype, jnp.inexact):
        nan = jnp.isnan(a)
        # sort by (is-nan, value) so NaNs go last ascending and first descending
        key = jnp.where(nan, jnp.zeros((), a.dtype), a)
        if descending:
            return jnp.lexsort((-key, ~nan), axis=dim)
        return jnp.lexsort((key, nan), axis=dim)
    if a.dtype == jnp.bool_:
        a = a.astype(jnp.int8)
    return jnp.argsort(a, axis=dim, stable=True, descending=descending)


def _sort(a, *, dim, descending):
    if a.ndim == 0:
        return a, jnp.zeros((), jnp.int64)
    idx = _order(a, dim, descending)
    return jnp.take_along_axis(a, idx, axis=dim), idx.astype(jnp.int64)


def _sort_dim(input: Tensor, dim: int) -> int:
    return wrap_dim(dim, input.ndim) if input.ndim else 0


@register
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """``(values, indices)`` of ``input`` sorted along ``dim`` (always stable)."""
    values, indices = apply(_sort, input, static=(("dim", _sort_dim(input, dim)), ("descending", bool(descending))),
                            saves=False, name="SortBackward0")
    return write_out(return_types.sort(values, indices), out)


@register
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    return sort(input, dim, descending).indices


@register
def msort(input, *, out=None) -> Tensor:
    """``input`` sorted along dim 0."""
    return write_out(sort(input, 0).values, out)


def _topk(a, *, k, dim, largest, ndim0):
    if ndim0:
        return a, jnp.zeros((), jnp.int64)
    idx = jnp.take(_order(a, dim, largest), jnp.arange(k), axis=dim)
    return jnp.take_along_axis(a, idx, axis=dim), idx.astype(jnp.int64)


@register
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``."""
    d = _sort_dim(input, dim)
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = apply(_topk, input, static=(("k", int(k)), ("dim", d), ("largest", bool(largest)),
                                                  ("ndim0", input.ndim == 0)), saves=False, name="TopkBackward0")
    return write_out(return_types.topk(values, indices), out)


def _pick(a, *, dim, keepdim, rule, k):
    """The element at a sorted position of each slice along ``dim``: the k-th, median, or NaN-ignoring median."""
    if a.ndim == 0:
        return a, jnp.zeros((), jnp.int64)
    idx = _order(a, dim, False)
    if rule == "kth":
        pos = jnp.full((), k - 1)
    else:
        n = a.shape[dim]
        nan_count = jnp.sum(jnp.isnan(a), axis=dim, keepdims=True) if jnp.issubdtype(a.dtype, jnp.inexact) else 0
        valid = n - nan_count
        if rule == "median":
            pos = jnp.where(nan_count > 0, valid, (n - 1) // 2)
        else:
            pos = jnp.maximum((valid - 1) // 2, 0)
    pos = jnp.broadcast_to(pos, a.shape[:dim] + (1,) + a.shape[dim + 1:]).astype(idx.dtype)
    chosen = jnp.take_along_axis(idx, pos, axis=dim)
    values = jnp.take_along_axis(a, chosen, axis=dim)
    if not keepdim:
        values, chosen = jnp.squeeze(values, dim), jnp.squeeze(chosen, dim)
    return values, chosen.astype(jnp.int64)


def _select_op(input: Tensor, dim, keepdim: bool, rule: str, k: int, name: str, result_type, out):
    if input.ndim and input.shape[wrap_dim(dim, input.ndim)] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {wrap_dim(dim, input.ndim)} to have non-zero size.")
    values, indices = apply(_pick, input, static=(("dim", _sort_dim(input, dim)), ("keepdim", bool(keepdim)),
                                                  ("rule", rule), ("k", k)),
                            saves=False, name=_camel(name) + "Backward0")
    return write_out(result_type(values, indices), out)


def _camel(name: str) -> str:
    return name[:1].upper() + name[1:]


@register
def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``."""
    size = input.shape[wrap_dim(dim, input.ndim)] if input.ndim else 1
    if not 1 <= k <= size:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {_sort_dim(input, dim)}")
    return _select_op(input, dim, keepdim, "kth", int(k), "kthvalue", return_types.kthvalue, out)


def _median_family(rule: str, result_type):
    def op(input, dim=None, keepdim: bool = False, *, out=None):
        if dim is None:
            if input.numel() == 0:
                return write_out(apply(_nan_scalar, input, saves=False), out)
            return write_out(_select_op(input.reshape(-1), 0, False, rule, 0, rule, result_type, None).values, out)
        return _select_op(input, dim, keepdim, rule, 0, rule, result_type, out)
    op.__name__ = op.__qualname__ = rule
    op.__doc__ = (f"The lower median{' ignoring NaN' if rule == 'nanmedian' else ''} of all elements, or "
                  "``(values, indices)`` along ``dim``.")
    return register(op)


def _nan_scalar(a):
    return jnp.full((), jnp.nan, a.dtype)


median = _median_family("median", return_types.median)
nanmedian = _median_family("nanmedian", return_types.nanmedian)


def _mode(a, *, dim, keepdim):
    if a.ndim == 0:
        return a, jnp.zeros((), jnp.int64)
    a_last = jnp.moveaxis(a, dim, -1)
    n = a_last.shape[-1]
    idx = _order(a_last, -1, False)
    s = jnp.take_along_axis(a_last, idx, axis=-1)
    # the length of the run of equal values ending at each sorted position
    new_run = jnp.concatenate([jnp.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]], axis=-1)
    pos = jnp.arange(n)
    run_start = jax.lax.cummax(jnp.where(new_run, pos, 0), axis=s.ndim - 1)
    run_len = pos - run_start + 1
    # the most frequent value; the smallest one on ties (its run ends first); its last index
    best = jnp.argmax(run_len, axis=-1, keepdims=True)
    values = jnp.take_along_axis(s, best, axis=-1)
    indices = jnp.take_along_axis(idx, best, axis=-1)
    values, indices = jnp.moveaxis(values, -1, dim), jnp.moveaxis(indices, -1, dim)
    if not keepdim:
        values, indices = jnp.squeeze(values, dim), jnp.squeeze(indices, dim)
    return values, indices.astype(jnp.int64)


@register
def mode(input, dim: int = -1, keepdim: bool = False, *, out=None):
    """``(values, indices)`` of the most frequent value along ``dim`` (the smallest on ties)."""
    values, indices = apply(_mode, input, static=(("dim", _sort_dim(input, dim)), ("keepdim", bool(keepdim))),
                            saves=False, name="ModeBackward0")
    return write_out(return_types.mode(values, indices), out)


# ------------------------------------------------------------------ unique (value-dependent shapes)
def _unique(a, *, dim, consecutive):
    host = np.asarray(_host(a))
    if dim is None:
        host = host.reshape(-1)
        axis = 0
    else:
        axis = dim
    moved = np.moveaxis(host, axis, 0)
    n = moved.shape[0]
    rows = moved.reshape(n, int(np.prod(moved.shape[1:])))
    if consecutive:
        if n:
            change = np.concatenate([[True], np.any(rows[1:] != rows[:-1], axis=1)])
        else:
            change = np.zeros(0, bool)
        starts = np.nonzero(change)[0]
        inverse = np.cumsum(change) - 1
        counts = np.diff(np.append(starts, n))
        uniq = moved[starts]
    else:
        order = np.lexsort(rows.T[::-1]) if rows.shape[1] else np.arange(n)
        srows = rows[order]
        change = np.concatenate([[True], np.any(srows[1:] != srows[:-1], axis=1)]) if n else np.zeros(0, bool)
        starts = np.nonzero(change)[0]
        group = np.cumsum(change) - 1
        inverse = np.empty(n, np.int64)
        inverse[order] = group
        counts = np.diff(np.append(starts, n))
        uniq = moved[order[starts]]
    uniq = np.moveaxis(uniq, 0, axis)
    inverse = inverse.reshape(a.shape) if dim is None else inverse
    return (jnp.asarray(uniq, a.dtype), jnp.asarray(inverse, jnp.int64), jnp.asarray(counts, jnp.int64))


def _unique_op(input: Tensor, return_inverse: bool, return_counts: bool, dim, consecutive: bool):
    d = None if dim is None else wrap_dim(dim, input.ndim)
    values, inverse, counts = apply(_unique, input, static=(("dim", d), ("consecutive", consecutive)), jit=False,
                                    saves=False)
    out = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return out[0] if len(out) == 1 else out


@register
def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct values (or slices along ``dim``) in ascending order; optionally the inverse map and counts."""
    return _unique_op(input, return_inverse, return_counts, dim, False)


@register
def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Collapse each run of equal consecutive values (or slices along ``dim``) to one."""
    return _unique_op(input, return_inverse, return_counts, dim, True)
