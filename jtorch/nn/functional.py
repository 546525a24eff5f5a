"""torch.nn.functional: each op one pure JAX function run through ``apply`` (autograd is its vjp)."""
from __future__ import annotations

import itertools
import math
import numbers
import warnings
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _dtype as dt
from .._ops._dispatch import apply
from .._ops._util import host_checkable, np_dtype, wrap_dim
from .._ops.random import _gen
from .._tensor import Tensor
from ..autograd import grad_mode


def _ntuple(value, n: int) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),) * n


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
    return apply(_linear, input, weight, bias, name="AddmmBackward0" if bias is not None else "MmBackward0")


def _bilinear(x1, x2, w, b):
    y = jnp.einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_o = x1^T W_o x2 + b_o``: (*, in1), (*, in2), (out, in1, in2) -> (*, out)."""
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


def _check_conv_input(input: Tensor, weight: Tensor, n: int, groups: int, transposed: bool) -> bool:
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
        batched = _check_conv_input(input, weight, n, groups, False)
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
        batched = _check_conv_input(input, weight, n, groups, True)
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
    flat = x.reshape(lead + (-1,))
    flat = jnp.concatenate([flat, jnp.full(lead + (1,), fill, x.dtype)], axis=-1)
    return flat[..., table]


def _max_windows(x, *, table, out_shape, n):
    lowest = -jnp.inf if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).min
    table = table.array
    win = _gather_windows(x, table, lowest, n)
    nan_first = jnp.where(jnp.isnan(win), jnp.inf, win) if jnp.issubdtype(x.dtype, jnp.floating) else win
    arg = jnp.argmax(nan_first, axis=-1)
    values = jnp.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
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
                                                             ("out_shape", out_shape), ("n", n)),
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
max_pool1d_with_indices = max_pool1d
max_pool2d_with_indices = max_pool2d
max_pool3d_with_indices = max_pool3d


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


def _lp_finish(avg, *, p, scale):
    return jnp.power(jnp.sign(avg) * jnp.where(jnp.abs(avg) > 0, jnp.abs(avg), 0) * scale, 1.0 / p)


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


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def _prelu(x, w):
    shape = (1, -1) + (1,) * (x.ndim - 2) if x.ndim >= 2 and w.size > 1 else ()
    return jnp.where(x > 0, x, (w.reshape(shape) if shape else w.reshape(())) * x)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else weight * x, with one weight per channel (dim 1) or a single shared one."""
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
def _batch_norm_train(x, w, b, *, eps):
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(axes)
    var = x.var(axes)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) * lax.rsqrt(var.reshape(shape) + eps)
    y = _affine(y, w, b, shape)
    n = x.size // x.shape[1]
    return y, lax.stop_gradient(mean), lax.stop_gradient(var * n / max(n - 1, 1))


def _affine(y, w, b, shape):
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def _batch_norm_eval(x, mean, var, w, b, *, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) * lax.rsqrt(var.reshape(shape) + eps)
    return _affine(y, w, b, shape)


def _update_running(running: Tensor | None, batch: Tensor, momentum: float) -> None:
    if running is not None:
        with grad_mode.no_grad():
            running.copy_(running * (1 - momentum) + batch.detach() * momentum)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, *) over all dims but C; in training also update the running statistics."""
    if training:
        size = input.numel() // input.shape[1]
        if size == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")
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
    axes = tuple(range(2, x.ndim))
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    y = (x - mean) * lax.rsqrt(var + eps)
    n = int(np.prod([x.shape[a] for a in axes]))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (_affine(y, w, b, shape), lax.stop_gradient(mean.mean(0).reshape(-1)),
            lax.stop_gradient((var * n / max(n - 1, 1)).mean(0).reshape(-1)))


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


def _layer_norm(x, w, b, *, n, eps):
    axes = tuple(range(x.ndim - n, x.ndim))
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    y = (x - mean) * lax.rsqrt(var + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
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
    return apply(_layer_norm, input, weight, bias, static=(("n", len(shape)), ("eps", float(eps))),
                 name="NativeLayerNormBackward0")


def _rms_norm(x, w, *, n, eps):
    axes = tuple(range(x.ndim - n, x.ndim))
    y = x * lax.rsqrt(jnp.mean(x * x, axis=axes, keepdims=True) + (jnp.finfo(x.dtype).eps if eps is None else eps))
    return y if w is None else y * w


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing dims, times weight."""
    shape = _check_normalized_shape(input, normalized_shape)
    return apply(_rms_norm, input, weight, static=(("n", len(shape)), ("eps", None if eps is None else float(eps))))


