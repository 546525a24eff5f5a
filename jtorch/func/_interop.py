"""Crossing to plain JAX: Tensors from jax.Arrays (no copy), a Module as a pure function over arrays, and
trained arrays written back into the Module."""
from __future__ import annotations

from typing import Any, Callable, Mapping

import jax
import numpy as np

from ..autograd import grad_mode
from .._tensor import Tensor
from ..nn.modules.module import Module
from ._boundary import guard_rng, unbox
from ._functional_call import functional_call


def from_jax(array: jax.Array) -> Tensor:
    """A Tensor holding ``array`` itself (no copy; also a tracer inside a JAX transform). ``t.jax()`` gives it
    back."""
    if not isinstance(array, (jax.Array, jax.core.Tracer)):
        raise TypeError(f"from_jax expects a jax.Array, got {type(array).__name__}")
    return Tensor._make(array)


def _to_tensors(tree):
    """Array leaves (jax or numpy) as Tensors; other leaves unchanged."""
    def convert(leaf):
        if isinstance(leaf, (jax.Array, jax.core.Tracer)):
            return Tensor._make(leaf)
        if isinstance(leaf, np.ndarray):
            return Tensor._make(jax.numpy.asarray(leaf))
        return leaf
    return jax.tree_util.tree_map(convert, tree)


def to_jax(module: Module) -> tuple[Callable, dict[str, jax.Array], dict[str, jax.Array]]:
    """``module`` as a pure JAX function: ``apply_fn, params, buffers = to_jax(module)``.

    ``params`` and ``buffers`` map ``state_dict``-style names to the module's current arrays (shared, not
    copied). ``apply_fn(params, buffers, *args, rng=None, **kwargs) -> (out, new_buffers)`` runs the module's
    forward in its current train/eval mode on those arrays without touching the module: array leaves of
    ``args``/``kwargs`` enter as Tensors, Tensors in ``out`` leave as arrays, ``new_buffers`` holds the buffers
    after the call (BatchNorm's running statistics in training mode). It can be used under ``jax.jit``,
    ``jax.grad`` and ``jax.vmap``. Random layers draw from the PRNG key ``rng`` when given (required under
    ``jax.jit``), else from jtorch's global stream. :func:`load_jax_state` writes arrays back.
    """
    params = {name: p._value for name, p in module.named_parameters()}
    buffers = {name: b._value for name, b in module.named_buffers()}

    def apply_fn(params: Mapping[str, Any], buffers: Mapping[str, Any], *args: Any, rng: Any = None,
                 **kwargs: Any) -> tuple[Any, dict[str, jax.Array]]:
        state = {**_to_tensors(dict(params)), **_to_tensors(dict(buffers))}
        if rng is not None and jax.dtypes.issubdtype(rng.dtype, jax.dtypes.prng_key):
            rng = jax.random.key_data(rng)
        with guard_rng("same", "to_jax(module) apply_fn", key=rng), grad_mode.enable_grad():
            out = functional_call(module, state, _to_tensors(args), _to_tensors(kwargs))
        return unbox(out), {name: state[name]._value for name in buffers}

    return apply_fn, params, buffers


def load_jax_state(module: Module, params: Mapping[str, Any], buffers: Mapping[str, Any] | None = None) -> None:
    """Write arrays (e.g. trained ``params`` from :func:`to_jax`) into ``module``'s parameters and buffers in
    place, as ``load_state_dict(strict=False)`` would; the module's tensors and an optimizer's references to
    them stay valid. Names the module lacks, or a shape mismatch, raise RuntimeError and change nothing."""
    state = {**dict(params), **dict(buffers or {})}
    known = dict(module.named_parameters())
    known.update(module.named_buffers())
    unexpected = sorted(set(state) - set(known))
    if unexpected:
        raise RuntimeError(f"Error(s) in loading state_dict for {module._get_name()}:\n\tUnexpected key(s) in "
                           f"state_dict: {', '.join(map(repr, unexpected))}. ")
    module.load_state_dict(_to_tensors(state), strict=False)
