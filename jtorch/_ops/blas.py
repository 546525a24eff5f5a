"""Matrix products (matmul, mm, bmm, mv, dot, outer, addmm/addmv/addbmm/baddbmm, einsum, tensordot, kron) and
the torch-level matrix functions (det, inverse, cholesky*, qr, svd, lu*, triangular_solve, vander, ...)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as dt
from .. import linalg, return_types
from .._tensor import Tensor, scalar_type_name
from ._dispatch import apply
from ._registry import register
from ._util import np_dtype, result_dtype, wrap_dim, write_out


def _check_same_dtype(name: str, a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        from .._tensor import scalar_type_name
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}"
                           if name in ("mm", "matmul", "addmm", "linear") else
                           f"{name}: expected both tensors to have the same dtype, but got "
                           f"{scalar_type_name(a.dtype)} and {scalar_type_name(b.dtype)}")


def _matmul(a, b):
    return jnp.matmul(a, b)


@register
def matmul(input, other, *, out=None) -> Tensor:
    """Matrix product with numpy's broadcasting rules for 1-D and batched operands."""
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
                           f"{other.ndim}D")
    _check_same_dtype("matmul", input, other)
    k_a = input.shape[-1]
    k_b = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k_a != k_b:
        if input.ndim <= 2 and other.ndim <= 2:
            a_shape = "x".join(str(s) for s in (input.shape if input.ndim == 2 else (1,) + tuple(input.shape)))
            b_shape = "x".join(str(s) for s in (other.shape if other.ndim == 2 else tuple(other.shape) + (1,)))
            if input.ndim == 1 and other.ndim == 1:
                raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                                   f"[{other.shape[0]}] to have the same number of elements, but got "
                                   f"{input.shape[0]} and {other.shape[0]} elements respectively")
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a_shape} and {b_shape})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{other.shape[0] if other.ndim > 2 else 1}, {k_a}] but got: "
                           f"[{other.shape[0] if other.ndim > 2 else 1}, {k_b}].")
    name = "MmBackward0" if input.ndim == 2 and other.ndim == 2 else (
        "DotBackward0" if input.ndim == other.ndim == 1 else "MvBackward0" if input.ndim == 2 and other.ndim == 1
        else "UnsafeViewBackward0" if input.ndim > 2 and other.ndim <= 2 else "BmmBackward0")
    return write_out(apply(_matmul, input, other, name=name), out)


@register
def mm(input, mat2, *, out=None) -> Tensor:
    """Product of two matrices."""
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2, out=out)


@register(method=False)
def spmm(input, mat2) -> Tensor:
    """Product of two matrices, ``(n, m) @ (m, p)``; PyTorch allows a sparse ``input``, jtorch tensors are dense."""
    return mm(input, mat2)


@register
def bmm(input, mat2, *, out=None) -> Tensor:
    """Batched product of ``(b, n, m)`` and ``(b, m, p)``."""
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
                           f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2, out=out)


@register
def mv(input, vec, *, out=None) -> Tensor:
    """Matrix-vector product."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    return matmul(input, vec, out=out)


@register
def dot(input, tensor, *, out=None) -> Tensor:
    """Dot product of two 1-D tensors."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    return matmul(input, tensor, out=out)


def _outer(a, b, *, dtype):
    return jnp.outer(a.astype(dtype), b.astype(dtype))


@register(aliases=("ger",))
def outer(input, vec2, *, out=None) -> Tensor:
    """Outer product of two 1-D tensors."""
    d = result_dtype(input, vec2)
    return write_out(apply(_outer, input, vec2, static=(("dtype", np_dtype(d)),)), out)


