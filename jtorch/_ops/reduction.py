"""Reductions: sum, mean, prod, max/min (with indices along a dim), amax/amin, argmax/argmin, all/any,
std/var, logsumexp, norm."""
from __future__ import annotations

import builtins
import math

import jax
import jax.numpy as jnp

from .. import _dtype as dt
from .. import return_types
from .._tensor import Tensor
from ._dispatch import apply
from ._registry import register
from ._util import dims_tuple, host_checkable, np_dtype, write_out, wrap_dim


def _rdims(dim, input: Tensor) -> tuple | None:
    """Reduction dims of ``dim`` over ``input`` (a 0-d tensor reduces over no axis)."""
    dims = dims_tuple(dim, input.ndim)
    return () if dims is not None and input.ndim == 0 else dims


def _sum(a, *, dims, keepdim, dtype):
    return jnp.sum(a.astype(dtype), axis=dims, keepdims=keepdim, dtype=dtype)  # no widening of small integers


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
    return jnp.nansum(a.astype(dtype), axis=dims, keepdims=keepdim, dtype=dtype)


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


def _nanmean(a, *, dims, keepdim, dtype):
    return jnp.nanmean(a.astype(dtype), axis=dims, keepdims=keepdim)


@register
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Mean ignoring NaN."""
    d = _require_float(input, "nanmean", dtype)
    return write_out(apply(_nanmean, input, static=(("dims", _rdims(dim, input)), ("keepdim", keepdim),
                                                    ("dtype", np_dtype(d)))), out)


def _prod(a, *, dims, keepdim, dtype):
    return jnp.prod(a.astype(dtype), axis=dims, keepdims=keepdim, dtype=dtype)


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
        if input.dtype is dt.bool or input.dtype.is_complex:
            raise RuntimeError(f"{name}(): does not support {'bool' if input.dtype is dt.bool else 'complex'} input")
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


# ------------------------------------------------------------------ norms
def _abs_zero_grad(a):
    """``|a|`` whose gradient at 0 is 0, as in PyTorch."""
    return a * jax.lax.stop_gradient(jnp.sign(a))


def _vector_norm(a, *, p, dims, keepdim, dtype):
    a = a.astype(dtype) if dtype is not None else a
    absolute = _abs_zero_grad(a)
    if jnp.issubdtype(a.dtype, jnp.complexfloating):
        absolute = jnp.abs(a)
    if p == math.inf:
        return jnp.max(absolute, axis=dims, keepdims=keepdim)
    if p == -math.inf:
        return jnp.min(absolute, axis=dims, keepdims=keepdim)
    if p == 0:
        return jnp.sum((a != 0).astype(absolute.dtype), axis=dims, keepdims=keepdim)
    if p == 1:
        return jnp.sum(absolute, axis=dims, keepdims=keepdim)
    if p == 2:
        powers = absolute * absolute
    else:  # zero entries get gradient 0 (|x|^p has an infinite slope at 0 for p < 1)
        zero = absolute == 0
        powers = jnp.where(zero, 0.0 if p > 0 else math.inf, jnp.where(zero, 1, absolute) ** p)
    total = jnp.sum(powers, axis=dims, keepdims=keepdim)
    nonzero = total != 0
    safe = jnp.where(nonzero, total, 1)
    return jnp.where(nonzero, safe ** (1 / p) if p != 2 else jnp.sqrt(safe), 0).astype(total.dtype)


def _nuclear_norm(a, *, dims, keepdim):
    moved = jnp.moveaxis(a, dims, (-2, -1))
    out = jnp.sum(jnp.linalg.svd(moved, compute_uv=False), axis=-1)
    if keepdim:
        for d in sorted(dims):
            out = jnp.expand_dims(out, d)
    return out


@register
def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements when None), Frobenius ('fro') or nuclear ('nuc') norm."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex) and dtype is None:
        from .._tensor import scalar_type_name
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(input.dtype)}")
    if isinstance(dim, int):
        dim = (dim,)
    if p == "nuc":
        dims = tuple(wrap_dim(d, input.ndim) for d in (dim if dim is not None else range(input.ndim)))
        if len(dims) != 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " + " ".join(map(str, dims)))
        return write_out(apply(_nuclear_norm, input, static=(("dims", dims), ("keepdim", keepdim))), out)
    if p == "fro":
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {p}")
    dims = _rdims(dim, input)
    return write_out(apply(_vector_norm, input, static=(("p", float(p)), ("dims", dims), ("keepdim", keepdim),
                                                        ("dtype", None if dtype is None else np_dtype(dtype))),
                           name="NormBackward1"), out)


@register
def dist(input, other, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast); a 0-d tensor."""
    from .pointwise import sub
    return norm(sub(input, other), p)


