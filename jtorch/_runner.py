"""Running unmodified PyTorch code: ``torch`` and ``torchvision`` imports resolve to jtorch."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

_ALIASES = {"torch": "jtorch", "torchvision": "jtorch.vision"}


def _missing(torch_name: str, real: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(f"jtorch does not provide '{torch_name}' (looked for '{real}'); this part of the "
                               "PyTorch API is not implemented yet", name=torch_name)


class _TorchAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``torch.x.y`` as ``jtorch.x.y`` (and ``torchvision.x`` as ``jtorch.vision.x``)."""

    @staticmethod
    def _target(fullname: str) -> str | None:
        for alias, real in _ALIASES.items():
            if fullname == alias or fullname.startswith(alias + "."):
                return real + fullname[len(alias):]
        return None

    @staticmethod
    def _alias(fullname: str) -> str | None:
        """The torch name of a jtorch submodule (``jtorch.vision.x`` -> ``torchvision.x``)."""
        for alias, real in sorted(_ALIASES.items(), key=lambda item: -len(item[1])):
            if fullname.startswith(real + "."):
                return alias + fullname[len(real):]
        return None

    def find_spec(self, fullname, path=None, target=None):
        real = self._target(fullname)
        if real is None:
            # `from torch import distributions` imports 'jtorch.distributions' (the module's own name): a
            # miss there is reported under the torch name too, instead of "cannot import name ... from 'jtorch'".
            torch_name = self._alias(fullname)
            if torch_name is not None and not any(
                    finder.find_spec(fullname, path, target) for finder in sys.meta_path
                    if finder is not self and hasattr(finder, "find_spec")):
                raise _missing(torch_name, fullname)
            return None
        try:
            found = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise _missing(fullname, real)
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
