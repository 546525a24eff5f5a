"""as_strided as a view of its input's storage, as_strided_, and the strides, storage offsets and contiguity
that views report, against real PyTorch."""
import pytest
import torch

import jtorch

from _compare import check

W = [[1.0, 2.0], [3.0, 4.0]]


def writes_go_both_ways(L):
    x = L.arange(9.0)
    y = x.as_strided((2, 2), (3, 1), 1)
    y.add_(10)
    y[0, 1] = -1.0
    x[4] = 100.0  # the base's write shows in y
    z = y.t()
    z.mul_(2)
    return [x, y, z, x._version, y._version, z._version, y._base is x, z._base is x, y._is_view()]


def as_strided_of_views(L):
    x = L.arange(12.0).reshape(3, 4)
    v = x[1:]
    y = v.as_strided((3,), (4,))  # the default offset is v's (4)
    y.fill_(0)
    w = y.as_strided((2,), (1,), 0)  # the storage is x's, whatever view y is
    w.sub_(5)
    u = x.t().as_strided((2, 3), (1, 2), 6)
    u[1] = 9.0
    return [x, v, y, w, u, y.storage_offset(), w.storage_offset(), u._base is x]


def views_of_as_strided(L):
    x = L.arange(24.0)
    y = x.as_strided((3, 4), (1, 3), 2)
    a, b, c = y.t(), y[1:, ::2], y.unsqueeze(1).expand(3, 2, 4)
    a[0].zero_()
    b.mul_(-1)
    d = y.reshape(12)  # not viewable: PyTorch copies
    d.add_(1000)
    r = y[:, 1:2].ravel()  # viewable but not contiguous: ravel copies
    r.add_(500)
    return [x, y, a, b, c, d, r, x._version]


def geometry(L):
    x = L.arange(24.0)
    y = x.as_strided((3, 4), (1, 3), 2)
    views = [y, y.t(), y[1:, ::2], y[1], y[:, None], y.unsqueeze(0).expand(2, 3, 4), y.diagonal(), y.unfold(1, 2, 1),
             y.t().reshape(4, 3), y.reshape(12), x.as_strided((2, 2), (0, 1)), x[3:].as_strided((2, 3), (3, 1)),
             y.contiguous(), y.t().contiguous(), x.as_strided((2, 3), (3, 1), 0)]
    return [(v.shape, v.stride(), v.storage_offset(), v.is_contiguous(), v.stride(-1)) for v in views]


def inplace_write_with_autograd(L):
    a = L.arange(6.0, requires_grad=True)
    b = a * 2
    y = b.as_strided((2, 2), (1, 2), 1)
    y.mul_(L.tensor(W))
    (b * L.arange(1.0, 7.0)).sum().backward()
    return [b, y, a.grad, b._version]


def inplace_write_into_as_strided_of_a_view(L):
    a = L.arange(12.0, requires_grad=True)
    b = a * 1
    v = b.view(3, 4)[:, 1:]
    y = v.as_strided((2, 2), (4, 1))
    y.mul_(2)
    y[1].sub_(v[0, :2])
    (b * L.arange(12.0)).sum().backward()
    return [b, v, y, a.grad]


def base_written_after_as_strided(L):
    a = L.arange(6.0, requires_grad=True)
    b = a.clone()
    y = b.as_strided((3,), (2,))
    b.add_(1)
    b.mul_(a)
    (y * L.arange(3.0)).sum().backward()  # y reads the written base, with its graph
    return [y, a.grad, y._version]


def gradient_of_overlapping_as_strided(L):
    a = L.arange(6.0, requires_grad=True)
    y = a.as_strided((3, 3), (1, 1))
    (y * L.arange(9.0).reshape(3, 3)).sum().backward()
    return [y, a.grad, y.grad_fn.name()]


def saved_tensor_modified_through_as_strided(L):
    a = L.arange(6.0, requires_grad=True)
    b = a * 1
    c = b * b
    b.as_strided((2,), (2,)).add_(1)
    c.sum().backward()


def restride_in_place(L):
    x = L.arange(6.0)
    r = x.as_strided_((2, 2), (1, 2), 1)
    x.add_(1)
    return [r is x, x, x.stride(), x.storage_offset(), x._version, x._base is None, x.is_contiguous(),
            x.as_strided((6,), (1,), 0), L.as_strided_(x, (3,), (2,)), x.stride()]


def restride_in_place_with_autograd(L):
    a = L.arange(6.0, requires_grad=True)
    b = a * 2
    b.as_strided_((2, 2), (1, 2), 1)
    v = b[1]
    v.mul_(3)
    (b * L.tensor(W)).sum().backward()
    return [b, v, a.grad, b.stride(), v._base is b]


def restride_a_view_in_place(L):
    x = L.arange(6.0).reshape(2, 3)
    v = x[1]
    v.as_strided_((2,), (3,), 0)
    v.add_(7)
    return [x, v, v.stride(), v.storage_offset(), v._base is x, x._version]


def fill_of_an_expanded_view(L):
    x = L.arange(4.0)
    x.expand(3, 4).fill_(2)
    x.as_strided((2, 4), (0, 1)).zero_()
    return [x, x._version]