def _addmm_like(bias, a, b, beta, alpha, *, dtype, drop_input=False):
    """``beta * bias + alpha * (a @ b)``; None stands for a factor of 1, and with ``drop_input`` (beta == 0) the
    bias only gives its shape, so its NaN and inf do not reach the result."""
    prod = jnp.matmul(a, b)
    if alpha is not None:
        prod = prod * jnp.asarray(alpha).astype(dtype)
    if drop_input:
        return jnp.broadcast_to(prod, jnp.broadcast_shapes(bias.shape, prod.shape)).astype(dtype)
    if beta is None:
        return bias.astype(dtype) + prod
    return jnp.asarray(beta).astype(dtype) * bias.astype(dtype) + prod


def _scaling_args(beta, alpha, dtype) -> tuple:
    """The factor operands and static arguments of ``_addmm_like``."""
    drop_input = not isinstance(beta, Tensor) and beta == 0
    return ((None if beta == 1 or drop_input else beta, None if alpha == 1 else alpha),
            (("dtype", np_dtype(dtype)), ("drop_input", drop_input)))


def _scaled_product(name: str, check):
    def op(input, a, b, *, beta=1, alpha=1, out=None):
        check(a, b)
        factors, static = _scaling_args(beta, alpha, result_dtype(input, a, b))
        return write_out(apply(_addmm_like, input, a, b, *factors, static=static,
                               name=f"{name.capitalize()}Backward0"), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``beta * input + alpha * ({name[3:] if name.startswith('add') else name[1:]} product)``."
    return register(op, name=name, inplace=True)


def _need(nd_a, nd_b, msg):
    def check(a, b):
        if a.ndim != nd_a or b.ndim != nd_b:
            raise RuntimeError(msg)
    return check


addmm = _scaled_product("addmm", _need(2, 2, "mat1 and mat2 must be matrices"))
addmv = _scaled_product("addmv", _need(2, 1, "vector + matrix @ vector expected"))
baddbmm = _scaled_product("baddbmm", _need(3, 3, "batch1 and batch2 must be 3D tensors"))


def _addbmm(bias, a, b, beta, alpha, *, dtype, drop_input):
    # sum_i a[i] @ b[i] is one product over the batch and inner dims together
    inner = a.shape[0] * a.shape[2]
    return _addmm_like(bias, jnp.swapaxes(a, 0, 1).reshape(a.shape[1], inner), b.reshape(inner, b.shape[2]), beta,
                       alpha, dtype=dtype, drop_input=drop_input)


@register(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``."""
    factors, static = _scaling_args(beta, alpha, result_dtype(input, batch1, batch2))
    return write_out(apply(_addbmm, input, batch1, batch2, *factors, static=static, name="AddbmmBackward0"), out)


def _addr(bias, a, b, beta, alpha, *, dtype, drop_input):
    prod = jnp.outer(a, b).astype(dtype)
    if alpha is not None:
        prod = prod * jnp.asarray(alpha).astype(dtype)
    if drop_input:
        return jnp.broadcast_to(prod, jnp.broadcast_shapes(bias.shape, prod.shape))
    return (bias.astype(dtype) if beta is None else jnp.asarray(beta).astype(dtype) * bias.astype(dtype)) + prod


@register(inplace=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    factors, static = _scaling_args(beta, alpha, result_dtype(input, vec1, vec2))
    return write_out(apply(_addr, input, vec1, vec2, *factors, static=static), out)


def _einsum(*operands, equation):
    return jnp.einsum(equation, *operands)


@register(method=False)
def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation over ``operands`` as described by ``equation``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    d = operands[0].dtype if len(operands) == 1 else None
    if d is not None and (d is dt.bool or d._kind in "iu") and arrow and set(lhs) - set(rhs) - {"."}:
        operands = (operands[0].to(dt.int64),)  # one integer operand summed over a dim: torch.sum's int64
    return apply(_einsum, *operands, static=(("equation", equation),), name="EinsumBackward0")


def _tensordot(a, b, *, dims_a, dims_b, sum_a, sum_b):
    if sum_a:
        a = jnp.sum(a, axis=sum_a, keepdims=True)
    if sum_b:
        b = jnp.sum(b, axis=sum_b, keepdims=True)
    return jnp.tensordot(a, b, (dims_a, dims_b))


@register(method=False)
def tensordot(a, b, dims=2, out=None) -> Tensor:
    """Sum of products over dims ``dims`` of ``a`` and ``b``: an int n (the last n of ``a`` with the first n of
    ``b``) or two lists of dims. A contracted dim of size 1 on one side is summed out on the other."""
    if not isinstance(dims, (int, list, tuple, Tensor)):
        raise RuntimeError("tensordot expects dims to be int or tuple[list[int], list[int]] or list[list[int]] "
                           f"containing two lists, but got dims={dims}")
    count_checked = not isinstance(dims, Tensor)  # torch checks a tensor count against the ranks only by wrapping
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if count_checked and dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims = (list(range(-dims, 0)), list(range(dims)))
    given_a, given_b = dims
    for given, name in ((given_a, "'dims_self' (position 3)"), (given_b, "'dims_other' (position 4)")):
        if not isinstance(given, (list, tuple)):
            raise TypeError(f"tensordot(): argument {name} must be tuple of ints, not {type(given).__name__}")
    if len(given_a) != len(given_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    dims_a, dims_b = [wrap_dim(int(d), a.ndim) for d in given_a], [wrap_dim(int(d), b.ndim) for d in given_b]
    sum_a, sum_b = [], []
    for da, db, ga, gb in zip(dims_a, dims_b, given_a, given_b):
        s1, s2 = a.shape[da], b.shape[db]
        if s2 == 1:
            sum_a.append(da)
        elif s1 == 1:
            sum_b.append(db)
        elif s1 != s2:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {s1} in dim {ga} and "
                               f"second has size {s2} in dim {gb}")
    for wrapped in (dims_a, dims_b):
        repeated = [d for i, d in enumerate(wrapped) if d in wrapped[:i]]
        if repeated:
            raise RuntimeError(f"dim {repeated[0]} appears multiple times in the list of dims")
    static = (("dims_a", tuple(dims_a)), ("dims_b", tuple(dims_b)), ("sum_a", tuple(sum_a)), ("sum_b", tuple(sum_b)))
    return write_out(apply(_tensordot, a, b, static=static), out)


def _kron(a, b):
    if a.dtype == jnp.bool_ and b.dtype == jnp.bool_:  # a product of bools is their logical and
        return jnp.kron(a.astype(jnp.int8), b.astype(jnp.int8)).astype(jnp.bool_)
    return jnp.kron(a, b)


@register
def kron(input, other, *, out=None) -> Tensor:
    """Kronecker product."""
    return write_out(apply(_kron, input, other), out)


def _vdot(a, b):
    return jnp.vdot(a, b)


@register
def vdot(input, other, *, out=None) -> Tensor:
    """``sum(conj(input) * other)`` of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    _check_same_dtype("vdot", input, other)
    return write_out(apply(_vdot, input, other), out)


def _inner(a, b, *, dtype):
    return jnp.inner(a.astype(dtype), b.astype(dtype))


@register
def inner(input, other, *, out=None) -> Tensor:
    """Sum of products over the last dims (``(*a, k)``, ``(*b, k)`` → ``(*a, *b)``)."""
    if input.ndim and other.ndim and input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return write_out(apply(_inner, input, other, static=(("dtype", np_dtype(result_dtype(input, other))),)), out)


@register(method=False)
def chain_matmul(*matrices, out=None) -> Tensor:
    """Product of 2-D matrices (deprecated form of ``linalg.multi_dot``)."""
    if len(matrices) == 1:
        return matrices[0].clone()
    return linalg.multi_dot(matrices, out=out)


@register
def cross(input, other, dim=None, *, out=None) -> Tensor:
    """Cross product along ``dim`` (default: the first dim of size 3)."""
    if dim is None:
        dim = next((i for i, n in enumerate(input.shape) if n == 3), -1)
    return linalg.cross(input, other, dim=dim, out=out)


def _torch_level(name: str, target, doc: str):
    """``torch.<name>`` and ``Tensor.<name>`` forwarding to a ``torch.linalg`` function."""
    def op(input, *args, **kwargs):
        return target(input, *args, **kwargs)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return register(op, name=name)


det = _torch_level("det", linalg.det, "Determinant of ``(*, n, n)``.")
slogdet = _torch_level("slogdet", linalg.slogdet, "``(sign, log|det|)`` of ``(*, n, n)``.")
inverse = _torch_level("inverse", linalg.inv, "Inverse of ``(*, n, n)``.")
matrix_power = _torch_level("matrix_power", linalg.matrix_power, "``A`` to the integer power ``n``.")
matrix_exp = _torch_level("matrix_exp", linalg.matrix_exp, "Matrix exponential of ``(*, n, n)``.")
orgqr = _torch_level("orgqr", linalg.householder_product, "Product of Householder reflectors.")


def _logdet(a):
    sign, logabs = jnp.linalg.slogdet(a)
    if jnp.iscomplexobj(a):
        return jnp.log(sign) + logabs
    return jnp.where(sign < 0, jnp.nan, jnp.where(sign == 0, -jnp.inf, logabs))


@register
def logdet(input) -> Tensor:
    """``log(det(input))`` for ``(*, n, n)``: NaN for a negative determinant, -inf for zero."""
    linalg._check_square("linalg.slogdet", input)
    return apply(_logdet, input, name="LogdetBackward0")


@register
def pinverse(input, rcond: float = 1e-15) -> Tensor:
    """Pseudo-inverse with singular values below ``rcond * s_max`` dropped."""
    return linalg.pinv(input, rtol=rcond)


@register
def cholesky(input, upper: bool = False, *, out=None) -> Tensor:
    """Cholesky factor (lower, or upper with ``upper``) of ``(*, n, n)``."""
    return linalg.cholesky(input, upper=upper, out=out)


def _cholesky_solve(b, u, *, upper):
    batch = jnp.broadcast_shapes(b.shape[:-2], u.shape[:-2])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    u = jnp.broadcast_to(u, batch + u.shape[-2:])
    lower = jnp.conj(jnp.swapaxes(u, -1, -2)) if upper else u
    y = jax.lax.linalg.triangular_solve(lower, b, left_side=True, lower=True)
    return jax.lax.linalg.triangular_solve(lower, y, left_side=True, lower=True, transpose_a=True,
                                           conjugate_a=True)


@register
def cholesky_solve(input, input2, upper: bool = False, *, out=None) -> Tensor:
    """``X`` with ``A X = input`` given ``A``'s Cholesky factor ``input2``."""
    if input.ndim < 2 or input2.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {input.ndim} dimensions instead"
                           if input.ndim < 2 else
                           f"u should have at least 2 dimensions, but has {input2.ndim} dimensions instead")
    return write_out(apply(_cholesky_solve, input, input2, static=(("upper", upper),),
                           name="CholeskySolveBackward0"), out)


def _cholesky_inverse(u, *, upper):
    eye = jnp.broadcast_to(jnp.eye(u.shape[-1], dtype=u.dtype), u.shape)
    return _cholesky_solve(eye, u, upper=upper)


@register
def cholesky_inverse(input, upper: bool = False, *, out=None) -> Tensor:
    """Inverse of ``A`` given its Cholesky factor ``input``."""
    linalg._check_square("cholesky_inverse", input, "input")
    return write_out(apply(_cholesky_inverse, input, static=(("upper", upper),), name="CholeskyInverseBackward0"),
                     out)


def _geqrf(a):
    from jax._src.lax.linalg import geqrf as lapack_geqrf
    return lapack_geqrf(a)


@register
def geqrf(input, *, out=None):
    """LAPACK's packed QR of ``(*, m, n)``: ``(a, tau)``, R on and above the diagonal of ``a``, the Householder
    vectors below it, ``tau`` ``(*, min(m, n))``. Not differentiable."""
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{scalar_type_name(input.dtype)}'")
    result = return_types.geqrf(*apply(_geqrf, input.detach()))
    return result if out is None else return_types.geqrf(*write_out(result, out))


def _ormqr(a, tau, c, *, left, transpose):
    m = a.shape[-2]
    a = a[..., :m] if a.shape[-1] >= m else jnp.pad(a, [(0, 0)] * (a.ndim - 1) + [(0, m - a.shape[-1])])
    q = linalg._householder_product(a, tau)
    if transpose:
        q = jnp.conj(jnp.swapaxes(q, -1, -2))
    return jnp.matmul(q, c) if left else jnp.matmul(c, q)


@register
def ormqr(input, input2, input3, left: bool = True, transpose: bool = False, *, out=None) -> Tensor:
    """``Q @ other`` (``other @ Q`` unless ``left``; ``Qᴴ`` with ``transpose``) for the ``(*, m, m)`` Q whose
    Householder reflectors ``geqrf`` packed into ``input`` ``(*, m, n)`` and ``input2`` (tau)."""
    a, tau, c, name = input, input2, input3, "torch.ormqr"
    for t, arg in ((a, "input"), (c, "other")):
        if t.ndim < 2:
            raise RuntimeError(f"{name}: {arg} must have at least 2 dimensions.")
    if tau.ndim != a.ndim - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.ndim} and input.ndim is equal to {a.ndim}")
    if c.ndim != a.ndim:
        raise RuntimeError(f"{name}: Expected other to have the same number of dimensions as input, but got "
                           f"other.ndim equal to {c.ndim} and input.ndim is equal to {a.ndim}")
    dim = -2 if left else -1
    if c.shape[dim] != a.shape[-2]:
        raise RuntimeError(f"{name}: other.shape[{dim}] must be equal to input.shape[-2]")
    if tau.shape[-1] != min(c.shape[dim], a.shape[-1]):
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{dim}], input.shape[-1])")
    for t, arg in ((tau, "tau"), (c, "other")):
        if t.dtype is not a.dtype:
            raise RuntimeError(f"{name}: Expected input and {arg} to have the same dtype, but input has dtype"
                               f"{scalar_type_name(a.dtype)} and {arg} has dtype {scalar_type_name(t.dtype)}")
    return write_out(apply(_ormqr, a, tau, c, static=(("left", left), ("transpose", transpose)),
                           name="OrmqrBackward0"), out)


