"""nn.functional resampling, unpooling, im2col, grid sampling and the less common losses, against torch."""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import jtorch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared comparison helpers
from _compare import check_error, check_grads  # noqa: E402

rng = np.random.default_rng(0)
X3 = rng.standard_normal((2, 3, 5)).astype(np.float32)
X4 = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
X5 = rng.standard_normal((1, 2, 3, 4, 5)).astype(np.float32)
GRID = (rng.standard_normal((2, 4, 3, 2)) * 0.8).astype(np.float32)
GRID3 = (rng.standard_normal((1, 2, 3, 4, 3)) * 0.8).astype(np.float32)
LOG_PROBS = np.log(rng.dirichlet(np.ones(5), size=(12, 2))).astype(np.float32)


def F(lib):
    return lib.nn.functional


@pytest.mark.parametrize("kwargs", [
    dict(scale_factor=1.7), dict(scale_factor=0.6, mode="nearest-exact"), dict(size=(7, 4), mode="nearest"),
    dict(size=(7, 9), mode="bicubic"), dict(scale_factor=1.5, mode="bicubic", align_corners=True),
    dict(scale_factor=0.7, mode="bilinear"), dict(scale_factor=2, mode="bilinear", recompute_scale_factor=True),
])
def test_interpolate_2d(kwargs):
    check_grads(lambda lib, x: F(lib).interpolate(x, **kwargs), X4, rtol=1e-5, atol=1e-5)


def test_interpolate_other_ranks_and_deprecated_forms():
    check_grads(lambda lib, x: F(lib).interpolate(x, scale_factor=1.7, mode="nearest"), X3)
    check_grads(lambda lib, x: F(lib).interpolate(x, scale_factor=1.3, mode="trilinear"), X5, rtol=1e-5, atol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_grads(lambda lib, x: F(lib).upsample_bilinear(x, scale_factor=2), X4, rtol=1e-5, atol=1e-6)
        check_grads(lambda lib, x: F(lib).upsample_nearest(x, size=(3, 8)), X4)
    check_error(lambda lib, x: F(lib).interpolate(x, size=(3, 4), mode="bicubic"), X3)
    check_error(lambda lib, x: F(lib).interpolate(x, size=(3,)), X4)


def test_pad_negative_and_wrapping_modes():
    for pads in ((-1, 2, 2, -3), (1, -1, -2, 1)):
        for mode in ("replicate", "circular", "reflect"):
            check_grads(lambda lib, x: F(lib).pad(x, pads, mode=mode), X4)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_max_unpool_round_trip(n):
    x = {1: X3, 2: X4, 3: X5}[n]

    def case(lib, x):
        values, indices = getattr(F(lib), f"max_pool{n}d")(x, 2, stride=1, return_indices=True)
        return getattr(F(lib), f"max_unpool{n}d")(values, indices, 2, stride=1)
    check_grads(case, x)
    check_error(lambda lib, x: getattr(F(lib), f"max_unpool{n}d")(x, x.long(), 2, output_size=(1,) * n), x)


def test_fractional_max_pool_with_fixed_samples():
    u2, u3 = rng.random((2, 3, 2)).tolist(), rng.random((1, 2, 3)).tolist()  # lists: passed through, no grad
    check_grads(lambda lib, x, u: F(lib).fractional_max_pool2d(x, (2, 3), output_size=(3, 4), return_indices=True,
                                                         _random_samples=lib.tensor(u)), X4, u2)
    check_grads(lambda lib, x, u: F(lib).fractional_max_pool3d(x, 2, output_ratio=0.5, _random_samples=lib.tensor(u)),
                X5, u3)
    check_error(lambda lib, x: F(lib).fractional_max_pool2d(x, 2), X4)


def test_fractional_max_pool_reads_the_leading_rows_of_larger_samples():
    u2, u3 = rng.random((3, 3, 2)).tolist(), rng.random((2, 2, 3)).tolist()
    check_grads(lambda lib, x, u: F(lib).fractional_max_pool2d(x, 2, output_size=(3, 4), _random_samples=lib.tensor(u)),
                X4[0], u2)  # unbatched: row 0 only
    check_grads(lambda lib, x, u: F(lib).fractional_max_pool2d(x, 2, output_size=(3, 4), _random_samples=lib.tensor(u)),
                X4, u2)
    check_grads(lambda lib, x, u: lib.nn.FractionalMaxPool3d(2, output_size=(1, 2, 3),
                                                             _random_samples=lib.tensor(u))(x), X5[0], u3)
    check_error(lambda lib, x: F(lib).fractional_max_pool3d(x, 2, output_size=(2, 2, 3)), X5)
    for bad, dtype in (([[[0.5, 0.5]] * 3], "float32"), (rng.random((3, 2)).tolist(), "float32"),
                       (rng.random((2, 3, 2)).tolist(), "float64")):
        check_error(lambda lib, x, u: F(lib).fractional_max_pool2d(
            x, 2, output_size=(3, 4), _random_samples=lib.tensor(u, dtype=getattr(lib, dtype))), X4, bad)


def test_fractional_max_pool_random_values_come_from_the_input():
    import jtorch
    x = jtorch.tensor(X4)
    out, idx = F(jtorch).fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)
    assert tuple(out.shape) == (2, 3, 2, 3)
    np.testing.assert_array_equal(np.take_along_axis(X4.reshape(2, 3, -1), idx.numpy().reshape(2, 3, -1), 2),
                                  out.numpy().reshape(2, 3, -1))


