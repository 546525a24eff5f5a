"""torch.cuda: CUDA devices are JAX's GPU devices."""
from __future__ import annotations

from .. import _device as _dev


def is_available() -> bool:
    """Whether JAX has a GPU backend with at least one device."""
    return _dev.cuda_is_available()


def device_count() -> int:
    return len(_dev._gpu_devices())


def _require() -> None:
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


_current = 0


def current_device() -> int:
    _require()
    return _current


def set_device(device) -> None:
    global _current
    _require()
    index = _dev.device(device).index if not isinstance(device, int) else device
    _current = index or 0


def get_device_name(device=None) -> str:
    _require()
    index = _current if device is None else (device if isinstance(device, int) else _dev.device(device).index or 0)
    return _dev._gpu_devices()[index].device_kind


def synchronize(device=None) -> None:
    """Wait for all queued GPU work (JAX dispatches asynchronously)."""
    import jax
    _require()
    for d in _dev._gpu_devices():
        jax.device_put(0, d).block_until_ready()


def manual_seed(seed: int) -> None:
    """Seed the generator shared by every device (jtorch has one stream for CPU and GPU)."""
    from .._ops.random import manual_seed as _seed
    _seed(seed)


manual_seed_all = manual_seed


def empty_cache() -> None:
    """Nothing to free: JAX's allocator manages device memory."""
from . import amp  # noqa: E402  (torch.cuda.amp)
