"""Parameter and Buffer: the tensors a Module registers when they are assigned as attributes."""
from __future__ import annotations

from ..autograd import grad_mode
from .._tensor import Tensor


def _array_of(data) -> object:
    if data is None:
        import jax.numpy as jnp
        from .._dtype import get_default_dtype
        return jnp.zeros((0,), get_default_dtype().np_dtype)
    if not isinstance(data, Tensor):
        raise TypeError(f"Parameter/Buffer data must be a Tensor, not {type(data).__name__}")
    return data._value


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter; ``requires_grad`` defaults to True."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        t = object.__new__(cls)
        Tensor._init(t, _array_of(data))
        with grad_mode.no_grad():
            t.requires_grad = requires_grad
        return t

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A Tensor marked to become a Module buffer when assigned (``persistent`` decides state_dict membership).

    Assigning a Buffer to a Module attribute registers a plain Tensor of the same data.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        t = object.__new__(cls)
        Tensor._init(t, _array_of(data))
        t.persistent = persistent
        return t

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True):
        pass

