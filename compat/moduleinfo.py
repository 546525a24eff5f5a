"""Drive PyTorch's ModuleInfo database against jtorch and report which nn modules match PyTorch's.

For every ModuleInfo the sweep takes a few of its CPU float32 samples (constructor arguments and forward inputs),
builds the torch module under a fixed seed, builds the jtorch module from the converted constructor arguments
and loads the torch module's state_dict into it. It then checks, per sample:

- forward: the outputs match in train mode;
- grad: the gradients of one random cotangent with respect to the inputs and every parameter match;
- state: state_dict keys and their order match, before and after the forward (buffer values after it too);
- repr: ``repr(module)`` is the same string;
- train_eval: after ``.eval()`` every submodule's ``training`` flag agrees and the eval-mode outputs match.

Run ``python -m compat.moduleinfo [--modules nn.Linear,nn.Conv2d] [--max-samples N] [--jobs N]`` from the
repository root (``python -m compat`` runs every compat suite).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import dataclasses
import functools
import json
import os
import signal
import time
from pathlib import Path
from typing import Any, Callable, Iterable

import torch

import jtorch

from .convert import assert_same, dtype_name, to_jtorch, to_torch
from .moduleinfo_skips import SKIPS, TOLERANCES
from .opinfo import (FORWARD_TOL, GRAD_TOL, REPORT_DIR, _first_line, _is_missing, _md_cell, _tensors, compare_vjp,
                     run_in_workers, run_isolated)

DEFAULT_MAX_SAMPLES = 3
MAX_SAMPLE_NUMEL = 5_000
MODULE_TIME_BUDGET_S = 6.0
CHECKS = ("forward", "grad", "state", "repr", "train_eval")
SEED = 0
# float32; float64 only for modules whose samples torch itself rejects in float32
SAMPLE_DTYPES = (torch.float32, torch.float64)


@dataclasses.dataclass
class SampleResult:
    """One sample's outcome per check ('pass', 'fail', 'n/a'); ``error`` is the first failure's reason."""

    checks: dict
    error: str = ""
    missing: bool = False


@dataclasses.dataclass
class ModuleResult:
    """One ModuleInfo's outcome; ``status`` is pass, fail, missing or skipped; checks map to 'pass' or 'k/n'."""

    module: str
    status: str
    samples: int = 0
    checks: dict = dataclasses.field(default_factory=dict)
    note: str = ""
    seconds: float = 0.0
    dtype: str = "float32"


class _OutOfTime(Exception):
    """Raised inside a sample that ran past the module's hard time limit."""


@contextlib.contextmanager
def _deadline(seconds: float):
    """Interrupt the body with ``_OutOfTime`` after ``seconds`` (main thread only; elsewhere no limit)."""
    def expire(signum, frame):
        raise _OutOfTime(f"module ran past its {seconds:.0f} s time budget")

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------ constructor arguments

