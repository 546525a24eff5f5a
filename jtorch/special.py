"""torch.special: special functions."""
