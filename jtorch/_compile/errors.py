"""Errors raised when traced code asks for a concrete value."""
from __future__ import annotations

import traceback


class TracedValueError(RuntimeError):
    """A compiled function tried to read a tensor's value on the host (``.item()``, ``print``, ``if t:``)."""


def _user_frame() -> str:
    for frame in reversed(traceback.extract_stack()[:-2]):
        if "/jtorch/" not in frame.filename.replace("\\", "/") and "/jax/" not in frame.filename:
            return f'File "{frame.filename}", line {frame.lineno}: {frame.line}'
    return "<unknown>"


def raise_host_read_in_trace():
    raise TracedValueError(
        "a tensor's value was read on the host (for example .item(), .tolist(), .numpy(), print(tensor), "
        "or a Python `if` on a tensor) inside a compiled function, where values are not known yet. "
        f"At {_user_frame()}. Move it outside the compiled function, or keep it as a tensor.") from None
