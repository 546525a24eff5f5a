"""The autograd graph: nodes recorded by ops, leaf accumulators, and the backward engine."""
from __future__ import annotations

import heapq
import itertools
import weakref
from typing import Callable

from . import grad_mode
from ..utils.hooks import RemovableHandle

_sequence = itertools.count()

FREED_GRAPH_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward.")


class Node:
    """One recorded operation. ``next_edges[i]`` is ``(node, output_nr)`` for the i-th differentiable input."""

    def __init__(self, next_edges: tuple, num_outputs: int):
        self.next_edges = next_edges
        self.num_outputs = num_outputs
        self._sequence_nr = next(_sequence)
        self._pre_hooks: dict = {}
        self._post_hooks: dict = {}
        self._tensor_pre_hooks: dict = {}  # output_nr -> {handle id: hook}, from Tensor.register_hook

    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple:
        return tuple((n, nr) if n is not None else (None, 0) for n, nr in self.next_edges)

    def register_hook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node; may return replacement grad_inputs."""
        return RemovableHandle.add(self._post_hooks, fn)

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node; may return replacement grad_outputs."""
        return RemovableHandle.add(self._pre_hooks, fn)

    def apply(self, grad_outputs: list) -> tuple:
        raise NotImplementedError

    def __call__(self, *grad_outputs):
        return self.apply(list(grad_outputs))

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad(Node):
    """The node behind a leaf tensor that requires grad: adds incoming gradients into ``leaf.grad``."""

    def __init__(self, leaf):
        super().__init__((), 1)
        self.variable = leaf

    def apply(self, grad_outputs: list) -> tuple:
        grad = grad_outputs[0]
        leaf = self.variable
        if grad is None:
            return ()
        from .._tensor import Tensor
        if leaf.grad is None:
            # a box of its own: the engine may hand the same gradient tensor to several leaves
            leaf.grad = grad if grad_mode.is_grad_enabled() else Tensor._make(grad._value)
        elif grad_mode.is_grad_enabled():
            leaf.grad = leaf.grad + grad
        else:
            leaf.grad.add_(grad)
        for hook in list(leaf._post_accumulate_hooks.values()):
            hook(leaf)
        return ()


class NotImplementedBackward(Node):
    """The node of an op PyTorch has no derivative for: its outputs require grad, a backward through them raises."""

    def __init__(self, op: str, next_edges: tuple, num_outputs: int):
        super().__init__(next_edges, num_outputs)
        self._op = op

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def apply(self, grad_outputs: list) -> tuple:
        raise RuntimeError(f"derivative for {self._op} is not implemented")


def mark_not_implemented(op: str, inputs: tuple, outputs: tuple) -> None:
    """Give the floating-point ``outputs`` a :class:`NotImplementedBackward` when grad mode is on and an input
    requires grad, as PyTorch does for ``op`` (an ATen name, ``aten::...``)."""
    edges = tuple(grad_edge(t) for t in inputs if t.requires_grad)
    if not (grad_mode.is_grad_enabled() and edges):
        return
    node = NotImplementedBackward(op, edges, len(outputs))
    for i, t in enumerate(outputs):
        if t.dtype.is_floating_point or t.dtype.is_complex:
            t.grad_fn, t._output_nr = node, i


