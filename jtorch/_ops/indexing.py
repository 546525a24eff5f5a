"""Indexing: ``t[key]`` and ``t[key] = value`` with ints, slices, None, Ellipsis, bool masks and integer
tensors/lists, with numpy's (and PyTorch's) rules. Basic keys give views that write through."""
from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as dt
from .._tensor import VIEW_WRITERS, Tensor, _host
from ._dispatch import apply
from ._registry import register
from .shape import make_view


def _key_from_spec(spec: tuple, arrays: tuple) -> tuple:
    key, it = [], iter(arrays)
    for entry in spec:
        kind = entry[0]
        if kind == "i":
            key.append(entry[1])
        elif kind == "s":
            key.append(slice(entry[1], entry[2], entry[3]))
        elif kind == "n":
            key.append(None)
        elif kind == "e":
            key.append(Ellipsis)
        else:
            key.append(next(it))
    return tuple(key)


def _basic_index(a, *, spec):
    return a[_key_from_spec(spec, ())]


def _advanced_index(a, *index_arrays, spec):
    return a[_key_from_spec(spec, index_arrays)]


def _index_put(a, value, *index_arrays, spec, accumulate):
    key = _key_from_spec(spec, index_arrays)
    value = jnp.asarray(value).astype(a.dtype)
    return a.at[key].add(value) if accumulate else a.at[key].set(value)


VIEW_WRITERS[_basic_index] = lambda base, value, *, spec: base.at[_key_from_spec(spec, ())].set(value)


def _slice_bound(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return int(v.item())
    return int(v.__index__())


def _index_array(k) -> "jax.Array":
    if isinstance(k, Tensor):
        return k._value
    arr = np.asarray(k)
    if arr.dtype == object:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.size == 0:
        arr = arr.astype(np.int64)
    return jnp.asarray(arr)


def parse_key(self: Tensor, key) -> tuple:
    """``(spec, index_arrays)``: a hashable description of ``key`` and its integer index arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    spec, arrays = [], []
    dim = 0
    consumed = sum(_dims_consumed(k) for k in key)
    ndim = self.ndim
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    shape = self.shape
    for k in key:
        if k is None:
            spec.append(("n",))
        elif k is Ellipsis:
            spec.append(("e",))
            dim += ndim - consumed
        elif isinstance(k, slice):
            step = _slice_bound(k.step)
            if step is not None and step <= 0:
                raise ValueError("step must be greater than zero")
            spec.append(("s", _slice_bound(k.start), _slice_bound(k.stop), step))
            dim += 1
        elif isinstance(k, (bool, np.bool_)):
            spec.append(("a",))
            arrays.append(jnp.asarray(bool(k)))
        elif isinstance(k, (numbers.Integral, np.integer)):
            i = int(k)
            size = shape[dim]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            spec.append(("i", i))
            dim += 1
        else:
            arr = _index_array(k)
            if arr.dtype == jnp.bool_ or arr.dtype == jnp.uint8:
                masks = _mask_to_indices(arr, shape[dim:dim + arr.ndim], dim)
                for m in masks:
                    spec.append(("a",))
                    arrays.append(m)
                dim += arr.ndim
            elif jnp.issubdtype(arr.dtype, jnp.integer):
                _check_index_bounds(arr, shape[dim], dim)
                spec.append(("a",))
                arrays.append(arr)
                dim += 1
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return tuple(spec), tuple(arrays)


def _dims_consumed(k) -> int:
    if k is None or k is Ellipsis or isinstance(k, (bool, np.bool_)):
        return 0
    if isinstance(k, (Tensor, np.ndarray)) and (k.dtype in (dt.bool, dt.uint8) or k.dtype in (np.bool_, np.uint8)):
        return k.ndim
    return 1


def _mask_to_indices(mask, dims_shape, start_dim: int) -> tuple:
    if tuple(mask.shape) != tuple(dims_shape):
        for i, (m, s) in enumerate(zip(mask.shape, dims_shape)):
            if m != s:
                raise IndexError(f"The shape of the mask {list(mask.shape)} at index {i} does not match the shape "
                                 f"of the indexed tensor {list(dims_shape)} at index {start_dim + i}")
    host = _host(mask)
    return tuple(jnp.asarray(ix) for ix in np.nonzero(np.asarray(host)))


def _check_index_bounds(arr, size: int, dim: int) -> None:
    if isinstance(arr, jax.core.Tracer) or arr.size == 0:
        return
    lo, hi = int(arr.min()), int(arr.max())
    if lo < -size or hi >= size:
        bad = hi if hi >= size else lo
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def getitem(self: Tensor, key) -> Tensor:
    spec, arrays = parse_key(self, key)
    if not arrays:
        return make_view(self, _basic_index, (("spec", spec),), _basic_name(spec))
    return apply(_advanced_index, self, *arrays, static=(("spec", spec),), saves=False, name="IndexBackward0")


def _basic_name(spec) -> str:
    kinds = {e[0] for e in spec}
    if kinds <= {"s", "e"}:
        return "SliceBackward0"
    if kinds <= {"i", "e"} or kinds <= {"i", "s", "e"}:
        return "SelectBackward0"
    return "UnsqueezeBackward0" if kinds <= {"n", "e"} else "AsStridedBackward0"


def setitem(self: Tensor, key, value) -> None:
    spec, arrays = parse_key(self, key)
    if isinstance(value, (list, tuple, np.ndarray)):
        from .creation import tensor
        value = tensor(value, dtype=self.dtype)
    result = apply(_index_put, self, value, *arrays, static=(("spec", spec), ("accumulate", False)),
                   saves=False, name="IndexPutBackward0")
    self._commit_inplace(result)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


def _index_put_op(self, indices, values, accumulate: bool = False) -> Tensor:
    """``self`` with ``values`` written (or added, with ``accumulate``) at the integer ``indices``."""
    spec, arrays = parse_key(self, tuple(indices))
    return apply(_index_put, self, values, *arrays, static=(("spec", spec), ("accumulate", bool(accumulate))),
                 saves=False, name="IndexPutBackward0")


index_put = register(_index_put_op, name="index_put", inplace=True)
