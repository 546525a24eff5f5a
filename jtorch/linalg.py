"""torch.linalg: linear algebra over the last two dims (matrices) or a chosen dim (vectors), batched."""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtype as dt
from . import return_types
from ._ops._dispatch import apply
from ._ops.reduction import _vector_norm
from ._ops._util import broadcast_shapes, result_dtype, static, write_out, wrap_dim
from ._tensor import Tensor, scalar_type_name
from .autograd.graph import mark_not_implemented


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular or not positive-definite matrix)."""


def _run(fn, *inputs, name=None, **kwargs):
    return apply(fn, *inputs, static=static(**kwargs), name=name)


# ---------------------------------------------------------------- checks


def _check_float(name: str, A: Tensor, arg: str = "input") -> None:
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as {arg}. Got "
                           f"{scalar_type_name(A.dtype)}")


def _check_matrix(name: str, A: Tensor, arg: str = "A") -> None:
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    _check_float(name, A)


def _check_square(name: str, A: Tensor, arg: str = "A") -> None:
    _check_matrix(name, A, arg)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _check_same_dtype(name: str, A: Tensor, B: Tensor, b_name: str = "B") -> None:
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{name}: Expected {b_name} to have the same dtype as A, but got {b_name}.dtype = "
                           f"{scalar_type_name(B.dtype)} and A.dtype = {scalar_type_name(A.dtype)}")


def _raise_info(name: str, info: np.ndarray, message, error: type = LinAlgError) -> None:
    """Raise ``error`` for the first nonzero LAPACK-style ``info`` (batched: with the batch index)."""
    flat = np.asarray(info).reshape(-1)
    bad = np.nonzero(flat)[0]
    if bad.size == 0:
        return
    where = f"(Batch element {bad[0]}): " if np.ndim(info) else ""
    raise error(f"{name}: {where}{message(int(flat[bad[0]]))}")


# ---------------------------------------------------------------- LU-based: det, inv, solve


def _lu_info(a):
    """LAPACK getrf's info: 1 + index of the first zero pivot of ``a``'s LU, else 0 (batched)."""
    if a.shape[-1] == 0:
        return jnp.zeros(a.shape[:-2], jnp.int32)
    lu, _, _ = jax.lax.linalg.lu(a)
    zero = jnp.diagonal(lu, axis1=-2, axis2=-1) == 0
    return jnp.where(jnp.any(zero, -1), jnp.argmax(zero, -1) + 1, 0).astype(jnp.int32)


def _det(a):
    if a.shape[-1] == 0:  # JAX's derivative rule indexes the (empty) LU factors
        return jnp.ones(a.shape[:-2], a.dtype)
    return jnp.linalg.det(a)


def det(A: Tensor, *, out=None) -> Tensor:
    """Determinant of ``(*, n, n)`` → ``(*)``."""
    _check_square("linalg.det", A)
    return write_out(_run(_det, A, name="LinalgDetBackward0"), out)


def _slogdet(a):
    sign, logabs = jnp.linalg.slogdet(a)
    return sign.astype(a.dtype), logabs


def slogdet(A: Tensor, *, out=None):
    """``(sign, log|det|)`` of ``(*, n, n)``."""
    _check_square("linalg.slogdet", A)
    result = return_types.linalg_slogdet(*_run(_slogdet, A, name="LinalgSlogdetBackward0"))
    return result if out is None else return_types.linalg_slogdet(*write_out(result, out))


def _inv(a):
    return jnp.linalg.inv(a)


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """``(inverse, info)`` of ``(*, n, n)``; ``info`` is nonzero where the matrix is singular."""
    _check_square("linalg.inv", A)
    info = _run(_lu_info, A.detach())
    if check_errors:
        _raise_singular("linalg.inv_ex", info)
    result = return_types.linalg_inv_ex(_run(_inv, A, name="LinalgInvExBackward0"), info)
    return result if out is None else return_types.linalg_inv_ex(*write_out(result, out))


def _raise_singular(name: str, info: Tensor) -> None:
    _raise_info(name, info.numpy(), lambda i: f"The diagonal element {i} is zero, the inversion could not be "
                                              "completed because the input matrix is singular.")


def inv(A: Tensor, *, out=None) -> Tensor:
    """Inverse of ``(*, n, n)``; raises LinAlgError on a singular matrix."""
    _check_square("linalg.inv", A)
    _raise_singular("linalg.inv", _run(_lu_info, A.detach()))
    return write_out(_run(_inv, A, name="LinalgInvExBackward0"), out)


def _solve(a, b, *, left, vector):
    if not left:
        a, b = jnp.swapaxes(a, -1, -2), jnp.swapaxes(b, -1, -2)
    if vector:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    x = jnp.linalg.solve(jnp.broadcast_to(a, batch + a.shape[-2:]), jnp.broadcast_to(b, batch + b.shape[-2:]))
    if vector:
        x = x[..., 0]
    return x if left else jnp.swapaxes(x, -1, -2)


def _solve_prepare(name: str, A: Tensor, B: Tensor, left: bool) -> bool:
    _check_square(name, A)
    _check_same_dtype(name, A, B)
    vector = B.ndim == 1 or (left and B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    k = B.shape[-1] if vector else (B.shape[-2] if left else B.shape[-1])
    if k != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{n} and "
                           f"{'x'.join(str(s) for s in B.shape[-2:])})")
    return vector


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """``(X, info)`` with ``A X = B`` (``X A = B`` when not ``left``); ``B`` may be a (batch of) vector(s)."""
    vector = _solve_prepare("linalg.solve", A, B, left)
    info = _run(_lu_info, A.detach())
    if check_errors:
        _raise_info("linalg.solve_ex", info.numpy(),
                    lambda i: "The solver failed because the input matrix is singular.")
    result = (_run(_solve, A, B, left=left, vector=vector, name="LinalgSolveExBackward0"), info)
    return write_out(result, out) if out is not None else result


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` when not ``left``) for ``A`` of shape ``(*, n, n)``."""
    vector = _solve_prepare("linalg.solve", A, B, left)
    info = _run(_lu_info, A.detach()).numpy()
    if np.any(info):
        bad = np.nonzero(info.reshape(-1))[0][0]
        where = f"(Batch element {bad}): " if info.ndim else ""
        raise LinAlgError(f"torch.linalg.solve: {where}The solver failed because the input matrix is singular.")
    return write_out(_run(_solve, A, B, left=left, vector=vector, name="LinalgSolveExBackward0"), out)


# ---------------------------------------------------------------- Cholesky


