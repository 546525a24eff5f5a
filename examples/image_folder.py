"""torchvision's ImageFolder: one folder per class, the folder's name is the class. Images are read with
PIL, turned into tensors by ToTensor (values in [0, 1]) and standardized by Normalize, then batched by a
DataLoader.

The dataset program of the tutorial "things to know when starting PyTorch". It writes a few small PNG
images into a temporary folder (or --root) first. Needs torchvision (or jtorch, whose torchvision is
built in) and Pillow.
"""
import argparse
import os
import tempfile

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def write_images(root, per_class=3):
    """Class folders 'cat' and 'dog' of 6x5 RGB images whose pixels follow a fixed pattern."""
    for c, name in enumerate(["dog", "cat"]):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for i in range(per_class):
            pixels = (np.arange(6 * 5 * 3).reshape(6, 5, 3) * (7 + 5 * i + 3 * c)) % 256
            Image.fromarray(pixels.astype(np.uint8)).save(os.path.join(root, name, f"{i:02d}.png"))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", default=None, help="folder for the images (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.root or tmp
        write_images(root)
        transform = transforms.Compose([transforms.ToTensor(),
                                        transforms.Normalize(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))])
        print(transform)
        dataset = datasets.ImageFolder(root, transform=transform)
        print("classes:", dataset.classes, dataset.class_to_idx)
        print("samples:", [(os.path.relpath(path, root), label) for path, label in dataset.samples])
        image, label = dataset[4]
        print("item:", image.dtype, tuple(image.shape), label)
        print("pixels:", [round(v, 5) for v in image[:, 0, :3].flatten().tolist()])
        single = transforms.ToTensor()(Image.open(dataset.samples[0][0])).unsqueeze(0)
        print("one image as a batch:", tuple(single.shape), f"max {single.max().item():.5f}")
        loader = DataLoader(dataset, batch_size=4, shuffle=False)
        for images, labels in loader:
            print("batch:", tuple(images.shape), labels.tolist(), f"mean {images.mean().item():.5f}")


if __name__ == "__main__":
    main()
