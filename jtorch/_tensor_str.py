"""PyTorch's printed form of a tensor, and ``set_printoptions`` / ``get_printoptions`` / ``printoptions``.

Formatting works on a host (numpy) copy of the data: floating values are read as float64 (exact for every
jtorch float dtype), complex values as complex128, so each element formats like PyTorch's ``item()`` does.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math

import numpy as np

from . import _dtype as dt


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision: int | None = None, threshold: float | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None,
                     sci_mode: bool | None = None) -> None:
    """Set how tensors print. A ``profile`` ('default', 'short', 'full') sets a group first; the explicit
    options then override it. ``sci_mode`` is always set (None lets the data choose)."""
    if profile is not None and profile in _PROFILES:
        for key, value in _PROFILES[profile].items():
            setattr(_OPTS, key, value)
    for key, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                       ("linewidth", linewidth)):
        if value is not None:
            setattr(_OPTS, key, value)
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options, as keyword arguments for ``set_printoptions``."""
    return dataclasses.asdict(_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (same keywords as ``set_printoptions``)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Formatter:
    """Chooses one style and one width for all the values of a (summarized) real array."""

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not floating:
            self.width = max([1] + [len(str(v)) for v in flat.tolist()])
            return
        nonzero = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero.size == 0:
            return
        magnitudes = np.abs(nonzero)
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
        if _OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = bool(_OPTS.sci_mode)
        p = _OPTS.precision
        if self.sci_mode:
            texts = [f"{v:.{p}e}" for v in nonzero.tolist()]
        elif self.int_mode:
            texts = [f"{v:.0f}." for v in nonzero.tolist()]
        else:
            texts = [f"{v:.{p}f}" for v in nonzero.tolist()]
        self.width = max(len(s) for s in texts)

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{_OPTS.precision}f}"
        return text.rjust(self.width)


class _ElementFormat:
    """Formats one element: a real value, or a complex one from separate real and imaginary formatters."""

    def __init__(self, real: _Formatter, imag: _Formatter | None = None):
        self.real, self.imag = real, imag

    def width(self) -> int:
        return self.real.width if self.imag is None else self.real.width + self.imag.width + 1

    def __call__(self, value) -> str:
        if self.imag is None:
            return self.real.format(value)
        re_text = self.real.format(value.real)
        im_text = (self.imag.format(value.imag) + "j").lstrip()
        return re_text + (im_text if im_text[0] in "+-" else "+" + im_text)


def _summary_index(n: int, edge: int, last: bool) -> np.ndarray:
    if n <= 2 * edge:
        return np.arange(n)
    head = np.arange(n)[:edge]
    tail = np.arange(n)[-edge:] if last else np.arange(n - edge, n)
    return np.concatenate([head, tail])


def _summarized(arr: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows (only their widths and kinds matter)."""
    edge = _OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim > 1 and not edge:
        return arr[:0]
    index = [_summary_index(n, edge, last=(i == arr.ndim - 1)) for i, n in enumerate(arr.shape)]
    return arr[np.ix_(*index)]


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormat) -> str:
    edge = _OPTS.edgeitems
    per_line = max(1, (_OPTS.linewidth - indent) // (fmt.width() + 2))
    if summarize and not edge:
        items = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        items = ([fmt(v) for v in arr[:edge].tolist()] + [" ..."]
                 + [fmt(v) for v in arr[-edge:].tolist()])
    else:
        items = [fmt(v) for v in arr.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormat) -> str:
    if arr.ndim == 0:
        return fmt(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    edge, n = _OPTS.edgeitems, arr.shape[0]
    if summarize and n > 2 * edge:
        rows = ([_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(edge)] + ["..."]
                + [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(n - edge, n)])
    else:
        rows = [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _host_values(t) -> np.ndarray:
    from ._tensor import _host
    arr = _host(t.detach()._value)
    if t.dtype.is_complex:
        return arr.astype(np.complex128)
    if t.dtype.is_floating_point:
        return arr.astype(np.float64)
    return arr


def _data_str(t, indent: int) -> str:
    arr = _host_values(t)
    summarize = arr.size > _OPTS.threshold
    shown = _summarized(arr) if summarize else arr
    floating = t.dtype.is_floating_point or t.dtype.is_complex
    if t.dtype.is_complex:
        fmt = _ElementFormat(_Formatter(shown.real, True), _Formatter(shown.imag, True))
    else:
        fmt = _ElementFormat(_Formatter(shown, floating))
    return _nested_str(arr, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    parts = [text]
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_len += len(suffix) + 2
    return "".join(parts) + ")"


def _prefix(t) -> str:
    from . import nn
    from ._tensor import Tensor
    parameter = getattr(nn, "Parameter", None)
    plain = type(t) is Tensor or (parameter is not None and type(t) is parameter)
    return "tensor(" if plain else f"{type(t).__name__}("


def _device_suffix(t) -> list:
    from ._device import get_default_device
    d = t.device
    if d.type != get_default_device().type or (d.type == "cuda" and (d.index or 0) != 0):
        return [f"device='{d}'"]
    return []


def tensor_repr(t) -> str:
    """PyTorch's ``repr(t)``: ``tensor([...], dtype=..., grad_fn=<...>)`` wrapped at the line width."""
    prefix = _prefix(t)
    indent = len(prefix)
    suffixes = _device_suffix(t)
    default = dt.get_default_dtype()
    default_complex = dt.complex128 if default is dt.float64 else dt.complex64
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype is not default:
            suffixes.append(f"dtype={t.dtype}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(t.shape)}")
        if t.dtype not in (default, default_complex, dt.int64, dt.bool):
            suffixes.append(f"dtype={t.dtype}")
        body = _data_str(t, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