@register
def qr(input, some: bool = True, *, out=None):
    """``(Q, R)`` of ``(*, m, n)``: reduced when ``some``, else complete."""
    result = return_types.qr(*linalg.qr(input, "reduced" if some else "complete"))
    return result if out is None else return_types.qr(*write_out(result, out))


def _svd(a, *, some, compute_uv):
    m, n = a.shape[-2:]
    if not compute_uv:
        s = jnp.linalg.svd(a, compute_uv=False)
        return (jnp.zeros(a.shape[:-2] + (m, m if not some else min(m, n)), a.dtype), s,
                jnp.zeros(a.shape[:-2] + (n, n if not some else min(m, n)), a.dtype))
    u, s, vh = jnp.linalg.svd(a, full_matrices=not some)
    return u, s, jnp.conj(jnp.swapaxes(vh, -1, -2))


@register
def svd(input, some: bool = True, compute_uv: bool = True, *, out=None):
    """``(U, S, V)`` with ``input = U diag(S) V^H`` (note V, not V^H)."""
    linalg._check_matrix("linalg.svd", input)
    result = return_types.svd(*apply(_svd, input, static=(("some", some), ("compute_uv", compute_uv)),
                                     name="LinalgSvdBackward0"))
    return result if out is None else return_types.svd(*write_out(result, out))


