"""Optimizers against torch.optim: parameter trajectories, state_dict layout and resumption, errors, hooks."""
import numpy as np
import pytest
import torch

import jtorch
from compat.optimizers import (B0, COMBOS, LBFGS_OPTIONS, LBFGS_STEPS, LBFGS_TOLS, TRAJECTORY_TOL, W0, closure_for,
                               loss_of, make, optimized, steps_from, to_numpy_tree, trajectory, values)


@pytest.mark.parametrize("name,options", COMBOS, ids=[f"{n}-{o}" for n, o in COMBOS])
def test_trajectory_matches_torch(name, options):
    got, want = trajectory(jtorch, name, options), trajectory(torch, name, options)
    np.testing.assert_allclose(got, want, rtol=TRAJECTORY_TOL[0], atol=TRAJECTORY_TOL[1])


@pytest.mark.parametrize("options", LBFGS_OPTIONS, ids=[str(o) for o in LBFGS_OPTIONS])
def test_lbfgs_trajectory(options):
    """Float64 and float32 trajectories within their bounds (see LBFGS_TOLS)."""
    for dtype, rtol, atol in LBFGS_TOLS:
        got = trajectory(jtorch, "LBFGS", options, LBFGS_STEPS, dtype)
        want = trajectory(torch, "LBFGS", options, LBFGS_STEPS, dtype)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def two_groups(lib):
    """Two param groups with their own options, an lr edited mid-run, and a parameter without a grad."""
    x, y, w, b = make(lib)
    frozen = lib.tensor([1.0, 2.0], requires_grad=True)
    opt = lib.optim.Adam([{"params": [w]}, {"params": [b, frozen], "lr": 0.05, "amsgrad": True}], lr=0.01)
    out = []
    for i in range(20):
        opt.zero_grad()
        loss_of(x, y, w, b).backward()
        if i == 10:
            opt.param_groups[0]["lr"] = 0.002
        opt.step()
        out.append(values(w, b, frozen))
    return np.stack(out), len(opt.state)


def test_param_groups_and_live_lr_edit():
    (got, n_got), (want, n_want) = two_groups(jtorch), two_groups(torch)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert n_got == n_want


def test_lr_edit_does_not_recompile():
    from jtorch.optim.optimizer import _run_group_jit
    x, y, w, b = make(jtorch)
    opt = jtorch.optim.SGD([w, b], lr=0.1, momentum=0.9)
    for lr in (0.1, 0.2, 0.3, 0.05):
        opt.param_groups[0]["lr"] = lr
        opt.zero_grad()
        loss_of(x, y, w, b).backward()
        opt.step()
        if lr == 0.2:
            size = _run_group_jit._cache_size()
    assert _run_group_jit._cache_size() == size


def structure(obj):
    """A state_dict with tensors replaced by (shape, dtype name) so layouts can be compared."""
    if hasattr(obj, "shape") and hasattr(obj, "dtype"):
        return ("tensor", tuple(obj.shape), str(obj.dtype).replace("torch.", ""))
    if isinstance(obj, dict):
        return {k: structure(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(structure(v) for v in obj)
    return obj


def state_after(lib, name, options, steps=3):
    x, y, w, b = make(lib)
    opt = getattr(lib.optim, name)(optimized(name, w, b), **options)
    closure = closure_for(opt, x, y, w, b)
    for _ in range(steps):
        opt.step(closure)
    return opt.state_dict()


@pytest.mark.parametrize("name,options", COMBOS, ids=[f"{n}-{o}" for n, o in COMBOS])
def test_state_dict_layout_matches_torch(name, options):
    """Same keys, nesting, tensor shapes and dtypes, and param_groups (LBFGS's Python numbers aside)."""
    assert structure(state_after(jtorch, name, options)) == structure(state_after(torch, name, options))


@pytest.mark.parametrize("name,options", COMBOS, ids=[f"{n}-{o}" for n, o in COMBOS])
def test_loading_a_torch_state_dict_resumes_identically(name, options):
    _, opt = steps_from(torch, name, options, (W0, B0), steps=5)
    start = tuple(p.detach().numpy().copy() for p in opt.param_groups[0]["params"])
    saved = to_numpy_tree(opt.state_dict())
    want, opt = steps_from(torch, name, options, start, opt.state_dict())
    got, jopt = steps_from(jtorch, name, options, start, saved)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert structure(jopt.state_dict()) == structure(opt.state_dict())


@pytest.mark.parametrize("options", LBFGS_OPTIONS, ids=[str(o) for o in LBFGS_OPTIONS])
def test_lbfgs_state_dict_layout_matches_torch(options):
    def layout(lib):
        sd = structure(state_after(lib, "LBFGS", options))
        return {k: (v[0] if isinstance(v, tuple) else type(v).__name__) for k, v in sd["state"][0].items()}, \
            sd["param_groups"]
    assert layout(jtorch) == layout(torch)
