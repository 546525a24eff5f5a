"""The default process group on ``jax.distributed``: rendezvous, ranks, and the collectives on Tensors.

``init_process_group`` starts JAX's distributed runtime (its coordinator listens on ``MASTER_PORT`` of
rank 0) and, on CPU, gloo collectives. Tensor collectives run through ``_collectives`` (JAX programs over
one global array); object collectives, barriers and the cross-rank agreement check use the runtime's
key-value store, whose blocking reads honour the group's timeout, so a missing rank raises instead of
hanging. It must run before JAX starts a backend, i.e. before the first tensor is made.
"""
from __future__ import annotations

import enum
import os
import pickle
import signal
import sys
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlparse

import jax

from .._tensor import Tensor
from . import _collectives

__all__ = ["Backend", "DistBackendError", "DistError", "DistNetworkError", "GroupMember", "ProcessGroup",
           "ReduceOp", "Work", "all_gather", "all_gather_object", "all_reduce", "barrier", "broadcast",
           "broadcast_object_list", "default_pg_timeout", "destroy_process_group", "get_backend", "get_rank",
           "get_world_size", "init_process_group", "is_gloo_available", "is_initialized", "is_nccl_available",
           "is_torchelastic_launched", "new_group", "reduce"]

default_pg_timeout = timedelta(minutes=30)
# A rank that stops sending heartbeats for this long (at most) is declared dead and the job fails.
_MAX_HEARTBEAT_SECONDS = 30


class DistError(RuntimeError):
    """Base of the errors raised by the distributed package."""


class DistBackendError(DistError):
    """A collective failed or timed out."""


class DistNetworkError(DistError):
    """The rendezvous could not reach the other ranks."""


class Backend(str):
    """A backend name: ``'gloo'`` (CPU, over JAX's gloo collectives) or ``'nccl'`` (GPU, over XLA's)."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = name.lower()
        if value not in (cls.GLOO, cls.NCCL, cls.UNDEFINED):
            raise NotImplementedError(f"the '{name}' backend is not supported by jtorch yet (use 'gloo' or 'nccl')")
        return super().__new__(cls, value)


class ReduceOp:
    """How ``all_reduce`` and ``reduce`` combine the ranks' tensors."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


def _reduction_name(op) -> str:
    name = op.name.lower() if isinstance(op, ReduceOp.RedOpType) else None
    if name not in _collectives.REDUCTIONS:
        raise ValueError(f"Unsupported ReduceOp: {op}")
    return name


class Work:
    """The handle ``async_op=True`` returns; jtorch's collectives complete before they return."""

    def wait(self, timeout: timedelta | None = None) -> bool:
        return True

    def is_completed(self) -> bool:
        return True

    def is_success(self) -> bool:
        return True


class ProcessGroup:
    """The default group: every process of the job, with one device each on a 1-D mesh."""

    def __init__(self, backend: str, rank: int, world_size: int, timeout: timedelta):
        self.backend = backend
        self._rank, self._size = rank, world_size
        self.timeout = timeout
        self._seq = 0
        self._published: list[int] = []  # sequence numbers of this rank's payloads still in the store
        self.mesh: _collectives.ProcessMesh | None = None

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size

    def name(self) -> str:
        return self.backend

    def _client(self):
        from jax._src import distributed
        return distributed.global_state.client

    def exchange(self, payload: bytes, sources: list[int] | None = None) -> list[bytes | None]:
        """Publish ``payload`` and read the payloads of ``sources`` (all ranks); a rank that does not
        publish within the group's timeout raises DistBackendError."""
        client = self._client()
        seq = self._seq
        self._seq += 1
        client.key_value_set_bytes(f"jtorch/{seq}/{self._rank}", payload)
        timeout_ms = max(1, int(self.timeout.total_seconds() * 1000))
        out: list[bytes | None] = [None] * self._size
        for r in range(self._size) if sources is None else sources:
            if r == self._rank:
                out[r] = payload
                continue
            try:
                out[r] = client.blocking_key_value_get_bytes(f"jtorch/{seq}/{r}", timeout_ms)
            except Exception as e:  # the runtime's timeout or lost-connection error
                raise DistBackendError(f"rank {self._rank}: rank {r} did not join collective #{seq} within "
                                       f"{self.timeout}: {e}") from None
        self._published.append(seq)
        if sources is None:  # every rank has published #seq, so all have finished reading the earlier ones
            self.forget_before(seq)
        return out

    def forget_before(self, seq: int) -> None:
        """Delete this rank's published payloads older than ``seq`` (every rank has read them)."""
        client = self._client()
        while self._published and self._published[0] < seq:
            client.key_value_delete(f"jtorch/{self._published.pop(0)}/{self._rank}")

    def agree(self, description: str) -> None:
        """Check that every rank is running the same collective on tensors of the same shape and dtype."""
        mine = description.encode()
        for r, theirs in enumerate(self.exchange(mine)):
            if theirs != mine:
                raise RuntimeError(f"Detected mismatch between collectives on ranks. Rank {self._rank} is running "
                                   f"collective: {description}, but Rank {r} is running collective: "
                                   f"{theirs.decode()}.")


