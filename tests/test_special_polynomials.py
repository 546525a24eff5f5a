"""torch.special orthogonal polynomials against real PyTorch: recurrences, closed forms, edge values."""
import pytest

from _compare import check

NAMES = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
         "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", NAMES)
def test_polynomial_matches_torch(name):
    def case(L):
        fn = getattr(L.special, name)
        x = L.tensor([-1.5, -1.0, -0.3, 0.0, 0.25, 0.5, 1.0, 2.0])
        n = L.tensor([[0.0], [1.0], [2.0], [3.7], [7.0], [10.0], [-1.0]])
        return (fn(x, n), fn(x, 4), fn(x.double(), L.tensor([5, 12, 300])[:, None]),
                fn(x.double(), 6), fn(x, L.tensor(float("inf"))))
    check(case)
