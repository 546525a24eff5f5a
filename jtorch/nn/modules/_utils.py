"""Helpers shared by the layer families."""
from __future__ import annotations


def named(cls: type, name: str, doc: str, module: str) -> type:
    """Give a class made by a factory its public name (also in its methods' qualified names)."""
    cls.__name__, cls.__qualname__, cls.__doc__ = name, name, doc
    cls.__module__ = module
    for attr in vars(cls).values():
        if callable(attr) and not isinstance(attr, type) and hasattr(attr, "__qualname__"):
            attr.__qualname__ = f"{name}.{attr.__name__}"
    return cls
