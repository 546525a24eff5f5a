"""torch.utils.hooks: the handle that removes a registered hook."""
from __future__ import annotations

import itertools
import weakref


class RemovableHandle:
    """Returned by every ``register_*hook``; ``remove()`` (or leaving a ``with`` block) unregisters it."""

    _next_id = itertools.count()

    def __init__(self, hooks_dict: dict):
        self.hooks_dict_ref = weakref.ref(hooks_dict) if _weakrefable(hooks_dict) else (lambda: hooks_dict)
        self.id = next(RemovableHandle._next_id)

    @classmethod
    def add(cls, hooks_dict: dict, hook, prepend: bool = False) -> "RemovableHandle":
        handle = cls(hooks_dict)
        hooks_dict[handle.id] = hook
        if prepend:
            items = list(hooks_dict.items())
            hooks_dict.clear()
            hooks_dict.update([items[-1]] + items[:-1])
        return handle

    def remove(self) -> None:
        hooks = self.hooks_dict_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _weakrefable(obj) -> bool:
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False