def grad_edge(t):
    """``(node, output_nr)`` through which gradient reaches tensor ``t``, or None when it needs none."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t._requires_grad:
        return (t._grad_accumulator(), 0)
    return None


def _run_tensor_hooks(node: Node, grads: list) -> list:
    if isinstance(node, AccumulateGrad):
        hooks = node.variable._backward_hooks
        if hooks and grads[0] is not None:
            g = grads[0]
            for hook in list(hooks.values()):
                out = hook(g)
                if out is not None:
                    g = out
            grads[0] = g
        return grads
    for nr, hooks in node._tensor_pre_hooks.items():
        if grads[nr] is None:
            continue
        for hook in list(hooks.values()):
            out = hook(grads[nr])
            if out is not None:
                grads[nr] = out
    return grads


def _call_node(node: Node, grads: list) -> tuple:
    for hook in list(node._pre_hooks.values()):
        out = hook(tuple(grads))
        if out is not None:
            grads = list(out)
    results = node.apply(grads)
    for hook in list(node._post_hooks.values()):
        out = hook(tuple(results), tuple(grads))
        if out is not None:
            results = tuple(out)
    return results


def _needed_nodes(roots, targets) -> set:
    """Nodes from which some target node can be reached (the only ones autograd.grad must run)."""
    needed: dict = {}
    stack = [(n, False) for n in roots]
    while stack:
        node, done = stack.pop()
        if done:
            needed[node] = node in targets or any(needed.get(n, False) for n, _ in node.next_edges if n is not None)
            continue
        if node in needed:
            continue
        needed[node] = False
        stack.append((node, True))
        stack.extend((n, False) for n, _ in node.next_edges if n is not None and n not in needed)
    return {n for n, v in needed.items() if v}


_final_callbacks: list | None = None  # callbacks of the backward pass that is running


def queue_callback(callback: Callable[[], None]) -> None:
    """Run ``callback()`` once the running backward pass has finished (PyTorch's
    ``Variable._execution_engine.queue_callback``)."""
    if _final_callbacks is None:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _final_callbacks.append(callback)


def run_backward(roots: list, root_grads: list, *, retain_graph: bool, create_graph: bool,
                 capture: list | None = None, accumulate: bool = True, only_inputs: list | None = None) -> list:
    """Propagate ``root_grads`` from the root edges through the graph, then run the queued final callbacks.

    ``capture``: edges whose incoming gradient is returned (autograd.grad); leaves are then not accumulated.
    ``only_inputs``: with ``accumulate``, the leaves to accumulate into (``backward(inputs=...)``).
    """
    from .._compile.capture import note_backward
    note_backward()
    global _final_callbacks
    outer, _final_callbacks = _final_callbacks, []
    try:
        captured = _propagate(roots, root_grads, retain_graph, create_graph, capture, accumulate, only_inputs)
        while _final_callbacks:
            _final_callbacks.pop(0)()
    finally:
        _final_callbacks = outer
    return captured


def _propagate(roots, root_grads, retain_graph, create_graph, capture, accumulate, only_inputs) -> list:
    root_nodes = [edge[0] for edge in roots]
    targets = None
    if capture is not None:
        targets = {edge[0] for edge in capture if edge is not None}
    elif only_inputs is not None:
        targets = {edge[0] for edge in only_inputs if edge is not None}
    needed = _needed_nodes(root_nodes, targets) if targets is not None else None

    dependencies: dict = {}
    seen = set()
    stack = list(root_nodes)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for nxt, _ in node.next_edges:
            if nxt is not None:
                dependencies[nxt] = dependencies.get(nxt, 0) + 1
                if nxt not in seen:
                    stack.append(nxt)

    buffers: dict = {}

    def add_grad(node, nr, grad):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.num_outputs
        buf[nr] = grad if buf[nr] is None else buf[nr] + grad

    for (node, nr), g in zip(roots, root_grads):
        add_grad(node, nr, g)

    captured = [None] * (len(capture) if capture is not None else 0)
    ready = []
    for node in dict.fromkeys(root_nodes):
        if dependencies.get(node, 0) == 0:
            heapq.heappush(ready, (-node._sequence_nr, id(node), node))

    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, [None] * node.num_outputs)
            grads = _run_tensor_hooks(node, grads)
            if capture is not None:
                for slot, edge in enumerate(capture):
                    if edge is not None and edge[0] is node:
                        captured[slot] = grads[edge[1]]
            is_leaf_node = isinstance(node, AccumulateGrad)
            skip = (needed is not None and node not in needed) or (is_leaf_node and not accumulate)
            if is_leaf_node and only_inputs is not None and node not in targets:
                skip = True
            if skip or all(g is None for g in grads):
                results = ()
                if not skip and not is_leaf_node:
                    results = (None,) * len(node.next_edges)
            else:
                results = _call_node(node, grads)
                if not retain_graph:
                    release = getattr(node, "release", None)
                    if release is not None:
                        release()
            for (nxt, nr), g in zip(node.next_edges, results):
                if nxt is None:
                    continue
                if g is not None:
                    add_grad(nxt, nr, g)
            for nxt, _ in node.next_edges:
                if nxt is None:
                    continue
                dependencies[nxt] -= 1
                if dependencies[nxt] == 0:
                    heapq.heappush(ready, (-nxt._sequence_nr, id(nxt), nxt))
    return captured


class _GradAccumulatorCache:
    """Each leaf has one AccumulateGrad node while any graph refers to it (weakly cached, as in PyTorch)."""

    @staticmethod
    def get(leaf) -> AccumulateGrad:
        ref = leaf._accumulator_ref
        node = ref() if ref is not None else None
        if node is None:
            node = AccumulateGrad(leaf)
            leaf._accumulator_ref = weakref.ref(node)
        return node