@register
def lu(input, pivot: bool = True, get_infos: bool = False, out=None):
    """``(LU, pivots)`` (with ``infos`` when ``get_infos``) of ``(*, m, n)``."""
    LU, pivots, infos = linalg.lu_factor_ex(input, pivot=pivot)
    result = (LU, pivots, infos) if get_infos else (LU, pivots)
    return write_out(result, out) if out is not None else result


@register
def lu_solve(b, LU_data, LU_pivots, *, out=None) -> Tensor:
    """``X`` with ``A X = b`` given ``A``'s packed LU factors."""
    return linalg.lu_solve(LU_data, LU_pivots, b, out=out)


@register(method=False)
def lu_unpack(LU_data, LU_pivots, unpack_data: bool = True, unpack_pivots: bool = True, *, out=None):
    """``(P, L, U)`` from the packed output of ``lu``/``linalg.lu_factor``."""
    P, L, U = apply(linalg._lu_unpack, LU_data, LU_pivots,
                    static=(("unpack_data", unpack_data), ("unpack_pivots", unpack_pivots)), name="LuUnpackBackward0")
    result = return_types.lu_unpack(P.detach(), L, U)  # a permutation has no gradient
    return result if out is None else return_types.lu_unpack(*write_out(result, out))


def _triangular_solve(b, a, *, upper, transpose, unit):
    if transpose:
        a, upper = jnp.swapaxes(a, -1, -2), not upper
    x = linalg._triangular(a, b, upper=upper, left=True, unit=unit)
    return x, jnp.broadcast_to(a if not transpose else jnp.swapaxes(a, -1, -2), x.shape[:-2] + a.shape[-2:])


