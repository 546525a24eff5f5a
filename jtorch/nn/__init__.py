"""torch.nn: modules, parameters, functional and init."""
