"""torch.nn.functional: each op one pure JAX function run through ``apply`` (autograd is its vjp)."""
from __future__ import annotations

import itertools
import math
import numbers
import warnings
from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as dt
from .._ops._dispatch import apply
from .._ops.normalization import native_layer_norm
from .._ops._util import broadcast_shapes, host_checkable, np_dtype, result_dtype, wrap_dim
from .._ops.random import _gen
from .._tensor import Tensor, scalar_type_name
from ..autograd import grad_mode


def _ntuple(value, n: int) -> tuple:
    return tuple(int(v) for v in _ntuple_float(value, n))


def _ntuple_float(value, n: int) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value) * (n if len(value) == 1 else 1)
    return (value,) * n


# ====================================================================== linear layers
def _linear(x, w, b):
    y = jnp.matmul(x, w.T)
    return y if b is None else y + b


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: (*, in) x (out, in) -> (*, out)."""
    if input.shape[-1] != weight.shape[-1] if weight.ndim == 2 else False:
        rows = int(np.prod(input.shape[:-1])) if input.ndim > 1 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if input.dtype is not weight.dtype:
        names = [_CPP_DTYPE_NAMES.get(str(t.dtype)[6:], str(t.dtype)[6:]) for t in (input, weight)]
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {names[0]} != {names[1]}")
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {scalar_type_name(bias.dtype)} and "
                           f"{scalar_type_name(input.dtype)}")
    return apply(_linear, input, weight, bias, name="AddmmBackward0" if bias is not None else "MmBackward0")


def _bilinear(x1, x2, w, b):
    y = jnp.einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_o = x1^T W_o x2 + b_o``: (*, in1), (*, in2), (out, in1, in2) -> (*, out)."""
    for i, x in ((1, input1), (2, input2)):
        if x.shape[-1] != weight.shape[i]:
            raise RuntimeError(f"bilinear(): input{i} size does not match weight size: got {x.shape[-1]} but "
                               f"expected {weight.shape[i]}")
    for d, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: got {a} and {b}")
    return apply(_bilinear, input1, input2, weight, bias)


# ====================================================================== convolution
def _conv(x, w, b, *, stride, padding, dilation, groups, batched):
    if not batched:
        x = x[None]
    n = x.ndim - 2
    spec = "NC" + "DHW"[3 - n:]
    y = lax.conv_general_dilated(x, w, stride, padding, rhs_dilation=dilation, feature_group_count=groups,
                                 dimension_numbers=(spec, "OI" + spec[2:], spec))
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * n)
    return y if batched else y[0]


def _check_conv_input(input: Tensor, weight: Tensor, bias: Tensor | None, n: int, groups: int,
                      transposed: bool) -> bool:
    if not transposed and bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_CPP_DTYPE_NAMES.get(str(input.dtype)[6:])}) and bias type "
                           f"({_CPP_DTYPE_NAMES.get(str(bias.dtype)[6:])}) should be the same")
    if weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(input.dtype)} but found "
                           f"{scalar_type_name(weight.dtype)}")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to conv{n}d, but got input "
                           f"of size: {list(input.shape)}")
    batched = input.ndim == n + 2
    channels = input.shape[1 if batched else 0]
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if channels != expected:
        if transposed:
            raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                               f"{list(input.shape)} to have {weight.shape[0]} channels, but got {channels} "
                               "channels instead")
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {expected} channels, but got {channels} channels instead")
    return batched