def _group_norm(x, w, b, *, groups, eps):
    n, c = x.shape[:2]
    g = x.reshape((n, groups, -1))
    mean = g.mean(-1, keepdims=True)
    var = g.var(-1, keepdims=True)
    y = ((g - mean) * lax.rsqrt(var + eps)).reshape(x.shape)
    return _affine(y, w, b, (1, -1) + (1,) * (x.ndim - 2))


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
    keep = jax.random.bernoulli(key, 1.0 - p, mask_shape)
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA_DROPOUT ** 2 * p + 1) * (1 - p))
        b = (keep.astype(x.dtype) - 1) * _ALPHA_DROPOUT * a + _ALPHA_DROPOUT * a * p
        return x * (keep.astype(x.dtype) * a) + b
    if p == 1.0:
        return x * jnp.zeros(mask_shape, x.dtype)
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
    """A loss ``f(input, target, ..., reduction='mean')`` from the elementwise JAX function ``fn(x, y, **params)``."""
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
        return apply(impl, input, target, static=(("reduction", reduction),) + tuple(
            (k, float(v)) for k, v in values.items()), name=node)
    loss.__name__ = loss.__qualname__ = name
    loss.__doc__ = f"{name}(input, target): elementwise loss, then ``reduction`` ('none' | 'mean' | 'sum')."
    return loss


def _mse(x, y):
    return (x - y) ** 2


def _l1(x, y):
    d = x - y
    return d * jnp.sign(d)  # gradient sign(d): 0 where x == y


def _smooth_l1(x, y, *, beta=1.0):
    d = jnp.abs(x - y)
    if beta == 0:
        return d
    return jnp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def _huber(x, y, *, delta=1.0):
    d = jnp.abs(x - y)
    return jnp.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


def _soft_margin(x, y):
    return jnp.log1p(jnp.exp(-y * x))


mse_loss = _elementwise_loss("mse_loss", _mse, "MseLossBackward0")
l1_loss = _elementwise_loss("l1_loss", _l1)
smooth_l1_loss = _elementwise_loss("smooth_l1_loss", _smooth_l1, "SmoothL1LossBackward0")
huber_loss = _elementwise_loss("huber_loss", _huber, "HuberLossBackward0")
soft_margin_loss = _elementwise_loss("soft_margin_loss", _soft_margin, "SoftMarginLossBackward0")


def _nll(logp, target, w, *, ignore_index, reduction):
    """logp (N, C, *) or (C,), target (N, *) or (): the picked -w[t] * logp[t], masked where ignored."""
    if logp.ndim == 1:
        logp, target = logp[None], target[None]
    valid = target != ignore_index
    safe = jnp.where(valid, target, 0)
    picked = jnp.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    weights = (jnp.ones((), logp.dtype) if w is None else w[safe]) * valid.astype(logp.dtype)
    loss = -picked * weights
    if reduction == "mean":
        return loss.sum() / weights.sum()
    return loss.sum() if reduction == "sum" else loss


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
    if reduction == "mean":
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
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    return apply(_gaussian_nll, input, target, var, static=(("full", bool(full)), ("eps", float(eps)),
                                                            ("reduction", reduction)))


def _margin_ranking(x1, x2, y, *, margin, reduction):
    return _reduce(jnp.maximum(-y * (x1 - x2) + margin, 0), reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin)."""
    reduction = _reduction(reduction, size_average, reduce)
    return apply(_margin_ranking, input1, input2, target, static=(("margin", float(margin)),
                                                                  ("reduction", reduction)))


def _hinge_embedding(x, y, *, margin, reduction):
    loss = jnp.where(y != -1, x, 0) + jnp.where(y != 1, jnp.maximum(margin - x, 0), 0)
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y == 1, max(0, margin - x) where y == -1."""
    reduction = _reduction(reduction, size_average, reduce)
    return apply(_hinge_embedding, input, target, static=(("margin", float(margin)), ("reduction", reduction)))


