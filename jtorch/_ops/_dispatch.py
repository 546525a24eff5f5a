"""Running an op: its pure JAX function on the tensors' arrays, and the autograd node it records.

Every op is a pure function ``fn(*arrays, **static)``. Its forward runs through one jitted trampoline
(compiled once per op, static arguments, shapes and dtypes). Its backward is ``jax.vjp`` of the same
function, jitted and cached the same way; with ``create_graph=True`` that vjp is itself recorded as an op,
so derivatives of any order need nothing more.
"""
from __future__ import annotations

import re
import weakref
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.graph import FREED_GRAPH_MESSAGE, Node, grad_edge


def _static_key(value):
    """``value`` made safe to compare as a cache key: every item tagged with its type, numpy dtypes by name.

    Without the tags, ``1``, ``1.0`` and ``True`` (equal and of equal hash) would share a compiled function, and a
    numpy dtype compares equal to None and to its name.
    """
    if isinstance(value, tuple):
        return tuple, tuple(_static_key(v) for v in value)
    if isinstance(value, np.dtype):
        return np.dtype, value.name
    return type(value), value


class _Static:
    """The static arguments of one op call, hashed and compared by :func:`_static_key`."""

    __slots__ = ("items", "_key", "_hash")

    def __init__(self, items: tuple):
        self.items = items
        self._key = _static_key(items)
        self._hash = hash(self._key)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, _Static) and self._key == other._key


@partial(jax.jit, static_argnums=(0, 1))
def _jit_static(fn, static: _Static, *arrays):
    return fn(*arrays, **dict(static.items))


def _jit_call(fn, static: tuple, *arrays):
    """``fn(*arrays, **dict(static))``, compiled once per function, static arguments, shapes and dtypes."""
    return _jit_static(fn, _Static(static), *arrays)


def vjp_of(*args, fn, static, diff, outs, n):
    """Gradients of ``fn``'s outputs ``outs`` w.r.t. its inputs ``diff``; ``args`` = inputs then cotangents."""
    arrays, cotangents = args[:n], args[n:]

    def restricted(*diff_arrays):
        full = list(arrays)
        for i, a in zip(diff, diff_arrays):
            full[i] = a
        out = fn(*full, **dict(static))
        if not isinstance(out, tuple):
            out = (out,)
        return tuple(out[i] for i in outs)

    _, pullback = jax.vjp(restricted, *(arrays[i] for i in diff))
    # PyTorch's complex gradients are the conjugates of JAX's pullback of the conjugate cotangents
    # (conjugation is the identity on real arrays)
    grads = pullback(tuple(jnp.conj(c) for c in cotangents))
    return tuple(jnp.conj(g) for g in grads)


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", name.strip("_")) if part)


_NODE_NAMES: dict = {}


def node_name(fn) -> str:
    name = _NODE_NAMES.get(fn)
    if name is None:
        name = _NODE_NAMES[fn] = _camel(fn.__name__) + "Backward0"
    return name


