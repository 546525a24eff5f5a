"""torch.autocast: regions where listed ops run in a lower precision (matmuls, convolutions) or in float32
(losses, reductions that need range), per device, as PyTorch's autocast does.

Each op is marked once, by name, in the per-device tables below; :func:`mark` wraps the public function of an
op that has a policy (the op registry and the functional namespaces call it). Inside an enabled region the
wrapper casts the op's floating-point tensor arguments with the differentiable ``Tensor.to``, so gradients
reach float32 parameters in float32. float64 tensors, in-place forms, ``out=`` calls and calls with an
explicit ``dtype=`` are left alone, as in PyTorch.
"""
from __future__ import annotations

import functools
import threading
import warnings

from .. import _device as _dev
from .. import _dtype as dt

# -------------------------------------------------------------------- policies (PyTorch's op lists)
# multi_head_attention_forward is one fused op here; PyTorch's is built of listed ones (linear, bmm/sdpa) and so
# computes in the lower precision too.
_LOWER, _FP32, _PROMOTE, _BANNED = "lower", "fp32", "promote", "banned"

_CPU = {
    _LOWER: ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "convolution",
             "bmm", "mm", "linalg_vecdot", "baddbmm", "addmm", "addbmm", "linear", "matmul", "prelu",
             "scaled_dot_product_attention", "einsum", "tensordot", "chain_matmul", "linalg_multi_dot", "linalg_matmul",
             "multi_head_attention_forward"),
    _FP32: ("avg_pool3d", "binary_cross_entropy", "grid_sample", "grid_sampler", "polar", "prod", "quantile",
            "nanquantile", "stft", "cdist", "trace", "view_as_complex", "cholesky", "cholesky_inverse",
            "cholesky_solve", "inverse", "lu_solve", "orgqr", "ormqr", "pinverse", "max_pool3d", "max_unpool2d",
            "max_unpool3d", "adaptive_avg_pool3d", "mse_loss", "cosine_embedding_loss", "nll_loss",
            "hinge_embedding_loss", "poisson_nll_loss", "smooth_l1_loss", "cross_entropy", "l1_loss", "huber_loss",
            "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss", "ctc_loss",
            "kl_div", "multilabel_margin_loss", "binary_cross_entropy_with_logits",
            "fft_fft", "fft_ifft", "fft_fft2", "fft_ifft2", "fft_fftn", "fft_ifftn", "fft_rfft", "fft_irfft",
            "fft_rfft2", "fft_irfft2", "fft_rfftn", "fft_irfftn", "fft_hfft", "fft_ihfft",
            "linalg_cond", "linalg_matrix_rank", "linalg_solve", "linalg_cholesky", "linalg_svdvals",
            "linalg_eigvals", "linalg_eigvalsh", "linalg_inv", "linalg_householder_product", "linalg_tensorinv",
            "linalg_tensorsolve", "geqrf", "qr", "svd", "triangular_solve", "fractional_max_pool2d",
            "fractional_max_pool3d", "adaptive_max_pool3d", "linalg_qr", "linalg_cholesky_ex", "linalg_svd",
            "linalg_eig", "linalg_eigh", "linalg_lstsq", "linalg_inv_ex"),
    _PROMOTE: ("stack", "cat", "index_copy"),
}
_CUDA = {
    _LOWER: ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "convolution",
             "prelu", "addmm", "addmv", "addr", "matmul", "einsum", "mm", "mv", "linalg_vecdot", "linear", "addbmm",
             "baddbmm", "bmm", "chain_matmul", "linalg_multi_dot", "linalg_matmul", "lstm_cell", "gru_cell", "rnn_tanh_cell",
             "rnn_relu_cell", "scaled_dot_product_attention", "multi_head_attention_forward"),
    _FP32: ("acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p", "reciprocal", "rsqrt",
            "sinh", "tan", "pow", "softplus", "layer_norm", "group_norm", "norm", "nuclear_norm", "cosine_similarity",
            "poisson_nll_loss", "cosine_embedding_loss", "nll_loss", "hinge_embedding_loss", "kl_div", "l1_loss",
            "smooth_l1_loss", "huber_loss", "mse_loss", "margin_ranking_loss", "multilabel_margin_loss",
            "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss", "binary_cross_entropy_with_logits",
            "dist", "pdist", "cdist", "renorm", "logsumexp", "prod", "softmax", "log_softmax", "softmin", "cumprod",
            "cumsum", "linalg_vector_norm", "linalg_matrix_norm", "sum", "cross_entropy", "normalize"),
    _PROMOTE: ("addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "vdot", "grid_sample", "grid_sampler",
               "index_put", "tensordot", "scatter_add"),
    _BANNED: ("binary_cross_entropy",),
}
_POLICIES = {device: {name: kind for kind, names in table.items() for name in names}
             for device, table in (("cpu", _CPU), ("cuda", _CUDA))}
_MARKED = frozenset(name for table in _POLICIES.values() for name in table)

_BANNED_MESSAGE = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
    "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast.")


# -------------------------------------------------------------------- state (per thread, like PyTorch's)
class _AutocastState(threading.local):
    def __init__(self):
        self.enabled = {"cpu": False, "cuda": False}
        self.dtype = {"cpu": dt.bfloat16, "cuda": dt.float16}
        self.cache_enabled = True
        self.nesting = 0


_state = _AutocastState()


def _device_type(device_type: str) -> str:
    return _dev.device(device_type).type  # PyTorch's error for an unknown device type


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can cast for ``device_type`` ('cpu' and 'cuda' here)."""
    return _device_type(device_type) in _POLICIES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether an enabled autocast region is active for ``device_type`` (no argument: 'cuda')."""
    return _state.enabled.get(_device_type(device_type or "cuda"), False)


