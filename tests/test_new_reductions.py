"""Quantiles, complex construction, numerical gradients and histograms against real PyTorch: values,
gradients and errors."""
import pytest

from _torch_compare import check
from test_shape import compare, forward_and_grad


def _with_nan(L, x):
    return L.where(x > 1.0, L.tensor(float("nan")), x)


def quantiles(L, x, w):
    q = L.sigmoid(w)  # q in (0, 1) that carries a gradient
    outs = []
    for fn in (L.quantile, L.nanquantile):
        for interpolation in ("linear", "lower", "higher", "midpoint", "nearest"):
            outs += [fn(x, q, interpolation=interpolation), fn(x, 0.3, 1, True, interpolation=interpolation),
                     fn(_with_nan(L, x), q, 0, interpolation=interpolation)]
        outs += [fn(x, q[0], None, True), x.quantile(q, -1) if fn is L.quantile else x.nanquantile(q, -1)]
    return outs


def complex_parts(L, a, b):
    # real and imaginary parts carry the weighted-sum gradient back through the complex results
    return [L.view_as_real(L.complex(a, b)), L.view_as_real(L.polar(a, b)), L.complex(a, b).abs(),
            L.view_as_real(L.polar(abs=a.abs(), angle=b))]


def gradients(L, x, c0, c1):
    coords = [c0.detach().exp().cumsum(0), c1.detach().exp().cumsum(0)]  # increasing sample points
    outs = []
    for edge_order in (1, 2):
        outs += [L.gradient(x, edge_order=edge_order), L.gradient(x, spacing=2.5, dim=1, edge_order=edge_order),
                 L.gradient(x, spacing=[0.5, 3.0], edge_order=edge_order),
                 L.gradient(x, spacing=coords, edge_order=edge_order),
                 L.gradient(x, spacing=coords[1:], dim=-1, edge_order=edge_order)]
    return outs + [L.gradient(L.arange(5)), L.gradient(x, spacing=L.tensor(2.0)), L.gradient(x, spacing=None, dim=0)]


OPS = {
    "quantile": (quantiles, (3, 5), (4,)),
    "complex": (complex_parts, (2, 3), (3,)),
    "gradient": (gradients, (4, 5), (4,), (5,)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_torch(name):
    fn, *shapes = OPS[name]
    compare(forward_and_grad(fn, *shapes))


@pytest.mark.parametrize("case", [
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
