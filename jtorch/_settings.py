"""Process-wide switches of the torch namespace: thread counts, float32 matmul precision, determinism,
warning frequency.

XLA sizes and manages its own thread pools, so the thread counts are recorded and reported back but do not
change how many threads XLA uses. The matmul precision is forwarded to JAX's ``jax_default_matmul_precision``,
whose three levels mean the same as PyTorch's (full float32; TF32 or 3-pass bfloat16; bfloat16), but which
also governs convolutions (PyTorch leaves those to ``torch.backends.cudnn.allow_tf32``). Until it is set, the
precision reported is what JAX's default gives float32 matmuls on the default backend: "highest" on CPU,
"high" (TF32) on NVIDIA GPUs, "medium" (bfloat16) on TPUs, where PyTorch would report "highest".
"""
from __future__ import annotations

import os
import warnings

import jax

_num_threads = os.cpu_count() or 1
_num_interop_threads = os.cpu_count() or 1
_matmul_precision: str | None = None
_deterministic = False
_deterministic_warn_only = False
_warn_always = False

_JAX_PRECISION = {"highest": "highest", "high": "high", "medium": "default"}


def _check_positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RuntimeError(f"{name} expects an int, but got {type(value).__name__}")
    if value <= 0:
        raise RuntimeError(f"{name} expects a positive integer")


def _check_bool(fn: str, arg: str, value, position: str = "") -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{fn}(): argument '{arg}'{position} must be bool, not {type(value).__name__}")


def set_num_threads(int: int) -> None:
    """Record the intra-op thread count (XLA keeps its own thread pool)."""
    global _num_threads
    _check_positive_int("set_num_threads", int)
    _num_threads = int


def get_num_threads() -> int:
    """The intra-op thread count last set (the CPU count by default)."""
    return _num_threads


def set_num_interop_threads(int: int) -> None:
    """Record the inter-op thread count (XLA keeps its own thread pool)."""
    global _num_interop_threads
    _check_positive_int("set_num_interop_threads", int)
    _num_interop_threads = int


def get_num_interop_threads() -> int:
    return _num_interop_threads


def set_float32_matmul_precision(precision: str) -> None:
    """``"highest"`` (float32), ``"high"`` (TF32 or 3-pass bfloat16) or ``"medium"`` (bfloat16) for float32
    matmuls and convolutions; any other string warns and changes nothing."""
    global _matmul_precision
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in _JAX_PRECISION:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.")
        return
    jax.config.update("jax_default_matmul_precision", _JAX_PRECISION[precision])
    _matmul_precision = precision


def get_float32_matmul_precision() -> str:
    if _matmul_precision is None:
        return {"gpu": "high", "tpu": "medium"}.get(jax.default_backend(), "highest")
    return _matmul_precision


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the determinism request. It switches nothing: XLA's CPU kernels are deterministic, but on GPU
    floating-point scatter-adds are only deterministic with ``XLA_FLAGS=--xla_gpu_deterministic_ops=true``
    set before JAX starts."""
    global _deterministic, _deterministic_warn_only
    _check_bool("_set_deterministic_algorithms", "mode", mode, " (position 1)")
    _check_bool("_set_deterministic_algorithms", "warn_only", warn_only)
    _deterministic, _deterministic_warn_only = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic_warn_only


def set_warn_always(b: bool, /) -> None:
    """Whether warnings PyTorch gives once per process are given on every call."""
    global _warn_always
    if not isinstance(b, bool):
        raise RuntimeError(f"setWarnOnlyOnce expects a bool, but got {type(b).__name__}")
    _warn_always = b


def is_warn_always_enabled() -> bool:
    return _warn_always
