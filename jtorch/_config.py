"""JAX settings jtorch depends on, applied once at import (before any JAX backend starts).

- 64-bit mode is on, so int64 indices and labels and float64 tensors are real. New floating-point
  tensors are still float32 (PyTorch's default): every jtorch op passes dtypes explicitly.
- CPU async dispatch is off: eager jtorch ops are small and each result is usually needed at once;
  measured on 2 CPU cores, a small op that blocks for its result costs ~10 µs with it off against
  ~33 µs with it on (benchmarks/eager_op_cost.py).
- Random bits come from the sequential (non-partitionable) threefry: every eager draw of a new shape
  compiles an XLA program, and with the partitionable form that compilation grows with the rank of the
  shape (measured on 2 CPU cores: a (4, 64, 12, 12) uniform or bernoulli draw compiles in ~4 s of CPU,
  against ~0.35 s sequential), which made the first dropout call of a CNN cost seconds.
"""
import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_cpu_enable_async_dispatch", False)
jax.config.update("jax_threefry_partitionable", False)
