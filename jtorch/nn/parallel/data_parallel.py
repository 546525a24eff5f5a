"""DataParallel: one forward over the whole batch, split across this process's devices by XLA (SPMD).

Where PyTorch runs one replica per device and gathers, jtorch lays the batch out along ``dim`` over a 1-D
``jax.sharding.Mesh`` of the chosen devices, replicates parameters and buffers on it, and runs the module
once: XLA partitions every op and inserts the cross-device reductions (the gradient of a replicated
parameter is summed over the devices' batch shards). Results equal the unwrapped module's, including
batch statistics (BatchNorm sees the whole batch, as with SyncBatchNorm).

Inside a ``jtorch.compile``'d step the whole program is laid out over the mesh instead (see :class:`_Layout`):
sharding constraints split the batch, and the program takes its state replicated and hands it back on
``device_ids[0]``.
"""
from __future__ import annotations

from functools import lru_cache
from math import gcd
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ... import _device as _dev
from ..._compile import capture as _capture
from ..._tensor import Tensor
from ...autograd.function import Function
from ..modules.module import Module

__all__ = ["DataParallel"]


class _Place(Function):
    """Differentiable move of a tensor to ``sharding``; its gradient goes back to where the tensor was."""

    @staticmethod
    def forward(ctx, x: Tensor, sharding) -> Tensor:
        ctx.source = x._value.sharding
        return Tensor._make(jax.device_put(x._value, sharding))

    @staticmethod
    def backward(ctx, grad: Tensor):
        return Tensor._make(jax.device_put(grad._value, ctx.source)), None


class _Constrain(Function):
    """Lay ``x`` out as ``sharding`` inside a traced program (the gradient keeps whatever layout it has)."""

    @staticmethod
    def forward(ctx, x: Tensor, sharding) -> Tensor:
        return Tensor._make(jax.lax.with_sharding_constraint(x._value, sharding))

    @staticmethod
    def backward(ctx, grad: Tensor):
        return grad, None


class _Layout:
    """A compiled step containing DataParallel, as one program over ``mesh``: its inputs enter replicated (the
    batch tensors DataParallel splits enter split), its outputs leave replicated and come back to ``home``
    (``device_ids[0]``, where PyTorch keeps the parameters), so code outside the step sees them where it
    left them."""

    axis_env = ()

    def __init__(self, mesh: Mesh, home):
        self.mesh, self.home = mesh, home
        self.split: dict = {}  # id(input box) -> its sharding, for inputs DataParallel splits

    def __eq__(self, other) -> bool:
        return isinstance(other, _Layout) and (self.mesh, self.home) == (other.mesh, other.home)

    def __hash__(self) -> int:
        return hash((self.mesh, self.home))

    def jit(self, fn, donate: tuple, input_ids: list):
        replicated = NamedSharding(self.mesh, PartitionSpec())
        jitted = jax.jit(fn, donate_argnums=donate, in_shardings=[self.split.get(i, replicated) for i in input_ids],
                         out_shardings=replicated)
        home = jax.sharding.SingleDeviceSharding(self.home)

        def call(*arrays):
            return jax.device_put(jitted(*arrays), home)
        call.lower = jitted.lower
        return call


@lru_cache(maxsize=None)
def _mesh(devices: tuple) -> Mesh:
    return Mesh(np.array(devices, dtype=object), ("batch",))


def _device_index(d) -> int:
    if isinstance(d, int):
        return d
    index = _dev.device(d).index
    return 0 if index is None else index


def _tensors(tree) -> list[Tensor]:
    if isinstance(tree, Tensor):
        return [tree]
    if isinstance(tree, (list, tuple)):
        return [t for item in tree for t in _tensors(item)]
    if isinstance(tree, dict):
        return [t for item in tree.values() for t in _tensors(item)]
    return []


