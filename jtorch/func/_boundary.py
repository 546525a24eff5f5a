"""Crossing between jtorch Tensors and the arrays JAX's transforms see, and the state a transform must guard.

A transform flattens its Tensor arguments to their arrays, lets JAX trace a function of those arrays, and
inside it boxes each tracer with ``Tensor._make`` so the user's jtorch code runs unchanged; what comes out
(Tensors only, as in PyTorch) is unboxed again.
"""
from __future__ import annotations

import contextlib

import jax

from .. import _tensor
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import Node, grad_edge

tree_flatten = jax.tree_util.tree_flatten
tree_unflatten = jax.tree_util.tree_unflatten


def box(tree):
    """Every array leaf of ``tree`` as a Tensor sharing it."""
    return jax.tree_util.tree_map(Tensor._make, tree)


def unbox(tree):
    """Every Tensor leaf of ``tree`` as its array; other leaves unchanged."""
    return jax.tree_util.tree_map(lambda t: t._value if isinstance(t, Tensor) else t, tree)


def tensors_only(tree, what: str):
    """The arrays of ``tree``, whose leaves must all be Tensors (PyTorch's check on transformed inputs)."""
    leaves, treedef = tree_flatten(tree)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise ValueError(what.format(type(leaf)))
    return tree_unflatten(treedef, [t._value for t in leaves])


class Outputs:
    """The structure of a traced function's Tensor outputs, and whether they hang on the outer autograd graph."""

    def __init__(self):
        self.treedef = None
        self.tainted = False       # an output depended on a tensor that requires grad outside the transform
        self.edges: list = []

    def split(self, tree) -> list:
        leaves, self.treedef = tree_flatten(tree)
        for leaf in leaves:
            if leaf.requires_grad:
                self.tainted = True
                self.edges.append(grad_edge(leaf))
        return [leaf._value for leaf in leaves]

    def join(self, arrays):
        return tree_unflatten(self.treedef, [box(a) for a in arrays])


class TransformBackward(Node):
    """Stands for a func transform in the ordinary autograd graph; backward through it is not supported."""

    def __init__(self, name: str, edges: list):
        super().__init__(tuple(e for e in edges if e is not None), 1)
        self._transform = name

    def name(self) -> str:
        return "".join(part.capitalize() for part in self._transform.split("_")) + "Backward0"

    def apply(self, grad_outputs: list) -> tuple:
        raise NotImplementedError(
            f"jtorch.func.{self._transform}: backward() through this transform's result is not supported: the call "
            "captured a view of a tensor that requires grad; pass that view as an argument instead")


