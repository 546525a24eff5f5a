"""DataParallel step time: an MLP training step (784-512-512-10, batch 256, SGD) on 1 device against
``nn.DataParallel`` over N forced host devices (``XLA_FLAGS=--xla_force_host_platform_device_count=N``).

Both eagerly and with the step under ``jtorch.compile`` (one program whose batch XLA splits over the devices).
Each configuration runs in a fresh process (the device count is fixed when JAX starts); prints the median
step time of each and the ratio (N devices / 1 device). On CPU the N "devices" share the machine's cores, so
the ratio shows the overhead of the SPMD path rather than a speed-up; on a multi-GPU machine
(``--devices`` GPUs, no flag needed) it shows the scaling.
``python benchmarks/data_parallel.py [--devices N] [--steps S] [--batch B]``
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(devices: int, steps: int, batch: int, wrap: bool, compiled: bool) -> float:
    """Median seconds per step, in this process."""
    import statistics
    import time

    import jtorch as torch
    import jtorch.nn as nn
    import jtorch.nn.functional as F

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    net = nn.DataParallel(model, device_ids=list(range(devices))) if wrap else model
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x, y = torch.randn(batch, 784), torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss

    if compiled:
        step = torch.compile(step)
    for _ in range(3):  # compile
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step().item()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_child(devices: int, steps: int, batch: int, wrap: bool, compiled: bool) -> float:
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, __file__, "--child", str(devices), str(steps), str(batch), str(int(wrap)),
                          str(int(compiled))],
                         env=env, capture_output=True, text=True, check=True, timeout=600).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--child", nargs=5, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        devices, steps, batch, wrap, compiled = args.child
        print(json.dumps(measure(devices, steps, batch, bool(wrap), bool(compiled))))
        return
    for compiled in (False, True):
        one = run_child(1, args.steps, args.batch, wrap=False, compiled=compiled)
        many = run_child(args.devices, args.steps, args.batch, wrap=True, compiled=compiled)
        print(f"MLP step{' (compiled)' if compiled else ''}, batch {args.batch}: 1 device {one * 1e3:.2f} ms, "
              f"DataParallel on {args.devices} devices {many * 1e3:.2f} ms, ratio {many / one:.2f}")


if __name__ == "__main__":
    main()
