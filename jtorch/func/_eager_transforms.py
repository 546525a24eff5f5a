"""grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian: JAX's transforms over jtorch functions.

Each runs the user's function once under the JAX transform, on Tensors boxing JAX tracers, so nesting
(``grad(grad(f))``, ``vmap(grad(f))``, ``jacfwd(jacrev(f))``) is JAX's own nesting.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from ..autograd import grad_mode
from .._tensor import Tensor
from ._boundary import (Outputs, box, check_argnums, guard_captured, guard_rng, link_outer_graph, tensors_only,
                        through_outer_graph, generator_box, tree_flatten, tree_unflatten)

argnums_t = int | tuple[int, ...]

_VJP_ONLY_TENSORS = "vjp(f, *primals): expected f(*primals) to return only tensors, got unsupported type {}"
_JVP_ONLY_TENSORS = "jvp(f, primals, tangents): expected f(*primals) to return only tensors, got unsupported type {}"


def _diff_arrays(arg):
    """The arrays of one differentiated argument (a pytree of floating-point or complex Tensors)."""
    arrays = tensors_only(arg, "Thing passed to transform API must be Tensor, got {}")
    for a in jax.tree_util.tree_leaves(arrays):
        if not jnp.issubdtype(a.dtype, jnp.inexact):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
    return arrays


def _split_aux(out, has_aux: bool, message: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(message)
    _only_tensors(out[1], "Expected tensors, got unsupported type {}")
    return out


def _with_args(func: Callable, args: tuple, kwargs: dict, nums: tuple[int, ...], forward: bool = False) -> Callable:
    """``func`` as a function of the arrays of the arguments at ``nums`` (the others fixed), run as torch.func runs
    it: with grad mode on (an outer ``no_grad`` does not reach in), and, for a reverse-mode transform (``forward``
    False), whatever an inner ``no_grad`` computes a constant; forward-mode derivatives ignore ``no_grad``."""
    def call(*arrays):
        full = list(args)
        for i, a in zip(nums, arrays):
            full[i] = box(a)
        state, saved = grad_mode._state, grad_mode._state.forward_ad
        state.forward_ad = forward
        try:
            with grad_mode.enable_grad():
                return func(*full, **kwargs)
        finally:
            state.forward_ad = saved
    return call


def _only_tensors(out, message: str) -> None:
    for leaf in jax.tree_util.tree_leaves(out):
        if not isinstance(leaf, Tensor):
            raise RuntimeError(message.format(type(leaf)))


# ---------------------------------------------------------------------------------------------- grad
def grad_and_value(func: Callable, argnums: argnums_t = 0, has_aux: bool = False) -> Callable:
    """``func``'s gradient w.r.t. the arguments at ``argnums`` and its value: ``(grads, value)``, or
    ``(grads, (value, aux))`` with ``has_aux``. ``func`` must return a 0-dim floating-point Tensor; ``grads``
    has the structure of the argument (a tuple of them when ``argnums`` is a tuple)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return through_outer_graph("grad_and_value", lambda a: _grad_and_value(func, argnums, has_aux, a, kwargs,
                                                                               "grad_and_value"), args)
    return wrapper


