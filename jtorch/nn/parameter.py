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



class UninitializedTensorMixin:
    """A parameter or buffer of a lazy module whose shape is not known yet; ``materialize`` gives it one."""

    cls_to_become: type

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor uninitialised storage of ``shape`` and make it a plain ``cls_to_become``."""
        from .._ops.creation import empty
        self.data = empty(shape, dtype=self.dtype if dtype is None else dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
                           "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, dtype=self.dtype)
        return memo[id(self)]

    def __reduce_ex__(self, proto):
        return type(self), (self.requires_grad,)


def _empty_of(dtype) -> Tensor:
    from .._dtype import get_default_dtype
    from .._ops.creation import empty
    return empty(0, dtype=get_default_dtype() if dtype is None else dtype)


def is_lazy(param) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter of a lazy module, before its first forward infers its shape."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return super().__new__(cls, _empty_of(dtype), requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer of a lazy module, before its first forward infers its shape."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        t = object.__new__(cls)
        Tensor._init(t, _empty_of(dtype)._value, requires_grad)
        return t

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        pass
