"""torch.svd_lowrank and torch.pca_lowrank: randomized low-rank SVD (Halko, Martinsson and Tropp, 2009)."""
from __future__ import annotations

from . import _dtype as dt
from . import linalg
from ._tensor import Tensor


def _floating_dtype(A: Tensor) -> dt.dtype:
    """``A``'s dtype when float16/32/64 or complex, else float32 (the sketch's dtype)."""
    return A.dtype if A.dtype in (dt.float16, dt.float32, dt.float64) or A.dtype.is_complex else dt.float32


def get_approximate_basis(A: Tensor, q: int, niter: int | None = 2, M: Tensor | None = None) -> Tensor:
    """``(*, m, q)`` Q with orthonormal columns such that ``Q Qᴴ (A - M)`` approximates ``A - M`` (``M`` is
    subtracted without forming ``A - M``): a Gaussian sketch refined by ``niter`` power iterations."""
    from ._ops.random import randn
    niter = 2 if niter is None else niter
    sketch = randn(A.shape[-1], q, dtype=_floating_dtype(A))

    def times(X: Tensor, adjoint: bool = False) -> Tensor:
        out = (A.mH if adjoint else A) @ X
        return out if M is None else out - (M.mH if adjoint else M) @ X

    Q = linalg.qr(times(sketch)).Q
    for _ in range(niter):
        Q = linalg.qr(times(Q, adjoint=True)).Q
        Q = linalg.qr(times(Q)).Q
    return Q


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None):
    """``(U, S, V)`` of rank ``q`` approximating the SVD of ``A - M`` for ``(*, m, n)``: U ``(*, m, q)``,
    S ``(*, q)``, V ``(*, n, q)``. Random: reseed (``manual_seed``) for repeatable results."""
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.expand(A.shape)
    if m < n:
        A = A.mH
        M = None if M is None else M.mH
    Q = get_approximate_basis(A, q, niter=niter, M=M)
    B = Q.mH @ A
    if M is not None:
        B = B - Q.mH @ M
    U, S, Vh = linalg.svd(B, full_matrices=False)
    U, V = Q @ U, Vh.mH
    return (V, S, U) if m < n else (U, S, V)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2):
    """``svd_lowrank`` of ``A`` ``(*, m, n)`` with its column means subtracted (unless not ``center``);
    ``q`` defaults to ``min(6, m, n)``."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(dim=(-2,), keepdim=True)
    return svd_lowrank(A, q, niter=niter)