def _renorm(a, *, p, dim, maxnorm):
    others = tuple(d for d in range(a.ndim) if d != dim)
    norms = _vector_norm(a, p=p, dims=others, keepdim=True, dtype=None)
    scale = jnp.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0).astype(a.dtype)
    return a * scale


@register(inplace=True)
def renorm(input, p: float, dim: int, maxnorm: float, *, out=None) -> Tensor:
    """Rescale each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` to norm ``maxnorm``."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    return write_out(apply(_renorm, input, static=(("p", float(p)), ("dim", wrap_dim(dim, input.ndim)),
                                                   ("maxnorm", float(maxnorm)))), out)


# ------------------------------------------------------------------ counting and bucketing
def _count_nonzero(a, *, dims):
    return jnp.sum(a != 0, axis=dims).astype(jnp.int64)


@register
def count_nonzero(input, dim=None) -> Tensor:
    """Number of nonzero elements over ``dim`` (all when None); int64."""
    return apply(_count_nonzero, input, static=(("dims", _rdims(dim, input)),))


def _aminmax(a, *, dims, keepdim):
    return jnp.min(a, axis=dims, keepdims=keepdim), jnp.max(a, axis=dims, keepdims=keepdim)


@register
def aminmax(input, *, dim=None, keepdim: bool = False, out=None):
    """``(min, max)`` over ``dim`` (all elements when None)."""
    if input.numel() == 0 and (dim is None or input.shape[wrap_dim(dim, input.ndim)] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    dims = None if dim is None else _rdims(dim, input)
    result = apply(_aminmax, input, static=(("dims", dims), ("keepdim", keepdim and dim is not None)))
    if dim is None and keepdim:
        result = tuple(r.reshape((1,) * input.ndim) for r in result)
    return return_types.aminmax(*(write_out(result, out) if out is not None else result))


def _histc(a, *, bins, lo, hi):
    a = a.reshape(-1)
    if lo == hi:
        lo, hi = jnp.min(a), jnp.max(a)
        same = lo == hi
        lo, hi = jnp.where(same, lo - 1, lo), jnp.where(same, hi + 1, hi)
    lo, hi = jnp.asarray(lo, a.dtype), jnp.asarray(hi, a.dtype)
    inside = (a >= lo) & (a <= hi)
    index = jnp.clip(((a - lo) * bins / (hi - lo)).astype(jnp.int64), 0, bins - 1)
    return jnp.zeros(bins, a.dtype).at[index].add(inside.astype(a.dtype))


@register
def histc(input, bins: int = 100, min: float = 0, max: float = 0, *, out=None) -> Tensor:
    """Histogram of ``input`` with ``bins`` equal bins over ``[min, max]`` (the data range when equal)."""
    if not input.dtype.is_floating_point:
        from .._tensor import scalar_type_name
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{scalar_type_name(input.dtype)}'")
    if max < min:
        raise RuntimeError("torch.histc: max must be larger than min")
    if input.numel() == 0 and min == max:
        from .creation import zeros
        return write_out(zeros(bins, dtype=input.dtype), out)
    return write_out(apply(_histc, input.detach(), static=(("bins", int(bins)), ("lo", float(min)),
                                                           ("hi", float(max)))), out)


def _bin_edges(a, edges, *, counts, ranges):
    """The edges of each dim of the (M, D) samples ``a``: ``edges[d]`` when given, else ``counts[d]`` equal bins
    over ``ranges[d]`` (the data's range when None), widened by 0.5 either side when empty."""
    out = []
    for d, (given, n, span) in enumerate(zip(edges, counts, ranges)):
        if given is not None:
            out.append(given)
            continue
        if span is None:
            x = a[:, d]
            lo, hi = (jnp.min(x), jnp.max(x)) if a.shape[0] else (jnp.zeros((), a.dtype), jnp.ones((), a.dtype))
        else:
            lo, hi = jnp.asarray(span[0], a.dtype), jnp.asarray(span[1], a.dtype)
        lo, hi = jnp.where(lo == hi, lo - 0.5, lo), jnp.where(lo == hi, hi + 0.5, hi)
        i = jnp.arange(n + 1, dtype=a.dtype)  # PyTorch's linspace: from the start up to half, then from the end
        step = (hi - lo) / n
        out.append(jnp.where(i < (n + 1) // 2, lo + step * i, hi - step * (n - i)))
    return tuple(out)


def _histogramdd(a, weight, *edges, counts, ranges, density):
    edges = _bin_edges(a, edges, counts=counts, ranges=ranges)
    flat, inside = jnp.zeros(a.shape[0], jnp.int64), jnp.ones(a.shape[0], bool)
    for d, e in enumerate(edges):
        x, n = a[:, d], e.shape[0] - 1
        # bin i holds edges[i] <= x < edges[i + 1]; the last bin also holds its right edge
        flat = flat * n + jnp.clip(jnp.searchsorted(e, x, side="right") - 1, 0, n - 1)
        inside &= (x >= e[0]) & (x <= e[-1])
    w = jnp.ones(a.shape[0], a.dtype) if weight is None else weight
    hist = jnp.zeros(math.prod(e.shape[0] - 1 for e in edges), a.dtype).at[flat].add(jnp.where(inside, w, 0))
    hist = hist.reshape(tuple(e.shape[0] - 1 for e in edges))
    if density:
        hist = hist / hist.sum()
        for d, e in enumerate(edges):
            hist = hist / jnp.diff(e).reshape(tuple(-1 if i == d else 1 for i in range(len(edges))))
    return (hist, *edges)


def _histogram_checks(samples: Tensor, bins: list, range, weight) -> list:
    """PyTorch's checks of ``histogramdd`` over (M, D) ``samples``; the ranges per dim (None: from the data)."""
    from .._tensor import scalar_type_name
    n = samples.shape[1]
    if not samples.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{scalar_type_name(samples.dtype)}'")
    if len(bins) != n:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    for d, b in enumerate(bins):
        if isinstance(b, Tensor):
            if b.dtype is not samples.dtype:
                raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
                                   f"got input with dtype {_type_word(samples.dtype)} and bins for dimension {d} with "
                                   f"dtype {_type_word(b.dtype)}")
            if b.ndim != 1:
                raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but got {b.ndim} "
                                   f"dimensions in the bins tensor for dimension {d}")
        count = b.numel() - 1 if isinstance(b, Tensor) else b
        if count <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {count} for dimension {d}")
    if weight is not None and weight.dtype is not samples.dtype:
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should "
                           f"have the same dtype, but got input({_type_word(samples.dtype)}), and "
                           f"weight({_type_word(weight.dtype)})")
    if range is not None and len(range) != 2 * n:
        raise RuntimeError(f"torch.histogramdd: for a {n}-dimensional histogram range should have {2 * n} elements, "
                           f"but got {len(range)}")
    ranges = [None if range is None else (float(range[2 * d]), float(range[2 * d + 1])) for d in builtins.range(n)]
    if range is None and samples.numel() and host_checkable(samples):
        lo, hi = jnp.min(samples._value, axis=0), jnp.max(samples._value, axis=0)
        ranges_seen = [(float(lo[d]), float(hi[d])) for d in builtins.range(n)]
    else:
        ranges_seen = [span or (0.0, 1.0) for span in ranges]
    for d, (b, (lo, hi)) in enumerate(zip(bins, ranges_seen)):
        if isinstance(b, Tensor):
            continue
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension {d}'s range [{lo:g}, {hi:g}] is not finite")
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for "
                               f"dimension {d}")
    return ranges


