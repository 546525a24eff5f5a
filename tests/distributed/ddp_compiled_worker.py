"""DistributedDataParallel inside a jtorch.compile'd training step, on 2 ranks (run by the tests under
jtorchrun): the compiled step is one program over both processes whose gradient average is an XLA all-reduce
(no host callback), and it ends with the parameters of the eager DDP run and of one model trained on the whole
batch. Prints ``RANK <r> OK`` on success."""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()


def trainer(net: nn.Module, compiled: bool, log_mean: bool = False):
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        if log_mean:  # a user's collective in the step (the ranks' mean loss)
            loss = loss.detach().clone()
            dist.all_reduce(loss)
            loss /= world
        return loss
    return torch.compile(step) if compiled else step


def replicas(make):
    """A compiled-DDP model, an eager-DDP model and a plain model, all starting from rank 0's parameters."""
    torch.manual_seed(100 + rank)
    models = [make() for _ in range(3)]
    wrapped = [nn.parallel.DistributedDataParallel(m) for m in models[:2]]
    models[2].load_state_dict(models[0].state_dict())
    models[1].load_state_dict(models[0].state_dict())
    return models, wrapped


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


(compiled_model, eager_model, reference), (compiled_ddp, eager_ddp) = replicas(mlp)
compiled_step, eager_step = trainer(compiled_ddp, True), trainer(eager_ddp, False)
reference_step = trainer(reference, False)
g = torch.Generator().manual_seed(0)
traces = []
for _ in range(5):
    x, y = torch.randn(8, 4, generator=g), torch.randn(8, 2, generator=g)
    mine_x, mine_y = x.chunk(world)[rank], y.chunk(world)[rank]
    loss, eager_loss = compiled_step(mine_x, mine_y), eager_step(mine_x, mine_y)
    reference_step(x, y)
    traces.append(compiled_step.trace_count)
    assert torch.allclose(loss, eager_loss, atol=1e-6), (loss, eager_loss)  # each rank's own loss
    for p, q, r in zip(compiled_model.parameters(), eager_model.parameters(), reference.parameters()):
        assert torch.allclose(p, r, atol=1e-6) and torch.allclose(q, r, atol=1e-6), f"rank {rank}: {p - r}"
assert traces[-1] == traces[-3] == 1, traces  # one program, no recompiles



def program_text(step, *args) -> str:
    """The lowered text of the compiled step's (only) program for these arguments."""
    (program,) = step._programs.values()
    return program.jitted.lower(*program.input_arrays(list(args))).as_text()


# the gradient average is an all-reduce inside the program, not a host callback
hlo = program_text(compiled_step, mine_x, mine_y)
assert "stablehlo.all_reduce" in hlo and "callback" not in hlo, hlo


# buffers: BatchNorm's running statistics are broadcast from rank 0 before each forward, inside the program too;
# and a collective the step itself calls is part of the program
def with_batch_norm() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))


(compiled_model, eager_model, _), (compiled_ddp, eager_ddp) = replicas(with_batch_norm)
compiled_step, eager_step = trainer(compiled_ddp, True, log_mean=True), trainer(eager_ddp, False, log_mean=True)
for _ in range(4):
    x, y = torch.randn(4, 4, generator=g) + rank, torch.randn(4, 2, generator=g)
    assert torch.allclose(compiled_step(x, y), eager_step(x, y), atol=1e-6)
for (name, a), b in zip(compiled_model.state_dict().items(), eager_model.state_dict().values()):
    assert torch.allclose(a.double(), b.double(), atol=1e-6), name
hlo = program_text(compiled_step, x, y)
assert "stablehlo.all_gather" in hlo and "callback" not in hlo, hlo

# find_unused_parameters needs to know at run time which gradients exist: a clear error when compiled
unused = nn.parallel.DistributedDataParallel(mlp(), find_unused_parameters=True)
unused_step = trainer(unused, True)
try:
    for _ in range(3):
        unused_step(mine_x, mine_y)
    raise AssertionError("find_unused_parameters was compiled")
except NotImplementedError as e:
    assert "find_unused_parameters=True" in str(e), e

# compiling the forward alone (no backward in the function) is not supported: a clear error
forward = torch.compile(nn.parallel.DistributedDataParallel(mlp()))
try:
    for _ in range(3):
        forward(mine_x)
    raise AssertionError("a compiled DDP forward ran")
except NotImplementedError as e:
    assert "compile the whole training step" in str(e), e

# every rank must run the same program: uneven local batches are detected at the program's first call
uneven_step = trainer(nn.parallel.DistributedDataParallel(mlp()), True)
try:
    for _ in range(3):
        uneven_step(x[:3 + rank], y[:3 + rank])
    raise AssertionError("ranks ran a compiled step on different shapes")
except RuntimeError as e:
    assert "different shapes" in str(e), e

dist.barrier()
print(f"RANK {rank} OK", flush=True)
dist.destroy_process_group()
