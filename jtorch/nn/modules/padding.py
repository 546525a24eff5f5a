"""Padding layers: constant/zero, reflection, replication and circular, in 1, 2 and 3 dims."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ._utils import named
from .module import Module

__all__ = [f"{kind}{n}d" for kind in ("ConstantPad", "ZeroPad", "ReflectionPad", "ReplicationPad", "CircularPad")
           for n in (1, 2, 3)]


def _make(kind: str, mode: str, n: int):
    has_value = kind == "ConstantPad"

    class Pad(Module):
        def __init__(self, padding, *value) -> None:
            super().__init__()
            if len(value) != int(has_value):
                raise TypeError(f"{kind}{n}d.__init__() takes {2 + has_value} positional arguments but "
                                f"{2 + len(value)} were given")
            self.padding = tuple(padding) if isinstance(padding, (list, tuple)) else (padding,) * (2 * n)
            if has_value:
                self.value = value[0]

        def forward(self, input: Tensor) -> Tensor:
            return F.pad(input, self.padding, mode, self.value if has_value else None)

        def extra_repr(self) -> str:
            return f"padding={self.padding}, value={self.value}" if has_value else f"{self.padding}"
    return named(Pad, f"{kind}{n}d", f"Pads the last {n} dims ({mode} mode).", __name__)


def _make_zero(n: int):
    class ZeroPad(_make("ConstantPad", "constant", n)):
        def __init__(self, padding) -> None:
            super().__init__(padding, 0.0)

        def extra_repr(self) -> str:
            return f"{self.padding}"
    return named(ZeroPad, f"ZeroPad{n}d", f"Pads the last {n} dims with zeros.", __name__)


ConstantPad1d, ConstantPad2d, ConstantPad3d = (_make("ConstantPad", "constant", n) for n in (1, 2, 3))
ZeroPad1d, ZeroPad2d, ZeroPad3d = (_make_zero(n) for n in (1, 2, 3))
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = (_make("ReflectionPad", "reflect", n) for n in (1, 2, 3))
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = (_make("ReplicationPad", "replicate", n) for n in (1, 2, 3))
CircularPad1d, CircularPad2d, CircularPad3d = (_make("CircularPad", "circular", n) for n in (1, 2, 3))
