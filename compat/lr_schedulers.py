"""torch.optim.lr_scheduler against PyTorch's: the scheduler cases, their lr sequences, and their report.

Every case builds the scheduler on a two-group SGD (or Adam) optimizer in both libraries, steps it STEPS
times and compares, after every step, ``get_last_lr()``, ``last_epoch`` and each group's lr, momentum and
betas. The same case definitions serve ``tests/optim/`` (which asserts them) and ``python -m compat``.
"""
from __future__ import annotations

import dataclasses
import inspect
import math
from pathlib import Path

import numpy as np
import torch

import jtorch

from .opinfo import REPORT_DIR, _first_line, _md_cell

STEPS = 100


def make_optimizer(lib, name="SGD", groups=2):
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
ALL = list(SCHEDULERS) + list(COMPOSITES)
# cases whose momentum (SGD) or beta1 (Adam) cycles too
CYCLING_MOMENTUM = ["CyclicLR-triangular", "OneCycleLR-cos"]
PLATEAU = [dict(), dict(patience=3, factor=0.5, cooldown=2), dict(mode="max", threshold_mode="abs", patience=2),
           dict(patience=1, min_lr=[0.02, 0.03], threshold=0.1)]
PLATEAU_BEST_RTOL = 1e-6


def factory(name):
    """``make(lib, optimizer) -> scheduler`` for case ``name`` of ALL."""
    if name in COMPOSITES:
        return COMPOSITES[name]
    return lambda lib, opt: SCHEDULERS[name](lib.optim.lr_scheduler, opt)


def lr_sequence(lib, make_sched, optimizer="SGD") -> list:
    """Per step: ``(get_last_lr(), last_epoch, [(lr, momentum, betas) per group])``."""
    opt = make_optimizer(lib, optimizer)
    sched = make_sched(lib, opt)
    out = []
    for _ in range(STEPS):
        opt.step()
        sched.step()
        group_values = [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups]
        out.append((sched.get_last_lr(), getattr(sched, "last_epoch", None), group_values))
    return out


def plateau_sequence(lib, **kwargs) -> list:
    """Per step of ReduceLROnPlateau(**kwargs) on a falling-then-flat metric: ``(lrs, num_bad_epochs, best)``."""
    opt = make_optimizer(lib)
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    metrics = [1.0 / (1 + i) if i < 20 else 0.05 + 0.01 * math.sin(i) for i in range(STEPS)]
    out = []
    for m in metrics:
        opt.step()
        sched.step(lib.tensor(m) if kwargs.get("mode") == "max" else m)
        out.append((sched.get_last_lr(), sched.num_bad_epochs, sched.best))
    return out


# ------------------------------------------------------------------ the report

@dataclasses.dataclass
class CaseResult:
    """One scheduler case: ``status`` is pass, fail, missing or skipped; ``max_rel_err`` is over every lr."""

    case: str
    scheduler: str
    optimizer: str
    status: str
    steps: int = STEPS
    max_rel_err: float = float("nan")
    note: str = ""


def _lrs(sequence: list) -> np.ndarray:
    return np.array([lr for step in sequence for lr in step[0]], dtype=np.float64)


def _max_rel_err(got: list, want: list) -> float:
    a, b = _lrs(got), _lrs(want)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), np.finfo(np.float64).tiny), initial=0.0))


def _compare(case: str, scheduler: str, optimizer: str, run, same) -> CaseResult:
    """Run ``run(lib)`` on both libraries; the case passes when ``same(jtorch_result, torch_result)``."""
    base = CaseResult(case, scheduler, optimizer, "fail")
    want = run(torch)
    try:
        got = run(jtorch)
    except Exception as exc:  # noqa: BLE001  (a failing scheduler is a result to report)
        return dataclasses.replace(base, note=_first_line(exc))
    passed = same(got, want)
    return dataclasses.replace(base, status="pass" if passed else "fail", max_rel_err=_max_rel_err(got, want),
                               note="" if passed else "sequences differ")


def plateau_same(got: list, want: list) -> bool:
    """Identical lrs and bad-epoch counts; ``best`` within PLATEAU_BEST_RTOL."""
    return [g[:2] for g in got] == [w[:2] for w in want] and np.allclose(
        [g[2] for g in got], [w[2] for w in want], rtol=PLATEAU_BEST_RTOL, atol=0)


def torch_schedulers() -> list[str]:
    """The names of torch.optim.lr_scheduler's public scheduler classes (its base class LRScheduler aside)."""
    module = torch.optim.lr_scheduler
    return sorted(n for n, c in vars(module).items() if inspect.isclass(c) and not n.startswith("_")
                  and c.__module__ == module.__name__ and c is not module.LRScheduler)


def run_suite() -> list[CaseResult]:
    """Every case (sequences compared for equality), plus a failing row for each scheduler class no case builds."""
    results = [_compare(name, name.split("-")[0], "SGD", lambda lib, n=name: lr_sequence(lib, factory(n)),
                        lambda a, b: a == b) for name in ALL]
    results += [_compare(name, name.split("-")[0], "Adam", lambda lib, n=name: lr_sequence(lib, factory(n), "Adam"),
                         lambda a, b: a == b) for name in CYCLING_MOMENTUM]
    results += [_compare(f"ReduceLROnPlateau-{kwargs}", "ReduceLROnPlateau", "SGD",
                         lambda lib, k=kwargs: plateau_sequence(lib, **k), plateau_same) for kwargs in PLATEAU]
    covered = {r.scheduler for r in results}
    for name in torch_schedulers():
        if name in covered:
            continue
        if not hasattr(jtorch.optim.lr_scheduler, name):
            results.append(CaseResult(name, name, "-", "missing", 0, note=f"jtorch has no lr_scheduler.{name}"))
        else:
            results.append(CaseResult(name, name, "-", "fail", 0, note="no case compares it"))
    return results


def write_report(results: list[CaseResult], stats: dict, directory: Path = REPORT_DIR) -> Path:
    """Write ``lr_schedulers.md`` (per-case table, the schedulers not compared and why) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "lr_schedulers.md"
    lines = ["# jtorch.optim.lr_scheduler against torch.optim.lr_scheduler", "",
             f"Each case steps the scheduler {STEPS} times on a two-group optimizer in both libraries. It passes "
             "when, after every step, get_last_lr(), last_epoch and every group's lr, momentum and betas are "
             "identical (ReduceLROnPlateau: lrs and num_bad_epochs identical, best within rtol "
             f"{PLATEAU_BEST_RTOL:g}). Max rel error is over every lr of every step.", "",
             *(f"- {k}: {v}" for k, v in stats.items()), "",
             "## Schedulers without a passing case", "", "| scheduler | status | reason |", "|---|---|---|",
             *(f"| {r.scheduler} | {r.status} | {_md_cell(r.note)} |" for r in results if not r.steps), "",
             "## Per case", "", "| case | scheduler | optimizer | steps | max rel error | status | note |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.case} | {r.scheduler} | {r.optimizer} | {r.steps} | {r.max_rel_err:.3g} | {r.status} | "
              f"{_md_cell(r.note)} |" for r in results if r.steps]
    path.write_text("\n".join(lines) + "\n")
    return path
