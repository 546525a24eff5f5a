"""Transforms on PIL images and tensors, against torchvision's documented rules computed with PIL/numpy."""
import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance

import jtorch
from jtorch.vision import transforms as T
from jtorch.vision.transforms import functional as F

rng = np.random.default_rng(0)
RGB = rng.integers(0, 256, (13, 17, 3), dtype=np.uint8)


def rgb_image():
    return Image.fromarray(RGB, "RGB")


def chw(img) -> np.ndarray:
    """A PIL image's pixels as a CHW uint8 array."""
    a = np.asarray(img)
    return (a[None] if a.ndim == 2 else a.transpose(2, 0, 1)).copy()


def test_to_tensor_scales_uint8_to_unit_float():
    for pic in (rgb_image(), RGB):
        t = T.ToTensor()(pic)
        assert t.dtype == jtorch.float32 and t.shape == (3, 13, 17)
        np.testing.assert_allclose(t.numpy(), RGB.transpose(2, 0, 1) / np.float32(255), rtol=1e-6)
    gray = T.ToTensor()(RGB[:, :, 0])
    assert gray.shape == (1, 13, 17)


def test_to_tensor_keeps_other_dtypes_and_modes():
    f = rng.standard_normal((4, 5, 2)).astype(np.float64)
    t = T.ToTensor()(f)
    assert t.dtype == jtorch.float64
    np.testing.assert_array_equal(t.numpy(), f.transpose(2, 0, 1))
    i32 = Image.fromarray(rng.integers(-5, 5, (4, 5), dtype=np.int32))
    assert T.ToTensor()(i32).dtype == jtorch.int32
    binary = Image.fromarray(RGB[:, :, 0] > 128)
    np.testing.assert_allclose(T.ToTensor()(binary).numpy()[0], (RGB[:, :, 0] > 128).astype(np.float32))


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        T.ToTensor()(np.zeros((1, 2, 3, 4), np.uint8))


def test_pil_to_tensor_and_back():
    t = T.PILToTensor()(rgb_image())
    assert t.dtype == jtorch.uint8
    np.testing.assert_array_equal(t.numpy(), chw(rgb_image()))
    back = T.ToPILImage()(t)
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), RGB)
    f = jtorch.from_numpy(RGB.transpose(2, 0, 1) / np.float32(255))
    np.testing.assert_array_equal(np.asarray(T.ToPILImage()(f)), (RGB / np.float32(255) * 255).astype(np.uint8))
    assert T.ToPILImage()(t[:1]).mode == "L"
    with pytest.raises(ValueError, match="Only modes"):
        T.ToPILImage(mode="L")(t)


