"""Quantiles, complex construction, numerical gradients and histograms against real PyTorch: values,
gradients and errors."""
import numpy as np
import pytest

from _compare import check
from test_shape import compare, forward_and_grad


def data(L, *shape):
    return L.tensor(np.random.RandomState(0).standard_normal(shape).astype(np.float32))


def _with_nan(L, x):
    return L.where(x > 1.0, L.tensor(float("nan")), x)


def quantiles(L, x, w):
    q = L.sigmoid(w)  # q in (0, 1) that carries a gradient
    return [L.quantile(x, q), L.nanquantile(_with_nan(L, x), q, 0), x.quantile(q[0], 1, True, interpolation="midpoint"),
            x.nanquantile(q, -1, interpolation="nearest")]


def interpolations(L):
    x = data(L, 3, 5)
    outs = []
    for interpolation in ("linear", "lower", "higher", "midpoint", "nearest"):
        outs += [L.quantile(x, L.tensor([0.0, 0.3, 0.5, 1.0]), 1, interpolation=interpolation),
                 L.nanquantile(_with_nan(L, x), 0.75, None, True, interpolation=interpolation)]
    return outs


def complex_parts(L, a, b):
    # real and imaginary parts carry the weighted-sum gradient back through the complex results
    return [L.view_as_real(L.complex(a, b)), L.view_as_real(L.polar(a, b)), L.complex(a, b).abs(),
            L.view_as_real(L.polar(abs=a.abs(), angle=b))]


def gradients(L, x, c0, c1):
    coords = [c0.detach().exp().cumsum(0), c1.detach().exp().cumsum(0)]  # increasing sample points
    return [L.gradient(x), L.gradient(x, spacing=[0.5, 3.0], edge_order=2), L.gradient(x, spacing=coords),
            L.gradient(x, spacing=coords[1:], dim=-1, edge_order=2)]


def spacings(L):
    x = data(L, 4, 5)
    return [L.gradient(x, spacing=2.5, dim=1), L.gradient(x, spacing=L.tensor(2.0), edge_order=2),
            L.gradient(x, spacing=None, dim=0), L.gradient(L.arange(5)),
            L.gradient(x, spacing=[L.tensor([0.0, 1.0, 1.5, 4.0])], dim=0, edge_order=2)]


