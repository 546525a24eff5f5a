"""nn.functional against torch: values and gradients (each case a function of the library)."""
import warnings

import numpy as np
import pytest
import torch

import jtorch

from nn_helpers import assert_close, selected

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4, 5)).astype(np.float32)
X[0, 0, :3] = [0.0, -3.0, 3.0]  # kinks of relu/hardswish/...
LOGITS = rng.standard_normal((6, 5)).astype(np.float32)
TARGET = np.array([0, 1, 4, 2, -100, 3])
CLASSES = np.array([0, 1, 4, 2, 1, 3])
W5 = rng.random(5).astype(np.float32)
P = (1 / (1 + np.exp(-X))).astype(np.float32)
Y = (rng.random(X.shape) > 0.5).astype(np.float32)
TABLE = rng.standard_normal((10, 3)).astype(np.float32)
IDX = np.array([[1, 2, 0], [0, 9, 1]])
X4 = rng.standard_normal((2, 8, 3, 4)).astype(np.float32)
REV = X[::-1].copy()

# name -> (fn(F, *tensors), inputs, number of leading inputs that require grad)
CASES = {
    "gelu_tanh": (lambda F, x: F.gelu(x, approximate="tanh"), [X], 1),
    "threshold": (lambda F, x: F.threshold(x, 0.1, 20.0), [X], 1),
    "leaky_relu": (lambda F, x: F.leaky_relu(x, 0.2), [X], 1),
    "softplus": (lambda F, x: F.softplus(x, beta=2, threshold=1), [X], 1),
    "prelu": (lambda F, x, w: F.prelu(x, w), [X, W5[:4].copy()], 2),
    "glu": (lambda F, x: F.glu(x, 1), [X], 1),
    "softmax_dtype": (lambda F, x: F.softmax(x, 1, dtype=torch.float64 if F is torch.nn.functional
                                                   else jtorch.float64), [X], 1),
    "batch_norm_train": (lambda F, x, w, b: F.batch_norm(x, None, None, w, b, True), [X, W5[:4] + 1, W5[:4]], 3),
    "layer_norm": (lambda F, x, w, b: F.layer_norm(x, (5,), w, b), [X, W5, W5 - 0.5], 3),
    "group_norm": (lambda F, x, w, b: F.group_norm(x, 2, w, b), [X, W5[:4].copy(), W5[1:].copy()], 3),
    "rms_norm": (lambda F, x, w: F.rms_norm(x, (5,), w, eps=1e-3), [X, W5], 2),
    "instance_norm": (lambda F, x: F.instance_norm(x), [X], 1),
    "local_response_norm": (lambda F, x: F.local_response_norm(x, 3), [X], 1),
    "normalize": (lambda F, x: F.normalize(x, p=3, dim=1), [X], 1),
    "cross_entropy": (lambda F, x, t: F.cross_entropy(x, t), [LOGITS, CLASSES], 1),
    "cross_entropy_weight_smooth": (lambda F, x, t, w: F.cross_entropy(x, t, w, label_smoothing=0.2),
                                    [LOGITS, TARGET, W5], 1),
    "cross_entropy_sum_smooth": (lambda F, x, t: F.cross_entropy(x, t, label_smoothing=0.2, reduction="sum"),
                                 [LOGITS, TARGET], 1),
    "cross_entropy_none": (lambda F, x, t, w: F.cross_entropy(x, t, w, reduction="none", label_smoothing=0.1),
                           [LOGITS, TARGET, W5], 1),
    "cross_entropy_probs": (lambda F, x, t, w: F.cross_entropy(x, F.softmax(t, 1), w, label_smoothing=0.1),
                            [LOGITS, LOGITS * 2, W5], 1),
    "cross_entropy_nd": (lambda F, x, t: F.cross_entropy(x, t), [X, np.array([[0, 1, 3, 2, 1]] * 3)], 1),
    "nll_loss": (lambda F, x, t, w: F.nll_loss(x, t, w), [LOGITS, TARGET, W5], 1),
    "mse_loss": (lambda F, a, b: F.mse_loss(a, b), [X, REV], 2),
    "l1_loss": (lambda F, a, b: F.l1_loss(a, b, reduction="sum"), [X, REV], 1),
    "smooth_l1_loss": (lambda F, a, b: F.smooth_l1_loss(a, b, beta=0.5), [X, REV], 1),
    "huber_loss": (lambda F, a, b: F.huber_loss(a, b, delta=0.5, reduction="none"), [X, REV], 1),
    "binary_cross_entropy": (lambda F, a, b: F.binary_cross_entropy(a, b), [P, Y], 1),
    "bce_with_logits": (lambda F, a, b, pw, w: F.binary_cross_entropy_with_logits(a, b, w, pos_weight=pw),
                        [X, Y, np.full(5, 2.0, np.float32), W5], 1),
    "kl_div": (lambda F, a, b: F.kl_div(F.log_softmax(a, -1), F.softmax(b, -1), reduction="batchmean"),
               [X, REV], 2),
    "kl_div_log_target": (lambda F, a, b: F.kl_div(a, b, log_target=True, reduction="sum"), [X, REV], 2),
    "poisson_nll": (lambda F, a, b: F.poisson_nll_loss(a, b, full=True), [X, np.abs(REV) * 3], 1),
    "gaussian_nll": (lambda F, a, b, v: F.gaussian_nll_loss(a, b, v), [X, REV, np.abs(X[..., :1]) + 0.1], 3),
    "margin_ranking": (lambda F, a, b, t: F.margin_ranking_loss(a, b, t, 0.3),
                       [X[0, 0].copy(), X[1, 1].copy(), np.sign(X[2, 2])], 2),
    "hinge_embedding": (lambda F, a, t: F.hinge_embedding_loss(a, t), [X, np.sign(REV)], 1),
    "multilabel_soft_margin": (lambda F, a, t: F.multilabel_soft_margin_loss(a, t),
                               [LOGITS, (LOGITS > 0).astype(np.float32)], 1),
    "cosine_embedding": (lambda F, a, b, t: F.cosine_embedding_loss(a, b, t, 0.1),
                         [LOGITS, LOGITS[::-1].copy(), np.array([1, -1, 1, -1, 1, 1])], 2),
    "multi_margin": (lambda F, a, t: F.multi_margin_loss(a, t, p=2), [LOGITS, CLASSES], 1),
    "triplet_margin": (lambda F, a, b, c: F.triplet_margin_loss(a, b, c, swap=True),
                       [LOGITS, LOGITS[::-1].copy(), LOGITS * 0.5], 3),
    "soft_margin": (lambda F, a, b: F.soft_margin_loss(a, b), [X, np.sign(REV)], 1),
    "embedding_padding": (lambda F, w, i: F.embedding(i, w, padding_idx=0), [TABLE, IDX], 1),
    "embedding_freq": (lambda F, w, i: F.embedding(i, w, scale_grad_by_freq=True), [TABLE, IDX], 1),
    "embedding_bag_sum": (lambda F, w, i, o: F.embedding_bag(i, w, o, mode="sum"),
                          [TABLE, IDX.reshape(-1), np.array([0, 2, 2])], 1),
    "embedding_bag_mean_pad": (lambda F, w, i: F.embedding_bag(i, w, mode="mean", padding_idx=0), [TABLE, IDX], 1),
    "embedding_bag_max": (lambda F, w, i, o: F.embedding_bag(i, w, o, mode="max", include_last_offset=True),
                          [TABLE, IDX.reshape(-1), np.array([0, 2, 6])], 1),
    "pad_negative": (lambda F, x: F.pad(x, (-1, 2), value=3.0), [X], 1),
    "interpolate_nearest": (lambda F, x: F.interpolate(x, scale_factor=2.5), [X4], 1),
    "interpolate_nearest_exact": (lambda F, x: F.interpolate(x, size=(5, 7), mode="nearest-exact"), [X4], 1),
    "interpolate_bilinear": (lambda F, x: F.interpolate(x, size=(5, 7), mode="bilinear"), [X4], 1),
    "interpolate_bilinear_corners": (lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear",
                                                                align_corners=True), [X4], 1),
    "interpolate_linear": (lambda F, x: F.interpolate(x, scale_factor=1.7, mode="linear"), [X], 1),
    "interpolate_area": (lambda F, x: F.interpolate(x, size=(2, 3), mode="area"), [X4], 1),
    "one_hot": (lambda F, i: F.one_hot(i), [IDX], 0),
    "linear": (lambda F, x, w, b: F.linear(x, w, b), [X, LOGITS[:3].copy(), W5[:3].copy()], 3),
    "bilinear": (lambda F, a, b, w: F.bilinear(a, b, w),
                 [LOGITS, LOGITS, rng.standard_normal((3, 5, 5)).astype(np.float32)], 3),
    "pairwise_distance": (lambda F, a, b: F.pairwise_distance(a, b, p=1.5, keepdim=True), [LOGITS, LOGITS * 0.3], 2),
    "cosine_similarity": (lambda F, a, b: F.cosine_similarity(a, b), [X, REV], 2),
}
for _name in ("relu", "relu6", "hardtanh", "elu", "celu", "selu", "gelu", "silu", "mish", "hardsigmoid",
              "hardswish", "hardshrink", "softshrink", "softsign", "tanhshrink", "logsigmoid", "sigmoid", "tanh"):
    CASES[_name] = (lambda F, x, n=_name: getattr(F, n)(x), [X], 1)
