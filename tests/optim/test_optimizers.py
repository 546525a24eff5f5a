"""Optimizers against torch.optim: parameter trajectories, state_dict layout and resumption, errors, hooks."""
import numpy as np
import pytest
import torch

import jtorch
from optim_problem import loss_of, make, steps_from, to_numpy_tree, values

STEPS = 50

COMBOS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, betas=(0.8, 0.9))),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, maximize=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9), maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, alpha=0.9)),
    ("RMSprop", dict(lr=0.01, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=10, lambd=1e-2, alpha=0.5)),
    ("ASGD", dict(lr=0.05, t0=5, weight_decay=0.1, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.01, etas=(0.3, 1.5), step_sizes=(1e-4, 0.05))),
    ("Rprop", dict(lr=0.01, maximize=True)),
]
LBFGS_OPTIONS = [dict(lr=0.5, max_iter=4, history_size=3), dict(lr=1, max_iter=5, line_search_fn="strong_wolfe")]


def trajectory(lib, name, options, steps=STEPS, dtype=np.float32):
    """Parameters after each step of ``name(**options)`` on the least-squares problem."""
    x, y, w, b = make(lib, dtype)
    opt = getattr(lib.optim, name)([w, b], **options)

    def closure():
        opt.zero_grad()
        loss = loss_of(x, y, w, b)
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        opt.step(closure)
        out.append(values(w, b))
    return np.stack(out)


@pytest.mark.parametrize("name,options", COMBOS, ids=[f"{n}-{o}" for n, o in COMBOS])
def test_trajectory_matches_torch(name, options):
    got, want = trajectory(jtorch, name, options), trajectory(torch, name, options)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("options", LBFGS_OPTIONS, ids=[str(o) for o in LBFGS_OPTIONS])
def test_lbfgs_trajectory(options):
    """In float64 the iterates agree to 1e-9, showing the same algorithm; in float32 the quasi-Newton
    differences of nearly equal gradients amplify last-bit differences of the loss, so the bound is looser."""
    for dtype, rtol, atol in ((np.float64, 1e-9, 1e-12), (np.float32, 1e-5, 1e-4)):
        got, want = trajectory(jtorch, "LBFGS", options, 10, dtype), trajectory(torch, "LBFGS", options, 10, dtype)
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
    opt = getattr(lib.optim, name)([w, b], **options)

    def closure():
        opt.zero_grad()
        loss = loss_of(x, y, w, b)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return opt.state_dict()


@pytest.mark.parametrize("name,options", COMBOS, ids=[f"{n}-{o}" for n, o in COMBOS])
def test_state_dict_layout_matches_torch(name, options):
    """Same keys, nesting, tensor shapes and dtypes, and param_groups (LBFGS's Python numbers aside)."""
    assert structure(state_after(jtorch, name, options)) == structure(state_after(torch, name, options))


@pytest.mark.parametrize("name,options", COMBOS, ids=[f"{n}-{o}" for n, o in COMBOS])
def test_loading_a_torch_state_dict_resumes_identically(name, options):
    from optim_problem import B0, W0
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
