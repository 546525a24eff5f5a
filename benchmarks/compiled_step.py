"""Training-step time: jtorch eager, jtorch.compile, hand-written JAX + optax, and torch eager, interleaved.

Models (as the compile issue specifies): MLP 784-512-512-10 batch 128 SGD-momentum; CNN (conv 1->32 3x3,
ReLU, conv 32->64 3x3, ReLU, maxpool 2, flatten, Linear 9216->128, ReLU, Linear 128->10) batch 64 Adam;
Transformer encoder (d_model 128, 4 heads, ff 512, 2 layers, seq 64, batch 32, AdamW, mean-pooled head).

    python benchmarks/compiled_step.py [--rounds 5] [--steps 5] [--models mlp,cnn,transformer]
    python benchmarks/compiled_step.py --overhead [--rounds 5] [--steps 200]

Prints a markdown table of median milliseconds per step and ratios, plus first-call (trace + compile) times.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch

import jtorch


def build(lib, name: str):
    """(model, optimizer, inputs, targets) in ``lib`` (torch or jtorch), seeded identically."""
    nn = lib.nn
    lib.manual_seed(0)
    gen = np.random.default_rng(0)
    if name == "mlp" or name.startswith("tiny"):
        # tiny<L>: L layers Linear(8, 8) + ReLU, then Linear(8, 10), batch 4: XLA time ~ 0, per-call overhead shows
        widths = [784, 512, 512, 10] if name == "mlp" else [8] * (int(name[4:]) + 1) + [10]
        layers = []
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(widths) - 2 else [])
        model = nn.Sequential(*layers)
        opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        batch = 128 if name == "mlp" else 4
        x = gen.standard_normal((batch, widths[0]), dtype=np.float32)
        y = gen.integers(0, 10, batch)
    elif name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)
        x = gen.standard_normal((64, 1, 28, 28), dtype=np.float32)
        y = gen.integers(0, 10, 64)
    else:
        class Encoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Linear(16, 128)
                layer = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
                self.head = nn.Linear(128, 10)

            def forward(self, x):
                return self.head(self.encoder(self.embed(x)).mean(dim=1))
        model = Encoder()
        opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
        x = gen.standard_normal((32, 64, 16), dtype=np.float32)
        y = gen.integers(0, 10, 32)
    return model, opt, lib.tensor(x), lib.tensor(y)


def lib_step(lib, model, opt, x, y):
    crit = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def jax_step(name: str, model, x, y):
    """The same math written directly in JAX + optax, parameters taken from the jtorch model."""
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    tx = {"cnn": optax.adam(1e-3), "transformer": optax.adamw(1e-3, weight_decay=1e-2)}.get(
        name, optax.sgd(0.01, momentum=0.9))
    xa, ya = jnp.asarray(x.numpy()), jnp.asarray(y.numpy())

    def linear(p, k, h):
        return h @ p[k + ".weight"].T + p[k + ".bias"]

    def forward(p, h):
        if name == "mlp" or name.startswith("tiny"):
            *hidden, last = sorted({int(k.split(".")[0]) for k in p})
            for i in hidden:
                h = jax.nn.relu(linear(p, str(i), h))
            return linear(p, str(last), h)
        if name == "cnn":
            def conv(k, h):
                out = jax.lax.conv_general_dilated(h, p[k + ".weight"], (1, 1), "VALID",
                                                   dimension_numbers=("NCHW", "OIHW", "NCHW"))
                return out + p[k + ".bias"][None, :, None, None]
            h = jax.nn.relu(conv("0", h))
            h = jax.nn.relu(conv("2", h))
            h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
            h = jax.nn.relu(linear(p, "6", h.reshape(h.shape[0], -1)))
            return linear(p, "8", h)
        h = linear(p, "embed", h)
        for i in range(2):
            pre = f"encoder.layers.{i}."
            qkv = h @ p[pre + "self_attn.in_proj_weight"].T + p[pre + "self_attn.in_proj_bias"]
            q, k, v = jnp.split(qkv, 3, axis=-1)
            split = lambda t: t.reshape(t.shape[0], t.shape[1], 4, 32).transpose(0, 2, 1, 3)  # noqa: E731
            att = jax.nn.softmax(split(q) @ split(k).transpose(0, 1, 3, 2) / 32.0 ** 0.5, axis=-1) @ split(v)
            att = att.transpose(0, 2, 1, 3).reshape(h.shape)
            att = linear(p, pre + "self_attn.out_proj", att)
            h = _layer_norm(h + att, p[pre + "norm1.weight"], p[pre + "norm1.bias"])
            ff = linear(p, pre + "linear2", jax.nn.relu(linear(p, pre + "linear1", h)))
            h = _layer_norm(h + ff, p[pre + "norm2.weight"], p[pre + "norm2.bias"])
        return linear(p, "head", h.mean(axis=1))

    def loss_fn(p):
        logits = forward(p, xa)
        return optax.softmax_cross_entropy_with_integer_labels(logits, ya).mean()

    @partial(jax.jit, donate_argnums=(0, 1))  # as jtorch.compile donates the state it replaces
    def step(p, s):
        loss, g = jax.value_and_grad(loss_fn)(p)
        updates, s = tx.update(g, s, p)
        return optax.apply_updates(p, updates), s, loss

    state = [params, tx.init(params)]

    def run():
        state[0], state[1], loss = step(state[0], state[1])
        return loss
    return run


def _layer_norm(h, w, b, eps=1e-5):
    mean = h.mean(-1, keepdims=True)
    var = ((h - mean) ** 2).mean(-1, keepdims=True)
    return (h - mean) / jnp.sqrt(var + eps) * w + b


def timed(fn, steps: int) -> float:
    """Mean ms per call over ``steps`` calls, timed after collecting the garbage earlier blocks left. The clock
    stops when every array is computed, so work a block dispatched but left running is charged to that block."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    jax.block_until_ready(jax.live_arrays())
    return (time.perf_counter() - start) / steps * 1e3


