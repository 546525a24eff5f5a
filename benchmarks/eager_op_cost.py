"""Cost of one small eager op: jtorch against a plain jitted jnp call and against torch eager.

Ops: ``a + b`` and ``a @ b`` on 64x64 float32. Each contender runs in interleaved rounds (every round times
a batch of calls of each contender in turn); the table shows the median per-call time over the rounds.
'pipelined' times a batch of back-to-back calls and waits only for the last result; 'blocking' waits for
each result before the next call. Both JAX CPU dispatch modes are measured, each in its own subprocess
(``jax_cpu_enable_async_dispatch`` is read when the CPU backend starts). torch runs on one intra-op thread,
so that its thread pool does not spin against JAX's on a small machine.

Run: ``python benchmarks/eager_op_cost.py [--rounds 200 --batch 50]``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASYNC_FLAG = "jax_cpu_enable_async_dispatch"


@contextlib.contextmanager
def _forced_async_dispatch(jax, enabled: bool):
    """Keep ``jax_cpu_enable_async_dispatch`` at ``enabled`` while jtorch applies its own settings."""
    original = jax.config.update

    def update(name, value):
        original(name, enabled if name == ASYNC_FLAG else value)
    jax.config.update = update
    try:
        yield
    finally:
        jax.config.update = original


def _contenders() -> dict:
    """name -> (call, wait): ``call()`` runs one op, ``wait(result)`` blocks until it is computed."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import torch

    import jtorch

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    a_np, b_np = (rng.standard_normal((64, 64)).astype(np.float32) for _ in range(2))
    ja, jb = jnp.asarray(a_np), jnp.asarray(b_np)
    ta, tb = torch.tensor(a_np), torch.tensor(b_np)
    xa, xb = jtorch.tensor(a_np), jtorch.tensor(b_np)
    jit_add, jit_matmul = jax.jit(jnp.add), jax.jit(jnp.matmul)

    def jax_wait(r):
        r.block_until_ready()

    def jtorch_wait(r):
        r._value.block_until_ready()

    def torch_wait(r):
        return None

    return {
        "add/jit jnp": (lambda: jit_add(ja, jb), jax_wait),
        "add/jtorch": (lambda: xa + xb, jtorch_wait),
        "add/torch": (lambda: ta + tb, torch_wait),
        "matmul/jit jnp": (lambda: jit_matmul(ja, jb), jax_wait),
        "matmul/jtorch": (lambda: jtorch.matmul(xa, xb), jtorch_wait),
        "matmul/torch": (lambda: torch.matmul(ta, tb), torch_wait),
    }


def _time_batch(call, wait, batch: int, blocking: bool) -> float:
    start = time.perf_counter()
    if blocking:
        for _ in range(batch):
            wait(call())
    else:
        for _ in range(batch):
            r = call()
        wait(r)
    return (time.perf_counter() - start) / batch * 1e6


def worker(enabled: bool, rounds: int, batch: int) -> dict:
    """Median µs per call for every contender and mode, in this process's dispatch mode."""
    import jax
    sys.path.insert(0, ROOT)
    with _forced_async_dispatch(jax, enabled):
        import jtorch  # noqa: F401
    assert bool(jax.config._read(ASYNC_FLAG)) is enabled
    contenders = _contenders()
    samples = {(name, blocking): [] for name in contenders for blocking in (False, True)}
    for _ in range(10):  # warm up: compile and fill caches
        for call, wait in contenders.values():
            wait(call())
    for _ in range(rounds):
        for (name, blocking), times in samples.items():
            call, wait = contenders[name]
            times.append(_time_batch(call, wait, batch, blocking))
    return {f"{name}|{'blocking' if blocking else 'pipelined'}": statistics.median(times)
            for (name, blocking), times in samples.items()}


def _run_worker(enabled: bool, rounds: int, batch: int) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--async-dispatch", str(int(enabled)),
           "--rounds", str(rounds), "--batch", str(batch)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(results: dict) -> str:
    """Rows: op/contender; columns: µs per call and ratio to the jitted jnp call, per dispatch mode."""
    lines = []
    header = f"{'op / contender':<16}" + "".join(
        f"{f'async={m} {k}':>30}" for m in ("off", "on") for k in ("pipelined", "blocking"))
    lines += [header, " " * 16 + "".join(f"{'µs':>19}{'x jit jnp':>11}" for _ in range(4))]
    names = sorted({key.split("|")[0] for key in results["off"]}, key=lambda n: (n.split("/")[0], n))
    for name in names:
        op = name.split("/")[0]
        row = f"{name:<16}"
        for mode in ("off", "on"):
            for kind in ("pipelined", "blocking"):
                us = results[mode][f"{name}|{kind}"]
                base = results[mode][f"{op}/jit jnp|{kind}"]
                row += f"{us:>19.1f}{us / base:>11.2f}"
        lines.append(row)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--async-dispatch", type=int, default=0)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(bool(args.async_dispatch), args.rounds, args.batch)))
        return
    results = {"off": _run_worker(False, args.rounds, args.batch), "on": _run_worker(True, args.rounds, args.batch)}
    print(f"median µs per call over {args.rounds} interleaved rounds of {args.batch} calls (64x64 float32)")
    print(table(results))


if __name__ == "__main__":
    main()
