"""Shape and view ops against real PyTorch: forward values, gradients, view write-through and errors."""
import numpy as np
import pytest
import torch

import jtorch


def to_numpy(x):
    if isinstance(x, (torch.Tensor, jtorch.Tensor)):
        return x.detach().numpy()
    if isinstance(x, (tuple, list)):
        return [to_numpy(v) for v in x]
    return x


def leaf(lib, shape, seed=0):
    """A float leaf requiring grad with the same values in either library."""
    data = np.random.RandomState(seed).standard_normal(shape).astype(np.float32)
    return lib.tensor(data, requires_grad=True)


def compare(case):
    """Run ``case(lib)`` with torch and jtorch: the results (nested) must match."""
    want, got = case(torch), case(jtorch)
    flat_w, flat_g = _flatten(to_numpy(want)), _flatten(to_numpy(got))
    assert len(flat_w) == len(flat_g)
    for w, g in zip(flat_w, flat_g):
        if isinstance(w, np.ndarray):
            assert w.shape == g.shape and w.dtype == g.dtype, (w.shape, g.shape, w.dtype, g.dtype)
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
        else:
            assert w == g


def _flatten(x):
    return [y for v in x for y in _flatten(v)] if isinstance(x, list) else [x]


def _tensors(x):
    return [y for v in x for y in _tensors(v)] if isinstance(x, (tuple, list)) else [x]


def forward_and_grad(fn, *shapes):
    """A case: ``fn(lib, *leaves)``'s outputs and the leaves' gradients of a weighted sum of them."""
    def case(lib):
        xs = [leaf(lib, s, i) for i, s in enumerate(shapes)]
        out = fn(lib, *xs)
        outs = _tensors(out)
        total = sum((o * lib.arange(o.numel(), dtype=o.dtype).reshape(o.shape)).sum() for o in outs
                    if o.requires_grad)
        grads = lib.autograd.grad(total, xs, allow_unused=True)
        return outs, [g if g is not None else lib.zeros(()) for g in grads]
    return case


OPS = {
    "view": (lambda L, x: x.view(3, -1), (2, 6)),
    "flatten": (lambda L, x: L.flatten(x, 1), (2, 3, 4)),
    "unflatten": (lambda L, x: x.unflatten(1, (2, -1)), (2, 6)),
    "squeeze_dims": (lambda L, x: L.squeeze(x, (0, 2)), (1, 3, 1)),
    "movedim": (lambda L, x: L.movedim(x, (0, 1), (2, 0)), (2, 3, 4)),
    "expand": (lambda L, x: x.expand(2, 3, 4), (3, 1)),
    "repeat": (lambda L, x: x.repeat(2, 1, 3), (3, 2)),
    "tile": (lambda L, x: L.tile(x, (2,)), (3, 2)),
    "repeat_interleave": (lambda L, x: L.repeat_interleave(x, L.tensor([1, 0, 2]), dim=0), (3, 2)),
    "unfold": (lambda L, x: x.unfold(1, 3, 2), (2, 7)),
    "tensor_split": (lambda L, x: L.tensor_split(x, [1, 4], dim=1), (2, 6)),
    "hsplit": (lambda L, x: L.hsplit(x, 3), (2, 6)),
    "cat_stack": (lambda L, x, y: (L.cat([x, y], 1), L.stack([x, y], -1), L.dstack([x, y])), (2, 3), (2, 3)),
    "flip_roll_rot90": (lambda L, x: (L.flip(x, (0,)), L.roll(x, (1, -1), (0, 1)), L.rot90(x, 3)), (3, 4)),
    "diagonal": (lambda L, x: L.diagonal(x, 1, 0, 2), (3, 2, 4)),
    "diag_embed": (lambda L, x: L.diag_embed(x, -1, 0, 2), (2, 3)),
    "diag_trace": (lambda L, x: (L.diag(x), L.diag(L.diag(x), 1), L.trace(x)), (3, 3)),
    "tril_triu": (lambda L, x: (L.tril(x, -1), L.triu(x, 1)), (2, 3, 4)),
    "scatters": (lambda L, x, y: (L.select_scatter(x, y[0], 0, 1), L.slice_scatter(x, y, 0, 0, 4, 2),
                                  L.diagonal_scatter(x, y[0, :3])), (4, 3), (2, 3)),
    "block_diag": (lambda L, x, y: L.block_diag(x, y, x[0, 0]), (2, 3), (1, 2)),
    "meshgrid_xy": (lambda L, x, y: L.meshgrid(x, y, indexing="xy"), (2,), (3,)),
    "combinations": (lambda L, x: L.combinations(x, 2, with_replacement=True), (4,)),
    "cartesian_prod": (lambda L, x, y: L.cartesian_prod(x, y), (2,), (3,)),
    "atleast_3d": (lambda L, x, y: L.atleast_3d(x, y), (3,), (2, 2)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_torch(name):
    fn, *shapes = OPS[name]
    compare(forward_and_grad(fn, *shapes))


def writes(lib):
    """Writes through views of many kinds land in the base, and share its version counter."""
    x = lib.arange(24.).reshape(2, 3, 4)
    v0 = x._version
    x[0][1] = 5
    x[:, 1] += 1
    x.transpose(0, 2)[0] = -1
    x.view(6, 4).unsqueeze(0)[0, 5, 3] = 7
    x.diagonal(0, 1, 2).mul_(2)
    x.mT[0] = 9
    d = x.narrow(2, 1, 2)
    d.zero_()
    return x, x._version - v0, d._version == x._version


def test_writes_through_views():
    compare(writes)


def test_view_of_leaf_in_place_grad():
    def case(lib):
        a = leaf(lib, (3, 3))
        b = a * 1
        b[1] = a[2] * 3
        b.diagonal().add_(1)
        b.sum().backward()
        return b, a.grad
    compare(case)


ERRORS = [
    lambda L: L.zeros(2, 3).view(4, -1),
    lambda L: L.zeros(2, 3).permute(0, 0),
    lambda L: L.zeros(2, 3).expand(3, 3),
    lambda L: L.zeros(2, 3).select(1, 3),
    lambda L: L.zeros(2, 3).unfold(1, 4, 1),
    lambda L: L.hsplit(L.zeros(2, 3), 2),
    lambda L: L.trace(L.zeros(2)),
    lambda L: L.tril(L.zeros(2)),
    lambda L: L.cat([L.zeros(2, 3), L.zeros(3, 2)]),
    lambda L: L.zeros(2, 3).flatten(1, 0),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    with pytest.raises(Exception) as want:
        ERRORS[i](torch)
    with pytest.raises(type(want.value)):
        ERRORS[i](jtorch)
