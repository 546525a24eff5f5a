"""torch.FloatTensor, torch.LongTensor, ...: the legacy per-dtype tensor types.

Each is a constructor (``torch.FloatTensor(2, 3)``, ``torch.LongTensor([1, 2])``) and an ``isinstance`` check
on the dtype (``isinstance(t, torch.FloatTensor)``); the tensors made are plain ``torch.Tensor``s, as in PyTorch.
"""
from __future__ import annotations

from . import _dtype as dt
from ._tensor import Tensor


class tensortype(type):
    """The type of the legacy tensor types; ``cls.dtype`` is the dtype each stands for."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __call__(cls, *args, device=None) -> Tensor:
        from ._ops.creation import _finish, _legacy_tensor_array
        return _finish(_legacy_tensor_array(args, device, cls.dtype), False)

    def __getattr__(cls, name: str):
        return getattr(Tensor, name)

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(name: str, dtype: dt.dtype) -> tensortype:
    return tensortype(name, (), {"dtype": dtype, "is_cuda": False, "is_sparse": False, "__module__": "torch"})


FloatTensor = _legacy_type("FloatTensor", dt.float32)
DoubleTensor = _legacy_type("DoubleTensor", dt.float64)
HalfTensor = _legacy_type("HalfTensor", dt.float16)
BFloat16Tensor = _legacy_type("BFloat16Tensor", dt.bfloat16)
LongTensor = _legacy_type("LongTensor", dt.int64)
IntTensor = _legacy_type("IntTensor", dt.int32)
ShortTensor = _legacy_type("ShortTensor", dt.int16)
CharTensor = _legacy_type("CharTensor", dt.int8)
ByteTensor = _legacy_type("ByteTensor", dt.uint8)
BoolTensor = _legacy_type("BoolTensor", dt.bool)

LEGACY_TYPES = (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor,
                CharTensor, ByteTensor, BoolTensor)
BY_NAME = {f"torch.{t.__name__}": t.dtype for t in LEGACY_TYPES}
