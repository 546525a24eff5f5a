"""torch.amp: automatic mixed precision (``autocast`` regions and the ``GradScaler``)."""
from .autocast_mode import autocast, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "is_autocast_available", "GradScaler"]
