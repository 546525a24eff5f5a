"""Default initialisation of Linear, Conv2d and Embedding: the same distributions as PyTorch's.

Each layer is built many times in both libraries (small shapes, so the pooled sample is large); the pooled
values must agree in mean and standard deviation within a few standard errors, and stay inside the same bounds.
"""
import math

import numpy as np
import pytest
import torch

import jtorch

SIGMAS = 6.0
CASES = {
    "Linear.weight": (lambda nn: nn.Linear(20, 8), "weight"),
    "Linear.bias": (lambda nn: nn.Linear(20, 64), "bias"),
    "Conv2d.weight": (lambda nn: nn.Conv2d(3, 8, 3), "weight"),
    "Conv2d.bias": (lambda nn: nn.Conv2d(2, 64, (3, 2)), "bias"),
    "Embedding.weight": (lambda nn: nn.Embedding(30, 8), "weight"),
    "Embedding.weight(padding_idx)": (lambda nn: nn.Embedding(10, 6, padding_idx=2), "weight"),
}


def pooled(lib, build, name: str, values: int = 4000) -> np.ndarray:
    lib.manual_seed(0)
    out = []
    while sum(len(v) for v in out) < values:
        tensor = getattr(build(lib.nn), name).detach()
        out.append(np.asarray(tensor.numpy(), dtype=np.float64).ravel())
    return np.concatenate(out)


@pytest.mark.parametrize("case", sorted(CASES))
def test_default_init_matches_torch_statistics(case):
    build, name = CASES[case]
    want, got = pooled(torch, build, name), pooled(jtorch, build, name)
    se_mean = math.sqrt(want.var() / want.size + got.var() / got.size)
    assert abs(got.mean() - want.mean()) <= SIGMAS * se_mean + 1e-9, (got.mean(), want.mean())
    se_std = math.sqrt(want.var() / (2 * want.size) + got.var() / (2 * got.size))
    assert abs(got.std() - want.std()) <= SIGMAS * se_std + 1e-9, (got.std(), want.std())
    # uniform initialisers: the same support (min/max within a small fraction of the range)
    span = want.max() - want.min()
    if case != "Embedding.weight" and "padding_idx" not in case:
        assert abs(got.min() - want.min()) <= 0.02 * span and abs(got.max() - want.max()) <= 0.02 * span
        assert got.min() >= want.min() - 0.01 * span and got.max() <= want.max() + 0.01 * span


def test_embedding_padding_row_is_zero_like_torch():
    for lib in (torch, jtorch):
        weight = lib.nn.Embedding(10, 6, padding_idx=2).weight.detach().numpy()
        assert (weight[2] == 0).all() and (weight[[0, 1, 3]] != 0).all()
