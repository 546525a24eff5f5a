"""Datasets: map-style (``__getitem__``/``__len__``) and iterable-style (``__iter__``)."""
from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Generic, Iterable, Iterator, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from ..._tensor import Tensor
from ._utils import worker as _worker
from ._utils.collate import to_tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map from keys to samples: subclasses define ``__getitem__`` (and usually ``__len__``).

    A subclass may also define ``__getitems__(indices) -> list`` to fetch a whole batch at once;
    the DataLoader then calls it instead of ``__getitem__`` once per index.
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """A stream of samples: subclasses define ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy; use ``get_worker_info()`` in
    ``__iter__`` to give each worker its share.
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> "ChainDataset":
        return ChainDataset([self, other])


class GatheredRows(Sequence):
    """A batch of tuple samples held as one gathered array per field (``(B, *)`` each).

    ``default_collate`` turns it into the batch without touching the samples one by one; indexing it
    gives the samples for any other ``collate_fn``.
    """

    def __init__(self, columns: tuple):
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0])

    def __getitem__(self, i):
        return _sample(tuple(c[i] for c in self.columns))


def _sample(rows: tuple) -> tuple:
    """Rows as the samples a dataset hands out: Tensors in the main process, numpy arrays in workers."""
    if _worker.get_worker_info() is not None:
        return rows
    return tuple(r if isinstance(r, Tensor) else to_tensor(np.asarray(r)) for r in rows)


class TensorDataset(Dataset):
    """Samples are the rows ``(t0[i], t1[i], ...)`` of tensors sharing their first dimension.

    In the main process a batch (``__getitems__``) is one jitted gather of every tensor on its device;
    worker processes, which never run JAX, gather from numpy copies made here.
    """

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensors[0].shape[0] != t.shape[0] for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self._tensors = tuple(tensors)
        self._arrays = tuple(np.asarray(t) for t in tensors)

    @property
    def tensors(self) -> tuple:
        if self._tensors is None:
            self._tensors = tuple(to_tensor(a) for a in self._arrays)
        return self._tensors

    def __getitem__(self, index):
        if _worker.get_worker_info() is not None:
            return tuple(a[index] for a in self._arrays)
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices) -> GatheredRows:
        if _worker.get_worker_info() is not None:
            idx = np.asarray(indices, dtype=np.intp)
            return GatheredRows(tuple(a[idx] for a in self._arrays))
        return GatheredRows(self.gather_batches([indices])[0])

    @property
    def row_nbytes(self) -> int:
        """Bytes of one sample (one row of every tensor)."""
        return sum(a[:1].nbytes for a in self._arrays)

    def gather_batches(self, batches: list) -> list[tuple]:
        """The rows ``(t0[b], t1[b], ...)`` of each of several equal-sized index lists ``b``, gathered by one
        compiled call on the tensors' device."""
        idx = np.asarray(batches, dtype=np.intp).reshape(len(batches), -1)
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        idx = np.where(idx < 0, idx + n, idx)
        tensors = self.tensors
        if not all(isinstance(t, Tensor) for t in tensors):
            return [tuple(np.asarray(t)[i] for t in tensors) for i in idx]
        groups = _take_rows(tuple(t._value for t in tensors), idx.astype(np.int32))
        return [tuple(Tensor._make(r) for r in rows) for rows in groups]

    def __len__(self) -> int:
        return len(self._arrays[0])

    def __getstate__(self):
        return {"_arrays": self._arrays}

    def __setstate__(self, state):
        self._arrays = state["_arrays"]
        self._tensors = None


@jax.jit
def _take_rows(arrays: tuple, idx) -> tuple:
    """For each row ``k`` of the ``(K, B)`` indices, the rows ``idx[k]`` of every array: one compiled call."""
    return tuple(tuple(jnp.take(a, i, axis=0) for a in arrays) for i in idx)


class StackDataset(Dataset):
    """Samples are tuples (``StackDataset(a, b)``) or dicts (``StackDataset(x=a, y=b)``) of the datasets' samples."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = args or tuple(kwargs.values())
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args or kwargs

    def _each(self, fetch):
        if isinstance(self.datasets, dict):
            return {k: fetch(d) for k, d in self.datasets.items()}
        return tuple(fetch(d) for d in self.datasets)

    def __getitem__(self, index):
        return self._each(lambda d: d[index])

    def __getitems__(self, indices: list) -> list:
        def fetch(d):
            items = d.__getitems__(indices) if callable(getattr(d, "__getitems__", None)) else [d[i] for i in indices]
            if len(items) != len(indices):
                raise ValueError(f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)}")
            return items
        fields = self._each(fetch)
        if isinstance(fields, dict):
            return [{k: v[i] for k, v in fields.items()} for i in range(len(indices))]
        return [tuple(f[i] for f in fields) for i in range(len(indices))]

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The datasets one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """The iterable datasets one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def _checked(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield d

    def __iter__(self):
        for d in self._checked():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._checked())


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list):
        inner = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths (or fractions summing to 1).

    Fractions give ``floor(frac * len)`` items each, the remainder dealt one by one round robin.
    """
    from .sampler import permutation
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(len(dataset) * frac))
        for i in range(len(dataset) - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
        lengths = sizes
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = permutation(sum(lengths), generator).tolist()
    ends = list(itertools.accumulate(lengths))
    return [Subset(dataset, indices[end - n:end]) for end, n in zip(ends, lengths)]
