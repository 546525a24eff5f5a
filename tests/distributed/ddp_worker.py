"""A PyTorch DDP training script (run by the tests under jtorchrun and multiprocessing.spawn).

Each rank seeds differently, wraps its model in DDP (which must make all ranks agree), trains on its half of
a fixed batch (the first micro-batch under ``no_sync``), and checks that it ends with the parameters that
training one model on the whole batch gives. Prints ``RANK <r> OK`` on success.

Usage: ``ddp_worker.py`` (torchrun's environment), ``ddp_worker.py spawn PORT``, ``ddp_worker.py die``.
"""
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def train(rank: int | None = None, world_size: int | None = None, port: int | None = None) -> None:
    if port is None:
        dist.init_process_group("gloo")
    else:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size)
    rank, world_size = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(100 + rank)
    model = make_model()
    ddp = nn.parallel.DistributedDataParallel(model)
    everyone = [None] * world_size
    dist.all_gather_object(everyone, [p.tolist() for p in model.parameters()])
    assert all(params == everyone[0] for params in everyone), "ranks disagree after DDP construction"
    assert list(ddp.state_dict())[0] == "module.0.weight"

    reference = make_model()
    reference.load_state_dict(model.state_dict())
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(8, 4, generator=g), torch.randn(8, 2, generator=g)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
    mine_x, mine_y = x.chunk(world_size)[rank], y.chunk(world_size)[rank]
    for _ in range(3):
        opt.zero_grad()
        with ddp.no_sync():
            (F.mse_loss(ddp(mine_x[:2]), mine_y[:2]) / 2).backward()
        (F.mse_loss(ddp(mine_x[2:]), mine_y[2:]) / 2).backward()
        opt.step()
        ref_opt.zero_grad()
        F.mse_loss(reference(x), y).backward()
        ref_opt.step()
    for p, q in zip(model.parameters(), reference.parameters()):
        assert torch.allclose(p, q, atol=1e-6), f"rank {rank}: {(p - q).abs().max()}"
    if port is None:  # under jtorchrun (the spawn run checks the start-up path only)
        check_unused_parameters(rank, world_size, x, y)
    dist.barrier()
    print(f"RANK {rank} OK", flush=True)
    dist.destroy_process_group()


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.heads, self.never = nn.Linear(4, 4), nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 2)]), \
            nn.Linear(4, 2)

    def forward(self, x, head):
        return self.heads[head](self.body(x))


def check_unused_parameters(rank: int, world_size: int, x, y) -> None:
    """Rank r uses head r only: with find_unused_parameters each head's gradient is its user's over the world
    size, and a parameter no rank uses keeps no gradient; without it, the next forward raises."""
    torch.manual_seed(7)
    model = TwoHeads()
    ddp = nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    reference = TwoHeads()
    reference.load_state_dict(model.state_dict())
    halves = list(zip(x.chunk(world_size), y.chunk(world_size)))
    F.mse_loss(ddp(halves[rank][0], rank), halves[rank][1]).backward()
    (sum(F.mse_loss(reference(xs, r), ys) for r, (xs, ys) in enumerate(halves)) / world_size).backward()
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        if name.startswith("never"):
            assert p.grad is None, name
        else:
            assert torch.allclose(p.grad, q.grad, atol=1e-6), name
    strict = nn.parallel.DistributedDataParallel(TwoHeads())
    F.mse_loss(strict(halves[rank][0], rank), halves[rank][1]).backward()
    try:
        strict(halves[rank][0], rank)
        raise AssertionError("unused parameters went unnoticed")
    except RuntimeError as e:
        assert "Expected to have finished reduction in the prior iteration" in str(e), e


def die() -> None:
    dist.init_process_group("gloo")
    if dist.get_rank() == 1:
        raise ValueError("rank 1 gives up")
    dist.all_reduce(torch.ones(3))
    dist.barrier()


if __name__ == "__main__":
    if sys.argv[1:2] == ["spawn"]:
        mp.spawn(train, args=(2, int(sys.argv[2])), nprocs=2)
    elif sys.argv[1:2] == ["die"]:
        die()
    else:
        train()
