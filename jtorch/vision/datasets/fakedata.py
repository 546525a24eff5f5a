"""FakeData: random images and labels made on demand, the same for the same index."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._pil import pil_image_module
from .vision import VisionDataset

_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


class FakeData(VisionDataset):
    """``size`` PIL images of shape ``image_size`` (C, H, W) with labels below ``num_classes``.

    Item ``i`` is drawn from numpy's generator seeded with ``i + random_offset`` (torchvision seeds torch's
    generator, so the pixel values differ from torchvision's; the shapes, modes and determinism are the same).
    Images are made with numpy only, so DataLoader workers never touch JAX."""

    def __init__(self, size: int = 1000, image_size: tuple = (3, 224, 224), num_classes: int = 10,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 random_offset: int = 0) -> None:
        super().__init__(transform=transform, target_transform=target_transform)
        if len(image_size) != 3 or image_size[0] not in _MODES:
            raise NotImplementedError(f"FakeData with image_size={tuple(image_size)}: only (C, H, W) with C in "
                                      f"{sorted(_MODES)} is implemented")
        self.size, self.num_classes = size, num_classes
        self.image_size, self.random_offset = tuple(image_size), random_offset

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        rng = np.random.default_rng(index + self.random_offset)
        image = rng.standard_normal(self.image_size).astype(np.float32)
        target = int(rng.integers(0, self.num_classes))
        # ToPILImage's float -> byte conversion: scale by 255 and keep the low byte.
        pixels = (image * 255).astype(np.int64).astype(np.uint8).transpose(1, 2, 0)
        if pixels.shape[2] == 1:
            pixels = pixels[:, :, 0]
        return self._apply(pil_image_module().fromarray(pixels, _MODES[self.image_size[0]]), target)

    def __len__(self) -> int:
        return self.size
