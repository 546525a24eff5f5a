"""Dropout layers: active in training mode only."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ._utils import named
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    _fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


def _make(name: str, fn, doc: str):
    cls = type(name, (_DropoutNd,), {"_fn": staticmethod(fn)})
    return named(cls, name, doc, __name__)


Dropout = _make("Dropout", F.dropout, "Zero each element with probability p, scaling the rest by 1/(1-p).")
Dropout1d = _make("Dropout1d", F.dropout1d, "Zero whole channels of (N, C, L) with probability p.")
Dropout2d = _make("Dropout2d", F.dropout2d, "Zero whole channels of (N, C, H, W) with probability p.")
Dropout3d = _make("Dropout3d", F.dropout3d, "Zero whole channels of (N, C, D, H, W) with probability p.")
AlphaDropout = _make("AlphaDropout", F.alpha_dropout, "Dropout that keeps SELU's mean and variance.")
FeatureAlphaDropout = _make("FeatureAlphaDropout", F.feature_alpha_dropout, "Channel-wise alpha dropout.")