def _conv_nd(n: int):
    def conv(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
             groups: int = 1) -> Tensor:
        batched = _check_conv_input(input, weight, bias, n, groups, False)
        stride, dilation = _ntuple(stride, n), _ntuple(dilation, n)
        kernel = tuple(weight.shape[2:])
        if isinstance(padding, str):
            if padding == "valid":
                pads = ((0, 0),) * n
            elif padding == "same":
                if any(s != 1 for s in stride):
                    raise RuntimeError("padding='same' is not supported for strided convolutions")
                totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
                pads = tuple((t // 2, t - t // 2) for t in totals)
            else:
                raise RuntimeError(f"Invalid padding string: '{padding}'")
        else:
            pads = tuple((p, p) for p in _ntuple(padding, n))
        return apply(_conv, input, weight, bias, static=(("stride", stride), ("padding", pads),
                                                         ("dilation", dilation), ("groups", int(groups)),
                                                         ("batched", batched)), name="ConvolutionBackward0")
    conv.__name__ = conv.__qualname__ = f"conv{n}d"
    conv.__doc__ = f"{n}-d convolution: (N, C_in, *{n} dims) x (C_out, C_in/groups, *k) -> (N, C_out, *out)."
    return conv


conv1d, conv2d, conv3d = (_conv_nd(n) for n in (1, 2, 3))


def _conv_transpose(x, w, b, *, stride, padding, output_padding, dilation, groups, batched):
    if not batched:
        x = x[None]
    n = x.ndim - 2
    c_in, c_out_g = w.shape[0], w.shape[1]
    k = w.shape[2:]
    # (C_in, C_out/g, k) -> (C_out, C_in/g, k), spatially flipped: the transposed conv as a dilated conv
    w = w.reshape((groups, c_in // groups, c_out_g) + k)
    w = jnp.swapaxes(w, 1, 2).reshape((groups * c_out_g, c_in // groups) + k)
    w = jnp.flip(w, axis=tuple(range(2, 2 + n)))
    pads = tuple((d * (kk - 1) - p, d * (kk - 1) - p + op)
                 for d, kk, p, op in zip(dilation, k, padding, output_padding))
    spec = "NC" + "DHW"[3 - n:]
    y = lax.conv_general_dilated(x, w, (1,) * n, pads, lhs_dilation=stride, rhs_dilation=dilation,
                                 feature_group_count=groups, dimension_numbers=(spec, "OI" + spec[2:], spec))
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * n)
    return y if batched else y[0]


def _conv_transpose_nd(n: int):
    def conv_transpose(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                       output_padding=0, groups: int = 1, dilation=1) -> Tensor:
        batched = _check_conv_input(input, weight, bias, n, groups, True)
        stride, padding = _ntuple(stride, n), _ntuple(padding, n)
        output_padding, dilation = _ntuple(output_padding, n), _ntuple(dilation, n)
        for op, s, d in zip(output_padding, stride, dilation):
            if op >= s and op >= d:
                raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                                   f"output_padding_height: {op} output_padding_width: {op} stride_height: {s} "
                                   f"stride_width: {s} dilation_height: {d} dilation_width: {d}")
        return apply(_conv_transpose, input, weight, bias,
                     static=(("stride", stride), ("padding", padding), ("output_padding", output_padding),
                             ("dilation", dilation), ("groups", int(groups)), ("batched", batched)),
                     name="ConvolutionBackward0")
    conv_transpose.__name__ = conv_transpose.__qualname__ = f"conv_transpose{n}d"
    conv_transpose.__doc__ = f"{n}-d transposed convolution: weight (C_in, C_out/groups, *k)."
    return conv_transpose


conv_transpose1d, conv_transpose2d, conv_transpose3d = (_conv_transpose_nd(n) for n in (1, 2, 3))


# ====================================================================== pooling (gather tables built once per shape)
def _pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


@lru_cache(maxsize=None)
def _window_table(sizes: tuple, windows: tuple) -> np.ndarray:
    """(out_total, window_total) flat input indices from per-dim ``windows[d][o] = coords`` (-1: none)."""
    per_dim = [np.asarray(w, dtype=np.int64) for w in windows]  # each (out_d, k_d)
    strides = np.cumprod((1,) + tuple(reversed(sizes[1:])))[::-1]
    total = int(np.prod(sizes))
    table = np.zeros([w.shape[0] for w in per_dim] + [w.shape[1] for w in per_dim], np.int64)
    valid = np.ones(table.shape, bool)
    n = len(sizes)
    for d, w in enumerate(per_dim):
        shape = [1] * (2 * n)
        shape[d], shape[n + d] = w.shape
        coords = w.reshape(shape)
        table = table + np.maximum(coords, 0) * strides[d]
        valid = valid & (coords >= 0)
    table = np.where(valid, table, total)  # `total` points at the appended sentinel
    out_total = int(np.prod([w.shape[0] for w in per_dim]))
    return table.reshape(out_total, -1)


def _sliding_windows(size, k, s, p, d, ceil_mode) -> tuple:
    out = _pool_out_size(size, k, s, p, d, ceil_mode)
    return tuple(tuple(c if 0 <= c < size else -1 for c in range(o * s - p, o * s - p + d * (k - 1) + 1, d))
                 for o in range(out))


def _adaptive_windows(size, out) -> tuple:
    bounds = [(o * size // out, -(-(o + 1) * size // out)) for o in range(out)]
    width = max(e - s for s, e in bounds)
    return tuple(tuple(range(s, e)) + (-1,) * (width - (e - s)) for s, e in bounds)


def _gather_windows(x, table, fill, n):
    """x (..., *spatial[n]) -> (..., out_total, window_total) with ``fill`` where windows leave the input."""
    lead = x.shape[:x.ndim - n]
    flat = x.reshape(lead + (math.prod(x.shape[x.ndim - n:]),))
    flat = jnp.concatenate([flat, jnp.full(lead + (1,), fill, x.dtype)], axis=-1)
    return flat[..., table]


def _strided_windows(x, fill, *, geometry, out_shape):
    """x (..., *spatial[n]) -> (..., out_total, window_total) as ``_gather_windows`` gives it for sliding windows
    ``geometry = (kernel, stride, padding, dilation)``, built from one strided slice per kernel offset (so its
    backward is padding and adds, where a gather's is a scatter)."""
    kernel, stride, padding, dilation = geometry
    lead = x.ndim - len(kernel)
    pads = [(0, 0, 0)] * lead
    for size, k, s, p, d, o in zip(x.shape[lead:], kernel, stride, padding, dilation, out_shape):
        pads.append((p, max(0, (o - 1) * s + d * (k - 1) + 1 - p - size), 0))
    x = lax.pad(x, jnp.asarray(fill, x.dtype), pads)
    ones = (1,) * lead
    windows = []
    for offsets in itertools.product(*(range(k) for k in kernel)):
        start = (0,) * lead + tuple(j * d for j, d in zip(offsets, dilation))
        limit = x.shape[:lead] + tuple(b + (o - 1) * s + 1 for b, o, s in zip(start[lead:], out_shape, stride))
        windows.append(lax.slice(x, start, limit, ones + tuple(stride)))
    return jnp.stack(windows, axis=-1).reshape(x.shape[:lead] + (math.prod(out_shape), len(windows)))


def _max_windows(x, *, table, out_shape, n, geometry=None):
    floating = jnp.issubdtype(x.dtype, jnp.floating)
    lowest = -jnp.inf if floating else jnp.iinfo(x.dtype).min
    table = table.array
    if geometry is None:
        win = _gather_windows(x, table, lowest, n)
    else:
        win = _strided_windows(x, lowest, geometry=geometry, out_shape=out_shape)
    nan_first = jnp.where(jnp.isnan(win), jnp.inf, win) if floating else win
    arg = jnp.argmax(nan_first, axis=-1)
    if geometry is None:
        values = jnp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    else:  # a chain of selects over the (few) window positions: its backward selects where a gather's scatters
        values = win[..., 0]
        for j in range(1, win.shape[-1]):
            values = jnp.where(arg == j, win[..., j], values)
    indices = jnp.asarray(table)[jnp.arange(table.shape[0]), arg]
    lead = x.shape[:x.ndim - n]
    return values.reshape(lead + out_shape), indices.reshape(lead + out_shape)


def _sum_windows(x, *, table, out_shape, n, divisor):
    win = _gather_windows(x, table.array, 0, n)
    lead = x.shape[:x.ndim - n]
    return (win.sum(-1) / jnp.asarray(divisor.array, x.dtype)).reshape(lead + out_shape)


def _check_pool_input(input: Tensor, n: int, what: str) -> None:
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{what}: Expected {n + 1}D or {n + 2}D input tensor, but got {list(input.shape)}")


def _pool_params(n, kernel_size, stride, padding, dilation):
    k = _ntuple(kernel_size, n)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else _ntuple(stride, n)
    p, d = _ntuple(padding, n), _ntuple(dilation, n)
    for kk, pp in zip(k, p):
        if pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={d[0]}")
    return k, s, p, d


def _max_pool_nd(n: int):
    def max_pool(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                 return_indices: bool = False):
        _check_pool_input(input, n, f"max_pool{n}d")
        k, s, p, d = _pool_params(n, kernel_size, stride, padding, dilation)
        sizes = tuple(input.shape[-n:])
        windows = tuple(_sliding_windows(*args, ceil_mode) for args in zip(sizes, k, s, p, d))
        out_shape = tuple(len(w) for w in windows)
        if any(o <= 0 for o in out_shape):
            raise RuntimeError(f"max_pool{n}d(): Given input size: {tuple(input.shape)}. Calculated output size: "
                               f"{out_shape}. Output size is too small")
        values, indices = apply(_max_windows, input, static=(("table", _HashableArray(_window_table(sizes, windows))),
                                                             ("out_shape", out_shape), ("n", n),
                                                             ("geometry", (k, s, p, d))),
                                name=f"MaxPool{n}DWithIndicesBackward0")
        return (values, indices) if return_indices else values
    max_pool.__name__ = max_pool.__qualname__ = f"max_pool{n}d"
    max_pool.__doc__ = f"{n}-d max pooling over (N, C, *{n} dims); ``return_indices`` gives flat argmax indices."
    return max_pool


class _HashableArray:
    """A numpy table as a static jit argument (hashed by identity: tables are cached per shape)."""

    def __init__(self, array: np.ndarray):
        self.array = array

    def __hash__(self) -> int:
        return id(self.array)

    def __eq__(self, other) -> bool:
        return isinstance(other, _HashableArray) and other.array is self.array


max_pool1d, max_pool2d, max_pool3d = (_max_pool_nd(n) for n in (1, 2, 3))


def _with_indices(fn):
    """``fn``'s ``*_with_indices`` form: always returns (values, indices)."""
    def with_indices(*args, **kwargs):
        kwargs["return_indices"] = True
        return fn(*args, **kwargs)
    with_indices.__name__ = with_indices.__qualname__ = f"{fn.__name__}_with_indices"
    with_indices.__doc__ = f"{fn.__name__} returning ``(values, indices)``."
    return with_indices


max_pool1d_with_indices, max_pool2d_with_indices, max_pool3d_with_indices = (
    _with_indices(f) for f in (max_pool1d, max_pool2d, max_pool3d))


@lru_cache(maxsize=None)
def _avg_divisor(sizes, k, s, p, ceil_mode, count_include_pad) -> np.ndarray:
    per_dim = []
    for size, kk, ss, pp in zip(sizes, k, s, p):
        out = _pool_out_size(size, kk, ss, pp, 1, ceil_mode)
        counts = []
        for o in range(out):
            start = o * ss - pp
            end = min(start + kk, size + pp)
            counts.append(end - start if count_include_pad else min(end, size) - max(start, 0))
        per_dim.append(np.asarray(counts, np.float64))
    return _outer_product(per_dim).reshape(-1)


def _outer_product(vectors: list) -> np.ndarray:
    out = vectors[0]
    for v in vectors[1:]:
        out = np.multiply.outer(out, v)
    return out


def _avg_pool_nd(n: int):
    def avg_pool(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
        _check_pool_input(input, n, f"avg_pool{n}d")
        k, s, p, _ = _pool_params(n, kernel_size, stride, padding, 1)
        sizes = tuple(input.shape[-n:])
        windows = tuple(_sliding_windows(size, kk, ss, pp, 1, ceil_mode) for size, kk, ss, pp in zip(sizes, k, s, p))
        out_shape = tuple(len(w) for w in windows)
        if divisor_override is not None:
            if divisor_override == 0:
                raise RuntimeError("divisor must be not zero")
            divisor = np.full(int(np.prod(out_shape)), float(divisor_override))
        else:
            divisor = _avg_divisor(sizes, k, s, p, ceil_mode, count_include_pad)
        return apply(_sum_windows, input, static=(("table", _HashableArray(_window_table(sizes, windows))),
                                                  ("out_shape", out_shape), ("n", n),
                                                  ("divisor", _HashableArray(_cached(divisor)))),
                     name=f"AvgPool{n}DBackward0")
    avg_pool.__name__ = avg_pool.__qualname__ = f"avg_pool{n}d"
    avg_pool.__doc__ = f"{n}-d average pooling over (N, C, *{n} dims)."
    return avg_pool


_DIVISORS: dict = {}


def _cached(array: np.ndarray) -> np.ndarray:
    """One shared array per distinct content (so the jit cache keyed on identity hits)."""
    key = (array.shape, array.tobytes())
    return _DIVISORS.setdefault(key, array)


avg_pool1d, avg_pool2d, avg_pool3d = (_avg_pool_nd(n) for n in (1, 2, 3))


def _adaptive_nd(n: int, kind: str):
    def adaptive(input: Tensor, output_size, return_indices: bool = False):
        _check_pool_input(input, n, f"adaptive_{kind}_pool{n}d")
        sizes = tuple(input.shape[-n:])
        requested = output_size if isinstance(output_size, (list, tuple)) else (output_size,) * n
        out = tuple(size if o is None else int(o) for size, o in zip(sizes, requested))
        windows = tuple(_adaptive_windows(size, o) for size, o in zip(sizes, out))
        table = _HashableArray(_window_table(sizes, windows))
        if kind == "max":
            values, indices = apply(_max_windows, input, static=(("table", table), ("out_shape", out), ("n", n)),
                                    name=f"AdaptiveMaxPool{n}DBackward0")
            return (values, indices) if return_indices else values
        counts = _outer_product([np.asarray([sum(c >= 0 for c in w) for w in ws], np.float64)
                                 for ws in windows]).reshape(-1)
        return apply(_sum_windows, input, static=(("table", table), ("out_shape", out), ("n", n),
                                                  ("divisor", _HashableArray(_cached(counts)))),
                     name=f"AdaptiveAvgPool{n}DBackward0")
    adaptive.__name__ = adaptive.__qualname__ = f"adaptive_{kind}_pool{n}d"
    adaptive.__doc__ = f"{n}-d adaptive {kind} pooling to ``output_size`` (None keeps a dim)."
    return adaptive


adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d = (_adaptive_nd(n, "avg") for n in (1, 2, 3))
adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d = (_adaptive_nd(n, "max") for n in (1, 2, 3))
adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices, adaptive_max_pool3d_with_indices = (
    _with_indices(f) for f in (adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d))


def _lp_finish(avg, *, p, scale):
    return jnp.power(jnp.sign(avg) * jnp.where(jnp.abs(avg) <= 0, 0, jnp.abs(avg)) * scale, 1.0 / p)  # NaN passes


def _lp_pool_nd(n: int):
    def lp_pool(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
        k = _ntuple(kernel_size, n)
        avg = _avg_pool_nd(n)(input.pow(norm_type), k, stride, 0, ceil_mode)
        return apply(_lp_finish, avg, static=(("p", float(norm_type)), ("scale", float(np.prod(k)))))
    lp_pool.__name__ = lp_pool.__qualname__ = f"lp_pool{n}d"
    lp_pool.__doc__ = f"{n}-d power-average pooling: (sum over the window of x^p)^(1/p)."
    return lp_pool


lp_pool1d, lp_pool2d, lp_pool3d = (_lp_pool_nd(n) for n in (1, 2, 3))


# ====================================================================== activations
def _pointwise(name: str, fn, doc: str, node: str | None = None):
    """A functional activation ``f(input, *params, inplace=False)`` over the JAX function ``fn(x, **params)``."""
    def activation(input: Tensor, *args, inplace: bool = False, **kwargs) -> Tensor:
        params = _bind_params(activation.param_names, args, kwargs, name)
        out = apply(fn, input, static=tuple(params.items()), name=node)
        return input._commit_inplace(out) if inplace else out
    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = doc
    activation.param_names = tuple(fn.__code__.co_varnames[1:fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount])
    return activation


def _bind_params(names: tuple, args: tuple, kwargs: dict, fname: str) -> dict:
    params = {}
    for n, v in zip(names, args):
        params[n] = v
    for n, v in kwargs.items():
        if n not in names:
            raise TypeError(f"{fname}() got an unexpected keyword argument '{n}'")
        params[n] = v
    return {n: (float(v) if isinstance(v, numbers.Number) and not isinstance(v, bool) and n != "approximate"
                else v) for n, v in params.items()}


def _relu(x):
    return jnp.where(x > 0, x, jnp.zeros((), x.dtype))


def _hardtanh(x, *, min_val=-1.0, max_val=1.0):
    return jnp.where(x <= min_val, jnp.asarray(min_val, x.dtype), jnp.where(x >= max_val, jnp.asarray(max_val, x.dtype), x))


def _relu6(x):
    return _hardtanh(x, min_val=0.0, max_val=6.0)


def _leaky_relu(x, *, negative_slope=0.01):
    return jnp.where(x > 0, x, x * negative_slope)


def _elu(x, *, alpha=1.0):
    return jnp.where(x > 0, x, alpha * jnp.expm1(_negative_part(x)))


def _negative_part(x):
    """min(x, 0) whose gradient at 0 is 1 (the branch PyTorch differentiates there)."""
    return jnp.where(x > 0, jnp.zeros((), x.dtype), x)


def _celu(x, *, alpha=1.0):
    return jnp.where(x > 0, x, alpha * jnp.expm1(_negative_part(x) / alpha))


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _selu(x):
    return _SELU_SCALE * jnp.where(x > 0, x, _SELU_ALPHA * jnp.expm1(_negative_part(x)))


def _gelu(x, *, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + jnp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    if approximate != "none":
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    return 0.5 * x * (1 + lax.erf(x / math.sqrt(2)))


def _silu(x):
    return x * jax.nn.sigmoid(x)


def _softplus(x, *, beta=1.0, threshold=20.0):
    return jnp.where(x * beta > threshold, x, jnp.log1p(jnp.exp(jnp.minimum(x * beta, threshold))) / beta)


def _mish(x):
    return x * jnp.tanh(_softplus(x))


def _hardsigmoid(x):
    return jnp.where(x <= -3, jnp.zeros((), x.dtype), jnp.where(x >= 3, jnp.ones((), x.dtype), x / 6 + 0.5))


def _hardswish(x):
    return jnp.where(x <= -3, jnp.zeros((), x.dtype), jnp.where(x < 3, x * (x + 3) / 6, x))


def _threshold(x, *, threshold, value):
    return jnp.where(x > threshold, x, jnp.asarray(value, x.dtype))


def _hardshrink(x, *, lambd=0.5):
    return jnp.where(jnp.abs(x) > lambd, x, jnp.zeros((), x.dtype))


def _softshrink(x, *, lambd=0.5):
    return jnp.where(x > lambd, x - lambd, jnp.where(x < -lambd, x + lambd, jnp.zeros((), x.dtype)))


def _softsign(x):
    return x / (1 + jnp.abs(x))


def _tanhshrink(x):
    return x - jnp.tanh(x)


def _logsigmoid(x):
    return jax.nn.log_sigmoid(x)


def _sigmoid(x):
    return jax.nn.sigmoid(x)


def _tanh(x):
    return jnp.tanh(x)


relu = _pointwise("relu", _relu, "max(x, 0) elementwise.", "ReluBackward0")
relu6 = _pointwise("relu6", _relu6, "min(max(x, 0), 6).", "HardtanhBackward0")
hardtanh = _pointwise("hardtanh", _hardtanh, "x clamped to [min_val, max_val].", "HardtanhBackward0")
leaky_relu = _pointwise("leaky_relu", _leaky_relu, "x if x > 0 else negative_slope * x.", "LeakyReluBackward0")
elu = _pointwise("elu", _elu, "x if x > 0 else alpha * (exp(x) - 1).", "EluBackward0")
celu = _pointwise("celu", _celu, "x if x > 0 else alpha * (exp(x / alpha) - 1).", "EluBackward0")
selu = _pointwise("selu", _selu, "scale * elu(x, alpha) with SELU's constants.", "EluBackward0")
gelu = _pointwise("gelu", _gelu, "x * Phi(x) (``approximate='tanh'``: the tanh form).", "GeluBackward0")
silu = _pointwise("silu", _silu, "x * sigmoid(x).", "SiluBackward0")
mish = _pointwise("mish", _mish, "x * tanh(softplus(x)).", "MishBackward0")
softplus = _pointwise("softplus", _softplus, "log(1 + exp(beta x)) / beta, linear above threshold.",
                      "SoftplusBackward0")
hardsigmoid = _pointwise("hardsigmoid", _hardsigmoid, "relu6(x + 3) / 6.", "HardsigmoidBackward0")
hardswish = _pointwise("hardswish", _hardswish, "x * relu6(x + 3) / 6.", "HardswishBackward0")
threshold = _pointwise("threshold", _threshold, "x if x > threshold else value.", "ThresholdBackward0")
hardshrink = _pointwise("hardshrink", _hardshrink, "x if |x| > lambd else 0.", "HardshrinkBackward0")
softshrink = _pointwise("softshrink", _softshrink, "x shrunk towards 0 by lambd.", "SoftshrinkBackward0")
softsign = _pointwise("softsign", _softsign, "x / (1 + |x|).")
tanhshrink = _pointwise("tanhshrink", _tanhshrink, "x - tanh(x).")
logsigmoid = _pointwise("logsigmoid", _logsigmoid, "log(sigmoid(x)).", "LogSigmoidBackward0")
sigmoid = _pointwise("sigmoid", _sigmoid, "1 / (1 + exp(-x)).", "SigmoidBackward0")
tanh = _pointwise("tanh", _tanh, "tanh(x).", "TanhBackward0")


def _inplace_form(fn):
    def inplace(input: Tensor, *args, **kwargs) -> Tensor:
        return fn(input, *args, inplace=True, **kwargs)
    inplace.__name__ = inplace.__qualname__ = f"{fn.__name__}_"
    inplace.__doc__ = f"In-place {fn.__name__}."
    return inplace


relu_, elu_, celu_, selu_, leaky_relu_, hardtanh_, threshold_ = (
    _inplace_form(f) for f in (relu, elu, celu, selu, leaky_relu, hardtanh, threshold))


def _prelu(x, w):
    shape = (1, -1) + (1,) * (x.ndim - 2) if x.ndim >= 2 and w.size > 1 else ()
    return jnp.where(x > 0, x, (w.reshape(shape) if shape else w.reshape(())) * x)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight * x, with one weight per channel (dim 1) or a single shared one."""
    channels = input.shape[1] if input.dim() >= 2 else 1
    if weight.numel() not in (1, channels):
        raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight.numel()} and channel size = {channels}.")
    return apply(_prelu, input, weight, name="PreluKernelBackward0")


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Leaky relu with a random slope in [lower, upper] when training, (lower + upper) / 2 otherwise."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace=inplace)
    slopes = Tensor._make(jax.random.uniform(_gen(None).next_key(), tuple(input.shape), input.dtype.np_dtype,
                                             lower, upper))
    out = apply(_prelu_elementwise, input, slopes)
    return input._commit_inplace(out) if inplace else out


rrelu_ = _inplace_form(rrelu)


def _prelu_elementwise(x, slopes):
    return jnp.where(x > 0, x, x * slopes)


def _glu(x, *, dim):
    a, b = jnp.split(x, 2, axis=dim)
    return a * jax.nn.sigmoid(b)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """First half of ``dim`` times sigmoid of the second half."""
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return apply(_glu, input, static=(("dim", d),), name="GluBackward0")


def _softmax_dim(ndim: int, name: str) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax(x, *, dim, dtype, log, negate):
    if dtype is not None:
        x = x.astype(dtype)
    if negate:
        x = -x
    return jax.nn.log_softmax(x, axis=dim) if log else jax.nn.softmax(x, axis=dim)


def _softmax_family(name: str, log: bool, negate: bool, node: str):
    def softmax_fn(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
        if dim is None:
            dim = _softmax_dim(input.ndim, name)
        d = wrap_dim(dim, input.ndim) if input.ndim else 0
        # by name: a numpy dtype compares equal to None (np.dtype(None) is float64), which would mix jit cache keys
        target = np.dtype(np_dtype(dtype)).name if dtype is not None else None
        if target is None and not input.dtype.is_floating_point:
            raise RuntimeError(f"\"{'log_softmax' if log else 'softmax'}_lastdim_kernel_impl\" not implemented for "
                               f"'{input.type()[6:-6]}'")
        return apply(_softmax, input, static=(("dim", d if input.ndim else None), ("dtype", target), ("log", log),
                                              ("negate", negate)), name=node)
    softmax_fn.__name__ = softmax_fn.__qualname__ = name
    softmax_fn.__doc__ = f"{name} along ``dim`` (optionally computed in ``dtype``)."
    return softmax_fn


softmax = _softmax_family("softmax", False, False, "SoftmaxBackward0")
log_softmax = _softmax_family("log_softmax", True, False, "LogSoftmaxBackward0")
softmin = _softmax_family("softmin", False, True, "SoftmaxBackward0")


def _gumbel(logits, key, *, tau, hard, dim):
    g = -jnp.log(jax.random.exponential(key, logits.shape, logits.dtype))
    y = jax.nn.softmax((logits + g) / tau, axis=dim)
    if not hard:
        return y
    hard_y = (jnp.arange(y.shape[dim]).reshape([-1 if i == dim % y.ndim else 1 for i in range(y.ndim)])
              == jnp.expand_dims(jnp.argmax(y, axis=dim), dim)).astype(y.dtype)
    return hard_y - lax.stop_gradient(y) + y


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """Samples from the Gumbel-softmax distribution (one-hot with straight-through grads when ``hard``)."""
    return apply(_gumbel, logits, _gen(None).next_key(), static=(("tau", float(tau)), ("hard", bool(hard)),
                                                                 ("dim", int(dim))))


# ====================================================================== normalisation
def _widen(*arrays):
    """float16/bfloat16 arrays as float32 (PyTorch's CPU normalisations compute in float32 and round once)."""
    return tuple(None if a is None else a.astype(jnp.promote_types(a.dtype, jnp.float32)) for a in arrays)


def _batch_norm_train(x, w, b, *, eps):
    dtype = x.dtype
    x, w, b = _widen(x, w, b)
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(axes)
    var = x.var(axes)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) * lax.rsqrt(var.reshape(shape) + eps)
    y = _affine(y, w, b, shape).astype(dtype)
    n = x.size // x.shape[1]
    return y, lax.stop_gradient(mean.astype(dtype)), lax.stop_gradient((var * n / max(n - 1, 1)).astype(dtype))


def _affine(y, w, b, shape):
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def _batch_norm_eval(x, mean, var, w, b, *, eps):
    dtype = x.dtype
    x, mean, var, w, b = _widen(x, mean, var, w, b)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) * lax.rsqrt(var.reshape(shape) + eps)
    return _affine(y, w, b, shape).astype(dtype)


def _update_running(running: Tensor | None, batch: Tensor, momentum: float) -> None:
    if running is not None:
        with grad_mode.no_grad():
            running.copy_(running * (1 - momentum) + batch.detach() * momentum)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, *) over all dims but C; in training also update the running statistics."""
    if input.numel() == 0:
        out = input.clone()
        out = out if weight is None else out * weight[0]
        return out if bias is None else out + bias[0]
    if training:
        size = input.shape[0] * math.prod(input.shape[2:])
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{input.shape}")
        y, mean, var = apply(_batch_norm_train, input, weight, bias, static=(("eps", float(eps)),),
                             name="NativeBatchNormBackward0")
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var, momentum)
        return y
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    return apply(_batch_norm_eval, input, running_mean, running_var, weight, bias, static=(("eps", float(eps)),),
                 name="NativeBatchNormBackward0")


def _instance_norm(x, w, b, *, eps):
    dtype = x.dtype
    x, w, b = _widen(x, w, b)
    axes = tuple(range(2, x.ndim))
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    y = (x - mean) * lax.rsqrt(var + eps)
    n = int(np.prod([x.shape[a] for a in axes]))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (_affine(y, w, b, shape).astype(dtype), lax.stop_gradient(mean.mean(0).reshape(-1).astype(dtype)),
            lax.stop_gradient((var * n / max(n - 1, 1)).mean(0).reshape(-1).astype(dtype)))


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) of (N, C, *) over its spatial dims."""
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    y, mean, var = apply(_instance_norm, input, weight, bias, static=(("eps", float(eps)),))
    _update_running(running_mean, mean, momentum)
    _update_running(running_var, var, momentum)
    return y


def _check_normalized_shape(input: Tensor, normalized_shape) -> tuple:
    shape = _ntuple(normalized_shape, 1) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")
    return shape


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims (biased variance), then scale and shift."""
    shape = _check_normalized_shape(input, normalized_shape)
    return native_layer_norm(input, shape, weight, bias, float(eps))[0]


def _rms_norm(x, w, *, n, eps):
    axes = tuple(range(x.ndim - n, x.ndim))
    # float16/bfloat16 are normalised in float32 (their squares overflow) and rounded once, as PyTorch does
    xf = x.astype(jnp.promote_types(x.dtype, jnp.float32))
    rstd = lax.rsqrt(jnp.mean(xf * xf, axis=axes, keepdims=True) + (jnp.finfo(x.dtype).eps if eps is None else eps))
    y = (xf * rstd).astype(x.dtype)
    return y if w is None else y * w


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing dims, times weight."""
    shape = _check_normalized_shape(input, normalized_shape)
    return apply(_rms_norm, input, weight, static=(("n", len(shape)), ("eps", None if eps is None else float(eps))))


def _group_norm(x, w, b, *, groups, eps):
    dtype = x.dtype
    x, w, b = _widen(x, w, b)
    n, c = x.shape[:2]
    g = x.reshape((n, groups, x.size // max(n * groups, 1)))
    mean = g.mean(-1, keepdims=True)
    var = g.var(-1, keepdims=True)
    y = ((g - mean) * lax.rsqrt(var + eps)).reshape(x.shape)
    return _affine(y, w, b, (1, -1) + (1,) * (x.ndim - 2)).astype(dtype)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, *) over groups of C / num_groups channels."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    if input.shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    return apply(_group_norm, input, weight, bias, static=(("groups", int(num_groups)), ("eps", float(eps))),
                 name="NativeGroupNormBackward0")


def _local_response_norm(x, *, size, alpha, beta, k):
    sq = x * x
    pad = [(0, 0)] * x.ndim
    pad[1] = (size // 2 + 1, (size - 1) // 2)
    csum = jnp.cumsum(jnp.pad(sq, pad), axis=1)
    div = (lax.slice_in_dim(csum, size, csum.shape[1], axis=1)
           - lax.slice_in_dim(csum, 0, csum.shape[1] - size, axis=1)) / size
    return x / (div * alpha + k) ** beta


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    return apply(_local_response_norm, input, static=(("size", int(size)), ("alpha", float(alpha)),
                                                      ("beta", float(beta)), ("k", float(k))))


def _normalize(x, *, p, dim, eps):
    if x.ndim == 0:
        return _normalize(x[None], p=p, dim=0, eps=eps)[0]
    if p == 0:
        norm = lax.stop_gradient((x != 0).sum(dim, keepdims=True).astype(x.dtype))
    elif p == math.inf:
        norm = jnp.abs(x).max(dim, keepdims=True)
    else:
        norm = jnp.sum(jnp.abs(x) ** p, axis=dim, keepdims=True) ** (1.0 / p)
    return x / jnp.maximum(norm, eps)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """x / max(||x||_p over ``dim``, eps)."""
    return apply(_normalize, input, static=(("p", float(p)), ("dim", wrap_dim(dim, input.ndim)), ("eps", float(eps))))


# ====================================================================== dropout
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_impl(x, key, *, p, mask_shape, alpha):
    if p == 1.0:
        return x * jnp.zeros((), x.dtype)
    keep = jax.random.bernoulli(key, 1.0 - p, mask_shape)
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA_DROPOUT ** 2 * p + 1) * (1 - p))
        b = (keep.astype(x.dtype) - 1) * _ALPHA_DROPOUT * a + _ALPHA_DROPOUT * a * p
        return x * (keep.astype(x.dtype) * a) + b
    return x * (keep.astype(x.dtype) / (1.0 - p))


_ALPHA_DROPOUT = 1.7580993408473766


def _dropout_family(name: str, feature_dims: int | None, alpha: bool):
    def dropout_fn(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
        _check_p(p)
        if not training or p == 0.0:
            return input
        if feature_dims is None:
            mask_shape = tuple(input.shape)
        else:
            batched = input.ndim == feature_dims + 2
            if input.ndim not in (feature_dims + 1, feature_dims + 2) and name != "feature_alpha_dropout":
                raise RuntimeError(f"{name}: Expected {feature_dims + 1}D or {feature_dims + 2}D input, but received "
                                   f"a {input.ndim}D input. Note that {name} exists to provide channel-wise "
                                   "dropout on inputs with 1 spatial dimension, a channel dimension, and an "
                                   "optional batch dimension (i.e. 2D or 3D inputs).")
            lead = 2 if (batched or name == "feature_alpha_dropout") else 1
            mask_shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
        out = apply(_dropout_impl, input, _gen(None).next_key(), static=(("p", float(p)), ("mask_shape", mask_shape),
                                                                        ("alpha", alpha)),
                    name="NativeDropoutBackward0" if not alpha else None)
        return input._commit_inplace(out) if inplace else out
    dropout_fn.__name__ = dropout_fn.__qualname__ = name
    dropout_fn.__doc__ = f"{name}: zero elements (or channels) with probability ``p`` when ``training``."
    dropout_fn.__defaults__ = (0.5, not alpha, False)  # PyTorch: the alpha forms default to training=False
    return dropout_fn


dropout = _dropout_family("dropout", None, False)
dropout1d = _dropout_family("dropout1d", 1, False)
dropout2d = _dropout_family("dropout2d", 2, False)
dropout3d = _dropout_family("dropout3d", 3, False)
alpha_dropout = _dropout_family("alpha_dropout", None, True)
feature_alpha_dropout = _dropout_family("feature_alpha_dropout", 0, True)


# ====================================================================== losses
_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction: str, size_average=None, reduce=None) -> str:
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else ("mean" if size_average else "sum")
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                      f"{reduction}' instead.", stacklevel=3)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_size(input: Tensor, target: Tensor, name: str) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _elementwise_loss(name: str, fn, node: str | None = None, check_size: bool = True):
    """A loss ``f(input, target, ..., reduction='mean')`` from the elementwise JAX function ``fn(x, y, **params)``;
    without ``check_size`` (no warning on a different target size) the result keeps ``input``'s shape."""
    params = fn.__code__.co_varnames[2:fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount]
    defaults = fn.__kwdefaults__ or {}

    def impl(x, y, *, reduction, **kw):
        return _reduce(fn(x, y, **kw), reduction)
    impl.__name__ = f"_{name}_impl"

    def loss(input: Tensor, target: Tensor, *args, size_average=None, reduce=None, reduction: str = "mean",
             **kwargs) -> Tensor:
        values = dict(defaults)
        values.update(zip(params, args))
        values.update(kwargs)
        reduction = _reduction(reduction, size_average, reduce)
        if check_size:
            _warn_size(input, target, name)
        shape = broadcast_shapes(input, target)
        if not check_size and shape != tuple(input.shape):
            raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast shape {list(shape)}")
        return apply(impl, input, target, static=(("reduction", reduction),) + tuple(
            (k, float(v)) for k, v in values.items()), name=node)
    loss.__name__ = loss.__qualname__ = name
    loss.__doc__ = f"{name}(input, target): elementwise loss, then ``reduction`` ('none' | 'mean' | 'sum')."
    return loss


def _mse(x, y):
    return (x - y) ** 2


def _l1(x, y):
    d = x - y
    if jnp.iscomplexobj(d):  # |d|, real, with gradient sgn(d) (0 where x == y)
        return (d * jnp.conj(jnp.sign(d))).real
    return d * jnp.sign(d)  # gradient sign(d): 0 where x == y


def _smooth_l1(x, y, *, beta=1.0):
    d = jnp.abs(x - y)
    if beta == 0:
        return d
    return jnp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def _huber(x, y, *, delta=1.0):
    dtype = jnp.result_type(x, y)
    if dtype == jnp.float16:  # PyTorch's CPU kernel computes float16 in float32, but bfloat16 step by step
        x, y = _widen(x, y)
    d = jnp.abs(x - y)
    return jnp.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).astype(dtype)


def _soft_margin(x, y):
    return jnp.log1p(jnp.exp(-y * x))


mse_loss = _elementwise_loss("mse_loss", _mse, "MseLossBackward0")
l1_loss = _elementwise_loss("l1_loss", _l1)
smooth_l1_loss = _elementwise_loss("smooth_l1_loss", _smooth_l1, "SmoothL1LossBackward0")
huber_loss = _elementwise_loss("huber_loss", _huber, "HuberLossBackward0")
soft_margin_loss = _elementwise_loss("soft_margin_loss", _soft_margin, "SoftMarginLossBackward0", check_size=False)


def _nll(logp, target, w, *, ignore_index, reduction):
    """logp (N, C, *) or (C,), target (N, *) or (): the picked -w[t] * logp[t], masked where ignored."""
    unbatched = logp.ndim == 1
    if unbatched:
        logp, target = logp[None], target[None]
    valid = target != ignore_index
    safe = jnp.where(valid, target, 0)
    picked = jnp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    weights = (jnp.ones((), logp.dtype) if w is None else w[safe]) * valid.astype(logp.dtype)
    loss = -picked * weights
    if reduction == "mean":
        return loss.sum() / weights.sum()
    return loss.sum() if reduction == "sum" else (loss[0] if unbatched else loss)


def _check_nll_shapes(input: Tensor, target: Tensor) -> None:
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim >= 2 and target.shape[0] != input.shape[0] and target.ndim >= 1:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    if target.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Long but found {target.type()[6:-6]}")


def _check_targets(target: Tensor, classes: int, ignore_index: int) -> None:
    if not host_checkable(target):
        return
    values = np.asarray(target._value)
    bad = values[(values != ignore_index) & ((values < 0) | (values >= classes))]
    if bad.size:
        raise IndexError(f"Target {bad.flat[0]} is out of bounds.")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of log-probabilities (N, C, *) at class indices (N, *)."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_nll_shapes(input, target)
    _check_targets(target, input.shape[1] if input.ndim > 1 else input.shape[0], ignore_index)
    return apply(_nll, input, target, weight, static=(("ignore_index", int(ignore_index)), ("reduction", reduction)),
                 name="NllLossBackward0")


def _cross_entropy_indices(x, target, w, *, ignore_index, reduction, smoothing):
    logp = jax.nn.log_softmax(x, axis=0 if x.ndim == 1 else 1)
    nll = _nll(logp, target, w, ignore_index=ignore_index, reduction=reduction)
    if not smoothing:
        return nll
    if logp.ndim == 1:
        logp, target = logp[None], target[None]
    classes = logp.shape[1]
    valid = target != ignore_index
    wshape = (1, -1) + (1,) * (logp.ndim - 2)
    smooth = -(logp * (1 if w is None else w.reshape(wshape))).sum(1) * valid.astype(logp.dtype)
    if reduction == "none" and x.ndim == 1:
        smooth = smooth[0]
    elif reduction == "mean":
        denom = valid.sum() if w is None else (w[jnp.where(valid, target, 0)] * valid).sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - smoothing) * nll + smooth * (smoothing / classes)


def _cross_entropy_probs(x, target, w, *, reduction, smoothing):
    dim = 0 if x.ndim == 1 else 1
    logp = jax.nn.log_softmax(x, axis=dim)
    classes = x.shape[dim]
    if smoothing:
        target = target * (1 - smoothing) + smoothing / classes
    wshape = (-1,) if x.ndim == 1 else (1, -1) + (1,) * (x.ndim - 2)
    loss = -(logp * target * (1 if w is None else w.reshape(wshape))).sum(dim)
    if reduction == "mean":
        return loss.sum() / (x.size // classes)
    return loss.sum() if reduction == "sum" else loss


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits (N, C, *) against class indices (N, *) or class probabilities (N, C, *)."""
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"expected scalar type Long but found {target.type()[6:-6]}")
        return apply(_cross_entropy_probs, input, target, weight,
                     static=(("reduction", reduction), ("smoothing", float(label_smoothing))))
    _check_nll_shapes(input, target)
    _check_targets(target, input.shape[1] if input.ndim > 1 else input.shape[0], ignore_index)
    return apply(_cross_entropy_indices, input, target, weight,
                 static=(("ignore_index", int(ignore_index)), ("reduction", reduction),
                         ("smoothing", float(label_smoothing))))


def _bce(x, y, w, *, reduction):
    loss = -(y * jnp.maximum(jnp.log(x), -100) + (1 - y) * jnp.maximum(jnp.log1p(-x), -100))
    return _reduce(loss if w is None else loss * w, reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x (logs clamped at -100)."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    return apply(_bce, input, target, weight, static=(("reduction", reduction),), name="BinaryCrossEntropyBackward0")


def _bce_logits(x, y, w, pw, *, reduction):
    log_sig_neg = -jax.nn.log_sigmoid(x)
    if pw is None:
        loss = (1 - y) * x + log_sig_neg
    else:
        lw = (pw - 1) * y + 1
        loss = (1 - y) * x + lw * log_sig_neg
    return _reduce(loss if w is None else loss * w, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE on logits, computed stably; ``pos_weight`` scales the positive term per class."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return apply(_bce_logits, input, target, weight, pos_weight, static=(("reduction", reduction),),
                 name="BinaryCrossEntropyWithLogitsBackward0")


def _kl_div(x, y, *, reduction, log_target):
    loss = jnp.exp(y) * (y - x) if log_target else jax.scipy.special.xlogy(y, y) - y * x
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target || input) pointwise, with ``input`` log-probabilities; ``reduction='batchmean'`` divides by N."""
    if reduction != "batchmean":
        reduction = _reduction(reduction, size_average, reduce)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    broadcast_shapes(target, input)
    return apply(_kl_div, input, target, static=(("reduction", reduction), ("log_target", bool(log_target))))


def _poisson_nll(x, y, *, log_input, full, eps, reduction):
    loss = jnp.exp(x) - y * x if log_input else x - y * jnp.log(x + eps)
    if full:
        stirling = y * jnp.log(jnp.where(y > 1, y, 1)) - y + 0.5 * jnp.log(2 * math.pi * jnp.where(y > 1, y, 1))
        loss = loss + jnp.where(y > 1, stirling, 0)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of a Poisson with rate exp(input) (or input)."""
    reduction = _reduction(reduction, size_average, reduce)
    broadcast_shapes(target, input)
    return apply(_poisson_nll, input, target, static=(("log_input", bool(log_input)), ("full", bool(full)),
                                                      ("eps", float(eps)), ("reduction", reduction)))


def _gaussian_nll(x, y, var, *, full, eps, reduction):
    var = var + lax.stop_gradient(jnp.maximum(var, eps) - var)  # clamped value, identity gradient
    loss = 0.5 * (jnp.log(var) + (x - y) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Negative log likelihood of a Gaussian with mean ``input`` and variance ``var``."""
    reduction = _reduction(reduction)
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.new_full(input.shape, float(var))
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    broadcast_shapes(input, target, var)
    return apply(_gaussian_nll, input, target, var, static=(("full", bool(full)), ("eps", float(eps)),
                                                            ("reduction", reduction)))


def _margin_ranking(x1, x2, y, *, margin, reduction, dtype):
    # integer inputs: the product wraps in their dtype, the margin makes it float, as in PyTorch
    return _reduce(jnp.maximum((-y * (x1 - x2)).astype(dtype) + margin, 0), reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin)."""
    reduction = _reduction(reduction, size_average, reduce)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    broadcast_shapes(target, broadcast_shapes(input1, input2))
    d = result_dtype(input1, input2, target, float(margin))
    return apply(_margin_ranking, input1, input2, target, static=(("margin", float(margin)),
                                                                  ("reduction", reduction), ("dtype", np_dtype(d))))


def _hinge_embedding(x, y, *, margin, reduction):
    loss = jnp.where(y != -1, x, 0) + jnp.where(y != 1, jnp.maximum(margin - x, 0), 0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y == 1, max(0, margin - x) where y == -1."""
    reduction = _reduction(reduction, size_average, reduce)
    broadcast_shapes(target, input)
    return apply(_hinge_embedding, input, target, static=(("margin", float(margin)), ("reduction", reduction)))


def _multilabel_soft_margin(x, y, w, *, reduction):
    loss = -(y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    return _reduce(loss.sum(x.ndim - 1) / x.shape[-1], reduction)  # PyTorch sums over input's class dim


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """Mean over classes of the logistic loss of each label."""
    reduction = _reduction(reduction, size_average, reduce)
    broadcast_shapes(target, input, *([] if weight is None else [weight]))
    return apply(_multilabel_soft_margin, input, target, weight, static=(("reduction", reduction),))


def _logaddexp(a, b):
    """log(exp(a) + exp(b)) whose gradient stays finite where both are -inf."""
    m = jnp.maximum(a, b)
    finite = jnp.isfinite(m)
    m0 = jnp.where(finite, m, 0)
    total = jnp.exp(a - m0) + jnp.exp(b - m0)
    return jnp.where(finite, m0 + jnp.log(jnp.where(finite, total, 1)), m)


def _lengths(value) -> list:
    """Sequence lengths given as an int, a sequence of ints or a tensor, as a list of ints (read on the host)."""
    if isinstance(value, Tensor):
        value = value.tolist()
    return [int(value)] if isinstance(value, int) else [int(v) for v in value]


def _cosine_embedding(x1, x2, y, *, margin, reduction, dtype):
    eps = 1e-12
    # integer and bool inputs: products in their dtype, sums in int64, the rest in the default float dtype
    acc = None if jnp.issubdtype(jnp.result_type(x1, x2), jnp.inexact) else jnp.int64

    def dot(u, v):
        return (u * v).sum(-1, dtype=acc).astype(dtype)
    cos = dot(x1, x2) / jnp.sqrt((dot(x1, x1) + eps) * (dot(x2, x2) + eps))
    loss = jnp.where(y == 1, 1 - cos, 0) + jnp.where(y == -1, jnp.maximum(cos - margin, 0), 0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1."""
    reduction = _reduction(reduction, size_average, reduce)
    d = result_dtype(input1, input2, 1e-12)
    return apply(_cosine_embedding, input1, input2, target, static=(("margin", float(margin)),
                                                                    ("reduction", reduction), ("dtype", np_dtype(d))))


def _multi_margin(x, y, w, *, p, margin, reduction):
    scalar_out = y.ndim == 0
    x = x.reshape((1, -1)) if x.ndim < 2 else x
    y = y.reshape(-1)
    picked = jnp.take_along_axis(x, y[:, None], axis=1)
    z = jnp.maximum(margin - picked + x, 0) ** p
    if w is not None:
        z = z * w[y][:, None]
    z = jnp.where(jnp.arange(x.shape[1])[None] == y[:, None], 0, z)
    loss = z.sum(1) / x.shape[1]
    return _reduce(loss.reshape(()) if scalar_out else loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over wrong classes of max(0, margin - x[y] + x[i])^p / C."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    return apply(_multi_margin, input, target, weight, static=(("p", int(p)), ("margin", float(margin)),
                                                               ("reduction", reduction)))


def _triplet(a, pos, neg, *, margin, p, eps, swap, reduction, dtype):
    def dist(u, v):
        return jnp.sum(jnp.abs((u - v).astype(dtype) + eps) ** p, axis=-1) ** (1.0 / p)
    d_pos, d_neg = dist(a, pos), dist(a, neg)
    if swap:
        d_neg = jnp.minimum(d_neg, dist(pos, neg))
    return _reduce(jnp.maximum(margin + d_pos - d_neg, 0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with p-norm distances."""
    reduction = _reduction(reduction, size_average, reduce)
    d = result_dtype(anchor, positive, negative, float(eps))
    return apply(_triplet, anchor, positive, negative, static=(("margin", float(margin)), ("p", float(p)),
                                                               ("eps", float(eps)), ("swap", bool(swap)),
                                                               ("reduction", reduction), ("dtype", np_dtype(d))))


# ====================================================================== embeddings, padding, resampling, distances
def _embedding(w, idx, *, padding_idx, scale_grad):
    out = w[idx]
    if scale_grad:
        counts = jnp.zeros(w.shape[0], w.dtype).at[idx.reshape(-1)].add(1)[idx][..., None]
        out = lax.stop_gradient(out) + (out - lax.stop_gradient(out)) / counts
    if padding_idx is not None:
        out = jnp.where((idx == padding_idx)[..., None], lax.stop_gradient(out), out)
    return out


def _renorm_rows(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    rows = np.unique(np.asarray(indices._value).reshape(-1))
    w = weight._value
    norms = jnp.sum(jnp.abs(w[rows]) ** norm_type, axis=-1) ** (1.0 / norm_type)
    scale = jnp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    with grad_mode.no_grad():
        weight._commit_inplace(Tensor._make(w.at[rows].multiply(scale[:, None].astype(w.dtype))))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num, dim) at integer ``input`` (*) -> (*, dim)."""
    if input.dtype.is_floating_point:
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{input.type()[6:]} instead (while checking arguments for "
                           "embedding)")
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < weight.size(0), "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -weight.size(0), "Padding_idx must be within num_embeddings"
            padding_idx = weight.size(0) + padding_idx
    indices = input._value
    if not isinstance(indices, jax.core.Tracer) and indices.size and bool(
            ((indices < 0) | (indices >= weight.shape[0])).any()):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, input, float(max_norm), float(norm_type))
    return apply(_embedding, weight, input, static=(("padding_idx", padding_idx),
                                                    ("scale_grad", bool(scale_grad_by_freq))),
                 name="EmbeddingBackward0")


def _embedding_bag(w, idx, offsets, psw, *, mode, padding_idx, include_last):
    n_bags = offsets.shape[0] - (1 if include_last else 0)
    positions = jnp.arange(idx.shape[0])
    bag = jnp.searchsorted(offsets, positions, side="right") - 1
    rows = w[idx]
    keep = jnp.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
    if psw is not None:
        rows = rows * psw[:, None]
    if mode == "max":
        rows = jnp.where(keep[:, None], rows, -jnp.inf)
        out = jax.ops.segment_max(rows, bag, num_segments=n_bags)
        return jnp.where(jnp.isneginf(out), 0, out)
    rows = jnp.where(keep[:, None], rows, 0)
    out = jax.ops.segment_sum(rows, bag, num_segments=n_bags)
    if mode == "mean":
        counts = jax.ops.segment_sum(keep.astype(w.dtype), bag, num_segments=n_bags)
        out = out / jnp.maximum(counts, 1)[:, None]
    return out


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums/means/maxes of embedding rows per bag: 2-D ``input`` (B, n) or 1-D ``input`` with ``offsets``."""
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  "on GitHub.")
    from .._ops.creation import arange
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        offsets = arange(0, input.numel(), input.shape[1], dtype=dt.int64)
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        include_last_offset = False
    elif offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    indices = input._value
    if not isinstance(indices, jax.core.Tracer) and indices.size and bool(
            ((indices < 0) | (indices >= weight.shape[0])).any()):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, input, float(max_norm), float(norm_type))
    return apply(_embedding_bag, weight, input, offsets, per_sample_weights,
                 static=(("mode", mode), ("padding_idx", padding_idx), ("include_last", bool(include_last_offset))),
                 name="EmbeddingBagBackward0")


def _one_hot(x, *, classes):
    return (x[..., None] == jnp.arange(classes)).astype(jnp.int64)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(*) int64 class indices -> (*, num_classes) int64 one-hot."""
    if tensor.dtype is not dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1 if tensor.numel() else 0
    return apply(_one_hot, tensor, static=(("classes", int(num_classes)),))


def _pad_source(size: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """The input index each output position of a padded dim reads (negative pads crop)."""
    if mode == "circular":  # crop first, then wrap around what is left
        start, stop = max(-lo, 0), size - max(-hi, 0)
        return (np.arange(stop - start + max(lo, 0) + max(hi, 0)) - max(lo, 0)) % (stop - start) + start
    src = np.arange(size + lo + hi) - lo
    if mode == "replicate":
        return np.clip(src, 0, size - 1)
    src = np.abs(src)
    return np.where(src > size - 1, 2 * (size - 1) - src, src)


def _pad(x, *, pads, mode, value):
    if mode == "constant":
        return lax.pad(x, jnp.asarray(value, x.dtype), [(lo, hi, 0) for lo, hi in pads])
    for axis, (lo, hi) in enumerate(pads):
        if lo or hi:
            x = jnp.take(x, _pad_source(x.shape[axis], lo, hi, mode), axis=axis)
    return x


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad)/2 dims: ``pad = (last_lo, last_hi, prev_lo, prev_hi, ...)``."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pads = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        pads[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if mode == "reflect":
        for d, (lo, hi) in enumerate(pads):
            if (lo or hi) and (lo >= input.shape[d] or hi >= input.shape[d]):
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                                   f"{list(input.shape)}")
    if mode != "constant" and value not in (None, 0):
        raise NotImplementedError(f"Padding mode \"{mode}\" doesn't take in value argument.")
    return apply(_pad, input, static=(("pads", tuple(pads)), ("mode", mode), ("value", 0.0 if value is None
                                                                               else float(value))),
                 name="ConstantPadNdBackward0" if mode == "constant" else None)


def _pixel_shuffle(x, *, r, inverse):
    *lead, c, h, w = x.shape
    lead = tuple(lead)
    if not inverse:
        y = x.reshape(lead + (c // (r * r), r, r, h, w))
        n = len(lead)
        y = jnp.transpose(y, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
        return y.reshape(lead + (c // (r * r), h * r, w * r))
    y = x.reshape(lead + (c, h // r, r, w // r, r))
    n = len(lead)
    y = jnp.transpose(y, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return y.reshape(lead + (c * r * r, h // r, w // r))


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    if input.shape[-3] % (upscale_factor ** 2):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible by "
                           f"{upscale_factor ** 2}")
    return apply(_pixel_shuffle, input, static=(("r", int(upscale_factor)), ("inverse", False)))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    return apply(_pixel_shuffle, input, static=(("r", int(downscale_factor)), ("inverse", True)))


def _cosine_similarity(x1, x2, *, dim, eps):
    x1, x2 = jnp.broadcast_arrays(x1, x2)
    if x1.ndim == 0:
        return _cosine_similarity(x1[None], x2[None], dim=0, eps=eps)
    n1 = jnp.sqrt((x1 * x1).sum(dim, keepdims=True))
    n2 = jnp.sqrt((x2 * x2).sum(dim, keepdims=True))
    return ((x1 / jnp.maximum(n1, eps)) * (x2 / jnp.maximum(n2, eps))).sum(dim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along ``dim`` (broadcasting)."""
    ndim = max(x1.ndim, x2.ndim)
    return apply(_cosine_similarity, x1, x2, static=(("dim", wrap_dim(dim, ndim)), ("eps", float(eps))))


def _pairwise_distance(x1, x2, *, p, eps, keepdim, dtype):
    d = jnp.abs((x1 - x2).astype(dtype) + eps)  # integer inputs: the difference wraps, as in PyTorch
    axis = -1 if max(x1.ndim, x2.ndim) else None
    if p == math.inf:
        return d.max(axis, keepdims=keepdim)
    if p == 0:
        return (d != 0).astype(d.dtype).sum(axis, keepdims=keepdim)
    return (d ** p).sum(axis, keepdims=keepdim) ** (1.0 / p)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    d = result_dtype(x1, x2, float(eps))
    return apply(_pairwise_distance, x1, x2, static=(("p", float(p)), ("eps", float(eps)), ("keepdim", bool(keepdim)),
                                                     ("dtype", np_dtype(d))))


@lru_cache(maxsize=None)
def _resample_taps(size: int, out: int, scale: float | None, mode: str, align_corners: bool, double: bool):
    """(indices (out, taps), weights (out, taps) or None) of one spatial dim, with PyTorch's index arithmetic."""
    f = np.float64 if double else np.float32
    dst = np.arange(out)
    if mode in ("nearest", "nearest-exact"):
        ratio = f(1.0 / scale) if scale else f(size) / f(out)
        if mode == "nearest-exact":
            src = np.floor(((dst + 0.5) * ratio).astype(f))
        elif out == size or out == 2 * size:
            src = dst * size // out
        else:
            src = np.floor(dst.astype(f) * ratio)
        return np.minimum(src.astype(np.int64), size - 1)[:, None], None
    if align_corners:
        ratio = f(size - 1) / f(out - 1) if out > 1 else f(0)
        real = ratio * dst.astype(f)
    else:
        ratio = f(1.0 / scale) if scale else f(size) / f(out)
        real = ratio * (dst.astype(f) + f(0.5)) - f(0.5)
    if mode == "cubic":
        base = np.floor(real)
        t = (real - base).astype(f)
        weights = np.stack(_cubic_weights(t), 1).astype(f)
        idx = np.clip(base.astype(np.int64)[:, None] + np.arange(-1, 3), 0, size - 1)
        return idx, weights
    if out == size and not align_corners:
        real = dst.astype(f)
    real = np.maximum(real, f(0))
    lo = real.astype(np.int64)
    hi = lo + (lo < size - 1)
    lam = np.clip(real - lo, 0, 1).astype(f)
    return np.stack([lo, hi], 1), np.stack([1 - lam, lam], 1).astype(f)


def _resample(x, *, taps):
    """Separable resampling of the trailing len(taps) dims: out[o] = sum_k w[o, k] x[idx[o, k]]."""
    n = len(taps)
    passes = list(enumerate(taps))
    for i, (idx, w) in passes if jnp.issubdtype(x.dtype, jnp.inexact) else passes[::-1]:  # uint8: last dim first
        axis = x.ndim - n + i
        idx = idx.array
        if w is None:
            x = jnp.take(x, idx[:, 0], axis=axis)
            continue
        shape = [1] * x.ndim
        shape[axis] = idx.shape[0]
        dtype = x.dtype
        if not jnp.issubdtype(dtype, jnp.inexact):
            # uint8: each pass in float32, rounded and clamped to uint8, as PyTorch's separable uint8 kernel does
            # (which uses fixed-point weights: its results can differ from these by one)
            x = x.astype(jnp.float32)
        w = jnp.asarray(w.array, x.dtype)
        x = sum(jnp.take(x, idx[:, k], axis=axis) * w[:, k].reshape(shape) for k in range(idx.shape[1]))
        if x.dtype != dtype:
            x = jnp.clip(jnp.floor(x + 0.5), jnp.iinfo(dtype).min, jnp.iinfo(dtype).max).astype(dtype)
    return x


_INTERP_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}


def _cubic(x, a):
    """Keys' cubic convolution kernel with parameter ``a``."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _resample_matrix(size: int, o: int, mode: str, align_corners: bool, scale_factor, antialias: bool) -> np.ndarray:
    """``(o, size)`` weights of one axis of a bilinear/bicubic resize (PyTorch's upsample and ``_aa`` kernels)."""
    if align_corners:
        scale = (size - 1) / (o - 1) if o > 1 else 0.0
    else:
        scale = 1.0 / scale_factor if scale_factor else size / o
    w = np.zeros((o, size))
    dst = np.arange(o)
    if antialias:
        interp = 2 if mode == "bilinear" else 4
        support = interp * 0.5 * scale if scale >= 1.0 else interp * 0.5
        invscale = 1.0 / scale if scale >= 1.0 else 1.0
        center = scale * (dst + 0.5)
        for i in range(o):
            lo = max(int(center[i] - support + 0.5), 0)
            hi = min(int(center[i] + support + 0.5), size)
            x = (np.arange(lo, hi) - center[i] + 0.5) * invscale
            k = np.maximum(1 - np.abs(x), 0) if mode == "bilinear" else _cubic(x, -0.5)
            w[i, lo:hi] = k / k.sum() if k.sum() != 0 else k
        return w
    src = scale * dst if align_corners else scale * (dst + 0.5) - 0.5
    base = np.floor(src)
    t = src - base
    coeffs = [_cubic(t + 1, -0.75), _cubic(t, -0.75), _cubic(1 - t, -0.75), _cubic(2 - t, -0.75)]
    for k, c in enumerate(coeffs):
        np.add.at(w, (dst, np.clip(base.astype(np.int64) - 1 + k, 0, size - 1)), c)
    return w


def _interp_separable(x, *, out_shape, mode, align_corners, scales, antialias):
    n = len(out_shape)
    for i, o in enumerate(out_shape):
        axis = x.ndim - n + i
        w = _resample_matrix(x.shape[axis], o, mode, align_corners, scales[i], antialias)
        x = jnp.moveaxis(jnp.tensordot(x, jnp.asarray(w, dtype=x.dtype), axes=([axis], [1])), -1, axis)
    return x


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, *) to ``size`` or by ``scale_factor``.

    Modes: nearest, nearest-exact, area, linear (3-D), bilinear / bicubic (4-D), trilinear (5-D).
    ``antialias=True`` (4-D bilinear/bicubic) low-pass filters when downsampling, like PIL.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    n = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)) and len(size) != n:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(input.shape[2:])} and output size of {size}. Please provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             "format.")
        out = _ntuple(size, n)
        scales = (None,) * n
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)) and len(scale_factor) != n:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape "
                             f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             "scale_factor in (s1, s2, ...,sK) format.")
        scales = tuple(float(f) for f in (scale_factor if isinstance(scale_factor, (list, tuple))
                                          else (scale_factor,) * n))
        out = tuple(int(math.floor(s * f)) for s, f in zip(input.shape[2:], scales))
        if recompute_scale_factor:
            scales = (None,) * n
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if antialias:
        if not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                             "4-D tensor as input")
        if mode == "lanczos":
            raise NotImplementedError("interpolate with mode='lanczos' is not supported by jtorch yet")
        return apply(_interp_separable, input, static=(("out_shape", out), ("mode", mode), ("align_corners",
                     bool(align_corners)), ("scales", scales), ("antialias", True)))
    if n in (1, 2, 3) and mode == "area":
        return _adaptive_nd(n, "avg")(input, out)
    if n in (1, 2, 3) and (mode in ("nearest", "nearest-exact") or _INTERP_DIMS.get(mode) == n):
        kind = "cubic" if mode == "bicubic" else ("linear" if mode in _INTERP_DIMS else mode)
        double = input.dtype is dt.float64
        taps = tuple((_HashableArray(idx), None if w is None else _HashableArray(w)) for idx, w in
                     (_resample_taps(size_, o, sc, kind, bool(align_corners), double)
                      for size_, o, sc in zip(input.shape[2:], out, scales)))
        return apply(_resample, input, static=(("taps", taps),))
    if mode in _INTERP_DIMS and n in (1, 2, 3):
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_INTERP_DIMS[mode] + 2}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
                              f"modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                              f"nearest-exact (got {mode})")


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ====================================================================== unpooling
@partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def _unpool(x, idx, n, out_shape):
    lead = x.shape[:x.ndim - n]
    flat = jnp.zeros(lead + (math.prod(out_shape),), x.dtype)
    xs, ids = x.reshape(lead + (-1,)), idx.reshape(lead + (-1,))
    planes = jnp.indices(lead, sparse=True) if lead else ()
    out = flat.at[tuple(p[..., None] for p in planes) + (ids,)].set(xs, mode="drop")
    return out.reshape(lead + out_shape)


