"""A compiled function: one XLA program per input signature, over the state the function was seen to touch.

The first call runs eagerly while recording which pre-existing tensors the function reads (parameters,
buffers, gradients, optimizer state, the RNG key...) and whether it runs ``backward``; that run also creates
any lazily made state. Later calls trace the function once per signature with those boxes' arrays as inputs
(a box read during the trace that is not an input aborts it; the call then runs eagerly, and the next one
traces again with the box lifted). The program returns the function's outputs, the new arrays of every input
box it changed, and of every tensor it created that outlives it; each call rebinds those boxes, so outside
references stay valid. A ``.grad`` is a slot of its leaf, not a box: which leaves have one is part of the
signature, the program reads the ``.grad`` present at each call, and afterwards each leaf's ``.grad`` is
updated in place (accumulation), replaced by a new tensor (a gradient made after ``zero_grad()``), or cleared,
as the traced run did.

Two kinds of program: a function that runs ``backward`` (a training step) is one jitted program whose
changed state is donated and whose outputs keep the name of their spent grad_fn (a backward from one fails as
through a freed graph); any other function (a forward) is recorded as a single differentiable op, so gradients
flow through it to parameters and inputs.
"""
from __future__ import annotations

import gc
import sys
import types
import warnings
from typing import Callable

import jax
import numpy as np
from jax.extend import core as jax_core

from .._tensor import Tensor
from ..amp import autocast_mode
from ..autograd import grad_mode
from ..autograd.graph import FREED_GRAPH_MESSAGE, Node
from . import capture as cap_mod
from .errors import TracedValueError, raise_host_read_in_trace

_TRACER_ERRORS = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                  jax.errors.TracerBoolConversionError, jax.errors.TracerIntegerConversionError,
                  jax.errors.NonConcreteBooleanIndexError)

counters: dict = {"traces": 0, "eager_runs": 0, "graph_breaks": 0}


def _is_tracer(a) -> bool:
    return isinstance(a, jax.core.Tracer)


