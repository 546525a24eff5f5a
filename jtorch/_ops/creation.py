"""Tensor creation: torch.tensor, as_tensor, from_numpy, zeros/ones/full/empty, arange/linspace/logspace,
eye, the ``*_like`` functions and the ``Tensor.new_*`` methods."""
from __future__ import annotations

import collections
import functools
import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as _dev
from .. import _dtype as dt
from .._tensor import Size, Tensor
from ._registry import register, register_method
from ._util import write_out


@functools.lru_cache(maxsize=None)
def _default_jax_device():
    return jax.local_devices()[0]


def _jax_device(device):
    return _dev.to_jax_device(_dev.get_default_device() if device is None else _dev.device(device))


def _to_device_array(data, device):
    """Put host data (numpy) on ``device`` (the default device when None)."""
    jd = _jax_device(device)
    return jax.device_put(data, jd)


def _place(array, device):
    """Move a freshly computed array to ``device`` when it is not where JAX put it."""
    jd = _jax_device(device)
    if jd == _default_jax_device() or isinstance(array, jax.core.Tracer):
        return array
    return jax.device_put(array, jd)


def _finish(array, requires_grad: bool) -> Tensor:
    t = Tensor._make(array)
    if requires_grad:
        if not (t.dtype.is_floating_point or t.dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


# ------------------------------------------------------------------ dtype inference for Python data
def _infer_dtype(data) -> dt.dtype | None:
    """PyTorch's dtype for nested Python data: bool < int64 < default float < default complex."""
    kinds = set()
    found: list = []

    def walk(x):
        if isinstance(x, Tensor):
            found.append(x.dtype)
        elif isinstance(x, np.ndarray) or isinstance(x, (np.number, np.bool_)):
            found.append(dt.from_numpy_dtype(x.dtype))
        elif isinstance(x, jax.Array):
            found.append(dt.from_numpy_dtype(x.dtype))
        elif isinstance(x, bool):
            kinds.add("b")
        elif isinstance(x, numbers.Integral):
            kinds.add("i")
        elif isinstance(x, numbers.Real):
            kinds.add("f")
        elif isinstance(x, numbers.Complex):
            kinds.add("c")
        elif isinstance(x, _SEQUENCES):
            for item in x:
                walk(item)
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")

    walk(data)
    result = None
    for d in found:
        result = d if result is None else dt.promote_types(result, d)
    for kind, d in (("c", dt.default_complex_dtype()), ("f", dt.get_default_dtype()), ("i", dt.int64),
                    ("b", dt.bool)):
        if kind in kinds:
            if result is None or "buifc".index(result._kind) < "buifc".index(kind):
                result = d
            break
    return result


# Python containers that torch.tensor reads as nested sequences.
_SEQUENCES = (list, tuple, collections.deque)


def _nested_to_numpy(data, np_dtype):
    if isinstance(data, Tensor):
        return np.asarray(data.detach().numpy(), dtype=np_dtype)
    if isinstance(data, _SEQUENCES):
        _check_rectangular(data)
        if any(isinstance(x, (Tensor, np.ndarray) + _SEQUENCES) for x in data):
            parts = [_nested_to_numpy(x, np_dtype) for x in data]
            return np.stack(parts) if parts else np.zeros((0,), np_dtype)
    return np.asarray(data, dtype=np_dtype)


def _check_rectangular(data, dim: int = 0) -> None:
    lengths = [len(x) if isinstance(x, _SEQUENCES) else None for x in data]
    seqs = [n for n in lengths if n is not None]
    if seqs and (len(seqs) != len(lengths) or len(set(seqs)) != 1):
        first = seqs[0]
        bad = next((n for n in lengths if n != first), None)
        raise ValueError(f"expected sequence of length {first} at dim {dim + 1} (got {bad})")


def _as_numpy(data, dtype: dt.dtype | None):
    if isinstance(data, Tensor):
        src = data.detach()._value
        return src.astype(dt.to_jax_dtype(dtype)) if dtype is not None else src
    if isinstance(data, jax.Array):
        return data.astype(dt.to_jax_dtype(dtype)) if dtype is not None else data
    if isinstance(data, np.ndarray):
        if dtype is None:
            dt.from_numpy_dtype(data.dtype)  # PyTorch's error for unsupported numpy dtypes
            return data
        return data.astype(dt.to_jax_dtype(dtype))
    target = dtype if dtype is not None else _infer_dtype(data)
    if target is None:
        target = dt.get_default_dtype()
    return _nested_to_numpy(data, dt.to_jax_dtype(target))


@register(method=False)
def tensor(data, *, dtype: dt.dtype | None = None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, numpy arrays or tensors)."""
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() "
                      "or sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    array = _as_numpy(data, dtype)
    return _finish(_to_device_array(array, device), requires_grad)


@register(method=False)
def as_tensor(data, dtype: dt.dtype | None = None, device=None) -> Tensor:
    """``data`` as a tensor, without a copy when it already is one of that dtype and device."""
    if isinstance(data, Tensor):
        same_dtype = dtype is None or data.dtype is dtype
        same_device = device is None or data.device == _dev.device(device)
        if same_dtype and same_device:
            return data
        return data.to(device=device, dtype=dtype)
    return Tensor._make(_to_device_array(_as_numpy(data, dtype), device))


asarray = register(lambda obj, *, dtype=None, device=None, copy=None, requires_grad=False:
                   _finish(as_tensor(obj, dtype=dtype, device=device)._value, requires_grad),
                   name="asarray", method=False)


@register(method=False)
def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor with the data and dtype of ``ndarray``.

    Unlike PyTorch the memory is not shared: JAX arrays are immutable, so later writes to ``ndarray``
    are not seen by the tensor (and the other way round).
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dt.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(_to_device_array(ndarray, None))


# ------------------------------------------------------------------ sized factories
def _size_args(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (list, tuple, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"zeros(): argument 'size' (position 1) must be tuple of ints, but found element of "
                            f"type {type(s).__name__} at pos {len(out)}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _filled(shape: tuple, value, dtype: dt.dtype | None, device, requires_grad: bool) -> Tensor:
    dtype = dtype or dt.get_default_dtype()
    with jax.default_device(_jax_device(device)):
        array = jnp.full(shape, value, dt.to_jax_dtype(dtype))
    return _finish(array, requires_grad)


def _make_sized_factory(name: str, value):
    def factory(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
                pin_memory=False, memory_format=None, generator=None, names=None):
        if size is not None:
            if sizes:
                raise TypeError(f"{name}() got multiple values for argument 'size'")
            sizes = (size,)
        result = _filled(_size_args(sizes), value, dtype, device, requires_grad)
        return write_out(result, out)
    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = f"A tensor of the given size filled with {value} (``empty`` gives zeros)."
    return register(factory, method=False)


zeros = _make_sized_factory("zeros", 0)
ones = _make_sized_factory("ones", 1)
empty = _make_sized_factory("empty", 0)


@register(method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value's type by default."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = dt.scalar_dtype(fill_value)
    result = _filled(_size_args((size,)), fill_value, dtype, device, requires_grad)
    return write_out(result, out)


@register(method=False)
def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A 0-d tensor holding ``s`` (of the default float dtype unless ``dtype`` is given)."""
    return _filled((), _number(s), dtype, device, requires_grad)


@register(method=False)
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False) -> Tensor:
    """An uninitialised tensor of ``size`` (jtorch arrays have no strides; ``stride`` is accepted and ignored)."""
    return _filled(_size_args((size,)), 0, dtype, device, requires_grad)


