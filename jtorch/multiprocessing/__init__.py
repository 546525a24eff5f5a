"""torch.multiprocessing: Python's multiprocessing, plus ``spawn`` for one process per rank.

Children start fresh (the 'spawn' start method): JAX cannot be forked once it runs. In a script run with
``python -m jtorch``, the children resolve ``import torch`` to jtorch as the parent does.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.spawn as _mp_spawn
import os
import signal
import sys
import traceback
from multiprocessing import *  # noqa: F401,F403
from typing import Any, Callable

__all__ = ["spawn", "start_processes", "ProcessContext", "ProcessException", "ProcessRaisedException",
           "ProcessExitedException"]


class ProcessException(Exception):
    def __init__(self, msg: str, error_index: int, pid: int):
        super().__init__(msg)
        self.msg, self.error_index, self.pid = msg, error_index, pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A child raised; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A child exited with a non-zero code or was killed by a signal."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int, signal_name: str | None = None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn: Callable, i: int, args: tuple, error_queue) -> None:
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        error_queue.put(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The spawned processes; ``join()`` waits for them and raises when one fails (stopping the others)."""

    def __init__(self, processes: list, error_queues: list):
        self.processes = processes
        self.error_queues = error_queues
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self) -> list[int]:
        return [int(p.pid) for p in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        """True when all processes exited successfully, False while some still run (after ``timeout``)."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        failed = None
        for sentinel in ready:
            i = self.sentinels.pop(sentinel)
            self.processes[i].join()
            if self.processes[i].exitcode != 0 and failed is None:
                failed = i
        if failed is None:
            return not self.sentinels
        for p in self.processes:
            if p.is_alive():
                p.terminate()
        for p in self.processes:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join()
        proc = self.processes[failed]
        if self.error_queues[failed].empty():
            code = proc.exitcode
            if code < 0:
                name = signal.Signals(-code).name
                raise ProcessExitedException(f"process {failed} terminated with signal {name}", error_index=failed,
                                             error_pid=proc.pid, exit_code=code, signal_name=name)
            raise ProcessExitedException(f"process {failed} terminated with exit code {code}", error_index=failed,
                                         error_pid=proc.pid, exit_code=code)
        message = f"\n\n-- Process {failed} terminated with the following error:\n" + self.error_queues[failed].get()
        raise ProcessRaisedException(message, failed, proc.pid)


def start_processes(fn: Callable, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
                    start_method: str = "spawn") -> ProcessContext | None:
    """Start ``nprocs`` processes running ``fn(i, *args)``; with ``join``, wait for all of them."""
    ctx = multiprocessing.get_context(start_method)
    processes, queues = [], []
    with _children_see_jtorch_as_torch():
        for i in range(nprocs):
            queue = ctx.SimpleQueue()
            p = ctx.Process(target=_wrap, args=(fn, i, args, queue), daemon=daemon)
            p.start()
            processes.append(p)
            queues.append(queue)
    context = ProcessContext(processes, queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn: Callable, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn") -> ProcessContext | None:
    """Run ``fn(i, *args)`` for ``i`` in ``range(nprocs)``, each in a fresh process. A child's exception is
    raised in the parent as ProcessRaisedException with the child's traceback."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)


class _children_see_jtorch_as_torch:
    """While starting children from a process that aliases ``torch`` to jtorch, make them alias it too, before
    they re-import the parent's ``__main__``."""

    def __enter__(self):
        from .._runner import _TorchAliasFinder
        self.original = _mp_spawn.get_command_line
        if not any(isinstance(f, _TorchAliasFinder) for f in sys.meta_path):
            return self
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        original = self.original

        def command_line(**kwds: Any) -> list[str]:
            cmd = original(**kwds)
            if "-c" in cmd:
                i = cmd.index("-c") + 1
                cmd[i] = f"import sys; sys.path.insert(0, {root!r}); import jtorch; jtorch.install_as_torch(); {cmd[i]}"
            return cmd
        _mp_spawn.get_command_line = command_line
        return self

    def __exit__(self, *exc):
        _mp_spawn.get_command_line = self.original