def _type_word(d: dt.dtype) -> str:
    return str(d).replace("torch.", "")


def _histogram_core(samples: Tensor, bins: list, range, weight, density: bool) -> tuple:
    ranges = _histogram_checks(samples, bins, range, weight)
    edges = [b.detach() if isinstance(b, Tensor) else None for b in bins]
    counts = tuple(b.numel() - 1 if isinstance(b, Tensor) else int(b) for b in bins)
    hist, *edges = apply(_histogramdd, samples.detach(), None if weight is None else weight.detach(), *edges,
                         static=(("counts", counts), ("ranges", tuple(ranges)), ("density", bool(density))))
    return hist, edges


@register
def histogram(input, bins=100, *, range=None, weight=None, density: bool = False, out=None):
    """Histogram of all elements of ``input``: ``bins`` equal bins over ``range`` (the data's range when None) or
    the 1-D tensor of edges ``bins``; ``(hist, bin_edges)``, hist summing ``weight`` (ones) per bin, divided by
    the total and the bin width with ``density``. Not differentiable."""
    if not isinstance(bins, (int, Tensor)) or isinstance(bins, bool):
        raise TypeError(f"histogram() received an invalid combination of arguments - got (Tensor, "
                        f"{type(bins).__name__}): bins must be an int or a Tensor")
    if weight is not None and weight.numel() != input.numel():
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           f"input tensor excluding its innermost dimension, but got input with shape "
                           f"[{input.numel()}, 1] and weight with shape [{weight.numel()}]")
    hist, edges = _histogram_core(input.reshape(-1, 1), [bins], range,
                                  None if weight is None else weight.reshape(-1), density)
    result = return_types.histogram(hist, edges[0])
    return return_types.histogram(*write_out(tuple(result), out)) if out is not None else result


