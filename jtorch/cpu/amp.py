"""torch.cpu.amp: the deprecated spellings of ``torch.amp.autocast("cpu")`` and ``torch.amp.GradScaler("cpu")``."""
from .. import _dtype as dt
from ..amp._device_spellings import device_spellings

__all__ = ["autocast", "GradScaler"]

autocast, GradScaler = device_spellings("cpu", dt.bfloat16)