def test_normalize_and_inplace():
    x = jtorch.rand(3, 4, 5)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    want = (x.numpy() - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(T.Normalize(mean, std)(x).numpy(), want, rtol=1e-6)
    T.Normalize(mean, std, inplace=True)(x)
    np.testing.assert_allclose(x.numpy(), want, rtol=1e-6)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize(mean, std)(jtorch.zeros(3, 2, 2, dtype=jtorch.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize(mean, (1.0, 0.0, 1.0))(x)


def resized_size(h, w, size, max_size=None):
    """Torchvision's documented rule: an int matches the smaller edge, the longer edge capped by max_size."""
    short, long = min(h, w), max(h, w)
    new_short, new_long = size, int(size * long / short)
    if max_size is not None and new_long > max_size:
        new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if h > w else (new_short, new_long)


@pytest.mark.parametrize("size,max_size,interp,pil", [(8, None, T.InterpolationMode.BILINEAR, Image.BILINEAR),
                                                      (20, 24, T.InterpolationMode.BICUBIC, Image.BICUBIC),
                                                      (6, None, T.InterpolationMode.NEAREST, Image.NEAREST)])
def test_resize_pil_uses_pil_resize(size, max_size, interp, pil):
    h, w = resized_size(13, 17, size, max_size)
    out = T.Resize(size, interpolation=interp, max_size=max_size)(rgb_image())
    assert np.array_equal(np.asarray(out), np.asarray(rgb_image().resize((w, h), pil)))
    out = T.Resize((5, 9), interpolation=pil)(rgb_image())
    assert np.array_equal(np.asarray(out), np.asarray(rgb_image().resize((9, 5), pil)))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
def test_resize_tensor_is_antialiased_interpolate(mode):
    x = rng.random((2, 3, 13, 17), dtype=np.float32)
    got = T.Resize(6, interpolation=T.InterpolationMode(mode))(jtorch.from_numpy(x))
    kwargs = {"align_corners": False, "antialias": True} if mode != "nearest" else {}
    want = torch.nn.functional.interpolate(torch.from_numpy(x), size=(6, 7), mode=mode, **kwargs)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    u8 = T.Resize([6, 7])(jtorch.from_numpy(chw(rgb_image())))
    ref = torch.nn.functional.interpolate(torch.from_numpy(chw(rgb_image())).float()[None], size=(6, 7),
                                          mode="bilinear", align_corners=False, antialias=True)[0]
    assert u8.dtype == jtorch.uint8
    np.testing.assert_array_equal(u8.numpy(), ref.round().to(torch.uint8).numpy())


def test_resize_errors():
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize((1, 2, 3))
    with pytest.raises(ValueError, match="max_size = 5 must be strictly greater"):
        T.Resize(8, max_size=5)(rgb_image())
    with pytest.raises(ValueError, match="max_size should only be passed if size specifies the length of the smaller"):
        T.Resize((8, 9), max_size=20)(rgb_image())


def test_center_crop_pil_and_tensor():
    out = T.CenterCrop((6, 9))(rgb_image())
    top, left = int(round((13 - 6) / 2)), int(round((17 - 9) / 2))
    assert np.array_equal(np.asarray(out), RGB[top:top + 6, left:left + 9])
    t = T.CenterCrop((6, 9))(jtorch.from_numpy(chw(rgb_image())))
    np.testing.assert_array_equal(t.numpy(), chw(out))
    big = T.CenterCrop(20)(rgb_image())
    want = np.pad(RGB, ((3, 4), (1, 2), (0, 0)))
    assert np.array_equal(np.asarray(big), want)
    np.testing.assert_array_equal(T.CenterCrop(20)(jtorch.from_numpy(chw(rgb_image()))).numpy(), chw(big))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_matches_numpy(mode):
    padding = (1, 2, 3, 4)  # left, top, right, bottom
    widths = ((2, 4), (1, 3))
    kw = {"constant_values": 7} if mode == "constant" else {}
    want = np.pad(RGB, widths + ((0, 0),), mode=mode, **kw)
    out = T.Pad(padding, fill=7, padding_mode=mode)(rgb_image())
    assert np.array_equal(np.asarray(out), want)
    t = T.Pad(padding, fill=7, padding_mode=mode)(jtorch.from_numpy(chw(rgb_image())))
    np.testing.assert_array_equal(t.numpy(), want.transpose(2, 0, 1))
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        T.Pad(1, padding_mode="wrap")


def test_flips_pil_and_tensor():
    img, t = rgb_image(), jtorch.from_numpy(chw(rgb_image()))
    assert np.array_equal(np.asarray(T.RandomHorizontalFlip(p=1.0)(img)), RGB[:, ::-1])
    assert np.array_equal(np.asarray(T.RandomVerticalFlip(p=1.0)(img)), RGB[::-1])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(t).numpy(), chw(img)[:, :, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(t).numpy(), chw(img)[:, ::-1])


def windows(padded: np.ndarray, h: int, w: int):
    return [padded[i:i + h, j:j + w] for i in range(padded.shape[0] - h + 1) for j in range(padded.shape[1] - w + 1)]


def test_random_crop_is_a_window_and_reproducible():
    crop = T.RandomCrop(10, padding=2, padding_mode="reflect")
    jtorch.manual_seed(3)
    a = np.asarray(crop(rgb_image()))
    padded = np.pad(RGB, ((2, 2), (2, 2), (0, 0)), mode="reflect")
    assert any(np.array_equal(a, win) for win in windows(padded, 10, 10))
    jtorch.manual_seed(3)
    assert np.array_equal(np.asarray(crop(rgb_image())), a)
    grown = T.RandomCrop((15, 20), pad_if_needed=True, fill=9)(rgb_image())
    assert grown.size == (20, 15)
    with pytest.raises(ValueError, match=r"Required crop size \(20, 20\) is larger than input image size \(13, 17\)"):
        T.RandomCrop(20)(rgb_image())


def test_random_resized_crop():
    jtorch.manual_seed(0)
    out = T.RandomResizedCrop(8)(rgb_image())
    assert out.size == (8, 8)
    whole = T.RandomResizedCrop((13, 17), scale=(1.0, 1.0), ratio=(17 / 13, 17 / 13))(rgb_image())
    assert np.array_equal(np.asarray(whole), RGB)
    jtorch.manual_seed(1)
    params = [T.RandomResizedCrop.get_params(rgb_image(), (0.08, 1.0), (3 / 4, 4 / 3)) for _ in range(5)]
    jtorch.manual_seed(1)
    assert params == [T.RandomResizedCrop.get_params(rgb_image(), (0.08, 1.0), (3 / 4, 4 / 3)) for _ in range(5)]


def test_grayscale_pil_and_tensor():
    img = rgb_image()
    assert np.array_equal(np.asarray(T.Grayscale()(img)), np.asarray(img.convert("L")))
    three = T.Grayscale(3)(img)
    assert three.mode == "RGB" and np.array_equal(np.asarray(three)[:, :, 2], np.asarray(img.convert("L")))
    x = rng.random((3, 4, 5), dtype=np.float32)
    want = (0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2])[None]
    np.testing.assert_allclose(T.Grayscale()(jtorch.from_numpy(x)).numpy(), want, rtol=1e-6)
    assert T.Grayscale(3)(jtorch.from_numpy(x)).shape == (3, 4, 5)


def test_rotation_pil_and_tensor():
    img = Image.fromarray(RGB[:12, :12])
    assert np.array_equal(np.asarray(T.RandomRotation((90, 90))(img)), np.asarray(img.rotate(90)))
    t = jtorch.from_numpy(chw(img))
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(t).numpy(), np.rot90(chw(img), 1, axes=(1, 2)))
    expanded = F.rotate(jtorch.from_numpy(chw(rgb_image())), 90.0, expand=True)
    np.testing.assert_array_equal(expanded.numpy(), np.rot90(chw(rgb_image()), 1, axes=(1, 2)))
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-3)