def test_unfold_fold():
    check_grads(lambda lib, x: F(lib).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), X4)
    cols = rng.standard_normal((2, 12, 18)).astype(np.float32)
    check_grads(lambda lib, c: F(lib).fold(c, (5, 6), (2, 3), padding=1, stride=(2, 1)), cols, rtol=1e-5, atol=1e-6)
    check_grads(lambda lib, c: F(lib).fold(c, (4, 5), 2), cols[0, :, :12].copy())
    check_error(lambda lib, c: F(lib).fold(c, (5, 6), 2), cols)


@pytest.mark.parametrize("mode,padding_mode,align", [
    ("bilinear", "zeros", False), ("bilinear", "border", True), ("nearest", "reflection", False),
    ("bicubic", "reflection", True), ("bicubic", "zeros", False),
])
def test_grid_sample_2d(mode, padding_mode, align):
    check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, mode, padding_mode, align), X4, GRID, rtol=1e-4, atol=1e-5)


def test_grid_sample_3d_and_affine_grid():
    check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, "bilinear", "reflection", False), X5, GRID3,
                rtol=1e-4, atol=1e-5)
    theta = rng.standard_normal((2, 2, 3)).astype(np.float32)
    check_grads(lambda lib, t: F(lib).affine_grid(t, (2, 3, 4, 5), align_corners=False), theta, rtol=1e-5, atol=1e-6)
    check_grads(lambda lib, t: F(lib).affine_grid(t, (2, 1, 3, 4, 5), align_corners=True),
                rng.standard_normal((2, 3, 4)).astype(np.float32), rtol=1e-5, atol=1e-6)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, "bicubic", align_corners=False), X5, GRID3)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, "cubic"), X4, GRID)


def test_pdist_channel_shuffle_and_torch_names():
    rows = rng.standard_normal((5, 3)).astype(np.float32)
    rows[3] = rows[1]  # a zero distance: gradient 0, as in torch
    for p in (2.0, 1.0, 0.5, float("inf")):
        check_grads(lambda lib, x: lib.pdist(x, p), rows, rtol=1e-5, atol=1e-6)
    check_grads(lambda lib, x: F(lib).channel_shuffle(x, 3), rng.standard_normal((2, 6, 2)).astype(np.float32))
    check_grads(lambda lib, x, w: lib.conv2d(x, w, padding=1), X4, X4[:2, :, :3, :3].copy(), rtol=1e-5, atol=1e-5)
    check_error(lambda lib, x: F(lib).channel_shuffle(x, 2), X4)


def test_ctc_loss():
    targets, concat = np.array([[1, 2, 2], [3, 1, 0]]), np.array([1, 2, 2, 3, 1])
    in_len, tgt_len = np.array([12, 10]), np.array([3, 2])
    check_grads(lambda lib, lp, t, i, n: F(lib).ctc_loss(lp, t, i, n, reduction="none"), LOG_PROBS, targets, in_len,
                tgt_len, rtol=1e-5, atol=1e-5)
    check_grads(lambda lib, lp, t, i, n: F(lib).ctc_loss(lp, t, i, n, blank=4, zero_infinity=True), LOG_PROBS, concat,
                in_len, tgt_len, rtol=1e-5, atol=1e-5)
    check_grads(lambda lib, lp, t: F(lib).ctc_loss(lp[:, 0], t, lib.tensor(12), lib.tensor(3)), LOG_PROBS,
                targets[0].copy(), rtol=1e-5, atol=1e-5)


