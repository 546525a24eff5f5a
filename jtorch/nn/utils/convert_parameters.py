"""Flatten parameters into one vector and back."""
from __future__ import annotations

from typing import Iterable

from ..._tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated: one 1-D tensor."""
    from ..._ops import shape
    if isinstance(parameters, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(parameters).__name__}")
    return shape.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (their ``.data``)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    offset = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[offset:offset + n].view_as(p).detach()
        offset += n
