"""Running unmodified PyTorch code: ``torch`` and ``torchvision`` imports resolve to jtorch."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

_ALIASES = {"torch": "jtorch", "torchvision": "jtorch.vision"}


class _TorchAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``torch.x.y`` as ``jtorch.x.y`` (and ``torchvision.x`` as ``jtorch.vision.x``)."""

    @staticmethod
    def _target(fullname: str) -> str | None:
        for alias, real in _ALIASES.items():
            if fullname == alias or fullname.startswith(alias + "."):
                return real + fullname[len(alias):]
        return None

    def find_spec(self, fullname, path=None, target=None):
        real = self._target(fullname)
        if real is None:
            return None
        try:
            found = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ImportError(f"jtorch does not provide '{fullname}' (looked for '{real}'); this part of the PyTorch "
                              "API is not implemented yet", name=fullname)
        return importlib.util.spec_from_loader(fullname, self, origin=found.origin)

    def create_module(self, spec):
        module = importlib.import_module(self._target(spec.name))
        sys.modules[spec.name] = module
        return module

    def exec_module(self, module):
        pass  # the jtorch module is already initialised


def install_as_torch() -> None:
    """Make ``import torch`` (and ``torchvision``) give jtorch in this process, e.g. in a notebook."""
    if not any(isinstance(f, _TorchAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _TorchAliasFinder())
