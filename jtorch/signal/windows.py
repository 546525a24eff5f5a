"""torch.signal.windows: SciPy-style window functions, each a 1-D tensor of length ``M``.

``sym=True`` (default) gives a symmetric window for filter design; ``sym=False`` a periodic one for spectral
analysis. Only float32 and float64 windows exist.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from .. import _dtype as dt
from .._ops import creation, pointwise
from .._tensor import Tensor

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _checked_dtype(name: str, M: int, dtype, layout) -> dt.dtype:
    """The window's dtype (the default dtype when None), after PyTorch's argument checks."""
    dtype = dtype or dt.get_default_dtype()
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and layout != "torch.strided":
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (dt.float32, dt.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return dtype


def _grid(start, end, M: int, dtype, device, requires_grad: bool) -> Tensor:
    return creation.linspace(start, end, M, dtype=dtype, device=device, requires_grad=requires_grad)


def _trivial(M: int, dtype, device, requires_grad: bool, *, one: bool = True) -> Tensor | None:
    """The window of length 0 (empty) or, with ``one``, of length 1 (a single 1); None for longer windows."""
    if M == 0:
        return creation.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1 and one:
        return creation.ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    return None


def exponential(M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True, dtype=None,
                layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """``exp(-|n - center| / tau)`` (center defaults to the middle); shape ``(M,)``."""
    dtype = _checked_dtype("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    trivial = _trivial(M, dtype, device, requires_grad, one=False)
    if trivial is not None:
        return trivial
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    k = _grid(-center / tau, (-center + (M - 1)) / tau, M, dtype, device, requires_grad)
    return k.abs().neg().exp()


def cosine(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """``sin(pi (n + 0.5) / M)``; shape ``(M,)``."""
    dtype = _checked_dtype("cosine", M, dtype, layout)
    trivial = _trivial(M, dtype, device, requires_grad, one=False)
    if trivial is not None:
        return trivial
    constant = math.pi / (M + 1 if not sym and M > 1 else M)
    return _grid(0.5 * constant, (0.5 + (M - 1)) * constant, M, dtype, device, requires_grad).sin()


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``exp(-(n / (2 std))**2)`` centred on the window; shape ``(M,)``."""
    dtype = _checked_dtype("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    trivial = _trivial(M, dtype, device, requires_grad, one=False)
    if trivial is not None:
        return trivial
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    constant = 1 / (std * math.sqrt(2))
    k = _grid(start * constant, (start + (M - 1)) * constant, M, dtype, device, requires_grad)
    return pointwise.pow(k, 2).neg().exp()


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """``I0(beta sqrt(1 - ((n - N/2) / (N/2))**2)) / I0(beta)``; shape ``(M,)``."""
    dtype = _checked_dtype("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    b = creation.tensor(beta, dtype=dtype)
    start = b.neg()
    constant = pointwise.div(pointwise.mul(b, 2.0), M if not sym else M - 1)
    end = pointwise.minimum(b, pointwise.add(start, pointwise.mul(constant, M - 1)))
    k = _grid(start, end, M, dtype, device, requires_grad)
    inner = pointwise.sub(pointwise.mul(b, b), pointwise.pow(k, 2)).sqrt()
    return pointwise.div(inner.i0(), b.i0())


def general_cosine(M: int, *, a: Iterable, sym: bool = True, dtype=None, layout=None, device=None,
                   requires_grad: bool = False) -> Tensor:
    """``sum_i (-1)**i a[i] cos(2 pi i n / (M - 1))``; shape ``(M,)``."""
    dtype = _checked_dtype("general_cosine", M, dtype, layout)
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    constant = 2 * math.pi / (M if not sym else M - 1)
    k = _grid(0, (M - 1) * constant, M, dtype, device, requires_grad)
    a_i = creation.tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, device=device,
                          requires_grad=requires_grad)
    i = creation.arange(a_i.shape[0], dtype=dtype, device=device, requires_grad=requires_grad)
    return pointwise.mul(a_i.unsqueeze(-1), pointwise.mul(i.unsqueeze(-1), k).cos()).sum(0)


def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True, dtype=None, layout=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """``alpha - (1 - alpha) cos(2 pi n / (M - 1))``; shape ``(M,)``."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hamming(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The Hamming window, ``general_hamming`` with ``alpha=0.54``; shape ``(M,)``."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The Hann window, ``general_hamming`` with ``alpha=0.5``; shape ``(M,)``."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The Blackman window, ``general_cosine`` with ``a=[0.42, 0.5, 0.08]``; shape ``(M,)``."""
    dtype = _checked_dtype("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def bartlett(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The triangular window ``1 - |2n / (M - 1) - 1|``; shape ``(M,)``."""
    dtype = _checked_dtype("bartlett", M, dtype, layout)
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    constant = 2 / (M if not sym else M - 1)
    k = _grid(-1, -1 + (M - 1) * constant, M, dtype, device, requires_grad)
    return pointwise.rsub(k.abs(), 1)


def nuttall(M: int, *, sym: bool = True, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """Nuttall's minimum 4-term Blackman-Harris window; shape ``(M,)``."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)
