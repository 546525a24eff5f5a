"""The deprecated per-device spellings ``torch.cpu.amp`` and ``torch.cuda.amp`` of autocast and GradScaler."""
from __future__ import annotations

import warnings

from .autocast_mode import autocast as _autocast
from .grad_scaler import GradScaler as _GradScaler


def device_spellings(device: str, default_dtype) -> tuple[type, type]:
    """``(autocast, GradScaler)`` fixed to ``device``: ``torch.<device>.amp.autocast(enabled, dtype,
    cache_enabled)`` and ``torch.<device>.amp.GradScaler(init_scale, ...)``, each warning that it is deprecated."""

    def deprecated(name: str) -> None:
        warnings.warn(f"`torch.{device}.amp.{name}(args...)` is deprecated. Please use "
                      f"`torch.amp.{name}('{device}', args...)` instead.", FutureWarning, stacklevel=3)

    class autocast(_autocast):
        __doc__ = f"``torch.amp.autocast({device!r}, ...)`` (deprecated spelling, warns)."

        def __init__(self, enabled: bool = True, dtype=default_dtype, cache_enabled: bool = True):
            deprecated("autocast")
            super().__init__(device, enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)

    class GradScaler(_GradScaler):
        __doc__ = f"``torch.amp.GradScaler({device!r}, ...)`` (deprecated spelling, warns)."

        def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                     growth_interval: int = 2000, enabled: bool = True) -> None:
            deprecated("GradScaler")
            super().__init__(device, init_scale=init_scale, growth_factor=growth_factor,
                             backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)

    for cls in (autocast, GradScaler):
        cls.__module__ = f"jtorch.{device}.amp"
        cls.__qualname__ = cls.__name__
    return autocast, GradScaler
