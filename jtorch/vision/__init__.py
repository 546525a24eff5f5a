"""jtorch.vision: the torchvision API (transforms, datasets, models, utils); ``import torchvision`` under the runner."""
from . import datasets, models, transforms, utils

__version__ = "0.28.0"
