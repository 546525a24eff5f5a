"""torch.save / torch.load in PyTorch's own zip format, both ways, safe by default.

A file is a zip archive ``<name>/data.pkl`` (a protocol-2 pickle whose tensors refer to storages by
persistent id) plus one raw little-endian record ``<name>/data/<key>`` per storage. Tensors that share a
base (views) share a storage, with PyTorch's offset and strides. ``load`` admits, by default, only tensors,
containers and plain data (PyTorch's ``weights_only=True``): any other global in the pickle raises
``pickle.UnpicklingError`` and nothing from the file is run.
"""
from __future__ import annotations

import collections
import io
import os
import pickle
import sys
import tempfile
import uuid
import zipfile
from typing import Any

import numpy as np

from . import _device as _dev
from . import _dtype as dt
from ._tensor import Size, Tensor, _ViewInfo, apply_view_chain, contiguous_strides

DEFAULT_PROTOCOL = 2

_STORAGE_NAMES = {
    "float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage", "int64": "LongStorage",
    "int32": "IntStorage", "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage",
    "bool": "BoolStorage", "bfloat16": "BFloat16Storage", "complex128": "ComplexDoubleStorage",
    "complex64": "ComplexFloatStorage",
}
_STORAGE_DTYPES = {name: dt._BY_NAME[d] for d, name in _STORAGE_NAMES.items()}


class _Global:
    """A reference to a name in PyTorch's namespace, written into the pickle as a GLOBAL."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name

    def __call__(self, *args):  # the pickler only accepts callables as reduce functions; never called
        raise TypeError(f"{self.module}.{self.name} is a reference for the file format, not a function")


class _StorageRef:
    """One storage being written: the flat array and the dtype it holds."""

    __slots__ = ("key", "array", "dtype")

    def __init__(self, key: str, array: np.ndarray, dtype: dt.dtype):
        self.key, self.array, self.dtype = key, array, dtype


# ------------------------------------------------------------------ saving
def _strided_layout(chain: tuple, base_shape: tuple):
    """``(offset, strides)`` in elements if the view ``chain`` of a base is a strided window, else None."""
    positions = np.asarray(apply_view_chain(np.arange(int(np.prod(base_shape, dtype=np.int64))).reshape(base_shape),
                                            chain=chain))
    if positions.size == 0:
        return 0, tuple(0 for _ in positions.shape)
    offset = int(positions.reshape(-1)[0])
    strides = []
    for axis, n in enumerate(positions.shape):
        if n > 1:
            strides.append(int(np.take(positions, 1, axis=axis).reshape(-1)[0]) - offset)
        else:
            strides.append(0)
    grid = offset + sum(np.arange(n).reshape([-1 if i == a else 1 for i in range(positions.ndim)]) * s
                        for a, (n, s) in enumerate(zip(positions.shape, strides)))
    if not np.array_equal(np.broadcast_to(grid, positions.shape), positions):
        return None
    return offset, tuple(strides)


class _TorchPickler(pickle._Pickler):
    """Writes jtorch objects as the globals and persistent ids PyTorch's unpickler expects."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, storages: dict):
        super().__init__(file, protocol=DEFAULT_PROTOCOL)
        self._storages = storages  # id(root) -> _StorageRef, in key order

    def _save_global_ref(self, obj: _Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = _save_global_ref

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            name = _STORAGE_NAMES.get(obj.dtype.name)
            storage_type = _Global("torch", name) if name else _Global("torch.storage", "UntypedStorage")
            numel = obj.array.size if name else obj.array.nbytes
            return ("storage", storage_type, obj.key, "cpu", numel)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, _dev.device):
            return (_Global("torch", "device"), (str(obj),))
        if isinstance(obj, Size):
            return (_Global("torch", "Size"), (tuple(obj),))
        return NotImplemented

    def _storage_for(self, tensor: Tensor):
        view = tensor._view
        if view is not None and view.chain:
            root = view.base
            layout = _strided_layout(view.chain, tuple(root.shape))
            if layout is None:  # not a strided window of its base: saved on its own
                root, layout = tensor, (0, contiguous_strides(tuple(tensor.shape)))
        else:
            root = view.base if view is not None else tensor
            layout = (0, contiguous_strides(tuple(tensor.shape)))
        ref = self._storages.get(id(root))
        if ref is None:
            array = np.ascontiguousarray(np.asarray(root._value)).reshape(-1)
            ref = self._storages[id(root)] = _StorageRef(str(len(self._storages)), array, root.dtype)
        return ref, layout

    def _reduce_tensor(self, tensor: Tensor):
        from .nn.parameter import Parameter
        ref, (offset, strides) = self._storage_for(tensor)
        size = tuple(tensor.shape)
        requires_grad = tensor.requires_grad if tensor.is_leaf else False
        hooks = collections.OrderedDict()
        if ref.dtype.name in _STORAGE_NAMES:
            rebuilt = (_Global("torch._utils", "_rebuild_tensor_v2"),
                       (ref, offset, size, strides, requires_grad and not isinstance(tensor, Parameter), hooks))
        else:
            rebuilt = (_Global("torch._utils", "_rebuild_tensor_v3"),
                       (ref, offset * ref.dtype.itemsize, size, strides,
                        requires_grad and not isinstance(tensor, Parameter), hooks, tensor.dtype))
        if isinstance(tensor, Parameter):
            return (_Global("torch._utils", "_rebuild_parameter"), (_Rebuilt(rebuilt), tensor.requires_grad, hooks))
        return rebuilt


