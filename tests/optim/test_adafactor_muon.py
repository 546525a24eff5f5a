"""Adafactor and Muon against torch.optim beyond the shared problem: other shapes and dtypes, and the errors
their steps raise."""
import numpy as np
import pytest
import torch

import jtorch

SHAPES = {"Adafactor": [(4, 5), (2, 3, 4), (6,), ()], "Muon": [(2, 3), (7, 4)]}


def run(lib, name, options, dtype, steps=8):
    """``steps`` steps of ``name`` on ``sum(c * (p - t)^2)`` over parameters of ``SHAPES[name]`` (gradients
    computed in numpy from the parameters' values)."""
    rng = np.random.default_rng(3)
    params, targets = [], []
    for shape in SHAPES[name]:
        params.append(lib.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True))
        targets.append((rng.standard_normal(shape).astype(dtype), rng.uniform(0.5, 2.0, shape).astype(dtype)))
    opt = getattr(lib.optim, name)(params, **options)
    out = []
    for _ in range(steps):
        for p, (t, c) in zip(params, targets):
            p.grad = lib.tensor(2 * c * (p.detach().numpy() - t))
        opt.step()
        out.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.stack(out), {k: v.numpy() for s in opt.state.values() for k, v in s.items()}


CASES = [("Adafactor", dict(lr=0.05, weight_decay=0.1), np.float32),
         ("Adafactor", dict(eps=(None, 0.1), d=2.0), np.float64),
         ("Muon", dict(lr=0.05), np.float64),
         ("Muon", dict(lr=0.05, nesterov=False, adjust_lr_fn="match_rms_adamw"), np.float32)]


@pytest.mark.parametrize("name,options,dtype", CASES, ids=[f"{n}-{o}-{np.dtype(d).name}" for n, o, d in CASES])
def test_shapes_and_dtypes_match_torch(name, options, dtype):
    (got, got_state), (want, want_state) = run(jtorch, name, options, dtype), run(torch, name, options, dtype)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert got.dtype == want.dtype and got_state.keys() == want_state.keys()


def error_and_value(lib, build, shape=(3, 2), dtype=np.float32):
    """The error ``build(lib, p)`` gives at its first step, and ``p`` afterwards (PyTorch may leave a zero state
    behind, which a fresh state equals)."""
    p = lib.tensor(np.ones(shape, dtype), requires_grad=True)
    opt = build(lib, p)
    p.grad = lib.ones_like(p)
    with pytest.raises(Exception) as info:
        opt.step()
    return info.type, str(info.value), p.detach().numpy().tolist()


STEP_ERRORS = {
    "muon-ns-steps": lambda lib, p: lib.optim.Muon([p], ns_steps=100),
    "muon-coefficients": lambda lib, p: lib.optim.Muon([p], ns_coefficients=(1.0, 2.0)),
}


@pytest.mark.parametrize("case", list(STEP_ERRORS))
def test_step_errors_match_torch_and_change_nothing(case):
    assert error_and_value(jtorch, STEP_ERRORS[case]) == error_and_value(torch, STEP_ERRORS[case])


def test_muon_vector_added_later_fails_at_step():
    def build(lib, p):
        opt = lib.optim.Muon([lib.zeros(2, 2, requires_grad=True)])
        opt.add_param_group({"params": [p]})
        return opt
    assert error_and_value(jtorch, build, shape=(3,)) == error_and_value(torch, build, shape=(3,))


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_complex_parameters_are_refused(name):
    def build(lib, p):
        return getattr(lib.optim, name)([p])
    got = error_and_value(jtorch, build, dtype=np.complex64)
    assert got == error_and_value(torch, build, dtype=np.complex64)
    assert got[0] is RuntimeError
