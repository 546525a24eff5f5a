"""make_grid / save_image: tile a batch of images into one image."""
from __future__ import annotations

import math
import os
from typing import BinaryIO

import jtorch as torch
from jtorch import Tensor
from jtorch.nn import functional as nnf

from ._pil import pil_image_module

__all__ = ["make_grid", "save_image"]


def _normalize_range(t: Tensor, value_range: tuple | None) -> Tensor:
    low, high = value_range if value_range is not None else (float(t.min()), float(t.max()))
    return t.clamp(min=low, max=high).sub(low).div(max(high - low, 1e-5))


def make_grid(tensor: Tensor | list[Tensor], nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[int, int] | None = None, scale_each: bool = False, pad_value: float = 0.0) -> Tensor:
    """Images ``(B, C, H, W)`` (or a list of ``(C, H, W)``) tiled ``nrow`` per row with ``padding`` between them:
    ``(C, rows * (H + padding) + padding, nrow * (W + padding) + padding)``; one-channel images become RGB."""
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = torch.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = torch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        if scale_each is True:
            tensor = torch.stack([_normalize_range(t, value_range) for t in tensor])
        else:
            tensor = _normalize_range(tensor, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps, num_channels, h, w = tensor.shape
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    if ymaps * xmaps > nmaps:
        tensor = torch.cat((tensor, tensor.new_full((ymaps * xmaps - nmaps, num_channels, h, w), pad_value)))
    tiles = nnf.pad(tensor, (padding, 0, padding, 0), value=pad_value)
    grid = tiles.reshape(ymaps, xmaps, num_channels, h + padding, w + padding).permute(2, 0, 3, 1, 4)
    grid = grid.reshape(num_channels, ymaps * (h + padding), xmaps * (w + padding))
    return nnf.pad(grid, (0, padding, 0, padding), value=pad_value)


def save_image(tensor: Tensor | list[Tensor], fp: str | os.PathLike | BinaryIO, format: str | None = None,
               **kwargs) -> None:
    """``make_grid(tensor, **kwargs)`` (values in [0, 1]) written as an 8-bit image file."""
    grid = make_grid(tensor, **kwargs)
    ndarr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()
    pil_image_module().fromarray(ndarr).save(fp, format=format)
