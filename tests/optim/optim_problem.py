"""The shared deterministic problem: linear least squares ``((x @ w + b - y) ** 2).mean()``."""
import numpy as np

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 3)).astype(np.float32)
Y = _rng.standard_normal((8, 2)).astype(np.float32)
W0 = _rng.standard_normal((3, 2)).astype(np.float32)
B0 = _rng.standard_normal((2,)).astype(np.float32)


def make(lib, dtype=np.float32):
    """Data tensors and fresh parameter leaves ``(x, y, w, b)`` for ``lib`` (torch or jtorch)."""
    x, y, w, b = (a.astype(dtype) for a in (X, Y, W0, B0))
    return lib.tensor(x), lib.tensor(y), lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)


def loss_of(x, y, w, b):
    return x.matmul(w).add(b).sub(y).pow(2).mean()


def values(*params) -> np.ndarray:
    return np.concatenate([p.detach().numpy().ravel() for p in params])


def to_numpy_tree(obj):
    """A state_dict with every tensor turned into a numpy array (how a torch checkpoint reaches jtorch)."""
    if hasattr(obj, "detach"):
        return obj.detach().numpy().copy()
    if isinstance(obj, dict):
        return {k: to_numpy_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_numpy_tree(v) for v in obj]
    return obj
