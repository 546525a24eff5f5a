"""Collectives on arrays across the processes of a ``jax.distributed`` job.

Each process contributes its local array as one row of a global array (one row per process, laid out
over a 1-D mesh with one device per process); a jitted program over that global array computes the
result replicated on every process, and each process reads back its own copy. JAX and XLA carry the
data (gloo on CPU, NCCL on GPU): nothing here moves bytes itself.

The functions take concrete arrays or JAX tracers. In a ``jtorch.compile``'d step laid out over the
processes (the mesh is the step's placement, see :meth:`ProcessMesh.jit`) a collective is an XLA collective
over the ``rank`` axis inside the program. Under any other tracing (a plain ``jax.jit``) it runs on the host
through an ordered ``io_callback``, so every process issues its collectives in program order.
"""
from __future__ import annotations

import zlib
from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.experimental import io_callback
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .._compile import capture

REDUCTIONS = ("sum", "avg", "product", "min", "max", "band", "bor", "bxor")


class ProcessMesh:
    """The world's layout: ``devices[r]`` is the device rank ``r`` contributes from. It is also the placement
    (``capture.note_placement``) of a compiled step that synchronizes over the processes."""

    def __init__(self, devices: list, rank: int):
        self.world_size = len(devices)
        self.axis_env = (("rank", self.world_size),)
        self.rank = rank
        self.device = devices[rank]
        mesh = Mesh(np.array(devices, dtype=object), ("rank",))
        self.rows = NamedSharding(mesh, PartitionSpec("rank"))
        self.replicated = NamedSharding(mesh, PartitionSpec())

    def stack(self, x) -> jax.Array:
        """The global ``(world_size, *x.shape)`` array whose row ``r`` is rank ``r``'s ``x``."""
        local = jax.device_put(x, self.device).reshape((1,) + x.shape)
        return jax.make_array_from_single_device_arrays((self.world_size,) + x.shape, self.rows, [local])

    def run(self, kind: str, x, **static):
        """Run collective program ``kind`` over every rank's ``x``; this rank's copy of the result."""
        if isinstance(x, jax.core.Tracer):
            cap = capture.active()
            if cap is not None and cap.tracing and cap.placement is self:
                return _in_program(kind, x, self.world_size, **static)
            out = jax.eval_shape(partial(_BODIES[kind], **static), jax.ShapeDtypeStruct((self.world_size,) +
                                                                                         x.shape, x.dtype))
            return io_callback(lambda a: np.asarray(self.run(kind, a, **static)), out, x, ordered=True)
        result = _program(kind, tuple(sorted(static.items())), self.replicated)(self.stack(x))
        return result.addressable_data(0)


    def jit(self, fn, donate: tuple, input_ids: list) -> "_ProcessProgram":
        """``fn`` as one SPMD program over the processes (see :class:`_ProcessProgram`)."""
        return _ProcessProgram(self, fn, donate)


