"""torch.fft: discrete Fourier transforms over chosen dims, with ``norm`` in 'backward', 'ortho', 'forward'."""
from __future__ import annotations

import jax.numpy as jnp

from . import _dtype as dt
from ._ops._dispatch import apply
from ._ops._util import static, write_out, wrap_dim
from ._tensor import Tensor, scalar_type_name

_NORMS = ("backward", "ortho", "forward")
_SWAPPED = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _complex_of(d: dt.dtype) -> dt.dtype:
    if d.is_complex:
        return d
    if d is dt.float64:
        return dt.complex128
    if d is dt.float16:
        return dt.complex32
    return dt.complex64


def _real_of(d: dt.dtype) -> dt.dtype:
    return {dt.complex64: dt.float32, dt.complex128: dt.float64, dt.complex32: dt.float16}.get(
        d, d if d.is_floating_point else dt.get_default_dtype())


def _transform(x, *, kind, s, axes, norm, dtype):
    x = x.astype(dtype)
    if kind == "c2c":
        return jnp.fft.fftn(x, s, axes, norm=norm)
    if kind == "ic2c":
        return jnp.fft.ifftn(x, s, axes, norm=norm)
    if kind == "r2c":
        return jnp.fft.rfftn(x, s, axes, norm=norm)
    if kind == "c2r":
        return jnp.fft.irfftn(x, s, axes, norm=norm)
    if kind == "h2r":  # Hermitian input, real output: an inverse real transform of the conjugate
        return jnp.fft.irfftn(jnp.conj(x), s, axes, norm=_SWAPPED[norm])
    return jnp.conj(jnp.fft.rfftn(x, s, axes, norm=_SWAPPED[norm]))  # "r2h"


# kind -> (input must be real, input dtype is complex, backward node name)
_KINDS = {"c2c": (False, True, "FftC2CBackward0"), "ic2c": (False, True, "FftC2CBackward0"),
          "r2c": (True, False, "FftR2CBackward0"), "c2r": (False, True, "FftC2RBackward0"),
          "h2r": (False, True, "FftC2RBackward0"), "r2h": (True, False, "FftR2CBackward0")}


def _resolve(x: Tensor, s, dim, default_dims):
    """Output sizes and dims as PyTorch resolves them (``s`` pairs with the last ``len(s)`` dims)."""
    if isinstance(s, int):
        s = (s,)
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None:
        dim = default_dims if default_dims is not None else (
            tuple(range(x.ndim)) if s is None else tuple(range(x.ndim - len(s), x.ndim)))
    dims = tuple(wrap_dim(d, x.ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    if s is not None:
        if len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        s = tuple(x.shape[d] if n == -1 else int(n) for n, d in zip(s, dims))
        for n in s:
            if n < 1:
                raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return s, dims


def _fft(name: str, kind: str, default_dims, one_dim: bool):
    """``torch.fft.<name>``: the 1-D form takes ``(n, dim)``, the others ``(s, dim)``."""
    real_only, _, node = _KINDS[kind]

    def op(input, s=None, dim=None, norm=None, *, out=None):
        if norm is None:
            norm = "backward"
        if norm not in _NORMS:
            raise RuntimeError(f'Invalid normalization mode: "{norm}"')
        if real_only and input.dtype.is_complex:
            raise RuntimeError(f"{name} expects a real input tensor, but got {scalar_type_name(input.dtype)}")
        if input.dtype is dt.bool or input.dtype._kind in "iu":
            input = input.to(dt.get_default_dtype())
        sizes, dims = _resolve(input, s, dim, default_dims)
        if not dims:
            raise RuntimeError(f"{name} must transform at least one axis")
        if kind in ("c2r", "h2r"):
            last = sizes[-1] if sizes is not None else 2 * (input.shape[dims[-1]] - 1)
            if last < 1:
                raise RuntimeError(f"Invalid number of data points ({last}) specified")
            sizes = (tuple(input.shape[d] for d in dims[:-1]) if sizes is None else sizes[:-1]) + (last,)
        compute = _real_of(input.dtype) if real_only else _complex_of(input.dtype)
        return write_out(apply(_transform, input, static=static(kind=kind, s=sizes, axes=dims, norm=norm,
                                                                  dtype=compute), name=node), out)

    if one_dim:
        def op1(input, n=None, dim=-1, norm=None, *, out=None):
            return op(input, None if n is None else (n,), (dim,), norm, out=out)
        public, where = op1, "along ``dim`` (``n`` points)"
    else:
        public, where = op, "over ``dim`` (sizes ``s``)"
    public.__name__ = public.__qualname__ = name
    public.__doc__ = f"The {name} transform of ``input`` {where}; ``norm`` scales the forward or inverse direction."
    return public


fft = _fft("fft", "c2c", None, True)
ifft = _fft("ifft", "ic2c", None, True)
rfft = _fft("rfft", "r2c", None, True)
irfft = _fft("irfft", "c2r", None, True)
hfft = _fft("hfft", "h2r", None, True)
ihfft = _fft("ihfft", "r2h", None, True)
fft2 = _fft("fft2", "c2c", (-2, -1), False)
ifft2 = _fft("ifft2", "ic2c", (-2, -1), False)
rfft2 = _fft("rfft2", "r2c", (-2, -1), False)
irfft2 = _fft("irfft2", "c2r", (-2, -1), False)
hfft2 = _fft("hfft2", "h2r", (-2, -1), False)
ihfft2 = _fft("ihfft2", "r2h", (-2, -1), False)
fftn = _fft("fftn", "c2c", None, False)
ifftn = _fft("ifftn", "ic2c", None, False)
rfftn = _fft("rfftn", "r2c", None, False)
irfftn = _fft("irfftn", "c2r", None, False)
hfftn = _fft("hfftn", "h2r", None, False)
ihfftn = _fft("ihfftn", "r2h", None, False)


def _frequencies(n: int, d: float, *, onesided: bool, dtype, requires_grad: bool) -> Tensor:
    from ._ops.creation import arange
    if onesided:
        k = arange(n // 2 + 1, dtype=dt.int64)
    else:
        k = arange(n, dtype=dt.int64)
        k = k - (k >= (n + 1) // 2).to(dt.int64) * n
    return (k.to(dtype or dt.get_default_dtype()) / (n * d)).requires_grad_(requires_grad)


def fftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Sample frequencies ``[0, 1, ..., -1] / (n * d)`` of an ``n``-point transform."""
    return write_out(_frequencies(n, d, onesided=False, dtype=dtype, requires_grad=requires_grad), out)


def rfftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """Non-negative sample frequencies ``[0, ..., n // 2] / (n * d)`` of an ``n``-point real transform."""
    return write_out(_frequencies(n, d, onesided=True, dtype=dtype, requires_grad=requires_grad), out)


def _shift(input: Tensor, dim, inverse: bool) -> Tensor:
    from ._ops.shape import roll
    dims = tuple(range(input.ndim)) if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    shifts = tuple(-(input.shape[d] // 2) if inverse else input.shape[d] // 2 for d in dims)
    return roll(input, shifts, dims)


def fftshift(input: Tensor, dim=None) -> Tensor:
    """Roll the zero frequency to the centre of ``dim`` (all dims when None)."""
    return _shift(input, dim, False)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of ``fftshift``."""
    return _shift(input, dim, True)



# autocast: the ops of this namespace that PyTorch lists follow its casting policy
from .amp import autocast_mode as _autocast_mode  # noqa: E402

_autocast_mode.mark_namespace(globals(), "fft_")
