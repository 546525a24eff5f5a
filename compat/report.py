"""Run the compat suites and write their summary: ``README.md`` beside one page per suite.

Suites: ``opinfo`` (PyTorch's OpInfo database), ``opinfo_dtypes`` (the same in every other CPU dtype), ``moduleinfo`` (its ModuleInfo database), ``optimizers``
(torch.optim trajectories) and ``lr_schedulers`` (lr sequences). ``run_suite`` runs one and writes its page;
``summary_table`` renders the rows of the suites run as a Markdown table.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

from . import lr_schedulers, moduleinfo, opinfo, optimizers
from .opinfo import REPORT_DIR, run_isolated

SUITES = ("opinfo", "opinfo_dtypes", "moduleinfo", "optimizers", "lr_schedulers")
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class Row:
    """One line of the summary table: ``passed`` of ``cases`` (``skipped`` of them not run), detailed on ``page``."""

    suite: str
    cases: int
    passed: int
    skipped: int
    page: Path

    @property
    def rate(self) -> float:
        return round(100.0 * self.passed / self.cases, 2) if self.cases else 0.0


@dataclasses.dataclass
class SuiteRun:
    """What one suite produced: per-case results, their counts, the summary rows and the files written."""

    name: str
    results: list
    stats: dict
    rows: list[Row]
    paths: tuple[Path, ...]


def run_suite(name: str, directory: Path = REPORT_DIR, max_samples: int | None = None, jobs: int = 1) -> SuiteRun:
    """Run suite ``name`` (one of SUITES) and write its page(s) into ``directory``.

    ``max_samples`` caps the samples per OpInfo / ModuleInfo entry (default: each sweep's own default);
    the OpInfo and ModuleInfo sweeps run in ``jobs`` worker processes when above 1.
    """
    start = time.perf_counter()
    if name == "opinfo":
        results = opinfo.run_sweep(max_samples=max_samples or opinfo.DEFAULT_MAX_SAMPLES, jobs=jobs)
        stats = opinfo.summary(results, time.perf_counter() - start)
        paths = opinfo.write_reports(results, stats, directory)
        rows = [Row("OpInfo: forward", stats["ops_total"], stats["pass_forward"], stats["skipped"], paths[0]),
                Row("OpInfo: forward + gradient", stats["ops_total"], stats["pass_forward_and_grad"],
                    stats["skipped"], paths[0])]
    elif name == "opinfo_dtypes":
        results = opinfo.run_dtype_sweep(max_samples=max_samples or opinfo.DTYPE_MAX_SAMPLES, jobs=jobs)
        stats = opinfo.dtype_summary(results, time.perf_counter() - start)
        paths = opinfo.write_dtype_reports(results, stats, directory)
        rows = [Row("OpInfo, other dtypes: forward", stats["cases_total"], stats["pass_forward"], stats["skipped"],
                    paths[0]),
                Row("OpInfo, other dtypes: forward + gradient", stats["cases_total"], stats["pass_forward_and_grad"],
                    stats["skipped"], paths[0])]
    elif name == "moduleinfo":
        results = moduleinfo.run_sweep(max_samples=max_samples or moduleinfo.DEFAULT_MAX_SAMPLES, jobs=jobs)
        stats = moduleinfo.summary(results, time.perf_counter() - start)
        paths = moduleinfo.write_reports(results, stats, directory)
        rows = [Row("ModuleInfo", stats["modules_total"], stats["pass"], stats["skipped"], paths[0])]
    elif name in ("optimizers", "lr_schedulers"):
        module = optimizers if name == "optimizers" else lr_schedulers
        results = run_isolated([None], lambda _: module.run_suite())[0]
        stats = optimizers.summary(results, time.perf_counter() - start)
        paths = (module.write_report(results, stats, directory),)
        title = "torch.optim optimizers" if name == "optimizers" else "torch.optim.lr_scheduler"
        rows = [Row(title, stats["cases"], stats["pass"], stats["skipped"], paths[0])]
    else:
        raise ValueError(f"unknown suite {name!r}; expected one of {', '.join(SUITES)}")
    return SuiteRun(name, results, stats, rows, paths)


def _link(page: Path, relative_to: Path) -> str:
    """``page`` relative to ``relative_to`` when it lies below it, else its absolute path."""
    page = page.resolve()
    try:
        return page.relative_to(relative_to.resolve()).as_posix()
    except ValueError:
        return os.path.abspath(page)


def summary_table(rows: list[Row], relative_to: Path = REPO_ROOT) -> str:
    """The Markdown summary table, page links relative to ``relative_to``."""
    lines = ["| suite | cases | passed | rate | skipped | report |", "|---|---|---|---|---|---|"]
    lines += [f"| {r.suite} | {r.cases} | {r.passed} | {r.rate:.2f}% | {r.skipped} | "
              f"[{r.page.name}]({_link(r.page, relative_to)}) |" for r in rows]
    return "\n".join(lines)


def _stored_rows(directory: Path) -> dict[str, list[Row]]:
    """The rows of every suite recorded in ``directory/summary.json`` by earlier runs."""
    path = directory / "summary.json"
    if not path.exists():
        return {}
    stored = json.loads(path.read_text())
    return {name: [Row(**{**row, "page": directory / row["page"]}) for row in rows] for name, rows in stored.items()}


def write_readme(runs: list[SuiteRun], directory: Path) -> tuple[Path, list[Row]]:
    """Write ``README.md`` and ``summary.json`` into ``directory``; return the README and its table's rows.

    The table holds the rows of ``runs`` and, for suites not run now, the rows an earlier run recorded.
    """
    import torch

    import jtorch
    directory.mkdir(parents=True, exist_ok=True)
    by_suite = {**_stored_rows(directory), **{run.name: run.rows for run in runs}}
    by_suite = {name: by_suite[name] for name in SUITES if name in by_suite}
    (directory / "summary.json").write_text(json.dumps(
        {name: [{**dataclasses.asdict(row), "page": row.page.name} for row in rows]
         for name, rows in by_suite.items()}, indent=1) + "\n")
    rows = [row for rows in by_suite.values() for row in rows]
    path = directory / "README.md"
    lines = ["# jtorch compatibility reports", "",
             f"Written by `python -m compat` against torch {torch.__version__} (jtorch {jtorch.__version__}, "
             "CPU). A skipped case counts as not passed; each page lists the skipped cases with their reasons.",
             "", summary_table(rows, directory), "",
             "- OpInfo: PyTorch's operator database, float32 samples (integer or bool where the op has no float32); "
             "an op passes forward when its outputs match torch on every sample, and forward + gradient when the "
             "input gradients of a random cotangent match too. Skip list: `compat/opinfo_skips.py`.",
             "- OpInfo, other dtypes: the same ops in every other CPU dtype they support (float64, float16, bfloat16, "
             "integers, bool, complex); a case is one op in one dtype, gradients compared in float64 and complex. "
             "Per-dtype rates and tolerances on its page.",
             "- ModuleInfo: PyTorch's nn module database; a module passes when forward, gradients, state_dict, "
             "repr and train/eval all match on every sample. Skip list: `compat/moduleinfo_skips.py`.",
             "- Optimizers: every torch.optim optimizer and option combination, parameter trajectories against "
             "torch's from the same start (cases in `compat/optimizers.py`).",
             "- LR schedulers: every torch.optim.lr_scheduler scheduler, its lr (and momentum) sequence against "
             "torch's (cases in `compat/lr_schedulers.py`).", ""]
    path.write_text("\n".join(lines))
    return path, rows
