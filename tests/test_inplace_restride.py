"""In-place shape changes (transpose_, t_, unsqueeze_, squeeze_, swapdims_) against torch: values, versions,
autograd through them and on views."""
import pytest

from _compare import check

import jtorch

DATA = [[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]]


def _ops(lib):
    return [("transpose_", (0, 1)), ("t_", ()), ("unsqueeze_", (1,)), ("unsqueeze_", (-1,)), ("squeeze_", ()),
            ("swapdims_", (1, 0)), ("swapaxes_", (0, -1))]


@pytest.mark.parametrize("i", range(7))
def test_plain_tensor_changes_shape_and_version(i):
    def case(lib):
        x = lib.tensor(DATA)
        name, args = _ops(lib)[i]
        out = getattr(x, name)(*args)
        return [out is x, x, list(x.shape), x._version]
    check(case)


@pytest.mark.parametrize("i", range(7))
def test_backward_through_the_inplace_shape_change(i):
    def case(lib):
        a = lib.tensor(DATA, requires_grad=True)
        b = a * lib.tensor([[1.0, 2.0, 3.0]])
        name, args = _ops(lib)[i]
        getattr(b, name)(*args)
        w = lib.arange(b.numel(), dtype=lib.float32).reshape(b.shape)
        (b * w).sum().backward()
        return [b, b._version, a.grad]
    check(case)


def test_squeeze_with_dims_and_errors():
    check(lambda lib: lib.tensor([[[1.0], [2.0]]]).squeeze_(2).squeeze_(0))
    check(lambda lib: lib.tensor([[[1.0], [2.0]]]).squeeze_((0, 2)))
    check(lambda lib: lib.tensor([[[1.0]], [[2.0]]]).squeeze_(0))  # size 2: nothing removed
    check(lambda lib: lib.zeros(2, 3, 4).t_())
    check(lambda lib: lib.zeros(2, 3).transpose_(0, 5))
    check(lambda lib: lib.zeros(2, 3).unsqueeze_(4))


def test_leaf_that_requires_grad():
    check(lambda lib: lib.tensor(DATA, requires_grad=True).t_())
    check(lambda lib: lib.tensor(DATA, requires_grad=True).view(3, 2).unsqueeze_(0))

    def under_no_grad(lib):
        a = lib.tensor(DATA, requires_grad=True)
        with lib.no_grad():
            a.t_()
        (a * lib.tensor([[1.0, 2.0]])).sum().backward()
        return [a, a.is_leaf, a._version, a.grad]
    check(under_no_grad)


def test_saved_tensor_modified_by_the_shape_change():
    def case(lib):
        a = lib.tensor(DATA, requires_grad=True)
        b = a * 1
        c = b * b
        b.t_()
        c.sum().backward()
    check(case)

    def output_saved(lib):
        a = lib.tensor(DATA, requires_grad=True)
        b = a * 1
        c = b.exp()  # saves its result, not b
        b.t_()
        c.sum().backward()
        return a.grad
    check(output_saved)


def test_views_keep_writing_through_to_their_base():
    def case(lib):
        x = lib.tensor(DATA)
        v = x[:, 1:]
        v.unsqueeze_(1)
        v.mul_(10)
        w = x.t()
        w.t_()
        w.add_(1)
        return [x, v, w, list(v.shape), v._base is x, w._base is x, x._version]
    check(case)

    def with_grad(lib):
        a = lib.tensor(DATA, requires_grad=True)
        b = a * 2
        v = b.view(3, 2)
        v.t_()
        v.mul_(lib.tensor([[1.0], [3.0]]))
        (b * lib.tensor([[1.0, 2.0, 3.0]])).sum().backward()
        return [b, v, v._base is b, a.grad]
    check(with_grad)

    def alias(lib):
        x = lib.tensor(DATA)
        d = x.detach()
        d.t_()
        d[0, 1] = 7.0
        return [x, d, list(x.shape)]
    check(alias)


def test_base_with_live_views_is_refused_not_miscomputed():
    x = jtorch.tensor(DATA)
    v = x[0]
    with pytest.raises(NotImplementedError):
        x.t_()
    assert list(x.shape) == [2, 3] and x._version == 0 and v.tolist() == DATA[0]
    del v
    assert x.t_().tolist() == [list(r) for r in zip(*DATA)]
