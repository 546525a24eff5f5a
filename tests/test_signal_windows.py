"""torch.signal.windows against real PyTorch: every window, symmetric and periodic, and argument errors."""
import pytest

from _compare import check

WINDOWS = {
    "bartlett": {}, "blackman": {}, "cosine": {}, "hamming": {}, "hann": {}, "nuttall": {},
    "exponential": {"tau": 2.5}, "gaussian": {"std": 0.7}, "kaiser": {"beta": 5.0},
    "general_cosine": {"a": [0.46, 0.23, 0.31]}, "general_hamming": {"alpha": 0.6},
}


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_window_matches_torch(name):
    kwargs = WINDOWS[name]

    def case(L):
        fn = getattr(L.signal.windows, name)
        return [fn(M, sym=sym, **kwargs) for M in (0, 1, 2, 7) for sym in (True, False)] + \
            [fn(6, dtype=L.float64, **kwargs), fn(4, requires_grad=True, **kwargs)]
    check(case)


@pytest.mark.parametrize("case", [
    lambda L: L.signal.windows.hann(-1),
    lambda L: L.signal.windows.hann(4, dtype=L.int64),
    lambda L: L.signal.windows.exponential(4, tau=0.0),
    lambda L: L.signal.windows.exponential(4, center=1.0),
    lambda L: L.signal.windows.gaussian(4, std=-1.0),
    lambda L: L.signal.windows.kaiser(4, beta=-1.0),
    lambda L: L.signal.windows.general_cosine(4, a=[]),
])
def test_errors_match_torch(case):
    check(case)