def set_autocast_enabled(*args) -> None:
    """``set_autocast_enabled(device_type, enabled)``; the one-argument form sets 'cuda'."""
    device_type, enabled = args if len(args) == 2 else ("cuda", *args)
    device_type = _device_type(device_type)
    if device_type in _POLICIES:
        _state.enabled[device_type] = bool(enabled)


def get_autocast_dtype(device_type: str) -> dt.dtype:
    """The dtype autocast casts to on ``device_type`` (cpu: bfloat16, cuda: float16 unless set)."""
    return _state.dtype.get(_device_type(device_type), dt.bfloat16)


def set_autocast_dtype(device_type: str, dtype: dt.dtype) -> None:
    device_type = _device_type(device_type)
    if device_type in _POLICIES:
        _state.dtype[device_type] = dtype


def is_autocast_cache_enabled() -> bool:
    return _state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    _state.cache_enabled = bool(enabled)


def autocast_increment_nesting() -> int:
    _state.nesting += 1
    return _state.nesting


def autocast_decrement_nesting() -> int:
    _state.nesting -= 1
    return _state.nesting


def clear_autocast_cache() -> None:
    """Nothing to clear: casts are not cached across ops (caching changes no value)."""


def state_key() -> tuple:
    """The autocast state that decides what a traced program computes (part of compiled-cache keys)."""
    return tuple((d, _state.dtype[d]) for d, on in _state.enabled.items() if on)


# -------------------------------------------------------------------- the region
class autocast:
    """``with torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``, or as a decorator.

    Inside, the listed ops on ``device_type`` tensors run in ``dtype`` (default: bfloat16 on cpu, float16 on
    cuda) or in float32; ``enabled=False`` turns it off within an enclosing region.
    """

    def __init__(self, device_type: str, dtype: dt.dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled:
            if device_type == "cuda":
                if not _dev.cuda_is_available():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                                  stacklevel=2)
                    enabled = False
            elif self.fast_dtype not in (dt.bfloat16, dt.float16):
                name = device_type.upper()
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                              f"{name} Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                              stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = is_autocast_cache_enabled()
        self.prev = is_autocast_enabled(self.device)
        self.prev_fastdtype = get_autocast_dtype(self.device)
        set_autocast_enabled(self.device, self._enabled)
        set_autocast_dtype(self.device, self.fast_dtype)
        autocast_increment_nesting()
        set_autocast_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> bool:
        autocast_decrement_nesting()
        set_autocast_enabled(self.device, self.prev)
        set_autocast_dtype(self.device, self.prev_fastdtype)
        set_autocast_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got {type(func).__name__}. Did you mean to "
                            "use autocast as a context manager? For example:\n    with torch.autocast(device_type="
                            "...):\n        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


# -------------------------------------------------------------------- casting
def _array_device_type(array) -> str:
    """'cpu' or 'cuda' for a concrete array; a traced one runs on JAX's default backend."""
    try:
        platform = next(iter(array.devices())).platform
    except Exception:  # a tracer has no concrete device
        import jax
        platform = jax.default_backend()
    return "cpu" if platform == "cpu" else "cuda"


def _eligible(value, device_type: str) -> bool:
    from .._tensor import Tensor
    return (isinstance(value, Tensor) and value.dtype in (dt.float32, dt.float16, dt.bfloat16)
            and _array_device_type(value._value) == device_type)


def _tensors(value):
    if type(value) in (list, tuple):
        for v in value:
            yield from _tensors(v)
    else:
        yield value


def _cast(value, device_type: str, dtype):
    if type(value) in (list, tuple):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    if _eligible(value, device_type) and value.dtype is not dtype:
        return value.to(dtype)
    return value


def _policy_call(fn, name: str, args: tuple, kwargs: dict):
    for device_type, on in _state.enabled.items():
        if not on:
            continue
        kind = _POLICIES[device_type].get(name)
        if kind is None:
            continue
        if kind == _BANNED:
            raise RuntimeError(_BANNED_MESSAGE)
        if kwargs.get("out") is not None or kwargs.get("dtype") is not None:
            continue
        lower = _state.dtype[device_type]
        if kind == _LOWER:
            target = lower
        elif kind == _FP32:
            target = dt.float32
        else:
            target = lower
            for t in _tensors((args, tuple(kwargs.values()))):
                if not _eligible(t, device_type) or target is dt.float32:
                    continue
                if t.dtype is dt.float32:
                    target = dt.float32
                elif t.dtype is not lower:
                    raise RuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
        args = _cast(args, device_type, target)
        kwargs = {k: _cast(v, device_type, target) for k, v in kwargs.items()}
    return fn(*args, **kwargs)


def mark(fn, name: str):
    """``fn`` (the public function of op ``name``) made to follow autocast's policy for ``name``; unchanged when
    no device lists the op."""
    if name not in _MARKED or getattr(fn, "_autocast_op", None) is not None:
        return fn

    @functools.wraps(fn)
    def autocast_op(*args, **kwargs):
        if True in _state.enabled.values():
            return _policy_call(fn, name, args, kwargs)
        return fn(*args, **kwargs)
    autocast_op._autocast_op = name
    return autocast_op


def mark_namespace(namespace: dict, prefix: str = "") -> None:
    """Apply :func:`mark` to the public functions of a module namespace (``prefix``: 'linalg_', 'fft_')."""
    for key, value in list(namespace.items()):
        if callable(value) and not key.startswith("_") and prefix + key in _MARKED:
            namespace[key] = mark(value, prefix + key)
