"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (context managers and decorators)."""
from __future__ import annotations

import functools
import threading


class _GradState(threading.local):
    enabled = True
    inference = False
    forward_ad = False  # inside a forward-mode func transform, whose derivatives no_grad leaves alone


_state = _GradState()


def is_grad_enabled() -> bool:
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    return _state.inference


class _GradModeContext:
    """Base for grad-mode switches usable as ``with`` blocks and as decorators."""

    def _target(self) -> bool:
        raise NotImplementedError

    def __enter__(self):
        self._saved = (_state.enabled, _state.inference)
        self._apply()
        return None

    def _apply(self):
        _state.enabled = self._target()

    def __exit__(self, *exc):
        _state.enabled, _state.inference = self._saved
        return False

    def __call__(self, fn):
        if isinstance(self, set_grad_enabled):
            _state.enabled, _state.inference = self._saved  # the decorator form must not switch the mode now

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return self.__class__()


class no_grad(_GradModeContext):
    """Disable gradient recording inside the block: results have ``requires_grad=False``."""

    def __init__(self, orig_func=None):
        if orig_func is not None:
            raise TypeError("no_grad() takes no arguments; use @no_grad() as a decorator")

    def _target(self):
        return False


class enable_grad(_GradModeContext):
    """Enable gradient recording inside the block, also within ``no_grad``."""

    def _target(self):
        return True


class set_grad_enabled(_GradModeContext):
    """Set gradient recording on or off; takes effect at once, and as a context restores on exit."""

    def __init__(self, mode: bool):
        self._mode = bool(mode)
        self._saved = (_state.enabled, _state.inference)
        _state.enabled = self._mode

    def __enter__(self):
        return None  # already in effect since construction; exit restores the state from before it

    def _target(self):
        return self._mode

    def clone(self):
        return _SetGradEnabledDecorator(self._mode)


class _SetGradEnabledDecorator(_GradModeContext):
    def __init__(self, mode: bool):
        self._mode = mode

    def _target(self):
        return self._mode


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (``mode=True``); tensors made inside report ``is_inference()``."""

    def __init__(self, mode: bool = True):
        self._mode = bool(mode)

    def _apply(self):
        if self._mode:
            _state.enabled = False
            _state.inference = True
        else:
            _state.inference = False

    def _target(self):
        return not self._mode

    def clone(self):
        return inference_mode(self._mode)
