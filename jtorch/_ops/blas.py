"""Matrix products: matmul, mm, bmm, mv, dot, outer, addmm/addmv/addbmm/baddbmm, einsum, tensordot, kron."""
from __future__ import annotations

import jax.numpy as jnp

from .._tensor import Tensor
from ._dispatch import apply
from ._registry import register
from ._util import np_dtype, result_dtype, write_out


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
        raise RuntimeError(f"self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix")
    return matmul(input, mat2, out=out)


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


def _addmm_like(bias, a, b, beta, alpha, *, dtype):
    prod = jnp.matmul(a, b)
    if alpha is not None:
        prod = prod * jnp.asarray(alpha).astype(dtype)
    if beta is None:
        return bias.astype(dtype) + prod
    if isinstance(beta, (int, float)) and beta == 0:
        return jnp.broadcast_to(prod, jnp.broadcast_shapes(bias.shape, prod.shape)).astype(dtype)
    return jnp.asarray(beta).astype(dtype) * bias.astype(dtype) + prod


def _scaled_product(name: str, check):
    def op(input, a, b, *, beta=1, alpha=1, out=None):
        check(a, b)
        d = result_dtype(input, a, b)
        beta_arg = None if beta == 1 else beta
        return write_out(apply(_addmm_like, input, a, b, beta_arg, None if alpha == 1 else alpha,
                               static=(("dtype", np_dtype(d)),), name=f"{name.capitalize()}Backward0"), out)
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


def _addbmm(bias, a, b, beta, alpha, *, dtype):
    prod = jnp.sum(jnp.matmul(a, b), axis=0) * (1 if alpha is None else jnp.asarray(alpha).astype(dtype))
    return (bias.astype(dtype) if beta is None else jnp.asarray(beta).astype(dtype) * bias.astype(dtype)) + prod


@register(inplace=True)
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``."""
    d = result_dtype(input, batch1, batch2)
    return write_out(apply(_addbmm, input, batch1, batch2, None if beta == 1 else beta, None if alpha == 1 else alpha,
                           static=(("dtype", np_dtype(d)),)), out)


def _addr(bias, a, b, beta, alpha, *, dtype):
    prod = jnp.outer(a, b).astype(dtype) * (1 if alpha is None else jnp.asarray(alpha).astype(dtype))
    return (bias.astype(dtype) if beta is None else jnp.asarray(beta).astype(dtype) * bias.astype(dtype)) + prod


@register(inplace=True)
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    d = result_dtype(input, vec1, vec2)
    return write_out(apply(_addr, input, vec1, vec2, None if beta == 1 else beta, None if alpha == 1 else alpha,
                           static=(("dtype", np_dtype(d)),)), out)


def _einsum(*operands, equation):
    return jnp.einsum(equation, *operands)


@register(method=False)
def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation over ``operands`` as described by ``equation``."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return apply(_einsum, *operands, static=(("equation", equation.replace(" ", "")),), name="EinsumBackward0")


def _tensordot(a, b, *, axes):
    return jnp.tensordot(a, b, axes)


@register(method=False)
def tensordot(a, b, dims=2, out=None) -> Tensor:
    """Sum of products over the dims ``dims`` of ``a`` and ``b``."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    axes = dims if isinstance(dims, int) else tuple(tuple(d) if isinstance(d, (list, tuple)) else (d,) for d in dims)
    return write_out(apply(_tensordot, a, b, static=(("axes", axes),)), out)


def _kron(a, b):
    return jnp.kron(a, b)


@register
def kron(input, other, *, out=None) -> Tensor:
    """Kronecker product."""
    return write_out(apply(_kron, input, other), out)
