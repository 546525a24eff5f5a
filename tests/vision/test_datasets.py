"""ImageFolder / DatasetFolder on a temporary tree; MNIST and CIFAR readers on tiny files in the standard formats."""
import gzip
import os
import pickle

import numpy as np
import pytest
from PIL import Image

import jtorch
from jtorch.utils.data import DataLoader
from jtorch.vision import datasets, transforms

rng = np.random.default_rng(0)


@pytest.fixture
def image_tree(tmp_path):
    pixels = {}
    for cls, names in {"cat": ["b.png", "a.jpg"], "dog": ["x.png", "notes.txt"], "bird": ["sub/z.bmp"]}.items():
        for name in names:
            path = tmp_path / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".txt"):
                path.write_text("not an image")
                continue
            arr = rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)
            Image.fromarray(arr).save(path)
            pixels[str(path)] = np.asarray(Image.open(path).convert("RGB"))
    return tmp_path, pixels


def test_image_folder_layout(image_tree):
    root, pixels = image_tree
    ds = datasets.ImageFolder(str(root), transform=transforms.ToTensor(), target_transform=lambda t: t * 10)
    assert ds.classes == ["bird", "cat", "dog"]
    assert ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    want = [(str(root / "bird" / "sub" / "z.bmp"), 0), (str(root / "cat" / "a.jpg"), 1),
            (str(root / "cat" / "b.png"), 1), (str(root / "dog" / "x.png"), 2)]
    assert ds.samples == want and ds.imgs == want and ds.targets == [0, 1, 1, 2] and len(ds) == 4
    img, target = ds[2]
    assert target == 10
    np.testing.assert_allclose(img.numpy(), pixels[want[2][0]].transpose(2, 0, 1) / np.float32(255), rtol=1e-6)
    assert repr(ds).startswith(f"Dataset ImageFolder\n    Number of datapoints: 4\n    Root location: {root}\n"
                               "    StandardTransform\nTransform: ToTensor()")


def test_dataset_folder_loader_extensions_and_validity(image_tree):
    root, _ = image_tree
    ds = datasets.DatasetFolder(str(root), loader=os.path.basename, extensions=(".png",), allow_empty=True)
    assert [s for s, _ in ds] == ["b.png", "x.png"]
    ds = datasets.ImageFolder(str(root), is_valid_file=lambda p: p.endswith("b.png"), allow_empty=True)
    assert ds.targets == [1]
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes bird. Supported extensions "
                                                "are: .png"):
        datasets.DatasetFolder(str(root), loader=os.path.basename, extensions=(".png",))
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(str(root), loader=os.path.basename)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(str(root / "bird" / "sub"))


def write_idx(path, array, compress):
    codes = {np.uint8: 8, np.int32: 12}
    header = (codes[array.dtype.type] << 8 | array.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if compress else open
    with opener(str(path) + (".gz" if compress else ""), "wb") as f:
        f.write(data)


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST])
def test_mnist_reads_idx_files(tmp_path, cls):
    raw = tmp_path / cls.__name__ / "raw"
    raw.mkdir(parents=True)
    images = rng.integers(0, 256, (6, 4, 5), dtype=np.uint8)
    labels = rng.integers(0, 10, 6).astype(np.uint8)
    write_idx(raw / "t10k-images-idx3-ubyte", images, compress=True)
    write_idx(raw / "t10k-labels-idx1-ubyte", labels, compress=False)
    ds = cls(str(tmp_path), train=False, transform=transforms.PILToTensor())
    assert ds.data.dtype == jtorch.uint8 and ds.targets.dtype == jtorch.int64 and len(ds) == 6
    np.testing.assert_array_equal(ds.data.numpy(), images)
    img, target = ds[4]
    assert target == int(labels[4]) and isinstance(target, int)
    np.testing.assert_array_equal(img.numpy(), images[4][None])
    assert ds.class_to_idx[ds.classes[3]] == 3
    assert "Split: Test" in repr(ds)
    ds.data = ds.data[:3]
    ds.targets[0] = 9
    assert len(ds) == 3 and ds[0][1] == 9
    xb, yb = next(iter(DataLoader(ds, batch_size=3)))
    assert xb.shape == (3, 1, 4, 5) and yb.tolist()[0] == 9


def test_mnist_missing_files(tmp_path):
    with pytest.raises(RuntimeError, match="^Dataset not found. You can use download=True to download it$"):
        datasets.MNIST(str(tmp_path))
    with pytest.raises(RuntimeError, match="cannot download datasets"):
        datasets.MNIST(str(tmp_path), download=True)
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / "train-images-idx3-ubyte", np.zeros((2, 3, 3), np.int32), compress=False)
    write_idx(raw / "train-labels-idx1-ubyte", np.zeros(2, np.uint8), compress=False)
    with pytest.raises(TypeError, match="x should be of dtype torch.uint8 instead of torch.int32"):
        datasets.MNIST(str(tmp_path))