class GroupMember:
    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = object()


def _default_group() -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return GroupMember.WORLD


def _group(group) -> ProcessGroup:
    pg = _default_group()
    if group is not None and group is not pg:
        raise NotImplementedError("process groups other than the default group are not supported by jtorch yet")
    return pg


# ------------------------------------------------------------------ set-up and tear-down
def is_available() -> bool:
    return True


def is_initialized() -> bool:
    """Whether ``init_process_group`` has run (and ``destroy_process_group`` has not)."""
    return GroupMember.WORLD is not None


def is_gloo_available() -> bool:
    return True


def is_nccl_available() -> bool:
    import importlib.util
    return any(importlib.util.find_spec(name) is not None for name in ("jax_cuda12_plugin", "jax_cuda13_plugin"))


def is_torchelastic_launched() -> bool:
    """Whether this process was started by ``jtorchrun`` / ``python -m jtorch.distributed.run``."""
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def _rendezvous(init_method: str, rank: int, world_size: int) -> tuple[str, int, int, int]:
    """``(address, port, rank, world_size)`` from an ``env://`` or ``tcp://host:port`` init method."""
    url = urlparse(init_method)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    rank = int(query.get("rank", rank))
    world_size = int(query.get("world_size", world_size))
    if url.scheme == "env":
        def env(name: str) -> str:
            value = os.environ.get(name)
            if not value:
                raise ValueError("Error initializing torch.distributed using env:// rendezvous: environment "
                                 f"variable {name} expected, but not set")
            return value
        if rank < 0:
            rank = int(env("RANK"))
        if world_size < 0:
            world_size = int(env("WORLD_SIZE"))
        return env("MASTER_ADDR"), int(env("MASTER_PORT")), rank, world_size
    if url.scheme == "tcp":
        if rank < 0:
            raise ValueError("Error initializing torch.distributed using tcp:// rendezvous: rank parameter missing")
        if world_size < 0:
            raise ValueError("Error initializing torch.distributed using tcp:// rendezvous: world size parameter "
                             "missing")
        if not url.port:
            raise ValueError("Error initializing torch.distributed using tcp:// rendezvous: port number missing")
        return url.hostname, url.port, rank, world_size
    raise NotImplementedError(f"init_method '{init_method}' is not supported by jtorch yet (use env:// or tcp://)")


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout: timedelta | None = None,
                       world_size: int = -1, rank: int = -1, store: Any = None, group_name: str = "",
                       pg_options: Any = None, device_id: Any = None) -> None:
    """Join the job's default process group (``env://``: ``MASTER_ADDR``, ``MASTER_PORT``, ``RANK``,
    ``WORLD_SIZE`` as set by ``jtorchrun``). Must run before the first tensor is made: JAX's distributed
    runtime can only start before its backend does."""
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if store is not None:
        raise NotImplementedError("init_process_group(store=...) is not supported by jtorch yet")
    backend = Backend(backend) if backend is not None else None
    timeout = default_pg_timeout if timeout is None else timeout
    address, port, rank, world_size = _rendezvous(init_method or "env://", rank, world_size)
    if not 0 <= rank < world_size:
        raise ValueError(f"Invalid rank {rank} for world size {world_size}")
    from jax._src import xla_bridge
    if xla_bridge.backends_are_initialized():
        raise RuntimeError("init_process_group must be called before any tensor is created: jtorch's distributed "
                           "runtime (jax.distributed) can only start before JAX's backend does")
    seconds = max(1, int(timeout.total_seconds()))
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    on_sigterm = signal.getsignal(signal.SIGTERM)
    try:
        jax.distributed.initialize(f"{address}:{port}", world_size, rank, cluster_detection_method="deactivate",
                                   initialization_timeout=seconds,
                                   heartbeat_timeout_seconds=min(seconds, _MAX_HEARTBEAT_SECONDS),
                                   shutdown_timeout_seconds=seconds)
    except Exception as e:
        raise DistNetworkError(f"rank {rank} could not join the process group at {address}:{port}: {e}") from None
    # JAX's runtime catches SIGTERM (for preemption checkpoints); a worker stopped by its launcher must stop
    signal.signal(signal.SIGTERM, on_sigterm)
    sys.excepthook = partial(_exit_on_uncaught, sys.excepthook)
    if backend is None:
        backend = Backend(Backend.NCCL if jax.default_backend() == "gpu" else Backend.GLOO)
    pg = ProcessGroup(str(backend), rank, world_size, timeout)
    pg.mesh = _collectives.ProcessMesh(_world_devices(pg), rank)
    GroupMember.WORLD = pg


