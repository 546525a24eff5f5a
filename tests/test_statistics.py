"""Membership, counting, covariance and distance ops against real PyTorch: values, gradients, errors."""
import numpy as np
import pytest
import torch

import jtorch

from _compare import check
from test_shape import compare, forward_and_grad

OPS = {
    "cov": (lambda L, x: (L.cov(x), L.cov(x, correction=0), L.cov(x[0]),
                          L.cov(x, fweights=L.tensor([1, 2, 1, 3]), aweights=L.tensor([0.5, 1.0, 2.0, 1.0]))),
            (3, 4)),
    "corrcoef": (lambda L, x: (L.corrcoef(x), L.corrcoef(x[:1])), (3, 4)),
    "cdist": (lambda L, a, b: (L.cdist(a, b), L.cdist(a, b, p=1.0), L.cdist(a, b, p=float("inf"))), (2, 3, 4),
              (2, 5, 4)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_torch(name):
    fn, *shapes = OPS[name]
    compare(forward_and_grad(fn, *shapes))


def counting(L):
    x = L.tensor([4, 1, 1, 0, 4, 4])
    return (L.isin(x, L.tensor([1, 4])), L.isin(x, 4, invert=True), L.isin(3, x), L.bincount(x),
            L.bincount(x, minlength=8), L.bincount(x, weights=L.tensor([0.5, 1.0, 2.0, 1.0, 1.0, 1.0])),
            L.bincount(x, weights=x), L.nonzero_static(x, size=3), L.nonzero_static(x.reshape(2, 3), size=7),
            L.nonzero_static(x, size=8, fill_value=-9))


@pytest.mark.parametrize("case", [
    counting,
    lambda L: L.bincount(L.tensor([1, -1])),
    lambda L: L.bincount(L.tensor([1.0])),
    lambda L: L.cov(L.ones(2, 2, 2)),
    lambda L: L.cdist(L.ones(2, 3), L.ones(2, 4)),
])
def test_matches_torch(case):
    check(case)


def test_logcumsumexp_gradient_at_large_inputs_matches_float64():
    # torch's float32 backward loses digits at |x| ~ 1e4; jtorch's is compared with torch's float64 gradient
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    x[0, 0], x[1, 2], x[2, 4] = 1e4, -1e4, 9990.0
    g = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32)
    for dim in (0, 1):
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        want, = torch.autograd.grad(torch.logcumsumexp(t, dim), t, torch.tensor(g, dtype=torch.float64))
        j = jtorch.tensor(x, requires_grad=True)
        got, = jtorch.autograd.grad(jtorch.logcumsumexp(j, dim), j, jtorch.tensor(g))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-3)
