"""torch.*_window: the classic spectral windows (periodic by default), built on ``torch.signal.windows``.

float16 and bfloat16 windows are computed in float32 and rounded once, so they may differ from PyTorch's
(computed step by step at half precision) by a unit in the last place.
"""
from __future__ import annotations

from .. import _dtype as dt
from ..signal import windows as _w
from .._tensor import Tensor
from ._registry import register


def _window(name: str, make, window_length: int, periodic: bool, dtype, layout, device, requires_grad: bool,
            **params) -> Tensor:
    if not isinstance(window_length, int) or isinstance(window_length, bool):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, "
                        f"not {type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    if layout is not None and layout != "torch.strided":
        raise RuntimeError(f"{name} is not implemented for sparse types, got: {layout}")
    dtype = dtype or dt.get_default_dtype()
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    compute = dtype if dtype in (dt.float32, dt.float64) else dt.float32
    out = make(window_length, sym=not periodic, dtype=compute, device=device, **params)
    return out.to(dtype).requires_grad_(requires_grad)


@register(method=False)
def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """``0.5 - 0.5 cos(2 pi n / N)``, N = window_length if periodic else window_length - 1; shape
    ``(window_length,)``."""
    return _window("hann_window", _w.hann, window_length, periodic, dtype, layout, device, requires_grad)


@register(method=False)
def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, pin_memory: bool = False,
                   requires_grad: bool = False) -> Tensor:
    """``alpha - beta cos(2 pi n / N)``; shape ``(window_length,)``."""
    return _window("hamming_window", _w.general_cosine, window_length, periodic, dtype, layout, device,
                   requires_grad, a=[alpha, beta])


@register(method=False)
def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """``0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)``; shape ``(window_length,)``."""
    return _window("blackman_window", _w.blackman, window_length, periodic, dtype, layout, device, requires_grad)


@register(method=False)
def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """The triangular window ``1 - |2n / N - 1|``; shape ``(window_length,)``."""
    return _window("bartlett_window", _w.bartlett, window_length, periodic, dtype, layout, device, requires_grad)


@register(method=False)
def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """``I0(beta sqrt(1 - (2n / N - 1)**2)) / I0(beta)``; shape ``(window_length,)``."""
    return _window("kaiser_window", _w.kaiser, window_length, periodic, dtype, layout, device, requires_grad,
                   beta=beta)