OPS = {
    "quantile": (quantiles, (3, 5), (4,)),
    "complex": (complex_parts, (2, 3), (3,)),
    "gradient": (gradients, (4, 5), (4,), (5,)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_torch(name):
    fn, *shapes = OPS[name]
    compare(forward_and_grad(fn, *shapes))


def histograms(L):
    x, w = data(L, 4, 6), data(L, 4, 6).abs()
    edges = L.tensor([-2.0, -0.5, 0.0, 0.1, 3.0])
    points = data(L, 3, 10, 2)
    return [tuple(L.histogram(x, 5)), tuple(x.histogram(edges, weight=w, density=True)),
            tuple(L.histogram(x, 3, range=(-1.0, 1.0), weight=w)), tuple(L.histogram(L.ones(3), 2)),
            tuple(L.histogram(L.tensor([]), 3)), tuple(L.histogram(x, L.tensor([1.0, 0.0]))),
            tuple(L.histogram(L.tensor([float("nan"), 1.0]), 3, range=(0.0, 2.0))),
            L.histogramdd(points, 3).hist, list(L.histogramdd(points, 3).bin_edges),
            tuple(L.histogramdd(points, [2, 4], range=[-1.0, 1.0, 0.0, 2.0], weight=data(L, 3, 10).abs(),
                                density=True).hist),
            L.histogramdd(points, [edges, edges[1:]]).hist, list(L.histogramdd(L.empty(0, 2), [2, 2]).bin_edges)]


@pytest.mark.parametrize("case", [
    histograms,
    lambda L: L.histogram(L.ones(3, dtype=L.int64), 3),
    lambda L: L.histogram(L.ones(3), L.tensor([0.0, 1.0], dtype=L.float64)),
    lambda L: L.histogram(L.ones(3), 0),
    lambda L: L.histogram(L.ones(3), L.tensor([1.0])),
    lambda L: L.histogram(L.ones(3), L.ones(2, 2)),
    lambda L: L.histogram(L.ones(3), 3, range=(1.0, 0.0)),
    lambda L: L.histogram(L.ones(3), 3, range=(0.0, float("inf"))),
    lambda L: L.histogram(L.tensor([float("nan"), 1.0]), 3),
    lambda L: L.histogram(L.ones(3), 3, weight=L.ones(2)),
    lambda L: L.histogram(L.ones(3), 3, weight=L.ones(3, dtype=L.float64)),
    lambda L: L.histogram(L.ones(3), 3, range=(0.0, 1.0, 2.0)),
    lambda L: L.histogram(L.ones(3), 3.5),
    lambda L: L.histogramdd(L.ones(3), 3),
    lambda L: L.histogramdd(L.ones(3, 2), [2, 3, 4]),
    lambda L: L.histogramdd(L.ones(3, 2), [2, 3], range=[0.0, 1.0]),
    lambda L: L.histogramdd(L.ones(3, 2), 3, weight=L.ones(1, 3)),
    lambda L: L.histogramdd(L.ones(3, 2), [2, 0]),
])
def test_histogram_matches_torch(case):
    check(case)


def hashes(L):
    x = data(L, 3, 4)
    return [L.hash_tensor(x), L.hash_tensor(x, 1, keepdim=True), x.hash_tensor((0, 1)), L.hash_tensor(x, None),
            L.hash_tensor(x.double(), 0), L.hash_tensor(x.to(L.float16)), L.hash_tensor(x.to(L.bfloat16), []),
            L.hash_tensor(L.tensor([-1, 3, 7], dtype=L.int8)), L.hash_tensor(L.tensor([200, 3], dtype=L.uint8)),
            L.hash_tensor(L.tensor([True, True, True])), L.hash_tensor(L.tensor([float("nan"), -0.0, float("inf")])),
            L.hash_tensor(L.ones(2, 0), 0), L.hash_tensor(L.tensor([2 ** 40, -5]))]


@pytest.mark.parametrize("case", [
    hashes,
    lambda L: L.hash_tensor(L.ones(2), mode=1),
    lambda L: L.hash_tensor(L.tensor([1j])),
    lambda L: L.hash_tensor(L.tensor([5], dtype=L.uint32)),
    lambda L: L.hash_tensor(L.tensor([])),
    lambda L: L.hash_tensor(L.ones(2, 0), (0, 1)),
    lambda L: L.hash_tensor(L.ones(2, 2), 5),
])
def test_hash_tensor_matches_torch(case):
    check(case)


@pytest.mark.parametrize("case", [
    interpolations,
    spacings,
    lambda L: L.nanquantile(L.tensor([float("nan"), float("nan"), 1.0]), L.tensor([0.0, 0.5, 1.0])),
    lambda L: L.quantile(L.tensor(3.0), 0.5, 0, True),
    lambda L: L.quantile(L.tensor([]), 0.5),
    lambda L: L.quantile(L.ones(3), 1.5),
    lambda L: L.nanquantile(L.ones(3), L.tensor([0.5, -0.1])),
    lambda L: L.quantile(L.ones(3), L.ones(1, 1)),
    lambda L: L.quantile(L.ones(3), L.tensor([0.5], dtype=L.float64)),
    lambda L: L.quantile(L.ones(3, dtype=L.int64), 0.5),
    lambda L: L.quantile(L.ones(3), 0.5, interpolation="cubic"),
    lambda L: L.quantile(L.ones(3), 0.5, dim=1),
    lambda L: L.quantile(L.ones(3), 0.5, dim=(0,)),
    lambda L: L.complex(L.ones(2, dtype=L.float64), L.ones(2, 1, dtype=L.float64)),
    lambda L: L.complex(L.ones(2), L.ones(2, dtype=L.float64)),
    lambda L: L.polar(L.ones(2, dtype=L.int64), L.ones(2, dtype=L.int64)),
    lambda L: L.complex(L.ones(2), L.ones(3)),
    lambda L: L.complex(L.ones(2), 1.0),
    lambda L: L.polar(L.ones(2), L.ones(2), out=L.empty(2)),
    lambda L: L.gradient(L.tensor(2.0)),
    lambda L: L.gradient(L.ones(3, 3), dim=[]),
    lambda L: L.gradient(L.ones(3, 2), edge_order=2),
    lambda L: L.gradient(L.ones(3, 3), edge_order=3),
    lambda L: L.gradient(L.ones(3, 3), dim=2),
    lambda L: L.gradient(L.ones(3, 3), dim=(0, -2)),
    lambda L: L.gradient(L.ones(3, dtype=L.uint8)),
    lambda L: L.gradient(L.ones(3, 3), spacing=[1.0, 2.0, 3.0]),
    lambda L: L.gradient(L.ones(3, 3), spacing=[1.0, 2.0], dim=0),
    lambda L: L.gradient(L.ones(3, 3), spacing=[L.ones(3, 1)], dim=0),
    lambda L: L.gradient(L.ones(3, 3), spacing=[L.tensor(1.0)], dim=0),
    lambda L: L.gradient(L.ones(6, 3), spacing=[L.arange(4.0)], dim=0),
    lambda L: L.gradient(L.ones(3, 3), spacing=L.arange(3.0)),
])
def test_matches_torch(case):
    check(case)
