"""torch.nn.parallel: DataParallel (devices of this process) and DistributedDataParallel (processes)."""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
