"""The shared deterministic problem: linear least squares ``((x @ w + b - y) ** 2).mean()``."""
import numpy as np

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 3)).astype(np.float32)
Y = _rng.standard_normal((8, 2)).astype(np.float32)
W0 = _rng.standard_normal((3, 2)).astype(np.float32)
B0 = _rng.standard_normal((2,)).astype(np.float32)

# one option set per optimizer family with state, covering its structural options
FAMILIES = [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9))),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=2)),
    ("Rprop", dict(lr=0.01)),
]


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


def steps_from(lib, name, options, start, saved=None, steps=10):
    """Build ``name`` on parameters ``start`` (numpy), optionally load ``saved``, and run ``steps`` steps."""
    x, y, _, _ = make(lib)
    w, b = (lib.tensor(v, requires_grad=True) for v in start)
    opt = getattr(lib.optim, name)([w, b], **options)
    if saved is not None:
        opt.load_state_dict(saved)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(x, y, w, b).backward()
        opt.step()
        out.append(values(w, b))
    return np.stack(out), opt
