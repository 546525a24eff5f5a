"""torch.amp: automatic mixed precision (``autocast``; see its note: jtorch does not cast)."""
from .autocast_mode import autocast, is_autocast_available

__all__ = ["autocast", "is_autocast_available"]
