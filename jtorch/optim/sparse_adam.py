"""SparseAdam: jtorch has no sparse gradients, so the optimizer cannot be built."""
from __future__ import annotations

from typing import Iterable


class SparseAdam:
    """Adam for sparse gradients; unsupported because jtorch tensors are always dense."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        raise NotImplementedError("SparseAdam needs sparse gradients, which jtorch does not have; use Adam")
