"""pytest loads this first, which puts tests/ on sys.path: the shared helpers (_torch_compare) import from any test folder."""
