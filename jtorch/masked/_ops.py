"""Masked reductions and normalizations on strided tensors.

Each op replaces the masked-out elements of ``input`` with its reduction identity (0 for sum, 1 for prod, -inf
for amax...) and runs the ordinary op; gradients flow to the masked-in elements only. Fully masked-out slices
give the identity (sum, prod, amax, amin, norm), or NaN (mean, median, var, std).
"""
from __future__ import annotations

import builtins
from typing import Sequence

import jax.numpy as jnp

from .. import _dtype as dt
from .. import linalg
from .._ops import creation, cumulative, pointwise, reduction, shape, sort
from .._tensor import Tensor
from ..nn import functional as F

DimOrDims = int | Sequence[int] | None


def _canonical_dim(dim: DimOrDims, ndim: int) -> tuple:
    """``dim`` as a sorted tuple of non-negative dims; None and () mean every dim."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    ndim = builtins.max(ndim, 1)
    dims: list = []
    for d in (dim,) if isinstance(dim, int) else dim:
        if d in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if d >= ndim or d < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        dims.append(d % ndim)
    return tuple(sorted(dims))


def _input_mask(input: Tensor, mask: Tensor) -> Tensor:
    """``mask`` broadcast to ``input``'s shape, as bool."""
    if tuple(mask.shape) != tuple(input.shape):
        if mask.ndim > input.ndim:
            raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality higher than of the "
                             "input)")
        mask = shape.broadcast_to(mask, input.shape)
    return mask.to(dt.bool)


def _identity(op: str, input: Tensor, ord: float = 2.0) -> Tensor:
    """The value that leaves reduction ``op`` unchanged, as a 0-d tensor of ``input``'s dtype."""
    d = input.dtype
    if op in ("sum", "cumsum"):
        value = 0
    elif op in ("prod", "cumprod"):
        value = 1
    elif op in ("amax", "argmax", "logaddexp", "logsumexp", "amin", "argmin"):
        largest = op in ("amin", "argmin")
        if d.is_floating_point or d.is_complex:
            value = float("inf") if largest else float("-inf")
        elif d.is_signed or d is dt.uint8:
            info = jnp.iinfo(d.np_dtype)
            value = int(info.max if largest else info.min)
        else:
            raise NotImplementedError(f"masked {op} of {d} input is not supported by jtorch yet")
    elif op == "norm":
        value = float("inf") if ord == float("-inf") else 0
    elif op == "median":
        value = float("nan")
    else:
        raise NotImplementedError(f"identity of {op} on {d} input")
    return creation.tensor(value, dtype=d)


def _masked_input(op: str, input: Tensor, mask: Tensor | None, ord: float = 2.0) -> Tensor:
    """``input`` with the masked-out elements set to ``op``'s identity (``input`` itself without a mask)."""
    if mask is None:
        return input
    return pointwise.where(_input_mask(input, mask), input, _identity(op, input, ord))


def _integer_sum_dtype(input: Tensor, dtype) -> dt.dtype:
    if dtype is not None:
        return dtype
    return dt.int64 if input.dtype in (dt.uint8, dt.bool, dt.int8, dt.int16, dt.int32) else input.dtype


def sum(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False, dtype=None,
        mask: Tensor | None = None) -> Tensor:
    """Sum over ``dim`` (every dim when None) of the elements where ``mask`` holds (0 where none does)."""
    d = _integer_sum_dtype(input, dtype)
    dims = _canonical_dim(dim, input.ndim)
    return reduction.sum(_masked_input("sum", input, mask), dims, bool(keepdim), dtype=d)


def prod(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False, dtype=None,
         mask: Tensor | None = None) -> Tensor:
    """Product over ``dim`` (every dim when None) of the elements where ``mask`` holds (1 where none does)."""
    d = _integer_sum_dtype(input, dtype)
    result = _masked_input("prod", input, mask).to(d)
    for axis in reversed(_canonical_dim(dim, input.ndim)):
        result = reduction.prod(result, axis, bool(keepdim))
    return result