class _Program:
    """One traced signature: which boxes feed it, which it rebinds, and the compiled function.

    Everything a call does not need to recompute is worked out here once, so that a call is a walk over flat
    lists: read the input boxes, run the program, rebind the changed boxes."""

    def __init__(self, fn, inputs, scalar_slots, out_tree, out_kinds, rebind, host_calls, host_arg_slots,
                 differentiable, donate, placement=None, input_ids=(), escaped=(), grads=None):
        self.inputs = inputs              # state boxes whose arrays are read
        self.scalar_slots = scalar_slots  # (container, key) hyperparameters passed as float64 scalars
        self.out_tree = out_tree
        self.out_kinds = out_kinds        # per output leaf: ("tensor", requires_grad, spent) or ("const", value)
        self.out_requires = [kind[1] for kind in out_kinds if kind[0] == "tensor"]
        self.out_spent = [kind[2] for kind in out_kinds if kind[0] == "tensor"]
        self.rebind = rebind              # boxes given a new array by each call, in output order
        # each version counter once (views share their base's), and the views to mark as up to date
        self.counters = list({id(t._version_counter): t._version_counter for t in rebind}.values())
        self.views = [t for t in rebind if t._view is not None]
        self.before_calls = [(fn_, args, kwargs) for before, fn_, args, kwargs, *_ in host_calls if before]
        self.after_calls = [call[1:] for call in host_calls if not call[0]]  # (fn, args, kwargs, leaves, treedef)
        self.host_arg_slots = host_arg_slots
        self.differentiable = differentiable
        self.fn = fn
        self.grads = grads
        self.scalar_cache: list = [(None, None)] * len(scalar_slots)  # per slot: (value, device array)
        self.spares: list = []
        if differentiable:
            self.jitted = None
        elif placement is not None:
            self.jitted = placement.jit(fn, donate, input_ids)
        else:
            # the previous call's arrays of the tensors the program creates (fresh ``.grad``s) are donated as
            # unread inputs, so that XLA writes the new values into those buffers instead of fresh ones
            self.spares = list(escaped)
            first_spare = len(input_ids)  # state, scalars, then the given tensors (.grads, arguments)
            spare_args = tuple(range(first_spare, first_spare + len(self.spares)))
            self.jitted = jax.jit(lambda *flat: fn(*flat[:first_spare]), donate_argnums=donate + spare_args,
                                  keep_unused=True)
        # the op saves its inputs for backward, except the buffers it updates itself
        rebound = {id(t) for t in rebind}
        self.saves = tuple(i for i, t in enumerate(inputs) if id(t) not in rebound)

    def run(self, arg_tensors: list):
        for fn, args, kwargs in self.before_calls:
            fn(*args, **kwargs)
        n_outs = len(self.out_requires)
        leaves = self.grads.leaves(self.inputs, arg_tensors)
        if self.differentiable:
            from .._ops._dispatch import apply
            scalars = [float(c[k]) for c, k in self.scalar_slots]
            grads = [leaves[k]._grad for k, *_ in self.grads.given]
            n_fixed = len(self.inputs) + len(scalars)
            saves = self.saves + tuple(range(n_fixed, n_fixed + len(grads) + len(arg_tensors)))
            results = apply(self.fn, *self.inputs, *scalars, *grads, *arg_tensors, name="CompiledFunctionBackward",
                            saves=saves)
            results = results if isinstance(results, tuple) else (results,)
            outs = [r if req else Tensor._make(r._array) for r, req in zip(results[:n_outs], self.out_requires)]
            new_arrays = [r._array for r in results[n_outs:]]
        else:
            arrays = self.jitted(*self.input_arrays(arg_tensors, leaves))
            outs = [Tensor._make(a) if spent is None else _SpentBackward.output(a, *spent)
                    for a, spent in zip(arrays[:n_outs], self.out_spent)]
            new_arrays = arrays[n_outs:]
        self._rebind(new_arrays)
        n_rebound = len(self.rebind)
        n_grads = self.grads.n_outputs
        self.grads.update(leaves, new_arrays[n_rebound:n_rebound + n_grads])
        if self.after_calls:
            self._run_after_calls(new_arrays[n_rebound + n_grads:])
        it = iter(outs)
        leaves = [next(it) if kind[0] == "tensor" else kind[1] for kind in self.out_kinds]
        return jax.tree_util.tree_unflatten(self.out_tree, leaves)

    def input_arrays(self, arg_tensors: list, leaves: list | None = None) -> list:
        """The jitted program's flat inputs for a call with ``arg_tensors``: state, hyperparameters, the leaves'
        ``.grad``s, the arguments, then the buffers to write new tensors into."""
        if leaves is None:
            leaves = self.grads.leaves(self.inputs, arg_tensors)
        return [*[t._value for t in self.inputs], *self._scalar_arrays(), *self.grads.arrays(leaves),
                *[t._value for t in arg_tensors], *[_spare(t._array) for t in self.spares]]

    def _scalar_arrays(self) -> list:
        """The hyperparameters' current values as weakly typed float64 arrays, as the trace saw Python floats. A
        value unchanged since the last call reuses its array: a Python float costs every call a conversion."""
        arrays = []
        for i, (container, key) in enumerate(self.scalar_slots):
            value = float(container[key])
            cached, array = self.scalar_cache[i]
            if value != cached:
                array = jax.numpy.asarray(value)
                self.scalar_cache[i] = (value, array)
            arrays.append(array)
        return arrays

    def _rebind(self, arrays) -> None:
        """Give each box its new array, as an in-place write: versions move on, views re-derive."""
        for t, a in zip(self.rebind, arrays):
            t._array = a
        for c in self.counters:
            c[0] += 1
        for t in self.views:
            t._view.synced = t._version_counter[0]

    def _run_after_calls(self, host_arrays) -> None:
        """The host calls deferred past the program, their traced arguments replaced by the program's values."""
        host_values = iter(host_arrays)
        for fn, args, kwargs, leaves, treedef in self.after_calls:
            if leaves is not None:
                args, kwargs = jax.tree_util.tree_unflatten(
                    treedef, [Tensor._make(next(host_values)) if slot else leaf
                              for leaf, slot in zip(leaves, self.host_arg_slots[id(leaves)])])
            fn(*args, **kwargs)


def _spare(array):
    """``array`` to donate if nothing but its tensor holds it (not a tracer left by the trace), else a fresh
    buffer of its shape."""
    if not _is_tracer(array) and sys.getrefcount(array) <= _SOLE_OWNER_REFS and not array.is_deleted():
        return array
    return np.empty(array.shape, array.dtype)


