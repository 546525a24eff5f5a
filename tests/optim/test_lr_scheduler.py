"""lr_scheduler against torch.optim.lr_scheduler: 100-step lr (and momentum) sequences, state_dict, warnings."""
import math
import warnings

import numpy as np
import pytest
import torch

import jtorch

STEPS = 100


def _opt(lib, name="SGD", groups=2):
    """An optimizer with ``groups`` param groups of different lrs (no gradients: steps are cheap)."""
    params = [{"params": [lib.zeros(2, requires_grad=True)], "lr": 0.1 * (i + 1)} for i in range(groups)]
    if name == "SGD":
        return lib.optim.SGD(params, lr=0.1, momentum=0.9)
    return lib.optim.Adam(params, lr=0.1)


def _sequential(lib, opt):
    s = lib.optim.lr_scheduler
    return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.1, total_iters=10),
                                s.ExponentialLR(opt, gamma=0.95), s.StepLR(opt, 7, 0.5)], milestones=[10, 40])


def _chained(lib, opt):
    s = lib.optim.lr_scheduler
    return s.ChainedScheduler([s.ConstantLR(opt, factor=0.5, total_iters=4), s.ExponentialLR(opt, gamma=0.97),
                               s.MultiStepLR(opt, [20, 50, 50], gamma=0.5)])


SCHEDULERS = {
    "LambdaLR": lambda s, o: s.LambdaLR(o, lambda e: 1.0 / (1 + e)),
    "LambdaLR-per-group": lambda s, o: s.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 + math.sin(e)]),
    "MultiplicativeLR": lambda s, o: s.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda s, o: s.StepLR(o, step_size=9, gamma=0.7),
    "MultiStepLR": lambda s, o: s.MultiStepLR(o, milestones=[10, 30, 30, 75], gamma=0.3),
    "ConstantLR": lambda s, o: s.ConstantLR(o, factor=0.25, total_iters=13),
    "LinearLR": lambda s, o: s.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=37),
    "ExponentialLR": lambda s, o: s.ExponentialLR(o, gamma=0.93),
    "PolynomialLR": lambda s, o: s.PolynomialLR(o, total_iters=60, power=2.0),
    "CosineAnnealingLR": lambda s, o: s.CosineAnnealingLR(o, T_max=17, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2, eta_min=1e-3),
    "CyclicLR-triangular": lambda s, o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=9),
    "CyclicLR-triangular2": lambda s, o: s.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=5, step_size_down=11,
                                                    mode="triangular2"),
    "CyclicLR-exp_range": lambda s, o: s.CyclicLR(o, 0.01, 0.1, step_size_up=6, mode="exp_range", gamma=0.98),
    "OneCycleLR-cos": lambda s, o: s.OneCycleLR(o, max_lr=0.5, total_steps=STEPS + 1),
    "OneCycleLR-linear-3phase": lambda s, o: s.OneCycleLR(o, max_lr=[0.5, 1.0], epochs=10, steps_per_epoch=11,
                                                          anneal_strategy="linear", three_phase=True),
}
COMPOSITES = {"SequentialLR": _sequential, "ChainedScheduler": _chained}


def lr_sequence(lib, make_sched, optimizer="SGD"):
    opt = _opt(lib, optimizer)
    sched = make_sched(lib, opt)
    out = []
    for _ in range(STEPS):
        opt.step()
        sched.step()
        group_values = [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]
        out.append((sched.get_last_lr(), getattr(sched, "last_epoch", None), group_values))
    return out


def _factory(name):
    if name in COMPOSITES:
        return COMPOSITES[name]
    return lambda lib, opt: SCHEDULERS[name](lib.optim.lr_scheduler, opt)


ALL = list(SCHEDULERS) + list(COMPOSITES)


@pytest.mark.parametrize("name", ALL)
def test_lr_sequence_matches_torch(name):
    assert lr_sequence(jtorch, _factory(name)) == lr_sequence(torch, _factory(name))


@pytest.mark.parametrize("name", ["CyclicLR-triangular", "OneCycleLR-cos"])
def test_beta1_cycles_for_adam(name):
    assert lr_sequence(jtorch, _factory(name), "Adam") == lr_sequence(torch, _factory(name), "Adam")


def plateau_sequence(lib, **kwargs):
    opt = _opt(lib)
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    metrics = [1.0 / (1 + i) if i < 20 else 0.05 + 0.01 * math.sin(i) for i in range(STEPS)]
    out = []
    for m in metrics:
        opt.step()
        sched.step(lib.tensor(m) if kwargs.get("mode") == "max" else m)
        out.append((sched.get_last_lr(), sched.num_bad_epochs, sched.best))
    return out


PLATEAU = [dict(), dict(patience=3, factor=0.5, cooldown=2), dict(mode="max", threshold_mode="abs", patience=2),
           dict(patience=1, min_lr=[0.02, 0.03], threshold=0.1)]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    got, want = plateau_sequence(jtorch, **kwargs), plateau_sequence(torch, **kwargs)
    assert [(g[0], g[1]) for g in got] == [(w[0], w[1]) for w in want]
    np.testing.assert_allclose([g[2] for g in got], [w[2] for w in want], rtol=1e-6)


@pytest.mark.parametrize("name", ALL)
def test_state_dict_matches_torch_and_resumes(name):
    def run(lib):
        opt = _opt(lib)
        sched = _factory(name)(lib, opt)
        for _ in range(30):
            opt.step()
            sched.step()
        state = sched.state_dict()
        keys = set(state)
        opt2 = _opt(lib)
        opt2.load_state_dict(opt.state_dict())
        resumed = _factory(name)(lib, opt2)
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
    opt = _opt(lib)
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
            ERRORS[index](lib.optim.lr_scheduler, _opt(lib))
        return info.type, str(info.value).split("\n")[0]
    assert error(jtorch) == error(torch)


def test_one_cycle_overrun_raises_like_torch():
    def run(lib):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        with pytest.raises(ValueError) as info:
            for _ in range(5):
                opt.step()
                sched.step()
        return str(info.value)
    assert run(jtorch) == run(torch)