@register(method=False)
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False) -> Tensor:
    """An uninitialised tensor of ``size`` (the memory order ``physical_layout`` is accepted and ignored)."""
    return _filled(_size_args((size,)), 0, dtype, device, requires_grad)


def _like_factory(name: str, value):
    def like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
        return _filled(tuple(input.shape), value, dtype or input.dtype, device or input.device, requires_grad)
    like.__name__ = like.__qualname__ = name
    like.__doc__ = f"A tensor like ``input`` (same shape, dtype and device unless given) filled with {value}."
    return register(like, method=False)


zeros_like = _like_factory("zeros_like", 0)
ones_like = _like_factory("ones_like", 1)
empty_like = _like_factory("empty_like", 0)


@register(method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """A tensor like ``input`` filled with ``fill_value``."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _filled(tuple(input.shape), fill_value, dtype or input.dtype, device or input.device, requires_grad)


def _new_factory(name: str, value):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _filled(_size_args(size), value, dtype or self.dtype, device or self.device, requires_grad)
    new.__name__ = new.__qualname__ = name
    new.__doc__ = f"A tensor of the given size, with this tensor's dtype and device, filled with {value}."
    return register_method(new)


_new_factory("new_zeros", 0)
_new_factory("new_ones", 1)
_new_factory("new_empty", 0)


@register_method
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``, with this tensor's dtype and device."""
    return _filled(_size_args((size,)), fill_value, dtype or self.dtype, device or self.device, requires_grad)


@register_method
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False) -> Tensor:
    """A copy of ``data`` as a tensor with this tensor's dtype and device unless given."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@register_method
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, layout=None,
                      pin_memory=False) -> Tensor:
    """An uninitialised tensor of ``size`` with this tensor's dtype and device (``stride`` is ignored)."""
    return _filled(_size_args((size,)), 0, dtype or self.dtype, device or self.device, requires_grad)


