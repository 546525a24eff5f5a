"""Indexing, gather/scatter and mask ops against real PyTorch: values, gradients, writes and errors."""
import pytest
import torch

import jtorch
from test_shape import compare, forward_and_grad


def idx(L, *rows):
    return L.tensor(list(rows))


OPS = {
    "getitem_mixed": (lambda L, x: (x[1, [0, 2]], x[..., None, -1], x[[0, 1], :, [1, 0]], x[x > 0],
                                    x[L.tensor(1)]), (2, 3, 4)),
    "gather": (lambda L, x: L.gather(x, 1, idx(L, [0, 0], [2, 1])), (2, 3)),
    "scatter": (lambda L, x, y: L.scatter(x, 0, idx(L, [1, 0, 1], [0, 1, 0]), y), (2, 3), (2, 3)),
    "scatter_add": (lambda L, x, y: L.scatter_add(x, 1, idx(L, [0, 0, 1], [2, 2, 2]), y), (2, 3), (2, 3)),
    "scatter_reduce": (lambda L, x, y: [L.scatter_reduce(x, 1, idx(L, [0, 0, 2], [1, 1, 1]), y, r, include_self=s)
                                        for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)],
                       (2, 3), (2, 3)),
    "index_ops": (lambda L, x, y: (L.index_select(x, 1, idx(L, 2, 0)), L.index_add(x, 1, idx(L, 2, 2), y, alpha=2),
                                   L.index_copy(x, 1, idx(L, 2, 0), y), L.index_fill(x, 1, idx(L, 1), -1.0),
                                   L.index_reduce(x, 1, idx(L, 0, 0), y, "amax")), (2, 3), (2, 2)),
    "masked": (lambda L, x, y: (L.masked_fill(x, x > 0, 2.0), L.masked_scatter(x, x < 0, y),
                                L.masked_select(x, x[0] > 0)), (2, 3), (6,)),
    "take_put": (lambda L, x, y: (L.take(x, idx(L, [5, -1], [0, 2])), L.put(x, idx(L, 1, 1, 4), y, True),
                                  L.take_along_dim(x, idx(L, [0], [2]), 1)), (2, 3), (3,)),
    "index_put_accumulate": (lambda L, x, y: x.clone().index_put_((idx(L, 0, 0, 1),), y, accumulate=True),
                             (2, 3), (3, 3)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_torch(name):
    fn, *shapes = OPS[name]
    compare(forward_and_grad(fn, *shapes))


def setitem_cases(lib):
    x = lib.arange(12.).reshape(3, 4)
    x[x > 5] = -1
    x[lib.tensor([0, 2])] += 1
    x[[0, 0], [1, 1]] = lib.tensor([7., 8.])[0]
    x[1, ::2] = lib.tensor([3., 4.])
    x[lib.tensor(2), -1] = 0
    y = lib.zeros(5, dtype=lib.int64)
    y.scatter_(0, lib.tensor([1, 3]), 5, reduce="add")
    z = lib.nonzero(x), lib.argwhere(x), lib.nonzero(x, as_tuple=True)
    return x, y, z


def test_setitem_and_nonzero():
    compare(setitem_cases)


ERRORS = [
    lambda L: L.zeros(2, 3)[2],
    lambda L: L.zeros(2, 3)[0, 0, 0],
    lambda L: L.zeros(2, 3)[L.tensor([0, 3])],
    lambda L: L.zeros(2, 3)[L.ones(3, dtype=L.bool)],
    lambda L: L.gather(L.zeros(2, 3), 1, L.tensor([[3]])),
    lambda L: L.index_select(L.zeros(2, 3), 0, L.tensor([[0]])),
    lambda L: L.masked_fill(L.zeros(2), L.ones(2), 1.0),
    lambda L: L.take(L.zeros(2), L.tensor([2])),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    with pytest.raises(Exception) as want:
        ERRORS[i](torch)
    with pytest.raises(type(want.value)):
        ERRORS[i](jtorch)
