"""pytest loads this first, which puts tests/ on sys.path: the shared helpers (_compare) import from any test folder."""
