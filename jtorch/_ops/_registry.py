"""One registry for every op: each definition yields ``torch.f``, ``Tensor.f`` and ``Tensor.f_``."""
from __future__ import annotations

from typing import Callable

from .._tensor import Tensor
from ..amp import autocast_mode

TORCH_FUNCTIONS: dict = {}


def register(fn: Callable | None = None, *, name: str | None = None, function: bool = True, method: bool = True,
             inplace: bool = False, restrides: bool = False, aliases: tuple = (), method_only_aliases: tuple = ()):
    """Register ``fn(input, ...)`` as ``torch.<name>`` (``function``), ``Tensor.<name>`` (``method``) and,
    with ``inplace``, ``Tensor.<name>_``, which commits the out-of-place result into ``self``; with ``restrides``
    (view ops) ``self`` becomes the view instead, taking its shape.

    The public forms follow autocast's policy for the op's name; the returned ``fn`` (what other ops call
    internally) does not."""
    def decorate(fn):
        op_name = name or fn.__name__
        for alias in (op_name,) + tuple(aliases):
            public = autocast_mode.mark(fn, alias)
            if function:
                TORCH_FUNCTIONS[alias] = public
            if method:
                setattr(Tensor, alias, public)
            if inplace:
                setattr(Tensor, alias + "_", _make_inplace(fn, alias + "_", restrides))
        for alias in method_only_aliases:
            setattr(Tensor, alias, fn)
        return fn
    return decorate(fn) if fn is not None else decorate


def _make_inplace(fn: Callable, name: str, restrides: bool = False) -> Callable:
    def inplace(self, *args, **kwargs):
        if restrides:
            return self._commit_restride(fn(self, *args, **kwargs))
        return self._commit_inplace(fn(self, *args, **kwargs))
    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"In-place version of :meth:`Tensor.{name[:-1]}`."
    return inplace


def register_method(fn: Callable | None = None, *, name: str | None = None):
    """Register a Tensor method that has no ``torch.*`` function."""
    return register(fn, name=name, function=False)