_SOLE_OWNER_REFS = 3  # the tensor's slot, _spare's parameter, getrefcount's argument


class _GradSlots:
    """The ``.grad`` slots of a program's leaves (state and argument tensors that require grad).

    ``owners`` locates each leaf: ``(False, i)`` is state box ``i``, ``(True, j)`` argument tensor ``j``.
    ``present`` lists the leaves that had a ``.grad`` when the program was traced (the signature guarantees it
    at every call): those arrays are inputs. ``actions`` says what the traced run left in each slot that it
    changed: ``_UPDATED`` (the same tensor, new values), ``_NEW`` (a new tensor) or ``_CLEARED`` (None).
    ``donated`` flags the present ``.grad``s whose arrays the program may write over (updated or replaced)."""

    def __init__(self, owners: list, present: list, actions: list, donated: list):
        self.owners, self.actions = owners, actions
        self.n_outputs = sum(action is not _CLEARED for _, action in actions)
        by_owner = dict(actions)
        self.given = [(k, d, by_owner.get(k) is _NEW) for k, d in zip(present, donated)]

    def leaves(self, state: list, arg_tensors: list) -> list:
        return _grad_leaves(self.owners, state, arg_tensors)

    def arrays(self, leaves: list) -> list:
        """The present ``.grad``s' arrays as the program takes them: a donated one is copied first while
        something else holds its array (``.numpy()``, ``.jax()``) or, when the slot gets a new tensor, the
        tensor itself (a ``g = p.grad`` that must keep its values)."""
        arrays = []
        for k, donated, replaced in self.given:
            leaf = leaves[k]
            # references counted: the leaf's slot (or the tensor's), and getrefcount's argument
            if donated and (sys.getrefcount(leaf._grad._array) > 2 or (replaced and sys.getrefcount(leaf._grad) > 2)
                            or leaf._grad._view is not None):
                arrays.append(jax.numpy.array(leaf._grad._value, copy=True))
            else:
                arrays.append(leaf._grad._value)
        return arrays

    def update(self, leaves: list, arrays) -> None:
        """Fill the slots the program changed with its new arrays."""
        values = iter(arrays)
        for k, action in self.actions:
            leaf = leaves[k]
            if action is _CLEARED:
                leaf._grad = None
            elif action is _NEW:
                leaf._grad = Tensor._make(next(values))
            else:
                grad = leaf._grad
                grad._array = next(values)
                grad._version_counter[0] += 1


_UPDATED, _NEW, _CLEARED = "updated", "new", "cleared"


def _has_grad_slot(t: Tensor) -> bool:
    return t._requires_grad and t.grad_fn is None


def _grad_leaves(owners: list, state: list, arg_tensors: list) -> list:
    """The leaves that ``owners`` locates among ``state`` and ``arg_tensors`` (see :class:`_GradSlots`)."""
    return [arg_tensors[i] if is_arg else state[i] for is_arg, i in owners]


