"""as_strided family, resize_, sum_to_size, unravel_index and the strided factories against real PyTorch."""
import numpy as np
import pytest
import torch

import jtorch

from _compare import check
from test_shape import compare, forward_and_grad

OPS = {
    "as_strided": (lambda L, x: (L.as_strided(x, (2, 2), (1, 2)), x.as_strided((3,), (2,), 1),
                                 L.as_strided_copy(x, (2, 3), (3, 1))), (3, 3)),
    "as_strided_overlap": (lambda L, x: L.as_strided(x, (3, 3), (1, 1)), (6,)),
    "sum_to_size": (lambda L, x: (x.sum_to_size(3, 1), x.sum_to_size((1, 4)), x.sum_to_size(4)), (2, 3, 4)),
    "split_with_sizes": (lambda L, x: L.split_with_sizes(x, [1, 3], 1), (2, 4)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_torch(name):
    fn, *shapes = OPS[name]
    compare(forward_and_grad(fn, *shapes))


def factories_and_resizing(L):
    x = L.arange(6.)
    return (L.as_strided_scatter(L.zeros(3, 3), L.ones(2, 2), (2, 2), (1, 2), 1),
            L.unravel_index(L.tensor([9, -7, 13]), (2, 3)), L.unravel_index(L.tensor(4), 5),
            x.clone().resize_(2, 2), L.resize_as_(x.clone(), L.ones(3, 1)), L.zero_(x.clone()),
            L.scalar_tensor(3), L.scalar_tensor(2, dtype=L.int64), L.empty_strided((2, 3), (1, 2)).shape,
            x.new_empty_strided((2,), (1,)).dtype, L.empty_permuted((2, 3), (1, 0)).shape,
            L.resolve_conj(x), L.resolve_neg(x))


@pytest.mark.parametrize("case", [
    factories_and_resizing,
    lambda L: L.as_strided(L.ones(4), (3,), (2,)),
    lambda L: L.unravel_index(L.tensor([1.0]), (2, 3)),
    lambda L: L.ones(2, 3).sum_to_size(4),
    lambda L: L.ones(2, requires_grad=True).clone().resize_(3),
])
def test_matches_torch(case):
    check(case)


def test_as_strided_scatter_gradient_is_the_true_one():
    # torch's own backward fails its gradcheck here, so the expected gradients come from torch's forward:
    # self keeps the cotangent outside the scattered window, src receives the window
    g = torch.arange(9.0).reshape(3, 3) + 1
    want_self = torch.as_strided_scatter(g, torch.zeros(2, 2), (2, 2), (1, 2), 1)
    want_src = g.as_strided((2, 2), (1, 2), 1)
    x, s = jtorch.zeros(3, 3, requires_grad=True), jtorch.ones(2, 2, requires_grad=True)
    out = jtorch.as_strided_scatter(x, s, (2, 2), (1, 2), 1)
    got_self, got_src = jtorch.autograd.grad(out, (x, s), jtorch.tensor(g.numpy()))
    np.testing.assert_array_equal(got_self.numpy(), want_self.numpy())
    np.testing.assert_array_equal(got_src.numpy(), want_src.numpy())


def _as_strided_of_views(L):
    a = L.arange(12.0).reshape(3, 4).requires_grad_()
    b = a * 2
    outs = [L.as_strided(b.t(), (6,), (1,)), L.as_strided(b.t(), (2, 2), (1, 4)),  # the storage, not the view's order
            L.as_strided(b[1:, 1:], (2, 2), (1, 2)),  # default offset: the view's first element (5)
            L.as_strided(b[1:, 1:], (3,), (3,), 0), b[:, 2].as_strided((2,), (1,)),
            L.as_strided(b[0].expand(2, 4), (3,), (2,))]
    total = sum((o * L.arange(1.0, o.numel() + 1).reshape(o.shape)).sum() for o in outs)
    total.backward()
    return outs + [a.grad]


@pytest.mark.parametrize("case", [
    _as_strided_of_views,
    lambda L: L.as_strided(L.arange(12.0).reshape(3, 4)[1:], (2,), (1,), 11),
    lambda L: L.as_strided(L.arange(12.0).reshape(3, 4)[1:], (2,), (1,), 12),  # past the base's storage
])
def test_as_strided_of_views_reads_the_base_storage(case):
    check(case)


def test_as_strided_scatter_of_a_reordered_view_is_refused():
    with pytest.raises(NotImplementedError, match="as_strided_scatter of a view"):
        jtorch.as_strided_scatter(jtorch.zeros(2, 3).t(), jtorch.ones(2), (2,), (1,))
