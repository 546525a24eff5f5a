"""Helpers shared by the torch.utils.data tests: run a case with each library, compare structures."""
import collections

import numpy as np
import torch

import jtorch

LIBS = (torch, jtorch)

Point = collections.namedtuple("Point", ["x", "y"])


def canon(obj):
    """A library-neutral picture of a (nested) batch: container kinds, tensor dtypes and values."""
    if isinstance(obj, (torch.Tensor, jtorch.Tensor)):
        return ("tensor", str(obj.dtype), tuple(obj.shape), np.asarray(obj.detach().numpy()).tolist())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [canon(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [canon(v) for v in obj])
    if isinstance(obj, dict):
        return ("dict", {k: canon(v) for k, v in obj.items()})
    if isinstance(obj, np.ndarray):
        return ("ndarray", str(obj.dtype), obj.tolist())
    return obj


def both(case):
    """``canon(case(torch))`` and ``canon(case(jtorch))``."""
    return canon(case(torch)), canon(case(jtorch))


def outcome(fn, *args, **kwargs):
    """``("ok", canon(result))`` or ``(exception type name, message)``."""
    try:
        return ("ok", canon(fn(*args, **kwargs)))
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return (type(e).__name__, str(e))
