"""DistributedDataParallel: one model replica per process, gradients averaged across processes in backward.

Inside a ``jtorch.compile``'d step the step is one SPMD program over the processes (the process group's mesh is
its placement): the bucket all-reduces and buffer broadcasts become XLA collectives inside that program.
"""
from __future__ import annotations

import contextlib
from functools import partial
from typing import Any, Iterator

import jax
import jax.numpy as jnp

from ..._compile import capture
from ..._tensor import Tensor
from ...autograd import grad_mode
from ...autograd.graph import queue_callback
from ...distributed import _collectives
from ...distributed import distributed_c10d as c10d
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_DEFAULT_BUCKET_CAP_MB = 25

_UNFINISHED_REDUCTION = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs participate "
    "in calculating loss.")


@jax.jit
def _flatten(arrays: tuple):
    return jnp.concatenate([a.ravel() for a in arrays])


@partial(jax.jit, static_argnums=(1,))
def _unflatten(flat, shapes: tuple) -> tuple:
    out, start = [], 0
    for shape in shapes:
        size = 1
        for n in shape:
            size *= n
        out.append(flat[start:start + size].reshape(shape))
        start += size
    return tuple(out)


def broadcast_coalesced(mesh: _collectives.ProcessMesh, tensors: list[Tensor], src: int = 0) -> None:
    """Overwrite ``tensors`` in place with rank ``src``'s values: one broadcast per dtype."""
    by_dtype: dict = {}
    for t in tensors:
        by_dtype.setdefault(t.dtype, []).append(t)
    with grad_mode.no_grad():
        for group in by_dtype.values():
            flat = _collectives.broadcast(mesh, _flatten(tuple(t._value for t in group)), src)
            for t, piece in zip(group, _unflatten(flat, tuple(tuple(t.shape) for t in group))):
                t._commit_inplace(Tensor._make(_collectives.place_like(piece, t._value)))


class _Bucket:
    """Parameters whose gradients are averaged together, by one collective over their flattened gradients."""

    def __init__(self, params: list[Tensor]):
        self.params = params
        self.shapes = tuple(tuple(p.shape) for p in params)
        self.ready: set[int] = set()
        self.reduced = False