def _map(fn, tree):
    if isinstance(tree, Tensor):
        return fn(tree)
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(_map(fn, item) for item in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(_map(fn, item) for item in tree)
    if isinstance(tree, dict):
        return type(tree)((k, _map(fn, v)) for k, v in tree.items())
    return tree


class DataParallel(Module):
    """Data parallelism over this process's devices (``jax.local_devices()``; on CPU, the host devices that
    ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` creates).

    Inputs are split along ``dim``: a ``(B, ...)`` batch puts ``B / k`` rows on each of ``k`` devices, where
    ``k`` is the largest number of the chosen devices that divides every input's size along ``dim`` (a batch
    that no such ``k > 1`` divides runs on ``device_ids[0]`` alone). Outputs come back on ``output_device``.
    The wrapped module is ``.module``, so ``state_dict`` keys start with ``module.``.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        local = jax.local_devices()
        if device_ids is None:
            device_ids = list(range(len(local)))
        if not device_ids:
            raise RuntimeError("no available devices were found")
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_device_index(d) for d in device_ids]
        self.output_device = _device_index(output_device)
        for index in self.device_ids + [self.output_device]:
            if not 0 <= index < len(local):
                raise AssertionError("Invalid device id")
        self._devices = tuple(local[i] for i in self.device_ids)
        self._output = local[self.output_device]
        platform = self._devices[0].platform
        self.src_device_obj = _dev.device("cpu") if platform == "cpu" else _dev.device("cuda", self.device_ids[0])

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError("module must have its parameters and buffers on device "
                                   f"{self.src_device_obj} (device_ids[0]) but found one of them on device: "
                                   f"{t.device}")
        k = self._shard_count(_tensors((inputs, kwargs)))
        if k == 1:
            return self.module(*inputs, **kwargs)
        mesh = _mesh(self._devices[:k])
        spec = [None] * (self.dim + 1)
        spec[self.dim] = "batch"
        split = NamedSharding(mesh, PartitionSpec(*spec))
        replicated = NamedSharding(mesh, PartitionSpec())
        if _capture.is_tracing():
            return self._traced_forward(mesh, split, replicated, inputs, kwargs)
        inputs, kwargs = _map(lambda t: _Place.apply(t, split) if t.dim() > self.dim else _Place.apply(t, replicated),
                              (inputs, kwargs))
        with _Replicated(self.module, replicated):
            try:
                outputs = self.module(*inputs, **kwargs)
            except ValueError as e:
                if "incompatible devices" not in str(e):
                    raise
                raise RuntimeError("DataParallel: the module's forward combined its inputs with a tensor that is "
                                   "neither a parameter, a buffer nor an input (a new constant on one device); "
                                   "create it from the input (e.g. torch.zeros_like(x)) or register it as a "
                                   "buffer") from None
        return _map(self._gather, outputs)

    def _traced_forward(self, mesh: Mesh, split: NamedSharding, replicated: NamedSharding, inputs, kwargs):
        """Inside a compiled step: constrain the batch to be split and the outputs to be whole; parameters and
        buffers are the program's replicated inputs."""
        _capture.note_placement(_Layout(mesh, self._devices[0]))
        layout = _capture.active().placement
        layout.split.update({id(t): split for t in _tensors((inputs, kwargs)) if t.dim() > self.dim})
        inputs, kwargs = _map(lambda t: _Constrain.apply(t, split if t.dim() > self.dim else replicated),
                              (inputs, kwargs))
        return _map(lambda t: _Constrain.apply(t, replicated), self.module(*inputs, **kwargs))

    def _shard_count(self, tensors: list[Tensor]) -> int:
        """How many of the devices the batch is split over: the most that divide every input's batch size."""
        sizes = [t.shape[self.dim] for t in tensors if t.dim() > self.dim]
        if len(self._devices) == 1 or not sizes:
            return 1
        common = 0
        for n in sizes:
            common = gcd(common, n)
        return max(k for k in range(1, len(self._devices) + 1) if common % k == 0)

    def _gather(self, t: Tensor) -> Tensor:
        if t.dim() == 0:
            raise NotImplementedError("DataParallel on a module that returns 0-dim tensors (PyTorch gathers one "
                                      "value per replica) is not supported by jtorch yet")
        return _Place.apply(t, jax.sharding.SingleDeviceSharding(self._output))


class _Replicated:
    """Within the context, the module tree computes with copies of its parameters and buffers replicated on a
    mesh: parameters through a differentiable move (their gradients come back to the originals), buffers
    rebound in place and moved back afterwards (keeping any update the forward made, e.g. running stats)."""

    def __init__(self, module: Module, sharding: NamedSharding):
        self.module, self.sharding = module, sharding

    def __enter__(self):
        copies: dict = {}
        self.swapped = []
        for m in self.module.modules():
            for name, p in m._parameters.items():
                if p is None:
                    continue
                if id(p) not in copies:
                    copies[id(p)] = _Place.apply(p, self.sharding)
                self.swapped.append((m, name, p))
                m._parameters[name] = copies[id(p)]
        self.buffers = [(b, b._value.sharding) for b in self.module.buffers()]
        for b, _ in self.buffers:
            b._array = jax.device_put(b._value, self.sharding)
        return self

    def __exit__(self, *exc):
        for m, name, p in self.swapped:
            m._parameters[name] = p
        for b, home in self.buffers:
            b._array = jax.device_put(b._value, home)
