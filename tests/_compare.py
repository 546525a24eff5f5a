"""Helpers that run one case with torch and with jtorch and compare the results."""
import numpy as np
import pytest
import torch

import jtorch


def _leaf(x):
    if isinstance(x, (torch.Tensor, jtorch.Tensor)):
        arr = x.detach().numpy(force=True) if isinstance(x, torch.Tensor) else np.asarray(x.detach().numpy())
        return arr, str(x.dtype).split(".")[-1]
    return np.asarray(x), type(x).__name__


def _flatten(x):
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _flatten(item)]
    return [x]


def assert_same(case, rtol=1e-5, atol=1e-6):
    """``case(lib)`` gives the same values, dtypes and shapes with torch and jtorch."""
    want, got = _flatten(case(torch)), _flatten(case(jtorch))
    assert len(want) == len(got)
    for w, g in zip(want, got):
        (wv, wd), (gv, gd) = _leaf(w), _leaf(g)
        assert wd == gd, f"dtype {gd} != {wd}"
        assert wv.shape == gv.shape, f"shape {gv.shape} != {wv.shape}"
        np.testing.assert_allclose(gv, wv, rtol=rtol, atol=atol, equal_nan=True)


def assert_same_error(case):
    """``case(lib)`` raises the same exception type with torch and jtorch."""
    with pytest.raises(Exception) as want:
        case(torch)
    with pytest.raises(want.type):
        case(jtorch)


def with_grad(fn, *values):
    """A case: ``fn(lib, *leaves)`` and the gradients of its sum w.r.t. float leaves built from ``values``."""
    def case(lib):
        leaves = [lib.tensor(v, requires_grad=True) if isinstance(v, list) and isinstance(_first(v), float)
                  else lib.tensor(v) if isinstance(v, list) else v for v in values]
        out = fn(lib, *leaves)
        diff = [t for t in leaves if isinstance(t, lib.Tensor) and t.requires_grad]
        grads = lib.autograd.grad(out.sum(), diff, allow_unused=True)
        return [out] + [g if g is not None else lib.zeros_like(t) for g, t in zip(grads, diff)]
    return case


def _first(v):
    while isinstance(v, list):
        v = v[0]
    return v
