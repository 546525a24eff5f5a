"""``python -m jtorch script.py [args...]``: run an unmodified PyTorch script on jtorch."""
from __future__ import annotations

import os
import runpy
import sys

from ._runner import install_as_torch


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m jtorch script.py [args...]   (or: python -m jtorch -m module [args...])")
        raise SystemExit(0 if argv else 2)
    install_as_torch()
    try:
        _run(argv)
    except Exception as e:  # recorded for jtorchrun's failure summary, then raised as usual
        from .distributed.run import write_error_file
        write_error_file(e)
        raise


def _run(argv: list[str]) -> None:
    if argv[0] == "-m":
        if len(argv) < 2:
            raise SystemExit("python -m jtorch -m: a module name is required")
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