def grad(func: Callable, argnums: argnums_t = 0, has_aux: bool = False) -> Callable:
    """``func``'s gradient w.r.t. the arguments at ``argnums`` (``(grads, aux)`` with ``has_aux``)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = through_outer_graph("grad", lambda a: _grad_and_value(func, argnums, has_aux, a, kwargs,
                                                                             "grad"), args)
        return (grads, value[1]) if has_aux else grads
    return wrapper


def _grad_and_value(func, argnums, has_aux, args, kwargs, name):
    nums = check_argnums(argnums, len(args))
    diff = tuple(_diff_arrays(args[i]) for i in nums)
    call = _with_args(func, args, kwargs, nums)
    outs = Outputs()
    prefix = "grad_and_value(f)(*args): "

    def scalar_fn(*arrays):
        out, aux = _split_aux(call(*arrays), has_aux, prefix + "output of function f should be a tuple: "
                                                              "(output, aux) if has_aux is True")
        if not isinstance(out, Tensor):
            raise RuntimeError(prefix + f"Expected f(*args) to return a Tensor, got {type(out)}")
        if out.dim() != 0:
            raise RuntimeError(prefix + f"Expected f(*args) to return a scalar Tensor, got tensor with {out.dim()} "
                               "dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        if out.is_complex():
            raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
        flat = outs.split((out, aux))
        return flat[0], flat

    with guard_captured(name), guard_rng("same", name):
        (_, flat), grads = jax.value_and_grad(scalar_fn, argnums=tuple(range(len(nums))), has_aux=True)(*diff)
    value = outs.join(flat)
    grads = box(_conj(grads if isinstance(argnums, tuple) else grads[0]))
    link_outer_graph(name, (grads, value), args, outs)
    return grads, (value if has_aux else value[0])


# ---------------------------------------------------------------------------------------------- vjp / jvp
def vjp(func: Callable, *primals: Any, has_aux: bool = False):
    """``(func(*primals), vjp_fn)`` (and ``aux`` with ``has_aux``); ``vjp_fn(cotangents)`` returns one gradient
    per primal as a tuple, each with its primal's structure; ``cotangents`` has the structure of the output.
    Both the outputs and ``vjp_fn``'s gradients are differentiable by the ordinary autograd."""
    key = generator_box()._array  # the draws vjp_fn replays when it must recompute
    first: dict = {}

    def forward(p):
        if "done" in first:  # a replay by the ordinary autograd needs only the outputs
            return _vjp_outputs(func, p, has_aux, [_diff_arrays(x) for x in p])
        flat, pullback, aux, outs = _vjp_trace(func, p, has_aux)
        first["run"] = (flat, pullback, outs)
        return outs.join(flat), aux

    out, aux = through_outer_graph("vjp", forward, primals)
    first["done"] = True
    flat, pullback, outs = first["run"]
    linked = any(t.requires_grad for t in jax.tree_util.tree_leaves((out, aux)))

    def vjp_fn(cotangents, *, retain_graph: bool = True, create_graph: bool | None = None) -> tuple:
        cts = _cotangent_arrays(cotangents, outs, flat)
        if not linked and not any(c.requires_grad for c in jax.tree_util.tree_leaves(cotangents)):
            return box(_conj(pullback(_conj(cts))))

        def again(pc):
            flat2, pullback2, _, outs2 = _vjp_trace(func, pc[0], has_aux)
            return box(_conj(pullback2(_conj(_cotangent_arrays(pc[1], outs2, flat2)))))
        return through_outer_graph("vjp", again, (primals, cotangents), key=key)

    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def _conj(arrays):
    """PyTorch's complex cotangents are the conjugates of JAX's (identity on real arrays)."""
    return jax.tree_util.tree_map(jnp.conj, arrays)


def _vjp_trace(func, primals, has_aux):
    """JAX's vjp of ``func`` at ``primals``: (output arrays, pullback, aux Tensors, the outputs' layout)."""
    arrays = tuple(_diff_arrays(p) for p in primals)
    outs, aux_outs = Outputs(), Outputs()

    def fn(*a):
        out, aux = _vjp_outputs(func, primals, has_aux, a)
        return outs.split(out), aux_outs.split(aux)

    with guard_captured("vjp"), guard_rng("same", "vjp"):
        flat, pullback, aux_flat = jax.vjp(fn, *arrays, has_aux=True)
    return flat, pullback, aux_outs.join(aux_flat), outs


def _vjp_outputs(func, primals, has_aux, arrays) -> tuple:
    """``func`` at ``arrays`` (in place of the primals): its (output, aux), checked."""
    out, aux = _split_aux(_with_args(func, primals, {}, tuple(range(len(primals))))(*arrays), has_aux,
                          "vjp(f, *primals): output of function f should be a tuple: (output, aux) if has_aux is True")
    _only_tensors(out, _VJP_ONLY_TENSORS)
    return out, aux


