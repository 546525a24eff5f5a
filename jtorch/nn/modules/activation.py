"""Activation layers: each wraps its function in ``nn.functional``."""
from __future__ import annotations

from ..._ops.creation import empty
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._utils import named
from .linear import _factory
from .module import Module

__all__ = ["ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Softplus",
           "Hardsigmoid", "Hardswish", "Threshold", "Hardshrink", "Softshrink", "Softsign", "Tanhshrink",
           "LogSigmoid", "Sigmoid", "Tanh", "PReLU", "RReLU", "GLU", "Softmax", "LogSoftmax", "Softmin",
           "Softmax2d"]


def _activation(name: str, fn, params: tuple = (), inplace: bool = False, repr_fmt: str | None = None):
    """A layer class ``Name(*params, inplace=False)`` that calls ``fn(input, *params[, inplace])``.

    ``params`` is ``((attr, default), ...)``; ``repr_fmt`` formats extra_repr from the attributes (default: the
    'inplace=True' marker only).
    """
    names = tuple(p for p, _ in params)
    defaults = dict(params)

    def __init__(self, *args, **kwargs) -> None:
        Module.__init__(self)
        allowed = names + (("inplace",) if inplace else ())
        if len(args) > len(allowed):
            raise TypeError(f"{name}.__init__() takes from 1 to {len(allowed) + 1} positional arguments but "
                            f"{len(args) + 1} were given")
        values = dict(defaults, inplace=False)
        values.update(zip(allowed, args))
        for k, v in kwargs.items():
            if k not in allowed:
                raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{k}'")
            values[k] = v
        for k in allowed:
            setattr(self, k, values[k])

    def forward(self, input: Tensor) -> Tensor:
        args = tuple(getattr(self, n) for n in names)
        return fn(input, *args, inplace=self.inplace) if inplace else fn(input, *args)

    def extra_repr(self) -> str:
        marker = ", inplace=True" if inplace and self.inplace else ""
        if repr_fmt is None:
            return marker[2:]
        return repr_fmt.format(**{n: getattr(self, n) for n in names}) + marker

    cls = type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr})
    return named(cls, name, f"Applies ``nn.functional.{fn.__name__}`` elementwise.", __name__)


ReLU = _activation("ReLU", F.relu, inplace=True)
ReLU6 = _activation("ReLU6", F.relu6, inplace=True)
Hardtanh = _activation("Hardtanh", F.hardtanh, (("min_val", -1.0), ("max_val", 1.0)), True,
                       "min_val={min_val}, max_val={max_val}")
LeakyReLU = _activation("LeakyReLU", F.leaky_relu, (("negative_slope", 1e-2),), True,
                        "negative_slope={negative_slope}")
ELU = _activation("ELU", F.elu, (("alpha", 1.0),), True, "alpha={alpha}")
CELU = _activation("CELU", F.celu, (("alpha", 1.0),), True, "alpha={alpha}")
SELU = _activation("SELU", F.selu, inplace=True)
SiLU = _activation("SiLU", F.silu, inplace=True)
Mish = _activation("Mish", F.mish, inplace=True)
Hardsigmoid = _activation("Hardsigmoid", F.hardsigmoid, inplace=True)
Hardswish = _activation("Hardswish", F.hardswish, inplace=True)
Softplus = _activation("Softplus", F.softplus, (("beta", 1.0), ("threshold", 20.0)), False,
                       "beta={beta}, threshold={threshold}")
Threshold = _activation("Threshold", F.threshold, (("threshold", None), ("value", None)), True,
                        "threshold={threshold}, value={value}")
Hardshrink = _activation("Hardshrink", F.hardshrink, (("lambd", 0.5),), False, "{lambd}")
Softshrink = _activation("Softshrink", F.softshrink, (("lambd", 0.5),), False, "{lambd}")
Softsign = _activation("Softsign", F.softsign)
Tanhshrink = _activation("Tanhshrink", F.tanhshrink)
LogSigmoid = _activation("LogSigmoid", F.logsigmoid)
Sigmoid = _activation("Sigmoid", F.sigmoid)
Tanh = _activation("Tanh", F.tanh)
GLU = _activation("GLU", F.glu, (("dim", -1),), False, "dim={dim}")


class GELU(Module):
    """x * Phi(x); ``approximate='tanh'`` uses the tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class PReLU(Module):
    """x if x > 0 else a * x with learnable a (``num_parameters`` of them, one per channel), init ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(empty(num_parameters, **_factory(device, dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Leaky relu with random slopes in [lower, upper] while training."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


def _softmax_layer(name: str, fn):
    class SoftmaxLayer(Module):
        def __init__(self, dim: int | None = None) -> None:
            super().__init__()
            self.dim = dim

        def __setstate__(self, state) -> None:
            super().__setstate__(state)
            if not hasattr(self, "dim"):
                self.dim = None

        def forward(self, input: Tensor) -> Tensor:
            return fn(input, self.dim, _stacklevel=5)

        def extra_repr(self) -> str:
            return f"dim={self.dim}"
    return named(SoftmaxLayer, name, f"``nn.functional.{fn.__name__}`` along ``dim``.", __name__)


Softmax = _softmax_layer("Softmax", F.softmax)
LogSoftmax = _softmax_layer("LogSoftmax", F.log_softmax)
Softmin = _softmax_layer("Softmin", F.softmin)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)