def test_margin_losses_and_linear_cross_entropy():
    x = rng.standard_normal((3, 5)).astype(np.float32)
    labels = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0]])
    for reduction in ("none", "sum"):
        check_grads(lambda lib, a, t: F(lib).multilabel_margin_loss(a, t, reduction=reduction), x, labels)
    check_grads(lambda lib, a, t: F(lib).multilabel_margin_loss(a, t), x[0], labels[0])
    check_grads(lambda lib, a, t: F(lib).multi_margin_loss(a, t, p=2), x[0], np.array([1]))
    check_grads(lambda lib, a, p, n: F(lib).triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: (u - v).abs().sum(-1), swap=True), x, x[::-1].copy(), x * 0.5,
        rtol=1e-5, atol=1e-6)
    check_grads(lambda lib, a, p, n: F(lib).triplet_margin_with_distance_loss(
        a, p, n, distance_function=lib.nn.PairwiseDistance(p=1.5), margin=2.0), x, x[::-1].copy(), x * 0.5,
        rtol=1e-5, atol=1e-6)
    check_error(lambda lib, a: F(lib).triplet_margin_with_distance_loss(a, a, a, margin=0), x)
    w, b = rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    check_grads(lambda lib, a, w, b, t: F(lib).linear_cross_entropy(a, w, t, linear_bias=b, label_smoothing=0.1),
                x, w, b, np.array([0, 3, 1]), rtol=1e-5, atol=1e-6)
    check_grads(lambda lib, a, w, t: F(lib).linear_cross_entropy(a, w, t, reduction="none"), x[0], w, np.array(2),
                rtol=1e-5, atol=1e-6)
    check_error(lambda lib, a, w, t: F(lib).linear_cross_entropy(a, w, t), x, w[:, :3], np.array([0, 3, 1]))


def test_layers_match_torch():
    u = rng.random((2, 3, 2)).tolist()
    check_grads(lambda lib, x, u: lib.nn.FractionalMaxPool2d(2, output_size=3, _random_samples=lib.tensor(u))(x), X4, u)
    check_grads(lambda lib, x: lib.nn.MaxUnpool2d(2)(*lib.nn.MaxPool2d(2, return_indices=True)(x), output_size=(5, 6)),
                X4)
    check_grads(lambda lib, x: lib.nn.Fold((5, 6), 2)(lib.nn.Unfold(2)(x)), X4)
    check_grads(lambda lib, x: lib.nn.ChannelShuffle(3)(x), X4)
    check_grads(lambda lib, lp: lib.nn.CTCLoss(reduction="none")(lp, lib.tensor([[1, 2, 2], [3, 3, 0]]), [12, 9],
                                                                 [3, 2]), LOG_PROBS, rtol=1e-5, atol=1e-5)
    check_grads(lambda lib, a, b, c: lib.nn.TripletMarginWithDistanceLoss()(a, b, c), X4[0, 0], X4[0, 1], X4[0, 2],
                rtol=1e-5, atol=1e-6)


def test_edge_cases_found_by_opinfo():
    a, b = rng.standard_normal((1, 2, 3)).astype(np.float32), rng.standard_normal((2, 1, 3)).astype(np.float32)
    check_grads(lambda lib, x, y: F(lib).cosine_similarity(x, y, dim=-2), a, b, rtol=1e-5, atol=1e-6)
    check_grads(lambda lib, x: F(lib).normalize(x, p=0.0, dim=-1), X3, rtol=1e-5, atol=1e-6)
    check_grads(lambda lib, x: F(lib).avg_pool2d(x, 3, 1, (1,), True, False, 2), X4, rtol=1e-5, atol=1e-6)
    check_grads(lambda lib, x: F(lib).multi_margin_loss(x, lib.tensor(0)), np.array(1.5, np.float32))
    check_grads(lambda lib, x: F(lib).group_norm(x, 1), np.zeros((0, 2), np.float32))


def test_alpha_dropout_forms_default_to_eval():
    check_grads(lambda lib, x: F(lib).feature_alpha_dropout(x), X4, grad=False)
    check_grads(lambda lib, x: F(lib).alpha_dropout(x), X4, grad=False)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("k, s, p, d, ceil", [(2, None, 0, 1, False), (3, 2, 1, 1, True), (3, 1, 1, 2, False),
                                              (2, 2, 1, 1, True), (3, 3, 0, 1, True)])
def test_max_pool_ties_nan_and_signed_zeros(n, k, s, p, d, ceil):
    """Values, indices and gradients bit for bit: ties go to the first maximum, NaN wins, -0.0 stays -0.0."""
    x = rng.standard_normal((2, 3) + (7, 6, 5)[:n]).astype(np.float32)
    x[0, 0].flat[:4] = 0.0
    x[1, 1].flat[2] = np.nan
    x[1, 2].flat[:3] = -0.0
    results = []
    for lib in (torch, jtorch):
        t = lib.tensor(x, requires_grad=True)
        values, indices = getattr(F(lib), f"max_pool{n}d")(t, k, s, p, d, ceil_mode=ceil, return_indices=True)
        (values * lib.arange(values.numel()).reshape(values.shape)).sum().backward()
        results.append([values.detach().numpy(), indices.numpy(), t.grad.numpy()])
    for want, got in zip(*results):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
