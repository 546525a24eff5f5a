"""torch.func: composable function transforms (grad, vjp, jvp, linearize, jacrev, jacfwd, hessian, vmap) and
functional_call, each the corresponding JAX transform over a jtorch function; plus the bridge to plain JAX
(to_jax, load_jax_state). See docs/jax_interop.md.

Complex tensors follow PyTorch's conjugate convention; backward() reaches through every transform's results,
random draws included. Not supported: a complex tangent for a real primal (raises NotImplementedError),
backward() through a transform that captured a view of a tensor requiring grad (raises), tangents of a wider
dtype than their primal (computed in the primal's dtype), and vmap's refusals of an in-place random op on an
unbatched tensor under 'different' and of a random op on a batched tensor under 'same' (jtorch draws instead).
When a transform's call depends on tensors requiring grad, all its floating-point results require grad, also
those (an aux output) that PyTorch leaves out of the graph.
"""
from ._eager_transforms import functionalize, grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from ._functional_call import functional_call, replace_all_batch_norm_modules_, stack_module_state
from ._interop import from_jax, load_jax_state, to_jax
from ._vmap import vmap

__all__ = ["functional_call", "functionalize", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "linearize", "replace_all_batch_norm_modules_", "stack_module_state", "vjp", "vmap", "to_jax",
           "load_jax_state", "from_jax"]