@contextlib.contextmanager
def _recording_constructors():
    """While active, every torch.nn module remembers the arguments it was constructed with (``_compat_ctor``)."""
    def recording(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            init(self, *args, **kwargs)
            object.__setattr__(self, "_compat_ctor", (args, kwargs))  # the outermost __init__ finishes last
        return wrapper

    classes = [c for c in vars(torch.nn).values()
               if isinstance(c, type) and issubclass(c, torch.nn.Module) and "__init__" in vars(c)]
    originals = {c: vars(c)["__init__"] for c in classes}
    for c, init in originals.items():
        c.__init__ = recording(init)
    try:
        yield
    finally:
        for c, init in originals.items():
            c.__init__ = init


def ctor_to_jtorch(value: Any) -> Any:
    """A constructor argument for the jtorch module.

    A torch module becomes the jtorch module of the same class built from its recorded arguments, holding its
    state; a function of ``torch.nn.functional`` becomes jtorch's; everything else goes through ``to_jtorch``.
    """
    if isinstance(value, torch.nn.Module):
        cls = jtorch_class(type(value))
        if cls is None:
            raise AttributeError(f"module 'jtorch.nn' has no attribute '{type(value).__name__}'")
        args, kwargs = value.__dict__.get("_compat_ctor", ((), {}))
        module = cls(*[ctor_to_jtorch(a) for a in args], **{k: ctor_to_jtorch(v) for k, v in kwargs.items()})
        module.load_state_dict(to_jtorch(dict(value.state_dict())))
        return module
    if callable(value) and getattr(torch.nn.functional, getattr(value, "__name__", ""), None) is value:
        return getattr(jtorch.nn.functional, value.__name__)
    return to_jtorch(value)


def jtorch_class(cls: type) -> type | None:
    """The jtorch.nn class of the same name as the torch.nn class ``cls`` (None when jtorch lacks it)."""
    found = getattr(jtorch.nn, cls.__name__, None)
    return found if isinstance(found, type) else None


# ------------------------------------------------------------------ samples

def _numel(module_input) -> int:
    parts = [module_input.constructor_input.args, module_input.constructor_input.kwargs]
    if module_input.forward_input is not None:
        parts += [module_input.forward_input.args, module_input.forward_input.kwargs]
    return sum(t.numel() for t in _tensors(parts) if isinstance(t, torch.Tensor))


def small_samples(info, max_samples: int, dtype: torch.dtype = torch.float32) -> list:
    """Up to ``max_samples`` CPU training samples of ``dtype`` within MAX_SAMPLE_NUMEL, spread over the list."""
    torch.manual_seed(SEED)
    with _recording_constructors():
        samples = info.module_inputs_func(info, device="cpu", dtype=dtype, requires_grad=True, training=True)
    kept = [s for s in samples if s.forward_input is not None and _numel(s) <= MAX_SAMPLE_NUMEL]
    if len(kept) <= max_samples:
        return kept
    step = (len(kept) - 1) / max(max_samples - 1, 1)
    return [kept[round(i * step)] for i in range(max_samples)]


# ------------------------------------------------------------------ one sample

def _leaves(module, inputs) -> list:
    return [t for t in _tensors(inputs) if t.requires_grad] + list(module.parameters())


def _state_keys(t_mod, j_mod, when: str) -> None:
    t_keys, j_keys = list(t_mod.state_dict()), list(j_mod.state_dict())
    if t_keys != j_keys:
        raise AssertionError(f"state_dict keys {when} {j_keys} != expected {t_keys}")


def _compare_state(t_mod, j_mod, tol) -> None:
    _state_keys(t_mod, j_mod, "after forward")
    expected, actual = t_mod.state_dict(), j_mod.state_dict()
    for key, value in expected.items():
        assert_same(to_torch(actual[key]), value, rtol=tol[0], atol=tol[1], path=f"state_dict[{key!r}]")


def _training_flags(module) -> list:
    return [(name, m.training) for name, m in module.named_modules()]


class _Failed(Exception):
    """A check failed; ``reason`` is ``'check: Type: message'``."""

    def __init__(self, reason: str, missing: bool = False):
        super().__init__(reason)
        self.reason, self.missing = reason, missing


class _Sample:
    """One ModuleInput run through torch and jtorch; ``run`` fills ``checks`` (CHECKS) and stops at a failure."""

    def __init__(self, info, j_cls: type, module_input, tol):
        self.info, self.j_cls, self.input, self.tol = info, j_cls, module_input, tol
        self.checks = dict.fromkeys(CHECKS, "n/a")

    def run(self) -> SampleResult | None:
        """The sample's result, or None when torch itself rejects it."""
        ctor, fwd = self.input.constructor_input, self.input.forward_input
        torch.manual_seed(SEED)
        try:
            t_mod = self.info.module_cls(*ctor.args, **ctor.kwargs)
            if self.info.is_lazy:
                with torch.no_grad():
                    t_mod(*fwd.args, **fwd.kwargs)
            copy.deepcopy(t_mod)(*fwd.args, **fwd.kwargs)
        except Exception:  # noqa: BLE001  (a sample torch itself rejects says nothing about jtorch)
            return None
        try:
            j_mod = self._check("forward", lambda: self._build_jtorch(ctor, fwd))
            self.checks["forward"] = "n/a"
            self._check("state", lambda: _state_keys(t_mod, j_mod, "after construction"))
            self._check("state", lambda: j_mod.load_state_dict(to_jtorch(dict(t_mod.state_dict()))))
            self._check("repr", lambda: assert_same(repr(j_mod), repr(t_mod), rtol=0, atol=0, path="repr"))
            self._forward_backward(t_mod, j_mod, fwd)
            self._check("state", lambda: _compare_state(t_mod, j_mod, self.tol))
            self._check("train_eval", lambda: self._eval_mode(t_mod, j_mod, fwd))
        except _Failed as failed:
            return SampleResult(self.checks, failed.reason, failed.missing)
        return SampleResult(self.checks)

    def _build_jtorch(self, ctor, fwd):
        """The jtorch module from the converted constructor arguments (a lazy one sized by a no-grad forward)."""
        jtorch.manual_seed(SEED)
        module = self.j_cls(*[ctor_to_jtorch(a) for a in ctor.args],
                            **{k: ctor_to_jtorch(v) for k, v in ctor.kwargs.items()})
        if self.info.is_lazy:
            with jtorch.no_grad():
                module(*to_jtorch(fwd.args), **to_jtorch(fwd.kwargs))
        return module

    def _check(self, name: str, body: Callable[[], Any]) -> Any:
        """``body()``, marking check ``name`` passed; on an exception marks it failed and raises ``_Failed``."""
        try:
            value = body()
        except _OutOfTime:
            raise
        except Exception as exc:  # noqa: BLE001  (any failure is a result to report)
            self.checks[name] = "fail"
            raise _Failed(f"{name}: {_first_line(exc)}", _is_missing(exc)) from exc
        self.checks[name] = "pass"
        return value

    def _forward_backward(self, t_mod, j_mod, fwd) -> None:
        j_args, j_kwargs = to_jtorch(fwd.args), to_jtorch(fwd.kwargs)
        t_out = t_mod(*fwd.args, **fwd.kwargs)
        j_out = self._check("forward", lambda: j_mod(*j_args, **j_kwargs))
        self._check("forward", lambda: assert_same(to_torch(j_out), t_out, rtol=self.tol[0], atol=self.tol[1]))
        t_leaves, j_leaves = _leaves(t_mod, (fwd.args, fwd.kwargs)), _leaves(j_mod, (j_args, j_kwargs))
        self.checks["grad"] = self._check("grad", lambda: compare_vjp(_tensors(t_out), _tensors(j_out), t_leaves,
                                                                      j_leaves, GRAD_TOL))

    def _eval_mode(self, t_mod, j_mod, fwd) -> None:
        t_mod.eval()
        j_mod.eval()
        if _training_flags(j_mod) != _training_flags(t_mod):
            raise AssertionError(f"training flags {_training_flags(j_mod)} != expected {_training_flags(t_mod)}")
        with torch.no_grad():
            t_out = t_mod(*fwd.args, **fwd.kwargs)
        with jtorch.no_grad():
            j_out = j_mod(*to_jtorch(fwd.args), **to_jtorch(fwd.kwargs))
        assert_same(to_torch(j_out), t_out, rtol=self.tol[0], atol=self.tol[1], path="eval output")


# ------------------------------------------------------------------ one module, the whole database

def summarize(key: str, results: list[SampleResult], seconds: float = 0.0) -> ModuleResult:
    """Fold per-sample results into the module's status: pass only when every check passes on every sample."""
    base = ModuleResult(key, "skipped", len(results), seconds=round(seconds, 2))
    if not results:
        base.note = "no sample that torch accepts within the size cap"
        return base
    checks = {}
    for name in CHECKS:
        values = [r.checks[name] for r in results]
        tested = [v for v in values if v != "n/a"]
        passed = sum(v == "pass" for v in tested)
        checks[name] = "n/a" if not tested else "pass" if passed == len(tested) else f"{passed}/{len(tested)}"
    failed = [r for r in results if r.error]
    if not failed:
        return dataclasses.replace(base, status="pass", checks=checks)
    status = "missing" if all(r.missing for r in failed) and checks["forward"] != "pass" else "fail"
    return dataclasses.replace(base, status=status, checks=checks, note=failed[0].error)


def run_module(info, max_samples: int = DEFAULT_MAX_SAMPLES) -> ModuleResult:
    """Test one ModuleInfo against jtorch (catching every exception) and return its ModuleResult."""
    key = info.name
    if key in SKIPS:
        return ModuleResult(key, "skipped", note=SKIPS[key])
    j_cls = jtorch_class(info.module_cls)
    if j_cls is None:
        return ModuleResult(key, "missing", note=f"jtorch has no {key}")
    start = time.perf_counter()
    results: list[SampleResult] = []
    try:
        with _deadline(10 * MODULE_TIME_BUDGET_S):  # a guard against hangs, far past the budget
            for dtype in SAMPLE_DTYPES:
                for module_input in small_samples(info, max_samples, dtype):
                    result = _Sample(info, j_cls, module_input, TOLERANCES.get(key, FORWARD_TOL)).run()
                    if result is not None:
                        results.append(result)
                    if time.perf_counter() - start > MODULE_TIME_BUDGET_S:
                        break
                if results:
                    break
    except _OutOfTime as exc:
        results.append(SampleResult(dict.fromkeys(CHECKS, "n/a"), f"{type(exc).__name__}: {exc}"))
    return dataclasses.replace(summarize(key, results, time.perf_counter() - start), dtype=dtype_name(dtype))


def select_modules(names: Iterable[str] | None = None, indices: bool = False) -> list:
    """The ModuleInfos whose name (``'nn.Linear'``) is in ``names`` (all of them when ``names`` is None), or with
    ``indices`` their positions in ``module_db``."""
    from torch.testing._internal.common_modules import module_db
    wanted = None if names is None else {n if n.startswith("nn.") else f"nn.{n}" for n in names}
    chosen = [i for i, info in enumerate(module_db) if wanted is None or info.name in wanted]
    return chosen if indices else [module_db[i] for i in chosen]


def _run_chunk(indices: list[int], max_samples: int) -> list[ModuleResult]:
    from torch.testing._internal.common_modules import module_db
    return run_isolated([module_db[i] for i in indices], lambda info: run_module(info, max_samples))


def run_sweep(names: Iterable[str] | None = None, max_samples: int = DEFAULT_MAX_SAMPLES,
              progress: bool = False, jobs: int = 1) -> list[ModuleResult]:
    """Run every selected ModuleInfo (see ``opinfo.run_isolated``), in ``jobs`` worker processes when above 1."""
    line = (lambda r: f"{r.module:32s} {r.status:8s} {r.seconds:5.1f}s {r.note[:100]}") if progress else None
    if jobs > 1:
        return run_in_workers(functools.partial(_run_chunk, max_samples=max_samples),
                              select_modules(names, indices=True), jobs, line)
    return run_isolated(select_modules(names), lambda info: run_module(info, max_samples), line)


# ------------------------------------------------------------------ reporting

def summary(results: list[ModuleResult], seconds: float | None = None) -> dict:
    """Counts and the pass rate, over all modules and over the modules not skipped."""
    counts = collections.Counter(r.status for r in results)
    total = len(results)
    tested = total - counts["skipped"]
    out = {"modules_total": total, "skipped": counts["skipped"], "missing": counts["missing"],
           "fail": counts["fail"], "pass": counts["pass"],
           "pass_pct": round(100.0 * counts["pass"] / total, 2) if total else 0.0,
           "pass_pct_not_skipped": round(100.0 * counts["pass"] / tested, 2) if tested else 0.0}
    if seconds is not None:
        out["seconds"] = round(seconds, 1)
    return out


def write_reports(results: list[ModuleResult], stats: dict, directory: Path = REPORT_DIR) -> tuple[Path, Path]:
    """Write ``moduleinfo.md`` (per-module table, skip list) and ``moduleinfo.json`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    md, js = directory / "moduleinfo.md", directory / "moduleinfo.json"
    header = " | ".join(CHECKS)
    lines = ["# jtorch against PyTorch's ModuleInfo database", "",
             "Per sample (CPU float32, float64 where torch rejects every float32 sample; train mode): forward "
             "outputs match torch (rtol 1.3e-6, atol 1e-5 unless "
             "listed in moduleinfo_skips); gradients of one random cotangent w.r.t. inputs and parameters match "
             "(rtol 1e-5, atol 1e-4); state_dict keys, order and values after the forward match; repr matches; "
             "after .eval() the training flags and eval outputs match. A module passes when every check passes "
             "on every tested sample.", "",
             *(f"- {k}: {v}" for k, v in stats.items()), "",
             "## Not passing", "", "| module | status | note |", "|---|---|---|",
             *(f"| {r.module} | {r.status} | {_md_cell(r.note)} |" for r in results
               if r.status in ("fail", "missing")), "",
             "## Skipped", "", "| module | reason |", "|---|---|",
             *(f"| {r.module} | {_md_cell(r.note)} |" for r in results if r.status == "skipped"), "",
             "## Per module", "", f"| module | dtype | samples | status | {header} | seconds | note |",
             "|---|---|---|---|" + "---|" * len(CHECKS) + "---|---|"]
    lines += [f"| {r.module} | {r.dtype} | {r.samples} | {r.status} | "
              + " | ".join(r.checks.get(c, "-") for c in CHECKS) + f" | {r.seconds} | {_md_cell(r.note)} |"
              for r in results]
    md.write_text("\n".join(lines) + "\n")
    js.write_text(json.dumps({"summary": stats, "skips": SKIPS,
                              "modules": [dataclasses.asdict(r) for r in results]}, indent=1) + "\n")
    return md, js


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", help="comma-separated ModuleInfo names, e.g. nn.Linear,nn.Conv2d (default: all)")
    parser.add_argument("--max-samples", type=int, default=DEFAULT_MAX_SAMPLES)
    parser.add_argument("--progress", action="store_true", help="print each module's result as it finishes")
    parser.add_argument("--report-dir", type=Path, default=REPORT_DIR)
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="worker processes (default: one per core)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = run_sweep(args.modules.split(",") if args.modules else None, args.max_samples, args.progress,
                        args.jobs)
    stats = summary(results, time.perf_counter() - start)
    write_reports(results, stats, args.report_dir)
    for k, v in stats.items():
        print(f"{k}: {v}")
    for r in results:
        if r.status in ("fail", "missing"):
            print(f"  {r.status:8s} {r.module:30s} {r.note[:140]}")
    return stats


if __name__ == "__main__":
    main()
