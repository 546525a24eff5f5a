"""The Tensor: a mutable box around an immutable ``jax.Array`` (or a JAX tracer).

In-place ops compute a new array and rebind the box. A view keeps its root base and the chain of pure
view functions that produced it; writing to the view scatters the new values into the base, and a view
whose base was written since re-derives its value on the next read. Base and views share one version
counter, which autograd checks for saved tensors that were modified in place.
"""
from __future__ import annotations

import copy as _copy
import numbers
import sys
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from . import _device as _dev
from . import _dtype as dt
from .autograd import grad_mode

# Hooks for jtorch.compile (and for DataLoader workers): called with each tensor whose array is read, and
# with each tensor created, while set.
_read_hook = None
_init_hook = None


class Size(tuple):
    """torch.Size: a tuple of ints with PyTorch's repr."""

    def __new__(cls, sizes=()):
        return super().__new__(cls, (int(s) for s in sizes))

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    def __getitem__(self, item):
        out = super().__getitem__(item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __reduce__(self):
        return (Size, (tuple(self),))


class _ViewInfo:
    __slots__ = ("base", "chain", "synced", "tracks_grad", "geometry")

    def __init__(self, base, chain: tuple, synced: int, tracks_grad: bool):
        self.base, self.chain, self.synced, self.tracks_grad = base, chain, synced, tracks_grad
        self.geometry = None  # (base shape, (size, stride, storage offset)) once computed


def apply_view_chain(array, *, chain: tuple):
    """Apply a chain of ``(view_fn, static_kwargs)`` to a base array."""
    for fn, static in chain:
        array = fn(array, **dict(static))
    return array


# view_fn -> writer(base, value, **static) giving the new base with the viewed region replaced.
VIEW_WRITERS: dict = {}

# view functions that may show one element of their input more than once (expand, overlapping windows): a
# write into a view of theirs goes straight to the storage positions it covers, leaving the other copies alone.
MANY_TO_ONE_VIEWS: set = set()

# view_fn -> rule(size, stride, offset, **static) giving the view's (size, stride, storage offset) in PyTorch's
# terms from those of the tensor it views.
VIEW_STRIDES: dict = {}


def contiguous_strides(shape: tuple) -> tuple:
    """PyTorch's strides of a row-major tensor of ``shape`` (a dim of size 0 counts as 1)."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _overlaps(size: tuple, stride: tuple) -> bool:
    """Whether two elements of a ``size``/``stride`` layout share a memory location."""
    dims = sorted((st, n) for n, st in zip(size, stride) if n > 1)
    if not dims or any(n == 0 for n in size):
        return False
    extent = 0
    for st, n in dims:
        if st <= extent:
            break
        extent += (n - 1) * st
    else:
        return False
    positions = sum(np.arange(n).reshape([-1 if i == d else 1 for i in range(len(size))]) * st
                    for d, (n, st) in enumerate(zip(size, stride)))
    return np.unique(np.broadcast_to(positions, size)).size < np.prod(size)


def write_view(base, value, *, chain: tuple):
    """The new base array after writing ``value`` into the region that ``chain`` views."""
    if not (jnp.iscomplexobj(value) and not jnp.iscomplexobj(base)):  # else a complex view of a real base
        value = value.astype(base.dtype)
    if not chain:
        return jnp.broadcast_to(value, base.shape)
    (fn, static), rest = chain[0], chain[1:]
    if rest and fn not in MANY_TO_ONE_VIEWS and (fn in VIEW_WRITERS or any(f in VIEW_WRITERS for f, _ in rest)):
        value = write_view(fn(base, **dict(static)), value, chain=rest)  # the first view, updated
        rest = ()
    if not rest and fn in VIEW_WRITERS:
        return VIEW_WRITERS[fn](base, value, **dict(static))
    positions = apply_view_chain(jnp.arange(base.size).reshape(base.shape), chain=((fn, static),) + rest)
    flat = base.reshape(-1).at[positions.reshape(-1)].set(jnp.broadcast_to(value, positions.shape).reshape(-1))
    return flat.reshape(base.shape)


_TORCH_TYPE_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
    "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble", "uint16": "UInt16", "uint32": "UInt32",
    "uint64": "UInt64",
}


def scalar_type_name(d: dt.dtype) -> str:
    """PyTorch's ScalarType name of a dtype ('Float', 'Long', ...), as used in its error messages."""
    return _TORCH_TYPE_NAMES.get(d.name, d.name)


class Tensor:
    """A multi-dimensional array with PyTorch's API, computed by JAX."""

    __slots__ = ("_array", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_version_counter", "_view",
                 "_backward_hooks", "_post_accumulate_hooks", "_accumulator_ref", "_retains_grad",
                 "_is_inference", "__dict__", "__weakref__")

    __array_priority__ = 1000

    # ------------------------------------------------------------------ construction
    def __init__(self, *args, device=None):
        # torch.Tensor(...) is the legacy constructor: a float tensor from data, or uninitialised sizes.
        from ._ops.creation import _legacy_tensor_array
        self._init(_legacy_tensor_array(args, device))

    def _init(self, array, requires_grad: bool = False) -> None:
        self._array = array
        self._requires_grad = requires_grad
        self._grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._version_counter = [0]
        self._view = None
        self._backward_hooks = {}
        self._post_accumulate_hooks = {}
        self._accumulator_ref = None
        self._retains_grad = False
        self._is_inference = grad_mode._state.inference
        if _init_hook is not None:
            _init_hook(self)

    @classmethod
    def _make(cls, array, requires_grad: bool = False) -> "Tensor":
        t = object.__new__(cls)
        t._init(array, requires_grad)
        return t

    # ------------------------------------------------------------------ the array inside
    @property
    def _value(self):
        view = self._view
        if view is not None and view.synced != self._version_counter[0]:
            self._sync_view()
        if _read_hook is not None:
            _read_hook(self)
        return self._array

    def _sync_view(self) -> None:
        view = self._view
        base = view.base
        if view.tracks_grad and base.requires_grad:
            from ._ops._dispatch import apply
            with grad_mode.enable_grad():
                fresh = apply(apply_view_chain, base, static=(("chain", view.chain),), name="AsStridedBackward0",
                              saves=False)
            self._array, self.grad_fn, self._output_nr = fresh._array, fresh.grad_fn, 0
        else:
            self._array = apply_view_chain(base._value, chain=view.chain)
        view.synced = self._version_counter[0]

    def _make_view(self, view_fn, static: tuple, array, grad_fn=None, *, of_storage: bool = False) -> "Tensor":
        """A view of this tensor: ``array == view_fn(self array, **static)``; the graph node is ``grad_fn``.
        With ``of_storage``, ``view_fn`` reads the storage (the root's array) whatever view of it this tensor is."""
        out = Tensor._make(array)
        out.grad_fn = grad_fn
        if self._view is not None:
            root, chain = self._view.base, self._view.chain + ((view_fn, static),)
            if of_storage:
                chain = ((view_fn, static),)
            tracks = self._view.tracks_grad
        else:
            root, chain, tracks = self, ((view_fn, static),), True
        out._version_counter = self._version_counter
        out._view = _ViewInfo(root, chain, self._version_counter[0], tracks)
        return out

    def _alias(self, tracks_grad: bool) -> "Tensor":
        """A tensor sharing this one's storage with no graph link (``detach()`` and ``.data``)."""
        out = Tensor._make(self._value)
        out._version_counter = self._version_counter
        if self._view is not None:
            out._view = _ViewInfo(self._view.base, self._view.chain, self._version_counter[0], tracks_grad)
        else:
            out._view = _ViewInfo(self, (), self._version_counter[0], tracks_grad)
        return out

    def _check_inplace_allowed(self) -> bool:
        """Raise PyTorch's error for an in-place op on a leaf that requires grad (or a view of one); the
        result tells whether autograd is recording."""
        recording = grad_mode._state.enabled
        if recording:
            if self.grad_fn is None and self._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            view = self._view
            if view is not None and view.tracks_grad and view.base.grad_fn is None and view.base._requires_grad:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
        return recording

    def _commit_restride(self, view: "Tensor") -> "Tensor":
        """Make this tensor become ``view``, a view of itself with another shape (``t_``, ``as_strided_``...):
        the storage is unchanged, the version moves on and the graph continues through the view's node. A
        tensor that is no view keeps its array aside as the storage it now views (with PyTorch's strides)."""
        recording = self._check_inplace_allowed()
        # the counter is referenced by self, by ``view`` and by getrefcount's argument: any more are live views
        if self._view is None and sys.getrefcount(self._version_counter) > 3:
            raise NotImplementedError(f"jtorch cannot change the shape of a tensor in place while views of it "
                                      f"(or tensors from .data/.detach()) are alive; shape {list(self.shape)}")
        old_version = self._version_counter[0]
        self._version_counter[0] += 1
        if self._view is None:
            storage = Tensor._make(self._array)
            storage.grad_fn, storage._output_nr = self.grad_fn, self._output_nr
            storage._version_counter = self._version_counter
            storage.__dict__["_storage_of"] = self
            self._view = _ViewInfo(storage, view._view.chain, self._version_counter[0], True)
        else:
            self._view = view._view
            self._view.synced = self._version_counter[0]
        self._array = view._array
        if recording and view.grad_fn is not None:
            _resave(view.grad_fn, self, old_version)
            self.grad_fn, self._output_nr = view.grad_fn, view._output_nr
        return self

    def _commit_inplace(self, result: "Tensor", *, uniform: bool = False) -> "Tensor":
        """Make this tensor hold ``result`` (an op's out-of-place value): the core of every in-place op.
        ``uniform``: every element gets the same value (``fill_``), so elements sharing memory agree."""
        recording = self._check_inplace_allowed()
        if not uniform:
            self._check_no_internal_overlap()
        if tuple(result.shape) != tuple(self.shape):
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(result.shape)}")
        if result.dtype is not self.dtype:
            if not dt.can_cast(result.dtype, self.dtype):
                raise RuntimeError(f"result type {scalar_type_name(result.dtype)} can't be cast to the desired "
                                   f"output type {scalar_type_name(self.dtype)}")
            result = result.to(self.dtype)
        view = self._view
        old_version = self._version_counter[0]
        new_nodes = [(result.grad_fn, self)]
        if view is not None:
            base = view.base
            if recording and view.tracks_grad and (result.requires_grad or base.requires_grad):
                from ._ops._dispatch import apply
                new_base = apply(write_view, base, result, static=(("chain", view.chain),), name="CopySlices",
                                 saves=False)
                base._array, base.grad_fn, base._output_nr = new_base._array, new_base.grad_fn, 0
                new_nodes.append((new_base.grad_fn, base))
            else:
                base._array = write_view(base._value, result._value, chain=view.chain)
            self._version_counter[0] += 1
            view.synced = self._version_counter[0]
        else:
            self._version_counter[0] += 1
        for node, written in new_nodes:
            _resave(node, written, old_version)
        self._array = result._array
        if recording and (result.grad_fn is not None or self.grad_fn is not None):
            self.grad_fn, self._output_nr = result.grad_fn, result._output_nr
        return self

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        return Size(self._value.shape)

    def size(self, dim: int | None = None):
        """The shape as a ``torch.Size``, or the length of dimension ``dim``."""
        shape = self._value.shape
        if dim is None:
            return Size(shape)
        return shape[_wrap_dim(dim, len(shape))]

    def dim(self) -> int:
        return self._value.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def numel(self) -> int:
        return int(np.prod(self._value.shape, dtype=np.int64))

    nelement = numel

    @property
    def dtype(self) -> dt.dtype:
        return dt.from_numpy_dtype(self._value.dtype)

    @property
    def device(self) -> _dev.device:
        arr = self._value
        try:
            devices = arr.devices()
        except Exception:  # a tracer has no concrete device
            return _dev.get_default_device()
        return _dev.from_jax_device(next(iter(devices)))

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    is_sparse = False
    is_quantized = False
    is_meta = False
    is_xpu = False
    is_mps = False
    is_mkldnn = False
    is_nested = False
    layout = "torch.strided"

    def element_size(self) -> int:
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the elements (``numel() * itemsize``)."""
        return self.numel() * self.dtype.itemsize

    def share_memory_(self) -> "Tensor":
        """``self``, marked shared: jtorch's DataLoader workers never receive tensors, so nothing moves."""
        self.__dict__["_shared"] = True
        return self

    def is_shared(self) -> bool:
        return self.__dict__.get("_shared", False)

    def pin_memory(self, device=None) -> "Tensor":
        """``self`` where a GPU exists (JAX stages host transfers itself); PyTorch's error without one."""
        if not _dev.cuda_is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self

    def is_pinned(self, device=None) -> bool:
        """False: jtorch holds no page-locked host copies."""
        return False

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def _geometry(self) -> tuple:
        """``(size, stride, storage_offset)`` as PyTorch reports them; a tensor that is no view is row-major."""
        view = self._view
        if view is None or not view.chain:
            shape = tuple(self._value.shape)
            return shape, contiguous_strides(shape), 0
        base_shape = tuple(view.base._array.shape)
        if view.geometry is None or view.geometry[0] != base_shape:
            geometry = (base_shape, contiguous_strides(base_shape), 0)
            for fn, static in view.chain:
                if fn not in VIEW_STRIDES:
                    raise NotImplementedError(f"jtorch does not know the strides of a view made by {fn.__name__}")
                geometry = VIEW_STRIDES[fn](*geometry, **dict(static))
            view.geometry = (base_shape, geometry)
        return view.geometry[1]

    def stride(self, dim: int | None = None):
        """The step in storage elements between neighbours along each dim (a tuple), or along ``dim``."""
        stride = self._geometry()[1]
        return stride if dim is None else stride[_wrap_dim(dim, len(stride))]

    def storage_offset(self) -> int:
        """The storage index of the first element."""
        return self._geometry()[2]

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements lie in storage in row-major order (or ``memory_format``'s order) with no gaps."""
        size, stride, _ = self._geometry()
        order = tuple(reversed(range(len(size))))
        if memory_format in ("torch.channels_last", "torch.channels_last_3d"):
            if len(size) != (4 if memory_format == "torch.channels_last" else 5):
                return False
            order = (1,) + tuple(reversed(range(2, len(size)))) + (0,)
        if any(n == 0 for n in size):
            return True
        expected = 1
        for d in order:
            if size[d] != 1:
                if stride[d] != expected:
                    return False
                expected *= size[d]
        return True

    def _overlapping(self) -> bool:
        """Whether elements of this tensor share memory locations (a view with a stride 0 or overlapping windows)."""
        view = self._view
        return view is not None and bool(view.chain) and _overlaps(*self._geometry()[:2])

    def _check_no_internal_overlap(self) -> None:
        """PyTorch's error for a write into a tensor with a dim of stride 0 (an expanded view); elements that
        share memory otherwise get PyTorch's undefined result, which jtorch refuses."""
        if not self._overlapping():
            return
        size, stride, _ = self._geometry()
        if any(st == 0 and n > 1 for n, st in zip(size, stride)):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        raise NotImplementedError(f"jtorch cannot write in place into a view whose elements overlap in memory "
                                  f"(sizes {list(size)}, strides {list(stride)}): PyTorch leaves the result "
                                  f"undefined; clone() it first")

    def is_inference(self) -> bool:
        return self._is_inference

    def get_device(self) -> int:
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    def data_ptr(self) -> int:
        return id(self._view.base if self._view is not None else self)

    def untyped_storage(self):
        raise NotImplementedError("jtorch tensors have no raw storage: Tensor.untyped_storage() is not supported")

    def _is_view(self) -> bool:
        return self._view is not None and bool(self._view.chain) and self._base is not None

    @property
    def _base(self):
        """The tensor whose storage this view shares: for the storage that an in-place restride kept aside, the
        restrided tensor (None for that tensor itself)."""
        view = self._view
        if view is None or not view.chain:
            return None
        base = view.base.__dict__.get("_storage_of", view.base)
        return None if base is self else base

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad or self.grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use "
                                   "a computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return
        if value and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad:
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                          "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                          "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.",
                          UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    def _reset_grad(self, set_to_none: bool) -> None:
        """What ``zero_grad`` does to one tensor: drop its ``.grad``, or zero it in place, cut from any graph."""
        g = self.grad
        if g is None:
            return
        if set_to_none:
            self.grad = None
            return
        if g.grad_fn is not None:
            g.detach_()
        else:
            g.requires_grad_(False)
        g.zero_()

    @property
    def output_nr(self) -> int:
        return self._output_nr

    def _grad_accumulator(self):
        from .autograd.graph import _GradAccumulatorCache
        return _GradAccumulatorCache.get(self)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def store(grad):
            t = ref()
            if t is not None:
                g = grad if grad_mode.is_grad_enabled() else grad.detach()
                t._grad = g if t._grad is None else t._grad + g
        self._add_grad_hook(store)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def _add_grad_hook(self, hook):
        from .utils.hooks import RemovableHandle
        if self.grad_fn is None:
            return RemovableHandle.add(self._backward_hooks, hook)
        hooks = self.grad_fn._tensor_pre_hooks.setdefault(self._output_nr, {})
        return RemovableHandle.add(hooks, hook)

    def register_hook(self, hook):
        """``hook(grad) -> Tensor | None`` runs whenever the gradient for this tensor is computed."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        return self._add_grad_hook(hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after the gradient was accumulated into this leaf's ``.grad``."""
        from .utils.hooks import RemovableHandle
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return RemovableHandle.add(self._post_accumulate_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        from .autograd import backward
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A tensor sharing this one's data, cut from the graph."""
        return self._alias(tracks_grad=False)

    def detach_(self) -> "Tensor":
        if self._is_view():
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> "Tensor":
        return self._alias(tracks_grad=False)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._array = value._value
        if self._view is not None and self._view.base.__dict__.get("_storage_of") is not None:
            self._view = None  # the storage that an in-place restride kept aside is replaced
        if self._view is not None:
            self._view.synced = self._version_counter[0]

    # ------------------------------------------------------------------ leaving the box
    def item(self):
        """The value of a one-element tensor as a Python number."""
        arr = self._value
        if arr.size != 1:
            raise RuntimeError(f"a Tensor with {arr.size} elements cannot be converted to Scalar")
        return _host(arr).reshape(()).item() if not _is_low_float(arr.dtype) else float(_host(arr).reshape(()))

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        arr = _host(self._value)
        if _is_low_float(arr.dtype):
            arr = arr.astype(np.float32)
        return arr.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """A numpy copy of the data (jtorch cannot share memory with numpy: JAX arrays are immutable)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return np.array(_host(self._value))

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(_host(self._value))
        return arr.astype(dtype) if dtype is not None else arr

    def __jax_array__(self):
        return self._value

    def jax(self) -> jax.Array:
        """The ``jax.Array`` this tensor holds (no copy; a tracer inside a JAX transform); ``jtorch.from_jax``
        boxes one."""
        return self._value

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self._scalar_for("float"))

    def __int__(self) -> int:
        return int(self._scalar_for("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar_for("complex"))

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.dtype.is_complex or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def _scalar_for(self, kind: str):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self.item()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._value.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, element) -> bool:
        if not isinstance(element, (Tensor, numbers.Number)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                               f"{type(element)}.")
        return bool((self == element).any().item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec) if spec else self.__repr__()

    # ------------------------------------------------------------------ copying and pickling
    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = type(self).__new__(type(self))
        Tensor._init(new, self._value, self._requires_grad)
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = _copy.deepcopy(self._grad, memo)
        new.__dict__.update(_copy.deepcopy(self.__dict__, memo))
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor, (type(self), np.asarray(_host(self._value)), self.dtype.name,
                                  self._requires_grad, dict(self.__dict__)))

    def __setstate__(self, state):  # pragma: no cover - pickles use _rebuild_tensor
        self.__dict__.update(state)


def _resave(node, written: "Tensor", old_version: int) -> None:
    """An in-place op's own node saved the written tensor's pre-write array (immutable), so that write does
    not invalidate it: move its saved version on. Other aliases it saved stay checked, as in PyTorch."""
    saved = getattr(node, "saved", None)
    if saved:
        node.saved = tuple((t, t._version_counter[0] if t is written and v == old_version else v)
                           for t, v in saved)


def _rebuild_tensor(cls, array, dtype_name, requires_grad, attrs):
    from ._ops.creation import _to_device_array
    t = cls.__new__(cls)
    Tensor._init(t, _to_device_array(np.asarray(array, dtype=dt._BY_NAME[dtype_name].np_dtype), None),
                 requires_grad)
    t.__dict__.update(attrs)
    return t


def _host(arr):
    """The array as numpy; PyTorch's kind of error for a value that only exists inside a trace."""
    try:
        return np.asarray(arr)
    except jax.errors.TracerArrayConversionError:
        from ._compile.errors import raise_host_read_in_trace
        raise_host_read_in_trace()


def _is_low_float(np_dtype) -> bool:
    return np_dtype in (jnp.bfloat16, jnp.float8_e4m3fn, jnp.float8_e5m2)


def _wrap_dim(dim: int, ndim: int) -> int:
    """PyTorch's dim wrapping: negative dims count from the end; IndexError when out of range."""
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})")
    return dim + size if dim < 0 else dim