def _legacy_tensor_array(args: tuple, device, dtype: dt.dtype | None = None):
    """The array for the legacy constructors ``torch.Tensor(...)`` (default float dtype), ``torch.FloatTensor(...)``
    and ``t.new(...)`` (``dtype``): no arguments give an empty tensor, ints or a Size uninitialised sizes, one
    sequence its data, one tensor itself (which must have ``dtype`` when given)."""
    want = dtype or dt.get_default_dtype()
    if not args:
        return _to_device_array(np.zeros((0,), want.np_dtype), device)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
        data = args[0]
        if isinstance(data, Tensor):
            if dtype is not None and data.dtype is not dtype:
                raise TypeError(f"expected {dtype} (got {data.dtype})")
            return data._value
        if isinstance(data, numbers.Number):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        return _to_device_array(_as_numpy(data, want), device)
    return _to_device_array(np.zeros(_size_args(args), want.np_dtype), device)


@register_method
def new(self, *args, device=None) -> Tensor:
    """The legacy constructor with this tensor's dtype and device: ``new()`` is empty, ``new(2, 3)`` an
    uninitialised (2, 3) tensor, ``new([1, 2])`` a copy of the data, ``new(other)`` ``other`` itself."""
    return _finish(_legacy_tensor_array(args, device or self.device, self.dtype), False)


# ------------------------------------------------------------------ ranges
def _number(x):
    return x.item() if isinstance(x, Tensor) else x


@register(method=False)
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = dt.get_default_dtype() if is_float else dt.int64
    n = max(int(math.ceil((end - start) / step)), 0)
    if dtype.is_floating_point or dtype.is_complex:
        values = np.arange(n, dtype=np.float64) * step + start
    else:
        values = np.arange(n, dtype=np.int64) * int(step) + int(start)
    result = _finish(_to_device_array(values.astype(dt.to_jax_dtype(dtype)), device), requires_grad)
    return write_out(result, out)


@register(method=False)
def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    start, end = _number(start), _number(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or dt.get_default_dtype()
    i = np.arange(steps, dtype=np.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    half = steps // 2
    values = np.where(i < half, start + step * i, end - step * (steps - 1 - i)) if steps > 1 else \
        np.full((steps,), start, np.float64)
    if not (dtype.is_floating_point or dtype.is_complex):
        values = np.trunc(values)
    result = _finish(_to_device_array(values.astype(dt.to_jax_dtype(dtype)), device), requires_grad)
    return write_out(result, out)


@register(method=False)
def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """``steps`` values ``base ** x`` for x evenly spaced from ``start`` to ``end``."""
    exps = linspace(start, end, steps, dtype=dt.float64).numpy()
    dtype = dtype or dt.get_default_dtype()
    values = np.power(base, exps)
    result = _finish(_to_device_array(values.astype(dt.to_jax_dtype(dtype)), device), requires_grad)
    return write_out(result, out)


@register(method=False)
def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad=False, pin_memory=False) -> Tensor:
    """An ``n × m`` matrix with ones on the diagonal."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else m
    dtype = dtype or dt.get_default_dtype()
    with jax.default_device(_jax_device(device)):
        array = jnp.eye(n, m, dtype=dt.to_jax_dtype(dtype))
    result = _finish(array, requires_grad)
    return write_out(result, out)