def cumsum(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Cumulative sum along ``dim``, masked-out elements counting as 0."""
    d = dtype or input.dtype
    axis = _canonical_dim(dim, input.ndim)[0]
    return cumulative.cumsum(_masked_input("sum", input, mask), axis, dtype=d).to(d)


def cumprod(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Cumulative product along ``dim``, masked-out elements counting as 1."""
    d = dtype or input.dtype
    axis = _canonical_dim(dim, input.ndim)[0]
    return cumulative.cumprod(_masked_input("prod", input, mask), axis, dtype=d).to(d)


def _extreme(op: str, fn):
    def masked_extreme(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False, dtype=None,
                       mask: Tensor | None = None) -> Tensor:
        d = dtype or input.dtype
        masked = _masked_input(op, input, mask)
        return fn(masked, _canonical_dim(dim, masked.ndim), bool(keepdim)).to(d)
    masked_extreme.__name__ = masked_extreme.__qualname__ = op
    masked_extreme.__doc__ = (f"``{op}`` over ``dim`` (every dim when None) of the elements where ``mask`` holds "
                              f"({'-' if op == 'amax' else ''}inf or the integer extreme where none does).")
    return masked_extreme


amax = _extreme("amax", reduction.amax)
amin = _extreme("amin", reduction.amin)


def _arg_extreme(op: str, fn):
    def masked_arg_extreme(input: Tensor, dim: int | None = None, *, keepdim: bool = False, dtype=None,
                           mask: Tensor | None = None) -> Tensor:
        d = dtype or input.dtype
        return fn(_masked_input(op, input, mask), dim, bool(keepdim)).to(d)
    masked_arg_extreme.__name__ = masked_arg_extreme.__qualname__ = op
    masked_arg_extreme.__doc__ = (f"``{op}`` over ``dim`` among the elements where ``mask`` holds, returned in "
                                  "``dtype`` (the input's dtype by default).")
    return masked_arg_extreme


argmax = _arg_extreme("argmax", reduction.argmax)
argmin = _arg_extreme("argmin", reduction.argmin)


def _masked_count(input: Tensor, dim: DimOrDims, keepdim: bool, mask: Tensor | None):
    """``(count, mask)``: how many elements are masked in along ``dim``, and the canonical mask."""
    if mask is None:
        return sum(creation.ones(input.shape, dtype=dt.int64), dim, keepdim=keepdim), None
    inmask = _input_mask(input, mask)
    return reduction.sum(inmask, dim, keepdim), inmask


def mean(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False, dtype=None,
         mask: Tensor | None = None) -> Tensor:
    """Mean over ``dim`` of the elements where ``mask`` holds (NaN where none does)."""
    d = dtype or input.dtype
    if not (d.is_floating_point or d.is_complex):
        source = "Optional" if dtype is not None else "Input"
        raise ValueError(f"mean(): Could not infer output dtype. {source} dtype must be either a floating point or "
                         f"complex dtype. Got: {d}")
    count, inmask = _masked_count(input, dim, bool(keepdim), mask)
    return pointwise.div(sum(input, dim, keepdim=keepdim, dtype=d, mask=inmask), count)


def median(input: Tensor, dim: int = -1, *, keepdim: bool = False, dtype=None,
           mask: Tensor | None = None) -> Tensor:
    """Median along ``dim`` of the elements where ``mask`` holds (NaN where none does)."""
    d = dtype or input.dtype
    axis = _canonical_dim(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dt.float32)
    output = sort.nanmedian(_masked_input("median", input, mask), axis, keepdim).values
    if is_float:
        return output
    if bool(output.isnan().any()):
        raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")
    return output.to(d)


def logsumexp(input: Tensor, dim: DimOrDims = None, *, keepdim: bool = False, dtype=None,
              mask: Tensor | None = None) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim`` of the elements where ``mask`` holds (-inf where none does)."""
    d = dtype or input.dtype
    dims = _canonical_dim(dim, input.ndim)
    return reduction.logsumexp(_masked_input("logsumexp", input, mask), dims, keepdim=keepdim).to(d)


def logaddexp(input: Tensor, other: Tensor, *, dtype=None, input_mask: Tensor | None = None,
              other_mask: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))``, each operand's masked-out elements counting as -inf."""
    d = dtype or input.dtype
    return pointwise.logaddexp(_masked_input("logaddexp", input, input_mask),
                               _masked_input("logaddexp", other, other_mask)).to(d)


def norm(input: Tensor, ord: float = 2.0, dim: DimOrDims = None, *, keepdim: bool = False, dtype=None,
         mask: Tensor | None = None) -> Tensor:
    """Vector ``ord``-norm over ``dim`` of the elements where ``mask`` holds."""
    d = dtype or input.dtype
    masked = _masked_input("norm", input, mask, ord)
    return linalg.vector_norm(masked, ord, _canonical_dim(dim, input.ndim), bool(keepdim), dtype=d)


def _std_var(input: Tensor, dim: DimOrDims, unbiased: bool | None, correction: float | None, keepdim: bool,
             dtype, mask: Tensor | None, take_sqrt: bool) -> Tensor:
    if unbiased is not None and correction is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    if correction is None:
        correction = 1.0 if unbiased is None or unbiased else 0.0
    d = dtype or (input.dtype if input.dtype.is_floating_point or input.dtype.is_complex else dt.float32)
    compute = d if d.is_floating_point or d.is_complex else dt.float32
    count, inmask = _masked_count(input, dim, True, mask)
    sample_mean = pointwise.div(sum(input, dim, keepdim=True, dtype=d, mask=inmask), count)
    x = pointwise.sub(input, sample_mean)
    total = sum(pointwise.mul(x, pointwise.conj(x)), dim, keepdim=keepdim, dtype=compute, mask=inmask)
    if not keepdim:
        count = count.reshape(total.shape)
    if correction != 0:
        real = dt.float32 if compute is dt.complex64 else dt.float64 if compute is dt.complex128 else compute
        count = pointwise.clamp_min(pointwise.sub(count.to(real), float(correction)), 0)
    output = pointwise.div(total, count).to(d)
    return output.sqrt() if take_sqrt else output


def var(input: Tensor, dim: DimOrDims = None, unbiased: bool | None = None, *, correction: float | None = None,
        keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Variance over ``dim`` of the elements where ``mask`` holds, with Bessel's ``correction`` (1 by default)."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=False)


def std(input: Tensor, dim: DimOrDims = None, unbiased: bool | None = None, *, correction: float | None = None,
        keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Standard deviation over ``dim`` of the elements where ``mask`` holds (see :func:`var`)."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt=True)


def _normalization(name: str, identity: str, fn):
    def masked_normalization(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
        d = dtype or input.dtype
        axis = _canonical_dim(dim, input.ndim)[0]
        return fn(_masked_input(identity, input, mask), axis, dtype=d)
    masked_normalization.__name__ = masked_normalization.__qualname__ = name
    masked_normalization.__doc__ = (f"``{name}`` along ``dim`` over the elements where ``mask`` holds (masked-out "
                                    "elements get zero probability).")
    return masked_normalization


softmax = _normalization("softmax", "amax", F.softmax)
log_softmax = _normalization("log_softmax", "amax", F.log_softmax)
softmin = _normalization("softmin", "amin", F.softmin)


def normalize(input: Tensor, ord: float, dim: int, *, eps: float = 1e-12, dtype=None,
              mask: Tensor | None = None) -> Tensor:
    """``input`` divided by its masked ``ord``-norm along ``dim`` (at least ``eps``); masked-out elements give 0."""
    d = dtype or input.dtype
    nrm = norm(input, ord, dim, keepdim=True, dtype=d, mask=mask)
    denom = pointwise.maximum(nrm, nrm.new_full([], eps))
    return pointwise.div(_masked_input("sum", input, mask), denom)
