"""DataLoader: batches from a dataset, in the main process or in worker processes (numpy only)."""
from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
import queue
import time
import warnings
from typing import Any, Callable, Iterable

from ._utils import worker as _worker
from ._utils.collate import collate_numpy, default_collate, default_convert, numpy_to_tensors
from ._utils.fetch import FetcherFactory
from .dataset import Dataset, IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, draw_seed, iterates_index_array

__all__ = ["DataLoader"]

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the 'index' of each item of an IterableDataset."""

    def __iter__(self):
        return itertools.repeat(None)


def _identity(data):
    return data


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` (``None``: single samples, no batching).

    Map-style datasets are read through ``sampler`` (sequential, or random with ``shuffle=True``) grouped
    by ``batch_sampler``; iterable datasets are read in order. With ``num_workers > 0`` the samples are
    fetched and collated in worker processes that work on numpy arrays; the main process turns the
    batches into Tensors and delivers them in order (as they come with ``in_order=False``). ``pin_memory``
    is accepted and has no effect.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but "
                                     f"got {name}={value}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._iterator = None
        self._initialized = True

    def __setattr__(self, attr: str, value) -> None:
        if self.__dict__.get("_initialized") and attr in _FROZEN:
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, value)

    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context) -> None:
        if context is not None:
            if self.num_workers <= 0:
                raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            elif not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context={context}")
        self._mp_context = context

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _fetcher_factory(self, collate_fn: Callable) -> FetcherFactory:
        return FetcherFactory(self._iterable, self.dataset, self._auto_collation, collate_fn, self.drop_last)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _MultiProcessIter(self)
        if self._iterator is None:
            self._iterator = _MultiProcessIter(self)
        else:
            self._iterator.reset()
        return self._iterator

    def __len__(self) -> int:
        if not self._iterable:
            return len(self._index_sampler)
        length = len(self.dataset)
        if self.batch_size is not None:
            length = length // self.batch_size if self.drop_last else -(-length // self.batch_size)
        return length


_GATHER_AHEAD = 32
_AHEAD_BYTES = 16 << 20


class _SingleProcessIter:
    """Batches fetched and collated in the main process.

    A TensorDataset batched by ``default_collate`` through jtorch's own BatchSampler over an index-array sampler
    (sequential, random, weighted; no user code) is read up to ``_GATHER_AHEAD`` batches (``_AHEAD_BYTES`` of
    data) at a time: one compiled gather serves them all. A batch whose tensors changed in place after that
    gather is read again, so every batch shows current data. Any other sampler is asked for one batch at a time.
    """

    def __init__(self, loader: DataLoader):
        self._loader = loader
        self._fetcher = loader._fetcher_factory(loader.collate_fn)()
        batches = loader.batch_sampler
        self._ahead = (type(loader.dataset) is TensorDataset and loader.collate_fn is default_collate
                       and type(batches) is BatchSampler and iterates_index_array(batches.sampler))
        self._indices = batches.index_batches() if self._ahead else iter(loader._index_sampler)
        self._ready: collections.deque = collections.deque()  # (indices, batch or None)
        self._source: tuple = ()

    def __iter__(self):
        return self

    def __next__(self):
        if not self._ahead:
            return self._fetcher.fetch(next(self._indices))
        if not self._ready:
            self._read_ahead()
        indices, batch = self._ready.popleft()
        if batch is None or any(t._value is not v for t, v in zip(self._loader.dataset.tensors, self._source)):
            return self._fetcher.fetch(indices)  # not gathered, or the tensors changed since: read them now
        return batch

    def _read_ahead(self) -> None:
        first = next(self._indices)
        dataset = self._loader.dataset
        ahead = max(1, min(_GATHER_AHEAD, _AHEAD_BYTES // max(1, len(first) * dataset.row_nbytes)))
        batches = [first] + list(itertools.islice(self._indices, ahead - 1))
        self._source = tuple(t._value for t in dataset.tensors)
        for _, run in itertools.groupby(batches, key=len):
            run = list(run)
            # a run shorter than a full read-ahead (an epoch's tail) is gathered batch by batch: compiling a
            # program for each tail length would cost more than the calls it saves
            for part in [run] if len(run) == ahead else [[b] for b in run]:
                try:
                    gathered = [list(rows) for rows in dataset.gather_batches(part)]  # default_collate's batches
                except IndexError:  # fetched one at a time instead, so the error comes with its own batch
                    gathered = [None] * len(part)
                self._ready.extend(zip(part, gathered))

    def __len__(self) -> int:
        return len(self._loader)


class _MultiProcessIter:
    """Batches fetched by worker processes, ``prefetch_factor`` per worker in flight, delivered in order."""

    def __init__(self, loader: DataLoader):
        self._loader = loader
        self._persistent = loader.persistent_workers
        self._num_workers = loader.num_workers
        # workers collate to numpy; the Tensors are made here
        self._finish, worker_collate = {default_collate: (numpy_to_tensors, collate_numpy),
                                        default_convert: (default_convert, _identity)}.get(
            loader.collate_fn, (_identity, loader.collate_fn))
        ctx = loader.multiprocessing_context or multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        forked = ctx.get_start_method() == "fork"
        self._data_queue = ctx.Queue()
        self._index_queues, self._workers = [], []
        base_seed = draw_seed(loader.generator) & 0x7FFF_FFFF_FFFF_0000
        make_fetcher = loader._fetcher_factory(worker_collate)
        for wid in range(self._num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            w = ctx.Process(target=_worker.worker_loop, daemon=True,
                            args=(make_fetcher, loader.dataset, index_queue, self._data_queue, base_seed,
                                  loader.worker_init_fn, wid, self._num_workers, os.getpid(), forked))
            with warnings.catch_warnings():  # the child never runs JAX, so JAX's fork warning does not apply
                warnings.filterwarnings("ignore", message="os.fork", category=RuntimeWarning)
                warnings.filterwarnings("ignore", message=".*multi-threaded.*fork", category=DeprecationWarning)
                w.start()
            self._index_queues.append(index_queue)
            self._workers.append(w)
        self._shut = False
        self._epoch = 0
        self._start_epoch()

    def _start_epoch(self) -> None:
        self._indices = iter(self._loader._index_sampler)
        self._send_idx = self._rcvd_idx = 0
        self._task_worker: dict[int, int] = {}
        self._ready: dict[int, Any] = {}
        self._active = [True] * self._num_workers
        self._cycle = itertools.cycle(range(self._num_workers))
        for _ in range(self._loader.prefetch_factor * self._num_workers):
            self._put_task()

    def reset(self) -> None:
        """Start a new epoch with the same (persistent) workers."""
        self._epoch += 1
        for q in self._index_queues:
            q.put(_worker.Resume(self._epoch))
        self._start_epoch()

    def _put_task(self) -> None:
        for _ in range(self._num_workers):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return
        try:
            index = next(self._indices)
        except StopIteration:
            return
        self._index_queues[wid].put((self._epoch, self._send_idx, index))
        self._task_worker[self._send_idx] = wid
        self._send_idx += 1

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                wid = self._task_worker.get(self._rcvd_idx)
                if wid is not None and (self._rcvd_idx in self._ready or self._active[wid]):
                    break
                self._task_worker.pop(self._rcvd_idx, None)  # delivered out of order, or its worker ran dry
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            if self._rcvd_idx in self._ready:
                return self._deliver(self._ready.pop(self._rcvd_idx))
            epoch, idx, data = self._get()
            if epoch != self._epoch:
                continue
            if isinstance(data, _worker.IterationEnd):
                self._active[data.worker_id] = False
            elif idx == self._rcvd_idx or not self._loader.in_order:
                return self._deliver(data, idx)
            else:
                self._ready[idx] = data

    def _deliver(self, data, idx: int | None = None):
        del self._task_worker[self._rcvd_idx if idx is None else idx]
        self._put_task()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return self._finish(data)

    def _get(self):
        """The next result from any worker; RuntimeError when a worker died or ``timeout`` passed."""
        timeout = self._loader.timeout
        deadline = time.monotonic() + timeout if timeout > 0 else None
        while True:
            wait = _worker._POLL_S if deadline is None else max(0.0, min(_worker._POLL_S, deadline - time.monotonic()))
            try:
                return self._data_queue.get(timeout=wait)
            except queue.Empty:
                dead = [str(w.pid) for w in self._workers if not w.is_alive()]
                if dead:
                    self._shutdown(grace=0.0)
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(dead)}) exited unexpectedly") from None
                if deadline is not None and time.monotonic() >= deadline:
                    self._shutdown(grace=0.0)
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None

    def _shutdown(self, grace: float = 2.0) -> None:
        """Stop the workers: ask them to exit, terminate those still running after ``grace`` seconds."""
        if self._shut:
            return
        self._shut = True
        for q in self._index_queues:
            q.put(None)
        deadline = time.monotonic() + grace
        for w in self._workers:
            while w.is_alive() and time.monotonic() < deadline:
                self._drain()
                w.join(0.02)
            if w.is_alive():
                w.terminate()
                w.join()
        self._data_queue.cancel_join_thread()
        self._data_queue.close()
        for q in self._index_queues:
            q.close()

    def _drain(self) -> None:
        try:
            while True:
                self._data_queue.get_nowait()
        except (queue.Empty, OSError, EOFError):
            pass

    def __del__(self):
        # the garbage collector may run this on any thread (even a queue's feeder thread): do not wait long
        if getattr(self, "_workers", None) is not None:
            self._shutdown(grace=0.25)