@register
def triangular_solve(input, A, upper: bool = True, transpose: bool = False, unitriangular: bool = False, *,
                     out=None):
    """``(X, A)`` with ``A X = input`` (``A^T X = input`` with ``transpose``) for triangular ``A``."""
    if input.ndim < 2 or A.ndim < 2:
        raise RuntimeError(f"torch.triangular_solve: Expected b to have at least 2 dimensions, but it has "
                           f"{input.ndim} dimensions instead" if input.ndim < 2 else
                           f"torch.triangular_solve: Expected A to have at least 2 dimensions, but it has "
                           f"{A.ndim} dimensions instead")
    result = return_types.triangular_solve(*apply(
        _triangular_solve, input, A, static=(("upper", upper), ("transpose", transpose), ("unit", unitriangular)),
        name="TriangularSolveBackward0"))
    return result if out is None else return_types.triangular_solve(*write_out(result, out))


def _vander(x, *, n, increasing):
    powers = jnp.arange(n)
    if not increasing:
        powers = powers[::-1]
    return x[:, None] ** powers.astype(x.dtype)


@register(method=False)
def vander(x, N: int | None = None, increasing: bool = False) -> Tensor:
    """``(n,)`` → ``(n, N)`` of powers of ``x`` (decreasing unless ``increasing``)."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is not None and N < 0:
        raise RuntimeError("N must be non-negative.")
    n = x.shape[0] if N is None else N
    if x.dtype is dt.bool or x.dtype._kind in "iu":
        x = x.to(dt.int64)
    return apply(_vander, x, static=(("n", int(n)), ("increasing", increasing)))


def _triangle_indices(row: int, col: int, offset: int, lower: bool, dtype):
    from .creation import tensor
    r, c = np.tril_indices(row, offset, col) if lower else np.triu_indices(row, offset, col)
    return tensor(np.stack([r, c]).astype(np.int64), dtype=dtype or dt.int64)


@register(method=False)
def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """``(2, k)`` row/column indices of the lower triangle (below diagonal ``offset``) of ``row × col``."""
    return _triangle_indices(row, col, offset, True, dtype)


@register(method=False)
def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
    """``(2, k)`` row/column indices of the upper triangle (above diagonal ``offset``) of ``row × col``."""
    return _triangle_indices(row, col, offset, False, dtype)


def _matmul_operator(self, other):
    return Tensor.matmul(self, other) if isinstance(other, Tensor) else NotImplemented


def _rmatmul_operator(self, other):
    return Tensor.matmul(other, self) if isinstance(other, Tensor) else NotImplemented


Tensor.__matmul__ = _matmul_operator
Tensor.__rmatmul__ = _rmatmul_operator