for _name in ("softmax", "log_softmax", "softmin"):
    CASES[_name] = (lambda F, x, n=_name: getattr(F, n)(x, dim=1), [X], 1)
for _mode in ("constant", "reflect", "replicate", "circular"):
    CASES[f"pad_{_mode}"] = (lambda F, x, m=_mode: F.pad(x, (1, 2, 2, 1), mode=m), [X], 1)


CORE = ("cross_entropy", "cross_entropy_weight_smooth", "cross_entropy_probs", "nll_loss", "mse_loss",
        "binary_cross_entropy", "bce_with_logits", "relu", "gelu", "log_softmax", "pad_reflect",
        "embedding_bag_sum")


@pytest.mark.parametrize("name", selected(CASES, CORE))
def test_functional_matches_torch(name):
    fn, inputs, n_grad = CASES[name]
    runs = []
    for lib in (torch, jtorch):
        tensors = [lib.tensor(a, requires_grad=i < n_grad and a.dtype.kind == "f") for i, a in enumerate(inputs)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(lib.nn.functional, *tensors)
        if out.requires_grad:
            out.backward(lib.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape))))
        runs.append((out, [t.grad for t in tensors]))
    (tout, tgrads), (jout, jgrads) = runs
    assert str(jout.dtype) == str(tout.dtype)
    assert_close(jout, tout, msg=name)
    for t, j in zip(tgrads, jgrads):
        assert (j is None) == (t is None)
        if t is not None:
            assert_close(j, t, atol=1e-4, msg=name)