def _cotangent_arrays(cotangents, outs: Outputs, flat) -> list:
    """The arrays of ``cotangents``, checked against the outputs they pair with (structure, types, shapes)."""
    leaves, treedef = tree_flatten(cotangents)
    if treedef != outs.treedef:
        raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                           f"to the function. cotangents: {treedef}, primal output: {outs.treedef}")
    cts = []
    for i, (ct, o) in enumerate(zip(leaves, flat)):
        if not isinstance(ct, Tensor):
            raise RuntimeError(_VJP_ONLY_TENSORS.format(type(ct)))
        if tuple(ct.shape) != tuple(o.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {ct.shape} and output[{i}] "
                               f"has a shape of {Tensor._make(o).shape}.")
        if ct.is_complex() != jnp.issubdtype(o.dtype, jnp.complexfloating):
            raise RuntimeError("For complex Tensors, both grad_output and output are required to have the same "
                               f"dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {ct.dtype} and output[{i}] "
                               f"has a dtype of {Tensor._make(o).dtype}.")
        cts.append(ct._value.astype(o.dtype))
    return cts


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), jvp_out)`` (and ``aux`` with ``has_aux``): the output and its directional derivative
    along ``tangents`` (one per primal, each shaped like it)."""
    return through_outer_graph("jvp", lambda pt: _jvp(func, *pt, has_aux), (primals, tangents))


def _jvp(func, primals, tangents, has_aux):
    for what, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple):
            raise RuntimeError(f"jvp(f, primals, tangents): Expected {what} to be a tuple. E.g. it should be valid "
                               "to call f(*primals).")
    if len(primals) != len(tangents):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got "
                           f"primals with structure {tree_flatten(primals)[1]} and tangents with structure "
                           f"{tree_flatten(tangents)[1]}")
    p_arrays = tuple(_diff_arrays(p) for p in primals)
    t_arrays = tuple(tensors_only(t, "Thing passed to transform API must be Tensor, got {}") for t in tangents)
    if tree_flatten(p_arrays)[1] != tree_flatten(t_arrays)[1]:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got "
                           f"primals with structure {tree_flatten(primals)[1]} and tangents with structure "
                           f"{tree_flatten(tangents)[1]}")
    t_arrays = jax.tree_util.tree_map(_tangent_like, p_arrays, t_arrays)
    outs, aux_outs = Outputs(), Outputs()

    def fn(*a):
        out, aux = _split_aux(_with_args(func, primals, {}, tuple(range(len(primals))), forward=True)(*a), has_aux,
                              "jvp(f, primals, tangents): output of function f should be a tuple: (output, aux) "
                              "if has_aux is True")
        _only_tensors(out, _JVP_ONLY_TENSORS)
        return outs.split(out), aux_outs.split(aux)

    with guard_captured("jvp"), guard_rng("same", "jvp"):
        flat, tangent_flat, aux_flat = jax.jvp(fn, p_arrays, t_arrays, has_aux=True)
    result = link_outer_graph("jvp", (outs.join(flat), outs.join(tangent_flat)), (primals, tangents), outs)
    return (*result, aux_outs.join(aux_flat)) if has_aux else result


def linearize(func: Callable, *primals: Any) -> tuple[Any, Callable]:
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` gives the jvp at ``primals`` (tangents shaped like
    the primals) from the linearized program, without running ``func`` again. As in PyTorch, the ordinary
    autograd differentiates ``jvp_fn``'s result w.r.t. the tangents only (the linearization point is fixed)."""
    arrays = tuple(_diff_arrays(p) for p in primals)
    first: dict = {}

    def forward(p):
        if "done" in first:  # a replay by the ordinary autograd needs only the outputs
            return _with_args(func, p, {}, tuple(range(len(p))), forward=True)(*(_diff_arrays(x) for x in p))
        outs = Outputs()

        def fn(*a):
            out = _with_args(func, p, {}, tuple(range(len(p))), forward=True)(*a)
            _only_tensors(out, _JVP_ONLY_TENSORS)
            return outs.split(out)

        with guard_captured("linearize"), guard_rng("same", "linearize"):
            flat, linear = jax.linearize(fn, *(_diff_arrays(x) for x in p))
        first["linear"] = (linear, outs)
        return outs.join(flat)

    out = through_outer_graph("linearize", forward, primals)
    first["done"] = True
    linear, outs = first["linear"]
    primal_leaves, primal_def = tree_flatten(arrays)

    def flat_linear(*leaves):
        return tuple(linear(*tree_unflatten(primal_def, leaves)))

    def jvp_fn(*tangents):
        leaves, treedef = tree_flatten(tangents)
        if treedef != primal_def:
            raise RuntimeError(f"Expected the tangents {treedef} to have the same argspec as the primals {primal_def}")
        for i, (t, p) in enumerate(zip(leaves, primal_leaves)):
            if not isinstance(t, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
            if tuple(t.shape) != p.shape:
                raise RuntimeError(f"tangent:{i} with shape {t.shape} in flattened pytree doesn't match the shape "
                                   f"{Tensor._make(p).shape} of the corresponding primal.")
            if t._value.dtype != p.dtype:
                raise RuntimeError(f"tangent:{i} with dtype {t.dtype} in flattened pytree doesn't match the dtype "
                                   f"{Tensor._make(p).dtype} of the corresponding primal.")
        from .._ops._dispatch import apply
        return tree_unflatten(outs.treedef, list(apply(flat_linear, *leaves, name="LinearizeBackward0", jit=False)))

    return out, jvp_fn


def _tangent_like(p, t):
    if p.shape != t.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(p.shape)} while the given "
                           f"forward gradient is of size {list(t.shape)}.")
    if jnp.issubdtype(t.dtype, jnp.complexfloating) and not jnp.issubdtype(p.dtype, jnp.complexfloating):
        raise NotImplementedError("jtorch.func.jvp: a complex tangent for a real primal is not supported")
    return t.astype(p.dtype)


