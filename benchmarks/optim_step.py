"""Cost of one optimizer step over 100 parameters (about 1M floats of mixed shapes).

Contenders, for SGD with momentum and for Adam: jtorch's ``opt.step()``; a hand-written ``jax.jit`` of the
equivalent optax chain (``optax.sgd(lr, momentum)`` / ``optax.adam(lr)``) over the same list of arrays, the
floor that jtorch's per-step Python work (hyperparameters, state lookup, rebinding the boxes) adds to; and
real torch's ``opt.step()`` (its default single-tensor path, on one intra-op thread so that its thread pool
does not spin against XLA's on a small machine). Gradients are fixed; every contender steps its own copy of
the parameters. The measurements are interleaved: every round times a batch of steps of each contender in
turn, waiting for the last result; the table shows the median time per step over the rounds.

Run: ``python benchmarks/optim_step.py [--rounds 30 --batch 10]``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (out, in) weight shapes and their biases, cycled to 50 layers = 100 tensors
SHAPES = [((128, 160), (128,)), ((256, 80), (256,)), ((64, 32, 3, 3), (64,)), ((96, 224), (96,))]
LAYERS = 50


def _arrays():
    import numpy as np
    rng = np.random.default_rng(0)
    shapes = [s for i in range(LAYERS) for s in SHAPES[i % len(SHAPES)]]
    params = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) * 1e-2 for s in shapes]
    return params, grads


def _contenders(name: str, options: dict) -> dict:
    """label -> (step, wait): ``step()`` runs one optimizer step, ``wait()`` blocks until it is computed."""
    import jax
    import optax
    import torch

    import jtorch

    params, grads = _arrays()
    out = {}

    jparams = [jtorch.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(jparams, grads):
        p.grad = jtorch.tensor(g)
    jopt = getattr(jtorch.optim, name)(jparams, **options)
    out["jtorch"] = (jopt.step, lambda: jparams[-1]._value.block_until_ready())

    tx = optax.sgd(options["lr"], momentum=options["momentum"]) if name == "SGD" else optax.adam(options["lr"])

    @jax.jit
    def update(ps, gs, state):
        updates, state = tx.update(gs, state, ps)
        return optax.apply_updates(ps, updates), state

    box = {"params": [jax.numpy.asarray(p) for p in params], "grads": [jax.numpy.asarray(g) for g in grads]}
    box["state"] = tx.init(box["params"])

    def optax_step():
        box["params"], box["state"] = update(box["params"], box["grads"], box["state"])
    out["jit optax"] = (optax_step, lambda: box["params"][-1].block_until_ready())

    tparams = [torch.tensor(p, requires_grad=True) for p in params]
    for p, g in zip(tparams, grads):
        p.grad = torch.tensor(g)
    topt = getattr(torch.optim, name)(tparams, **options)
    out["torch"] = (topt.step, lambda: None)
    return out


def _time_batch(step, wait, batch: int) -> float:
    start = time.perf_counter()
    for _ in range(batch):
        step()
    wait()
    return (time.perf_counter() - start) / batch * 1e3


def measure(rounds: int, batch: int) -> dict:
    """{(optimizer, contender): median ms per step}."""
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, ROOT)
    cases = {"SGD momentum=0.9": ("SGD", dict(lr=0.01, momentum=0.9)), "Adam": ("Adam", dict(lr=1e-3))}
    contenders = {(case, label): fns for case, (name, options) in cases.items()
                  for label, fns in _contenders(name, options).items()}
    for _ in range(3):  # warm up: compile and create the state
        for step, wait in contenders.values():
            step()
            wait()
    samples = {key: [] for key in contenders}
    for _ in range(rounds):
        for key, (step, wait) in contenders.items():
            samples[key].append(_time_batch(step, wait, batch))
    return {key: statistics.median(times) for key, times in samples.items()}


def table(results: dict) -> str:
    _, grads = _arrays()
    size = sum(g.size for g in grads)
    lines = [f"{len(grads)} parameters, {size:,} floats (float32); median ms per step",
             "", "| optimizer | jtorch | jit optax | torch | jtorch / jit optax | jtorch / torch |",
             "|---|---:|---:|---:|---:|---:|"]
    for case in dict.fromkeys(case for case, _ in results):
        j, o, t = (results[(case, label)] for label in ("jtorch", "jit optax", "torch"))
        lines.append(f"| {case} | {j:.3f} | {o:.3f} | {t:.3f} | {j / o:.2f} | {j / t:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()
    print(table(measure(args.rounds, args.batch)))


if __name__ == "__main__":
    main()
