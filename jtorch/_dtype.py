"""torch.dtype: PyTorch's dtypes, their names, and PyTorch's type-promotion rules."""
from __future__ import annotations

import builtins
import math

import jax.numpy as jnp
import numpy as np


class dtype:
    """A PyTorch dtype; ``np_dtype`` is the numpy/JAX dtype that stores it."""

    __slots__ = ("name", "np_dtype", "itemsize", "is_floating_point", "is_complex", "is_signed", "_kind", "_rank")

    def __init__(self, name: str, np_dtype, kind: str, rank: int):
        self.name = name
        self.np_dtype = np.dtype(np_dtype) if np_dtype is not None else None
        self.itemsize = self.np_dtype.itemsize if np_dtype is not None else 4
        self._kind = kind  # 'b' bool, 'u' unsigned, 'i' signed, 'f' float, 'c' complex
        self._rank = rank
        self.is_floating_point = kind == "f"
        self.is_complex = kind == "c"
        self.is_signed = kind in "ifc"

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> "dtype":
        return {"complex64": float32, "complex128": float64, "complex32": float16}.get(self.name, self)

    def to_complex(self) -> "dtype":
        return {"float32": complex64, "float64": complex128, "float16": complex32}.get(self.name, self)


bool = dtype("bool", np.bool_, "b", 0)
uint8 = dtype("uint8", np.uint8, "u", 1)
int8 = dtype("int8", np.int8, "i", 1)
int16 = dtype("int16", np.int16, "i", 2)
int32 = dtype("int32", np.int32, "i", 3)
int64 = dtype("int64", np.int64, "i", 4)
uint16 = dtype("uint16", np.uint16, "u", 2)
uint32 = dtype("uint32", np.uint32, "u", 3)
uint64 = dtype("uint64", np.uint64, "u", 4)
float16 = dtype("float16", jnp.float16, "f", 1)
bfloat16 = dtype("bfloat16", jnp.bfloat16, "f", 1)
float32 = dtype("float32", jnp.float32, "f", 2)
float64 = dtype("float64", jnp.float64, "f", 3)
complex32 = dtype("complex32", None, "c", 1)
complex64 = dtype("complex64", jnp.complex64, "c", 2)
complex128 = dtype("complex128", jnp.complex128, "c", 3)
float8_e4m3fn = dtype("float8_e4m3fn", jnp.float8_e4m3fn, "f", 0)
float8_e5m2 = dtype("float8_e5m2", jnp.float8_e5m2, "f", 0)

# PyTorch's aliases
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble, chalf = complex64, complex128, complex32

ALL_DTYPES = (bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64, float16, bfloat16,
              float32, float64, complex32, complex64, complex128, float8_e4m3fn, float8_e5m2)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NP = {d.np_dtype: d for d in ALL_DTYPES if d.np_dtype is not None}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The torch dtype that stores values of numpy/JAX dtype ``np_dtype``."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
                        "uint32, uint16, uint8, and bool.") from None


def to_jax_dtype(d: dtype):
    if d.np_dtype is None:
        raise NotImplementedError(f"jtorch does not support {d} (JAX has no such dtype)")
    return d.np_dtype


_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of new floating-point tensors (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of new floating-point tensors; only floating-point dtypes are allowed."""
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point or d.name.startswith("float8"):
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def default_complex_dtype() -> dtype:
    return {"float64": complex128, "float16": complex32}.get(_default_float.name, complex64)


def _promote_same_kind(a: dtype, b: dtype) -> dtype:
    if a._kind == "f" and a._rank == b._rank == 1 and a is not b:
        return float32  # float16 with bfloat16
    return a if a._rank >= b._rank else b


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types: the smallest dtype both ``a`` and ``b`` convert to."""
    if a is b:
        return a
    order = "buifc"
    if order.index(a._kind) > order.index(b._kind):
        a, b = b, a
    # now a's kind is the lower category
    if a._kind == "b":
        return b
    if a._kind == b._kind:
        return _promote_same_kind(a, b)
    if a._kind == "u" and b._kind == "i":
        if a is not uint8:
            raise TypeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                            f"{a.name.capitalize()} and {b.name.capitalize()}")
        return int16 if b is int8 else b
    if b._kind == "c" and a._kind == "f":
        real = _promote_same_kind(a, b.to_real())
        return real.to_complex()
    return b  # integer with float or complex


def _category(d: dtype) -> builtins.int:
    return "buifc".index(d._kind) if d._kind != "u" else 2


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value) -> dtype:
    """The dtype PyTorch gives a Python number taking part in an op."""
    if isinstance(value, builtins.bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.float):
        return _default_float
    if isinstance(value, builtins.complex):
        return default_complex_dtype()
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def result_type_from(dim_dtypes, zero_dim_dtypes, scalar_dtypes) -> dtype:
    """Promotion over operands in PyTorch's three priority levels: tensors with dimensions,
    zero-dimensional tensors, then Python numbers."""
    def fold(ds):
        out = None
        for d in ds:
            out = d if out is None else promote_types(out, d)
        return out
    return _combine_categories(fold(dim_dtypes), _combine_categories(fold(zero_dim_dtypes), fold(scalar_dtypes)))


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """PyTorch's can_cast: whether an op's result of ``from_`` may be written into ``to`` in place."""
    return _category(from_) <= _category(to)


def finfo_eps(d: dtype) -> builtins.float:
    return builtins.float(jnp.finfo(d.np_dtype).eps)


def _check_info_arg(cls_name: str, type) -> None:
    if not isinstance(type, dtype):
        raise TypeError(f"{cls_name}(): argument 'type' (position 1) must be torch.dtype, "
                        f"not {builtins.type(type).__name__}")


def _g(x) -> str:
    return f"{x:g}"


def _unhashable(self):
    raise TypeError(f"unhashable type: 'torch.{builtins.type(self).__name__}'")


class finfo:
    """Machine limits of a floating-point (or complex: of its real part) dtype, the default dtype when omitted."""

    __hash__ = _unhashable

    def __init__(self, type: dtype | None = None):
        if type is None:
            type = _default_float
        _check_info_arg("finfo", type)
        if type._kind not in "fc":
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        real = type.to_real()
        info = jnp.finfo(real.np_dtype)
        self.bits = real.itemsize * 8
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -math.floor(info.nmant * math.log10(2))  # 10**-digits10
        self.dtype = real.name

    def __eq__(self, other) -> builtins.bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __repr__(self) -> str:
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, eps={_g(self.eps)}, "
                f"smallest_normal={_g(self.smallest_normal)}, tiny={_g(self.tiny)}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype (``bits``, ``min``, ``max``, ``dtype``)."""

    __hash__ = _unhashable

    def __init__(self, type: dtype):
        _check_info_arg("iinfo", type)
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type._kind not in "ui":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(type.np_dtype)
        self.bits = type.itemsize * 8
        self.min = builtins.int(info.min)
        self.max = builtins.int(info.max)
        self.dtype = type.name

    def __eq__(self, other) -> builtins.bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __repr__(self) -> str:
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"
