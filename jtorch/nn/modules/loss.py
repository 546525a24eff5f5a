"""Loss layers: each stores its settings and calls its function in ``nn.functional``."""
from __future__ import annotations

import inspect
import math

from ..._tensor import Tensor
from .. import functional as F
from ._utils import named
from .linear import Linear
from .module import Module

__all__ = ["L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "SmoothL1Loss",
           "HuberLoss", "KLDivLoss", "SoftMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MarginRankingLoss",
           "HingeEmbeddingLoss", "MultiLabelSoftMarginLoss", "CosineEmbeddingLoss", "MultiMarginLoss",
           "TripletMarginLoss", "MultiLabelMarginLoss", "CTCLoss", "TripletMarginWithDistanceLoss",
           "LinearCrossEntropyLoss"]


class _Loss(Module):
    reduction: str

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = F._reduction("mean", size_average, reduce)
        self.reduction = reduction


def _loss(name: str, fn, settings: tuple = (), buffers: tuple = (), inputs: int = 2):
    """A loss layer ``Name(*settings, size_average=None, reduce=None, reduction='mean')``.

    ``settings`` are ``(name, default)`` pairs passed to ``fn`` by keyword; ``buffers`` name settings that are
    tensors registered as buffers (class weights, pos_weight). ``inputs`` tensors go to ``fn`` positionally.
    """
    setting_names = tuple(s for s, _ in settings)
    takes_legacy = "size_average" in inspect.signature(fn).parameters

    def __init__(self, *args, size_average=None, reduce=None, reduction: str = "mean", **kwargs) -> None:
        values = dict(settings)
        order = list(setting_names)
        if takes_legacy and buffers:  # PyTorch's order: weight, size_average, (ignore_index,) reduce, reduction
            order = [buffers[0], "size_average"] + [n for n in setting_names if n != buffers[0]]
        given = dict(zip(order, args))
        size_average = given.pop("size_average", size_average)
        values.update(given)
        for k, v in kwargs.items():
            if k not in values:
                raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{k}'")
            values[k] = v
        _Loss.__init__(self, size_average, reduce, reduction)
        for k, v in values.items():
            if k in buffers:
                self.register_buffer(k, v)
            else:
                setattr(self, k, v)

    def forward(self, *tensors: Tensor) -> Tensor:
        if len(tensors) != inputs:
            raise TypeError(f"{name}.forward() takes {inputs + 1} positional arguments but {len(tensors) + 1} were "
                            "given")
        return fn(*tensors, reduction=self.reduction, **{k: getattr(self, k) for k in setting_names})

    cls = type(name, (_Loss,), {"__init__": __init__, "forward": forward})
    return named(cls, name, f"Layer form of ``nn.functional.{fn.__name__}``.", __name__)


L1Loss = _loss("L1Loss", F.l1_loss)
MSELoss = _loss("MSELoss", F.mse_loss)
SoftMarginLoss = _loss("SoftMarginLoss", F.soft_margin_loss)
SmoothL1Loss = _loss("SmoothL1Loss", F.smooth_l1_loss, (("beta", 1.0),))
HuberLoss = _loss("HuberLoss", F.huber_loss, (("delta", 1.0),))
KLDivLoss = _loss("KLDivLoss", F.kl_div, (("log_target", False),))
CrossEntropyLoss = _loss("CrossEntropyLoss", F.cross_entropy,
                         (("weight", None), ("ignore_index", -100), ("label_smoothing", 0.0)), ("weight",))
NLLLoss = _loss("NLLLoss", F.nll_loss, (("weight", None), ("ignore_index", -100)), ("weight",))
BCELoss = _loss("BCELoss", F.binary_cross_entropy, (("weight", None),), ("weight",))
BCEWithLogitsLoss = _loss("BCEWithLogitsLoss", F.binary_cross_entropy_with_logits,
                          (("weight", None), ("pos_weight", None)), ("weight", "pos_weight"))
PoissonNLLLoss = _loss("PoissonNLLLoss", F.poisson_nll_loss, (("log_input", True), ("full", False), ("eps", 1e-8)))
GaussianNLLLoss = _loss("GaussianNLLLoss", F.gaussian_nll_loss, (("full", False), ("eps", 1e-6)), inputs=3)
MarginRankingLoss = _loss("MarginRankingLoss", F.margin_ranking_loss, (("margin", 0.0),), inputs=3)
HingeEmbeddingLoss = _loss("HingeEmbeddingLoss", F.hinge_embedding_loss, (("margin", 1.0),))
MultiLabelMarginLoss = _loss("MultiLabelMarginLoss", F.multilabel_margin_loss)
MultiLabelSoftMarginLoss = _loss("MultiLabelSoftMarginLoss", F.multilabel_soft_margin_loss, (("weight", None),),
                                 ("weight",))
CosineEmbeddingLoss = _loss("CosineEmbeddingLoss", F.cosine_embedding_loss, (("margin", 0.0),), inputs=3)
MultiMarginLoss = _loss("MultiMarginLoss", F.multi_margin_loss, (("p", 1), ("margin", 1.0), ("weight", None)),
                        ("weight",))
TripletMarginLoss = _loss("TripletMarginLoss", F.triplet_margin_loss,
                          (("margin", 1.0), ("p", 2.0), ("eps", 1e-6), ("swap", False)), inputs=3)
MultiLabelMarginLoss = _loss("MultiLabelMarginLoss", F.multilabel_margin_loss)


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss (see ``nn.functional.ctc_loss`` for shapes)."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths, target_lengths) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)


class TripletMarginWithDistanceLoss(_Loss):
    """max(d(a, p) - d(a, n) + margin, 0) with a custom distance (PairwiseDistance by default)."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                             "instead")
        from .distance import PairwiseDistance
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(anchor, positive, negative,
                                                   distance_function=self.distance_function, margin=self.margin,
                                                   swap=self.swap, reduction=self.reduction)


class LinearCrossEntropyLoss(_Loss):
    """A Linear layer (in_features -> num_classes * prod(out_features)) followed by cross entropy:
    input (N, in) or (in), target (N, *out_features) class indices or (N, C, *out_features) probabilities."""

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple = (), bias: bool = False,
                 device=None, dtype=None, reduction: str = "mean", weight: Tensor | None = None,
                 ignore_index: int | None = None, label_smoothing: float = 0.0, options=None) -> None:
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(reduction=reduction)
        self.register_buffer("weight", weight)
        self.num_classes, self.out_features = num_classes, out_features
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing
        self.linear = Linear(in_features, math.prod(out_features) * num_classes, bias=bias, device=device,
                             dtype=dtype)
        self.options = options

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        weight = self.linear.weight.reshape((self.num_classes, *self.out_features, self.linear.in_features))
        bias = None if self.linear.bias is None else self.linear.bias.reshape((self.num_classes, *self.out_features))
        return F.linear_cross_entropy(input, weight, target, linear_bias=bias, weight=self.weight,
                                      reduction=self.reduction, ignore_index=self.ignore_index,
                                      label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
