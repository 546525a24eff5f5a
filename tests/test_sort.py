"""Sorting and selection against real PyTorch: values, indices, ties, NaN, gradients."""
import pytest

from test_shape import compare, forward_and_grad


def ties(L):
    return L.tensor([[3., 1., 3., float("nan"), 1., 2.], [0., 0., 5., 5., 5., -1.]])


OPS = {
    "sort": (lambda L, x: (L.sort(x, 1), L.sort(x, dim=0, descending=True, stable=True), L.argsort(x), L.msort(x)),
             (3, 4)),
    "topk": (lambda L, x: (L.topk(x, 2), L.topk(x, 2, 0, largest=False)), (3, 4)),
    "selection": (lambda L, x: (L.kthvalue(x, 2, 1), L.median(x), L.median(x, 0, keepdim=True),
                                L.nanmedian(x, 1), L.mode(x.round(), 1)), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_torch(name):
    fn, *shapes = OPS[name]
    compare(forward_and_grad(fn, *shapes))


def tie_cases(L):
    t = ties(L)
    return (L.sort(t, stable=True), L.sort(t, descending=True, stable=True), L.median(t, 1), L.nanmedian(t, 1),
            L.mode(t[1]), L.kthvalue(t[1], 3), L.topk(t[1], 3))


def unique_cases(L):
    t = L.tensor([[2, 1, 2], [0, 0, 0], [2, 1, 2]])
    return (L.unique(t, return_inverse=True, return_counts=True), L.unique(t, dim=0, return_inverse=True),
            L.unique_consecutive(t.flatten(), return_counts=True), t.unique(dim=1, return_counts=True))


@pytest.mark.parametrize("case", [tie_cases, unique_cases])
def test_ties_and_unique(case):
    compare(case)


def test_return_types():
    import jtorch
    r = jtorch.kthvalue(jtorch.tensor([3., 1., 2.]), 2)
    assert type(r).__name__ == "kthvalue" and r.values.item() == 2. and r.indices.item() == 2