@jax.custom_vjp
def _complex_cholesky(a):
    return jnp.linalg.cholesky(a)


def _complex_cholesky_fwd(a):
    lower = jnp.linalg.cholesky(a)
    return lower, lower


def _complex_cholesky_bwd(lower, ct):
    # PyTorch's formula, L^-H (P + strict_lower(P)^H) / 2 L^-1 with P = tril(L^H gL): its gradient keeps an
    # imaginary diagonal part that JAX's (Hermitian) one drops. Cotangents arrive conjugated (see _dispatch).
    grad_l = jnp.conj(ct)
    p = jnp.tril(jnp.conj(jnp.swapaxes(lower, -1, -2)) @ grad_l)
    p = 0.5 * (p + jnp.conj(jnp.swapaxes(jnp.tril(p, -1), -1, -2)))
    p = jax.lax.linalg.triangular_solve(lower, p, left_side=True, lower=True, transpose_a=True, conjugate_a=True)
    p = jax.lax.linalg.triangular_solve(lower, p, left_side=False, lower=True)
    return (jnp.conj(p),)


_complex_cholesky.defvjp(_complex_cholesky_fwd, _complex_cholesky_bwd)


def _cholesky(a, *, upper):
    lower = _complex_cholesky(a) if jnp.iscomplexobj(a) else jnp.linalg.cholesky(a)
    return jnp.conj(jnp.swapaxes(lower, -1, -2)) if upper else lower


def _cholesky_info(A: Tensor) -> np.ndarray:
    """Order of the first leading minor that is not positive-definite, per matrix (0 when it factors)."""
    a = A.detach().numpy()
    flat = a.reshape((math.prod(a.shape[:-2]),) + a.shape[-2:])
    info = np.zeros(flat.shape[0], np.int32)
    for b, m in enumerate(flat):
        for k in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(m[:k, :k])
            except np.linalg.LinAlgError:
                info[b] = k
                break
    return info.reshape(a.shape[:-2])


def _cholesky_message(i: int) -> str:
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {i} is not positive-definite).")


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """``(L, info)``: the Cholesky factor of Hermitian positive-definite ``(*, n, n)``."""
    _check_square("linalg.cholesky", A)
    info = _cholesky_info(A)
    if check_errors:
        _raise_info("linalg.cholesky_ex", info, _cholesky_message)
    from ._ops.creation import tensor
    result = return_types.linalg_cholesky_ex(_run(_cholesky, A, upper=upper, name="LinalgCholeskyExBackward0"),
                                             tensor(info, dtype=dt.int32))
    return result if out is None else return_types.linalg_cholesky_ex(*write_out(result, out))


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """Cholesky factor ``L`` (``A = L L^H``) of Hermitian positive-definite ``(*, n, n)``."""
    _check_square("linalg.cholesky", A)
    _raise_info("linalg.cholesky", _cholesky_info(A), _cholesky_message)
    return write_out(_run(_cholesky, A, upper=upper, name="LinalgCholeskyExBackward0"), out)


# ---------------------------------------------------------------- decompositions


def _qr(a, *, mode):
    if mode == "r":
        return jnp.zeros((0,), a.dtype), jnp.linalg.qr(a, mode="r")
    return jnp.linalg.qr(a, mode=mode)


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """``(Q, R)`` of ``(*, m, n)``; ``mode`` is 'reduced', 'complete' or 'r' (then Q is empty)."""
    _check_matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    result = return_types.linalg_qr(*_run(_qr, A, mode=mode, name="LinalgQrBackward0"))
    return result if out is None else return_types.linalg_qr(*write_out(result, out))


def _hermitian(a, *, upper):
    """The Hermitian matrix read from one triangle of ``a``, with the gradient of ``(a + a^H) / 2``."""
    tri = jnp.triu(a) if upper else jnp.tril(a)
    full = tri + jnp.conj(jnp.swapaxes(jnp.triu(a, 1) if upper else jnp.tril(a, -1), -1, -2))
    full = full.at[..., jnp.arange(a.shape[-1]), jnp.arange(a.shape[-1])].set(
        jnp.real(jnp.diagonal(a, axis1=-2, axis2=-1)).astype(a.dtype))
    sym = (a + jnp.conj(jnp.swapaxes(a, -1, -2))) / 2
    return jax.lax.stop_gradient(full) + (sym - jax.lax.stop_gradient(sym))


def _eigh(a, *, upper):
    return jnp.linalg.eigh(_hermitian(a, upper=upper), symmetrize_input=False)


def _uplo(UPLO: str) -> bool:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO == "U"


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """``(eigenvalues, eigenvectors)`` of Hermitian ``(*, n, n)``, eigenvalues ascending and real."""
    _check_square("linalg.eigh", A)
    result = return_types.linalg_eigh(*_run(_eigh, A, upper=_uplo(UPLO), name="LinalgEighBackward0"))
    return result if out is None else return_types.linalg_eigh(*write_out(result, out))


def _eigvalsh(a, *, upper):
    return _eigh(a, upper=upper)[0]


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """Eigenvalues (ascending, real) of Hermitian ``(*, n, n)``."""
    _check_square("linalg.eigvalsh", A)
    return write_out(_run(_eigvalsh, A, upper=_uplo(UPLO), name="LinalgEighBackward0"), out)


@jax.custom_vjp
def _eig(a):
    return tuple(jnp.linalg.eig(a))


def _eig_fwd(a):
    w, v = jnp.linalg.eig(a)
    return (w, v), (jnp.iscomplexobj(a), w, v)


def _eig_bwd(res, cotangents):
    """PyTorch's eigenvector derivative: it assumes a loss unchanged by rescaling an eigenvector by a unit
    complex number, and so ignores the phase LAPACK chose (``gA = V⁻ᴴ (diag(gL) + (Vᴴ gV - Vᴴ V
    diag(re(Vᴴ gV))) / conj(Lⱼ - Lᵢ)) Vᴴ``). JAX's cotangents are the conjugates of torch's gradients."""
    complex_input, w, v = res
    gw, gv = (jnp.conj(c) for c in cotangents)
    vh = jnp.conj(jnp.swapaxes(v, -1, -2))
    vhgv = vh @ gv
    inner = vhgv - vh @ (v * jnp.real(jnp.diagonal(vhgv, axis1=-2, axis2=-1))[..., None, :])
    n = w.shape[-1]
    gaps = jnp.conj(w[..., None, :] - w[..., :, None]) + jnp.eye(n, dtype=w.dtype)
    inner = inner / gaps + gw[..., None, :] * jnp.eye(n, dtype=w.dtype)
    ga = jnp.conj(jnp.linalg.solve(vh, inner @ vh))
    return (ga if complex_input else jnp.real(ga)),


