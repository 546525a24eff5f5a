"""Errors raised when traced code asks for a concrete value."""
from __future__ import annotations

import traceback


class TracedValueError(RuntimeError):
    """A compiled function tried to read a tensor's value on the host (``.item()``, ``print``, ``if t:``)."""


def _is_library_frame(filename: str) -> bool:
    name = filename.replace("\\", "/")
    return "/jtorch/" in name or "/jax/" in name or "/jaxlib/" in name or name.startswith("<frozen")


def _user_frame(exc: BaseException | None = None) -> str:
    frames = traceback.extract_tb(exc.__traceback__) if exc is not None else traceback.extract_stack()[:-2]
    for frame in reversed(frames):
        if not _is_library_frame(frame.filename):
            return f'File "{frame.filename}", line {frame.lineno}: {frame.line}'
    return "<unknown>"


def raise_host_read_in_trace(exc: BaseException | None = None):
    """Raise :class:`TracedValueError` naming the user's line that needed a concrete value."""
    raise TracedValueError(
        "a tensor's value was read on the host (for example .item(), .tolist(), .numpy(), print(tensor), "
        "or a Python `if` on a tensor) inside a compiled function, where values are not known yet. "
        f"At {_user_frame(exc)}. Move it outside the compiled function, or keep it as a tensor.") from None