def _unpool_fwd(x, idx, n, out_shape):
    return _unpool(x, idx, n, out_shape), idx


def _unpool_bwd(n, out_shape, idx, g):
    # every input position receives the gradient at its index, duplicates included (PyTorch's rule)
    lead = g.shape[:g.ndim - n]
    flat = g.reshape(lead + (-1,))
    picked = jnp.take_along_axis(flat, idx.reshape(lead + (-1,)), axis=-1, mode="fill", fill_value=0)
    return picked.reshape(idx.shape), None


_unpool.defvjp(_unpool_fwd, _unpool_bwd)


def _max_unpool_impl(x, idx, *, n, out_shape):
    return _unpool(x, idx, n, out_shape)


def _max_unpool_nd(n: int):
    def max_unpool(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
        k = _ntuple(kernel_size, n)
        s = k if stride is None else _ntuple(stride, n)
        p = _ntuple(padding, n)
        default = [(input.shape[input.ndim - n + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(n)]
        if output_size is None:
            out = default
        else:
            out = list(output_size)
            if len(out) == n + 2:
                out = out[2:]
            if len(out) != n:
                raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has "
                                 f"a length of '{len(out)}'")
            for d in range(n):
                lo, hi = default[d] - s[d], default[d] + s[d]
                if not lo < out[d] < hi:
                    raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
        if input.ndim not in (n + 1, n + 2):
            raise RuntimeError(f"max_unpooling{n}d(): Expected {n + 1}D or {n + 2}D input, but got input of size: "
                               f"{list(input.shape)}")
        if tuple(indices.shape) != tuple(input.shape):
            raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                               f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
        return apply(_max_unpool_impl, input, indices, static=(("n", n), ("out_shape", tuple(int(o) for o in out))),
                     name=f"MaxUnpool{n}DBackward0")
    max_unpool.__name__ = max_unpool.__qualname__ = f"max_unpool{n}d"
    max_unpool.__doc__ = (f"Partial inverse of max_pool{n}d: (N, C, *in) values placed at their flat ``indices`` in "
                          f"zeros of (N, C, *output_size).")
    return max_unpool


max_unpool1d, max_unpool2d, max_unpool3d = (_max_unpool_nd(n) for n in (1, 2, 3))


# ====================================================================== im2col / col2im
def _unfold_impl(x, *, kernel, dilation, padding, stride):
    batched = x.ndim == 4
    if not batched:
        x = x[None]
    if x.shape[0] == 0:
        blocks = _blocks(x.shape[2:], kernel, dilation, padding, stride)
        return jnp.zeros((0, x.shape[1] * math.prod(kernel), math.prod(blocks)), x.dtype)
    patches = lax.conv_general_dilated_patches(x, kernel, stride, [(p, p) for p in padding], rhs_dilation=dilation,
                                               dimension_numbers=("NCHW", "OIHW", "NCHW"))
    out = patches.reshape(patches.shape[:2] + (-1,))
    return out if batched else out[0]


def _fold_impl(cols, *, output_size, kernel, dilation, padding, stride):
    batched = cols.ndim == 3
    shape = ((cols.shape[0],) if batched else ()) + (cols.shape[-2] // math.prod(kernel),) + output_size
    unfold_fn = partial(_unfold_impl, kernel=kernel, dilation=dilation, padding=padding, stride=stride)
    (out,) = jax.linear_transpose(unfold_fn, jax.ShapeDtypeStruct(shape, cols.dtype))(cols)
    return out


def _blocks(sizes, kernel, dilation, padding, stride) -> tuple:
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, d, p, st in zip(sizes, kernel, dilation, padding, stride))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: sliding blocks of (N, C, H, W) -> (N, C * prod(kernel_size), L)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor for input with possible 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    args = [_ntuple(a, 2) for a in (kernel_size, dilation, padding, stride)]
    blocks = _blocks(input.shape[-2:], *args)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size ({input.shape[-2]}, {input.shape[-1]}), "
                           f"kernel_size=({args[0][0]}, {args[0][1]}), dilation=({args[1][0]}, {args[1][1]}), "
                           f"padding=({args[2][0]}, {args[2][1]}), calculated shape of the array of sliding blocks as "
                           f"({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    return apply(_unfold_impl, input, static=tuple(zip(("kernel", "dilation", "padding", "stride"), args)),
                 name="Im2ColBackward0")


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im: sums sliding blocks (N, C * prod(kernel_size), L) back into (N, C, *output_size)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possible 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    out = _ntuple(output_size, 2)
    args = [_ntuple(a, 2) for a in (kernel_size, dilation, padding, stride)]
    k = math.prod(args[0])
    if input.shape[-2] % k:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={input.shape[-2]} and kernel_size=({args[0][0]}, {args[0][1]})")
    blocks = _blocks(out, *args)
    if math.prod(blocks) != input.shape[-1]:
        raise RuntimeError(f"Given output_size=({out[0]}, {out[1]}), kernel_size=({args[0][0]}, {args[0][1]}), "
                           f"dilation=({args[1][0]}, {args[1][1]}), padding=({args[2][0]}, {args[2][1]}), "
                           f"stride=({args[3][0]}, {args[3][1]}), expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but "
                           f"got input.size(2)={input.shape[-1]}.")
    return apply(_fold_impl, input, static=(("output_size", out),) + tuple(
        zip(("kernel", "dilation", "padding", "stride"), args)), name="Col2ImBackward0")


# ====================================================================== distances, shuffles
def _pdist(x, *, p):
    i, j = np.triu_indices(x.shape[0], 1)
    diff = x[i] - x[j]
    d = diff * jnp.sign(diff)  # |diff| with gradient sign(diff): 0 for equal coordinates
    if p == 0:
        return (d != 0).astype(x.dtype).sum(-1)
    if p == math.inf:  # every coordinate attaining the max gets the whole gradient, as in PyTorch
        top = lax.stop_gradient(d.max(-1, initial=0))
        return top + jnp.where(d == top[:, None], d - lax.stop_gradient(d), 0).sum(-1)
    total = jnp.where(d > 0, jnp.where(d > 0, d, 1) ** p, 0).sum(-1)  # equal coordinates: gradient 0
    safe = jnp.where(total > 0, total, 1)  # the distance of equal rows has gradient 0
    return jnp.where(total > 0, safe ** (1.0 / p), 0)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """p-norm distances between all row pairs of (N, M): (N * (N - 1) / 2,), upper triangle row by row."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return apply(_pdist, input, static=(("p", float(p)),), name="PdistBackward0")


def _channel_shuffle(x, *, groups):
    c = x.shape[1]
    y = x.reshape(x.shape[:1] + (groups, c // groups) + x.shape[2:])
    return jnp.swapaxes(y, 1, 2).reshape(x.shape)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) -> (N, C, *) with the channels of ``groups`` groups interleaved."""
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with sizes "
                           f"{list(input.shape)}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
                           f"{groups} groups.")
    return apply(_channel_shuffle, input, static=(("groups", int(groups)),))


