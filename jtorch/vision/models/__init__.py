"""torchvision.models: architectures with torchvision's state_dict layout (no pretrained weights)."""
from .alexnet import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