# ---------------------------------------------------------------------------------------------- jacobians
def _jacobian(transform, name: str, func, argnums, has_aux, randomness: str, only_tensors: str):
    @functools.wraps(func)
    def wrapper(*args):
        return through_outer_graph(name, call, args)

    def call(args):
        nums = check_argnums(argnums, len(args))
        _real_only(args, name, "inputs")
        diff = tuple(_diff_arrays(args[i]) for i in nums)
        outs, aux_outs = Outputs(), Outputs()

        def fn(*a):
            out, aux = _split_aux(_with_args(func, args, {}, nums, forward=transform is jax.jacfwd)(*a), has_aux,
                                  f"{name}(f, ...)(*args): output of function f should be a tuple: (output, aux) "
                                  "if has_aux is True")
            _only_tensors(out, only_tensors)
            _real_only(out, name, "outputs")
            return outs.split(out), aux_outs.split(aux)

        positions = tuple(range(len(nums))) if isinstance(argnums, tuple) else 0
        # PyTorch's jacfwd is a vmap of jvp: a random op in error mode is reported as vmap's
        with guard_captured(name), guard_rng(randomness, "vmap" if transform is jax.jacfwd else name):
            if randomness == "different":
                jac, aux_flat = _jacfwd_different(fn, positions, diff)
            else:
                jac, aux_flat = transform(fn, argnums=positions, has_aux=True)(*diff)
        jac = tree_unflatten(outs.treedef, [box(j) for j in jac])
        result = link_outer_graph(name, jac, args, outs)
        return (result, aux_outs.join(aux_flat)) if has_aux else result
    return wrapper


