"""ATen's normalization entry points that also return their statistics: native_layer_norm, native_group_norm,
native_batch_norm; and constant_pad_nd (``F.pad`` in constant mode)."""
from __future__ import annotations

import math

import jax

from .. import _dtype as dt
from .._tensor import Tensor
from ._dispatch import apply
from ._registry import register


def _normalized(input: Tensor, mean: Tensor, rstd: Tensor, weight, bias) -> Tensor:
    out = (input - mean) * rstd
    if weight is not None:
        out = out * weight
    return out + bias if bias is not None else out


def _mean_rstd(x: Tensor, dims: tuple, eps: float) -> tuple:
    mean = x.mean(dims, keepdim=True)
    return mean, (x.var(dims, unbiased=False, keepdim=True) + eps).rsqrt()


def _widened(t):
    """float16/bfloat16 ``t`` as float32 (PyTorch's CPU normalisations compute in float32 and round once)."""
    return t if t is None or t.dtype not in (dt.float16, dt.bfloat16) else t.float()


def _statistic(stat):
    return jax.lax.stop_gradient(stat)


def _statistics(*stats: Tensor) -> tuple:
    """The returned statistics: in the graph (they require grad) but, as in PyTorch, passing no gradient back."""
    return tuple(apply(_statistic, s, saves=False, name="NativeNormBackward0") for s in stats)


def _layer_norm(x, w, b, *, n, eps):
    axes = tuple(range(x.ndim - n, x.ndim))
    mean = x.mean(axes, keepdims=True)
    rstd = jax.lax.rsqrt(x.var(axes, keepdims=True) + eps)
    y = (x - mean) * rstd
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y, jax.lax.stop_gradient(mean), jax.lax.stop_gradient(rstd)


@register(method=False)
def native_layer_norm(input, normalized_shape, weight, bias, eps: float) -> tuple:
    """``(output, mean, rstd)`` of layer norm over the last ``len(normalized_shape)`` dims (stats keep those dims;
    they require grad but, as in PyTorch, pass no gradient back)."""
    return apply(_layer_norm, input, weight, bias, static=(("n", len(normalized_shape)), ("eps", float(eps))),
                 name="NativeLayerNormBackward0")


@register(method=False)
def native_group_norm(input, weight, bias, N: int, C: int, HxW: int, group: int, eps: float) -> tuple:
    """``(output, mean, rstd)`` of group norm of ``input`` (N, C, *) in ``group`` groups; stats are (N, group)."""
    dtype = input.dtype
    grouped = _widened(input).reshape(N, group, -1)
    mean, rstd = _mean_rstd(grouped, (2,), eps)
    out = _normalized(grouped, mean, rstd, None, None).reshape(input.shape)
    channel = (1, C) + (1,) * (input.ndim - 2)
    out = _normalized(out, 0, 1, None if weight is None else _widened(weight).reshape(channel),
                      None if bias is None else _widened(bias).reshape(channel))
    # unlike the other two, PyTorch's group norm passes the statistics' gradients back
    return out.to(dtype), mean.reshape(N, group).to(dtype), rstd.reshape(N, group).to(dtype)


@register(method=False)
def native_batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float,
                      eps: float) -> tuple:
    """``(output, save_mean, save_invstd)`` of batch norm over (N, C, *); training updates the running stats in
    place and returns the batch stats, evaluation uses the running stats and returns empty ones."""
    channel = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    w = None if weight is None else _widened(weight).reshape(channel)
    b = None if bias is None else _widened(bias).reshape(channel)
    dtype, input = input.dtype, _widened(input)
    if training:
        dims = (0,) + tuple(range(2, input.ndim))
        mean, invstd = _mean_rstd(input, dims, eps)
        if running_mean is not None or running_var is not None:
            n = math.prod(input.shape[d] for d in dims)
            unbiased = input.detach().var(dims, unbiased=n > 1)
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(mean.detach().reshape(-1) * momentum)
            if running_var is not None:
                running_var.mul_(1 - momentum).add_(unbiased * momentum)
        return (_normalized(input, mean, invstd, w, b).to(dtype),
                *_statistics(mean.reshape(-1).to(dtype), invstd.reshape(-1).to(dtype)))
    out = _normalized(input, _widened(running_mean).reshape(channel),
                      (_widened(running_var).reshape(channel) + eps).rsqrt(), w, b).to(dtype)
    empty = out.new_empty((0,))
    return out, empty, empty.clone()


@register(method=False)
def constant_pad_nd(input, pad, value: float = 0) -> Tensor:
    """``input`` padded with ``value``: ``pad = (last_lo, last_hi, prev_lo, prev_hi, ...)`` (negative crops)."""
    from ..nn import functional
    return functional.pad(input, tuple(pad), "constant", value)
