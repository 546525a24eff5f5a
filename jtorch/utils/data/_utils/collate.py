"""Collation: a list of samples -> one batch (numpy arrays gathered first, one Tensor per leaf)."""
from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any

import numpy as np

from ...._tensor import Tensor
from ...._ops.creation import _to_device_array

_STR_OR_OBJECT = re.compile(r"[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def to_tensor(array: np.ndarray) -> Tensor:
    """A Tensor holding ``array`` (same dtype and shape)."""
    return Tensor._make(_to_device_array(np.asarray(array), None))


def _rebuild(data, items, tuple_to_list: bool = True):
    """A container of ``data``'s kind holding ``items`` (PyTorch's rules: plain tuples become lists)."""
    kind = type(data)
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return kind(*items)
    if isinstance(data, tuple):
        return list(items) if tuple_to_list else tuple(items)
    try:
        if isinstance(data, collections.abc.MutableSequence):
            clone = copy.copy(data)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return kind(list(items))
    except TypeError:
        return list(items)


def _rebuild_mapping(data, items: dict):
    try:
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update(items)
            return clone
        return type(data)(items)
    except TypeError:
        return items


def default_convert(data: Any) -> Any:
    """Numpy arrays (not of str/object dtype) and numpy scalars inside ``data`` become Tensors; no batching.

    Tuples become lists, other containers keep their type.
    """
    return _convert(data, True)


def numpy_to_tensors(data: Any) -> Any:
    """``default_convert`` keeping every container as it is: turns a numpy batch into the Tensor batch."""
    return _convert(data, False)


def _convert(data, tuple_to_list: bool):
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _STR_OR_OBJECT.search(data.dtype.str) else to_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return to_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {k: _convert(data[k], tuple_to_list) for k in data})
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild(data, [_convert(d, tuple_to_list) for d in data], tuple_to_list)
    return data


# ------------------------------------------------------------------ leaf collators: each returns a numpy batch
def _stack_tensors(batch, *, collate_fn_map=None):
    return np.stack([np.asarray(t) for t in batch])


def _stack_arrays(batch, *, collate_fn_map=None):
    if _STR_OR_OBJECT.search(batch[0].dtype.str):
        raise TypeError(_ERR.format(batch[0].dtype))
    return np.stack(batch)


def _numpy_scalars(batch, *, collate_fn_map=None):
    return np.asarray(batch)


def _floats(batch, *, collate_fn_map=None):
    return np.asarray(batch, dtype=np.float64)


def _ints(batch, *, collate_fn_map=None):
    return np.asarray(batch, dtype=bool if all(isinstance(b, bool) for b in batch) else np.int64)


def _strings(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict = {
    Tensor: _stack_tensors,
    np.ndarray: _stack_arrays,
    (np.bool_, np.number, np.object_): _numpy_scalars,
    float: _floats,
    int: _ints,
    str: _strings,
    bytes: _strings,
}


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate ``batch`` (a list of samples) by structure, leaves handled by ``collate_fn_map[type]``.

    Mappings collate per key, namedtuples per field, tuples give lists, other sequences keep their type.
    """
    from ..dataset import GatheredRows
    if isinstance(batch, GatheredRows) and collate_fn_map is default_collate_fn_map:
        return list(batch.columns)
    elem = batch[0]
    if collate_fn_map is not None:
        if type(elem) in collate_fn_map:
            return collate_fn_map[type(elem)](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                                       for k in elem})
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return _rebuild(elem, [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)])
    raise TypeError(_ERR.format(type(elem)))


def collate_numpy(batch):
    """``default_collate`` up to the numpy batch (what a worker process sends back)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_collate(batch):
    """Stack a list of samples into a batch: arrays/Tensors/numbers -> Tensors ``(B, *)``; strings -> lists.

    Nested mappings, namedtuples and sequences are collated field by field (tuples give lists).
    """
    return numpy_to_tensors(collate_numpy(batch))