native_channel_shuffle = channel_shuffle


# ====================================================================== more losses
def _multilabel_margin(x, y, *, reduction, scalar_out):
    x2 = x.reshape((-1, x.shape[-1])) if x.ndim else x.reshape((1, 1))
    y2 = y.reshape(x2.shape)
    valid = jnp.cumprod(y2 >= 0, axis=-1).astype(bool)
    classes = jnp.arange(x2.shape[-1])
    is_target = ((y2[:, :, None] == classes) & valid[:, :, None]).any(1)  # (N, C)
    picked = jnp.take_along_axis(x2, jnp.where(valid, y2, 0), axis=-1)  # (N, T)
    hinge = jnp.maximum(1 - (picked[:, :, None] - x2[:, None, :]), 0)  # (N, T, C)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    loss = jnp.where(mask, hinge, 0).sum((1, 2)) / x2.shape[-1]
    return _reduce(loss.reshape(()) if scalar_out else loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss; ``target`` (N, C) holds class indices, ended by the first -1."""
    reduction = _reduction(reduction, size_average, reduce)
    if input.ndim > 2 or tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    return apply(_multilabel_margin, input, target, static=(("reduction", reduction),
                                                            ("scalar_out", input.ndim <= 1)),
                 name="MultilabelMarginLossBackward0")


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with any ``distance_function`` (pairwise_distance by default)."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not a_dim == p_dim == n_dim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a_dim}D, positive {p_dim}D, and negative {n_dim}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        from .._ops.pointwise import minimum
        d_neg = minimum(d_neg, dist(positive, negative))
    loss = (d_pos - d_neg + margin).clamp(min=0)
    return _apply_reduction(loss, reduction)


def _apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    return loss.sum() if reduction == "sum" else (loss.mean() if reduction == "mean" else loss)


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *, linear_bias: Tensor | None = None,
                         weight: Tensor | None = None, reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options=None) -> Tensor:
    """cross_entropy(input @ linear_weight^T (+ linear_bias), target) without a separate logits call.

    input (N, in) or (in,), linear_weight (C, *d, in); ``options`` (chunking) changes memory use, not values.
    """
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    if input.shape[-1] != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions (in_features), got "
                           f"{input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    num_batches, classes, out_features = tuple(input.shape[:-1]), linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(classes, *out_features)}, got {tuple(linear_bias.shape)}")
    if out_features and not num_batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {input.shape[-1]}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    if tuple(target.shape) == (*num_batches, classes, *out_features) and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    logits = apply(_class_logits, input, linear_weight, linear_bias)
    return cross_entropy(logits, target, weight, ignore_index=-100 if ignore_index is None else ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)


def _class_logits(x, w, b):
    y = jnp.einsum("...i,ci->...c" if w.ndim == 2 else "ni,c...i->nc...", x, w)
    return y if b is None else y + b


# ====================================================================== fractional max pooling
def _fractional_max_pool(x, u, *, kernel, out_shape):
    n = len(kernel)
    batched = x.ndim == n + 2
    if not batched:
        x = x[None]
    u = u[:x.shape[0]]  # PyTorch reads only the first N rows of samples
    sizes = x.shape[2:]
    flat = jnp.zeros(x.shape[:2] + (1,) * (2 * n), jnp.int64)
    stride = 1
    for d in reversed(range(n)):
        size, k, o = sizes[d], kernel[d], out_shape[d]
        sample = u[..., 1 - d if n == 2 else d, None]  # PyTorch: (width, height) in 2-d, (time, height, width) in 3-d
        alpha = jnp.asarray((size - k) / (o - 1) if o > 1 else 0, u.dtype)
        steps = jnp.arange(o, dtype=u.dtype)
        start = jnp.floor((steps + sample) * alpha).astype(jnp.int64) - jnp.floor(sample * alpha).astype(jnp.int64)
        start = jnp.where(jnp.arange(o) == o - 1, size - k, start)  # (N, C, o)
        coords = start[..., None] + jnp.arange(k)  # (N, C, o, k)
        shape = list(x.shape[:2]) + [1] * (2 * n)
        shape[2 + d], shape[2 + n + d] = o, k
        flat = flat + coords.reshape(shape) * stride
        stride *= size
    flat = flat.reshape(x.shape[:2] + tuple(out_shape) + (-1,))
    planes = x.reshape(x.shape[:2] + (-1,))
    windows = jnp.take_along_axis(planes, flat.reshape(x.shape[:2] + (-1,)), axis=-1).reshape(flat.shape)
    arg = jnp.argmax(jnp.where(jnp.isnan(windows), jnp.inf, windows), axis=-1)
    indices = jnp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    values = jnp.take_along_axis(planes, indices.reshape(x.shape[:2] + (-1,)), axis=-1).reshape(indices.shape)
    return (values, indices) if batched else (values[0], indices[0])


def _check_fractional_samples(samples: Tensor, input: Tensor, batch: int, n: int) -> None:
    if samples.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.ndim}")
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples.shape[0] < batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if tuple(samples.shape[1:]) != (input.shape[-n - 1], n):
        raise RuntimeError(f"Expect _random_samples of shape (N, {input.shape[-n - 1]}, {n}) for input of "
                           f"{input.shape[-n - 1]} channels, got {list(samples.shape)}")


def _fractional_max_pool_nd(n: int):
    def fractional_max_pool(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                            return_indices: bool = False, _random_samples: Tensor | None = None):
        if output_size is None and output_ratio is None:
            raise ValueError(f"fractional_max_pool{n}d requires specifying either an output_size or an output_ratio")
        if input.ndim not in (n + 1, n + 2):
            raise RuntimeError(f"fractional_max_pool{n}d(): Expected {n + 1}D or {n + 2}D tensor, but got: "
                               f"{list(input.shape)}")
        kernel = _ntuple(kernel_size, n)
        sizes = tuple(input.shape[-n:])
        if output_size is None:
            ratio = tuple(float(r) for r in (output_ratio if isinstance(output_ratio, (list, tuple))
                                             else (output_ratio,) * n))
            out = tuple(int(s * r) for s, r in zip(sizes, ratio))
        else:
            out = _ntuple(output_size, n)
        for name, s, k, o in zip(("time", "height", "width")[3 - n:], sizes, kernel, out):
            if o + k - 1 > s - (n == 3):  # PyTorch's 3-d check is strict, its 2-d one is not
                raise RuntimeError(f"fractional_max_pool{n}d_out(): pool {name} {k} too large relative to input "
                                   f"{name} {s}")
        batch = 1 if input.ndim == n + 1 else input.shape[0]
        if _random_samples is not None:
            _check_fractional_samples(_random_samples, input, batch, n)
        else:
            _random_samples = Tensor._make(jax.random.uniform(_gen(None).next_key(),
                                                              (batch, input.shape[-n - 1], n), input.dtype.np_dtype))
        values, indices = apply(_fractional_max_pool, input, _random_samples,
                                static=(("kernel", kernel), ("out_shape", out)),
                                name=f"FractionalMaxPool{n}DBackward0")
        return (values, indices) if return_indices else values
    fractional_max_pool.__name__ = fractional_max_pool.__qualname__ = f"fractional_max_pool{n}d"
    fractional_max_pool.__doc__ = (f"{n}-d fractional max pooling of (N, C, *{n} dims) with pseudo-random window "
                                   "starts, to ``output_size`` or ``output_ratio`` of the input.")
    return fractional_max_pool


fractional_max_pool2d, fractional_max_pool3d = (_fractional_max_pool_nd(n) for n in (2, 3))
fractional_max_pool2d_with_indices, fractional_max_pool3d_with_indices = (
    _with_indices(f) for f in (fractional_max_pool2d, fractional_max_pool3d))


# ====================================================================== CTC
def _logsumexp(*xs):
    """log(sum(exp(x))) of equally shaped arrays; -inf (with zero gradients) where every term is -inf."""
    m = xs[0]
    for x in xs[1:]:
        m = jnp.maximum(m, x)
    m = lax.stop_gradient(jnp.where(jnp.isfinite(m), m, 0))
    total = sum(jnp.exp(x - m) for x in xs)
    return jnp.where(total > 0, jnp.log(jnp.where(total > 0, total, 1)) + m, -jnp.inf)


def _ctc(lp, targets, in_len, tgt_len, *, blank, reduction, zero_infinity):
    unbatched = lp.ndim == 2
    if unbatched:
        lp, targets, in_len, tgt_len = lp[:, None], targets[None], in_len.reshape(1), tgt_len.reshape(1)
    steps, batch, _ = lp.shape
    if targets.ndim == 1 and not unbatched:  # all targets concatenated
        starts = jnp.cumsum(tgt_len) - tgt_len
        targets = targets[jnp.clip(starts[:, None] + jnp.arange(targets.shape[0]), 0, targets.shape[0] - 1)]
    width = 2 * targets.shape[1] + 1
    ext = jnp.full((batch, width), blank, targets.dtype).at[:, 1::2].set(targets)
    pos = jnp.arange(width)
    skip = (pos % 2 == 1) & (pos >= 2) & (ext != jnp.roll(ext, 2, axis=1))
    lp_ext = jnp.take_along_axis(lp, jnp.broadcast_to(ext[None], (steps, batch, width)), axis=2)
    alpha = jnp.full((batch, width), -jnp.inf, lp.dtype)
    alpha = alpha.at[:, 0].set(lp_ext[0, :, 0])
    alpha = alpha.at[:, 1].set(jnp.where(tgt_len > 0, lp_ext[0, :, 1], -jnp.inf))

    def step(alpha, inputs):
        t, lpt = inputs
        ninf = jnp.full((batch, 1), -jnp.inf, lp.dtype)
        one = jnp.concatenate([ninf, alpha[:, :-1]], 1)
        two = jnp.where(skip, jnp.concatenate([ninf, ninf, alpha[:, :-2]], 1), -jnp.inf)
        new = _logsumexp(alpha, one, two) + lpt
        return jnp.where((t < in_len)[:, None], new, alpha), None
    alpha, _ = lax.scan(step, alpha, (jnp.arange(1, steps), lp_ext[1:]))
    end = 2 * tgt_len
    last = jnp.take_along_axis(alpha, end[:, None], axis=1)[:, 0]
    before = jnp.where(tgt_len > 0, jnp.take_along_axis(alpha, jnp.maximum(end - 1, 0)[:, None], axis=1)[:, 0],
                       -jnp.inf)
    nll = -_logsumexp(last, before)
    # PyTorch's gradient for log_probs is exp(log_probs) - posterior over the valid steps: the gradient of
    # log_softmax's input when log_probs came from one; this zero-valued term adds the exp(log_probs) part
    probs = jnp.exp(lp)
    valid = (jnp.arange(steps)[:, None] < in_len)[..., None]
    nll = nll + jnp.where(valid, probs - lax.stop_gradient(probs), 0).sum((0, 2))
    if zero_infinity:
        nll = jnp.where(jnp.isinf(nll), 0, nll)
    if reduction == "mean":
        return (nll / jnp.maximum(tgt_len, 1).astype(lp.dtype)).mean()
    if reduction == "sum":
        return nll.sum()
    return nll[0] if unbatched else nll


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist Temporal Classification loss.

    log_probs (T, N, C) or (T, C); targets (N, S) padded, or all targets concatenated (sum(target_lengths),);
    input_lengths, target_lengths (N,) tensors or sequences.
    """
    reduction = _reduction(reduction)
    batch = log_probs.shape[1] if log_probs.ndim == 3 else 1

    def lengths(value, name):
        arr = value._value if isinstance(value, Tensor) else jnp.asarray(value, jnp.int64)
        if arr.size != batch:
            raise RuntimeError(f"{name} must be of size batch_size")
        return arr.astype(jnp.int64)
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"ctc_loss expects log_probs to be a 2-D or 3-D tensor, but got {log_probs.ndim}-D")
    if not 0 <= blank < log_probs.shape[-1]:
        raise RuntimeError("blank must be in label range")
    return apply(_ctc, log_probs, targets, lengths(input_lengths, "input_lengths"),
                 lengths(target_lengths, "target_lengths"),
                 static=(("blank", int(blank)), ("reduction", reduction), ("zero_infinity", bool(zero_infinity))),
                 name="CtcLossBackward0")