def _multilabel_soft_margin(x, y, w, *, reduction):
    loss = -(y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    return _reduce(loss.mean(-1), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """Mean over classes of the logistic loss of each label."""
    reduction = _reduction(reduction, size_average, reduce)
    return apply(_multilabel_soft_margin, input, target, weight, static=(("reduction", reduction),))


def _cosine_embedding(x1, x2, y, *, margin, reduction):
    eps = 1e-12
    cos = (x1 * x2).sum(-1) / jnp.sqrt(((x1 * x1).sum(-1) + eps) * ((x2 * x2).sum(-1) + eps))
    loss = jnp.where(y == 1, 1 - cos, 0) + jnp.where(y == -1, jnp.maximum(cos - margin, 0), 0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1."""
    reduction = _reduction(reduction, size_average, reduce)
    return apply(_cosine_embedding, input1, input2, target, static=(("margin", float(margin)),
                                                                    ("reduction", reduction)))


def _multi_margin(x, y, w, *, p, margin, reduction):
    if x.ndim == 1:
        x, y = x[None], y[None]
    picked = jnp.take_along_axis(x, y[:, None], axis=1)
    z = jnp.maximum(margin - picked + x, 0) ** p
    if w is not None:
        z = z * w[y][:, None]
    z = jnp.where(jnp.arange(x.shape[1])[None] == y[:, None], 0, z)
    return _reduce(z.sum(1) / x.shape[1], reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over wrong classes of max(0, margin - x[y] + x[i])^p / C."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    return apply(_multi_margin, input, target, weight, static=(("p", int(p)), ("margin", float(margin)),
                                                               ("reduction", reduction)))


def _triplet(a, pos, neg, *, margin, p, eps, swap, reduction):
    def dist(u, v):
        return jnp.sum(jnp.abs(u - v + eps) ** p, axis=-1) ** (1.0 / p)
    d_pos, d_neg = dist(a, pos), dist(a, neg)
    if swap:
        d_neg = jnp.minimum(d_neg, dist(pos, neg))
    return _reduce(jnp.maximum(margin + d_pos - d_neg, 0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with p-norm distances."""
    reduction = _reduction(reduction, size_average, reduce)
    return apply(_triplet, anchor, positive, negative, static=(("margin", float(margin)), ("p", float(p)),
                                                               ("eps", float(eps)), ("swap", bool(swap)),
                                                               ("reduction", reduction)))


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


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _pad(x, *, pads, mode, value):
    if mode == "constant":
        return lax.pad(x, jnp.asarray(value, x.dtype), [(lo, hi, 0) for lo, hi in pads])
    return jnp.pad(x, pads, mode=_PAD_MODES[mode])


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
    n1 = jnp.sqrt((x1 * x1).sum(dim, keepdims=True))
    n2 = jnp.sqrt((x2 * x2).sum(dim, keepdims=True))
    return ((x1 / jnp.maximum(n1, eps)) * (x2 / jnp.maximum(n2, eps))).sum(dim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along ``dim`` (broadcasting)."""
    ndim = max(x1.ndim, x2.ndim)
    return apply(_cosine_similarity, x1, x2, static=(("dim", wrap_dim(dim, ndim)), ("eps", float(eps))))


def _pairwise_distance(x1, x2, *, p, eps, keepdim):
    d = jnp.abs(x1 - x2 + eps)
    axis = -1 if max(x1.ndim, x2.ndim) else None
    if p == math.inf:
        return d.max(axis, keepdims=keepdim)
    if p == 0:
        return (d != 0).astype(d.dtype).sum(axis, keepdims=keepdim)
    return (d ** p).sum(axis, keepdims=keepdim) ** (1.0 / p)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    return apply(_pairwise_distance, x1, x2, static=(("p", float(p)), ("eps", float(eps)), ("keepdim", bool(keepdim))))


def _interp_nearest(x, *, out_shape, exact):
    n = len(out_shape)
    for i, o in enumerate(out_shape):
        size = x.shape[x.ndim - n + i]
        scale = size / o
        src = (jnp.floor((jnp.arange(o) + 0.5) * scale) if exact else jnp.floor(jnp.arange(o) * scale))
        x = jnp.take(x, jnp.minimum(src.astype(jnp.int32), size - 1), axis=x.ndim - n + i)
    return x


def _interp_linear(x, *, out_shape, align_corners, scales):
    n = len(out_shape)
    for i, o in enumerate(out_shape):
        axis = x.ndim - n + i
        size = x.shape[axis]
        if align_corners:
            src = jnp.arange(o) * ((size - 1) / (o - 1) if o > 1 else 0.0)
        else:
            scale = 1.0 / scales[i] if scales[i] else size / o
            src = jnp.maximum((jnp.arange(o) + 0.5) * scale - 0.5, 0)
        lo = jnp.minimum(jnp.floor(src).astype(jnp.int32), size - 1)
        hi = jnp.minimum(lo + 1, size - 1)
        frac = (src - lo).astype(x.dtype)
        shape = [1] * x.ndim
        shape[axis] = o
        frac = frac.reshape(shape)
        x = jnp.take(x, lo, axis=axis) * (1 - frac) + jnp.take(x, hi, axis=axis) * frac
    return x


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, *) by ``size`` or ``scale_factor`` (nearest, (bi/tri)linear)."""
    n = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    linear_modes = {"linear": 1, "bilinear": 2, "trilinear": 3}
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                         "bicubic | trilinear")
    if size is not None:
        out = _ntuple(size, n)
        scales = (None,) * n
    else:
        factors = tuple(float(f) for f in (scale_factor if isinstance(scale_factor, (list, tuple))
                                           else (scale_factor,) * n))
        out = tuple(int(math.floor(s * f)) for s, f in zip(input.shape[2:], factors))
        scales = (None,) * n if recompute_scale_factor else factors
    if mode in ("nearest", "nearest-exact"):
        return apply(_interp_nearest, input, static=(("out_shape", out), ("exact", mode == "nearest-exact")))
    if mode == "area":
        return _adaptive_nd(n, "avg")(input, out)
    if mode in linear_modes:
        if linear_modes[mode] != n:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {linear_modes[mode] + 2}D input")
        return apply(_interp_linear, input, static=(("out_shape", out), ("align_corners", bool(align_corners)),
                                                    ("scales", scales)))
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
                              f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact "
                              f"(got {mode})")


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    return interpolate(input, size, scale_factor, mode, align_corners)
