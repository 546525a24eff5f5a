"""Categorical: a distribution over the indices 0..K-1 given by ``probs`` or ``logits`` of shape ``(*batch, K)``."""
from __future__ import annotations

import math

from .distribution import Distribution


def _simplex(value):
    return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class Categorical(Distribution):
    """``Categorical(probs=p)`` or ``Categorical(logits=l)``; samples are int64 of shape ``sample_shape + batch``."""

    arg_constraints = {"probs": ("Simplex()", _simplex),
                       "logits": ("IndependentConstraint(Real(), 1)", lambda v: (v == v).all(-1))}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size(-1)
        super().__init__(self._param.size()[:-1], (), validate_args)

    def __getattr__(self, name):
        # probs and logits are derived from each other on first use, then kept, as in PyTorch.
        if name == "logits" and "probs" in self.__dict__:
            eps = _finfo_eps(self.probs)
            self.logits = self.probs.clamp(min=eps, max=1 - eps).log()
            return self.logits
        if name == "probs" and "logits" in self.__dict__:
            self.probs = self.logits.softmax(-1)
            return self.probs
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def support(self):
        upper = self._num_events - 1
        return (f"IntegerInterval(lower_bound=0, upper_bound={upper})",
                lambda v: (v % 1 == 0) & (v >= 0) & (v <= upper))

    @property
    def mean(self):
        return self.probs.new_full(tuple(self._extended_shape()), math.nan)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return self.probs.new_full(tuple(self._extended_shape()), math.nan)

    def sample(self, sample_shape=()):
        from .. import Size, multinomial
        sample_shape = Size(sample_shape)
        probs_2d = self.probs.reshape(-1, self._num_events)
        samples_2d = multinomial(probs_2d.detach(), sample_shape.numel(), True).T
        return samples_2d.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        """log p(value) for int ``value`` broadcastable with ``batch_shape``."""
        from .. import broadcast_tensors
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        """-sum(p log p) over the last dimension: shape ``batch_shape``."""
        logits = self.logits.clamp(min=_finfo_min(self.logits))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True):
        """The values 0..K-1 of shape ``(K, *batch)`` (``(K, 1, ...)`` when ``expand=False``)."""
        from .. import arange, int64
        values = arange(self._num_events, dtype=int64, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


def _finfo_eps(t) -> float:
    from .. import finfo
    return finfo(t.dtype).eps


def _finfo_min(t) -> float:
    from .. import finfo
    return finfo(t.dtype).min
