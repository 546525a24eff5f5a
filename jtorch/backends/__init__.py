"""torch.backends: flags scripts set for PyTorch's native backends; accepted here, XLA decides itself."""
from __future__ import annotations

import types

from . import cudnn
mps = types.SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cuda = types.SimpleNamespace(matmul=types.SimpleNamespace(allow_tf32=False), is_built=lambda: False)
