"""Moving values between PyTorch and jtorch, and comparing their results.

``to_jtorch`` turns a (nested) PyTorch argument into the matching jtorch argument; ``to_torch`` goes back,
so a jtorch result can be checked with ``torch.testing.assert_close`` against PyTorch's.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

import jtorch

_LOW_FLOATS = ("bfloat16", "float16", "float8_e4m3fn", "float8_e5m2")
_MEMORY_FORMATS = {torch.contiguous_format: jtorch.contiguous_format, torch.preserve_format: jtorch.preserve_format,
                   torch.channels_last: jtorch.channels_last}


def dtype_name(d) -> str:
    """``'float32'`` for ``torch.float32`` or ``jtorch.float32``."""
    return str(d).rsplit(".", 1)[-1]


def jtorch_dtype(d: torch.dtype) -> jtorch.dtype:
    """The jtorch dtype with the same name as the PyTorch dtype ``d``."""
    return getattr(jtorch, dtype_name(d))


def torch_dtype(d: jtorch.dtype) -> torch.dtype:
    """The PyTorch dtype with the same name as the jtorch dtype ``d``."""
    return getattr(torch, dtype_name(d))


def tensor_to_jtorch(t: torch.Tensor) -> jtorch.Tensor:
    """A jtorch leaf tensor with ``t``'s values, dtype and ``requires_grad`` (shape ``t.shape``)."""
    host = t.detach().cpu().resolve_conj().resolve_neg()
    name = dtype_name(host.dtype)
    if name in _LOW_FLOATS:
        out = jtorch.tensor(host.to(torch.float32).numpy()).to(jtorch_dtype(host.dtype))
    else:
        out = jtorch.tensor(host.numpy(), dtype=jtorch_dtype(host.dtype))
    return out.requires_grad_() if t.requires_grad else out


def view_to_jtorch(t: torch.Tensor) -> jtorch.Tensor:
    """A contiguous PyTorch view of part of a contiguous base that needs no grad (``base[5:15]``) as the same
    view of the converted base, so that storage-reading ops (``as_strided``) see the base; other tensors as
    ``tensor_to_jtorch``."""
    base = t._base
    if base is None or base.requires_grad or not (t.is_contiguous() and base.is_contiguous()) or t.is_complex():
        return tensor_to_jtorch(t)
    start = t.storage_offset() - base.storage_offset()
    view = tensor_to_jtorch(base).view(-1)[start:start + t.numel()].view(tuple(t.shape))
    return view.requires_grad_() if t.requires_grad else view


def tensor_to_torch(t: jtorch.Tensor) -> torch.Tensor:
    """A PyTorch tensor with ``t``'s values and dtype (no autograd history)."""
    name = dtype_name(t.dtype)
    if name in _LOW_FLOATS:
        return torch.from_numpy(np.asarray(t.detach().float()).copy()).to(torch_dtype(t.dtype))
    return torch.from_numpy(np.asarray(t.detach()).copy())


def stateless_module_to_jtorch(module: torch.nn.Module) -> Any:
    """A torch.nn module without parameters, buffers or submodules (``nn.PairwiseDistance(p=1)``) as the jtorch
    module of the same class and settings; any other module is returned unchanged."""
    cls = getattr(jtorch.nn, type(module).__name__, None)
    if not isinstance(cls, type) or module._parameters or module._buffers or module._modules:
        return module
    converted = cls.__new__(cls)
    jtorch.nn.Module.__init__(converted)
    for name, value in vars(module).items():
        if not name.startswith("_"):
            setattr(converted, name, to_jtorch(value))
    return converted


def to_jtorch(obj: Any) -> Any:
    """``obj`` with every PyTorch tensor (a view as a view, see ``view_to_jtorch``), dtype, device, Size and memory
    format replaced by jtorch's, and a stateless torch.nn module by jtorch's (see ``stateless_module_to_jtorch``).

    Lists, tuples (named ones included) and dicts are converted element-wise; anything else is kept.
    """
    if isinstance(obj, torch.Tensor):
        return view_to_jtorch(obj)
    if isinstance(obj, torch.nn.Module):
        return stateless_module_to_jtorch(obj)
    if isinstance(obj, torch.dtype):
        return jtorch_dtype(obj)
    if isinstance(obj, torch.device):
        return jtorch.device(str(obj))
    if isinstance(obj, torch.Size):
        return jtorch.Size(obj)
    if isinstance(obj, torch.memory_format):
        return _MEMORY_FORMATS[obj]
    if obj is torch.strided:
        return jtorch.strided
    if isinstance(obj, dict):
        return {k: to_jtorch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        items = [to_jtorch(v) for v in obj]
        if isinstance(obj, list):
            return items
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    return obj


def to_torch(obj: Any) -> Any:
    """``obj`` with every jtorch tensor, dtype, device and Size replaced by PyTorch's; sequences become tuples."""
    if isinstance(obj, jtorch.Tensor):
        return tensor_to_torch(obj)
    if isinstance(obj, jtorch.dtype):
        return torch_dtype(obj)
    if isinstance(obj, jtorch.device):
        return torch.device(str(obj))
    if isinstance(obj, jtorch.Size):
        return torch.Size(obj)
    if isinstance(obj, dict):
        return {k: to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return tuple(to_torch(v) for v in obj)
    return obj


def assert_same(actual: Any, expected: Any, *, rtol: float, atol: float, check_values: bool = True,
                path: str = "output", per_dtype: dict | None = None) -> None:
    """Raise ``AssertionError`` unless the PyTorch-side value ``actual`` matches ``expected``.

    Tensors must agree in type, shape and dtype, and (with ``check_values``) in value up to ``rtol``/``atol``, or
    the (rtol, atol) that ``per_dtype`` gives for the expected tensor's dtype (NaNs equal). Sequences must agree
    element-wise; other values must be equal.
    """
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            raise AssertionError(f"{path}: expected a tensor, got {type(actual).__name__}")
        if actual.shape != expected.shape:
            raise AssertionError(f"{path}: shape {tuple(actual.shape)} != expected {tuple(expected.shape)}")
        if actual.dtype != expected.dtype:
            raise AssertionError(f"{path}: dtype {actual.dtype} != expected {expected.dtype}")
        if check_values:
            rtol, atol = (per_dtype or {}).get(expected.dtype, (rtol, atol))
            expected = expected.detach().cpu().resolve_conj().resolve_neg()
            torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=True, check_stride=False,
                                       check_layout=False, msg=lambda m: f"{path}: {m}")
        return
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            raise AssertionError(f"{path}: expected a sequence of {len(expected)}, got {type(actual).__name__}"
                                 f"{'' if not isinstance(actual, (list, tuple)) else f' of {len(actual)}'}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, rtol=rtol, atol=atol, check_values=check_values, path=f"{path}[{i}]",
                        per_dtype=per_dtype)
        return
    if isinstance(expected, (bool, int, float, complex)) and not isinstance(expected, torch.dtype):
        if isinstance(actual, torch.Tensor) or type(actual) is not type(expected):
            raise AssertionError(f"{path}: expected {type(expected).__name__}, got {type(actual).__name__}")
        if check_values:
            torch.testing.assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=True,
                                       msg=lambda m: f"{path}: {m}")
        return
    if actual != expected:
        raise AssertionError(f"{path}: {actual!r} != expected {expected!r}")
