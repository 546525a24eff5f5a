"""torch.masked against real PyTorch: masked reductions and normalizations, their gradients and errors."""
import numpy as np
import pytest

from _compare import check
from test_shape import compare, forward_and_grad

# row 1 fully masked out: identities (sum, prod, amax...) or NaN (mean, var...) there
MASK = np.array([[True, False, True, True], [False, False, False, False], [True, True, False, True]])


def masked(fn):
    return lambda L, x: fn(L, x, L.tensor(MASK))


OPS = {
    "sum_prod": masked(lambda L, x, m: (L.masked.sum(x, 1, mask=m), L.masked.prod(x, 0, keepdim=True, mask=m),
                                        L.masked.sum(x, mask=m))),
    "cumulative": masked(lambda L, x, m: (L.masked.cumsum(x, 1, mask=m), L.masked.cumprod(x, 0, mask=m))),
    "extremes": masked(lambda L, x, m: (L.masked.amax(x, 1, mask=m), L.masked.amin(x, (0, 1), mask=m),
                                        L.masked.argmax(x, 1, mask=m), L.masked.argmin(x, 0, mask=m))),
    "mean_median": masked(lambda L, x, m: (L.masked.mean(x, 1, mask=m), L.masked.mean(x, mask=m[0]),
                                           L.masked.median(x[[0, 2]], 1, mask=m[[0, 2]]))),
    "var_std": masked(lambda L, x, m: (L.masked.var(x[[0, 2]], 1, mask=m[[0, 2]]),
                                       L.masked.std(x, 0, unbiased=False, keepdim=True, mask=m),
                                       L.masked.var(x, 1, correction=0))),
    "norm_logsumexp": masked(lambda L, x, m: (L.masked.norm(x, 2.0, 1, mask=m), L.masked.norm(x, 1, 0, mask=m),
                                              L.masked.logsumexp(x[[0, 2]], 1, mask=m[[0, 2]]),
                                              L.masked.logaddexp(x, x.flip(0), input_mask=m, other_mask=m[0]))),
    "normalizations": masked(lambda L, x, m: (L.masked.softmax(x[[0, 2]], 1, mask=m[[0, 2]]),
                                              L.masked.log_softmax(x, 0, mask=m[0]),
                                              L.masked.softmin(x, 1, mask=m[0]),
                                              L.masked.normalize(x, 2.0, 1, mask=m))),
    "no_mask": lambda L, x: (L.masked.sum(x, 1), L.masked.mean(x, 0), L.masked.softmax(x, 1), L.masked.var(x)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_masked_op_matches_torch(name):
    compare(forward_and_grad(OPS[name], (3, 4)))


def test_integer_input_keeps_torch_dtypes():
    def case(L):
        x, m = L.tensor([[1, 5, 2], [7, 0, 3]]), L.tensor([[True, False, True], [False, False, True]])
        return (L.masked.sum(x, 1, mask=m), L.masked.amax(x, 1, mask=m), L.masked.cumsum(x, 1, mask=m),
                L.masked.median(x, 1, mask=m), L.masked.prod(x.to(L.int32), mask=m))
    check(case)


@pytest.mark.parametrize("case", [
    lambda L: L.masked.sum(L.ones(3), mask=L.ones(2, 3, dtype=L.bool)),
    lambda L: L.masked.mean(L.ones(3, dtype=L.int64), mask=L.ones(3, dtype=L.bool)),
    lambda L: L.masked.sum(L.ones(2, 3), (1, 1), mask=L.ones(3, dtype=L.bool)),
    lambda L: L.masked.amax(L.ones(2, 3), 2, mask=L.ones(3, dtype=L.bool)),
])
def test_errors_match_torch(case):
    check(case)
