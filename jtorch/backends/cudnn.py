"""torch.backends.cudnn: the flags scripts set for cuDNN; accepted and kept, XLA chooses its own GPU kernels."""
from __future__ import annotations

benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    """False: jtorch never calls cuDNN directly."""
    return False


def version() -> None:
    return None