class CompiledFunction:
    """``fn`` compiled: call it as ``fn``. ``trace_count`` counts the programs traced so far."""

    def __init__(self, fn: Callable, *, fullgraph: bool = False, modules: list | None = None):
        self.fn = fn
        self.fullgraph = fullgraph
        self.trace_count = 0
        self._state: dict = {}          # id -> pre-existing Tensor the function reads
        self._leaves: list = []         # the state tensors that required grad when found (their .grad slots)
        self._scalar_slots: dict = {}   # (id(container), key) -> (container, key)
        self._programs: dict = {}
        self._recorded = False
        self._eager_only = False
        self._differentiable = True
        self._modules = modules
        self._axis_env: tuple = ()      # mesh axes a placement declared in an eager run (see note_placement)
        self.__wrapped__ = fn
        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            try:
                setattr(self, attr, getattr(fn, attr))
            except AttributeError:
                pass

    def __get__(self, obj, objtype=None):
        return self if obj is None else types.MethodType(self, obj)

    def __call__(self, *args, **kwargs):
        if self._eager_only or cap_mod.is_tracing():
            return self.fn(*args, **kwargs)
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs))
        arg_tensors = list({id(leaf): leaf for leaf in leaves if isinstance(leaf, Tensor)}.values())
        if not self._recorded:
            return self._run_recording(args, kwargs)
        key = self._key(leaves, treedef)
        program = self._programs.get(key)
        if program is None:
            try:
                program = self._trace(args, kwargs, leaves, treedef, arg_tensors)
            except cap_mod.NewState:
                return self._run_recording(args, kwargs)
            except TracedValueError as e:
                if self.fullgraph:
                    raise
                counters["graph_breaks"] += 1
                warnings.warn(f"jtorch.compile: running {getattr(self.fn, '__qualname__', self.fn)} eagerly from "
                              f"now on: {e}", UserWarning, stacklevel=2)
                self._eager_only = True
                return self.fn(*args, **kwargs)
            self._programs[key] = program
        return program.run(arg_tensors)

    # ------------------------------------------------------------------ signatures
    def _key(self, leaves: list, treedef) -> tuple:
        parts = []
        for leaf in leaves:
            if isinstance(leaf, Tensor):
                a = leaf._value
                parts.append((a.shape, a.dtype, leaf.requires_grad, leaf._grad is None))
            else:
                try:
                    hash(leaf)
                    parts.append(("py", type(leaf), leaf))
                except TypeError:
                    parts.append(("id", id(leaf)))
        modes = tuple(m.training for m in self._guarded_modules())
        grads = tuple(t._grad is None if t._requires_grad else None for t in self._leaves)
        return (treedef, tuple(parts), modes, grads, grad_mode.is_grad_enabled(), autocast_mode.state_key(),
                len(self._state), len(self._scalar_slots))

    def _guarded_modules(self) -> list:
        if self._modules is None:
            self._modules = _modules_reachable_from(self.fn)
        return self._modules

    # ------------------------------------------------------------------ eager runs
    def _run_recording(self, args, kwargs):
        """Run eagerly, noting the pre-existing tensors read and the hyperparameters used."""
        cap = cap_mod.Capture(dict(self._state), tracing=False)
        for leaf in jax.tree_util.tree_leaves((args, kwargs)):
            if isinstance(leaf, Tensor):
                cap.lifted[id(leaf)] = leaf
        with cap_mod.capturing(cap):
            out = self.fn(*args, **kwargs)
        counters["eager_runs"] += 1
        # a leaf's .grad is not state of its own: each call reads whichever tensor the slot holds
        seen = [*self._state.values(), *cap.discovered.values(), *cap.lifted.values()]
        grads = {id(t._grad) for t in seen if t._grad is not None}
        self._state.update((i, t) for i, t in cap.discovered.items() if i not in grads)
        for i in grads:
            self._state.pop(i, None)
        self._leaves = [t for t in self._state.values() if _has_grad_slot(t)]
        self._scalar_slots.update(cap.scalar_slots)
        if cap.placement is not None:
            self._axis_env = tuple(dict.fromkeys(self._axis_env + tuple(cap.placement.axis_env)))
        if not self._recorded:
            self._differentiable = not cap.backward_ran
            self._recorded = True
        return out

    # ------------------------------------------------------------------ tracing
    def _trace(self, args, kwargs, leaves, treedef, arg_tensors) -> _Program:
        arg_ids = {id(t) for t in arg_tensors}
        state = [t for i, t in self._state.items() if i not in arg_ids]
        owners = ([(False, i) for i, t in enumerate(state) if _has_grad_slot(t)]
                  + [(True, j) for j, t in enumerate(arg_tensors) if _has_grad_slot(t)])
        grad_leaves = _grad_leaves(owners, state, arg_tensors)
        present = [k for k, t in enumerate(grad_leaves) if t._grad is not None]
        starts = [t._grad for t in grad_leaves]
        grads = [starts[k] for k in present]
        boxes = state + grads + arg_tensors
        slots = list(self._scalar_slots.values())
        differentiable = self._differentiable
        snapshot = [_Snapshot(t) for t in boxes]
        layout: dict = {}

        def traced(*flat):
            box_arrays = flat[:len(state)]
            scalar_values = flat[len(state):len(state) + len(slots)]
            given = flat[len(state) + len(slots):]
            inputs = list(box_arrays) + list(given)
            for t, a in zip(boxes, inputs):
                t._array = a
                if t._view is not None:
                    t._view.synced = t._version_counter[0]
            cap = cap_mod.Capture({id(t): t for t in boxes}, tracing=True,
                                  scalar_inputs={(id(c), k): v for (c, k), v in zip(slots, scalar_values)},
                                  axis_env=self._axis_env)
            with cap_mod.capturing(cap):
                result = [self.fn(*args, **kwargs)]
            layout["placement"] = cap.placement
            with cap_mod.paused():
                return _collect_outputs(result, boxes, inputs, cap, differentiable, layout, grad_leaves, starts,
                                        dict(zip(map(id, grads), inputs[len(state):])))

        in_avals = ([jax.ShapeDtypeStruct(t._array.shape, t._array.dtype) for t in state]
                    + [jax.ShapeDtypeStruct((), np.float64, weak_type=True)] * len(slots)
                    + [jax.ShapeDtypeStruct(t._array.shape, t._array.dtype) for t in boxes[len(state):]])
        try:
            closed = jax.make_jaxpr(traced, axis_env=list(self._axis_env))(*in_avals)
        except cap_mod.NewState:
            self._state.update(layout.get("discovered", {}))
            raise
        except _TRACER_ERRORS as e:
            raise_host_read_in_trace(e)
        finally:
            for s in snapshot:  # after a successful trace too: the program's run fills the .grad slots
                s.restore(structure=True)
        self.trace_count += 1
        counters["traces"] += 1
        program_fn = jax_core.jaxpr_as_fun(closed)

        def fn(*flat):
            return tuple(program_fn(*flat))
        changed_ids = {id(t) for t in layout["changed"]}
        actions = layout["grad_actions"]
        written = {k for k, action in actions if action is not _CLEARED}
        donated = [not differentiable and k in written for k in present]
        first_grad = len(state) + len(slots)
        donate = () if differentiable else (
            tuple(i for i, t in enumerate(state) if id(t) in changed_ids)
            + tuple(first_grad + j for j, d in enumerate(donated) if d))
        host_arg_slots = {id(leaves_): slots_ for leaves_, slots_ in layout["host_arg_slots"]}
        placement = layout.get("placement")
        if placement is not None and differentiable:
            raise NotImplementedError("jtorch.compile of a forward that runs DataParallel or DistributedDataParallel "
                                      "is not supported yet: compile the whole training step (with backward), or "
                                      "wrap the compiled module instead")
        input_ids = [id(t) for t in state] + [None] * len(slots) + [id(t) for t in grads + arg_tensors]
        program = _Program(fn, state, slots, layout["out_tree"], layout["out_kinds"],
                           layout["changed"] + layout["escaped"], layout["host_calls"], host_arg_slots,
                           differentiable, donate, placement, input_ids, layout["escaped"],
                           _GradSlots(owners, present, actions, donated))
        return program


