"""``OptimizedModule``: what ``jtorch.compile(module)`` returns."""
from __future__ import annotations

from ..nn.modules.module import Module
from .compiled import CompiledFunction


class OptimizedModule(Module):
    """``module`` (kept as ``_orig_mod``, so state_dict keys gain that prefix, as in PyTorch) whose calls run
    compiled. Attributes it lacks are looked up on the original module."""

    def __init__(self, mod: Module, *, fullgraph: bool = False) -> None:
        super().__init__()
        self._orig_mod = mod
        self._compiled_call = CompiledFunction(mod.__call__, fullgraph=fullgraph, modules=list(mod.modules()))

    def forward(self, *args, **kwargs):
        return self._compiled_call(*args, **kwargs)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)
