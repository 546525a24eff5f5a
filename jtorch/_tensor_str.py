"""PyTorch's printed form of a tensor (provisional: a simple formatter)."""
from __future__ import annotations

import numpy as np

from . import _dtype as dt


def tensor_repr(t) -> str:
    arr = np.asarray(t.detach()._value)
    if arr.dtype.kind == "V" or t.dtype in (dt.bfloat16,):
        arr = arr.astype(np.float32)
    body = np.array2string(arr, separator=", ", precision=4, prefix="tensor(")
    suffix = []
    if t.dtype not in (dt.get_default_dtype(), dt.int64, dt.bool):
        suffix.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffix.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + s for s in suffix) + ")"