class DistributedDataParallel(Module):
    """Wraps ``module`` for data-parallel training over the processes of the default group.

    At construction rank 0's parameters and buffers are copied to every rank. In backward, gradients are
    averaged across ranks bucket by bucket (one all-reduce over a bucket's flattened gradients, as soon as all
    of its gradients are accumulated); inside ``no_sync()`` they only accumulate locally. Buffers are
    re-broadcast from rank 0 before each forward when ``broadcast_buffers``. ``module`` is at ``.module``
    (so ``state_dict`` keys start with ``module.``).
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None, mixed_precision=None,
                 device_mesh=None, skip_all_reduce_unused_params: bool = False):
        super().__init__()
        if mixed_precision is not None or device_mesh is not None or delay_all_reduce_named_params is not None:
            raise NotImplementedError("DistributedDataParallel's mixed_precision, device_mesh and "
                                      "delay_all_reduce_named_params are not supported by jtorch yet")
        self.process_group = c10d._group(process_group)
        ignored = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        params = [p for n, p in module.named_parameters() if n not in ignored]
        if not any(p.requires_grad for p in params):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        devices = {p.device for p in params}
        if (device_ids or output_device is not None) and {d.type for d in devices} == {"cpu"}:
            raise ValueError("DistributedDataParallel device_ids and output_device arguments only work with "
                             "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
        self.module = module
        self.device_ids = list(device_ids) if device_ids else None
        self.output_device = output_device if self.device_ids else None
        self.dim = dim
        self.device = params[0].device
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self._buffers_to_sync = [b for n, b in module.named_buffers() if n not in ignored]
        self._verify_same_model(params)
        if init_sync:
            broadcast_coalesced(self.process_group.mesh, params + self._buffers_to_sync)
        cap = (_DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024
        self._buckets = self._make_buckets([p for p in params if p.requires_grad], cap)
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._expect_sync = False
        self._callback_queued = False
        self._unfinished = False
        for p in params:
            if p.requires_grad:
                p.register_post_accumulate_grad_hook(self._grad_ready)

    def _verify_same_model(self, params: list[Tensor]) -> None:
        pg = self.process_group
        mine = ";".join(f"{list(p.shape)}:{p.dtype}" for p in params)
        for r, theirs in enumerate(pg.exchange(mine.encode())):
            theirs = theirs.decode()
            if theirs != mine:
                count = len(theirs.split(";")) if theirs else 0
                if count != len(params):
                    raise RuntimeError(f"DDP expects same model across all ranks, but Rank {pg.rank()} has "
                                       f"{len(params)} params, while rank {r} has inconsistent {count} params.")
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {pg.rank()} has parameters "
                                   f"[{mine}] while rank {r} has [{theirs}].")

    @staticmethod
    def _make_buckets(params: list[Tensor], cap_bytes: float) -> list[_Bucket]:
        """Buckets of at most ``cap_bytes`` of one dtype, filled in reverse parameter order (the order in which
        backward usually produces gradients)."""
        buckets, open_ = [], {}
        for p in reversed(params):
            key = (p.dtype, p.device)
            current, size = open_.get(key, ([], 0))
            if current and size + p.numel() * p.element_size() > cap_bytes:
                buckets.append(current)
                current, size = [], 0
            current.append(p)
            open_[key] = (current, size + p.numel() * p.element_size())
        buckets.extend(group for group, _ in open_.values())
        return [_Bucket(b) for b in buckets]

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._unfinished:
            raise RuntimeError(_UNFINISHED_REDUCTION)
        if capture.is_tracing() and self.find_unused_parameters:
            raise NotImplementedError("DistributedDataParallel(find_unused_parameters=True) inside a jtorch.compile'd "
                                      "step is not supported yet (which parameters got no gradient on any rank is "
                                      "only known at run time); run that step eagerly")
        capture.note_placement(self.process_group.mesh)
        # a compiled step's trace abandoned halfway through a backward leaves its bookkeeping behind
        self._callback_queued = False
        for bucket in self._buckets:
            bucket.ready.clear()
            bucket.reduced = False
        if self.broadcast_buffers and self._buffers_to_sync and self.require_forward_param_sync:
            broadcast_coalesced(self.process_group.mesh, self._buffers_to_sync)
        self._expect_sync = grad_mode.is_grad_enabled() and self.require_backward_grad_sync
        if self.device_ids:
            inputs = tuple(x.to(self.device) if isinstance(x, Tensor) else x for x in inputs)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes of forwards run inside this context only accumulate gradients locally; the first
        backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ------------------------------------------------------------------ backward
    def _grad_ready(self, param: Tensor) -> None:
        if not self._expect_sync:
            return
        if not self._callback_queued:
            queue_callback(self._finish_backward)
            self._callback_queued = True
        bucket = self._bucket_of[id(param)]
        bucket.ready.add(id(param))
        # with unused parameters possible, every bucket is reduced at the end, in the same order on every rank
        if not self.find_unused_parameters and len(bucket.ready) == len(bucket.params):
            self._reduce(bucket)

    def _reduce(self, bucket: _Bucket) -> None:
        grads = tuple(p.grad._value for p in bucket.params)
        flat = _collectives.all_reduce(self.process_group.mesh, _flatten(grads), "avg")
        for p, piece in zip(bucket.params, _unflatten(flat, bucket.shapes)):
            p.grad._commit_inplace(Tensor._make(_collectives.place_like(piece, p.grad._value)))
        bucket.reduced = True

    def _reduce_with_unused(self, bucket: _Bucket) -> None:
        """Average a bucket where some ranks may have no gradient for some parameters (counted as zeros); a
        parameter no rank used keeps ``grad`` as it was."""
        used = [id(p) in bucket.ready and p.grad is not None for p in bucket.params]
        parts = tuple(p.grad._value if u else jnp.zeros(p.shape, p.dtype.np_dtype) for p, u in zip(bucket.params, used))
        dtype = parts[0].dtype
        flags = jnp.asarray(used, dtype)
        flat = _collectives.all_reduce(self.process_group.mesh, _flatten(parts + (flags,)), "avg")
        pieces = _unflatten(flat, bucket.shapes + ((len(used),),))
        used_anywhere = jax.device_get(pieces[-1]) > 0
        for p, piece, anywhere in zip(bucket.params, pieces, used_anywhere):
            if not anywhere:
                continue
            piece = _collectives.place_like(piece, p._value)
            if p.grad is None:
                p.grad = Tensor._make(piece)
            else:
                p.grad._commit_inplace(Tensor._make(piece))

    def _finish_backward(self) -> None:
        self._callback_queued = False
        self._expect_sync = False
        for bucket in self._buckets:
            if not bucket.reduced:
                if self.find_unused_parameters:
                    self._reduce_with_unused(bucket)
                else:
                    self._unfinished = True
            bucket.ready.clear()
            bucket.reduced = False