# ====================================================================== spatial transformers
def _reflect(coord, low2, high2):
    """Reflect ``coord`` into [low2 / 2, high2 / 2] (bounds given doubled, as PyTorch does)."""
    if low2 == high2:
        return jnp.zeros_like(coord)
    low, span = low2 / 2, (high2 - low2) / 2
    coord = jnp.abs(coord - low)
    extra = jnp.fmod(coord, span)
    flips = jnp.floor(coord / span)
    return jnp.where(flips % 2 == 0, extra + low, span - extra + low)


def _clip_coord(coord, size):
    """``coord`` clipped to [0, size - 1]; as in PyTorch, the gradient is zero on and beyond the limits."""
    inside = (coord > 0) & (coord < size - 1)
    return jnp.where(inside, coord, jnp.clip(lax.stop_gradient(coord), 0, size - 1))


def _grid_source(coord, size, padding_mode, align_corners):
    """Pixel coordinate of a padded-out sample point, per ``padding_mode``."""
    if padding_mode == "border":
        return _clip_coord(coord, size)
    if padding_mode == "reflection":
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
        return _clip_coord(coord, size)
    return coord


def _grid_sample(x, grid, *, mode, padding_mode, align_corners):
    n = x.ndim - 2
    batch, channels, sizes = x.shape[0], x.shape[1], x.shape[2:]
    out_shape = grid.shape[1:-1]
    if x.size == 0 or grid.size == 0:
        return jnp.zeros((batch, channels) + out_shape, x.dtype)
    planes = x.reshape(batch, channels, -1)
    coords = []
    for d in range(n):  # grid[..., 0] is the last spatial dim (x), grid[..., 1] the one before (y), ...
        g, size = grid[..., n - 1 - d].reshape(batch, -1), sizes[d]
        coords.append(((g + 1) / 2) * (size - 1) if align_corners else ((g + 1) * size - 1) / 2)

    def read(points):  # points: per-dim integer coordinates (batch, P); zero outside the input
        inside = jnp.stack([(p >= 0) & (p < s) for p, s in zip(points, sizes)]).all(0)
        flat = sum(jnp.clip(p, 0, s - 1) * math.prod(sizes[d + 1:]) for d, (p, s) in enumerate(zip(points, sizes)))
        values = jnp.take_along_axis(planes, flat[:, None, :].astype(jnp.int32), axis=2)
        return jnp.where(inside[:, None, :], values, 0)

    if mode == "bicubic":
        base = [jnp.floor(c) for c in coords]
        weights = [_cubic_weights(c - b) for c, b in zip(coords, base)]
        out = 0
        for taps in itertools.product(range(4), repeat=n):
            points = [_grid_source(b + (t - 1), s, padding_mode, align_corners) for b, t, s in zip(base, taps, sizes)]
            w = math.prod(weights[d][t] for d, t in enumerate(taps))
            out = out + read([p.astype(jnp.int64) for p in points]) * w[:, None, :]
    else:
        coords = [_grid_source(c, s, padding_mode, align_corners) for c, s in zip(coords, sizes)]
        if mode == "nearest":
            out = read([jnp.round(c).astype(jnp.int64) for c in coords])
        else:
            base = [jnp.floor(c) for c in coords]
            frac = [c - b for c, b in zip(coords, base)]
            out = 0
            for corner in itertools.product((0, 1), repeat=n):
                w = math.prod(f if k else 1 - f for f, k in zip(frac, corner))
                out = out + read([(b + k).astype(jnp.int64) for b, k in zip(base, corner)]) * w[:, None, :]
    return out.reshape((batch, channels) + out_shape)