def _spent_graph(t: Tensor, differentiable: bool) -> tuple | None:
    """For an output of a program that ran backward: ``(grad_fn name, whether backward freed it)`` when the
    traced output had a grad_fn, else None."""
    if differentiable or t.grad_fn is None:
        return None
    return t.grad_fn.name(), _reaches_freed_node(t.grad_fn)


def _reaches_freed_node(root: Node) -> bool:
    """Whether a backward from ``root`` would meet a node whose saved tensors a backward has freed."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if getattr(node, "released", False):
            return True
        for nxt, _ in node.next_edges:
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return False


class _SpentBackward(Node):
    """The grad_fn of a compiled training step's output (its loss): named as in the traced run. The program
    consumed the graph, so a backward from here fails as PyTorch's does through a freed graph."""

    def __init__(self, name: str, freed: bool):
        super().__init__((), 1)
        self._name, self.freed = name, freed

    @classmethod
    def output(cls, array, name: str, freed: bool) -> Tensor:
        t = Tensor._make(array, requires_grad=True)
        t.grad_fn = cls(name, freed)
        return t

    def name(self) -> str:
        return self._name

    def apply(self, grad_outputs: list) -> tuple:
        if self.freed:
            raise RuntimeError(FREED_GRAPH_MESSAGE)
        raise NotImplementedError(
            "jtorch.compile: backward from the output of a compiled function that runs backward itself is not "
            "supported when that output's graph was kept (retain_graph=True) or not used by the function's "
            "backward; run that backward inside the compiled function")


