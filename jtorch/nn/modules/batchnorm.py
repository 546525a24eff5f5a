"""Batch normalisation layers (and the base shared with instance norm)."""
from __future__ import annotations

from ... import _dtype as dt
from ..._ops.creation import empty, ones, tensor, zeros
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._utils import named
from .linear import _factory
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _NormBase(Module):
    """Per-channel affine parameters and (optionally) running mean/var buffers."""

    _version = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        kw = _factory(device, dtype)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(empty(num_features, **kw))
            if bias:
                self.bias = Parameter(empty(num_features, **kw))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, **kw))
            self.register_buffer("running_var", ones(num_features, **kw))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dt.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        version = local_metadata.get("version", None)
        if (version is None or version < 2) and self.track_running_stats:
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked is not None
                                   else tensor(0, dtype=dt.int64))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class _BatchNorm(_NormBase):
    _dims: tuple = ()

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"expected {want} input (got {input.dim()}D input)")

    def _check_features(self, input: Tensor) -> None:
        channels = input.shape[1]
        for name in ("running_mean", "running_var", "weight", "bias"):
            value = getattr(self, name)
            if value is not None and value.numel() != channels:
                raise RuntimeError(f"{name} should contain {channels} elements not {value.numel()}")

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, *) -> same shape; batch statistics in training, running statistics in eval."""
        self._check_input_dim(input)
        self._check_features(input)
        factor = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats and self.num_batches_tracked is not None
        if counting and self.momentum is None:
            factor = 1.0 / float(self.num_batches_tracked.item() + 1)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep_running = not self.training or self.track_running_stats
        out = F.batch_norm(input, self.running_mean if keep_running else None,
                           self.running_var if keep_running else None, self.weight, self.bias, use_batch, factor,
                           self.eps)
        if counting:  # only once the batch was accepted: a failed call changes nothing
            self.num_batches_tracked.add_(1)
        return out


def _make_batch_norm(n: int, dims: tuple):
    class BatchNorm(_BatchNorm):
        _dims = dims
    return named(BatchNorm, f"BatchNorm{n}d", f"Batch normalisation over {' or '.join(map(str, dims))}-d input.",
                 __name__)


BatchNorm1d = _make_batch_norm(1, (2, 3))
BatchNorm2d = _make_batch_norm(2, (4,))
BatchNorm3d = _make_batch_norm(3, (5,))
