"""torch.onnx: importable so that scripts which offer an ONNX export option run; exporting is not implemented."""
from __future__ import annotations

__all__ = ["export", "is_in_onnx_export"]


def export(model, args=(), f=None, *positional, **options):
    """Not available: jtorch programs are JAX computations and have no ONNX graph to write."""
    raise NotImplementedError("torch.onnx.export is not implemented in jtorch (no ONNX graph writer for JAX "
                              "programs)")


def is_in_onnx_export() -> bool:
    """Always False: jtorch never runs an ONNX export."""
    return False