class _Rebuilt:
    """A nested reduce (the tensor inside a Parameter's rebuild call)."""

    __slots__ = ("reduce",)

    def __init__(self, reduce):
        self.reduce = reduce


def _save_nested(pickler: _TorchPickler, obj: _Rebuilt) -> None:
    func, args = obj.reduce
    pickler.save_reduce(func, args, obj=obj)


_TorchPickler.dispatch[_Rebuilt] = _save_nested


def _dtype_reduce(pickler: _TorchPickler, obj: dt.dtype) -> None:
    pickler._save_global_ref(_Global("torch", obj.name))


_TorchPickler.dispatch[dt.dtype] = _dtype_reduce


def _archive_name(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        return stem or "archive"
    return "archive"


def _write_archive(obj, file, archive: str) -> None:
    storages: dict = {}
    buf = io.BytesIO()
    pickler = _TorchPickler(buf, storages)
    pickler.dump(obj)
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(f"{archive}/data.pkl", buf.getvalue())
        zf.writestr(f"{archive}/.format_version", "1")
        zf.writestr(f"{archive}/.storage_alignment", "64")
        zf.writestr(f"{archive}/byteorder", sys.byteorder)
        for ref in storages.values():
            data = ref.array.astype(ref.array.dtype.newbyteorder("<"), copy=False).tobytes()
            zf.writestr(f"{archive}/data/{ref.key}", data)
        zf.writestr(f"{archive}/version", "3\n")
        zf.writestr(f"{archive}/.data/serialization_id", uuid.uuid4().hex.ljust(40, "0")[:40])


def save(obj: Any, f, pickle_module=None, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (tensors, Parameters, containers, numbers, strings) in PyTorch's file format.

    ``f`` is a path, an ``os.PathLike`` or a writable binary file object. Saving to a path is atomic: the
    archive is written beside it and renamed into place, so a failed save leaves the old file intact.
    """
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("jtorch.save writes only the zip-based format (_use_new_zipfile_serialization=True)")
    archive = _archive_name(f)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".jtorch-save-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as out:
                _write_archive(obj, out, archive)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
    _write_archive(obj, f, archive)


# ------------------------------------------------------------------ loading
class _LoadedStorage:
    __slots__ = ("array", "dtype", "location", "users")

    def __init__(self, array: np.ndarray, dtype: dt.dtype, location: str):
        self.array, self.dtype, self.location = array, dtype, location
        self.users: list = []


class _UntypedMarker:
    pass


def _rebuild_tensor_v2(storage: _LoadedStorage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    return _rebuild(storage, int(storage_offset), tuple(size), tuple(stride), requires_grad, storage.dtype)


def _rebuild_tensor_v3(storage: _LoadedStorage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    if storage.dtype is None:  # untyped: bytes reinterpreted as ``dtype``
        storage.array = storage.array.view(dt.to_jax_dtype(dtype))
        storage.dtype = dtype
    return _rebuild(storage, int(storage_offset) // dtype.itemsize, tuple(size), tuple(stride), requires_grad,
                    dtype)


def _rebuild(storage: _LoadedStorage, offset: int, size: tuple, stride: tuple, requires_grad: bool, dtype):
    flat = storage.array
    needed = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else offset
    if all(size) and needed > flat.size:
        raise RuntimeError(f"storage has wrong size: expected at least {needed} elements, got {flat.size}")
    window = np.lib.stride_tricks.as_strided(flat[offset:], shape=size,
                                             strides=tuple(s * flat.itemsize for s in stride)) if all(size) else \
        np.zeros(size, flat.dtype)
    t = Tensor._make(_placed(np.array(window), storage.location))
    if requires_grad:
        t.requires_grad_(True)
    storage.users.append((t, offset, size, stride))
    return t


_map_location: Any = None


def _placed(array: np.ndarray, location: str):
    from ._ops.creation import _to_device_array
    return _to_device_array(array, _resolve_location(location))


def _resolve_location(location: str):
    ml = _map_location
    if callable(ml) and not isinstance(ml, (str, _dev.device)):
        result = ml(_LocationProbe(), location)
        location = result if isinstance(result, str) else location if isinstance(result, _LocationProbe) else str(result)
    elif isinstance(ml, dict):
        location = ml.get(location, location)
    elif ml is not None:
        location = str(ml)
    d = _dev.device(location)
    if d.type == "cuda" and not _dev.cuda_is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                           "False. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    return d


class _LocationProbe:
    """Stands for a storage when ``map_location`` is a callable ``(storage, location) -> storage``."""

    def cpu(self):
        return "cpu"

    def cuda(self, device=None):
        return "cuda" if device is None else f"cuda:{device}"


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks=None):
    from .nn.parameter import Parameter
    p = Parameter(data, requires_grad)
    for storage_users in _current_storages.values():
        for i, (t, *layout) in enumerate(storage_users.users):
            if t is data:
                storage_users.users[i] = (p, *layout)
    return p


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    p.__dict__.update(state or {})
    return p


_current_storages: dict = {}

_SAFE_BUILTINS = {"set": set, "frozenset": frozenset, "complex": complex, "slice": slice, "bytearray": bytearray,
                  "range": range}
_user_safe_globals: dict = {}


def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes/functions in ``load(weights_only=True)`` (each may be ``(obj, "module.name")``)."""
    for g in safe_globals:
        if isinstance(g, tuple):
            obj, name = g
            module, _, attr = name.rpartition(".")
        else:
            obj, module, attr = g, g.__module__, g.__qualname__
        _user_safe_globals[(module, attr)] = obj


def get_safe_globals() -> list:
    return list(_user_safe_globals.values())


def clear_safe_globals() -> None:
    _user_safe_globals.clear()


class safe_globals:
    """Context manager: ``add_safe_globals(safe_globals)`` inside the block, the previous allow-list after it."""

    def __init__(self, safe_globals: list) -> None:
        self.safe_globals, self.previous = safe_globals, None

    def __enter__(self) -> None:
        self.previous = dict(_user_safe_globals)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc) -> None:
        _user_safe_globals.clear()
        _user_safe_globals.update(self.previous)


def _torch_global(module: str, name: str):
    """The jtorch object behind a global of PyTorch's that a weights-only file may name, or None."""
    import codecs
    if (module, name) == ("collections", "OrderedDict"):
        return collections.OrderedDict
    if module == "torch._utils":
        return {"_rebuild_tensor_v2": _rebuild_tensor_v2, "_rebuild_tensor_v3": _rebuild_tensor_v3,
                "_rebuild_parameter": _rebuild_parameter,
                "_rebuild_parameter_with_state": _rebuild_parameter_with_state}.get(name)
    if module == "torch":
        if name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        if name in dt._BY_NAME:
            return dt._BY_NAME[name]
        return {"device": _dev.device, "Size": Size}.get(name)
    if (module, name) == ("torch.storage", "UntypedStorage"):
        return _UntypedMarker
    if module in ("builtins", "__builtin__"):  # protocol-2 pickles use Python 2's name
        return _SAFE_BUILTINS.get(name)
    if (module, name) == ("_codecs", "encode"):
        return codecs.encode
    return None


class _TorchUnpickler(pickle.Unpickler):
    def __init__(self, file, zf: zipfile.ZipFile, prefix: str, weights_only: bool):
        super().__init__(file)
        self._zf, self._prefix, self._weights_only = zf, prefix, weights_only
        self._loaded: dict = {}

    def find_class(self, module: str, name: str):
        found = _torch_global(module, name)
        if found is not None:
            return found
        if (module, name) in _user_safe_globals:
            return _user_safe_globals[(module, name)]
        if self._weights_only:
            raise pickle.UnpicklingError(
                "Weights only load failed. In jtorch, `weights_only` defaults to True, which admits only tensors, "
                f"containers and plain data.\nUnsupported global: GLOBAL {module}.{name} was not an allowed global "
                "by default. Use `jtorch.serialization.add_safe_globals([...])` to allow it if you trust the file, "
                "or `weights_only=False` (which can run arbitrary code from the file).")
        if module == "torch" or module.startswith("torch."):
            import importlib
            target = importlib.import_module("jtorch" + module[len("torch"):])
            return getattr(target, name)
        return super().find_class(module, name)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        _, storage_type, key, location, numel = pid[:5]
        if key in self._loaded:
            return self._loaded[key]
        try:
            raw = self._zf.read(f"{self._prefix}data/{key}")
        except KeyError:
            raise RuntimeError(f"PytorchStreamReader failed locating file data/{key}: file not found") from None
        if storage_type is _UntypedMarker:
            storage = _LoadedStorage(np.frombuffer(raw, np.uint8).copy(), None, location)
        else:
            d = storage_type
            array = np.frombuffer(raw, dtype=np.dtype(dt.to_jax_dtype(d)).newbyteorder("<")).astype(
                dt.to_jax_dtype(d))
            storage = _LoadedStorage(array, d, location)
        self._loaded[key] = storage
        _current_storages[key] = storage
        return storage


def _share_storages(storages: dict) -> None:
    """Tensors that share a storage in the file become views of one base, as in PyTorch."""
    from ._ops.shape import _as_strided
    for storage in storages.values():
        if len(storage.users) < 2:
            continue
        root = Tensor._make(_placed(storage.array, storage.location))
        for t, offset, size, stride in storage.users:
            chain = ((_as_strided, (("size", size), ("stride", stride), ("offset", offset))),)
            t._version_counter = root._version_counter
            t._view = _ViewInfo(root, chain, root._version_counter[0], False)


def _open_zip(f) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(f)
    except zipfile.BadZipFile:
        if hasattr(f, "seek"):
            f.seek(0)
            head = f.read(2)
            f.seek(0)
        else:
            with open(f, "rb") as fh:
                head = fh.read(2)
        if head == b"\x80\x02":
            raise RuntimeError("This file is in PyTorch's legacy (pre-1.6) serialization format, which jtorch does "
                               "not read. Re-save it with a current PyTorch.") from None
        raise RuntimeError("PytorchStreamReader failed reading zip archive: failed finding central directory "
                           "(the file is not a PyTorch archive, or it is truncated)") from None


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args) -> Any:
    """Load an object saved by ``torch.save`` or ``jtorch.save``.

    ``weights_only=True`` (the default) admits only tensors, containers and plain data; ``weights_only=False``
    unpickles arbitrary objects and can run code from the file: use it only for files you trust.
    ``map_location``: None (where saved), a device or string, a dict from saved to target location,
    or a callable ``(storage, location)``.
    """
    global _map_location
    if weights_only is None:
        weights_only = True
    if isinstance(f, (str, os.PathLike)) and not os.path.exists(os.fspath(f)):
        raise FileNotFoundError(f"[Errno 2] No such file or directory: '{os.fspath(f)}'")
    zf = _open_zip(f)
    with zf:
        names = zf.namelist()
        pkl = next((n for n in names if n.endswith("data.pkl") and n.count("/") == 1), None)
        if pkl is None:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found")
        prefix = pkl[: -len("data.pkl")]
        try:
            data = zf.read(pkl)
        except (zipfile.BadZipFile, EOFError, OSError) as e:
            raise RuntimeError(f"PytorchStreamReader failed reading file data.pkl: {e}") from None
        _map_location = map_location
        _current_storages.clear()
        try:
            unpickler = _TorchUnpickler(io.BytesIO(data), zf, prefix, weights_only)
            try:
                result = unpickler.load()
            except (pickle.UnpicklingError, RuntimeError, FileNotFoundError):
                raise
            except Exception as e:
                if weights_only:
                    raise pickle.UnpicklingError(f"Weights only load failed: {type(e).__name__}: {e}") from e
                raise
            _share_storages(dict(_current_storages))
        finally:
            _map_location = None
            _current_storages.clear()
    return result
