"""torch.accelerator: the device-neutral view of the current accelerator (JAX's GPU, when there is one)."""
from __future__ import annotations

from . import _device as _dev
from . import cuda as _cuda

__all__ = ["current_accelerator", "current_device_index", "device_count", "device_index", "empty_cache",
           "is_available", "set_device_index", "synchronize"]


def is_available() -> bool:
    """Whether an accelerator (a GPU that JAX can use) is present; the CPU does not count."""
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> _dev.device | None:
    """``device('cuda')`` when a GPU is present, else None."""
    return _dev.device("cuda") if is_available() else None


def device_count() -> int:
    """Number of accelerator devices (0 on a CPU-only machine)."""
    return _cuda.device_count() if is_available() else 0


def _require() -> None:
    if not is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index() -> int:
    _require()
    return _cuda.current_device()


def set_device_index(device, /) -> None:
    """Make ``device`` (an index, a name or a torch.device) the current accelerator device."""
    _require()
    _cuda.set_device(device)


def synchronize(device=None, /) -> None:
    _require()
    _cuda.synchronize(device)


def empty_cache() -> None:
    """Nothing to free: JAX's allocator manages device memory."""


class device_index:
    """Context manager that makes ``device`` the current accelerator index inside the block (None: no change)."""

    def __init__(self, device: int | None, /) -> None:
        self.index, self.previous = device, None

    def __enter__(self) -> None:
        if self.index is not None:
            self.previous = current_device_index()
            set_device_index(self.index)

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            set_device_index(self.previous)
