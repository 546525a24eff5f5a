"""DataLoader throughput: TensorDataset of 60,000 x 784 float32 (+ int64 labels), batch 128, shuffle=True.

Epochs of jtorch's and torch's DataLoader alternate in one run; prints batches per second of each, the
ratio (jtorch / torch) of the medians and the spread of the per-round ratios. The machine may be shared, so it
also prints (without workers) the ratio of batches per process CPU second (all threads), which other
processes' load disturbs less.
``python benchmarks/dataloader.py [--epochs N] [--workers W]``
"""
import argparse
import time

import numpy as np
import torch

import jtorch


def loader(lib, x: np.ndarray, y: np.ndarray, workers: int):
    ds = lib.utils.data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y))
    return lib.utils.data.DataLoader(ds, batch_size=128, shuffle=True, num_workers=workers,
                                     persistent_workers=workers > 0)


def epoch_rate(dl) -> tuple[float, float]:
    """Batches per second and per CPU second over one full epoch, shuffle included (every batch's tensors are
    touched; the clocks stop once the last batch's values exist, so work still queued on a device is counted)."""
    start, cpu = time.perf_counter(), time.process_time()
    n = 0
    for xb, yb in dl:
        assert xb.shape[1] == 784 and yb.shape[0] == xb.shape[0]
        n += 1
    float(xb[-1, -1]), int(yb[-1])
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60_000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60_000).astype(np.int64)
    loaders = {"jtorch": loader(jtorch, x, y, args.workers), "torch": loader(torch, x, y, args.workers)}
    for dl in loaders.values():  # warm up (compilation, worker start)
        epoch_rate(dl)
    rates = {name: [] for name in loaders}
    cpu_rates = {name: [] for name in loaders}
    for _ in range(args.epochs):
        for name, dl in loaders.items():
            wall, cpu = epoch_rate(dl)
            rates[name].append(wall)
            cpu_rates[name].append(cpu)
    med = {name: float(np.median(r)) for name, r in rates.items()}
    cpu_med = {name: float(np.median(r)) for name, r in cpu_rates.items()}
    for name, r in rates.items():
        print(f"{name:7s} batches/s: median {med[name]:9.1f}  (epochs: {', '.join(f'{v:.1f}' for v in r)})")
    rounds = [j / t for j, t in zip(rates["jtorch"], rates["torch"])]
    print(f"ratio jtorch/torch: {med['jtorch'] / med['torch']:.2f}x  (per round: {min(rounds):.2f}x to "
          f"{max(rounds):.2f}x; num_workers={args.workers})")
    if args.workers == 0:  # worker processes' CPU time is not this process's
        print(f"batches per CPU second: jtorch {cpu_med['jtorch']:.1f}, torch {cpu_med['torch']:.1f}; "
              f"ratio {cpu_med['jtorch'] / cpu_med['torch']:.2f}x")


if __name__ == "__main__":
    main()