def _collect_outputs(result: list, boxes, inputs, cap, differentiable, layout, grad_leaves, starts,
                     grad_inputs) -> list:
    """The flat outputs of a traced run: returned tensors, changed boxes, escaped tensors, the leaves' new
    ``.grad``s, deferred args.

    ``result`` holds the function's return value and is emptied, so that a returned tensor nothing else
    keeps alive does not count as escaped. ``starts`` holds each leaf's ``.grad`` before the run, and
    ``grad_inputs`` maps each of those present to its input array."""
    out = result.pop()
    out_leaves, out_tree = jax.tree_util.tree_flatten(out)
    arrays = [leaf._value for leaf in out_leaves if isinstance(leaf, Tensor)]
    kinds = [("tensor", bool(differentiable and leaf.requires_grad), _spent_graph(leaf, differentiable))
             if isinstance(leaf, Tensor) else ("const", leaf) for leaf in out_leaves]
    changed = []
    for t, a in zip(boxes, inputs):
        final = t._value
        if final is not a and id(t) not in grad_inputs:
            changed.append(t)
            arrays.append(final)
    host_calls, host_arg_slots, host_arrays = [], [], []
    for before, fn, args, kwargs in cap.host_calls:
        leaves, treedef = jax.tree_util.tree_flatten((args, kwargs))
        slots = [isinstance(x, Tensor) and _is_tracer(x._array) for x in leaves]
        if any(slots):
            if before:
                raise_host_read_in_trace()
            host_arrays.extend(x._value for x, s in zip(leaves, slots) if s)
            host_arg_slots.append((leaves, slots))
            host_calls.append((before, fn, args, kwargs, leaves, treedef))
        else:
            host_calls.append((before, fn, args, kwargs, None, None))
    del out, out_leaves
    gc.collect()
    grad_actions, grad_arrays = [], []
    for k, (leaf, start) in enumerate(zip(grad_leaves, starts)):
        final = leaf._grad
        if final is None:
            if start is not None:
                grad_actions.append((k, _CLEARED))
        elif final is not start:
            grad_actions.append((k, _NEW))
            grad_arrays.append(final._value)
        elif final._value is not grad_inputs[id(final)]:
            grad_actions.append((k, _UPDATED))
            grad_arrays.append(final._value)
    new_grads = {id(leaf._grad) for leaf in grad_leaves}
    escaped = [t for t in cap.alive_created()
               if _is_tracer(t._array) and t._view is None and id(t) not in new_grads]
    for t in escaped:
        t.grad_fn = None
        arrays.append(t._array)
    layout.update(out_tree=out_tree, out_kinds=kinds, changed=changed, escaped=escaped, host_calls=host_calls,
                  host_arg_slots=host_arg_slots, grad_actions=grad_actions)
    return arrays + grad_arrays + host_arrays


class _Snapshot:
    """A box's fields before a trace, to put back afterwards."""

    __slots__ = ("t", "array", "grad", "grad_fn", "output_nr", "version", "synced")

    def __init__(self, t: Tensor):
        self.t, self.array, self.grad, self.grad_fn = t, t._array, t._grad, t.grad_fn
        self.output_nr, self.version = t._output_nr, t._version_counter[0]
        self.synced = t._view.synced if t._view is not None else None

    def restore(self, structure: bool) -> None:
        t = self.t
        t._array, t.grad_fn, t._output_nr = self.array, self.grad_fn, self.output_nr
        t._version_counter[0] = self.version
        if t._view is not None:
            t._view.synced = self.synced
        if structure:
            t._grad = self.grad


def _modules_reachable_from(fn) -> list:
    """The nn.Modules a function can see through its closure, globals it names, or ``self``: their
    train/eval flags are part of each program's signature."""
    from ..nn.modules.module import Module
    roots: list = []
    target = fn
    while True:
        if isinstance(target, types.MethodType):
            roots.append(target.__self__)
            target = target.__func__
        elif isinstance(target, CompiledFunction):
            target = target.fn
        elif hasattr(target, "__wrapped__"):
            target = target.__wrapped__
        else:
            break
    code = getattr(target, "__code__", None)
    if code is not None:
        roots.extend(c.cell_contents for c in (target.__closure__ or ()) if _cell_filled(c))
        globs = getattr(target, "__globals__", {})
        roots.extend(globs[n] for n in code.co_names if n in globs)
    elif isinstance(target, Module):
        roots.append(target)
    modules: dict = {}
    for obj in roots:
        if isinstance(obj, Module):
            for m in obj.modules():
                modules[id(m)] = m
    return list(modules.values())


def _cell_filled(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


__all__ = ["CompiledFunction", "counters"]
