"""torch.cuda.amp: the deprecated spellings of ``torch.amp.autocast("cuda")`` and ``torch.amp.GradScaler("cuda")``."""
from .. import _dtype as dt
from ..amp._device_spellings import device_spellings

__all__ = ["autocast", "GradScaler"]

autocast, GradScaler = device_spellings("cuda", dt.float16)
