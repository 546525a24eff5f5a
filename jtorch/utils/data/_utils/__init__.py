"""DataLoader internals: collation, the worker loop, fetching."""
from . import collate, fetch, worker  # noqa: F401
