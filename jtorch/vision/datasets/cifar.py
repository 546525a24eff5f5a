"""CIFAR-10 / CIFAR-100 read from the standard python pickle batches."""
from __future__ import annotations

import os
import pickle
from typing import Any, Callable

import numpy as np

from .._pil import pil_image_module
from .vision import VisionDataset, no_download

_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar"), ("_codecs", "encode"), ("numpy._core.numeric", "_frombuffer"),
            ("numpy.core.numeric", "_frombuffer")}


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles plain data and numpy arrays only: a batch file cannot run code."""

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"CIFAR batch files hold only arrays and plain data; refusing {module}.{name}")


def _load_batch(path: str) -> dict:
    with open(path, "rb") as f:
        return _BatchUnpickler(f, encoding="latin1").load()


class CIFAR10(VisionDataset):
    """32x32 colour images: ``data`` ``(N, 32, 32, 3)`` uint8 ndarray, ``targets`` a list of ints; samples are
    ``(PIL image 'RGB', int)``. Reads ``root/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}``."""

    base_folder = "cifar-10-batches-py"
    train_list = [["data_batch_1", None], ["data_batch_2", None], ["data_batch_3", None], ["data_batch_4", None],
                  ["data_batch_5", None]]
    test_list = [["test_batch", None]]
    meta = {"filename": "batches.meta", "key": "label_names"}

    def __init__(self, root: str | os.PathLike, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if not self._check_integrity():
            if download:
                raise no_download(self.__class__.__name__, os.path.join(self.root, self.base_folder))
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        data, self.targets = [], []
        for file_name, _ in self.train_list if self.train else self.test_list:
            entry = _load_batch(os.path.join(self.root, self.base_folder, file_name))
            data.append(entry["data"])
            self.targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        self._load_meta()

    def _load_meta(self) -> None:
        path = os.path.join(self.root, self.base_folder, self.meta["filename"])
        if not os.path.isfile(path):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        self.classes = _load_batch(path)[self.meta["key"]]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _check_integrity(self) -> bool:
        return all(os.path.isfile(os.path.join(self.root, self.base_folder, name))
                   for name, _ in self.train_list + self.test_list)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._apply(pil_image_module().fromarray(self.data[index]), self.targets[index])

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 (``root/cifar-100-python/{train, test, meta}``; targets are the 100 fine labels)."""

    base_folder = "cifar-100-python"
    train_list = [["train", None]]
    test_list = [["test", None]]
    meta = {"filename": "meta", "key": "fine_label_names"}
