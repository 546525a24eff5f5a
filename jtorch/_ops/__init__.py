"""Every op, defined once per family; importing this package registers them all."""
from . import _registry
from . import creation, pointwise, reduction, cumulative, sort, shape, indexing, blas, random  # noqa: F401
from . import normalization, windows, spectral  # noqa: F401
