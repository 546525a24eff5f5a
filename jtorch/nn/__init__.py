"""torch.nn: modules, parameters, functional and init."""
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _layer_names
from . import functional, init, parallel, utils  # noqa: F401
from .parallel import DataParallel

__all__ = ["Buffer", "DataParallel", "Parameter", "UninitializedBuffer", "UninitializedParameter", "functional", "init",
           "parallel", "utils"] + _layer_names
