"""torch.optim optimizers against PyTorch's: the shared problem, the option combinations, and their report.

Every case builds the same least-squares problem in both libraries (same data, same initial parameters),
runs the optimizer for a fixed number of steps and compares the parameter trajectories. The same case
definitions serve ``tests/optim/`` (which asserts them) and ``python -m compat`` (which reports them).
"""
from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import numpy as np
import torch

import jtorch

from .opinfo import REPORT_DIR, _first_line, _md_cell

_rng = np.random.default_rng(0)
X = _rng.standard_normal((8, 3)).astype(np.float32)
Y = _rng.standard_normal((8, 2)).astype(np.float32)
W0 = _rng.standard_normal((3, 2)).astype(np.float32)
B0 = _rng.standard_normal((2,)).astype(np.float32)

STEPS = 50
# (rtol, atol) the float32 trajectories must meet
TRAJECTORY_TOL = (1e-5, 1e-6)

# one option set per optimizer family with state, covering its structural options
FAMILIES = [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9))),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=2)),
    ("Rprop", dict(lr=0.01)),
    ("Adafactor", dict(lr=0.05, weight_decay=0.1)),
    ("Muon", dict(lr=0.02)),
]

# every optimizer's options, alone and combined
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
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-6, 1e-2), d=1.5)),
    ("Adafactor", dict(lr=0.05, foreach=True, maximize=True)),
    ("Muon", dict(lr=0.02)),
    ("Muon", dict(lr=0.02, momentum=0.9, nesterov=False, weight_decay=0)),
    ("Muon", dict(lr=0.02, adjust_lr_fn="match_rms_adamw", ns_steps=3)),
    ("Muon", dict(lr=0.02, ns_coefficients=(2.0, -1.5, 0.5), eps=1e-3, adjust_lr_fn="original")),
]
# optimizers that take only 2-D parameters: they optimize ``w`` alone (``b`` keeps its initial value)
MATRIX_ONLY = {"Muon"}
LBFGS_OPTIONS = [dict(lr=0.5, max_iter=4, history_size=3), dict(lr=1, max_iter=5, line_search_fn="strong_wolfe")]
LBFGS_STEPS = 10
# In float64 the LBFGS iterates agree to 1e-9, showing the same algorithm; in float32 the quasi-Newton
# differences of nearly equal gradients amplify last-bit differences of the loss, so the bound is looser.
LBFGS_TOLS = ((np.float64, 1e-9, 1e-12), (np.float32, 1e-5, 1e-4))
# torch.optim optimizers the trajectories cannot cover, and why
NOT_COMPARED = {"SparseAdam": "needs sparse gradients; jtorch has no sparse layouts (building it raises)"}


# ------------------------------------------------------------------ the problem

def make(lib, dtype=np.float32):
    """Data tensors and fresh parameter leaves ``(x, y, w, b)`` for ``lib`` (torch or jtorch)."""
    x, y, w, b = (a.astype(dtype) for a in (X, Y, W0, B0))
    return lib.tensor(x), lib.tensor(y), lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)


def optimized(name, w, b) -> list:
    """The parameters ``name`` optimizes on the problem."""
    return [w] if name in MATRIX_ONLY else [w, b]


def loss_of(x, y, w, b):
    """``((x @ w + b - y) ** 2).mean()``."""
    return x.matmul(w).add(b).sub(y).pow(2).mean()


def values(*params) -> np.ndarray:
    """The parameters' values, flattened and concatenated."""
    return np.concatenate([p.detach().numpy().ravel() for p in params])


def to_numpy_tree(obj):
    """A state_dict with every tensor turned into a numpy array (how a torch checkpoint reaches jtorch)."""
    if hasattr(obj, "detach"):
        return obj.detach().numpy().copy()
    if isinstance(obj, dict):
        return {k: to_numpy_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_numpy_tree(v) for v in obj]
    return obj


def steps_from(lib, name, options, start, saved=None, steps=10):
    """Build ``name`` on its parameters set to ``start`` (numpy values, in order), optionally load ``saved``, and
    run ``steps`` steps."""
    x, y, w, b = make(lib)
    params = optimized(name, w, b)
    with lib.no_grad():
        for p, v in zip(params, start):
            p.copy_(lib.tensor(v))
    opt = getattr(lib.optim, name)(params, **options)
    if saved is not None:
        opt.load_state_dict(saved)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_of(x, y, w, b).backward()
        opt.step()
        out.append(values(w, b))
    return np.stack(out), opt


def closure_for(opt, x, y, w, b):
    """The closure ``opt.step`` takes: zero the gradients, compute the problem's loss, backward, return it."""
    def closure():
        opt.zero_grad()
        loss = loss_of(x, y, w, b)
        loss.backward()
        return loss
    return closure