def _real_only(tree, name: str, what: str) -> None:
    """PyTorch's jacobians refuse complex tensors among the arguments and the outputs."""
    for i, leaf in enumerate(tree_flatten(tree)[0]):
        if isinstance(leaf, Tensor) and leaf.is_complex():
            raise RuntimeError(f"{name}: Expected all {what} to be real but received complex tensor at flattened "
                               f"input idx: {i}")


def _jacfwd_different(fn, positions, diff: tuple):
    """``jax.jacfwd(fn, positions, has_aux=True)(*diff)`` with each basis direction drawing its own random
    numbers (PyTorch's jacfwd is a vmap of jvp over the basis); aux is the first direction's."""
    from ._vmap import batch_keys
    nums = positions if isinstance(positions, tuple) else (positions,)
    flat, unravel = ravel_pytree(tuple(diff[i] for i in nums))
    in_leaves, in_def = tree_flatten(tuple(diff[i] for i in nums))

    def push(key, direction):
        tangents = list(jax.tree_util.tree_map(jnp.zeros_like, diff))
        for i, t in zip(nums, unravel(direction)):
            tangents[i] = t
        with guard_rng("different", "vmap", key=key):
            _, out, aux = jax.jvp(fn, diff, tuple(tangents), has_aux=True)
        return out, aux

    outs, aux = jax.vmap(push, out_axes=-1)(batch_keys(flat.size), jnp.eye(flat.size, dtype=flat.dtype))

    def per_input(block):  # (*out_shape, n) -> (*out_shape, *in_shape) blocks shaped like the arguments
        parts = jnp.split(block, np.cumsum([a.size for a in in_leaves])[:-1], axis=-1)
        blocks = tree_unflatten(in_def, [p.reshape(block.shape[:-1] + a.shape) for p, a in zip(parts, in_leaves)])
        return blocks if isinstance(positions, tuple) else blocks[0]
    return [per_input(o) for o in outs], jax.tree_util.tree_map(lambda a: a[..., 0], aux)


def jacrev(func: Callable, argnums: argnums_t = 0, *, has_aux: bool = False, chunk_size: int | None = None,
           _preallocate_and_copy: bool = False) -> Callable:
    """The Jacobian of ``func`` w.r.t. the arguments at ``argnums`` by reverse mode. For each output Tensor
    of shape ``O`` and input of shape ``I`` the block has shape ``O + I``; blocks nest as output structure, then
    argnums. ``chunk_size`` is accepted for compatibility; XLA computes all rows at once."""
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(jax.jacrev, "jacrev", func, argnums, has_aux, "same", _VJP_ONLY_TENSORS)


def jacfwd(func: Callable, argnums: argnums_t = 0, has_aux: bool = False, *, randomness: str = "error") -> Callable:
    """The Jacobian of ``func`` w.r.t. the arguments at ``argnums`` by forward mode (same layout as jacrev).
    ``randomness``: 'error' (a random op raises), 'same' (one draw for all columns) or 'different' (each input
    direction draws its own)."""
    from ._vmap import check_randomness
    check_randomness(randomness)
    return _jacobian(jax.jacfwd, "jacfwd", func, argnums, has_aux, randomness, _JVP_ONLY_TENSORS)


def hessian(func: Callable, argnums: argnums_t = 0) -> Callable:
    """The Hessian of ``func`` w.r.t. the arguments at ``argnums``: ``jacfwd(jacrev(func, argnums), argnums)``."""
    return jacfwd(jacrev(func, argnums), argnums)


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """``func`` itself: jtorch programs are already functional at the JAX level (an in-place op rebinds a
    tensor to a new array), and a mutation of an input stays visible to the caller, as functionalize keeps it."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. "
                           "Valid options are:\n     remove='mutations': all inplace and out= operators will be "
                           "removed from the program, and replaced with their out-of-place equivalents.\n     "
                           "remove='mutations_and_views': In addition to the above, all aliasing operators {view} "
                           "will be replaced with their non-aliasing counterparts, {view}_copy.\n")
    return func
