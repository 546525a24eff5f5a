"""Optimizer steps are ready to be traced: they rebind the parameter and state Tensors in place, create state
only at the first step, read no value to the host, and give the same result inside ``jax.jit`` as eagerly."""
import jax
import numpy as np
import pytest
import torch

import jtorch
from compat.optimizers import FAMILIES, loss_of, make, optimized, values

IDS = [f"{n}-{o}" for n, o in FAMILIES]


def grads_of(x, y, w, b):
    """Fresh gradients of the problem at the current parameters, as arrays."""
    for p in (w, b):
        p.grad = None
    loss_of(x, y, w, b).backward()
    return [w.grad._value, b.grad._value]


def traced_step(opt, params):
    """``opt.step()`` run inside ``jax.jit``: the boxes are rebound to the traced arrays, stepped, and their new
    arrays returned; afterwards the boxes are rebound to the results."""
    def step(param_arrays, grad_arrays, state_arrays):
        for p, a, g in zip(params, param_arrays, grad_arrays):
            p._array, p.grad._array = a, g
        for p, arrays in zip(params, state_arrays):
            for k, a in arrays.items():
                opt.state[p][k]._array = a
        opt.step()
        return [p._array for p in params], [{k: v._array for k, v in opt.state[p].items()} for p in params]

    def run(grad_arrays):
        states = [{k: v._value for k, v in opt.state[p].items()} if p in opt.state else {} for p in params]
        new_params, new_states = jax.jit(step)([p._value for p in params], grad_arrays, states)
        for p, a, arrays in zip(params, new_params, new_states):
            p._array = a
            for k, v in arrays.items():
                opt.state[p][k]._array = v
    return run


@pytest.mark.parametrize("name,options", FAMILIES, ids=IDS)
def test_step_inside_jit_matches_eager(name, options):
    x, y, w, b = make(jtorch)
    eager = getattr(jtorch.optim, name)(optimized(name, w, b), **options)
    _, _, w2, b2 = make(jtorch)
    traced = getattr(jtorch.optim, name)(optimized(name, w2, b2), **options)
    run = traced_step(traced, optimized(name, w2, b2))
    for i in range(4):
        grads = grads_of(x, y, w, b)
        eager.step()
        grads_of(x, y, w2, b2)
        run(grads)  # the first step creates the state under tracing
        boxes = {k: v for k, v in traced.state[w2].items()}
        np.testing.assert_allclose(values(w2, b2), values(w, b), rtol=1e-6, atol=1e-7)
        if i:
            assert all(traced.state[w2][k] is v for k, v in previous.items())
        previous = boxes
    assert list(traced.state[w2]) == list(eager.state[w])


@pytest.mark.parametrize("name,options", FAMILIES, ids=IDS)
def test_step_rebinds_existing_tensors(name, options):
    x, y, w, b = make(jtorch)
    opt = getattr(jtorch.optim, name)(optimized(name, w, b), **options)
    eager_state = name == "Adagrad"  # PyTorch's Adagrad creates its state with the optimizer
    assert bool(opt.state) == eager_state
    loss_of(x, y, w, b).backward()
    opt.step()
    boxes = {k: v for k, v in opt.state[w].items()}
    version = w._version
    opt.zero_grad()
    loss_of(x, y, w, b).backward()
    opt.step()
    assert all(opt.state[w][k] is v for k, v in boxes.items()) and list(opt.state[w]) == list(boxes)
    assert w._version > version


def test_zero_grad_keeps_the_grad_tensors():
    x, y, w, b = make(jtorch)
    opt = jtorch.optim.SGD([w, b], lr=0.1)
    loss_of(x, y, w, b).backward()
    grads = [w.grad, b.grad]
    opt.zero_grad(set_to_none=False)
    assert w.grad is grads[0] and b.grad is grads[1]
    assert not w.grad.numpy().any() and not b.grad.numpy().any()


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_tensor_lr_matches_torch(name):
    def run(lib):
        x, y, w, b = make(lib)
        opt = getattr(lib.optim, name)([w, b], lr=lib.tensor(0.01), momentum=0.9) if name == "SGD" else \
            getattr(lib.optim, name)([w, b], lr=lib.tensor(0.01))
        for _ in range(5):
            opt.zero_grad()
            loss_of(x, y, w, b).backward()
            opt.step()
        return values(w, b)
    np.testing.assert_allclose(run(jtorch), run(torch), rtol=1e-5, atol=1e-6)


def test_complex_parameters_follow_their_real_view():
    rng = np.random.default_rng(1)
    grads = (rng.standard_normal((5, 3)) + 1j * rng.standard_normal((5, 3))).astype(np.complex64)

    def run(lib):
        z = lib.tensor(np.array([1 + 2j, -0.5 + 0.25j, 3j], dtype=np.complex64), requires_grad=True)
        opt = lib.optim.Adam([z], lr=0.1, amsgrad=True)
        for g in grads:
            z.grad = lib.tensor(g)
            opt.step()
        return z.detach().numpy(), opt.state[z]["exp_avg_sq"].numpy()
    (jz, jv), (tz, tv) = run(jtorch), run(torch)
    np.testing.assert_allclose(jz, tz, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(jv, tv, rtol=1e-5, atol=1e-7)
