"""Numbers that do not depend on the framework's random stream, for the examples' reproducible printouts.

numpy draws them, so real PyTorch and jtorch (`python -m jtorch ...`) start from identical values and
print the same results, while `torch.randn` streams differ between the two.
"""
import numpy as np
import torch


def fixed_tensor(*shape, seed=0, scale=1.0):
    """A float32 tensor of the given shape with standard normal values times ``scale``, drawn by numpy."""
    values = np.random.default_rng(seed).standard_normal(shape) * scale
    return torch.from_numpy(values.astype(np.float32))


def fixed_weights_(model, seed=0):
    """Overwrite every parameter of ``model`` in place with fixed values scaled by 1/sqrt(fan_in)."""
    with torch.no_grad():
        for i, param in enumerate(model.parameters()):
            fan_in = param[0].numel() if param.dim() > 1 else param.numel()
            param.copy_(fixed_tensor(*param.shape, seed=seed + i, scale=fan_in ** -0.5))
    return model