def test_dropout_statistics_and_modes():
    x = jtorch.ones(200, 200)
    y = jtorch.nn.functional.dropout(x, 0.3)
    kept = (y.numpy() != 0).mean()
    assert abs(kept - 0.7) < 0.02
    np.testing.assert_allclose(np.unique(y.numpy()), [0.0, 1 / 0.7], rtol=1e-6)
    assert jtorch.nn.functional.dropout(x, 0.3, training=False) is x
    y2 = jtorch.nn.functional.dropout2d(jtorch.ones(50, 40, 3, 3), 0.5).numpy()
    assert (y2.min(axis=(2, 3)) == y2.max(axis=(2, 3))).all()
    a = jtorch.nn.functional.alpha_dropout(jtorch.randn(400, 400), 0.2).numpy()
    assert abs(a.mean()) < 0.02 and abs(a.std() - 1) < 0.03
    d = jtorch.nn.Dropout(0.5)
    d.eval()
    assert (d(x).numpy() == 1).all()


def test_errors_match_torch():
    def outcome(lib, f):
        try:
            f(lib, lib.nn.functional)
            return None
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    cases = [lambda lib, F: F.dropout(lib.ones(2), 1.5),
             lambda lib, F: F.cross_entropy(lib.ones(2, 3), lib.tensor([0, 5])),
             lambda lib, F: F.mse_loss(lib.ones(2), lib.ones(2), reduction="avg"),
             lambda lib, F: F.glu(lib.ones(3)),
             lambda lib, F: F.binary_cross_entropy(lib.ones(2) / 2, lib.ones(3)),
             lambda lib, F: F.pad(lib.ones(2, 2), (1,)),
             lambda lib, F: F.conv2d(lib.ones(1, 3, 4, 4), lib.ones(2, 2, 3, 3))]
    for case in cases:
        assert outcome(jtorch, case) == outcome(torch, case)
