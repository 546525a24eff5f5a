"""Running test scripts in fresh processes, each under a time limit (JAX settings such as the forced device
count or the distributed runtime only take effect before JAX starts, so nothing runs in the test process)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def run(args: list[str], timeout: float, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """``python args...`` from the repository root, with jtorch importable; returns the result and seconds."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    return proc, time.monotonic() - start


def jtorchrun(script: str, *script_args: str, nproc: int = 2, timeout: float = 120):
    return run(["-m", "jtorch.distributed.run", "--standalone", "--nproc-per-node", str(nproc),
                str(HERE / script), *script_args], timeout)
