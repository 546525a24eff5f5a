"""MNIST-style datasets read from the standard idx files in ``root/<ClassName>/raw`` (plain or ``.gz``)."""
from __future__ import annotations

import gzip
import os
from typing import Any, Callable

import numpy as np

import jtorch as torch
from jtorch.utils.data import get_worker_info

from .._pil import pil_image_module
from .vision import VisionDataset, no_download

_IDX_DTYPES = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"), 13: np.dtype(">f4"),
               14: np.dtype(">f8")}


def _open(path: str):
    if os.path.isfile(path):
        return open(path, "rb")
    return gzip.open(path + ".gz", "rb")


def read_sn3_pascalvincent_array(path: str) -> np.ndarray:
    """An idx file (``path`` or ``path.gz``) as a numpy array of its stored dtype and shape."""
    with _open(path) as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    nd, ty = magic % 256, magic // 256
    if not (1 <= nd <= 3 and ty in _IDX_DTYPES):
        raise ValueError(f"{path} is not an idx file (magic number {magic})")
    shape = [int.from_bytes(raw[4 * (i + 1):4 * (i + 2)], "big") for i in range(nd)]
    dtype = np.dtype(_IDX_DTYPES[ty])
    parsed = np.frombuffer(raw, dtype=dtype, offset=4 * (nd + 1), count=int(np.prod(shape)))
    return parsed.astype(dtype.newbyteorder("=")).reshape(shape)


def _read_uint8(path: str, ndim: int) -> np.ndarray:
    x = read_sn3_pascalvincent_array(path)
    if x.dtype != np.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {torch.from_numpy(x).dtype}")
    if x.ndim != ndim:
        raise ValueError(f"x should have {ndim} dimension instead of {x.ndim}")
    return x


def read_image_file(path: str) -> torch.Tensor:
    """``(N, H, W)`` uint8 images of an idx3 file."""
    return torch.from_numpy(_read_uint8(path, 3))


def read_label_file(path: str) -> torch.Tensor:
    """``(N,)`` int64 labels of an idx1 file."""
    return torch.from_numpy(_read_uint8(path, 1).astype(np.int64))


class _HostMirror:
    """A Tensor attribute with a numpy copy, so samples are read without JAX (DataLoader workers never run it)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = "_" + name

    def __get__(self, obj, owner=None):
        return self if obj is None else obj.__dict__[self.name][0]

    def __set__(self, obj, value) -> None:
        tensor = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
        obj.__dict__[self.name] = (tensor, tensor._value, np.asarray(tensor))

    @staticmethod
    def host(obj, name: str) -> np.ndarray:
        """The numpy copy of ``obj.<name>``, refreshed in the main process when the Tensor changed in place."""
        tensor, value, array = obj.__dict__["_" + name]
        if get_worker_info() is None and tensor._value is not value:
            setattr(obj, name, tensor)
            array = obj.__dict__["_" + name][2]
        return array


class MNIST(VisionDataset):
    """Handwritten digits: ``data`` ``(N, 28, 28)`` uint8, ``targets`` ``(N,)`` int64; samples are
    ``(PIL image 'L', int)``. Reads ``{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]`` from
    ``root/<ClassName>/raw``."""

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]
    data = _HostMirror()
    targets = _HostMirror()

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if not self._check_exists():
            if download:
                raise no_download(self.__class__.__name__, self.raw_folder)
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        prefix = "train" if self.train else "t10k"
        self.data = read_image_file(os.path.join(self.raw_folder, f"{prefix}-images-idx3-ubyte"))
        self.targets = read_label_file(os.path.join(self.raw_folder, f"{prefix}-labels-idx1-ubyte"))

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def _check_exists(self) -> bool:
        prefix = "train" if self.train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]
        return all(os.path.isfile(p) or os.path.isfile(p + ".gz") for p in
                   (os.path.join(self.raw_folder, n) for n in names))

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img = pil_image_module().fromarray(_HostMirror.host(self, "data")[index], mode="L")
        return self._apply(img, int(_HostMirror.host(self, "targets")[index]))

    def __len__(self) -> int:
        return len(_HostMirror.host(self, "data"))

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Zalando's clothing images in MNIST's format (``root/FashionMNIST/raw``)."""

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji (cursive Japanese) characters in MNIST's format (``root/KMNIST/raw``)."""

    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
