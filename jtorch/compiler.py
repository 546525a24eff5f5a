"""torch.compiler: controls and introspection for ``jtorch.compile``."""
from __future__ import annotations

from typing import Callable

from ._compile import capture as _capture
from ._compile.compiled import counters

__all__ = ["counters", "disable", "is_compiling", "is_dynamo_compiling", "reset"]


def is_compiling() -> bool:
    """True while a compiled function is being traced (its Python body runs once per program)."""
    return _capture.is_tracing()


is_dynamo_compiling = is_compiling


def reset() -> None:
    """Zero the counters (``traces``: programs traced, ``eager_runs``: recording runs, ``graph_breaks``:
    functions that fell back to eager). Compiled functions keep their programs."""
    for key in counters:
        counters[key] = 0


def disable(fn: Callable | None = None, recursive: bool = True):
    """Leave ``fn`` uncompiled (a decorator; with no ``fn``, returns one)."""
    if fn is None:
        return lambda f: disable(f, recursive)
    return fn