def _exit_on_uncaught(report, *exc_info) -> None:
    """An uncaught exception ends a rank at once: JAX's exit-time shutdown would wait for the other ranks."""
    report(*exc_info)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def _world_devices(pg: ProcessGroup) -> list:
    """One device per rank (in rank order): its CPU for gloo, its ``LOCAL_RANK``-th GPU for nccl."""
    if pg.backend == Backend.NCCL:
        try:
            local = jax.local_devices(backend="gpu")
        except RuntimeError:
            local = []
        if not local:
            raise RuntimeError("ProcessGroupNCCL is only supported with GPUs, no GPUs found!")
        mine = local[int(os.environ.get("LOCAL_RANK", 0)) % len(local)]
        platform = "gpu"
    else:
        mine = jax.local_devices(backend="cpu")[0]
        platform = "cpu"
    by_id = {d.id: d for d in jax.devices(platform)}
    return [by_id[int(raw)] for raw in pg.exchange(str(mine.id).encode())]


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group and shut JAX's distributed runtime down (every rank must call it)."""
    _group(group)
    GroupMember.WORLD = None
    hook = sys.excepthook
    if isinstance(hook, partial) and hook.func is _exit_on_uncaught:
        sys.excepthook = hook.args[0]
    jax.distributed.shutdown()


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """Only the default group exists in jtorch."""
    raise NotImplementedError("torch.distributed.new_group is not supported by jtorch yet")


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in the group (0 ... world_size - 1)."""
    return _group(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in the group."""
    return _group(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    return _group(group).backend


# ------------------------------------------------------------------ collectives on tensors
def _check_tensor(tensor, name: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
                        f"             but got {type(tensor)} instead.")


def _agree_on(pg: ProcessGroup, what: str, tensor: Tensor, extra: str = "") -> None:
    """The cross-rank check of a tensor collective (skipped while tracing: shapes are then fixed)."""
    if not isinstance(tensor._value, jax.core.Tracer):
        pg.agree(f"CollectiveFingerPrint(OpType={what}, TensorShape={list(tensor.shape)}, "
                 f"TensorDtype={tensor.dtype}{extra})")


def _write(tensor: Tensor, array) -> None:
    """Store a collective's result into ``tensor`` in place, on the tensor's own device."""
    old = tensor._value
    tensor._commit_inplace(Tensor._make(_collectives.place_like(array, old).astype(old.dtype)))


def _done(async_op: bool) -> Work | None:
    return Work() if async_op else None


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` across all ranks, in place on every rank."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    name = _reduction_name(op)
    _agree_on(pg, "ALLREDUCE", tensor, f", ReduceOp={op.name}")
    _write(tensor, _collectives.all_reduce(pg.mesh, tensor._value, name))
    return _done(async_op)


def reduce(tensor: Tensor, dst: int | None = None, op=ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` across all ranks into rank ``dst``'s tensor (the others keep theirs)."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    dst = _peer(pg, dst, group_dst, "dst")
    name = _reduction_name(op)
    _agree_on(pg, "REDUCE", tensor, f", ReduceOp={op.name}, Root={dst}")
    result = _collectives.all_reduce(pg.mesh, tensor._value, name)
    if pg.rank() == dst:
        _write(tensor, result)
    return _done(async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into every rank's ``tensor``."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    src = _peer(pg, src, group_src, "src")
    _agree_on(pg, "BROADCAST", tensor, f", Root={src}")
    _write(tensor, _collectives.broadcast(pg.mesh, tensor._value, src))
    return _done(async_op)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Fill ``tensor_list[r]`` with rank ``r``'s ``tensor``, on every rank."""
    _check_tensor(tensor, "tensor")
    pg = _group(group)
    if not isinstance(tensor_list, list) or not all(isinstance(t, Tensor) for t in tensor_list):
        raise TypeError("Invalid function argument: tensor_list should be a list of torch.Tensor")
    if len(tensor_list) != pg.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors, but the world size is "
                         f"{pg.size()}")
    for t in tensor_list:
        if tuple(t.shape) != tuple(tensor.shape):
            raise RuntimeError(f"all_gather: every output tensor must have the input's shape {list(tensor.shape)}, "
                               f"got {list(t.shape)}")
    _agree_on(pg, "ALLGATHER", tensor)
    stacked = _collectives.all_gather(pg.mesh, tensor._value)
    for r, t in enumerate(tensor_list):
        _write(t, stacked[r])
    return _done(async_op)


def _peer(pg: ProcessGroup, rank: int | None, group_rank: int | None, name: str) -> int:
    if rank is None:
        rank = 0 if group_rank is None else group_rank
    if not 0 <= rank < pg.size():
        raise ValueError(f"Invalid {name} rank {rank} for a group of size {pg.size()}")
    return rank


# ------------------------------------------------------------------ objects and barriers (key-value store)
def all_gather_object(object_list: list, obj: Any, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list[r]`` with rank ``r``'s picklable ``obj``."""
    pg = _group(group)
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries, but the world size is "
                         f"{pg.size()}")
    for r, raw in enumerate(pg.exchange(pickle.dumps(obj))):
        object_list[r] = pickle.loads(raw)


def broadcast_object_list(object_list: list, src: int | None = None, group: ProcessGroup | None = None,
                          device: Any = None, group_src: int | None = None) -> None:
    """Replace every rank's ``object_list`` entries by rank ``src``'s (the lists must have the same length)."""
    pg = _group(group)
    src = _peer(pg, src, group_src, "src")
    raw = pg.exchange(pickle.dumps(list(object_list)) if pg.rank() == src else b"", sources=[src])[src]
    if pg.rank() != src:
        objects = pickle.loads(raw)
        if len(objects) != len(object_list):
            raise RuntimeError(f"broadcast_object_list: rank {src} sent {len(objects)} objects, but this rank's "
                               f"list has {len(object_list)}")
        object_list[:] = objects


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None,
            timeout: timedelta | None = None) -> Work | None:
    """Wait until every rank reaches this barrier (DistBackendError after the group's timeout)."""
    pg = _group(group)
    timeout = pg.timeout if timeout is None else timeout
    seq = pg._seq
    pg._seq += 1
    try:
        pg._client().wait_at_barrier(f"jtorch/barrier/{seq}", max(1, int(timeout.total_seconds() * 1000)))
    except Exception as e:
        raise DistBackendError(f"rank {pg.rank()}: barrier #{seq} timed out after {timeout}: {e}") from None
    pg.forget_before(seq)
    return _done(async_op)
