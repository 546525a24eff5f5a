"""Losses given a target of another shape, against torch: the size warning, broadcasting where the shapes
broadcast and torch's RuntimeError where they do not."""
import warnings

import pytest

from _compare import check

LOSSES = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss", "kl_div", "poisson_nll_loss",
          "gaussian_nll_loss", "hinge_embedding_loss", "multilabel_soft_margin_loss", "margin_ranking_loss"]
TARGETS = [(3, 1), (4,), (2, 3, 4), (5,), (3, 5)]


def _call(lib, name, target_shape, reduction):
    x = lib.linspace(0.05, 0.95, 12).reshape(3, 4)
    y = lib.linspace(0.9, 0.1, int(lib.Size(target_shape).numel())).reshape(target_shape)
    args = {"gaussian_nll_loss": (x, y, lib.ones(3, 4)), "margin_ranking_loss": (x, x.flip(0), y)}.get(name, (x, y))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = getattr(lib.nn.functional, name)(*args, reduction=reduction)
    return [out, [str(w.message) for w in caught if "batchmean" not in str(w.message)]]


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("target_shape", TARGETS)
def test_functional_loss_with_other_target_shape(name, target_shape):
    for reduction in ("mean", "none"):
        check(lambda lib: _call(lib, name, target_shape, reduction), message_chars=200)


@pytest.mark.parametrize("module", ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "SoftMarginLoss"])
def test_loss_module_with_unbroadcastable_target(module):
    def case(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(lib.nn, module)()(lib.ones(3, 4), lib.ones(3, 5))
    check(case, message_chars=200)
