"""jtorch: the PyTorch API running on JAX.

``import jtorch as torch``; tensors are mutable boxes around ``jax.Array``s, every op is a JAX
computation, autograd records a tape whose backward rules are JAX vjps.
"""
from __future__ import annotations

import builtins as _builtins

from . import _config  # noqa: F401  (JAX settings first)
from . import _dtype
from ._dtype import (bfloat16, bool, cdouble, cfloat, chalf, complex32, complex64, complex128, double, dtype,
                     finfo, float, float8_e4m3fn, float8_e5m2, float16, float32, float64, get_default_dtype, half,
                     iinfo, int, int8, int16, int32, int64, long, promote_types, set_default_dtype, short, uint8,
                     uint16, uint32, uint64)
from ._settings import (are_deterministic_algorithms_enabled, get_float32_matmul_precision,
                        get_num_interop_threads, get_num_threads, is_deterministic_algorithms_warn_only_enabled,
                        is_warn_always_enabled, set_float32_matmul_precision, set_num_interop_threads,
                        set_num_threads, set_warn_always, use_deterministic_algorithms)
from ._device import device, get_default_device, set_default_device
from ._tensor import Size, Tensor
from ._legacy_types import (BFloat16Tensor, BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                            HalfTensor, IntTensor, LongTensor, ShortTensor)
from . import _ops
from ._ops._registry import TORCH_FUNCTIONS as _TORCH_FUNCTIONS
from ._ops.random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                          set_rng_state)
from . import autograd
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import is_inference_mode_enabled
from . import return_types
from ._tensor_str import get_printoptions, printoptions, set_printoptions
from . import serialization
from .serialization import load, save
from ._runner import install_as_torch
from . import linalg, fft, special, nn, optim, cpu, cuda, accelerator, backends, distributed
from . import masked, signal, distributions
from . import utils
from .utils import data as _data  # noqa: F401  (torch.utils.data)
from ._compile import compile
from . import func
from .func import from_jax, vmap
from . import amp
from .amp import autocast
from .amp.autocast_mode import (autocast_decrement_nesting, autocast_increment_nesting, clear_autocast_cache,
                                get_autocast_dtype, is_autocast_cache_enabled, is_autocast_enabled,
                                set_autocast_cache_enabled, set_autocast_dtype, set_autocast_enabled)
from . import compiler
from ._lowrank import pca_lowrank, svd_lowrank

globals().update(_TORCH_FUNCTIONS)

__version__ = "0.1.0"

strided = "torch.strided"
contiguous_format = "torch.contiguous_format"
preserve_format = "torch.preserve_format"
channels_last = "torch.channels_last"


def is_tensor(obj) -> _builtins.bool:
    """Whether ``obj`` is a jtorch Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> _builtins.bool:
    return input.dtype.is_floating_point


def is_signed(input: Tensor) -> _builtins.bool:
    return input.dtype.is_signed


def typename(obj, /) -> str:
    """The legacy type string of a tensor ('torch.FloatTensor'), otherwise the object's qualified class name."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", None)
    prefix = f"{module}." if module not in ("", "builtins", "__builtin__", None) else ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or _builtins.type(obj).__name__
    return prefix + name


def is_complex(input: Tensor) -> _builtins.bool:
    return input.dtype.is_complex


def numel(input: Tensor) -> _builtins.int:
    return input.numel()


def result_type(tensor1, tensor2) -> dtype:
    """The dtype PyTorch's promotion gives an op over ``tensor1`` and ``tensor2``."""
    from ._ops._util import result_dtype
    return result_dtype(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> _builtins.bool:
    return _dtype.can_cast(from_, to)

