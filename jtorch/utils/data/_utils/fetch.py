"""Fetchers: turn one index (or list of indices) from the sampler into a collated batch."""
from __future__ import annotations

from typing import Callable


class MapFetcher:
    """Batches of a map-style dataset: one ``__getitems__`` call when the dataset has it."""

    def __init__(self, dataset, auto_collation: bool, collate_fn: Callable, drop_last: bool):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        getitems = getattr(dataset, "__getitems__", None)
        self.getitems = getitems if callable(getitems) else None

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.getitems is not None:
            return self.collate_fn(self.getitems(index))
        return self.collate_fn([self.dataset[i] for i in index])


class IterFetcher:
    """Batches of ``len(index)`` consecutive items of an IterableDataset; StopIteration when it is exhausted."""

    def __init__(self, dataset, auto_collation: bool, collate_fn: Callable, drop_last: bool):
        self.iterator = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


class FetcherFactory:
    """A picklable recipe for a fetcher (workers build theirs, again at each persistent-worker epoch)."""

    def __init__(self, iterable: bool, dataset, auto_collation: bool, collate_fn: Callable, drop_last: bool):
        self.kind = IterFetcher if iterable else MapFetcher
        self.args = (dataset, auto_collation, collate_fn, drop_last)

    def __call__(self):
        return self.kind(*self.args)
