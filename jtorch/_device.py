"""torch.device, and how PyTorch's device names map onto JAX devices."""
from __future__ import annotations

import functools

import jax


class device:
    """A device name in PyTorch's form: ``device('cpu')``, ``device('cuda:0')``, ``device('cuda', 1)``."""

    __slots__ = ("type", "index", "_previous")

    def __init__(self, type, index: int | None = None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type.__class__.__name__})")
        name = type
        if ":" in name:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {name}")
            name, _, idx = name.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if name not in _KNOWN_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(sorted(_KNOWN_TYPES))} device type at start of device "
                               f"string: {name}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative")
        self.type, self.index = name, index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        global _default_device
        self._previous, _default_device = _default_device, self
        return self

    def __exit__(self, *exc):
        global _default_device
        _default_device = self._previous


_KNOWN_TYPES = {"cpu", "cuda", "meta", "mps", "xla", "tpu"}


@functools.lru_cache(maxsize=None)
def _gpu_devices() -> tuple:
    try:
        return tuple(jax.local_devices(backend="gpu"))
    except RuntimeError:
        return ()


@functools.lru_cache(maxsize=None)
def _cpu_device():
    return jax.local_devices(backend="cpu")[0]


def cuda_is_available() -> bool:
    return len(_gpu_devices()) > 0


def to_jax_device(d: device):
    """The JAX device behind a torch device; PyTorch's error when it does not exist."""
    if d.type == "cpu":
        return _cpu_device()
    if d.type == "cuda":
        gpus = _gpu_devices()
        if not gpus:
            raise AssertionError("Torch not compiled with CUDA enabled")
        idx = 0 if d.index is None else d.index
        if idx >= len(gpus):
            raise RuntimeError(f"CUDA error: invalid device ordinal (device {idx} of {len(gpus)})")
        return gpus[idx]
    raise RuntimeError(f"jtorch supports the 'cpu' and 'cuda' devices, not '{d.type}'")


def from_jax_device(jd) -> device:
    if jd.platform == "cpu":
        return device("cpu")
    return device("cuda", _gpu_devices().index(jd))


_default_device = device("cpu")


def get_default_device() -> device:
    """The device new tensors are created on (``cpu`` unless changed)."""
    return _default_device


def set_default_device(d) -> None:
    """Set the device that factory functions create tensors on."""
    global _default_device
    _default_device = device("cpu") if d is None else device(d)
