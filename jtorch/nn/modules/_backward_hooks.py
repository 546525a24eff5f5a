"""Full backward hooks: identity autograd Functions around a module's inputs and outputs catch gradients."""
from __future__ import annotations

from ..._tensor import Tensor
from ...autograd.function import Function


class _Identity(Function):
    """Passes tensors through; its backward hands the gradients to ``ctx.on_grad`` (which may replace them)."""

    @staticmethod
    def forward(ctx, on_grad, *tensors):
        ctx.on_grad = on_grad
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_grad(grads))


def _check_grads(new, old, what: str) -> tuple:
    new = new if isinstance(new, tuple) else (new,)
    if len(new) != len(old):
        raise RuntimeError(f"Backward hook returned an invalid number of grad_{what}, got {len(new)}, but "
                           f"expected {len(old)}")
    return new


class BackwardHook:
    """Runs a module's full backward (pre-)hooks for one call of the module."""

    def __init__(self, module):
        self.module = module
        self.n_args = 0
        self.input_positions: tuple = ()
        self.grad_outputs = None

    def _wrap(self, values, on_grad, positions):
        tensors = tuple(values[i] for i in positions)
        wrapped = _Identity.apply(on_grad, *tensors)
        out = list(values)
        for i, t in zip(positions, wrapped if isinstance(wrapped, tuple) else (wrapped,)):
            out[i] = t
        return out

    def setup_inputs(self, args: tuple) -> tuple:
        self.n_args = len(args)
        self.input_positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad)
        if not self.input_positions:
            return args
        return tuple(self._wrap(args, self._on_input_grads, self.input_positions))

    def _full_inputs(self, grads) -> tuple:
        full = [None] * self.n_args
        for i, g in zip(self.input_positions, grads):
            full[i] = g
        return tuple(full)

    def _run_hooks(self, grad_inputs: tuple) -> tuple:
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                grad_inputs = _check_grads(result, grad_inputs, "input")
        return grad_inputs

    def _on_input_grads(self, grads):
        full = self._run_hooks(self._full_inputs(grads))
        return tuple(full[i] for i in self.input_positions)

    def _on_output_grads(self, grads):
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, grads)
            if result is not None:
                grads = _check_grads(result, grads, "output")
        self.grad_outputs = grads
        if not self.input_positions:
            self._run_hooks((None,) * self.n_args)
        return grads

    def setup_outputs(self, output):
        single = isinstance(output, Tensor)
        values = (output,) if single else output
        if not isinstance(values, tuple):
            return output
        positions = tuple(i for i, o in enumerate(values) if isinstance(o, Tensor) and o.requires_grad)
        if not positions:
            return output
        wrapped = self._wrap(values, self._on_output_grads, positions)
        return wrapped[0] if single else tuple(wrapped)
