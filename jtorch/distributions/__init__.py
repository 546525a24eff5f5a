"""torch.distributions: probability distributions with sampling and log-densities (the Categorical so far)."""
from .distribution import Distribution
from .categorical import Categorical

__all__ = ["Categorical", "Distribution"]
