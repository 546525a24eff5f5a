"""The worker process loop and ``get_worker_info``; workers run numpy only, never JAX."""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

_POLL_S = 0.5
_worker_info: "WorkerInfo | None" = None


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker process knows about itself: ``id`` in ``[0, num_workers)``, its ``seed`` and ``dataset`` copy."""
    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> WorkerInfo | None:
    """This worker's WorkerInfo inside a DataLoader worker process; None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process as its type and traceback text."""

    def __init__(self, where: str):
        self.exc_type = sys.exc_info()[0]
        self.message = f"Caught {self.exc_type.__name__} {where}.\nOriginal {traceback.format_exc()}"

    def reraise(self):
        """Raise it again (as RuntimeError when its type cannot be built from a message)."""
        msg = self.message
        if self.exc_type is KeyError:
            msg = KeyError(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


@dataclass(frozen=True)
class IterationEnd:
    """Sent once by a worker whose IterableDataset copy is exhausted."""
    worker_id: int


@dataclass(frozen=True)
class Resume:
    """Sent to persistent workers at a new epoch: restart the dataset iterator."""
    epoch: int


def _no_jax_here(tensor):
    raise RuntimeError("DataLoader worker processes are forked and cannot run JAX: have the dataset, collate_fn "
                       "and worker_init_fn work on numpy arrays (default_collate turns them into Tensors in the "
                       "main process), or pass multiprocessing_context='spawn'.")


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)


def worker_loop(make_fetcher, dataset, index_queue, data_queue, base_seed: int, init_fn, worker_id: int,
                num_workers: int, parent_pid: int, guard_jax: bool) -> None:
    """Serve ``(epoch, idx, index)`` tasks from ``index_queue`` until ``None``; put ``(epoch, idx, data)`` back."""
    global _worker_info
    if guard_jax:
        from .... import _tensor
        _tensor._read_hook = _no_jax_here
    seed = base_seed + worker_id
    _seed_everything(seed)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    init_error = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher()
    except Exception:
        init_error = ExceptionWrapper(f"in DataLoader worker process {worker_id}")
    ended = False
    while True:
        try:
            task = index_queue.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent_pid:
                break
            continue
        if task is None:
            break
        if isinstance(task, Resume):
            ended = False
            if init_error is None:
                fetcher = make_fetcher()
            continue
        epoch, idx, index = task
        if ended:
            continue
        if init_error is not None:
            data = init_error
        else:
            try:
                data = fetcher.fetch(index)
            except StopIteration:
                data, ended = IterationEnd(worker_id), True
            except Exception:
                data = ExceptionWrapper(f"in DataLoader worker process {worker_id}")
        data_queue.put((epoch, idx, data))
        del data
    data_queue.close()
    data_queue.join_thread()
