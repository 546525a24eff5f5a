"""vmap: JAX's vmap over a jtorch function, with PyTorch's in_dims/out_dims conventions and errors."""
from __future__ import annotations

import functools
from typing import Callable

import jax

from .._tensor import Tensor
from ._boundary import (Outputs, box, guard_captured, guard_rng, link_outer_graph, through_outer_graph,
                        tree_flatten, tree_unflatten)

in_dims_t = int | tuple
out_dims_t = int | tuple

_UNMAPPED = object()  # stands for an in_dim of None (None itself is an empty pytree to JAX)


def check_randomness(randomness: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")


def vmap(func: Callable, in_dims: in_dims_t = 0, out_dims: out_dims_t = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """``func`` mapped over dimension ``in_dims`` of its inputs, the results stacked along ``out_dims``.

    ``in_dims``: an int for every input, or a tuple with one entry per positional argument, each an int, None
    (not mapped) or a nested structure matching that argument. Keyword arguments are not mapped.
    ``randomness``: 'error' (a random op raises), 'same' (one draw for the whole batch) or 'different' (each
    example draws its own). ``chunk_size`` is accepted for compatibility; XLA maps the whole batch at once.
    """
    check_randomness(randomness)
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return through_outer_graph("vmap", lambda a: _vmap_call(func, in_dims, out_dims, randomness, a, kwargs), args)
    return wrapped


def _vmap_call(func, in_dims, out_dims, randomness, args, kwargs):
    name = getattr(func, "__name__", repr(func))
    where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    if isinstance(in_dims, int) and not isinstance(in_dims, bool):
        dims = (in_dims,) * len(args)
    elif isinstance(in_dims, tuple):
        dims = in_dims
    else:
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                         f"structure of inputs, got: {type(in_dims)}.")
    leaves, treedef = tree_flatten(args)
    try:
        if len(dims) != len(args):
            raise ValueError
        per_arg = jax.tree_util.tree_map(
            lambda d, sub: jax.tree_util.tree_map(lambda _: _UNMAPPED if d is None else d, sub),
            dims, args, is_leaf=lambda x: x is None)
        leaf_dims = treedef.flatten_up_to(per_arg)
    except ValueError:
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has structure "
                         f"{tree_flatten(dims)[1]} but inputs has structure {treedef}.") from None
    mapped, sizes = [], []
    for i, (leaf, d) in enumerate(zip(leaves, leaf_dims)):
        if d is _UNMAPPED:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"{where}: in_dims must be int, None or a nested tuple of them, got {type(d)}")
        if not isinstance(leaf, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type {type(leaf)}. We cannot "
                             "vmap over non-Tensor arguments, please use None as the respective in_dim")
        n = leaf.dim()
        if not -n <= d < n:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a Tensor of dimensionality "
                             f"{n} so expected in_dim to satisfy -{n} <= in_dim < {n}.")
        mapped.append((i, d % n))
        sizes.append(leaf.shape[d])
    if not mapped:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) > 1:
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")

    def per_example(keys, *arrays):
        full = list(leaves)
        for (i, _), a in zip(mapped, arrays):
            full[i] = Tensor._make(a)
        with guard_rng(randomness, "vmap", key=keys):
            out = func(*tree_unflatten(treedef, full), **kwargs)
        for leaf in jax.tree_util.tree_leaves(out):
            if not isinstance(leaf, Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(leaf)}. Did "
                                 "you mean to set out_dims= to None for output?")
        flat = outs.split(out)
        return tree_unflatten(outs.treedef, flat)

    outs = Outputs()
    keys, key_axis = None, None
    if randomness == "different":
        keys, key_axis = batch_keys(sizes[0]), 0
    in_axes = (key_axis,) + tuple(d for _, d in mapped)
    try:
        with guard_captured("vmap"):
            out = jax.vmap(per_example, in_axes=in_axes, out_axes=out_dims)(
                keys, *(leaves[i]._value for i, _ in mapped))
    except ValueError as e:
        if "out_axes" in str(e):
            raise ValueError(f"vmap({name}, ...): out_dims is not compatible with the structure of `outputs`: "
                             f"{e}") from None
        raise
    return link_outer_graph("vmap", box(out), args, outs)


def batch_keys(n: int):
    """``n`` keys for one 'different' vmap call, taken from the default generator's stream (which advances)."""
    from .._ops.random import _split, default_generator
    box_ = default_generator._key
    before = box_._array
    new, sub = _split(before)
    if not isinstance(new, jax.core.Tracer) or isinstance(before, jax.core.Tracer):
        box_._array = new
    return jax.random.split(sub, n)