class _ProcessProgram:
    """A function of this process's arrays, run as one program over every process: each process passes its own
    arrays (row ``rank`` of each global input) and gets back its own results. Nothing is assumed equal across
    processes; they exchange data only through the collectives in ``fn`` (``rank`` axis collectives that
    ``ProcessMesh.run`` emits while tracing), which XLA runs inside the program (gloo on CPU, NCCL on GPU)."""

    def __init__(self, mesh: ProcessMesh, fn, donate: tuple):
        self.mesh, self.fn, self.donate = mesh, fn, donate
        self.jitted = None
        self.scalar_out: list[bool] = []
        self.checked = False

    def _build(self, scalar_in: list[bool]) -> None:
        def body(*flat):
            # the ranks must run the same program: each adds a checksum of its input shapes, compared on the
            # first call (collective-free up to here, so a mismatch cannot deadlock it)
            signature = repr([(a.shape, str(a.dtype)) for a in flat]).encode()
            checksum = jnp.asarray(zlib.crc32(signature) & 0x7FFFFFFF, jnp.int32)
            same = lax.pmax(checksum, "rank") == lax.pmin(checksum, "rank")
            outs = self.fn(*[a.reshape(()) if s else a for a, s in zip(flat, scalar_in)])
            self.scalar_out = [o.ndim == 0 for o in outs]
            return tuple(o.reshape(1) if o.ndim == 0 else o for o in outs) + (same.reshape(1),)
        spec = PartitionSpec("rank")
        self.jitted = jax.jit(jax.shard_map(body, mesh=self.mesh.rows.mesh, in_specs=(spec,) * len(scalar_in),
                                            out_specs=spec, check_vma=False), donate_argnums=self.donate)

    def _global(self, arrays) -> list:
        """Each local array as this process's block of a global array split along its first axis (0-d ones
        as length-1 blocks)."""
        out = []
        for a in arrays:
            a = jax.device_put(np.float64(a) if isinstance(a, float) else a, self.mesh.device)
            if a.ndim == 0:
                a = a.reshape(1)
            out.append(jax.make_array_from_single_device_arrays(
                (self.mesh.world_size * a.shape[0],) + a.shape[1:], self.mesh.rows, [a]))
        return out

    def lower(self, *arrays):
        """The program lowered for these local arrays (its text shows the collectives)."""
        if self.jitted is None:
            self._build([np.ndim(a) == 0 for a in arrays])
        return self.jitted.lower(*self._global(arrays))

    def __call__(self, *arrays) -> list:
        if self.jitted is None:
            self._build([np.ndim(a) == 0 for a in arrays])
        *outs, same = self.jitted(*self._global(arrays))
        if not self.checked:
            if not bool(same.addressable_data(0)[0]):
                raise RuntimeError("the ranks called a compiled step that synchronizes over processes with tensors "
                                   "of different shapes or dtypes (e.g. uneven local batches); jtorch needs every "
                                   "rank to pass the same shapes to a compiled step (run uneven steps eagerly)")
            self.checked = True
        mine = [o.addressable_data(0) for o in outs]
        return [a.reshape(()) if s else a for a, s in zip(mine, self.scalar_out)]


def _in_program(kind: str, x, world: int, **static):
    """Collective ``kind`` on ``x`` over the ``rank`` axis of the program being traced."""
    if kind == "reduce" and static["op"] in ("sum", "avg") and x.dtype != jnp.bool_:
        total = lax.psum(x, "rank")
        if static["op"] == "sum":
            return total
        if jnp.issubdtype(x.dtype, jnp.integer):
            return lax.div(total, jnp.asarray(world, x.dtype))
        return total / jnp.asarray(world, x.dtype)
    return _BODIES[kind](lax.all_gather(x, "rank"), **static)


def _reduce(g, op: str):
    world = g.shape[0]
    if g.dtype == jnp.bool_:
        return jnp.any(g, 0) if op in ("sum", "max", "bor", "bxor", "avg") else jnp.all(g, 0)
    if op in ("sum", "avg"):
        total = jnp.sum(g, 0, dtype=g.dtype)
        if op == "sum":
            return total
        if jnp.issubdtype(g.dtype, jnp.integer):
            return lax.div(total, jnp.asarray(world, g.dtype))
        return total / jnp.asarray(world, g.dtype)
    if op == "product":
        return jnp.prod(g, 0, dtype=g.dtype)
    if op == "min":
        return jnp.min(g, 0)
    if op == "max":
        return jnp.max(g, 0)
    combine = {"band": jnp.bitwise_and, "bor": jnp.bitwise_or, "bxor": jnp.bitwise_xor}[op]
    out = g[0]
    for i in range(1, world):
        out = combine(out, g[i])
    return out


_BODIES = {
    "reduce": _reduce,
    "broadcast": lambda g, src: g[src],
    "gather": lambda g: g,
}


@lru_cache(maxsize=None)
def _program(kind: str, static: tuple, replicated: NamedSharding):
    return jax.jit(partial(_BODIES[kind], **dict(static)), out_shardings=replicated)


def place_like(array, like):
    """``array`` on the device(s) ``like`` lives on (unchanged while tracing)."""
    if isinstance(array, jax.core.Tracer) or isinstance(like, jax.core.Tracer) or array.sharding == like.sharding:
        return array
    return jax.device_put(array, like.sharding)


def all_reduce(mesh: ProcessMesh, x, op: str = "sum"):
    """Elementwise reduction of every rank's ``x`` (same shape and dtype everywhere)."""
    return mesh.run("reduce", x, op=op)


def broadcast(mesh: ProcessMesh, x, src: int):
    """Rank ``src``'s ``x`` on every rank."""
    return mesh.run("broadcast", x, src=src)


def all_gather(mesh: ProcessMesh, x):
    """Every rank's ``x`` stacked: shape ``(world_size, *x.shape)``."""
    return mesh.run("gather", x)
