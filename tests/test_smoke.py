"""A first end-to-end check of the engine against real PyTorch."""
import numpy as np
import torch

import jtorch


def run(lib):
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x * x + 2 * x).sum()
    y.backward()
    return y.detach().numpy(), x.grad.numpy()


def test_square_plus_linear_matches_torch():
    for got, want in zip(run(jtorch), run(torch)):
        np.testing.assert_allclose(got, want)
