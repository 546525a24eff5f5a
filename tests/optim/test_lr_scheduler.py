"""lr_scheduler against torch.optim.lr_scheduler: 100-step lr (and momentum) sequences, state_dict, warnings."""
import warnings

import numpy as np
import pytest
import torch

import jtorch
from compat.lr_schedulers import (ALL, CYCLING_MOMENTUM, PLATEAU, PLATEAU_BEST_RTOL, factory, lr_sequence,
                                  make_optimizer, plateau_sequence)


@pytest.mark.parametrize("name", ALL)
def test_lr_sequence_matches_torch(name):
    assert lr_sequence(jtorch, factory(name)) == lr_sequence(torch, factory(name))


@pytest.mark.parametrize("name", CYCLING_MOMENTUM)
def test_beta1_cycles_for_adam(name):
    assert lr_sequence(jtorch, factory(name), "Adam") == lr_sequence(torch, factory(name), "Adam")


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    got, want = plateau_sequence(jtorch, **kwargs), plateau_sequence(torch, **kwargs)
    assert [(g[0], g[1]) for g in got] == [(w[0], w[1]) for w in want]
    np.testing.assert_allclose([g[2] for g in got], [w[2] for w in want], rtol=PLATEAU_BEST_RTOL)


@pytest.mark.parametrize("name", ALL)
def test_state_dict_matches_torch_and_resumes(name):
    def run(lib):
        opt = make_optimizer(lib)
        sched = factory(name)(lib, opt)
        for _ in range(30):
            opt.step()
            sched.step()
        state = sched.state_dict()
        keys = set(state)
        opt2 = make_optimizer(lib)
        opt2.load_state_dict(opt.state_dict())
        resumed = factory(name)(lib, opt2)
        resumed.load_state_dict(state)
        lrs = []
        for _ in range(20):
            opt2.step()
            resumed.step()
            lrs.append(resumed.get_last_lr())
        return keys, lrs
    (got_keys, got_lrs), (want_keys, want_lrs) = run(jtorch), run(torch)
    assert got_keys == want_keys
    assert got_lrs == want_lrs


def warning_messages(lib, order):
    opt = make_optimizer(lib)
    sched = lib.optim.lr_scheduler.StepLR(opt, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in order:
            (opt.step if call == "opt" else sched.step)()
    return [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("order", [("sched", "opt"), ("opt", "sched")])
def test_step_order_warning_matches_torch(order):
    assert warning_messages(jtorch, order) == warning_messages(torch, order)


ERRORS = [
    lambda s, o: s.ConstantLR(o, factor=2.0),
    lambda s, o: s.LinearLR(o, start_factor=0.0),
    lambda s, o: s.LinearLR(o, end_factor=1.5),
    lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=0),
    lambda s, o: s.OneCycleLR(o, max_lr=0.1),
    lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5),
    lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="step"),
    lambda s, o: s.OneCycleLR(o, max_lr=[0.1], total_steps=10),
    lambda s, o: s.CyclicLR(o, 0.01, 0.1, mode="nope"),
    lambda s, o: s.ReduceLROnPlateau(o, factor=1.0),
    lambda s, o: s.ReduceLROnPlateau(o, mode="middle"),
    lambda s, o: s.StepLR(o, 3, last_epoch=5),
    lambda s, o: s.LambdaLR(o, [lambda e: 1.0]),
    lambda s, o: s.SequentialLR(o, [s.StepLR(o, 3)], milestones=[3]),
    lambda s, o: s.ChainedScheduler([]),
    lambda s, o: s.StepLR(object(), 3),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_argument_errors_match_torch(index):
    def error(lib):
        with pytest.raises(Exception) as info:
            ERRORS[index](lib.optim.lr_scheduler, make_optimizer(lib))
        return info.type, str(info.value).split("\n")[0]
    assert error(jtorch) == error(torch)


def test_one_cycle_overrun_raises_like_torch():
    def run(lib):
        opt = make_optimizer(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        with pytest.raises(ValueError) as info:
            for _ in range(5):
                opt.step()
                sched.step()
        return str(info.value)
    assert run(jtorch) == run(torch)