@register(method=False)
def histogramdd(input, bins, *, range=None, weight=None, density: bool = False):
    """Histogram of the points in the innermost dim of ``input`` (..., D): ``bins`` is an int, D ints or D 1-D
    edge tensors; ``(hist, bin_edges)`` with hist of one dim per coordinate and a tuple of D edge tensors."""
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    n = input.shape[-1]
    bins = [bins] * n if isinstance(bins, int) else list(bins)
    kinds = {isinstance(b, Tensor) for b in bins}
    if len(kinds) > 1:
        raise TypeError("histogramdd(): bins must be all ints or all tensors")
    if weight is not None and tuple(weight.shape) != tuple(input.shape[:-1]):
        raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           f"input tensor excluding its innermost dimension, but got input with shape "
                           f"{list(input.shape)} and weight with shape {list(weight.shape)}")
    hist, edges = _histogram_core(input.reshape(-1, n), bins, range,
                                  None if weight is None else weight.reshape(-1), density)
    return return_types.histogramdd(hist, tuple(edges))


def _searchsorted(seq, values, sorter, *, side, dtype):
    if sorter is not None:
        seq = jnp.take_along_axis(seq, sorter, axis=-1)
    if seq.ndim == 1:
        return jnp.searchsorted(seq, values, side=side).astype(dtype)
    search = jnp.vectorize(lambda s, v: jnp.searchsorted(s, v, side=side), signature="(n),(m)->(m)")
    return search(seq, values).astype(dtype)


@register(method=False)
def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None,
                 sorter=None, out=None) -> Tensor:
    """Indices where ``input``'s elements would be inserted into the innermost dim of ``sorted_sequence``."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = jnp.asarray(input._value if not scalar else input)
    if sorted_sequence.ndim > 1 and not scalar and tuple(sorted_sequence.shape[:-1]) != tuple(input.shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           "dimensions of boundaries tensor and input value tensor must match")
    result = apply(_searchsorted, sorted_sequence.detach(), values.reshape(1) if scalar else values,
                   None if sorter is None else sorter, static=(("side", "right" if right else "left"),
                                                               ("dtype", jnp.int32 if out_int32 else jnp.int64)))
    return write_out(result.reshape(()) if scalar else result, out)


@register
def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False, out=None) -> Tensor:
    """Index of the bucket of 1-D ``boundaries`` each element of ``input`` falls in."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def _softmax_alias(name: str):
    def op(input, dim: int, dtype=None) -> Tensor:
        from ..nn import functional
        return getattr(functional, name)(input, dim, dtype=dtype)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Alias of :func:`torch.nn.functional.{name}` along ``dim``, optionally computed in ``dtype``."
    return register(op, name=name)


softmax = _softmax_alias("softmax")
log_softmax = _softmax_alias("log_softmax")


