"""``jtorch.compile``: a function or Module as one XLA program (see compiled.py for how state is found)."""
from __future__ import annotations

from typing import Any, Callable

from ..nn.modules.module import Module

from .compiled import CompiledFunction, counters
from .errors import TracedValueError
from .module import OptimizedModule


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: Any = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Callable:
    """Compile ``model`` (a function or an ``nn.Module``) with JAX's ``jit``, PyTorch 2's way.

    A function may do a whole training step (``zero_grad``, forward, ``backward``, ``optimizer.step()``,
    ``scheduler.step()``) on modules and optimizers it reaches through its closure: their parameters,
    buffers, gradients and optimizer state are found while it runs and become inputs and outputs of one
    program. A Module's forward becomes one differentiable op. ``fullgraph=True`` makes a host read of a
    traced value (``.item()``, ``print(t)``, ``if t:``) an error; otherwise it warns once and the function
    runs eagerly from then on. ``dynamic``, ``backend``, ``mode`` and ``options`` are accepted and ignored:
    XLA compiles one program per input shape. Used without ``model``, returns a decorator.
    """
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model, fullgraph=fullgraph)
    if not callable(model):
        raise RuntimeError(f"compile() expects a callable or an nn.Module, got {type(model).__name__}")
    return CompiledFunction(model, fullgraph=fullgraph)


__all__ = ["compile", "CompiledFunction", "TracedValueError", "counters", "OptimizedModule"]
