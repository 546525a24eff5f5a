"""``python -m compat``: run the compat suites against the installed torch and write their Markdown reports.

Writes one page per suite and ``README.md`` (the summary table) into ``--out`` (default ``compat/reports``),
and prints the summary table as Markdown.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from .opinfo import REPORT_DIR
from .report import SUITES, run_suite, summary_table, write_readme


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m compat", description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", choices=SUITES,
                        help="run only this suite (repeatable; default: all)")
    parser.add_argument("--out", type=Path, default=REPORT_DIR, help="report directory (default: compat/reports)")
    parser.add_argument("--max-samples", type=int, default=None,
                        help="samples per OpInfo / ModuleInfo entry (default: each sweep's own)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(),
                        help="worker processes for the OpInfo and ModuleInfo sweeps (default: one per core)")
    args = parser.parse_args(argv)
    runs = []
    for name in args.suite or SUITES:
        runs.append(run_suite(name, args.out, args.max_samples, args.jobs))
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in runs[-1].stats.items()), flush=True)
    _, rows = write_readme(runs, args.out)
    table = summary_table(rows)
    print(table)
    return table


if __name__ == "__main__":
    main()