# ------------------------------------------------------------------ membership, counts, covariance, distances
def _isin(a, b, *, invert):
    found = jnp.isin(a, b)
    return ~found if invert else found


@register(method=False)
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (either may be a scalar); a bool tensor."""
    from ._util import operand
    return apply(_isin, operand(elements), operand(test_elements), static=(("invert", bool(invert)),))


def _bincount(a, w, *, length, dtype):
    weights = jnp.ones(a.shape, dtype) if w is None else w.astype(dtype)
    return jnp.zeros(length, dtype).at[a].add(weights)


@register
def bincount(input, weights=None, minlength: int = 0) -> Tensor:
    """Counts of each value 0..max(input) of a 1-D non-negative integer tensor (summed ``weights`` if given)."""
    if input.dtype.is_floating_point or input.dtype.is_complex:
        from .._tensor import scalar_type_name
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{scalar_type_name(input.dtype)}'")
    if input.ndim != 1 or input.dtype is dt.bool:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if input.numel() and bool((input._value < 0).any()):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    length = builtins.max(int(input._value.max()) + 1 if input.numel() else 0, int(minlength))
    d = dt.int64 if weights is None else weights.dtype if weights.dtype.is_floating_point else dt.float64
    return apply(_bincount, input, weights, static=(("length", length), ("dtype", np_dtype(d))))


@register
def cov(input, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """Covariance matrix of the variables in the rows of ``input`` (observations in columns); (V, V) or 0-d."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        x = x.to(dt.get_default_dtype())
    w = fweights if aweights is None else aweights if fweights is None else fweights * aweights
    if w is None:
        centered = x - x.mean(1, keepdim=True)
        product = centered.matmul(centered.conj().t())
        result = product / builtins.max(x.shape[1] - correction, 0)
    else:
        total = w.sum()
        centered = x - ((x * w).sum(1) / total).unsqueeze(1)
        product = (centered * w).matmul(centered.conj().t())
        norm = total - correction if aweights is None else total - correction * (w * aweights).sum() / total
        result = product / norm.clamp_min(0)
    return result.squeeze() if input.ndim < 2 or x.shape[0] == 1 else result


@register
def corrcoef(input) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input``; values clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    stddev = d.real.sqrt() if d.dtype.is_complex else d.sqrt()
    c = c / stddev.unsqueeze(1) / stddev.unsqueeze(0)
    return c.clamp(-1, 1)


def _cdist(a, b, *, p):
    return _vector_norm(a[..., :, None, :] - b[..., None, :, :], p=p, dims=(a.ndim,), keepdim=False, dtype=None)


