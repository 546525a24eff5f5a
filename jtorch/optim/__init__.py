"""torch.optim: optimizers on optax, and lr_scheduler."""
