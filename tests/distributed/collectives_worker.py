"""Collectives on 2 ranks (run by the tests under jtorchrun): each result is checked against the same reduction
computed locally from every rank's known input. Prints ``RANK <r> OK`` on success."""
import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DistributedSampler

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
assert dist.is_initialized() and world == 2


def value(r: int) -> np.ndarray:
    return np.arange(4, dtype=np.float32) * (r + 1) - r


everyone = np.stack([value(r) for r in range(world)])
for op, expected in [(dist.ReduceOp.SUM, everyone.sum(0)), (dist.ReduceOp.AVG, everyone.mean(0)),
                     (dist.ReduceOp.MAX, everyone.max(0)), (dist.ReduceOp.MIN, everyone.min(0)),
                     (dist.ReduceOp.PRODUCT, everyone.prod(0))]:
    t = torch.from_numpy(value(rank))
    dist.all_reduce(t, op=op)
    assert np.allclose(t.numpy(), expected), (op, t, expected)

ints = torch.tensor([rank + 1, 10 * rank], dtype=torch.int64)
dist.all_reduce(ints)
assert ints.dtype == torch.int64 and ints.tolist() == [3, 10]

t = torch.from_numpy(value(rank))
dist.reduce(t, dst=1)
assert np.allclose(t.numpy(), everyone.sum(0) if rank == 1 else value(rank))

t = torch.full((2, 3), float(rank))
dist.broadcast(t, src=1)
assert t.tolist() == [[1.0] * 3] * 2

gathered = [torch.zeros(4) for _ in range(world)]
dist.all_gather(gathered, torch.from_numpy(value(rank)))
assert all(np.allclose(g.numpy(), value(r)) for r, g in enumerate(gathered))

objects = [None] * world
dist.all_gather_object(objects, {"rank": rank, "name": f"r{rank}"})
assert objects == [{"rank": r, "name": f"r{r}"} for r in range(world)]
shared = [rank, "from rank"] if rank == 0 else [None, None]
dist.broadcast_object_list(shared, src=0)
assert shared == [0, "from rank"]

sampler = DistributedSampler(range(10), shuffle=False)
assert (sampler.num_replicas, sampler.rank) == (world, rank) and list(sampler) == list(range(rank, 10, world))

try:
    dist.all_reduce(torch.ones(2 + rank))
    raise AssertionError("mismatched shapes were not detected")
except RuntimeError as e:
    assert "Detected mismatch between collectives" in str(e) and "TensorShape=[2]" in str(e), e

try:
    dist.init_process_group("gloo")
    raise AssertionError("a second init_process_group was accepted")
except ValueError as e:
    assert str(e) == "trying to initialize the default process group twice!", e

# the array-level collectives also run inside jax.jit (as in a compiled training step)
from jtorch.distributed import _collectives  # noqa: E402
import jax  # noqa: E402

traced = jax.jit(lambda a: _collectives.all_reduce(dist.GroupMember.WORLD.mesh, a * 2, "sum") + 1)
assert np.allclose(np.asarray(traced(value(rank))), everyone.sum(0) * 2 + 1)

dist.barrier()
print(f"RANK {rank} OK", flush=True)
dist.destroy_process_group()
assert not dist.is_initialized()