def write_cifar(root, folder, files, label_key, meta_name, meta_key, n=3):
    base = root / folder
    base.mkdir()
    batches = {}
    for name in files:
        data = rng.integers(0, 256, (n, 3 * 32 * 32), dtype=np.uint8)
        labels = rng.integers(0, 10, n).tolist()
        with open(base / name, "wb") as f:
            pickle.dump({"data": data, label_key: labels, "batch_label": name}, f)
        batches[name] = (data, labels)
    with open(base / meta_name, "wb") as f:
        pickle.dump({meta_key: [f"class{i}" for i in range(10)]}, f)
    return batches


def test_cifar10_reads_pickle_batches(tmp_path):
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    batches = write_cifar(tmp_path, "cifar-10-batches-py", names, "labels", "batches.meta", "label_names")
    ds = datasets.CIFAR10(str(tmp_path), train=True)
    assert ds.data.shape == (15, 32, 32, 3) and ds.data.dtype == np.uint8 and len(ds) == 15
    first = batches["data_batch_1"][0].reshape(3, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(ds.data[:3], first)
    assert ds.targets == sum((batches[n][1] for n in names[:5]), [])
    img, target = ds[1]
    assert img.mode == "RGB" and np.array_equal(np.asarray(img), first[1]) and target == ds.targets[1]
    assert ds.classes[2] == "class2" and ds.class_to_idx["class9"] == 9
    test = datasets.CIFAR10(str(tmp_path), train=False, transform=transforms.ToTensor())
    assert len(test) == 3 and test[0][0].shape == (3, 32, 32)


def test_cifar100_and_missing(tmp_path):
    with pytest.raises(RuntimeError, match="^Dataset not found or corrupted. You can use download=True to download it$"):
        datasets.CIFAR100(str(tmp_path))
    write_cifar(tmp_path, "cifar-100-python", ["train", "test"], "fine_labels", "meta", "fine_label_names")
    ds = datasets.CIFAR100(str(tmp_path), train=False)
    assert len(ds) == 3 and ds.classes[0] == "class0"


def test_cifar_refuses_code_in_pickles(tmp_path):
    write_cifar(tmp_path, "cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"],
                "labels", "batches.meta", "label_names")
    with open(tmp_path / "cifar-10-batches-py" / "test_batch", "wb") as f:
        pickle.dump({"data": os.getcwd, "labels": []}, f)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        datasets.CIFAR10(str(tmp_path), train=False)


def test_mnist_with_transforms_in_worker_processes(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = rng.integers(0, 256, (4, 3, 3), dtype=np.uint8)
    write_idx(raw / "train-images-idx3-ubyte", images, compress=False)
    write_idx(raw / "train-labels-idx1-ubyte", np.arange(4, dtype=np.uint8), compress=False)
    pipeline = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.25,))])
    ds = datasets.MNIST(str(tmp_path), transform=pipeline)
    batches = list(DataLoader(ds, batch_size=2, num_workers=1))
    xs = jtorch.cat([xb for xb, _ in batches])
    assert [yb.tolist() for _, yb in batches] == [[0, 1], [2, 3]] and xs.dtype == jtorch.float32
    np.testing.assert_allclose(xs.numpy(), jtorch.stack([ds[i][0] for i in range(4)]).numpy(), rtol=1e-6)


def test_random_augmentation_in_workers_is_reproducible(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / "train-images-idx3-ubyte", rng.integers(0, 256, (6, 5, 5), dtype=np.uint8), compress=False)
    write_idx(raw / "train-labels-idx1-ubyte", np.arange(6, dtype=np.uint8), compress=False)
    pipeline = transforms.Compose([transforms.RandomCrop(4, padding=1), transforms.RandomHorizontalFlip(),
                                   transforms.ColorJitter(0.5, 0.5), transforms.ToTensor(),
                                   transforms.Normalize((0.5,), (0.5,)), transforms.RandomErasing(p=1.0, value="random")])
    ds = datasets.MNIST(str(tmp_path), transform=pipeline)

    def run():
        jtorch.manual_seed(7)
        return jtorch.cat([xb for xb, _ in DataLoader(ds, batch_size=3, num_workers=2)]).numpy()
    first = run()
    assert first.shape == (6, 1, 4, 4) and np.array_equal(first, run())