class OpNode(Node):
    """The graph node of one op application: backward is the vjp of the op's JAX function."""

    def __init__(self, fn, static, name, inputs, arrays, out_avals, out_diff, saves):
        diff = tuple(i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad)
        super().__init__(tuple(grad_edge(inputs[i]) for i in diff), len(out_avals))
        self.fn, self.static, self._name = fn, static, name
        self.diff, self.out_diff, self.out_avals = diff, out_diff, out_avals
        self.arrays = arrays
        # (tensor, version at save time, grad_fn at save time) for each input PyTorch would save
        indices = range(len(inputs)) if saves is True else (saves or ())
        self.saved = tuple((inputs[i], inputs[i]._version_counter[0]) for i in indices
                           if isinstance(inputs[i], Tensor))
        self.saved_results = ()  # (weak reference, version) of outputs PyTorch saves
        self.input_edges = tuple(grad_edge(t) if isinstance(t, Tensor) and t.requires_grad else None
                                 for t in inputs)
        self.released = False

    def name(self) -> str:
        return self._name

    def release(self) -> None:
        if self.saved:
            self.released = True
            self.arrays = None
            self.saved = ()  # the freed graph keeps no tensor alive

    def _check_saved(self) -> None:
        if self.released:
            raise RuntimeError(FREED_GRAPH_MESSAGE)
        alive = ((ref(), version) for ref, version in self.saved_results)
        for t, version in (*self.saved, *((t, v) for t, v in alive if t is not None)):
            if t._version_counter[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{_type_string(t)} {list(t.shape)}], which is output {t._output_nr} of "
                    f"{t.grad_fn.name() if t.grad_fn is not None else 'AccumulateGrad'}, is at version "
                    f"{t._version_counter[0]}; expected version {version} instead. Hint: enable anomaly "
                    "detection to find the operation that failed to compute its gradient, with "
                    "torch.autograd.set_detect_anomaly(True).")

    def apply(self, grad_outputs: list) -> tuple:
        self._check_saved()
        cotangents = []
        for i in self.out_diff:
            g = grad_outputs[i]
            shape, dtype = self.out_avals[i]
            if g is None:
                cotangents.append(jnp.zeros(shape, dtype))
            else:
                cotangents.append(g if g.dtype.np_dtype == dtype else g.to(_torch_dtype(dtype)))
        static = (("fn", self.fn), ("static", self.static), ("diff", self.diff), ("outs", self.out_diff),
                  ("n", len(self.arrays)))
        if grad_mode.is_grad_enabled():
            inputs = [self._saved_input(i) for i in range(len(self.arrays))]
            return apply(vjp_of, *inputs, *cotangents, static=static, name=self._name.replace("Backward0",
                                                                                              "BackwardBackward0"))
        arrays = [c._value if isinstance(c, Tensor) else c for c in cotangents]
        grads = _jit_call(vjp_of, static, *self.arrays, *arrays)
        return tuple(Tensor._make(g) for g in grads)

    def _saved_input(self, i: int):
        """Input ``i`` as a tensor that carries its place in the graph (for double backward)."""
        edge = self.input_edges[i]
        if edge is None:
            return self.arrays[i]
        node, nr = edge
        if hasattr(node, "variable"):
            return node.variable if node.variable._value is self.arrays[i] else _graph_tensor(self.arrays[i], edge)
        return _graph_tensor(self.arrays[i], edge)


def _graph_tensor(array, edge) -> Tensor:
    t = Tensor._make(array)
    node, nr = edge
    if hasattr(node, "variable"):  # a leaf: route through its accumulator
        t.grad_fn = _Passthrough(edge)
    else:
        t.grad_fn, t._output_nr = node, nr
    return t


class _Passthrough(Node):
    """Forwards a gradient unchanged to one edge (a saved leaf whose value has since been replaced)."""

    def __init__(self, edge):
        super().__init__((edge,), 1)

    def name(self) -> str:
        return "AccumulateGrad"

    def apply(self, grad_outputs: list) -> tuple:
        return (grad_outputs[0],)


def _torch_dtype(np_dtype):
    from .._dtype import from_numpy_dtype
    return from_numpy_dtype(np_dtype)


def _type_string(t: Tensor) -> str:
    from .._tensor import scalar_type_name
    return f"torch.{scalar_type_name(t.dtype)}Tensor"


def apply(fn, *inputs, static: tuple = (), name: str | None = None, saves=True, saves_result: bool = False,
          jit: bool = True):
    """Run ``fn(*arrays, **dict(static))`` on ``inputs`` (Tensors, arrays or None) and wrap the result.

    ``static`` holds hashable non-array arguments as ``((key, value), ...)``. When grad mode is on and an
    input requires grad, the floating-point outputs get a node whose backward is the vjp of ``fn``.
    ``saves`` names the inputs PyTorch saves for backward (True: all), whose in-place modification
    before backward is an error; with ``saves_result`` so is in-place modification of the (first) output.
    ``jit=False`` for ops whose output shape depends on values.
    """
    arrays = tuple(t._value if isinstance(t, Tensor) else t for t in inputs)
    out = _jit_call(fn, static, *arrays) if jit else fn(*arrays, **dict(static))
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    state = grad_mode._state
    if not state.enabled and not state.forward_ad and any(isinstance(a, jax.core.Tracer) for a in arrays):
        outs = tuple(jax.lax.stop_gradient(o) for o in outs)  # no_grad code is constant to reverse-mode transforms
    tensors = tuple(Tensor._make(o) for o in outs)
    if grad_mode._state.enabled and any(isinstance(t, Tensor) and t.requires_grad for t in inputs):
        out_diff = tuple(i for i, o in enumerate(outs) if jnp.issubdtype(o.dtype, jnp.inexact))
        if out_diff:
            avals = tuple((o.shape, o.dtype) for o in outs)
            node = OpNode(fn, static, name or node_name(fn), inputs, arrays, avals, out_diff, saves)
            for i in out_diff:
                tensors[i].grad_fn = node
                tensors[i]._output_nr = i
            if saves_result:
                node.saved_results = ((weakref.ref(tensors[0]), tensors[0]._version_counter[0]),)
    return tensors[0] if single else tensors
