"""torch.autograd.Function: user-defined ops with their own forward and backward."""
from __future__ import annotations

import functools

from . import grad_mode
from .graph import FREED_GRAPH_MESSAGE, Node, grad_edge


class FunctionCtx:
    """The ``ctx`` passed to ``forward``/``backward``: saved tensors and per-call flags."""

    def __init__(self):
        self._saved = None
        self._saved_versions = ()
        self._freed = False
        self.needs_input_grad = ()
        self._non_differentiable = set()
        self._dirty = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` for backward; modifying them in place before backward is an error."""
        self._saved = tensors
        self._saved_versions = tuple(t._version_counter[0] if t is not None else None for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(FREED_GRAPH_MESSAGE)
        if self._saved is None:
            return ()
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._version_counter[0] != v:
                raise RuntimeError("one of the variables needed for gradient computation has been modified by an "
                                   f"inplace operation: [{t.type()} {list(t.shape)}] is at version "
                                   f"{t._version_counter[0]}; expected version {v} instead.")
        return self._saved

    def mark_non_differentiable(self, *tensors) -> None:
        """Outputs that get no gradient (e.g. indices)."""
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors) -> None:
        """Inputs that ``forward`` modified in place."""
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether undefined output gradients reach ``backward`` as zeros (True) or None."""
        self.materialize_grads = value


class BackwardCFunction(Node):
    """The graph node of one ``Function.apply`` call."""

    def __init__(self, fn_cls, ctx, edges, input_positions, outputs_meta):
        super().__init__(tuple(edges), len(outputs_meta))
        self._fn_cls, self.ctx = fn_cls, ctx
        self._input_positions = input_positions
        self._outputs_meta = outputs_meta

    def name(self) -> str:
        return self._fn_cls.__name__ + "Backward"

    def release(self) -> None:
        self.ctx._freed = self.ctx._saved is not None

    def apply(self, grad_outputs: list) -> tuple:
        from .._ops.creation import zeros
        grads = list(grad_outputs)
        if self.ctx.materialize_grads:
            for i, g in enumerate(grads):
                if g is None:
                    shape, dtype = self._outputs_meta[i]
                    grads[i] = zeros(shape, dtype=dtype)
        result = self._fn_cls.backward(self.ctx, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_inputs = self._n_inputs
        if len(result) < n_inputs:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{n_inputs}, got {len(result)})")
        return tuple(result[i] for i in self._input_positions)


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``; call ``apply``."""

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        ctx = FunctionCtx()
        tensor_args = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        uses_setup = cls.setup_context is not Function.setup_context
        with grad_mode.no_grad():
            if uses_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(output, tuple)
        outputs = (output,) if single else output
        record = grad_mode.is_grad_enabled() and any(a.requires_grad for _, a in tensor_args)
        wrapped = []
        for out in outputs:
            if isinstance(out, Tensor) and any(out is a for _, a in tensor_args) and id(out) not in ctx._dirty:
                out = out.view_as(out)  # an input returned as is becomes a new node's output, as in PyTorch
            wrapped.append(out)
        if record:
            positions = tuple(i for i, a in tensor_args if a.requires_grad)
            edges = [grad_edge(args[i]) for i in positions]
            meta = tuple((tuple(o.shape), o.dtype) if isinstance(o, Tensor) else ((), None) for o in wrapped)
            node = BackwardCFunction(cls, ctx, edges, positions, meta)
            node._n_inputs = len(args)
            for nr, out in enumerate(wrapped):
                if not isinstance(out, Tensor) or id(out) in ctx._non_differentiable:
                    continue
                if not (out.dtype.is_floating_point or out.dtype.is_complex):
                    continue
                if id(out) in ctx._dirty:
                    out._version_counter[0] += 1
                out.grad_fn, out._output_nr = node, nr
        return wrapped[0] if single else tuple(wrapped)


def once_differentiable(fn):
    """Mark a ``backward`` as not itself differentiable: it runs without recording a graph."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper
