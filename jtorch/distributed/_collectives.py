"""Collectives on arrays across the processes of a ``jax.distributed`` job.

Each process contributes its local array as one row of a global array (one row per process, laid out
over a 1-D mesh with one device per process); a jitted program over that global array computes the
result replicated on every process, and each process reads back its own copy. JAX and XLA carry the
data (gloo on CPU, NCCL on GPU): nothing here moves bytes itself.

The functions take concrete arrays or JAX tracers. Under tracing (a compiled step) the collective runs
on the host through an ordered ``io_callback``, so every process issues its collectives in program order.
"""
from __future__ import annotations

from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.experimental import io_callback
from jax.sharding import Mesh, NamedSharding, PartitionSpec

REDUCTIONS = ("sum", "avg", "product", "min", "max", "band", "bor", "bxor")


class ProcessMesh:
    """The world's layout: ``devices[r]`` is the device rank ``r`` contributes from."""

    def __init__(self, devices: list, rank: int):
        self.world_size = len(devices)
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
            out = jax.eval_shape(partial(_BODIES[kind], **static), jax.ShapeDtypeStruct((self.world_size,) +
                                                                                         x.shape, x.dtype))
            return io_callback(lambda a: np.asarray(self.run(kind, a, **static)), out, x, ordered=True)
        result = _program(kind, tuple(sorted(static.items())), self.replicated)(self.stack(x))
        return result.addressable_data(0)


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
