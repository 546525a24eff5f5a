"""make_grid / save_image against torchvision's documented layout, computed with numpy."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

import jtorch
from jtorch.vision import utils

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
rng = np.random.default_rng(0)


def grid_reference(x: np.ndarray, nrow: int, padding: int, pad_value: float) -> np.ndarray:
    n, c, h, w = x.shape
    cols = min(nrow, n)
    rows = -(-n // cols)
    out = np.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), pad_value, x.dtype)
    for k in range(n):
        y0, x0 = (k // cols) * (h + padding) + padding, (k % cols) * (w + padding) + padding
        out[:, y0:y0 + h, x0:x0 + w] = x[k]
    return out


@pytest.mark.parametrize("n,nrow,padding", [(5, 2, 2), (3, 8, 1), (4, 2, 0)])
def test_make_grid_layout(n, nrow, padding):
    x = rng.random((n, 3, 4, 5), dtype=np.float32)
    got = utils.make_grid(jtorch.from_numpy(x), nrow=nrow, padding=padding, pad_value=0.5)
    np.testing.assert_array_equal(got.numpy(), grid_reference(x, nrow, padding, 0.5))


def test_make_grid_gray_list_and_normalize():
    x = rng.random((2, 1, 3, 3), dtype=np.float32) * 4 - 1
    got = utils.make_grid([jtorch.from_numpy(a) for a in x], normalize=True)
    scaled = (x - x.min()) / (x.max() - x.min())
    np.testing.assert_allclose(got.numpy(), grid_reference(np.repeat(scaled, 3, 1), 8, 2, 0.0), rtol=1e-6)
    each = utils.make_grid(jtorch.from_numpy(x), normalize=True, scale_each=True, value_range=(-1.0, 1.0))
    np.testing.assert_allclose(each.numpy(), grid_reference(np.repeat((np.clip(x, -1, 1) + 1) / 2, 3, 1), 8, 2, 0.0), rtol=1e-6)
    assert utils.make_grid(jtorch.from_numpy(x[0])).shape == (3, 3, 3)
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        utils.make_grid(x)


def test_save_image_rounds_to_uint8(tmp_path):
    x = rng.random((2, 3, 4, 4), dtype=np.float32)
    path = tmp_path / "grid.png"
    utils.save_image(jtorch.from_numpy(x), str(path), nrow=2, padding=1)
    want = np.clip(grid_reference(x, 2, 1, 0.0) * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    assert np.array_equal(np.asarray(Image.open(path)), want)


def test_runner_resolves_torchvision(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import torch
        import torchvision
        import torchvision.transforms as T
        from torchvision import datasets, models
        from torchvision.transforms import functional as F
        t = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
        print(torchvision.__name__, T.__name__, type(t).__module__, datasets.MNIST.__module__,
              isinstance(models.alexnet(), torch.nn.Module), F.InterpolationMode.BILINEAR.value)
    """))
    env = {**os.environ, "PYTHONPATH": ROOT}
    result = subprocess.run([sys.executable, "-m", "jtorch", str(script)], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["jtorch.vision", "jtorch.vision.transforms", "jtorch.vision.transforms.transforms",
                                     "jtorch.vision.datasets.mnist", "True", "bilinear"]


def test_import_jtorch_vision_does_not_import_pillow():
    code = "import sys, jtorch, jtorch.vision; print('PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": ROOT})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
