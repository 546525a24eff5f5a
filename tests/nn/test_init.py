"""Initialisers and default layer initialisation: statistics and bounds against torch's."""
import math

import numpy as np
import pytest
import torch

import jtorch

from nn_helpers import LIBS, selected


def stats(t):
    a = t.detach().numpy().astype(np.float64)
    return a.mean(), a.std(), a.min(), a.max()


LAYERS = {
    "Linear": lambda nn: nn.Linear(400, 300),
    "Conv2d": lambda nn: nn.Conv2d(32, 64, 3),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(32, 16, 4),
    "Embedding": lambda nn: nn.Embedding(2000, 64, padding_idx=3),
    "Bilinear": lambda nn: nn.Bilinear(30, 20, 40),
}


@pytest.mark.parametrize("name", selected(LAYERS, ("Linear", "Conv2d", "Embedding")))
def test_default_init_statistics(name):
    tmod, jmod = (LAYERS[name](lib.nn) for lib in LIBS)
    for (n, t), (_, j) in zip(tmod.named_parameters(), jmod.named_parameters()):
        (tm, ts, tlo, thi), (jm, js, jlo, jhi) = stats(t), stats(j)
        if t.numel() < 1000:  # small (bias) vectors: only the range is informative
            assert max(abs(jlo), abs(jhi)) <= 1.15 * max(abs(tlo), abs(thi)), n
            continue
        assert abs(jm - tm) < 4 * ts / math.sqrt(t.numel()) + 1e-6, n
        assert abs(js - ts) < 0.05 * ts, n
        if name != "Embedding":  # uniform: same bounds up to sampling
            assert abs(jlo - tlo) < 0.02 * (thi - tlo) and abs(jhi - thi) < 0.02 * (thi - tlo), n
    if name == "Embedding":
        assert not jmod.weight[3].detach().numpy().any()


INITS = {
    "uniform_": lambda init, t: init.uniform_(t, -2, 3),
    "normal_": lambda init, t: init.normal_(t, 1.0, 2.0),
    "trunc_normal_": lambda init, t: init.trunc_normal_(t, 0.5, 1.0, -1.0, 1.5),
    "xavier_uniform_": lambda init, t: init.xavier_uniform_(t, gain=2.0),
    "xavier_normal_": lambda init, t: init.xavier_normal_(t),
    "kaiming_uniform_": lambda init, t: init.kaiming_uniform_(t, a=0.1, mode="fan_out", nonlinearity="leaky_relu"),
    "kaiming_normal_": lambda init, t: init.kaiming_normal_(t, nonlinearity="relu"),
    "orthogonal_": lambda init, t: init.orthogonal_(t, gain=1.5),
    "sparse_": lambda init, t: init.sparse_(t, 0.3, std=0.5),
}


@pytest.mark.parametrize("name", selected(INITS, ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_",
                                                   "kaiming_uniform_", "kaiming_normal_", "sparse_")))
def test_initialiser_statistics(name):
    results = []
    for lib in LIBS:
        t = lib.empty(256, 128, requires_grad=True)
        out = INITS[name](lib.nn.init, t)
        assert out is t and t.requires_grad and t.grad_fn is None
        results.append(stats(t) + ((t.detach().numpy() == 0).mean(),))
    (tm, ts, tlo, thi, tz), (jm, js, jlo, jhi, jz) = results
    assert abs(jm - tm) < 0.02 * max(ts, 1e-3) * 5, name
    assert abs(js - ts) < 0.03 * ts, name
    assert abs(jz - tz) < 0.02, name
    if name in ("uniform_", "trunc_normal_", "xavier_uniform_", "kaiming_uniform_"):
        assert abs(jlo - tlo) < 0.02 * (thi - tlo) and abs(jhi - thi) < 0.02 * (thi - tlo)


def test_orthogonal_is_orthogonal():
    w = jtorch.nn.init.orthogonal_(jtorch.empty(20, 50)).numpy()
    np.testing.assert_allclose(w @ w.T, np.eye(20), atol=1e-5)


def test_deterministic_initialisers_match_exactly():
    for build in (lambda init, t: init.eye_(t), lambda init, t: init.constant_(t, 0.3),
                  lambda init, t: init.ones_(t), lambda init, t: init.zeros_(t)):
        got, want = (build(lib.nn.init, lib.empty(3, 5)).numpy() for lib in (jtorch, torch))
        np.testing.assert_array_equal(got, want)
    for groups in (1, 2):
        got, want = (lib.nn.init.dirac_(lib.empty(4, 2, 3, 3), groups).numpy() for lib in (jtorch, torch))
        np.testing.assert_array_equal(got, want)


def test_gain_and_fans_and_errors():
    def outcome(f):
        try:
            return f()
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
    cases = [lambda init, lib: [init.calculate_gain(n) for n in ("linear", "conv2d", "sigmoid", "tanh", "relu",
                                                                  "leaky_relu", "selu")],
             lambda init, lib: init.calculate_gain("leaky_relu", 0.2),
             lambda init, lib: init.calculate_gain("leaky_relu", True),
             lambda init, lib: init.calculate_gain("swish"),
             lambda init, lib: init._calculate_fan_in_and_fan_out(lib.empty(8, 4, 3, 2)),
             lambda init, lib: init._calculate_fan_in_and_fan_out(lib.empty(3)),
             lambda init, lib: init.kaiming_uniform_(lib.empty(3, 4), mode="fan_avg"),
             lambda init, lib: init.eye_(lib.empty(2, 2, 2))]
    for case in cases:
        assert outcome(lambda: case(jtorch.nn.init, jtorch)) == outcome(lambda: case(torch.nn.init, torch))
