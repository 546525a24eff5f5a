"""Membership, counting, covariance and distance ops against real PyTorch: values, gradients, errors."""
import pytest

from _torch_compare import check
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
