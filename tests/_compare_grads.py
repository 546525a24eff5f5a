"""Run one case with torch and with jtorch: outputs, dtypes and input gradients must agree."""
import numpy as np
import torch

import jtorch


def _flat(out) -> list:
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flat(o)]
    return [out]


def run_case(lib, fn, arrays: tuple, grad: bool) -> list:
    """``fn(lib, *tensors)``'s outputs, then (with ``grad``) the gradients of a fixed weighted sum of them."""
    inputs = [lib.tensor(a, requires_grad=grad and a.dtype.kind in "fc") if isinstance(a, np.ndarray) else a
              for a in arrays]
    outs = [getattr(o, "resolve_conj", lambda: o)() for o in _flat(fn(lib, *inputs))]
    results = [(str(o.dtype).split(".")[-1], np.asarray(o.detach().numpy())) for o in outs]
    if grad:
        rng = np.random.default_rng(0)
        weights = [rng.standard_normal(tuple(o.shape)) for o in outs]  # drawn for every output: same stream
        pairs = [(o, lib.tensor(w.astype(o.detach().numpy().dtype))) for o, w in zip(outs, weights)
                 if o.requires_grad]
        lib.autograd.backward([o for o, _ in pairs], [w for _, w in pairs])
        results += [("grad", getattr(t.grad, "resolve_conj", lambda: t.grad)().numpy()) for t in inputs if isinstance(t, lib.Tensor) and t.requires_grad]
    return results


def check(fn, *arrays, grad: bool = True, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    want, got = run_case(torch, fn, arrays, grad), run_case(jtorch, fn, arrays, grad)
    assert len(want) == len(got)
    for (wd, w), (gd, g) in zip(want, got):
        assert wd == gd
        assert w.shape == g.shape
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def check_error(fn, *arrays) -> None:
    """Both libraries raise the same exception type (by name and RuntimeError-ness) and message."""
    errors = []
    for lib in (torch, jtorch):
        inputs = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
        try:
            fn(lib, *inputs)
        except Exception as e:  # noqa: BLE001 (the exception is what is compared)
            errors.append(e)
        else:
            errors.append(None)
    want, got = errors
    assert want is not None and got is not None, errors
    assert type(want).__name__.lstrip("_") == type(got).__name__.lstrip("_")
    assert isinstance(got, RuntimeError) == isinstance(want, RuntimeError)
    assert str(got) == str(want)