_eig.defvjp(_eig_fwd, _eig_bwd)


def eig(A: Tensor, *, out=None):
    """``(eigenvalues, eigenvectors)`` of ``(*, n, n)``, both complex; eigenvectors have unit norm."""
    _check_square("linalg.eig", A)
    result = return_types.linalg_eig(*_run(_eig, A, name="LinalgEigBackward0"))
    return result if out is None else return_types.linalg_eig(*write_out(result, out))


def _eigvals(a):
    return jnp.linalg.eigvals(a)


def eigvals(A: Tensor, *, out=None) -> Tensor:
    """Complex eigenvalues of ``(*, n, n)``."""
    _check_square("linalg.eigvals", A)
    return write_out(_run(_eigvals, A, name="LinalgEigBackward0"), out)


def _svd(a, *, full_matrices):
    return jnp.linalg.svd(a, full_matrices=full_matrices)


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh`` for ``(*, m, n)``; S descending."""
    _check_matrix("linalg.svd", A)
    result = return_types.linalg_svd(*_run(_svd, A, full_matrices=full_matrices, name="LinalgSvdBackward0"))
    return result if out is None else return_types.linalg_svd(*write_out(result, out))


def _svdvals(a):
    return jnp.linalg.svd(a, compute_uv=False)


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """Singular values (descending) of ``(*, m, n)``."""
    _check_matrix("linalg.svdvals", A)
    return write_out(_run(_svdvals, A, name="LinalgSvdBackward0"), out)


# ---------------------------------------------------------------- LU


def _lu_factor(a):
    lu, pivots, _ = jax.lax.linalg.lu(a)
    return lu, (pivots + 1).astype(jnp.int32)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """``(LU, pivots, info)``: packed LU factors and 1-based row swaps of ``(*, m, n)``."""
    _check_matrix("linalg.lu_factor", A)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    LU, pivots = _run(_lu_factor, A, name="LinalgLuFactorExBackward0")
    info = _run(_lu_info, A.detach()) if A.shape[-1] == A.shape[-2] else _run(_lu_info_rect, LU.detach())
    if check_errors:
        _raise_info("torch.linalg.lu_factor_ex", info.numpy(),
                    lambda i: f"U[{i},{i}] is zero and using it on lu_solve would result in a division by zero. "
                              "If you still want to perform the factorization, consider calling "
                              "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    result = (LU, pivots, info)
    return write_out(result, out) if out is not None else result


def _lu_info_rect(lu):
    zero = jnp.diagonal(lu, axis1=-2, axis2=-1) == 0
    return jnp.where(jnp.any(zero, -1), jnp.argmax(zero, -1) + 1, 0).astype(jnp.int32)


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """``(LU, pivots)``: packed LU factors and 1-based row swaps of ``(*, m, n)``."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    if A.shape[-1] == A.shape[-2]:
        _raise_info("torch.linalg.lu_factor", info.numpy(),
                    lambda i: f"U[{i},{i}] is zero and using it on lu_solve would result in a division by zero. "
                              "If you still want to perform the factorization, consider calling "
                              "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    result = return_types.linalg_lu_factor(LU, pivots)
    return result if out is None else return_types.linalg_lu_factor(*write_out(result, out))


def _permutation(pivots, m):
    return jax.lax.linalg.lu_pivots_to_permutation(pivots - 1, m)


def _lu_unpack(lu, pivots, *, unpack_data, unpack_pivots):
    m, n = lu.shape[-2:]
    k = min(m, n)
    if unpack_pivots:
        perm = _permutation(pivots, m)
        # A = P L U with P[perm[i], i] = 1
        P = jnp.swapaxes(jax.nn.one_hot(perm, m, dtype=lu.dtype), -1, -2)
    else:
        P = jnp.zeros((0,), lu.dtype)
    if unpack_data:
        L = jnp.tril(lu[..., :, :k], -1) + jnp.eye(m, k, dtype=lu.dtype)
        U = jnp.triu(lu[..., :k, :])
    else:
        L = U = jnp.zeros((0,), lu.dtype)
    return P, L, U


def _lu(a):
    lu, pivots = _lu_factor(a)
    return _lu_unpack(lu, pivots, unpack_data=True, unpack_pivots=True)


def lu(A: Tensor, *, pivot: bool = True, out=None):
    """``(P, L, U)`` with ``A = P L U`` for ``(*, m, n)``."""
    _check_matrix("linalg.lu", A)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    P, L, U = _run(_lu, A, name="LinalgLuBackward0")
    result = return_types.linalg_lu(P.detach(), L, U)  # a permutation has no gradient
    return result if out is None else return_types.linalg_lu(*write_out(result, out))


def _triangular(a, b, *, upper, left, unit):
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    return jax.lax.linalg.triangular_solve(a, b, left_side=left, lower=not upper, unit_diagonal=unit)


def _lu_solve(lu, pivots, b, *, left, adjoint):
    m = lu.shape[-1]
    perm = _permutation(pivots, m)
    P = jnp.swapaxes(jax.nn.one_hot(perm, m, dtype=lu.dtype), -1, -2)
    L = jnp.tril(lu, -1) + jnp.eye(m, dtype=lu.dtype)
    U = jnp.triu(lu)
    h = lambda x: jnp.conj(jnp.swapaxes(x, -1, -2))  # noqa: E731
    if not left:  # X A = B  <=>  A^H X^H = B^H
        return h(_lu_solve(lu, pivots, h(b), left=True, adjoint=not adjoint))
    if adjoint:  # U^H L^H P^T X = B
        y = _triangular(h(U), b, upper=False, left=True, unit=False)
        y = _triangular(h(L), y, upper=True, left=True, unit=True)
        return jnp.matmul(P, y)
    y = jnp.matmul(jnp.swapaxes(P, -1, -2), b)
    y = _triangular(L, y, upper=False, left=True, unit=True)
    return _triangular(U, y, upper=True, left=True, unit=False)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False, out=None) -> Tensor:
    """``X`` with ``A X = B`` given ``A``'s ``lu_factor``."""
    _check_square("linalg.lu_solve", LU, "LU")
    return write_out(_run(_lu_solve, LU, pivots, B, left=left, adjoint=adjoint, name="LinalgLuSolveBackward0"), out)


# ---------------------------------------------------------------- LDL (Bunch-Kaufman)

_BUNCH_KAUFMAN_ALPHA = (1 + math.sqrt(17)) / 8