@register(method=False)
def cdist(x1, x2, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """``p``-norm distance between each row of ``x1`` (B, P, M) and each row of ``x2`` (B, R, M); (B, P, R)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return apply(_cdist, x1, x2, static=(("p", float(p)),))


@register
def nonzero_static(input, *, size: int, fill_value: int = -1) -> Tensor:
    """The first ``size`` indices of nonzero elements, (size, ndim) int64, padded with ``fill_value``."""
    idx = input.nonzero()
    if idx.shape[0] >= size:
        return idx[:size]
    from .creation import full
    return Tensor._make(jnp.concatenate([idx._value, full((size - idx.shape[0], input.ndim), fill_value,
                                                           dtype=dt.int64)._value]))


def _hash_tensor(a, *, dims, keepdim):
    if jnp.issubdtype(a.dtype, jnp.floating):
        bits = jax.lax.bitcast_convert_type(a.astype(jnp.float64), jnp.uint64)
    else:
        bits = a.astype(jnp.int64).astype(jnp.uint64)
    dims = tuple(builtins.range(a.ndim)) if dims is None else dims
    out = jax.lax.reduce(bits, jnp.uint64(0), jax.lax.bitwise_xor, dims)
    return jnp.expand_dims(out, dims) if keepdim else out


@register
def hash_tensor(input, dim=(), *, keepdim: bool = False, mode: int = 0, out=None) -> Tensor:
    """XOR over ``dim`` (all dims when empty or None) of the elements' bits, each element first widened to
    float64 or int64; uint64."""
    from .._tensor import scalar_type_name
    if mode != 0:
        raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
    if input.dtype.is_complex or input.dtype in (dt.uint16, dt.uint32, dt.uint64):
        raise NotImplementedError(f"\"xor_sum_cpu\" not implemented for '{scalar_type_name(input.dtype)}'")
    dims = _rdims(dim, input)
    if input.numel() == 0:
        if dims is None:
            raise RuntimeError("hash_tensor: Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        for d in dims:
            if input.shape[d] == 0:
                raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero size.")
    return write_out(apply(_hash_tensor, input.detach(), static=(("dims", dims), ("keepdim", keepdim))), out)


# ------------------------------------------------------------------ quantiles
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(a, q, *, dim, out_shape, interpolation, ignore_nan):
    from .pointwise import _lerp_impl
    rows = jnp.sort(a.reshape(-1) if dim is None else jnp.moveaxis(a, dim, -1), axis=-1)
    n = rows.shape[-1]
    qs = jnp.broadcast_to(q.reshape(-1), rows.shape[:-1] + (q.size,))
    nan = jnp.isnan(rows)
    if ignore_nan:  # ranks among the non-NaN values; an all-NaN row reads its first (NaN) value
        ranks = qs * (jnp.sum(~nan, axis=-1, keepdims=True) - 1).astype(q.dtype)
        ranks = jnp.where(ranks < 0, 0, ranks)
    else:  # a row holding NaN reads its last value, which is NaN
        ranks = jnp.where(jnp.any(nan, axis=-1, keepdims=True), n - 1, qs * (n - 1))
    if interpolation in ("lower", "higher", "nearest"):
        ranks = {"lower": jnp.floor, "higher": jnp.ceil, "nearest": jnp.round}[interpolation](ranks)
    below = ranks.astype(jnp.int64)
    values = jnp.take_along_axis(rows, below, axis=-1)
    if interpolation in ("linear", "midpoint"):
        weights = ranks - below.astype(ranks.dtype) if interpolation == "linear" else jnp.full_like(ranks, 0.5)
        above = jnp.take_along_axis(rows, jnp.ceil(ranks).astype(jnp.int64), axis=-1)
        values = _lerp_impl(values, above, weights, dtype=rows.dtype)
    return jnp.moveaxis(values, -1, 0).reshape(out_shape)


def _quantile_op(name: str, ignore_nan: bool):
    def op(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear", out=None) -> Tensor:
        if interpolation not in _INTERPOLATIONS:
            raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                               f"but got {interpolation}")
        if not isinstance(q, Tensor):
            if not 0 <= q <= 1:
                raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
            q = Tensor._make(jnp.asarray(q, input.dtype.np_dtype if input.dtype.is_floating_point else jnp.float32))
        if input.numel() == 0:
            raise RuntimeError("quantile() input tensor must be non-empty")
        if q.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if input.dtype not in (dt.float32, dt.float64):
            raise RuntimeError("quantile() input tensor must be either float or double dtype")
        if q.dtype is not input.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        if host_checkable(q) and not bool(((q._value >= 0) & (q._value <= 1)).all()):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{name}() received an invalid combination of arguments - dim must be an int or None, "
                            f"not {type(dim).__name__}")
        if dim is None:
            kept = (1,) * input.ndim if keepdim else ()
        else:
            dim = wrap_dim(dim, input.ndim) if input.ndim else wrap_dim(dim, 1)
            kept = tuple(1 if i == dim else s for i, s in enumerate(input.shape) if keepdim or i != dim)
            dim = dim if input.ndim else None
        out_shape = tuple(q.shape) + kept
        return write_out(apply(_quantile, input, q, static=(("dim", dim), ("out_shape", out_shape),
                                                            ("interpolation", interpolation),
                                                            ("ignore_nan", ignore_nan))), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The ``q``-th quantiles (a float or 1-D tensor, Q) of ``input`` along ``dim`` (flattened when "
                  f"None), {'ignoring NaN' if ignore_nan else 'NaN where a row holds NaN'}; shape (Q, *reduced), "
                  "Q dropped for a scalar ``q``. ``interpolation`` picks between the two nearest ranks.")
    return register(op, name=name)


quantile = _quantile_op("quantile", False)
nanquantile = _quantile_op("nanquantile", True)
