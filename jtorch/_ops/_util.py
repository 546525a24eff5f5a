"""Helpers shared by the op families: operand conversion, PyTorch's promotion, dims, ``out=``."""
from __future__ import annotations

import functools
import numbers

import jax.numpy as jnp
import numpy as np

from .. import _dtype as dt
from .._tensor import Tensor, _wrap_dim

wrap_dim = _wrap_dim


def host_checkable(t: Tensor) -> bool:
    """Whether ``t``'s values can be read for an argument check (not while a compiled function is traced)."""
    import jax
    return not isinstance(t._value, jax.core.Tracer)


def is_scalar(x) -> bool:
    return isinstance(x, (numbers.Number, np.number, np.bool_)) and not isinstance(x, Tensor)


def result_dtype(*operands) -> dt.dtype:
    """PyTorch's result dtype of an op over tensors and Python numbers."""
    dims, zero_dims, scalars = [], [], []
    for x in operands:
        if isinstance(x, Tensor):
            (dims if x.ndim else zero_dims).append(x.dtype)
        elif x is not None:
            scalars.append(dt.scalar_dtype(x.item() if isinstance(x, (np.number, np.bool_)) else x))
    return dt.result_type_from(dims, zero_dims, scalars)


def _broadcast_pair(a: tuple, b: tuple) -> tuple:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")
    return tuple(max(x, y) if x and y else 0 for x, y in zip(a, b))


def broadcast_shapes(*operands) -> tuple:
    """The shape that ``operands`` (Tensors, shapes, Python numbers or None, skipped) broadcast to, combined
    in PyTorch's order so that its error names the same one as ``a``; PyTorch's RuntimeError when they do not."""
    shapes = [tuple(x.shape) if isinstance(x, Tensor) else x for x in operands if x is not None]
    return functools.reduce(_broadcast_pair, [s if isinstance(s, tuple) else () for s in shapes])


def check_broadcast(*operands) -> None:
    """PyTorch's RuntimeError when the Tensors among ``operands`` do not broadcast together."""
    if len({x.shape for x in operands if isinstance(x, Tensor)}) > 1:
        broadcast_shapes(*operands)


def float_dtype(d: dt.dtype) -> dt.dtype:
    """The dtype a floating-point op computes in for input dtype ``d`` (ints and bool go to the default)."""
    return d if d.is_floating_point or d.is_complex else dt.get_default_dtype()


def operand(x):
    """A Tensor stays a Tensor; a Python number stays a number (it becomes a weakly-typed JAX scalar)."""
    if isinstance(x, (np.number, np.bool_)):
        return x.item()
    return x


def ensure_tensor(x, name: str = "input") -> Tensor:
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{name} (position 1) must be Tensor, not {type(x).__name__}")


def to_tensor(x, dtype: dt.dtype | None = None) -> Tensor:
    """A Tensor from a Tensor, number, list or array (for arguments that may be either)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor
    return tensor(x, dtype=dtype)


def np_dtype(d: dt.dtype):
    return dt.to_jax_dtype(d)


def dims_tuple(dim, ndim: int) -> tuple | None:
    """Normalised reduction dims: None means all; ints and sequences are wrapped and sorted."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        wrapped = tuple(sorted(wrap_dim(int(d), ndim) for d in dim))
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"dim {wrapped[0]} appears multiple times in the list of dims")
        return wrapped
    return (wrap_dim(int(dim), ndim),)


def write_out(result, out):
    """Honour an ``out=`` argument: copy the result into ``out`` (resizing it, as PyTorch does)."""
    if out is None:
        return result
    if isinstance(result, tuple):
        for r, o in zip(result, out):
            write_out(r, o)
        return out
    if not isinstance(out, Tensor):
        raise TypeError(f"out must be Tensor, not {type(out).__name__}")
    if result.dtype is not out.dtype and not dt.can_cast(result.dtype, out.dtype):
        from .._tensor import scalar_type_name
        raise RuntimeError(f"result type {scalar_type_name(result.dtype)} can't be cast to the desired output "
                           f"type {scalar_type_name(out.dtype)}")
    if out.requires_grad and out.is_leaf and result.requires_grad:
        raise RuntimeError(f"{'function'}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    value = result._value.astype(out.dtype.np_dtype)
    if out._view is None:
        out._array = value
        out._version_counter[0] += 1
    else:
        from .._tensor import write_view
        out._check_no_internal_overlap()
        base = out._view.base
        base._array = write_view(base._value, jnp.broadcast_to(value, out.shape), chain=out._view.chain)
        out._version_counter[0] += 1
        out._view.synced = out._version_counter[0]
        out._array = value
    return out


def static(**kwargs) -> tuple:
    """Hashable static arguments for ``apply``: lists become tuples, dtypes become numpy dtypes."""
    items = []
    for k, v in kwargs.items():
        if isinstance(v, list):
            v = tuple(v)
        elif isinstance(v, dt.dtype):
            v = dt.to_jax_dtype(v)
        items.append((k, v))
    return tuple(items)