def _abs1(x):
    """LAPACK's cheap modulus: ``|re| + |im|`` (``|x|`` for real ``x``)."""
    return jnp.abs(jnp.real(x)) + jnp.abs(jnp.imag(x)) if jnp.iscomplexobj(x) else jnp.abs(x)


def _first_largest(values, mask):
    """i?amax over the entries of ``values`` where ``mask``: the first largest, or the first NaN (as MKL's)."""
    return jnp.argmax(jnp.where(mask, values, -jnp.inf))


def _apart(product, mask):
    """``product`` where ``mask``, else -0 (adding it changes nothing), in a form XLA does not fuse into the add
    that follows: LAPACK rounds a product before adding it, and a fused multiply-add (one rounding) turns its exact
    zero pivots of singular matrices into tiny ones."""
    return jnp.where(mask, product, -0.0)


def _fortran_max(a, b):
    return jnp.where(a > b, a, b)


def _mirror(m, hermitian):
    """The symmetric (Hermitian) matrix whose lower triangle is ``m``'s."""
    low = jnp.tril(m, -1)
    full = jnp.tril(m) + jnp.swapaxes(jnp.conj(low) if hermitian else low, -1, -2)
    if hermitian:
        full = jnp.fill_diagonal(full, jnp.real(jnp.diagonal(full)), inplace=False)
    return full


def _ldl_factor_one(a, hermitian):
    """LAPACK sytf2/hetf2 (lower) on one ``(n, n)`` matrix: ``(LD, 1-based pivots, info)``.

    The working matrix is kept whole (symmetric or Hermitian) so that swapping rows and columns of the trailing
    block is one gather; each update is computed on the lower triangle, as LAPACK does, and mirrored.
    """
    n = a.shape[-1]
    idx = jnp.arange(n)
    diag_abs = (lambda x: jnp.abs(jnp.real(x))) if hermitian else _abs1
    conj = jnp.conj if hermitian else (lambda x: x)

    def step(state):
        k, m, pivots, info = state
        col = m[:, k]
        absakk = diag_abs(m[k, k])
        below = idx > k
        imax = _first_largest(_abs1(col), below)
        colmax = jnp.where(k < n - 1, _abs1(col[imax]), 0)
        singular = _fortran_max(absakk, colmax) == 0  # a NaN pivot passes on, as in MKL's sytrf
        row = _abs1(m[imax])
        jmax = _first_largest(row, (idx >= k) & (idx < imax))
        rowmax = row[jmax]
        rest = _first_largest(row, idx > imax)
        rowmax = jnp.where(imax < n - 1, _fortran_max(rowmax, row[rest]), rowmax)
        keep = (absakk >= _BUNCH_KAUFMAN_ALPHA * colmax) | (
            absakk >= _BUNCH_KAUFMAN_ALPHA * colmax * (colmax / rowmax))
        one_swapped = diag_abs(m[imax, imax]) >= _BUNCH_KAUFMAN_ALPHA * rowmax
        kp = jnp.where(singular | keep, k, imax)
        two = ~singular & ~keep & ~one_swapped
        kk = k + two
        # interchange rows and columns kk and kp of the trailing block m[k:, k:]
        swap = jnp.where(idx == kk, kp, jnp.where(idx == kp, kk, idx))
        trailing = idx >= k
        rows = jnp.where(trailing[:, None] & trailing[None, :], swap[:, None], idx[:, None])
        cols = jnp.where(trailing[:, None] & trailing[None, :], swap[None, :], idx[None, :])
        m = m[rows, cols]
        # 1x1 pivot: rank-1 update of the block below and right of k, column k scaled to L's
        d = jnp.real(m[k, k]).astype(m.dtype) if hermitian else m[k, k]
        r1 = 1 / d
        w = jnp.where(below, m[:, k], 0)
        one = m + _apart(w[:, None] * (-r1 * conj(w))[None, :], below[:, None] & below[None, :])
        one = one.at[:, k].set(jnp.where(below, r1 * m[:, k], m[:, k]))
        # 2x2 pivot: rank-2 update of the block below and right of k + 1, columns k and k + 1 to L's
        k1 = jnp.minimum(k + 1, n - 1)
        d21 = m[k1, k]
        after = idx > k + 1
        wk0 = jnp.where(after, m[:, k], 0)
        wk1 = jnp.where(after, m[:, k1], 0)
        if hermitian:
            dabs = jnp.abs(d21)
            d11 = jnp.real(m[k1, k1]) / dabs
            d22 = jnp.real(m[k, k]) / dabs
            tt = 1 / (d11 * d22 - 1)
            unit = d21 / dabs
            scale = tt / dabs
            wk = scale * (_apart(d11 * wk0, after) - _apart(unit * wk1, after))
            wkp1 = scale * (_apart(d22 * wk1, after) - _apart(jnp.conj(unit) * wk0, after))
        else:
            d11 = m[k1, k1] / d21
            d22 = m[k, k] / d21
            t = 1 / (d11 * d22 - 1)
            scale = t / d21
            wk = scale * (_apart(d11 * wk0, after) - wk1)
            wkp1 = scale * (_apart(d22 * wk1, after) - wk0)
        block = after[:, None] & after[None, :]
        two_m = m + _apart(wk0[:, None] * -conj(wk)[None, :], block)
        two_m = two_m + _apart(wk1[:, None] * -conj(wkp1)[None, :], block)
        two_m = two_m.at[:, k].set(jnp.where(after, wk, m[:, k]))
        two_m = two_m.at[:, k1].set(jnp.where(after, wkp1, m[:, k1]))
        m = _mirror(jnp.where(singular, m, jnp.where(two, two_m, one)), hermitian)
        kp1 = (kp + 1).astype(jnp.int32)
        pivots = jnp.where(two, jnp.where((idx == k) | (idx == k + 1), -kp1, pivots), jnp.where(idx == k, kp1, pivots))
        info = jnp.where(singular & (info == 0), (k + 1).astype(jnp.int32), info)
        return k + 1 + two, m, pivots, info

    start = (jnp.asarray(0), _mirror(a, hermitian), jnp.zeros(n, jnp.int32), jnp.asarray(0, jnp.int32))
    _, m, pivots, info = jax.lax.while_loop(lambda s: s[0] < n, step, start)
    return jnp.tril(m), pivots.astype(jnp.int32), info.astype(jnp.int32)


