"""torch.linalg: linear algebra."""
