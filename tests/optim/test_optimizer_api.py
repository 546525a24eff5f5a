"""Optimizer API against torch.optim: argument errors, param groups, zero_grad, hooks, closures."""
import importlib
import warnings

import numpy as np
import pytest
import torch

import jtorch
from compat.optimizers import loss_of, make

BAD_ARGUMENTS = [
    ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=-1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-0.1)), ("AdamW", dict(lr=-0.5)),
    ("Adamax", dict(betas=(0.9, 1.5))), ("NAdam", dict(momentum_decay=-1)), ("RAdam", dict(eps=-1)),
    ("RMSprop", dict(alpha=-1)), ("RMSprop", dict(momentum=-1)), ("Adagrad", dict(lr_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adadelta", dict(rho=1.5)), ("ASGD", dict(lr=-1)),
    ("Rprop", dict(etas=(1.5, 1.2))), ("LBFGS", dict(lr=-1)), ("Adafactor", dict(lr=-1)),
    ("Adafactor", dict(beta2_decay=0.5)), ("Adafactor", dict(eps=(-1.0, 1e-3))), ("Adafactor", dict(eps=(None, -1))),
    ("Adafactor", dict(d=0.5)), ("Adafactor", dict(weight_decay=-1)), ("Muon", dict(lr=-1)),
    ("Muon", dict(momentum=-1)), ("Muon", dict(weight_decay=-1)), ("Muon", dict(adjust_lr_fn="sqrt")),
    ("Muon", dict()),
]


def error_of(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.type, str(info.value)


@pytest.mark.parametrize("name,kwargs", BAD_ARGUMENTS, ids=[f"{n}-{k}" for n, k in BAD_ARGUMENTS])
def test_argument_errors_match_torch(name, kwargs):
    def build(lib):
        return lambda: getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **kwargs)
    assert error_of(build(jtorch)) == error_of(build(torch))


PARAM_ERRORS = {
    "empty": lambda lib: lib.optim.SGD([], lr=0.1),
    "tensor-not-iterable": lambda lib: lib.optim.SGD(lib.zeros(2, requires_grad=True), lr=0.1),
    "set-group": lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1).add_param_group(
        {"params": {lib.zeros(2, requires_grad=True)}}),
    "non-leaf": lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True).mul(2)], lr=0.1),
    "not-a-tensor": lambda lib: lib.optim.SGD([1.0], lr=0.1),
    "lbfgs-groups": lambda lib: lib.optim.LBFGS([{"params": [lib.zeros(1, requires_grad=True)]},
                                                 {"params": [lib.zeros(1, requires_grad=True)]}]),
}


@pytest.mark.parametrize("case", list(PARAM_ERRORS))
def test_param_errors_match_torch(case):
    got, want = error_of(lambda: PARAM_ERRORS[case](jtorch)), error_of(lambda: PARAM_ERRORS[case](torch))
    assert got[0] is want[0]
    assert got[1].split(",")[0] == want[1].split(",")[0]


def group_behaviour(lib):
    a, b, c = (lib.zeros(2, requires_grad=True) for _ in range(3))
    opt = lib.optim.SGD([{"params": a}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [c], "weight_decay": 0.1})
    duplicate = error_of(lambda: opt.add_param_group({"params": [a]}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lib.optim.SGD([a, a], lr=0.1)
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    return groups, duplicate, [str(w.message) for w in caught]


def test_param_groups_defaults_and_duplicates_match_torch():
    assert group_behaviour(jtorch) == group_behaviour(torch)


def zero_grad_behaviour(lib, set_to_none):
    x, y, w, b = make(lib)
    opt = lib.optim.SGD([w, b], lr=0.1)
    loss_of(x, y, w, b).backward()
    opt.zero_grad(set_to_none=set_to_none)
    return [None if p.grad is None else p.grad.numpy().tolist() for p in (w, b)]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_matches_torch(set_to_none):
    assert zero_grad_behaviour(jtorch, set_to_none) == zero_grad_behaviour(torch, set_to_none)


def hook_log(lib):
    x, y, w, b = make(lib)
    opt = lib.optim.Adam([w, b], lr=0.1)
    log = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: log.append(("pre", o is opt, len(args))))
    opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", o is opt)))
    module = importlib.import_module(f"{lib.__name__}.optim.optimizer")
    glob = module.register_optimizer_step_pre_hook(lambda o, args, kwargs: log.append(("global",)))

    def closure():
        opt.zero_grad()
        loss = loss_of(x, y, w, b)
        loss.backward()
        log.append(("closure", lib.is_grad_enabled()))
        return loss

    loss = opt.step(closure)
    log.append(("returned", round(float(loss), 5), w.is_leaf, w.requires_grad, w.grad_fn is None))
    pre.remove()
    glob.remove()
    opt.step(closure)
    return log


def test_step_hooks_and_closure_match_torch():
    assert hook_log(jtorch) == hook_log(torch)


def test_state_is_keyed_by_parameter_and_holds_tensors():
    x, y, w, b = make(jtorch)
    opt = jtorch.optim.Adam([w, b], lr=0.1, amsgrad=True)
    loss_of(x, y, w, b).backward()
    opt.step()
    state = opt.state[w]
    assert list(state) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert all(isinstance(v, jtorch.Tensor) for v in state.values())
    assert state["step"].dtype is jtorch.float32 and state["step"].shape == ()
    assert not w.requires_grad or w.grad_fn is None


def test_load_state_dict_errors_match_torch():
    def run(lib):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        one = lib.optim.SGD([a], lr=0.1).state_dict()
        two = lib.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
        bigger = lib.optim.SGD([a, b], lr=0.1)
        return error_of(lambda: two.load_state_dict(one)), error_of(lambda: bigger.load_state_dict(one))
    assert run(jtorch) == run(torch)


def test_sparse_adam_is_not_supported():
    with pytest.raises(NotImplementedError):
        jtorch.optim.SparseAdam([jtorch.zeros(2, requires_grad=True)])


def test_param_update_is_not_recorded_by_autograd():
    x, y, w, b = make(jtorch)
    opt = jtorch.optim.SGD([w, b], lr=0.1)
    before = w._version
    loss_of(x, y, w, b).backward()
    opt.step()
    assert w.is_leaf and w.grad_fn is None and w.requires_grad and w._version == before + 1
    np.testing.assert_allclose(w.detach().numpy(), make(jtorch)[2].detach().numpy() - 0.1 * w.grad.numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("name", ["Adam", "ASGD", "NAdam"])
def test_scalar_state_follows_the_default_dtype(name):
    def state_dtypes(lib):
        previous = lib.get_default_dtype()
        lib.set_default_dtype(lib.float64)
        try:
            w = lib.zeros(2, dtype=lib.float32, requires_grad=True)
            opt = getattr(lib.optim, name)([w])
            w.grad = lib.ones(2, dtype=lib.float32)
            opt.step()
            return {k: str(v.dtype) for k, v in opt.state[w].items()}
        finally:
            lib.set_default_dtype(previous)
    assert state_dtypes(jtorch) == state_dtypes(torch)