def _cubic_weights(t):
    a = -0.75

    def near(v):
        return ((a + 2) * v - (a + 3)) * v * v + 1

    def far(v):
        return ((a * v - 5 * a) * v + 8 * a) * v - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _default_align_corners(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                      "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                      "grid_sample for details.", stacklevel=3)
        return False
    return bool(align_corners)


_GRID_MODES = ("bilinear", "nearest", "bicubic")
_GRID_PADDINGS = ("zeros", "border", "reflection")


def _check_grid_sampler(input: Tensor, grid: Tensor, mode: int, rank: int | None) -> None:
    """PyTorch's checks of grid_sampler, in its order; ``rank`` (2 or 3) pins the spatial rank."""
    sizes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got {sizes}")
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, but got "
                           f"grid with sizes {list(grid.shape)}")
    for d in range(2, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {d} being empty")
    rank = rank or (2 if input.ndim == 4 else 3)
    if input.ndim != rank + 2 or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sampler(): expected {rank + 2}D input and grid with same number of dimensions, but "
                           f"got {sizes}")
    if mode == 2 and rank == 3:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.dtype.is_floating_point:
        kernel = "grid_sampler_2d_cpu_kernel_impl" if rank == 2 else "grid_sampler3d_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(input.dtype)}'")
    if grid.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(input.dtype)} but found "
                           f"{scalar_type_name(grid.dtype)}")


