"""torch.distributed, DistributedDataParallel, jtorchrun and multiprocessing.spawn, on 2 processes over loopback."""
import socket

import pytest
import torch

import jtorch
from _launch import HERE, jtorchrun, run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _assert_all_ranks_ok(proc, world_size: int = 2) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for r in range(world_size):
        assert f"RANK {r} OK" in proc.stdout, proc.stdout + proc.stderr


def test_importing_jtorch_starts_no_jax_backend():
    code = ("import jtorch, jtorch.nn, jtorch.distributed; jtorch.manual_seed(0); "
            "from jax._src import xla_bridge; assert not xla_bridge.backends_are_initialized()")
    proc, _ = run(["-c", code], timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_collectives_on_two_ranks():
    proc, _ = jtorchrun("collectives_worker.py")
    _assert_all_ranks_ok(proc)


def test_ddp_under_jtorchrun_matches_full_batch_training():
    proc, _ = jtorchrun("ddp_worker.py")
    _assert_all_ranks_ok(proc)


def test_ddp_under_multiprocessing_spawn_matches_full_batch_training():
    proc, _ = run(["-m", "jtorch", str(HERE / "ddp_worker.py"), "spawn", str(_free_port())], timeout=120)
    _assert_all_ranks_ok(proc)


def test_a_dying_rank_stops_the_job_within_seconds():
    proc, seconds = jtorchrun("ddp_worker.py", "die")
    assert proc.returncode != 0
    assert seconds < 20
    assert "rank      : 1 (local_rank: 1)" in proc.stderr
    assert "ValueError: rank 1 gives up" in proc.stderr


@pytest.mark.parametrize("call", ["get_rank", "get_world_size", "all_reduce", "barrier"])
def test_collectives_before_init_raise_like_torch(call):
    def attempt(lib):
        args = (lib.ones(2),) if call == "all_reduce" else ()
        with pytest.raises(Exception) as info:
            getattr(lib.distributed, call)(*args)
        return type(info.value), str(info.value)

    assert attempt(jtorch) == attempt(torch)
    assert jtorch.distributed.is_initialized() is torch.distributed.is_initialized() is False


@pytest.mark.parametrize("init_method", ["env://", "tcp://127.0.0.1:29999"])
def test_rendezvous_without_rank_raises_like_torch(init_method, monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)

    def attempt(lib):
        with pytest.raises(Exception) as info:
            lib.distributed.init_process_group("gloo", init_method=init_method)
        return type(info.value), str(info.value)

    assert attempt(jtorch) == attempt(torch)


def test_ddp_before_init_raises_like_torch():
    def attempt(lib):
        with pytest.raises(Exception) as info:
            lib.nn.parallel.DistributedDataParallel(lib.nn.Linear(2, 2))
        return type(info.value), str(info.value)

    assert attempt(jtorch) == attempt(torch)


def test_distributed_sampler_without_group_raises_like_torch():
    def attempt(lib):
        with pytest.raises(Exception) as info:
            lib.utils.data.DistributedSampler(range(4))
        return type(info.value), str(info.value)

    assert attempt(jtorch) == attempt(torch)


def test_init_after_the_backend_started_raises():
    jtorch.ones(1)  # the JAX backend of this process is running
    with pytest.raises(RuntimeError, match="init_process_group must be called before any tensor is created"):
        jtorch.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=0,
                                              world_size=1)
    assert not jtorch.distributed.is_initialized()


def test_ddp_in_a_compiled_step_reduces_inside_the_program():
    proc, _ = jtorchrun("ddp_compiled_worker.py", timeout=240)
    _assert_all_ranks_ok(proc)
