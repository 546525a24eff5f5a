"""torch.autocast, accepted but inactive: jtorch runs every op at its inputs' precision under it.

Scripts that wrap their forward in ``torch.autocast`` run unchanged, in full precision; the first enabled
autocast region warns once so that nobody mistakes it for mixed precision. ``is_autocast_enabled`` reports
False, the truth about what runs.
"""
from __future__ import annotations

import functools
import warnings

from .. import _device as _dev

_warned = False


def is_autocast_available(device_type: str) -> bool:
    """False: jtorch has no autocast casting for any device."""
    return False


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """False: no autocast region ever casts under jtorch."""
    return False


class autocast:
    """``with torch.autocast(device_type, dtype=None, enabled=True)``: accepted, and runs at full precision."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        _dev.device(device_type)  # PyTorch's error for an unknown device type
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = enabled

    def __enter__(self):
        global _warned
        if self._enabled and not _warned:
            _warned = True
            warnings.warn("jtorch's torch.autocast does not cast: ops under it run at their inputs' precision "
                          "(full float32 here)", stacklevel=2)
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        return None

    def __call__(self, func):
        @functools.wraps(func)
        def wrapped(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return wrapped