def trajectory(lib, name, options, steps=STEPS, dtype=np.float32) -> np.ndarray:
    """Parameters after each step of ``name(**options)`` on the problem, shape ``(steps, 8)``."""
    x, y, w, b = make(lib, dtype)
    opt = getattr(lib.optim, name)(optimized(name, w, b), **options)
    closure = closure_for(opt, x, y, w, b)
    out = []
    for _ in range(steps):
        opt.step(closure)
        out.append(values(w, b))
    return np.stack(out)


# ------------------------------------------------------------------ the report

@dataclasses.dataclass
class CaseResult:
    """One optimizer case: ``status`` is pass, fail, missing or skipped; errors are maxima over the trajectory."""

    optimizer: str
    options: str
    dtype: str
    steps: int
    tol: tuple
    status: str
    max_abs_err: float = float("nan")
    max_rel_err: float = float("nan")
    note: str = ""


def cases() -> list[tuple[str, dict, int, type, tuple]]:
    """Every compared case as ``(optimizer, options, steps, numpy dtype, (rtol, atol))``."""
    out = [(name, options, STEPS, np.float32, TRAJECTORY_TOL) for name, options in COMBOS]
    out += [("LBFGS", options, LBFGS_STEPS, dtype, (rtol, atol))
            for options in LBFGS_OPTIONS for dtype, rtol, atol in LBFGS_TOLS]
    return out


def torch_optimizers() -> list[str]:
    """The names of torch.optim's optimizer classes."""
    return sorted(n for n, c in vars(torch.optim).items()
                  if inspect.isclass(c) and issubclass(c, torch.optim.Optimizer) and c is not torch.optim.Optimizer)


def run_case(name: str, options: dict, steps: int, dtype, tol) -> CaseResult:
    """Compare one case's trajectories: it passes when every value is within ``rtol * |torch| + atol``."""
    base = CaseResult(name, str(options), np.dtype(dtype).name, steps, tol, "fail")
    want = trajectory(torch, name, options, steps, dtype)
    try:
        got = trajectory(jtorch, name, options, steps, dtype)
    except Exception as exc:  # noqa: BLE001  (a failing optimizer is a result to report)
        return dataclasses.replace(base, note=_first_line(exc))
    err = np.abs(got.astype(np.float64) - want)
    rel = err / np.maximum(np.abs(want), np.finfo(want.dtype).tiny)
    passed = bool(np.all(err <= tol[1] + tol[0] * np.abs(want)))
    return dataclasses.replace(base, status="pass" if passed else "fail", max_abs_err=float(err.max()),
                               max_rel_err=float(rel.max()))


def run_suite() -> list[CaseResult]:
    """Every case of ``cases()``, plus a row for each torch.optim optimizer without cases (missing or skipped)."""
    results = [run_case(*case) for case in cases()]
    covered = {name for name, *_ in cases()}
    for name in torch_optimizers():
        if name in covered:
            continue
        if name in NOT_COMPARED:
            results.append(CaseResult(name, "-", "-", 0, (), "skipped", note=NOT_COMPARED[name]))
        elif not hasattr(jtorch.optim, name):
            results.append(CaseResult(name, "-", "-", 0, (), "missing", note=f"jtorch has no optim.{name}"))
        else:
            results.append(CaseResult(name, "-", "-", 0, (), "fail", note="no case compares it"))
    return results


def summary(results: list, seconds: float | None = None) -> dict:
    """Counts of each status (pass, fail, missing, skipped) of case results and the pass rate over all cases."""
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "fail", "missing", "skipped")}
    out = {"cases": len(results), **counts,
           "pass_pct": round(100.0 * counts["pass"] / len(results), 2) if results else 0.0}
    if seconds is not None:
        out["seconds"] = round(seconds, 1)
    return out


def write_report(results: list[CaseResult], stats: dict, directory: Path = REPORT_DIR) -> Path:
    """Write ``optimizers.md`` (per-case table, the optimizers not compared and why) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "optimizers.md"
    lines = ["# jtorch.optim against torch.optim", "",
             "Each case runs the optimizer on the same least-squares problem in both libraries (same data and "
             "initial parameters, the gradients of the same loss) and compares the parameters after every step. "
             "A case passes when every value is within rtol·|torch| + atol. Errors are the maxima over all steps "
             "and parameters (relative error: |jtorch − torch| / |torch|).", "",
             *(f"- {k}: {v}" for k, v in stats.items()), "",
             "## Not compared", "", "| optimizer | status | reason |", "|---|---|---|",
             *(f"| {r.optimizer} | {r.status} | {_md_cell(r.note)} |" for r in results if not r.steps), "",
             "## Per case", "", "| optimizer | options | dtype | steps | rtol, atol | max abs error | "
             "max rel error | status | note |", "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.optimizer} | `{r.options}` | {r.dtype} | {r.steps} | {r.tol[0]:g}, {r.tol[1]:g} | "
              f"{r.max_abs_err:.3g} | {r.max_rel_err:.3g} | {r.status} | {_md_cell(r.note)} |"
              for r in results if r.steps]
    path.write_text("\n".join(lines) + "\n")
    return path