def link_outer_graph(name: str, result, inputs, outs: Outputs | None = None):
    """Mark ``result``'s Tensors as depending on the outer graph when the transformed call did, so that a later
    backward() reaching them raises instead of silently missing that dependency."""
    if not grad_mode.is_grad_enabled():
        return result
    edges = [grad_edge(t) for t in jax.tree_util.tree_leaves(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if outs is not None and outs.tainted:
        edges += outs.edges
    if not edges:
        return result
    node = TransformBackward(name, edges)
    for t in jax.tree_util.tree_leaves(result):
        if isinstance(t, Tensor) and (t.dtype.is_floating_point or t.dtype.is_complex):
            t.grad_fn = node
    return result


def check_argnums(argnums, n_args: int) -> tuple[int, ...]:
    """``argnums`` as a tuple of non-negative positions, with PyTorch's errors."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums = (argnums,)
    elif isinstance(argnums, tuple) and all(isinstance(a, int) for a in argnums):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        if len(set(argnums)) != len(argnums):
            raise RuntimeError(f"argnums elements must be unique, got {argnums}")
        nums = argnums
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    out = []
    for a in nums:
        if not -n_args <= a < n_args:
            raise RuntimeError(f"Got argnum={a}, but only {n_args} positional inputs")
        out.append(a % n_args)
    return tuple(out)


@contextlib.contextmanager
def guard_captured(transform: str):
    """Refuse in-place writes of traced values into tensors that existed before the transform (a BatchNorm
    running mean updated from a traced batch): such a tensor is put back and PyTorch's kind of error raised,
    instead of a JAX tracer escaping into it."""
    seen: dict = {}
    try:
        with _noting_reads(seen):
            yield
    finally:
        leaked = [(t, a) for t, a in seen.values()
                  if t._array is not a and isinstance(t._array, jax.core.Tracer) and not isinstance(a, jax.core.Tracer)]
        for t, a in leaked:
            t._array = a
    if leaked:
        raise RuntimeError(f"During a {transform} transform, the function provided attempted an in-place operation "
                           f"that would mutate a captured Tensor of shape {list(leaked[0][1].shape)} with a value "
                           "computed from the transformed inputs. This is not supported; pass the mutated Tensor(s) "
                           "as inputs (for BatchNorm, use eval() or track_running_stats=False).")


def generator_box():
    from .._ops.random import default_generator
    return default_generator._key


@contextlib.contextmanager
def guard_rng(randomness: str, transform: str, key=None):
    """Run a traced call with the default generator's key protected.

    ``randomness='error'``: a random op inside raises PyTorch's error. ``'same'``: random ops draw from the
    global stream, which advances (under ``vmap`` one draw serves the whole batch). ``key``: the call's random
    ops draw from this key instead (a per-example key under ``vmap(randomness='different')``, a user's key
    under :func:`to_jax`) and the global stream is left as it was. A call that would leave a traced key in the
    generator (a random op under a user's ``jax.jit`` with no ``key``) restores it and raises.
    """
    gen_box = generator_box()
    before = gen_box._array
    start = before if key is None else key
    gen_box._array = start
    try:
        yield
    finally:
        after = gen_box._array
        gen_box._array = before
    if after is start:
        return
    if randomness == "error":
        raise RuntimeError(f"{transform}: called random operation while in randomness error mode. Please either use "
                           f"the 'same' or 'different' randomness flags on vmap or perform the randomness operation "
                           f"out of vmap")
    if key is None:
        if isinstance(after, jax.core.Tracer) and not isinstance(before, jax.core.Tracer):
            raise RuntimeError(f"{transform}: a random operation ran while JAX was tracing (for example under "
                               "jax.jit) and would have left a traced key in jtorch's default generator; pass a PRNG "
                               "key with rng=... (see docs/jax_interop.md)")
        gen_box._array = after


@contextlib.contextmanager
def _noting_reads(seen: dict):
    """Note in ``seen`` (id -> (tensor, its array then)) every tensor that existed before the block and is read
    inside it."""
    prev_read, prev_init = _tensor._read_hook, _tensor._init_hook
    created: set = set()

    def on_read(t):
        if id(t) not in created and id(t) not in seen:
            seen[id(t)] = (t, t._array)
        if prev_read is not None:
            prev_read(t)

    def on_init(t):
        created.add(id(t))
        if prev_init is not None:
            prev_init(t)

    _tensor._read_hook, _tensor._init_hook = on_read, on_init
    try:
        yield
    finally:
        _tensor._read_hook, _tensor._init_hook = prev_read, prev_init


def through_outer_graph(name: str, core, inputs, key=None):
    """``core(inputs)`` (a transform applied to ``inputs``, returning a pytree of Tensors), made differentiable
    for PyTorch's autograd: when grad mode is on and the call depends on tensors that require grad (its inputs,
    or tensors it captures, such as a module's parameters), the whole transform is recorded as one op of those
    tensors whose backward is JAX's vjp of it, replayed with the PRNG key the call started from (so it sees the
    same random draws). Random ops draw from the default generator, which advances as in a plain call, or from
    ``key`` when given (the generator is then left as it was). A call that depends on a captured view gets a
    node whose backward raises instead."""
    gen_box = generator_box()
    if key is not None:
        unkeyed = core

        def core(a):
            with guard_rng("same", name, key=key):
                return unkeyed(a)
    if not grad_mode.is_grad_enabled():
        return core(inputs)
    leaves, treedef = tree_flatten(inputs)
    wanted = [i for i, t in enumerate(leaves) if isinstance(t, Tensor) and t.requires_grad]
    captured: list = []
    while True:  # a run that finds captured tensors requiring grad is undone and redone with them as inputs
        seen: dict = {}
        start = gen_box._array
        results, layout = _record(name, core, leaves, treedef, wanted, captured, seen)
        lifted = {id(t) for t in captured}
        found = [t for t, _ in seen.values() if t.requires_grad and t._view is None and id(t) not in lifted]
        if not found:
            break
        for t, a in seen.values():  # undo the run's writes (running statistics, the RNG key)
            t._array = a
        gen_box._array = start
        captured += found
    gen_box._array = layout["key"]
    result = tree_unflatten(layout["treedef"], list(results))
    if layout["captured"]:
        edges = [grad_edge(leaves[i]) for i in wanted] + [grad_edge(t) for t in captured] + layout["captured"]
        node = TransformBackward(name, edges)
        for t in results:
            if t.grad_fn is not None:
                t.grad_fn = node
    return result


def _record(name: str, core, leaves: list, treedef, wanted: list, captured: list, seen: dict):
    """Run ``core`` once as one recorded op of the input leaves at ``wanted`` and the ``captured`` tensors (and
    the generator's key, as a constant input), noting in ``seen`` the other tensors its first run reads."""
    from .._ops._dispatch import apply
    gen_box = generator_box()
    layout: dict = {}
    n = len(wanted)

    def pure(*arrays):
        first = "key" not in layout
        saved = [(t, t._array, t._requires_grad, t.grad_fn) for t in captured]
        key_saved = gen_box._array
        try:  # grad mode on also when JAX's vjp replays this for backward()
            with _noting_reads(seen) if first else contextlib.nullcontext(), grad_mode.enable_grad():
                given = list(leaves)
                for i, a in zip(wanted, arrays[:n]):
                    given[i] = Tensor._make(a)
                for t, a in zip(captured, arrays[n:-1]):
                    t._array, t._requires_grad, t.grad_fn = a, False, None
                gen_box._array = arrays[-1]
                out_leaves, layout["treedef"] = tree_flatten(core(tree_unflatten(treedef, given)))
            layout.setdefault("key", gen_box._array)  # where the first (forward) run left the stream
        finally:
            gen_box._array = key_saved
            for t, a, req, fn in saved:
                t._array, t._requires_grad, t.grad_fn = a, req, fn
        layout["captured"] = [grad_edge(t) for t in out_leaves if t.requires_grad]
        return tuple(t._value for t in out_leaves)

    node_name = "".join(part.capitalize() for part in name.split("_")) + "Backward0"
    results = apply(pure, *(leaves[i] for i in wanted), *captured, gen_box._array, name=node_name, jit=False)
    return results, layout