def interleaved(fns: dict, rounds: int, steps: int) -> dict:
    """Median ms per step of each function, timed in blocks of ``steps`` calls, one block each per round.

    A block runs slower after some blocks than after others (an eager block leaves the next one ~15% slower
    here), so the rounds follow a Williams square: across ``len(fns)`` rounds (two when that is odd) every
    function runs once in each position and right after every other function equally often."""
    samples: dict = {label: [] for label in fns}
    for r in range(rounds):
        for label in _balanced_order(list(fns), r):
            samples[label].append(timed(fns[label], steps))
    return {label: statistics.median(v) for label, v in samples.items()}


def _balanced_order(labels: list, r: int) -> list:
    """Row ``r`` of a Williams square over ``labels``: 0, 1, n-1, 2, n-2, ... shifted by r (reversed on odd
    passes when n is odd, which completes the balance)."""
    n = len(labels)
    first = [0] + [(k + 1) // 2 if k % 2 else n - k // 2 for k in range(1, n)]
    row = [labels[(i + r) % n] for i in first]
    return row[::-1] if n % 2 and (r // n) % 2 else row


def overhead(rounds: int, steps: int) -> None:
    """Per-call cost of jtorch.compile beyond the XLA program: tiny models (XLA time ~ 0) with more and more
    state tensors, the compiled step against the hand-written JAX step, interleaved."""
    print("| layers | state tensors (params, momenta, grads) | jtorch.compile µs | JAX+optax µs | difference µs | "
          "µs per state tensor |")
    print("|---|---|---|---|---|---|")
    for layers in (1, 8, 32):
        name = f"tiny{layers}"
        model, opt, x, y = build(jtorch, name)
        compiled = jtorch.compile(lib_step(jtorch, model, opt, x, y))
        pure = jax_step(name, model, x, y)
        for _ in range(3):
            timed(compiled, 1)
            timed(pure, 1)
        med = {label: ms * 1e3 for label, ms in interleaved({"compiled": compiled, "jax": pure}, rounds, steps).items()}
        n_state = 3 * len(list(model.parameters()))
        diff = med["compiled"] - med["jax"]
        print(f"| {layers} | {n_state} | {med['compiled']:.0f} | {med['jax']:.0f} | {diff:.0f} | "
              f"{diff / n_state:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--models", default="mlp,cnn,transformer")
    parser.add_argument("--overhead", action="store_true",
                        help="measure the per-call overhead on tiny models instead (use more --steps, e.g. 200)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.overhead:
        overhead(args.rounds, args.steps)
        return
    rows = []
    for name in args.models.split(","):
        jt_model, jt_opt, jx, jy = build(jtorch, name)
        eager = lib_step(jtorch, jt_model, jt_opt, jx, jy)
        cm, co, cx, cy = build(jtorch, name)
        compiled = jtorch.compile(lib_step(jtorch, cm, co, cx, cy))
        pure = jax_step(name, cm, cx, cy)
        tm, to, tx_, ty = build(torch, name)
        reference = lib_step(torch, tm, to, tx_, ty)
        first = {}
        for label, fn in (("compiled", compiled), ("jax", pure)):
            start = time.perf_counter()
            for _ in range(3):  # the recording run, the optimizer-state run, then the traced program
                timed(fn, 1)
            first[label] = time.perf_counter() - start
        timed(eager, 1)
        timed(reference, 1)
        med = interleaved({"eager": eager, "compiled": compiled, "jax": pure, "torch": reference},
                          args.rounds, args.steps)
        rows.append((name, med, first))
    print("| model | jtorch eager ms | jtorch.compile ms | JAX+optax ms | torch eager ms | compile / JAX | "
          "compile / torch | first 3 calls: compile, JAX (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, med, first in rows:
        print(f"| {name} | {med['eager']:.2f} | {med['compiled']:.2f} | {med['jax']:.2f} | {med['torch']:.2f} | "
              f"{med['compiled'] / med['jax']:.2f} | {med['compiled'] / med['torch']:.2f} | "
              f"{first['compiled']:.1f}, {first['jax']:.1f} |")


if __name__ == "__main__":
    main()
