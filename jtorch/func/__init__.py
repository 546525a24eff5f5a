"""torch.func: composable function transforms (grad, vjp, jvp, linearize, jacrev, jacfwd, hessian, vmap) and
functional_call, each the corresponding JAX transform over a jtorch function; plus the bridge to plain JAX
(to_jax, load_jax_state). See docs/jax_interop.md.

Not supported: backward() through vjp/linearize results or after random draws (it raises),
``torch.no_grad`` inside a transformed function (JAX differentiates through it), complex inputs to the
differentiating transforms, and randomness='different' outside vmap.
"""
from ._eager_transforms import functionalize, grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from ._functional_call import functional_call, replace_all_batch_norm_modules_, stack_module_state
from ._interop import from_jax, load_jax_state, to_jax
from ._vmap import vmap

__all__ = ["functional_call", "functionalize", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "linearize", "replace_all_batch_norm_modules_", "stack_module_state", "vjp", "vmap", "to_jax",
           "load_jax_state", "from_jax"]