def test_color_jitter_fixed_factors():
    img = rgb_image()
    out = T.ColorJitter(brightness=(1.3, 1.3))(img)
    assert np.array_equal(np.asarray(out), np.asarray(ImageEnhance.Brightness(img).enhance(1.3)))
    out = T.ColorJitter(contrast=(0.5, 0.5))(img)
    assert np.array_equal(np.asarray(out), np.asarray(ImageEnhance.Contrast(img).enhance(0.5)))
    x = rng.random((3, 4, 5), dtype=np.float32)
    got = T.ColorJitter(brightness=(1.5, 1.5))(jtorch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, np.clip(1.5 * x, 0, 1), rtol=1e-6)
    shifted = F.adjust_hue(F.adjust_hue(jtorch.from_numpy(x), 0.25), -0.25)
    np.testing.assert_allclose(shifted.numpy(), x, atol=1e-5)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)


def test_random_apply_choice_order_lambda_compose():
    flip = T.RandomHorizontalFlip(p=1.0)
    img = rgb_image()
    assert T.RandomApply([flip], p=0.0)(img) is img
    assert np.array_equal(np.asarray(T.RandomApply([flip], p=1.0)(img)), RGB[:, ::-1])
    assert np.array_equal(np.asarray(T.RandomChoice([flip])(img)), RGB[:, ::-1])
    assert np.array_equal(np.asarray(T.RandomOrder([flip, flip])(img)), RGB)
    pipeline = T.Compose([T.Lambda(lambda im: im.convert("L")), T.ToTensor()])
    assert pipeline(img).shape == (1, 13, 17)
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


def test_transforms_are_modules_and_repr_like_torchvision():
    assert isinstance(T.Resize(4), jtorch.nn.Module) and not isinstance(T.ToTensor(), jtorch.nn.Module)
    assert repr(T.Compose([T.CenterCrop(10), T.ToTensor(), T.Normalize((0.5,), (0.5,))])) == (
        "Compose(\n    CenterCrop(size=(10, 10))\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)")
    assert repr(T.Resize(32)) == "Resize(size=32, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.RandomCrop(32, padding=4)) == "RandomCrop(size=(32, 32), padding=4)"
    assert repr(T.RandomResizedCrop(224)) == ("RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), "
                                              "ratio=(0.75, 1.3333), interpolation=bilinear, antialias=True)")
    assert repr(T.ColorJitter(0.4)) == "ColorJitter(brightness=(0.6, 1.4), contrast=None, saturation=None, hue=None)"
    assert repr(T.RandomApply([T.Grayscale()], p=0.2)) == "RandomApply(\n    p=0.2\n    Grayscale(num_output_channels=1)\n)"
    assert repr(T.Pad(2)) == "Pad(padding=2, fill=0, padding_mode=constant)"
    assert repr(T.RandomRotation(10)) == "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)"


def test_random_transforms_follow_manual_seed():
    x = jtorch.rand(3, 8, 8)
    pipeline = T.Compose([T.RandomResizedCrop(6), T.RandomHorizontalFlip(), T.ColorJitter(0.3, 0.3, 0.3, 0.1)])
    jtorch.manual_seed(5)
    a = pipeline(x)
    jtorch.manual_seed(5)
    np.testing.assert_array_equal(pipeline(x).numpy(), a.numpy())


def test_random_erasing():
    x = jtorch.rand(3, 8, 8)
    jtorch.manual_seed(2)
    out = T.RandomErasing(p=1.0, value=0)(x)
    erased = out.numpy() != x.numpy()
    rows, cols = np.nonzero(erased.any(0))
    assert erased.any() and np.all(out.numpy()[:, rows.min():rows.max() + 1, cols.min():cols.max() + 1] == 0)
    assert T.RandomErasing(p=0.0)(x) is x
    assert repr(T.RandomErasing()) == ("RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, "
                                       "inplace=False)")
    with pytest.raises(ValueError, match="If value is str, it should be 'random'"):
        T.RandomErasing(value="noise")
