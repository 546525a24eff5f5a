"""Pillow, imported only when an image operation needs it (``import jtorch.vision`` does not)."""
from __future__ import annotations

import sys
from typing import Any


def pil_image_module():
    """``PIL.Image``; ImportError naming the ``vision`` extra when Pillow is missing."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("this operation needs Pillow: pip install 'jtorch[vision]'") from e
    return Image


def is_pil_image(img: Any) -> bool:
    """Whether ``img`` is a PIL image (False without importing Pillow when nothing has imported it)."""
    image = sys.modules.get("PIL.Image")
    return image is not None and isinstance(img, image.Image)
