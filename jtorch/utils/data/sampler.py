"""Samplers: iterables over dataset indices (or, for BatchSampler, over lists of indices)."""
from __future__ import annotations

from typing import Generic, Iterable, Iterator, Sequence, Sized, TypeVar

import numpy as np

from ..._ops import random as _random
from ..._ops.creation import from_numpy

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def draw_seed(generator=None) -> int:
    """A 64-bit seed drawn from ``generator`` (jtorch's default generator when None); advances its stream."""
    key = np.asarray(_random._gen(generator).next_key()).astype(np.uint32)
    return int.from_bytes(key.tobytes(), "little")


def numpy_rng(generator=None) -> np.random.Generator:
    """A fast numpy generator seeded from ``generator`` (so ``jtorch.manual_seed`` makes it reproducible)."""
    return np.random.default_rng(draw_seed(generator))


def permutation(n: int, generator=None) -> np.ndarray:
    """A random permutation of ``range(n)`` as int64 ``(n,)``."""
    return numpy_rng(generator).permutation(n).astype(np.int64)

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class: subclasses define ``__iter__`` over indices (and ``__len__`` when they know it)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class _ArraySampler(Sampler):
    """A sampler whose epoch is one index array, so BatchSampler can slice it instead of looping."""

    def index_array(self) -> np.ndarray:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        return iter(self.index_array().tolist())


def iterates_index_array(sampler) -> bool:
    """Whether iterating ``sampler`` yields exactly its ``index_array()``: a subclass that redefines ``__iter__``
    is iterated as it says."""
    return isinstance(sampler, _ArraySampler) and type(sampler).__iter__ is _ArraySampler.__iter__


class SequentialSampler(_ArraySampler):
    """Indices ``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_ArraySampler):
    """Random indices: a fresh permutation per epoch, or ``num_samples`` draws with ``replacement``."""

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def index_array(self) -> np.ndarray:
        n, rng = len(self.data_source), numpy_rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, self.num_samples)
        rounds = [rng.permutation(n) for _ in range(-(-self.num_samples // n))]
        return np.concatenate(rounds)[:self.num_samples]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new one each epoch)."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in permutation(len(self.indices), self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_ArraySampler):
    """``num_samples`` indices into ``weights``, index i drawn with probability ``weights[i] / sum(weights)``."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = from_numpy(w)
        self._probabilities = w / w.sum()
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def index_array(self) -> np.ndarray:
        n = len(self._probabilities)
        if not self.replacement and self.num_samples > n:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        return numpy_rng(self.generator).choice(n, self.num_samples, replace=self.replacement, p=self._probabilities)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        if iterates_index_array(self.sampler):
            return (b.tolist() for b in self.index_batches())
        return self._grouped()

    def index_batches(self) -> Iterator[np.ndarray]:
        """The batches as int64 index arrays: slices of the epoch's index array of an array-backed sampler."""
        indices = self.sampler.index_array()
        bs = self.batch_size
        stop = len(indices) - len(indices) % bs if self.drop_last else len(indices)
        for start in range(0, stop, bs):
            yield indices[start:start + bs]

    def _grouped(self) -> Iterator[list[int]]:
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