def overlapping_write_of_a_subview(L):
    x = L.arange(6.0)
    y = x.as_strided((3, 3), (1, 1))
    y[0].add_(1)  # y[0] itself has no overlapping elements
    y[:, 2].mul_(10)
    y[1, 1:] = L.tensor([-1.0, -2.0])
    e = x[:2].expand(3, 2)
    e[2] = 7.0
    return [x, y, e]


@pytest.mark.parametrize("case", [
    writes_go_both_ways, as_strided_of_views, views_of_as_strided, geometry, inplace_write_with_autograd,
    inplace_write_into_as_strided_of_a_view, base_written_after_as_strided, gradient_of_overlapping_as_strided,
    saved_tensor_modified_through_as_strided, restride_in_place, restride_in_place_with_autograd,
    restride_a_view_in_place, fill_of_an_expanded_view, overlapping_write_of_a_subview,
])
def test_matches_torch(case):
    check(case)


@pytest.mark.parametrize("case", [
    lambda L: L.arange(6.0).as_strided((2,), (-1,)),
    lambda L: L.arange(6.0).as_strided((2, 3), (1,)),
    lambda L: L.arange(6.0).as_strided((4,), (2,)),
    lambda L: L.arange(6.0)[2:].as_strided((2,), (2,), 5),
    lambda L: L.arange(6.0).as_strided_((4,), (2,)),
    lambda L: L.arange(6.0, requires_grad=True).as_strided_((2,), (1,)),
    lambda L: L.arange(6.0, requires_grad=True).as_strided((2,), (1,)).add_(1),
    lambda L: L.arange(4.0).expand(3, 4).add_(1),
    lambda L: L.arange(4.0).expand(3, 4).__setitem__((slice(None), 0), 2.0),
    lambda L: L.arange(4.0).as_strided((3, 2), (0, 1)).copy_(L.ones(3, 2)),
    lambda L: L.add(L.ones(2, 4), 1, out=L.zeros(4).expand(2, 4)),
    lambda L: L.zeros(3, 3).stride(2),
])
def test_errors_match_torch(case):
    check(case)


def test_failed_write_changes_nothing():
    def case(L):
        x = L.arange(6.0)
        y = x.as_strided((2, 3), (0, 1), 1)
        try:
            y.add_(1)
        except RuntimeError:
            pass
        return [x, x._version, y]
    check(case)


def test_overlapping_write_is_refused_and_changes_nothing():
    # PyTorch leaves a write into elements that share memory undefined (its result depends on the loop order)
    x = jtorch.arange(6.0)
    y = x.as_strided((3, 3), (1, 1))
    with pytest.raises(NotImplementedError, match="overlap"):
        y.add_(1)
    assert x.tolist() == list(range(6)) and x._version == 0


def test_compiled_step_writes_through_as_strided():
    def step(L, x, w):
        y = x.as_strided((2, 2), (1, 2), 1)
        y.mul_(w)
        y.t()[0, 1] = 5.0
        return (x * L.arange(1.0, 7.0)).sum(), y.stride(), y.t().storage_offset()

    def train(a):
        b = a * 2
        b.as_strided((2, 2), (1, 2), 1).mul_(3)
        loss = (b * jtorch.arange(1.0, 7.0)).sum()
        loss.backward()
        return loss

    compiled = jtorch.compile(lambda x, w: step(jtorch, x, w))
    tx = torch.arange(6.0)
    want = step(torch, tx, torch.tensor(W))
    for _ in range(2):
        x = jtorch.arange(6.0)
        got = compiled(x, jtorch.tensor(W))
        assert got[0].item() == want[0].item() and got[1:] == want[1:] and x.tolist() == tx.tolist()
    ta = torch.arange(6.0, requires_grad=True)
    tb = ta * 2
    tb.as_strided((2, 2), (1, 2), 1).mul_(3)
    (tb * torch.arange(1.0, 7.0)).sum().backward()
    a = jtorch.arange(6.0, requires_grad=True)
    jtorch.compile(train)(a)
    assert a.grad.tolist() == ta.grad.tolist()


def test_view_needs_compatible_strides():
    check(lambda L: L.arange(24.0).as_strided((3, 4), (1, 3)).view(12))
    check(lambda L: L.arange(24.0).reshape(2, 3, 4).transpose(0, 1).view(3, 8))
    check(lambda L: L.arange(24.0).reshape(2, 3, 4)[:, 1:].view(2, 2, 2, 2).stride())
    check(lambda L: L.arange(24.0).as_strided((3, 4), (1, 3)).t().view(2, 6).stride())


def test_data_replaces_the_storage_kept_by_as_strided_():
    def case(L):
        x = L.arange(6.0)
        x.as_strided_((2, 2), (1, 2))
        x.data = L.ones(3)
        x.add_(1)
        return [x, x.stride(), x.storage_offset(), x.is_contiguous()]
    check(case)


def test_plain_tensor_restrided_in_place_keeps_its_storage():
    def case(L):
        x = L.arange(6.0).reshape(2, 3)
        x.t_()
        before = [x.stride(), x.is_contiguous(), x.storage_offset(), x._base is None, x._is_view()]
        v = x[1]
        v.add_(10)
        x.unsqueeze_(0)
        return before + [x, v, x.stride(), v._base is x, x._base is None, v.stride(), x.as_strided((6,), (1,)),
                         x.reshape(6), x._version]
    check(case)
    check(lambda L: L.arange(6.0).reshape(2, 3).t_().view(6))