def _ldl_factor(a, *, hermitian):
    batch, n = a.shape[:-2], a.shape[-1]
    if n == 0 or math.prod(batch) == 0:
        return a, jnp.zeros(a.shape[:-1], jnp.int32), jnp.zeros(batch, jnp.int32)
    flat = a.reshape((-1, n, n))
    ld, pivots, info = jax.vmap(lambda m: _ldl_factor_one(m, hermitian))(flat)
    return ld.reshape(a.shape), pivots.reshape(a.shape[:-1]), info.reshape(batch)


def _ldl_solve_one(ld, pivots, b, hermitian):
    """LAPACK sytrs/hetrs (lower) for one ``(n, n)`` factor and ``(n, k)`` right-hand sides."""
    n = ld.shape[-1]
    idx = jnp.arange(n)
    conj = jnp.conj if hermitian else (lambda x: x)

    def swap_rows(x, i, j):
        return x.at[jnp.stack([i, j])].set(x[jnp.stack([j, i])])

    def forward(state):  # L D y = b, from the first row down
        k, x = state
        two = pivots[k] < 0
        k1 = jnp.minimum(k + 1, n - 1)
        x = swap_rows(x, jnp.where(two, k1, k), jnp.abs(pivots[k]) - 1)
        one = x + _apart(ld[:, k, None] * -x[k][None, :], (idx > k)[:, None])
        one = one.at[k].set(one[k] * (1 / (jnp.real(ld[k, k]).astype(ld.dtype) if hermitian else ld[k, k])))
        after = idx > k + 1
        pair = x + _apart(ld[:, k, None] * -x[k][None, :], after[:, None])
        pair = pair + _apart(ld[:, k1, None] * -x[k1][None, :], after[:, None])
        off = ld[k1, k]
        akm1 = ld[k, k] / conj(off)
        ak = ld[k1, k1] / off
        denom = akm1 * ak - 1
        bkm1, bk = pair[k] / conj(off), pair[k1] / off
        pair = pair.at[k].set((ak * bkm1 - bk) / denom).at[k1].set((akm1 * bk - bkm1) / denom)
        return k + 1 + two, jnp.where(two, pair, one)

    def backward(state):  # L^T x = y (L^H when Hermitian), from the last row up
        k, x = state
        two = pivots[k] < 0
        km1 = jnp.maximum(k - 1, 0)
        x = x.at[k].add(-jnp.sum(jnp.where(idx > k, conj(ld[:, k]), 0)[:, None] * x, axis=0))
        x = jnp.where(two, x.at[km1].add(-jnp.sum(jnp.where(idx > k, conj(ld[:, km1]), 0)[:, None] * x, axis=0)), x)
        x = swap_rows(x, k, jnp.abs(pivots[k]) - 1)
        return k - 1 - two, x

    _, y = jax.lax.while_loop(lambda s: s[0] < n, forward, (jnp.asarray(0), b))
    _, x = jax.lax.while_loop(lambda s: s[0] >= 0, backward, (jnp.asarray(n - 1), y))
    return x


def _ldl_solve(ld, pivots, b, *, hermitian):
    n = ld.shape[-1]
    batch = jnp.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    shape = batch + b.shape[-2:]
    if n == 0 or math.prod(shape) == 0:
        return jnp.zeros(shape, b.dtype)
    ld = jnp.broadcast_to(ld, batch + ld.shape[-2:]).reshape((-1, n, n))
    pivots = jnp.broadcast_to(pivots.astype(jnp.int32), batch + (n,)).reshape((-1, n))
    b = jnp.broadcast_to(b, shape).reshape((-1,) + b.shape[-2:])
    x = jax.vmap(lambda l, p, r: _ldl_solve_one(l, p, r, hermitian))(ld, pivots, b)
    return x.reshape(shape)


_C10_NAMES = {dt.float32: "float", dt.float64: "double", dt.complex64: "c10::complex<float>",
              dt.complex128: "c10::complex<double>", dt.int32: "int", dt.int64: "long int"}


def _check_out_dtypes(result: tuple, out: tuple) -> None:
    """PyTorch's error for an ``out=`` tensor whose dtype is not exactly the result's (these ops do not cast)."""
    for r, o in zip(result, out):
        if isinstance(o, Tensor) and o.dtype is not r.dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {_C10_NAMES.get(r.dtype, str(r.dtype))}, but got "
                               f"{_C10_NAMES.get(o.dtype, str(o.dtype))} instead")


def _ldl_check(name: str, A: Tensor) -> None:
    _check_square(name, A)
    if A.dtype not in (dt.float32, dt.float64, dt.complex64, dt.complex128):
        raise NotImplementedError(f"\"ldl_factor_kernel_cpu\" not implemented for '{scalar_type_name(A.dtype)}'")


def _ldl_factor_checked(A: Tensor, hermitian: bool, check_errors: bool, name: str):
    _ldl_check("torch.linalg.ldl_factor_ex", A)
    LD, pivots, info = _run(_ldl_factor, A.detach(), hermitian=bool(hermitian) and A.dtype.is_complex)
    mark_not_implemented("aten::linalg_ldl_factor_ex", (A,), (LD,))
    if check_errors:
        # PyTorch reports a zero block of D as an unrecognised LAPACK code (an internal assertion's RuntimeError)
        _raise_info(name, info.numpy(), lambda i: f"Unknown error code: {i}. (D[{i - 1}, {i - 1}] is exactly zero: "
                                                  "the matrix is singular)", RuntimeError)
    return LD, pivots, info


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out=None):
    """``(LD, pivots, info)``: LAPACK sytrf's compact Bunch-Kaufman factorization ``A = L D L^T`` (``L^H`` when
    ``hermitian``) of symmetric ``(*, n, n)`` read from its lower triangle; ``pivots`` ``(*, n)`` are 1-based,
    a pair of equal negative pivots marks a 2x2 block of D; ``info`` ``(*)`` is the first zero block (0: none)."""
    result = _ldl_factor_checked(A, hermitian, check_errors, "torch.linalg.ldl_factor_ex")
    if out is None:
        return return_types.linalg_ldl_factor_ex(*result)
    _check_out_dtypes(result, out)
    return return_types.linalg_ldl_factor_ex_out(*write_out(result, out))


