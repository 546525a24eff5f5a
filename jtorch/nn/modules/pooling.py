"""Max/average/adaptive/power-average pooling layers."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ._utils import named
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "LPPool1d", "LPPool2d", "LPPool3d", "FractionalMaxPool2d", "FractionalMaxPool3d"]


def _make_max_pool(n: int):
    fn = getattr(F, f"max_pool{n}d")

    class MaxPool(Module):
        def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                     ceil_mode: bool = False) -> None:
            super().__init__()
            self.kernel_size = kernel_size
            self.stride = stride if stride is not None else kernel_size
            self.padding, self.dilation = padding, dilation
            self.return_indices, self.ceil_mode = return_indices, ceil_mode

        def forward(self, input: Tensor):
            return fn(input, self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode=self.ceil_mode,
                      return_indices=self.return_indices)

        def extra_repr(self) -> str:
            return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                    f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")
    return named(MaxPool, f"MaxPool{n}d", f"{n}-d max pooling over (N, C, *{n} dims).", __name__)


def _make_avg_pool(n: int):
    fn = getattr(F, f"avg_pool{n}d")

    class AvgPool(Module):
        def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                     count_include_pad: bool = True, divisor_override: int | None = None) -> None:
            super().__init__()
            if n == 1:
                kernel_size = F._ntuple(kernel_size, 1)
                stride = F._ntuple(stride if stride is not None else kernel_size, 1)
                padding = F._ntuple(padding, 1)
                self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
            else:
                self.kernel_size = kernel_size
                self.stride = stride if stride is not None else kernel_size
                self.padding = padding
                self.divisor_override = divisor_override
            self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

        def forward(self, input: Tensor) -> Tensor:
            return fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                      getattr(self, "divisor_override", None))

        def extra_repr(self) -> str:
            return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
    return named(AvgPool, f"AvgPool{n}d", f"{n}-d average pooling over (N, C, *{n} dims).", __name__)


def _make_adaptive(n: int, kind: str):
    fn = getattr(F, f"adaptive_{kind}_pool{n}d")

    class Adaptive(Module):
        if kind == "max":
            def __init__(self, output_size, return_indices: bool = False) -> None:
                super().__init__()
                self.output_size, self.return_indices = output_size, return_indices

            def forward(self, input: Tensor):
                return fn(input, self.output_size, self.return_indices)
        else:
            def __init__(self, output_size) -> None:
                super().__init__()
                self.output_size = output_size

            def forward(self, input: Tensor):
                return fn(input, self.output_size)

        def extra_repr(self) -> str:
            return f"output_size={self.output_size}"
    name = f"Adaptive{kind.capitalize()}Pool{n}d"
    return named(Adaptive, name, f"{n}-d adaptive {kind} pooling to a fixed output size.", __name__)


def _make_lp_pool(n: int):
    fn = getattr(F, f"lp_pool{n}d")

    class LPPool(Module):
        def __init__(self, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> None:
            super().__init__()
            self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

        def forward(self, input: Tensor) -> Tensor:
            return fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

        def extra_repr(self) -> str:
            return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                    f"ceil_mode={self.ceil_mode}")
    return named(LPPool, f"LPPool{n}d", f"{n}-d power-average pooling.", __name__)


MaxPool1d, MaxPool2d, MaxPool3d = (_make_max_pool(n) for n in (1, 2, 3))
AvgPool1d, AvgPool2d, AvgPool3d = (_make_avg_pool(n) for n in (1, 2, 3))
AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d = (_make_adaptive(n, "avg") for n in (1, 2, 3))
AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d = (_make_adaptive(n, "max") for n in (1, 2, 3))
LPPool1d, LPPool2d, LPPool3d = (_make_lp_pool(n) for n in (1, 2, 3))


def _make_fractional_max_pool(n: int):
    fn = getattr(F, f"fractional_max_pool{n}d")

    def _tuple(value):
        return tuple(value) if isinstance(value, (list, tuple)) else (value,) * n

    class FractionalMaxPool(Module):
        def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                     _random_samples: Tensor | None = None) -> None:
            super().__init__()
            name = f"FractionalMaxPool{n}d"
            self.kernel_size = _tuple(kernel_size)
            self.return_indices = return_indices
            self.register_buffer("_random_samples", _random_samples)
            self.output_size = _tuple(output_size) if output_size is not None else None
            self.output_ratio = _tuple(output_ratio) if output_ratio is not None else None
            if output_size is None and output_ratio is None:
                raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
            if output_size is not None and output_ratio is not None:
                raise ValueError("only one of output_size and output_ratio may be specified")
            if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
                raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

        def forward(self, input: Tensor):
            return fn(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                      _random_samples=self._random_samples)

    return named(FractionalMaxPool, f"FractionalMaxPool{n}d",
                 f"{n}-d fractional max pooling: (N, C, *{n} dims) -> (N, C, *output_size).", __name__)


FractionalMaxPool2d, FractionalMaxPool3d = (_make_fractional_max_pool(n) for n in (2, 3))