def _grid_sampler(input: Tensor, grid: Tensor, mode: int, padding_mode: int, align_corners: bool,
                  rank: int | None = None) -> Tensor:
    _check_grid_sampler(input, grid, mode, rank)
    return apply(_grid_sample, input, grid, static=(("mode", _GRID_MODES[mode]),
                                                     ("padding_mode", _GRID_PADDINGS[padding_mode]),
                                                     ("align_corners", align_corners)),
                 name=f"GridSampler{input.ndim - 2}DBackward0")


def _grid_sampler_entry(name: str, rank: int | None):
    def entry(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool) -> Tensor:
        for pos, (arg, value, kind) in enumerate((("interpolation_mode", interpolation_mode, int),
                                                  ("padding_mode", padding_mode, int),
                                                  ("align_corners", align_corners, bool)), 3):
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be {kind.__name__}, not "
                                f"{type(value).__name__}")
        if interpolation_mode not in (0, 1, 2):
            raise RuntimeError(f"{name}(): expected interpolation_mode to be 0 (bilinear), 1 (nearest) or "
                               f"2 (bicubic), but got {interpolation_mode}")
        if padding_mode not in (0, 1, 2):
            raise RuntimeError(f"{name}(): expected padding_mode to be 0 (zeros), 1 (border) or 2 (reflection), "
                               f"but got {padding_mode}")
        return _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners, rank)
    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = (f"``{name}(input, grid, interpolation_mode, padding_mode, align_corners)``: "
                     f":func:`grid_sample` with its modes as integers (0/1/2, in grid_sample's order).")
    return entry


grid_sampler = _grid_sampler_entry("grid_sampler", None)
grid_sampler_2d = _grid_sampler_entry("grid_sampler_2d", 2)
grid_sampler_3d = _grid_sampler_entry("grid_sampler_3d", 3)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """Sample (N, C, H, W) [or (N, C, D, H, W)] at the normalised points of ``grid`` (N, H', W', 2) [or 3]."""
    if mode not in _GRID_MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _GRID_PADDINGS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = _default_align_corners(align_corners)
    return _grid_sampler(input, grid, _GRID_MODES.index(mode), _GRID_PADDINGS.index(padding_mode), align_corners)


def _affine_grid(theta, *, size, align_corners):
    spatial = size[2:]
    axes = []
    for s in reversed(spatial):  # x (last dim) first
        step = jnp.linspace(-1, 1, s, dtype=theta.dtype) if s > 1 else jnp.zeros((s,), theta.dtype)
        axes.append(step if align_corners else step * (s - 1) / s)
    mesh = jnp.meshgrid(*reversed(axes), indexing="ij")  # each (*spatial)
    base = jnp.stack(list(reversed(mesh)) + [jnp.ones(spatial, theta.dtype)], -1)  # (*spatial, n + 1)
    grid = jnp.einsum("...k,njk->n...j", base, theta)
    return grid


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """Sampling grid (N, H, W, 2) [or (N, D, H, W, 3)] of the affine maps ``theta`` (N, 2, 3) [or (N, 3, 4)]."""
    align_corners = _default_align_corners(align_corners)
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given, size = size, tuple(int(s) for s in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {given}.")
    n = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[-2:]) != (n, n + 1):
        raise ValueError(f"Expected a batch of {n}D affine matrices of shape Nx{n}x{n + 1} for size {given}. Got "
                         f"{theta.shape}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation of "
                      "affine_grid for details.", stacklevel=2)
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, {n + 1}] but "
                           f"got: [{theta.shape[0]}, {n + 1}].")
    return apply(_affine_grid, theta, static=(("size", size), ("align_corners", align_corners)),
                 name="AffineGridGeneratorBackward0")


# ====================================================================== torch.* names of the same ops
def _expose() -> None:
    from .._ops._registry import register
    for name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "pdist",
                 "channel_shuffle", "native_channel_shuffle", "pixel_shuffle", "pixel_unshuffle", "cosine_similarity",
                 "pairwise_distance", "bilinear", "rms_norm", "max_pool1d", "max_pool2d", "max_pool3d",
                 "max_pool1d_with_indices", "avg_pool1d", "adaptive_avg_pool1d", "selu", "selu_", "celu", "celu_",
                 "rrelu", "rrelu_", "threshold", "threshold_", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d"):
        register(globals()[name], name=name, method=False)
    for name in ("relu", "relu_", "prelu", "hardshrink"):
        register(globals()[name], name=name)
    register(affine_grid, name="affine_grid_generator", method=False)


_expose()


# ====================================================================== attention
_CPP_DTYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
                    "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                    "uint8": "unsigned char", "bool": "bool"}


def _cpp_name(d: dt.dtype) -> str:
    return _CPP_DTYPE_NAMES.get(str(d)[6:], str(d)[6:])


def _masked_scores(s, mask, causal):
    """Attention scores with a bool (True: attend) or additive float mask and/or the upper-left causal mask."""
    if causal:
        s = jnp.where(jnp.tril(jnp.ones(s.shape[-2:], bool)), s, -jnp.inf)
    if mask is None:
        return s
    if mask.dtype == jnp.bool_:
        return jnp.where(mask, s, -jnp.inf)
    return s + mask.astype(s.dtype)


def _safe_softmax(s):
    """Softmax over the last axis where rows with every score -inf give zeros (and zero gradients), not NaN.

    A dead row's maximum is -inf: shifting by 0 there instead makes every exponential 0, and the sum is then
    divided out as 1, so the row costs no pass over the scores beyond a plain softmax's."""
    peak = jnp.max(s, axis=-1, keepdims=True, initial=-jnp.inf)
    e = jnp.exp(s - jax.lax.stop_gradient(jnp.where(peak == -jnp.inf, 0.0, peak)))
    total = jnp.sum(e, axis=-1, keepdims=True)
    return e / jnp.where(total == 0.0, 1.0, total)