def ldl_factor(A: Tensor, *, hermitian: bool = False, out=None):
    """``(LD, pivots)`` of :func:`ldl_factor_ex`; raises when D has a zero block."""
    result = _ldl_factor_checked(A, hermitian, True, "torch.linalg.ldl_factor")[:2]
    if out is None:
        return return_types.linalg_ldl_factor(*result)
    _check_out_dtypes(result, out)
    return return_types.linalg_ldl_factor_out(*write_out(result, out))


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out=None) -> Tensor:
    """``X`` ``(*, n, k)`` with ``A X = B`` given ``A``'s :func:`ldl_factor` ``(LD, pivots)``; batches broadcast."""
    name = "torch.linalg.ldl_solve"
    _check_square(name, LD)
    if B.dtype is not LD.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {scalar_type_name(B.dtype)} "
                           f"and A of type {scalar_type_name(LD.dtype)} instead.")
    if B.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(B.ndim, 1)}, "
                         f"{max(B.ndim, 1) - 1}], but got -2)")
    if B.shape[-2] != LD.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is {LD.shape[-1]} by {LD.shape[-1]} "
                           f"but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with "
                           f"shape {list(pivots.shape)} instead")
    if pivots.dtype.is_floating_point or pivots.dtype.is_complex or pivots.dtype is dt.bool:
        raise RuntimeError(f"{name}: Expected pivots to be integers. Got {scalar_type_name(pivots.dtype)}")
    broadcast_shapes(tuple(B.shape[:-2]), tuple(LD.shape[:-2]))
    if pivots.numel():
        size = np.abs(pivots.numpy())
        for bad, bound in ((size.max() > LD.shape[-2], "<= LD.size(-2)"), (size.min() < 1, ">= 1")):
            if bad:
                raise RuntimeError(f"Pivots given to ldl_solve must all satisfy |pivot| {bound}. Did you properly "
                                   "pass the result of ldl_factor?")
    X = _run(_ldl_solve, LD.detach(), pivots, B.detach(), hermitian=bool(hermitian) and LD.dtype.is_complex)
    mark_not_implemented("aten::linalg_ldl_solve", (LD, B), (X,))
    if out is not None:
        _check_out_dtypes((X,), (out,))
    return write_out(X, out)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out=None) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` when not ``left``) for triangular ``A``."""
    _check_square("linalg.solve_triangular", A)
    _check_same_dtype("linalg.solve_triangular", A, B)
    return write_out(_run(_triangular, A, B, upper=upper, left=left, unit=unitriangular,
                          name="LinalgSolveTriangularBackward0"), out)


# ---------------------------------------------------------------- norms


def _real_of(d: dt.dtype) -> dt.dtype:
    return {dt.complex64: dt.float32, dt.complex128: dt.float64, dt.complex32: dt.float16}.get(d, d)


def vector_norm(x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when None)."""
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(x.dtype)}")
    if isinstance(dim, int):
        dim = (dim,)
    dims = None if dim is None else tuple(wrap_dim(d, max(x.ndim, 1)) for d in dim)
    if x.ndim == 0 and dims is not None:
        dims = None
    if ord < 0 or ord == math.inf:
        shape = x.shape if dims is None else tuple(x.shape[d] for d in dims)
        if 0 in tuple(shape) or (x.numel() == 0 and dims is None):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                               "operation does not have an identity")
    compute = None if dtype is None else dt.to_jax_dtype(dtype)
    return write_out(_run(_vector_norm, x, p=float(ord), dims=dims, keepdim=keepdim, dtype=compute,
                          name="LinalgVectorNormBackward0"), out)


def _matrix_norm(a, *, ord, dims, keepdim):
    row, col = dims
    if ord in ("fro", "nuc", 2.0, -2.0):
        if ord == "fro":
            return _vector_norm(a, p=2.0, dims=dims, keepdim=keepdim, dtype=None)
        m = jnp.moveaxis(a, dims, (-2, -1))
        s = jnp.linalg.svd(m, compute_uv=False)
        r = jnp.sum(s, -1) if ord == "nuc" else (s[..., 0] if ord == 2.0 else s[..., -1])
        if keepdim:
            r = jnp.expand_dims(r, tuple(sorted(dims)))
        return r
    sum_dim, red_dim = (row, col) if abs(ord) == 1 else (col, row)
    sums = jnp.sum(jnp.abs(a), axis=sum_dim, keepdims=True)
    r = (jnp.max if ord > 0 else jnp.min)(sums, axis=red_dim, keepdims=True)
    return r if keepdim else jnp.squeeze(r, dims)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Matrix norm (``'fro'``, ``'nuc'``, ±1, ±2, ±inf) over the two dims ``dim``."""
    _check_matrix("linalg.matrix_norm", A)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    dims = tuple(wrap_dim(d, A.ndim) for d in dim)
    if dims[0] == dims[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    x = A if dtype is None else A.to(dtype)
    return write_out(_run(_matrix_norm, x, ord=ord if isinstance(ord, str) else float(ord), dims=dims,
                          keepdim=keepdim, name="LinalgMatrixNormBackward0"), out)


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, out=None, dtype=None) -> Tensor:
    """Vector norm (1 dim, or flattened when ``ord`` is None) or matrix norm (2 dims, or a 2-D input)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim, keepdim,
                           dtype=dtype, out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 2. Got {list(dim or ())}")
    if dim is None and ord is not None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


# ---------------------------------------------------------------- pseudo-inverse, rank, lstsq, cond


def _tolerance(s, atol, rtol, *, default_rtol):
    """Cutoff below which singular values count as zero: ``max(atol, rtol * s_max)``."""
    smax = s[..., :1]
    atol = jnp.zeros_like(smax) if atol is None else jnp.asarray(atol, s.dtype)[..., None]
    if rtol is None:
        rtol = jnp.zeros_like(smax) + (default_rtol if atol is None or default_rtol else 0)
    else:
        rtol = jnp.asarray(rtol, s.dtype)[..., None]
    return jnp.maximum(atol, rtol * smax)


def _rtol_default(a_shape, dtype, atol_given: bool) -> float:
    if atol_given:
        return 0.0
    return float(np.finfo(np.dtype(dtype)).eps * max(a_shape[-2:]))


def _pinv(a, atol, rtol, *, hermitian, default_rtol):
    return _pinv_constant_rank(a, atol, rtol, hermitian, default_rtol)


@functools.partial(jax.custom_jvp, nondiff_argnums=(3, 4))
def _pinv_constant_rank(a, atol, rtol, hermitian, default_rtol):
    if hermitian:
        w, v = _eigh(a, upper=False)
        s = jnp.abs(w)
        order = jnp.argsort(-s, axis=-1)
        smax = jnp.take_along_axis(s, order, -1)
        cut = _tolerance(smax, atol, rtol, default_rtol=default_rtol)
        winv = jnp.where(s > cut, 1 / jnp.where(s > cut, w, 1), 0)
        return jnp.matmul(v * winv[..., None, :].astype(v.dtype), jnp.conj(jnp.swapaxes(v, -1, -2)))
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    cut = _tolerance(s, atol, rtol, default_rtol=default_rtol)
    sinv = jnp.where(s > cut, 1 / jnp.where(s > cut, s, 1), 0)
    return jnp.matmul(jnp.conj(jnp.swapaxes(vh, -1, -2)) * sinv[..., None, :].astype(a.dtype),
                      jnp.conj(jnp.swapaxes(u, -1, -2)))


@_pinv_constant_rank.defjvp
def _pinv_jvp(hermitian, default_rtol, primals, tangents):
    """The derivative of ``A⁺`` with the rank held fixed (the cutoff's inputs get none):
    ``-A⁺ dA A⁺ + A⁺ A⁺ᴴ dAᴴ (I - A A⁺) + (I - A⁺ A) dAᴴ A⁺ᴴ A⁺``."""
    a, atol, rtol = primals
    da = tangents[0]
    x = _pinv_constant_rank(a, atol, rtol, hermitian, default_rtol)
    h = lambda m: jnp.conj(jnp.swapaxes(m, -1, -2))  # noqa: E731
    dx = (-x @ da @ x + x @ (h(x) @ h(da)) @ (_eye_like(a @ x) - a @ x)
          + (_eye_like(x @ a) - x @ a) @ (h(da) @ h(x)) @ x)
    return x, dx


def _tol(x):
    return x if x is None or isinstance(x, Tensor) else float(x)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """Moore–Penrose pseudo-inverse of ``(*, m, n)`` → ``(*, n, m)``."""
    _check_matrix("linalg.pinv", A)
    default = _rtol_default(A.shape, A._value.dtype, atol is not None) if rtol is None else 0.0
    return write_out(apply(_pinv, A, _tol(atol), _tol(rtol),
                           static=static(hermitian=hermitian, default_rtol=default), name="LinalgPinvBackward0"),
                     out)


def _matrix_rank(a, atol, rtol, *, hermitian, default_rtol):
    s = jnp.abs(_eigh(a, upper=False)[0]) if hermitian else jnp.linalg.svd(a, compute_uv=False)
    if hermitian:
        s = -jnp.sort(-s, axis=-1)
    cut = _tolerance(s, atol, rtol, default_rtol=default_rtol)
    return jnp.sum(s > cut, axis=-1).astype(jnp.int64)


def matrix_rank(A: Tensor, tol=None, hermitian: bool = False, *, atol=None, rtol=None, out=None) -> Tensor:
    """Numerical rank of ``(*, m, n)``: singular values above ``max(atol, rtol * s_max)``."""
    _check_matrix("linalg.matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0
    default = _rtol_default(A.shape, A._value.dtype, atol is not None) if rtol is None else 0.0
    return write_out(apply(_matrix_rank, A.detach(), _tol(atol), _tol(rtol),
                           static=static(hermitian=hermitian, default_rtol=default)), out)


def _lstsq(a, b, *, vector, rcond):
    """``(solution, squared residuals per column, singular values)``, singular values below ``rcond * s_max``
    counting as zero; ``rcond`` None is the ``'gels'`` driver, which keeps every nonzero one."""
    if vector:
        b = b[..., None]
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a, b = jnp.broadcast_to(a, batch + a.shape[-2:]), jnp.broadcast_to(b, batch + b.shape[-2:])
    x = jnp.matmul(_pinv(a, None, 0.0 if rcond is None else rcond, hermitian=False, default_rtol=0.0), b)
    s = jnp.linalg.svd(jax.lax.stop_gradient(a), compute_uv=False)
    r = jnp.matmul(a, x) - b
    residuals = jnp.sum(jnp.real(r * jnp.conj(r)), axis=-2)
    if rcond is None:  # for A = 0, LAPACK's gels zeroes B and so these residuals (torch's gradient stays)
        zero = jnp.all(a == 0, axis=(-2, -1))[..., None]
        residuals = jnp.where(zero, residuals - jax.lax.stop_gradient(residuals), residuals)
    return (x[..., 0] if vector else x), residuals, s


def _count_above(s, *, rcond):
    return jnp.sum(s > rcond * s[..., :1], axis=-1).astype(jnp.int64)


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """``(solution, residuals, rank, singular_values)`` of min ``||A X - B||_F`` for ``(*, m, n)`` A.

    ``B`` is ``(*, m, k)`` or ``(*, m)``. As on torch's CPU backend (default driver ``'gelsy'``): ``rank`` is
    empty for ``'gels'``, ``singular_values`` only for ``'gelsd'``/``'gelss'``, and the squared residuals
    ``(*, k)`` only when ``m > n`` with driver ``'gels'``, or ``'gelsd'``/``'gelss'`` when every matrix has
    full rank ``n``; otherwise these outputs are empty.
    """
    name = "torch.linalg.lstsq"
    if A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{name}: Expected input and other to have the same dtype, but got input's dtype "
                           f"{scalar_type_name(A.dtype)} and other's dtype {scalar_type_name(B.dtype)}")
    if not (0 <= A.ndim - B.ndim <= 1):
        raise RuntimeError(f"{name}: input.dim() must be greater or equal to other.dim() and "
                           "(input.dim() - other.dim()) <= 1")
    driver = "gelsy" if driver is None else driver
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of ({', '.join(_LSTSQ_DRIVERS)})")
    vector = B.ndim == A.ndim - 1
    if A.shape[-2] != (B.shape[-1] if vector else B.shape[-2]):
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2)")
    m, n = A.shape[-2:]
    if rcond is None:
        rcond = float(np.finfo(np.dtype(A._value.dtype)).eps * max(m, n))
    solution, residuals, s = _run(_lstsq, A, B, vector=vector, rcond=None if driver == "gels" else float(rcond),
                                  name="LinalgLstsqBackward0")
    s = s.detach()
    from ._ops.creation import empty
    rank = empty((0,), dtype=dt.int64) if driver == "gels" else _run(_count_above, s, rcond=float(rcond))
    has_residuals = m > n and (driver == "gels" or driver in ("gelsd", "gelss")
                               and bool(np.all(rank.numpy() == n)))
    if not has_residuals:  # empty, but an output of the same graph node as the solution
        residuals = residuals.reshape(-1)[:0]
    return return_types.linalg_lstsq(solution, residuals, rank,
                                     s if driver in ("gelsd", "gelss") else empty((0,), dtype=_real_of(A.dtype)))


def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """Condition number of ``(*, n, n)`` (any ``(*, m, n)`` for p in None, 2, -2) in the ``p`` norm."""
    _check_matrix("linalg.cond", A)
    if p in (None, 2, -2):
        s = svdvals(A)
        from ._ops.shape import select
        big, small = select(s, -1, 0), select(s, -1, -1)
        return write_out(big / small if p != -2 else small / big, out)
    _check_square("linalg.cond", A)
    return write_out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


# ---------------------------------------------------------------- functions of a matrix


def _matrix_power(a, *, n):
    if n < 0:
        a, n = jnp.linalg.inv(a), -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else jnp.matmul(result, a)
        n >>= 1
        if n:
            a = jnp.matmul(a, a)
    return result


def _eye_like(a):
    return jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)


def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """``A`` to the integer power ``n`` (negative: of the inverse) for ``(*, m, m)``."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.ndim > 1 else 1} by {A.shape[-1] if A.ndim else 1} matrices")
    if n == 0:
        return write_out(_run(_eye_like, A), out)
    if n < 0:
        _raise_singular("linalg.inv", _run(_lu_info, A.detach()))
    return write_out(_run(_matrix_power, A, n=int(n), name="LinalgMatrixPowerBackward0"), out)


def _matrix_exp(a):
    # JAX's expm takes float32/64 and complex only: float16 and bfloat16 are computed in float32 and rounded
    work = jnp.float32 if a.dtype in (jnp.float16, jnp.bfloat16) else a.dtype
    flat = a.reshape((math.prod(a.shape[:-2]),) + a.shape[-2:]).astype(work)
    return jax.vmap(jax.scipy.linalg.expm)(flat).reshape(a.shape).astype(a.dtype)


def matrix_exp(A: Tensor) -> Tensor:
    """Matrix exponential of ``(*, n, n)``."""
    _check_square("linalg.matrix_exp", A)
    return _run(_matrix_exp, A, name="LinalgMatrixExpBackward0")


def _multi_dot(*arrays):
    out = arrays[0]
    for a in arrays[1:]:
        out = jnp.matmul(out, a)
    return out


def multi_dot(tensors, *, out=None) -> Tensor:
    """The product of a list of matrices (the first may be 1-D, as may the last)."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, t in enumerate(tensors):
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, n - 1))
        if not ok:
            which = ("first" if i == 0 else "last") if i in (0, n - 1) else None
            raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {t.ndim}D" if which else
                               f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError("multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                           f"{tensors[0].dtype} and tensor 1 is {tensors[1].dtype}")
    return write_out(apply(_multi_dot, *tensors, name="MmBackward0"), out)


def _cross(a, b, *, dim):
    return jnp.cross(a, b, axis=dim)


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (inputs broadcast)."""
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    return write_out(_run(_cross, input, other, dim=d, name="LinalgCrossBackward0"), out)


def _vecdot(x, y, *, dim, dtype):
    return jnp.sum(jnp.conj(x.astype(dtype)) * y.astype(dtype), axis=dim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """``sum(conj(x) * y)`` along ``dim`` (inputs broadcast)."""
    d = result_dtype(x, y)
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{scalar_type_name(x.dtype)} and y of type {scalar_type_name(y.dtype)} instead")
    return write_out(_run(_vecdot, x, y, dim=dim, dtype=d), out)


def _householder_product(a, tau):
    m, n = a.shape[-2:]
    q = jnp.broadcast_to(jnp.eye(m, n, dtype=a.dtype), a.shape[:-2] + (m, n))
    rows = jnp.arange(m)
    for i in reversed(range(tau.shape[-1])):
        v = jnp.where(rows == i, 1, jnp.where(rows > i, a[..., :, i], 0)).astype(a.dtype)
        vhq = jnp.einsum("...i,...ij->...j", jnp.conj(v), q)
        q = q - tau[..., i, None, None] * v[..., :, None] * vhq[..., None, :]
    return q


def householder_product(A: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first ``n`` columns of the product of Householder reflectors ``(A[:, i], tau[i])``."""
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.householder_product: input must have at least 2 dimensions.")
    if A.shape[-2] < A.shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau.shape[-1] > A.shape[-1]:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    return write_out(_run(_householder_product, A, tau, name="LinalgHouseholderProductBackward0"), out)


def tensorinv(A: Tensor, ind: int = 2, *, out=None) -> Tensor:
    """Inverse of ``A`` seen as a linear map from its last ``ndim - ind`` dims to its first ``ind`` dims."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    out_shape, in_shape = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = math.prod(out_shape), math.prod(in_shape)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return write_out(inv(A.reshape(rows, cols)).reshape(*(in_shape + out_shape)), out)


def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None) -> Tensor:
    """``X`` with ``tensordot(A, X, X.ndim) = B``; ``dims`` of ``A`` are first moved to the end."""
    if dims is not None:
        from ._ops.shape import movedim
        dims = [wrap_dim(d, A.ndim) for d in dims]
        A = movedim(A, dims, list(range(A.ndim - len(dims), A.ndim)))
    x_shape = tuple(A.shape[B.ndim:])
    n = math.prod(x_shape)
    if math.prod(B.shape) != n:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {n} != {math.prod(B.shape)}")
    return write_out(solve(A.reshape(n, n), B.reshape(n)).reshape(*x_shape), out)


def _diagonal(a, *, offset, dim1, dim2):
    return jnp.diagonal(a, offset, dim1, dim2)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The ``offset`` diagonal of the matrices over ``(dim1, dim2)``, as the last dim."""
    return _run(_diagonal, A, offset=offset, dim1=wrap_dim(dim1, A.ndim), dim2=wrap_dim(dim2, A.ndim),
                name="DiagonalBackward0")


def _vander(x, *, n):
    powers = jnp.cumprod(jnp.broadcast_to(x[..., None], x.shape + (n - 1,)), axis=-1)
    return jnp.concatenate([jnp.ones(x.shape + (1,), x.dtype), powers], axis=-1)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """``(*, n)`` → ``(*, n, N)`` of increasing powers ``x ** k``, ``k < N`` (default ``n``); 0-d ``x`` is ``(1,)``."""
    if x.dtype in (dt.bool, dt.float16, dt.bfloat16):
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got "
                           f"{scalar_type_name(x.dtype)}")
    x = x.reshape(1) if x.ndim == 0 else x
    x = x.to(dt.int64) if not (x.dtype.is_floating_point or x.dtype.is_complex) else x
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    return _run(_vander, x, n=int(n), name="LinalgVanderBackward0")


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Alias of ``torch.matmul``."""
    from ._ops.blas import matmul as _matmul
    return _matmul(input, other, out=out)



# autocast: the ops of this namespace that PyTorch lists follow its casting policy
from .amp import autocast_mode as _autocast_mode  # noqa: E402

_autocast_mode.mark_namespace(globals(), "linalg_")
