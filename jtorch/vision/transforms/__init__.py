"""torchvision.transforms: image transforms for PIL images and tensors."""
from . import functional
from .transforms import *  # noqa: F401,F403
from .transforms import __all__