def _attention_weights(s, key, *, dropout_p, safe):
    w = _safe_softmax(s) if safe else jax.nn.softmax(s, axis=-1)
    if key is None:
        return w
    return _dropout_impl(w, key, p=dropout_p, mask_shape=w.shape, alpha=False)


def _sdpa(q, k, v, mask, key, *, scale, causal, dropout_p, groups):
    if groups > 1:
        k, v = jnp.repeat(k, groups, axis=-3), jnp.repeat(v, groups, axis=-3)
    # half precision is computed in float32, as PyTorch's math kernel does
    acc = jnp.promote_types(q.dtype, jnp.float32)
    s = jnp.matmul(q.astype(acc), jnp.swapaxes(k.astype(acc), -1, -2)) * scale
    w = _attention_weights(_masked_scores(s, mask, causal), key, dropout_p=dropout_p, safe=True)
    return jnp.matmul(w, v.astype(acc)).astype(q.dtype)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, *, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value: (N, ..., Hq, L, E), (N, ..., H, S, E), (N, ..., H, S, Ev)
    -> (N, ..., Hq, L, Ev).

    ``attn_mask`` is bool (True: take part) or float (added to the scores), broadcastable to (N, ..., Hq, L, S);
    ``is_causal`` masks the upper-left causal triangle. Rows where every key is masked give zeros.
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_cpp_name(query.dtype)} key.dtype: {_cpp_name(key.dtype)} and value.dtype: "
                           f"{_cpp_name(value.dtype)} instead.")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found {query.type()[6:-6]}")
    if attn_mask is not None and attn_mask.dtype not in (dt.bool, dt.float32, query.dtype):
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {_cpp_name(attn_mask.dtype)} and  query.dtype: "
                           f"{_cpp_name(query.dtype)} instead.")
    if dropout_p < 0.0 or dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    # PyTorch's CPU kernel (4-D inputs, no dropout) applies an explicit mask and the causal mask together;
    # its math kernel, used otherwise, refuses the pair
    if is_causal and attn_mask is not None and not (query.ndim == key.ndim == value.ndim == 4 and dropout_p == 0.0):
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError(f"Expected the last dimension of key ({key.shape[-1]}) to equal that of query "
                           f"({query.shape[-1]})")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"Expected key and value to have the same sequence length, but got {key.shape[-2]} and "
                           f"{value.shape[-2]}")
    key_batch, groups = tuple(key.shape[:-2]), 1
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3 and value.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk != 0 or hk != hv:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in query")
        groups = hq // hk
        key_batch = key_batch[:-1] + (hq,)
    broadcast_shapes(tuple(query.shape[:-2]), key_batch)
    broadcast_shapes(tuple(key.shape[:-2]), tuple(value.shape[:-2]))
    if attn_mask is not None:
        scores = jnp.broadcast_shapes(tuple(query.shape[:-2]), key_batch) + (query.shape[-2], key.shape[-2])
        broadcast_shapes(scores, tuple(attn_mask.shape))
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    rng = _gen(None).next_key() if dropout_p > 0.0 else None
    return apply(_sdpa, query, key, value, attn_mask, rng,
                 static=(("scale", factor), ("causal", bool(is_causal)), ("dropout_p", float(dropout_p)),
                         ("groups", groups)), name="ScaledDotProductAttentionBackward0")


def _mask_to_additive(mask, *, dtype):
    return jnp.where(mask, -jnp.inf, 0.0).astype(dtype)


def _canonical_mask(mask: Tensor | None, mask_name: str, other_type: dt.dtype | None, other_name: str,
                    target_type: dt.dtype, check_other: bool = True) -> Tensor | None:
    """A bool or float mask as the float mask to add to attention scores (True becomes -inf)."""
    if mask is None:
        return None
    if mask.dtype != dt.bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=2)
    if mask.dtype.is_floating_point:
        return mask
    return apply(_mask_to_additive, mask, static=(("dtype", np.dtype(np_dtype(target_type)).name),))


def _none_or_dtype(input: Tensor | None) -> dt.dtype | None:
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None,
                     attn_mask: Tensor | None, num_heads: int) -> bool:
    """Whether the inputs are batched (3-D query) or not (2-D); AssertionError for inconsistent ranks."""
    if query.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query "
                             "tensor")
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found "
                             f"{key.ndim}-D and {value.ndim}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or {query.ndim - 1}-D "
                             f"but found {key_padding_mask.ndim}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                                 f"{attn_mask.ndim}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
    return batched


def _mha(query, key, value, w_in, b_in, w_q, w_k, w_v, bias_k, bias_v, w_out, b_out, static_k, static_v,
         attn_mask, key_padding_mask, rng, *, heads, zero_attn, dropout_p, need_weights, average, causal, batched,
         batch_first):
    if not batched:
        query = query[:, None]
        key, value = (None, None) if key is None else (key[:, None], value[:, None])
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask[None]
    seq_axis = 1 if batch_first else 0  # of query, key and value: (len, N, E), or (N, len, E) batch first
    tgt_len, bsz, embed = query.shape[seq_axis], query.shape[1 - seq_axis], query.shape[2]
    head_dim = embed // heads
    if key is None:  # self-attention: one projection by the packed weight, as PyTorch does
        q, k, v = jnp.split(_linear(query, w_in, b_in), 3, axis=-1)
    else:
        if w_in is not None:
            w_q, w_k, w_v = jnp.split(w_in, 3)
        b_q, b_k, b_v = (None,) * 3 if b_in is None else jnp.split(b_in, 3)
        q, k, v = _linear(query, w_q, b_q), _linear(key, w_k, b_k), _linear(value, w_v, b_v)
    if bias_k is not None:
        one_key = (bsz, 1, embed) if batch_first else (1, bsz, embed)
        k = jnp.concatenate([k, jnp.broadcast_to(bias_k, one_key)], axis=seq_axis)
        v = jnp.concatenate([v, jnp.broadcast_to(bias_v, one_key)], axis=seq_axis)

    def split_heads(x):  # (len, N, E) or (N, len, E) -> (N, heads, len, head_dim)
        x = x.reshape(x.shape[:2] + (heads, head_dim))
        return x.transpose(0, 2, 1, 3) if batch_first else x.transpose(1, 2, 0, 3)

    q = split_heads(q)
    k = split_heads(k) if static_k is None else static_k.reshape(bsz, heads, -1, head_dim)
    v = split_heads(v) if static_v is None else static_v.reshape(bsz, heads, -1, head_dim)
    if zero_attn:
        k = jnp.concatenate([k, jnp.zeros(k.shape[:2] + (1, head_dim), k.dtype)], axis=2)
        v = jnp.concatenate([v, jnp.zeros(v.shape[:2] + (1, head_dim), v.dtype)], axis=2)
    src_len = k.shape[2]

    def pad_keys(m):  # masks gain zero columns for the appended bias and zero keys
        return jnp.pad(m, [(0, 0)] * (m.ndim - 1) + [(0, src_len - m.shape[-1])])

    mask = None
    if attn_mask is not None:
        mask = pad_keys(attn_mask if attn_mask.ndim == 2 else attn_mask.reshape(bsz, heads, tgt_len, -1))
    if key_padding_mask is not None:
        padding = pad_keys(key_padding_mask)[:, None, None, :]
        mask = padding if mask is None else mask + padding
    s = jnp.matmul(q * math.sqrt(1.0 / head_dim), jnp.swapaxes(k, -1, -2))
    # the weights path is PyTorch's plain softmax (NaN rows when every key is masked); without weights it is
    # its fused kernel, which gives zeros there
    w = _attention_weights(_masked_scores(s, mask, causal), rng, dropout_p=dropout_p, safe=not need_weights)
    out = jnp.matmul(w, v).transpose((0, 2, 1, 3) if batch_first else (2, 0, 1, 3))
    out = out.reshape(out.shape[:2] + (embed,))
    out = _linear(out, w_out, b_out)
    if not batched:
        out, w = out[:, 0], w[0]
    if not need_weights:
        return out
    return out, (w.mean(-3) if average else w)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
                                 in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
                                 bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
                                 key_padding_mask: Tensor | None = None, need_weights: bool = True,
                                 attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
                                 q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
                                 v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
                                 static_v: Tensor | None = None, average_attn_weights: bool = True,
                                 is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention, sequence first: query (L, N, E) or (L, E), key (S, N, Ek), value (S, N, Ev).

    Returns the output (L, N, E) and, with ``need_weights``, the attention weights (N, L, S), or
    (N, num_heads, L, S) when not ``average_attn_weights`` (batch dim dropped for unbatched inputs).
    ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N * num_heads, L, S) are bool (True: masked)
    or float (added to the scores).
    """
    return _multi_head_attention(batch_first=False, **locals())


def _multi_head_attention(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
                          in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
                          bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
                          out_proj_bias: Tensor | None, training: bool, key_padding_mask: Tensor | None,
                          need_weights: bool, attn_mask: Tensor | None, use_separate_proj_weight: bool,
                          q_proj_weight: Tensor | None, k_proj_weight: Tensor | None, v_proj_weight: Tensor | None,
                          static_k: Tensor | None, static_v: Tensor | None, average_attn_weights: bool,
                          is_causal: bool, batch_first: bool) -> tuple[Tensor, Tensor | None]:
    """:func:`multi_head_attention_forward`; with ``batch_first``, batched query, key and value are (N, L, E),
    (N, S, Ek), (N, S, Ev) and the output (N, L, E)."""
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    batch_first = batch_first and batched
    seq_axis = 1 if batch_first else 0
    tgt_len, embed_dim = query.shape[seq_axis], query.shape[-1]
    bsz = query.shape[1 - seq_axis] if batched else 1
    src_len = key.shape[seq_axis]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask",
                                       query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        # the hint stands for the mask: attention is computed with the causal mask itself
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    _check_mha_projections(query, key, value, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                           (q_proj_weight, k_proj_weight, v_proj_weight))
    if attn_mask is not None:
        want = (tgt_len, src_len) if attn_mask.ndim == 2 else (bsz * num_heads, tgt_len, src_len)
        if tuple(attn_mask.shape) != want:
            raise RuntimeError(f"The shape of the {attn_mask.ndim}D attn_mask is {attn_mask.shape}, but should be "
                               f"{want}.")
    if (bias_k is None) != (bias_v is None):
        set_, unset = ("bias_k", "bias_v") if bias_v is None else ("bias_v", "bias_k")
        raise AssertionError(f"{set_} is set but {unset} is None")
    for name, what, static in (("static_k", "key", static_k), ("static_v", "value", static_v)):
        if static is None:
            continue
        if bias_k is not None:
            raise AssertionError(f"bias cannot be added to static {what}.")
        if static.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got {static.shape[0]}")
        if static.shape[2] != head_dim:
            raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.shape[2]}")
    if batched and key.shape[1 - seq_axis] != bsz:
        raise RuntimeError(f"Expected key and value to have batch size {bsz} like query, but got "
                           f"{key.shape[1 - seq_axis]}")
    keys, values = ((s.shape[1] if s is not None else src_len + (bias_k is not None)) for s in (static_k, static_v))
    if keys != values:
        raise RuntimeError(f"Expected as many keys as values, but got {keys} and {values}")
    final_len = keys + bool(add_zero_attn)
    if key_padding_mask is not None:
        padded = key_padding_mask.shape[-1] + (bias_k is not None) + bool(add_zero_attn)
        if key_padding_mask.shape[0] != bsz and batched:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if padded != final_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {final_len}, but got {padded}")
    if attn_mask is not None and attn_mask.shape[-1] + (bias_k is not None) + bool(add_zero_attn) != final_len:
        raise RuntimeError(f"The attn_mask covers {attn_mask.shape[-1]} keys but there are {final_len}")
    p = float(dropout_p) if training else 0.0
    rng = _gen(None).next_key() if p > 0.0 else None
    if use_separate_proj_weight:
        in_proj_weight = None
    else:
        q_proj_weight = k_proj_weight = v_proj_weight = None
        if query is key and key is value:
            key = value = None  # _mha's sign for self-attention
    out = apply(_mha, query, key, value, in_proj_weight, in_proj_bias, q_proj_weight, k_proj_weight, v_proj_weight,
                bias_k, bias_v, out_proj_weight, out_proj_bias, static_k, static_v, attn_mask, key_padding_mask, rng,
                static=(("heads", num_heads), ("zero_attn", bool(add_zero_attn)), ("dropout_p", p),
                        ("need_weights", bool(need_weights)), ("average", bool(average_attn_weights)),
                        ("causal", bool(is_causal)), ("batched", batched), ("batch_first", batch_first)))
    return out if need_weights else (out, None)


def _check_mha_projections(query: Tensor, key: Tensor, value: Tensor, in_proj_weight: Tensor | None,
                           in_proj_bias: Tensor | None, separate: bool, weights: tuple) -> None:
    """PyTorch's AssertionErrors for key/value shapes and in-projection weights that do not fit the inputs."""
    if separate:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if not separate:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        if query.dtype is not in_proj_weight.dtype:  # the in-projection's linear
            names = [_CPP_DTYPE_NAMES.get(str(t.dtype)[6:], str(t.dtype)[6:]) for t in (query, in_proj_weight)]
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {names[0]} != {names[1]}")
        return
    for name, w in zip("qkv", weights):
        if w is None:
            raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
    e = query.shape[-1]
    for what, w, x in (("query", weights[0], query), ("key", weights[1], key), ("value", weights[2], value)):
        if tuple(w.shape) != (e, x.shape[-1]):
            raise AssertionError(f"expecting {what} weights shape of {(e, x.shape[-1])}, but got {w.shape}")
    if in_proj_bias is not None and tuple(in_proj_bias.shape) != (3 * e,):
        raise AssertionError(f"expecting query bias shape of {(e,)}, but got {in_proj_bias.shape}")


# autocast: the ops of this namespace that PyTorch lists follow its casting policy
from ..amp import autocast_mode as _autocast_mode  # noqa: E402

_autocast_mode.mark_namespace(globals())
# nn.MultiheadAttention enters below the public function
_multi_head_attention = _autocast_mode.mark(_multi_head_attention, "multi_head_attention_forward")
