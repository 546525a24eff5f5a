"""Per-call cost of ``jtorch.func.grad`` against hand-written ``jax.grad`` (and torch.func.grad), interleaved.

The loss is a small MLP (Linear 32->64, tanh, Linear 64->10, mean squared error, batch 16) as a function of its
parameter dict; the same algorithm on both sides, so the ratio is the transform's overhead. Eager: each call
traces the function under the transform (jtorch: the module's forward through functional_call; JAX: jnp code). Jitted: the whole gradient call inside ``jax.jit`` (jtorch via from_jax), so
only the compiled program runs per call.

    python benchmarks/func_overhead.py [--rounds 15] [--calls 20]

Prints median microseconds per call and the ratios to hand-written JAX.
"""
from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import torch

import jtorch

torch.set_num_threads(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()

    gen = np.random.default_rng(0)
    arrays = {"0.weight": gen.standard_normal((64, 32)) * 0.1, "0.bias": np.zeros(64),
              "2.weight": gen.standard_normal((10, 64)) * 0.1, "2.bias": np.zeros(10)}
    arrays = {k: v.astype(np.float32) for k, v in arrays.items()}
    x_np = gen.standard_normal((16, 32)).astype(np.float32)
    y_np = gen.standard_normal((16, 10)).astype(np.float32)

    # jtorch.func
    jmodel = jtorch.nn.Sequential(jtorch.nn.Linear(32, 64), jtorch.nn.Tanh(), jtorch.nn.Linear(64, 10))
    jparams = {k: jtorch.tensor(v) for k, v in arrays.items()}
    jx, jy = jtorch.tensor(x_np), jtorch.tensor(y_np)

    def jloss(p, x, y):
        return jtorch.nn.functional.mse_loss(jtorch.func.functional_call(jmodel, p, (x,)), y)
    jgrad = jtorch.func.grad(jloss)

    # hand-written JAX
    params = {k: jnp.asarray(v) for k, v in arrays.items()}
    x, y = jnp.asarray(x_np), jnp.asarray(y_np)

    def loss(p, x, y):
        h = jnp.tanh(x @ p["0.weight"].T + p["0.bias"])
        logits = h @ p["2.weight"].T + p["2.bias"]
        return jnp.mean((logits - y) ** 2)
    jax_grad = jax.grad(loss)

    # torch.func
    tmodel = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.Tanh(), torch.nn.Linear(64, 10))
    tparams = {k: torch.tensor(v) for k, v in arrays.items()}
    tx, ty = torch.tensor(x_np), torch.tensor(y_np)
    tgrad = torch.func.grad(lambda p, x, y: torch.nn.functional.mse_loss(
        torch.func.functional_call(tmodel, p, (x,)), y))

    jit_jax = jax.jit(jax_grad)
    jit_jtorch = jax.jit(lambda p, x, y: jax.tree_util.tree_map(
        lambda t: t.jax(), jgrad({k: jtorch.from_jax(v) for k, v in p.items()}, jtorch.from_jax(x),
                                 jtorch.from_jax(y))))

    cases = {
        "jtorch.func.grad (eager)": lambda: jax.block_until_ready([g.jax() for g in jgrad(jparams, jx, jy).values()]),
        "jax.grad (eager)": lambda: jax.block_until_ready(jax_grad(params, x, y)),
        "torch.func.grad (eager)": lambda: tgrad(tparams, tx, ty),
        "jtorch.func.grad in jax.jit": lambda: jax.block_until_ready(jit_jtorch(params, x, y)),
        "jax.grad in jax.jit": lambda: jax.block_until_ready(jit_jax(params, x, y)),
    }
    # same gradients before timing anything
    want = jax_grad(params, x, y)
    for got in (jgrad(jparams, jx, jy), jit_jtorch(params, x, y)):
        for k in want:
            g = got[k].jax() if isinstance(got[k], jtorch.Tensor) else got[k]
            np.testing.assert_allclose(np.asarray(g), np.asarray(want[k]), rtol=1e-5, atol=1e-6)
    for fn in cases.values():
        fn()
        fn()
    times: dict = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, fn in cases.items():
            start = time.perf_counter()
            for _ in range(args.calls):
                fn()
            times[name].append((time.perf_counter() - start) / args.calls * 1e6)
    med = {name: statistics.median(v) for name, v in times.items()}
    print(f"| case | median µs/call | vs jax.grad (same mode) |\n|---|---:|---:|")
    for name, us in med.items():
        ref = med["jax.grad in jax.jit"] if "jit" in name else med["jax.grad (eager)"]
        print(f"| {name} | {us:.1f} | {us / ref:.2f}x |")


if __name__ == "__main__":
    main()
