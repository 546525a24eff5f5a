"""torchvision.ops: building blocks shared by the models."""
from .misc import Conv2dNormActivation

__all__ = ["Conv2dNormActivation"]
