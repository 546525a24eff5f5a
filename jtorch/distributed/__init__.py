"""torch.distributed: process groups and collectives on JAX's distributed runtime (``jax.distributed``).

Launch with ``jtorchrun --nproc-per-node N script.py`` (or ``python -m jtorch.distributed.run``), then call
``init_process_group()`` before making any tensor.
"""
from .distributed_c10d import (Backend, DistBackendError, DistError, DistNetworkError, GroupMember, ProcessGroup,
                               ReduceOp, Work, all_gather, all_gather_object, all_reduce, barrier, broadcast,
                               broadcast_object_list, default_pg_timeout, destroy_process_group, get_backend,
                               get_rank, get_world_size, init_process_group, is_available, is_gloo_available,
                               is_initialized, is_nccl_available, is_torchelastic_launched, new_group, reduce)

group = GroupMember
